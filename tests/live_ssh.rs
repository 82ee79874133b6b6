//! Live tests of the ssh adapter: two throwaway Postfix instances (`scripts/lab.sh`) as two
//! "hosts", each behind its own OpenSSH server on 127.0.0.1 and a high port
//! (`tests/ssh_support`), reached with the real `ssh` client and the real binary.
//!
//! Own harness (`harness = false`), like `live_postfix`: the labs and servers are shared by
//! all cases and stopped after the last one, also when a case fails. Cases run in order;
//! the last one stops a server.
//!
//! Needs root, Postfix and OpenSSH (see `.ci/run`). `MAILQ_TUI_SKIP_LIVE=1` skips instead of
//! failing. `MAILQ_TUI_SSH_LAB_MESSAGES=N` changes each lab's size (default 300).

mod common;

use common::harness;
mod ssh_support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

use common::{Lab, PqMessage};
use mailq_tui::model::Filter;
use mailq_tui::model::filter::select;
use mailq_tui::model::fleet::FleetRow;
use mailq_tui::postfix::fleet::Fleet;
use mailq_tui::postfix::{MailQueue, PostfixError, ReadParts};
use mailq_tui::postfix::{
    local::connect,
    ssh::{SshHost, SshOptions},
};
use ssh_support::SshEnv;

const DEFAULT_MESSAGES: usize = 300;
const NAMES: [&str; 2] = ["mx-a", "mx-b"];

struct Ctx {
    labs: Vec<Lab>,
    ssh: SshEnv,
    /// The mailq-tui config file with the two `[[hosts]]`.
    config: PathBuf,
    audit: PathBuf,
}

impl Ctx {
    fn host(&self, i: usize) -> SshHost {
        SshHost {
            name: NAMES[i].into(),
            destination: self.ssh.alias(i),
            config_dir: Some(self.labs[i].config_dir()),
            ssh_options: vec!["-F".into(), self.ssh.ssh_config().display().to_string()],
        }
    }

    fn opts(&self) -> SshOptions {
        SshOptions {
            control_dir: self.ssh.control_dir(),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            ..SshOptions::default()
        }
    }

