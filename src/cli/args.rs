//! The command line (clap derive). Global options apply to every subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A terminal UI for the Postfix mail queue.
#[derive(Debug, Parser)]
// Our own `help` subcommand takes topics (`help filter`); clap's would collide with it.
#[command(
    name = "mailq-tui",
    version,
    about,
    after_help = super::manual::after_help(),
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
    /// Read the queue from a capture instead of Postfix: `postqueue -j` JSON or
    /// `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input
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
    /// Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh
    /// destination (then `-c DIR` is the config dir there). Repeat for several hosts: each
    /// is handled on its own, with its output labelled.
    #[arg(long = "host", global = true, value_name = "HOST", conflicts_with_all = ["demo", "from_file"])]
    pub hosts: Vec<String>,
    /// Seconds a remote host may take to answer `fleet` before it is shown as down
    #[arg(long, global = true, value_name = "SECS")]
    pub host_timeout: Option<u64>,
    /// Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// TUI: the mail log for the storm screen's login evidence and `login-new:` (repeatable,
    /// oldest first; default: the instance's own log, read in the background when needed)
    #[arg(long = "log", value_name = "PATH")]
    pub tui_log: Vec<PathBuf>,
    /// TUI: the mail log window start, as for `logins` (default: the oldest queued
    /// message, at least 24h)
    #[arg(long = "since", value_name = "WHEN")]
    pub tui_since: Option<String>,
    /// TUI: do not read the mail log (no storm log evidence; `login-new:` matches nothing)
    #[arg(long = "no-log", conflicts_with = "tui_log")]
    pub tui_no_log: bool,
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
    /// Expire the messages matching a filter (`postsuper -e`, Postfix 3.5+): each is returned
    /// to its sender at the next attempt; an NDR (null sender) is discarded
    Expire(ExpireArgs),
    /// Attempt delivery of the messages matching a filter now (`postqueue -i`, one process
    /// per message; at most 20), then show what happened to each
    Deliver(DeliverArgs),
    /// Attempt delivery of all deferred mail now (`postqueue -f`), or of one destination's
    /// (`--site`, `postqueue -s`); warned during an NDR storm
    Flush(FlushArgs),
    /// Preview the NDR storm: size, speed, campaigns, accounts, countermeasures
    Storm(StormArgs),
    /// From the mail log: SASL/IMAP logins per account and address, password guessing,
    /// what each account sent, countermeasures at work; ranked by compromise signals
    Logins(LoginsArgs),
    /// Show the configuration: `--print-default` prints the sample file, `--path` where it is read from
    Config(ConfigArgs),
    /// List the Postfix instances on this machine (`postmulti -l`); open one with `--config-dir`
    Instances,
    /// Show recent entries of the audit log
    Log(LogArgs),
    /// One row per Postfix host (`--host`, or all `[[hosts]]`): counts, NDRs, storm, errors
    Fleet(FleetArgs),
    /// Monitoring daemon, read-only: Prometheus `/metrics`, a node_exporter textfile, alerts
    Watch(WatchArgs),
    /// Nagios/Icinga/Checkmk plugin: one status line with perfdata; exit 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN. Here `-c` is the critical list (use `--config-dir` for the instance)
    Check(CheckArgs),
    /// Explain a topic: `filter` (the filter language), `group` (grouping keys, sort orders)
    Help {
        /// The topic
        topic: Option<String>,
    },
}

/// The filter words of `summary`, `ids` and the bulk actions.
///
/// Options are options wherever they appear (`hold null --yes` holds; it does not look for
/// the word `--yes`): an unknown `--word` is a usage error, and a filter word that starts
/// with `-` goes after `--`.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Filter terms, AND-ed (see `mailq-tui help filter`); put `--` before a term that
    /// starts with `-`
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is
    /// standard input; default: the instance's log). Read only when the filter or the
    /// grouping asks the log
    #[arg(long = "log", value_name = "PATH")]
    pub log: Vec<PathBuf>,
    /// Mail log window start for `login-new:`, as for `logins` (default: the oldest queued
    /// message, at least 24h)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

impl FilterArgs {
    /// The filter text these words mean: the one reading every subcommand shares.
    #[must_use]
    pub fn text(&self) -> String {
        crate::commands::filter_text(&self.filter)
    }
}

