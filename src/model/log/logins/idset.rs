//! A set of table indices (accounts, client addresses, tried user names) that is nearly
//! always tiny: one address logs in to one account, one account to a handful of addresses.
//! Up to [`INLINE`] indices live inline, without an allocation; beyond, a hash set. Reading
//! a log on several threads builds these sets per chunk and merges them: the allocations
//! of the hash sets they replace were most of the merge's cost.

use std::collections::HashSet;

use super::FastHash;

/// Indices kept without an allocation.
const INLINE: usize = 6;

#[derive(Debug, Clone)]
pub(super) enum IdSet {
    Few { len: u8, ids: [u32; INLINE] },
    Many(HashSet<u32, FastHash>),
}

impl Default for IdSet {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl IdSet {
    /// The empty set, as a constant: a table's new entry is copied from it (built on the
    /// stack instead, its bytes were read back before the stores that wrote them had
    /// finished: a stall on every new address).
    pub(super) const EMPTY: Self = Self::Few {
        len: 0,
        ids: [0; INLINE],
    };

    /// Add `id`; `true` if it was not in the set.
    pub(super) fn insert(&mut self, id: u32) -> bool {
        match self {
            Self::Few { len, ids } => {
                let n = usize::from(*len);
                if ids[..n].contains(&id) {
                    return false;
                }
                if n < INLINE {
                    ids[n] = id;
                    *len += 1;
                    return true;
                }
                let mut set = HashSet::with_capacity_and_hasher(INLINE * 2, FastHash);
                set.extend(ids.iter().copied());
                set.insert(id);
                *self = Self::Many(set);
                true
            }
            Self::Many(set) => set.insert(id),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Self::Few { len, .. } => usize::from(*len),
            Self::Many(set) => set.len(),
        }
    }

    pub(super) fn iter(&self) -> Iter<'_> {
        match self {
            Self::Few { len, ids } => Iter::Few(ids[..usize::from(*len)].iter()),
            Self::Many(set) => Iter::Many(set.iter()),
        }
    }
}

impl Extend<u32> for IdSet {
    fn extend<T: IntoIterator<Item = u32>>(&mut self, iter: T) {
        for id in iter {
            self.insert(id);
        }
    }
}

/// The indices of an [`IdSet`], in no particular order.
pub(super) enum Iter<'a> {
    Few(std::slice::Iter<'a, u32>),
    Many(std::collections::hash_set::Iter<'a, u32>),
}

impl Iterator for Iter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match self {
            Self::Few(it) => it.next().copied(),
            Self::Many(it) => it.next().copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_then_spilled_keeps_every_id_once() {
        let mut s = IdSet::default();
        let mut reference = std::collections::BTreeSet::new();
        for (i, id) in [3u32, 7, 3, 1, 9, 7, 12, 40, 2, 3, 40, 100, 0]
            .into_iter()
            .enumerate()
        {
            assert_eq!(s.insert(id), reference.insert(id), "insert #{i} ({id})");
            assert_eq!(s.len(), reference.len());
            let mut got: Vec<u32> = s.iter().collect();
            got.sort_unstable();
            assert_eq!(got, reference.iter().copied().collect::<Vec<_>>());
        }
        assert!(matches!(s, IdSet::Many(_)));
        let mut small = IdSet::default();
        small.extend([5, 5, 6]);
        assert_eq!(small.len(), 2);
        assert!(matches!(small, IdSet::Few { .. }));
    }
}
