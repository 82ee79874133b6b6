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

/// Unix time of a UTC civil date and time (proleptic Gregorian; month 1–12). The inverse
/// of [`format_utc`]; log timestamps are read with it.
#[must_use]
pub fn utc_from_civil(y: i64, m: u32, d: u32, hh: u32, mm: u32, ss: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss)
}

/// The UTC year of a Unix time.
#[must_use]
pub fn utc_year(secs: i64) -> i64 {
    civil_from_days(secs.div_euclid(86_400)).0
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
    fn civil_round_trip() {
        for t in [0, 951_782_400, 1_764_299_781, 4_102_444_799, -86_400] {
            let days = i64::div_euclid(t, 86_400);
            let (y, m, d) = civil_from_days(days);
            let r = t.rem_euclid(86_400);
            let (hh, mm, ss) = (r / 3600, r % 3600 / 60, r % 60);
            let back = utc_from_civil(
                y,
                m,
                d,
                u32::try_from(hh).unwrap(),
                u32::try_from(mm).unwrap(),
                u32::try_from(ss).unwrap(),
            );
            assert_eq!(back, t);
        }
        assert_eq!(utc_year(1_764_299_781), 2025);
    }

    #[test]
    fn ages_and_sizes() {
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(3 * 3600 + 5), "3h");
    }
}
