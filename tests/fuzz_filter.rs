//! Property tests for the filter language: `Filter::parse` never panics and points its errors
//! inside the input; `select` (which may cache per interned string) agrees with `matches`
//! message by message, on queues full of hostile strings. Written against the public API
//! (`Filter::parse`, `FilterError::pos`, `matches`, `select`), so it holds for the first cut
//! and for the full language alike.

use mailq_tui::model::filter::{Filter, Match, select};
use mailq_tui::model::{QueueName, Snapshot};
use mailq_tui::postfix::parse::parse_stream;
use proptest::prelude::*;

const NOW: i64 = 1_764_000_000;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Values that stress quoting, regexes, numbers with units and multi-byte characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z@.\\-]{0,12}",
        "[=<>]{0,2}[0-9]{0,22}[smhdwbkMG]?",
        "/[a-z.*+?()\\[\\]{}|^$\\\\/0-9,]{0,16}/?",
        "\"[a-z \\\\\"]{0,12}\"?",
        Just("/(a+)+$/".to_owned()),
        Just("/a{1000}{1000}/".to_owned()),
        Just("/[/".to_owned()),
        Just("<>".to_owned()),
        "[éü件名\\u{202e}\\x1b\\x00 ]{0,6}",
    ]
}

fn term() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("sender"),
        Just("rcpt"),
        Just("to"),
        Just("recipient"),
        Just("reason"),
        Just("queue"),
        Just("id"),
        Just("age"),
        Just("size"),
        Just("subject"),
        Just("from"),
        Just("campaign"),
        Just("sasl"),
        Just("client"),
        Just("helo"),
        Just("bogus"),
        Just(""),
    ];
    prop_oneof![
        (any::<bool>(), field, value())
            .prop_map(|(neg, f, v)| format!("{}{f}:{v}", if neg { "!" } else { "" })),
        value(),
        Just("null".to_owned()),
        Just("bounce".to_owned()),
        Just("!".to_owned()),
        Just(":".to_owned()),
    ]
}

fn filter_text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(term(), 0..6).prop_map(|t| t.join(" ")),
        "\\PC{0,40}",
    ]
}

/// A small queue with hostile, repeated (so interned and shared) strings.
fn queue() -> impl Strategy<Value = Snapshot> {
    let s = prop_oneof![
        Just("MAILER-DAEMON".to_owned()),
        "[a-z]{1,6}@[a-z]{1,6}\\.example",
        "[a-zé件\\u{202e}\\x1b@. ]{0,12}",
    ];
    let reason = proptest::option::of(prop_oneof![
        Just("connect to mx.a.example[192.0.2.1]:25: Connection timed out".to_owned()),
        Just("host mx.b.example said: 450 4.7.28 rate limited".to_owned()),
        "[ -~\\x1b]{0,30}",
    ]);
    let msg = (
        0usize..6,
        s.clone(),
        proptest::collection::vec((s, reason), 0..4),
        0i64..1_000_000,
        0u64..10_000_000,
    );
    proptest::collection::vec(msg, 0..12).prop_map(|msgs| {
        let queues = ["deferred", "hold", "active", "incoming", "maildrop", "weird"];
        let lines: String = msgs
            .iter()
            .enumerate()
            .map(|(i, (q, sender, rcpts, age, size))| {
                let r: Vec<String> = rcpts
                    .iter()
                    .map(|(a, reason)| match reason {
                        Some(d) => format!(
                            r#"{{"address":{},"delay_reason":{}}}"#,
                            serde_json::to_string(a).expect("json"),
                            serde_json::to_string(d).expect("json")
                        ),
                        None => format!(r#"{{"address":{}}}"#, serde_json::to_string(a).expect("json")),
                    })
                    .collect();
                format!(
                    r#"{{"queue_name":"{}","queue_id":"F{i:05X}","arrival_time":{},"message_size":{size},"sender":{},"recipients":[{}]}}"#,
                    queues[*q],
                    NOW - age,
                    serde_json::to_string(sender).expect("json"),
                    r.join(",")
                ) + "\n"
            })
            .collect();
        parse_stream(lines.as_bytes(), "MAILER-DAEMON").expect("parse")
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_never_panics_and_errors_point_into_the_input(text in filter_text()) {
        if let Err(e) = Filter::parse(&text) {
            prop_assert!(e.pos <= text.len(), "pos {} > len {} for {:?}", e.pos, text.len(), text);
            prop_assert!(text.is_char_boundary(e.pos), "pos {} splits a character in {:?}", e.pos, text);
            prop_assert!(!e.message.is_empty());
        }
    }

    /// `select` and `matches` agree on every message; indices are in order and in range.
    #[test]
    fn select_agrees_with_matches(text in filter_text(), snap in queue()) {
        let Ok(filter) = Filter::parse(&text) else { return Ok(()) };
        let sel = select(&snap, &filter, NOW);
        let mut partial = 0;
        let mut expect = Vec::new();
        for (i, m) in snap.messages.iter().enumerate() {
            match filter.matches(m, NOW) {
                Match::No => {}
                Match::Whole => expect.push(u32::try_from(i).expect("small")),
                Match::Partial => {
                    partial += 1;
                    expect.push(u32::try_from(i).expect("small"));
                }
            }
        }
        prop_assert_eq!(&sel.indices, &expect, "filter {:?}", text);
        prop_assert_eq!(sel.partial, partial);
        // The empty filter selects everything.
        if filter.is_empty() {
            prop_assert_eq!(sel.indices.len(), snap.len());
        }
        prop_assert!(snap.count(&QueueName::Deferred).messages <= snap.len());
    }
}
