//! Grouping: the *shape* of the queue in one glance.
//!
//! [`group`] folds the selected messages of a [`Snapshot`] into [`Group`]s by a [`GroupKey`].
//! Message-level keys (sender, queue, age, …) put each message in exactly one group.
//! Recipient-level keys (recipient, domain, reason family) can put a message in several
//! groups; each group then counts the message once and only its own recipients, and the
//! totals of a [`Grouping`] never double-count.
//!
//! [`group2`] adds a second level (e.g. reason family → recipient domain). When either key
//! is recipient-level, grouping walks recipients, so a sub-group only holds the recipients
//! of its parent (the domains that saw *this* reason), not every recipient of the message.
//!
//! Speed: a storm repeats a few strings millions of times, so labels are computed once per
//! distinct interned string (keyed by its pointer) and groups are found by a label index;
//! nothing is allocated per message except the member lists.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::filter::{ContentField, ContentLookup};
use super::reason::{PtrMap, TextMap, family_shared, ptr_key};
use super::{Message, QueueName, Recipient, Snapshot, split_address};

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
}

/// Label of content-key groups for messages whose queue file was not (yet) read, or that
/// lack the value (e.g. mail submitted without SASL).
pub const UNKNOWN_CONTENT: &str = "(unknown)";

impl GroupKey {
    /// In the order `Tab` cycles through them.
    pub const ALL: [GroupKey; 17] = [
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

/// How many arrival-time buckets each group carries (for a sparkline).
pub const ARRIVAL_BUCKETS: usize = 24;

/// Label of recipient-level groups for messages that list no recipient at all.
pub const NO_RECIPIENTS: &str = "(no recipients)";

/// One group: who, how many, how big, how old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The key value (raw; sanitize before display).
    pub label: Arc<str>,
    /// Messages with at least one recipient in this group.
    pub messages: usize,
    /// Recipients in this group.
    pub recipients: usize,
    /// Total size of those messages.
    pub size: u64,
    pub oldest: i64,
    pub newest: i64,
    /// The soonest known next delivery attempt of its deferred mail ([`Message::next_retry`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_retry: Option<i64>,
    /// Messages per queue, indexed by `QueueName::index`.
    pub per_queue: [usize; 6],
    /// Messages by arrival time: [`ARRIVAL_BUCKETS`] equal slices of the selection's span
    /// ([`Grouping::span`]), oldest first. Shows whether a storm is still growing.
    pub arrivals: Vec<u32>,
    /// Sub-groups by the second key ([`group2`]); empty for one-level groupings.
    pub children: Vec<Group>,
    /// Indices into `Snapshot::messages`, in snapshot order.
    #[serde(skip)]
    pub members: Vec<u32>,
}

impl Group {
    fn new(label: Arc<str>) -> Self {
        Self {
            label,
            messages: 0,
            recipients: 0,
            size: 0,
            oldest: i64::MAX,
            newest: i64::MIN,
            next_retry: None,
            per_queue: [0; 6],
            arrivals: vec![0; ARRIVAL_BUCKETS],
            children: Vec::new(),
            members: Vec::new(),
        }
    }

    /// Messages of this group in `queue`.
    #[must_use]
    pub fn in_queue(&self, queue: &QueueName) -> usize {
        self.per_queue[queue.index()]
    }
}

/// The result of grouping a selection of a snapshot.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grouping {
    pub groups: Vec<Group>,
    /// Distinct messages in the selection (never double-counted).
    pub messages: usize,
    pub recipients: usize,
    pub size: u64,
    /// Oldest and newest arrival time in the selection: the range `Group::arrivals` covers.
    pub span: Option<(i64, i64)>,
}

/// How to order groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SortBy {
    #[default]
    Messages,
    Recipients,
    Size,
    Oldest,
    Newest,
    Label,
    /// Messages in `deferred`.
    Deferred,
    /// Messages in `hold`.
    Hold,
    /// Arrivals in the newest bucket: what is growing right now.
    Recent,
    /// The soonest next delivery attempt of deferred mail; groups without one come last.
    Retry,
}

