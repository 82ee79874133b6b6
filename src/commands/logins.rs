//! `mailq-tui logins`: who logged in from where, who guessed, what each account sent —
//! from the mail log, ranked by the compromise score.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{GlobalOpts, LoginsArgs};
use crate::maillog::report::LogRead;
use crate::model::format::{plural, plural_es, thousands};
use crate::model::log::evidence::{StormEvidence, count, evidence, n, when};
use crate::model::log::logins::AccountReport;
use crate::model::log::{LoginReport, advice};
use crate::model::text::{sanitize, write_json_pretty};
use crate::postfix::MailQueue;
use crate::postfix::local::Postfix;

pub use crate::maillog::report::{DEFAULT_WINDOW, LOOK_BACK, jail_logpath};

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
            let mut out = std::io::BufWriter::new(out);
            let json = JsonOut {
                sources: &read,
                report: &report,
            };
            write_json_pretty(&mut out, &json)?;
            writeln!(out)?;
            out.flush()
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
/// sources read and how many failed (each failure is printed as a warning on stderr, and
/// unparsed lines as a note). `since`: the `--since` text; default
/// [`crate::maillog::report::default_since`].
///
/// # Errors
/// A bad `since`, or no source could be read at all.
pub fn login_report(
    postfix: Option<&Postfix>,
    logs: &[std::path::PathBuf],
    since: Option<&str>,
) -> Result<(LoginReport, Vec<String>, usize)> {
    let read = crate::maillog::report::login_report(postfix, logs, since, None, &[])?;
    warn(&read);
    Ok((read.report, read.read, read.warnings.len()))
}

/// A read's warnings and its note on unparsed lines, on stderr.
pub fn warn(read: &LogRead) {
    for w in &read.warnings {
        eprintln!("warning: {w}");
    }
    let unparsed = read.report.input.unparsed;
    if unparsed > 0 {
        let was = if unparsed == 1 { "was" } else { "were" };
        eprintln!(
            "note: {} line{} {was} not syslog or journal lines and {was} skipped",
            n(unparsed),
            plural(count(unparsed)),
        );
    }
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    sources: &'a [String],
    #[serde(flatten)]
    report: &'a LoginReport,
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
        // Without Postfix here, `--log` files still work. Given the logs and the window,
        // nothing of the instance is asked (its `postconf` took longer than the whole
        // start-up otherwise).
        let pf = if global.demo
            || global.from_file.is_some()
            || (!args.log.is_empty() && args.since.is_some())
        {
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
    if no_log || crate::maillog::report::no_log_reason(queue, logs).is_some() {
        return None;
    }
    let read = match crate::maillog::report::storm_log(queue, logs, since, None, &[]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "note: no mail log evidence: {}",
                sanitize(&crate::cli::error_chain(&e))
            );
            return None;
        }
    };
    warn(&read);
    Some(crate::maillog::report::storm_evidence(&read, |u| {
        storm.accounts.iter().any(|q| q.user == u)
    }))
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
    writeln!(out)?;
    for line in e.lines(top) {
        writeln!(out, "{line}")?;
    }
    write!(out, "{}", e.countermeasures(None))
}
