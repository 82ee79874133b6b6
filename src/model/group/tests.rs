use std::time::Duration;

use super::*;
use crate::model::{Message, Recipient};

/// A message for tests (also used by the filter's tests).
pub(crate) fn msg(
    id: &str,
    q: QueueName,
    t: i64,
    size: u64,
    sender: &str,
    rcpts: &[(&str, Option<&str>)],
) -> Message {
    Message {
        queue_id: id.into(),
        queue: q,
        arrival_time: t,
        size,
        sender: Arc::from(sender),
        null_sender: sender == "MAILER-DAEMON",
        forced_expire: false,
        next_retry: None,
        recipients: rcpts
            .iter()
            .map(|(a, r)| Recipient {
                address: Arc::from(*a),
                delay_reason: r.map(Arc::from),
                family: None,
            })
            .collect(),
    }
}

fn snap(messages: Vec<Message>) -> Snapshot {
    Snapshot::new(messages, Vec::new(), 0, 10_000, Duration::ZERO)
}

fn all(s: &Snapshot) -> Vec<u32> {
    (0..u32::try_from(s.len()).expect("test value")).collect()
}

const TIMEOUT_A: &str = "connect to mx.a.example[192.0.2.1]:25: Connection timed out";
const TIMEOUT_B: &str =
    "delivery temporarily suspended: connect to mx.b.example[192.0.2.2]:25: Connection timed out";
const UNKNOWN: &str = "host mx.c.example[192.0.2.3] said: 550 5.1.1 <x@c.example>: User unknown (in reply to RCPT TO command)";

fn storm() -> Snapshot {
    use QueueName::{Deferred, Hold};
    snap(vec![
        msg(
            "A1",
            Deferred,
            1_000,
            100,
            "MAILER-DAEMON",
            &[("v1@a.example", Some(TIMEOUT_A))],
        ),
        msg(
            "A2",
            Deferred,
            2_000,
            200,
            "MAILER-DAEMON",
            &[
                ("v22@a.example", Some(TIMEOUT_A)),
                ("v3@A.example", Some(TIMEOUT_A)),
            ],
        ),
        msg(
            "A3",
            Deferred,
            3_000,
            300,
            "MAILER-DAEMON",
            &[
                ("x@b.example", Some(TIMEOUT_B)),
                ("y@c.example", Some(UNKNOWN)),
            ],
        ),
        msg(
            "A4",
            Hold,
            9_000,
            5_000,
            "alice@Local.example",
            &[("bob@c.example", None)],
        ),
    ])
}

#[test]
fn message_level_keys_put_each_message_once() {
    let s = storm();
    let g = group(&s, &all(&s), GroupKey::Sender, 10_000);
    assert_eq!(g.messages, 4);
    assert_eq!(g.recipients, 6);
    assert_eq!(g.size, 5_600);
    assert_eq!(g.groups.len(), 2);
    assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
    assert_eq!(g.groups[0].messages, 3);
    assert_eq!(g.groups[0].recipients, 5);
    assert_eq!(g.groups[0].members, vec![0, 1, 2]);
    assert_eq!(g.groups[0].oldest, 1_000);
    assert_eq!(g.groups[0].newest, 3_000);
    let d = group(&s, &all(&s), GroupKey::SenderDomain, 10_000);
    assert!(d.groups.iter().any(|g| &*g.label == "local.example"));
    let q = group(&s, &all(&s), GroupKey::Queue, 10_000);
    assert_eq!(q.groups[0].per_queue[QueueName::Deferred.index()], 3);
    assert_eq!(q.groups[1].in_queue(&QueueName::Hold), 1);
}

#[test]
fn recipient_level_counts_messages_once_per_group_and_never_double_counts_totals() {
    let s = storm();
    let g = group(&s, &all(&s), GroupKey::RecipientDomain, 10_000);
    let a = g
        .groups
        .iter()
        .find(|g| &*g.label == "a.example")
        .expect("test value");
    // A2 has two a.example recipients (one upper-case): one message, two recipients.
    assert_eq!((a.messages, a.recipients), (2, 3));
    assert_eq!(a.size, 300);
    let c = g
        .groups
        .iter()
        .find(|g| &*g.label == "c.example")
        .expect("test value");
    assert_eq!((c.messages, c.recipients), (2, 2));
    // A3 is in b.example and c.example: per-group sums exceed the total, totals do not.
    let sum: usize = g.groups.iter().map(|g| g.messages).sum();
    assert_eq!(sum, 5);
    assert_eq!(g.messages, 4);
    assert_eq!(g.recipients, 6);
    let rsum: usize = g.groups.iter().map(|g| g.recipients).sum();
    assert_eq!(
        rsum, g.recipients,
        "each recipient lands in exactly one group"
    );
}

