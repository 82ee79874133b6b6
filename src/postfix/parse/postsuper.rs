//! `postsuper` stderr → [`OpReport`].
//!
//! postsuper writes everything to stderr (and syslog), and its exit status is not a reliable
//! success signal (exit 1 is seen for a no-op when `maillog_file` cannot be opened). So the
//! outcome is read from the lines themselves:
//!
//! ```text
//! postsuper: 2745A98C1F7: placed on hold
//! postsuper: warning: invalid mail queue id: bad!id
//! postsuper: Placed on hold: 2 messages
//! postsuper: fatal: use of this command is reserved for the superuser
//! ```
//!
//! This module is pure (no IO) so the parser can be tested on exact captures.

use std::collections::HashSet;

use crate::model::QueueId;
use crate::model::text::snippet;

use crate::postfix::OpReport;

/// The per-message verbs postsuper prints after `ID: `. `expired` comes from `-e`/`-f`,
/// which we do not send, but a report that mentions it still means "done".
const DONE_VERBS: [&str; 5] = [
    "removed",
    "placed on hold",
    "released from hold",
    "requeued",
    "expired",
];

/// What one `postsuper` run said on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stderr {
    /// Per-ID outcomes, summary lines and other warnings. `gone` is left empty: only the
    /// caller knows which IDs it asked for (see [`Stderr::into_report`]).
    pub report: OpReport,
    /// Set when postsuper refused to run for lack of privilege (sanitized fatal text).
    pub permission_denied: Option<String>,
}

impl Stderr {
    /// Complete the report: every requested (valid) ID that postsuper neither confirmed nor
    /// refused was skipped silently, i.e. it is no longer in the named queue.
    #[must_use]
    pub fn into_report(self, requested: &[QueueId]) -> OpReport {
        let mut report = self.report;
        let seen: HashSet<&QueueId> = report.done.iter().chain(&report.invalid).collect();
        let gone: Vec<QueueId> = requested
            .iter()
            .filter(|id| !seen.contains(id))
            .cloned()
            .collect();
        report.gone = gone;
        report
    }
}

/// Did postsuper refuse its option? Postfix before 3.5 has no `-e`/`-f`: its getopt says
/// `postsuper: invalid option -- 'e'` (glibc; BSD: `illegal option -- e`), then a usage
/// fatal, and does nothing.
#[must_use]
pub fn refused_option(stderr: &[u8]) -> bool {
    let s = String::from_utf8_lossy(stderr);
    s.contains("invalid option --") || s.contains("illegal option --")
}

/// Parse postsuper's stderr. Never fails: lines it does not understand become `errors`.
#[must_use]
pub fn parse_stderr(stderr: &[u8]) -> Stderr {
    let mut out = Stderr::default();
    let mut done_seen: HashSet<QueueId> = HashSet::new();
    for raw in stderr.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw);
        let line = line.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        let rest = strip_program(line);
        if let Some(fatal) = rest.strip_prefix("fatal: ") {
            let text = snippet(fatal, 300);
            if is_permission_problem(fatal) {
                out.permission_denied = Some(text);
            } else {
                out.report.errors.push(format!("fatal: {text}"));
            }
        } else if let Some(w) = rest.strip_prefix("warning: ") {
            if let Some(id) = w.strip_prefix("invalid mail queue id: ") {
                out.report.invalid.push(QueueId::new(id.trim()));
            } else {
                out.report
                    .errors
                    .push(format!("warning: {}", snippet(w, 300)));
            }
        } else if let Some(id) = done_line(rest) {
            if done_seen.insert(id.clone()) {
                out.report.done.push(id);
            }
        } else if is_summary(rest) {
            out.report.summary.push(snippet(rest, 200));
        } else {
            out.report.errors.push(snippet(line, 300));
        }
    }
    out
}

/// Drop the `postsuper: ` prefix (or `/usr/sbin/postsuper: `, `postsuper[123]: `).
fn strip_program(line: &str) -> &str {
    if let Some((prefix, rest)) = line.split_once(": ")
        && !prefix.contains(' ')
        && prefix.contains("postsuper")
    {
        return rest;
    }
    line
}

/// `ID: removed` (and the other verbs) → the ID, if it is a well-formed queue ID.
fn done_line(rest: &str) -> Option<QueueId> {
    let (id, verb) = rest.split_once(": ")?;
    if !DONE_VERBS.contains(&verb.trim()) {
        return None;
    }
    let id = QueueId::new(id);
    id.is_valid().then_some(id)
}

/// `Deleted: 12 messages`, `Placed on hold: 1 message`, `Force-expired: 3 messages`.
fn is_summary(rest: &str) -> bool {
    let Some((label, count)) = rest.rsplit_once(": ") else {
        return false;
    };
    let mut words = count.split_whitespace();
    let number = words
        .next()
        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
    let unit = matches!(words.next(), Some("message" | "messages"));
    number
        && unit
        && words.next().is_none()
        && label.starts_with(|c: char| c.is_ascii_uppercase())
        && label
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
}

