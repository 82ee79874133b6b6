//! Live tests: the real adapter (`postfix::local::Postfix`) against a real, throwaway
//! Postfix instance filled with an NDR storm by `scripts/lab.sh`.
//!
//! This binary has its own small harness (`harness = false`): starting a lab takes seconds,
//! so all cases share one lab, and the lab's guard is dropped (stopping and removing the
//! instance) after the last case, also when cases fail. Cases run one after another; each
//! mutating case works on its own disjoint part of the storm (one victim domain, a slice of
//! the outbound spam, …) and checks that nothing outside it changed.
//!
//! Needs root and Postfix (see `.ci/run`). `MAILQ_TUI_SKIP_LIVE=1` skips instead of failing.
//! `MAILQ_TUI_LAB_MESSAGES=N` changes the storm size (default 4,000).

#[macro_use]
mod common;

use common::harness;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use common::{Lab, PqMessage};
use mailq_tui::model::{QueueId, QueueName};
use mailq_tui::postfix::local::Postfix;
use mailq_tui::postfix::{MailQueue, PostfixError, QueueOp, ReadParts, Target};

/// Set (with a mode) when this binary is re-run as `nobody` by the non-root case.
const CHILD_ENV: &str = "MAILQ_TUI_LIVE_CHILD";
const DEFAULT_MESSAGES: usize = 4000;
/// One stderr line per ID from `postsuper -h -` is about this long ("postsuper: ID: placed on hold").
const MIN_HOLD_LINE: usize = 30;
const PIPE_BUFFER: usize = 64 * 1024;

struct Ctx<'a> {
    lab: &'a Lab,
    pf: Postfix,
}

type Case = fn(&Ctx<'_>);

/// In this order: read-only cases, then the binary end to end (it checks the manifest's
/// counts), then the mutating adapter cases, each on its own part of the storm.
const CASES: &[(&str, Case)] = cases![
    list_matches_postqueue,
    delay_reasons_follow_victim_domains,
    read_shows_sasl_account_and_client_addresses,
    read_ndrs_carry_the_original_spam,
    cli_storm_names_campaigns_and_account,
    cli_hold_as_root_but_not_as_nobody,
    hold_and_release_thousands_in_one_batch,
    requeue_exactly_a_selection,
    delete_exactly_a_selection,
    vanished_ids_are_reported_gone,
    read_across_a_vanished_id_keeps_the_others,
    non_root_lists_but_cannot_apply,
    protocol_leaves_moved_mail_alone_and_keeps_evidence,
    interrupt_between_batches_reports_exactly,
    cli_summary_and_ids_match_the_lab,
];

fn main() -> ExitCode {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        return child(&mode);
    }
    // `cargo test some_unit_test` filters every case out: do not start a lab for nothing.
    let Some(selected) = harness::selected_cases(CASES, "live Postfix tests") else {
        return ExitCode::SUCCESS;
    };
    let messages = std::env::var("MAILQ_TUI_LAB_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let Some(lab) = Lab::start_or_skip(messages) else {
        println!(
            "test result: ok. 0 passed; 0 failed; {} skipped",
            selected.len()
        );
        return ExitCode::SUCCESS;
    };
    let pf = match Postfix::new(Some(lab.config_dir())) {
        Ok(pf) => pf,
        Err(e) => {
            eprintln!("cannot open the lab instance: {e}");
            return ExitCode::from(101);
        }
    };
    let ctx = Ctx { lab: &lab, pf };
    let ran = selected.len();
    let (failed, took) = harness::run_cases(&selected, |case| case(&ctx));
    drop(ctx);
    drop(lab);
    harness::report(ran, &failed, took)
}

// ---------------------------------------------------------------------------------------
// Helpers

fn qid(s: &str) -> QueueId {
    QueueId::new(s)
}

/// Targets for `ids`, each restricted to the queue the listing shows it in.
fn targets(ids: &[String], listing: &BTreeMap<String, PqMessage>) -> Vec<Target> {
    ids.iter()
        .map(|id| Target {
            queue_id: qid(id),
            queue: QueueName::parse(
                &listing
                    .get(id)
                    .unwrap_or_else(|| panic!("{id} is not in the queue"))
                    .queue_name,
            ),
        })
        .collect()
}

fn id_set(ids: &[QueueId]) -> BTreeSet<String> {
    ids.iter().map(|i| i.as_str().to_owned()).collect()
}

fn str_set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

