//! Logging to a file, never to the terminal: stdout and stderr belong to the TUI.
//!
//! The file lives in the platform state directory (`~/.local/state/mailq-tui/mailq-tui.log`),
//! or the local data directory where there is no state directory (macOS, Windows). The filter
//! comes from `MAILQ_TUI_LOG`, else `RUST_LOG`, else the caller's level, else
//! [`DEFAULT_FILTER`]: postsuper calls are our audit trail and log at `info`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Adapter calls (postqueue, postsuper, postcat) at `info`, everything else at `warn`.
pub const DEFAULT_FILTER: &str = "mailq_tui::postfix=info,warn";

/// The log file name inside the log directory.
pub const FILE_NAME: &str = "mailq-tui.log";

/// The directory the log goes to.
#[must_use]
pub fn log_dir() -> Option<PathBuf> {
    crate::trust::state_dir()
}

/// The filter directive in effect: `--log-level`, then `MAILQ_TUI_LOG`, `RUST_LOG`, the default
/// (the command line beats the environment, as everywhere else).
#[must_use]
pub fn filter_directive(
    mailq_tui_log: Option<&str>,
    rust_log: Option<&str>,
    level: Option<&str>,
) -> String {
    [level, mailq_tui_log, rust_log]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .unwrap_or(DEFAULT_FILTER)
        .to_owned()
}

/// Start logging to the file in [`log_dir`]. Keep the guard alive until exit: dropping it
/// flushes the writer thread. Returns the log path so the caller can print it before the
/// terminal enters raw mode.
///
/// # Errors
/// No home directory, the directory cannot be created, a bad filter, or a global subscriber
/// is already installed.
pub fn init(level: Option<&str>) -> Result<(WorkerGuard, PathBuf)> {
    let dir = log_dir().context("no home directory to put the log file in")?;
    init_in(&dir, level)
}

/// [`init`] with an explicit directory (tests, `--log-dir` style overrides).
///
/// # Errors
/// See [`init`].
pub fn init_in(dir: &Path, level: Option<&str>) -> Result<(WorkerGuard, PathBuf)> {
    let directive = filter_directive(
        std::env::var("MAILQ_TUI_LOG").ok().as_deref(),
        std::env::var("RUST_LOG").ok().as_deref(),
        level,
    );
    install(dir, &directive)
}

/// Install the file logger with exactly this filter directive.
fn install(dir: &Path, directive: &str) -> Result<(WorkerGuard, PathBuf)> {
    let filter = EnvFilter::try_new(directive)
        .with_context(|| format!("invalid log filter {directive:?}"))?;
    let path = dir.join(FILE_NAME);
    // Mode 0600 in a 0700 directory, never through a symlink: mailq-tui runs as root.
    let file = crate::trust::open_append_private(&path)
        .with_context(|| format!("cannot open log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    Ok((guard, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_precedence() {
        assert_eq!(filter_directive(None, None, None), DEFAULT_FILTER);
        assert_eq!(filter_directive(None, None, Some("debug")), "debug");
        assert_eq!(
            filter_directive(None, Some("trace"), Some("debug")),
            "debug"
        );
        assert_eq!(filter_directive(None, Some("trace"), None), "trace");
        assert_eq!(
            filter_directive(Some("mailq_tui=debug"), Some("trace"), None),
            "mailq_tui=debug"
        );
        assert_eq!(filter_directive(Some(" "), None, None), DEFAULT_FILTER);
    }

    #[test]
    fn default_filter_is_valid() {
        assert!(EnvFilter::try_new(DEFAULT_FILTER).is_ok());
    }

    /// The only test in this binary that installs the global subscriber.
    #[test]
    fn writes_to_the_file_not_the_terminal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("state/mailq-tui");
        // `install`, not `init_in`: the developer's RUST_LOG must not change the outcome.
        let (guard, path) = install(&sub, "mailq_tui=info").expect("init");
        assert_eq!(path, sub.join(FILE_NAME));
        tracing::info!(target: "mailq_tui::postfix", op = "hold", count = 3, "postsuper");
        tracing::debug!(target: "mailq_tui::postfix", "not at this level");
        drop(guard);
        let text = std::fs::read_to_string(&path).expect("log file");
        assert!(
            text.contains("postsuper") && text.contains("count=3"),
            "{text}"
        );
        assert!(!text.contains("not at this level"));
        assert!(!text.contains('\u{1b}'), "no ANSI colours in the file");
        // A second logger cannot be installed; that is an error, not a panic.
        assert!(install(&sub, DEFAULT_FILTER).is_err());
    }
}
