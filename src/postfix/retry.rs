//! Next delivery attempt of deferred mail: Postfix sets a deferred queue file's mtime to
//! the time of its next attempt (`queue_directory/deferred/<hash>/ID`, hashed per
//! `hash_queue_depth`/`hash_queue_names`). One walk of the deferred tree maps every queue
//! ID to its mtime, without computing hash paths. The queue directory is readable by
//! `postfix` and root only; only metadata is read, and symlinks are never followed. On a
//! remote host the same walk is one `find -P` over the ssh link ([`remote_find_argv`]).

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Deeper than any `hash_queue_depth` Postfix allows (16).
const MAX_DEPTH: usize = 17;

/// Queue ID → mtime (Unix seconds) of every regular file under `queue_dir/deferred`.
///
/// # Errors
/// When `queue_dir/deferred` itself cannot be read (not root, no such directory);
/// subdirectories and files that vanish during the walk (mail delivered meanwhile) are
/// skipped.
pub(crate) fn deferred_mtimes(queue_dir: &Path) -> io::Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    let root = queue_dir.join("deferred");
    let entries = std::fs::read_dir(&root)?;
    walk(entries, 0, &mut out);
    Ok(out)
}

fn walk(entries: std::fs::ReadDir, depth: usize, out: &mut HashMap<String, i64>) {
    for entry in entries.flatten() {
        // `file_type` and `metadata` of a DirEntry do not follow symlinks.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth < MAX_DEPTH
                && let Ok(sub) = std::fs::read_dir(entry.path())
            {
                walk(sub, depth + 1, out);
            }
        } else if kind.is_file()
            && let Ok(meta) = entry.metadata()
            && let Some(name) = entry.file_name().to_str()
        {
            out.insert(name.to_owned(), meta.mtime());
        }
    }
}

/// The same walk on a remote host, as one command over its ssh link: GNU `find` in
/// physical mode (`-P`: symlinks are never followed), regular files only, bounded depth,
/// printing `NAME MTIME` per file. `None` when `queue_dir` is not a plain absolute path.
pub(crate) fn remote_find_argv(queue_dir: &str) -> Option<Vec<String>> {
    let plain = queue_dir.starts_with('/')
        && !queue_dir.contains("/../")
        && !queue_dir.ends_with("/..")
        && queue_dir
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
    if !plain {
        return None;
    }
    let deferred = format!("{}/deferred", queue_dir.trim_end_matches('/'));
    Some(
        [
            "find",
            "-P",
            &deferred,
            "-mindepth",
            "1",
            "-maxdepth",
            &MAX_DEPTH.to_string(),
            "-type",
            "f",
            "-printf",
            "%f %T@\\n",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
    )
}

/// Parse [`remote_find_argv`]'s output: `ID SECONDS[.FRACTION]` per line. Names that are
/// not valid queue IDs and lines that do not parse are skipped (a remote host's output is
/// data, not trusted).
pub(crate) fn parse_remote_find(out: &[u8]) -> HashMap<String, i64> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| {
            let (name, t) = l.split_once(' ')?;
            if !crate::model::QueueId::new(name).is_valid() {
                return None;
            }
            let secs = t.split('.').next()?;
            Some((name.to_owned(), secs.parse::<i64>().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::{self, File, FileTimes};
    use std::time::{Duration, UNIX_EPOCH};

    fn touch(path: &Path, mtime: u64) {
        let f = File::create(path).unwrap();
        f.set_times(FileTimes::new().set_modified(UNIX_EPOCH + Duration::from_secs(mtime)))
            .unwrap();
    }

    #[test]
    fn walks_hashed_and_flat_trees_without_following_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let q = dir.path();
        fs::create_dir_all(q.join("deferred/A/B")).unwrap();
        fs::create_dir_all(q.join("deferred/C")).unwrap();
        fs::create_dir_all(q.join("elsewhere")).unwrap();
        touch(&q.join("deferred/A/B/AB12345678"), 1_700_000_600);
        touch(&q.join("deferred/C/C0FFEE1234"), 1_700_000_900);
        touch(&q.join("deferred/4rLm9x2Nwz8Kq1"), 1_700_001_000); // long IDs, no hashing
        touch(&q.join("elsewhere/EVIL000001"), 1);
        std::os::unix::fs::symlink(q.join("elsewhere"), q.join("deferred/D")).unwrap();
        std::os::unix::fs::symlink(q.join("elsewhere/EVIL000001"), q.join("deferred/EVIL2"))
            .unwrap();
        let m = deferred_mtimes(q).unwrap();
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(m["AB12345678"], 1_700_000_600);
        assert_eq!(m["C0FFEE1234"], 1_700_000_900);
        assert_eq!(m["4rLm9x2Nwz8Kq1"], 1_700_001_000);
    }

    #[test]
    fn the_remote_walk_is_one_find_and_its_output_is_checked() {
        let argv = remote_find_argv("/var/spool/postfix").unwrap();
        assert_eq!(argv[..3], ["find", "-P", "/var/spool/postfix/deferred"]);
        assert!(argv.iter().any(|a| a == "f") && argv.last().unwrap() == "%f %T@\\n");
        for bad in ["spool", "/a/../etc", "/a b", "/a;rm", "/q/$(x)", "/a/.."] {
            assert!(remote_find_argv(bad).is_none(), "{bad}");
        }
        let m = parse_remote_find(
            b"4dK1x2 1700000600.1234567890\nC0FFEE1234 1700000900\n../evil 5\nbad\nAB\x1b[2J 7\nX 12z\n",
        );
        assert_eq!(m.len(), 2, "{m:?}");
        assert_eq!(m["4dK1x2"], 1_700_000_600);
        assert_eq!(m["C0FFEE1234"], 1_700_000_900);
    }

    #[test]
    fn a_missing_queue_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(deferred_mtimes(&dir.path().join("nope")).is_err());
    }
}
