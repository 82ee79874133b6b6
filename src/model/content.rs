//! What a queued message's *contents* say: who submitted it (SASL account, client address)
//! and, for a non-delivery report, the spam that caused it.
//!
//! NDRs are `multipart/report; report-type=delivery-status` messages. Their
//! `message/delivery-status` part names the bounced recipient (`Final-Recipient`,
//! `Status`, `Diagnostic-Code`, Postfix's `X-Postfix-Sender`), and the returned original
//! (`message/rfc822` or `text/rfc822-headers`) carries the spam campaign's `From:` and
//! `Subject:`. Parsing is done by `mail-parser` (with its full charset support, for
//! ISO-2022-JP and friends), never by hand.

use std::collections::HashMap;
use std::sync::Arc;

use mail_parser::{HeaderName, Message as MimeMessage, MessageParser, MimeHeaders, PartType};
use serde::Serialize;

use super::filter::{ContentField, ContentLookup};
use super::text::sanitize;
use super::{MessageKey, QueueFile, Snapshot};

/// Facts from one queue file. All strings are decoded and sanitized.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Content {
    pub sasl_username: Option<String>,
    pub sasl_method: Option<String>,
    pub client_address: Option<String>,
    pub client_name: Option<String>,
    pub helo: Option<String>,
    pub protocol: Option<String>,
    /// The message's own `From:` (display name, address) and `Subject:`.
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// The sender asked for delivery status notifications (DSN) when submitting.
    pub dsn: bool,
    /// Precomputed for filters and grouping: the effective `From:` as `Name <address>`
    /// (the original's, for an NDR).
    pub from_line: Option<String>,
    /// The message's own headers as campaign features (for mail that is not an NDR: the
    /// outbound spam of a compromised account carries the same features as the originals
    /// its NDRs return). `None` for NDRs.
    pub own: Option<Original>,
    /// Present when the message is a delivery report.
    pub ndr: Option<Ndr>,
    /// [`crate::model::campaign::features`] of [`Content::features_source`], computed once
    /// when the message is read (off the UI thread), not on every clustering.
    #[serde(skip)]
    pub features: Vec<crate::model::campaign::Feature>,
    /// The pickup uids of Postfix's own `Received:` chain, top first
    /// ([`super::submitter::chain_uids`]): of the message itself, or of the original a
    /// locally generated NDR returns.
    #[serde(skip)]
    pub local_uids: Vec<u32>,
    /// The local user who submitted it with `sendmail` (of the original, for an NDR this
    /// host generated), resolved with [`Content::set_users`].
    pub submitter: Option<super::submitter::Submitter>,
}

/// A delivery status notification and the original it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ndr {
    pub reporting_mta: Option<String>,
    /// Postfix's `X-Postfix-Sender`: the (forged) envelope sender the bounce goes back to.
    pub bounced_to: Option<String>,
    pub final_recipient: Option<String>,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
    pub original: Option<Original>,
}

/// The returned original (full message or headers only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Original {
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// The `From:` and `Subject:` header values as they travel (possibly encoded words):
    /// what Postfix's `header_checks` sees, so countermeasures are built from these.
    pub from_raw: Option<String>,
    pub subject_raw: Option<String>,
    pub message_id: Option<String>,
    pub date: Option<String>,
    /// `Received:` headers, newest first, unfolded.
    pub received: Vec<String>,
    /// The client address of the oldest `Received:` hop that names one: who injected the spam.
    pub client_ip: Option<String>,
    /// The HELO name of that oldest hop (`from HELO (…)`), when it names one.
    pub helo: Option<String>,
    /// `Reply-To:` address, lower-cased.
    pub reply_to: Option<String>,
    /// `X-Mailer:` (or `User-Agent:`), sanitized.
    pub x_mailer: Option<String>,
    /// Host names of URLs in the returned body (when the original came back whole) and in
    /// `List-Unsubscribe:`, lower-cased, de-duplicated, at most [`MAX_URL_HOSTS`].
    pub url_hosts: Vec<String>,
    /// The header lines `header_checks` would see, as `Name: value` with folding undone,
    /// raw (encoded words stay encoded, 8-bit text as it travels; NOT sanitized: only ever
    /// matched, never printed). From, Subject, Reply-To, Message-ID, X-Mailer.
    #[serde(skip)]
    pub raw_headers: Vec<String>,
    /// Body lines that carry a URL, raw, at most [`MAX_URL_HOSTS`] (what `body_checks` sees).
    #[serde(skip)]
    pub raw_url_lines: Vec<String>,
}

