//! `mailq-tui check`: the Nagios / Icinga / Checkmk plugin, pure part.
//!
//! Thresholds are `KEY=VALUE` lists (`-w deferred=500,age=2h -c deferred=5000,ndr-share=50%`).
//! As the monitoring-plugins guidelines define a plain threshold `N` (the range 0..N), a
//! value alerts when it is **above** N. The output is one line, `MAILQ STATE - text | perfdata`,
//! and the exit code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

use std::fmt::Write as _;

use crate::model::format::age as format_age;
use crate::model::format::thousands;
use crate::model::time::parse_duration;

use super::metrics::InstanceMetrics;
use crate::model::QueueName;

/// What a threshold can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKey {
    Deferred,
    Hold,
    Active,
    Incoming,
    Total,
    /// Oldest message in any queue, seconds.
    Age,
    /// NDRs in any queue.
    Ndrs,
    /// NDRs in deferred as a percentage of deferred.
    NdrShare,
}

impl CheckKey {
    const ALL: [(&'static str, CheckKey); 8] = [
        ("deferred", Self::Deferred),
        ("hold", Self::Hold),
        ("active", Self::Active),
        ("incoming", Self::Incoming),
        ("total", Self::Total),
        ("age", Self::Age),
        ("ndrs", Self::Ndrs),
        ("ndr-share", Self::NdrShare),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }

    /// The value measured for this key.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn measure(self, m: &InstanceMetrics) -> f64 {
        let q = |q: QueueName| m.queue(&q).map_or(0, |x| x.messages) as f64;
        match self {
            Self::Deferred => q(QueueName::Deferred),
            Self::Hold => q(QueueName::Hold),
            Self::Active => q(QueueName::Active),
            Self::Incoming => q(QueueName::Incoming) + q(QueueName::Maildrop),
            Self::Total => m.total_messages() as f64,
            Self::Age => m.oldest_age_secs() as f64,
            Self::Ndrs => m.ndrs() as f64,
            Self::NdrShare => m.ndr_share * 100.0,
        }
    }

    fn show(self, v: f64) -> String {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = v.max(0.0).round() as usize;
        match self {
            Self::Age => format_age(i64::try_from(n).unwrap_or(i64::MAX)),
            Self::NdrShare => format!("{v:.0}%"),
            _ => thousands(n),
        }
    }
}

/// Parsed `-w` / `-c` lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    pub pairs: Vec<(CheckKey, f64)>,
}

impl Thresholds {
    /// Parse `deferred=500,age=2h,ndr-share=50%` (empty → none).
    ///
    /// # Errors
    /// An unknown key, a value that does not fit its key, a key given twice.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut pairs: Vec<(CheckKey, f64)> = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| format!("`{item}`: expected KEY=VALUE, e.g. deferred=500"))?;
            let key = CheckKey::ALL
                .iter()
                .find(|(n, _)| *n == k.trim())
                .map(|(_, key)| *key)
                .ok_or_else(|| {
                    let names: Vec<&str> = CheckKey::ALL.iter().map(|(n, _)| *n).collect();
                    format!(
                        "unknown threshold `{}`: expected one of {}",
                        k.trim(),
                        names.join(", ")
                    )
                })?;
            let v = v.trim();
            let value = match key {
                CheckKey::Age => parse_duration(v).map(|s| {
                    #[allow(clippy::cast_precision_loss)]
                    let f = s as f64;
                    f
                }),
                CheckKey::NdrShare => v
                    .strip_suffix('%')
                    .unwrap_or(v)
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=100.0).contains(p)),
                _ => v.parse::<u64>().ok().map(|n| {
                    #[allow(clippy::cast_precision_loss)]
                    let f = n as f64;
                    f
                }),
            }
            .ok_or_else(|| {
                let want = match key {
                    CheckKey::Age => "a duration like 30m, 2h, 1d",
                    CheckKey::NdrShare => "a percentage like 50%",
                    _ => "a whole number",
                };
                format!("{}={v}: expected {want}", key.name())
            })?;
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(format!("threshold `{}` given twice", key.name()));
            }
            pairs.push((key, value));
        }
        Ok(Self { pairs })
    }

    fn get(&self, key: CheckKey) -> Option<f64> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// The plugin states, with their exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
}

