//! Campaigns: the NDRs of a storm clustered by what the spam they return shares.
//!
//! A campaign is not "one From display name + one subject": spammers draw display names at
//! random, borrow the same brand name in several campaigns, and rotate two or three
//! subjects per campaign. What one campaign keeps constant is *some* feature of the spam:
//! a subject template, a distinctive word, a URL host, the sender domain, a Message-ID
//! pattern. So each campaign is defined by the one feature value that best explains it.
//!
//! # Features
//! For every NDR's returned original (and every queued non-NDR message, as the
//! "background"), [`features`] extracts: the subject skeleton (decoded, lower-cased, reply
//! prefixes dropped, digit runs → `#`, IDs and hex runs → `*`), distinctive subject words
//! (letters only, at least 4 characters — 2 for CJK —, not a stop word), the From display
//! name, the From domain, the Reply-To domain, URL hosts in the body and
//! `List-Unsubscribe:`, the Message-ID right-hand side (digits → `#`), X-Mailer (digits →
//! `#`), and the original client's address and HELO name.
//!
//! # Algorithm ([`cluster`])
//! 1. **Specificity.** A feature value counts only if it is rare in the background (the
//!    queue's mail that is neither an NDR nor from a sender flagged as compromised):
//!    `background < storm / 20`. Its weight falls linearly from 1 to ½ at that bound.
//! 2. **Greedy set cover.** Repeatedly take the eligible value with the highest
//!    `uncovered NDRs × kind weight × specificity` (lazy re-evaluation, ties by kind then
//!    value, so the result is deterministic). Its uncovered NDRs become one campaign. Stop
//!    when no value covers at least [`min_coverage`] uncovered NDRs (3, or 1%); the rest stay
//!    unattributed.
//! 3. **Coherence.** Before a value may define a campaign, its NDRs are split into
//!    components linked by the *other* values they share (a value links its NDRs when it
//!    holds for at least 20% of them, and at least 3). A value whose NDRs fall into two or
//!    more sizeable components (each ≥ 20%, ≥ 3) merely *mixes* campaigns: a display name every campaign
//!    borrows, a word two campaigns both use, a URL shortener. It is skipped (and reported
//!    as such). Weak kinds (display name, X-Mailer, client, HELO) are checked against all
//!    other values; strong kinds (subject words, domains, URL hosts, Message-ID) only
//!    against infrastructure values (domains, URL hosts, Message-ID, Reply-To), so the
//!    rotating subjects of one campaign merge through the words they share.
//!    A value is a mixer too when its NDRs' subject templates carry different *signatures*
//!    (the From domain and name, Reply-To, URL host or Message-ID that ≥ 80% of a template's
//!    NDRs share): three campaigns, each with its own sender, that share one URL host.
//!    Exact subject templates are never mixers.
//!    Client addresses and HELO names never define a campaign (a relay or a botnet
//!    carries many); they are kept as evidence.
//! 4. **Merge.** Another value that holds for ≥ 90% of the new campaign and has at least
//!    half of its own NDRs in it brings in its remaining NDRs: the words that rotating
//!    subjects share, a URL host that headers-only NDRs do not show. The definition then
//!    reads `URL host x or subject contains 'parcel'`.
//! 5. Each campaign records its definition, its coverage, and the other values most of its
//!    NDRs share (evidence, and material for rules).
//!
//! Pure: no IO. The same function gives the storm report's campaigns and the `campaign`
//! filter field and group key (through [`crate::model::content::ContentView`]), so a
//! campaign row counts exactly the messages its filter selects.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use super::content::Original;

/// What kind of feature a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeatureKind {
    Subject,
    SubjectWord,
    UrlHost,
    FromDomain,
    MessageId,
    ReplyTo,
    FromName,
    XMailer,
    Client,
    Helo,
}

impl FeatureKind {
    /// How a definition reads: `subject "…"`, `URL host x`, …
    #[must_use]
    pub fn describe(self, value: &str) -> String {
        match self {
            Self::Subject => format!("subject \"{value}\""),
            Self::SubjectWord => format!("subject contains '{value}'"),
            Self::UrlHost => format!("URL host {value}"),
            Self::FromDomain => format!("From domain {value}"),
            Self::MessageId => format!("Message-ID @{value}"),
            Self::ReplyTo => format!("Reply-To domain {value}"),
            Self::FromName => format!("From name \"{value}\""),
            Self::XMailer => format!("X-Mailer \"{value}\""),
            Self::Client => format!("client {value}"),
            Self::Helo => format!("HELO {value}"),
        }
    }

