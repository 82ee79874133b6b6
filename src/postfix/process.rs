//! The one process runner: every program mailq-tui starts (Postfix's, `ssh`, `postconf`,
//! `date`) runs through `run` here, locally or wrapped in ssh by the caller.
//!
//! Three rules shape this file:
//! - **Stream, never buffer-then-parse.** stdout is handed over line by line while the
//!   child is still writing; stderr is drained by a thread at the same time.
//! - **Feed stdin from a thread while stderr is read.** `postsuper -h -` prints one stderr
//!   line per message; writing 70,000 IDs before reading stderr deadlocks once both 64 KiB
//!   pipe buffers are full (this is how pymailq hangs).
//! - **Nothing may hang the UI forever.** Every child runs in its own process group under a
//!   watchdog that kills the whole group after a timeout (a shell wrapper's children too).

use std::io::{BufReader, Read, Seek, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use tracing::{debug, warn};

use super::PostfixError;

/// How long a single postqueue/postsuper/postcat may run before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Keep at most this much of a child's stderr (it is drained in full regardless).
const STDERR_LIMIT: usize = 64 * 1024 * 1024;

/// How a child process ended.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stderr: Vec<u8>,
    /// Killed by the watchdog after this many seconds (rounded up).
    pub(crate) timed_out: Option<u64>,
}

/// Run `cmd` and return its whole stdout, which goes to an anonymous in-memory file rather
/// than a pipe where the OS has one. postcat makes one `write(2)` per output line (~37 bytes):
/// through a pipe each of those wakes our reader, which made `postcat -ebh` cost 2.6× what it
/// costs writing to /dev/null (benches/live.rs); into a file it costs 1.9×.
pub(crate) fn run_collect(
    program: &str,
    cmd: Command,
    timeout: Duration,
) -> Result<(Finished, Vec<u8>), PostfixError> {
    let mut out = Vec::new();
    let Some(mut file) = output_file() else {
        let done = run(
            program,
            cmd,
            None,
            |line| out.extend_from_slice(line),
            timeout,
        )?;
        return Ok((done, out));
    };
    let io_err = |source| PostfixError::Io {
        program: program.to_owned(),
        source,
    };
    let sink = file.try_clone().map_err(io_err)?;
    let done = run_with(program, cmd, None, Some(sink), |_| {}, timeout)?;
    // The child wrote through a duplicate of this descriptor: same file, same offset.
    file.rewind().map_err(io_err)?;
    // Line by line, bounded like every other output we read.
    super::lines::for_each(
        &mut BufReader::with_capacity(64 * 1024, file),
        super::lines::MAX_LINE,
        |line| out.extend_from_slice(line),
    )
    .map_err(io_err)?;
    Ok((done, out))
}

