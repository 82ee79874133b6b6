//! Alert rules (`[[alerts]]` in the config file) and their state machine.
//!
//! Pure: the daemon feeds each rule one [`Observation`] per listing and gets back at most
//! one [`Transition`] to act on. Hysteresis and a repeat interval make one storm one
//! "firing" and one "resolved", not one message per refresh:
//!
//! ```text
//!            value ≥ threshold                    value < threshold × (1 − hysteresis)
//!   Ok  ───────────────────────────▶ Firing ─────────────────────────────────────────▶ Ok
//!        (Transition::Firing)          │ ▲      (Transition::Resolved)
//!                                      └─┘ still ≥ the clear level and `repeat` passed
//!                                          (Transition::Repeat)
//! ```
//!
//! A failed listing is [`Observation::Unknown`] for every rule but `listing-failing`: it
//! neither fires nor resolves anything (a Postfix that is down is not a queue that emptied).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::model::format::age as format_age;
use crate::model::format::thousands;
use crate::model::time::parse_duration;

/// Default hysteresis: resolved only once the value is 20% below the threshold.
pub const DEFAULT_HYSTERESIS_PERCENT: u32 = 20;
/// Default repeat interval while an alert keeps firing (as Alertmanager's repeat_interval).
pub const DEFAULT_REPEAT: &str = "4h";
/// Default growth window.
pub const DEFAULT_WINDOW: &str = "5m";

/// One `[[alerts]]` table as written in the config file: exactly one condition key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AlertConfig {
    /// The rule's name in logs, mail, metrics; default: derived from the condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fires when the deferred queue holds at least this many messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred: Option<u64>,
    /// Fires when all queues together grow by at least this many messages per minute,
    /// measured over `window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<u64>,
    /// The growth window (`5m`, `1h`); only with `growth`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// Fires when the oldest message in any queue is older than this (`2h`, `1d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest: Option<String>,
    /// Fires when NDRs make up at least this percentage of the deferred queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ndr_share: Option<u32>,
    /// Fires for every newly seen compromised SASL account (needs root: queue contents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<bool>,
    /// Fires when listing the queue has failed for this long (`5m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_failing: Option<String>,
    /// Resolve only once the value falls this many percent below the threshold (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hysteresis: Option<u32>,
    /// Send again after this long while still firing (default 4h; `0` = never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<String>,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Deferred(u64),
    Growth { per_minute: u64, window_secs: u64 },
    Oldest { secs: u64 },
    NdrShare { percent: u32 },
    Compromised,
    ListingFailing { secs: u64 },
}

impl Condition {
    /// The kind, as in the config file and the `MAILQ_TUI_ALERT_KIND` variable.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Deferred(_) => "deferred",
            Self::Growth { .. } => "growth",
            Self::Oldest { .. } => "oldest",
            Self::NdrShare { .. } => "ndr-share",
            Self::Compromised => "compromised",
            Self::ListingFailing { .. } => "listing-failing",
        }
    }

    /// The threshold as a number in the unit of the observation.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn threshold(&self) -> f64 {
        match self {
            Self::Deferred(n) => *n as f64,
            Self::Growth { per_minute, .. } => *per_minute as f64,
            Self::Oldest { secs } | Self::ListingFailing { secs } => *secs as f64,
            Self::NdrShare { percent } => f64::from(*percent),
            Self::Compromised => 1.0,
        }
    }

    /// The threshold for people: `500 messages`, `2h`, `50%`.
    #[must_use]
    pub fn describe_value(&self, v: f64) -> String {
        #[allow(clippy::cast_possible_truncation)]
        let whole = v.round() as i64;
        match self {
            Self::Deferred(_) => format!(
                "{} messages",
                thousands(usize::try_from(whole).unwrap_or(0))
            ),
            Self::Growth { .. } => format!("{v:.1} messages/min"),
            Self::Oldest { .. } | Self::ListingFailing { .. } => format_age(whole),
            Self::NdrShare { .. } => format!("{v:.0}%"),
            Self::Compromised => format!("{whole} account(s)"),
        }
    }
}

