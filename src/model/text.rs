//! Making hostile strings safe to show.
//!
//! Everything in a mail queue is, in the end, written by spammers: senders, recipients,
//! delay reasons, subjects and bodies. A raw ESC, C1 control or bidi override that reaches
//! the terminal can recolour it, move the cursor, set the clipboard (OSC 52) or hide text.
//! [`sanitize`] turns every such character into a visible escape (`\e`, `\x07`, `\u{202e}`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that must never reach a terminal raw.
#[must_use]
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        // C1 controls are covered by is_control(); these are the invisible/bidi formatting
        // characters a spammer can use to reorder or hide text on screen.
        || matches!(c,
            // Arabic letter mark: a bidi mark like LRM/RLM below.
            '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            // Line and paragraph separators: some terminals and widgets break lines on them.
            | '\u{2028}' | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            // Tag characters: invisible, used to smuggle hidden text past a reader.
            | '\u{e0000}'..='\u{e007f}')
}

/// Replace control, bidi and invisible characters with visible escapes.
///
/// Borrows when the string is already clean, which it almost always is.
#[must_use]
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Decode bytes leniently (invalid UTF-8 becomes U+FFFD) and sanitize them.
#[must_use]
pub fn sanitize_bytes(b: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(b)).into_owned()
}

/// Several lines (postqueue's stderr, an ssh error) as one sanitized line for a status
/// line: lines trimmed and joined with ` · `, blank ones dropped. Sanitizing alone would
/// show each newline as a literal `\n`.
#[must_use]
pub fn one_line(s: &str) -> String {
    let joined: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    sanitize(&joined.join(" · ")).into_owned()
}

/// A sanitized prefix of at most `max` characters, with `…` when cut.
#[must_use]
pub fn snippet(s: &str, max: usize) -> String {
    let clean = sanitize(s);
    let mut out: String = clean.chars().take(max).collect();
    if clean.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// Make serialized JSON terminal-safe without changing its data: every unsafe character is
/// written as a `\uXXXX` escape (a surrogate pair above U+FFFF). serde_json escapes only C0
/// controls, so C1 controls (U+009B is CSI) and bidi overrides from the queue would otherwise
/// reach the terminal raw when `--json` output is read there. A consumer that parses the JSON
/// gets exactly the original strings back.
///
/// Raw newlines are kept: in serde_json output they can only be the pretty printer's layout
/// (newlines inside strings are already escaped).
#[must_use]
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_unsafe_char(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strings_are_borrowed() {
        assert!(matches!(sanitize("alice@example.com"), Cow::Borrowed(_)));
        assert!(matches!(sanitize("件名 テスト"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_become_visible() {
        assert_eq!(sanitize("a\u{1b}[31mred"), "a\\e[31mred");
        assert_eq!(
            sanitize("\u{1b}]52;c;SGVsbG8=\u{7}"),
            "\\e]52;c;SGVsbG8=\\x07"
        );
        assert_eq!(sanitize("x\u{9b}2J"), "x\\x9b2J");
        assert_eq!(sanitize("evil\u{202e}gpj.exe"), "evil\\u{202e}gpj.exe");
        assert_eq!(sanitize("nul\0"), "nul\\0");
    }

    #[test]
    fn json_keeps_its_data_and_loses_raw_controls() {
        let value = serde_json::json!({"s": "a\u{9b}2J\u{202e}b\u{e0041}\u{1b}[31m\n件"});
        let raw = serde_json::to_string_pretty(&value).expect("json");
        assert!(raw.contains('\u{9b}'), "serde_json leaves C1 raw: {raw:?}");
        let safe = json_terminal_safe(&raw);
        assert!(
            !safe.chars().any(|c| c != '\n' && is_unsafe_char(c)),
            "{safe:?}"
        );
        assert!(
            safe.contains("\\u009b") && safe.contains("\\udb40\\udc41"),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, value);
        assert!(matches!(json_terminal_safe("{\"a\": 1}"), Cow::Borrowed(_)));
    }

    #[test]
    fn snippet_cuts_and_marks() {
        assert_eq!(snippet("abcdef", 3), "abc…");
        assert_eq!(snippet("abc", 3), "abc");
    }
}