    /// Preference between values covering the same NDRs: what reads best and makes the
    /// safest rule first.
    fn weight(self) -> f64 {
        match self {
            Self::Subject => 1.0,
            Self::SubjectWord => 0.97,
            Self::UrlHost => 0.95,
            Self::FromDomain => 0.93,
            Self::MessageId | Self::ReplyTo => 0.9,
            Self::FromName => 0.85,
            Self::XMailer => 0.6,
            Self::Client | Self::Helo => 0.5,
        }
    }

    /// Weak values are shared by unrelated campaigns all the time (display names, mailer
    /// software, botnet hosts): they define a campaign only when nothing else splits it.
    fn weak(self) -> bool {
        matches!(
            self,
            Self::FromName | Self::XMailer | Self::Client | Self::Helo
        )
    }

    /// Values about where the spam comes from and points to, not about its wording.
    fn infrastructure(self) -> bool {
        matches!(
            self,
            Self::UrlHost | Self::FromDomain | Self::MessageId | Self::ReplyTo
        )
    }
}

/// One feature value of one message.
pub type Feature = (FeatureKind, String);

/// Words too common in subjects to say anything about a campaign.
const STOP_WORDS: &[&str] = &[
    "about",
    "account",
    "from",
    "have",
    "please",
    "that",
    "this",
    "with",
    "your",
    "you",
    "will",
    "just",
    "here",
    "there",
    "what",
    "when",
    "were",
    "been",
    "they",
    "them",
    "their",
    "into",
    "only",
    "also",
    "more",
    "some",
    "than",
    "then",
    "over",
    "very",
    "today",
    "news",
    "update",
    "info",
    "information",
    "message",
    "mail",
    "email",
    "hello",
    "dear",
    "notice",
    "re",
    "fwd",
    "order",
    "invoice",
    "report",
    "reply",
    "new",
    "free",
    "important",
    "urgent",
    "for",
    "and",
    "the",
    "our",
    "now",
];

/// The subject skeleton: decoded subject, reply/forward prefixes dropped, lower-cased,
/// whitespace collapsed, words that look like IDs (letters and digits mixed, or hex runs of
/// 6+) → `*`, remaining digit runs → `#`.
#[must_use]
pub fn subject_skeleton(s: &str) -> String {
    let mut t = s.trim();
    loop {
        let lower = t.to_ascii_lowercase();
        let cut = ["re:", "fw:", "fwd:", "aw:", "sv:", "tr:"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| p.len());
        match cut {
            Some(n) => t = t[n..].trim_start(),
            None => break,
        }
    }
    let mut out = String::with_capacity(t.len());
    for word in t.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let lower = word.to_lowercase();
        let core = lower.trim_matches(|c: char| !c.is_alphanumeric());
        let digits = core.chars().filter(char::is_ascii_digit).count();
        let letters = core.chars().filter(|c| c.is_ascii_alphabetic()).count();
        let hex = core.len() >= 6 && core.chars().all(|c| c.is_ascii_hexdigit()) && digits > 0;
        let id = core.len() >= 6 && digits > 0 && letters > 0 && core.is_ascii();
        if hex || id {
            let (pre, post) = lower.split_at(lower.find(core).unwrap_or(0));
            out.push_str(pre);
            out.push('*');
            out.push_str(&post[core.len().min(post.len())..]);
            continue;
        }
        out.push_str(&fold_digits(&lower));
    }
    out
}

/// Distinctive words of a subject (lower-case, letters only).
#[must_use]
pub fn subject_words(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut words: Vec<String> = Vec::new();
    for w in lower.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() || !w.chars().all(char::is_alphabetic) {
            continue;
        }
        let n = w.chars().count();
        let min = if w.is_ascii() { 4 } else { 2 };
        if n < min || STOP_WORDS.contains(&w) || words.iter().any(|x| x == w) {
            continue;
        }
        words.push(w.to_owned());
    }
    words
}

fn fold_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

fn domain_of(addr: &str) -> Option<String> {
    let (_, d) = super::split_address(addr);
    let d = d.trim_matches(|c: char| c == '>' || c.is_whitespace());
    (!d.is_empty()).then(|| d.to_ascii_lowercase())
}

