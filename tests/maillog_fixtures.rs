//! The mail log model against fixtures in every format we read: a real postlogd log from
//! the SASL lab (with its manifest), and formats from other setups (rsyslog high precision
//! with a multi-instance syslog_name, syslog-ng/BSD with Dovecot, RFC 5424, journald JSON,
//! Dovecot's own log file) plus hostile lines.

use mailq_tui::model::log::{LoginAnalyzer, LoginReport};
use mailq_tui::model::text::sanitize;
use mailq_tui::model::time::utc_from_civil;
use proptest::prelude::*;

mod common;

use common::maillog::{SaslManifest, check_against_manifest, clock, fixture};

fn analyze(name: &str, since: Option<i64>) -> LoginReport {
    let mut a = LoginAnalyzer::new(clock(), since);
    let data = fixture(name);
    for line in data.split_inclusive(|&b| b == b'\n') {
        if name.ends_with(".json") {
            a.push_journal_line(line);
        } else {
            a.push_line(line);
        }
    }
    a.finish()
}

/// The lab's own log (postlogd, Postfix 3.7.11, Cyrus SASL) against what the lab did.
#[test]
fn lab_postlogd_log_matches_its_manifest() {
    let m: SaslManifest = serde_json::from_slice(&fixture("lab-postlogd.manifest.json")).unwrap();
    let r = analyze("lab-postlogd.log", None);
    assert_eq!(r.input.unparsed, 0);
    check_against_manifest(&r, &m);
}

/// A SASL submission by `u@x` on 2026-11-`t` (UTC).
fn line(t: &str, qid: &str, addr: &str) -> String {
    format!(
        "2026-11-{t}Z mx postfix/smtpd[1]: {qid}: client=unknown[{addr}], sasl_method=PLAIN, sasl_username=u@x"
    )
}

#[test]
fn window_tells_new_addresses_from_known_ones() {
    let since = utc_from_civil(2026, 11, 28, 0, 0, 0);
    let mut a = LoginAnalyzer::new(clock(), Some(since));
    a.push_line(line("20T10:00:00", "1A", "192.0.2.1").as_bytes());
    a.push_line(line("28T10:00:00", "1B", "192.0.2.1").as_bytes());
    a.push_line(line("28T11:00:00", "1C", "198.51.100.9").as_bytes());
    let r = a.finish();
    let u = r.account("u@x").unwrap();
    assert_eq!(u.logins, 2);
    let new: Vec<(&str, bool)> = u
        .addresses
        .iter()
        .map(|a| (a.address.as_str(), a.new))
        .collect();
    assert_eq!(new, [("192.0.2.1", false), ("198.51.100.9", true)]);
    assert_eq!(
        u.addresses[0].first_seen,
        Some(utc_from_civil(2026, 11, 20, 10, 0, 0))
    );
    assert_eq!(u.new_addresses, 1);
    assert_eq!(r.input.before_window, 1);
}

#[test]
fn rsyslog_high_precision_multi_instance() {
    let r = analyze("rsyslog-iso.log", None);
    assert_eq!(r.input.unparsed, 0);
    let taro = r.account("taro@example.jp").unwrap();
    assert_eq!(taro.logins, 2);
    assert_eq!(taro.messages, 2);
    assert_eq!(taro.recipients, 5);
    assert_eq!(taro.methods, ["CRAM-MD5"]);
    // b@far-away was deferred, then sent: the final outcome counts.
    assert_eq!((taro.sent, taro.deferred, taro.bounced), (2, 2, 1));
    let addrs: Vec<&str> = taro.addresses.iter().map(|a| a.address.as_str()).collect();
    assert_eq!(addrs, ["186.216.156.42", "2001:db8:77::15"]);
    assert_eq!(
        taro.first_seen,
        Some(utc_from_civil(2026, 11, 24, 2, 12, 45))
    );
    // Old Postfix failure lines do not name the user; Dovecot's auth line does.
    let g = r.address("45.95.168.20").unwrap();
    assert_eq!(g.failures, 2);
    assert_eq!(
        g.tried_users.iter().map(|u| &**u).collect::<Vec<_>>(),
        ["hanako@example.jp"]
    );
    let rbl = &r.rejections[0];
    assert_eq!(
        (
            rbl.setting.as_str(),
            rbl.rule.as_str(),
            rbl.count,
            rbl.clients
        ),
        ("reject_rbl_client", "ips.backscatterer.org", 2, 2)
    );
    assert!(
        r.rejections
            .iter()
            .any(|x| x.setting == "header_checks" && x.rule == "5.7.1 Message content rejected")
    );
}

#[test]
fn syslog_ng_with_dovecot_logins_and_noise() {
    let r = analyze("syslog-ng.log", None);
    assert_eq!(r.input.unparsed, 0);
    let taro = r.account("taro").unwrap();
    // One SMTP AUTH and one IMAP login from the same address; TLS lines are no logins.
    assert_eq!(taro.logins, 2);
    assert_eq!(taro.addresses.len(), 1);
    assert_eq!(taro.recipients, 50);
    assert_eq!(r.account("hanako").unwrap().logins, 1);
    let g = r.address("45.95.168.21").unwrap();
    assert_eq!(g.failures, 4);
    assert_eq!(
        g.tried_users.iter().map(|u| &**u).collect::<Vec<_>>(),
        ["admin", "taro"]
    );
    assert!(r.address("45.95.168.22").is_none());
}

