//! qshape's view of the queue: domains × doubling age buckets.
//!
//! `qshape(1)` (Postfix's own tool) prints one row per destination domain (or, with `-s`,
//! per sender domain) and one column per age bucket: `T` (total), then `5 10 20 40 80 160
//! 320 640 1280 1280+` minutes, each bucket twice as wide as the one before. Every Postfix
//! admin reads that layout at a glance: a row whose counts sit on the left is a fresh
//! surge, one whose counts sit on the right is a destination that has been failing for
//! a day. This module reproduces qshape's numbers from a listing, so that
//! `mailq-tui summary --shape queue:deferred` and `qshape deferred` agree, and draws
//! qshape's table.
//!
//! What qshape counts, read from its source (Postfix 3.7):
//! - by recipient domain: one count per *undelivered recipient* (the listing shows only
//!   those); with `-s`, one count per message, by sender domain;
//! - messages that list no recipient are skipped in both modes;
//! - an address is lower-cased; the null sender is `MAILER-DAEMON`; the domain is what
//!   follows the last `@` (an address without `@` is its own "domain"); `..` becomes `.`
//!   and one leading and one trailing dot are dropped;
//! - age is measured from the arrival time: bucket `5` is `[0, 5)` minutes, `10` is
//!   `[5, 10)`, …, `1280` is `[640, 1280)`, `1280+` is everything older (and a message
//!   from the future counts as new);
//! - rows are sorted by total, largest first, then by the length of the domain; the
//!   `TOTAL` row comes first.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

use super::Snapshot;
use super::reason::{PtrMap, ptr_key};
use super::text;

/// Number of age buckets (qshape's default `-b 10`).
pub const BUCKETS: usize = 10;

/// The width of qshape's first bucket, in minutes (its default `-t 5`).
pub const TICK_MINUTES: i64 = 5;

/// Column headings after `T`, as qshape prints them.
pub const BUCKET_LABELS: [&str; BUCKETS] = [
    "5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+",
];

/// qshape's screen width (its default `-w 80`) and the narrowest domain column it allows.
pub const WIDTH: usize = 80;
const MIN_DOMAIN_WIDTH: usize = 18;

/// The bucket (0-based: 0 is `[0, 5)` minutes, 9 is `1280+`) of a message `age_secs` old.
///
/// qshape computes `2 + int(log2(age / 5 min))`; this is the same in integers, so exact
/// bucket boundaries do not depend on floating-point rounding.
#[must_use]
pub fn age_bucket(age_secs: i64) -> usize {
    let tick = TICK_MINUTES * 60;
    if age_secs < tick {
        return 0;
    }
    let mut bucket = 1;
    let mut limit = 2 * tick;
    while bucket < BUCKETS - 1 && age_secs >= limit {
        bucket += 1;
        limit = limit.saturating_mul(2);
    }
    bucket
}

/// Messages at `indices` of `snap` per age bucket (one count per message): the groups
/// pane's sparkline, youngest bucket first.
#[must_use]
pub fn age_histogram(snap: &Snapshot, indices: &[u32], now: i64) -> [u32; BUCKETS] {
    let mut b = [0u32; BUCKETS];
    for &i in indices {
        if let Some(m) = snap.messages.get(i as usize) {
            let k = age_bucket(m.age(now));
            b[k] = b[k].saturating_add(1);
        }
    }
    b
}

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShapeBy {
    /// Destination (recipient) domains, one count per recipient: plain `qshape`.
    #[default]
    RecipientDomain,
    /// Sender domains, one count per message: `qshape -s`.
    SenderDomain,
}

impl ShapeBy {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::RecipientDomain => "rcpt-domain",
            Self::SenderDomain => "sender-domain",
        }
    }

    /// The other one (the TUI's `s` key).
    #[must_use]
    pub fn toggled(self) -> Self {
        match self {
            Self::RecipientDomain => Self::SenderDomain,
            Self::SenderDomain => Self::RecipientDomain,
        }
    }

    /// A filter term selecting exactly the mail of one row's domain: `user@domain` or,
    /// for an address without `@` (qshape shows a local address as its own domain), the
    /// address itself.
    #[must_use]
    pub fn filter_term(self, domain: &str) -> String {
        let field = match self {
            Self::RecipientDomain => "rcpt",
            Self::SenderDomain if domain == NULL_SENDER => return "null".to_owned(),
            Self::SenderDomain => "sender",
        };
        let escaped = regex::escape(domain).replace('/', "\\/");
        format!("{field}:/(^|@){escaped}$/")
    }
}

/// How qshape names the null sender.
pub const NULL_SENDER: &str = "MAILER-DAEMON";

