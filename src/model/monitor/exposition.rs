//! The Prometheus text exposition format (version 0.0.4) of what `watch` measured: served
//! at `/metrics` and written as a node_exporter textfile. Pure string building.
//!
//! Naming follows the Prometheus conventions: the `mailq_tui_` prefix, base units in the
//! name (`_seconds`, `_bytes`, `_ratio`), `_total` only on counters, HELP and TYPE for every
//! family, all samples of a family together. The instance label is `postfix_instance`, not
//! `instance`, which Prometheus reserves for the scrape target.

use std::fmt::Write as _;

use super::metrics::{InstanceMetrics, age_bucket_bounds};
use crate::model::QueueName;

/// The Content-Type of the exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One instance as the exporter last saw it.
#[derive(Debug, Clone, Default)]
pub struct InstanceView {
    /// The `postfix_instance` label value: `default`, a postmulti name, or a host name.
    pub name: String,
    /// The last listing succeeded.
    pub up: bool,
    /// The last successful listing's metrics; only exposed while `up` (stale numbers
    /// from before an outage would look current).
    pub metrics: Option<InstanceMetrics>,
    /// Growth per minute over the growth window, per queue in [`QueueName::ALL`] order;
    /// `None` until two listings exist.
    pub growth_per_minute: [Option<f64>; 5],
    /// The growth window in seconds (for the HELP text).
    pub growth_window_secs: u64,
    /// How long the last listing took (also when it failed).
    pub listing_secs: f64,
    /// The interval chosen for the next listing.
    pub interval_secs: f64,
    pub listings_total: u64,
    pub failures_total: u64,
    /// Unix time of the last successful listing.
    pub last_success: Option<i64>,
    /// Every alert rule by name, and whether it is firing for this instance.
    pub alerts: Vec<(String, bool)>,
}

/// Escape a label value: backslash, double quote and line feed.
#[must_use]
pub fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    s
}

/// A sample value: Prometheus spells the special floats `NaN`, `+Inf`, `-Inf`.
fn value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

struct Out {
    s: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.s, "# HELP {name} {help}");
        let _ = writeln!(self.s, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], v: f64) {
        self.s.push_str(name);
        if !labels.is_empty() {
            self.s.push('{');
            for (i, (k, val)) in labels.iter().enumerate() {
                if i > 0 {
                    self.s.push(',');
                }
                let _ = write!(self.s, "{k}=\"{}\"", escape_label(val));
            }
            self.s.push('}');
        }
        let _ = writeln!(self.s, " {}", value(v));
    }
}

#[allow(clippy::cast_precision_loss)]
fn f(n: usize) -> f64 {
    n as f64
}

#[allow(clippy::cast_precision_loss)]
fn fi(n: i64) -> f64 {
    n as f64
}

#[allow(clippy::cast_precision_loss)]
fn fu(n: u64) -> f64 {
    n as f64
}

/// A per-queue gauge family over every instance that is up.
fn per_queue(
    out: &mut Out,
    views: &[InstanceView],
    name: &str,
    help: &str,
    get: impl Fn(&InstanceView, &InstanceMetrics, usize) -> Option<f64>,
) {
    out.family(name, "gauge", help);
    for v in views {
        let Some(m) = v.metrics.as_ref().filter(|_| v.up) else {
            continue;
        };
        for (i, q) in QueueName::ALL.iter().enumerate() {
            if let Some(x) = get(v, m, i) {
                out.sample(
                    name,
                    &[("postfix_instance", &v.name), ("queue", q.as_str())],
                    x,
                );
            }
        }
    }
}

/// A per-instance gauge family over every instance that is up.
fn per_instance(
    out: &mut Out,
    views: &[InstanceView],
    name: &str,
    help: &str,
    get: impl Fn(&InstanceMetrics) -> Option<f64>,
) {
    out.family(name, "gauge", help);
    for v in views {
        if let Some(x) = v.metrics.as_ref().filter(|_| v.up).and_then(&get) {
            out.sample(name, &[("postfix_instance", &v.name)], x);
        }
    }
}

