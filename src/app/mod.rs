//! The application state machine: [`App`] holds everything the screen shows, [`update()`]
//! changes it synchronously (no IO) and returns an [`Effect`] for the event loop to run.
//!
//! - [`action`]: the [`Action`] enum (user intents and IO results).
//! - [`keymap`]: the one key table behind dispatch, footer, help and `--print-keys`.
//! - [`update()`]: `update(&mut App, Action) -> Option<Effect>`.
//! - [`state`]: the typed sub-states [`App`] is made of: [`Nav`] (focus, cursors, page),
//!   [`Listing`] (what listing is shown and which runs, as enums), [`Select`] (filter,
//!   selection, marks), [`Grouped`] (grouping and its background jobs), [`Sources`] (the
//!   picker and switching).
//! - [`viewport`]: what the last frame showed (scroll offsets, page size), handed back to
//!   `update()` as [`Action::Viewport`]: drawing only reads the `App`.
//!
//! Grouping and filtering are the model's (`model::group`, `model::filter`); this module only
//! decides *when* to run them and keeps cursor and marks on the same messages across
//! refreshes.

pub mod action;
pub mod deliver;
pub mod dialogs;
pub mod jobs;
pub mod keymap;
pub mod login_facts;
pub mod shape;
pub mod sources;
pub mod state;
pub mod storm;
pub mod storm_log;
pub mod update;
pub mod viewport;

#[cfg(test)]
pub mod login_facts_tests;
#[cfg(test)]
mod operator_tests;
#[cfg(test)]
mod sources_tests;
#[cfg(test)]
pub mod storm_log_tests;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

pub use action::{Action, LoadError};
pub use dialogs::{AskFlush, Detail, FilterInput, Overlay, Pending, Popup};
pub use jobs::{ASYNC_REGROUP_AT, Prepared, RegroupJob, Regrouped, Retired};
pub use keymap::Keymap;
pub use update::{Effect, regroup_job, update};
pub use viewport::Viewport;

pub use shape::ShapeView;
pub use sources::{QueueHandle, SourceEntry, SourcesView, Switched};
pub use state::{Fetch, Grouped, Listing, Nav, Select, Shown, Sources};
pub use storm::{Cause, IndexState, StormView, TextView};

use crate::model::trend::diff_groups;
pub use crate::model::trend::{GroupDiff, SPARK_BUCKETS};

use crate::model::content::{ContentIndex, ContentView};
use crate::model::filter::{
    ContentLookup, Filter, LoginLookup, Match, MatchContext, Selection, select_with,
};
use crate::model::format::plural;
use crate::model::group::{Group, GroupKey, Grouping};
use crate::model::{MessageKey, QueueName, Snapshot};
use crate::ops;
use crate::postfix::QueueOp;

/// Which key table applies: the focused pane, or the overlay on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    Groups,
    Messages,
    Detail,
    Filter,
    Confirm,
    Help,
    Popup,
    /// The storm screen (causes of an NDR storm).
    Storm,
    /// A scrollable text popup (countermeasures).
    Text,
    /// The source picker / fleet overview (key `i`).
    Sources,
    /// qshape's view: domains × age buckets (key `p`).
    Shape,
}

impl Mode {
    pub const ALL: [Mode; 11] = [
        Mode::Groups,
        Mode::Messages,
        Mode::Detail,
        Mode::Filter,
        Mode::Confirm,
        Mode::Help,
        Mode::Popup,
        Mode::Storm,
        Mode::Text,
        Mode::Sources,
        Mode::Shape,
    ];

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Groups => "groups",
            Self::Messages => "messages",
            Self::Detail => "detail",
            Self::Filter => "filter input",
            Self::Confirm => "confirm dialog",
            Self::Help => "help",
            Self::Popup => "result popup",
            Self::Storm => "storm screen",
            Self::Text => "countermeasures",
            Self::Sources => "sources (fleet overview)",
            Self::Shape => "queue shape",
        }
    }
}

