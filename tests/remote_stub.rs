//! The ssh adapter against a stub `ssh` (`tests/fixtures/bin/ssh`) that runs the remote
//! command locally with `sh -c`, in front of the Postfix stubs beside it. Covers what the
//! live tests cannot do as root on loopback: a non-root login with and without `sudo -n`,
//! sudo refusing, a host with no Postfix, a host that hangs; and the quoting end to end
//! through a real shell.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::postfix::fleet::Fleet;
use mailq_tui::postfix::{MailQueue, PostfixError, QueueOp, ReadParts, Target};
use mailq_tui::postfix::{
    local::connect,
    ssh::{SshHost, SshOptions},
};

fn bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bin")
}

/// One stub host: its scratch directory is both the stub ssh's and the stub Postfix's DIR.
struct StubHost {
    dir: tempfile::TempDir,
    control: tempfile::TempDir,
    name: String,
}

impl StubHost {
    fn new(name: &str) -> Self {
        // A name with a space and a quote: the config dir must survive the remote shell.
        let dir = tempfile::Builder::new()
            .prefix("mailq tui 'stub.")
            .tempdir()
            .expect("tempdir");
        let me = Self {
            dir,
            control: tempfile::tempdir().expect("tempdir"),
            name: name.into(),
        };
        me.write(
            "json",
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/postqueue-p/postfix-3.7-marks.jsonl"),
            )
            .expect("fixture"),
        );
        me
    }

    fn write(&self, file: &str, contents: impl AsRef<[u8]>) {
        std::fs::write(self.dir.path().join(file), contents).expect("write");
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(file)).unwrap_or_default()
    }

    fn host(&self) -> SshHost {
        SshHost {
            name: self.name.clone(),
            destination: format!("admin@{}", self.name),
            config_dir: Some(self.dir.path().to_owned()),
            ssh_options: vec![
                "-F".into(),
                self.dir.path().join("ssh_config").display().to_string(),
            ],
        }
    }

    fn opts(&self, timeout: Duration) -> SshOptions {
        SshOptions {
            ssh: bin().join("ssh"),
            control_dir: self.control.path().join("c"),
            connect_timeout: Duration::from_secs(5),
            timeout,
        }
    }

    fn connect(&self) -> Result<mailq_tui::postfix::local::Postfix, PostfixError> {
        connect(&self.host(), &self.opts(Duration::from_secs(30)))
    }
}

/// The remote commands the stub ssh ran, without the probe.
fn commands(h: &StubHost) -> Vec<String> {
    h.read("ssh-argv")
        .lines()
        .filter(|l| !l.contains("mailq-tui-probe"))
        .map(str::to_owned)
        .collect()
}

/// [`commands`] without the next-retry lookups a listing with deferred mail makes (the
/// host's `postconf -h queue_directory`, asked once, then one `find` per listing).
fn queue_commands(h: &StubHost) -> Vec<String> {
    commands(h)
        .into_iter()
        .filter(|c| !c.ends_with(" -h queue_directory") && !c.starts_with("sudo -n find -P "))
        .filter(|c| !c.starts_with("find -P "))
        .collect()
}

fn hold_target(id: &str) -> Target {
    Target {
        queue_id: QueueId::new(id),
        queue: QueueName::Deferred,
    }
}

