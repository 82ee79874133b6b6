//! The Postfix adapter: [`Postfix`] runs `postqueue`, `postsuper`, `postcat` of one
//! instance (`-c DIR`) as child processes through the one runner in [`super::process`],
//! on this machine or on another host through an [`SshTransport`] ([`connect`]). Both run
//! the very same commands, so streaming, timeouts and parsing are shared. The programs
//! are found by [`super::discover`]; their output is read by [`super::parse`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use tracing::{debug, info, warn};

use super::discover::{self, Bins, DEFAULT_NULL_SENDER};
use super::parse::text::TextListing;
use super::parse::{SnapshotBuilder, postcat, postsuper, unix_now};
use super::process::{DEFAULT_TIMEOUT, Finished, ended, exit_code, run, run_child, run_collect};
use super::ssh::{SshHost, SshOptions, SshTransport};
use super::{
    Flush, FlushReport, MailQueue, OpReport, PostfixError, QueueOp, ReadParts, ReadReport, Target,
};
use crate::model::text::{sanitize_bytes, snippet};
use crate::model::{Message, QueueId, QueueName, Snapshot};

/// IDs per `postcat` process: big enough that 1,000 messages cost two processes
/// (0.06 s each), small enough that a vanished ID restarts little work.
pub const POSTCAT_BATCH: usize = 500;

/// How the Postfix programs are reached.
enum Transport {
    /// Spawned directly on this machine.
    Local,
    /// Run on another host through `ssh` (see [`super::ssh`]); the program paths and the
    /// config dir are the remote host's.
    Ssh(Box<SshTransport>),
}

/// A Postfix instance, selected by its config directory (`-c DIR`): local, or on another
/// host over OpenSSH ([`connect`]). Both run the very same commands through the one
/// process runner ([`super::process`]), so streaming, timeouts and parsing are shared.
pub struct Postfix {
    config_dir: Option<PathBuf>,
    /// `queue_directory`, looked up on first use (only root stats it: see `change_stamp`).
    queue_dir: OnceLock<Option<PathBuf>>,
    /// The remote host's `queue_directory` (next retry over ssh), looked up on first use.
    remote_queue_dir: OnceLock<Option<String>>,
    transport: Transport,
    bins: Bins,
    null_sender: String,
    timeout: Duration,
    /// Whether to let `apply()` spawn postsuper at all (postsuper is superuser-only).
    root: bool,
    euid: u32,
    /// Local submitters' user names, asked once per uid ([`super::users`]).
    users: super::users::UserCache,
}

impl Postfix {
    /// Find the Postfix programs (on `PATH`, then in `postconf -h command_directory`, then
    /// `/usr/sbin`) and read `empty_address_recipient` once.
    ///
    /// # Errors
    /// [`PostfixError::NotFound`] when a program cannot be found.
    pub fn new(config_dir: Option<PathBuf>) -> Result<Self, PostfixError> {
        let (bins, null_sender) = discover::programs(config_dir.as_deref())?;
        Ok(Self::with_bins(config_dir, bins, &null_sender))
    }

    /// An adapter with explicit program paths and null sender (tests use stub scripts).
    #[must_use]
    pub fn with_bins(config_dir: Option<PathBuf>, bins: Bins, null_sender: &str) -> Self {
        let euid = nix::unistd::geteuid().as_raw();
        Self {
            config_dir,
            transport: Transport::Local,
            bins,
            null_sender: null_sender.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            root: euid == 0,
            euid,
            queue_dir: OnceLock::new(),
            remote_queue_dir: OnceLock::new(),
            users: super::users::UserCache::default(),
        }
    }

    /// An adapter that runs the programs on a remote host. `remote_uid` is the login's uid
    /// there; `may_change` says whether postsuper may run (root, or `sudo -n` allowed).
    pub(crate) fn over_ssh(
        transport: SshTransport,
        config_dir: Option<PathBuf>,
        bins: Bins,
        null_sender: &str,
        remote_uid: u32,
        may_change: bool,
    ) -> Self {
        Self {
            config_dir,
            transport: Transport::Ssh(Box::new(transport)),
            bins,
            null_sender: null_sender.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            root: may_change,
            euid: remote_uid,
            queue_dir: OnceLock::new(),
            remote_queue_dir: OnceLock::new(),
            users: super::users::UserCache::default(),
        }
    }

    /// Kill any child that runs longer than `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Override the "changing the queue needs root" check. Stub-script tests need this when
    /// run as a normal user; so does a setup where `postsuper` is a privileged wrapper.
    #[must_use]
    pub fn assume_root(mut self, root: bool) -> Self {
        self.root = root;
        self
    }

    /// The null sender this adapter recognises (`empty_address_recipient`).
    #[must_use]
    pub fn null_sender(&self) -> &str {
        &self.null_sender
    }