/// The `campaign` of a message that is in none (ordinary mail, an NDR sharing nothing).
pub const NO_CAMPAIGN: &str = "(no campaign)";

/// How many URL hosts (and URL body lines) of one message are kept.
pub const MAX_URL_HOSTS: usize = 8;

impl Content {
    /// The campaign features of this message: the returned original's for an NDR, the
    /// message's own headers otherwise.
    #[must_use]
    pub fn features_source(&self) -> Option<&Original> {
        match &self.ndr {
            Some(n) => n.original.as_ref(),
            None => self.own.as_ref(),
        }
    }

    /// The domain of the original sender (`From:`) behind an NDR, or of this message.
    #[must_use]
    pub fn original_sender_domain(&self) -> Option<String> {
        let addr = match self.ndr.as_ref().and_then(|n| n.original.as_ref()) {
            Some(o) => o.from_address.as_deref(),
            None => self.from_address.as_deref(),
        }?;
        let (_, d) = super::split_address(addr);
        (!d.is_empty()).then(|| d.to_ascii_lowercase())
    }

    fn effective_from_line(&self) -> Option<String> {
        let (name, addr) = match self.ndr.as_ref().and_then(|n| n.original.as_ref()) {
            Some(o) => (&o.from_name, &o.from_address),
            None => (&self.from_name, &self.from_address),
        };
        match (name, addr) {
            (Some(n), Some(a)) => Some(format!("{n} <{a}>")),
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (None, None) => None,
        }
    }

    /// Name the local submitter with the queue host's password database.
    pub fn set_users(&mut self, users: &super::submitter::Users) {
        self.submitter = super::submitter::resolve(&self.local_uids, users);
    }

    /// The original subject for NDRs, the own subject otherwise.
    #[must_use]
    pub fn effective_subject(&self) -> Option<&str> {
        self.ndr
            .as_ref()
            .and_then(|n| n.original.as_ref())
            .and_then(|o| o.subject.as_deref())
            .or(self.subject.as_deref())
    }
}

/// Extract everything we know from a queue file.
#[must_use]
pub fn extract(file: &QueueFile) -> Content {
    let attr = |k: &str| file.attribute(k).map(clean);
    let mut c = Content {
        sasl_username: attr("sasl_username"),
        sasl_method: attr("sasl_method"),
        client_address: attr("log_client_address").or_else(|| attr("client_address")),
        client_name: attr("log_client_name").or_else(|| attr("client_name")),
        helo: attr("log_helo_name").or_else(|| attr("helo_name")),
        protocol: attr("log_protocol").or_else(|| attr("protocol_name")),
        dsn: file
            .envelope
            .iter()
            .any(|(k, v)| k.starts_with("dsn_") && !v.is_empty() && v != "0")
            || file.attributes.iter().any(|(k, _)| k.starts_with("dsn_")),
        ..Content::default()
    };
    let raw = file.raw_message();
    if raw.is_empty() {
        return c;
    }
    let Some(msg) = MessageParser::default().parse(&raw) else {
        return c;
    };
    (c.from_name, c.from_address) = from_of(&msg);
    c.subject = msg.subject().map(clean);
    c.ndr = ndr_of(&msg);
    if c.ndr.is_none() {
        let own = original_of(&msg);
        c.local_uids = super::submitter::chain_uids(&own.received);
        c.own = Some(own);
    } else {
        let original = c.ndr.as_ref().and_then(|n| n.original.as_ref());
        c.local_uids = super::submitter::ndr_chain_uids(
            &received_of(&msg),
            original.map_or(&[][..], |o| &o.received),
        );
    }
    c.set_users(&super::submitter::Users::default());
    if let Some(o) = c.features_source() {
        c.features = crate::model::campaign::features(o);
    }
    c.from_line = c.effective_from_line();
    c
}

