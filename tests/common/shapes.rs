//! A storm generator with OTHER shapes than `scripts/lab.sh` (and `synth`), to test storm
//! attribution on storms it was not designed around:
//!
//! - spam From display names drawn at random per message from a pool that every campaign
//!   borrows ("DHL Express", "Accounts", "Apple Support", person names);
//! - campaigns rotating two or three subjects, with IDs and numbers in them;
//! - two campaigns sharing one display name ("Accounts Department");
//! - a campaign sharing nothing but a Message-ID pattern (generic subjects like "Invoice");
//! - a campaign sharing nothing but a URL host in the body (random subjects);
//! - a campaign sharing only a fixed display name (no rule may be built on it);
//! - noise NDRs that share nothing;
//! - NDRs from other MTAs: Exim, Exchange-style DSNs (headers only), qmail plain text,
//!   besides Postfix's own;
//! - a compromised SASL account driven from two addresses outside mynetworks, and a
//!   normal account sending a newsletter to its 30 customers;
//! - legitimate mail that borrows the same display names and generic subjects.
//!
//! Used two ways: in-process ([`Shapes::queue`]: a `postqueue -j` listing and the queue
//! files of the same messages) for unit tests, and as an injection plan
//! ([`Shapes::plan_jsonl`]) that `scripts/lab-shapes.sh` sends into a real throwaway
//! Postfix, where Postfix itself makes the NDRs of the spam it cannot deliver.
//! Only std: `examples/gen-shapes.rs` includes this file too.

#![allow(dead_code)]

use std::fmt::Write as _;

/// Deterministic xorshift.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
    pub fn alnum(&mut self, n: usize) -> String {
        (0..n)
            .map(|i| {
                let set: &[u8] = if i % 2 == 0 {
                    b"ABCDEFGHJKLMNPQRSTUVWXYZ"
                } else {
                    b"0123456789"
                };
                char::from(set[self.below(set.len())])
            })
            .collect()
    }
}

/// Display names every campaign borrows at random.
pub const NAME_POOL: &[&str] = &[
    "DHL Express",
    "Accounts",
    "Apple Support",
    "Customer Service",
    "Billing",
    "Amazon",
    "PayPal",
    "Support",
    "Maria Lopez",
    "John Carter",
    "Yuki Tanaka",
    "Security Team",
];

const WORDS: &[&str] = &[
    "quarterly",
    "meeting",
    "summary",
    "photos",
    "weekend",
    "project",
    "update",
    "holiday",
    "question",
    "contract",
    "garden",
    "recipe",
    "family",
    "concert",
    "tickets",
    "review",
    "budget",
    "travel",
    "schedule",
    "notes",
    "draft",
    "proposal",
    "feedback",
    "lunch",
];

/// How the NDR of a spam message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NdrStyle {
    /// Postfix's own DSN with the whole original (`message/rfc822`).
    Postfix,
    /// An Exchange-style DSN: `multipart/report`, the original's headers only.
    Exchange,
    /// Exim: plain text, the original after "------ This is a copy of the message".
    Exim,
    /// qmail: plain text, the original after "--- Below this line is a copy of the message."
    Qmail,
}

/// The campaigns, in expected size order (share of the spam).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Campaign {
    /// Rotating parcel subjects with tracking IDs; URL host in the body.
    Parcel,
    /// Two pharmacy subjects sharing words; display name "Accounts Department".
    Pharmacy,
    /// Generic subjects ("Invoice", "Report"); only the Message-ID pattern is shared;
    /// display name "Accounts Department" too.
    MsgId,
    /// Random subjects, random everything; only the URL host in the body is shared.
    UrlOnly,
    /// Random subjects; only the display name "Dr. Wellness Shop" is shared.
    NameOnly,
    /// Shares nothing.
    Noise,
}

