//! Faults: the real adapter and the safe-action protocol against Postfix programs that are
//! missing, not executable, failing, hanging, printing garbage or dying half-way, and against
//! a full disk. Stub scripts live in `tests/fixtures/faults/` and take the scratch directory
//! as `-c DIR`, like the adapter stubs in `tests/fixtures/bin/`.

mod common;

use common::stub::{Stub, fixtures};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use mailq_tui::model::text::is_unsafe_char;
use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::ops::{self, ExecOptions, Request, audit};
use mailq_tui::postfix::local::Postfix;
use mailq_tui::postfix::replay::ReplayQueue;
use mailq_tui::postfix::{MailQueue, PostfixError, QueueOp, ReadParts, Target};

/// One `postqueue -j` line per ID, all deferred, all from the null sender.
fn listing(ids: &[String]) -> String {
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"queue_name":"deferred","queue_id":"{id}","arrival_time":{},"message_size":1200,"sender":"MAILER-DAEMON","recipients":[{{"address":"x{i}@victim.example","delay_reason":"connect to mx.victim.example[192.0.2.1]:25: Connection timed out"}}]}}"#,
                1_700_000_000 + i
            ) + "\n"
        })
        .collect()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("F{i:09X}")).collect()
}

fn qids(v: &[String]) -> Vec<QueueId> {
    v.iter().map(|s| QueueId::new(s)).collect()
}

fn targets(v: &[String]) -> Vec<Target> {
    v.iter()
        .map(|id| Target {
            queue_id: QueueId::new(id),
            queue: QueueName::Deferred,
        })
        .collect()
}

// --- postqueue -------------------------------------------------------------------------------

#[test]
fn postqueue_missing_is_not_found_with_a_hint() {
    let stub = Stub::new("faults");
    let mut bins = stub.bins();
    bins.postqueue = stub.path("no-such-postqueue");
    let err = Postfix::with_bins(None, bins, "MAILER-DAEMON")
        .list()
        .expect_err("missing");
    assert!(matches!(err, PostfixError::NotFound(ref p) if p == "postqueue"));
    assert!(err.to_string().contains("is Postfix installed?"), "{err}");
}

