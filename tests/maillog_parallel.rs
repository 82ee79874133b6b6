//! The adapter's block-parallel reader gives exactly the report of feeding the analyzer one
//! line at a time: on every fixture, and on a generated log whose joins (queue IDs between
//! smtpd, qmgr and the delivery agents, guessing before logins, failures after them) cross
//! block boundaries everywhere, with broken bytes, CRLF, junk and an over-long line.

use std::io::Write;
use std::path::PathBuf;

use mailq_tui::maillog::{read_at_with, read_file, read_stream, read_stream_with};
use mailq_tui::model::log::chunk::MAX_LINE;
use mailq_tui::model::log::line::Clock;
use mailq_tui::model::log::{LoginAnalyzer, LoginReport};
use mailq_tui::model::time::utc_from_civil;
use mailq_tui::synth::Rng;

fn clock() -> Clock {
    Clock {
        now: utc_from_civil(2026, 11, 30, 0, 0, 0),
        utc_offset: 3600,
    }
}

/// The reference: one line at a time (lines longer than the reader's limit in pieces).
fn sequential(data: &[u8], journal: bool, since: Option<i64>) -> LoginReport {
    let mut a = LoginAnalyzer::new(clock(), since);
    for line in data.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let pieces: Vec<&[u8]> = if body.len() > MAX_LINE {
            body.chunks(MAX_LINE).collect()
        } else {
            vec![line]
        };
        for p in pieces {
            if journal {
                a.push_journal_line(p);
            } else {
                a.push_line(p);
            }
        }
    }
    a.finish()
}

fn streamed(data: &[u8], since: Option<i64>, workers: usize, block: usize) -> LoginReport {
    let mut a = LoginAnalyzer::new(clock(), since);
    read_stream_with(std::io::Cursor::new(data), &mut a, workers, block).expect("read");
    a.finish()
}

/// Read by the positioned reader ([`read_file`]'s way): workers read their own blocks.
fn positioned(data: &[u8], since: Option<i64>, workers: usize, block: usize) -> LoginReport {
    let mut a = LoginAnalyzer::new(clock(), since);
    read_at_with(data, data.len() as u64, &mut a, workers, block).expect("read");
    a.finish()
}

fn check_all_ways(name: &str, data: &[u8], journal: bool, since: Option<i64>) {
    let want = sequential(data, journal, since);
    for (workers, block) in [(1, 1 << 20), (2, 1 << 20), (2, 4096), (3, 777), (2, 64)] {
        let got = streamed(data, since, workers, block);
        assert_eq!(
            got, want,
            "{name}: {workers} workers, {block}-byte blocks differ from one line at a time"
        );
        let got = positioned(data, since, workers, block);
        assert_eq!(
            got, want,
            "{name}: positioned, {workers} workers, {block}-byte blocks differ from one line at a time"
        );
    }
    let mut a = LoginAnalyzer::new(clock(), since);
    read_stream(std::io::Cursor::new(data), &mut a).expect("read");
    assert_eq!(a.finish(), want, "{name}: read_stream");
}

#[test]
fn fixtures_read_in_parallel_equal_line_by_line() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/maillog");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".manifest.json") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        for since in [None, Some(utc_from_civil(2026, 11, 24, 0, 0, 0))] {
            check_all_ways(&name, &data, name.ends_with(".json"), since);
        }
        n += 1;
    }
    assert!(n >= 6, "only {n} fixtures");
}