/// The null-sender messages (NDRs) whose recipient is at `domain`.
fn ndrs_to(lab: &Lab, listing: &BTreeMap<String, PqMessage>, domain: &str) -> Vec<String> {
    let null = &lab.manifest().empty_address_recipient;
    listing
        .values()
        .filter(|m| {
            &m.sender == null
                && m.recipients
                    .iter()
                    .any(|r| r.address.ends_with(&format!("@{domain}")))
        })
        .map(|m| m.queue_id.clone())
        .collect()
}

/// Every message outside `changed` is exactly as it was (queue, arrival, sender,
/// recipients, delay reasons).
fn assert_untouched_except(
    before: &BTreeMap<String, PqMessage>,
    after: &BTreeMap<String, PqMessage>,
    changed: &BTreeSet<String>,
) {
    let mut moved = Vec::new();
    for (id, m) in before {
        if changed.contains(id) {
            continue;
        }
        match after.get(id) {
            Some(a) if a == m => {}
            Some(a) => moved.push(format!("{id}: {} -> {}", m.queue_name, a.queue_name)),
            None => moved.push(format!("{id}: vanished")),
        }
    }
    assert!(
        moved.is_empty(),
        "{} messages outside the selection changed, e.g. {:?}",
        moved.len(),
        &moved[..moved.len().min(5)]
    );
}

fn assert_clean_report(
    op: QueueOp,
    report: &mailq_tui::postfix::OpReport,
    expected: &BTreeSet<String>,
) {
    let done = id_set(&report.done);
    assert_eq!(
        done.len(),
        expected.len(),
        "{op}: postsuper confirmed {} of {} IDs (gone {}, invalid {}, errors {:?})",
        done.len(),
        expected.len(),
        report.gone.len(),
        report.invalid.len(),
        &report.errors[..report.errors.len().min(3)]
    );
    assert_eq!(
        &done, expected,
        "{op}: confirmed IDs differ from the selection"
    );
    assert!(
        report.gone.is_empty(),
        "{op}: unexpected gone {:?}",
        report.gone
    );
    assert!(
        report.invalid.is_empty(),
        "{op}: unexpected invalid {:?}",
        report.invalid
    );
}

// ---------------------------------------------------------------------------------------
// Cases

/// `list()` says what `postqueue -j` says: same IDs, queues, senders, recipients, reasons.
fn list_matches_postqueue(cx: &Ctx<'_>) {
    let snap = cx.pf.list().unwrap_or_else(|e| panic!("list(): {e}"));
    let pq = cx.lab.queue_by_id();
    let m = cx.lab.manifest();
    assert!(
        snap.problems.is_empty(),
        "parse problems: {:?}",
        snap.problems
    );
    assert_eq!(
        pq.len(),
        m.total,
        "postqueue -j disagrees with the lab manifest"
    );
    assert_eq!(
        snap.len(),
        pq.len(),
        "list() count differs from postqueue -j"
    );
    let mut seen = BTreeSet::new();
    for msg in &snap.messages {
        let id = msg.queue_id.as_str();
        assert!(seen.insert(id.to_owned()), "{id} listed twice");
        let p = pq
            .get(id)
            .unwrap_or_else(|| panic!("list() has {id}, postqueue -j does not"));
        assert_eq!(msg.queue.as_str(), p.queue_name, "{id}: queue");
        assert_eq!(&*msg.sender, p.sender, "{id}: sender");
        assert_eq!(msg.arrival_time, p.arrival_time, "{id}: arrival_time");
        let ours: Vec<(String, Option<String>)> = msg
            .recipients
            .iter()
            .map(|r| {
                (
                    r.address.to_string(),
                    r.delay_reason.as_deref().map(str::to_owned),
                )
            })
            .collect();
        let theirs: Vec<(String, Option<String>)> = p
            .recipients
            .iter()
            .map(|r| (r.address.clone(), r.delay_reason.clone()))
            .collect();
        assert_eq!(ours, theirs, "{id}: recipients");
    }
    let ndrs = snap.messages.iter().filter(|msg| msg.null_sender).count();
    assert_eq!(ndrs, m.ndr.count, "NDRs (null sender) in list()");
    assert_eq!(
        snap.count(&QueueName::Hold).messages,
        m.legit.held.len(),
        "messages on hold"
    );
}

