//! The `header_checks` lines of a storm are checked with Postfix's own `postmap -q -
//! pcre:FILE` before they are shown: built from the NDR fixtures' raw headers, they must
//! match the campaign's header lines as Postfix sees them and no legitimate mail.

use mailq_tui::model::QueueFile;
use mailq_tui::model::content::{ContentIndex, extract};
use mailq_tui::model::rules::RulePlan;
use mailq_tui::model::storm::check_rules;
use mailq_tui::postfix::parse::parse_stream;
use mailq_tui::postfix::postmap::Postmap;

/// A storm of `n` NDRs made from one fixture, the subject's number varied per copy.
fn plan(eml: &str, n: usize) -> Option<RulePlan> {
    let Some(postmap) = Postmap::find() else {
        assert!(
            std::env::var_os("MAILQ_TUI_SKIP_LIVE").is_some(),
            "postmap not found: install postfix postfix-pcre (or set MAILQ_TUI_SKIP_LIVE=1)"
        );
        return None;
    };
    let raw = std::fs::read_to_string(format!(
        "{}/tests/fixtures/ndr/{eml}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut lines = Vec::new();
    let mut files = Vec::new();
    for i in 0..n {
        lines.push(format!(r#"{{"queue_name":"deferred","queue_id":"4B2F41C{i:03X}","arrival_time":100,"message_size":1,"sender":"MAILER-DAEMON","recipients":[{{"address":"x{i}@victim-a.example"}}]}}"#));
        // The number in the subject and the sender domain vary per copy.
        let text = raw
            .replace("order 4411", &format!("order {}", 1000 + i * 37))
            .replace(
                "@spoofed-jp.example",
                &format!("@spoofed-{}.example", char::from(b'a' + (i % 26) as u8)),
            );
        let split = text.find("\n\n").expect("blank line") + 2;
        files.push(QueueFile {
            headers: text.as_bytes()[..split].to_vec(),
            body: Some(text.as_bytes()[split..].to_vec()),
            ..QueueFile::default()
        });
    }
    let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
    let mut index = ContentIndex::new();
    for (m, f) in snap.messages.iter().zip(&files) {
        index.insert(m.key(), extract(f));
    }
    Some(check_rules(&snap, &index, &postmap))
}

#[test]
fn rules_match_the_campaign_as_postfix_sees_it_and_no_legitimate_mail() {
    let Some(p) = plan("postfix-rfc822.eml", 12) else {
        return;
    };
    assert_eq!(p.covered, 12, "{p:#?}");
    assert!(p.rules.len() <= 2, "{p:#?}");
    for r in &p.rules {
        assert_eq!((r.corpus_fp, r.queue_fp), (0, 0));
        assert!(r.line.starts_with("/^"), "anchored: {}", r.line);
    }
    // The "CANADA PHARMACY" display name alone is never a rule.
    assert!(p.rules.iter().all(|r| !r.line.contains("CANADA")), "{p:#?}");
    assert!(
        p.text().contains("covers 12/12 NDR originals (100%); 0 of"),
        "{}",
        p.text()
    );
}

#[test]
fn encoded_subjects_are_matched_as_postfix_sees_them() {
    let Some(p) = plan("headers-only-iso2022jp.eml", 5) else {
        return;
    };
    let subject = p
        .rules
        .iter()
        .find(|r| r.line.starts_with("/^Subject:"))
        .unwrap_or_else(|| panic!("{p:#?}"));
    assert!(
        subject
            .line
            .contains("=\\?ISO-2022-JP\\?B\\?GyRCN2MwQiQqTHQkTiQ0MEZGYhsoQg==\\?="),
        "{}",
        subject.line
    );
    assert_eq!(subject.covers, 5);
}
