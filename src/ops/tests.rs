use std::sync::atomic::AtomicBool;

use super::*;
use crate::model::Message;
use crate::postfix::parse::parse_stream;
use crate::postfix::replay::ReplayQueue;

fn line(id: &str, queue: &str, t: i64, sender: &str, rcpts: &[&str]) -> String {
    let r: Vec<String> = rcpts.iter().map(|a| format!(r#"{{"address":"{a}","delay_reason":"connect to x[192.0.2.1]:25: Connection timed out"}}"#)).collect();
    format!(
        r#"{{"queue_name":"{queue}","queue_id":"{id}","arrival_time":{t},"message_size":1000,"sender":"{sender}","recipients":[{}]}}"#,
        r.join(",")
    )
}

fn messages(lines: &[String]) -> Vec<Message> {
    parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON")
        .expect("parse")
        .messages
}

fn storm(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            line(
                &format!("A{i:05X}"),
                "deferred",
                1000 + i as i64,
                "MAILER-DAEMON",
                &["x@victim.example"],
            )
        })
        .collect()
}

fn req_for(snap: &Snapshot, op: QueueOp, ids: &[&str]) -> Request {
    let idx: Vec<u32> = snap
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| ids.contains(&m.queue_id.as_str()))
        .map(|(i, _)| i as u32)
        .collect();
    Request::from_indices(snap, &idx, op, "test")
}

fn no_progress() -> impl FnMut(Progress) {
    |_| {}
}

fn opts(dir: &tempfile::TempDir) -> ExecOptions {
    ExecOptions {
        batch_size: 2,
        audit_log: Some(dir.path().join("audit.jsonl")),
        export_dir: None,
    }
}

#[test]
fn hold_acts_on_exactly_the_selection() {
    let q = ReplayQueue::new("t", messages(&storm(10)), Vec::new(), true);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Hold, &["A00001", "A00003", "A00005"]);
    let dir = tempfile::tempdir().expect("tmp");
    let out = execute(
        &q,
        &req,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(out.done.len(), 3);
    assert!(out.complete());
    let after = q.list().expect("list");
    let held: Vec<&str> = after
        .messages
        .iter()
        .filter(|m| m.queue == QueueName::Hold)
        .map(|m| m.queue_id.as_str())
        .collect();
    assert_eq!(held, vec!["A00001", "A00003", "A00005"]);
    assert_eq!(after.len(), 10);
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 10).expect("log");
    assert_eq!(log.len(), 1);
    let e = log[0].as_ref().expect("entry");
    assert_eq!((e.op.as_str(), e.requested, e.done), ("hold", 3, 3));
    assert_eq!(e.filter, "test");
}

#[test]
fn vanished_and_reused_ids_are_not_touched() {
    let q = ReplayQueue::new("t", messages(&storm(4)), Vec::new(), true);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Delete, &["A00000", "A00001", "A00002"]);
    // Between listing and acting: A00000 leaves the queue; A00001 is reused by another message.
    let dir = tempfile::tempdir().expect("tmp");
    q.apply(
        QueueOp::Delete,
        &[Target {
            queue_id: QueueId::new("A00000"),
            queue: QueueName::Deferred,
        }],
    )
    .expect("del");
    q.apply(
        QueueOp::Delete,
        &[Target {
            queue_id: QueueId::new("A00001"),
            queue: QueueName::Deferred,
        }],
    )
    .expect("del");
    let reused = ReplayQueue::new(
        "t",
        messages(&[line(
            "A00001",
            "deferred",
            99_999,
            "alice@example.test",
            &["b@example.net"],
        )]),
        Vec::new(),
        true,
    );
    let mut msgs: Vec<Message> = q.list().expect("list").messages;
    msgs.extend(reused.list().expect("list").messages);
    let q = ReplayQueue::new("t", msgs, Vec::new(), true);
    let out = execute(
        &q,
        &req,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(out.done, vec![QueueId::new("A00002")]);
    assert_eq!(out.gone, vec![QueueId::new("A00000")]);
    assert_eq!(out.changed, vec![QueueId::new("A00001")]);
    let after = q.list().expect("list");
    assert!(
        after
            .messages
            .iter()
            .any(|m| m.queue_id.as_str() == "A00001" && &*m.sender == "alice@example.test")
    );
    assert!(!out.complete());
}

