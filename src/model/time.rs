//! Small time helpers without a date-time dependency: UTC timestamps and human ages.

/// `2026-11-28T03:16:21Z` for a Unix time in seconds.
#[must_use]
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A compact age: `45s`, `12m`, `3h`, `2d`.
#[must_use]
pub fn format_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// The seconds in one duration unit: `s` (or none), `m`, `h`, `d`, `w` and their long forms.
#[must_use]
pub fn duration_unit(u: &str) -> Option<u64> {
    Some(match u.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    })
}

/// A duration such as `90`, `30s`, `5m`, `2h`, `1d` in seconds (the units of
/// [`duration_unit`]; no unit = seconds). `None` for anything else.
#[must_use]
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: u64 = s[..digits].parse().ok()?;
    n.checked_mul(duration_unit(s[digits..].trim())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_764_299_781), "2025-11-28T03:16:21Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn ages_and_sizes() {
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(3 * 3600 + 5), "3h");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("5 min"), Some(300));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("2x"), None);
        assert_eq!(parse_duration("-1m"), None);
        assert_eq!(parse_duration("99999999999999999999w"), None);
    }
}
