//! The SASL lab's manifest (`scripts/lab-sasl.sh` writes `DIR/sasl-manifest.json`) and the
//! check of a login report against it: shared by the fixture test (a captured lab log) and
//! the live test (a fresh lab).

use std::collections::BTreeMap;

use mailq_tui::model::log::LoginReport;
use mailq_tui::model::log::line::Clock;
use mailq_tui::model::time::utc_from_civil;

/// The bytes of `tests/fixtures/maillog/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/maillog")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The fixtures' clock: 2026-11-30 00:00 UTC, logs in UTC.
pub fn clock() -> Clock {
    Clock {
        now: utc_from_civil(2026, 11, 30, 0, 0, 0),
        utc_offset: 0,
    }
}

/// What the scenario did, counted by the script as it did it.
#[derive(Debug, serde::Deserialize)]
pub struct SaslManifest {
    pub failures_by_address: BTreeMap<String, u64>,
    pub failures_by_user: BTreeMap<String, u64>,
    pub header_rejects: u64,
    /// `"user address"` → logins Postfix logged (sessions whose mail got a queue ID).
    pub logins: BTreeMap<String, u64>,
    pub messages: BTreeMap<String, u64>,
    pub recipients: BTreeMap<String, u64>,
}

/// Every count the manifest states, and the signals the scenario must raise.
pub fn check_against_manifest(r: &LoginReport, m: &SaslManifest) {
    let mut logins = BTreeMap::new();
    for acc in &r.accounts {
        for a in &acc.addresses {
            logins.insert(format!("{} {}", acc.user, a.address), a.logins);
        }
        assert_eq!(acc.messages, m.messages[&acc.user], "{}", acc.user);
        assert_eq!(acc.recipients, m.recipients[&acc.user], "{}", acc.user);
    }
    assert_eq!(logins, m.logins);
    let fails: BTreeMap<String, u64> = r
        .addresses
        .iter()
        .filter(|a| a.failures > 0)
        .map(|a| (a.address.clone(), a.failures))
        .collect();
    assert_eq!(fails, m.failures_by_address);
    let users: BTreeMap<String, u64> = r
        .tried_users
        .iter()
        .map(|t| (t.user.clone(), t.failures))
        .collect();
    assert_eq!(users, m.failures_by_user);
    let header: u64 = r
        .rejections
        .iter()
        .filter(|x| x.setting == "header_checks")
        .map(|x| x.count)
        .sum();
    assert_eq!(header, m.header_rejects);
    // carol: the botnet account; the guesser 127.0.2.1 got in; four bot addresses fail
    // after the password change.
    let carol = &r.accounts[0];
    assert_eq!(carol.user, "carol@lab.test");
    assert!(carol.verdict.compromised, "{:?}", carol.verdict);
    assert_eq!(carol.guessed_then_in, ["127.0.2.1"]);
    assert_eq!(
        carol.failing_now,
        ["127.0.1.1", "127.0.1.2", "127.0.1.3", "127.0.1.4"]
    );
    assert!(carol.deferred >= 48, "{carol:?}");
    for ordinary in ["alice@lab.test", "bob@lab.test"] {
        let acc = r.account(ordinary).expect(ordinary);
        assert!(!acc.verdict.compromised, "{acc:?}");
        assert!(acc.guessed_then_in.is_empty());
    }
    // dave was only guessed at; admin does not exist.
    assert!(r.account("dave@lab.test").is_none());
    let admin = r
        .tried_users
        .iter()
        .find(|t| t.user == "admin@lab.test")
        .expect("admin tried");
    assert!(!admin.is_account);
    let guesser = r.address("127.0.2.2").expect("guesser");
    assert_eq!(
        guesser.tried_users.iter().map(|u| &**u).collect::<Vec<_>>(),
        ["admin@lab.test", "dave@lab.test"]
    );
}

/// Run `scripts/lab-sasl.sh` on `lab`: SMTP AUTH on, the instance's own `maillog_file`
/// (`DIR/maillog`), and the scenario's logins, guesses and botnet.
pub fn run_sasl_scenario(lab: &super::Lab) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lab-sasl.sh");
    let out = std::process::Command::new(&script)
        .arg(lab.dir())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "lab-sasl.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
