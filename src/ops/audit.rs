//! The audit log: one JSON line per action, appended, never rewritten.
//!
//! Default location: `$XDG_STATE_HOME/mailq-tui/audit.jsonl` (`~/.local/state/…`), or the
//! local data directory where there is no state directory. Under `sudo`, that is root's.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Outcome, Request};
use crate::model::QueueId;
use crate::model::time::format_utc;
use crate::postfix::parse::unix_now;

/// The audit log's file name inside the state directory.
pub const FILE_NAME: &str = "audit.jsonl";

/// The default audit log path, if a home directory can be found.
#[must_use]
/// As root, a `XDG_STATE_HOME` or `HOME` that is not root's own is not used
/// ([`crate::trust::state_dir`]).
pub fn default_path() -> Option<PathBuf> {
    Some(crate::trust::state_dir()?.join(FILE_NAME))
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub time: String,
    pub unix_time: i64,
    pub uid: u32,
    pub user: String,
    pub host: String,
    pub instance: String,
    pub op: String,
    pub filter: String,
    pub requested: usize,
    pub done: usize,
    pub gone: usize,
    pub changed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Already held (hold) or not on hold (release): nothing to do. Absent in old entries.
    #[serde(default)]
    pub already: usize,
    pub interrupted: bool,
    pub error: Option<String>,
    pub ids_done: Vec<QueueId>,
    pub ids_gone: Vec<QueueId>,
    pub ids_changed: Vec<QueueId>,
    pub ids_failed: Vec<QueueId>,
    pub ids_skipped: Vec<QueueId>,
    #[serde(default)]
    pub ids_already: Vec<QueueId>,
    pub summary: Vec<String>,
    pub errors: Vec<String>,
    pub exported: Option<PathBuf>,
    pub duration_ms: u64,
}

impl Entry {
    #[must_use]
    pub fn new(instance: String, req: &Request, out: &Outcome, error: Option<&str>) -> Self {
        let uid = nix::unistd::getuid();
        let user = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .map_or_else(|| uid.to_string(), |u| u.name);
        let host = nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default();
        let now = unix_now();
        Self {
            time: format_utc(now),
            unix_time: now,
            uid: uid.as_raw(),
            user,
            host,
            instance,
            op: req.op.verb().to_owned(),
            filter: req.filter.clone(),
            requested: out.requested,
            done: out.done.len(),
            gone: out.gone.len(),
            changed: out.changed.len(),
            failed: out.failed.len(),
            skipped: out.skipped.len(),
            already: out.already.len(),
            interrupted: out.interrupted,
            error: error.map(str::to_owned),
            ids_done: out.done.clone(),
            ids_gone: out.gone.clone(),
            ids_changed: out.changed.clone(),
            ids_failed: out.failed.iter().map(|(id, _)| id.clone()).collect(),
            ids_skipped: out.skipped.clone(),
            ids_already: out.already.clone(),
            summary: out.summary.clone(),
            errors: out.errors.clone(),
            exported: out.exported.clone(),
            duration_ms: u64::try_from(out.took.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// One readable line for `mailq-tui log`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{}  {}@{}  {}  {} requested, {} done, {} gone, {} changed, {} failed",
            self.time,
            self.user,
            self.host,
            self.op,
            self.requested,
            self.done,
            self.gone,
            self.changed,
            self.failed
        );
        if self.already > 0 {
            s.push_str(&format!(", {} already", self.already));
        }
        if self.interrupted {
            s.push_str(&format!(", {} skipped (INTERRUPTED)", self.skipped));
        } else if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        if let Some(e) = &self.error {
            s.push_str(&format!("  ERROR: {e}"));
        }
        if !self.filter.is_empty() {
            s.push_str(&format!("  filter: {}", self.filter));
        }
        s.push_str(&format!("  [{}]", self.instance));
        crate::model::text::sanitize(&s).into_owned()
    }
}

/// Append one entry (creating the directory and file as needed; mode 0600: it lists
/// addresses). The write is a single `write_all` of one line, so concurrent writers do not
/// interleave within a line.
///
/// # Errors
/// When the file cannot be created or written (disk full, permissions): callers show it.
pub fn append(path: &Path, entry: &Entry) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut f = crate::trust::open_append_private(path)?;
    f.write_all(&line)?;
    f.sync_data()
}

/// Read the last `limit` entries. Lines that do not parse are returned as errors, not dropped.
///
/// # Errors
/// When the file cannot be read.
pub fn read_recent(path: &Path, limit: usize) -> std::io::Result<Vec<Result<Entry, String>>> {
    let f = std::fs::File::open(path)?;
    let mut all = Vec::new();
    for (n, line) in BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        all.push(serde_json::from_str::<Entry>(&line).map_err(|e| format!("line {}: {e}", n + 1)));
    }
    let skip = all.len().saturating_sub(limit);
    Ok(all.into_iter().skip(skip).collect())
}
