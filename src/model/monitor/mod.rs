//! Monitoring without a terminal, pure part: what `watch` measures ([`metrics`]), how it
//! is exposed ([`exposition`]), the alert rules and their state machine ([`alerts`]), the
//! alert mail ([`mail`]) and the `check` plugin's thresholds and output ([`check`]).
//! No IO, no tokio: the daemon in `crate::monitor` feeds these and acts on what they say.

pub mod alerts;
pub mod check;
pub mod exposition;
pub mod mail;
pub mod metrics;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The default address of the metrics endpoint (9154 is postfix_exporter's).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9155";

/// The `[watch]` table of the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct WatchConfig {
    /// `ADDR:PORT` for `/metrics` (`--listen`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// node_exporter textfile (`--textfile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub textfile: Option<PathBuf>,
    /// Shortest interval between listings, in seconds (`--interval`).
    pub interval: u64,
    /// Reason families exported by name; the rest is summed as `other`.
    pub top_reasons: usize,
    /// Window of the exported growth rate (`5m`).
    pub growth_window: String,
    /// Program and arguments run for every alert: facts in `MAILQ_TUI_ALERT_*` variables,
    /// JSON on stdin. No shell is involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alert_command: Vec<String>,
    /// Mail every alert to these addresses through the local sendmail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alert_mail: Vec<String>,
    /// The From: of alert mail (default: sendmail's default for the user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_mail_from: Option<String>,
    /// The sendmail program.
    pub sendmail: PathBuf,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            listen: None,
            textfile: None,
            interval: 15,
            top_reasons: 10,
            growth_window: alerts::DEFAULT_WINDOW.to_owned(),
            alert_command: Vec::new(),
            alert_mail: Vec::new(),
            alert_mail_from: None,
            sendmail: PathBuf::from("/usr/sbin/sendmail"),
        }
    }
}
