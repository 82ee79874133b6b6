//! `mailq-tui check`: a Nagios / Icinga / Checkmk plugin (see `model::monitor::check`).
//!
//! Whatever goes wrong (bad thresholds, bad config, Postfix not listable) is one
//! `MAILQ UNKNOWN - …` line on stdout and exit code 3, as the monitoring-plugins
//! guidelines ask; nothing here returns an error to the generic error path (exit 1).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use crate::cli::{CheckArgs, Cli};
use crate::model::monitor::check::{Status, Thresholds, evaluate, unknown};
use crate::model::monitor::metrics::compute;
use crate::postfix::MailQueue;

/// Run the check and print its line. Never fails: problems are UNKNOWN.
#[must_use]
pub fn run(cli: &Cli, args: &CheckArgs) -> ExitCode {
    let (status, line) = match outcome(cli, args) {
        Ok(r) => r,
        Err(why) => (Status::Unknown, unknown(&why)),
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    ExitCode::from(status.code())
}

fn outcome(cli: &Cli, args: &CheckArgs) -> Result<(Status, String), String> {
    let warn = Thresholds::parse(&args.warning).map_err(|e| format!("-w: {e}"))?;
    let crit = Thresholds::parse(&args.critical).map_err(|e| format!("-c: {e}"))?;
    let mut global = cli.global.clone();
    let loaded =
        crate::config::load(global.config.as_deref()).map_err(|e| crate::cli::error_chain(&e))?;
    global.config_dir = global.config_dir.or(loaded.config.config_dir);
    let queue: Box<dyn MailQueue> = match global.hosts.as_slice() {
        [] => crate::cli::open_queue(&global).map_err(|e| e.to_string())?,
        [_] => {
            let (hosts, _) = super::fleet::resolve_hosts(&global, false)
                .map_err(|e| crate::cli::error_chain(&e))?;
            let host = hosts.first().ok_or("no host")?;
            let opts = crate::postfix::ssh::SshOptions::default();
            Box::new(crate::postfix::local::connect(host, &opts).map_err(|e| e.to_string())?)
        }
        _ => return Err("check takes at most one --host (one check per host)".to_owned()),
    };
    let snap = queue
        .list()
        .map_err(|e| format!("cannot list the queue: {e}"))?;
    let m = compute(&snap, snap.taken_at, 0, None, false);
    Ok(evaluate(&m, &warn, &crit))
}

/// Every plugin takes `-c` for its critical thresholds; ours is taken by the global
/// `-c DIR` (`--config-dir`). After the `check` subcommand word, `-c` therefore means
/// `--critical`. Other arguments pass unchanged.
#[must_use]
pub fn rewrite_plugin_args(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut in_check = false;
    let mut after_option_value = false;
    for (i, a) in args.into_iter().enumerate() {
        let s = a.to_str().unwrap_or_default().to_owned();
        if i > 0 && !in_check && !after_option_value && s == "check" {
            in_check = true;
        } else if in_check && s == "-c" {
            out.push(OsString::from("--critical"));
            continue;
        } else if in_check && s.starts_with("-c") && s.len() > 2 {
            out.push(OsString::from(format!(
                "--critical={}",
                s[2..].trim_start_matches('=')
            )));
            continue;
        }
        // The global options that take a value: `--host check` names a host, not the command.
        after_option_value = !in_check
            && matches!(
                s.as_str(),
                "-c" | "--config-dir"
                    | "--from-file"
                    | "--refresh"
                    | "--alert-at"
                    | "--config"
                    | "--audit-log"
                    | "--host"
                    | "--host-timeout"
                    | "--log-level"
            );
        out.push(a);
    }
    out
}

/// The argument list names the `check` subcommand (for exit code 3 on usage errors).
#[must_use]
pub fn is_check(args: &[OsString]) -> bool {
    args.iter().skip(1).any(|a| a == "--critical") || args.iter().skip(1).any(|a| a == "check")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(v: &[&str]) -> Vec<String> {
        rewrite_plugin_args(v.iter().map(OsString::from).collect())
            .into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn dash_c_after_check_is_critical() {
        assert_eq!(
            rw(&[
                "m",
                "-c",
                "/etc/pf",
                "check",
                "-w",
                "deferred=5",
                "-c",
                "deferred=9"
            ]),
            [
                "m",
                "-c",
                "/etc/pf",
                "check",
                "-w",
                "deferred=5",
                "--critical",
                "deferred=9"
            ]
        );
        assert_eq!(
            rw(&["m", "check", "-cage=2h"]),
            ["m", "check", "--critical=age=2h"]
        );
        assert_eq!(
            rw(&["m", "--host", "check", "summary", "-c", "x"]),
            ["m", "--host", "check", "summary", "-c", "x"]
        );
        assert_eq!(
            rw(&["m", "summary", "-c", "/etc/pf"]),
            ["m", "summary", "-c", "/etc/pf"]
        );
    }

    #[test]
    fn the_issue_example_parses() {
        use clap::Parser as _;
        let args = rewrite_plugin_args(
            [
                "mailq-tui",
                "check",
                "-w",
                "deferred=500,age=2h",
                "-c",
                "deferred=5000,ndr-share=50%",
            ]
            .iter()
            .map(OsString::from)
            .collect(),
        );
        let cli = Cli::try_parse_from(args).expect("parses");
        let Some(crate::cli::Command::Check(a)) = cli.command else {
            panic!("not check")
        };
        assert_eq!(
            (a.warning.as_str(), a.critical.as_str()),
            ("deferred=500,age=2h", "deferred=5000,ndr-share=50%")
        );
        assert!(cli.global.config_dir.is_none());
    }
}
