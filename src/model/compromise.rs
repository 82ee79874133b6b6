//! Compromised accounts, judged by behaviour.
//!
//! A phished SASL password is typically driven from one to three addresses, not from a
//! botnet, so counting client addresses alone misses it. [`assess`] scores the facts of
//! one submitter ([`AccountFacts`]: a SASL account, a client address for mail without
//! SASL, or a local user) and says why. It is a pure function of plain facts, so the
//! queue ([`crate::model::storm`]) and the mail log can both feed it.
//!
//! Points (each one shown as a reason when it counts):
//! - volume: ≥ 100 messages or ≥ 300 recipients: 2; ≥ 50 or ≥ 150: 1;
//! - spread: ≥ 10 recipient domains: 2; ≥ 5: 1;
//! - ≥ 4 recipients per message (over ≥ 10 messages): 1;
//! - ≥ 80% of its mail deferred or bounced (over ≥ 20 messages): 1;
//! - clients outside `mynetworks`: 1; from 4 or more such addresses: 2;
//! - an outlier: ≥ 10× the median messages of the other submitters (and ≥ 50): 2;
//! - a rate of ≥ 60 messages an hour (≥ 50 messages over ≥ 10 minutes): 1.
//!
//! Flagged at [`FLAG_SCORE`] points with at least one client outside `mynetworks` and some
//! volume (a handful of messages is never a compromise); a local submitter (no client
//! address) needs one point more. A newsletter to 30 customers scores at most 4.

use std::net::IpAddr;

use serde::Serialize;

use super::format::thousands;

/// Points at which a submitter is flagged.
pub const FLAG_SCORE: u32 = 5;

/// Who submitted the mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubmitterKind {
    /// An authenticated (SASL) account.
    Sasl,
    /// A client address, for mail submitted over SMTP without SASL.
    Client,
    /// Local mail (`sendmail`, no SMTP client) whose user is unknown: keyed by sender.
    Local,
    /// A local user named by pickup's `from userid N` stamp
    /// ([`crate::model::submitter`]): a web script, a cron job.
    User,
}

/// One client address a submitter used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientUse {
    pub address: String,
    pub outside_mynetworks: bool,
}

/// The facts about one submitter. Plain data: the queue and the mail log both fill it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountFacts {
    pub name: String,
    pub kind: SubmitterKind,
    pub messages: usize,
    pub recipients: usize,
    pub recipient_domains: usize,
    /// Messages deferred or bounced (in the queue: in `deferred`).
    pub deferred_or_bounced: usize,
    pub clients: Vec<ClientUse>,
    /// First and last submission (Unix seconds), when known.
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// The judgement on one submitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub score: u32,
    pub compromised: bool,
    /// One line per signal that counted.
    pub reasons: Vec<String>,
    /// `240 messages to 1,053 recipients in 10 domains within 14 h, 98% deferred, from 2
    /// addresses outside mynetworks: 186.216.156.42, 41.203.67.118`.
    pub summary: String,
}

/// `mynetworks`, as `postconf -h mynetworks` prints it: CIDR blocks (and `[::1]/128`
/// forms). Host names, `/file` and `type:table` entries cannot be judged here and are
/// skipped. Unknown (`None`): loopback, private and link-local count as inside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks {
    nets: Option<Vec<(IpAddr, u8)>>,
}

impl Networks {
    /// Parse a `mynetworks` value. An empty value is "unknown".
    #[must_use]
    pub fn parse(value: &str) -> Self {
        let nets: Vec<(IpAddr, u8)> = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter_map(|w| {
                let w = w.trim();
                let (addr, len) = w.split_once('/').unwrap_or((w, ""));
                let addr = addr.trim_start_matches('[').trim_end_matches(']');
                let ip: IpAddr = addr.parse().ok()?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let len = if len.is_empty() {
                    max
                } else {
                    len.parse().ok()?
                };
                (len <= max).then_some((ip, len))
            })
            .collect();
        Self {
            nets: (!nets.is_empty()).then_some(nets),
        }
    }

