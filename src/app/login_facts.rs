//! `login-new:` in the TUI: the mail log's facts about the listed messages (was the SASL
//! login that submitted a message from an address first seen for its account inside the
//! log window?), asked for by a background job ([`Effect::ReadLoginFacts`], run by the
//! event loop through the log adapter with the storm screen's `--log`/`--since`), never
//! read on the UI thread. The same worker digests the answer ([`LoginJob::answer`]: the
//! answers merged, the listing's facts by message index), so a million answers cost the
//! screen only the swap; a listing prepared on a worker brings its facts along.
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
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Weak};

use super::storm_log::{LogFacts, LogJob};
use super::{App, Effect, Shown, Status};
use crate::model::filter::LoginFacts;
use crate::model::format::{plural, thousands};
use crate::model::reason::FastHasher;
use crate::model::text::{one_line, sanitize};
use crate::model::{QueueId, Snapshot};

/// A log read for newly listed messages waits at least this long after the previous one
/// (seconds): each read scans the whole log. Starting to use `login-new` reads at once.
pub const RELOOK_SECS: i64 = 60;

/// What the mail log answered, by queue ID: the arrival time of the message asked about
/// and whether its login address was new (`None`: the log names no SASL submission).
#[derive(Debug, Clone, Default)]
pub struct KnownLogins {
    by_id: HashMap<QueueId, (i64, Option<bool>), BuildHasherDefault<FastHasher>>,
}

impl KnownLogins {
    /// The facts of `snapshot`'s messages by message index, and how many of its messages
    /// were never asked about.
    #[must_use]
    pub fn facts(&self, snapshot: &Snapshot) -> (LoginFacts, usize) {
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

    /// The facts of `snapshot` under `known`, with their counts (a pass over the listing:
    /// computed on a worker where it can be).
    #[must_use]
    pub fn view(known: &Arc<KnownLogins>, snapshot: &Arc<Snapshot>) -> View {
        let (facts, unasked) = known.facts(snapshot);
        View {
            of: Arc::downgrade(snapshot),
            from: known.clone(),
            known: facts.known(),
            facts: Arc::new(facts),
            unasked,
        }
    }

    /// The answers kept after a read: the earlier ones for messages still listed in
    /// `snapshot`, and one for each message asked about (`answers`: the log's word per
    /// queue ID).
    fn merged(
        &self,
        snapshot: &Snapshot,
        asked: Vec<(QueueId, i64)>,
        answers: &std::collections::BTreeMap<String, crate::model::log::QueuedLogin>,
    ) -> Self {
        let mut by_id = HashMap::with_capacity_and_hasher(snapshot.len(), Default::default());
        for m in &snapshot.messages {
            if let Some(&(arrival, fact)) = self.by_id.get(&m.queue_id)
                && arrival == m.arrival_time
            {
                by_id.insert(m.queue_id.clone(), (arrival, fact));
            }
        }
        // Hashed once: a million lookups in the report's ordered map cost seconds.
        let answers: HashMap<&str, bool, BuildHasherDefault<FastHasher>> = answers
            .iter()
            .map(|(id, q)| (id.as_str(), q.new_address))
            .collect();
        for (id, arrival) in asked {
            let fact = answers.get(id.as_str()).copied();
            by_id.insert(id, (arrival, fact));
        }
        Self { by_id }
    }
}

/// The facts of one listing under one set of answers, computed once (never per frame).
#[derive(Debug, Clone)]
pub struct View {
    of: Weak<Snapshot>,
    from: Arc<KnownLogins>,
    facts: Arc<LoginFacts>,
    known: usize,
    unasked: usize,
}

impl View {
    /// The facts by message index.
    #[must_use]
    pub fn facts(&self) -> &LoginFacts {
        &self.facts
    }

    fn is_for(&self, snapshot: &Arc<Snapshot>, known: &Arc<KnownLogins>) -> bool {
        std::ptr::eq(self.of.as_ptr(), Arc::as_ptr(snapshot)) && Arc::ptr_eq(&self.from, known)
    }
}

/// A read for `login-new:` ([`Effect::ReadLoginFacts`]): the log job and, for digesting
/// the answer on the same worker ([`LoginJob::answer`]), the listing and answers it was
/// asked from.
#[derive(Debug, Clone)]
pub struct LoginJob {
    /// Sources and window (its `watch` is filled by [`LoginJob::log_job`]).
    pub log: LogJob,
    pub snapshot: Arc<Snapshot>,
    pub known: Arc<KnownLogins>,
    /// The messages asked about.
    pub asked: Vec<(QueueId, i64)>,
}

/// Equal when it is the same read of the same listing (the same `Arc`s).
impl PartialEq for LoginJob {
    fn eq(&self, other: &Self) -> bool {
        self.log == other.log
            && Arc::ptr_eq(&self.snapshot, &other.snapshot)
            && Arc::ptr_eq(&self.known, &other.known)
            && self.asked == other.asked
    }
}

impl LoginJob {
    /// The log read: the job's sources and window, asked about the queue IDs of `asked`.
    #[must_use]
    pub fn log_job(&self) -> LogJob {
        LogJob {
            watch: self
                .asked
                .iter()
                .map(|(id, _)| id.as_str().to_owned())
                .collect(),
            ..self.log.clone()
        }
    }

