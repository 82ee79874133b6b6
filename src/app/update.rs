//! `update(&mut App, Action) -> Option<Effect>`: the only place state changes.
//!
//! Synchronous and free of IO, so every behaviour here is testable without a terminal or a
//! runtime: the event loop runs the returned [`Effect`] and feeds the result back as an
//! [`Action`].

use std::sync::Arc;

use super::{
    Action, App, Detail, Fetch, FilterInput, LoadError, Overlay, Pane, Popup, RegroupJob, Retired,
    Shown, Status, shape, sources, storm,
};
use crate::model::filter::Filter;
use crate::model::fleet::FleetRow;
use crate::model::format::{capitalize, plural};
use crate::model::group::{GroupKey, SortBy};
use crate::model::source::Source;
use crate::model::text::sanitize;
use crate::model::{QueueId, Snapshot};
use crate::ops::{self, Outcome};
use crate::postfix::{QueueOp, ReadReport};

/// IO (and heavy work) the event loop must run for the app: the only way anything leaves
/// [`update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// List the queue (at most one listing is in flight; see `App::refresh_pending`).
    Load,
    /// Run the bulk-action protocol ([`crate::ops::execute`]) on exactly this request.
    /// Only a confirmed dialog produces it, and never in read-only mode.
    Apply(Box<ops::Request>),
    /// Stop a running bulk action between batches (Esc on the progress popup).
    Interrupt,
    /// Ask Postfix for delivery attempts ([`crate::ops::flush`]): `keys` for deliver now,
    /// else `what` (a flush). Only a confirmed dialog produces it, never in read-only mode.
    Flush {
        what: crate::postfix::Flush,
        keys: Vec<crate::model::MessageKey>,
        filter: String,
    },
    /// Read one queue file for the detail view.
    Read { id: QueueId, body: bool },
    /// Postfix is not installed: switch to the demo queue, then list it.
    FallbackToDemo,
    /// Read message contents in the background ([`crate::indexer::run_job`]); supersedes
    /// (cancels) the job running before it.
    Index(Box<crate::indexer::Job>),
    /// Write text to a new file of this name (current directory, else the state directory).
    Write { file_name: String, text: String },
    /// List the local Postfix instances (when asked) and list each source in parallel,
    /// each with its own timeout; each answer comes back as its own Action.
    ProbeSources {
        list_instances: bool,
        /// (index in `App::sources`, the source, its previous row).
        sources: Vec<(usize, Source, Option<FleetRow>)>,
    },
    /// Open `source` and, on success, make it the queue of every later effect.
    Switch {
        index: usize,
        source: Source,
        generation: u64,
    },
    /// Read `mynetworks` and build + verify the storm's rules with postmap
    /// ([`crate::model::storm::check_rules`]).
    CheckRules(Box<super::storm::RulesJob>),
    /// Read the mail log for the storm screen's evidence; the answer comes back as
    /// [`super::Action::LogLoaded`].
    ReadLog(Box<super::storm_log::LogJob>),
    /// Read the mail log for the `login-new:` facts of the listed queue IDs
    /// ([`super::login_facts::LoginJob`], digested on the worker); the answer comes back as
    /// [`super::Action::LoginFactsLoaded`].
    ReadLoginFacts(Box<super::login_facts::LoginJob>),
    /// Select and group on a worker; the result comes back as [`Action::Regrouped`].
    Regroup(Box<RegroupJob>),
    /// Drop a large listing that left the screen on a worker.
    Retire(Box<Retired>),
    /// Several effects from one step, run in this order (Elm's `Cmd.batch`).
    Batch(Vec<Effect>),
}

impl Effect {
    /// The effects one by one: a [`Effect::Batch`] opened up (recursively), any other as
    /// itself.
    #[must_use]
    pub fn flatten(self) -> Vec<Effect> {
        match self {
            Self::Batch(all) => all.into_iter().flat_map(Effect::flatten).collect(),
            e => vec![e],
        }
    }
}

/// The background regroup among `effects`, if any (tests and benches play the worker).
#[must_use]
pub fn regroup_job(effects: Option<Effect>) -> Option<RegroupJob> {
    effects
        .into_iter()
        .flat_map(Effect::flatten)
        .find_map(|e| match e {
            Effect::Regroup(job) => Some(*job),
            _ => None,
        })
}

