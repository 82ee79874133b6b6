//! A block of log lines parsed apart from the analyzer, so that the adapter can parse blocks
//! on several threads while one analyzer folds their events in log order.
//!
//! Everything that does not depend on the analyzer's state happens in [`Batch::parse`]:
//! splitting lines, the envelope, the cheap rejection of irrelevant lines, decoding the
//! event and converting its timestamp. [`LoginAnalyzer::apply_batch`] then does exactly
//! what [`LoginAnalyzer::push_line`] would have done for each line, in the same order, so
//! the report is the same whichever way (and on however many threads) a log was read.
//! Pure: no IO, no threads here.

use super::event::{Client, Event, RejectKind, Status};
use super::line::{Clock, JournalEntry, StampCache, parse_envelope};
use super::logins::{LoginAnalyzer, candidate, decode};

/// Longest line handed to the parsers; longer ones are cut into pieces of this size (each
/// counted as a line: it is junk, and memory stays bounded).
pub const MAX_LINE: usize = 1 << 20;

/// Where a string of an event lies: in the batch's data, or (bit 31 of `start`) in its
/// side buffer of lossily decoded messages.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

const EXTRA: u32 = 1 << 31;

/// [`Event`] with [`Span`]s for its strings.
#[derive(Debug, Clone, Copy)]
enum Stored {
    SaslLogin {
        qid: Span,
        client: (Span, Span),
        method: Span,
        user: Span,
    },
    SaslFailure {
        client: (Span, Span),
        method: Span,
        user: Option<Span>,
    },
    Queued {
        qid: Span,
        from: Span,
        nrcpt: u32,
    },
    Delivery {
        qid: Span,
        to: Span,
        status: Status,
    },
    Removed {
        qid: Span,
    },
    RejectRbl {
        list: Span,
        client: Option<(Span, Span)>,
    },
    RejectChecks {
        what: Span,
        text: Span,
        client: Option<(Span, Span)>,
    },
    RejectAccess {
        text: Span,
        client: Option<(Span, Span)>,
    },
    MailboxLogin {
        service: Span,
        user: Span,
        addr: Span,
    },
    MailboxFailure {
        service: Span,
        user: Option<Span>,
        addr: Span,
        attempts: u32,
    },
    BackendFailure {
        user: Span,
        addr: Span,
    },
}

/// One decoded event of a batch: what [`LoginAnalyzer::apply_event`] takes.
#[derive(Debug, Clone, Copy)]
struct Parsed {
    event: Stored,
    time: Option<i64>,
    gate: Option<u64>,
}

/// A block of whole lines (the last one may lack its newline) and what parsing found in it.
#[derive(Debug, Default)]
pub struct Batch {
    /// The lines, as read. Fill it, then [`Batch::parse`].
    pub data: Vec<u8>,
    /// `journalctl -o json` lines rather than syslog text.
    pub journal: bool,
    extra: String,
    /// `data` as text when it is all UTF-8 (nearly always): the folding thread then takes
    /// the events' strings from it without checking them again.
    text: String,
    events: Vec<Parsed>,
    lines: u64,
    unparsed: u64,
    stamps: StampCache,
}

impl Batch {
    /// Forget the last block's lines and events (the buffers are kept for the next one).
    pub fn clear(&mut self) {
        if self.data.is_empty() && !self.text.is_empty() {
            self.data = std::mem::take(&mut self.text).into_bytes();
        }
        self.data.clear();
        self.extra.clear();
        self.events.clear();
        self.lines = 0;
        self.unparsed = 0;
    }

    /// Parse every line of `data` (a block cut at a line end) with `clock`.
    pub fn parse(&mut self, clock: &Clock) {
        self.extra.clear();
        self.events.clear();
        self.lines = 0;
        self.unparsed = 0;
        if self.data.is_empty() && !self.text.is_empty() {
            self.data = std::mem::take(&mut self.text).into_bytes();
        }
        let data = std::mem::take(&mut self.data);
        for_each_line(&data, |line| self.parse_line(&data, line, clock));
        match String::from_utf8(data) {
            Ok(text) => self.text = text,
            Err(e) => self.data = e.into_bytes(),
        }
    }

