//! The TUI's event loop: wait for input, IO results, the refresh tick or a signal; drain;
//! `update()`; draw once. Effects (listing, bulk actions, reading queue files, writing a
//! file) run on blocking threads against the queue and come back as Actions.

use std::io::Write;
use std::process::ExitCode;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};
use crossterm::event::{Event, KeyEventKind};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::time::Instant;

use crate::app::{Action, App, Effect, LoadError, Options, update};
use crate::postfix::{ReadParts, parse};

use super::terminal;
use crate::cli::GlobalOpts;
use crate::cli::open_queue;
use crate::model::fleet::FleetRow;
use crate::model::source::Source;
use crate::postfix::fleet::Adapters;
use crate::postfix::instances;
use crate::postfix::replay::ReplayQueue;
use crate::postfix::ssh::{SshHost, SshOptions};
use crate::postfix::{MailQueue, PostfixError};
use crate::{app, config, indexer, model, ops, ui};

/// Default auto-refresh interval.
const DEFAULT_REFRESH: Duration = Duration::from_secs(10);

/// The switchable sources a session starts with (hosts from `--host` or `[[hosts]]`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    pub hosts: Vec<SshHost>,
    /// Per-host timeout of each probe and of each remote command.
    pub ssh: SshOptions,
    /// Which host is open at start (one `--host`).
    pub current: Option<usize>,
    /// Several hosts: start on the fleet overview with no host open.
    pub overview: bool,
}

