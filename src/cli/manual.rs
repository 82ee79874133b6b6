//! The manual pages' own text: what `--help` does not say (descriptions, examples, files,
//! environment, security, see also). The rest of each page comes from where it lives:
//! synopsis and options from the clap definitions ([`super::args`]), the filter language
//! from [`crate::model::FILTER_HELP`], the grouping keys from
//! [`crate::model::group::group_help`], the keys from the key table
//! ([`crate::app::Keymap`]) and the exit statuses from [`super::exit`]. The pages are
//! rendered to roff into `assets/man/` by `tests/generated_assets.rs` (freshness-tested).
//!
//! Markup of the descriptions: paragraphs are separated by blank lines; lines indented by
//! two spaces are shown as typed (commands, output); a line starting with `- ` is a list
//! item; `` `text` `` is set in bold.

/// The date on the pages (`.TH`): when their text last changed in substance. A fixed
/// string, so that the generated pages only change when their text does.
pub const DATE: &str = "2026-11-30";

/// What every bulk action does after its own first paragraph (a literal, for `concat!`).
macro_rules! bulk_protocol {
    () => {
        "\n\n\
The plan comes first: the operation, how many messages and recipients, in which queues, \
how many selected messages also have recipients outside the filter (Postfix acts on whole \
messages), a sample, the filter and warnings (deleting cannot be undone; requeueing mail \
with a forged sender makes Postfix send new bounces to third parties). Then it asks: `y` \
confirms, and deleting more than 1,000 messages or half the queue asks you to type the \
count. Without a terminal on standard input it refuses unless `--yes` is given. An empty \
filter, the whole queue, needs `--all`.

Just before acting the queue is listed again. Messages whose queue ID now names another \
message (IDs are reused) or that moved to another queue are not touched and reported as \
changed; vanished ones as gone. Then one postsuper per queue and batch of `--batch` IDs, \
restricted to the queue each message was seen in. Holding mail already on hold, or \
releasing mail that is not, is reported and is not a failure. Ctrl-C, SIGTERM or a \
dropped ssh connection stop between batches with an exact report. Every action appends \
one line to the audit log."
    };
}

/// One example: what it does, and the command as typed.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The sentence before the command.
    pub says: &'static str,
    /// The command line, as typed in a shell.
    pub command: &'static str,
    /// The exit status it has when run as it stands on `--demo` (inserted after
    /// `mailq-tui`): tested. `None` for examples that need a real Postfix, a mail log, ssh
    /// or a pipe to another program.
    pub demo: Option<u8>,
}

/// The hand-written parts of one manual page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// The subcommand; `None` for mailq-tui(1) itself.
    pub command: Option<&'static str>,
    /// DESCRIPTION, after the command's one-line summary (see the module doc for markup).
    pub description: &'static str,
    pub examples: &'static [Example],
    /// Pages named in SEE ALSO besides mailq-tui(1) (`name(section)`).
    pub see_also: &'static [&'static str],
}

const fn ex(says: &'static str, command: &'static str) -> Example {
    Example {
        says,
        command,
        demo: Some(0),
    }
}

/// An example that needs a real Postfix, a mail log, ssh or a pipe to another program.
const fn live(says: &'static str, command: &'static str) -> Example {
    Example {
        says,
        command,
        demo: None,
    }
}

