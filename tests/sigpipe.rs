//! `mailq-tui … | head -1`: when the reader goes away, the command stops quietly (no panic
//! message, nothing on stderr) instead of dying with "failed printing to stdout".

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mailq-tui");

/// Run `mailq-tui ARGS | head -1` through the shell; return (head's output, our stderr, our status).
fn through_head(args: &str) -> (String, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let err = dir.path().join("stderr");
    let status = dir.path().join("status");
    let script = format!(
        "{{ '{BIN}' {args} 2>'{}'; echo $? >'{}'; }} | head -1",
        err.display(),
        status.display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .expect("sh");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        std::fs::read_to_string(&err).unwrap_or_default(),
        std::fs::read_to_string(&status).unwrap_or_default(),
    )
}

/// Start `mailq-tui ARGS` with a stdout pipe whose reading end is already closed, so the
/// very first write fails with EPIPE (no race with `head`).
fn closed_stdout(args: &[&str]) -> (String, Option<i32>) {
    let dir = tempfile::tempdir().expect("tmp");
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(BIN)
        .args(args)
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn head_one_exits_quietly() {
    for args in [
        "ids --demo",
        "summary --demo",
        "storm --demo",
        "storm --demo --json",
    ] {
        let (first, stderr, status) = through_head(args);
        assert!(!first.is_empty(), "{args}: no output");
        assert_eq!(stderr, "", "{args}: stderr");
        assert_eq!(status.trim(), "0", "{args}: exit status");
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    for args in [
        &["ids", "--demo"][..],
        &["summary", "--demo"],
        &["storm", "--demo"],
        &["storm", "--demo", "--json"],
        &["requeue", "--demo", "--yes", "MAILER-DAEMON"],
        &["config", "--print-default"],
        &["config"],
    ] {
        let (stderr, code) = closed_stdout(args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
    }
}
