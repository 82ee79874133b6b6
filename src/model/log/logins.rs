//! Who logged in from where, who guessed, what each account sent: the mail log folded into
//! per-account and per-address facts, one line at a time.
//!
//! Memory is bounded by the number of accounts, addresses and tried user names (each map
//! has a cap; what falls over it is counted, not stored) and by the messages still
//! in flight (queue IDs joined between smtpd, qmgr and the delivery agents, dropped at
//! `removed`, capped), never by the size of the log.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use idset::IdSet;
use names::{NameIndex, Texts};

use super::event::{Client, Event, RejectKind, Status, dovecot_event, postfix_event};
use super::line::{Clock, Envelope, JournalEntry, StampCache, parse_envelope};
use super::score::Verdict;
use crate::model::compromise::{AccountFacts, ClientUse, SubmitterKind, assess_all};

mod idset;
mod merge;
mod names;

pub use merge::{Chunk, Spent};

/// Distinct client addresses kept; more are counted in [`LoginReport::dropped`].
pub const MAX_ADDRESSES: usize = 1_000_000;
/// Distinct user names tried in failed logins kept (they are chosen by attackers).
pub const MAX_TRIED_USERS: usize = 100_000;
/// Messages in flight (smtpd queue ID seen, not yet removed) kept for the join.
pub const MAX_IN_FLIGHT: usize = 500_000;
/// Longest user name or address stored; longer ones are cut (hostile input).
const MAX_NAME: usize = 320;
/// Distinct clients remembered per rejection rule.
const MAX_REJECT_CLIENTS: usize = 10_000;

/// Which kind of service a login was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Smtp,
    Imap,
    Pop3,
    Other,
}

#[derive(Debug, Default, Clone)]
struct Use {
    /// Logins within the window.
    count: u64,
    /// First and last login, at any time (also before the window).
    first: Option<i64>,
    last: Option<i64>,
    /// Order of the last login among all events (ties within a second stay ordered).
    last_seq: u64,
}

/// One account; its name is in [`LoginAnalyzer::account_ix`].
#[derive(Debug)]
struct Account {
    per_addr: HashMap<u32, Use, FastHash>,
    logins: u64,
    first: Option<i64>,
    last: Option<i64>,
    services: u8,
    methods: Vec<Box<str>>,
    messages: u64,
    recipients: u64,
    sent: u64,
    deferred: u64,
    bounced: u64,
    guessed_then_in: IdSet,
}

/// One client address (its text is in [`LoginAnalyzer::addr_ix`]).
#[derive(Debug)]
struct Address {
    /// The client's host name, in [`LoginAnalyzer::hosts`], once a line named it.
    name: Option<u32>,
    logins: u64,
    failures: u64,
    first_failure: Option<i64>,
    last_failure: Option<i64>,
    last_failure_seq: u64,
    accounts: IdSet,
    tried: IdSet,
}

impl Address {
    /// A new address (see [`IdSet::EMPTY`]).
    const NEW: Self = Self {
        name: None,
        logins: 0,
        failures: 0,
        first_failure: None,
        last_failure: None,
        last_failure_seq: 0,
        accounts: IdSet::EMPTY,
        tried: IdSet::EMPTY,
    };
}

/// One user name tried in failed logins; the name is in [`LoginAnalyzer::tried_ix`].
#[derive(Debug, Default)]
struct Tried {
    failures: u64,
    addrs: IdSet,
}

#[derive(Debug)]
struct InFlight {
    account: u32,
    /// Final status per recipient (hash of the address → last status seen).
    rcpts: Vec<(u64, Status)>,
    counted: bool,
}

/// Rejections per rule text, of one setting.
type Rules = HashMap<Box<str>, Rejection, FastHash>;

#[derive(Debug, Default)]
struct Rejection {
    count: u64,
    /// The clients' addresses by their hash ([`qid_key`]): only their number is reported,
    /// and a rejection storm names thousands of clients in every chunk of the log.
    clients: HashSet<u64, FastHash>,
}

/// Counts about the input itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InputStats {
    pub lines: u64,
    /// Lines that were not syslog/journal lines at all (shown as a warning, never fatal).
    pub unparsed: u64,
    /// Lines with a recognised event.
    pub events: u64,
    /// Events before the window (used only to tell new addresses from known ones).
    pub before_window: u64,
    pub first_time: Option<i64>,
    pub last_time: Option<i64>,
}

