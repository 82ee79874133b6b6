//! The storm screen (replaces the panes) and the countermeasures text popup.
//!
//! ```text
//! verdict, one sentence (bold, wrapped)                               2 lines
//! NDRs · share of deferred · growth · indexed · first/last seen       2 lines
//! per minute, last hour  ▁▂▅█▇…     per hour, 24 h  ▁▁▂▆…            1-3 lines
//! ┌ Campaigns behind the NDRs ───────────────┐┌ Forged senders ───┐
//! │ NDRs  %  what the spam shares   rule     ││ msgs domain       │  (right column
//! ├ Submitters ──────────────────────────────┤│                   │   from 110 cols)
//! │ who msgs rcpts domains outside score flag││                   │
//! └──────────────────────────────────────────┘└───────────────────┘
//! the selected cause: evidence, rule figures or the account's reasons   2 lines
//! ┌ Mail log ─────────────────────────────────────────────────────────┐
//! │ per flagged account: logins, new addresses, outcomes; addresses    │  ≤ 1/3 of
//! └────────────────────────────────────────────────────────────────────┘  the height
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, TableState, Wrap};

use super::{Theme, clear, count, fit};
use crate::app::{App, Cause, Cursor, StormView, TextView, Viewport};
use crate::model::text::sanitize;
use crate::model::time::format_utc;

/// Width from which the per-minute and per-hour charts fit on one row.
const CHARTS_SIDE_BY_SIDE: u16 = 14 + 60 + 2 + 10 + 24;

const ASCII_BARS: bar::Set = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, vp: &mut Viewport) {
    let indexing = (app.indexing.running, app.indexing.done, app.indexing.total);
    let gave_up = app.indexing.gave_up.clone();
    let Some(view) = app.storm.as_ref() else {
        return;
    };
    let r = &view.report;
    let chart_h: u16 = match area.height {
        0..24 => 1,
        24..36 => 2,
        _ => 3,
    };
    // Below 110 columns the two charts sit on top of each other, one line each.
    let chart_h = if area.width < CHARTS_SIDE_BY_SIDE {
        2
    } else {
        chart_h
    };
    let verdict_w = unicode_width::UnicodeWidthStr::width(r.verdict.as_str());
    let verdict_h = u16::try_from(verdict_w / usize::from(area.width.max(1)) + 1)
        .unwrap_or(3)
        .clamp(1, 3);
    let log_lines = super::storm_log::lines(app, view);
    let log_h = super::storm_log::height(log_lines.len(), area.height);
    let [verdict, stats, charts, causes, log] = Layout::vertical([
        Constraint::Length(verdict_h),
        Constraint::Length(2),
        Constraint::Length(chart_h),
        Constraint::Min(0),
        Constraint::Length(log_h),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::styled(
            sanitize(&r.verdict).into_owned(),
            theme.heading(),
        ))
        .wrap(Wrap { trim: true }),
        verdict,
    );
    let w = usize::from(area.width);
    let growth = match r.growth {
        Some(g) if g > 0 => format!(
            " · +{} since the previous refresh",
            count(g.unsigned_abs() as usize)
        ),
        Some(g) if g < 0 => format!(
            " · −{} since the previous refresh",
            count(g.unsigned_abs() as usize)
        ),
        Some(_) => " · no change since the previous refresh".to_owned(),
        None => String::new(),
    };
    let indexed = match (indexing, &gave_up) {
        (_, Some(_)) => " · contents not readable (need root)".to_owned(),
        ((true, done, total), None) => format!(" · indexing {}/{}", count(done), count(total)),
        (_, None) => format!(" · contents of {} messages indexed", count(r.indexed)),
    };
    let line1 = format!(
        "NDRs {} ({:.0}% of {} deferred){growth}{indexed}",
        count(r.ndrs),
        r.ndr_share_of_deferred * 100.0,
        count(r.deferred),
    );
    let mut line2 = match (r.first_seen, r.last_seen) {
        (Some(a), Some(b)) => format!(
            "first seen {} · last seen {} · {:.1} NDRs/min over the last hour",
            format_utc(a),
            format_utc(b),
            r.rate_per_minute
        ),
        _ => "no NDRs in the queue".to_owned(),
    };
    match (&r.rules, view.rules_pending) {
        (_, Some(_)) => line2.push_str(" · rules: checking with postmap…"),
        (Some(p), None) => {
            line2.push_str(" · ");
            line2.push_str(&p.summary());
        }
        (None, None) => {}
    }
    f.render_widget(
        Paragraph::new(vec![Line::raw(fit(&line1, w)), Line::raw(fit(&line2, w))]),
        stats,
    );
    render_charts(f, charts, view, theme);
    render_causes(f, causes, view, theme, vp);
    if log_h > 0 {
        super::storm_log::render(f, log, &log_lines, theme);
    }
}

