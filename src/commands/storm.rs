//! `mailq-tui storm`: the NDR storm preview and its causes on the command line.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use crate::cli::StormArgs;
use crate::indexer;
use crate::model::compromise::Networks;
use crate::model::content::ContentIndex;
use crate::model::countermeasures;
use crate::model::storm::{StormReport, analyze, check_rules, thousands};
use crate::model::text::sanitize;
use crate::model::time::format_utc;
use crate::postfix::MailQueue;
use crate::postfix::parse::unix_now;
use crate::postfix::postmap::Postmap;

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
    let networks = Networks::parse(&queue.postconf("mynetworks").unwrap_or_default());
    let mut report = analyze(&snap, &index, &networks, None, unix_now());
    report.rules = Some(match Postmap::find() {
        Some(postmap) => check_rules(&snap, &index, &postmap),
        None => crate::model::rules::RulePlan {
            note: Some(
                "postmap not found: rules are shown only after Postfix checked them \
                 (install postfix-pcre)"
                    .to_owned(),
            ),
            ..crate::model::rules::RulePlan::default()
        },
    });
    let log = super::logins::storm_evidence(
        queue,
        &report,
        &args.log,
        args.since.as_deref(),
        args.no_log,
    );
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = if args.json {
        let json = super::logins::StormJson {
            report: &report,
            log_evidence: log.as_ref().map(|l| l.accounts.as_slice()),
        };
        crate::model::text::write_json_pretty(&mut out, &json).and_then(|()| writeln!(out))
    } else {
        write_text(&mut out, &report, args.top).and_then(|()| match &log {
            Some(l) => super::logins::write_storm_evidence(&mut out, l, args.top),
            None => Ok(()),
        })
    };
    match written.and_then(|()| out.flush()) {
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
        "NDRs in the queue: {} ({:.0}% of {} deferred); content indexed for {} messages; {} returned originals",
        thousands(r.ndrs),
        r.ndr_share_of_deferred * 100.0,
        thousands(r.deferred),
        thousands(r.indexed),
        thousands(r.ndrs_with_original)
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
    writeln!(out, "\nCampaigns behind the NDRs (what the spam shares):")?;
    for c in r.campaigns.iter().take(top) {
        writeln!(
            out,
            "  {:>8} NDRs ({:>3.0}%)  {}{}",
            thousands(c.ndrs),
            c.share * 100.0,
            sanitize(&c.label),
            if c.spam > 0 {
                format!("  + {} queued spam", thousands(c.spam))
            } else {
                String::new()
            }
        )?;
        if !c.shared.is_empty() {
            let also: Vec<String> = c
                .shared
                .iter()
                .take(4)
                .map(|(what, n)| format!("{} ({:.0}%)", sanitize(what), pct(*n, c.ndrs)))
                .collect();
            writeln!(out, "            also shared: {}", also.join(", "))?;
        }
        let sample: Vec<&str> = c.sample.iter().map(|q| q.as_str()).collect();
        writeln!(
            out,
            "            filter: {}  ({} messages)   e.g. {}",
            sanitize(&c.filter),
            thousands(c.messages),
            sample.join(" ")
        )?;
    }
    if r.unattributed > 0 {
        writeln!(
            out,
            "  {:>8} NDRs ({:>3.0}%)  (no campaign: no returned original, or nothing shared)",
            thousands(r.unattributed),
            pct(r.unattributed, r.ndrs)
        )?;
    }
    for m in r.mixers.iter().take(top) {
        writeln!(
            out,
            "  note: {} appears in {} NDRs across {} campaigns: shared, so it defines none",
            sanitize(&m.kind.describe(&m.value)),
            thousands(m.ndrs),
            m.campaigns
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
    writeln!(
        out,
        "\nSubmitters with queued mail (SASL accounts, clients, local users){}:",
        if r.mynetworks_known {
            ""
        } else {
            "; mynetworks unknown: private and loopback addresses count as inside"
        }
    )?;
    for a in r.accounts.iter().take(top) {
        writeln!(
            out,
            "  {}{}  {}",
            sanitize(&a.user),
            if a.compromised {
                "  PROBABLY COMPROMISED"
            } else {
                ""
            },
            sanitize(&a.summary)
        )?;
        if a.compromised {
            for why in &a.reasons {
                writeln!(out, "      - {}", sanitize(why))?;
            }
            writeln!(out, "      filter: {}", sanitize(&a.filter))?;
        }
    }
    writeln!(out, "\nCountermeasures (shown for review, never applied):")?;
    if let Some(p) = &r.rules {
        write_lines(out, &p.text())?;
        for x in p.refused.iter().take(top) {
            writeln!(
                out,
                "# not proposed: {}: {}",
                sanitize(&x.basis),
                sanitize(&x.why)
            )?;
        }
    }
    if let Some(c) = r.campaigns.first() {
        let term = countermeasures::shell_quote(&c.filter);
        writeln!(
            out,
            "# Purge the top campaign ({} messages: {} NDRs + {} queued spam): mailq-tui hold {}   (inspect, then)   mailq-tui delete {}",
            thousands(c.messages),
            thousands(c.ndrs),
            thousands(c.spam),
            sanitize(&term),
            sanitize(&term)
        )?;
    }
    if r.dsn_seen {
        writeln!(
            out,
            "# The storm used DSN: smtpd_discard_ehlo_keywords = silent-discard, dsn"
        )?;
    }
    for a in r.accounts.iter().filter(|a| a.compromised) {
        write_lines(out, &countermeasures::for_account(a))?;
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss)]
fn pct(n: usize, of: usize) -> f64 {
    n as f64 * 100.0 / of.max(1) as f64
}

/// Multi-line text, each line sanitized on its own (so newlines stay newlines).
fn write_lines(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    for line in text.lines() {
        writeln!(out, "{}", sanitize(line))?;
    }
    Ok(())
}
