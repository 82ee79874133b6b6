//! Finding the local Postfix: its programs (on `PATH` — as root only its entries root can
//! trust, see [`crate::trust::program_path`] — then in `postconf -h command_directory`,
//! then `/usr/sbin`) and its null sender (`empty_address_recipient`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tracing::{debug, warn};

use super::PostfixError;
use super::process::run;
use crate::model::text::sanitize_bytes;

/// The null sender as `postqueue` prints it when `empty_address_recipient` is not set.
pub const DEFAULT_NULL_SENDER: &str = "MAILER-DAEMON";

/// Paths of the Postfix programs this adapter runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bins {
    pub postqueue: PathBuf,
    pub postsuper: PathBuf,
    pub postcat: PathBuf,
}

/// Find the Postfix programs and read `empty_address_recipient` once: the program paths
/// and the null sender.
///
/// # Errors
/// [`PostfixError::NotFound`] when a program cannot be found.
pub fn programs(config_dir: Option<&Path>) -> Result<(Bins, String), PostfixError> {
    let path = crate::trust::program_path();
    let fixed = [PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")];
    let postconf = find_program("postconf", path, &fixed);
    // One `postconf` for both values: every command pays this before it lists.
    let [command_directory, null_sender] = postconf
        .as_deref()
        .and_then(|pc| {
            postconf_values(
                pc,
                config_dir,
                ["command_directory", "empty_address_recipient"],
            )
        })
        .unwrap_or_default();
    let mut extra = Vec::new();
    if !command_directory.is_empty() {
        extra.push(PathBuf::from(command_directory));
    }
    extra.extend(fixed);
    let find = |name: &str| {
        find_program(name, path, &extra).ok_or_else(|| PostfixError::NotFound(name.into()))
    };
    let bins = Bins {
        postqueue: find("postqueue")?,
        postsuper: find("postsuper")?,
        postcat: find("postcat")?,
    };
    let null_sender = Some(null_sender)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_NULL_SENDER.to_owned());
    debug!(?bins, %null_sender, "found postfix");
    Ok((bins, null_sender))
}

/// `queue_directory` of the instance (an absolute path), from `postconf`; `None` when
/// postconf is missing or says nothing usable.
#[must_use]
pub fn queue_directory(config_dir: Option<&Path>) -> Option<PathBuf> {
    let path = crate::trust::program_path();
    let fixed = [PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")];
    let postconf = find_program("postconf", path, &fixed)?;
    postconf_value(&postconf, config_dir, "queue_directory")
        .filter(|d| d.starts_with('/'))
        .map(PathBuf::from)
}

/// The first executable `name` in `PATH`, then in `extra`.
fn find_program(name: &str, path: &std::ffi::OsStr, extra: &[PathBuf]) -> Option<PathBuf> {
    std::env::split_paths(path)
        .chain(extra.iter().cloned())
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|p| is_executable(p) && crate::trust::root_may_run(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `postconf [-c DIR] -h NAME`, or None when it cannot be read.
fn postconf_value(postconf: &Path, config_dir: Option<&Path>, name: &str) -> Option<String> {
    postconf_values(postconf, config_dir, [name]).map(|[v]| v)
}

/// `postconf [-c DIR] -h NAME…`: one value per line, in the order asked; None when it
/// cannot be read or does not print one line per name.
fn postconf_values<const N: usize>(
    postconf: &Path,
    config_dir: Option<&Path>,
    names: [&str; N],
) -> Option<[String; N]> {
    let mut cmd = Command::new(postconf);
    if let Some(dir) = config_dir {
        cmd.arg("-c").arg(dir);
    }
    cmd.arg("-h").args(names);
    let mut value = Vec::new();
    let done = run(
        "postconf",
        cmd,
        None,
        |l| value.extend_from_slice(l),
        Duration::from_secs(10),
    )
    .ok()?;
    if !done.status.success() {
        warn!(?names, stderr = %sanitize_bytes(done.stderr.trim_ascii()), "postconf failed");
        return None;
    }
    let text = String::from_utf8_lossy(&value);
    let lines: Vec<String> = text.lines().map(|l| l.trim().to_owned()).collect();
    <[String; N]>::try_from(lines).ok()
}

/// `OsString` helper for tests that build a `PATH`.
#[doc(hidden)]
#[must_use]
pub fn join_path(dirs: &[PathBuf]) -> OsString {
    std::env::join_paths(dirs).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_path_then_extra_dirs() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        let exe = b.path().join("postqueue");
        std::fs::write(&exe, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let not_exe = a.path().join("postqueue");
        std::fs::write(&not_exe, "").expect("write");
        let path = join_path(&[a.path().to_owned()]);
        assert_eq!(
            find_program("postqueue", &path, &[b.path().to_owned()]),
            Some(exe.clone())
        );
        let path = join_path(&[b.path().to_owned()]);
        assert_eq!(find_program("postqueue", &path, &[]), Some(exe));
        assert_eq!(find_program("postcat", &path, &[]), None);
    }
}
