//! mailq-tui: a terminal UI for the Postfix mail queue.
//!
//! Dependencies point one way: `ui → app → model ← postfix`.
//!
//! - [`model`]: plain data and logic (messages, snapshots, grouping, filters). No IO.
//! - [`postfix`]: the only code that spawns processes (`postqueue`, `postsuper`, `postcat`,
//!   `postconf`), behind the [`postfix::MailQueue`] trait; plus the in-memory replay queue.
//! - [`app`]: the TUI state machine (`App`, `Action`, keymap, `update`); no IO.
//! - [`ui`]: drawing the `App` with ratatui; one file per screen region.
//! - [`tui`]: the terminal itself (raw mode, restore on every exit path, input thread).
//! - [`cli`]: the command line; [`fleet_cli`]: `--host` and `mailq-tui fleet`.
//! - [`commands`]: the scriptable subcommands (`summary`, `ids`, `help`).

pub mod app;
pub mod bulk_cli;
pub mod cli;
pub mod commands;
pub mod config;
pub mod fleet_cli;
pub mod indexer;
pub mod logging;
pub mod model;
pub mod ops;
pub mod postfix;
pub mod storm_cli;
pub mod synth;
pub mod tui;
pub mod ui;

use std::io::IsTerminal;
use std::io::Write;
use std::process::ExitCode;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use crossterm::event::{Event, KeyEventKind};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::time::Instant;

use crate::app::{Action, App, Effect, LoadError, Options, update};
use crate::postfix::{ReadParts, parse};

use crate::cli::{Cli, Command, GlobalOpts};
use crate::postfix::command::Postfix;
use crate::postfix::replay::ReplayQueue;
use crate::postfix::{MailQueue, PostfixError};

/// Entry point for the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Run a parsed command line.
///
/// # Errors
/// Anything that stops the command; printed as `error: …`.
pub fn run(mut cli: Cli) -> Result<ExitCode> {
    if cli.print_keys {
        write_stdout(|out| write!(out, "{}", app::Keymap::default().markdown()))?;
        return Ok(ExitCode::SUCCESS);
    }
    // Help needs neither the configuration nor a queue.
    if let Some(Command::Help { topic }) = &cli.command {
        return Ok(commands::help(
            topic.as_deref(),
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ));
    }
    if let Some(Command::Config(args)) = &cli.command {
        return run_config(&cli.global, args);
    }
    // Configuration errors are reported here, before anything takes over the terminal.
    let loaded = config::load(cli.global.config.as_deref())?;
    apply_config(&mut cli.global, &loaded.config);
    // Logging goes to a file, never to the terminal; failing to set it up is not fatal.
    let _log_guard = match logging::init(cli.global.log_level.as_deref()) {
        Ok((guard, _path)) => Some(guard),
        Err(e) => {
            // Say so only when logging was asked for: users without a home directory
            // (`nobody`) would otherwise see this on every run.
            if cli.global.log_level.is_some() || std::env::var_os("MAILQ_TUI_LOG").is_some() {
                eprintln!("warning: logging disabled: {e:#}");
            }
            None
        }
    };
    // No subcommand: the TUI, when there is a terminal to draw on. From a script (stdout
    // not a terminal) the same invocation prints one status line per queue instead.
    if cli.command.is_none() && std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return match cli.global.hosts.len() {
            0 => run_tui(&cli.global, &loaded.config, None),
            1 => {
                let (hosts, _) = fleet_cli::resolve_hosts(&cli.global, false)?;
                let host = hosts.first().context("no host")?;
                let queue =
                    postfix::remote::connect(host, &postfix::remote::SshOptions::default())?;
                run_tui(&cli.global, &loaded.config, Some(Box::new(queue)))
            }
            _ => {
                eprintln!(
                    "several hosts: the fleet overview below; open one with `mailq-tui --host NAME`"
                );
                fleet_cli::run(&cli.global, &cli::FleetArgs { json: false })
            }
        };
    }
    if let Some(Command::Log(args)) = &cli.command {
        return bulk_cli::run_log(&cli.global, args);
    }
    if let Some(Command::Fleet(args)) = &cli.command {
        return fleet_cli::run(&cli.global, args);
    }
    if !cli.global.hosts.is_empty() {
        return run_on_hosts(&cli);
    }
    let queue = open_queue(&cli.global)?;
    dispatch(queue.as_ref(), &cli)
}

