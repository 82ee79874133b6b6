//! The `delete|hold|release|requeue` and `log` subcommands: the safe-action protocol
//! ([`crate::ops`]) with a terminal prompt instead of a dialog.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result, bail};

use crate::cli::{GlobalOpts, LogArgs, OpArgs, exit};
use crate::model::format::{capitalize, plural, size, thousands};
use crate::ops::{self, ExecOptions, Progress, Request, audit};
use crate::postfix::{MailQueue, QueueOp};

/// Run one bulk operation from the command line.
///
/// # Errors
/// Listing, filter, permission and IO errors.
pub fn run_op(
    queue: &dyn MailQueue,
    global: &GlobalOpts,
    op: QueueOp,
    args: &OpArgs,
) -> Result<ExitCode> {
    let text = args.filter.text();
    let filter = match super::parse_filter(&args.filter, &mut std::io::stderr().lock()) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let snap = queue.list()?;
    crate::cli::warn_problems(&snap);
    let show = std::io::stderr().is_terminal();
    let mut index = crate::model::content::ContentIndex::new();
    let mut reading = |done: usize, total: usize| {
        if show && total > 0 {
            eprint!("\rreading queue files for the filter: {done}/{total} ");
        }
    };
    let logins = if filter.uses_login() {
        Some(super::log_facts(
            queue,
            &snap,
            &args.filter,
            &mut std::io::stderr().lock(),
        )?)
    } else {
        None
    };
    let sel = crate::indexer::select_with_content(
        queue,
        &snap,
        &filter,
        &crate::model::MatchContext {
            // The same "now" as `ids` and `summary` (MAILQ_TUI_NOW, else the listing's time).
            now: super::now_for(&snap),
            content: None,
            logins: logins.as_ref().map(|l| l as &dyn crate::model::LoginLookup),
        },
        false,
        &mut index,
        &mut reading,
    )?;
    if sel.indices.is_empty() {
        eprintln!("nothing matches {text:?}; nothing to {op}");
        return Ok(ExitCode::SUCCESS);
    }
    if filter.is_empty() && !args.all {
        bail!(
            "no filter given: this would {op} the entire queue ({} messages); add --all to mean it",
            snap.len()
        );
    }
    let mut req = Request::from_indices(&snap, &sel.indices, op, &text);
    // No prompt and no queue file read between the listing and the action: that listing
    // is the verification (ops::execute states the race window).
    // Reading queue files or the mail log widens that window: list again then.
    req.verified_by_selection =
        args.yes && filter.content_fields().is_empty() && !filter.uses_login();
    let p = ops::preview(&snap, &req, sel.partial);
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} {} message{} ({} recipients) in {} on {}",
        capitalize(op.verb()),
        thousands(p.messages),
        plural(p.messages),
        thousands(p.recipients),
        p.queues
            .iter()
            .map(|(q, n)| {
                format!(
                    "{}: {}",
                    crate::model::text::sanitize(q.as_str()),
                    thousands(*n)
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        // The instance (for a remote queue: the host) so a confirmation can never be
        // mistaken for another host's.
        crate::model::text::sanitize(&queue.describe())
    )?;
    writeln!(
        err,
        "  filter: {}",
        if text.is_empty() {
            "(none: entire queue)"
        } else {
            &text
        }
    )?;
    for (id, sender) in &p.sample {
        writeln!(err, "  {id:<14} {sender}")?;
    }
    if p.messages > p.sample.len() {
        writeln!(
            err,
            "  … and {} more",
            thousands(p.messages - p.sample.len())
        )?;
    }
    for w in &p.warnings {
        writeln!(err, "  warning: {w}")?;
    }
    drop(err);
    if args.dry_run {
        eprintln!(
            "dry run: would {op} {} of {} queued messages ({} queued in all); nothing changed",
            thousands(p.messages),
            thousands(snap.len()),
            size(snap.total_size())
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes && !confirm(&p)? {
        eprintln!("aborted: nothing changed");
        return Ok(exit::code(exit::FAILURE));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&cancel))
            .context("cannot install signal handler")?;
    }
    let opts = ExecOptions {
        batch_size: args.batch.unwrap_or(ops::DEFAULT_BATCH),
        audit_log: global.audit_log.clone().or_else(audit::default_path),
        export_dir: args.export.clone(),
    };
    let show = std::io::stderr().is_terminal();
    let mut progress = |pr: Progress| {
        if show && pr.total > 0 {
            eprint!("\r{op}: {}/{} ", pr.done, pr.total);
        }
    };
    let out = ops::execute(queue, &req, &opts, &mut progress, &cancel);
    if show {
        eprintln!();
    }
    let out = out?;
    if let Err(e) = &out.audit {
        eprintln!("warning: audit log NOT written: {e}");
    }
    // The queue has changed by now: a reader that went away (`| head`) loses only text.
    crate::cli::write_stdout(|w| {
        writeln!(w, "{}", out.headline())?;
        for line in out.summary.iter().chain(&out.errors) {
            writeln!(w, "  {}", crate::model::text::sanitize(line))?;
        }
        for (id, why) in out.failed.iter().take(20) {
            writeln!(w, "  failed {id}: {why}")?;
        }
        if let Some(dir) = &out.exported {
            writeln!(w, "  evidence saved in {}", dir.display())?;
        }
        if let Ok(path) = &out.audit {
            writeln!(w, "  audit: {}", path.display())?;
        }
        Ok(())
    })?;
    Ok(if out.complete() {
        ExitCode::SUCCESS
    } else {
        exit::code(exit::PARTIAL)
    })
}

fn confirm(p: &ops::Preview) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to act without confirmation: stdin is not a terminal (use --yes, or --dry-run to see the plan)"
        );
    }
    let stdin = std::io::stdin();
    let mut line = String::new();
    if p.needs_typed_confirmation {
        eprint!(
            "This is a large delete. Type the number of messages ({}) to proceed: ",
            thousands(p.messages)
        );
        std::io::stderr().flush()?;
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim().replace([',', '_'], "") == p.messages.to_string())
    } else {
        ask_proceed()
    }
}

/// `Proceed? [y/N]` on the terminal; refused when stdin is not one.
///
/// # Errors
/// No terminal to ask on, or reading it failed.
pub(crate) fn ask_proceed() -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to act without confirmation: stdin is not a terminal (use --yes, or --dry-run to see the plan)"
        );
    }
    let mut line = String::new();
    eprint!("Proceed? [y/N] ");
    std::io::stderr().flush()?;
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// `mailq-tui log`: recent audit entries, readable or as JSON lines.
///
/// # Errors
/// When the log cannot be read.
pub fn run_log(global: &GlobalOpts, args: &LogArgs) -> Result<ExitCode> {
    let Some(path) = global.audit_log.clone().or_else(audit::default_path) else {
        bail!("no audit log path: no home directory; use --audit-log PATH");
    };
    if !path.exists() {
        eprintln!("no audit log yet at {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let entries = audit::read_recent(&path, args.limit)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    for e in entries {
        let written = match (&e, args.json) {
            (Ok(entry), true) => {
                crate::model::text::write_json(&mut out, entry).and_then(|()| writeln!(out))
            }
            (Ok(entry), false) => writeln!(out, "{}", entry.describe()),
            (Err(msg), _) => writeln!(out, "(unreadable entry: {msg})"),
        };
        if written.is_err() {
            break; // SIGPIPE / closed pipe: stop quietly.
        }
    }
    Ok(ExitCode::SUCCESS)
}
