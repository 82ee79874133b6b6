//! Work the app hands to worker threads (as [`super::Effect`]s) and what comes back:
//! selecting and grouping a large listing, freeing an old one.

use std::collections::HashMap;
use std::sync::Arc;

use super::login_facts::{KnownLogins, View};
use crate::model::Snapshot;
use crate::model::content::{ContentIndex, ContentView};
use crate::model::filter::{
    ContentLookup, Filter, LoginLookup, MatchContext, Selection, select_with,
};
use crate::model::group::{GroupKey, Grouping, SortBy, group_with_logins};
use crate::model::trend::{GroupDiff, SPARK_BUCKETS, build_sparks, diff_groups};

/// From this many selected messages on, regrouping runs on a worker thread so that typing a
/// filter or pressing Tab never waits for it.
pub const ASYNC_REGROUP_AT: usize = 20_000;

/// Everything needed to group a selection away from the UI thread.
#[derive(Debug, Clone)]
pub struct RegroupJob {
    pub generation: u64,
    pub snapshot: Arc<Snapshot>,
    pub indices: Vec<u32>,
    pub key: GroupKey,
    pub sort_by: SortBy,
    pub sort_desc: bool,
    pub now: i64,
    /// The group under the cursor when the job started: the cursor follows it.
    pub keep_label: Option<Arc<str>>,
    /// Set for a new listing: select with this filter first (`indices` is then ignored),
    /// so that the listing is installed together with its selection and grouping.
    pub filter: Option<Filter>,
    /// Which listing this prepares (see `App::prepare_gen`).
    pub prepare_gen: u64,
    /// The listing on screen and its grouping, to compute +new/−gone against.
    pub previous: Option<(Arc<Snapshot>, Arc<Grouping>)>,
    /// The content index, when the grouping key or the filter needs message contents.
    pub content: Option<Arc<ContentIndex>>,
    /// The mail log's answers, when the filter or the key is `login-new`.
    pub logins: Option<Arc<KnownLogins>>,
}

/// Two jobs are equal when they group the same listing (the same `Arc`s, not merely equal
/// contents) the same way, for the same request.
impl PartialEq for RegroupJob {
    fn eq(&self, other: &Self) -> bool {
        let same_arc = |a: &Option<Arc<ContentIndex>>, b: &Option<Arc<ContentIndex>>| match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        self.generation == other.generation
            && Arc::ptr_eq(&self.snapshot, &other.snapshot)
            && self.indices == other.indices
            && self.key == other.key
            && self.sort_by == other.sort_by
            && self.sort_desc == other.sort_desc
            && self.now == other.now
            && self.keep_label == other.keep_label
            && self.filter.as_ref().map(Filter::text) == other.filter.as_ref().map(Filter::text)
            && self.prepare_gen == other.prepare_gen
            && match (&self.previous, &other.previous) {
                (Some((a, x)), Some((b, y))) => Arc::ptr_eq(a, b) && Arc::ptr_eq(x, y),
                (None, None) => true,
                _ => false,
            }
            && same_arc(&self.content, &other.content)
            && match (&self.logins, &other.logins) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

/// A listing taken off the screen, to be freed on a worker: freeing a million messages
/// takes a noticeable moment. Equal when it is the same listing (`Arc` identity).
#[derive(Debug, Clone)]
pub struct Retired {
    pub snapshot: Arc<Snapshot>,
    pub grouping: Arc<Grouping>,
}

impl PartialEq for Retired {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.snapshot, &other.snapshot) && Arc::ptr_eq(&self.grouping, &other.grouping)
    }
}

/// A listing's selection, grouping, sparklines and diff, computed by a worker.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub selection: Selection,
    pub grouping: Grouping,
    pub sparks: Vec<[u32; SPARK_BUCKETS]>,
    pub diff: Option<HashMap<Arc<str>, GroupDiff>>,
}

/// A finished [`RegroupJob`].
#[derive(Debug, Clone)]
pub struct Regrouped {
    pub generation: u64,
    pub snapshot: Arc<Snapshot>,
    pub grouping: Grouping,
    pub sparks: Vec<[u32; SPARK_BUCKETS]>,
    pub keep_label: Option<Arc<str>>,
    /// For a new listing: its selection under the job's filter.
    pub selection: Option<Selection>,
    pub prepare_gen: u64,
    /// +new/−gone per group against `RegroupJob::previous`.
    pub diff: Option<HashMap<Arc<str>, GroupDiff>>,
    /// The `login-new:` facts of the listing, when the job had the log's answers.
    pub logins: Option<View>,
}

impl RegroupJob {
    /// Select (for a new listing), group, sort and build the sparklines. Pure; may run on
    /// any thread.
    #[must_use]
    pub fn run(self) -> Regrouped {
        let view = self
            .content
            .as_ref()
            .map(|c| ContentView::new(&self.snapshot, c));
        let lookup = view.as_ref().map(|v| v as &dyn ContentLookup);
        let login_view = self
            .logins
            .as_ref()
            .map(|k| KnownLogins::view(k, &self.snapshot));
        let logins = login_view.as_ref().map(|v| v.facts() as &dyn LoginLookup);
        let selection = self.filter.as_ref().map(|f| {
            select_with(
                &self.snapshot,
                f,
                &MatchContext {
                    now: self.now,
                    content: lookup,
                    logins,
                },
            )
        });
        let indices = selection.as_ref().map_or(&self.indices, |s| &s.indices);
        let mut grouping = group_with_logins(
            &self.snapshot,
            indices,
            self.key,
            None,
            self.now,
            lookup,
            logins,
        );
        grouping.sort(self.sort_by, self.sort_desc);
        let sparks = build_sparks(&self.snapshot, &grouping, self.now);
        let diff = self
            .previous
            .as_ref()
            .map(|(old, old_grouping)| diff_groups(old, old_grouping, &self.snapshot, &grouping));
        Regrouped {
            generation: self.generation,
            snapshot: self.snapshot,
            grouping,
            sparks,
            keep_label: self.keep_label,
            selection,
            prepare_gen: self.prepare_gen,
            diff,
            logins: login_view,
        }
    }
}
