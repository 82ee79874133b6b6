//! The queue-shape screen (key `p`): qshape's table of the current selection. The state,
//! and the `update()` steps that change it; the numbers come from [`crate::model::shape`].

use super::{App, Status};
use crate::model::filter::Filter;
use crate::model::shape::{Shape, shape};

/// The shape screen: the table, by which domain, and a cursor over its domain rows.
#[derive(Debug, Clone, Default)]
pub struct ShapeView {
    pub shape: Shape,
    pub cursor: usize,
    /// First visible domain row (the last frame's, see [`super::Viewport`]).
    pub offset: usize,
}

impl ShapeView {
    /// The domain under the cursor.
    #[must_use]
    pub fn selected(&self) -> Option<&str> {
        self.shape.rows.get(self.cursor).map(|r| &*r.domain)
    }
}

impl App {
    /// Recompute the table (when the screen is open) for the current selection, keeping
    /// the cursor on the same domain.
    pub fn refresh_shape(&mut self) {
        let Some(view) = &self.shape else {
            return;
        };
        let keep = view.selected().map(str::to_owned);
        let s = shape(
            &self.snapshot,
            &self.select.selection.indices,
            view.shape.by,
            self.now,
        );
        let cursor = keep
            .and_then(|d| s.rows.iter().position(|r| *r.domain == *d))
            .unwrap_or(view.cursor)
            .min(s.rows.len().saturating_sub(1));
        self.shape = Some(ShapeView {
            shape: s,
            cursor,
            offset: view.offset,
        });
    }
}

/// Open the screen (by recipient domain), or close it.
pub(super) fn toggle(app: &mut App) {
    if app.shape.take().is_some() {
        return;
    }
    app.storm = None;
    app.shape = Some(ShapeView::default());
    app.refresh_shape();
}

/// Recipient domains ⇄ sender domains (`qshape -s`).
pub(super) fn toggle_by(app: &mut App) {
    if let Some(v) = &mut app.shape {
        v.shape.by = v.shape.by.toggled();
        v.cursor = 0;
        v.offset = 0;
    }
    app.refresh_shape();
}

pub(super) fn move_cursor(view: &mut ShapeView, delta: isize) {
    let len = view.shape.rows.len();
    view.cursor = if len == 0 {
        0
    } else {
        view.cursor.saturating_add_signed(delta).min(len - 1)
    };
}

/// Narrow the main view to the selected domain: the filter in force plus a term for the
/// domain, then back to the panes.
pub(super) fn filter_to_domain(app: &mut App) {
    let Some(view) = &app.shape else {
        return;
    };
    let Some(domain) = view.selected() else {
        app.status = Some(Status {
            text: "no domain to select: the selection is empty".to_owned(),
            error: true,
        });
        return;
    };
    let term = view.shape.by.filter_term(domain);
    let text = if app.select.filter.is_empty() {
        term
    } else {
        format!("{} {term}", app.select.filter.text())
    };
    let filter = match Filter::parse(&text) {
        Ok(f) => f,
        Err(e) => {
            app.status = Some(Status {
                text: format!("cannot filter on this domain: {e}"),
                error: true,
            });
            return;
        }
    };
    let by = view.shape.by;
    app.show_panes_filtered(filter);
    app.status = Some(Status {
        text: format!(
            "filter: {} ({} message{} by {})",
            crate::model::text::snippet(&text, 80),
            crate::model::format::thousands(app.select.selection.indices.len()),
            super::plural(app.select.selection.indices.len()),
            by.name()
        ),
        error: false,
    });
}

#[cfg(test)]
mod tests {
    use super::super::testing::{NOW, app_on, storm_queue};
    use super::super::{Action, Effect, Mode, update};
    use crate::model::shape::{ShapeBy, shape};

    #[test]
    fn opens_on_the_selection_and_follows_the_filter() {
        let q = storm_queue();
        let mut app = app_on(&q, None);
        assert_eq!(update(&mut app, Action::ToggleShape), None);
        assert_eq!(app.mode(), Mode::Shape);
        let v = app.shape.as_ref().unwrap();
        let all: Vec<u32> = (0..u32::try_from(app.snapshot.len()).unwrap()).collect();
        assert_eq!(
            v.shape,
            shape(&app.snapshot, &all, ShapeBy::RecipientDomain, NOW)
        );
        // `s`: sender domains, one count per message.
        update(&mut app, Action::ToggleShapeBy);
        let v = app.shape.as_ref().unwrap();
        assert_eq!(v.shape.by, ShapeBy::SenderDomain);
        assert_eq!(v.shape.total.total, 39);
        // The storm screen and the shape screen replace each other.
        update(&mut app, Action::ToggleStorm);
        assert!(app.shape.is_none());
        assert_eq!(app.mode(), Mode::Storm);
        update(&mut app, Action::ToggleShape);
        assert!(app.storm.is_none());
        assert_eq!(app.mode(), Mode::Shape);
        update(&mut app, Action::Escape);
        assert!(app.shape.is_none());
    }

    #[test]
    fn enter_filters_the_panes_to_the_domain_under_the_cursor() {
        let q = storm_queue();
        let mut app = app_on(&q, None);
        update(&mut app, Action::ToggleShape);
        update(&mut app, Action::MoveDown);
        update(&mut app, Action::Bottom);
        update(&mut app, Action::Top);
        update(&mut app, Action::MoveDown);
        let v = app.shape.as_ref().unwrap();
        assert_eq!(v.cursor, 1);
        let row = v.shape.rows[1].clone();
        let fx: Vec<Effect> = [Action::FilterToDomain]
            .into_iter()
            .filter_map(|a| update(&mut app, a))
            .collect();
        assert!(fx.iter().all(|e| matches!(e, Effect::Index(_))), "{fx:?}");
        assert!(app.shape.is_none());
        assert_eq!(
            app.select.filter.text(),
            ShapeBy::RecipientDomain.filter_term(&row.domain)
        );
        // Every selected message has a recipient in that domain, and their recipients in
        // it add up to the row's total.
        let n: usize = app
            .select
            .selection
            .indices
            .iter()
            .map(|&i| {
                app.snapshot.messages[i as usize]
                    .recipients
                    .iter()
                    .filter(|r| crate::model::shape::domain_of(&r.address, false) == *row.domain)
                    .count()
            })
            .sum();
        assert_eq!(n as u64, row.total);
        assert!(app.select.selection.indices.len() as u64 <= row.total);
        // Reopened, the table covers just that selection.
        update(&mut app, Action::ToggleShape);
        let v = app.shape.as_ref().unwrap();
        assert_eq!(v.shape.rows[0].domain, row.domain);
        assert_eq!(v.shape.rows[0].total, row.total);
    }
}
