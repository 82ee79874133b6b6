//! What is drawn on top of the panes: the overlay (help, filter input, confirm dialog,
//! popups, text) and the detail view of one message.

use super::TextView;
use crate::model::{MessageKey, QueueFile};
use crate::ops;

/// What is drawn on top of the panes. One at a time, by construction.
#[derive(Debug, Clone, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    Filter(FilterInput),
    Confirm(Pending),
    Popup(Popup),
    /// Plain text to read and copy (countermeasures).
    Text(TextView),
    /// Deliver now / flush, waiting for `y` (its own dialog: not a postsuper change).
    AskFlush(AskFlush),
}

/// A delivery request waiting for confirmation, with the facts to show.
#[derive(Debug, Clone)]
pub struct AskFlush {
    pub what: crate::postfix::Flush,
    /// The messages as the user saw them (deliver now); empty for a flush.
    pub keys: Vec<crate::model::MessageKey>,
    pub filter: String,
    /// Title and lines of the dialog.
    pub dialog: Popup,
}

/// The filter being typed, with its live match count.
#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    pub text: String,
    /// The filter in force when the input opened: `Esc` goes back to it.
    pub before: String,
    pub error: Option<String>,
    pub matches: usize,
}

/// A queue change waiting for confirmation: the request exactly as the user saw it, and
/// the facts the dialog states ([`ops::preview`], computed once when the dialog opens).
#[derive(Debug, Clone)]
pub struct Pending {
    pub request: ops::Request,
    pub preview: ops::Preview,
    /// What was chosen: "3 marked messages", "group reason: …", "message 4B2F41C0A8".
    pub scope: String,
    /// Digits typed so far when `preview.needs_typed_confirmation`.
    pub typed: String,
}

impl Pending {
    #[must_use]
    pub fn messages(&self) -> usize {
        self.preview.messages
    }
}

/// A result or progress popup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Popup {
    pub title: String,
    pub lines: Vec<String>,
    /// Work still running: the popup cannot be closed into a half-known state.
    pub busy: bool,
}

/// The detail view of one message; the queue file arrives asynchronously.
#[derive(Debug, Clone)]
pub struct Detail {
    pub key: MessageKey,
    pub file: Option<QueueFile>,
    pub body: bool,
    pub loading: bool,
    pub error: Option<String>,
    pub scroll: usize,
}
