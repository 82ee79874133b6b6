//! Storm attribution on storms it was not designed around (tests/common/shapes.rs): random
//! display names, rotating subjects, a display name shared by two campaigns, campaigns that
//! share only a Message-ID pattern or a URL host, NDRs from Exim, Exchange and qmail, a
//! compromised account driven from two addresses, a newsletter that must not be flagged.
//! Rules are checked with the real `postmap` (postfix-pcre), as the storm command does.

mod common;

use common::postmap::postmap_hits;
use common::shapes::{self, Campaign, Shapes};
use common::shapes_queue::{NOW, build};
use mailq_tui::model::campaign::FeatureKind;
use mailq_tui::model::compromise::Networks;
use mailq_tui::model::content::{ContentIndex, ContentView};
use mailq_tui::model::rules::{LEGIT_BODY, LEGIT_HEADERS, RulePlan, Table, corpus_lines};
use mailq_tui::model::storm::{StormReport, analyze, check_rules};
use mailq_tui::model::{Filter, MatchContext, Snapshot, select_with};
use mailq_tui::postfix::postmap::Postmap;

fn report(s: &Shapes) -> (Snapshot, ContentIndex, StormReport) {
    let (snap, index) = build(s);
    let r = analyze(
        &snap,
        &index,
        &Networks::parse("127.0.0.0/8 [::1]/128"),
        None,
        NOW,
    );
    (snap, index, r)
}

fn selected(snap: &Snapshot, index: &ContentIndex, filter: &str) -> usize {
    let f = Filter::parse(filter).expect("filter parses");
    let view = ContentView::new(snap, index);
    select_with(
        snap,
        &f,
        &MatchContext {
            now: NOW,
            content: Some(&view),
            logins: None,
        },
    )
    .indices
    .len()
}

#[test]
fn campaigns_are_found_by_what_the_spam_shares() {
    let s = shapes::generate(1_200, 7);
    let (snap, index, r) = report(&s);
    let parcel = s.ndrs_of(Campaign::Parcel);
    let top = &r.campaigns[0];
    assert!(top.label.contains("parcel"), "{:#?}", r.campaigns);
    assert!(top.ndrs * 100 >= parcel * 95, "{} of {parcel}", top.ndrs);
    assert!(
        top.spam > 0,
        "the compromised account's parcel spam joins the campaign"
    );
    let find = |kind: FeatureKind| r.campaigns.iter().find(|c| c.kind == kind);
    let msgid = find(FeatureKind::MessageId).expect("Message-ID campaign");
    assert!(msgid.value.contains(shapes::MSGID_HOST));
    assert!(msgid.ndrs * 100 >= s.ndrs_of(Campaign::MsgId) * 95);
    let url = find(FeatureKind::UrlHost).expect("URL-only campaign");
    assert_eq!(url.value, shapes::URL_ONLY_HOST);
    let pharmacy = r
        .campaigns
        .iter()
        .find(|c| c.label.contains("pharmacy") || c.label.contains("meds"))
        .expect("pharmacy campaign");
    assert!(
        pharmacy.ndrs * 100 >= s.ndrs_of(Campaign::Pharmacy) * 95,
        "{pharmacy:#?}"
    );
    // No campaign is defined by a display name the campaigns share.
    for c in &r.campaigns {
        if c.kind == FeatureKind::FromName {
            assert_eq!(c.value, "dr. wellness shop", "{c:#?}");
        }
    }
    assert!(
        r.mixers
            .iter()
            .any(|m| m.value == "accounts department" && m.campaigns >= 2),
        "{:#?}",
        r.mixers
    );
    // Every row's filter selects exactly what the row counts.
    for c in &r.campaigns {
        assert_eq!(
            selected(&snap, &index, &c.filter),
            c.messages,
            "{}",
            c.label
        );
    }
    // The verdict names the cause with its coverage, and the date of an old storm.
    assert!(
        r.verdict.contains("subject contains 'parcel' ("),
        "{}",
        r.verdict
    );
    assert!(r.verdict.contains(", 6 days"), "{}", r.verdict);
    assert!(!r.verdict.contains("Accounts"), "{}", r.verdict);
}

