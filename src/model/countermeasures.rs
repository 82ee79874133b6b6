//! Countermeasures for a cause, as text for the admin to review and paste. Never applied.
//!
//! The `header_checks` lines come from the verified [`RulePlan`] (built and checked with
//! Postfix in [`super::rules`]); this module only words the advice around them.

use std::fmt::Write as _;

use super::compromise::SubmitterKind;
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
    if a.kind == SubmitterKind::User {
        return for_local_user(a);
    }
    let mut t = findings(&format!("Account {}", a.user), a);
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
    purge(&mut t, a);
    t
}

/// `# WHO: summary` and one line per reason.
fn findings(who: &str, a: &AccountStat) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# {who}: {}", a.summary);
    for r in &a.reasons {
        let _ = writeln!(t, "#   - {r}");
    }
    t
}

/// Step 3 of every submitter's advice: hold, inspect, delete its queued mail.
fn purge(t: &mut String, a: &AccountStat) {
    let term = shell_quote(&a.filter);
    let _ = writeln!(
        t,
        "# 3. Purge its queued mail ({} messages): mailq-tui hold {term}  (inspect)  mailq-tui delete {term}",
        thousands(a.messages)
    );
}

/// The advice for a local user whose `sendmail` submissions look like spam: no password to
/// change, a script to find (a hacked web application, a cron job) and `sendmail` to close.
fn for_local_user(a: &AccountStat) -> String {
    let mut t = findings(&a.user, a);
    // `submitter:=NAME`: the name (or uid) as the password database has it.
    let name = a
        .filter
        .strip_prefix("submitter:=")
        .unwrap_or(&a.filter)
        .trim_matches('"');
    let q = shell_quote(name);
    let _ = writeln!(
        t,
        "# 1. Find what sends as this user (no SMTP login: a script run with sendmail):"
    );
    let _ = writeln!(t, "ps -o pid,etime,args -u {q}");
    let _ = writeln!(t, "crontab -l -u {q}");
    let _ = writeln!(
        t,
        "#    its web roots / home (getent passwd {q}): scripts changed lately, e.g."
    );
    let _ = writeln!(
        t,
        "find \"$(getent passwd {q} | cut -d: -f6)\" -xdev -type f -name '*.php' -mtime -3"
    );
    let _ = writeln!(
        t,
        "#    the mail log names each submission: pickup ... uid=UID from=<...>"
    );
    let _ = writeln!(
        t,
        "# 2. Stop it from submitting mail until it is cleaned (sendmail then refuses it):"
    );
    let _ = writeln!(
        t,
        "#    main.cf:  authorized_submit_users = !{name}, static:anyone\n#    (!{name} goes before the current value: postconf -h authorized_submit_users)\n#    then: postfix reload"
    );
    purge(&mut t, a);
    t
}
