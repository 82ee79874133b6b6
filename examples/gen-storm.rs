//! Write a synthetic NDR storm as `postqueue -j` lines to stdout, for `mailq-tui --from-file`
//! and for benchmarks.
//!
//! ```text
//! cargo run --release --example gen-storm -- --messages 100000 --seed 7 > storm.jsonl
//! ```

use std::io::Write;
use std::process::ExitCode;

use mailq_tui::synth::{StormSpec, write_jsonl};

fn main() -> ExitCode {
    let mut spec = StormSpec::new(10_000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = value.as_deref().map(str::parse::<u64>);
        match (arg.as_str(), parsed) {
            ("--messages", Some(Ok(n))) => spec.messages = usize::try_from(n).unwrap_or(usize::MAX),
            ("--seed", Some(Ok(s))) => spec.seed = s,
            _ => {
                eprintln!("usage: gen-storm [--messages N] [--seed S]");
                return ExitCode::from(2);
            }
        }
    }
    let stdout = std::io::stdout().lock();
    match write_jsonl(&spec, stdout) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is a normal way to stop.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "gen-storm: {e}");
            ExitCode::from(1)
        }
    }
}