/// A log where several sessions interleave: each message's lines are spread over the
/// following lines (so joins cross blocks), queue IDs are reused, guessing addresses later
/// get in, logged-in addresses later fail; BSD and ISO stamps, Dovecot, rejections.
fn generated(lines: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<u8> = Vec::new();
    // Lines still to be written, each at a future position.
    let mut later: Vec<(usize, String)> = Vec::new();
    let mut t = utc_from_civil(2026, 11, 20, 0, 0, 0) - 3600;
    let mut i = 0;
    while i < lines {
        t += i64::try_from(rng.below(40)).expect("small");
        let secs = t.rem_euclid(86_400);
        let day = 20 + (t - utc_from_civil(2026, 11, 20, 0, 0, 0)).div_euclid(86_400);
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let ts = if rng.below(2) == 0 {
            format!("Nov {day} {h:02}:{m:02}:{s:02}")
        } else {
            format!(
                "2026-11-{day}T{h:02}:{m:02}:{s:02}.{:06}+01:00",
                rng.below(1_000_000)
            )
        };
        let ip = |r: &mut Rng| format!("10.0.{}.{}", r.below(4), r.below(40));
        let user = |r: &mut Rng| format!("u{}@example.jp", r.below(12));
        let qid = format!("{:X}", 0x1000 + rng.below(300));
        let line = match rng.below(14) {
            0..=3 => {
                let u = user(&mut rng);
                let a = ip(&mut rng);
                let nrcpt = 1 + rng.below(4);
                let mut k = i + 1 + usize::try_from(rng.below(30)).expect("small");
                later.push((
                    k,
                    format!(
                        "{ts} mx postfix/qmgr[9]: {qid}: from=<{u}>, size=900, nrcpt={nrcpt} (queue active)"
                    ),
                ));
                for r in 0..nrcpt {
                    k += 1 + usize::try_from(rng.below(20)).expect("small");
                    let st = ["sent", "deferred", "bounced", "expired"]
                        [usize::try_from(rng.below(4)).expect("small")];
                    later.push((
                        k,
                        format!(
                            "{ts} mx postfix/smtp[8]: {qid}: to=<r{r}@far.example>, relay=x[1.2.3.4]:25, delay=1, dsn=4.0.0, status={st} (x)"
                        ),
                    ));
                }
                if rng.below(3) > 0 {
                    later.push((k + 1, format!("{ts} mx postfix/qmgr[9]: {qid}: removed")));
                }
                format!(
                    "{ts} mx postfix/submission/smtpd[7]: {qid}: client=unknown[{a}], sasl_method=PLAIN, sasl_username={u}"
                )
            }
            4..=5 => {
                let a = ip(&mut rng);
                if rng.below(2) == 0 {
                    let u = user(&mut rng);
                    format!(
                        "{ts} mx postfix/smtpd[7]: warning: unknown[{a}]: SASL LOGIN authentication failed: authentication failure, sasl_username={u}"
                    )
                } else {
                    format!(
                        "{ts} mx postfix/smtpd[7]: warning: unknown[{a}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
                    )
                }
            }
            6 => format!(
                "{ts} mx dovecot[5]: imap-login: Login: user=<{}>, method=PLAIN, rip={}, lip=192.0.2.1, TLS",
                user(&mut rng),
                ip(&mut rng)
            ),
            7 => format!(
                "{ts} mx dovecot[5]: auth: passwd-file({},{}): Password mismatch",
                user(&mut rng),
                ip(&mut rng)
            ),
            8 => format!(
                "{ts} mx postfix/smtpd[7]: NOQUEUE: reject: RCPT from unknown[{a}]: 554 5.7.1 Service unavailable; Client host [{a}] blocked using ips.backscatterer.org; from=<> to=<x@example.jp> proto=ESMTP helo=<h>",
                a = ip(&mut rng)
            ),
            9 => format!(
                "{ts} mx postfix/cleanup[6]: {qid}: reject: header Subject: spam {} from unknown[{}]; from=<> to=<x@example.jp> proto=ESMTP helo=<h>: 5.7.1 rule {}",
                rng.below(3),
                ip(&mut rng),
                rng.below(3)
            ),
            10 => format!(
                "{ts} mx postfix/smtpd[7]: connect from unknown[{}]\r",
                ip(&mut rng)
            ),
            11 => format!(
                "{ts} mx postfix/smtpd[7]: {qid}: client=h\u{00e9}[{}], sasl_method=LOGIN, sasl_username=\u{1b}[2Jbad\u{2028}",
                ip(&mut rng)
            ),
            12 if rng.below(2) == 0 => {
                // Inbound mail (no SASL) reusing a queue ID a submission may still hold.
                let k = i + 1 + usize::try_from(rng.below(25)).expect("small");
                later.push((
                    k,
                    format!(
                        "{ts} mx postfix/local[3]: {qid}: to=<u1@example.jp>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)"
                    ),
                ));
                later.push((k + 1, format!("{ts} mx postfix/qmgr[9]: {qid}: removed")));
                format!(
                    "{ts} mx postfix/smtpd[7]: {qid}: client=mail.example.net[{}]",
                    ip(&mut rng)
                )
            }
            12 => "not a syslog line at all".to_owned(),
            _ => format!("{ts} mx postfix/anvil[4]: statistics: max connection rate 1/60s"),
        };
        out.extend_from_slice(line.as_bytes());
        if rng.below(50) == 0 {
            // Broken bytes inside a line.
            out.extend_from_slice(b" \xff\xfe");
        }
        out.push(b'\n');
        i += 1;
        later.sort_by_key(|(k, _)| *k);
        while later.first().is_some_and(|(k, _)| *k <= i) {
            let (_, l) = later.remove(0);
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
            i += 1;
        }
    }
    out
}

