//! `login-new:` and `summary --by login-new` end to end: a captured queue whose queue IDs
//! the lab's mail log names (no Postfix needed).

use std::path::PathBuf;
use std::process::{Command, Output};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(args)
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("MAILQ_TUI_CONFIG")
        .env_remove("MAILQ_TUI_NOW")
        .output()
        .expect("run")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ids(o: &Output) -> Vec<String> {
    let mut v: Vec<String> = stdout(o).lines().map(str::to_owned).collect();
    v.sort();
    v
}

/// alice from 127.0.0.2 and from 127.0.0.3, bob from 127.0.0.4, carol from the botnet,
/// and one message the log knows nothing about.
const ALICE_2: &str = "8A16799018A";
const ALICE_3: &str = "8E9C699018D";
const BOB_4: &str = "93C9199018E";
const CAROL: &str = "A448399018A";
const UNLOGGED: &str = "F00F00F00F0";

fn write(dir: &str, name: &str, text: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.to_string_lossy().into_owned()
}

fn queue(dir: &str) -> String {
    let lines: Vec<String> = [ALICE_2, ALICE_3, BOB_4, CAROL, UNLOGGED]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"queue_name":"deferred","queue_id":"{id}","arrival_time":{},"message_size":1000,"sender":"s{i}@lab.test","recipients":[{{"address":"r@victim.example","delay_reason":"connect to mx.victim.example[192.0.2.1]:25: Connection timed out"}}]}}"#,
                1_796_000_000 + i
            )
        })
        .collect();
    write(dir, "queue.jsonl", &(lines.join("\n") + "\n"))
}

#[test]
fn lab_log_everything_new_in_a_window_that_holds_the_whole_log() {
    let q = queue("login_new_lab");
    let log = fixture("maillog/lab-postlogd.log");
    let base = ["--from-file", &q];
    let o = run(&[
        &base[..],
        &[
            "ids",
            "--log",
            &log,
            "--since",
            "2026-01-01",
            "login-new:yes",
        ],
    ]
    .concat());
    assert_eq!(ids(&o), vec![ALICE_2, ALICE_3, BOB_4, CAROL]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("names the SASL login of 4 of 5 queued messages"),
        "{err}"
    );
    let o = run(&[
        &base[..],
        &[
            "ids",
            "--log",
            &log,
            "--since",
            "2026-01-01",
            "login-new:no",
        ],
    ]
    .concat());
    assert!(ids(&o).is_empty());
    // The unlogged message matches neither, negated or not.
    let o = run(&[
        &base[..],
        &[
            "ids",
            "--log",
            &log,
            "--since",
            "2026-01-01",
            "!login-new:yes",
        ],
    ]
    .concat());
    assert!(ids(&o).is_empty());
    let o = run(&[
        &base[..],
        &[
            "ids",
            "--log",
            &log,
            "--since",
            "2026-01-01",
            "login-new:yes",
            "rcpt:@victim.example",
            "!sender:s3@",
        ],
    ]
    .concat());
    assert_eq!(ids(&o), vec![ALICE_2, ALICE_3, BOB_4]);
}

#[test]
fn an_address_seen_before_the_window_is_known_and_addresses_are_per_account() {
    let q = queue("login_new_adv");
    let lab = std::fs::read_to_string(fixture("maillog/lab-postlogd.log")).expect("fixture");
    // Before the window: alice from 127.0.0.2 (so it is known), bob from 127.0.0.3 (which
    // stays new for alice: addresses are per account).
    let before = "Nov 20 10:00:00 mx postfix/smtpd[100]: 1A2B3C4D5E6: client=unknown[127.0.0.2], sasl_method=PLAIN, sasl_username=alice@lab.test\n\
                  Nov 20 10:00:01 mx postfix/smtpd[100]: 1A2B3C4D5E7: client=unknown[127.0.0.3], sasl_method=PLAIN, sasl_username=bob@lab.test\n";
    let log = write("login_new_adv", "mail.log", &format!("{before}{lab}"));
    let base = ["--from-file", &q];
    let since = ["--log", &log, "--since", "2026-11-25"];
    let o = run(&[&base[..], &["ids"], &since[..], &["login-new:no"]].concat());
    assert_eq!(ids(&o), vec![ALICE_2]);
    let o = run(&[&base[..], &["ids"], &since[..], &["login-new:yes"]].concat());
    assert_eq!(ids(&o), vec![ALICE_3, BOB_4, CAROL]);

    let o = run(&[&base[..], &["summary", "--by", "login-new"], &since[..]].concat());
    let text = stdout(&o);
    for (label, n) in [
        ("new address", 3),
        ("known address", 1),
        ("(no log facts)", 1),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains(label) && l.split_whitespace().any(|w| w == n.to_string())),
            "{label} {n}:\n{text}"
        );
    }
    let o = run(&[
        &base[..],
        &["summary", "--json", "--by", "queue,login-new"],
        &since[..],
    ]
    .concat());
    let text = stdout(&o);
    assert!(
        text.contains("\"new address\"") && text.contains("\"known address\""),
        "{text}"
    );

    // A bulk action selects the same messages (dry run: the capture is read-only anyway).
    let o = run(&[
        &base[..],
        &["hold", "--dry-run"],
        &since[..],
        &["login-new:no"],
    ]
    .concat());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 message"), "{err}");
}

#[test]
fn the_log_is_read_only_when_asked_and_its_absence_is_an_error() {
    let q = queue("login_new_err");
    // No log field asked: a missing log is never read.
    let o = run(&[
        "--from-file",
        &q,
        "ids",
        "--log",
        "/nonexistent/mail.log",
        "null",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A capture has no log of its own.
    let o = run(&["--from-file", &q, "ids", "login-new:yes"]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("login-new needs the mail log") && err.contains("--log PATH"),
        "{err}"
    );
    let o = run(&["--from-file", &q, "summary", "--by", "login-new"]);
    assert!(!o.status.success());
    let o = run(&[
        "--from-file",
        &q,
        "ids",
        "--log",
        "/nonexistent/mail.log",
        "login-new:yes",
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("/nonexistent/mail.log"), "{err}");
    let o = run(&["--from-file", &q, "ids", "login-new:perhaps"]);
    assert_eq!(o.status.code(), Some(2));
}