/// Apply one action to the app.
///
/// When a new listing was installed and the step itself needs no IO, the content indexing
/// for it starts here, so every path that installs a listing (directly, or after a
/// background preparation) gets exactly one job.
///
/// Work that `App` methods queue on the way (a background regroup, a listing to free) is
/// returned here too, so the caller runs exactly what comes back and reads nothing else.
pub fn update(app: &mut App, action: Action) -> Option<Effect> {
    // What the last frame showed: kept, nothing else happens (no job starts on a redraw).
    if let Action::Viewport(v) = action {
        app.keep_viewport(v);
        return None;
    }
    let mut fx = step(app, action);
    if fx.is_none() && app.indexing.wanted {
        fx = storm::start_index(app);
    }
    let mut effects: Vec<Effect> = fx.into_iter().collect();
    effects.extend(super::login_facts::wanted(app));
    if let Some(job) = app.grouped.regroup_job.take() {
        effects.push(Effect::Regroup(Box::new(job)));
    }
    if let Some((snapshot, grouping)) = app.retired.take() {
        // A small listing is freed here at once; a large one on a worker.
        if snapshot.len() >= super::ASYNC_REGROUP_AT {
            effects.push(Effect::Retire(Box::new(Retired { snapshot, grouping })));
        }
    }
    match effects.len() {
        0 | 1 => effects.pop(),
        _ => Some(Effect::Batch(effects)),
    }
}

