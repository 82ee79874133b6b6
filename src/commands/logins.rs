//! `mailq-tui logins`: who logged in from where, who guessed, what each account sent —
//! from the mail log, ranked by the compromise score.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::{GlobalOpts, LoginsArgs};
use crate::maillog::{LogReader, LogSource};
use crate::model::format::{plural, plural_es, thousands};
use crate::model::log::logins::AccountReport;
use crate::model::log::{LoginAnalyzer, LoginReport, advice, parse_since};
use crate::model::text::{json_terminal_safe, sanitize};
use crate::model::time::format_utc;
use crate::postfix::MailQueue;
use crate::postfix::local::Postfix;
use crate::postfix::parse::unix_now;

/// The default window: at least this long, longer when the queue holds older mail.
pub const DEFAULT_WINDOW: i64 = 86_400;
/// How far before the window journald is read, to tell new addresses from known ones
/// (files are read whole).
pub const LOOK_BACK: i64 = 30 * 86_400;

/// Run `logins` against one instance (`postfix`: local or over ssh; `None`: no Postfix,
/// `--log` files only).
///
/// # Errors
/// A bad `--since`, or no source could be read at all.
pub fn run(postfix: Option<&Postfix>, args: &LoginsArgs) -> Result<ExitCode> {
    let (report, read, failed) = login_report(postfix, &args.log, args.since.as_deref())?;
    let logpath = jail_logpath(&read);
    crate::cli::write_stdout(|out| {
        if args.json {
            let json = serde_json::to_string_pretty(&JsonOut {
                sources: &read,
                report: &report,
            })
            .map_err(std::io::Error::from)?;
            writeln!(out, "{}", json_terminal_safe(&json))
        } else {
            write_text(out, &report, &read, args.top, &logpath)
        }
    })?;
    Ok(if failed > 0 {
        crate::cli::exit::code(crate::cli::exit::LOG_UNREAD)
    } else {
        ExitCode::SUCCESS
    })
}

