//! The queue as plain data: messages, recipients, queue names and snapshots.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A Postfix queue ID, short (hex) or long (base-52). Never upper-cased or truncated.
///
/// Short IDs are reused once a message leaves the queue, so an ID alone never identifies a
/// message across listings: see [`MessageKey`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueueId(CompactString);

impl QueueId {
    #[must_use]
    pub fn new(s: &str) -> Self {
        Self(CompactString::new(s))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Valid queue IDs are ASCII alphanumerics and `_` (long IDs); anything else is refused
    /// before it reaches `postsuper` or `postcat`.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.0.is_empty()
            && self.0.len() <= 64
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for QueueId {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

/// A Postfix queue. `bounce`, `defer`, `trace` and `flush` are log folders, not queues;
/// anything unexpected is kept as-is rather than dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueName {
    Maildrop,
    Incoming,
    Active,
    Deferred,
    Hold,
    Other(Arc<str>),
}

impl QueueName {
    /// The five real queues, in the order `postqueue` scans them.
    pub const ALL: [QueueName; 5] = [
        QueueName::Maildrop,
        QueueName::Incoming,
        QueueName::Active,
        QueueName::Deferred,
        QueueName::Hold,
    ];

    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "maildrop" => Self::Maildrop,
            "incoming" => Self::Incoming,
            "active" => Self::Active,
            "deferred" => Self::Deferred,
            "hold" => Self::Hold,
            other => Self::Other(Arc::from(other)),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Maildrop => "maildrop",
            Self::Incoming => "incoming",
            Self::Active => "active",
            Self::Deferred => "deferred",
            Self::Hold => "hold",
            Self::Other(s) => s,
        }
    }

    /// Index into per-queue arrays (`Other` counts as the sixth slot).
    #[must_use]
    pub fn index(&self) -> usize {
        match self {
            Self::Maildrop => 0,
            Self::Incoming => 1,
            Self::Active => 2,
            Self::Deferred => 3,
            Self::Hold => 4,
            Self::Other(_) => 5,
        }
    }
}

impl fmt::Display for QueueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for QueueName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for QueueName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// One recipient of a queued message, with the reason its delivery was deferred (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    pub address: Arc<str>,
    pub delay_reason: Option<Arc<str>>,
    /// The delay reason's family (`connect to <host>: Connection timed out`), computed once
    /// per distinct reason when the listing is parsed; equal families share one `Arc`, so
    /// grouping by reason costs no more than grouping by sender. `None` when there is no
    /// reason or the recipient was built by hand (grouping then computes it).
    #[serde(skip)]
    pub family: Option<Arc<str>>,
}

impl Recipient {
    /// A recipient with its reason family filled in.
    #[must_use]
    pub fn new(address: Arc<str>, delay_reason: Option<Arc<str>>) -> Self {
        let family = delay_reason.as_ref().map(super::reason::family_shared);
        Self {
            address,
            delay_reason,
            family,
        }
    }
}

/// One queued message as `postqueue -j` describes it.
///
/// Strings are `Arc<str>` shared through an [`Interner`]: a storm queue repeats the same
/// senders and delay reasons tens of thousands of times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub queue_id: QueueId,
    pub queue: QueueName,
    /// Seconds since the Unix epoch.
    pub arrival_time: i64,
    pub size: u64,
    /// As Postfix prints it: the null sender appears as `empty_address_recipient`.
    pub sender: Arc<str>,
    /// The sender is the null sender (`<>`): a bounce, NDR or other notification.
    pub null_sender: bool,
    pub forced_expire: bool,
    /// Deferred mail: the next delivery attempt (Unix seconds), i.e. its queue file's
    /// mtime. `None` when unknown: not deferred, not root (locally, or the ssh login), or a
    /// file listing (see [`Snapshot::retry_note`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry: Option<i64>,
    pub recipients: Vec<Recipient>,
}

/// The latest arrival time kept as is (9999-12-31 23:59:59 UTC); earlier than the epoch
/// or later than this is clamped on parse, so ages and dates never wrap.
pub const MAX_ARRIVAL_TIME: i64 = 253_402_300_799;
/// The largest message size kept as is (1 PiB); sums of sizes saturate.
pub const MAX_MESSAGE_SIZE: u64 = 1 << 50;

impl Message {
    /// Clamp what a crafted listing could make absurd: arrival time into
    /// `0..=MAX_ARRIVAL_TIME`, size to at most [`MAX_MESSAGE_SIZE`].
    pub fn clamp(&mut self) {
        self.arrival_time = self.arrival_time.clamp(0, MAX_ARRIVAL_TIME);
        self.size = self.size.min(MAX_MESSAGE_SIZE);
    }

    /// Seconds from `now` until the next delivery attempt (negative when overdue), if known.
    #[must_use]
    pub fn retry_in(&self, now: i64) -> Option<i64> {
        self.next_retry.map(|t| t.saturating_sub(now))
    }

    /// Seconds since arrival at `now` (negative for mail from the future), never wrapping.
    #[must_use]
    pub fn age(&self, now: i64) -> i64 {
        now.saturating_sub(self.arrival_time)
    }

