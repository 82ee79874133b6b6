//! `postqueue -j` output → [`Snapshot`], one JSON object per line, parsed as it streams.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;
use std::time::{Duration, Instant};

use compact_str::CompactString;
use serde::Deserialize;

use crate::model::reason::ReasonTable;
use crate::model::text::snippet;
use crate::model::{Interner, Message, ParseProblem, QueueId, QueueName, Recipient, Snapshot};

/// At most this many problems are kept in detail; the rest are only counted.
pub const MAX_PROBLEMS: usize = 100;

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    queue_name: Cow<'a, str>,
    #[serde(borrow)]
    queue_id: Cow<'a, str>,
    arrival_time: i64,
    #[serde(default)]
    message_size: u64,
    #[serde(borrow)]
    sender: Cow<'a, str>,
    #[serde(default)]
    forced_expire: bool,
    #[serde(default, borrow)]
    recipients: Vec<RawRecipient<'a>>,
}

#[derive(Deserialize)]
struct RawRecipient<'a> {
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(default, borrow)]
    delay_reason: Option<Cow<'a, str>>,
}

/// Builds a snapshot line by line. Used by the live adapter (while postqueue writes) and by
/// replay files alike, so both reach the same code path.
pub struct SnapshotBuilder {
    interner: Interner,
    /// Delay reasons with their families, hashed and folded once per distinct text.
    reasons: ReasonTable,
    null_sender: CompactString,
    messages: Vec<Message>,
    /// foldhash, seeded per process (see `Interner`).
    index: HashMap<QueueId, usize, foldhash::fast::RandomState>,
    problems: Vec<ParseProblem>,
    bad_lines: usize,
    duplicates: usize,
    line_no: usize,
    /// Position of the message the last message line added or replaced.
    last: usize,
    started: Instant,
    taken_at: i64,
}

impl SnapshotBuilder {
    /// `null_sender` is the configured `empty_address_recipient` (default `MAILER-DAEMON`).
    #[must_use]
    pub fn new(null_sender: &str) -> Self {
        Self {
            interner: Interner::new(),
            reasons: ReasonTable::new(),
            null_sender: CompactString::new(null_sender),
            messages: Vec::new(),
            index: HashMap::default(),
            problems: Vec::new(),
            bad_lines: 0,
            duplicates: 0,
            line_no: 0,
            last: 0,
            started: Instant::now(),
            taken_at: unix_now(),
        }
    }