/// Each victim domain's NDRs are deferred with that domain's reason (possibly prefixed by
/// `delivery temporarily suspended: `), so a reason grouping can tell the storm apart.
fn delay_reasons_follow_victim_domains(cx: &Ctx<'_>) {
    let snap = cx.pf.list().unwrap_or_else(|e| panic!("list(): {e}"));
    let by_domain = &cx.lab.manifest().ndr.by_domain;
    assert!(
        by_domain.len() >= 5,
        "the storm should hit 5 victim domains: {by_domain:?}"
    );
    let mut distinct = BTreeSet::new();
    for msg in snap.messages.iter().filter(|m| m.null_sender) {
        for r in &msg.recipients {
            let domain = r.address.rsplit('@').next().unwrap_or_default();
            let want = by_domain
                .get(domain)
                .and_then(|d| d.reason.as_deref())
                .unwrap_or_else(|| panic!("NDR to unexpected domain {}", r.address));
            let got = r.delay_reason.as_deref().unwrap_or_default();
            assert!(
                got.ends_with(want),
                "{}: reason {got:?} is not {want:?}",
                msg.queue_id
            );
            distinct.insert(want.to_owned());
        }
    }
    assert_eq!(
        distinct.len(),
        by_domain.len(),
        "one distinct reason per victim domain"
    );
}

/// The compromised account shows: every outbound spam carries `sasl_username` and one of
/// the foreign client addresses; legitimate mail carries no SASL login.
fn read_shows_sasl_account_and_client_addresses(cx: &Ctx<'_>) {
    let m = cx.lab.manifest();
    let ids: Vec<QueueId> = m.ids["spam_out"].iter().map(|s| qid(s)).collect();
    assert_eq!(ids.len(), m.spam_out.count);
    let report = cx
        .pf
        .read(&ids, ReadParts { body: false })
        .unwrap_or_else(|e| panic!("read(): {e}"));
    assert!(
        report.vanished.is_empty(),
        "vanished: {:?}",
        report.vanished
    );
    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert_eq!(
        report.files.len(),
        ids.len(),
        "read() returned a file per ID"
    );
    let mut clients = BTreeSet::new();
    for f in &report.files {
        assert_eq!(
            f.attribute("sasl_username"),
            Some(m.spam_out.sasl_username.as_str()),
            "{}: sasl_username",
            f.queue_id
        );
        let client = f
            .attribute("log_client_address")
            .or_else(|| f.attribute("client_address"))
            .unwrap_or_else(|| panic!("{}: no client address attribute", f.queue_id));
        clients.insert(client.to_owned());
    }
    assert_eq!(
        clients,
        str_set(&m.spam_out.client_addresses),
        "client addresses"
    );

    let legit: Vec<QueueId> = m.ids["legit"].iter().map(|s| qid(s)).collect();
    let report = cx
        .pf
        .read(&legit, ReadParts { body: false })
        .unwrap_or_else(|e| panic!("read(): {e}"));
    assert_eq!(report.files.len(), legit.len());
    for f in &report.files {
        assert_eq!(
            f.attribute("sasl_username"),
            None,
            "{}: legit mail has no SASL login",
            f.queue_id
        );
    }
}

/// The returned original inside each NDR names its campaign (From: display name/domain),
/// which is how the admin finds the pattern behind the storm.
fn read_ndrs_carry_the_original_spam(cx: &Ctx<'_>) {
    let m = cx.lab.manifest();
    let ids: Vec<QueueId> = m.ids["ndr"].iter().map(|s| qid(s)).collect();
    let report = cx
        .pf
        .read(&ids, ReadParts { body: true })
        .unwrap_or_else(|e| panic!("read(): {e}"));
    assert_eq!(
        report.files.len(),
        ids.len(),
        "read() with bodies returned a file per NDR"
    );
    let mut campaigns = BTreeSet::new();
    for f in &report.files {
        let raw = String::from_utf8_lossy(&f.raw_message()).into_owned();
        assert!(
            raw.contains("multipart/report"),
            "{}: not a DSN",
            f.queue_id
        );
        let c = m
            .ndr
            .campaign_from
            .iter()
            .find(|c| raw.contains(c.as_str()))
            .unwrap_or_else(|| panic!("{}: no campaign in the returned original", f.queue_id));
        campaigns.insert(c.clone());
    }
    assert_eq!(
        campaigns.len(),
        m.ndr.campaign_from.len(),
        "every campaign bounced"
    );
}