/// Per-minute arrivals of the last hour and per-hour arrivals of the last day, side by side
/// when there is room.
fn render_charts(f: &mut Frame, area: Rect, view: &StormView, theme: &Theme) {
    let r = &view.report;
    let bars = if theme.look.ascii {
        ASCII_BARS
    } else {
        bar::NINE_LEVELS
    };
    let spark = |data: &[u64]| {
        Sparkline::default()
            .data(data.to_vec())
            .bar_set(bars.clone())
            .style(theme.heading())
    };
    let label = |text: &'static str| Paragraph::new(Line::styled(text, theme.dim()));
    let min_w = u16::try_from(r.per_minute.len()).unwrap_or(60);
    let hour_w = u16::try_from(r.per_hour.len()).unwrap_or(24);
    if area.width < CHARTS_SIDE_BY_SIDE {
        let [top, bottom] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        for (row, text, data, w) in [
            (top, "NDRs/min, 1 h", &r.per_minute, min_w),
            (bottom, "NDRs/h, 24 h", &r.per_hour, hour_w),
        ] {
            let [l, s] =
                Layout::horizontal([Constraint::Length(14), Constraint::Length(w)]).areas(row);
            f.render_widget(label(text), l);
            f.render_widget(spark(data), s);
        }
        return;
    }
    let [l1, s1, _gap, l2, s2] = Layout::horizontal([
        Constraint::Length(14),
        Constraint::Length(min_w),
        Constraint::Length(2),
        Constraint::Length(10),
        Constraint::Length(hour_w),
    ])
    .areas(area);
    f.render_widget(label("NDRs/min, 1 h"), l1);
    f.render_widget(spark(&r.per_minute), s1);
    f.render_widget(label("/hour, 24h"), l2);
    f.render_widget(spark(&r.per_hour), s2);
}

/// The first row of a window of `height` rows, moved from `offset` just enough to show
/// `pos`.
fn scroll(offset: usize, pos: Option<usize>, height: usize, len: usize) -> usize {
    Cursor {
        pos: pos.unwrap_or(offset),
        offset,
    }
    .visible(height, len)
    .offset
}

