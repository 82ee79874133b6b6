//! Regenerate the embedded demo storm: `assets/demo-queue.jsonl` (`postqueue -j`) and
//! `assets/demo-contents.txt` (`postcat -q -ebh` of the same messages, compact: see
//! [`mailq_tui::synth::write_postcat_compact`]).
//!
//! ```text
//! cargo run --example gen-demo
//! ```
//!
//! The output is deterministic; commit both files after running it.

use std::fs::File;
use std::path::Path;

use mailq_tui::synth::{StormSpec, write_jsonl, write_postcat_compact};

/// Big enough to look like a real backscatter storm, small enough to embed in the binary
/// (about 5 MB of assets: NDRs are ~2.5 KB each even in compact form).
const DEMO_MESSAGES: usize = 2_000;

fn main() -> std::io::Result<()> {
    let spec = StormSpec::new(DEMO_MESSAGES);
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    write_jsonl(&spec, File::create(assets.join("demo-queue.jsonl"))?)?;
    write_postcat_compact(&spec, File::create(assets.join("demo-contents.txt"))?)?;
    Ok(())
}
