//! The detail view of one message: envelope (with the SMTP client and SASL login Postfix
//! stored, which is how a phished account shows up), every recipient with its delay
//! reason, the headers, and the body on request. All text is sanitized line by line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, age, count, hms, size};
use crate::app::{App, Pane};
use crate::model::text::sanitize;

/// Attributes worth a line of their own, in this order; others follow as they come.
const KEY_ATTRIBUTES: [&str; 6] = [
    "sasl_username",
    "sasl_method",
    "log_client_address",
    "client_address",
    "log_client_name",
    "log_helo_name",
];

/// At most this many body lines are shown; a storm can carry megabyte attachments.
const MAX_BODY_LINES: usize = 2_000;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, now: i64) {
    let idx = app.detail_index();
    let Some(d) = app.detail.as_ref() else {
        return;
    };
    let block = theme.block(
        format!(" Message {} ", sanitize(d.key.queue_id.as_str())),
        app.nav.focus == Pane::Detail,
    );
    let mut lines: Vec<Line> = Vec::new();
    let h = |s: &str| Line::styled(s.to_owned(), theme.heading());
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<19} "), theme.dim()),
            Span::raw(v),
        ])
    };
    match idx.and_then(|i| app.snapshot.messages.get(i)) {
        Some(m) => {
            lines.push(kv("queue", sanitize(m.queue.as_str()).into_owned()));
            lines.push(kv(
                "arrived",
                format!("{} ago ({} UTC)", age(m.age(now)), hms(m.arrival_time)),
            ));
            lines.push(kv("size", size(m.size)));
            let note = if m.null_sender {
                "  (null sender: a bounce/NDR)"
            } else {
                ""
            };
            lines.push(kv("sender", format!("{}{note}", sanitize(&m.sender))));
            if let Some(retry) =
                crate::model::format::next_retry(m, now, app.snapshot.retry_note.as_deref())
            {
                lines.push(kv("next retry", retry));
            }
            if m.forced_expire {
                lines.push(kv("expire", "forced (postsuper -e)".to_owned()));
            }
            if let Some(s) = app.content.get(&m.key()).and_then(|c| c.submitter.as_ref()) {
                lines.push(kv("submitter", sanitize(&s.describe()).into_owned()));
            }
            if let Some(file) = &d.file {
                for name in KEY_ATTRIBUTES {
                    if let Some(v) = file.attribute(name) {
                        lines.push(kv(name, sanitize(v).into_owned()));
                    }
                }
                for (k, v) in &file.attributes {
                    if !KEY_ATTRIBUTES.contains(&k.as_str()) {
                        lines.push(kv(&sanitize(k), sanitize(v).into_owned()));
                    }
                }
            }
            lines.push(Line::raw(""));
            lines.push(h(&format!("Recipients ({})", count(m.recipients.len()))));
            for r in &m.recipients {
                lines.push(Line::from(vec![
                    Span::raw(format!("  {}", sanitize(&r.address))),
                    Span::styled(
                        r.delay_reason
                            .as_deref()
                            .map_or_else(String::new, |s| format!("  {}", sanitize(s))),
                        theme.dim(),
                    ),
                ]));
            }
        }
        None => lines.push(Line::styled(
            "the message is no longer in the listing",
            theme.error(),
        )),
    }
    lines.push(Line::raw(""));
    if let Some(e) = &d.error {
        lines.push(Line::styled(format!("postcat: {e}"), theme.error()));
    }
    match &d.file {
        Some(file) => {
            lines.push(h("Headers"));
            push_text(&mut lines, &file.headers, usize::MAX, Style::new());
            if d.body {
                lines.push(Line::raw(""));
                lines.push(h("Body"));
                match &file.body {
                    Some(b) => push_text(&mut lines, b, MAX_BODY_LINES, Style::new()),
                    None => lines.push(Line::styled("reading…", theme.dim())),
                }
            } else {
                lines.push(Line::raw(""));
                lines.push(Line::styled("press b to read the body", theme.dim()));
            }
        }
        None if d.loading => lines.push(Line::styled("reading the queue file…", theme.dim())),
        None => {}
    }
    let scroll = u16::try_from(d.scroll).unwrap_or(u16::MAX);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

/// Split raw bytes into lines and sanitize each one (so `\n` ends a line rather than
/// becoming a visible escape, while every other control character is escaped).
fn push_text(lines: &mut Vec<Line<'static>>, raw: &[u8], max: usize, style: Style) {
    let text = String::from_utf8_lossy(raw);
    for (n, l) in text.split('\n').enumerate() {
        if n == max {
            lines.push(Line::raw(format!("… (cut at {max} lines)")));
            break;
        }
        let l = l.strip_suffix('\r').unwrap_or(l);
        // Folded header lines start with a tab; a tab is harmless but has no fixed width on
        // screen, so it becomes spaces rather than a visible `\t`.
        let l = l.replace('\t', "    ");
        lines.push(Line::styled(format!("  {}", sanitize(&l)), style));
    }
}
