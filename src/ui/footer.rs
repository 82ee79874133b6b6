//! The footer (key hints of the current mode, from the keymap) and the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Theme, count, fit};
use crate::app::App;

/// Hints in table order until the width runs out: narrow terminals keep the first ones,
/// which the table lists first on purpose (movement, open, back, filter).
pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let width = usize::from(area.width);
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0;
    // `?` first: on a narrow terminal it is the one hint that leads to all the others.
    let mut hints = app.keymap.hints(app.mode());
    if let Some(p) = hints.iter().position(|h| h.keys.iter().any(|k| k == "?")) {
        let help = hints.remove(p);
        hints.insert(0, help);
    }
    for h in hints {
        let keys = h.keys.join("/");
        let w = unicode_width::UnicodeWidthStr::width(keys.as_str()) + 1 + h.description.len() + 2;
        if used + w > width {
            break;
        }
        used += w;
        spans.push(Span::styled(
            keys,
            if h.mutates {
                theme.mutating_key()
            } else {
                theme.key()
            },
        ));
        spans.push(Span::raw(format!(" {}  ", h.description)));
    }
    f.render_widget(Line::from(spans), area);
}

/// The status line: the last error or note, otherwise what is going on.
pub fn render_status(f: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let w = usize::from(area.width);
    // Where `login-new:`'s mail log facts stand, while the screen uses them.
    let login = crate::app::login_facts::note(app);
    let with_login = |t: String| match &login {
        Some(n) => format!("{t} · {n}"),
        None => t,
    };
    let line = match &app.status {
        Some(s) if s.error => Line::styled(fit(&s.text, w), theme.error()),
        Some(s) => Line::styled(fit(&with_login(s.text.clone()), w), theme.dim()),
        None if app.sources.view.is_some() => {
            let probing = app.sources.entries.iter().filter(|e| e.probing).count();
            let t = if probing > 0 {
                format!(
                    "listing {} of {} sources…",
                    count(probing),
                    count(app.sources.entries.len())
                )
            } else {
                format!("now open: {}", app.source)
            };
            Line::styled(fit(&t, w), theme.dim())
        }
        None if app.listing.loading() && !app.listing.loaded_once() => {
            Line::styled("listing the queue…", theme.dim())
        }
        None => {
            let mut t = format!(
                "{} of {} messages match",
                count(app.select.selection.indices.len()),
                count(app.snapshot.len())
            );
            if !app.select.filter.is_empty() {
                t.push_str(&format!(" filter: {}", app.select.filter.text()));
            }
            if app.select.mark_count > 0 {
                t.push_str(&format!(" · {} marked", count(app.select.mark_count)));
            }
            Line::styled(fit(&with_login(t), w), theme.dim())
        }
    };
    f.render_widget(line, area);
}
