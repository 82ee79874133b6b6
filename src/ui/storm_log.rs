//! The storm screen's mail log panel: where reading the log stands, then per account the
//! log flags (or the storm names) the evidence sentence and its addresses with their
//! share — the selected account first. `c` shows the whole text with the countermeasures.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Theme, fit};
use crate::app::{App, Cause, StormView};

/// Addresses listed per account in the panel (the popup lists them all).
const ADDRESSES: usize = 3;

/// The panel's lines (unstyled), for a panel `width` wide; empty when there is nothing to say.
#[must_use]
pub fn lines(app: &App, view: &StormView) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(s) = app.mail_log.status_line() {
        out.push((s, true));
    }
    if let Some(e) = &view.log {
        let mut e = e.clone();
        if let Some(Cause::Account(sel)) = view.selected()
            && let Some(i) = e.accounts.iter().position(|a| a.user == sel.user)
        {
            let a = e.accounts.remove(i);
            e.accounts.insert(0, a);
        }
        let flagged = e.accounts.iter().any(|a| a.verdict.compromised);
        for l in e.lines(ADDRESSES) {
            // An account's sentence in two lines: the logins, then what it sent.
            match l.split_once("; ") {
                Some((logins, sent)) if !l.starts_with("   ") => {
                    out.push((format!("{logins};"), false));
                    out.push((format!("    {sent}"), false));
                }
                _ => out.push((l, false)),
            }
        }
        if flagged {
            out.push((
                "c on an account (or a campaign): the countermeasures naming these addresses"
                    .to_owned(),
                true,
            ));
        }
    }
    out
}

/// The panel's height for `lines` in an area `height` tall: borders included, at most a
/// third of it, 0 when there is nothing to show.
#[must_use]
pub fn height(n: usize, height: u16) -> u16 {
    if n == 0 {
        return 0;
    }
    u16::try_from(n + 2)
        .unwrap_or(u16::MAX)
        .min((height / 3).max(3))
}

pub fn render(f: &mut Frame, area: Rect, lines: &[(String, bool)], theme: &Theme) {
    let block = theme.block(" Mail log ".to_owned(), false);
    let inner = block.inner(area);
    let w = usize::from(inner.width);
    let mut shown: Vec<Line> = lines
        .iter()
        .map(|(l, dim)| {
            if *dim {
                Line::styled(fit(l, w), theme.dim())
            } else {
                Line::raw(fit(l, w))
            }
        })
        .collect();
    let h = usize::from(inner.height);
    if shown.len() > h && h > 0 {
        shown.truncate(h - 1);
        shown.push(Line::styled(
            fit(
                &format!(
                    "… {} more line{} (c: the whole text; `mailq-tui storm` prints it all)",
                    lines.len() - (h - 1),
                    if lines.len() - (h - 1) == 1 { "" } else { "s" }
                ),
                w,
            ),
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(shown).block(block), area);
}
