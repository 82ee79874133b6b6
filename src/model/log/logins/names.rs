//! The names of an analyzer's tables (accounts, client addresses, tried user names) and
//! their index: each name stored once, end to end in one buffer, not one allocation per
//! name. A chunk read on another thread builds its own tables from about the same tens of
//! thousands of names as the chunk before it; one buffer per table is cleared and filled
//! again instead of allocating and freeing every name (a third of the reader's calls to the
//! allocator). The index keeps each name's hash beside its position, so a lookup touches
//! the name itself only to confirm a match; the merge looks each of a chunk's names up here.

use super::qid_key;

/// Texts end to end in one buffer, each found by its number.
#[derive(Debug, Default)]
pub(super) struct Texts {
    text: String,
    /// Where each text ends in `text`; text `i` starts where text `i - 1` ends.
    ends: Vec<usize>,
}

impl Texts {
    /// Add `s`; its number.
    pub(super) fn push(&mut self, s: &str) -> u32 {
        let i = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        self.text.push_str(s);
        self.ends.push(self.text.len());
        i
    }

    /// Text number `i` (empty if there is none).
    pub(super) fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end).unwrap_or("")
    }

    /// Every text, in number order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| self.text.get(start..end).unwrap_or(""))
    }

    /// Forget every text, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }
}

/// Distinct names, numbered in the order they were added: name `i` belongs to entry `i`
/// of the table beside it.
#[derive(Debug, Default)]
pub(super) struct NameIndex {
    index: hashbrown::HashTable<(u64, u32)>,
    names: Texts,
}

impl NameIndex {
    /// The number of `name`, if it was added.
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        let h = qid_key(name.as_bytes());
        self.index
            .find(h, |&(hash, i)| hash == h && self.names.get(i) == name)
            .map(|&(_, i)| i)
    }

    /// Add `name` (not added yet: see [`Self::get`]); its number.
    pub(super) fn add(&mut self, name: &str) -> u32 {
        let i = self.names.push(name);
        let h = qid_key(name.as_bytes());
        self.index.insert_unique(h, (h, i), |&(hash, _)| hash);
        i
    }

    /// Name number `i`.
    pub(super) fn name(&self, i: u32) -> &str {
        self.names.get(i)
    }

    /// Every name, in number order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> {
        self.names.iter()
    }

    /// Forget every name, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.index.clear();
        self.names.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_added_and_nothing_else() {
        let names: Vec<String> = (0..2000)
            .map(|n| format!("192.0.{}.{}", n / 256, n % 256))
            .collect();
        let mut ix = NameIndex::default();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(ix.get(n), None);
            assert_eq!(ix.add(n), u32::try_from(i).unwrap());
        }
        assert!(ix.iter().eq(names.iter().map(String::as_str)));
        for (i, n) in names.iter().enumerate() {
            let i = u32::try_from(i).unwrap();
            assert_eq!(ix.get(n), Some(i));
            assert_eq!(ix.name(i), n);
        }
        assert_eq!(ix.get("192.0.9.9"), None);
        assert_eq!(ix.get(""), None);
        // Cleared: nothing is found, and the numbers start again.
        ix.clear();
        assert_eq!(ix.get(&names[0]), None);
        assert_eq!(ix.add("ü"), 0);
        assert_eq!(ix.add(""), 1);
        assert_eq!((ix.name(0), ix.name(1), ix.name(2)), ("ü", "", ""));
        assert_eq!(ix.get(""), Some(1));
    }

    #[test]
    fn texts_keep_their_order_and_bounds() {
        let mut t = Texts::default();
        for (i, s) in ["unknown", "", "mail.example.net", "ü"].iter().enumerate() {
            assert_eq!(t.push(s) as usize, i);
        }
        assert_eq!(
            (0..5).map(|i| t.get(i)).collect::<Vec<_>>(),
            ["unknown", "", "mail.example.net", "ü", ""]
        );
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            ["unknown", "", "mail.example.net", "ü"]
        );
    }
}
