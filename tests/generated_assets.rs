//! The manual pages (`assets/man/`) and shell completions (`assets/completions/`) are
//! generated from the clap definitions and the program's own help texts (see
//! `tests/manual/mod.rs`). This test fails when they are out of date; regenerate with
//! `MAILQ_TUI_BLESS=1 cargo test --test generated_assets`.

mod manual;

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use mailq_tui::cli::Cli;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, page) in manual::pages() {
        out.push((assets().join("man").join(name), page.into_bytes()));
    }
    for (shell, name) in [
        (Shell::Bash, "mailq-tui.bash"),
        (Shell::Zsh, "_mailq-tui"),
        (Shell::Fish, "mailq-tui.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "mailq-tui", &mut buf);
        out.push((assets().join("completions").join(name), buf));
    }
    out
}

#[test]
fn man_page_and_completions_are_up_to_date() {
    let bless = std::env::var_os("MAILQ_TUI_BLESS").is_some();
    let mut stale = Vec::new();
    for (path, content) in generated() {
        if bless {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &content).expect("write");
        } else if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (run MAILQ_TUI_BLESS=1 cargo test --test generated_assets): {stale:?}"
    );
}

#[test]
fn help_output() {
    let help = Cli::command()
        .term_width(100)
        .render_long_help()
        .to_string();
    insta::assert_snapshot!("long_help", help);
    for sub in ["summary", "hold", "storm"] {
        let mut cmd = Cli::command().term_width(100);
        let text = cmd
            .find_subcommand_mut(sub)
            .expect("subcommand")
            .render_long_help()
            .to_string();
        insta::assert_snapshot!(format!("long_help_{sub}"), text);
    }
}

/// The `.SH` headings of a page, unquoted.
fn sections(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|l| l.strip_prefix(".SH "))
        .map(|h| h.trim_matches('"').to_owned())
        .collect()
}

#[test]
fn every_subcommand_has_a_page_and_every_page_a_subcommand() {
    let pages = manual::pages();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    let mut want = vec!["mailq-tui.1".to_owned()];
    want.extend(
        Cli::command()
            .get_subcommands()
            .map(|s| format!("mailq-tui-{}.1", s.get_name())),
    );
    for w in &want {
        assert!(names.contains(&w.as_str()), "no manual page {w}");
    }
    assert_eq!(
        names.len(),
        want.len(),
        "pages without a command: {names:?}"
    );
    // Nothing stale is left behind in assets/man/ either.
    let on_disk: Vec<String> = std::fs::read_dir(assets().join("man"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for f in on_disk {
        assert!(want.contains(&f), "assets/man/{f} belongs to no command");
    }
}

#[test]
fn every_page_has_the_required_sections_in_order() {
    for (name, page) in manual::pages() {
        let got = sections(&page);
        let mut want: Vec<&str> = manual::REQUIRED.to_vec();
        if name == "mailq-tui.1" {
            want.extend(manual::MAIN_ONLY);
        }
        for w in &want {
            assert!(got.iter().any(|g| g == w), "{name} lacks {w}: {got:?}");
        }
        // NAME, SYNOPSIS, DESCRIPTION first and SEE ALSO last, as in Postfix's pages.
        assert_eq!(got[..3], ["NAME", "SYNOPSIS", "DESCRIPTION"], "{name}");
        assert_eq!(got.last().map(String::as_str), Some("SEE ALSO"), "{name}");
        let examples = page.split(".SH EXAMPLES").nth(1).unwrap_or_default();
        assert!(examples.contains("mailq\\-tui"), "{name}: no example");
    }
}

#[test]
fn the_main_page_carries_the_programs_own_texts() {
    let (_, page) = manual::pages().into_iter().next().expect("mailq-tui.1");
    // Every filter field, grouping key, key-table action and exit code, from their sources.
    for field in ["sender", "rcpt", "reason", "retry", "campaign", "helo"] {
        assert!(
            page.contains(&format!("\\fB{field}\\fR\n")),
            "filter field {field}"
        );
    }
    for key in mailq_tui::model::GroupKey::ALL {
        assert!(
            page.contains(&format!("\\fB{}\\fR\n", key.name().replace('-', "\\-"))),
            "grouping key {}",
            key.name()
        );
    }
    for (_, rows) in mailq_tui::cli::manual::key_sections() {
        for r in rows {
            if let Some(a) = r.action {
                assert!(page.contains(&format!("[{}]", a)), "key action {a}");
            }
        }
    }
    for s in mailq_tui::cli::exit::statuses(None) {
        assert!(
            page.contains(&format!(".B {}\n", s.code)),
            "exit {}",
            s.code
        );
    }
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        assert!(
            page.contains(&format!(
                "\\fBmailq\\-tui\\-{}\\fR(1)",
                name.replace('-', "\\-")
            )),
            "SEE ALSO lacks mailq-tui-{name}(1)"
        );
    }
}

/// Run `tool args… FILE` on every page; everything it prints is a finding.
fn lint_with(tool: &str, args: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, page) in manual::pages() {
        let path = dir.path().join(&name);
        std::fs::write(&path, page).expect("write");
        let out = std::process::Command::new(tool)
            .args(args)
            .arg(&path)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {tool} ({e}): apt-get install groff-base mandoc")
            });
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && said.trim().is_empty(),
            "{tool} on {name}:\n{said}"
        );
    }
}

#[test]
fn pages_render_without_warnings_in_groff() {
    lint_with("groff", &["-man", "-Tutf8", "-ww", "-z"]);
}

#[test]
fn pages_pass_mandoc_lint() {
    // Warnings and errors; mandoc's STYLE notes (long source lines) are left out.
    lint_with("mandoc", &["-T", "lint", "-W", "warning"]);
}

/// Every example marked as running on the demo queue does, with its exit status: the manual's
/// commands are real. Run through `sh` as typed, with `--demo` after `mailq-tui`, in a
/// private state directory (the bulk actions write an audit log).
#[test]
fn the_manuals_demo_examples_run() {
    let bin = env!("CARGO_BIN_EXE_mailq-tui");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut ran = 0;
    for page in mailq_tui::cli::manual::PAGES {
        for ex in page.examples {
            let Some(want) = ex.demo else { continue };
            let rest = ex
                .command
                .strip_prefix("mailq-tui")
                .unwrap_or_else(|| panic!("a demo example runs mailq-tui: {}", ex.command));
            let demo = if rest.contains("--demo") {
                ""
            } else {
                " --demo"
            };
            let script = format!("exec '{bin}'{demo}{rest}");
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .current_dir(tmp.path())
                .env("HOME", tmp.path())
                .env("XDG_STATE_HOME", tmp.path().join("state"))
                .env("XDG_CONFIG_HOME", tmp.path().join("config"))
                .env_remove("MAILQ_TUI_CONFIG")
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run sh");
            assert_eq!(
                out.status.code(),
                Some(i32::from(want)),
                "`{}` exited {:?}:\n{}",
                ex.command,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                !out.stdout.is_empty() || !out.stderr.is_empty(),
                "`{}` said nothing",
                ex.command
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} examples run on the demo queue");
}

/// The README quotes `mailq-tui help filter` whole: the quote must not drift from the
/// program's own text (one source: the filter help).
#[test]
fn readme_quotes_the_filter_help_as_the_program_prints_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailq-tui"))
        .args(["help", "filter"])
        .output()
        .expect("run mailq-tui help filter");
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&format!("```text\n{}\n```", help.trim_end())),
        "README.md's filter language block differs from `mailq-tui help filter`; paste its output"
    );
}
