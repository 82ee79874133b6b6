//! One row per Postfix host: the fleet overview's data, shared by `mailq-tui fleet` and the
//! TUI's fleet screen. Pure: built from a listing result, no IO.

use std::time::Duration;

use serde::Serialize;

use super::text::{sanitize, snippet};
use super::{QueueName, Snapshot};

/// A host is flagged as in an NDR storm from this many bounces (null-sender messages)…
pub const STORM_MIN_NDRS: usize = 100;
/// …when they are at least this share of its deferred queue. A handful of ordinary bounces
/// on a busy relay is not a storm; hundreds that make up most of `deferred` is.
pub const STORM_MIN_SHARE: f64 = 0.5;

/// The overview of one host after one listing attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetRow {
    /// The host's label.
    pub name: String,
    /// The adapter's description (`ssh mx1: postfix -c /etc/postfix`), or the host's name
    /// when it could not be reached.
    pub instance: String,
    /// True when the listing succeeded.
    pub up: bool,
    pub total: usize,
    pub maildrop: usize,
    pub incoming: usize,
    pub active: usize,
    pub deferred: usize,
    pub hold: usize,
    /// Messages from the null sender (NDRs, bounces), any queue.
    pub ndrs: usize,
    /// See [`STORM_MIN_NDRS`] and [`STORM_MIN_SHARE`].
    pub storm: bool,
    /// Messages now minus messages at the previous successful listing of this host.
    pub growth: Option<i64>,
    /// The last error, sanitized; kept while the host is up again only until the next
    /// successful listing replaces the row.
    pub error: Option<String>,
    /// Unix time of the listing (of the last successful one when down).
    pub taken_at: Option<i64>,
    /// How long the attempt took, in milliseconds (a down host: until it failed).
    pub took_ms: u64,
}

impl FleetRow {
    /// The row for a successful listing; `previous` is this host's row from the last refresh.
    #[must_use]
    pub fn from_snapshot(
        name: &str,
        instance: &str,
        snap: &Snapshot,
        took: Duration,
        previous: Option<&FleetRow>,
    ) -> Self {
        let count = |q: QueueName| snap.count(&q).messages;
        let deferred = count(QueueName::Deferred);
        let ndrs = snap.messages.iter().filter(|m| m.null_sender).count();
        #[allow(clippy::cast_precision_loss)]
        let share = if deferred == 0 {
            0.0
        } else {
            ndrs as f64 / deferred as f64
        };
        let total = snap.len();
        Self {
            name: sanitize(name).into_owned(),
            instance: sanitize(instance).into_owned(),
            up: true,
            total,
            maildrop: count(QueueName::Maildrop),
            incoming: count(QueueName::Incoming),
            active: count(QueueName::Active),
            deferred,
            hold: count(QueueName::Hold),
            ndrs,
            storm: ndrs >= STORM_MIN_NDRS && share >= STORM_MIN_SHARE,
            growth: previous
                .filter(|p| p.up)
                .map(|p| signed(total) - signed(p.total)),
            error: None,
            taken_at: Some(snap.taken_at),
            took_ms: millis(took),
        }
    }

    /// The row for a failed attempt: the counts of the previous row are kept (marked down),
    /// so the screen does not forget what the host looked like before it went away.
    #[must_use]
    pub fn down(name: &str, error: &str, took: Duration, previous: Option<&FleetRow>) -> Self {
        let mut row = previous.cloned().unwrap_or_else(|| Self {
            name: sanitize(name).into_owned(),
            instance: sanitize(name).into_owned(),
            up: false,
            total: 0,
            maildrop: 0,
            incoming: 0,
            active: 0,
            deferred: 0,
            hold: 0,
            ndrs: 0,
            storm: false,
            growth: None,
            error: None,
            taken_at: None,
            took_ms: 0,
        });
        row.up = false;
        row.growth = None;
        row.error = Some(snippet(&sanitize(error), 300));
        row.took_ms = millis(took);
        row
    }
}

fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::postfix::parse::SnapshotBuilder;

    fn snapshot(ndrs: usize, others: usize, held: usize) -> Snapshot {
        let mut b = SnapshotBuilder::new("MAILER-DAEMON");
        let mut n = 0;
        let mut push = |queue: &str, sender: &str| {
            n += 1;
            let line = format!(
                r#"{{"queue_name":"{queue}","queue_id":"A{n:05}","arrival_time":1700000000,"message_size":1000,"forced_expire":false,"sender":"{sender}","recipients":[{{"address":"x@victim.example","delay_reason":"timed out"}}]}}"#
            );
            b.push_line(line.as_bytes());
        };
        for _ in 0..ndrs {
            push("deferred", "");
        }
        for _ in 0..others {
            push("deferred", "user@example.org");
        }
        for _ in 0..held {
            push("hold", "user@example.org");
        }
        b.finish()
    }

    #[test]
    fn counts_ndrs_and_storm_flag() {
        let snap = snapshot(150, 50, 3);
        let row = FleetRow::from_snapshot(
            "mx1",
            "ssh mx1: postfix",
            &snap,
            Duration::from_millis(12),
            None,
        );
        assert!(row.up);
        assert_eq!(
            (row.total, row.deferred, row.hold, row.ndrs),
            (203, 200, 3, 150)
        );
        assert!(row.storm, "150 of 200 deferred are NDRs");
        assert_eq!(row.growth, None);
        assert_eq!(row.took_ms, 12);
        let quiet = FleetRow::from_snapshot("mx2", "x", &snapshot(99, 0, 0), Duration::ZERO, None);
        assert!(!quiet.storm, "below the NDR minimum");
        let diluted =
            FleetRow::from_snapshot("mx3", "x", &snapshot(150, 200, 0), Duration::ZERO, None);
        assert!(!diluted.storm, "NDRs are under half of deferred");
    }

    #[test]
    fn growth_and_down_rows() {
        let before = FleetRow::from_snapshot("mx1", "i", &snapshot(10, 0, 0), Duration::ZERO, None);
        let after = FleetRow::from_snapshot(
            "mx1",
            "i",
            &snapshot(25, 0, 0),
            Duration::ZERO,
            Some(&before),
        );
        assert_eq!(after.growth, Some(15));
        let down = FleetRow::down(
            "mx1",
            "cannot reach \u{1b}[31m",
            Duration::from_secs(3),
            Some(&after),
        );
        assert!(!down.up);
        assert_eq!(down.total, 25, "last known counts are kept");
        assert_eq!(down.growth, None);
        assert!(down.error.as_deref().is_some_and(|e| !e.contains('\u{1b}')));
        let back =
            FleetRow::from_snapshot("mx1", "i", &snapshot(20, 0, 0), Duration::ZERO, Some(&down));
        assert_eq!(back.growth, None, "no growth across a gap");
        let never = FleetRow::down("mx9", "refused", Duration::ZERO, None);
        assert_eq!((never.up, never.total, never.taken_at), (false, 0, None));
    }
}