fn is_permission_problem(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("reserved for the superuser") || t.contains("permission denied")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expire_and_release_as_postfix_3_7_prints_it() {
        // `postsuper -f` on a held message (Postfix 3.7.11): two lines for one ID.
        let s = parse_stderr(
            b"postsuper: 8FAA89925C6: expired\npostsuper: 8FAA89925C6: released from hold\n\
              postsuper: Force-expired: 1 message\npostsuper: Released from hold: 1 message\n",
        );
        assert_eq!(s.report.done, [QueueId::new("8FAA89925C6")]);
        assert_eq!(
            s.report.summary,
            ["Force-expired: 1 message", "Released from hold: 1 message"]
        );
        assert!(s.report.errors.is_empty(), "{:?}", s.report.errors);
    }

    #[test]
    fn an_old_postsuper_refusing_expire_is_recognised() {
        // Postfix 3.4 on glibc, and a BSD libc.
        assert!(refused_option(
            b"postsuper: invalid option -- 'e'\npostsuper: fatal: usage: postsuper [-c config_dir] [-d queue_id (delete)] ...\n"
        ));
        assert!(refused_option(b"postsuper: illegal option -- f\n"));
        assert!(!refused_option(
            b"postsuper: 2745A98C1F7: expired\npostsuper: Expired: 1 message\n"
        ));
    }

    fn ids(v: &[&str]) -> Vec<QueueId> {
        v.iter().map(|s| QueueId::new(s)).collect()
    }

    /// Captured from Postfix 3.7.11: `printf '%s\n' A B 'bad!id' 0000000000 | postsuper -h - deferred`.
    const HOLD: &str = "postsuper: 2745A98C1F7: placed on hold\n\
postsuper: 2917198C1FA: placed on hold\n\
postsuper: warning: invalid mail queue id: bad!id\n\
postsuper: Placed on hold: 2 messages\n";

    #[test]
    fn hold_batch_with_invalid_and_gone() {
        let parsed = parse_stderr(HOLD.as_bytes());
        assert_eq!(parsed.permission_denied, None);
        let report = parsed.into_report(&ids(&["2745A98C1F7", "2917198C1FA", "0000000000"]));
        assert_eq!(report.done, ids(&["2745A98C1F7", "2917198C1FA"]));
        assert_eq!(report.invalid, ids(&["bad!id"]));
        assert_eq!(report.gone, ids(&["0000000000"]));
        assert_eq!(
            report.summary,
            vec!["Placed on hold: 2 messages".to_owned()]
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }

    #[test]
    fn every_verb_counts_as_done() {
        let text = "postsuper: A1: removed\npostsuper: B2: released from hold\n\
postsuper: C3: requeued\npostsuper: D4: expired\npostsuper: Deleted: 1 message\n\
postsuper: Released from hold: 1 message\npostsuper: Requeued: 1 message\n\
postsuper: Force-expired: 1 message\n";
        let report = parse_stderr(text.as_bytes()).into_report(&ids(&["A1", "B2", "C3", "D4"]));
        assert_eq!(report.done, ids(&["A1", "B2", "C3", "D4"]));
        assert!(report.gone.is_empty());
        assert_eq!(report.summary.len(), 4);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }

    #[test]
    fn zero_summary_means_all_gone() {
        let report = parse_stderr(b"postsuper: Deleted: 0 messages\n").into_report(&ids(&["AB12"]));
        assert!(report.done.is_empty());
        assert_eq!(report.gone, ids(&["AB12"]));
        assert_eq!(report.summary, vec!["Deleted: 0 messages".to_owned()]);
    }

    #[test]
    fn superuser_fatal_is_permission_denied() {
        let parsed =
            parse_stderr(b"postsuper: fatal: use of this command is reserved for the superuser\n");
        assert_eq!(
            parsed.permission_denied.as_deref(),
            Some("use of this command is reserved for the superuser")
        );
        assert!(parsed.report.errors.is_empty());
    }

    #[test]
    fn other_warnings_and_noise_are_errors_and_sanitized() {
        let text = "postsuper: warning: maillog_file: cannot open /x: Permission denied\n\
postsuper: fatal: scan_dir_push: open directory deferred: No such file or directory\n\
\x1b[2Jsomething odd\n";
        let parsed = parse_stderr(text.as_bytes());
        assert_eq!(parsed.report.errors.len(), 3);
        assert!(parsed.report.errors[1].starts_with("fatal: scan_dir_push"));
        assert!(parsed.report.errors.iter().all(|e| !e.contains('\u{1b}')));
    }

    #[test]
    fn program_prefix_variants() {
        let report =
            parse_stderr(b"/usr/sbin/postsuper: AB12: removed\n").into_report(&ids(&["AB12"]));
        assert_eq!(report.done, ids(&["AB12"]));
    }

    #[test]
    fn duplicate_done_lines_count_once() {
        // A message that is both in hold and deferred (ID reuse) could be reported twice.
        let report = parse_stderr(b"postsuper: AB12: removed\npostsuper: AB12: removed\n")
            .into_report(&ids(&["AB12"]));
        assert_eq!(report.done, ids(&["AB12"]));
    }

    #[test]
    fn a_done_line_with_a_malformed_id_is_not_done() {
        let parsed = parse_stderr(b"postsuper: ../x: removed\n");
        assert!(parsed.report.done.is_empty());
        assert_eq!(parsed.report.errors.len(), 1);
    }
}
