//! Countermeasures for a cause, as text for the admin to review and paste. Never applied.

use std::fmt::Write as _;

use super::storm::{AccountStat, CampaignStat};

/// Escape a literal for a Postfix PCRE table pattern delimited by `/`.
#[must_use]
pub fn pcre_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\^$.|?*+()[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Like [`pcre_escape`], but digit runs become `\d+` (order numbers and prices vary).
#[must_use]
pub fn pcre_escape_fold_digits(s: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push_str("\\d+");
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        out.push_str(&pcre_escape(&c.to_string()));
    }
    out
}

/// `header_checks` lines (PCRE) rejecting a campaign by its `From:` display name and its
/// `Subject:`, built from the raw header values (what Postfix matches: encoded words stay
/// encoded).
#[must_use]
pub fn header_checks(c: &CampaignStat) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(from) = &c.from_raw {
        let display = from.split('<').next().unwrap_or("").trim();
        if !display.is_empty() {
            lines.push(format!(
                "/^From:\\s*{}\\s*</ REJECT spam campaign (mailq-tui)",
                pcre_escape(display)
            ));
        }
    }
    if let Some(subject) = c.subject_raw.as_ref().filter(|s| !s.trim().is_empty()) {
        lines.push(format!(
            "/^Subject:\\s*{}/ REJECT spam campaign (mailq-tui)",
            pcre_escape_fold_digits(subject.trim())
        ));
    }
    lines
}

/// The whole advice text for a campaign behind backscatter.
#[must_use]
pub fn for_campaign(c: &CampaignStat, dsn_seen: bool) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Campaign: {} ({} NDRs in the queue)",
        c.label, c.messages
    );
    let _ = writeln!(
        t,
        "# 1. Reject the spam itself: /etc/postfix/header_checks (review first!)"
    );
    for l in header_checks(c) {
        let _ = writeln!(t, "{l}");
    }
    let _ = writeln!(
        t,
        "#    main.cf:  header_checks = pcre:/etc/postfix/header_checks   then: postfix reload"
    );
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
    let term = campaign_filter(c);
    let _ = writeln!(
        t,
        "# Then purge: mailq-tui hold {term}   (inspect, then)   mailq-tui delete {term}"
    );
    t
}

/// A filter term selecting the campaign's NDRs (`campaign:"CANADA PHARMACY"`), as typed
/// into the TUI's filter: quotes and backslashes escaped the way the filter language reads
/// them, no shell quoting.
#[must_use]
pub fn campaign_term(c: &CampaignStat) -> String {
    let who = c
        .from_name
        .as_deref()
        .or(c.from_address.as_deref())
        .unwrap_or(&c.label);
    format!("campaign:{}", filter_quote(who))
}

/// A filter term selecting an account's messages exactly (`sasl:=user`).
#[must_use]
pub fn account_term(a: &AccountStat) -> String {
    let user = if a.user.chars().any(|c| c.is_whitespace() || c == '"') {
        filter_quote(&a.user)
    } else {
        a.user.clone()
    };
    format!("sasl:={user}")
}

/// `"value"` with `\` and `"` escaped as the filter language's quoted values expect.
fn filter_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A filter term selecting the campaign's NDRs, quoted for a POSIX shell.
#[must_use]
pub fn campaign_filter(c: &CampaignStat) -> String {
    let term = campaign_term(c);
    format!("'{}'", term.replace('\'', r"'\''"))
}

/// The advice text for a probably compromised account.
#[must_use]
pub fn for_account(a: &AccountStat) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Account {} sent {} messages to {} domains from {} client addresses: {}",
        a.user,
        a.messages,
        a.recipient_domains,
        a.client_addresses.len(),
        shortlist(&a.client_addresses, 8)
    );
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
    let _ = writeln!(
        t,
        "# 3. Purge its queued spam: mailq-tui hold sasl:={0}  (inspect)  mailq-tui delete sasl:={0}",
        a.user
    );
    t
}

fn shortlist(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        let _ = write!(s, ", … and {} more", items.len() - n);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(pcre_escape("a.b/c (d)"), "a\\.b\\/c \\(d\\)");
        assert_eq!(
            pcre_escape_fold_digits("Viagra 80% off - order 4411"),
            "Viagra \\d+% off - order \\d+"
        );
        assert_eq!(pcre_escape("=?UTF-8?B?R8O8?="), "=\\?UTF-8\\?B\\?R8O8\\?=");
    }
}
