//! Evaluation: terms over messages, and over a whole snapshot with per-string memos (a
//! million messages with a few thousand distinct strings cost a few thousand string tests
//! plus a million hash lookups).

use std::sync::Arc;

use super::{
    Cmp, ContentField, Filter, Match, MatchContext, Pattern, Selection, TermKind, TextField,
};
use crate::model::reason::{self, PtrMap, ptr_key};
use crate::model::{Message, Recipient, Snapshot};

impl Pattern {
    pub(super) fn test(&self, s: &str) -> bool {
        match self {
            Self::Contains(n) => contains_ci(s, n),
            Self::Exact {
                value,
                case_sensitive: true,
            } => s == value,
            Self::Exact { value, .. } => {
                if s.is_ascii() {
                    s.eq_ignore_ascii_case(value)
                } else {
                    s.to_lowercase() == *value
                }
            }
            Self::Regex(r) => r.is_match(s),
        }
    }
}

/// Case-insensitive substring; `needle` is already lower-case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let n = needle.as_bytes();
        return hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}
impl Cmp {
    pub(super) fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Lt => a < b,
            Self::Le => a <= b,
        }
    }
}
/// Per-string memo for one (term, string slot): the last pointer plus a map.
///
/// A memo only pays when strings repeat. Forged recipient addresses mostly do not, and then
/// a hash insert per address costs more than the test itself, so an *adaptive* memo watches
/// its hit rate and switches itself off when most lookups miss.
#[derive(Default)]
struct Memo {
    last: Option<(usize, bool)>,
    map: PtrMap<bool>,
    adaptive: bool,
    lookups: u32,
    off: bool,
}

/// How many lookups an adaptive memo waits before judging its hit rate.
const MEMO_PROBE: u32 = 4_096;

impl Memo {
    fn adaptive() -> Self {
        Self {
            adaptive: true,
            ..Self::default()
        }
    }

    fn get(&mut self, s: &Arc<str>, f: impl FnOnce(&Arc<str>) -> bool) -> bool {
        let p = ptr_key(s);
        if let Some((lp, v)) = self.last
            && lp == p
        {
            return v;
        }
        let v = if self.off {
            f(s)
        } else {
            let v = *self.map.entry(p).or_insert_with(|| f(s));
            if self.adaptive {
                self.lookups += 1;
                if self.lookups == MEMO_PROBE && self.map.len() * 2 > MEMO_PROBE as usize {
                    self.off = true;
                    self.map = PtrMap::default();
                }
            }
            v
        };
        self.last = Some((p, v));
        v
    }
}

/// Slots per term: sender, address, reason.
const SLOTS: usize = 3;

/// A filter being evaluated, with its per-string memos. Lives for one pass over one
/// snapshot (pointers are only meaningful while the snapshot is alive).
pub(super) struct Eval<'f> {
    filter: &'f Filter,
    msg_terms: Vec<usize>,
    pub(super) rcpt_terms: Vec<usize>,
    memos: Vec<Memo>,
}

impl<'f> Eval<'f> {
    pub(super) fn new(filter: &'f Filter) -> Self {
        let (rcpt_terms, msg_terms): (Vec<usize>, Vec<usize>) =
            (0..filter.terms.len()).partition(|&i| filter.terms[i].is_recipient_level());
        // Sender and address tests are cheap and addresses rarely repeat: adaptive memos.
        // Reason tests compute families: always memoised.
        let memos = (0..filter.terms.len() * SLOTS)
            .map(|i| {
                if i % SLOTS == 2 {
                    Memo::default()
                } else {
                    Memo::adaptive()
                }
            })
            .collect();
        Self {
            filter,
            msg_terms,
            rcpt_terms,
            memos,
        }
    }

    pub(super) fn message(&mut self, m: &Message, idx: u32, ctx: &MatchContext<'_>) -> Match {
        for k in 0..self.msg_terms.len() {
            let ti = self.msg_terms[k];
            if !self.msg_term(ti, m, idx, ctx) {
                return Match::No;
            }
        }
        if self.rcpt_terms.is_empty() {
            return Match::Whole;
        }
        let mut n = 0;
        for r in &m.recipients {
            if (0..self.rcpt_terms.len()).all(|k| self.rcpt_term(self.rcpt_terms[k], m, r)) {
                n += 1;
            }
        }
        if n == 0 {
            Match::No
        } else if n == m.recipients.len() {
            Match::Whole
        } else {
            Match::Partial
        }
    }

