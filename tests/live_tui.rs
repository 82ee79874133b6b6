//! End-to-end tests of the real `mailq-tui` binary in a real terminal (tmux) against a real,
//! throwaway Postfix instance (`scripts/lab.sh`): what an admin does during an NDR storm,
//! checked against Postfix itself; hostile mail that tries to drive the terminal; resizing.
//!
//! Own harness (`harness = false`) for the same reason as `live_postfix`: one lab shared by
//! every case and stopped after the last one, also when a case fails. Each case runs the
//! binary in its own tmux server (`tmux -L <unique socket>`), killed by its guard.
//!
//! Needs root, Postfix and tmux (see `scripts/test.sh`). When the lab or tmux cannot start
//! the cases FAIL, unless `MAILQ_TUI_SKIP_LIVE=1`. `MAILQ_TUI_E2E_SHOW=1` prints every
//! screen the cases wait for (to see what the test sees).

#[macro_use]
mod common;

use common::harness;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use common::{Lab, PqMessage};
use mailq_tui::model::text::is_unsafe_char;

const BIN: &str = env!("CARGO_BIN_EXE_mailq-tui");
/// Small enough to start in a few seconds, big enough that "mark all matching" is a bulk
/// action spanning every victim domain and several reason groups.
const DEFAULT_MESSAGES: usize = 400;
/// How long any single screen may take to appear. Generous: CI shares two cores.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);
/// Every hostile test message is sent from this domain, so one filter finds them all.
const HOSTILE_DOMAIN: &str = "hostile.example";
/// Text that only appears on a message screen if a hostile sequence reached tmux raw.
const TITLE_PAYLOAD: &str = "E2E-PWNED";
/// The last line of every hostile body: paging stops when it shows.
const BODY_END: &str = "E2E-BODY-END";

struct Ctx<'a> {
    lab: &'a Lab,
}

type Case = fn(&Ctx<'_>);

/// In this order: the journey checks the lab manifest's exact counts, so it runs before the
/// hostile case adds mail.
const CASES: &[(&str, Case)] = cases![
    journey_hold_and_release_exactly_the_ndrs,
    hostile_mail_cannot_drive_the_terminal,
    resize_to_1x1_and_back_keeps_running,
    hangup_ends_the_process,
    // Last: it turns on SMTP AUTH and the instance's own mail log (`scripts/lab-sasl.sh`).
    login_new_on_a_real_sasl_log,
];

#[path = "live_tui/login_new.rs"]
mod login_new;
use login_new::login_new_on_a_real_sasl_log;

fn main() -> ExitCode {
    let Some(selected) = harness::selected_cases(CASES, "live TUI tests") else {
        return ExitCode::SUCCESS;
    };
    if let Err(why) = tmux_available() {
        if common::skip_allowed() {
            eprintln!("SKIPPED live TUI tests (MAILQ_TUI_SKIP_LIVE=1): {why}");
            println!(
                "test result: ok. 0 passed; 0 failed; {} skipped",
                selected.len()
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("cannot run the live TUI tests: {why}");
        println!("test result: FAILED. 0 passed; {} failed", selected.len());
        return ExitCode::from(101);
    }
    let messages = std::env::var("MAILQ_TUI_LAB_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let Some(lab) = Lab::start_or_skip(messages) else {
        println!(
            "test result: ok. 0 passed; 0 failed; {} skipped",
            selected.len()
        );
        return ExitCode::SUCCESS;
    };
    let ctx = Ctx { lab: &lab };
    let ran = selected.len();
    let (failed, took) = harness::run_cases(&selected, |case| case(&ctx));
    drop(lab);
    harness::report(ran, &failed, took)
}

// ---------------------------------------------------------------------------------------
// tmux

fn tmux_available() -> Result<(), String> {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "tmux -V failed: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!(
            "tmux not found ({e}); install it (apt-get install tmux), or set MAILQ_TUI_SKIP_LIVE=1"
        )),
    }
}

/// A private tmux server (its own socket, no user config) with one pane running a plain
/// shell; killed on drop. The binary runs inside that shell, so quitting it shows what the
/// admin's shell would show afterwards, and its exit status is printed there.
struct Tmux {
    socket: String,
}

/// The shell prompt inside the pane: plain text, so it is easy to find.
const PROMPT: &str = "e2e$ ";
/// Printed by the shell after the binary exits, followed by its exit status.
const EXIT_MARK: &str = "E2E-EXIT=";

