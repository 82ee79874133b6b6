//! Queue benchmarks: plain `std::time`, median of several runs (harness = false).
//!
//! `cargo bench --bench queue` prints, for synthetic NDR storms (`mailq_tui::synth`) of
//! 10k, 100k and 1M messages:
//! - parse + snapshot + default grouping (by reason family) versus a bare `serde_json`
//!   parse of the same lines into plain owned structs: the price of our model over the
//!   minimum any JSON reader pays;
//! - at 1M: filtering and regrouping (what every keystroke in the filter box costs);
//! - peak RSS (`VmHWM`) after building the 1M snapshot, next to the JSON size.
//!
//! `MAILQ_BENCH_MAX` (default 1000000) caps the largest size, for quick runs.
//! `MAILQ_BENCH_CAPTURE=FILE` (a real `postqueue -j` capture, e.g. of a `scripts/lab.sh`
//! storm) times parse + group against bare `serde_json` on that file, interleaved, and
//! stops there.

use std::hint::black_box;
use std::time::{Duration, Instant};

use std::sync::Arc;

use mailq_tui::model::{Filter, GroupKey, Snapshot, group, group2, select};
use mailq_tui::postfix::parse::parse_stream;
use mailq_tui::synth::{StormSpec, write_jsonl};
use serde::Deserialize;

/// The same fields our parser reads, owned: what a naive reader would build.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainMessage {
    queue_name: String,
    queue_id: String,
    arrival_time: i64,
    #[serde(default)]
    message_size: u64,
    sender: String,
    #[serde(default)]
    forced_expire: bool,
    #[serde(default)]
    recipients: Vec<PlainRecipient>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainRecipient {
    address: String,
    #[serde(default)]
    delay_reason: Option<String>,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut v = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        black_box(f());
        v.push(t.elapsed());
    }
    median(v)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let max: usize = std::env::var("MAILQ_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    if let Some(path) = std::env::var_os("MAILQ_BENCH_CAPTURE") {
        capture(std::path::Path::new(&path));
        return;
    }
    // Memory first, in a fresh process: later runs free and reuse memory, which would hide
    // the snapshot's own footprint.
    let n = max.min(1_000_000);
    let spec = StormSpec::new(n);
    let mut json = Vec::new();
    write_jsonl(&spec, &mut json).expect("generate");
    let rss_before = status_kib("VmRSS:");
    let snap = parse_stream(json.as_slice(), "MAILER-DAEMON").expect("parse");
    let rss_after = status_kib("VmRSS:");
    let hwm = status_kib("VmHWM:");
    println!(
        "memory at {n} messages: JSON {:.1} MB; snapshot adds {:.1} MB RSS; peak RSS (VmHWM) {:.1} MB (JSON buffer included)",
        json.len() as f64 / 1e6,
        (rss_after.saturating_sub(rss_before)) as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    drop(json);
    realistic(&snap, spec.now);
    if std::env::var_os("MAILQ_BENCH_QUICK").is_some() {
        return;
    }
    println!();
    println!("queue benchmarks (median of N runs)");
    println!(
        "{:>9}  {:>9}  {:>13}  {:>13}  {:>6}  {:>3}",
        "messages", "json MB", "ours ms", "serde ms", "ratio", "N"
    );
    for n in [10_000usize, 100_000, 1_000_000] {
        if n > max {
            continue;
        }
        let spec = StormSpec::new(n);
        let mut json = Vec::new();
        write_jsonl(&spec, &mut json).expect("generate");
        let runs = if n <= 10_000 {
            15
        } else if n <= 100_000 {
            7
        } else {
            3
        };
        let ours = time(runs, || {
            let snap = parse_stream(json.as_slice(), "MAILER-DAEMON").expect("parse");
            let sel: Vec<u32> = (0..u32::try_from(snap.len()).expect("fits")).collect();
            let g = group(&snap, &sel, GroupKey::Reason, spec.now);
            (snap.len(), g.groups.len())
        });
        let plain = time(runs, || bare_serde(&json));
        println!(
            "{n:>9}  {:>9.1}  {:>13.1}  {:>13.1}  {:>6.2}  {runs:>3}",
            json.len() as f64 / 1e6,
            ms(ours),
            ms(plain),
            ours.as_secs_f64() / plain.as_secs_f64()
        );
    }

    let all: Vec<u32> = (0..u32::try_from(snap.len()).expect("fits")).collect();
    let now = spec.now;
    println!();
    println!(
        "at {n} messages ({} recipients), median of 7 runs:",
        snap.total_recipients()
    );
    let filters = [
        "null",
        "sender:MAILER-DAEMON reason:/timed out/ rcpt:@victim-a.example age:>2h queue:deferred !rcpt:@gmail.com",
        "reason:greylisted",
        "rcpt:/^[a-z]+[0-9]+@/",
        "timed",
    ];
    for f in filters {
        let filter = Filter::parse(f).expect("filter");
        let mut sel_len = 0;
        let d = time(7, || {
            let s = select(&snap, &filter, now);
            sel_len = s.indices.len();
            s
        });
        println!(
            "  filter {:<60} {:>8.1} ms  ({sel_len} selected)",
            trunc(f, 60),
            ms(d)
        );
    }
    for key in GroupKey::ALL {
        let mut groups = 0;
        let d = time(7, || {
            let g = group(&snap, &all, key, now);
            groups = g.groups.len();
            g
        });
        println!(
            "  group by {:<58} {:>8.1} ms  ({groups} groups)",
            key.name(),
            ms(d)
        );
    }
    let d = time(7, || {
        group2(
            &snap,
            &all,
            GroupKey::Reason,
            GroupKey::RecipientDomain,
            now,
        )
    });
    println!("  group by {:<58} {:>8.1} ms", "reason,rcpt-domain", ms(d));
    let filter = Filter::parse("null !rcpt:@gmail.example").expect("filter");
    let d = time(7, || {
        let s = select(&snap, &filter, now);
        group(&snap, &s.indices, GroupKey::Reason, now)
    });
    println!(
        "  filter + regroup (null !rcpt:@gmail.example, by reason)         {:>8.1} ms",
        ms(d)
    );
    black_box(&snap);
}

