//! Builds the content index from queue files: batched reads through
//! [`MailQueue::read`] (one `postcat` per batch of hundreds of IDs), the caller's priority
//! messages first, then null-sender messages (the NDRs), then the rest. Messages already in
//! the index (same queue ID, arrival time and sender) are not read again, so a refresh only
//! reads what is new. Cancellable between batches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::content::{ContentIndex, extract};
use crate::model::{QueueId, Snapshot};
use crate::postfix::{MailQueue, PostfixError, ReadParts};

/// IDs per `postcat` process.
pub const DEFAULT_BATCH: usize = 500;

/// Which messages to read, in order: `priority` first, then NDRs, then the rest; skipping
/// what the index already holds.
#[must_use]
pub fn plan(snapshot: &Snapshot, index: &ContentIndex, priority: &[u32]) -> Vec<u32> {
    let n = u32::try_from(snapshot.messages.len()).unwrap_or(u32::MAX);
    let mut seen = vec![false; snapshot.messages.len()];
    let mut order = Vec::new();
    let wanted = |i: u32, seen: &mut Vec<bool>| {
        let Some(m) = snapshot.messages.get(i as usize) else {
            return false;
        };
        if seen[i as usize] || index.contains(&m.key()) {
            return false;
        }
        seen[i as usize] = true;
        true
    };
    for &i in priority {
        if wanted(i, &mut seen) {
            order.push(i);
        }
    }
    for i in 0..n {
        if snapshot.messages[i as usize].null_sender && wanted(i, &mut seen) {
            order.push(i);
        }
    }
    for i in 0..n {
        if wanted(i, &mut seen) {
            order.push(i);
        }
    }
    order
}

/// Outcome of an indexing run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub read: usize,
    pub vanished: usize,
    pub errors: Vec<String>,
    pub cancelled: bool,
}

/// Read and index the messages at `indices` (into `snapshot.messages`).
///
/// # Errors
/// When postcat cannot run at all.
pub fn index_batch(
    queue: &dyn MailQueue,
    snapshot: &Snapshot,
    indices: &[u32],
    index: &mut ContentIndex,
) -> Result<IndexStats, PostfixError> {
    let mut stats = IndexStats::default();
    let mut by_id: HashMap<&QueueId, u32> = HashMap::with_capacity(indices.len());
    let (mut ndrs, mut others) = (Vec::new(), Vec::new());
    for &i in indices {
        let Some(m) = snapshot.messages.get(i as usize) else {
            continue;
        };
        by_id.insert(&m.queue_id, i);
        // An NDR's cause is in its body (the returned original); for other mail the
        // envelope and headers say who submitted it.
        if m.null_sender {
            ndrs.push(m.queue_id.clone())
        } else {
            others.push(m.queue_id.clone())
        }
    }
    for (ids, body) in [(ndrs, true), (others, false)] {
        if ids.is_empty() {
            continue;
        }
        let report = queue.read(&ids, ReadParts { body })?;
        stats.vanished += report.vanished.len();
        stats.errors.extend(report.errors);
        for f in &report.files {
            let Some(m) = by_id
                .get(&f.queue_id)
                .and_then(|&i| snapshot.messages.get(i as usize))
            else {
                continue;
            };
            index.insert(m.key(), extract(f));
            stats.read += 1;
        }
    }
    Ok(stats)
}

/// Index everything `plan` says, in batches, reporting `(done, total)` after each.
///
/// # Errors
/// When postcat cannot run at all.
pub fn build(
    queue: &dyn MailQueue,
    snapshot: &Snapshot,
    index: &mut ContentIndex,
    priority: &[u32],
    batch: usize,
    progress: &mut dyn FnMut(usize, usize),
    cancel: &AtomicBool,
) -> Result<IndexStats, PostfixError> {
    let order = plan(snapshot, index, priority);
    let mut total = IndexStats::default();
    let mut done = 0;
    progress(0, order.len());
    for chunk in order.chunks(batch.max(1)) {
        if cancel.load(Ordering::SeqCst) {
            total.cancelled = true;
            break;
        }
        let s = index_batch(queue, snapshot, chunk, index)?;
        total.read += s.read;
        total.vanished += s.vanished;
        total.errors.extend(s.errors);
        done += chunk.len();
        progress(done, order.len());
    }
    Ok(total)
}
