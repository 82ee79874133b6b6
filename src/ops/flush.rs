//! Delivery now: `postqueue -i ID` for a few chosen messages, `postqueue -f` for all,
//! `postqueue -s SITE` for one destination — verified, audited, and followed by a re-listing
//! of exactly those messages to say what happened.
//!
//! These change no queue file but make Postfix act: read-only queues refuse them (the
//! adapter), and a flush during an NDR storm retries every bounce at once (warned).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Outcome, Request, audit};
use crate::model::format::{plural, thousands};
use crate::model::{MessageKey, QueueId, QueueName, Snapshot};
use crate::postfix::{Flush, MailQueue, PostfixError, QueueOp};

/// At most this many messages get one `postqueue -i` each; more is a flush, or a requeue.
pub const MAX_DELIVER_NOW: usize = 20;

/// From this many NDRs in `deferred` on, a flush is a storm of delivery attempts.
pub const STORM_NDRS: usize = 100;

/// How long to wait for the delivery attempts before re-listing for the report.
const SETTLE: Duration = Duration::from_secs(10);

/// A message after the attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum After {
    /// No longer queued: delivered, or returned/discarded.
    Left,
    /// Still queued (usually deferred again), with its first delay reason.
    Queued {
        queue: QueueName,
        reason: Option<String>,
    },
}

/// What a delivery request did.
#[derive(Debug, Clone, Serialize)]
pub struct FlushOutcome {
    pub what: &'static str,
    /// Messages chosen (deliver now), or 0 for a flush.
    pub requested: usize,
    /// Gone or changed (another message under a reused ID) before asking: not asked.
    pub gone: Vec<QueueId>,
    pub asked: Vec<QueueId>,
    /// Per asked message, after the attempt.
    pub after: Vec<(QueueId, After)>,
    /// Deferred messages before and after (a flush).
    pub deferred_before: usize,
    pub deferred_after: usize,
    pub errors: Vec<String>,
    #[serde(skip)]
    pub audit: Result<PathBuf, String>,
}

impl FlushOutcome {
    /// One line: `deliver now 3: 2 left the queue, 1 still deferred`.
    #[must_use]
    pub fn headline(&self) -> String {
        let left = self.after.iter().filter(|(_, a)| *a == After::Left).count();
        let mut s = if self.requested > 0 {
            format!(
                "{} {}: {} left the queue, {} still queued",
                self.what,
                thousands(self.requested),
                thousands(left),
                thousands(self.after.len() - left)
            )
        } else {
            format!(
                "{}: deferred {} → {}",
                self.what,
                thousands(self.deferred_before),
                thousands(self.deferred_after)
            )
        };
        if !self.gone.is_empty() {
            s.push_str(&format!(
                ", {} no longer in the queue before asking",
                thousands(self.gone.len())
            ));
        }
        if !self.errors.is_empty() {
            s.push_str(&format!(
                ", {} error{}",
                self.errors.len(),
                plural(self.errors.len())
            ));
        }
        s
    }
}

/// The warning a flush deserves now, if any: during a storm, `postqueue -f` retries every
/// queued bounce at once.
#[must_use]
pub fn storm_warning(snap: &Snapshot) -> Option<String> {
    let ndrs = snap
        .messages
        .iter()
        .filter(|m| m.null_sender && m.queue == QueueName::Deferred)
        .count();
    (ndrs >= STORM_NDRS).then(|| {
        format!(
            "{} NDRs are deferred: a flush retries every one of them at once (a burst of \
             connections to the forged senders' servers). Hold or delete the storm first, or \
             deliver the few messages that matter with deliver now.",
            thousands(ndrs)
        )
    })
}

/// Refuse a deliver-now selection above [`MAX_DELIVER_NOW`].
///
/// # Errors
/// The refusal, saying what to do instead.
pub fn check_bound(n: usize) -> Result<(), String> {
    if n > MAX_DELIVER_NOW {
        return Err(format!(
            "deliver now runs one postqueue -i per message and is limited to {MAX_DELIVER_NOW}; \
             {} selected: narrow the filter, or flush (postqueue -f) or requeue instead",
            thousands(n)
        ));
    }
    Ok(())
}

