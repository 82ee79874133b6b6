//! The command line (clap derive). Global options apply to every subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  mailq-tui                         open the TUI on the local Postfix (demo queue if none)
  mailq-tui --demo                  open the TUI on the built-in NDR storm
  mailq-tui --read-only             monitor only: no key can change the queue
  mailq-tui summary --by reason     the shape of the queue as a table
  mailq-tui ids sender:MAILER-DAEMON rcpt:@victim-a.example
  mailq-tui hold --dry-run reason:/timed out/";

/// A terminal UI for the Postfix mail queue.
#[derive(Debug, Parser)]
#[command(
    name = "mailq-tui",
    version,
    about,
    after_help = EXAMPLES,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    /// Print the TUI key table (markdown) and exit
    #[arg(long)]
    pub print_keys: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand takes.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalOpts {
    /// Postfix configuration directory of the instance to manage (passed as `-c DIR`)
    #[arg(short = 'c', long, global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Use the built-in demo queue (an NDR storm) instead of Postfix
    #[arg(long, global = true, conflicts_with = "from_file")]
    pub demo: bool,
    /// Read the queue from a `postqueue -j` capture instead of Postfix
    #[arg(long, global = true, value_name = "PATH")]
    pub from_file: Option<PathBuf>,
    /// Monitor only: no path to postsuper
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Auto-refresh interval in seconds
    #[arg(long, global = true, value_name = "SECS")]
    pub refresh: Option<u64>,
    /// Alert when the deferred queue holds at least N messages
    #[arg(long, global = true, value_name = "N")]
    pub alert_at: Option<usize>,
    /// Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Audit log file (default: in the XDG state directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the queue grouped by a key, as a table or JSON
    Summary(SummaryArgs),
    /// Print the queue IDs matching a filter, one per line (pipe-able to `postsuper -d -`)
    Ids(FilterArgs),
    /// Delete the messages matching a filter
    Delete(OpArgs),
    /// Put the messages matching a filter on hold
    Hold(OpArgs),
    /// Release the held messages matching a filter
    Release(OpArgs),
    /// Requeue the messages matching a filter
    Requeue(OpArgs),
    /// Explain a topic: `filter`
    Help {
        /// The topic
        topic: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Filter terms, AND-ed (see `mailq-tui help filter`)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub filter: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Group by KEY or KEY,KEY2
    #[arg(long, default_value = "reason")]
    pub by: String,
    /// Show at most N groups
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct OpArgs {
    /// Show the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// clap checks its own invariants only at runtime in debug builds (a duplicated `help`
    /// subcommand panicked at startup): run them in the test suite.
    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["mailq-tui", "--print-keys"]).unwrap();
        assert!(cli.print_keys && cli.command.is_none());
    }
}
