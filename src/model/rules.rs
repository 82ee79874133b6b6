//! `header_checks` (and `body_checks`) rules for a storm, proven safe before they are shown.
//!
//! Rules are built from the raw header lines Postfix sees (encoded words stay encoded),
//! anchored on the header name, one per campaign feature that can carry a rule: subject
//! templates (digit runs → `\d+`, IDs → `[[:alnum:]]+`), From / Reply-To domains,
//! Message-ID patterns, X-Mailer, and URL hosts (`body_checks`). Never a lone display
//! name, never a single word.
//!
//! Every candidate is then run through Postfix's own PCRE tables (a [`RuleTester`]: the
//! real one is `postmap -q - pcre:FILE` in `crate::postfix::postmap`) against
//! (a) the storm's returned originals — its coverage —, (b) the headers of the queue's
//! other mail, and (c) a corpus of ordinary legitimate headers shipped in `assets/`.
//! A candidate with any match in (b) or (c) is refused, with the reason. From the safe
//! ones, a greedy set cover picks the smallest set covering most of the storm.
//!
//! Pure: the tester is passed in.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::campaign::FeatureKind;
use super::content::ContentView;
use super::format::thousands;
use super::storm::QueueCampaigns;

/// Ordinary legitimate header lines (`Name: value`), one per line, `#` comments.
pub const LEGIT_HEADERS: &str = include_str!("../../assets/legit-headers.txt");
/// Ordinary legitimate body lines with URLs.
pub const LEGIT_BODY: &str = include_str!("../../assets/legit-body.txt");

/// The lines of a corpus file (comments and blank lines dropped).
#[must_use]
pub fn corpus_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Which Postfix table a rule belongs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    HeaderChecks,
    BodyChecks,
}

impl Table {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::HeaderChecks => "header_checks",
            Self::BodyChecks => "body_checks",
        }
    }
}

/// Runs PCRE table lines the way Postfix does.
pub trait RuleTester {
    /// For each key, whether the one-rule table `rule` matches it.
    ///
    /// # Errors
    /// The tester could not run, or Postfix refused the rule (the message says why).
    fn matches(&self, table_line: &str, keys: &[String]) -> Result<Vec<bool>, String>;
}

/// A rule Postfix checked, with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckedRule {
    pub table: Table,
    /// The line to paste: `/^Subject:\s*cheap meds/ REJECT …`.
    pub line: String,
    /// What it is built on: `Subject template of campaign <definition>`.
    pub basis: String,
    /// Returned originals it matches, of `storm_total`.
    pub covers: usize,
    /// Of those, not already covered by the rules before it in the plan.
    pub adds: usize,
    pub queue_fp: usize,
    pub corpus_fp: usize,
}

/// A candidate that was not proposed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub basis: String,
    pub line: Option<String>,
    pub why: String,
}

/// The verified rule set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RulePlan {
    pub rules: Vec<CheckedRule>,
    /// Returned originals the whole set covers, of `storm_total`.
    pub covered: usize,
    pub storm_total: usize,
    /// How many lines (b) and (c) held: the false-positive checks' denominators.
    pub queue_lines: usize,
    pub corpus_lines: usize,
    pub refused: Vec<Refused>,
    /// Why nothing is proposed, when nothing is.
    pub note: Option<String>,
}

impl RulePlan {
    /// The rules built for the campaign `definition`.
    #[must_use]
    pub fn for_campaign(&self, definition: &str) -> Vec<&CheckedRule> {
        let tail = format!("of campaign {definition}");
        self.rules
            .iter()
            .filter(|r| r.basis.ends_with(&tail))
            .collect()
    }

    /// One line for a screen: `4 rules cover 1,484/1,485 NDR originals (99.9%), 0 false
    /// positives`, or why there are none.
    #[must_use]
    pub fn summary(&self) -> String {
        if self.rules.is_empty() {
            return format!(
                "no rule proposed: {}",
                self.note.as_deref().unwrap_or("nothing safe was found")
            );
        }
        format!(
            "{} rule{} cover {}/{} NDR originals ({}); 0 of {} legitimate lines",
            self.rules.len(),
            if self.rules.len() == 1 { "" } else { "s" },
            thousands(self.covered),
            thousands(self.storm_total),
            percent(self.covered, self.storm_total),
            thousands(self.corpus_lines + self.queue_lines)
        )
    }

