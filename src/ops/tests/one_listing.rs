//! The bulk-action protocol at the cost of one listing (#17): `--yes` acts on the
//! selection's own listing; after a prompt the re-listing streams into `postsuper`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{interrupted_at, line, messages, opts, req_for, run, storm};
use crate::model::{Message, QueueId, QueueName, Snapshot};
use crate::ops::{Progress, execute};
use crate::postfix::replay::ReplayQueue;
use crate::postfix::{MailQueue, OpReport, PostfixError, QueueOp, ReadParts, ReadReport, Target};

/// A replay queue that counts listings and records the order of listing and acting. Its
/// streamed listing waits (after `wait_after` messages) until a batch was acted on, so a
/// test can see acting overlap the listing.
struct Recorder {
    inner: ReplayQueue,
    lists: AtomicUsize,
    applies: AtomicUsize,
    events: Mutex<Vec<&'static str>>,
    wait_after: usize,
}

impl Recorder {
    fn new(inner: ReplayQueue, wait_after: usize) -> Self {
        Self {
            inner,
            lists: AtomicUsize::new(0),
            applies: AtomicUsize::new(0),
            events: Mutex::new(Vec::new()),
            wait_after,
        }
    }

    fn event(&self, e: &'static str) {
        self.events.lock().expect("lock").push(e);
    }
}

impl MailQueue for Recorder {
    fn list(&self) -> Result<Snapshot, PostfixError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list()
    }

    fn list_each(&self, each: &mut dyn FnMut(&Message)) -> Result<Snapshot, PostfixError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        let snap = self.inner.list()?;
        for (n, m) in snap.messages.iter().enumerate() {
            if n == self.wait_after {
                let until = Instant::now() + Duration::from_secs(10);
                while self.applies.load(Ordering::SeqCst) == 0 && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            each(m);
        }
        self.event("listed");
        Ok(snap)
    }

    fn apply(&self, op: QueueOp, targets: &[Target]) -> Result<OpReport, PostfixError> {
        self.event("apply");
        let r = self.inner.apply(op, targets);
        self.applies.fetch_add(1, Ordering::SeqCst);
        r
    }

    fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError> {
        self.inner.read(ids, parts)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn read_only_reason(&self) -> Option<String> {
        self.inner.read_only_reason()
    }
}

fn target(id: &str, queue: QueueName) -> Target {
    Target {
        queue_id: QueueId::new(id),
        queue,
    }
}

/// The storm of 10, with what happens between the selection and the action: A00000 moved
/// to hold, A00001 left the queue and its ID was reused by another message, A00002 left.
fn changed_under_the_selection(msgs: Vec<Message>) -> ReplayQueue {
    let q = ReplayQueue::new("t", msgs, Vec::new(), true);
    q.apply(QueueOp::Hold, &[target("A00000", QueueName::Deferred)])
        .expect("hold");
    q.apply(
        QueueOp::Delete,
        &[
            target("A00001", QueueName::Deferred),
            target("A00002", QueueName::Deferred),
        ],
    )
    .expect("delete");
    let mut now = q.list().expect("list").messages;
    now.extend(messages(&[line(
        "A00001",
        "deferred",
        99_999,
        "alice@example.test",
        &["b@example.net"],
    )]));
    ReplayQueue::new("t", now, Vec::new(), true)
}

/// After a prompt: one listing, streamed; the first batch is acted on before that listing
/// ends; a message that changed between selection and action is never acted on.
#[test]
fn after_a_prompt_the_relisting_streams_into_postsuper() {
    let first = ReplayQueue::new("t", messages(&storm(10)), Vec::new(), true);
    let snap = first.list().expect("list");
    let all: Vec<&str> = snap.messages.iter().map(|m| m.queue_id.as_str()).collect();
    let req = req_for(&snap, QueueOp::Delete, &all);
    assert!(!req.verified_by_selection);
    let q = Recorder::new(
        changed_under_the_selection(first.list().expect("list").messages),
        6,
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(&q, &req, &dir);
    assert_eq!(q.lists.load(Ordering::SeqCst), 1, "one listing");
    let events = q.events.lock().expect("lock").clone();
    assert_eq!(events.first(), Some(&"apply"), "{events:?}");
    assert!(events.contains(&"listed"));
    assert_eq!(out.done.len(), 7, "{out:?}");
    assert_eq!(
        out.changed,
        vec![QueueId::new("A00000"), QueueId::new("A00001")]
    );
    assert_eq!(out.gone, vec![QueueId::new("A00002")]);
    let after = q.inner.list().expect("list");
    assert!(
        after
            .messages
            .iter()
            .any(|m| m.queue_id.as_str() == "A00000" && m.queue == QueueName::Hold)
    );
    assert!(
        after
            .messages
            .iter()
            .any(|m| m.queue_id.as_str() == "A00001" && &*m.sender == "alice@example.test")
    );
    assert_eq!(after.len(), 2);
}

/// `--yes`: the selection's listing is the verification, no second listing. A message that
/// moves queue in the window is still not touched (postsuper is restricted to the queue it
/// was seen in) and is reported gone.
#[test]
fn with_yes_the_selection_listing_is_the_verification() {
    let inner = ReplayQueue::new("t", messages(&storm(6)), Vec::new(), true);
    let q = Recorder::new(inner, usize::MAX);
    let snap = q.list().expect("list");
    let all: Vec<&str> = snap.messages.iter().map(|m| m.queue_id.as_str()).collect();
    let mut req = req_for(&snap, QueueOp::Delete, &all);
    req.verified_by_selection = true;
    q.inner
        .apply(QueueOp::Hold, &[target("A00003", QueueName::Deferred)])
        .expect("hold");
    let dir = tempfile::tempdir().expect("tmp");
    let mut seen = Vec::new();
    let mut progress = |p: Progress| seen.push(p);
    let out = execute(
        &q,
        &req,
        &opts(&dir),
        &mut progress,
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(q.lists.load(Ordering::SeqCst), 1, "no second listing");
    assert_eq!(out.done.len(), 5);
    assert_eq!(out.gone, vec![QueueId::new("A00003")]);
    let after = q.inner.list().expect("list");
    assert_eq!(after.len(), 1);
    assert_eq!(after.messages[0].queue, QueueName::Hold);
    assert_eq!(seen.last().map(|p| (p.done, p.total)), Some((6, 6)));
}

/// An interrupt during a streamed run: what was not acted on is skipped, exactly.
#[test]
fn an_interrupt_during_the_streamed_listing_skips_the_rest() {
    let q = Recorder::new(
        ReplayQueue::new("t", messages(&storm(10)), Vec::new(), true),
        4,
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = interrupted_at(&q, QueueOp::Hold, 2, &dir);
    assert!(out.interrupted);
    assert_eq!(out.done.len(), 2);
    assert_eq!(out.skipped.len(), 8);
    assert!(out.gone.is_empty() && out.changed.is_empty());
    let held = q
        .inner
        .list()
        .expect("list")
        .messages
        .iter()
        .filter(|m| m.queue == QueueName::Hold)
        .count();
    assert_eq!(held, 2);
}
