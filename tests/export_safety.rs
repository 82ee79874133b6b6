//! Evidence files (`--export DIR`) as root: a private directory, private files, no symlink
//! followed, read in batches (issue #13, item 4).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use mailq_tui::model::{QueueId, Snapshot};
use mailq_tui::ops::export::{EXPORT_BATCH, export};
use mailq_tui::postfix::replay::ReplayQueue;
use mailq_tui::postfix::{
    MailQueue, OpReport, PostfixError, QueueOp, ReadParts, ReadReport, Target,
};

fn demo_ids(q: &ReplayQueue, n: usize) -> Vec<QueueId> {
    q.list()
        .expect("list")
        .messages
        .iter()
        .take(n)
        .map(|m| m.queue_id.clone())
        .collect()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("stat").mode() & 0o7777
}

#[test]
fn a_new_evidence_directory_is_0700_and_its_files_0600() {
    let q = ReplayQueue::demo();
    let ids = demo_ids(&q, 3);
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("evidence");
    export(&q, &ids, &dir).expect("export");
    assert_eq!(mode(&dir), 0o700);
    for id in &ids {
        let f = dir.join(format!("{id}.txt"));
        assert_eq!(mode(&f), 0o600, "{}", f.display());
        assert!(
            std::fs::read_to_string(&f)
                .expect("read")
                .contains("*** MESSAGE ***")
        );
    }
    // Exporting the same messages again never overwrites evidence.
    let err = export(&q, &ids, &dir).expect_err("exists");
    assert!(err.to_string().contains("File exists"), "{err}");
}

#[test]
fn an_existing_directory_writable_by_others_is_refused() {
    let q = ReplayQueue::demo();
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("shared");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let err = export(&q, &demo_ids(&q, 1), &dir).expect_err("world-writable");
    assert!(
        err.to_string().contains("writable by group or others"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&dir).expect("ls").count(), 0);
}

#[test]
fn a_symlinked_directory_is_refused() {
    let q = ReplayQueue::demo();
    let tmp = tempfile::tempdir().expect("tmp");
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).expect("mkdir");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    export(&q, &demo_ids(&q, 1), &link).expect_err("symlink");
    assert_eq!(std::fs::read_dir(&real).expect("ls").count(), 0);
}

/// As root (CI runs as root): a directory owned by another user is refused, even with a
/// private mode.
#[test]
fn a_directory_owned_by_another_user_is_refused() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: needs root to chown");
        return;
    }
    let q = ReplayQueue::demo();
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("theirs");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).expect("chown");
    let err = export(&q, &demo_ids(&q, 1), &dir).expect_err("not ours");
    assert!(err.to_string().contains("owned by uid 65534"), "{err}");
    assert_eq!(std::fs::read_dir(&dir).expect("ls").count(), 0);
}

/// Records the size of every `read` batch.
struct Counting {
    inner: ReplayQueue,
    batches: Mutex<Vec<usize>>,
}

impl MailQueue for Counting {
    fn list(&self) -> Result<Snapshot, PostfixError> {
        self.inner.list()
    }
    fn apply(&self, op: QueueOp, t: &[Target]) -> Result<OpReport, PostfixError> {
        self.inner.apply(op, t)
    }
    fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError> {
        self.batches.lock().expect("lock").push(ids.len());
        self.inner.read(ids, parts)
    }
    fn describe(&self) -> String {
        "counting".to_owned()
    }
    fn read_only_reason(&self) -> Option<String> {
        None
    }
}

#[test]
fn messages_are_read_and_written_a_batch_at_a_time() {
    let q = Counting {
        inner: ReplayQueue::demo(),
        batches: Mutex::new(Vec::new()),
    };
    let mut ids = demo_ids(&q.inner, 5);
    // Plus IDs no longer in the queue: they go to MISSING.txt.
    ids.extend((0..2 * EXPORT_BATCH).map(|i| QueueId::new(&format!("F{i:09X}"))));
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("evidence");
    export(&q, &ids, &dir).expect("export");
    assert_eq!(
        *q.batches.lock().expect("lock"),
        [EXPORT_BATCH, EXPORT_BATCH, 5]
    );
    let missing = std::fs::read_to_string(dir.join("MISSING.txt")).expect("missing");
    assert_eq!(missing.lines().count(), 2 * EXPORT_BATCH);
    assert_eq!(mode(&dir.join("MISSING.txt")), 0o600);
}

/// A disk that fills up during the export: the delete does not run, the error names the
/// cause once, the audit log records it, and every file left is a whole message. The
/// small filesystem is a tmpfs mounted in a private mount namespace (`unshare -m`), so
/// nothing outside this test ever sees it; that needs root, which CI has.
#[test]
fn a_full_disk_stops_the_action_and_leaves_only_whole_files() {
    if !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root: the full-disk case must run there"
        );
        eprintln!("skipped: needs root to mount a small tmpfs");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let small = tmp.path().join("small");
    std::fs::create_dir(&small).expect("mkdir");
    let audit = tmp.path().join("audit.jsonl");
    let listing = tmp.path().join("listing.txt");
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(
            r#"mount -t tmpfs -o size=256k,mode=0700 tmpfs "$1" || exit 99
"$2" --demo --audit-log "$3" delete --yes --export "$1/ev" null
rc=$?
for f in "$1"/ev/*.txt; do
  # A whole file ends with the message's last line, after the MESSAGE marker.
  grep -q '^\*\*\* MESSAGE \*\*\*$' "$f" && tail -c1 "$f" | od -An -c | grep -q '\\n' && echo "whole $f" || echo "cut $f"
done > "$4"
exit $rc"#,
        )
        .arg("sh")
        .arg(&small)
        .arg(env!("CARGO_BIN_EXE_mailq-tui"))
        .arg(&audit)
        .arg(&listing)
        .output()
        .expect("unshare");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(99), "mount failed: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("No space left on device").count(),
        1,
        "the cause, said once: {stderr}"
    );
    assert!(stderr.contains("writing "), "{stderr}");
    let audit = std::fs::read_to_string(&audit).expect("audit log");
    let entry: serde_json::Value =
        serde_json::from_str(audit.lines().last().expect("an entry")).expect("json");
    assert_eq!(entry["done"], 0, "{entry}");
    assert!(
        entry["error"]
            .as_str()
            .is_some_and(|e| e.contains("No space left on device")),
        "{entry}"
    );
    let files = std::fs::read_to_string(&listing).expect("listing");
    let whole = files.lines().filter(|l| l.starts_with("whole ")).count();
    assert!(
        whole > 0,
        "some messages fit before the disk was full: {files}"
    );
    assert!(
        !files.lines().any(|l| l.starts_with("cut ")),
        "a half-written file was left: {files}"
    );
}
