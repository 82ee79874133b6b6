//! `login-new:` in the TUI: the filter and the grouping ask the mail log about the listed
//! queue IDs in the background, show nothing (and say why) until the answer is in, drop
//! stale answers, ask again only about newly listed messages, and hand exactly what is
//! shown to the bulk actions.

use std::sync::Arc;

use super::login_facts::LoginJob;
use super::login_facts::RELOOK_SECS;
use super::storm_log::{LogFacts, LogOptions};
use super::testing::NOW;
use super::{Action, App, Effect, Options, Overlay, update};
use crate::model::group::GroupKey;
use crate::model::{Message, Snapshot};
use crate::postfix::MailQueue;
use crate::postfix::replay::ReplayQueue;

/// The lab's real postlogd log: alice logs in from 127.0.0.2 and 127.0.0.3, bob from
/// 127.0.0.4, carol from a botnet (`tests/cli_login_new.rs` uses the same IDs).
const LAB_LOG: &str = include_str!("../../tests/fixtures/maillog/lab-postlogd.log");
const ALICE_2: &str = "8A16799018A";
const ALICE_3: &str = "8E9C699018D";
const BOB_4: &str = "93C9199018E";
const CAROL: &str = "A448399018A";
/// Queued, but the log knows nothing of it (submitted without SASL, or the log rotated).
const UNLOGGED: &str = "F00F00F00F0";
/// Before the window: alice from 127.0.0.2 (so it is known for her), bob from 127.0.0.3
/// (which stays new for alice: addresses are per account).
const BEFORE: &str = "Nov 20 10:00:00 mx postfix/smtpd[100]: 1A2B3C4D5E6: client=unknown[127.0.0.2], sasl_method=PLAIN, sasl_username=alice@lab.test\n\
Nov 20 10:00:01 mx postfix/smtpd[100]: 1A2B3C4D5E7: client=unknown[127.0.0.3], sasl_method=PLAIN, sasl_username=bob@lab.test\n";
/// `--since 2026-11-25` (UTC).
const SINCE: i64 = 1_795_564_800;

fn message_line(i: usize, id: &str) -> String {
    format!(
        r#"{{"queue_name":"deferred","queue_id":"{id}","arrival_time":{},"message_size":1000,"sender":"s{i}@lab.test","recipients":[{{"address":"r@victim.example","delay_reason":"connect to mx.victim.example[192.0.2.1]:25: Connection timed out"}}]}}"#,
        NOW - 3_600 + i64::try_from(i).expect("small")
    )
}

fn queue_of(ids: &[&str]) -> ReplayQueue {
    let text: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| message_line(i, id) + "\n")
        .collect();
    let snap = crate::postfix::parse::parse_stream(text.as_bytes(), "MAILER-DAEMON")
        .expect("test listing");
    ReplayQueue::new("file login.jsonl", snap.messages, Vec::new(), true)
}

pub fn lab_queue() -> ReplayQueue {
    queue_of(&[ALICE_2, ALICE_3, BOB_4, CAROL, UNLOGGED])
}

fn listing(q: &dyn MailQueue) -> Arc<Snapshot> {
    let mut s = q.list().expect("list");
    s.taken_at = NOW;
    Arc::new(s)
}

/// What the log job would read: the lab log after two logins before the window, asked
/// about `watch` (as the runtime's reader does with [`LogJob::watch`]).
fn answer_for(job: &LoginJob) -> LogFacts {
    super::storm_log_tests::facts_of(&format!("{BEFORE}{LAB_LOG}"), SINCE, &job.log_job().watch)
}

fn options(off: bool) -> Options {
    Options {
        source: "file login.jsonl".to_owned(),
        log: LogOptions {
            paths: vec!["/var/log/mail.log".into()],
            since: Some("2026-11-25".to_owned()),
            off,
        },
        ..Options::default()
    }
}

/// An app that listed `q` once (the log not read: nothing asked for it yet).
pub fn app_with_log(q: &dyn MailQueue, off: bool) -> App {
    let mut app = App::new(options(off));
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(listing(q))));
    assert!(
        login_job(fx).is_none(),
        "no log read before login-new is used"
    );
    app
}

fn login_job(fx: Option<Effect>) -> Option<LoginJob> {
    fx.into_iter()
        .flat_map(Effect::flatten)
        .find_map(|e| match e {
            Effect::ReadLoginFacts(job) => Some(*job),
            _ => None,
        })
}

