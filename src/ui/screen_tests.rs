//! Screen snapshots on `TestBackend` with a fixed `now`.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::render as draw_frame;
use crate::app::testing::{NOW, app_on, ndr_file, storm_queue};
use crate::app::{Action, App, Look, Options, update};
use crate::model::Snapshot;
use crate::postfix::{MailQueue, ReadParts};

/// Draw one frame and hand what it showed back to `update()`, as the event loop does.
fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut shown = None;
    t.draw(|f| shown = Some(draw_frame(f, app, NOW))).unwrap();
    if let Some(v) = shown {
        update(app, Action::Viewport(v));
    }
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

/// The first listing streaming in: partial groups and counts, "listing N…" in the header,
/// and a refused queue-changing key says why.
#[test]
fn partial_listing_while_the_first_listing_streams_in() {
    let full = crate::app::testing::snapshot_of(&storm_queue());
    let part = Snapshot::new(
        full.messages[..20].to_vec(),
        Vec::new(),
        0,
        full.taken_at,
        full.took,
    );
    let mut app = App::new(crate::app::testing::options(None));
    app.now = NOW;
    update(&mut app, Action::Refresh);
    update(&mut app, Action::Partial(std::sync::Arc::new(part)));
    update(&mut app, Action::Listing(20));
    update(&mut app, Action::Delete);
    insta::assert_snapshot!(render(&mut app, 100, 24).backend());
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
    crate::app::testing::open_storm_with_rules(&mut app);
    insta::assert_snapshot!(render(&mut app, 120, 34).backend());
}

#[test]
fn storm_screen_80x24_with_an_account_selected() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    crate::app::testing::open_storm_with_rules(&mut app);
    let n = app.storm.as_ref().unwrap().report.campaigns.len();
    for _ in 0..n {
        update(&mut app, Action::MoveDown);
    }
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

#[test]
fn storm_screen_while_the_rules_are_checked_100x30() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    update(&mut app, Action::ToggleStorm);
    let t = render(&mut app, 100, 30);
    assert!(format!("{:?}", t.backend()).contains("checking"));
}

#[test]
fn countermeasures_text_is_plain_for_copying() {
    let (mut app, _q) = crate::app::testing::indexed_demo();
    crate::app::testing::open_storm_with_rules(&mut app);
    update(&mut app, Action::ShowCountermeasures);
    let t = render(&mut app, 100, 24);
    let screen = format!("{:?}", t.backend());
    // No box drawing around or inside the text: selecting it copies exactly the lines.
    assert!(!screen.contains('│') && !screen.contains('┌'), "{screen}");
    insta::assert_snapshot!(t.backend());
}

/// A row as a probe would report it: `total` messages, `ndrs` of them bounces, listed
/// `ago` seconds before [`NOW`].
fn fleet_row(
    name: &str,
    deferred: usize,
    ndrs: usize,
    hold: usize,
    ago: i64,
) -> crate::model::fleet::FleetRow {
    crate::model::fleet::FleetRow {
        name: name.to_owned(),
        instance: format!("{name}: postfix"),
        up: true,
        total: deferred + hold,
        maildrop: 0,
        incoming: 0,
        active: 0,
        deferred,
        hold,
        ndrs,
        storm: ndrs >= 100,
        growth: Some(i64::try_from(ndrs / 10).unwrap()),
        error: None,
        taken_at: Some(NOW - ago),
        took_ms: 40,
    }
}

#[test]
fn fleet_overview_with_one_host_down() {
    use crate::app::SourceEntry;
    use crate::model::fleet::FleetRow;
    use crate::model::source::Source;
    use crate::postfix::ssh::SshHost;
    let host = |n: &str| Source::Remote(SshHost::new(n));
    let mut app = App::new(Options {
        sources: vec![host("mx1"), host("mx2"), host("mx3")],
        fleet_overview: true,
        ..crate::app::testing::options(None)
    });
    app.source = "fleet overview".to_owned();
    app.now = NOW;
    let up = fleet_row("ssh mx1", 4_210, 3_900, 12, 5);
    // mx2 was up a minute ago, then its sshd went away: last counts kept, marked down.
    let before = fleet_row("ssh mx2", 80, 2, 0, 65);
    let down = FleetRow::down(
        "ssh mx2",
        "ssh: connect to host mx2 port 22: Connection refused\u{1b}[2J",
        std::time::Duration::from_secs(3),
        Some(&before),
    );
    let mut quiet = fleet_row("ssh mx3", 3, 0, 1, 5);
    quiet.growth = Some(0);
    app.sources.entries = vec![
        SourceEntry {
            row: Some(up),
            ..SourceEntry::new(host("mx1"))
        },
        SourceEntry {
            row: Some(down),
            ..SourceEntry::new(host("mx2"))
        },
        SourceEntry {
            row: Some(quiet),
            ..SourceEntry::new(host("mx3"))
        },
    ];
    update(&mut app, Action::MoveDown);
    insta::assert_snapshot!(render(&mut app, 140, 14).backend());
}

#[test]
fn listing_failed_says_why_and_what_to_do() {
    let mut app = App::new(crate::app::testing::options(None));
    app.now = NOW;
    update(&mut app, Action::Refresh);
    let e = crate::postfix::PostfixError::MailSystemDown(
        "Queue report unavailable - mail system is down".to_owned(),
    );
    update(
        &mut app,
        Action::Loaded(Err(crate::app::LoadError::from(&e))),
    );
    insta::assert_snapshot!(render(&mut app, 80, 24).backend());
}