#[test]
fn generated_log_read_in_parallel_equals_line_by_line() {
    let data = generated(40_000, 0x5eed);
    let since = Some(utc_from_civil(2026, 11, 22, 0, 0, 0));
    let want = sequential(&data, false, since);
    // The log is not trivial: the joins and signals are there to get wrong.
    assert!(want.input.events > 10_000, "{:?}", want.input);
    assert!(
        want.accounts
            .iter()
            .any(|a| a.messages > 0 && a.deferred > 0)
    );
    assert!(want.accounts.iter().any(|a| !a.guessed_then_in.is_empty()));
    assert!(want.accounts.iter().any(|a| !a.failing_now.is_empty()));
    assert!(want.input.unparsed > 0 && want.input.before_window > 0);
    assert!(!want.rejections.is_empty());
    check_all_ways("generated", &data, false, since);
    check_all_ways("generated, no window", &data, false, None);
}

#[test]
fn gzip_and_over_long_lines_read_in_parallel_equal_line_by_line() {
    let mut data = generated(5_000, 7);
    let mut long = vec![b'x'; MAX_LINE * 2 + 123];
    long[..16].copy_from_slice(b"Nov 21 10:00:00 ");
    data.extend_from_slice(&long);
    data.push(b'\n');
    data.extend_from_slice(&generated(5_000, 8));
    // No newline at the end.
    data.extend_from_slice(b"Nov 21 10:00:00 mx postfix/qmgr[9]: 1A: removed");
    check_all_ways("long line", &data, false, None);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let gz = gz.finish().unwrap();
    let want = sequential(&data, false, None);
    for (workers, block) in [(1, 1 << 20), (2, 5000)] {
        assert_eq!(streamed(&gz, None, workers, block), want, "gzip {workers}");
    }
    // Files, as `logins --log FILE` opens them: plain (read positioned) and gzip (streamed).
    let dir = tempfile::tempdir().unwrap();
    for (file, bytes) in [("mail.log", &data), ("mail.log.1.gz", &gz)] {
        let path = dir.path().join(file);
        std::fs::write(&path, bytes).unwrap();
        let mut a = LoginAnalyzer::new(clock(), None);
        read_file(&std::fs::File::open(&path).unwrap(), &mut a).expect("read");
        assert_eq!(a.finish(), want, "{file}");
    }
}

/// A file that ends before the length the positioned reader was given (a log truncated
/// while it is read, by rotation or `copytruncate`): what is there is read, nothing panics.
#[test]
fn a_file_shorter_than_announced_is_read_to_its_end() {
    let data = generated(6_000, 31);
    let want = sequential(&data, false, None);
    for (workers, block) in [(2, 4096), (3, 777), (1, 1000)] {
        let mut a = LoginAnalyzer::new(clock(), None);
        read_at_with(
            &data[..],
            data.len() as u64 + 50_000,
            &mut a,
            workers,
            block,
        )
        .expect("read");
        assert_eq!(a.finish(), want, "{workers} workers, {block}-byte blocks");
    }
}

#[test]
fn journald_json_read_in_parallel_equals_line_by_line() {
    let syslog = generated(6_000, 99);
    let mut json = Vec::new();
    for (n, line) in syslog.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        let Some((_, rest)) = text.split_once(" mx ") else {
            json.extend_from_slice(b"-- junk --\n");
            continue;
        };
        let Some((prog, msg)) = rest.split_once(": ") else {
            continue;
        };
        let prog = prog.split('[').next().unwrap_or(prog);
        let entry = serde_json::json!({
            "__REALTIME_TIMESTAMP": format!("{}", 1_795_000_000_000_000u64 + n as u64 * 1_000_000),
            "SYSLOG_IDENTIFIER": prog,
            "_HOSTNAME": "mx",
            "MESSAGE": msg,
        });
        json.extend_from_slice(entry.to_string().as_bytes());
        json.push(b'\n');
    }
    // A binary MESSAGE, as journald writes fields that are not UTF-8.
    json.extend_from_slice(br#"{"SYSLOG_IDENTIFIER":"postfix/smtpd","MESSAGE":[119,97,114,110,105,110,103,58,32,117,110,107,110,111,119,110,91,49,46,50,46,51,46,52,93,58,32,83,65,83,76,32,76,79,71,73,78,32,97,117,116,104,101,110,116,105,99,97,116,105,111,110,32,102,97,105,108,101,100,58,32,255]}"#);
    json.push(b'\n');
    let want = sequential(&json, true, None);
    assert!(want.input.events > 1_000);
    assert_eq!(want.address("1.2.3.4").map(|a| a.failures), Some(1));
    check_all_ways("journal", &json, true, None);
}

