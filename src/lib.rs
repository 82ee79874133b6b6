//! mailq-tui: a terminal UI for the Postfix mail queue.
//!
//! Dependencies point one way: `ui → app → model ← postfix`, enforced by
//! `tests/architecture.rs` (only `postfix/` spawns processes; the model has no ratatui,
//! tokio or IO; `app` never reaches `ui`).
//!
//! - [`model`]: plain data and logic (messages, snapshots, grouping, filters, storm
//!   analysis, sources, formatting and dates). No IO.
//! - [`postfix`]: the only code that spawns processes (`postqueue`, `postsuper`, `postcat`,
//!   `postconf`, `ssh`), behind the [`postfix::MailQueue`] trait; plus the in-memory replay
//!   queue.
//! - [`app`]: the TUI state machine (`App`, `Action`, `Effect`, keymap, `update`); no IO.
//! - [`ui`]: drawing the `App` with ratatui; one file per screen region.
//! - [`runtime`]: the terminal loop: the terminal itself (raw mode, restore on every exit
//!   path, input thread) and the event loop that runs `update()`'s effects.
//! - [`cli`]: the command line: arguments, dispatch to the subcommands or the TUI, output
//!   helpers.
//! - [`monitor`]: `mailq-tui watch`, the read-only monitoring daemon (metrics endpoint,
//!   textfile, alert actions); its pure part is [`model::monitor`].
//! - [`trust`]: what is trusted as root (config and directory ownership) and private files
//!   created without following symlinks (evidence export).
//! - [`commands`]: the subcommands: `summary`, `ids`, `help` (mod.rs), the bulk actions and
//!   `log` (bulk.rs), `storm` (storm.rs), `fleet` and `--host` (fleet.rs).
//! - [`maillog`]: the mail log adapter (log files, rotations, journald; its processes go
//!   through the Postfix runner); the parsing is in `model::log`. `logins` is in
//!   commands/logins.rs.
//! - [`ops`]: the safe bulk-action protocol and the audit log; [`indexer`]: reading message
//!   contents in batches; [`config`], [`logging`].
//!
//! Two words with one meaning each: a **source** is one queue mailq-tui can open (a local
//! Postfix instance or an ssh host: [`model::source::Source`]); the **fleet** is several
//! sources at once — their overview rows ([`model::fleet`]), probing them in parallel through
//! one adapter cache ([`postfix::fleet`]) and the `mailq-tui fleet` command
//! ([`commands::fleet`]). The TUI's source picker (`app::sources`, `ui::sources`) lists the
//! sources with their fleet rows.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod indexer;
pub mod logging;
pub mod maillog;
pub mod model;
pub mod monitor;
pub mod ops;
pub mod postfix;
pub mod runtime;
/// Test data generator: tests, benches and examples only (the `synth` feature, which the
/// dev-dependency on this package turns on for them).
#[cfg(any(test, feature = "synth"))]
pub mod synth;
pub mod trust;
pub mod ui;

pub use cli::main;
