//! A log read on several threads: each chunk of whole lines is folded by its own analyzer
//! ([`LoginAnalyzer::for_chunk`], [`Chunk::push`]) and the chunks are merged in
//! log order ([`LoginAnalyzer::merge`]), with exactly the report of one line at a time.
//!
//! Almost every fact is a count, a minimum or a maximum, which merge in any order. What a
//! chunk cannot judge alone depends on the lines before it, and is settled at the merge:
//! - a qmgr or delivery line whose queue ID the chunk did not see submitted (the message may
//!   have been submitted in an earlier chunk): kept as a line, replayed at the merge when the
//!   message is in flight there;
//! - a Dovecot backend failure while no Postfix line has named a user yet (an earlier chunk
//!   may have): kept as a line, replayed at the merge;
//! - a login from an address that failed in an earlier chunk (guessed, then got in);
//! - a queue ID submitted again in this chunk: the earlier chunk's message is settled;
//! - the order of events (which login or failure came last): sequence numbers that grow
//!   from chunk to chunk.
//!
//! Memory: a chunk's analyzer holds at most one chunk's facts and kept lines. At the caps
//! ([`MAX_ADDRESSES`](super::MAX_ADDRESSES), the per-address sets) which entries are kept
//! may differ from one line at a time; the counts of what was dropped are still added.
//! Pure: no IO, no threads here.

use std::collections::HashSet;

use super::{FastHash, InFlight, LoginAnalyzer, max_opt, min_opt};

/// Sequence numbers a chunk can use: far more than it has events.
const SEQ_PER_CHUNK: u64 = 1 << 40;

/// What a chunk's analyzer keeps for the merge.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// Lines to replay at the merge, in log order: (queue ID key, or `None` for always;
    /// start and end in `kept`).
    later: Vec<(Option<u64>, usize, usize)>,
    /// The text of those lines (a few hundred per 8 MB: the chunk's own copy, so the
    /// block it was read into can be reused before the merge).
    kept: Vec<u8>,
    /// Queue IDs submitted in this chunk.
    tracked: HashSet<u64, FastHash>,
    /// The chunk's lines are journald JSON.
    journal: bool,
}

/// Why [`LoginAnalyzer::push_envelope`] kept a line for the merge.
#[derive(Debug, Clone, Copy)]
pub(super) enum Later {
    /// Counts if this queue ID is in flight before the chunk.
    Gate(u64),
    /// Judged with the state before the chunk.
    Always,
}

impl Pending {
    /// A qmgr/delivery line for a queue ID not in flight in the chunk: kept for the merge,
    /// unless the chunk submitted that ID itself (then the earlier message was settled, and
    /// the line is for a message already removed).
    pub(super) fn later_gate(&self, key: u64) -> Option<Later> {
        (!self.tracked.contains(&key)).then_some(Later::Gate(key))
    }

    pub(super) fn tracked(&mut self, key: u64) {
        self.tracked.insert(key);
    }
}

/// What [`LoginAnalyzer::merge`] leaves of a chunk: its tables, freed where this is dropped.
#[derive(Debug, Default)]
pub struct Spent {
    _tables: Option<LoginAnalyzer>,
}

/// One chunk of a log folded on its own: its analyzer and its lines, for
/// [`LoginAnalyzer::merge`].
#[derive(Debug)]
pub struct Chunk {
    analyzer: LoginAnalyzer,
}

impl LoginAnalyzer {
    /// An empty analyzer for the next chunk of what is read: same clock, window and watched
    /// queue IDs; its events come after everything so far and every chunk handed out before.
    #[must_use]
    pub fn for_chunk(&mut self) -> Chunk {
        self.chunk_seq = self.chunk_seq.max(self.seq).saturating_add(SEQ_PER_CHUNK);
        let mut a = LoginAnalyzer::new(self.clock, self.since);
        a.watch = std::sync::Arc::clone(&self.watch);
        a.seq = self.chunk_seq;
        a.chunk = Some(Box::default());
        Chunk { analyzer: a }
    }