/// Hold thousands of NDRs in one batch: postsuper writes more stderr than a pipe holds,
/// so an adapter that writes all IDs before reading stderr would hang here. Then release.
fn hold_and_release_thousands_in_one_batch(cx: &Ctx<'_>) {
    let before = cx.lab.queue_by_id();
    let mut sel = Vec::new();
    for d in ["victim-a.example", "victim-b.example", "victim-c.example"] {
        sel.extend(ndrs_to(cx.lab, &before, d));
    }
    assert!(
        sel.len() * MIN_HOLD_LINE > PIPE_BUFFER,
        "{} IDs do not overflow a pipe: start the lab with more messages",
        sel.len()
    );
    let want = str_set(&sel);
    let report = cx
        .pf
        .apply(QueueOp::Hold, &targets(&sel, &before))
        .unwrap_or_else(|e| panic!("apply(hold): {e}"));
    assert_clean_report(QueueOp::Hold, &report, &want);
    let held = cx.lab.queue_by_id();
    for id in &sel {
        assert_eq!(held[id].queue_name, "hold", "{id} not on hold");
    }
    assert_untouched_except(&before, &held, &want);

    let report = cx
        .pf
        .apply(QueueOp::Release, &targets(&sel, &held))
        .unwrap_or_else(|e| panic!("apply(release): {e}"));
    assert_clean_report(QueueOp::Release, &report, &want);
    let released = cx.lab.queue_by_id();
    // Released mail keeps its ID and goes back to deferred: the queue is as before.
    assert_untouched_except(&before, &released, &BTreeSet::new());
}

/// Requeue one victim domain's NDRs: Postfix gives them new IDs and, as the destination
/// still defers, they come back to deferred; nothing else moves.
fn requeue_exactly_a_selection(cx: &Ctx<'_>) {
    let before = cx.lab.queue_by_id();
    let domain = "victim-d.example";
    let sel = ndrs_to(cx.lab, &before, domain);
    assert!(!sel.is_empty());
    let want = str_set(&sel);
    let report = cx
        .pf
        .apply(QueueOp::Requeue, &targets(&sel, &before))
        .unwrap_or_else(|e| panic!("apply(requeue): {e}"));
    assert_clean_report(QueueOp::Requeue, &report, &want);
    let rcpts = |l: &BTreeMap<String, PqMessage>, ids: &[String]| {
        let mut v: Vec<String> = ids
            .iter()
            .flat_map(|id| l[id].recipients.iter().map(|r| r.address.clone()))
            .collect();
        v.sort();
        v
    };
    let settled = cx.lab.wait_until("requeued NDRs deferred again", |l| {
        l.iter()
            .filter(|m| {
                m.queue_name == "deferred"
                    && m.recipients.iter().any(|r| r.address.ends_with(domain))
            })
            .count()
            == sel.len()
    });
    let after: BTreeMap<String, PqMessage> = settled
        .into_iter()
        .map(|m| (m.queue_id.clone(), m))
        .collect();
    let again = ndrs_to(cx.lab, &after, domain);
    assert_eq!(
        rcpts(&before, &sel),
        rcpts(&after, &again),
        "the same NDRs came back"
    );
    let mut changed = want.clone();
    changed.extend(again.iter().cloned());
    assert_untouched_except(&before, &after, &changed);
    assert_eq!(
        after.len(),
        before.len(),
        "requeue neither adds nor loses mail"
    );
}

/// Delete one victim domain's NDRs and nothing else.
fn delete_exactly_a_selection(cx: &Ctx<'_>) {
    let before = cx.lab.queue_by_id();
    let sel = ndrs_to(cx.lab, &before, "victim-e.example");
    assert!(!sel.is_empty());
    let want = str_set(&sel);
    let report = cx
        .pf
        .apply(QueueOp::Delete, &targets(&sel, &before))
        .unwrap_or_else(|e| panic!("apply(delete): {e}"));
    assert_clean_report(QueueOp::Delete, &report, &want);
    let after = cx.lab.queue_by_id();
    for id in &sel {
        assert!(!after.contains_key(id), "{id} still queued after delete");
    }
    assert_eq!(after.len(), before.len() - sel.len());
    assert_untouched_except(&before, &after, &want);
}