    /// The program paths in use.
    #[must_use]
    pub fn bins(&self) -> &Bins {
        &self.bins
    }

    /// The host this adapter reaches, when it is remote.
    #[must_use]
    pub fn host(&self) -> Option<&SshHost> {
        match &self.transport {
            Transport::Local => None,
            Transport::Ssh(t) => Some(t.host()),
        }
    }

    /// `program [-c DIR] args…`, locally or wrapped in `ssh … HOST -- 'quoted command'`.
    /// `privileged` commands (postsuper, postcat) get `sudo -n` on a remote host whose
    /// login is not root.
    fn command(
        &self,
        program: &Path,
        args: &[&OsStr],
        privileged: bool,
    ) -> Result<Command, PostfixError> {
        let mut argv: Vec<&OsStr> = Vec::with_capacity(args.len() + 3);
        argv.push(program.as_os_str());
        if let Some(dir) = &self.config_dir {
            argv.push(OsStr::new("-c"));
            argv.push(dir.as_os_str());
        }
        argv.extend_from_slice(args);
        match &self.transport {
            Transport::Local => {
                let mut cmd = Command::new(argv[0]);
                cmd.args(&argv[1..]);
                Ok(cmd)
            }
            Transport::Ssh(t) => t.command(&argv, privileged),
        }
    }

    /// Run a program that is not a Postfix queue command (the mail log adapter's `postconf`,
    /// `journalctl`, `cat`, `date`) through this instance's transport: spawned here, or over
    /// the host's ssh connection, with `sudo -n` there when `privileged` and the login is
    /// not root. Every stdout line goes to `on_line` as it arrives. No `-c DIR` is added.
    pub(crate) fn run_helper(
        &self,
        argv: &[&OsStr],
        privileged: bool,
        on_line: impl FnMut(&[u8]),
        timeout: Duration,
    ) -> Result<Finished, PostfixError> {
        let program = argv
            .first()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cmd = match &self.transport {
            Transport::Local => {
                let mut cmd = Command::new(argv.first().copied().unwrap_or_default());
                cmd.args(argv.iter().skip(1));
                cmd
            }
            Transport::Ssh(t) => t.command(argv, privileged)?,
        };
        let done = run(&program, cmd, None, on_line, timeout)?;
        self.check_transport(&program, &done)?;
        Ok(done)
    }

    /// The instance's config directory, when one was given (`-c DIR`).
    #[must_use]
    pub fn config_dir(&self) -> Option<&Path> {
        self.config_dir.as_deref()
    }

    /// Close the remote host's multiplexed ssh connection now; nothing for a local instance.
    pub fn disconnect(&self) {
        if let Transport::Ssh(t) = &self.transport {
            t.disconnect();
        }
    }

    /// A remote run that failed in ssh or sudo rather than in Postfix → that error.
    fn check_transport(&self, program: &str, done: &Finished) -> Result<(), PostfixError> {
        match &self.transport {
            Transport::Local => Ok(()),
            Transport::Ssh(t) => t.check(program, exit_code(done.status), &done.stderr),
        }
    }

    /// `postsuper -r` leaves requeued mail in maildrop without waking pickup, so it would
    /// only reappear after pickup's 60 s timer (measured in the lab). Kick it, as
    /// `postqueue -f` would; best effort, since mail still flows without it.
    fn wake_pickup(&self) {
        let postkick = self.bins.postsuper.with_file_name("postkick");
        // A remote path cannot be checked here; a missing remote postkick only warns.
        if matches!(self.transport, Transport::Local) && !postkick.exists() {
            return;
        }
        let cmd = self.command(
            &postkick,
            &[OsStr::new("public"), OsStr::new("pickup"), OsStr::new("W")],
            true,
        );
        if let Err(e) = cmd.and_then(|cmd| run("postkick", cmd, None, |_| {}, self.timeout)) {
            warn!(error = %e, "could not wake pickup after requeue");
        }
    }

    /// `postqueue [-c DIR] FLAG` with every stdout line handed to `on_line` as it arrives.
    fn run_postqueue(
        &self,
        flag: &str,
        on_line: impl FnMut(&[u8]),
    ) -> Result<Finished, PostfixError> {
        let cmd = self.command(&self.bins.postqueue, &[OsStr::new(flag)], false)?;
        let done = run("postqueue", cmd, None, on_line, self.timeout)?;
        self.check_transport("postqueue", &done)?;
        Ok(done)
    }

    /// `postqueue -p`, for Postfix before 3.1.
    fn list_text(&self) -> Result<Snapshot, PostfixError> {
        let utc_offset = local_utc_offset();
        let builder = SnapshotBuilder::new(&self.null_sender);
        let mut listing = TextListing::new(builder, unix_now(), utc_offset);
        let done = self.run_postqueue("-p", |line| listing.push_line(line))?;
        if done.status.success() {
            return Ok(listing.finish());
        }
        Err(listing_error(&done))
    }
}