pub const PARCEL_URL: &str = "track-parcels-now.example";
pub const URL_ONLY_HOST: &str = "login-verify-account.example";
pub const MSGID_HOST: &str = "send-grid-cdn.example";
pub const COMPROMISED: &str = "m.kato@lab.test";
pub const COMPROMISED_ADDRS: [&str; 2] = ["186.216.156.42", "41.203.67.118"];
pub const NEWSLETTER: &str = "shop@lab.test";
pub const NEWSLETTER_ADDR: &str = "203.0.113.50";

/// One spam message (its headers and body).
#[derive(Debug, Clone)]
pub struct Spam {
    pub campaign: Campaign,
    pub from_hdr: String,
    pub subject: String,
    pub message_id: String,
    pub extra: String,
    pub body: String,
    pub env_from: String,
}

impl Spam {
    pub fn bytes(&self, to: &str) -> Vec<u8> {
        let mut h = String::new();
        let _ = write!(
            h,
            "From: {}\r\nTo: {to}\r\nSubject: {}\r\nMessage-ID: {}\r\nDate: Tue, 24 Nov 2026 22:17:00 +0000\r\n{}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
            self.from_hdr, self.subject, self.message_id, self.extra, self.body
        );
        h.into_bytes()
    }
}

fn person(rng: &mut Rng) -> String {
    let first = [
        "info", "mail", "news", "team", "office", "user", "hello", "notify",
    ];
    format!("{}{}", rng.pick(&first), rng.below(100_000))
}

fn random_domain(rng: &mut Rng) -> String {
    let a = [
        "blue", "fast", "mega", "north", "smart", "green", "prime", "global",
    ];
    let b = [
        "trade", "net", "shop", "media", "link", "zone", "line", "mart",
    ];
    format!(
        "{}{}{}.example",
        rng.pick(&a),
        rng.pick(&b),
        rng.below(1000)
    )
}

fn display(name: &str, addr: &str) -> String {
    format!("\"{name}\" <{addr}>")
}

/// Make one spam message of `campaign`.
pub fn spam(rng: &mut Rng, campaign: Campaign, victims: &[&str]) -> Spam {
    let dom = random_domain(rng);
    let addr = format!("{}@{dom}", person(rng));
    let env_from = format!("{}@{}", person(rng), rng.pick(victims));
    let pool_name = *rng.pick(NAME_POOL);
    let random_id = format!("<{}.{}@{dom}>", rng.hex(12), rng.below(10_000));
    let words = |rng: &mut Rng, n: usize| {
        let mut w: Vec<&str> = (0..n).map(|_| *rng.pick(WORDS)).collect();
        w.dedup();
        let mut s = w.join(" ");
        if let Some(f) = s.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        s
    };
    let (from_hdr, subject, message_id, extra, body) = match campaign {
        Campaign::Parcel => {
            let subject = match rng.below(3) {
                0 => format!("Your parcel {} is waiting for delivery", rng.alnum(10)),
                1 => format!(
                    "Parcel delivery failed - reschedule #{}",
                    rng.below(100_000)
                ),
                _ => format!("Final notice: parcel {} will be returned", rng.alnum(10)),
            };
            (
                display(pool_name, &addr),
                subject,
                random_id,
                String::new(),
                format!(
                    "Dear customer,\r\nwe could not deliver your parcel.\r\nReschedule: https://{PARCEL_URL}/r/{}\r\n",
                    rng.hex(8)
                ),
            )
        }
        Campaign::Pharmacy => {
            let subject = if rng.below(2) == 0 {
                format!("Discount pharmacy: {}% off all meds", 50 + rng.below(40))
            } else {
                format!(
                    "Your pharmacy order {} - meds shipped discreetly",
                    rng.below(100_000)
                )
            };
            (
                display("Accounts Department", &addr),
                subject,
                random_id,
                String::new(),
                "Best prices, no prescription needed.\r\n".to_owned(),
            )
        }
        Campaign::MsgId => {
            let generic = [
                "Invoice",
                "Re: your order",
                "Report",
                "Payment",
                "Document",
                "Statement",
            ];
            let subject = format!("{} {}", rng.pick(&generic), rng.below(10_000));
            (
                display(
                    if rng.below(4) == 0 {
                        pool_name
                    } else {
                        "Accounts Department"
                    },
                    &addr,
                ),
                subject,
                format!(
                    "<{}.{}@mta{}.{MSGID_HOST}>",
                    rng.below(1_000_000_000),
                    rng.hex(6),
                    1 + rng.below(9)
                ),
                String::new(),
                "Please see the attached document.\r\n".to_owned(),
            )
        }
        Campaign::UrlOnly => (
            display(pool_name, &addr),
            words(rng, 3),
            random_id,
            String::new(),
            format!(
                "Hi,\r\nplease confirm here: https://{URL_ONLY_HOST}/{}?u={}\r\n",
                rng.hex(6),
                rng.below(100_000)
            ),
        ),
        Campaign::NameOnly => (
            display("Dr. Wellness Shop", &addr),
            words(rng, 4),
            random_id,
            String::new(),
            "Natural health products.\r\n".to_owned(),
        ),
        Campaign::Noise => (
            display(&format!("{} {}", rng.pick(WORDS), rng.below(100)), &addr),
            words(rng, 2),
            random_id,
            String::new(),
            "hello\r\n".to_owned(),
        ),
    };
    Spam {
        campaign,
        from_hdr,
        subject,
        message_id,
        extra,
        body,
        env_from,
    }
}

