//! `--read-only` as a property of the opened queue: [`ReadOnly`] wraps any [`MailQueue`]
//! and refuses every change, whichever path asks (TUI, command line, local, `--host`).
//! Listing and reading queue files pass through unchanged.

use std::ops::Deref;
use std::sync::Arc;

use super::{MailQueue, OpReport, PostfixError, QueueOp, ReadParts, ReadReport, Target};
use crate::model::{Message, QueueId, Snapshot};

/// Why a queue opened with `--read-only` refuses to change.
pub const READ_ONLY_FLAG: &str = "started with --read-only";

/// A queue that lists and reads like `Q` but never changes.
#[derive(Debug)]
pub struct ReadOnly<Q> {
    inner: Q,
    why: String,
}

impl<Q> ReadOnly<Q> {
    pub fn new(inner: Q, why: impl Into<String>) -> Self {
        Self {
            inner,
            why: why.into(),
        }
    }
}

/// `queue`, read-only when `read_only` is set (boxed: the command line).
#[must_use]
pub fn boxed(queue: Box<dyn MailQueue>, read_only: bool) -> Box<dyn MailQueue> {
    if read_only {
        Box::new(ReadOnly::new(queue, READ_ONLY_FLAG))
    } else {
        queue
    }
}

/// `queue`, read-only when `read_only` is set (shared: the TUI's sources).
#[must_use]
pub fn shared(queue: Arc<dyn MailQueue>, read_only: bool) -> Arc<dyn MailQueue> {
    if read_only {
        Arc::new(ReadOnly::new(queue, READ_ONLY_FLAG))
    } else {
        queue
    }
}

impl<Q> MailQueue for ReadOnly<Q>
where
    Q: Deref<Target = dyn MailQueue> + Send + Sync,
{
    fn list(&self) -> Result<Snapshot, PostfixError> {
        self.inner.list()
    }

    fn list_each(&self, each: &mut dyn FnMut(&Message)) -> Result<Snapshot, PostfixError> {
        self.inner.list_each(each)
    }

    fn list_each_without_retries(
        &self,
        each: &mut dyn FnMut(&Message),
    ) -> Result<Snapshot, PostfixError> {
        self.inner.list_each_without_retries(each)
    }

    fn change_stamp(&self) -> Option<u64> {
        self.inner.change_stamp()
    }

    fn contents_unavailable(&self) -> Option<String> {
        self.inner.contents_unavailable()
    }

    fn local_users(&self, uids: &[u32]) -> crate::model::submitter::Users {
        self.inner.local_users(uids)
    }

    fn apply(&self, _op: QueueOp, _targets: &[Target]) -> Result<OpReport, PostfixError> {
        Err(PostfixError::ReadOnly(self.why.clone()))
    }

    fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError> {
        self.inner.read(ids, parts)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn read_only_reason(&self) -> Option<String> {
        Some(self.why.clone())
    }

    fn flush(&self, _what: &super::Flush) -> Result<super::FlushReport, PostfixError> {
        Err(PostfixError::ReadOnly(self.why.clone()))
    }

    // Reading the configuration changes nothing: the storm analysis of a read-only queue
    // sees the same `mynetworks` as a writable one.
    fn postconf(&self, name: &str) -> Option<String> {
        self.inner.postconf(name)
    }

    // The mail log adapter reads the log through the instance's runner (`postconf`,
    // `journalctl`, remote `cat`); `tests/architecture.rs` allows `.postfix()` only there,
    // so this is no path to postsuper.
    fn postfix(&self) -> Option<&super::local::Postfix> {
        self.inner.postfix()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QueueName;
    use crate::postfix::replay::ReplayQueue;

    #[test]
    fn every_op_is_refused_and_the_queue_is_untouched() {
        let q = boxed(Box::new(ReplayQueue::demo()), true);
        let before = q.list().expect("list");
        let targets: Vec<Target> = before
            .messages
            .iter()
            .map(|m| Target {
                queue_id: m.queue_id.clone(),
                queue: m.queue.clone(),
            })
            .collect();
        for op in QueueOp::ALL {
            let err = q.apply(op, &targets).expect_err("read-only");
            assert!(matches!(err, PostfixError::ReadOnly(_)), "{err}");
        }
        let after = q.list().expect("list");
        assert_eq!(before.len(), after.len());
        assert_eq!(
            after
                .messages
                .iter()
                .filter(|m| m.queue == QueueName::Hold)
                .count(),
            before
                .messages
                .iter()
                .filter(|m| m.queue == QueueName::Hold)
                .count()
        );
        assert_eq!(q.read_only_reason().as_deref(), Some(READ_ONLY_FLAG));
        let shared = shared(Arc::new(ReplayQueue::demo()), true);
        assert!(shared.apply(QueueOp::Delete, &targets).is_err());
    }

    /// A queue with a configuration, as a real instance has.
    struct Configured(ReplayQueue);

    impl MailQueue for Configured {
        fn list(&self) -> Result<Snapshot, PostfixError> {
            self.0.list()
        }
        fn apply(&self, op: QueueOp, targets: &[Target]) -> Result<OpReport, PostfixError> {
            self.0.apply(op, targets)
        }
        fn read(&self, ids: &[QueueId], parts: ReadParts) -> Result<ReadReport, PostfixError> {
            self.0.read(ids, parts)
        }
        fn describe(&self) -> String {
            "configured".to_owned()
        }
        fn read_only_reason(&self) -> Option<String> {
            None
        }
        fn postconf(&self, name: &str) -> Option<String> {
            (name == "mynetworks").then(|| "10.0.0.0/8".to_owned())
        }
    }

    #[test]
    fn reading_the_configuration_passes_through() {
        // The storm analysis of a read-only queue must see the same mynetworks.
        let q = boxed(Box::new(Configured(ReplayQueue::demo())), true);
        assert_eq!(q.postconf("mynetworks").as_deref(), Some("10.0.0.0/8"));
        assert_eq!(q.postconf("relayhost"), None);
        assert!(q.postfix().is_none());
        assert!(q.apply(QueueOp::Hold, &[]).is_err());
    }
}
