//! The source picker and fleet overview (key `i`; the whole screen with several `--host`s):
//! one row per local Postfix instance or ssh host, with its last known counts, storm flag,
//! growth, listing time and last error. A down host keeps its last counts, marked down.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, age, count, fit};
use crate::app::{App, SourceEntry, Viewport};

/// Width of the source column (labels are cut to it).
const NAME_W: usize = 30;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, now: i64, vp: &mut Viewport) {
    let title = if app.current_source.is_none() && app.fleet_overview {
        "fleet overview — Enter opens a host".to_owned()
    } else {
        "sources — Enter switches, i goes back".to_owned()
    };
    let block = theme.block(title, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, rows] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let w = usize::from(inner.width);
    f.render_widget(
        Paragraph::new(Line::styled(
            fit(
                &format!(
                    "  {:<NAME_W$} {:<5} {:>7} {:>8} {:>6} {:>6} {:>6} {:>6} {:>7}  last error",
                    "source",
                    "state",
                    "total",
                    "deferred",
                    "hold",
                    "NDRs",
                    "growth",
                    "storm",
                    "listed"
                ),
                w,
            ),
            theme.heading(),
        )),
        head,
    );
    let height = usize::from(rows.height);
    let len = app.sources.len();
    let Some(view) = app.sources_view.as_ref() else {
        return;
    };
    let cursor = view.cursor.visible(height, len);
    vp.sources = Some(cursor);
    let (pos, offset) = (cursor.pos, cursor.offset);
    if len == 0 {
        f.render_widget(
            Paragraph::new(Line::styled(
                "no other sources: name hosts with --host or [[hosts]] in the config file",
                theme.dim(),
            )),
            rows,
        );
        return;
    }
    let marker = if theme.look.ascii { ">" } else { "▶" };
    let lines: Vec<Line> = app
        .sources
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, e)| {
            let open = if app.current_source == Some(i) {
                marker
            } else if app.switching == Some(i) {
                "…"
            } else {
                " "
            };
            let text = fit(&format!("{open} {}", row_text(e, now)), w);
            let style = if i == pos {
                theme.selected()
            } else if e.row.as_ref().is_some_and(|r| !r.up) {
                theme.error()
            } else if e.row.as_ref().is_some_and(|r| r.storm) {
                theme.growing()
            } else {
                ratatui::style::Style::new()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), rows);
}

/// One row as text (everything in it is sanitized: names and errors come from hosts).
fn row_text(e: &SourceEntry, now: i64) -> String {
    let name = fit(&e.source.label(), NAME_W);
    let Some(r) = &e.row else {
        let state = if e.probing { "…" } else { "?" };
        return format!("{name:<NAME_W$} {state:<5}");
    };
    let state = match (r.up, e.probing) {
        (_, true) => "…",
        (true, false) => "up",
        (false, false) => "DOWN",
    };
    let growth = match r.growth {
        Some(g) if g > 0 => format!("+{g}"),
        Some(g) => g.to_string(),
        None => "-".to_owned(),
    };
    let listed = r
        .taken_at
        .map_or_else(|| "never".to_owned(), |t| age((now - t).max(0)));
    format!(
        "{name:<NAME_W$} {state:<5} {:>7} {:>8} {:>6} {:>6} {growth:>6} {:>6} {listed:>7}  {}",
        count(r.total),
        count(r.deferred),
        count(r.hold),
        count(r.ndrs),
        if r.storm { "STORM" } else { "-" },
        r.error.as_deref().map(|e| fit(e, 200)).unwrap_or_default(),
    )
}