#[test]
fn postqueue_not_executable_is_permission_denied() {
    let stub = Stub::new("faults");
    let copy = stub.path("postqueue");
    std::fs::copy(fixtures().join("faults/postqueue"), &copy).expect("copy");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut bins = stub.bins();
    bins.postqueue = copy;
    let err = Postfix::with_bins(Some(stub.dir.path().to_owned()), bins, "MAILER-DAEMON")
        .list()
        .expect_err("not executable");
    assert!(
        matches!(err, PostfixError::PermissionDenied { ref program, .. } if program == "postqueue"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("postqueue: permission denied"));
}

#[test]
fn postqueue_exiting_non_zero_is_an_error_with_sanitized_stderr() {
    let stub = Stub::new("faults");
    stub.write(
        "exit",
        "75 postqueue: fatal: \u{1b}]0;pwned\u{7}\u{1b}[31mqueue scan failed\u{9b}2J\n",
    );
    let err = stub.postfix().list().expect_err("exit 75");
    match &err {
        PostfixError::Exit { code, stderr, .. } => {
            assert_eq!(*code, 75);
            assert!(stderr.contains("queue scan failed"), "{stderr}");
        }
        other => panic!("expected Exit, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(!shown.chars().any(is_unsafe_char), "{shown:?}");
}

/// Postfix stopped: a normal user gets exit 69 (`mail system is down`); root reads the queue
/// files directly and gets a listing (the plain stub path, covered in tests/adapter.rs).
#[test]
fn postqueue_with_postfix_stopped_as_non_root() {
    let stub = Stub::new("faults");
    stub.write(
        "exit",
        "69 postqueue: fatal: Queue report unavailable - mail system is down\n",
    );
    let err = stub.postfix().assume_root(false).list().expect_err("down");
    assert!(
        matches!(err, PostfixError::MailSystemDown(ref m) if m.contains("mail system is down")),
        "{err:?}"
    );
    // The trailing newline is trimmed before sanitising, not shown as a literal `\n`.
    assert_eq!(
        err.to_string(),
        "the mail system is down: Queue report unavailable - mail system is down"
    );
}

/// Root with Postfix stopped: postqueue warns and reads the queue directly (exit 0).
#[test]
fn postqueue_with_postfix_stopped_as_root_still_lists() {
    let stub = Stub::new("faults");
    stub.write(
        "stderr",
        "postqueue: warning: Mail system is down -- accessing queue directly\n",
    );
    stub.write("json", listing(&ids(2)));
    let snap = stub.postfix().list().expect("root lists a stopped Postfix");
    assert_eq!(snap.len(), 2);
    assert!(snap.problems.is_empty());
}

#[test]
fn a_hanging_postqueue_times_out_clearly_and_a_retry_succeeds() {
    let stub = Stub::new("faults");
    stub.write("hang-once", "");
    stub.write("json", listing(&ids(3)));
    let pf = stub.postfix().with_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let err = pf.list().expect_err("first run hangs");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        matches!(err, PostfixError::Timeout { ref program, secs: 1 } if program == "postqueue"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "postqueue did not answer within 1 s (killed); try again with r"
    );
    let snap = pf.list().expect("the retry answers");
    assert_eq!(snap.len(), 3);
    assert_eq!(stub.read("argv"), "postqueue -j\npostqueue -j\n");
}

#[test]
fn a_sub_second_timeout_is_not_shown_as_zero_seconds() {
    let stub = Stub::new("faults");
    stub.write("hang-once", "");
    let err = stub
        .postfix()
        .with_timeout(Duration::from_millis(300))
        .list()
        .expect_err("hangs");
    assert!(err.to_string().contains("within 1 s"), "{err}");
}

#[test]
fn postqueue_printing_garbage_gives_problems_not_a_crash() {
    let stub = Stub::new("faults");
    let mut junk: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    junk.extend_from_slice(b"\n\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\xc3\x28\xff\xfe\0\n");
    junk.extend_from_slice(&[b'{'; 100_000]);
    junk.extend_from_slice(b"\n\xe2\x80\xae{\"queue_id\": \"x\"}\n");
    stub.write("garbage", &junk);
    let snap = stub.postfix().list().expect("garbage is not an error");
    assert!(snap.is_empty());
    assert!(!snap.problems.is_empty());
    for p in &snap.problems {
        assert!(!p.snippet.chars().any(is_unsafe_char), "{:?}", p.snippet);
        assert!(!p.error.chars().any(is_unsafe_char), "{:?}", p.error);
        assert!(p.snippet.chars().count() <= 81, "{}", p.snippet.len());
    }
}

#[test]
fn postqueue_killed_mid_line_is_an_error_not_a_partial_listing() {
    let stub = Stub::new("faults");
    stub.write("json", listing(&ids(5)));
    stub.write("cut", "");
    let err = stub.postfix().list().expect_err("killed");
    // 128 + SIGKILL: the listing is incomplete, so none of it is offered as the queue.
    assert!(
        matches!(err, PostfixError::Exit { code: 137, .. }),
        "{err:?}"
    );
}

// --- postsuper -------------------------------------------------------------------------------

#[test]
fn postsuper_killed_mid_batch_reports_done_and_unconfirmed() {
    let stub = Stub::new("faults");
    let all = ids(10);
    stub.write("die-after", "4\n");
    let report = stub
        .postfix()
        .apply(QueueOp::Delete, &targets(&all))
        .expect("a dead postsuper is a report, not a panic");
    assert_eq!(report.done, qids(&all[..4]));
    // Postfix never said anything about these: they are not "gone", their state is unknown.
    assert!(report.gone.is_empty(), "{:?}", report.gone);
    assert_eq!(report.unconfirmed, qids(&all[4..]));
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("killed by signal 9")),
        "{:?}",
        report.errors
    );
    assert_eq!(stub.read("stdin").lines().count(), 4);
}

#[test]
fn safe_action_protocol_survives_a_postsuper_killed_mid_run() {
    let stub = Stub::new("faults");
    let all = ids(10);
    stub.write("json", listing(&all));
    // Each postsuper process dies after confirming 3 IDs; batches are 4 IDs.
    stub.write("die-after", "3\n");
    let pf = stub.postfix();
    let snap = pf.list().expect("list");
    let indices: Vec<u32> = (0..10).collect();
    let req = Request::from_indices(&snap, &indices, QueueOp::Hold, "sender:MAILER-DAEMON");
    let opts = ExecOptions {
        batch_size: 4,
        audit_log: Some(stub.path("audit.jsonl")),
        export_dir: None,
    };
    let out =
        ops::execute(&pf, &req, &opts, &mut |_| {}, &AtomicBool::new(false)).expect("outcome");
    // Batches 0..4, 4..8, 8..10: three of each of the first two and both of the last.
    let done: Vec<&str> = out.done.iter().map(QueueId::as_str).collect();
    let expect_done: Vec<&str> = [0, 1, 2, 4, 5, 6, 8, 9]
        .iter()
        .map(|&i| all[i].as_str())
        .collect();
    assert_eq!(done, expect_done);
    let failed: Vec<&str> = out.failed.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(failed, [all[3].as_str(), all[7].as_str()]);
    assert!(
        out.failed
            .iter()
            .all(|(_, why)| why.contains("not confirmed"))
    );
    assert!(out.gone.is_empty());
    assert!(!out.complete());
    // Every requested ID is accounted for exactly once.
    assert_eq!(
        out.done.len() + out.failed.len() + out.gone.len() + out.skipped.len(),
        10
    );
    let log = audit::read_recent(&stub.path("audit.jsonl"), 10).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!((entry.done, entry.failed, entry.gone), (8, 2, 0));
}

/// A postsuper that hangs is killed by the watchdog; the IDs it confirmed before are done,
/// the rest of its batch is unconfirmed (none is "gone"), and the other queue's batch still
/// runs and is reported.
#[test]
fn a_hanging_postsuper_is_killed_and_its_batch_is_unconfirmed() {
    let stub = Stub::new("faults");
    stub.write("hang-after", "2\n");
    let all = ids(4);
    let mut t = targets(&all);
    t[3].queue = QueueName::Hold;
    let report = stub
        .postfix()
        .with_timeout(Duration::from_secs(1))
        .apply(QueueOp::Requeue, &t)
        .expect("a hung postsuper is a report");
    // deferred (3 IDs) hangs after 2; hold (1 ID) runs next and finishes.
    let done = [all[0].clone(), all[1].clone(), all[3].clone()];
    assert_eq!(report.done, qids(&done));
    assert!(report.gone.is_empty(), "{:?}", report.gone);
    assert_eq!(report.unconfirmed, qids(&all[2..3]));
    assert!(
        report
            .errors
            .iter()
            .any(|e| e == "postsuper did not answer within 1 s (killed): 1 of 3 IDs not confirmed"),
        "{:?}",
        report.errors
    );
}

// --- postcat ---------------------------------------------------------------------------------

fn postcat_files(stub: &Stub) -> Vec<String> {
    std::fs::create_dir(stub.path("files")).expect("mkdir");
    let names = ["2AA8D98C1FD", "26B2998C1F6", "4C27898C08F"];
    for id in names {
        std::fs::copy(
            fixtures().join(format!("postcat/{id}.txt")),
            stub.path(&format!("files/{id}")),
        )
        .expect("copy");
    }
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn postcat_dying_mid_output_loses_track_of_nothing() {
    let stub = Stub::new("faults");
    let names = postcat_files(&stub);
    stub.write("die-after", "1\n");
    let report = stub
        .postfix()
        .read(&qids(&names), ReadParts { body: true })
        .expect("a dead postcat is a report");
    let got: Vec<&str> = report.files.iter().map(|f| f.queue_id.as_str()).collect();
    assert_eq!(got, [names[0].as_str()]);
    assert!(report.vanished.is_empty());
    // The half-printed file and the one never printed are both named.
    for id in &names[1..] {
        assert!(
            report.errors.iter().any(|e| e.starts_with(id.as_str())),
            "{id} missing from {:?}",
            report.errors
        );
    }
}

// --- disk full -------------------------------------------------------------------------------

fn demo_request(q: &ReplayQueue, op: QueueOp, n: usize) -> Request {
    let snap = q.list().expect("list");
    let indices: Vec<u32> = (0..u32::try_from(n).expect("small")).collect();
    Request::from_indices(&snap, &indices, op, "test")
}

#[test]
fn audit_log_on_a_full_disk_is_a_clear_error_and_the_outcome_is_kept() {
    let q = ReplayQueue::demo();
    let before = q.list().expect("list").len();
    let req = demo_request(&q, QueueOp::Delete, 5);
    let opts = ExecOptions {
        batch_size: 100,
        audit_log: Some(PathBuf::from("/dev/full")),
        export_dir: None,
    };
    let out = ops::execute(&q, &req, &opts, &mut |_| {}, &AtomicBool::new(false))
        .expect("the queue change itself worked");
    assert_eq!(out.done.len(), 5);
    let err = out.audit.expect_err("/dev/full");
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(q.list().expect("list").len(), before - 5);
}

/// Another user planted `ID.txt -> /etc/…` in the evidence directory: the export refuses
/// to follow it (the target is untouched), and without evidence nothing is deleted.
#[test]
fn export_refuses_a_planted_symlink_and_stops_before_acting() {
    use std::os::unix::fs::PermissionsExt as _;
    let q = ReplayQueue::demo();
    let before = q.list().expect("list");
    let req = demo_request(&q, QueueOp::Delete, 3);
    let dir = tempfile::tempdir().expect("tmp");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").expect("write");
    let export = dir.path().join("evidence");
    std::fs::create_dir(&export).expect("mkdir");
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    for s in &req.selection {
        std::os::unix::fs::symlink(&victim, export.join(format!("{}.txt", s.key.queue_id)))
            .expect("symlink");
    }
    let opts = ExecOptions {
        batch_size: 100,
        audit_log: Some(dir.path().join("audit.jsonl")),
        export_dir: Some(export.clone()),
    };
    let err = ops::execute(&q, &req, &opts, &mut |_| {}, &AtomicBool::new(false))
        .expect_err("no evidence, no delete");
    let shown = err.to_string();
    assert!(shown.contains("File exists"), "{shown}");
    assert!(shown.contains(&export.display().to_string()), "{shown}");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "precious\n"
    );
    // Nothing was deleted, and the refusal is in the audit log.
    let after = q.list().expect("list");
    assert_eq!(after.len(), before.len());
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 10).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!(entry.done, 0);
    assert!(
        entry
            .error
            .as_deref()
            .is_some_and(|e| e.contains("File exists")),
        "{entry:?}"
    );
}

