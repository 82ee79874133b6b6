//! uid → user name in the password database of the queue's host, for local submitters
//! ([`crate::model::submitter`]): `getpwuid_r` here (nix's `User::from_uid`), `getent
//! passwd` over the host's ssh link. Each uid is asked once per adapter; `mail_owner`'s uid
//! (whose pickup stamps mark requeued mail) is looked up with the first question.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::model::submitter::Users;

/// Most uids asked in one `getent` run (a queue has a handful of local submitters).
pub(crate) const MAX_PER_LOOKUP: usize = 1000;

/// What an adapter learned so far.
#[derive(Debug, Default)]
pub(crate) struct UserCache {
    inner: Mutex<Cached>,
}

#[derive(Debug, Default)]
struct Cached {
    users: Users,
    asked: HashSet<u32>,
    owner_asked: bool,
}

/// One lookup's answer: uid → name for the uids found, and `mail_owner`'s uid when it was
/// asked for and found.
pub(crate) struct Answer {
    pub names: HashMap<u32, String>,
    pub owner: Option<u32>,
}

impl UserCache {
    /// The users known for `uids`: cached answers, and one `fetch(new uids, ask_owner)` for
    /// what is new. A failed lookup is not repeated (names stay unknown: the uid is shown).
    pub(crate) fn users(&self, uids: &[u32], fetch: impl FnOnce(&[u32], bool) -> Answer) -> Users {
        let Ok(mut c) = self.inner.lock() else {
            return Users::default();
        };
        let mut new: Vec<u32> = uids
            .iter()
            .copied()
            .filter(|u| !c.asked.contains(u))
            .collect();
        new.sort_unstable();
        new.dedup();
        new.truncate(MAX_PER_LOOKUP);
        if !new.is_empty() || !c.owner_asked {
            let ask_owner = !c.owner_asked;
            let a = fetch(&new, ask_owner);
            c.asked.extend(new.iter().copied());
            c.users.names.extend(a.names);
            if ask_owner {
                c.owner_asked = true;
                c.users.owner = a.owner;
            }
        }
        Users {
            names: uids
                .iter()
                .filter_map(|u| c.users.names.get(u).map(|n| (*u, n.clone())))
                .collect(),
            owner: c.users.owner,
        }
    }
}

/// The local password database (`getpwuid_r`, `getpwnam_r`).
pub(crate) fn local_lookup(uids: &[u32], owner_name: Option<&str>) -> Answer {
    use nix::unistd::{Uid, User};
    let names = uids
        .iter()
        .filter_map(|&u| {
            let user = User::from_uid(Uid::from_raw(u)).ok()??;
            Some((u, crate::model::text::sanitize(&user.name).into_owned()))
        })
        .collect();
    let owner = owner_name
        .and_then(|n| User::from_name(n).ok().flatten())
        .map(|u| u.uid.as_raw());
    Answer { names, owner }
}

/// `getent passwd` output for `uids` (and `owner_name`) → the answer.
pub(crate) fn parse_getent(out: &str, uids: &[u32], owner_name: Option<&str>) -> Answer {
    let all = crate::model::submitter::parse_passwd(out);
    let owner = owner_name.and_then(|o| all.iter().find(|(_, n)| *n == o).map(|(u, _)| *u));
    let names = all.into_iter().filter(|(u, _)| uids.contains(u)).collect();
    Answer { names, owner }
}

/// A `mail_owner` value fit to pass to `getent`: a plain user name.
pub(crate) fn valid_owner(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn each_uid_is_asked_once_and_the_owner_with_the_first_question() {
        let cache = UserCache::default();
        let calls = RefCell::new(Vec::new());
        let fetch = |uids: &[u32], owner: bool| {
            calls.borrow_mut().push((uids.to_vec(), owner));
            Answer {
                names: uids
                    .iter()
                    .filter(|u| **u != 4242)
                    .map(|u| (*u, format!("u{u}")))
                    .collect(),
                owner: owner.then_some(107),
            }
        };
        let u = cache.users(&[33, 33, 4242], fetch);
        assert_eq!(u.names.get(&33).map(String::as_str), Some("u33"));
        assert_eq!(u.owner, Some(107));
        assert!(!u.names.contains_key(&4242));
        let u = cache.users(&[33, 4242], |_, _| panic!("asked again"));
        assert_eq!(u.names.len(), 1);
        cache.users(&[1000, 33], fetch);
        assert_eq!(
            *calls.borrow(),
            vec![(vec![33, 4242], true), (vec![1000], false)]
        );
    }

    #[test]
    fn local_lookup_reads_this_machine_and_getent_output_is_filtered() {
        let a = local_lookup(&[0], Some("root"));
        assert_eq!(a.names.get(&0).map(String::as_str), Some("root"));
        assert_eq!(a.owner, Some(0));
        let a = parse_getent(
            "postfix:x:107:114::/var/spool/postfix:/usr/sbin/nologin\nwww-data:x:33:33::/var/www:/bin/false\n",
            &[33],
            Some("postfix"),
        );
        assert_eq!(a.owner, Some(107));
        assert_eq!(a.names.len(), 1);
        assert_eq!(valid_owner("postfix"), Some("postfix"));
        assert_eq!(valid_owner("-x"), None);
        assert_eq!(valid_owner("a b"), None);
    }
}
