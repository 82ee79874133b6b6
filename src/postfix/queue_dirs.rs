//! Has the queue changed since the last listing? Every change a listing can show (a message
//! arriving, moving between queues for a delivery attempt, being held, released or removed,
//! a new delay reason written to `defer/`) creates, renames or removes a file in a queue
//! directory, which changes that directory's mtime. As root the directories can be stat'ed
//! for a few microseconds each, instead of running `postqueue -j` (which keeps showq busy
//! for seconds on a storm-sized queue).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

/// The directories a listing depends on: the queues `postqueue -j` scans, and `defer`
/// (the delay reasons).
pub const QUEUES: [&str; 6] = [
    "maildrop", "incoming", "active", "deferred", "hold", "defer",
];

/// Hashed subdirectories go at most this deep (`hash_queue_depth` is 1 by default).
const MAX_DEPTH: usize = 4;

/// A fingerprint of the modification times of the queue directories under `queue_dir` and
/// of their hashed subdirectories. Equal stamps: nothing was added, moved or removed.
/// `None` when a queue directory cannot be read (not root, no such queue): then the caller
/// cannot tell, and lists.
#[must_use]
pub fn stamp(queue_dir: &Path) -> Option<u64> {
    let mut h = DefaultHasher::new();
    for q in QUEUES {
        walk(&queue_dir.join(q), 0, &mut h)?;
    }
    Some(h.finish())
}

fn walk(dir: &Path, depth: usize, h: &mut DefaultHasher) -> Option<()> {
    // Never follows a symlink: the stamp is about the queue's own directories.
    let meta = std::fs::symlink_metadata(dir).ok()?;
    if !meta.is_dir() {
        return None;
    }
    dir.hash(h);
    meta.modified().ok()?.hash(h);
    if depth >= MAX_DEPTH {
        return Some(());
    }
    let mut subdirs: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, h)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        for q in QUEUES {
            std::fs::create_dir(dir.path().join(q)).expect("mkdir");
        }
        for h in ["0", "A"] {
            std::fs::create_dir(dir.path().join("deferred").join(h)).expect("mkdir");
        }
        dir
    }

    fn later(path: &Path) {
        // Filesystem timestamps can be coarse: make sure the change is visible.
        let f = std::fs::File::open(path).expect("open");
        let t = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        f.set_modified(t).expect("set mtime");
    }

    #[test]
    fn the_stamp_changes_with_a_hashed_subdirectory_and_only_then() {
        let q = queue();
        let a = stamp(q.path()).expect("stamp");
        assert_eq!(stamp(q.path()), Some(a), "nothing changed");
        later(&q.path().join("deferred").join("A"));
        let b = stamp(q.path()).expect("stamp");
        assert_ne!(a, b, "a message moved inside deferred/A");
        later(&q.path().join("hold"));
        assert_ne!(stamp(q.path()), Some(b));
    }

    #[test]
    fn an_unreadable_or_missing_queue_means_unknown() {
        let q = queue();
        std::fs::remove_dir(q.path().join("maildrop")).expect("rmdir");
        assert_eq!(stamp(q.path()), None);
        assert_eq!(stamp(Path::new("/nonexistent/spool")), None);
    }
}
