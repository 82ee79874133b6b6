//! The filter language (see `mailq-tui help filter`).
//!
//! FIRST CUT: only bare words (substring of sender, recipient or reason). The full language
//! (fields, regex, exact, negation, age/size comparisons) replaces this.

use serde::Serialize;

use super::{Message, Snapshot};

/// A parsed filter. The empty filter matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    text: String,
    words: Vec<String>,
}

/// Where a filter failed to parse and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at column {}: {message}", .pos + 1)]
pub struct FilterError {
    /// Byte offset into the filter text.
    pub pos: usize,
    pub message: String,
}

/// How a message matches: not at all, with all its recipients, or only with some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    No,
    Whole,
    /// Selected, but some recipients do not match: Postfix acts on whole messages.
    Partial,
}

/// Indices of the matching messages and how many of them match only partially.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    pub indices: Vec<u32>,
    pub partial: usize,
}

impl Filter {
    /// # Errors
    /// A [`FilterError`] pointing at the offending position.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        Ok(Self {
            text: text.to_owned(),
            words: text.split_whitespace().map(str::to_lowercase).collect(),
        })
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    #[must_use]
    pub fn matches(&self, m: &Message, _now: i64) -> Match {
        if self
            .words
            .iter()
            .all(|w| m.sender.to_lowercase().contains(w.as_str()))
        {
            Match::Whole
        } else {
            Match::No
        }
    }
}

/// Evaluate `filter` over the whole snapshot.
#[must_use]
pub fn select(snapshot: &Snapshot, filter: &Filter, now: i64) -> Selection {
    let mut sel = Selection::default();
    for (i, m) in snapshot.messages.iter().enumerate() {
        match filter.matches(m, now) {
            Match::No => {}
            Match::Whole => sel.indices.push(u32::try_from(i).unwrap_or(u32::MAX)),
            Match::Partial => {
                sel.partial += 1;
                sel.indices.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
    }
    sel
}
