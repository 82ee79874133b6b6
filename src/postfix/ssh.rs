//! Postfix on other hosts, over OpenSSH.
//!
//! No daemon of ours runs on the remote host: the very same `postqueue -j`, `postsuper -… -
//! QUEUE` and `postcat -q -e…` run there through `ssh [opts] -- DEST 'command'`, through the
//! one process runner in [`super::process`] (own process group, stdin writer and stderr
//! reader threads, streaming stdout, watchdog). So a remote listing streams and parses
//! exactly as a local one.
//!
//! Choices and why:
//! - **The user's own OpenSSH**: `~/.ssh/config`, keys and agent apply unchanged; nothing is
//!   installed on the remote host beyond Postfix.
//! - **One multiplexed connection per host** (`ControlMaster=auto`, `ControlPersist=60s`, a
//!   socket in a private runtime directory): a refresh pays a session open on an existing
//!   connection, not a TCP + key exchange + authentication handshake.
//! - **`BatchMode=yes` and a `ConnectTimeout`**: a host that wants a password or does not
//!   answer fails fast instead of hanging on a prompt the TUI cannot show.
//! - **`sudo -n`** for the changing and reading commands (postsuper, postcat) when the remote
//!   login is not root: it never prompts; a refusal becomes a clear `PermissionDenied`.
//! - **Quoting**: ssh joins its arguments with spaces for the remote login shell, so every
//!   argument is single-quoted here (queue IDs are validated anyway). The destination comes
//!   after `--` and may not start with `-`, so it can never be read as an option.

use std::ffi::{OsStr, OsString};
use std::io::{BufReader, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::Duration;

use tracing::{debug, info};

/// The host is plain data, in the model (the app holds it); this transport reaches it.
pub use crate::model::source::SshHost;

use super::PostfixError;
use super::process::{DEFAULT_TIMEOUT, Guarded, exit_code, kill_group, run, wait};
use crate::model::text::{sanitize, sanitize_bytes, snippet};

/// How long `ssh` may take to set up a connection (`-o ConnectTimeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one remote listing (or the first probe) may take before it is killed, in the
/// fleet overview: a slow host must not hold the others' rows back for long.
pub const DEFAULT_HOST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an idle multiplexed connection stays up after the last command.
pub const CONTROL_PERSIST: &str = "60s";

/// ssh's own exit status for its errors (connection refused, authentication, host key).
const SSH_FAILED: i32 = 255;

/// Settings shared by every host of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshOptions {
    /// The `ssh` program.
    pub ssh: PathBuf,
    /// Where the control sockets live (private to this user).
    pub control_dir: PathBuf,
    pub connect_timeout: Duration,
    /// Watchdog for each remote command (and the probe).
    pub timeout: Duration,
}

impl Default for SshOptions {
    fn default() -> Self {
        Self {
            ssh: PathBuf::from("ssh"),
            control_dir: default_control_dir(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// `$XDG_RUNTIME_DIR/mailq-tui`, else `/tmp/mailq-tui-UID` (as root: `/run/mailq-tui`, and
/// `XDG_RUNTIME_DIR` only if it is root's own, see [`crate::trust::runtime_dir`]): a
/// directory only this user can enter, because whoever can reach a control socket can run
/// commands on the host.
#[must_use]
pub fn default_control_dir() -> PathBuf {
    crate::trust::runtime_dir()
}

/// Make the control directory (mode 0700) and check nobody else owns or can enter it.
fn ensure_control_dir(dir: &Path) -> Result<(), PostfixError> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    let io = |source| PostfixError::File {
        path: dir.to_owned(),
        source,
    };
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let meta = std::fs::symlink_metadata(dir).map_err(io)?;
    let mine = meta.uid() == nix::unistd::geteuid().as_raw();
    if !meta.is_dir() || !mine || meta.permissions().mode() & 0o077 != 0 {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the ssh control directory must be a directory of ours with mode 0700",
        )));
    }
    Ok(())
}

