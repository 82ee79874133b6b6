//! Builds the content index from queue files: batched reads through
//! [`MailQueue::read`] (one `postcat` per batch of hundreds of IDs), the caller's priority
//! messages first, then null-sender messages (the NDRs), then the rest. Messages already in
//! the index (same queue ID, arrival time and sender) are not read again, so a refresh only
//! reads what is new. Cancellable between batches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use crate::model::content::{ContentIndex, extract};
use crate::model::{QueueFile, QueueId, Snapshot};
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
    let read = read_batch(queue, snapshot, indices)?;
    Ok(extract_batch(queue, snapshot, indices, read, index))
}

/// What the `postcat` runs of one batch returned, not yet extracted.
struct ReadBatch {
    files: Vec<QueueFile>,
    vanished: usize,
    errors: Vec<String>,
}

/// The IO half of [`index_batch`]: one `postcat -ebh` for the NDRs (an NDR's cause is in its
/// body, the returned original), one `postcat -eh` for the rest (envelope and headers say
/// who submitted it).
fn read_batch(
    queue: &dyn MailQueue,
    snapshot: &Snapshot,
    indices: &[u32],
) -> Result<ReadBatch, PostfixError> {
    let (mut ndrs, mut others) = (Vec::new(), Vec::new());
    for m in indices
        .iter()
        .filter_map(|&i| snapshot.messages.get(i as usize))
    {
        if m.null_sender {
            ndrs.push(m.queue_id.clone());
        } else {
            others.push(m.queue_id.clone());
        }
    }
    let mut batch = ReadBatch {
        files: Vec::new(),
        vanished: 0,
        errors: Vec::new(),
    };
    for (ids, body) in [(ndrs, true), (others, false)] {
        if ids.is_empty() {
            continue;
        }
        let report = queue.read(&ids, ReadParts { body })?;
        batch.vanished += report.vanished.len();
        batch.errors.extend(report.errors);
        batch.files.extend(report.files);
    }
    Ok(batch)
}

/// The CPU half of [`index_batch`]: parse what was read and insert it into the index.
/// Local submitters' uids are named by the queue's host (one lookup per new uid, cached by
/// the adapter).
fn extract_batch(
    queue: &dyn MailQueue,
    snapshot: &Snapshot,
    indices: &[u32],
    read: ReadBatch,
    index: &mut ContentIndex,
) -> IndexStats {
    let by_id: HashMap<&QueueId, u32> = indices
        .iter()
        .filter_map(|&i| snapshot.messages.get(i as usize).map(|m| (&m.queue_id, i)))
        .collect();
    let mut stats = IndexStats {
        vanished: read.vanished,
        errors: read.errors,
        ..IndexStats::default()
    };
    let mut extracted = Vec::with_capacity(read.files.len());
    for f in &read.files {
        let Some(m) = by_id
            .get(&f.queue_id)
            .and_then(|&i| snapshot.messages.get(i as usize))
        else {
            continue;
        };
        extracted.push((m.key(), extract(f)));
        stats.read += 1;
    }
    let mut uids: Vec<u32> = extracted
        .iter()
        .flat_map(|(_, c)| c.local_uids.iter().copied())
        .collect();
    if !uids.is_empty() {
        uids.sort_unstable();
        uids.dedup();
        let users = queue.local_users(&uids);
        for (_, c) in &mut extracted {
            if !c.local_uids.is_empty() {
                c.set_users(&users);
            }
        }
    }
    for (key, c) in extracted {
        index.insert(key, c);
    }
    stats
}

