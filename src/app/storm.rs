//! Background content indexing and the storm screen: the state, and the `update()` steps
//! that change it. No IO: reading queue files is [`Effect::Index`], writing the
//! countermeasures file is [`Effect::Write`]; the event loop runs both.

use std::sync::Arc;

use super::{App, Effect, Overlay, Status};
use crate::indexer::{self, BatchDone, JobFailure};
use crate::model::compromise::Networks;
use crate::model::content::ContentIndex;
use crate::model::countermeasures;
use crate::model::filter::Filter;
use crate::model::rules::RulePlan;
use crate::model::storm::{AccountStat, CampaignStat, StormReport, analyze};
use crate::model::text::snippet;
use crate::model::{Snapshot, time::format_utc};

/// At most this many priority messages (selection, marks) are handed to a job: the rest
/// are read in the normal order anyway, and a million-entry copy would cost the UI thread.
const MAX_PRIORITY: usize = 50_000;

/// The background indexing job, as the app sees it.
#[derive(Debug, Clone, Default)]
pub struct IndexState {
    /// The job whose batches count; older ones are ignored.
    pub generation: u64,
    pub running: bool,
    /// Progress of the running (or last) job: messages read / planned.
    pub done: usize,
    pub total: usize,
    /// A listing was installed: start a job once the current step has no other effect.
    pub wanted: bool,
    /// Indexing gave up (not root, or postcat failing): said once, never retried.
    pub gave_up: Option<String>,
    /// Contents merged since grouping and the storm screen last used them.
    pub stale: bool,
    /// When (`App::now`) grouping last took new contents: at most once a second.
    pub last_apply: i64,
    /// The latest storm rule check asked for ([`Effect::CheckRules`]).
    pub rules_generation: u64,
    /// Batches received but not merged into `App::content` yet: they are merged when the
    /// app holds the only reference to the index (a grouping worker may be reading it),
    /// so a batch costs its own size, never a copy of the whole index.
    pub pending: Vec<ContentIndex>,
    /// Whole-index copies made to merge while a worker still read the index: at most one
    /// per job (when it finishes), never one per batch.
    pub copies: usize,
}

/// What the rule check ([`Effect::CheckRules`]) works on.
#[derive(Debug, Clone)]
pub struct RulesJob {
    pub generation: u64,
    pub snapshot: Arc<Snapshot>,
    pub content: Arc<ContentIndex>,
}

/// Two checks are the same when they are the same generation (the data is its snapshot).
impl PartialEq for RulesJob {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

/// The rule check's answer.
#[derive(Debug, Clone)]
pub struct RulesChecked {
    pub generation: u64,
    /// `postconf -h mynetworks`, when it could be read.
    pub networks: Option<String>,
    pub plan: RulePlan,
}

/// The storm screen: the report, and a cursor over its causes (campaigns, then accounts).
#[derive(Debug, Clone, Default)]
pub struct StormView {
    pub report: StormReport,
    /// The rule check in flight (its generation), if any.
    pub rules_pending: Option<u64>,
    pub cursor: usize,
    /// First visible row of each cause table (the last frame's, see [`super::Viewport`]).
    pub campaigns_offset: usize,
    pub accounts_offset: usize,
    /// The mail log's evidence for the accounts it flags and those the report names, once
    /// the log was read ([`super::storm_log`]).
    pub log: Option<crate::model::log::evidence::StormEvidence>,
}

/// A cause the user can pick on the storm screen.
#[derive(Debug, Clone, Copy)]
pub enum Cause<'a> {
    Campaign(&'a CampaignStat),
    Account(&'a AccountStat),
}

impl StormView {
    /// Selectable rows: every campaign, then every account.
    #[must_use]
    pub fn len(&self) -> usize {
        self.report.campaigns.len() + self.report.accounts.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[must_use]
    pub fn selected(&self) -> Option<Cause<'_>> {
        let c = &self.report.campaigns;
        match c.get(self.cursor) {
            Some(x) => Some(Cause::Campaign(x)),
            None => self
                .report
                .accounts
                .get(self.cursor - c.len())
                .map(Cause::Account),
        }
    }

    /// A name for the selected cause that survives a new report (the cursor follows it).
    fn selected_name(&self) -> Option<String> {
        self.selected().map(|c| match c {
            Cause::Campaign(x) => format!("c{}", x.label),
            Cause::Account(a) => format!("a{}", a.user),
        })
    }

    fn find(&self, name: &str) -> Option<usize> {
        let n = self.report.campaigns.len();
        if let Some(l) = name.strip_prefix('c') {
            self.report.campaigns.iter().position(|x| x.label == l)
        } else {
            let u = name.strip_prefix('a')?;
            self.report
                .accounts
                .iter()
                .position(|a| a.user == u)
                .map(|p| p + n)
        }
    }
}

/// Scrollable plain text on top of the screen. `text` is kept as generated (it is what is
/// written to the file); every line is sanitized when drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextView {
    pub title: String,
    pub text: String,
    pub scroll: usize,
}

/// Messages from the null sender (bounces) in a listing.
#[must_use]
pub fn ndr_count(snap: &Snapshot) -> usize {
    snap.messages.iter().filter(|m| m.null_sender).count()
}

impl App {
    /// Recompute the storm report (when the screen is open), keeping the cursor on the same
    /// cause.
    pub(crate) fn refresh_storm(&mut self) {
        let Some(view) = &self.storm else {
            return;
        };
        let keep = view.selected_name();
        let mut report = analyze(
            &self.snapshot,
            &self.content,
            &self.networks,
            self.previous_ndrs,
            self.now,
        );
        // The last checked rules stay until a new check answers.
        report.rules.clone_from(&view.report.rules);
        let named: Vec<String> = report.accounts.iter().map(|a| a.user.clone()).collect();
        let mut next = StormView {
            report,
            log: super::storm_log::evidence(self, &named),
            ..view.clone()
        };
        next.cursor = keep
            .and_then(|k| next.find(&k))
            .unwrap_or(next.cursor)
            .min(next.len().saturating_sub(1));
        self.storm = Some(next);
    }