    fn parse_line(&mut self, data: &[u8], line: &[u8], clock: &Clock) {
        self.lines += 1;
        if self.journal {
            let entry = JournalEntry::parse(line);
            let Some(env) = entry.as_ref().and_then(JournalEntry::envelope) else {
                self.unparsed += u64::from(!line.trim_ascii().is_empty());
                return;
            };
            // The entry owns its strings: keep the message (and the program, which Dovecot
            // events borrow) in the side buffer.
            let Some((family, gate)) = candidate(&env) else {
                return;
            };
            // Dovecot's program is its service name: like the line-by-line path, a program
            // that is not UTF-8 names no service.
            let Ok(program) = std::str::from_utf8(env.program) else {
                return;
            };
            let time = self.stamps.time(&env, clock);
            let start = self.extra.len();
            self.extra.push_str(program);
            let mid = self.extra.len();
            self.extra.push_str(&String::from_utf8_lossy(env.message));
            let extra = std::mem::take(&mut self.extra);
            let mut owned = env;
            owned.program = &extra.as_bytes()[start..mid];
            owned.message = &extra.as_bytes()[mid..];
            if let Some(ev) = decode(&owned, family, &extra[mid..]) {
                let event = store(&ev, data, &extra);
                self.events.push(Parsed { event, time, gate });
            }
            self.extra = extra;
            return;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(env) = parse_envelope(line) else {
            self.unparsed += u64::from(!line.is_empty());
            return;
        };
        let Some((family, gate)) = candidate(&env) else {
            return;
        };
        let event = match std::str::from_utf8(env.message) {
            Ok(msg) => decode(&env, family, msg).map(|ev| store(&ev, data, &self.extra)),
            Err(_) => {
                let start = self.extra.len();
                self.extra.push_str(&String::from_utf8_lossy(env.message));
                let extra = std::mem::take(&mut self.extra);
                let ev = decode(&env, family, &extra[start..]).map(|ev| store(&ev, data, &extra));
                self.extra = extra;
                ev
            }
        };
        if let Some(event) = event {
            let time = self.stamps.time(&env, clock);
            self.events.push(Parsed { event, time, gate });
        }
    }
}

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

    /// Fold in a parsed batch: the same as pushing its lines one by one.
    pub fn apply_batch(&mut self, batch: &Batch) {
        self.count_lines(batch.lines, batch.unparsed);
        let text = Text {
            text: &batch.text,
            data: &batch.data,
            extra: &batch.extra,
        };
        for p in &batch.events {
            let ev = load(&p.event, &text);
            self.apply_event(ev, p.time, p.gate);
        }
    }
}

fn span(s: &str, data: &[u8], extra: &str) -> Span {
    let at = s.as_ptr() as usize;
    let len = u32::try_from(s.len()).unwrap_or(0);
    let d = data.as_ptr() as usize;
    if at >= d && at + s.len() <= d + data.len() {
        return Span {
            start: u32::try_from(at - d).unwrap_or(0),
            len,
        };
    }
    let x = extra.as_ptr() as usize;
    if at >= x && at + s.len() <= x + extra.len() {
        return Span {
            start: u32::try_from(at - x).unwrap_or(0) | EXTRA,
            len,
        };
    }
    // A constant (never produced by the parsers, which only borrow from the line).
    Span { start: 0, len: 0 }
}

/// Where a batch's strings are: its block as text (when it was all UTF-8) or as bytes, and
/// the side buffer.
struct Text<'a> {
    text: &'a str,
    data: &'a [u8],
    extra: &'a str,
}

