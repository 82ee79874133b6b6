//! The header: where the data comes from, how fresh it is, per-queue counts and badges.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, count, fit, hms, size};
use crate::app::App;
use crate::model::QueueName;

/// Lines the header needs: two, plus one per banner (read-only reason, demo note).
#[must_use]
pub fn height(app: &App) -> u16 {
    2 + u16::from(app.read_only.is_some()) + u16::from(app.demo_note.is_some())
}

pub fn render(f: &mut Frame, area: Rect, app: &App, theme: &Theme, now: i64) {
    let snap = &app.snapshot;
    let w = usize::from(area.width);
    let mut top = vec![Span::styled("mailq-tui ", theme.heading())];
    top.push(Span::raw(fit(&app.source, 30)));
    if app.listing.loaded_once() {
        // The listing's age: as root an unchanged queue is not listed again, so the age
        // grows while nothing happens (drawn at least at every refresh tick).
        let age = now - snap.taken_at;
        top.push(Span::styled(
            format!(
                " · taken {} UTC{} in {:.2} s",
                hms(snap.taken_at),
                if age >= 1 {
                    format!(" ({} ago)", crate::model::format::age(age))
                } else {
                    String::new()
                },
                snap.took.as_secs_f64()
            ),
            theme.dim(),
        ));
    }
    top.push(Span::raw(" "));
    let mut badges: Vec<(&str, Color)> = Vec::new();
    if app.demo {
        badges.push(("DEMO", Color::Magenta));
    }
    if app.read_only.is_some() {
        badges.push(("READ-ONLY", Color::Blue));
    }
    if app.frozen {
        badges.push(("FROZEN", Color::Cyan));
    }
    if !app.select.filter.is_empty() {
        badges.push(("FILTER", Color::Yellow));
    }
    if app.alert() {
        badges.push(("ALERT", Color::Red));
    }
    if app.listing.loading() {
        badges.push(("LOADING", Color::Green));
    }
    if app.grouped.regrouping || app.listing.preparing {
        badges.push(("GROUPING", Color::Green));
    }
    for (b, c) in badges {
        top.push(Span::styled(format!(" {b} "), theme.badge(c)));
        top.push(Span::raw(" "));
    }
    // A listing streaming in: how far it got.
    if app.listing.loading() && app.listing.listed_so_far() > 0 {
        top.push(Span::styled(
            format!("listing {}… ", count(app.listing.listed_so_far())),
            theme.dim(),
        ));
    }
    // Partial numbers left by a listing that did not complete (it failed, or the complete
    // one is still being grouped): say they are partial.
    if app.listing.shows_partial() && !app.listing.loading() {
        top.push(Span::styled("partial listing ", theme.dim()));
    }
    // Content indexing (postcat in the background): progress while it runs.
    if app.indexing.running && app.indexing.total > 0 {
        top.push(Span::styled(
            format!(
                "indexing {}/{} ",
                count(app.indexing.done),
                count(app.indexing.total)
            ),
            theme.dim(),
        ));
    }

    // The mail log read for `login-new:`.
    if crate::app::login_facts::reading(app) {
        top.push(Span::styled("reading the mail log… ", theme.dim()));
    }

    let mut counts: Vec<Span> = Vec::new();
    if app.sources.fleet_overview && app.sources.current.is_none() {
        // No host is open yet: the queue counts would be the empty stand-in's, so the
        // line sums up the fleet instead.
        let rows = || app.sources.entries.iter().filter_map(|e| e.row.as_ref());
        counts.push(Span::raw(format!(
            "{} host{} {} {} down {} {} in an NDR storm {} {} deferred in all",
            count(app.sources.entries.len()),
            crate::model::format::plural(app.sources.entries.len()),
            theme.sep(),
            count(rows().filter(|r| !r.up).count()),
            theme.sep(),
            count(rows().filter(|r| r.storm).count()),
            theme.sep(),
            count(rows().map(|r| r.deferred).sum()),
        )));
        f.render_widget(
            Paragraph::new(vec![Line::from(top), Line::from(counts)]),
            area,
        );
        return;
    }
    for q in QueueName::ALL {
        let n = snap.count(&q).messages;
        let style = match (&q, app.alert()) {
            (QueueName::Deferred, true) => theme.error(),
            _ if n == 0 => theme.dim(),
            _ => Style::new(),
        };
        counts.push(Span::styled(
            format!("{} {}  ", q.as_str(), count(n)),
            style,
        ));
    }
    counts.push(Span::raw(format!(
        "{} {} msgs {} rcpts {}",
        theme.sep(),
        count(snap.len()),
        count(snap.total_recipients()),
        size(snap.total_size())
    )));
    if let Some(n) = app.alert_at {
        counts.push(Span::styled(
            format!(" {} alert at {}", theme.sep(), count(n)),
            theme.dim(),
        ));
    }
    let problems = snap.problems.len();
    if problems > 0 || snap.duplicates > 0 {
        counts.push(Span::styled(
            format!(
                " {} {} parse problem{}, {} duplicate{}",
                theme.sep(),
                count(problems),
                crate::model::format::plural(problems),
                count(snap.duplicates),
                crate::model::format::plural(snap.duplicates)
            ),
            theme.error(),
        ));
    }
    let mut lines = vec![Line::from(top), Line::from(counts)];
    if let Some(reason) = &app.read_only {
        lines.push(Line::styled(
            fit(
                &format!("READ-ONLY: {reason} — no key changes the queue"),
                w,
            ),
            theme.dim(),
        ));
    }
    if let Some(note) = &app.demo_note {
        lines.push(Line::styled(fit(note, w), theme.dim()));
    }
    f.render_widget(Paragraph::new(lines), area);
}