/// A crafted listing (or a compromised `--host`) names a queue with escape sequences: the
/// messages table, the detail pane and the confirm dialog show it escaped.
#[test]
fn hostile_queue_names_are_escaped_in_messages_detail_and_confirm() {
    use crate::model::QueueName;
    use crate::postfix::replay::ReplayQueue;
    let mut messages = storm_queue().list().unwrap().messages;
    for m in &mut messages {
        m.queue = QueueName::Other("\u{1b}]0;pwned\u{7}\u{9b}2J".into());
    }
    let q = ReplayQueue::new("hostile", messages, Vec::new(), false);
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open); // the group's messages
    let mut screens = vec![render(&mut app, 160, 30)];
    update(&mut app, Action::Open); // the message's detail
    screens.push(render(&mut app, 160, 30));
    update(&mut app, Action::Back);
    update(&mut app, Action::ToggleMark);
    update(&mut app, Action::Hold);
    screens.push(render(&mut app, 160, 30));
    for t in &screens {
        for cell in &t.backend().buffer().content {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(crate::model::text::is_unsafe_char),
                "{cell:?}"
            );
        }
    }
    assert!(
        screens[0].backend().to_string().contains("\\e]0;pw"),
        "{}",
        screens[0].backend()
    );
}

/// Scroll offsets live in the App, kept by `update()` from what each frame showed: moving
/// up inside a scrolled window does not scroll, and half-page jumps use the page the last
/// frame measured.
#[test]
fn scrolling_is_kept_between_frames() {
    let mut app = storm();
    update(&mut app, Action::Open);
    render(&mut app, 100, 24);
    let page = app.nav.page;
    let len = app.message_rows().len();
    assert!(
        page > 2 && len > page + 1 + page / 2,
        "page {page}, {len} rows"
    );
    for _ in 0..page + 3 {
        update(&mut app, Action::MoveDown);
        render(&mut app, 100, 24);
    }
    assert_eq!(app.nav.messages.pos, page + 3);
    assert_eq!(app.nav.messages.offset, 4);
    update(&mut app, Action::MoveUp);
    update(&mut app, Action::MoveUp);
    render(&mut app, 100, 24);
    assert_eq!(app.nav.messages.offset, 4, "no scroll inside the window");
    update(&mut app, Action::HalfPageDown);
    assert_eq!(app.nav.messages.pos, page + 1 + page / 2);
    // A smaller terminal: the next frame measures a smaller page.
    render(&mut app, 100, 16);
    assert!(app.nav.page < page);
}

#[test]
fn storm_screen_with_mail_log_evidence_120x40() {
    use crate::app::storm_log_tests::{demo_with_log, lab_facts, open_with_log};
    let mut app = demo_with_log(&["/var/log/mail.log"]);
    open_with_log(&mut app, Ok(lab_facts()));
    let t = render(&mut app, 120, 40);
    let text = format!("{:?}", t.backend());
    assert!(text.contains("carol@lab.test (PROBABLY COMPROMISED): logged in 25 times"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn storm_screen_says_why_there_is_no_mail_log_80x24() {
    use crate::app::storm_log_tests::{demo_with_log, open_with_log};
    let mut app = demo_with_log(&[]);
    open_with_log(
        &mut app,
        Err("a demo or captured queue has no mail log: name one with --log PATH".to_owned()),
    );
    let t = render(&mut app, 80, 24);
    assert!(format!("{:?}", t.backend()).contains("Mail log: a demo or captured queue"));
    insta::assert_snapshot!(t.backend());
}

#[test]
fn detail_names_the_local_submitter() {
    use crate::model::content::Content;
    use crate::model::submitter::{Users, resolve};
    let q = storm_queue();
    let mut app = app_on(&q, None);
    update(&mut app, Action::Open);
    update(&mut app, Action::Open);
    let key = app
        .detail_index()
        .and_then(|i| app.snapshot.messages.get(i))
        .map(crate::model::Message::key)
        .expect("a message in the detail view");
    let users = Users {
        names: std::collections::HashMap::from([(33, "www-data".to_owned())]),
        owner: None,
    };
    std::sync::Arc::make_mut(&mut app.content).insert(
        key,
        Content {
            submitter: resolve(&[33], &users),
            ..Content::default()
        },
    );
    let screen = render(&mut app, 100, 30).backend().to_string();
    assert!(
        screen.contains("submitter           local user www-data (uid 33)"),
        "{screen}"
    );
}

/// `login-new:` while the mail log is read and once it answered: the header and the
/// status line say where the facts stand, never a silently empty list.
#[test]
fn login_new_says_it_reads_the_mail_log_then_how_much_it_knows() {
    use crate::app::login_facts_tests::{answer, app_with_log, lab_queue, type_filter};
    let q = lab_queue();
    let mut app = app_with_log(&q, false);
    let job = type_filter(&mut app, "login-new:yes").remove(0);
    // On 80 columns the long note leaves the typed filter in view.
    let screen = render(&mut app, 80, 20).backend().to_string();
    assert!(
        screen.contains("/login-new:yes▏  0 matches · login-new: reading"),
        "{screen}"
    );
    update(&mut app, Action::ApplyFilter);
    let screen = render(&mut app, 160, 20).backend().to_string();
    assert!(screen.contains("reading the mail log…"), "{screen}");
    assert!(
        screen.contains("0 of 5 messages match filter: login-new:yes · login-new: reading the mail log for 5 listed messages…"),
        "{screen}"
    );
    answer(&mut app, &job);
    let screen = render(&mut app, 160, 20).backend().to_string();
    assert!(!screen.contains("reading the mail log"), "{screen}");
    assert!(
        screen.contains("3 of 5 messages match filter: login-new:yes · login-new: the mail log names the SASL login of 4 of 5 listed messages"),
        "{screen}"
    );
}