#[test]
fn reasons_group_by_family() {
    let s = storm();
    let g = group(&s, &all(&s), GroupKey::Reason, 10_000);
    assert_eq!(g.groups.len(), 3);
    assert_eq!(
        &*g.groups[0].label,
        "connect to <host>: Connection timed out"
    );
    assert_eq!((g.groups[0].messages, g.groups[0].recipients), (3, 4));
    assert!(
        g.groups
            .iter()
            .any(|g| &*g.label == crate::model::reason::NO_REASON)
    );
}

#[test]
fn two_levels_keep_only_the_parents_recipients() {
    let s = storm();
    let g = group2(
        &s,
        &all(&s),
        GroupKey::Reason,
        GroupKey::RecipientDomain,
        10_000,
    );
    let timeout = &g.groups[0];
    let labels: Vec<&str> = timeout.children.iter().map(|c| &*c.label).collect();
    assert_eq!(labels, vec!["a.example", "b.example"]);
    assert_eq!(timeout.children[0].messages, 2);
    assert_eq!(timeout.children[0].recipients, 3);
    let unknown = g
        .groups
        .iter()
        .find(|g| g.label.contains("User unknown"))
        .expect("test value");
    assert_eq!(unknown.children.len(), 1);
    assert_eq!(&*unknown.children[0].label, "c.example");

    // Message-level under message-level.
    let g = group2(&s, &all(&s), GroupKey::Queue, GroupKey::Sender, 10_000);
    assert_eq!(g.groups[0].children.len(), 1);
    assert_eq!(g.groups[0].children[0].messages, 3);
    // Message-level parent, recipient-level child: the sender's recipients only.
    let g = group2(
        &s,
        &all(&s),
        GroupKey::Sender,
        GroupKey::RecipientDomain,
        10_000,
    );
    let md = &g.groups[0];
    assert_eq!(md.messages, 3);
    assert_eq!(md.recipients, 5);
    assert_eq!(md.children.len(), 3);
}

#[test]
fn arrivals_cover_the_selection_span() {
    let s = storm();
    let g = group(&s, &all(&s), GroupKey::Sender, 10_000);
    assert_eq!(g.span, Some((1_000, 9_000)));
    let md = &g.groups[0];
    assert_eq!(md.arrivals.len(), ARRIVAL_BUCKETS);
    assert_eq!(md.arrivals.iter().sum::<u32>(), 3);
    assert_eq!(md.arrivals[0], 1);
    let alice = &g.groups[1];
    assert_eq!(alice.arrivals[ARRIVAL_BUCKETS - 1], 1);
}

#[test]
fn selection_subsets_and_bad_indices() {
    let s = storm();
    let g = group(&s, &[3, 99], GroupKey::Sender, 10_000);
    assert_eq!(g.messages, 1);
    assert_eq!(g.groups.len(), 1);
    let e = group(&s, &[], GroupKey::Reason, 10_000);
    assert!(e.groups.is_empty());
    assert_eq!(e.span, None);
}

#[test]
fn equal_text_in_different_arcs_is_one_group() {
    let s = snap(vec![
        msg(
            "B1",
            QueueName::Deferred,
            1,
            1,
            "same@x.example",
            &[("r@y.example", None)],
        ),
        msg(
            "B2",
            QueueName::Deferred,
            2,
            1,
            "same@x.example",
            &[("r@y.example", None)],
        ),
    ]);
    assert!(!Arc::ptr_eq(&s.messages[0].sender, &s.messages[1].sender));
    for key in GroupKey::ALL {
        let g = group(&s, &all(&s), key, 10);
        assert_eq!(g.groups.len(), 1, "{key:?}");
        assert_eq!(g.groups[0].messages, 2, "{key:?}");
    }
}

#[test]
fn messages_without_recipients_still_show() {
    let s = snap(vec![msg(
        "C1",
        QueueName::Maildrop,
        1,
        1,
        "a@b.example",
        &[],
    )]);
    let g = group(&s, &all(&s), GroupKey::RecipientDomain, 10);
    assert_eq!(&*g.groups[0].label, NO_RECIPIENTS);
    assert_eq!((g.groups[0].messages, g.groups[0].recipients), (1, 0));
}

