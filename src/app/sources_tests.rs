//! `update()` tests of the source picker, the fleet overview and switching.

use std::sync::Arc;
use std::time::Duration;

use super::testing::{NOW, app_on, options, snapshot_of, storm_queue};
use super::*;
use crate::model::fleet::FleetRow;
use crate::model::source::Source;
use crate::postfix::replay::ReplayQueue;
use crate::postfix::ssh::SshHost;

fn hosts() -> Vec<Source> {
    vec![
        Source::Remote(SshHost::new("mx1")),
        Source::Remote(SshHost::new("mx2")),
    ]
}

/// The storm, loaded, with two hosts in the picker and `read_only` as given.
fn app_with_hosts(read_only: Option<&str>, sticky: bool) -> App {
    let q = storm_queue();
    let mut app = App::new(Options {
        sources: hosts(),
        sticky_read_only: sticky,
        ..options(read_only)
    });
    app.now = NOW;
    update(&mut app, Action::Refresh);
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    app
}

fn handle(q: ReplayQueue) -> QueueHandle {
    let q: Arc<dyn crate::postfix::MailQueue> = Arc::new(q);
    QueueHandle {
        describe: q.describe(),
        read_only: q.read_only_reason(),
        queue: q,
    }
}

/// Open the picker, move to row `row`, press Enter: the Switch effect's generation.
fn choose(app: &mut App, row: usize) -> u64 {
    if app.sources_view.is_none() {
        update(app, Action::ToggleSources);
    }
    update(app, Action::Top);
    for _ in 0..row {
        update(app, Action::MoveDown);
    }
    match update(app, Action::SwitchSource) {
        Some(Effect::Switch {
            index, generation, ..
        }) => {
            assert_eq!(index, row);
            generation
        }
        other => panic!("expected a switch, got {other:?}"),
    }
}

#[test]
fn i_opens_the_picker_and_probes_every_source() {
    let mut app = app_with_hosts(None, false);
    assert_eq!(
        app.keymap
            .action(app.mode(), keymap::Key::ch('i'))
            .and_then(|a| a.name())
            .as_deref(),
        Some("toggle_sources")
    );
    let fx = update(&mut app, Action::ToggleSources);
    assert_eq!(app.mode(), Mode::Sources);
    let Some(Effect::ProbeSources {
        list_instances,
        sources,
    }) = fx
    else {
        panic!("expected a probe, got {fx:?}");
    };
    assert!(!list_instances, "a file session does not ask postmulti");
    assert_eq!(
        sources.iter().map(|(i, _, _)| *i).collect::<Vec<_>>(),
        [0, 1]
    );
    // A second refresh while both probes run starts nothing new.
    assert_eq!(update(&mut app, Action::Refresh), None);
    // Rows come back one by one; a down host is just a row.
    let down = FleetRow::down("ssh mx2", "connection refused", Duration::ZERO, None);
    update(&mut app, Action::SourceProbed(1, Box::new(down)));
    assert!(app.sources[1].row.as_ref().is_some_and(|r| !r.up));
    assert!(app.sources[0].probing, "mx1 still probing");
    // `i` again closes it.
    update(&mut app, Action::ToggleSources);
    assert_eq!(app.mode(), Mode::Groups);
}

#[test]
fn local_instances_are_listed_through_an_effect_and_added_once() {
    let mut app = App::new(Options {
        list_instances: true,
        ..options(None)
    });
    let Some(Effect::ProbeSources { list_instances, .. }) = update(&mut app, Action::ToggleSources)
    else {
        panic!("expected a probe");
    };
    assert!(list_instances);
    let inst = Source::Local {
        label: "postfix-out (/etc/postfix-out)".into(),
        config_dir: "/etc/postfix-out".into(),
    };
    let fx = update(&mut app, Action::InstancesListed(Ok(vec![inst.clone()])));
    assert!(
        matches!(&fx, Some(Effect::ProbeSources { list_instances: false, sources }) if sources.len() == 1),
        "{fx:?}"
    );
    update(&mut app, Action::InstancesListed(Ok(vec![inst])));
    assert_eq!(app.sources.len(), 1, "the same instance is not added twice");
    // postmulti is asked once per session.
    update(&mut app, Action::ToggleSources);
    let fx = update(&mut app, Action::ToggleSources);
    assert!(
        !matches!(
            fx,
            Some(Effect::ProbeSources {
                list_instances: true,
                ..
            })
        ),
        "{fx:?}"
    );
}

