//! Local submitters on a storm shape not designed around them: the generated storm of
//! `tests/common/shapes.rs` (campaigns, foreign NDRs, a compromised SASL account, a
//! newsletter) plus a hacked web script sending as www-data (uid 33) with `sendmail`, part
//! of whose spam Postfix bounced itself (local NDRs returning the stamped original), and
//! forgeries that must not be believed: a local user's forged `from userid 33` under her
//! own stamp, SMTP spam and inbound NDRs carrying a forged stamp of our host, requeued mail
//! (stamped by `mail_owner`) from www-data and from SMTP.

mod common;

use std::collections::HashMap;

use common::shapes::{self, Campaign, Rng};
use common::shapes_queue::{NOW, json_line, queue_file};
use mailq_tui::model::compromise::{Networks, SubmitterKind};
use mailq_tui::model::content::{ContentIndex, ContentView, extract};
use mailq_tui::model::countermeasures;
use mailq_tui::model::group::group_with;
use mailq_tui::model::storm::analyze;
use mailq_tui::model::submitter::Users;
use mailq_tui::model::{Filter, GroupKey, MatchContext, Snapshot, select_with};
use mailq_tui::postfix::parse::parse_stream;

const HOST: &str = "mx.lab.test";
const SCRIPT_SPAM: usize = 150;
const LOCAL_NDRS: usize = 80;
const REQUEUED: usize = 3;

fn stamp(uid: u32, id: &str) -> String {
    format!(
        "Received: by {HOST} (Postfix, from userid {uid})\r\n\tid {id}; Mon, 30 Nov 2026 01:02:03 +0000 (UTC)\r\n"
    )
}

fn smtpd(ip: &str, id: &str) -> String {
    format!(
        "Received: from relay.example (unknown [{ip}])\r\n\tby {HOST} (Postfix) with ESMTP id {id}\r\n\tfor <x@example.com>; Mon, 30 Nov 2026 01:02:03 +0000 (UTC)\r\n"
    )
}

/// Postfix's own DSN (post_mail's stamp on top) returning `original`.
fn local_ndr(n: usize, to: &str, original: &str) -> Vec<u8> {
    format!(
        "Received: by {HOST} (Postfix)\r\n\tid N{n}; Mon, 30 Nov 2026 01:05:00 +0000 (UTC)\r\nDate: Mon, 30 Nov 2026 01:05:00 +0000 (UTC)\r\nFrom: MAILER-DAEMON@{HOST} (Mail Delivery System)\r\nTo: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"L{n}\"\r\n\r\n--L{n}\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n--L{n}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; {HOST}\r\nX-Postfix-Sender: rfc822; {to}\r\n\r\nFinal-Recipient: rfc822; someone{n}@far.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n--L{n}\r\nContent-Type: message/rfc822\r\n\r\n{original}\r\n--L{n}--\r\n"
    )
    .into_bytes()
}

struct Queue {
    snap: Snapshot,
    index: ContentIndex,
}

