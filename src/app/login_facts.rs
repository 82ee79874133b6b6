//! `login-new:` in the TUI: the mail log's facts about the listed messages (was the SASL
//! login that submitted a message from an address first seen for its account inside the
//! log window?), asked for by a background job ([`Effect::ReadLoginFacts`], run by the
//! event loop through the log adapter with the storm screen's `--log`/`--since`), never
//! read on the UI thread.
//!
//! When: as soon as the filter uses `login-new:` or the grouping is `login-new`, for the
//! listed messages the app has no answer for yet. Answers are kept per queue ID *and*
//! arrival time (a reused queue ID is a new message and is asked about again), so a
//! refresh asks only about newly listed messages, and at most once per [`RELOOK_SECS`]
//! (every read scans the whole log). Until a message's answer is in, `login-new:` matches
//! it neither way, and [`note`] says why. An answer for an older read or another source
//! (switching forgets everything) is dropped.
//!
//! Bulk actions act on what the screen shows: the selection is made with these facts and
//! handed to the confirm dialog as queue IDs (`ops::Request`); the facts are never looked
//! up again behind the admin's back.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use super::storm_log::{LogJob, LogLoaded};
use super::{App, Effect, Shown, Status};
use crate::model::filter::LoginFacts;
use crate::model::format::{plural, thousands};
use crate::model::text::{one_line, sanitize};
use crate::model::{QueueId, Snapshot};

/// A log read for newly listed messages waits at least this long after the previous one
/// (seconds): each read scans the whole log. Starting to use `login-new` reads at once.
pub const RELOOK_SECS: i64 = 60;

/// What the mail log answered, by queue ID: the arrival time of the message asked about
/// and whether its login address was new (`None`: the log names no SASL submission).
#[derive(Debug, Clone, Default)]
pub struct KnownLogins {
    by_id: HashMap<QueueId, (i64, Option<bool>)>,
}

impl KnownLogins {
    /// The facts of `snapshot`'s messages by message index, and how many of its messages
    /// were never asked about.
    #[must_use]
    pub fn view(&self, snapshot: &Snapshot) -> (LoginFacts, usize) {
        let mut unasked = 0;
        let by_index = snapshot
            .messages
            .iter()
            .map(|m| match self.by_id.get(&m.queue_id) {
                Some(&(arrival, fact)) if arrival == m.arrival_time => fact,
                _ => {
                    unasked += 1;
                    None
                }
            })
            .collect();
        (LoginFacts::from_vec(by_index), unasked)
    }

    /// Keep the answers for `asked` (and only the listed messages' answers: the rest left
    /// the queue).
    fn learn(&mut self, snapshot: &Snapshot, asked: Vec<(QueueId, i64)>, facts: &LoginAnswers) {
        for (id, arrival) in asked {
            let fact = facts.get(id.as_str()).copied();
            self.by_id.insert(id, (arrival, fact));
        }
        self.retain_listed(snapshot);
    }

    fn retain_listed(&mut self, snapshot: &Snapshot) {
        if self.by_id.len() > snapshot.messages.len() {
            let listed: std::collections::HashSet<&QueueId> =
                snapshot.messages.iter().map(|m| &m.queue_id).collect();
            self.by_id.retain(|id, _| listed.contains(id));
        }
    }
}

/// `new_address` per queue ID the log named.
type LoginAnswers = HashMap<String, bool>;

/// The facts of the listing on screen, computed from [`KnownLogins`] once per listing
/// and answer (never per frame).
#[derive(Debug, Clone)]
struct View {
    of: Weak<Snapshot>,
    facts: Arc<LoginFacts>,
    known: usize,
    unasked: usize,
}