/// How to wrap a command into `ssh` for one host.
pub struct SshTransport {
    host: SshHost,
    opts: SshOptions,
    /// Prefix privileged commands with `sudo -n` (remote login is not root).
    sudo: bool,
    /// The long-lived listing shell, started on the first listing.
    session: Mutex<Option<Session>>,
}

/// A long-lived `sh` on the host that runs the listings, one after the other.
///
/// Why: even over a multiplexed connection every `ssh HOST cmd` opens a session in which
/// sshd starts the login shell, which reads the user's rc files (a `pyenv init` in
/// `.bashrc` alone costs 0.2 s), before `postqueue` runs. A refresh every few seconds pays
/// that each time. Here a refresh is one command line written to the shell's stdin; the
/// output streams back exactly as with a one-shot run, up to an end marker line that no
/// `postqueue -j` line can be (those all start with `{`).
struct Session {
    child: Arc<Mutex<Guarded>>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The last few KiB of ssh's own stderr (the commands' stderr goes to /dev/null).
    stderr: Arc<Mutex<Vec<u8>>>,
    marker: String,
}

impl Drop for Session {
    fn drop(&mut self) {
        kill_group(&self.child);
        let _ = wait(&self.child);
    }
}

impl SshTransport {
    #[must_use]
    pub fn host(&self) -> &SshHost {
        &self.host
    }

    /// `ssh [options] -- DEST '[sudo -n] argv…'`.
    ///
    /// # Errors
    /// When the control directory is no longer private (see [`Self::ssh_command`]).
    pub(crate) fn command(
        &self,
        argv: &[&OsStr],
        privileged: bool,
    ) -> Result<Command, PostfixError> {
        let mut remote: Vec<&OsStr> = Vec::with_capacity(argv.len() + 2);
        if privileged && self.sudo {
            remote.push(OsStr::new("sudo"));
            remote.push(OsStr::new("-n"));
        }
        remote.extend_from_slice(argv);
        self.ssh_command(&remote_command(&remote))
    }

    /// `ssh [options] -- DEST COMMAND` with COMMAND already quoted for the remote shell.
    /// The control directory is checked again before every spawn: whoever can reach the
    /// control socket can run commands on the host, and the directory may have been
    /// swapped or opened up since the connection was set up.
    ///
    /// # Errors
    /// When the control directory is not ours with mode 0700.
    fn ssh_command(&self, remote: &OsStr) -> Result<Command, PostfixError> {
        ensure_control_dir(&self.opts.control_dir)?;
        let mut cmd = Command::new(&self.opts.ssh);
        cmd.args(self.options())
            .args(["--", &self.host.destination])
            .arg(remote);
        Ok(cmd)
    }

    /// The host's own options, then ours: no tty, never prompt, one multiplexed connection.
    fn options(&self) -> Vec<OsString> {
        let mut control = OsString::from("ControlPath=");
        control.push(self.opts.control_dir.join("mailq-tui-%C").as_os_str());
        let mut v: Vec<OsString> = self.host.ssh_options.iter().map(OsString::from).collect();
        v.extend(
            [
                "-T",
                "-o",
                "BatchMode=yes",
                "-o",
                "ControlMaster=auto",
                "-o",
            ]
            .map(OsString::from),
        );
        v.push(control);
        v.push("-o".into());
        v.push(format!("ControlPersist={CONTROL_PERSIST}").into());
        v.push("-o".into());
        v.push(
            format!(
                "ConnectTimeout={}",
                self.opts.connect_timeout.as_secs().max(1)
            )
            .into(),
        );
        // Warnings such as "Permanently added … to the list of known hosts" would land in
        // stderr, which postcat's and postsuper's parsers read.
        v.push("-o".into());
        v.push("LogLevel=ERROR".into());
        v
    }

