//! The alert mail: headers and a plain-text body with the storm's verdict, its top causes
//! and the countermeasures. Pure; the monitor adapter hands the result to `sendmail -t`.
//!
//! Everything from the queue is sanitized, and header values lose every control character
//! (a CR/LF from a spammer's subject must not become a header of its own).

use std::fmt::Write as _;

use super::alerts::{AlertEvent, TransitionKind};
use crate::model::countermeasures::{for_account, for_campaign};
use crate::model::format::age as format_age;
use crate::model::format::thousands;
use crate::model::storm::StormReport;
use crate::model::text::sanitize;

/// How many campaigns, domains and accounts the body lists.
const TOP: usize = 3;

/// A header value: one line, no control characters, at most 200 characters.
fn header_value(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

/// The whole message for `sendmail -t -i`: headers, blank line, body.
#[must_use]
pub fn message(
    event: &AlertEvent,
    report: Option<&StormReport>,
    from: &str,
    to: &[String],
) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "From: {}", header_value(from));
    let _ = writeln!(m, "To: {}", header_value(&to.join(", ")));
    let tag = match event.state {
        TransitionKind::Resolved => "RESOLVED",
        TransitionKind::Firing | TransitionKind::Repeat => "ALERT",
    };
    let _ = writeln!(
        m,
        "Subject: [mailq-tui {tag}] {}",
        header_value(&event.summary)
    );
    let _ = writeln!(m, "Auto-Submitted: auto-generated");
    let _ = writeln!(m, "Content-Type: text/plain; charset=utf-8");
    let _ = writeln!(m, "MIME-Version: 1.0");
    m.push('\n');
    m.push_str(&body(event, report));
    m
}

