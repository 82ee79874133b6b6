//! The source picker (key `i`) and the fleet overview: every queue the session can switch
//! to — local Postfix instances and ssh hosts — with each one's last known counts.
//!
//! Pure state changes only: listing instances, probing sources and opening the chosen one
//! are [`Effect`]s the event loop runs on blocking threads, one per source, so a host that is
//! down shows its error in its own row and never holds up the others or the screen.

use std::fmt;
use std::sync::Arc;

use super::{App, Cursor, Fetch, IndexState, Overlay, Pane, Shown, Status, update::Effect};
use crate::model::fleet::FleetRow;
use crate::model::source::Source;
use crate::model::text::sanitize;
use crate::postfix::MailQueue;

/// One row of the picker.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEntry {
    pub source: Source,
    /// The last probe's result; `None` until the first one is in.
    pub row: Option<FleetRow>,
    /// A probe is running (a second one is not started on top of it).
    pub probing: bool,
}

impl SourceEntry {
    #[must_use]
    pub fn new(source: Source) -> Self {
        Self {
            source,
            row: None,
            probing: false,
        }
    }
}

/// The picker on screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesView {
    pub cursor: Cursor,
}

/// An opened queue on its way from the worker that opened it to the event loop.
#[derive(Clone)]
pub struct QueueHandle {
    pub queue: Arc<dyn MailQueue>,
    /// `describe()`, taken on the worker (it may not be free for remote queues).
    pub describe: String,
    pub read_only: Option<String>,
}

impl fmt::Debug for QueueHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueHandle")
            .field("describe", &self.describe)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// The result of an [`Effect::Switch`].
#[derive(Debug, Clone)]
pub struct Switched {
    /// The `source_gen` the switch was requested for (current + 1).
    pub generation: u64,
    /// Index into `App::sources`.
    pub index: usize,
    pub result: Result<QueueHandle, String>,
}

impl App {
    /// True when `s` answers the switch in flight (and not an older, superseded one): the
    /// event loop swaps its queue exactly when `update()` will accept the switch.
    #[must_use]
    pub(crate) fn accepts_switch(&self, s: &Switched) -> bool {
        self.sources.switching == Some(s.index) && s.generation == self.sources.generation + 1
    }

    /// Forget everything about the previous source: its listing, marks, filter, contents,
    /// detail and storm view belong to another queue and must never be acted on here.
    fn reset_for_source(&mut self, handle: &QueueHandle, generation: u64, index: usize) {
        self.source = sanitize(&handle.describe).into_owned();
        self.sources.generation = generation;
        self.sources.current = Some(index);
        // The mail log was the previous source's.
        self.mail_log.forget();
        // `--read-only` sticks for the whole session; otherwise the new queue's own reason.
        if !self.sticky_read_only {
            self.read_only.clone_from(&handle.read_only);
        }
        self.keymap = if self.read_only.is_some() {
            self.base_keymap.clone().without_mutating()
        } else {
            self.base_keymap.clone()
        };
        self.demo = false;
        self.demo_note = None;
        let old = std::mem::take(&mut self.snapshot);
        let old_grouping = std::mem::take(&mut self.grouped.grouping);
        self.retired = Some((old, old_grouping));
        self.listing.shown = Shown::Nothing;
        self.select.filter = crate::model::filter::Filter::default();
        self.select.selection = crate::model::filter::Selection::default();
        self.grouped.sparks.clear();
        self.grouped.diff.clear();
        self.select.marks.clear();
        self.select.mark_count = 0;
        self.nav.groups = Cursor::default();
        self.nav.messages = Cursor::default();
        self.nav.focus = if self.grouped.group_key.is_some() {
            Pane::Groups
        } else {
            Pane::Messages
        };
        self.detail = None;
        self.overlay = Overlay::None;
        self.storm = None;
        self.previous_ndrs = None;
        self.content = Arc::default();
        self.indexing = IndexState {
            generation: self.indexing.generation + 1,
            ..IndexState::default()
        };
        self.listing.fetch = Fetch::Idle;
        self.grouped.group_gen += 1;
        self.grouped.regroup_job = None;
        self.grouped.regrouping = false;
        self.listing.prepare_gen += 1;
        self.listing.preparing = false;
    }
}

