//! `mailq-tui check`: the Nagios / Icinga / Checkmk plugin, pure part.
//!
//! Thresholds are `KEY=RANGE` lists (`-w deferred=500,age=2h -c deferred=5000,ndr-share=50%`).
//! A range is read as the monitoring-plugins guidelines define it, with the key's own units
//! at each end (`2h`, `50%`): `N` alerts above N (or below 0), `N:` below N, `~:N` above N,
//! `N:M` outside N..M, and `@N:M` inside it (ends included). The output is one line,
//! `MAILQ STATE - text | perfdata`, and the exit code is 0 OK, 1 WARNING, 2 CRITICAL,
//! 3 UNKNOWN.

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

/// A threshold range of the monitoring-plugins guidelines: alert when the value is outside
/// `low..=high`, or inside it when `inside` (`@`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: f64,
    pub inside: bool,
}

impl Range {
    /// The plain threshold `N`: `0..=N`.
    #[must_use]
    pub fn upto(high: f64) -> Self {
        Self {
            low: 0.0,
            high,
            inside: false,
        }
    }

    /// Whether `v` alerts.
    #[must_use]
    pub fn alerts(&self, v: f64) -> bool {
        let within = v >= self.low && v <= self.high;
        within == self.inside
    }

    /// The range in perfdata form, in base units (`500`, `10:`, `~:20`, `@10:20`).
    fn perf(&self) -> String {
        let end = |x: f64| format!("{x}");
        let mut out = String::new();
        if self.inside {
            out.push('@');
        }
        if self.low == 0.0 && !self.inside && self.high.is_finite() {
            out.push_str(&end(self.high));
            return out;
        }
        if self.low.is_infinite() {
            out.push('~');
        } else {
            out.push_str(&end(self.low));
        }
        out.push(':');
        if self.high.is_finite() {
            out.push_str(&end(self.high));
        }
        out
    }

    /// What crossed, for the status text: `> 500`, `< 10`, `outside 10..20`, `inside 10..20`.
    fn crossed(&self, key: CheckKey, v: f64) -> String {
        let (lo, hi) = (key.show(self.low), key.show(self.high));
        if self.inside {
            return match (self.low.is_finite(), self.high.is_finite()) {
                (true, true) => format!("inside {lo}..{hi}"),
                (true, false) => format!(">= {lo}"),
                (false, true) => format!("<= {hi}"),
                (false, false) => "inside any range".to_owned(),
            };
        }
        if v > self.high {
            format!("> {hi}")
        } else {
            format!("< {lo}")
        }
    }
}

/// Parsed `-w` / `-c` lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    pub pairs: Vec<(CheckKey, Range)>,
}

impl Thresholds {
    /// Parse `deferred=500,age=2h,ndr-share=50%,hold=@1:10` (empty → none).
    ///
    /// # Errors
    /// An unknown key, a value that does not fit its key, a range whose start is above its
    /// end, a key given twice.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut pairs: Vec<(CheckKey, Range)> = Vec::new();
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
            let range = parse_range(key, v.trim())?;
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(format!("threshold `{}` given twice", key.name()));
            }
            pairs.push((key, range));
        }
        Ok(Self { pairs })
    }

    fn get(&self, key: CheckKey) -> Option<Range> {
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
    }
}

/// One end of a range in `key`'s units (seconds for `age`, percent for `ndr-share`).
fn parse_value(key: CheckKey, v: &str) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    match key {
        CheckKey::Age => parse_duration(v).map(|s| s as f64),
        CheckKey::NdrShare => v
            .strip_suffix('%')
            .unwrap_or(v)
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=100.0).contains(p)),
        _ => v.parse::<u64>().ok().map(|n| n as f64),
    }
}

