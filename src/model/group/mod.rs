//! Grouping: the *shape* of the queue in one glance.
//!
//! [`group`] folds the selected messages of a [`Snapshot`] into [`Group`]s by a [`GroupKey`].
//! Message-level keys (sender, queue, age, …) put each message in exactly one group.
//! Recipient-level keys (recipient, domain, reason family) can put a message in several
//! groups; each group then counts the message once and only its own recipients, and the
//! totals of a [`Grouping`] never double-count.
//!
//! [`group2`] adds a second level (e.g. reason family → recipient domain). When either key
//! is recipient-level, grouping walks recipients, so a sub-group only holds the recipients
//! of its parent (the domains that saw *this* reason), not every recipient of the message.
//!
//! Speed: a storm repeats a few strings millions of times, so labels are computed once per
//! distinct interned string (keyed by its pointer) and groups are found by a label index;
//! nothing is allocated per message except the member lists.
//!
//! Layout: this file holds the types and the public API; `key` holds [`GroupKey`] and the
//! label of a message under each key (buckets, recipient patterns, networks), `build` folds
//! a selection into groups and sorts them, `help` says what each key and order means
//! (`mailq-tui help group`, `summary --help`, the manual's GROUPING).

use std::sync::Arc;

use serde::Serialize;

use super::{QueueName, Snapshot};

mod build;
mod help;
mod key;
#[cfg(test)]
pub(crate) mod tests;

pub use build::{group_with, group_with_logins};
pub use help::{group_help, key_names, sort_names};
pub use key::{
    AGE_BUCKETS, GroupKey, LOGIN_NEW_NO, LOGIN_NEW_YES, NO_LOG_FACTS, UNKNOWN_CONTENT, age_bucket,
    client_net, recipient_pattern, size_bucket,
};

/// How many arrival-time buckets each group carries (for a sparkline).
pub const ARRIVAL_BUCKETS: usize = 24;

/// Label of recipient-level groups for messages that list no recipient at all.
pub const NO_RECIPIENTS: &str = "(no recipients)";

/// One group: who, how many, how big, how old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The key value (raw; sanitize before display).
    pub label: Arc<str>,
    /// Messages with at least one recipient in this group.
    pub messages: usize,
    /// Recipients in this group.
    pub recipients: usize,
    /// Total size of those messages.
    pub size: u64,
    pub oldest: i64,
    pub newest: i64,
    /// The soonest known next delivery attempt of its deferred mail ([`Message::next_retry`](crate::model::Message::next_retry)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry: Option<i64>,
    /// Messages per queue, indexed by `QueueName::index`.
    pub per_queue: [usize; 6],
    /// Messages by arrival time: [`ARRIVAL_BUCKETS`] equal slices of the selection's span
    /// ([`Grouping::span`]), oldest first. Shows whether a storm is still growing.
    pub arrivals: Vec<u32>,
    /// Sub-groups by the second key ([`group2`]); empty for one-level groupings.
    pub children: Vec<Group>,
    /// Indices into `Snapshot::messages`, in snapshot order.
    #[serde(skip)]
    pub members: Vec<u32>,
}

impl Group {
    fn new(label: Arc<str>) -> Self {
        Self {
            label,
            messages: 0,
            recipients: 0,
            size: 0,
            oldest: i64::MAX,
            newest: i64::MIN,
            next_retry: None,
            per_queue: [0; 6],
            arrivals: vec![0; ARRIVAL_BUCKETS],
            children: Vec::new(),
            members: Vec::new(),
        }
    }

    /// Messages of this group in `queue`.
    #[must_use]
    pub fn in_queue(&self, queue: &QueueName) -> usize {
        self.per_queue[queue.index()]
    }
}

/// The result of grouping a selection of a snapshot.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grouping {
    pub groups: Vec<Group>,
    /// Distinct messages in the selection (never double-counted).
    pub messages: usize,
    pub recipients: usize,
    pub size: u64,
    /// Oldest and newest arrival time in the selection: the range `Group::arrivals` covers.
    pub span: Option<(i64, i64)>,
}

/// How to order groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SortBy {
    #[default]
    Messages,
    Recipients,
    Size,
    Oldest,
    Newest,
    Label,
    /// Messages in `deferred`.
    Deferred,
    /// Messages in `hold`.
    Hold,
    /// Arrivals in the newest bucket: what is growing right now.
    Recent,
    /// The soonest next delivery attempt of deferred mail; groups without one come last.
    Retry,
}

impl SortBy {
    pub const ALL: [SortBy; 10] = [
        SortBy::Messages,
        SortBy::Recipients,
        SortBy::Size,
        SortBy::Oldest,
        SortBy::Newest,
        SortBy::Label,
        SortBy::Deferred,
        SortBy::Hold,
        SortBy::Recent,
        SortBy::Retry,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Recipients => "recipients",
            Self::Size => "size",
            Self::Oldest => "oldest",
            Self::Newest => "newest",
            Self::Label => "label",
            Self::Deferred => "deferred",
            Self::Hold => "hold",
            Self::Recent => "recent",
            Self::Retry => "retry",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// Group the messages at `selection` (indices into `snapshot.messages`) by `key`.
#[must_use]
pub fn group(snapshot: &Snapshot, selection: &[u32], key: GroupKey, now: i64) -> Grouping {
    group_with(snapshot, selection, key, None, now, None)
}

/// Group by `k1`, and each group again by `k2` (into [`Group::children`]).
///
/// When either key is recipient-level, each recipient is placed by both keys at once:
/// `group2(.., Reason, RecipientDomain, ..)` lists under each reason family only the
/// domains whose recipients have that reason.
#[must_use]
pub fn group2(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: GroupKey,
    now: i64,
) -> Grouping {
    group_with(snapshot, selection, k1, Some(k2), now, None)
}

impl Grouping {
    /// Sort groups (and their sub-groups); ties are broken by label so the order is stable
    /// across refreshes. "Descending" means biggest, oldest, or A→Z first.
    pub fn sort(&mut self, by: SortBy, descending: bool) {
        build::sort_groups(&mut self.groups, by, descending);
    }
}
