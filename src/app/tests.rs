//! `update()` tests: an App fed Actions, no terminal, no runtime.

use std::sync::Arc;

use super::testing::{NOW, app_on, snapshot_of, storm_queue};
use super::*;
use crate::model::QueueName;
use crate::postfix::MailQueue;

fn run(app: &mut App, actions: impl IntoIterator<Item = Action>) -> Vec<Effect> {
    actions.into_iter().filter_map(|a| update(app, a)).collect()
}

fn type_filter(app: &mut App, text: &str) {
    update(app, Action::OpenFilter);
    for c in text.chars() {
        update(app, Action::Input(c));
    }
}

#[test]
fn loads_and_groups_the_storm_by_reason_largest_first() {
    let q = storm_queue();
    let app = app_on(&q, None);
    assert_eq!(app.snapshot.len(), 39);
    assert_eq!(app.grouped.group_key, Some(GroupKey::Reason));
    let g = &app.grouped.grouping.groups[0];
    assert!(g.label.contains("Connection timed out"));
    assert_eq!(g.messages, 16);
    assert!(
        app.grouped
            .grouping
            .groups
            .windows(2)
            .all(|w| w[0].messages >= w[1].messages)
    );
    assert_eq!(app.nav.focus, Pane::Groups);
    assert_eq!(app.message_rows().len(), 16);
}

#[test]
fn at_most_one_listing_in_flight() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    assert_eq!(update(&mut app, Action::Refresh), None);
    assert_eq!(update(&mut app, Action::Refresh), None);
    assert!(app.listing.refresh_pending());
    // The pending refresh starts exactly one more listing when the first one lands.
    let fx = update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    assert_eq!(fx, Some(Effect::Load));
    assert!(!app.listing.refresh_pending());
    // No further listing: only the content indexing for the installed one starts.
    assert!(matches!(
        update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))),
        Some(Effect::Index(_))
    ));
    assert!(!app.listing.loading());
}

#[test]
fn drill_in_and_back_reads_the_queue_file() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    assert_eq!(update(&mut app, Action::Open), None);
    assert_eq!(app.nav.focus, Pane::Messages);
    update(&mut app, Action::MoveDown);
    let i = app.cursor_message().unwrap();
    let id = app.snapshot.messages[i].queue_id.clone();
    assert_eq!(
        update(&mut app, Action::Open),
        Some(Effect::Read {
            id: id.clone(),
            body: false
        })
    );
    assert_eq!(app.mode(), Mode::Detail);
    update(&mut app, Action::Back);
    assert_eq!(app.nav.focus, Pane::Messages);
    assert!(app.detail.is_none());
    update(&mut app, Action::Escape);
    assert_eq!(app.nav.focus, Pane::Groups);
}

#[test]
fn filter_counts_live_and_escape_restores_the_previous_filter() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    type_filter(&mut app, "alice");
    let Overlay::Filter(input) = &app.overlay else {
        panic!("filter input should be open")
    };
    assert_eq!(input.matches, 1);
    assert_eq!(app.select.selection.indices.len(), 1);
    update(&mut app, Action::Cancel);
    assert!(matches!(app.overlay, Overlay::None));
    assert!(app.select.filter.is_empty());
    assert_eq!(app.select.selection.indices.len(), 39);
    type_filter(&mut app, "mailer");
    update(&mut app, Action::ApplyFilter);
    assert_eq!(app.select.filter.text(), "mailer");
    assert_eq!(app.select.selection.indices.len(), 36);
    // Esc clears an active filter before anything else.
    update(&mut app, Action::Escape);
    assert!(app.select.filter.is_empty());
}

#[test]
fn filter_count_follows_a_listing_that_lands_while_typing() {
    let q = storm_queue();
    let mut app = App::new(super::testing::options(None));
    app.now = NOW;
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    // The admin types before the first listing is in: nothing matches yet.
    type_filter(&mut app, "mailer");
    let Overlay::Filter(input) = &app.overlay else {
        panic!("filter input should be open")
    };
    assert_eq!(input.matches, 0);
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    let Overlay::Filter(input) = &app.overlay else {
        panic!("filter input should stay open")
    };
    assert_eq!(input.matches, 36, "the live count follows the new listing");
    assert_eq!(app.select.selection.indices.len(), 36);
}