/// The probe effect for the given entries (skipping those already being probed).
fn probe(app: &mut App, indices: impl IntoIterator<Item = usize>) -> Option<Effect> {
    let list_instances = app.sources.list_instances && !app.sources.instances_listed;
    let mut sources = Vec::new();
    for i in indices {
        if let Some(e) = app.sources.entries.get_mut(i)
            && !e.probing
        {
            e.probing = true;
            sources.push((i, e.source.clone(), e.row.clone()));
        }
    }
    if sources.is_empty() && !list_instances {
        return None;
    }
    if list_instances {
        // Asked once per session; the answer (or its failure) comes back as InstancesListed.
        app.sources.instances_listed = true;
    }
    Some(Effect::ProbeSources {
        list_instances,
        sources,
    })
}

/// `i`: open the picker (and refresh every row), or close it again.
pub(super) fn toggle(app: &mut App) -> Option<Effect> {
    if app.sources.view.is_some() {
        close(app);
        return None;
    }
    app.storm = None;
    app.sources.view = Some(SourcesView {
        cursor: Cursor {
            pos: app.sources.current.unwrap_or(0),
            offset: 0,
        },
    });
    refresh(app)
}

/// Close the picker, unless no source is open yet (the fleet overview is then the screen).
pub(super) fn close(app: &mut App) {
    if app.sources.current.is_some() || !app.sources.fleet_overview {
        app.sources.view = None;
    }
}

/// Probe every source again (the refresh tick and `r` while the picker is open).
pub(super) fn refresh(app: &mut App) -> Option<Effect> {
    probe(app, 0..app.sources.entries.len())
}

pub(super) fn move_cursor(app: &mut App, delta: isize) {
    let len = app.sources.entries.len();
    if let Some(v) = &mut app.sources.view {
        v.cursor.pos = if len == 0 {
            0
        } else {
            v.cursor.pos.saturating_add_signed(delta).min(len - 1)
        };
    }
}

/// The local instances are known: add the ones not listed yet, and probe them.
pub(super) fn instances_listed(app: &mut App, r: Result<Vec<Source>, String>) -> Option<Effect> {
    match r {
        Ok(list) => {
            let first_new = app.sources.entries.len();
            for s in list {
                if !app
                    .sources
                    .entries
                    .iter()
                    .any(|e| e.source.key() == s.key())
                {
                    app.sources.entries.push(SourceEntry::new(s));
                }
            }
            probe(app, first_new..app.sources.entries.len())
        }
        Err(e) => {
            if app.sources.view.is_some() {
                app.status = Some(Status {
                    text: format!("no local instances: {}", sanitize(&e)),
                    error: true,
                });
            }
            None
        }
    }
}

pub(super) fn probed(app: &mut App, index: usize, row: FleetRow) {
    if let Some(e) = app.sources.entries.get_mut(index) {
        e.row = Some(row);
        e.probing = false;
    }
}

/// Enter in the picker: open the source under the cursor.
pub(super) fn switch(app: &mut App) -> Option<Effect> {
    let index = app.sources.view.as_ref()?.cursor.pos;
    let entry = app.sources.entries.get(index)?;
    if app.sources.current == Some(index) {
        app.sources.view = None;
        return None;
    }
    if app.applying {
        app.status = Some(Status {
            text: "an operation is still running: switch when it has finished".to_owned(),
            error: true,
        });
        return None;
    }
    let source = entry.source.clone();
    app.status = Some(Status {
        text: format!("opening {}…", source.label()),
        error: false,
    });
    app.sources.switching = Some(index);
    Some(Effect::Switch {
        index,
        source,
        generation: app.sources.generation + 1,
    })
}

/// The chosen source was opened (then it becomes the session's queue) or not (then the
/// session stays where it was and says why).
pub(super) fn switched(app: &mut App, s: Switched) -> Option<Effect> {
    if !app.accepts_switch(&s) {
        return None;
    }
    app.sources.switching = None;
    let label = app
        .sources
        .entries
        .get(s.index)
        .map_or_else(String::new, |e| e.source.label());
    match s.result {
        Ok(handle) => {
            app.reset_for_source(&handle, s.generation, s.index);
            app.sources.view = None;
            app.status = Some(Status {
                text: format!("opened {label}"),
                error: false,
            });
            app.listing.start();
            Some(Effect::Load)
        }
        Err(e) => {
            app.status = Some(Status {
                text: format!(
                    "cannot open {label}: {}; still on {}",
                    sanitize(&e),
                    app.source
                ),
                error: true,
            });
            None
        }
    }
}