/// `login-new:` as the app sees it (a part of [`super::storm_log::LogState`]: switching
/// sources forgets it with the rest of the log).
#[derive(Debug, Clone, Default)]
pub struct LoginState {
    pub(crate) known: Arc<KnownLogins>,
    view: Option<View>,
    /// The read whose answer counts.
    pub(crate) generation: u64,
    /// The messages the running read asks about (`Some` while one runs).
    asking: Option<Vec<(QueueId, i64)>>,
    /// `App::now` when the last read was answered.
    last_read: Option<i64>,
    /// The oldest arrival any read was asked about: the default window starts there (at
    /// least 24 h back) and never moves later, so every answer means the same window.
    window_oldest: Option<i64>,
    /// Why the last read failed (sanitized, one line).
    error: Option<String>,
    /// Sources that could not be read while others were.
    warnings: Option<String>,
    /// `login-new` was in use at the last step (starting to use it reads at once).
    in_use: bool,
}

impl LoginState {
    /// Forget every answer (another source was opened); a running read's answer is dropped.
    pub fn forget(&mut self) {
        *self = Self {
            generation: self.generation + 1,
            ..Self::default()
        };
    }
}

/// Does the screen use the log facts (the filter or the grouping)?
#[must_use]
pub fn in_use(app: &App) -> bool {
    app.select.filter.uses_login() || app.grouped.group_key.is_some_and(|k| k.needs_log())
}

/// The known answers for a grouping job, when the screen uses them.
#[must_use]
pub(super) fn for_job(app: &App) -> Option<Arc<KnownLogins>> {
    in_use(app).then(|| app.mail_log.logins.known.clone())
}

/// The facts of the listing on screen, when the screen uses them.
#[must_use]
pub(super) fn lookup(app: &App) -> Option<Arc<LoginFacts>> {
    if !in_use(app) {
        return None;
    }
    match &app.mail_log.logins.view {
        Some(v) if std::ptr::eq(v.of.as_ptr(), Arc::as_ptr(&app.snapshot)) => Some(v.facts.clone()),
        // Not computed for this listing yet: compute it (the same answers).
        _ => Some(Arc::new(app.mail_log.logins.known.view(&app.snapshot).0)),
    }
}

/// Compute the facts of the listing on screen if the screen uses them and they are not
/// computed for it yet.
pub(super) fn refresh_view(app: &mut App) {
    if !in_use(app) {
        return;
    }
    let s = &mut app.mail_log.logins;
    if s.view
        .as_ref()
        .is_some_and(|v| std::ptr::eq(v.of.as_ptr(), Arc::as_ptr(&app.snapshot)))
    {
        return;
    }
    let (facts, unasked) = s.known.view(&app.snapshot);
    s.view = Some(View {
        of: Arc::downgrade(&app.snapshot),
        known: facts.known(),
        facts: Arc::new(facts),
        unasked,
    });
}

/// After every step: read the log for the listed messages that have no answer yet, if
/// the screen uses `login-new` and nothing stands in the way (a read running, a partial
/// listing, the last read less than [`RELOOK_SECS`] ago unless `login-new` was just
/// chosen).
pub(super) fn wanted(app: &mut App) -> Option<Effect> {
    let use_now = in_use(app);
    let chosen = use_now && !app.mail_log.logins.in_use;
    app.mail_log.logins.in_use = use_now;
    if !use_now {
        return None;
    }
    // The facts of the listing on screen, whatever comes next (a listing installed
    // from a worker, or while a read runs, is computed here once).
    refresh_view(app);
    if app.mail_log.options.off
        || app.mail_log.logins.asking.is_some()
        || app.listing.shown != Shown::Complete
        || app.listing.preparing
    {
        return None;
    }
    let s = &app.mail_log.logins;
    if s.view.as_ref().is_none_or(|v| v.unasked == 0) {
        return None;
    }
    if !chosen && s.last_read.is_some_and(|t| app.now - t < RELOOK_SECS) {
        return None;
    }
    let asking: Vec<(QueueId, i64)> = app
        .snapshot
        .messages
        .iter()
        .filter(|m| {
            s.known
                .by_id
                .get(&m.queue_id)
                .is_none_or(|&(arrival, _)| arrival != m.arrival_time)
        })
        .map(|m| (m.queue_id.clone(), m.arrival_time))
        .collect();
    let oldest = asking.iter().map(|&(_, t)| t).min();
    let s = &mut app.mail_log.logins;
    s.window_oldest = match (s.window_oldest, oldest) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    s.generation += 1;
    let job = LogJob {
        generation: s.generation,
        paths: app.mail_log.options.paths.clone(),
        since: app.mail_log.options.since.clone(),
        oldest_queued: s.window_oldest,
        watch: asking
            .iter()
            .map(|(id, _)| id.as_str().to_owned())
            .collect(),
    };
    s.asking = Some(asking);
    Some(Effect::ReadLoginFacts(Box::new(job)))
}

