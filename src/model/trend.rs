//! How groups change over time: each group's arrival sparkline, and +new / −gone per group
//! between two listings. Pure functions over snapshots and groupings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::group::Grouping;
use super::{QueueId, Snapshot};

/// Each group's messages by age on qshape's doubling scale (see [`super::shape`]): a storm
/// of the last hour and a backlog of five days look different at a glance.
#[must_use]
pub fn build_sparks(snap: &Snapshot, grouping: &Grouping, now: i64) -> Vec<[u32; SPARK_BUCKETS]> {
    grouping
        .groups
        .iter()
        .map(|g| super::shape::age_histogram(snap, &g.members, now))
        .collect()
}

/// Number of buckets in a group's age sparkline: qshape's ten.
pub const SPARK_BUCKETS: usize = super::shape::BUCKETS;

/// Change of one group since the previous refresh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupDiff {
    pub added: usize,
    pub gone: usize,
}

/// +new / −gone per group label between two listings. Messages are matched by
/// (queue ID, arrival time): IDs alone are reused by Postfix.
#[must_use]
pub fn diff_groups(
    old: &Snapshot,
    old_grouping: &Grouping,
    new: &Snapshot,
    new_grouping: &Grouping,
) -> HashMap<Arc<str>, GroupDiff> {
    let key = |m: &super::Message| (m.queue_id.clone(), m.arrival_time);
    let old_keys: HashSet<(QueueId, i64)> = old.messages.iter().map(key).collect();
    let new_keys: HashSet<(QueueId, i64)> = new.messages.iter().map(key).collect();
    let mut out: HashMap<Arc<str>, GroupDiff> = HashMap::new();
    for g in &new_grouping.groups {
        let added = g
            .members
            .iter()
            .filter_map(|&i| new.messages.get(i as usize))
            .filter(|m| !old_keys.contains(&key(m)))
            .count();
        if added > 0 {
            out.entry(g.label.clone()).or_default().added = added;
        }
    }
    for g in &old_grouping.groups {
        let gone = g
            .members
            .iter()
            .filter_map(|&i| old.messages.get(i as usize))
            .filter(|m| !new_keys.contains(&key(m)))
            .count();
        if gone > 0 {
            out.entry(g.label.clone()).or_default().gone = gone;
        }
    }
    out
}