fn clean(s: &str) -> String {
    sanitize(s.trim()).into_owned()
}

fn from_of(msg: &MimeMessage<'_>) -> (Option<String>, Option<String>) {
    let Some(a) = msg.from().and_then(|f| f.first()) else {
        return (None, None);
    };
    (
        a.name().map(clean).filter(|n| !n.is_empty()),
        a.address().map(|s| clean(s).to_ascii_lowercase()),
    )
}

fn ndr_of(msg: &MimeMessage<'_>) -> Option<Ndr> {
    let root = msg.root_part();
    let report = root.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    let mut ndr = Ndr::default();
    let mut found_status = false;
    for part in &msg.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let (t, s) = (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        );
        match (t.as_str(), s.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                found_status = true;
                parse_delivery_status(part.contents(), &mut ndr);
            }
            ("message", "rfc822") | ("message", "global") if ndr.original.is_none() => {
                ndr.original = match &part.body {
                    PartType::Message(m) => Some(original_of(m)),
                    _ => MessageParser::default()
                        .parse(part.contents())
                        .map(|m| original_of(&m)),
                };
            }
            ("text", "rfc822-headers") if ndr.original.is_none() => {
                let mut h = part.contents().to_vec();
                h.extend_from_slice(b"\r\n\r\n");
                ndr.original = MessageParser::default().parse(&h).map(|m| original_of(&m));
            }
            _ => {}
        }
    }
    // Some MTAs send plain-text bounces with the original inlined after a marker line.
    if !report && !found_status && ndr.original.is_none() {
        return plain_text_bounce(msg);
    }
    Some(ndr)
}

/// Older and non-Postfix MTAs (qmail, some Exchange setups) send a plain-text bounce whose
/// body quotes the original after a line like `--- Below this line is a copy of the message.`
fn plain_text_bounce(msg: &MimeMessage<'_>) -> Option<Ndr> {
    let subject = msg.subject().unwrap_or("").to_ascii_lowercase();
    let bounce_subject = [
        "undeliver",
        "delivery status",
        "returned mail",
        "delivery fail",
        "failure notice",
        "non remis",
        "unzustellbar",
    ]
    .iter()
    .any(|k| subject.contains(k));
    if !bounce_subject {
        return None;
    }
    let body = msg.body_text(0)?;
    let markers = [
        "below this line is a copy of the message",
        "original message follows",
        "------ this is a copy of the message",
    ];
    let lower = body.to_ascii_lowercase();
    let pos = markers.iter().filter_map(|m| lower.find(m)).min()?;
    let rest = &body[pos..];
    let start = rest.find('\n').map_or(rest.len(), |i| i + 1);
    let quoted = rest[start..].trim_start_matches(['\r', '\n']);
    let original = MessageParser::default()
        .parse(quoted.as_bytes())
        .map(|m| original_of(&m));
    Some(Ndr {
        original,
        ..Ndr::default()
    })
}