/// Type `text` into the filter input (opened first); the log jobs the keystrokes asked for.
pub fn type_filter(app: &mut App, text: &str) -> Vec<LoginJob> {
    update(app, Action::OpenFilter);
    // The input opens with the filter in force: clear it first.
    let before = app.select.filter.text().chars().count();
    let mut jobs: Vec<LoginJob> = (0..before)
        .filter_map(|_| login_job(update(app, Action::Backspace)))
        .collect();
    jobs.extend(
        text.chars()
            .filter_map(|c| login_job(update(app, Action::Input(c)))),
    );
    jobs
}

/// Answer `job` as the event loop's worker does: the log read, digested by the job.
pub fn answer(app: &mut App, job: &LoginJob) -> Option<Effect> {
    update(app, answered(job, Ok(answer_for(job))))
}

fn answered(job: &LoginJob, read: Result<LogFacts, String>) -> Action {
    Action::LoginFactsLoaded(Box::new(job.clone().answer(read)))
}

fn shown_ids(app: &App) -> Vec<String> {
    let mut ids: Vec<String> = app
        .select
        .selection
        .indices
        .iter()
        .map(|&i| app.snapshot.messages[i as usize].queue_id.to_string())
        .collect();
    ids.sort();
    ids
}

fn note(app: &App) -> String {
    super::login_facts::note(app).expect("a login-new note")
}

#[test]
fn the_filter_reads_the_log_in_the_background_and_filters_when_the_facts_arrive() {
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let jobs = type_filter(&mut app, "login-new:yes");
    assert_eq!(jobs.len(), 1, "one read, when the filter first parses");
    let job = &jobs[0];
    let read = job.log_job();
    // The storm panel's sources and window, asked about the listed queue IDs.
    assert_eq!(
        read.paths,
        vec![std::path::PathBuf::from("/var/log/mail.log")]
    );
    assert_eq!(read.since.as_deref(), Some("2026-11-25"));
    let mut watch = read.watch.clone();
    watch.sort();
    assert_eq!(watch, vec![ALICE_2, ALICE_3, BOB_4, CAROL, UNLOGGED]);
    assert_eq!(read.oldest_queued, Some(NOW - 3_600));
    // Meanwhile: nothing matches, and the screen says why.
    assert!(app.select.selection.indices.is_empty());
    assert!(note(&app).contains("reading the mail log for 5 listed messages"));
    assert!(super::login_facts::reading(&app));
    // No second read while one runs.
    assert!(login_job(update(&mut app, Action::Clock(NOW + 2 * RELOOK_SECS))).is_none());

    answer(&mut app, job);
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);
    let Overlay::Filter(input) = &app.overlay else {
        panic!("the filter input stays open")
    };
    assert_eq!(input.matches, 3, "the live count follows the answer");
    assert!(input.error.is_none());
    assert!(
        note(&app).contains("names the SASL login of 4 of 5 listed messages"),
        "{}",
        note(&app)
    );
    update(&mut app, Action::ApplyFilter);

    // The other value and the negation use the same answers: no new read.
    assert!(type_filter(&mut app, "login-new:no").is_empty());
    assert_eq!(shown_ids(&app), vec![ALICE_2]);
    // The unlogged message matches neither, negated or not.
    assert!(type_filter(&mut app, "!login-new:yes").is_empty());
    assert_eq!(shown_ids(&app), vec![ALICE_2]);
    // Combined with other terms.
    assert!(type_filter(&mut app, "login-new:yes !sender:s3@").is_empty());
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4]);
}

#[test]
fn a_stale_answer_is_dropped() {
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let first = type_filter(&mut app, "login-new:yes").remove(0);
    // Another source was opened meanwhile (as `reset_for_source` does): the read running
    // for the old one no longer counts, and the same filter asks the new one at once.
    app.mail_log.forget();
    let second = login_job(update(&mut app, Action::Clock(NOW))).expect("asked again at once");
    assert_ne!(first.log.generation, second.log.generation);
    assert!(answer(&mut app, &first).is_none());
    assert!(
        app.select.selection.indices.is_empty(),
        "the stale answer was dropped"
    );
    assert!(note(&app).contains("reading the mail log"));
    // A result of the old source's queue (its source generation) is dropped before that.
    let other_source = app.sources.generation + 1;
    update(
        &mut app,
        Action::Tagged(
            other_source,
            Box::new(answered(&second, Ok(answer_for(&second)))),
        ),
    );
    assert!(app.select.selection.indices.is_empty());
    answer(&mut app, &second);
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);
}

