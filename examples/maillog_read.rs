//! Read one mail log file with the login analyzer: `cargo run --release --example
//! maillog_read -- FILE [WORKERS]` prints the wall time and a summary (for profiling).
use std::time::Instant;

use mailq_tui::maillog::{BLOCK, read_stream_with};
use mailq_tui::model::log::{Clock, LoginAnalyzer};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("FILE");
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let clock = Clock {
        now: 1_793_000_000,
        utc_offset: 9 * 3600,
    };
    let t = Instant::now();
    let mut a = LoginAnalyzer::new(clock, None);
    read_stream_with(
        std::fs::File::open(&path).expect("open"),
        &mut a,
        workers,
        BLOCK,
    )
    .expect("read");
    let r = a.finish();
    println!(
        "{workers} workers: {:.2} s, {} events, {} accounts",
        t.elapsed().as_secs_f64(),
        r.input.events,
        r.accounts.len()
    );
}
