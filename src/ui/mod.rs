//! Drawing: reads [`App`] and paints one frame; it never changes the app. What depends on
//! the terminal size (scroll offsets, the page size used by half-page jumps) is computed
//! from the cursors here and returned as a [`Viewport`]; the event loop hands it back to
//! `update()` as [`crate::app::Action::Viewport`] (`tests/architecture.rs` enforces that
//! nothing under `src/ui/` takes `&mut App`).
//!
//! No grouping or filtering happens here: rows come from `App::grouping` and
//! `App::message_rows()`, and only the visible window of them is turned into widgets, so a
//! million-message queue costs the same per frame as a ten-message one.
//!
//! Every string that came from the queue goes through [`crate::model::text::sanitize`]
//! (directly or via [`fit`]) before it reaches a widget.

pub mod confirm;
pub mod detail;
pub mod filter;
pub mod footer;
pub mod groups;
pub mod header;
pub mod help;
pub mod messages;
pub mod popup;
pub mod shape;
pub mod sources;
pub mod storm;
pub mod storm_log;

#[cfg(test)]
mod screen_tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use ratatui::widgets::{Block, Borders, Clear};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::app::{App, Look, Overlay, Pane, Viewport};
use crate::model::text::sanitize;

/// Draw the whole screen.
///
/// ```text
/// ┌──────────────────────────────────────────────────────────────────┐
/// │ header: source · taken at · listing time · badges                │ 2-4 lines
/// │ per-queue counts · total size · parse problems · banner/demo note│
/// ├────────────── groups ───────────┬──────────── messages ──────────┤
/// │ msgs rcpts size oldest trend Δ  │ ✓ id queue age size sender …   │ side by side
/// │ label                           │                                │ at ≥ 150 cols,
/// │                                 │                                │ stacked below
/// ├─────────────────────────────────┴────────────────────────────────┤
/// │ status / error line  (or the filter input with its match count)  │ 1 line
/// │ footer: key hints of the current mode, from the keymap           │ 1 line
/// └──────────────────────────────────────────────────────────────────┘
///   detail, the storm screen (`t`) and the queue shape (`p`) replace both panes; help, confirm and result popups
///   float on top; the countermeasures text covers the whole screen (plain, for copying).
/// ```
pub fn draw(f: &mut Frame, app: &App, now: i64) {
    let _ = render(f, app, now);
}

/// Draw the whole screen (see [`draw`]) and return what it showed: the event loop sends it
/// to `update()` as [`crate::app::Action::Viewport`], so the next frame scrolls from here.
#[must_use]
pub fn render(f: &mut Frame, app: &App, now: i64) -> Viewport {
    let mut vp = Viewport::default();
    let area = f.area();
    let theme = Theme::new(app.look);
    let header_h = header::height(app).min(area.height.saturating_sub(2));
    let [head, body, status, foot] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(f, head, app, &theme, now);
    match app.nav.focus {
        _ if app.sources.view.is_some() => sources::render(f, body, app, &theme, now, &mut vp),
        _ if app.shape.is_some() => shape::render(f, body, app, &theme, &mut vp),
        _ if app.storm.is_some() => storm::render(f, body, app, &theme, &mut vp),
        Pane::Detail => detail::render(f, body, app, &theme, now),
        _ if app.grouped.group_key.is_none() => {
            messages::render(f, body, app, &theme, now, &mut vp)
        }
        _ => {
            let dir = if body.width >= 150 {
                Direction::Horizontal
            } else {
                Direction::Vertical
            };
            let split = if dir == Direction::Horizontal {
                [Constraint::Percentage(45), Constraint::Percentage(55)]
            } else {
                // Stacked: the groups pane takes what its rows need, at most 40 %, and always
                // keeps one visible row (border + header + row = 4 lines).
                let need = u16::try_from(app.grouped.grouping.groups.len() + 3).unwrap_or(u16::MAX);
                let h = need.min(body.height * 2 / 5).max(4.min(body.height / 2));
                [Constraint::Length(h), Constraint::Min(0)]
            };
            let [g, m] = Layout::default()
                .direction(dir)
                .constraints(split)
                .areas(body);
            groups::render(f, g, app, &theme, now, &mut vp);
            messages::render(f, m, app, &theme, now, &mut vp);
        }
    }
    match &app.overlay {
        Overlay::Filter(_) => filter::render(f, status, app, &theme),
        _ => footer::render_status(f, status, app, &theme),
    }
    footer::render(f, foot, app, &theme);
    match &app.overlay {
        Overlay::Help => help::render(f, area, app, &theme),
        Overlay::Confirm(p) => confirm::render(f, area, p, &theme),
        Overlay::Popup(p) => popup::render(f, area, p, &theme),
        Overlay::AskFlush(a) => popup::render_question(f, area, &a.dialog, &theme),
        Overlay::Text(t) => storm::render_text(f, area, t, &theme),
        Overlay::None | Overlay::Filter(_) => {}
    }
    vp
}

