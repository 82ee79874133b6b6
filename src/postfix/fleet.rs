//! Several Postfix hosts at once: list them all in parallel, one thread per host, so a host
//! that is slow or down never delays the others' results. Used by `mailq-tui fleet` and
//! meant for the TUI's fleet screen (results arrive per host, in completion order).

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tracing::warn;

use super::command::Postfix;
use super::instances::Instance;
use super::remote::{SshHost, SshOptions, connect};
use super::{MailQueue, PostfixError};
use crate::model::Snapshot;
use crate::model::fleet::FleetRow;
use crate::model::text::sanitize;

/// A set of hosts and their (lazily opened, then reused) adapters.
pub struct Fleet {
    hosts: Vec<Entry>,
    opts: SshOptions,
}

struct Entry {
    host: SshHost,
    /// Probed once, then kept: the remote uid and program paths do not change between
    /// refreshes, and the ssh connection below it is multiplexed anyway.
    queue: Mutex<Option<Arc<Postfix>>>,
}

/// One host's listing attempt.
#[derive(Debug)]
pub struct HostListing {
    /// Index of the host in [`Fleet::hosts`].
    pub index: usize,
    pub name: String,
    /// The adapter's description when connected, else the host's name.
    pub instance: String,
    pub result: Result<Snapshot, PostfixError>,
    /// Connect (first time) plus listing.
    pub took: Duration,
}

impl HostListing {
    /// The overview row; `previous` is this host's row from the last refresh.
    #[must_use]
    pub fn row(&self, previous: Option<&FleetRow>) -> FleetRow {
        match &self.result {
            Ok(snap) => {
                FleetRow::from_snapshot(&self.name, &self.instance, snap, self.took, previous)
            }
            Err(e) => FleetRow::down(&self.name, &e.to_string(), self.took, previous),
        }
    }
}

impl Fleet {
    /// `opts.timeout` bounds each host's probe and each listing: the longest a refresh of
    /// the whole fleet can take, whatever the hosts do.
    #[must_use]
    pub fn new(hosts: Vec<SshHost>, opts: SshOptions) -> Self {
        Self {
            hosts: hosts
                .into_iter()
                .map(|host| Entry {
                    host,
                    queue: Mutex::new(None),
                })
                .collect(),
            opts,
        }
    }

    #[must_use]
    pub fn hosts(&self) -> Vec<&SshHost> {
        self.hosts.iter().map(|e| &e.host).collect()
    }

    /// The adapter for host `index`, connecting on first use.
    ///
    /// # Errors
    /// See [`connect`]; an index out of range is [`PostfixError::Unreachable`].
    pub fn queue(&self, index: usize) -> Result<Arc<Postfix>, PostfixError> {
        let entry = self
            .hosts
            .get(index)
            .ok_or_else(|| PostfixError::Unreachable {
                host: format!("#{index}"),
                detail: "no such host".into(),
            })?;
        // Not held while connecting: a second caller for the same host may probe twice,
        // which is harmless; a lock held for a 30 s timeout would not be.
        if let Some(q) = entry
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            return Ok(Arc::clone(q));
        }
        let q = Arc::new(connect(&entry.host, &self.opts)?);
        *entry.queue.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&q));
        Ok(q)
    }

    /// List every host in parallel; `on_result` gets each host's result as soon as it is
    /// in (completion order), on the calling thread.
    pub fn list_each(&self, mut on_result: impl FnMut(HostListing)) {
        let (tx, rx) = mpsc::channel();
        thread::scope(|s| {
            for (index, entry) in self.hosts.iter().enumerate() {
                let tx = tx.clone();
                s.spawn(move || {
                    let started = Instant::now();
                    let (instance, result) = match self.queue(index) {
                        Ok(q) => (q.describe(), q.list()),
                        Err(e) => (entry.host.name.clone(), Err(e)),
                    };
                    if let Err(e) = &result {
                        warn!(host = %entry.host.name, error = %e, "host listing failed");
                    }
                    let _ = tx.send(HostListing {
                        index,
                        name: entry.host.name.clone(),
                        instance,
                        result,
                        took: started.elapsed(),
                    });
                });
            }
            drop(tx);
            for listing in rx {
                on_result(listing);
            }
        });
    }

    /// List every host in parallel; results in the hosts' order.
    #[must_use]
    pub fn list_all(&self) -> Vec<HostListing> {
        let mut all = Vec::with_capacity(self.hosts.len());
        self.list_each(|l| all.push(l));
        all.sort_by_key(|l| l.index);
        all
    }

    /// One refresh of the overview: `previous` is the last refresh's rows (same order).
    #[must_use]
    pub fn rows(&self, previous: &[FleetRow]) -> Vec<FleetRow> {
        self.list_all()
            .iter()
            .map(|l| l.row(previous.get(l.index)))
            .collect()
    }

    /// Close every multiplexed connection this fleet opened.
    pub fn disconnect_all(&self) {
        for e in &self.hosts {
            if let Some(q) = e
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                q.disconnect();
            }
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
            Self::Remote(h) => format!("ssh:{}:{}", h.name, h.destination),
        }
    }

    /// Open the adapter: `Postfix::new(Some(dir))` locally, [`connect`] for a host.
    ///
    /// # Errors
    /// Postfix missing or unusable locally; ssh refused, timed out or denied remotely.
    pub fn open(&self, opts: &SshOptions) -> Result<Postfix, PostfixError> {
        match self {
            Self::Local { config_dir, .. } => Postfix::new(Some(config_dir.clone())),
            Self::Remote(h) => connect(h, opts),
        }
    }

    /// List through `queue` (already opened, or the error opening it) and summarise as an
    /// overview row; `previous` is this source's last row (growth, last known counts).
    #[must_use]
    pub fn probe(
        &self,
        queue: Result<Arc<Postfix>, PostfixError>,
        started: Instant,
        previous: Option<&FleetRow>,
    ) -> FleetRow {
        let label = self.label();
        let (instance, result) = match queue {
            Ok(q) => (q.describe(), q.list()),
            Err(e) => (label.clone(), Err(e)),
        };
        match result {
            Ok(snap) => {
                FleetRow::from_snapshot(&label, &instance, &snap, started.elapsed(), previous)
            }
            Err(e) => {
                warn!(source = %label, error = %e, "source listing failed");
                FleetRow::down(&label, &e.to_string(), started.elapsed(), previous)
            }
        }
    }
}

impl From<&Instance> for Source {
    fn from(i: &Instance) -> Self {
        Self::Local {
            label: i.label(),
            config_dir: PathBuf::from(&i.config_dir),
        }
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;

    #[test]
    fn labels_and_keys_tell_sources_apart() {
        let local = Source::from(&Instance {
            name: "postfix-out".into(),
            group: "mta".into(),
            enabled: true,
            config_dir: "/etc/postfix-out".into(),
        });
        assert_eq!(local.label(), "local postfix-out (/etc/postfix-out)");
        assert_eq!(local.key(), "local:/etc/postfix-out");
        let remote = Source::Remote(SshHost::new("mx1\u{1b}[2J"));
        assert!(!remote.label().contains('\u{1b}'));
        assert_ne!(local.key(), remote.key());
    }

    #[test]
    fn a_host_that_cannot_be_opened_is_a_down_row() {
        let src = Source::Remote(SshHost::new("mx9"));
        let row = src.probe(
            Err(PostfixError::Unreachable {
                host: "mx9".into(),
                detail: "connection refused".into(),
            }),
            Instant::now(),
            None,
        );
        assert!(!row.up);
        assert!(row.error.as_deref().is_some_and(|e| e.contains("refused")));
    }
}
