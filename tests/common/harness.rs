//! A small libtest-like harness for the live test binaries (`harness = false`): they share
//! one expensive fixture (a lab, sshd servers) that must be torn down at the end, which
//! libtest cannot guarantee (statics are never dropped).

use std::panic::{AssertUnwindSafe, catch_unwind};

/// `cases![a, b]` → `&[("a", a as Case), ("b", b as Case)]`: each case named after its
/// function, as libtest would. `Case` is the calling test binary's own case type.
#[allow(unused_macros)] // Only the harness = false binaries use it.
macro_rules! cases {
    ($($case:ident),* $(,)?) => {
        &[$((stringify!($case), $case as Case)),*]
    };
}
use std::process::ExitCode;
use std::time::Instant;

/// The few libtest arguments that matter here: name filters, `--skip`, `--exact`, `--list`
/// and `--ignored` (no case is ignored, so it selects none). Others are accepted and ignored.
#[derive(Default)]
pub struct HarnessArgs {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    pub list: bool,
    ignored_only: bool,
}

impl HarnessArgs {
    pub fn parse() -> Self {
        let mut a = HarnessArgs::default();
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--list" => a.list = true,
                "--exact" => a.exact = true,
                "--ignored" => a.ignored_only = true,
                "--skip" => a.skip.extend(it.next()),
                "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                    it.next();
                }
                s if s.starts_with('-') => {}
                s => a.filters.push(s.to_owned()),
            }
        }
        a
    }

    pub fn wants(&self, name: &str) -> bool {
        let hit = |f: &String| {
            if self.exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        !self.ignored_only
            && (self.filters.is_empty() || self.filters.iter().any(hit))
            && !self.skip.iter().any(|s| name.contains(s.as_str()))
    }
}

/// The libtest front matter of a live test binary: parse the arguments, answer `--list`,
/// print "running N WHAT". `None` when there is nothing to run (listing, or every case
/// filtered out: `cargo test some_unit_test` must not start a lab for nothing).
#[allow(dead_code)] // Not every harness = false binary uses it yet.
pub fn selected_cases<'a, T>(
    cases: &'a [(&'static str, T)],
    what: &str,
) -> Option<Vec<&'a (&'static str, T)>> {
    let args = HarnessArgs::parse();
    let selected: Vec<_> = cases.iter().filter(|(n, _)| args.wants(n)).collect();
    if args.list {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        return None;
    }
    println!("\nrunning {} {what}", selected.len());
    (!selected.is_empty()).then_some(selected)
}

/// The summary line of a binary whose lab could not start and may be skipped.
#[allow(dead_code)]
pub fn report_skipped(n: usize) -> ExitCode {
    println!("test result: ok. 0 passed; 0 failed; {n} skipped");
    ExitCode::SUCCESS
}

/// Run the cases one after the other, each with its panics caught, printing a libtest line
/// per case. Returns the names of the failed cases and the seconds all cases took.
pub fn run_cases<T>(
    cases: &[&(&'static str, T)],
    mut run: impl FnMut(&T),
) -> (Vec<&'static str>, f64) {
    let suite = Instant::now();
    let mut failed = Vec::new();
    for (name, case) in cases.iter().copied() {
        let started = Instant::now();
        let ok = catch_unwind(AssertUnwindSafe(|| run(case))).is_ok();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "test {name} ... {} ({secs:.2} s)",
            if ok { "ok" } else { "FAILED" }
        );
        if !ok {
            failed.push(*name);
        }
    }
    (failed, suite.elapsed().as_secs_f64())
}

/// The libtest summary line and the exit code (101 on failure, as libtest).
pub fn report(ran: usize, failed: &[&str], took: f64) -> ExitCode {
    if failed.is_empty() {
        println!("\ntest result: ok. {ran} passed; 0 failed; cases took {took:.1} s");
        ExitCode::SUCCESS
    } else {
        println!("\nfailures:\n    {}", failed.join("\n    "));
        println!(
            "\ntest result: FAILED. {} passed; {} failed; cases took {took:.1} s",
            ran - failed.len(),
            failed.len()
        );
        ExitCode::from(101)
    }
}
