//! The generated `header_checks` lines are checked with Postfix's own `postmap -q - pcre:FILE`:
//! they must match the campaign's header lines and not legitimate mail.

use std::io::Write;
use std::process::{Command, Stdio};

use mailq_tui::model::QueueFile;
use mailq_tui::model::content::{ContentIndex, extract};
use mailq_tui::model::countermeasures::header_checks;
use mailq_tui::model::storm::analyze;
use mailq_tui::postfix::parse::parse_stream;

fn campaign_lines(eml: &str) -> Vec<String> {
    let raw = std::fs::read(format!(
        "{}/tests/fixtures/ndr/{eml}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let split = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("blank line")
        + 2;
    let file = QueueFile {
        headers: raw[..split].to_vec(),
        body: Some(raw[split..].to_vec()),
        ..QueueFile::default()
    };
    let line = r#"{"queue_name":"deferred","queue_id":"4B2F41C0A8","arrival_time":100,"message_size":1,"sender":"MAILER-DAEMON","recipients":[{"address":"x@victim-a.example"}]}"#;
    let snap = parse_stream(line.as_bytes(), "MAILER-DAEMON").expect("parse");
    let mut index = ContentIndex::new();
    index.insert(snap.messages[0].key(), extract(&file));
    let report = analyze(&snap, &index, None, 200);
    header_checks(&report.campaigns[0])
}

fn postmap() -> Option<String> {
    ["/usr/sbin/postmap", "/usr/bin/postmap"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| (*p).to_owned())
}

/// Which of `lines` the table matches (postmap prints `key<TAB>value` per match).
fn matching(table: &[String], lines: &[&str]) -> Vec<String> {
    let Some(postmap) = postmap() else {
        assert!(
            std::env::var_os("MAILQ_TUI_SKIP_LIVE").is_some(),
            "postmap not found: install postfix postfix-pcre (or set MAILQ_TUI_SKIP_LIVE=1)"
        );
        return Vec::new();
    };
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("header_checks");
    std::fs::write(&file, table.join("\n") + "\n").expect("write");
    let mut child = Command::new(postmap)
        .args(["-q", "-", &format!("pcre:{}", file.display())])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("postmap");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all((lines.join("\n") + "\n").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("warning") && !err.contains("fatal"),
        "postmap complained: {err}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn header_checks_match_the_campaign_and_not_legitimate_mail() {
    let table = campaign_lines("postfix-rfc822.eml");
    assert_eq!(table.len(), 2, "{table:?}");
    let spam_from = r#"From: "CANADA PHARMACY" <sales7731@spoofed-pharmacy.example>"#;
    let spam_from_other = r#"From: "CANADA PHARMACY" <rx0042@other-forged.example>"#;
    let spam_subject = "Subject: Viagra 70% off - order 1234 today";
    let legit = [
        "From: \"Alice Example\" <alice@example.test>",
        "Subject: Minutes of the board meeting",
        "Subject: Re: Viagra question from the pharmacy course",
        "From: Canada Pharmacy Association <info@cpha.example>",
    ];
    let mut lines = vec![spam_from, spam_from_other, spam_subject];
    lines.extend(legit);
    let hits = matching(&table, &lines);
    if postmap().is_some() {
        assert_eq!(hits, vec![spam_from, spam_from_other, spam_subject]);
    }
}

#[test]
fn encoded_subjects_are_matched_as_postfix_sees_them() {
    let table = campaign_lines("headers-only-iso2022jp.eml");
    let raw_subject = "Subject: =?ISO-2022-JP?B?GyRCN2MwQiQqTHQkTiQ0MEZGYhsoQg==?=";
    let hits = matching(
        &table,
        &[
            raw_subject,
            "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
        ],
    );
    if postmap().is_some() {
        assert_eq!(hits, vec![raw_subject]);
    }
}
