//! Evidence before delete: save the selected messages, one `ID.txt` each (envelope,
//! headers, body), with one batched `postcat` through [`MailQueue::read`].

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::model::QueueId;
use crate::postfix::{MailQueue, ReadParts};

/// Export `ids` into `dir`; returns the directory. Vanished messages are listed in
/// `MISSING.txt` rather than failing the export.
///
/// # Errors
/// When postcat cannot run or a file cannot be written.
pub fn export(queue: &dyn MailQueue, ids: &[QueueId], dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let report = queue.read(ids, ReadParts { body: true })?;
    for f in &report.files {
        // IDs are validated alphanumerics, safe as file names.
        let path = dir.join(format!("{}.txt", f.queue_id));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
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
        out.flush()?;
    }
    if !report.vanished.is_empty() || !report.errors.is_empty() {
        let mut m = std::fs::File::create(dir.join("MISSING.txt"))?;
        for id in &report.vanished {
            writeln!(m, "{id}: no longer in the queue")?;
        }
        for e in &report.errors {
            writeln!(m, "error: {e}")?;
        }
    }
    Ok(dir.to_owned())
}
