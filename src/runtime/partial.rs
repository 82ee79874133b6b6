//! Partial listings for the first screen: while `postqueue -j` streams, the TUI shows what
//! it has so far instead of waiting for the whole queue (12.9 s on a live 100k queue).
//!
//! The first partial listing goes out after [`FIRST_PARTIAL`] messages, the next ones each
//! time the count doubles, so the extra copying and regrouping stays under 2× the listing
//! (O(n) in all), and the screen fills in at 2k, 4k, 8k, … like qshape's progressive output.

use std::time::Instant;

use crate::model::{Message, Snapshot};

/// Messages listed before the first partial listing is handed to the screen.
pub(crate) const FIRST_PARTIAL: usize = 2_000;

/// Collects the messages of a running listing and cuts partial snapshots at doubling sizes.
pub(crate) struct PartialListing {
    messages: Vec<Message>,
    next_at: usize,
    taken_at: i64,
    started: Instant,
}

impl PartialListing {
    pub(crate) fn new(taken_at: i64) -> Self {
        Self {
            messages: Vec::new(),
            next_at: FIRST_PARTIAL,
            taken_at,
            started: Instant::now(),
        }
    }

    /// Take one more listed message; a partial snapshot when it is time for the next one.
    pub(crate) fn push(&mut self, m: &Message) -> Option<Snapshot> {
        self.messages.push(m.clone());
        if self.messages.len() < self.next_at {
            return None;
        }
        self.next_at = self.next_at.saturating_mul(2);
        Some(Snapshot::new(
            self.messages.clone(),
            Vec::new(),
            0,
            self.taken_at,
            self.started.elapsed(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::testing::{snapshot_of, storm_queue};

    #[test]
    fn partials_come_at_doubling_sizes_so_the_copying_stays_linear() {
        let sample = snapshot_of(&storm_queue());
        let mut p = PartialListing::new(0);
        let mut sizes = Vec::new();
        for (i, m) in sample.messages.iter().cycle().take(20_000).enumerate() {
            if let Some(s) = p.push(m) {
                assert_eq!(s.len(), i + 1);
                sizes.push(s.len());
            }
        }
        assert_eq!(sizes, vec![2_000, 4_000, 8_000, 16_000]);
        // Copied in all: under twice the listing.
        assert!(sizes.iter().sum::<usize>() < 2 * 20_000);
    }
}
