//! Local submitters: mail handed to Postfix with `sendmail` (a web script, a cron job), with
//! no SMTP client and no SASL login behind it.
//!
//! pickup(8) prepends `Received: by $myhostname ($mail_name, from userid UID)` (then
//! `\tid …; date`) to the content of every message it takes from the maildrop; UID is the
//! owner of the maildrop file, i.e. the user who ran `sendmail` (pickup.c). That header is
//! the first one of the queued message. Everything below it came from the submitter, so a
//! `from userid 0` further down is a forgery and never believed.
//!
//! Which headers are Postfix's own: the top one always (pickup, smtpd, qmqpd and the
//! bounce/forward code all prepend theirs). Below it the chain continues only through
//! headers Postfix adds *on top of content it already queued itself*:
//! - `by HOST (NAME)`: post_mail (NDRs, notices) and local(8)'s forwarded copies;
//! - `by HOST (NAME, from userid OWNER)`: `postsuper -r` puts a queue file back into the
//!   maildrop as `mail_owner`, and pickup stamps it again.
//!
//! with the same HOST and NAME as the top header. So the submitter is the first pickup uid
//! in that chain that is not `mail_owner`; reading stops right there. Resolving uids to
//! names (the password database of the queue's host) is the adapter's job: the mapping
//! comes in as [`Users`].

use std::collections::HashMap;

use serde::Serialize;

/// uid → user name on the queue's host, and the uid of `mail_owner` (whose pickup stamps
/// mark requeued mail). Filled by the adapter; empty when unknown (a capture, the demo).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    pub names: HashMap<u32, String>,
    pub owner: Option<u32>,
}

/// The local user who submitted a message with `sendmail`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submitter {
    pub uid: u32,
    /// The user name on the queue's host, when the password database had it.
    pub name: Option<String>,
    /// The uid as text, for filters (`submitter:33`).
    #[serde(skip)]
    pub uid_text: String,
}

impl Submitter {
    /// The name when known, the uid otherwise: the group label and the filter value.
    #[must_use]
    pub fn key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.uid_text)
    }

    /// `local user www-data (uid 33)`, `local uid 1234 (no such user)` when unknown.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.name {
            Some(n) => format!("local user {n} (uid {})", self.uid),
            None => format!("local uid {} (not in the password database)", self.uid),
        }
    }
}

/// One `Received:` header as Postfix writes it for mail that did not come over the network.
#[derive(Debug, PartialEq, Eq)]
enum Hop<'a> {
    /// `by HOST (NAME, from userid UID)`: pickup.
    Pickup { by: (&'a str, &'a str), uid: u32 },
    /// `by HOST (NAME)`: post_mail or a forwarded copy.
    Local { by: (&'a str, &'a str) },
}

/// Parse `by HOST (NAME[, from userid UID]) …` (unfolded). Anything else (`from …` of
/// smtpd, other MTAs) is `None`.
fn hop(received: &str) -> Option<Hop<'_>> {
    let rest = received.trim_start().strip_prefix("by ")?;
    let (host, rest) = rest.split_once(' ')?;
    let inner = rest.trim_start().strip_prefix('(')?;
    let (inner, after) = inner.split_once(')')?;
    // pickup and post_mail write nothing but `id …; date` after the comment.
    let after = after.trim_start();
    if !(after.is_empty() || after.starts_with("id ") || after.starts_with(';')) {
        return None;
    }
    if host.is_empty() || host.contains(['(', ')', ';']) {
        return None;
    }
    match inner.split_once(',') {
        None => {
            (!inner.is_empty() && !inner.contains(' ')).then_some(Hop::Local { by: (host, inner) })
        }
        Some((name, uid)) => {
            let uid = uid.trim().strip_prefix("from userid ")?;
            if name.is_empty() || name.contains(' ') || !uid.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(Hop::Pickup {
                by: (host, name),
                uid: uid.parse().ok()?,
            })
        }
    }
}

/// The pickup uids of the chain of Postfix's own `Received:` headers at the top of
/// `received` (newest first, unfolded), top first, up to and including the first that is
/// not `owner` when `owner` is given. Empty when the top header is not Postfix's local
/// kind (mail that came over SMTP).
#[must_use]
pub fn chain_uids(received: &[String]) -> Vec<u32> {
    let mut uids = Vec::new();
    let Some(top) = received.first().and_then(|r| hop(r)) else {
        return uids;
    };
    let anchor = match top {
        Hop::Pickup { by, .. } | Hop::Local { by } => by,
    };
    for r in received {
        match hop(r) {
            Some(Hop::Local { by }) if by.0.eq_ignore_ascii_case(anchor.0) && by.1 == anchor.1 => {}
            Some(Hop::Pickup { by, uid })
                if by.0.eq_ignore_ascii_case(anchor.0) && by.1 == anchor.1 =>
            {
                uids.push(uid);
            }
            _ => break,
        }
    }
    uids
}