impl Postfix {
    /// `getent passwd -- OWNER UID…` on the remote host, through its ssh link: the names in
    /// that host's password database (NSS: files, LDAP, …), which may differ from ours.
    fn remote_users(&self, uids: &[u32], owner: Option<&str>) -> super::users::Answer {
        let keys: Vec<String> = owner
            .map(str::to_owned)
            .into_iter()
            .chain(uids.iter().map(u32::to_string))
            .collect();
        let mut out = Vec::new();
        if !keys.is_empty() {
            let mut argv: Vec<&OsStr> =
                vec![OsStr::new("getent"), OsStr::new("passwd"), OsStr::new("--")];
            argv.extend(keys.iter().map(OsStr::new));
            // getent exits 2 when some key is not found: the lines it printed still count.
            let done;
            (done, out) = self.helper_output(&argv);
            if let Err(e) = done {
                warn!(error = %e, "getent passwd on the remote host failed");
            }
        }
        super::users::parse_getent(&String::from_utf8_lossy(&out), uids, owner)
    }

    /// [`Self::run_helper`], unprivileged, with its stdout collected (one `\n` per line).
    fn helper_output(&self, argv: &[&OsStr]) -> (Result<Finished, PostfixError>, Vec<u8>) {
        let mut out = Vec::new();
        let done = self.run_helper(
            argv,
            false,
            |l| {
                out.extend_from_slice(l);
                out.push(b'\n');
            },
            self.timeout,
        );
        (done, out)
    }

    /// One `postqueue FLAG [ARG]` run for a flush: its refusal, if any, as one line.
    fn postqueue_request(&self, args: &[&str]) -> Result<Option<String>, PostfixError> {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let cmd = self.command(&self.bins.postqueue, &args, false)?;
        let done = run("postqueue", cmd, None, |_| {}, self.timeout)?;
        self.check_transport("postqueue", &done)?;
        if done.status.success() {
            return Ok(None);
        }
        let why = crate::model::text::one_line(&String::from_utf8_lossy(&done.stderr));
        Ok(Some(format!(
            "postqueue {}: {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            if why.is_empty() {
                ended(done.status)
            } else {
                snippet(&why, 300)
            }
        )))
    }
}

impl Postfix {
    /// `queue_directory`, looked up on first use.
    fn queue_directory(&self) -> Option<&Path> {
        self.queue_dir
            .get_or_init(|| super::discover::queue_directory(self.config_dir.as_deref()))
            .as_deref()
    }

    /// Whether listings read next delivery attempts from the queue files: local and as root.
    fn reads_retries(&self) -> bool {
        matches!(self.transport, Transport::Local) && self.euid == 0
    }

    /// The deferred queue files' mtimes ([`super::retry`]), or why they cannot be read: one
    /// walk of the deferred tree, after the listing (~0.5 s per 100,000 deferred files;
    /// run alongside the listing it slowed `postqueue -j` down as much on a busy 2-core
    /// machine, so callers that do not need the times skip it instead:
    /// [`MailQueue::list_each_without_retries`]).
    fn deferred_times(&self) -> Result<HashMap<String, i64>, String> {
        let Some(dir) = self.queue_directory() else {
            return Err("postconf -h queue_directory failed".to_owned());
        };
        super::retry::deferred_mtimes(dir).map_err(|e| {
            warn!(dir = %dir.display(), error = %e, "cannot read the deferred queue");
            format!(
                "cannot read {}: {e}",
                sanitize_bytes(dir.join("deferred").as_os_str().as_encoded_bytes())
            )
        })
    }

    /// Fill in the next delivery attempt of deferred mail from `times` (the walk after the
    /// listing; `None` when none ran: remote, not root, or not wanted), or leave the times
    /// unknown and say why in `Snapshot::retry_note`.
    fn add_next_retries(
        &self,
        snap: &mut Snapshot,
        times: Option<Result<HashMap<String, i64>, String>>,
    ) {
        if !matches!(self.transport, Transport::Local) {
            self.add_remote_next_retries(snap);
            return;
        }
        if self.euid != 0 {
            snap.retry_note =
                Some("reading the queue files needs root (the queue is postfix-only)".to_owned());
            return;
        }
        if snap.count(&QueueName::Deferred).messages == 0 {
            snap.retry_note = None;
            return;
        }
        match times {
            Some(Ok(times)) => snap.set_next_retries(&times),
            Some(Err(why)) => snap.retry_note = Some(why),
            None => snap.retry_note = Some("not read for this listing".to_owned()),
        }
    }

