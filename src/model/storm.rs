//! The NDR storm preview: how big, how fast, caused by what, and who sent the spam.
//!
//! Pure: takes a snapshot, the content index built from `postcat`, and the previous
//! report's NDR count (for growth). No IO.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use super::content::ContentIndex;
pub use super::format::thousands;
use super::text::sanitize;
use super::time::format_utc;
use super::{QueueId, QueueName, Snapshot, split_address};

/// An account that sends from at least this many foreign client addresses to at least
/// [`COMPROMISED_MIN_DOMAINS`] recipient domains is flagged as probably compromised.
pub const COMPROMISED_MIN_CLIENTS: usize = 3;
pub const COMPROMISED_MIN_DOMAINS: usize = 5;

/// One spam campaign behind NDRs (or outbound mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignStat {
    /// `"From display name" normalised subject`.
    pub label: String,
    pub messages: usize,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// Raw header values as sent (what `header_checks` matches).
    pub from_raw: Option<String>,
    pub subject_raw: Option<String>,
    pub sample: Vec<QueueId>,
}

/// One authenticated (SASL) account with queued mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountStat {
    pub user: String,
    pub messages: usize,
    pub recipients: usize,
    pub recipient_domains: usize,
    pub client_addresses: Vec<String>,
    /// Sends from many foreign addresses to many domains.
    pub compromised: bool,
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
    pub campaigns: Vec<CampaignStat>,
    /// Domains of the (forged) senders the NDRs go back to.
    pub forged_domains: Vec<(String, usize)>,
    /// Domains in the spam's own `From:` (inside the NDRs).
    pub original_sender_domains: Vec<(String, usize)>,
    pub accounts: Vec<AccountStat>,
    /// Some message in the storm asked for DSN (the seed storm did).
    pub dsn_seen: bool,
    pub verdict: String,
}