/// [`chain_uids`] for an NDR: its `own` headers, and the `original` it returns. Only an NDR
/// this host generated (its top header is post_mail's `by HOST (NAME)`, which no SMTP
/// client can put on top) vouches for the original's chain, and only when that chain is
/// anchored at the same HOST and NAME: then the returned original is this host's own queue
/// file, and its pickup stamp names who submitted the spam that bounced. An NDR that
/// arrived over SMTP (a remote MTA's bounce, anyone's forgery) names nobody.
#[must_use]
pub fn ndr_chain_uids(own: &[String], original: &[String]) -> Vec<u32> {
    let Some(Hop::Local { by }) = own.first().and_then(|r| hop(r)) else {
        return chain_uids(own);
    };
    let same_anchor = match original.first().and_then(|r| hop(r)) {
        Some(Hop::Pickup { by: b, .. } | Hop::Local { by: b }) => {
            b.0.eq_ignore_ascii_case(by.0) && b.1 == by.1
        }
        None => false,
    };
    if same_anchor {
        chain_uids(original)
    } else {
        Vec::new()
    }
}

/// The submitter of a message whose own-chain pickup uids are `uids` (see
/// [`chain_uids`]): the first that is not `mail_owner`. Stamps of `mail_owner` are
/// requeues; when every stamp is one, the mail was requeued (or sent by the mail system
/// itself) and has no local submitter.
#[must_use]
pub fn resolve(uids: &[u32], users: &Users) -> Option<Submitter> {
    let uid = match users.owner {
        Some(owner) => *uids.iter().find(|&&u| u != owner)?,
        None => *uids.first()?,
    };
    Some(Submitter {
        uid,
        name: users.names.get(&uid).cloned(),
        uid_text: uid.to_string(),
    })
}

