//! `update()` tests for a listing that fails: the error is kept for the panes with what to
//! do, the status line stays one line, and the next refresh tries again.

use super::testing::{app_on, snapshot_of, storm_queue};
use super::*;
use crate::postfix::PostfixError;

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
    assert!(!app.loading && !app.loaded_once);
    let e = app.load_error.as_ref().expect("kept for the panes");
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
    assert!(app.load_error.is_none() && app.status.is_none() && app.loaded_once);
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