#[test]
fn sorting_by_next_retry() {
    let mut s = snap(vec![
        msg(
            "R1",
            QueueName::Deferred,
            1,
            1,
            "a@x.example",
            &[("r@a.example", None)],
        ),
        msg(
            "R2",
            QueueName::Deferred,
            1,
            1,
            "b@x.example",
            &[("r@b.example", None)],
        ),
        msg(
            "R3",
            QueueName::Deferred,
            1,
            1,
            "b@x.example",
            &[("r@b.example", None)],
        ),
        msg(
            "R4",
            QueueName::Hold,
            1,
            1,
            "c@x.example",
            &[("r@c.example", None)],
        ),
    ]);
    let times: std::collections::HashMap<String, i64> = [("R1", 900), ("R2", 700), ("R3", 500)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    s.set_next_retries(&times);
    let mut g = group(&s, &all(&s), GroupKey::Sender, 10_000);
    let b = g.groups.iter().find(|g| &*g.label == "b@x.example");
    assert_eq!(
        b.and_then(|g| g.next_retry),
        Some(500),
        "the soonest member"
    );
    g.sort(SortBy::Retry, true);
    let order: Vec<&str> = g.groups.iter().map(|g| &*g.label).collect();
    assert_eq!(order, ["b@x.example", "a@x.example", "c@x.example"]);
    assert_eq!(SortBy::parse("retry"), Some(SortBy::Retry));
}

#[test]
fn sorting() {
    let s = storm();
    let mut g = group(&s, &all(&s), GroupKey::Sender, 10_000);
    g.sort(SortBy::Size, true);
    assert_eq!(&*g.groups[0].label, "alice@Local.example");
    g.sort(SortBy::Oldest, true);
    assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
    g.sort(SortBy::Hold, true);
    assert_eq!(&*g.groups[0].label, "alice@Local.example");
    g.sort(SortBy::Deferred, true);
    assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
    g.sort(SortBy::Recent, true);
    assert_eq!(&*g.groups[0].label, "alice@Local.example");
    g.sort(SortBy::Label, true);
    assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
    g.sort(SortBy::Messages, false);
    assert_eq!(&*g.groups[0].label, "alice@Local.example");
    for k in SortBy::ALL {
        assert_eq!(SortBy::parse(k.name()), Some(k));
    }
}

#[test]
fn recipient_patterns() {
    assert_eq!(
        recipient_pattern("victim1@a.example"),
        "victim<n>@a.example"
    );
    assert_eq!(
        recipient_pattern("victim22@A.Example"),
        "victim<n>@a.example"
    );
    assert_eq!(
        recipient_pattern("3f9a0c77e1b2@a.example"),
        "<random>@a.example"
    );
    assert_eq!(
        recipient_pattern("xK9pQ2mZ7wLr4T@a.example"),
        "<random>@a.example"
    );
    assert_eq!(
        recipient_pattern("a1b2c3d4@a.example"),
        "<random>@a.example"
    );
    assert_eq!(
        recipient_pattern("qwrtzpkl@a.example"),
        "<random>@a.example"
    );
    assert_eq!(
        recipient_pattern("john.smith1984@a.example"),
        "john.smith<n>@a.example"
    );
    assert_eq!(
        recipient_pattern("postmaster@a.example"),
        "postmaster@a.example"
    );
    assert_eq!(recipient_pattern("info@a.example"), "info@a.example");
    assert_eq!(
        recipient_pattern("SRS0=AbCd=XY=forged.example=user@fwd.example"),
        "<srs>@fwd.example"
    );
    assert_eq!(
        recipient_pattern("prvs=1234abcd56=user@a.example"),
        "<batv>@a.example"
    );
    assert_eq!(
        recipient_pattern("user+x7z9q@a.example"),
        "user+<tag>@a.example"
    );
    assert_eq!(recipient_pattern("root"), "root");
    let g = {
        let s = storm();
        group(&s, &all(&s), GroupKey::RecipientPattern, 10_000)
    };
    let v = g
        .groups
        .iter()
        .find(|g| &*g.label == "v<n>@a.example")
        .expect("test value");
    assert_eq!((v.messages, v.recipients), (2, 3));
}

#[test]
fn buckets() {
    assert_eq!(age_bucket(0), "0-5m");
    assert_eq!(age_bucket(-5), "0-5m");
    assert_eq!(age_bucket(300), "5-10m");
    assert_eq!(age_bucket(1_280 * 60), "1280m+");
    assert_eq!(size_bucket(0), "<4K");
    assert_eq!(size_bucket(4_096), "4-16K");
    assert_eq!(size_bucket(u64::MAX), ">10M");
}

#[test]
fn group_keys_round_trip() {
    for k in GroupKey::ALL {
        assert_eq!(GroupKey::parse(k.name()), Some(k));
        assert_eq!(k.next().prev(), k);
    }
}

#[cfg(test)]
mod content_key_tests {
    use super::super::*;
    use crate::model::filter::{ContentField, ContentLookup};
    use crate::postfix::parse::parse_stream;

    struct Fake;
    impl ContentLookup for Fake {
        fn field(&self, i: u32, f: ContentField) -> Option<&str> {
            match (i, f) {
                (0 | 1, ContentField::Sasl) => Some("partner@example.test"),
                (0, ContentField::Client) => Some("186.216.156.42"),
                (1, ContentField::Client) => Some("186.216.156.7"),
                (2, ContentField::From) => Some("\"CANADA PHARMACY\" <x@Pharma.Example>"),
                _ => None,
            }
        }
    }

    #[test]
    fn content_keys_use_the_lookup_and_fold_unknowns() {
        let lines: Vec<String> = (0..4)
            .map(|i| format!(r#"{{"queue_name":"deferred","queue_id":"A{i}","arrival_time":{i},"message_size":1,"sender":"s","recipients":[]}}"#))
            .collect();
        let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
        let all = [0, 1, 2, 3];
        let g = group_with(&snap, &all, GroupKey::Sasl, None, 10, Some(&Fake));
        let labels: Vec<(&str, usize)> = g.groups.iter().map(|g| (&*g.label, g.messages)).collect();
        assert_eq!(labels, vec![("(unknown)", 2), ("partner@example.test", 2)]);
        let g = group_with(&snap, &all, GroupKey::ClientNet, None, 10, Some(&Fake));
        assert!(
            g.groups
                .iter()
                .any(|g| &*g.label == "186.216.156.0/24" && g.messages == 2)
        );
        let g = group_with(&snap, &all, GroupKey::FromDomain, None, 10, Some(&Fake));
        assert!(g.groups.iter().any(|g| &*g.label == "pharma.example"));
        let g = group_with(&snap, &all, GroupKey::Campaign, None, 10, None);
        assert_eq!(g.groups.len(), 1);
        assert_eq!(&*g.groups[0].label, UNKNOWN_CONTENT);
    }
}

#[cfg(test)]
mod login_new_key_tests {
    use super::super::*;
    use super::{all, msg, snap};
    use crate::model::filter::LoginFacts;

    #[test]
    fn login_new_groups_by_the_log_facts() {
        let s = snap(
            (0..5)
                .map(|i| msg(&format!("A{i}"), QueueName::Deferred, i, 1, "s@x", &[]))
                .collect(),
        );
        let facts = LoginFacts::from_vec(vec![Some(true), Some(true), Some(false), None]);
        let g = group_with_logins(
            &s,
            &all(&s),
            GroupKey::LoginNew,
            None,
            10,
            None,
            Some(&facts),
        );
        let labels: Vec<(&str, usize)> = g.groups.iter().map(|g| (&*g.label, g.messages)).collect();
        assert_eq!(
            labels,
            vec![(NO_LOG_FACTS, 2), (LOGIN_NEW_YES, 2), (LOGIN_NEW_NO, 1)]
        );
        // As a sub-key, and without facts: everything is "(no log facts)".
        let g = group_with_logins(
            &s,
            &all(&s),
            GroupKey::Queue,
            Some(GroupKey::LoginNew),
            10,
            None,
            Some(&facts),
        );
        assert_eq!(g.groups[0].children.len(), 3);
        let g = group_with(&s, &all(&s), GroupKey::LoginNew, None, 10, None);
        assert_eq!(g.groups.len(), 1);
        assert_eq!(&*g.groups[0].label, NO_LOG_FACTS);
        assert_eq!(GroupKey::parse("login-new"), Some(GroupKey::LoginNew));
        assert!(GroupKey::LoginNew.needs_log() && !GroupKey::LoginNew.needs_content());
    }
}