    /// Run `argv` (never with sudo) in the host's listing shell, starting it if needed, and
    /// hand each stdout line to `on_line`. Returns the command's exit status.
    ///
    /// # Errors
    /// [`PostfixError::Timeout`] when the command did not finish in time (the shell is
    /// killed); [`PostfixError::Unreachable`] when the shell cannot be started or died.
    /// Either way the shell is gone and the next call starts a new one.
    pub(crate) fn stream(
        &self,
        argv: &[&OsStr],
        on_line: &mut dyn FnMut(&[u8]),
        timeout: Duration,
    ) -> Result<i32, PostfixError> {
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = guard.is_none();
        if fresh {
            *guard = Some(self.start_session()?);
        }
        let Some(session) = guard.as_mut() else {
            return Err(self.unreachable("no listing session".into()));
        };
        let (cancel, cancelled) = mpsc::channel::<()>();
        let watchdog = {
            let child = Arc::clone(&session.child);
            thread::spawn(move || {
                let fired = cancelled.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout);
                if fired {
                    kill_group(&child);
                }
                fired
            })
        };
        // A fresh shell first runs a no-op whose output is dropped: whatever the login
        // shell's rc files print (a greeting, a fortune) must not reach the parser.
        let result = if fresh {
            session_command(session, &[OsStr::new(":")], &mut |_| {})
        } else {
            Ok(0)
        }
        .and_then(|_| session_command(session, argv, on_line));
        let _ = cancel.send(());
        let timed_out = watchdog.join().unwrap_or(false);
        if timed_out {
            *guard = None;
            return Err(PostfixError::Timeout {
                program: format!("postqueue on {}", self.host.name),
                secs: timeout.as_secs(),
            });
        }
        match result {
            Ok(code) => Ok(code),
            Err(why) => {
                let stderr = session
                    .stderr
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                *guard = None;
                let stderr = String::from_utf8_lossy(&stderr).replace('\r', "");
                let detail = if stderr.trim().is_empty() {
                    why
                } else {
                    format!("{why}: {}", sanitize(stderr.trim()))
                };
                Err(self.unreachable(snippet(&detail, 300)))
            }
        }
    }

    fn unreachable(&self, detail: String) -> PostfixError {
        PostfixError::Unreachable {
            host: self.host.name.clone(),
            detail,
        }
    }

    /// `ssh … -- DEST 'exec sh'` with all three pipes, in its own process group.
    fn start_session(&self) -> Result<Session, PostfixError> {
        let mut cmd = self.ssh_command(OsStr::new("exec sh"))?;
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        super::process::secure_path(&mut cmd);
        let mut child = cmd.spawn().map_err(|e| PostfixError::Io {
            program: "ssh".into(),
            source: e,
        })?;
        let (Some(stdin), Some(stdout), Some(mut err)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(self.unreachable("ssh has no pipes".into()));
        };
        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let kept = Arc::clone(&stderr);
            // Drained for the session's whole life, so ssh can never block on it.
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut k = kept.lock().unwrap_or_else(PoisonError::into_inner);
                    k.extend_from_slice(&buf[..n]);
                    let excess = k.len().saturating_sub(SESSION_STDERR_KEEP);
                    k.drain(..excess);
                }
            });
        }
        debug!(host = %self.host.name, "started listing session");
        Ok(Session {
            child: Arc::new(Mutex::new(Guarded {
                child,
                reaped: false,
            })),
            stdin,
            stdout: BufReader::with_capacity(64 * 1024, stdout),
            stderr,
            marker: session_marker(),
        })
    }

    /// Turn ssh's and sudo's own failures into errors that name the host; Postfix's own
    /// failures are left to the caller.
    pub(crate) fn check(
        &self,
        program: &str,
        code: i32,
        stderr: &[u8],
    ) -> Result<(), PostfixError> {
        // ssh ends its own messages with CRLF: trim before escaping control characters.
        let raw = String::from_utf8_lossy(stderr).replace('\r', "");
        let text = sanitize(raw.trim());
        let text = text.as_ref();
        if code == SSH_FAILED {
            return Err(PostfixError::Unreachable {
                host: self.host.name.clone(),
                detail: if text.is_empty() {
                    "ssh exited with status 255".into()
                } else {
                    snippet(text, 300)
                },
            });
        }
        if self.sudo && sudo_refused(text) {
            return Err(PostfixError::PermissionDenied {
                program: program.to_owned(),
                detail: format!(
                    "sudo -n refused on {}: {}; allow the ssh user to run {program} with sudo without a password (NOPASSWD in sudoers), or log in as root",
                    self.host.name,
                    snippet(text, 200)
                ),
            });
        }
        Ok(())
    }

    /// Close the host's multiplexed connection now (`ssh -O exit`) instead of after
    /// `ControlPersist`. Errors are ignored: there may be no connection.
    pub fn disconnect(&self) {
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let mut cmd = Command::new(&self.opts.ssh);
        cmd.args(self.options())
            .args(["-O", "exit", "--", &self.host.destination]);
        let _ = run("ssh", cmd, None, |_| {}, Duration::from_secs(10));
    }
}

