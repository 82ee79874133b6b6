//! What `mailq-tui watch` measures about one Postfix instance, computed from one listing.
//!
//! Pure: a [`Snapshot`] (and the storm report built from it) in, numbers out. Every queue
//! is always present (an empty queue is 0, never a missing series), and the reason
//! families are cut to the top N plus `other`, so the label set stays bounded however
//! many distinct delay reasons a storm produces. Nothing here is per user or per address.

use std::collections::{HashMap, VecDeque};

use crate::model::fleet::{STORM_MIN_NDRS, STORM_MIN_SHARE};
use crate::model::group::AGE_BUCKETS;
use crate::model::reason::family;
use crate::model::storm::StormReport;
use crate::model::{QueueName, Snapshot};

/// The label value for every reason family outside the top N.
pub const OTHER_FAMILY: &str = "other";
/// Recent arrivals are counted over this many seconds (then given per minute).
pub const ARRIVAL_WINDOW_SECS: i64 = 300;
/// The number of qshape age buckets below the open-ended last one.
pub const AGE_BUCKET_COUNT: usize = AGE_BUCKETS.len() - 1;

/// The upper bounds of the age histogram, in seconds: qshape's 5, 10, 20, … 1280 minutes.
#[must_use]
pub fn age_bucket_bounds() -> [i64; AGE_BUCKET_COUNT] {
    let mut b = [0; AGE_BUCKET_COUNT];
    for (slot, (mins, _)) in b.iter_mut().zip(AGE_BUCKETS.iter()) {
        *slot = mins * 60;
    }
    b
}

/// One queue of one instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueMetrics {
    pub messages: usize,
    pub recipients: usize,
    pub size_bytes: u64,
    /// Age of the oldest message in seconds; 0 when the queue is empty.
    pub oldest_age_secs: i64,
    /// Cumulative counts: messages at most `age_bucket_bounds()[i]` seconds old.
    pub age_le: [u64; AGE_BUCKET_COUNT],
    /// Sum of all ages in seconds (the histogram's `_sum`).
    pub age_sum_secs: i64,
    /// Messages from the null sender (NDRs, bounces).
    pub ndrs: usize,
    /// Messages still queued that arrived in the last [`ARRIVAL_WINDOW_SECS`].
    pub recent_arrivals: usize,
}

impl QueueMetrics {
    /// Arrivals per minute over the arrival window (of messages still in this queue).
    #[must_use]
    pub fn arrivals_per_minute(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let per_min = self.recent_arrivals as f64 * 60.0 / ARRIVAL_WINDOW_SECS as f64;
        per_min
    }
}

/// Everything measured about one instance from one listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceMetrics {
    /// Unix time of the listing.
    pub taken_at: i64,
    /// Per queue, in [`QueueName::ALL`] order.
    pub queues: [QueueMetrics; 5],
    /// NDRs in `deferred` as a share of `deferred` (0–1); 0 when `deferred` is empty.
    pub ndr_share: f64,
    /// Recipients per delay-reason family, largest first: at most `top` families, then
    /// [`OTHER_FAMILY`] (always present, 0 when nothing is left over).
    pub reasons: Vec<(String, usize)>,
    /// The same rule as the fleet overview: many NDRs that make up most of `deferred`.
    pub storm: bool,
    /// Accounts flagged as compromised by the storm analysis; `None` when the queue
    /// contents could not be read (no root), so the count is unknown rather than 0.
    pub compromised_accounts: Option<usize>,
    /// Listing lines that could not be parsed.
    pub parse_problems: usize,
}

impl InstanceMetrics {
    /// Messages in all queues.
    #[must_use]
    pub fn total_messages(&self) -> usize {
        self.queues.iter().map(|q| q.messages).sum()
    }

    /// The metrics of one queue (`Other` queues are not measured).
    #[must_use]
    pub fn queue(&self, q: &QueueName) -> Option<&QueueMetrics> {
        self.queues.get(q.index()).filter(|_| q.index() < 5)
    }

    /// The oldest message in any queue, in seconds (0 when empty).
    #[must_use]
    pub fn oldest_age_secs(&self) -> i64 {
        self.queues
            .iter()
            .map(|q| q.oldest_age_secs)
            .max()
            .unwrap_or(0)
    }

    /// NDRs in any queue.
    #[must_use]
    pub fn ndrs(&self) -> usize {
        self.queues.iter().map(|q| q.ndrs).sum()
    }
}

