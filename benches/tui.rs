//! update() + draw on a `TestBackend` at 100k and 1M messages: moving the cursor, typing a
//! filter character, regrouping. Prints the median and p90 of each; targets are a median
//! ≤ 16 ms at 100k and ≤ 100 ms at 1M.
//!
//! `cargo bench --bench tui` (add `-- 100000` to run one size only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use mailq_tui::app::{Action, App, Effect, Options, regroup_job, update};
use mailq_tui::postfix::parse::parse_stream;
use mailq_tui::synth::{StormSpec, write_jsonl};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app_with(n: usize) -> App {
    let spec = StormSpec::new(n);
    let mut buf = Vec::new();
    write_jsonl(&spec, &mut buf).expect("generate");
    let snap = parse_stream(buf.as_slice(), "MAILER-DAEMON").expect("parse");
    let mut app = App::new(Options::default());
    app.now = spec.now;
    update(&mut app, Action::Refresh);
    let fx = update(&mut app, Action::Loaded(Ok(Arc::new(snap))));
    // Large listings are prepared on a worker; here the bench plays the worker.
    if let Some(job) = regroup_job(fx) {
        let _ = update(&mut app, Action::Regrouped(Box::new(job.run())));
    }
    app
}

/// One frame as the event loop draws it: draw, then hand what it showed back to update().
fn frame(term: &mut Terminal<TestBackend>, app: &mut App, now: i64) {
    let mut shown = None;
    term.draw(|f| shown = Some(mailq_tui::ui::render(f, app, now)))
        .expect("draw");
    if let Some(v) = shown {
        update(app, Action::Viewport(v));
    }
}