/// Read the mail log of `postfix` (or the `logs` given) and analyse it: the report, the
/// sources read and how many failed (each failure is printed as a warning on stderr).
/// `since`: the `--since` text; default [`default_since`].
///
/// # Errors
/// A bad `since`, or no source could be read at all.
pub fn login_report(
    postfix: Option<&Postfix>,
    logs: &[std::path::PathBuf],
    since: Option<&str>,
) -> Result<(LoginReport, Vec<String>, usize)> {
    let reader = LogReader::new(postfix);
    let clock = reader.clock(unix_now());
    let since = match since {
        Some(s) => parse_since(s, &clock).map_err(anyhow::Error::msg)?,
        None => default_since(postfix, clock.now),
    };
    let sources: Vec<LogSource> = if logs.is_empty() {
        reader.discover()
    } else {
        logs.iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    LogSource::Stdin
                } else {
                    LogSource::File(p.clone())
                }
            })
            .collect()
    };
    let mut analyzer = LoginAnalyzer::new(clock, Some(since));
    let mut read = Vec::new();
    let mut failed = 0;
    for source in &sources {
        match reader.read(source, &mut analyzer, Some(since - LOOK_BACK)) {
            Ok(()) => read.push(source.to_string()),
            Err(e) => {
                failed += 1;
                eprintln!(
                    "warning: log {}: {}",
                    sanitize(&source.to_string()),
                    sanitize(&e.to_string())
                );
            }
        }
    }
    if read.is_empty() {
        bail!(
            "no mail log could be read (tried: {}); name one with --log PATH",
            sanitize(
                &sources
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
    let report = analyzer.finish();
    if report.input.unparsed > 0 {
        eprintln!(
            "note: {} line{} {} not syslog or journal lines and {} skipped",
            n(report.input.unparsed),
            plural(count(report.input.unparsed)),
            if report.input.unparsed == 1 {
                "was"
            } else {
                "were"
            },
            if report.input.unparsed == 1 {
                "was"
            } else {
                "were"
            }
        );
    }
    Ok((report, read, failed))
}

/// The file a fail2ban jail should watch: the first plain file read, else the usual one.
#[must_use]
pub fn jail_logpath(read: &[String]) -> String {
    read.iter()
        .find(|s| s.starts_with('/') && !s.ends_with(".gz"))
        .cloned()
        .unwrap_or_else(|| "/var/log/mail.log".to_owned())
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    sources: &'a [String],
    #[serde(flatten)]
    report: &'a LoginReport,
}

/// The age of the oldest queued message, at least [`DEFAULT_WINDOW`].
fn default_since(postfix: Option<&Postfix>, now: i64) -> i64 {
    let oldest = postfix
        .and_then(|pf| pf.list().ok())
        .and_then(|snap| snap.messages.iter().map(|m| m.arrival_time).min());
    oldest.map_or(now - DEFAULT_WINDOW, |o| o.min(now - DEFAULT_WINDOW))
}

fn when(t: Option<i64>) -> String {
    t.map_or_else(|| "?".to_owned(), format_utc)
}

fn count(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

fn n(x: u64) -> String {
    thousands(count(x))
}

/// The log evidence for one account in one sentence (also used by `storm`).
#[must_use]
pub fn evidence(a: &AccountReport) -> String {
    let outcomes = a.sent + a.deferred + a.bounced;
    let mut s = format!(
        "logged in {} time{} from {} address{} since {}, {} never seen before",
        n(a.logins),
        plural(count(a.logins)),
        thousands(a.addresses.len()),
        plural_es(a.addresses.len()),
        when(a.first_seen),
        thousands(a.new_addresses)
    );
    s.push_str(&format!(
        "; {} message{} accepted, {} recipient{}",
        n(a.messages),
        plural(count(a.messages)),
        n(a.recipients),
        plural(count(a.recipients))
    ));
    if let Some(share) = ((a.deferred + a.bounced) * 100).checked_div(outcomes) {
        s.push_str(&format!(", {share}% deferred or bounced"));
    }
    s
}

fn write_text(
    out: &mut dyn Write,
    r: &LoginReport,
    sources: &[String],
    top: usize,
    logpath: &str,
) -> std::io::Result<()> {
    writeln!(
        out,
        "Mail log: {} ({} lines, {} events), {} … {}; window since {}",
        sanitize(&sources.join(", ")),
        n(r.input.lines),
        n(r.input.events),
        when(r.input.first_time),
        when(r.input.last_time),
        when(r.since)
    )?;
    if r.accounts.is_empty() {
        writeln!(out, "\nNo SASL or IMAP/POP3 logins in the window.")?;
    } else {
        writeln!(out, "\nAccounts, most suspicious first:")?;
    }
    for a in r.accounts.iter().take(top) {
        writeln!(
            out,
            "\n  {}  score {}{}",
            sanitize(&a.user),
            a.verdict.score,
            if a.verdict.compromised {
                "  PROBABLY COMPROMISED"
            } else {
                ""
            }
        )?;
        writeln!(out, "    {}", evidence(a))?;
        writeln!(
            out,
            "    delivery: {} sent, {} deferred, {} bounced; {} failed login{} naming it (from {} address{}); last login {}",
            n(a.sent),
            n(a.deferred),
            n(a.bounced),
            n(a.failures),
            plural(count(a.failures)),
            thousands(a.failure_addresses),
            plural_es(a.failure_addresses),
            when(a.last_seen)
        )?;
        for s in &a.verdict.signals {
            writeln!(out, "    ! {}", sanitize(s))?;
        }
        if !a.guessed_then_in.is_empty() {
            writeln!(
                out,
                "    guessed, then got in: {}",
                sanitize(&a.guessed_then_in.join(" "))
            )?;
        }
        if !a.failing_now.is_empty() {
            writeln!(
                out,
                "    failing now (failed after their last login): {}",
                sanitize(&a.failing_now.join(" "))
            )?;
        }
        let total = a.logins.max(1);
        for ad in a.addresses.iter().take(top) {
            writeln!(
                out,
                "      {:<39} {:>6} login{} ({:>3}%)  {} … {}{}{}",
                sanitize(&ad.address),
                n(ad.logins),
                if ad.logins == 1 { " " } else { "s" },
                ad.logins * 100 / total,
                when(ad.first_seen),
                when(ad.last_seen),
                if ad.new { "  new" } else { "" },
                if ad.other_accounts > 0 {
                    format!(
                        "  +{} other account{}",
                        ad.other_accounts,
                        plural(ad.other_accounts)
                    )
                } else {
                    String::new()
                }
            )?;
        }
        if a.addresses.len() > top {
            writeln!(
                out,
                "      … {} more address{} (--top, --json)",
                a.addresses.len() - top,
                plural_es(a.addresses.len() - top)
            )?;
        }
    }
    let guessers: Vec<_> = r
        .addresses
        .iter()
        .filter(|a| a.failures > 0 || a.accounts.len() > 1)
        .collect();
    if !guessers.is_empty() {
        writeln!(out, "\nAddresses with failed logins or several accounts:")?;
        for a in guessers.iter().take(top) {
            writeln!(
                out,
                "  {:<39} {:>6} failure{}  {} login{} to {} account{}{}",
                sanitize(&a.address),
                n(a.failures),
                if a.failures == 1 { " " } else { "s" },
                n(a.logins),
                plural(count(a.logins)),
                a.accounts.len(),
                plural(a.accounts.len()),
                if a.tried_users.is_empty() {
                    String::new()
                } else {
                    format!("  tried: {}", sanitize(&a.tried_users.join(" ")))
                }
            )?;
        }
    }
    if !r.tried_users.is_empty() {
        writeln!(out, "\nUser names tried in failed logins:")?;
        for t in r.tried_users.iter().take(top) {
            writeln!(
                out,
                "  {:>6}  {} (from {} address{}){}",
                n(t.failures),
                sanitize(&t.user),
                t.addresses,
                plural_es(t.addresses),
                if t.is_account {
                    ""
                } else {
                    "  no login in the window"
                }
            )?;
        }
    }
    if !r.rejections.is_empty() {
        writeln!(out, "\nCountermeasures at work (rejections in the window):")?;
        for x in r.rejections.iter().take(top) {
            writeln!(
                out,
                "  {:>6}  {} {}  ({} client{})",
                n(x.count),
                sanitize(&x.setting),
                sanitize(&x.rule),
                x.clients,
                plural(x.clients)
            )?;
        }
    }
    for a in r
        .accounts
        .iter()
        .filter(|a| a.verdict.compromised)
        .take(top)
    {
        writeln!(out, "\nCountermeasures for {}:", sanitize(&a.user))?;
        write!(out, "{}", advice::for_account(a, logpath))?;
    }
    if r.dropped > 0 {
        writeln!(
            out,
            "\nnote: {} addresses/user names over the memory caps were counted, not listed",
            n(r.dropped)
        )?;
    }
    Ok(())
}

/// `logins` from the command line: on each `--host` over ssh (labelled), or here.
///
/// # Errors
/// As [`run`]; on several hosts, the first host's error ends nothing (it is printed).
pub fn run_cli(global: &GlobalOpts, args: &LoginsArgs) -> Result<ExitCode> {
    use crate::postfix::local::connect;
    use crate::postfix::ssh::SshOptions;
    if global.hosts.is_empty() {
        // Without Postfix here, `--log` files still work.
        let pf = if global.demo || global.from_file.is_some() {
            None
        } else {
            Postfix::new(global.config_dir.clone()).ok()
        };
        return run(pf.as_ref(), args);
    }
    let (hosts, _) = super::fleet::resolve_hosts(global, false)?;
    let mut code = ExitCode::SUCCESS;
    let several = hosts.len() > 1;
    for host in &hosts {
        crate::cli::output::host_label(&format!("== host {} ==", sanitize(&host.name)), several);
        let outcome = connect(host, &SshOptions::default())
            .map_err(anyhow::Error::from)
            .and_then(|pf| run(Some(&pf), args));
        match outcome {
            Ok(c) if c != ExitCode::SUCCESS && code == ExitCode::SUCCESS => code = c,
            Ok(_) => {}
            Err(e) => {
                eprintln!(
                    "error: host {}: {}",
                    sanitize(&host.name),
                    crate::cli::error_chain(&e)
                );
                code = crate::cli::exit::code(crate::cli::exit::FAILURE);
            }
        }
    }
    Ok(code)
}

/// The log evidence `storm` shows: accounts the log flags as compromised, and accounts the
/// queue's storm analysis names.
#[derive(Debug)]
pub struct StormEvidence {
    pub accounts: Vec<AccountReport>,
    /// The file a fail2ban jail should watch.
    pub logpath: String,
}

/// `storm --json`: the storm report with the log evidence beside it.
#[derive(serde::Serialize)]
pub struct StormJson<'a> {
    #[serde(flatten)]
    pub report: &'a crate::model::storm::StormReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_evidence: Option<&'a [AccountReport]>,
}

/// Read the mail log for `storm`: of the real instance behind `queue` (a demo or a
/// captured queue has no log of its own: only `--log` is read then). Failing to read
/// it is a note, never fatal: the storm preview stands on the queue alone.
#[must_use]
pub fn storm_evidence(
    queue: &dyn MailQueue,
    storm: &crate::model::storm::StormReport,
    logs: &[std::path::PathBuf],
    since: Option<&str>,
    no_log: bool,
) -> Option<StormEvidence> {
    let postfix = queue.postfix();
    if no_log || (postfix.is_none() && logs.is_empty()) {
        return None;
    }
    let (report, read, _) = match login_report(postfix, logs, since) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "note: no mail log evidence: {}",
                sanitize(&crate::cli::error_chain(&e))
            );
            return None;
        }
    };
    let accounts: Vec<AccountReport> = report
        .accounts
        .into_iter()
        .filter(|a| a.verdict.compromised || storm.accounts.iter().any(|q| q.user == a.user))
        .collect();
    Some(StormEvidence {
        accounts,
        logpath: jail_logpath(&read),
    })
}

