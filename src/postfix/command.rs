//! The real thing: `postqueue`, `postsuper`, `postcat`, `postconf` as child processes.
//! TODO(adapter helper): implement.

use std::path::PathBuf;

use super::{MailQueue, OpReport, PostfixError, QueueOp, ReadParts, ReadReport, Target};
use crate::model::{QueueId, Snapshot};

/// A local Postfix instance, selected by its config directory (`-c DIR`).
pub struct Postfix {
    config_dir: Option<PathBuf>,
}

impl Postfix {
    /// # Errors
    /// When the Postfix binaries cannot be found.
    pub fn new(config_dir: Option<PathBuf>) -> Result<Self, PostfixError> {
        Ok(Self { config_dir })
    }
}

impl MailQueue for Postfix {
    fn list(&self) -> Result<Snapshot, PostfixError> {
        Err(PostfixError::NotFound("postqueue".into()))
    }
    fn apply(&self, _op: QueueOp, _targets: &[Target]) -> Result<OpReport, PostfixError> {
        Err(PostfixError::NotFound("postsuper".into()))
    }
    fn read(&self, _ids: &[QueueId], _parts: ReadParts) -> Result<ReadReport, PostfixError> {
        Err(PostfixError::NotFound("postcat".into()))
    }
    fn describe(&self) -> String {
        match &self.config_dir {
            Some(d) => format!("postfix -c {}", d.display()),
            None => "postfix".into(),
        }
    }
    fn read_only_reason(&self) -> Option<String> {
        None
    }
}