/// The campaign mix of the NDR part: (campaign, per mille).
pub const MIX: [(Campaign, usize); 6] = [
    (Campaign::Parcel, 420),
    (Campaign::Pharmacy, 220),
    (Campaign::MsgId, 160),
    (Campaign::UrlOnly, 110),
    (Campaign::NameOnly, 60),
    (Campaign::Noise, 30),
];

pub const VICTIMS: [&str; 5] = [
    "victim-a.example",
    "victim-b.example",
    "victim-c.example",
    "victim-d.example",
    "victim-e.example",
];

/// A message to inject (or to queue in-process).
#[derive(Debug, Clone)]
pub struct Injection {
    pub what: &'static str,
    pub env_from: String,
    pub rcpts: Vec<String>,
    /// `LOGIN=… ADDR=…` for an XCLIENT session (SASL account), if any.
    pub xclient: Option<(String, String)>,
    pub data: Vec<u8>,
    /// For spam: its campaign.
    pub campaign: Option<Campaign>,
}

/// A generated storm.
pub struct Shapes {
    /// Spam to non-existent local users: Postfix bounces each into an NDR.
    pub spam: Vec<(Spam, NdrStyle)>,
    /// Everything else (outbound spam, newsletter, legitimate mail, foreign-MTA NDRs
    /// already made).
    pub other: Vec<Injection>,
}

/// The local domain of the lab.
pub const LOCAL: &str = "lab.test";