/// The streaming analyzer: feed lines, then [`LoginAnalyzer::finish`].
#[derive(Debug)]
pub struct LoginAnalyzer {
    clock: Clock,
    since: Option<i64>,
    accounts: Vec<Account>,
    account_ix: NameIndex,
    addrs: Vec<Address>,
    addr_ix: NameIndex,
    /// The client addresses' host names.
    hosts: Texts,
    tried: Vec<Tried>,
    tried_ix: NameIndex,
    in_flight: HashMap<u64, InFlight, FastHash>,
    flight_order: VecDeque<u64>,
    /// Per setting (`reject_rbl_client`, `header_checks`, …), per rule text.
    rejections: Vec<(&'static str, Rules)>,
    /// Postfix's own failure lines name the user: Dovecot's backend lines then only link.
    postfix_names_users: bool,
    /// Queue IDs of queued messages whose submission is asked about (`login-new:`); shared
    /// with the partial analyzers of chunks read on other threads.
    watch: Arc<HashSet<u64, FastHash>>,
    /// Their SASL submission: queue ID, account, client address.
    queued: HashMap<u64, (Box<str>, u32, u32), FastHash>,
    stamps: StampCache,
    dropped: u64,
    /// Events so far: the order of events, which timestamps (seconds) cannot always tell.
    seq: u64,
    stats: InputStats,
    /// Set in the analyzer of one chunk of a log read on several threads: what it could not
    /// judge alone, for [`LoginAnalyzer::merge`].
    chunk: Option<Box<merge::Pending>>,
    /// The first sequence number of the last chunk handed out ([`LoginAnalyzer::for_chunk`]).
    chunk_seq: u64,
}

impl LoginAnalyzer {
    /// `since`: the window's start (Unix seconds); events before it only tell which client
    /// addresses an account used before.
    #[must_use]
    pub fn new(clock: Clock, since: Option<i64>) -> Self {
        Self {
            clock,
            since,
            accounts: Vec::new(),
            account_ix: NameIndex::default(),
            addrs: Vec::new(),
            addr_ix: NameIndex::default(),
            hosts: Texts::default(),
            tried: Vec::new(),
            tried_ix: NameIndex::default(),
            in_flight: HashMap::with_hasher(FastHash),
            flight_order: VecDeque::new(),
            rejections: Vec::new(),
            postfix_names_users: false,
            watch: Arc::new(HashSet::with_hasher(FastHash)),
            queued: HashMap::with_hasher(FastHash),
            stamps: StampCache::default(),
            dropped: 0,
            seq: 0,
            stats: InputStats::default(),
            chunk: None,
            chunk_seq: 0,
        }
    }

    /// Remember the SASL submission (account, client address, and whether that address is
    /// new for the account in the window) of these queue IDs, e.g. the queued messages:
    /// [`LoginReport::queued`]. Memory: one entry per ID given.
    pub fn watch_queue_ids<'i>(&mut self, ids: impl IntoIterator<Item = &'i str>) {
        Arc::make_mut(&mut self.watch).extend(ids.into_iter().map(|id| qid_key(id.as_bytes())));
    }

    /// One syslog-format line (without or with its trailing newline).
    pub fn push_line(&mut self, line: &[u8]) {
        self.read_line(line, false, true);
    }

    /// One line of `journalctl -o json`.
    pub fn push_journal_line(&mut self, line: &[u8]) {
        self.read_line(line, true, true);
    }

