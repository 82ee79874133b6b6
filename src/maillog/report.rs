//! Reading the whole mail log into one [`LoginReport`]: source selection (`--log` or the
//! instance's logs), the `--since` window, and what could not be read — returned, never
//! printed, so the TUI can show it as a note and the CLI as warnings.

use std::path::PathBuf;

use anyhow::{Result, bail};

use super::{LogReader, LogSource};
use crate::model::log::evidence::StormEvidence;
use crate::model::log::{LoginAnalyzer, LoginReport, parse_since};
use crate::model::text::sanitize;
use crate::postfix::MailQueue;
use crate::postfix::local::Postfix;
use crate::postfix::parse::unix_now;

/// The default window: at least this long, longer when the queue holds older mail.
pub const DEFAULT_WINDOW: i64 = 86_400;
/// How far before the window journald is read, to tell new addresses from known ones
/// (files are read whole).
pub const LOOK_BACK: i64 = 30 * 86_400;

/// A log read: the report, the sources read, and one warning per source that failed.
#[derive(Debug)]
pub struct LogRead {
    pub report: LoginReport,
    pub read: Vec<String>,
    /// `log PATH: why` per source that could not be read (sanitized).
    pub warnings: Vec<String>,
}

impl LogRead {
    /// The file a fail2ban jail should watch: the first plain file read, else the usual one.
    #[must_use]
    pub fn jail_logpath(&self) -> String {
        jail_logpath(&self.read)
    }
}

/// The file a fail2ban jail should watch: the first plain file read, else the usual one.
#[must_use]
pub fn jail_logpath(read: &[String]) -> String {
    read.iter()
        .find(|s| s.starts_with('/') && !s.ends_with(".gz"))
        .cloned()
        .unwrap_or_else(|| "/var/log/mail.log".to_owned())
}

/// Read the mail log of `postfix` (or the `logs` given) and analyse it. `since`: the
/// `--since` text; default [`default_since`], or from `oldest_queued` (the arrival time of
/// the oldest queued message) when the caller knows it (then the queue is not listed again).
/// `watch`: queue IDs whose submitting login is wanted ([`LoginReport::queued`]).
///
/// # Errors
/// A bad `since`, or no source could be read at all.
pub fn login_report(
    postfix: Option<&Postfix>,
    logs: &[PathBuf],
    since: Option<&str>,
    oldest_queued: Option<i64>,
    watch: &[String],
) -> Result<LogRead> {
    let reader = LogReader::new(postfix);
    let clock = reader.clock(unix_now());
    let since = match since {
        Some(s) => parse_since(s, &clock).map_err(anyhow::Error::msg)?,
        None => match oldest_queued {
            Some(o) => o.min(clock.now - DEFAULT_WINDOW),
            None => default_since(postfix, clock.now),
        },
    };
    let sources: Vec<LogSource> = if logs.is_empty() {
        reader.discover()
    } else {
        logs.iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    LogSource::Stdin
                } else {
                    LogSource::File(p.clone())
                }
            })
            .collect()
    };
    let mut analyzer = LoginAnalyzer::new(clock, Some(since));
    analyzer.watch_queue_ids(watch.iter().map(String::as_str));
    let (mut read, mut warnings) = (Vec::new(), Vec::new());
    for source in &sources {
        match reader.read(source, &mut analyzer, Some(since - LOOK_BACK)) {
            Ok(()) => read.push(source.to_string()),
            Err(e) => {
                // A file's error names the file already: say it once.
                let (name, why) = (source.to_string(), e.to_string());
                let text = if why.starts_with(&name) {
                    format!("log {why}")
                } else {
                    format!("log {name}: {why}")
                };
                warnings.push(sanitize(&text).into_owned());
            }
        }
    }
    if read.is_empty() {
        // Each source's reason is the message: nothing else reports it.
        let why = if warnings.is_empty() {
            "no log source found".to_owned()
        } else {
            warnings.join("; ")
        };
        bail!("no mail log could be read ({why}); name one with --log PATH");
    }
    Ok(LogRead {
        report: analyzer.finish(),
        read,
        warnings,
    })
}

/// The age of the oldest queued message, at least [`DEFAULT_WINDOW`].
#[must_use]
pub fn default_since(postfix: Option<&Postfix>, now: i64) -> i64 {
    let oldest = postfix
        .and_then(|pf| pf.list().ok())
        .and_then(|snap| snap.messages.iter().map(|m| m.arrival_time).min());
    oldest.map_or(now - DEFAULT_WINDOW, |o| o.min(now - DEFAULT_WINDOW))
}

/// Why a queue has no log to read, or `None` when it has one (its instance's, or `logs`).
#[must_use]
pub fn no_log_reason(queue: &dyn MailQueue, logs: &[PathBuf]) -> Option<&'static str> {
    (queue.postfix().is_none() && logs.is_empty())
        .then_some("a demo or captured queue has no mail log: name one with --log PATH")
}

/// Read the mail log behind `queue` (a demo or a captured queue has no log of its own:
/// only `logs` is read then) for the storm evidence; the rest as [`login_report`].
///
/// # Errors
/// There is no log for this queue, a bad `since`, or no source could be read.
pub fn storm_log(
    queue: &dyn MailQueue,
    logs: &[PathBuf],
    since: Option<&str>,
    oldest_queued: Option<i64>,
    watch: &[String],
) -> Result<LogRead> {
    if let Some(why) = no_log_reason(queue, logs) {
        bail!(why);
    }
    login_report(queue.postfix(), logs, since, oldest_queued, watch)
}

/// The storm evidence of a read: accounts the log flags, and those `storm_users` names.
#[must_use]
pub fn storm_evidence<'a>(
    read: &LogRead,
    storm_users: impl Fn(&str) -> bool + 'a,
) -> StormEvidence {
    StormEvidence::of(&read.report, &read.jail_logpath(), storm_users)
}