/// Measure one listing. `storm` is the storm analysis of the same snapshot; its
/// compromised accounts count only when `contents_read` (the content index needs root).
#[must_use]
pub fn compute(
    snap: &Snapshot,
    now: i64,
    top_reasons: usize,
    storm: Option<&StormReport>,
    contents_read: bool,
) -> InstanceMetrics {
    let bounds = age_bucket_bounds();
    let mut m = InstanceMetrics {
        taken_at: now,
        parse_problems: snap.problems.len(),
        ..InstanceMetrics::default()
    };
    let mut families: HashMap<&str, usize> = HashMap::new();
    let mut computed: Vec<String> = Vec::new();
    let mut ndr_deferred = 0usize;
    for msg in &snap.messages {
        let i = msg.queue.index();
        let Some(q) = m.queues.get_mut(i).filter(|_| i < 5) else {
            continue;
        };
        let age = (now - msg.arrival_time).max(0);
        q.messages += 1;
        q.recipients += msg.recipients.len();
        q.size_bytes += msg.size;
        q.oldest_age_secs = q.oldest_age_secs.max(age);
        q.age_sum_secs += age;
        if let Some(first) = bounds.iter().position(|b| age <= *b) {
            for c in &mut q.age_le[first..] {
                *c += 1;
            }
        }
        if msg.null_sender {
            q.ndrs += 1;
            if msg.queue == QueueName::Deferred {
                ndr_deferred += 1;
            }
        }
        if age < ARRIVAL_WINDOW_SECS {
            q.recent_arrivals += 1;
        }
        for rc in &msg.recipients {
            if let Some(f) = &rc.family {
                *families.entry(f).or_default() += 1;
            } else if let Some(r) = &rc.delay_reason {
                // Recipients built by hand carry no family: compute it (rare).
                computed.push(family(r));
            }
        }
    }
    for f in &computed {
        *families.entry(f.as_str()).or_default() += 1;
    }
    let deferred = m.queues[QueueName::Deferred.index()].messages;
    #[allow(clippy::cast_precision_loss)]
    {
        m.ndr_share = if deferred == 0 {
            0.0
        } else {
            ndr_deferred as f64 / deferred as f64
        };
    }
    let mut ranked: Vec<(&str, usize)> = families.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let other: usize = ranked.iter().skip(top_reasons).map(|(_, n)| n).sum();
    m.reasons = ranked
        .into_iter()
        .take(top_reasons)
        .filter(|(f, _)| *f != OTHER_FAMILY)
        .map(|(f, n)| (f.to_owned(), n))
        .collect();
    m.reasons.push((OTHER_FAMILY.to_owned(), other));
    m.storm = m.ndrs() >= STORM_MIN_NDRS && m.ndr_share >= STORM_MIN_SHARE;
    m.compromised_accounts = storm
        .filter(|_| contents_read)
        .map(|r| r.accounts.iter().filter(|a| a.compromised).count());
    m
}

/// The largest share of wall time `watch` spends listing one instance.
pub const MAX_LISTING_SHARE: f64 = 0.10;

/// The cost of a listing to plan with: a new, larger cost counts at once (a queue that
/// suddenly takes longer must not be hammered), a smaller one only gradually.
#[must_use]
pub fn smoothed_cost(previous: Option<f64>, sample_secs: f64) -> f64 {
    previous.map_or(sample_secs, |p| {
        sample_secs.max(0.7 * p + 0.3 * sample_secs)
    })
}

/// Seconds from the start of one listing to the start of the next: at least `min_secs`,
/// and long enough that listing takes at most [`MAX_LISTING_SHARE`] of the time.
#[must_use]
pub fn next_interval(cost_secs: f64, min_secs: f64) -> f64 {
    (cost_secs / MAX_LISTING_SHARE).max(min_secs)
}

/// Message counts per queue over time, for growth rates. Pure: the caller adds a sample
/// per listing and asks for the growth over a window.
#[derive(Debug, Clone, Default)]
pub struct History {
    samples: VecDeque<(i64, [usize; 5])>,
    keep_secs: i64,
}

impl History {
    /// Keep samples for the longest window anyone asks about.
    #[must_use]
    pub fn new(keep_secs: u64) -> Self {
        Self {
            samples: VecDeque::new(),
            keep_secs: i64::try_from(keep_secs).unwrap_or(i64::MAX),
        }
    }

    /// Record one listing.
    pub fn push(&mut self, m: &InstanceMetrics) {
        let mut counts = [0; 5];
        for (c, q) in counts.iter_mut().zip(m.queues.iter()) {
            *c = q.messages;
        }
        // A clock step backwards: start over rather than compute nonsense.
        if self.samples.back().is_some_and(|(t, _)| *t > m.taken_at) {
            self.samples.clear();
        }
        self.samples.push_back((m.taken_at, counts));
        // Keep one sample at or before the window's start, so a full window is measurable.
        while self.samples.len() > 2
            && self
                .samples
                .get(1)
                .is_some_and(|(t, _)| *t <= m.taken_at - self.keep_secs)
        {
            self.samples.pop_front();
        }
    }