    /// One line, syslog text or journald JSON: counted (`count`; a line kept by a chunk and
    /// replayed at the merge was counted already), split into its envelope, its event
    /// applied. What a chunk's analyzer keeps for the merge comes back.
    fn read_line(&mut self, line: &[u8], journal: bool, count: bool) -> Option<merge::Later> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        self.stats.lines += u64::from(count);
        if journal {
            let entry = JournalEntry::parse(line);
            match entry.as_ref().and_then(JournalEntry::envelope) {
                Some(env) => self.push_envelope(&env),
                None => {
                    self.stats.unparsed += u64::from(count && !line.trim_ascii().is_empty());
                    None
                }
            }
        } else {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            // Borrowed where it was returned: moving the envelope out first copied it, and
            // the copy stalled on every line (reading back as 16-byte words what had just
            // been written as 8-byte ones).
            match &parse_envelope(line) {
                Some(env) => self.push_envelope(env),
                None => {
                    self.stats.unparsed += u64::from(count && !line.is_empty());
                    None
                }
            }
        }
    }

    /// Decode and apply one line's event. In a chunk's analyzer, a line whose meaning depends
    /// on the lines before the chunk is not applied but returned, for the merge.
    fn push_envelope(&mut self, env: &Envelope<'_>) -> Option<merge::Later> {
        let (family, gate) = candidate(env)?;
        // qmgr and delivery lines only matter for messages submitted by an account: look
        // the queue ID up before decoding anything.
        if let Some(k) = gate
            && !self.in_flight.contains_key(&k)
        {
            return self.chunk.as_ref().and_then(|c| c.later_gate(k));
        }
        // Valid UTF-8 (nearly every line) is borrowed; only broken bytes are replaced. The
        // check is SIMD (`simdutf8`): every decoded line pays it, over its whole length.
        let msg = match simdutf8::basic::from_utf8(env.message) {
            Ok(m) => std::borrow::Cow::Borrowed(m),
            Err(_) => String::from_utf8_lossy(env.message),
        };
        let ev = decode(env, family, &msg)?;
        if let Event::Submitted { qid } = ev {
            // Not an event of the report: only the end of an earlier message with this ID.
            self.submitted(qid_key(qid.as_bytes()));
            return None;
        }
        if self.chunk.is_some()
            && !self.postfix_names_users
            && matches!(ev, Event::BackendFailure { .. })
        {
            // Counted only if no Postfix line named a user before, maybe in an earlier chunk.
            return Some(merge::Later::Always);
        }
        let time = self.stamps.time(env, &self.clock);
        self.apply_event(ev, time, gate);
        None
    }

    /// A decoded event in log order; `gate`: its queue ID's key when [`candidate`] made it
    /// (qmgr and delivery lines), so it is not hashed again.
    fn apply_event(&mut self, ev: Event<'_>, time: Option<i64>, gate: Option<u64>) {
        self.stats.events += 1;
        self.seq += 1;
        if let Some(t) = time {
            self.stats.first_time = Some(self.stats.first_time.map_or(t, |f| f.min(t)));
            self.stats.last_time = Some(self.stats.last_time.map_or(t, |l| l.max(t)));
        }
        self.apply(ev, time, gate);
    }

    /// The clock timestamps are read with.
    #[must_use]
    pub fn clock(&self) -> Clock {
        self.clock
    }

    fn in_window(&self, t: Option<i64>) -> bool {
        match (self.since, t) {
            (Some(s), Some(t)) => t >= s,
            _ => true,
        }
    }

    /// The index of an account already seen.
    fn account_of(&self, name: &str) -> Option<u32> {
        self.account_ix.get(name)
    }

    /// The index of a client address already seen.
    fn address_of(&self, addr: &str) -> Option<u32> {
        self.addr_ix.get(addr)
    }

    /// The index of a tried user name already seen.
    fn tried_of(&self, name: &str) -> Option<u32> {
        self.tried_ix.get(name)
    }

    fn account(&mut self, name: &str) -> u32 {
        let name = cut(name);
        if let Some(i) = self.account_of(name) {
            return i;
        }
        let i = self.account_ix.add(name);
        self.accounts.push(Account {
            per_addr: HashMap::with_hasher(FastHash),
            logins: 0,
            first: None,
            last: None,
            services: 0,
            methods: Vec::new(),
            messages: 0,
            recipients: 0,
            sent: 0,
            deferred: 0,
            bounced: 0,
            guessed_then_in: IdSet::default(),
        });
        i
    }

    fn address(&mut self, addr: &str, name: &str) -> Option<u32> {
        let addr = cut(addr);
        if let Some(i) = self.address_of(addr) {
            // The first line that names the client (Dovecot's lines give no name) names it.
            if self.addrs[i as usize].name.is_none() && !name.is_empty() {
                self.addrs[i as usize].name = Some(self.hosts.push(cut(name)));
            }
            return Some(i);
        }
        if self.addrs.len() >= MAX_ADDRESSES {
            self.dropped += 1;
            return None;
        }
        let i = self.addr_ix.add(addr);
        let name = (!name.is_empty()).then(|| self.hosts.push(cut(name)));
        // Copied from the constant, then named: built on the stack, the entry was copied
        // out of stores still in flight.
        self.addrs.push(Address::NEW);
        if let Some(a) = self.addrs.last_mut() {
            a.name = name;
        }
        Some(i)
    }

    /// An address's host name ("" until a line named it).
    fn host(&self, a: &Address) -> &str {
        a.name.map_or("", |n| self.hosts.get(n))
    }

    fn tried_user(&mut self, name: &str) -> Option<u32> {
        let name = cut(name);
        if let Some(i) = self.tried_of(name) {
            return Some(i);
        }
        if self.tried.len() >= MAX_TRIED_USERS {
            self.dropped += 1;
            return None;
        }
        let i = self.tried_ix.add(name);
        self.tried.push(Tried::default());
        Some(i)
    }

    fn login(
        &mut self,
        user: &str,
        client: Client<'_>,
        service: Service,
        method: &str,
        t: Option<i64>,
    ) -> u32 {
        let a = self.account(user);
        let addr = self.address(client.addr, client.name);
        let window = self.in_window(t);
        if !window {
            self.stats.before_window += 1;
        }
        let acc = &mut self.accounts[a as usize];
        if let Some(ad) = addr {
            let u = acc.per_addr.entry(ad).or_default();
            u.first = min_opt(u.first, t);
            u.last = max_opt(u.last, t);
            u.last_seq = self.seq;
            if window {
                u.count += 1;
            }
        }
        if !window {
            return a;
        }
        acc.logins += 1;
        acc.first = min_opt(acc.first, t);
        acc.last = max_opt(acc.last, t);
        acc.services |= 1 << (service as u8);
        if !method.is_empty()
            && acc.methods.len() < 8
            && !acc.methods.iter().any(|m| &**m == method)
        {
            acc.methods.push(cut(method).into());
        }
        if let Some(ad) = addr {
            let address = &mut self.addrs[ad as usize];
            address.logins += 1;
            address.accounts.insert(a);
            // An address that failed (in the window, earlier in the log) and now gets in: the
            // guess (or the phish) worked. Log order, not timestamps: sources are read oldest
            // first, and a chunk read on another thread can tell it at the merge.
            if address.failures > 0 {
                self.accounts[a as usize].guessed_then_in.insert(ad);
            }
        }
        a
    }

    fn failure(&mut self, client: Client<'_>, user: Option<&str>, attempts: u64, t: Option<i64>) {
        if !self.in_window(t) {
            self.stats.before_window += 1;
            return;
        }
        let addr = self.address(client.addr, client.name);
        let tried = user.and_then(|u| self.tried_user(u));
        if let Some(ad) = addr {
            let a = &mut self.addrs[ad as usize];
            a.failures += attempts;
            a.first_failure = min_opt(a.first_failure, t);
            a.last_failure = max_opt(a.last_failure, t);
            a.last_failure_seq = self.seq;
            if let Some(u) = tried
                && a.tried.len() < 1000
            {
                a.tried.insert(u);
            }
        }
        if let Some(u) = tried {
            let tr = &mut self.tried[u as usize];
            tr.failures += attempts;
            if let Some(ad) = addr
                && tr.addrs.len() < 10_000
            {
                tr.addrs.insert(ad);
            }
        }
    }

    fn apply(&mut self, ev: Event<'_>, t: Option<i64>, gate: Option<u64>) {
        // The key of a qmgr or delivery line's queue ID: the gate's (the same bytes: the
        // message up to its first colon) or hashed here.
        let key_of = |qid: &str| {
            let key = gate.unwrap_or_else(|| qid_key(qid.as_bytes()));
            debug_assert_eq!(key, qid_key(qid.as_bytes()), "gate key of {qid:?}");
            key
        };
        match ev {
            Event::SaslLogin {
                qid,
                client,
                method,
                user,
            } => {
                let window = self.in_window(t);
                let a = self.login(user, client, Service::Smtp, method, t);
                if window {
                    self.track(qid, a);
                }
                let key = qid_key(qid.as_bytes());
                if self.watch.contains(&key)
                    && let Some(ad) = self.address_of(cut(client.addr))
                {
                    // A reused queue ID: the latest submission is the queued one.
                    self.queued.insert(key, (qid.into(), a, ad));
                }
            }
            Event::SaslFailure { client, user, .. } => {
                self.postfix_names_users |= user.is_some();
                self.failure(client, user, 1, t);
            }
            Event::MailboxLogin {
                service,
                user,
                addr,
            } => {
                let svc = if service.starts_with("imap") {
                    Service::Imap
                } else if service.starts_with("pop3") {
                    Service::Pop3
                } else {
                    Service::Other
                };
                let client = Client { name: "", addr };
                self.login(user, client, svc, "", t);
            }
            Event::MailboxFailure {
                user,
                addr,
                attempts,
                ..
            } => {
                self.failure(Client { name: "", addr }, user, u64::from(attempts), t);
            }
            Event::BackendFailure { user, addr } => {
                if !self.in_window(t) {
                    return;
                }
                if self.postfix_names_users {
                    // Postfix counted the failure and named the user already.
                    return;
                }
                let (Some(ad), Some(u)) = (self.address(addr, ""), self.tried_user(user)) else {
                    return;
                };
                self.tried[u as usize].failures += 1;
                self.tried[u as usize].addrs.insert(ad);
                if self.addrs[ad as usize].tried.len() < 1000 {
                    self.addrs[ad as usize].tried.insert(u);
                }
            }
            Event::Queued { qid, nrcpt, .. } => {
                if let Some(f) = self.in_flight.get_mut(&key_of(qid))
                    && !f.counted
                {
                    f.counted = true;
                    let acc = &mut self.accounts[f.account as usize];
                    acc.messages += 1;
                    acc.recipients += u64::from(nrcpt);
                }
            }
            Event::Delivery { qid, to, status } => {
                if let Some(f) = self.in_flight.get_mut(&key_of(qid)) {
                    let h = qid_key(to.as_bytes());
                    if let Some(slot) = f.rcpts.iter_mut().find(|(r, _)| *r == h) {
                        slot.1 = status;
                    } else if f.rcpts.len() < 10_000 {
                        f.rcpts.push((h, status));
                    }
                }
            }
            // Handled before it gets here (not an event of the report).
            Event::Submitted { .. } => {}
            Event::Removed { qid } => {
                if let Some(f) = self.in_flight.remove(&key_of(qid)) {
                    self.settle(&f);
                }
            }
            Event::Reject { kind, client } => {
                if !self.in_window(t) {
                    return;
                }
                let (label, rule) = match kind {
                    RejectKind::Rbl(list) => ("reject_rbl_client", list),
                    RejectKind::Checks { what, text } => (
                        if what == "body" {
                            "body_checks"
                        } else {
                            "header_checks"
                        },
                        text,
                    ),
                    RejectKind::Access(text) => ("access map", text),
                };
                let rule = cut(rule);
                let i = match self.rejections.iter().position(|(l, _)| *l == label) {
                    Some(i) => i,
                    None => {
                        self.rejections
                            .push((label, HashMap::with_hasher(FastHash)));
                        self.rejections.len() - 1
                    }
                };
                let rules = &mut self.rejections[i].1;
                let r = match rules.get_mut(rule) {
                    Some(r) => r,
                    None => rules.entry(rule.into()).or_default(),
                };
                r.count += 1;
                if let Some(c) = client
                    && r.clients.len() < MAX_REJECT_CLIENTS
                {
                    r.clients.insert(qid_key(cut(c.addr).as_bytes()));
                }
            }
        }
    }

    /// At [`MAX_IN_FLIGHT`] messages in flight the log lost the `removed` lines (or this is a
    /// huge backlog): settle the oldest half with what is known about them.
    fn make_room(&mut self) {
        if self.in_flight.len() < MAX_IN_FLIGHT {
            return;
        }
        while self.in_flight.len() >= MAX_IN_FLIGHT / 2 {
            let Some(old) = self.flight_order.pop_front() else {
                break;
            };
            if let Some(f) = self.in_flight.remove(&old) {
                self.settle(&f);
            }
        }
    }

    /// A message was submitted under this queue ID key: a message that had the ID before
    /// is over (queue IDs are reused), so settle it.
    fn submitted(&mut self, key: u64) {
        if let Some(c) = &mut self.chunk {
            c.tracked(key);
        }
        if let Some(old) = self.in_flight.remove(&key) {
            self.settle(&old);
        }
    }

    /// Start following a message's queue ID (its delivery lines count for `account`).
    fn track(&mut self, qid: &str, account: u32) {
        self.make_room();
        let key = qid_key(qid.as_bytes());
        self.submitted(key);
        self.in_flight.insert(
            key,
            InFlight {
                account,
                rcpts: Vec::new(),
                counted: false,
            },
        );
        self.flight_order.push_back(key);
        if self.flight_order.len() > MAX_IN_FLIGHT * 2 {
            let live = &self.in_flight;
            self.flight_order.retain(|k| live.contains_key(k));
        }
    }

    fn settle(&mut self, f: &InFlight) {
        let acc = &mut self.accounts[f.account as usize];
        for (_, s) in &f.rcpts {
            match s {
                Status::Sent => acc.sent += 1,
                Status::Deferred => acc.deferred += 1,
                Status::Bounced => acc.bounced += 1,
            }
        }
    }

    /// The report: accounts ranked by their compromise score.
    #[must_use]
    ///
    /// Every sort below ends on a unique name, so an unstable sort (which moves the
    /// reports less) gives the one order there is.
    pub fn finish(mut self) -> LoginReport {
        let pending: Vec<InFlight> = self.in_flight.drain().map(|(_, f)| f).collect();
        for f in &pending {
            self.settle(f);
        }
        let since = self.since;
        let is_new = |u: &Use| match (since, u.first) {
            (Some(s), Some(f)) => f >= s,
            _ => false,
        };
        let mut accounts: Vec<AccountReport> = Vec::new();
        let mut facts: Vec<AccountFacts> = Vec::new();
        for (acc, name) in self.accounts.iter().zip(self.account_ix.iter()) {
            if acc.logins == 0 {
                continue;
            }
            let mut addresses: Vec<AddressUse> = acc
                .per_addr
                .iter()
                .filter(|(_, u)| u.count > 0)
                .map(|(&ad, u)| {
                    let a = &self.addrs[ad as usize];
                    AddressUse {
                        address: String::from(self.addr_ix.name(ad)),
                        logins: u.count,
                        first_seen: u.first,
                        last_seen: u.last,
                        new: is_new(u),
                        failing_now: a.last_failure_seq > u.last_seq,
                        other_accounts: a.accounts.len().saturating_sub(1),
                    }
                })
                .collect();
            addresses.sort_unstable_by(|x, y| {
                y.logins
                    .cmp(&x.logins)
                    .then_with(|| x.address.cmp(&y.address))
            });
            let tried = self.tried_of(name).map(|i| &self.tried[i as usize]);
            let mut guessed: Vec<String> = acc
                .guessed_then_in
                .iter()
                .map(|ad| String::from(self.addr_ix.name(ad)))
                .collect();
            guessed.sort_unstable();
            let outcomes = acc.sent + acc.deferred + acc.bounced;
            let undelivered = acc.deferred + acc.bounced;
            let count = |x: u64| usize::try_from(x).unwrap_or(usize::MAX);
            facts.push(AccountFacts {
                name: String::from(name),
                kind: SubmitterKind::Sasl,
                messages: count(acc.messages),
                recipients: count(acc.recipients),
                // The log names recipients, not their domains: unknown.
                recipient_domains: 0,
                // Outcomes are per recipient: the same share of the messages.
                deferred_or_bounced: count(
                    (u128::from(acc.messages) * u128::from(undelivered))
                        .checked_div(u128::from(outcomes))
                        .map_or(0, |x| u64::try_from(x).unwrap_or(u64::MAX)),
                ),
                // A client that had to authenticate was not trusted by its address: as
                // outside `mynetworks`.
                clients: addresses
                    .iter()
                    .map(|a| ClientUse {
                        address: a.address.clone(),
                        outside_mynetworks: true,
                    })
                    .collect(),
                first: acc.first,
                last: acc.last,
                new_addresses: addresses.iter().filter(|a| a.new).count(),
                guessed_then_in: guessed.len(),
                shared_addresses: acc
                    .per_addr
                    .keys()
                    .filter(|&&ad| self.addrs[ad as usize].accounts.len() >= 3)
                    .count(),
            });
            let mut services: Vec<Service> =
                [Service::Smtp, Service::Imap, Service::Pop3, Service::Other]
                    .into_iter()
                    .filter(|s| acc.services & (1 << (*s as u8)) != 0)
                    .collect();
            services.sort_unstable();
            accounts.push(AccountReport {
                user: String::from(name),
                verdict: Verdict::default(),
                logins: acc.logins,
                first_seen: acc.first,
                last_seen: acc.last,
                new_addresses: addresses.iter().filter(|a| a.new).count(),
                messages: acc.messages,
                recipients: acc.recipients,
                sent: acc.sent,
                deferred: acc.deferred,
                bounced: acc.bounced,
                failures: tried.map_or(0, |t| t.failures),
                failure_addresses: tried.map_or(0, |t| t.addrs.len()),
                guessed_then_in: guessed,
                failing_now: addresses
                    .iter()
                    .filter(|a| a.failing_now)
                    .map(|a| a.address.clone())
                    .collect(),
                methods: acc.methods.iter().map(ToString::to_string).collect(),
                services,
                addresses,
            });
        }
        for (report, judged) in accounts.iter_mut().zip(assess_all(&facts)) {
            report.verdict = judged.into();
        }
        accounts.sort_unstable_by(|a, b| {
            b.verdict
                .score
                .cmp(&a.verdict.score)
                .then(b.messages.cmp(&a.messages))
                .then(b.logins.cmp(&a.logins))
                .then_with(|| a.user.cmp(&b.user))
        });
        // A guessing address names dozens of tried users, thousands of addresses the same
        // few hundred: each name is made once and shared, each row sorted by name rank.
        let account_names = SharedNames::new(&self.account_ix);
        let tried_names = SharedNames::new(&self.tried_ix);
        let mut addresses: Vec<AddressReport> = self
            .addrs
            .iter()
            .zip(self.addr_ix.iter())
            .filter(|(a, _)| a.logins > 0 || a.failures > 0)
            .map(|(a, address)| AddressReport {
                address: String::from(address),
                name: String::from(self.host(a)),
                logins: a.logins,
                failures: a.failures,
                first_failure: a.first_failure,
                last_failure: a.last_failure,
                accounts: account_names.sorted(&a.accounts),
                tried_users: tried_names.sorted(&a.tried),
            })
            .collect();
        addresses.sort_unstable_by(|a, b| {
            (b.failures + b.accounts.len() as u64 * 10)
                .cmp(&(a.failures + a.accounts.len() as u64 * 10))
                .then_with(|| a.address.cmp(&b.address))
        });
        let mut tried_users: Vec<TriedUser> = self
            .tried
            .iter()
            .zip(self.tried_ix.iter())
            .filter(|(t, _)| t.failures > 0)
            .map(|(t, user)| TriedUser {
                user: String::from(user),
                failures: t.failures,
                addresses: t.addrs.len(),
                is_account: self.account_of(user).is_some(),
            })
            .collect();
        tried_users.sort_unstable_by(|a, b| {
            b.failures
                .cmp(&a.failures)
                .then_with(|| a.user.cmp(&b.user))
        });
        let mut rejections: Vec<RejectionStat> = self
            .rejections
            .into_iter()
            .flat_map(|(setting, rules)| {
                rules.into_iter().map(move |(rule, r)| RejectionStat {
                    setting: setting.to_owned(),
                    rule: rule.into(),
                    count: r.count,
                    clients: r.clients.len(),
                })
            })
            .collect();
        rejections.sort_unstable_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| a.setting.cmp(&b.setting))
        });
        let mut queued = std::collections::BTreeMap::new();
        for (qid, a, ad) in self.queued.values() {
            let acc = &self.accounts[*a as usize];
            let Some(u) = acc.per_addr.get(ad) else {
                continue;
            };
            queued.insert(
                String::from(&**qid),
                QueuedLogin {
                    user: String::from(self.account_ix.name(*a)),
                    address: String::from(self.addr_ix.name(*ad)),
                    new_address: is_new(u),
                },
            );
        }
        LoginReport {
            since,
            queued,
            input: self.stats,
            dropped: self.dropped,
            accounts,
            addresses,
            tried_users,
            rejections,
        }
    }
}

