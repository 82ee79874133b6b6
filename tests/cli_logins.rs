//! `mailq-tui logins` and `storm --log` end to end on log fixtures (no Postfix needed).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(args)
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("MAILQ_TUI_CONFIG")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(data) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(data)
            .expect("write");
    }
    child.wait_with_output().expect("wait")
}

#[test]
fn logins_text_ranks_the_botnet_account_first_and_names_its_addresses() {
    let log = fixture("maillog/lab-postlogd.log");
    let o = run(
        &["logins", "--log", &log, "--since", "2026-01-01T00:00Z"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let first = text
        .lines()
        .find(|l| l.contains("score"))
        .expect("an account");
    assert!(
        first.contains("carol@lab.test") && first.contains("PROBABLY COMPROMISED"),
        "{text}"
    );
    assert!(text.contains("guessed, then got in: 127.0.2.1"), "{text}");
    assert!(text.contains("filter   = postfix[mode=auth]"), "{text}");
    assert!(
        text.contains("header_checks 5.7.1 Spam campaign blocked (lab rule 1)"),
        "{text}"
    );
}

#[test]
fn logins_json_from_gzipped_stdin_with_rotated_order() {
    use flate2::write::GzEncoder;
    let plain = std::fs::read(fixture("maillog/rsyslog-iso.log")).expect("fixture");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).expect("gz");
    let gz = gz.finish().expect("gz");
    let o = run(
        &["logins", "--log", "-", "--since", "2026-01-01", "--json"],
        Some(&gz),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["sources"][0], "standard input");
    assert_eq!(v["accounts"][0]["user"], "taro@example.jp");
    assert_eq!(v["rejections"][0]["rule"], "ips.backscatterer.org");

    // A rotated .gz file followed by the live file: both read, oldest first.
    let dir = tempfile::tempdir().expect("tmp");
    let old = dir.path().join("mail.log.1.gz");
    std::fs::write(&old, &gz).expect("write");
    let o = run(
        &[
            "logins",
            "--log",
            old.to_str().expect("utf8"),
            "--log",
            &fixture("maillog/syslog-ng.log"),
            "--since",
            "2026-01-01",
            "--json",
        ],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["sources"].as_array().expect("sources").len(), 2);
    let users: Vec<&str> = v["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["user"].as_str())
        .collect();
    assert!(
        users.contains(&"taro@example.jp") && users.contains(&"taro"),
        "{users:?}"
    );
}

#[test]
fn logins_errors_are_clear() {
    let o = run(&["logins", "--log", "/nonexistent/mail.log"], None);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/nonexistent/mail.log") && err.contains("--log PATH"),
        "{err}"
    );
    let o = run(
        &[
            "logins",
            "--log",
            &fixture("maillog/syslog-ng.log"),
            "--since",
            "\u{1b}[2Jsoon",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--since") && !err.contains('\u{1b}'), "{err}");
}

#[test]
fn hostile_log_lines_never_reach_the_terminal_raw() {
    let o = run(
        &[
            "logins",
            "--log",
            &fixture("maillog/adversarial.log"),
            "--since",
            "2026-01-01",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for stream in [&o.stdout, &o.stderr] {
        let s = String::from_utf8_lossy(stream);
        assert!(
            !s.chars()
                .any(|c| c != '\n' && mailq_tui::model::text::is_unsafe_char(c)),
            "{s:?}"
        );
    }
    let o = run(
        &[
            "logins",
            "--log",
            &fixture("maillog/adversarial.log"),
            "--since",
            "2026-01-01",
            "--json",
        ],
        None,
    );
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        !s.chars()
            .any(|c| c != '\n' && mailq_tui::model::text::is_unsafe_char(c)),
        "{s:?}"
    );
}

#[test]
fn storm_shows_log_evidence_for_flagged_accounts() {
    let o = run(
        &[
            "--from-file",
            &fixture("postqueue/storm.jsonl"),
            "storm",
            "--no-index",
            "--log",
            &fixture("maillog/lab-postlogd.log"),
            "--since",
            "2026-01-01",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("Mail log evidence:"), "{text}");
    assert!(
        text.contains(
            "carol@lab.test (PROBABLY COMPROMISED): logged in 25 times from 13 addresses"
        ),
        "{text}"
    );
    assert!(
        text.contains("Countermeasures for carol@lab.test (from the mail log):"),
        "{text}"
    );
    // Without --log, a captured queue has no log of its own: no evidence section.
    let o = run(
        &[
            "--from-file",
            &fixture("postqueue/storm.jsonl"),
            "storm",
            "--no-index",
        ],
        None,
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("Mail log"));
}