    /// True when `mynetworks` was read.
    #[must_use]
    pub fn known(&self) -> bool {
        self.nets.is_some()
    }

    /// Whether `ip` is outside `mynetworks` (not an address: never outside).
    #[must_use]
    pub fn outside(&self, ip: &str) -> bool {
        let Ok(ip) = ip.trim_start_matches("IPv6:").parse::<IpAddr>() else {
            return false;
        };
        match &self.nets {
            Some(nets) => !nets.iter().any(|&(net, len)| contains(net, len, ip)),
            None => match ip {
                IpAddr::V4(v4) => {
                    !(v4.is_loopback()
                        || v4.is_private()
                        || v4.is_link_local()
                        || v4.is_unspecified())
                }
                IpAddr::V6(v6) => {
                    !(v6.is_loopback()
                        || v6.is_unspecified()
                        || (v6.segments()[0] & 0xfe00) == 0xfc00)
                }
            },
        }
    }
}

fn contains(net: IpAddr, len: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

fn median(mut v: Vec<usize>) -> Option<usize> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// Judge every submitter against the others.
#[must_use]
pub fn assess_all(accounts: &[AccountFacts]) -> Vec<Assessment> {
    (0..accounts.len())
        .map(|i| {
            let others: Vec<usize> = accounts
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, a)| a.messages)
                .collect();
            assess(&accounts[i], median(others))
        })
        .collect()
}

/// Judge one submitter; `peer_median` is the median message count of the other
/// submitters, when there are any.
#[must_use]
#[allow(clippy::cast_precision_loss)]
pub fn assess(a: &AccountFacts, peer_median: Option<usize>) -> Assessment {
    let mut score = 0;
    let mut reasons = Vec::new();
    let mut add = |points: u32, why: String| {
        score += points;
        reasons.push(why);
    };
    let volume = format!(
        "{} message{} to {} recipient{}",
        thousands(a.messages),
        if a.messages == 1 { "" } else { "s" },
        thousands(a.recipients),
        if a.recipients == 1 { "" } else { "s" }
    );
    let big = a.messages >= 100 || a.recipients >= 300;
    let some = a.messages >= 50 || a.recipients >= 150;
    if big {
        add(2, format!("volume: {volume}"));
    } else if some {
        add(1, format!("volume: {volume}"));
    }
    if a.recipient_domains >= 10 {
        add(2, format!("{} recipient domains", a.recipient_domains));
    } else if a.recipient_domains >= 5 {
        add(1, format!("{} recipient domains", a.recipient_domains));
    }
    let per = a.recipients as f64 / a.messages.max(1) as f64;
    if a.messages >= 10 && per >= 4.0 {
        add(1, format!("{per:.1} recipients per message"));
    }
    let share = a.deferred_or_bounced as f64 / a.messages.max(1) as f64;
    if a.messages >= 20 && share >= 0.8 {
        add(1, format!("{:.0}% deferred or bounced", share * 100.0));
    }
    let outside: Vec<&str> = a
        .clients
        .iter()
        .filter(|c| c.outside_mynetworks)
        .map(|c| c.address.as_str())
        .collect();
    if outside.len() >= 4 {
        add(
            2,
            format!("from {} addresses outside mynetworks", outside.len()),
        );
    } else if !outside.is_empty() {
        add(
            1,
            format!(
                "from {} address{} outside mynetworks",
                outside.len(),
                if outside.len() == 1 { "" } else { "es" }
            ),
        );
    }
    if let Some(m) = peer_median
        && a.messages >= 50
        && a.messages >= 10 * m.max(1)
    {
        add(
            2,
            format!(
                "outlier: {} messages, the other submitters' median is {m}",
                thousands(a.messages)
            ),
        );
    }
    let span = match (a.first, a.last) {
        (Some(f), Some(l)) if l >= f => Some(l - f),
        _ => None,
    };
    if let Some(s) = span
        && s >= 600
        && a.messages >= 50
    {
        let rate = a.messages as f64 * 3600.0 / s as f64;
        if rate >= 60.0 {
            add(1, format!("rate: {rate:.0} messages an hour"));
        }
    }
    let compromised = some
        && match a.kind {
            SubmitterKind::Local | SubmitterKind::User => score > FLAG_SCORE,
            _ => score >= FLAG_SCORE && !outside.is_empty(),
        };
    let mut summary = format!("{volume} in {} domains", a.recipient_domains);
    if let Some(s) = span.filter(|&s| s >= 60) {
        summary.push_str(&format!(" within {}", human_span(s)));
    }
    summary.push_str(&format!(", {:.0}% deferred", share * 100.0));
    if outside.is_empty() {
        if !a.clients.is_empty() {
            summary.push_str(", all clients inside mynetworks");
        }
    } else {
        summary.push_str(&format!(
            ", from {} address{} outside mynetworks: {}",
            outside.len(),
            if outside.len() == 1 { "" } else { "es" },
            shortlist(&outside, 6)
        ));
    }
    Assessment {
        score,
        compromised,
        reasons,
        summary,
    }
}