/// IDs that left the queue between listing and `apply()` are reported gone, not done,
/// and the rest of the batch still happens.
fn vanished_ids_are_reported_gone(cx: &Ctx<'_>) {
    let before = cx.lab.queue_by_id();
    let sel: Vec<String> = cx.lab.manifest().ids["spam_out"][..10].to_vec();
    let (vanish, keep) = sel.split_at(3);
    let stderr = cx.lab.postsuper("-d", vanish);
    assert!(stderr.contains("Deleted: 3 messages"), "setup: {stderr}");
    let report = cx
        .pf
        .apply(QueueOp::Hold, &targets(&sel, &before))
        .unwrap_or_else(|e| panic!("apply(hold): {e}"));
    assert_eq!(id_set(&report.done), str_set(keep), "done");
    assert_eq!(id_set(&report.gone), str_set(vanish), "gone");
    assert!(report.invalid.is_empty(), "invalid: {:?}", report.invalid);
    let after = cx.lab.queue_by_id();
    for id in keep {
        assert_eq!(after[id].queue_name, "hold", "{id} not on hold");
    }
    assert_untouched_except(&before, &after, &str_set(&sel));
}

/// `postcat` aborts at the first missing file; `read()` must carry on with the IDs after it.
fn read_across_a_vanished_id_keeps_the_others(cx: &Ctx<'_>) {
    let m = cx.lab.manifest();
    let listing = cx.lab.queue_by_id();
    let ids: Vec<String> = m.ids["legit"]
        .iter()
        .filter(|id| listing.get(*id).is_some_and(|x| x.queue_name == "deferred"))
        .take(4)
        .cloned()
        .collect();
    assert_eq!(ids.len(), 4);
    let gone = ids[1].clone();
    let stderr = cx.lab.postsuper("-d", std::slice::from_ref(&gone));
    assert!(stderr.contains("Deleted: 1 message"), "setup: {stderr}");
    let qids: Vec<QueueId> = ids.iter().map(|s| qid(s)).collect();
    let report = cx
        .pf
        .read(&qids, ReadParts { body: false })
        .unwrap_or_else(|e| panic!("read(): {e}"));
    let read: BTreeSet<String> = report
        .files
        .iter()
        .map(|f| f.queue_id.as_str().to_owned())
        .collect();
    let mut want = str_set(&ids);
    want.remove(&gone);
    assert_eq!(read, want, "files read");
    assert_eq!(id_set(&report.vanished), BTreeSet::from([gone]), "vanished");
}

/// As `nobody`: listing works (postqueue is set-gid; the lab lists its config directory in
/// `alternate_config_directories`), changing is refused with `PermissionDenied`.
fn non_root_lists_but_cannot_apply(cx: &Ctx<'_>) {
    let exe = copy_self_for_nobody(cx.lab.dir());
    let listing = cx.lab.queue_by_id();
    let out = as_nobody(
        &exe,
        cx.lab.dir(),
        "list",
        &[&cx.lab.config_dir().to_string_lossy()],
    );
    assert!(
        out.status.success(),
        "list as nobody: {}{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert_eq!(
        out.stdout_text().trim(),
        format!("count {}", listing.len()),
        "nobody's listing"
    );

    let victim = listing
        .values()
        .find(|m| m.queue_name == "deferred")
        .unwrap_or_else(|| panic!("nothing deferred"))
        .queue_id
        .clone();
    let out = as_nobody(
        &exe,
        cx.lab.dir(),
        "apply",
        &[&cx.lab.config_dir().to_string_lossy(), &victim],
    );
    assert!(
        out.status.success(),
        "apply as nobody: {}{}",
        out.stdout_text(),
        out.stderr_text()
    );
    assert_eq!(
        cx.lab.queue_by_id()[&victim].queue_name,
        "deferred",
        "{victim} moved"
    );
}