/// The evidence lines under `storm`'s text: per account, the sentence, the addresses with
/// their share, and for a flagged account the countermeasures naming its addresses.
///
/// # Errors
/// Writing failed.
pub fn write_storm_evidence(
    out: &mut dyn Write,
    e: &StormEvidence,
    top: usize,
) -> std::io::Result<()> {
    if e.accounts.is_empty() {
        return writeln!(
            out,
            "\nMail log: no account with compromise signals in the window."
        );
    }
    writeln!(out, "\nMail log evidence:")?;
    for a in &e.accounts {
        writeln!(
            out,
            "  {}{}: {}",
            sanitize(&a.user),
            if a.verdict.compromised {
                " (PROBABLY COMPROMISED)"
            } else {
                ""
            },
            evidence(a)
        )?;
        let total = a.logins.max(1);
        for ad in a.addresses.iter().take(top) {
            writeln!(
                out,
                "      {:<39} {:>3}% of logins{}",
                sanitize(&ad.address),
                ad.logins * 100 / total,
                if ad.new { ", new" } else { "" }
            )?;
        }
    }
    for a in e.accounts.iter().filter(|a| a.verdict.compromised) {
        writeln!(
            out,
            "\nCountermeasures for {} (from the mail log):",
            sanitize(&a.user)
        )?;
        write!(out, "{}", advice::for_account(a, &e.logpath))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_counts_in_the_singular_and_the_plural() {
        let mut a = AccountReport::for_test("u@example.test", &["192.0.2.1"]);
        a.logins = 1;
        a.new_addresses = 1;
        a.messages = 1;
        a.recipients = 1;
        a.sent = 1;
        assert_eq!(
            evidence(&a),
            "logged in 1 time from 1 address since ?, 1 never seen before; \
             1 message accepted, 1 recipient, 0% deferred or bounced"
        );
        a = AccountReport::for_test("u@example.test", &["192.0.2.1", "192.0.2.2"]);
        a.logins = 2;
        a.new_addresses = 1;
        a.messages = 3;
        a.recipients = 1200;
        a.sent = 1200;
        assert_eq!(
            evidence(&a),
            "logged in 2 times from 2 addresses since ?, 1 never seen before; \
             3 messages accepted, 1,200 recipients, 0% deferred or bounced"
        );
    }
}
