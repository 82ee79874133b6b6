//! How suspicious one SASL account looks, from plain facts: a pure function, so the queue's
//! storm analysis and the mail log can feed the same scoring.

use serde::Serialize;

use crate::model::format::thousands;
use crate::model::storm::{COMPROMISED_MIN_CLIENTS, COMPROMISED_MIN_DOMAINS};

/// What is known about one account, from the queue, the log, or both.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountFacts {
    /// Different client addresses the account logged in from.
    pub client_addresses: usize,
    /// Of those, first seen within the window (never before it).
    pub new_addresses: usize,
    pub messages: u64,
    pub recipients: u64,
    /// Different recipient domains (0 when unknown, as in the log).
    pub recipient_domains: usize,
    /// Delivery outcomes of its messages, per recipient.
    pub sent: u64,
    pub undelivered: u64,
    /// Addresses that failed to log in (guessed) and later logged in to this account.
    pub guessed_then_in: usize,
    /// Addresses that log in to at least three accounts and also to this one.
    pub shared_addresses: usize,
}

/// The score and the reasons for it, strongest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub score: u32,
    pub compromised: bool,
    pub signals: Vec<String>,
}

/// A score at or above this flags the account as probably compromised.
pub const COMPROMISED_SCORE: u32 = 50;

/// Score an account: many (new) client addresses, mail that mostly does not get through,
/// many recipients per message, a guessing address that got in, addresses shared with
/// other accounts.
#[must_use]
pub fn score(f: &AccountFacts) -> Verdict {
    let mut score = 0u32;
    let mut signals = Vec::new();
    let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    if f.client_addresses >= COMPROMISED_MIN_CLIENTS {
        score = score.saturating_add(n(f.client_addresses).saturating_mul(4).min(60));
        signals.push(format!(
            "logged in from {} addresses",
            thousands(f.client_addresses)
        ));
    }
    if f.new_addresses >= COMPROMISED_MIN_CLIENTS {
        score = score.saturating_add(n(f.new_addresses).saturating_mul(2).min(30));
        signals.push(format!(
            "{} addresses never seen before",
            thousands(f.new_addresses)
        ));
    }
    if f.guessed_then_in > 0 {
        score = score.saturating_add(40);
        signals.push(format!(
            "{} address(es) guessed passwords, then got in",
            thousands(f.guessed_then_in)
        ));
    }
    if f.shared_addresses > 0 {
        score = score.saturating_add(20);
        signals.push(format!(
            "{} address(es) also log in to 3+ other accounts",
            thousands(f.shared_addresses)
        ));
    }
    let outcomes = f.sent + f.undelivered;
    if outcomes >= 10 && f.undelivered * 2 > outcomes {
        score = score.saturating_add(25);
        signals.push(format!(
            "{}% of deliveries deferred or bounced",
            f.undelivered * 100 / outcomes
        ));
    }
    if f.messages >= 5 && f.recipients >= f.messages * 3 {
        score = score.saturating_add(10);
        signals.push(format!(
            "{:.1} recipients per message",
            f.recipients as f64 / f.messages as f64
        ));
    }
    if f.recipient_domains >= COMPROMISED_MIN_DOMAINS {
        score = score.saturating_add(10);
        signals.push(format!(
            "mail to {} recipient domains",
            thousands(f.recipient_domains)
        ));
    }
    Verdict {
        score,
        compromised: score >= COMPROMISED_SCORE,
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_user_is_not_flagged() {
        let v = score(&AccountFacts {
            client_addresses: 2,
            messages: 40,
            recipients: 45,
            sent: 45,
            ..AccountFacts::default()
        });
        assert!(!v.compromised, "{v:?}");
        assert!(v.signals.is_empty());
    }

    #[test]
    fn a_botnet_account_is_flagged_with_reasons() {
        let v = score(&AccountFacts {
            client_addresses: 37,
            new_addresses: 33,
            messages: 4120,
            recipients: 16_000,
            sent: 480,
            undelivered: 15_520,
            ..AccountFacts::default()
        });
        assert!(v.compromised);
        assert_eq!(v.signals[0], "logged in from 37 addresses");
        assert!(
            v.signals
                .iter()
                .any(|s| s == "97% of deliveries deferred or bounced")
        );
    }

    #[test]
    fn a_guesser_that_got_in_is_enough_with_few_addresses() {
        let v = score(&AccountFacts {
            client_addresses: 3,
            guessed_then_in: 1,
            ..AccountFacts::default()
        });
        assert!(v.compromised, "{v:?}");
    }
}