/// Analyse the queue. `previous_ndrs` is the NDR count of the previous refresh.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn analyze(
    snapshot: &Snapshot,
    index: &ContentIndex,
    previous_ndrs: Option<usize>,
    now: i64,
) -> StormReport {
    let mut r = StormReport {
        per_minute: vec![0; 60],
        per_hour: vec![0; 24],
        deferred: snapshot.count(&QueueName::Deferred).messages,
        ..StormReport::default()
    };
    let mut ndr_deferred = 0usize;
    let mut campaigns: HashMap<String, CampaignStat> = HashMap::new();
    let mut forged: HashMap<String, usize> = HashMap::new();
    let mut orig_domains: HashMap<String, usize> = HashMap::new();
    struct Acc {
        messages: usize,
        recipients: usize,
        domains: BTreeSet<String>,
        clients: BTreeSet<String>,
        sample: Vec<QueueId>,
    }
    let mut accounts: HashMap<String, Acc> = HashMap::new();
    for m in &snapshot.messages {
        let content = index.get(&m.key());
        if content.is_some() {
            r.indexed += 1;
        }
        if let Some(c) = content {
            r.dsn_seen |= c.dsn;
            if let Some(user) = &c.sasl_username {
                let a = accounts.entry(user.clone()).or_insert_with(|| Acc {
                    messages: 0,
                    recipients: 0,
                    domains: BTreeSet::new(),
                    clients: BTreeSet::new(),
                    sample: Vec::new(),
                });
                a.messages += 1;
                a.recipients += m.recipients.len();
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
        if let Some(d) = c.original_sender_domain() {
            *orig_domains.entry(d).or_default() += 1;
        }
        let Some(label) = c.campaign() else { continue };
        let o = c.ndr.as_ref().and_then(|n| n.original.as_ref());
        let e = campaigns
            .entry(label.clone())
            .or_insert_with(|| CampaignStat {
                label,
                messages: 0,
                from_name: o.and_then(|o| o.from_name.clone()),
                from_address: o.and_then(|o| o.from_address.clone()),
                subject: o.and_then(|o| o.subject.clone()),
                from_raw: o.and_then(|o| o.from_raw.clone()),
                subject_raw: o.and_then(|o| o.subject_raw.clone()),
                sample: Vec::new(),
            });
        e.messages += 1;
        if e.sample.len() < 5 {
            e.sample.push(m.queue_id.clone());
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
    r.campaigns = campaigns.into_values().collect();
    r.campaigns.sort_by(|a, b| {
        b.messages
            .cmp(&a.messages)
            .then_with(|| a.label.cmp(&b.label))
    });
    r.forged_domains = ranked(forged);
    r.original_sender_domains = ranked(orig_domains);
    r.accounts = accounts
        .into_iter()
        .map(|(user, a)| {
            let foreign = a.clients.iter().filter(|ip| is_foreign(ip)).count();
            AccountStat {
                compromised: foreign >= COMPROMISED_MIN_CLIENTS
                    && a.domains.len() >= COMPROMISED_MIN_DOMAINS,
                user,
                messages: a.messages,
                recipients: a.recipients,
                recipient_domains: a.domains.len(),
                client_addresses: a.clients.into_iter().collect(),
                sample: a.sample,
            }
        })
        .collect();
    r.accounts.sort_by(|a, b| {
        b.compromised
            .cmp(&a.compromised)
            .then(b.messages.cmp(&a.messages))
            .then_with(|| a.user.cmp(&b.user))
    });
    r.verdict = verdict(&r);
    r
}

fn ranked(m: HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Not loopback, private, link-local or otherwise local: an address out on the Internet.
fn is_foreign(ip: &str) -> bool {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            !(v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified())
        }
        Ok(IpAddr::V6(v6)) => {
            !(v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00)
        }
        Err(_) => false,
    }
}

fn verdict(r: &StormReport) -> String {
    if r.ndrs == 0 && r.accounts.iter().all(|a| !a.compromised) {
        return "No NDR storm: no bounces from the null sender in the queue.".to_owned();
    }
    let mut parts = Vec::new();
    if r.ndrs > 0 {
        let mut s = format!(
            "{} NDRs ({:.0}% of deferred)",
            thousands(r.ndrs),
            r.ndr_share_of_deferred * 100.0
        );
        if let Some(c) = r.campaigns.first() {
            let who = c
                .from_name
                .clone()
                .or_else(|| c.from_address.clone())
                .unwrap_or_else(|| c.label.clone());
            s.push_str(&format!(" caused by '{who}' spam"));
        }
        if let Some(t) = r.first_seen {
            s.push_str(&format!(" since {}", &format_utc(t)[11..16]));
        }
        if r.rate_per_minute >= 10.0 {
            s.push_str(&format!(" ({:.0}/min)", r.rate_per_minute));
        } else {
            s.push_str(&format!(" ({:.1}/min)", r.rate_per_minute));
        }
        parts.push(s);
    }
    if let Some(a) = r
        .accounts
        .iter()
        .find(|a| a.compromised)
        .or_else(|| r.accounts.first())
    {
        parts.push(format!(
            "account {} sent {} messages from {} client address{}{}",
            a.user,
            thousands(a.messages),
            a.client_addresses.len(),
            if a.client_addresses.len() == 1 {
                ""
            } else {
                "es"
            },
            if a.compromised {
                " (probably compromised)"
            } else {
                ""
            }
        ));
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
        for i in 0..4 {
            lines.push(format!(r#"{{"queue_name":"deferred","queue_id":"S{i}","arrival_time":9000,"message_size":1,"sender":"partner@example.test","recipients":[{{"address":"a@d{i}.example"}},{{"address":"b@e{i}.example"}}]}}"#));
        }
        let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
        let mut index = ContentIndex::new();
        for m in &snap.messages {
            let c = if m.null_sender {
                Content {
                    ndr: Some(Ndr {
                        original: Some(Original {
                            from_name: Some("CANADA PHARMACY".into()),
                            from_address: Some("x@pharma.example".into()),
                            subject: Some("Pills 50% off".into()),
                            ..Original::default()
                        }),
                        ..Ndr::default()
                    }),
                    ..Content::default()
                }
            } else {
                let n: u8 = m.queue_id.as_str()[1..].parse().expect("n");
                Content {
                    sasl_username: Some("partner@example.test".into()),
                    client_address: Some(format!("186.216.156.{n}")),
                    ..Content::default()
                }
            };
            index.insert(m.key(), c);
        }
        let r = analyze(&snap, &index, Some(4), 10_030);
        assert_eq!(r.ndrs, 10);
        assert_eq!(r.deferred, 14);
        assert_eq!(r.growth, Some(6));
        assert_eq!(r.campaigns.len(), 1);
        assert_eq!(r.campaigns[0].messages, 10);
        assert_eq!(r.forged_domains, vec![("victim-a.example".to_owned(), 10)]);
        assert_eq!(r.accounts.len(), 1);
        let a = &r.accounts[0];
        assert_eq!(
            (
                a.messages,
                a.recipients,
                a.recipient_domains,
                a.client_addresses.len()
            ),
            (4, 8, 8, 4)
        );
        assert!(a.compromised);
        assert_eq!(r.per_minute.iter().sum::<u64>(), 10);
        assert!(
            r.verdict.starts_with(
                "10 NDRs (71% of deferred) caused by 'CANADA PHARMACY' spam since 02:37 (0.2/min)"
            ),
            "{}",
            r.verdict
        );
        assert!(r.verdict.contains("account partner@example.test sent 4 messages from 4 client addresses (probably compromised)"));
    }

    #[test]
    fn quiet_queue_has_a_quiet_verdict() {
        let r = analyze(&Snapshot::default(), &ContentIndex::new(), None, 0);
        assert!(r.verdict.starts_with("No NDR storm"));
    }

    #[test]
    fn thousands_separator() {
        assert_eq!(thousands(3980), "3,980");
        assert_eq!(thousands(100), "100");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
