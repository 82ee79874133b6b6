//! What one Postfix or Dovecot log message says, in the words of the program that wrote it.
//!
//! The strings below were checked against a real Postfix 3.7.11 with Cyrus SASL
//! (`scripts/lab-sasl.sh`) and against Postfix/Dovecot sources' log formats:
//! - smtpd: `6ED2DBE744: client=unknown[1.2.3.4], sasl_method=PLAIN, sasl_username=u@x`
//!   (with `:PORT` after `]` under `smtpd_client_port_logging`, `, sasl_sender=…` after);
//! - smtpd: `warning: unknown[1.2.3.4]: SASL PLAIN authentication failed: authentication
//!   failure, sasl_username=u@x` (the `, sasl_username=` part since Postfix 3.?; older ones
//!   end after the reason, e.g. `UGFzc3dvcmQ6`, the base64 prompt — not a password);
//! - qmgr: `ID: from=<s>, size=240, nrcpt=1 (queue active)`, `ID: removed`;
//! - smtp/local/…: `ID: to=<r>, relay=…, dsn=4.4.1, status=deferred (…)`;
//! - smtpd: `NOQUEUE: reject: RCPT from n[a]: 554 5.7.1 Service unavailable; Client host
//!   [a] blocked using ips.backscatterer.org; from=<> to=<r> proto=ESMTP helo=<h>`;
//! - cleanup: `ID: reject: header Subject: … from n[a]; from=<s> to=<r> proto=ESMTP
//!   helo=<h>: 5.7.1 rule text`;
//! - Dovecot: `imap-login: Login: user=<u>, method=PLAIN, rip=1.2.3.4, lip=…`,
//!   `imap-login: Disconnected (auth failed, 3 attempts in 12 secs): user=<u>, …, rip=…`,
//!   `auth: passwd-file(u,1.2.3.4): Password mismatch`.
//!
//! `Anonymous TLS connection established from …` and everything else is not an event.

/// A delivery outcome from a delivery agent's `status=` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Sent,
    Deferred,
    Bounced,
}

/// A client as Postfix logs it: `name[address]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client<'a> {
    pub name: &'a str,
    pub addr: &'a str,
}

/// Which countermeasure rejected something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind<'a> {
    /// `reject_rbl_client LIST` / `reject_rhsbl_*`: the list's name.
    Rbl(&'a str),
    /// `header_checks`/`body_checks` REJECT: which check (`header`/`body`), the rule's text.
    Checks { what: &'a str, text: &'a str },
    /// An access map (`check_sender_access`, `check_client_access`, …): the reply text.
    Access(&'a str),
}

/// One recognised log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A successful SMTP AUTH, logged when the session's first message got a queue ID.
    SaslLogin {
        qid: &'a str,
        client: Client<'a>,
        method: &'a str,
        user: &'a str,
    },
    /// A message submitted without SMTP AUTH (inbound mail, `mynetworks`): its queue ID
    /// names a new message, not an earlier one that used the same ID.
    Submitted {
        qid: &'a str,
    },
    /// A failed SMTP AUTH; `user` when Postfix logged it.
    SaslFailure {
        client: Client<'a>,
        method: &'a str,
        user: Option<&'a str>,
    },
    /// qmgr took a message: its envelope sender and recipient count.
    Queued {
        qid: &'a str,
        from: &'a str,
        nrcpt: u32,
    },
    Delivery {
        qid: &'a str,
        to: &'a str,
        status: Status,
    },
    Removed {
        qid: &'a str,
    },
    Reject {
        kind: RejectKind<'a>,
        client: Option<Client<'a>>,
    },
    /// Dovecot IMAP/POP3/submission login.
    MailboxLogin {
        service: &'a str,
        user: &'a str,
        addr: &'a str,
    },
    /// Dovecot `auth failed` disconnect: `attempts` failed logins in one connection.
    MailboxFailure {
        service: &'a str,
        user: Option<&'a str>,
        addr: &'a str,
        attempts: u32,
    },
    /// Dovecot's auth process naming a user and address that failed (`Password mismatch`,
    /// `unknown user`): who was tried, where Postfix's own line does not say.
    BackendFailure {
        user: &'a str,
        addr: &'a str,
    },
}

