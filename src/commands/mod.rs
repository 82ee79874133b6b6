//! The scriptable subcommands: `summary`, `ids` and `help`.
//!
//! Exit codes come from [`crate::cli::exit`] (0 ok, 1 error, 2 usage, …). Output to a closed
//! pipe (`mailq-tui ids | head`) ends the command quietly with 0.
//!
//! Every queue string printed here goes through [`text::sanitize`]: a spammer's sender or
//! a server's reply must not reach the terminal raw.

pub mod bulk;
pub mod check;
pub mod deliver;
pub mod fleet;
pub mod logins;
pub mod shape;
pub mod storm;

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::{FilterArgs, SummaryArgs, exit};
use crate::model::content::{ContentIndex, ContentView};
use crate::model::filter::{Filter, FilterError, LoginFacts, Selection};
use crate::model::format::{age2, plural, size, thousands};
use crate::model::group::{Group, GroupKey, Grouping, SortBy, group_with_logins};
use crate::model::{FILTER_HELP, QueueName, Snapshot, text};
use crate::postfix::MailQueue;

/// Environment variable that fixes "now" (Unix seconds) for reproducible ages in tests
/// and scripts; by default ages are measured from when the listing was taken.
pub const NOW_ENV: &str = "MAILQ_TUI_NOW";

/// The help topics `mailq-tui help TOPIC` knows.
pub const HELP_TOPICS: &str = "Topics:\n  filter    the filter language used by the TUI's `/`, `summary`, `ids` and the queue actions\n  group     the grouping keys and sort orders of the groups pane and `summary --by`\n";

/// `mailq-tui help [TOPIC]`.
pub fn help(topic: Option<&str>, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let written = match topic {
        Some("filter" | "filters") => out.write_all(FILTER_HELP.as_bytes()),
        Some("group" | "grouping" | "groups") => {
            out.write_all(crate::model::group::group_help().as_bytes())
        }
        None => {
            use clap::CommandFactory as _;
            let usage = crate::cli::Cli::command().render_long_help().to_string();
            out.write_all(format!("{usage}\n{HELP_TOPICS}").as_bytes())
        }
        Some(other) => {
            let _ = writeln!(
                err,
                "error: no help topic `{}`\n{HELP_TOPICS}",
                text::snippet(other, 40)
            );
            return exit::code(exit::USAGE);
        }
    };
    finish_output(written.and_then(|()| out.flush()))
}

/// Join the command-line filter words into one filter text.
///
/// The shell has already removed the user's quotes, so a word with a space in it
/// (`'subject:canada pharmacy'`) is quoted again here; words that carry their own quotes
/// or a regex are left alone.
#[must_use]
pub fn filter_text(words: &[String]) -> String {
    let mut out = String::new();
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        if !w.contains(char::is_whitespace) || w.contains(['"', '/']) {
            out.push_str(w);
            continue;
        }
        let (neg, rest) = w.strip_prefix('!').map_or(("", w.as_str()), |r| ("!", r));
        let field_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        let (field, value) = if field_len > 0 && rest.as_bytes().get(field_len) == Some(&b':') {
            rest.split_at(field_len + 1)
        } else {
            ("", rest)
        };
        let (eq, value) = value.strip_prefix('=').map_or(("", value), |v| ("=", v));
        let _ = write!(out, "{neg}{field}{eq}\"{}\"", value.replace('\\', "\\\\"));
    }
    out
}

/// Parse the filter words, or print the error with a caret and return the usage code.
pub(crate) fn parse_filter(args: &FilterArgs, err: &mut dyn Write) -> Result<Filter, ExitCode> {
    let text = args.text();
    Filter::parse(&text).map_err(|e: FilterError| {
        let _ = writeln!(
            err,
            "error: {e}\n{}\n(see `mailq-tui help filter`)",
            e.pointer(&text)
        );
        exit::code(exit::USAGE)
    })
}

/// Parse `KEY` or `KEY,KEY2`.
///
/// # Errors
/// A message naming the bad key and the valid ones.
pub fn parse_keys(by: &str) -> Result<(GroupKey, Option<GroupKey>), String> {
    let names = crate::model::group::key_names;
    let mut parts = by.split(',').map(str::trim);
    let key = |s: Option<&str>| -> Result<Option<GroupKey>, String> {
        match s {
            None => Ok(None),
            Some(s) => GroupKey::parse(s).map(Some).ok_or_else(|| {
                format!(
                    "unknown grouping key `{}`: expected one of {}",
                    text::snippet(s, 30),
                    names()
                )
            }),
        }
    };
    let k1 = key(parts.next())?.ok_or_else(|| format!("expected a key: {}", names()))?;
    let k2 = key(parts.next())?;
    if parts.next().is_some() {
        return Err("at most two keys: --by KEY,KEY2".to_owned());
    }
    Ok((k1, k2))
}

