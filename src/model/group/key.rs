//! Group keys and labels: what to group by, and the label of a message (or recipient)
//! under each key, computed once per distinct interned string.

use std::sync::Arc;

use serde::Serialize;

use super::NO_RECIPIENTS;
use crate::model::filter::{ContentField, ContentLookup, LoginLookup};
use crate::model::reason::{self, PtrMap, TextMap, family_shared, ptr_key};
use crate::model::{Message, QueueName, Recipient, shape, split_address};

/// What to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GroupKey {
    Sender,
    SenderDomain,
    Recipient,
    RecipientDomain,
    RecipientPattern,
    Reason,
    Queue,
    Age,
    Size,
    /// Content keys: known once the queue files were read (see `model::content`).
    Campaign,
    Sasl,
    Client,
    ClientNet,
    Helo,
    Subject,
    FromDomain,
    /// The local user who submitted it with `sendmail` (`from userid N`).
    Submitter,
    /// From the mail log: was the submitting address new for its account in the window?
    LoginNew,
}

/// `login-new` labels.
pub const LOGIN_NEW_YES: &str = "new address";
pub const LOGIN_NEW_NO: &str = "known address";
pub const NO_LOG_FACTS: &str = "(no log facts)";

/// Label of content-key groups for messages whose queue file was not (yet) read, or that
/// lack the value (e.g. mail submitted without SASL).
pub const UNKNOWN_CONTENT: &str = "(unknown)";

impl GroupKey {
    /// In the order `Tab` cycles through them.
    pub const ALL: [GroupKey; 18] = [
        GroupKey::Reason,
        GroupKey::Sender,
        GroupKey::SenderDomain,
        GroupKey::RecipientDomain,
        GroupKey::RecipientPattern,
        GroupKey::Recipient,
        GroupKey::Queue,
        GroupKey::Age,
        GroupKey::Size,
        GroupKey::Campaign,
        GroupKey::Sasl,
        GroupKey::Client,
        GroupKey::ClientNet,
        GroupKey::Helo,
        GroupKey::Subject,
        GroupKey::FromDomain,
        GroupKey::Submitter,
        GroupKey::LoginNew,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sender => "sender",
            Self::SenderDomain => "sender-domain",
            Self::Recipient => "rcpt",
            Self::RecipientDomain => "rcpt-domain",
            Self::RecipientPattern => "rcpt-pattern",
            Self::Reason => "reason",
            Self::Queue => "queue",
            Self::Age => "age",
            Self::Size => "size",
            Self::Campaign => "campaign",
            Self::Sasl => "sasl",
            Self::Client => "client",
            Self::ClientNet => "client-net",
            Self::Helo => "helo",
            Self::Subject => "subject",
            Self::FromDomain => "from-domain",
            Self::Submitter => "submitter",
            Self::LoginNew => "login-new",
        }
    }

    /// Keys whose value comes from the message contents (the content index).
    #[must_use]
    pub fn needs_content(self) -> bool {
        matches!(
            self,
            Self::Campaign
                | Self::Sasl
                | Self::Client
                | Self::ClientNet
                | Self::Helo
                | Self::Subject
                | Self::FromDomain
                | Self::Submitter
        )
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Keys whose value comes from the mail log (read only when such a key is chosen).
    #[must_use]
    pub fn needs_log(self) -> bool {
        self == Self::LoginNew
    }

    /// Keys whose value belongs to a recipient rather than to the whole message.
    #[must_use]
    pub fn is_recipient_level(self) -> bool {
        matches!(
            self,
            Self::Recipient | Self::RecipientDomain | Self::RecipientPattern | Self::Reason
        )
    }

    /// The next key in [`GroupKey::ALL`] (wrapping).
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The previous key in [`GroupKey::ALL`] (wrapping).
    #[must_use]
    pub fn prev(self) -> Self {
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// The shape of a recipient address: the domain is kept, the local part loses what varies
/// from one forged address to the next.
///
/// `victim1@a.example`, `victim22@a.example` → `victim<n>@a.example`; hex, base64-ish and
/// consonant-soup local parts → `<random>@a.example`; SRS and BATV wrappers → `<srs>`,
/// `<batv>`; a `+tag` → `+<tag>`.
#[must_use]
pub fn recipient_pattern(addr: &str) -> String {
    let (local, domain) = split_address(addr);
    let mut out = local_pattern(local);
    if !domain.is_empty() {
        out.push('@');
        out.push_str(&domain.to_ascii_lowercase());
    }
    out
}

fn local_pattern(local: &str) -> String {
    let lower = local.to_lowercase();
    if lower.starts_with("srs0=") || lower.starts_with("srs1=") {
        return "<srs>".to_owned();
    }
    if lower.starts_with("prvs=") || lower.starts_with("btv1=") || lower.starts_with("msprvs1=") {
        return "<batv>".to_owned();
    }
    if let Some((base, _tag)) = local.split_once('+') {
        return format!("{}+<tag>", local_pattern(base));
    }
    if looks_random(local) {
        return "<random>".to_owned();
    }
    let mut out = String::with_capacity(lower.len());
    let mut in_digits = false;
    for c in lower.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push_str("<n>");
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

/// Machine-made local parts: hex strings, base64-ish tokens, letter/digit salad and
/// consonant soup. Real names with a number (`john.smith1984`) are not random.
fn looks_random(local: &str) -> bool {
    let n = local.chars().count();
    if n < 6 {
        return false;
    }
    let digits = local.bytes().filter(u8::is_ascii_digit).count();
    let letters: Vec<u8> = local
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let transitions = local
        .as_bytes()
        .windows(2)
        .filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit())
        .count();
    if n >= 8 && digits > 0 && !letters.is_empty() && local.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    if transitions >= 4 {
        return true;
    }
    let upper = local.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = local.bytes().filter(u8::is_ascii_lowercase).count();
    if n >= 12 && digits > 0 && upper > 0 && lower > 0 && !local.contains(['.', '_', '-']) {
        return true;
    }
    let vowels = letters
        .iter()
        .filter(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
        .count();
    letters.len() >= 6 && vowels * 8 < letters.len()
}

/// qshape's age buckets, in minutes (upper limits, exclusive), with their labels;
/// [`shape::age_bucket`] computes the bucket.
pub const AGE_BUCKETS: [(i64, &str); shape::BUCKETS] = [
    (5, "0-5m"),
    (10, "5-10m"),
    (20, "10-20m"),
    (40, "20-40m"),
    (80, "40-80m"),
    (160, "80-160m"),
    (320, "160-320m"),
    (640, "320-640m"),
    (1280, "640-1280m"),
    (i64::MAX, "1280m+"),
];

fn age_index(age_secs: i64) -> usize {
    shape::age_bucket(age_secs)
}

/// qshape's age buckets, in minutes.
#[must_use]
pub fn age_bucket(age_secs: i64) -> &'static str {
    AGE_BUCKETS[age_index(age_secs)].1
}

const SIZE_BUCKETS: [(u64, &str); 7] = [
    (4_096, "<4K"),
    (16_384, "4-16K"),
    (65_536, "16-64K"),
    (262_144, "64-256K"),
    (1_048_576, "256K-1M"),
    (10_485_760, "1-10M"),
    (u64::MAX, ">10M"),
];

fn size_index(size: u64) -> usize {
    SIZE_BUCKETS
        .iter()
        .position(|(lim, _)| size < *lim)
        .unwrap_or(SIZE_BUCKETS.len() - 1)
}

/// Size buckets on powers of four from 4 KiB.
#[must_use]
pub fn size_bucket(size: u64) -> &'static str {
    SIZE_BUCKETS[size_index(size)].1
}

/// Turns messages/recipients into label numbers for one key, computing each label once
/// per distinct interned string. Label numbers are assigned in order of first appearance,
/// so they double as group indices.
pub(super) struct Labeler<'c> {
    key: GroupKey,
    now: i64,
    content: Option<&'c dyn ContentLookup>,
    pub(super) logins: Option<&'c dyn LoginLookup>,
    by_ptr: PtrMap<u32>,
    by_text: TextMap<u32>,
    pub(super) labels: Vec<Arc<str>>,
    /// Small fixed keys (age, size, queue, "no reason"): slot → label number.
    fixed: [u32; 16],
    last: Option<(usize, u32)>,
}

