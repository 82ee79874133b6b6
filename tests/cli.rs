//! The scriptable subcommands, run as a user would: the real binary on fixture files.

use std::io::Read;
use std::process::{Command, Output, Stdio};

const STORM: &str = "tests/fixtures/postqueue/storm.jsonl";
const EMPTY: &str = "tests/fixtures/postqueue/empty.jsonl";
/// 10,000 s after the oldest message of the storm fixture.
const NOW: &str = "1700010000";

fn run(file: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .env("MAILQ_TUI_NOW", NOW)
        .arg("--from-file")
        .arg(file)
        .args(args)
        .output()
        .expect("run mailq-tui")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

#[test]
fn ids_prints_one_queue_id_per_line() {
    let o = run(STORM, &["ids", "rcpt:@gmail.com"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "6D4B63E2C0\n6D4B63E2C1\n6D4B63E2C2\n");
    // The third NDR also goes to victim-a: the user is told.
    assert!(stderr(&o).contains("1 selected message also has recipients outside the filter"));
}

#[test]
fn ids_with_several_terms_and_negation() {
    let o = run(
        STORM,
        &[
            "ids",
            "null",
            "reason:/timed out/",
            "!reason:suspended",
            "age:>2h",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let ids: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(
        ids,
        ["4B2F41C0A0", "4B2F41C0A1", "4B2F41C0A2", "4B2F41C0A3"]
    );
}

#[test]
fn ids_requotes_words_with_spaces() {
    let o = run(STORM, &["ids", "reason:user unknown"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = run(STORM, &["ids", "reason:host not found"]);
    assert_eq!(stdout(&o), "7E5C74F3D0\n7E5C74F3D1\n");
}

#[test]
fn parse_problems_are_warned_about_never_hidden() {
    let o = run(STORM, &["ids", "sender:alice"]);
    assert_eq!(stdout(&o), "8F6D8504E0\n");
    let e = stderr(&o);
    assert!(
        e.contains("warning: 2 lines of the queue listing could not be parsed"),
        "{e}"
    );
    assert!(e.contains("line 6:"), "{e}");
    // The hostile escape in line 10 is shown escaped.
    assert!(e.contains("\\e[31m") && !e.contains('\u{1b}'), "{e}");
}

#[test]
fn filter_errors_exit_2_with_a_pointer() {
    let o = run(STORM, &["ids", "age:>2x"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    let e = stderr(&o);
    assert!(
        e.contains("filter error at column 7: unknown unit `x`"),
        "{e}"
    );
    assert!(e.contains("  age:>2x\n        ^"), "{e}");
    let o = run(STORM, &["summary", "bogus:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown field `bogus`"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        run(STORM, &["summary", "--by", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(STORM, &["summary", "--by", "a,b,c"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(STORM, &["summary", "--sort", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(run(STORM, &["help", "nope"]).status.code(), Some(2));
}

#[test]
fn a_missing_file_exits_1() {
    let o = run("tests/fixtures/postqueue/does-not-exist.jsonl", &["ids"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).starts_with("error: "));
}

#[test]
fn summary_by_reason_is_an_aligned_table() {
    let o = run(STORM, &["summary"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "MESSAGES  RCPTS    SIZE  OLDEST  REASON");
    assert_eq!(
        lines[1],
        "       9      9   18.9K   2h46m  connect to <host>: Connection timed out"
    );
    assert!(lines[2].starts_with("       4      5    7.0K   1h46m  host <host> said: 450 4.2.0"));
    assert!(
        out.contains("20 messages, 23 recipients, 282.8K in 5 groups"),
        "{out}"
    );
}

#[test]
fn summary_two_levels_indents_sub_groups() {
    let o = run(
        STORM,
        &[
            "summary",
            "--by",
            "rcpt-domain,reason",
            "--top",
            "2",
            "null",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "MESSAGES  RCPTS   SIZE  OLDEST  RCPT-DOMAIN / REASON"
    );
    assert!(lines[1].ends_with("  victim-a.example"), "{out}");
    assert!(lines[1].starts_with("       9      9"), "{out}");
    assert!(
        lines[2].ends_with("    connect to <host>: Connection timed out"),
        "{out}"
    );
    assert!(lines[3].ends_with("  victim-b.example"), "{out}");
    assert!(out.contains("(top 2 shown)"), "{out}");
    assert!(out.contains("filter: null"), "{out}");
}

#[test]
fn summary_json_has_the_same_data() {
    let o = run(STORM, &["summary", "--by", "reason,rcpt-domain", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["total"]["messages"], 20);
    assert_eq!(v["total"]["recipients"], 23);
    assert_eq!(v["problems"], 2);
    assert_eq!(v["by"], serde_json::json!(["reason", "rcpt-domain"]));
    let g0 = &v["groups"][0];
    assert_eq!(g0["label"], "connect to <host>: Connection timed out");
    assert_eq!(g0["messages"], 9);
    assert_eq!(g0["per_queue"]["deferred"], 9);
    assert_eq!(g0["oldest_age"], 10_000);
    assert_eq!(g0["children"][0]["label"], "victim-a.example");
    let arrivals: u64 = g0["arrivals"]
        .as_array()
        .expect("arrivals")
        .iter()
        .map(|x| x.as_u64().expect("n"))
        .sum();
    assert_eq!(arrivals, 9);
}

#[test]
fn empty_queue() {
    let o = run(EMPTY, &["summary"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("0 messages, 0 recipients, 0B in 0 groups"));
    let o = run(EMPTY, &["ids"]);
    assert_eq!((o.status.code(), stdout(&o)), (Some(0), String::new()));
}

#[test]
fn help_filter() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["help", "filter"])
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), mailq_tui::model::FILTER_HELP);
}

#[test]
fn ids_into_a_closed_pipe_exits_quietly() {
    // A big queue so the pipe fills after the reader is gone.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.jsonl");
    let mut s = String::new();
    for i in 0..50_000 {
        s.push_str(&format!(
            "{{\"queue_name\":\"deferred\",\"queue_id\":\"A{i:09X}\",\"arrival_time\":1700000000,\"message_size\":1,\"sender\":\"MAILER-DAEMON\",\"recipients\":[{{\"address\":\"v{i}@a.example\"}}]}}\n"
        ));
    }
    std::fs::write(&path, s).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .arg("--from-file")
        .arg(&path)
        .arg("ids")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 11];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    // stdout is dropped (closed) here, like `| head -1`.
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert_eq!(&first, b"A000000000\n");
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}

/// Counts read the same on the command line as in the TUI: `1,485`, never `1485`.
#[test]
fn bulk_preview_counts_have_thousands_separators() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["--demo", "hold", "--dry-run", "null"])
        .output()
        .expect("run mailq-tui");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = stderr(&o).lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with("Hold 1,485 messages (1,485 recipients)"),
        "{first}"
    );
    assert!(first.contains("deferred: 1,417"), "{first}");
}

/// `summary --shape` on a capture: qshape's layout, `-s` by sender domain.
#[test]
fn summary_shape_prints_qshape_columns() {
    let o = run(STORM, &["summary", "--shape"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let mut lines = out.lines();
    let head: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        head,
        [
            "T", "5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+"
        ]
    );
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .trim_start()
            .starts_with("TOTAL")
    );
    for l in out.lines() {
        assert_eq!(l.chars().count(), 80, "{l:?}");
    }
    let s = run(STORM, &["summary", "--shape", "-s", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).expect("json");
    assert_eq!(v["by"], "sender-domain");
    assert_eq!(v["rows"][0]["domain"], "MAILER-DAEMON");
    // -s without --shape is a usage error.
    assert_eq!(run(STORM, &["summary", "-s"]).status.code(), Some(2));
}

// --- one reading of the filter words (issue #13, items 1–3) ---------------------------------

/// The IDs a `--dry-run` plan shows (all of them when there are at most 10) and its count.
fn dry_run_plan(o: &Output, op: &str) -> (Vec<String>, usize) {
    let err = stderr(o);
    let count = err
        .lines()
        .find_map(|l| l.strip_prefix(&format!("dry run: would {op} ")))
        .and_then(|rest| rest.split_whitespace().next())
        .map_or(0, |n| n.parse().expect("count"));
    let ids = err
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() >= 10 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .collect();
    (ids, count)
}

#[test]
fn ids_and_every_bulk_action_select_the_same_messages() {
    let argvs: [&[&str]; 6] = [
        &["reason:user unknown"],
        &["reason:host not found"],
        &["null", "age:>2h"],
        &["rcpt:@gmail.com"],
        &["reason:/timed out/", "!reason:suspended"],
        &["subject:canada pharmacy"],
    ];
    for argv in argvs {
        let mut args = vec!["ids"];
        args.extend_from_slice(argv);
        let o = run(STORM, &args);
        assert_eq!(o.status.code(), Some(0), "{argv:?}: {}", stderr(&o));
        let mut want: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
        want.sort();
        for op in ["delete", "hold", "release", "requeue"] {
            let mut args = vec![op, "--dry-run"];
            args.extend_from_slice(argv);
            let o = run(STORM, &args);
            assert_eq!(o.status.code(), Some(0), "{op} {argv:?}: {}", stderr(&o));
            if want.is_empty() {
                assert!(stderr(&o).contains("nothing matches"), "{op} {argv:?}");
                continue;
            }
            let (mut got, count) = dry_run_plan(&o, op);
            got.sort();
            assert_eq!(count, want.len(), "{op} {argv:?}: {}", stderr(&o));
            if want.len() <= 10 {
                assert_eq!(got, want, "{op} {argv:?}");
            }
        }
    }
}

#[test]
fn options_after_the_filter_words_are_options() {
    // `--dry-run` at the end is the flag, not a filter word that matches nothing.
    let o = run(STORM, &["hold", "null", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (_, count) = dry_run_plan(&o, "hold");
    assert_eq!(count, 17, "{}", stderr(&o));
    let o = run(STORM, &["delete", "-y", "null", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("dry run: would delete 17"),
        "{}",
        stderr(&o)
    );
    let o = run(STORM, &["summary", "null", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).trim_start().starts_with('{') || stdout(&o).trim_start().starts_with('['));
}

#[test]
fn an_unknown_option_is_a_usage_error_never_a_filter_word() {
    for args in [
        &["ids", "null", "--bogus"][..],
        &["hold", "--dry-run", "null", "--frobnicate"],
        &["ids", "-x"],
    ] {
        let o = run(STORM, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    // After `--` a word starting with `-` is a filter word.
    let o = run(STORM, &["ids", "--", "-x"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_filter_error_in_a_bulk_action_is_a_usage_error() {
    let o = run(STORM, &["hold", "--dry-run", "age:>banana"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn read_only_refuses_every_bulk_action_early() {
    for op in ["delete", "hold", "release", "requeue"] {
        let o = run(STORM, &["--read-only", op, "--yes", "null"]);
        assert_eq!(o.status.code(), Some(1), "{op}: {}", stderr(&o));
        assert!(stderr(&o).contains("--read-only"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{op}: {}", stdout(&o));
        // A dry run changes nothing: allowed.
        let o = run(STORM, &["--read-only", op, "--dry-run", "null"]);
        assert_eq!(o.status.code(), Some(0), "{op}: {}", stderr(&o));
    }
}

// --- root trusts no one else's configuration (issue #13, item 5) ------------------------------

/// As root (CI runs as root), like OpenSSH: a config file owned by another user, or one
/// that group or others can write, is refused with exit 2, whether named by `--config` or
/// by `$MAILQ_TUI_CONFIG`; root's own private file is read.
#[test]
fn as_root_a_config_file_others_control_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("config.toml");
    // What an attacker would put there.
    std::fs::write(
        &cfg,
        "[[hosts]]\nname = \"mx\"\nssh-options = [\"-oProxyCommand=touch /tmp/pwned\"]\n",
    )
    .expect("write");
    let run_with = |how: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mailq-tui"));
        c.env("MAILQ_TUI_NOW", NOW)
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .args(["--from-file", STORM]);
        if how == "env" {
            c.env("MAILQ_TUI_CONFIG", &cfg);
        } else {
            c.arg("--config").arg(&cfg);
        }
        c.args(["ids", "null"]).output().expect("run")
    };
    let set = |mode: u32, uid: u32| {
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(mode)).expect("chmod");
        std::os::unix::fs::chown(&cfg, Some(uid), None).expect("chown");
    };
    for (mode, uid, why) in [
        (0o644, 65534, "owned by uid 65534"),
        (0o666, 0, "writable by group or others"),
        (0o620, 0, "writable by group or others"),
    ] {
        set(mode, uid);
        for how in ["flag", "env"] {
            let o = run_with(how);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{mode:o} {uid} {how}: {}",
                stderr(&o)
            );
            assert!(
                stderr(&o).contains("refusing config file"),
                "{}",
                stderr(&o)
            );
            assert!(stderr(&o).contains(why), "{}", stderr(&o));
            assert!(stdout(&o).is_empty());
        }
    }
    set(0o600, 0);
    let o = run_with("flag");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// `expire` is a queue change like the others: `--read-only` refuses it before listing.
#[test]
fn read_only_refuses_expire() {
    let o = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["--demo", "--read-only", "expire", "-y", "null"])
        .output()
        .expect("run mailq-tui");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to expire"), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["--demo", "expire", "--dry-run", "null"])
        .output()
        .expect("run mailq-tui");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expiring a bounce discards it"),
        "{}",
        stderr(&o)
    );
}

/// `deliver` is for a few messages; `flush` warns during a storm; `--read-only` refuses both.
#[test]
fn deliver_is_bounded_and_flush_warns_in_a_storm() {
    let run_demo = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
            .args(["--demo", "--audit-log", "/dev/null"])
            .args(args)
            .output()
            .expect("run mailq-tui")
    };
    let o = run_demo(&["deliver", "-y", "null"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("limited to 20"), "{}", stderr(&o));
    let o = run_demo(&["flush", "-y"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("NDRs are deferred: a flush retries"),
        "{}",
        stderr(&o)
    );
    assert!(
        stdout(&o).starts_with("flush: deferred 1,917"),
        "{}",
        stdout(&o)
    );
    let o = run_demo(&["--read-only", "flush", "-y"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to flush"), "{}", stderr(&o));
    let o = run_demo(&["flush", "-y", "--site", "-x;rm"]);
    assert_ne!(o.status.code(), Some(0));
}

/// As root, a `PATH` directory someone else can write to supplies no program: a planted
/// `postconf`/`postqueue` there is never run (sudo's `secure_path` idea). The instance is
/// a directory that does not exist, so the real Postfix found instead only fails to list.
#[test]
fn as_root_programs_in_a_directory_others_can_write_are_not_run() {
    use std::os::unix::fs::PermissionsExt;
    if !nix::unistd::geteuid().is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root: this case must run there"
        );
        eprintln!("skipped: needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let evil = dir.path().join("evil");
    std::fs::create_dir(&evil).expect("mkdir");
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let marker = dir.path().join("ran");
    for name in ["postconf", "postqueue", "postsuper", "postcat", "ssh"] {
        let p = evil.join(name);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho {name} >> '{}'\n", marker.display()),
        )
        .expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let path = format!("{}:/usr/sbin:/usr/bin:/bin", evil.display());
    let missing = dir.path().join("no-such-instance");
    for args in [
        vec!["-c", missing.to_str().expect("utf-8"), "ids", "null"],
        vec!["--host", "root@127.0.0.1", "ids", "null"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
            .env("PATH", &path)
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env_remove("MAILQ_TUI_CONFIG")
            .args(["--host-timeout", "5"])
            .args(&args)
            .output()
            .expect("run");
        assert!(
            !marker.exists(),
            "{args:?} ran a program from a world-writable PATH entry: {}; stderr: {}",
            std::fs::read_to_string(&marker).unwrap_or_default(),
            stderr(&o)
        );
    }
}
