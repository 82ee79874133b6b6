//! Listing a Postfix instance through ssh vs locally (`cargo bench --bench remote`).
//!
//! Starts a lab instance (`scripts/lab.sh`, default 10,000 messages) and an sshd of our own
//! on 127.0.0.1 (tests/ssh_support), then lists the same queue alternately through the local
//! adapter and through the ssh adapter, whose multiplexed connection is reused across the
//! refreshes exactly as the TUI reuses it. Prints per-side medians and the ratio; the target
//! is remote ≤ 1.2 × local.
//!
//! Needs root, Postfix and OpenSSH; says so and exits 0 otherwise (a benchmark, not a test).
//! `MAILQ_TUI_BENCH_MESSAGES=N` and `MAILQ_TUI_BENCH_ROUNDS=N` change the size and rounds.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/ssh_support/mod.rs"]
mod ssh_support;

use std::time::{Duration, Instant};

use mailq_tui::postfix::MailQueue;
use mailq_tui::postfix::local::Postfix;
use mailq_tui::postfix::{
    local::connect,
    ssh::{SshHost, SshOptions},
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_list(q: &dyn MailQueue, expect: usize) -> Duration {
    let t = Instant::now();
    let snap = match q.list() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("listing {} failed: {e}", q.describe());
            std::process::exit(1);
        }
    };
    let took = t.elapsed();
    assert_eq!(snap.len(), expect, "{}", q.describe());
    took
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing to do here.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let messages = env_usize("MAILQ_TUI_BENCH_MESSAGES", 10_000);
    let rounds = env_usize("MAILQ_TUI_BENCH_ROUNDS", 9).max(1);
    let ssh = match ssh_support::SshEnv::start(1) {
        Ok(s) => s,
        Err(why) => {
            println!("remote bench skipped: {why}");
            return;
        }
    };
    let started = Instant::now();
    let lab = match common::Lab::try_start(messages) {
        Ok(l) => l,
        Err(why) => {
            println!("remote bench skipped: {why}");
            return;
        }
    };
    println!(
        "lab with {messages} messages ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let local = match Postfix::new(Some(lab.config_dir())) {
        Ok(p) => p,
        Err(e) => {
            println!("remote bench: cannot open the lab locally: {e}");
            return;
        }
    };
    let host = SshHost {
        name: "bench".into(),
        destination: ssh.alias(0),
        config_dir: Some(lab.config_dir()),
        ssh_options: vec!["-F".into(), ssh.ssh_config().display().to_string()],
    };
    let opts = SshOptions {
        control_dir: ssh.control_dir(),
        ..SshOptions::default()
    };
    let t = Instant::now();
    let remote = match connect(&host, &opts) {
        Ok(r) => r,
        Err(e) => {
            println!("remote bench: cannot connect: {e}");
            return;
        }
    };
    println!(
        "first connect (handshake + probe): {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let expect = lab.postqueue().len();
    // Warm-up: page cache, showq, the multiplexed connection.
    time_list(&local, expect);
    time_list(&remote, expect);
    let (mut l, mut r) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        l.push(time_list(&local, expect));
        r.push(time_list(&remote, expect));
    }
    let (lm, rm) = (median(&mut l), median(&mut r));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "list {expect} messages, median of {rounds}: local {:.1} ms (min {:.1}), ssh {:.1} ms (min {:.1}), ratio {:.2} (target <= 1.20)",
        ms(lm),
        ms(l[0]),
        ms(rm),
        ms(r[0]),
        rm.as_secs_f64() / lm.as_secs_f64()
    );
    remote.disconnect();
}
