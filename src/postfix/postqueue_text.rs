//! `postqueue -p` text fallback (Postfix < 3.1). TODO(adapter helper).