    /// Feed one line (without or with its trailing newline). Blank lines are ignored.
    pub fn push_line(&mut self, line: &[u8]) {
        self.line_no += 1;
        let line = line.trim_ascii();
        if line.is_empty() {
            return;
        }
        match serde_json::from_slice::<RawMessage<'_>>(line) {
            Ok(raw) => self.push_raw(&raw),
            Err(e) => self.problem(&String::from_utf8_lossy(line), &e.to_string()),
        }
    }

    /// [`push_line`](Self::push_line), then hand the message the line added (or replaced:
    /// a repeated queue ID) to `each`: for callers that act while the listing continues.
    pub fn push_line_each(&mut self, line: &[u8], each: &mut dyn FnMut(&Message)) {
        let before = (self.messages.len(), self.duplicates);
        self.push_line(line);
        if (self.messages.len(), self.duplicates) == before {
            return;
        }
        if let Some(m) = self.messages.get(self.last) {
            each(m);
        }
    }

    /// Record a problem with the current line.
    pub fn problem(&mut self, line: &str, error: &str) {
        self.bad_lines += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(ParseProblem {
                line: self.line_no,
                snippet: snippet(line, 80),
                error: snippet(error, 160),
            });
        }
    }

    fn push_raw(&mut self, raw: &RawMessage<'_>) {
        let queue_id = QueueId::new(&raw.queue_id);
        if !queue_id.is_valid() {
            let id = raw.queue_id.to_string();
            self.problem(&id, "not a valid queue ID");
            return;
        }
        let recipients = raw
            .recipients
            .iter()
            .map(|r| {
                let (delay_reason, family) = match r.delay_reason.as_deref() {
                    Some(d) => {
                        let (reason, family) = self.reasons.get(d);
                        (Some(reason), Some(family))
                    }
                    None => (None, None),
                };
                Recipient {
                    address: Arc::from(&*r.address),
                    family,
                    delay_reason,
                }
            })
            .collect();
        let msg = Message {
            queue: intern_queue(&mut self.interner, &raw.queue_name),
            arrival_time: raw.arrival_time,
            size: raw.message_size,
            null_sender: raw.sender == self.null_sender.as_str() || raw.sender.is_empty(),
            sender: self.interner.intern(&raw.sender),
            forced_expire: raw.forced_expire,
            next_retry: None,
            recipients,
            queue_id: queue_id.clone(),
        };
        self.push_message(msg);
    }

    /// Add an already-built message (the `postqueue -p` fallback builds its own).
    /// A repeated queue ID replaces the earlier entry: the later one is more recent.
    pub fn push_message(&mut self, mut msg: Message) {
        msg.clamp();
        // One hash per message: the entry, not a lookup and then an insert.
        match self.index.entry(msg.queue_id.clone()) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let i = *e.get();
                self.duplicates += 1;
                self.messages[i] = msg;
                self.last = i;
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                self.last = self.messages.len();
                e.insert(self.messages.len());
                self.messages.push(msg);
            }
        }
    }

    /// The interner, for callers that build messages themselves.
    pub fn interner(&mut self) -> &mut Interner {
        &mut self.interner
    }

    /// Is `sender` the configured null sender?
    #[must_use]
    pub fn is_null_sender(&self, sender: &str) -> bool {
        sender.is_empty() || sender == self.null_sender.as_str()
    }

    /// Lines fed so far.
    #[must_use]
    pub fn lines(&self) -> usize {
        self.line_no
    }

    #[must_use]
    pub fn finish(self) -> Snapshot {
        let mut problems = self.problems;
        if self.bad_lines > problems.len() {
            problems.push(ParseProblem {
                line: 0,
                snippet: String::new(),
                error: format!(
                    "{} more unparsable lines not shown",
                    self.bad_lines - problems.len()
                ),
            });
        }
        Snapshot::new(
            self.messages,
            problems,
            self.duplicates,
            self.taken_at,
            self.started.elapsed(),
        )
    }
}

fn intern_queue(interner: &mut Interner, name: &str) -> QueueName {
    match QueueName::parse(name) {
        QueueName::Other(_) => QueueName::Other(interner.intern(name)),
        q => q,
    }
}

