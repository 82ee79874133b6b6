//! Test fixtures shared by the `update()` and screen tests: an NDR storm replayed from
//! `tests/fixtures/tui/ndr_storm.jsonl`, at a fixed "now".

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Action, App, Options, update};
use crate::model::{QueueFile, QueueId, Snapshot};
use crate::postfix::MailQueue;
use crate::postfix::replay::ReplayQueue;

/// The fixed "now" of every test (the fixture's arrival times are relative to it).
pub const NOW: i64 = 1_800_000_000;

pub fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tui/ndr_storm.jsonl")
}

/// The storm as a writable in-memory queue, with one NDR's queue file readable.
pub fn storm_queue() -> ReplayQueue {
    let q = ReplayQueue::from_file(&fixture_path(), "MAILER-DAEMON").unwrap();
    let snap = q.list().unwrap();
    ReplayQueue::new(
        "file ndr_storm.jsonl",
        snap.messages,
        vec![ndr_file()],
        true,
    )
}

/// A listing with the volatile fields (taken at, took) fixed.
pub fn snapshot_of(q: &dyn MailQueue) -> Arc<Snapshot> {
    let mut s = q.list().unwrap();
    s.taken_at = NOW;
    s.took = Duration::from_millis(120);
    Arc::new(s)
}

pub fn options(read_only: Option<&str>) -> Options {
    Options {
        source: "file ndr_storm.jsonl".to_owned(),
        read_only: read_only.map(str::to_owned),
        // A captured queue: no mail log unless a test gives one.
        log: super::storm_log::LogOptions {
            off: true,
            ..super::storm_log::LogOptions::default()
        },
        ..Options::default()
    }
}

/// An app that has loaded `q` once.
pub fn app_on(q: &dyn MailQueue, read_only: Option<&str>) -> App {
    let mut app = App::new(options(read_only));
    app.now = NOW;
    assert!(matches!(
        update(&mut app, Action::Refresh),
        Some(super::Effect::Load)
    ));
    // Installing a listing starts reading its contents in the background, nothing else.
    let fx = update(&mut app, Action::Loaded(Ok(snapshot_of(q))));
    assert!(matches!(fx, Some(super::Effect::Index(_))), "{fx:?}");
    app
}

/// The queue file of the first NDR in the fixture: what `postcat -q -ebh` would show for
/// backscatter from spam sent through a phished account.
pub fn ndr_file() -> QueueFile {
    QueueFile {
        queue_id: QueueId::new("A4C123B161"),
        queue: None,
        envelope: vec![
            (
                "create_time".to_owned(),
                "Fri Jan 15 08:57:00 2027".to_owned(),
            ),
            ("sender".to_owned(), String::new()),
        ],
        attributes: vec![
            ("log_client_address".to_owned(), "186.216.156.42".to_owned()),
            ("sasl_method".to_owned(), "CRAM-MD5".to_owned()),
            ("sasl_username".to_owned(), "victim@home.example".to_owned()),
        ],
        headers: b"From: MAILER-DAEMON@home.example (Mail Delivery System)\n\
Subject: Undelivered Mail Returned to Sender\n\
To: user0@pharma-victim.example\n\
X-Evil: \x1b]52;c;SGVsbG8=\x07\n"
            .to_vec(),
        body: Some(
            b"This is the mail system at host home.example.\n\n\
--- original message ---\nFrom: \"CANADA PHARMACY\" <sales@pharma.example>\nSubject: Cheap pills\n"
                .to_vec(),
        ),
    }
}

/// The demo queue with its arrival times anchored at [`NOW`] (the demo itself follows the
/// clock), and every message's queue file readable.
pub fn demo_queue() -> ReplayQueue {
    use crate::postfix::ReadParts;
    let demo = ReplayQueue::demo();
    let mut messages = demo.list().unwrap().messages;
    let ids: Vec<QueueId> = messages.iter().map(|m| m.queue_id.clone()).collect();
    let files = demo.read(&ids, ReadParts { body: true }).unwrap().files;
    let newest = messages.iter().map(|m| m.arrival_time).max().unwrap();
    for m in &mut messages {
        m.arrival_time += NOW - 60 - newest;
    }
    ReplayQueue::new("demo", messages, files, true)
}

/// Run an indexing effect to the end, synchronously, and feed every batch to the app (what
/// the event loop does on a worker thread).
pub fn run_index(app: &mut App, q: &dyn MailQueue, fx: Option<super::Effect>) {
    let Some(super::Effect::Index(job)) = fx else {
        panic!("expected an indexing effect, got {fx:?}");
    };
    let mut batches = Vec::new();
    crate::indexer::run_job(
        q,
        *job,
        &std::sync::atomic::AtomicBool::new(false),
        &mut |b| batches.push(b),
    );
    for b in batches {
        assert!(update(app, Action::Indexed(Box::new(b))).is_none());
    }
}

/// The demo queue loaded and fully indexed.
pub fn indexed_demo() -> (App, ReplayQueue) {
    let q = demo_queue();
    let mut app = App::new(options(None));
    app.source = "demo".to_owned();
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    run_index(&mut app, &q, fx);
    (app, q)
}

/// A stand-in for `postmap -q - pcre:` in tests without Postfix: the rule's pattern through
/// the `regex` crate, case-insensitive as Postfix's PCRE tables are by default. (The live
/// and integration tests use the real postmap.)
pub struct RegexTester;

impl crate::model::rules::RuleTester for RegexTester {
    fn matches(&self, table_line: &str, keys: &[String]) -> Result<Vec<bool>, String> {
        let body = table_line.strip_prefix('/').ok_or("no pattern")?;
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '/' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let pattern = &body[..end.ok_or("unterminated pattern")?];
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(keys.iter().map(|k| re.is_match(k)).collect())
    }
}

/// Open the storm screen and answer its rule check with [`RegexTester`].
pub fn open_storm_with_rules(app: &mut App) {
    let fx = update(app, Action::ToggleStorm);
    let Some(super::Effect::CheckRules(job)) = fx else {
        panic!("opening the storm screen checks its rules, got {fx:?}");
    };
    let plan = crate::model::storm::check_rules(&job.snapshot, &job.content, &RegexTester);
    update(
        app,
        Action::RulesChecked(Box::new(super::storm::RulesChecked {
            generation: job.generation,
            networks: Some("127.0.0.0/8 [::1]/128".to_owned()),
            plan,
        })),
    );
}