fn human_span(s: i64) -> String {
    match s {
        ..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

fn shortlist(items: &[&str], n: usize) -> String {
    let mut s = items.iter().take(n).copied().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        s.push_str(&format!(" and {} more", items.len() - n));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(messages: usize, recipients: usize, domains: usize, outside: &[&str]) -> AccountFacts {
        AccountFacts {
            name: "x@example.test".into(),
            kind: SubmitterKind::Sasl,
            messages,
            recipients,
            recipient_domains: domains,
            deferred_or_bounced: messages * 98 / 100,
            clients: outside
                .iter()
                .map(|a| ClientUse {
                    address: (*a).to_owned(),
                    outside_mynetworks: true,
                })
                .collect(),
            first: Some(0),
            last: Some(14 * 3600),
        }
    }

    #[test]
    fn an_account_driven_from_two_addresses_is_flagged_with_reasons() {
        let a = facts(240, 1053, 10, &["186.216.156.42", "41.203.67.118"]);
        let r = assess(&a, Some(3));
        assert!(r.compromised, "{r:?}");
        assert_eq!(
            r.summary,
            "240 messages to 1,053 recipients in 10 domains within 14 h, 98% deferred, from 2 \
             addresses outside mynetworks: 186.216.156.42, 41.203.67.118"
        );
        assert!(r.reasons.iter().any(|x| x.contains("outlier")));
    }

    #[test]
    fn a_newsletter_to_thirty_customers_is_not_flagged() {
        // 30 messages, one per customer, all stuck in deferred, from the office address.
        let a = facts(30, 30, 14, &["198.51.100.7"]);
        let r = assess(&a, Some(2));
        assert!(!r.compromised, "{r:?}");
        // The same newsletter as one message with 30 recipients.
        let b = facts(1, 30, 14, &["198.51.100.7"]);
        assert!(!assess(&b, Some(2)).compromised);
    }

    #[test]
    fn mynetworks_decides_what_is_outside() {
        let n = Networks::parse("127.0.0.0/8 [::1]/128 192.0.2.0/24, 10.1.2.3");
        assert!(n.known());
        assert!(!n.outside("127.0.0.5"));
        assert!(!n.outside("192.0.2.77"));
        assert!(!n.outside("10.1.2.3"));
        assert!(n.outside("10.1.2.4"));
        assert!(n.outside("186.216.156.42"));
        assert!(!n.outside("::1"));
        let unknown = Networks::parse("");
        assert!(!unknown.known());
        assert!(!unknown.outside("10.0.0.1"));
        assert!(unknown.outside("186.216.156.42"));
    }
}