#[test]
fn marking_group_all_invert_and_clear() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::MarkGroup);
    assert_eq!(app.select.mark_count, 16);
    update(&mut app, Action::MarkGroup);
    assert_eq!(
        app.select.mark_count, 0,
        "marking a fully marked group unmarks it"
    );
    update(&mut app, Action::Open);
    update(&mut app, Action::ToggleMark);
    assert_eq!(app.select.mark_count, 1);
    assert_eq!(app.nav.messages.pos, 1, "space marks and moves down");
    update(&mut app, Action::InvertMarks);
    assert_eq!(app.select.mark_count, 38);
    update(&mut app, Action::MarkAllMatching);
    assert_eq!(app.select.mark_count, 39);
    update(&mut app, Action::ClearMarks);
    assert_eq!(app.select.mark_count, 0);
}

#[test]
fn hold_asks_first_and_confirm_applies_exactly_the_marked_messages() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    run(&mut app, [Action::ToggleMark, Action::ToggleMark]);
    let want: Vec<_> = app.message_rows()[..2]
        .iter()
        .map(|&i| app.snapshot.messages[i as usize].queue_id.clone())
        .collect();
    assert_eq!(
        update(&mut app, Action::Hold),
        None,
        "H only opens the dialog"
    );
    let Overlay::Confirm(p) = &app.overlay else {
        panic!("confirm dialog should be open")
    };
    assert_eq!(p.messages(), 2);
    assert_eq!(p.preview.recipients, 2);
    assert_eq!(p.preview.queues, vec![(QueueName::Deferred, 2)]);
    assert!(!p.preview.needs_typed_confirmation);
    assert_eq!(
        update(&mut app, Action::ConfirmSingle),
        None,
        "Enter does not confirm two messages"
    );
    let Some(Effect::Apply(req)) = update(&mut app, Action::Confirm) else {
        panic!("y should confirm")
    };
    assert_eq!(req.op, QueueOp::Hold);
    let got: Vec<_> = req
        .selection
        .iter()
        .map(|s| s.key.queue_id.clone())
        .collect();
    assert_eq!(got, want);
    assert!(app.applying);
    // Esc on the progress popup interrupts instead of hiding a running action.
    assert_eq!(update(&mut app, Action::Cancel), Some(Effect::Interrupt));
    // The result comes back: popup, marks cleared, and a refresh.
    let exec = crate::ops::ExecOptions {
        audit_log: None,
        ..crate::ops::ExecOptions::default()
    };
    let out = crate::ops::execute(
        &q,
        &req,
        &exec,
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(
        update(&mut app, Action::Applied(Ok(Box::new(out)))),
        Some(Effect::Load)
    );
    let Overlay::Popup(p) = &app.overlay else {
        panic!("result popup")
    };
    assert_eq!(p.lines[0], "done: 2");
    assert_eq!(app.select.mark_count, 0);
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    assert_eq!(app.snapshot.count(&QueueName::Hold).messages, 3);
}

#[test]
fn single_message_confirms_with_enter() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    update(&mut app, Action::Delete);
    let fx = update(&mut app, Action::ConfirmSingle);
    assert!(
        matches!(fx, Some(Effect::Apply(ref r)) if r.selection.len() == 1 && r.op == QueueOp::Delete)
    );
}

#[test]
fn whole_queue_needs_the_count_typed() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::MarkAllMatching);
    update(&mut app, Action::Delete);
    assert_eq!(update(&mut app, Action::Confirm), None);
    let Overlay::Confirm(p) = &app.overlay else {
        panic!()
    };
    assert!(p.preview.needs_typed_confirmation);
    assert!(p.preview.warnings.iter().any(|w| w.contains("ENTIRE")));
    for c in "39".chars() {
        update(&mut app, Action::Input(c));
    }
    assert!(matches!(
        update(&mut app, Action::Confirm),
        Some(Effect::Apply(ref r)) if r.selection.len() == 39 && r.entire_queue
    ));
}

#[test]
fn confirm_dialog_counts_partial_matches() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    // Select alice's message by its sender, then mark it via the filter.
    type_filter(&mut app, "alice");
    update(&mut app, Action::ApplyFilter);
    update(&mut app, Action::MarkAllMatching);
    update(&mut app, Action::Requeue);
    let Overlay::Confirm(p) = &app.overlay else {
        panic!()
    };
    assert_eq!(p.messages(), 1);
    assert_eq!(p.preview.recipients, 2);
    assert_eq!(p.request.filter, "alice");
    assert_eq!(p.preview.sample[0].0.as_str(), "4B2F41C0A8");
}