/// qshape's domain of an address (see the module header). `null` is the null sender.
#[must_use]
pub fn domain_of(addr: &str, null: bool) -> String {
    if null || addr.is_empty() {
        return NULL_SENDER.to_owned();
    }
    let lower = addr.to_lowercase();
    let d = match lower.rfind('@') {
        Some(i) => &lower[i + 1..],
        None => lower.as_str(),
    };
    let d = d.replace("..", ".");
    // `s/\.?(.+?)\.?$/$1/`: at most one dot off each end, never the whole string.
    let mut s = d.as_str();
    if s.len() > 1 && s.starts_with('.') {
        s = &s[1..];
    }
    if s.len() > 1 && s.ends_with('.') {
        s = &s[..s.len() - 1];
    }
    s.to_owned()
}

/// One row: a domain's count in total and per age bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShapeRow {
    /// The domain (raw; sanitized when drawn).
    pub domain: Arc<str>,
    pub total: u64,
    pub buckets: [u64; BUCKETS],
}

impl ShapeRow {
    fn new(domain: Arc<str>) -> Self {
        Self {
            domain,
            total: 0,
            buckets: [0; BUCKETS],
        }
    }

    fn add(&mut self, bucket: usize) {
        self.total += 1;
        self.buckets[bucket] += 1;
    }
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shape {
    pub by: ShapeBy,
    /// The `TOTAL` row.
    pub total: ShapeRow,
    /// One row per domain, qshape's order.
    pub rows: Vec<ShapeRow>,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            by: ShapeBy::default(),
            total: ShapeRow::new(Arc::from("TOTAL")),
            rows: Vec::new(),
        }
    }
}

/// Count the messages at `indices` of `snap` as qshape would, ages measured at `now`.
#[must_use]
pub fn shape(snap: &Snapshot, indices: &[u32], by: ShapeBy, now: i64) -> Shape {
    let mut rows: Vec<ShapeRow> = Vec::new();
    let mut by_domain: HashMap<String, usize> = HashMap::new();
    // Domains are computed once per distinct interned address (a storm repeats a few).
    let mut cache: PtrMap<usize> = PtrMap::default();
    let mut total = ShapeRow::new(Arc::from("TOTAL"));
    let mut row_of = |addr: &Arc<str>, null: bool, rows: &mut Vec<ShapeRow>| -> usize {
        let key = if null { 0 } else { ptr_key(addr) };
        if let Some(&r) = cache.get(&key) {
            return r;
        }
        let d = domain_of(addr, null);
        let r = *by_domain.entry(d).or_insert_with_key(|d| {
            rows.push(ShapeRow::new(Arc::from(d.as_str())));
            rows.len() - 1
        });
        cache.insert(key, r);
        r
    };
    for &i in indices {
        let Some(m) = snap.messages.get(i as usize) else {
            continue;
        };
        if m.recipients.is_empty() {
            continue;
        }
        let b = age_bucket(m.age(now));
        match by {
            ShapeBy::SenderDomain => {
                let r = row_of(&m.sender, m.null_sender, &mut rows);
                rows[r].add(b);
                total.add(b);
            }
            ShapeBy::RecipientDomain => {
                for rcpt in &m.recipients {
                    let r = row_of(&rcpt.address, false, &mut rows);
                    rows[r].add(b);
                    total.add(b);
                }
            }
        }
    }
    rows.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.domain.len().cmp(&b.domain.len()))
            .then(a.domain.cmp(&b.domain))
    });
    Shape { by, total, rows }
}

/// Column widths as qshape computes them: each wide enough for its heading and the
/// `TOTAL` count plus one space, at least 3; the domain column takes the rest of `width`
/// (at least 18).
#[must_use]
pub fn column_widths(total: &ShapeRow, width: usize) -> (usize, [usize; BUCKETS + 1]) {
    let mut cols = [0; BUCKETS + 1];
    for (i, c) in cols.iter_mut().enumerate() {
        let (count, head) = if i == 0 {
            (total.total, "T")
        } else {
            (total.buckets[i - 1], BUCKET_LABELS[i - 1])
        };
        let l = count.to_string().len().max(head.len());
        *c = if l > 2 { l + 1 } else { 3 };
    }
    let used: usize = cols.iter().sum();
    (width.saturating_sub(used).max(MIN_DOMAIN_WIDTH), cols)
}

/// A domain right-aligned in `w` terminal columns, or its tail behind `+` when too long
/// (qshape). Wide (East-Asian) characters count as two columns.
#[must_use]
pub fn fit_domain(domain: &str, w: usize) -> String {
    use unicode_width::UnicodeWidthChar as _;
    let safe = text::sanitize(domain);
    let width: usize = safe.chars().map(|c| c.width().unwrap_or(0)).sum();
    if width <= w {
        return format!("{}{safe}", " ".repeat(w - width));
    }
    let mut tail = Vec::new();
    let mut used = 1;
    for c in safe.chars().rev() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            break;
        }
        used += cw;
        tail.push(c);
    }
    let tail: String = tail.into_iter().rev().collect();
    format!("{}+{tail}", " ".repeat(w - used))
}