/// A checked rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub condition: Condition,
    pub hysteresis_percent: u32,
    /// `None`: never repeat.
    pub repeat_secs: Option<u64>,
}

impl Rule {
    /// Check one `[[alerts]]` table.
    ///
    /// # Errors
    /// No condition or more than one, a duration that does not parse, a `window` without
    /// `growth`, a hysteresis of 100% or more.
    pub fn from_config(c: &AlertConfig) -> Result<Self, String> {
        let dur = |what: &str, s: &str| {
            parse_duration(s)
                .ok_or_else(|| format!("{what} = {s:?}: expected a duration like 90s, 5m, 2h, 1d"))
        };
        let mut conds = Vec::new();
        if let Some(n) = c.deferred {
            conds.push(Condition::Deferred(n));
        }
        if let Some(n) = c.growth {
            let window_secs = dur("window", c.window.as_deref().unwrap_or(DEFAULT_WINDOW))?;
            if window_secs == 0 {
                return Err("window must be longer than 0 s".to_owned());
            }
            conds.push(Condition::Growth {
                per_minute: n,
                window_secs,
            });
        } else if c.window.is_some() {
            return Err("window only goes with growth".to_owned());
        }
        if let Some(s) = &c.oldest {
            conds.push(Condition::Oldest {
                secs: dur("oldest", s)?,
            });
        }
        if let Some(p) = c.ndr_share {
            if p > 100 {
                return Err(format!("ndr-share = {p}: a percentage, 0 to 100"));
            }
            conds.push(Condition::NdrShare { percent: p });
        }
        if c.compromised == Some(true) {
            conds.push(Condition::Compromised);
        }
        if let Some(s) = &c.listing_failing {
            conds.push(Condition::ListingFailing {
                secs: dur("listing-failing", s)?,
            });
        }
        let condition = match conds.len() {
            1 => conds.remove(0),
            0 => {
                return Err("an alert needs one condition: deferred, growth, oldest, ndr-share, compromised or listing-failing".to_owned());
            }
            _ => {
                return Err(
                    "an alert has exactly one condition; write one [[alerts]] per condition"
                        .to_owned(),
                );
            }
        };
        let hysteresis_percent = c.hysteresis.unwrap_or(DEFAULT_HYSTERESIS_PERCENT);
        if hysteresis_percent >= 100 {
            return Err(format!(
                "hysteresis = {hysteresis_percent}: a percentage below 100"
            ));
        }
        let repeat = dur("repeat", c.repeat.as_deref().unwrap_or(DEFAULT_REPEAT))?;
        let name = c
            .name
            .clone()
            .unwrap_or_else(|| condition.kind().to_owned());
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(format!(
                "name = {name:?}: a short text without control characters"
            ));
        }
        Ok(Self {
            name,
            condition,
            hysteresis_percent,
            repeat_secs: (repeat > 0).then_some(repeat),
        })
    }

    /// The value below which a firing alert resolves.
    #[must_use]
    pub fn clear_level(&self) -> f64 {
        self.condition.threshold() * f64::from(100 - self.hysteresis_percent) / 100.0
    }
}

/// Check all rules; names must be unique (they label metrics and mail).
///
/// # Errors
/// The first bad rule, numbered from 1 as in the file.
pub fn rules_from_config(configs: &[AlertConfig]) -> Result<Vec<Rule>, String> {
    let mut rules: Vec<Rule> = Vec::with_capacity(configs.len());
    for (i, c) in configs.iter().enumerate() {
        let r = Rule::from_config(c).map_err(|e| format!("[[alerts]] #{}: {e}", i + 1))?;
        if rules.iter().any(|o| o.name == r.name) {
            return Err(format!(
                "[[alerts]] #{}: a second alert named {:?}; give each its own `name`",
                i + 1,
                r.name
            ));
        }
        rules.push(r);
    }
    Ok(rules)
}

/// What one listing says about one rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The measured value in the rule's unit (messages, messages/min, seconds, percent).
    Value(f64),
    /// The accounts flagged compromised right now (for [`Condition::Compromised`]).
    Accounts(BTreeSet<String>),
    /// Nothing known (the listing failed, or contents could not be read).
    Unknown,
}

