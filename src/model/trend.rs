//! How groups change over time: each group's arrival sparkline, and +new / −gone per group
//! between two listings. Pure functions over snapshots and groupings.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::group::Grouping;
use super::{QueueId, Snapshot};

/// Arrivals per group over (at most) the last [`SPARK_WINDOW_SECS`] of the snapshot.
#[must_use]
pub fn build_sparks(snap: &Snapshot, grouping: &Grouping) -> Vec<[u32; SPARK_BUCKETS]> {
    let oldest = snap.messages.iter().map(|m| m.arrival_time).min();
    let Some(oldest) = oldest else {
        return vec![[0; SPARK_BUCKETS]; grouping.groups.len()];
    };
    let newest = snap
        .messages
        .iter()
        .map(|m| m.arrival_time)
        .max()
        .unwrap_or(oldest);
    // A storm is about the last hours; a few week-old stragglers must not squash it into
    // one bucket, so older arrivals are clamped into the first one.
    let oldest = oldest.max(newest - SPARK_WINDOW_SECS);
    let span = (newest - oldest).max(1) + 1;
    grouping
        .groups
        .iter()
        .map(|g| {
            let mut b = [0u32; SPARK_BUCKETS];
            for &i in &g.members {
                if let Some(m) = snap.messages.get(i as usize) {
                    let k = usize::try_from(
                        (m.arrival_time - oldest).max(0) * SPARK_BUCKETS as i64 / span,
                    )
                    .unwrap_or(0)
                    .min(SPARK_BUCKETS - 1);
                    b[k] = b[k].saturating_add(1);
                }
            }
            b
        })
        .collect()
}

/// Number of buckets in a group's arrival sparkline.
pub const SPARK_BUCKETS: usize = 10;

/// The sparkline covers at most the last six hours before the newest arrival.
pub const SPARK_WINDOW_SECS: i64 = 6 * 3_600;

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
