//! The filter language (see [`FILTER_HELP`], printed by `mailq-tui help filter`).
//!
//! A filter is a list of terms, AND-ed. Message-level terms (sender, queue, id, age, size,
//! null, content fields) hold or fail for the whole message. Recipient-level terms (rcpt,
//! reason, bare words) must all hold for the **same** recipient; a message where only some
//! recipients qualify is [`Match::Partial`], because Postfix acts on whole messages and the
//! user must be told that a purge takes the other recipients along.
//!
//! Evaluating a storm: [`select`] caches every per-string test by the pointer of the
//! interned string, so a million messages with a few thousand distinct strings cost a few
//! thousand string tests plus a million hash lookups. Regexes are compiled once, at parse.
//!
//! Layout: this file holds the types and the public API; `parse` turns text into terms
//! (errors point at a column), `eval` runs terms over messages and snapshots (the memos),
//! `help` holds [`FILTER_HELP`].

use regex::Regex;
use serde::Serialize;

use super::{Message, Recipient};

mod eval;
mod help;
mod parse;
#[cfg(test)]
mod tests;

use eval::Eval;
pub use eval::{select, select_with};
pub use help::FILTER_HELP;

/// Message content a filter can ask about, provided by a content index (postcat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentField {
    /// The `Subject:` header (of the returned original, for an NDR).
    Subject,
    /// The `From:` header (of the returned original, for an NDR).
    From,
    /// A campaign fingerprint (e.g. a normalised subject or body hash).
    Campaign,
    /// `sasl_username` of the submitting client.
    Sasl,
    /// Client name/address that submitted the message.
    Client,
    /// HELO name of the submitting client.
    Helo,
    /// The local user who submitted it with `sendmail` (name, or uid when unknown).
    Submitter,
    /// That user's uid: `submitter:` matches it too (no field name of its own).
    SubmitterUid,
}

impl ContentField {
    pub const ALL: [ContentField; 7] = [
        ContentField::Subject,
        ContentField::From,
        ContentField::Campaign,
        ContentField::Sasl,
        ContentField::Client,
        ContentField::Helo,
        ContentField::Submitter,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::From => "from",
            Self::Campaign => "campaign",
            Self::Sasl => "sasl",
            Self::Client => "client",
            Self::Helo => "helo",
            Self::Submitter | Self::SubmitterUid => "submitter",
        }
    }
}

/// Where content fields come from. The TUI builds one from batched `postcat` output.
pub trait ContentLookup {
    /// The value of `field` for the message at `msg_index` in the snapshot, if known.
    fn field(&self, msg_index: u32, field: ContentField) -> Option<&str>;
}

/// Where the log-derived facts (`login-new:`) come from: the mail log read for the queued
/// messages' queue IDs (`LoginReport::queued`).
pub trait LoginLookup {
    /// Was the submitting client address of the message at `msg_index` first seen for its
    /// account inside the log window? `None`: the log has no submission for it.
    fn login_new(&self, msg_index: u32) -> Option<bool>;
}

/// The log facts of a snapshot's messages, by message index.
#[derive(Debug, Clone, Default)]
pub struct LoginFacts {
    by_index: Vec<Option<bool>>,
}

impl LoginFacts {
    /// The facts of `snapshot`'s messages from the submissions the log names by queue ID.
    #[must_use]
    pub fn new(
        snapshot: &super::Snapshot,
        queued: &std::collections::BTreeMap<String, crate::model::log::QueuedLogin>,
    ) -> Self {
        Self {
            by_index: snapshot
                .messages
                .iter()
                .map(|m| queued.get(m.queue_id.as_str()).map(|q| q.new_address))
                .collect(),
        }
    }

    /// How many messages have log facts.
    #[must_use]
    pub fn known(&self) -> usize {
        self.by_index.iter().filter(|f| f.is_some()).count()
    }

    /// Facts given directly, by message index (tests, captures).
    #[must_use]
    pub fn from_vec(by_index: Vec<Option<bool>>) -> Self {
        Self { by_index }
    }
}

impl LoginLookup for LoginFacts {
    fn login_new(&self, msg_index: u32) -> Option<bool> {
        self.by_index.get(msg_index as usize).copied().flatten()
    }
}

