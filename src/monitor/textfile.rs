//! The node_exporter textfile: written after every listing, atomically (a temporary file in
//! the same directory, then `rename`), so the collector never reads half a file.
//!
//! mailq-tui may run as root: the temporary file is created with `O_CREAT|O_EXCL|O_NOFOLLOW`
//! (a planted symlink or file makes the create fail instead of being followed or reused),
//! and `rename` replaces whatever is at the final path without following it. A directory
//! that others may write to without the sticky bit is refused at startup.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Check the target before the daemon starts: a directory that exists, is not writable by
/// other users (unless sticky), and a file name node_exporter reads (`*.prom`).
///
/// # Errors
/// What is wrong, naming the path.
pub fn check_target(path: &Path) -> Result<()> {
    let dir = parent(path);
    let meta =
        std::fs::metadata(&dir).with_context(|| format!("textfile directory {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("textfile directory {} is not a directory", dir.display());
    }
    let mode = meta.mode();
    if mode & 0o002 != 0 && mode & 0o1000 == 0 {
        bail!(
            "textfile directory {} is writable by everyone: anyone could replace the metrics",
            dir.display()
        );
    }
    // As root, a group that may write there could swap the file under node_exporter.
    if crate::trust::is_root() && meta.uid() != 0 && mode & 0o020 != 0 {
        bail!(
            "textfile directory {} is group-writable and not owned by root",
            dir.display()
        );
    }
    if path.extension().and_then(|e| e.to_str()) != Some("prom") {
        eprintln!(
            "warning: node_exporter's textfile collector reads only *.prom files; {} will be ignored by it",
            path.display()
        );
    }
    Ok(())
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Write `text` to `path` atomically (mode 0644: node_exporter runs as its own user).
///
/// # Errors
/// When the temporary file cannot be created or written, or the rename fails; the old
/// file is then left as it was.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = parent(path);
    let base = path
        .file_name()
        .map_or_else(|| "metrics".into(), |n| n.to_string_lossy().into_owned());
    let mut last_err = None;
    for attempt in 0..8u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        // Not `*.prom`: the collector skips it while it is being written.
        let tmp = dir.join(format!(
            ".{base}.{}.{nanos}.{attempt}.tmp",
            std::process::id()
        ));
        let mut opts = OpenOptions::new();
        opts.write(true)
            .create_new(true)
            .mode(0o644)
            .custom_flags(nix::libc::O_NOFOLLOW);
        let mut f = match opts.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last_err = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let written = f
            .write_all(text.as_bytes())
            .and_then(|()| f.sync_data())
            .and_then(|()| std::fs::rename(&tmp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return written;
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("cannot create a temporary file")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("mailq.prom");
        write_atomic(&p, "a 1\n").expect("write");
        write_atomic(&p, "a 2\n").expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "a 2\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();
        assert_eq!(names.len(), 1);
        let mode = std::fs::metadata(&p).expect("meta").mode() & 0o777;
        assert_eq!(mode & 0o022, 0, "{mode:o}");
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").expect("write");
        let p = dir.path().join("mailq.prom");
        std::os::unix::fs::symlink(&victim, &p).expect("symlink");
        write_atomic(&p, "a 1\n").expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
        assert!(
            !std::fs::symlink_metadata(&p)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn world_writable_directories_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut perms = std::fs::metadata(dir.path()).expect("meta").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o777);
        std::fs::set_permissions(dir.path(), perms).expect("chmod");
        let err = check_target(&dir.path().join("m.prom")).expect_err("refused");
        assert!(err.to_string().contains("writable by everyone"), "{err}");
        assert!(check_target(Path::new("/nonexistent-dir/m.prom")).is_err());
    }
}