    /// [`Self::add_next_retries`] on a remote host: one `find` of its deferred tree
    /// ([`super::retry::remote_find_argv`]) through the ssh link, for a root login only;
    /// only valid queue IDs of deferred messages in this listing get a time.
    fn add_remote_next_retries(&self, snap: &mut Snapshot) {
        // Only a root login: `sudo find` is never asked for (sudoers allowing find would
        // allow anything, and a refused sudo is logged on the host at every refresh).
        if self.euid != 0 {
            snap.retry_note = Some(format!(
                "reading the host's queue files needs a root ssh login (logged in as uid {})",
                self.euid
            ));
            return;
        }
        if snap.count(&QueueName::Deferred).messages == 0 {
            snap.retry_note = None;
            return;
        }
        let dir = self.remote_queue_dir.get_or_init(|| {
            self.postconf("queue_directory")
                .filter(|d| super::retry::remote_find_argv(d).is_some())
        });
        let Some(argv) = dir.as_deref().and_then(super::retry::remote_find_argv) else {
            snap.retry_note = Some("postconf -h queue_directory failed on the host".to_owned());
            return;
        };
        let argv: Vec<&OsStr> = argv.iter().map(OsStr::new).collect();
        let (done, out) = self.helper_output(&argv);
        match done {
            // A file that vanished during the walk (delivered meanwhile) makes find exit 1
            // after printing the rest: what it printed still holds.
            Ok(d) if d.status.success() || !out.is_empty() => {
                if !d.status.success() {
                    debug!(stderr = %sanitize_bytes(d.stderr.trim_ascii()), "remote find");
                }
                snap.set_next_retries(&super::retry::parse_remote_find(&out));
            }
            Ok(d) => {
                let why = snippet(&sanitize_bytes(d.stderr.trim_ascii()), 200);
                warn!(stderr = %why, "remote find of the deferred queue failed");
                snap.retry_note = Some(format!("find on the host failed: {why}"));
            }
            Err(e) => {
                warn!(error = %e, "remote find of the deferred queue failed");
                snap.retry_note = Some(format!("not read from the host: {e}"));
            }
        }
    }

    fn list_queue(&self, each: &mut dyn FnMut(&Message)) -> Result<Snapshot, PostfixError> {
        if let Transport::Ssh(t) = &self.transport {
            // Fast path: the host's long-lived listing shell. Anything but a clean exit
            // falls through to a one-shot run, which classifies errors (and falls back to
            // `postqueue -p`) exactly as locally.
            let mut builder = SnapshotBuilder::new(&self.null_sender);
            let mut argv: Vec<&OsStr> = vec![self.bins.postqueue.as_os_str()];
            if let Some(dir) = &self.config_dir {
                argv.extend([OsStr::new("-c"), dir.as_os_str()]);
            }
            argv.push(OsStr::new("-j"));
            let stream = t.stream(
                &argv,
                &mut |line| builder.push_line_each(line, each),
                self.timeout,
            );
            match stream {
                Ok(0) => {
                    let snap = builder.finish();
                    info!(
                        host = %t.host().name,
                        messages = snap.len(),
                        problems = snap.problems.len(),
                        took_ms = u64::try_from(snap.took.as_millis()).unwrap_or(u64::MAX),
                        "listed remote queue"
                    );
                    return Ok(snap);
                }
                Ok(code) => debug!(
                    code,
                    "remote postqueue -j failed: running it again for the error"
                ),
                Err(e @ PostfixError::Timeout { .. }) => return Err(e),
                Err(e) => debug!(error = %e, "listing session broken: one-shot listing"),
            }
        }
        // Built right before the spawn: it stamps `taken_at` and starts the `took` clock.
        let mut builder = SnapshotBuilder::new(&self.null_sender);
        let done = self.run_postqueue("-j", |line| builder.push_line_each(line, each))?;
        if done.status.success() {
            if !done.stderr.is_empty() {
                warn!(stderr = %snippet(&String::from_utf8_lossy(&done.stderr), 300), "postqueue -j");
            }
            let snap = builder.finish();
            info!(
                messages = snap.len(),
                problems = snap.problems.len(),
                took_ms = u64::try_from(snap.took.as_millis()).unwrap_or(u64::MAX),
                "listed queue"
            );
            return Ok(snap);
        }
        if json_refused(&done) {
            info!("postqueue -j refused (Postfix < 3.1): falling back to postqueue -p");
            return self.list_text();
        }
        Err(listing_error(&done))
    }
}

impl MailQueue for Postfix {
    fn list(&self) -> Result<Snapshot, PostfixError> {
        self.list_each(&mut |_| {})
    }

    fn change_stamp(&self) -> Option<u64> {
        if self.euid != 0 || !matches!(self.transport, Transport::Local) {
            return None;
        }
        super::queue_dirs::stamp(self.queue_directory()?)
    }

