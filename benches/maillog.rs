//! Mail log benchmark (harness = false): the login analysis of a generated 1 GB log against
//! `grep -c sasl_username` on the same file, plus peak memory.
//!
//! `cargo bench --bench maillog` generates two logs in a temporary directory (removed at the
//! end), each `MAILQ_BENCH_LOG_MB` MB (default 1024):
//! - `storm`: RFC 3164 timestamps; a compromised account submitting from a botnet of
//!   20,000 addresses, password guessing from 5,000 more, deliveries deferred/bounced,
//!   ordinary users, inbound mail; and, as in a real mail log, mostly lines that are not
//!   about SASL at all: postscreen, dnsblog, anvil and scache statistics, smtp timeouts
//!   and TLS, unresolvable clients, opendkim, amavis, tlsproxy, Dovecot disconnects;
//! - `quiet`: ISO 8601 timestamps (rsyslog high precision), a multi-instance syslog_name;
//!   mostly inbound mail, RBL rejections and Dovecot IMAP logins, few SASL submissions.
//!
//! Each file is read once by `cat` (page cache), then timed `MAILQ_BENCH_REPS` times (default
//! 5), grep and the analyzer interleaved (the adapter's reader, as `mailq-tui logins --log
//! FILE` reads it), and the medians of wall clock and CPU time (user + system; the
//! children's for grep) are compared: the machine may be shared. Peak RSS (`VmHWM`) is read
//! after the analysis of both logs. Each run reads the log twice: as `mailq-tui logins --log
//! FILE` reads it (`read_file`: blocks of whole lines, each read with `pread` and folded by
//! one of as many threads as CPUs, up to four, and merged) and on this one thread (`read_stream_with(…, 1, …)`), and checks that the reports
//! are the same. Each run also times the command itself, `mailq-tui logins --log FILE` as a
//! process like grep (its start-up, a fresh heap and the text report included).
//! `MAILQ_BENCH_LOG_DIR=DIR` keeps the logs in DIR and
//! reuses them on the next run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use mailq_tui::maillog::{BLOCK, read_file, read_stream_with};
use mailq_tui::model::log::{Clock, LoginAnalyzer};
use mailq_tui::synth::Rng;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn stamp(iso: bool, t: u64) -> String {
    let day = 1 + (t / 86_400) % 28;
    let (h, m, s) = ((t / 3600) % 24, (t / 60) % 60, t % 60);
    if iso {
        format!(
            "2026-10-{day:02}T{h:02}:{m:02}:{s:02}.{:06}+09:00",
            t % 1_000_000
        )
    } else {
        format!("{} {day:2} {h:02}:{m:02}:{s:02}", MONTHS[9])
    }
}