/// Parse a whole `postqueue -j` stream.
///
/// # Errors
/// Only when reading fails; unparsable lines become [`ParseProblem`]s.
pub fn parse_stream<R: BufRead>(mut reader: R, null_sender: &str) -> std::io::Result<Snapshot> {
    let mut builder = SnapshotBuilder::new(null_sender);
    crate::postfix::lines::for_each(&mut reader, crate::postfix::lines::MAX_LINE, |line| {
        builder.push_line(line);
    })?;
    Ok(builder.finish())
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A duration in seconds, for messages.
#[must_use]
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"queue_name": "deferred", "queue_id": "4B2F41C0A8", "arrival_time": 1700000000, "message_size": 2130, "forced_expire": false, "sender": "MAILER-DAEMON", "recipients": [{"address": "spoofed@victim-a.example", "delay_reason": "connect to mx.victim-a.example[192.0.2.10]:25: Connection timed out"}]}
not json at all
{"queue_name": "hold", "queue_id": "5C3A52D1B9", "arrival_time": 1700000100, "message_size": 900, "sender": "alice@example.test", "recipients": [{"address": "bob@example.net"}, {"address": "carol@example.net"}], "some_future_field": [1,2,3]}
{"queue_name": "active", "queue_id": "4B2F41C0A8", "arrival_time": 1700000000, "message_size": 2130, "sender": "MAILER-DAEMON", "recipients": [{"address": "spoofed@victim-a.example"}]}
"#;

    #[test]
    fn parses_dedups_and_keeps_problems() {
        let snap = parse_stream(LINES.as_bytes(), "MAILER-DAEMON").expect("read");
        assert_eq!(snap.len(), 2);
        assert_eq!(snap.duplicates, 1);
        assert_eq!(snap.problems.len(), 1);
        assert_eq!(snap.problems[0].line, 2);
        assert!(snap.problems[0].snippet.starts_with("not json"));
        // The later line wins: the message moved to active while the queue was listed.
        assert_eq!(snap.messages[0].queue, QueueName::Active);
        assert!(snap.messages[0].null_sender);
        assert!(!snap.messages[1].null_sender);
        assert_eq!(snap.messages[1].recipients.len(), 2);
        assert_eq!(snap.count(&QueueName::Hold).recipients, 2);
    }

    /// Extreme arrival times and sizes from a crafted listing are clamped: the total size
    /// does not wrap, ages stay ordered, `age:>1h` still finds the oldest message, and no
    /// date is printed from a wrapped year.
    #[test]
    fn extreme_times_and_sizes_are_clamped() {
        use crate::model::filter::{Filter, select};
        use crate::model::message::{MAX_ARRIVAL_TIME, MAX_MESSAGE_SIZE};
        let line = |id: &str, t: i64, size: u64| {
            format!(
                r#"{{"queue_name":"deferred","queue_id":"{id}","arrival_time":{t},"message_size":{size},"sender":"x@y.example","recipients":[{{"address":"a@b.example"}}]}}"#
            ) + "\n"
        };
        let text = line("AAAA1", i64::MIN, u64::MAX)
            + &line("AAAA2", i64::MAX, u64::MAX)
            + &line("AAAA3", 1_700_000_000, 1000);
        let snap = parse_stream(text.as_bytes(), "MAILER-DAEMON").expect("read");
        assert_eq!(snap.len(), 3);
        assert_eq!(snap.messages[0].arrival_time, 0);
        assert_eq!(snap.messages[1].arrival_time, MAX_ARRIVAL_TIME);
        assert_eq!(snap.messages[0].size, MAX_MESSAGE_SIZE);
        assert_eq!(snap.total_size(), 2 * MAX_MESSAGE_SIZE + 1000);
        let now = 1_700_010_000;
        assert!(snap.messages[0].age(now) > snap.messages[2].age(now));
        assert!(snap.messages[0].age(i64::MAX) > 0, "saturates, never wraps");
        let filter = Filter::parse("age:>1h").expect("filter");
        let sel = select(&snap, &filter, now);
        assert_eq!(sel.indices, vec![0, 2]);
        let date = crate::model::time::format_utc(snap.messages[1].arrival_time);
        assert!(date.starts_with("9999-12-31"), "{date}");
    }

    #[test]
    fn null_sender_follows_configuration() {
        let line = r#"{"queue_name":"deferred","queue_id":"AB12","arrival_time":1,"message_size":1,"sender":"double-bounce","recipients":[]}"#;
        let snap = parse_stream(line.as_bytes(), "double-bounce").expect("read");
        assert!(snap.messages[0].null_sender);
        let snap = parse_stream(line.as_bytes(), "MAILER-DAEMON").expect("read");
        assert!(!snap.messages[0].null_sender);
    }

    #[test]
    fn hostile_lines_are_sanitized_in_problems() {
        let snap = parse_stream("\u{1b}]52;c;AAAA\u{7}garbage\n".as_bytes(), "MAILER-DAEMON")
            .expect("read");
        assert_eq!(snap.problems.len(), 1);
        assert!(!snap.problems[0].snippet.contains('\u{1b}'));
    }

    #[test]
    fn invalid_queue_ids_are_problems() {
        let line = r#"{"queue_name":"deferred","queue_id":"../../etc","arrival_time":1,"message_size":1,"sender":"x","recipients":[]}"#;
        let snap = parse_stream(line.as_bytes(), "MAILER-DAEMON").expect("read");
        assert!(snap.is_empty());
        assert_eq!(snap.problems.len(), 1);
    }
}