/// The generated storm plus the local-submitter shapes; `users` names the uids.
fn build(users: &Users) -> Queue {
    let s = shapes::generate(600, 11);
    let mut rng = Rng::new(99);
    let mut lines = Vec::new();
    let mut files = Vec::new();
    let mut push = |lines: &mut Vec<String>,
                    id: String,
                    sender: &str,
                    rcpts: &[String],
                    data: Vec<u8>,
                    attrs: &[(&str, &str)]| {
        lines.push(json_line(
            &id,
            NOW - 3 * 3600 + lines.len() as i64 * 30,
            sender,
            rcpts,
        ));
        files.push(queue_file(&data, attrs));
    };
    // The generated storm, as tests/common/shapes_queue.rs builds it.
    for (n, (spam, style)) in s.spam.iter().enumerate() {
        push(
            &mut lines,
            format!("A{n:X}"),
            "MAILER-DAEMON",
            std::slice::from_ref(&spam.env_from),
            shapes::ndr(spam, *style, n),
            &[],
        );
    }
    for (n, inj) in s.other.iter().enumerate() {
        let attrs: Vec<(&str, &str)> = match &inj.xclient {
            Some((login, addr)) => vec![
                ("sasl_username", login.as_str()),
                ("log_client_address", addr.as_str()),
            ],
            None => vec![("log_client_address", "127.0.0.1")],
        };
        push(
            &mut lines,
            format!("B{n:X}"),
            &inj.env_from,
            &inj.rcpts,
            inj.data.clone(),
            &attrs,
        );
    }
    // The web script: random campaigns, three recipients in random domains each.
    let campaigns = [Campaign::UrlOnly, Campaign::Noise, Campaign::MsgId];
    for n in 0..SCRIPT_SPAM {
        let spam = shapes::spam(&mut rng, campaigns[n % 3], &["a@b.example"]);
        let rcpts: Vec<String> = (0..3)
            .map(|k| format!("r{k}@dom{}.example", rng.below(40)))
            .collect();
        let data = format!(
            "{}{}",
            stamp(33, &format!("S{n}")),
            String::from_utf8_lossy(&spam.bytes(&rcpts[0]))
        );
        push(
            &mut lines,
            format!("C{n:X}"),
            "wordpress@lab.test",
            &rcpts,
            data.into_bytes(),
            &[],
        );
    }
    // Its spam that Postfix bounced itself, to the forged senders.
    for n in 0..LOCAL_NDRS {
        let spam = shapes::spam(&mut rng, Campaign::Noise, &["a@b.example"]);
        let original = format!(
            "{}{}",
            stamp(33, &format!("O{n}")),
            String::from_utf8_lossy(&spam.bytes("x@far.example"))
        );
        push(
            &mut lines,
            format!("D{n:X}"),
            "MAILER-DAEMON",
            std::slice::from_ref(&spam.env_from),
            local_ndr(n, &spam.env_from, &original),
            &[],
        );
    }
    // Requeued www-data spam: mail_owner's pickup stamp on top.
    for n in 0..REQUEUED {
        let data = format!(
            "{}{}Subject: again {n}\r\nFrom: x@lab.test\r\n\r\nbody\r\n",
            stamp(107, &format!("R{n}")),
            stamp(33, &format!("Q{n}"))
        );
        push(
            &mut lines,
            format!("E{n:X}"),
            "wordpress@lab.test",
            &["z@dom1.example".to_owned()],
            data.into_bytes(),
            &[],
        );
    }
    // Adversarial: alice's own mail with a forged stamp of uid 33 under her real one.
    for n in 0..5 {
        let data = format!(
            "{}{}Subject: Lunch {n}\r\nFrom: alice@lab.test\r\n\r\nhi\r\n",
            stamp(1000, &format!("F{n}")),
            stamp(33, "forged")
        );
        push(
            &mut lines,
            format!("F{n:X}"),
            "alice@lab.test",
            &["bob@partner.example".to_owned()],
            data.into_bytes(),
            &[],
        );
    }
    // SMTP spam carrying a forged stamp of our host under smtpd's header.
    for n in 0..20 {
        let data = format!(
            "{}{}Subject: offer {n}\r\nFrom: x@spam.example\r\n\r\nbuy\r\n",
            smtpd("198.51.100.7", &format!("G{n}")),
            stamp(33, "forged")
        );
        push(
            &mut lines,
            format!("G{n:X}"),
            "x@spam.example",
            &[format!("u{n}@dom{n}.example")],
            data.into_bytes(),
            &[("log_client_address", "198.51.100.7")],
        );
    }
    // Bounces that arrived over SMTP, returning an original "stamped" uid 33 by our name.
    for n in 0..10 {
        let original = format!(
            "{}Subject: x\r\nFrom: y@lab.test\r\n\r\nz\r\n",
            stamp(33, "forged")
        );
        let mut data = smtpd("203.0.113.9", &format!("H{n}")).into_bytes();
        data.extend(local_ndr(1000 + n, "y@lab.test", &original));
        push(
            &mut lines,
            format!("H{n:X}"),
            "MAILER-DAEMON",
            &["y@lab.test".to_owned()],
            data,
            &[("log_client_address", "203.0.113.9")],
        );
    }
    // Requeued SMTP mail: mail_owner's stamp on smtpd's header. No local submitter.
    let data = format!(
        "{}{}Subject: requeued\r\nFrom: p@partner.example\r\n\r\nx\r\n",
        stamp(107, "RQ"),
        smtpd("198.51.100.8", "RQ2")
    );
    push(
        &mut lines,
        "JJ1".to_owned(),
        "p@partner.example",
        &["q@lab.test".to_owned()],
        data.into_bytes(),
        &[],
    );

    let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
    let mut index = ContentIndex::new();
    for (m, f) in snap.messages.iter().zip(&files) {
        let mut c = extract(f);
        c.set_users(users);
        index.insert(m.key(), c);
    }
    Queue { snap, index }
}

fn users() -> Users {
    Users {
        names: HashMap::from([
            (33, "www-data".to_owned()),
            (1000, "alice".to_owned()),
            (107, "postfix".to_owned()),
        ]),
        owner: Some(107),
    }
}

