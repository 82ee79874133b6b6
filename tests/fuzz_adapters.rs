//! Property tests for the parsers `tests/fuzz_parsers.rs` does not cover: postsuper stderr,
//! postcat output, `postqueue -p` text and the TOML configuration; plus round trips through
//! the synthetic generator (`synth`) and a `postqueue -p` renderer written here.
//!
//! Every property is bounded (`CASES`, input sizes) so the whole file runs in a few seconds in
//! a debug build: it is part of the normal `cargo test`. `PROPTEST_CASES=20000 cargo test
//! --test fuzz_adapters` runs a longer campaign with the same properties.

use std::collections::HashSet;

use mailq_tui::config::{self, Config, Theme};
use mailq_tui::model::group::GroupKey;
use mailq_tui::model::text::is_unsafe_char;
use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::postfix::parse::postcat::parse_output;
use mailq_tui::postfix::parse::postsuper::parse_stderr;
use mailq_tui::postfix::parse::text::parse_text;
use mailq_tui::postfix::parse::{SnapshotBuilder, parse_stream};
use mailq_tui::synth::{StormSpec, write_jsonl, write_postcat};
use proptest::prelude::*;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn clean(s: &str) -> bool {
    !s.chars().any(is_unsafe_char)
}

/// Hostile text: printable ASCII mixed with ESC, C1, bidi overrides, NUL and newlines.
fn hostile() -> impl Strategy<Value = String> {
    "[ -~\\x00\\x1b\\x07\\u{9b}\\u{202e}\\u{2066}\\n\\r]{0,60}"
}

// --- postsuper -------------------------------------------------------------------------------

fn queue_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9A-F]{6,12}",
        "[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{12}z[0-9A-Za-z]{3}"
    ]
}