/// Index everything `plan` says, in batches, reporting `(done, total)` after each.
///
/// A reader thread runs the next batch's `postcat` while this thread extracts the current
/// one, so MIME parsing overlaps with Postfix reading queue files (benches/live.rs).
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
    std::thread::scope(|scope| {
        // One batch read ahead at most: memory stays at two batches' worth of queue files.
        let (tx, rx) = mpsc::sync_channel(1);
        let order = &order;
        scope.spawn(move || {
            for chunk in order.chunks(batch.max(1)) {
                if cancel.load(Ordering::SeqCst) {
                    break;
                }
                let read = read_batch(queue, snapshot, chunk);
                let failed = read.is_err();
                // A closed channel means the consumer stopped (error or cancel).
                if tx.send((chunk, read)).is_err() || failed {
                    break;
                }
            }
        });
        for (chunk, read) in rx {
            if cancel.load(Ordering::SeqCst) {
                break;
            }
            let s = extract_batch(queue, snapshot, chunk, read?, index);
            total.read += s.read;
            total.vanished += s.vanished;
            total.errors.extend(s.errors);
            done += chunk.len();
            progress(done, order.len());
        }
        Ok::<(), PostfixError>(())
    })?;
    total.cancelled = done < order.len() && cancel.load(Ordering::SeqCst);
    Ok(total)
}

/// Evaluate `filter`, reading queue files first when it has content terms (`subject:`,
/// `campaign:`, `sasl:`, …) or the caller needs contents anyway (`also_content`, e.g. for
/// grouping by campaign). Otherwise no queue file is read.
///
/// # Errors
/// When postcat cannot run at all.
///
/// `ctx`: the time and the mail log's facts for `login-new:` (without them it matches
/// nothing); its content is the index built here.
pub fn select_with_content(
    queue: &dyn MailQueue,
    snapshot: &Snapshot,
    filter: &crate::model::Filter,
    ctx: &crate::model::MatchContext<'_>,
    also_content: bool,
    index: &mut ContentIndex,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<crate::model::Selection, PostfixError> {
    use crate::model::content::ContentView;
    use crate::model::filter::{MatchContext, select_with};
    if filter.content_fields().is_empty() && !also_content {
        return Ok(select_with(
            snapshot,
            filter,
            &MatchContext {
                content: None,
                ..*ctx
            },
        ));
    }
    // A capture has no queue files: content terms match nothing, without reading anything.
    let capture = queue.contents_unavailable().is_some();
    let stats = build(
        queue,
        snapshot,
        index,
        &[],
        DEFAULT_BATCH,
        progress,
        &AtomicBool::new(capture),
    )?;
    if stats.read == 0 && !snapshot.is_empty() && !capture {
        return Err(PostfixError::PermissionDenied {
            program: "postcat".to_owned(),
            detail: "message contents are needed, and no queue file could be read (root needed)"
                .to_owned(),
        });
    }
    let view = ContentView::new(snapshot, index);
    Ok(select_with(
        snapshot,
        filter,
        &MatchContext {
            content: Some(&view),
            ..*ctx
        },
    ))
}

/// A background indexing run for the TUI: what to read, from which listing.
///
/// The worker plans the order itself ([`plan`] is O(queue size)), so starting a job never
/// costs the UI thread a pass over a million messages. `known` is only used for planning
/// and dropped before the first batch is reported, so the app can keep merging into its own
/// index without copying it.
#[derive(Debug, Clone)]
pub struct Job {
    /// Identifies the job; results of a superseded job are ignored.
    pub generation: u64,
    pub snapshot: std::sync::Arc<Snapshot>,
    /// Read these first (the selection and the marked messages).
    pub priority: Vec<u32>,
    pub known: std::sync::Arc<ContentIndex>,
    pub batch: usize,
}

/// Two jobs are equal when they read the same listing (the same `Arc`, not merely equal
/// contents: comparing a million messages would defeat the point) with the same priorities
/// and known contents, in the same generation and batch size.
impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && std::sync::Arc::ptr_eq(&self.snapshot, &other.snapshot)
            && self.priority == other.priority
            && std::sync::Arc::ptr_eq(&self.known, &other.known)
            && self.batch == other.batch
    }
}