/// What the daemon must announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransitionKind {
    Firing,
    Repeat,
    Resolved,
}

impl TransitionKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Repeat => "repeat",
            Self::Resolved => "resolved",
        }
    }
}

/// One announcement.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub kind: TransitionKind,
    /// The value that caused it.
    pub value: f64,
    /// Unix time the alert started firing.
    pub since: i64,
    /// For compromised accounts: the accounts new in this announcement (or all, on repeat).
    pub accounts: Vec<String>,
}

/// The state of one rule for one instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertState {
    firing: Option<Firing>,
}

#[derive(Debug, Clone, PartialEq)]
struct Firing {
    since: i64,
    last_sent: i64,
    /// Compromised accounts already announced in this episode.
    known: BTreeSet<String>,
}

impl AlertState {
    #[must_use]
    pub fn is_firing(&self) -> bool {
        self.firing.is_some()
    }

    /// Feed one observation at `now`.
    pub fn step(&mut self, rule: &Rule, obs: &Observation, now: i64) -> Option<Transition> {
        match obs {
            Observation::Unknown => self.maybe_repeat(rule, now, f64::NAN, Vec::new()),
            Observation::Accounts(set) => self.step_accounts(rule, set, now),
            Observation::Value(v) => {
                let v = *v;
                match &mut self.firing {
                    None if v >= rule.condition.threshold() => {
                        self.firing = Some(Firing {
                            since: now,
                            last_sent: now,
                            known: BTreeSet::new(),
                        });
                        Some(Transition {
                            kind: TransitionKind::Firing,
                            value: v,
                            since: now,
                            accounts: Vec::new(),
                        })
                    }
                    None => None,
                    Some(f)
                        if v < rule.clear_level() || (v <= 0.0 && rule.clear_level() <= 0.0) =>
                    {
                        let since = f.since;
                        self.firing = None;
                        Some(Transition {
                            kind: TransitionKind::Resolved,
                            value: v,
                            since,
                            accounts: Vec::new(),
                        })
                    }
                    Some(_) => self.maybe_repeat(rule, now, v, Vec::new()),
                }
            }
        }
    }

    fn step_accounts(
        &mut self,
        rule: &Rule,
        set: &BTreeSet<String>,
        now: i64,
    ) -> Option<Transition> {
        #[allow(clippy::cast_precision_loss)]
        let v = set.len() as f64;
        match &mut self.firing {
            None if set.is_empty() => None,
            None => {
                self.firing = Some(Firing {
                    since: now,
                    last_sent: now,
                    known: set.clone(),
                });
                Some(Transition {
                    kind: TransitionKind::Firing,
                    value: v,
                    since: now,
                    accounts: set.iter().cloned().collect(),
                })
            }
            Some(f) if set.is_empty() => {
                let since = f.since;
                self.firing = None;
                Some(Transition {
                    kind: TransitionKind::Resolved,
                    value: 0.0,
                    since,
                    accounts: Vec::new(),
                })
            }
            Some(f) => {
                let new: Vec<String> = set.difference(&f.known).cloned().collect();
                if new.is_empty() {
                    let all = set.iter().cloned().collect();
                    return self.maybe_repeat(rule, now, v, all);
                }
                f.known.extend(new.iter().cloned());
                f.last_sent = now;
                // A new account is news, not a repeat: announce it as firing.
                Some(Transition {
                    kind: TransitionKind::Firing,
                    value: v,
                    since: f.since,
                    accounts: new,
                })
            }
        }
    }

    fn maybe_repeat(
        &mut self,
        rule: &Rule,
        now: i64,
        v: f64,
        accounts: Vec<String>,
    ) -> Option<Transition> {
        let f = self.firing.as_mut()?;
        let every = i64::try_from(rule.repeat_secs?).unwrap_or(i64::MAX);
        if now.saturating_sub(f.last_sent) < every {
            return None;
        }
        f.last_sent = now;
        Some(Transition {
            kind: TransitionKind::Repeat,
            value: v,
            since: f.since,
            accounts,
        })
    }
}

