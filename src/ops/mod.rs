//! Safe bulk actions: verify before acting, confirm in proportion, audit everything.
//!
//! One implementation shared by the TUI and the `delete|hold|release|requeue` subcommands.
//! The protocol ([`execute`]):
//! 1. A selection is what the user saw: (queue ID, queue, arrival time, sender) per message
//!    ([`Selected`]) — never a filter re-evaluated later, never a bare ID list.
//! 2. Just before acting, list again and keep only messages whose ID, arrival time, sender
//!    *and queue* still match. Short queue IDs are reused once a message leaves the queue;
//!    a message that moved (say from `deferred` to `hold`) is not what the user chose.
//! 3. Act through [`MailQueue::apply`]: one `postsuper -… - QUEUE` per queue and batch, IDs
//!    on stdin, restricted to the queue the message was seen in. Between batches the cancel
//!    flag is checked, so Ctrl-C, SIGHUP or SIGTERM stop cleanly with an exact report.
//! 4. Compare postsuper's per-ID lines with what was asked: done / gone / failed.
//! 5. `postsuper … ALL` is never used: the batched stdin path is as fast and stays exact when
//!    mail arrives between verification and action.
//!
//! Every run appends one JSON line to the audit log ([`audit`]); with an export directory the
//! selected messages are saved with one batched `postcat` first ([`export`]).

pub mod audit;
pub mod export;
pub mod flush;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::model::format::{plural, thousands};
use crate::model::text::sanitize;
use crate::model::{Message, MessageKey, QueueId, QueueName, Snapshot};
use crate::postfix::{MailQueue, PostfixError, QueueOp, Target};

/// A delete of more than this many messages asks for a deliberate act (typing the count).
pub const TYPED_CONFIRMATION_OVER: usize = 1_000;
/// IDs per `postsuper` process. Large enough to be fast, small enough that an interrupt
/// takes effect within a second or two.
pub const DEFAULT_BATCH: usize = 5_000;

/// One message as the user saw it when choosing it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Selected {
    pub key: MessageKey,
    pub queue: QueueName,
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub op: QueueOp,
    pub selection: Vec<Selected>,
    /// The filter text the selection came from (for the dialog and the audit log).
    pub filter: String,
    /// The user confirmed that the selection is the entire queue.
    pub entire_queue: bool,
    /// Nothing came between the listing the selection was made from and this request (no
    /// prompt, no queue files read: `--yes`): that listing is the verification, and
    /// [`execute`] acts without listing again. See [`execute`] for the race window.
    #[serde(skip)]
    pub verified_by_selection: bool,
}

impl Request {
    /// Build a request from message indices into `snapshot`.
    #[must_use]
    pub fn from_indices(snapshot: &Snapshot, indices: &[u32], op: QueueOp, filter: &str) -> Self {
        let selection = indices
            .iter()
            .filter_map(|&i| snapshot.messages.get(i as usize))
            .map(|m| Selected {
                key: m.key(),
                queue: m.queue.clone(),
            })
            .collect::<Vec<_>>();
        let entire_queue = !selection.is_empty() && selection.len() == snapshot.len();
        Self {
            op,
            selection,
            filter: filter.to_owned(),
            entire_queue,
            verified_by_selection: false,
        }
    }
}

/// What the confirm dialog (or the command-line prompt) shows before acting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub messages: usize,
    pub recipients: usize,
    pub queues: Vec<(QueueName, usize)>,
    /// Selected messages that also have recipients outside the filter.
    pub partial: usize,
    /// The first few (queue ID, sanitized sender).
    pub sample: Vec<(QueueId, String)>,
    /// Deleting this much deserves a deliberate act: type the number of messages.
    pub needs_typed_confirmation: bool,
    pub warnings: Vec<String>,
}

/// What forced expiration does to this selection: `ndrs` null-sender messages, `senders`
/// with a sender, `held` on hold.
fn expire_warnings(op: QueueOp, ndrs: usize, senders: usize, held: usize) -> Vec<String> {
    // Short: the TUI's dialog shows each warning on one line.
    let mut w = Vec::new();
    if ndrs > 0 {
        w.push(format!(
            "{} NDR{} (null sender): expiring a bounce discards it",
            thousands(ndrs),
            plural(ndrs)
        ));
    }
    if senders > 0 {
        w.push(format!(
            "{} with a sender: each gets a bounce; a forged one is new backscatter",
            thousands(senders)
        ));
    }
    if held > 0 && op == QueueOp::Expire {
        w.push(format!(
            "{} on hold stay held, unreturned: expire --release (-f) releases them",
            thousands(held)
        ));
    }
    w
}

