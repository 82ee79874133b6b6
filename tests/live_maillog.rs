//! Live: real SMTP AUTH against a throwaway Postfix (`scripts/lab.sh` + `scripts/lab-sasl.sh`:
//! Cyrus SASL with a sasldb, users, guessers, a botnet of loopback addresses, a password
//! change), then the mail log it wrote (postlogd, `maillog_file`) read back by the model
//! directly and by the real binary, which finds the log itself through
//! `postconf -h maillog_file`, and checked against the scenario's manifest.
//!
//! Needs root, Postfix, sasl2-bin and libsasl2-modules. `MAILQ_TUI_SKIP_LIVE=1` skips.

mod common;

use std::process::Command;

use common::Lab;
use common::maillog::{SaslManifest, check_against_manifest};
use mailq_tui::maillog::read_stream;
use mailq_tui::model::log::{Clock, LoginAnalyzer};

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
    .unwrap_or(0)
}

#[test]
fn sasl_lab_log_matches_the_manifest() {
    let Some(lab) = Lab::start_or_skip(0) else {
        return;
    };
    common::maillog::run_sasl_scenario(&lab);
    let manifest: SaslManifest =
        serde_json::from_slice(&std::fs::read(lab.dir().join("sasl-manifest.json")).unwrap())
            .unwrap();
    // The deliveries that follow the sessions (deferred to a closed port) must be in the
    // log before it is read: the script waited for the first; wait for all 49 of carol's.
    let log = lab.dir().join("maillog");
    for _ in 0..100 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.matches("status=deferred").count() >= 49 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // The model, fed the file through the adapter's reader.
    let clock = Clock {
        now: now(),
        utc_offset: 0,
    };
    let mut a = LoginAnalyzer::new(clock, None);
    read_stream(std::fs::File::open(&log).unwrap(), &mut a).unwrap();
    let report = a.finish();
    assert_eq!(report.input.unparsed, 0);
    check_against_manifest(&report, &manifest);

    // The binary: no --log, so it finds the instance's maillog_file with postconf.
    let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["-c"])
        .arg(lab.config_dir())
        .args(["logins", "--since", "1h", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "logins: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sources"][0], log.display().to_string());
    let first = &json["accounts"][0];
    assert_eq!(first["user"], "carol@lab.test");
    assert_eq!(first["verdict"]["compromised"], true);
    assert_eq!(first["addresses"].as_array().unwrap().len(), 13);
    assert_eq!(first["guessed_then_in"][0], "127.0.2.1");

    // The text output names the addresses in the countermeasure for the flagged account.
    let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["-c"])
        .arg(lab.config_dir())
        .args(["logins", "--since", "1h"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Countermeasures for carol@lab.test"),
        "{text}"
    );
    assert!(
        text.contains("127.0.1.12                              REJECT"),
        "{text}"
    );
    assert!(
        !text.contains("Countermeasures for alice@lab.test"),
        "{text}"
    );

    // `storm` on the same instance: the queue holds carol's deferred spam, the log (found
    // through the instance) adds where she logged in from, and the countermeasures name
    // those addresses.
    let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["-c"])
        .arg(lab.config_dir())
        .args(["storm", "--since", "1h"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "storm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Mail log evidence:"), "{text}");
    assert!(
        text.contains(
            "carol@lab.test (PROBABLY COMPROMISED): logged in 25 times from 13 addresses"
        ),
        "{text}"
    );
    assert!(
        text.contains("Countermeasures for carol@lab.test (from the mail log):"),
        "{text}"
    );
}
