//! Countermeasures for a cause, as text for the admin to review and paste. Never applied.
//!
//! The `header_checks` lines come from the verified [`RulePlan`] (built and checked with
//! Postfix in [`super::rules`]); this module only words the advice around them.

use std::fmt::Write as _;

use super::format::thousands;
use super::rules::RulePlan;
use super::storm::{AccountStat, CampaignStat};

/// Shell-quote a filter for a POSIX shell command line.
#[must_use]
pub fn shell_quote(term: &str) -> String {
    format!("'{}'", term.replace('\'', r"'\''"))
}

/// The whole advice text for a campaign behind backscatter. `rules`: the verified plan,
/// when Postfix could check one.
#[must_use]
pub fn for_campaign(c: &CampaignStat, rules: Option<&RulePlan>, dsn_seen: bool) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Campaign: {} — {} NDRs ({:.0}% of the storm){}",
        c.label,
        thousands(c.ndrs),
        c.share * 100.0,
        if c.spam > 0 {
            format!(" and {} queued spam", thousands(c.spam))
        } else {
            String::new()
        }
    );
    let _ = writeln!(t, "# 1. Reject the spam itself (review first!)");
    match rules {
        None => {
            let _ = writeln!(
                t,
                "#    No header_checks rule shown: rules are proposed only after Postfix's postmap checked them \
                 (run `mailq-tui storm` where postmap is installed)."
            );
        }
        Some(p) => {
            let mine = p.for_campaign(&c.label);
            if mine.is_empty() {
                let why: Vec<_> = p
                    .refused
                    .iter()
                    .filter(|r| r.basis.ends_with(&format!("of campaign {}", c.label)))
                    .map(|r| format!("#    - {}: {}", r.basis, r.why))
                    .collect();
                let _ = writeln!(t, "#    No safe rule for this campaign.");
                for w in why {
                    let _ = writeln!(t, "{w}");
                }
            }
            for r in mine {
                let _ = writeln!(t, "#    {}: {}", r.table.name(), p.figures(r));
                let _ = writeln!(t, "{}", r.line);
            }
            let _ = writeln!(
                t,
                "#    main.cf:  header_checks = pcre:/etc/postfix/header_checks   (body_checks likewise)   then: postfix reload"
            );
        }
    }
    let _ = writeln!(
        t,
        "# 2. Refuse incoming backscatter: /etc/postfix/check_backscatterer"
    );
    let _ = writeln!(t, "<>            reject_rbl_client ips.backscatterer.org");
    let _ = writeln!(t, "postmaster    reject_rbl_client ips.backscatterer.org");
    let _ = writeln!(
        t,
        "#    main.cf:  smtpd_sender_restrictions = check_sender_access hash:/etc/postfix/check_backscatterer\n#    then: postmap /etc/postfix/check_backscatterer && postfix reload"
    );
    if dsn_seen {
        let _ = writeln!(t, "# 3. The storm used DSN: stop offering it to strangers");
        let _ = writeln!(t, "smtpd_discard_ehlo_keywords = silent-discard, dsn");
    }
    let term = shell_quote(&c.filter);
    let _ = writeln!(
        t,
        "# Then purge ({} messages: {} NDRs + {} queued spam): mailq-tui hold {term}   (inspect, then)   mailq-tui delete {term}",
        thousands(c.messages),
        thousands(c.ndrs),
        thousands(c.spam)
    );
    t
}

/// The advice text for a probably compromised account.
#[must_use]
pub fn for_account(a: &AccountStat) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Account {}: {}", a.user, a.summary);
    for r in &a.reasons {
        let _ = writeln!(t, "#   - {r}");
    }
    let _ = writeln!(
        t,
        "# 1. Change the account's password now (it was probably phished or reused)."
    );
    let _ = writeln!(
        t,
        "# 2. Block it from sending until then: /etc/postfix/sasl_access"
    );
    let _ = writeln!(t, "{}    REJECT account suspended (compromised)", a.user);
    let _ = writeln!(
        t,
        "#    main.cf:  smtpd_sender_restrictions = check_sasl_access hash:/etc/postfix/sasl_access, ...\n#    then: postmap /etc/postfix/sasl_access && postfix reload"
    );
    let _ = writeln!(
        t,
        "#    or restrict where it may log in from (Dovecot passdb extra field): allow_nets=192.0.2.0/24"
    );
    let term = shell_quote(&a.filter);
    let _ = writeln!(
        t,
        "# 3. Purge its queued mail ({} messages): mailq-tui hold {term}  (inspect)  mailq-tui delete {term}",
        thousands(a.messages)
    );
    t
}