/// One postsuper stderr line: the real shapes with hostile or malformed parts.
fn postsuper_line() -> impl Strategy<Value = String> {
    let verb = prop_oneof![
        Just("removed"),
        Just("placed on hold"),
        Just("released from hold"),
        Just("requeued"),
        Just("expired"),
        Just("eaten"),
    ];
    let prefix = prop_oneof![
        Just("postsuper: "),
        Just("/usr/sbin/postsuper: "),
        Just("postsuper[123]: "),
        Just(""),
    ];
    prop_oneof![
        (prefix.clone(), queue_id(), verb).prop_map(|(p, id, v)| format!("{p}{id}: {v}")),
        (prefix.clone(), hostile())
            .prop_map(|(p, id)| format!("{p}warning: invalid mail queue id: {id}")),
        (prefix.clone(), hostile()).prop_map(|(p, w)| format!("{p}warning: {w}")),
        (prefix.clone(), hostile()).prop_map(|(p, f)| format!("{p}fatal: {f}")),
        (
            prefix,
            "[A-Z][a-z -]{0,20}",
            0u32..100_000,
            prop_oneof![Just("message"), Just("messages"), Just("msgs")]
        )
            .prop_map(|(p, l, n, u)| format!("{p}{l}: {n} {u}")),
        hostile(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn postsuper_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let parsed = parse_stderr(&bytes);
        for e in &parsed.report.errors {
            prop_assert!(clean(e), "{e:?}");
        }
    }

    /// Every requested ID ends up in exactly one of done/gone/invalid, done IDs are
    /// well-formed, and nothing unsanitized escapes into the report's text.
    #[test]
    fn postsuper_report_partitions_the_request(
        lines in proptest::collection::vec(postsuper_line(), 0..40),
        extra in proptest::collection::vec(queue_id(), 0..10),
    ) {
        let text = lines.join("\n");
        let parsed = parse_stderr(text.as_bytes());
        if let Some(p) = &parsed.permission_denied {
            prop_assert!(clean(p));
        }
        // Ask for every ID mentioned in a done line plus some never mentioned.
        let mut requested: Vec<QueueId> = parsed.report.done.clone();
        requested.extend(extra.iter().map(|s| QueueId::new(s)));
        let mut seen = HashSet::new();
        requested.retain(|id| seen.insert(id.clone()));
        let report = parsed.into_report(&requested);
        for id in &report.done {
            prop_assert!(id.is_valid(), "{id:?}");
        }
        let done: HashSet<&QueueId> = report.done.iter().collect();
        prop_assert_eq!(done.len(), report.done.len(), "done lists an ID twice");
        let invalid: HashSet<&QueueId> = report.invalid.iter().collect();
        for id in &requested {
            let n = usize::from(done.contains(id))
                + usize::from(report.gone.contains(id))
                + usize::from(invalid.contains(id));
            prop_assert!(n >= 1, "{id} lost");
            prop_assert!(!(done.contains(id) && report.gone.contains(id)), "{id} done and gone");
        }
        for s in report.errors.iter().chain(&report.summary) {
            prop_assert!(clean(s), "{s:?}");
        }
    }
}

// --- postcat ---------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn postcat_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let out = parse_output(&bytes);
        prop_assert!(out.incomplete.len() <= bytes.len());
    }

    /// Separator-shaped lines in random order, with hostile paths and payloads.
    #[test]
    fn postcat_separator_soup_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            (prop_oneof![Just("ENVELOPE RECORDS"), Just("MESSAGE CONTENTS"),
                         Just("HEADER EXTRACTED"), Just("MESSAGE FILE END")],
             prop_oneof![Just("deferred/A/ABC123".to_owned()), "[a-z/.]{0,12}[0-9A-F]{0,8}"])
                .prop_map(|(k, p)| format!("*** {k} {p} ***")),
            hostile().prop_map(|h| format!("sender: {h}")),
            hostile().prop_map(|h| format!("named_attribute: {h}")),
            hostile(),
        ], 0..60)) {
        let text = parts.join("\n");
        let out = parse_output(text.as_bytes());
        let starts = parts.iter().filter(|p| p.starts_with("*** ENVELOPE RECORDS ")).count();
        prop_assert!(out.files.len() + out.incomplete.len() <= starts);
    }

    /// Round trip: the generator's postcat output parses into one file per message, with the
    /// same IDs, in the same order, as its `postqueue -j` listing.
    #[test]
    fn synth_postcat_round_trips(messages in 0usize..40, seed in any::<u64>()) {
        let spec = StormSpec { messages, seed, now: 1_764_000_000 };
        let mut jsonl = Vec::new();
        write_jsonl(&spec, &mut jsonl).expect("in memory");
        let mut cat = Vec::new();
        write_postcat(&spec, &mut cat).expect("in memory");
        let snap = parse_stream(&jsonl[..], "MAILER-DAEMON").expect("in memory");
        let out = parse_output(&cat);
        prop_assert!(out.incomplete.is_empty());
        prop_assert_eq!(out.stray_lines, 0);
        let listed: Vec<&str> = snap.messages.iter().map(|m| m.queue_id.as_str()).collect();
        let files: Vec<&str> = out.files.iter().map(|f| f.queue_id.as_str()).collect();
        prop_assert_eq!(listed, files);
        for (m, f) in snap.messages.iter().zip(&out.files) {
            prop_assert_eq!(f.queue.as_ref(), Some(&m.queue));
        }
    }

    /// postcat cut at any byte (it died): never a panic; the files before the cut are whole,
    /// at most one is reported incomplete, and none is invented.
    #[test]
    fn synth_postcat_cut_anywhere(messages in 1usize..12, seed in any::<u64>(), cut in any::<prop::sample::Index>()) {
        let spec = StormSpec { messages, seed, now: 1_764_000_000 };
        let mut cat = Vec::new();
        write_postcat(&spec, &mut cat).expect("in memory");
        let whole = parse_output(&cat);
        let at = cut.index(cat.len() + 1);
        let out = parse_output(&cat[..at]);
        prop_assert!(out.incomplete.len() <= 1);
        prop_assert!(out.files.len() + out.incomplete.len() <= whole.files.len());
        for (a, b) in out.files.iter().zip(&whole.files) {
            prop_assert_eq!(&a.queue_id, &b.queue_id);
            prop_assert_eq!(&a.envelope, &b.envelope);
        }
    }
}

// --- synth → postqueue -j --------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: config().cases.min(64), ..config() })]

    /// Round trip: `write_jsonl` → `parse_stream` yields exactly the generated messages: no
    /// problems, no duplicates, unique valid IDs, the counts the generator promised.
    #[test]
    fn synth_jsonl_round_trips(messages in 0usize..400, seed in any::<u64>()) {
        let spec = StormSpec { messages, seed, now: 1_764_000_000 };
        let mut jsonl = Vec::new();
        write_jsonl(&spec, &mut jsonl).expect("in memory");
        let snap = parse_stream(&jsonl[..], "MAILER-DAEMON").expect("in memory");
        prop_assert!(snap.problems.is_empty(), "{:?}", snap.problems);
        prop_assert_eq!(snap.duplicates, 0);
        prop_assert_eq!(snap.len(), messages);
        prop_assert_eq!(jsonl.iter().filter(|&&b| b == b'\n').count(), messages);
        let ids: HashSet<&QueueId> = snap.messages.iter().map(|m| &m.queue_id).collect();
        prop_assert_eq!(ids.len(), messages);
        for m in &snap.messages {
            prop_assert!(m.queue_id.is_valid());
            prop_assert!(m.arrival_time <= spec.now);
            prop_assert!(!m.recipients.is_empty());
        }
        // The same spec gives byte-identical output.
        let mut again = Vec::new();
        write_jsonl(&spec, &mut again).expect("in memory");
        prop_assert_eq!(jsonl, again);
    }
}

