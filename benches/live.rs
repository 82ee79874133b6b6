//! Live benchmarks against a throwaway Postfix lab (`scripts/lab.sh`), as root.
//!
//! `cargo bench --bench live` starts its own lab with `MAILQ_TUI_BENCH_MESSAGES` messages
//! (default 20,000), measures everything below on that same data in one run, prints a
//! markdown table, and stops and removes the lab at the end, also on error, panic or Ctrl-C.
//! Each figure is the median of `MAILQ_TUI_BENCH_RUNS` runs (default 7, at least 5); the
//! variants of one measurement run interleaved (A B A B …), so load from other processes
//! on this shared machine hits both sides of a ratio alike.
//!
//! 1. Issue 3: `mailq-tui summary` end to end (the release binary) and `Postfix::list()`
//!    alone, against `postqueue -j > /dev/null`.
//! 2. Issue 5: `ops::execute` holding every NDR in deferred (verify + act + report + audit
//!    line) against one bare `postsuper -h - deferred` over the same IDs, both released
//!    again with a bare `postsuper -H - hold` after each run so every run starts from the
//!    same queue; plus a per-message `postsuper -h ID` loop over 50 IDs, extrapolated.
//! 3. Issue 6: `indexer::build` over every message against bare batched
//!    `postcat -q -ebh` (500 IDs per process, output to /dev/null), and `-eh` against `-ebh`.
//!
//! `MAILQ_TUI_BENCH_LAB=DIR` reuses a lab already started with `scripts/lab.sh start DIR`
//! (and leaves it running): for iterating on this file without refilling a lab each time.

#[path = "../tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mailq_tui::indexer;
use mailq_tui::model::QueueName;
use mailq_tui::model::content::ContentIndex;
use mailq_tui::ops::{self, ExecOptions, Request};
use mailq_tui::postfix::{MailQueue, QueueOp};
use mailq_tui::postfix::{discover::Bins, local::Postfix};

const DEFAULT_MESSAGES: usize = 20_000;
const DEFAULT_RUNS: usize = 7;
const MIN_RUNS: usize = 5;
/// IDs per bare `postcat` process: the adapter's batch size, so both read alike.
const POSTCAT_BATCH: usize = 500;
/// Single `postsuper -h ID` calls timed for the per-message baseline.
const LOOP_SAMPLE: usize = 50;

type Res<T> = Result<T, String>;

/// The lab under measurement: our own (stopped and removed on drop) or a reused one.
enum LabHandle {
    Owned(Box<common::Lab>),
    Reused(PathBuf),
}

impl LabHandle {
    fn config_dir(&self) -> PathBuf {
        match self {
            LabHandle::Owned(lab) => lab.config_dir(),
            LabHandle::Reused(dir) => dir.join("etc"),
        }
    }
}

/// Set by SIGINT/SIGTERM/SIGHUP; checked between runs so the lab is still stopped.
struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    fn install() -> Res<Self> {
        let flag = Arc::new(AtomicBool::new(false));
        for sig in [
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ] {
            signal_hook::flag::register(sig, Arc::clone(&flag))
                .map_err(|e| format!("cannot install signal handler: {e}"))?;
        }
        Ok(Self(flag))
    }

    fn check(&self) -> Res<()> {
        if self.0.load(Ordering::SeqCst) {
            Err("interrupted".to_owned())
        } else {
            Ok(())
        }
    }
}

fn env_usize(name: &str, default: usize) -> Res<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|e| format!("{name}={v}: not a number: {e}")),
        Err(_) => Ok(default),
    }
}