    /// Digest what the log said (pure; on the worker, so that a million answers never
    /// hold up the screen): the answers merged with the earlier ones, and the facts of the
    /// job's listing.
    #[must_use]
    pub fn answer(self, read: Result<LogFacts, String>) -> LoginFactsLoaded {
        let generation = self.log.generation;
        let result = read.map(|facts| {
            let known = Arc::new(self.known.merged(
                &self.snapshot,
                self.asked,
                &facts.report.queued,
            ));
            Digest {
                view: KnownLogins::view(&known, &self.snapshot),
                known,
                warnings: facts.warnings,
            }
        });
        LoginFactsLoaded { generation, result }
    }
}

/// A digested answer ([`LoginJob::answer`]).
#[derive(Debug, Clone)]
pub struct Digest {
    known: Arc<KnownLogins>,
    view: View,
    warnings: Vec<String>,
}

/// The answer of a [`LoginJob`]: the digest, or why the log could not be read.
#[derive(Debug, Clone)]
pub struct LoginFactsLoaded {
    pub generation: u64,
    pub result: Result<Digest, String>,
}

/// `login-new:` as the app sees it (a part of [`super::storm_log::LogState`]: switching
/// sources forgets it with the rest of the log).
#[derive(Debug, Clone, Default)]
pub struct LoginState {
    pub(crate) known: Arc<KnownLogins>,
    view: Option<View>,
    /// The read whose answer counts.
    pub(crate) generation: u64,
    /// How many messages the running read asks about (`Some` while one runs).
    asking: Option<usize>,
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

    /// The computed view, if it is for `snapshot` and the current answers.
    fn view_for(&self, snapshot: &Arc<Snapshot>) -> Option<&View> {
        self.view
            .as_ref()
            .filter(|v| v.is_for(snapshot, &self.known))
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
    let s = &app.mail_log.logins;
    Some(match s.view_for(&app.snapshot) {
        Some(v) => v.facts.clone(),
        // Not computed for this listing yet (callers with `&mut App` compute it first).
        None => Arc::new(s.known.facts(&app.snapshot).0),
    })
}

/// Compute the facts of the listing on screen if the screen uses them and they are not
/// computed for it yet.
pub(super) fn refresh_view(app: &mut App) {
    if !in_use(app) || app.mail_log.logins.view_for(&app.snapshot).is_some() {
        return;
    }
    let s = &mut app.mail_log.logins;
    s.view = Some(KnownLogins::view(&s.known, &app.snapshot));
}

/// A worker computed the facts of a listing (preparing it): keep them if they are for the
/// listing on screen and the current answers.
pub(super) fn install_view(app: &mut App, view: Option<View>) {
    if let Some(v) = view
        && v.is_for(&app.snapshot, &app.mail_log.logins.known)
    {
        app.mail_log.logins.view = Some(v);
    }
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
    let asked: Vec<(QueueId, i64)> = app
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
    let oldest = asked.iter().map(|&(_, t)| t).min();
    let s = &mut app.mail_log.logins;
    s.window_oldest = match (s.window_oldest, oldest) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    s.generation += 1;
    s.asking = Some(asked.len());
    Some(Effect::ReadLoginFacts(Box::new(LoginJob {
        log: LogJob {
            generation: s.generation,
            paths: app.mail_log.options.paths.clone(),
            since: app.mail_log.options.since.clone(),
            oldest_queued: s.window_oldest,
            watch: Vec::new(),
        },
        snapshot: app.snapshot.clone(),
        known: s.known.clone(),
        asked,
    })))
}

/// The log was read (or not) for the messages asked about: take the digested answers if
/// this is the read that counts, and filter/group again with them.
pub(super) fn loaded(app: &mut App, l: LoginFactsLoaded) {
    let s = &mut app.mail_log.logins;
    if l.generation != s.generation || s.asking.take().is_none() {
        return;
    }
    s.last_read = Some(app.now);
    match l.result {
        Ok(d) => {
            s.known = d.known;
            s.view = Some(d.view);
            s.error = None;
            s.warnings = (!d.warnings.is_empty()).then(|| d.warnings.join("; "));
            if in_use(app) {
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
    if let Some(asking) = s.asking {
        return Some(format!(
            "login-new: reading the mail log for {} listed message{}…",
            thousands(asking),
            plural(asking)
        ));
    }
    let view = s.view_for(&app.snapshot);
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