fn original_of(m: &MimeMessage<'_>) -> Original {
    let (from_name, from_address) = from_of(m);
    let received = received_of(m);
    // mail-parser understands the common `Received:` forms; Exim's `from [ip] (helo=…)`
    // and other oddities fall back to the first bracketed address of the oldest hop.
    let client_ip = m
        .header_values(HeaderName::Received)
        .filter_map(|v| v.as_received())
        .filter_map(|r| r.from_ip.map(|ip| ip.to_string()))
        .last()
        .or_else(|| received.iter().rev().find_map(|r| bracketed_ip(r)));
    let helo = received.last().and_then(|r| received_helo(r));
    let raw = |name: &str| {
        m.headers_raw()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| clean(&unfold(v)))
    };
    let raw_headers: Vec<String> = m
        .headers_raw()
        .filter(|(n, _)| {
            ["from", "subject", "reply-to", "message-id", "x-mailer"]
                .iter()
                .any(|k| n.eq_ignore_ascii_case(k))
        })
        .map(|(n, v)| format!("{n}: {}", unfold(v)))
        .collect();
    let reply_to = m
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|s| clean(s).to_ascii_lowercase());
    let x_mailer = raw("x-mailer").or_else(|| raw("user-agent"));
    let mut url_hosts = Vec::new();
    let mut raw_url_lines = Vec::new();
    if let Some(v) = raw("list-unsubscribe") {
        push_url_hosts(&v, &mut url_hosts);
    }
    if let Some(body) = m.body_text(0) {
        for line in body.lines() {
            if push_url_hosts(line, &mut url_hosts) && raw_url_lines.len() < MAX_URL_HOSTS {
                raw_url_lines.push(line.trim_end().to_owned());
            }
            if url_hosts.len() >= MAX_URL_HOSTS {
                break;
            }
        }
    }
    Original {
        from_name,
        from_address,
        from_raw: raw("from"),
        subject_raw: raw("subject"),
        subject: m.subject().map(clean),
        message_id: m.message_id().map(clean),
        date: m.date().map(mail_parser::DateTime::to_rfc3339),
        received,
        client_ip,
        helo,
        reply_to,
        x_mailer,
        url_hosts,
        raw_headers,
        raw_url_lines,
    }
}

/// `Received:` headers, newest first, unfolded and sanitized.
fn received_of(m: &MimeMessage<'_>) -> Vec<String> {
    m.headers_raw()
        .filter(|(n, _)| n.eq_ignore_ascii_case("received"))
        .map(|(_, v)| clean(&unfold(v)))
        .collect()
}

/// Undo header folding: line breaks and the whitespace after them become one space.
fn unfold(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `from HELO (…)` of a `Received:` line: the name the client gave.
fn received_helo(r: &str) -> Option<String> {
    let rest = r.trim_start().strip_prefix("from ")?;
    let name = rest.split_whitespace().next()?;
    (!name.starts_with('[') && !name.starts_with('(') && name.contains('.'))
        .then(|| name.trim_end_matches([';', ')']).to_ascii_lowercase())
}

/// Add the host of every `http://`/`https://` URL in `text` to `hosts` (no duplicates).
/// True when `text` has a URL at all.
fn push_url_hosts(text: &str, hosts: &mut Vec<String>) -> bool {
    let lower = text.to_ascii_lowercase();
    let mut found = false;
    let mut from = 0;
    while let Some(i) = lower[from..].find("http") {
        let at = from + i;
        from = at + 4;
        let rest = &lower[at..];
        let Some(after) = rest
            .strip_prefix("https://")
            .or_else(|| rest.strip_prefix("http://"))
        else {
            continue;
        };
        let host: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        let host = host.trim_matches('.').to_owned();
        if host.contains('.') {
            found = true;
            if !hosts.contains(&host) && hosts.len() < MAX_URL_HOSTS {
                hosts.push(clean(&host));
            }
        }
    }
    found
}

fn bracketed_ip(received: &str) -> Option<String> {
    received.split('[').skip(1).find_map(|rest| {
        let inner = rest.split(']').next()?;
        let inner = inner.strip_prefix("IPv6:").unwrap_or(inner);
        inner
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| ip.to_string())
    })
}