#[test]
fn read_only_can_never_produce_apply() {
    let q = storm_queue();
    let mut app = app_on(&q, Some("not root"));
    assert!(app.keymap.bindings().iter().all(|b| !b.mutates));
    let mut all: Vec<Action> = vec![Action::MarkAllMatching];
    for b in Keymap::default().bindings() {
        all.push(b.action.clone());
    }
    for c in "39y".chars() {
        all.push(Action::Input(c));
    }
    for _ in 0..3 {
        for a in all.clone() {
            if matches!(a, Action::Quit) {
                continue;
            }
            let fx = update(&mut app, a.clone());
            assert!(
                !matches!(fx, Some(Effect::Apply(_))),
                "{a:?} produced an apply in read-only mode"
            );
            assert!(!matches!(app.overlay, Overlay::Confirm(_)));
        }
        for a in [
            Action::Hold,
            Action::Delete,
            Action::Release,
            Action::Requeue,
            Action::Confirm,
            Action::ConfirmSingle,
        ] {
            assert!(!matches!(update(&mut app, a), Some(Effect::Apply(_))));
        }
    }
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("read-only"))
    );
}

#[test]
fn refresh_keeps_cursor_and_marks_on_the_same_messages_and_reports_growth() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::MoveDown); // second group
    let label = app.current_group().unwrap().label.clone();
    update(&mut app, Action::Open);
    run(
        &mut app,
        [Action::MoveDown, Action::MoveDown, Action::ToggleMark],
    );
    let cursor_key = app.snapshot.messages[app.cursor_message().unwrap()].key();
    let marked: Vec<_> = (0..app.snapshot.len())
        .filter(|&i| app.is_marked(i))
        .map(|i| app.snapshot.messages[i].key())
        .collect();
    // The queue changes: the first message disappears and two new NDRs arrive, in a new order.
    let mut snap = (*snapshot_of(&q)).clone();
    let gone = snap.messages.remove(0);
    let mut new1 = gone.clone();
    new1.queue_id = crate::model::QueueId::new("NEW0000001");
    let mut new2 = new1.clone();
    new2.queue_id = crate::model::QueueId::new("NEW0000002");
    snap.messages.insert(0, new1);
    snap.messages.push(new2);
    snap.messages.reverse();
    let snap = Snapshot::new(snap.messages, Vec::new(), 0, NOW + 10, snap.took);
    update(&mut app, Action::Refresh);
    update(&mut app, Action::Loaded(Ok(Arc::new(snap))));
    assert_eq!(app.current_group().unwrap().label, label);
    assert_eq!(
        app.snapshot.messages[app.cursor_message().unwrap()].key(),
        cursor_key
    );
    let now_marked: Vec<_> = (0..app.snapshot.len())
        .filter(|&i| app.is_marked(i))
        .map(|i| app.snapshot.messages[i].key())
        .collect();
    assert_eq!(now_marked, marked);
    let timed_out = app
        .grouped
        .diff
        .iter()
        .find(|(l, _)| l.contains("timed out"))
        .map(|(_, d)| *d)
        .unwrap();
    assert_eq!(timed_out.gone, 1, "{:?}", gone.queue_id);
    assert_eq!(timed_out.added, 2);
}

#[test]
fn grouping_cycles_through_every_key_and_none() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    let mut seen = vec![app.grouped.group_key];
    for _ in 0..GroupKey::ALL.len() {
        update(&mut app, Action::NextGrouping);
        seen.push(app.grouped.group_key);
    }
    assert_eq!(seen.last(), Some(&None));
    assert_eq!(app.nav.focus, Pane::Messages);
    assert_eq!(app.message_rows().len(), 39);
    update(&mut app, Action::NextGrouping);
    assert_eq!(app.grouped.group_key, Some(GroupKey::Reason));
    update(&mut app, Action::PrevGrouping);
    assert_eq!(app.grouped.group_key, None);
}

#[test]
fn missing_postfix_falls_back_to_the_demo_once() {
    let mut app = App::new(Options::default());
    update(&mut app, Action::Refresh);
    let err = LoadError {
        message: "postqueue not found".to_owned(),
        not_installed: true,
        hint: String::new(),
    };
    assert_eq!(
        update(&mut app, Action::Loaded(Err(err.clone()))),
        Some(Effect::FallbackToDemo)
    );
    assert!(app.demo && app.demo_note.is_some() && app.listing.loading());
    // If even that fails, it is an error line, not a loop.
    assert_eq!(update(&mut app, Action::Loaded(Err(err))), None);
    assert!(app.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn failed_apply_shows_a_popup_and_refreshes() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    let fx = update(
        &mut app,
        Action::Applied(Err("postsuper: permission denied".to_owned())),
    );
    assert_eq!(fx, Some(Effect::Load));
    assert!(matches!(&app.overlay, Overlay::Popup(p) if p.title == "Failed"));
}

#[test]
fn detail_body_is_read_on_request() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    let Some(Effect::Read { id, body }) = update(&mut app, Action::Open) else {
        panic!()
    };
    assert!(!body);
    let rep = q
        .read(
            std::slice::from_ref(&id),
            crate::postfix::ReadParts { body },
        )
        .unwrap();
    update(&mut app, Action::ReadDone(Ok(rep)));
    let d = app.detail.as_ref().unwrap();
    assert!(d.file.as_ref().is_some_and(|f| f.body.is_none()));
    assert_eq!(
        update(&mut app, Action::ToggleBody),
        Some(Effect::Read { id, body: true })
    );
}