    /// The real binary with our config, control sockets in our directory, our audit log.
    fn bin(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
            .arg("--config")
            .arg(&self.config)
            .arg("--audit-log")
            .arg(&self.audit)
            .args(args)
            .env("XDG_RUNTIME_DIR", self.ssh.dir())
            .env_remove("MAILQ_TUI_CONFIG")
            .output()
            .unwrap_or_else(|e| panic!("cannot run mailq-tui: {e}"));
        eprintln!(
            "$ mailq-tui {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

type Case = fn(&mut Ctx);

const CASES: &[(&str, Case)] = &[
    ("list_each_host_over_ssh", list_each_host_over_ssh),
    ("read_queue_files_over_ssh", read_queue_files_over_ssh),
    (
        "next_retry_over_ssh_is_the_remote_queue_files_mtimes",
        next_retry_over_ssh_is_the_remote_queue_files_mtimes,
    ),
    ("filter_per_host_is_labelled", filter_per_host_is_labelled),
    ("ids_per_host", ids_per_host),
    (
        "hold_release_on_one_host_leaves_the_other_untouched",
        hold_release_on_one_host_leaves_the_other_untouched,
    ),
    (
        "storm_per_host_reads_queue_files",
        storm_per_host_reads_queue_files,
    ),
    ("fleet_lists_all_hosts", fleet_lists_all_hosts),
    ("watch_once_over_ssh_per_host", watch_once_over_ssh_per_host),
    ("logins_reads_the_remote_log", logins_reads_the_remote_log),
    (
        "submitter_over_ssh_is_named_by_the_host",
        submitter_over_ssh_is_named_by_the_host,
    ),
    (
        "a_down_host_shows_down_while_the_other_works",
        a_down_host_shows_down_while_the_other_works,
    ),
];

fn main() -> ExitCode {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        for (name, _) in CASES {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let selected: Vec<&(&str, Case)> = CASES
        .iter()
        .filter(|(n, _)| filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str())))
        .collect();
    println!("\nrunning {} live ssh tests", selected.len());
    if selected.is_empty() {
        return ExitCode::SUCCESS;
    }
    let mut ctx = match setup() {
        Ok(ctx) => ctx,
        Err(why) if common::skip_allowed() => {
            eprintln!("SKIPPED live ssh tests (MAILQ_TUI_SKIP_LIVE=1): {why}");
            println!(
                "test result: ok. 0 passed; 0 failed; {} skipped",
                selected.len()
            );
            return ExitCode::SUCCESS;
        }
        Err(why) => panic!("cannot set up the ssh tests: {why}"),
    };
    let ran = selected.len();
    let (failed, took) = harness::run_cases(&selected, |case| case(&mut ctx));
    drop(ctx);
    harness::report(ran, &failed, took)
}

fn setup() -> Result<Ctx, String> {
    let messages = std::env::var("MAILQ_TUI_SSH_LAB_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let ssh = SshEnv::start(2)?;
    let labs = vec![Lab::try_start(messages)?, Lab::try_start(messages)?];
    let config = ssh.dir().join("mailq-tui.toml");
    let mut text = String::from("host-timeout = 10\n");
    for (i, lab) in labs.iter().enumerate() {
        text.push_str(&format!(
            "[[hosts]]\nname = \"{}\"\nssh = \"{}\"\nconfig-dir = \"{}\"\nssh-options = [\"-F\", \"{}\"]\n",
            NAMES[i],
            ssh.alias(i),
            lab.config_dir().display(),
            ssh.ssh_config().display()
        ));
    }
    std::fs::write(&config, text).map_err(|e| format!("write config: {e}"))?;
    let audit = ssh.dir().join("audit.jsonl");
    Ok(Ctx {
        labs,
        ssh,
        config,
        audit,
    })
}

/// Queue ID → queue name, straight from `postqueue -j` on the lab (not through ssh).
fn queues(list: &[PqMessage]) -> BTreeMap<String, String> {
    list.iter()
        .map(|m| (m.queue_id.clone(), m.queue_name.clone()))
        .collect()
}

fn list_each_host_over_ssh(ctx: &mut Ctx) {
    for (i, name) in NAMES.iter().enumerate() {
        let pf = connect(&ctx.host(i), &ctx.opts()).unwrap_or_else(|e| panic!("connect: {e}"));
        assert_eq!(
            pf.describe(),
            format!(
                "ssh {name}: postfix -c {}",
                ctx.labs[i].config_dir().display()
            )
        );
        assert_eq!(
            pf.read_only_reason(),
            None,
            "root login may change the queue"
        );
        let snap = pf.list().unwrap_or_else(|e| panic!("list over ssh: {e}"));
        assert!(snap.problems.is_empty(), "{:?}", snap.problems);
        let want = ctx.labs[i].queue_by_id();
        let got: BTreeMap<String, String> = snap
            .messages
            .iter()
            .map(|m| (m.queue_id.to_string(), m.queue.as_str().to_owned()))
            .collect();
        assert_eq!(got, queues(&want.into_values().collect::<Vec<_>>()));
        let ndrs = snap.messages.iter().filter(|m| m.null_sender).count();
        assert_eq!(ndrs, ctx.labs[i].manifest().ndr.count);
        // A second listing reuses the multiplexed connection: its control socket exists.
        let sockets = std::fs::read_dir(ctx.ssh.control_dir())
            .map(|d| d.count())
            .unwrap_or(0);
        assert!(sockets > i, "one control socket per host, found {sockets}");
    }
}

fn read_queue_files_over_ssh(ctx: &mut Ctx) {
    let pf = connect(&ctx.host(0), &ctx.opts()).unwrap_or_else(|e| panic!("connect: {e}"));
    let ids: Vec<_> = ctx.labs[0].manifest().ids["spam_out"]
        .iter()
        .take(3)
        .map(|s| mailq_tui::model::QueueId::new(s))
        .collect();
    let report = pf
        .read(&ids, ReadParts { body: false })
        .unwrap_or_else(|e| panic!("read over ssh: {e}"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.files.len(), 3);
    let user = &ctx.labs[0].manifest().spam_out.sasl_username;
    for f in &report.files {
        assert_eq!(f.attribute("sasl_username"), Some(user.as_str()), "{f:?}");
    }
}

/// Queue ID → mtime of every file under `dir` (the lab's deferred tree, read directly).
fn mtimes_under(dir: &std::path::Path, out: &mut BTreeMap<String, i64>) {
    use std::os::unix::fs::MetadataExt;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        if meta.is_dir() {
            mtimes_under(&e.path(), out);
        } else if meta.is_file() {
            out.insert(e.file_name().to_string_lossy().into_owned(), meta.mtime());
        }
    }
}

/// Over ssh, the next retry of every deferred message is its queue file's mtime on that
/// host (one remote `find`, as root), like locally; the detail view no longer says
/// "not read from a remote host". A symlink planted in the deferred tree is not followed.
/// (`mtimes_under` reads the same tree directly, without following symlinks.)
fn next_retry_over_ssh_is_the_remote_queue_files_mtimes(ctx: &mut Ctx) {
    use mailq_tui::model::QueueName;
    let lab = &ctx.labs[1];
    let deferred = lab.manifest().queue_dir.join("deferred");
    // A symlink to a file outside the queue, named like a queue ID of this listing.
    let outside = ctx.ssh.dir().join("not-a-queue-file");
    std::fs::write(&outside, b"x").unwrap_or_else(|e| panic!("write: {e}"));
    std::fs::File::options()
        .write(true)
        .open(&outside)
        .and_then(|f| f.set_times(std::fs::FileTimes::new().set_modified(std::time::UNIX_EPOCH)))
        .unwrap_or_else(|e| panic!("set mtime: {e}"));
    let pf = connect(&ctx.host(1), &ctx.opts()).unwrap_or_else(|e| panic!("connect: {e}"));
    let first = pf.list().unwrap_or_else(|e| panic!("list over ssh: {e}"));
    let victim = first
        .messages
        .iter()
        .find(|m| m.queue == QueueName::Deferred)
        .map(|m| m.queue_id.to_string())
        .unwrap_or_else(|| panic!("no deferred mail"));
    let mut on_disk = BTreeMap::new();
    mtimes_under(&deferred, &mut on_disk);
    // Named exactly like a deferred message, in a hash directory of its own: followed, it
    // would give that message the outside file's mtime (the epoch).
    let planted = deferred.join("ZZ");
    std::fs::create_dir_all(&planted).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::os::unix::fs::symlink(&outside, planted.join(&victim))
        .unwrap_or_else(|e| panic!("symlink: {e}"));
    let snap = pf.list().unwrap_or_else(|e| panic!("list over ssh: {e}"));
    let _ = std::fs::remove_dir_all(&planted);
    assert!(on_disk.get(&victim).is_some_and(|t| *t > 0));
    common::assert_next_retries(&snap, &on_disk);
    // The CLI shows it too: `--sort retry` over ssh orders by the remote times.
    let out = ctx.bin(&[
        "--host", NAMES[1], "summary", "--by", "rcpt", "--sort", "retry", "--json", "--top", "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"next_retry\""),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Mail a web script sent with `sendmail` as www-data on mx-a shows submitter `www-data`
/// over ssh: the uid from the queue file, the name from `getent passwd` run on that host
/// through its ssh link.
fn submitter_over_ssh_is_named_by_the_host(ctx: &mut Ctx) {
    let lab = &ctx.labs[0];
    let sender = "ssh-webscript@lab.test";
    for i in 0..2 {
        lab.sendmail_as(
            33,
            sender,
            "target@victim-a.example",
            &format!("From: {sender}\nSubject: prize {i}\n\nx\n"),
        );
    }
    let list = lab.wait_until("sendmail as www-data", |l| {
        l.iter()
            .filter(|m| m.sender == sender && m.queue_name == "deferred")
            .count()
            == 2
    });
    let mut want: Vec<String> = list
        .iter()
        .filter(|m| m.sender == sender)
        .map(|m| m.queue_id.clone())
        .collect();
    want.sort();
    let out = ctx.bin(&["--host", NAMES[0], "ids", "submitter:=www-data"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    got.sort();
    assert_eq!(got, want);
    let pf = connect(&ctx.host(0), &ctx.opts()).unwrap_or_else(|e| panic!("connect: {e}"));
    let users = pf.local_users(&[33, 4_000_000_000]);
    assert_eq!(users.names.get(&33).map(String::as_str), Some("www-data"));
    assert!(!users.names.contains_key(&4_000_000_000), "{users:?}");
    let owner = Command::new("id")
        .args(["-u", "postfix"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u32>()
                .ok()
        })
        .unwrap_or_default();
    assert_eq!(users.owner, owner, "mail_owner's uid on the host");
}

fn filter_per_host_is_labelled(ctx: &mut Ctx) {
    // Same filter on both hosts through the adapter: each host's own matches.
    let word = ctx.labs[0].manifest().legit.senders[0].clone();
    let filter = Filter::parse(&word).unwrap_or_else(|e| panic!("filter: {e}"));
    for i in 0..2 {
        let pf = connect(&ctx.host(i), &ctx.opts()).unwrap_or_else(|e| panic!("connect: {e}"));
        let snap = pf.list().unwrap_or_else(|e| panic!("list: {e}"));
        let sel = select(&snap, &filter, 0);
        let mut got: Vec<String> = sel
            .indices
            .iter()
            .map(|&k| snap.messages[k as usize].queue_id.to_string())
            .collect();
        let mut want: Vec<String> = ctx.labs[i]
            .postqueue()
            .into_iter()
            .filter(|m| m.sender == word)
            .map(|m| m.queue_id)
            .collect();
        got.sort();
        want.sort();
        assert!(!want.is_empty());
        assert_eq!(got, want, "host {i}");
    }
    // The binary with two hosts: one labelled section per host, in order.
    let out = ctx.bin(&["--host", NAMES[0], "--host", NAMES[1]]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for i in 0..2 {
        let dir = ctx.labs[i].config_dir();
        assert_eq!(
            lines[2 * i],
            format!(
                "== host {}: ssh {}: postfix -c {} ==",
                NAMES[i],
                NAMES[i],
                dir.display()
            )
        );
        assert_eq!(
            lines[2 * i + 1],
            format!(
                "ssh {}: postfix -c {}: {} messages",
                NAMES[i],
                dir.display(),
                ctx.labs[i].postqueue().len()
            )
        );
    }
}

/// `ids` with two hosts: one labelled block per host, each exactly that host's matches.
fn ids_per_host(ctx: &mut Ctx) {
    let word = ctx.labs[0].manifest().legit.senders[2].clone();
    let out = ctx.bin(&["--host", NAMES[0], "--host", NAMES[1], "ids", &word]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines() {
        if let Some(label) = line.strip_prefix("== host ") {
            blocks.push((label.to_owned(), Vec::new()));
        } else if let Some((_, ids)) = blocks.last_mut() {
            ids.push(line.to_owned());
        } else {
            panic!("output before the first label: {line}");
        }
    }
    assert_eq!(blocks.len(), 2, "{stdout}");
    for (i, (label, ids)) in blocks.iter_mut().enumerate() {
        assert!(
            label.starts_with(&format!("{}: ssh {}:", NAMES[i], NAMES[i])),
            "{label}"
        );
        let mut want: Vec<String> = ctx.labs[i]
            .postqueue()
            .into_iter()
            .filter(|m| m.sender == word)
            .map(|m| m.queue_id)
            .collect();
        want.sort();
        ids.sort();
        assert!(!want.is_empty());
        assert_eq!(*ids, want, "host {i}");
    }
}

fn hold_release_on_one_host_leaves_the_other_untouched(ctx: &mut Ctx) {
    let word = ctx.labs[0].manifest().legit.senders[1].clone();
    let before_a = ctx.labs[0].postqueue();
    let before_b = queues(&ctx.labs[1].postqueue());
    let selected: Vec<String> = before_a
        .iter()
        .filter(|m| m.sender == word && m.queue_name == "deferred")
        .map(|m| m.queue_id.clone())
        .collect();
    assert!(!selected.is_empty(), "lab has deferred mail from {word}");

    let out = ctx.bin(&["--host", NAMES[0], "hold", "--yes", &word]);
    // The filter also selects this sender's messages that the lab put on hold already:
    // those are "already held", not failures (exit 0), and nothing may fail.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("failed "))
        .collect();
    assert!(
        out.status.code() == Some(0) && failed.is_empty(),
        "hold over ssh failed: {stdout}"
    );
    let held_before = before_a
        .iter()
        .filter(|m| m.sender == word && m.queue_name == "hold")
        .count();
    if held_before > 0 {
        assert!(
            stdout.contains(&format!("{held_before} already held")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains(&format!("Placed on hold: {} message", selected.len())),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("on ssh {}:", NAMES[0])),
        "the plan names the host: {stderr}"
    );
    let after_a = queues(&ctx.labs[0].postqueue());
    for id in &selected {
        assert_eq!(after_a.get(id).map(String::as_str), Some("hold"), "{id}");
    }
    for (id, q) in queues(&before_a) {
        if !selected.contains(&id) {
            assert_eq!(after_a.get(&id), Some(&q), "{id} was not selected");
        }
    }
    assert_eq!(queues(&ctx.labs[1].postqueue()), before_b, "host b changed");

    // The audit entry names the host.
    let log = std::fs::read_to_string(&ctx.audit).unwrap_or_else(|e| panic!("audit: {e}"));
    let last = log.lines().last().unwrap_or_default();
    assert!(
        last.contains(&format!("\"instance\":\"ssh {}: postfix -c", NAMES[0])),
        "{last}"
    );

    let out = ctx.bin(&["--host", NAMES[0], "release", "--yes", &word]);
    assert!(out.status.success(), "release over ssh failed");
    let settled = ctx.labs[0].wait_until("released mail is deferred again", |list| {
        list.iter()
            .filter(|m| selected.contains(&m.queue_id))
            .all(|m| m.queue_name == "deferred")
    });
    let settled = queues(&settled);
    for id in &selected {
        assert_eq!(
            settled.get(id).map(String::as_str),
            Some("deferred"),
            "{id}"
        );
    }
    assert_eq!(queues(&ctx.labs[1].postqueue()), before_b, "host b changed");
}

fn storm_per_host_reads_queue_files(ctx: &mut Ctx) {
    // One host: stdout is exactly the local output (JSON), the label goes to stderr.
    let out = ctx.bin(&["--host", NAMES[1], "storm", "--json"]);
    assert!(out.status.success());
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("storm json: {e}"));
    let m = ctx.labs[1].manifest();
    assert_eq!(report["ndrs"], m.ndr.count);
    assert_eq!(
        report["indexed"],
        ctx.labs[1].postqueue().len(),
        "every queue file was read over ssh"
    );
    let accounts = report["accounts"].as_array().cloned().unwrap_or_default();
    assert!(
        accounts
            .iter()
            .any(|a| a["user"] == m.spam_out.sasl_username.as_str()),
        "{accounts:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("== host {}:", NAMES[1])),
        "the label is on stderr"
    );
}

fn fleet_lists_all_hosts(ctx: &mut Ctx) {
    let out = ctx.bin(&["fleet", "--json"]);
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("fleet json: {e}"));
    assert_eq!(rows.len(), 2);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["name"], NAMES[i]);
        assert_eq!(row["up"], true);
        assert_eq!(row["total"], ctx.labs[i].postqueue().len());
        assert_eq!(row["ndrs"], ctx.labs[i].manifest().ndr.count);
        assert!(row["error"].is_null());
    }
    let table = ctx.bin(&["fleet"]);
    assert!(table.status.success());
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("mx-a") && l.contains(" up "))
    );
}

/// `watch --host A --host B --once`: one exposition with each host as its own
/// `postfix_instance`, counts equal to each lab's own listing, read-only all the way.
fn watch_once_over_ssh_per_host(ctx: &mut Ctx) {
    let out = ctx.bin(&["--host", NAMES[0], "--host", NAMES[1], "watch", "--once"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let value = |sample: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(sample))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    for (i, name) in NAMES.iter().enumerate() {
        assert_eq!(
            value(&format!("mailq_tui_up{{postfix_instance=\"{name}\"}} ")),
            Some(1.0),
            "{text}"
        );
        // Deferred mail may move to active and back between two listings; the total and
        // the hold queue do not.
        let listed = ctx.labs[i].postqueue();
        let held = queues(&listed)
            .values()
            .filter(|q| q.as_str() == "hold")
            .count();
        let count = |queue: &str| {
            value(&format!(
                "mailq_tui_messages{{postfix_instance=\"{name}\",queue=\"{queue}\"}} "
            ))
            .unwrap_or(0.0)
        };
        let total: f64 = ["maildrop", "incoming", "active", "deferred", "hold"]
            .iter()
            .map(|q| count(q))
            .sum();
        assert_eq!(
            total,
            f64::from(u32::try_from(listed.len()).expect("small")),
            "{name}: {text}"
        );
        assert_eq!(
            count("hold"),
            f64::from(u32::try_from(held).expect("small")),
            "{name}: {text}"
        );
        assert!(count("deferred") > 0.0, "{name}: {text}");
    }
    common::promtool_check(&text);
}

fn a_down_host_shows_down_while_the_other_works(ctx: &mut Ctx) {
    let fleet = Fleet::new(vec![ctx.host(0), ctx.host(1)], ctx.opts());
    let first: Vec<FleetRow> = fleet.rows(&[]);
    assert!(first.iter().all(|r| r.up), "{first:?}");

    ctx.ssh.stop(1);
    let started = Instant::now();
    let rows = fleet.rows(&first);
    let took = started.elapsed();
    assert!(rows[0].up, "{:?}", rows[0]);
    assert_eq!(rows[0].growth, Some(0));
    assert!(!rows[1].up);
    let err = rows[1].error.as_deref().unwrap_or_default();
    assert!(
        err.contains(NAMES[1]) && err.contains("cannot reach the host over ssh"),
        "{err}"
    );
    assert_eq!(rows[1].total, first[1].total, "last known counts kept");
    assert!(
        took < Duration::from_secs(15),
        "a refused connection must not wait for the timeout: {took:?}"
    );
    match fleet.queue(1).and_then(|q| q.list()) {
        Err(PostfixError::Unreachable { host, .. }) => assert_eq!(host, NAMES[1]),
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // The binary: `fleet` says which host is down and exits 2; the other still works.
    let out = ctx.bin(&["fleet"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    let b = text
        .lines()
        .find(|l| l.starts_with(NAMES[1]))
        .unwrap_or_else(|| panic!("no row for {}: {text}", NAMES[1]));
    assert!(b.contains("DOWN") && b.contains("cannot reach"), "{b}");
    let out = ctx.bin(&["--host", NAMES[0]]);
    assert!(out.status.success());
    let out = ctx.bin(&["--host", NAMES[1], "--host", NAMES[0]]);
    assert_eq!(out.status.code(), Some(1), "one host failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("== host {}: error ==", NAMES[1])),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("ssh {}: postfix -c", NAMES[0])) && stdout.contains("messages"),
        "the second host still ran: {stdout}"
    );
    fleet.disconnect_all();
}

/// `logins --host` reads the host's log through the ssh connection (`cat`, and `gzip -dc`
/// for a rotation, run there): stdout stays clean JSON for one host.
fn logins_reads_the_remote_log(ctx: &mut Ctx) {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/maillog");
    let dir = ctx.labs[0].dir();
    let plain = dir.join("mail.log");
    std::fs::copy(fixtures.join("lab-postlogd.log"), &plain).expect("copy");
    let gz = dir.join("mail.log.1.gz");
    let zipped = Command::new("gzip")
        .arg("-c")
        .arg(fixtures.join("rsyslog-iso.log"))
        .output()
        .expect("gzip");
    std::fs::write(&gz, zipped.stdout).expect("write gz");
    let (gz_s, plain_s) = (gz.display().to_string(), plain.display().to_string());
    let out = ctx.bin(&[
        "--host",
        NAMES[0],
        "logins",
        "--log",
        &gz_s,
        "--log",
        &plain_s,
        "--since",
        "2026-01-01",
        "--json",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("clean JSON on stdout");
    assert_eq!(v["sources"][0], gz_s.as_str());
    assert_eq!(v["sources"][1], plain_s.as_str());
    assert_eq!(v["accounts"][0]["user"], "carol@lab.test");
    let users: Vec<&str> = v["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["user"].as_str())
        .collect();
    assert!(users.contains(&"taro@example.jp"), "{users:?}");
    // A file that is not there is named in the error.
    let out = ctx.bin(&[
        "--host",
        NAMES[0],
        "logins",
        "--log",
        "/nonexistent/mail.log",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/mail.log"));
}
