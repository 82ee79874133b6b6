//! The architecture, enforced: `ui → app → model ← postfix`, and only the adapters spawn
//! processes. A rule that is only written down drifts, so this test reads every `.rs` file
//! under `src/`, collects the paths its code names (`use` trees, grouped imports and inline
//! paths such as `crate::ui::count(n)`; comments and string literals do not count) and
//! fails on each path a rule forbids, naming the file, the line and the rule.
//!
//! Test code is exempt: an item under `#[cfg(test)]` and a file declared as
//! `#[cfg(test)] mod name;` may reach across layers to build fixtures.
//!
//! A second kind of rule, [`READ_ONLY`], keeps a type read-only in a scope: drawing gets
//! `&App` and nothing under `src/ui/` may take `&mut App`.
//!
//! To add a rule, add a row to [`RULES`]. A `scope` is a directory (or file) under `src/`;
//! `Outside` scopes apply everywhere except there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where a rule applies.
enum Scope {
    /// Files under any of these paths (relative to the crate root, e.g. `src/model`).
    Under(&'static [&'static str]),
    /// Files everywhere except under these paths.
    Outside(&'static [&'static str]),
}

/// What a rule forbids: a path equal to one of these, or starting with one of them followed
/// by `::`. `crate::ui` forbids `crate::ui`, `crate::ui::count` and `crate::{ui, …}`.
struct Rule {
    scope: Scope,
    forbid: &'static [&'static str],
    why: &'static str,
}

/// The process-spawning APIs. `Command::new` is matched anywhere in a path (it is what
/// `use std::process::Command; Command::new(…)` leaves in the calling line).
const SPAWN: &[&str] = &[
    "std::process::Command",
    "std::process::Stdio",
    "std::process::Child",
    "tokio::process",
    "nix::unistd::fork",
    "nix::unistd::execv",
    "nix::unistd::execve",
    "nix::unistd::execvp",
    "Command::new",
];

/// The adapters: the only code that runs other programs. `src/maillog` is the mail log
/// adapter (it reuses `postfix::process`, the one runner).
const ADAPTERS: &[&str] = &["src/postfix", "src/maillog"];

const RULES: &[Rule] = &[
    Rule {
        scope: Scope::Under(&["src/model"]),
        forbid: &["ratatui", "crossterm", "tokio", "std::process"],
        why: "the model is plain data and logic: no terminal, no runtime, no processes",
    },
    Rule {
        scope: Scope::Under(&["src/model"]),
        forbid: &[
            "crate::app",
            "crate::ui",
            "crate::postfix",
            "crate::maillog",
            "crate::ops",
            "crate::commands",
            "crate::cli",
            "crate::runtime",
        ],
        why: "the model depends on nothing above it (ui → app → model ← postfix)",
    },
    Rule {
        scope: Scope::Under(&["src/app"]),
        forbid: &[
            "crate::ui",
            "crate::runtime",
            "crate::commands",
            "crate::cli",
            "std::process",
        ],
        why: "the app state machine does no IO and knows nothing of drawing or the terminal loop",
    },
    Rule {
        scope: Scope::Under(&["src/app"]),
        forbid: &[
            "crate::postfix::local",
            "crate::postfix::ssh",
            "crate::postfix::process",
            "crate::postfix::discover",
            "crate::postfix::fleet",
            "crate::postfix::instances",
            "crate::postfix::parse",
        ],
        why: "the app sees Postfix only through the seam (`postfix::{MailQueue, QueueOp, …}`); \
              sources are plain data (`model::source`), opened by the runtime",
    },
    Rule {
        scope: Scope::Under(&["src/ui"]),
        forbid: &["crate::postfix", "crate::maillog", "std::process"],
        why: "drawing reads the App; it never talks to Postfix",
    },
    // Inside the Postfix adapter, imports point one way too (the runner at the bottom).
    Rule {
        scope: Scope::Under(&["src/postfix/process.rs"]),
        forbid: &[
            "crate::postfix::local",
            "crate::postfix::ssh",
            "crate::postfix::discover",
            "crate::postfix::fleet",
            "crate::postfix::replay",
            "crate::postfix::parse",
            "crate::postfix::instances",
        ],
        why: "the process runner is the bottom of the adapter: it knows no Postfix",
    },
    Rule {
        scope: Scope::Under(&["src/postfix/ssh.rs"]),
        forbid: &[
            "crate::postfix::local",
            "crate::postfix::discover",
            "crate::postfix::fleet",
            "crate::postfix::replay",
            "crate::postfix::parse",
            "crate::postfix::instances",
        ],
        why: "the ssh transport uses only the process runner (no cycle with the adapter)",
    },
    Rule {
        scope: Scope::Under(&["src/postfix/parse"]),
        forbid: &[
            "crate::postfix::process",
            "crate::postfix::local",
            "crate::postfix::ssh",
            "crate::postfix::discover",
            "crate::postfix::fleet",
            "crate::postfix::instances",
            "std::process",
        ],
        why: "parsers read bytes; they run nothing",
    },
    Rule {
        scope: Scope::Outside(ADAPTERS),
        forbid: SPAWN,
        why: "only the adapters (src/postfix, src/maillog) spawn processes",
    },
    // A read-only queue forwards `postfix()` so that the log can be read through the
    // instance's runner; anywhere else it would be a way around `--read-only`.
    Rule {
        scope: Scope::Outside(&["src/postfix", "src/maillog", "src/commands/logins.rs"]),
        forbid: &[".postfix()"],
        why: "only the log readers reach the instance behind a queue (read-only stays read-only)",
    },
];

