//! The parts of [`App`](super::App), each a typed sub-state: where the cursor is
//! ([`Nav`]), how listings reach the screen ([`Listing`]), what the user picked
//! ([`Select`]), how it is grouped ([`Grouped`]) and which queues the picker offers
//! ([`Sources`]). Grouping the fields keeps each concern's invariants in one place and
//! lets the compiler, not a comment, say which fields belong together.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Cursor, LoadError, Pane, RegroupJob, SourceEntry, SourcesView};
use crate::model::filter::{Filter, Selection};
use crate::model::group::{GroupKey, Grouping, SortBy};
use crate::model::trend::{GroupDiff, SPARK_BUCKETS};

/// Where the user is: the focused pane, the cursor of each list and the page size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nav {
    pub focus: Pane,
    pub(crate) groups: Cursor,
    pub(crate) messages: Cursor,
    /// Rows of the focused list at the last draw ([`Action::Viewport`](super::Action)): the
    /// size of a half-page jump.
    pub(crate) page: usize,
}

impl Nav {
    pub(crate) fn new(focus: Pane) -> Self {
        Self {
            focus,
            groups: Cursor::default(),
            messages: Cursor::default(),
            page: 10,
        }
    }
}

/// Which listing is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// None has arrived yet (the screen says "loading", not "empty").
    Nothing,
    /// A partial one (the first listing still streams in): groups and counts are
    /// incomplete, and queue-changing keys are refused until it completes.
    Partial,
    /// A complete listing.
    Complete,
}

/// The listing in flight (at most one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    Idle,
    Running {
        /// Messages it has parsed so far.
        listed: usize,
        /// Another refresh was asked for meanwhile: start one when this one ends.
        again: bool,
    },
}

/// Getting listings on screen: what is shown, what is in flight, what failed, and the
/// preparation of a large listing on a worker.
#[derive(Debug, Clone)]
pub struct Listing {
    pub(crate) shown: Shown,
    pub(crate) fetch: Fetch,
    /// The last listing failed (cleared by the next one that works): the panes say why
    /// and what to do while there is nothing else to show.
    pub(crate) error: Option<LoadError>,
    /// Bumped for every large listing received; only the newest one's preparation counts.
    pub(crate) prepare_gen: u64,
    /// A new listing is being selected and grouped on a worker thread.
    pub(crate) preparing: bool,
    /// `prepare_gen` of the newest partial listing received: tells `set_snapshot_with`
    /// whether what it installs is partial.
    pub(crate) partial_prepare: Option<u64>,
}

impl Default for Listing {
    fn default() -> Self {
        Self {
            shown: Shown::Nothing,
            fetch: Fetch::Idle,
            error: None,
            prepare_gen: 0,
            preparing: false,
            partial_prepare: None,
        }
    }
}

impl Listing {
    /// A listing (partial or complete) has been installed.
    #[must_use]
    pub fn loaded_once(&self) -> bool {
        self.shown != Shown::Nothing
    }

    #[must_use]
    pub fn shows_partial(&self) -> bool {
        self.shown == Shown::Partial
    }

    /// A listing is in flight.
    #[must_use]
    pub fn loading(&self) -> bool {
        matches!(self.fetch, Fetch::Running { .. })
    }

    /// Messages the running listing has parsed so far (0 when none runs).
    #[must_use]
    pub fn listed_so_far(&self) -> usize {
        match self.fetch {
            Fetch::Running { listed, .. } => listed,
            Fetch::Idle => 0,
        }
    }

    /// Another listing starts when the running one ends.
    #[must_use]
    pub fn refresh_pending(&self) -> bool {
        matches!(self.fetch, Fetch::Running { again: true, .. })
    }

    /// A listing starts now.
    pub(crate) fn start(&mut self) {
        self.fetch = Fetch::Running {
            listed: 0,
            again: false,
        };
    }