fn main() -> ExitCode {
    let interrupt = match Interrupt::install() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("live bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let lab = match open_lab() {
        Ok(lab) => lab,
        Err(e) => {
            eprintln!("live bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = run(&lab, &interrupt);
    // The lab goes first (its Drop stops Postfix and removes the directory), then the table.
    drop(lab);
    match result {
        Ok(table) => {
            println!("{table}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("live bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open_lab() -> Res<LabHandle> {
    if let Some(dir) = std::env::var_os("MAILQ_TUI_BENCH_LAB") {
        let dir = PathBuf::from(dir);
        if !dir.join(".mailq-tui-lab").exists() {
            return Err(format!("{} is not a lab directory", dir.display()));
        }
        eprintln!("live bench: reusing lab {}", dir.display());
        return Ok(LabHandle::Reused(dir));
    }
    let messages = env_usize("MAILQ_TUI_BENCH_MESSAGES", DEFAULT_MESSAGES)?;
    eprintln!("live bench: starting a lab with {messages} messages (takes a few minutes)");
    common::Lab::try_start(messages).map(|lab| LabHandle::Owned(Box::new(lab)))
}

/// Medians of interleaved runs, one `Vec` of samples per variant.
struct Samples(Vec<Vec<Duration>>);

impl Samples {
    fn median(&self, variant: usize) -> Duration {
        let mut v = self.0[variant].clone();
        v.sort();
        v[v.len() / 2]
    }

    fn spread(&self, variant: usize) -> (Duration, Duration) {
        let v = &self.0[variant];
        let min = v.iter().min().copied().unwrap_or_default();
        let max = v.iter().max().copied().unwrap_or_default();
        (min, max)
    }
}

/// Run every variant `runs` times, interleaved, rotating which goes first in each round.
/// `variant(i)` returns the time it measured (so set-up and checks stay outside the clock).
fn interleaved(
    runs: usize,
    variants: usize,
    interrupt: &Interrupt,
    mut variant: impl FnMut(usize) -> Res<Duration>,
) -> Res<Samples> {
    let mut samples = vec![Vec::with_capacity(runs); variants];
    for round in 0..runs {
        for k in 0..variants {
            interrupt.check()?;
            let i = (round + k) % variants;
            samples[i].push(variant(i)?);
        }
    }
    Ok(Samples(samples))
}

fn timed<T>(f: impl FnOnce() -> Res<T>) -> Res<(Duration, T)> {
    let t = Instant::now();
    let v = f()?;
    Ok((t.elapsed(), v))
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// One markdown table row: what, median (min–max), ratio to its baseline, target.
fn row(out: &mut String, what: &str, s: &Samples, i: usize, base: Option<usize>, target: &str) {
    let m = s.median(i);
    let (lo, hi) = s.spread(i);
    let vs = base.map_or_else(
        || "1.00× (baseline)".to_owned(),
        |b| format!("{:.2}×", ratio(m, s.median(b))),
    );
    let _ = writeln!(
        out,
        "| {what} | {} | {}–{} | {vs} | {target} |",
        ms(m),
        ms(lo),
        ms(hi)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// The lab's Postfix programs, at the paths the adapter found (not whatever `PATH` holds),
/// and its config directory.
struct Tools {
    bins: Bins,
    cfg: PathBuf,
}

impl Tools {
    fn cmd(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.arg("-c").arg(&self.cfg);
        cmd
    }
}

/// Run to completion with stdout to /dev/null; fail on a non-zero exit.
fn run_quiet(what: &str, mut cmd: Command) -> Res<()> {
    let out = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// One bare `postsuper FLAG - QUEUE` with `ids` on stdin, written from a thread while
/// stderr is read (as any correct caller must); returns how many stderr lines end in `done`.
fn bare_postsuper(t: &Tools, flag: &str, queue: &str, ids: &[String], done: &str) -> Res<usize> {
    let mut child = t
        .cmd(&t.bins.postsuper)
        .args([flag, "-", queue])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("postsuper: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("postsuper: no stdin")?;
    let mut input = String::with_capacity(ids.len() * 12);
    for id in ids {
        input.push_str(id);
        input.push('\n');
    }
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .ok_or("postsuper: no stderr")?
        .read_to_string(&mut stderr)
        .map_err(|e| format!("postsuper stderr: {e}"))?;
    let status = child.wait().map_err(|e| format!("postsuper: {e}"))?;
    writer
        .join()
        .map_err(|_| "postsuper stdin writer panicked".to_owned())?
        .map_err(|e| format!("postsuper stdin: {e}"))?;
    let count = stderr.lines().filter(|l| l.ends_with(done)).count();
    if !status.success() && count == 0 {
        return Err(format!("postsuper {flag}: {status}: {}", stderr.trim()));
    }
    Ok(count)
}

/// Bare batched `postcat -q PARTS ID…`, `POSTCAT_BATCH` IDs per process, output discarded.
fn bare_postcat(t: &Tools, parts: &str, ids: &[String]) -> Res<()> {
    for chunk in ids.chunks(POSTCAT_BATCH) {
        let mut cmd = t.cmd(&t.bins.postcat);
        cmd.args(["-q", parts]).args(chunk);
        run_quiet("postcat", cmd)?;
    }
    Ok(())
}

/// The same, but reading the output through a pipe as any consumer must: postcat makes one
/// `write(2)` per line, free on /dev/null but a copy and a reader wake-up on a pipe.
fn bare_postcat_piped(t: &Tools, parts: &str, ids: &[String]) -> Res<()> {
    for chunk in ids.chunks(POSTCAT_BATCH) {
        let out = t
            .cmd(&t.bins.postcat)
            .args(["-q", parts])
            .args(chunk)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("postcat: {e}"))?;
        if !out.status.success() || out.stdout.is_empty() {
            return Err(format!(
                "postcat: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    Ok(())
}

/// The same into an anonymous in-memory file, read back after each process: the cheapest
/// sink a reader of postcat's output has (what `Postfix::read` uses).
fn bare_postcat_memfd(t: &Tools, parts: &str, ids: &[String]) -> Res<()> {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    use std::io::Seek;
    for chunk in ids.chunks(POSTCAT_BATCH) {
        let mut file = std::fs::File::from(
            memfd_create(c"live-bench", MFdFlags::MFD_CLOEXEC)
                .map_err(|e| format!("memfd_create: {e}"))?,
        );
        let sink = file.try_clone().map_err(|e| format!("dup: {e}"))?;
        let out = t
            .cmd(&t.bins.postcat)
            .args(["-q", parts])
            .args(chunk)
            .stdin(Stdio::null())
            .stdout(sink)
            .output()
            .map_err(|e| format!("postcat: {e}"))?;
        let mut text = Vec::new();
        file.rewind()
            .and_then(|()| file.read_to_end(&mut text))
            .map_err(|e| format!("read back: {e}"))?;
        if !out.status.success() || text.is_empty() {
            return Err(format!(
                "postcat: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_lines)] // One linear script: lab facts, then the three issues.
fn run(lab: &LabHandle, interrupt: &Interrupt) -> Res<String> {
    let runs = env_usize("MAILQ_TUI_BENCH_RUNS", DEFAULT_RUNS)?.max(MIN_RUNS);
    let cfg = lab.config_dir();
    let pf = Postfix::new(Some(cfg.clone())).map_err(|e| e.to_string())?;
    let tools = Tools {
        bins: pf.bins().clone(),
        cfg: cfg.clone(),
    };
    let snap = pf.list().map_err(|e| format!("list: {e}"))?;
    let total = snap.messages.len();
    let ndr_idx: Vec<u32> = (0..u32::try_from(total).map_err(|e| e.to_string())?)
        .filter(|&i| {
            let m = &snap.messages[i as usize];
            m.null_sender && m.queue == QueueName::Deferred
        })
        .collect();
    let ndr_ids: Vec<String> = ndr_idx
        .iter()
        .map(|&i| snap.messages[i as usize].queue_id.as_str().to_owned())
        .collect();
    let all_ids: Vec<String> = snap
        .messages
        .iter()
        .map(|m| m.queue_id.as_str().to_owned())
        .collect();
    let n = ndr_ids.len();
    if n < LOOP_SAMPLE {
        return Err(format!("only {n} NDRs in deferred: the lab is too small"));
    }
    let version = Command::new("postconf")
        .args(["-h", "mail_version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    eprintln!("live bench: {total} messages, {n} NDRs in deferred, {runs} runs each");

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Live lab: {total} messages ({n} NDRs in deferred), Postfix {version}, \
         {} cores, median of {runs} interleaved runs (min–max).\n",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    let _ = writeln!(out, "| measurement | median | min–max | ratio | target |");
    let _ = writeln!(out, "|---|---|---|---|---|");

    // 1. Issue 3: listing.
    let bin = env!("CARGO_BIN_EXE_mailq-tui");
    let s = interleaved(runs, 3, interrupt, |i| match i {
        0 => timed(|| {
            let mut cmd = tools.cmd(&tools.bins.postqueue);
            cmd.arg("-j");
            run_quiet("postqueue -j", cmd)
        })
        .map(|(d, ())| d),
        1 => timed(|| {
            let mut cmd = Command::new(bin);
            cmd.arg("--config-dir").arg(&cfg).arg("summary");
            run_quiet("mailq-tui summary", cmd)
        })
        .map(|(d, ())| d),
        _ => {
            let (d, snap) = timed(|| pf.list().map_err(|e| format!("list: {e}")))?;
            if snap.messages.len() != total {
                return Err(format!("list saw {} of {total}", snap.messages.len()));
            }
            Ok(d)
        }
    })?;
    let summary_ratio = ratio(s.median(1), s.median(0));
    row(&mut out, "`postqueue -j > /dev/null`", &s, 0, None, "");
    row(
        &mut out,
        "`mailq-tui summary` (release binary, end to end)",
        &s,
        1,
        Some(0),
        &format!("≤ 1.15 ({})", verdict(summary_ratio <= 1.15)),
    );
    row(
        &mut out,
        "`Postfix::list()` (parse + snapshot)",
        &s,
        2,
        Some(0),
        "",
    );

    // 2. Issue 5: holding every NDR in deferred.
    let audit_dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let opts = ExecOptions {
        batch_size: ops::DEFAULT_BATCH,
        audit_log: Some(audit_dir.path().join("audit.jsonl")),
        export_dir: None,
    };
    let req = Request::from_indices(
        &snap,
        &ndr_idx,
        QueueOp::Hold,
        "bench: all NDRs in deferred",
    );
    let release = |ids: &[String]| -> Res<()> {
        let released = bare_postsuper(&tools, "-H", "hold", ids, ": released from hold")?;
        if released == ids.len() {
            Ok(())
        } else {
            Err(format!("released {released} of {}", ids.len()))
        }
    };
    let s = interleaved(runs, 3, interrupt, |i| {
        let d = if i == 0 {
            let (d, held) =
                timed(|| bare_postsuper(&tools, "-h", "deferred", &ndr_ids, ": placed on hold"))?;
            if held != n {
                return Err(format!("bare postsuper held {held} of {n}"));
            }
            d
        } else if i == 2 {
            // The protocol's floor: the verification listing, then the same bare postsuper.
            let (d, held) = timed(|| {
                let mut cmd = tools.cmd(&tools.bins.postqueue);
                cmd.arg("-j");
                run_quiet("postqueue -j", cmd)?;
                bare_postsuper(&tools, "-h", "deferred", &ndr_ids, ": placed on hold")
            })?;
            if held != n {
                return Err(format!("bare postsuper held {held} of {n}"));
            }
            d
        } else {
            let never = AtomicBool::new(false);
            let (d, outcome) = timed(|| {
                ops::execute(&pf, &req, &opts, &mut |_| {}, &never).map_err(|e| e.to_string())
            })?;
            if outcome.done.len() != n || !outcome.complete() || outcome.audit.is_err() {
                return Err(format!("execute: {}", outcome.headline()));
            }
            d
        };
        release(&ndr_ids)?;
        Ok(d)
    })?;
    let hold_ratio = ratio(s.median(1), s.median(0));
    row(
        &mut out,
        &format!("bare `postsuper -h - deferred`, {n} IDs"),
        &s,
        0,
        None,
        "",
    );
    row(
        &mut out,
        &format!("`ops::execute` hold {n} (verify + act + report + audit)"),
        &s,
        1,
        Some(0),
        &format!("≤ 1.3 ({})", verdict(hold_ratio <= 1.3)),
    );
    row(
        &mut out,
        "bare `postqueue -j`, then bare `postsuper -h -` (the protocol's floor)",
        &s,
        2,
        Some(0),
        "",
    );
    // The per-message loop an admin without a batch tool runs, sampled and extrapolated.
    interrupt.check()?;
    let sample = &ndr_ids[..LOOP_SAMPLE];
    let (d, ()) = timed(|| {
        for id in sample {
            let mut cmd = tools.cmd(&tools.bins.postsuper);
            cmd.args(["-h", id, "deferred"]);
            run_quiet("postsuper -h ID", cmd)?;
        }
        Ok(())
    })?;
    release(sample)?;
    let per_msg = d / u32::try_from(LOOP_SAMPLE).map_err(|e| e.to_string())?;
    let loop_n = per_msg * u32::try_from(n).map_err(|e| e.to_string())?;
    let _ = writeln!(
        out,
        "| per-message `postsuper -h ID` loop ({LOOP_SAMPLE} timed: {} per message), extrapolated to {n} | {} | | {:.1}× | |",
        ms(per_msg),
        ms(loop_n),
        ratio(loop_n, s.median(0))
    );

    // 3. Issue 6: indexing every message.
    let fresh = pf.list().map_err(|e| format!("list: {e}"))?;
    if fresh.messages.len() != total {
        return Err(format!(
            "the queue changed under the bench: {} messages, was {total}",
            fresh.messages.len()
        ));
    }
    let s = interleaved(runs, 5, interrupt, |i| match i {
        0 => timed(|| bare_postcat(&tools, "-ebh", &all_ids)).map(|(d, ())| d),
        1 => timed(|| bare_postcat(&tools, "-eh", &all_ids)).map(|(d, ())| d),
        3 => timed(|| bare_postcat_piped(&tools, "-ebh", &all_ids)).map(|(d, ())| d),
        4 => timed(|| bare_postcat_memfd(&tools, "-ebh", &all_ids)).map(|(d, ())| d),
        _ => {
            let never = AtomicBool::new(false);
            let mut index = ContentIndex::new();
            let (d, stats) = timed(|| {
                indexer::build(
                    &pf,
                    &fresh,
                    &mut index,
                    &[],
                    indexer::DEFAULT_BATCH,
                    &mut |_, _| {},
                    &never,
                )
                .map_err(|e| e.to_string())
            })?;
            if stats.read != total || stats.vanished != 0 || !stats.errors.is_empty() {
                return Err(format!("indexer: {stats:?}"));
            }
            Ok(d)
        }
    })?;
    let index_ratio = ratio(s.median(2), s.median(0));
    let per_sec = |d: Duration| total as f64 / d.as_secs_f64().max(1e-9);
    row(
        &mut out,
        &format!(
            "bare `postcat -q -ebh`, {POSTCAT_BATCH} IDs/process ({:.0} msg/s)",
            per_sec(s.median(0))
        ),
        &s,
        0,
        None,
        "",
    );
    row(
        &mut out,
        &format!("bare `postcat -q -eh` ({:.0} msg/s)", per_sec(s.median(1))),
        &s,
        1,
        Some(0),
        "",
    );
    row(
        &mut out,
        &format!(
            "`indexer::build`, all {total} ({:.0} msg/s)",
            per_sec(s.median(2))
        ),
        &s,
        2,
        Some(0),
        &format!(
            "≤ 1.25, i.e. ≥ 0.8× throughput ({})",
            verdict(index_ratio <= 1.25)
        ),
    );
    row(
        &mut out,
        &format!(
            "bare `postcat -q -ebh` into a pipe, drained ({:.0} msg/s)",
            per_sec(s.median(3))
        ),
        &s,
        3,
        Some(0),
        "",
    );
    row(
        &mut out,
        &format!(
            "bare `postcat -q -ebh` into an in-memory file, read back ({:.0} msg/s)",
            per_sec(s.median(4))
        ),
        &s,
        4,
        Some(0),
        "",
    );
    Ok(out)
}