#[test]
fn a_message_that_moved_queue_is_not_acted_on() {
    let q = ReplayQueue::new("t", messages(&storm(3)), Vec::new(), true);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Delete, &["A00000", "A00001"]);
    q.apply(
        QueueOp::Hold,
        &[Target {
            queue_id: QueueId::new("A00000"),
            queue: QueueName::Deferred,
        }],
    )
    .expect("hold");
    let dir = tempfile::tempdir().expect("tmp");
    let out = execute(
        &q,
        &req,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(out.changed, vec![QueueId::new("A00000")]);
    assert_eq!(out.done, vec![QueueId::new("A00001")]);
    assert!(
        q.list()
            .expect("list")
            .messages
            .iter()
            .any(|m| m.queue_id.as_str() == "A00000" && m.queue == QueueName::Hold)
    );
}

/// Execute `req` on `q` without progress or interrupt.
fn run(q: &dyn MailQueue, req: &Request, dir: &tempfile::TempDir) -> Outcome {
    execute(
        q,
        req,
        &opts(dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec")
}

/// `op` on the whole queue `q`, interrupted once `at` messages are done.
fn interrupted_at(q: &dyn MailQueue, op: QueueOp, at: usize, dir: &tempfile::TempDir) -> Outcome {
    let snap = q.list().expect("list");
    let all: Vec<u32> = (0..u32::try_from(snap.len()).expect("small")).collect();
    let req = Request::from_indices(&snap, &all, op, "");
    assert!(req.entire_queue);
    let cancel = AtomicBool::new(false);
    let mut progress = |p: Progress| {
        if p.done >= at {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    execute(q, &req, &opts(dir), &mut progress, &cancel).expect("exec")
}

#[test]
fn interrupt_stops_between_batches_with_an_exact_report() {
    let q = ReplayQueue::new("t", messages(&storm(10)), Vec::new(), true);
    let dir = tempfile::tempdir().expect("tmp");
    // The signal arrives while the second batch runs.
    let out = interrupted_at(&q, QueueOp::Delete, 4, &dir);
    assert!(out.interrupted);
    assert_eq!(out.done.len(), 4);
    assert_eq!(out.skipped.len(), 6);
    assert_eq!(q.list().expect("list").len(), 6);
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 10).expect("log");
    let e = log[0].as_ref().expect("entry");
    assert!(e.interrupted);
    assert_eq!((e.done, e.skipped), (4, 6));
}

#[test]
fn read_only_queue_changes_nothing_and_is_audited() {
    let q = ReplayQueue::new("t", messages(&storm(2)), Vec::new(), false);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Delete, &["A00000"]);
    let dir = tempfile::tempdir().expect("tmp");
    let err = execute(
        &q,
        &req,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect_err("read-only");
    assert!(err.to_string().contains("read-only"));
    assert_eq!(q.list().expect("list").len(), 2);
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 10).expect("log");
    let e = log[0].as_ref().expect("entry");
    assert!(e.error.as_deref().is_some_and(|s| s.contains("read-only")));
    assert_eq!(e.done, 0);
}

#[test]
fn audit_failure_is_reported_not_swallowed() {
    let q = ReplayQueue::new("t", messages(&storm(2)), Vec::new(), true);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Hold, &["A00000"]);
    let dir = tempfile::tempdir().expect("tmp");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").expect("write");
    let o = ExecOptions {
        batch_size: 10,
        audit_log: Some(blocker.join("audit.jsonl")),
        export_dir: None,
    };
    let out = execute(&q, &req, &o, &mut no_progress(), &AtomicBool::new(false)).expect("exec");
    assert_eq!(out.done.len(), 1);
    assert!(out.audit.is_err());
}

#[test]
fn release_and_hold_explain_no_ops() {
    let q = ReplayQueue::new("t", messages(&storm(2)), Vec::new(), true);
    let snap = q.list().expect("list");
    let dir = tempfile::tempdir().expect("tmp");
    let req = req_for(&snap, QueueOp::Release, &["A00000"]);
    let out = execute(
        &q,
        &req,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    // Not on hold: nothing to release, which is not a failure (exit 0, not 3).
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert_eq!(out.already, vec![QueueId::new("A00000")]);
    assert!(out.complete());
    assert!(
        out.headline().contains("1 not on hold"),
        "{}",
        out.headline()
    );
}

#[test]
fn holding_held_mail_is_already_held_not_a_failure() {
    let q = ReplayQueue::new("t", messages(&storm(3)), Vec::new(), true);
    let dir = tempfile::tempdir().expect("tmp");
    let snap = q.list().expect("list");
    let first = req_for(&snap, QueueOp::Hold, &["A00000"]);
    let out = execute(
        &q,
        &first,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(out.done, vec![QueueId::new("A00000")]);
    // Now A00000 is held; hold it and A00001 together.
    let snap = q.list().expect("list");
    let both = req_for(&snap, QueueOp::Hold, &["A00000", "A00001"]);
    let out = execute(
        &q,
        &both,
        &opts(&dir),
        &mut no_progress(),
        &AtomicBool::new(false),
    )
    .expect("exec");
    assert_eq!(out.done, vec![QueueId::new("A00001")]);
    assert_eq!(out.already, vec![QueueId::new("A00000")]);
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert!(out.complete(), "{}", out.headline());
    assert_eq!(out.headline(), "hold 2: 1 done, 1 already held");
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 1).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!((entry.done, entry.already, entry.failed), (1, 1, 0));
    assert_eq!(entry.ids_already, vec![QueueId::new("A00000")]);
}

#[test]
fn preview_is_proportionate() {
    let q = ReplayQueue::new("t", messages(&storm(1500)), Vec::new(), true);
    let snap = q.list().expect("list");
    let few = req_for(&snap, QueueOp::Delete, &["A00001"]);
    let p = preview(&snap, &few, 0);
    assert_eq!((p.messages, p.recipients), (1, 1));
    assert!(!p.needs_typed_confirmation);
    let idx: Vec<u32> = (0..1001).collect();
    let many = Request::from_indices(&snap, &idx, QueueOp::Delete, "sender:MAILER-DAEMON");
    let p = preview(&snap, &many, 3);
    assert!(p.needs_typed_confirmation);
    assert_eq!(p.sample.len(), 10);
    assert_eq!(p.queues, vec![(QueueName::Deferred, 1001)]);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("3 selected messages also have recipients outside"))
    );
    let hold = Request::from_indices(&snap, &idx, QueueOp::Hold, "");
    assert!(!preview(&snap, &hold, 0).needs_typed_confirmation);
}