/// `mailq-tui storm --json` on a real storm: the NDR count, the three campaigns (one with
/// ISO-2022-JP, one with UTF-8 encoded words), the forged-sender domains, and the SASL
/// account sending from foreign client addresses, flagged as probably compromised.
fn cli_storm_names_campaigns_and_account(cx: &Ctx<'_>) {
    let m = cx.lab.manifest();
    let out = mailq_tui_bin(cx.lab, &["storm", "--json"]);
    assert!(out.status.success(), "storm --json: {}", out.stderr_text());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("storm --json is not JSON: {e}"));
    assert_eq!(v["ndrs"].as_u64(), u64::try_from(m.ndr.count).ok(), "ndrs");
    // Three campaigns (one fixed From + subject each), told apart by what their spam
    // shares: every NDR is in one, and each names its sender's domain as evidence.
    let campaigns = v["campaigns"]
        .as_array()
        .unwrap_or_else(|| panic!("no campaigns: {v}"));
    assert_eq!(campaigns.len(), 3, "{v}");
    let in_campaigns: u64 = campaigns.iter().filter_map(|c| c["ndrs"].as_u64()).sum();
    assert_eq!(in_campaigns, u64::try_from(m.ndr.count).unwrap_or(0), "{v}");
    // The manifest lists the SASL account first, then the three campaign senders.
    for sender in &m.spam_out.senders[1..] {
        let domain = sender.rsplit('@').next().unwrap_or_default();
        let evidence = format!("From domain {domain}");
        assert!(
            campaigns
                .iter()
                .any(|c| c["label"].as_str() == Some(evidence.as_str())
                    || c["shared"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|p| p[0] == evidence.as_str())),
            "{evidence} in no campaign: {v}"
        );
    }
    // Every rule shown was checked with postmap: 0 false positives.
    let rules = v["rules"]["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules: {v}"));
    assert!(!rules.is_empty(), "{v}");
    for r in rules {
        assert_eq!(
            (r["queue_fp"].as_u64(), r["corpus_fp"].as_u64()),
            (Some(0), Some(0)),
            "{r}"
        );
    }
    let forged: BTreeMap<String, u64> = v["forged_domains"]
        .as_array()
        .unwrap_or_else(|| panic!("no forged_domains: {v}"))
        .iter()
        .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_u64()?)))
        .collect();
    let want: BTreeMap<String, u64> = m
        .ndr
        .by_domain
        .iter()
        .map(|(d, p)| (d.clone(), p.count as u64))
        .collect();
    assert_eq!(forged, want, "forged-sender domains");
    let account = v["accounts"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|a| a["user"] == m.spam_out.sasl_username.as_str())
        })
        .unwrap_or_else(|| panic!("{} not among the accounts: {v}", m.spam_out.sasl_username));
    assert_eq!(
        account["messages"].as_u64(),
        u64::try_from(m.spam_out.count).ok(),
        "messages sent by the account"
    );
    let clients: BTreeSet<String> = account["client_addresses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        clients,
        str_set(&m.spam_out.client_addresses),
        "client addresses"
    );
    assert_eq!(
        account["compromised"], true,
        "the account is flagged: {account}"
    );
}

/// `mailq-tui hold --yes SENDER` holds exactly that sender's deferred mail as root; as
/// `nobody` it refuses (non-zero exit) and nothing moves. Released again afterwards.
fn cli_hold_as_root_but_not_as_nobody(cx: &Ctx<'_>) {
    let sender = "sales@canada-pharmacy.example";
    let before = cx.lab.queue_by_id();
    let sel: Vec<String> = before
        .values()
        .filter(|m| m.sender == sender && m.queue_name == "deferred")
        .map(|m| m.queue_id.clone())
        .collect();
    assert!(
        !sel.is_empty(),
        "the lab has no outbound spam from {sender}"
    );
    let want = str_set(&sel);

    let bin = common::copy_for_nobody(
        cx.lab.dir(),
        Path::new(env!("CARGO_BIN_EXE_mailq-tui")),
        "mailq-tui",
    );
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(&bin)
        .arg("--config-dir")
        .arg(cx.lab.config_dir())
        .arg("--audit-log")
        .arg(cx.lab.dir().join("bin/audit-nobody.jsonl"))
        .args(["hold", "--yes", sender])
        .current_dir(cx.lab.dir())
        .output()
        .unwrap_or_else(|e| panic!("runuser: {e}"));
    assert!(
        !out.status.success(),
        "hold as nobody succeeded: {}",
        out.stderr_text()
    );
    assert_untouched_except(&before, &cx.lab.queue_by_id(), &BTreeSet::new());

    let out = mailq_tui_bin(cx.lab, &["hold", "--yes", sender]);
    assert!(out.status.success(), "hold as root: {}", out.stderr_text());
    let after = cx.lab.queue_by_id();
    for id in &sel {
        assert_eq!(after[id].queue_name, "hold", "{id} not on hold");
    }
    assert_untouched_except(&before, &after, &want);

    let report = cx
        .pf
        .apply(QueueOp::Release, &targets(&sel, &after))
        .unwrap_or_else(|e| panic!("apply(release): {e}"));
    assert_clean_report(QueueOp::Release, &report, &want);
    assert_untouched_except(&before, &cx.lab.queue_by_id(), &BTreeSet::new());
}

