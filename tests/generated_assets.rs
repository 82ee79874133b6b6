//! The man page and shell completions in `assets/` are generated from the clap definitions.
//! This test fails when they are out of date; regenerate with
//! `MAILQ_TUI_BLESS=1 cargo test --test generated_assets`.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;
use mailq_tui::cli::Cli;

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut man = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut man)
        .expect("render man page");
    out.push((assets().join("mailq-tui.1"), man));
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
fn man_page_documents_every_subcommand() {
    let (_, man) = &generated()[0];
    let man = String::from_utf8_lossy(man);
    for sub in Cli::command().get_subcommands() {
        assert!(
            man.contains(sub.get_name()),
            "man page lacks {}",
            sub.get_name()
        );
    }
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