#[test]
fn requeue_of_forged_senders_warns() {
    let lines = vec![line(
        "B1",
        "deferred",
        1,
        "ceo@forged.example",
        &["x@victim.example"],
    )];
    let q = ReplayQueue::new("t", messages(&lines), Vec::new(), true);
    let snap = q.list().expect("list");
    let req = req_for(&snap, QueueOp::Requeue, &["B1"]);
    let p = preview(&snap, &req, 0);
    assert!(p.warnings.iter().any(|w| w.contains("NEW bounces")));
}

#[test]
fn expire_preview_tells_ndrs_from_returned_mail_and_held_mail() {
    let lines = vec![
        line("E1", "deferred", 1000, "MAILER-DAEMON", &["a@x.example"]),
        line(
            "E2",
            "deferred",
            1001,
            "alice@example.com",
            &["b@x.example"],
        ),
        line("E3", "hold", 1002, "bob@example.com", &["c@x.example"]),
    ];
    let q = ReplayQueue::new("t", messages(&lines), vec![], true);
    let snap = q.list().expect("list");
    let p = preview(
        &snap,
        &req_for(&snap, QueueOp::Expire, &["E1", "E2", "E3"]),
        0,
    );
    let w = p.warnings.join("\n");
    assert!(
        w.contains("1 NDR (null sender): expiring a bounce discards it"),
        "{w}"
    );
    assert!(w.contains("2 with a sender: each gets a bounce"), "{w}");
    assert!(w.contains("1 on hold stay held"), "{w}");
    let p = preview(&snap, &req_for(&snap, QueueOp::ExpireRelease, &["E3"]), 0);
    assert!(!p.warnings.join("\n").contains("on hold"));
    // In memory (the demo, --from-file) expire marks, -f also releases.
    let done = q
        .apply(
            QueueOp::ExpireRelease,
            &[Target {
                queue_id: QueueId::new("E3"),
                queue: QueueName::Hold,
            }],
        )
        .expect("apply");
    assert_eq!(done.done.len(), 1);
    let m = q
        .list()
        .expect("list")
        .messages
        .into_iter()
        .find(|m| m.queue_id.as_str() == "E3");
    let m = m.expect("still queued");
    assert!(m.forced_expire);
    assert_eq!(m.queue, QueueName::Deferred);
}
mod one_listing;