impl Shape {
    /// qshape's table: a heading line, the `TOTAL` row, then at most `top` domains
    /// (`None`: all of them, as qshape prints when its output is not a terminal).
    #[must_use]
    pub fn table(&self, width: usize, top: Option<usize>) -> String {
        let (dw, cols) = column_widths(&self.total, width);
        let mut out = String::new();
        let _ = write!(out, "{:dw$}", "");
        for (i, w) in cols.iter().enumerate() {
            let head = if i == 0 { "T" } else { BUCKET_LABELS[i - 1] };
            let _ = write!(out, "{head:>w$}");
        }
        out.push('\n');
        let shown = top.unwrap_or(usize::MAX);
        for row in std::iter::once(&self.total).chain(self.rows.iter().take(shown)) {
            out.push_str(&fit_domain(&row.domain, dw));
            for (i, w) in cols.iter().enumerate() {
                let n = if i == 0 {
                    row.total
                } else {
                    row.buckets[i - 1]
                };
                let _ = write!(out, "{n:>w$}");
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Message, QueueId, QueueName, Recipient};

    fn msg(id: &str, age_min: i64, sender: &str, rcpts: &[&str]) -> Message {
        Message {
            queue_id: QueueId::new(id),
            queue: QueueName::Deferred,
            arrival_time: 1_000_000 - age_min * 60,
            size: 1000,
            sender: Arc::from(if sender.is_empty() {
                "MAILER-DAEMON"
            } else {
                sender
            }),
            null_sender: sender.is_empty(),
            forced_expire: false,
            next_retry: None,
            recipients: rcpts
                .iter()
                .map(|r| Recipient::new(Arc::from(*r), None))
                .collect(),
        }
    }

    fn snap(msgs: Vec<Message>) -> Snapshot {
        Snapshot::new(msgs, vec![], 0, 1_000_000, std::time::Duration::ZERO)
    }

    fn all(s: &Snapshot) -> Vec<u32> {
        (0..u32::try_from(s.len()).unwrap()).collect()
    }

    #[test]
    fn buckets_double_like_qshape() {
        // qshape: 1 if m < 1 else 2 + int(log2(m)), m = age / 5 min, capped at 10.
        let perl = |secs: i64| -> usize {
            #[allow(clippy::cast_precision_loss)]
            let m = secs as f64 / 300.0;
            if m < 1.0 {
                return 0;
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let b = 2 + (m.ln() / 2f64.ln()) as usize;
            b.min(10) - 1
        };
        for secs in (-100..400_000).step_by(7).chain([
            299, 300, 599, 600, 1199, 1200, 76_799, 76_800, 38_399, 38_400,
        ]) {
            assert_eq!(age_bucket(secs), perl(secs), "age {secs} s");
        }
        assert_eq!(age_bucket(i64::MAX), 9);
        // The limits `group::AGE_BUCKETS` names (and the metrics use) are these buckets.
        for (i, (lim, _)) in crate::model::group::AGE_BUCKETS.iter().enumerate().take(9) {
            assert_eq!(age_bucket(lim * 60 - 1), i);
            assert_eq!(age_bucket(lim * 60), i + 1);
        }
        assert_eq!(age_bucket(5 * 86_400), 9);
    }

    #[test]
    fn histogram_tells_a_fresh_storm_from_an_old_backlog() {
        // Five days of backlog plus a storm of the last hour: the backlog sits in the last
        // bucket, the storm in the first ones, instead of everything in one bucket.
        let mut msgs: Vec<Message> = (0..50)
            .map(|i| msg(&format!("S{i}"), i % 60, "", &["a@x.example"]))
            .collect();
        msgs.extend((0..5).map(|d| msg(&format!("B{d}"), d * 1440 + 1500, "", &["a@x.example"])));
        let s = snap(msgs);
        let h = age_histogram(&s, &all(&s), 1_000_000);
        assert_eq!(h.iter().sum::<u32>(), 55);
        assert_eq!(h[9], 5);
        assert_eq!(h[0] + h[1] + h[2] + h[3] + h[4], 50);
    }

    #[test]
    fn domains_as_qshape_normalises_them() {
        assert_eq!(domain_of("", true), "MAILER-DAEMON");
        assert_eq!(domain_of("MAILER-DAEMON", true), "MAILER-DAEMON");
        assert_eq!(domain_of("User@Example.COM", false), "example.com");
        assert_eq!(domain_of("a@b@c.example", false), "c.example");
        assert_eq!(domain_of("root", false), "root");
        assert_eq!(domain_of("x@.a..b.", false), "a.b");
        assert_eq!(domain_of("x@.", false), ".");
        assert_eq!(domain_of("x@...", false), ".");
    }

    #[test]
    fn counts_recipients_or_senders_by_age() {
        let s = snap(vec![
            msg("A1", 0, "", &["a@x.example", "b@x.example", "c@y.example"]),
            msg("A2", 7, "bob@Y.example", &["d@y.example"]),
            msg("A3", 3000, "", &["e@x.example"]),
            msg("A4", 30, "bob@y.example", &[]),
        ]);
        let r = shape(&s, &all(&s), ShapeBy::RecipientDomain, 1_000_000);
        assert_eq!(r.total.total, 5);
        assert_eq!(r.total.buckets, [3, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        let names: Vec<_> = r.rows.iter().map(|x| &*x.domain).collect();
        assert_eq!(names, ["x.example", "y.example"]);
        assert_eq!(r.rows[0].buckets, [2, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(r.rows[1].buckets, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        let s2 = shape(&s, &all(&s), ShapeBy::SenderDomain, 1_000_000);
        assert_eq!(s2.total.total, 3, "A4 has no recipient: skipped");
        let names: Vec<_> = s2.rows.iter().map(|x| (&*x.domain, x.total)).collect();
        assert_eq!(names, [("MAILER-DAEMON", 2), ("y.example", 1)]);
    }

    #[test]
    fn table_has_qshape_layout() {
        let s = snap(vec![
            msg("A1", 1, "", &["a@victim-a.example"]),
            msg("A2", 700, "", &["b@victim-a.example", "c@b.example"]),
        ]);
        let r = shape(&s, &all(&s), ShapeBy::RecipientDomain, 1_000_000);
        let t = r.table(WIDTH, None);
        // Columns as wide as their heading plus one space (at least 3); the domain column
        // takes the rest of 80. tests/live_ops.rs compares with qshape itself.
        let expected =
            "                                         T  5 10 20 40 80 160 320 640 1280 1280+
                                  TOTAL  3  1  0  0  0  0   0   0   0    2     0
                       victim-a.example  2  1  0  0  0  0   0   0   0    1     0
                              b.example  1  0  0  0  0  0   0   0   0    1     0
";
        assert_eq!(t, expected);
        for line in t.lines() {
            assert_eq!(line.chars().count(), WIDTH, "{line:?}");
        }
        assert_eq!(r.table(WIDTH, Some(1)).lines().count(), 3);
    }

    #[test]
    fn long_domains_keep_their_tail_and_hostile_text_is_defused() {
        assert_eq!(fit_domain("abc", 5), "  abc");
        assert_eq!(fit_domain("a-very-long.example", 8), "+example");
        assert!(!fit_domain("\u{1b}[2Jx.example", 30).contains('\u{1b}'));
        // Two columns per wide character, padded or cut by columns.
        assert_eq!(fit_domain("例え.jp", 10), "   例え.jp");
        assert_eq!(fit_domain("例え.jp", 6), "+え.jp");
        assert_eq!(fit_domain("例え例.jp", 6), "+例.jp");
        assert_eq!(fit_domain("例え例.jp", 5), " +.jp");
    }

    #[test]
    fn wide_counts_widen_their_column() {
        let msgs: Vec<Message> = (0..1234)
            .map(|i| msg(&format!("B{i}"), 0, "", &["z@w.example"]))
            .collect();
        let s = snap(msgs);
        let r = shape(&s, &all(&s), ShapeBy::RecipientDomain, 1_000_000);
        let (dw, cols) = column_widths(&r.total, WIDTH);
        assert_eq!(cols[0], 5, "\"1234\" plus one space");
        assert_eq!(cols[1], 5);
        assert_eq!(dw + cols.iter().sum::<usize>(), WIDTH);
    }

    #[test]
    fn filter_terms_select_one_row() {
        use crate::model::filter::Filter;
        for (by, d) in [
            (ShapeBy::RecipientDomain, "x.example"),
            (ShapeBy::SenderDomain, "MAILER-DAEMON"),
            (ShapeBy::SenderDomain, "y.example"),
        ] {
            assert!(Filter::parse(&by.filter_term(d)).is_ok(), "{by:?} {d}");
        }
        let s = snap(vec![
            msg("A1", 0, "", &["a@x.example", "c@sub.x.example"]),
            msg("A2", 0, "bob@y.example", &["d@xx.example"]),
        ]);
        let f = Filter::parse(&ShapeBy::RecipientDomain.filter_term("x.example")).unwrap();
        let sel = crate::model::select(&s, &f, 0);
        assert_eq!(sel.indices, [0]);
        assert_eq!(sel.partial, 1, "A1 also has sub.x.example");
    }
}
