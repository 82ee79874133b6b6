//! Evidence before delete: save the selected messages, one `ID.txt` each (envelope,
//! headers, body), with batched `postcat` through [`MailQueue::read`].
//!
//! The files hold message bodies, and mailq-tui runs as root: the directory is private
//! (0700; an existing one must be ours and writable by nobody else), every file is new
//! (mode 0600, created relative to the directory's descriptor with `O_EXCL|O_NOFOLLOW`, so
//! a symlink planted by another user is refused, never followed), and the messages are
//! read and written a batch at a time, never the whole selection in memory.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::{QueueFile, QueueId};
use crate::postfix::{MailQueue, ReadParts};
use crate::trust::{create_private, private_dir, remove_private};

/// Queue files read (and held in memory) at a time.
pub const EXPORT_BATCH: usize = 200;

/// Export `ids` into `dir`; returns the directory. Vanished messages are listed in
/// `MISSING.txt` rather than failing the export.
///
/// # Errors
/// When postcat cannot run, the directory is not private, or a file cannot be created
/// (an existing `ID.txt`, a planted symlink included).
pub fn export(queue: &dyn MailQueue, ids: &[QueueId], dir: &Path) -> anyhow::Result<PathBuf> {
    let dirfd = private_dir(dir)?;
    let mut missing: Vec<String> = Vec::new();
    for batch in ids.chunks(EXPORT_BATCH) {
        let report = queue.read(batch, ReadParts { body: true })?;
        for f in &report.files {
            if !f.queue_id.is_valid() {
                missing.push(format!("error: not a valid queue ID: {}", f.queue_id));
                continue;
            }
            // Valid IDs are alphanumerics: safe as file names.
            let name = format!("{}.txt", f.queue_id);
            let file = create_private(&dirfd, &name)?;
            if let Err(e) = write_one(file, f) {
                // A full disk: what is left in the directory is whole messages only.
                let _ = remove_private(&dirfd, &name);
                return Err(anyhow::Error::new(e).context(format!("writing {name}")));
            }
        }
        missing.extend(
            report
                .vanished
                .iter()
                .map(|id| format!("{id}: no longer in the queue")),
        );
        missing.extend(report.errors.iter().map(|e| format!("error: {e}")));
    }
    if !missing.is_empty() {
        let mut m = std::io::BufWriter::new(create_private(&dirfd, "MISSING.txt")?);
        for line in &missing {
            writeln!(m, "{line}")?;
        }
        m.flush()?;
    }
    // The evidence is on disk before the action it was asked for runs.
    nix::unistd::syncfs(&dirfd).map_err(std::io::Error::from)?;
    Ok(dir.to_owned())
}

/// One message: envelope, named attributes, then the message as it is in the queue file.
fn write_one(file: std::fs::File, f: &QueueFile) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(file);
    writeln!(
        out,
        "*** ENVELOPE {} ({}) ***",
        f.queue_id,
        f.queue.as_ref().map_or("?", |q| q.as_str())
    )?;
    for (k, v) in &f.envelope {
        writeln!(out, "{k}: {v}")?;
    }
    for (k, v) in &f.attributes {
        writeln!(out, "named_attribute: {k}={v}")?;
    }
    writeln!(out, "*** MESSAGE ***")?;
    out.write_all(&f.raw_message())?;
    out.flush()
}
