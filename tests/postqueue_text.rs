//! The `postqueue -p` fallback (Postfix < 3.1) on fixtures in `tests/fixtures/postqueue-p/`.

use std::path::Path;

use mailq_tui::model::{QueueName, Snapshot};
use mailq_tui::postfix::parse::text::parse_text;
use mailq_tui::postfix::parse::{SnapshotBuilder, parse_stream};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/postqueue-p")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str, now: i64) -> Snapshot {
    parse_text(
        &fixture(name)[..],
        SnapshotBuilder::new("MAILER-DAEMON"),
        now,
        0,
    )
    .expect("read")
}

/// 2015-01-06 00:00:00 UTC, a Tuesday.
const JAN_2015: i64 = 1_420_502_400;
/// 2026-11-28 03:30:00 UTC, a few minutes after the 3.7 capture was taken.
const NOV_2026: i64 = 1_795_836_600;

#[test]
fn empty_queue() {
    let snap = parse("empty.txt", NOV_2026);
    assert!(snap.is_empty());
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
}

/// A real Postfix 3.7.11 capture with `!`, `#` and `!#` marks, short and flush-left
/// reasons, compared field by field with `postqueue -j` of the same queue.
#[test]
fn postfix_37_matches_its_json() {
    let text = parse("postfix-3.7-marks.txt", NOV_2026);
    let json =
        parse_stream(&fixture("postfix-3.7-marks.jsonl")[..], "MAILER-DAEMON").expect("read");
    assert!(text.problems.is_empty(), "{:?}", text.problems);
    assert_eq!(text.len(), 6);
    assert_eq!(text.len(), json.len());
    for (t, j) in text.messages.iter().zip(&json.messages) {
        assert_eq!(t.queue_id, j.queue_id);
        assert_eq!(t.queue, j.queue, "{}", t.queue_id);
        assert_eq!(t.forced_expire, j.forced_expire, "{}", t.queue_id);
        assert_eq!(t.arrival_time, j.arrival_time, "{}", t.queue_id);
        assert_eq!(t.sender, j.sender);
        // postqueue -p prints the queue file size, -j the message size: they differ.
        assert!(t.size > 0);
        assert_eq!(t.recipients, j.recipients, "{}", t.queue_id);
    }
}

#[test]
fn postfix_210_layout() {
    let snap = parse("postfix-2.10.txt", JAN_2015);
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    assert_eq!(snap.len(), 4);
    let m = &snap.messages;

    assert_eq!(m[0].queue_id.as_str(), "3F2B81C0A1");
    assert_eq!(m[0].queue, QueueName::Active);
    assert_eq!(m[0].size, 1234);
    assert!(m[0].null_sender);
    // Mon Jan 5 10:00:00 2015 UTC.
    assert_eq!(m[0].arrival_time, JAN_2015 - 86_400 + 10 * 3600);
    assert_eq!(m[0].recipients[0].delay_reason, None);

    // Mark and size glued together by the old "%-10s%c%8ld" format.
    assert_eq!(m[1].queue_id.as_str(), "6F57A4A0B2");
    assert_eq!(m[1].queue, QueueName::Hold);
    assert_eq!(m[1].size, 12_345_678);
    assert_eq!(
        m[1].recipients[0].delay_reason.as_deref(),
        Some(
            "host mx.example.net[192.0.2.1] said: 451 4.7.1 Greylisted, please try again later (in reply to RCPT TO command)"
        )
    );

    // No mark: deferred; a quoted sender with a space; one reason for two recipients.
    assert_eq!(m[2].queue, QueueName::Deferred);
    assert_eq!(&*m[2].sender, "\"john doe\"@example.org");
    assert!(!m[2].null_sender);
    assert_eq!(m[2].recipients.len(), 2);
    assert_eq!(
        m[2].recipients[0].delay_reason,
        m[2].recipients[1].delay_reason
    );
    assert!(m[2].recipients[1].delay_reason.is_some());

    // Dec 31 seen on Jan 6: last year.
    assert_eq!(m[3].arrival_time, JAN_2015 - 5 * 86_400 - 60);
}

#[test]
fn long_ids_and_combined_marks() {
    let snap = parse("long-ids.txt", NOV_2026);
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    assert_eq!(snap.len(), 2);
    let m = &snap.messages[1];
    assert_eq!(m.queue_id.as_str(), "4dZxyF3Kq2zRrbn");
    assert_eq!(m.queue, QueueName::Active);
    assert!(m.forced_expire);
    assert_eq!(m.recipients.len(), 3);
    assert_eq!(m.recipients[0].delay_reason, m.recipients[1].delay_reason);
    assert_eq!(
        m.recipients[2].delay_reason.as_deref(),
        Some("delivery temporarily suspended: host mx.example.org[192.0.2.7] said: 421 busy")
    );
}

#[test]
fn garbage_becomes_problems_not_errors() {
    let snap = parse("garbage.txt", NOV_2026);
    assert_eq!(snap.len(), 1);
    assert_eq!(snap.messages[0].queue_id.as_str(), "ABCDEF1234");
    // Four bad entry lines plus the footer count that does not match.
    assert_eq!(snap.problems.len(), 5, "{:?}", snap.problems);
    assert!(
        snap.problems
            .iter()
            .any(|p| p.error.contains("footer says 4"))
    );
    assert!(
        snap.problems
            .iter()
            .all(|p| p.line > 0 || p.error.contains("footer"))
    );
}