#[test]
fn a_relisting_asks_only_about_new_messages_at_most_once_a_minute() {
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let job = type_filter(&mut app, "login-new:yes").remove(0);
    answer(&mut app, &job);
    update(&mut app, Action::ApplyFilter);
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);

    // A refresh lists one more message, and ALICE_3's queue ID now names another message
    // (reused: another arrival time).
    let mut messages: Vec<Message> = q.list().expect("list").messages;
    messages.retain(|m| m.queue_id.as_str() != ALICE_3);
    let extra = queue_of(&[
        "0000000000A",
        "0000000000B",
        "0000000000C",
        "0000000000D",
        "B0B0B0B0B0B",
    ]);
    let mut new = extra.list().expect("list").messages.remove(4);
    new.arrival_time = NOW - 10;
    messages.push(new);
    let mut reused = q
        .list()
        .expect("list")
        .messages
        .into_iter()
        .find(|m| m.queue_id.as_str() == ALICE_3)
        .expect("alice 3");
    reused.arrival_time = NOW - 5;
    messages.push(reused);
    let relisted = Arc::new(Snapshot::new(
        messages,
        Vec::new(),
        0,
        NOW,
        std::time::Duration::ZERO,
    ));
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(relisted)));
    assert!(
        login_job(fx).is_none(),
        "the last read is less than a minute old"
    );
    // The known answers still hold; the new and the reused one match neither way yet.
    assert_eq!(shown_ids(&app), vec![BOB_4, CAROL]);
    assert!(
        note(&app).contains("2 listed messages not looked up in the mail log yet"),
        "{}",
        note(&app)
    );

    let job = login_job(update(&mut app, Action::Clock(NOW + RELOOK_SECS)))
        .expect("a minute later the new messages are asked about");
    let read = job.log_job();
    let mut watch = read.watch.clone();
    watch.sort();
    assert_eq!(watch, vec![ALICE_3, "B0B0B0B0B0B"], "only the unknown ones");
    // The window does not move: it still starts at the oldest message ever asked about.
    assert_eq!(read.oldest_queued, Some(NOW - 3_600));
    answer(&mut app, &job);
    // The lab log names ALICE_3's ID (the reused ID's submission as far as the log
    // knows); the new ID is unknown to it.
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);
    assert!(note(&app).contains("names the SASL login of 4 of 6"));
}

#[test]
fn the_login_new_grouping_is_in_the_tab_cycle_and_reads_the_log() {
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let mut job = None;
    while app.grouped.group_key != Some(GroupKey::LoginNew) {
        let fx = update(&mut app, Action::NextGrouping);
        if let Some(j) = login_job(fx) {
            job = Some(j);
        }
    }
    let job = job.expect("choosing login-new reads the log");
    assert_eq!(app.grouped.grouping.groups.len(), 1);
    assert_eq!(&*app.grouped.grouping.groups[0].label, "(no log facts)");
    assert!(note(&app).contains("reading the mail log"));
    answer(&mut app, &job);
    let groups: Vec<(String, usize)> = app
        .grouped
        .grouping
        .groups
        .iter()
        .map(|g| (g.label.to_string(), g.members.len()))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("new address".to_owned(), 3),
            ("(no log facts)".to_owned(), 1),
            ("known address".to_owned(), 1),
        ]
    );
    // Leaving the key stops using the facts (no note, no reads).
    update(&mut app, Action::NextGrouping);
    assert!(super::login_facts::note(&app).is_none());
}