/// Open the queue for the TUI and run it until the user quits.
///
/// When Postfix is not installed the demo queue stands in, with a DEMO badge and a note, so
/// `mailq-tui` on a laptop shows something useful instead of an error.
pub(crate) fn run_tui(
    opts: &GlobalOpts,
    cfg: &config::Config,
    remote: Option<Box<dyn MailQueue>>,
    sources: Sources,
) -> Result<ExitCode> {
    // The config file was read (and a typo in it reported) before the terminal goes raw;
    // the command line already overrides it in `opts`.
    let keymap = app::Keymap::default()
        .with_overrides(cfg.keys.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(anyhow::Error::msg)?;
    let opened = match remote {
        Some(q) => Ok(q),
        // Nothing is open on the fleet overview until a host is chosen: an empty stand-in
        // answers the effects meanwhile. Not flagged read-only: there is nothing in it to
        // change, its panes cannot be reached before a host is open, and a READ-ONLY
        // badge on the overview would wrongly suggest the hosts are.
        None if sources.overview => Ok(Box::new(ReplayQueue::new(
            "fleet overview",
            Vec::new(),
            Vec::new(),
            true,
        )) as Box<dyn MailQueue>),
        None => open_queue(opts),
    };
    let (queue, demo_note): (Box<dyn MailQueue>, _) = match opened {
        Ok(q) => (q, None),
        Err(e @ PostfixError::NotFound(_)) if opts.from_file.is_none() => (
            Box::new(ReplayQueue::demo()),
            Some(format!("{e} — showing the built-in demo queue instead")),
        ),
        Err(e) => return Err(e.into()),
    };
    // `open_queue` already made a local queue read-only; a `--host` one is wrapped here.
    let queue = crate::postfix::read_only::shared(Arc::from(queue), opts.read_only);
    let read_only = queue.read_only_reason();
    let app = App::new(Options {
        source: queue.describe(),
        read_only,
        alert_at: opts.alert_at.or(cfg.alert_at),
        refresh_every: Duration::from_secs(
            config::layer(opts.refresh, Some(cfg.refresh), DEFAULT_REFRESH.as_secs()).max(1),
        ),
        demo: opts.demo || demo_note.is_some(),
        demo_note,
        look: {
            let mut look = terminal::look_from_env();
            look.color &= cfg.theme != config::Theme::Monochrome;
            look
        },
        keymap,
        group_key: Some(cfg.default_grouping),
        sources: sources.hosts.iter().cloned().map(Source::Remote).collect(),
        current_source: sources.current,
        sticky_read_only: opts.read_only,
        // Local instances only when the session is about real Postfix, not a demo or file.
        list_instances: !opts.demo && opts.from_file.is_none(),
        fleet_overview: sources.overview,
        log: app::storm_log::LogOptions {
            paths: opts.tui_log.clone(),
            since: opts.tui_since.clone(),
            off: opts.tui_no_log,
        },
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let exec = ops::ExecOptions {
        audit_log: opts.audit_log.clone().or_else(ops::audit::default_path),
        ..ops::ExecOptions::default()
    };
    let result = rt.block_on(event_loop(app, queue, exec, sources.ssh, opts.read_only));
    // Do not wait for the abandoned jobs (see the end of `event_loop`): the process ends
    // with them, and their children get EPIPE (or SIGPIPE) once its pipes are gone.
    rt.shutdown_background();
    result?;
    Ok(ExitCode::SUCCESS)
}

/// The loop: wait for input, an IO result, the refresh tick or a signal; drain everything
/// already queued; update; draw once. Nothing wakes it while idle, so idle CPU is ~0.
async fn event_loop(
    app: App,
    queue: Arc<dyn MailQueue>,
    exec: ops::ExecOptions,
    ssh: SshOptions,
    read_only: bool,
) -> Result<()> {
    let mut app = app;
    let (mut term, _guard) = terminal::init().context("cannot set up the terminal")?;
    let (input_tx, mut input_rx) = mpsc::channel::<Event>(256);
    let stop = Arc::new(AtomicBool::new(false));
    let input = terminal::spawn_input(input_tx, stop.clone());
    let (io_tx, mut io_rx) = mpsc::unbounded_channel::<Action>();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut runner = Runner {
        queue,
        exec,
        cancel: cancel.clone(),
        index_cancel: Arc::new(AtomicBool::new(false)),
        tx: io_tx,
        generation: 0,
        read_only,
        adapters: Adapters::new(ssh),
        listed_stamp: Arc::default(),
        listed_at: None,
        stream_partials: true,
        finishing: Vec::new(),
    };
    let mut sigterm = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut sighup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    let mut pending = vec![Action::Refresh];
    let mut hung_up = false;
    let mut next_refresh = Instant::now() + app.refresh_every;
    let result = loop {
        if !pending.is_empty() {
            pending.insert(0, Action::Clock(parse::unix_now()));
        }
        for a in pending.drain(..) {
            if let Action::Switched(s) = &a
                && app.accepts_switch(s)
                && let Ok(h) = &s.result
            {
                runner.switch_to(h.queue.clone(), s.generation);
            }
            if let Some(effect) = update(&mut app, a) {
                runner.stream_partials = app.wants_partials();
                runner.run(effect);
            }
        }
        if app.should_quit {
            break Ok(());
        }
        let now = parse::unix_now();
        let mut shown = None;
        if let Err(e) = term.draw(|f| shown = Some(ui::render(f, &app, now))) {
            break Err(anyhow::Error::from(e).context("cannot draw"));
        }
        // What the frame showed (scroll offsets, page size) goes back through update(), at
        // once, so the next action and the next frame start from it.
        if let Some(v) = shown {
            let _ = update(&mut app, Action::Viewport(v));
        }
        tokio::select! {
            Some(ev) = input_rx.recv() => push_event(&app, ev, &mut pending),
            Some(a) = io_rx.recv() => pending.push(a),
            () = tokio::time::sleep_until(next_refresh), if !app.frozen => {
                next_refresh = Instant::now() + app.refresh_every;
                // At most one listing per 10x its duration: on a huge queue postqueue (showq)
                // itself is the load we must not add to (~10% of wall time at most).
                let spacing = app.snapshot.took * 10;
                match runner.listed_at {
                    // As root: nothing was added, moved or removed since the last listing.
                    _ if runner.queue_unchanged() => {}
                    Some(at) if at.elapsed() < spacing => next_refresh = at + spacing,
                    _ => pending.push(Action::Refresh),
                }
            }
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => {
                // The terminal is gone (the SSH link dropped, the window closed): nothing
                // may be written to it any more. While its other end is still closing, a
                // write blocks once the tty's buffer is full, so restoring it would hang.
                hung_up = true;
                break Ok(());
            }
        }
        while let Ok(a) = io_rx.try_recv() {
            pending.push(a);
        }
        while let Ok(ev) = input_rx.try_recv() {
            push_event(&app, ev, &mut pending);
        }
    };
    stop.store(true, Ordering::Relaxed);
    // Content indexing stops between batches; nobody waits for it.
    runner.index_cancel.store(true, Ordering::SeqCst);
    // A bulk action still running stops after its current batch (and writes its audit line).
    cancel.store(true, Ordering::SeqCst);
    if hung_up {
        std::mem::forget(term);
        _guard.disarm();
    } else {
        drop(term);
        drop(_guard);
    }
    // The input thread sees `stop` within one 100 ms poll. But when the terminal hung up
    // (the SSH link dropped) while we were quitting, crossterm's read can spin on the dead
    // tty and never return: joining it kept the process alive forever, burning CPU. Wait a
    // little, then let it end with the process.
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    while !input.is_finished() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if input.is_finished() {
        let _ = input.join();
    }
    // A bulk action, flush or export finishes its batch and its audit line; a listing, an
    // index or a log read still running is abandoned with the runtime (`run_tui`), so a
    // hung-up terminal ends the process now, not when a long `postqueue -j` is done.
    for job in runner.finishing.drain(..) {
        let _ = job.await;
    }
    result
}

/// Key presses go through the keymap of the current mode; resizes just trigger a redraw.
fn push_event(app: &App, ev: Event, pending: &mut Vec<Action>) {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Press => {
            if let Some(a) = app.keymap.dispatch(app.mode(), k) {
                pending.push(a);
            }
        }
        Event::Resize(..) => pending.push(Action::Resize),
        _ => {}
    }
}

/// What the event loop needs to run effects: the queue, the bulk-action options and the
/// flag that interrupts a running bulk action between batches.
struct Runner {
    queue: Arc<dyn MailQueue>,
    exec: ops::ExecOptions,
    cancel: Arc<AtomicBool>,
    /// Stops the running content-indexing job; replaced for every new job, so at most one
    /// job reads at a time (an old one stops after its current batch).
    index_cancel: Arc<AtomicBool>,
    tx: UnboundedSender<Action>,
    /// The source generation of `queue`: its results are tagged with it.
    generation: u64,
    /// The queue's change stamp taken right before the last listing started.
    listed_stamp: Arc<Mutex<Option<u64>>>,
    /// When the last listing started.
    listed_at: Option<Instant>,
    /// Listings hand partial snapshots to the screen (no complete listing is shown yet).
    stream_partials: bool,
    /// `--read-only`: every queue switched to is wrapped so that it cannot change.
    read_only: bool,
    /// Adapters opened by probes and switches (the same cache `mailq-tui fleet` uses).
    adapters: Adapters,
    /// Jobs that change the queue or write files (bulk actions, flushes, exports): quitting
    /// waits for them (they stop after their current batch and write their audit lines);
    /// listings, indexing and log reads are abandoned.
    finishing: Vec<tokio::task::JoinHandle<()>>,
}

impl Runner {
    /// Keep a job that quitting must wait for (forgetting those already done).
    fn must_finish(&mut self, job: tokio::task::JoinHandle<()>) {
        self.finishing.retain(|j| !j.is_finished());
        self.finishing.push(job);
    }

    /// Make `queue` the one every later effect runs against. The content indexer of the
    /// old one stops; results still on their way from it carry the old generation and are
    /// dropped by `update()`.
    fn switch_to(&mut self, queue: Arc<dyn MailQueue>, generation: u64) {
        self.index_cancel.store(true, Ordering::SeqCst);
        // `--read-only` holds for every source switched to, not just the first.
        self.queue = crate::postfix::read_only::shared(queue, self.read_only);
        self.generation = generation;
        *self
            .listed_stamp
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        self.listed_at = None;
    }

    /// The queue provably has not changed since the last listing (root: same directory
    /// mtimes). Unknown means changed.
    fn queue_unchanged(&self) -> bool {
        let listed = *self
            .listed_stamp
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        listed.is_some() && self.queue.change_stamp() == listed
    }

    /// Tag a result of the current queue with its generation.
    fn tag(generation: u64, a: Action) -> Action {
        Action::Tagged(generation, Box::new(a))
    }

    fn probe_sources(&self, list_instances: bool, sources: Vec<(usize, Source, Option<FleetRow>)>) {
        if list_instances {
            let tx = self.tx.clone();
            tokio::task::spawn_blocking(move || {
                let r = instances::list()
                    .map(|l| l.iter().map(Source::from).collect())
                    .map_err(|e| e.to_string());
                let _ = tx.send(Action::InstancesListed(r));
            });
        }
        // One thread per source: a host that hangs until its timeout delays only its row.
        let (tx, adapters) = (self.tx.clone(), self.adapters.clone());
        tokio::task::spawn_blocking(move || {
            adapters.probe_each(&sources, |index, row| {
                let _ = tx.send(Action::SourceProbed(index, Box::new(row)));
            });
        });
    }

    fn switch(&self, index: usize, source: Source, generation: u64) {
        let (tx, adapters) = (self.tx.clone(), self.adapters.clone());
        tokio::task::spawn_blocking(move || {
            let result = adapters
                .open(&source)
                .map(|q| {
                    let describe = q.describe();
                    let read_only = q.read_only_reason();
                    app::QueueHandle {
                        queue: q as Arc<dyn MailQueue>,
                        describe,
                        read_only,
                    }
                })
                .map_err(|e| e.to_string());
            let _ = tx.send(Action::Switched(Box::new(app::Switched {
                generation,
                index,
                result,
            })));
        });
    }

    /// Run an [`Effect`] on a blocking thread; its result comes back as an [`Action`].
    fn run(&mut self, effect: Effect) {
        match effect {
            Effect::Batch(all) => {
                for e in all {
                    self.run(e);
                }
            }
            Effect::Load => self.load(),
            Effect::FallbackToDemo => {
                self.queue = Arc::new(ReplayQueue::demo());
                self.load();
            }
            Effect::Interrupt => self.cancel.store(true, Ordering::SeqCst),
            Effect::Index(job) => {
                self.index_cancel.store(true, Ordering::SeqCst);
                self.index_cancel = Arc::new(AtomicBool::new(false));
                let (q, tx, cancel, generation) = (
                    self.queue.clone(),
                    self.tx.clone(),
                    self.index_cancel.clone(),
                    self.generation,
                );
                tokio::task::spawn_blocking(move || {
                    indexer::run_job(q.as_ref(), *job, &cancel, &mut |b| {
                        let _ = tx.send(Self::tag(generation, Action::Indexed(Box::new(b))));
                    });
                });
            }
            Effect::ProbeSources {
                list_instances,
                sources,
            } => self.probe_sources(list_instances, sources),
            Effect::Switch {
                index,
                source,
                generation,
            } => self.switch(index, source, generation),
            Effect::CheckRules(job) => {
                let (q, tx, generation) = (self.queue.clone(), self.tx.clone(), self.generation);
                tokio::task::spawn_blocking(move || {
                    let done = check_rules(q.as_ref(), &job);
                    let _ = tx.send(Self::tag(generation, Action::RulesChecked(Box::new(done))));
                });
            }
            Effect::ReadLog(job) => {
                let (q, tx, generation) = (self.queue.clone(), self.tx.clone(), self.generation);
                tokio::task::spawn_blocking(move || {
                    let done = read_log(q.as_ref(), &job);
                    let _ = tx.send(Self::tag(generation, Action::LogLoaded(Box::new(done))));
                });
            }
            Effect::ReadLoginFacts(job) => {
                let (q, tx, generation) = (self.queue.clone(), self.tx.clone(), self.generation);
                tokio::task::spawn_blocking(move || {
                    let read = read_log(q.as_ref(), &job.log_job());
                    let action = Action::LoginFactsLoaded(Box::new(job.answer(read.result)));
                    let _ = tx.send(Self::tag(generation, action));
                });
            }
            Effect::Write { file_name, text } => {
                let tx = self.tx.clone();
                self.must_finish(tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Action::Written(write_new_file(&file_name, &text)));
                }));
            }
            Effect::Regroup(job) => {
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Action::Regrouped(Box::new(job.run())));
                });
            }
            Effect::Retire(old) => {
                tokio::task::spawn_blocking(move || drop(old));
            }
            Effect::Apply(req) => {
                let (q, tx, exec, cancel, generation) = (
                    self.queue.clone(),
                    self.tx.clone(),
                    self.exec.clone(),
                    self.cancel.clone(),
                    self.generation,
                );
                self.must_finish(tokio::task::spawn_blocking(move || {
                    cancel.store(false, Ordering::SeqCst);
                    let progress_tx = tx.clone();
                    let mut progress = |p: ops::Progress| {
                        let _ = progress_tx.send(Action::Progress(p));
                    };
                    let action = Action::Applied(
                        ops::execute(q.as_ref(), &req, &exec, &mut progress, &cancel)
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                    );
                    // The loop may have quit meanwhile; then nobody wants the result.
                    let _ = tx.send(Self::tag(generation, action));
                }));
            }
            Effect::Flush { what, keys, filter } => {
                let (q, tx, exec, generation) = (
                    self.queue.clone(),
                    self.tx.clone(),
                    self.exec.clone(),
                    self.generation,
                );
                self.must_finish(tokio::task::spawn_blocking(move || {
                    let audit = exec.audit_log.as_deref();
                    let r = if keys.is_empty() {
                        ops::flush::flush(q.as_ref(), &what, audit)
                    } else {
                        ops::flush::deliver_now(q.as_ref(), &keys, &filter, audit)
                    };
                    let action = Action::Flushed(r.map(Box::new).map_err(|e| e.to_string()));
                    let _ = tx.send(Self::tag(generation, action));
                }));
            }
            Effect::Read { id, body } => {
                let (q, tx, generation) = (self.queue.clone(), self.tx.clone(), self.generation);
                tokio::task::spawn_blocking(move || {
                    let action = Action::ReadDone(
                        q.read(&[id], ReadParts { body }).map_err(|e| e.to_string()),
                    );
                    let _ = tx.send(Self::tag(generation, action));
                });
            }
        }
    }

    /// List the current queue; the listing comes back tagged with its generation.
    /// Streams: every `PROGRESS_EVERY` messages the header learns how far it got.
    fn load(&mut self) {
        let (q, tx, generation) = (self.queue.clone(), self.tx.clone(), self.generation);
        let stamp = self.listed_stamp.clone();
        self.listed_at = Some(Instant::now());
        let mut partials = self
            .stream_partials
            .then(|| super::partial::PartialListing::new(parse::unix_now()));
        tokio::task::spawn_blocking(move || {
            // Before listing: a change during the listing makes the next tick list.
            *stamp.lock().unwrap_or_else(PoisonError::into_inner) = q.change_stamp();
            let mut listed = 0usize;
            let mut progress = |m: &model::Message| {
                listed += 1;
                if let Some(snap) = partials.as_mut().and_then(|p| p.push(m)) {
                    let _ = tx.send(Self::tag(generation, Action::Partial(Arc::new(snap))));
                }
                if listed.is_multiple_of(crate::postfix::PROGRESS_EVERY) {
                    let _ = tx.send(Self::tag(generation, Action::Listing(listed)));
                }
            };
            let listing = q.list_each(&mut progress);
            let action = Action::Loaded(listing.map(Arc::new).map_err(|e| LoadError::from(&e)));
            let _ = tx.send(Self::tag(generation, action));
        });
    }
}

