//! The mail log model on lines from REAL systems that we did not write: fail2ban's test
//! logs (`tests/fixtures/maillog/fail2ban-*.log`, source cited in each file's header),
//! gathered by fail2ban's users from many distributions and versions of Postfix and
//! Dovecot, and other MTAs' lines (Exim, sendmail) that must be ignored cleanly.
//!
//! fail2ban's own verdict on each line (`# failJSON: { "match": …, "host": … }`) is the
//! oracle: every line it calls an authentication failure and that we read must name the
//! same client address, no line it calls harmless may count as a failure or a login, and
//! how many of its failures we read is pinned (fail2ban's jails also match forms that are
//! not SASL/IMAP password guessing, e.g. PAM's `pam_unix … rhost=` lines or plaintext
//! refused before any password was tried).

mod common;

use common::maillog::{clock, fixture};
use mailq_tui::model::log::{LoginAnalyzer, LoginReport};

fn analyze(data: &[u8]) -> LoginReport {
    let mut a = LoginAnalyzer::new(clock(), None);
    for line in data.split_inclusive(|&b| b == b'\n') {
        a.push_line(line);
    }
    a.finish()
}

/// fail2ban's verdict and the line it is about.
struct Case {
    matches: bool,
    host: Option<String>,
    line: String,
}

fn cases(name: &str) -> Vec<Case> {
    let text = String::from_utf8_lossy(&fixture(name)).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(json) = l.trim_start_matches('#').trim().strip_prefix("failJSON:") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_default();
        let Some(next) = lines[i + 1..].iter().find(|n| !n.trim().is_empty()) else {
            continue;
        };
        if next.starts_with('#') {
            continue;
        }
        out.push(Case {
            matches: v["match"].as_bool().unwrap_or(false),
            host: v["host"].as_str().map(str::to_owned),
            line: (*next).to_owned(),
        });
    }
    // The same line under two of fail2ban's modes with opposite verdicts (`aggressive`
    // only): no verdict to check against.
    let both: Vec<String> = out
        .iter()
        .filter(|c| {
            out.iter()
                .any(|d| d.line == c.line && d.matches != c.matches)
        })
        .map(|c| c.line.clone())
        .collect();
    out.retain(|c| !both.contains(&c.line));
    out
}

/// What one line alone says: per client address (address, failures, logins), and whether
/// it named a tried user (Dovecot's auth process: linked, not counted again) or was a
/// rejection by a countermeasure.
struct Alone {
    addresses: Vec<(String, u64, u64)>,
    tried: Vec<String>,
    rejected: bool,
}

fn read_alone(line: &str) -> Alone {
    let r = analyze(format!("{line}\n").as_bytes());
    Alone {
        addresses: r
            .addresses
            .iter()
            .map(|a| (a.address.clone(), a.failures, a.logins))
            .collect(),
        tried: r.tried_users.iter().map(|t| t.user.clone()).collect(),
        rejected: !r.rejections.is_empty(),
    }
}

/// Check a file against fail2ban's verdicts: (its failures we read, its failures, the
/// lines we did not read).
fn check(name: &str) -> (usize, usize, Vec<String>) {
    let cases = cases(name);
    assert!(
        cases.len() >= 10,
        "{name}: only {} annotated lines",
        cases.len()
    );
    let (mut read, mut failing) = (0, 0);
    let mut missed = Vec::new();
    for c in &cases {
        let got = read_alone(&c.line);
        if !c.matches {
            assert!(
                got.addresses.iter().all(|(_, f, l)| *f == 0 && *l == 0),
                "{name}: fail2ban calls this harmless, we count it: {}\n{:?}",
                c.line,
                got.addresses
            );
            continue;
        }
        failing += 1;
        if got.addresses.is_empty() && got.tried.is_empty() && !got.rejected {
            missed.push(c.line.clone());
            continue;
        }
        read += 1;
        let host = c.host.as_deref().unwrap_or("");
        assert!(
            got.addresses.iter().all(|(a, ..)| a == host),
            "{name}: fail2ban says {host}, we say {:?}: {}",
            got.addresses,
            c.line
        );
        // Dovecot's auth process (linked to a tried user, not counted again):
        // `lookup(USER,ADDRESS…)`, the user we read with fail2ban's address.
        for user in got.tried.iter().filter(|_| got.addresses.is_empty()) {
            assert!(
                c.line.contains(&format!("({user},{host}")),
                "{name}: we read user {user:?}, fail2ban says {host}: {}",
                c.line
            );
        }
        assert!(
            got.addresses.iter().all(|(_, _, logins)| *logins == 0),
            "{name}: a failure read as a login: {}",
            c.line
        );
    }
    (read, failing, missed)
}

#[test]
fn postfix_lines_from_real_systems_agree_with_fail2ban() {
    let (read, failing, missed) = check("fail2ban-postfix.log");
    // Every SASL failure fail2ban's postfix filter matches is read, with its address.
    for m in &missed {
        assert!(
            !m.contains("authentication failed"),
            "SASL failure missed: {m}"
        );
    }
    // What is left: postscreen/anvil/rate-limit/lost-connection lines (not logins, and no
    // countermeasure's rejection) and non-countermeasure rejects (unknown users, relay).
    assert_eq!(
        (read, failing),
        (READ_POSTFIX, FAILING_POSTFIX),
        "missed: {missed:#?}"
    );
}

#[test]
fn dovecot_lines_from_real_systems_agree_with_fail2ban() {
    let (read, failing, missed) = check("fail2ban-dovecot.log");
    for m in &missed {
        assert!(
            !m.contains("(auth failed,") || m.starts_with('@'),
            "login process failure missed: {m}"
        );
    }
    // Not read: daemontools' TAI64N timestamps (not syslog), PAM's own `pam_unix … rhost=`
    // lines, plaintext refused before a password was tried, proxy failures, Dovecot 2.4's
    // `auth(user,ip,…)<…>: …` layout.
    assert_eq!(
        (read, failing),
        (READ_DOVECOT, FAILING_DOVECOT),
        "missed: {missed:#?}"
    );
}

const READ_POSTFIX: usize = 30;
const FAILING_POSTFIX: usize = 57;
const READ_DOVECOT: usize = 32;
const FAILING_DOVECOT: usize = 51;

#[test]
fn other_mtas_lines_are_ignored_cleanly() {
    for name in ["fail2ban-exim.log", "fail2ban-sendmail-auth.log"] {
        let data = fixture(name);
        let r = analyze(&data);
        let lines = data
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count();
        assert!(lines >= 30, "{name}: {lines} lines");
        assert_eq!(r.input.events, 0, "{name}");
        assert!(
            r.accounts.is_empty()
                && r.addresses.is_empty()
                && r.tried_users.is_empty()
                && r.rejections.is_empty(),
            "{name}: {r:?}"
        );
    }
}