/// Facts for the confirm dialog. Pure: no IO.
#[must_use]
pub fn preview(snapshot: &Snapshot, req: &Request, partial: usize) -> Preview {
    let by_id: HashMap<&QueueId, usize> = snapshot
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.queue_id, i))
        .collect();
    let mut queues: BTreeMap<QueueName, usize> = BTreeMap::new();
    let mut recipients = 0;
    let mut forged_candidates = 0;
    let mut not_held = 0;
    for s in &req.selection {
        *queues.entry(s.queue.clone()).or_default() += 1;
        if s.queue != QueueName::Hold {
            not_held += 1;
        }
        if let Some(m) = by_id
            .get(&s.key.queue_id)
            .and_then(|&i| snapshot.messages.get(i))
        {
            recipients += m.recipients.len();
            if !m.null_sender {
                forged_candidates += 1;
            }
        }
    }
    let messages = req.selection.len();
    let mut warnings = Vec::new();
    if partial > 0 {
        warnings.push(format!(
            "{} selected message{} also {} recipients outside the filter: Postfix acts on whole messages",
            thousands(partial),
            plural(partial),
            if partial == 1 { "has" } else { "have" }
        ));
    }
    match req.op {
        QueueOp::Requeue if forged_candidates > 0 => warnings.push(format!(
            "{} message{} with a non-null sender: if that sender is forged (spam), requeueing makes \
             Postfix send NEW bounces to third parties. Prefer hold, then delete.",
            thousands(forged_candidates),
            plural(forged_candidates)
        )),
        QueueOp::Release if not_held > 0 => warnings.push(format!(
            "{} selected message{} not on hold; release leaves {} alone",
            thousands(not_held),
            plural(not_held),
            if not_held == 1 { "it" } else { "them" }
        )),
        QueueOp::Delete => warnings.push("deleting cannot be undone; hold (H) first keeps a way back".to_owned()),
        QueueOp::Expire | QueueOp::ExpireRelease => {
            warnings.extend(expire_warnings(req.op, messages - forged_candidates, forged_candidates, messages - not_held));
        }
        _ => {}
    }
    if req.entire_queue {
        warnings.push("the selection is the ENTIRE queue".to_owned());
    }
    Preview {
        messages,
        recipients,
        queues: queues.into_iter().collect(),
        partial,
        sample: req
            .selection
            .iter()
            .take(10)
            .map(|s| (s.key.queue_id.clone(), sanitize(&s.key.sender).into_owned()))
            .collect(),
        needs_typed_confirmation: req.op == QueueOp::Delete
            && (messages > TYPED_CONFIRMATION_OVER
                || (messages > 1 && messages * 2 > snapshot.len())),
        warnings,
    }
}

/// How far a run has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// Where and how to act.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub batch_size: usize,
    /// Audit log file; `None` disables auditing (tests only).
    pub audit_log: Option<PathBuf>,
    /// Save the selected messages here (one `ID.txt` each) before acting.
    pub export_dir: Option<PathBuf>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH,
            audit_log: audit::default_path(),
            export_dir: None,
        }
    }
}

/// What happened, per message.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub op: QueueOp,
    pub requested: usize,
    /// postsuper confirmed these.
    pub done: Vec<QueueId>,
    /// No longer in the queue (before acting, or skipped by postsuper as absent).
    pub gone: Vec<QueueId>,
    /// Still listed under the same ID, but not the message the user saw (other arrival
    /// time or sender: a reused ID), or moved to another queue. Not touched.
    pub changed: Vec<QueueId>,
    /// Asked for but refused, with why.
    pub failed: Vec<(QueueId, String)>,
    /// Not attempted because the run was interrupted, or because an earlier queue's
    /// postsuper failed so that the rest was never sent.
    pub skipped: Vec<QueueId>,
    /// Already where the operation would put them: held mail for a hold, mail not on hold
    /// for a release. Nothing to do; not a failure.
    pub already: Vec<QueueId>,
    pub errors: Vec<String>,
    /// postsuper's summary lines.
    pub summary: Vec<String>,
    pub exported: Option<PathBuf>,
    pub interrupted: bool,
    /// Where the audit entry went, or why it could not be written.
    #[serde(skip)]
    pub audit: Result<PathBuf, String>,
    #[serde(skip)]
    pub took: Duration,
}

