//! The mail log, read as a model: syslog/journald lines in, facts about logins, password
//! guessing, sent mail and countermeasures out. Pure and streaming: no IO here (the log
//! adapter in `crate::maillog` finds and opens the sources), one line at a time.
//!
//! - [`mod@line`]: the envelope of a line (timestamp formats, host, program, message).
//! - [`event`]: what a Postfix or Dovecot message says.
//! - [`logins`]: the per-account / per-address aggregation and its report.
//! - [`score`]: the compromise score of one account, from plain facts.
//! - [`chunk`]: a block of text cut into lines; chunks folded on other threads merge into
//!   the same report ([`logins::Chunk`]).

pub mod advice;
pub mod chunk;
pub mod event;
pub mod evidence;
pub mod line;
pub mod logins;
pub mod score;

pub use line::Clock;
pub use logins::{LoginAnalyzer, LoginReport, QueuedLogin};

/// `--since`: `24h`, `90m`, `7d`, `2w`, or a date/time `2026-11-29T10:00[:ss]` (or
/// `2026-11-29`), local time unless it carries a zone (`Z`, `+09:00`).
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_since(s: &str, clock: &Clock) -> Result<i64, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "--since {}: expected a duration (24h, 90m, 7d, 2w) or a date/time (2026-11-29T10:00)",
            crate::model::text::sanitize(s)
        )
    };
    if let Some(unit) = s.chars().last().filter(char::is_ascii_alphabetic)
        && s[..s.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && s.len() > 1
    {
        let n: i64 = s[..s.len() - 1].parse().map_err(|_| bad())?;
        let secs = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        return Ok(clock.now - n.saturating_mul(secs));
    }
    let mut full = s.replace(' ', "T");
    if full.len() == 10 {
        full.push_str("T00:00:00");
    } else if full.len() == 16 {
        full.push_str(":00");
    } else if full.len() > 16 && full.as_bytes().get(16) != Some(&b':') {
        // 2026-11-29T10:00Z / +09:00: seconds missing before the zone.
        full.insert_str(16, ":00");
    }
    let has_zone = full.len() > 19;
    let line = format!("{full} h p: m");
    let env = line::parse_envelope(line.as_bytes()).ok_or_else(bad)?;
    let t = env.time(clock).ok_or_else(bad)?;
    Ok(if has_zone { t } else { t - clock.utc_offset })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::time::utc_from_civil;

    #[test]
    fn since_forms() {
        let clock = Clock {
            now: utc_from_civil(2026, 11, 30, 0, 0, 0),
            utc_offset: 3600,
        };
        assert_eq!(parse_since("24h", &clock), Ok(clock.now - 86_400));
        assert_eq!(parse_since("2w", &clock), Ok(clock.now - 14 * 86_400));
        assert_eq!(
            parse_since("2026-11-29T10:00", &clock),
            Ok(utc_from_civil(2026, 11, 29, 9, 0, 0))
        );
        assert_eq!(
            parse_since("2026-11-29T10:00Z", &clock),
            Ok(utc_from_civil(2026, 11, 29, 10, 0, 0))
        );
        assert_eq!(
            parse_since("2026-11-29", &clock),
            Ok(utc_from_civil(2026, 11, 28, 23, 0, 0))
        );
        for bad in ["", "h", "24x", "yesterday", "2026-13-01", "\u{1b}[2J"] {
            let e = parse_since(bad, &clock).unwrap_err();
            assert!(!e.contains('\u{1b}'), "{e}");
        }
    }
}