/// The storm screen's rule check: `mynetworks` from the instance, then every candidate
/// rule through postmap.
fn check_rules(
    q: &dyn crate::postfix::MailQueue,
    job: &crate::app::storm::RulesJob,
) -> crate::app::storm::RulesChecked {
    let networks = q.postconf("mynetworks");
    let plan = match crate::postfix::postmap::Postmap::find() {
        Some(p) => model::storm::check_rules(&job.snapshot, &job.content, &p),
        None => model::rules::RulePlan {
            note: Some(
                "postmap not found: rules are shown only after Postfix checked them (install \
                 postfix-pcre)"
                    .to_owned(),
            ),
            ..model::rules::RulePlan::default()
        },
    };
    crate::app::storm::RulesChecked {
        generation: job.generation,
        networks,
        plan,
    }
}

/// The mail log for the storm screen or the `login-new:` facts of `job.watch`: the
/// instance's log (or `--log`), never stdin (the terminal is the TUI's).
fn read_log(q: &dyn MailQueue, job: &app::storm_log::LogJob) -> app::storm_log::LogLoaded {
    use crate::maillog::report;
    let result = if job.paths.iter().any(|p| p.as_os_str() == "-") {
        Err("--log - (standard input) cannot be read by the TUI: name a file".to_owned())
    } else {
        report::storm_log(
            q,
            &job.paths,
            job.since.as_deref(),
            job.oldest_queued,
            &job.watch,
        )
        .map(|read| app::storm_log::LogFacts {
            logpath: read.jail_logpath(),
            report: read.report,
            read: read.read,
            warnings: read.warnings,
        })
        .map_err(|e| format!("{e:#}"))
    };
    app::storm_log::LogLoaded {
        generation: job.generation,
        result,
    }
}

/// Write `text` (each line sanitized: the file is meant to be read and pasted, and must not
/// carry a spammer's escape sequences) to a new file named `file_name` in the current
/// directory, or in the state directory when the current one is not writable (`sudo` in
/// `/`). Never overwrites. Returns the absolute path.
fn write_new_file(file_name: &str, text: &str) -> Result<String, String> {
    let mut body = String::with_capacity(text.len());
    for line in text.lines() {
        body.push_str(&model::text::sanitize(line));
        body.push('\n');
    }
    let write = |dir: std::path::PathBuf| -> std::io::Result<std::path::PathBuf> {
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(file_name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(body.as_bytes())?;
        Ok(path)
    };
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let first = write(cwd.clone());
    let result = match first {
        Ok(p) => Ok(p),
        Err(e) => {
            match ops::audit::default_path().and_then(|p| p.parent().map(Path::to_path_buf)) {
                Some(state) => write(state)
                    .map_err(|e2| format!("{}: {e}; {}: {e2}", cwd.display(), file_name)),
                None => Err(format!("{}: {e}", cwd.display())),
            }
        }
    };
    result.map(|p| p.display().to_string())
}