/// A type that code in `scope` may only read.
struct ReadOnly {
    scope: Scope,
    ty: &'static str,
    why: &'static str,
}

/// With `&App` only (and no interior mutability in `App`), the compiler guarantees the
/// rest: code that never takes `&mut App`, never binds an `App` mutably and adds no
/// methods to it cannot change one.
const READ_ONLY: &[ReadOnly] = &[ReadOnly {
    scope: Scope::Under(&["src/ui"]),
    ty: "App",
    why: "drawing reads the App: update() is the only place app state changes (what a frame \
          showed, scroll offsets and the page size, goes back to it as Action::Viewport)",
}];

#[test]
fn dependencies_point_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(
        files.len() > 20,
        "found only {} files under src/",
        files.len()
    );
    let test_only = test_only_files(&files);
    let mut report = String::new();
    let mut spawn_sites = 0;
    for file in &files {
        if test_only.contains(file) {
            continue;
        }
        let rel = file
            .strip_prefix(root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("read source file");
        spawn_sites += paths(&tokens(&text), &module_path(&rel))
            .iter()
            .filter(|(_, p)| matches(p, "Command::new"))
            .count();
        for v in violations(&rel, &text) {
            let _ = writeln!(report, "{v}");
        }
    }
    // The scanner must see what it looks for: the adapters do spawn processes.
    assert!(spawn_sites > 0, "the scan found no `Command::new` at all");
    assert!(
        report.is_empty(),
        "forbidden dependencies (see tests/architecture.rs):\n{report}"
    );
}