/// "now" for ages: `$MAILQ_TUI_NOW` or the time the listing was taken.
pub(crate) fn now_for(snap: &Snapshot) -> i64 {
    std::env::var(NOW_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(snap.taken_at)
}

/// List the queue, telling the user on `err` about lines that could not be parsed.
/// On a terminal, a progress line goes to stderr while the listing streams (never to
/// stdout, which may be piped), and is cleared when it ends.
fn list_warned(queue: &dyn MailQueue, retries: bool, err: &mut dyn Write) -> Result<Snapshot> {
    let tty = io::stderr().is_terminal();
    let mut listed = 0usize;
    let mut progress = |_: &crate::model::Message| {
        listed += 1;
        if tty && listed.is_multiple_of(crate::postfix::PROGRESS_EVERY) {
            eprint!("\rlisting {}…", thousands(listed));
        }
    };
    let snap = if retries {
        queue.list_each(&mut progress)
    } else {
        // Nothing after the listing's last line that this command does not use.
        queue.list_each_without_retries(&mut progress)
    };
    if tty && listed >= crate::postfix::PROGRESS_EVERY {
        eprint!("\r\x1b[K");
    }
    let snap = snap.with_context(|| format!("listing {}", queue.describe()))?;
    warn_problems(&snap, err);
    Ok(snap)
}

/// Tell the user about lines that could not be parsed: never silently.
pub(crate) fn warn_problems(snap: &Snapshot, err: &mut dyn Write) {
    if snap.problems.is_empty() {
        return;
    }
    let shown: Vec<_> = snap.problems.iter().filter(|p| p.line > 0).collect();
    let hidden: usize = snap.problems.iter().filter(|p| p.line == 0).count();
    let _ = writeln!(
        err,
        "warning: {} line{} of the queue listing could not be parsed{}:",
        shown.len(),
        plural(shown.len()),
        if hidden > 0 { " (and more)" } else { "" }
    );
    for p in shown.iter().take(3) {
        let _ = writeln!(
            err,
            "  line {}: {}: {}",
            p.line,
            text::sanitize(&p.error),
            text::sanitize(&p.snippet)
        );
    }
    if shown.len() > 3 {
        let _ = writeln!(err, "  …");
    }
}

fn warn_partial(sel: &Selection, err: &mut dyn Write) {
    if sel.partial > 0 {
        let _ = writeln!(
            err,
            "note: {} selected message{} also {} recipients outside the filter (actions apply to whole messages)",
            sel.partial,
            plural(sel.partial),
            if sel.partial == 1 { "has" } else { "have" },
        );
    }
}

/// A broken pipe is the reader having seen enough: success. Anything else is an error.
pub(crate) fn finish_output(r: io::Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing output: {e}");
            exit::code(exit::FAILURE)
        }
    }
}

/// A listing and what a filter selects in it, as every read-only subcommand needs them.
pub(crate) struct Listed {
    pub snap: Snapshot,
    pub sel: Selection,
    pub index: ContentIndex,
    pub now: i64,
    /// The mail log's facts, when the filter or the caller asked the log.
    pub logins: Option<LoginFacts>,
}

/// List the queue, warn about unparsable lines and partial matches on `err`, and select
/// with `filter` (reading message contents when the filter or `need_content` asks;
/// next-retry times when the filter or `need_retries` does; the mail log named by `args`
/// when the filter or `need_log` does).
pub(crate) fn list_and_select(
    queue: &dyn MailQueue,
    filter: &Filter,
    args: &FilterArgs,
    need_content: bool,
    need_log: bool,
    need_retries: bool,
    err: &mut dyn Write,
) -> Result<Listed> {
    let snap = list_warned(queue, need_retries || filter.uses_retry(), err)?;
    let now = now_for(&snap);
    let logins = if need_log || filter.uses_login() {
        Some(log_facts(queue, &snap, args, err)?)
    } else {
        None
    };
    let mut index = ContentIndex::new();
    let sel = crate::indexer::select_with_content(
        queue,
        &snap,
        filter,
        &crate::model::MatchContext {
            now,
            content: None,
            logins: logins.as_ref().map(|l| l as &dyn crate::model::LoginLookup),
        },
        need_content,
        &mut index,
        &mut |_, _| {},
    )?;
    warn_partial(&sel, err);
    Ok(Listed {
        snap,
        sel,
        index,
        now,
        logins,
    })
}

