//! Live: a storm with OTHER shapes than `scripts/lab.sh`'s (tests/common/shapes.rs),
//! injected into a real throwaway Postfix by `scripts/lab-shapes.sh`: Postfix makes the
//! NDRs of the spam it cannot deliver itself, Exim/Exchange/qmail NDRs arrive finished, a
//! SASL account is driven from two addresses, a shop sends its newsletter. Then
//! `mailq-tui storm --json` must find the top campaign and the compromised account, and
//! every rule it shows must have 0 false positives on the queue's other mail and the
//! legitimate corpus, checked again here with postmap.

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::Lab;
use common::shapes::{self, Campaign, NdrStyle};

/// The lines postmap matches, as a set.
fn postmap_hits(rules: &[String], lines: &[String]) -> HashSet<String> {
    common::postmap::postmap_hits(rules, lines)
        .into_iter()
        .collect()
}

/// The header lines (From, Subject, Message-ID) and URL body lines of a message as
/// generated.
fn lines_of(data: &[u8], with_body: bool) -> (Vec<String>, Vec<String>) {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let headers = head
        .split("\r\n")
        .filter(|l| {
            let n = l.split(':').next().unwrap_or("").to_ascii_lowercase();
            ["from", "subject", "message-id", "reply-to", "x-mailer"].contains(&n.as_str())
        })
        .map(str::to_owned)
        .collect();
    let urls = if with_body {
        body.split("\r\n")
            .filter(|l| l.contains("http"))
            .map(str::to_owned)
            .collect()
    } else {
        Vec::new()
    };
    (headers, urls)
}

#[test]
fn a_storm_of_other_shapes_is_attributed_and_its_rules_are_safe() {
    let Some(lab) = Lab::start_or_skip(0) else {
        return;
    };
    let s = shapes::generate(600, 7);
    let plan = lab.dir().join("plan.jsonl");
    std::fs::write(&plan, s.plan_jsonl()).expect("plan");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lab-shapes.sh");
    let out = Command::new(&script)
        .arg("inject")
        .arg(lab.dir())
        .arg(&plan)
        .output()
        .expect("lab-shapes.sh");
    assert!(
        out.status.success(),
        "lab-shapes.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .arg("--config-dir")
        .arg(lab.config_dir())
        .args(["storm", "--json"])
        .output()
        .expect("mailq-tui");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["ndrs"].as_u64(), Some(600), "one NDR per spam");
    assert_eq!(v["mynetworks_known"], true, "mynetworks read with postconf");

    // The top campaign: the parcel spam, whatever its display names, found whole.
    let top = &v["campaigns"][0];
    let label = top["label"].as_str().unwrap_or_default();
    assert!(label.contains("parcel"), "{v}");
    let parcel = s.ndrs_of(Campaign::Parcel) as u64;
    assert!(
        top["ndrs"].as_u64().unwrap_or(0) * 100 >= parcel * 95,
        "{top} of {parcel}"
    );
    assert!(
        !v["verdict"]
            .as_str()
            .unwrap_or_default()
            .contains("Accounts Department")
    );
    assert!(
        v["campaigns"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["kind"] == "message-id")
    );

    // The compromised account with its reasons; the newsletter is not flagged.
    let accounts = v["accounts"].as_array().expect("accounts");
    let kato = accounts
        .iter()
        .find(|a| a["user"] == shapes::COMPROMISED)
        .expect("m.kato");
    assert_eq!(kato["compromised"], true, "{kato}");
    assert!(
        kato["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("2 addresses outside mynetworks"),
        "{kato}"
    );
    assert!(!kato["reasons"].as_array().expect("reasons").is_empty());
    let shop = accounts
        .iter()
        .find(|a| a["user"] == shapes::NEWSLETTER)
        .expect("shop");
    assert_eq!(shop["compromised"], false, "{shop}");

    // Every shown rule: 0 false positives on (b) the queue's other mail and (c) the
    // corpus, as the report says and as postmap says again here; the coverage it claims.
    let plan = &v["rules"];
    let rules = plan["rules"].as_array().expect("rules");
    assert!(!rules.is_empty(), "{plan}");
    let total = plan["storm_total"].as_u64().unwrap_or(0);
    assert!(
        plan["covered"].as_u64().unwrap_or(0) * 100 >= total * 70,
        "{plan}"
    );
    let table = |t: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| r["table"] == t)
            .map(|r| r["line"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let (header_rules, body_rules) = (table("header_checks"), table("body_checks"));
    let mut legit_headers =
        mailq_tui::model::rules::corpus_lines(mailq_tui::model::rules::LEGIT_HEADERS);
    let mut legit_body = mailq_tui::model::rules::corpus_lines(mailq_tui::model::rules::LEGIT_BODY);
    for i in s.other.iter().filter(|i| i.what != "compromised") {
        let (h, b) = lines_of(&i.data, true);
        legit_headers.extend(h);
        legit_body.extend(b);
    }
    for r in rules {
        assert_eq!(
            (r["queue_fp"].as_u64(), r["corpus_fp"].as_u64()),
            (Some(0), Some(0)),
            "{r}"
        );
    }
    if !header_rules.is_empty() {
        assert_eq!(postmap_hits(&header_rules, &legit_headers), HashSet::new());
    }
    if !body_rules.is_empty() {
        assert_eq!(postmap_hits(&body_rules, &legit_body), HashSet::new());
    }
    let mut covered = 0;
    let spam_lines: Vec<(Vec<String>, Vec<String>)> = s
        .spam
        .iter()
        .enumerate()
        .map(|(n, (sp, style))| {
            lines_of(
                &sp.bytes(&format!("nosuchuser{n}@lab.test")),
                *style != NdrStyle::Exchange,
            )
        })
        .collect();
    let all_h: Vec<String> = spam_lines.iter().flat_map(|(h, _)| h.clone()).collect();
    let all_b: Vec<String> = spam_lines.iter().flat_map(|(_, b)| b.clone()).collect();
    let hit_h = if header_rules.is_empty() {
        HashSet::new()
    } else {
        postmap_hits(&header_rules, &all_h)
    };
    let hit_b = if body_rules.is_empty() {
        HashSet::new()
    } else {
        postmap_hits(&body_rules, &all_b)
    };
    for (h, b) in &spam_lines {
        if h.iter().any(|l| hit_h.contains(l)) || b.iter().any(|l| hit_b.contains(l)) {
            covered += 1;
        }
    }
    let claimed = plan["covered"].as_u64().unwrap_or(0);
    assert!(
        covered * 100 >= claimed * 95 && covered <= claimed + claimed / 20,
        "rules cover {covered} generated originals, the report says {claimed}"
    );
}