/// The pane with the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Groups,
    Messages,
    Detail,
}

/// A cursor in a list and the first visible row (the one the last frame showed, kept by
/// `update()` from [`Action::Viewport`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub pos: usize,
    pub offset: usize,
}

impl Cursor {
    fn clamp(&mut self, len: usize) {
        self.pos = self.pos.min(len.saturating_sub(1));
    }

    /// This cursor in a window of `height` rows over `len` rows: the position clamped to
    /// the list, the window moved just enough to show it.
    #[must_use]
    pub fn visible(mut self, height: usize, len: usize) -> Self {
        let height = height.max(1);
        self.clamp(len);
        if self.pos < self.offset {
            self.offset = self.pos;
        } else if self.pos >= self.offset + height {
            self.offset = self.pos + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        self
    }
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// How the terminal can show things: decided once from the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// False under `NO_COLOR`: monochrome, emphasis by bold/reverse only.
    pub color: bool,
    /// ASCII borders and sparklines (non-UTF-8 locale, `TERM=linux`/`dumb`).
    pub ascii: bool,
}

impl Default for Look {
    fn default() -> Self {
        Self {
            color: true,
            ascii: false,
        }
    }
}

/// How the app starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// `describe()` of the queue.
    pub source: String,
    /// Why the queue cannot be changed (`--read-only` or the adapter's reason).
    pub read_only: Option<String>,
    pub alert_at: Option<usize>,
    pub refresh_every: Duration,
    /// Set when Postfix is not installed and the demo queue stands in.
    pub demo_note: Option<String>,
    pub demo: bool,
    pub look: Look,
    /// The key table (built-in, with the config file's `[keys]` merged over it).
    pub keymap: Keymap,
    /// The grouping the app opens with.
    pub group_key: Option<GroupKey>,
    /// Hosts (and, once listed, local instances) the picker offers.
    pub sources: Vec<crate::model::source::Source>,
    /// Which of `sources` is open now (None: a local queue, demo or file not in the list).
    pub current_source: Option<usize>,
    /// `read_only` came from `--read-only`: it survives every switch.
    pub sticky_read_only: bool,
    /// Ask `postmulti -l` for local instances when the picker first opens.
    pub list_instances: bool,
    /// Start on the fleet overview (several `--host`s): no source open yet.
    pub fleet_overview: bool,
    /// The mail log the storm screen reads.
    pub log: storm_log::LogOptions,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            source: String::new(),
            read_only: None,
            alert_at: None,
            refresh_every: Duration::from_secs(10),
            demo_note: None,
            demo: false,
            look: Look::default(),
            keymap: Keymap::default(),
            group_key: Some(GroupKey::Reason),
            sources: Vec::new(),
            current_source: None,
            sticky_read_only: false,
            list_instances: false,
            fleet_overview: false,
            log: storm_log::LogOptions::default(),
        }
    }
}

