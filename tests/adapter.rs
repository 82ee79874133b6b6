//! The real adapter (`postfix::local::Postfix`) driven against stub scripts in
//! `tests/fixtures/bin/`. Each test gets a scratch directory that is passed as `-c DIR`;
//! the stubs read their behaviour from it and record argv and stdin into it.

mod common;

use common::stub::{Stub, fixtures};
use std::time::{Duration, Instant};

use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::postfix::{MailQueue, PostfixError, QueueOp, ReadParts, Target};
use mailq_tui::postfix::{discover::Bins, local::Postfix};

fn target(id: &str, queue: QueueName) -> Target {
    Target {
        queue_id: QueueId::new(id),
        queue,
    }
}

fn ids(v: &[&str]) -> Vec<QueueId> {
    v.iter().map(|s| QueueId::new(s)).collect()
}

#[test]
fn list_streams_json_with_config_dir() {
    let stub = Stub::new("bin");
    stub.write(
        "json",
        std::fs::read(fixtures().join("postqueue-p/postfix-3.7-marks.jsonl")).expect("fixture"),
    );
    let before = mailq_tui::postfix::parse::unix_now();
    let snap = stub.postfix().list().expect("list");
    assert_eq!(snap.len(), 6);
    assert!(snap.problems.is_empty());
    assert!(snap.taken_at >= before);
    assert!(snap.took > Duration::ZERO);
    assert_eq!(stub.read("argv"), "postqueue -j\n");
}

#[test]
fn garbage_gives_parse_problems_not_an_error() {
    let stub = Stub::new("bin");
    stub.write(
        "json",
        "\u{1b}[2Jnot json\n{\"queue_name\":\"deferred\",\"queue_id\":\"AB12\",\"arrival_time\":1,\"sender\":\"x\"}\n{broken\n",
    );
    let snap = stub.postfix().list().expect("list");
    assert_eq!(snap.len(), 1);
    assert_eq!(snap.problems.len(), 2);
    assert!(snap.problems.iter().all(|p| !p.snippet.contains('\u{1b}')));
}

#[test]
fn postqueue_refusing_j_falls_back_to_p() {
    let stub = Stub::new("bin");
    stub.write("no-json", "");
    stub.write(
        "text",
        std::fs::read(fixtures().join("postqueue-p/postfix-3.7-marks.txt")).expect("fixture"),
    );
    let snap = stub.postfix().list().expect("list");
    assert_eq!(snap.len(), 6);
    assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    assert_eq!(snap.count(&QueueName::Hold).messages, 2);
    assert_eq!(stub.read("argv"), "postqueue -j\npostqueue -p\n");
}

#[test]
fn mail_system_down() {
    let stub = Stub::new("bin");
    stub.write("down", "");
    match stub.postfix().list() {
        Err(PostfixError::MailSystemDown(m)) => assert!(m.contains("mail system is down")),
        other => panic!("expected MailSystemDown, got {other:?}"),
    }
}

#[test]
fn a_hanging_postqueue_is_killed() {
    let stub = Stub::new("bin");
    stub.write("hang", "");
    let started = Instant::now();
    let result = stub
        .postfix()
        .with_timeout(Duration::from_millis(300))
        .list();
    assert!(
        matches!(result, Err(PostfixError::Timeout { ref program, .. }) if program == "postqueue"),
        "{result:?}"
    );
    // The stub's `sleep 300` holds stdout open: only killing the group ends the read.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn missing_binary_is_not_found() {
    let stub = Stub::new("bin");
    let pf = Postfix::with_bins(
        None,
        Bins {
            postqueue: stub.path("no-such-postqueue"),
            postsuper: stub.path("no-such-postsuper"),
            postcat: stub.path("no-such-postcat"),
        },
        "MAILER-DAEMON",
    );
    assert!(matches!(pf.list(), Err(PostfixError::NotFound(p)) if p == "postqueue"));
}