/// A table's names for the report, each made once and shared by every row naming it, with
/// each name's rank in name order.
struct SharedNames {
    names: Vec<Arc<str>>,
    rank: Vec<u32>,
}

impl SharedNames {
    fn new(index: &NameIndex) -> Self {
        let names: Vec<Arc<str>> = index.iter().map(Arc::from).collect();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_unstable_by(|&a, &b| names[a].cmp(&names[b]));
        let mut rank = vec![0; names.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i] = u32::try_from(r).unwrap_or(u32::MAX);
        }
        Self { names, rank }
    }

    /// The names of `ids`, in name order.
    fn sorted(&self, ids: &IdSet) -> Vec<Arc<str>> {
        let mut ids: Vec<u32> = ids.iter().collect();
        ids.sort_unstable_by_key(|&i| self.rank[i as usize]);
        ids.into_iter()
            .map(|i| Arc::clone(&self.names[i as usize]))
            .collect()
    }
}

/// Which parser reads a line's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Postfix,
    Dovecot,
}

/// Whether a line can hold an event, decided on its program and a cheap look at its
/// message, without the analyzer's state; with the queue ID key of qmgr and delivery lines
/// (they count only for messages in flight: the caller checks, before or after decoding).
pub(crate) fn candidate(env: &Envelope<'_>) -> Option<(Family, Option<u64>)> {
    let service = env.service();
    let postfix = is_postfix_service(service);
    let dovecot = !postfix
        && (env.program == b"dovecot"
            || service.ends_with(b"-login")
            || service == b"auth"
            || service.starts_with(b"auth-worker"));
    if !postfix && !dovecot {
        return None;
    }
    if !quick_candidate(service, env.message) {
        return None;
    }
    if postfix && !matches!(service, b"smtpd" | b"cleanup") {
        // `QID: …`: a queue ID is at most a few dozen characters.
        let colon = env.message.iter().take(64).position(|&b| b == b':')?;
        return Some((Family::Postfix, Some(qid_key(&env.message[..colon]))));
    }
    Some((
        if postfix {
            Family::Postfix
        } else {
            Family::Dovecot
        },
        None,
    ))
}