/// Everything on screen. Fields are crate-private: outside the crate an `App` is driven
/// through [`update`](fn@update) (benches and tests read `now`, `snapshot`, `nav.focus` and
/// `grouped.grouping`).
#[derive(Debug)]
pub struct App {
    pub(crate) source: String,
    pub(crate) demo: bool,
    pub(crate) demo_note: Option<String>,
    pub(crate) read_only: Option<String>,
    pub(crate) keymap: Keymap,
    pub(crate) look: Look,
    pub snapshot: Arc<Snapshot>,
    /// Unix seconds used for age terms and buckets; the loop sets it, tests fix it.
    pub now: i64,
    /// The filter, what it selects, the marks.
    pub(crate) select: Select,
    /// The grouping key and order, the groups, the background regroup.
    pub grouped: Grouped,
    /// The focused pane, the list cursors, the page size.
    pub nav: Nav,
    pub(crate) overlay: Overlay,
    pub(crate) detail: Option<Detail>,
    pub(crate) status: Option<Status>,
    /// What listing is on screen, the one in flight, the last failure.
    pub(crate) listing: Listing,
    pub(crate) applying: bool,
    pub(crate) frozen: bool,
    pub(crate) alert_at: Option<usize>,
    pub(crate) refresh_every: Duration,
    pub(crate) should_quit: bool,
    /// The previous listing: `update()` hands a large one out as [`Effect::Retire`] (to be
    /// dropped off the UI thread) and drops a small one itself.
    pub(crate) retired: Option<(Arc<Snapshot>, Arc<Grouping>)>,
    /// Message contents read in the background (`postcat`), kept across refreshes. Shared
    /// with grouping workers; merging copies it only while one of them still holds it.
    pub(crate) content: Arc<ContentIndex>,
    /// The background indexing job and its progress.
    pub(crate) indexing: IndexState,
    /// The storm screen, when open (it covers the panes).
    pub(crate) storm: Option<StormView>,
    /// The mail log behind the storm screen's evidence, read in the background.
    pub(crate) mail_log: storm_log::LogState,
    /// The queue-shape screen, when open (it covers the panes).
    pub(crate) shape: Option<ShapeView>,
    /// NDRs in the previous listing: the storm screen's growth.
    pub(crate) previous_ndrs: Option<usize>,
    /// The instance's `mynetworks`, once the storm screen's rule check read it.
    pub(crate) networks: crate::model::compromise::Networks,
    /// The key table before read-only trimming: a switch to a writable source restores it.
    pub(crate) base_keymap: Keymap,
    /// See [`Options::sticky_read_only`].
    pub(crate) sticky_read_only: bool,
    /// The queues the picker offers, the open one, a switch in progress.
    pub(crate) sources: Sources,
}

impl App {
    #[must_use]
    pub fn new(opts: Options) -> Self {
        let base_keymap = opts.keymap.clone();
        let keymap = if opts.read_only.is_some() {
            opts.keymap.without_mutating()
        } else {
            opts.keymap
        };
        Self {
            source: opts.source,
            demo: opts.demo,
            demo_note: opts.demo_note,
            read_only: opts.read_only,
            keymap,
            look: opts.look,
            snapshot: Arc::new(Snapshot::default()),
            now: 0,
            select: Select::default(),
            nav: Nav::new(if opts.group_key.is_some() {
                Pane::Groups
            } else {
                Pane::Messages
            }),
            grouped: Grouped::new(opts.group_key),
            overlay: Overlay::None,
            detail: None,
            status: None,
            listing: Listing::default(),
            applying: false,
            frozen: false,
            alert_at: opts.alert_at,
            refresh_every: opts.refresh_every,
            should_quit: false,
            retired: None,
            content: Arc::default(),
            indexing: IndexState::default(),
            storm: None,
            mail_log: storm_log::LogState::new(opts.log),
            shape: None,
            previous_ndrs: None,
            networks: crate::model::compromise::Networks::default(),
            base_keymap,
            sticky_read_only: opts.sticky_read_only,
            sources: Sources {
                entries: opts.sources.into_iter().map(SourceEntry::new).collect(),
                current: opts.current_source,
                view: opts.fleet_overview.then(SourcesView::default),
                generation: 0,
                switching: None,
                list_instances: opts.list_instances,
                instances_listed: false,
                fleet_overview: opts.fleet_overview,
            },
        }
    }

