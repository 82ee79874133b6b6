//! The storm screen's mail log evidence: asked for when the screen opens, answered by a
//! background job, kept only when it is the latest answer.

use super::storm_log::{LogFacts, LogLoaded, LogOptions};
use super::testing::{NOW, demo_queue, options, snapshot_of};
use super::{Action, App, Effect, Overlay, update};
use crate::model::log::{Clock, LoginAnalyzer};

/// The lab's real postlogd log (13 botnet addresses on carol@lab.test).
const LAB_LOG: &str = include_str!("../../tests/fixtures/maillog/lab-postlogd.log");

/// What the job would read from the lab log.
pub fn lab_facts() -> LogFacts {
    // A window opening before the log: every address is new in it.
    facts_of(LAB_LOG, NOW - 365 * 86_400, &[])
}

/// What the job would read from `log` with the window opening at `since`, asked about the
/// queue IDs in `watch`.
pub fn facts_of(log: &str, since: i64, watch: &[String]) -> LogFacts {
    let mut a = LoginAnalyzer::new(
        Clock {
            now: NOW,
            utc_offset: 0,
        },
        Some(since),
    );
    a.watch_queue_ids(watch.iter().map(String::as_str));
    for line in log.lines() {
        a.push_line(line.as_bytes());
    }
    LogFacts {
        report: a.finish(),
        read: vec!["/var/log/mail.log".to_owned()],
        warnings: Vec::new(),
        logpath: "/var/log/mail.log".to_owned(),
    }
}

/// The demo queue, indexed, with the mail log read from `paths`.
pub fn demo_with_log(paths: &[&str]) -> App {
    let q = demo_queue();
    let mut app = App::new(super::Options {
        log: LogOptions {
            paths: paths.iter().map(Into::into).collect(),
            since: Some("30d".to_owned()),
            off: false,
        },
        ..options(None)
    });
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    super::testing::run_index(&mut app, &q, fx);
    app
}

/// The log job among the effects of one step.
fn log_job(fx: Option<Effect>) -> Option<super::storm_log::LogJob> {
    fx.into_iter()
        .flat_map(Effect::flatten)
        .find_map(|e| match e {
            Effect::ReadLog(job) => Some(*job),
            _ => None,
        })
}

/// Open the storm screen and answer its log job with `result`.
pub fn open_with_log(app: &mut App, result: Result<LogFacts, String>) {
    let fx = update(app, Action::ToggleStorm);
    let job = log_job(fx).expect("opening the storm screen reads the mail log");
    update(
        app,
        Action::LogLoaded(Box::new(LogLoaded {
            generation: job.generation,
            result,
        })),
    );
}

#[test]
fn opening_the_storm_screen_reads_the_log_in_the_background_once() {
    let mut app = demo_with_log(&["/var/log/mail.log.1", "/var/log/mail.log"]);
    let fx = update(&mut app, Action::ToggleStorm);
    let flat: Vec<Effect> = fx.into_iter().flat_map(Effect::flatten).collect();
    assert!(flat.iter().any(|e| matches!(e, Effect::CheckRules(_))));
    let job = log_job(Some(Effect::Batch(flat))).expect("a log job");
    assert_eq!(
        job.paths,
        vec![
            std::path::PathBuf::from("/var/log/mail.log.1"),
            "/var/log/mail.log".into()
        ]
    );
    assert_eq!(job.since.as_deref(), Some("30d"));
    // The default window starts at the oldest queued message: the job lists nothing again.
    assert_eq!(
        job.oldest_queued,
        app.snapshot.messages.iter().map(|m| m.arrival_time).min()
    );
    assert!(job.oldest_queued.is_some());
    assert!(app.mail_log.running);
    assert_eq!(
        app.mail_log.status_line().as_deref(),
        Some("Mail log: reading in the background…")
    );
    // Closed and opened again while it runs: no second read.
    update(&mut app, Action::ToggleStorm);
    assert!(log_job(update(&mut app, Action::ToggleStorm)).is_none());
}

#[test]
fn no_log_reads_nothing_and_says_nothing() {
    let mut app = demo_with_log(&[]);
    app.mail_log.options.off = true;
    assert!(log_job(update(&mut app, Action::ToggleStorm)).is_none());
    assert_eq!(app.mail_log.status_line(), None);
}

#[test]
fn the_answer_names_the_flagged_account_with_its_addresses() {
    let mut app = demo_with_log(&["/var/log/mail.log"]);
    open_with_log(&mut app, Ok(lab_facts()));
    assert!(!app.mail_log.running);
    let view = app.storm.as_ref().unwrap();
    let log = view.log.as_ref().expect("evidence once read");
    // carol@lab.test is flagged by the log alone (the demo queue never names it).
    let carol = log
        .accounts
        .iter()
        .find(|a| a.user == "carol@lab.test")
        .expect("the botnet account");
    assert!(carol.verdict.compromised);
    assert_eq!(carol.addresses.len(), 13);
    assert!(log.accounts.iter().all(|a| {
        a.verdict.compromised || view.report.accounts.iter().any(|q| q.user == a.user)
    }));
    // The evidence survives a new storm report (the contents grew, the cursor moved).
    app.refresh_storm();
    assert!(app.storm.as_ref().unwrap().log.is_some());
}

#[test]
fn the_countermeasures_popup_names_the_log_addresses() {
    let mut app = demo_with_log(&["/var/log/mail.log"]);
    open_with_log(&mut app, Ok(lab_facts()));
    // On a campaign: its own steps, then those of every account the log flags.
    update(&mut app, Action::ShowCountermeasures);
    let Overlay::Text(t) = &app.overlay else {
        panic!("a text popup, got {:?}", app.overlay);
    };
    assert!(
        t.text
            .contains("Countermeasures for carol@lab.test (from the mail log)")
    );
    for a in ["127.0.1.1 ", "127.0.1.12", "127.0.2.1"] {
        assert!(t.text.contains(a), "{a} missing from:\n{}", t.text);
    }
}

#[test]
fn a_failed_read_is_a_note_and_an_old_answer_is_dropped() {
    let mut app = demo_with_log(&["/nonexistent.log"]);
    let job = log_job(update(&mut app, Action::ToggleStorm)).unwrap();
    // An answer to an older read (a previous source) changes nothing.
    update(
        &mut app,
        Action::LogLoaded(Box::new(LogLoaded {
            generation: job.generation + 7,
            result: Ok(lab_facts()),
        })),
    );
    assert!(app.mail_log.running && app.mail_log.facts.is_none());
    update(
        &mut app,
        Action::LogLoaded(Box::new(LogLoaded {
            generation: job.generation,
            result: Err(
                "no mail log could be read (log /nonexistent.log: \u{1b}[31mgone)".to_owned(),
            ),
        })),
    );
    let line = app.mail_log.status_line().unwrap();
    assert!(
        line.starts_with("Mail log: no mail log could be read"),
        "{line}"
    );
    assert!(
        !line.contains('\u{1b}'),
        "escape sequences are sanitized: {line:?}"
    );
    assert!(app.storm.as_ref().unwrap().log.is_none());
    // Another source opened: what was read is forgotten, a running read's answer dropped.
    app.mail_log.forget();
    assert_eq!(app.mail_log.status_line(), None);
}
