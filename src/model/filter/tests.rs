use std::collections::HashMap;
use std::time::Duration;

use super::parse::FIELDS;
use super::*;
use crate::model::{QueueName, Snapshot};

use crate::model::group::tests::msg;

const NOW: i64 = 100_000;
const TIMEOUT: &str = "connect to mx.victim-a.example[192.0.2.10]:25: Connection timed out";
const SUSPENDED: &str = "delivery temporarily suspended: connect to mx.gmail.example[192.0.2.20]:25: Connection timed out";
const UNKNOWN: &str = "host mx.c.example[192.0.2.3] said: 550 5.1.1 <u@c.example>: User unknown (in reply to RCPT TO command)";

fn snap() -> Snapshot {
    use QueueName::{Active, Deferred, Hold};
    Snapshot::new(
        vec![
            // 0: NDR to victim-a only, 3 hours old.
            msg(
                "A0",
                Deferred,
                NOW - 3 * 3600,
                2_000,
                "MAILER-DAEMON",
                &[("v1@victim-a.example", Some(TIMEOUT))],
            ),
            // 1: NDR to victim-a and gmail: partial for rcpt:@victim-a.example.
            msg(
                "A1",
                Deferred,
                NOW - 4 * 3600,
                3_000,
                "MAILER-DAEMON",
                &[
                    ("v2@victim-a.example", Some(TIMEOUT)),
                    ("x@gmail.com", Some(SUSPENDED)),
                ],
            ),
            // 2: legit, held, young, big.
            msg(
                "B2",
                Hold,
                NOW - 60,
                2_000_000,
                "alice@example.com",
                &[("bob@example.net", None)],
            ),
            // 3: unknown user, 1 day old.
            msg(
                "C3",
                Deferred,
                NOW - 90_000,
                500,
                "MAILER-DAEMON",
                &[("u@c.example", Some(UNKNOWN))],
            ),
            // 4: active, long ID, no reason.
            msg(
                "4dZxyF3Kq1zRrbm",
                Active,
                NOW - 10,
                1_000,
                "carol@Example.org",
                &[("gmail-fan@example.org", None)],
            ),
        ],
        Vec::new(),
        0,
        NOW,
        Duration::ZERO,
    )
}

fn ids(f: &str) -> (Vec<u32>, usize) {
    let sel = select(&snap(), &Filter::parse(f).expect("test value"), NOW);
    (sel.indices, sel.partial)
}

fn err(f: &str) -> FilterError {
    Filter::parse(f).expect_err("test error")
}

#[test]
fn empty_filter_selects_everything() {
    let f = Filter::parse("   ").expect("test value");
    assert!(f.is_empty());
    assert_eq!(ids(""), (vec![0, 1, 2, 3, 4], 0));
}

#[test]
fn the_example_from_the_help() {
    let f = "sender:MAILER-DAEMON reason:/timed out/ rcpt:@victim-a.example age:>2h queue:deferred !rcpt:@gmail.com";
    assert_eq!(ids(f), (vec![0, 1], 1));
    assert_eq!(Filter::parse(f).expect("test value").text(), f);
}

#[test]
fn substring_is_case_insensitive() {
    assert_eq!(ids("sender:mailer-daemon").0, vec![0, 1, 3]);
    assert_eq!(ids("sender:EXAMPLE.org").0, vec![4]);
    assert_eq!(ids("queue:DEF").0, vec![0, 1, 3]);
    assert_eq!(ids("id:a").0, vec![0, 1]);
}