/// Everything an alert action is told: serialized as JSON on the alert command's stdin
/// and flattened into `MAILQ_TUI_ALERT_*` environment variables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    /// `firing`, `repeat` or `resolved`.
    pub state: TransitionKind,
    pub alert: String,
    pub kind: String,
    /// The `postfix_instance` label value.
    pub instance: String,
    pub host: String,
    /// The value that caused the transition (null when unknown).
    pub value: Option<f64>,
    pub threshold: f64,
    /// One line for people: what happened, with numbers.
    pub summary: String,
    pub since: String,
    pub since_unix: i64,
    pub time: String,
    pub time_unix: i64,
    /// Newly flagged compromised accounts (compromised rules only).
    pub accounts: Vec<String>,
    /// The storm analysis' verdict at the time.
    pub verdict: String,
    /// Counts at the time.
    pub deferred: usize,
    pub total: usize,
    pub ndrs: usize,
    pub oldest_age_secs: i64,
}

impl AlertEvent {
    /// The environment for the alert command: `MAILQ_TUI_ALERT_STATE`, `…_NAME`, `…_KIND`,
    /// `…_INSTANCE`, `…_HOST`, `…_VALUE`, `…_THRESHOLD`, `…_SUMMARY`, `…_SINCE`,
    /// `…_ACCOUNTS` (space-separated), `…_DEFERRED`, `…_TOTAL`, `…_NDRS`, `…_OLDEST_SECONDS`.
    #[must_use]
    pub fn env(&self) -> Vec<(String, String)> {
        let p = |k: &str| format!("MAILQ_TUI_ALERT_{k}");
        vec![
            (p("STATE"), self.state.as_str().to_owned()),
            (p("NAME"), self.alert.clone()),
            (p("KIND"), self.kind.clone()),
            (p("INSTANCE"), self.instance.clone()),
            (p("HOST"), self.host.clone()),
            (
                p("VALUE"),
                self.value.map(|v| format!("{v}")).unwrap_or_default(),
            ),
            (p("THRESHOLD"), format!("{}", self.threshold)),
            (p("SUMMARY"), self.summary.clone()),
            (p("SINCE"), self.since.clone()),
            (p("ACCOUNTS"), self.accounts.join(" ")),
            (p("DEFERRED"), self.deferred.to_string()),
            (p("TOTAL"), self.total.to_string()),
            (p("NDRS"), self.ndrs.to_string()),
            (p("OLDEST_SECONDS"), self.oldest_age_secs.to_string()),
        ]
    }
}

