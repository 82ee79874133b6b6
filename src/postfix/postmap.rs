//! Checking `header_checks`/`body_checks` rules with Postfix's own `postmap -q - pcre:FILE`.
//!
//! The model builds candidate rules ([`crate::model::rules`]); only Postfix can say what
//! its PCRE tables really match (its regex dialect, its case folding, its parsing of the
//! table line), so every rule shown to the admin is run here first. The table is one rule,
//! written to a private file (mode 0600, `O_EXCL|O_NOFOLLOW`, in the checked private
//! runtime directory, see [`crate::trust`]) and removed afterwards; the keys go to
//! postmap's stdin in one process.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
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

/// The one-rule table file, removed on drop.
struct TableFile(PathBuf);

impl TableFile {
    /// A new file (mode 0600, `O_EXCL|O_NOFOLLOW`) in the private runtime directory
    /// (`trust::runtime_dir()/postmap`, never `TMPDIR` as root), holding `line`.
    fn new(line: &str) -> std::io::Result<Self> {
        let dir = crate::trust::runtime_dir().join("postmap");
        let fd = crate::trust::private_dir(&dir)?;
        let n = TABLES.fetch_add(1, Ordering::Relaxed);
        let name = format!("rule-{}-{n}.pcre", std::process::id());
        let mut f = crate::trust::create_private(&fd, &name)?;
        let table = Self(dir.join(name));
        f.write_all(line.as_bytes())?;
        f.write_all(b"\n")?;
        Ok(table)
    }
}

impl Drop for TableFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl RuleTester for Postmap {
    fn matches(&self, table_line: &str, keys: &[String]) -> Result<Vec<bool>, String> {
        let table = TableFile::new(table_line)
            .map_err(|e| format!("cannot write the rule to a private file: {e}"))?;
        // postmap reads one key per line; a key cannot hold a line break.
        let mut input = Vec::new();
        for k in keys {
            input.extend_from_slice(k.replace(['\r', '\n'], " ").as_bytes());
            input.push(b'\n');
        }
        let mut cmd = Command::new(&self.program);
        let map = format!("pcre:{}", table.0.display());
        cmd.args([OsStr::new("-q"), OsStr::new("-"), OsStr::new(&map)]);
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
