//! Every user intent and every IO result, as one enum.
//!
//! The serde names (`move_down`, `mark_group`, …) double as keymap values in the config
//! file, so they are part of the user-facing interface: renaming a variant is a breaking
//! change. Internal variants (typed characters, IO results) are `#[serde(skip)]` and can
//! never be bound to a key.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::Snapshot;
use crate::ops::{Outcome, Progress};
use crate::postfix::ReadReport;

/// What the user (or a finished IO job) asks the app to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    /// Drill in: groups → messages → detail.
    Open,
    /// One level up: detail → messages → groups.
    Back,
    /// Close popup → clear filter → clear marks → back, whichever applies first.
    Escape,
    /// Mark (or unmark) the message under the cursor and move down.
    ToggleMark,
    /// Mark every message of the group under the cursor.
    MarkGroup,
    /// Mark every message matching the current filter.
    MarkAllMatching,
    /// Invert the marks among the messages matching the filter.
    InvertMarks,
    ClearMarks,
    NextGrouping,
    PrevGrouping,
    CycleSort,
    ReverseSort,
    OpenFilter,
    Refresh,
    ToggleFreeze,
    ToggleHelp,
    /// Show or hide the message body in the detail view (reads it through `postcat`).
    ToggleBody,
    Quit,
    /// Mutating: opens the confirm dialog for `postsuper -d`.
    Delete,
    /// Mutating: opens the confirm dialog for `postsuper -h`.
    Hold,
    /// Mutating: opens the confirm dialog for `postsuper -H`.
    Release,
    /// Mutating: opens the confirm dialog for `postsuper -r`.
    Requeue,
    /// Confirm the dialog (`y`; `Enter` only for single-message actions).
    Confirm,
    /// Confirm with `Enter`: accepted only when the dialog is about one message, because
    /// a repeating Enter on a laggy SSH link must not purge a storm.
    ConfirmSingle,
    Cancel,
    /// Open (or close) the storm screen: verdict, size and speed, campaigns, accounts.
    ToggleStorm,
    /// Storm screen: filter the main view to the selected campaign or account and mark
    /// its messages, ready for `H`/`D`.
    FilterToCause,
    /// Storm screen: show the countermeasures for the selected cause.
    ShowCountermeasures,
    /// Storm screen: write the countermeasures for the selected cause to a file.
    WriteCountermeasures,
    /// Expire (`postsuper -e`; with held messages `-f`, which also releases them): opens
    /// the confirm dialog.
    Expire,
    /// Deliver now (`postqueue -i`, one per message, at most 20): opens a dialog.
    DeliverNow,
    /// Flush the queue (`postqueue -f`): opens a dialog, warned during a storm.
    Flush,
    /// Internal: what a delivery request did.
    #[serde(skip)]
    Flushed(Result<Box<crate::ops::flush::FlushOutcome>, String>),
    /// Open (or close) the queue-shape screen: qshape's domains × age buckets.
    ToggleShape,
    /// Queue-shape screen: recipient domains ⇄ sender domains (`qshape -s`).
    ToggleShapeBy,
    /// Queue-shape screen: filter the main view to the selected domain.
    FilterToDomain,
    /// Open (or close) the source picker: local Postfix instances and ssh hosts.
    ToggleSources,
    /// Source picker: open the source under the cursor instead of the current one.
    SwitchSource,
    /// Apply the filter being typed and close the input.
    ApplyFilter,
    /// Delete the last typed character (filter input, typed confirmation).
    Backspace,
    /// A character typed into the filter input or the typed confirmation.
    #[serde(skip)]
    Input(char),
    /// The terminal changed size: nothing to update, but the loop redraws.
    #[serde(skip)]
    Resize,
    /// What the frame just drawn showed (scroll offsets, the page size): the loop sends
    /// it after every draw, so drawing reads the app and never writes it.
    #[serde(skip)]
    Viewport(super::Viewport),
    /// A listing in progress: messages parsed so far.
    #[serde(skip)]
    Listing(usize),
    /// A listing in progress: what it has parsed so far, shown until the complete one lands
    /// (only while no complete listing is on screen; queue-changing keys wait for it).
    #[serde(skip)]
    Partial(Arc<Snapshot>),
    /// The wall clock (Unix seconds): the loop sends it before each batch of actions, so
    /// ages and rates are computed against the time they are shown at.
    #[serde(skip)]
    Clock(i64),
    /// A listing finished.
    #[serde(skip)]
    Loaded(Result<Arc<Snapshot>, LoadError>),
    /// A bulk action ([`crate::ops::execute`]) reported progress.
    #[serde(skip)]
    Progress(Progress),
    /// A bulk action finished.
    #[serde(skip)]
    Applied(Result<Box<Outcome>, String>),
    /// A background regroup finished.
    #[serde(skip)]
    Regrouped(Box<super::Regrouped>),
    /// A `postcat` read for the detail view finished.
    #[serde(skip)]
    ReadDone(Result<ReadReport, String>),
    /// A batch of the background content indexing finished.
    #[serde(skip)]
    Indexed(Box<crate::indexer::BatchDone>),
    /// The storm's rules were checked with postmap (and `mynetworks` read).
    #[serde(skip)]
    RulesChecked(Box<super::storm::RulesChecked>),
    /// The mail log was read for the storm screen (or could not be).
    #[serde(skip)]
    LogLoaded(Box<super::storm_log::LogLoaded>),
    /// The mail log was read for the `login-new:` facts of the listed messages (or could
    /// not be).
    #[serde(skip)]
    LoginFactsLoaded(Box<super::login_facts::LoginFactsLoaded>),
    /// The countermeasures file was written (its path) or not (why).
    #[serde(skip)]
    Written(Result<String, String>),
    /// `postmulti -l` answered: the local instances as sources.
    #[serde(skip)]
    InstancesListed(Result<Vec<crate::model::source::Source>, String>),
    /// One source's overview row is in (index into `App::sources`).
    #[serde(skip)]
    SourceProbed(usize, Box<crate::model::fleet::FleetRow>),
    /// A switch finished (the queue was opened, or why not).
    #[serde(skip)]
    Switched(Box<super::Switched>),
    /// A result from the queue open at source generation `.0`: dropped when the session
    /// has switched since, so a late listing of the old host never lands on the new one.
    #[serde(skip)]
    Tagged(u64, Box<Action>),
}