/// The command line says so when the audit log cannot be written, and still reports what
/// it did (the queue did change).
#[test]
fn cli_names_a_full_disk_under_the_audit_log() {
    let home = tempfile::tempdir().expect("tmp");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args([
            "requeue",
            "--demo",
            "--yes",
            "--audit-log",
            "/dev/full",
            "MAILER-DAEMON",
        ])
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("warning: audit log NOT written: No space left on device"),
        "{stderr}"
    );
    // `requeue N: N done`: the demo's null-sender messages were all requeued.
    let head = stdout.lines().next().unwrap_or_default();
    let n = head
        .strip_prefix("requeue ")
        .and_then(|r| r.split_once(": "))
        .map(|(n, _)| n.to_owned())
        .unwrap_or_default();
    assert!(
        !n.is_empty() && head == format!("requeue {n}: {n} done"),
        "{stdout}"
    );
    assert!(!stdout.contains("audit: /dev/full"), "{stdout}");
}

/// postsuper missing: a plain `NotFound`, even when some targets were refused as invalid
/// first (nothing ran, so nothing is "unconfirmed").
#[test]
fn postsuper_missing_is_not_found() {
    let stub = Stub::new("faults");
    let mut bins = stub.bins();
    bins.postsuper = stub.path("no-such-postsuper");
    let mut t = targets(&ids(2));
    t.push(Target {
        queue_id: QueueId::new("ALL"),
        queue: QueueName::Deferred,
    });
    let err = Postfix::with_bins(Some(stub.dir.path().to_owned()), bins, "MAILER-DAEMON")
        .assume_root(true)
        .apply(QueueOp::Delete, &t)
        .expect_err("missing");
    assert!(
        matches!(err, PostfixError::NotFound(ref p) if p == "postsuper"),
        "{err:?}"
    );
}