/// The log was read (or not) for the messages asked about: keep the answers if this is
/// the read that counts, and filter/group again with them.
pub(super) fn loaded(app: &mut App, l: LogLoaded) {
    let s = &mut app.mail_log.logins;
    if l.generation != s.generation {
        return;
    }
    let Some(asked) = s.asking.take() else {
        return;
    };
    s.last_read = Some(app.now);
    match l.result {
        Ok(facts) => {
            let answers: LoginAnswers = facts
                .report
                .queued
                .iter()
                .map(|(id, q)| (id.clone(), q.new_address))
                .collect();
            Arc::make_mut(&mut s.known).learn(&app.snapshot, asked, &answers);
            s.error = None;
            s.warnings = (!facts.warnings.is_empty()).then(|| facts.warnings.join("; "));
            s.view = None;
            if in_use(app) {
                refresh_view(app);
                app.reselect();
                if let super::Overlay::Filter(input) = &mut app.overlay {
                    input.matches = app.select.selection.indices.len();
                }
            }
        }
        Err(e) => {
            let why = one_line(&sanitize(&e));
            app.status = Some(Status {
                text: format!("login-new: {why}"),
                error: true,
            });
            s.error = Some(why);
        }
    }
}

/// One line on where the log facts stand, while the screen uses them: reading, why there
/// are none, or how many listed messages the log names.
#[must_use]
pub fn note(app: &App) -> Option<String> {
    if !in_use(app) {
        return None;
    }
    let s = &app.mail_log.logins;
    if app.mail_log.options.off {
        return Some(
            "login-new: the mail log is switched off (--no-log): no message matches".to_owned(),
        );
    }
    if let Some(asking) = &s.asking {
        return Some(format!(
            "login-new: reading the mail log for {} listed message{}…",
            thousands(asking.len()),
            plural(asking.len())
        ));
    }
    let view = s
        .view
        .as_ref()
        .filter(|v| std::ptr::eq(v.of.as_ptr(), Arc::as_ptr(&app.snapshot)));
    if let Some(e) = &s.error {
        let matches = if view.is_some_and(|v| v.known > 0) {
            "only messages looked up before match"
        } else {
            "no message matches"
        };
        return Some(format!("login-new: {e} ({matches})"));
    }
    if app.listing.shown != Shown::Complete {
        return Some("login-new: the mail log is read once the listing is complete".to_owned());
    }
    let v = view?;
    let total = app.snapshot.messages.len();
    let mut text = if v.unasked > 0 {
        format!(
            "login-new: {} listed message{} not looked up in the mail log yet (at most once a minute); they match neither way",
            thousands(v.unasked),
            plural(v.unasked)
        )
    } else {
        format!(
            "login-new: the mail log names the SASL login of {} of {} listed message{}",
            thousands(v.known),
            thousands(total),
            plural(total)
        )
    };
    if let Some(w) = &s.warnings {
        text.push_str(&format!(" ({w})"));
    }
    Some(text)
}

/// A read is running (the header says so).
#[must_use]
pub fn reading(app: &App) -> bool {
    app.mail_log.logins.asking.is_some()
}