/// Parse `getent passwd` output (`name:x:uid:gid:gecos:home:shell` lines) into uid → name.
/// Lines that do not parse are skipped; names are sanitized.
#[must_use]
pub fn parse_passwd(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.trim();
            let uid = f.nth(1)?.trim().parse().ok()?;
            (!name.is_empty()).then(|| (uid, super::text::sanitize(name).into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcv(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| (*s).to_owned()).collect()
    }

    const PICKUP33: &str =
        "by mx.example (Postfix, from userid 33) id 4dK1; Mon, 30 Nov 2026 01:02:03 +0000 (UTC)";

    #[test]
    fn the_top_pickup_stamp_names_the_submitter() {
        assert_eq!(chain_uids(&rcv(&[PICKUP33])), vec![33]);
        let users = Users {
            names: HashMap::from([(33, "www-data".to_owned())]),
            owner: Some(107),
        };
        let s = resolve(&[33], &users).unwrap();
        assert_eq!(s.key(), "www-data");
        assert_eq!(s.describe(), "local user www-data (uid 33)");
        let unknown = resolve(&[4242], &users).unwrap();
        assert_eq!(unknown.key(), "4242");
    }

    #[test]
    fn a_forged_stamp_below_the_real_one_is_not_believed() {
        // www-data's script writes its own "from userid 0" header; pickup's is on top.
        let r = rcv(&[
            PICKUP33,
            "by mx.example (Postfix, from userid 0) id 1; Mon, 30 Nov 2026 01:00:00 +0000",
        ]);
        let users = Users {
            names: HashMap::new(),
            owner: Some(107),
        };
        assert_eq!(resolve(&chain_uids(&r), &users).unwrap().uid, 33);
        // Even a forged requeue stamp (mail_owner) below does not move it.
        let r = rcv(&[
            PICKUP33,
            "by mx.example (Postfix, from userid 107) id 2; x",
            "by mx.example (Postfix, from userid 0) id 3; x",
        ]);
        assert_eq!(resolve(&chain_uids(&r), &users).unwrap().uid, 33);
    }

    #[test]
    fn smtp_mail_with_a_forged_stamp_has_no_submitter() {
        let r = rcv(&[
            "from spam.example (unknown [203.0.113.9]) by mx.example (Postfix) with ESMTP id 4dK2; x",
            "by mx.example (Postfix, from userid 0) id 9; x",
        ]);
        assert!(chain_uids(&r).is_empty());
        assert_eq!(resolve(&chain_uids(&r), &Users::default()), None);
    }

    #[test]
    fn requeued_mail_keeps_its_original_submitter() {
        // postsuper -r: pickup stamps the requeued file as mail_owner (107) on top.
        let r = rcv(&[
            "by mx.example (Postfix, from userid 107) id A; x",
            "by mx.example (Postfix, from userid 107) id B; x",
            PICKUP33,
        ]);
        let users = Users {
            names: HashMap::new(),
            owner: Some(107),
        };
        assert_eq!(chain_uids(&r), vec![107, 107, 33]);
        assert_eq!(resolve(&chain_uids(&r), &users).unwrap().uid, 33);
        // Requeued SMTP mail: the chain ends at smtpd's header, no local submitter.
        let r = rcv(&[
            "by mx.example (Postfix, from userid 107) id A; x",
            "from a.example (a.example [198.51.100.7]) by mx.example (Postfix) with ESMTP id 1; x",
        ]);
        assert_eq!(resolve(&chain_uids(&r), &users), None);
    }

    #[test]
    fn forwarded_copies_and_other_hosts() {
        // local(8) forwarding a www-data message: "by HOST (Postfix)" on top.
        let r = rcv(&["by mx.example (Postfix) id F; x", PICKUP33]);
        assert_eq!(chain_uids(&r), vec![33]);
        // A stamp of another host (or another mail_name) under ours is not part of the chain.
        let r = rcv(&[
            "by mx.example (Postfix) id F; x",
            "by web1.example (Postfix, from userid 33) id W; x",
        ]);
        assert!(chain_uids(&r).is_empty());
        // Case of the host name does not matter; a custom mail_name does.
        let r = rcv(&[
            "by MX.example (Mailer, from userid 1000) id 1; x",
            "by mx.example (Mailer, from userid 1001) id 2; x",
        ]);
        assert_eq!(chain_uids(&r), vec![1000, 1001]);
    }

    #[test]
    fn a_local_ndr_names_the_submitter_of_the_spam_it_returns() {
        let own = rcv(&["by mx.example (Postfix) id N; x"]);
        assert_eq!(ndr_chain_uids(&own, &rcv(&[PICKUP33])), vec![33]);
        // The original came in over SMTP: nobody local.
        let smtp = rcv(&["from a (a [198.51.100.1]) by mx.example (Postfix) with ESMTP id 1; x"]);
        assert!(ndr_chain_uids(&own, &smtp).is_empty());
        // A bounce that arrived over SMTP, returning an original "stamped" by our name.
        let inbound = rcv(&["from b (b [203.0.113.5]) by mx.example (Postfix) with ESMTP id 2; x"]);
        assert!(ndr_chain_uids(&inbound, &rcv(&[PICKUP33])).is_empty());
        // Another host's NDR (the stamp is web1's, ours is mx's).
        assert!(
            ndr_chain_uids(
                &own,
                &rcv(&["by web1.example (Postfix, from userid 33) id W; x"])
            )
            .is_empty()
        );
    }

    #[test]
    fn malformed_stamps_are_not_believed() {
        for bad in [
            "by mx.example (Postfix, from userid 33x) id 1; x",
            "by mx.example (Postfix, from userid ) id 1; x",
            "by mx.example (Postfix, from userid 99999999999) id 1; x",
            "by mx.example (Post fix, from userid 33) id 1; x",
            "by mx.example (Postfix, from userid 33) with ESMTP id 1; x",
            "by (Postfix, from userid 33) id 1; x",
            "from userid 33",
            "",
        ] {
            assert!(chain_uids(&rcv(&[bad])).is_empty(), "{bad}");
        }
        assert!(chain_uids(&[]).is_empty());
    }

    #[test]
    fn getent_output_is_parsed() {
        let m = parse_passwd(
            "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
             postfix:x:107:114::/var/spool/postfix:/usr/sbin/nologin\n\
             garbage\n\
             evil\x1b[2J:x:5:5::/:/bin/sh\n",
        );
        assert_eq!(m[&33], "www-data");
        assert_eq!(m[&107], "postfix");
        assert!(!m[&5].contains('\x1b'));
        assert_eq!(m.len(), 3);
    }
}