fn step(app: &mut App, action: Action) -> Option<Effect> {
    match action {
        Action::Quit => {
            app.should_quit = true;
            None
        }
        Action::Resize | Action::Viewport(_) => None,
        Action::Clock(now) => {
            app.now = now;
            None
        }
        Action::Tagged(generation, a) => {
            if generation == app.sources.generation {
                step(app, *a)
            } else {
                None
            }
        }
        Action::ToggleSources => sources::toggle(app),
        Action::SwitchSource => sources::switch(app),
        Action::InstancesListed(r) => sources::instances_listed(app, r),
        Action::SourceProbed(i, row) => {
            sources::probed(app, i, *row);
            None
        }
        Action::Switched(s) => sources::switched(app, *s),
        Action::Refresh if app.sources.view.is_some() => sources::refresh(app),
        Action::Regrouped(r) => {
            app.apply_regrouped(*r);
            None
        }
        Action::Listing(n) => {
            app.listing.progress(n, false);
            None
        }
        Action::Partial(snap) => {
            partial(app, snap);
            None
        }
        Action::Delete
        | Action::Hold
        | Action::Release
        | Action::Requeue
        | Action::Expire
        | Action::DeliverNow
        | Action::Flush
            if app.listing.shows_partial() =>
        {
            app.status = Some(error(format!(
                "the queue is still being listed ({} so far): actions wait for the complete listing",
                crate::model::format::thousands(
                    app.listing.listed_so_far().max(app.snapshot.len())
                )
            )));
            None
        }
        Action::Loaded(r) => loaded(app, r),
        Action::Applied(r) => applied(app, r),
        Action::Progress(p) => {
            if let Overlay::Popup(popup) = &mut app.overlay
                && popup.busy
            {
                popup.lines = vec![format!(
                    "{} of {} message{} sent to postsuper",
                    crate::model::format::thousands(p.done),
                    crate::model::format::thousands(p.total),
                    plural(p.total)
                )];
            }
            None
        }
        Action::ReadDone(r) => read_done(app, r),
        Action::Indexed(b) => storm::indexed(app, *b),
        Action::RulesChecked(r) => {
            storm::rules_checked(app, *r);
            None
        }
        Action::LogLoaded(l) => {
            super::storm_log::loaded(app, *l);
            None
        }
        Action::LoginFactsLoaded(l) => {
            super::login_facts::loaded(app, *l);
            None
        }
        Action::Written(r) => {
            storm::written(app, r);
            None
        }
        Action::ToggleStorm => {
            app.shape = None;
            storm::toggle(app)
        }
        Action::ToggleShape => {
            shape::toggle(app);
            None
        }
        Action::ToggleShapeBy => {
            shape::toggle_by(app);
            None
        }
        Action::FilterToDomain => {
            shape::filter_to_domain(app);
            None
        }
        Action::FilterToCause => {
            storm::filter_to_cause(app);
            None
        }
        Action::ShowCountermeasures => {
            storm::show_countermeasures(app);
            None
        }
        Action::WriteCountermeasures => storm::write_countermeasures(app),
        Action::Refresh => request_load(app),
        Action::ToggleFreeze => {
            app.frozen = !app.frozen;
            None
        }
        Action::ToggleHelp => {
            app.overlay = match app.overlay {
                Overlay::Help => Overlay::None,
                _ => Overlay::Help,
            };
            None
        }
        Action::Delete => open_confirm(app, QueueOp::Delete),
        Action::Hold => open_confirm(app, QueueOp::Hold),
        Action::Release => open_confirm(app, QueueOp::Release),
        Action::Requeue => open_confirm(app, QueueOp::Requeue),
        Action::DeliverNow => super::deliver::ask_deliver(app),
        Action::Flush => super::deliver::ask_flush(app),
        Action::Flushed(r) => super::deliver::flushed(app, r),
        Action::Expire => {
            // Held mail is never delivered, so expiring it alone would return nothing:
            // a selection with held messages is expired AND released (postsuper -f).
            let (indices, _) = app.targets();
            let held = indices.iter().any(|&i| {
                app.snapshot
                    .messages
                    .get(i as usize)
                    .is_some_and(|m| m.queue == crate::model::QueueName::Hold)
            });
            open_confirm(
                app,
                if held {
                    QueueOp::ExpireRelease
                } else {
                    QueueOp::Expire
                },
            )
        }
        Action::Confirm => confirm(app, false),
        Action::ConfirmSingle => confirm(app, true),
        Action::Cancel => cancel(app),
        Action::OpenFilter => {
            let text = app.select.filter.text().to_owned();
            app.overlay = Overlay::Filter(FilterInput {
                before: text.clone(),
                text,
                error: None,
                matches: app.select.selection.indices.len(),
            });
            None
        }
        Action::ApplyFilter => {
            if let Overlay::Filter(input) = &app.overlay {
                if let Some(e) = &input.error {
                    app.status = Some(error(e.clone()));
                    return None;
                }
                app.overlay = Overlay::None;
                app.status = None;
            }
            None
        }
        Action::Input(c) => {
            typed(app, Some(c));
            None
        }
        Action::Backspace => {
            typed(app, None);
            None
        }
        Action::MoveDown => {
            move_by(app, 1);
            None
        }
        Action::MoveUp => {
            move_by(app, -1);
            None
        }
        Action::HalfPageDown => {
            move_by(app, isize::try_from(app.nav.page / 2).unwrap_or(1).max(1));
            None
        }
        Action::HalfPageUp => {
            move_by(app, -isize::try_from(app.nav.page / 2).unwrap_or(1).max(1));
            None
        }
        Action::Top => {
            move_by(app, isize::MIN);
            None
        }
        Action::Bottom => {
            move_by(app, isize::MAX);
            None
        }
        Action::Open => open(app),
        Action::Back => {
            back(app);
            None
        }
        Action::Escape => {
            escape(app);
            None
        }
        Action::ToggleMark => {
            toggle_mark(app);
            None
        }
        Action::MarkGroup => {
            if let Some(g) = app.current_group() {
                let members = g.members.clone();
                let all = members.iter().all(|&i| app.is_marked(i as usize));
                for i in members {
                    app.set_mark(i as usize, !all);
                }
            }
            None
        }
        Action::MarkAllMatching => {
            let idx = std::mem::take(&mut app.select.selection.indices);
            for &i in &idx {
                app.set_mark(i as usize, true);
            }
            app.select.selection.indices = idx;
            None
        }
        Action::InvertMarks => {
            let idx = std::mem::take(&mut app.select.selection.indices);
            for &i in &idx {
                let on = !app.is_marked(i as usize);
                app.set_mark(i as usize, on);
            }
            app.select.selection.indices = idx;
            None
        }
        Action::ClearMarks => {
            app.clear_marks();
            None
        }
        Action::NextGrouping | Action::PrevGrouping => {
            let forward = matches!(action, Action::NextGrouping);
            app.grouped.group_key = cycle_key(app.grouped.group_key, forward);
            app.nav.groups = super::Cursor::default();
            app.nav.messages = super::Cursor::default();
            app.nav.focus = if app.grouped.group_key.is_some() {
                Pane::Groups
            } else {
                Pane::Messages
            };
            app.detail = None;
            app.regroup();
            app.status = Some(info(format!(
                "grouped by {}",
                app.grouped.group_key.map_or("nothing", GroupKey::name)
            )));
            None
        }
        Action::CycleSort | Action::ReverseSort => {
            if matches!(action, Action::CycleSort) {
                app.grouped.sort_by = next_sort(app.grouped.sort_by);
            } else {
                app.grouped.sort_desc = !app.grouped.sort_desc;
            }
            let label = app.current_group().map(|g| g.label.clone());
            app.regroup();
            if let Some(label) = label
                && let Some(p) = app.grouped.position_of(&label)
            {
                app.nav.groups.pos = p;
            }
            app.status = Some(info(format!(
                "sorted by {} ({})",
                app.grouped.sort_by.name(),
                if app.grouped.sort_desc {
                    "descending"
                } else {
                    "ascending"
                }
            )));
            None
        }
        Action::ToggleBody => {
            let d = app.detail.as_mut()?;
            d.body = !d.body;
            if d.body && d.file.as_ref().is_none_or(|f| f.body.is_none()) {
                d.loading = true;
                return Some(Effect::Read {
                    id: d.key.queue_id.clone(),
                    body: true,
                });
            }
            None
        }
    }
}