/// An anonymous in-memory file (no name in any directory, gone when closed).
#[cfg(any(target_os = "linux", target_os = "freebsd"))]
fn output_file() -> Option<std::fs::File> {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    memfd_create(c"mailq-tui-postcat", MFdFlags::MFD_CLOEXEC)
        .map(std::fs::File::from)
        .map_err(|e| debug!(error = %e, "memfd_create failed; reading through a pipe"))
        .ok()
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd")))]
fn output_file() -> Option<std::fs::File> {
    None
}

/// Run `cmd` in its own process group: feed `stdin` from a thread, hand every stdout line to
/// `on_line` as it arrives, drain stderr in a thread, kill the group after `timeout`.
///
/// A timeout is an error; [`run_child`] is the same but keeps what the child said before it
/// was killed (postsuper's per-ID lines).
pub(crate) fn run(
    program: &str,
    cmd: Command,
    stdin: Option<Vec<u8>>,
    on_line: impl FnMut(&[u8]),
    timeout: Duration,
) -> Result<Finished, PostfixError> {
    let done = run_child(program, cmd, stdin, on_line, timeout)?;
    match done.timed_out {
        Some(secs) => Err(PostfixError::Timeout {
            program: program.to_owned(),
            secs,
        }),
        None => Ok(done),
    }
}

pub(crate) fn run_child(
    program: &str,
    cmd: Command,
    stdin: Option<Vec<u8>>,
    on_line: impl FnMut(&[u8]),
    timeout: Duration,
) -> Result<Finished, PostfixError> {
    run_with(program, cmd, stdin, None, on_line, timeout)
}

/// Look the program up, and let it look its own programs up, in [`crate::trust::program_path`]
/// only: as root, never in a directory someone else can write to.
pub(crate) fn secure_path(cmd: &mut Command) {
    cmd.env("PATH", crate::trust::program_path());
}

/// [`run`], with stdout going to `stdout_file` instead of `on_line` when one is given.
fn run_with(
    program: &str,
    mut cmd: Command,
    stdin: Option<Vec<u8>>,
    stdout_file: Option<std::fs::File>,
    mut on_line: impl FnMut(&[u8]),
    timeout: Duration,
) -> Result<Finished, PostfixError> {
    let to_file = stdout_file.is_some();
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(stdout_file.map_or_else(Stdio::piped, Stdio::from))
    .stderr(Stdio::piped())
    // Its own group, so the watchdog can kill a wrapper script together with its children.
    .process_group(0);
    secure_path(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| spawn_error(program, e))?;
    let io_err = |source| PostfixError::Io {
        program: program.to_owned(),
        source,
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let child_stdin = child.stdin.take();
    let child = Arc::new(Mutex::new(Guarded {
        child,
        reaped: false,
    }));

    let (cancel, cancelled) = mpsc::channel::<()>();
    let watchdog = {
        let child = Arc::clone(&child);
        thread::spawn(move || {
            if cancelled.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout) {
                kill_group(&child);
                true
            } else {
                false
            }
        })
    };
    let writer = match (stdin, child_stdin) {
        (Some(data), Some(mut pipe)) => Some(thread::spawn(move || {
            // A child that exits early closes the pipe (EPIPE): its stderr says why.
            let _ = pipe.write_all(&data);
        })),
        _ => None,
    };
    let mut reader = stderr.map(|mut pipe| {
        thread::spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 64 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = STDERR_LIMIT.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
            kept
        })
    });

    let mut read_result = Ok(());
    if let Some(out) = stdout {
        widen_pipe(&out);
        let mut out = BufReader::with_capacity(64 * 1024, out);
        // Lines are bounded: an overlong one reaches `on_line` as a stand-in.
        if let Err(e) = super::lines::for_each(&mut out, super::lines::MAX_LINE, &mut on_line) {
            read_result = Err(e);
            kill_group(&child);
        }
    }
    // Without a stdout pipe to read to its end, wait for stderr's end instead: it comes when
    // the child exits (or is killed), so `wait` below need not poll with sleeps.
    let early_stderr = if to_file {
        reader.take().map(|r| r.join().unwrap_or_default())
    } else {
        None
    };
    let status = wait(&child).map_err(io_err)?;
    let _ = cancel.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stderr = early_stderr
        .or_else(|| reader.map(|r| r.join().unwrap_or_default()))
        .unwrap_or_default();
    read_result.map_err(io_err)?;
    if timed_out {
        warn!(program, secs = timeout.as_secs(), "killed after timeout");
    }
    Ok(Finished {
        status,
        stderr,
        // Rounded up: a 300 ms limit must not read "did not answer within 0 s".
        timed_out: timed_out
            .then(|| u64::try_from(timeout.as_millis().div_ceil(1000)).unwrap_or(u64::MAX)),
    })
}

/// Let the child write up to 1 MiB ahead of us (the kernel default is 64 KiB): a
/// `postqueue -j` of a big queue then keeps writing (and showq keeps reading queue files)
/// while this process waits for a core on a busy machine, instead of stalling the whole
/// pipeline. Best effort: capped by `/proc/sys/fs/pipe-max-size` (1 MiB by default) and
/// the per-user pipe limits, and any refusal leaves the default.
fn widen_pipe(pipe: &impl std::os::fd::AsFd) {
    let _ = nix::fcntl::fcntl(pipe, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
}

/// The child and whether we reaped it. Until it is reaped its PID (and so its process
/// group ID) cannot be reused, so signalling the group is safe exactly while `reaped` is
/// false; both threads look at it under the same lock.
pub(crate) struct Guarded {
    pub(crate) child: Child,
    pub(crate) reaped: bool,
}

/// Poll for the child's exit. The lock is released between polls so the watchdog can kill.
pub(crate) fn wait(guarded: &Mutex<Guarded>) -> std::io::Result<ExitStatus> {
    let mut pause = Duration::from_millis(1);
    loop {
        {
            let mut g = guarded
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(status) = g.child.try_wait()? {
                g.reaped = true;
                return Ok(status);
            }
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Kill the child's whole process group (a shell wrapper's children too, which may hold
/// our pipes open after the child itself died), unless the child was already reaped.
pub(crate) fn kill_group(guarded: &Mutex<Guarded>) {
    let g = guarded
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if g.reaped {
        return;
    }
    if let Ok(pid) = i32::try_from(g.child.id()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

pub(crate) fn spawn_error(program: &str, e: std::io::Error) -> PostfixError {
    match e.kind() {
        std::io::ErrorKind::NotFound => PostfixError::NotFound(program.to_owned()),
        std::io::ErrorKind::PermissionDenied => PostfixError::PermissionDenied {
            program: program.to_owned(),
            detail: e.to_string(),
        },
        _ => PostfixError::Io {
            program: program.to_owned(),
            source: e,
        },
    }
}

/// `exited with status 1` / `was killed by signal 9`, for error messages.
pub(crate) fn ended(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (_, Some(sig)) => format!("was killed by signal {sig}"),
        (Some(code), None) => format!("exited with status {code}"),
        (None, None) => "ended abnormally".to_owned(),
    }
}

pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