pub(super) const UNSET: u32 = u32::MAX;
const SLOT_NO_REASON: usize = 15;
const SLOT_UNKNOWN_CONTENT: usize = 13;
const SLOT_NO_RECIPIENTS: usize = 14;
// Age and size buckets use 0..10; login-new's three labels share no slot with them.
const SLOT_LOGIN_NEW: usize = 10;
const SLOT_LOGIN_KNOWN: usize = 11;
const SLOT_NO_LOG_FACTS: usize = 12;

/// The domain part of an address as a label, lower-cased only when it has to be.
fn domain_label(addr: &str) -> std::borrow::Cow<'_, str> {
    let (_, d) = split_address(addr);
    if d.is_empty() {
        std::borrow::Cow::Borrowed("(local)")
    } else if d.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(d.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(d)
    }
}

impl<'c> Labeler<'c> {
    pub(super) fn new(key: GroupKey, now: i64, content: Option<&'c dyn ContentLookup>) -> Self {
        Self {
            key,
            now,
            content,
            logins: None,
            by_ptr: PtrMap::default(),
            by_text: TextMap::default(),
            labels: Vec::new(),
            fixed: [UNSET; 16],
            last: None,
        }
    }

    /// The label number of `text`; `owned` is reused as the label when it is new.
    fn text_label(&mut self, text: &str, owned: Option<&Arc<str>>) -> u32 {
        if let Some(&l) = self.by_text.get(text) {
            return l;
        }
        let l = u32::try_from(self.labels.len()).unwrap_or(UNSET);
        let a: Arc<str> = owned.cloned().unwrap_or_else(|| Arc::from(text));
        self.labels.push(a.clone());
        self.by_text.insert(a, l);
        l
    }

