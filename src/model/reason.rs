//! Reason families: many delay reasons, few causes.
//!
//! Postfix writes host names, IP addresses, ports, the recipient address, queue IDs and
//! provider tracking codes into every `delay_reason`, so a 100,000-message storm shows
//! ~12,800 distinct strings for ~31 actual causes. [`family`] folds those variable parts
//! into placeholders and keeps what identifies the cause: the SMTP reply code (`450`,
//! `421`, `550`), the enhanced status code (`4.7.28`) and the human text.
//!
//! Placeholders: `<host>` (a host name, or `name[address]:port` as Postfix prints a peer),
//! `<ip>` (IPv4/IPv6), `<addr>` (an email address or `<…>` path), `<url>`, `<n>` (a number)
//! and `<id>` (queue IDs, tracking codes, timestamps: long tokens mixing letters and digits).
//!
//! `delivery temporarily suspended: X` is Postfix saying "X, and I stopped trying this
//! destination for a while": it belongs to the family of X. Multi-line SMTP replies arrive
//! joined into one line with the reply code repeated (`421-4.7.28 … 421-4.7.28 …`); the
//! repeats are dropped so the family does not depend on where the server wrapped its text.
//!
//! Normalising runs once per *distinct* reason string: callers cache by the interned
//! `Arc<str>` ([`FamilyCache`]).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

/// The label used for recipients that carry no delay reason (active, incoming, hold).
pub const NO_REASON: &str = "(no reason)";

/// The family of a delay reason: variable parts replaced by placeholders.
#[must_use]
pub fn family(reason: &str) -> String {
    let mut s = reason.trim();
    // "delivery temporarily suspended: " can in theory nest (it never should); strip all.
    while let Some(rest) = strip_prefix_ci(s, "delivery temporarily suspended:") {
        s = rest.trim_start();
    }
    let mut out = String::with_capacity(s.len());
    let mut first_code: Option<&str> = None;
    let mut first_esc: Option<&str> = None;
    let mut prev_was_said = false;
    let mut in_bracket = false;
    let mut tokens = s.split_whitespace().peekable();
    let mut index = 0usize;
    while let Some(tok) = tokens.next() {
        let next = tokens.peek().copied();
        // A reply code, possibly glued to its enhanced status code: "421-4.7.28", "550".
        if let Some((code, esc)) = reply_code(tok, next, index == 0 || prev_was_said) {
            let esc_glued = esc.is_some();
            let esc = esc.or_else(|| next.filter(|n| is_enhanced_code(n)));
            let repeat = first_code == Some(code) && (esc.is_none() || esc == first_esc);
            if !esc_glued && esc.is_some() {
                tokens.next();
            }
            if !repeat {
                if first_code.is_none() {
                    first_code = Some(code);
                    first_esc = esc;
                }
                push_word(&mut out, code);
                if let Some(e) = esc {
                    push_word(&mut out, e);
                }
            }
            prev_was_said = false;
            index += 1;
            continue;
        }
        prev_was_said = tok.eq_ignore_ascii_case("said:");
        // Inside `[…]` after a placeholder, a plain word is a server's tracking tag
        // (`[<host> abhsqclf]`): it varies per message even without digits.
        let word = tok.trim_end_matches(']');
        if in_bracket
            && tok.ends_with(']')
            && out.ends_with('>')
            && word.len() >= 4
            && word.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            out.push_str(" <id>");
            out.push_str(&tok[word.len()..]);
        } else {
            push_token(&mut out, tok);
        }
        if tok.starts_with('[') && !tok.contains(']') {
            in_bracket = true;
        } else if tok.contains(']') {
            in_bracket = false;
        }
        index += 1;
    }
    out
}