#[test]
fn a_successful_switch_resets_the_view_for_the_new_source() {
    let mut app = app_with_hosts(None, false);
    update(&mut app, Action::MarkGroup);
    for c in "mailer".chars() {
        update(&mut app, Action::OpenFilter);
        update(&mut app, Action::Input(c));
    }
    update(&mut app, Action::ApplyFilter);
    assert!(app.select.mark_count > 0 && !app.select.filter.is_empty());
    let generation = choose(&mut app, 1);
    assert_eq!(app.switching, Some(1));
    let fx = update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 1,
            result: Ok(handle(ReplayQueue::new(
                "ssh mx2: postfix",
                vec![],
                vec![],
                true,
            ))),
        })),
    );
    assert_eq!(fx, Some(Effect::Load));
    assert_eq!(app.source, "ssh mx2: postfix");
    assert_eq!(app.current_source, Some(1));
    assert_eq!(app.select.mark_count, 0);
    assert!(app.select.filter.is_empty());
    assert!(app.snapshot.is_empty() && !app.listing.loaded_once());
    assert!(app.sources_view.is_none());
    // A listing of the old source still on its way is dropped.
    let q = storm_queue();
    let stale = Action::Tagged(
        generation - 1,
        Box::new(Action::Loaded(Ok(snapshot_of(&q)))),
    );
    update(&mut app, stale);
    assert!(app.snapshot.is_empty() && app.listing.loading());
    let fresh = Action::Tagged(generation, Box::new(Action::Loaded(Ok(snapshot_of(&q)))));
    update(&mut app, fresh);
    assert_eq!(app.snapshot.len(), 39);
}

#[test]
fn a_failed_switch_keeps_the_old_source() {
    let mut app = app_with_hosts(None, false);
    let before = (app.source.clone(), app.snapshot.len());
    let generation = choose(&mut app, 0);
    let fx = update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 0,
            result: Err("ssh: connect to host mx1 port 22: Connection refused".into()),
        })),
    );
    assert_eq!(fx, None);
    assert_eq!((app.source.clone(), app.snapshot.len()), before);
    assert_eq!(app.current_source, None);
    assert_eq!(app.source_gen, 0);
    let status = app.status.clone().unwrap();
    assert!(
        status.error && status.text.contains("Connection refused"),
        "{status:?}"
    );
    // A late success for that abandoned request changes nothing either.
    let fx = update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 0,
            result: Ok(handle(storm_queue())),
        })),
    );
    assert_eq!(fx, None);
    assert_eq!(app.source, before.0);
}

#[test]
fn read_only_survives_a_switch_to_a_writable_source() {
    let mut app = app_with_hosts(Some("started with --read-only"), true);
    let generation = choose(&mut app, 0);
    update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 0,
            result: Ok(handle(ReplayQueue::new("mx1", vec![], vec![], true))),
        })),
    );
    assert_eq!(app.read_only.as_deref(), Some("started with --read-only"));
    assert!(app.keymap.bindings().iter().all(|b| !b.mutates));
    assert_eq!(update(&mut app, Action::Delete), None);
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn a_switched_source_brings_its_own_read_only_reason_and_keys() {
    let mut app = app_with_hosts(None, false);
    assert!(app.keymap.bindings().iter().any(|b| b.mutates));
    let generation = choose(&mut app, 0);
    update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 0,
            result: Ok(handle(ReplayQueue::new("mx1", vec![], vec![], false))),
        })),
    );
    assert_eq!(app.read_only.as_deref(), Some("mx1 is read-only"));
    assert!(app.keymap.bindings().iter().all(|b| !b.mutates));
    // …and a writable one after it gets them back.
    let generation = choose(&mut app, 1);
    update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 1,
            result: Ok(handle(ReplayQueue::new("mx2", vec![], vec![], true))),
        })),
    );
    assert_eq!(app.read_only, None);
    assert!(app.keymap.bindings().iter().any(|b| b.mutates));
}

#[test]
fn the_fleet_overview_stays_until_a_host_is_open() {
    let mut app = App::new(Options {
        sources: hosts(),
        fleet_overview: true,
        ..options(None)
    });
    assert_eq!(app.mode(), Mode::Sources);
    // The first refresh probes the hosts instead of listing the stand-in queue.
    assert!(matches!(
        update(&mut app, Action::Refresh),
        Some(Effect::ProbeSources { .. })
    ));
    update(&mut app, Action::ToggleSources);
    assert_eq!(app.mode(), Mode::Sources, "nothing to go back to");
    let generation = choose(&mut app, 0);
    update(
        &mut app,
        Action::Switched(Box::new(Switched {
            generation,
            index: 0,
            result: Ok(handle(storm_queue())),
        })),
    );
    assert_eq!(app.mode(), Mode::Groups);
    // `i` goes back to the overview, and Esc now closes it.
    update(&mut app, Action::ToggleSources);
    assert_eq!(app.mode(), Mode::Sources);
    update(&mut app, Action::ToggleSources);
    assert_eq!(app.mode(), Mode::Groups);
}

#[test]
fn no_switch_while_an_operation_runs() {
    let mut app = app_on(&storm_queue(), None);
    app.sources = hosts().into_iter().map(SourceEntry::new).collect();
    app.applying = true;
    update(&mut app, Action::ToggleSources);
    assert_eq!(update(&mut app, Action::SwitchSource), None);
    assert!(app.status.as_ref().is_some_and(|s| s.error));
    assert_eq!(app.switching, None);
}
