//! The queue model: plain data and logic. No ratatui, no tokio, no processes.
//!
//! - [`message`]: `Message`, `Recipient`, `QueueName`, `QueueId`, `Snapshot`.
//! - [`queue_file`]: what `postcat` tells about one queued message.
//! - [`group`]: grouping a selection by sender, domain, reason family, age, …
//! - [`filter`]: the filter language and selections.
//! - [`text`]: making hostile strings safe to display.

pub mod content;
pub mod countermeasures;
pub mod filter;
pub mod group;
pub mod message;
pub mod queue_file;
pub mod storm;
pub mod text;
pub mod time;

pub use filter::{Filter, FilterError, Selection};
pub use group::{Group, GroupKey, Grouping, SortBy};
pub use message::{
    Interner, Message, MessageKey, ParseProblem, QueueCount, QueueId, QueueName, Recipient,
    Snapshot, split_address,
};
pub use queue_file::QueueFile;