/// Read the mail log (`--log`, `--since` as for `logins`) for the log facts of `snap`'s
/// messages (`login-new:`): the log is asked about their queue IDs only. Unreadable
/// sources are warnings on `err`, and so is a log that names none of the queued messages.
///
/// # Errors
/// No log for this queue (a capture without `--log`), a bad `--since`, or no source
/// could be read.
pub(crate) fn log_facts(
    queue: &dyn MailQueue,
    snap: &Snapshot,
    args: &FilterArgs,
    err: &mut dyn Write,
) -> Result<LoginFacts> {
    let watch: Vec<String> = snap
        .messages
        .iter()
        .map(|m| m.queue_id.as_str().to_owned())
        .collect();
    let oldest = snap.messages.iter().map(|m| m.arrival_time).min();
    let read =
        crate::maillog::report::storm_log(queue, &args.log, args.since.as_deref(), oldest, &watch)
            .context("login-new needs the mail log")?;
    for w in &read.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    let facts = LoginFacts::new(snap, &read.report.queued);
    let known = facts.known();
    if known < snap.messages.len() {
        let _ = writeln!(
            err,
            "note: the mail log names the SASL login of {} of {} queued message{}; login-new knows only those",
            thousands(known),
            thousands(snap.messages.len()),
            plural(snap.messages.len()),
        );
    }
    Ok(facts)
}

/// `mailq-tui ids [FILTER…]`: one queue ID per line. The queue is listed only after the
/// filter parsed (the caller opens it: local, replay, or one `--host` over ssh).
///
/// # Errors
/// When the queue cannot be listed.
pub fn ids(queue: &dyn MailQueue, args: &FilterArgs) -> Result<ExitCode> {
    let mut err = io::stderr().lock();
    let filter = match parse_filter(args, &mut err) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let Listed { snap, sel, .. } =
        list_and_select(queue, &filter, args, false, false, false, &mut err)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    Ok(finish_output(write_ids(&snap, &sel, &mut out)))
}

/// Write the selected queue IDs, one per line.
///
/// # Errors
/// Output errors (a broken pipe included; the caller decides what it means).
pub fn write_ids(snap: &Snapshot, sel: &Selection, out: &mut dyn Write) -> io::Result<()> {
    for &i in &sel.indices {
        if let Some(m) = snap.messages.get(i as usize) {
            // Queue IDs were validated at parse time (alphanumerics only): no sanitizing.
            writeln!(out, "{}", m.queue_id)?;
        }
    }
    out.flush()
}

/// `mailq-tui summary [--by KEY[,KEY2]] [--top N] [--sort S] [--json] [FILTER…]`.
///
/// The queue is listed only after the arguments parsed.
///
/// # Errors
/// When the queue cannot be listed.
pub fn summary(queue: &dyn MailQueue, args: &SummaryArgs) -> Result<ExitCode> {
    if args.shape {
        return shape::summary_shape(queue, args);
    }
    let mut err = io::stderr().lock();
    let (k1, k2) = match parse_keys(&args.by) {
        Ok(k) => k,
        Err(msg) => {
            let _ = writeln!(err, "error: --by: {msg}");
            return Ok(exit::code(exit::USAGE));
        }
    };
    let Some(sort) = SortBy::parse(&args.sort) else {
        let names: Vec<_> = SortBy::ALL.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            err,
            "error: --sort: unknown order `{}`: expected one of {}",
            text::snippet(&args.sort, 30),
            names.join(", ")
        );
        return Ok(exit::code(exit::USAGE));
    };
    let filter = match parse_filter(&args.filter, &mut err) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let need_content = k1.needs_content() || k2.is_some_and(GroupKey::needs_content);
    let need_log = k1.needs_log() || k2.is_some_and(GroupKey::needs_log);
    let Listed {
        snap,
        sel,
        index,
        now,
        logins,
    } = list_and_select(
        queue,
        &filter,
        &args.filter,
        need_content,
        need_log,
        // `--json` prints each group's soonest next retry; `--sort retry` orders by it.
        args.json || sort == SortBy::Retry,
        &mut err,
    )?;
    let view = ContentView::new(&snap, &index);
    let content: Option<&dyn crate::model::filter::ContentLookup> = need_content.then_some(&view);
    let logins = logins.as_ref().map(|l| l as &dyn crate::model::LoginLookup);
    let mut grouping = group_with_logins(&snap, &sel.indices, k1, k2, now, content, logins);
    grouping.sort(sort, true);
    let report = Report {
        source: queue.describe(),
        filter: filter.text(),
        by: std::iter::once(k1).chain(k2).map(GroupKey::name).collect(),
        sort: sort.name(),
        now,
        grouping: &grouping,
        partial: sel.partial,
        problems: snap.problems.len(),
        top: args.top,
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = if args.json {
        crate::model::text::write_json_pretty(&mut out, &report.json()).and_then(|()| writeln!(out))
    } else {
        out.write_all(report.table().as_bytes())
    };
    Ok(finish_output(written.and_then(|()| out.flush())))
}