    /// Net growth of `queue` (None: all queues) over the last `window_secs`, in messages per
    /// minute: the count now minus the count at the window's start, divided by the whole
    /// window. Before a full window has passed, the oldest sample stands in for its start,
    /// still divided by the whole window, so a young history never exaggerates a rate.
    /// `None` with fewer than two samples.
    #[must_use]
    pub fn growth_per_minute(&self, queue: Option<&QueueName>, window_secs: u64) -> Option<f64> {
        let (now, last) = self.samples.back()?;
        let window = i64::try_from(window_secs).unwrap_or(i64::MAX).max(1);
        let start = now.saturating_sub(window);
        // The newest sample at or before the window's start, else the oldest one.
        let (t0, first) = self
            .samples
            .iter()
            .rev()
            .find(|(t, _)| *t <= start)
            .or_else(|| self.samples.front())?;
        if t0 == now {
            return None;
        }
        let count = |c: &[usize; 5]| match queue {
            Some(q) if q.index() < 5 => c[q.index()],
            Some(_) => 0,
            None => c.iter().sum(),
        };
        #[allow(clippy::cast_precision_loss)]
        let delta = count(last) as f64 - count(first) as f64;
        #[allow(clippy::cast_precision_loss)]
        let per_min = delta * 60.0 / window as f64;
        Some(per_min)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::model::{Message, QueueId, Recipient};

    const NOW: i64 = 1_700_000_000;

    fn msg(id: &str, queue: QueueName, age: i64, null: bool, reasons: &[&str]) -> Message {
        Message {
            queue_id: QueueId::new(id),
            queue,
            arrival_time: NOW - age,
            size: 1000,
            sender: Arc::from(if null {
                "MAILER-DAEMON"
            } else {
                "a@example.org"
            }),
            null_sender: null,
            forced_expire: false,
            next_retry: None,
            recipients: reasons
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    Recipient::new(
                        Arc::from(format!("r{i}@victim.example").as_str()),
                        (!r.is_empty()).then(|| Arc::from(*r)),
                    )
                })
                .collect(),
        }
    }

    fn snap(messages: Vec<Message>) -> Snapshot {
        Snapshot::new(messages, Vec::new(), 0, NOW, Duration::from_millis(5))
    }

    #[test]
    fn empty_queue_reports_zeros_for_every_queue() {
        let m = compute(&snap(Vec::new()), NOW, 5, None, false);
        assert_eq!(m.queues.len(), 5);
        assert!(m.queues.iter().all(|q| *q == QueueMetrics::default()));
        assert_eq!(m.reasons, vec![(OTHER_FAMILY.to_owned(), 0)]);
        assert!((m.ndr_share - 0.0).abs() < f64::EPSILON);
        assert!(!m.storm);
        assert_eq!(m.compromised_accounts, None);
    }

    #[test]
    fn counts_ages_and_qshape_buckets() {
        let timed_out = "connect to mx.victim.example[192.0.2.1]:25: Connection timed out";
        let m = compute(
            &snap(vec![
                msg("A1", QueueName::Deferred, 60, true, &[timed_out]),
                msg(
                    "A2",
                    QueueName::Deferred,
                    301,
                    true,
                    &[timed_out, timed_out],
                ),
                msg("A3", QueueName::Deferred, 100_000, false, &["x"]),
                msg("A4", QueueName::Hold, 10, false, &[""]),
            ]),
            NOW,
            5,
            None,
            false,
        );
        let d = &m.queues[QueueName::Deferred.index()];
        assert_eq!((d.messages, d.recipients, d.size_bytes), (3, 4, 3000));
        assert_eq!(d.oldest_age_secs, 100_000);
        assert_eq!(d.age_sum_secs, 60 + 301 + 100_000);
        // 60 s ≤ 5 min; 301 s ≤ 10 min; 100,000 s is beyond 1280 min (76,800 s).
        assert_eq!(d.age_le, [1, 2, 2, 2, 2, 2, 2, 2, 2]);
        assert_eq!(d.ndrs, 2);
        assert_eq!(d.recent_arrivals, 1);
        assert!((m.ndr_share - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.queues[QueueName::Hold.index()].messages, 1);
        assert_eq!(m.total_messages(), 4);
        assert_eq!(m.oldest_age_secs(), 100_000);
        // Three timed-out recipients fold into one family; "x" is its own.
        assert_eq!(m.reasons.len(), 3);
        assert_eq!(m.reasons[0].1, 3);
        assert_eq!(m.reasons[2], (OTHER_FAMILY.to_owned(), 0));
    }

    #[test]
    fn reason_families_are_capped_with_other() {
        let msgs: Vec<Message> = (0..30)
            .map(|i| {
                let reason = format!("host mx{i}.d{i}.example said: 550 no such user {i}");
                let reason: &str = Box::leak(reason.into_boxed_str());
                msg(
                    &format!("B{i:04}"),
                    QueueName::Deferred,
                    10,
                    false,
                    &[reason],
                )
            })
            .collect();
        let m = compute(&snap(msgs), NOW, 3, None, false);
        assert!(m.reasons.len() <= 4, "{:?}", m.reasons);
        assert_eq!(m.reasons.last().map(|r| r.0.as_str()), Some(OTHER_FAMILY));
        assert_eq!(m.reasons.iter().map(|r| r.1).sum::<usize>(), 30);
    }

    #[test]
    fn storm_flag_follows_the_fleet_rule() {
        let mut msgs: Vec<Message> = (0..STORM_MIN_NDRS)
            .map(|i| msg(&format!("C{i:05}"), QueueName::Deferred, 10, true, &["r"]))
            .collect();
        assert!(compute(&snap(msgs.clone()), NOW, 5, None, false).storm);
        // The same NDRs drowned in ordinary deferred mail are not a storm.
        msgs.extend(
            (0..STORM_MIN_NDRS * 2)
                .map(|i| msg(&format!("D{i:05}"), QueueName::Deferred, 10, false, &["r"])),
        );
        assert!(!compute(&snap(msgs), NOW, 5, None, false).storm);
    }

    #[test]
    fn compromised_count_is_unknown_without_contents() {
        let report = StormReport::default();
        let s = snap(Vec::new());
        assert_eq!(
            compute(&s, NOW, 5, Some(&report), false).compromised_accounts,
            None
        );
        assert_eq!(
            compute(&s, NOW, 5, Some(&report), true).compromised_accounts,
            Some(0)
        );
    }

    fn at(t: i64, deferred: usize) -> InstanceMetrics {
        let mut m = InstanceMetrics {
            taken_at: t,
            ..InstanceMetrics::default()
        };
        m.queues[QueueName::Deferred.index()].messages = deferred;
        m
    }

    #[test]
    fn growth_over_a_window() {
        let mut h = History::new(600);
        assert_eq!(h.growth_per_minute(None, 300), None);
        h.push(&at(0, 100));
        assert_eq!(h.growth_per_minute(None, 300), None);
        // 300 more in the first minute, measured over the whole 5-minute window: 60/min.
        h.push(&at(60, 400));
        let g = h.growth_per_minute(Some(&QueueName::Deferred), 300);
        assert!((g.unwrap_or_default() - 60.0).abs() < 1e-9, "{g:?}");
        assert_eq!(h.growth_per_minute(Some(&QueueName::Hold), 300), Some(0.0));
        // Flat for a full window afterwards: the growth falls to 0 once 0 s leaves it.
        for t in (120..=360).step_by(60) {
            h.push(&at(t, 400));
        }
        assert_eq!(h.growth_per_minute(None, 300), Some(0.0));
        // A purge shows as negative growth.
        h.push(&at(420, 0));
        assert!(h.growth_per_minute(None, 300).unwrap_or_default() < 0.0);
    }

    #[test]
    fn interval_keeps_listing_under_a_tenth_of_the_time() {
        assert!((next_interval(0.2, 15.0) - 15.0).abs() < 1e-9);
        assert!((next_interval(3.0, 15.0) - 30.0).abs() < 1e-9);
        let mut c = smoothed_cost(None, 1.0);
        assert!((c - 1.0).abs() < 1e-9);
        c = smoothed_cost(Some(c), 5.0);
        assert!((c - 5.0).abs() < 1e-9, "a slower listing counts at once");
        c = smoothed_cost(Some(c), 1.0);
        assert!(c > 3.0 && c < 5.0, "a faster one only gradually: {c}");
    }

    #[test]
    fn history_is_bounded_and_survives_clock_steps() {
        let mut h = History::new(120);
        for t in 0..1000 {
            h.push(&at(t, usize::try_from(t).unwrap_or(0)));
        }
        assert!(h.samples.len() <= 122, "{}", h.samples.len());
        h.push(&at(10, 5));
        assert_eq!(h.samples.len(), 1);
    }
}
