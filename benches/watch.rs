//! `cargo bench --bench watch`: a `mailq-tui watch` process over a 100,000-message queue.
//!
//! The queue is a synthetic NDR storm (`mailq_tui::synth`, 75% NDRs) served by a stub
//! `postqueue` first on `PATH` that `cat`s the capture: the release binary runs its real
//! adapter (spawn, streaming parse, snapshot), the metrics, the storm analysis and the
//! exposition on every listing, exactly as against Postfix — only the time Postfix itself
//! needs to produce the listing is missing (`postqueue -j` took 514 ms for 20,000 messages
//! on the live lab, README "On a live queue"). Queue files are not read (`--no-index`).
//!
//! Prints: the interval `watch` chose, the listing duration it measured, CPU seconds
//! (user + system, from /proc) per listing, and the peak and current RSS.
//! `MAILQ_TUI_BENCH_MESSAGES` (default 100000), `MAILQ_TUI_BENCH_LISTINGS` (default 8).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mailq_tui::synth::{StormSpec, write_jsonl};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn scrape(port: u16) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn value(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the ")".
    let hz = 100.0; // USER_HZ on Linux
    (ticks(11) + ticks(12)) / hz
}

fn status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let messages = env_or("MAILQ_TUI_BENCH_MESSAGES", 100_000);
    let listings = env_or("MAILQ_TUI_BENCH_LISTINGS", 8);
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = dir.path().join("queue.jsonl");
    let spec = StormSpec::new(messages);
    write_jsonl(&spec, std::fs::File::create(&capture).expect("capture")).expect("write");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    let stub = bin.join("postqueue");
    std::fs::write(
        &stub,
        format!("#!/bin/sh\nexec cat '{}'\n", capture.display()),
    )
    .expect("stub");
    let mut perms = std::fs::metadata(&stub).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&stub, perms).expect("chmod");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let exe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/mailq-tui");
    assert!(exe.exists(), "build it first: cargo build --release");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new(&exe)
        .env("PATH", path)
        .env("MAILQ_TUI_CONFIG", dir.path().join("none.toml"))
        .arg("--config")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/config.sample.toml"
        ))
        .arg("--audit-log")
        .arg(dir.path().join("audit.jsonl"))
        .args(["watch", "--no-index", "--interval", "1", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start watch");
    let pid = child.id();
    let started = Instant::now();
    // Wait for the first listing, then measure `listings` more.
    let count = |t: &str| value(t, "mailq_tui_listings_total{").unwrap_or(0.0);
    let mut first_cpu = None;
    let mut first_n = 0.0;
    let last = loop {
        std::thread::sleep(Duration::from_millis(200));
        let Some(t) = scrape(port) else { continue };
        let n = count(&t);
        if n >= 1.0 && first_cpu.is_none() {
            first_cpu = Some(cpu_secs(pid));
            first_n = n;
        }
        if first_cpu.is_some() && n >= first_n + listings as f64 {
            break t;
        }
        assert!(started.elapsed() < Duration::from_secs(900), "too slow");
    };
    let cpu = cpu_secs(pid) - first_cpu.unwrap_or(0.0);
    let n = count(&last) - first_n;
    let hwm = status_kb(pid, "VmHWM:");
    let rss = status_kb(pid, "VmRSS:");
    let _ = child.kill();
    let _ = child.wait();
    let msgs = value(
        &last,
        "mailq_tui_messages{postfix_instance=\"default\",queue=\"deferred\"}",
    );
    println!(
        "watch over a {messages}-message synthetic storm (deferred: {msgs:?}), {n} listings measured"
    );
    println!(
        "  interval chosen:       {:.2} s",
        value(&last, "mailq_tui_listing_interval_seconds{").unwrap_or(f64::NAN)
    );
    println!(
        "  listing duration:      {:.3} s (spawn + stream + parse; cat stands in for postqueue)",
        value(&last, "mailq_tui_listing_duration_seconds{").unwrap_or(f64::NAN)
    );
    println!(
        "  CPU per listing:       {:.3} s (user + system of the watch process)",
        cpu / n
    );
    println!(
        "  RSS:                   {} MiB now, {} MiB peak",
        rss / 1024,
        hwm / 1024
    );
}
