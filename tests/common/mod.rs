//! Test support for live Postfix tests: a [`Lab`] guard around `scripts/lab.sh`.
//!
//! The lab is a throwaway Postfix instance (own config, queue and data directories, smtpd on
//! 127.0.0.1 only) filled with a deterministic NDR storm. Starting one takes seconds, so a
//! test binary starts one and shares it; [`Lab`] stops and removes it in `Drop`, which also
//! runs when a test panics and the panic unwinds through the owner.
//!
//! If the lab cannot start (Postfix missing, not root), live tests FAIL with the reason,
//! unless `MAILQ_TUI_SKIP_LIVE=1` is set: then they are skipped, saying why. CI never sets it.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

#[macro_use]
pub mod harness;
pub mod maillog;
pub mod postmap;
pub mod shapes;
pub mod shapes_queue;
pub mod stub;

/// `DIR/manifest.json` as `scripts/lab.sh` writes it after each fill: what the queue holds.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub lab_dir: PathBuf,
    pub config_dir: PathBuf,
    pub queue_dir: PathBuf,
    pub smtpd: String,
    pub mail_version: String,
    pub empty_address_recipient: String,
    pub total: usize,
    pub queues: BTreeMap<String, usize>,
    pub ndr: NdrPart,
    pub spam_out: SpamOutPart,
    pub legit: LegitPart,
    /// Queue IDs per category, right after the fill.
    pub ids: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NdrPart {
    pub count: usize,
    /// Per victim domain: how many NDRs and the `retry:` text they are deferred with.
    pub by_domain: BTreeMap<String, DomainPart>,
    /// Text that appears in the returned originals (From: display names, domains).
    pub campaign_from: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DomainPart {
    pub count: usize,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpamOutPart {
    pub count: usize,
    pub sasl_username: String,
    pub client_addresses: Vec<String>,
    pub recipient_domains: Vec<String>,
    pub senders: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LegitPart {
    pub count: usize,
    pub senders: Vec<String>,
    pub held: Vec<String>,
}

/// One message of `postqueue -j`, parsed here independently of the crate's parser so the
/// tests compare the adapter against Postfix itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PqMessage {
    pub queue_name: String,
    pub queue_id: String,
    pub arrival_time: i64,
    pub sender: String,
    pub recipients: Vec<PqRecipient>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PqRecipient {
    pub address: String,
    pub delay_reason: Option<String>,
}

/// A running lab instance; stopped and removed on drop (through its [`LabDir`]).
pub struct Lab {
    dir: LabDir,
    manifest: Manifest,
}

/// Owns the lab directory from the moment `start` is attempted, so a half-started lab is
/// stopped and removed as well.
struct LabDir(PathBuf);

/// The repository's `scripts/lab.sh`.
#[must_use]
pub fn lab_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/lab.sh")
}

/// True when live tests may be skipped (`MAILQ_TUI_SKIP_LIVE=1`).
#[must_use]
pub fn skip_allowed() -> bool {
    std::env::var("MAILQ_TUI_SKIP_LIVE").is_ok_and(|v| v == "1")
}

impl Lab {
    /// Start a lab with `messages` messages, or explain why not.
    ///
    /// # Errors
    /// A message an admin can act on: not root, Postfix missing, the script failed.
    pub fn try_start(messages: usize) -> Result<Lab, String> {
        if !nix::unistd::Uid::effective().is_root() {
            return Err(
                "live Postfix tests need root (postfix start); run as root, \
                 or set MAILQ_TUI_SKIP_LIVE=1 to skip them"
                    .into(),
            );
        }
        reap_stale_labs();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("mailq-tui-lab.{}.{nanos:09}", std::process::id()));
        // From here on the guard owns the directory: a failed start is cleaned up too.
        let dir = LabDir(dir);
        let started = Instant::now();
        let out = run_script(&[
            "start",
            &path_str(&dir.0),
            "--messages",
            &messages.to_string(),
        ]);
        if !out.status.success() {
            return Err(format!(
                "scripts/lab.sh start failed ({}):\n{}\nInstall Postfix with `apt-get install postfix postfix-pcre` \
                 (see .ci/run), or set MAILQ_TUI_SKIP_LIVE=1 to skip live tests",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        eprintln!(
            "lab: started {} with {messages} messages in {:.1} s",
            dir.0.display(),
            started.elapsed().as_secs_f64()
        );
        let manifest = read_manifest(&dir.0)?;
        Ok(Lab { dir, manifest })
    }

    /// Start a lab for a test binary: `None` (after printing why) only when skipping is
    /// allowed; otherwise a failure to start panics with the reason.
    #[must_use]
    pub fn start_or_skip(messages: usize) -> Option<Lab> {
        match Lab::try_start(messages) {
            Ok(lab) => Some(lab),
            Err(why) if skip_allowed() => {
                eprintln!("SKIPPED live Postfix tests (MAILQ_TUI_SKIP_LIVE=1): {why}");
                None
            }
            Err(why) => panic!("cannot start the Postfix lab: {why}"),
        }
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }

    /// The instance's `config_directory` (what `-c DIR` takes).
    #[must_use]
    pub fn config_dir(&self) -> PathBuf {
        self.dir.0.join("etc")
    }

    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Run the built `mailq-tui` as root against the lab (`--config-dir`), auditing into
    /// the lab directory rather than root's home.
    #[must_use]
    pub fn mailq_tui(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
            .arg("--config-dir")
            .arg(self.config_dir())
            .arg("--audit-log")
            .arg(self.dir().join("audit.jsonl"))
            .args(args)
            .env_remove("MAILQ_TUI_NOW")
            .output()
            .unwrap_or_else(|e| panic!("cannot run mailq-tui: {e}"))
    }

    /// Run `lab.sh fill`: inject `messages` more (the same storm mix) and wait until the
    /// queue settles.
    pub fn fill(&self, messages: usize) {
        let out = run_script(&[
            "fill",
            &path_str(&self.dir.0),
            "--messages",
            &messages.to_string(),
        ]);
        assert!(
            out.status.success(),
            "lab.sh fill: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run `lab.sh settle`: wait until nothing is in maildrop/incoming/active.
    pub fn settle(&self) {
        let out = run_script(&["settle", &path_str(&self.dir.0)]);
        assert!(
            out.status.success(),
            "lab.sh settle: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `postqueue -c DIR -j`, parsed line by line.
    #[must_use]
    pub fn postqueue(&self) -> Vec<PqMessage> {
        let out = Command::new("postqueue")
            .arg("-c")
            .arg(self.config_dir())
            .arg("-j")
            .output()
            .unwrap_or_else(|e| panic!("cannot run postqueue: {e}"));
        assert!(
            out.status.success(),
            "postqueue -j failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l}: {e}")))
            .collect()
    }

    /// `postqueue -j` keyed by queue ID.
    #[must_use]
    pub fn queue_by_id(&self) -> BTreeMap<String, PqMessage> {
        self.postqueue()
            .into_iter()
            .map(|m| (m.queue_id.clone(), m))
            .collect()
    }

    /// Change the queue behind the adapter's back (`postsuper FLAG -`), e.g. to make IDs
    /// vanish. Returns postsuper's stderr.
    pub fn postsuper(&self, flag: &str, ids: &[String]) -> String {
        use std::io::Write;
        let mut child = Command::new("postsuper")
            .arg("-c")
            .arg(self.config_dir())
            .args([flag, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run postsuper: {e}"));
        let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
        // A few IDs only: well below the pipe buffer, so writing first cannot deadlock.
        stdin
            .write_all(input.as_bytes())
            .unwrap_or_else(|e| panic!("write postsuper stdin: {e}"));
        drop(stdin);
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("postsuper: {e}"));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Wake the instance's pickup daemon. `postsuper -r` moves mail to maildrop without
    /// telling pickup, which then waits for its 60 s timer; real admins see that delay too,
    /// tests need not.
    pub fn kick_pickup(&self) {
        let status = self
            .postkick()
            .unwrap_or_else(|e| panic!("cannot run postkick: {e}"));
        assert!(status.success(), "postkick pickup failed: {status}");
    }

    /// `postkick -c DIR public pickup W`.
    fn postkick(&self) -> std::io::Result<std::process::ExitStatus> {
        Command::new("postkick")
            .arg("-c")
            .arg(self.config_dir())
            .args(["public", "pickup", "W"])
            .status()
    }

    /// `sendmail` run as `uid` (and the group of the same number) against the lab instance,
    /// with `message` on stdin.
    ///
    /// A non-root `sendmail -C DIR` is only allowed for directories listed in the DEFAULT
    /// main.cf's `alternate_config_directories`, and the default instance is not ours to
    /// change. So the lab's config directory is bind-mounted over `/etc/postfix` in a private
    /// mount namespace (`unshare -m`), for this one process tree only: sendmail and the
    /// set-gid postdrop it runs read the lab's main.cf as the default one and drop the mail
    /// into the lab's maildrop (mode 730 postfix:postdrop), whose pickup stamps it with the uid.
    pub fn sendmail_as(&self, uid: u32, sender: &str, rcpt: &str, message: &str) {
        let script = "mount --bind \"$1\" /etc/postfix && cd / && \
            exec setpriv --reuid=\"$2\" --regid=\"$2\" --clear-groups -- \
            sendmail -i -f \"$3\" -- \"$4\"";
        let mut cmd = Command::new("unshare");
        cmd.args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .arg(self.config_dir())
        .arg(uid.to_string())
        .args([sender, rcpt]);
        let out = feed(cmd, message);
        if out.status.success() {
            return;
        }
        let why = String::from_utf8_lossy(&out.stderr).into_owned();
        // A container without CAP_SYS_ADMIN cannot make a mount namespace. Then the lab's
        // own entry in alternate_config_directories (scripts/lab.sh) lets the user name
        // the lab with -C; nothing else is changed.
        assert!(
            why.contains("unshare failed") || why.contains("mount:"),
            "sendmail as uid {uid}: {}\n{why}",
            out.status
        );
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={uid}"))
            .arg(format!("--regid={uid}"))
            .args(["--clear-groups", "--", "sendmail", "-C"])
            .arg(self.config_dir())
            .args(["-i", "-f", sender, "--", rcpt])
            .current_dir("/");
        let out = feed(cmd, message);
        assert!(
            out.status.success(),
            "sendmail -C as uid {uid} (no mount namespace: {why}): {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Wait until nothing is in maildrop/incoming/active and `done` holds for the listing
    /// (e.g. requeued mail is deferred again).
    pub fn wait_until(&self, what: &str, done: impl Fn(&[PqMessage]) -> bool) -> Vec<PqMessage> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let list = self.postqueue();
            let busy = list
                .iter()
                .filter(|m| !matches!(m.queue_name.as_str(), "deferred" | "hold"))
                .count();
            if busy == 0 && done(&list) {
                return list;
            }
            if list.iter().any(|m| m.queue_name == "maildrop") {
                // Best effort: postkick dies of SIGPIPE when pickup closes its FIFO while
                // busy (seen when mail arrives at the same moment); the loop kicks again.
                let _ = self.postkick();
            }
            assert!(
                Instant::now() < deadline,
                "queue did not settle ({what}): {busy} messages still in maildrop/incoming/active"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for LabDir {
    fn drop(&mut self) {
        let out = run_script(&["stop", &path_str(&self.0)]);
        if out.status.success() {
            eprintln!("lab: stopped and removed {}", self.0.display());
        } else {
            eprintln!(
                "lab: stop {} failed: {}",
                self.0.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Stop and remove labs left behind by test processes that died without unwinding (Ctrl-C,
/// SIGKILL): their directory names carry the owner's PID, and a lab whose owner is gone
/// would otherwise keep a Postfix master running.
fn reap_stale_labs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("mailq-tui-lab.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let owner_alive = Path::new(&format!("/proc/{pid}")).exists();
        if !owner_alive && entry.path().join(".mailq-tui-lab").exists() {
            eprintln!("lab: removing stale lab {}", entry.path().display());
            let _ = run_script(&["stop", &path_str(&entry.path())]);
        }
    }
}

fn run_script(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(lab_script())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", lab_script().display()))
}

fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("bad {}: {e}", path.display()))
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `promtool check metrics` on an exposition text (Debian: prometheus); panics with
/// promtool's complaints and the text.
pub fn promtool_check(text: &str) {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("promtool not found (apt-get install prometheus): {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    stdin
        .write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("write promtool stdin: {e}"));
    drop(stdin);
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("promtool: {e}"));
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copy `exe` to `LAB/bin/NAME`, executable by everyone (the build directory may not be
/// reachable for other users). `LAB/bin` is world-writable (sticky) so that `nobody` can
/// write its audit log there.
pub fn copy_for_nobody(lab_dir: &Path, exe: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = lab_dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("mkdir {}: {e}", bin.display()));
    let dst = bin.join(name);
    std::fs::copy(exe, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", exe.display()));
    for (p, mode) in [(&bin, 0o1777), (&dst, 0o755)] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()));
    }
    dst
}

/// The adapter's next-retry times in `snap` are exactly `on_disk` (queue ID → mtime of its
/// deferred queue file) for deferred mail and absent for the rest, with no note saying
/// why they are unknown; at least 20 deferred messages must have one.
pub fn assert_next_retries(snap: &mailq_tui::model::Snapshot, on_disk: &BTreeMap<String, i64>) {
    use mailq_tui::model::QueueName;
    assert!(snap.retry_note.is_none(), "{:?}", snap.retry_note);
    let mut checked = 0usize;
    for m in &snap.messages {
        if m.queue == QueueName::Deferred {
            let id = m.queue_id.as_str();
            assert_eq!(m.next_retry, on_disk.get(id).copied(), "next retry of {id}");
            checked += usize::from(m.next_retry.is_some());
        } else {
            assert_eq!(m.next_retry, None, "{} in {}", m.queue_id, m.queue);
        }
    }
    assert!(checked >= 20, "only {checked} deferred messages checked");
}

/// Run `cmd` with `input` on stdin; its output.
fn feed(mut cmd: Command, input: &str) -> Output {
    use std::io::Write as _;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    // A child that fails before reading (no mount namespace) closes the pipe: its exit
    // status says what happened.
    let _ = child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin"))
        .write_all(input.as_bytes());
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}
