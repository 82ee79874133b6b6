//! `mailq-tui watch`: the long-running, read-only monitoring daemon.
//!
//! ```text
//!  per instance (tokio task)                 coordinator (one task)              actions (one thread)
//!  ┌──────────────────────────┐  Polled   ┌──────────────────────────────┐ event ┌──────────────────┐
//!  │ spawn_blocking:          │ ───────▶ │ history, up/down, counters   │ ────▶ │ log, audit,      │
//!  │  postqueue -j (+postcat) │           │ alert state machines (pure)  │       │ alert-command,   │
//!  │  metrics::compute (pure) │           │ exposition::render (pure)    │       │ sendmail         │
//!  │ sleep: adaptive interval │           │ → /metrics, --textfile       │       └──────────────────┘
//!  └──────────────────────────┘           └──────────────────────────────┘
//! ```
//!
//! The queue is opened through [`ReadOnly`], which has no path to postsuper. A failed
//! listing sets `mailq_tui_up` to 0 and is logged; the daemon never stops for it.

pub mod notify;
pub mod server;
pub mod textfile;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::sync::{RwLock, mpsc};

use crate::cli::{GlobalOpts, WatchArgs};
use crate::config::Config;
use crate::indexer;
use crate::model::QueueName;
use crate::model::compromise::Networks;
use crate::model::content::ContentIndex;
use crate::model::monitor::alerts::{
    AlertEvent, AlertState, Condition, Observation, Rule, TransitionKind, rules_from_config,
    summary,
};
use crate::model::monitor::exposition::{InstanceView, render};
use crate::model::monitor::metrics::{
    History, InstanceMetrics, compute, next_interval, smoothed_cost,
};
use crate::model::monitor::{DEFAULT_LISTEN, WatchConfig};
use crate::model::storm::{StormReport, analyze};
use crate::model::time::{format_utc, parse_duration};
use crate::postfix::local::Postfix;
use crate::postfix::parse::unix_now;
use crate::postfix::read_only::ReadOnly;
use crate::postfix::ssh::{SshHost, SshOptions};
use crate::postfix::{MailQueue, PostfixError};

/// The longest time one listing spends reading queue files (postcat) for the storm analysis.
const INDEX_BUDGET: Duration = Duration::from_secs(5);

/// Why a watched queue refuses every change.
const WATCH_ONLY: &str = "mailq-tui watch only monitors the queue";

/// A queue that can be listed and read but never changed: the one read-only wrapper of
/// the Postfix adapter, so nothing `watch` does can reach postsuper.
type ReadOnlyQueue = ReadOnly<Box<dyn MailQueue>>;

fn read_only(queue: Box<dyn MailQueue>) -> ReadOnlyQueue {
    ReadOnly::new(queue, WATCH_ONLY)
}

/// Where one watched instance's queue comes from.
enum Spec {
    /// The local Postfix (`-c DIR` or the default instance).
    Local(Option<PathBuf>),
    /// A host over ssh.
    Remote(SshHost, SshOptions),
    /// `--demo` / `--from-file`: opened once, up front.
    Opened,
}

/// Lists one instance; lives on the blocking pool between listings.
struct Worker {
    spec: Spec,
    queue: Option<ReadOnlyQueue>,
    index: ContentIndex,
    /// Read queue files (root, not `--no-index`); switched off after "permission denied".
    index_contents: bool,
    previous_ndrs: Option<usize>,
    top_reasons: usize,
    /// The instance's `mynetworks`, read when it is connected (empty for a demo or a file:
    /// private and loopback addresses count as inside then, as in `storm`).
    networks: Networks,
}

/// One listing's result.
struct Polled {
    metrics: InstanceMetrics,
    report: StormReport,
    listing: Duration,
    /// Compromised accounts, when the contents could be read.
    compromised: Option<BTreeSet<String>>,
}

impl Worker {
    fn connect(&mut self) -> Result<(), PostfixError> {
        if self.queue.is_none() {
            let q: Box<dyn MailQueue> = match &self.spec {
                Spec::Local(dir) => Box::new(Postfix::new(dir.clone())?),
                Spec::Remote(host, opts) => Box::new(crate::postfix::local::connect(host, opts)?),
                Spec::Opened => {
                    return Err(PostfixError::NotFound("queue".to_owned()));
                }
            };
            self.networks = Networks::parse(&q.postconf("mynetworks").unwrap_or_default());
            self.queue = Some(read_only(q));
        }
        Ok(())
    }

