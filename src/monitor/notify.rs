//! Alert actions: the log line, the audit entry, the `alert-command` and the mail through
//! the local sendmail (both run by the adapter, `postfix::notify`). Each action runs with
//! a timeout and its failure is logged, never fatal.

use std::path::PathBuf;

use crate::model::monitor::alerts::AlertEvent;
use crate::model::monitor::mail;
use crate::model::storm::StormReport;
use crate::ops::audit;
use crate::postfix::notify::{run_alert_command, sendmail};

/// Where alerts go.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    /// Program and arguments (no shell).
    pub command: Vec<String>,
    pub mail_to: Vec<String>,
    pub mail_from: Option<String>,
    pub sendmail: PathBuf,
    pub audit_log: Option<PathBuf>,
}

impl Actions {
    /// Announce one alert everywhere; problems are logged and returned for the caller's log.
    pub fn announce(&self, event: &AlertEvent, report: Option<&StormReport>) -> Vec<String> {
        let mut problems = Vec::new();
        let line = format!(
            "alert {}: {}",
            event.state.as_str(),
            crate::model::text::sanitize(&event.summary)
        );
        eprintln!("{line}");
        tracing::warn!(target: "mailq_tui::monitor", alert = %event.alert, state = event.state.as_str(), instance = %event.instance, "{line}");
        if let Some(path) = &self.audit_log
            && let Err(e) = audit::append(path, &audit_entry(event))
        {
            problems.push(format!("audit log {}: {e}", path.display()));
        }
        let json = serde_json::to_vec(event).unwrap_or_default();
        if !self.command.is_empty()
            && let Err(e) = run_alert_command(&self.command, &event.env(), json)
        {
            problems.push(format!("alert-command: {e}"));
        }
        if !self.mail_to.is_empty() {
            let from = self.mail_from.clone().unwrap_or_else(|| "root".to_owned());
            let text = mail::message(event, report, &from, &self.mail_to);
            if let Err(e) = sendmail(
                &self.sendmail,
                self.mail_from.as_deref(),
                &self.mail_to,
                &text,
            ) {
                problems.push(format!("alert mail via {}: {e}", self.sendmail.display()));
            }
        }
        for p in &problems {
            eprintln!("warning: {p}");
            tracing::warn!(target: "mailq_tui::monitor", "{p}");
        }
        problems
    }
}

/// The audit record of an alert: `op` is `alert firing|repeat|resolved`, the summary line
/// says what and how much; no queue IDs.
#[must_use]
pub fn audit_entry(event: &AlertEvent) -> audit::Entry {
    let uid = nix::unistd::getuid();
    let user = nix::unistd::User::from_uid(uid)
        .ok()
        .flatten()
        .map_or_else(|| uid.to_string(), |u| u.name);
    audit::Entry {
        time: event.time.clone(),
        unix_time: event.time_unix,
        uid: uid.as_raw(),
        user,
        host: event.host.clone(),
        instance: event.instance.clone(),
        op: format!("alert {}", event.state.as_str()),
        filter: String::new(),
        requested: 0,
        done: 0,
        gone: 0,
        changed: 0,
        failed: 0,
        skipped: 0,
        already: 0,
        interrupted: false,
        error: None,
        ids_done: Vec::new(),
        ids_gone: Vec::new(),
        ids_changed: Vec::new(),
        ids_failed: Vec::new(),
        ids_skipped: Vec::new(),
        ids_already: Vec::new(),
        summary: vec![event.summary.clone()],
        errors: Vec::new(),
        exported: None,
        duration_ms: 0,
    }
}