    /// `covers 812/840 NDR originals (97%); 0 of 2,310 legitimate headers, 0 of 120 queue
    /// headers`.
    #[must_use]
    pub fn figures(&self, r: &CheckedRule) -> String {
        format!(
            "covers {}/{} NDR originals ({}); {} of {} legitimate lines, {} of {} queue lines",
            thousands(r.covers),
            thousands(self.storm_total),
            percent(r.covers, self.storm_total),
            r.corpus_fp,
            thousands(self.corpus_lines),
            r.queue_fp,
            thousands(self.queue_lines),
        )
    }

    /// The `header_checks`/`body_checks` file text, figures as comments.
    #[must_use]
    pub fn text(&self) -> String {
        let mut t = String::new();
        if self.rules.is_empty() {
            let _ = writeln!(
                t,
                "# No header_checks rule proposed: {}",
                self.note.as_deref().unwrap_or("nothing safe was found")
            );
        }
        for table in [Table::HeaderChecks, Table::BodyChecks] {
            let rules: Vec<&CheckedRule> = self.rules.iter().filter(|r| r.table == table).collect();
            if rules.is_empty() {
                continue;
            }
            let _ = writeln!(
                t,
                "# /etc/postfix/{0} (main.cf: {0} = pcre:/etc/postfix/{0}; then postfix reload)",
                table.name()
            );
            for r in rules {
                let _ = writeln!(t, "# {}: {}", r.basis, self.figures(r));
                let _ = writeln!(t, "{}", r.line);
            }
        }
        if !self.rules.is_empty() {
            let _ = writeln!(
                t,
                "# Together: {}/{} NDR originals ({}), verified with postmap -q - pcre:",
                thousands(self.covered),
                thousands(self.storm_total),
                percent(self.covered, self.storm_total)
            );
        }
        t
    }
}

fn percent(n: usize, of: usize) -> String {
    if of == 0 {
        return "0%".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let p = n as f64 * 100.0 / of as f64;
    if p > 99.0 && n < of {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Escape a literal for a Postfix PCRE table pattern delimited by `/`.
#[must_use]
pub fn pcre_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\^$.|?*+()[]{}/#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A subject template: escaped, words that look like IDs (letters and digits mixed, 6+)
/// → `[[:alnum:]]+`, digit runs → `\d+`, whitespace runs → `\s+` (folding). Encoded
/// words are kept exactly (their digits are base64, not numbers).
fn subject_template(raw_value: &str) -> String {
    let words: Vec<&str> = raw_value.split_whitespace().collect();
    if raw_value.contains("=?") {
        return words
            .iter()
            .map(|w| pcre_escape(w))
            .collect::<Vec<_>>()
            .join("\\s+");
    }
    let mut parts = Vec::with_capacity(words.len());
    for w in words {
        let core = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        let digits = core.chars().filter(char::is_ascii_digit).count();
        let letters = core.chars().filter(char::is_ascii_alphabetic).count();
        if core.len() >= 6 && digits > 0 && letters > 0 && core.is_ascii() {
            let start = w.find(core).unwrap_or(0);
            parts.push(format!(
                "{}[[:alnum:]]+{}",
                pcre_escape(&w[..start]),
                pcre_escape(&w[start + core.len()..])
            ));
            continue;
        }
        let mut out = String::new();
        let mut in_digits = false;
        for c in w.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    out.push_str("\\d+");
                }
                in_digits = true;
            } else {
                out.push_str(&pcre_escape(&c.to_string()));
                in_digits = false;
            }
        }
        parts.push(out);
    }
    parts.join("\\s+")
}

const ACTION: &str = "REJECT spam campaign (mailq-tui)";

struct Cand {
    table: Table,
    line: String,
    basis: String,
}

fn header_value<'l>(line: &'l str, name: &str) -> Option<&'l str> {
    let (n, v) = line.split_once(':')?;
    n.eq_ignore_ascii_case(name).then(|| v.trim())
}

