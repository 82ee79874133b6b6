//! The result / progress popup after a queue change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Theme, centered, clear, fit};
use crate::app::Popup;

pub fn render(f: &mut Frame, area: Rect, p: &Popup, theme: &Theme) {
    let w = usize::from(area.width.min(60).saturating_sub(2));
    let mut lines: Vec<Line> = p.lines.iter().map(|l| Line::raw(fit(l, w))).collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if p.busy {
            "working… (the queue refreshes when done)"
        } else {
            "Enter/Esc closes"
        },
        theme.dim(),
    ));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 60, h);
    clear(f, rect);
    f.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", p.title), true)),
        rect,
    );
}