/// `s.find(needle)` through memchr's substring search (the std searcher's setup dominates
/// on log lines this short). Every needle of this module has a prebuilt finder.
fn find(s: &str, needle: &str) -> Option<usize> {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    /// The needles searched forwards, each built once.
    static NEEDLES: [&str; 10] = [
        ", status=",
        " from ",
        "sasl_username=",
        "sasl_method=",
        "nrcpt=",
        " blocked using ",
        ">: ",
        "(auth failed, ",
        "rip=",
        "user=",
    ];
    static FINDERS: LazyLock<Vec<Finder<'static>>> =
        LazyLock::new(|| NEEDLES.iter().map(Finder::new).collect());
    match NEEDLES.iter().position(|n| *n == needle) {
        Some(i) => FINDERS[i].find(s.as_bytes()),
        None => memchr::memmem::find(s.as_bytes(), needle.as_bytes()),
    }
}

/// `s.rfind(needle)`, the same way.
fn rfind(s: &str, needle: &str) -> Option<usize> {
    use memchr::memmem::FinderRev;
    use std::sync::LazyLock;
    static NEEDLES: [&str; 5] = ["; from=<", ">, size=", ", sasl_username=", " from ", "): "];
    static FINDERS: LazyLock<Vec<FinderRev<'static>>> =
        LazyLock::new(|| NEEDLES.iter().map(FinderRev::new).collect());
    match NEEDLES.iter().position(|n| *n == needle) {
        Some(i) => FINDERS[i].rfind(s.as_bytes()),
        None => memchr::memmem::rfind(s.as_bytes(), needle.as_bytes()),
    }
}

/// `s.split_once(": ")`: the separator of `QID: text` and `service: text`.
fn split_colon(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b':', &b[from..]) {
        let at = from + i;
        if b.get(at + 1) == Some(&b' ') {
            return Some((&s[..at], &s[at + 2..]));
        }
        from = at + 1;
    }
    None
}

/// True when `b` could be a Postfix queue ID (short hex or long base-52 IDs).
fn is_qid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Recognise the message of a Postfix daemon (`service` is `smtpd`, `qmgr`, …).
#[must_use]
pub fn postfix_event<'a>(service: &[u8], msg: &'a str) -> Option<Event<'a>> {
    match service {
        b"smtpd" => smtpd(msg),
        b"qmgr" => qmgr(msg),
        b"cleanup" => cleanup(msg),
        b"postsuper" => {
            let (qid, rest) = split_colon(msg)?;
            (rest == "removed" && is_qid(qid)).then_some(Event::Removed { qid })
        }
        b"smtp" | b"lmtp" | b"local" | b"virtual" | b"pipe" | b"error" | b"retry" | b"discard"
        | b"relay" => delivery(msg),
        _ => None,
    }
}

/// The word after `key` up to the next `, ` (or the end).
fn field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let start = find(s, key)? + key.len();
    let rest = &s[start..];
    let end = memchr::memchr(b',', rest.as_bytes()).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// `name[addr]` (optionally followed by `:port`) at the start of `s`.
