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

/// Write `value` as pretty-printed JSON that is terminal-safe without changing its data:
/// every unsafe character is written as a `\uXXXX` escape (a surrogate pair above U+FFFF).
/// serde_json escapes only C0 controls, so C1 controls (U+009B is CSI) and bidi overrides
/// from the queue would otherwise reach the terminal raw when `--json` output is read there.
/// A consumer that parses the JSON gets exactly the original strings back. Streamed: the
/// document is never held whole (a mail log's report is tens of megabytes); give `out` a
/// buffer.
///
/// # Errors
/// Writing failed, or `value` cannot be serialized.
pub fn write_json_pretty<W: std::io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> std::io::Result<()> {
    let formatter = TerminalSafe(serde_json::ser::PrettyFormatter::new());
    value
        .serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
        .map_err(std::io::Error::from)
}

/// [`write_json_pretty`] on one line.
///
/// # Errors
/// Writing failed, or `value` cannot be serialized.
pub fn write_json<W: std::io::Write, T: serde::Serialize + ?Sized>(
    out: W,
    value: &T,
) -> std::io::Result<()> {
    let formatter = TerminalSafe(serde_json::ser::CompactFormatter);
    value
        .serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
        .map_err(std::io::Error::from)
}

/// A JSON layout (`F`) whose strings escape every character [`is_unsafe_char`] names.
struct TerminalSafe<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for TerminalSafe<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // serde_json has escaped C0 controls, quotes and backslashes already; below DEL,
        // nothing else is unsafe.
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe_char(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                for u in c.encode_utf16(&mut [0; 2]) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is `F`'s.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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
        let value = serde_json::json!({
            "s": "a\u{9b}2J\u{202e}b\u{e0041}\u{1b}[31m\n件\u{7f}",
            "k\u{202e}ey": ["x\u{2028}", 1, null, {"\"q\"": "plain"}],
        });
        assert!(
            serde_json::to_string(&value)
                .expect("json")
                .contains('\u{9b}'),
            "serde_json leaves C1 raw"
        );
        for pretty in [true, false] {
            let mut out = Vec::new();
            if pretty {
                write_json_pretty(&mut out, &value).expect("write");
            } else {
                write_json(&mut out, &value).expect("write");
            }
            let safe = String::from_utf8(out).expect("utf-8");
            assert!(
                !safe.chars().any(|c| c != '\n' && is_unsafe_char(c)),
                "{safe:?}"
            );
            assert!(
                safe.contains("\\u009b") && safe.contains("\\udb40\\udc41"),
                "{safe}"
            );
            assert_eq!(safe.contains('\n'), pretty, "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
            assert_eq!(back, value);
        }
        // The layout is serde_json's own.
        let plain = serde_json::json!({"a": [1, {"b": "c"}]});
        let mut out = Vec::new();
        write_json_pretty(&mut out, &plain).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            serde_json::to_string_pretty(&plain).expect("json")
        );
    }

    #[test]
    fn snippet_cuts_and_marks() {
        assert_eq!(snippet("abcdef", 3), "abc…");
        assert_eq!(snippet("abc", 3), "abc");
    }
}