/// A queue whose second `apply` fails outright (say postsuper vanished mid-run).
struct FailsSecondApply {
    inner: ReplayQueue,
    calls: std::sync::atomic::AtomicUsize,
}

impl MailQueue for FailsSecondApply {
    fn list(&self) -> Result<mailq_tui::model::Snapshot, PostfixError> {
        self.inner.list()
    }
    fn apply(
        &self,
        op: QueueOp,
        targets: &[Target],
    ) -> Result<mailq_tui::postfix::OpReport, PostfixError> {
        if self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            return Err(PostfixError::NotFound("postsuper".to_owned()));
        }
        self.inner.apply(op, targets)
    }
    fn read(
        &self,
        ids: &[QueueId],
        parts: ReadParts,
    ) -> Result<mailq_tui::postfix::ReadReport, PostfixError> {
        self.inner.read(ids, parts)
    }
    fn describe(&self) -> String {
        "flaky".to_owned()
    }
    fn read_only_reason(&self) -> Option<String> {
        None
    }
}

/// A later batch failing does not throw away what earlier batches did: the outcome names the
/// done, the failed batch and the skipped rest, and the audit log agrees.
#[test]
fn a_failure_in_a_later_batch_keeps_the_earlier_batches_report() {
    let q = FailsSecondApply {
        inner: ReplayQueue::demo(),
        calls: std::sync::atomic::AtomicUsize::new(0),
    };
    let req = demo_request(&q.inner, QueueOp::Delete, 6);
    let dir = tempfile::tempdir().expect("tmp");
    let opts = ExecOptions {
        batch_size: 2,
        audit_log: Some(dir.path().join("audit.jsonl")),
        export_dir: None,
    };
    let out = ops::execute(&q, &req, &opts, &mut |_| {}, &AtomicBool::new(false))
        .expect("the first batch was done: an outcome, not an error");
    assert_eq!(out.done.len(), 2);
    assert_eq!(out.failed.len(), 2);
    assert!(
        out.failed
            .iter()
            .all(|(_, why)| why.starts_with("not confirmed: "))
    );
    assert_eq!(out.skipped.len(), 2);
    assert_eq!(out.errors.len(), 1);
    assert!(!out.complete());
    let log = audit::read_recent(&dir.path().join("audit.jsonl"), 10).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!((entry.done, entry.failed, entry.skipped), (2, 2, 2));
}

