//! The queue model: plain data and logic. No ratatui, no tokio, no processes.
//!
//! - [`message`]: `Message`, `Recipient`, `QueueName`, `QueueId`, `Snapshot`.
//! - [`queue_file`]: what `postcat` tells about one queued message.
//! - [`reason`]: delay reasons folded into families.
//! - [`mod@group`]: grouping a selection by sender, domain, reason family, age, …
//! - [`filter`]: the filter language and selections.
//! - [`text`]: making hostile strings safe to display.
//! - [`fleet`]: one overview row per Postfix host.
//! - [`source`]: where a queue comes from (a local instance or an ssh host), as plain data.
//! - [`trend`]: arrival sparklines per group and +new/−gone between listings.
//! - [`mod@format`], [`time`]: the one home of number, age and date formatting.
//! - [`monitor`]: metrics, alert rules and the check plugin for `watch` and `check`.

pub mod campaign;
pub mod compromise;
pub mod content;
pub mod countermeasures;
pub mod filter;
pub mod fleet;
pub mod format;
pub mod group;
pub mod log;
pub mod message;
pub mod monitor;
pub mod queue_file;
pub mod reason;
pub mod rules;
pub mod shape;
pub mod source;
pub mod storm;
pub mod submitter;
pub mod text;
pub mod time;
pub mod trend;

pub use filter::{
    ContentField, ContentLookup, FILTER_HELP, Filter, FilterError, LoginFacts, LoginLookup, Match,
    MatchContext, Selection, select, select_with,
};
pub use group::{Group, GroupKey, Grouping, SortBy, group, group2, recipient_pattern};
pub use message::{
    Interner, Message, MessageKey, ParseProblem, QueueCount, QueueId, QueueName, Recipient,
    Snapshot, split_address,
};
pub use queue_file::QueueFile;
pub use reason::{FamilyCache, family};
