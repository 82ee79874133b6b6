//! The manual pages, rendered to roff: mailq-tui(1) and one mailq-tui-COMMAND(1) per
//! subcommand. Every piece of text comes from where the program keeps it (see
//! `mailq_tui::cli::manual`); this file only lays it out, the way Postfix's own pages are
//! laid out (NAME, SYNOPSIS, DESCRIPTION, …, SEE ALSO).

use std::fmt::Write as _;

use clap::{Arg, Command, CommandFactory};
use mailq_tui::cli::manual::{self, FILTER_HELP, group_help};
use mailq_tui::cli::{Cli, exit};

/// The sections every page has, in this order.
pub const REQUIRED: [&str; 7] = [
    "NAME",
    "SYNOPSIS",
    "DESCRIPTION",
    "OPTIONS",
    "EXAMPLES",
    "EXIT STATUS",
    "SEE ALSO",
];

/// The sections mailq-tui(1) has besides [`REQUIRED`].
pub const MAIN_ONLY: [&str; 7] = [
    "COMMANDS",
    "FILTER LANGUAGE",
    "GROUPING",
    "KEYS",
    "FILES",
    "ENVIRONMENT",
    "SECURITY",
];

/// The subcommands that take FILTER words.
fn takes_filter(cmd: &Command) -> bool {
    cmd.get_positionals().any(|a| a.get_id() == "filter")
}

/// Escape text for roff: backslashes, hyphens (as minus signs, so that options can be
/// searched and copied), quotes a terminal font would curl, a control character at the
/// start of a line, and every non-ASCII character as a `\[uXXXX]` escape (groff reads
/// its input as Latin-1 unless preconv runs first).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            '`' => out.push_str("\\(ga"),
            c if c.is_ascii() => out.push(c),
            c => {
                let _ = write!(out, "\\[u{:04X}]", u32::from(c));
            }
        }
    }
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

/// Inline markup of the hand-written text: `` `code` `` in bold.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "\\fB{}\\fR", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    if out.starts_with("\\&") || !(out.starts_with('.') || out.starts_with('\'')) {
        out
    } else {
        format!("\\&{out}")
    }
}

/// A preformatted block, indented as written.
fn display(out: &mut String, lines: &[&str]) {
    out.push_str(".PP\n.nf\n");
    for l in lines {
        let _ = writeln!(out, "{}", esc(l));
    }
    out.push_str(".fi\n");
}

/// The hand-written markup (see `mailq_tui::cli::manual`): paragraphs, `- ` items, lines
/// indented by two spaces as displays.
fn prose(out: &mut String, text: &str) {
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().collect();
        if lines.iter().all(|l| l.starts_with("  ")) {
            display(out, &lines);
            continue;
        }
        if lines.first().is_some_and(|l| l.starts_with("- ")) {
            // A list: items start with "- ", continuation lines do not.
            let joined = lines.join("\n");
            for item in joined.split("\n- ") {
                let item = item.strip_prefix("- ").unwrap_or(item).replace('\n', " ");
                let _ = writeln!(out, ".IP \\(bu 2\n{}", inline(&item));
            }
            out.push_str(".PP\n");
            continue;
        }
        let _ = writeln!(out, ".PP\n{}", inline(&lines.join(" ")));
    }
}

/// A line of a two-column table: `  TERM  text` (or `  TERM` alone when the term is long).
fn is_entry(line: &str) -> bool {
    line.starts_with("  ") && !line.starts_with("   ")
}

/// A continuation of the text column.
fn is_continuation(line: &str) -> bool {
    line.starts_with("    ")
}

/// A two-column table of a help text as a definition list, so that man reflows it to the
/// reader's width: every entry line has a term followed by two spaces, or is followed by
/// continuation lines. `None` when the block is not such a table.
fn definitions(lines: &[&str]) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if is_continuation(l) {
            let (_, text) = out.last_mut()?;
            text.push(' ');
            text.push_str(l.trim());
        } else if is_entry(l) {
            let body = &l[2..];
            let next_continues = lines.get(i + 1).is_some_and(|n| is_continuation(n));
            match body.split_once("  ") {
                Some((term, text)) => out.push((term.to_owned(), text.trim().to_owned())),
                None if next_continues => out.push((body.to_owned(), String::new())),
                None => return None,
            }
        } else {
            return None;
        }
    }
    // Collapse the alignment spaces inside the text.
    Some(
        out.into_iter()
            .map(|(t, x)| (t, x.split_whitespace().collect::<Vec<_>>().join(" ")))
            .collect(),
    )
}