/// Run the command once per `--host`, one host after the other, each under a label naming
/// the host: a bulk action lists, confirms and acts on each host separately, so it can never
/// cross hosts silently. A host that fails does not stop the others; the exit status is
/// the first non-zero one (1 when a host could not be reached).
fn run_on_hosts(cli: &Cli) -> Result<ExitCode> {
    use crate::postfix::remote::{SshOptions, connect};
    let (hosts, _) = fleet_cli::resolve_hosts(&cli.global, false)?;
    let several = hosts.len() > 1;
    let mut code = ExitCode::SUCCESS;
    let opts = SshOptions::default();
    for host in &hosts {
        let label = |what: &str| {
            let line = format!("== host {}: {what} ==", model::text::sanitize(&host.name));
            // Several hosts: the label belongs to the output (stdout). One host: keep
            // stdout exactly what it is locally (e.g. `ids` piped to postsuper).
            if several {
                println!("{line}");
            } else {
                eprintln!("{line}");
            }
        };
        let outcome = connect(host, &opts)
            .map_err(anyhow::Error::from)
            .and_then(|queue| {
                label(&queue.describe());
                dispatch(&queue, cli)
            });
        match outcome {
            Ok(c) if c != ExitCode::SUCCESS && code == ExitCode::SUCCESS => code = c,
            Ok(_) => {}
            Err(e) => {
                label("error");
                // The label above names the host; ssh errors name it too.
                eprintln!("error: {e:#}");
                if code == ExitCode::SUCCESS {
                    code = ExitCode::from(1);
                }
            }
        }
    }
    Ok(code)
}

