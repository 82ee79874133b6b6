//! The filter language (see [`FILTER_HELP`], printed by `mailq-tui help filter`).
//!
//! A filter is a list of terms, AND-ed. Message-level terms (sender, queue, id, age, size,
//! null, content fields) hold or fail for the whole message. Recipient-level terms (rcpt,
//! reason, bare words) must all hold for the **same** recipient; a message where only some
//! recipients qualify is [`Match::Partial`], because Postfix acts on whole messages and the
//! user must be told that a purge takes the other recipients along.
//!
//! Evaluating a storm: [`select`] caches every per-string test by the pointer of the
//! interned string, so a million messages with a few thousand distinct strings cost a few
//! thousand string tests plus a million hash lookups. Regexes are compiled once, at parse.

use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use serde::Serialize;

use super::reason::{self, PtrMap, ptr_key};
use super::{Message, Recipient, Snapshot};

/// The filter language, for `mailq-tui help filter`, the TUI help and the README.
pub const FILTER_HELP: &str = r#"FILTER LANGUAGE

A filter is a list of terms separated by spaces. A message is selected when ALL terms hold.

  sender:MAILER-DAEMON reason:/timed out/ rcpt:@victim-a.example age:>2h queue:deferred !rcpt:@gmail.com

Terms
  field:text      the field contains text (case-insensitive)
  field:=text     the field is exactly text (case-insensitive; id:= is case-sensitive)
  field:/regex/   the field matches a regular expression (case-insensitive; write \/ for /)
  field:"a b"     quote values that contain spaces (\" and \\ inside quotes)
  !term           negates a term
  word            a bare word: the sender, a recipient or a delay reason contains it
  null, bounce    the null sender (bounces, NDRs; also: sender:<>)

Fields
  sender          envelope sender (the null sender shows as MAILER-DAEMON)
  rcpt            recipient address (also: to, recipient)
  reason          delay reason: the raw text AND its family ("connect to <host>: ...");
                  recipients without a reason have the family "(no reason)"
  queue           maildrop, incoming, active, deferred, hold
  id              queue ID
  age             age:>2h, age:<30m, age:>=1d  (units s m h d w; no unit = seconds)
  retry           time until the next delivery attempt of deferred mail (its queue file's
                  mtime): retry:<10m (due within 10 minutes, overdue included), retry:>1h.
                  Known only as root (locally, or over ssh as root or with sudo -n);
                  unknown times match nothing, negated or not
  size            size:>100k, size:<1M         (units b k M G, powers of 1024; no unit = bytes)
  subject, from, campaign, sasl, client, helo, submitter
                  message content, from the content index built with postcat. campaign is
                  the definition the storm screen shows (campaign:="subject contains
                  'parcel'"), "(no campaign)" for mail in none. Without an
                  index these terms match nothing, negated or not: a purge never rests on
                  something that could not be checked. submitter is the local user who ran
                  sendmail (pickup's "from userid N" stamp): the name or the uid,
                  submitter:www-data or submitter:=33

Recipients
  rcpt, reason and bare-word terms must all hold for the SAME recipient. A message where
  only some recipients qualify is selected as PARTIAL ("N selected messages also have
  recipients outside the filter"): Postfix deletes or holds whole messages, never single
  recipients. A negated recipient term is checked on that same recipient:
  !rcpt:@gmail.com selects messages with at least one non-gmail recipient (partial when
  they also have a gmail one); it does NOT exclude every message that mentions gmail.

Examples
  null reason:"user unknown"             NDRs stuck on unknown users
  sender:=alice@example.com age:>1d      a day-old backlog from one sender
  rcpt:/^victim[0-9]+@/ queue:deferred   numbered forged recipients
  reason:4.7.28 !queue:hold              Gmail rate limiting, not yet held
  subject:"canada pharmacy"              needs the content index
"#;

/// Message content a filter can ask about, provided by a content index (postcat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContentField {
    /// The `Subject:` header (of the returned original, for an NDR).
    Subject,
    /// The `From:` header (of the returned original, for an NDR).
    From,
    /// A campaign fingerprint (e.g. a normalised subject or body hash).
    Campaign,
    /// `sasl_username` of the submitting client.
    Sasl,
    /// Client name/address that submitted the message.
    Client,
    /// HELO name of the submitting client.
    Helo,
    /// The local user who submitted it with `sendmail` (name, or uid when unknown).
    Submitter,
    /// That user's uid: `submitter:` matches it too (no field name of its own).
    SubmitterUid,
}

impl ContentField {
    pub const ALL: [ContentField; 7] = [
        ContentField::Subject,
        ContentField::From,
        ContentField::Campaign,
        ContentField::Sasl,
        ContentField::Client,
        ContentField::Helo,
        ContentField::Submitter,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::From => "from",
            Self::Campaign => "campaign",
            Self::Sasl => "sasl",
            Self::Client => "client",
            Self::Helo => "helo",
            Self::Submitter | Self::SubmitterUid => "submitter",
        }
    }
}

/// Where content fields come from. The TUI builds one from batched `postcat` output.
pub trait ContentLookup {
    /// The value of `field` for the message at `msg_index` in the snapshot, if known.
    fn field(&self, msg_index: u32, field: ContentField) -> Option<&str>;
}

/// What a match needs besides the message: the time and, optionally, the content index.
#[derive(Clone, Copy, Default)]
pub struct MatchContext<'a> {
    /// Unix time (seconds) ages are measured from.
    pub now: i64,
    pub content: Option<&'a dyn ContentLookup>,
}

/// A parsed filter. The empty filter matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

/// Where a filter failed to parse and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter error at column {}: {message}", .pos + 1)]
pub struct FilterError {
    /// Byte offset into the filter text.
    pub pos: usize,
    pub message: String,
}

impl FilterError {
    fn new(pos: usize, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
        }
    }

    /// The filter text with a caret under the error, for a terminal (sanitized).
    #[must_use]
    pub fn pointer(&self, text: &str) -> String {
        let before = text.get(..self.pos).unwrap_or(text);
        let col = super::text::sanitize(before).chars().count();
        format!("  {}\n  {}^", super::text::sanitize(text), " ".repeat(col))
    }
}

