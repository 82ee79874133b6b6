//! What mailq-tui trusts when it runs as root, and how it writes files there.
//!
//! Like OpenSSH's `StrictModes`: as root, a configuration file must be owned by root and
//! writable by nobody else, and a directory named by the environment (`XDG_RUNTIME_DIR`,
//! `XDG_STATE_HOME`) is used only when it belongs to the effective user and nobody else can
//! write to it; `TMPDIR` is ignored. Programs (Postfix's, `ssh`, `journalctl`, …) are looked
//! up and run with [`program_path`]: as root, only the `PATH` entries root can trust, as
//! sudo's `secure_path` does. Evidence files are created inside a private directory
//! (0700) relative to its descriptor, with `O_CREAT|O_EXCL|O_NOFOLLOW` and mode 0600, so a
//! symlink planted by another user is never followed.

use std::fs::{File, Metadata};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, open, openat};
use nix::sys::stat::Mode;

/// The runtime directory root falls back to (for the ssh control sockets).
pub const ROOT_RUNTIME_DIR: &str = "/run/mailq-tui";

/// The search path used as root when no entry of `PATH` can be trusted.
pub const SECURE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The `PATH` programs are looked up in and run with (computed once). Anyone else's `PATH`
/// is theirs; as root an entry is kept only when [`trusted_program_dir`] says so, so a
/// directory another user can write to never supplies a program root runs.
#[must_use]
pub fn program_path() -> &'static std::ffi::OsStr {
    static PATH: std::sync::OnceLock<std::ffi::OsString> = std::sync::OnceLock::new();
    PATH.get_or_init(|| program_path_from(std::env::var_os("PATH"), is_root()))
}

/// [`program_path`] for a given `PATH` and privilege (testable without changing either).
#[must_use]
pub fn program_path_from(value: Option<std::ffi::OsString>, root: bool) -> std::ffi::OsString {
    let value = value.unwrap_or_default();
    if !root {
        return value;
    }
    let kept: Vec<PathBuf> = std::env::split_paths(&value)
        .filter(|dir| {
            let ok = trusted_program_dir(dir);
            if !ok && !dir.as_os_str().is_empty() {
                tracing::warn!(dir = %dir.display(), "PATH entry ignored as root: relative, missing, or writable by someone other than root");
            }
            ok
        })
        .collect();
    if kept.is_empty() {
        return SECURE_PATH.into();
    }
    std::env::join_paths(kept).unwrap_or_else(|_| SECURE_PATH.into())
}

/// `dir` may supply programs to root: an absolute path whose real directory is owned by
/// root and writable by nobody else, below directories that are owned by root and
/// writable by others only with the sticky bit (`/tmp`), so nobody can swap it.
#[must_use]
pub fn trusted_program_dir(dir: &Path) -> bool {
    if !dir.is_absolute() {
        return false;
    }
    let Ok(real) = std::fs::canonicalize(dir) else {
        return false;
    };
    real.ancestors().enumerate().all(|(depth, p)| {
        std::fs::metadata(p).is_ok_and(|m| {
            let writable_by_others = m.mode() & 0o022 != 0;
            let sticky = m.mode() & 0o1000 != 0;
            m.is_dir() && m.uid() == 0 && (!writable_by_others || (depth > 0 && sticky))
        })
    })
}

/// Root may run the program file `p`: owned by root and writable by nobody else (its
/// directory is [`trusted_program_dir`]'s). Always true for anyone else.
#[must_use]
pub fn root_may_run(p: &Path) -> bool {
    !is_root() || std::fs::metadata(p).is_ok_and(|m| m.uid() == 0 && m.mode() & 0o022 == 0)
}

/// The effective user ID.
#[must_use]
pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Running with root's rights.
#[must_use]
pub fn is_root() -> bool {
    euid() == 0
}

/// Why `meta` may not be trusted by `uid`: owned by someone else (root counts as trusted
/// for a directory given by `allow_root_owner`), or writable by group or others.
#[must_use]
pub fn untrusted_because(meta: &Metadata, uid: u32, allow_root_owner: bool) -> Option<String> {
    let owner = meta.uid();
    if owner != uid && !(allow_root_owner && owner == 0) {
        return Some(format!("owned by uid {owner}, not {uid}"));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Some(format!("writable by group or others (mode {mode:04o})"));
    }
    None
}

