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