#[test]
fn the_compromised_account_is_flagged_and_the_newsletter_is_not() {
    let s = shapes::generate(600, 11);
    let (snap, index, r) = report(&s);
    let kato = r
        .accounts
        .iter()
        .find(|a| a.user == shapes::COMPROMISED)
        .expect("account");
    assert!(kato.compromised, "{kato:#?}");
    assert_eq!(r.accounts[0].user, shapes::COMPROMISED);
    assert!(
        kato.summary
            .contains("from 2 addresses outside mynetworks: 186.216.156.42, 41.203.67.118"),
        "{}",
        kato.summary
    );
    assert!(kato.reasons.iter().any(|x| x.contains("recipient domains")));
    assert_eq!(selected(&snap, &index, &kato.filter), kato.messages);
    let shop = r
        .accounts
        .iter()
        .find(|a| a.user == shapes::NEWSLETTER)
        .expect("newsletter");
    assert!(!shop.compromised, "{shop:#?}");
    assert!(
        r.accounts.iter().filter(|a| a.compromised).count() == 1,
        "{:#?}",
        r.accounts
    );
    assert!(
        r.verdict
            .contains("account m.kato@lab.test probably compromised"),
        "{}",
        r.verdict
    );
}

fn postmap_or_skip() -> Option<Postmap> {
    let p = Postmap::find();
    if p.is_none() {
        assert!(
            std::env::var_os("MAILQ_TUI_SKIP_LIVE").is_some(),
            "postmap not found: install postfix postfix-pcre (or set MAILQ_TUI_SKIP_LIVE=1)"
        );
    }
    p
}

/// Every proposed rule, checked again independently: 0 matches on the legitimate corpus
/// and the queue's other mail, and the coverage it claims.
fn assert_rules_safe(plan: &RulePlan, snap: &Snapshot, index: &ContentIndex) {
    let view = ContentView::new(snap, index);
    let qc = view.campaigns();
    for table in [Table::HeaderChecks, Table::BodyChecks] {
        let rules: Vec<String> = plan
            .rules
            .iter()
            .filter(|r| r.table == table)
            .map(|r| r.line.clone())
            .collect();
        if rules.is_empty() {
            continue;
        }
        let lines_of = |i: u32| -> Vec<String> {
            let o = view.get(i).and_then(|c| c.features_source());
            o.map(|o| match table {
                Table::HeaderChecks => o.raw_headers.clone(),
                Table::BodyChecks => o.raw_url_lines.clone(),
            })
            .unwrap_or_default()
        };
        let mut legit = corpus_lines(if table == Table::HeaderChecks {
            LEGIT_HEADERS
        } else {
            LEGIT_BODY
        });
        for &i in &qc.background_msgs {
            legit.extend(lines_of(i));
        }
        assert_eq!(
            postmap_hits(&rules, &legit),
            Vec::<String>::new(),
            "{rules:#?}"
        );
        for r in plan.rules.iter().filter(|r| r.table == table) {
            let hits: std::collections::HashSet<String> = postmap_hits(
                std::slice::from_ref(&r.line),
                &qc.storm_msgs
                    .iter()
                    .flat_map(|&i| lines_of(i))
                    .collect::<Vec<_>>(),
            )
            .into_iter()
            .collect();
            let covered = qc
                .storm_msgs
                .iter()
                .filter(|&&i| lines_of(i).iter().any(|l| hits.contains(l)))
                .count();
            assert_eq!(covered, r.covers, "{}", r.line);
        }
    }
}