fn client_at(s: &str) -> Option<(Client<'_>, &str)> {
    let open = memchr::memchr(b'[', s.as_bytes())?;
    let close = open + memchr::memchr(b']', &s.as_bytes()[open..])?;
    let name = &s[..open];
    if memchr::memchr(b' ', name.as_bytes()).is_some() {
        return None;
    }
    let addr = s[open + 1..close]
        .strip_prefix("IPv6:")
        .unwrap_or(&s[open + 1..close]);
    let mut rest = &s[close + 1..];
    if let Some(r) = rest.strip_prefix(':')
        && r.starts_with(|c: char| c.is_ascii_digit())
    {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    Some((Client { name, addr }, rest))
}

fn smtpd(msg: &str) -> Option<Event<'_>> {
    match msg.as_bytes().first()? {
        b'w' => {
            // warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: REASON[, sasl_username=U]
            let rest = msg.strip_prefix("warning: ")?;
            let (client, rest) = client_at(rest)?;
            let rest = rest.strip_prefix(": SASL ")?;
            let (method, rest) = rest.split_once(' ')?;
            let reason = rest.strip_prefix("authentication failed")?;
            // Not a password tried: the SASL server was down, or the client asked for a
            // mechanism that is not offered (fail2ban's postfix filter skips these too).
            if reason.starts_with(": Connection lost to authentication server")
                || reason.starts_with(": Invalid authentication mechanism")
            {
                return None;
            }
            let user = rfind(reason, ", sasl_username=")
                .map(|i| &reason[i + ", sasl_username=".len()..])
                .filter(|u| !u.is_empty());
            Some(Event::SaslFailure {
                client,
                method,
                user,
            })
        }
        b'N' => {
            let rest = msg.strip_prefix("NOQUEUE: ")?;
            smtpd_reject(rest)
        }
        _ => {
            let (qid, rest) = split_colon(msg)?;
            if !is_qid(qid) {
                return None;
            }
            if let Some(c) = rest.strip_prefix("client=") {
                let user = field(c, "sasl_username=").filter(|u| !u.is_empty());
                let (Some(user), Some((client, _))) = (user, client_at(c)) else {
                    return Some(Event::Submitted { qid });
                };
                let method = field(c, "sasl_method=").unwrap_or("");
                return Some(Event::SaslLogin {
                    qid,
                    client,
                    method,
                    user,
                });
            }
            smtpd_reject(rest)
        }
    }
}

/// `reject: RCPT from n[a]: 554 5.7.1 …; from=<…> …` after the queue ID or `NOQUEUE: `.
fn smtpd_reject(rest: &str) -> Option<Event<'_>> {
    let rest = rest.strip_prefix("reject: ")?;
    let at = find(rest, " from ")?;
    let rest = &rest[at + " from ".len()..];
    let (client, rest) = client_at(rest)?;
    let reply = rest.strip_prefix(": ")?;
    let reply = rfind(reply, "; from=<").map_or(reply, |i| &reply[..i]);
    if let Some(i) = find(reply, " blocked using ") {
        let list = &reply[i + " blocked using ".len()..];
        let list = list.split([';', ',', ' ']).next().unwrap_or(list);
        return Some(Event::Reject {
            kind: RejectKind::Rbl(list),
            client: Some(client),
        });
    }
    // Access maps: the reply names what was checked. Unknown users, relay denials and
    // greylisting are not countermeasures and stay out.
    [
        "Sender address rejected",
        "Client host rejected",
        "Helo command rejected",
    ]
    .iter()
    .any(|k| reply.contains(k))
    .then_some(Event::Reject {
        kind: RejectKind::Access(reply),
        client: Some(client),
    })
}

fn cleanup(msg: &str) -> Option<Event<'_>> {
    let (qid, rest) = split_colon(msg)?;
    if !is_qid(qid) {
        return None;
    }
    let rest = rest.strip_prefix("reject: ")?;
    let (what, rest) = rest.split_once(' ')?;
    if what != "header" && what != "body" {
        return None;
    }
    let env = rfind(rest, "; from=<")?;
    let before = &rest[..env];
    let client = rfind(before, " from ")
        .and_then(|i| client_at(&before[i + " from ".len()..]))
        .map(|(c, _)| c);
    let after = &rest[env..];
    let text = find(after, ">: ").map_or("", |i| &after[i + 3..]);
    Some(Event::Reject {
        kind: RejectKind::Checks { what, text },
        client,
    })
}