/// Generate `ndrs` spam (→ NDRs) and the rest of the queue around them.
pub fn generate(ndrs: usize, seed: u64) -> Shapes {
    let mut rng = Rng::new(seed);
    let mut spam_list = Vec::with_capacity(ndrs);
    for i in 0..ndrs {
        let per_mille = (i * 1000) / ndrs.max(1);
        let mut acc = 0;
        let mut campaign = Campaign::Noise;
        for (c, w) in MIX {
            acc += w;
            if per_mille < acc {
                campaign = c;
                break;
            }
        }
        let style = match rng.below(10) {
            0..=4 => NdrStyle::Postfix,
            5 | 6 => NdrStyle::Exchange,
            7 | 8 => NdrStyle::Exim,
            _ => NdrStyle::Qmail,
        };
        spam_list.push((spam(&mut rng, campaign, &VICTIMS), style));
    }
    let mut other = Vec::new();
    // The compromised account: parcel and pharmacy spam, 4–5 recipients in 10 domains.
    let out_domains: Vec<String> = (0..10).map(|i| format!("mail-{i}.example")).collect();
    for i in 0..(ndrs / 4).max(60) {
        let c = if i % 2 == 0 {
            Campaign::Parcel
        } else {
            Campaign::Pharmacy
        };
        let s = spam(&mut rng, c, &VICTIMS);
        let k = 4 + rng.below(2);
        let rcpts: Vec<String> = (0..k)
            .map(|_| format!("{}@{}", person(&mut rng), rng.pick(&out_domains)))
            .collect();
        let to = rcpts.join(", ");
        other.push(Injection {
            what: "compromised",
            env_from: COMPROMISED.to_owned(),
            rcpts,
            xclient: Some((COMPROMISED.to_owned(), COMPROMISED_ADDRS[i % 2].to_owned())),
            data: s.bytes(&to),
            campaign: Some(c),
        });
    }
    // A normal account's newsletter to its 30 customers.
    for i in 0..30 {
        let rcpt = format!("customer{i}@client-{}.example", i % 14);
        let data = format!(
            "From: \"Lab Shop\" <{NEWSLETTER}>\r\nTo: {rcpt}\r\nSubject: Our November newsletter\r\nMessage-ID: <nl{i}.2026@{LOCAL}>\r\nDate: Sun, 29 Nov 2026 09:00:00 +0000\r\n\r\nNew products this month: https://shop.{LOCAL}/november\r\n"
        );
        other.push(Injection {
            what: "newsletter",
            env_from: NEWSLETTER.to_owned(),
            rcpts: vec![rcpt],
            xclient: Some((NEWSLETTER.to_owned(), NEWSLETTER_ADDR.to_owned())),
            data: data.into_bytes(),
            campaign: None,
        });
    }
    // Legitimate mail that borrows the spam's display names and generic subjects.
    let legit: [(&str, &str); 8] = [
        ("\"Accounts\" <accounts@lab.test>", "Invoice 2026-0117"),
        (
            "\"DHL Express\" <noreply@dhl.com>",
            "Your DHL shipment is on its way",
        ),
        (
            "Apple Support <support@apple.com>",
            "Your Apple ID was used to sign in",
        ),
        ("\"Accounts Department\" <ap@lab.test>", "Re: your order"),
        ("Kenji Tanaka <k.tanaka@lab.test>", "Report"),
        (
            "Mariko Suzuki <m.suzuki@lab.test>",
            "Re: Your parcel is on its way",
        ),
        (
            "\"Customer Service\" <service@lab.test>",
            "Your pharmacy order is ready",
        ),
        ("Alice <alice@lab.test>", "Lunch on Friday?"),
    ];
    for i in 0..(ndrs / 25).max(24) {
        let (from, subject) = legit[i % legit.len()];
        let rcpt = format!(
            "{}@partner.example",
            ["sales", "support", "tanaka", "order"][i % 4]
        );
        let data = format!(
            "From: {from}\r\nTo: {rcpt}\r\nSubject: {subject}\r\nMessage-ID: <legit{i}.{}@{LOCAL}>\r\nDate: Sun, 29 Nov 2026 10:00:00 +0000\r\nX-Mailer: Microsoft Outlook 16.0\r\n\r\nSee https://www.dhl.com/en/express/tracking.html and https://{LOCAL}/\r\n",
            rng.hex(6)
        );
        other.push(Injection {
            what: "legit",
            env_from: format!("user{}@{LOCAL}", i % 5),
            rcpts: vec![rcpt],
            xclient: None,
            data: data.into_bytes(),
            campaign: None,
        });
    }
    Shapes {
        spam: spam_list,
        other,
    }
}