/// How much of a listing session's ssh stderr is kept for error messages.
const SESSION_STDERR_KEEP: usize = 4096;

/// A marker unlikely to appear anywhere, different per session.
fn session_marker() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("__mailq_tui_end_{:x}_{nanos:x}", std::process::id())
}

/// Write one command to the session's shell and stream its output up to the end marker.
/// stdin is `/dev/null` so the command cannot eat the following command lines.
fn session_command(
    session: &mut Session,
    argv: &[&OsStr],
    on_line: &mut dyn FnMut(&[u8]),
) -> Result<i32, String> {
    let mut line = remote_command(argv).into_vec();
    line.extend_from_slice(b" </dev/null 2>/dev/null; mq_rc=$?; echo; echo ");
    line.extend_from_slice(session.marker.as_bytes());
    line.extend_from_slice(b" $mq_rc\n");
    session
        .stdin
        .write_all(&line)
        .and_then(|()| session.stdin.flush())
        .map_err(|e| format!("the listing session is gone ({e})"))?;
    let marker = session.marker.as_bytes();
    let mut buf = Vec::with_capacity(4096);
    loop {
        // Bounded: a host cannot make us hold a line of any length.
        match super::lines::read_line(&mut session.stdout, &mut buf, super::lines::MAX_LINE) {
            Ok(super::lines::Read::Eof) => return Err("the listing session ended".into()),
            Err(e) => return Err(format!("reading the listing session: {e}")),
            Ok(_) => {}
        }
        if let Some(rest) = buf.strip_prefix(marker) {
            let code = String::from_utf8_lossy(rest).trim().parse().unwrap_or(-1);
            return Ok(code);
        }
        on_line(&buf);
    }
}

/// Did sudo refuse to run the command without prompting?
fn sudo_refused(stderr: &str) -> bool {
    stderr.lines().any(|l| {
        l.starts_with("sudo:")
            && (l.contains("password is required")
                || l.contains("a terminal is required")
                || l.contains("not allowed to execute")
                || l.contains("is not in the sudoers")
                || l.contains("may not run sudo"))
    })
}

/// Quote one argument for a POSIX shell (and for csh/fish as long as it holds no newline or
/// `!`): bare when it only holds safe characters, otherwise in single quotes with each `'`
/// written as `'\''`.
#[must_use]
pub fn shell_quote(arg: &[u8]) -> Vec<u8> {
    let safe = |b: &u8| b.is_ascii_alphanumeric() || b"_-./=:,+@%".contains(b);
    if !arg.is_empty() && arg.iter().all(safe) {
        return arg.to_vec();
    }
    let mut out = Vec::with_capacity(arg.len() + 2);
    out.push(b'\'');
    for &b in arg {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

/// argv → one command line for the remote shell.
fn remote_command(argv: &[&OsStr]) -> OsString {
    let mut line = Vec::new();
    for (i, a) in argv.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.extend(shell_quote(a.as_bytes()));
    }
    OsString::from_vec(line)
}

/// What one round trip tells about the remote host before anything else runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Probe {
    uid: u32,
    command_directory: Option<String>,
    null_sender: Option<String>,
    sudo: bool,
}