/// Every page: mailq-tui(1) first, then one per subcommand.
pub const PAGES: &[Page] = &[
    Page {
        command: None,
        description: MAIN_DESCRIPTION,
        examples: &[
            ex(
                "The storm workflow. First look: how big the storm is, since when, which \
                 spam campaigns and which submitting account caused it, with a filter for each.",
                "mailq-tui storm",
            ),
            ex(
                "The same queue by delay reason, and each reason by recipient domain (the \
                 forged senders the NDRs go back to):",
                "mailq-tui summary --by reason,rcpt-domain null",
            ),
            ex(
                "Hold what the compromised account sent, using the filter the storm \
                 preview printed. Held mail stays in the queue, is never delivered or \
                 returned, and can be released again:",
                "mailq-tui hold --yes sasl:=partner@example.test",
            ),
            ex(
                "Hold the NDRs of the storm too (the null sender, deferred):",
                "mailq-tui hold --yes null queue:deferred",
            ),
            ex(
                "Inspect what is on hold: by subject, then the queue IDs (for postcat -q ID) \
                 or the TUI on the same filter (press / and type it):",
                "mailq-tui summary --by subject queue:hold",
            ),
            ex("", "mailq-tui ids queue:hold sasl:=partner@example.test"),
            ex(
                "Delete the held storm, keeping a copy of every message as evidence; \
                 --dry-run shows the plan first:",
                "mailq-tui delete --dry-run queue:hold",
            ),
            live(
                "",
                "mailq-tui delete --export /root/evidence-$(date +%F) --yes queue:hold",
            ),
            ex(
                "What was done, from the audit log:",
                "mailq-tui log -n 5",
            ),
            ex(
                "Open the TUI on the built-in demo storm (changes stay in memory):",
                "mailq-tui --demo",
            ),
            live(
                "Open the TUI with a day of mail log behind the storm screen and `login-new:` \
                 (type /login-new:yes: the messages sent from addresses new for their account):",
                "mailq-tui --log /var/log/mail.log --since 24h",
            ),
            live(
                "Monitor another instance without any path to postsuper:",
                "mailq-tui --read-only -c /etc/postfix-out",
            ),
            live(
                "Run the same command on two hosts over ssh:",
                "mailq-tui --host mx1 --host mx2 storm",
            ),
        ],
        see_also: &[
            "postqueue(1)",
            "postsuper(1)",
            "postcat(1)",
            "qshape(1)",
            "postconf(5)",
            "postmulti(1)",
            "ssh(1)",
        ],
    },
    Page {
        command: Some("summary"),
        description: "\
Lists the queue (`postqueue -j`), keeps the messages the FILTER words select, and prints \
them grouped by one key or by two (`--by reason,rcpt-domain`: each delay-reason family \
split by recipient domain). Each row counts messages, recipients, size and the oldest \
message's age. Recipient keys count only the recipients of their group, so a message with \
two recipient domains appears in both groups but is counted once in the totals.

With `--shape` the output is the table qshape(1) prints: recipient domains (or sender \
domains, `-s`) against age buckets of 5, 10, 20, … 1280 minutes, with the same counts as \
`qshape` on the same queue.

The grouping keys and sort orders are described in GROUPING in mailq-tui(1) and by \
`mailq-tui help group`; the filter words in FILTER LANGUAGE there and by `mailq-tui help \
filter`.",
        examples: &[
            ex("The queue by delay-reason family:", "mailq-tui summary"),
            ex(
                "The NDRs by reason and, under each, recipient domain:",
                "mailq-tui summary --by reason,rcpt-domain null",
            ),
            ex(
                "The ten senders with most mail on hold, as JSON:",
                "mailq-tui summary --by sender --sort hold --top 10 --json",
            ),
            ex(
                "What qshape deferred would print, and by sender domain:",
                "mailq-tui summary --shape queue:deferred",
            ),
            ex("", "mailq-tui summary --shape -s queue:deferred"),
        ],
        see_also: &["qshape(1)", "postqueue(1)", "mailq-tui-ids(1)"],
    },
    Page {
        command: Some("ids"),
        description: "\
Prints the queue ID of every message the FILTER words select, one per line, for scripts \
and for `postsuper -d -`. An empty filter prints every ID. Unlike the bulk actions of \
mailq-tui, a pipe to postsuper does not re-check the messages before acting: queue IDs are \
reused (see postsuper(1)), so prefer `mailq-tui delete` for anything but a quiet queue.",
        examples: &[
            ex(
                "NDRs stuck on timeouts for more than two hours:",
                "mailq-tui ids null 'reason:/timed out/' 'age:>2h'",
            ),
            live(
                "Delete the NDRs to one forged-sender domain with postsuper itself:",
                "mailq-tui ids null rcpt:@victim-a.example | postsuper -d - deferred",
            ),
        ],
        see_also: &["postsuper(1)", "mailq-tui-delete(1)"],
    },
    Page {
        command: Some("delete"),
        description: concat!(
            "Deletes the messages the FILTER words select (`postsuper -d`). This cannot be \
             undone: hold first, inspect, then delete from hold; `--export DIR` keeps a copy \
             of every message as evidence.",
            bulk_protocol!()
        ),
        examples: &[
            ex(
                "See what would be deleted: the messages, recipients, queues, a sample and \
                 warnings; nothing changes:",
                "mailq-tui delete --dry-run null reason:\"user unknown\"",
            ),
            ex(
                "Delete what was held, without asking:",
                "mailq-tui delete --yes queue:hold",
            ),
            live(
                "Save every message first (one ID.txt each, mode 0600), then delete:",
                "mailq-tui delete --export /root/evidence sasl:=partner@example.test",
            ),
        ],
        see_also: &["postsuper(1)", "mailq-tui-hold(1)", "mailq-tui-log(1)"],
    },
    Page {
        command: Some("hold"),
        description: concat!(
            "Puts the messages the FILTER words select on hold (`postsuper -h`): they stay in \
             the queue, are neither delivered nor returned, until released \
             (mailq-tui-release(1)) or deleted. The safe first step against a storm.",
            bulk_protocol!()
        ),
        examples: &[
            ex(
                "Hold everything a compromised account submitted:",
                "mailq-tui hold --yes sasl:=partner@example.test",
            ),
            ex(
                "Hold the NDRs of a storm for review:",
                "mailq-tui hold --yes null queue:deferred",
            ),
        ],
        see_also: &["postsuper(1)", "mailq-tui-release(1)", "mailq-tui-delete(1)"],
    },
    Page {
        command: Some("release"),
        description: concat!(
            "Releases the held messages the FILTER words select (`postsuper -H`): they go \
             back to the deferred queue and are delivered at the next attempt (see \
             mailq-tui-flush(1) to try at once). Messages not on hold are reported as such.",
            bulk_protocol!()
        ),
        examples: &[ex(
            "Release the legitimate mail held by mistake:",
            "mailq-tui release --yes queue:hold sender:@example.test",
        )],
        see_also: &["postsuper(1)", "mailq-tui-hold(1)"],
    },
    Page {
        command: Some("requeue"),
        description: concat!(
            "Requeues the messages the FILTER words select (`postsuper -r`): each goes \
             through the cleanup daemon again, picking up changed address rewriting, \
             canonical maps and transports, and is then delivered anew. Requeueing mail \
             with a forged sender makes Postfix send new bounces to third parties: the \
             plan warns.",
            bulk_protocol!()
        ),
        examples: &[ex(
            "Requeue the mail that waits on one relay after fixing its transport:",
            "mailq-tui requeue --yes reason:\"connect to <host>\" rcpt:@example.net",
        )],
        see_also: &["postsuper(1)", "mailq-tui-deliver(1)"],
    },
    Page {
        command: Some("expire"),
        description: "\
Forced expiration (`postsuper -e`, Postfix 3.5 and later): each selected message is \
returned to its sender at its next delivery attempt, with the reason it could not be \
delivered, instead of being deleted silently. Expiring an NDR (null sender) discards it, \
since there is nobody to return it to. Held mail is only returned once it leaves hold: \
`--release` uses `postsuper -f`, which expires and releases in one step. Older Postfix \
versions are detected and the action is refused with an explanation.

The selection is handled like every bulk action: listed again just before acting, \
confirmed, audited; see mailq-tui-delete(1).",
        examples: &[
            ex(
                "Return day-old mail from one sender to it:",
                "mailq-tui expire --yes sender:=alice@example.test 'age:>1d'",
            ),
            ex(
                "Expire and release what is on hold:",
                "mailq-tui expire --release --dry-run queue:hold",
            ),
        ],
        see_also: &["postsuper(1)", "mailq-tui-delete(1)"],
    },
    Page {
        command: Some("deliver"),
        description: "\
Attempts delivery of each selected message now, with one `postqueue -i ID` per message, \
then lists the messages again and says which left the queue and which are deferred again, \
with their new reason. At most 20 messages: to retry a whole destination use \
mailq-tui-flush(1).",
        examples: &[
            ex(
                "See which message would be tried:",
                "mailq-tui deliver --dry-run sender:=alice@example.test 'age:<1h'",
            ),
            ex(
                "Try one message now and see what happened:",
                "mailq-tui deliver --yes sasl:=alice@example.test 'age:<1h'",
            ),
        ],
        see_also: &["postqueue(1)", "mailq-tui-flush(1)"],
    },
    Page {
        command: Some("flush"),
        description: "\
Attempts delivery of all deferred mail now (`postqueue -f`), or only of the mail for one \
destination (`--site`, `postqueue -s SITE`; the site must be listed in \
`fast_flush_domains`). During an NDR storm a flush retries every bounce at once, a burst \
of connections to the forged senders' servers: the command warns and asks first. \
Afterwards the deferred count before and after is shown.",
        examples: &[
            ex("Flush the deferred queue:", "mailq-tui flush --yes"),
            live(
                "Flush the mail for one destination:",
                "mailq-tui flush --site example.net",
            ),
        ],
        see_also: &["postqueue(1)", "mailq-tui-deliver(1)"],
    },
    Page {
        command: Some("storm"),
        description: "\
The NDR storm preview: how many non-delivery reports (mail from the null sender) are \
queued, their share of deferred mail, since when and how fast they arrive, and what caused \
them. The queued messages are read with batched `postcat` (NDRs first, which needs root): \
the spam campaigns the returned originals share (a subject template, a distinctive word, \
a URL host, a From name or domain, a Message-ID pattern), the forged senders the NDRs go back to, and the submitting SASL accounts, \
clients and local users, ranked by compromise signals (volume, recipient domains, deferral \
rate, clients outside mynetworks) and the mail log's login evidence.

Every campaign and suspicious account comes with the filter that selects its mail (for \
`hold`, `delete`, the TUI) and countermeasures to review: `header_checks` PCRE lines \
(tested against legitimate mail with `postmap -q`), a `check_sender_access` map, \
`check_sasl_access` and Dovecot `allow_nets` lines. Nothing is applied.",
        examples: &[
            ex("The storm in one report:", "mailq-tui storm"),
            ex(
                "As JSON, at most five rows per section:",
                "mailq-tui storm --json --top 5",
            ),
            ex(
                "Quickly, without reading queue files or the log (no campaigns, no accounts):",
                "mailq-tui storm --no-index --no-log",
            ),
            live(
                "With login evidence from a saved log:",
                "mailq-tui storm --log /var/log/mail.log.1 --since 2d",
            ),
        ],
        see_also: &["postcat(1)", "header_checks(5)", "mailq-tui-logins(1)"],
    },
    Page {
        command: Some("logins"),
        description: "\
Reads the mail log (the instance's `maillog_file`, /var/log/mail.log or /var/log/maillog \
with their rotations, oldest first, else journald) and reports, for the window from \
`--since` to now (default: the oldest queued message, at least 24 hours): per SASL account \
and Dovecot IMAP/POP3 login, the client addresses with their share of logins and which \
are new in the window; the messages each account sent and how their delivery ended; failed \
logins, the guessing addresses and the user names they tried; rejections by the \
countermeasures already at work (`reject_rbl_client`, `header_checks`, access maps). \
Accounts are ranked by one score: many (new) addresses, a guessing address that later got \
in, addresses logging in to several accounts, mostly undeliverable mail. A probably \
compromised account gets countermeasures to review: a `check_client_access` list, a \
fail2ban jail, Dovecot `allow_nets`.

Timestamps in BSD syslog, ISO 8601, RFC 5424 and journald JSON are read; gzip is \
uncompressed; lines that are not log lines are counted, never fatal.",
        examples: &[
            ex("The last week:", "mailq-tui logins --since 7d"),
            live(
                "A log saved from another server:",
                "mailq-tui logins --log mail.log.2.gz --log mail.log.1 --log mail.log",
            ),
            live(
                "From journald's export:",
                "journalctl -o json -u postfix -u dovecot | mailq-tui logins --log -",
            ),
        ],
        see_also: &["mailq-tui-storm(1)", "journalctl(1)"],
    },
    Page {
        command: Some("config"),
        description: "\
Shows the configuration in effect (command line over file over built-in default), where it \
is read from (`--path`), or the commented sample file with every default \
(`--print-default`), which is also installed as \
/usr/share/doc/mailq-tui/examples/config.toml. Unknown keys are errors that name the key \
and its line.",
        examples: &[
            ex("Where the configuration is read from:", "mailq-tui config --path"),
            live(
                "Start a configuration from the sample:",
                "mailq-tui config --print-default > ~/.config/mailq-tui/config.toml",
            ),
        ],
        see_also: &[],
    },
    Page {
        command: Some("instances"),
        description: "\
Lists the Postfix instances of this machine (`postmulti -l`, or the default instance alone) \
with their configuration directories. Open one with `--config-dir DIR`; `watch \
--all-instances` watches them all.",
        examples: &[live("The instances:", "mailq-tui instances")],
        see_also: &["postmulti(1)"],
    },
    Page {
        command: Some("log"),
        description: "\
Prints the last entries of the audit log, one line each: when, who (uid and user), the \
operation, how many messages were requested, done, gone, changed and failed, the filter \
and the instance. Every queue change by mailq-tui (TUI and command line) appends one JSON \
line there, with the queue IDs; `--json` prints those lines as they are.",
        examples: &[
            ex("The last five actions:", "mailq-tui log -n 5"),
            live(
                "Every ID deleted today, with jq:",
                "mailq-tui log --json | jq -r 'select(.op == \"delete\") | .ids_done[]'",
            ),
        ],
        see_also: &["jq(1)"],
    },
    Page {
        command: Some("fleet"),
        description: "\
One row per Postfix host reached over ssh (every `--host`, or every `[[hosts]]` entry of \
the configuration file): messages per queue, NDRs, whether a storm is on, the oldest \
message, and the error for a host that could not be listed within `--host-timeout` \
seconds. The hosts are asked in parallel; a slow host never holds up the others.",
        examples: &[
            live("Every configured host:", "mailq-tui fleet"),
            live("Two hosts, as JSON:", "mailq-tui --host mx1 --host mx2 fleet --json"),
        ],
        see_also: &["ssh(1)", "ssh_config(5)"],
    },
    Page {
        command: Some("watch"),
        description: "\
A read-only monitoring daemon: lists the queue of each watched instance over and over \
(spaced so that listing takes at most about 10% of the time), serves the counts as \
Prometheus metrics on `--listen` and/or writes them to a node_exporter textfile, and runs \
the `[[alerts]]` rules of the configuration file (deferred count, growth per minute, \
oldest message, NDR share, compromised account, listing failing), calling the alert command with the \
`MAILQ_TUI_ALERT_*` variables set. It never changes the queue. The package installs a \
systemd unit, mailq-tui-watch.service.",
        examples: &[
            ex(
                "The metrics once, to see what would be served:",
                "mailq-tui watch --once --no-index",
            ),
            live(
                "For node_exporter's textfile collector, without a listening port:",
                "mailq-tui watch --textfile /var/lib/prometheus/node-exporter/mailq.prom",
            ),
            live(
                "Watch every instance on the default port:",
                "mailq-tui watch --all-instances",
            ),
        ],
        see_also: &["prometheus(1)", "systemd.service(5)"],
    },
    Page {
        command: Some("check"),
        description: "\
A Nagios, Icinga or Checkmk plugin: lists the queue once and prints one status line with \
performance data, exiting 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN). Thresholds \
are KEY=RANGE lists in the monitoring-plugins range syntax, with the key's units at each \
end: `N` alerts above N, `N:` below N, `N:M` outside N..M, `@N:M` inside. After `check`, \
`-c` is the critical list, as in every plugin; name the Postfix instance with \
`--config-dir`.",
        examples: &[Example {
            says: "Warn at 500 deferred messages or a two-hour-old message; critical at \
                   5,000 or when half the queue is NDRs (on the demo storm: CRITICAL, exit 2):",
            command: "mailq-tui check -w deferred=500,age=2h -c deferred=5000,ndr-share=50%",
            demo: Some(2),
        }],
        see_also: &["mailq-tui-watch(1)"],
    },
    Page {
        command: Some("help"),
        description: "\
Without a topic, prints the usage of mailq-tui. The topics print the same text as the \
FILTER LANGUAGE and GROUPING sections of mailq-tui(1): `filter` (the filter language) \
and `group` (the grouping keys and sort orders).",
        examples: &[
            ex("The filter language:", "mailq-tui help filter"),
            ex("The grouping keys:", "mailq-tui help group"),
        ],
        see_also: &[],
    },
];

