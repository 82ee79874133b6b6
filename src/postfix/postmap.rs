//! Checking `header_checks`/`body_checks` rules with Postfix's own `postmap -q - pcre:FILE`.
//!
//! The model builds candidate rules ([`crate::model::rules`]); only Postfix can say what
//! its PCRE tables really match (its regex dialect, its case folding, its parsing of the
//! table line), so every rule shown to the admin is run here first. The table is one rule,
//! written to a private file (mode 0600, in a fresh 0700 directory, never following a
//! symlink) and removed afterwards; the keys go to postmap's stdin in one process.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::process::run;
use crate::model::rules::RuleTester;
use crate::model::text::sanitize_bytes;

/// `postmap`, found on `PATH` or in the usual sbin directories.
#[derive(Debug, Clone)]
pub struct Postmap {
    program: PathBuf,
}

static TABLES: AtomicU64 = AtomicU64::new(0);

impl Postmap {
    /// Find `postmap` (`PATH`, then `/usr/sbin`, `/usr/local/sbin`).
    #[must_use]
    pub fn find() -> Option<Self> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join("postmap"))
            .find(|p| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::metadata(p)
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
            .map(|program| Self { program })
    }

    /// A given program (tests).
    #[must_use]
    pub fn at(program: &Path) -> Self {
        Self {
            program: program.to_path_buf(),
        }
    }
}

/// A private directory removed on drop.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn new() -> std::io::Result<Self> {
        let n = TABLES.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "mailq-tui-postmap-{}-{n}-{nanos}",
            std::process::id()
        ));
        // create() fails on anything already there (a planted symlink included).
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl RuleTester for Postmap {
    fn matches(&self, table_line: &str, keys: &[String]) -> Result<Vec<bool>, String> {
        let dir = PrivateDir::new().map_err(|e| format!("cannot create a private table: {e}"))?;
        let file = dir.0.join("rule.pcre");
        {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(nix::libc::O_NOFOLLOW)
                .open(&file)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            f.write_all(table_line.as_bytes())
                .and_then(|()| f.write_all(b"\n"))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        }
        // postmap reads one key per line; a key cannot hold a line break.
        let mut input = Vec::new();
        for k in keys {
            input.extend_from_slice(k.replace(['\r', '\n'], " ").as_bytes());
            input.push(b'\n');
        }
        let mut cmd = Command::new(&self.program);
        let table = format!("pcre:{}", file.display());
        cmd.args([OsStr::new("-q"), OsStr::new("-"), OsStr::new(&table)]);
        let mut found: HashSet<String> = HashSet::new();
        let done = run(
            "postmap",
            cmd,
            Some(input),
            |line| {
                let l = String::from_utf8_lossy(line);
                let l = l.trim_end_matches(['\n', '\r']);
                if let Some((k, _)) = l.rsplit_once('\t') {
                    found.insert(k.to_lowercase());
                }
            },
            Duration::from_secs(60),
        )
        .map_err(|e| e.to_string())?;
        let err = sanitize_bytes(&done.stderr);
        if err.contains("warning") || err.contains("fatal") || err.contains("error") {
            return Err(format!("postmap: {}", err.trim()));
        }
        // Exit 1 only means "some key not found".
        if !done.status.success() && done.status.code() != Some(1) {
            return Err(format!("postmap failed: {}", err.trim()));
        }
        Ok(keys
            .iter()
            .map(|k| found.contains(&k.replace(['\r', '\n'], " ").to_lowercase()))
            .collect())
    }
}
