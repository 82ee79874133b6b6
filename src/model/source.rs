//! Where a queue comes from, as plain data: a local Postfix instance or a host over ssh.
//! The app holds and compares these without IO; `postfix::fleet` opens and probes them.

use std::path::PathBuf;

use super::text::sanitize;

/// One Postfix host reachable over ssh: the `[[hosts]]` entry of the config file, or a bare
/// `--host DEST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshHost {
    /// The label shown in headers, tables, confirmations and the audit log.
    pub name: String,
    /// What `ssh` connects to: `[user@]host[:port]`-style destination or a `Host` alias of
    /// the user's `~/.ssh/config`.
    pub destination: String,
    /// The Postfix configuration directory on that host (`-c DIR`); None: its default.
    pub config_dir: Option<PathBuf>,
    /// Extra `ssh` arguments before the destination (e.g. `["-F", "/path/ssh_config"]`).
    pub ssh_options: Vec<String>,
}

impl SshHost {
    /// A host named by its ssh destination, with the remote default Postfix instance.
    #[must_use]
    pub fn new(destination: &str) -> Self {
        Self {
            name: destination.to_owned(),
            destination: destination.to_owned(),
            config_dir: None,
            ssh_options: Vec::new(),
        }
    }
}

/// A queue the TUI can switch to: a local Postfix instance (`postmulti -l`) or an ssh host
/// (`--host`, `[[hosts]]`). Plain data, so the app can hold and compare it without IO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A Postfix instance on this machine, opened with `-c config_dir`.
    Local {
        /// `Instance::label()`: name and config dir.
        label: String,
        config_dir: PathBuf,
    },
    /// A Postfix host reached over ssh.
    Remote(SshHost),
}

impl Source {
    /// The name shown in the picker (sanitized: instance and host names come from files).
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            Self::Local { label, .. } => format!("local {}", sanitize(label)),
            Self::Remote(h) => format!("ssh {}", sanitize(&h.name)),
        }
    }

    /// A stable identity for caching opened adapters: two entries with the same key are the
    /// same queue.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Self::Local { config_dir, .. } => format!("local:{}", config_dir.display()),
            Self::Remote(h) => format!(
                "ssh:{}:{}:{}",
                h.name,
                h.destination,
                h.config_dir
                    .as_deref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default()
            ),
        }
    }
}