/// Everything a summary prints, as a table or as JSON.
pub struct Report<'a> {
    pub source: String,
    pub filter: &'a str,
    pub by: Vec<&'static str>,
    pub sort: &'static str,
    pub now: i64,
    pub grouping: &'a Grouping,
    pub partial: usize,
    pub problems: usize,
    pub top: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    source: &'a str,
    filter: &'a str,
    by: &'a [&'static str],
    sort: &'static str,
    now: i64,
    total: JsonTotal,
    /// Selected messages that also have recipients outside the filter.
    partial: usize,
    problems: usize,
    span: Option<(i64, i64)>,
    groups: Vec<JsonGroup>,
}

#[derive(Serialize)]
struct JsonTotal {
    messages: usize,
    recipients: usize,
    size: u64,
    groups: usize,
}

#[derive(Serialize)]
struct JsonGroup {
    label: String,
    messages: usize,
    recipients: usize,
    size: u64,
    oldest: i64,
    newest: i64,
    oldest_age: i64,
    /// The soonest next delivery attempt of the group's deferred mail, when known (root).
    #[serde(skip_serializing_if = "Option::is_none")]
    next_retry: Option<i64>,
    per_queue: std::collections::BTreeMap<String, usize>,
    arrivals: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    children: Vec<JsonGroup>,
    #[serde(skip_serializing_if = "is_zero")]
    more_children: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Report<'_> {
    fn json_group(&self, g: &Group) -> JsonGroup {
        let per_queue = QueueName::ALL
            .iter()
            .map(|q| (q.as_str().to_owned(), g.in_queue(q)))
            .chain(std::iter::once(("other".to_owned(), g.per_queue[5])))
            .filter(|(_, n)| *n > 0)
            .collect();
        JsonGroup {
            // serde_json escapes C0 controls but prints C1 controls and bidi overrides raw,
            // and JSON often ends up on a terminal: sanitized like the table.
            label: text::sanitize(&g.label).into_owned(),
            messages: g.messages,
            recipients: g.recipients,
            size: g.size,
            oldest: g.oldest,
            newest: g.newest,
            oldest_age: self.now.saturating_sub(g.oldest),
            next_retry: g.next_retry,
            per_queue,
            arrivals: g.arrivals.clone(),
            children: g
                .children
                .iter()
                .take(self.top)
                .map(|c| self.json_group(c))
                .collect(),
            more_children: g.children.len().saturating_sub(self.top),
        }
    }

