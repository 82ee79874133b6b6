//! The command line: [`args`] (clap), [`mod@run`] (dispatch to the TUI or a subcommand),
//! [`output`] (writing to a pipe that may close, reporting unparsable lines), [`exit`] (the
//! exit statuses) and [`manual`] (the text of the manual pages beyond `--help`).

pub mod args;
pub mod exit;
pub mod manual;
pub mod output;
pub mod run;

pub use args::*;
pub use output::{error_chain, warn_problems, write_stdout};
pub use run::{main, open_queue, run};