fn render_causes(f: &mut Frame, area: Rect, view: &StormView, theme: &Theme, vp: &mut Viewport) {
    let (main, side) = if area.width >= 110 {
        let [m, s] = Layout::horizontal([Constraint::Min(60), Constraint::Length(40)]).areas(area);
        (m, Some(s))
    } else {
        (area, None)
    };
    let nc = view.report.campaigns.len();
    let na = view.report.accounts.len();
    let detail_h: u16 = if main.height >= 14 { 2 } else { 0 };
    let [main, detail] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(detail_h)]).areas(main);
    let camp_h = u16::try_from(nc.max(1) + 3)
        .unwrap_or(u16::MAX)
        .min(main.height.saturating_sub(main.height / 3).max(4));
    let [ca, aa] = Layout::vertical([Constraint::Length(camp_h), Constraint::Min(0)]).areas(main);

    // Campaigns.
    let in_campaigns = view.cursor < nc;
    let block = theme.block(
        format!(" Campaigns behind the NDRs ({}) ", count(nc)),
        in_campaigns && nc > 0,
    );
    let h = usize::from(block.inner(ca).height.saturating_sub(1));
    let start = scroll(
        view.campaigns_offset,
        in_campaigns.then_some(view.cursor),
        h,
        nc,
    );
    vp.campaigns_offset = Some(start);
    let label_w = usize::from(ca.width.saturating_sub(2 + 8 + 5 + 16 + 3)).max(4);
    let pending = view.rules_pending.is_some();
    let rows = view.report.campaigns.iter().skip(start).take(h).map(|c| {
        let rule = match (&view.report.rules, pending) {
            (_, true) => "checking…".to_owned(),
            (None, false) => String::new(),
            (Some(p), false) => {
                let mine = p.for_campaign(&c.label);
                if mine.is_empty() {
                    "no safe rule".to_owned()
                } else {
                    let covers = mine.iter().map(|r| r.adds).sum::<usize>();
                    format!(
                        "{} rule{} {:.0}%",
                        mine.len(),
                        if mine.len() == 1 { "" } else { "s" },
                        percent(covers, c.ndrs)
                    )
                }
            }
        };
        Row::new(vec![
            count(c.ndrs),
            format!("{:.0}%", c.share * 100.0),
            fit(&c.label, label_w),
            fit(&rule, 16),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(5),
            Constraint::Min(4),
            Constraint::Length(16),
        ],
    )
    .header(Row::new(vec!["NDRs", "%", "what the spam shares", "rule"]).style(theme.dim()))
    .block(block)
    .row_highlight_style(theme.selected());
    let mut state =
        TableState::default().with_selected((in_campaigns && nc > 0).then(|| view.cursor - start));
    f.render_stateful_widget(table, ca, &mut state);
    if nc == 0 {
        empty_note(
            f,
            ca,
            theme,
            "none found yet (NDR contents not indexed, or no NDRs)",
        );
    }

    // Submitters.
    let in_accounts = !in_campaigns && na > 0;
    let block = theme.block(
        format!(
            " Submitters: SASL accounts, clients, local users ({}) ",
            count(na)
        ),
        in_accounts,
    );
    let h = usize::from(block.inner(aa).height.saturating_sub(1));
    let start = scroll(
        view.accounts_offset,
        in_accounts.then(|| view.cursor - nc),
        h,
        na,
    );
    vp.accounts_offset = Some(start);
    let rows = view.report.accounts.iter().skip(start).take(h).map(|a| {
        let flag = if a.compromised {
            Span::styled("COMPROMISED", theme.error().add_modifier(Modifier::BOLD))
        } else {
            Span::raw("")
        };
        Row::new(vec![
            ratatui::widgets::Cell::from(fit(&a.user, 40)),
            count(a.messages).into(),
            count(a.recipients).into(),
            count(a.recipient_domains).into(),
            count(a.outside_mynetworks).into(),
            a.score.to_string().into(),
            flag.into(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Min(12),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(11),
        ],
    )
    .header(
        Row::new(vec![
            "submitter",
            "msgs",
            "rcpts",
            "domains",
            "outside",
            "score",
            "",
        ])
        .style(theme.dim()),
    )
    .block(block)
    .row_highlight_style(theme.selected());
    let mut state =
        TableState::default().with_selected(in_accounts.then(|| view.cursor - nc - start));
    f.render_stateful_widget(table, aa, &mut state);
    if na == 0 {
        empty_note(f, aa, theme, "no queued mail with known submitters");
    }
    if detail_h > 0 {
        render_detail(f, detail, view, theme);
    }

    if let Some(side) = side {
        let [fd, od] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(side);
        domains(
            f,
            fd,
            theme,
            " Forged senders (domain) ",
            &view.report.forged_domains,
        );
        domains(
            f,
            od,
            theme,
            " Spam's From: domains ",
            &view.report.original_sender_domains,
        );
    }
}

/// Two lines about the selected cause: a campaign's evidence and rule figures, or an
/// account's reasons.
fn render_detail(f: &mut Frame, area: Rect, view: &StormView, theme: &Theme) {
    let w = usize::from(area.width);
    let (a, b) = match view.selected() {
        Some(Cause::Campaign(c)) => {
            let also: Vec<String> = c
                .shared
                .iter()
                .take(3)
                .map(|(what, n)| format!("{what} ({:.0}%)", percent(*n, c.ndrs)))
                .collect();
            let first = format!(
                "{} NDRs + {} queued spam; also shared: {}",
                count(c.ndrs),
                count(c.spam),
                if also.is_empty() {
                    "nothing else".to_owned()
                } else {
                    also.join(", ")
                }
            );
            let second = match &view.report.rules {
                Some(p) => match p.for_campaign(&c.label).first() {
                    Some(r) => format!("{}: {}", r.table.name(), p.figures(r)),
                    None => {
                        let tail = format!("of campaign {}", c.label);
                        p.refused
                            .iter()
                            .find(|x| x.basis.ends_with(&tail))
                            .map_or_else(
                                || "no rule for this campaign".to_owned(),
                                |x| format!("no rule: {}", x.why),
                            )
                    }
                },
                None => "rules: not checked yet".to_owned(),
            };
            (first, second)
        }
        Some(Cause::Account(a)) => (a.summary.clone(), a.reasons.join(" · ")),
        None => (String::new(), String::new()),
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(fit(&a, w)),
            Line::styled(fit(&b, w), theme.dim()),
        ]),
        area,
    );
}

#[allow(clippy::cast_precision_loss)]
fn percent(n: usize, of: usize) -> f64 {
    n as f64 * 100.0 / of.max(1) as f64
}

fn domains(f: &mut Frame, area: Rect, theme: &Theme, title: &str, list: &[(String, usize)]) {
    let block = theme.block(title.to_owned(), false);
    let h = usize::from(block.inner(area).height);
    let w = usize::from(area.width.saturating_sub(2 + 9)).max(4);
    let rows = list
        .iter()
        .take(h)
        .map(|(d, n)| Row::new(vec![count(*n), fit(d, w)]));
    f.render_widget(
        Table::new(rows, [Constraint::Length(8), Constraint::Min(4)]).block(block),
        area,
    );
}

fn empty_note(f: &mut Frame, area: Rect, theme: &Theme, msg: &str) {
    let inner = theme.block(String::new(), false).inner(area);
    if inner.height > 1 {
        f.render_widget(
            Line::styled(fit(msg, usize::from(inner.width)), theme.dim()),
            Rect {
                y: inner.y + 1,
                height: 1,
                ..inner
            },
        );
    }
}

/// The countermeasures popup: the whole screen, no borders or margins around the text, so
/// selecting it with the mouse copies exactly the lines (the terminal's own copy works over
/// SSH and tmux, where no clipboard API reaches the admin's desktop). Long lines wrap; `w`
/// writes the unwrapped text to a file.
pub fn render_text(f: &mut Frame, area: Rect, t: &TextView, theme: &Theme) {
    clear(f, area);
    let [title, body, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    f.render_widget(
        Line::styled(fit(&t.title, usize::from(title.width)), theme.heading()),
        title,
    );
    let lines: Vec<Line> = t
        .text
        .lines()
        .skip(t.scroll)
        .map(|l| Line::raw(sanitize(l).into_owned()))
        .collect();
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    f.render_widget(
        Line::styled(
            fit(
                "shown for review, never applied · j/k scroll · w write to a file · Esc close",
                usize::from(hint.width),
            ),
            theme.dim(),
        ),
        hint,
    );
}