/// The page of `command` (`None`: mailq-tui(1)).
#[must_use]
pub fn page(command: Option<&str>) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.command == command)
}

const MAIN_DESCRIPTION: &str = "\
mailq-tui shows the Postfix mail queue by its shape and acts on exactly the messages a \
filter selects. Without a command it opens the terminal UI on the local Postfix (on the \
built-in demo storm when there is none); with one it prints or acts and exits, for scripts \
and for use over ssh. When stdout is not a terminal and no command is given, it prints one \
status line.

The terminal UI has a groups pane (the queue folded by a key: delay-reason family, sender, \
recipient domain, campaign, SASL account, …), the messages of the selected group and a \
detail view of one message (envelope, reasons, next retry, headers, body), a storm screen \
(`t`) and qshape's view (`p`). `/` filters, Tab changes the grouping, Space and `m` mark. \
Keys that change the queue are Shift-letters and ask first; see KEYS.

It runs the Postfix commands: `postqueue -j` (or `postqueue -p` before Postfix 3.1) to \
list, `postsuper` to delete, hold, release, requeue and expire, `postqueue -i`/`-f`/`-s` \
to deliver now and flush, and `postcat` to read messages (the storm analysis, the detail \
view, `--export`). Every bulk action:

- acts on what was listed: queue ID, queue, arrival time and sender of each message, never \
a filter evaluated again later;
- lists the queue again just before acting and leaves alone every message whose ID now \
names another message or that moved to another queue (reported as changed), or that has \
gone;
- runs one `postsuper -d|-h|-H|-r - QUEUE` per queue and batch, queue IDs on standard \
input, never `postsuper ... ALL`;
- asks in proportion: the count, recipients, queues, a sample and warnings; deleting more \
than 1,000 messages or half the queue asks you to type the number; `--dry-run` only shows \
the plan and `--yes` skips the question;
- appends one JSON line to the audit log (see FILES), shown by `mailq-tui log`.

