//! Live tests of `mailq-tui watch` and `mailq-tui check` against a throwaway Postfix lab
//! (`scripts/lab.sh`), started empty and filled while `watch` runs.
//!
//! One scenario, in order (each case builds on the queue the previous one left):
//! the check plugin on the empty queue; `watch` started with a growth alert whose
//! alert-command records every call; the lab filled → the alert fires once; the scraped
//! metrics match `postqueue -j` counted with jq, and pass `promtool check metrics`; the
//! check plugin's WARNING and CRITICAL; a purge → "resolved" once; UNKNOWN when Postfix
//! cannot be listed.
//!
//! Needs root, Postfix, curl, jq and promtool (Debian: prometheus). `MAILQ_TUI_SKIP_LIVE=1`
//! skips instead of failing.

#[macro_use]
mod common;

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use common::Lab;
use common::harness;

const FILL: usize = 300;

struct Ctx<'a> {
    lab: &'a Lab,
    watch: RefCell<Option<Child>>,
    port: u16,
}

type Case = fn(&Ctx<'_>);

const CASES: &[(&str, Case)] = cases![
    check_ok_on_an_empty_queue,
    watch_starts_and_reports_zeros,
    growth_alert_fires_once_when_the_lab_fills,
    metrics_match_postqueue_counted_with_jq,
    watch_as_nobody_lists_without_reading_contents,
    check_warning_and_critical_on_a_full_queue,
    purge_resolves_the_alert_once,
    check_unknown_when_postfix_cannot_be_listed,
];

fn main() -> ExitCode {
    let Some(selected) = harness::selected_cases(CASES, "live watch/check tests") else {
        return ExitCode::SUCCESS;
    };
    let Some(lab) = Lab::start_or_skip(0) else {
        println!(
            "test result: ok. 0 passed; 0 failed; {} skipped",
            selected.len()
        );
        return ExitCode::SUCCESS;
    };
    let port = free_port();
    INSTANCE.with(|i| *i.borrow_mut() = lab.config_dir().display().to_string());
    let ctx = Ctx {
        lab: &lab,
        watch: RefCell::new(None),
        port,
    };
    let ran = selected.len();
    let (failed, took) = harness::run_cases(&selected, |case| case(&ctx));
    if let Some(mut child) = ctx.watch.borrow_mut().take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    drop(ctx);
    drop(lab);
    harness::report(ran, &failed, took)
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mailq-tui")
}

/// `mailq-tui -c LAB check ARGS…`: (exit code, stdout).
fn check(lab: &Lab, args: &[&str]) -> (i32, String) {
    let out = Command::new(bin())
        .arg("-c")
        .arg(lab.config_dir())
        .arg("check")
        .args(args)
        .output()
        .expect("run check");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text.lines().count(), 1, "one line: {text:?}");
    (out.status.code().unwrap_or(-1), text)
}

fn alerts_log(lab: &Lab) -> Vec<String> {
    std::fs::read_to_string(lab.dir().join("alerts.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn scrape(port: u16) -> String {
    let out = Command::new("curl")
        .args(["-sf", "--max-time", "10"])
        .arg(format!("http://127.0.0.1:{port}/metrics"))
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(name_and_labels)?
            .strip_prefix(' ')?
            .parse()
            .ok()
    })
}

/// The `postfix_instance` label of the lab: `watch -c DIR` labels it with DIR.
fn inst() -> String {
    INSTANCE.with(|i| i.borrow().clone())
}

thread_local! {
    static INSTANCE: RefCell<String> = const { RefCell::new(String::new()) };
}

fn messages(text: &str, queue: &str) -> Option<f64> {
    let inst = inst();
    sample(
        text,
        &format!("mailq_tui_messages{{postfix_instance=\"{inst}\",queue=\"{queue}\"}}"),
    )
}

fn listings(text: &str) -> f64 {
    sample(
        text,
        &format!(
            "mailq_tui_listings_total{{postfix_instance=\"{}\"}}",
            inst()
        ),
    )
    .unwrap_or(0.0)
}