/// The indented lines of a help text: a definition list when they form a table, filled
/// text when they are prose, as written when it is one line (a command or filter).
fn indented(out: &mut String, lines: &[&str]) {
    if lines.len() > 1 {
        if let Some(defs) = definitions(lines) {
            out.push_str(".PD 0\n");
            for (term, text) in defs {
                let _ = writeln!(out, ".TP 16\n\\fB{}\\fR\n{}", esc(&term), inline(&text));
            }
            out.push_str(".PD\n");
            return;
        }
        let joined: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        let _ = writeln!(out, ".PP\n{}", inline(&joined.join(" ")));
        return;
    }
    // One line (a filter): in bold, indented, wrapped between its terms when too long.
    for l in lines {
        let _ = writeln!(out, ".PP\n.RS 2\n\\fB{}\\fR\n.RE", esc(l.trim()));
    }
}

/// A help text of the program (`FILTER_HELP`, the grouping help) as a section: its title
/// line becomes the section heading, a lone unindented line followed by indented ones a
/// sub-heading, indented lines a table or text (see [`indented`]), other text is filled.
fn help_text(out: &mut String, text: &str) {
    let mut blocks = text.trim_end().split("\n\n");
    let title = blocks.next().unwrap_or_default().trim();
    let _ = writeln!(out, ".SH {}", title);
    for block in blocks {
        let lines: Vec<&str> = block.lines().collect();
        let Some((first, rest)) = lines.split_first() else {
            continue;
        };
        if !first.starts_with(' ') && !rest.is_empty() && rest.iter().all(|l| l.starts_with(' ')) {
            let _ = writeln!(out, ".SS {}", inline(first));
            indented(out, rest);
        } else if lines.iter().all(|l| l.starts_with(' ')) {
            indented(out, &lines);
        } else {
            let _ = writeln!(out, ".PP\n{}", inline(&lines.join(" ")));
        }
    }
}

/// `[-s|--long VALUE]` for the synopsis, kept on one line (unbreakable spaces).
fn synopsis_arg(arg: &Arg) -> Option<String> {
    let mut s = String::new();
    match (arg.get_short(), arg.get_long()) {
        (Some(c), Some(l)) => {
            let _ = write!(s, "\\fB\\-{c}\\fR|\\fB\\-\\-{}\\fR", esc(l));
        }
        (Some(c), None) => {
            let _ = write!(s, "\\fB\\-{c}\\fR");
        }
        (None, Some(l)) => {
            let _ = write!(s, "\\fB\\-\\-{}\\fR", esc(l));
        }
        (None, None) => return None,
    }
    if arg.get_num_args().is_some_and(|n| n.takes_values())
        && let Some(names) = arg.get_value_names()
    {
        for n in names {
            let _ = write!(s, "\\ \\fI{}\\fR", esc(n));
        }
    }
    Some(format!("[{s}]"))
}

/// The visible options of `cmd`, without help/version and (for a subcommand) the globals.
fn own_options(cmd: &Command, sub: bool) -> Vec<&Arg> {
    cmd.get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
        .filter(|a| !(sub && a.is_global_set()))
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .collect()
}

fn synopsis(out: &mut String, cmd: &Command, sub: Option<&str>) {
    out.push_str(".SH SYNOPSIS\n");
    match sub {
        None => {
            let opts: Vec<String> = own_options(cmd, false)
                .into_iter()
                .filter_map(synopsis_arg)
                .collect();
            let _ = writeln!(out, ".PP\n\\fBmailq\\-tui\\fR {}", opts.join(" "));
            out.push_str(
                ".PP\n\\fBmailq\\-tui\\fR [\\fIglobal\\ options\\fR] \\fIcommand\\fR \
                 [\\fIoptions\\fR] [\\fIFILTER\\fR\\ ...]\n",
            );
        }
        Some(name) => {
            let opts: Vec<String> = own_options(cmd, true)
                .into_iter()
                .filter_map(synopsis_arg)
                .collect();
            let mut line = format!(
                "\\fBmailq\\-tui\\fR [\\fIglobal\\ options\\fR] \\fB{}\\fR",
                esc(name)
            );
            for o in opts {
                line.push(' ');
                line.push_str(&o);
            }
            for p in cmd.get_positionals() {
                let n = p
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map_or_else(|| p.get_id().to_string(), ToString::to_string);
                let many = p.get_num_args().is_some_and(|r| r.max_values() > 1);
                let dots = if many { "\\ ..." } else { "" };
                let _ = write!(line, " [\\fI{}\\fR{dots}]", esc(&n));
            }
            let _ = writeln!(out, ".PP\n{line}");
        }
    }
}