fn count(q: &Queue, filter: &str) -> usize {
    let view = ContentView::new(&q.snap, &q.index);
    select_with(
        &q.snap,
        &Filter::parse(filter).expect("filter"),
        &MatchContext {
            now: NOW,
            content: Some(&view),
            logins: None,
        },
    )
    .indices
    .len()
}

const WWW_DATA: usize = SCRIPT_SPAM + LOCAL_NDRS + REQUEUED;

#[test]
fn the_filter_finds_the_script_by_name_or_uid_and_believes_no_forgery() {
    let q = build(&users());
    assert_eq!(count(&q, "submitter:=www-data"), WWW_DATA);
    assert_eq!(count(&q, "submitter:=33"), WWW_DATA);
    assert_eq!(count(&q, "submitter:www"), WWW_DATA);
    assert_eq!(count(&q, "submitter:=alice"), 5);
    assert_eq!(count(&q, "submitter:=1000"), 5);
    // Requeues are not "submitted by postfix"; SMTP mail has no local submitter at all.
    assert_eq!(count(&q, "submitter:=postfix"), 0);
    assert_eq!(count(&q, "submitter:=107"), 0);
    assert_eq!(count(&q, "submitter:/./"), WWW_DATA + 5);
    assert_eq!(count(&q, "submitter:=www-data null"), LOCAL_NDRS);
}

#[test]
fn grouping_by_submitter_counts_each_user() {
    let q = build(&users());
    let view = ContentView::new(&q.snap, &q.index);
    let all: Vec<u32> = (0..u32::try_from(q.snap.len()).expect("small")).collect();
    let g = group_with(&q.snap, &all, GroupKey::Submitter, None, NOW, Some(&view));
    let by: HashMap<&str, usize> = g.groups.iter().map(|g| (&*g.label, g.messages)).collect();
    assert_eq!(by["www-data"], WWW_DATA);
    assert_eq!(by["alice"], 5);
    assert_eq!(by["(unknown)"], q.snap.len() - WWW_DATA - 5);
    assert_eq!(GroupKey::parse("submitter"), Some(GroupKey::Submitter));
}

#[test]
fn the_storm_names_the_local_user_and_proposes_what_stops_a_script() {
    let q = build(&users());
    let r = analyze(
        &q.snap,
        &q.index,
        &Networks::parse("127.0.0.0/8 [::1]/128"),
        None,
        NOW,
    );
    let www = r
        .accounts
        .iter()
        .find(|a| a.kind == SubmitterKind::User && a.user == "local user www-data (uid 33)")
        .unwrap_or_else(|| panic!("{:#?}", r.accounts));
    assert!(www.compromised, "{www:#?}");
    assert_eq!(www.messages, WWW_DATA);
    assert_eq!(www.filter, "submitter:=www-data");
    assert_eq!(count(&q, &www.filter), www.messages);
    assert!(
        r.verdict
            .contains("local user www-data (uid 33) probably compromised"),
        "{}",
        r.verdict
    );
    let alice = r
        .accounts
        .iter()
        .find(|a| a.user.contains("alice"))
        .expect("alice");
    assert!(!alice.compromised, "{alice:#?}");
    // The generated storm's own findings still stand.
    assert!(
        r.accounts
            .iter()
            .any(|a| a.compromised && a.user == shapes::COMPROMISED)
    );
    assert!(
        !r.accounts
            .iter()
            .any(|a| a.compromised && a.user == shapes::NEWSLETTER)
    );
    assert!(
        !r.accounts
            .iter()
            .any(|a| a.user.contains("postfix") || a.user.contains("uid 107"))
    );
    let advice = countermeasures::for_account(www);
    assert!(
        advice.contains("authorized_submit_users = !www-data, static:anyone"),
        "{advice}"
    );
    assert!(advice.contains("crontab -l -u 'www-data'"), "{advice}");
    assert!(!advice.to_lowercase().contains("password"), "{advice}");
    assert!(
        advice.contains("mailq-tui hold 'submitter:=www-data'"),
        "{advice}"
    );
}

#[test]
fn without_a_password_database_the_uid_stands_in() {
    let q = build(&Users::default());
    // No mail_owner known: the requeued mail's top stamp (107) is taken as it is.
    assert_eq!(count(&q, "submitter:=33"), SCRIPT_SPAM + LOCAL_NDRS);
    assert_eq!(count(&q, "submitter:=www-data"), 0);
    let r = analyze(&q.snap, &q.index, &Networks::default(), None, NOW);
    let www = r
        .accounts
        .iter()
        .find(|a| a.kind == SubmitterKind::User && a.filter == "submitter:=33")
        .unwrap_or_else(|| panic!("{:#?}", r.accounts));
    assert!(www.user.starts_with("local uid 33"), "{}", www.user);
    assert!(www.compromised);
}
