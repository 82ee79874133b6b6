//! The queue-shape screen (key `p`; replaces the panes): qshape's table of the current
//! selection, in qshape's own layout, so it reads like `qshape deferred` on the host.
//!
//! ```text
//! ┌ Queue shape · recipient domains (qshape) · 3,180 recipients · filter … ─────┐
//! │                                    T  5 10 20  40  80 160 320  640 1280 1280+│
//! │                           TOTAL 3180 24 51 80 161 315 577 907 1004   61     0│
//! │                victim-a.example  476  2 10 17  24  45  87 146  139    6     0│  ← cursor
//! └─────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, count, fit};
use crate::app::{App, Viewport};
use crate::model::shape::{BUCKET_LABELS, ShapeBy, ShapeRow, column_widths, fit_domain};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, vp: &mut Viewport) {
    let filter = app.select.filter.text().to_owned();
    let Some(view) = app.shape.as_ref() else {
        return;
    };
    let s = &view.shape;
    let (what, unit) = match s.by {
        ShapeBy::RecipientDomain => ("recipient domains", "recipient"),
        ShapeBy::SenderDomain => ("sender domains", "message"),
    };
    let n = usize::try_from(s.total.total).unwrap_or(usize::MAX);
    let mut title = format!(
        " Queue shape · {what} (qshape{}) · {} {unit}{} · ages in minutes ",
        if s.by == ShapeBy::SenderDomain {
            " -s"
        } else {
            ""
        },
        count(n),
        if n == 1 { "" } else { "s" },
    );
    if !filter.is_empty() {
        title.push_str(&format!("· filter {} ", fit(&filter, 40)));
    }
    let block = theme.block(title, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (dw, cols) = column_widths(&s.total, usize::from(inner.width));
    let line = |row: &ShapeRow| -> String {
        let mut out = fit_domain(&row.domain, dw);
        for (i, w) in cols.iter().enumerate() {
            let n = if i == 0 {
                row.total
            } else {
                row.buckets[i - 1]
            };
            out.push_str(&format!("{n:>w$}"));
        }
        out
    };
    let mut head = format!("{:dw$}", "");
    for (i, w) in cols.iter().enumerate() {
        let h = if i == 0 { "T" } else { BUCKET_LABELS[i - 1] };
        head.push_str(&format!("{h:>w$}"));
    }
    let mut lines = vec![
        Line::from(Span::styled(head, theme.heading())),
        Line::from(Span::styled(line(&s.total), theme.heading())),
    ];
    let visible = usize::from(inner.height).saturating_sub(2);
    let mut offset = view.offset;
    if view.cursor < offset {
        offset = view.cursor;
    } else if visible > 0 && view.cursor >= offset + visible {
        offset = view.cursor + 1 - visible;
    }
    vp.shape_offset = Some(offset);
    for (i, row) in s.rows.iter().enumerate().skip(offset).take(visible) {
        let style = if i == view.cursor {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(line(row), style)));
    }
    if s.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (nothing selected: no message with a recipient matches)",
            theme.dim(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::testing::{NOW, app_on, storm_queue};
    use crate::app::{Action, update};
    use crate::ui::draw;

    #[test]
    fn shape_screen_80x24_and_senders() {
        let mut app = app_on(&storm_queue(), None);
        update(&mut app, Action::ToggleShape);
        update(&mut app, Action::MoveDown);
        let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
        t.draw(|f| draw(f, &app, NOW)).unwrap();
        insta::assert_snapshot!("shape_80x24", t.backend());
        update(&mut app, Action::ToggleShapeBy);
        let mut t = Terminal::new(TestBackend::new(100, 16)).unwrap();
        t.draw(|f| draw(f, &app, NOW)).unwrap();
        insta::assert_snapshot!("shape_senders_100x16", t.backend());
    }
}
