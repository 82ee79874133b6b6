//! `mailq-tui storm`: the NDR storm preview and its causes on the command line.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use crate::cli::StormArgs;
use crate::indexer;
use crate::model::content::ContentIndex;
use crate::model::countermeasures;
use crate::model::storm::{StormReport, analyze, thousands};
use crate::model::text::sanitize;
use crate::model::time::format_utc;
use crate::postfix::MailQueue;
use crate::postfix::parse::unix_now;

/// Run `storm`.
///
/// # Errors
/// Listing or reading errors.
pub fn run(queue: &dyn MailQueue, args: &StormArgs) -> Result<ExitCode> {
    let snap = queue.list()?;
    crate::cli::warn_problems(&snap);
    let mut index = ContentIndex::new();
    if !args.no_index {
        let show = std::io::stderr().is_terminal();
        let mut progress = |done: usize, total: usize| {
            if show && total > 0 {
                eprint!("\rreading queue files: {done}/{total} ");
            }
        };
        let stats = indexer::build(
            queue,
            &snap,
            &mut index,
            &[],
            indexer::DEFAULT_BATCH,
            &mut progress,
            &AtomicBool::new(false),
        )?;
        if show {
            eprintln!();
        }
        if stats.vanished > 0 {
            eprintln!(
                "note: {} message(s) left the queue while it was read",
                stats.vanished
            );
        }
    }
    let report = analyze(&snap, &index, None, unix_now());
    let log = super::logins::storm_evidence(
        queue,
        &report,
        &args.log,
        args.since.as_deref(),
        args.no_log,
    );
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_string_pretty(&super::logins::StormJson {
            report: &report,
            log_evidence: log.as_ref().map(|l| l.accounts.as_slice()),
        })
        .map_err(std::io::Error::from)
        .and_then(|json| writeln!(out, "{}", crate::model::text::json_terminal_safe(&json)))
    } else {
        write_text(&mut out, &report, args.top).and_then(|()| match &log {
            Some(l) => super::logins::write_storm_evidence(&mut out, l, args.top),
            None => Ok(()),
        })
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other.map(|()| ExitCode::SUCCESS).map_err(Into::into),
    }
}

/// Eight-level block sparkline.
#[must_use]
pub fn sparkline(values: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| {
            if v == 0 {
                ' '
            } else {
                BARS[usize::try_from((v * 7).div_ceil(max)).unwrap_or(7).min(7)]
            }
        })
        .collect()
}

fn write_text(out: &mut impl Write, r: &StormReport, top: usize) -> std::io::Result<()> {
    writeln!(out, "{}", sanitize(&r.verdict))?;
    writeln!(out)?;
    writeln!(
        out,
        "NDRs in the queue: {} ({:.0}% of {} deferred); content indexed for {} messages",
        thousands(r.ndrs),
        r.ndr_share_of_deferred * 100.0,
        thousands(r.deferred),
        thousands(r.indexed)
    )?;
    if let (Some(a), Some(b)) = (r.first_seen, r.last_seen) {
        writeln!(
            out,
            "First seen {}, last seen {}; {:.1} NDRs/min over the last hour",
            format_utc(a),
            format_utc(b),
            r.rate_per_minute
        )?;
    }
    writeln!(out, "Per minute, last hour  |{}|", sparkline(&r.per_minute))?;
    writeln!(out, "Per hour, last 24 h    |{}|", sparkline(&r.per_hour))?;
    writeln!(out, "\nCampaigns behind the NDRs:")?;
    for c in r.campaigns.iter().take(top) {
        let sample: Vec<&str> = c.sample.iter().map(|q| q.as_str()).collect();
        writeln!(
            out,
            "  {:>8}  {}   e.g. {}",
            thousands(c.messages),
            sanitize(&c.label),
            sample.join(" ")
        )?;
    }
    writeln!(out, "\nForged senders the NDRs go back to (by domain):")?;
    for (d, n) in r.forged_domains.iter().take(top) {
        writeln!(out, "  {:>8}  {}", thousands(*n), sanitize(d))?;
    }
    if !r.original_sender_domains.is_empty() {
        writeln!(out, "\nDomains in the spam's From: (inside the NDRs):")?;
        for (d, n) in r.original_sender_domains.iter().take(top) {
            writeln!(out, "  {:>8}  {}", thousands(*n), sanitize(d))?;
        }
    }
    writeln!(out, "\nAuthenticated (SASL) accounts with queued mail:")?;
    for a in r.accounts.iter().take(top) {
        writeln!(
            out,
            "  {}  {} messages, {} recipients, {} domains, {} client addresses{}",
            sanitize(&a.user),
            thousands(a.messages),
            thousands(a.recipients),
            thousands(a.recipient_domains),
            a.client_addresses.len(),
            if a.compromised {
                "  PROBABLY COMPROMISED"
            } else {
                ""
            }
        )?;
    }
    writeln!(out, "\nCountermeasures (shown for review, never applied):")?;
    if let Some(c) = r.campaigns.first() {
        write_lines(out, &countermeasures::for_campaign(c, r.dsn_seen))?;
    }
    for a in r.accounts.iter().filter(|a| a.compromised) {
        write_lines(out, &countermeasures::for_account(a))?;
    }
    Ok(())
}

/// Multi-line text, each line sanitized on its own (so newlines stay newlines).
fn write_lines(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    for line in text.lines() {
        writeln!(out, "{}", sanitize(line))?;
    }
    Ok(())
}