    /// Fold in a chunk (pushed with [`Chunk::push`]), after every
    /// chunk before it. What is left of the chunk comes back, to be dropped on another
    /// thread: freeing a chunk's tables costs about a third of its merge, and the merge is
    /// the part of a parallel read that no other thread can do.
    pub fn merge(&mut self, chunk: Chunk) -> Spent {
        let mut part = chunk.analyzer;
        let Some(pending) = part.chunk.take() else {
            return Spent {
                _tables: Some(part),
            };
        };
        // 1. The lines that needed the state before the chunk, in their order.
        for &(key, start, end) in &pending.later {
            if key.is_some_and(|k| !self.in_flight.contains_key(&k)) {
                continue;
            }
            let Some(line) = pending.kept.get(start..end) else {
                continue;
            };
            self.replay(line, pending.journal);
        }
        // 2. The chunk's names in the merged tables (in the chunk's order of first mention).
        let mut had_failures = Vec::with_capacity(part.addrs.len());
        let addrs: Vec<Option<u32>> = part
            .addrs
            .iter()
            .zip(part.addr_ix.iter())
            .map(|(a, addr)| {
                let g = self.address(addr, part.host(a));
                had_failures.push(g.is_some_and(|g| self.addrs[g as usize].failures > 0));
                g
            })
            .collect();
        let tried: Vec<Option<u32>> = part.tried_ix.iter().map(|t| self.tried_user(t)).collect();
        let accounts: Vec<u32> = part.account_ix.iter().map(|a| self.account(a)).collect();
        let addr = |i: u32| addrs.get(i as usize).copied().flatten();
        // 3. Accounts.
        for (acc, &g) in part.accounts.iter().zip(&accounts) {
            let mine = &mut self.accounts[g as usize];
            for (ad, u) in &acc.per_addr {
                let Some(gad) = addr(*ad) else { continue };
                let m = mine.per_addr.entry(gad).or_default();
                m.count += u.count;
                m.first = min_opt(m.first, u.first);
                m.last = max_opt(m.last, u.last);
                m.last_seq = m.last_seq.max(u.last_seq);
                // Logged in (in the window) from an address that failed in an earlier chunk.
                if u.count > 0 && had_failures[*ad as usize] {
                    mine.guessed_then_in.insert(gad);
                }
            }
            mine.guessed_then_in
                .extend(acc.guessed_then_in.iter().filter_map(addr));
            mine.logins += acc.logins;
            mine.first = min_opt(mine.first, acc.first);
            mine.last = max_opt(mine.last, acc.last);
            mine.services |= acc.services;
            for m in &acc.methods {
                if mine.methods.len() < 8 && !mine.methods.contains(m) {
                    mine.methods.push(m.clone());
                }
            }
            mine.messages += acc.messages;
            mine.recipients += acc.recipients;
            mine.sent += acc.sent;
            mine.deferred += acc.deferred;
            mine.bounced += acc.bounced;
        }
        // 4. Addresses and tried user names.
        for (a, g) in part.addrs.iter().zip(&addrs) {
            let Some(g) = *g else { continue };
            let mine = &mut self.addrs[g as usize];
            mine.logins += a.logins;
            mine.failures += a.failures;
            mine.first_failure = min_opt(mine.first_failure, a.first_failure);
            mine.last_failure = max_opt(mine.last_failure, a.last_failure);
            mine.last_failure_seq = mine.last_failure_seq.max(a.last_failure_seq);
            mine.accounts
                .extend(a.accounts.iter().map(|i| accounts[i as usize]));
            for t in a
                .tried
                .iter()
                .filter_map(|i| tried.get(i as usize).copied().flatten())
            {
                if mine.tried.len() >= 1000 {
                    break;
                }
                mine.tried.insert(t);
            }
        }
        for (t, g) in part.tried.iter().zip(&tried) {
            let Some(g) = *g else { continue };
            let mine = &mut self.tried[g as usize];
            mine.failures += t.failures;
            for ad in t.addrs.iter().filter_map(addr) {
                if mine.addrs.len() >= 10_000 {
                    break;
                }
                mine.addrs.insert(ad);
            }
        }
        // 5. Messages: a queue ID submitted again settles the earlier message; the chunk's
        // messages still in flight follow their queue IDs on.
        for key in &pending.tracked {
            if let Some(old) = self.in_flight.remove(key) {
                self.settle(&old);
            }
        }
        for key in part.flight_order.drain(..) {
            let Some(f) = part.in_flight.remove(&key) else {
                continue;
            };
            self.make_room();
            self.in_flight.insert(
                key,
                InFlight {
                    account: accounts[f.account as usize],
                    ..f
                },
            );
            self.flight_order.push_back(key);
        }
        // 6. The rest.
        for (label, rules) in std::mem::take(&mut part.rejections) {
            let i = match self.rejections.iter().position(|(l, _)| *l == label) {
                Some(i) => i,
                None => {
                    self.rejections
                        .push((label, std::collections::HashMap::with_hasher(FastHash)));
                    self.rejections.len() - 1
                }
            };
            let mine = &mut self.rejections[i].1;
            for (rule, r) in rules {
                let m = mine.entry(rule).or_default();
                m.count += r.count;
                for c in r.clients {
                    if m.clients.len() >= super::MAX_REJECT_CLIENTS {
                        break;
                    }
                    m.clients.insert(c);
                }
            }
        }
        self.postfix_names_users |= part.postfix_names_users;
        for (key, (qid, a, ad)) in part.queued.drain() {
            if let Some(gad) = addr(ad) {
                self.queued.insert(key, (qid, accounts[a as usize], gad));
            }
        }
        self.dropped += part.dropped;
        self.seq = self.seq.max(part.seq);
        let (mine, theirs) = (&mut self.stats, &part.stats);
        mine.lines += theirs.lines;
        mine.unparsed += theirs.unparsed;
        mine.events += theirs.events;
        mine.before_window += theirs.before_window;
        mine.first_time = min_opt(mine.first_time, theirs.first_time);
        mine.last_time = max_opt(mine.last_time, theirs.last_time);
        part.chunk = Some(pending);
        Spent {
            _tables: Some(part),
        }
    }

