//! `mailq-tui summary --shape [-s] [FILTER…]`: qshape's table (see [`crate::model::shape`]).
//!
//! `summary --shape queue:deferred` prints what `qshape deferred` prints for the same
//! queue; without a filter it covers every queue (qshape's default is incoming + active).

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use super::{Listed, finish_output, list_and_select, parse_filter};
use crate::cli::SummaryArgs;
use crate::model::shape::{self, BUCKET_LABELS, Shape, ShapeBy};
use crate::model::text;
use crate::postfix::MailQueue;

#[derive(Serialize)]
struct JsonShape<'a> {
    source: &'a str,
    filter: &'a str,
    by: &'static str,
    now: i64,
    /// Upper bounds of the age buckets, in minutes (`1280+`: older).
    buckets: [&'static str; shape::BUCKETS],
    total: &'a shape::ShapeRow,
    rows: &'a [shape::ShapeRow],
    more_rows: usize,
}

/// Print the shape of the selected messages.
///
/// # Errors
/// When the queue cannot be listed.
pub fn summary_shape(queue: &dyn MailQueue, args: &SummaryArgs) -> Result<ExitCode> {
    let mut err = io::stderr().lock();
    let filter = match parse_filter(&args.filter, &mut err) {
        Ok(f) => f,
        Err(code) => return Ok(code),
    };
    let Listed { snap, sel, now, .. } =
        list_and_select(queue, &filter, &args.filter, false, false, false, &mut err)?;
    let by = if args.senders {
        ShapeBy::SenderDomain
    } else {
        ShapeBy::RecipientDomain
    };
    let s: Shape = shape::shape(&snap, &sel.indices, by, now);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = if args.json {
        let source = queue.describe();
        let rows = &s.rows[..s.rows.len().min(args.top)];
        let report = JsonShape {
            source: &source,
            filter: filter.text(),
            by: by.name(),
            now,
            buckets: BUCKET_LABELS,
            total: &s.total,
            rows,
            more_rows: s.rows.len() - rows.len(),
        };
        text::write_json_pretty(&mut out, &report).and_then(|()| writeln!(out))
    } else {
        out.write_all(s.table(shape::WIDTH, Some(args.top)).as_bytes())
    };
    Ok(finish_output(written.and_then(|()| out.flush())))
}