impl Selected {
    /// The message as a target in the queue it was seen in.
    fn target(&self) -> Target {
        Target {
            queue_id: self.key.queue_id.clone(),
            queue: self.queue.clone(),
        }
    }

    /// Is `m` (listed now) still the message the user saw, in the same queue?
    fn is(&self, m: &Message) -> bool {
        m.queue_id == self.key.queue_id
            && m.arrival_time == self.key.arrival_time
            && m.sender == self.key.sender
            && m.queue == self.queue
    }
}

impl Outcome {
    fn new(op: QueueOp, requested: usize) -> Self {
        Self {
            op,
            requested,
            done: Vec::new(),
            gone: Vec::new(),
            changed: Vec::new(),
            failed: Vec::new(),
            skipped: Vec::new(),
            already: Vec::new(),
            errors: Vec::new(),
            summary: Vec::new(),
            exported: None,
            interrupted: false,
            audit: Err("not written".to_owned()),
            took: Duration::ZERO,
        }
    }

    /// One line for a popup or the terminal.
    #[must_use]
    pub fn headline(&self) -> String {
        let mut s = format!(
            "{} {}: {} done",
            self.op,
            thousands(self.requested),
            thousands(self.done.len())
        );
        for (n, what) in [
            (self.already.len(), already_label(self.op)),
            (self.gone.len(), "no longer in the queue"),
            (self.changed.len(), "changed (not touched)"),
            (self.failed.len(), "failed"),
            (self.skipped.len(), "skipped (interrupted)"),
        ] {
            if n > 0 {
                s.push_str(&format!(", {} {what}", thousands(n)));
            }
        }
        s
    }

    /// Everything asked for was done (or was already so).
    #[must_use]
    pub fn complete(&self) -> bool {
        self.done.len().saturating_add(self.already.len()) == self.requested
            && self.errors.is_empty()
    }
}

/// How messages that needed nothing are described: "already held", "not on hold".
#[must_use]
pub fn already_label(op: QueueOp) -> &'static str {
    match op {
        QueueOp::Release => "not on hold (nothing to release)",
        _ => "already held",
    }
}

/// Re-verify the selection against a fresh listing: (still the same message, gone, changed).
#[must_use]
pub fn verify(
    fresh: &Snapshot,
    selection: &[Selected],
) -> (Vec<Target>, Vec<QueueId>, Vec<QueueId>) {
    let now: HashMap<&QueueId, usize> = fresh
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.queue_id, i))
        .collect();
    let mut keep = Vec::with_capacity(selection.len());
    let mut gone = Vec::new();
    let mut changed = Vec::new();
    for s in selection {
        match now
            .get(&s.key.queue_id)
            .and_then(|&i| fresh.messages.get(i))
        {
            None => gone.push(s.key.queue_id.clone()),
            Some(m) if s.is(m) => keep.push(s.target()),
            Some(_) => changed.push(s.key.queue_id.clone()),
        }
    }
    (keep, gone, changed)
}

