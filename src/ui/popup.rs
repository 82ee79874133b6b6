//! The result / progress popup after a queue change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Theme, centered, clear, fit};
use crate::app::Popup;

pub fn render(f: &mut Frame, area: Rect, p: &Popup, theme: &Theme) {
    let hint = if p.busy {
        "working… (the queue refreshes when done)"
    } else {
        "Enter/Esc closes"
    };
    render_with_hint(f, area, p, theme, hint, false);
}

/// A question (deliver now, flush): long lines (a storm warning) wrap instead of being cut.
pub fn render_question(f: &mut Frame, area: Rect, p: &Popup, theme: &Theme) {
    render_with_hint(f, area, p, theme, "y asks Postfix · n / Esc cancels", true);
}

/// Words of `line` in rows of at most `w` columns (a word longer than `w` is cut).
fn wrap(line: &str, w: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr as _;
    let mut rows = vec![String::new()];
    for word in line.split(' ') {
        let last = rows.last_mut().map_or(0, |r| r.width());
        if last > 0 && last + 1 + word.width() > w {
            rows.push(String::new());
        }
        if let Some(r) = rows.last_mut() {
            if !r.is_empty() {
                r.push(' ');
            }
            r.push_str(word);
        }
    }
    rows.into_iter().map(|r| fit(&r, w)).collect()
}

fn render_with_hint(
    f: &mut Frame,
    area: Rect,
    p: &Popup,
    theme: &Theme,
    hint: &str,
    wrapped: bool,
) {
    let w = usize::from(area.width.min(60).saturating_sub(2));
    let mut lines: Vec<Line> = if wrapped {
        p.lines
            .iter()
            .flat_map(|l| wrap(&crate::model::text::sanitize(l), w))
            .map(Line::raw)
            .collect()
    } else {
        p.lines.iter().map(|l| Line::raw(fit(l, w))).collect()
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled(hint.to_owned(), theme.dim()));
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, 60, h);
    clear(f, rect);
    f.render_widget(
        Paragraph::new(lines).block(theme.block(format!(" {} ", p.title), true)),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_at_words_and_stay_sanitized() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("short", 20), ["short"]);
        let rows = wrap("a-very-long-word-without-spaces x", 10);
        assert!(
            rows.iter()
                .all(|r| unicode_width::UnicodeWidthStr::width(r.as_str()) <= 10)
        );
    }
}
