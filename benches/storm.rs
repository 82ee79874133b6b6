//! Storm attribution benchmark (harness = false): `cargo bench --bench storm`.
//!
//! For generated storms of other shapes (`tests/common/shapes.rs`) of 2,000, 20,000 and
//! (unless `MAILQ_BENCH_MAX` is lower) 60,000 NDRs, prints the median of 5 runs of
//! - `analyze` (the whole storm report: clustering, submitters, verdict), which the TUI
//!   runs at most once a second while contents arrive;
//! - `ContentView::campaigns` alone (what a `campaign:` filter or grouping costs once per
//!   view);
//!
//! next to a plain `postqueue -j` parse of the same listing, as the yardstick.

#[path = "../tests/common/shapes.rs"]
mod shapes;
#[path = "../tests/common/shapes_queue.rs"]
mod shapes_queue;

use std::hint::black_box;
use std::time::{Duration, Instant};

use mailq_tui::model::compromise::Networks;
use mailq_tui::model::content::ContentView;
use mailq_tui::model::storm::analyze;

fn median(mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..5)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[2]
}

fn main() {
    let max: usize = std::env::var("MAILQ_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60_000);
    for n in [2_000, 20_000, 60_000].into_iter().filter(|&n| n <= max) {
        let s = shapes::generate(n, 1);
        let (snap, index) = shapes_queue::build(&s);
        let listing: String = snap
            .messages
            .iter()
            .map(|m| {
                format!(
                    r#"{{"queue_name":"deferred","queue_id":"{}","arrival_time":{},"message_size":1,"sender":"{}","recipients":[{{"address":"x@y.example"}}]}}"#,
                    m.queue_id.as_str(),
                    m.arrival_time,
                    m.sender
                ) + "\n"
            })
            .collect();
        let parse = median(|| {
            black_box(
                mailq_tui::postfix::parse::parse_stream(listing.as_bytes(), "MAILER-DAEMON")
                    .expect("parse"),
            );
        });
        let report = median(|| {
            black_box(analyze(
                &snap,
                &index,
                &Networks::default(),
                None,
                shapes_queue::NOW,
            ));
        });
        let clusters = median(|| {
            let view = ContentView::new(&snap, &index);
            black_box(view.campaigns().clustering.clusters.len());
        });
        println!(
            "{n:>6} NDRs ({} messages): analyze {:>8.1} ms · campaigns {:>8.1} ms · postqueue -j parse {:>6.1} ms",
            snap.messages.len(),
            report.as_secs_f64() * 1e3,
            clusters.as_secs_f64() * 1e3,
            parse.as_secs_f64() * 1e3
        );
    }
}