/// Run the built `mailq-tui` as root against the lab, auditing into the lab directory
/// rather than root's home.
fn mailq_tui_bin(lab: &Lab, args: &[&str]) -> std::process::Output {
    lab.mailq_tui(args)
}

// ---------------------------------------------------------------------------------------
// Running this binary as `nobody`

trait OutputText {
    fn stdout_text(&self) -> String;
    fn stderr_text(&self) -> String;
}

impl OutputText for std::process::Output {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// `nobody` may not be able to reach the build directory (CI checks out under /root), so
/// run a copy from the lab directory, which is world-readable and removed with the lab.
fn copy_self_for_nobody(lab_dir: &Path) -> PathBuf {
    let me = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    common::copy_for_nobody(lab_dir, &me, "live-child")
}

fn as_nobody(exe: &Path, cwd: &Path, mode: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "nobody", "--", "env"])
        .arg(format!("{CHILD_ENV}={mode}"))
        .arg(exe)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("runuser: {e} (util-linux is needed for the non-root test)"))
}

/// The child side, running as `nobody`: `list DIR` prints `count N`; `apply DIR ID` tries
/// to hold ID and succeeds only if the adapter says permission denied.
fn child(mode: &str) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("child: missing config dir");
        return ExitCode::FAILURE;
    };
    let pf = match Postfix::new(Some(PathBuf::from(dir))) {
        Ok(pf) => pf,
        Err(e) => {
            println!("error {e}");
            return ExitCode::FAILURE;
        }
    };
    match (mode, args.get(1)) {
        ("list", _) => match pf.list() {
            Ok(snap) => {
                println!("count {}", snap.len());
                ExitCode::SUCCESS
            }
            Err(e) => {
                println!("error {e}");
                ExitCode::FAILURE
            }
        },
        ("apply", Some(id)) => {
            let target = Target {
                queue_id: qid(id),
                queue: QueueName::Deferred,
            };
            match pf.apply(QueueOp::Hold, &[target]) {
                Err(PostfixError::PermissionDenied { .. }) => {
                    println!("permission denied, as expected");
                    ExitCode::SUCCESS
                }
                other => {
                    println!("expected PermissionDenied, got {other:?}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("child: bad mode {mode} {args:?}");
            ExitCode::FAILURE
        }
    }
}

/// NDRs to `domain` still in `deferred`, as indices into a fresh `list()`.
fn deferred_ndrs(snap: &mailq_tui::model::Snapshot, domain: &str, n: usize) -> Vec<u32> {
    let suffix = format!("@{domain}");
    let idx: Vec<u32> = snap
        .messages
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            m.null_sender
                && m.queue == QueueName::Deferred
                && m.recipients.iter().any(|r| r.address.ends_with(&suffix))
        })
        .map(|(i, _)| u32::try_from(i).expect("fits"))
        .take(n)
        .collect();
    assert_eq!(idx.len(), n, "the lab has {n} deferred NDRs to {domain}");
    idx
}

/// Issue 5 on real Postfix: a message that moved to `hold` after it was selected is not
/// deleted (the selection said `deferred`); the others are, after their evidence (envelope
/// and the whole NDR with the returned original) was exported; the audit entry says so.
fn protocol_leaves_moved_mail_alone_and_keeps_evidence(cx: &Ctx<'_>) {
    use mailq_tui::ops::{self, ExecOptions, Request, audit};
    use std::sync::atomic::AtomicBool;
    let snap = cx.pf.list().unwrap_or_else(|e| panic!("list: {e}"));
    let idx = deferred_ndrs(&snap, "victim-a.example", 3);
    let req = Request::from_indices(&snap, &idx, QueueOp::Delete, "live protocol test");
    let moved = snap.messages[idx[0] as usize].queue_id.to_string();
    let stderr = cx.lab.postsuper("-h", std::slice::from_ref(&moved));
    assert!(stderr.contains("placed on hold"), "setup: {stderr}");
    let evidence = cx.lab.dir().join("evidence");
    let log = cx.lab.dir().join("audit-protocol.jsonl");
    let opts = ExecOptions {
        batch_size: 2,
        audit_log: Some(log.clone()),
        export_dir: Some(evidence.clone()),
    };
    let out = ops::execute(&cx.pf, &req, &opts, &mut |_| {}, &AtomicBool::new(false))
        .unwrap_or_else(|e| panic!("execute: {e}"));
    assert_eq!(
        out.changed,
        vec![QueueId::new(&moved)],
        "{}",
        out.headline()
    );
    assert_eq!(out.done.len(), 2, "{}", out.headline());
    let after = cx.lab.queue_by_id();
    assert_eq!(
        after[&moved].queue_name, "hold",
        "the moved message was touched"
    );
    for id in &out.done {
        assert!(!after.contains_key(id.as_str()), "{id} still queued");
        let text = std::fs::read_to_string(evidence.join(format!("{id}.txt")))
            .unwrap_or_else(|e| panic!("evidence for {id}: {e}"));
        assert!(text.contains("*** ENVELOPE"), "{id}: no envelope");
        assert!(
            text.to_ascii_lowercase().contains("multipart/report"),
            "{id}: not the NDR"
        );
        assert!(
            text.contains("rfc822"),
            "{id}: the returned original is missing from the evidence"
        );
    }
    let entries = audit::read_recent(&log, 10).expect("audit log");
    let e = entries
        .last()
        .and_then(|e| e.as_ref().ok())
        .expect("an audit entry");
    assert_eq!((e.op.as_str(), e.done, e.changed), ("delete", 2, 1));
    assert_eq!(e.exported.as_deref(), Some(evidence.as_path()));
    cx.lab.postsuper("-H", &[moved]);
}

