//! Terminal safety of everything the command line prints: queue contents are written by
//! spammers, so no ESC, C0/C1 control, bidi override or invisible formatting character from
//! the queue may reach the terminal raw. (The TUI gets its own TestBackend test when it
//! lands.)

use std::process::{Command, Stdio};

use mailq_tui::model::text::{is_unsafe_char, sanitize};

const BIN: &str = env!("CARGO_BIN_EXE_mailq-tui");

/// Characters that can recolour, move, retitle, hide or reorder terminal text.
fn dangerous() -> Vec<char> {
    let mut v: Vec<char> = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    v.extend([
        '\u{061c}',
        '\u{200b}',
        '\u{200e}',
        '\u{200f}',
        '\u{2028}',
        '\u{2029}',
        '\u{202a}',
        '\u{202b}',
        '\u{202c}',
        '\u{202d}',
        '\u{202e}',
        '\u{2060}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{feff}',
        '\u{e0041}',
    ]);
    v
}

#[test]
fn every_dangerous_character_is_escaped_visibly() {
    for c in dangerous() {
        assert!(is_unsafe_char(c), "{:?} not flagged", c);
        let raw = format!("a{c}b");
        let shown = sanitize(&raw);
        assert!(
            shown.starts_with("a\\") && shown.ends_with('b'),
            "{c:?} → {shown:?}"
        );
        assert!(!shown.chars().any(is_unsafe_char));
    }
    // Ordinary international text is left alone.
    for ok in [
        "José",
        "件名 テスト",
        "Ελληνικά",
        "עברית",
        "العربية",
        "emoji 📨",
    ] {
        assert_eq!(sanitize(ok), ok);
    }
}

/// Sender, recipients and reasons carrying colour, cursor moves, OSC 52 clipboard writes,
/// OSC 8 links, title changes, C1 CSI, bidi overrides, NUL and a very long line.
fn hostile_queue() -> String {
    let evil = [
        "\u{1b}[31mred\u{1b}[0m",
        "\u{1b}[2J\u{1b}[H",
        "\u{1b}]52;c;cm0gLXJmIH4K\u{7}",
        "\u{1b}]8;;http://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\",
        "\u{1b}]0;pwned\u{7}",
        "\u{9b}6n",
        "evil\u{202e}gpj.exe",
        "nul\u{0}byte",
        "tag\u{e0041}\u{e0042}",
    ];
    let mut lines = String::new();
    for (i, e) in evil.iter().enumerate() {
        // Half are NDRs (so the storm report shows their recipients and reasons), half
        // carry the escape in the sender.
        let sender = if i % 2 == 0 {
            "\"MAILER-DAEMON\"".to_owned()
        } else {
            serde_json::to_string(&format!("spam{e}@x.example")).expect("json")
        };
        let rcpt = serde_json::to_string(&format!("victim{e}@y.example")).expect("json");
        let reason =
            serde_json::to_string(&format!("host said: {e} {}", "A".repeat(5000))).expect("json");
        lines += &format!(
            r#"{{"queue_name":"deferred","queue_id":"EV{i:06}","arrival_time":1764000000,"message_size":1000,"sender":{sender},"recipients":[{{"address":{rcpt},"delay_reason":{reason}}}]}}"#
        );
        lines.push('\n');
    }
    lines += "\u{1b}]52;c;bad line\u{7}\n";
    lines
}

fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| is_unsafe_char(c) && c != '\n')
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in\n{text}");
}

#[test]
fn the_command_line_never_prints_queue_text_raw() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("hostile.jsonl");
    std::fs::write(&file, hostile_queue()).expect("write");
    let file = file.to_str().expect("utf-8 path");
    for args in [
        vec!["--from-file", file],
        vec!["ids", "--from-file", file],
        vec!["summary", "--from-file", file],
        vec!["storm", "--from-file", file],
        vec!["storm", "--no-index", "--from-file", file],
        vec!["storm", "--json", "--from-file", file],
        vec!["hold", "--dry-run", "--from-file", file, "example"],
        vec!["delete", "--yes", "--from-file", file, "example"],
    ] {
        let out = Command::new(BIN)
            .args(&args)
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_terminal_safe(&format!("{args:?} stdout"), &out.stdout);
        assert_terminal_safe(&format!("{args:?} stderr"), &out.stderr);
    }
}