/// Why a job stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// postcat may not read the queue files: not root. Said once, never retried.
    NeedsRoot(String),
    /// postcat failed otherwise.
    Failed(String),
    /// The queue has no contents at all (a capture): said once, never retried.
    NoContents(String),
}

/// One batch of a [`Job`], as reported back to the app.
#[derive(Debug, Clone)]
pub struct BatchDone {
    pub generation: u64,
    /// Messages planned so far / in total (`done == total` when finished).
    pub done: usize,
    pub total: usize,
    /// What this batch extracted, to merge into the app's index.
    pub contents: ContentIndex,
    pub finished: bool,
    pub failure: Option<JobFailure>,
}

/// Run a [`Job`]: plan, then read batch after batch, reporting each one through `send`.
/// Stops between batches when `cancel` is set (a newer listing superseded the job, or the
/// app quits). Every run ends with one report whose `finished` is set, unless cancelled.
pub fn run_job(
    queue: &dyn MailQueue,
    job: Job,
    cancel: &AtomicBool,
    send: &mut dyn FnMut(BatchDone),
) {
    let Job {
        generation,
        snapshot,
        priority,
        known,
        batch,
    } = job;
    if let Some(why) = queue.contents_unavailable() {
        send(BatchDone {
            generation,
            done: 0,
            total: 0,
            contents: ContentIndex::new(),
            finished: true,
            failure: Some(JobFailure::NoContents(why)),
        });
        return;
    }
    let order = plan(&snapshot, &known, &priority);
    drop(known);
    let total = order.len();
    let report = |done, contents, finished, failure| BatchDone {
        generation,
        done,
        total,
        contents,
        finished,
        failure,
    };
    if order.is_empty() {
        send(report(0, ContentIndex::new(), true, None));
        return;
    }
    let mut done = 0;
    let chunks: Vec<&[u32]> = order.chunks(batch.max(1)).collect();
    let last = chunks.len() - 1;
    for (n, chunk) in chunks.into_iter().enumerate() {
        if cancel.load(Ordering::SeqCst) {
            return;
        }
        let mut contents = ContentIndex::new();
        let failure = match index_batch(queue, &snapshot, chunk, &mut contents) {
            Err(e @ PostfixError::PermissionDenied { .. }) => {
                Some(JobFailure::NeedsRoot(e.to_string()))
            }
            Err(e) => Some(JobFailure::Failed(e.to_string())),
            // Nothing read, nothing vanished, only errors: postcat is not going to read the
            // rest either, so stop instead of failing 500 IDs at a time.
            Ok(s) if s.read == 0 && s.vanished == 0 && !s.errors.is_empty() => {
                Some(JobFailure::Failed(s.errors[0].clone()))
            }
            Ok(_) => None,
        };
        done += chunk.len();
        let stop = failure.is_some();
        send(report(done, contents, n == last || stop, failure));
        if stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::postfix::replay::ReplayQueue;

    fn job(q: &ReplayQueue, batch: usize, known: ContentIndex) -> Job {
        Job {
            generation: 7,
            snapshot: Arc::new(q.list().unwrap()),
            priority: Vec::new(),
            known: Arc::new(known),
            batch,
        }
    }

    #[test]
    fn a_job_reports_every_batch_and_ends_finished() {
        let q = ReplayQueue::demo();
        let n = q.list().unwrap().len();
        let mut got = Vec::new();
        run_job(
            &q,
            job(&q, 10, ContentIndex::new()),
            &AtomicBool::new(false),
            &mut |b| {
                got.push(b);
            },
        );
        assert_eq!(got.len(), n.div_ceil(10));
        assert!(got.iter().all(|b| b.generation == 7 && b.total == n));
        assert!(got.last().unwrap().finished);
        assert_eq!(got.iter().filter(|b| b.finished).count(), 1);
        let read: usize = got.iter().map(|b| b.contents.len()).sum();
        assert_eq!(read, n);
    }

    #[test]
    fn a_cancelled_job_reports_nothing_and_a_known_index_means_nothing_to_read() {
        let q = ReplayQueue::demo();
        let mut got = Vec::new();
        run_job(
            &q,
            job(&q, 10, ContentIndex::new()),
            &AtomicBool::new(true),
            &mut |b| {
                got.push(b);
            },
        );
        assert!(got.is_empty());
        let snap = q.list().unwrap();
        let mut full = ContentIndex::new();
        build(
            &q,
            &snap,
            &mut full,
            &[],
            100,
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        run_job(&q, job(&q, 10, full), &AtomicBool::new(false), &mut |b| {
            got.push(b)
        });
        assert_eq!(got.len(), 1);
        assert!(got[0].finished && got[0].total == 0 && got[0].contents.is_empty());
    }
}

#[cfg(test)]
mod build_tests {
    use super::*;
    use crate::postfix::replay::ReplayQueue;

    fn demo() -> (ReplayQueue, Snapshot) {
        let q = ReplayQueue::demo();
        let snap = q.list().expect("list");
        assert!(
            snap.len() > 20,
            "the demo storm should span several batches"
        );
        (q, snap)
    }

    #[test]
    fn build_indexes_every_message_in_batches_and_reports_progress() {
        let (q, snap) = demo();
        let mut index = ContentIndex::new();
        let mut seen = Vec::new();
        let stats = build(
            &q,
            &snap,
            &mut index,
            &[],
            7,
            &mut |done, total| seen.push((done, total)),
            &AtomicBool::new(false),
        )
        .expect("build");
        let n = snap.len();
        assert_eq!(stats.read, n);
        assert!(!stats.cancelled);
        assert!(snap.messages.iter().all(|m| index.contains(&m.key())));
        // (0, n), then one step per batch of 7, ending at (n, n).
        assert_eq!(seen.first(), Some(&(0, n)));
        assert_eq!(seen.last(), Some(&(n, n)));
        assert_eq!(seen.len(), 1 + n.div_ceil(7));
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
        // A second run has nothing new to read.
        let again = build(
            &q,
            &snap,
            &mut index,
            &[],
            7,
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .expect("build");
        assert_eq!(again.read, 0);
    }

    #[test]
    fn build_extracts_ndr_contents_like_index_batch() {
        let (q, snap) = demo();
        let all: Vec<u32> = (0..u32::try_from(snap.len()).expect("small")).collect();
        let mut one_go = ContentIndex::new();
        index_batch(&q, &snap, &all, &mut one_go).expect("index_batch");
        let mut batched = ContentIndex::new();
        build(
            &q,
            &snap,
            &mut batched,
            &[],
            5,
            &mut |_, _| {},
            &AtomicBool::new(false),
        )
        .expect("build");
        let ndr = snap
            .messages
            .iter()
            .find(|m| m.null_sender)
            .expect("an NDR");
        let a = one_go.get(&ndr.key()).expect("indexed");
        let b = batched.get(&ndr.key()).expect("indexed");
        assert_eq!(a, b);
        assert!(a.ndr.is_some(), "the demo NDR's report should be parsed");
    }

    #[test]
    fn cancel_stops_between_batches_and_says_so() {
        let (q, snap) = demo();
        let cancel = AtomicBool::new(false);
        let mut index = ContentIndex::new();
        let stats = build(
            &q,
            &snap,
            &mut index,
            &[],
            4,
            &mut |done, _| {
                if done >= 4 {
                    cancel.store(true, Ordering::SeqCst);
                }
            },
            &cancel,
        )
        .expect("build");
        assert!(stats.cancelled);
        assert_eq!(stats.read, 4, "exactly the first batch is indexed");

        let already = AtomicBool::new(true);
        let stats = build(
            &q,
            &snap,
            &mut ContentIndex::new(),
            &[],
            4,
            &mut |_, _| {},
            &already,
        )
        .expect("build");
        assert!(stats.cancelled);
        assert_eq!(stats.read, 0);
    }
}