#[test]
fn rules_are_proven_safe_with_postmap() {
    let Some(postmap) = postmap_or_skip() else {
        return;
    };
    let s = shapes::generate(800, 3);
    let (snap, index, _) = report(&s);
    let plan = check_rules(&snap, &index, &postmap);
    assert!(!plan.rules.is_empty(), "{plan:#?}");
    for r in &plan.rules {
        assert_eq!((r.queue_fp, r.corpus_fp), (0, 0), "{r:#?}");
        assert!(
            !r.line.contains("From:\\s*\""),
            "no display-name rule: {}",
            r.line
        );
    }
    // Most of the storm is covered with a handful of rules.
    assert!(
        plan.covered * 100 >= plan.storm_total * 70,
        "{} of {}: {plan:#?}",
        plan.covered,
        plan.storm_total
    );
    assert!(plan.rules.len() <= 8, "{plan:#?}");
    // A single word ('parcel') is never a rule; generic subjects ("Invoice 123") neither.
    assert!(
        plan.refused
            .iter()
            .any(|x| x.basis.contains("'parcel'") && x.why.contains("too generic")),
        "{:#?}",
        plan.refused
    );
    assert!(
        plan.refused
            .iter()
            .any(|x| x.line.as_deref().is_some_and(|l| l.contains("Invoice"))
                && x.why.contains("generic")),
        "{:#?}",
        plan.refused
    );
    assert!(
        plan.refused
            .iter()
            .any(|x| x.why.contains("display name alone"))
    );
    assert!(
        plan.rules.iter().any(|r| r.line.contains("Message-ID")),
        "{plan:#?}"
    );
    assert!(
        plan.rules.iter().any(|r| r.table == Table::BodyChecks),
        "{plan:#?}"
    );
    assert_rules_safe(&plan, &snap, &index);
}

#[test]
fn nothing_safe_is_said_so() {
    let Some(postmap) = postmap_or_skip() else {
        return;
    };
    // Only the display-name campaign and noise: no rule may be proposed.
    let mut rng = shapes::Rng::new(5);
    let mut s = shapes::generate(0, 5);
    s.spam = (0..60)
        .map(|i| {
            let c = if i % 5 == 0 {
                Campaign::Noise
            } else {
                Campaign::NameOnly
            };
            (
                shapes::spam(&mut rng, c, &shapes::VICTIMS),
                shapes::NdrStyle::Exchange,
            )
        })
        .collect();
    let (snap, index, r) = report(&s);
    assert_eq!(
        r.campaigns[0].kind,
        FeatureKind::FromName,
        "{:#?}",
        r.campaigns
    );
    let plan = check_rules(&snap, &index, &postmap);
    assert!(plan.rules.is_empty(), "{plan:#?}");
    assert!(plan.note.is_some());
    assert!(
        plan.text().starts_with("# No header_checks rule proposed"),
        "{}",
        plan.text()
    );
}

#[test]
fn hostile_and_degenerate_storms() {
    // Escape sequences in subjects never reach the definitions unescaped.
    let mut rng = shapes::Rng::new(9);
    let mut s = shapes::generate(0, 9);
    s.spam = (0..40)
        .map(|_| {
            let mut sp = shapes::spam(&mut rng, Campaign::Parcel, &shapes::VICTIMS);
            sp.subject = "=?UTF-8?B?G1syShtdNTI7YztBQUFBBw==?= parcel waiting".to_owned();
            (sp, shapes::NdrStyle::Postfix)
        })
        .collect();
    let (_, _, r) = report(&s);
    for c in &r.campaigns {
        assert!(!c.label.contains('\u{1b}'), "{c:#?}");
    }
    assert!(!r.verdict.contains('\u{1b}'));
    // Empty queue.
    let r = analyze(
        &Snapshot::default(),
        &ContentIndex::new(),
        &Networks::default(),
        None,
        NOW,
    );
    assert!(r.campaigns.is_empty());
    assert!(r.verdict.starts_with("No NDR storm"));
}