#[test]
fn rfc5424_guess_then_login() {
    let r = analyze("rfc5424.log", None);
    assert_eq!(r.input.unparsed, 0);
    let taro = r.account("taro@example.jp").unwrap();
    assert_eq!(taro.guessed_then_in, ["45.95.168.20"]);
    assert_eq!(taro.failures, 1);
}

#[test]
fn journald_json() {
    let r = analyze("journal.json", None);
    // "not json at all" and the entry without SYSLOG_IDENTIFIER.
    assert_eq!(r.input.unparsed, 2);
    let taro = r.account("taro@example.jp").unwrap();
    assert_eq!(taro.logins, 2);
    assert_eq!(taro.recipients, 3);
    assert_eq!(taro.deferred, 1);
    assert_eq!(taro.first_seen, Some(1_795_482_765));
    // The binary MESSAGE (byte array with invalid UTF-8) is still read.
    assert_eq!(r.address("1.2.3.4").unwrap().failures, 1);
}

#[test]
fn dovecot_own_log_file() {
    let r = analyze("dovecot-own.log", None);
    assert_eq!(r.input.unparsed, 0);
    assert_eq!(r.account("taro@example.jp").unwrap().logins, 1);
    let g = r.address("45.95.168.30").unwrap();
    assert_eq!(g.failures, 2);
    assert_eq!(
        g.tried_users.iter().map(|u| &**u).collect::<Vec<_>>(),
        ["hanako@example.jp"]
    );
}

#[test]
fn hostile_lines_never_panic_and_are_kept_as_data() {
    let r = analyze("adversarial.log", None);
    assert!(r.input.unparsed >= 1);
    let mut json = Vec::new();
    mailq_tui::model::text::write_json(&mut json, &r).unwrap();
    let safe = String::from_utf8(json).unwrap();
    assert!(!safe.contains('\u{1b}'));
    for acc in &r.accounts {
        assert!(!sanitize(&acc.user).contains('\u{1b}'));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Arbitrary bytes: never a panic, in either reader.
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut a = LoginAnalyzer::new(clock(), Some(0));
        for line in data.split(|&b| b == b'\n') {
            a.push_line(line);
            a.push_journal_line(line);
        }
        let _ = a.finish();
    }

    /// Log-shaped lines with arbitrary fields: never a panic; nothing unsafe survives
    /// sanitizing (what every output path does).
    #[test]
    fn log_shaped_lines_never_panic(
        user in "\\PC{0,40}",
        addr in "[0-9a-f:.\\[\\]]{0,20}",
        junk in proptest::collection::vec(any::<char>(), 0..60),
        prog in prop::sample::select(vec!["postfix/smtpd", "postfix/qmgr", "postfix/cleanup", "postfix/smtp", "dovecot", "imap-login", "auth"]),
    ) {
        let junk: String = junk.into_iter().collect();
        let lines = [
            format!("Nov 24 03:12:45 mx {prog}[1]: 1A: client=unknown[{addr}], sasl_method=PLAIN, sasl_username={user}"),
            format!("2026-11-24T03:12:45Z mx {prog}[1]: warning: unknown[{addr}]: SASL PLAIN authentication failed: {junk}, sasl_username={user}"),
            format!("Nov 24 03:12:45 mx {prog}: imap-login: Login: user=<{user}>, rip={addr}{junk}"),
            format!("Nov 24 03:12:45 mx {prog}[1]: 1A: reject: header {junk} from x[{addr}]; from=<{user}> to=<b>: {junk}"),
            format!("Nov 24 03:12:45 mx {prog}[1]: 1A: to=<{user}>, status={junk}"),
        ];
        let mut a = LoginAnalyzer::new(clock(), None);
        for l in &lines {
            a.push_line(l.as_bytes());
        }
        let r = a.finish();
        let mut json = Vec::new();
        mailq_tui::model::text::write_json_pretty(&mut json, &r).unwrap();
        let safe = String::from_utf8(json).unwrap();
        prop_assert!(!safe.chars().any(|c| c != '\n' && mailq_tui::model::text::is_unsafe_char(c)));
        for acc in &r.accounts {
            prop_assert!(!sanitize(&acc.user).chars().any(mailq_tui::model::text::is_unsafe_char));
        }
    }
}

/// `login-new:` needs, per queued message, whether it was submitted from an address new
/// to its account within the window: the analyzer remembers that for watched queue IDs.
#[test]
fn watched_queue_ids_tell_new_submission_addresses() {
    let since = utc_from_civil(2026, 11, 28, 0, 0, 0);
    let mut a = LoginAnalyzer::new(clock(), Some(since));
    a.watch_queue_ids(["1B", "1C", "1Z", "2D"]);
    a.push_line(line("20T10:00:00", "1A", "192.0.2.1").as_bytes());
    a.push_line(line("28T10:00:00", "1B", "192.0.2.1").as_bytes());
    a.push_line(line("28T11:00:00", "1C", "198.51.100.9").as_bytes());
    // Not watched: not kept.
    a.push_line(line("28T12:00:00", "1D", "198.51.100.10").as_bytes());
    // Watched but not a SASL submission.
    a.push_line(b"2026-11-28T12:00:00Z mx postfix/smtpd[1]: 2D: client=unknown[203.0.113.1]");
    let r = a.finish();
    let got: Vec<(&str, &str, bool)> = r
        .queued
        .iter()
        .map(|(id, q)| (id.as_str(), q.address.as_str(), q.new_address))
        .collect();
    assert_eq!(
        got,
        [("1B", "192.0.2.1", false), ("1C", "198.51.100.9", true)]
    );
    assert_eq!(r.queued["1C"].user, "u@x");
}