/// The probe script, run by `sh -c` whatever the login shell is. `postconf` is often not on
/// a non-root login's `PATH`, hence the sbin directories.
fn probe_script(config_dir: Option<&Path>) -> OsString {
    let mut pc = b"postconf".to_vec();
    if let Some(dir) = config_dir {
        pc.extend_from_slice(b" -c ");
        pc.extend(shell_quote(dir.as_os_str().as_bytes()));
    }
    let pc = String::from_utf8_lossy(&pc).into_owned();
    OsString::from(format!(
        "PATH=\"$PATH:/usr/sbin:/usr/local/sbin:/sbin\"; export PATH; \
         echo mailq-tui-probe; echo \"uid=$(id -u)\"; \
         d=$({pc} -h command_directory 2>/dev/null); echo \"cmd=$d\"; \
         echo \"null=$({pc} -h empty_address_recipient 2>/dev/null)\"; \
         if [ \"$(id -u)\" != 0 ] && sudo -n -l \"$d/postsuper\" >/dev/null 2>&1; then echo sudo=yes; else echo sudo=no; fi"
    ))
}

fn parse_probe(out: &[u8]) -> Option<Probe> {
    let text = String::from_utf8_lossy(out);
    let mut lines = text.lines().skip_while(|l| l.trim() != "mailq-tui-probe");
    lines.next()?;
    let mut probe = Probe {
        uid: u32::MAX,
        command_directory: None,
        null_sender: None,
        sudo: false,
    };
    for l in lines {
        if let Some(v) = l.strip_prefix("uid=") {
            probe.uid = v.trim().parse().ok()?;
        } else if let Some(v) = l.strip_prefix("cmd=") {
            probe.command_directory = Some(v.trim().to_owned()).filter(|v| v.starts_with('/'));
        } else if let Some(v) = l.strip_prefix("null=") {
            probe.null_sender = Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        } else if let Some(v) = l.strip_prefix("sudo=") {
            probe.sudo = v.trim() == "yes";
        }
    }
    (probe.uid != u32::MAX).then_some(probe)
}

/// Reach a host: one round trip (which also opens the multiplexed connection) finds the
/// remote uid, Postfix's `command_directory`, its null sender and whether `sudo -n` may run
/// postsuper. The transport comes back ready to run commands (with `sudo -n` for privileged
/// ones when the login is not root); [`super::local::connect`] builds the adapter on it.
///
/// # Errors
/// [`PostfixError::Unreachable`] when ssh fails; [`PostfixError::NotFound`] when the host
/// has no `postconf`; [`PostfixError::Timeout`] when the host does not answer in time.
pub(crate) fn probe(
    host: &SshHost,
    opts: &SshOptions,
) -> Result<(SshTransport, RemotePostfix), PostfixError> {
    if host.destination.is_empty() || host.destination.starts_with('-') {
        return Err(PostfixError::Unreachable {
            host: host.name.clone(),
            detail: format!(
                "not a valid ssh destination: {}",
                snippet(&host.destination, 60)
            ),
        });
    }
    ensure_control_dir(&opts.control_dir)?;
    let mut transport = SshTransport {
        host: host.clone(),
        opts: opts.clone(),
        sudo: false,
        session: Mutex::new(None),
    };
    let script = probe_script(host.config_dir.as_deref());
    let cmd = transport.command(&[OsStr::new("sh"), OsStr::new("-c"), &script], false)?;
    let mut out = Vec::new();
    let done = run("ssh", cmd, None, |l| out.extend_from_slice(l), opts.timeout)?;
    transport.check("ssh", exit_code(done.status), &done.stderr)?;
    let Some(probe) = parse_probe(&out) else {
        return Err(PostfixError::Unreachable {
            host: host.name.clone(),
            detail: format!(
                "unexpected answer from the remote shell: {}",
                snippet(
                    &sanitize_bytes([out, done.stderr].concat().trim_ascii()),
                    200
                )
            ),
        });
    };
    let Some(dir) = probe.command_directory.clone() else {
        return Err(PostfixError::NotFound(format!(
            "postconf on {} (is Postfix installed there?)",
            host.name
        )));
    };
    let root = probe.uid == 0;
    transport.sudo = !root;
    info!(host = %host.name, uid = probe.uid, sudo = probe.sudo, "connected over ssh");
    debug!(?probe, "remote postfix");
    Ok((
        transport,
        RemotePostfix {
            command_directory: PathBuf::from(dir),
            null_sender: probe.null_sender,
            uid: probe.uid,
            may_change: root || probe.sudo,
        },
    ))
}

