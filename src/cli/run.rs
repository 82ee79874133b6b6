//! From a parsed command line to an exit code: the TUI (with its sources), a subcommand on
//! one queue, or the same subcommand once per `--host`.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use super::output::{warn_problems, write_stdout};
use super::{Cli, Command, ConfigArgs, GlobalOpts, exit};
use crate::postfix::local::Postfix;
use crate::postfix::replay::ReplayQueue;
use crate::postfix::{MailQueue, PostfixError};
use crate::{app, commands, config, logging, model, postfix, runtime};

/// Entry point for the binary.
#[must_use]
pub fn main() -> ExitCode {
    let args = commands::check::rewrite_plugin_args(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // A plugin's usage error is UNKNOWN (3), not clap's 2 (which means CRITICAL).
        Err(e) if commands::check::is_check(&args) && e.use_stderr() => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default();
            println!("{}", model::monitor::check::unknown(first));
            return ExitCode::from(model::monitor::check::Status::Unknown.code());
        }
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", crate::cli::error_chain(&e));
            // A configuration root must not trust is a usage error, like a bad option.
            if e.downcast_ref::<config::UntrustedConfig>().is_some() {
                exit::code(exit::USAGE)
            } else {
                exit::code(exit::FAILURE)
            }
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
    if let Some(Command::Check(args)) = &cli.command {
        return Ok(commands::check::run(&cli, args));
    }
    if cli.command.is_some()
        && (!cli.global.tui_log.is_empty()
            || cli.global.tui_since.is_some()
            || cli.global.tui_no_log)
    {
        eprintln!(
            "error: --log, --since and --no-log before a subcommand are the TUI's: put them \
             after the subcommand (e.g. `mailq-tui storm --log PATH`)"
        );
        return Ok(exit::code(exit::USAGE));
    }
    if let Some(refusal) = read_only_refusal(&cli) {
        eprintln!("error: {refusal}");
        return Ok(exit::code(exit::FAILURE));
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
                eprintln!("warning: logging disabled: {}", crate::cli::error_chain(&e));
            }
            None
        }
    };
    // No subcommand: the TUI, when there is a terminal to draw on. From a script (stdout
    // not a terminal) the same invocation prints one status line per queue instead.
    if cli.command.is_none() && std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        return run_tui_with_hosts(&cli.global, &loaded.config);
    }
    if let Some(Command::Instances) = &cli.command {
        let list = postfix::instances::list()?;
        write_stdout(|out| {
            for i in &list {
                writeln!(out, "{}", i.label())?;
            }
            Ok(())
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Command::Log(args)) = &cli.command {
        return commands::bulk::run_log(&cli.global, args);
    }
    if let Some(Command::Fleet(args)) = &cli.command {
        return commands::fleet::run(&cli.global, args);
    }
    if let Some(Command::Watch(args)) = &cli.command {
        return crate::monitor::run(&cli.global, &loaded.config, args);
    }
    if let Some(Command::Logins(args)) = &cli.command {
        return commands::logins::run_cli(&cli.global, args);
    }
    if !cli.global.hosts.is_empty() {
        return run_on_hosts(&cli);
    }
    let queue = open_queue(&cli.global)?;
    dispatch(queue.as_ref(), &cli)
}

/// The TUI with its switchable sources: no `--host` opens the local queue (the `[[hosts]]`
/// of the config file are in the picker); one opens that host; several open the fleet
/// overview, from which Enter drills into a host and `i` comes back.
fn run_tui_with_hosts(global: &GlobalOpts, cfg: &config::Config) -> Result<ExitCode> {
    use crate::postfix::ssh::{DEFAULT_CONNECT_TIMEOUT, SshOptions};
    use std::time::Duration;
    let (hosts, timeout) = if global.hosts.is_empty() {
        (
            cfg.hosts
                .iter()
                .map(config::HostConfig::to_ssh_host)
                .collect(),
            config::layer(global.host_timeout, None, cfg.host_timeout),
        )
    } else {
        commands::fleet::resolve_hosts(global, false)?
    };
    let ssh = SshOptions {
        timeout: Duration::from_secs(timeout),
        // A short host timeout must not be outlived by ssh's own connect timeout.
        connect_timeout: DEFAULT_CONNECT_TIMEOUT.min(Duration::from_secs(timeout)),
        ..SshOptions::default()
    };
    let mut sources = runtime::Sources {
        hosts,
        ssh,
        current: None,
        overview: false,
    };
    match global.hosts.len() {
        0 => runtime::run_tui(global, cfg, None, sources),
        1 => {
            let host = sources.hosts.first().context("no host")?;
            let queue = postfix::local::connect(host, &sources.ssh)?;
            sources.current = Some(0);
            let queue = postfix::read_only::boxed(Box::new(queue), global.read_only);
            runtime::run_tui(global, cfg, Some(queue), sources)
        }
        _ => {
            sources.overview = true;
            runtime::run_tui(global, cfg, None, sources)
        }
    }
}

/// Run the command once per `--host`, one host after the other, each under a label naming
/// the host: a bulk action lists, confirms and acts on each host separately, so it can never
/// cross hosts silently. A host that fails does not stop the others; the exit status is
/// the first non-zero one (1 when a host could not be reached).
fn run_on_hosts(cli: &Cli) -> Result<ExitCode> {
    use crate::postfix::{local::connect, ssh::SshOptions};
    let (hosts, _) = commands::fleet::resolve_hosts(&cli.global, false)?;
    let several = hosts.len() > 1;
    let mut code = ExitCode::SUCCESS;
    let opts = SshOptions::default();
    for host in &hosts {
        let label = |what: &str| {
            let line = format!("== host {}: {what} ==", model::text::sanitize(&host.name));
            crate::cli::output::host_label(&line, several);
        };
        let outcome = connect(host, &opts)
            .map_err(anyhow::Error::from)
            .and_then(|queue| {
                label(&queue.describe());
                let queue = postfix::read_only::boxed(Box::new(queue), cli.global.read_only);
                dispatch(queue.as_ref(), cli)
            });
        match outcome {
            Ok(c) if c != ExitCode::SUCCESS && code == ExitCode::SUCCESS => code = c,
            Ok(_) => {}
            Err(e) => {
                label("error");
                // The label above names the host; ssh errors name it too.
                eprintln!("error: {}", crate::cli::error_chain(&e));
                if code == ExitCode::SUCCESS {
                    code = exit::code(exit::FAILURE);
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
        Some(Command::Storm(a)) => commands::storm::run(queue, a),
        Some(Command::Delete(a)) => commands::bulk::run_op(queue, &cli.global, QueueOp::Delete, a),
        Some(Command::Hold(a)) => commands::bulk::run_op(queue, &cli.global, QueueOp::Hold, a),
        Some(Command::Release(a)) => {
            commands::bulk::run_op(queue, &cli.global, QueueOp::Release, a)
        }
        Some(Command::Requeue(a)) => {
            commands::bulk::run_op(queue, &cli.global, QueueOp::Requeue, a)
        }
        Some(Command::Deliver(a)) => commands::deliver::run_deliver(queue, &cli.global, a),
        Some(Command::Flush(a)) => commands::deliver::run_flush(queue, &cli.global, a),
        Some(Command::Expire(a)) => {
            let op = if a.release {
                QueueOp::ExpireRelease
            } else {
                QueueOp::Expire
            };
            commands::bulk::run_op(queue, &cli.global, op, &a.op)
        }
        _ => {
            let snap = queue.list()?;
            warn_problems(&snap);
            write_stdout(|out| {
                writeln!(
                    out,
                    "{}: {} messages",
                    queue.describe(),
                    crate::model::format::thousands(snap.len())
                )
            })?;
            Ok(ExitCode::SUCCESS)
        }
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

fn run_config(global: &GlobalOpts, args: &ConfigArgs) -> Result<ExitCode> {
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

/// Open the queue the global options name: `--demo`, `--from-file`, or Postfix (`-c DIR`).
/// With `--read-only` the queue refuses every change ([`postfix::read_only::ReadOnly`]).
///
/// # Errors
/// When the named source cannot be opened.
pub fn open_queue(opts: &GlobalOpts) -> Result<Box<dyn MailQueue>, PostfixError> {
    let queue: Box<dyn MailQueue> = if opts.demo {
        Box::new(ReplayQueue::demo())
    } else if let Some(path) = &opts.from_file {
        Box::new(ReplayQueue::from_file(path, "MAILER-DAEMON")?)
    } else {
        Box::new(Postfix::new(opts.config_dir.clone())?)
    };
    Ok(postfix::read_only::boxed(queue, opts.read_only))
}

/// `--read-only` with a bulk action that would change the queue: why it is refused before
/// anything is listed or asked. A `--dry-run` changes nothing and is allowed.
fn read_only_refusal(cli: &Cli) -> Option<String> {
    let (verb, args) = match &cli.command {
        Some(Command::Delete(a)) => ("delete", a),
        Some(Command::Hold(a)) => ("hold", a),
        Some(Command::Release(a)) => ("release", a),
        Some(Command::Requeue(a)) => ("requeue", a),
        Some(Command::Expire(a)) => ("expire", &a.op),
        Some(Command::Deliver(a)) if cli.global.read_only && !a.dry_run => {
            return Some(
                "refusing to deliver: --read-only was given (use --dry-run to see the plan)"
                    .to_owned(),
            );
        }
        Some(Command::Flush(_)) if cli.global.read_only => {
            return Some("refusing to flush: --read-only was given".to_owned());
        }
        _ => return None,
    };
    (cli.global.read_only && !args.dry_run).then(|| {
        format!(
            "refusing to {verb}: --read-only was given, so nothing may change the queue \
             (use --dry-run to see the plan)"
        )
    })
}
