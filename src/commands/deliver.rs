//! `mailq-tui deliver [FILTER…]` (`postqueue -i` per message) and `mailq-tui flush
//! [--site SITE]` (`postqueue -f` / `-s`): see [`crate::ops::flush`].

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::bulk::ask_proceed;
use super::{Listed, list_and_select, parse_filter};
use crate::cli::exit;
use crate::cli::{DeliverArgs, FlushArgs, GlobalOpts};
use crate::model::format::{plural, thousands};
use crate::model::text::sanitize;
use crate::ops::audit;
use crate::ops::flush::{self, After, FlushOutcome};
use crate::postfix::{Flush, MailQueue};

/// `mailq-tui deliver`.
///
/// # Errors
/// Listing, permission and IO errors; a selection above the bound.
pub fn run_deliver(
    queue: &dyn MailQueue,
    global: &GlobalOpts,
    args: &DeliverArgs,
) -> Result<ExitCode> {
    let mut err = std::io::stderr().lock();
    let filter = match parse_filter(&args.filter, &mut err) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    if filter.is_empty() {
        bail!("no filter given: deliver picks a few messages (use `flush` for the whole queue)");
    }
    let Listed { snap, sel, .. } =
        list_and_select(queue, &filter, &args.filter, false, false, false, &mut err)?;
    if sel.indices.is_empty() {
        eprintln!("nothing matches {:?}; nothing to deliver", filter.text());
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(why) = flush::check_bound(sel.indices.len()) {
        bail!(why);
    }
    let keys: Vec<_> = sel
        .indices
        .iter()
        .filter_map(|&i| snap.messages.get(i as usize))
        .map(crate::model::Message::key)
        .collect();
    writeln!(
        err,
        "Deliver now {} message{} on {} (postqueue -i, one each):",
        thousands(keys.len()),
        plural(keys.len()),
        sanitize(&queue.describe())
    )?;
    for k in &keys {
        writeln!(err, "  {:<14} {}", k.queue_id, sanitize(&k.sender))?;
    }
    drop(err);
    if args.dry_run {
        eprintln!(
            "dry run: would ask for {} delivery attempt{}",
            keys.len(),
            plural(keys.len())
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !ask_proceed()? {
        eprintln!("aborted");
        return Ok(exit::code(exit::FAILURE));
    }
    let audit_log = global.audit_log.clone().or_else(audit::default_path);
    let out = flush::deliver_now(queue, &keys, filter.text(), audit_log.as_deref())?;
    Ok(report(&out))
}

/// `mailq-tui flush`.
///
/// # Errors
/// Listing, permission and IO errors.
pub fn run_flush(queue: &dyn MailQueue, global: &GlobalOpts, args: &FlushArgs) -> Result<ExitCode> {
    let what = match &args.site {
        Some(site) if !crate::postfix::valid_site(site) => {
            bail!("not a site name: {}", crate::model::text::snippet(site, 60))
        }
        Some(site) => Flush::Site(site.clone()),
        None => Flush::All,
    };
    let snap = queue.list()?;
    crate::cli::warn_problems(&snap);
    eprintln!(
        "{} on {}: {} deferred message{}",
        match &what {
            Flush::Site(s) => format!("Flush mail for {s} (postqueue -s)"),
            _ => "Flush the queue (postqueue -f)".to_owned(),
        },
        sanitize(&queue.describe()),
        thousands(snap.count(&crate::model::QueueName::Deferred).messages),
        plural(snap.count(&crate::model::QueueName::Deferred).messages)
    );
    if let Some(w) = flush::storm_warning(&snap) {
        eprintln!("  warning: {w}");
    }
    if !args.yes && !ask_proceed()? {
        eprintln!("aborted");
        return Ok(exit::code(exit::FAILURE));
    }
    let audit_log = global.audit_log.clone().or_else(audit::default_path);
    let out = flush::flush(queue, &what, audit_log.as_deref())?;
    Ok(report(&out))
}

/// Print what happened; exit 3 when postqueue refused something.
fn report(out: &FlushOutcome) -> ExitCode {
    // Through write_stdout: `mailq-tui deliver … | head` ends quietly instead of panicking.
    let written = crate::cli::write_stdout(|w| {
        writeln!(w, "{}", out.headline())?;
        for (id, a) in &out.after {
            match a {
                After::Left => writeln!(w, "  {id:<14} left the queue")?,
                After::Queued { queue, reason } => writeln!(
                    w,
                    "  {id:<14} {}{}",
                    sanitize(queue.as_str()),
                    reason
                        .as_deref()
                        .map(|r| format!(": {}", crate::model::text::snippet(r, 100)))
                        .unwrap_or_default()
                )?,
            }
        }
        for e in &out.errors {
            writeln!(w, "  error: {}", sanitize(e))?;
        }
        match &out.audit {
            Ok(p) => writeln!(w, "  audit: {}", p.display()),
            Err(e) => writeln!(w, "  audit: not written ({e})"),
        }
    });
    if let Err(e) = written {
        eprintln!("error: writing the report: {e}");
    }
    if out.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        exit::code(exit::PARTIAL)
    }
}