    /// The keys of the marked messages, in listing order.
    pub(crate) fn marked_keys(&self) -> impl Iterator<Item = MessageKey> + '_ {
        self.snapshot
            .messages
            .iter()
            .zip(&self.select.marks)
            .filter(|(_, m)| **m)
            .map(|(msg, _)| msg.key())
    }

    /// Whether a listing should stream partial listings: no complete one is on screen.
    #[must_use]
    pub(crate) fn wants_partials(&self) -> bool {
        self.listing.shown != Shown::Complete
    }

    /// The key table that applies now.
    #[must_use]
    pub(crate) fn mode(&self) -> Mode {
        match &self.overlay {
            Overlay::Help => Mode::Help,
            Overlay::Filter(_) => Mode::Filter,
            Overlay::Confirm(_) | Overlay::AskFlush(_) => Mode::Confirm,
            Overlay::Popup(_) => Mode::Popup,
            Overlay::Text(_) => Mode::Text,
            Overlay::None if self.sources.view.is_some() => Mode::Sources,
            Overlay::None if self.shape.is_some() => Mode::Shape,
            Overlay::None if self.storm.is_some() => Mode::Storm,
            Overlay::None => match self.nav.focus {
                Pane::Groups => Mode::Groups,
                Pane::Messages => Mode::Messages,
                Pane::Detail => Mode::Detail,
            },
        }
    }

    /// The deferred-queue alert fired (`--alert-at N`).
    #[must_use]
    pub(crate) fn alert(&self) -> bool {
        self.alert_at
            .is_some_and(|n| self.snapshot.count(&QueueName::Deferred).messages >= n)
    }

    /// The group under the groups cursor.
    #[must_use]
    pub(crate) fn current_group(&self) -> Option<&Group> {
        self.grouped.group_key?;
        self.grouped.grouping.groups.get(self.nav.groups.pos)
    }

    /// The rows of the messages pane (indices into the snapshot). Borrowed, never copied:
    /// at a million messages a per-frame copy would be the whole frame budget.
    #[must_use]
    pub(crate) fn message_rows(&self) -> &[u32] {
        match self.grouped.group_key {
            Some(_) => self.current_group().map_or(&[], |g| g.members.as_slice()),
            None => &self.select.selection.indices,
        }
    }

    /// Snapshot index of the message under the messages cursor.
    #[must_use]
    pub(crate) fn cursor_message(&self) -> Option<usize> {
        self.message_rows()
            .get(self.nav.messages.pos)
            .map(|&i| i as usize)
    }

    #[must_use]
    pub(crate) fn is_marked(&self, index: usize) -> bool {
        self.select.marks.get(index).copied().unwrap_or(false)
    }

    fn set_mark(&mut self, index: usize, on: bool) {
        if let Some(m) = self.select.marks.get_mut(index)
            && *m != on
        {
            *m = on;
            if on {
                self.select.mark_count += 1;
            } else {
                self.select.mark_count -= 1;
            }
        }
    }

    fn clear_marks(&mut self) {
        self.select.marks.iter_mut().for_each(|m| *m = false);
        self.select.mark_count = 0;
    }

    /// Re-run the filter over the snapshot, then regroup.
    /// Leave a screen (storm, shape) for the panes with `filter` in force: cursors at the
    /// top, the detail closed, the selection recomputed.
    pub(super) fn show_panes_filtered(&mut self, filter: Filter) {
        self.storm = None;
        self.shape = None;
        self.select.filter = filter;
        self.detail = None;
        self.nav.focus = if self.grouped.group_key.is_some() {
            Pane::Groups
        } else {
            Pane::Messages
        };
        self.nav.groups = Cursor::default();
        self.nav.messages = Cursor::default();
        self.reselect();
    }

    pub(crate) fn reselect(&mut self) {
        login_facts::refresh_view(self);
        self.select.selection = self.select_now();
        self.regroup();
        self.refresh_shape();
    }

    /// The current filter over the current snapshot, with message contents when the filter
    /// has content terms (`subject:`, `campaign:`, `sasl:`, …).
    fn select_now(&self) -> Selection {
        let view = (!self.select.filter.content_fields().is_empty())
            .then(|| ContentView::new(&self.snapshot, &self.content));
        let logins = login_facts::lookup(self);
        select_with(
            &self.snapshot,
            &self.select.filter,
            &MatchContext {
                now: self.now,
                content: view.as_ref().map(|v| v as &dyn ContentLookup),
                logins: logins.as_deref().map(|l| l as &dyn LoginLookup),
            },
        )
    }

    /// The content index for a grouping job, if the key or the filter needs contents (a
    /// view over the index costs a pass over the snapshot, so only then).
    fn content_for_job(&self, key: GroupKey) -> Option<Arc<ContentIndex>> {
        (key.needs_content() || !self.select.filter.content_fields().is_empty())
            .then(|| self.content.clone())
    }

    /// Regroup the current selection and rebuild the sparklines.
    pub fn regroup(&mut self) {
        self.regroup_with(self.select.selection.indices.len() >= ASYNC_REGROUP_AT);
    }

    /// Regroup now, whatever the size: a new snapshot must never be shown with a grouping
    /// whose member indices point into the previous one.
    pub(crate) fn regroup_now(&mut self) {
        self.regroup_with(false);
    }

    fn regroup_with(&mut self, in_background: bool) {
        self.grouped.group_gen += 1;
        self.grouped.regroup_job = None;
        self.grouped.regrouping = false;
        let Some(key) = self.grouped.group_key else {
            self.grouped.grouping = Arc::default();
            self.grouped.sparks = Vec::new();
            if self.nav.focus == Pane::Groups {
                self.nav.focus = Pane::Messages;
            }
            self.nav.messages.clamp(self.message_rows().len());
            return;
        };
        let job = RegroupJob {
            generation: self.grouped.group_gen,
            snapshot: self.snapshot.clone(),
            indices: self.select.selection.indices.clone(),
            key,
            sort_by: self.grouped.sort_by,
            sort_desc: self.grouped.sort_desc,
            now: self.now,
            keep_label: self.current_group().map(|g| g.label.clone()),
            filter: None,
            prepare_gen: 0,
            previous: None,
            content: self.content_for_job(key),
            logins: login_facts::for_job(self),
        };
        if in_background {
            // The old grouping stays on screen (same snapshot, so its indices stay valid)
            // until the new one lands; typing never waits for it.
            self.grouped.regroup_job = Some(job);
            self.grouped.regrouping = true;
        } else {
            let done = job.run();
            self.apply_regrouped(done);
        }
    }

    /// Install a finished grouping if it is still the one wanted (a newer keystroke may
    /// have superseded it).
    pub(crate) fn apply_regrouped(&mut self, r: Regrouped) {
        if let Some(selection) = r.selection {
            // A prepared listing. Older than the newest one asked for: drop it.
            if r.prepare_gen != self.listing.prepare_gen {
                return;
            }
            self.listing.preparing = false;
            let current = r.generation == self.grouped.group_gen;
            let snapshot = r.snapshot.clone();
            let logins = r.logins;
            self.set_snapshot_with(
                snapshot,
                Some(Prepared {
                    selection,
                    grouping: r.grouping,
                    sparks: r.sparks,
                    diff: r.diff,
                }),
            );
            // The worker's `login-new:` facts of it, computed with the selection.
            login_facts::install_view(self, logins);
            if !current {
                // Filter, grouping or sort changed while it was prepared: redo with today's.
                self.reselect();
            }
            return;
        }
        if r.generation != self.grouped.group_gen || !Arc::ptr_eq(&r.snapshot, &self.snapshot) {
            return;
        }
        self.grouped.regrouping = false;
        self.grouped.grouping = Arc::new(r.grouping);
        self.grouped.sparks = r.sparks;
        if let Some(label) = r.keep_label
            && let Some(p) = self.grouped.position_of(&label)
        {
            self.nav.groups.pos = p;
        }
        self.nav.groups.clamp(self.grouped.grouping.groups.len());
        self.nav.messages.clamp(self.message_rows().len());
    }

    /// Take a new listing, keeping cursor, marks, detail and filter on the same messages
    /// (by [`MessageKey`] and group label) and recording what changed per group.
    pub(crate) fn set_snapshot(&mut self, snap: Arc<Snapshot>) {
        self.set_snapshot_with(snap, None);
    }

    /// Take a new listing. A large one is first prepared (selected and grouped) on a worker
    /// thread, and installed when ready; until then the previous listing stays on screen.
    pub(crate) fn receive_snapshot(&mut self, snap: Arc<Snapshot>) {
        self.listing.prepare_gen += 1;
        if snap.len() < ASYNC_REGROUP_AT || self.grouped.group_key.is_none() {
            self.listing.preparing = false;
            self.set_snapshot(snap);
            return;
        }
        self.listing.preparing = true;
        self.grouped.regroup_job = Some(RegroupJob {
            generation: self.grouped.group_gen,
            snapshot: snap,
            indices: Vec::new(),
            key: self.grouped.group_key.unwrap_or(GroupKey::Reason),
            sort_by: self.grouped.sort_by,
            sort_desc: self.grouped.sort_desc,
            now: self.now,
            keep_label: None,
            filter: Some(self.select.filter.clone()),
            prepare_gen: self.listing.prepare_gen,
            previous: (self.listing.shown == Shown::Complete && self.grouped.group_key.is_some())
                .then(|| (self.snapshot.clone(), self.grouped.grouping.clone())),
            content: self.content_for_job(self.grouped.group_key.unwrap_or(GroupKey::Reason)),
            logins: login_facts::for_job(self),
        });
    }

    /// Install a listing, with its selection, grouping and sparklines when a worker already
    /// computed them.
    pub(crate) fn set_snapshot_with(&mut self, snap: Arc<Snapshot>, prepared: Option<Prepared>) {
        let group_label = self.current_group().map(|g| g.label.clone());
        let cursor_key = self
            .cursor_message()
            .and_then(|i| self.snapshot.messages.get(i))
            .map(crate::model::Message::key);
        let marked: HashSet<MessageKey> = if self.select.mark_count == 0 {
            HashSet::new()
        } else {
            self.marked_keys().collect()
        };
        // After a partial listing the next one is compared with nothing: "new" would be
        // everything the partial had not reached yet.
        let first = self.listing.shown != Shown::Complete;
        self.listing.shown = if self.listing.partial_prepare == Some(self.listing.prepare_gen) {
            Shown::Partial
        } else {
            Shown::Complete
        };
        if !first {
            self.previous_ndrs = Some(storm::ndr_count(&self.snapshot));
        }
        let old = std::mem::replace(&mut self.snapshot, snap);
        let old_grouping = std::mem::take(&mut self.grouped.grouping);
        self.select.marks = vec![false; self.snapshot.messages.len()];
        self.select.mark_count = 0;
        if !marked.is_empty() {
            for i in 0..self.snapshot.messages.len() {
                if marked.contains(&self.snapshot.messages[i].key()) {
                    self.select.marks[i] = true;
                    self.select.mark_count += 1;
                }
            }
        }
        let mut diff = None;
        match prepared {
            Some(Prepared {
                selection,
                grouping,
                sparks,
                diff: d,
            }) => {
                diff = d;
                self.grouped.group_gen += 1;
                self.grouped.regroup_job = None;
                self.grouped.regrouping = false;
                self.select.selection = selection;
                self.grouped.grouping = Arc::new(grouping);
                self.grouped.sparks = sparks;
                self.nav.groups.clamp(self.grouped.grouping.groups.len());
            }
            None => {
                login_facts::refresh_view(self);
                self.select.selection = self.select_now();
                self.regroup_now();
            }
        }
        self.grouped.diff = match diff {
            _ if first || self.grouped.group_key.is_none() => HashMap::new(),
            Some(d) => d,
            None => diff_groups(&old, &old_grouping, &self.snapshot, &self.grouped.grouping),
        };
        // Freeing a million messages takes a noticeable moment: let the loop hand the old
        // listing to a worker to drop instead of doing it here.
        self.retired = Some((old, old_grouping));
        if let Some(label) = group_label
            && let Some(pos) = self.grouped.position_of(&label)
        {
            self.nav.groups.pos = pos;
        }
        if let Some(key) = cursor_key {
            let snap = &self.snapshot;
            if let Some(pos) = self.message_rows().iter().position(|&i| {
                snap.messages
                    .get(i as usize)
                    .is_some_and(|m| m.key() == key)
            }) {
                self.nav.messages.pos = pos;
            }
        }
        self.nav.messages.clamp(self.message_rows().len());
        // New messages may need reading; the storm screen follows the listing.
        self.indexing.wanted = true;
        self.refresh_storm();
        self.refresh_shape();
        // A listing that lands while the filter input is open (the first one, typically, when
        // the admin starts typing at once) changes what the typed filter matches: the live
        // count must follow, or it keeps saying "0 matches" over a non-empty list.
        if let Overlay::Filter(input) = &mut self.overlay {
            input.matches = self.select.selection.indices.len();
        }
    }

    /// What a mutating action applies to: the marked messages if any, otherwise the message
    /// under the cursor (messages/detail) or the group under the cursor (groups pane).
    #[must_use]
    pub(crate) fn targets(&self) -> (Vec<u32>, String) {
        if self.select.mark_count > 0 {
            let idx: Vec<u32> = self
                .select
                .marks
                .iter()
                .enumerate()
                .filter(|(_, m)| **m)
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect();
            let scope = format!("{} marked message{}", idx.len(), plural(idx.len()));
            return (idx, scope);
        }
        match self.nav.focus {
            Pane::Groups => match (self.current_group(), self.grouped.group_key) {
                (Some(g), Some(k)) => (
                    g.members.clone(),
                    format!(
                        "group {} = {}",
                        k.name(),
                        crate::model::text::snippet(&g.label, 60)
                    ),
                ),
                _ => (Vec::new(), String::new()),
            },
            Pane::Messages | Pane::Detail => {
                let i = if self.nav.focus == Pane::Detail {
                    self.detail_index()
                } else {
                    self.cursor_message()
                };
                match i.and_then(|i| Some((i, self.snapshot.messages.get(i)?))) {
                    Some((i, m)) => (
                        u32::try_from(i).map(|i| vec![i]).unwrap_or_default(),
                        format!("message {}", m.queue_id),
                    ),
                    None => (Vec::new(), String::new()),
                }
            }
        }
    }

    /// Snapshot index of the message in the detail view.
    #[must_use]
    pub(crate) fn detail_index(&self) -> Option<usize> {
        let d = self.detail.as_ref()?;
        // Fast path: the cursor is still on it (always true between refreshes).
        if let Some(i) = self.cursor_message()
            && self
                .snapshot
                .messages
                .get(i)
                .is_some_and(|m| m.key() == d.key)
        {
            return Some(i);
        }
        self.snapshot.messages.iter().position(|m| m.key() == d.key)
    }

    /// Everything the confirm dialog states about applying `op` to `indices`.
    #[must_use]
    pub(crate) fn pending(&self, op: QueueOp, indices: &[u32], scope: String) -> Pending {
        // Partial: selected, but with recipients the filter does not match. Postfix acts on
        // whole messages, so those recipients are affected too.
        let partial = if self.select.filter.is_empty() {
            0
        } else {
            // With content terms (`campaign:…`) the filter needs the contents to judge.
            let view = (!self.select.filter.content_fields().is_empty())
                .then(|| ContentView::new(&self.snapshot, &self.content));
            // With `login-new:` the facts the selection was made with.
            let logins = login_facts::lookup(self);
            let ctx = MatchContext {
                now: self.now,
                content: view.as_ref().map(|v| v as &dyn ContentLookup),
                logins: logins.as_deref().map(|l| l as &dyn LoginLookup),
            };
            indices
                .iter()
                .filter_map(|&i| Some((i, self.snapshot.messages.get(i as usize)?)))
                .filter(|(i, m)| self.select.filter.matches_with(m, *i, &ctx) != Match::Whole)
                .count()
        };
        let request =
            ops::Request::from_indices(&self.snapshot, indices, op, self.select.filter.text());
        let preview = ops::preview(&self.snapshot, &request, partial);
        Pending {
            request,
            preview,
            scope,
            typed: String::new(),
        }
    }
}
