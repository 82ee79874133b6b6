//! `postqueue -p` text → [`Snapshot`](crate::model::Snapshot): the fallback for Postfix before 3.1 (no `-j`).
//!
//! ```text
//! -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
//! 2745A98C1F7*    397 Sat Nov 28 03:23:33  spammer1@forged.example
//!                    (connect to 127.0.0.1[127.0.0.1]:25998: Connection refused)
//!                                          x1@victim-b.example
//!
//! -- 2 Kbytes in 6 Requests.
//! ```
//!
//! The text format loses information the JSON has, and this parser says so rather than
//! guessing:
//! - entries carry a status mark after the ID: `*` active, `!` hold, `#` forced expire
//!   (3.5+, so `*#` and `!#`); no mark is maildrop, incoming or deferred, which `-p` cannot
//!   tell apart — we call them deferred, by far the most common;
//! - the arrival date is `asctime` in local time without a year; we take the most recent
//!   such date that is not in the future;
//! - a `(reason)` line applies to the recipients after it until the next reason line; a
//!   long reason is printed flush left, a short one right-aligned.
//!
//! Old Postfix (2.x) prints the status mark and size without a space in between
//! (`%-10s%c%8ld`), so `6F57A4A0B2*12345678` can be one token.

use std::io::BufRead;

use crate::model::time::{civil_from_days, days_from_civil, is_valid_date};
use crate::model::{Message, QueueId, QueueName, Recipient};

use super::jsonl::SnapshotBuilder;

/// A streaming `postqueue -p` parser that feeds a [`SnapshotBuilder`].
pub struct TextListing {
    builder: SnapshotBuilder,
    now: i64,
    utc_offset: i64,
    current: Option<Message>,
    reason: Option<std::sync::Arc<str>>,
    entries: usize,
    footer_requests: Option<usize>,
}

impl TextListing {
    /// `now` is the Unix time of the listing (the year of each date is inferred from it);
    /// `utc_offset` is the local time zone's offset in seconds east of UTC, because
    /// postqueue prints local time.
    #[must_use]
    pub fn new(builder: SnapshotBuilder, now: i64, utc_offset: i64) -> Self {
        Self {
            builder,
            now,
            utc_offset,
            current: None,
            reason: None,
            entries: 0,
            footer_requests: None,
        }
    }

    /// Feed one line (with or without its newline).
    pub fn push_line(&mut self, raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let text = text.trim_end_matches(['\n', '\r']);
        self.push_str(text);
    }

    fn push_str(&mut self, line: &str) {
        let trimmed = line.trim();
        // Count lines in the builder so problems carry the right line number.
        self.builder.push_line(b"");
        if trimmed.is_empty() {
            self.flush();
            return;
        }
        // The header widens with long queue IDs; match its words, not its dashes.
        let header = trimmed.starts_with('-') && trimmed.contains("Queue ID");
        if header || trimmed == "Mail queue is empty" {
            return;
        }
        if let Some(rest) = trimmed.strip_prefix("-- ") {
            self.flush();
            self.footer_requests = parse_footer(rest);
            if self.footer_requests.is_none() {
                self.builder.problem(line, "unrecognized footer");
            }
            return;
        }
        if trimmed.starts_with('(') && trimmed.ends_with(')') && self.current.is_some() {
            let reason = &trimmed[1..trimmed.len() - 1];
            self.reason = Some(self.builder.interner().intern(reason));
            return;
        }
        if line.starts_with(|c: char| c.is_whitespace()) {
            let Some(msg) = self.current.as_mut() else {
                self.builder.problem(line, "recipient outside of an entry");
                return;
            };
            let address = self.builder.interner().intern(trimmed);
            msg.recipients
                .push(Recipient::new(address, self.reason.clone()));
            return;
        }
        self.flush();
        match self.parse_entry(line) {
            Ok(msg) => {
                self.entries += 1;
                self.current = Some(msg);
            }
            Err(e) => self.builder.problem(line, e),
        }
    }

    fn parse_entry(&mut self, line: &str) -> Result<Message, &'static str> {
        let mut tokens = Tokens::new(line);
        let first = tokens.next().ok_or("empty entry line")?;
        let mark_at = first.find(['*', '!', '#']).unwrap_or(first.len());
        let (id, rest) = first.split_at(mark_at);
        let marks_len = rest
            .find(|c: char| !matches!(c, '*' | '!' | '#'))
            .unwrap_or(rest.len());
        let (marks, glued_size) = rest.split_at(marks_len);
        let queue_id = QueueId::new(id);
        if !queue_id.is_valid() {
            return Err("not a valid queue ID");
        }
        let size_text = if glued_size.is_empty() {
            tokens.next().ok_or("missing size")?
        } else {
            glued_size
        };
        let size: u64 = size_text.parse().map_err(|_| "size is not a number")?;
        let arrival_time = match tokens.peek() {
            Some("??") => {
                tokens.next();
                0
            }
            _ => {
                let date: Vec<&str> = (0..4).filter_map(|_| tokens.next()).collect();
                parse_asctime(&date, self.now, self.utc_offset).ok_or("unrecognized date")?
            }
        };
        let sender_text = tokens.rest().trim();
        let null_sender = self.builder.is_null_sender(sender_text);
        let sender = self.builder.interner().intern(sender_text);
        let queue = if marks.contains('*') {
            QueueName::Active
        } else if marks.contains('!') {
            QueueName::Hold
        } else {
            QueueName::Deferred
        };
        self.reason = None;
        Ok(Message {
            queue_id,
            queue,
            arrival_time,
            size,
            sender,
            null_sender,
            forced_expire: marks.contains('#'),
            next_retry: None,
            recipients: Vec::new(),
        })
    }

    fn flush(&mut self) {
        if let Some(msg) = self.current.take() {
            self.builder.push_message(msg);
        }
        self.reason = None;
    }

    /// Finish the listing. A footer whose request count disagrees with the entries we
    /// understood is reported as a problem (the queue changed, or lines were not understood).
    #[must_use]
    pub fn finish(mut self) -> crate::model::Snapshot {
        self.flush();
        if let Some(n) = self.footer_requests
            && n != self.entries
        {
            let msg = format!(
                "footer says {n} requests, {} entries were read",
                self.entries
            );
            self.builder.problem("", &msg);
        }
        self.builder.finish()
    }
}