#[test]
fn root_login_lists_and_changes_without_sudo() {
    let h = StubHost::new("mx1");
    let pf = h.connect().expect("connect");
    assert_eq!(pf.read_only_reason(), None);
    assert!(pf.describe().starts_with("ssh mx1: postfix -c "));
    let snap = pf.list().expect("list");
    assert_eq!(snap.len(), 6);
    assert_eq!(
        h.read("argv"),
        "postqueue -j\n",
        "-c DIR reached postqueue intact"
    );
    let report = pf
        .apply(QueueOp::Hold, &[hold_target("AB12CD"), hold_target("EF34")])
        .expect("apply");
    assert_eq!(report.done.len(), 2, "{report:?}");
    assert_eq!(
        h.read("stdin"),
        "AB12CD\nEF34\n",
        "IDs went through ssh's stdin"
    );
    let remote = commands(&h);
    let last = remote.last().cloned().unwrap_or_default();
    assert!(
        last.contains("postsuper -c '") && last.ends_with(" -h - deferred"),
        "{last}"
    );
    assert!(remote.iter().all(|c| !c.contains("sudo")), "{remote:?}");
    // The control directory is made private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(h.control.path().join("c"))
        .expect("control dir")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn non_root_login_uses_sudo_n_for_postsuper_and_postcat() {
    let h = StubHost::new("mx2");
    h.write("uid", "1000");
    h.write("sudo", "yes");
    let pf = h.connect().expect("connect");
    assert_eq!(pf.read_only_reason(), None, "sudo -n may run postsuper");
    let snap = pf.list().expect("list");
    // Next-retry times need a root login: `sudo find` is never tried.
    assert!(
        snap.retry_note
            .as_deref()
            .is_some_and(|n| n.contains("needs a root ssh login")),
        "{:?}",
        snap.retry_note
    );
    assert!(commands(&h).iter().all(|c| !c.contains("find")));
    pf.apply(QueueOp::Release, &[hold_target("AB12CD")])
        .expect("apply");
    let _ = pf.read(&[QueueId::new("AB12CD")], ReadParts::default());
    let remote = queue_commands(&h).join("\n");
    let lines: Vec<&str> = std::iter::once("probe").chain(remote.lines()).collect();
    assert_eq!(
        lines[1], "exec sh",
        "listing runs in the listing shell, without sudo: {remote}"
    );
    assert!(
        lines[2].starts_with("sudo -n ") && lines[2].contains("/postsuper -c"),
        "{remote}"
    );
    assert!(
        lines[3].starts_with("sudo -n ") && lines[3].contains("/postcat -c"),
        "{remote}"
    );
}

#[test]
fn sudo_refusal_is_a_clear_permission_error() {
    let h = StubHost::new("mx3");
    h.write("uid", "1000");
    h.write("sudo", "yes");
    h.write("sudo-refuses", "");
    let pf = h.connect().expect("connect");
    match pf.apply(QueueOp::Hold, &[hold_target("AB12CD")]) {
        Err(e @ PostfixError::PermissionDenied { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("sudo -n refused on mx3"), "{msg}");
            assert!(
                msg.contains("password is required") && msg.contains("NOPASSWD"),
                "{msg}"
            );
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert_eq!(h.read("stdin"), "", "postsuper never ran");
}

#[test]
fn non_root_without_sudo_is_read_only() {
    let h = StubHost::new("mx4");
    h.write("uid", "1000");
    let pf = h.connect().expect("connect");
    let why = pf.read_only_reason().expect("read-only");
    assert!(why.contains("mx4") && why.contains("uid 1000"), "{why}");
    assert_eq!(pf.list().expect("listing still works").len(), 6);
    match pf.apply(QueueOp::Delete, &[hold_target("AB12CD")]) {
        Err(PostfixError::PermissionDenied { detail, .. }) => assert!(detail.contains("mx4")),
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert!(
        commands(&h).iter().all(|c| !c.contains("postsuper")),
        "nothing was sent"
    );
}

#[test]
fn unreachable_and_postfix_less_hosts() {
    let h = StubHost::new("mx5");
    h.write("ssh-down", "");
    match h.connect() {
        Err(PostfixError::Unreachable { host, detail }) => {
            assert_eq!(host, "mx5");
            assert_eq!(
                detail,
                "ssh: connect to host admin@mx5 port 22: Connection refused"
            );
        }
        Err(e) => panic!("expected Unreachable, got {e:?}"),
        Ok(_) => panic!("expected Unreachable, got a connection"),
    }
    let h = StubHost::new("mx6");
    h.write("no-postfix", "");
    match h.connect() {
        Err(PostfixError::NotFound(what)) => assert!(what.contains("mx6"), "{what}"),
        Err(e) => panic!("expected NotFound, got {e:?}"),
        Ok(_) => panic!("expected NotFound, got a connection"),
    }
}

#[test]
fn a_hanging_host_times_out_without_holding_up_the_others() {
    let slow = StubHost::new("slow");
    slow.write("hang", "");
    let fast = StubHost::new("fast");
    // Both hosts share the options of `slow` except their own -F; one timeout for both.
    let fleet = Fleet::new(
        vec![slow.host(), fast.host()],
        slow.opts(Duration::from_secs(2)),
    );
    let mut order = Vec::new();
    fleet.list_each(|l| order.push((l.name.clone(), l.result.map(|s| s.len()))));
    assert_eq!(order.len(), 2);
    assert_eq!(order[0].0, "fast", "the fast host's result comes first");
    assert!(matches!(order[0].1, Ok(6)));
    assert!(
        matches!(order[1].1, Err(PostfixError::Timeout { .. })),
        "{:?}",
        order[1].1
    );
    let rows = fleet.rows(&[]);
    assert!(rows[1].up && !rows[0].up);
    assert!(
        rows[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not answer"))
    );
}

#[test]
fn listings_reuse_one_shell_and_failures_fall_back_to_a_one_shot_run() {
    let h = StubHost::new("mx7");
    let pf = h.connect().expect("connect");
    for _ in 0..3 {
        assert_eq!(pf.list().expect("list").len(), 6);
    }
    assert_eq!(
        queue_commands(&h),
        ["exec sh"],
        "one session for three listings"
    );
    let asked = commands(&h)
        .iter()
        .filter(|c| c.ends_with(" -h queue_directory"))
        .count();
    assert_eq!(asked, 1, "the host's queue_directory is asked once");
    assert_eq!(h.read("argv"), "postqueue -j\n".repeat(3));
    // Postfix down: the session sees a failure and the one-shot run reports it properly.
    h.write("down", "");
    match pf.list() {
        Err(PostfixError::MailSystemDown(m)) => assert!(m.contains("mail system is down")),
        other => panic!("expected MailSystemDown, got {other:?}"),
    }
    let remote = queue_commands(&h);
    assert_eq!(remote.len(), 2, "{remote:?}");
    assert!(
        remote[1].contains("/postqueue -c '") && remote[1].ends_with(" -j"),
        "{remote:?}"
    );
    std::fs::remove_file(h.dir.path().join("down")).expect("rm");
    assert_eq!(pf.list().expect("back up").len(), 6);
    assert_eq!(
        queue_commands(&h).len(),
        2,
        "the session survived the failed command"
    );
}

#[test]
fn a_talkative_login_shell_does_not_reach_the_parser() {
    let h = StubHost::new("mx8");
    h.write("greeting", "Welcome to mx8!\n{not json either}\n");
    let pf = h.connect().expect("the probe skips the greeting");
    for _ in 0..2 {
        let snap = pf.list().expect("list");
        assert_eq!(snap.len(), 6);
        assert!(snap.problems.is_empty(), "{:?}", snap.problems);
    }
}
