//! The NDR storm preview: how big, how fast, caused by what, and who sent the spam.
//!
//! Pure: takes a snapshot, the content index built from `postcat`, `mynetworks`, and the
//! previous report's NDR count (for growth). No IO.
//!
//! - Campaigns come from [`queue_campaigns`] (clustering in [`super::campaign`]); the
//!   `campaign` filter field and group key use the very same function, so a campaign row
//!   counts exactly what its filter `campaign:="<definition>"` selects.
//! - Submitters (SASL accounts, client addresses, local users) are judged by behaviour in
//!   [`super::compromise`].
//! - Rules (`header_checks`) are proposed separately, after Postfix itself checked them
//!   ([`super::rules`]); the report carries the result in [`StormReport::rules`].

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::campaign::{self, Clustering, FeatureKind, Mixer};
use super::compromise::{self, AccountFacts, Assessment, ClientUse, Networks, SubmitterKind};
use super::content::{ContentIndex, ContentView};
pub use super::format::thousands;
use super::rules::RulePlan;
use super::text::sanitize;
use super::time::format_since;
use super::{QueueId, QueueName, Snapshot, split_address};

/// Thresholds the mail log's account scoring ([`super::log::score`]) uses: an account seen
/// from at least this many client addresses, or sending to this many recipient domains,
/// scores for it there. (The queue's submitters are judged by [`super::compromise`].)
pub const COMPROMISED_MIN_CLIENTS: usize = 3;
pub const COMPROMISED_MIN_DOMAINS: usize = 5;

/// One spam campaign behind NDRs (and the queued outbound spam that shares it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignStat {
    /// The definition, also the value of the `campaign` filter field:
    /// `subject contains 'pharmacy'`.
    pub label: String,
    pub kind: FeatureKind,
    /// The defining value, normalised.
    pub value: String,
    /// NDRs in this campaign, and their share of all NDRs (0–1).
    pub ndrs: usize,
    pub share: f64,
    /// Outbound spam in the queue (not NDRs) carrying the same defining value, from
    /// submitters that are not ordinary mail.
    pub spam: usize,
    /// `ndrs + spam`: what `Enter` marks.
    pub messages: usize,
    /// Queue messages that are not part of the storm but carry the value too.
    pub background: usize,
    /// Other values most of its NDRs share: (what, NDRs having it).
    pub shared: Vec<(String, usize)>,
    /// The filter selecting exactly this campaign's messages.
    pub filter: String,
    pub sample: Vec<QueueId>,
}

/// One submitter with queued mail, judged by behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountStat {
    pub user: String,
    pub kind: SubmitterKind,
    pub messages: usize,
    pub recipients: usize,
    pub recipient_domains: usize,
    pub client_addresses: Vec<String>,
    /// How many of them are outside `mynetworks`.
    pub outside_mynetworks: usize,
    pub compromised: bool,
    pub score: u32,
    pub reasons: Vec<String>,
    pub summary: String,
    /// The filter selecting its messages.
    pub filter: String,
    pub sample: Vec<QueueId>,
}

/// The storm in numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StormReport {
    /// Messages from the null sender (bounces, NDRs), in any queue.
    pub ndrs: usize,
    pub deferred: usize,
    /// NDRs in `deferred` as a share of `deferred` (0–1).
    pub ndr_share_of_deferred: f64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// NDR arrivals per minute over the last hour, oldest first.
    pub per_minute: Vec<u64>,
    /// NDR arrivals per hour over the last 24 hours, oldest first.
    pub per_hour: Vec<u64>,
    /// Average NDR arrivals per minute over the last hour.
    pub rate_per_minute: f64,
    /// NDRs now minus NDRs at the previous refresh.
    pub growth: Option<i64>,
    /// How many queued messages the content index covers.
    pub indexed: usize,
    /// NDRs whose returned original could be read.
    pub ndrs_with_original: usize,
    pub campaigns: Vec<CampaignStat>,
    /// NDRs in no campaign (no original, or nothing shared with enough others).
    pub unattributed: usize,
    /// Values that looked like a campaign but are shared by several (a display name every
    /// campaign borrows): never a definition, never a rule.
    pub mixers: Vec<Mixer>,
    /// Domains of the (forged) senders the NDRs go back to.
    pub forged_domains: Vec<(String, usize)>,
    /// Domains in the spam's own `From:` (inside the NDRs).
    pub original_sender_domains: Vec<(String, usize)>,
    pub accounts: Vec<AccountStat>,
    /// `mynetworks` was read (otherwise private and loopback addresses count as inside).
    pub mynetworks_known: bool,
    /// Some message in the storm asked for DSN (the seed storm did).
    pub dsn_seen: bool,
    pub verdict: String,
    /// The `header_checks` rules Postfix verified, when they were checked.
    pub rules: Option<RulePlan>,
}