/// `postqueue -i` for each of `keys` still in the queue as the user saw it, then what
/// happened to them.
///
/// # Errors
/// When the queue cannot be listed or postqueue cannot run; a selection above the bound.
pub fn deliver_now(
    queue: &dyn MailQueue,
    keys: &[MessageKey],
    filter: &str,
    audit_log: Option<&std::path::Path>,
) -> Result<FlushOutcome, PostfixError> {
    check_bound(keys.len()).map_err(PostfixError::ReadOnly)?;
    let fresh = queue.list()?;
    let (present, gone): (Vec<&MessageKey>, Vec<&MessageKey>) = keys
        .iter()
        .partition(|k| fresh.messages.iter().any(|m| m.key() == **k));
    let ids: Vec<QueueId> = present.iter().map(|k| k.queue_id.clone()).collect();
    let mut out = FlushOutcome {
        what: "deliver now",
        requested: keys.len(),
        gone: gone.iter().map(|k| k.queue_id.clone()).collect(),
        asked: Vec::new(),
        after: Vec::new(),
        deferred_before: fresh.count(&QueueName::Deferred).messages,
        deferred_after: 0,
        errors: Vec::new(),
        audit: Err("not written".to_owned()),
    };
    let report = queue.flush(&Flush::Messages(ids))?;
    out.asked = report.asked;
    out.errors = report.errors;
    let after = settle(queue, &out.asked)?;
    out.deferred_after = after.count(&QueueName::Deferred).messages;
    out.after = states(&after, &out.asked);
    write_audit(queue, filter, &mut out, audit_log);
    Ok(out)
}

/// `postqueue -f` or `postqueue -s SITE`, then the deferred count before and after.
///
/// # Errors
/// When the queue cannot be listed or postqueue cannot run.
pub fn flush(
    queue: &dyn MailQueue,
    what: &Flush,
    audit_log: Option<&std::path::Path>,
) -> Result<FlushOutcome, PostfixError> {
    let before = queue.list()?;
    let report = queue.flush(what)?;
    let mut out = FlushOutcome {
        what: what.verb(),
        requested: 0,
        gone: Vec::new(),
        asked: Vec::new(),
        after: Vec::new(),
        deferred_before: before.count(&QueueName::Deferred).messages,
        deferred_after: 0,
        errors: report.errors,
        audit: Err("not written".to_owned()),
    };
    let busy: Vec<QueueId> = before
        .messages
        .iter()
        .filter(|m| m.queue == QueueName::Deferred)
        .map(|m| m.queue_id.clone())
        .collect();
    let after = settle(queue, &busy)?;
    out.deferred_after = after.count(&QueueName::Deferred).messages;
    let filter = match what {
        Flush::Site(s) => s.clone(),
        _ => String::new(),
    };
    write_audit(queue, &filter, &mut out, audit_log);
    Ok(out)
}

/// Re-list until none of `ids` is in flight (maildrop, incoming, active) or [`SETTLE`]
/// has passed: Postfix delivers in the background after postqueue returns.
fn settle(queue: &dyn MailQueue, ids: &[QueueId]) -> Result<Snapshot, PostfixError> {
    let deadline = Instant::now() + SETTLE;
    // Give qmgr a moment to move the messages to active before the first look.
    std::thread::sleep(Duration::from_millis(300));
    loop {
        let snap = queue.list()?;
        let in_flight = snap.messages.iter().any(|m| {
            matches!(
                m.queue,
                QueueName::Maildrop | QueueName::Incoming | QueueName::Active
            ) && ids.contains(&m.queue_id)
        });
        if !in_flight || Instant::now() >= deadline {
            return Ok(snap);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Where each of `ids` is in `snap`.
fn states(snap: &Snapshot, ids: &[QueueId]) -> Vec<(QueueId, After)> {
    ids.iter()
        .map(|id| {
            let state = snap
                .messages
                .iter()
                .find(|m| &m.queue_id == id)
                .map_or(After::Left, |m| After::Queued {
                    queue: m.queue.clone(),
                    reason: m
                        .recipients
                        .iter()
                        .find_map(|r| r.delay_reason.as_deref().map(str::to_owned)),
                });
            (id.clone(), state)
        })
        .collect()
}

/// One audit line: who asked for which delivery attempts, and what came of them.
fn write_audit(
    queue: &dyn MailQueue,
    filter: &str,
    out: &mut FlushOutcome,
    audit_log: Option<&std::path::Path>,
) {
    let Some(path) = audit_log else {
        out.audit = Err("audit disabled".to_owned());
        return;
    };
    let req = Request {
        op: QueueOp::Requeue,
        selection: Vec::new(),
        filter: filter.to_owned(),
        entire_queue: false,
        verified_by_selection: false,
    };
    let mut o = Outcome::new(QueueOp::Requeue, out.requested);
    o.gone.clone_from(&out.gone);
    o.done = out
        .after
        .iter()
        .filter(|(_, a)| *a == After::Left)
        .map(|(id, _)| id.clone())
        .collect();
    o.errors.clone_from(&out.errors);
    o.summary.push(out.headline());
    let mut entry = audit::Entry::new(queue.describe(), &req, &o, None);
    // The entry names what was asked, not the placeholder operation above.
    out.what.clone_into(&mut entry.op);
    out.audit = audit::append(path, &entry)
        .map(|()| path.to_owned())
        .map_err(|e| e.to_string());
}
