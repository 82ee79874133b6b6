//! The confirm dialog: states the operation, how many messages and recipients, the queues,
//! the partial matches, the filter, a sample and warnings, before anything changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, centered, clear, count, fit};
use crate::app::Pending;
use crate::model::format::{capitalize, plural};
use crate::model::text::sanitize;
use crate::ops::Preview;

pub fn render(f: &mut Frame, area: Rect, pending: &Pending, theme: &Theme) {
    let p: &Preview = &pending.preview;
    let op = pending.request.op;
    let n = p.messages;
    let inner_w = usize::from(area.width.min(72).saturating_sub(2));
    let queues: Vec<String> = p
        .queues
        .iter()
        .map(|(q, n)| format!("{} {}", sanitize(q.as_str()), count(*n)))
        .collect();
    let mut lines = vec![
        Line::styled(
            format!(
                "{} {} message{} ({} recipient{})?",
                capitalize(op.verb()),
                count(n),
                plural(n),
                count(p.recipients),
                plural(p.recipients)
            ),
            theme.heading(),
        ),
        Line::raw(fit(&format!("what:   {}", pending.scope), inner_w)),
        Line::raw(fit(&format!("queues: {}", queues.join(", ")), inner_w)),
        Line::raw(fit(
            &format!(
                "filter: {}",
                if pending.request.filter.is_empty() {
                    "(none)"
                } else {
                    &pending.request.filter
                }
            ),
            inner_w,
        )),
        Line::raw(format!(
            "partial: {} with recipients outside the filter",
            count(p.partial)
        )),
    ];
    for w in &p.warnings {
        lines.push(Line::styled(fit(&format!("! {w}"), inner_w), theme.error()));
    }
    lines.push(Line::styled("sample:", theme.dim()));
    let sample_rows = usize::from(area.height)
        .saturating_sub(lines.len() + 6)
        .min(10);
    for (id, sender) in p.sample.iter().take(sample_rows) {
        lines.push(Line::raw(fit(&format!("  {id:<12} {sender}"), inner_w)));
    }
    if p.sample.len() < n {
        lines.push(Line::styled(
            format!("  … {} more", count(n - p.sample.len().min(sample_rows))),
            theme.dim(),
        ));
    }
    lines.push(Line::raw(""));
    if p.needs_typed_confirmation {
        lines.push(Line::from(vec![
            Span::raw(format!("type {n} then ")),
            Span::styled("y", theme.key()),
            Span::raw(": "),
            Span::styled(format!("{}{}", pending.typed, theme.caret()), theme.key()),
        ]));
    }
    let mut keys = vec![
        Span::styled("y", theme.key()),
        Span::raw(" confirm  "),
        Span::styled("n/Esc", theme.key()),
        Span::raw(" cancel"),
    ];
    if n == 1 {
        keys.push(Span::raw("  "));
        keys.push(Span::styled("Enter", theme.key()));
        keys.push(Span::raw(" confirm"));
    }
    lines.push(Line::from(keys));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 72, h);
    clear(f, rect);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(theme.block(format!(" {} ", capitalize(op.verb())), true)),
        rect,
    );
}