impl Tmux {
    fn start(tag: &str, cols: u16, rows: u16) -> Tmux {
        let socket = format!("mailq-tui-e2e-{}-{tag}", std::process::id());
        let t = Tmux { socket };
        let out = t.cmd_output(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            // A UTF-8 locale as an admin's SSH session has; the TUI draws ASCII borders and
            // carets otherwise, and the screens this file waits for are the UTF-8 ones.
            "env",
            "-u",
            "LC_ALL",
            "-u",
            "LC_CTYPE",
            "LANG=C.UTF-8",
            &format!("PS1={PROMPT}"),
            "TERM=tmux-256color",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Let an OSC 52 from the pane reach tmux's paste buffers, so a clipboard write that
        // got through would be visible to `list-buffers`.
        t.cmd(&["set-option", "-g", "set-clipboard", "on"]);
        t.wait_for("the shell prompt", |s| s.contains(PROMPT.trim_end()));
        t
    }

    fn cmd_output(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run tmux: {e}"))
    }

    /// Run a tmux command that must succeed; its stdout.
    fn cmd(&self, args: &[&str]) -> String {
        let out = self.cmd_output(args);
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen as plain text.
    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// The visible screen with tmux's own SGR sequences for attributes (`-e`), as bytes.
    fn screen_escaped(&self) -> Vec<u8> {
        let out = self.cmd_output(&["capture-pane", "-p", "-e", "-t", "e2e"]);
        assert!(out.status.success(), "capture-pane -e failed");
        out.stdout
    }

    fn format(&self, fmt: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "e2e", fmt])
            .trim_end()
            .to_owned()
    }

