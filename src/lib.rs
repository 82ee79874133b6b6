//! mailq-tui: a terminal UI for the Postfix mail queue.
//!
//! Dependencies point one way: `ui → app → model ← postfix`.
//!
//! - [`model`]: plain data and logic (messages, snapshots, grouping, filters). No IO.
//! - [`postfix`]: the only code that spawns processes (`postqueue`, `postsuper`, `postcat`,
//!   `postconf`), behind the [`postfix::MailQueue`] trait; plus the in-memory replay queue.
//! - [`cli`]: the command line.

pub mod app;
pub mod cli;
pub mod model;
pub mod postfix;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, GlobalOpts};
use crate::postfix::command::Postfix;
use crate::postfix::replay::ReplayQueue;
use crate::postfix::{MailQueue, PostfixError};

/// Entry point for the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Run a parsed command line.
///
/// # Errors
/// Anything that stops the command; printed as `error: …`.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let queue = open_queue(&cli.global)?;
    let snap = queue.list()?;
    println!("{}: {} messages", queue.describe(), snap.len());
    Ok(ExitCode::SUCCESS)
}

/// Open the queue the global options name: `--demo`, `--from-file`, or Postfix (`-c DIR`).
///
/// # Errors
/// When the named source cannot be opened.
pub fn open_queue(opts: &GlobalOpts) -> Result<Box<dyn MailQueue>, PostfixError> {
    if opts.demo {
        return Ok(Box::new(ReplayQueue::demo()));
    }
    if let Some(path) = &opts.from_file {
        return Ok(Box::new(ReplayQueue::from_file(path, "MAILER-DAEMON")?));
    }
    Ok(Box::new(Postfix::new(opts.config_dir.clone())?))
}
