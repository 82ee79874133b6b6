//! The verdict on one account of the mail log. The scoring itself is the storm analysis's
//! ([`crate::model::compromise::assess`]): the log fills the same facts (addresses, new
//! addresses, guessing addresses that got in, shared addresses, volume, outcomes), so the
//! queue and the log rank accounts with the same code.

use serde::Serialize;

use crate::model::compromise::Assessment;

/// The score and the reasons for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub score: u32,
    pub compromised: bool,
    pub signals: Vec<String>,
}

impl From<Assessment> for Verdict {
    fn from(a: Assessment) -> Self {
        Self {
            score: a.score,
            compromised: a.compromised,
            signals: a.reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compromise::{AccountFacts, ClientUse, SubmitterKind, assess};

    /// Log facts, as `LoginAnalyzer::finish` fills them: every address a client that had
    /// to authenticate.
    fn log_facts(addresses: usize, messages: usize, recipients: usize) -> AccountFacts {
        AccountFacts {
            name: "u@example.test".into(),
            kind: SubmitterKind::Sasl,
            messages,
            recipients,
            recipient_domains: 0,
            deferred_or_bounced: 0,
            clients: (0..addresses)
                .map(|i| ClientUse {
                    address: format!("198.51.100.{i}"),
                    outside_mynetworks: true,
                })
                .collect(),
            first: None,
            last: None,
            new_addresses: 0,
            guessed_then_in: 0,
            shared_addresses: 0,
        }
    }

    fn verdict(f: &AccountFacts, peer_median: Option<usize>) -> Verdict {
        assess(f, peer_median).into()
    }

    #[test]
    fn an_ordinary_user_is_not_flagged() {
        let v = verdict(&log_facts(2, 40, 45), Some(30));
        assert!(!v.compromised, "{v:?}");
        // Only that it logs in from outside: nothing about volume, addresses or guessing.
        assert_eq!(v.signals, ["from 2 addresses outside mynetworks"]);
    }

    #[test]
    fn a_botnet_account_is_flagged_with_reasons() {
        let mut f = log_facts(37, 4120, 16_000);
        f.new_addresses = 33;
        // 15,520 of 16,000 recipients deferred or bounced: the same share of messages.
        f.deferred_or_bounced = 4120 * 15_520 / 16_000;
        let v = verdict(&f, Some(12));
        assert!(v.compromised, "{v:?}");
        for want in [
            "from 37 addresses outside mynetworks",
            "33 addresses never seen before",
            "97% deferred or bounced",
        ] {
            assert!(v.signals.iter().any(|s| s == want), "{want}: {v:?}");
        }
    }

    #[test]
    fn a_guesser_that_got_in_is_enough_with_few_addresses() {
        let mut f = log_facts(3, 0, 0);
        f.guessed_then_in = 1;
        let v = verdict(&f, None);
        assert!(v.compromised, "{v:?}");
        // A mistyped password from the only address is not.
        let mut f = log_facts(1, 60, 60);
        f.guessed_then_in = 1;
        assert!(!verdict(&f, Some(50)).compromised);
    }
}