/// Run a (queue-level) subcommand against one queue.
fn dispatch(queue: &dyn MailQueue, cli: &Cli) -> Result<ExitCode> {
    use crate::postfix::QueueOp;
    match &cli.command {
        Some(Command::Summary(a)) => commands::summary(queue, a),
        Some(Command::Ids(a)) => commands::ids(queue, a),
        Some(Command::Storm(a)) => storm_cli::run(queue, a),
        Some(Command::Delete(a)) => bulk_cli::run_op(queue, &cli.global, QueueOp::Delete, a),
        Some(Command::Hold(a)) => bulk_cli::run_op(queue, &cli.global, QueueOp::Hold, a),
        Some(Command::Release(a)) => bulk_cli::run_op(queue, &cli.global, QueueOp::Release, a),
        Some(Command::Requeue(a)) => bulk_cli::run_op(queue, &cli.global, QueueOp::Requeue, a),
        _ => {
            let snap = queue.list()?;
            warn_problems(&snap);
            write_stdout(|out| writeln!(out, "{}: {} messages", queue.describe(), snap.len()))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

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

/// Command line over config file over built-in default.
fn apply_config(global: &mut GlobalOpts, file: &config::Config) {
    global.config_dir = global.config_dir.take().or_else(|| file.config_dir.clone());
    global.audit_log = global.audit_log.take().or_else(|| file.audit_log.clone());
    global.refresh = Some(config::layer(
        global.refresh,
        Some(file.refresh),
        config::Config::default().refresh,
    ));
    global.alert_at = global.alert_at.or(file.alert_at);
}

fn run_config(global: &GlobalOpts, args: &cli::ConfigArgs) -> Result<ExitCode> {
    if args.print_default {
        write_stdout(|out| write!(out, "{}", config::SAMPLE))?;
        return Ok(ExitCode::SUCCESS);
    }
    let env = std::env::var(config::CONFIG_ENV).ok();
    match config::resolve(
        global.config.as_deref(),
        env.as_deref(),
        config::default_path(),
    ) {
        Some((path, _)) if args.path => write_stdout(|out| writeln!(out, "{}", path.display()))?,
        Some((path, _)) => {
            let loaded = config::load(global.config.as_deref())?;
            let text = toml::to_string_pretty(&loaded.config)?;
            let state = if path.exists() {
                "read"
            } else {
                "absent: defaults"
            };
            write_stdout(|out| write!(out, "# {} ({state})\n{text}", path.display()))?;
        }
        None => {
            write_stdout(|out| writeln!(out, "# no configuration directory; built-in defaults"))?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Tell the user about unparsable listing lines on stderr: counted, never silent.
pub fn warn_problems(snap: &model::Snapshot) {
    if snap.problems.is_empty() {
        return;
    }
    eprintln!(
        "warning: {} listing line(s) could not be parsed:",
        snap.problems.len()
    );
    for p in snap.problems.iter().take(5) {
        eprintln!("  line {}: {} ({})", p.line, p.snippet, p.error);
    }
}

/// Open the queue the global options name: `--demo`, `--from-file`, or Postfix (`-c DIR`).
///
/// # Errors
/// When the named source cannot be opened.
pub fn open_queue(opts: &GlobalOpts) -> Result<Box<dyn MailQueue>, PostfixError> {
    if opts.demo {
        return Ok(Box::new(ReplayQueue::demo()));
    }
    if let Some(path) = &opts.from_file {
        return Ok(Box::new(ReplayQueue::from_file(path, "MAILER-DAEMON")?));
    }
    Ok(Box::new(Postfix::new(opts.config_dir.clone())?))
}

/// Default auto-refresh interval.
const DEFAULT_REFRESH: Duration = Duration::from_secs(10);

/// Open the queue for the TUI and run it until the user quits.
///
/// When Postfix is not installed the demo queue stands in, with a DEMO badge and a note, so
/// `mailq-tui` on a laptop shows something useful instead of an error.
fn run_tui(
    opts: &GlobalOpts,
    cfg: &config::Config,
    remote: Option<Box<dyn MailQueue>>,
) -> Result<ExitCode> {
    // The config file was read (and a typo in it reported) before the terminal goes raw;
    // the command line already overrides it in `opts`.
    let keymap = app::Keymap::default()
        .with_overrides(cfg.keys.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(anyhow::Error::msg)?;
    let opened = match remote {
        Some(q) => Ok(q),
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
    let queue: Arc<dyn MailQueue> = Arc::from(queue);
    let read_only = if opts.read_only {
        Some("started with --read-only".to_owned())
    } else {
        queue.read_only_reason()
    };
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
            let mut look = tui::look_from_env();
            look.color &= cfg.theme != config::Theme::Monochrome;
            look
        },
        keymap,
        group_key: Some(cfg.default_grouping),
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
    rt.block_on(event_loop(app, queue, exec))?;
    Ok(ExitCode::SUCCESS)
}

/// The loop: wait for input, an IO result, the refresh tick or a signal; drain everything
/// already queued; update; draw once. Nothing wakes it while idle, so idle CPU is ~0.
async fn event_loop(app: App, queue: Arc<dyn MailQueue>, exec: ops::ExecOptions) -> Result<()> {
    let mut app = app;
    let (mut terminal, _guard) = tui::init().context("cannot set up the terminal")?;
    let (input_tx, mut input_rx) = mpsc::channel::<Event>(256);
    let stop = Arc::new(AtomicBool::new(false));
    let input = tui::spawn_input(input_tx, stop.clone());
    let (io_tx, mut io_rx) = mpsc::unbounded_channel::<Action>();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut runner = Runner {
        queue,
        exec,
        cancel: cancel.clone(),
        tx: io_tx,
    };
    let mut sigterm = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut sighup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    let mut pending = vec![Action::Refresh];
    let mut next_refresh = Instant::now() + app.refresh_every;
    let result = loop {
        for a in pending.drain(..) {
            app.now = parse::unix_now();
            if let Some(effect) = update(&mut app, a) {
                runner.run(effect);
            }
        }
        if let Some(old) = app.retired.take() {
            tokio::task::spawn_blocking(move || drop(old));
        }
        if let Some(job) = app.regroup_job.take() {
            let tx = runner.tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Action::Regrouped(Box::new(job.run())));
            });
        }
        if app.should_quit {
            break Ok(());
        }
        let now = parse::unix_now();
        if let Err(e) = terminal.draw(|f| ui::draw(f, &mut app, now)) {
            break Err(anyhow::Error::from(e).context("cannot draw"));
        }
        tokio::select! {
            Some(ev) = input_rx.recv() => push_event(&app, ev, &mut pending),
            Some(a) = io_rx.recv() => pending.push(a),
            () = tokio::time::sleep_until(next_refresh), if !app.frozen => {
                // Never list more often than 5x the last listing took: on a huge queue
                // postqueue itself is the load we must not add to.
                let every = app.refresh_every.max(app.snapshot.took * 5);
                next_refresh = Instant::now() + every;
                pending.push(Action::Refresh);
            }
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
        }
        while let Ok(a) = io_rx.try_recv() {
            pending.push(a);
        }
        while let Ok(ev) = input_rx.try_recv() {
            push_event(&app, ev, &mut pending);
        }
    };
    stop.store(true, Ordering::Relaxed);
    // A bulk action still running stops after its current batch (and writes its audit line).
    cancel.store(true, Ordering::SeqCst);
    drop(terminal);
    drop(_guard);
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
    tx: UnboundedSender<Action>,
}

impl Runner {
    /// Run an [`Effect`] on a blocking thread; its result comes back as an [`Action`].
    fn run(&mut self, effect: Effect) {
        let effect = match effect {
            Effect::FallbackToDemo => {
                self.queue = Arc::new(ReplayQueue::demo());
                Effect::Load
            }
            Effect::Interrupt => {
                self.cancel.store(true, Ordering::SeqCst);
                return;
            }
            e => e,
        };
        let q = self.queue.clone();
        let tx = self.tx.clone();
        let exec = self.exec.clone();
        let cancel = self.cancel.clone();
        tokio::task::spawn_blocking(move || {
            let action = match effect {
                Effect::Load | Effect::FallbackToDemo | Effect::Interrupt => {
                    Action::Loaded(q.list().map(Arc::new).map_err(|e| LoadError {
                        not_installed: matches!(e, PostfixError::NotFound(_)),
                        message: e.to_string(),
                    }))
                }
                Effect::Apply(req) => {
                    cancel.store(false, Ordering::SeqCst);
                    let progress_tx = tx.clone();
                    let mut progress = |p: ops::Progress| {
                        let _ = progress_tx.send(Action::Progress(p));
                    };
                    Action::Applied(
                        ops::execute(q.as_ref(), &req, &exec, &mut progress, &cancel)
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                    )
                }
                Effect::Read { id, body } => {
                    Action::ReadDone(q.read(&[id], ReadParts { body }).map_err(|e| e.to_string()))
                }
            };
            // The loop may have quit meanwhile; then nobody wants the result.
            let _ = tx.send(action);
        });
    }
}
