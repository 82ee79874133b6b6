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
    // A queue name from a crafted listing or a compromised `--host`.
    lines += r#"{"queue_name":"\u001b]0;pwned\u0007\u009b2J","queue_id":"EVQ00001","arrival_time":1764000000,"message_size":1000,"sender":"MAILER-DAEMON","recipients":[{"address":"victim@y.example","delay_reason":"x"}]}"#;
    lines.push('\n');
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
        vec!["summary", "--json", "--by", "sender", "--from-file", file],
        vec!["summary", "--by", "rcpt-domain", "--from-file", file],
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

mod storm_report {
    //! Hostile NDR contents (raw and MIME-encoded escapes in Subject, From display name,
    //! Received, diagnostic and SASL user) through postcat parsing, the indexer and the storm
    //! analysis: the JSON `storm --json` prints carries no raw unsafe character (JSON
    //! escapes only C0 controls, so C1 and bidi characters would pass through serde).

    use std::sync::atomic::AtomicBool;

    use mailq_tui::indexer;
    use mailq_tui::model::content::ContentIndex;
    use mailq_tui::model::storm::analyze;
    use mailq_tui::model::text::is_unsafe_char;
    use mailq_tui::postfix::MailQueue;
    use mailq_tui::postfix::parse::parse_stream;
    use mailq_tui::postfix::parse::postcat::parse_output;
    use mailq_tui::postfix::replay::ReplayQueue;
    use proptest::prelude::*;

    fn base64(data: &[u8]) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in data.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    s.push(char::from(T[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    fn evil() -> impl Strategy<Value = String> {
        "[a-z \\x1b\\x07\\u{9b}\\u{85}\\u{202e}\\u{2066}\\u{200b}\\u{e0041}\\[\\];0-9]{1,24}"
    }

    /// Header text: the hostile string raw, or hidden in a MIME encoded word.
    fn header(s: &str, encode: bool) -> String {
        if encode {
            format!("=?UTF-8?B?{}?=", base64(s.as_bytes()))
        } else {
            s.replace(['\n', '\r'], " ")
        }
    }

    fn ndr(i: usize, subject: &str, name: &str, diag: &str, rcvd: &str) -> String {
        let p = format!("deferred/A/EV{i:06}");
        format!(
            "*** ENVELOPE RECORDS {p} ***\nsender: \nrecipient: victim{i}@forged.example\n\
*** MESSAGE CONTENTS {p} ***\nFrom: MAILER-DAEMON@mx.example (Mail Delivery System)\n\
Subject: Undelivered Mail Returned to Sender\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n\
--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\
X-Postfix-Sender: rfc822; victim{i}@forged.example\n\nFinal-Recipient: rfc822; u@x.example\n\
Action: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; {diag}\n\n\
--B\nContent-Type: message/rfc822\n\n\
Received: from {rcvd} (unknown [192.0.2.7])\nFrom: \"{name}\" <spam@pharma.example>\n\
Subject: {subject}\nMessage-ID: <{i}@pharma.example>\n\nbuy now\n--B--\n\
*** HEADER EXTRACTED {p} ***\n*** MESSAGE FILE END {p} ***\n"
        )
    }

    fn listing(i: usize) -> String {
        format!(
            r#"{{"queue_name":"deferred","queue_id":"EV{i:06}","arrival_time":{},"message_size":2000,"sender":"MAILER-DAEMON","recipients":[{{"address":"victim{i}@forged.example","delay_reason":"connect to mx.forged.example[192.0.2.9]:25: Connection timed out"}}]}}"#,
            1_764_000_000 - i as i64 * 60
        ) + "\n"
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn storm_json_is_terminal_safe(
            parts in proptest::collection::vec((evil(), evil(), evil(), evil(), any::<bool>()), 1..6),
        ) {
            let mut jsonl = String::new();
            let mut cat = String::new();
            // Three NDRs per hostile original: a campaign needs at least three.
            for (i, (subject, name, diag, rcvd, encode)) in parts.iter().enumerate() {
                for copy in 0..3 {
                    jsonl += &listing(i * 3 + copy);
                    cat += &ndr(i * 3 + copy, &header(subject, *encode), &header(name, *encode),
                                &header(diag, false), &header(rcvd, false));
                }
            }
            let snap = parse_stream(jsonl.as_bytes(), "MAILER-DAEMON").expect("parse");
            let files = parse_output(cat.as_bytes()).files;
            prop_assert_eq!(files.len(), parts.len() * 3);
            let q = ReplayQueue::new("t", snap.messages, files, false);
            let snap = q.list().expect("list");
            let mut index = ContentIndex::new();
            indexer::build(&q, &snap, &mut index, &[], 100, &mut |_, _| {}, &AtomicBool::new(false))
                .expect("index");
            let report = analyze(
                &snap,
                &index,
                &mailq_tui::model::compromise::Networks::default(),
                None,
                1_764_000_100,
            );
            // The hostile text did reach the report (it is a campaign), it was not dropped.
            prop_assert!(!report.campaigns.is_empty(), "{:?}", report);
            prop_assert_eq!(report.ndrs, parts.len() * 3);
            let json = serde_json::to_string_pretty(&report).expect("json");
            let bad: Vec<char> = json.chars().filter(|&c| is_unsafe_char(c) && c != '\n').collect();
            prop_assert!(bad.is_empty(), "raw {:?} in\n{}", bad, json);
        }
    }
}

/// Regression (found by `the_command_line_never_prints_queue_text_raw` once `summary --json`
/// landed): serde_json left U+009B (CSI), U+202E and tag characters raw. The output must be
/// terminal-safe, valid JSON, and still name the sender (escaped by the summary itself or by
/// the terminal-safe JSON writer `write_json_pretty`, whichever gets there first).
#[test]
fn summary_json_escapes_c1_and_bidi_but_keeps_the_data() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/regressions/summary-json-c1-bidi.jsonl");
    let home = tempfile::tempdir().expect("tmp");
    let out = Command::new(BIN)
        .args(["summary", "--json", "--by", "sender", "--from-file"])
        .arg(&fixture)
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_terminal_safe("summary --json", &out.stdout);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut strings = Vec::new();
    collect_strings(&json, &mut strings);
    assert!(
        strings
            .iter()
            .any(|s| s.starts_with("spam") && s.ends_with("@x.example")),
        "the sender is still there: {strings:?}"
    );
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}