#[test]
fn apply_batches_per_queue_and_refuses_invalid_ids() {
    let stub = Stub::new("bin");
    stub.write("gone", "DEADBEEF01\n");
    let targets = [
        target("AB12", QueueName::Deferred),
        target("ALL", QueueName::Deferred),
        target("../etc", QueueName::Deferred),
        target("CD34", QueueName::Hold),
        target("DEADBEEF01", QueueName::Deferred),
        target("AB12", QueueName::Deferred),
        target("EF56", QueueName::Deferred),
    ];
    let report = stub
        .postfix()
        .apply(QueueOp::Delete, &targets)
        .expect("apply");
    // "ALL" is alphanumeric, but it is also postsuper's everything-wildcard: never sent.
    assert_eq!(report.invalid, ids(&["ALL", "../etc"]));
    assert_eq!(report.done, ids(&["AB12", "EF56", "CD34"]));
    assert_eq!(report.gone, ids(&["DEADBEEF01"]));
    assert_eq!(
        report.summary,
        vec!["Deleted: 2 messages", "Deleted: 1 message"]
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // One process per queue, IDs on stdin, restricted to that queue.
    assert_eq!(
        stub.read("argv"),
        "postsuper -d - deferred\npostsuper -d - hold\n"
    );
    assert_eq!(stub.read("stdin"), "AB12\nDEADBEEF01\nEF56\nCD34\n");
}

#[test]
fn apply_maps_ops_to_flags() {
    let stub = Stub::new("bin");
    let pf = stub.postfix();
    for op in QueueOp::ALL {
        let report = pf
            .apply(op, &[target("AB12", QueueName::Hold)])
            .expect("apply");
        assert_eq!(report.done, ids(&["AB12"]));
    }
    assert_eq!(
        stub.read("argv"),
        "postsuper -d - hold\npostsuper -h - hold\npostsuper -H - hold\npostsuper -r - hold\n\
         postsuper -e - hold\npostsuper -f - hold\n"
    );
}

#[test]
fn apply_100k_ids_does_not_deadlock() {
    let stub = Stub::new("bin");
    let targets: Vec<Target> = (0..100_000)
        .map(|i| target(&format!("{i:010X}"), QueueName::Deferred))
        .collect();
    let report = stub
        .postfix()
        .with_timeout(Duration::from_secs(120))
        .apply(QueueOp::Hold, &targets)
        .expect("apply must finish, not deadlock");
    assert_eq!(report.done.len(), 100_000);
    assert!(report.gone.is_empty());
    assert_eq!(report.summary, vec!["Placed on hold: 100000 messages"]);
    assert_eq!(stub.read("stdin").lines().count(), 100_000);
}

#[test]
fn apply_as_non_root_is_refused_before_spawning() {
    let stub = Stub::new("bin");
    let err = stub
        .postfix()
        .assume_root(false)
        .apply(QueueOp::Delete, &[target("AB12", QueueName::Deferred)])
        .expect_err("refused");
    assert!(
        matches!(err, PostfixError::PermissionDenied { .. }),
        "{err:?}"
    );
    assert_eq!(stub.read("argv"), "");
    assert!(
        stub.postfix()
            .assume_root(false)
            .read_only_reason()
            .is_some_and(|r| r.starts_with("not root (uid "))
    );
}

#[test]
fn postsuper_superuser_fatal_is_permission_denied() {
    let stub = Stub::new("bin");
    stub.write("not-root", "");
    let err = stub
        .postfix()
        .apply(QueueOp::Hold, &[target("AB12", QueueName::Deferred)])
        .expect_err("refused");
    assert!(
        matches!(err, PostfixError::PermissionDenied { ref detail, .. } if detail.contains("superuser")),
        "{err:?}"
    );
}

#[test]
fn read_continues_after_a_vanished_id() {
    let stub = Stub::new("bin");
    std::fs::create_dir(stub.path("files")).expect("mkdir");
    for id in ["2AA8D98C1FD", "26B2998C1F6", "4C27898C08F"] {
        std::fs::copy(
            fixtures().join(format!("postcat/{id}.txt")),
            stub.path(&format!("files/{id}")),
        )
        .expect("copy");
    }
    let wanted = ids(&[
        "2AA8D98C1FD",
        "GONE1",
        "26B2998C1F6",
        "GONE2",
        "4C27898C08F",
    ]);
    let report = stub
        .postfix()
        .read(&wanted, ReadParts { body: true })
        .expect("read");
    let got: Vec<&str> = report.files.iter().map(|f| f.queue_id.as_str()).collect();
    assert_eq!(got, ["2AA8D98C1FD", "26B2998C1F6", "4C27898C08F"]);
    assert_eq!(report.vanished, ids(&["GONE1", "GONE2"]));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let f = &report.files[0];
    assert_eq!(f.queue, Some(QueueName::Deferred));
    assert_eq!(f.envelope_record("sender"), Some("spammer2@forged.example"));
    assert_eq!(f.attribute("log_client_address"), Some("127.0.0.1"));
    assert!(
        f.body
            .as_deref()
            .is_some_and(|b| b.starts_with(b"body line"))
    );
    // Three runs: the first stops at GONE1, the second at GONE2.
    let argv = stub.read("argv");
    assert_eq!(argv.lines().count(), 3, "{argv}");
    assert!(argv.starts_with("postcat -q -ebh 2AA8D98C1FD GONE1 26B2998C1F6"));
    assert!(argv.ends_with("postcat -q -ebh 4C27898C08F\n"));
}

#[test]
fn describe_names_the_instance() {
    let stub = Stub::new("bin");
    assert!(stub.postfix().describe().starts_with("postfix -c "));
}