/// Is `tok` (with `next` after it) an SMTP reply code? Returns the code and an enhanced
/// status code glued to it with `-` or ` `. A bare three-digit number only counts where a
/// reply code is expected (start, after `said:`) or when an enhanced code follows.
fn reply_code<'a>(
    tok: &'a str,
    next: Option<&str>,
    expected: bool,
) -> Option<(&'a str, Option<&'a str>)> {
    let b = tok.as_bytes();
    if b.len() < 3
        || !matches!(b[0], b'2'..=b'5')
        || !b[1].is_ascii_digit()
        || !b[2].is_ascii_digit()
    {
        return None;
    }
    let code = &tok[..3];
    if b.len() == 3 {
        let esc_follows = next.is_some_and(is_enhanced_code);
        return (expected || esc_follows).then_some((code, None));
    }
    if b[3] == b'-' {
        let rest = &tok[4..];
        if rest.is_empty() {
            return Some((code, None));
        }
        if is_enhanced_code(rest) {
            return Some((code, Some(rest)));
        }
    }
    None
}

/// `4.7.28`, `5.1.1`, `4.7.650`: class.subject.detail (RFC 3463).
fn is_enhanced_code(s: &str) -> bool {
    let s = s.trim_end_matches([',', ';', ':']);
    let mut parts = s.split('.');
    let (Some(a), Some(b), Some(c), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(a, "2" | "4" | "5")
        && (1..=3).contains(&b.len())
        && (1..=3).contains(&c.len())
        && b.bytes().all(|x| x.is_ascii_digit())
        && c.bytes().all(|x| x.is_ascii_digit())
}

fn push_word(out: &mut String, w: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(w);
}

const OPENERS: &[char] = &['<', '(', '[', '{', '"', '\''];
const CLOSERS: &[char] = &['>', ')', ']', '}', '"', '\'', '.', ',', ';', ':', '!', '?'];

/// Classify one whitespace-separated token and append its normalised form.
fn push_token(out: &mut String, tok: &str) {
    // Fast path: most tokens are plain words ("connect", "(in", "command)", "greylisted,").
    let word = tok
        .trim_start_matches('(')
        .trim_end_matches([')', '.', ',', ';', ':', '!', '?']);
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'\'')
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(tok);
        return;
    }
    let core_start = tok.len() - tok.trim_start_matches(OPENERS).len();
    let (prefix, rest) = tok.split_at(core_start);
    // `name[ip]:port:` and `[ip]:port` as Postfix prints peers: one <host>.
    if let Some(open) = rest.find('[')
        && let Some(close_rel) = rest[open..].find(']')
    {
        let close = open + close_rel;
        let name = &rest[..open];
        let inside = &rest[open + 1..close];
        let mut after = &rest[close + 1..];
        if is_ip(inside) && (name.is_empty() || is_host(name) || is_ip(name)) {
            // Drop a ":port" right after the bracket.
            if let Some(p) = after.strip_prefix(':') {
                let digits = p.len() - p.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                if digits > 0 {
                    after = &p[digits..];
                }
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(prefix);
            out.push_str(if name.is_empty() { "[<ip>]" } else { "<host>" });
            out.push_str(after);
            return;
        }
    }
    let core_end = rest.trim_end_matches(CLOSERS).len();
    let (core, suffix) = rest.split_at(core_end);
    if !out.is_empty() {
        out.push(' ');
    }
    if core.is_empty() {
        out.push_str(tok);
        return;
    }
    // key=value: classify the value ("name=mx.example", "id=4B2F41C0A8").
    if let Some(eq) = core.find('=')
        && eq > 0
        && !core.contains("://")
    {
        let (k, v) = (&core[..eq], &core[eq + 1..]);
        if k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            out.push_str(prefix);
            out.push_str(k);
            out.push('=');
            out.push_str(classify(v).map_or(v, |p| p.as_str()));
            out.push_str(suffix);
            return;
        }
    }
    match classify(core) {
        Some(Placeholder::Addr) if prefix.ends_with('<') && suffix.starts_with('>') => {
            out.push_str(&prefix[..prefix.len() - 1]);
            out.push_str("<addr>");
            out.push_str(&suffix[1..]);
        }
        Some(p) => {
            out.push_str(prefix);
            out.push_str(p.as_str());
            out.push_str(suffix);
        }
        None => out.push_str(tok),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Host,
    Ip,
    Addr,
    Url,
    Num,
    Id,
}