#[test]
fn bulk_actions_get_exactly_the_messages_shown() {
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let job = type_filter(&mut app, "login-new:yes").remove(0);
    update(&mut app, Action::ApplyFilter);
    // Before the answer: nothing to act on, and the refusal says why.
    app.nav.focus = super::Pane::Messages;
    app.grouped.group_key = None;
    app.reselect();
    assert!(update(&mut app, Action::Hold).is_none());
    let status = app.status.clone().expect("status");
    assert!(
        status.error && status.text.contains("reading the mail log"),
        "{}",
        status.text
    );

    answer(&mut app, &job);
    for _ in 0..3 {
        update(&mut app, Action::ToggleMark);
    }
    assert_eq!(app.select.mark_count, 3);
    update(&mut app, Action::Hold);
    let Overlay::Confirm(p) = &app.overlay else {
        panic!("confirm dialog: {:?}", app.status)
    };
    let mut ids: Vec<String> = p
        .request
        .selection
        .iter()
        .map(|s| s.key.queue_id.to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![ALICE_3, BOB_4, CAROL]);
    assert_eq!(p.request.filter, "login-new:yes");
    // The messages match the filter whole (with the facts the selection was made with).
    assert_eq!(p.preview.partial, 0, "{:?}", p.preview);
    let fx = update(&mut app, Action::Confirm);
    let req = fx
        .into_iter()
        .flat_map(Effect::flatten)
        .find_map(|e| match e {
            Effect::Apply(req) => Some(req),
            _ => None,
        })
        .expect("apply");
    assert_eq!(req.selection.len(), 3);
    assert!(
        !req.verified_by_selection,
        "verified by a fresh listing as always"
    );
}

#[test]
fn no_log_a_capture_without_a_log_or_an_unreadable_log_say_so() {
    let q = lab_queue();
    // `--no-log`: no read, nothing matches, and the note says why.
    let mut app = app_with_log(&q, true);
    assert!(type_filter(&mut app, "login-new:yes").is_empty());
    assert!(app.select.selection.indices.is_empty());
    assert!(note(&app).contains("--no-log"), "{}", note(&app));
    assert!(login_job(update(&mut app, Action::Clock(NOW + 10 * RELOOK_SECS))).is_none());

    // A capture without `--log`: the reader's answer is an error, shown, never a panic.
    let mut app = app_with_log(&q, false);
    let job = type_filter(&mut app, "login-new:yes").remove(0);
    update(
        &mut app,
        answered(
            &job,
            Err(
                "a demo or captured queue has no mail log: name one with --log PATH\n\x1b[31m"
                    .to_owned(),
            ),
        ),
    );
    let status = app.status.clone().expect("status");
    assert!(
        status.error && status.text.contains("--log PATH"),
        "{}",
        status.text
    );
    assert!(!status.text.contains('\x1b') && !status.text.contains('\n'));
    assert!(
        note(&app).contains("no mail log") && note(&app).contains("no message matches"),
        "{}",
        note(&app)
    );
    assert!(app.select.selection.indices.is_empty());
    // Retried after a minute (the admin may have fixed the log), or when chosen again.
    assert!(login_job(update(&mut app, Action::Clock(NOW + 1))).is_none());
    assert!(login_job(update(&mut app, Action::Clock(NOW + RELOOK_SECS))).is_some());
}

#[test]
fn a_large_listing_is_prepared_with_the_facts() {
    // From ASYNC_REGROUP_AT messages on, a new listing is selected and grouped on a
    // worker: the worker must filter with the facts too.
    let n = super::ASYNC_REGROUP_AT + 10;
    let ids: Vec<String> = (0..n).map(|i| format!("C{i:010X}")).collect();
    let mut id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    id_refs.extend([ALICE_2, ALICE_3, BOB_4, CAROL]);
    let q = queue_of(&id_refs);
    let mut app = App::new(options(false));
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(listing(&q))));
    if let Some(job) = super::regroup_job(fx) {
        update(&mut app, Action::Regrouped(Box::new(job.run())));
    }
    let jobs = type_filter(&mut app, "login-new:yes");
    let job = jobs.last().expect("a read");
    assert_eq!(job.asked.len(), n + 4);
    let fx = answer(&mut app, job);
    if let Some(j) = super::regroup_job(fx) {
        update(&mut app, Action::Regrouped(Box::new(j.run())));
    }
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);
    update(&mut app, Action::ApplyFilter);

    // A refresh of the same messages: prepared on a worker, with the facts.
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(listing(&q))));
    let prep = super::regroup_job(fx).expect("prepared on a worker");
    assert!(prep.logins.is_some());
    update(&mut app, Action::Regrouped(Box::new(prep.run())));
    assert_eq!(shown_ids(&app), vec![ALICE_3, BOB_4, CAROL]);
}
