//! Parsing: filter text → terms. A hand-written scanner over byte offsets, so every error
//! points at the exact column.

use regex::RegexBuilder;

use super::{Cmp, ContentField, FilterError, Pattern, Term, TermKind, TextField};
use crate::model::{text, time};

pub(super) const FIELDS: &str = "sender, rcpt, reason, queue, id, age, retry, size, subject, from, campaign, sasl, client, helo, submitter, login-new";

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
        "login-new" => FieldName::LoginNew,
        _ => return None,
    })
}

#[derive(Clone, Copy)]
enum FieldName {
    Text(TextField),
    Age,
    Retry,
    Size,
    LoginNew,
}

/// The terms of `text`, in order.
pub(super) fn terms(text: &str) -> Result<Vec<Term>, FilterError> {
    let mut p = Parser { text, pos: 0 };
    let mut terms = Vec::new();
    loop {
        p.skip_ws();
        if p.peek().is_none() {
            break;
        }
        terms.push(p.term()?);
    }
    Ok(terms)
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
                        text::snippet(name, 20)
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
                        self.comparison("age", "a duration", "2h", time::duration_unit)?;
                    TermKind::Age(cmp, v)
                }
                FieldName::Retry => {
                    let (cmp, v) =
                        self.comparison("retry", "a duration", "10m", time::duration_unit)?;
                    TermKind::Retry(cmp, v)
                }
                FieldName::Size => {
                    let (cmp, v) = self.comparison("size", "a size", "100k", size_unit)?;
                    TermKind::Size(cmp, v)
                }
                FieldName::LoginNew => {
                    let start = self.pos;
                    let rest = &self.text[self.pos..];
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    let yes = match rest[..end].to_ascii_lowercase().as_str() {
                        "yes" | "y" | "true" => true,
                        "no" | "n" | "false" => false,
                        _ => {
                            return Err(FilterError::new(
                                start,
                                "expected yes or no (login-new:yes, login-new:no)",
                            ));
                        }
                    };
                    self.pos += end;
                    TermKind::LoginNew(yes)
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
                    text::snippet(&rest[..unit_len], 10),
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