/// `message/delivery-status` is a header-like block per message and per recipient.
fn parse_delivery_status(raw: &[u8], ndr: &mut Ndr) {
    let text = String::from_utf8_lossy(raw);
    let mut current: Option<(String, String)> = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some(f) = current.take() {
            fields.push(f);
        }
        if let Some((k, v)) = line.split_once(':') {
            current = Some((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    fields.extend(current);
    let strip_type = |v: &str| v.split_once(';').map_or(v, |(_, a)| a).trim().to_owned();
    for (k, v) in fields {
        let slot = match k.as_str() {
            "reporting-mta" => &mut ndr.reporting_mta,
            "x-postfix-sender" => &mut ndr.bounced_to,
            "final-recipient" => &mut ndr.final_recipient,
            "status" => &mut ndr.status,
            "diagnostic-code" => &mut ndr.diagnostic,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(clean(&strip_type(&v)));
        }
    }
}

/// Extracted contents of many messages, keyed by what identifies a message across
/// listings (so a reused queue ID never inherits another message's contents).
#[derive(Debug, Clone, Default)]
pub struct ContentIndex {
    by_key: HashMap<MessageKey, Arc<Content>>,
}

impl ContentIndex {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, key: MessageKey, content: Content) {
        self.by_key.insert(key, Arc::new(content));
    }

    #[must_use]
    pub fn get(&self, key: &MessageKey) -> Option<&Arc<Content>> {
        self.by_key.get(key)
    }

    #[must_use]
    pub fn contains(&self, key: &MessageKey) -> bool {
        self.by_key.contains_key(key)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Take over everything `other` holds (newer contents win). How the TUI merges a
    /// background batch into the index it owns without re-reading anything.
    pub fn extend(&mut self, other: ContentIndex) {
        self.by_key.extend(other.by_key);
    }

    /// Forget messages that are no longer queued.
    pub fn retain(&mut self, mut keep: impl FnMut(&MessageKey) -> bool) {
        self.by_key.retain(|k, _| keep(k));
    }
}

/// The content index seen through one snapshot: what filters and grouping ask for by
/// message index. The queue's campaigns ([`crate::model::storm::queue_campaigns`]) are
/// clustered on the first `campaign` lookup and kept for the view's lifetime.
pub struct ContentView<'a> {
    snapshot: &'a Snapshot,
    by_index: Vec<Option<&'a Content>>,
    campaigns: std::sync::OnceLock<crate::model::storm::QueueCampaigns>,
}

impl<'a> ContentView<'a> {
    #[must_use]
    pub fn new(snapshot: &'a Snapshot, index: &'a ContentIndex) -> Self {
        Self {
            snapshot,
            by_index: snapshot
                .messages
                .iter()
                .map(|m| index.get(&m.key()).map(AsRef::as_ref))
                .collect(),
            campaigns: std::sync::OnceLock::new(),
        }
    }

    #[must_use]
    pub fn get(&self, msg_index: u32) -> Option<&'a Content> {
        self.by_index.get(msg_index as usize).copied().flatten()
    }

    /// The queue's campaigns, clustered once per view.
    #[must_use]
    pub fn campaigns(&self) -> &crate::model::storm::QueueCampaigns {
        self.campaigns
            .get_or_init(|| crate::model::storm::queue_campaigns(self.snapshot, self))
    }

    /// The campaign (its definition) of message `msg_index`; [`NO_CAMPAIGN`] for a message
    /// whose contents are known but belong to no campaign.
    fn campaign(&self, msg_index: u32) -> Option<&str> {
        self.get(msg_index)?;
        let qc = self.campaigns();
        match qc.by_msg.get(msg_index as usize).copied().flatten() {
            Some(c) => Some(qc.clustering.clusters.get(c as usize)?.definition.as_str()),
            None => Some(NO_CAMPAIGN),
        }
    }
}

impl ContentLookup for ContentView<'_> {
    fn field(&self, msg_index: u32, field: ContentField) -> Option<&str> {
        let c = self.get(msg_index)?;
        match field {
            ContentField::Subject => c.effective_subject(),
            ContentField::From => c.from_line.as_deref(),
            ContentField::Campaign => self.campaign(msg_index),
            ContentField::Sasl => c.sasl_username.as_deref(),
            ContentField::Client => c.client_address.as_deref().or(c.client_name.as_deref()),
            ContentField::Helo => c.helo.as_deref(),
            ContentField::Submitter => c.submitter.as_ref().map(super::submitter::Submitter::key),
            ContentField::SubmitterUid => c.submitter.as_ref().map(|s| s.uid_text.as_str()),
        }
    }
}

#[cfg(test)]
mod tests;