impl Placeholder {
    fn as_str(self) -> &'static str {
        match self {
            Self::Host => "<host>",
            Self::Ip => "<ip>",
            Self::Addr => "<addr>",
            Self::Url => "<url>",
            Self::Num => "<n>",
            Self::Id => "<id>",
        }
    }
}

/// What a bare token is, if it is a variable part.
fn classify(core: &str) -> Option<Placeholder> {
    let lower_prefix = |p: &str| {
        core.len() >= p.len() && core.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    };
    if lower_prefix("http://") || lower_prefix("https://") || lower_prefix("www.") {
        return Some(Placeholder::Url);
    }
    if core.contains('@') {
        return Some(Placeholder::Addr);
    }
    if is_ip(core) || lower_prefix("ipv6:") && is_ip(&core[5..]) {
        return Some(Placeholder::Ip);
    }
    if core.bytes().all(|b| b.is_ascii_digit()) {
        // Long digit strings are serials and tracking numbers, not quantities: one family
        // with the hex tags the same server prints (`[FC8ED207]`, `[20481234]`).
        return Some(if core.len() >= 8 {
            Placeholder::Id
        } else {
            Placeholder::Num
        });
    }
    if is_host(core) {
        return Some(Placeholder::Host);
    }
    let digits = core.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    // Numbers with separators: "12.5", "1,000", "2024-01-01", "00:05:00".
    if core
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'-' | b':' | b'/'))
    {
        return Some(Placeholder::Num);
    }
    let idish = core.bytes().all(|b| {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'=')
    });
    (idish && core.len() >= 8).then_some(Placeholder::Id)
}

/// A host name: dotted labels of letters, digits and `-`, with letters in the last label.
fn is_host(s: &str) -> bool {
    if s.len() < 3 || !s.contains('.') || s.starts_with('.') || s.starts_with('-') {
        return false;
    }
    let s = s.strip_suffix('.').unwrap_or(s);
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return false;
    }
    let last = s.rsplit('.').next().unwrap_or("");
    last.len() >= 2 && last.bytes().any(|b| b.is_ascii_alphabetic()) && !s.contains("..")
}

/// IPv4 dotted quad or an IPv6 address (as Postfix prints them inside brackets).
fn is_ip(s: &str) -> bool {
    let s = s
        .strip_prefix("IPv6:")
        .or_else(|| s.strip_prefix("ipv6:"))
        .unwrap_or(s);
    if s.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_ok()
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes()))
    .then(|| &s[prefix.len()..])
}

/// A small, fast hasher for our in-memory maps: pointer keys (8/16-aligned, so the low
/// bits carry nothing and a multiply spreads the useful ones) and short strings, read eight
/// bytes at a time. Not DoS-resistant; the keys come from one Postfix listing, and the worst
/// a crafted queue can do is slow grouping down, never change its result.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        let mut w = [0u8; 8];
        let rest = chunks.remainder();
        w[..rest.len()].copy_from_slice(rest);
        self.0 =
            (self.0.rotate_left(5) ^ u64::from_le_bytes(w) ^ rest.len() as u64).wrapping_mul(K);
    }
    fn write_u8(&mut self, n: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(n)).wrapping_mul(K);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(K);
    }
}

/// Kept for callers that named it: the pointer hasher is the fast hasher.
pub type PtrHasher = FastHasher;

/// A map keyed by the address of an interned string.
pub type PtrMap<V> = HashMap<usize, V, BuildHasherDefault<FastHasher>>;

/// A map keyed by string content, with the fast hasher.
pub type TextMap<V> = HashMap<Arc<str>, V, BuildHasherDefault<FastHasher>>;

/// The address of an interned string: equal strings from one [`super::Interner`] share it.
/// Only valid while the string is alive, so a [`PtrMap`] must not outlive the snapshot it
/// was filled from.
#[must_use]
pub fn ptr_key(s: &Arc<str>) -> usize {
    Arc::as_ptr(s).cast::<u8>() as usize
}