    /// A refresh was asked for: true when a listing starts now, false when one runs (then
    /// another starts when it ends).
    pub(crate) fn request(&mut self) -> bool {
        match &mut self.fetch {
            Fetch::Running { again, .. } => {
                *again = true;
                false
            }
            Fetch::Idle => {
                self.start();
                true
            }
        }
    }

    /// The running listing has parsed at least `n` messages.
    pub(crate) fn progress(&mut self, n: usize, at_least: bool) {
        if let Fetch::Running { listed, .. } = &mut self.fetch {
            *listed = if at_least { (*listed).max(n) } else { n };
        }
    }

    /// The running listing ended: whether another was asked for meanwhile.
    pub(crate) fn finish(&mut self) -> bool {
        let again = matches!(self.fetch, Fetch::Running { again: true, .. });
        self.fetch = Fetch::Idle;
        again
    }
}

/// What the user picked: the filter, the messages it selects, and the marks.
#[derive(Debug, Clone, Default)]
pub struct Select {
    pub(crate) filter: Filter,
    pub(crate) selection: Selection,
    /// Marks by snapshot index; remapped by [`MessageKey`](crate::model::MessageKey) on
    /// every refresh.
    pub(crate) marks: Vec<bool>,
    pub(crate) mark_count: usize,
}

/// How the selection is grouped, and the background regroup that keeps it current.
#[derive(Debug)]
pub struct Grouped {
    /// `None`: no grouping, the messages pane lists the whole selection.
    pub(crate) group_key: Option<GroupKey>,
    pub(crate) sort_by: SortBy,
    pub(crate) sort_desc: bool,
    /// Shared so a worker preparing the next listing can diff against it without a copy.
    pub grouping: Arc<Grouping>,
    /// Arrivals per group over the snapshot's time span, aligned with `grouping.groups`.
    pub(crate) sparks: Vec<[u32; SPARK_BUCKETS]>,
    /// Per group label: messages new and gone since the previous refresh.
    pub(crate) diff: HashMap<Arc<str>, GroupDiff>,
    /// Bumped on every regroup request: results of older requests are dropped.
    pub(crate) group_gen: u64,
    /// A grouping to compute in the background: `update()` hands it out as
    /// [`Effect::Regroup`](super::Effect::Regroup) before it returns (methods called
    /// outside `update()` leave it here).
    pub(crate) regroup_job: Option<RegroupJob>,
    /// A background regroup is running (the header says so).
    pub(crate) regrouping: bool,
}

impl Grouped {
    pub(crate) fn new(group_key: Option<GroupKey>) -> Self {
        Self {
            group_key,
            sort_by: SortBy::Messages,
            sort_desc: true,
            grouping: Arc::default(),
            sparks: Vec::new(),
            diff: HashMap::new(),
            group_gen: 0,
            regroup_job: None,
            regrouping: false,
        }
    }

    /// The row of the group labelled `label`.
    pub(crate) fn position_of(&self, label: &str) -> Option<usize> {
        self.grouping.groups.iter().position(|g| *g.label == *label)
    }
}

/// The queues the picker offers and the switch between them.
#[derive(Debug)]
pub struct Sources {
    /// Every queue the picker offers, with its last overview row.
    pub(crate) entries: Vec<SourceEntry>,
    /// Index of the open source in `entries`.
    pub(crate) current: Option<usize>,
    /// The picker, when open (it covers the panes).
    pub(crate) view: Option<SourcesView>,
    /// Bumped by every successful switch: results tagged with an older one are dropped.
    pub(crate) generation: u64,
    /// The source being opened.
    pub(crate) switching: Option<usize>,
    /// Ask `postmulti -l` for the local instances (once).
    pub(crate) list_instances: bool,
    pub(crate) instances_listed: bool,
    /// The session started on the fleet overview: the picker cannot be closed until a
    /// host is open.
    pub(crate) fleet_overview: bool,
}