/// Issue 5: an interrupt (the flag a SIGINT/SIGTERM/SIGHUP handler sets) during a
/// multi-batch hold stops between batches; the report and the audit entry say exactly
/// what was done and what was skipped, and the queue agrees.
fn interrupt_between_batches_reports_exactly(cx: &Ctx<'_>) {
    use mailq_tui::ops::{self, ExecOptions, Request, audit};
    use std::sync::atomic::{AtomicBool, Ordering};
    let snap = cx.pf.list().unwrap_or_else(|e| panic!("list: {e}"));
    let idx = deferred_ndrs(&snap, "victim-b.example", 9);
    let req = Request::from_indices(&snap, &idx, QueueOp::Hold, "live interrupt test");
    let log = cx.lab.dir().join("audit-interrupt.jsonl");
    let opts = ExecOptions {
        batch_size: 3,
        audit_log: Some(log.clone()),
        export_dir: None,
    };
    let cancel = AtomicBool::new(false);
    let mut progress = |p: ops::Progress| {
        if p.done >= 3 {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let out = ops::execute(&cx.pf, &req, &opts, &mut progress, &cancel)
        .unwrap_or_else(|e| panic!("execute: {e}"));
    assert!(out.interrupted);
    assert_eq!(
        (out.done.len(), out.skipped.len()),
        (3, 6),
        "{}",
        out.headline()
    );
    let after = cx.lab.queue_by_id();
    for id in &out.done {
        assert_eq!(after[id.as_str()].queue_name, "hold", "{id}");
    }
    for id in &out.skipped {
        assert_eq!(
            after[id.as_str()].queue_name,
            "deferred",
            "{id} was acted on"
        );
    }
    let entries = audit::read_recent(&log, 10).expect("audit log");
    let e = entries
        .last()
        .and_then(|e| e.as_ref().ok())
        .expect("an audit entry");
    assert!(e.interrupted);
    assert_eq!((e.done, e.skipped), (3, 6));
    let done: Vec<String> = out.done.iter().map(ToString::to_string).collect();
    cx.lab.postsuper("-H", &done);
}

/// Issue 3: `summary` and `ids` on the live lab agree with `postqueue -j`.
fn cli_summary_and_ids_match_the_lab(cx: &Ctx<'_>) {
    let listing = cx.lab.queue_by_id();
    let null = cx.lab.manifest().empty_address_recipient.clone();
    let want: BTreeSet<String> = listing
        .values()
        .filter(|m| m.sender == null && m.queue_name == "deferred")
        .map(|m| m.queue_id.clone())
        .collect();
    let out = mailq_tui_bin(cx.lab, &["ids", "null", "queue:deferred"]);
    assert!(out.status.success(), "ids: {}", out.stderr_text());
    let got: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(got, want);
    let out = mailq_tui_bin(cx.lab, &["summary", "--by", "queue", "--json"]);
    assert!(out.status.success(), "summary: {}", out.stderr_text());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("summary JSON");
    let text = v.to_string();
    assert!(text.contains("deferred"), "{text}");
    let total = listing.len();
    assert!(
        text.contains(&format!("\"messages\":{total}")),
        "total {total} not in {text}"
    );
}