/// Render every instance. Instance-level health series come for every instance; queue
/// series only for instances that are up.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn render(views: &[InstanceView]) -> String {
    let mut out = Out { s: String::new() };
    let inst = |v: &InstanceView| [("postfix_instance", v.name.clone())];
    let each = |out: &mut Out,
                name: &str,
                kind: &str,
                help: &str,
                get: &dyn Fn(&InstanceView) -> Option<f64>| {
        out.family(name, kind, help);
        for v in views {
            if let Some(x) = get(v) {
                let l = inst(v);
                out.sample(name, &[(l[0].0, l[0].1.as_str())], x);
            }
        }
    };
    each(
        &mut out,
        "mailq_tui_up",
        "gauge",
        "1 when the last listing of the Postfix instance (postqueue -j) succeeded, else 0.",
        &|v| Some(if v.up { 1.0 } else { 0.0 }),
    );
    each(
        &mut out,
        "mailq_tui_listing_duration_seconds",
        "gauge",
        "How long the last listing took.",
        &|v| Some(v.listing_secs),
    );
    each(
        &mut out,
        "mailq_tui_listing_interval_seconds",
        "gauge",
        "The interval until the next listing, adapted to the cost of listing.",
        &|v| Some(v.interval_secs),
    );
    each(
        &mut out,
        "mailq_tui_listings_total",
        "counter",
        "Listings attempted since the exporter started.",
        &|v| Some(fu(v.listings_total)),
    );
    each(
        &mut out,
        "mailq_tui_listing_failures_total",
        "counter",
        "Listings that failed since the exporter started.",
        &|v| Some(fu(v.failures_total)),
    );
    each(
        &mut out,
        "mailq_tui_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the last successful listing.",
        &|v| v.last_success.map(fi),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_messages",
        "Messages in the queue.",
        |_, m, i| Some(f(m.queues[i].messages)),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_recipients",
        "Recipients of the messages in the queue.",
        |_, m, i| Some(f(m.queues[i].recipients)),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_size_bytes",
        "Total size of the messages in the queue.",
        |_, m, i| Some(fu(m.queues[i].size_bytes)),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_oldest_message_age_seconds",
        "Age of the oldest message in the queue (0 when empty).",
        |_, m, i| Some(fi(m.queues[i].oldest_age_secs)),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_ndr_messages",
        "Messages from the null sender (bounces, NDRs) in the queue.",
        |_, m, i| Some(f(m.queues[i].ndrs)),
    );
    per_queue(
        &mut out,
        views,
        "mailq_tui_arrivals_per_minute",
        "Arrivals per minute over the last 5 minutes, of messages still in the queue.",
        |_, m, i| Some(m.queues[i].arrivals_per_minute()),
    );
    let window_help = views.first().map_or(0, |v| v.growth_window_secs);
    per_queue(
        &mut out,
        views,
        "mailq_tui_growth_messages_per_minute",
        &format!(
            "Net change of the message count per minute over the last {window_help} seconds (negative when the queue shrinks)."
        ),
        |v, _, i| v.growth_per_minute[i],
    );
    // The age histogram: qshape's buckets, cumulative.
    let name = "mailq_tui_message_age_seconds";
    out.family(
        name,
        "histogram",
        "Age of the queued messages, in qshape's buckets (5, 10, 20, ... 1280 minutes).",
    );
    let bounds = age_bucket_bounds();
    for v in views {
        let Some(m) = v.metrics.as_ref().filter(|_| v.up) else {
            continue;
        };
        for (q, qm) in QueueName::ALL.iter().zip(m.queues.iter()) {
            let l = |le: &str| {
                [
                    ("postfix_instance", v.name.clone()),
                    ("queue", q.as_str().to_owned()),
                    ("le", le.to_owned()),
                ]
            };
            for (b, c) in bounds.iter().zip(qm.age_le.iter()) {
                let ls = l(&b.to_string());
                let refs: Vec<(&str, &str)> = ls.iter().map(|(k, v)| (*k, v.as_str())).collect();
                out.sample(&format!("{name}_bucket"), &refs, fu(*c));
            }
            let ls = l("+Inf");
            let refs: Vec<(&str, &str)> = ls.iter().map(|(k, v)| (*k, v.as_str())).collect();
            out.sample(&format!("{name}_bucket"), &refs, f(qm.messages));
            let two = [("postfix_instance", v.name.as_str()), ("queue", q.as_str())];
            out.sample(&format!("{name}_sum"), &two, fi(qm.age_sum_secs));
            out.sample(&format!("{name}_count"), &two, f(qm.messages));
        }
    }
    per_instance(
        &mut out,
        views,
        "mailq_tui_ndr_share_ratio",
        "NDRs in the deferred queue as a share of the deferred queue (0-1).",
        |m| Some(m.ndr_share),
    );
    per_instance(
        &mut out,
        views,
        "mailq_tui_storm",
        "1 when the queue is in an NDR storm (100+ NDRs making up half of deferred or more).",
        |m| Some(if m.storm { 1.0 } else { 0.0 }),
    );
    per_instance(
        &mut out,
        views,
        "mailq_tui_compromised_accounts",
        "SASL accounts whose queued mail looks like a compromised account (absent when the queue contents cannot be read).",
        |m| m.compromised_accounts.map(f),
    );
    per_instance(
        &mut out,
        views,
        "mailq_tui_parse_problems",
        "Lines of the last listing that could not be parsed.",
        |m| Some(f(m.parse_problems)),
    );
    let name = "mailq_tui_reason_recipients";
    out.family(
        name,
        "gauge",
        "Recipients per delay-reason family: the top families and \"other\".",
    );
    for v in views {
        let Some(m) = v.metrics.as_ref().filter(|_| v.up) else {
            continue;
        };
        for (fam, n) in &m.reasons {
            out.sample(
                name,
                &[("postfix_instance", &v.name), ("family", fam)],
                f(*n),
            );
        }
    }
    let name = "mailq_tui_alert_firing";
    out.family(
        name,
        "gauge",
        "1 while the alert rule is firing for the instance, else 0.",
    );
    for v in views {
        for (alert, firing) in &v.alerts {
            out.sample(
                name,
                &[("postfix_instance", &v.name), ("alert", alert)],
                if *firing { 1.0 } else { 0.0 },
            );
        }
    }
    out.s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, up: bool) -> InstanceView {
        let mut m = InstanceMetrics::default();
        m.queues[QueueName::Deferred.index()].messages = 7;
        m.queues[QueueName::Deferred.index()].age_le = [1, 2, 3, 4, 5, 6, 7, 7, 7];
        m.reasons = vec![
            ("connect to <host>: timed out".into(), 3),
            ("other".into(), 0),
        ];
        InstanceView {
            name: name.into(),
            up,
            metrics: Some(m),
            growth_per_minute: [None, None, None, Some(1.5), None],
            growth_window_secs: 300,
            listing_secs: 0.25,
            interval_secs: 10.0,
            listings_total: 3,
            failures_total: u64::from(!up),
            last_success: Some(1_700_000_000),
            alerts: vec![("deferred-high".into(), up)],
        }
    }

    #[test]
    fn families_have_help_and_type_and_empty_queues_are_zero() {
        let text = render(&[view("default", true)]);
        for line in text.lines().filter(|l| l.starts_with("# TYPE")) {
            let name = line.split_whitespace().nth(2).unwrap_or_default();
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
        assert!(text.contains("mailq_tui_up{postfix_instance=\"default\"} 1\n"));
        assert!(
            text.contains(
                "mailq_tui_messages{postfix_instance=\"default\",queue=\"deferred\"} 7\n"
            )
        );
        assert!(
            text.contains("mailq_tui_messages{postfix_instance=\"default\",queue=\"hold\"} 0\n")
        );
        assert!(text.contains(
            "mailq_tui_message_age_seconds_bucket{postfix_instance=\"default\",queue=\"deferred\",le=\"300\"} 1\n"
        ));
        assert!(text.contains(
            "mailq_tui_message_age_seconds_bucket{postfix_instance=\"default\",queue=\"deferred\",le=\"+Inf\"} 7\n"
        ));
        assert!(text.contains(
            "mailq_tui_growth_messages_per_minute{postfix_instance=\"default\",queue=\"deferred\"} 1.5\n"
        ));
        // No growth yet for other queues: absent, not a made-up 0.
        assert!(!text.contains(
            "mailq_tui_growth_messages_per_minute{postfix_instance=\"default\",queue=\"hold\"}"
        ));
        assert!(!text.contains("mailq_tui_compromised_accounts{"));
        assert!(text.contains(
            "mailq_tui_alert_firing{postfix_instance=\"default\",alert=\"deferred-high\"} 1\n"
        ));
        // `_total` only on counters.
        for line in text.lines().filter(|l| l.starts_with("# TYPE")) {
            let mut w = line.split_whitespace().skip(2);
            let (name, kind) = (w.next().unwrap_or_default(), w.next().unwrap_or_default());
            assert_eq!(name.ends_with("_total"), kind == "counter", "{line}");
        }
    }

    #[test]
    fn a_down_instance_has_health_series_only() {
        let text = render(&[view("mx1", true), view("mx2 \"b\"\\", false)]);
        assert!(
            text.contains("mailq_tui_up{postfix_instance=\"mx2 \\\"b\\\"\\\\\"} 0\n"),
            "{text}"
        );
        assert!(text.contains(
            "mailq_tui_listing_failures_total{postfix_instance=\"mx2 \\\"b\\\"\\\\\"} 1\n"
        ));
        assert!(!text.contains("mailq_tui_messages{postfix_instance=\"mx2"));
        assert!(
            text.contains("mailq_tui_messages{postfix_instance=\"mx1\",queue=\"deferred\"} 7\n")
        );
    }

    #[test]
    fn labels_and_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd\re"), "a\\\"b\\\\c\\nd e");
        assert_eq!(value(f64::NAN), "NaN");
        assert_eq!(value(f64::INFINITY), "+Inf");
        assert_eq!(value(0.5), "0.5");
        assert_eq!(value(3.0), "3");
    }
}
