//! `watch --once` and `check` on the built-in demo storm and on captures: the exposition
//! passes `promtool check metrics` (Debian: prometheus), the check plugin's exit codes and
//! its UNKNOWN on a listing that cannot be produced. No Postfix needed.

mod common;

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailq-tui"));
    // No user config, no audit log in the tester's home.
    c.env("MAILQ_TUI_CONFIG", "/dev/null/none")
        .arg("--config")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/config.sample.toml"
        ));
    c
}

fn watch_once(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = bin()
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"))
        .args(args)
        .args(["watch", "--once", "--no-index"])
        .output()
        .expect("run watch --once");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn demo_storm_metrics_pass_promtool() {
    let text = watch_once(&["--demo"]);
    assert!(text.contains("mailq_tui_up{postfix_instance=\"demo\"} 1\n"));
    assert!(text.contains("mailq_tui_storm{postfix_instance=\"demo\"} 1\n"));
    // Bounded: the top 10 reason families plus "other".
    let families = text
        .lines()
        .filter(|l| l.starts_with("mailq_tui_reason_recipients{"))
        .count();
    assert!(families <= 11 && families > 1, "{families}");
    assert!(text.contains("family=\"other\""));
    // --no-index: the compromised count is unknown, so absent rather than a false 0.
    assert!(!text.contains("mailq_tui_compromised_accounts{"));
    common::promtool_check(&text);
}

#[test]
fn hostile_reasons_are_escaped_and_still_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("q.jsonl");
    let nasty =
        r#"host mx.evil.example said: 450 \"quoted\" back\\slash {brace} label=\"x\"\n# HELP fake"#;
    let mut lines = String::new();
    for (i, q) in ["deferred", "deferred", "hold", "active"]
        .iter()
        .enumerate()
    {
        lines.push_str(&format!(
            "{{\"queue_name\":\"{q}\",\"queue_id\":\"4B{i}C1\",\"arrival_time\":1700000000,\"message_size\":100,\"forced_expire\":false,\"sender\":\"\",\"recipients\":[{{\"address\":\"a@b.example\",\"delay_reason\":\"{nasty}\"}}]}}\n"
        ));
    }
    lines.push_str("not json at all\n");
    std::fs::write(&capture, lines).expect("write");
    let text = watch_once(&["--from-file", capture.to_str().expect("utf-8")]);
    assert!(
        text.contains("mailq_tui_parse_problems{postfix_instance=\"file\"} 1\n"),
        "{text}"
    );
    assert!(text.contains("mailq_tui_messages{postfix_instance=\"file\",queue=\"incoming\"} 0\n"));
    assert!(!text.lines().any(|l| l.starts_with("# HELP fake")));
    common::promtool_check(&text);
}

fn check(args: &[&str]) -> (i32, String) {
    let out = bin().args(args).output().expect("run check");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text.lines().count(), 1, "exactly one line: {text:?}");
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_plugin_exit_codes_on_the_demo_storm() {
    // The demo: 1,917 deferred, 74% NDRs, oldest ~12 h.
    let (code, line) = check(&[
        "--demo",
        "check",
        "-w",
        "deferred=5000",
        "-c",
        "deferred=10000",
    ]);
    assert_eq!(code, 0, "{line}");
    let (code, line) = check(&[
        "--demo",
        "check",
        "-w",
        "deferred=500,age=2h",
        "-c",
        "deferred=5000",
    ]);
    assert_eq!(code, 1, "{line}");
    assert!(
        line.starts_with("MAILQ WARNING - deferred 1,917 > 500 (WARNING), age "),
        "{line}"
    );
    let (code, line) = check(&[
        "--demo",
        "check",
        "-w",
        "deferred=500,age=2h",
        "-c",
        "deferred=5000,ndr-share=50%",
    ]);
    assert_eq!(code, 2, "{line}");
    assert!(line.contains("| deferred=1917;500;5000;0; "), "{line}");
    assert!(
        line.contains(" ndr_share=") && line.contains("%;;50;0;100"),
        "{line}"
    );
    // `-c DIR` before `check` is still the instance.
    let (code, line) = check(&["-c", "/nonexistent/postfix", "check", "-w", "deferred=1"]);
    assert_eq!(code, 3, "{line}");
    assert!(line.starts_with("MAILQ UNKNOWN - "), "{line}");
    let (code, line) = check(&["--demo", "check", "--warning", "age=soon"]);
    assert_eq!(
        (code, line.starts_with("MAILQ UNKNOWN - -w: age=soon")),
        (3, true),
        "{line}"
    );
    let (code, line) = check(&["--demo", "check", "--no-such-flag"]);
    assert_eq!(code, 3, "{line}");
}
