//! `postcat -q -e…` output → [`QueueFile`]s.
//!
//! With `-e`, postcat frames every queue file with section separators (Postfix 3.7.11):
//!
//! ```text
//! *** ENVELOPE RECORDS deferred/2/2745A98C1F7 ***
//! sender: spammer1@forged.example
//! named_attribute: sasl_username=partner@example.test
//! recipient: x1@victim-b.example
//! *** MESSAGE CONTENTS deferred/2/2745A98C1F7 ***
//! From: …                           (headers; with -b a blank line and the body follow)
//! *** HEADER EXTRACTED deferred/2/2745A98C1F7 ***
//! *** MESSAGE FILE END deferred/2/2745A98C1F7 ***
//! ```
//!
//! The contents are written by whoever sent the mail, so a spammer can put a line that looks
//! like a separator into a body. Separators after the first one of a file are only accepted
//! when they name the same queue file, which the sender cannot know in advance.

use crate::model::{QueueFile, QueueId, QueueName};

/// Split batched `postcat -e` output at its section separators.
#[derive(Debug, Default)]
pub struct PostcatOutput {
    pub files: Vec<QueueFile>,
    /// Files whose output stopped before `*** MESSAGE FILE END … ***` (postcat died, or the
    /// file vanished while it was read). Their partial contents are not in `files`.
    pub incomplete: Vec<QueueId>,
    /// Lines outside of any file section (sanitized count only: they are noise).
    pub stray_lines: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Envelope,
    Contents,
    Extracted,
}

struct Current {
    path: Vec<u8>,
    file: QueueFile,
    section: Section,
    contents: Vec<u8>,
}

