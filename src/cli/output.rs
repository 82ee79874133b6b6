//! Output helpers shared by every subcommand.

use std::io::Write;

use crate::model;

/// Write to stdout through `f`; a closed stdout (`mailq-tui ids | head -1`) ends the output
/// quietly, as SIGPIPE ends a C tool. Rust ignores SIGPIPE, so the write fails with EPIPE,
/// on which `println!` would panic. SIGPIPE is deliberately not reset to its default action:
/// a postsuper that exits before reading all the IDs on its stdin would then kill mailq-tui
/// in the middle of a bulk action.
///
/// # Errors
/// Any write error other than a closed pipe.
pub fn write_stdout(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match f(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Tell the user about unparsable listing lines on stderr: counted, never silent.
pub fn warn_problems(snap: &model::Snapshot) {
    crate::commands::warn_problems(snap, &mut std::io::stderr().lock());
}
