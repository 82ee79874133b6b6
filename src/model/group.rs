//! Grouping: the *shape* of the queue in one glance.
//!
//! [`group`] folds the selected messages of a [`Snapshot`] into [`Group`]s by a [`GroupKey`].
//! Message-level keys (sender, queue, age, …) put each message in exactly one group.
//! Recipient-level keys (recipient, domain, reason family) can put a message in several
//! groups; each group then counts the message once and only its own recipients, and the
//! totals of a [`Grouping`] never double-count.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Message, Snapshot};

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKey {
    Sender,
    SenderDomain,
    Recipient,
    RecipientDomain,
    RecipientPattern,
    Reason,
    Queue,
    Age,
    Size,
}

impl GroupKey {
    /// In the order `Tab` cycles through them.
    pub const ALL: [GroupKey; 9] = [
        GroupKey::Reason,
        GroupKey::Sender,
        GroupKey::SenderDomain,
        GroupKey::RecipientDomain,
        GroupKey::RecipientPattern,
        GroupKey::Recipient,
        GroupKey::Queue,
        GroupKey::Age,
        GroupKey::Size,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sender => "sender",
            Self::SenderDomain => "sender-domain",
            Self::Recipient => "rcpt",
            Self::RecipientDomain => "rcpt-domain",
            Self::RecipientPattern => "rcpt-pattern",
            Self::Reason => "reason",
            Self::Queue => "queue",
            Self::Age => "age",
            Self::Size => "size",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Keys whose value belongs to a recipient rather than to the whole message.
    #[must_use]
    pub fn is_recipient_level(self) -> bool {
        matches!(
            self,
            Self::Recipient | Self::RecipientDomain | Self::RecipientPattern | Self::Reason
        )
    }

    /// The next key in [`GroupKey::ALL`] (wrapping).
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The previous key in [`GroupKey::ALL`] (wrapping).
    #[must_use]
    pub fn prev(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

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
    /// Messages per queue, indexed by `QueueName::index`.
    pub per_queue: [usize; 6],
    /// Indices into `Snapshot::messages`, in snapshot order.
    #[serde(skip)]
    pub members: Vec<u32>,
}

/// The result of grouping a selection of a snapshot.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grouping {
    pub groups: Vec<Group>,
    /// Distinct messages in the selection (never double-counted).
    pub messages: usize,
    pub recipients: usize,
    pub size: u64,
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
}

/// The label of a message-level or recipient-level key.
fn labels(key: GroupKey, m: &Message, now: i64, out: &mut Vec<Arc<str>>) {
    out.clear();
    match key {
        GroupKey::Sender => out.push(m.sender.clone()),
        GroupKey::SenderDomain => out.push(Arc::from(domain_of(&m.sender))),
        GroupKey::Queue => out.push(Arc::from(m.queue.as_str())),
        GroupKey::Age => out.push(Arc::from(age_bucket(now - m.arrival_time))),
        GroupKey::Size => out.push(Arc::from(size_bucket(m.size))),
        GroupKey::Recipient => out.extend(m.recipients.iter().map(|r| r.address.clone())),
        GroupKey::RecipientDomain | GroupKey::RecipientPattern => {
            out.extend(
                m.recipients
                    .iter()
                    .map(|r| Arc::from(domain_of(&r.address))),
            );
        }
        GroupKey::Reason => out.extend(m.recipients.iter().map(|r| {
            r.delay_reason
                .clone()
                .unwrap_or_else(|| Arc::from("(no reason)"))
        })),
    }
}

fn domain_of(addr: &str) -> String {
    let (_, d) = super::split_address(addr);
    if d.is_empty() {
        "(local)".to_owned()
    } else {
        d.to_ascii_lowercase()
    }
}

/// qshape's age buckets, in minutes.
#[must_use]
pub fn age_bucket(age_secs: i64) -> &'static str {
    const B: [(i64, &str); 10] = [
        (5, "0-5m"),
        (10, "5-10m"),
        (20, "10-20m"),
        (40, "20-40m"),
        (80, "40-80m"),
        (160, "80-160m"),
        (320, "160-320m"),
        (640, "320-640m"),
        (1280, "640-1280m"),
        (i64::MAX, "1280m+"),
    ];
    let mins = age_secs.max(0) / 60;
    B.iter()
        .find(|(lim, _)| mins < *lim)
        .map_or("1280m+", |(_, l)| l)
}

/// Size buckets on powers of four from 4 KiB.
#[must_use]
pub fn size_bucket(size: u64) -> &'static str {
    match size {
        0..4_096 => "<4K",
        4_096..16_384 => "4-16K",
        16_384..65_536 => "16-64K",
        65_536..262_144 => "64-256K",
        262_144..1_048_576 => "256K-1M",
        1_048_576..10_485_760 => "1-10M",
        _ => ">10M",
    }
}

/// Group the messages at `selection` (indices into `snapshot.messages`) by `key`.
#[must_use]
pub fn group(snapshot: &Snapshot, selection: &[u32], key: GroupKey, now: i64) -> Grouping {
    let mut by_label: HashMap<Arc<str>, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut labels_buf = Vec::new();
    let mut result = Grouping::default();
    for &i in selection {
        let Some(m) = snapshot.messages.get(i as usize) else {
            continue;
        };
        result.messages += 1;
        result.recipients += m.recipients.len();
        result.size += m.size;
        labels(key, m, now, &mut labels_buf);
        let mut seen_in: Vec<usize> = Vec::new();
        for label in labels_buf.drain(..) {
            let gi = *by_label.entry(label.clone()).or_insert_with(|| {
                groups.push(Group {
                    label,
                    messages: 0,
                    recipients: 0,
                    size: 0,
                    oldest: i64::MAX,
                    newest: i64::MIN,
                    per_queue: [0; 6],
                    members: Vec::new(),
                });
                groups.len() - 1
            });
            let g = &mut groups[gi];
            if key.is_recipient_level() {
                g.recipients += 1;
            } else {
                g.recipients += m.recipients.len();
            }
            if seen_in.contains(&gi) {
                continue;
            }
            seen_in.push(gi);
            g.messages += 1;
            g.size += m.size;
            g.oldest = g.oldest.min(m.arrival_time);
            g.newest = g.newest.max(m.arrival_time);
            g.per_queue[m.queue.index()] += 1;
            g.members.push(i);
        }
    }
    result.groups = groups;
    result.sort(SortBy::Messages, true);
    result
}

impl Grouping {
    /// Sort groups; ties are broken by label so the order is stable across refreshes.
    pub fn sort(&mut self, by: SortBy, descending: bool) {
        self.groups.sort_by(|a, b| {
            let o = match by {
                SortBy::Messages => a.messages.cmp(&b.messages),
                SortBy::Recipients => a.recipients.cmp(&b.recipients),
                SortBy::Size => a.size.cmp(&b.size),
                SortBy::Oldest => b.oldest.cmp(&a.oldest),
                SortBy::Newest => a.newest.cmp(&b.newest),
                SortBy::Label => b.label.cmp(&a.label),
            };
            let o = if descending { o.reverse() } else { o };
            o.then_with(|| a.label.cmp(&b.label))
        });
    }
}