impl Status {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Warning => "WARNING",
            Self::Critical => "CRITICAL",
            Self::Unknown => "UNKNOWN",
        }
    }

    #[must_use]
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One perfdata number: `'label'=value[UOM];[warn];[crit];[min];[max]`.
fn perf(
    out: &mut String,
    label: &str,
    v: f64,
    uom: &str,
    w: Option<f64>,
    c: Option<f64>,
    max: Option<f64>,
) {
    let n = |x: Option<f64>| x.map(|x| format!("{x}")).unwrap_or_default();
    let _ = write!(out, " {label}={v}{uom};{};{};0;{}", n(w), n(c), n(max));
}

/// Evaluate and format: the status and the whole output line (without a newline).
#[must_use]
pub fn evaluate(m: &InstanceMetrics, warn: &Thresholds, crit: &Thresholds) -> (Status, String) {
    let mut status = Status::Ok;
    let mut problems: Vec<String> = Vec::new();
    for (_, key) in CheckKey::ALL {
        let v = key.measure(m);
        let (w, c) = (warn.get(key), crit.get(key));
        let level = if c.is_some_and(|c| v > c) {
            Some((Status::Critical, c))
        } else if w.is_some_and(|w| v > w) {
            Some((Status::Warning, w))
        } else {
            None
        };
        if let Some((s, Some(t))) = level {
            status = status.max(s);
            problems.push(format!(
                "{} {} > {} ({})",
                key.name(),
                key.show(v),
                key.show(t),
                s.label()
            ));
        }
    }
    let deferred = CheckKey::Deferred.measure(m);
    let mut text = if problems.is_empty() {
        format!(
            "{} deferred, {} in all queues, oldest {}, NDR share {}",
            CheckKey::Deferred.show(deferred),
            CheckKey::Total.show(CheckKey::Total.measure(m)),
            CheckKey::Age.show(CheckKey::Age.measure(m)),
            CheckKey::NdrShare.show(CheckKey::NdrShare.measure(m)),
        )
    } else {
        problems.join(", ")
    };
    if m.storm {
        text.push_str(" [NDR storm]");
    }
    let mut line = format!("MAILQ {} - {}", status.label(), text.replace('|', "/"));
    line.push_str(" |");
    for (key, label, uom) in [
        (CheckKey::Deferred, "deferred", ""),
        (CheckKey::Hold, "hold", ""),
        (CheckKey::Active, "active", ""),
        (CheckKey::Incoming, "incoming", ""),
        (CheckKey::Total, "total", ""),
        (CheckKey::Ndrs, "ndrs", ""),
    ] {
        perf(
            &mut line,
            label,
            key.measure(m),
            uom,
            warn.get(key),
            crit.get(key),
            None,
        );
    }
    perf(
        &mut line,
        "age",
        CheckKey::Age.measure(m),
        "s",
        warn.get(CheckKey::Age),
        crit.get(CheckKey::Age),
        None,
    );
    let share = (CheckKey::NdrShare.measure(m) * 10.0).round() / 10.0;
    perf(
        &mut line,
        "ndr_share",
        share,
        "%",
        warn.get(CheckKey::NdrShare),
        crit.get(CheckKey::NdrShare),
        Some(100.0),
    );
    #[allow(clippy::cast_precision_loss)]
    let bytes: f64 = m.queues.iter().map(|q| q.size_bytes as f64).sum();
    perf(&mut line, "size", bytes, "B", None, None, None);
    (status, line)
}

