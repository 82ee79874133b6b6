//! What `postcat -q -e…` tells about one queued message: envelope records, the
//! `named_attribute` records Postfix stores for SMTP-submitted mail, headers and body.

use serde::Serialize;

use super::{QueueId, QueueName};

/// One queued message as read from its queue file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueFile {
    pub queue_id: QueueId,
    /// The queue the file was found in (from postcat's section separator), when known.
    pub queue: Option<QueueName>,
    /// Envelope records in file order, e.g. (`sender`, `…`), (`recipient`, `…`).
    pub envelope: Vec<(String, String)>,
    /// `named_attribute: name=value` records: `sasl_username`, `log_client_address`, …
    pub attributes: Vec<(String, String)>,
    /// The message header block, raw bytes as queued (not sanitized; may be any charset).
    pub headers: Vec<u8>,
    /// The body, when it was asked for.
    pub body: Option<Vec<u8>>,
}

impl QueueFile {
    /// The value of a `named_attribute` (e.g. `sasl_username`), if present.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first envelope record with this name (e.g. `sender`, `create_time`).
    #[must_use]
    pub fn envelope_record(&self, name: &str) -> Option<&str> {
        self.envelope
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Headers followed by the body (if read): the message as a MIME parser wants it.
    #[must_use]
    pub fn raw_message(&self) -> Vec<u8> {
        let mut raw = self.headers.clone();
        if let Some(body) = &self.body {
            if !raw.ends_with(b"\n\n") {
                raw.push(b'\n');
            }
            raw.extend_from_slice(body);
        }
        raw
    }
}