    /// Type text literally (no key names).
    fn type_text(&self, text: &str) {
        self.cmd(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Press keys by tmux name (`Enter`, `Tab`, `BSpace`, `a`, `H`, …).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.cmd(&args);
    }

    /// Poll the screen until `ready` holds; panic with the last screen after the timeout.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let s = self.screen();
            if ready(&s) {
                if std::env::var("MAILQ_TUI_E2E_SHOW").is_ok_and(|v| v == "1") {
                    eprintln!("--- screen: {what} ---\n{s}");
                }
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {SCREEN_TIMEOUT:?} waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, what: &str, text: &str) -> String {
        self.wait_for(what, |s| s.contains(text))
    }

    /// Start the binary on the lab from the shell, then wait for its first listing.
    fn launch(&self, lab: &Lab, audit: &std::path::Path) {
        self.launch_with(lab, audit, &[]);
    }

    /// [`Tmux::launch`] with more arguments (plain words: not quoted).
    fn launch_with(&self, lab: &Lab, audit: &std::path::Path, args: &[&str]) {
        let line = format!(
            // Quoted apart so that the typed command line itself never shows the mark.
            "{} --config-dir {} --audit-log {}{}; echo '{}''{}'$?",
            shell_quote(BIN),
            shell_quote(&lab.config_dir().to_string_lossy()),
            shell_quote(&audit.to_string_lossy()),
            args.iter().map(|a| format!(" {a}")).collect::<String>(),
            &EXIT_MARK[..4],
            &EXIT_MARK[4..],
        );
        self.type_text(&line);
        self.keys(&["Enter"]);
        // " · taken HH:MM:SS" replaces LOADING in the header once the listing is in.
        self.wait_for("the first listing", |s| {
            s.contains("Groups by") && s.contains(" · taken ")
        });
    }

    /// Quit with `q` and wait for the shell: the binary's exit status.
    fn quit(&self) -> String {
        self.keys(&["q"]);
        let s = self.wait_for("the shell after q", |s| !exit_status(s).is_empty());
        exit_status(&s)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd_output(&["kill-server"]);
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What follows `E2E-EXIT=` on the screen (`0` for a clean exit, `101` for a panic).
fn exit_status(screen: &str) -> String {
    screen
        .lines()
        .find_map(|l| l.trim().strip_prefix(EXIT_MARK))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The audit log of a case, in the lab directory (removed with the lab).
fn audit_path(lab: &Lab, tag: &str) -> PathBuf {
    lab.dir().join(format!("audit-e2e-{tag}.jsonl"))
}

/// After quitting: the normal screen is back (no alternate screen), the cursor is visible,
/// no mouse reporting is left on, nothing of the TUI remains on the screen, and the shell
/// prints plain text with no attributes left over.
fn assert_terminal_restored(t: &Tmux, what: &str) {
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "{what}: alternate screen left on"
    );
    assert_eq!(t.format("#{cursor_flag}"), "1", "{what}: cursor hidden");
    assert_eq!(
        t.format("#{mouse_any_flag}"),
        "0",
        "{what}: mouse reporting left on"
    );
    let s = t.screen();
    assert!(
        !s.contains("Groups by") && !s.contains('│'),
        "{what}: the TUI is still on the normal screen:\n{s}"
    );
    t.type_text("echo plain-after-quit");
    t.keys(&["Enter"]);
    t.wait_for("the shell echo", |s| {
        s.lines().any(|l| l.trim() == "plain-after-quit")
    });
    let raw = t.screen_escaped();
    let text = String::from_utf8_lossy(&raw);
    let line = text
        .lines()
        .find(|l| l.contains("plain-after-quit") && !l.contains("echo"))
        .unwrap_or_default();
    assert_eq!(
        line.trim_end(),
        "plain-after-quit",
        "{what}: the shell's output carries attributes (colour/bold left on): {line:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Queue checks

/// Every message outside `changed` is exactly as it was.
fn assert_untouched_except(
    before: &BTreeMap<String, PqMessage>,
    after: &BTreeMap<String, PqMessage>,
    changed: &BTreeSet<String>,
) {
    let mut moved = Vec::new();
    for (id, m) in before {
        if changed.contains(id) {
            continue;
        }
        match after.get(id) {
            Some(a) if a == m => {}
            Some(a) => moved.push(format!("{id}: {} -> {}", m.queue_name, a.queue_name)),
            None => moved.push(format!("{id}: vanished")),
        }
    }
    for id in after.keys() {
        if !before.contains_key(id) {
            moved.push(format!("{id}: appeared"));
        }
    }
    assert!(
        moved.is_empty(),
        "{} messages outside the selection changed, e.g. {:?}",
        moved.len(),
        &moved[..moved.len().min(5)]
    );
}

fn in_queue(listing: &BTreeMap<String, PqMessage>, queue: &str) -> BTreeSet<String> {
    listing
        .values()
        .filter(|m| m.queue_name == queue)
        .map(|m| m.queue_id.clone())
        .collect()
}

/// Open the filter input, clear what it holds, type `filter`, and wait for the live count.
fn set_filter(t: &Tmux, filter: &str, matches: usize) {
    t.keys(&["/"]);
    let s = t.wait_for("the filter input", |s| {
        s.lines().any(|l| l.starts_with('/'))
    });
    let old = s
        .lines()
        .find_map(|l| l.strip_prefix('/'))
        .and_then(|l| l.split('▏').next())
        .unwrap_or_default();
    for _ in 0..old.chars().count() {
        t.keys(&["BSpace"]);
    }
    t.wait_for("the emptied filter input", |s| {
        s.lines().any(|l| l.starts_with("/▏"))
    });
    t.type_text(filter);
    t.wait_text(
        &format!("{matches} matches for {filter}"),
        &format!("/{filter}▏  {matches} matches"),
    );
    t.keys(&["Enter"]);
    t.wait_text("the applied filter", &format!("match filter: {filter}"));
}

/// With a filter applied: mark all matching, press `op_key`, check the confirm dialog names
/// `verb` and `n` messages, confirm, and wait for the result popup's done count.
fn mark_all_and_confirm(t: &Tmux, op_key: &str, verb: &str, n: usize) -> String {
    t.keys(&["a"]);
    t.wait_text("the marks", &format!("· {n} marked"));
    t.keys(&[op_key]);
    t.wait_text(
        &format!("the {verb} confirm dialog"),
        &format!("{verb} {n} messages"),
    );
    t.keys(&["y"]);
    let s = t.wait_text("the result popup", "Enter/Esc closes");
    assert!(
        s.contains(&format!("done: {n} ")) || s.contains(&format!("done: {n}│")),
        "the result popup does not say done: {n}:\n{s}"
    );
    assert!(
        s.contains("no longer in queue: 0"),
        "messages went missing:\n{s}"
    );
    t.keys(&["Enter"]);
    t.wait_for("the popup to close", |s| !s.contains("Enter/Esc closes"));
    s
}

// ---------------------------------------------------------------------------------------
// Cases

/// The admin's journey during a storm: group by reason, filter the NDRs, mark all, `H`,
/// confirm; Postfix then has exactly the NDRs (plus what was already held) in hold and
/// nothing else moved. Release them the same way; the queue is as before. `q` restores the
/// shell's screen.
fn journey_hold_and_release_exactly_the_ndrs(cx: &Ctx<'_>) {
    let m = cx.lab.manifest();
    let before = cx.lab.queue_by_id();
    assert_eq!(before.len(), m.total, "the lab is not as its manifest says");
    let ndrs: BTreeSet<String> = m.ids["ndr"].iter().cloned().collect();
    let n = ndrs.len();
    assert!(n > 0, "the lab has no NDRs");
    let held_before = in_queue(&before, "hold");
    assert!(held_before.is_disjoint(&ndrs), "NDRs already on hold");

    let t = Tmux::start("journey", 120, 40);
    t.launch(cx.lab, &audit_path(cx.lab, "journey"));
    t.wait_text("the total in the header", &format!("{} msgs", m.total));

    // Group by reason: Tab through the groupings until the title says so. Reason may be
    // the default; then go once round the whole cycle, so Tab is exercised either way.
    let groups_title = |s: &str| {
        s.lines()
            .find(|l| l.contains("Groups by") || l.contains("Messages ·"))
            .unwrap_or_default()
            .to_owned()
    };
    let mut title = groups_title(&t.screen());
    let mut tabs = 0;
    while tabs == 0 || !title.contains("Groups by reason") {
        assert!(
            tabs < 24,
            "Tab never reached the reason grouping; last title: {title}"
        );
        t.keys(&["Tab"]);
        tabs += 1;
        let before = title.clone();
        title = groups_title(&t.wait_for("the next grouping", |s| groups_title(s) != before));
    }
    eprintln!("journey: {tabs} Tab presses to get back to the reason grouping");

    set_filter(&t, "null", n);
    t.wait_text(
        "the filtered count",
        &format!("{n} of {} messages match filter: null", m.total),
    );
    mark_all_and_confirm(&t, "H", "Hold", n);

    let held = cx.lab.queue_by_id();
    let want_hold: BTreeSet<String> = held_before.union(&ndrs).cloned().collect();
    assert_eq!(
        in_queue(&held, "hold"),
        want_hold,
        "hold is not exactly the NDRs plus what was held before"
    );
    assert_untouched_except(&before, &held, &ndrs);

    set_filter(&t, "queue:hold null", n);
    mark_all_and_confirm(&t, "U", "Release", n);

    let released = cx.lab.queue_by_id();
    // Released mail keeps its ID and returns to deferred: the queue is exactly as before.
    assert_untouched_except(&before, &released, &BTreeSet::new());

    let status = t.quit();
    assert_eq!(status, "0", "mailq-tui exited with {status}");
    assert_terminal_restored(&t, "after the journey");

    // The audit log records both actions, with the filter and exactly the NDRs' IDs.
    let audit = std::fs::read_to_string(audit_path(cx.lab, "journey"))
        .unwrap_or_else(|e| panic!("no audit log: {e}"));
    let entries: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("audit line {l}: {e}")))
        .collect();
    let ops: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["op"].as_str().unwrap_or(""),
                e["filter"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [("hold", "null"), ("release", "queue:hold null")],
        "audit log operations"
    );
    for e in &entries {
        let ids: BTreeSet<String> = e["ids_done"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        assert_eq!(ids, ndrs, "audit ids_done of {}", e["op"]);
    }
}

/// One hostile test message: envelope and DATA bytes as a spammer would send them.
struct Hostile {
    sender: Vec<u8>,
    rcpts: Vec<Vec<u8>>,
    data: Vec<u8>,
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Messages whose sender, recipients, Subject, From display name and body carry ESC
/// sequences (SGR colour, cursor moves, screen clears, OSC 52 clipboard writes, OSC 8 links,
/// OSC 0/2 title changes, alternate-screen switches), C1 controls, bidi overrides, NUL,
/// invalid UTF-8 and very long lines. Envelope addresses need quoted local parts for ESC
/// (Postfix rejects it unquoted) and cannot carry NUL or invalid UTF-8 (rejected at
/// MAIL/RCPT); headers and body can carry anything.
fn hostile_messages() -> Vec<Hostile> {
    let long = "W".repeat(5000);
    let mut one = Vec::new();
    one.extend_from_slice(b"From: \"\x1b]8;;http://evil.example/\x07Your Bank\x1b]8;;\x07\x1b]0;E2E-PWNED-FROM\x07\" <bank@hostile.example>\r\n");
    one.extend_from_slice(b"To: victim@mail-h.example\r\n");
    one.extend_from_slice(b"Subject: \x1b[31mRED\x1b[0m \x1b[2J\x1b[Hcleared \x1b]2;E2E-PWNED-SUBJECT\x07 \x1b]52;c;RTJFLVBXTkVE\x07\r\n");
    one.extend_from_slice(b"Message-ID: <e2e-hostile-1@hostile.example>\r\n");
    one.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    one.extend_from_slice(b"body \x1b[5;10Hmoved \x1b]52;c;RTJFLUJPRFk=\x07 \x1b[?1049l left-alt \x1b]0;E2E-PWNED-BODY\x1b\\ nul:\x00: end\r\n");
    one.extend_from_slice(long.as_bytes());
    one.extend_from_slice(b"\r\n.dot-stuffed line\r\nE2E-BODY-END\r\n");

    let mut two = Vec::new();
    two.extend_from_slice(
        format!(
            "From: =?utf-8?B?{}?= <mime@hostile.example>\r\n",
            b64("\x1b[32mGreen \x1b]0;E2E-PWNED-MIME\x07Name".as_bytes())
        )
        .as_bytes(),
    );
    two.extend_from_slice(b"To: victim@mail-h.example\r\n");
    two.extend_from_slice(
        format!(
            "Subject: =?utf-8?B?{}?= raw-c1:\u{9b}2J bidi:\u{202e}fdp.exe invalid:",
            b64("\x1b]8;;http://evil.example/\x07mime link\x1b]8;;\x07".as_bytes())
        )
        .as_bytes(),
    );
    two.extend_from_slice(b"\xff\xfe\x9b\r\n");
    two.extend_from_slice(b"Message-ID: <e2e-hostile-2@hostile.example>\r\n\r\n");
    two.extend_from_slice(b"c1 csi:\xc2\x9b31m raw-byte:\x9b2J isolate:\xe2\x81\xa6x\xe2\x81\xa9 bel:\x07 bs:\x08\x08\r\nE2E-BODY-END\r\n");

    vec![
        Hostile {
            sender: b"\"title\x1b]0;E2E-PWNED-SENDER\x07\"@hostile.example".to_vec(),
            rcpts: vec![
                b"\"clip\x1b]52;c;RTJFLVBXTkVE\x07\"@mail-h.example".to_vec(),
                b"\"link\x1b]8;;http://evil.example/\x07x\"@mail-h.example".to_vec(),
                b"\"red\x1b[31m\x1b[2J\"@mail-h.example".to_vec(),
            ],
            data: one,
        },
        Hostile {
            sender: "c1\u{9b}31m\u{202e}evil@hostile.example"
                .as_bytes()
                .to_vec(),
            rcpts: vec!["bidi\u{202e}gpj.exe@mail-h.example".as_bytes().to_vec()],
            data: two,
        },
    ]
}

/// A minimal SMTP client: enough to send exact bytes, which no mail library would.
struct Smtp {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Smtp {
    fn connect(addr: &str) -> Smtp {
        let stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap_or_else(|e| panic!("set_read_timeout: {e}"));
        let reader = BufReader::new(
            stream
                .try_clone()
                .unwrap_or_else(|e| panic!("clone stream: {e}")),
        );
        let mut s = Smtp { stream, reader };
        s.expect("greeting", 220);
        s
    }

    fn expect(&mut self, what: &str, code: u32) {
        let mut reply = String::new();
        loop {
            let mut line = Vec::new();
            self.reader
                .read_until(b'\n', &mut line)
                .unwrap_or_else(|e| panic!("SMTP {what}: {e}"));
            assert!(!line.is_empty(), "SMTP {what}: connection closed");
            let line = String::from_utf8_lossy(&line).into_owned();
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
        assert!(
            reply.starts_with(&code.to_string()),
            "SMTP {what}: expected {code}, got {reply:?}"
        );
    }

    fn send(&mut self, what: &str, line: &[u8], code: u32) {
        let mut buf = line.to_vec();
        buf.extend_from_slice(b"\r\n");
        self.stream
            .write_all(&buf)
            .unwrap_or_else(|e| panic!("SMTP {what}: {e}"));
        self.expect(what, code);
    }

    fn message(&mut self, h: &Hostile) {
        self.send("MAIL", &[b"MAIL FROM:<", &h.sender[..], b">"].concat(), 250);
        for r in &h.rcpts {
            self.send("RCPT", &[b"RCPT TO:<", &r[..], b">"].concat(), 250);
        }
        self.send("DATA", b"DATA", 354);
        // Dot-stuffing: a line starting with '.' gets another.
        let mut body = Vec::new();
        for line in h.data.split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                body.push(b'.');
            }
            body.extend_from_slice(line);
        }
        if !body.ends_with(b"\r\n") {
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b".");
        self.send("end of DATA", &body, 250);
    }
}

/// Hostile mail in the queue, opened in the TUI's lists, detail view and body view: every
/// sequence shows escaped as text (`\e[31m`, `\x9b`, `\u{202e}`), no title change reaches
/// the pane, no OSC 52 reaches tmux's clipboard, no alternate-screen or cursor trick
/// survives, and after quitting the terminal is normal.
fn hostile_mail_cannot_drive_the_terminal(cx: &Ctx<'_>) {
    let before = cx.lab.queue_by_id();
    let hostile = hostile_messages();
    let started = Instant::now();
    let mut smtp = Smtp::connect(&cx.lab.manifest().smtpd);
    smtp.send("EHLO", b"EHLO e2e.lab.test", 250);
    for h in &hostile {
        smtp.message(h);
    }
    smtp.send("QUIT", b"QUIT", 221);
    let injected = Instant::now();
    eprintln!(
        "hostile: SMTP session took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let listing = cx.lab.wait_until("hostile mail deferred", |l| {
        l.iter()
            .filter(|m| m.sender.ends_with(HOSTILE_DOMAIN) && m.queue_name == "deferred")
            .count()
            == hostile.len()
    });
    eprintln!(
        "hostile: {} messages deferred {:.1} s after injection",
        hostile.len(),
        injected.elapsed().as_secs_f64()
    );
    let ours: Vec<&PqMessage> = listing
        .iter()
        .filter(|m| !before.contains_key(&m.queue_id))
        .collect();
    assert_eq!(
        ours.len(),
        hostile.len(),
        "expected only the hostile messages to be new (no bounces)"
    );
    // `postqueue` shows control characters in addresses as '?', but the queue file (what
    // the detail view reads with postcat) keeps them raw.
    let raw_sender = ours
        .iter()
        .find(|m| m.sender.starts_with("\"title"))
        .unwrap_or_else(|| panic!("the ESC sender is not queued: {ours:?}"));
    let postcat = Command::new("postcat")
        .arg("-c")
        .arg(cx.lab.config_dir())
        .args(["-q", &raw_sender.queue_id])
        .output()
        .unwrap_or_else(|e| panic!("postcat: {e}"));
    assert!(
        postcat.stdout.windows(2).any(|w| w == b"\x1b]"),
        "the queue file lost its ESC; the test would prove nothing"
    );

    let t = Tmux::start("hostile", 120, 40);
    let title_before = t.format("#{pane_title}");
    t.launch(cx.lab, &audit_path(cx.lab, "hostile"));
    let filter = format!("sender:{HOSTILE_DOMAIN}");
    set_filter(&t, &filter, hostile.len());

    let mut screens: Vec<(String, String, Vec<u8>)> = Vec::new();
    let grab = |what: &str, screens: &mut Vec<(String, String, Vec<u8>)>| {
        screens.push((what.to_owned(), t.screen(), t.screen_escaped()));
    };
    grab("groups", &mut screens);
    // Into the messages of the (only) group, then each message's detail and body.
    t.keys(&["Enter"]);
    t.wait_for("the messages pane", |s| s.contains("Messages ·"));
    grab("messages", &mut screens);
    for i in 0..hostile.len() {
        t.keys(&["g"]);
        for _ in 0..i {
            t.keys(&["j"]);
        }
        t.keys(&["Enter"]);
        t.wait_for("the detail view", |s| {
            s.contains("Message ") && s.contains("Recipients (")
        });
        // The queue file is read in the background: wait for its headers.
        t.wait_for("the queue file", |s| {
            s.contains("log_ident") && !s.contains("reading the queue file")
        });
        grab(&format!("detail {i}"), &mut screens);
        // The body is read on request and appended below the headers: page down through
        // all of it, keeping every screen, until its last line shows.
        t.keys(&["b"]);
        let mut page = 0;
        loop {
            let s = t.screen();
            grab(&format!("body {i} page {page}"), &mut screens);
            if s.contains(BODY_END) {
                break;
            }
            assert!(page < 80, "message {i}: {BODY_END} never showed:\n{s}");
            page += 1;
            t.keys(&["C-d"]);
            t.wait_for(&format!("message {i}: body page {page}"), |n| {
                n != s || n.contains(BODY_END)
            });
        }
        t.keys(&["h"]);
        t.wait_for("back to the messages", |s| !s.contains("Recipients ("));
    }

    let all: String = screens.iter().map(|(_, s, _)| s.as_str()).collect();
    for (what, plain, raw) in &screens {
        if let Some(c) = plain.chars().find(|&c| c != '\n' && is_unsafe_char(c)) {
            panic!("{what}: raw U+{:04X} on the screen:\n{plain}", c as u32);
        }
        assert_only_sgr(what, raw);
    }
    // The sequences are shown, escaped, somewhere in what the admin saw.
    for shown in [
        r"\e]2;E2E-PWNED-SUBJECT\x07",
        r"\e]0;E2E-PWNED-BODY\e\ nul:\0: end",
        r"\e[31mRED\e[0m",
        r"\e[2J\e[Hcleared",
        r"\e]52;c;RTJFLVBXTkVE\x07",
        r"\e]8;;http://evil.example/\x07",
        r"\e[5;10Hmoved",
        r"\e[?1049l",
        r"\u{202e}",
        r"\x9b",
    ] {
        assert!(
            all.contains(shown),
            "{shown} is not shown escaped on any screen:\n{all}"
        );
    }
    assert_eq!(
        t.format("#{pane_title}"),
        title_before,
        "the pane title changed"
    );
    assert!(
        !t.format("#{pane_title}").contains(TITLE_PAYLOAD),
        "the pane title carries the payload"
    );
    let buffers = t.cmd(&["list-buffers"]);
    assert!(
        buffers.trim().is_empty(),
        "an OSC 52 clipboard write reached tmux: {buffers}"
    );
    eprintln!(
        "hostile: {} screens checked, {:.1} s since the injection",
        screens.len(),
        injected.elapsed().as_secs_f64()
    );
    let status = t.quit();
    assert_eq!(status, "0", "mailq-tui exited with {status}");
    assert_terminal_restored(&t, "after the hostile mail");
    assert_eq!(t.format("#{pane_title}"), title_before, "title after quit");
}

/// `capture-pane -e` output may hold ESC only as tmux's own SGR attributes (`ESC [ … m`):
/// an OSC, a cursor move or anything else means a sequence got through as something other
/// than cell attributes.
fn assert_only_sgr(what: &str, raw: &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == 0x1b {
            let rest = &raw[i + 1..];
            let ok = rest.first() == Some(&b'[') && {
                let end = rest[1..]
                    .iter()
                    .position(|b| !(b.is_ascii_digit() || *b == b';' || *b == b':'));
                end.is_some_and(|e| rest[1 + e] == b'm')
            };
            assert!(
                ok,
                "{what}: a non-SGR escape sequence is on the screen: {:?}",
                String::from_utf8_lossy(&raw[i..raw.len().min(i + 24)])
            );
        }
        i += 1;
    }
}

/// Shrink the window to 40×12, then 1×1, then back to 120×40: the binary keeps running
/// (no panic), redraws at each size, and quits cleanly.
fn resize_to_1x1_and_back_keeps_running(cx: &Ctx<'_>) {
    let t = Tmux::start("resize", 120, 40);
    t.launch(cx.lab, &audit_path(cx.lab, "resize"));
    let resize = |cols: u16, rows: u16| {
        t.cmd(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
    };
    let alive = |what: &str| {
        let s = t.screen();
        assert!(exit_status(&s).is_empty(), "{what}: mailq-tui exited:\n{s}");
        assert_eq!(t.format("#{alternate_on}"), "1", "{what}: left the TUI");
    };

    resize(40, 12);
    t.wait_for("a redraw at 40x12", |s| {
        t.format("#{window_width}x#{window_height}") == "40x12"
            && s.lines().all(|l| l.chars().count() <= 40)
            && s.contains("msgs")
    });
    alive("at 40x12");

    resize(1, 1);
    t.wait_for("the 1x1 window", |_| {
        t.format("#{window_width}x#{window_height}") == "1x1"
    });
    // Give the binary a moment to draw (or crash) at 1x1; then it must still be there.
    std::thread::sleep(Duration::from_millis(500));
    alive("at 1x1");

    resize(120, 40);
    let s = t.wait_for("a full redraw at 120x40", |s| {
        s.contains("Groups by") && s.lines().any(|l| l.chars().count() == 120)
    });
    assert!(s.contains(" msgs "), "header missing after resize:\n{s}");
    alive("back at 120x40");

    let status = t.quit();
    assert_eq!(status, "0", "mailq-tui exited with {status}");
    assert_terminal_restored(&t, "after resizing");
}

/// The PID of the `mailq-tui` the pane's shell started.
fn tui_pid(t: &Tmux) -> i32 {
    let shell = t.format("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .unwrap_or_else(|e| panic!("children of the pane's shell {shell}: {e}"));
    children
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok())
        .find(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .is_ok_and(|c| c.trim() == "mailq-tui")
        })
        .unwrap_or_else(|| panic!("no mailq-tui among the shell's children: {children:?}"))
}

/// Gone, or a zombie nobody reaps (its parent, the pane's shell, is gone too).
fn exited(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// The SSH link drops: the terminal hangs up under the running TUI (tmux's server dies with
/// the pty), once while idle and once while it is quitting. The process must end within
/// seconds either way, not linger on a dead terminal.
fn hangup_ends_the_process(cx: &Ctx<'_>) {
    hangup_after(cx, "idle", &[]);
    hangup_after(cx, "quitting", &["q"]);
    hangup_while_listing(cx);
}

fn hangup_after(cx: &Ctx<'_>, tag: &str, keys: &[&str]) {
    let t = Tmux::start(&format!("hangup-{tag}"), 120, 40);
    t.launch(cx.lab, &audit_path(cx.lab, "hangup"));
    let pid = tui_pid(&t);
    if !keys.is_empty() {
        t.keys(keys);
    }
    t.cmd(&["kill-server"]);
    expect_exit(pid, tag);
}

/// The terminal hangs up while a listing is still coming in (a `postqueue` that prints the
/// lab's listing and then keeps its output open for a minute, first on `PATH`: in a
/// root-owned private directory, so root trusts it). The process must not wait for the
/// listing to end, nor block writing to the dead terminal.
fn hangup_while_listing(cx: &Ctx<'_>) {
    let dir = tempfile::Builder::new()
        .prefix("mailq-tui-slow-postqueue.")
        .tempdir()
        .expect("temp dir");
    let stub = dir.path().join("postqueue");
    std::fs::write(
        &stub,
        "#!/bin/sh\n/usr/sbin/postqueue \"$@\"\nexec sleep 60\n",
    )
    .expect("write the stub");
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let t = Tmux::start("hangup-listing", 120, 40);
    t.type_text(&format!(
        "PATH={}:$PATH {} --config-dir {} --audit-log {}",
        shell_quote(&dir.path().to_string_lossy()),
        shell_quote(BIN),
        shell_quote(&cx.lab.config_dir().to_string_lossy()),
        shell_quote(&audit_path(cx.lab, "hangup").to_string_lossy()),
    ));
    t.keys(&["Enter"]);
    // The listing's messages are on screen, but the listing has not ended.
    t.wait_for("the messages of a listing still running", |s| {
        s.contains("Groups by") && !s.contains(" · taken ")
    });
    let pid = tui_pid(&t);
    t.cmd(&["kill-server"]);
    expect_exit(pid, "listing");
}

fn expect_exit(pid: i32, tag: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !exited(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if !exited(pid) {
        // Ours to clean up: this test started it.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        panic!("{tag}: mailq-tui (pid {pid}) still ran 5 s after its terminal hung up");
    }
}