    /// `each` sees every message as it is parsed, before the next-retry times (one walk
    /// of the deferred tree after the listing) are filled in.
    fn list_each(&self, each: &mut dyn FnMut(&Message)) -> Result<Snapshot, PostfixError> {
        let mut snap = self.list_queue(each)?;
        let walk = self.reads_retries() && snap.count(&QueueName::Deferred).messages > 0;
        let times = walk.then(|| self.deferred_times());
        self.add_next_retries(&mut snap, times);
        Ok(snap)
    }

    /// No walk at all: the times stay unknown, and the note says so.
    fn list_each_without_retries(
        &self,
        each: &mut dyn FnMut(&Message),
    ) -> Result<Snapshot, PostfixError> {
        let mut snap = self.list_queue(each)?;
        self.add_next_retries(&mut snap, None);
        Ok(snap)
    }

    fn apply(&self, op: QueueOp, targets: &[Target]) -> Result<OpReport, PostfixError> {
        if !self.root {
            let detail = match &self.transport {
                Transport::Ssh(_) => self.read_only_reason().unwrap_or_default(),
                Transport::Local => format!(
                    "changing the queue needs root (running as uid {}); listing still works",
                    self.euid
                ),
            };
            return Err(PostfixError::PermissionDenied {
                program: "postsuper".into(),
                detail,
            });
        }
        let mut report = OpReport::default();
        let mut by_queue: BTreeMap<QueueName, Vec<QueueId>> = BTreeMap::new();
        let mut seen: HashSet<(&QueueName, &QueueId)> = HashSet::new();
        for t in targets {
            // `ALL` is postsuper's wildcard on the command line. Postfix 3.7 reads it
            // literally from stdin (checked: `echo ALL | postsuper -h - deferred` holds
            // nothing), but no real queue ID is `ALL`, so it is never worth the risk.
            if !t.queue_id.is_valid() || t.queue_id.as_str() == "ALL" {
                report.invalid.push(t.queue_id.clone());
            } else if matches!(t.queue, QueueName::Other(_)) {
                report.invalid.push(t.queue_id.clone());
                report.errors.push(format!(
                    "{}: not in a queue postsuper can address ({})",
                    t.queue_id,
                    snippet(t.queue.as_str(), 40)
                ));
            } else if seen.insert((&t.queue, &t.queue_id)) {
                by_queue
                    .entry(t.queue.clone())
                    .or_default()
                    .push(t.queue_id.clone());
            }
        }
        if !report.invalid.is_empty() {
            warn!(count = report.invalid.len(), "refused malformed queue IDs");
        }
        // Whether a postsuper has run yet: before that, "cannot run at all" is the caller's error.
        let mut ran = false;
        let mut queues = by_queue.into_iter();
        while let Some((queue, ids)) = queues.next() {
            info!(op = op.verb(), count = ids.len(), queue = %queue, uid = self.euid, "postsuper");
            debug!(ids = ?ids, "postsuper ids");
            let cmd = self.command(
                &self.bins.postsuper,
                &[
                    OsStr::new(op.flag()),
                    OsStr::new("-"),
                    OsStr::new(queue.as_str()),
                ],
                true,
            );
            let mut input = Vec::with_capacity(ids.len() * 16);
            for id in &ids {
                input.extend_from_slice(id.as_str().as_bytes());
                input.push(b'\n');
            }
            let done = match cmd
                .and_then(|cmd| run_child("postsuper", cmd, Some(input), |_| {}, self.timeout))
            {
                Ok(done) => done,
                // Nothing ran yet: the caller gets the plain error (not installed, no right,
                // an ssh control directory that is no longer private).
                Err(
                    e @ (PostfixError::NotFound(_)
                    | PostfixError::PermissionDenied { .. }
                    | PostfixError::File { .. }),
                ) if !ran => {
                    return Err(e);
                }
                // postsuper ran (or may have) and then failed: earlier queues' results stay
                // in the report, and this queue's IDs are neither done nor gone.
                Err(e) => {
                    warn!(error = %e, count = ids.len(), "postsuper failed");
                    report
                        .errors
                        .push(format!("{e}: {} IDs not confirmed", ids.len()));
                    report.unconfirmed.extend(ids);
                    continue;
                }
            };
            if op.expires() && postsuper::refused_option(&done.stderr) {
                return Err(PostfixError::Exit {
                    program: "postsuper".into(),
                    code: exit_code(done.status),
                    stderr: format!(
                        "this postsuper has no {} option: forced expiration needs Postfix 3.5 \
                         or later. Nothing was changed; hold, then delete, or upgrade Postfix",
                        op.flag()
                    ),
                });
            }
            let parsed = postsuper::parse_stderr(&done.stderr);
            let fatal = self.check_transport("postsuper", &done).err().or_else(|| {
                parsed
                    .permission_denied
                    .clone()
                    .map(|detail| PostfixError::PermissionDenied {
                        program: "postsuper".into(),
                        detail,
                    })
            });
            if let Some(e) = fatal {
                // Nothing was changed yet: the run as a whole failed (not root, no link).
                if !ran {
                    return Err(e);
                }
                // Earlier queues were changed: keep their results, record where it stopped,
                // and send nothing more (a dropped link or a refusal will not heal itself).
                warn!(error = %e, queue = %queue, "postsuper failed after earlier queues were done");
                let mut batch = parsed.into_report(&ids);
                batch.unconfirmed.append(&mut batch.gone);
                batch.errors.push(format!(
                    "{e}: {} IDs in {queue} not confirmed",
                    batch.unconfirmed.len()
                ));
                report.merge(batch);
                for (_, rest) in queues.by_ref() {
                    report.not_sent.extend(rest);
                }
                break;
            }
            ran = true;
            let mut batch = parsed.into_report(&ids);
            if !done.status.success() {
                // Only a postsuper that reached its summary line has reported on every ID it
                // read. One that died half-way (killed, hung, crashed, fatal error) leaves the
                // IDs it never mentioned in an unknown state: calling them gone would be a lie.
                let how = match done.timed_out {
                    Some(secs) => format!("did not answer within {secs} s (killed)"),
                    None => ended(done.status),
                };
                if batch.summary.is_empty() && !batch.gone.is_empty() {
                    batch.unconfirmed = std::mem::take(&mut batch.gone);
                    batch.errors.push(format!(
                        "postsuper {how}: {} of {} IDs not confirmed",
                        batch.unconfirmed.len(),
                        ids.len()
                    ));
                } else if done.timed_out.is_some()
                    || (batch.errors.is_empty() && batch.done.is_empty())
                {
                    batch.errors.push(format!("postsuper {how}"));
                }
            }
            info!(
                op = op.verb(),
                queue = %queue,
                done = batch.done.len(),
                gone = batch.gone.len(),
                invalid = batch.invalid.len(),
                errors = batch.errors.len(),
                "postsuper finished"
            );
            report.merge(batch);
        }
        if op == QueueOp::Requeue && !report.done.is_empty() {
            self.wake_pickup();
        }
        Ok(report)
    }

    fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError> {
        let mut report = ReadReport::default();
        let valid: Vec<&QueueId> = ids
            .iter()
            .filter(|id| {
                let ok = id.is_valid();
                if !ok {
                    report.errors.push(format!(
                        "not a valid queue ID: {}",
                        snippet(id.as_str(), 40)
                    ));
                }
                ok
            })
            .collect();
        info!(count = valid.len(), body = parts.body, "postcat");
        for batch in valid.chunks(POSTCAT_BATCH) {
            let mut rest: &[&QueueId] = batch;
            while !rest.is_empty() {
                let mut args = vec![
                    OsStr::new("-q"),
                    OsStr::new(if parts.body { "-ebh" } else { "-eh" }),
                ];
                args.extend(rest.iter().map(|id| OsStr::new(id.as_str())));
                let cmd = self.command(&self.bins.postcat, &args, true)?;
                let (done, out) = run_collect("postcat", cmd, self.timeout)?;
                self.check_transport("postcat", &done)?;
                let parsed = postcat::parse_output(&out);
                let printed: HashSet<QueueId> = parsed
                    .files
                    .iter()
                    .map(|f| f.queue_id.clone())
                    .chain(parsed.incomplete.iter().cloned())
                    .collect();
                report.files.extend(parsed.files);
                let vanished = vanished_id(&done.stderr);
                let next = vanished
                    .as_ref()
                    .and_then(|v| rest.iter().position(|id| *id == v));
                match (vanished, next) {
                    (Some(v), Some(i)) => {
                        debug!(id = %v, "postcat: queue file vanished");
                        report.vanished.push(v);
                        rest = &rest[i + 1..];
                    }
                    _ => {
                        // Name every ID of this run that came back neither whole nor cut:
                        // a postcat that died half-way never printed the rest.
                        let unread: Vec<String> = rest
                            .iter()
                            .filter(|id| !printed.contains(**id))
                            .map(|id| format!("{id}: not read (postcat stopped before it)"))
                            .collect();
                        for id in parsed.incomplete {
                            report
                                .errors
                                .push(format!("{id}: postcat output ended early"));
                        }
                        if !done.status.success() || !done.stderr.is_empty() {
                            let text = sanitize_bytes(done.stderr.trim_ascii());
                            let text = text.trim();
                            report.errors.push(if text.is_empty() {
                                format!("postcat exited with status {}", exit_code(done.status))
                            } else {
                                snippet(text, 300)
                            });
                        }
                        report.errors.extend(unread);
                        rest = &[];
                    }
                }
            }
        }
        Ok(report)
    }