    /// What identifies this message across listings (IDs alone are reused).
    #[must_use]
    pub fn key(&self) -> MessageKey {
        MessageKey {
            queue_id: self.queue_id.clone(),
            arrival_time: self.arrival_time,
            sender: self.sender.clone(),
        }
    }
}

/// Queue ID + arrival time + sender: the identity of a message as the user saw it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageKey {
    pub queue_id: QueueId,
    pub arrival_time: i64,
    pub sender: Arc<str>,
}

/// A line of input that could not be understood. Kept, counted and shown; never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseProblem {
    /// 1-based line number in the listing.
    pub line: usize,
    /// A short, sanitized excerpt of the line.
    pub snippet: String,
    pub error: String,
}

/// Counts for one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCount {
    pub messages: usize,
    pub recipients: usize,
    pub size: u64,
}

/// One complete listing of the queue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    pub messages: Vec<Message>,
    /// Lines that could not be parsed (line number, snippet, error).
    pub problems: Vec<ParseProblem>,
    /// How many entries appeared more than once while the queue changed under the listing.
    pub duplicates: usize,
    /// Unix time (seconds) when the listing started.
    pub taken_at: i64,
    /// How long the listing took.
    #[serde(with = "duration_ms")]
    pub took: Duration,
    /// Per queue, indexed by [`QueueName::index`].
    pub counts: [QueueCount; 6],
    /// Why deferred mail has no [`Message::next_retry`] (e.g. "needs root"); `None` when
    /// the queue files were read.
    #[serde(skip)]
    pub retry_note: Option<String>,
}

impl Snapshot {
    /// Build a snapshot and its per-queue counts.
    #[must_use]
    pub fn new(
        messages: Vec<Message>,
        problems: Vec<ParseProblem>,
        duplicates: usize,
        taken_at: i64,
        took: Duration,
    ) -> Self {
        let mut counts = [QueueCount::default(); 6];
        for m in &messages {
            let c = &mut counts[m.queue.index()];
            c.messages += 1;
            c.recipients += m.recipients.len();
            c.size = c.size.saturating_add(m.size);
        }
        Self {
            messages,
            problems,
            duplicates,
            taken_at,
            took,
            counts,
            retry_note: Some("the queue files were not read".to_owned()),
        }
    }

    /// Set each deferred message's next attempt from `mtimes` (queue ID → queue file mtime,
    /// see [`Message::next_retry`]); a message whose file is gone keeps `None`.
    pub fn set_next_retries(&mut self, mtimes: &std::collections::HashMap<String, i64>) {
        for m in &mut self.messages {
            m.next_retry = if m.queue == QueueName::Deferred {
                mtimes.get(m.queue_id.as_str()).copied()
            } else {
                None
            };
        }
        self.retry_note = None;
    }

    #[must_use]
    pub fn count(&self, queue: &QueueName) -> QueueCount {
        self.counts[queue.index()]
    }

    #[must_use]
    pub fn total_size(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, c| sum.saturating_add(c.size))
    }

    #[must_use]
    pub fn total_recipients(&self) -> usize {
        self.counts.iter().map(|c| c.recipients).sum()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

mod duration_ms {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Shares repeated strings. A 100,000-message storm has a handful of senders and ~31
/// reason shapes but 100,000 copies of them in the JSON.
#[derive(Debug, Default)]
pub struct Interner {
    /// Keyed by [`super::reason::text_hash`] (foldhash, seeded per process: a third of
    /// parsing went to SipHash here (perf, #17), and queue strings are chosen by spammers,
    /// so not an unseeded hash); one hash per string, found or added, kept beside it so
    /// that growing the table never hashes a string again.
    set: hashbrown::HashTable<(u64, Arc<str>)>,
}

impl Interner {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn intern(&mut self, s: &str) -> Arc<str> {
        let hash = super::reason::text_hash(s);
        if let Some((_, a)) = self.set.find(hash, |(h, a)| *h == hash && **a == *s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.set.insert_unique(hash, (hash, a.clone()), |(h, _)| *h);
        a
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.set.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Split an address into (local part, domain); the domain is lower-cased by the caller if needed.
#[must_use]
pub fn split_address(addr: &str) -> (&str, &str) {
    match addr.rfind('@') {
        Some(i) => (&addr[..i], &addr[i + 1..]),
        None => (addr, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_round_trip() {
        for q in QueueName::ALL {
            assert_eq!(QueueName::parse(q.as_str()), q);
        }
        assert_eq!(QueueName::parse("corrupt").as_str(), "corrupt");
    }

    #[test]
    fn queue_id_validity() {
        assert!(QueueId::new("4B2F41C0A8").is_valid());
        assert!(QueueId::new("4dZxyF3Kq1zRrbm").is_valid());
        assert!(!QueueId::new("ALL; rm -rf").is_valid());
        assert!(!QueueId::new("").is_valid());
    }

    #[test]
    fn interner_shares() {
        let mut i = Interner::new();
        let a = i.intern("MAILER-DAEMON");
        let b = i.intern("MAILER-DAEMON");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(i.len(), 1);
    }

    #[test]
    fn address_split() {
        assert_eq!(split_address("a@b.example"), ("a", "b.example"));
        assert_eq!(split_address("postmaster"), ("postmaster", ""));
    }
}
