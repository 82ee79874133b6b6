//! The parts of [`App`](super::App), each a typed sub-state: where the cursor is
//! ([`Nav`]), how listings reach the screen ([`Listing`]), what the user picked ([`Select`]), … Grouping the fields keeps each concern's invariants in one place and lets
//! the compiler, not a comment, say which fields belong together.

use super::{Cursor, LoadError, Pane};
use crate::model::filter::{Filter, Selection};

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

    #[must_use]
    pub fn error(&self) -> Option<&LoadError> {
        self.error.as_ref()
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
