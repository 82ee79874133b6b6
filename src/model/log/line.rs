//! The envelope of one log line: when, which host, which program, and the message.
//!
//! Formats read (each has a fixture in `tests/fixtures/maillog/`):
//! - RFC 3164 / BSD syslog, also what postlogd (`maillog_file`) and `journalctl` (short)
//!   write: `Nov 29 22:16:26 mx postfix/smtpd[13215]: …` — local time without a year.
//! - ISO 8601 with a zone (rsyslog's high-precision format, syslog-ng's ISO template,
//!   `journalctl -o short-iso[-precise]`): `2026-11-29T22:16:26.123456+01:00 mx …`,
//!   also `+0100`, `Z` and a space instead of `T`.
//! - RFC 5424: `<22>1 2026-11-29T22:16:26.003Z mx postfix/smtpd 13215 - - …`.
//! - A `<PRI>` in front of any of these (syslog-ng/rsyslog forwarding to a file).
//! - Dovecot's own log file (`log_path`): `Nov 29 22:16:26 imap-login: Info: …`, no host.
//! - journald JSON (`journalctl -o json`): [`JournalEntry`].
//!
//! Only the bytes are looked at here; the message is decoded (lossily) when an event is
//! recognised in it. Pure: no IO.

use serde::Deserialize;

use crate::model::time::{utc_from_civil, utc_year};

/// What RFC 3164 timestamps need to become Unix times: they carry no year and no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Now (Unix seconds): a timestamp more than two days ahead of it is from last year.
    pub now: i64,
    /// The log's local time zone, seconds east of UTC.
    pub utc_offset: i64,
}

/// A line's timestamp, converted only when the line turns out to matter (most do not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp<'a> {
    /// `Nov 29 22:16:26[.frac][ YYYY]`
    Bsd(&'a [u8]),
    /// `2026-11-29T22:16:26[.frac](Z|±hh:mm|±hhmm)`
    Iso(&'a [u8]),
    /// Already a Unix time (journald).
    Unix(Option<i64>),
}

/// The parts of a syslog line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    pub stamp: Stamp<'a>,
    pub host: &'a [u8],
    /// `postfix/smtpd`, `postfix-out/smtpd`, `dovecot`, `imap-login`.
    pub program: &'a [u8],
    pub message: &'a [u8],
}

impl Envelope<'_> {
    /// Unix seconds; `None` when the timestamp could not be read.
    #[must_use]
    pub fn time(&self, clock: &Clock) -> Option<i64> {
        match self.stamp {
            Stamp::Bsd(s) => bsd_time(s, clock).and_then(|(t, _)| t),
            Stamp::Iso(s) => iso_time(s).and_then(|(t, _)| t),
            Stamp::Unix(t) => t,
        }
    }

    /// The last `/` component of the program: `smtpd` for `postfix/submission/smtpd`.
    #[must_use]
    pub fn service(&self) -> &[u8] {
        match self.program.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.program[i + 1..],
            None => self.program,
        }
    }
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// The month (0–11) of an English abbreviation, one integer compare per candidate instead of
/// twelve slice compares (every line pays this).
fn month_of(s: &[u8]) -> Option<usize> {
    let &[a, b, c] = s else { return None };
    let key = u32::from_le_bytes([a, b, c, 0]);
    MONTHS
        .iter()
        .position(|m| u32::from_le_bytes([m[0], m[1], m[2], 0]) == key)
}

/// The Unix time of the last timestamp converted, by its bytes: consecutive lines mostly
/// share their second, and converting (year inference, calendar arithmetic) is the
/// expensive part of a timestamp.
#[derive(Debug, Clone, Default)]
pub struct StampCache {
    key: Vec<u8>,
    bsd: bool,
    value: Option<i64>,
}