/// Parse + group by reason against bare `serde_json` on a capture: 9 runs of each, interleaved
/// (A B A B …) so machine load hits both sides alike; medians.
fn capture(path: &std::path::Path) {
    let json = std::fs::read(path).expect("read the capture");
    let (mut ours, mut plain) = (Vec::new(), Vec::new());
    let mut shape = (0, 0);
    for _ in 0..9 {
        ours.push(time(1, || {
            let snap = parse_stream(json.as_slice(), "MAILER-DAEMON").expect("parse");
            let sel: Vec<u32> = (0..u32::try_from(snap.len()).expect("fits")).collect();
            let g = group(&snap, &sel, GroupKey::Reason, snap.taken_at);
            shape = (snap.len(), g.groups.len());
            shape
        }));
        plain.push(time(1, || bare_serde(&json)));
    }
    let (o, p) = (median(ours), median(plain));
    println!(
        "capture {}: {} messages, {} reason groups, {:.1} MB: parse+group {:.1} ms, bare serde_json {:.1} ms, ratio {:.2} (median of 9, interleaved)",
        path.display(),
        shape.0,
        shape.1,
        json.len() as f64 / 1e6,
        ms(o),
        ms(p),
        o.as_secs_f64() / p.as_secs_f64()
    );
}

/// What a naive reader pays: every line into plain owned structs.
fn bare_serde(json: &[u8]) -> Vec<PlainMessage> {
    json.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice::<PlainMessage>(l).ok())
        .collect()
}

fn trunc(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The synthetic storm writes the recipient address into most delay reasons (82,560
/// distinct reasons per 100k messages); a real 100k storm had 12,820. Family work is per
/// distinct string, so this remaps every reason onto a pool of the real ratio (12.8%) and
/// times the default grouping and a reason filter on that.
fn realistic(snap: &Snapshot, now: i64) {
    let mut pool: Vec<Arc<str>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let target = snap.len() * 128 / 1000;
    'outer: for m in &snap.messages {
        for r in &m.recipients {
            if let Some(d) = &r.delay_reason
                && seen.insert(d.clone())
            {
                pool.push(d.clone());
                if pool.len() >= target {
                    break 'outer;
                }
            }
        }
    }
    let mut k: u64 = 0x2545_F491_4F6C_DD1D;
    let mut real = snap.clone();
    for m in &mut real.messages {
        for r in &mut m.recipients {
            if r.delay_reason.is_some() {
                k ^= k << 13;
                k ^= k >> 7;
                k ^= k << 17;
                r.delay_reason = Some(pool[(k % pool.len() as u64) as usize].clone());
            }
        }
    }
    let all: Vec<u32> = (0..u32::try_from(real.len()).expect("fits")).collect();
    println!(
        "realistic reason mix: {} messages, {} distinct reasons (real storm ratio), median of 7:",
        real.len(),
        pool.len()
    );
    let mut groups = 0;
    let d = time(7, || {
        let g = group(&real, &all, GroupKey::Reason, now);
        groups = g.groups.len();
        g
    });
    println!(
        "  group by reason                {:>8.1} ms  ({groups} groups)",
        ms(d)
    );
    for f in ["null", "reason:greylisted", "null !rcpt:@gmail.example"] {
        let filter = Filter::parse(f).expect("filter");
        let d = time(7, || select(&real, &filter, now));
        println!("  filter {f:<24}{:>8.1} ms", ms(d));
    }
    let filter = Filter::parse("null !rcpt:@gmail.example").expect("filter");
    let d = time(7, || {
        let s = select(&real, &filter, now);
        group(&real, &s.indices, GroupKey::Reason, now)
    });
    println!("  filter + regroup by reason     {:>8.1} ms", ms(d));
}