Hold first: hold the storm, inspect it, then delete it from hold; a release undoes a \
hold.";

/// One FILES entry: the path as shown, and what it is.
pub type Entry = (String, String);

/// FILES: every file and directory mailq-tui reads or writes, from the constants the code
/// uses.
#[must_use]
pub fn files() -> Vec<Entry> {
    let state = "~/.local/state/mailq-tui";
    vec![
        (
            "~/.config/mailq-tui/config.toml".to_owned(),
            format!(
                "The configuration file ($XDG_CONFIG_HOME/mailq-tui/config.toml when that is \
                 set); `--config PATH` or ${} name another. As root it must be owned by root \
                 and writable by nobody else.",
                crate::config::CONFIG_ENV
            ),
        ),
        (
            "/etc/mailq-tui/config.toml".to_owned(),
            "The configuration the packaged systemd unit (mailq-tui-watch.service) reads; \
             a commented copy of every default is in \
             /usr/share/doc/mailq-tui/examples/config.toml."
                .to_owned(),
        ),
        (
            format!("{state}/{}", crate::ops::audit::FILE_NAME),
            "The audit log: one JSON line per queue change (time, uid and user, host, \
             instance, operation, filter, counts, queue IDs, postsuper's summary, \
             duration), appended, mode 0600, never through a symlink ($XDG_STATE_HOME/\
             mailq-tui/ when that is set; `--audit-log PATH`)."
                .to_owned(),
        ),
        (
            format!("{state}/{}", crate::logging::FILE_NAME),
            "The log file (`--log-level`, $MAILQ_TUI_LOG): the Postfix commands run and \
             their results. Nothing is logged to the terminal."
                .to_owned(),
        ),
        (
            "$XDG_RUNTIME_DIR/mailq-tui/".to_owned(),
            format!(
                "The ssh control sockets (mailq-tui-%C) shared by the connections to one \
                 host, and scratch files of the countermeasure tests (postmap/). As root: \
                 {} unless $XDG_RUNTIME_DIR is root's; for other users without \
                 $XDG_RUNTIME_DIR: $TMPDIR/mailq-tui-UID. Mode 0700, checked before every \
                 use.",
                crate::trust::ROOT_RUNTIME_DIR
            ),
        ),
        (
            "--export DIR".to_owned(),
            "Evidence: one ID.txt per selected message (envelope, headers, body) and \
             MISSING.txt for messages gone before they were read. The directory is mode \
             0700 and must be the user's; each file is new, mode 0600."
                .to_owned(),
        ),
        (
            "$queue_directory/{incoming,active,deferred,hold}/".to_owned(),
            "The queue files: read by postcat (as root), and their modification times give \
             the next retry of deferred mail. As root, the directories are checked \
             for changes before each refresh. mailq-tui never writes there; Postfix's commands do."
                .to_owned(),
        ),
        (
            "/var/log/mail.log, /var/log/maillog, $maillog_file".to_owned(),
            "The mail log, with its rotations (.1, .2.gz, -YYYYMMDD): read by `logins` and \
             `storm` for login evidence; journald (journalctl) when there is none."
                .to_owned(),
        ),
    ]
}

