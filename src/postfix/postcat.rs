//! `postcat -q -e…` output → [`QueueFile`]s. TODO(adapter helper): implement.

use crate::model::QueueFile;

/// Split batched `postcat -e` output at its section separators.
#[derive(Debug, Default)]
pub struct PostcatOutput {
    pub files: Vec<QueueFile>,
}

#[must_use]
pub fn parse_output(_out: &[u8]) -> PostcatOutput {
    PostcatOutput::default()
}