/// The feature values of one message (see the module doc), de-duplicated.
#[must_use]
pub fn features(o: &Original) -> Vec<Feature> {
    let mut f: Vec<Feature> = Vec::new();
    let mut push = |k: FeatureKind, v: String| {
        if !v.is_empty() && !f.iter().any(|(k2, v2)| *k2 == k && *v2 == v) {
            f.push((k, v));
        }
    };
    if let Some(s) = &o.subject {
        let sk = subject_skeleton(s);
        // A skeleton of only placeholders says nothing.
        if sk.chars().any(char::is_alphabetic) {
            push(FeatureKind::Subject, sk);
        }
        for w in subject_words(s) {
            push(FeatureKind::SubjectWord, w);
        }
    }
    if let Some(n) = &o.from_name {
        push(FeatureKind::FromName, n.trim().to_lowercase());
    }
    if let Some(d) = o.from_address.as_deref().and_then(domain_of) {
        push(FeatureKind::FromDomain, d);
    }
    if let Some(d) = o.reply_to.as_deref().and_then(domain_of) {
        push(FeatureKind::ReplyTo, d);
    }
    for h in &o.url_hosts {
        push(FeatureKind::UrlHost, h.clone());
    }
    if let Some(id) = &o.message_id
        && let Some((_, rhs)) = id.rsplit_once('@')
    {
        push(
            FeatureKind::MessageId,
            fold_digits(&rhs.trim_end_matches('>').to_ascii_lowercase()),
        );
    }
    if let Some(x) = &o.x_mailer {
        push(FeatureKind::XMailer, fold_digits(&x.to_lowercase()));
    }
    if let Some(ip) = &o.client_ip {
        push(FeatureKind::Client, ip.clone());
    }
    if let Some(h) = &o.helo {
        push(FeatureKind::Helo, h.clone());
    }
    f
}

/// The smallest campaign worth a row: 3 NDRs, or 1% of the storm.
#[must_use]
pub fn min_coverage(storm: usize) -> usize {
    (storm / 100).max(3)
}

/// One campaign found by [`cluster`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub kind: FeatureKind,
    /// The defining value (normalised: lower-case, digits folded for skeletons).
    pub value: String,
    /// `subject contains 'pharmacy'`: the definition as a phrase.
    pub definition: String,
    /// Values merged in (step 4): a message with any of them, or the defining one, is in.
    pub merged: Vec<(FeatureKind, String)>,
    /// Storm items (NDRs) in this campaign, as indices into `cluster`'s `storm`.
    #[serde(skip)]
    pub members: Vec<usize>,
    /// Background messages that also carry the defining value (should be 0 or tiny).
    pub background: usize,
    /// Other values most members share: (kind, value, members having it).
    pub shared: Vec<(FeatureKind, String, usize)>,
}

/// A value that looked like a campaign but mixes several (reported, never a definition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mixer {
    pub kind: FeatureKind,
    pub value: String,
    /// NDRs carrying it, and how many separate campaigns they fall into.
    pub ndrs: usize,
    pub campaigns: usize,
}

/// The result of [`cluster`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Clustering {
    pub clusters: Vec<Cluster>,
    /// For each storm item, the index of its cluster.
    #[serde(skip)]
    pub assignment: Vec<Option<usize>>,
    pub mixers: Vec<Mixer>,
}

#[derive(PartialEq)]
struct Cand {
    score: f64,
    kind: FeatureKind,
    id: u32,
    value: String,
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cand {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.kind.cmp(&self.kind))
            .then_with(|| other.value.cmp(&self.value))
    }
}

