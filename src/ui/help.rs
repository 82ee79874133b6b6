//! The `?` overlay: every binding of the panes, rendered from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, centered, clear};
use crate::app::{App, Mode};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    // The panes share most keys: list each action once, under the first pane that has it.
    let mut shown: Vec<Option<String>> = Vec::new();
    for mode in [Mode::Groups, Mode::Messages, Mode::Detail] {
        let hints: Vec<_> = app
            .keymap
            .hints(mode)
            .into_iter()
            .filter(|h| !shown.contains(&h.action))
            .collect();
        if hints.is_empty() {
            continue;
        }
        lines.push(Line::styled(
            if shown.is_empty() {
                "In groups and messages".to_owned()
            } else {
                format!("In {}", mode.label())
            },
            theme.heading(),
        ));
        for h in hints {
            shown.push(h.action.clone());
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
