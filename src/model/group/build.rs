//! Building a grouping: one pass over the selection, each message (or recipient) placed by
//! its label numbers; nothing allocated per message except the member lists.

use std::collections::HashMap;
use std::sync::Arc;

use super::key::{Labeler, UNSET};
use super::{ARRIVAL_BUCKETS, Group, GroupKey, Grouping, SortBy};
use crate::model::filter::{ContentLookup, LoginLookup};
use crate::model::{Message, QueueName, Recipient, Snapshot};

/// A group being built; `stamp` is the last message added (+1), so a message with several
/// recipients in one group is counted once without a per-message set.
struct Acc {
    group: Group,
    stamp: u32,
    parent: u32,
}

impl Acc {
    fn new(label: Arc<str>, parent: u32) -> Self {
        Self {
            group: Group::new(label),
            stamp: 0,
            parent,
        }
    }

    /// Count `m` (index `i`) once, and `rcpts` of its recipients.
    fn add(&mut self, m: &Message, i: u32, bucket: usize, rcpts: usize) {
        let g = &mut self.group;
        g.recipients += rcpts;
        if self.stamp == i + 1 {
            return;
        }
        self.stamp = i + 1;
        g.messages += 1;
        g.size = g.size.saturating_add(m.size);
        g.oldest = g.oldest.min(m.arrival_time);
        g.newest = g.newest.max(m.arrival_time);
        if let Some(t) = m.next_retry {
            g.next_retry = Some(g.next_retry.map_or(t, |n| n.min(t)));
        }
        g.per_queue[m.queue.index()] += 1;
        g.arrivals[bucket] += 1;
        g.members.push(i);
    }
}

/// Group by one or two keys, with the content index for content keys (campaign, sasl,
/// client, …). Without it, every message lands in [`UNKNOWN_CONTENT`](super::UNKNOWN_CONTENT) for those keys.
#[must_use]
pub fn group_with(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: Option<GroupKey>,
    now: i64,
    content: Option<&dyn ContentLookup>,
) -> Grouping {
    group_with_logins(snapshot, selection, k1, k2, now, content, None)
}

/// [`group_with`], with the mail log's facts for the `login-new` key (without them every
/// message lands in [`NO_LOG_FACTS`](super::key::NO_LOG_FACTS)).
#[must_use]
pub fn group_with_logins(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: Option<GroupKey>,
    now: i64,
    content: Option<&dyn ContentLookup>,
    logins: Option<&dyn LoginLookup>,
) -> Grouping {
    let mut result = Grouping::default();
    let msgs = &snapshot.messages;
    let mut span: Option<(i64, i64)> = None;
    for &i in selection {
        if let Some(m) = msgs.get(i as usize) {
            let t = m.arrival_time;
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
    }
    result.span = span;
    let (t0, t1) = span.unwrap_or((0, 0));
    let width = i128::from(t1) - i128::from(t0) + 1;
    let bucket_of = |t: i64| -> usize {
        let b = (i128::from(t) - i128::from(t0)) * ARRIVAL_BUCKETS as i128 / width;
        usize::try_from(b).unwrap_or(0).min(ARRIVAL_BUCKETS - 1)
    };

    let per_recipient = k1.is_recipient_level() || k2.is_some_and(GroupKey::is_recipient_level);
    let mut lab1 = Labeler::new(k1, now, content);
    lab1.logins = logins;
    let mut lab2 = k2.map(|k| {
        let mut l = Labeler::new(k, now, content);
        l.logins = logins;
        l
    });
    let mut top: Vec<Acc> = Vec::new();
    let mut subs: Vec<Acc> = Vec::new();
    let mut sub_index: HashMap<(u32, u32), u32> = HashMap::new();

    let mut place = |m: &Message, i: u32, r: Option<&Recipient>, rcpts: usize, bucket: usize| {
        let l1 = lab1.label(m, i, r);
        if l1 as usize == top.len() {
            top.push(Acc::new(lab1.labels[l1 as usize].clone(), UNSET));
        }
        top[l1 as usize].add(m, i, bucket, rcpts);
        if let Some(lab2) = lab2.as_mut() {
            let l2 = lab2.label(m, i, r);
            let si = *sub_index.entry((l1, l2)).or_insert_with(|| {
                subs.push(Acc::new(lab2.labels[l2 as usize].clone(), l1));
                u32::try_from(subs.len() - 1).unwrap_or(UNSET)
            });
            subs[si as usize].add(m, i, bucket, rcpts);
        }
    };

    for &i in selection {
        let Some(m) = msgs.get(i as usize) else {
            continue;
        };
        result.messages += 1;
        result.recipients += m.recipients.len();
        result.size = result.size.saturating_add(m.size);
        let bucket = bucket_of(m.arrival_time);
        if !per_recipient {
            place(m, i, None, m.recipients.len(), bucket);
        } else if m.recipients.is_empty() {
            place(m, i, None, 0, bucket);
        } else {
            for r in &m.recipients {
                place(m, i, Some(r), 1, bucket);
            }
        }
    }

    let mut groups: Vec<Group> = top.into_iter().map(|a| a.group).collect();
    for s in subs {
        if let Some(parent) = groups.get_mut(s.parent as usize) {
            parent.children.push(s.group);
        }
    }
    result.groups = groups;
    result.sort(SortBy::Messages, true);
    result
}

pub(super) fn sort_groups(groups: &mut [Group], by: SortBy, descending: bool) {
    groups.sort_by(|a, b| {
        let o = match by {
            SortBy::Messages => a.messages.cmp(&b.messages),
            SortBy::Recipients => a.recipients.cmp(&b.recipients),
            SortBy::Size => a.size.cmp(&b.size),
            SortBy::Oldest => b.oldest.cmp(&a.oldest),
            SortBy::Newest => a.newest.cmp(&b.newest),
            SortBy::Label => b.label.cmp(&a.label),
            SortBy::Deferred => a
                .in_queue(&QueueName::Deferred)
                .cmp(&b.in_queue(&QueueName::Deferred)),
            SortBy::Hold => a
                .in_queue(&QueueName::Hold)
                .cmp(&b.in_queue(&QueueName::Hold)),
            SortBy::Recent => a.arrivals.last().cmp(&b.arrivals.last()),
            // Descending = soonest first, like Oldest; unknown counts as never.
            SortBy::Retry => b
                .next_retry
                .unwrap_or(i64::MAX)
                .cmp(&a.next_retry.unwrap_or(i64::MAX)),
        };
        let o = if descending { o.reverse() } else { o };
        o.then_with(|| a.label.cmp(&b.label))
    });
    for g in groups {
        sort_groups(&mut g.children, by, descending);
    }
}