impl StampCache {
    /// [`Envelope::time`], remembered for the last timestamp seen.
    pub fn time(&mut self, env: &Envelope<'_>, clock: &Clock) -> Option<i64> {
        let (bytes, bsd) = match env.stamp {
            Stamp::Bsd(s) => (s, true),
            Stamp::Iso(s) => (s, false),
            Stamp::Unix(t) => return t,
        };
        // The fraction of a second is not part of the result: leave it out of the key.
        let at = if bsd { 15 } else { 19 };
        let (head, tail) = bytes.split_at(at.min(bytes.len()));
        let tail = match tail.first() {
            Some(b'.' | b',') => {
                let n = tail[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                &tail[1 + n..]
            }
            _ => tail,
        };
        let same = self.bsd == bsd
            && self.key.len() == head.len() + tail.len()
            && self.key.starts_with(head)
            && self.key.ends_with(tail);
        if !same {
            self.value = env.time(clock);
            self.key.clear();
            self.key.extend_from_slice(head);
            self.key.extend_from_slice(tail);
            self.bsd = bsd;
        }
        self.value
    }
}

/// Split a syslog line into its envelope. `None` for lines that are not syslog at all
/// (journalctl's `-- Boot …` markers, blank lines, binary junk).
///
/// Every line pays this: callers borrow the envelope where it is returned rather than move
/// it (a copy of it stalled on every line: `LoginAnalyzer::read_line`).
#[must_use]
#[inline]
pub fn parse_envelope(line: &[u8]) -> Option<Envelope<'_>> {
    let mut rest = strip_pri(line);
    let mut rfc5424 = false;
    if rest.len() > 2 && rest[0] == b'1' && rest[1] == b' ' {
        rfc5424 = true;
        rest = &rest[2..];
    }
    // The stamp's kind and bytes as plain values; the `Stamp` is made where it is returned
    // (made here, it was written to the stack and copied into the envelope: a stall).
    let (iso, after) = match rest.first()? {
        b'0'..=b'9' => (true, iso_shape(rest)?),
        b'A'..=b'Z' => (false, bsd_shape(rest)?),
        _ => return None,
    };
    let stamp_bytes = &rest[..rest.len() - after.len()];
    let stamp = |bytes| {
        if iso {
            Stamp::Iso(bytes)
        } else {
            Stamp::Bsd(bytes)
        }
    };
    let rest = after.strip_prefix(b" ")?;
    if rfc5424 {
        return rfc5424_tail(stamp(stamp_bytes), rest);
    }
    // The host and the program are a few dozen bytes: eight at a time beats both a byte
    // loop and a memchr call per field at that length (every line pays this).
    let (first, tail) = match find_any(rest, [b' '; 3]) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &b""[..]),
    };
    // `imap-login: Info: …` (Dovecot's own file) has no host; a host never ends in ':'.
    let (host, prog_part) = if first.last() == Some(&b':') {
        (&b""[..], rest)
    } else {
        (first, tail)
    };
    // The program ends at `[` (its PID) or `:`; a space before either: not a program.
    let stop = find_any(prog_part, [b':', b'[', b' '])?;
    let (open, colon) = match prog_part[stop] {
        b':' => (None, stop),
        b'[' => (Some(stop), stop + find_any(&prog_part[stop..], [b':'; 3])?),
        _ => return None,
    };
    let program = &prog_part[..open.unwrap_or(colon)];
    if program.is_empty() {
        return None;
    }
    let message = prog_part[colon + 1..]
        .strip_prefix(b" ")
        .unwrap_or(&prog_part[colon + 1..]);
    Some(Envelope {
        stamp: stamp(stamp_bytes),
        host,
        program,
        message,
    })
}

/// The first position in `s` of any of the three bytes `set`, eight bytes a step (SWAR: the
/// lowest byte flagged by the zero-byte test is always a true match).
#[inline]
fn find_any(s: &[u8], set: [u8; 3]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let flag = |w: u64, b: u8| {
        let v = w ^ LO.wrapping_mul(u64::from(b));
        v.wrapping_sub(LO) & !v & HI
    };
    let mut words = s.chunks_exact(8);
    let mut at = 0;
    for c in &mut words {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let hits = flag(w, set[0]) | flag(w, set[1]) | flag(w, set[2]);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| set.contains(b))
        .map(|i| at + i)
}