/// Colours and borders for the terminal at hand. With `NO_COLOR` every style is built from
/// modifiers only (bold, reverse, dim), so nothing depends on colour to be read.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub look: Look,
}

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    #[must_use]
    pub fn new(look: Look) -> Self {
        Self { look }
    }

    fn fg(self, c: Color) -> Style {
        if self.look.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    #[must_use]
    pub fn block(self, title: String, focused: bool) -> Block<'static> {
        let b = Block::new().borders(Borders::ALL).title(title);
        let b = if self.look.ascii {
            b.border_set(ASCII_BORDER)
        } else {
            b
        };
        if focused {
            b.border_style(self.fg(Color::Cyan).add_modifier(Modifier::BOLD))
        } else {
            b.border_style(self.fg(Color::DarkGray))
        }
    }

    #[must_use]
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The cursor row of a pane without focus: visible, but clearly not where keys go.
    #[must_use]
    pub fn selected_unfocused(self) -> Style {
        if self.look.color {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    #[must_use]
    pub fn marked(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub fn dim(self) -> Style {
        if self.look.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    #[must_use]
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub fn growing(self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub fn heading(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    #[must_use]
    pub fn mutating_key(self) -> Style {
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// Badges read as reversed text in monochrome and as coloured labels otherwise.
    #[must_use]
    pub fn badge(self, c: Color) -> Style {
        if self.look.color {
            Style::new()
                .fg(Color::White)
                .bg(c)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// Sparkline glyphs from empty to full.
    #[must_use]
    pub fn spark_glyphs(self) -> &'static [char] {
        if self.look.ascii {
            &[' ', '.', ':', '-', '=', '+', '*', '#', '@']
        } else {
            &[' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
        }
    }

    /// Separator between header fields.
    #[must_use]
    pub fn sep(self) -> &'static str {
        if self.look.ascii { "|" } else { "│" }
    }

    /// The text cursor drawn after typed input.
    #[must_use]
    pub fn caret(self) -> &'static str {
        if self.look.ascii { "_" } else { "▏" }
    }
}

/// The body of a pane with no rows (below its header line): why nothing is listed when the
/// listing failed before anything was shown (the error, what to do, and that it is
/// retried), `loading…` before the first listing, else `empty`. `brief`: the error in one
/// line (the groups pane, above the messages pane that says the rest).
pub fn render_empty_note(
    f: &mut Frame,
    inner: Rect,
    app: &App,
    theme: &Theme,
    empty: &str,
    brief: bool,
) {
    use ratatui::text::Line;
    if inner.height <= 1 {
        return;
    }
    let area = Rect {
        y: inner.y + 1,
        height: inner.height - 1,
        ..inner
    };
    let lines = match (&app.listing.error, app.listing.loaded_once()) {
        (Some(e), false) if brief => vec![Line::styled(
            fit(
                &format!(
                    "Cannot list the queue: {}",
                    crate::model::text::one_line(&e.message)
                ),
                usize::from(area.width),
            ),
            theme.error(),
        )],
        (Some(e), false) => vec![
            Line::styled("Cannot list the queue:", theme.error()),
            Line::raw(crate::model::text::one_line(&e.message)),
            Line::raw(""),
            Line::styled(format!("What to do: {}.", e.hint), theme.heading()),
            Line::styled(
                format!(
                    "Retried every {} s; r retries now, q quits.",
                    app.refresh_every.as_secs().max(1)
                ),
                theme.dim(),
            ),
        ],
        (_, false) => vec![Line::styled("loading…", theme.dim())],
        (_, true) => vec![Line::styled(empty.to_owned(), theme.dim())],
    };
    f.render_widget(
        ratatui::widgets::Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// A sanitized string cut to at most `width` terminal columns (East-Asian wide characters
/// count as two), ending in an ellipsis when cut.
#[must_use]
pub fn fit(s: &str, width: usize) -> String {
    let clean = sanitize(s);
    if clean.width() <= width {
        return clean.into_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in clean.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Draw a pane's table (only its visible rows) with the cursor row highlighted, dimmer
/// when the pane does not have the focus.
pub(crate) fn render_list_table(
    f: &mut Frame,
    area: Rect,
    table: ratatui::widgets::Table<'_>,
    cursor: Option<usize>,
    focused: bool,
    theme: &Theme,
) {
    let style = if focused {
        theme.selected()
    } else {
        theme.selected_unfocused()
    };
    let mut state = ratatui::widgets::TableState::default().with_selected(cursor);
    f.render_stateful_widget(table.row_highlight_style(style), area, &mut state);
}

// The number and age formats live in the model (one home); `count` is the short name the
// screen code uses for thousands.
pub use crate::model::format::{age, size, thousands as count};
pub use crate::model::time::hms;

/// A `width`×`height` rectangle centred in `area`, clamped to it.
#[must_use]
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clear an area for a floating popup.
pub fn clear(f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_counts_wide_characters_twice() {
        assert_eq!(fit("件名テスト", 6), "件名…");
        assert_eq!(fit("件名テスト", 10), "件名テスト");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("a\u{1b}[2Jb", 20), "a\\e[2Jb");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(size(1536), "1.5K");
        assert_eq!(size(12 * 1024 * 1024), "12.0M");
        assert_eq!(age(59), "59s");
        assert_eq!(age(7_200), "2h");
        assert_eq!(hms(3_661), "01:01:01");
    }
}