    /// Merge the pending batches into the index. Without `force`, only when no worker holds
    /// the index (then nothing is copied); returns whether anything pending is left out.
    /// With `force` (a job finished or a new one starts) a shared index is copied once.
    pub(super) fn merge_pending(&mut self, force: bool) -> bool {
        if self.indexing.pending.is_empty() {
            return true;
        }
        let index = match Arc::get_mut(&mut self.content) {
            Some(index) => index,
            None if force => {
                self.indexing.copies += 1;
                Arc::make_mut(&mut self.content)
            }
            // A grouping worker is reading the index: merge on a later batch.
            None => return false,
        };
        for batch in self.indexing.pending.drain(..) {
            index.extend(batch);
        }
        true
    }

    /// Contents merged since the last regroup reach grouping, filter and the storm screen.
    fn apply_contents(&mut self) {
        self.indexing.stale = false;
        self.indexing.last_apply = self.now;
        let needs = self.grouped.group_key.is_some_and(|k| k.needs_content())
            || !self.select.filter.content_fields().is_empty();
        if needs {
            // Keeps the groups cursor on the same label (see `regroup_with`).
            self.reselect();
        }
        self.refresh_storm();
    }
}

/// Start an indexing job for the listing on screen, superseding any running one (the loop
/// cancels it). `None` when indexing gave up, or in the middle of quitting.
pub(super) fn start_index(app: &mut App) -> Option<Effect> {
    app.indexing.wanted = false;
    if app.indexing.gave_up.is_some()
        || app.should_quit
        || !app.listing.loaded_once()
        || app.listing.shows_partial()
    {
        return None;
    }
    // The new job plans against what is known: nothing read may be read again.
    app.merge_pending(true);
    // Keep the cache bounded by the queue: forget what left it (a storm can come and go).
    if app.content.len() > app.snapshot.len() * 2 + 1_000 {
        let keys: std::collections::HashSet<_> = app
            .snapshot
            .messages
            .iter()
            .map(crate::model::Message::key)
            .collect();
        Arc::make_mut(&mut app.content).retain(|k| keys.contains(k));
    }
    let mut priority: Vec<u32> = Vec::new();
    if app.select.mark_count > 0 {
        priority.extend(
            app.select
                .marks
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .take(MAX_PRIORITY),
        );
    }
    let rows = app.message_rows();
    priority.extend(
        rows.iter()
            .take(MAX_PRIORITY.saturating_sub(priority.len())),
    );
    if !app.select.filter.is_empty() {
        let sel = &app.select.selection.indices;
        priority.extend(sel.iter().take(MAX_PRIORITY.saturating_sub(priority.len())));
    }
    app.indexing.generation += 1;
    app.indexing.running = true;
    app.indexing.done = 0;
    app.indexing.total = 0;
    Some(Effect::Index(Box::new(indexer::Job {
        generation: app.indexing.generation,
        snapshot: app.snapshot.clone(),
        priority,
        known: app.content.clone(),
        batch: indexer::DEFAULT_BATCH,
    })))
}

/// Check the storm's rules again (the storm screen is open and has contents).
fn check_rules(app: &mut App) -> Option<Effect> {
    let view = app.storm.as_mut()?;
    app.indexing.rules_generation += 1;
    let generation = app.indexing.rules_generation;
    view.rules_pending = Some(generation);
    Some(Effect::CheckRules(Box::new(RulesJob {
        generation,
        snapshot: app.snapshot.clone(),
        content: app.content.clone(),
    })))
}

/// The rule check answered: keep it if it is the latest one asked for.
pub(super) fn rules_checked(app: &mut App, r: RulesChecked) {
    if let Some(n) = &r.networks {
        app.networks = Networks::parse(n);
    }
    let Some(view) = app.storm.as_mut() else {
        return;
    };
    if view.rules_pending != Some(r.generation) {
        return;
    }
    view.rules_pending = None;
    view.report.rules = Some(r.plan);
    app.refresh_storm();
}

/// A batch of contents arrived.
pub(super) fn indexed(app: &mut App, b: BatchDone) -> Option<Effect> {
    if b.generation != app.indexing.generation || !app.indexing.running {
        // Superseded by a newer listing's job: its progress is not this job's progress.
        return None;
    }
    let finished = b.finished;
    app.indexing.done = b.done;
    app.indexing.total = b.total;
    if !b.contents.is_empty() {
        app.indexing.pending.push(b.contents);
        app.indexing.stale = true;
    }
    if let Some(f) = b.failure {
        let text = match f {
            JobFailure::NeedsRoot(_) => "contents need root: postcat cannot read the queue \
                files, so campaign/sasl/subject keys show (unknown)"
                .to_owned(),
            JobFailure::Failed(e) => format!(
                "reading message contents failed, indexing stopped: {}",
                crate::model::text::sanitize(&e)
            ),
            JobFailure::NoContents(why) => crate::model::text::sanitize(&why).into_owned(),
        };
        app.indexing.gave_up = Some(text.clone());
        app.status = Some(Status { text, error: true });
    }
    if b.finished {
        app.indexing.running = false;
    }
    if app.indexing.stale
        && (b.finished || app.now > app.indexing.last_apply)
        && app.merge_pending(b.finished)
    {
        app.apply_contents();
    }
    if finished && app.storm.is_some() {
        return check_rules(app);
    }
    None
}

/// `t`: open the storm screen (analysing what is indexed so far, checking its rules with
/// postmap and reading the mail log in the background), or close it.
pub(super) fn toggle(app: &mut App) -> Option<Effect> {
    if app.storm.take().is_some() {
        return None;
    }
    app.storm = Some(StormView::default());
    app.refresh_storm();
    if let Some(why) = &app.indexing.gave_up {
        app.status = Some(Status {
            text: why.clone(),
            error: true,
        });
    }
    let effects: Vec<Effect> = check_rules(app)
        .into_iter()
        .chain(super::storm_log::start(app))
        .collect();
    match effects.len() {
        0 | 1 => effects.into_iter().next(),
        _ => Some(Effect::Batch(effects)),
    }
}

pub(super) fn move_cursor(view: &mut StormView, delta: isize) {
    let len = view.len();
    if len == 0 {
        view.cursor = 0;
        return;
    }
    view.cursor = view.cursor.saturating_add_signed(delta).min(len - 1);
}

/// Hand the selected cause to the bulk actions: filter the main view to its messages and
/// mark exactly them, so `H`/`D` (through the confirm dialog) act on what the storm screen
/// showed, not on whatever group happens to be under the cursor.
pub(super) fn filter_to_cause(app: &mut App) {
    let Some(view) = &app.storm else {
        return;
    };
    let (term, what) = match view.selected() {
        Some(Cause::Campaign(c)) => (c.filter.clone(), "campaign"),
        Some(Cause::Account(a)) => (a.filter.clone(), "account"),
        None => {
            app.status = Some(Status {
                text: "no cause to select: nothing indexed yet".to_owned(),
                error: true,
            });
            return;
        }
    };
    let filter = match Filter::parse(&term) {
        Ok(f) => f,
        Err(e) => {
            app.status = Some(Status {
                text: format!("cannot filter on this {what}: {e}"),
                error: true,
            });
            return;
        }
    };
    app.show_panes_filtered(filter);
    app.clear_marks();
    let idx = std::mem::take(&mut app.select.selection.indices);
    for &i in &idx {
        app.set_mark(i as usize, true);
    }
    app.select.selection.indices = idx;
    let n = app.select.mark_count;
    let keys = if app.read_only.is_some() {
        "read-only: nothing can be changed"
    } else {
        "H hold, D delete (asks first)"
    };
    app.status = Some(Status {
        text: format!(
            "{what} {}: {} message{} marked — {keys}",
            snippet(&term, 50),
            crate::model::format::thousands(n),
            crate::model::format::plural(n)
        ),
        error: false,
    });
}

/// The countermeasures for the selected cause, as text (never applied). With the mail
/// log read, an account's text ends with its log evidence and the countermeasures naming
/// its login addresses; a campaign's with those of every account the log flags.
fn countermeasures_text(view: &StormView) -> Option<(String, String)> {
    let (title, mut text, user) = match view.selected()? {
        Cause::Campaign(c) => (
            format!("Countermeasures: campaign {}", snippet(&c.label, 40)),
            countermeasures::for_campaign(c, view.report.rules.as_ref(), view.report.dsn_seen),
            None,
        ),
        Cause::Account(a) => (
            if a.kind == crate::model::compromise::SubmitterKind::User {
                format!("Countermeasures: {}", snippet(&a.user, 40))
            } else {
                format!("Countermeasures: account {}", snippet(&a.user, 40))
            },
            countermeasures::for_account(a),
            Some(a.user.as_str()),
        ),
    };
    if let Some(log) = &view.log {
        let mine = crate::model::log::evidence::StormEvidence {
            accounts: log
                .accounts
                .iter()
                .filter(|a| user.is_none_or(|u| u == a.user))
                .filter(|a| user.is_some() || a.verdict.compromised)
                .cloned()
                .collect(),
            logpath: log.logpath.clone(),
        };
        if !mine.accounts.is_empty() {
            text.push('\n');
            for line in mine.lines(usize::MAX) {
                text.push_str(&line);
                text.push('\n');
            }
            text.push_str(&mine.countermeasures(None));
        }
    }
    Some((title, text))
}

/// `c`: show the countermeasures in a scrollable popup.
pub(super) fn show_countermeasures(app: &mut App) {
    match app.storm.as_ref().and_then(countermeasures_text) {
        Some((title, text)) => {
            app.overlay = Overlay::Text(TextView {
                title,
                text,
                scroll: 0,
            });
        }
        None => {
            app.status = Some(Status {
                text: "select a campaign or an account first".to_owned(),
                error: true,
            });
        }
    }
}

/// `w`: write the countermeasures shown (or those of the selected cause) to a file in the
/// current directory. The loop writes it and reports where.
pub(super) fn write_countermeasures(app: &mut App) -> Option<Effect> {
    let text = match &app.overlay {
        Overlay::Text(t) => Some(t.text.clone()),
        _ => app
            .storm
            .as_ref()
            .and_then(countermeasures_text)
            .map(|(_, t)| t),
    };
    let Some(text) = text else {
        app.status = Some(Status {
            text: "select a campaign or an account first".to_owned(),
            error: true,
        });
        return None;
    };
    Some(Effect::Write {
        file_name: countermeasures_file_name(app.now),
        text,
    })
}

/// `mailq-tui-countermeasures-20261128-042329.txt` (UTC), so files from one incident sort.
#[must_use]
pub fn countermeasures_file_name(now: i64) -> String {
    let t: String = format_utc(now)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let (date, time) = t.split_at(t.len().min(8));
    format!("mailq-tui-countermeasures-{date}-{time}.txt")
}

/// The file was written (or not).
pub(super) fn written(app: &mut App, r: Result<String, String>) {
    app.status = Some(match r {
        Ok(path) => Status {
            text: format!(
                "countermeasures written to {} (review before use)",
                crate::model::text::sanitize(&path)
            ),
            error: false,
        },
        Err(e) => Status {
            text: format!(
                "cannot write countermeasures: {}",
                crate::model::text::sanitize(&e)
            ),
            error: true,
        },
    });
}
