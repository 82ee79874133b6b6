//! Write an injection plan for `scripts/lab-shapes.sh`: a storm with other shapes than
//! `scripts/lab.sh`'s (see `tests/common/shapes.rs`).
//!
//! ```text
//! cargo run --example gen-shapes -- --ndrs 1200 --seed 7 > /tmp/plan.jsonl
//! sudo scripts/lab-shapes.sh start /tmp/mqshapes /tmp/plan.jsonl
//! ```

#[path = "../tests/common/shapes.rs"]
mod shapes;

use std::io::Write;

fn main() -> std::io::Result<()> {
    let mut ndrs = 1_200;
    let mut seed = 7;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--ndrs", Some(v)) => ndrs = v,
            ("--seed", Some(v)) => seed = v as u64,
            _ => {
                eprintln!("usage: gen-shapes [--ndrs N] [--seed S] > plan.jsonl");
                std::process::exit(2);
            }
        }
    }
    let plan = shapes::generate(ndrs, seed).plan_jsonl();
    std::io::stdout().lock().write_all(plan.as_bytes())
}
