//! The filter input, drawn over the status line with its live match count.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Theme, count, fit};
use crate::app::{App, Overlay};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Overlay::Filter(input) = &app.overlay else {
        return;
    };
    let w = usize::from(area.width);
    // How wide the right-hand text may get: all of it, but a `login-new:` note (long) never
    // takes more than half the line from what is being typed.
    let (right, cap) = match &input.error {
        Some(e) => (e.clone(), usize::MAX),
        None => match crate::app::login_facts::note(app) {
            // `login-new:` matches only what the mail log answered: say where that stands.
            Some(n) => (format!("{} matches · {n}", count(input.matches)), w / 2),
            None => (format!("{} matches", count(input.matches)), usize::MAX),
        },
    };
    let text_w = w.saturating_sub(right.len().min(cap) + 6);
    // Keep the end of a long filter visible: that is where the user types.
    let shown = tail(&input.text, text_w);
    let line = Line::from(vec![
        Span::styled("/", theme.key()),
        Span::raw(shown),
        Span::styled(theme.caret(), theme.key()),
        Span::raw("  "),
        Span::styled(
            fit(&right, w.saturating_sub(text_w + 4)),
            if input.error.is_some() {
                theme.error()
            } else {
                theme.dim()
            },
        ),
    ]);
    f.render_widget(line, area);
}

fn tail(s: &str, width: usize) -> String {
    let clean = crate::model::text::sanitize(s);
    let n = clean.chars().count();
    if n <= width {
        clean.into_owned()
    } else {
        clean.chars().skip(n - width).collect()
    }
}