/// clap_mangen's OPTIONS section of `cmd` (without its roff preamble).
fn clap_options(cmd: &Command) -> String {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render_options_section(&mut buf)
        .expect("render options");
    let text = String::from_utf8(buf).expect("utf-8");
    // Without clap_mangen's preamble, its `\*(Aq` is our `\(aq`; non-ASCII is escaped as
    // in the rest of the page.
    let mut out = String::new();
    for l in text.lines().skip_while(|l| !l.starts_with(".SH")) {
        let mut l = l.replace("\\*(Aq", "\\(aq");
        // The help texts' `code` in bold, as in the rest of the page.
        if !l.starts_with('.') && l.matches('`').count() % 2 == 0 {
            let mut bold = false;
            l = l
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        return part.to_owned();
                    }
                    bold = !bold;
                    format!("{}{part}", if bold { "\\fB" } else { "\\fR" })
                })
                .collect();
        }
        for c in l.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                let _ = write!(out, "\\[u{:04X}]", u32::from(c));
            }
        }
        out.push('\n');
    }
    out
}

fn options(out: &mut String, cmd: &Command, sub: bool) {
    if !sub {
        out.push_str(&clap_options(cmd));
        out.push_str(
            ".PP\nThese options are global: they may also follow the command, and apply to \
             every command.\n",
        );
        return;
    }
    // The globals are documented once, in mailq-tui(1); FILTER below, at more length.
    let mut cmd = cmd.clone();
    let globals: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set() || a.get_id() == "filter")
        .map(|a| a.get_id().to_string())
        .collect();
    for id in globals {
        cmd = cmd.mut_arg(id, |a| a.hide(true));
    }
    let rendered = clap_options(&cmd);
    if rendered.is_empty() {
        out.push_str(".SH OPTIONS\n");
    } else {
        out.push_str(&rendered);
    }
    if takes_filter(&cmd) {
        // Hidden above; still a positional of the command.
        out.push_str(
            ".TP\n\\fIFILTER\\fR ...\nFilter words, AND\\-ed, selecting the messages: see \
             FILTER LANGUAGE in \\fBmailq\\-tui\\fR(1) and \\fBmailq\\-tui help filter\\fR. \
             Put \\fB\\-\\-\\fR before a word that starts with \\fB\\-\\fR; quote words with \
             spaces or shell characters (\\fBreason:\"user unknown\"\\fR, \
             \\fB\\(aqage:>2h\\(aq\\fR).\n",
        );
    }
    out.push_str(
        ".PP\nThe global options of \\fBmailq\\-tui\\fR(1) apply too: \\fB\\-c\\fR \\fIDIR\\fR \
         (the Postfix instance), \\fB\\-\\-demo\\fR, \\fB\\-\\-from\\-file\\fR \\fIPATH\\fR, \
         \\fB\\-\\-read\\-only\\fR, \\fB\\-\\-host\\fR \\fIHOST\\fR, \\fB\\-\\-config\\fR \
         \\fIPATH\\fR, \\fB\\-\\-audit\\-log\\fR \\fIPATH\\fR and the others listed there.\n",
    );
}

fn commands(out: &mut String, cli: &Command) {
    out.push_str(
        ".SH COMMANDS\n.PP\nWithout a command, mailq\\-tui opens the terminal UI. \
                  Each command has its own page, \\fBmailq\\-tui\\-\\fR\\fIcommand\\fR(1).\n",
    );
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        let mut head = format!("\\fB{}\\fR", esc(name));
        if sub.get_arguments().any(|a| {
            !a.is_global_set() && !a.is_positional() && !a.is_hide_set() && a.get_id() != "help"
        }) {
            head.push_str(" [\\fIoptions\\fR]");
        }
        if takes_filter(sub) {
            head.push_str(" [\\fIFILTER\\fR\\ ...]");
        }
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        let _ = writeln!(
            out,
            ".TP\n{head}\n{}\n(\\fBmailq\\-tui\\-{}\\fR(1))",
            inline(&about),
            esc(name)
        );
    }
}

fn keys(out: &mut String) {
    out.push_str(
        ".SH KEYS\n.PP\nThe keys of the terminal UI (\\fB?\\fR shows them there; \
         \\fBmailq\\-tui \\-\\-print\\-keys\\fR prints the table with the action names). Keys \
         that change the queue are Shift\\-letters, ask first, and are absent with \
         \\fB\\-\\-read\\-only\\fR. They act on the marked messages if any, else on the message \
         or group under the cursor. The \\fB[keys]\\fR table of the configuration file maps \
         other keys to the action names in brackets.\n",
    );
    for (heading, hints) in manual::key_sections() {
        let _ = writeln!(out, ".SS \"In {}\"\n.PD 0", esc(&heading));
        for h in hints {
            let keys: Vec<String> = h
                .keys
                .iter()
                .map(|k| format!("\\fB{}\\fR", esc(k)))
                .collect();
            let _ = writeln!(
                out,
                ".TP 16\n{}\n{}{}{}",
                keys.join(", "),
                esc(h.description),
                if h.mutates { " (asks first)" } else { "" },
                h.action
                    .map(|a| format!(" [{}]", esc(&a)))
                    .unwrap_or_default()
            );
        }
        out.push_str(".PD\n");
    }
}