#[derive(Debug, Clone, Args)]
pub struct SummaryArgs {
    /// Group by KEY or KEY,KEY2 (sub-groups; see `mailq-tui help group`)
    #[arg(long, default_value = "reason", value_name = "KEY[,KEY2]",
          long_help = format!("Group by KEY or KEY,KEY2 (sub-groups): {} (see `mailq-tui help group`)",
              crate::model::group::key_names()))]
    pub by: String,
    /// Show at most N groups (and N sub-groups per group)
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub top: usize,
    /// Order groups by ORDER (see `mailq-tui help group`)
    #[arg(long, default_value = "messages", value_name = "ORDER",
          long_help = format!("Order groups by: {} (see `mailq-tui help group`)",
              crate::model::group::sort_names()))]
    pub sort: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// qshape's view: domains × age buckets (5, 10, 20, … 1280, 1280+ minutes), by
    /// recipient domain (one count per recipient), as `qshape` prints it
    #[arg(long, conflicts_with_all = ["by", "sort"])]
    pub shape: bool,
    /// With --shape: by sender domain, one count per message (`qshape -s`)
    #[arg(short = 's', long, requires = "shape")]
    pub senders: bool,
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
    /// Allow an empty filter, i.e. the entire queue
    #[arg(long)]
    pub all: bool,
    /// Save the selected messages (envelope, headers, body) into DIR before acting
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// IDs per postsuper process
    #[arg(long, value_name = "N")]
    pub batch: Option<usize>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DeliverArgs {
    /// Show the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FlushArgs {
    /// Only mail for this destination (`postqueue -s SITE`; the site must be in
    /// `fast_flush_domains`)
    #[arg(long, value_name = "SITE")]
    pub site: Option<String>,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExpireArgs {
    /// Also release held messages (`postsuper -f`), so that the return happens
    #[arg(long)]
    pub release: bool,
    #[command(flatten)]
    pub op: OpArgs,
}

#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Print JSON (one array of rows)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Show the last N entries
    #[arg(long, short = 'n', default_value_t = 20, value_name = "N")]
    pub limit: usize,
    /// Print the raw JSON lines
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn summary_and_ids_take_filter_words() {
        let cli = Cli::try_parse_from([
            "mailq-tui",
            "--demo",
            "summary",
            "--by",
            "reason,rcpt-domain",
            "null",
            "!rcpt:@gmail.com",
        ])
        .expect("test value");
        let Some(Command::Summary(a)) = cli.command else {
            panic!("not summary")
        };
        assert_eq!(a.by, "reason,rcpt-domain");
        assert_eq!(a.filter.filter, vec!["null", "!rcpt:@gmail.com"]);
        let cli = Cli::try_parse_from(["mailq-tui", "help", "filter"]).expect("test value");
        assert!(matches!(cli.command, Some(Command::Help { topic: Some(t) }) if t == "filter"));
    }

    #[test]
    fn print_keys_takes_no_subcommand() {
        let cli = Cli::try_parse_from(["mailq-tui", "--print-keys"]).unwrap();
        assert!(cli.print_keys && cli.command.is_none());
    }
}

#[derive(Debug, Clone, Args)]
pub struct StormArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show at most N rows per section
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Do not read queue files (no campaigns or accounts; faster)
    #[arg(long)]
    pub no_index: bool,
    /// Mail log for the accounts' login evidence (repeatable; default: the instance's log)
    #[arg(long = "log", value_name = "PATH")]
    pub log: Vec<PathBuf>,
    /// Do not read the mail log
    #[arg(long, conflicts_with = "log")]
    pub no_log: bool,
    /// Mail log window start (as for `logins`; default: the oldest queued message, at least 24h)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct LoginsArgs {
    /// Window start: a duration back from now (24h, 7d) or a date/time (2026-11-29T10:00,
    /// local time unless it has a zone). Default: the oldest queued message, at least 24h
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Read this log instead of finding the logs (repeatable, oldest first; `-` is standard
    /// input; gzip and `journalctl -o json` output are recognised)
    #[arg(long = "log", value_name = "PATH")]
    pub log: Vec<PathBuf>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Show at most N rows per section
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Print the default configuration (a commented sample file)
    #[arg(long)]
    pub print_default: bool,
    /// Print the path the configuration is read from
    #[arg(long)]
    pub path: bool,
}

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Serve Prometheus metrics at http://ADDR:PORT/metrics (default 127.0.0.1:9155 unless
    /// only --textfile is given)
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Write the metrics in node_exporter's textfile format to PATH (atomically, after
    /// every listing); name it *.prom inside the textfile collector's directory
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<PathBuf>,
    /// Watch every Postfix instance `postmulti -l` knows (default: the local one, or `-c DIR`)
    #[arg(long, conflicts_with = "hosts")]
    pub all_instances: bool,
    /// Shortest interval between listings in seconds; longer when listing is slow, so that
    /// at most ~10% of the time goes into listing [default: 15]
    #[arg(long, value_name = "SECS")]
    pub interval: Option<u64>,
    /// List once, print the metrics (and run the alert rules once), and exit
    #[arg(long)]
    pub once: bool,
    /// Do not read queue files (no compromised-account count or alert; for non-root)
    #[arg(long)]
    pub no_index: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Warning thresholds: KEY=RANGE,… with keys deferred, hold, active, incoming, total,
    /// ndrs (messages), age (oldest message: 30m, 2h, 1d), ndr-share (50%); N warns above
    /// N, N: below N, ~:N above N, N:M outside N..M, @N:M inside (monitoring-plugins ranges)
    #[arg(
        short = 'w',
        long,
        value_name = "LIST",
        default_value = "",
        hide_default_value = true
    )]
    pub warning: String,
    /// Critical thresholds, as --warning (`-c` after `check` means this, as in every plugin)
    #[arg(
        long,
        value_name = "LIST",
        default_value = "",
        hide_default_value = true
    )]
    pub critical: String,
}