/// Run the whole protocol. IO: call it from a blocking thread, never from `update()`.
///
/// Verification costs at most one listing, overlapped with acting:
/// - [`Request::verified_by_selection`] (`--yes`, no prompt, no queue file read): the
///   selection's own listing is the verification; no second listing.
/// - Otherwise (a prompt came between): the queue is listed again, streamed, and every batch
///   of verified messages goes to `postsuper` while the listing continues (two processes,
///   two cores). A message is decided on its first appearance in that listing.
/// - With an export directory: listed again in full first (the evidence precedes acting).
///
/// The race window accepted: between the listing that verified a message and the
/// `postsuper` batch that carries it (one batch of the streamed listing; with
/// `--yes` the selection listing plus the batches before it). A message that moves to
/// another queue meanwhile is not touched (each `postsuper` is restricted to the queue the
/// message was seen in); a message that leaves the queue is reported gone. Only a short
/// queue ID reused *in the same queue* within that window would be acted on, which needs
/// the file's inode and microsecond stamp to repeat within seconds (postsuper(1) puts the
/// chance of reuse during one operation at ~1 in 2^15 for a whole queue run).
///
/// # Errors
/// When the verification listing fails or the queue refuses the change (not root).
/// An audit entry is written in both cases.
pub fn execute(
    queue: &dyn MailQueue,
    req: &Request,
    opts: &ExecOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<Outcome, PostfixError> {
    let started = Instant::now();
    let mut out = Outcome::new(req.op, req.selection.len());
    let result = run_protocol(queue, req, opts, progress, cancel, &mut out);
    out.took = started.elapsed();
    let error = result.as_ref().err().map(ToString::to_string);
    if let Some(path) = &opts.audit_log {
        let entry = audit::Entry::new(queue.describe(), req, &out, error.as_deref());
        out.audit = audit::append(path, &entry)
            .map(|()| path.clone())
            .map_err(|e| e.to_string());
        if let Err(e) = &out.audit {
            // When the run itself failed, the caller only sees that error: log this one.
            tracing::warn!(path = %path.display(), error = %e, "audit log not written");
        }
    } else {
        out.audit = Err("audit disabled".to_owned());
    }
    result.map(|()| out)
}

fn run_protocol(
    queue: &dyn MailQueue,
    req: &Request,
    opts: &ExecOptions,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
    out: &mut Outcome,
) -> Result<(), PostfixError> {
    if let Some(why) = queue.read_only_reason() {
        return Err(PostfixError::ReadOnly(why));
    }
    let batch = opts.batch_size.max(1);
    if !req.verified_by_selection && opts.export_dir.is_none() {
        return streamed(queue, req, batch, progress, cancel, out);
    }
    let mut targets = if req.verified_by_selection {
        req.selection.iter().map(Selected::target).collect()
    } else {
        let fresh = queue.list()?;
        let (targets, gone, changed) = verify(&fresh, &req.selection);
        out.gone = gone;
        out.changed = changed;
        targets
    };
    // postsuper skips these silently; say why instead of calling them gone. They are
    // already where the admin wants them: skipped, not failed.
    targets.retain(|t| {
        let keep = !already(req.op, &t.queue);
        if !keep {
            out.already.push(t.queue_id.clone());
        }
        keep
    });
    if let Some(dir) = &opts.export_dir {
        let ids: Vec<QueueId> = targets.iter().map(|t| t.queue_id.clone()).collect();
        // Evidence was asked for: without it, do not act.
        out.exported = Some(
            export::export(queue, &ids, dir).map_err(|e| PostfixError::Io {
                program: "export".to_owned(),
                source: std::io::Error::other(format!("{}: {e:#}", dir.display())),
            })?,
        );
    }
    let total = targets.len();
    progress(Progress { done: 0, total });
    act(
        queue,
        req.op,
        targets.chunks(batch).map(<[Target]>::to_vec),
        total,
        progress,
        cancel,
        out,
    )
    .map(|_| ())
}

/// Already where `op` would put it (held for hold, not held for release): postsuper would
/// skip it silently.
fn already(op: QueueOp, queue: &QueueName) -> bool {
    match (op, queue) {
        (QueueOp::Release, q) => *q != QueueName::Hold,
        (QueueOp::Hold, q) => *q == QueueName::Hold,
        _ => false,
    }
}

/// The verification listing streamed into `postsuper`: a lister thread lists the queue and
/// hands over batches of messages that are still what the user saw, while this thread acts
/// on the batches already verified.
fn streamed(
    queue: &dyn MailQueue,
    req: &Request,
    batch: usize,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
    out: &mut Outcome,
) -> Result<(), PostfixError> {
    let total = req.selection.len();
    progress(Progress { done: 0, total });
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Target>>(2);
    std::thread::scope(|scope| {
        let lister = scope.spawn(move || stream_verify(queue, req, batch, &tx));
        let acted = act(queue, req.op, rx.iter(), total, progress, cancel, out);
        // A failed first batch left batches unread: the lister must not wait to hand them
        // over. It finishes its listing for the report either way.
        drop(rx);
        let listed = lister.join().unwrap_or_else(|_| {
            Err(PostfixError::Io {
                program: "postqueue".to_owned(),
                source: std::io::Error::other("the verification listing panicked"),
            })
        });
        let sent = acted?;
        match listed {
            Ok(v) => {
                out.gone.extend(v.gone);
                out.changed.extend(v.changed);
                out.already.extend(v.already);
                Ok(())
            }
            // Nothing acted on: the run as a whole failed, as an unstreamed listing would.
            Err(e) if sent == 0 => Err(e),
            Err(e) => {
                let why = sanitize(&e.to_string()).into_owned();
                let decided: std::collections::HashSet<&QueueId> = out
                    .done
                    .iter()
                    .chain(&out.gone)
                    .chain(&out.skipped)
                    .chain(&out.already)
                    .chain(out.failed.iter().map(|(id, _)| id))
                    .collect();
                let rest: Vec<QueueId> = req
                    .selection
                    .iter()
                    .map(|s| &s.key.queue_id)
                    .filter(|id| !decided.contains(id))
                    .cloned()
                    .collect();
                out.skipped.extend(rest);
                out.errors
                    .push(format!("verification listing failed: {why}"));
                Ok(())
            }
        }
    })
}

/// What the streamed verification listing decided besides the targets it handed over.
struct Verified {
    gone: Vec<QueueId>,
    changed: Vec<QueueId>,
    already: Vec<QueueId>,
}

fn stream_verify(
    queue: &dyn MailQueue,
    req: &Request,
    batch: usize,
    tx: &std::sync::mpsc::SyncSender<Vec<Target>>,
) -> Result<Verified, PostfixError> {
    // Selection position, and whether the listing showed it yet.
    let mut wanted: HashMap<&QueueId, (usize, bool)> = req
        .selection
        .iter()
        .enumerate()
        .map(|(i, s)| (&s.key.queue_id, (i, false)))
        .collect();
    let mut v = Verified {
        gone: Vec::new(),
        changed: Vec::new(),
        already: Vec::new(),
    };
    let mut pending = Vec::with_capacity(batch.min(req.selection.len()));
    let mut open = true;
    queue.list_each(&mut |m| {
        let Some((i, seen)) = wanted.get_mut(&m.queue_id) else {
            return;
        };
        // Listed twice while the queue changes: decided on its first appearance (it may
        // have been acted on already, restricted to the queue it was seen in then).
        if std::mem::replace(seen, true) {
            return;
        }
        let s = &req.selection[*i];
        if !s.is(m) {
            v.changed.push(s.key.queue_id.clone());
        } else if already(req.op, &m.queue) {
            v.already.push(s.key.queue_id.clone());
        } else {
            pending.push(s.target());
            if pending.len() >= batch && open {
                // A closed channel: the actor stopped (error); keep listing for the report.
                open = tx.send(std::mem::take(&mut pending)).is_ok();
            }
        }
    })?;
    if !pending.is_empty() && open {
        let _ = tx.send(pending);
    }
    v.gone = req
        .selection
        .iter()
        .filter(|s| wanted.get(&s.key.queue_id).is_some_and(|(_, seen)| !seen))
        .map(|s| s.key.queue_id.clone())
        .collect();
    Ok(v)
}

/// Act on `chunks` of verified targets, one `postsuper` per queue and chunk; between chunks
/// an interrupt stops the run, and what was not sent is reported skipped. Returns how many
/// targets were sent.
fn act(
    queue: &dyn MailQueue,
    op: QueueOp,
    mut chunks: impl Iterator<Item = Vec<Target>>,
    total: usize,
    progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
    out: &mut Outcome,
) -> Result<usize, PostfixError> {
    let mut sent = 0;
    let ids = |c: Vec<Target>| c.into_iter().map(|t| t.queue_id);
    while let Some(chunk) = chunks.next() {
        if cancel.load(Ordering::SeqCst) {
            out.interrupted = true;
            out.skipped.extend(ids(chunk));
            out.skipped.extend(chunks.flat_map(ids));
            break;
        }
        let report = match queue.apply(op, &chunk) {
            Ok(report) => report,
            // Nothing was changed yet: the run as a whole failed (not root, no postsuper).
            Err(e) if sent == 0 => return Err(e),
            // Earlier batches did change the queue: keep their results and say where it
            // stopped, rather than losing the whole report to one late error.
            Err(e) => {
                let why = sanitize(&e.to_string()).into_owned();
                out.failed.extend(
                    chunk
                        .iter()
                        .map(|t| (t.queue_id.clone(), format!("not confirmed: {why}"))),
                );
                out.skipped.extend(chunks.flat_map(ids));
                out.errors.push(why);
                break;
            }
        };
        out.done.extend(report.done);
        out.gone.extend(report.gone);
        out.failed.extend(
            report
                .invalid
                .into_iter()
                .map(|id| (id, "invalid queue ID".to_owned())),
        );
        out.failed.extend(report.unconfirmed.into_iter().map(|id| {
            (
                id,
                "not confirmed: postsuper stopped before reporting on it; list again to see its state"
                    .to_owned(),
            )
        }));
        let stopped = !report.not_sent.is_empty();
        out.skipped.extend(report.not_sent);
        out.errors.extend(report.errors);
        out.summary.extend(report.summary);
        sent += chunk.len();
        if stopped {
            // The adapter stopped part-way (refused, link dropped): do not send more.
            out.skipped.extend(chunks.flat_map(ids));
            break;
        }
        progress(Progress { done: sent, total });
    }
    Ok(sent)
}

#[cfg(test)]
mod tests;
