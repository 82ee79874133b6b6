//! Reading what the Postfix programs print. Pure functions over bytes: no processes here
//! (the adapter in [`super::local`] runs the programs and hands their output over).
//!
//! - [`jsonl`]: `postqueue -j` (Postfix ≥ 3.1), streamed into a [`crate::model::Snapshot`];
//! - [`text`]: `postqueue -p`, the fallback for older Postfix;
//! - [`postcat`]: `postcat -q -e…` records of queued messages;
//! - [`postsuper`]: `postsuper`'s per-message stderr lines.

pub mod jsonl;
pub mod postcat;
pub mod postsuper;
pub mod text;

pub use jsonl::{MAX_PROBLEMS, SnapshotBuilder, parse_stream, secs, unix_now};