// --- postqueue -p ----------------------------------------------------------------------------

/// One message as `postqueue -p` shows it (what the text format can carry).
#[derive(Debug, Clone)]
struct TextEntry {
    id: String,
    marks: &'static str,
    size: u64,
    /// Seconds before "now".
    age: i64,
    sender: String,
    /// Recipients grouped under the reason line printed before them.
    groups: Vec<(Option<String>, Vec<String>)>,
}

const NOW: i64 = 1_764_000_000;

fn text_entry() -> impl Strategy<Value = TextEntry> {
    let address = "[a-z0-9._+-]{1,12}@[a-z0-9.-]{1,16}";
    let reason = "[ -'*-~][ -~]{0,80}";
    let group = (
        proptest::option::of(reason),
        proptest::collection::vec(address, 1..4),
    );
    (
        "[0-9A-F]{10,12}",
        prop_oneof![
            Just(""),
            Just("*"),
            Just("!"),
            Just("#"),
            Just("*#"),
            Just("!#")
        ],
        0u64..100_000_000,
        0i64..(200 * 86_400),
        prop_oneof![
            Just("MAILER-DAEMON".to_owned()),
            "[a-z0-9._+-]{1,12}@[a-z0-9.-]{1,16}"
        ],
        proptest::collection::vec(group, 0..4),
    )
        .prop_map(|(id, marks, size, age, sender, mut groups)| {
            // Only the first group can lack a reason line: a reason applies until the next.
            for g in groups.iter_mut().skip(1) {
                g.0.get_or_insert_with(|| "deferred".to_owned());
            }
            TextEntry {
                id,
                marks,
                size,
                age,
                sender,
                groups,
            }
        })
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).expect("day");
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("month");
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `Sat Nov 28 03:23:33` for a Unix time, in UTC.
fn asctime(t: i64) -> String {
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (_, m, d) = civil(days);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02}",
        WD[usize::try_from(days.rem_euclid(7)).expect("weekday")],
        MON[m as usize - 1],
        d,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Render entries the way `postqueue -p` (Postfix 3.x) prints them.