    fn describe(&self) -> String {
        let local = match &self.config_dir {
            Some(d) => format!("postfix -c {}", d.display()),
            None => "postfix".into(),
        };
        match &self.transport {
            Transport::Local => local,
            // The host's name comes first: it is what the header, the confirmation and the
            // audit entry must never leave out.
            Transport::Ssh(t) => format!("ssh {}: {local}", t.host().name),
        }
    }

    fn flush(&self, what: &Flush) -> Result<FlushReport, PostfixError> {
        let mut report = FlushReport::default();
        match what {
            Flush::All => {
                info!(uid = self.euid, "postqueue -f");
                report.errors.extend(self.postqueue_request(&["-f"])?);
            }
            Flush::Site(site) => {
                if !super::valid_site(site) {
                    report
                        .errors
                        .push(format!("not a site name: {}", snippet(site, 60)));
                    return Ok(report);
                }
                info!(uid = self.euid, site = %site, "postqueue -s");
                report.errors.extend(self.postqueue_request(&["-s", site])?);
            }
            Flush::Messages(ids) => {
                info!(uid = self.euid, count = ids.len(), "postqueue -i");
                // postqueue takes one ID per -i: one process per message (callers bound it).
                for id in ids {
                    if !id.is_valid() {
                        report.errors.push(format!(
                            "not a valid queue ID: {}",
                            snippet(id.as_str(), 40)
                        ));
                        continue;
                    }
                    match self.postqueue_request(&["-i", id.as_str()])? {
                        None => report.asked.push(id.clone()),
                        Some(e) => report.errors.push(e),
                    }
                }
            }
        }
        Ok(report)
    }

    fn postfix(&self) -> Option<&Postfix> {
        Some(self)
    }

    fn read_only_reason(&self) -> Option<String> {
        if let Transport::Ssh(t) = &self.transport {
            return (!self.root).then(|| {
                format!(
                    "{}: the ssh login (uid {}) is not root and `sudo -n` may not run postsuper: listing works, changing the queue does not",
                    t.host().name,
                    self.euid
                )
            });
        }
        (!self.root).then(|| {
            format!(
                "not root (uid {}): listing works, changing the queue needs root",
                self.euid
            )
        })
    }

    fn local_users(&self, uids: &[u32]) -> crate::model::submitter::Users {
        self.users.users(uids, |new, ask_owner| {
            let owner = if ask_owner {
                self.postconf("mail_owner")
            } else {
                None
            };
            let owner = owner.as_deref().and_then(super::users::valid_owner);
            match &self.transport {
                Transport::Local => super::users::local_lookup(new, owner),
                Transport::Ssh(_) => self.remote_users(new, owner),
            }
        })
    }

    fn postconf(&self, name: &str) -> Option<String> {
        // postconf lives beside postqueue (command_directory).
        let postconf = self.bins.postqueue.with_file_name("postconf");
        let cmd = self
            .command(&postconf, &[OsStr::new("-h"), OsStr::new(name)], false)
            .ok()?;
        let mut value = Vec::new();
        let done = run(
            "postconf",
            cmd,
            None,
            |l| {
                value.extend_from_slice(l);
                value.push(b' ');
            },
            self.timeout,
        )
        .ok()?;
        if !done.status.success() || self.check_transport("postconf", &done).is_err() {
            warn!(name, stderr = %sanitize_bytes(&done.stderr), "postconf failed");
            return None;
        }
        Some(String::from_utf8_lossy(&value).trim().to_owned())
    }
}

/// A failed `postqueue` run → the error the UI should show.
fn listing_error(done: &Finished) -> PostfixError {
    let stderr = sanitize_bytes(done.stderr.trim_ascii());
    let stderr = stderr.trim();
    let code = exit_code(done.status);
    // Non-root with Postfix stopped: "postqueue: fatal: Queue report unavailable - mail
    // system is down", exit 69 (EX_UNAVAILABLE).
    if code == 69 || stderr.to_ascii_lowercase().contains("mail system is down") {
        return PostfixError::MailSystemDown(snippet(strip_fatal(stderr), 300));
    }
    if stderr.contains("reserved for the superuser") || stderr.contains("Permission denied") {
        return PostfixError::PermissionDenied {
            program: "postqueue".into(),
            detail: snippet(strip_fatal(stderr), 300),
        };
    }
    PostfixError::Exit {
        program: "postqueue".into(),
        code,
        stderr: snippet(stderr, 500),
    }
}

fn strip_fatal(s: &str) -> &str {
    s.rsplit_once("fatal: ").map_or(s, |(_, r)| r)
}