/// Cluster the storm's items (their feature lists) against the background's. See the
/// module doc for the algorithm.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn cluster(storm: &[&[Feature]], background: &[&[Feature]]) -> Clustering {
    // Intern every storm value; background values only count.
    let mut ids: HashMap<(FeatureKind, &str), u32> = HashMap::new();
    let mut values: Vec<(FeatureKind, &str)> = Vec::new();
    let mut postings: Vec<Vec<u32>> = Vec::new();
    let mut item_ids: Vec<Vec<u32>> = Vec::with_capacity(storm.len());
    for (i, feats) in storm.iter().copied().enumerate() {
        let mut mine = Vec::with_capacity(feats.len());
        for (k, v) in feats {
            let id = *ids.entry((*k, v.as_str())).or_insert_with(|| {
                values.push((*k, v.as_str()));
                postings.push(Vec::new());
                u32::try_from(values.len() - 1).unwrap_or(u32::MAX)
            });
            let p = &mut postings[id as usize];
            if p.last() != Some(&u32::try_from(i).unwrap_or(u32::MAX)) {
                p.push(u32::try_from(i).unwrap_or(u32::MAX));
                mine.push(id);
            }
        }
        item_ids.push(mine);
    }
    let mut bg = vec![0usize; values.len()];
    for feats in background.iter().copied() {
        for (k, v) in feats {
            if let Some(&id) = ids.get(&(*k, v.as_str())) {
                bg[id as usize] += 1;
            }
        }
    }
    let specificity = |id: usize| -> f64 {
        let total = postings[id].len();
        #[allow(clippy::cast_precision_loss)]
        let ratio = 20.0 * bg[id] as f64 / total.max(1) as f64;
        if ratio >= 1.0 { 0.0 } else { 1.0 - ratio / 2.0 }
    };
    let min = min_coverage(storm.len());
    let mut covered = vec![false; storm.len()];
    let uncovered = |id: usize, covered: &[bool]| -> Vec<u32> {
        postings[id]
            .iter()
            .copied()
            .filter(|&i| !covered[i as usize])
            .collect()
    };
    #[allow(clippy::cast_precision_loss)]
    let score = |id: usize, n: usize| n as f64 * values[id].0.weight() * specificity(id);
    let mut heap: BinaryHeap<Cand> = (0..values.len())
        .filter(|&id| postings[id].len() >= min && specificity(id) > 0.0)
        // Where the spam was injected from is evidence, never a definition: a relay or a
        // botnet carries many campaigns.
        .filter(|&id| !matches!(values[id].0, FeatureKind::Client | FeatureKind::Helo))
        .map(|id| Cand {
            score: score(id, postings[id].len()),
            kind: values[id].0,
            id: u32::try_from(id).unwrap_or(u32::MAX),
            value: values[id].1.to_owned(),
        })
        .collect();
    let mut out = Clustering {
        assignment: vec![None; storm.len()],
        ..Clustering::default()
    };
    while let Some(top) = heap.pop() {
        let id = top.id as usize;
        let members = uncovered(id, &covered);
        if members.len() < min {
            continue;
        }
        let now = score(id, members.len());
        if heap.peek().is_some_and(|next| next.score > now) {
            heap.push(Cand { score: now, ..top });
            continue;
        }
        let kind = values[id].0;
        let parts = components(kind, id, &members, &item_ids, &values)
            .max(signatures(kind, id, &members, &item_ids, &values));
        if parts >= 2 {
            out.mixers.push(Mixer {
                kind,
                value: values[id].1.to_owned(),
                ndrs: members.len(),
                campaigns: parts,
            });
            continue;
        }
        let c = out.clusters.len();
        let mut members = members;
        for &i in &members {
            covered[i as usize] = true;
        }
        // Step 4: values that hold for nearly all of this campaign and mostly belong to it
        // (the words its rotating subjects share, a URL host missing from headers-only
        // NDRs) bring in the campaign's NDRs the definition missed.
        let mut also: Vec<u32> = Vec::new();
        let mut inside: HashMap<u32, usize> = HashMap::new();
        for &i in &members {
            for &f in &item_ids[i as usize] {
                if f as usize != id {
                    *inside.entry(f).or_default() += 1;
                }
            }
        }
        let mut merge: Vec<(u32, usize)> = inside
            .into_iter()
            .filter(|&(f, n)| {
                let k = values[f as usize].0;
                !k.weak()
                    && n * 10 >= members.len() * 9
                    && n * 2 >= postings[f as usize].len()
                    && specificity(f as usize) > 0.0
            })
            .collect();
        merge.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(values[a.0 as usize].cmp(&values[b.0 as usize]))
        });
        for (f, _) in merge {
            let extra = uncovered(f as usize, &covered);
            if extra.is_empty() {
                continue;
            }
            for &i in &extra {
                covered[i as usize] = true;
            }
            members.extend(extra);
            also.push(f);
        }
        for &i in &members {
            out.assignment[i as usize] = Some(c);
        }
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &i in &members {
            for &f in &item_ids[i as usize] {
                if f as usize != id {
                    *counts.entry(f).or_default() += 1;
                }
            }
        }
        let mut shared: Vec<(FeatureKind, String, usize)> = counts
            .into_iter()
            .filter(|&(f, n)| n * 2 >= members.len() && specificity(f as usize) > 0.0)
            .map(|(f, n)| (values[f as usize].0, values[f as usize].1.to_owned(), n))
            .collect();
        shared.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        shared.truncate(8);
        let mut definition = kind.describe(values[id].1);
        for f in &also {
            let (k, v) = values[*f as usize];
            definition.push_str(" or ");
            definition.push_str(&k.describe(v));
        }
        out.clusters.push(Cluster {
            kind,
            value: values[id].1.to_owned(),
            definition,
            merged: also
                .iter()
                .map(|&f| (values[f as usize].0, values[f as usize].1.to_owned()))
                .collect(),
            members: members.iter().map(|&i| i as usize).collect(),
            background: bg[id],
            shared,
        });
    }
    out.mixers
        .sort_by(|a, b| b.ndrs.cmp(&a.ndrs).then(a.value.cmp(&b.value)));
    out
}