/// What a match needs besides the message: the time and, optionally, the content index
/// and the log facts.
#[derive(Clone, Copy, Default)]
pub struct MatchContext<'a> {
    /// Unix time (seconds) ages are measured from.
    pub now: i64,
    pub content: Option<&'a dyn ContentLookup>,
    /// Without it `login-new:` matches nothing, negated or not.
    pub logins: Option<&'a dyn LoginLookup>,
}

/// A parsed filter. The empty filter matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

/// Where a filter failed to parse and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at column {}: {message}", .pos + 1)]
pub struct FilterError {
    /// Byte offset into the filter text.
    pub pos: usize,
    pub message: String,
}

impl FilterError {
    fn new(pos: usize, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }

    /// The filter text with a caret under the error, for a terminal (sanitized).
    #[must_use]
    pub fn pointer(&self, text: &str) -> String {
        let before = text.get(..self.pos).unwrap_or(text);
        let col = super::text::sanitize(before).chars().count();
        format!("  {}\n  {}^", super::text::sanitize(text), " ".repeat(col))
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    Sender,
    Rcpt,
    Reason,
    Queue,
    Id,
    /// A bare word: sender, recipient or reason.
    Any,
    Content(ContentField),
}

impl TextField {
    fn is_recipient_level(self) -> bool {
        matches!(self, Self::Rcpt | Self::Reason | Self::Any)
    }
}

#[derive(Debug, Clone)]
enum Pattern {
    /// Lower-cased needle.
    Contains(String),
    /// Lower-cased value; `case_sensitive` for queue IDs (base-52 long IDs).
    Exact {
        value: String,
        case_sensitive: bool,
    },
    Regex(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone)]
enum TermKind {
    Text(TextField, Pattern),
    Age(Cmp, i64),
    /// Seconds until the next delivery attempt ([`Message::retry_in`]).
    Retry(Cmp, i64),
    Size(Cmp, u64),
    Null,
    /// `login-new:yes|no`: the submitting address was (not) new for its account in the log
    /// window. Messages without log facts match neither.
    LoginNew(bool),
}

#[derive(Debug, Clone)]
struct Term {
    negated: bool,
    kind: TermKind,
}

impl Term {
    fn is_recipient_level(&self) -> bool {
        matches!(&self.kind, TermKind::Text(f, _) if f.is_recipient_level())
    }
}

impl Filter {
    /// # Errors
    /// A [`FilterError`] pointing at the offending position.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        Ok(Self {
            text: text.to_owned(),
            terms: parse::terms(text)?,
        })
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Content fields this filter asks about: the TUI builds the content index only when
    /// this is non-empty.
    #[must_use]
    pub fn content_fields(&self) -> Vec<ContentField> {
        let mut v = Vec::new();
        for t in &self.terms {
            if let TermKind::Text(TextField::Content(f), _) = t.kind
                && !v.contains(&f)
            {
                v.push(f);
            }
        }
        v
    }

    /// Does any term look at the next delivery attempt (`retry:`)?
    #[must_use]
    pub fn uses_retry(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.kind, TermKind::Retry(..)))
    }

    /// Does any term ask the mail log (`login-new:`)? The CLI reads the log only then.
    #[must_use]
    pub fn uses_login(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t.kind, TermKind::LoginNew(_)))
    }

    /// Does any term look at single recipients (so that matches can be partial)?
    #[must_use]
    pub fn has_recipient_terms(&self) -> bool {
        self.terms.iter().any(Term::is_recipient_level)
    }

    /// Match one message (no content index; `msg_index` unknown).
    #[must_use]
    pub fn matches(&self, m: &Message, now: i64) -> Match {
        self.matches_with(
            m,
            u32::MAX,
            &MatchContext {
                now,
                ..MatchContext::default()
            },
        )
    }

    /// Match the message at `msg_index` with a full context.
    #[must_use]
    pub fn matches_with(&self, m: &Message, msg_index: u32, ctx: &MatchContext<'_>) -> Match {
        Eval::new(self).message(m, msg_index, ctx)
    }

    /// Does recipient `r` of `m` satisfy the recipient-level terms? (For showing which
    /// recipients of a partial match are inside the filter.)
    #[must_use]
    pub fn recipient_matches(&self, m: &Message, r: &Recipient) -> bool {
        let mut e = Eval::new(self);
        e.rcpt_terms
            .clone()
            .into_iter()
            .all(|ti| e.rcpt_term(ti, m, r))
    }
}