/// Why a listing failed, and whether it failed because Postfix is not installed at all
/// (then the app falls back to the demo queue rather than showing an empty screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    pub not_installed: bool,
    /// What to do about it ([`crate::postfix::PostfixError::hint`]).
    pub hint: String,
}

impl From<&crate::postfix::PostfixError> for LoadError {
    fn from(e: &crate::postfix::PostfixError) -> Self {
        Self {
            message: e.to_string(),
            not_installed: matches!(e, crate::postfix::PostfixError::NotFound(_)),
            hint: e.hint().to_owned(),
        }
    }
}

impl Action {
    /// The config-file name of a bindable action (`mark_group`); `None` for internal ones.
    ///
    /// Derived from serde so the names shown in help and `--print-keys` are exactly the
    /// names the keymap config accepts.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// True for the queue-changing actions. Read-only mode removes and refuses them.
    #[must_use]
    pub fn is_mutating(&self) -> bool {
        matches!(
            self,
            Self::Delete
                | Self::Hold
                | Self::Release
                | Self::Requeue
                | Self::Expire
                | Self::DeliverNow
                | Self::Flush
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case_and_round_trip() {
        assert_eq!(Action::MarkGroup.name().as_deref(), Some("mark_group"));
        let a: Action = serde_json::from_str("\"half_page_down\"").unwrap();
        assert!(matches!(a, Action::HalfPageDown));
    }

    #[test]
    fn internal_actions_have_no_name_and_cannot_be_bound() {
        assert_eq!(Action::Input('x').name(), None);
        assert!(serde_json::from_str::<Action>("\"loaded\"").is_err());
        assert!(serde_json::from_str::<Action>("\"input\"").is_err());
    }
}