/// The UNKNOWN line when Postfix cannot be listed (or the arguments are wrong).
#[must_use]
pub fn unknown(why: &str) -> String {
    let one_line: String = why
        .chars()
        .map(|c| if c.is_control() || c == '|' { ' ' } else { c })
        .collect();
    format!(
        "MAILQ UNKNOWN - {}",
        one_line.trim().trim_end_matches("\\n").trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(deferred: usize, ndrs: usize, oldest: i64) -> InstanceMetrics {
        let mut m = InstanceMetrics::default();
        let d = &mut m.queues[QueueName::Deferred.index()];
        d.messages = deferred;
        d.ndrs = ndrs;
        d.oldest_age_secs = oldest;
        d.size_bytes = 2048;
        #[allow(clippy::cast_precision_loss)]
        {
            m.ndr_share = if deferred == 0 {
                0.0
            } else {
                ndrs as f64 / deferred as f64
            };
        }
        m
    }

    fn t(s: &str) -> Thresholds {
        Thresholds::parse(s).expect(s)
    }

    #[test]
    fn parses_thresholds() {
        let w = t("deferred=500, age=2h,ndr-share=50%");
        assert_eq!(
            w.pairs,
            vec![
                (CheckKey::Deferred, 500.0),
                (CheckKey::Age, 7200.0),
                (CheckKey::NdrShare, 50.0)
            ]
        );
        assert_eq!(t("").pairs, vec![]);
        assert!(
            Thresholds::parse("deferred")
                .unwrap_err()
                .contains("KEY=VALUE")
        );
        assert!(
            Thresholds::parse("defered=5")
                .unwrap_err()
                .contains("unknown threshold `defered`")
        );
        assert!(
            Thresholds::parse("age=soon")
                .unwrap_err()
                .contains("duration")
        );
        assert!(
            Thresholds::parse("ndr-share=150%")
                .unwrap_err()
                .contains("percentage")
        );
        assert!(
            Thresholds::parse("deferred=-1")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            Thresholds::parse("deferred=1,deferred=2")
                .unwrap_err()
                .contains("twice")
        );
    }

    #[test]
    fn ok_warning_critical() {
        let (w, c) = (t("deferred=500,age=2h"), t("deferred=5000,ndr-share=50%"));
        let (s, line) = evaluate(&metrics(0, 0, 0), &w, &c);
        assert_eq!(s, Status::Ok);
        assert_eq!(
            line,
            "MAILQ OK - 0 deferred, 0 in all queues, oldest 0s, NDR share 0% | deferred=0;500;5000;0; hold=0;;;0; active=0;;;0; incoming=0;;;0; total=0;;;0; ndrs=0;;;0; age=0s;7200;;0; ndr_share=0%;;50;0;100 size=2048B;;;0;"
        );
        // Exactly at the threshold is still OK (the range 0..N includes N).
        assert_eq!(evaluate(&metrics(500, 0, 60), &w, &c).0, Status::Ok);
        let (s, line) = evaluate(&metrics(501, 0, 60), &w, &c);
        assert_eq!(s, Status::Warning);
        assert!(
            line.starts_with("MAILQ WARNING - deferred 501 > 500 (WARNING) |"),
            "{line}"
        );
        let (s, line) = evaluate(&metrics(600, 400, 3 * 3600), &w, &c);
        assert_eq!(s, Status::Critical);
        assert!(line.contains("age 3h > 2h (WARNING)"), "{line}");
        assert!(line.contains("ndr-share 67% > 50% (CRITICAL)"), "{line}");
        assert!(line.contains("ndr_share=66.7%;;50;0;100"), "{line}");
        assert_eq!(s.code(), 2);
    }

    #[test]
    fn unknown_is_one_line() {
        assert_eq!(
            unknown("postqueue: fatal\nx | y"),
            "MAILQ UNKNOWN - postqueue: fatal x   y"
        );
        assert_eq!(Status::Unknown.code(), 3);
    }
}
