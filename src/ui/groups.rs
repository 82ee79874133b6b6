//! The groups pane: one row per group of the current grouping, visible rows only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, age, count, fit, size};
use crate::app::{App, Pane, Viewport};
use crate::model::trend::SPARK_BUCKETS;

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, now: i64, vp: &mut Viewport) {
    let focused = app.nav.focus == Pane::Groups;
    let key = app.group_key.map_or("-", |k| k.name());
    let title = format!(
        " Groups by {key} · {} · sort {}{} ",
        count(app.grouping.groups.len()),
        app.sort_by.name(),
        if app.sort_desc { "↓" } else { "↑" }
    );
    let block = theme.block(title, focused);
    let inner_h = usize::from(block.inner(area).height.saturating_sub(1));
    let len = app.grouping.groups.len();
    let cursor = app.nav.groups.visible(inner_h, len);
    vp.groups = Some(cursor);
    if focused {
        vp.page = Some(inner_h);
    }
    let start = cursor.offset;
    let end = (start + inner_h).min(len);
    let glyphs = theme.spark_glyphs();
    // Narrow panes keep what identifies a group and how big it is; the rest goes first.
    let full = area.width >= 70;
    let spark_w = u16::try_from(SPARK_BUCKETS).unwrap_or(10);
    let fixed = if full {
        6 + 6 + 6 + 6 + spark_w + 6 + 7
    } else {
        6 + 4 + 6 + 4
    };
    let label_w = usize::from(area.width.saturating_sub(2 + fixed)).max(4);
    let rows = app.grouping.groups[start..end]
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let spark: String = app.sparks.get(start + k).map_or_else(String::new, |b| {
                let max = b.iter().copied().max().unwrap_or(0).max(1);
                b.iter()
                    .map(|&n| {
                        let lvl = if n == 0 {
                            0
                        } else {
                            1 + (n as usize * (glyphs.len() - 2)) / max as usize
                        };
                        glyphs[lvl.min(glyphs.len() - 1)]
                    })
                    .collect()
            });
            let d = app.diff.get(&g.label).copied().unwrap_or_default();
            let delta = match (d.added, d.gone) {
                (0, 0) => String::new(),
                (a, 0) => format!("+{}", count(a)),
                (0, b) => format!("-{}", count(b)),
                (a, b) => format!("+{a}-{b}"),
            };
            let growing = d.added > d.gone;
            let label_style = if growing {
                theme.growing()
            } else {
                Style::new()
            };
            let delta = Cell::from(Span::styled(
                delta,
                if growing {
                    theme.growing()
                } else {
                    theme.dim()
                },
            ));
            let label = Cell::from(Line::styled(fit(&g.label, label_w), label_style));
            if full {
                Row::new(vec![
                    Cell::from(count(g.messages)),
                    Cell::from(count(g.recipients)),
                    Cell::from(size(g.size)),
                    Cell::from(age(now.saturating_sub(g.oldest))),
                    Cell::from(Span::styled(spark, theme.heading())),
                    delta,
                    label,
                ])
            } else {
                Row::new(vec![
                    Cell::from(count(g.messages)),
                    Cell::from(age(now.saturating_sub(g.oldest))),
                    delta,
                    label,
                ])
            }
        });
    let (header, widths) = if full {
        (
            Row::new(vec![
                "msgs", "rcpts", "size", "oldest", "5m..21h+", "Δ", "label",
            ]),
            vec![
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(spark_w),
                Constraint::Length(6),
                Constraint::Min(4),
            ],
        )
    } else {
        (
            Row::new(vec!["msgs", "age", "Δ", "label"]),
            vec![
                Constraint::Length(6),
                Constraint::Length(4),
                Constraint::Length(6),
                Constraint::Min(4),
            ],
        )
    };
    let header = header.style(theme.dim());
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
        let inner = theme.block(String::new(), false).inner(area);
        super::render_empty_note(f, inner, app, theme, "no messages match", true);
    }
}