/// One forbidden path at one place.
#[derive(Debug, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    path: String,
    forbidden: &'static str,
    why: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` is forbidden here (`{}`): {}",
            self.file, self.line, self.path, self.forbidden, self.why
        )
    }
}

fn in_scope(scope: &Scope, file: &str) -> bool {
    let under = |dirs: &[&str]| {
        dirs.iter().any(|d| {
            file == *d
                || file
                    .strip_prefix(d)
                    .is_some_and(|rest| rest.starts_with('/') || rest == ".rs")
        })
    };
    match scope {
        Scope::Under(dirs) => under(dirs),
        Scope::Outside(dirs) => !under(dirs),
    }
}

fn matches(path: &str, forbidden: &str) -> bool {
    if forbidden == "Command::new" {
        return path == "Command::new"
            || path.ends_with("::Command::new")
            || path.contains("::Command::new::")
            || path.starts_with("Command::new::");
    }
    path == forbidden
        || path
            .strip_prefix(forbidden)
            .is_some_and(|rest| rest.starts_with("::"))
}

fn violations(file: &str, text: &str) -> Vec<Violation> {
    let module = module_path(file);
    let mut out = writes(file, text);
    for (line, path) in paths(&tokens(text), &module) {
        for rule in RULES {
            if !in_scope(&rule.scope, file) {
                continue;
            }
            if let Some(forbidden) = rule.forbid.iter().find(|f| matches(&path, f)) {
                out.push(Violation {
                    file: file.to_string(),
                    line,
                    path: path.clone(),
                    forbidden,
                    why: rule.why,
                });
            }
        }
    }
    out
}

/// Where code in a [`READ_ONLY`] scope could change its type: `&mut App` (also
/// `&'a mut crate::app::App`), `mut app: App`, and `impl App` / `impl Trait for App`.
fn writes(file: &str, text: &str) -> Vec<Violation> {
    let t = tokens(text);
    let text_at = |k: usize| t.get(k).map_or("", |x| x.text.as_str());
    // The index after the path starting at `k`, and its last segment.
    let path_end = |mut k: usize| -> (usize, &str) {
        let mut last = "";
        while is_ident(text_at(k)) {
            last = text_at(k);
            k += 1;
            if text_at(k) != "::" {
                break;
            }
            k += 1;
        }
        (k, last)
    };
    let mut out = Vec::new();
    for rule in READ_ONLY {
        if !in_scope(&rule.scope, file) {
            continue;
        }
        let mut push = |line: usize, what: &'static str| {
            out.push(Violation {
                file: file.to_string(),
                line,
                path: what.replace("App", rule.ty),
                forbidden: what,
                why: rule.why,
            });
        };
        let mut i = 0;
        while i < t.len() {
            if let Some(after) = cfg_test_attr(&t, i) {
                i = skip_item(&t, after);
                continue;
            }
            let line = t[i].line;
            match text_at(i) {
                "&" if text_at(i + 1) == "mut" && path_end(i + 2).1 == rule.ty => {
                    push(line, "&mut App");
                }
                "mut"
                    if is_ident(text_at(i + 1))
                        && text_at(i + 2) == ":"
                        && path_end(i + 3).1 == rule.ty =>
                {
                    push(line, "mut _: App");
                }
                "impl" => {
                    let mut k = i + 1;
                    while k < t.len() && !matches!(text_at(k), "{" | ";") {
                        k += 1;
                    }
                    if k > 0 && text_at(k) == "{" && text_at(k - 1) == rule.ty {
                        push(line, "impl App");
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// `src/app/update.rs` → `["app", "update"]`; `src/app/mod.rs` → `["app"]`; `src/lib.rs` → `[]`.
fn module_path(file: &str) -> Vec<String> {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Files declared as `#[cfg(test)] mod name;`: `name.rs` or `name/mod.rs` beside (or below)
/// the declaring file.
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let toks = tokens(&text);
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => file.parent().map(Path::to_path_buf),
            _ => file.with_extension("").into(),
        };
        let Some(dir) = dir else { continue };
        let mut i = 0;
        while i < toks.len() {
            if let Some(after) = cfg_test_attr(&toks, i) {
                let mut j = after;
                if toks.get(j).is_some_and(|t| t.text == "pub") {
                    j += 1;
                    if toks.get(j).is_some_and(|t| t.text == "(") {
                        while toks.get(j).is_some_and(|t| t.text != ")") {
                            j += 1;
                        }
                        j += 1;
                    }
                }
                if toks.get(j).is_some_and(|t| t.text == "mod")
                    && toks.get(j + 2).is_some_and(|t| t.text == ";")
                    && let Some(name) = toks.get(j + 1)
                {
                    out.push(dir.join(format!("{}.rs", name.text)));
                    out.push(dir.join(&name.text).join("mod.rs"));
                }
                i = after;
            } else {
                i += 1;
            }
        }
    }
    // Everything below a test-only directory module is test-only as well.
    let dirs: Vec<PathBuf> = out
        .iter()
        .filter(|p| p.ends_with("mod.rs"))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    for f in files {
        if dirs.iter().any(|d| f.starts_with(d)) {
            out.push(f.clone());
        }
    }
    out
}

#[derive(Debug)]
struct Token {
    text: String,
    line: usize,
}

/// A small Rust lexer: identifiers, `::` and single punctuation characters, with line
/// numbers. Comments, string, byte-string, raw-string and char literals and lifetimes are
/// dropped (their text cannot name a module).
fn tokens(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let count_lines = |from: usize, to: usize| c[from..to].iter().filter(|&&x| x == '\n').count();
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let start = i;
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += count_lines(start, i.min(c.len()));
        } else if ch == '"' || (ch == 'b' && c.get(i + 1) == Some(&'"')) {
            let start = i;
            i += if ch == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            line += count_lines(start, i.min(c.len()));
        } else if (ch == 'r' || (ch == 'b' && c.get(i + 1) == Some(&'r')))
            && raw_string_start(&c, i).is_some()
        {
            let (hashes, body) = raw_string_start(&c, i).unwrap_or((0, i));
            let start = i;
            i = body;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            line += count_lines(start, i.min(c.len()));
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Token {
                text: c[start..i].iter().collect(),
                line,
            });
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                text: ch.to_string(),
                line,
            });
            i += 1;
        }
    }
    out
}