/// Two sources into one analyzer (as `logins` reads a rotated file, then the current one):
/// the second read in parallel orders its events after the first's.
#[test]
fn a_second_source_read_in_parallel_continues_the_first() {
    let (old, new) = (generated(8_000, 21), generated(8_000, 22));
    let since = Some(utc_from_civil(2026, 11, 22, 0, 0, 0));
    let mut whole = old.clone();
    whole.extend_from_slice(&new);
    let want = sequential(&whole, false, since);
    for (first, second) in [(1, 2), (2, 2), (3, 1)] {
        let mut a = LoginAnalyzer::new(clock(), since);
        read_stream_with(std::io::Cursor::new(&old), &mut a, first, 999).expect("read");
        read_stream_with(std::io::Cursor::new(&new), &mut a, second, 1500).expect("read");
        assert_eq!(a.finish(), want, "{first} then {second} workers");
    }
}

/// A queue ID is reused by inbound mail (no SASL) while a submission still held it: the
/// inbound message's delivery is not counted for the account, read either way.
#[test]
fn inbound_mail_reusing_a_queue_id_ends_the_submission() {
    let log = "\
Nov 21 10:00:00 mx postfix/submission/smtpd[7]: 1A2B: client=unknown[10.0.0.1], sasl_method=PLAIN, sasl_username=u@example.jp
Nov 21 10:00:01 mx postfix/qmgr[9]: 1A2B: from=<u@example.jp>, size=900, nrcpt=1 (queue active)
Nov 21 10:00:02 mx postfix/smtp[8]: 1A2B: to=<r@far.example>, relay=x[1.2.3.4]:25, delay=1, dsn=4.4.1, status=deferred (timeout)
Nov 21 11:00:00 mx postfix/smtpd[7]: 1A2B: client=mail.example.net[192.0.2.9]
Nov 21 11:00:01 mx postfix/qmgr[9]: 1A2B: from=<news@example.net>, size=900, nrcpt=1 (queue active)
Nov 21 11:00:02 mx postfix/local[3]: 1A2B: to=<u@example.jp>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)
Nov 21 11:00:03 mx postfix/qmgr[9]: 1A2B: removed
";
    let want = sequential(log.as_bytes(), false, None);
    let acc = &want.accounts[0];
    assert_eq!((acc.messages, acc.deferred, acc.sent), (1, 1, 0), "{acc:?}");
    check_all_ways("reused queue ID", log.as_bytes(), false, None);
}

/// A regular file whose size is not known (`/proc` says 0) is read as a stream, not taken
/// for empty.
#[test]
fn a_file_of_unknown_size_is_read_to_its_end() {
    let file = std::fs::File::open("/proc/self/status").unwrap();
    assert_eq!(
        file.metadata().unwrap().len(),
        0,
        "the premise: /proc gives no size"
    );
    let mut a = LoginAnalyzer::new(clock(), None);
    read_file(&file, &mut a).expect("read");
    let report = a.finish();
    assert!(report.input.lines > 10, "{:?}", report.input);
}

/// An address's host name is the first one a line gives: Dovecot's lines give none, a later
/// smtpd line names it, a still later one with another name changes nothing; read in
/// chunks, a name first given in a later chunk still reaches the address.
#[test]
fn an_address_is_named_by_the_first_line_that_names_it() {
    let log = "\
Nov 21 09:00:00 mx dovecot: imap-login: Login: user=<u@example.jp>, method=PLAIN, rip=10.0.0.1, lip=192.0.2.1, mpid=1, TLS
Nov 21 09:00:01 mx dovecot: imap-login: Login: user=<v@example.jp>, method=PLAIN, rip=10.0.0.2, lip=192.0.2.1, mpid=2, TLS
Nov 21 10:00:00 mx postfix/submission/smtpd[7]: 1A2B: client=first.example[10.0.0.1], sasl_method=PLAIN, sasl_username=u@example.jp
Nov 21 10:00:01 mx postfix/submission/smtpd[7]: 1A2C: client=second.example[10.0.0.1], sasl_method=PLAIN, sasl_username=u@example.jp
Nov 21 10:00:02 mx postfix/submission/smtpd[7]: 1A2D: client=unknown[10.0.0.3], sasl_method=PLAIN, sasl_username=v@example.jp
";
    let want = sequential(log.as_bytes(), false, None);
    let name = |addr: &str| want.address(addr).map(|a| a.name.as_str());
    assert_eq!(name("10.0.0.1"), Some("first.example"), "{want:?}");
    assert_eq!(name("10.0.0.2"), Some(""));
    assert_eq!(name("10.0.0.3"), Some("unknown"));
    check_all_ways("host names", log.as_bytes(), false, None);
}