/// Parse the output of one or many `postcat -q -eh` / `-ebh` runs, concatenated.
///
/// Whether the body was asked for is seen from the output itself: with `-b` a blank line
/// separates headers from the body; without it the contents are the headers only.
#[must_use]
pub fn parse_output(out: &[u8]) -> PostcatOutput {
    let mut result = PostcatOutput::default();
    let mut cur: Option<Current> = None;
    for line in out.split_inclusive(|&b| b == b'\n') {
        let bare = trim_eol(line);
        if let Some((kind, path)) = separator(bare) {
            match (&mut cur, kind) {
                (None, "ENVELOPE RECORDS") => {
                    cur = Some(start_file(path));
                    continue;
                }
                (Some(c), _) if c.path.as_slice() == path => match (c.section, kind) {
                    (Section::Envelope, "MESSAGE CONTENTS") => {
                        c.section = Section::Contents;
                        continue;
                    }
                    (Section::Envelope | Section::Contents, "HEADER EXTRACTED") => {
                        c.section = Section::Extracted;
                        continue;
                    }
                    (_, "MESSAGE FILE END") => {
                        if let Some(done) = cur.take() {
                            result.files.push(finish_file(done));
                        }
                        continue;
                    }
                    _ => {}
                },
                (Some(c), "ENVELOPE RECORDS") if c.section != Section::Contents => {
                    // The previous file never ended: postcat stopped in the middle of it.
                    result.incomplete.push(c.file.queue_id.clone());
                    cur = Some(start_file(path));
                    continue;
                }
                _ => {}
            }
        }
        match &mut cur {
            None => {
                if !bare.is_empty() {
                    result.stray_lines += 1;
                }
            }
            Some(c) => match c.section {
                Section::Contents => c.contents.extend_from_slice(line),
                Section::Envelope | Section::Extracted => record(&mut c.file, bare),
            },
        }
    }
    if let Some(c) = cur {
        result.incomplete.push(c.file.queue_id);
    }
    result
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `*** KIND path ***` → (KIND, path) for the four separators postcat prints.
fn separator(line: &[u8]) -> Option<(&'static str, &[u8])> {
    let inner = line.strip_prefix(b"*** ")?.strip_suffix(b" ***")?;
    for kind in [
        "ENVELOPE RECORDS",
        "MESSAGE CONTENTS",
        "HEADER EXTRACTED",
        "MESSAGE FILE END",
    ] {
        if let Some(path) = inner
            .strip_prefix(kind.as_bytes())
            .and_then(|r| r.strip_prefix(b" "))
            && !path.is_empty()
            && !path.contains(&b' ')
        {
            return Some((kind, path));
        }
    }
    None
}

/// `deferred/2/2745A98C1F7` → (deferred, 2745A98C1F7). A path from postcat without `-q`
/// (`/var/spool/postfix/deferred/2/…`) works too: the queue is the first known queue name.
fn start_file(path: &[u8]) -> Current {
    let text = String::from_utf8_lossy(path);
    let id = text.rsplit('/').next().unwrap_or_default();
    let queue = text
        .split('/')
        .map(QueueName::parse)
        .find(|q| !matches!(q, QueueName::Other(_)));
    Current {
        path: path.to_vec(),
        file: QueueFile {
            queue_id: QueueId::new(id),
            queue,
            ..QueueFile::default()
        },
        section: Section::Envelope,
        contents: Vec::new(),
    }
}

/// One envelope record line: `name: value`; `named_attribute: k=v` goes to attributes.
fn record(file: &mut QueueFile, line: &[u8]) {
    if line.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(line);
    let (name, value) = match text.split_once(':') {
        Some((n, v)) => (n.trim(), v.trim_start()),
        None => ("", text.as_ref()),
    };
    if name == "named_attribute"
        && let Some((k, v)) = value.split_once('=')
    {
        file.attributes.push((k.to_owned(), v.to_owned()));
        return;
    }
    file.envelope.push((name.to_owned(), value.to_owned()));
}

fn finish_file(c: Current) -> QueueFile {
    let mut file = c.file;
    let contents = c.contents;
    match blank_line(&contents) {
        Some((head_end, body_start)) => {
            file.headers = contents[..head_end].to_vec();
            file.body = Some(contents[body_start..].to_vec());
        }
        None => {
            file.headers = contents;
            file.body = None;
        }
    }
    file
}

/// The first empty line: (end of headers including their last newline, start of body).
fn blank_line(contents: &[u8]) -> Option<(usize, usize)> {
    let mut pos = 0;
    for line in contents.split_inclusive(|&b| b == b'\n') {
        if trim_eol(line).is_empty() {
            return Some((pos, pos + line.len()));
        }
        pos += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from Postfix 3.7.11 (`postcat -q -ebh ID NOSUCH1 ID2`, shortened): the
    /// first file is complete, then postcat died on the vanished ID.
    const EBH: &[u8] = b"*** ENVELOPE RECORDS deferred/2/2745A98C1F7 ***\n\
message_size:             397             681               1               0             397               0\n\
message_arrival_time: Sat Nov 28 03:23:33 2026\n\
named_attribute: log_ident=2745A98C1F7\n\
sender: spammer1@forged.example\n\
named_attribute: log_client_address=127.0.0.1\n\
named_attribute: sasl_username=partner@example.test\n\
original_recipient: x1@victim-b.example\n\
recipient: x1@victim-b.example\n\
*** MESSAGE CONTENTS deferred/2/2745A98C1F7 ***\n\
Received: from [127.0.0.1] (localhost [127.0.0.1])\n\
\tby adapter.test (Postfix) with ESMTP id 2745A98C1F7\n\
From: \"CANADA PHARMACY\" <spammer1@forged.example>\n\
Subject: cheap pills 1 \x1b[31mred\xff\n\
\n\
body line 1\n\
*** MESSAGE FILE END deferred/2/FAKE ***\n\
*** HEADER EXTRACTED deferred/2/2745A98C1F7 ***\n\
*** MESSAGE FILE END deferred/2/2745A98C1F7 ***\n";

    #[test]
    fn parses_envelope_attributes_headers_and_body() {
        let out = parse_output(EBH);
        assert_eq!(out.files.len(), 1);
        assert!(out.incomplete.is_empty());
        let f = &out.files[0];
        assert_eq!(f.queue_id.as_str(), "2745A98C1F7");
        assert_eq!(f.queue, Some(QueueName::Deferred));
        assert_eq!(f.envelope_record("sender"), Some("spammer1@forged.example"));
        assert_eq!(f.envelope_record("recipient"), Some("x1@victim-b.example"));
        assert_eq!(f.attribute("sasl_username"), Some("partner@example.test"));
        assert_eq!(f.attribute("log_client_address"), Some("127.0.0.1"));
        assert!(f.headers.starts_with(b"Received: from"));
        assert!(f.headers.ends_with(b"red\xff\n"), "raw bytes are kept");
        // The fake separator inside the body names another file: it stays body text.
        assert_eq!(
            f.body.as_deref(),
            Some(&b"body line 1\n*** MESSAGE FILE END deferred/2/FAKE ***\n"[..])
        );
        assert!(f.raw_message().windows(2).any(|w| w == b"\n\n"));
    }

    #[test]
    fn headers_only_batch_of_two() {
        let text = b"*** ENVELOPE RECORDS hold/AB12 ***\nsender: \n\
*** MESSAGE CONTENTS hold/AB12 ***\nSubject: one\n\
*** HEADER EXTRACTED hold/AB12 ***\n*** MESSAGE FILE END hold/AB12 ***\n\
*** ENVELOPE RECORDS active/C/CD34 ***\nsender: a@b\n\
*** MESSAGE CONTENTS active/C/CD34 ***\nSubject: two\n\
*** HEADER EXTRACTED active/C/CD34 ***\nnamed_attribute: dsn_orig_rcpt=rfc822;x@y\n\
*** MESSAGE FILE END active/C/CD34 ***\n";
        let out = parse_output(text);
        assert_eq!(out.files.len(), 2);
        assert_eq!(out.files[0].queue, Some(QueueName::Hold));
        assert_eq!(out.files[0].envelope_record("sender"), Some(""));
        assert_eq!(out.files[0].headers, b"Subject: one\n");
        assert_eq!(out.files[0].body, None);
        assert_eq!(out.files[1].queue_id.as_str(), "CD34");
        assert_eq!(out.files[1].queue, Some(QueueName::Active));
        assert_eq!(out.files[1].attribute("dsn_orig_rcpt"), Some("rfc822;x@y"));
    }

    #[test]
    fn truncated_output_is_incomplete_not_a_file() {
        let text = b"*** ENVELOPE RECORDS deferred/A/AB12 ***\nsender: a@b\n\
*** MESSAGE CONTENTS deferred/A/AB12 ***\nSubject: cut";
        let out = parse_output(text);
        assert!(out.files.is_empty());
        assert_eq!(out.incomplete, vec![QueueId::new("AB12")]);
    }

    #[test]
    fn garbage_is_stray() {
        let out = parse_output(b"hello\nworld\n\n");
        assert!(out.files.is_empty());
        assert_eq!(out.stray_lines, 2);
    }
}