/// The Postfix daemons whose lines are read (see [`postfix_event`]).
fn is_postfix_service(service: &[u8]) -> bool {
    /// A name of up to seven bytes as one integer, its length in the top byte (no NUL
    /// padding tricks).
    const fn word(s: &[u8]) -> u64 {
        short_word(s) | (s.len() as u64) << 56
    }
    const NAMES: [u64; 12] = [
        word(b"smtpd"),
        word(b"qmgr"),
        word(b"cleanup"),
        word(b"smtp"),
        word(b"lmtp"),
        word(b"local"),
        word(b"virtual"),
        word(b"pipe"),
        word(b"error"),
        word(b"retry"),
        word(b"discard"),
        word(b"relay"),
    ];
    if service.len() > 7 {
        return service == b"postsuper";
    }
    NAMES.contains(&word(service))
}

/// The event in a candidate line's message (`msg`: the message as text).
pub(crate) fn decode<'a>(env: &Envelope<'a>, family: Family, msg: &'a str) -> Option<Event<'a>> {
    match family {
        Family::Postfix => postfix_event(env.service(), msg),
        Family::Dovecot => dovecot_event(env.program, msg),
    }
}

/// A cheap byte test before decoding: most lines (connect/disconnect, TLS, statistics)
/// cannot be events. Must never reject a line an event parser would accept.
fn quick_candidate(service: &[u8], msg: &[u8]) -> bool {
    match service {
        b"smtpd" => {
            // `QID: client=…sasl_username=`, `warning: …authentication failed`, `… reject: `
            // (queue IDs start with a digit or an upper-case letter, never these).
            // `Anonymous TLS connection established`: a space, never in a queue ID.
            !matches!(msg.first(), Some(b'c' | b'd' | b'l' | b't'))
                && !msg.starts_with(b"Anonymous TLS ")
        }
        b"cleanup" => {
            // `QID: reject: …` only (see `event::cleanup`): a queue ID has no ':' and at
            // most 32 characters, so its end is the first ':'. Not a search of the whole
            // line: every message's `message-id=` line is a cleanup line.
            let colon = msg.iter().take(33).position(|&b| b == b':');
            colon.is_some_and(|i| msg[i + 1..].starts_with(b" reject: "))
        }
        _ => true,
    }
}