/// The campaigns of a whole queue: what the storm report shows and the `campaign` filter
/// field reads.
#[derive(Debug, Clone, Default)]
pub struct QueueCampaigns {
    pub clustering: Clustering,
    /// For each snapshot message, its campaign (index into `clustering.clusters`).
    pub by_msg: Vec<Option<u32>>,
    /// NDRs and outbound spam per campaign.
    pub ndrs: Vec<usize>,
    pub spam: Vec<usize>,
    /// Snapshot indices of the storm items (NDRs with an original) and of the background.
    pub storm_msgs: Vec<u32>,
    pub background_msgs: Vec<u32>,
}

/// A submitter's sample queue IDs and the filter selecting its messages.
type SampleAndFilter = (Vec<QueueId>, String);

/// Per-submitter facts from the queue (non-NDR mail with contents).
fn submitters(
    snapshot: &Snapshot,
    view: &ContentView<'_>,
    networks: &Networks,
) -> (Vec<AccountFacts>, Vec<SampleAndFilter>, Vec<Option<usize>>) {
    struct Acc {
        facts: AccountFacts,
        domains: BTreeSet<String>,
        clients: BTreeSet<String>,
        sample: Vec<QueueId>,
        filter: String,
    }
    let mut by_name: HashMap<(SubmitterKind, String), usize> = HashMap::new();
    let mut accs: Vec<Acc> = Vec::new();
    let mut of_msg = vec![None; snapshot.messages.len()];
    for (i, m) in snapshot.messages.iter().enumerate() {
        let Some(c) = view.get(u32::try_from(i).unwrap_or(u32::MAX)) else {
            continue;
        };
        // A local user's spam that bounced comes back as NDRs this host generated, whose
        // returned original carries the pickup stamp: they count for that user. Other
        // NDRs name no submitter.
        if m.null_sender && c.submitter.is_none() {
            continue;
        }
        let (kind, name) = if let Some(s) = &c.submitter {
            (SubmitterKind::User, s.describe())
        } else if let Some(u) = &c.sasl_username {
            (SubmitterKind::Sasl, u.clone())
        } else if let Some(a) = &c.client_address {
            (SubmitterKind::Client, a.clone())
        } else {
            (SubmitterKind::Local, m.sender.to_string())
        };
        let n = accs.len();
        let at = *by_name.entry((kind, name.clone())).or_insert(n);
        if at == n {
            let filter = match &c.submitter {
                Some(s) => submitter_filter(SubmitterKind::User, s.key()),
                None => submitter_filter(kind, &name),
            };
            accs.push(Acc {
                filter,
                facts: AccountFacts {
                    name,
                    kind,
                    messages: 0,
                    recipients: 0,
                    recipient_domains: 0,
                    deferred_or_bounced: 0,
                    clients: Vec::new(),
                    first: None,
                    last: None,
                    new_addresses: 0,
                    guessed_then_in: 0,
                    shared_addresses: 0,
                },
                domains: BTreeSet::new(),
                clients: BTreeSet::new(),
                sample: Vec::new(),
            });
        }
        of_msg[i] = Some(at);
        let a = &mut accs[at];
        a.facts.messages += 1;
        a.facts.recipients += m.recipients.len();
        if m.queue == QueueName::Deferred {
            a.facts.deferred_or_bounced += 1;
        }
        a.facts.first = Some(
            a.facts
                .first
                .map_or(m.arrival_time, |t| t.min(m.arrival_time)),
        );
        a.facts.last = Some(
            a.facts
                .last
                .map_or(m.arrival_time, |t| t.max(m.arrival_time)),
        );
        for rc in &m.recipients {
            a.domains
                .insert(split_address(&rc.address).1.to_ascii_lowercase());
        }
        if let Some(ip) = &c.client_address {
            a.clients.insert(ip.clone());
        }
        if a.sample.len() < 5 {
            a.sample.push(m.queue_id.clone());
        }
    }
    let mut samples = Vec::with_capacity(accs.len());
    let facts = accs
        .into_iter()
        .map(|mut a| {
            a.facts.recipient_domains = a.domains.len();
            a.facts.clients = a
                .clients
                .into_iter()
                .map(|address| ClientUse {
                    outside_mynetworks: networks.outside(&address),
                    address,
                })
                .collect();
            samples.push((a.sample, a.filter));
            a.facts
        })
        .collect();
    (facts, samples, of_msg)
}