/// A listing with the given queue for each ID (null sender, like [`listing`]).
fn listing_in(ids: &[String], queues: &[&str]) -> String {
    listing(ids)
        .lines()
        .zip(queues)
        .map(|(line, q)| {
            line.replace(
                r#""queue_name":"deferred""#,
                &format!(r#""queue_name":"{q}""#),
            ) + "\n"
        })
        .collect()
}

fn execute_all(stub: &Stub, op: QueueOp, n: usize) -> ops::Outcome {
    let pf = stub.postfix();
    let snap = pf.list().expect("list");
    let indices: Vec<u32> = (0..u32::try_from(n).expect("n")).collect();
    let req = Request::from_indices(&snap, &indices, op, "null");
    let opts = ExecOptions {
        batch_size: 100,
        audit_log: Some(stub.path("audit.jsonl")),
        export_dir: None,
    };
    ops::execute(&pf, &req, &opts, &mut |_| {}, &AtomicBool::new(false))
        .expect("earlier queues were changed: an outcome, not an error")
}

/// postsuper succeeds for `deferred` and is refused for `hold`: the deferred messages were
/// deleted and the report and audit log say so; the held ones are not confirmed.
#[test]
fn a_failure_on_a_later_queue_keeps_what_earlier_queues_did() {
    let stub = Stub::new("faults");
    let all = ids(5);
    stub.write(
        "json",
        listing_in(&all, &["deferred", "deferred", "deferred", "hold", "hold"]),
    );
    stub.write("fail-queue", "hold\n");
    let out = execute_all(&stub, QueueOp::Delete, 5);
    assert_eq!(out.done, qids(&all[..3]));
    let failed: Vec<QueueId> = out.failed.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(failed, qids(&all[3..]));
    assert!(
        out.failed
            .iter()
            .all(|(_, why)| why.contains("not confirmed"))
    );
    assert!(
        out.errors.iter().any(|e| e.contains("Permission denied")),
        "{:?}",
        out.errors
    );
    assert!(!out.complete(), "exit 3, not 0 or 1");
    let log = audit::read_recent(&stub.path("audit.jsonl"), 1).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!((entry.done, entry.failed, entry.skipped), (3, 2, 0));
    assert_eq!(entry.ids_done, qids(&all[..3]));
    assert!(entry.error.is_none(), "{:?}", entry.error);
}

/// A queue in the middle fails: the earlier one is done, the failed one unconfirmed, and
/// the later one is never sent (skipped), with every ID accounted for once.
#[test]
fn queues_after_a_failed_one_are_skipped_not_lost() {
    let stub = Stub::new("faults");
    let all = ids(5);
    stub.write(
        "json",
        listing_in(
            &all,
            &["incoming", "incoming", "deferred", "deferred", "hold"],
        ),
    );
    stub.write("fail-queue", "deferred\n");
    let out = execute_all(&stub, QueueOp::Requeue, 5);
    assert_eq!(out.done, qids(&all[..2]));
    let failed: Vec<QueueId> = out.failed.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(failed, qids(&all[2..4]));
    assert_eq!(out.skipped, qids(&all[4..]));
    // postsuper never ran for hold.
    assert!(!stub.read("argv").contains("hold"), "{}", stub.read("argv"));
    let log = audit::read_recent(&stub.path("audit.jsonl"), 1).expect("audit");
    let entry = log[0].as_ref().expect("entry");
    assert_eq!((entry.done, entry.failed, entry.skipped), (2, 2, 1));
}

/// Refused on the very first queue: nothing changed, so the run is an error (exit 1).
#[test]
fn a_refusal_before_anything_ran_is_an_error() {
    let stub = Stub::new("faults");
    let all = ids(2);
    stub.write("json", listing(&all));
    stub.write("fail-queue", "deferred\n");
    let err = stub
        .postfix()
        .apply(QueueOp::Delete, &targets(&all))
        .expect_err("nothing ran");
    assert!(
        matches!(err, PostfixError::PermissionDenied { .. }),
        "{err}"
    );
}

// --- bounded lines (issue #13, item 9) -------------------------------------------------------

/// One line far over the limit between two good ones: the good messages are listed, the
/// long line is one parse problem naming its length, and it is never held whole. The line
/// is valid JSON padded with spaces, so a parser given only its start would accept it.
#[test]
fn an_overlong_listing_line_is_a_parse_problem_not_a_message() {
    use mailq_tui::postfix::lines::MAX_LINE;
    let stub = Stub::new("faults");
    let all = ids(3);
    let lines = listing(&all);
    let mut it = lines.lines();
    let mut json = format!("{}\n", it.next().expect("line"));
    let long = it.next().expect("line");
    json.push_str(long);
    json.push_str(&" ".repeat(MAX_LINE + 10));
    json.push('\n');
    json.push_str(it.next().expect("line"));
    json.push('\n');
    stub.write("json", &json);
    let snap = stub.postfix().list().expect("list");
    let got: Vec<&str> = snap.messages.iter().map(|m| m.queue_id.as_str()).collect();
    assert_eq!(got, [all[0].as_str(), all[2].as_str()]);
    assert_eq!(snap.problems.len(), 1, "{:?}", snap.problems);
    assert_eq!(snap.problems[0].line, 2);
    assert!(
        snap.problems[0]
            .snippet
            .contains("longer than the 4 MiB limit"),
        "{:?}",
        snap.problems[0]
    );
    // The same file through --from-file.
    let from_file = ReplayQueue::from_file(&stub.path("json"), "MAILER-DAEMON").expect("file");
    let snap = from_file.list().expect("list");
    assert_eq!(snap.len(), 2);
    assert_eq!(snap.problems.len(), 1);
}

/// postcat output with an overlong line: the queue file is still read, with the line
/// replaced by a note; nothing of it is kept.
#[test]
fn an_overlong_postcat_line_is_replaced_not_kept() {
    use mailq_tui::postfix::lines::MAX_LINE;
    let stub = Stub::new("faults");
    let names = postcat_files(&stub);
    let path = stub.path(&format!("files/{}", names[0]));
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str(&"A".repeat(MAX_LINE + 1));
    text.push('\n');
    std::fs::write(&path, text).expect("write");
    let report = stub
        .postfix()
        .read(&qids(&names[..1]), ReadParts { body: true })
        .expect("read");
    assert_eq!(report.files.len(), 1, "{:?}", report.errors);
    let raw = report.files[0].raw_message();
    assert!(raw.len() < MAX_LINE, "{}", raw.len());
}
