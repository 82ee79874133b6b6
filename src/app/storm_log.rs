//! The storm screen's mail log evidence: read by a background job ([`Effect::ReadLog`],
//! run by the event loop through the log adapter), never on the UI thread. `update()` only
//! asks for it (when the storm screen opens) and keeps the answer.

use std::path::PathBuf;
use std::sync::Arc;

use super::{App, Effect};
use crate::model::log::LoginReport;
use crate::model::log::evidence::StormEvidence;

/// Which log the TUI reads (`mailq-tui --log PATH --since WHEN`, or `--no-log`).
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// `--log` (repeatable): empty reads the instance's own log.
    pub paths: Vec<PathBuf>,
    /// `--since`: the window start, as typed (default: the oldest queued message, ≥ 24 h).
    pub since: Option<String>,
    /// `--no-log`: never read it.
    pub off: bool,
}

/// What the job reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogJob {
    pub generation: u64,
    pub paths: Vec<PathBuf>,
    pub since: Option<String>,
    /// The oldest queued message's arrival: the default window starts there (at least
    /// 24 h back), so the job need not list the queue again.
    pub oldest_queued: Option<i64>,
    /// Queue IDs whose submitting login is wanted (`login-new:`; empty for the storm
    /// screen): [`LoginReport::queued`].
    pub watch: Vec<String>,
}

/// What the log said, once read.
#[derive(Debug, Clone)]
pub struct LogFacts {
    pub report: LoginReport,
    /// The sources read.
    pub read: Vec<String>,
    /// Sources that could not be read (the others were).
    pub warnings: Vec<String>,
    /// The file a fail2ban jail should watch.
    pub logpath: String,
}

/// The job's answer: the facts, or why there are none (no log, unreadable, bad `--since`).
#[derive(Debug, Clone)]
pub struct LogLoaded {
    pub generation: u64,
    pub result: Result<LogFacts, String>,
}

/// The mail log as the app sees it.
#[derive(Debug, Clone, Default)]
pub struct LogState {
    pub options: LogOptions,
    /// The job whose answer counts.
    pub generation: u64,
    pub running: bool,
    /// The last answer (kept while a new read runs).
    pub facts: Option<Arc<LogFacts>>,
    /// Why there is no log evidence (or what went wrong reading part of it).
    pub note: Option<String>,
    /// The facts behind `login-new:` (read separately, for the listed queue IDs).
    pub logins: super::login_facts::LoginState,
}

impl LogState {
    #[must_use]
    pub fn new(options: LogOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// Forget what was read (another source was opened); a running job's answer is dropped.
    pub fn forget(&mut self) {
        self.generation += 1;
        self.running = false;
        self.facts = None;
        self.note = None;
        self.logins.forget();
    }

    /// One line for the storm screen saying where the evidence stands, if not plainly read.
    #[must_use]
    pub fn status_line(&self) -> Option<String> {
        if self.running {
            return Some("Mail log: reading in the background…".to_owned());
        }
        self.note.as_ref().map(|n| format!("Mail log: {n}"))
    }
}

/// Read the mail log in the background (the storm screen opened; every time, so the
/// evidence is as new as the screen): `None` when it is switched off or a read is already
/// running.
pub(super) fn start(app: &mut App) -> Option<Effect> {
    let log = &mut app.mail_log;
    // `--no-log` asked for no log: the screen says nothing about one.
    if log.options.off || log.running {
        return None;
    }
    log.generation += 1;
    log.running = true;
    Some(Effect::ReadLog(Box::new(LogJob {
        generation: log.generation,
        paths: log.options.paths.clone(),
        since: log.options.since.clone(),
        oldest_queued: app.snapshot.messages.iter().map(|m| m.arrival_time).min(),
        watch: Vec::new(),
    })))
}

/// The log was read (or not): keep it if it is the latest read asked for.
pub(super) fn loaded(app: &mut App, l: LogLoaded) {
    let log = &mut app.mail_log;
    if l.generation != log.generation {
        return;
    }
    log.running = false;
    match l.result {
        Ok(facts) => {
            log.note = (!facts.warnings.is_empty()).then(|| facts.warnings.join("; "));
            log.facts = Some(Arc::new(facts));
        }
        Err(e) => {
            log.note = Some(crate::model::text::sanitize(&e).into_owned());
            log.facts = None;
        }
    }
    app.refresh_storm();
}

/// The storm evidence of what was read: the accounts the log flags, and those the storm
/// analysis names.
#[must_use]
pub fn evidence(app: &App, named: &[String]) -> Option<StormEvidence> {
    let facts = app.mail_log.facts.as_ref()?;
    Some(StormEvidence::of(&facts.report, &facts.logpath, |u| {
        named.iter().any(|n| n == u)
    }))
}
