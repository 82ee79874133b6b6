//! Names (accounts, client addresses, tried user names) to their index in the table that
//! owns them: one copy of each name, in the table; the index keeps the name's hash beside
//! the position, so a lookup touches the name itself only to confirm a match. A chunk read
//! on another thread builds its own tables, and the merge looks each of its names up here.

use super::qid_key;

#[derive(Debug, Default)]
pub(super) struct NameIndex(hashbrown::HashTable<(u64, u32)>);

impl NameIndex {
    /// The index of `name`; `names` gives the name at an index of the owning table.
    pub(super) fn get<'a>(&self, name: &str, names: impl Fn(u32) -> &'a str) -> Option<u32> {
        let h = qid_key(name.as_bytes());
        self.0
            .find(h, |&(hash, i)| hash == h && names(i) == name)
            .map(|&(_, i)| i)
    }

    /// Forget every name, keeping the allocation.
    pub(super) fn clear(&mut self) {
        self.0.clear();
    }

    /// Remember that `name` (not in the index yet) is at `index`.
    pub(super) fn insert(&mut self, name: &str, index: u32) {
        let h = qid_key(name.as_bytes());
        self.0.insert_unique(h, (h, index), |&(hash, _)| hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let names: Vec<String> = (0..2000)
            .map(|n| format!("192.0.{}.{}", n / 256, n % 256))
            .collect();
        let mut ix = NameIndex::default();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(ix.get(n, |j| &names[j as usize]), None);
            ix.insert(n, u32::try_from(i).unwrap());
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(
                ix.get(n, |j| &names[j as usize]),
                Some(u32::try_from(i).unwrap())
            );
        }
        assert_eq!(ix.get("192.0.9.9", |j| &names[j as usize]), None);
        assert_eq!(ix.get("", |j| &names[j as usize]), None);
    }
}