    /// A kept line, decoded with the merged state (already counted as a line).
    fn replay(&mut self, line: &[u8], journal: bool) {
        self.read_line(line, journal, false);
    }
}

impl Chunk {
    /// Take over the allocations of a merged chunk's biggest tables, emptied, so that this
    /// chunk does not grow its own from nothing again (allocating, faulting in and zeroing
    /// the same amount of memory for every chunk). The rest of `spent` is dropped here.
    pub fn recycle(&mut self, spent: Spent) {
        fn reuse<T>(mine: &mut Vec<T>, theirs: &mut Vec<T>) {
            theirs.clear();
            std::mem::swap(mine, theirs);
        }
        let Some(mut old) = spent._tables else {
            return;
        };
        let a = &mut self.analyzer;
        if !(a.accounts.is_empty() && a.addrs.is_empty() && a.in_flight.is_empty()) {
            // Only a chunk that has not been pushed yet.
            return;
        }
        reuse(&mut a.accounts, &mut old.accounts);
        reuse(&mut a.addrs, &mut old.addrs);
        reuse(&mut a.tried, &mut old.tried);
        for (mine, theirs) in [
            (&mut a.account_ix, &mut old.account_ix),
            (&mut a.addr_ix, &mut old.addr_ix),
            (&mut a.tried_ix, &mut old.tried_ix),
        ] {
            theirs.clear();
            std::mem::swap(mine, theirs);
        }
        old.hosts.clear();
        std::mem::swap(&mut a.hosts, &mut old.hosts);
        old.in_flight.clear();
        std::mem::swap(&mut a.in_flight, &mut old.in_flight);
        old.flight_order.clear();
        std::mem::swap(&mut a.flight_order, &mut old.flight_order);
        if let (Some(mine), Some(theirs)) = (a.chunk.as_deref_mut(), old.chunk.as_deref_mut()) {
            reuse(&mut mine.later, &mut theirs.later);
            reuse(&mut mine.kept, &mut theirs.kept);
            theirs.tracked.clear();
            std::mem::swap(&mut mine.tracked, &mut theirs.tracked);
        }
    }

    /// Fold the whole lines of `data` (cut like [`crate::model::log::chunk::for_each_line`]),
    /// the next part of the chunk: a chunk can be pushed block after block.
    pub fn push(&mut self, data: &[u8], journal: bool) {
        let a = &mut self.analyzer;
        if let Some(p) = &mut a.chunk {
            p.journal = journal;
        }
        crate::model::log::chunk::for_each_line(data, |line| {
            let later = a.read_line(line, journal, true);
            if let (Some(later), Some(p)) = (later, &mut a.chunk) {
                let key = match later {
                    Later::Gate(k) => Some(k),
                    Later::Always => None,
                };
                let start = p.kept.len();
                p.kept.extend_from_slice(line);
                p.later.push((key, start, p.kept.len()));
            }
        });
    }
}