/// Where the time of a BSD timestamp starts: 7 after `Nov 29 ` / `Nov  2 `, 6 after an
/// unpadded day (`Nov 2 `, written by some syslog daemons and templates).
fn bsd_time_at(s: &[u8]) -> Option<usize> {
    if s.len() < 14 || s[3] != b' ' {
        return None;
    }
    if s[5] == b' ' && s[4].is_ascii_digit() && s[6].is_ascii_digit() {
        return Some(6);
    }
    (s.len() >= 15 && s[6] == b' ').then_some(7)
}

/// Where a BSD timestamp ends, checking only its shape (cheap: every line pays it).
fn bsd_shape(s: &[u8]) -> Option<&[u8]> {
    let at = bsd_time_at(s)?;
    if s.len() < at + 8 || s[at + 2] != b':' || s[at + 5] != b':' {
        return None;
    }
    month_of(&s[..3])?;
    let mut rest = &s[at + 8..];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &rest[1 + n..];
    }
    if rest.len() > 5
        && rest[0] == b' '
        && rest[5] == b' '
        && rest[1..5].iter().all(u8::is_ascii_digit)
    {
        rest = &rest[5..];
    }
    Some(rest)
}

/// Where an ISO timestamp ends (at the first space after the time), checking its shape.
fn iso_shape(s: &[u8]) -> Option<&[u8]> {
    if s.len() < 19
        || s[4] != b'-'
        || s[7] != b'-'
        || !(s[10] == b'T' || s[10] == b' ')
        || s[13] != b':'
        || s[16] != b':'
    {
        return None;
    }
    let month = (s[5].wrapping_sub(b'0')) * 10 + s[6].wrapping_sub(b'0');
    if !(1..=12).contains(&month) {
        return None;
    }
    // A dozen bytes of fraction and zone: eight at a time, no call (every line pays this).
    let end = 19 + find_any(&s[19..], [b' '; 3])?;
    Some(&s[end..])
}

/// `<34>` in front of the line (syslog priority), if any.
fn strip_pri(line: &[u8]) -> &[u8] {
    if line.first() == Some(&b'<')
        && let Some(end) = line.iter().take(6).position(|&b| b == b'>')
        && end > 1
        && line[1..end].iter().all(u8::is_ascii_digit)
    {
        return &line[end + 1..];
    }
    line
}

fn split_word(s: &[u8]) -> (&[u8], &[u8]) {
    match memchr::memchr(b' ', s) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, &[]),
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
}

/// `hh:mm:ss` (then an optional `.fraction`, skipped) → seconds of the day and the rest.
fn clock_time(s: &[u8]) -> Option<(u32, u32, u32, &[u8])> {
    if s.len() < 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&s[..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[8..];
    if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &rest[1 + n..];
    }
    Some((h, m, sec, rest))
}

/// `Nov 29 22:16:26` (day space-padded: `Nov  2`), optionally with a fraction and a year
/// after the time (`Nov 29 22:16:26 2026`, some syslog-ng templates). Local time.
fn bsd_time<'a>(s: &'a [u8], clock: &Clock) -> Option<(Option<i64>, &'a [u8])> {
    let at = bsd_time_at(s)?;
    let month = month_of(&s[..3])?;
    let day = digits(s[4..at - 1].trim_ascii_start())?;
    if !(1..=31).contains(&day) {
        return None;
    }
    let (h, m, sec, rest) = clock_time(&s[at..])?;
    let month = u32::try_from(month + 1).ok()?;
    let local_now = clock.now + clock.utc_offset;
    let mut year = utc_year(local_now);
    let mut rest = rest;
    // The stamp given may end right after the year (an envelope's stamp does).
    if rest.len() >= 5
        && rest[0] == b' '
        && rest.get(5).is_none_or(|&b| b == b' ')
        && rest[1..5].iter().all(u8::is_ascii_digit)
    {
        year = i64::from(digits(&rest[1..5])?);
        rest = &rest[5..];
    } else {
        // No year: the most recent such date that is not in the future (two days of slack
        // for clock skew between hosts). December lines read in January are last year's.
        let this_year = utc_from_civil(year, month, day, h, m, sec);
        if this_year > local_now + 2 * 86_400 {
            year -= 1;
        }
    }
    let local = utc_from_civil(year, month, day, h, m, sec);
    Some((Some(local - clock.utc_offset), rest))
}