fn qmgr(msg: &str) -> Option<Event<'_>> {
    let (qid, rest) = split_colon(msg)?;
    if !is_qid(qid) {
        return None;
    }
    if rest == "removed" {
        return Some(Event::Removed { qid });
    }
    let from = rest.strip_prefix("from=<")?;
    let end = rfind(from, ">, size=")?;
    let nrcpt = field(&from[end..], "nrcpt=")?;
    let nrcpt = nrcpt.split(' ').next()?.parse().ok()?;
    Some(Event::Queued {
        qid,
        from: &from[..end],
        nrcpt,
    })
}

fn delivery(msg: &str) -> Option<Event<'_>> {
    let (qid, rest) = split_colon(msg)?;
    if !is_qid(qid) {
        return None;
    }
    let to = rest.strip_prefix("to=<")?;
    let to = &to[..memchr::memchr(b'>', to.as_bytes())?];
    let status = find(rest, ", status=")?;
    let word = &rest[status + ", status=".len()..];
    let status = match word.split([' ', ',']).next()? {
        "sent" => Status::Sent,
        "deferred" => Status::Deferred,
        "bounced" | "expired" => Status::Bounced,
        _ => return None,
    };
    Some(Event::Delivery { qid, to, status })
}

/// `key=<value>` or `key=value` up to `, ` / `)`/ end.
fn dovecot_field<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let i = find(s, key)?;
    if i > 0 && !matches!(s.as_bytes()[i - 1], b' ' | b'(' | b',' | b':') {
        return None;
    }
    let v = &s[i + key.len()..];
    if let Some(inner) = v.strip_prefix('<') {
        return Some(&inner[..inner.find('>')?]);
    }
    Some(v.split([',', ' ', ')']).next().unwrap_or(v))
}

