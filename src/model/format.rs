//! Numbers and words for people: `1,234,567`, `4.0M`, `3h`, `3h12m`, `message{s}`, `Delete`.
//! The one home of these helpers, for the command line, the storm report and the TUI.

/// `1234567` → `1,234,567`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in powers of 1024 with one decimal: `512B`, `2.1K`, `4.0M` (like `ls -h`).
#[must_use]
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["K", "M", "G", "T", "P"];
    if bytes < 1024 {
        return format!("{bytes}B");
    }
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1}{}", UNITS[u])
}

/// Seconds in the largest whole unit: `45s`, `12m`, `3h`, `2d` (the TUI's Age columns).
#[must_use]
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h", s / 3_600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Seconds as the two largest units: `45s`, `12m`, `3h12m`, `2d04h` (the command line).
#[must_use]
pub fn age2(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h{:02}m", s / 3_600, s % 3_600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// When deferred mail is tried next, for the detail view: `in 12m (01:40:00 UTC)`,
/// `overdue by 3m (01:25:00 UTC): qmgr has not picked it up yet`, or `unknown (why)`.
/// `None` for mail in other queues, which has no retry time.
#[must_use]
pub fn next_retry(m: &super::Message, now: i64, unknown_because: Option<&str>) -> Option<String> {
    if m.queue != super::QueueName::Deferred {
        return None;
    }
    Some(match m.next_retry {
        Some(t) if t >= now => format!("in {} ({} UTC)", age2(t - now), super::time::hms(t)),
        Some(t) => format!(
            "overdue by {} ({} UTC): waiting for the queue manager's next scan",
            age2(now.saturating_sub(t)),
            super::time::hms(t)
        ),
        None => format!(
            "unknown ({})",
            unknown_because.unwrap_or("the queue files were not read")
        ),
    })
}

/// The English plural suffix for `n` things: `""` for one, `"s"` otherwise.
#[must_use]
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `es` for words like "address" unless there is one: `address{}`.
#[must_use]
pub fn plural_es(n: usize) -> &'static str {
    if n == 1 { "" } else { "es" }
}

/// The first letter in upper case: `delete` → `Delete`.
#[must_use]
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(size(512), "512B");
        assert_eq!(size(2_150), "2.1K");
        assert_eq!(size(5 << 20), "5.0M");
    }

    #[test]
    fn ages() {
        assert_eq!(age(-3), "0s");
        assert_eq!(age(59), "59s");
        assert_eq!(age(3 * 3600 + 5), "3h");
        assert_eq!(age(7_200), "2h");
        assert_eq!(age2(-3), "0s");
        assert_eq!(age2(59), "59s");
        assert_eq!(age2(754), "12m");
        assert_eq!(age2(3 * 3_600 + 12 * 60), "3h12m");
        assert_eq!(age2(2 * 86_400 + 4 * 3_600), "2d04h");
    }

    #[test]
    fn next_retry_lines() {
        use crate::model::QueueName;
        let mut m = crate::model::group::tests::msg("R1", QueueName::Deferred, 0, 1, "a@b", &[]);
        assert_eq!(
            next_retry(&m, 1_000, Some("needs root")).as_deref(),
            Some("unknown (needs root)")
        );
        m.next_retry = Some(1_000 + 754);
        assert_eq!(
            next_retry(&m, 1_000, None).as_deref(),
            Some("in 12m (00:29:14 UTC)")
        );
        m.next_retry = Some(880);
        assert!(next_retry(&m, 1_000, None).is_some_and(|s| s.starts_with("overdue by 2m")));
        m.queue = QueueName::Hold;
        assert_eq!(next_retry(&m, 1_000, None), None);
    }

    #[test]
    fn words() {
        assert_eq!(plural(0), "s");
        assert_eq!(plural(1), "");
        assert_eq!(plural(2), "s");
        assert_eq!(capitalize("delete"), "Delete");
        assert_eq!(capitalize(""), "");
        assert_eq!(capitalize("élan"), "Élan");
    }
}