/// Parse a whole `postqueue -p` listing.
///
/// # Errors
/// Only when reading fails; lines it does not understand become parse problems.
pub fn parse_text<R: BufRead>(
    mut reader: R,
    builder: SnapshotBuilder,
    now: i64,
    utc_offset: i64,
) -> std::io::Result<crate::model::Snapshot> {
    let mut listing = TextListing::new(builder, now, utc_offset);
    crate::postfix::lines::for_each(&mut reader, crate::postfix::lines::MAX_LINE, |line| {
        listing.push_line(line);
    })?;
    Ok(listing.finish())
}

/// `2 Kbytes in 6 Requests.` / `1 Kbytes in 1 Request.` → the request count.
fn parse_footer(rest: &str) -> Option<usize> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    match words.as_slice() {
        [_, "Kbytes", "in", n, r] if r.starts_with("Request") => n.parse().ok(),
        _ => None,
    }
}

/// Whitespace tokens that remember where the rest of the line starts (the sender is
/// the rest of the line and may itself contain spaces when quoted).
struct Tokens<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(line: &'a str) -> Self {
        Self { line, pos: 0 }
    }

    fn peek(&self) -> Option<&'a str> {
        let rest = &self.line[self.pos..];
        rest.split_whitespace().next()
    }

    fn next(&mut self) -> Option<&'a str> {
        let rest = &self.line[self.pos..];
        let start = rest.len() - rest.trim_start().len();
        let tail = &rest[start..];
        if tail.is_empty() {
            return None;
        }
        let len = tail.find(char::is_whitespace).unwrap_or(tail.len());
        self.pos += start + len;
        Some(&tail[..len])
    }

    fn rest(&self) -> &'a str {
        &self.line[self.pos..]
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `["Sat", "Nov", "28", "03:23:33"]` (local time, no year) → Unix time: the most recent
/// such moment that is not after `now`.
#[must_use]
pub fn parse_asctime(parts: &[&str], now: i64, utc_offset: i64) -> Option<i64> {
    let [_weekday, month, day, time] = parts else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let day: u32 = day.parse().ok()?;
    let mut hms = time.split(':').map(str::parse::<u32>);
    let (h, m, s) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    if hms.next().is_some() || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let month = u32::try_from(month).ok()?;
    let (year_now, _, _) = civil_from_days((now + utc_offset).div_euclid(86_400));
    // Try this year first, then earlier ones (Feb 29 may need up to 8 years back).
    (0..=8).find_map(|back| {
        let year = year_now - back;
        if !is_valid_date(year, month, day) {
            return None;
        }
        let local = days_from_civil(year, month, day) * 86_400
            + i64::from(h) * 3600
            + i64::from(m) * 60
            + i64::from(s);
        let t = local - utc_offset;
        (t <= now).then_some(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-28 03:30:00 UTC.
    const NOW: i64 = 1_795_836_600;

    #[test]
    fn calendar_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2026, 11, 28) * 86_400 + 3 * 3600 + 23 * 60 + 33,
            1_795_836_213
        );
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn year_is_inferred_not_in_the_future() {
        let t = parse_asctime(&["Sat", "Nov", "28", "03:23:33"], NOW, 0);
        assert_eq!(t, Some(1_795_836_213));
        // December 31st seen on Nov 28: last year.
        let t = parse_asctime(&["Wed", "Dec", "31", "23:00:00"], NOW, 0).expect("date");
        assert_eq!(civil_from_days(t.div_euclid(86_400)), (2025, 12, 31));
        // Feb 29 goes back to the last leap year.
        let t = parse_asctime(&["Thu", "Feb", "29", "12:00:00"], NOW, 0).expect("date");
        assert_eq!(civil_from_days(t.div_euclid(86_400)), (2024, 2, 29));
        assert_eq!(
            parse_asctime(&["Sat", "Foo", "28", "03:23:33"], NOW, 0),
            None
        );
        assert_eq!(parse_asctime(&["Sat", "Nov", "28"], NOW, 0), None);
    }

    #[test]
    fn local_time_offset_is_applied() {
        // 12:23:33 in UTC+9 is 03:23:33 UTC.
        let t = parse_asctime(&["Sat", "Nov", "28", "12:23:33"], NOW + 9 * 3600, 9 * 3600);
        assert_eq!(t, Some(1_795_836_213));
    }

    #[test]
    fn tokens_keep_the_rest() {
        let mut t = Tokens::new("AB12*   397 Sat Nov  8 03:23:33  \"a b\"@x");
        assert_eq!(t.next(), Some("AB12*"));
        assert_eq!(t.next(), Some("397"));
        for _ in 0..4 {
            t.next();
        }
        assert_eq!(t.rest().trim(), "\"a b\"@x");
    }
}