/// Cluster the queue's NDRs into campaigns (see [`super::campaign`]).
///
/// The background (what a campaign's values must be rare in) is the queue's non-NDR mail
/// except that of submitters flagged as compromised. That judgement uses the built-in
/// notion of "outside" (not loopback/private), never the instance's `mynetworks`, so every
/// caller — the storm report, the filter, grouping — gets the same campaigns from the same
/// queue.
#[must_use]
pub fn queue_campaigns(snapshot: &Snapshot, view: &ContentView<'_>) -> QueueCampaigns {
    let (facts, _, of_msg) = submitters(snapshot, view, &Networks::default());
    let flagged: Vec<bool> = compromise::assess_all(&facts)
        .iter()
        .map(|a| a.compromised)
        .collect();
    let mut out = QueueCampaigns {
        by_msg: vec![None; snapshot.messages.len()],
        ..QueueCampaigns::default()
    };
    let mut storm: Vec<Cow<'_, [campaign::Feature]>> = Vec::new();
    let mut background: Vec<Cow<'_, [campaign::Feature]>> = Vec::new();
    let mut suspect: Vec<(u32, Cow<'_, [campaign::Feature]>)> = Vec::new();
    for (i, m) in snapshot.messages.iter().enumerate() {
        let i32_ = u32::try_from(i).unwrap_or(u32::MAX);
        let Some(c) = view.get(i32_) else { continue };
        let Some(o) = c.features_source() else {
            continue;
        };
        // Extracted contents carry their features; hand-built ones (tests) get them here.
        let f: Cow<'_, [campaign::Feature]> = if c.features.is_empty() {
            Cow::Owned(campaign::features(o))
        } else {
            Cow::Borrowed(&c.features)
        };
        if m.null_sender {
            out.storm_msgs.push(i32_);
            storm.push(f);
        } else if of_msg[i].is_some_and(|a| flagged[a]) {
            suspect.push((i32_, f));
        } else {
            out.background_msgs.push(i32_);
            background.push(f);
        }
    }
    let storm: Vec<&[campaign::Feature]> = storm.iter().map(AsRef::as_ref).collect();
    let background: Vec<&[campaign::Feature]> = background.iter().map(AsRef::as_ref).collect();
    out.clustering = campaign::cluster(&storm, &background);
    let n = out.clustering.clusters.len();
    out.ndrs = vec![0; n];
    out.spam = vec![0; n];
    for (pos, c) in out.clustering.assignment.iter().enumerate() {
        if let Some(c) = c {
            out.by_msg[out.storm_msgs[pos] as usize] = u32::try_from(*c).ok();
            out.ndrs[*c] += 1;
        }
    }
    for (i, f) in suspect {
        let hit = out.clustering.clusters.iter().position(|c| {
            f.iter().any(|(k, v)| {
                (*k == c.kind && *v == c.value)
                    || c.merged.iter().any(|(mk, mv)| mk == k && mv == v)
            })
        });
        if let Some(c) = hit {
            out.by_msg[i as usize] = u32::try_from(c).ok();
            out.spam[c] += 1;
        }
    }
    out
}

/// The filter term selecting a campaign (`campaign:="subject contains 'x'"`), as typed in
/// the TUI (no shell quoting).
#[must_use]
pub fn campaign_filter(label: &str) -> String {
    format!("campaign:={}", filter_quote(label))
}

/// `"value"` with `\` and `"` escaped as the filter language's quoted values expect.
#[must_use]
pub fn filter_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter term selecting a submitter's messages.
#[must_use]
pub fn submitter_filter(kind: SubmitterKind, name: &str) -> String {
    let v = if name.chars().any(|c| c.is_whitespace() || c == '"') || name.is_empty() {
        filter_quote(name)
    } else {
        name.to_owned()
    };
    match kind {
        SubmitterKind::Sasl => format!("sasl:={v}"),
        SubmitterKind::Client => format!("client:={v} !null"),
        SubmitterKind::Local => format!("sender:={v}"),
        SubmitterKind::User => format!("submitter:={v}"),
    }
}