fn examples(out: &mut String, page: &manual::Page) {
    out.push_str(".SH EXAMPLES\n");
    for e in page.examples {
        if !e.says.is_empty() {
            let _ = writeln!(out, ".PP\n{}", inline(e.says));
        }
        let _ = writeln!(out, ".RS 4\n.nf\n\\fB{}\\fR\n.fi\n.RE", esc(e.command));
    }
}

fn exit_status(out: &mut String, sub: Option<&str>) {
    out.push_str(".SH \"EXIT STATUS\"\n");
    for s in exit::statuses(sub) {
        let meaning = match s.command {
            Some(c) => format!("`{c}`: {}", s.meaning),
            None => s.meaning,
        };
        let _ = writeln!(out, ".TP\n.B {}\n{}", s.code, inline(&meaning));
    }
    if sub.is_none() {
        let _ = writeln!(out, ".PP\n{}", inline(exit::CHECK_NOTE));
    }
}

fn table(out: &mut String, title: &str, rows: &[manual::Entry]) {
    let _ = writeln!(out, ".SH {title}");
    for (name, text) in rows {
        let _ = writeln!(out, ".TP\n.B {}\n{}", esc(name), inline(text));
    }
}

fn see_also(out: &mut String, page: &manual::Page, cli: &Command) {
    let mut refs: Vec<String> = Vec::new();
    if page.command.is_some() {
        refs.push("mailq-tui(1)".to_owned());
    }
    refs.extend(page.see_also.iter().map(|s| (*s).to_owned()));
    if page.command.is_none() {
        refs.extend(
            cli.get_subcommands()
                .map(|s| format!("mailq-tui-{}(1)", s.get_name())),
        );
    }
    let rendered: Vec<String> = refs
        .iter()
        .map(|r| match r.split_once('(') {
            Some((name, sect)) => format!("\\fB{}\\fR({}", esc(name), sect),
            None => esc(r),
        })
        .collect();
    let _ = writeln!(out, ".SH \"SEE ALSO\"\n.PP\n{}", rendered.join(",\n"));
}

/// One page: roff text.
fn render(page: &manual::Page, cli: &Command) -> String {
    let version = cli.get_version().unwrap_or_default();
    let (cmd, title) = match page.command {
        None => (cli.clone(), "mailq-tui".to_owned()),
        Some(name) => (
            cli.find_subcommand(name)
                .expect("documented subcommand")
                .clone(),
            format!("mailq-tui-{name}"),
        ),
    };
    // NAME is one line: the summary's first sentence.
    let about = cmd.get_about().map(ToString::to_string).unwrap_or_default();
    let about = about.split(". ").next().unwrap_or_default().to_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        ".TH {} 1 {} \"mailq-tui {}\" \"mailq-tui manual\"",
        esc(&title.to_uppercase()),
        manual::DATE,
        esc(version)
    );
    // Commands and options read better unhyphenated and without stretched spaces.
    out.push_str(".nh\n.ad l\n");
    let _ = writeln!(out, ".SH NAME\n{} \\- {}", esc(&title), inline(&about));
    synopsis(&mut out, &cmd, page.command);
    out.push_str(".SH DESCRIPTION\n");
    prose(&mut out, page.description);
    options(&mut out, &cmd, page.command.is_some());
    if page.command.is_none() {
        commands(&mut out, cli);
        help_text(&mut out, FILTER_HELP);
        help_text(&mut out, &group_help());
        keys(&mut out);
    }
    examples(&mut out, page);
    exit_status(&mut out, page.command);
    if page.command.is_none() {
        table(&mut out, "FILES", &manual::files());
        table(&mut out, "ENVIRONMENT", &manual::environment());
        out.push_str(".SH SECURITY\n");
        prose(&mut out, manual::SECURITY);
    }
    see_also(&mut out, page, cli);
    tidy(&out)
}

/// Drop the paragraph breaks that a heading or another break already makes (mandoc warns
/// about them).
fn tidy(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut prev = "";
    for line in page.lines() {
        let redundant =
            line == ".PP" && (prev.starts_with(".SH") || prev.starts_with(".SS") || prev == ".PP");
        if !redundant {
            out.push_str(line);
            out.push('\n');
        }
        prev = line;
    }
    out
}

/// Every page: (file name, roff text).
pub fn pages() -> Vec<(String, String)> {
    let mut cli = Cli::command();
    cli.build();
    manual::PAGES
        .iter()
        .map(|p| {
            let file = match p.command {
                None => "mailq-tui.1".to_owned(),
                Some(c) => format!("mailq-tui-{c}.1"),
            };
            (file, render(p, &cli))
        })
        .collect()
}