/// Kinds that sign a campaign: where it comes from and points to, and a fixed display name.
fn signs(k: FeatureKind) -> bool {
    k.infrastructure() || k == FeatureKind::FromName
}

/// How many campaigns with *different signatures* `members` holds: split by subject
/// template, the sizeable templates (≥ 20%, ≥ 3) are signed by the values ≥ 80% of each
/// carries (From domain and name, Reply-To, URL host, Message-ID; `id` excluded), and
/// templates sharing a signing value are one campaign. Templates with no signature join
/// none. 2 or more: `id` mixes campaigns (three campaigns, each with its own sender,
/// sharing one URL host).
fn signatures(
    kind: FeatureKind,
    id: usize,
    members: &[u32],
    item_ids: &[Vec<u32>],
    values: &[(FeatureKind, &str)],
) -> usize {
    if kind == FeatureKind::Subject || members.len() < 6 {
        return 1;
    }
    let big = (members.len() / 5).max(3);
    let mut blocks: HashMap<Option<u32>, Vec<u32>> = HashMap::new();
    for &i in members {
        let sk = item_ids[i as usize]
            .iter()
            .copied()
            .find(|&f| values[f as usize].0 == FeatureKind::Subject);
        blocks.entry(sk).or_default().push(i);
    }
    let mut sigs: Vec<Vec<u32>> = Vec::new();
    let mut keys: Vec<&Option<u32>> = blocks.keys().collect();
    keys.sort();
    for k in keys {
        let items = &blocks[k];
        if k.is_none() || items.len() < big {
            continue;
        }
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for &i in items {
            for &f in &item_ids[i as usize] {
                if f as usize != id && signs(values[f as usize].0) {
                    *counts.entry(f).or_default() += 1;
                }
            }
        }
        let mut sig: Vec<u32> = counts
            .into_iter()
            .filter(|&(_, n)| n * 10 >= items.len() * 8)
            .map(|(f, _)| f)
            .collect();
        sig.sort_unstable();
        if !sig.is_empty() {
            sigs.push(sig);
        }
    }
    // Union signatures that share a value.
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for sig in sigs {
        let (joined, rest): (Vec<Vec<u32>>, Vec<Vec<u32>>) = groups
            .into_iter()
            .partition(|g| g.iter().any(|f| sig.contains(f)));
        let mut merged = sig;
        for g in joined {
            merged.extend(g);
        }
        groups = rest;
        groups.push(merged);
    }
    groups.len()
}