/// `2026-11-29T22:16:26[.ffffff](Z|±hh:mm|±hhmm)`, `T` or a space between date and time.
/// Without a zone the time is taken as UTC.
fn iso_time(s: &[u8]) -> Option<(Option<i64>, &[u8])> {
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || !(s[10] == b'T' || s[10] == b' ') {
        return None;
    }
    let y = i64::from(digits(&s[..4])?);
    let mo = digits(&s[5..7])?;
    let d = digits(&s[8..10])?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let (h, m, sec, mut rest) = clock_time(&s[11..])?;
    let mut offset = 0i64;
    match rest.first() {
        Some(b'Z') => rest = &rest[1..],
        Some(&sign @ (b'+' | b'-')) => {
            let z = &rest[1..];
            let (hh, mm, used) = if z.len() >= 5 && z[2] == b':' {
                (digits(&z[..2])?, digits(&z[3..5])?, 5)
            } else if z.len() >= 4 {
                (digits(&z[..2])?, digits(&z[2..4])?, 4)
            } else {
                return None;
            };
            offset = i64::from(hh * 3600 + mm * 60);
            if sign == b'-' {
                offset = -offset;
            }
            rest = &rest[1 + used..];
        }
        _ => {}
    }
    Some((Some(utc_from_civil(y, mo, d, h, m, sec) - offset), rest))
}

/// RFC 5424 after the timestamp: `HOST APP PROCID MSGID [SD|-] MSG`.
fn rfc5424_tail<'a>(stamp: Stamp<'a>, s: &'a [u8]) -> Option<Envelope<'a>> {
    let (host, s) = split_word(s);
    let (app, s) = split_word(s);
    let (_procid, s) = split_word(s);
    let (_msgid, s) = split_word(s);
    let message = if s.first() == Some(&b'[') {
        // Structured data: `[id k="v" …][…]`; `]` inside a value is escaped as `\]`.
        let mut i = 0;
        let mut in_elem = false;
        let mut esc = false;
        while i < s.len() {
            let b = s[i];
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'[' && !in_elem {
                in_elem = true;
            } else if b == b']' && in_elem {
                in_elem = false;
                if s.get(i + 1) != Some(&b'[') {
                    i += 1;
                    break;
                }
            }
            i += 1;
        }
        &s[i.min(s.len())..]
    } else {
        split_word(s).1
    };
    let message = message.strip_prefix(b" ").unwrap_or(message);
    let message = message
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(message);
    if app.is_empty() || app == b"-" {
        return None;
    }
    Some(Envelope {
        stamp,
        host: if host == b"-" { b"" } else { host },
        program: app,
        message,
    })
}

/// One entry of `journalctl -o json`. Fields journald could not store as UTF-8 come as
/// arrays of byte values; both shapes are accepted. Text without escapes is borrowed from
/// the line: a journal export is mostly fields nobody reads (skipped) and a few short
/// strings, so copying each of those was most of the parse.
#[derive(Debug, Default, Deserialize)]
pub struct JournalEntry<'a> {
    #[serde(rename = "__REALTIME_TIMESTAMP", default, borrow)]
    pub realtime_us: Option<JournalField<'a>>,
    #[serde(rename = "SYSLOG_IDENTIFIER", default, borrow)]
    pub identifier: Option<JournalField<'a>>,
    #[serde(rename = "_HOSTNAME", default, borrow)]
    pub hostname: Option<JournalField<'a>>,
    #[serde(rename = "MESSAGE", default, borrow)]
    pub message: Option<JournalField<'a>>,
}

/// A journald field value: text, or bytes when it was not valid UTF-8.
#[derive(Debug, PartialEq, Eq)]
pub enum JournalField<'a> {
    Text(std::borrow::Cow<'a, str>),
    Bytes(Vec<u8>),
    /// Anything else (null, numbers, several values of one field): ignored.
    Other,
}

