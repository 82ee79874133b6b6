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

/// A per-host label line: on stdout when several hosts share the output (it belongs to
/// it), on stderr for one host, so stdout stays exactly what it is locally (`ids` piped to
/// postsuper, `--json` for jq). A closed stdout ends quietly.
pub fn host_label(line: &str, several: bool) {
    if several {
        let _ = write_stdout(|w| writeln!(w, "{line}"));
    } else {
        eprintln!("{line}");
    }
}

/// Tell the user about unparsable listing lines on stderr: counted, never silent.
pub fn warn_problems(snap: &model::Snapshot) {
    crate::commands::warn_problems(snap, &mut std::io::stderr().lock());
}

/// An error with its causes on one line, `outer: cause: cause`, as `{:#}` prints it, except
/// that a cause whose text the line already holds is left out: errors that name their
/// source in their own message (`PostfixError::Io` prints `program: source`) would
/// otherwise say it twice.
#[must_use]
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_is_said_once() {
        let io = std::io::Error::other("No space left on device (os error 28)");
        let e = anyhow::Error::new(crate::postfix::PostfixError::Io {
            program: "export".to_owned(),
            source: io,
        })
        .context("evidence");
        assert_eq!(
            error_chain(&e),
            "evidence: export: No space left on device (os error 28)"
        );
        // Causes that add something are kept, in order.
        let e = anyhow::anyhow!("inner").context("middle").context("outer");
        assert_eq!(error_chain(&e), "outer: middle: inner");
        assert_eq!(format!("{e:#}"), error_chain(&e));
    }
}
