//! Big and odd queues through the real parsers, the replay queue and the adapter: a message
//! with 10,000 recipients, 64 KB delay reasons, an empty queue, a queue that changes while it
//! is listed, and (ignored by default: run it in release) a million messages.

use std::io::{BufReader, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use mailq_tui::model::text::{is_unsafe_char, snippet};
use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::ops::{self, ExecOptions, Request};
use mailq_tui::postfix::parse::text::parse_text;
use mailq_tui::postfix::parse::{SnapshotBuilder, parse_stream};
use mailq_tui::postfix::replay::ReplayQueue;
use mailq_tui::postfix::{MailQueue, QueueOp, ReadParts, Target};
use mailq_tui::postfix::{discover::Bins, local::Postfix};
use mailq_tui::synth::{StormSpec, write_jsonl};

fn json_line(id: &str, queue: &str, t: i64, sender: &str, rcpts: &[(String, String)]) -> String {
    let r: Vec<String> = rcpts
        .iter()
        .map(|(a, reason)| {
            format!(
                r#"{{"address":{},"delay_reason":{}}}"#,
                serde_json::to_string(a).expect("json"),
                serde_json::to_string(reason).expect("json")
            )
        })
        .collect();
    format!(
        r#"{{"queue_name":"{queue}","queue_id":"{id}","arrival_time":{t},"message_size":4321,"sender":{},"recipients":[{}]}}"#,
        serde_json::to_string(sender).expect("json"),
        r.join(",")
    ) + "\n"
}

fn stub_postfix(dir: &Path) -> Postfix {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faults");
    Postfix::with_bins(
        Some(dir.to_owned()),
        Bins {
            postqueue: bin.join("postqueue"),
            postsuper: bin.join("postsuper"),
            postcat: bin.join("postcat"),
        },
        "MAILER-DAEMON",
    )
    .assume_root(true)
}

#[test]
fn a_message_with_ten_thousand_recipients() {
    let rcpts: Vec<(String, String)> = (0..10_000)
        .map(|i| {
            (
                format!("user{i}@victim-{}.example", i % 7),
                format!("host mx{}.example said: 450 try later", i % 3),
            )
        })
        .collect();
    let mut text = json_line(
        "BIG10K01",
        "deferred",
        1_700_000_000,
        "MAILER-DAEMON",
        &rcpts,
    );
    text += &json_line(
        "SMALL001",
        "hold",
        1_700_000_001,
        "a@b.example",
        &rcpts[..1],
    );
    let snap = parse_stream(text.as_bytes(), "MAILER-DAEMON").expect("parse");
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    assert_eq!(snap.len(), 2);
    assert_eq!(snap.messages[0].recipients.len(), 10_000);
    assert_eq!(snap.total_recipients(), 10_001);
    assert_eq!(snap.count(&QueueName::Deferred).recipients, 10_000);
    // The three distinct reasons are shared, not copied 10,000 times.
    let first = snap.messages[0].recipients[0]
        .delay_reason
        .clone()
        .expect("reason");
    let same = snap.messages[0].recipients[3]
        .delay_reason
        .clone()
        .expect("reason");
    assert!(Arc::ptr_eq(&first, &same));

    // Through the adapter (streamed from a child) and then acted on in the replay queue.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("json"), &text).expect("write");
    let listed = stub_postfix(dir.path()).list().expect("list");
    assert_eq!(listed.messages, snap.messages);
    let q = ReplayQueue::new("t", snap.messages, Vec::new(), true);
    let report = q
        .apply(
            QueueOp::Hold,
            &[Target {
                queue_id: QueueId::new("BIG10K01"),
                queue: QueueName::Deferred,
            }],
        )
        .expect("hold");
    assert_eq!(report.done, vec![QueueId::new("BIG10K01")]);
    assert_eq!(
        q.list().expect("list").count(&QueueName::Hold).recipients,
        10_001
    );
}

#[test]
fn ten_thousand_recipients_in_postqueue_p_text() {
    let mut text =
        String::from("-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
    text += "4C27898C08F     507 Sat Nov 28 03:23:33  MAILER-DAEMON\n";
    for i in 0..10_000 {
        if i % 1000 == 0 {
            text += &format!("                   (reason {})\n", i / 1000);
        }
        text += &format!("                                         r{i}@victim.example\n");
    }
    text += "\n-- 1 Kbytes in 1 Request.\n";
    let snap = parse_text(
        text.as_bytes(),
        SnapshotBuilder::new("MAILER-DAEMON"),
        1_764_300_000,
        0,
    )
    .expect("parse");
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    let rcpts = &snap.messages[0].recipients;
    assert_eq!(rcpts.len(), 10_000);
    assert_eq!(rcpts[9_999].delay_reason.as_deref(), Some("reason 9"));
}

/// 64 KB of hostile text per reason: parsed whole, kept whole (the detail view may need it),
/// shown only through bounded, sanitized snippets.
#[test]
fn sixty_four_kilobyte_reasons() {
    let unit = "550 5.7.1 \u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{202e}rejected\u{9b}31m ";
    let reason: String = unit.repeat(64 * 1024 / unit.len() + 1);
    assert!(reason.len() >= 64 * 1024);
    let rcpts: Vec<(String, String)> = (0..10)
        .map(|i| (format!("u{i}@x.example"), reason.clone()))
        .collect();
    let text: String = (0..10)
        .map(|i| {
            json_line(
                &format!("R{i:08X}"),
                "deferred",
                1_700_000_000,
                "MAILER-DAEMON",
                &rcpts,
            )
        })
        .collect();
    assert!(text.len() > 10 * 10 * 64 * 1024);
    let snap = parse_stream(text.as_bytes(), "MAILER-DAEMON").expect("parse");
    assert!(snap.problems.is_empty());
    assert_eq!(snap.len(), 10);
    let kept = snap.messages[9].recipients[9]
        .delay_reason
        .clone()
        .expect("reason");
    assert_eq!(&*kept, reason.as_str());
    // One copy for all 100 recipients.
    assert!(Arc::ptr_eq(
        &kept,
        snap.messages[0].recipients[0]
            .delay_reason
            .as_ref()
            .expect("reason")
    ));
    let shown = snippet(&kept, 120);
    assert!(shown.chars().count() <= 121);
    assert!(!shown.chars().any(is_unsafe_char), "{shown:?}");

    // A 64 KB garbage line is a problem with a short snippet, not a 64 KB message.
    let garbage = format!("{{\"queue_id\": \"{}\n", "\u{1b}[2J".repeat(20_000));
    let snap = parse_stream(garbage.as_bytes(), "MAILER-DAEMON").expect("parse");
    assert_eq!(snap.problems.len(), 1);
    assert!(snap.problems[0].snippet.chars().count() <= 81);
    assert!(snap.problems[0].error.chars().count() <= 161);
}

#[test]
fn the_empty_queue_everywhere() {
    // postqueue -j prints nothing at all for an empty queue.
    let snap = parse_stream(&b""[..], "MAILER-DAEMON").expect("parse");
    assert!(snap.is_empty() && snap.problems.is_empty());
    assert_eq!(snap.total_size(), 0);
    let snap = parse_text(
        &b"Mail queue is empty\n"[..],
        SnapshotBuilder::new("MAILER-DAEMON"),
        1_764_300_000,
        0,
    )
    .expect("parse");
    assert!(snap.is_empty() && snap.problems.is_empty());

    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("json"), "").expect("write");
    let pf = stub_postfix(dir.path());
    assert!(pf.list().expect("list").is_empty());
    let report = pf.read(&[], ReadParts { body: true }).expect("read");
    assert!(report.files.is_empty() && report.errors.is_empty());
    let report = pf.apply(QueueOp::Delete, &[]).expect("apply");
    assert!(report.done.is_empty() && report.errors.is_empty());
    // Nothing ran for an empty request.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("argv")).expect("argv"),
        "postqueue -j\n"
    );

    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let q = ReplayQueue::from_file(&empty, "MAILER-DAEMON").expect("open");
    assert!(q.list().expect("list").is_empty());
    let snap = q.list().expect("list");
    let req = Request::from_indices(&snap, &[], QueueOp::Delete, "");
    let out = ops::execute(
        &q,
        &req,
        &ExecOptions {
            batch_size: 10,
            audit_log: None,
            export_dir: None,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("nothing to do is fine");
    assert_eq!(out.requested, 0);
    assert!(out.complete());
}

/// The queue changes while `postqueue -j` walks it: a message is listed twice (it moved
/// from `deferred` to `active` between two directory scans), and between the listing the
/// user saw and the action, one message left and one ID was reused.
#[test]
fn a_queue_that_changes_while_it_is_listed() {
    let r = |a: &str| vec![(a.to_owned(), "timed out".to_owned())];
    let seen = [
        json_line(
            "AAAA01",
            "deferred",
            100,
            "MAILER-DAEMON",
            &r("a@x.example"),
        ),
        json_line(
            "BBBB02",
            "deferred",
            200,
            "MAILER-DAEMON",
            &r("b@x.example"),
        ),
        json_line(
            "CCCC03",
            "deferred",
            300,
            "MAILER-DAEMON",
            &r("c@x.example"),
        ),
        json_line("AAAA01", "active", 100, "MAILER-DAEMON", &r("a@x.example")),
    ]
    .concat();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("json"), &seen).expect("write");
    let pf = stub_postfix(dir.path());
    let snap = pf.list().expect("list");
    assert_eq!(snap.len(), 3);
    assert_eq!(snap.duplicates, 1);
    // The later sighting wins: it is more recent.
    assert_eq!(snap.messages[0].queue, QueueName::Active);
    assert_eq!(snap.count(&QueueName::Deferred).messages, 2);

    // Select the two deferred messages; then BBBB02 vanishes and CCCC03's ID is reused.
    let req = Request::from_indices(&snap, &[1, 2], QueueOp::Delete, "test");
    let now = [
        json_line("AAAA01", "active", 100, "MAILER-DAEMON", &r("a@x.example")),
        json_line(
            "CCCC03",
            "deferred",
            999,
            "spammer@forged.example",
            &r("z@y.example"),
        ),
    ]
    .concat();
    std::fs::write(dir.path().join("json"), now).expect("write");
    let out = ops::execute(
        &pf,
        &req,
        &ExecOptions {
            batch_size: 10,
            audit_log: None,
            export_dir: None,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("execute");
    assert!(out.done.is_empty());
    assert_eq!(out.gone, vec![QueueId::new("BBBB02")]);
    assert_eq!(out.changed, vec![QueueId::new("CCCC03")]);
    // postsuper was never asked to touch the reused ID.
    assert!(!dir.path().join("stdin").exists());
}

/// Feed `write_jsonl` through an OS pipe into `parse_stream`, as the adapter does with
/// postqueue: nothing is held twice in memory.
fn stream_synth(messages: usize) -> mailq_tui::model::Snapshot {
    let (reader, mut writer) = std::io::pipe().expect("pipe");
    let spec = StormSpec::new(messages);
    let producer = std::thread::spawn(move || {
        write_jsonl(&spec, &mut writer).expect("write");
        writer.flush().expect("flush");
    });
    let snap =
        parse_stream(BufReader::with_capacity(1 << 16, reader), "MAILER-DAEMON").expect("parse");
    producer.join().expect("producer");
    snap
}

#[test]
fn twenty_thousand_synthetic_messages_stream_exactly() {
    let snap = stream_synth(20_000);
    assert_eq!(snap.len(), 20_000);
    assert!(snap.problems.is_empty());
    assert_eq!(snap.duplicates, 0);
}

/// One million messages from the generator, streamed, parsed, replayed and half deleted.
/// Ignored in the default run (too slow for a debug build); run it in release:
/// `cargo test --release --test big_queues -- --ignored --nocapture`.
#[test]
#[ignore = "1M messages: run in release (cargo test --release --test big_queues -- --ignored)"]
fn a_million_messages() {
    let t = Instant::now();
    let snap = stream_synth(1_000_000);
    let parsed = t.elapsed();
    assert_eq!(snap.len(), 1_000_000);
    assert!(snap.problems.is_empty());
    let q = ReplayQueue::new("1M", snap.messages, Vec::new(), true);
    let t = Instant::now();
    let listed = q.list().expect("list");
    let list_took = t.elapsed();
    let targets: Vec<Target> = listed
        .messages
        .iter()
        .step_by(2)
        .map(|m| Target {
            queue_id: m.queue_id.clone(),
            queue: m.queue.clone(),
        })
        .collect();
    let t = Instant::now();
    let report = q.apply(QueueOp::Delete, &targets).expect("apply");
    let apply_took = t.elapsed();
    assert_eq!(report.done.len(), 500_000);
    let t = Instant::now();
    let ids: Vec<QueueId> = listed
        .messages
        .iter()
        .take(100_000)
        .map(|m| m.queue_id.clone())
        .collect();
    let read = q.read(&ids, ReadParts { body: false }).expect("read");
    let read_took = t.elapsed();
    assert_eq!(read.files.len() + read.vanished.len(), 100_000);
    assert_eq!(q.list().expect("list").len(), 500_000);
    eprintln!(
        "1M: stream+parse {parsed:?}, replay list {list_took:?}, delete 500k {apply_took:?}, read 100k {read_took:?}"
    );
}

mod replay_model {
    //! The replay queue's indexed `apply` against the plain linear search it replaced.

    use super::*;
    use mailq_tui::model::Message;
    use proptest::prelude::*;

    fn queue(i: u8) -> QueueName {
        [QueueName::Deferred, QueueName::Hold, QueueName::Active][usize::from(i % 3)].clone()
    }

    /// The reference: for each target, the first message with that ID and queue.
    fn reference(
        messages: &mut Vec<Message>,
        op: QueueOp,
        targets: &[Target],
    ) -> (Vec<QueueId>, Vec<QueueId>) {
        let (mut done, mut gone) = (Vec::new(), Vec::new());
        for t in targets {
            let Some(pos) = messages
                .iter()
                .position(|m| m.queue_id == t.queue_id && m.queue == t.queue)
            else {
                gone.push(t.queue_id.clone());
                continue;
            };
            if op == QueueOp::Release && messages[pos].queue != QueueName::Hold {
                continue;
            }
            match op.result_queue(&t.queue) {
                None => {
                    messages.remove(pos);
                }
                Some(q) => messages[pos].queue = q,
            }
            done.push(t.queue_id.clone());
        }
        (done, gone)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn indexed_apply_matches_linear_search(
            msgs in proptest::collection::vec((0u8..6, any::<u8>()), 0..30),
            ops in proptest::collection::vec((0usize..4, proptest::collection::vec((0u8..7, any::<u8>()), 0..12)), 1..4),
        ) {
            // Few distinct IDs, so duplicates and repeats are common.
            let messages: Vec<Message> = msgs
                .iter()
                .enumerate()
                .map(|(i, (id, q))| Message {
                    queue_id: QueueId::new(&format!("ID{id}")),
                    queue: queue(*q),
                    arrival_time: i64::try_from(i).expect("small"),
                    size: 1,
                    sender: Arc::from("s@x.example"),
                    null_sender: false,
                    forced_expire: false,
                    next_retry: None,
                    recipients: Vec::new(),
                })
                .collect();
            let q = ReplayQueue::new("model", messages.clone(), Vec::new(), true);
            let mut model = messages;
            for (op, targets) in ops {
                let op = QueueOp::ALL[op];
                let targets: Vec<Target> = targets
                    .iter()
                    .map(|(id, qn)| Target { queue_id: QueueId::new(&format!("ID{id}")), queue: queue(*qn) })
                    .collect();
                let report = q.apply(op, &targets).expect("apply");
                let (done, gone) = reference(&mut model, op, &targets);
                prop_assert_eq!(report.done, done);
                prop_assert_eq!(report.gone, gone);
                prop_assert_eq!(&q.list().expect("list").messages, &model);
            }
        }
    }
}