#[test]
fn half_page_moves_by_the_drawn_page() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    app.nav.page = 10;
    update(&mut app, Action::HalfPageDown);
    assert_eq!(app.nav.messages.pos, 5);
    update(&mut app, Action::Bottom);
    assert_eq!(app.nav.messages.pos, 15);
    update(&mut app, Action::Top);
    assert_eq!(app.nav.messages.pos, 0);
}

#[test]
fn big_selections_regroup_in_the_background_and_stale_results_are_dropped() {
    let spec = crate::synth::StormSpec::new(ASYNC_REGROUP_AT + 500);
    let mut buf = Vec::new();
    crate::synth::write_jsonl(&spec, &mut buf).unwrap();
    let snap = crate::postfix::parse::parse_stream(buf.as_slice(), "MAILER-DAEMON").unwrap();
    let mut app = App::new(Options::default());
    app.now = spec.now;
    update(&mut app, Action::Refresh);
    let snap = Arc::new(snap);
    // A large listing is selected and grouped on a worker, then installed in one piece.
    let stale = regroup_job(update(&mut app, Action::Loaded(Ok(snap.clone()))))
        .expect("prepared in the background");
    assert!(app.listing.preparing && !app.listing.loaded_once());
    update(&mut app, Action::Refresh);
    let fresh =
        regroup_job(update(&mut app, Action::Loaded(Ok(snap.clone())))).expect("second listing");
    update(&mut app, Action::Regrouped(Box::new(stale.run())));
    assert!(
        !app.listing.loaded_once(),
        "an older listing's preparation is dropped"
    );
    update(&mut app, Action::Regrouped(Box::new(fresh.run())));
    assert!(app.listing.loaded_once() && !app.listing.preparing);
    assert!(Arc::ptr_eq(&app.snapshot, &snap));
    assert_eq!(app.select.selection.indices.len(), snap.len());
    assert!(!app.grouped.grouping.groups.is_empty());
    let before = app.grouped.grouping.groups.len();
    let first = regroup_job(update(&mut app, Action::NextGrouping))
        .expect("regroup runs in the background");
    assert!(app.grouped.regrouping);
    assert_eq!(
        app.grouped.grouping.groups.len(),
        before,
        "old grouping stays meanwhile"
    );
    let second = regroup_job(update(&mut app, Action::NextGrouping)).expect("second job");
    update(&mut app, Action::Regrouped(Box::new(first.run())));
    assert!(app.grouped.regrouping, "a superseded result is dropped");
    let want = second.key;
    update(&mut app, Action::Regrouped(Box::new(second.run())));
    assert!(!app.grouped.regrouping);
    assert_eq!(app.grouped.group_key, Some(want));
    let direct =
        crate::model::group::group(&app.snapshot, &app.select.selection.indices, want, app.now);
    assert_eq!(app.grouped.grouping.groups.len(), direct.groups.len());
}

/// A listing streaming in shows how far it got; the finished listing clears it.
#[test]
fn listing_progress_shows_while_loading_only() {
    let q = storm_queue();
    let mut app = App::new(super::testing::options(None));
    app.now = NOW;
    update(&mut app, Action::Listing(5_000));
    assert_eq!(app.listing.listed_so_far(), 0, "no listing runs");
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    update(&mut app, Action::Listing(10_000));
    assert_eq!(app.listing.listed_so_far(), 10_000);
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    assert_eq!(app.listing.listed_so_far(), 0);
}

/// The first part of a streaming listing: the first `n` messages of the storm queue.
fn first_part(q: &dyn MailQueue, n: usize) -> Arc<Snapshot> {
    let full = snapshot_of(q);
    Arc::new(Snapshot::new(
        full.messages[..n].to_vec(),
        Vec::new(),
        0,
        full.taken_at,
        full.took,
    ))
}

fn loading_app() -> App {
    let mut app = App::new(super::testing::options(None));
    app.now = NOW;
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    assert!(app.wants_partials());
    app
}

