//! What the last frame showed: the first visible row of each list and the height of the
//! focused one. Drawing computes them from the cursors and the terminal size (it only reads
//! the [`App`]) and returns them; the event loop hands them back as
//! [`Action::Viewport`](super::Action::Viewport), so `update()` stays the only place app
//! state changes.
//!
//! Offsets are kept, not recomputed from scratch each frame: a list scrolls only when the
//! cursor leaves the window, so moving up inside a scrolled window does not jump.

use super::{App, Cursor};

/// One frame's scroll state. `None`: that list was not on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewport {
    pub groups: Option<Cursor>,
    pub messages: Option<Cursor>,
    pub sources: Option<Cursor>,
    /// First visible domain row of the queue-shape screen.
    pub shape_offset: Option<usize>,
    /// First visible row of the storm screen's campaigns and submitters tables.
    pub campaigns_offset: Option<usize>,
    pub accounts_offset: Option<usize>,
    /// Rows of the focused list pane (groups or messages): a half-page jump moves by half.
    pub page: Option<usize>,
}

impl App {
    /// Keep what the frame showed: the next frame scrolls from there, and half-page jumps
    /// use the page it measured.
    pub(crate) fn keep_viewport(&mut self, v: Viewport) {
        if let Some(c) = v.groups {
            self.nav.groups = c;
        }
        if let Some(c) = v.messages {
            self.nav.messages = c;
        }
        if let (Some(c), Some(view)) = (v.sources, self.sources_view.as_mut()) {
            view.cursor = c;
        }
        if let (Some(o), Some(view)) = (v.shape_offset, self.shape.as_mut()) {
            view.offset = o;
        }
        if let Some(view) = self.storm.as_mut() {
            if let Some(o) = v.campaigns_offset {
                view.campaigns_offset = o;
            }
            if let Some(o) = v.accounts_offset {
                view.accounts_offset = o;
            }
        }
        if let Some(p) = v.page {
            self.nav.page = p;
        }
    }
}