/// The one-line summary of a transition.
#[must_use]
pub fn summary(rule: &Rule, instance: &str, t: &Transition) -> String {
    let c = &rule.condition;
    let what = match c {
        Condition::Deferred(_) => "deferred queue",
        Condition::Growth { .. } => "queue growth",
        Condition::Oldest { .. } => "oldest message",
        Condition::NdrShare { .. } => "NDR share of deferred",
        Condition::Compromised => "compromised accounts",
        Condition::ListingFailing { .. } => "listing failing for",
    };
    let value = if t.value.is_nan() {
        "unknown".to_owned()
    } else {
        c.describe_value(t.value)
    };
    let mut s = match t.kind {
        TransitionKind::Firing | TransitionKind::Repeat => format!(
            "{}{} on {instance}: {what} {value} (threshold {})",
            if t.kind == TransitionKind::Repeat {
                "STILL "
            } else {
                ""
            },
            rule.name,
            c.describe_value(c.threshold())
        ),
        TransitionKind::Resolved => format!(
            "resolved: {} on {instance}: {what} {value} (below {})",
            rule.name,
            c.describe_value(rule.clear_level())
        ),
    };
    if let Condition::Growth { window_secs, .. } = c {
        s.push_str(&format!(
            " over {}",
            format_age(i64::try_from(*window_secs).unwrap_or(0))
        ));
    }
    if !t.accounts.is_empty() {
        s.push_str(&format!(": {}", t.accounts.join(", ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(toml_text: &str) -> Rule {
        let c: AlertConfig = toml::from_str(toml_text).expect("toml");
        Rule::from_config(&c).expect("rule")
    }

    #[test]
    fn parses_each_condition_with_defaults() {
        let r = rule("deferred = 500");
        assert_eq!(r.name, "deferred");
        assert_eq!(r.condition, Condition::Deferred(500));
        assert_eq!(r.hysteresis_percent, 20);
        assert_eq!(r.repeat_secs, Some(4 * 3600));
        assert!((r.clear_level() - 400.0).abs() < 1e-9);
        assert_eq!(
            rule("growth = 100\nwindow = \"10m\"").condition,
            Condition::Growth {
                per_minute: 100,
                window_secs: 600
            }
        );
        assert_eq!(
            rule("growth = 100").condition,
            Condition::Growth {
                per_minute: 100,
                window_secs: 300
            }
        );
        assert_eq!(
            rule("oldest = \"2h\"").condition,
            Condition::Oldest { secs: 7200 }
        );
        assert_eq!(
            rule("ndr-share = 50").condition,
            Condition::NdrShare { percent: 50 }
        );
        assert_eq!(rule("compromised = true").condition, Condition::Compromised);
        let r = rule("name = \"pf down\"\nlisting-failing = \"5m\"\nrepeat = \"0\"");
        assert_eq!(r.condition, Condition::ListingFailing { secs: 300 });
        assert_eq!((r.name.as_str(), r.repeat_secs), ("pf down", None));
    }

    #[test]
    fn bad_rules_say_why() {
        let err = |t: &str| {
            let c: AlertConfig = toml::from_str(t).expect("toml");
            Rule::from_config(&c).expect_err(t)
        };
        assert!(err("").contains("needs one condition"));
        assert!(err("deferred = 5\noldest = \"1h\"").contains("exactly one condition"));
        assert!(err("oldest = \"soon\"").contains("expected a duration"));
        assert!(err("deferred = 5\nwindow = \"5m\"").contains("only goes with growth"));
        assert!(err("ndr-share = 150").contains("0 to 100"));
        assert!(err("deferred = 5\nhysteresis = 100").contains("below 100"));
        assert!(toml::from_str::<AlertConfig>("deferd = 5").is_err());
        let two = [
            AlertConfig {
                deferred: Some(1),
                ..AlertConfig::default()
            },
            AlertConfig {
                deferred: Some(2),
                ..AlertConfig::default()
            },
        ];
        assert!(rules_from_config(&two).expect_err("dup").contains("#2"));
    }

    fn run(rule: &Rule, values: &[(i64, f64)]) -> Vec<(i64, TransitionKind)> {
        let mut s = AlertState::default();
        values
            .iter()
            .filter_map(|(t, v)| {
                s.step(rule, &Observation::Value(*v), *t)
                    .map(|x| (*t, x.kind))
            })
            .collect()
    }

    #[test]
    fn one_storm_one_firing_one_resolved() {
        let r = rule("deferred = 100\nrepeat = \"1h\"");
        // Rises, wobbles around the threshold (hysteresis holds), falls below 80, gone.
        let got = run(
            &r,
            &[
                (0, 10.0),
                (10, 150.0),
                (20, 99.0),
                (30, 120.0),
                (40, 85.0),
                (50, 79.0),
                (60, 85.0),
            ],
        );
        assert_eq!(
            got,
            vec![(10, TransitionKind::Firing), (50, TransitionKind::Resolved)]
        );
    }

    #[test]
    fn repeats_while_firing_but_not_more_often_than_asked() {
        let r = rule("deferred = 100\nrepeat = \"1h\"");
        let got = run(
            &r,
            &[
                (0, 200.0),
                (1800, 200.0),
                (3600, 200.0),
                (3700, 200.0),
                (7200, 200.0),
            ],
        );
        assert_eq!(
            got,
            vec![
                (0, TransitionKind::Firing),
                (3600, TransitionKind::Repeat),
                (7200, TransitionKind::Repeat)
            ]
        );
        let never = rule("deferred = 100\nrepeat = \"0\"");
        assert_eq!(run(&never, &[(0, 200.0), (100_000, 200.0)]).len(), 1);
    }

    #[test]
    fn unknown_neither_fires_nor_resolves() {
        let r = rule("deferred = 100\nrepeat = \"0\"");
        let mut s = AlertState::default();
        assert!(s.step(&r, &Observation::Unknown, 0).is_none());
        assert!(s.step(&r, &Observation::Value(500.0), 1).is_some());
        assert!(s.step(&r, &Observation::Unknown, 2).is_none());
        assert!(s.is_firing());
    }

    #[test]
    fn growth_resolves_when_the_queue_shrinks() {
        let r = rule("growth = 20\nwindow = \"10m\"");
        let got = run(
            &r,
            &[(0, 0.0), (5, 30.0), (10, 30.0), (600, 30.0), (605, -30.0)],
        );
        assert_eq!(
            got,
            vec![(5, TransitionKind::Firing), (605, TransitionKind::Resolved)]
        );
    }

    #[test]
    fn zero_thresholds_still_resolve() {
        // `ndr-share = 0` fires at 0%: it can only resolve, never re-fire, when it is 0 again.
        let r = rule("listing-failing = \"0\"");
        let got = run(&r, &[(0, 0.0), (1, 0.0)]);
        assert_eq!(
            got,
            vec![(0, TransitionKind::Firing), (1, TransitionKind::Resolved)]
        );
    }

    #[test]
    fn each_new_compromised_account_is_announced_once() {
        let r = rule("compromised = true\nrepeat = \"0\"");
        let set = |v: &[&str]| Observation::Accounts(v.iter().map(|s| (*s).to_owned()).collect());
        let mut s = AlertState::default();
        assert!(s.step(&r, &set(&[]), 0).is_none());
        let t = s.step(&r, &set(&["alice"]), 1).expect("firing");
        assert_eq!(
            (t.kind, t.accounts.clone()),
            (TransitionKind::Firing, vec!["alice".to_owned()])
        );
        assert!(s.step(&r, &set(&["alice"]), 2).is_none());
        let t = s.step(&r, &set(&["alice", "bob"]), 3).expect("bob is new");
        assert_eq!(t.accounts, vec!["bob".to_owned()]);
        assert!(s.step(&r, &Observation::Unknown, 4).is_none());
        let t = s.step(&r, &set(&[]), 5).expect("resolved");
        assert_eq!((t.kind, t.since), (TransitionKind::Resolved, 1));
    }

    #[test]
    fn summaries_and_env() {
        let r = rule("name = \"storm growth\"\ngrowth = 20\nwindow = \"10m\"");
        let t = Transition {
            kind: TransitionKind::Firing,
            value: 31.25,
            since: 0,
            accounts: vec![],
        };
        assert_eq!(
            summary(&r, "default", &t),
            "storm growth on default: queue growth 31.2 messages/min (threshold 20.0 messages/min) over 10m"
        );
        let t = Transition {
            kind: TransitionKind::Resolved,
            value: -3.0,
            since: 0,
            accounts: vec![],
        };
        assert!(summary(&r, "default", &t).starts_with("resolved: storm growth on default"));
        let r = rule("oldest = \"2h\"");
        let t = Transition {
            kind: TransitionKind::Repeat,
            value: 9000.0,
            since: 0,
            accounts: vec![],
        };
        assert_eq!(
            summary(&r, "mx1", &t),
            "STILL oldest on mx1: oldest message 2h (threshold 2h)"
        );
        let e = AlertEvent {
            state: TransitionKind::Firing,
            alert: "a".into(),
            kind: "deferred".into(),
            instance: "default".into(),
            host: "mx".into(),
            value: Some(3.0),
            threshold: 2.0,
            summary: "s".into(),
            since: "t".into(),
            since_unix: 0,
            time: "t".into(),
            time_unix: 0,
            accounts: vec!["a".into(), "b".into()],
            verdict: String::new(),
            deferred: 3,
            total: 4,
            ndrs: 0,
            oldest_age_secs: 5,
        };
        let env = e.env();
        assert!(env.contains(&("MAILQ_TUI_ALERT_STATE".into(), "firing".into())));
        assert!(env.contains(&("MAILQ_TUI_ALERT_ACCOUNTS".into(), "a b".into())));
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(json["state"], "firing");
        assert_eq!(json["value"], 3.0);
    }
}
