//! Several Postfix sources at once: list them all in parallel, one thread per source, so a
//! source that is slow or down never delays the others' results (they arrive in completion
//! order). One adapter cache ([`Adapters`]) keeps what was opened, so probing every few
//! seconds does not re-probe a host's uid and paths each time. Used by `mailq-tui fleet`
//! and `--host` ([`Fleet`]) and by the TUI's source picker and fleet overview.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tracing::warn;

use super::local::{Postfix, connect};
use super::ssh::{SshHost, SshOptions};
use super::{MailQueue, PostfixError};
use crate::model::Snapshot;
use crate::model::fleet::FleetRow;
use crate::model::source::Source;

/// Adapters opened so far, by [`Source::key`]; cheap to clone (the clones share the
/// cache). Probed once, then kept: the remote uid and program paths do not change between
/// refreshes, and the ssh connection below is multiplexed anyway.
#[derive(Clone, Default)]
pub struct Adapters {
    opened: Arc<Mutex<HashMap<String, Arc<Postfix>>>>,
    ssh: SshOptions,
}

impl Adapters {
    /// `ssh.timeout` bounds each host's probe and each remote command.
    #[must_use]
    pub fn new(ssh: SshOptions) -> Self {
        Self {
            opened: Arc::default(),
            ssh,
        }
    }

    /// The adapter for `source`: the cached one, or a new one (then cached).
    ///
    /// # Errors
    /// See [`open`].
    pub fn open(&self, source: &Source) -> Result<Arc<Postfix>, PostfixError> {
        let key = source.key();
        if let Some(q) = self
            .opened
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(Arc::clone(q));
        }
        // Not held while opening: a host timing out must not block the others' probes. A
        // second caller for the same source may probe twice, which is harmless.
        let q = Arc::new(open(source, &self.ssh)?);
        self.opened
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, Arc::clone(&q));
        Ok(q)
    }

    /// Probe every source in parallel (open through the cache, list, summarise); `on_row`
    /// gets each `(index, row)` as soon as it is in, on the calling thread. `previous` is a
    /// source's row from the last refresh (growth, last known counts).
    pub fn probe_each(
        &self,
        sources: &[(usize, Source, Option<FleetRow>)],
        mut on_row: impl FnMut(usize, FleetRow),
    ) {
        in_parallel(
            sources.len(),
            |i| {
                let (index, source, previous) = &sources[i];
                let started = Instant::now();
                let row = probe(source, self.open(source), started, previous.as_ref());
                (*index, row)
            },
            |(index, row)| on_row(index, row),
        );
    }

    /// Close every multiplexed connection opened so far.
    pub fn disconnect_all(&self) {
        for q in self
            .opened
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            q.disconnect();
        }
    }
}

/// Run `job(0..n)` at once, one thread each; `on_result` gets every result as soon as it
/// is in (completion order), on the calling thread.
fn in_parallel<T: Send>(n: usize, job: impl Fn(usize) -> T + Sync, mut on_result: impl FnMut(T)) {
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        for i in 0..n {
            let (tx, job) = (tx.clone(), &job);
            s.spawn(move || {
                let _ = tx.send(job(i));
            });
        }
        drop(tx);
        for result in rx {
            on_result(result);
        }
    });
}

/// A set of ssh hosts, listed in parallel through one [`Adapters`] cache.
pub struct Fleet {
    hosts: Vec<SshHost>,
    adapters: Adapters,
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
            hosts,
            adapters: Adapters::new(opts),
        }
    }

    #[must_use]
    pub fn hosts(&self) -> Vec<&SshHost> {
        self.hosts.iter().collect()
    }

    /// The adapter for host `index`, connecting on first use.
    ///
    /// # Errors
    /// See [`connect`]; an index out of range is [`PostfixError::Unreachable`].
    pub fn queue(&self, index: usize) -> Result<Arc<Postfix>, PostfixError> {
        let host = self
            .hosts
            .get(index)
            .ok_or_else(|| PostfixError::Unreachable {
                host: format!("#{index}"),
                detail: "no such host".into(),
            })?;
        self.adapters.open(&Source::Remote(host.clone()))
    }

    /// List every host in parallel; `on_result` gets each host's result as soon as it is
    /// in (completion order), on the calling thread.
    pub fn list_each(&self, on_result: impl FnMut(HostListing)) {
        in_parallel(
            self.hosts.len(),
            |index| {
                let host = &self.hosts[index];
                let started = Instant::now();
                let (instance, result) = match self.queue(index) {
                    Ok(q) => (q.describe(), q.list()),
                    Err(e) => (host.name.clone(), Err(e)),
                };
                if let Err(e) = &result {
                    warn!(host = %host.name, error = %e, "host listing failed");
                }
                HostListing {
                    index,
                    name: host.name.clone(),
                    instance,
                    result,
                    took: started.elapsed(),
                }
            },
            on_result,
        );
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
        self.adapters.disconnect_all();
    }
}

/// Open the adapter for `source`: `Postfix::new(Some(dir))` locally, [`connect`] for a
/// host.
///
/// # Errors
/// Postfix missing or unusable locally; ssh refused, timed out or denied remotely.
pub fn open(source: &Source, opts: &SshOptions) -> Result<Postfix, PostfixError> {
    match source {
        Source::Local { config_dir, .. } => Postfix::new(Some(config_dir.clone())),
        Source::Remote(h) => connect(h, opts),
    }
}

/// List `source` through `queue` (already opened, or the error opening it) and summarise
/// as an overview row; `previous` is this source's last row (growth, last known counts).
#[must_use]
pub fn probe(
    source: &Source,
    queue: Result<Arc<Postfix>, PostfixError>,
    started: Instant,
    previous: Option<&FleetRow>,
) -> FleetRow {
    let label = source.label();
    let (instance, result) = match queue {
        Ok(q) => (q.describe(), q.list()),
        Err(e) => (label.clone(), Err(e)),
    };
    match result {
        Ok(snap) => FleetRow::from_snapshot(&label, &instance, &snap, started.elapsed(), previous),
        Err(e) => {
            warn!(source = %label, error = %e, "source listing failed");
            FleetRow::down(&label, &e.to_string(), started.elapsed(), previous)
        }
    }
}

#[cfg(test)]
mod source_tests {
    use super::*;
    use crate::postfix::instances::Instance;

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
        let row = probe(
            &src,
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