fn info(text: String) -> Status {
    Status { text, error: false }
}

fn error(text: String) -> Status {
    Status { text, error: true }
}

fn request_load(app: &mut App) -> Option<Effect> {
    app.listing.request().then_some(Effect::Load)
}

/// A listing still running handed over what it has so far. Shown only while no complete
/// listing is on screen (the first one, or the first after a switch or a failure): a
/// refresh never replaces complete numbers with partial ones.
fn partial(app: &mut App, snap: Arc<Snapshot>) {
    if !app.listing.loading() || app.listing.shown == Shown::Complete {
        return;
    }
    app.listing.progress(snap.len(), true);
    app.receive_snapshot(snap);
    app.listing.partial_prepare = Some(app.listing.prepare_gen);
    if !app.listing.preparing {
        // Installed at once (small, or not grouped): it is what is on screen now.
        app.listing.shown = Shown::Partial;
    }
}

fn loaded(app: &mut App, r: Result<Arc<Snapshot>, LoadError>) -> Option<Effect> {
    let again = app.listing.finish();
    match r {
        Ok(snap) => {
            app.listing.error = None;
            app.receive_snapshot(snap);
            if app.status.as_ref().is_some_and(|s| s.error) {
                app.status = None;
            }
        }
        Err(e) if e.not_installed && !app.listing.loaded_once() && !app.demo => {
            app.demo = true;
            app.source = "demo".to_owned();
            app.demo_note = Some(format!(
                "{} — showing the built-in demo queue instead",
                sanitize(&e.message)
            ));
            app.listing.fetch = Fetch::Running { listed: 0, again };
            return Some(Effect::FallbackToDemo);
        }
        Err(e) => {
            let stale = if app.listing.loaded_once() {
                " (showing the previous listing; retried at every refresh)"
            } else {
                ""
            };
            app.status = Some(error(format!(
                "listing failed: {}{stale}",
                crate::model::text::one_line(&e.message)
            )));
            app.listing.error = Some(e);
        }
    }
    if again {
        app.listing.start();
        return Some(Effect::Load);
    }
    None
}

fn applied(app: &mut App, r: Result<Box<Outcome>, String>) -> Option<Effect> {
    app.applying = false;
    app.overlay = Overlay::Popup(match r {
        Ok(out) => {
            let mut lines = vec![
                format!("done: {}", out.done.len()),
                format!("no longer in queue: {}", out.gone.len()),
            ];
            for (n, what) in [
                (out.already.len(), crate::ops::already_label(out.op)),
                (out.changed.len(), "changed since you chose (not touched)"),
                (out.failed.len(), "failed"),
                (out.skipped.len(), "skipped (interrupted)"),
            ] {
                if n > 0 {
                    lines.push(format!("{what}: {n}"));
                }
            }
            lines.extend(
                out.failed
                    .iter()
                    .take(3)
                    .map(|(id, why)| format!("  {id}: {}", sanitize(why))),
            );
            lines.extend(out.summary.iter().map(|s| sanitize(s).into_owned()));
            lines.extend(
                out.errors
                    .iter()
                    .take(5)
                    .map(|s| format!("error: {}", sanitize(s))),
            );
            if out.errors.len() > 5 {
                lines.push(format!("… and {} more errors", out.errors.len() - 5));
            }
            match &out.audit {
                Ok(p) => lines.push(format!("audit: {}", sanitize(&p.display().to_string()))),
                Err(e) => lines.push(format!("audit: {}", sanitize(e))),
            }
            app.clear_marks();
            Popup {
                title: if out.complete() {
                    "Done".to_owned()
                } else if out.interrupted {
                    "Interrupted".to_owned()
                } else {
                    "Done, with problems".to_owned()
                },
                lines,
                busy: false,
            }
        }
        Err(e) => Popup {
            title: "Failed".to_owned(),
            lines: vec![sanitize(&e).into_owned()],
            busy: false,
        },
    });
    request_load(app)
}