fn render(entries: &[TextEntry]) -> String {
    if entries.is_empty() {
        return "Mail queue is empty\n".to_owned();
    }
    let mut s = "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n".to_owned();
    let mut kbytes = 0;
    for e in entries {
        kbytes += e.size / 1024;
        let id = format!("{}{}", e.id, e.marks);
        // Postfix 3.x: "%-11s %7ld %20.20s %s" (ID with its marks, size, date, sender).
        s += &format!(
            "{id:<11} {:>7} {:>20}  {}\n",
            e.size,
            asctime(NOW - e.age),
            e.sender
        );
        for (reason, rcpts) in &e.groups {
            if let Some(r) = reason {
                if r.len() > 60 {
                    s += &format!("({r})\n");
                } else {
                    s += &format!("{:>19}({r})\n", "");
                }
            }
            for a in rcpts {
                s += &format!("{:>41}{a}\n", "");
            }
        }
        s += "\n";
    }
    s += &format!("-- {kbytes} Kbytes in {} Requests.\n", entries.len());
    s
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn postqueue_text_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000),
                                        now in any::<i64>(), offset in -50_400i64..50_400) {
        let snap = parse_text(&bytes[..], SnapshotBuilder::new("MAILER-DAEMON"), now, offset)
            .expect("in memory");
        for p in &snap.problems {
            prop_assert!(clean(&p.snippet) && clean(&p.error));
        }
    }

    /// Entry-shaped lines with broken fields (dates, sizes, marks, IDs) never panic.
    #[test]
    fn postqueue_text_broken_entries_never_panic(lines in proptest::collection::vec(
        (prop_oneof!["[0-9A-F]{1,12}", hostile()], "[*!# ]{0,3}", "[0-9a-z-]{0,21}",
         "[A-Za-z]{3}", "[A-Za-z]{3}", "-?[0-9]{1,3}", "[0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}", hostile())
            .prop_map(|(id, m, size, wd, mon, day, time, sender)| format!("{id}{m} {size} {wd} {mon} {day} {time}  {sender}")),
        0..30)) {
        let text = lines.join("\n");
        let _ = parse_text(text.as_bytes(), SnapshotBuilder::new("MAILER-DAEMON"), NOW, 0)
            .expect("in memory");
    }

    /// Round trip: whatever `postqueue -p` can express comes back exactly.
    #[test]
    fn postqueue_text_round_trips(entries in proptest::collection::vec(text_entry(), 0..12)) {
        let mut seen = HashSet::new();
        let entries: Vec<TextEntry> = entries.into_iter().filter(|e| seen.insert(e.id.clone())).collect();
        let text = render(&entries);
        let snap = parse_text(text.as_bytes(), SnapshotBuilder::new("MAILER-DAEMON"), NOW, 0)
            .expect("in memory");
        prop_assert!(snap.problems.is_empty(), "{:?}\n{}", snap.problems, text);
        prop_assert_eq!(snap.len(), entries.len());
        for (m, e) in snap.messages.iter().zip(&entries) {
            prop_assert_eq!(m.queue_id.as_str(), e.id.as_str());
            let queue = if e.marks.contains('*') { QueueName::Active }
                else if e.marks.contains('!') { QueueName::Hold } else { QueueName::Deferred };
            prop_assert_eq!(&m.queue, &queue);
            prop_assert_eq!(m.forced_expire, e.marks.contains('#'));
            prop_assert_eq!(m.size, e.size);
            prop_assert_eq!(m.arrival_time, NOW - e.age, "{}", text);
            prop_assert_eq!(&*m.sender, e.sender.as_str());
            prop_assert_eq!(m.null_sender, e.sender == "MAILER-DAEMON");
            let want: Vec<(Option<&str>, &str)> = e.groups.iter()
                .flat_map(|(r, rs)| rs.iter().map(move |a| (r.as_deref(), a.as_str())))
                .collect();
            let got: Vec<(Option<&str>, &str)> = m.recipients.iter()
                .map(|r| (r.delay_reason.as_deref(), &*r.address))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}

// --- configuration ---------------------------------------------------------------------------

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,25}".prop_map(|s| s),
        Just("true".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        Just("\"reason\"".to_owned()),
        Just("\"monochrome\"".to_owned()),
        "\"[ -!#-\\[\\]-~]{0,20}\"",
        "'[ -&(-~\\x1b]{0,20}'",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[ -~]{0,10}",
    ]
}

fn toml_doc() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("refresh"),
        Just("default-grouping"),
        Just("theme"),
        Just("alert-at"),
        Just("config-dir"),
        Just("audit-log"),
        Just("refresh_"),
        Just("colours"),
        Just("[colors]"),
        Just("[keys]"),
        Just("[keys.x]"),
        Just("[[keys]]"),
        Just("q"),
    ];
    proptest::collection::vec((key, toml_value()), 0..10).prop_map(|kv| {
        kv.iter()
            .map(|(k, v)| {
                if k.starts_with('[') {
                    (*k).to_owned()
                } else {
                    format!("{k} = {v}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn valid_config() -> impl Strategy<Value = Config> {
    (
        1u64..100_000,
        0..GroupKey::ALL.len(),
        any::<bool>(),
        proptest::collection::btree_map("[a-z-]{1,12}", "[ -~]{0,12}", 0..4),
        proptest::option::of(0usize..1_000_000),
        proptest::option::of("/[a-z/]{1,20}"),
        proptest::collection::btree_map("[ -~]{1,8}", "[a-z_]{1,16}", 0..4),
    )
        .prop_map(|(refresh, g, mono, colors, alert_at, dir, keys)| Config {
            refresh,
            default_grouping: GroupKey::ALL[g],
            theme: if mono {
                Theme::Monochrome
            } else {
                Theme::Default
            },
            colors,
            alert_at,
            config_dir: dir.clone().map(Into::into),
            audit_log: dir.map(|d| format!("{d}/audit.jsonl").into()),
            keys,
            ..Config::default()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_text_never_panics(text in "\\PC{0,200}") {
        if let Ok(c) = config::parse(&text) {
            prop_assert!(c.refresh >= 1);
        }
    }

    #[test]
    fn config_shaped_text_never_panics_and_errors_name_the_problem(doc in toml_doc()) {
        match config::parse(&doc) {
            Ok(c) => prop_assert!(c.refresh >= 1),
            Err(e) => { let shown = format!("{e:#}"); prop_assert!(!shown.is_empty()); }
        }
    }

    /// Round trip: any valid configuration written as TOML reads back equal.
    #[test]
    fn config_round_trips(c in valid_config()) {
        let text = toml::to_string(&c).expect("serialize");
        let back = config::parse(&text).map_err(|e| TestCaseError::fail(format!("{e:#}\n{text}")))?;
        prop_assert_eq!(back, c);
    }
}
