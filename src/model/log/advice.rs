//! Countermeasure text for a compromised account, naming the addresses from the log:
//! plain text to review and paste, never applied by us.

use std::fmt::Write as _;

use super::logins::AccountReport;
use crate::model::text::sanitize;

/// Where the generated client access list is meant to live.
pub const CLIENT_ACCESS_PATH: &str = "/etc/postfix/compromised_clients.cidr";

/// The steps for one account: password, a `check_client_access` list of its login
/// addresses, a fail2ban jail for SASL failures, Dovecot's `allow_nets`.
#[must_use]
pub fn for_account(acc: &AccountReport, logpath: &str) -> String {
    let user = sanitize(&acc.user);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {user}: {} logins from {} addresses",
        acc.logins,
        acc.addresses.len()
    );
    let _ = writeln!(
        s,
        "# 1. Change the password of {user} (it is known to whoever logs in below); then\n#    `mailq-tui logins` shows these addresses failing (\"failing now\")."
    );
    let _ = writeln!(
        s,
        "# 2. Refuse the addresses that used it: {CLIENT_ACCESS_PATH} (a cidr table, no postmap)"
    );
    for a in &acc.addresses {
        // An address is data from the log: only plain address characters go into a table.
        if a.address
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
        {
            let _ = writeln!(
                s,
                "{:<39} REJECT account {user} was used from this address",
                a.address
            );
        }
    }
    let _ = writeln!(
        s,
        "#    main.cf, before permit_sasl_authenticated:\n#    smtpd_relay_restrictions = check_client_access cidr:{CLIENT_ACCESS_PATH}, permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination\n#    (and the same in master.cf for submission: -o smtpd_relay_restrictions=…), then: postfix reload"
    );
    let _ = writeln!(
        s,
        "# 3. Stop password guessing: a fail2ban jail for SASL failures (jail.local)\n[postfix-sasl]\nenabled  = true\nfilter   = postfix[mode=auth]\nport     = smtp,submission,submissions,imap,imaps,pop3,pop3s\nlogpath  = {logpath}\nmaxretry = 3\nbantime  = 1d"
    );
    let _ = writeln!(
        s,
        "# 4. Dovecot SASL: restrict where {user} may log in from, e.g. in its passdb extra fields:\n#    allow_nets=192.0.2.0/24   (the networks the owner really uses)"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(addrs: &[&str]) -> AccountReport {
        AccountReport::for_test("carol@lab.test\u{1b}[2J", addrs)
    }

    #[test]
    fn names_addresses_and_is_terminal_safe() {
        let t = for_account(
            &acc(&["192.0.2.7", "2001:db8::5", "1.2.3.4 OK\nx"]),
            "/var/log/mail.log",
        );
        assert!(t.contains("192.0.2.7"));
        assert!(t.contains("2001:db8::5"));
        assert!(!t.contains("1.2.3.4 OK"), "hostile address in a table line");
        assert!(!t.contains('\u{1b}'));
        assert!(t.contains("filter   = postfix[mode=auth]"));
        assert!(t.contains("check_client_access cidr:"));
    }
}
