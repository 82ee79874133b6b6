//! `update()` tests for what admins reach for next (issue #18): a listing that fails (the
//! error is kept for the panes with what to do, the status line stays one line, the next
//! refresh tries again) and the expire key.

use super::testing::{app_on, snapshot_of, storm_queue};
use super::*;
use crate::postfix::{PostfixError, QueueOp};

fn down() -> LoadError {
    LoadError::from(&PostfixError::MailSystemDown(
        "Queue report unavailable - mail system is down\nsecond line".to_owned(),
    ))
}

#[test]
fn a_failed_first_listing_says_why_and_what_to_do_and_is_retried() {
    let mut app = App::new(Options::default());
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    assert_eq!(update(&mut app, Action::Loaded(Err(down()))), None);
    assert!(!app.listing.loading() && !app.listing.loaded_once());
    let e = app.listing.error.as_ref().expect("kept for the panes");
    assert!(e.hint.contains("start Postfix"), "{}", e.hint);
    let status = app.status.as_ref().expect("status");
    assert!(status.error);
    assert!(
        !status.text.contains('\n') && !status.text.contains("\\n"),
        "{}",
        status.text
    );
    assert!(status.text.contains("mail system is down · second line"));
    // The refresh tick lists again; success clears the error and the status.
    assert_eq!(update(&mut app, Action::Refresh), Some(Effect::Load));
    let q = storm_queue();
    update(&mut app, Action::Loaded(Ok(snapshot_of(&q))));
    assert!(app.listing.error.is_none() && app.status.is_none() && app.listing.loaded_once());
}

#[test]
fn a_failed_refresh_keeps_the_listing_and_says_it_is_stale() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Refresh);
    update(&mut app, Action::Loaded(Err(down())));
    assert_eq!(app.snapshot.len(), 39);
    let status = app.status.as_ref().expect("status");
    assert!(status.text.contains("previous listing"), "{}", status.text);
}

#[test]
fn every_error_has_a_hint() {
    for e in [
        PostfixError::NotFound("postqueue".into()),
        PostfixError::PermissionDenied {
            program: "postqueue".into(),
            detail: "x".into(),
        },
        PostfixError::Exit {
            program: "postqueue".into(),
            code: 1,
            stderr: "postqueue: fatal: open /etc/postfix-x/main.cf: No such file".into(),
        },
    ] {
        let l = LoadError::from(&e);
        assert!(l.hint.len() > 20, "{e}: {}", l.hint);
    }
    assert!(
        LoadError::from(&PostfixError::NotFound("postqueue".into()))
            .hint
            .contains("--demo")
    );
}

#[test]
fn expire_asks_first_and_releases_held_mail_so_it_can_return() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    // A deferred NDR under the cursor: plain -e, with the NDR warning.
    update(&mut app, Action::Open);
    update(&mut app, Action::Expire);
    let Overlay::Confirm(p) = &app.overlay else {
        panic!("no confirm dialog")
    };
    assert_eq!(p.request.op, QueueOp::Expire);
    assert!(
        p.preview.warnings.iter().any(|w| w.contains("discards")),
        "{:?}",
        p.preview.warnings
    );
    update(&mut app, Action::Cancel);
    // Everything marked, the held message included: -f.
    update(&mut app, Action::MarkAllMatching);
    update(&mut app, Action::Expire);
    let Overlay::Confirm(p) = &app.overlay else {
        panic!("no confirm dialog")
    };
    assert_eq!(p.request.op, QueueOp::ExpireRelease);
    let fx = update(&mut app, Action::Confirm);
    assert!(matches!(fx, Some(Effect::Apply(ref r)) if r.op == QueueOp::ExpireRelease));
}

#[test]
fn read_only_has_no_expire() {
    let q = storm_queue();
    let mut app = app_on(&q, Some("test"));
    update(&mut app, Action::Expire);
    assert!(matches!(app.overlay, Overlay::None));
    assert!(
        app.keymap
            .action(Mode::Groups, keymap::Key::ch('E'))
            .is_none()
    );
}

#[test]
fn deliver_now_asks_then_runs_one_effect_and_reports() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    // A whole group of 16 is within the bound; the dialog lists them.
    update(&mut app, Action::DeliverNow);
    let Overlay::AskFlush(ask) = &app.overlay else {
        panic!("no dialog: {:?}", app.status)
    };
    assert_eq!(ask.keys.len(), 16);
    assert_eq!(app.mode(), Mode::Confirm);
    // Enter confirms single messages only.
    assert_eq!(update(&mut app, Action::ConfirmSingle), None);
    let fx = update(&mut app, Action::Confirm);
    let Some(Effect::Flush { keys, what, .. }) = fx else {
        panic!("{fx:?}")
    };
    assert_eq!(keys.len(), 16);
    assert!(matches!(what, crate::postfix::Flush::Messages(ref ids) if ids.len() == 16));
    assert!(app.applying);
    // The outcome comes back (as the event loop would run it against the replay queue).
    let out = crate::ops::flush::deliver_now(&q, &keys, "", None).expect("deliver");
    let fx = update(&mut app, Action::Flushed(Ok(Box::new(out))));
    assert_eq!(fx, Some(Effect::Load));
    let Overlay::Popup(p) = &app.overlay else {
        panic!("no report")
    };
    assert!(
        p.lines[0].starts_with("deliver now 16: 0 left the queue, 16 still queued"),
        "{:?}",
        p.lines
    );
    assert!(!app.applying);
}

#[test]
fn deliver_now_refuses_above_the_bound_and_flush_warns_in_a_storm() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::MarkAllMatching);
    update(&mut app, Action::DeliverNow);
    assert!(matches!(app.overlay, Overlay::None));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.error && s.text.contains("limited to 20"))
    );
    update(&mut app, Action::Flush);
    let Overlay::AskFlush(ask) = &app.overlay else {
        panic!("no flush dialog")
    };
    assert!(ask.keys.is_empty());
    assert_eq!(ask.what, crate::postfix::Flush::All);
    update(&mut app, Action::Cancel);
    assert!(matches!(app.overlay, Overlay::None));
    // Bound in the one key table, as Shift-letters (they make Postfix act)…
    assert!(matches!(
        app.keymap.action(Mode::Groups, keymap::Key::ch('N')),
        Some(Action::DeliverNow)
    ));
    assert!(matches!(
        app.keymap.action(Mode::Messages, keymap::Key::ch('F')),
        Some(Action::Flush)
    ));
    // …and in read-only mode neither key is bound, and the actions refuse.
    let mut ro = app_on(&q, Some("test"));
    assert!(
        ro.keymap
            .action(Mode::Groups, keymap::Key::ch('N'))
            .is_none()
    );
    assert!(
        ro.keymap
            .action(Mode::Groups, keymap::Key::ch('F'))
            .is_none()
    );
    update(&mut ro, Action::Flush);
    assert!(matches!(ro.overlay, Overlay::None));
}