/// What [`probe`] found out about a host's Postfix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemotePostfix {
    /// Postfix's `command_directory` there.
    pub(crate) command_directory: PathBuf,
    /// `empty_address_recipient`, when set.
    pub(crate) null_sender: Option<String>,
    /// The login's uid there.
    pub(crate) uid: u32,
    /// Whether postsuper may run: root, or `sudo -n` allowed.
    pub(crate) may_change: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> SshHost {
        SshHost {
            name: "mx1".into(),
            destination: "admin@mx1.example".into(),
            config_dir: Some(PathBuf::from("/etc/postfix out")),
            ssh_options: vec!["-F".into(), "/tmp/cfg".into()],
        }
    }

    /// Never created: tests that build commands use [`transport_in`] with a temporary one.
    fn transport(sudo: bool) -> SshTransport {
        transport_in(sudo, PathBuf::from("/nonexistent/mailq-tui"))
    }

    fn transport_in(sudo: bool, control_dir: PathBuf) -> SshTransport {
        SshTransport {
            host: host(),
            opts: SshOptions {
                ssh: PathBuf::from("ssh"),
                control_dir,
                connect_timeout: Duration::from_secs(7),
                timeout: Duration::from_secs(30),
            },
            sudo,
            session: Mutex::new(None),
        }
    }

    fn args(cmd: &Command) -> Vec<String> {
        cmd.get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn quoting_survives_a_shell() {
        for arg in [
            "plain",
            "with space",
            "it's",
            "$(touch /tmp/pwned)",
            "`x`;rm -rf /",
            "",
            "a\"b\\c",
        ] {
            let quoted = String::from_utf8(shell_quote(arg.as_bytes())).expect("utf8");
            let out = Command::new("sh")
                .args(["-c", &format!("printf %s {quoted}")])
                .output()
                .expect("sh");
            assert_eq!(String::from_utf8_lossy(&out.stdout), arg, "{quoted}");
        }
        assert_eq!(shell_quote(b"/usr/sbin/postqueue"), b"/usr/sbin/postqueue");
    }

    #[test]
    fn ssh_command_line() {
        let tmp = tempfile::tempdir().expect("tmp");
        let control_dir = tmp.path().join("control");
        let t = transport_in(true, control_dir.clone());
        let cmd = t
            .command(
                &[
                    OsStr::new("/usr/sbin/postsuper"),
                    OsStr::new("-c"),
                    OsStr::new("/etc/postfix out"),
                    OsStr::new("-h"),
                    OsStr::new("-"),
                    OsStr::new("deferred"),
                ],
                true,
            )
            .expect("private control dir");
        assert_eq!(cmd.get_program(), "ssh");
        let a = args(&cmd);
        assert_eq!(&a[..2], ["-F", "/tmp/cfg"]);
        assert!(a.contains(&"BatchMode=yes".to_owned()));
        assert!(a.contains(&"ControlMaster=auto".to_owned()));
        assert!(a.contains(&format!(
            "ControlPath={}/mailq-tui-%C",
            control_dir.display()
        )));
        assert!(a.contains(&"ConnectTimeout=7".to_owned()));
        let n = a.len();
        assert_eq!(a[n - 3], "--");
        assert_eq!(a[n - 2], "admin@mx1.example");
        assert_eq!(
            a[n - 1],
            "sudo -n /usr/sbin/postsuper -c '/etc/postfix out' -h - deferred"
        );
        // Listing never needs sudo.
        let cmd = t
            .command(
                &[OsStr::new("/usr/sbin/postqueue"), OsStr::new("-j")],
                false,
            )
            .expect("private control dir");
        assert_eq!(
            args(&cmd).last().map(String::as_str),
            Some("/usr/sbin/postqueue -j")
        );
        // Root logins never get sudo.
        let cmd = transport_in(false, control_dir.clone())
            .command(&[OsStr::new("/usr/sbin/postcat")], true)
            .expect("private control dir");
        assert_eq!(
            args(&cmd).last().map(String::as_str),
            Some("/usr/sbin/postcat")
        );
    }

    /// The control directory is checked before every ssh spawn, not only when connecting:
    /// one opened up (or handed to another user) since is refused.
    #[test]
    fn the_control_dir_is_rechecked_before_every_spawn() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("control");
        let t = transport_in(false, dir.clone());
        let argv = [OsStr::new("/usr/sbin/postqueue"), OsStr::new("-j")];
        t.command(&argv, false).expect("created private");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = t.command(&argv, false).expect_err("opened up");
        assert!(err.to_string().contains("mode 0700"), "{err}");
        assert!(t.start_session().is_err());
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        t.command(&argv, false).expect("private again");
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(&dir, Some(65534), None).expect("chown");
            t.command(&argv, false).expect_err("not ours");
        }
        // Replaced by a symlink to a directory that is ours and private: refused too.
        std::fs::remove_dir(&dir).expect("rmdir");
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).expect("mkdir");
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700))
            .expect("chmod");
        std::os::unix::fs::symlink(&elsewhere, &dir).expect("symlink");
        t.command(&argv, false).expect_err("a symlink");
    }

    #[test]
    fn ssh_and_sudo_failures_name_the_host() {
        let t = transport(true);
        let e = t
            .check(
                "postqueue",
                255,
                b"ssh: connect to host mx1.example port 22: Connection refused\r\n",
            )
            .expect_err("ssh failed");
        let msg = e.to_string();
        assert!(msg.ends_with("Connection refused"), "{msg}");
        assert!(matches!(e, PostfixError::Unreachable { .. }));
        assert!(
            msg.contains("mx1") && msg.contains("Connection refused"),
            "{msg}"
        );
        let e = t
            .check("postsuper", 1, b"sudo: a password is required\n")
            .expect_err("sudo refused");
        let msg = e.to_string();
        assert!(matches!(e, PostfixError::PermissionDenied { .. }));
        assert!(
            msg.contains("sudo -n refused on mx1") && msg.contains("NOPASSWD"),
            "{msg}"
        );
        assert!(
            t.check("postsuper", 0, b"postsuper: A1: placed on hold\n")
                .is_ok()
        );
        assert!(
            t.check("postqueue", 69, b"postqueue: fatal: mail system is down\n")
                .is_ok()
        );
    }

    #[test]
    fn probe_answers_are_parsed() {
        let p = parse_probe(
            b"Welcome to mx1!\nmailq-tui-probe\nuid=1000\ncmd=/usr/sbin\nnull=MAILER-DAEMON\nsudo=yes\n",
        )
        .expect("probe");
        assert_eq!(
            p,
            Probe {
                uid: 1000,
                command_directory: Some("/usr/sbin".into()),
                null_sender: Some("MAILER-DAEMON".into()),
                sudo: true
            }
        );
        let p = parse_probe(b"mailq-tui-probe\nuid=0\ncmd=\nnull=\nsudo=no\n").expect("probe");
        assert_eq!(p.command_directory, None);
        assert_eq!(p.null_sender, None);
        assert_eq!(parse_probe(b"uid=0\n"), None);
        assert_eq!(parse_probe(b"mailq-tui-probe\nuid=x\n"), None);
    }

    #[test]
    fn probe_script_runs_in_sh() {
        let script = probe_script(Some(Path::new("/nonexistent dir'x")));
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
            .expect("sh");
        let p = parse_probe(&out.stdout).expect("probe output");
        assert_eq!(p.uid, nix::unistd::geteuid().as_raw());
    }

    #[test]
    fn bad_destinations_are_refused() {
        let mut h = host();
        h.destination = "-oProxyCommand=touch /tmp/x".into();
        let e = crate::postfix::local::connect(&h, &SshOptions::default())
            .err()
            .expect("refused");
        assert!(matches!(e, PostfixError::Unreachable { .. }), "{e}");
    }
}