/// The first listing streams in: partial listings fill the panes, then the complete one
/// replaces them, keeping cursor and marks on the same messages and reporting no "new".
#[test]
fn partial_listings_fill_in_then_the_complete_one_replaces_them() {
    let q = storm_queue();
    let full = snapshot_of(&q);
    let mut app = loading_app();
    update(&mut app, Action::Partial(first_part(&q, 10)));
    assert!(app.listing.shows_partial() && app.listing.loaded_once() && app.listing.loading());
    assert_eq!(app.snapshot.len(), 10);
    assert!(
        !app.grouped.grouping.groups.is_empty(),
        "groups appear at once"
    );
    assert_eq!(
        app.listing.listed_so_far(),
        10,
        "the header says how far it got"
    );
    update(&mut app, Action::Partial(first_part(&q, 20)));
    assert_eq!(app.snapshot.len(), 20);
    // Navigation and marks work on the partial listing.
    update(&mut app, Action::Open);
    update(&mut app, Action::MoveDown);
    update(&mut app, Action::ToggleMark);
    let cursor = app.cursor_message().map(|i| app.snapshot.messages[i].key());
    assert!(cursor.is_some());
    let marked = app.marked_keys().collect::<Vec<_>>();
    assert_eq!(marked.len(), 1);
    let group = app.current_group().map(|g| g.label.clone());
    update(&mut app, Action::Loaded(Ok(full.clone())));
    assert!(!app.listing.shows_partial() && !app.listing.loading() && !app.wants_partials());
    assert_eq!(
        app.snapshot.len(),
        full.len(),
        "the final numbers replace the partial ones"
    );
    assert_eq!(app.listing.listed_so_far(), 0);
    assert_eq!(
        app.cursor_message().map(|i| app.snapshot.messages[i].key()),
        cursor,
        "the cursor stays on its message"
    );
    assert_eq!(app.current_group().map(|g| g.label.clone()), group);
    assert_eq!(app.select.mark_count, 1, "marks survive");
    let still = app.marked_keys().collect::<Vec<_>>();
    assert_eq!(still, marked);
    assert!(
        app.grouped.diff.is_empty(),
        "what the partial had not reached is not \"new\""
    );
    // Complete numbers are never replaced by partial ones again.
    update(&mut app, Action::Refresh);
    update(&mut app, Action::Partial(first_part(&q, 5)));
    assert_eq!(app.snapshot.len(), full.len());
    assert!(!app.listing.shows_partial());
}

/// Bulk actions act only on a complete, verified view: while the listing is partial,
/// queue-changing keys are refused with a clear status; reading keys still work.
#[test]
fn queue_changing_keys_wait_for_the_complete_listing() {
    let q = storm_queue();
    let mut app = loading_app();
    update(&mut app, Action::Partial(first_part(&q, 20)));
    for a in [
        Action::Delete,
        Action::Hold,
        Action::Release,
        Action::Requeue,
        Action::Expire,
        Action::DeliverNow,
        Action::Flush,
    ] {
        app.status = None;
        let name = format!("{a:?}");
        assert_eq!(update(&mut app, a), None, "{name}");
        assert!(
            matches!(app.overlay, Overlay::None),
            "{name} opened a dialog"
        );
        let s = app.status.as_ref().expect("a status says why");
        assert!(
            s.error && s.text.contains("still being listed"),
            "{name}: {}",
            s.text
        );
    }
    // Grouping and filtering work meanwhile.
    let before = app.grouped.group_key;
    update(&mut app, Action::NextGrouping);
    assert_ne!(app.grouped.group_key, before);
    type_filter(&mut app, "mailer");
    update(&mut app, Action::ApplyFilter);
    assert!(!app.select.filter.is_empty());
    // Once complete, the same key opens the confirmation.
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    assert!(
        app.status.is_none(),
        "the refusal is cleared with the complete listing"
    );
    update(&mut app, Action::Hold);
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
}