fn cut(s: &str) -> &str {
    if s.len() <= MAX_NAME {
        return s;
    }
    let mut end = MAX_NAME;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A 64-bit hash of a short string, eight bytes at a time: the key of a queue ID (or a
/// recipient) in the join, and the hash of the name maps. Queue IDs are short and not
/// chosen by clients, and a collision would at worst attribute one delivery line to the
/// wrong message (the name maps compare the names themselves).
pub(crate) fn qid_key(b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ (b.len() as u64).wrapping_mul(K);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(23) ^ short_word(rest)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// Fewer than eight bytes as a little-endian integer (zero above them), by shifts: copying
/// them into an array first calls `memcpy` and then stalls reading back what it wrote, and
/// every line pays this (queue IDs, program names).
const fn short_word(b: &[u8]) -> u64 {
    let mut w = 0;
    let mut i = 0;
    while i < b.len() && i < 8 {
        w |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// The keys above are hashes already: pass them through.
#[derive(Debug, Clone, Copy, Default)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

#[derive(Debug, Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = qid_key(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        // Spread small indices over the table (hashbrown uses the top bits too).
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_usize(&mut self, n: usize) {
        // `str`'s Hash writes its bytes and then a 0xff marker; fold the marker in.
        self.0 ^= (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x0100_0000_01b3);
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// One client address of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressUse {
    pub address: String,
    pub logins: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// First seen within the window, never before it.
    pub new: bool,
    /// Failed to log in after its last successful login (e.g. after a password change).
    pub failing_now: bool,
    /// Other accounts this address logged in to.
    pub other_accounts: usize,
}

/// One SASL (or IMAP/POP3) account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountReport {
    pub user: String,
    pub verdict: Verdict,
    pub logins: u64,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub new_addresses: usize,
    pub messages: u64,
    pub recipients: u64,
    pub sent: u64,
    pub deferred: u64,
    pub bounced: u64,
    /// Failed logins naming this account (where the log names the user).
    pub failures: u64,
    pub failure_addresses: usize,
    pub guessed_then_in: Vec<String>,
    pub failing_now: Vec<String>,
    pub methods: Vec<String>,
    pub services: Vec<Service>,
    pub addresses: Vec<AddressUse>,
}

/// One client address across accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressReport {
    pub address: String,
    pub name: String,
    pub logins: u64,
    pub failures: u64,
    pub first_failure: Option<i64>,
    pub last_failure: Option<i64>,
    /// Shared with every other address naming the same account or user.
    pub accounts: Vec<Arc<str>>,
    pub tried_users: Vec<Arc<str>>,
}

/// A user name tried in failed logins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriedUser {
    pub user: String,
    pub failures: u64,
    pub addresses: usize,
    /// It also logged in successfully in the window.
    pub is_account: bool,
}

/// Rejections by one countermeasure rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionStat {
    /// `reject_rbl_client`, `header_checks`, `body_checks`, `access map`.
    pub setting: String,
    /// The list name or the rule's reply text.
    pub rule: String,
    pub count: u64,
    pub clients: usize,
}

/// Everything `logins` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoginReport {
    pub since: Option<i64>,
    pub input: InputStats,
    /// Addresses or tried names not stored because a cap was reached.
    pub dropped: u64,
    pub accounts: Vec<AccountReport>,
    pub addresses: Vec<AddressReport>,
    pub tried_users: Vec<TriedUser>,
    pub rejections: Vec<RejectionStat>,
    /// The SASL submission of each watched queue ID found in the log
    /// ([`LoginAnalyzer::watch_queue_ids`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub queued: std::collections::BTreeMap<String, QueuedLogin>,
}