    fn msg_term(&mut self, ti: usize, m: &Message, idx: u32, ctx: &MatchContext<'_>) -> bool {
        let term = &self.filter.terms[ti];
        let hit = match &term.kind {
            TermKind::Null => m.null_sender,
            TermKind::Age(cmp, v) => cmp.test(m.age(ctx.now), *v),
            // An unknown next attempt never matches, negated or not (like content).
            TermKind::Retry(cmp, v) => {
                let Some(due) = m.retry_in(ctx.now) else {
                    return false;
                };
                cmp.test(due, *v)
            }
            TermKind::Size(cmp, v) => cmp.test(m.size, *v),
            // No log facts never match, negated or not (like content).
            TermKind::LoginNew(want) => {
                let Some(new) = ctx.logins.and_then(|l| l.login_new(idx)) else {
                    return false;
                };
                new == *want
            }
            TermKind::Text(TextField::Sender, p) => {
                self.memos[ti * SLOTS].get(&m.sender, |s| p.test(s))
            }
            TermKind::Text(TextField::Queue, p) => p.test(m.queue.as_str()),
            TermKind::Text(TextField::Id, p) => p.test(m.queue_id.as_str()),
            TermKind::Text(TextField::Content(f), p) => {
                // Unknown content never matches, negated or not.
                let Some(v) = ctx.content.and_then(|c| c.field(idx, *f)) else {
                    return false;
                };
                // `submitter:` is the user name or the uid.
                p.test(v)
                    || (*f == ContentField::Submitter
                        && ctx
                            .content
                            .and_then(|c| c.field(idx, ContentField::SubmitterUid))
                            .is_some_and(|u| p.test(u)))
            }
            TermKind::Text(TextField::Rcpt | TextField::Reason | TextField::Any, _) => true,
        };
        hit != term.negated
    }

    pub(super) fn rcpt_term(&mut self, ti: usize, m: &Message, r: &Recipient) -> bool {
        let term = &self.filter.terms[ti];
        let TermKind::Text(field, p) = &term.kind else {
            return true;
        };
        let [sender_memo, addr_memo, reason_memo] = &mut self.memos[ti * SLOTS..ti * SLOTS + SLOTS]
        else {
            return false;
        };
        let reason_hit = |memo: &mut Memo| match &r.delay_reason {
            Some(reason) => memo.get(reason, |s| p.test(s) || p.test(&reason::family_shared(s))),
            None => p.test(reason::NO_REASON),
        };
        let hit = match field {
            TextField::Rcpt => addr_memo.get(&r.address, |s| p.test(s)),
            TextField::Reason => reason_hit(reason_memo),
            TextField::Any => {
                sender_memo.get(&m.sender, |s| p.test(s))
                    || addr_memo.get(&r.address, |s| p.test(s))
                    || (r.delay_reason.is_some() && reason_hit(reason_memo))
            }
            _ => true,
        };
        hit != term.negated
    }
}

/// Evaluate `filter` over the whole snapshot (no content index).
#[must_use]
pub fn select(snapshot: &Snapshot, filter: &Filter, now: i64) -> Selection {
    select_with(
        snapshot,
        filter,
        &MatchContext {
            now,
            ..MatchContext::default()
        },
    )
}

/// Evaluate `filter` over the whole snapshot with a content index.
#[must_use]
pub fn select_with(snapshot: &Snapshot, filter: &Filter, ctx: &MatchContext<'_>) -> Selection {
    let mut sel = Selection::default();
    if filter.is_empty() {
        sel.indices = (0..u32::try_from(snapshot.messages.len()).unwrap_or(u32::MAX)).collect();
        return sel;
    }
    let mut eval = Eval::new(filter);
    for (i, m) in snapshot.messages.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        match eval.message(m, i, ctx) {
            Match::No => {}
            Match::Whole => sel.indices.push(i),
            Match::Partial => {
                sel.partial += 1;
                sel.indices.push(i);
            }
        }
    }
    sel
}