/// How a message matches: not at all, with all its recipients, or only with some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    No,
    Whole,
    /// Selected, but some recipients do not match: Postfix acts on whole messages.
    Partial,
}

/// Indices of the matching messages and how many of them match only partially.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    pub indices: Vec<u32>,
    pub partial: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    Sender,
    Rcpt,
    Reason,
    Queue,
    Id,
    /// A bare word: sender, recipient or reason.
    Any,
    Content(ContentField),
}

impl TextField {
    fn is_recipient_level(self) -> bool {
        matches!(self, Self::Rcpt | Self::Reason | Self::Any)
    }
}

#[derive(Debug, Clone)]
enum Pattern {
    /// Lower-cased needle.
    Contains(String),
    /// Lower-cased value; `case_sensitive` for queue IDs (base-52 long IDs).
    Exact {
        value: String,
        case_sensitive: bool,
    },
    Regex(Regex),
}

impl Pattern {
    fn test(&self, s: &str) -> bool {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

impl Cmp {
    fn test<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Self::Gt => a > b,
            Self::Ge => a >= b,
            Self::Lt => a < b,
            Self::Le => a <= b,
        }
    }
}

#[derive(Debug, Clone)]
enum TermKind {
    Text(TextField, Pattern),
    Age(Cmp, i64),
    /// Seconds until the next delivery attempt ([`Message::retry_in`]).
    Retry(Cmp, i64),
    Size(Cmp, u64),
    Null,
}

#[derive(Debug, Clone)]
struct Term {
    negated: bool,
    kind: TermKind,
}

impl Term {
    fn is_recipient_level(&self) -> bool {
        matches!(&self.kind, TermKind::Text(f, _) if f.is_recipient_level())
    }
}

const FIELDS: &str = "sender, rcpt, reason, queue, id, age, retry, size, subject, from, campaign, sasl, client, helo, submitter";