/// Candidates for one campaign (`members`: its storm items' raw header lines).
fn campaign_candidates(
    definition: &str,
    kinds: &[(FeatureKind, String)],
    members: &[&[String]],
    out: &mut Vec<Cand>,
    refused: &mut Vec<Refused>,
) {
    let basis = |what: &str| format!("{what} of campaign {definition}");
    for (kind, value) in kinds {
        match kind {
            FeatureKind::Subject => {
                let mut templates: HashMap<String, usize> = HashMap::new();
                for lines in members {
                    if let Some(v) = lines.iter().find_map(|l| header_value(l, "subject")) {
                        *templates.entry(subject_template(v)).or_default() += 1;
                    }
                }
                let mut t: Vec<(String, usize)> = templates.into_iter().collect();
                t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                for (tmpl, n) in t.into_iter().take(3) {
                    // A template is a subject that repeats: at least 3 times and 10% of
                    // the campaign.
                    if n < 3 || n * 10 < members.len() {
                        break;
                    }
                    let literal = tmpl
                        .replace("[[:alnum:]]+", "")
                        .replace("\\d+", "")
                        .replace("\\s+", " ");
                    let letters = literal.chars().filter(|c| c.is_alphabetic()).count();
                    let words = literal.split_whitespace().count();
                    let line = format!("/^Subject:\\s*{tmpl}\\s*$/ {ACTION}");
                    if !tmpl.contains("=\\?") && (letters < 15 || words < 3) {
                        refused.push(Refused {
                            basis: basis("Subject template"),
                            line: Some(line),
                            why: "short or generic subject: it would catch ordinary mail"
                                .to_owned(),
                        });
                        continue;
                    }
                    out.push(Cand {
                        table: Table::HeaderChecks,
                        line,
                        basis: basis("Subject template"),
                    });
                }
            }
            FeatureKind::SubjectWord => refused.push(Refused {
                basis: basis(&format!("subject word '{value}'")),
                line: Some(format!(
                    "/^Subject:.*\\b{}\\b/ {ACTION}",
                    pcre_escape(value)
                )),
                why: "a single word is too generic for a rule: it would reject any mail that \
                      mentions it (the subject templates are checked instead)"
                    .to_owned(),
            }),
            FeatureKind::FromDomain | FeatureKind::ReplyTo => {
                let h = if *kind == FeatureKind::FromDomain {
                    "From"
                } else {
                    "Reply-To"
                };
                out.push(Cand {
                    table: Table::HeaderChecks,
                    line: format!("/^{h}:.*@{}(>|\\s|$)/ {ACTION}", pcre_escape(value)),
                    basis: basis(&format!("{h} domain {value}")),
                });
            }
            FeatureKind::MessageId => {
                let rhs = pcre_escape(value).replace("\\#", "\\d+");
                out.push(Cand {
                    table: Table::HeaderChecks,
                    line: format!("/^Message-ID:\\s*<[^@<>]+@{rhs}>/ {ACTION}"),
                    basis: basis(&format!("Message-ID pattern @{value}")),
                });
            }
            FeatureKind::XMailer => {
                let v = pcre_escape(value).replace("\\#", "\\d+");
                out.push(Cand {
                    table: Table::HeaderChecks,
                    line: format!("/^X-Mailer:\\s*{v}\\s*$/ {ACTION}"),
                    basis: basis(&format!("X-Mailer {value}")),
                });
            }
            FeatureKind::UrlHost => {
                out.push(Cand {
                    table: Table::BodyChecks,
                    line: format!(
                        "/https?:\\/\\/([a-z0-9-]+\\.)*{}([\\/:?#\"'>\\s]|$)/ {ACTION}",
                        pcre_escape(value)
                    ),
                    basis: basis(&format!("URL host {value}")),
                });
            }
            FeatureKind::FromName => refused.push(Refused {
                basis: basis(&format!("From name \"{value}\"")),
                line: None,
                why: "a display name alone is no rule: it would reject any mail from a \
                      sender of that name"
                    .to_owned(),
            }),
            FeatureKind::Client | FeatureKind::Helo => {}
        }
    }
}

/// Distinct keys and, per item, the key indices it has.
struct Keys {
    keys: Vec<String>,
    at: HashMap<String, usize>,
}

impl Keys {
    fn new() -> Self {
        Self {
            keys: Vec::new(),
            at: HashMap::new(),
        }
    }
    fn add(&mut self, k: &str) -> usize {
        if let Some(&i) = self.at.get(k) {
            return i;
        }
        self.keys.push(k.to_owned());
        self.at.insert(k.to_owned(), self.keys.len() - 1);
        self.keys.len() - 1
    }
}

