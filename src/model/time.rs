//! Dates without a date-time dependency: UTC timestamps and the civil-date algorithm
//! (Howard Hinnant's, proleptic Gregorian). The one home of date arithmetic; ages for people
//! are in [`super::format`].

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

/// Unix seconds as `HH:MM:SS` UTC (the header's "taken at"; no time-zone database needed).
#[must_use]
pub fn hms(unix: i64) -> String {
    let d = unix.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", d / 3_600, d % 3_600 / 60, d % 60)
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31): Howard Hinnant's days-to-civil
/// algorithm (proleptic Gregorian calendar).
#[must_use]
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

/// When a storm started, for a sentence: `22:17` within the last 24 hours, otherwise with
/// the date and the age: `Tue 24 Nov 22:17, 5 days` (UTC).
#[must_use]
pub fn format_since(secs: i64, now: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let hhmm = &format_utc(secs)[11..16];
    let age = now - secs;
    if age < 86_400 {
        return hhmm.to_owned();
    }
    let days = secs.div_euclid(86_400);
    let (_, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let wd = DAYS[usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    let n = age / 86_400;
    format!(
        "{wd} {d} {month} {hhmm}, {n} day{}",
        if n == 1 { "" } else { "s" }
    )
}

/// Unix time of a UTC civil date and time (month 1–12). The inverse of [`format_utc`];
/// log timestamps are read with it.
#[must_use]
pub fn utc_from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 + i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss)
}

/// The UTC year of a Unix time.
#[must_use]
pub fn utc_year(secs: i64) -> i64 {
    civil_from_days(secs.div_euclid(86_400)).0
}

/// The inverse of [`civil_from_days`]: days since 1970-01-01 for a proleptic Gregorian date.
#[must_use]
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `day` exists in `month` (1–12) of `year` (Feb 29 only in leap years).
#[must_use]
pub fn is_valid_date(year: i64, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days
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
    fn since_carries_the_date_after_a_day() {
        // 2026-11-24T22:17:00Z was a Tuesday.
        let t = 1_795_558_620;
        assert_eq!(format_utc(t), "2026-11-24T22:17:00Z");
        assert_eq!(format_since(t, t + 3600), "22:17");
        assert_eq!(
            format_since(t, t + 5 * 86_400 + 60),
            "Tue 24 Nov 22:17, 5 days"
        );
        assert_eq!(format_since(t, t + 86_400), "Tue 24 Nov 22:17, 1 day");
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert!(is_valid_date(2024, 2, 29));
        assert!(!is_valid_date(2023, 2, 29));
        assert!(!is_valid_date(2100, 2, 29));
        assert!(is_valid_date(2000, 2, 29));
        assert_eq!(utc_from_civil(2025, 11, 28, 3, 16, 21), 1_764_299_781);
        assert_eq!(utc_year(1_764_299_781), 2025);
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