/// How a queued message was submitted, from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedLogin {
    pub user: String,
    pub address: String,
    /// The address was first seen for this account within the window (`login-new:yes`).
    pub new_address: bool,
}

#[cfg(test)]
impl AccountReport {
    /// An account with three logins from `addrs` (one each, all new) and nothing else.
    pub(crate) fn for_test(user: &str, addrs: &[&str]) -> Self {
        Self {
            user: user.into(),
            verdict: Verdict::default(),
            logins: 3,
            first_seen: None,
            last_seen: None,
            new_addresses: 0,
            messages: 0,
            recipients: 0,
            sent: 0,
            deferred: 0,
            bounced: 0,
            failures: 0,
            failure_addresses: 0,
            guessed_then_in: vec![],
            failing_now: vec![],
            methods: vec![],
            services: vec![],
            addresses: addrs
                .iter()
                .map(|a| AddressUse {
                    address: (*a).into(),
                    logins: 1,
                    first_seen: None,
                    last_seen: None,
                    new: true,
                    failing_now: false,
                    other_accounts: 0,
                })
                .collect(),
        }
    }
}

impl LoginReport {
    /// The account named `user`, if it logged in within the window.
    #[must_use]
    pub fn account(&self, user: &str) -> Option<&AccountReport> {
        self.accounts.iter().find(|a| a.user == user)
    }