/// `r"`, `r#"`, `br##"`: the number of hashes and where the body starts.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i + if c[i] == 'b' { 2 } else { 1 };
    // `r` must start a token: not the end of an identifier such as `for`.
    if i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_') {
        return None;
    }
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

/// At `#[cfg(test)]` (also `#[cfg(all(test, …))]`): the index after the attribute.
fn cfg_test_attr(t: &[Token], i: usize) -> Option<usize> {
    let text = |k: usize| t.get(k).map(|x| x.text.as_str());
    if text(i) != Some("#") || text(i + 1) != Some("[") || text(i + 2) != Some("cfg") {
        return None;
    }
    // Find the closing `]` and look for a bare `test` (not `not(test)`).
    let mut j = i + 3;
    let mut depth = 0;
    let mut is_test = false;
    let mut negated = false;
    while let Some(s) = text(j) {
        match s {
            "(" => depth += 1,
            ")" => depth -= 1,
            "not" => negated = true,
            "test" if !negated => is_test = depth == 1 || text(j - 2) == Some("all"),
            "]" if depth == 0 => return is_test.then_some(j + 1),
            _ => {}
        }
        j += 1;
    }
    None
}

/// The end of the item starting at `i`: after its `;` or its matching `}`.
fn skip_item(t: &[Token], mut i: usize) -> usize {
    // Further attributes on the same item.
    while t.get(i).is_some_and(|x| x.text == "#") {
        let mut depth = 0;
        while let Some(x) = t.get(i) {
            i += 1;
            match x.text.as_str() {
                "[" => depth += 1,
                "]" => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    let mut depth = 0;
    while let Some(x) = t.get(i) {
        i += 1;
        match x.text.as_str() {
            "{" | "(" | "[" => depth += 1,
            "}" | ")" | "]" => {
                depth -= 1;
                if depth == 0 && x.text == "}" {
                    return i;
                }
            }
            ";" if depth == 0 => return i,
            _ => {}
        }
    }
    i
}

/// Every path the code names, with its line, `super`/`self` resolved against the file's
/// module and grouped imports expanded: `use crate::{app, ui::count}` gives `crate::app`
/// and `crate::ui::count`.
fn paths(t: &[Token], module: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if let Some(after) = cfg_test_attr(t, i) {
            i = skip_item(t, after);
            continue;
        }
        if let Some(call) = guarded_call(t, i) {
            out.push((t[i].line, call.to_string()));
            i += 4;
            continue;
        }
        let starts_path = is_ident(&t[i].text)
            && t.get(i + 1).is_some_and(|x| x.text == "::")
            && !(i > 0 && t[i - 1].text == "::");
        if !starts_path {
            i += 1;
            continue;
        }
        i = expand(t, i, Vec::new(), module, &mut out);
    }
    out
}

/// Method calls that rules treat like paths: `.postfix()` reaches the real instance behind
/// a (possibly read-only) queue.
const GUARDED_CALLS: &[&str] = &["postfix"];

/// `.name()` at `i` for a name in [`GUARDED_CALLS`]: reported as the path `.name()`.
fn guarded_call(t: &[Token], i: usize) -> Option<String> {
    let text = |k: usize| t.get(i + k).map(|x| x.text.as_str());
    let name = text(1)?;
    (text(0) == Some(".")
        && GUARDED_CALLS.contains(&name)
        && text(2) == Some("(")
        && text(3) == Some(")"))
    .then(|| format!(".{name}()"))
}

fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Read a path (and any `{…}` group) from `i`, prefixed by `prefix`; return the index after it.
fn expand(
    t: &[Token],
    mut i: usize,
    mut prefix: Vec<String>,
    module: &[String],
    out: &mut Vec<(usize, String)>,
) -> usize {
    let line = t[i].line;
    loop {
        match t.get(i).map(|x| x.text.as_str()) {
            Some("{") => {
                i += 1;
                while let Some(x) = t.get(i) {
                    match x.text.as_str() {
                        "}" => return i + 1,
                        "," => i += 1,
                        s if is_ident(s) => i = expand(t, i, prefix.clone(), module, out),
                        _ => i += 1,
                    }
                }
                return i;
            }
            Some(s) if is_ident(s) => {
                prefix.push(s.to_string());
                i += 1;
                if t.get(i).is_some_and(|x| x.text == "::") {
                    i += 1;
                    continue;
                }
                break;
            }
            _ => break,
        }
    }
    if !prefix.is_empty() {
        out.push((line, resolve(&prefix, module)));
    }
    i
}

/// `super::x` and `self::x` in terms of `crate::`.
fn resolve(path: &[String], module: &[String]) -> String {
    let mut base: Option<Vec<String>> = None;
    let mut rest = path;
    while let Some(first) = rest.first() {
        match first.as_str() {
            "super" => {
                let b = base.get_or_insert_with(|| module.to_vec());
                b.pop();
                rest = &rest[1..];
            }
            "self" if base.is_none() => {
                base = Some(module.to_vec());
                rest = &rest[1..];
            }
            _ => break,
        }
    }
    match base {
        Some(b) => std::iter::once("crate".to_string())
            .chain(b)
            .chain(rest.iter().cloned())
            .collect::<Vec<_>>()
            .join("::"),
        None => rest.join("::"),
    }
}

// The checker itself: a rule test that cannot fail would be worse than none.
mod checker {
    use super::*;

    fn found(file: &str, src: &str) -> Vec<String> {
        violations(file, src)
            .into_iter()
            .map(|v| format!("{}:{}", v.line, v.path))
            .collect()
    }

    #[test]
    fn finds_uses_grouped_imports_and_inline_paths() {
        let src = "use crate::model::format;\n\
                   use crate::{app, ui::{self, count}};\n\
                   fn f() { let _ = crate::ui::count(3); }\n";
        assert_eq!(
            found("src/model/x.rs", src),
            [
                "2:crate::app",
                "2:crate::ui::self",
                "2:crate::ui::count",
                "3:crate::ui::count"
            ]
        );
    }

    #[test]
    fn resolves_super_against_the_file() {
        assert_eq!(
            found(
                "src/app/update.rs",
                "use super::super::ui::draw;\nuse super::Effect;\n"
            ),
            ["1:crate::ui::draw"]
        );
        assert_eq!(found("src/app/mod.rs", "use super::ui;\n"), ["1:crate::ui"]);
    }

    #[test]
    fn spawning_only_in_the_adapters() {
        let src = "use std::process::{Command, Stdio};\nfn f() { Command::new(\"ls\"); }\n";
        assert_eq!(
            found("src/ops/mod.rs", src),
            [
                "1:std::process::Command",
                "1:std::process::Stdio",
                "2:Command::new"
            ]
        );
        assert!(found("src/postfix/process.rs", src).is_empty());
        assert!(found("src/maillog/mod.rs", src).is_empty());
        // ExitCode is not spawning.
        assert!(found("src/lib.rs", "use std::process::ExitCode;\n").is_empty());
    }

    #[test]
    fn comments_strings_and_test_code_do_not_count() {
        let src = "//! uses crate::ui::count\n\
                   /* crate::ui /* nested */ crate::ui */\n\
                   const S: &str = \"crate::ui::count\";\n\
                   const R: &str = r#\"crate::ui \"quoted\" \"#;\n\
                   fn f<'a>(c: char) -> bool { c == '{' }\n\
                   #[cfg(test)]\n\
                   mod tests { use crate::ui::count; fn g() { crate::postfix::x(); } }\n\
                   #[cfg(test)]\n\
                   use crate::ui::other;\n\
                   fn after() { crate::app::y(); }\n";
        assert_eq!(found("src/model/x.rs", src), ["10:crate::app::y"]);
    }

    #[test]
    fn the_instance_behind_a_queue_is_for_the_log_readers() {
        let src = "fn f(q: &dyn MailQueue) { let p = q.postfix(); let n = q.postfix_name(); }\n";
        assert_eq!(found("src/app/storm.rs", src), vec!["1:.postfix()"]);
        assert!(found("src/maillog/mod.rs", src).is_empty());
        assert!(found("src/commands/logins.rs", src).is_empty());
    }

    #[test]
    fn not_test_is_not_test_code() {
        let src = "#[cfg(not(test))]\nuse crate::ui::count;\n";
        assert_eq!(found("src/app/x.rs", src), ["2:crate::ui::count"]);
    }

    #[test]
    fn the_message_names_file_line_and_rule() {
        let v = violations("src/app/update.rs", "\n\nfn f() { crate::ui::count(1); }\n");
        let msg = v[0].to_string();
        assert!(
            msg.starts_with(
                "src/app/update.rs:3: `crate::ui::count` is forbidden here (`crate::ui`)"
            ),
            "{msg}"
        );
        assert!(msg.contains("knows nothing of drawing"), "{msg}");
    }

    #[test]
    fn the_ssh_transport_uses_only_the_runner() {
        let src = "use super::process::run;\nuse super::local::Postfix;\n";
        assert_eq!(
            found("src/postfix/ssh.rs", src),
            ["2:crate::postfix::local::Postfix"]
        );
    }

    #[test]
    fn drawing_only_reads_the_app() {
        let src = "fn a(app: &mut App) {}\n\
                   fn b<'a>(app: &'a mut crate::app::App) {}\n\
                   fn c(mut app: App) {}\n\
                   impl App { fn d(&mut self) {} }\n\
                   impl<'a> Widget for crate::app::App {}\n\
                   fn ok(app: &App, apps: &mut Vec<App>, mut n: usize, s: &mut AppState) {}\n\
                   // fn commented(app: &mut App) {}\n\
                   #[cfg(test)]\n\
                   fn test_helper(app: &mut App) {}\n";
        assert_eq!(
            found("src/ui/storm.rs", src),
            [
                "1:&mut App",
                "2:&mut App",
                "3:mut _: App",
                "4:impl App",
                "5:impl App"
            ]
        );
        // The app itself changes the App, of course.
        assert!(found("src/app/update.rs", src).is_empty());
        let v = violations("src/ui/mod.rs", "fn draw(app: &mut App) {}");
        assert!(
            v[0].to_string().contains("update() is the only place"),
            "{}",
            v[0]
        );
    }

    #[test]
    fn scopes_are_directories_not_prefixes() {
        assert!(in_scope(&Scope::Under(&["src/app"]), "src/app/mod.rs"));
        assert!(in_scope(&Scope::Under(&["src/app"]), "src/app.rs"));
        assert!(!in_scope(&Scope::Under(&["src/app"]), "src/applog.rs"));
    }
}