fn time(
    label: &str,
    n: usize,
    iters: usize,
    app: &mut App,
    term: &mut Terminal<TestBackend>,
    mut step: impl FnMut(&mut App, usize) -> Vec<Action>,
    mut after: impl FnMut(&mut App, Vec<Effect>),
) -> Duration {
    let now = app.now;
    let mut samples = Vec::with_capacity(iters);
    for i in 0..iters {
        let actions = step(app, i);
        let t = Instant::now();
        let mut effects = Vec::new();
        for a in actions {
            effects.extend(update(app, a));
        }
        frame(term, app, now);
        samples.push(t.elapsed());
        after(app, effects);
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    let p90 = samples[samples.len() * 9 / 10];
    println!(
        "{label:<28} n={n:>9}  median {:>9.3} ms  p90 {:>9.3} ms  ({iters} runs)",
        median.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    );
    median
}

fn report(label: &str, n: usize, samples: &mut Vec<Duration>) {
    if samples.is_empty() {
        println!("{label:<28} n={n:>9}  (ran on the UI thread: below the background threshold)");
        return;
    }
    samples.sort();
    println!(
        "{label:<28} n={n:>9}  median {:>9.3} ms  p90 {:>9.3} ms  ({} runs)",
        samples[samples.len() / 2].as_secs_f64() * 1e3,
        samples[samples.len() * 9 / 10].as_secs_f64() * 1e3,
        samples.len()
    );
    samples.clear();
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    for n in sizes {
        let t = Instant::now();
        let mut app = app_with(n);
        println!(
            "-- {n} messages loaded in {:.2} s ({} groups by reason)",
            t.elapsed().as_secs_f64(),
            app.grouped.grouping.groups.len()
        );
        // Where a filter keystroke goes: the model's select and group, then the app's part.
        {
            let f = mailq_tui::model::Filter::parse("e").expect("filter");
            let t = Instant::now();
            let sel = mailq_tui::model::filter::select(&app.snapshot, &f, app.now);
            let t_sel = t.elapsed();
            let t = Instant::now();
            let g = mailq_tui::model::group::group(
                &app.snapshot,
                &sel.indices,
                mailq_tui::model::GroupKey::Reason,
                app.now,
            );
            let t_group = t.elapsed();
            let t = Instant::now();
            app.regroup();
            let t_regroup = t.elapsed();
            println!(
                "   breakdown: select {:.1} ms ({} match), group {:.1} ms ({} groups), app.regroup (queues the job) {:.1} ms",
                t_sel.as_secs_f64() * 1e3,
                sel.indices.len(),
                t_group.as_secs_f64() * 1e3,
                g.groups.len(),
                t_regroup.as_secs_f64() * 1e3
            );
        }
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let iters = if n >= 1_000_000 { 15 } else { 41 };
        // Moving through the biggest group's messages (the virtualised pane).
        update(&mut app, Action::Open);
        time(
            "move down (messages pane)",
            n,
            iters * 5,
            &mut app,
            &mut term,
            |_, _| vec![Action::MoveDown],
            |_, _| {},
        );
        time(
            "move down (groups pane)",
            n,
            iters * 5,
            &mut app,
            &mut term,
            |app, _| {
                if app.nav.focus != mailq_tui::app::Pane::Groups {
                    vec![Action::Back, Action::MoveDown]
                } else {
                    vec![Action::MoveDown]
                }
            },
            |_, _| {},
        );
        update(&mut app, Action::Top);
        // Typing one filter character re-runs the filter (on the UI thread: the live count)
        // and starts a regroup, which runs on a worker thread above ASYNC_REGROUP_AT. The
        // worker's time is measured separately: it delays the new groups, never a keystroke.
        let mut background = Vec::new();
        let finish = |app: &mut App, background: &mut Vec<Duration>, fx: Option<Effect>| {
            if let Some(job) = regroup_job(fx) {
                let t = Instant::now();
                let done = job.run();
                background.push(t.elapsed());
                let _ = update(app, Action::Regrouped(Box::new(done)));
            }
        };
        let _ = update(&mut app, Action::OpenFilter);
        time(
            "type a filter char",
            n,
            iters,
            &mut app,
            &mut term,
            |_, _| vec![Action::Input('e')],
            |app, fx| {
                finish(app, &mut background, Some(Effect::Batch(fx)));
                let fx = update(app, Action::Backspace);
                finish(app, &mut Vec::new(), fx);
            },
        );
        report("  worker: regroup after it", n, &mut background);
        let fx = update(&mut app, Action::Cancel);
        finish(&mut app, &mut Vec::new(), fx);
        // Before Tab cycles through login-new: its facts are known by then.
        login_new(n, &mut app, &mut term);
        time(
            "regroup (Tab, every key)",
            n,
            iters,
            &mut app,
            &mut term,
            |_, _| vec![Action::NextGrouping],
            |app, fx| finish(app, &mut background, Some(Effect::Batch(fx))),
        );
        report("  worker: the regroup itself", n, &mut background);
        // An auto-refresh: the worker prepares the new listing; the UI thread installs it
        // (marks remapped by message key, +new/-gone per group) and draws.
        let mut install = Vec::new();
        let mut worker = Vec::new();
        for _ in 0..5 {
            let snap = Arc::new((*app.snapshot).clone());
            update(&mut app, Action::Refresh);
            let fx = update(&mut app, Action::Loaded(Ok(snap)));
            let Some(job) = regroup_job(fx) else {
                break;
            };
            let t = Instant::now();
            let done = job.run();
            worker.push(t.elapsed());
            let now = app.now;
            let t = Instant::now();
            let fx = update(&mut app, Action::Regrouped(Box::new(done)));
            frame(&mut term, &mut app, now);
            install.push(t.elapsed());
            // The event loop drops the previous listing on a worker (Effect::Retire).
            std::thread::spawn(move || drop(fx));
        }
        report("refresh: install + draw", n, &mut install);
        report("  worker: prepare listing", n, &mut worker);
    }
}

/// `login-new:yes` (#14): the keystroke that asks the mail log (the facts of the listing,
/// the queue IDs to ask about), the answer landing (filter and regroup with it), and a
/// refresh prepared with the facts. The log itself is read by the event loop's worker and
/// measured by `benches/maillog.rs`; here the answer names half the messages, a quarter
/// of them new.
fn login_new(n: usize, app: &mut App, term: &mut Terminal<TestBackend>) {
    use mailq_tui::app::storm_log::LogFacts;
    use mailq_tui::model::log::{LoginReport, QueuedLogin};
    // The filter is empty here (the typing bench cancelled its input).
    let _ = update(app, Action::OpenFilter);
    // The keystroke that first makes the filter parse (`login-new:y`) asks the log.
    let now = app.now;
    let mut asked = Duration::ZERO;
    let mut job = None;
    for c in "login-new:yes".chars() {
        let t = Instant::now();
        let fx = update(app, Action::Input(c));
        frame(term, app, now);
        let took = t.elapsed();
        let read = fx
            .into_iter()
            .flat_map(Effect::flatten)
            .find_map(|e| match e {
                Effect::ReadLoginFacts(job) => Some(job),
                _ => None,
            });
        if read.is_some() {
            asked = took;
            job = read;
        }
    }
    let job = job.expect("login-new: asks the mail log");
    let queued = job
        .log_job()
        .watch
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, id)| {
            (
                id.clone(),
                QueuedLogin {
                    user: format!("user{}@example.test", i % 1000),
                    address: format!("192.0.2.{}", i % 250),
                    new_address: i % 4 == 0,
                },
            )
        })
        .collect();
    let facts = LogFacts {
        report: LoginReport {
            since: None,
            input: mailq_tui::model::log::logins::InputStats::default(),
            dropped: 0,
            accounts: Vec::new(),
            addresses: Vec::new(),
            tried_users: Vec::new(),
            rejections: Vec::new(),
            queued,
        },
        read: vec!["/var/log/mail.log".to_owned()],
        warnings: Vec::new(),
        logpath: "/var/log/mail.log".to_owned(),
    };
    // The event loop's worker digests the answer; the UI thread only takes it.
    let t = Instant::now();
    let digested = job.answer(Ok(facts));
    let digest = t.elapsed();
    let t = Instant::now();
    let fx = update(app, Action::LoginFactsLoaded(Box::new(digested)));
    frame(term, app, now);
    let answered = t.elapsed();
    let t = Instant::now();
    if let Some(job) = regroup_job(fx) {
        let _ = update(app, Action::Regrouped(Box::new(job.run())));
    }
    let regrouped = t.elapsed();
    let _ = update(app, Action::ApplyFilter);
    let shown = app
        .grouped
        .grouping
        .groups
        .iter()
        .map(|g| g.members.len())
        .sum::<usize>();
    println!(
        "login-new:yes                n={n:>9}  keystroke (asks the log) {:.1} ms, worker digests the answer {:.1} ms, answer lands {:.1} ms, worker regroup {:.1} ms ({shown} group members)",
        asked.as_secs_f64() * 1e3,
        digest.as_secs_f64() * 1e3,
        answered.as_secs_f64() * 1e3,
        regrouped.as_secs_f64() * 1e3,
    );
    let (mut install, mut worker) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let snap = Arc::new((*app.snapshot).clone());
        update(app, Action::Refresh);
        let fx = update(app, Action::Loaded(Ok(snap)));
        let Some(job) = regroup_job(fx) else {
            break;
        };
        let t = Instant::now();
        let done = job.run();
        worker.push(t.elapsed());
        let t = Instant::now();
        let fx = update(app, Action::Regrouped(Box::new(done)));
        frame(term, app, now);
        install.push(t.elapsed());
        std::thread::spawn(move || drop(fx));
    }
    report("  refresh: install + draw", n, &mut install);
    report("  worker: prepare listing", n, &mut worker);
    // Back to no filter for the benches that follow.
    let fx = update(app, Action::Escape);
    if let Some(job) = regroup_job(fx) {
        let _ = update(app, Action::Regrouped(Box::new(job.run())));
    }
}
