//! Property tests: every parser takes arbitrary input without panicking, and sanitized
//! text never carries a control character to the terminal. Bounded (see `cases`) so they
//! run in the normal test command.

use mailq_tui::model::QueueFile;
use mailq_tui::model::content::extract;
use mailq_tui::model::text::{is_unsafe_char, sanitize};
use mailq_tui::postfix::parse::parse_stream;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON-ish lines: real field names with hostile values, truncations and garbage.
fn postqueue_line() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        Just("\"MAILER-DAEMON\"".to_owned()),
        "\"[\\x00-\\x7f]{0,20}\"",
        "-?[0-9]{1,20}",
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("\"\\u001b]52;c;QUFB\\u0007\"".to_owned()),
    ];
    let field = prop_oneof![
        Just("queue_name"),
        Just("queue_id"),
        Just("arrival_time"),
        Just("message_size"),
        Just("sender"),
        Just("recipients"),
        Just("forced_expire"),
    ];
    (proptest::collection::vec((field, value), 0..8), 0usize..200).prop_map(|(fields, cut)| {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        let line = format!("{{{}}}", body.join(", "));
        let cut = cut.min(line.len());
        if cut % 3 == 0 {
            line[..cut].to_owned()
        } else {
            line
        }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn postqueue_json_never_panics(lines in proptest::collection::vec(postqueue_line(), 0..20)) {
        let text = lines.join("\n");
        let snap = parse_stream(text.as_bytes(), "MAILER-DAEMON").expect("in-memory read");
        // Every non-blank line is either a message, a duplicate or a counted problem.
        let nonblank = text.split('\n').filter(|l| !l.trim_ascii().is_empty()).count();
        prop_assert_eq!(snap.len() + snap.duplicates + snap.problems.len(), nonblank);
        for p in &snap.problems {
            prop_assert!(!p.snippet.chars().any(is_unsafe_char));
        }
    }

    #[test]
    fn postqueue_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = parse_stream(&bytes[..], "MAILER-DAEMON").expect("in-memory read");
    }

    #[test]
    fn sanitized_text_is_terminal_safe(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f\\u{202a}-\\u{202e}a-z]{0,64}") {
        let clean = sanitize(&s);
        prop_assert!(!clean.chars().any(is_unsafe_char), "{clean:?}");
        if !s.chars().any(is_unsafe_char) {
            prop_assert_eq!(clean.as_ref(), s.as_str());
        }
    }

    #[test]
    fn mime_extraction_never_panics(headers in proptest::collection::vec(any::<u8>(), 0..800),
                                    body in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let f = QueueFile { headers, body: Some(body), ..QueueFile::default() };
        let c = extract(&f);
        for s in [&c.subject, &c.from_name, &c.from_address].into_iter().flatten() {
            prop_assert!(!s.chars().any(is_unsafe_char));
        }
    }

    #[test]
    fn ndr_shaped_input_never_panics(subject in "[ -~\\x1b]{0,80}", ctype in prop_oneof![
        Just("message/rfc822"), Just("text/rfc822-headers"), Just("message/delivery-status"), Just("text/plain")],
        inner in "[ -~\\n]{0,400}") {
        let raw = format!(
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: {ctype}\n\nSubject: {subject}\n{inner}\n--B--\n"
        );
        let split = raw.find("\n\n").map_or(raw.len(), |i| i + 2);
        let f = QueueFile { headers: raw.as_bytes()[..split].to_vec(), body: Some(raw.as_bytes()[split..].to_vec()), ..QueueFile::default() };
        if let Some(o) = extract(&f).features_source() {
            let _ = mailq_tui::model::campaign::features(o);
        }
    }
}