/// A large partial listing is grouped on a worker like any other: until it is installed,
/// nothing partial is on screen; once installed, it is known to be partial.
#[test]
fn a_partial_listing_prepared_on_a_worker_is_known_partial_when_installed() {
    let spec = crate::synth::StormSpec::new(ASYNC_REGROUP_AT + 500);
    let mut buf = Vec::new();
    crate::synth::write_jsonl(&spec, &mut buf).unwrap();
    let full =
        Arc::new(crate::postfix::parse::parse_stream(buf.as_slice(), "MAILER-DAEMON").unwrap());
    let part = Arc::new(Snapshot::new(
        full.messages[..ASYNC_REGROUP_AT + 100].to_vec(),
        Vec::new(),
        0,
        full.taken_at,
        full.took,
    ));
    let mut app = App::new(Options::default());
    app.now = spec.now;
    update(&mut app, Action::Refresh);
    let job = regroup_job(update(&mut app, Action::Partial(part.clone()))).expect("prepared");
    assert!(app.listing.preparing && !app.listing.loaded_once() && !app.listing.shows_partial());
    update(&mut app, Action::Regrouped(Box::new(job.run())));
    assert!(app.listing.shows_partial() && Arc::ptr_eq(&app.snapshot, &part));
    assert!(!app.grouped.grouping.groups.is_empty());
    assert!(update(&mut app, Action::Hold).is_none() && app.status.is_some());
    // The complete listing: still partial on screen until its preparation is installed.
    let job = regroup_job(update(&mut app, Action::Loaded(Ok(full.clone())))).expect("final");
    assert!(
        app.listing.shows_partial(),
        "the partial one is still what is on screen"
    );
    update(&mut app, Action::Regrouped(Box::new(job.run())));
    assert!(!app.listing.shows_partial() && Arc::ptr_eq(&app.snapshot, &full));
    assert!(
        app.grouped.diff.is_empty(),
        "nothing is \"new\" against a partial listing"
    );
}

mod storm_and_indexing {
    use super::super::testing::{demo_queue, indexed_demo};
    use super::*;
    use crate::indexer::{BatchDone, JobFailure};
    use crate::model::content::ContentIndex;

    fn job_of(fx: Option<Effect>) -> Box<crate::indexer::Job> {
        match fx {
            Some(Effect::Index(j)) => j,
            other => panic!("expected an indexing effect, got {other:?}"),
        }
    }

    fn batch(generation: u64, contents: ContentIndex, finished: bool) -> BatchDone {
        BatchDone {
            generation,
            done: contents.len(),
            total: 100,
            contents,
            finished,
            failure: None,
        }
    }