/// Families already computed, shared by every grouping and filter in the process.
///
/// Every refresh builds a new snapshot, so pointer caches start empty; this content-keyed
/// cache makes the second and later refreshes of the same storm skip [`family`] entirely
/// and reuse the reason's `Arc` too. It holds one entry per distinct reason text ever
/// seen and is cleared when it reaches [`SHARED_FAMILIES_CAP`] entries, which bounds its
/// memory. Entries are found by [`text_hash`], so a caller that already hashed the text
/// (a [`ReasonTable`]) does not hash it again.
struct SharedFamilies {
    /// (hash, reason, family), by [`text_hash`] of the reason (kept: growing the table
    /// never hashes a text again).
    by_reason: hashbrown::HashTable<(u64, Arc<str>, Arc<str>)>,
    /// Family texts, so that equal families share one `Arc` (groupings key on it).
    families: TextMap<()>,
}

/// When the shared family cache is cleared.
pub const SHARED_FAMILIES_CAP: usize = 1 << 20;

static SHARED: LazyLock<Mutex<SharedFamilies>> = LazyLock::new(|| {
    Mutex::new(SharedFamilies {
        by_reason: hashbrown::HashTable::new(),
        families: TextMap::default(),
    })
});

/// foldhash, seeded once per process: reason texts come from the queue (chosen by
/// spammers), so not an unseeded hash; one seed, so one hash serves every table.
static TEXT_HASH: LazyLock<foldhash::fast::RandomState> =
    LazyLock::new(foldhash::fast::RandomState::default);

/// The hash of `s` that the shared family cache and [`ReasonTable`] key on.
#[must_use]
pub fn text_hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    TEXT_HASH.hash_one(s)
}

fn shared() -> std::sync::MutexGuard<'static, SharedFamilies> {
    // The cache holds plain data; a panic elsewhere while it was locked leaves it usable.
    SHARED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// (reason, family) for `reason` with hash `hash`, from the shared cache or computed
/// (outside the lock) and remembered. `make` gives the reason's `Arc` when the cache has
/// none yet. Equal families come back as the same `Arc`.
fn shared_family_hashed(
    reason: &str,
    hash: u64,
    make: impl FnOnce() -> Arc<str>,
) -> (Arc<str>, Arc<str>) {
    if let Some((_, r, f)) = shared()
        .by_reason
        .find(hash, |(h, r, _)| *h == hash && **r == *reason)
    {
        return (r.clone(), f.clone());
    }
    let fam = family(reason);
    let reason = make();
    let mut g = shared();
    if g.by_reason.len() >= SHARED_FAMILIES_CAP {
        g.by_reason.clear();
        g.families.clear();
    }
    let fam: Arc<str> = match g.families.get_key_value(fam.as_str()) {
        Some((f, ())) => f.clone(),
        None => {
            let f: Arc<str> = Arc::from(fam);
            g.families.insert(f.clone(), ());
            f
        }
    };
    // Another thread may have added it meanwhile: keep one entry per text.
    if let Some((_, r, f)) = g
        .by_reason
        .find(hash, |(h, r, _)| *h == hash && **r == *reason)
    {
        return (r.clone(), f.clone());
    }
    g.by_reason
        .insert_unique(hash, (hash, reason.clone(), fam.clone()), |(h, _, _)| *h);
    (reason, fam)
}

/// The family of `reason`, from the process-wide cache or computed (outside the lock) and
/// remembered. Equal families come back as the same `Arc`.
#[must_use]
pub fn family_shared(reason: &Arc<str>) -> Arc<str> {
    shared_family_hashed(reason, text_hash(reason), || reason.clone()).1
}

/// The delay reasons of one listing, interned with their families: each distinct reason
/// text is allocated at most once (not at all when an earlier listing of the process had
/// it: its `Arc` is reused) and its family folded once, in the process-wide cache. Equal
/// texts come back as the same `Arc`, as from an [`super::Interner`].
///
/// (A table of its own per listing in front of the shared cache cost a second probe and an
/// insert for every new text: slower by a tenth of the whole parse on a million distinct
/// reasons, and no faster on few; the shared cache's lock is uncontended.)
#[derive(Default)]
pub struct ReasonTable {
    distinct: usize,
}