fn read_done(app: &mut App, r: Result<ReadReport, String>) -> Option<Effect> {
    let d = app.detail.as_mut()?;
    d.loading = false;
    match r {
        Ok(mut rep) => {
            if let Some(pos) = rep.files.iter().position(|f| f.queue_id == d.key.queue_id) {
                d.file = Some(rep.files.swap_remove(pos));
                d.error = None;
            } else if rep.vanished.contains(&d.key.queue_id) {
                d.error = Some("the message is no longer in the queue".to_owned());
            } else if let Some(e) = rep.errors.first() {
                d.error = Some(sanitize(e).into_owned());
            }
        }
        Err(e) => d.error = Some(sanitize(&e).into_owned()),
    }
    None
}

fn open_confirm(app: &mut App, op: QueueOp) -> Option<Effect> {
    if let Some(reason) = &app.read_only {
        app.status = Some(error(format!("read-only: {reason}")));
        return None;
    }
    if app.applying {
        app.status = Some(error("an operation is still running".to_owned()));
        return None;
    }
    let (indices, scope) = app.targets();
    if indices.is_empty() {
        // With `login-new:` the view may be empty only because the log is not read yet.
        let why = super::login_facts::note(app).map_or_else(String::new, |n| format!(" ({n})"));
        app.status = Some(error(format!("nothing to {op}: the view is empty{why}")));
        return None;
    }
    app.overlay = Overlay::Confirm(app.pending(op, &indices, scope));
    None
}

fn confirm(app: &mut App, enter: bool) -> Option<Effect> {
    if matches!(app.overlay, Overlay::AskFlush(_)) {
        return super::deliver::confirmed(app, enter);
    }
    let Overlay::Confirm(p) = &mut app.overlay else {
        return None;
    };
    if app.read_only.is_some() {
        // Second guard: the dialog cannot open in read-only mode, and cannot confirm either.
        app.overlay = Overlay::None;
        return None;
    }
    let n = p.messages();
    if enter && n != 1 {
        app.status = Some(error(format!(
            "Enter confirms single messages only: press y to {} {n} messages",
            p.request.op
        )));
        return None;
    }
    if p.preview.needs_typed_confirmation && p.typed != n.to_string() {
        app.status = Some(error(format!("type {n} and press y to confirm")));
        return None;
    }
    let request = p.request.clone();
    let op = request.op;
    app.applying = true;
    app.status = None;
    app.overlay = Overlay::Popup(Popup {
        title: format!("{}…", capitalize(op.verb())),
        lines: vec![format!("{} {} message{}", op.verb(), n, plural(n))],
        busy: true,
    });
    Some(Effect::Apply(Box::new(request)))
}

fn cancel(app: &mut App) -> Option<Effect> {
    match &app.overlay {
        Overlay::Filter(input) => {
            let before = input.before.clone();
            app.select.filter = Filter::parse(&before).unwrap_or_default();
            app.reselect();
            app.overlay = Overlay::None;
        }
        // A running action stops between batches and then reports exactly what it did.
        Overlay::Popup(p) if p.busy => {
            app.status = Some(info("stopping after the current batch…".to_owned()));
            return Some(Effect::Interrupt);
        }
        _ => app.overlay = Overlay::None,
    }
    None
}

fn typed(app: &mut App, c: Option<char>) {
    match &mut app.overlay {
        Overlay::Filter(input) => {
            match c {
                Some(c) => input.text.push(c),
                None => {
                    input.text.pop();
                }
            }
            match Filter::parse(&input.text) {
                Ok(f) => {
                    input.error = None;
                    app.select.filter = f;
                    app.nav.groups = super::Cursor::default();
                    app.nav.messages = super::Cursor::default();
                    app.reselect();
                    if let Overlay::Filter(input) = &mut app.overlay {
                        input.matches = app.select.selection.indices.len();
                    }
                }
                Err(e) => input.error = Some(e.to_string()),
            }
        }
        Overlay::Confirm(p) => match c {
            Some(c) if c.is_ascii_digit() && p.typed.len() < 12 => p.typed.push(c),
            Some(_) => {}
            None => {
                p.typed.pop();
            }
        },
        _ => {}
    }
}