/// Wait for a listing that started after now (two more, to be sure).
fn fresh_scrape(port: u16) -> String {
    let before = listings(&scrape(port));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = scrape(port);
        if listings(&text) >= before + 2.0 {
            return text;
        }
        assert!(Instant::now() < deadline, "no new listing within 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn wait_for_alerts(lab: &Lab, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let log = alerts_log(lab);
        if log.len() >= n {
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} alert(s), got {log:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

// ---------------------------------------------------------------------------------------

fn check_ok_on_an_empty_queue(cx: &Ctx<'_>) {
    let (code, line) = check(
        cx.lab,
        &[
            "-w",
            "deferred=10,age=2h",
            "-c",
            "deferred=100,ndr-share=50%",
        ],
    );
    assert_eq!(code, 0, "{line}");
    assert!(line.starts_with("MAILQ OK - 0 deferred"), "{line}");
    assert!(line.contains("| deferred=0;10;100;0;"), "{line}");
}

fn watch_starts_and_reports_zeros(cx: &Ctx<'_>) {
    let dir = cx.lab.dir();
    let script = dir.join("record-alert.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$MAILQ_TUI_ALERT_STATE $MAILQ_TUI_ALERT_NAME $MAILQ_TUI_ALERT_INSTANCE\" >> {log}\ncat >> {json}\necho >> {json}\n",
            log = dir.join("alerts.log").display(),
            json = dir.join("alerts.jsonl").display()
        ),
    )
    .expect("write script");
    let sendmail = dir.join("sendmail-stub.sh");
    std::fs::write(
        &sendmail,
        format!(
            "#!/bin/sh\necho \"$@\" >> {args}\ncat >> {mail}\necho '----' >> {mail}\n",
            args = dir.join("sendmail.args").display(),
            mail = dir.join("sendmail.mail").display()
        ),
    )
    .expect("write sendmail stub");
    std::fs::set_permissions(
        &sendmail,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let config = dir.join("watch.toml");
    std::fs::write(
        &config,
        format!(
            "[watch]\nalert-command = [\"/bin/sh\", \"{}\"]\nalert-mail = [\"postmaster@example.org\"]\nsendmail = \"{}\"\n\n[[alerts]]\nname = \"storm-growth\"\ngrowth = 20\nwindow = \"10m\"\nrepeat = \"0\"\n\n[[alerts]]\ndeferred = 100000\n",
            script.display(),
            sendmail.display()
        ),
    )
    .expect("write config");
    let log = std::fs::File::create(dir.join("watch.stderr")).expect("log");
    let child = Command::new(bin())
        .arg("--config")
        .arg(&config)
        .arg("-c")
        .arg(cx.lab.config_dir())
        .arg("--audit-log")
        .arg(dir.join("audit.jsonl"))
        .args(["watch", "--interval", "1", "--listen"])
        .arg(format!("127.0.0.1:{}", cx.port))
        .arg("--textfile")
        .arg(dir.join("mailq.prom"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start watch");
    *cx.watch.borrow_mut() = Some(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let out = Command::new("curl")
            .args(["-sf", "--max-time", "5"])
            .arg(format!("http://127.0.0.1:{}/metrics", cx.port))
            .output()
            .expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() && listings(&text) >= 1.0 {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "watch did not serve metrics within 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        sample(
            &text,
            &format!("mailq_tui_up{{postfix_instance=\"{}\"}}", inst())
        ),
        Some(1.0),
        "{text}"
    );
    for q in ["maildrop", "incoming", "active", "deferred", "hold"] {
        assert_eq!(messages(&text, q), Some(0.0), "empty {q} is 0, not missing");
    }
    common::promtool_check(&text);
    assert!(alerts_log(cx.lab).is_empty());
}

fn growth_alert_fires_once_when_the_lab_fills(cx: &Ctx<'_>) {
    cx.lab.fill(FILL);
    let log = wait_for_alerts(cx.lab, 1);
    assert_eq!(log, vec![format!("firing storm-growth {}", inst())]);
    // Still growing or flat at its new size: no second announcement (repeat = 0).
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(alerts_log(cx.lab).len(), 1, "{:?}", alerts_log(cx.lab));
    let json = std::fs::read_to_string(cx.lab.dir().join("alerts.jsonl")).expect("json");
    let first: serde_json::Value =
        serde_json::from_str(json.lines().next().expect("a line")).expect("JSON on stdin");
    assert_eq!(first["state"], "firing");
    assert_eq!(first["alert"], "storm-growth");
    assert_eq!(first["kind"], "growth");
    assert!(first["value"].as_f64().unwrap_or(0.0) >= 20.0, "{first}");
    let text = scrape(cx.port);
    assert_eq!(
        sample(
            &text,
            &format!(
                "mailq_tui_alert_firing{{postfix_instance=\"{}\",alert=\"storm-growth\"}}",
                inst()
            )
        ),
        Some(1.0)
    );
}

fn jq_counts(cx: &Ctx<'_>) -> serde_json::Value {
    let pq = Command::new("postqueue")
        .arg("-c")
        .arg(cx.lab.config_dir())
        .arg("-j")
        .output()
        .expect("postqueue");
    let mut jq = Command::new("jq")
        .args([
            "-s",
            "-c",
            "group_by(.queue_name) | map({(.[0].queue_name): length}) | add // {}",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("jq");
    std::io::Write::write_all(&mut jq.stdin.take().expect("stdin"), &pq.stdout).expect("write");
    let out = jq.wait_with_output().expect("jq");
    serde_json::from_slice(&out.stdout).expect("jq output")
}

fn metrics_match_postqueue_counted_with_jq(cx: &Ctx<'_>) {
    cx.lab.settle();
    // The queue moves (deferred mail is retried): compare only when jq saw the same counts
    // before and after the scrape.
    for attempt in 0..10 {
        let before = jq_counts(cx);
        let text = fresh_scrape(cx.port);
        let after = jq_counts(cx);
        if before != after {
            eprintln!("queue moved during attempt {attempt}; again");
            continue;
        }
        let mut total = 0.0;
        for q in ["maildrop", "incoming", "active", "deferred", "hold"] {
            let want = after
                .get(q)
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0);
            assert_eq!(messages(&text, q), Some(want), "{q}: metrics vs jq {after}");
            total += want;
        }
        assert!(
            total >= (FILL * 9 / 10) as f64,
            "the lab holds {total} messages"
        );
        common::promtool_check(&text);
        let file = std::fs::read_to_string(cx.lab.dir().join("mailq.prom")).expect("textfile");
        common::promtool_check(&file);
        assert!(file.contains(&format!(
            "mailq_tui_messages{{postfix_instance=\"{}\",queue=\"deferred\"}}",
            inst()
        )));
        // The storm analysis ran over the queue files (root): NDRs and compromised accounts.
        assert!(
            sample(
                &text,
                &format!(
                    "mailq_tui_ndr_share_ratio{{postfix_instance=\"{}\"}}",
                    inst()
                )
            )
            .unwrap_or(0.0)
                > 0.5,
            "{text}"
        );
        assert!(
            sample(
                &text,
                &format!(
                    "mailq_tui_compromised_accounts{{postfix_instance=\"{}\"}}",
                    inst()
                )
            )
            .is_some()
        );
        return;
    }
    panic!("the queue never held still for a comparison");
}

fn watch_as_nobody_lists_without_reading_contents(cx: &Ctx<'_>) {
    let exe = common::copy_for_nobody(cx.lab.dir(), std::path::Path::new(bin()), "mailq-tui");
    let out = Command::new("runuser")
        .args([
            "-u",
            "nobody",
            "--",
            "env",
            "HOME=/nonexistent",
            "MAILQ_TUI_CONFIG=",
        ])
        .arg(&exe)
        .arg("-c")
        .arg(cx.lab.config_dir())
        .arg("--audit-log")
        .arg(cx.lab.dir().join("bin/audit-nobody.jsonl"))
        .args(["watch", "--once"])
        .current_dir(cx.lab.dir().join("bin"))
        .output()
        .expect("runuser (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        sample(
            &text,
            &format!("mailq_tui_up{{postfix_instance=\"{}\"}}", inst())
        ),
        Some(1.0)
    );
    assert!(messages(&text, "deferred").unwrap_or(0.0) > 0.0, "{text}");
    // Not root: the queue files stay closed, so the count is unknown, not 0.
    assert!(!text.contains("mailq_tui_compromised_accounts{"), "{text}");
    common::promtool_check(&text);
}

fn check_warning_and_critical_on_a_full_queue(cx: &Ctx<'_>) {
    let (code, line) = check(cx.lab, &["-w", "deferred=50", "-c", "deferred=100000"]);
    assert_eq!(code, 1, "{line}");
    assert!(line.starts_with("MAILQ WARNING - deferred "), "{line}");
    let (code, line) = check(
        cx.lab,
        &["-w", "deferred=50", "-c", "deferred=100,ndr-share=50%"],
    );
    assert_eq!(code, 2, "{line}");
    assert!(line.starts_with("MAILQ CRITICAL - "), "{line}");
    assert!(
        line.contains("ndr-share ") && line.contains("(CRITICAL)"),
        "{line}"
    );
    assert!(line.contains(" | deferred="), "{line}");
}

fn purge_resolves_the_alert_once(cx: &Ctx<'_>) {
    let ids: Vec<String> = cx.lab.postqueue().into_iter().map(|m| m.queue_id).collect();
    cx.lab.postsuper("-d", &ids);
    let log = wait_for_alerts(cx.lab, 2);
    assert_eq!(
        log,
        vec![
            format!("firing storm-growth {}", inst()),
            format!("resolved storm-growth {}", inst())
        ]
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(alerts_log(cx.lab).len(), 2, "{:?}", alerts_log(cx.lab));
    // Every alert is an audit entry too.
    let audit = std::fs::read_to_string(cx.lab.dir().join("audit.jsonl")).expect("audit log");
    let ops: Vec<String> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["op"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ops, ["alert firing", "alert resolved"]);
    let text = scrape(cx.port);
    assert_eq!(messages(&text, "deferred"), Some(0.0));
    // A clean stop on SIGTERM.
    let mut child = cx.watch.borrow_mut().take().expect("watch runs");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("kill");
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
    let stderr = std::fs::read_to_string(cx.lab.dir().join("watch.stderr")).unwrap_or_default();
    assert!(
        stderr.contains(&format!("alert firing: storm-growth on {}", inst())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "alert resolved: resolved: storm-growth on {}",
            inst()
        )),
        "{stderr}"
    );
}

fn check_unknown_when_postfix_cannot_be_listed(cx: &Ctx<'_>) {
    let missing: PathBuf = cx.lab.dir().join("no-such-instance");
    let out = Command::new(bin())
        .arg("-c")
        .arg(&missing)
        .args(["check", "-w", "deferred=1"])
        .output()
        .expect("run check");
    let line = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{line}");
    assert!(
        line.starts_with("MAILQ UNKNOWN - cannot list the queue"),
        "{line}"
    );
    // Bad thresholds are UNKNOWN as well, not clap's 2 (which would read as CRITICAL).
    let (code, line) = check(cx.lab, &["-w", "deferred=lots"]);
    assert_eq!(code, 3, "{line}");
}
