//! The Postfix seam: the **only** code that spawns processes.
//!
//! [`MailQueue`] is everything mailq-tui needs from Postfix: list the queue, change it in
//! bulk, read queued messages. Implementations:
//! - [`local::Postfix`]: the local (or `-c DIR`) instance through `postqueue -j`
//!   (falling back to `postqueue -p` before Postfix 3.1), `postsuper` and `postcat`;
//! - the same [`local::Postfix`] on another host over OpenSSH ([`local::connect`]);
//! - [`replay::ReplayQueue`]: a `postqueue -j` file (`--from-file`) or the embedded demo
//!   storm (`--demo`), in memory, changed by `apply()` so the demo is fully interactive.
//!
//! Inside, imports point one way (no cycles):
//! - [`process`]: the one process runner (process groups, stdin/stderr threads, watchdog);
//! - [`ssh`]: the OpenSSH transport (multiplexed connections, quoting, the probe); uses
//!   only `process`;
//! - [`discover`]: finding the local programs and null sender;
//! - [`local`]: the adapter, over `process`, `ssh`, `discover` and [`parse`];
//! - [`parse`]: what the programs print → model values (no IO);
//! - [`fleet`]: several sources at once, in parallel, with one adapter cache;
//! - [`instances`]: `postmulti -l -a`.
//!
//! The trait is synchronous: callers in the TUI run it on a blocking thread, the command
//! line calls it directly. Listing still streams (parsing overlaps with Postfix writing).

pub mod discover;
pub mod fleet;
pub mod instances;
pub mod lines;
pub mod local;
pub mod notify;
pub mod parse;
pub mod postmap;
pub mod process;
pub mod queue_dirs;
pub mod read_only;
pub mod replay;
mod retry;
pub mod ssh;
mod users;

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::model::{Message, QueueFile, QueueId, QueueName, Snapshot};

/// A bulk change `postsuper` can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueOp {
    Delete,
    Hold,
    Release,
    Requeue,
    /// Forced expiration (`postsuper -e`, Postfix 3.5+): returned to the sender at the next
    /// delivery attempt instead of being deleted silently. Held mail stays held.
    Expire,
    /// Forced expiration and release from hold (`postsuper -f`).
    #[serde(rename = "expire-release")]
    ExpireRelease,
}

impl QueueOp {
    pub const ALL: [QueueOp; 6] = [
        QueueOp::Delete,
        QueueOp::Hold,
        QueueOp::Release,
        QueueOp::Requeue,
        QueueOp::Expire,
        QueueOp::ExpireRelease,
    ];

    /// The `postsuper` flag for this operation.
    #[must_use]
    pub fn flag(self) -> &'static str {
        match self {
            Self::Delete => "-d",
            Self::Hold => "-h",
            Self::Release => "-H",
            Self::Requeue => "-r",
            Self::Expire => "-e",
            Self::ExpireRelease => "-f",
        }
    }

    #[must_use]
    pub fn verb(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Hold => "hold",
            Self::Release => "release",
            Self::Requeue => "requeue",
            Self::Expire => "expire",
            Self::ExpireRelease => "expire and release",
        }
    }

    /// Forced expiration (`-e`/`-f`), which Postfix before 3.5 does not have.
    #[must_use]
    pub fn expires(self) -> bool {
        matches!(self, Self::Expire | Self::ExpireRelease)
    }

    /// The queue a message in `from` is in after this operation succeeded (None: gone).
    #[must_use]
    pub fn result_queue(self, from: &QueueName) -> Option<QueueName> {
        match self {
            Self::Delete => None,
            Self::Hold => Some(QueueName::Hold),
            // Released and requeued mail goes back through maildrop/incoming; in a listing
            // taken a moment later it is usually deferred again.
            Self::Release | Self::Requeue | Self::ExpireRelease => Some(QueueName::Deferred),
            // Marked for expiry where it is; returned at the next delivery attempt.
            Self::Expire => Some(from.clone()),
        }
    }
}

impl fmt::Display for QueueOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.verb())
    }
}

/// What to attempt delivering now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flush {
    /// `postqueue -f`: every deferred message (during a storm: every bounce at once).
    All,
    /// `postqueue -s SITE`: mail for one destination (needs `fast_flush_domains`).
    Site(String),
    /// `postqueue -i ID`, one process per message.
    Messages(Vec<QueueId>),
}

impl Flush {
    /// What the audit log and the reports call it.
    #[must_use]
    pub fn verb(&self) -> &'static str {
        match self {
            Self::All => "flush",
            Self::Site(_) => "flush site",
            Self::Messages(_) => "deliver now",
        }
    }
}

