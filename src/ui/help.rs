//! The `?` overlay: every binding of the panes, rendered from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, centered, clear};
use crate::app::{App, Mode};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    let sections = app
        .keymap
        .help_sections(&[Mode::Groups, Mode::Messages, Mode::Detail]);
    for (heading, hints) in sections {
        lines.push(Line::styled(format!("In {heading}"), theme.heading()));
        for h in hints {
            let keys = h.keys.join(" ");
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {keys:<14}"),
                    if h.mutates {
                        theme.mutating_key()
                    } else {
                        theme.key()
                    },
                ),
                Span::raw(h.description),
                Span::styled(if h.mutates { "  (asks first)" } else { "" }, theme.dim()),
            ]));
        }
    }
    if let Some(reason) = &app.read_only {
        lines.insert(
            0,
            Line::styled(format!("read-only: {reason}"), theme.error()),
        );
    }
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 52, h);
    clear(f, rect);
    f.render_widget(
        Paragraph::new(lines).block(theme.block(" Keys (? or Esc closes) ".to_owned(), true)),
        rect,
    );
}
