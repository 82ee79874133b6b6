//! A generated storm ([`super::shapes`]) as a queue in memory: the `postqueue -j` listing
//! and the extracted contents of the same messages (NDRs as the foreign MTA or Postfix
//! would write them). Shared by `tests/storm_shapes.rs` and `benches/storm.rs`.

#![allow(dead_code)]

use mailq_tui::model::QueueFile;
use mailq_tui::model::Snapshot;
use mailq_tui::model::content::{ContentIndex, extract};
use mailq_tui::postfix::parse::parse_stream;

use super::shapes::{self, Shapes};

/// "Now" of the generated queue: the NDRs are about six days old.
pub const NOW: i64 = 1_796_000_000;

pub fn queue_file(data: &[u8], attrs: &[(&str, &str)]) -> QueueFile {
    let split = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(data.len(), |i| i + 4);
    QueueFile {
        headers: data[..split].to_vec(),
        body: Some(data[split..].to_vec()),
        attributes: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        ..QueueFile::default()
    }
}

pub fn json_line(id: &str, t: i64, sender: &str, rcpts: &[String]) -> String {
    let r: Vec<String> = rcpts
        .iter()
        .map(|a| {
            format!(r#"{{"address":"{a}","delay_reason":"connect to mx: Connection timed out"}}"#)
        })
        .collect();
    format!(
        r#"{{"queue_name":"deferred","queue_id":"{id}","arrival_time":{t},"message_size":2000,"sender":"{sender}","recipients":[{}]}}"#,
        r.join(",")
    )
}

/// The generated storm as a queue: listing and contents, in-process.
pub fn build(s: &Shapes) -> (Snapshot, ContentIndex) {
    let mut lines = Vec::new();
    let mut files = Vec::new();
    for (n, (spam, style)) in s.spam.iter().enumerate() {
        let id = format!("A{n:X}");
        lines.push(json_line(
            &id,
            NOW - 6 * 86_400 + n as i64 * 7,
            "MAILER-DAEMON",
            std::slice::from_ref(&spam.env_from),
        ));
        files.push(queue_file(&shapes::ndr(spam, *style, n), &[]));
    }
    for (n, inj) in s.other.iter().enumerate() {
        let id = format!("B{n:X}");
        lines.push(json_line(
            &id,
            NOW - 3600 + n as i64,
            &inj.env_from,
            &inj.rcpts,
        ));
        let attrs: Vec<(&str, &str)> = match &inj.xclient {
            Some((login, addr)) => vec![
                ("sasl_username", login.as_str()),
                ("log_client_address", addr.as_str()),
            ],
            None => vec![("log_client_address", "127.0.0.1")],
        };
        files.push(queue_file(&inj.data, &attrs));
    }
    let snap = parse_stream(lines.join("\n").as_bytes(), "MAILER-DAEMON").expect("parse");
    let mut index = ContentIndex::new();
    for (m, f) in snap.messages.iter().zip(&files) {
        index.insert(m.key(), extract(f));
    }
    (snap, index)
}