/// Did postqueue refuse `-j` as an unknown option (Postfix < 3.1)? Their getopt prints
/// `postqueue: invalid option -- 'j'` (glibc; BSD says `illegal option -- j`) and then
/// `postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -p | …`
/// without `-j`, exit 64 (EX_USAGE).
fn json_refused(done: &Finished) -> bool {
    if done.status.success() {
        return false;
    }
    let err = String::from_utf8_lossy(&done.stderr);
    let bad_option = err.lines().any(|l| {
        (l.contains("invalid option")
            || l.contains("illegal option")
            || l.contains("unknown option"))
            && l.contains('j')
    });
    let usage_without_j = err.contains("usage: postqueue") && !err.contains("postqueue -j");
    bad_option || usage_without_j
}

/// `postcat: fatal: open queue file X: No such file or directory` → X.
fn vanished_id(stderr: &[u8]) -> Option<QueueId> {
    let text = String::from_utf8_lossy(stderr);
    text.lines().find_map(|l| {
        let (_, rest) = l.split_once("open queue file ")?;
        let (id, why) = rest.split_once(": ")?;
        let id = QueueId::new(id.trim());
        (why.contains("No such file") && id.is_valid()).then_some(id)
    })
}

/// The local time zone's offset from UTC in seconds, from `date +%z` (postqueue -p prints
/// local time). Only needed for the pre-3.1 fallback; 0 when it cannot be told.
pub(crate) fn local_utc_offset() -> i64 {
    let mut out = Vec::new();
    let mut cmd = Command::new("date");
    cmd.arg("+%z");
    if run(
        "date",
        cmd,
        None,
        |l| out.extend_from_slice(l),
        Duration::from_secs(5),
    )
    .is_err()
    {
        return 0;
    }
    parse_utc_offset(String::from_utf8_lossy(&out).trim()).unwrap_or(0)
}

/// `+0900` / `-0430` → seconds east of UTC.
pub(crate) fn parse_utc_offset(s: &str) -> Option<i64> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i64 = digits[..2].parse().ok()?;
    let m: i64 = digits[2..].parse().ok()?;
    Some(sign * (h * 3600 + m * 60))
}

/// Connect to a Postfix host over ssh (`ssh::probe`: one round trip) and open
/// the adapter on it, with the host's program paths and null sender.
///
/// # Errors
/// [`PostfixError::Unreachable`] when ssh fails; [`PostfixError::NotFound`] when the host
/// has no `postconf`; [`PostfixError::Timeout`] when the host does not answer in time.
pub fn connect(host: &SshHost, opts: &SshOptions) -> Result<Postfix, PostfixError> {
    let (transport, remote) = super::ssh::probe(host, opts)?;
    let dir = &remote.command_directory;
    let bins = Bins {
        postqueue: dir.join("postqueue"),
        postsuper: dir.join("postsuper"),
        postcat: dir.join("postcat"),
    };
    debug!(?bins, "remote postfix programs");
    let null_sender = remote
        .null_sender
        .unwrap_or_else(|| DEFAULT_NULL_SENDER.to_owned());
    Ok(Postfix::over_ssh(
        transport,
        host.config_dir.clone(),
        bins,
        &null_sender,
        remote.uid,
        remote.may_change,
    )
    .with_timeout(opts.timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn finished(code: i32, stderr: &str) -> Finished {
        Finished {
            status: ExitStatus::from_raw(code << 8),
            stderr: stderr.as_bytes().to_vec(),
            timed_out: None,
        }
    }

    #[test]
    fn old_postqueue_refusing_j_is_detected() {
        let old = finished(
            64,
            "postqueue: invalid option -- 'j'\npostqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -p | postqueue -s site\n",
        );
        assert!(json_refused(&old));
        let bsd = finished(64, "postqueue: illegal option -- j\n");
        assert!(json_refused(&bsd));
        let down = finished(
            69,
            "postqueue: fatal: Queue report unavailable - mail system is down\n",
        );
        assert!(!json_refused(&down));
        assert!(
            matches!(listing_error(&down), PostfixError::MailSystemDown(m) if m.starts_with("Queue report"))
        );
        let other = finished(1, "postqueue: fatal: \x1b[31mboom\n");
        match listing_error(&other) {
            PostfixError::Exit { code, stderr, .. } => {
                assert_eq!(code, 1);
                assert!(!stderr.contains('\u{1b}'));
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn vanished_ids_are_found() {
        assert_eq!(
            vanished_id(b"postcat: fatal: open queue file NOSUCH1: No such file or directory\n"),
            Some(QueueId::new("NOSUCH1"))
        );
        assert_eq!(
            vanished_id(b"postcat: fatal: open queue file X: Permission denied\n"),
            None
        );
    }

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("+0900"), Some(32_400));
        assert_eq!(parse_utc_offset("-0430"), Some(-16_200));
        assert_eq!(parse_utc_offset("+09"), None);
    }
}