    fn json(&self) -> JsonReport<'_> {
        let g = self.grouping;
        JsonReport {
            source: &self.source,
            filter: self.filter,
            by: &self.by,
            sort: self.sort,
            now: self.now,
            total: JsonTotal {
                messages: g.messages,
                recipients: g.recipients,
                size: g.size,
                groups: g.groups.len(),
            },
            partial: self.partial,
            problems: self.problems,
            span: g.span,
            groups: g
                .groups
                .iter()
                .take(self.top)
                .map(|x| self.json_group(x))
                .collect(),
        }
    }

    /// An aligned table; the label comes last so wide or long labels never break columns.
    #[must_use]
    pub fn table(&self) -> String {
        let g = self.grouping;
        let mut rows: Vec<[String; 5]> = vec![[
            "MESSAGES".into(),
            "RCPTS".into(),
            "SIZE".into(),
            "OLDEST".into(),
            self.by.join(" / ").to_uppercase().to_string(),
        ]];
        let row = |x: &Group, indent: &str| {
            [
                thousands(x.messages),
                thousands(x.recipients),
                size(x.size),
                age2(self.now.saturating_sub(x.oldest)),
                format!("{indent}{}", text::sanitize(&x.label)),
            ]
        };
        for x in g.groups.iter().take(self.top) {
            rows.push(row(x, ""));
            for c in x.children.iter().take(self.top) {
                rows.push(row(c, "  "));
            }
            let more = x.children.len().saturating_sub(self.top);
            if more > 0 {
                rows.push([
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("  … {more} more"),
                ]);
            }
        }
        let mut widths = [0usize; 4];
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for r in &rows {
            for (w, cell) in widths.iter().zip(r.iter()) {
                let _ = write!(out, "{cell:>w$}  ");
            }
            out.push_str(&r[4]);
            out.push('\n');
        }
        let _ = write!(
            out,
            "\n{} message{}, {} recipients, {} in {} group{}",
            thousands(g.messages),
            plural(g.messages),
            thousands(g.recipients),
            size(g.size),
            thousands(g.groups.len()),
            plural(g.groups.len()),
        );
        if g.groups.len() > self.top {
            let _ = write!(out, " (top {} shown)", self.top);
        }
        let _ = write!(out, " — {}", text::sanitize(&self.source));
        if !self.filter.trim().is_empty() {
            let _ = write!(out, " — filter: {}", text::sanitize(self.filter));
        }
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_words_are_requoted() {
        let w = |v: &[&str]| filter_text(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(w(&["null", "rcpt:@a.example"]), "null rcpt:@a.example");
        assert_eq!(
            w(&["subject:canada pharmacy"]),
            "subject:\"canada pharmacy\""
        );
        assert_eq!(w(&["!reason:=user unknown"]), "!reason:=\"user unknown\"");
        assert_eq!(w(&["timed out"]), "\"timed out\"");
        assert_eq!(w(&["reason:/timed out/"]), "reason:/timed out/");
        assert_eq!(w(&["subject:\"a b\""]), "subject:\"a b\"");
        let f = Filter::parse(&w(&["subject:canada pharmacy", "null"])).expect("test value");
        assert_eq!(f.content_fields().len(), 1);
    }

    #[test]
    fn keys() {
        assert_eq!(parse_keys("reason"), Ok((GroupKey::Reason, None)));
        assert_eq!(
            parse_keys("reason, rcpt-domain"),
            Ok((GroupKey::Reason, Some(GroupKey::RecipientDomain)))
        );
        assert!(
            parse_keys("nope")
                .expect_err("test error")
                .contains("expected one of reason")
        );
        assert!(parse_keys("a,b,c").is_err());
        assert!(
            parse_keys("reason,sender,queue")
                .expect_err("test error")
                .contains("at most two")
        );
    }

    #[test]
    fn hostile_labels_are_sanitized_in_table_and_json() {
        use std::sync::Arc;

        use crate::model::{Message, Recipient};
        let m = Message {
            queue_id: "AB12".into(),
            queue: QueueName::Deferred,
            arrival_time: 0,
            size: 1,
            sender: Arc::from("evil\u{9b}2J\u{1b}]52;c;AA\u{7}\u{202e}x"),
            null_sender: false,
            forced_expire: false,
            next_retry: None,
            recipients: vec![Recipient {
                address: Arc::from("a@b.example"),
                delay_reason: None,
                family: None,
            }],
        };
        let snap = Snapshot::new(vec![m], Vec::new(), 0, 0, std::time::Duration::ZERO);
        let g = crate::model::group::group(&snap, &[0], GroupKey::Sender, 0);
        let r = Report {
            source: "test".into(),
            filter: "",
            by: vec!["sender"],
            sort: "messages",
            now: 0,
            grouping: &g,
            partial: 0,
            problems: 0,
            top: 10,
        };
        let json = serde_json::to_string(&r.json()).expect("test value");
        let table = r.table();
        for out in [&json, &table] {
            assert!(
                !out.contains(['\u{9b}', '\u{1b}', '\u{7}', '\u{202e}']),
                "{out}"
            );
        }
        assert!(
            table.contains("evil\\x9b2J\\e]52;c;AA\\x07\\u{202e}x"),
            "{table}"
        );
    }

    #[test]
    fn help_topics() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(help(Some("filter"), &mut out, &mut err), ExitCode::SUCCESS);
        assert!(
            String::from_utf8(out)
                .expect("test value")
                .contains("FILTER LANGUAGE")
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(help(Some("group"), &mut out, &mut err), ExitCode::SUCCESS);
        let text = String::from_utf8(out).expect("test value");
        assert!(text.starts_with("GROUPING") && text.contains("rcpt-pattern"));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            help(Some("\u{1b}x"), &mut out, &mut err),
            exit::code(exit::USAGE)
        );
        let e = String::from_utf8(err).expect("test value");
        assert!(e.contains("no help topic `\\ex`"), "{e}");
    }
}
