//! Exit statuses: the codes every command returns, and what each means, in one table that
//! the code, `mailq-tui --help` and the manual pages (EXIT STATUS) all read.
//!
//! The codes follow the usual Unix meaning (0 success, 1 failure, 2 usage, as clap uses for
//! bad arguments); 3 says a bulk action did only part of its selection. `check` speaks the
//! monitoring-plugin protocol instead ([`crate::model::monitor::check::Status`]).

use std::process::ExitCode;

use crate::model::monitor::check::Status as PluginStatus;

/// Everything went as asked (also: output cut short by a closed pipe, `ids | head`).
pub const SUCCESS: u8 = 0;
/// An error: Postfix unreachable, permission denied, aborted at the prompt, refused by
/// `--read-only`.
pub const FAILURE: u8 = 1;
/// Usage: bad options, a filter that does not parse, an unknown key or help topic, a
/// configuration file root must not trust.
pub const USAGE: u8 = 2;
/// A bulk action did only part of its selection (gone, changed, failed, interrupted).
pub const PARTIAL: u8 = 3;
/// `fleet`: at least one host is down.
pub const HOST_DOWN: u8 = 2;
/// `logins`: some of the mail logs could not be read (the report covers the others).
pub const LOG_UNREAD: u8 = 3;

/// An exit code for `main`.
#[must_use]
pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}

/// One row of an EXIT STATUS table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u8,
    /// Only this subcommand returns the code with this meaning (in mailq-tui's own list).
    pub command: Option<&'static str>,
    pub meaning: String,
}

fn row(code: u8, meaning: &str) -> Status {
    Status {
        code,
        command: None,
        meaning: meaning.to_owned(),
    }
}

fn row_of(command: &'static str, code: u8, meaning: &str) -> Status {
    Status {
        command: Some(command),
        ..row(code, meaning)
    }
}

/// The subcommands whose exit status 3 means "only part of the selection was done".
const PARTIAL_COMMANDS: [&str; 7] = [
    "delete", "hold", "release", "requeue", "expire", "deliver", "flush",
];

/// The exit statuses of `command` (a subcommand name; `None` for mailq-tui itself, which
/// lists every code any command returns), in code order.
#[must_use]
pub fn statuses(command: Option<&str>) -> Vec<Status> {
    if command == Some("check") {
        let meaning = |s: PluginStatus| match s {
            PluginStatus::Ok => "OK: no threshold is exceeded",
            PluginStatus::Warning => "WARNING: a --warning threshold is exceeded",
            PluginStatus::Critical => "CRITICAL: a --critical threshold is exceeded",
            PluginStatus::Unknown => {
                "UNKNOWN: the queue could not be listed, or a usage error (not 2, which \
                 would mean CRITICAL)"
            }
        };
        return [
            PluginStatus::Ok,
            PluginStatus::Warning,
            PluginStatus::Critical,
            PluginStatus::Unknown,
        ]
        .into_iter()
        .map(|s| row(s.code(), meaning(s)))
        .collect();
    }
    let mut out = vec![
        row(
            SUCCESS,
            "success (also when the reader of the output quits early: `ids | head`)",
        ),
        row(
            FAILURE,
            "error: Postfix unreachable, permission denied, aborted, refused by --read-only",
        ),
        row(
            USAGE,
            "usage: a bad option, filter, key or help topic; a config file root must not trust",
        ),
    ];
    let partial =
        "a bulk action did only part of its selection (gone, changed, failed, interrupted)";
    match command {
        Some("fleet") => out.push(row(HOST_DOWN, "a host is down (its row says why)")),
        Some("watch") => out.push(row(FAILURE, "with --once: an instance could not be listed")),
        Some("logins") => out.push(row(
            LOG_UNREAD,
            "some of the logs could not be read (each is named on standard error; the \
             report covers the others)",
        )),
        Some(c) if PARTIAL_COMMANDS.contains(&c) => out.push(row(PARTIAL, partial)),
        Some(_) => {}
        None => {
            out.push(row(PARTIAL, partial));
            out.push(row_of("fleet", HOST_DOWN, "a host is down"));
            out.push(row_of(
                "logins",
                LOG_UNREAD,
                "some of the logs could not be read",
            ));
            out.push(row_of(
                "watch",
                FAILURE,
                "with --once: an instance could not be listed",
            ));
        }
    }
    out.sort_by_key(|s| s.code);
    out
}

/// What mailq-tui(1) says about `check` instead of listing its codes.
pub const CHECK_NOTE: &str =
    "`check` exits as monitoring plugins do: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_says_what_success_means() {
        for c in [
            None,
            Some("summary"),
            Some("hold"),
            Some("check"),
            Some("fleet"),
        ] {
            let s = statuses(c);
            assert_eq!(s.first().map(|s| s.code), Some(0), "{c:?}");
            assert!(s.windows(2).all(|w| w[0].code <= w[1].code), "{c:?}");
            assert!(
                c.is_none() || s.iter().all(|s| s.command.is_none()),
                "{c:?}"
            );
        }
    }

    #[test]
    fn partial_only_where_a_bulk_action_runs() {
        let has3 = |c| statuses(Some(c)).iter().any(|s| s.code == PARTIAL);
        assert!(has3("hold") && has3("deliver") && has3("flush"));
        assert!(!has3("summary") && !has3("ids") && !has3("storm"));
        assert!(has3("logins"), "LOG_UNREAD is 3 too");
    }
}