/// How many sizeable separate groups `members` fall into when linked by the values they
/// share other than `id` (see the module doc, step 3). 0 or 1: coherent.
fn components(
    kind: FeatureKind,
    id: usize,
    members: &[u32],
    item_ids: &[Vec<u32>],
    values: &[(FeatureKind, &str)],
) -> usize {
    if kind == FeatureKind::Subject || members.len() < 4 {
        return 1;
    }
    let linker = |f: u32| -> bool {
        let k = values[f as usize].0;
        f as usize != id
            && if kind.weak() {
                !k.weak()
            } else {
                k.infrastructure()
            }
    };
    let big = (members.len() / 5).max(3);
    let mut count: HashMap<u32, Vec<usize>> = HashMap::new();
    for (pos, &i) in members.iter().enumerate() {
        for &f in &item_ids[i as usize] {
            if linker(f) {
                count.entry(f).or_default().push(pos);
            }
        }
    }
    let mut parent: Vec<usize> = (0..members.len()).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for group in count.values().filter(|g| g.len() >= big) {
        let first = find(&mut parent, group[0]);
        for &other in &group[1..] {
            let r = find(&mut parent, other);
            if r != first {
                parent[r] = first;
            }
        }
    }
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for x in 0..members.len() {
        let r = find(&mut parent, x);
        *sizes.entry(r).or_default() += 1;
    }
    sizes.values().filter(|&&n| n >= big).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(storm: &[Vec<Feature>], bg: &[Vec<Feature>]) -> Clustering {
        let s: Vec<&[Feature]> = storm.iter().map(Vec::as_slice).collect();
        let b: Vec<&[Feature]> = bg.iter().map(Vec::as_slice).collect();
        cluster(&s, &b)
    }

    fn f(pairs: &[(FeatureKind, &str)]) -> Vec<Feature> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn skeletons_fold_numbers_and_ids() {
        assert_eq!(
            subject_skeleton("Re: FW:  CHEAP meds 50% off #8812"),
            "cheap meds #% off ##"
        );
        assert_eq!(
            subject_skeleton("Your parcel A1B2C3D4E5 is waiting"),
            "your parcel * is waiting"
        );
        assert_eq!(subject_skeleton("Ref 3fa9c2e1: update"), "ref *: update");
        assert_eq!(
            subject_words("Cheap MEDS from our pharmacy!"),
            ["cheap", "meds", "pharmacy"]
        );
    }

    #[test]
    fn a_display_name_shared_by_two_campaigns_defines_neither() {
        use FeatureKind::{FromName, MessageId, Subject, UrlHost};
        let mut storm = Vec::new();
        for i in 0..60 {
            storm.push(f(&[
                (FromName, "dhl express"),
                (
                    Subject,
                    if i % 2 == 0 {
                        "parcel held"
                    } else {
                        "customs fee due"
                    },
                ),
                (UrlHost, "track-parcel.example"),
            ]));
        }
        for _ in 0..40 {
            storm.push(f(&[
                (FromName, "dhl express"),
                (Subject, "your invoice is ready"),
                (MessageId, "bulk#.mailer.example"),
            ]));
        }
        let c = run(&storm, &[]);
        assert_eq!(c.clusters.len(), 2, "{c:#?}");
        assert_eq!(c.clusters[0].kind, UrlHost);
        assert_eq!(c.clusters[0].members.len(), 60);
        assert_eq!(c.clusters[1].members.len(), 40);
        assert!(
            c.mixers
                .iter()
                .any(|m| m.value == "dhl express" && m.campaigns == 2)
        );
    }

    #[test]
    fn three_senders_sharing_a_url_host_are_three_campaigns() {
        // scripts/lab.sh's shape: one fixed From + subject per campaign, the same URL host
        // in every body, Message-IDs on the forged (victim) domains across campaigns.
        use FeatureKind::{FromDomain, FromName, MessageId, Subject, UrlHost};
        let camp = [
            (
                "canada pharmacy",
                "canada-pharmacy.example",
                "cheap meds online - #% off today only",
            ),
            (
                "楽天カード",
                "rakuten-secure.example",
                "【重要】アカウント確認のお願い",
            ),
            (
                "アマゾン",
                "amaz0n-jp.example",
                "お支払い方法の確認が必要です",
            ),
        ];
        let victims = ["victim-a.example", "victim-b.example", "victim-c.example"];
        let storm: Vec<_> = (0..300)
            .map(|i| {
                let (n, d, s) = camp[i % 3];
                f(&[
                    (FromName, n),
                    (FromDomain, d),
                    (Subject, s),
                    (UrlHost, "pharmacy.example"),
                    (MessageId, victims[(i / 3 + i / 7) % 3]),
                ])
            })
            .collect();
        let c = run(&storm, &[]);
        assert_eq!(c.clusters.len(), 3, "{c:#?}");
        assert!(c.clusters.iter().all(|c| c.members.len() == 100));
        assert!(
            c.mixers.iter().any(|m| m.value == "pharmacy.example"),
            "{:#?}",
            c.mixers
        );
    }

    #[test]
    fn values_common_in_legitimate_mail_do_not_count() {
        use FeatureKind::{FromDomain, Subject};
        let storm: Vec<_> = (0..50)
            .map(|i| {
                f(&[
                    (Subject, "re: your order"),
                    (FromDomain, if i < 30 { "a.example" } else { "b.example" }),
                ])
            })
            .collect();
        let bg: Vec<_> = (0..10).map(|_| f(&[(Subject, "re: your order")])).collect();
        let c = run(&storm, &bg);
        assert!(c.clusters.iter().all(|c| c.kind != Subject), "{c:#?}");
        assert_eq!(c.clusters[0].value, "a.example");
    }
}
