//! Test support for the ssh tests and benchmark: OpenSSH servers of our own on loopback.
//!
//! [`SshEnv`] makes a throwaway host key, a client key, `authorized_keys`, `known_hosts` and
//! an `ssh_config` with one alias per server (`host0`, `host1`, …), then starts one
//! `sshd -D -f CONFIG` per alias on 127.0.0.1 and a free high port. The machine's own sshd
//! (port 22) and the user's `~/.ssh` are never touched: the client runs with `-F` our
//! config, `StrictHostKeyChecking yes` and our `UserKnownHostsFile`. Everything is stopped
//! (servers, their session processes, multiplexing masters) and removed in `Drop`.

#![allow(dead_code)] // The test binary and the benchmark use different parts.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

/// One of our sshd servers.
struct Server {
    port: u16,
    child: Option<Child>,
}

/// A set of sshd servers on loopback and the client configuration that reaches them.
pub struct SshEnv {
    dir: tempfile::TempDir,
    servers: Vec<Server>,
}

impl SshEnv {
    /// Start `n` servers, or explain why not (openssh-server missing, not root, …).
    ///
    /// # Errors
    /// A message naming what is missing.
    pub fn start(n: usize) -> Result<SshEnv, String> {
        if !Path::new(SSHD).exists() {
            return Err(format!(
                "{SSHD} not found: install OpenSSH (apt-get install openssh-server openssh-client)"
            ));
        }
        if !nix::unistd::Uid::effective().is_root() {
            return Err("the ssh tests start sshd and need root".into());
        }
        // sshd refuses to start without its privilege separation directory.
        std::fs::create_dir_all("/run/sshd").map_err(|e| format!("mkdir /run/sshd: {e}"))?;
        let dir = tempfile::Builder::new()
            .prefix("mailq-tui-ssh.")
            .tempdir()
            .map_err(|e| format!("tempdir: {e}"))?;
        let d = dir.path().to_owned();
        for key in ["hostkey", "client"] {
            let out = Command::new("ssh-keygen")
                .args([
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    "mailq-tui-test",
                    "-f",
                ])
                .arg(d.join(key))
                .output()
                .map_err(|e| format!("ssh-keygen: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "ssh-keygen failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        std::fs::copy(d.join("client.pub"), d.join("authorized_keys"))
            .map_err(|e| format!("authorized_keys: {e}"))?;
        std::fs::create_dir(d.join("control")).map_err(|e| format!("control dir: {e}"))?;
        set_mode(&d.join("control"), 0o700)?;
        let host_pub = std::fs::read_to_string(d.join("hostkey.pub"))
            .map_err(|e| format!("hostkey.pub: {e}"))?;
        let host_pub: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        let mut env = SshEnv {
            dir,
            servers: Vec::new(),
        };
        let mut known = String::new();
        let mut client = String::new();
        for i in 0..n {
            let port = free_port()?;
            known.push_str(&format!("[127.0.0.1]:{port} {}\n", host_pub.join(" ")));
            client.push_str(&format!(
                "Host host{i}\n  HostName 127.0.0.1\n  Port {port}\n  User root\n  IdentityFile {d}/client\n  \
                 IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  StrictHostKeyChecking yes\n  \
                 GlobalKnownHostsFile /dev/null\n  ForwardAgent no\n\n",
                d = d.display()
            ));
            std::fs::write(
                d.join(format!("sshd_config.{i}")),
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nPidFile none\n\
                     AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n\
                     PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                     UsePAM no\nStrictModes no\nUseDNS no\nPrintMotd no\nPrintLastLog no\n\
                     MaxSessions 50\nMaxStartups 50\nLogLevel ERROR\n",
                    d = d.display()
                ),
            )
            .map_err(|e| format!("sshd_config: {e}"))?;
            env.servers.push(Server { port, child: None });
        }
        std::fs::write(d.join("known_hosts"), known).map_err(|e| format!("known_hosts: {e}"))?;
        std::fs::write(d.join("ssh_config"), client).map_err(|e| format!("ssh_config: {e}"))?;
        for i in 0..n {
            env.start_server(i)?;
        }
        Ok(env)
    }

    fn start_server(&mut self, i: usize) -> Result<(), String> {
        let d = self.dir.path().to_owned();
        let log = std::fs::File::create(d.join(format!("sshd.{i}.log")))
            .map_err(|e| format!("sshd log: {e}"))?;
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join(format!("sshd_config.{i}")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start sshd: {e}"))?;
        let port = self.servers[i].port;
        self.servers[i].child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            let exited = self.servers[i]
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(d.join(format!("sshd.{i}.log"))).unwrap_or_default();
                return Err(format!("sshd on port {port} did not start: {log}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// The alias of server `i` in [`SshEnv::ssh_config`].
    #[must_use]
    pub fn alias(&self, i: usize) -> String {
        format!("host{i}")
    }

    #[must_use]
    pub fn port(&self, i: usize) -> u16 {
        self.servers[i].port
    }

    /// The client configuration (pass as `ssh -F`).
    #[must_use]
    pub fn ssh_config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }

    /// A private directory for control sockets (mode 0700).
    #[must_use]
    pub fn control_dir(&self) -> PathBuf {
        self.dir.path().join("control")
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stop server `i` like a host going down: the listener and every session process it
    /// forked (which would otherwise keep a multiplexed connection alive).
    pub fn stop(&mut self, i: usize) {
        if let Some(mut child) = self.servers[i].child.take() {
            let Ok(pid) = i32::try_from(child.id()) else {
                return;
            };
            for p in descendants(pid).into_iter().chain([pid]) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(p),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            let _ = child.wait();
        }
    }

    /// End the multiplexing master of alias `i`, if one runs.
    pub fn close_master(&self, i: usize) {
        let mut control = std::ffi::OsString::from("ControlPath=");
        control.push(self.control_dir().join("mailq-tui-%C"));
        let _ = Command::new("ssh")
            .arg("-F")
            .arg(self.ssh_config())
            .arg("-o")
            .arg(control)
            .args(["-O", "exit", &self.alias(i)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for SshEnv {
    fn drop(&mut self) {
        for i in 0..self.servers.len() {
            self.close_master(i);
            self.stop(i);
        }
    }
}

/// All descendants of `pid`, from `/proc/*/stat` (by parent PID, never by name).
fn descendants(pid: i32) -> Vec<i32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|v| v.parse::<i32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for &(child, parent) in &parent_of {
            if parent == p && !out.contains(&child) {
                out.push(child);
                frontier.push(child);
            }
        }
    }
    out
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("bind: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("local_addr: {e}"))
}

fn set_mode(p: &Path, mode: u32) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", p.display()))
}