/// `N`, `N:`, `~:N`, `N:M`, `@N:M` (see the module documentation).
fn parse_range(key: CheckKey, text: &str) -> Result<Range, String> {
    let bad = |what: &str| {
        let want = match key {
            CheckKey::Age => "a duration like 30m, 2h, 1d",
            CheckKey::NdrShare => "a percentage like 50%",
            _ => "a whole number",
        };
        format!(
            "{}={text}: expected {want}{what} (or a range: N:, ~:N, N:M, @N:M)",
            key.name()
        )
    };
    let (inside, body) = match text.strip_prefix('@') {
        Some(rest) => (true, rest.trim()),
        None => (false, text),
    };
    let Some((start, end)) = body.split_once(':') else {
        let high = parse_value(key, body).ok_or_else(|| bad(""))?;
        return Ok(Range {
            low: 0.0,
            high,
            inside,
        });
    };
    let (start, end) = (start.trim(), end.trim());
    let low = match start {
        "~" => f64::NEG_INFINITY,
        "" => 0.0,
        s => parse_value(key, s).ok_or_else(|| bad(" at the start"))?,
    };
    let high = if end.is_empty() {
        f64::INFINITY
    } else {
        parse_value(key, end).ok_or_else(|| bad(" at the end"))?
    };
    if low > high {
        return Err(format!(
            "{}={text}: the start of the range is above its end",
            key.name()
        ));
    }
    Ok(Range { low, high, inside })
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
    w: Option<Range>,
    c: Option<Range>,
    max: Option<f64>,
) {
    let r = |x: Option<Range>| x.map(|x| x.perf()).unwrap_or_default();
    let max = max.map(|x| format!("{x}")).unwrap_or_default();
    let _ = write!(out, " {label}={v}{uom};{};{};0;{max}", r(w), r(c));
}

/// Evaluate and format: the status and the whole output line (without a newline).
#[must_use]
pub fn evaluate(m: &InstanceMetrics, warn: &Thresholds, crit: &Thresholds) -> (Status, String) {
    let mut status = Status::Ok;
    let mut problems: Vec<String> = Vec::new();
    for (_, key) in CheckKey::ALL {
        let v = key.measure(m);
        let (w, c) = (warn.get(key), crit.get(key));
        let level = match (c, w) {
            (Some(c), _) if c.alerts(v) => Some((Status::Critical, c)),
            (_, Some(w)) if w.alerts(v) => Some((Status::Warning, w)),
            _ => None,
        };
        if let Some((s, range)) = level {
            status = status.max(s);
            problems.push(format!(
                "{} {} {} ({})",
                key.name(),
                key.show(v),
                range.crossed(key, v),
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
                (CheckKey::Deferred, Range::upto(500.0)),
                (CheckKey::Age, Range::upto(7200.0)),
                (CheckKey::NdrShare, Range::upto(50.0))
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
    fn ranges_follow_the_plugin_guidelines() {
        let r = |s: &str| t(s).pairs[0].1;
        // The guidelines' own table, in the key's units.
        assert_eq!(r("deferred=10"), Range::upto(10.0));
        let at_least = r("hold=10:");
        assert!(at_least.alerts(9.0) && !at_least.alerts(10.0) && !at_least.alerts(1e9));
        let at_most = r("deferred=~:10");
        assert!(at_most.alerts(11.0) && !at_most.alerts(-5.0) && !at_most.alerts(10.0));
        let between = r("total=10:20");
        assert!(between.alerts(9.0) && between.alerts(21.0));
        assert!(!between.alerts(10.0) && !between.alerts(20.0));
        let inside = r("total=@10:20");
        assert!(inside.alerts(10.0) && inside.alerts(20.0) && !inside.alerts(21.0));
        // Units at each end.
        let age = r("age=30m:2h");
        assert_eq!((age.low, age.high), (1800.0, 7200.0));
        let share = r("ndr-share=@10%:50%");
        assert!(share.inside && share.alerts(30.0));
        // Perfdata carries the range in base units.
        assert_eq!(age.perf(), "1800:7200");
        assert_eq!(at_least.perf(), "10:");
        assert_eq!(at_most.perf(), "~:10");
        assert_eq!(inside.perf(), "@10:20");
        assert_eq!(Range::upto(500.0).perf(), "500");
        // Mistakes are named.
        let err = |s: &str| Thresholds::parse(s).unwrap_err();
        assert!(
            err("total=20:10").contains("above its end"),
            "{}",
            err("total=20:10")
        );
        assert!(err("age=1h:soon").contains("at the end"));
        assert!(err("deferred=x:5").contains("at the start"));
        assert!(err("deferred=1:2:3").contains("whole number"));
    }

    #[test]
    fn a_range_alerts_below_and_inside() {
        // An empty hold queue is the problem here: something should be holding the storm.
        let (w, c) = (t("hold=1:"), t("deferred=@100:200"));
        let (s, line) = evaluate(&metrics(150, 0, 60), &w, &c);
        assert_eq!(s, Status::Critical);
        assert!(
            line.starts_with(
                "MAILQ CRITICAL - deferred 150 inside 100..200 (CRITICAL), hold 0 < 1 (WARNING) |"
            ),
            "{line}"
        );
        assert!(
            line.contains(" deferred=150;;@100:200;0; hold=0;1:;;0;"),
            "{line}"
        );
        assert_eq!(evaluate(&metrics(201, 0, 60), &w, &c).0, Status::Warning);
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
