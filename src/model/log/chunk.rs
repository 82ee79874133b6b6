//! Cutting a block of log text into lines, the one way every reader does it: a stream read
//! in blocks, and chunks folded on other threads ([`super::logins::Chunk`]). Pure: no IO.

use super::logins::LoginAnalyzer;

/// Longest line handed to the parsers; longer ones are cut into pieces of this size (each
/// counted as a line: it is junk, and memory stays bounded).
pub const MAX_LINE: usize = 1 << 20;

/// Call `f` for each line of `data` (without its newline), the way a stream is split: an
/// unterminated last line counts, a line longer than [`MAX_LINE`] is cut into pieces.
pub fn for_each_line(data: &[u8], mut f: impl FnMut(&[u8])) {
    let mut piece = |mut line: &[u8]| {
        while line.len() > MAX_LINE {
            f(&line[..MAX_LINE]);
            line = &line[MAX_LINE..];
        }
        f(line);
    };
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data) {
        piece(&data[start..end]);
        start = end + 1;
    }
    if start < data.len() {
        piece(&data[start..]);
    }
}

impl LoginAnalyzer {
    /// Push every line of a block (cut like [`for_each_line`]) on this thread.
    pub fn push_block(&mut self, data: &[u8], journal: bool) {
        for_each_line(data, |line| {
            if journal {
                self.push_journal_line(line);
            } else {
                self.push_line(line);
            }
        });
    }
}