/// A directory from the environment, if it may be used: as root it must be an absolute
/// path to an existing directory (not a symlink) owned by root and writable by nobody
/// else; anyone else's own environment is theirs to choose.
#[must_use]
pub fn env_dir(var: &str) -> Option<PathBuf> {
    env_dir_from(std::env::var_os(var), is_root())
}

/// [`env_dir`] for a given value and privilege (testable without changing the environment).
#[must_use]
pub fn env_dir_from(value: Option<std::ffi::OsString>, root: bool) -> Option<PathBuf> {
    let path = PathBuf::from(value.filter(|v| !v.is_empty())?);
    if !root {
        return Some(path);
    }
    trusted_dir(&path, 0).then_some(path)
}

/// `path` is an absolute, existing directory (not a symlink) owned by `uid` and not
/// writable by group or others.
#[must_use]
pub fn trusted_dir(path: &Path, uid: u32) -> bool {
    if !path.is_absolute() {
        return false;
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let why = untrusted_because(&meta, uid, false);
            if let Some(why) = &why {
                tracing::warn!(path = %path.display(), why, "ignoring a directory from the environment");
            }
            why.is_none()
        }
        _ => false,
    }
}

/// The effective user's home directory from the password database: as root, `$HOME`
/// may still be the invoking user's (`sudo -E`, `su` without `-`).
#[must_use]
pub fn passwd_home() -> Option<PathBuf> {
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map(|u| u.dir)
}

/// The state directory (`$XDG_STATE_HOME/mailq-tui`, else `~/.local/state/mailq-tui`):
/// the audit log and the log file. As root, an untrusted `XDG_STATE_HOME` is ignored and
/// the home directory comes from the password database.
#[must_use]
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = env_dir("XDG_STATE_HOME").filter(|d| d.is_absolute()) {
        return Some(dir.join("mailq-tui"));
    }
    if !is_root() {
        let dirs = directories::ProjectDirs::from("", "", "mailq-tui")?;
        return Some(
            dirs.state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .to_owned(),
        );
    }
    Some(passwd_home()?.join(".local/state/mailq-tui"))
}

/// The runtime directory for the ssh control sockets: `$XDG_RUNTIME_DIR/mailq-tui` when
/// that is trusted; as root `/run/mailq-tui` (never `TMPDIR`); otherwise
/// `$TMPDIR/mailq-tui-UID` (checked before use like any control directory).
#[must_use]
pub fn runtime_dir() -> PathBuf {
    if let Some(dir) = env_dir("XDG_RUNTIME_DIR").filter(|d| d.is_absolute()) {
        return dir.join("mailq-tui");
    }
    if is_root() {
        return PathBuf::from(ROOT_RUNTIME_DIR);
    }
    std::env::temp_dir().join(format!("mailq-tui-{}", euid()))
}

/// Create `dir` (mode 0700) if missing, then open it without following a symlink and check
/// that it is ours and that nobody else can write to it.
///
/// # Errors
/// When it cannot be created or opened, is not a directory, or is not to be trusted.
pub fn private_dir(dir: &Path) -> io::Result<OwnedFd> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let fd = open(
        dir,
        OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| {
        io::Error::new(
            io::Error::from(e).kind(),
            format!("cannot open the directory (a symlink?): {e}"),
        )
    })?;
    let meta = File::from(fd.try_clone()?).metadata()?;
    if let Some(why) = untrusted_because(&meta, euid(), false) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing to write into it: {why}"),
        ));
    }
    Ok(fd)
}

/// Open `path` for appending, creating it (mode 0600) and its missing parent directories
/// (mode 0700) as needed, never through a symlink: the audit log and the log file.
///
/// # Errors
/// When a directory or the file cannot be created or opened, or the file is a symlink.
pub fn open_append_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        // Never through a symlink another user planted where the file goes.
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
}

/// Create `name` inside the directory `dir` (from [`private_dir`]): a new file, mode 0600,
/// never through a symlink and never over an existing file.
///
/// # Errors
/// When the file exists (a planted symlink included) or cannot be created.
pub fn create_private(dir: &OwnedFd, name: &str) -> io::Result<File> {
    if name.contains('/') || name == ".." || name == "." {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a file name: {name}"),
        ));
    }
    openat(
        dir,
        name,
        OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_WRONLY | OFlag::O_CLOEXEC,
        Mode::from_bits_truncate(0o600),
    )
    .map(File::from)
    .map_err(|e| io::Error::new(io::Error::from(e).kind(), format!("{name}: {e}")))
}