    fn poll(&mut self) -> Result<Polled, String> {
        self.connect().map_err(|e| e.to_string())?;
        let Some(queue) = self.queue.as_ref() else {
            return Err("no queue".to_owned());
        };
        let started = Instant::now();
        let snap = queue.list();
        let listing = started.elapsed();
        let snap = match snap {
            Ok(s) => s,
            Err(e) => {
                // A remote host may come back on a new connection.
                if matches!(self.spec, Spec::Remote(..)) {
                    self.queue = None;
                }
                return Err(e.to_string());
            }
        };
        let now = unix_now();
        let mut contents_read = false;
        if self.index_contents {
            let live: std::collections::HashSet<_> =
                snap.messages.iter().map(|m| m.key()).collect();
            self.index.retain(|k| live.contains(k));
            // Reading queue files is bounded per listing, so that a first pass over a huge
            // queue cannot hold the metrics back; the rest is read at the next listings.
            let cancel = AtomicBool::new(false);
            let started = Instant::now();
            let mut over_budget = |_: usize, _: usize| {
                if started.elapsed() > INDEX_BUDGET {
                    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            };
            match indexer::build(
                queue,
                &snap,
                &mut self.index,
                &[],
                indexer::DEFAULT_BATCH,
                &mut over_budget,
                &cancel,
            ) {
                Ok(stats) => contents_read = !stats.cancelled,
                Err(e) => {
                    if matches!(e, PostfixError::PermissionDenied { .. }) {
                        self.index_contents = false;
                    }
                    tracing::warn!(target: "mailq_tui::monitor", "reading queue files: {e}");
                    eprintln!(
                        "warning: reading queue files failed (no compromised-account count): {e}"
                    );
                }
            }
        }
        let report = analyze(&snap, &self.index, &self.networks, self.previous_ndrs, now);
        self.previous_ndrs = Some(report.ndrs);
        let metrics = compute(&snap, now, self.top_reasons, Some(&report), contents_read);
        let compromised = contents_read.then(|| {
            report
                .accounts
                .iter()
                .filter(|a| a.compromised)
                .map(|a| a.user.clone())
                .collect()
        });
        Ok(Polled {
            metrics,
            report,
            listing,
            compromised,
        })
    }
}

/// What the coordinator knows about one instance.
struct Instance {
    name: String,
    up: bool,
    last: Option<InstanceMetrics>,
    report: Option<StormReport>,
    compromised: Option<BTreeSet<String>>,
    history: History,
    cost: Option<f64>,
    listing_secs: f64,
    interval_secs: f64,
    listings: u64,
    failures: u64,
    last_success: Option<i64>,
    failing_since: Option<i64>,
    last_error: Option<String>,
    alerts: Vec<AlertState>,
}

/// Everything `watch` runs with, after the command line and the config file.
struct Settings {
    listen: Option<String>,
    textfile: Option<PathBuf>,
    min_interval: f64,
    growth_window: u64,
    rules: Vec<Rule>,
    actions: notify::Actions,
    host: String,
}

/// Run `mailq-tui watch`.
///
/// # Errors
/// Bad settings or alert rules, a listen address that cannot be bound, a bad textfile
/// directory: all at startup. Once running, nothing stops the daemon but a signal.
pub fn run(global: &GlobalOpts, cfg: &Config, args: &WatchArgs) -> Result<ExitCode> {
    let settings = settings(global, &cfg.watch, &cfg.alerts, args)?;
    let workers = workers(global, cfg, args)?;
    if let Some(p) = &settings.textfile {
        textfile::check_target(p)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(daemon(settings, workers, args.once))
}

fn settings(
    global: &GlobalOpts,
    w: &WatchConfig,
    alerts: &[crate::model::monitor::alerts::AlertConfig],
    args: &WatchArgs,
) -> Result<Settings> {
    let rules = rules_from_config(alerts).map_err(anyhow::Error::msg)?;
    let textfile = args.textfile.clone().or_else(|| w.textfile.clone());
    let listen = args
        .listen
        .clone()
        .or_else(|| w.listen.clone())
        .or_else(|| textfile.is_none().then(|| DEFAULT_LISTEN.to_owned()))
        .filter(|l| !l.is_empty() && l != "none");
    let growth_window = parse_duration(&w.growth_window)
        .filter(|s| *s > 0)
        .with_context(|| {
            format!(
                "[watch] growth-window = {:?}: expected a duration like 5m",
                w.growth_window
            )
        })?;
    let interval = args.interval.unwrap_or(w.interval);
    if interval == 0 {
        bail!("--interval must be at least 1 second");
    }
    let host = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let min_interval = interval as f64;
    Ok(Settings {
        listen,
        textfile,
        min_interval,
        growth_window,
        rules,
        actions: notify::Actions {
            command: w.alert_command.clone(),
            mail_to: w.alert_mail.clone(),
            mail_from: w.alert_mail_from.clone(),
            sendmail: w.sendmail.clone(),
            audit_log: global
                .audit_log
                .clone()
                .or_else(crate::ops::audit::default_path),
        },
        host,
    })
}

fn workers(global: &GlobalOpts, cfg: &Config, args: &WatchArgs) -> Result<Vec<(String, Worker)>> {
    let index_contents = !args.no_index && crate::trust::is_root();
    let top = cfg.watch.top_reasons;
    let worker = |spec: Spec, queue: Option<ReadOnlyQueue>| Worker {
        spec,
        queue,
        index: ContentIndex::new(),
        index_contents,
        previous_ndrs: None,
        top_reasons: top,
        networks: Networks::default(),
    };
    if global.demo || global.from_file.is_some() {
        let q = crate::cli::open_queue(global)?;
        let name = if global.demo { "demo" } else { "file" };
        return Ok(vec![(
            name.to_owned(),
            worker(Spec::Opened, Some(read_only(q))),
        )]);
    }
    if !global.hosts.is_empty() {
        let (hosts, timeout) = crate::commands::fleet::resolve_hosts(global, false)?;
        let opts = SshOptions {
            timeout: Duration::from_secs(timeout),
            connect_timeout: crate::postfix::ssh::DEFAULT_CONNECT_TIMEOUT
                .min(Duration::from_secs(timeout)),
            ..SshOptions::default()
        };
        return Ok(hosts
            .into_iter()
            .map(|h| (h.name.clone(), worker(Spec::Remote(h, opts.clone()), None)))
            .collect());
    }
    if args.all_instances {
        let list = crate::postfix::instances::list()?;
        let mut out = Vec::new();
        for i in list {
            if !i.enabled {
                eprintln!("note: skipping disabled instance {}", i.label());
                continue;
            }
            let name = if i.name == "-" {
                "default".to_owned()
            } else {
                i.name.clone()
            };
            out.push((
                name,
                worker(Spec::Local(Some(PathBuf::from(&i.config_dir))), None),
            ));
        }
        if out.is_empty() {
            bail!("postmulti lists no enabled Postfix instance");
        }
        return Ok(out);
    }
    let name = global
        .config_dir
        .as_ref()
        .map_or_else(|| "default".to_owned(), |d| d.display().to_string());
    Ok(vec![(
        name,
        worker(Spec::Local(global.config_dir.clone()), None),
    )])
}

/// A listing result on its way to the coordinator.
struct Listed {
    source: usize,
    result: Result<Polled, String>,
    took: Duration,
    interval: mpsc::Sender<f64>,
}

async fn daemon(
    settings: Settings,
    workers: Vec<(String, Worker)>,
    once: bool,
) -> Result<ExitCode> {
    let keep = settings
        .rules
        .iter()
        .filter_map(|r| match r.condition {
            Condition::Growth { window_secs, .. } => Some(window_secs),
            _ => None,
        })
        .chain([settings.growth_window])
        .max()
        .unwrap_or(settings.growth_window);
    let mut instances: Vec<Instance> = workers
        .iter()
        .map(|(name, _)| Instance {
            name: name.clone(),
            up: false,
            last: None,
            report: None,
            compromised: None,
            history: History::new(keep),
            cost: None,
            listing_secs: 0.0,
            interval_secs: settings.min_interval,
            listings: 0,
            failures: 0,
            last_success: None,
            failing_since: None,
            last_error: None,
            alerts: vec![AlertState::default(); settings.rules.len()],
        })
        .collect();
    let metrics = Arc::new(RwLock::new(render(&views(&instances, &settings))));
    let server = match &settings.listen {
        Some(addr) if !once => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            let bound = listener
                .local_addr()
                .map_or_else(|_| addr.clone(), |a| a.to_string());
            eprintln!("mailq-tui watch: metrics at http://{bound}/metrics");
            tracing::info!(target: "mailq_tui::monitor", "metrics at http://{bound}/metrics");
            Some(tokio::spawn(server::serve(listener, metrics.clone())))
        }
        _ => None,
    };
    // Alert actions run in order on their own thread: a slow sendmail never delays a listing.
    let (action_tx, action_rx) = std::sync::mpsc::channel::<(AlertEvent, Option<StormReport>)>();
    let actions = settings.actions.clone();
    let action_thread = std::thread::spawn(move || {
        for (event, report) in action_rx {
            actions.announce(&event, report.as_ref());
        }
    });
    let (tx, mut rx) = mpsc::channel::<Listed>(16);
    let mut tasks = Vec::new();
    for (i, (_, worker)) in workers.into_iter().enumerate() {
        tasks.push(tokio::spawn(list_loop(
            i,
            worker,
            tx.clone(),
            settings.min_interval,
            once,
        )));
    }
    drop(tx);
    let mut remaining_once = instances.len();
    let mut all_up = true;
    loop {
        let listed = tokio::select! {
            l = rx.recv() => l,
            _ = shutdown_signal() => {
                eprintln!("mailq-tui watch: stopping");
                None
            }
        };
        let Some(listed) = listed else { break };
        let source = listed.source;
        let Some(inst) = instances.get_mut(source) else {
            continue;
        };
        let now = unix_now();
        let events = observe(inst, listed.result, listed.took, now, &settings);
        let _ = listed.interval.send(inst.interval_secs).await;
        all_up &= inst.up;
        for e in events {
            let _ = action_tx.send(e);
        }
        let text = render(&views(&instances, &settings));
        if let Some(p) = &settings.textfile
            && let Err(e) = textfile::write_atomic(p, &text)
        {
            eprintln!("warning: cannot write {}: {e}", p.display());
            tracing::warn!(target: "mailq_tui::monitor", "cannot write {}: {e}", p.display());
        }
        *metrics.write().await = text;
        if once {
            remaining_once -= 1;
            if remaining_once == 0 {
                break;
            }
        }
    }
    for t in &tasks {
        t.abort();
    }
    if let Some(s) = server {
        s.abort();
    }
    drop(action_tx);
    let _ = tokio::task::spawn_blocking(move || action_thread.join()).await;
    if once {
        let text = metrics.read().await.clone();
        crate::cli::write_stdout(|out| std::io::Write::write_all(out, text.as_bytes()))?;
        return Ok(if all_up {
            ExitCode::SUCCESS
        } else {
            crate::cli::exit::code(crate::cli::exit::FAILURE)
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// List one instance over and over, at the interval the coordinator answers with.
async fn list_loop(
    source: usize,
    mut worker: Worker,
    tx: mpsc::Sender<Listed>,
    min_interval: f64,
    once: bool,
) {
    let (itx, mut irx) = mpsc::channel::<f64>(1);
    loop {
        let started = Instant::now();
        let joined = tokio::task::spawn_blocking(move || {
            let r = worker.poll();
            (worker, r)
        })
        .await;
        let Ok((w, result)) = joined else {
            tracing::error!(target: "mailq_tui::monitor", "a listing task panicked");
            return;
        };
        worker = w;
        let took = started.elapsed();
        if tx
            .send(Listed {
                source,
                result,
                took,
                interval: itx.clone(),
            })
            .await
            .is_err()
            || once
        {
            return;
        }
        let interval = irx.recv().await.unwrap_or(min_interval);
        let wait = Duration::from_secs_f64(interval).saturating_sub(started.elapsed());
        tokio::time::sleep(wait).await;
    }
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

/// Take one listing result into the instance's state and run its alert rules. Returns the
/// alerts to announce.
fn observe(
    inst: &mut Instance,
    result: Result<Polled, String>,
    took: Duration,
    now: i64,
    settings: &Settings,
) -> Vec<(AlertEvent, Option<StormReport>)> {
    inst.listings += 1;
    // The budget is time in postqueue: a failed attempt counts with all it took.
    let cost = result.as_ref().map_or(took, |p| p.listing).as_secs_f64();
    inst.cost = Some(smoothed_cost(inst.cost, cost));
    inst.interval_secs = next_interval(inst.cost.unwrap_or(cost), settings.min_interval);
    match result {
        Ok(p) => {
            if !inst.up && inst.listings > 1 {
                eprintln!("mailq-tui watch: {}: listing works again", inst.name);
                tracing::info!(target: "mailq_tui::monitor", instance = %inst.name, "listing works again");
            }
            inst.up = true;
            inst.listing_secs = p.listing.as_secs_f64();
            inst.history.push(&p.metrics);
            inst.last_success = Some(now);
            inst.failing_since = None;
            inst.last_error = None;
            inst.last = Some(p.metrics);
            inst.report = Some(p.report);
            inst.compromised = p.compromised;
            tracing::debug!(target: "mailq_tui::monitor", instance = %inst.name, took = took.as_secs_f64(), interval = inst.interval_secs, "listed");
        }
        Err(e) => {
            inst.up = false;
            inst.failures += 1;
            inst.listing_secs = took.as_secs_f64();
            inst.failing_since.get_or_insert(now);
            tracing::warn!(target: "mailq_tui::monitor", instance = %inst.name, "listing failed: {e}");
            if inst.last_error.as_deref() != Some(e.as_str()) {
                eprintln!("mailq-tui watch: {}: listing failed: {e}", inst.name);
            }
            inst.last_error = Some(e);
        }
    }
    let mut out = Vec::new();
    for (rule, state) in settings.rules.iter().zip(inst.alerts.iter_mut()) {
        let obs = observation(
            rule,
            inst.up,
            inst.last.as_ref(),
            &inst.history,
            inst.compromised.as_ref(),
            inst.failing_since,
            now,
        );
        let Some(t) = state.step(rule, &obs, now) else {
            continue;
        };
        let m = inst.last.clone().unwrap_or_default();
        let event = AlertEvent {
            state: t.kind,
            alert: rule.name.clone(),
            kind: rule.condition.kind().to_owned(),
            instance: inst.name.clone(),
            host: settings.host.clone(),
            value: (!t.value.is_nan()).then_some(t.value),
            threshold: rule.condition.threshold(),
            summary: summary(rule, &inst.name, &t),
            since: format_utc(t.since),
            since_unix: t.since,
            time: format_utc(now),
            time_unix: now,
            accounts: t.accounts.clone(),
            verdict: inst
                .report
                .as_ref()
                .map(|r| r.verdict.clone())
                .unwrap_or_default(),
            deferred: m.queue(&QueueName::Deferred).map_or(0, |q| q.messages),
            total: m.total_messages(),
            ndrs: m.ndrs(),
            oldest_age_secs: m.oldest_age_secs(),
        };
        let report = (t.kind != TransitionKind::Resolved)
            .then(|| inst.report.clone())
            .flatten();
        out.push((event, report));
    }
    out
}

/// What the latest state says about one rule.
fn observation(
    rule: &Rule,
    up: bool,
    last: Option<&InstanceMetrics>,
    history: &History,
    compromised: Option<&BTreeSet<String>>,
    failing_since: Option<i64>,
    now: i64,
) -> Observation {
    #[allow(clippy::cast_precision_loss)]
    let val = |n: usize| Observation::Value(n as f64);
    if let Condition::ListingFailing { .. } = rule.condition {
        #[allow(clippy::cast_precision_loss)]
        let secs = failing_since.map_or(0.0, |t| (now - t) as f64);
        return Observation::Value(secs);
    }
    let Some(m) = last.filter(|_| up) else {
        return Observation::Unknown;
    };
    match rule.condition {
        Condition::Deferred(_) => val(m.queue(&QueueName::Deferred).map_or(0, |q| q.messages)),
        Condition::Growth { window_secs, .. } => history
            .growth_per_minute(None, window_secs)
            .map_or(Observation::Unknown, Observation::Value),
        #[allow(clippy::cast_precision_loss)]
        Condition::Oldest { .. } => Observation::Value(m.oldest_age_secs() as f64),
        Condition::NdrShare { .. } => Observation::Value(m.ndr_share * 100.0),
        Condition::Compromised => {
            compromised.map_or(Observation::Unknown, |s| Observation::Accounts(s.clone()))
        }
        Condition::ListingFailing { .. } => Observation::Unknown,
    }
}

fn views(instances: &[Instance], settings: &Settings) -> Vec<InstanceView> {
    instances
        .iter()
        .map(|i| {
            let mut growth = [None; 5];
            for (g, q) in growth.iter_mut().zip(QueueName::ALL.iter()) {
                *g = i.history.growth_per_minute(Some(q), settings.growth_window);
            }
            InstanceView {
                name: i.name.clone(),
                up: i.up,
                metrics: i.last.clone(),
                growth_per_minute: growth,
                growth_window_secs: settings.growth_window,
                listing_secs: i.listing_secs,
                interval_secs: i.interval_secs,
                listings_total: i.listings,
                failures_total: i.failures,
                last_success: i.last_success,
                alerts: settings
                    .rules
                    .iter()
                    .zip(i.alerts.iter())
                    .map(|(r, s)| (r.name.clone(), s.is_firing()))
                    .collect(),
            }
        })
        .collect()
}