    /// A fresh app that has just installed `q`'s listing, and the indexing job it asked for.
    fn listed(q: &crate::postfix::replay::ReplayQueue) -> (App, crate::indexer::Job) {
        let mut app = App::new(super::super::testing::options(None));
        app.now = NOW;
        update(&mut app, Action::Refresh);
        let job = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(q)))));
        (app, *job)
    }

    /// Every batch `job` reports.
    fn run_all(
        q: &crate::postfix::replay::ReplayQueue,
        job: crate::indexer::Job,
    ) -> Vec<BatchDone> {
        let mut got = Vec::new();
        crate::indexer::run_job(
            q,
            job,
            &std::sync::atomic::AtomicBool::new(false),
            &mut |b| got.push(b),
        );
        got
    }

    #[test]
    fn indexed_batches_merge_and_content_keys_group_without_unknowns() {
        let (mut app, _q) = indexed_demo();
        assert_eq!(app.content.len(), app.snapshot.len());
        assert!(!app.indexing.running);
        assert_eq!(app.indexing.done, app.indexing.total);
        app.grouped.group_key = Some(GroupKey::Campaign);
        app.regroup();
        let top = &app.grouped.grouping.groups[0];
        assert!(top.label.contains("viagra & cialis"), "{}", top.label);
        // 725 NDRs carrying it, plus the outbound spam itself.
        assert_eq!(top.messages, 888);
        assert!(
            !app.grouped
                .grouping
                .groups
                .iter()
                .any(|g| &*g.label == "(unknown)")
        );
        // A content filter matches in the TUI now.
        type_filter(&mut app, "sasl:=partner@example.test");
        assert_eq!(app.select.selection.indices.len(), 318);
    }

    #[test]
    fn a_refresh_reads_only_new_messages_and_regroups_at_most_once_a_second() {
        let (mut app, q) = indexed_demo();
        update(&mut app, Action::Refresh);
        let job = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))));
        // Everything is cached: the new job plans nothing.
        let mut got = Vec::new();
        crate::indexer::run_job(
            &q,
            *job,
            &std::sync::atomic::AtomicBool::new(false),
            &mut |b| {
                got.push(b);
            },
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].total, 0);

        // Throttle: with contents arriving at the same second, only the first batch and
        // the last one regroup.
        let q = demo_queue();
        let mut app = App::new(super::super::testing::options(None));
        app.now = NOW;
        app.grouped.group_key = Some(GroupKey::Campaign);
        update(&mut app, Action::Refresh);
        let job = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))));
        let mut job = *job;
        job.batch = 100;
        let mut batches = Vec::new();
        crate::indexer::run_job(
            &q,
            job,
            &std::sync::atomic::AtomicBool::new(false),
            &mut |b| {
                batches.push(b);
            },
        );
        assert!(batches.len() > 3);
        let last = batches.pop().unwrap();
        let mut gens = Vec::new();
        for b in batches {
            update(&mut app, Action::Indexed(Box::new(b)));
            gens.push(app.grouped.group_gen);
            assert!(app.indexing.running);
        }
        assert!(gens.windows(2).skip(1).all(|w| w[0] == w[1]), "{gens:?}");
        assert!(app.indexing.stale);
        let canada = |app: &App| {
            app.grouped
                .grouping
                .groups
                .iter()
                .find(|g| g.label.contains("viagra & cialis"))
                .map_or(0, |g| g.messages)
        };
        assert!(
            canada(&app) < 888,
            "the throttled batches are not grouped yet"
        );
        update(&mut app, Action::Indexed(Box::new(last)));
        assert!(!app.indexing.running && !app.indexing.stale);
        assert_eq!(canada(&app), 888);
    }

    #[test]
    fn batches_of_a_superseded_job_are_ignored() {
        let q = demo_queue();
        let mut app = App::new(super::super::testing::options(None));
        app.now = NOW;
        update(&mut app, Action::Refresh);
        let old = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))));
        update(&mut app, Action::Refresh);
        let new = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))));
        assert!(new.generation > old.generation);
        let mut contents = ContentIndex::new();
        let m = &app.snapshot.messages[0];
        contents.insert(m.key(), crate::model::content::Content::default());
        update(
            &mut app,
            Action::Indexed(Box::new(batch(old.generation, contents, true))),
        );
        assert!(app.content.is_empty());
        assert!(app.indexing.running, "the new job is still the one running");
        assert_eq!(app.indexing.done, 0);
    }

    #[test]
    fn not_root_is_said_once_and_indexing_is_not_retried() {
        let q = demo_queue();
        let mut app = App::new(super::super::testing::options(None));
        app.now = NOW;
        update(&mut app, Action::Refresh);
        let job = job_of(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))));
        let mut b = batch(job.generation, ContentIndex::new(), true);
        b.failure = Some(JobFailure::NeedsRoot(
            "postcat: permission denied".to_owned(),
        ));
        update(&mut app, Action::Indexed(Box::new(b)));
        let status = app.status.clone().unwrap();
        assert!(status.error && status.text.contains("contents need root"));
        app.status = None;
        for _ in 0..3 {
            assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
            assert_eq!(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))), None);
        }
        assert_eq!(app.status, None, "no error storm on later refreshes");
        assert!(!app.indexing.running);
    }

    /// O(n) indexing: a batch is merged at its own cost. While a grouping worker holds the
    /// index (as `RegroupJob::content` does), batches wait instead of copying the whole
    /// index each time; the one copy allowed is when the job finishes with the index still
    /// shared.
    #[test]
    fn batches_never_copy_the_index_while_a_worker_reads_it() {
        let q = demo_queue();
        let (mut app, mut job) = listed(&q);
        job.batch = 50;
        let mut batches = run_all(&q, job);
        assert!(batches.len() > 20, "{} batches", batches.len());
        let last = batches.pop().unwrap();
        let worker = app.content.clone();
        for (i, b) in batches.into_iter().enumerate() {
            // A new second each batch: every batch would regroup if it could.
            app.now += 1;
            update(&mut app, Action::Indexed(Box::new(b)));
            assert_eq!(app.indexing.copies, 0, "batch {i} copied the index");
        }
        assert!(app.content.is_empty(), "nothing merged under a reader");
        update(&mut app, Action::Indexed(Box::new(last.clone())));
        assert_eq!(app.indexing.copies, 1, "one copy when the job ends shared");
        assert_eq!(app.content.len(), app.snapshot.len());
        assert!(
            worker.is_empty(),
            "the worker's view never changed under it"
        );
        drop(worker);

        // Unshared: batches merge in place, no copy at all.
        let (mut app, mut job) = listed(&q);
        job.batch = 50;
        let batches = run_all(&q, job);
        assert!(batches.len() > 20);
        for b in batches {
            app.now += 1;
            update(&mut app, Action::Indexed(Box::new(b)));
        }
        assert_eq!(app.indexing.copies, 0);
        assert_eq!(app.content.len(), app.snapshot.len());
        assert!(app.indexing.pending.is_empty());
    }

    /// A `--from-file` capture has no queue files: the job says so once and reads nothing,
    /// and later listings start no job.
    #[test]
    fn a_capture_is_not_indexed_and_says_so_once() {
        let q = crate::postfix::replay::ReplayQueue::from_file(
            &super::super::testing::fixture_path(),
            "MAILER-DAEMON",
        )
        .unwrap();
        let (mut app, job) = listed(&q);
        let mut got = run_all(&q, job);
        assert_eq!(got.len(), 1);
        assert!(got[0].finished && got[0].total == 0 && got[0].contents.is_empty());
        assert_eq!(q.id_map_builds(), 0, "no queue file was looked up");
        update(&mut app, Action::Indexed(Box::new(got.remove(0))));
        let status = app.status.clone().unwrap();
        assert!(
            status.text.contains("no message contents"),
            "{}",
            status.text
        );
        app.status = None;
        for _ in 0..2 {
            assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
            assert_eq!(update(&mut app, Action::Loaded(Ok(snapshot_of(&q)))), None);
        }
        assert_eq!(app.status, None);
        assert!(!app.indexing.running);
    }

    #[test]
    fn storm_screen_hands_a_campaign_to_the_bulk_actions() {
        let (mut app, _q) = indexed_demo();
        update(&mut app, Action::ToggleStorm);
        assert_eq!(app.mode(), Mode::Storm);
        let view = app.storm.as_ref().unwrap();
        assert!(
            view.report.verdict.contains("viagra & cialis"),
            "{}",
            view.report.verdict
        );
        let n = view.report.campaigns[0].messages;
        update(&mut app, Action::FilterToCause);
        assert!(app.storm.is_none());
        assert_eq!(app.mode(), Mode::Groups);
        assert_eq!(
            app.select.filter.text(),
            "campaign:=\"subject \\\"your order ##: viagra & cialis -#% today only\\\"\""
        );
        // The campaign's NDRs and the queued spam itself: exactly what its row counts.
        assert_eq!(n, 888);
        assert_eq!(app.select.selection.indices.len(), 888);
        assert_eq!(app.select.mark_count, 888);
        assert!(
            app.select
                .selection
                .indices
                .iter()
                .all(|&i| app.is_marked(i as usize))
        );
        update(&mut app, Action::Hold);
        let Overlay::Confirm(p) = &app.overlay else {
            panic!("hold must ask first");
        };
        assert_eq!(p.messages(), 888);
        assert_eq!(
            p.preview.partial, 0,
            "the campaign filter is judged with contents"
        );
    }

    #[test]
    fn storm_screen_hands_an_account_over_and_shows_and_writes_countermeasures() {
        let (mut app, _q) = indexed_demo();
        update(&mut app, Action::ToggleStorm);
        let campaigns = app.storm.as_ref().unwrap().report.campaigns.len();
        for _ in 0..campaigns {
            update(&mut app, Action::MoveDown);
        }
        update(&mut app, Action::ShowCountermeasures);
        let Overlay::Text(t) = &app.overlay else {
            panic!("countermeasures popup expected");
        };
        assert!(t.text.contains("partner@example.test"));
        assert!(t.text.contains("check_sasl_access"));
        assert_eq!(app.mode(), Mode::Text);
        update(&mut app, Action::MoveDown);
        let Overlay::Text(t) = &app.overlay else {
            panic!()
        };
        assert_eq!(t.scroll, 1);
        let text = t.text.clone();
        let fx = update(&mut app, Action::WriteCountermeasures);
        assert_eq!(
            fx,
            Some(Effect::Write {
                file_name: "mailq-tui-countermeasures-20270115-080000.txt".to_owned(),
                text,
            })
        );
        update(&mut app, Action::Written(Ok("/tmp/x.txt".to_owned())));
        assert!(app.status.as_ref().unwrap().text.contains("/tmp/x.txt"));
        update(&mut app, Action::Cancel);
        assert_eq!(app.mode(), Mode::Storm);
        update(&mut app, Action::FilterToCause);
        assert_eq!(app.select.filter.text(), "sasl:=partner@example.test");
        assert_eq!(app.select.mark_count, 318);
    }

    #[test]
    fn storm_screen_closes_with_escape_and_read_only_never_applies() {
        let (mut app, _q) = indexed_demo();
        app.read_only = Some("test".to_owned());
        update(&mut app, Action::ToggleStorm);
        update(&mut app, Action::Escape);
        assert!(app.storm.is_none());
        update(&mut app, Action::ToggleStorm);
        update(&mut app, Action::FilterToCause);
        assert!(app.status.as_ref().unwrap().text.contains("read-only"));
        assert_eq!(update(&mut app, Action::Hold), None);
        assert!(matches!(app.overlay, Overlay::None));
    }
}
