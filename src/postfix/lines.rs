//! Reading lines from Postfix, a file or a remote host with a bound on their length.
//!
//! A crafted listing or a compromised `--host` can send one line of any length; read with
//! `read_until` it would all be held in memory (a 60 MB line cost 485 MB RSS). Here a line
//! longer than [`MAX_LINE`] is read and dropped as it arrives, and the caller gets a short
//! stand-in ([`too_long`]) that no parser accepts, so it becomes a parse problem: counted
//! and shown, never silent.

use std::io::{self, BufRead};

/// The longest line kept: far above any real `postqueue -j` line (a message with 10,000
/// recipients and their delay reasons is ~2 MB) or queue file line.
pub const MAX_LINE: usize = 4 << 20;

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// End of input; the buffer is empty.
    Eof,
    /// A line (with its `\n`, unless it is the last one) is in the buffer.
    Line,
    /// A line of this many bytes was longer than the limit and dropped; the buffer holds
    /// the stand-in from [`too_long`].
    TooLong(usize),
}

/// Read one line into `buf` (cleared first), keeping at most `max` bytes of it.
///
/// # Errors
/// Read errors from `reader`.
pub fn read_line<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Read> {
    buf.clear();
    let mut total = 0usize;
    loop {
        let avail = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let (n, end) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), avail.is_empty()),
        };
        if total.saturating_add(n) <= max {
            buf.extend_from_slice(&avail[..n]);
        } else if !buf.is_empty() {
            // Over the limit: stop keeping it (memory stays bounded).
            buf.clear();
            buf.shrink_to(64 * 1024);
        }
        total = total.saturating_add(n);
        reader.consume(n);
        if end {
            return Ok(if total == 0 {
                Read::Eof
            } else if total > max {
                *buf = too_long(total);
                Read::TooLong(total)
            } else {
                Read::Line
            });
        }
    }
}

/// The stand-in for a dropped line: plain text, so the JSON and text listing parsers both
/// reject it, and it names what happened.
#[must_use]
pub fn too_long(len: usize) -> Vec<u8> {
    format!(
        "line of {len} bytes is longer than the {} MiB limit: not read\n",
        MAX_LINE >> 20
    )
    .into_bytes()
}

/// Hand every line of `reader` to `on_line`, overlong ones as their stand-in.
///
/// # Errors
/// Read errors from `reader`.
pub fn for_each<R: BufRead + ?Sized>(
    reader: &mut R,
    max: usize,
    mut on_line: impl FnMut(&[u8]),
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        // The lines that end inside the reader's buffer are handed out from it, without a
        // copy; a line that runs past it goes through `read_line`.
        let avail = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let mut used = 0;
        for end in memchr::memchr_iter(b'\n', avail) {
            let line = &avail[used..=end];
            if line.len() <= max {
                on_line(line);
            } else {
                on_line(&too_long(line.len()));
            }
            used = end + 1;
        }
        if used > 0 {
            reader.consume(used);
            continue;
        }
        if read_line(reader, &mut buf, max)? == Read::Eof {
            return Ok(());
        }
        on_line(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_dropped_and_named_short_ones_kept() {
        let mut input = b"short\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend_from_slice(b"\nlast");
        let mut r = io::BufReader::with_capacity(8, &input[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 10).expect("read"), Read::Line);
        assert_eq!(buf, b"short\n");
        assert_eq!(
            read_line(&mut r, &mut buf, 10).expect("read"),
            Read::TooLong(101)
        );
        assert!(buf.len() < 100 && buf.starts_with(b"line of 101 bytes"));
        assert_eq!(read_line(&mut r, &mut buf, 10).expect("read"), Read::Line);
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut r, &mut buf, 10).expect("read"), Read::Eof);
        // Exactly at the limit is kept.
        let mut r = io::BufReader::with_capacity(4, &b"0123456789\n"[..]);
        assert_eq!(read_line(&mut r, &mut buf, 11).expect("read"), Read::Line);
        assert_eq!(buf, b"0123456789\n");
    }
    /// Lines inside the reader's buffer (handed out in place) and lines across its end
    /// (copied) come out the same, whatever the buffer size.
    #[test]
    fn for_each_gives_the_same_lines_whatever_the_buffer() {
        let mut input = Vec::new();
        for i in 0..200 {
            input.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, i * 7 % 50));
            input.push(b'\n');
        }
        input.extend(std::iter::repeat_n(b'z', 300));
        input.extend_from_slice(b"\nno newline at the end");
        let want: Vec<Vec<u8>> = input
            .split_inclusive(|&b| b == b'\n')
            .map(|l| {
                if l.len() > 100 {
                    too_long(l.len())
                } else {
                    l.to_vec()
                }
            })
            .collect();
        for cap in [1, 2, 7, 64, 101, 4096] {
            let mut got = Vec::new();
            let mut r = io::BufReader::with_capacity(cap, &input[..]);
            for_each(&mut r, 100, |l| got.push(l.to_vec())).expect("read");
            assert_eq!(got, want, "buffer of {cap} bytes");
        }
        let mut got = Vec::new();
        for_each(&mut &input[..], 100, |l| got.push(l.to_vec())).expect("read");
        assert_eq!(got, want, "a slice");
    }
}
