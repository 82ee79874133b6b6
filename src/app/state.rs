//! The parts of [`App`](super::App), each a typed sub-state: where the cursor is
//! ([`Nav`]), … Grouping the fields keeps each concern's invariants in one place and lets
//! the compiler, not a comment, say which fields belong together.

use super::{Cursor, Pane};

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