/// The body: facts first, then the verdict, causes and countermeasures (while firing).
#[must_use]
pub fn body(event: &AlertEvent, report: Option<&StormReport>) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "{}\n", sanitize(&event.summary));
    let _ = writeln!(b, "Host:      {}", sanitize(&event.host));
    let _ = writeln!(b, "Instance:  {}", sanitize(&event.instance));
    let _ = writeln!(
        b,
        "Alert:     {} ({}), {}",
        sanitize(&event.alert),
        event.kind,
        event.state.as_str()
    );
    let _ = writeln!(b, "Since:     {}", event.since);
    let _ = writeln!(b, "Now:       {}", event.time);
    let _ = writeln!(
        b,
        "Queue:     {} deferred, {} in all queues, {} NDRs, oldest {}",
        thousands(event.deferred),
        thousands(event.total),
        thousands(event.ndrs),
        format_age(event.oldest_age_secs)
    );
    if !event.accounts.is_empty() {
        let _ = writeln!(b, "Accounts:  {}", sanitize(&event.accounts.join(", ")));
    }
    if event.state == TransitionKind::Resolved {
        let _ = writeln!(b, "\nThe condition no longer holds. No action needed.");
        return b;
    }
    let Some(r) = report else {
        return b;
    };
    let _ = writeln!(b, "\nVerdict: {}", sanitize(&r.verdict));
    if !r.campaigns.is_empty() {
        let _ = writeln!(b, "\nTop campaigns behind the NDRs:");
        for c in r.campaigns.iter().take(TOP) {
            let _ = writeln!(b, "  {:>8}  {}", thousands(c.messages), sanitize(&c.label));
        }
    }
    if !r.forged_domains.is_empty() {
        let _ = writeln!(b, "\nNDRs go back to (forged senders):");
        for (d, n) in r.forged_domains.iter().take(TOP) {
            let _ = writeln!(b, "  {:>8}  {}", thousands(*n), sanitize(d));
        }
    }
    let flagged: Vec<_> = r
        .accounts
        .iter()
        .filter(|a| a.compromised)
        .take(TOP)
        .collect();
    if !flagged.is_empty() {
        let _ = writeln!(b, "\nProbably compromised accounts:");
        for a in &flagged {
            let _ = writeln!(
                b,
                "  {}: {} messages to {} domains from {} client addresses",
                sanitize(&a.user),
                thousands(a.messages),
                a.recipient_domains,
                a.client_addresses.len()
            );
        }
    }
    let mut advice = String::new();
    for a in &flagged {
        advice.push_str(&for_account(a));
        advice.push('\n');
    }
    if let Some(c) = r.campaigns.first() {
        advice.push_str(&for_campaign(c, r.rules.as_ref(), r.dsn_seen));
    }
    if !advice.is_empty() {
        let _ = writeln!(
            b,
            "\nCountermeasures (review before applying; mailq-tui never applies them):\n\n{}",
            sanitize(&advice)
        );
    }
    let _ = writeln!(
        b,
        "\nLook closer: mailq-tui storm   (or the TUI's storm screen, key t)"
    );
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::storm::{AccountStat, CampaignStat};

    fn event(state: TransitionKind) -> AlertEvent {
        AlertEvent {
            state,
            alert: "growth".into(),
            kind: "growth".into(),
            instance: "default".into(),
            host: "mx1".into(),
            value: Some(120.0),
            threshold: 100.0,
            summary: "growth on default: queue growth 120.0 messages/min\r\nBcc: evil@example.org"
                .into(),
            since: "2026-11-29T23:00:00Z".into(),
            since_unix: 0,
            time: "2026-11-29T23:05:00Z".into(),
            time_unix: 0,
            accounts: vec![],
            verdict: String::new(),
            deferred: 4000,
            total: 4100,
            ndrs: 3000,
            oldest_age_secs: 3600,
        }
    }

    fn report() -> StormReport {
        StormReport {
            ndrs: 3000,
            verdict: "3,000 NDRs (75% of deferred) caused by 'Pharmacy' spam".into(),
            campaigns: vec![CampaignStat {
                label: "\"Pharmacy\" cheap pills".into(),
                kind: crate::model::campaign::FeatureKind::Subject,
                value: "cheap pills".into(),
                ndrs: 2900,
                share: 2900.0 / 3000.0,
                spam: 0,
                messages: 2900,
                background: 0,
                shared: vec![],
                filter: crate::model::storm::campaign_filter("\"Pharmacy\" cheap pills"),
                sample: vec![],
            }],
            forged_domains: vec![("victim-a.example".into(), 1000)],
            accounts: vec![AccountStat {
                user: "partner".into(),
                kind: crate::model::compromise::SubmitterKind::Sasl,
                messages: 800,
                recipients: 800,
                recipient_domains: 40,
                client_addresses: vec!["203.0.113.5".into(); 4],
                outside_mynetworks: 4,
                compromised: true,
                score: 8,
                reasons: vec![],
                summary: "800 messages to 800 recipients in 40 domains".into(),
                filter: "sasl:=partner".into(),
                sample: vec![],
            }],
            ..StormReport::default()
        }
    }

    #[test]
    fn firing_mail_has_verdict_causes_and_countermeasures_and_safe_headers() {
        let m = message(
            &event(TransitionKind::Firing),
            Some(&report()),
            "root",
            &["postmaster@example.org".into()],
        );
        let (head, body) = m.split_once("\n\n").expect("blank line");
        assert_eq!(head.lines().count(), 6, "{head}");
        assert!(!head.lines().any(|l| l.starts_with("Bcc:")), "{head}");
        assert!(head.contains("Subject: [mailq-tui ALERT] growth on default"));
        assert!(body.contains("Verdict: 3,000 NDRs"));
        assert!(body.contains("2,900  \"Pharmacy\" cheap pills"));
        assert!(body.contains("victim-a.example"));
        assert!(body.contains("partner: 800 messages to 40 domains"));
        assert!(body.contains("Countermeasures"));
        assert!(
            body.contains("header_checks") || body.contains("/^Subject:"),
            "{body}"
        );
    }

    #[test]
    fn resolved_mail_is_short() {
        let b = body(&event(TransitionKind::Resolved), Some(&report()));
        assert!(b.contains("no longer holds"));
        assert!(!b.contains("Countermeasures"));
    }
}