    fn fixed_label(&mut self, slot: usize, text: &str) -> u32 {
        if self.fixed[slot] == UNSET {
            self.fixed[slot] = self.text_label(text, None);
        }
        self.fixed[slot]
    }

    /// Label of `s` through `f`, cached by the pointer of `s`.
    fn ptr_label(&mut self, s: &Arc<str>, f: fn(&mut Self, &Arc<str>) -> u32) -> u32 {
        let p = ptr_key(s);
        if let Some((lp, l)) = self.last
            && lp == p
        {
            return l;
        }
        let l = if let Some(&l) = self.by_ptr.get(&p) {
            l
        } else {
            let l = f(self, s);
            self.by_ptr.insert(p, l);
            l
        };
        self.last = Some((p, l));
        l
    }

    /// The label of a content key for message `i`.
    fn content_label(&mut self, i: u32) -> u32 {
        let field = match self.key {
            GroupKey::Campaign => ContentField::Campaign,
            GroupKey::Sasl => ContentField::Sasl,
            GroupKey::Client | GroupKey::ClientNet => ContentField::Client,
            GroupKey::Helo => ContentField::Helo,
            GroupKey::Subject => ContentField::Subject,
            GroupKey::Submitter => ContentField::Submitter,
            _ => ContentField::From,
        };
        let value = self.content.and_then(|c| c.field(i, field));
        let Some(v) = value.filter(|v| !v.is_empty()) else {
            return self.fixed_label(SLOT_UNKNOWN_CONTENT, UNKNOWN_CONTENT);
        };
        match self.key {
            GroupKey::ClientNet => self.text_label(&client_net(v), None),
            GroupKey::FromDomain => {
                let addr = v
                    .rsplit_once('<')
                    .map_or(v, |(_, a)| a.trim_end_matches('>'));
                self.text_label(&domain_label(addr), None)
            }
            _ => self.text_label(v, None),
        }
    }

    /// The label of `m` (message-level keys) or of recipient `r` of `m`; `i` is the
    /// index of `m` in the snapshot.
    pub(super) fn label(&mut self, m: &Message, i: u32, r: Option<&Recipient>) -> u32 {
        if self.key.needs_content() {
            return self.content_label(i);
        }
        match self.key {
            GroupKey::Sender => self.ptr_label(&m.sender, |l, s| l.text_label(s, Some(s))),
            GroupKey::SenderDomain => {
                self.ptr_label(&m.sender, |l, s| l.text_label(&domain_label(s), None))
            }
            GroupKey::Queue => match &m.queue {
                QueueName::Other(name) => self.text_label(name, Some(name)),
                q => self.fixed_label(q.index(), q.as_str()),
            },
            GroupKey::Age => {
                let i = age_index(m.age(self.now));
                self.fixed_label(i, AGE_BUCKETS[i].1)
            }
            GroupKey::Size => {
                let i = size_index(m.size);
                self.fixed_label(i, SIZE_BUCKETS[i].1)
            }
            GroupKey::Recipient
            | GroupKey::RecipientDomain
            | GroupKey::RecipientPattern
            | GroupKey::Reason => {
                let Some(r) = r else {
                    return self.fixed_label(SLOT_NO_RECIPIENTS, NO_RECIPIENTS);
                };
                // Recipient addresses rarely repeat in a storm: a pointer cache would cost an
                // insert per address, more than hashing the (short) text directly.
                match self.key {
                    GroupKey::Recipient => self.text_label(&r.address, Some(&r.address)),
                    GroupKey::RecipientDomain => self.text_label(&domain_label(&r.address), None),
                    GroupKey::RecipientPattern => {
                        self.ptr_label(&r.address, |l, s| l.text_label(&recipient_pattern(s), None))
                    }
                    _ => match (&r.family, &r.delay_reason) {
                        // Computed at parse time: a handful of shared `Arc`s.
                        (Some(fam), _) => self.ptr_label(fam, |l, f| l.text_label(f, Some(f))),
                        (None, Some(reason)) => self.ptr_label(reason, |l, s| {
                            let fam = family_shared(s);
                            l.text_label(&fam, Some(&fam))
                        }),
                        (None, None) => self.fixed_label(SLOT_NO_REASON, reason::NO_REASON),
                    },
                }
            }
            GroupKey::LoginNew => match self.logins.and_then(|l| l.login_new(i)) {
                Some(true) => self.fixed_label(SLOT_LOGIN_NEW, LOGIN_NEW_YES),
                Some(false) => self.fixed_label(SLOT_LOGIN_KNOWN, LOGIN_NEW_NO),
                None => self.fixed_label(SLOT_NO_LOG_FACTS, NO_LOG_FACTS),
            },
            _ => self.fixed_label(SLOT_UNKNOWN_CONTENT, UNKNOWN_CONTENT),
        }
    }
}

/// The /24 (IPv4) or /48 (IPv6) network of a client address; other text as-is.
#[must_use]
pub fn client_net(addr: &str) -> String {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.0/24", o[0], o[1], o[2])
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
        Err(_) => addr.to_owned(),
    }
}
