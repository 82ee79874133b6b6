//! The log evidence beside the storm analysis (the `storm` CLI and the TUI storm screen):
//! per flagged account one sentence, each address's share of its logins, and for a
//! compromised account the countermeasures naming its addresses. Text only, no IO.

use std::fmt::Write as _;

use super::advice;
use super::logins::{AccountReport, LoginReport};
use crate::model::format::{plural, plural_es, thousands};
use crate::model::text::sanitize;
use crate::model::time::format_utc;

/// The log evidence `storm` shows: accounts the log flags as compromised, and accounts the
/// queue's storm analysis names.
#[derive(Debug, Clone, Default)]
pub struct StormEvidence {
    pub accounts: Vec<AccountReport>,
    /// The file a fail2ban jail should watch.
    pub logpath: String,
}

impl StormEvidence {
    /// The accounts of `report` the log flags as compromised or `named` names (the storm's
    /// submitters), most suspicious first.
    #[must_use]
    pub fn of(report: &LoginReport, logpath: &str, named: impl Fn(&str) -> bool) -> Self {
        Self {
            accounts: report
                .accounts
                .iter()
                .filter(|a| a.verdict.compromised || named(&a.user))
                .cloned()
                .collect(),
            logpath: logpath.to_owned(),
        }
    }

    /// The evidence lines: a heading, per account the sentence and its addresses (at most
    /// `top`) with their share. Sanitized.
    #[must_use]
    pub fn lines(&self, top: usize) -> Vec<String> {
        if self.accounts.is_empty() {
            return vec!["Mail log: no account with compromise signals in the window.".to_owned()];
        }
        let mut out = vec!["Mail log evidence:".to_owned()];
        for a in &self.accounts {
            out.push(format!(
                "  {}{}: {}",
                sanitize(&a.user),
                if a.verdict.compromised {
                    " (PROBABLY COMPROMISED)"
                } else {
                    ""
                },
                evidence(a)
            ));
            let total = a.logins.max(1);
            for ad in a.addresses.iter().take(top) {
                out.push(format!(
                    "      {:<39} {:>3}% of logins{}",
                    sanitize(&ad.address),
                    ad.logins * 100 / total,
                    if ad.new { ", new" } else { "" }
                ));
            }
            if a.addresses.len() > top {
                out.push(format!(
                    "      … {} more address{}",
                    thousands(a.addresses.len() - top),
                    plural_es(a.addresses.len() - top)
                ));
            }
        }
        out
    }

    /// The countermeasures for the compromised accounts (or only `user`'s), naming their
    /// addresses; empty when none is compromised.
    #[must_use]
    pub fn countermeasures(&self, user: Option<&str>) -> String {
        let mut s = String::new();
        for a in self
            .accounts
            .iter()
            .filter(|a| a.verdict.compromised && user.is_none_or(|u| u == a.user))
        {
            let _ = writeln!(
                s,
                "\nCountermeasures for {} (from the mail log):",
                sanitize(&a.user)
            );
            s.push_str(&advice::for_account(a, &self.logpath));
        }
        s
    }
}

/// A time from the log, or `?`.
#[must_use]
pub fn when(t: Option<i64>) -> String {
    t.map_or_else(|| "?".to_owned(), format_utc)
}

/// A log count as a `usize` (saturating).
#[must_use]
pub fn count(x: u64) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

/// A log count with thousands separators.
#[must_use]
pub fn n(x: u64) -> String {
    thousands(count(x))
}

/// The log evidence for one account in one sentence (`logins`, `storm`, the storm screen).
#[must_use]
pub fn evidence(a: &AccountReport) -> String {
    let outcomes = a.sent + a.deferred + a.bounced;
    let mut s = format!(
        "logged in {} time{} from {} address{} since {}, {} never seen before",
        n(a.logins),
        plural(count(a.logins)),
        thousands(a.addresses.len()),
        plural_es(a.addresses.len()),
        when(a.first_seen),
        thousands(a.new_addresses)
    );
    let _ = write!(
        s,
        "; {} message{} accepted, {} recipient{}",
        n(a.messages),
        plural(count(a.messages)),
        n(a.recipients),
        plural(count(a.recipients))
    );
    if let Some(share) = ((a.deferred + a.bounced) * 100).checked_div(outcomes) {
        let _ = write!(s, ", {share}% deferred or bounced");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_counts_in_the_singular_and_the_plural() {
        let mut a = AccountReport::for_test("u@example.test", &["192.0.2.1"]);
        a.logins = 1;
        a.new_addresses = 1;
        a.messages = 1;
        a.recipients = 1;
        a.sent = 1;
        assert_eq!(
            evidence(&a),
            "logged in 1 time from 1 address since ?, 1 never seen before; \
             1 message accepted, 1 recipient, 0% deferred or bounced"
        );
        a = AccountReport::for_test("u@example.test", &["192.0.2.1", "192.0.2.2"]);
        a.logins = 2;
        a.new_addresses = 1;
        a.messages = 3;
        a.recipients = 1200;
        a.sent = 1200;
        assert_eq!(
            evidence(&a),
            "logged in 2 times from 2 addresses since ?, 1 never seen before; \
             3 messages accepted, 1,200 recipients, 0% deferred or bounced"
        );
    }

    #[test]
    fn lines_name_each_address_with_its_share_and_cut_at_top() {
        let mut a =
            AccountReport::for_test("u@example.test", &["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
        a.verdict.compromised = true;
        a.logins = 4;
        a.addresses[0].logins = 2;
        a.addresses[1].logins = 1;
        a.addresses[2].logins = 1;
        a.addresses[0].new = true;
        a.addresses[1].new = false;
        let e = StormEvidence {
            accounts: vec![a],
            logpath: "/var/log/mail.log".to_owned(),
        };
        let lines = e.lines(2);
        assert_eq!(lines[0], "Mail log evidence:");
        assert!(lines[1].starts_with("  u@example.test (PROBABLY COMPROMISED): logged in 4"));
        assert!(lines[2].contains("192.0.2.1") && lines[2].contains(" 50% of logins, new"));
        assert!(lines[3].contains("192.0.2.2") && lines[3].ends_with(" 25% of logins"));
        assert_eq!(lines[4], "      … 1 more address");
        assert_eq!(lines.len(), 5);
        let cm = e.countermeasures(None);
        assert!(cm.contains("Countermeasures for u@example.test"));
        assert!(cm.contains("192.0.2.3"));
        assert!(e.countermeasures(Some("other@example.test")).is_empty());
    }
}