impl<'a> Text<'a> {
    fn get(&self, sp: Span) -> &'a str {
        let len = sp.len as usize;
        if sp.start & EXTRA != 0 {
            let start = (sp.start & !EXTRA) as usize;
            return self.extra.get(start..start + len).unwrap_or("");
        }
        let start = sp.start as usize;
        if self.data.is_empty() {
            return self.text.get(start..start + len).unwrap_or("");
        }
        self.data
            .get(start..start + len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

fn store(ev: &Event<'_>, data: &[u8], extra: &str) -> Stored {
    let s = |x: &str| span(x, data, extra);
    let c = |c: &Client<'_>| (s(c.name), s(c.addr));
    match *ev {
        Event::SaslLogin {
            qid,
            client,
            method,
            user,
        } => Stored::SaslLogin {
            qid: s(qid),
            client: c(&client),
            method: s(method),
            user: s(user),
        },
        Event::SaslFailure {
            client,
            method,
            user,
        } => Stored::SaslFailure {
            client: c(&client),
            method: s(method),
            user: user.map(s),
        },
        Event::Queued { qid, from, nrcpt } => Stored::Queued {
            qid: s(qid),
            from: s(from),
            nrcpt,
        },
        Event::Delivery { qid, to, status } => Stored::Delivery {
            qid: s(qid),
            to: s(to),
            status,
        },
        Event::Removed { qid } => Stored::Removed { qid: s(qid) },
        Event::Reject { kind, client } => {
            let client = client.as_ref().map(c);
            match kind {
                RejectKind::Rbl(list) => Stored::RejectRbl {
                    list: s(list),
                    client,
                },
                RejectKind::Checks { what, text } => Stored::RejectChecks {
                    what: s(what),
                    text: s(text),
                    client,
                },
                RejectKind::Access(text) => Stored::RejectAccess {
                    text: s(text),
                    client,
                },
            }
        }
        Event::MailboxLogin {
            service,
            user,
            addr,
        } => Stored::MailboxLogin {
            service: s(service),
            user: s(user),
            addr: s(addr),
        },
        Event::MailboxFailure {
            service,
            user,
            addr,
            attempts,
        } => Stored::MailboxFailure {
            service: s(service),
            user: user.map(s),
            addr: s(addr),
            attempts,
        },
        Event::BackendFailure { user, addr } => Stored::BackendFailure {
            user: s(user),
            addr: s(addr),
        },
    }
}

fn load<'a>(st: &Stored, text: &Text<'a>) -> Event<'a> {
    let t = |sp: Span| text.get(sp);
    let c = |(name, addr): (Span, Span)| Client {
        name: t(name),
        addr: t(addr),
    };
    match *st {
        Stored::SaslLogin {
            qid,
            client,
            method,
            user,
        } => Event::SaslLogin {
            qid: t(qid),
            client: c(client),
            method: t(method),
            user: t(user),
        },
        Stored::SaslFailure {
            client,
            method,
            user,
        } => Event::SaslFailure {
            client: c(client),
            method: t(method),
            user: user.map(t),
        },
        Stored::Queued { qid, from, nrcpt } => Event::Queued {
            qid: t(qid),
            from: t(from),
            nrcpt,
        },
        Stored::Delivery { qid, to, status } => Event::Delivery {
            qid: t(qid),
            to: t(to),
            status,
        },
        Stored::Removed { qid } => Event::Removed { qid: t(qid) },
        Stored::RejectRbl { list, client } => Event::Reject {
            kind: RejectKind::Rbl(t(list)),
            client: client.map(c),
        },
        Stored::RejectChecks { what, text, client } => Event::Reject {
            kind: RejectKind::Checks {
                what: t(what),
                text: t(text),
            },
            client: client.map(c),
        },
        Stored::RejectAccess { text, client } => Event::Reject {
            kind: RejectKind::Access(t(text)),
            client: client.map(c),
        },
        Stored::MailboxLogin {
            service,
            user,
            addr,
        } => Event::MailboxLogin {
            service: t(service),
            user: t(user),
            addr: t(addr),
        },
        Stored::MailboxFailure {
            service,
            user,
            addr,
            attempts,
        } => Event::MailboxFailure {
            service: t(service),
            user: user.map(t),
            addr: t(addr),
            attempts,
        },
        Stored::BackendFailure { user, addr } => Event::BackendFailure {
            user: t(user),
            addr: t(addr),
        },
    }
}