impl JournalField<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Text(s) => s.as_bytes(),
            Self::Bytes(b) => b,
            Self::Other => b"",
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JournalField<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        use std::borrow::Cow;

        struct Field<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for Field<'a> {
            type Value = JournalField<'a>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a journald field value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JournalField::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JournalField::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(JournalField::Text(Cow::Owned(v)))
            }
            /// Bytes when every element is a byte value; anything else is not text.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = Some(Vec::with_capacity(seq.size_hint().unwrap_or(0)));
                while let Some(Byte(b)) = seq.next_element()? {
                    match (b, &mut bytes) {
                        (Some(b), Some(bs)) => bs.push(b),
                        _ => bytes = None,
                    }
                }
                Ok(bytes.map_or(JournalField::Other, JournalField::Bytes))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(JournalField::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(JournalField::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(JournalField::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(JournalField::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(JournalField::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(JournalField::Other)
            }
        }

        d.deserialize_any(Field(std::marker::PhantomData))
    }
}

/// One element of a field journald wrote as bytes: `None` when it is not a byte value.
struct Byte(Option<u8>);

impl<'de> Deserialize<'de> for Byte {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read as a number when it is one; anything else is skipped whole.
        struct Element;

        impl<'de> serde::de::Visitor<'de> for Element {
            type Value = Byte;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte value")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Byte, E> {
                Ok(Byte(u8::try_from(v).ok()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Byte, E> {
                Ok(Byte(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Byte, E> {
                Ok(Byte(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Byte, E> {
                Ok(Byte(None))
            }
            fn visit_unit<E>(self) -> Result<Byte, E> {
                Ok(Byte(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Byte, E> {
                Ok(Byte(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Byte, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Byte(None))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Byte, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Byte(None))
            }
        }

        d.deserialize_any(Element)
    }
}

impl<'a> JournalEntry<'a> {
    /// Parse one line of `journalctl -o json`; `None` when it is not a JSON object.
    #[must_use]
    pub fn parse(line: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(line).ok()
    }

    /// The entry as an envelope (borrowing from the entry).
    #[must_use]
    pub fn envelope(&self) -> Option<Envelope<'_>> {
        let program = self.identifier.as_ref()?.bytes();
        let message = self.message.as_ref()?.bytes();
        if program.is_empty() {
            return None;
        }
        let time = self.realtime_us.as_ref().and_then(|f| {
            let us: i64 = std::str::from_utf8(f.bytes()).ok()?.parse().ok()?;
            Some(us.div_euclid(1_000_000))
        });
        Some(Envelope {
            stamp: Stamp::Unix(time),
            host: self.hostname.as_ref().map_or(&b""[..], JournalField::bytes),
            program,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: Clock = Clock {
        // 2026-11-30T00:00:00Z
        now: 1_795_996_800,
        utc_offset: 0,
    };

    fn env(line: &str) -> Envelope<'_> {
        parse_envelope(line.as_bytes()).expect(line)
    }

    #[test]
    fn bsd_syslog_and_postlogd() {
        let e = env("Nov 29 22:16:26 mx postfix/smtpd[13215]: 6ED2DBE744: client=unknown[1.2.3.4]");
        assert_eq!(
            e.time(&CLOCK),
            Some(utc_from_civil(2026, 11, 29, 22, 16, 26))
        );
        assert_eq!(e.host, b"mx");
        assert_eq!(e.program, b"postfix/smtpd");
        assert_eq!(e.service(), b"smtpd");
        assert_eq!(e.message, b"6ED2DBE744: client=unknown[1.2.3.4]");
        let e = env("Nov  2 03:04:05 mx postfix-out/smtpd[1]: x");
        assert_eq!(e.time(&CLOCK), Some(utc_from_civil(2026, 11, 2, 3, 4, 5)));
        assert_eq!(e.program, b"postfix-out/smtpd");
        // An unpadded day (seen in the wild, e.g. fail2ban's test logs).
        let e = env("Nov 2 03:04:05 mx postfix/smtpd[1]: x");
        assert_eq!(e.time(&CLOCK), Some(utc_from_civil(2026, 11, 2, 3, 4, 5)));
        assert_eq!((e.host, e.message), (&b"mx"[..], &b"x"[..]));
        let e = env("Nov 2 03:04:05.25 2025 mx postfix/smtpd[1]: x");
        assert_eq!(e.time(&CLOCK), Some(utc_from_civil(2025, 11, 2, 3, 4, 5)));
        assert!(parse_envelope(b"Nov 2x03:04:05 mx p[1]: x").is_none());
        // A year after the time (some syslog-ng templates) is the year.
        let e = env("Nov 29 22:16:26 2025 mx postfix/smtpd[1]: x");
        assert_eq!(
            e.time(&CLOCK),
            Some(utc_from_civil(2025, 11, 29, 22, 16, 26))
        );
    }

    #[test]
    fn year_is_inferred_backwards_across_new_year() {
        let jan = Clock {
            now: utc_from_civil(2027, 1, 2, 0, 0, 0),
            utc_offset: 0,
        };
        let e = parse_envelope(b"Dec 31 23:59:59 mx postfix/qmgr[1]: x").unwrap();
        assert_eq!(e.time(&jan), Some(utc_from_civil(2026, 12, 31, 23, 59, 59)));
        let e = parse_envelope(b"Jan  1 00:00:01 mx postfix/qmgr[1]: x").unwrap();
        assert_eq!(e.time(&jan), Some(utc_from_civil(2027, 1, 1, 0, 0, 1)));
    }

    #[test]
    fn local_time_zone_is_applied() {
        let tokyo = Clock {
            now: CLOCK.now,
            utc_offset: 9 * 3600,
        };
        let e = parse_envelope(b"Nov 29 09:00:00 mx postfix/qmgr[1]: x").unwrap();
        assert_eq!(e.time(&tokyo), Some(utc_from_civil(2026, 11, 29, 0, 0, 0)));
    }

    #[test]
    fn iso_variants() {
        let t = utc_from_civil(2026, 11, 29, 21, 16, 26);
        for line in [
            "2026-11-29T22:16:26.123456+01:00 mx postfix/smtpd[1]: m",
            "2026-11-29T22:16:26+0100 mx postfix/smtpd[1]: m",
            "2026-11-29T21:16:26Z mx postfix/smtpd[1]: m",
            "2026-11-29T21:16:26.5Z mx postfix/smtpd[1]: m",
            "2026-11-29T16:16:26-05:00 mx postfix/smtpd[1]: m",
            "<22>2026-11-29T21:16:26Z mx postfix/smtpd[1]: m",
        ] {
            let e = env(line);
            assert_eq!(e.time(&CLOCK), Some(t), "{line}");
            assert_eq!(e.message, b"m", "{line}");
        }
    }

    #[test]
    fn rfc5424() {
        let e = env("<22>1 2026-11-29T21:16:26.003Z mx postfix/smtpd 13215 - - 6ED: client=x");
        assert_eq!(e.program, b"postfix/smtpd");
        assert_eq!(e.message, b"6ED: client=x");
        let e = env(
            "<22>1 2026-11-29T21:16:26Z mx dovecot 7 - [meta a=\"x\\]y\"][o b=\"1\"] imap-login: m",
        );
        assert_eq!(e.message, b"imap-login: m");
    }

    #[test]
    fn dovecot_log_file_has_no_host() {
        let e = env("Nov 29 22:16:26 imap-login: Info: Login: user=<a>, rip=1.2.3.4");
        assert_eq!(e.host, b"");
        assert_eq!(e.program, b"imap-login");
        assert_eq!(e.message, b"Info: Login: user=<a>, rip=1.2.3.4");
    }

    #[test]
    fn junk_is_refused() {
        for line in [
            "",
            "-- Boot 1234 --",
            "Nov 29 22:16:26",
            "Foo 29 22:16:26 mx postfix/smtpd[1]: x",
            "2026-13-29T22:16:26Z mx p: x",
            "\u{1b}[31mNov 29 22:16:26 mx p: x",
        ] {
            assert!(parse_envelope(line.as_bytes()).is_none(), "{line:?}");
        }
    }

    #[test]
    fn journal_json() {
        let line = br#"{"__REALTIME_TIMESTAMP":"1795994186123456","SYSLOG_IDENTIFIER":"postfix/smtpd","_HOSTNAME":"mx","MESSAGE":"6ED: client=x","_PID":"7"}"#;
        let j = JournalEntry::parse(line).unwrap();
        let e = j.envelope().unwrap();
        assert_eq!(e.time(&CLOCK), Some(1_795_994_186));
        assert_eq!(e.program, b"postfix/smtpd");
        let bin = br#"{"SYSLOG_IDENTIFIER":"dovecot","MESSAGE":[105,109,97,112,255]}"#;
        let j = JournalEntry::parse(bin).unwrap();
        assert_eq!(j.envelope().unwrap().message, b"imap\xff");
        // Not an object, or broken: no entry.
        for junk in [&b"not json"[..], b"{\"MESSAGE\":", b"\"MESSAGE\"", b""] {
            assert!(JournalEntry::parse(junk).is_none(), "{junk:?}");
        }
        // Text with escapes is decoded; a byte value above 255 makes the field ignored.
        let j = JournalEntry::parse(br#"{"MESSAGE":"a\"b\u00e9","_HOSTNAME":[1,256]}"#).unwrap();
        assert_eq!(j.message, Some(JournalField::Text("a\"b\u{e9}".into())));
        assert_eq!(j.hostname, Some(JournalField::Other));
    }

    /// A journald field value as the reference reads it from a parsed `serde_json::Value`.
    fn reference_field(v: &serde_json::Value) -> JournalField<'static> {
        match v {
            serde_json::Value::String(s) => JournalField::Text(s.clone().into()),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect::<Option<Vec<u8>>>()
                .map_or(JournalField::Other, JournalField::Bytes),
            _ => JournalField::Other,
        }
    }

    fn journal_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::{Value, json};
        prop_oneof![
            any::<String>().prop_map(Value::from),
            "[a-z\"\\\\/ \u{1b}\u{9b}\n]{0,12}".prop_map(Value::from),
            proptest::collection::vec(0u64..300, 0..8).prop_map(|v| json!(v)),
            Just(json!(["two", "values"])),
            Just(json!([104, [105], {"a": 1}, null, -3, 2.5, true, "x"])),
            Just(json!([104, 105, 255, 0])),
            Just(json!(null)),
            Just(json!(17)),
            Just(json!(-1.5)),
            Just(json!(true)),
            Just(json!({"nested": [1, {"x": "y"}]})),
        ]
    }

    proptest::proptest! {
        /// Every field the reader uses is what a plain `serde_json::Value` says it is:
        /// text (escaped or not), bytes, or ignored; other fields never matter.
        #[test]
        fn journal_fields_match_a_plain_json_reading(
            fields in proptest::collection::btree_map(
                proptest::sample::select(vec![
                    "__REALTIME_TIMESTAMP", "SYSLOG_IDENTIFIER", "_HOSTNAME", "MESSAGE",
                    "_PID", "__CURSOR", "MESSAGE_ID",
                ]),
                journal_value(),
                0..7,
            ),
        ) {
            let obj: serde_json::Map<String, serde_json::Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            let line = serde_json::to_vec(&serde_json::Value::Object(obj.clone())).unwrap();
            let j = JournalEntry::parse(&line).expect("an object parses");
            // `null` is no value at all (serde's `Option`), as it always was.
            let want = |k: &str| obj.get(k).filter(|v| !v.is_null()).map(reference_field);
            proptest::prop_assert_eq!(j.realtime_us, want("__REALTIME_TIMESTAMP"));
            proptest::prop_assert_eq!(j.identifier, want("SYSLOG_IDENTIFIER"));
            proptest::prop_assert_eq!(j.hostname, want("_HOSTNAME"));
            proptest::prop_assert_eq!(j.message, want("MESSAGE"));
        }

        /// The eight-bytes-a-step search finds what a byte loop finds, also next to the
        /// bytes that trip the zero-byte test (0x01 above a match, bytes over 0x7f).
        #[test]
        fn find_any_is_a_byte_loop(
            s in proptest::collection::vec(proptest::sample::select(vec![
                0u8, 1, 0x20, 0x21, 0x3a, 0x3b, 0x5b, 0x5c, 0x7f, 0x80, 0xa0, 0xba, 0xdb, 0xff, b'a',
            ]), 0..40),
            set in proptest::sample::select(vec![[b':', b'[', b' '], [b' '; 3], [0, 1, 0xff]]),
        ) {
            let naive = s.iter().position(|b| set.contains(b));
            proptest::prop_assert_eq!(find_any(&s, set), naive);
        }
    }
}
