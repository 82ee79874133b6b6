//! `login-new:` in the real TUI against the lab with real SMTP AUTH (`scripts/lab-sasl.sh`:
//! Cyrus SASL, the instance's own `maillog_file`): the TUI finds the log itself, reads it in
//! the background for the listed queue IDs, filters and groups with what it says, and a
//! bulk action on `login-new:no` moves exactly those messages.
//!
//! The expectation comes from the log file itself, not from the analyzer under test: the
//! window starts at a moment `T` taken between the scenario and two more logins, so every
//! (account, address) pair logged before `T` is known, and a later login from a pair not
//! logged before `T` is new.

use std::collections::{BTreeSet, HashSet};
use std::process::Command;
use std::time::Duration;

use super::{
    Ctx, Tmux, assert_terminal_restored, assert_untouched_except, audit_path, in_queue,
    mark_all_and_confirm, set_filter,
};

/// (queue ID, account, client address) of each SASL submission smtpd logged in `log`.
fn sasl_submissions(log: &str) -> Vec<(String, String, String)> {
    log.lines()
        .filter_map(|l| {
            let (head, rest) = l.split_once(": client=")?;
            let user = rest
                .split("sasl_username=")
                .nth(1)?
                .split([',', ' '])
                .next()?
                .to_owned();
            let client = rest.split(", ").next()?;
            let addr = client.rsplit_once('[')?.1.trim_end_matches(']').to_owned();
            let qid = head.rsplit(' ').next()?.to_owned();
            Some((qid, user, addr))
        })
        .collect()
}

/// After the scenario: carol again from a botnet address she used before (known), alice
/// from an address never seen for her (new); both to a remote domain, so both stay queued.
const MORE_LOGINS: &str = r#"
import base64, smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
for addr, user, pw, rcpt in [("127.0.1.5", "carol@lab.test", "carol-pw-3", "z1@spam-z.example"),
                             ("127.0.0.9", "alice@lab.test", "alice-pw-1", "y1@spam-y.example")]:
    s = smtplib.SMTP(host, int(port), source_address=(addr, 0), timeout=30)
    s.ehlo("client.example")
    code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(("\0%s\0%s" % (user, pw)).encode()).decode())
    assert code == 235, (addr, user, code)
    s.sendmail(user, [rcpt], "From: <%s>\r\nTo: <%s>\r\nSubject: login-new e2e\r\n\r\nlab\r\n" % (user, rcpt))
    s.quit()
"#;

pub(super) fn login_new_on_a_real_sasl_log(cx: &Ctx<'_>) {
    let lab = cx.lab;
    super::common::maillog::run_sasl_scenario(lab);
    let log_path = lab.dir().join("maillog");

    // The window starts at T, with no login in the second before or after it.
    std::thread::sleep(Duration::from_millis(1_100));
    let before_t = std::fs::read_to_string(&log_path).expect("the lab's maillog");
    let since = mailq_tui::model::time::format_utc(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
    );
    std::thread::sleep(Duration::from_millis(1_100));
    let out = Command::new("python3")
        .args(["-c", MORE_LOGINS, &lab.manifest().smtpd])
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "the two logins failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Both submissions logged, both messages settled in the queue.
    let mut log = String::new();
    for _ in 0..100 {
        log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if sasl_submissions(&log[before_t.len().min(log.len())..]).len() >= 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let later = sasl_submissions(&log[before_t.len()..]);
    assert_eq!(later.len(), 2, "the two new logins are not in the log");
    let later_ids: Vec<String> = later.iter().map(|(q, _, _)| q.clone()).collect();
    lab.wait_until("the two new messages queued", |l| {
        later_ids
            .iter()
            .all(|id| l.iter().any(|m| &m.queue_id == id))
    });
    let queue = lab.queue_by_id();

    let known_pairs: HashSet<(String, String)> = sasl_submissions(&before_t)
        .into_iter()
        .map(|(_, u, a)| (u, a))
        .collect();
    let (mut yes, mut no) = (BTreeSet::new(), BTreeSet::new());
    for (qid, user, addr) in sasl_submissions(&log) {
        if !queue.contains_key(&qid) {
            continue;
        }
        if known_pairs.contains(&(user, addr)) {
            no.insert(qid);
        } else {
            yes.insert(qid);
        }
    }
    let alice_new = &later
        .iter()
        .find(|(_, u, _)| u == "alice@lab.test")
        .expect("alice's login")
        .0;
    assert_eq!(yes, BTreeSet::from([alice_new.clone()]));
    // carol's queued spam from the scenario and her login after T from a known address.
    assert!(no.len() > 20, "carol's spam is not queued: {no:?}");

    let t = Tmux::start("login-new", 160, 40);
    t.launch_with(
        lab,
        &audit_path(lab, "login-new"),
        &["--since", since.as_str()],
    );
    t.wait_text("the total in the header", &format!("{} msgs", queue.len()));

    // The filter: read in the background, then exactly alice's new login.
    set_filter(&t, "login-new:yes", 1);
    t.wait_text(
        "the log note on the status line",
        &format!(
            "login-new: the mail log names the SASL login of {} of {} listed messages",
            yes.len() + no.len(),
            queue.len()
        ),
    );
    set_filter(&t, "login-new:no", no.len());

    // A bulk action on it: hold exactly those, then release them; nothing else moves.
    let held_before = in_queue(&queue, "hold");
    mark_all_and_confirm(&t, "H", "Hold", no.len());
    let held = lab.queue_by_id();
    assert_eq!(
        in_queue(&held, "hold"),
        held_before
            .union(&no)
            .cloned()
            .collect::<BTreeSet<String>>(),
        "hold is not exactly the login-new:no messages"
    );
    assert_untouched_except(&queue, &held, &no);
    set_filter(&t, "queue:hold login-new:no", no.len());
    mark_all_and_confirm(&t, "U", "Release", no.len());
    assert_untouched_except(&queue, &lab.queue_by_id(), &BTreeSet::new());

    // The grouping: Tab to login-new (the filter cleared first).
    t.keys(&["Escape"]);
    t.wait_text("the cleared filter", "filter cleared");
    let title = |s: &str| {
        s.lines()
            .find(|l| l.contains("Groups by") || l.contains("Messages ·"))
            .unwrap_or_default()
            .to_owned()
    };
    let mut tabs = 0;
    while !title(&t.screen()).contains("Groups by login-new") {
        assert!(tabs < 24, "Tab never reached login-new:\n{}", t.screen());
        let before = title(&t.screen());
        t.keys(&["Tab"]);
        tabs += 1;
        t.wait_for("the next grouping", |s| title(s) != before);
    }
    let s = t.wait_text("the login-new groups", "known address");
    for label in ["new address", "known address", "(no log facts)"] {
        assert!(s.contains(label), "no {label} group:\n{s}");
    }

    let status = t.quit();
    assert_eq!(status, "0", "mailq-tui exited with {status}");
    assert_terminal_restored(&t, "after login-new");
}
