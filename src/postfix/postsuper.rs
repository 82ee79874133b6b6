//! `postsuper` stderr → `OpReport`. TODO(adapter helper).