fn ip(prefix: u64, n: u64) -> String {
    format!(
        "{}.{}.{}.{}",
        10 + prefix,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
}

/// Write `mb` MB of log in the given mode; returns its size in bytes.
fn generate(path: &Path, mb: u64, quiet: bool) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng::new(if quiet { 0x9e37_79b9 } else { 0x1234_5678 });
    let limit = mb * 1_000_000;
    let (mut bytes, mut t, mut qid) = (0u64, 0u64, 0x10_0000u64);
    let iso = quiet;
    let smtpd = if quiet {
        "postfix-in/smtpd"
    } else {
        "postfix/submission/smtpd"
    };
    let mut buf = String::new();
    while bytes < limit {
        t += rng.below(3);
        let ts = stamp(iso, t);
        buf.clear();
        qid += 1 + rng.below(7);
        let id = format!("{qid:X}");
        let pid = 1000 + rng.below(30_000);
        let roll = rng.below(100);
        // Shares of sessions (percent): authenticated submissions, password guessing,
        // then noise (postscreen, anvil, TLS, timeouts, other programs), the rest
        // inbound mail. Most lines of a real mail log are not SASL lines.
        let sasl_share = if quiet { 3 } else { 12 };
        let noise_from = if quiet { 60 } else { 27 };
        let noise_to = if quiet { 75 } else { 62 };
        if roll < sasl_share {
            // An authenticated submission: the bot account, or an ordinary user.
            let (user, client) = if rng.below(10) < 8 {
                ("victim@example.jp".to_owned(), ip(0, rng.below(20_000)))
            } else {
                let u = rng.below(200);
                (format!("user{u}@example.jp"), ip(1, u * 3 + rng.below(2)))
            };
            let nrcpt = 1 + rng.below(8);
            buf.push_str(&format!(
                "{ts} mx {smtpd}[{pid}]: connect from unknown[{client}]\n\
                 {ts} mx {smtpd}[{pid}]: Anonymous TLS connection established from unknown[{client}]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n\
                 {ts} mx {smtpd}[{pid}]: {id}: client=unknown[{client}], sasl_method=LOGIN, sasl_username={user}\n\
                 {ts} mx postfix/cleanup[{}]: {id}: message-id=<{id}.{t}@example.jp>\n\
                 {ts} mx postfix/qmgr[880]: {id}: from=<{user}>, size={}, nrcpt={nrcpt} (queue active)\n",
                pid + 1,
                500 + rng.below(9000)
            ));
            for r in 0..nrcpt {
                let (dsn, status, why) = match rng.below(10) {
                    0..=5 => (
                        "4.4.1",
                        "deferred",
                        "connect to mx.far.example[198.51.100.3]:25: Connection timed out",
                    ),
                    6..=7 => (
                        "5.1.1",
                        "bounced",
                        "host mx.far.example[198.51.100.3] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
                    ),
                    _ => ("2.0.0", "sent", "250 2.0.0 Ok: queued as 4F2A1B"),
                };
                buf.push_str(&format!(
                    "{ts} mx postfix/smtp[{}]: {id}: to=<rcpt{r}.{}@far{}.example>, relay=mx.far.example[198.51.100.3]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn={dsn}, status={status} ({why})\n",
                    pid + 2,
                    rng.below(100_000),
                    rng.below(500)
                ));
            }
            if rng.below(3) > 0 {
                buf.push_str(&format!("{ts} mx postfix/qmgr[880]: {id}: removed\n"));
            }
            buf.push_str(&format!(
                "{ts} mx {smtpd}[{pid}]: disconnect from unknown[{client}] ehlo=1 auth=1 mail=1 rcpt={nrcpt} data=1 quit=1 commands={}\n",
                nrcpt + 5
            ));
        } else if roll >= noise_from && roll < noise_to {
            let client = ip(5, rng.below(200_000));
            let n = rng.below(1000);
            buf.push_str(&match rng.below(10) {
                0 => format!(
                    "{ts} mx postfix/postscreen[{pid}]: CONNECT from [{client}]:{} to [192.0.2.1]:25\n\
                     {ts} mx postfix/postscreen[{pid}]: PASS OLD [{client}]:{}\n",
                    40000 + n,
                    40000 + n
                ),
                1 => format!(
                    "{ts} mx postfix/postscreen[{pid}]: CONNECT from [{client}]:{n} to [192.0.2.1]:25\n\
                     {ts} mx postfix/dnsblog[{}]: addr {client} listed by domain zen.spamhaus.org as 127.0.0.4\n\
                     {ts} mx postfix/postscreen[{pid}]: DNSBL rank 3 for [{client}]:{n}\n\
                     {ts} mx postfix/postscreen[{pid}]: DISCONNECT [{client}]:{n}\n",
                    pid + 1
                ),
                2 => format!(
                    "{ts} mx postfix/anvil[{}]: statistics: max connection rate 3/60s for (smtp:{client}) at {ts}\n\
                     {ts} mx postfix/anvil[{}]: statistics: max connection count 2 for (smtp:{client}) at {ts}\n\
                     {ts} mx postfix/anvil[{}]: statistics: max cache size 112 at {ts}\n",
                    pid, pid, pid
                ),
                3 => format!(
                    "{ts} mx postfix/smtp[{pid}]: connect to mx{n}.far.example[198.51.100.{}]:25: Connection timed out\n\
                     {ts} mx postfix/smtp[{pid}]: Untrusted TLS connection established to mx.far{n}.example[203.0.113.{}]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)\n",
                    n % 250,
                    n % 250
                ),
                4 => format!(
                    "{ts} mx postfix/smtpd[{pid}]: warning: hostname host{n}.dyn.example does not resolve to address {client}: Name or service not known\n\
                     {ts} mx postfix/smtpd[{pid}]: connect from unknown[{client}]\n\
                     {ts} mx postfix/smtpd[{pid}]: lost connection after CONNECT from unknown[{client}]\n\
                     {ts} mx postfix/smtpd[{pid}]: disconnect from unknown[{client}] commands=0/0\n"
                ),
                5 => format!(
                    "{ts} mx opendkim[722]: {:X}: s=default d=example.net SSL\n\
                     {ts} mx opendkim[722]: {:X}: DKIM verification successful\n",
                    qid,
                    qid
                ),
                6 => format!(
                    "{ts} mx amavis[{pid}]: ({pid}-{n:02}) Passed CLEAN {{RelayedInbound}}, [{client}]:{n} <news@example.net> -> <user{}@example.jp>, Queue-ID: {:X}, Message-ID: <{n}@example.net>, mail_id: x{n}, Hits: -1.2, size: 12034, 412 ms\n",
                    n % 200,
                    qid
                ),
                7 => format!(
                    "{ts} mx postfix/tlsproxy[{pid}]: CONNECT from [{client}]:{n}\n\
                     {ts} mx postfix/tlsproxy[{pid}]: DISCONNECT [{client}]:{n}\n"
                ),
                8 => format!(
                    "{ts} mx postfix/scache[{pid}]: statistics: start interval {ts}\n\
                     {ts} mx postfix/scache[{pid}]: statistics: domain lookup hits=3 miss=12 success=20%\n\
                     {ts} mx postfix/scache[{pid}]: statistics: max simultaneous domains=1 addresses=2 connection=2\n"
                ),
                _ => format!(
                    "{ts} mx dovecot[{pid}]: imap({}@example.jp)<{pid}><{n}>: Disconnected: Logged out in=231 out=1459 deleted=0 expunged=0 trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0\n\
                     {ts} mx dovecot[{pid}]: lmtp({pid}): Connect from local\n",
                    n % 200
                ),
            });
        } else if roll < sasl_share + if quiet { 15 } else { 8 } {
            // Password guessing.
            let client = ip(2, rng.below(5_000));
            buf.push_str(&format!(
                "{ts} mx {smtpd}[{pid}]: connect from unknown[{client}]\n\
                 {ts} mx {smtpd}[{pid}]: warning: unknown[{client}]: SASL LOGIN authentication failed: authentication failure, sasl_username=guess{}@example.jp\n\
                 {ts} mx {smtpd}[{pid}]: lost connection after AUTH from unknown[{client}]\n\
                 {ts} mx {smtpd}[{pid}]: disconnect from unknown[{client}] ehlo=1 auth=0/1 commands=1/2\n",
                rng.below(300)
            ));
        } else if quiet && roll < 45 {
            let client = ip(3, rng.below(50_000));
            buf.push_str(&format!(
                "{ts} mx postfix-in/smtpd[{pid}]: NOQUEUE: reject: RCPT from unknown[{client}]: 554 5.7.1 Service unavailable; Client host [{client}] blocked using ips.backscatterer.org; from=<> to=<u{}@example.jp> proto=ESMTP helo=<bounce.example>\n",
                rng.below(50)
            ));
        } else if quiet && roll < 60 {
            let u = rng.below(200);
            buf.push_str(&format!(
                "{ts} mx dovecot[{pid}]: imap-login: Login: user=<user{u}@example.jp>, method=PLAIN, rip={}, lip=192.0.2.1, mpid={pid}, TLS, session=<{id}>\n",
                ip(1, u * 3)
            ));
        } else {
            // Inbound mail for local users: no SASL.
            let client = ip(4, rng.below(100_000));
            buf.push_str(&format!(
                "{ts} mx postfix/smtpd[{pid}]: connect from mail{}.example.net[{client}]\n\
                 {ts} mx postfix/smtpd[{pid}]: {id}: client=mail.example.net[{client}]\n\
                 {ts} mx postfix/cleanup[{}]: {id}: message-id=<{t}@example.net>\n\
                 {ts} mx postfix/qmgr[880]: {id}: from=<news@example.net>, size=12034, nrcpt=1 (queue active)\n\
                 {ts} mx postfix/local[{}]: {id}: to=<user{}@example.jp>, relay=local, delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered to mailbox)\n\
                 {ts} mx postfix/qmgr[880]: {id}: removed\n\
                 {ts} mx postfix/smtpd[{pid}]: disconnect from mail.example.net[{client}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n",
                rng.below(1000),
                pid + 1,
                pid + 2,
                rng.below(200)
            ));
        }
        bytes += buf.len() as u64;
        out.write_all(buf.as_bytes())?;
    }
    out.flush()?;
    Ok(bytes)
}