impl ReasonTable {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// (interned reason, its family).
    pub fn get(&mut self, reason: &str) -> (Arc<str>, Arc<str>) {
        shared_family_hashed(reason, text_hash(reason), || {
            self.distinct += 1;
            Arc::from(reason)
        })
    }

    /// Reasons this table allocated (texts no listing of the process had before).
    #[must_use]
    pub fn len(&self) -> usize {
        self.distinct
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.distinct == 0
    }
}

/// Families of the reasons of one snapshot, computed once per distinct string.
///
/// Keyed by pointer first (a hash of one word), then by the process-wide content cache,
/// so two `Arc`s with the same text (from different listings) share one family `Arc`.
#[derive(Debug, Default)]
pub struct FamilyCache {
    by_ptr: PtrMap<Arc<str>>,
    no_reason: Option<Arc<str>>,
}

impl FamilyCache {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The family of `reason` (or of "no reason").
    pub fn get(&mut self, reason: Option<&Arc<str>>) -> Arc<str> {
        let Some(reason) = reason else {
            return self
                .no_reason
                .get_or_insert_with(|| Arc::from(NO_REASON))
                .clone();
        };
        self.by_ptr
            .entry(ptr_key(reason))
            .or_insert_with(|| family_shared(reason))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(s: &str) -> String {
        family(s)
    }

    #[test]
    fn timeouts_fold_hosts_ips_and_ports() {
        let a = fam("connect to mx.victim-a.example[192.0.2.10]:25: Connection timed out");
        let b = fam("connect to mx2.other.example[198.51.100.7]:25: Connection timed out");
        assert_eq!(a, "connect to <host>: Connection timed out");
        assert_eq!(a, b);
        assert_eq!(
            fam("connect to mx.v6.example[2001:db8::25]:25: Connection timed out"),
            a
        );
    }

    #[test]
    fn suspended_is_the_same_family() {
        let a = fam("connect to mx.victim-a.example[192.0.2.10]:25: Connection refused");
        let b = fam(
            "delivery temporarily suspended: connect to mx.victim-b.example[192.0.2.11]:25: Connection refused",
        );
        assert_eq!(a, b);
        assert_eq!(a, "connect to <host>: Connection refused");
    }

    #[test]
    fn greylisting_keeps_codes_and_text() {
        let a = fam(
            "host mx.a.example[192.0.2.1] said: 450 4.2.0 <victim1@a.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/a.example.html (in reply to RCPT TO command)",
        );
        let b = fam(
            "host mx.b.example[192.0.2.2] said: 450 4.2.0 <someone22@b.example>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/b.example.html (in reply to RCPT TO command)",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "host <host> said: 450 4.2.0 <addr>: Recipient address rejected: Greylisted, see <url> (in reply to RCPT TO command)"
        );
        let c = fam(
            "host mx.c.example[192.0.2.3] said: 451 4.7.1 Greylisting in action, please come back in 00:05:00 (in reply to RCPT TO command)",
        );
        assert!(
            c.starts_with("host <host> said: 451 4.7.1 Greylisting in action"),
            "{c}"
        );
        assert!(c.contains("in <n>"), "{c}");
        assert_ne!(a, c, "450 and 451 greylisting are different families");
    }

    #[test]
    fn gmail_rate_limit_multiline() {
        let a = fam(
            "host gmail-smtp-in.l.google.com[142.250.102.26] said: 421-4.7.28 [203.0.113.5      15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. For more information, go to 421-4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. d2e1a72fcca58-7d4ea4b1b0asi123456b3a.123 - gsmtp (in reply to end of DATA command)",
        );
        let b = fam(
            "host alt1.gmail-smtp-in.l.google.com[142.251.9.27] said: 421-4.7.28 [203.0.113.5      16] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. For more information, go to 421-4.7.28  https://support.google.com/mail/?p=UnsolicitedRateLimitError to review our Bulk Email Senders Guidelines. 98e67ed59e1d1-2f2ee0d4f5fsi987.55 - gsmtp (in reply to end of DATA command)",
        );
        assert_eq!(a, b);
        assert!(
            a.starts_with(
                "host <host> said: 421 4.7.28 [<ip> <n>] Our system has detected an unusual rate"
            ),
            "{a}"
        );
        assert_eq!(a.matches("4.7.28").count(), 1, "{a}");
        assert!(a.contains("go to <url> to review"), "{a}");
        assert!(a.contains("Guidelines. <id> - gsmtp"), "{a}");
    }

    #[test]
    fn outlook_rate_limit() {
        let a = fam(
            "host outlook-com.olc.protection.outlook.com[52.101.68.14] said: 451 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [AM0PR01MB1234.eurprd01.prod.exchangelabs.com 2024-05-01T10:00:00.123Z 08DC69E1D2B3C4F5] (in reply to MAIL FROM command)",
        );
        let b = fam(
            "host hotmail-com.olc.protection.outlook.com[52.101.11.3] said: 451 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://aka.ms/postmaster (S775) [DB5PR02MB9876.eurprd02.prod.exchangelabs.com 2024-05-01T11:22:33.456Z 08DC69E1D2B3AAAA] (in reply to MAIL FROM command)",
        );
        assert_eq!(a, b);
        assert!(
            a.contains("451 4.7.650 The mail server [<ip>] has been temporarily rate limited"),
            "{a}"
        );
    }

    #[test]
    fn user_unknown_550() {
        let a = fam(
            "host mx.a.example[192.0.2.1] said: 550 5.1.1 <victim1@a.example>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
        );
        assert_eq!(
            a,
            "host <host> said: 550 5.1.1 <addr>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"
        );
        let multi = fam(
            "host mx.b.example[192.0.2.9] said: 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 41be03b00d2f7-7e2a1b2c3d4si12345a12.55 - gsmtp (in reply to RCPT TO command)",
        );
        assert_eq!(
            multi,
            "host <host> said: 550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. <url> <id> - gsmtp (in reply to RCPT TO command)"
        );
    }

    #[test]
    fn dns_failures() {
        let a = fam(
            "Host or domain name not found. Name service error for name=victim-a.example type=MX: Host not found, try again",
        );
        let b = fam(
            "Host or domain name not found. Name service error for name=other.test type=MX: Host not found, try again",
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            "Host or domain name not found. Name service error for name=<host> type=MX: Host not found, try again"
        );
        assert_ne!(
            a,
            fam(
                "Host or domain name not found. Name service error for name=x.example type=A: Host not found"
            )
        );
    }

    #[test]
    fn tls_and_lost_connection() {
        assert_eq!(
            fam("TLS is required, but was not offered by host mx.a.example[192.0.2.1]"),
            "TLS is required, but was not offered by host <host>"
        );
        assert_eq!(
            fam(
                "lost connection with mx.a.example[192.0.2.1] while receiving the initial server greeting"
            ),
            "lost connection with <host> while receiving the initial server greeting"
        );
        assert_eq!(
            fam(
                "conversation with mx.b.example[2001:db8::1] timed out while receiving the initial server greeting"
            ),
            "conversation with <host> timed out while receiving the initial server greeting"
        );
        assert_eq!(
            fam("connect to 192.0.2.7[192.0.2.7]:25: No route to host"),
            "connect to <host>: No route to host"
        );
    }

    #[test]
    fn rate_limit_421_and_queue_ids() {
        let a = fam(
            "host mx.a.example[192.0.2.1] said: 421 4.7.0 Too many connections from 203.0.113.5, try again in 300 seconds (in reply to MAIL FROM command)",
        );
        assert_eq!(
            a,
            "host <host> said: 421 4.7.0 Too many connections from <ip>, try again in <n> seconds (in reply to MAIL FROM command)"
        );
        let q = fam("host mx.a.example[192.0.2.1] said: 250 2.0.0 Ok: queued as 4B2F41C0A8");
        assert_eq!(q, "host <host> said: 250 2.0.0 Ok: queued as <id>");
    }

    #[test]
    fn bracketed_tracking_tags() {
        let a = fam(
            "host mx.o.example[192.0.2.1] said: 451 4.7.500 Server busy. (S77714) [1CO4XSU4.prod.protection.outlook.example 1co4xsu4] (in reply to RCPT TO command)",
        );
        let b = fam(
            "host mx.o.example[192.0.2.1] said: 451 4.7.500 Server busy. (S77714) [OWYVOVAX.prod.protection.outlook.example abhsqclf] (in reply to RCPT TO command)",
        );
        assert_eq!(a, b);
        assert!(
            a.ends_with("(S77714) [<host> <id>] (in reply to RCPT TO command)"),
            "{a}"
        );
        let c = fam(
            "host mx.g.example[192.0.2.1] said: 451 4.7.1 Please try again later (greylisted) [FC8ED207] (in reply to RCPT TO command)",
        );
        let d = fam(
            "host mx.g.example[192.0.2.1] said: 451 4.7.1 Please try again later (greylisted) [20481234] (in reply to RCPT TO command)",
        );
        assert_eq!(c, d);
        // A constant code in brackets is part of the text.
        assert!(
            fam("said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 deferred").contains("[TSS04]")
        );
    }

    #[test]
    fn local_and_plain_text_reasons_are_kept() {
        assert_eq!(
            fam("mail transport unavailable"),
            "mail transport unavailable"
        );
        assert_eq!(fam("  padded   text  "), "padded text");
        assert_eq!(fam(""), "");
        assert_eq!(fam("メールボックスが一杯です"), "メールボックスが一杯です");
    }

    #[test]
    fn hostile_text_is_kept_raw_for_sanitize_later() {
        // The family keeps control characters: display goes through text::sanitize.
        let f = fam("550 evil\u{1b}[31m text");
        assert!(f.contains('\u{1b}'));
    }

    #[test]
    fn cache_shares_by_pointer_and_text() {
        let mut c = FamilyCache::new();
        let r1: Arc<str> = Arc::from("connect to a.example[192.0.2.1]:25: Connection refused");
        let r2: Arc<str> = Arc::from("connect to b.example[192.0.2.2]:25: Connection refused");
        let f1 = c.get(Some(&r1));
        let f2 = c.get(Some(&r2));
        assert!(Arc::ptr_eq(&f1, &f2));
        assert_eq!(&*c.get(None), NO_REASON);
    }

    #[test]
    fn reason_table_interns_once_and_folds_like_family() {
        let reasons = [
            "connect to mx.a.example[192.0.2.10]:25: Connection timed out",
            "connect to mx.b.example[192.0.2.11]:25: Connection timed out",
            "host mx.a.example[192.0.2.1] said: 450 4.2.0 <u1@a.example>: Recipient address rejected: Greylisted",
            "host mx.a.example[192.0.2.1] said: 450 4.2.0 <u2@a.example>: Recipient address rejected: Greylisted",
            "",
            "\u{202e} odd \x1b[31m text",
        ];
        let mut t = ReasonTable::new();
        let first: Vec<_> = reasons.iter().map(|r| t.get(r)).collect();
        assert_eq!(t.len(), reasons.len());
        for (r, (reason, fam)) in reasons.iter().zip(&first) {
            assert_eq!(&**reason, *r);
            assert_eq!(**fam, *family(r), "{r}");
            // The same text again: the same Arcs, nothing new.
            let (again, fam2) = t.get(r);
            assert!(Arc::ptr_eq(reason, &again));
            assert!(Arc::ptr_eq(fam, &fam2));
        }
        assert_eq!(t.len(), reasons.len());
        // Equal families share one Arc (groupings key on it), across tables too.
        assert!(Arc::ptr_eq(&first[0].1, &first[1].1));
        assert!(Arc::ptr_eq(&first[2].1, &first[3].1));
        let mut other = ReasonTable::new();
        let (r0, f0) = other.get(reasons[0]);
        assert!(Arc::ptr_eq(&f0, &first[0].1));
        // A later listing reuses the reason's Arc from the shared cache.
        assert!(Arc::ptr_eq(&r0, &first[0].0));
        // family_shared agrees with the table.
        assert!(Arc::ptr_eq(
            &family_shared(&Arc::from(reasons[2])),
            &first[2].1
        ));
    }
}