/// Remove `name` (a file [`create_private`] made) from the directory `dir`: a half-written
/// file must not pass for a whole one.
///
/// # Errors
/// When the file cannot be removed.
pub fn remove_private(dir: &OwnedFd, name: &str) -> io::Result<()> {
    nix::unistd::unlinkat(dir, name, nix::unistd::UnlinkatFlags::NoRemoveDir)
        .map_err(|e| io::Error::new(io::Error::from(e).kind(), format!("{name}: {e}")))
}

/// Why root must not trust a file with `meta` (checked on the open file, so it cannot be
/// swapped after the check): owned by another user, or writable by group or others.
/// `None` when it may be trusted, and always when not running as root.
#[must_use]
pub fn root_distrusts(meta: &Metadata) -> Option<String> {
    if !is_root() {
        return None;
    }
    untrusted_because(meta, 0, false)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn append_private_creates_private_files_and_refuses_symlinks() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("state/mailq-tui/x.log");
        let f = open_append_private(&path).expect("create");
        assert_eq!(
            f.metadata().expect("meta").permissions().mode() & 0o777,
            0o600
        );
        let dir = std::fs::metadata(path.parent().expect("parent")).expect("meta");
        assert_eq!(dir.permissions().mode() & 0o777, 0o700);
        let target = tmp.path().join("elsewhere");
        std::fs::write(&target, "").expect("write");
        let link = tmp.path().join("state/mailq-tui/link.log");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(open_append_private(&link).is_err(), "followed a symlink");
    }

    fn dir_with(mode: u32, owner: Option<u32>) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path().join("d");
        std::fs::create_dir(&d).expect("mkdir");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).expect("chmod");
        if let Some(uid) = owner {
            std::os::unix::fs::chown(&d, Some(uid), Some(uid)).expect("chown");
        }
        (tmp, d)
    }

    #[test]
    fn as_root_only_root_owned_private_env_dirs_are_used() {
        let (_t, ok) = dir_with(0o700, None);
        let (_t2, open) = dir_with(0o777, None);
        let some = |p: &Path| Some(p.as_os_str().to_owned());
        if is_root() {
            assert_eq!(env_dir_from(some(&ok), true), Some(ok.clone()));
        }
        assert_eq!(env_dir_from(some(&open), true), None);
        assert_eq!(env_dir_from(Some("relative/dir".into()), true), None);
        assert_eq!(env_dir_from(Some("".into()), true), None);
        assert_eq!(env_dir_from(some(&ok.join("missing")), true), None);
        // A user's own environment is theirs.
        assert_eq!(env_dir_from(some(&open), false), Some(open.clone()));
        if is_root() {
            let (_t3, theirs) = dir_with(0o700, Some(65534));
            assert_eq!(env_dir_from(some(&theirs), true), None);
            // A symlink to a good directory is not a directory.
            let link = ok.with_file_name("link");
            std::os::unix::fs::symlink(&ok, &link).expect("symlink");
            assert_eq!(env_dir_from(some(&link), true), None);
        }
    }

    #[test]
    fn as_root_the_runtime_dir_never_comes_from_tmpdir() {
        if is_root() {
            let d = runtime_dir();
            assert!(
                d.starts_with(ROOT_RUNTIME_DIR) || !d.starts_with(std::env::temp_dir()),
                "{}",
                d.display()
            );
        }
    }

    #[test]
    fn root_looks_programs_up_only_in_directories_root_can_trust() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).expect("mkdir");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let path = std::env::join_paths([
            open.clone(),
            PathBuf::from("relative/bin"),
            PathBuf::from("/usr/bin"),
        ])
        .expect("join");
        // Anyone else's PATH is theirs.
        assert_eq!(program_path_from(Some(path.clone()), false), path);
        // As root: the world-writable and the relative entries are dropped.
        assert_eq!(program_path_from(Some(path), true), "/usr/bin");
        assert!(!trusted_program_dir(&open));
        assert!(!trusted_program_dir(Path::new("relative/bin")));
        assert!(trusted_program_dir(Path::new("/usr/bin")));
        // Nothing trusted left: the fixed secure path, never an empty one.
        assert_eq!(
            program_path_from(Some(open.into_os_string()), true),
            SECURE_PATH
        );
        assert_eq!(program_path_from(None, true), SECURE_PATH);
        if is_root() {
            // A private directory of root's under the sticky /tmp is fine (the test stubs).
            let own = tmp.path().join("own");
            std::fs::create_dir(&own).expect("mkdir");
            std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o700))
                .expect("chmod");
            assert!(trusted_program_dir(&own), "{}", own.display());
        }
    }
}