/// Analyse the queue. `previous_ndrs` is the NDR count of the previous refresh.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn analyze(
    snapshot: &Snapshot,
    index: &ContentIndex,
    networks: &Networks,
    previous_ndrs: Option<usize>,
    now: i64,
) -> StormReport {
    let mut r = StormReport {
        per_minute: vec![0; 60],
        per_hour: vec![0; 24],
        deferred: snapshot.count(&QueueName::Deferred).messages,
        mynetworks_known: networks.known(),
        ..StormReport::default()
    };
    let view = ContentView::new(snapshot, index);
    let mut ndr_deferred = 0usize;
    let mut forged: HashMap<String, usize> = HashMap::new();
    let mut orig_domains: HashMap<String, usize> = HashMap::new();
    for (i, m) in snapshot.messages.iter().enumerate() {
        let content = view.get(u32::try_from(i).unwrap_or(u32::MAX));
        if let Some(c) = content {
            r.indexed += 1;
            r.dsn_seen |= c.dsn;
        }
        if !m.null_sender {
            continue;
        }
        r.ndrs += 1;
        if m.queue == QueueName::Deferred {
            ndr_deferred += 1;
        }
        r.first_seen = Some(
            r.first_seen
                .map_or(m.arrival_time, |t| t.min(m.arrival_time)),
        );
        r.last_seen = Some(
            r.last_seen
                .map_or(m.arrival_time, |t| t.max(m.arrival_time)),
        );
        let age = m.age(now);
        if (0..3600).contains(&age) {
            r.per_minute[59 - usize::try_from(age / 60).unwrap_or(0)] += 1;
        }
        if (0..86_400).contains(&age) {
            r.per_hour[23 - usize::try_from(age / 3600).unwrap_or(0)] += 1;
        }
        for rc in &m.recipients {
            let d = split_address(&rc.address).1.to_ascii_lowercase();
            if !d.is_empty() {
                *forged.entry(sanitize(&d).into_owned()).or_default() += 1;
            }
        }
        let Some(c) = content else { continue };
        if c.ndr.as_ref().is_some_and(|n| n.original.is_some()) {
            r.ndrs_with_original += 1;
        }
        if let Some(d) = c.original_sender_domain() {
            *orig_domains.entry(d).or_default() += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    {
        r.ndr_share_of_deferred = if r.deferred == 0 {
            0.0
        } else {
            ndr_deferred as f64 / r.deferred as f64
        };
        r.rate_per_minute = r.per_minute.iter().sum::<u64>() as f64 / 60.0;
    }
    r.growth = previous_ndrs
        .map(|p| i64::try_from(r.ndrs).unwrap_or(i64::MAX) - i64::try_from(p).unwrap_or(0));
    let qc = view.campaigns();
    let mut samples: Vec<Vec<QueueId>> = vec![Vec::new(); qc.clustering.clusters.len()];
    for (i, c) in qc.by_msg.iter().enumerate() {
        if let Some(c) = c
            && samples[*c as usize].len() < 5
            && snapshot.messages[i].null_sender
        {
            samples[*c as usize].push(snapshot.messages[i].queue_id.clone());
        }
    }
    r.campaigns = qc
        .clustering
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| {
            #[allow(clippy::cast_precision_loss)]
            let share = qc.ndrs[i] as f64 / r.ndrs.max(1) as f64;
            CampaignStat {
                label: c.definition.clone(),
                kind: c.kind,
                value: c.value.clone(),
                ndrs: qc.ndrs[i],
                share,
                spam: qc.spam[i],
                messages: qc.ndrs[i] + qc.spam[i],
                background: c.background,
                shared: c
                    .shared
                    .iter()
                    .map(|(k, v, n)| (k.describe(v), *n))
                    .collect(),
                filter: campaign_filter(&c.definition),
                sample: std::mem::take(&mut samples[i]),
            }
        })
        .collect();
    r.unattributed = r.ndrs - qc.ndrs.iter().sum::<usize>();
    r.mixers.clone_from(&qc.clustering.mixers);
    r.forged_domains = ranked(forged);
    r.original_sender_domains = ranked(orig_domains);
    let (facts, samples, _) = submitters(snapshot, &view, networks);
    let judged = compromise::assess_all(&facts);
    r.accounts = facts
        .into_iter()
        .zip(judged)
        .zip(samples)
        .map(
            |((f, j), (sample, filter)): ((AccountFacts, Assessment), _)| AccountStat {
                filter,
                user: f.name,
                kind: f.kind,
                messages: f.messages,
                recipients: f.recipients,
                recipient_domains: f.recipient_domains,
                outside_mynetworks: f.clients.iter().filter(|c| c.outside_mynetworks).count(),
                client_addresses: f.clients.into_iter().map(|c| c.address).collect(),
                compromised: j.compromised,
                score: j.score,
                reasons: j.reasons,
                summary: j.summary,
                sample,
            },
        )
        .collect();
    r.accounts.sort_by(|a, b| {
        b.compromised
            .cmp(&a.compromised)
            .then(b.score.cmp(&a.score))
            .then(b.messages.cmp(&a.messages))
            .then_with(|| a.user.cmp(&b.user))
    });
    r.verdict = verdict(&r, now);
    r
}

/// Build and verify the `header_checks` rules for the queue's campaigns (see
/// [`super::rules`]); `tester` runs Postfix's own table lookups.
#[must_use]
pub fn check_rules(
    snapshot: &Snapshot,
    index: &ContentIndex,
    tester: &dyn super::rules::RuleTester,
) -> RulePlan {
    let view = ContentView::new(snapshot, index);
    let headers = super::rules::corpus_lines(super::rules::LEGIT_HEADERS);
    let body = super::rules::corpus_lines(super::rules::LEGIT_BODY);
    super::rules::plan(&view, view.campaigns(), &headers, &body, tester)
}

fn ranked(m: HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A campaign names the cause only when it explains a real part of the storm.
pub const VERDICT_MIN_SHARE: f64 = 0.2;

fn verdict(r: &StormReport, now: i64) -> String {
    let flagged: Vec<&AccountStat> = r.accounts.iter().filter(|a| a.compromised).collect();
    if r.ndrs == 0 && flagged.is_empty() {
        return "No NDR storm: no bounces from the null sender in the queue.".to_owned();
    }
    let mut parts = Vec::new();
    if r.ndrs > 0 {
        let mut s = format!(
            "{} NDRs ({:.0}% of deferred)",
            thousands(r.ndrs),
            r.ndr_share_of_deferred * 100.0
        );
        let big: Vec<&CampaignStat> = r
            .campaigns
            .iter()
            .filter(|c| c.share >= VERDICT_MIN_SHARE)
            .take(3)
            .collect();
        if big.is_empty() {
            if r.campaigns.is_empty() {
                s.push_str(", no campaign found in the returned originals");
            } else {
                s.push_str(&format!(
                    ", spread over {} campaign{} (none above {:.0}%)",
                    r.campaigns.len(),
                    if r.campaigns.len() == 1 { "" } else { "s" },
                    VERDICT_MIN_SHARE * 100.0
                ));
            }
        } else {
            let names: Vec<String> = big
                .iter()
                .map(|c| {
                    format!(
                        "{} ({} NDRs, {:.0}%)",
                        sanitize(&c.label),
                        thousands(c.ndrs),
                        c.share * 100.0
                    )
                })
                .collect();
            s.push_str(&format!(" caused by spam with {}", names.join("; ")));
        }
        if let Some(t) = r.first_seen {
            s.push_str(&format!(" since {}", format_since(t, now)));
        }
        if r.rate_per_minute >= 10.0 {
            s.push_str(&format!(" ({:.0}/min)", r.rate_per_minute));
        } else {
            s.push_str(&format!(" ({:.1}/min)", r.rate_per_minute));
        }
        parts.push(s);
    }
    for a in flagged.iter().take(3) {
        let who = if a.kind == SubmitterKind::User {
            sanitize(&a.user).into_owned()
        } else {
            format!("account {}", sanitize(&a.user))
        };
        parts.push(format!("{who} probably compromised: {}", a.summary));
    }
    let mut v = parts.join("; ");
    v.push('.');
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::content::{Content, Ndr, Original};
    use crate::postfix::parse::parse_stream;

    #[test]
    fn verdict_names_campaign_and_account() {
        let mut lines = Vec::new();
        for i in 0..10 {
            lines.push(format!(r#"{{"queue_name":"deferred","queue_id":"N{i}","arrival_time":{},"message_size":1,"sender":"MAILER-DAEMON","recipients":[{{"address":"v{i}@victim-a.example"}}]}}"#, 10_000 - i * 60));
        }
        for i in 0..120 {
            lines.push(format!(r#"{{"queue_name":"deferred","queue_id":"S{i}","arrival_time":{},"message_size":1,"sender":"partner@example.test","recipients":[{{"address":"a@d{}.example"}},{{"address":"b@e{i}.example"}},{{"address":"c@f{i}.example"}}]}}"#, 9000 - i * 60, i % 12));
        }
        lines.push(r#"{"queue_name":"deferred","queue_id":"L1","arrival_time":9000,"message_size":1,"sender":"alice@example.test","recipients":[{"address":"bob@partner.example"}]}"#.to_owned());
        let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
        let mut index = ContentIndex::new();
        let spam = Original {
            from_name: Some("CANADA PHARMACY".into()),
            from_address: Some("x@pharma.example".into()),
            subject: Some("Pills 50% off".into()),
            ..Original::default()
        };
        for m in &snap.messages {
            let c = if m.null_sender {
                Content {
                    ndr: Some(Ndr {
                        original: Some(spam.clone()),
                        ..Ndr::default()
                    }),
                    ..Content::default()
                }
            } else if m.queue_id.as_str() == "L1" {
                Content {
                    client_address: Some("127.0.0.1".into()),
                    own: Some(Original {
                        subject: Some("Lunch".into()),
                        ..Original::default()
                    }),
                    ..Content::default()
                }
            } else {
                let n: u32 = m.queue_id.as_str()[1..].parse().expect("n");
                Content {
                    sasl_username: Some("partner@example.test".into()),
                    client_address: Some(format!("186.216.156.{}", n % 2)),
                    own: Some(spam.clone()),
                    ..Content::default()
                }
            };
            index.insert(m.key(), c);
        }
        let nets = Networks::parse("127.0.0.0/8");
        let r = analyze(&snap, &index, &nets, Some(4), 10_030);
        assert_eq!(r.ndrs, 10);
        assert_eq!(r.deferred, 131);
        assert_eq!(r.growth, Some(6));
        assert_eq!(r.campaigns.len(), 1, "{:#?}", r.campaigns);
        let c = &r.campaigns[0];
        assert_eq!(c.label, "subject \"pills #% off\"");
        assert_eq!((c.ndrs, c.spam, c.messages), (10, 120, 130));
        assert_eq!(c.filter, "campaign:=\"subject \\\"pills #% off\\\"\"");
        assert_eq!(r.forged_domains, vec![("victim-a.example".to_owned(), 10)]);
        let a = &r.accounts[0];
        assert_eq!(a.user, "partner@example.test");
        assert_eq!(
            (
                a.messages,
                a.recipients,
                a.recipient_domains,
                a.client_addresses.len()
            ),
            (120, 360, 252, 2)
        );
        assert!(a.compromised, "{a:#?}");
        assert!(!r.accounts[1].compromised);
        assert_eq!(r.per_minute.iter().sum::<u64>(), 10);
        assert!(
            r.verdict.starts_with(
                "10 NDRs (8% of deferred) caused by spam with subject \"pills #% off\" (10 NDRs, 100%) since 02:37 (0.2/min)"
            ),
            "{}",
            r.verdict
        );
        assert!(
            r.verdict.contains("account partner@example.test probably compromised: 120 messages to 360 recipients in 252 domains"),
            "{}",
            r.verdict
        );
        // The filter selects exactly what the row counts.
        let f = crate::model::Filter::parse(&c.filter).expect("filter");
        let view = ContentView::new(&snap, &index);
        let sel = crate::model::select_with(
            &snap,
            &f,
            &crate::model::MatchContext {
                now: 10_030,
                content: Some(&view),
                logins: None,
            },
        );
        assert_eq!(sel.indices.len(), c.messages);
    }

    #[test]
    fn old_storms_carry_their_date() {
        let line = r#"{"queue_name":"deferred","queue_id":"N1","arrival_time":1795558620,"message_size":1,"sender":"MAILER-DAEMON","recipients":[{"address":"v@victim-a.example"}]}"#;
        let snap = parse_stream(line.as_bytes(), "MAILER-DAEMON").expect("parse");
        let r = analyze(
            &snap,
            &ContentIndex::new(),
            &Networks::default(),
            None,
            1_795_558_620 + 5 * 86_400 + 60,
        );
        assert!(
            r.verdict.contains("since Tue 24 Nov 22:17, 5 days"),
            "{}",
            r.verdict
        );
        assert!(r.verdict.contains("no campaign found"), "{}", r.verdict);
    }

    #[test]
    fn quiet_queue_has_a_quiet_verdict() {
        let r = analyze(
            &Snapshot::default(),
            &ContentIndex::new(),
            &Networks::default(),
            None,
            0,
        );
        assert!(r.verdict.starts_with("No NDR storm"));
    }

    #[test]
    fn thousands_separator() {
        assert_eq!(thousands(3980), "3,980");
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
