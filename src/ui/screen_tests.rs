//! Screen snapshots on `TestBackend` with a fixed `now`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::app::testing::{NOW, app_on, ndr_file, storm_queue};
use crate::app::{Action, App, Look, Options, update};
use crate::model::Snapshot;
use crate::postfix::{MailQueue, ReadParts};

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app, NOW)).unwrap();
    t
}

fn storm() -> App {
    app_on(&storm_queue(), None)
}

#[test]
fn empty_queue() {
    let mut app = App::new(crate::app::testing::options(None));
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let snap = Snapshot {
        taken_at: NOW,
        ..Snapshot::default()
    };
    update(&mut app, Action::Loaded(Ok(std::sync::Arc::new(snap))));
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

#[test]
fn storm_grouped_by_reason_80x24() {
    insta::assert_snapshot!(render(&mut storm(), 80, 24).backend());
}

#[test]
fn storm_side_by_side_160x30() {
    let mut app = storm();
    update(&mut app, Action::Open);
    insta::assert_snapshot!(render(&mut app, 160, 30).backend());
}

#[test]
fn storm_40x12() {
    insta::assert_snapshot!(render(&mut storm(), 40, 12).backend());
}

#[test]
fn active_filter() {
    let mut app = storm();
    update(&mut app, Action::OpenFilter);
    for c in "mailer".chars() {
        update(&mut app, Action::Input(c));
    }
    insta::assert_snapshot!(render(&mut app, 100, 30).backend());
}

#[test]
fn marks_and_confirm_dialog() {
    let mut app = storm();
    update(&mut app, Action::Open);
    for _ in 0..3 {
        update(&mut app, Action::ToggleMark);
    }
    update(&mut app, Action::Hold);
    insta::assert_snapshot!(render(&mut app, 100, 30).backend());
}

#[test]
fn read_only() {
    let mut app = app_on(
        &storm_queue(),
        Some("not root: postsuper needs the superuser"),
    );
    insta::assert_snapshot!(render(&mut app, 100, 30).backend());
}

#[test]
fn help_overlay() {
    let mut app = storm();
    update(&mut app, Action::ToggleHelp);
    insta::assert_snapshot!(render(&mut app, 100, 52).backend());
}

#[test]
fn detail_of_an_ndr() {
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    update(&mut app, Action::Open);
    let id = ndr_file().queue_id;
    assert_eq!(
        app.detail.as_ref().map(|d| d.key.queue_id.clone()),
        Some(id.clone())
    );
    let rep = q.read(&[id], ReadParts { body: true }).unwrap();
    update(&mut app, Action::ReadDone(Ok(rep)));
    if let Some(d) = app.detail.as_mut() {
        d.body = true;
    }
    let t = render(&mut app, 100, 30);
    let screen = t.backend().to_string();
    assert!(screen.contains("sasl_username"));
    assert!(
        screen.contains("\\e]52"),
        "escape sequences are shown escaped"
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn monochrome_ascii_has_no_colour_and_no_box_drawing() {
    let mut app = App::new(Options {
        look: Look {
            color: false,
            ascii: true,
        },
        ..crate::app::testing::options(None)
    });
    app.now = NOW;
    update(&mut app, Action::Refresh);
    update(
        &mut app,
        Action::Loaded(Ok(crate::app::testing::snapshot_of(&storm_queue()))),
    );
    let t = render(&mut app, 80, 24);
    let buf = t.backend().buffer();
    for cell in &buf.content {
        assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| ('\u{2500}'..='\u{259f}').contains(&c)),
            "{cell:?}"
        );
    }
    insta::assert_snapshot!(t.backend());
}

#[test]
fn hostile_strings_never_reach_the_buffer_raw() {
    let mut app = storm();
    update(&mut app, Action::NextGrouping); // sender
    let t = render(&mut app, 120, 40);
    for cell in &t.backend().buffer().content {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(crate::model::text::is_unsafe_char),
            "{cell:?}"
        );
    }
    assert!(t.backend().to_string().contains("evil\\e["));
}

#[test]
fn every_screen_survives_every_small_size() {
    let q = storm_queue();
    let setups: Vec<Vec<Action>> = vec![
        vec![],
        vec![Action::Open],
        vec![Action::Open, Action::Open],
        vec![Action::ToggleHelp],
        vec![Action::OpenFilter, Action::Input('x')],
        vec![Action::MarkAllMatching, Action::Delete],
        vec![Action::Applied(Err(
            "postsuper: permission denied".to_owned()
        ))],
        vec![Action::NextGrouping; 9],
    ];
    for setup in setups {
        let mut app = app_on(&q, None);
        for a in setup.clone() {
            update(&mut app, a);
        }
        for w in 1..=42 {
            for h in 1..=13 {
                render(&mut app, w, h);
            }
        }
    }
}

#[test]
fn storm_screen_on_the_indexed_demo_120x34() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    update(&mut app, Action::ToggleStorm);
    insta::assert_snapshot!(render(&mut app, 120, 34).backend());
}

#[test]
fn storm_screen_80x24_with_an_account_selected() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    update(&mut app, Action::ToggleStorm);
    let n = app.storm.as_ref().unwrap().report.campaigns.len();
    for _ in 0..n {
        update(&mut app, Action::MoveDown);
    }
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

#[test]
fn countermeasures_text_is_plain_for_copying() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    update(&mut app, Action::ToggleStorm);
    update(&mut app, Action::ShowCountermeasures);
    let t = render(&mut app, 100, 24);
    let screen = format!("{:?}", t.backend());
    // No box drawing around or inside the text: selecting it copies exactly the lines.
    assert!(!screen.contains('│') && !screen.contains('┌'), "{screen}");
    insta::assert_snapshot!(t.backend());
}