/// A site name `postqueue -s` may be given: a domain or a bracketed address, nothing a
/// shell or postqueue could read as something else.
#[must_use]
pub fn valid_site(site: &str) -> bool {
    !site.is_empty()
        && site.len() <= 255
        && !site.starts_with('-')
        && site
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
}

/// What a flush request did: the messages asked for (for `Messages`), and refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlushReport {
    /// Messages postqueue accepted a request for (`-i`).
    pub asked: Vec<QueueId>,
    /// postqueue refused or failed (sanitized, one line each).
    pub errors: Vec<String>,
}

/// A message to act on, with the queue it was seen in (the operation is restricted to it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub queue_id: QueueId,
    pub queue: QueueName,
}

/// What `postsuper` reported for one batch, per ID. The exit status alone is not trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpReport {
    /// IDs postsuper confirmed (`removed`, `placed on hold`, `released from hold`, `requeued`).
    pub done: Vec<QueueId>,
    /// Valid IDs that postsuper skipped silently: no longer in the named queue.
    pub gone: Vec<QueueId>,
    /// IDs postsuper refused as invalid (`warning: invalid mail queue id`), or that we refused
    /// to send because they are not well-formed.
    pub invalid: Vec<QueueId>,
    /// Other warnings and errors, sanitized.
    pub errors: Vec<String>,
    /// postsuper's summary lines (`Deleted: 12 messages`).
    pub summary: Vec<String>,
    /// IDs sent to a postsuper that stopped (killed, crashed) before it reported on them.
    /// Their state is unknown until the next listing: they must not be counted as gone,
    /// which would tell the admin they were already out of the queue.
    pub unconfirmed: Vec<QueueId>,
    /// IDs never sent: an earlier queue's postsuper failed in a way that stopped the run
    /// (permission refused, ssh link dropped) after other queues had been changed.
    pub not_sent: Vec<QueueId>,
}

impl OpReport {
    /// Fold another batch's report into this one.
    pub fn merge(&mut self, other: OpReport) {
        self.done.extend(other.done);
        self.gone.extend(other.gone);
        self.invalid.extend(other.invalid);
        self.errors.extend(other.errors);
        self.summary.extend(other.summary);
        self.unconfirmed.extend(other.unconfirmed);
        self.not_sent.extend(other.not_sent);
    }
}

/// Which parts of a queue file `read()` returns. The envelope is always read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadParts {
    pub body: bool,
}

/// The result of reading many queue files in batches.
#[derive(Debug, Clone, Default)]
pub struct ReadReport {
    pub files: Vec<QueueFile>,
    /// IDs whose queue file no longer existed.
    pub vanished: Vec<QueueId>,
    /// Other problems, sanitized.
    pub errors: Vec<String>,
}

/// What can go wrong talking to Postfix. Each case carries a message an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum PostfixError {
    #[error("{0} not found on PATH or in postconf's command_directory; is Postfix installed?")]
    NotFound(String),
    #[error("{program}: permission denied: {detail}")]
    PermissionDenied { program: String, detail: String },
    #[error("the mail system is down: {0}")]
    MailSystemDown(String),
    #[error("{program} exited with status {code}: {stderr}")]
    Exit {
        program: String,
        code: i32,
        stderr: String,
    },
    #[error("{program} did not answer within {secs} s (killed); try again with r")]
    Timeout { program: String, secs: u64 },
    #[error("cannot read {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{program}: {source}")]
    Io {
        program: String,
        source: std::io::Error,
    },
    #[error("this queue is read-only: {0}")]
    ReadOnly(String),
    /// ssh itself failed: connection refused or timed out, authentication, host key.
    #[error("{host}: cannot reach the host over ssh: {detail}")]
    Unreachable { host: String, detail: String },
}

impl PostfixError {
    /// What the admin can do about it, in one line: shown under the error where a listing
    /// should be (the TUI's panes), since "listing failed" alone leaves them guessing.
    #[must_use]
    pub fn hint(&self) -> &'static str {
        match self {
            Self::NotFound(_) => {
                "install Postfix, name another instance with --config-dir DIR, or try --demo"
            }
            Self::PermissionDenied { .. } => {
                "run as root (sudo mailq-tui), or have your user added to authorized_mailq_users"
            }
            Self::MailSystemDown(_) => {
                "start Postfix (systemctl start postfix, or postfix -c DIR start), or run as \
                 root to read the queue directly; --demo shows the demo queue"
            }
            Self::Exit { .. } | Self::Io { .. } => {
                "check the instance: --config-dir DIR names its configuration directory \
                 (postmulti -l lists them); --from-file FILE reads a saved listing"
            }
            Self::Timeout { .. } => "the system is busy or the queue is huge",
            Self::File { .. } => "check the path given to --from-file (- reads standard input)",
            Self::ReadOnly(_) => "open the queue without --read-only, as root",
            Self::Unreachable { .. } => {
                "try `ssh HOST true` by hand: keys, host key, BatchMode; or check [[hosts]]"
            }
        }
    }
}