/// ENVIRONMENT: every variable mailq-tui reads, and what root ignores.
#[must_use]
pub fn environment() -> Vec<Entry> {
    vec![
        (
            crate::config::CONFIG_ENV.to_owned(),
            "The configuration file (after --config). A file named this way must exist.".to_owned(),
        ),
        (
            "MAILQ_TUI_LOG, RUST_LOG".to_owned(),
            "The log filter (after --log-level), e.g. debug or mailq_tui::postfix=debug."
                .to_owned(),
        ),
        (
            crate::commands::NOW_ENV.to_owned(),
            "Unix time to measure ages from (reproducible output in tests and scripts); by \
             default, the time of the listing."
                .to_owned(),
        ),
        (
            "XDG_STATE_HOME, XDG_RUNTIME_DIR".to_owned(),
            "The state directory (audit log, log file) and the runtime directory (ssh \
             control sockets). As root each is used only when it is an absolute path to an \
             existing directory owned by root and writable by nobody else; otherwise root's \
             home directory from the password database (not $HOME) and /run/mailq-tui are \
             used."
                .to_owned(),
        ),
        (
            "HOME, XDG_CONFIG_HOME".to_owned(),
            "Where the default configuration file is looked for. As root the file found \
             there must still be owned by root and not writable by group or others."
                .to_owned(),
        ),
        (
            "TMPDIR".to_owned(),
            "The runtime directory of a user without XDG_RUNTIME_DIR. Ignored as root.".to_owned(),
        ),
        (
            "PATH".to_owned(),
            "Where postqueue, postsuper, postcat, postconf and ssh are found; then in \
             postconf's command_directory, /usr/sbin and /usr/local/sbin. It is passed on to \
             the commands, as is MAIL_CONFIG (`--config-dir` is passed as -c and wins)."
                .to_owned(),
        ),
        (
            "NO_COLOR, TERM, LC_ALL, LC_CTYPE, LANG".to_owned(),
            "The look of the TUI: no colours when NO_COLOR is set (emphasis by bold and \
             reverse); ASCII borders when the locale is not UTF-8 or TERM is linux or dumb."
                .to_owned(),
        ),
    ]
}