impl SortBy {
    pub const ALL: [SortBy; 10] = [
        SortBy::Messages,
        SortBy::Recipients,
        SortBy::Size,
        SortBy::Oldest,
        SortBy::Newest,
        SortBy::Label,
        SortBy::Deferred,
        SortBy::Hold,
        SortBy::Recent,
        SortBy::Retry,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Recipients => "recipients",
            Self::Size => "size",
            Self::Oldest => "oldest",
            Self::Newest => "newest",
            Self::Label => "label",
            Self::Deferred => "deferred",
            Self::Hold => "hold",
            Self::Recent => "recent",
            Self::Retry => "retry",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
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
/// [`super::shape::age_bucket`] computes the bucket.
pub const AGE_BUCKETS: [(i64, &str); super::shape::BUCKETS] = [
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
    super::shape::age_bucket(age_secs)
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
struct Labeler<'c> {
    key: GroupKey,
    now: i64,
    content: Option<&'c dyn ContentLookup>,
    by_ptr: PtrMap<u32>,
    by_text: TextMap<u32>,
    labels: Vec<Arc<str>>,
    /// Small fixed keys (age, size, queue, "no reason"): slot → label number.
    fixed: [u32; 16],
    last: Option<(usize, u32)>,
}

const UNSET: u32 = u32::MAX;
const SLOT_NO_REASON: usize = 15;
const SLOT_UNKNOWN_CONTENT: usize = 13;
const SLOT_NO_RECIPIENTS: usize = 14;

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
    fn new(key: GroupKey, now: i64, content: Option<&'c dyn ContentLookup>) -> Self {
        Self {
            key,
            now,
            content,
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
    fn label(&mut self, m: &Message, i: u32, r: Option<&Recipient>) -> u32 {
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
                        (None, None) => self.fixed_label(SLOT_NO_REASON, super::reason::NO_REASON),
                    },
                }
            }
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

/// A group being built; `stamp` is the last message added (+1), so a message with several
/// recipients in one group is counted once without a per-message set.
struct Acc {
    group: Group,
    stamp: u32,
    parent: u32,
}

impl Acc {
    fn new(label: Arc<str>, parent: u32) -> Self {
        Self {
            group: Group::new(label),
            stamp: 0,
            parent,
        }
    }

    /// Count `m` (index `i`) once, and `rcpts` of its recipients.
    fn add(&mut self, m: &Message, i: u32, bucket: usize, rcpts: usize) {
        let g = &mut self.group;
        g.recipients += rcpts;
        if self.stamp == i + 1 {
            return;
        }
        self.stamp = i + 1;
        g.messages += 1;
        g.size = g.size.saturating_add(m.size);
        g.oldest = g.oldest.min(m.arrival_time);
        g.newest = g.newest.max(m.arrival_time);
        if let Some(t) = m.next_retry {
            g.next_retry = Some(g.next_retry.map_or(t, |n| n.min(t)));
        }
        g.per_queue[m.queue.index()] += 1;
        g.arrivals[bucket] += 1;
        g.members.push(i);
    }
}

/// Group the messages at `selection` (indices into `snapshot.messages`) by `key`.
#[must_use]
pub fn group(snapshot: &Snapshot, selection: &[u32], key: GroupKey, now: i64) -> Grouping {
    group_by(snapshot, selection, key, None, now, None)
}

/// Group by one or two keys, with the content index for content keys (campaign, sasl,
/// client, …). Without it, every message lands in [`UNKNOWN_CONTENT`] for those keys.
#[must_use]
pub fn group_with(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: Option<GroupKey>,
    now: i64,
    content: Option<&dyn ContentLookup>,
) -> Grouping {
    group_by(snapshot, selection, k1, k2, now, content)
}

/// Group by `k1`, and each group again by `k2` (into [`Group::children`]).
///
/// When either key is recipient-level, each recipient is placed by both keys at once:
/// `group2(.., Reason, RecipientDomain, ..)` lists under each reason family only the
/// domains whose recipients have that reason.
#[must_use]
pub fn group2(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: GroupKey,
    now: i64,
) -> Grouping {
    group_by(snapshot, selection, k1, Some(k2), now, None)
}

fn group_by(
    snapshot: &Snapshot,
    selection: &[u32],
    k1: GroupKey,
    k2: Option<GroupKey>,
    now: i64,
    content: Option<&dyn ContentLookup>,
) -> Grouping {
    let mut result = Grouping::default();
    let msgs = &snapshot.messages;
    let mut span: Option<(i64, i64)> = None;
    for &i in selection {
        if let Some(m) = msgs.get(i as usize) {
            let t = m.arrival_time;
            span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
    }
    result.span = span;
    let (t0, t1) = span.unwrap_or((0, 0));
    let width = i128::from(t1) - i128::from(t0) + 1;
    let bucket_of = |t: i64| -> usize {
        let b = (i128::from(t) - i128::from(t0)) * ARRIVAL_BUCKETS as i128 / width;
        usize::try_from(b).unwrap_or(0).min(ARRIVAL_BUCKETS - 1)
    };

    let per_recipient = k1.is_recipient_level() || k2.is_some_and(GroupKey::is_recipient_level);
    let mut lab1 = Labeler::new(k1, now, content);
    let mut lab2 = k2.map(|k| Labeler::new(k, now, content));
    let mut top: Vec<Acc> = Vec::new();
    let mut subs: Vec<Acc> = Vec::new();
    let mut sub_index: HashMap<(u32, u32), u32> = HashMap::new();

    let mut place = |m: &Message, i: u32, r: Option<&Recipient>, rcpts: usize, bucket: usize| {
        let l1 = lab1.label(m, i, r);
        if l1 as usize == top.len() {
            top.push(Acc::new(lab1.labels[l1 as usize].clone(), UNSET));
        }
        top[l1 as usize].add(m, i, bucket, rcpts);
        if let Some(lab2) = lab2.as_mut() {
            let l2 = lab2.label(m, i, r);
            let si = *sub_index.entry((l1, l2)).or_insert_with(|| {
                subs.push(Acc::new(lab2.labels[l2 as usize].clone(), l1));
                u32::try_from(subs.len() - 1).unwrap_or(UNSET)
            });
            subs[si as usize].add(m, i, bucket, rcpts);
        }
    };

    for &i in selection {
        let Some(m) = msgs.get(i as usize) else {
            continue;
        };
        result.messages += 1;
        result.recipients += m.recipients.len();
        result.size = result.size.saturating_add(m.size);
        let bucket = bucket_of(m.arrival_time);
        if !per_recipient {
            place(m, i, None, m.recipients.len(), bucket);
        } else if m.recipients.is_empty() {
            place(m, i, None, 0, bucket);
        } else {
            for r in &m.recipients {
                place(m, i, Some(r), 1, bucket);
            }
        }
    }

    let mut groups: Vec<Group> = top.into_iter().map(|a| a.group).collect();
    for s in subs {
        if let Some(parent) = groups.get_mut(s.parent as usize) {
            parent.children.push(s.group);
        }
    }
    result.groups = groups;
    result.sort(SortBy::Messages, true);
    result
}

fn sort_groups(groups: &mut [Group], by: SortBy, descending: bool) {
    groups.sort_by(|a, b| {
        let o = match by {
            SortBy::Messages => a.messages.cmp(&b.messages),
            SortBy::Recipients => a.recipients.cmp(&b.recipients),
            SortBy::Size => a.size.cmp(&b.size),
            SortBy::Oldest => b.oldest.cmp(&a.oldest),
            SortBy::Newest => a.newest.cmp(&b.newest),
            SortBy::Label => b.label.cmp(&a.label),
            SortBy::Deferred => a
                .in_queue(&QueueName::Deferred)
                .cmp(&b.in_queue(&QueueName::Deferred)),
            SortBy::Hold => a
                .in_queue(&QueueName::Hold)
                .cmp(&b.in_queue(&QueueName::Hold)),
            SortBy::Recent => a.arrivals.last().cmp(&b.arrivals.last()),
            // Descending = soonest first, like Oldest; unknown counts as never.
            SortBy::Retry => b
                .next_retry
                .unwrap_or(i64::MAX)
                .cmp(&a.next_retry.unwrap_or(i64::MAX)),
        };
        let o = if descending { o.reverse() } else { o };
        o.then_with(|| a.label.cmp(&b.label))
    });
    for g in groups {
        sort_groups(&mut g.children, by, descending);
    }
}

impl Grouping {
    /// Sort groups (and their sub-groups); ties are broken by label so the order is stable
    /// across refreshes. "Descending" means biggest, oldest, or A→Z first.
    pub fn sort(&mut self, by: SortBy, descending: bool) {
        sort_groups(&mut self.groups, by, descending);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use super::*;

    /// A message for tests (also used by the filter's tests).
    pub(crate) fn msg(
        id: &str,
        q: QueueName,
        t: i64,
        size: u64,
        sender: &str,
        rcpts: &[(&str, Option<&str>)],
    ) -> Message {
        Message {
            queue_id: id.into(),
            queue: q,
            arrival_time: t,
            size,
            sender: Arc::from(sender),
            null_sender: sender == "MAILER-DAEMON",
            forced_expire: false,
            next_retry: None,
            recipients: rcpts
                .iter()
                .map(|(a, r)| Recipient {
                    address: Arc::from(*a),
                    delay_reason: r.map(Arc::from),
                    family: None,
                })
                .collect(),
        }
    }

    fn snap(messages: Vec<Message>) -> Snapshot {
        Snapshot::new(messages, Vec::new(), 0, 10_000, Duration::ZERO)
    }

    fn all(s: &Snapshot) -> Vec<u32> {
        (0..u32::try_from(s.len()).expect("test value")).collect()
    }

    const TIMEOUT_A: &str = "connect to mx.a.example[192.0.2.1]:25: Connection timed out";
    const TIMEOUT_B: &str = "delivery temporarily suspended: connect to mx.b.example[192.0.2.2]:25: Connection timed out";
    const UNKNOWN: &str = "host mx.c.example[192.0.2.3] said: 550 5.1.1 <x@c.example>: User unknown (in reply to RCPT TO command)";

    fn storm() -> Snapshot {
        use QueueName::{Deferred, Hold};
        snap(vec![
            msg(
                "A1",
                Deferred,
                1_000,
                100,
                "MAILER-DAEMON",
                &[("v1@a.example", Some(TIMEOUT_A))],
            ),
            msg(
                "A2",
                Deferred,
                2_000,
                200,
                "MAILER-DAEMON",
                &[
                    ("v22@a.example", Some(TIMEOUT_A)),
                    ("v3@A.example", Some(TIMEOUT_A)),
                ],
            ),
            msg(
                "A3",
                Deferred,
                3_000,
                300,
                "MAILER-DAEMON",
                &[
                    ("x@b.example", Some(TIMEOUT_B)),
                    ("y@c.example", Some(UNKNOWN)),
                ],
            ),
            msg(
                "A4",
                Hold,
                9_000,
                5_000,
                "alice@Local.example",
                &[("bob@c.example", None)],
            ),
        ])
    }

    #[test]
    fn message_level_keys_put_each_message_once() {
        let s = storm();
        let g = group(&s, &all(&s), GroupKey::Sender, 10_000);
        assert_eq!(g.messages, 4);
        assert_eq!(g.recipients, 6);
        assert_eq!(g.size, 5_600);
        assert_eq!(g.groups.len(), 2);
        assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
        assert_eq!(g.groups[0].messages, 3);
        assert_eq!(g.groups[0].recipients, 5);
        assert_eq!(g.groups[0].members, vec![0, 1, 2]);
        assert_eq!(g.groups[0].oldest, 1_000);
        assert_eq!(g.groups[0].newest, 3_000);
        let d = group(&s, &all(&s), GroupKey::SenderDomain, 10_000);
        assert!(d.groups.iter().any(|g| &*g.label == "local.example"));
        let q = group(&s, &all(&s), GroupKey::Queue, 10_000);
        assert_eq!(q.groups[0].per_queue[QueueName::Deferred.index()], 3);
        assert_eq!(q.groups[1].in_queue(&QueueName::Hold), 1);
    }

    #[test]
    fn recipient_level_counts_messages_once_per_group_and_never_double_counts_totals() {
        let s = storm();
        let g = group(&s, &all(&s), GroupKey::RecipientDomain, 10_000);
        let a = g
            .groups
            .iter()
            .find(|g| &*g.label == "a.example")
            .expect("test value");
        // A2 has two a.example recipients (one upper-case): one message, two recipients.
        assert_eq!((a.messages, a.recipients), (2, 3));
        assert_eq!(a.size, 300);
        let c = g
            .groups
            .iter()
            .find(|g| &*g.label == "c.example")
            .expect("test value");
        assert_eq!((c.messages, c.recipients), (2, 2));
        // A3 is in b.example and c.example: per-group sums exceed the total, totals do not.
        let sum: usize = g.groups.iter().map(|g| g.messages).sum();
        assert_eq!(sum, 5);
        assert_eq!(g.messages, 4);
        assert_eq!(g.recipients, 6);
        let rsum: usize = g.groups.iter().map(|g| g.recipients).sum();
        assert_eq!(
            rsum, g.recipients,
            "each recipient lands in exactly one group"
        );
    }

    #[test]
    fn reasons_group_by_family() {
        let s = storm();
        let g = group(&s, &all(&s), GroupKey::Reason, 10_000);
        assert_eq!(g.groups.len(), 3);
        assert_eq!(
            &*g.groups[0].label,
            "connect to <host>: Connection timed out"
        );
        assert_eq!((g.groups[0].messages, g.groups[0].recipients), (3, 4));
        assert!(
            g.groups
                .iter()
                .any(|g| &*g.label == super::super::reason::NO_REASON)
        );
    }

    #[test]
    fn two_levels_keep_only_the_parents_recipients() {
        let s = storm();
        let g = group2(
            &s,
            &all(&s),
            GroupKey::Reason,
            GroupKey::RecipientDomain,
            10_000,
        );
        let timeout = &g.groups[0];
        let labels: Vec<&str> = timeout.children.iter().map(|c| &*c.label).collect();
        assert_eq!(labels, vec!["a.example", "b.example"]);
        assert_eq!(timeout.children[0].messages, 2);
        assert_eq!(timeout.children[0].recipients, 3);
        let unknown = g
            .groups
            .iter()
            .find(|g| g.label.contains("User unknown"))
            .expect("test value");
        assert_eq!(unknown.children.len(), 1);
        assert_eq!(&*unknown.children[0].label, "c.example");

        // Message-level under message-level.
        let g = group2(&s, &all(&s), GroupKey::Queue, GroupKey::Sender, 10_000);
        assert_eq!(g.groups[0].children.len(), 1);
        assert_eq!(g.groups[0].children[0].messages, 3);
        // Message-level parent, recipient-level child: the sender's recipients only.
        let g = group2(
            &s,
            &all(&s),
            GroupKey::Sender,
            GroupKey::RecipientDomain,
            10_000,
        );
        let md = &g.groups[0];
        assert_eq!(md.messages, 3);
        assert_eq!(md.recipients, 5);
        assert_eq!(md.children.len(), 3);
    }

    #[test]
    fn arrivals_cover_the_selection_span() {
        let s = storm();
        let g = group(&s, &all(&s), GroupKey::Sender, 10_000);
        assert_eq!(g.span, Some((1_000, 9_000)));
        let md = &g.groups[0];
        assert_eq!(md.arrivals.len(), ARRIVAL_BUCKETS);
        assert_eq!(md.arrivals.iter().sum::<u32>(), 3);
        assert_eq!(md.arrivals[0], 1);
        let alice = &g.groups[1];
        assert_eq!(alice.arrivals[ARRIVAL_BUCKETS - 1], 1);
    }

    #[test]
    fn selection_subsets_and_bad_indices() {
        let s = storm();
        let g = group(&s, &[3, 99], GroupKey::Sender, 10_000);
        assert_eq!(g.messages, 1);
        assert_eq!(g.groups.len(), 1);
        let e = group(&s, &[], GroupKey::Reason, 10_000);
        assert!(e.groups.is_empty());
        assert_eq!(e.span, None);
    }

    #[test]
    fn equal_text_in_different_arcs_is_one_group() {
        let s = snap(vec![
            msg(
                "B1",
                QueueName::Deferred,
                1,
                1,
                "same@x.example",
                &[("r@y.example", None)],
            ),
            msg(
                "B2",
                QueueName::Deferred,
                2,
                1,
                "same@x.example",
                &[("r@y.example", None)],
            ),
        ]);
        assert!(!Arc::ptr_eq(&s.messages[0].sender, &s.messages[1].sender));
        for key in GroupKey::ALL {
            let g = group(&s, &all(&s), key, 10);
            assert_eq!(g.groups.len(), 1, "{key:?}");
            assert_eq!(g.groups[0].messages, 2, "{key:?}");
        }
    }

    #[test]
    fn messages_without_recipients_still_show() {
        let s = snap(vec![msg(
            "C1",
            QueueName::Maildrop,
            1,
            1,
            "a@b.example",
            &[],
        )]);
        let g = group(&s, &all(&s), GroupKey::RecipientDomain, 10);
        assert_eq!(&*g.groups[0].label, NO_RECIPIENTS);
        assert_eq!((g.groups[0].messages, g.groups[0].recipients), (1, 0));
    }

    #[test]
    fn sorting_by_next_retry() {
        let mut s = snap(vec![
            msg(
                "R1",
                QueueName::Deferred,
                1,
                1,
                "a@x.example",
                &[("r@a.example", None)],
            ),
            msg(
                "R2",
                QueueName::Deferred,
                1,
                1,
                "b@x.example",
                &[("r@b.example", None)],
            ),
            msg(
                "R3",
                QueueName::Deferred,
                1,
                1,
                "b@x.example",
                &[("r@b.example", None)],
            ),
            msg(
                "R4",
                QueueName::Hold,
                1,
                1,
                "c@x.example",
                &[("r@c.example", None)],
            ),
        ]);
        let times: std::collections::HashMap<String, i64> = [("R1", 900), ("R2", 700), ("R3", 500)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        s.set_next_retries(&times);
        let mut g = group(&s, &all(&s), GroupKey::Sender, 10_000);
        let b = g.groups.iter().find(|g| &*g.label == "b@x.example");
        assert_eq!(
            b.and_then(|g| g.next_retry),
            Some(500),
            "the soonest member"
        );
        g.sort(SortBy::Retry, true);
        let order: Vec<&str> = g.groups.iter().map(|g| &*g.label).collect();
        assert_eq!(order, ["b@x.example", "a@x.example", "c@x.example"]);
        assert_eq!(SortBy::parse("retry"), Some(SortBy::Retry));
    }

    #[test]
    fn sorting() {
        let s = storm();
        let mut g = group(&s, &all(&s), GroupKey::Sender, 10_000);
        g.sort(SortBy::Size, true);
        assert_eq!(&*g.groups[0].label, "alice@Local.example");
        g.sort(SortBy::Oldest, true);
        assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
        g.sort(SortBy::Hold, true);
        assert_eq!(&*g.groups[0].label, "alice@Local.example");
        g.sort(SortBy::Deferred, true);
        assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
        g.sort(SortBy::Recent, true);
        assert_eq!(&*g.groups[0].label, "alice@Local.example");
        g.sort(SortBy::Label, true);
        assert_eq!(&*g.groups[0].label, "MAILER-DAEMON");
        g.sort(SortBy::Messages, false);
        assert_eq!(&*g.groups[0].label, "alice@Local.example");
        for k in SortBy::ALL {
            assert_eq!(SortBy::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn recipient_patterns() {
        assert_eq!(
            recipient_pattern("victim1@a.example"),
            "victim<n>@a.example"
        );
        assert_eq!(
            recipient_pattern("victim22@A.Example"),
            "victim<n>@a.example"
        );
        assert_eq!(
            recipient_pattern("3f9a0c77e1b2@a.example"),
            "<random>@a.example"
        );
        assert_eq!(
            recipient_pattern("xK9pQ2mZ7wLr4T@a.example"),
            "<random>@a.example"
        );
        assert_eq!(
            recipient_pattern("a1b2c3d4@a.example"),
            "<random>@a.example"
        );
        assert_eq!(
            recipient_pattern("qwrtzpkl@a.example"),
            "<random>@a.example"
        );
        assert_eq!(
            recipient_pattern("john.smith1984@a.example"),
            "john.smith<n>@a.example"
        );
        assert_eq!(
            recipient_pattern("postmaster@a.example"),
            "postmaster@a.example"
        );
        assert_eq!(recipient_pattern("info@a.example"), "info@a.example");
        assert_eq!(
            recipient_pattern("SRS0=AbCd=XY=forged.example=user@fwd.example"),
            "<srs>@fwd.example"
        );
        assert_eq!(
            recipient_pattern("prvs=1234abcd56=user@a.example"),
            "<batv>@a.example"
        );
        assert_eq!(
            recipient_pattern("user+x7z9q@a.example"),
            "user+<tag>@a.example"
        );
        assert_eq!(recipient_pattern("root"), "root");
        let g = {
            let s = storm();
            group(&s, &all(&s), GroupKey::RecipientPattern, 10_000)
        };
        let v = g
            .groups
            .iter()
            .find(|g| &*g.label == "v<n>@a.example")
            .expect("test value");
        assert_eq!((v.messages, v.recipients), (2, 3));
    }

    #[test]
    fn buckets() {
        assert_eq!(age_bucket(0), "0-5m");
        assert_eq!(age_bucket(-5), "0-5m");
        assert_eq!(age_bucket(300), "5-10m");
        assert_eq!(age_bucket(1_280 * 60), "1280m+");
        assert_eq!(size_bucket(0), "<4K");
        assert_eq!(size_bucket(4_096), "4-16K");
        assert_eq!(size_bucket(u64::MAX), ">10M");
    }

    #[test]
    fn group_keys_round_trip() {
        for k in GroupKey::ALL {
            assert_eq!(GroupKey::parse(k.name()), Some(k));
            assert_eq!(k.next().prev(), k);
        }
    }
}

#[cfg(test)]
mod content_key_tests {
    use super::*;
    use crate::model::filter::{ContentField, ContentLookup};
    use crate::postfix::parse::parse_stream;

    struct Fake;
    impl ContentLookup for Fake {
        fn field(&self, i: u32, f: ContentField) -> Option<&str> {
            match (i, f) {
                (0 | 1, ContentField::Sasl) => Some("partner@example.test"),
                (0, ContentField::Client) => Some("186.216.156.42"),
                (1, ContentField::Client) => Some("186.216.156.7"),
                (2, ContentField::From) => Some("\"CANADA PHARMACY\" <x@Pharma.Example>"),
                _ => None,
            }
        }
    }

    #[test]
    fn content_keys_use_the_lookup_and_fold_unknowns() {
        let lines: Vec<String> = (0..4)
            .map(|i| format!(r#"{{"queue_name":"deferred","queue_id":"A{i}","arrival_time":{i},"message_size":1,"sender":"s","recipients":[]}}"#))
            .collect();
        let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
        let all = [0, 1, 2, 3];
        let g = group_with(&snap, &all, GroupKey::Sasl, None, 10, Some(&Fake));
        let labels: Vec<(&str, usize)> = g.groups.iter().map(|g| (&*g.label, g.messages)).collect();
        assert_eq!(labels, vec![("(unknown)", 2), ("partner@example.test", 2)]);
        let g = group_with(&snap, &all, GroupKey::ClientNet, None, 10, Some(&Fake));
        assert!(
            g.groups
                .iter()
                .any(|g| &*g.label == "186.216.156.0/24" && g.messages == 2)
        );
        let g = group_with(&snap, &all, GroupKey::FromDomain, None, 10, Some(&Fake));
        assert!(g.groups.iter().any(|g| &*g.label == "pharma.example"));
        let g = group_with(&snap, &all, GroupKey::Campaign, None, 10, None);
        assert_eq!(g.groups.len(), 1);
        assert_eq!(&*g.groups[0].label, UNKNOWN_CONTENT);
    }
}