    /// The address `addr`, if it logged in or failed within the window.
    #[must_use]
    pub fn address(&self, addr: &str) -> Option<&AddressReport> {
        self.addresses.iter().find(|a| a.address == addr)
    }
}

#[cfg(test)]
mod quick_tests {
    use super::*;
    use proptest::prelude::*;

    /// Real smtpd and cleanup event messages (from the fixtures and Postfix's sources).
    const EVENTS: &[(&str, &str)] = &[
        (
            "smtpd",
            "4hN3Zk1xQbzBBB: client=unknown[192.0.2.7], sasl_method=PLAIN, sasl_username=u@example.jp",
        ),
        (
            "smtpd",
            "9A011990191: client=mail.example.net[192.0.2.9], sasl_method=LOGIN, sasl_username=carol@lab.test, sasl_sender=x@y",
        ),
        (
            "smtpd",
            "warning: unknown[192.0.2.55]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
        ),
        (
            "smtpd",
            "warning: unknown[127.0.2.1]: SASL PLAIN authentication failed: authentication failure, sasl_username=carol@lab.test",
        ),
        (
            "smtpd",
            "NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using ips.backscatterer.org; from=<> to=<u@x> proto=ESMTP helo=<h>",
        ),
        (
            "smtpd",
            "NOQUEUE: reject: RCPT from a[1.2.3.4]: 550 5.1.1 <u@x>: Recipient address rejected: User unknown in local recipient table; from=<s> to=<u@x> proto=ESMTP helo=<h>",
        ),
        (
            "cleanup",
            "9A011990191: reject: header Subject: CANADA PHARMACY deals from unknown[127.0.0.4]; from=<bob@lab.test> to=<boss@lab.test> proto=ESMTP helo=<client.example>: 5.7.1 Spam campaign blocked",
        ),
        (
            "cleanup",
            "4hN3Zk1xQbzBBB: reject: body buy now from unknown[203.0.113.60]; from=<> to=<taro@example.jp> proto=ESMTP helo=<pharm.example>: 5.7.1 Message content rejected",
        ),
        ("cleanup", "4hN3Zk1xQbzBBB: message-id=<1@example.net>"),
        ("smtpd", "connect from unknown[192.0.2.7]"),
        (
            "smtpd",
            "Anonymous TLS connection established from unknown[192.0.2.7]: TLSv1.3",
        ),
    ];

    /// A real event message, whole or edited: cut at a point, or with a piece inserted.
    fn message() -> impl Strategy<Value = (&'static str, String)> {
        let piece = prop::sample::select(vec!["", ":", ": ", " ", "reject: ", "w", "ü", "[", "]"]);
        (
            prop::sample::select(EVENTS.to_vec()),
            0..3u8,
            any::<prop::sample::Index>(),
            piece,
        )
            .prop_map(|((service, msg), edit, at, piece)| {
                let mut at = at.index(msg.len() + 1);
                while !msg.is_char_boundary(at) {
                    at -= 1;
                }
                let msg = match edit {
                    0 => msg.to_owned(),
                    1 => msg[..at].to_owned(),
                    _ => [&msg[..at], piece, &msg[at..]].concat(),
                };
                (service, msg)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The cheap test before decoding never turns away a line a decoder reads.
        #[test]
        fn quick_candidate_never_rejects_an_event((service, msg) in message()) {
            if postfix_event(service.as_bytes(), &msg).is_some() {
                prop_assert!(quick_candidate(service.as_bytes(), msg.as_bytes()), "{service}: {msg}");
            }
        }
    }
}
