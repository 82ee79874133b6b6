//! The terminal loop: everything between the terminal and [`crate::app::update()`].
//!
//! - [`terminal`]: raw mode and the alternate screen on the way in, a guaranteed way out,
//!   and the input thread;
//! - [`event_loop`]: wait for input, IO results, the refresh tick or a signal; drain;
//!   `update()`; run the effects it returns on blocking threads; draw once.

pub mod event_loop;
mod partial;
pub mod terminal;

pub(crate) use event_loop::{Sources, run_tui};