/// At most this many candidates are checked (biggest campaigns first).
pub const MAX_CANDIDATES: usize = 40;
/// At most this many rules are proposed.
pub const MAX_RULES: usize = 10;

/// Build, verify and choose the rules for the queue's campaigns.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn plan(
    view: &ContentView<'_>,
    qc: &QueueCampaigns,
    corpus_headers: &[String],
    corpus_body: &[String],
    tester: &dyn RuleTester,
) -> RulePlan {
    let lines_of = |i: u32, table: Table| -> Vec<String> {
        view.get(i)
            .and_then(|c| c.features_source())
            .map(|o| match table {
                Table::HeaderChecks => o.raw_headers.clone(),
                Table::BodyChecks => o.raw_url_lines.clone(),
            })
            .unwrap_or_default()
    };
    let mut plan = RulePlan {
        storm_total: qc.storm_msgs.len(),
        corpus_lines: corpus_headers.len() + corpus_body.len(),
        ..RulePlan::default()
    };
    if qc.clustering.clusters.is_empty() {
        plan.note = Some(if qc.storm_msgs.is_empty() {
            "no returned originals to build rules from (not indexed yet, or no NDRs)".to_owned()
        } else {
            "no campaign: the returned originals share nothing specific enough".to_owned()
        });
        return plan;
    }
    // Candidates, biggest campaigns first.
    let storm_headers: Vec<Vec<String>> = qc
        .storm_msgs
        .iter()
        .map(|&i| lines_of(i, Table::HeaderChecks))
        .collect();
    let mut order: Vec<usize> = (0..qc.clustering.clusters.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(qc.clustering.clusters[c].members.len()));
    let mut cands = Vec::new();
    for c in order {
        let cl = &qc.clustering.clusters[c];
        let mut kinds = vec![(cl.kind, cl.value.clone())];
        kinds.extend(
            cl.shared
                .iter()
                .filter(|(_, _, n)| n * 10 >= cl.members.len() * 8)
                .map(|(k, v, _)| (*k, v.clone())),
        );
        // Subject templates come from the members' raw subjects, whatever defines the
        // campaign (rotating subjects give one template each).
        if !kinds.iter().any(|(k, _)| *k == FeatureKind::Subject) {
            kinds.push((FeatureKind::Subject, String::new()));
        }
        let members: Vec<&[String]> = cl
            .members
            .iter()
            .map(|&m| storm_headers[m].as_slice())
            .collect();
        campaign_candidates(
            &cl.definition,
            &kinds,
            &members,
            &mut cands,
            &mut plan.refused,
        );
    }
    let mut seen = std::collections::HashSet::new();
    cands.retain(|c| seen.insert(c.line.clone()));
    cands.truncate(MAX_CANDIDATES);
    // Keys per table: storm items, queue background, corpus.
    let mut covered_by: Vec<Vec<usize>> = Vec::with_capacity(cands.len());
    let mut verified: Vec<(usize, CheckedRule)> = Vec::new();
    for table in [Table::HeaderChecks, Table::BodyChecks] {
        let mut keys = Keys::new();
        let storm_items: Vec<Vec<usize>> = qc
            .storm_msgs
            .iter()
            .map(|&i| lines_of(i, table).iter().map(|l| keys.add(l)).collect())
            .collect();
        let queue_start = keys.keys.len();
        let mut queue_keys = Vec::new();
        for &i in &qc.background_msgs {
            for l in lines_of(i, table) {
                queue_keys.push(keys.add(&l));
            }
        }
        if table == Table::HeaderChecks {
            plan.queue_lines = queue_keys.len();
        }
        let corpus = match table {
            Table::HeaderChecks => corpus_headers,
            Table::BodyChecks => corpus_body,
        };
        let corpus_keys: Vec<usize> = corpus.iter().map(|l| keys.add(l)).collect();
        let _ = queue_start;
        for (ci, cand) in cands.iter().enumerate().filter(|(_, c)| c.table == table) {
            let hits = match tester.matches(&cand.line, &keys.keys) {
                Ok(h) => h,
                Err(e) => {
                    plan.refused.push(Refused {
                        basis: cand.basis.clone(),
                        line: Some(cand.line.clone()),
                        why: format!("postmap could not check it: {e}"),
                    });
                    continue;
                }
            };
            let hit = |k: &usize| hits.get(*k).copied().unwrap_or(false);
            let items: Vec<usize> = storm_items
                .iter()
                .enumerate()
                .filter(|(_, ks)| ks.iter().any(hit))
                .map(|(i, _)| i)
                .collect();
            let queue_hits: Vec<&usize> = queue_keys.iter().filter(|k| hit(k)).collect();
            let corpus_hits: Vec<&usize> = corpus_keys.iter().filter(|k| hit(k)).collect();
            let rule = CheckedRule {
                table,
                line: cand.line.clone(),
                basis: cand.basis.clone(),
                covers: items.len(),
                adds: 0,
                queue_fp: queue_hits.len(),
                corpus_fp: corpus_hits.len(),
            };
            if rule.queue_fp > 0 || rule.corpus_fp > 0 {
                let example = corpus_hits
                    .first()
                    .or(queue_hits.first())
                    .map(|&&k| keys.keys[k].clone())
                    .unwrap_or_default();
                plan.refused.push(Refused {
                    basis: cand.basis.clone(),
                    line: Some(cand.line.clone()),
                    why: format!(
                        "false positives: {} of {} legitimate lines, {} of {} queue lines \
                         (e.g. {})",
                        rule.corpus_fp,
                        thousands(corpus_keys.len()),
                        rule.queue_fp,
                        thousands(queue_keys.len()),
                        super::text::snippet(&example, 60)
                    ),
                });
                continue;
            }
            if rule.covers == 0 {
                plan.refused.push(Refused {
                    basis: cand.basis.clone(),
                    line: Some(cand.line.clone()),
                    why: "matches none of the returned originals as Postfix sees them".to_owned(),
                });
                continue;
            }
            let _ = ci;
            covered_by.push(items);
            verified.push((covered_by.len() - 1, rule));
        }
    }
    // Greedy set cover over the safe rules.
    let total = plan.storm_total;
    let mut covered = vec![false; total];
    let min_gain = (total / 100).max(2);
    loop {
        if plan.rules.len() >= MAX_RULES {
            break;
        }
        let best = verified
            .iter()
            .enumerate()
            .map(|(pos, (ci, r))| {
                let gain = covered_by[*ci].iter().filter(|&&i| !covered[i]).count();
                (
                    gain,
                    r.table == Table::HeaderChecks,
                    std::cmp::Reverse(r.line.len()),
                    pos,
                )
            })
            .max();
        let Some((gain, _, _, pos)) = best else { break };
        if gain < min_gain {
            break;
        }
        let (ci, mut rule) = verified.swap_remove(pos);
        for &i in &covered_by[ci] {
            covered[i] = true;
        }
        rule.adds = gain;
        plan.rules.push(rule);
    }
    plan.covered = covered.iter().filter(|&&c| c).count();
    if plan.rules.is_empty() {
        plan.note = Some(if plan.refused.is_empty() {
            "no campaign feature can carry a rule (display names and client addresses are \
             never rules on their own)"
                .to_owned()
        } else {
            format!(
                "every candidate was refused ({}): see the reasons",
                plan.refused.len()
            )
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_templates() {
        assert_eq!(pcre_escape("a.b/c (d)"), "a\\.b\\/c \\(d\\)");
        assert_eq!(
            subject_template("Viagra 80% off - order 4411"),
            "Viagra\\s+\\d+%\\s+off\\s+-\\s+order\\s+\\d+"
        );
        assert_eq!(
            subject_template("Your parcel A1B2C3D4E5 (ref 77) is waiting"),
            "Your\\s+parcel\\s+[[:alnum:]]+\\s+\\(ref\\s+\\d+\\)\\s+is\\s+waiting"
        );
        assert_eq!(
            subject_template("=?UTF-8?B?R8O8?="),
            "=\\?UTF-8\\?B\\?R8O8\\?="
        );
    }

    #[test]
    fn the_corpus_is_big_and_has_the_borrowed_names() {
        let h = corpus_lines(LEGIT_HEADERS);
        assert!(h.len() >= 300, "{}", h.len());
        for needle in [
            "\"Accounts\"",
            "DHL Express",
            "Apple Support",
            "Subject: Re: your order",
            "Subject: Invoice",
            "Subject: Report",
        ] {
            assert!(h.iter().any(|l| l.contains(needle)), "{needle}");
        }
        assert!(corpus_lines(LEGIT_BODY).len() >= 50);
    }
}