/// Recognise a Dovecot message. `program` is `dovecot` (syslog; then the message starts
/// with the sub-service) or the sub-service itself (Dovecot's own log file).
#[must_use]
pub fn dovecot_event<'a>(program: &'a [u8], msg: &'a str) -> Option<Event<'a>> {
    let (service, rest) = if program == b"dovecot" {
        split_colon(msg)?
    } else {
        (std::str::from_utf8(program).ok()?, msg)
    };
    // Log levels (`Info: `) appear in Dovecot's own files and journald's MESSAGE.
    let rest = ["Info: ", "Warning: ", "Error: "]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
        .unwrap_or(rest);
    if service.ends_with("-login") {
        let addr = dovecot_field(rest, "rip=")?;
        if rest.starts_with("Login: ") {
            let user = dovecot_field(rest, "user=")?;
            return Some(Event::MailboxLogin {
                service,
                user,
                addr,
            });
        }
        let at = find(rest, "(auth failed, ")?;
        let attempts = rest[at + "(auth failed, ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let user = dovecot_field(rest, "user=").filter(|u| !u.is_empty());
        return Some(Event::MailboxFailure {
            service,
            user,
            addr,
            attempts,
        });
    }
    if service == "auth" || service.starts_with("auth-worker") {
        // passwd-file(user,1.2.3.4[,<session>]): Password mismatch | unknown user
        // The last `(…): ` is the lookup's: auth workers put their connection's
        // `(pid=…,uid=…): ` in front of it.
        let close = rfind(rest, "): ")?;
        let open = rest[..close].rfind('(')?;
        let verdict = &rest[close + 3..];
        if !(verdict.contains("Password mismatch")
            || verdict.contains("unknown user")
            || verdict.contains("Authentication failure")
            // PAM's unknown user, LDAP's failed bind.
            || verdict.contains("User not known")
            || verdict.contains("invalid credentials"))
        {
            return None;
        }
        let mut parts = rest[open + 1..close].split(',');
        let user = parts.next()?;
        let addr = parts.next()?;
        if user.is_empty() || user == "?" || addr.is_empty() {
            return None;
        }
        return Some(Event::BackendFailure { user, addr });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtpd_ev(m: &str) -> Option<Event<'_>> {
        postfix_event(b"smtpd", m)
    }

    #[test]
    fn sasl_login() {
        let e = smtpd_ev(
            "6ED2DBE744: client=unknown[186.216.156.42], sasl_method=CRAM-MD5, sasl_username=partner@example.test",
        );
        assert_eq!(
            e,
            Some(Event::SaslLogin {
                qid: "6ED2DBE744",
                client: Client {
                    name: "unknown",
                    addr: "186.216.156.42"
                },
                method: "CRAM-MD5",
                user: "partner@example.test"
            })
        );
        let e = smtpd_ev(
            "4XyZabcDEFghij1: client=mail.example[IPv6:2001:db8::5]:50123, sasl_method=PLAIN, sasl_username=a@b, sasl_sender=x@y",
        );
        let Some(Event::SaslLogin { client, user, .. }) = e else {
            panic!("{e:?}")
        };
        assert_eq!(client.addr, "2001:db8::5");
        assert_eq!(user, "a@b");
        // A client line without SASL is not a login, only a new message with that ID.
        assert_eq!(
            smtpd_ev("6ED2DBE744: client=unknown[1.2.3.4]"),
            Some(Event::Submitted { qid: "6ED2DBE744" })
        );
        assert_eq!(
            smtpd_ev("6ED2DBE744: client=unknown[1.2.3.4], sasl_method=PLAIN, sasl_username="),
            Some(Event::Submitted { qid: "6ED2DBE744" })
        );
        // TLS is noise.
        assert_eq!(
            smtpd_ev(
                "Anonymous TLS connection established from unknown[1.2.3.4]: TLSv1.3 with cipher X"
            ),
            None
        );
    }

    #[test]
    fn sasl_failures_old_and_new() {
        let e = smtpd_ev(
            "warning: unknown[192.0.2.55]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
        );
        assert_eq!(
            e,
            Some(Event::SaslFailure {
                client: Client {
                    name: "unknown",
                    addr: "192.0.2.55"
                },
                method: "LOGIN",
                user: None
            })
        );
        let e = smtpd_ev(
            "warning: unknown[127.0.2.1]: SASL PLAIN authentication failed: authentication failure, sasl_username=carol@lab.test",
        );
        let Some(Event::SaslFailure { user, .. }) = e else {
            panic!()
        };
        assert_eq!(user, Some("carol@lab.test"));
        assert_eq!(
            smtpd_ev("warning: SASL authentication failure: Password verification failed"),
            None
        );
    }

    #[test]
    fn queue_and_delivery() {
        assert_eq!(
            postfix_event(
                b"qmgr",
                "5313D99017A: from=<alice@lab.test>, size=240, nrcpt=3 (queue active)"
            ),
            Some(Event::Queued {
                qid: "5313D99017A",
                from: "alice@lab.test",
                nrcpt: 3
            })
        );
        assert_eq!(
            postfix_event(b"qmgr", "5313D99017A: removed"),
            Some(Event::Removed { qid: "5313D99017A" })
        );
        assert_eq!(
            postfix_event(
                b"qmgr",
                "5313D99017A: from=<a@b>, status=expired, returned to sender"
            ),
            None
        );
        assert_eq!(
            postfix_event(
                b"smtp",
                "A4483: to=<x1@spam-a.example>, relay=none, delay=0.13, delays=0.02/0.11/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:5: Connection refused)"
            ),
            Some(Event::Delivery {
                qid: "A4483",
                to: "x1@spam-a.example",
                status: Status::Deferred
            })
        );
        let local = "5313D: to=<friend@lab.test>, orig_to=<f>, relay=local, delay=0.17, dsn=5.1.1, status=bounced (unknown user: \"friend\")";
        assert!(matches!(
            postfix_event(b"local", local),
            Some(Event::Delivery {
                status: Status::Bounced,
                ..
            })
        ));
    }

    #[test]
    fn rejections() {
        let e = smtpd_ev(
            "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using ips.backscatterer.org; from=<> to=<u@x> proto=ESMTP helo=<h>",
        );
        assert_eq!(
            e,
            Some(Event::Reject {
                kind: RejectKind::Rbl("ips.backscatterer.org"),
                client: Some(Client {
                    name: "unknown",
                    addr: "203.0.113.9"
                })
            })
        );
        let e = postfix_event(
            b"cleanup",
            "963B5990183: reject: header Subject: CANADA PHARMACY deals from unknown[127.0.0.4]; from=<bob@lab.test> to=<boss@lab.test> proto=ESMTP helo=<client.example>: 5.7.1 Spam campaign blocked (lab rule 1)",
        );
        assert_eq!(
            e,
            Some(Event::Reject {
                kind: RejectKind::Checks {
                    what: "header",
                    text: "5.7.1 Spam campaign blocked (lab rule 1)"
                },
                client: Some(Client {
                    name: "unknown",
                    addr: "127.0.0.4"
                })
            })
        );
        // Unknown users are not a countermeasure.
        assert_eq!(
            smtpd_ev(
                "NOQUEUE: reject: RCPT from a[1.2.3.4]: 550 5.1.1 <u@x>: Recipient address rejected: User unknown in local recipient table; from=<s> to=<u@x> proto=ESMTP helo=<h>"
            ),
            None
        );
        assert!(matches!(
            smtpd_ev(
                "NOQUEUE: reject: RCPT from a[1.2.3.4]: 554 5.7.1 <>: Sender address rejected: Access denied; from=<> to=<u@x> proto=ESMTP helo=<h>"
            ),
            Some(Event::Reject {
                kind: RejectKind::Access(_),
                ..
            })
        ));
    }

    #[test]
    fn dovecot() {
        assert_eq!(
            dovecot_event(
                b"dovecot",
                "imap-login: Login: user=<carol@lab.test>, method=PLAIN, rip=198.51.100.7, lip=192.0.2.1, mpid=4242, TLS, session=<abc>"
            ),
            Some(Event::MailboxLogin {
                service: "imap-login",
                user: "carol@lab.test",
                addr: "198.51.100.7"
            })
        );
        assert_eq!(
            dovecot_event(
                b"imap-login",
                "Info: Disconnected (auth failed, 3 attempts in 12 secs): user=<carol@lab.test>, method=PLAIN, rip=198.51.100.8, lip=192.0.2.1, TLS, session=<x>"
            ),
            Some(Event::MailboxFailure {
                service: "imap-login",
                user: Some("carol@lab.test"),
                addr: "198.51.100.8",
                attempts: 3
            })
        );
        assert!(matches!(
            dovecot_event(
                b"dovecot",
                "pop3-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<>, method=PLAIN, rip=203.0.113.4, lip=192.0.2.1, session=<x>"
            ),
            Some(Event::MailboxFailure {
                user: None,
                attempts: 1,
                ..
            })
        ));
        assert_eq!(
            dovecot_event(
                b"dovecot",
                "auth: passwd-file(carol@lab.test,198.51.100.9,<sess>): Password mismatch"
            ),
            Some(Event::BackendFailure {
                user: "carol@lab.test",
                addr: "198.51.100.9"
            })
        );
        // TLS before a login, and the login process's other chatter, are noise.
        assert_eq!(
            dovecot_event(
                b"dovecot",
                "imap-login: Disconnected: Connection closed (no auth attempts in 0 secs): user=<>, rip=1.2.3.4, lip=5.6.7.8, TLS handshaking: SSL_accept() failed"
            ),
            None
        );
    }
}