#[test]
fn exact_and_regex() {
    assert_eq!(ids("sender:=alice@EXAMPLE.com").0, vec![2]);
    assert_eq!(ids("sender:=alice").0, Vec::<u32>::new());
    assert_eq!(ids("id:=4dZxyF3Kq1zRrbm").0, vec![4]);
    assert_eq!(
        ids("id:=4dzxyf3kq1zrrbm").0,
        Vec::<u32>::new(),
        "queue IDs are case-sensitive"
    );
    assert_eq!(ids(r"rcpt:/^v\d+@/").0, vec![0, 1]);
    assert_eq!(ids("rcpt:/GMAIL\\.COM$/").0, vec![1]);
    assert_eq!(ids(r"rcpt:/^[^\/]+$/").0, vec![0, 1, 2, 3, 4]);
    assert_eq!(ids(r#"reason:/in reply to/"#).0, vec![3]);
}

#[test]
fn reason_matches_raw_text_and_family() {
    assert_eq!(ids("reason:192.0.2.10").0, vec![0, 1]);
    assert_eq!(ids(r#"reason:"connect to <host>""#).0, vec![0, 1]);
    assert_eq!(
        ids("reason:=\"connect to <host>: Connection timed out\"").0,
        vec![0, 1]
    );
    assert_eq!(ids("reason:suspended").0, vec![1]);
    assert_eq!(ids(r#"reason:"(no reason)""#).0, vec![2, 4]);
    assert_eq!(ids("reason:5.1.1").0, vec![3]);
}

#[test]
fn recipient_terms_hold_for_the_same_recipient() {
    // gmail recipient has the suspended reason; victim-a has plain timeouts.
    assert_eq!(ids("rcpt:gmail reason:suspended"), (vec![1], 1));
    assert_eq!(ids("rcpt:victim-a reason:suspended"), (vec![], 0));
    assert_eq!(ids("rcpt:@victim-a.example"), (vec![0, 1], 1));
}

#[test]
fn negated_recipient_terms_look_at_the_same_recipient() {
    // Messages with at least one non-gmail recipient; A1 is partial.
    assert_eq!(ids("!rcpt:@gmail.com"), (vec![0, 1, 2, 3, 4], 1));
    assert_eq!(ids("rcpt:@gmail.com"), (vec![1], 1));
    assert_eq!(ids("null !reason:suspended"), (vec![0, 1, 3], 1));
}

#[test]
fn negated_message_terms() {
    assert_eq!(ids("!null").0, vec![2, 4]);
    assert_eq!(ids("!queue:deferred").0, vec![2, 4]);
    assert_eq!(ids("!sender:example").0, vec![0, 1, 3]);
}

#[test]
fn null_sender_shorthands() {
    assert_eq!(ids("null").0, vec![0, 1, 3]);
    assert_eq!(ids("BOUNCE").0, vec![0, 1, 3]);
    assert_eq!(ids("sender:<>").0, vec![0, 1, 3]);
    // Quoted, "bounce" is text again.
    assert_eq!(ids("\"bounce\"").0, Vec::<u32>::new());
}

#[test]
fn bare_words_search_sender_recipient_and_reason() {
    assert_eq!(ids("alice").0, vec![2]);
    assert_eq!(ids("gmail"), (vec![1, 4], 1));
    assert_eq!(ids("timed"), (vec![0, 1], 0));
    assert_eq!(ids("mailer-daemon").0, vec![0, 1, 3]);
    assert_eq!(ids("!gmail").0, vec![0, 1, 2, 3]);
    assert_eq!(ids("\"user unknown\"").0, vec![3]);
}

#[test]
fn retry_times() {
    let mut s = snap();
    // 0: deferred, due in 5 minutes; 1: deferred, overdue by 1 minute;
    // 3: deferred, due in 2 hours; 2 (hold) and 4 (active): no retry time.
    let mut times = std::collections::HashMap::new();
    times.insert("A0".to_owned(), NOW + 300);
    times.insert("A1".to_owned(), NOW - 60);
    times.insert("C3".to_owned(), NOW + 7_200);
    times.insert("B2".to_owned(), NOW + 1); // a held file's mtime is no retry time
    s.set_next_retries(&times);
    assert_eq!(s.messages[2].next_retry, None);
    let ids = |f: &str| select(&s, &Filter::parse(f).expect("test value"), NOW).indices;
    assert_eq!(ids("retry:<10m"), vec![0, 1], "overdue counts as due");
    assert_eq!(ids("retry:>1h"), vec![3]);
    assert_eq!(ids("retry:<0"), vec![1]);
    assert_eq!(
        ids("!retry:<10m"),
        vec![3],
        "unknown never matches, negated or not"
    );
    assert!(err("retry:soon").message.contains("retry"));
    assert!(err("retry:<3x").message.contains("s, m, h, d or w"));
    // Without the queue files: nothing is known, nothing matches.
    let unknown = snap();
    let none = select(
        &unknown,
        &Filter::parse("retry:<1w").expect("test value"),
        NOW,
    );
    assert!(none.indices.is_empty());
}

#[test]
fn age_and_size() {
    assert_eq!(ids("age:>2h").0, vec![0, 1, 3]);
    assert_eq!(ids("age:<5m").0, vec![2, 4]);
    assert_eq!(ids("age:>=1d").0, vec![3]);
    assert_eq!(ids("age:>1w").0, Vec::<u32>::new());
    assert_eq!(ids("age:<=60").0, vec![2, 4]);
    assert_eq!(ids("size:>1M").0, vec![2]);
    assert_eq!(ids("size:<1k").0, vec![3, 4], "k is 1024");
    assert_eq!(ids("size:<1000").0, vec![3]);
    assert_eq!(ids("size:>=2000").0, vec![0, 1, 2]);
    assert_eq!(ids("!size:>1M").0, vec![0, 1, 3, 4]);
}

#[test]
fn parse_errors_point_at_the_problem() {
    let e = err("sender:x bogus:1");
    assert_eq!(e.pos, 9);
    assert!(e.message.contains("unknown field `bogus`"), "{e}");
    assert!(e.message.contains("sender, rcpt"), "{e}");
    assert_eq!(err("rcpt:").pos, 5);
    assert!(
        err("rcpt:")
            .message
            .contains("expected a value after `rcpt:`")
    );
    let e = err("reason:/timed out");
    assert_eq!(e.pos, 7);
    assert!(e.message.contains("closing `/`"), "{e}");
    let e = err(r#"subject:"canada pharmacy"#);
    assert_eq!(e.pos, 8);
    assert!(e.message.contains("closing `\"`"), "{e}");
    let e = err("reason:/(unclosed/");
    assert_eq!(e.pos, 7);
    assert!(e.message.starts_with("invalid regex"), "{e}");
    let e = err("age:2h");
    assert_eq!(e.pos, 4);
    assert!(e.message.contains("expected `>` or `<`"), "{e}");
    let e = err("age:>2x");
    assert_eq!(e.pos, 6);
    assert!(e.message.contains("unknown unit `x`"), "{e}");
    let e = err("size:>k");
    assert_eq!(e.pos, 6);
    assert!(e.message.contains("expected a number"), "{e}");
    assert!(
        err("age:>99999999999999999999d")
            .message
            .contains("too large")
    );
    assert!(err("age:>999999999999999w").message.contains("too large"));
    assert_eq!(err("x !").pos, 3);
    assert!(
        err("sender:>5")
            .message
            .contains("only work with age:, retry: and size:")
    );
    assert_eq!(err("rcpt:=").pos, 6);
    let e = err(r#"rcpt:"a"b"#);
    assert_eq!(e.pos, 8);
    assert!(e.message.contains("expected a space"));
    assert_eq!(
        e.to_string(),
        "filter error at column 9: expected a space or the end of the filter"
    );
    assert_eq!(e.pointer(r#"rcpt:"a"b"#), "  rcpt:\"a\"b\n          ^");
}

#[test]
fn quoting_and_escapes() {
    let s = Snapshot::new(
        vec![msg(
            "Q1",
            QueueName::Deferred,
            0,
            1,
            "say \"hi\" \\o/",
            &[("a@b", None)],
        )],
        Vec::new(),
        0,
        0,
        Duration::ZERO,
    );
    let sel = |f: &str| {
        select(&s, &Filter::parse(f).expect("test value"), 0)
            .indices
            .len()
    };
    assert_eq!(sel(r#"sender:"say \"hi\" \\o/""#), 1);
    assert_eq!(sel(r"sender:/\\o\//"), 1);
    assert_eq!(sel(r#"sender:=say"#), 0);
}

struct Index(HashMap<(u32, ContentField), String>);
impl ContentLookup for Index {
    fn field(&self, msg_index: u32, field: ContentField) -> Option<&str> {
        self.0.get(&(msg_index, field)).map(String::as_str)
    }
}

#[test]
fn content_fields_need_an_index() {
    let s = snap();
    let f = Filter::parse(r#"subject:"canada pharmacy""#).expect("test value");
    assert_eq!(f.content_fields(), vec![ContentField::Subject]);
    assert!(select(&s, &f, NOW).indices.is_empty());
    let neg = Filter::parse(r#"!subject:"canada pharmacy""#).expect("test value");
    assert!(
        select(&s, &neg, NOW).indices.is_empty(),
        "unknown content never matches"
    );

    let mut m = HashMap::new();
    m.insert(
        (0, ContentField::Subject),
        "CANADA PHARMACY deals".to_owned(),
    );
    m.insert((1, ContentField::Subject), "Hello".to_owned());
    m.insert((1, ContentField::Sasl), "victim@example.com".to_owned());
    let idx = Index(m);
    let ctx = MatchContext {
        now: NOW,
        content: Some(&idx),
        logins: None,
    };
    assert_eq!(select_with(&s, &f, &ctx).indices, vec![0]);
    assert_eq!(select_with(&s, &neg, &ctx).indices, vec![1]);
    let sasl = Filter::parse("sasl:=victim@example.com null").expect("test value");
    assert_eq!(select_with(&s, &sasl, &ctx).indices, vec![1]);
    for f in ContentField::ALL {
        assert!(Filter::parse(&format!("{}:x", f.name())).is_ok());
    }
}

#[test]
fn single_message_api_agrees_with_select() {
    let s = snap();
    let f = Filter::parse("rcpt:@victim-a.example").expect("test value");
    assert_eq!(f.matches(&s.messages[0], NOW), Match::Whole);
    assert_eq!(f.matches(&s.messages[1], NOW), Match::Partial);
    assert_eq!(f.matches(&s.messages[2], NOW), Match::No);
    assert!(f.has_recipient_terms());
    assert!(
        !Filter::parse("null age:>1h")
            .expect("test value")
            .has_recipient_terms()
    );
    let m = &s.messages[1];
    assert!(f.recipient_matches(m, &m.recipients[0]));
    assert!(!f.recipient_matches(m, &m.recipients[1]));
}

#[test]
fn adaptive_memos_switch_off_without_changing_results() {
    // 10,000 distinct addresses (memo turns off) and one repeated sender (memo stays on).
    let messages: Vec<Message> = (0..10_000)
        .map(|i| {
            let addr = format!("user{i}@d{}.example", i % 7);
            msg(
                &format!("M{i}"),
                QueueName::Deferred,
                0,
                1,
                "MAILER-DAEMON",
                &[(&addr, Some(TIMEOUT))],
            )
        })
        .collect();
    let s = Snapshot::new(messages, Vec::new(), 0, 0, Duration::ZERO);
    for f in [
        "rcpt:7@",
        "!rcpt:@d3.example",
        "rcpt:/^user1[0-9]*@/",
        "null timed",
    ] {
        let filter = Filter::parse(f).expect("test value");
        let expected = s
            .messages
            .iter()
            .filter(|m| filter.matches(m, 0) != Match::No)
            .count();
        assert_eq!(select(&s, &filter, 0).indices.len(), expected, "{f}");
    }
    let n = |f: &str| {
        select(&s, &Filter::parse(f).expect("test value"), 0)
            .indices
            .len()
    };
    assert_eq!(
        n("rcpt:@d3.example"),
        (0..10_000).filter(|i| i % 7 == 3).count()
    );
    assert_eq!(n("rcpt:7@"), (0..10_000).filter(|i| i % 10 == 7).count());
}

#[test]
fn help_mentions_every_field() {
    for name in FIELDS.split(", ") {
        assert!(FILTER_HELP.contains(name), "{name}");
    }
}

proptest::proptest! {
    #[test]
    fn parser_never_panics(s in "\\PC{0,40}") {
        let _ = Filter::parse(&s);
    }

    #[test]
    fn parser_never_panics_on_filter_like_text(
        s in r#"(!?(sender|rcpt|reason|age|size|id|queue|subject|bogus)?:?[=<>/"\\]{0,2}[a-z0-9 .@*()\[\]/"\\<>=!:]{0,12}){0,4}"#
    ) {
        if let Err(e) = Filter::parse(&s) {
            proptest::prop_assert!(e.pos <= s.len());
            proptest::prop_assert!(s.is_char_boundary(e.pos));
        }
    }
}

#[test]
fn uses_retry_only_with_a_retry_term() {
    let uses = |s: &str| Filter::parse(s).unwrap().uses_retry();
    assert!(uses("retry:<10m"));
    assert!(uses("null !retry:>1h"));
    assert!(!uses("null reason:retry age:>1h"));
    assert!(!uses(""));
}

#[test]
fn login_new_asks_the_log_facts_and_unknowns_match_neither() {
    let s = snap();
    let yes = Filter::parse("login-new:yes").expect("test value");
    let no = Filter::parse("LOGIN-NEW:No").expect("test value");
    let not_yes = Filter::parse("!login-new:yes").expect("test value");
    assert!(yes.uses_login() && no.uses_login() && not_yes.uses_login());
    assert!(
        !Filter::parse("null age:>1h")
            .expect("test value")
            .uses_login()
    );
    // Without log facts nothing matches, negated or not.
    for f in [&yes, &no, &not_yes] {
        assert!(select(&s, f, NOW).indices.is_empty());
    }
    // 0 new, 1 known, the rest unknown to the log.
    let mut facts = vec![None; s.messages.len()];
    facts[0] = Some(true);
    facts[1] = Some(false);
    let facts = LoginFacts::from_vec(facts);
    assert_eq!(facts.known(), 2);
    let ctx = MatchContext {
        now: NOW,
        content: None,
        logins: Some(&facts),
    };
    assert_eq!(select_with(&s, &yes, &ctx).indices, vec![0]);
    assert_eq!(select_with(&s, &no, &ctx).indices, vec![1]);
    // A message the log knows nothing about is not "not new" either.
    assert_eq!(select_with(&s, &not_yes, &ctx).indices, vec![1]);
    // Combines with other terms.
    let f = Filter::parse("login-new:yes null").expect("test value");
    assert_eq!(select_with(&s, &f, &ctx).indices, vec![0]);
    assert_eq!(f.matches_with(&s.messages[0], 0, &ctx), Match::Whole);
}

#[test]
fn login_new_takes_only_yes_or_no() {
    for bad in [
        "login-new:maybe",
        "login-new:/y/",
        "login-new:=yes",
        "login-new:>1",
    ] {
        let e = Filter::parse(bad).expect_err(bad);
        assert_eq!(e.pos, 10, "{bad}: {e}");
        assert!(e.message.contains("yes or no"), "{bad}: {e}");
    }
    let e = Filter::parse("login-new:").expect_err("empty");
    assert!(e.message.contains("expected a value"), "{e}");
    assert!(FIELDS.contains("login-new"));
    assert!(FILTER_HELP.contains("login-new:yes"));
}