/// User + system CPU seconds of this process so far (`/proc/self/stat`).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the ")".
    (tick(11) + tick(12)) / 100.0
}

/// CPU seconds of the waited-for children (`cutime` + `cstime`).
fn children_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(13) + tick(14)) / 100.0
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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let mb: u64 = std::env::var("MAILQ_BENCH_LOG_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let reps: usize = std::env::var("MAILQ_BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    // MAILQ_BENCH_LOG_DIR: keep the generated logs there (and reuse them on the next run)
    // instead of a temporary directory.
    let keep = std::env::var_os("MAILQ_BENCH_LOG_DIR").map(std::path::PathBuf::from);
    let tmp;
    let dir: &Path = if let Some(d) = &keep {
        std::fs::create_dir_all(d).expect("log dir");
        d
    } else {
        tmp = tempfile::Builder::new()
            .prefix("mailq-tui-bench-maillog.")
            .tempdir()
            .expect("temp dir");
        tmp.path()
    };
    println!(
        "mail log benchmark: two generated logs of {mb} MB each in {}; {reps} interleaved runs each, medians",
        dir.display()
    );
    for (name, quiet) in [("storm", false), ("quiet", true)] {
        let path = dir.join(format!("{name}-{mb}.log"));
        let t = Instant::now();
        let (bytes, made) = match std::fs::metadata(&path) {
            Ok(m) if keep.is_some() && m.len() >= mb * 1_000_000 => {
                (m.len(), "kept from an earlier run".to_owned())
            }
            _ => {
                let bytes = generate(&path, mb, quiet).expect("generate");
                (
                    bytes,
                    format!("generated in {:.1} s", t.elapsed().as_secs_f64()),
                )
            }
        };
        println!("\n{name}: {:.0} MB, {made}", bytes as f64 / 1e6);
        // Into the page cache once, so both readers see the same warm file.
        let _ = Command::new("cat")
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .status();
        let clock = Clock {
            now: 1_793_000_000,
            utc_offset: 9 * 3600,
        };
        let (mut g_wall, mut g_cpu, mut o_wall, mut o_cpu) = (vec![], vec![], vec![], vec![]);
        let (mut p_wall, mut p_cpu) = (vec![], vec![]);
        let (mut c_wall, mut c_cpu) = (vec![], vec![]);
        let mut count = String::new();
        let mut report = None;
        for _ in 0..reps {
            let t = Instant::now();
            let child_cpu0 = children_cpu_secs();
            let out = Command::new("grep")
                .args(["-c", "sasl_username"])
                .arg(&path)
                .output()
                .expect("grep");
            g_wall.push(t.elapsed().as_secs_f64());
            g_cpu.push(children_cpu_secs() - child_cpu0);
            count = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            // The command itself, a process like grep: start-up, a fresh heap, the report.
            let t = Instant::now();
            let child_cpu0 = children_cpu_secs();
            let out = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
                .args(["logins", "--since", "2026-01-01", "--log"])
                .arg(&path)
                .output()
                .expect("mailq-tui logins");
            c_wall.push(t.elapsed().as_secs_f64());
            c_cpu.push(children_cpu_secs() - child_cpu0);
            assert!(
                out.status.success(),
                "mailq-tui logins: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let t = Instant::now();
            let cpu0 = cpu_secs();
            let mut a = LoginAnalyzer::new(clock, None);
            read_file(&File::open(&path).expect("open"), &mut a).expect("read");
            report = Some(a.finish());
            o_wall.push(t.elapsed().as_secs_f64());
            o_cpu.push(cpu_secs() - cpu0);
            // The same on one thread (identical result).
            let t = Instant::now();
            let cpu0 = cpu_secs();
            let mut a = LoginAnalyzer::new(clock, None);
            read_stream_with(File::open(&path).expect("open"), &mut a, 1, BLOCK).expect("read");
            let parallel = a.finish();
            p_wall.push(t.elapsed().as_secs_f64());
            p_cpu.push(cpu_secs() - cpu0);
            assert!(
                report.as_ref() == Some(&parallel),
                "the one-thread reader disagrees with the default reader"
            );
        }
        let Some(report) = report else { return };
        let (grep, grep_cpu, ours, cpu) = (
            median(&mut g_wall),
            median(&mut g_cpu),
            median(&mut o_wall),
            median(&mut o_cpu),
        );
        let mbs = |s: f64| bytes as f64 / 1e6 / s;
        println!(
            "  grep -c sasl_username:  {grep:.2} s wall ({:.0} MB/s), {grep_cpu:.2} s CPU ({:.0} MB/s); {count} lines",
            mbs(grep),
            mbs(grep_cpu)
        );
        println!(
            "  {} lines, {} accounts, {} addresses, {} events, top {} with {} addresses",
            report.input.lines,
            report.accounts.len(),
            report.addresses.len(),
            report.input.events,
            report.accounts.first().map_or("-", |a| a.user.as_str()),
            report.accounts.first().map_or(0, |a| a.addresses.len())
        );
        let (pwall, pcpu) = (median(&mut p_wall), median(&mut p_cpu));
        let (cwall, ccpu) = (median(&mut c_wall), median(&mut c_cpu));
        for (what, wall, cpu) in [
            ("logins:", ours, cpu),
            ("on one thread:", pwall, pcpu),
            ("mailq-tui logins:", cwall, ccpu),
        ] {
            println!(
                "  {what:<22} {wall:.2} s wall ({:.0} MB/s), {cpu:.2} s CPU ({:.0} MB/s); ratio to grep: {:.2} by wall clock, {:.2} by CPU",
                mbs(wall),
                mbs(cpu),
                grep / wall,
                grep_cpu / cpu
            );
        }
    }
    println!(
        "\npeak RSS (VmHWM) after both: {:.1} MB",
        status_kib("VmHWM:") as f64 / 1024.0
    );
}
