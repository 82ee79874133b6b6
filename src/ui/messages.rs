//! The messages pane: the messages of the selected group (or of the whole selection when
//! nothing is grouped). Virtualised: only the rows in the window become widgets.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, age, count, fit, size};
use crate::app::{App, Pane, Viewport};
use crate::model::text::sanitize;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, now: i64, vp: &mut Viewport) {
    let focused = app.nav.focus == Pane::Messages;
    let len = app.message_rows().len();
    let scope = match (app.group_key, app.current_group()) {
        (Some(_), Some(g)) => fit(&g.label, usize::from(area.width / 3).max(8)),
        (Some(_), None) => "-".to_owned(),
        (None, _) => "all".to_owned(),
    };
    let marks = if app.select.mark_count > 0 {
        format!(" · {} marked", count(app.select.mark_count))
    } else {
        String::new()
    };
    let title = format!(" Messages · {scope} · {}{marks} ", count(len));
    let block = theme.block(title, focused);
    let inner = block.inner(area);
    let inner_h = usize::from(inner.height.saturating_sub(1));
    let cursor = app.nav.messages.visible(inner_h, len);
    vp.messages = Some(cursor);
    if focused {
        vp.page = Some(inner_h);
    }
    let start = cursor.offset;
    let end = (start + inner_h).min(len);
    // Column widths: fixed ones first, the rest split between sender, recipient and reason.
    // Below 60 columns only ID, age and sender remain: enough to find and act on a message.
    let wide = inner.width >= 100;
    let narrow = inner.width < 60;
    let snap = &app.snapshot;
    let rows_idx = &app.message_rows()[start..end];
    // Long queue IDs are 15+ characters, short ones 10-12: size the column to what is shown.
    let id_w = rows_idx
        .iter()
        .filter_map(|&i| snap.messages.get(i as usize))
        .map(|m| m.queue_id.as_str().len())
        .max()
        .unwrap_or(2)
        .clamp(2, 16);
    let id_w16 = u16::try_from(id_w).unwrap_or(16);
    // Fixed columns plus the one-column spacing between all columns.
    let fixed: u16 = if narrow {
        1 + id_w16 + 4 + 3
    } else {
        1 + id_w16 + 8 + 4 + 6 + 6 + u16::from(wide)
    };
    let flex = usize::from(inner.width.saturating_sub(fixed));
    let (sender_w, rcpt_w) = if wide {
        (flex * 3 / 10, flex * 3 / 10)
    } else if narrow {
        (flex, 0)
    } else {
        (flex / 2, flex / 2)
    };
    let reason_w = flex.saturating_sub(sender_w + rcpt_w);
    let mark_glyph = if theme.look.ascii { "*" } else { "✓" };
    let rows = rows_idx.iter().filter_map(|&i| {
        let m = snap.messages.get(i as usize)?;
        let marked = app.select.marks.get(i as usize).copied().unwrap_or(false);
        let mut cells = vec![
            Cell::from(if marked { mark_glyph } else { " " }),
            Cell::from(sanitize(m.queue_id.as_str()).into_owned()),
        ];
        if !narrow {
            cells.push(Cell::from(sanitize(m.queue.as_str()).into_owned()));
        }
        cells.push(Cell::from(age(m.age(now))));
        if !narrow {
            cells.push(Cell::from(size(m.size)));
        }
        cells.push(Cell::from(fit(&m.sender, sender_w)));
        if !narrow {
            let first = m.recipients.first();
            let mut rcpt = first.map_or_else(String::new, |r| r.address.to_string());
            if m.recipients.len() > 1 {
                rcpt = format!("{rcpt} +{}", m.recipients.len() - 1);
            }
            cells.push(Cell::from(fit(&rcpt, rcpt_w)));
            if wide {
                // The family reads better in a list than the raw text (host names, IPs and
                // tracking codes folded); the detail view shows every raw reason.
                let family = first
                    .and_then(|r| r.delay_reason.as_ref())
                    .map(crate::model::reason::family_shared);
                let reason = family.as_deref().unwrap_or("");
                cells.push(Cell::from(Line::styled(fit(reason, reason_w), theme.dim())));
            }
        }
        Some(Row::new(cells).style(if marked { theme.marked() } else { Style::new() }))
    });
    let w16 = |w: usize| Constraint::Length(u16::try_from(w).unwrap_or(20));
    let (head, widths) = if narrow {
        (
            vec!["", "id", "age", "sender"],
            vec![
                Constraint::Length(1),
                Constraint::Length(id_w16),
                Constraint::Length(4),
                w16(sender_w),
            ],
        )
    } else {
        let mut head = vec!["", "id", "queue", "age", "size", "sender", "recipient"];
        let mut widths = vec![
            Constraint::Length(1),
            Constraint::Length(id_w16),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(6),
            w16(sender_w),
            w16(rcpt_w),
        ];
        if wide {
            head.push("reason");
            widths.push(Constraint::Min(8));
        }
        (head, widths)
    };
    let header = Row::new(head).style(theme.dim());
    let cursor = (len > 0).then(|| cursor.pos - start);
    super::render_list_table(
        f,
        area,
        Table::new(rows, widths).header(header).block(block),
        cursor,
        focused,
        theme,
    );
    if len == 0 {
        super::render_empty_note(f, inner, app, theme, "no messages", false);
    }
}