fn move_by(app: &mut App, delta: isize) {
    if let Overlay::Text(t) = &mut app.overlay {
        t.scroll = t
            .scroll
            .saturating_add_signed(delta)
            .min(t.text.lines().count().saturating_sub(1));
        return;
    }
    if app.sources.view.is_some() {
        sources::move_cursor(app, delta);
        return;
    }
    if let Some(view) = &mut app.shape {
        shape::move_cursor(view, delta);
        return;
    }
    if let Some(view) = &mut app.storm {
        storm::move_cursor(view, delta);
        return;
    }
    let step = |pos: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        pos.saturating_add_signed(delta).min(len - 1)
    };
    match app.nav.focus {
        Pane::Groups => {
            let len = app.grouped.grouping.groups.len();
            let new = step(app.nav.groups.pos, len);
            if new != app.nav.groups.pos {
                app.nav.groups.pos = new;
                app.nav.messages = super::Cursor::default();
            }
        }
        Pane::Messages => {
            let len = app.message_rows().len();
            app.nav.messages.pos = step(app.nav.messages.pos, len);
        }
        Pane::Detail => {
            if let Some(d) = &mut app.detail {
                d.scroll = d.scroll.saturating_add_signed(delta).min(10_000);
            }
        }
    }
}

fn open(app: &mut App) -> Option<Effect> {
    match app.nav.focus {
        Pane::Groups => {
            if app.current_group().is_some() {
                app.nav.focus = Pane::Messages;
            }
            None
        }
        Pane::Messages => {
            let i = app.cursor_message()?;
            let m = app.snapshot.messages.get(i)?;
            let id = m.queue_id.clone();
            app.detail = Some(Detail {
                key: m.key(),
                file: None,
                body: false,
                loading: true,
                error: None,
                scroll: 0,
            });
            app.nav.focus = Pane::Detail;
            Some(Effect::Read { id, body: false })
        }
        Pane::Detail => None,
    }
}

fn back(app: &mut App) {
    if app.shape.take().is_some() || app.storm.take().is_some() {
        return;
    }
    match app.nav.focus {
        Pane::Detail => {
            app.detail = None;
            app.nav.focus = Pane::Messages;
        }
        Pane::Messages if app.grouped.group_key.is_some() => app.nav.focus = Pane::Groups,
        _ => {}
    }
}

fn escape(app: &mut App) {
    if app.shape.is_some() || app.storm.is_some() || app.nav.focus == Pane::Detail {
        back(app);
    } else if !app.select.filter.is_empty() {
        app.select.filter = Filter::default();
        app.reselect();
        app.status = Some(info("filter cleared".to_owned()));
    } else if app.select.mark_count > 0 {
        app.clear_marks();
    } else {
        back(app);
    }
}

fn toggle_mark(app: &mut App) {
    match app.nav.focus {
        Pane::Groups => {
            update(app, Action::MarkGroup);
        }
        Pane::Messages => {
            if let Some(i) = app.cursor_message() {
                let on = !app.is_marked(i);
                app.set_mark(i, on);
                move_by(app, 1);
            }
        }
        Pane::Detail => {
            if let Some(i) = app.detail_index() {
                let on = !app.is_marked(i);
                app.set_mark(i, on);
            }
        }
    }
}

/// Reason → sender → … → login-new → no grouping → reason.
fn cycle_key(key: Option<GroupKey>, forward: bool) -> Option<GroupKey> {
    let all = GroupKey::ALL;
    let pos = key.and_then(|k| all.iter().position(|a| *a == k));
    // `None` (no grouping) sits after the last key and before the first.
    let slots = all.len() + 1;
    let cur = pos.unwrap_or(all.len());
    let next = if forward {
        (cur + 1) % slots
    } else {
        (cur + slots - 1) % slots
    };
    all.get(next).copied()
}

fn next_sort(s: SortBy) -> SortBy {
    let i = SortBy::ALL.iter().position(|x| *x == s).unwrap_or(0);
    SortBy::ALL[(i + 1) % SortBy::ALL.len()]
}