/// The NDR a foreign MTA (or Postfix) sends back for `s`, addressed to the forged sender.
pub fn ndr(s: &Spam, style: NdrStyle, n: usize) -> Vec<u8> {
    let local = format!("nosuchuser{n}@{LOCAL}");
    let original = String::from_utf8_lossy(&s.bytes(&local)).into_owned();
    let headers_only = original.split("\r\n\r\n").next().unwrap_or("").to_owned();
    let to = &s.env_from;
    let text = match style {
        NdrStyle::Postfix | NdrStyle::Exchange => {
            let (mta, returned) = if style == NdrStyle::Postfix {
                (
                    "mx.lab.test",
                    format!("Content-Type: message/rfc822\r\n\r\n{original}"),
                )
            } else {
                (
                    "EXCH01.corp.example",
                    format!("Content-Type: text/rfc822-headers\r\n\r\n{headers_only}\r\n"),
                )
            };
            format!(
                "From: MAILER-DAEMON@{mta} (Mail Delivery System)\r\nTo: {to}\r\nSubject: Undeliverable: returned mail\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B{n}\"\r\n\r\n--B{n}\r\nContent-Type: text/plain\r\n\r\nDelivery has failed to these recipients.\r\n\r\n--B{n}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; {mta}\r\n\r\nFinal-Recipient: rfc822; {local}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B{n}\r\n{returned}\r\n--B{n}--\r\n"
            )
        }
        NdrStyle::Exim => format!(
            "From: Mail Delivery System <Mailer-Daemon@relay.exim.example>\r\nTo: {to}\r\nSubject: Mail delivery failed: returning message to sender\r\nAuto-Submitted: auto-replied\r\n\r\nThis message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n  {local}\r\n    No such user here\r\n\r\n------ This is a copy of the message, including all the headers. ------\r\n\r\n{original}"
        ),
        NdrStyle::Qmail => format!(
            "From: MAILER-DAEMON@mail.qmail.example\r\nTo: {to}\r\nSubject: failure notice\r\n\r\nHi. This is the qmail-send program at mail.qmail.example.\r\nI'm afraid I wasn't able to deliver your message to the following addresses.\r\nThis is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n<{local}>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n--- Below this line is a copy of the message.\r\n\r\n{original}"
        ),
    };
    text.into_bytes()
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

impl Shapes {
    /// The injection plan for `scripts/lab-shapes.sh`, one JSON object per line:
    /// `{"what","from","rcpts","xclient":null|{"login","addr"},"data_b64"}`.
    ///
    /// Postfix-style NDRs come from Postfix itself: their spam goes to a non-existent
    /// local user with the forged envelope sender. Other MTAs' NDRs are injected as the
    /// finished bounce (null sender) to the forged sender, as a relay would queue them.
    pub fn plan_jsonl(&self) -> String {
        let mut out = String::new();
        let mut line = |what: &str,
                        from: &str,
                        rcpts: &[String],
                        x: Option<&(String, String)>,
                        data: &[u8]| {
            let rc: Vec<String> = rcpts.iter().map(|r| json_str(r)).collect();
            let xc = x.map_or("null".to_owned(), |(l, a)| {
                format!("{{\"login\":{},\"addr\":{}}}", json_str(l), json_str(a))
            });
            let _ = writeln!(
                out,
                "{{\"what\":{},\"from\":{},\"rcpts\":[{}],\"xclient\":{xc},\"data_b64\":\"{}\"}}",
                json_str(what),
                json_str(from),
                rc.join(","),
                b64(data)
            );
        };
        for (n, (s, style)) in self.spam.iter().enumerate() {
            if *style == NdrStyle::Postfix {
                let to = format!("nosuchuser{n}@{LOCAL}");
                line(
                    "spam",
                    &s.env_from,
                    std::slice::from_ref(&to),
                    None,
                    &s.bytes(&to),
                );
            } else {
                line(
                    "ndr",
                    "",
                    std::slice::from_ref(&s.env_from),
                    None,
                    &ndr(s, *style, n),
                );
            }
        }
        for i in &self.other {
            line(i.what, &i.env_from, &i.rcpts, i.xclient.as_ref(), &i.data);
        }
        out
    }

    /// How many NDRs each campaign should show.
    pub fn ndrs_of(&self, c: Campaign) -> usize {
        self.spam.iter().filter(|(s, _)| s.campaign == c).count()
    }
}