/// Messages between two progress reports of a streaming listing ("listing 25,000…").
pub const PROGRESS_EVERY: usize = 5_000;

/// Everything mailq-tui needs from a Postfix instance.
pub trait MailQueue: Send + Sync {
    /// List the whole queue (`postqueue -j`), streaming; bad lines become parse problems.
    ///
    /// # Errors
    /// When the listing cannot be produced at all (binary missing, Postfix down for a non-root user, …).
    fn list(&self) -> Result<Snapshot, PostfixError>;

    /// [`list`](Self::list), handing each message to `each` as soon as it is parsed (a
    /// repeated queue ID is handed again when it repeats): for acting on verified messages
    /// while the listing continues. By default, after the whole listing.
    ///
    /// # Errors
    /// As [`list`](Self::list).
    fn list_each(&self, each: &mut dyn FnMut(&Message)) -> Result<Snapshot, PostfixError> {
        let snap = self.list()?;
        snap.messages.iter().for_each(each);
        Ok(snap)
    }

    /// [`list_each`](Self::list_each) for a caller that never looks at
    /// [`Message::next_retry`]: the adapter may leave the next-retry times unknown (the
    /// local one then skips its walk of the deferred queue). By default `list_each`.
    ///
    /// # Errors
    /// As [`list`](Self::list).
    fn list_each_without_retries(
        &self,
        each: &mut dyn FnMut(&Message),
    ) -> Result<Snapshot, PostfixError> {
        self.list_each(each)
    }

    /// Apply `op` to `targets` with one `postsuper` per queue, IDs on stdin, restricted to
    /// the queue each target was seen in.
    ///
    /// # Errors
    /// [`PostfixError::PermissionDenied`] when not allowed to change the queue; others when
    /// postsuper cannot run at all. Per-ID outcomes are in the report.
    fn apply(&self, op: QueueOp, targets: &[Target]) -> Result<OpReport, PostfixError>;

    /// Read queue files with batched `postcat -q -e…`. Vanished IDs are reported, not fatal.
    ///
    /// # Errors
    /// When postcat cannot run at all.
    fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError>;

    /// A short description for the header: `postfix /etc/postfix`, `demo`, `file queue.jsonl`.
    fn describe(&self) -> String;

    /// Why this queue cannot be changed, if it cannot (non-root, replay of a file, …).
    fn read_only_reason(&self) -> Option<String>;

    /// `postconf -h NAME` of this instance (`mynetworks` for the storm report), when it can
    /// be read. A file replay or the demo has no configuration.
    fn postconf(&self, _name: &str) -> Option<String> {
        None
    }

    /// Ask for a delivery attempt now (`postqueue -i ID` per message, `-f`, `-s SITE`).
    /// Postfix answers at once and delivers in the background: the caller re-lists to see
    /// what happened. Queues that cannot deliver refuse.
    ///
    /// # Errors
    /// When the request could not be made at all (not installed, read-only, no link).
    fn flush(&self, what: &Flush) -> Result<FlushReport, PostfixError> {
        let _ = what;
        Err(PostfixError::ReadOnly(format!(
            "{}: no delivery to ask for",
            self.describe()
        )))
    }

    /// uid → user name in the password database of the queue's host for `uids` (local
    /// submitters), and `mail_owner`'s uid. Empty when unknown (a capture, the demo).
    fn local_users(&self, uids: &[u32]) -> crate::model::submitter::Users {
        let _ = uids;
        crate::model::submitter::Users::default()
    }

    /// Why this queue has no message contents at all (a `postqueue -j` capture), if it has
    /// none: then nothing is indexed, and the user is told once.
    fn contents_unavailable(&self) -> Option<String> {
        None
    }

    /// A fingerprint of the queue directories' modification times
    /// ([`queue_dirs::stamp`]): equal before two listings, the second would show the same.
    /// `None` when it cannot be known (not root, remote, a file): then always list.
    fn change_stamp(&self) -> Option<u64> {
        None
    }

    /// The real instance behind this queue, when there is one: the mail log adapter runs
    /// its programs (`postconf`, `journalctl`, remote `cat`) through it.
    fn postfix(&self) -> Option<&local::Postfix> {
        None
    }
}
