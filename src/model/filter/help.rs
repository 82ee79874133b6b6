//! The filter language's help text: `mailq-tui help filter`, the TUI help, the README and
//! the man page all print this one text.

/// The filter language, for `mailq-tui help filter`, the TUI help and the README.
pub const FILTER_HELP: &str = r#"FILTER LANGUAGE

A filter is a list of terms separated by spaces. A message is selected when ALL terms hold.

  sender:MAILER-DAEMON reason:/timed out/ rcpt:@victim-a.example age:>2h queue:deferred !rcpt:@gmail.com

Terms
  field:text      the field contains text (case-insensitive)
  field:=text     the field is exactly text (case-insensitive; id:= is case-sensitive)
  field:/regex/   the field matches a regular expression (case-insensitive; write \/ for /)
  field:"a b"     quote values that contain spaces (\" and \\ inside quotes)
  !term           negates a term
  word            a bare word: the sender, a recipient or a delay reason contains it
  null, bounce    the null sender (bounces, NDRs; also: sender:<>)

Fields
  sender          envelope sender (the null sender shows as MAILER-DAEMON)
  rcpt            recipient address (also: to, recipient)
  reason          delay reason: the raw text AND its family ("connect to <host>: ...");
                  recipients without a reason have the family "(no reason)"
  queue           maildrop, incoming, active, deferred, hold
  id              queue ID
  age             age:>2h, age:<30m, age:>=1d  (units s m h d w; no unit = seconds)
  retry           time until the next delivery attempt of deferred mail (its queue file's
                  mtime): retry:<10m (due within 10 minutes, overdue included), retry:>1h.
                  Known only as root (locally, or over ssh with a root login);
                  unknown times match nothing, negated or not
  size            size:>100k, size:<1M         (units b k M G, powers of 1024; no unit = bytes)
  subject, from, campaign, sasl, client, helo, submitter
                  message content, from the content index built with postcat. campaign is
                  the definition the storm screen shows (campaign:="subject contains
                  'parcel'"), "(no campaign)" for mail in none. Without an
                  index these terms match nothing, negated or not: a purge never rests on
                  something that could not be checked. submitter is the local user who ran
                  sendmail (pickup's "from userid N" stamp): the name or the uid,
                  submitter:www-data or submitter:=33
  login-new       login-new:yes / login-new:no, from the mail log: the SASL login that
                  submitted the message came from a client address first seen for that
                  account inside the log window (yes), or one seen before (no). The log is
                  read only for this field (--log PATH, --since as for `logins`), for
                  the listed queue IDs; the TUI reads it in the background and says so.
                  Messages the log has no login for (or not yet read) match neither yes
                  nor no, negated or not

Recipients
  rcpt, reason and bare-word terms must all hold for the SAME recipient. A message where
  only some recipients qualify is selected as PARTIAL ("N selected messages also have
  recipients outside the filter"): Postfix deletes or holds whole messages, never single
  recipients. A negated recipient term is checked on that same recipient:
  !rcpt:@gmail.com selects messages with at least one non-gmail recipient (partial when
  they also have a gmail one); it does NOT exclude every message that mentions gmail.

Examples
  null reason:"user unknown"             NDRs stuck on unknown users
  sender:=alice@example.com age:>1d      a day-old backlog from one sender
  rcpt:/^victim[0-9]+@/ queue:deferred   numbered forged recipients
  reason:4.7.28 !queue:hold              Gmail rate limiting, not yet held
  subject:"canada pharmacy"              needs the content index
"#;
