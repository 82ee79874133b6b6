//! Terminal safety of the TUI on the demo's hostile messages: every demo message whose queue
//! file carries an ESC (colour, OSC 52, OSC 8, title changes in Subject and From display
//! name, MIME-encoded or raw) is opened in the detail view, with and without its body, on a
//! `TestBackend`; no cell may hold an ESC, C0/C1 control or bidi/invisible character. The
//! same screens are drawn at 1×1 and back at full size, which must not panic.

use std::sync::Arc;

use mailq_tui::app::{Action, App, Effect, Options, update};
use mailq_tui::model::QueueId;
use mailq_tui::model::text::is_unsafe_char;
use mailq_tui::postfix::replay::ReplayQueue;
use mailq_tui::postfix::{MailQueue, ReadParts};
use mailq_tui::ui::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn assert_clean(t: &Terminal<TestBackend>, what: &str) {
    for cell in &t.backend().buffer().content {
        assert!(
            !cell.symbol().chars().any(is_unsafe_char),
            "{what}: raw {:?} in cell {cell:?}\n{}",
            cell.symbol(),
            t.backend()
        );
    }
}

/// Run an effect the way the event loop would, feeding the result back.
fn run(app: &mut App, q: &ReplayQueue, fx: Option<Effect>) {
    match fx {
        Some(Effect::Read { id, body }) => {
            let r = q.read(&[id], ReadParts { body }).map_err(|e| e.to_string());
            let next = update(app, Action::ReadDone(r));
            run(app, q, next);
        }
        Some(Effect::Load) => {
            let snap = q.list().expect("list");
            let next = update(app, Action::Loaded(Ok(Arc::new(snap))));
            run(app, q, next);
        }
        _ => {}
    }
}

#[test]
fn the_demos_hostile_messages_render_escaped() {
    let demo = ReplayQueue::demo();
    let snap = demo.list().expect("list");
    let ids: Vec<QueueId> = snap.messages.iter().map(|m| m.queue_id.clone()).collect();
    let files = demo
        .read(&ids, ReadParts { body: true })
        .expect("read")
        .files;
    let hostile: Vec<_> = files
        .into_iter()
        .filter(|f| {
            // CSI and OSC sequences; ISO-2022-JP text also contains ESC (`ESC $ B`), legitimately.
            let raw = f.raw_message();
            raw.windows(2).any(|w| w == b"\x1b[" || w == b"\x1b]")
        })
        .collect();
    assert!(!hostile.is_empty(), "the demo has hostile messages");
    let hostile_ids: Vec<&QueueId> = hostile.iter().map(|f| &f.queue_id).collect();
    let messages: Vec<_> = snap
        .messages
        .iter()
        .filter(|m| hostile_ids.contains(&&m.queue_id))
        .cloned()
        .collect();
    let n = messages.len();
    // Only the hostile messages, so every row of every screen is one of them.
    let q = ReplayQueue::new("hostile", messages, hostile, false);
    let mut app = App::new(Options {
        source: "hostile".to_owned(),
        ..Options::default()
    });
    let now = mailq_tui::postfix::parse::unix_now();
    app.now = now;
    let fx = update(&mut app, Action::Refresh);
    run(&mut app, &q, fx);
    let mut t = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    t.draw(|f| draw(f, &app, now)).expect("draw");
    assert_clean(&t, "list");
    // Into the first group, then each message's detail, headers and then body.
    let fx = update(&mut app, Action::Open);
    run(&mut app, &q, fx);
    let mut shown_escaped = 0;
    for i in 0..n {
        let fx = update(&mut app, Action::Open);
        run(&mut app, &q, fx);
        t.draw(|f| draw(f, &app, now)).expect("draw");
        assert_clean(&t, &format!("detail {i}"));
        let fx = update(&mut app, Action::ToggleBody);
        run(&mut app, &q, fx);
        // Scroll through the body: the hostile text (in the NDR's returned original) comes
        // on screen, visibly escaped, and no frame on the way holds a raw character.
        let mut seen = false;
        for step in 0..120 {
            t.draw(|f| draw(f, &app, now)).expect("draw");
            assert_clean(&t, &format!("detail {i} body, scrolled {step}"));
            seen |= t.backend().to_string().contains("\\e]52;c;");
            update(&mut app, Action::MoveDown);
        }
        shown_escaped += usize::from(seen);
        for (w, h) in [(160, 50), (1, 1), (80, 24)] {
            t.backend_mut().resize(w, h);
            t.resize(ratatui::layout::Rect::new(0, 0, w, h))
                .expect("resize");
            t.draw(|f| draw(f, &app, now)).expect("draw");
            assert_clean(&t, &format!("detail {i} with body at {w}x{h}"));
        }
        t.backend_mut().resize(160, 50);
        t.resize(ratatui::layout::Rect::new(0, 0, 160, 50))
            .expect("resize");
        update(&mut app, Action::Back);
        update(&mut app, Action::MoveDown);
    }
    assert_eq!(shown_escaped, n, "every hostile detail shows its escapes");
}
