//! What each grouping key and sort order means: the one text behind `mailq-tui help group`,
//! `summary --help` and the manual page's GROUPING section.

use super::{GroupKey, SortBy};

impl GroupKey {
    /// What the groups of this key are, in one line (or two).
    #[must_use]
    pub fn help(self) -> &'static str {
        match self {
            Self::Reason => {
                "delay-reason family: the reason with hosts, addresses and numbers replaced \
                 (\"connect to <host>: Connection timed out\"); \"(no reason)\" for recipients \
                 without one"
            }
            Self::Sender => "envelope sender (the null sender shows as MAILER-DAEMON)",
            Self::SenderDomain => "domain of the envelope sender",
            Self::RecipientDomain => "recipient domain",
            Self::RecipientPattern => {
                "recipient address with what varies folded: victim<n>@, <random>@, <srs>, \
                 <batv>, +<tag> (forged recipients of one spam run fall together)"
            }
            Self::Recipient => "recipient address",
            Self::Queue => "queue: maildrop, incoming, active, deferred, hold",
            Self::Age => "age in qshape's buckets: 0-5m, 5-10m, 10-20m, … 640-1280m, 1280m+",
            Self::Size => "size: <4K, 4-16K, 16-64K, 64-256K, 256K-1M, 1-10M, >10M",
            Self::Campaign => {
                "the spam campaign behind the mail (as the storm screen defines it); \
                 \"(no campaign)\" for mail in none"
            }
            Self::Sasl => "SASL login that submitted the message",
            Self::Client => "client that submitted the message (name[address])",
            Self::ClientNet => "network of the submitting client (/24 for IPv4, /48 for IPv6)",
            Self::Helo => "HELO name of the submitting client",
            Self::Subject => "Subject: header (of the returned original, for an NDR)",
            Self::FromDomain => "domain of the From: header (of the returned original, for an NDR)",
            Self::Submitter => {
                "local user who ran sendmail (pickup's \"from userid N\" stamp; the name from \
                 the queue host's password database, the uid when it has none); for an NDR this \
                 host made, the submitter of the mail it returns"
            }
            Self::LoginNew => {
                "from the mail log (--log, --since as for `logins`; the TUI reads it in the \
                 background): \"new address\" when the SASL login that submitted it came \
                 from an address first seen for that account in the window, \"known \
                 address\" otherwise, \"(no log facts)\" when the log has no login for it \
                 (or was not read yet)"
            }
        }
    }
}

impl SortBy {
    /// What this order puts first.
    #[must_use]
    pub fn help(self) -> &'static str {
        match self {
            Self::Messages => "most messages first",
            Self::Recipients => "most recipients first",
            Self::Size => "largest first",
            Self::Oldest => "oldest message first",
            Self::Newest => "newest message first",
            Self::Label => "by label, alphabetically",
            Self::Deferred => "most messages in deferred first",
            Self::Hold => "most messages on hold first",
            Self::Recent => "most arrivals in the newest time bucket first: what is growing now",
            Self::Retry => {
                "soonest next delivery attempt first (deferred mail; needs root: locally, \
                 or a root ssh login); groups without one last"
            }
        }
    }
}

/// A two-column list, the name padded to `width` (continuation lines indented under the
/// text, wrapped at 90 columns as the filter help is).
fn table(out: &mut String, rows: impl IntoIterator<Item = (&'static str, &'static str)>) {
    const NAME: usize = 18;
    const WIDTH: usize = 90;
    for (name, text) in rows {
        let mut line = format!("  {name:<w$}", w = NAME - 2);
        if name.len() > NAME - 3 {
            line = format!("  {name}\n{}", " ".repeat(NAME));
        }
        let mut col = line.lines().last().map_or(0, str::len);
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 && col + 1 + word.len() > WIDTH {
                line.push('\n');
                line.push_str(&" ".repeat(NAME));
                col = NAME;
            } else if i > 0 {
                line.push(' ');
                col += 1;
            }
            line.push_str(word);
            col += word.chars().count();
        }
        out.push_str(&line);
        out.push('\n');
    }
}

/// The grouping help: `mailq-tui help group`, and the manual page's GROUPING section.
#[must_use]
pub fn group_help() -> String {
    let mut s = String::from(
        "GROUPING\n\n\
         The groups pane and `summary --by KEY[,KEY2]` fold the selected messages by a key\n\
         (Tab and Shift-Tab cycle it in the TUI; `default-grouping` in the configuration\n\
         file picks the first). Message keys put each message in one group. Recipient keys\n\
         (reason, rcpt, rcpt-domain, rcpt-pattern) can put a message in several groups, each\n\
         counting only its own recipients; totals never count a message twice. A second key\n\
         makes sub-groups holding only the recipients of their parent (the domains that saw\n\
         THIS reason). Content keys (campaign and below) need the content index, read from\n\
         the queue files with postcat; until then their group is \"(unknown)\".\n\nKeys\n",
    );
    table(
        &mut s,
        GroupKey::ALL.into_iter().map(|k| (k.name(), k.help())),
    );
    s.push_str("\nOrder (`summary --sort`, `s` and `S` in the TUI)\n");
    table(
        &mut s,
        SortBy::ALL.into_iter().map(|k| (k.name(), k.help())),
    );
    s
}

/// The key names, comma-separated: for `--by`'s help and its error message.
#[must_use]
pub fn key_names() -> String {
    GroupKey::ALL.map(GroupKey::name).join(", ")
}

/// The sort order names, comma-separated: for `--sort`'s help.
#[must_use]
pub fn sort_names() -> String {
    SortBy::ALL.map(SortBy::name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_key_and_order_once() {
        let h = group_help();
        for k in GroupKey::ALL {
            assert!(h.contains(&format!("\n  {}", k.name())), "{}", k.name());
        }
        for k in SortBy::ALL {
            assert!(h.contains(&format!("\n  {}", k.name())), "{}", k.name());
        }
        assert!(h.lines().all(|l| l.chars().count() <= 90), "{h}");
    }
}
