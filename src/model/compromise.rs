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
//! - from the mail log: ≥ 3 client addresses never seen before the window: 1; an address
//!   that failed to log in and then got in: 4 when the account is used from ≥ 3 addresses,
//!   else 1 (a mistyped password); addresses that also log in to 3+ other accounts: 1.
//!
//! Flagged at [`FLAG_SCORE`] points with at least one client outside `mynetworks` and some
//! volume (a handful of messages is never a compromise) — or, instead of the volume, a
//! guessing address that got in to an account used from ≥ 3 addresses; a local submitter
//! (no client address) needs one point more. A newsletter to 30 customers scores at most 4.
//!
//! This is the one scorer: the storm analysis ranks the queue's submitters with it and
//! `mailq-tui logins` ranks the log's accounts with it ([`crate::model::log::logins`]).

use std::net::IpAddr;

use serde::Serialize;

use super::format::{plural, plural_es, thousands};
use super::storm::COMPROMISED_MIN_CLIENTS;

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
    /// From the mail log (0 from the queue): client addresses first seen for the account
    /// within the window,
    pub new_addresses: usize,
    /// addresses that failed to log in and then logged in to it,
    pub guessed_then_in: usize,
    /// and its addresses that also log in to three or more other accounts.
    pub shared_addresses: usize,
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

/// Judge every submitter against the others (the median of the others' message counts:
/// one sort, not one per submitter).
#[must_use]
pub fn assess_all(accounts: &[AccountFacts]) -> Vec<Assessment> {
    let mut sorted: Vec<usize> = accounts.iter().map(|a| a.messages).collect();
    sorted.sort_unstable();
    let n = sorted.len();
    accounts
        .iter()
        .map(|a| {
            // The others: `sorted` without one occurrence of this count (any one: the
            // rest is the same multiset), whose median is at index (n - 1) / 2.
            let median = (n > 1).then(|| {
                let at = sorted.partition_point(|&m| m < a.messages);
                let k = (n - 1) / 2;
                if k < at { sorted[k] } else { sorted[k + 1] }
            });
            assess(a, median)
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
        plural(a.messages),
        thousands(a.recipients),
        plural(a.recipients)
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
                plural_es(outside.len())
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
    if a.new_addresses >= COMPROMISED_MIN_CLIENTS {
        add(
            1,
            format!("{} addresses never seen before", thousands(a.new_addresses)),
        );
    }
    // A guessing address that got in: from one of few addresses, as likely a mistyped
    // password as a guessed one.
    let guessed = a.guessed_then_in > 0 && a.clients.len() >= COMPROMISED_MIN_CLIENTS;
    if a.guessed_then_in > 0 {
        add(
            if guessed { 4 } else { 1 },
            format!(
                "{} address{} guessed passwords, then got in",
                thousands(a.guessed_then_in),
                plural_es(a.guessed_then_in)
            ),
        );
    }
    if a.shared_addresses > 0 {
        add(
            1,
            format!(
                "{} address{} also log in to 3+ other accounts",
                thousands(a.shared_addresses),
                plural_es(a.shared_addresses)
            ),
        );
    }
    let compromised = (some || guessed)
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
            plural_es(outside.len()),
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
            new_addresses: 0,
            guessed_then_in: 0,
            shared_addresses: 0,
        }
    }

    #[test]
    fn the_median_of_the_others_is_that_of_a_sort_per_submitter() {
        let counts = [5, 1, 400, 5, 3, 2, 2, 90, 7];
        let all: Vec<AccountFacts> = counts.iter().map(|&m| facts(m, m, 1, &[])).collect();
        for (i, got) in assess_all(&all).iter().enumerate() {
            let mut others: Vec<usize> = counts
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &m)| m)
                .collect();
            others.sort_unstable();
            let want = assess(&all[i], Some(others[others.len() / 2]));
            assert_eq!(*got, want, "submitter {i}");
        }
        assert_eq!(assess_all(&all[..1]), vec![assess(&all[0], None)]);
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