/// SECURITY (same markup as the descriptions).
pub const SECURITY: &str = "\
Changing the queue needs root, as postsuper(1) does; listing it does not (postqueue(1) is \
set-gid postdrop), so any user can run the TUI, `summary`, `ids` and `storm --no-index`. \
As another user the TUI opens read-only and says why; reading message contents (the storm \
campaigns, the detail view's headers, `--export`) needs root too.

`--read-only` (or a non-root user) removes every path to postsuper and postqueue's \
delivery options: the queue-changing keys disappear from the TUI and its help, and the \
bulk commands stop with exit status 1 unless `--dry-run` is given. `watch` and `check` \
never change the queue.

mailq-tui runs as root on mail servers, where the environment (`sudo -E`, `su` without \
`-`) may be another user's. As root it trusts:

- a configuration file only when it is owned by root and writable by nobody else (like \
OpenSSH's StrictModes), because it can name ssh options and alert commands; otherwise it \
stops with exit status 2 and says how to fix it;
- XDG_STATE_HOME and XDG_RUNTIME_DIR only when they are root's own directories; TMPDIR \
never; the home directory from the password database, not $HOME;
- nothing it reads: listings, postcat output, the mail log and remote output are \
sanitised before they reach the terminal (escape sequences in spam headers are shown, not \
obeyed), overlong lines are dropped as parse problems, absurd times and sizes clamped.

Every file mailq-tui writes is private and never written through a symlink: the audit log \
and the log file are mode 0600 in a mode 0700 directory, opened with O_NOFOLLOW; evidence \
files (`--export`) are created with O_CREAT|O_EXCL|O_NOFOLLOW relative to the directory's \
descriptor, so a planted symlink or an existing file is refused (and without the \
evidence, nothing is deleted); the textfile of `watch` is written to a new temporary file \
and renamed into place. Over `--host`, the commands run as the ssh user (with sudo when it \
is not root) and the ssh control directory must be the user's, mode 0700.";

/// The end of `mailq-tui --help`: a few examples, the exit statuses and the files, from the
/// same tables as the manual page.
#[must_use]
pub fn after_help() -> String {
    use std::fmt::Write as _;
    let mut s = String::from("Examples:\n");
    for (cmd, says) in QUICK_EXAMPLES {
        if cmd.len() > 33 {
            let _ = writeln!(s, "  {cmd}\n  {:<33} {says}", "");
        } else {
            let _ = writeln!(s, "  {cmd:<33} {says}");
        }
    }
    s.push_str("\nExit status:\n");
    for st in super::exit::statuses(None) {
        match st.command {
            None => {
                let _ = writeln!(s, "  {}  {}", st.code, st.meaning);
            }
            Some(c) => {
                let _ = writeln!(s, "  {}  {c}: {}", st.code, st.meaning);
            }
        }
    }
    let _ = writeln!(s, "  {}", super::exit::CHECK_NOTE.replace('`', ""));
    s.push_str("\nFiles (`man mailq-tui` lists them all):\n");
    let state = "~/.local/state/mailq-tui";
    for (path, what) in [
        (
            "~/.config/mailq-tui/config.toml".to_owned(),
            format!("configuration (${}, --config)", crate::config::CONFIG_ENV),
        ),
        (
            format!("{state}/{}", crate::ops::audit::FILE_NAME),
            "audit log of every queue change (--audit-log)".to_owned(),
        ),
        (
            format!("{state}/{}", crate::logging::FILE_NAME),
            "log file ($MAILQ_TUI_LOG, --log-level)".to_owned(),
        ),
    ] {
        let _ = writeln!(s, "  {path:<39} {what}");
    }
    s.truncate(s.trim_end().len());
    s
}

/// The examples at the end of `--help` (the manual has them with explanations).
const QUICK_EXAMPLES: &[(&str, &str)] = &[
    (
        "mailq-tui",
        "open the TUI on the local Postfix (demo queue if none)",
    ),
    ("mailq-tui --demo", "open the TUI on the built-in NDR storm"),
    (
        "mailq-tui --read-only",
        "monitor only: no key can change the queue",
    ),
    (
        "mailq-tui summary --by reason",
        "the shape of the queue as a table",
    ),
    (
        "mailq-tui storm",
        "the NDR storm: campaigns, accounts, countermeasures",
    ),
    (
        "mailq-tui hold --dry-run null",
        "what holding every NDR would do",
    ),
    (
        "mailq-tui ids null rcpt:@victim-a.example",
        "the NDRs to one domain, queue IDs",
    ),
    ("mailq-tui summary --shape queue:deferred", "qshape's view"),
    (
        "mailq-tui deliver id:=4B2F41C0A8",
        "attempt one message now (postqueue -i)",
    ),
    (
        "mailq-tui --from-file - ids null",
        "analyse a `mailq` listing pasted on stdin",
    ),
    (
        "mailq-tui logins --since 7d",
        "who logged in from where (mail log)",
    ),
    (
        "mailq-tui fleet",
        "one row per [[hosts]] entry of the config file",
    ),
    (
        "mailq-tui watch --all-instances",
        "Prometheus metrics on 127.0.0.1:9155, alerts",
    ),
    (
        "mailq-tui check -w deferred=500,age=2h -c deferred=5000",
        "a Nagios/Icinga plugin",
    ),
    (
        "mailq-tui --host mx1 --host mx2 storm",
        "the same command on two hosts over ssh",
    ),
];

/// The filter language section (the text `mailq-tui help filter` prints).
pub use crate::model::FILTER_HELP;
/// The grouping section (the text `mailq-tui help group` prints).
pub use crate::model::group::group_help;

/// One key of the KEYS section: the keys, what they do, whether they change the queue, and
/// the action name the `[keys]` table of the configuration file uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub keys: Vec<String>,
    pub description: &'static str,
    pub mutates: bool,
    pub action: Option<String>,
}

/// KEYS: the key table's sections for every mode (what the `?` overlay shows for the panes,
/// and the other screens and dialogs after them), from the one key table.
#[must_use]
pub fn key_sections() -> Vec<(String, Vec<KeyRow>)> {
    use crate::app::{Keymap, Mode};
    Keymap::default()
        .help_sections(&Mode::ALL)
        .into_iter()
        .map(|(heading, hints)| {
            let rows = hints
                .into_iter()
                .map(|h| KeyRow {
                    keys: h.keys,
                    description: h.description,
                    mutates: h.mutates,
                    action: h.action,
                })
                .collect();
            (heading, rows)
        })
        .collect()
}