fn field_by_name(name: &str) -> Option<FieldName> {
    Some(match name.to_ascii_lowercase().as_str() {
        "sender" => FieldName::Text(TextField::Sender),
        "rcpt" | "to" | "recipient" => FieldName::Text(TextField::Rcpt),
        "reason" => FieldName::Text(TextField::Reason),
        "queue" => FieldName::Text(TextField::Queue),
        "id" => FieldName::Text(TextField::Id),
        "age" => FieldName::Age,
        "retry" => FieldName::Retry,
        "size" => FieldName::Size,
        "subject" => FieldName::Text(TextField::Content(ContentField::Subject)),
        "from" => FieldName::Text(TextField::Content(ContentField::From)),
        "campaign" => FieldName::Text(TextField::Content(ContentField::Campaign)),
        "sasl" => FieldName::Text(TextField::Content(ContentField::Sasl)),
        "client" => FieldName::Text(TextField::Content(ContentField::Client)),
        "helo" => FieldName::Text(TextField::Content(ContentField::Helo)),
        "submitter" => FieldName::Text(TextField::Content(ContentField::Submitter)),
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum FieldName {
    Text(TextField),
    Age,
    Retry,
    Size,
}

/// A hand-written scanner over byte offsets, so errors point at the exact column.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_term_end(&self) -> bool {
        self.peek().is_none_or(char::is_whitespace)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn term(&mut self) -> Result<Term, FilterError> {
        let negated = self.peek() == Some('!');
        if negated {
            self.bump();
            if self.at_term_end() {
                return Err(FilterError::new(
                    self.pos,
                    "expected a term after `!` (e.g. !rcpt:@gmail.com)",
                ));
            }
        }
        let rest = &self.text[self.pos..];
        let ident_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        if ident_len > 0 && rest.as_bytes().get(ident_len) == Some(&b':') {
            let name = &rest[..ident_len];
            let name_pos = self.pos;
            let Some(field) = field_by_name(name) else {
                return Err(FilterError::new(
                    name_pos,
                    format!(
                        "unknown field `{}`: expected one of {FIELDS} (quote the term to search for it as text)",
                        super::text::snippet(name, 20)
                    ),
                ));
            };
            self.pos += ident_len + 1;
            if self.at_term_end() {
                return Err(FilterError::new(
                    self.pos,
                    format!("expected a value after `{name}:`"),
                ));
            }
            let kind = match field {
                FieldName::Age => {
                    let (cmp, v) =
                        self.comparison("age", "a duration", "2h", super::time::duration_unit)?;
                    TermKind::Age(cmp, v)
                }
                FieldName::Retry => {
                    let (cmp, v) =
                        self.comparison("retry", "a duration", "10m", super::time::duration_unit)?;
                    TermKind::Retry(cmp, v)
                }
                FieldName::Size => {
                    let (cmp, v) = self.comparison("size", "a size", "100k", size_unit)?;
                    TermKind::Size(cmp, v)
                }
                FieldName::Text(TextField::Sender) if self.text[self.pos..].starts_with("<>") => {
                    self.pos += 2;
                    self.expect_end()?;
                    TermKind::Null
                }
                FieldName::Text(f) => TermKind::Text(f, self.pattern(f)?),
            };
            return Ok(Term { negated, kind });
        }
        // Bare word: `null`/`bounce` as keywords, anything else is text.
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        if word.eq_ignore_ascii_case("null") || word.eq_ignore_ascii_case("bounce") {
            self.pos += word_end;
            return Ok(Term {
                negated,
                kind: TermKind::Null,
            });
        }
        let pat = self.pattern(TextField::Any)?;
        Ok(Term {
            negated,
            kind: TermKind::Text(TextField::Any, pat),
        })
    }

    fn expect_end(&self) -> Result<(), FilterError> {
        if self.at_term_end() {
            Ok(())
        } else {
            Err(FilterError::new(
                self.pos,
                "expected a space or the end of the filter",
            ))
        }
    }

    /// `"quoted"`, `/regex/`, `=exact` or a bare value up to the next space.
    fn pattern(&mut self, field: TextField) -> Result<Pattern, FilterError> {
        let exact = self.peek() == Some('=');
        if exact {
            self.bump();
            if self.at_term_end() {
                return Err(FilterError::new(self.pos, "expected a value after `=`"));
            }
        }
        match self.peek() {
            Some('/') if !exact => {
                let start = self.pos;
                let src = self.delimited('/', "a closing `/` to end the regex")?;
                self.expect_end()?;
                let re = RegexBuilder::new(&src)
                    .case_insensitive(true)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| {
                        let msg = e.to_string();
                        let last = msg
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .unwrap_or("")
                            .trim()
                            .trim_start_matches("error: ")
                            .to_owned();
                        FilterError::new(start, format!("invalid regex: {last}"))
                    })?;
                Ok(Pattern::Regex(re))
            }
            Some('>' | '<') => Err(FilterError::new(
                self.pos,
                "`>` and `<` only work with age:, retry: and size:",
            )),
            _ => {
                let value = if self.peek() == Some('"') {
                    let v = self.delimited('"', "a closing `\"`")?;
                    self.expect_end()?;
                    v
                } else {
                    let rest = &self.text[self.pos..];
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    self.pos += end;
                    rest[..end].to_owned()
                };
                if exact {
                    let case_sensitive = field == TextField::Id;
                    Ok(Pattern::Exact {
                        value: if case_sensitive {
                            value
                        } else {
                            value.to_lowercase()
                        },
                        case_sensitive,
                    })
                } else {
                    Ok(Pattern::Contains(value.to_lowercase()))
                }
            }
        }
    }

    /// Text between `delim`s; `\delim` and `\\` are unescaped (for regexes only `\/`,
    /// so `\d` and friends reach the regex engine intact).
    fn delimited(&mut self, delim: char, expected: &str) -> Result<String, FilterError> {
        let open = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(FilterError::new(
                        open,
                        format!("unterminated value: expected {expected}"),
                    ));
                }
                Some('\\') => match self.peek() {
                    Some(c) if c == delim || (delim == '"' && c == '\\') => {
                        self.bump();
                        out.push(c);
                    }
                    _ => out.push('\\'),
                },
                Some(c) if c == delim => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn comparison<T>(
        &mut self,
        field: &str,
        what: &str,
        example: &str,
        unit: fn(&str) -> Option<u64>,
    ) -> Result<(Cmp, T), FilterError>
    where
        T: TryFrom<u64>,
    {
        let cmp = match self.peek() {
            Some('>') => Cmp::Gt,
            Some('<') => Cmp::Lt,
            _ => {
                return Err(FilterError::new(
                    self.pos,
                    format!("expected `>` or `<` then {what} (e.g. {field}:>{example})"),
                ));
            }
        };
        self.bump();
        let cmp = if self.peek() == Some('=') {
            self.bump();
            if cmp == Cmp::Gt { Cmp::Ge } else { Cmp::Le }
        } else {
            cmp
        };
        let num_pos = self.pos;
        let rest = &self.text[self.pos..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(FilterError::new(
                num_pos,
                format!("expected a number: {what}"),
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| FilterError::new(num_pos, "number too large"))?;
        self.pos += digits;
        let rest = &self.text[self.pos..];
        let unit_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let unit_pos = self.pos;
        let Some(mult) = unit(&rest[..unit_len]) else {
            return Err(FilterError::new(
                unit_pos,
                format!(
                    "unknown unit `{}` for {field}: expected {}",
                    super::text::snippet(&rest[..unit_len], 10),
                    if field == "size" {
                        "b, k, M or G"
                    } else {
                        "s, m, h, d or w"
                    }
                ),
            ));
        };
        self.pos += unit_len;
        let v = n
            .checked_mul(mult)
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| FilterError::new(num_pos, "number too large"))?;
        Ok((cmp, v))
    }
}

fn size_unit(u: &str) -> Option<u64> {
    Some(match u.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    })
}

impl Filter {
    /// # Errors
    /// A [`FilterError`] pointing at the offending position.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let mut p = Parser { text, pos: 0 };
        let mut terms = Vec::new();
        loop {
            p.skip_ws();
            if p.peek().is_none() {
                break;
            }
            terms.push(p.term()?);
        }
        Ok(Self {
            text: text.to_owned(),
            terms,
        })
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Content fields this filter asks about: the TUI builds the content index only when
    /// this is non-empty.
    #[must_use]
    pub fn content_fields(&self) -> Vec<ContentField> {
        let mut v = Vec::new();
        for t in &self.terms {
            if let TermKind::Text(TextField::Content(f), _) = t.kind
                && !v.contains(&f)
            {
                v.push(f);
            }
        }
        v
    }

    /// Does any term look at single recipients (so that matches can be partial)?
    #[must_use]
    pub fn has_recipient_terms(&self) -> bool {
        self.terms.iter().any(Term::is_recipient_level)
    }

    /// Match one message (no content index; `msg_index` unknown).
    #[must_use]
    pub fn matches(&self, m: &Message, now: i64) -> Match {
        self.matches_with(m, u32::MAX, &MatchContext { now, content: None })
    }

    /// Match the message at `msg_index` with a full context.
    #[must_use]
    pub fn matches_with(&self, m: &Message, msg_index: u32, ctx: &MatchContext<'_>) -> Match {
        Eval::new(self).message(m, msg_index, ctx)
    }

    /// Does recipient `r` of `m` satisfy the recipient-level terms? (For showing which
    /// recipients of a partial match are inside the filter.)
    #[must_use]
    pub fn recipient_matches(&self, m: &Message, r: &Recipient) -> bool {
        let mut e = Eval::new(self);
        e.rcpt_terms
            .clone()
            .into_iter()
            .all(|ti| e.rcpt_term(ti, m, r))
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
struct Eval<'f> {
    filter: &'f Filter,
    msg_terms: Vec<usize>,
    rcpt_terms: Vec<usize>,
    memos: Vec<Memo>,
}

impl<'f> Eval<'f> {
    fn new(filter: &'f Filter) -> Self {
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

    fn message(&mut self, m: &Message, idx: u32, ctx: &MatchContext<'_>) -> Match {
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

    fn rcpt_term(&mut self, ti: usize, m: &Message, r: &Recipient) -> bool {
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
    select_with(snapshot, filter, &MatchContext { now, content: None })
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;
    use crate::model::QueueName;

    use crate::model::group::tests::msg;

    const NOW: i64 = 100_000;
    const TIMEOUT: &str = "connect to mx.victim-a.example[192.0.2.10]:25: Connection timed out";
    const SUSPENDED: &str = "delivery temporarily suspended: connect to mx.gmail.example[192.0.2.20]:25: Connection timed out";
    const UNKNOWN: &str = "host mx.c.example[192.0.2.3] said: 550 5.1.1 <u@c.example>: User unknown (in reply to RCPT TO command)";

    fn snap() -> Snapshot {
        use QueueName::{Active, Deferred, Hold};
        Snapshot::new(
            vec![
                // 0: NDR to victim-a only, 3 hours old.
                msg(
                    "A0",
                    Deferred,
                    NOW - 3 * 3600,
                    2_000,
                    "MAILER-DAEMON",
                    &[("v1@victim-a.example", Some(TIMEOUT))],
                ),
                // 1: NDR to victim-a and gmail: partial for rcpt:@victim-a.example.
                msg(
                    "A1",
                    Deferred,
                    NOW - 4 * 3600,
                    3_000,
                    "MAILER-DAEMON",
                    &[
                        ("v2@victim-a.example", Some(TIMEOUT)),
                        ("x@gmail.com", Some(SUSPENDED)),
                    ],
                ),
                // 2: legit, held, young, big.
                msg(
                    "B2",
                    Hold,
                    NOW - 60,
                    2_000_000,
                    "alice@example.com",
                    &[("bob@example.net", None)],
                ),
                // 3: unknown user, 1 day old.
                msg(
                    "C3",
                    Deferred,
                    NOW - 90_000,
                    500,
                    "MAILER-DAEMON",
                    &[("u@c.example", Some(UNKNOWN))],
                ),
                // 4: active, long ID, no reason.
                msg(
                    "4dZxyF3Kq1zRrbm",
                    Active,
                    NOW - 10,
                    1_000,
                    "carol@Example.org",
                    &[("gmail-fan@example.org", None)],
                ),
            ],
            Vec::new(),
            0,
            NOW,
            Duration::ZERO,
        )
    }

    fn ids(f: &str) -> (Vec<u32>, usize) {
        let sel = select(&snap(), &Filter::parse(f).expect("test value"), NOW);
        (sel.indices, sel.partial)
    }

    fn err(f: &str) -> FilterError {
        Filter::parse(f).expect_err("test error")
    }

    #[test]
    fn empty_filter_selects_everything() {
        let f = Filter::parse("   ").expect("test value");
        assert!(f.is_empty());
        assert_eq!(ids(""), (vec![0, 1, 2, 3, 4], 0));
    }

    #[test]
    fn the_example_from_the_help() {
        let f = "sender:MAILER-DAEMON reason:/timed out/ rcpt:@victim-a.example age:>2h queue:deferred !rcpt:@gmail.com";
        assert_eq!(ids(f), (vec![0, 1], 1));
        assert_eq!(Filter::parse(f).expect("test value").text(), f);
    }

    #[test]
    fn substring_is_case_insensitive() {
        assert_eq!(ids("sender:mailer-daemon").0, vec![0, 1, 3]);
        assert_eq!(ids("sender:EXAMPLE.org").0, vec![4]);
        assert_eq!(ids("queue:DEF").0, vec![0, 1, 3]);
        assert_eq!(ids("id:a").0, vec![0, 1]);
    }

    #[test]
    fn exact_and_regex() {
        assert_eq!(ids("sender:=alice@EXAMPLE.com").0, vec![2]);
        assert_eq!(ids("sender:=alice").0, Vec::<u32>::new());
        assert_eq!(ids("id:=4dZxyF3Kq1zRrbm").0, vec![4]);
        assert_eq!(
            ids("id:=4dzxyf3kq1zrrbm").0,
            Vec::<u32>::new(),
            "queue IDs are case-sensitive"
        );
        assert_eq!(ids(r"rcpt:/^v\d+@/").0, vec![0, 1]);
        assert_eq!(ids("rcpt:/GMAIL\\.COM$/").0, vec![1]);
        assert_eq!(ids(r"rcpt:/^[^\/]+$/").0, vec![0, 1, 2, 3, 4]);
        assert_eq!(ids(r#"reason:/in reply to/"#).0, vec![3]);
    }

    #[test]
    fn reason_matches_raw_text_and_family() {
        assert_eq!(ids("reason:192.0.2.10").0, vec![0, 1]);
        assert_eq!(ids(r#"reason:"connect to <host>""#).0, vec![0, 1]);
        assert_eq!(
            ids("reason:=\"connect to <host>: Connection timed out\"").0,
            vec![0, 1]
        );
        assert_eq!(ids("reason:suspended").0, vec![1]);
        assert_eq!(ids(r#"reason:"(no reason)""#).0, vec![2, 4]);
        assert_eq!(ids("reason:5.1.1").0, vec![3]);
    }

    #[test]
    fn recipient_terms_hold_for_the_same_recipient() {
        // gmail recipient has the suspended reason; victim-a has plain timeouts.
        assert_eq!(ids("rcpt:gmail reason:suspended"), (vec![1], 1));
        assert_eq!(ids("rcpt:victim-a reason:suspended"), (vec![], 0));
        assert_eq!(ids("rcpt:@victim-a.example"), (vec![0, 1], 1));
    }

    #[test]
    fn negated_recipient_terms_look_at_the_same_recipient() {
        // Messages with at least one non-gmail recipient; A1 is partial.
        assert_eq!(ids("!rcpt:@gmail.com"), (vec![0, 1, 2, 3, 4], 1));
        assert_eq!(ids("rcpt:@gmail.com"), (vec![1], 1));
        assert_eq!(ids("null !reason:suspended"), (vec![0, 1, 3], 1));
    }

    #[test]
    fn negated_message_terms() {
        assert_eq!(ids("!null").0, vec![2, 4]);
        assert_eq!(ids("!queue:deferred").0, vec![2, 4]);
        assert_eq!(ids("!sender:example").0, vec![0, 1, 3]);
    }

    #[test]
    fn null_sender_shorthands() {
        assert_eq!(ids("null").0, vec![0, 1, 3]);
        assert_eq!(ids("BOUNCE").0, vec![0, 1, 3]);
        assert_eq!(ids("sender:<>").0, vec![0, 1, 3]);
        // Quoted, "bounce" is text again.
        assert_eq!(ids("\"bounce\"").0, Vec::<u32>::new());
    }

    #[test]
    fn bare_words_search_sender_recipient_and_reason() {
        assert_eq!(ids("alice").0, vec![2]);
        assert_eq!(ids("gmail"), (vec![1, 4], 1));
        assert_eq!(ids("timed"), (vec![0, 1], 0));
        assert_eq!(ids("mailer-daemon").0, vec![0, 1, 3]);
        assert_eq!(ids("!gmail").0, vec![0, 1, 2, 3]);
        assert_eq!(ids("\"user unknown\"").0, vec![3]);
    }

    #[test]
    fn retry_times() {
        let mut s = snap();
        // 0: deferred, due in 5 minutes; 1: deferred, overdue by 1 minute;
        // 3: deferred, due in 2 hours; 2 (hold) and 4 (active): no retry time.
        let mut times = std::collections::HashMap::new();
        times.insert("A0".to_owned(), NOW + 300);
        times.insert("A1".to_owned(), NOW - 60);
        times.insert("C3".to_owned(), NOW + 7_200);
        times.insert("B2".to_owned(), NOW + 1); // a held file's mtime is no retry time
        s.set_next_retries(&times);
        assert_eq!(s.messages[2].next_retry, None);
        let ids = |f: &str| select(&s, &Filter::parse(f).expect("test value"), NOW).indices;
        assert_eq!(ids("retry:<10m"), vec![0, 1], "overdue counts as due");
        assert_eq!(ids("retry:>1h"), vec![3]);
        assert_eq!(ids("retry:<0"), vec![1]);
        assert_eq!(
            ids("!retry:<10m"),
            vec![3],
            "unknown never matches, negated or not"
        );
        assert!(err("retry:soon").message.contains("retry"));
        assert!(err("retry:<3x").message.contains("s, m, h, d or w"));
        // Without the queue files: nothing is known, nothing matches.
        let unknown = snap();
        let none = select(
            &unknown,
            &Filter::parse("retry:<1w").expect("test value"),
            NOW,
        );
        assert!(none.indices.is_empty());
    }

    #[test]
    fn age_and_size() {
        assert_eq!(ids("age:>2h").0, vec![0, 1, 3]);
        assert_eq!(ids("age:<5m").0, vec![2, 4]);
        assert_eq!(ids("age:>=1d").0, vec![3]);
        assert_eq!(ids("age:>1w").0, Vec::<u32>::new());
        assert_eq!(ids("age:<=60").0, vec![2, 4]);
        assert_eq!(ids("size:>1M").0, vec![2]);
        assert_eq!(ids("size:<1k").0, vec![3, 4], "k is 1024");
        assert_eq!(ids("size:<1000").0, vec![3]);
        assert_eq!(ids("size:>=2000").0, vec![0, 1, 2]);
        assert_eq!(ids("!size:>1M").0, vec![0, 1, 3, 4]);
    }

    #[test]
    fn parse_errors_point_at_the_problem() {
        let e = err("sender:x bogus:1");
        assert_eq!(e.pos, 9);
        assert!(e.message.contains("unknown field `bogus`"), "{e}");
        assert!(e.message.contains("sender, rcpt"), "{e}");
        assert_eq!(err("rcpt:").pos, 5);
        assert!(
            err("rcpt:")
                .message
                .contains("expected a value after `rcpt:`")
        );
        let e = err("reason:/timed out");
        assert_eq!(e.pos, 7);
        assert!(e.message.contains("closing `/`"), "{e}");
        let e = err(r#"subject:"canada pharmacy"#);
        assert_eq!(e.pos, 8);
        assert!(e.message.contains("closing `\"`"), "{e}");
        let e = err("reason:/(unclosed/");
        assert_eq!(e.pos, 7);
        assert!(e.message.starts_with("invalid regex"), "{e}");
        let e = err("age:2h");
        assert_eq!(e.pos, 4);
        assert!(e.message.contains("expected `>` or `<`"), "{e}");
        let e = err("age:>2x");
        assert_eq!(e.pos, 6);
        assert!(e.message.contains("unknown unit `x`"), "{e}");
        let e = err("size:>k");
        assert_eq!(e.pos, 6);
        assert!(e.message.contains("expected a number"), "{e}");
        assert!(
            err("age:>99999999999999999999d")
                .message
                .contains("too large")
        );
        assert!(err("age:>999999999999999w").message.contains("too large"));
        assert_eq!(err("x !").pos, 3);
        assert!(
            err("sender:>5")
                .message
                .contains("only work with age:, retry: and size:")
        );
        assert_eq!(err("rcpt:=").pos, 6);
        let e = err(r#"rcpt:"a"b"#);
        assert_eq!(e.pos, 8);
        assert!(e.message.contains("expected a space"));
        assert_eq!(
            e.to_string(),
            "filter error at column 9: expected a space or the end of the filter"
        );
        assert_eq!(e.pointer(r#"rcpt:"a"b"#), "  rcpt:\"a\"b\n          ^");
    }

    #[test]
    fn quoting_and_escapes() {
        let s = Snapshot::new(
            vec![msg(
                "Q1",
                QueueName::Deferred,
                0,
                1,
                "say \"hi\" \\o/",
                &[("a@b", None)],
            )],
            Vec::new(),
            0,
            0,
            Duration::ZERO,
        );
        let sel = |f: &str| {
            select(&s, &Filter::parse(f).expect("test value"), 0)
                .indices
                .len()
        };
        assert_eq!(sel(r#"sender:"say \"hi\" \\o/""#), 1);
        assert_eq!(sel(r"sender:/\\o\//"), 1);
        assert_eq!(sel(r#"sender:=say"#), 0);
    }

    struct Index(HashMap<(u32, ContentField), String>);
    impl ContentLookup for Index {
        fn field(&self, msg_index: u32, field: ContentField) -> Option<&str> {
            self.0.get(&(msg_index, field)).map(String::as_str)
        }
    }

    #[test]
    fn content_fields_need_an_index() {
        let s = snap();
        let f = Filter::parse(r#"subject:"canada pharmacy""#).expect("test value");
        assert_eq!(f.content_fields(), vec![ContentField::Subject]);
        assert!(select(&s, &f, NOW).indices.is_empty());
        let neg = Filter::parse(r#"!subject:"canada pharmacy""#).expect("test value");
        assert!(
            select(&s, &neg, NOW).indices.is_empty(),
            "unknown content never matches"
        );

        let mut m = HashMap::new();
        m.insert(
            (0, ContentField::Subject),
            "CANADA PHARMACY deals".to_owned(),
        );
        m.insert((1, ContentField::Subject), "Hello".to_owned());
        m.insert((1, ContentField::Sasl), "victim@example.com".to_owned());
        let idx = Index(m);
        let ctx = MatchContext {
            now: NOW,
            content: Some(&idx),
        };
        assert_eq!(select_with(&s, &f, &ctx).indices, vec![0]);
        assert_eq!(select_with(&s, &neg, &ctx).indices, vec![1]);
        let sasl = Filter::parse("sasl:=victim@example.com null").expect("test value");
        assert_eq!(select_with(&s, &sasl, &ctx).indices, vec![1]);
        for f in ContentField::ALL {
            assert!(Filter::parse(&format!("{}:x", f.name())).is_ok());
        }
    }

    #[test]
    fn single_message_api_agrees_with_select() {
        let s = snap();
        let f = Filter::parse("rcpt:@victim-a.example").expect("test value");
        assert_eq!(f.matches(&s.messages[0], NOW), Match::Whole);
        assert_eq!(f.matches(&s.messages[1], NOW), Match::Partial);
        assert_eq!(f.matches(&s.messages[2], NOW), Match::No);
        assert!(f.has_recipient_terms());
        assert!(
            !Filter::parse("null age:>1h")
                .expect("test value")
                .has_recipient_terms()
        );
        let m = &s.messages[1];
        assert!(f.recipient_matches(m, &m.recipients[0]));
        assert!(!f.recipient_matches(m, &m.recipients[1]));
    }

    #[test]
    fn adaptive_memos_switch_off_without_changing_results() {
        // 10,000 distinct addresses (memo turns off) and one repeated sender (memo stays on).
        let messages: Vec<Message> = (0..10_000)
            .map(|i| {
                let addr = format!("user{i}@d{}.example", i % 7);
                msg(
                    &format!("M{i}"),
                    QueueName::Deferred,
                    0,
                    1,
                    "MAILER-DAEMON",
                    &[(&addr, Some(TIMEOUT))],
                )
            })
            .collect();
        let s = Snapshot::new(messages, Vec::new(), 0, 0, Duration::ZERO);
        for f in [
            "rcpt:7@",
            "!rcpt:@d3.example",
            "rcpt:/^user1[0-9]*@/",
            "null timed",
        ] {
            let filter = Filter::parse(f).expect("test value");
            let expected = s
                .messages
                .iter()
                .filter(|m| filter.matches(m, 0) != Match::No)
                .count();
            assert_eq!(select(&s, &filter, 0).indices.len(), expected, "{f}");
        }
        let n = |f: &str| {
            select(&s, &Filter::parse(f).expect("test value"), 0)
                .indices
                .len()
        };
        assert_eq!(
            n("rcpt:@d3.example"),
            (0..10_000).filter(|i| i % 7 == 3).count()
        );
        assert_eq!(n("rcpt:7@"), (0..10_000).filter(|i| i % 10 == 7).count());
    }

    #[test]
    fn help_mentions_every_field() {
        for name in FIELDS.split(", ") {
            assert!(FILTER_HELP.contains(name), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,40}") {
            let _ = Filter::parse(&s);
        }

        #[test]
        fn parser_never_panics_on_filter_like_text(
            s in r#"(!?(sender|rcpt|reason|age|size|id|queue|subject|bogus)?:?[=<>/"\\]{0,2}[a-z0-9 .@*()\[\]/"\\<>=!:]{0,12}){0,4}"#
        ) {
            if let Err(e) = Filter::parse(&s) {
                proptest::prop_assert!(e.pos <= s.len());
                proptest::prop_assert!(s.is_char_boundary(e.pos));
            }
        }
    }
}
