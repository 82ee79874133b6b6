//! The mail log adapter: finds the log sources of a Postfix instance and streams their lines
//! into the model ([`crate::model::log`]), which does all the parsing. This and
//! `crate::postfix` are the only places that do IO; child processes (`postconf`,
//! `journalctl`, and over `--host` also `cat`/`gzip -dc`) go through the Postfix adapter's
//! one process runner (`Postfix::run_helper`), so a remote log is read over the same ssh
//! connection as the queue.
//!
//! Sources, oldest first so that "first seen" and "failing now" follow time:
//! - `--log PATH` (repeatable; `-` is standard input), gzip detected by its magic bytes,
//!   journald JSON (`journalctl -o json > file`) by a leading `{`;
//! - otherwise the instance's `maillog_file` (postlogd), `/var/log/mail.log`,
//!   `/var/log/maillog`, each with its rotations (`.N`, `.N.gz`, `-YYYYMMDD[.gz]`);
//! - otherwise journald: `journalctl -o json` for the instance's `syslog_name` and Dovecot.

pub mod report;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flate2::read::MultiGzDecoder;

use crate::model::log::chunk::MAX_LINE;
use crate::model::log::logins::{Chunk, Spent};
use crate::model::log::{Clock, LoginAnalyzer};
use crate::postfix::PostfixError;
use crate::postfix::local::{Postfix, parse_utc_offset};

/// How long reading one source may take before it is killed (a big log over ssh).
pub const READ_TIMEOUT: Duration = Duration::from_secs(3600);

/// The standard syslog files, in the order they are tried.
pub const DEFAULT_LOGS: [&str; 3] = [
    "/var/log/mail.log",
    "/var/log/maillog",
    "/var/log/mail/mail.log",
];

/// Postfix daemons whose lines the model reads: the `SYSLOG_IDENTIFIER`s for journald.
const DAEMONS: [&str; 13] = [
    "smtpd",
    "qmgr",
    "cleanup",
    "smtp",
    "lmtp",
    "local",
    "virtual",
    "pipe",
    "error",
    "retry",
    "discard",
    "relay",
    "postsuper",
];

/// One place log lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// A file (plain or gzip); read here, or on the remote host.
    File(PathBuf),
    /// Standard input (`--log -`).
    Stdin,
    /// `journalctl -o json` with these `SYSLOG_IDENTIFIER`s.
    Journal(Vec<String>),
}

impl std::fmt::Display for LogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Stdin => f.write_str("standard input"),
            Self::Journal(ids) => write!(f, "journald ({} identifiers)", ids.len()),
        }
    }
}

/// What went wrong with one source; the others are still read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{path}: {source}")]
    Open { path: String, source: io::Error },
    #[error(transparent)]
    Postfix(#[from] PostfixError),
    #[error("{program} failed: {detail}")]
    Exit { program: String, detail: String },
}

/// How the log is reached: this machine's files, or everything through the Postfix
/// adapter's runner (always for a remote host; locally for `journalctl`/`postconf`).
pub struct LogReader<'a> {
    /// The instance (local or over ssh). `None`: no Postfix here (`--log` files only).
    postfix: Option<&'a Postfix>,
    remote: bool,
}

impl<'a> LogReader<'a> {
    #[must_use]
    pub fn new(postfix: Option<&'a Postfix>) -> Self {
        Self {
            postfix,
            remote: postfix.is_some_and(|p| p.host().is_some()),
        }
    }

    /// The clock for RFC 3164 timestamps: now and the log host's UTC offset (`date +%z`
    /// there; the remote host's zone is what its syslog wrote).
    #[must_use]
    pub fn clock(&self, now: i64) -> Clock {
        let mut out = Vec::new();
        let offset = self
            .run(&[OsStr::new("date"), OsStr::new("+%z")], false, &mut |l| {
                out.extend_from_slice(l);
            })
            .ok()
            .and_then(|()| parse_utc_offset(String::from_utf8_lossy(&out).trim()))
            .unwrap_or(0);
        Clock {
            now,
            utc_offset: offset,
        }
    }

    fn run(
        &self,
        argv: &[&OsStr],
        privileged: bool,
        on_line: &mut dyn FnMut(&[u8]),
    ) -> Result<(), LogError> {
        let program = argv
            .first()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let done = match self.postfix {
            Some(pf) => pf.run_helper(argv, privileged, on_line, READ_TIMEOUT)?,
            None => {
                let local = Postfix::with_bins(
                    None,
                    crate::postfix::discover::Bins {
                        postqueue: PathBuf::from("postqueue"),
                        postsuper: PathBuf::from("postsuper"),
                        postcat: PathBuf::from("postcat"),
                    },
                    "MAILER-DAEMON",
                );
                local.run_helper(argv, privileged, on_line, READ_TIMEOUT)?
            }
        };
        if done.status.success() {
            Ok(())
        } else {
            Err(LogError::Exit {
                program,
                detail: crate::model::text::snippet(
                    String::from_utf8_lossy(&done.stderr).trim(),
                    300,
                ),
            })
        }
    }

    /// `postconf [-c DIR] -xh NAME` of the instance (expanded), if it can be read.
    fn postconf(&self, name: &str) -> Option<String> {
        let pf = self.postfix?;
        let postconf = pf.bins().postqueue.with_file_name("postconf");
        let mut argv: Vec<OsString> = vec![postconf.into_os_string()];
        if let Some(dir) = pf.config_dir() {
            argv.push("-c".into());
            argv.push(dir.as_os_str().to_owned());
        }
        argv.push("-xh".into());
        argv.push(name.into());
        let refs: Vec<&OsStr> = argv.iter().map(OsString::as_os_str).collect();
        let mut out = Vec::new();
        self.run(&refs, false, &mut |l| out.extend_from_slice(l))
            .ok()?;
        let v = String::from_utf8_lossy(&out).trim().to_owned();
        (!v.is_empty()).then_some(v)
    }

    /// Readable regular files among `candidates` (on the log host).
    fn existing(&self, candidates: &[PathBuf]) -> Vec<PathBuf> {
        if !self.remote {
            return candidates.iter().filter(|p| p.is_file()).cloned().collect();
        }
        // One remote shell for all of them: `test -f` each and print the ones that exist.
        let mut script = String::from("for f in");
        for c in candidates {
            script.push(' ');
            script.push_str(&String::from_utf8_lossy(&crate::postfix::ssh::shell_quote(
                c.as_os_str().as_encoded_bytes(),
            )));
        }
        script.push_str("; do [ -f \"$f\" ] && printf '%s\\n' \"$f\"; done; true");
        let mut found = Vec::new();
        let argv = [OsStr::new("sh"), OsStr::new("-c"), OsStr::new(&script)];
        let _ = self.run(&argv, false, &mut |l| {
            let s = String::from_utf8_lossy(l).trim_end().to_owned();
            if !s.is_empty() {
                found.push(PathBuf::from(s));
            }
        });
        found
    }

    /// The sources to read when no `--log` is given: the instance's `maillog_file` and the
    /// standard syslog files with their rotations; journald when there are none.
    #[must_use]
    pub fn discover(&self) -> Vec<LogSource> {
        let mut bases: Vec<PathBuf> = Vec::new();
        if let Some(file) = self.postconf("maillog_file")
            && file.starts_with('/')
            && !file.starts_with("/dev/")
        {
            bases.push(PathBuf::from(file));
        }
        bases.extend(DEFAULT_LOGS.iter().map(PathBuf::from));
        let mut sources = Vec::new();
        for base in bases {
            let rotated = rotations(&base);
            let mut candidates = rotated.clone();
            candidates.push(base.clone());
            let found = self.existing(&candidates);
            if found.contains(&base) {
                // Oldest first: the candidates are in that order already.
                sources.extend(
                    candidates
                        .into_iter()
                        .filter(|c| found.contains(c))
                        .map(LogSource::File),
                );
                // syslog writes one of the standard files; stop at the first that exists
                // (mail.log and maillog are the same log on different distributions).
                break;
            }
        }
        if sources.is_empty() {
            let name = self
                .postconf("syslog_name")
                .unwrap_or_else(|| "postfix".to_owned());
            sources.push(LogSource::Journal(journal_identifiers(&name)));
        }
        sources
    }

    /// Stream one source into `analyzer`. `journal_since`: where journald starts (the
    /// window's start minus the look-back that tells new addresses from known ones).
    ///
    /// # Errors
    /// The source could not be opened or its reader failed; lines read so far count.
    pub fn read(
        &self,
        source: &LogSource,
        analyzer: &mut LoginAnalyzer,
        journal_since: Option<i64>,
    ) -> Result<(), LogError> {
        match source {
            LogSource::Stdin => {
                read_stream(io::stdin().lock(), analyzer).map_err(|e| LogError::Open {
                    path: "standard input".into(),
                    source: e,
                })
            }
            LogSource::File(path) if !self.remote => {
                let file = File::open(path).map_err(|e| LogError::Open {
                    path: path.display().to_string(),
                    source: e,
                })?;
                read_file(&file, analyzer).map_err(|e| LogError::Open {
                    path: path.display().to_string(),
                    source: e,
                })
            }
            LogSource::File(path) => {
                let gz = path.extension().is_some_and(|e| e == "gz");
                let prog = if gz { "gzip" } else { "cat" };
                let mut argv = vec![OsStr::new(prog)];
                if gz {
                    argv.push(OsStr::new("-dc"));
                }
                argv.push(OsStr::new("--"));
                argv.push(path.as_os_str());
                let mut sniff = Sniff::default();
                self.run(&argv, true, &mut |l| sniff.push(l, analyzer))
            }
            LogSource::Journal(ids) => {
                let mut argv: Vec<OsString> = ["journalctl", "-o", "json", "--no-pager", "-q"]
                    .iter()
                    .map(OsString::from)
                    .collect();
                if let Some(since) = journal_since {
                    argv.push(format!("--since=@{since}").into());
                }
                for id in ids {
                    argv.push(format!("SYSLOG_IDENTIFIER={id}").into());
                }
                let refs: Vec<&OsStr> = argv.iter().map(OsString::as_os_str).collect();
                self.run(&refs, true, &mut |l| analyzer.push_journal_line(l))
            }
        }
    }
}

/// `SYSLOG_IDENTIFIER`s of an instance whose `syslog_name` is `name`: its daemons, the
/// usual master.cf services (`-o syslog_name=postfix/submission`), and Dovecot.
#[must_use]
pub fn journal_identifiers(name: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for prefix in [
        name.to_owned(),
        format!("{name}/submission"),
        format!("{name}/smtps"),
    ] {
        for d in DAEMONS {
            ids.push(format!("{prefix}/{d}"));
        }
    }
    ids.push("dovecot".to_owned());
    ids
}

/// Rotated names of `base`, oldest first: `base.30(.gz)` … `base.1(.gz)` (logrotate's
/// numbered scheme), then dated ones (`base-20261122(.gz)`, logrotate `dateext`) on this
/// machine (a remote host's dated rotations are not listed: use `--log`).
#[must_use]
pub fn rotations(base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let name = base.as_os_str().to_string_lossy().into_owned();
    for n in (1..=30).rev() {
        out.push(PathBuf::from(format!("{name}.{n}.gz")));
        out.push(PathBuf::from(format!("{name}.{n}")));
    }
    if let (Some(dir), Some(file)) = (base.parent(), base.file_name())
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let prefix = format!("{}-", file.to_string_lossy());
        let mut dated: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .and_then(|f| f.strip_prefix(&prefix).map(str::to_owned))
                    .is_some_and(|rest| {
                        rest.len() >= 8 && rest[..8].bytes().all(|b| b.is_ascii_digit())
                    })
            })
            .collect();
        dated.sort();
        out.extend(dated);
    }
    out
}

/// Feed a byte stream to the analyzer line by line: plain or gzip (detected by its magic
/// bytes, not a name: standard input can be compressed too), syslog or journald JSON
/// (sniffed from the first line), in blocks of [`BLOCK`] bytes. With more than one CPU,
/// blocks are folded on up to [`MAX_WORKERS`] threads and merged in log order (the same
/// report as one line at a time: `tests/maillog_parallel.rs`).
///
/// # Errors
/// Reading failed; the lines before the failure were fed.
pub fn read_stream(input: impl Read, analyzer: &mut LoginAnalyzer) -> io::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    read_stream_with(input, analyzer, cpus.min(MAX_WORKERS), BLOCK)
}

/// Most threads [`read_stream`] folds blocks on.
pub const MAX_WORKERS: usize = 4;
/// Bytes read per block (cut at the last line end in it).
pub const BLOCK: usize = 8 << 20;
/// Blocks being folded or waiting to be merged, per worker (bounds memory).
const DEPTH: usize = 2;

/// [`read_stream`] with a given number of threads (0 or 1: none, everything on this
/// thread) and block size: for tests and benchmarks that compare the ways of reading.
///
/// # Errors
/// Reading failed; the lines before the failure were fed.
pub fn read_stream_with(
    input: impl Read,
    analyzer: &mut LoginAnalyzer,
    workers: usize,
    block: usize,
) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, input);
    if reader.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        feed(&mut MultiGzDecoder::new(reader), analyzer, workers, block)
    } else {
        feed(&mut reader, analyzer, workers, block)
    }
}

/// Cuts a stream into blocks of whole lines.
struct Blocks<'r> {
    input: &'r mut dyn Read,
    block: usize,
    /// The start of a line that did not fit in the last block.
    carry: Vec<u8>,
    eof: bool,
    /// Journald JSON, decided on the first line.
    journal: Option<bool>,
    /// A read error after some data: that data is still handed out, then the error.
    failed: Option<io::Error>,
}

impl Blocks<'_> {
    /// Fill `data` with the next block; `false` at the end of the stream.
    fn next(&mut self, data: &mut Vec<u8>) -> io::Result<bool> {
        data.clear();
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        data.extend_from_slice(&self.carry);
        self.carry.clear();
        while !self.eof && data.len() < self.block {
            let want = (self.block - data.len()) as u64;
            match (&mut *self.input).take(want).read_to_end(data) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if data.is_empty() => return Err(e),
                Err(e) => {
                    // Fold what was read before the failure, then report it.
                    self.failed = Some(e);
                    self.eof = true;
                }
            }
        }
        if data.is_empty() {
            return Ok(false);
        }
        if !self.eof {
            match memchr::memrchr(b'\n', data) {
                Some(end) => self.carry.extend_from_slice(&data[end + 1..]),
                // No line end at all: a piece of a (junk) line longer than a block.
                None if data.len() >= MAX_LINE => {
                    self.carry.extend_from_slice(&data[MAX_LINE..]);
                }
                None => {
                    // A block smaller than the line: read on with bigger blocks.
                    self.carry.extend_from_slice(data);
                    self.block = self.block.saturating_mul(2);
                    return self.next(data);
                }
            }
            let keep = data.len() - self.carry.len();
            data.truncate(keep);
        }
        self.journal
            .get_or_insert_with(|| journal_start(data).unwrap_or(false));
        Ok(true)
    }

    fn journal(&self) -> bool {
        self.journal == Some(true)
    }
}

/// Fold `data` (a block already read) and every block after it on this thread.
fn fold_here(
    blocks: &mut Blocks<'_>,
    mut data: Vec<u8>,
    analyzer: &mut LoginAnalyzer,
) -> io::Result<()> {
    loop {
        analyzer.push_block(&data, blocks.journal());
        if !blocks.next(&mut data)? {
            return Ok(());
        }
    }
}

/// Read blocks and fold them into the analyzer: on this thread, or each block by its own
/// analyzer on one of `workers` threads, merged in log order ([`LoginAnalyzer::merge`]).
fn feed(
    input: &mut dyn Read,
    analyzer: &mut LoginAnalyzer,
    workers: usize,
    block: usize,
) -> io::Result<()> {
    let mut blocks = Blocks {
        input,
        block: block.max(1),
        carry: Vec::new(),
        eof: false,
        journal: None,
        failed: None,
    };
    let mut data = Vec::new();
    if !blocks.next(&mut data)? {
        return Ok(());
    }
    if blocks.eof || workers <= 1 {
        // Small input, or one thread asked for.
        return fold_here(&mut blocks, data, analyzer);
    }
    let journal = blocks.journal();
    let mut next = |mut data: Vec<u8>| Ok(blocks.next(&mut data)?.then_some(Block::Read(data)));
    fan_out(
        None::<&Positioned<'_, [u8]>>,
        Block::Read(data),
        &mut next,
        journal,
        analyzer,
        workers,
    )
}

/// A file (or bytes) that can be read at any offset, from several threads at once.
pub trait ReadAt: Sync {
    /// Read into `buf` from `offset`; how many bytes were read (0: the end).
    ///
    /// # Errors
    /// The read failed.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let rest = usize::try_from(offset)
            .ok()
            .and_then(|o| self.get(o..))
            .unwrap_or_default();
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

/// Fill `buf` from `offset` as far as the source goes; how many bytes that was (fewer than
/// `buf.len()` only at the end of the source).
fn read_full_at<R: ReadAt + ?Sized>(src: &R, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match src.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Read a log file into the analyzer, as `mailq-tui logins --log FILE` does: a plain
/// regular file bigger than a [`RANGE`] is cut into ranges of whole lines here, and each
/// range is read (positioned, `pread`) and folded by a worker, so reading is spread over
/// the CPUs too. The file is read up to the size it had when this started (a log being
/// written to grows meanwhile). Anything else is read as a stream ([`read_stream`]): gzip,
/// a pipe, a file whose size is not known (0, as in `/proc`).
///
/// # Errors
/// Reading failed; the lines before the failure were fed.
pub fn read_file(file: &File, analyzer: &mut LoginAnalyzer) -> io::Result<()> {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > 0 {
        let mut magic = [0; 2];
        let n = read_full_at(file, &mut magic, 0)?;
        if magic[..n] != [0x1f, 0x8b] {
            return read_at_with(file, meta.len(), analyzer, cpus.min(MAX_WORKERS), RANGE);
        }
    }
    read_stream(file, analyzer)
}

/// [`read_file`]'s reading of `len` bytes of plain text (syslog or journald JSON, sniffed from
/// the first line) from `src`, with a given number of threads and range size (see
/// [`RANGE`]). One thread, or `len` within one range: everything on this thread, as a stream.
///
/// # Errors
/// Reading failed; the lines before the failure were fed.
pub fn read_at_with<R: ReadAt + ?Sized>(
    src: &R,
    len: u64,
    analyzer: &mut LoginAnalyzer,
    workers: usize,
    range: usize,
) -> io::Result<()> {
    let range = range.max(1);
    if workers <= 1 || len <= range as u64 {
        let mut stream = AtStream { src, at: 0, len };
        return read_stream_with(&mut stream, analyzer, 1, range.min(BLOCK));
    }
    let journal = sniff_at(src, len)?;
    let mut cuts = Cuts {
        src,
        len,
        next: 0,
        most: range as u64,
        share: 2 * workers as u64,
        window: Vec::new(),
    };
    let Some((start, end)) = cuts.next()? else {
        return Ok(());
    };
    let mut next = |_: Vec<u8>| Ok(cuts.next()?.map(|(start, end)| Block::At { start, end }));
    let read = Positioned {
        src,
        sub: range.min(SUB_BLOCK),
    };
    fan_out(
        Some(&read),
        Block::At { start, end },
        &mut next,
        journal,
        analyzer,
        workers,
    )
}

/// Bytes a worker reads at a time within its range: within the CPU's cache (L2), so the
/// lines are parsed from the cache the kernel just copied them into.
const SUB_BLOCK: usize = 1 << 20;

/// The largest range of a positioned file one worker folds into one chunk. Big: every
/// chunk makes its own tables of the names it meets, and the merge maps them all; the
/// worker reads it `SUB_BLOCK` (1 MB) at a time, so memory does not grow with it.
pub const RANGE: usize = 32 << 20;

/// A positioned source and the size of the reads a worker makes in its range.
struct Positioned<'r, R: ?Sized> {
    src: &'r R,
    sub: usize,
}

impl<R: ReadAt + ?Sized> Positioned<'_, R> {
    /// Fold the lines of `start..end` (whole lines, or pieces of an over-long one: see
    /// [`Cuts`]) into `chunk`, [`Self::sub`] bytes at a time straight into `buf` (kept at its
    /// longest: a buffer zeroed again for each read costs a `memset` of the whole log).
    fn fold(
        &self,
        start: u64,
        end: u64,
        journal: bool,
        chunk: &mut Chunk,
        buf: &mut Vec<u8>,
    ) -> io::Result<()> {
        let mut at = start;
        // Bytes at the front of `buf`: the start of a line the last read cut.
        let mut held = 0;
        let mut sub = self.sub;
        loop {
            let want = usize::try_from(end - at).map_or(sub, |left| left.min(sub));
            if buf.len() < held + want {
                buf.resize(held + want, 0);
            }
            let n = read_full_at(self.src, &mut buf[held..held + want], at)?;
            at += n as u64;
            let filled = held + n;
            if n < want || at >= end {
                // The end of the range (or of a file that got shorter).
                chunk.push(&buf[..filled], journal);
                return Ok(());
            }
            let cut = match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => i + 1,
                // No line end in a whole `MAX_LINE`: a piece of an over-long line.
                None if filled >= MAX_LINE => MAX_LINE,
                None => {
                    // A line longer than a read: read on, more at a time.
                    held = filled;
                    sub = sub.saturating_mul(2);
                    continue;
                }
            };
            chunk.push(&buf[..cut], journal);
            buf.copy_within(cut..filled, 0);
            held = filled - cut;
        }
    }
}

/// A [`ReadAt`] source read front to back, from `at` up to `len`.
struct AtStream<'r, R: ?Sized> {
    src: &'r R,
    at: u64,
    len: u64,
}

impl<R: ReadAt + ?Sized> Read for AtStream<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.len.saturating_sub(self.at)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        let n = self.src.read_at(&mut buf[..want], self.at)?;
        self.at += n as u64;
        Ok(n)
    }
}

/// Whether text starting with `head` is journald JSON (`journalctl -o json`): the first
/// line, past leading white space, starts an object. `None`: `head` is white space so far,
/// without a line end, so it cannot tell yet.
fn journal_start(head: &[u8]) -> Option<bool> {
    head.iter()
        .find(|&&b| b == b'\n' || !b.is_ascii_whitespace())
        .map(|&b| b == b'{')
}

/// [`journal_start`] of a positioned source, read a window at a time.
fn sniff_at<R: ReadAt + ?Sized>(src: &R, len: u64) -> io::Result<bool> {
    let mut window = vec![0; 4096];
    let mut at = 0;
    while at < len {
        let n = read_full_at(src, &mut window, at)?;
        if let Some(journal) = journal_start(&window[..n]) {
            return Ok(journal);
        }
        if n < window.len() {
            break;
        }
        at += n as u64;
    }
    Ok(false)
}

/// Cuts a positioned source into ranges of whole lines for the workers, reading only
/// around each cut. A range ends at the last line end before its nominal end; a line
/// without one longer than [`MAX_LINE`] is cut in pieces of that size, as a stream is
/// ([`crate::model::log::chunk::for_each_line`]). Ranges shrink towards the end of the
/// source (a share of what is left), so the workers finish at about the same time.
struct Cuts<'r, R: ?Sized> {
    src: &'r R,
    len: u64,
    next: u64,
    /// The largest range.
    most: u64,
    /// A range is at most what is left divided by this.
    share: u64,
    window: Vec<u8>,
}

impl<R: ReadAt + ?Sized> Cuts<'_, R> {
    /// Bytes read backwards from a range's end to find its last line end.
    const WINDOW: u64 = 16 << 10;

    fn next(&mut self) -> io::Result<Option<(u64, u64)>> {
        let start = self.next;
        if start >= self.len {
            return Ok(None);
        }
        let left = self.len - start;
        let mut want = (left / self.share).clamp((self.most / 16).max(1), self.most);
        loop {
            let nominal = start.saturating_add(want);
            if nominal >= self.len {
                self.next = self.len;
                return Ok(Some((start, self.len)));
            }
            if let Some(end) = self.last_line_end(start, nominal)? {
                self.next = end;
                return Ok(Some((start, end)));
            }
            if want >= MAX_LINE as u64 {
                // No line end in a whole `MAX_LINE`: a piece of an over-long line.
                self.next = start + MAX_LINE as u64;
                return Ok(Some((start, self.next)));
            }
            want = want.saturating_mul(2);
        }
    }

    /// Just past the last `\n` in `start..end`, read in windows from the end.
    fn last_line_end(&mut self, start: u64, end: u64) -> io::Result<Option<u64>> {
        let mut hi = end;
        while hi > start {
            let lo = hi.saturating_sub(Self::WINDOW).max(start);
            let want = usize::try_from(hi - lo).unwrap_or(0);
            self.window.resize(want, 0);
            let n = read_full_at(self.src, &mut self.window, lo)?;
            if n < want {
                // The file got shorter while it was read: it ends here.
                self.len = lo + n as u64;
                return Ok(Some(self.len));
            }
            if let Some(i) = memchr::memrchr(b'\n', &self.window) {
                return Ok(Some(lo + i as u64 + 1));
            }
            hi = lo;
        }
        Ok(None)
    }
}

/// A block for a worker: bytes already read, or a range of the positioned source that the
/// worker reads itself.
enum Block {
    Read(Vec<u8>),
    At { start: u64, end: u64 },
}

/// What a worker hands back: the folded chunk, the block's buffer to reuse (empty for a
/// range), and the read's error if it failed.
type Done = (Chunk, Vec<u8>, io::Result<()>);

/// Fold one block into `chunk`; a range is read through `buf` (the worker's own).
fn fold_block<R: ReadAt + ?Sized>(
    read: Option<&Positioned<'_, R>>,
    block: Block,
    journal: bool,
    chunk: &mut Chunk,
    buf: &mut Vec<u8>,
) -> (Vec<u8>, io::Result<()>) {
    match block {
        Block::Read(data) => {
            chunk.push(&data, journal);
            (data, Ok(()))
        }
        Block::At { start, end } => {
            let result = match read {
                Some(read) => read.fold(start, end, journal, chunk, buf),
                None => Ok(()),
            };
            (Vec::new(), result)
        }
    }
}

/// Fold `first` and every block `next` hands out (it gets a spent buffer to reuse) on
/// `workers` threads, each block by its own analyzer, merged in log order
/// ([`LoginAnalyzer::merge`]). Ranges are read by the worker through `read`.
fn fan_out<R: ReadAt + ?Sized>(
    read: Option<&Positioned<'_, R>>,
    first: Block,
    next: &mut dyn FnMut(Vec<u8>) -> io::Result<Option<Block>>,
    journal: bool,
    analyzer: &mut LoginAnalyzer,
    workers: usize,
) -> io::Result<()> {
    std::thread::scope(|scope| {
        let mut jobs = Vec::new();
        let mut done = Vec::new();
        for _ in 0..workers.min(MAX_WORKERS) {
            let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<(Chunk, Block, Spent)>(DEPTH);
            let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Done>(DEPTH);
            let worker = std::thread::Builder::new()
                .name("maillog-chunk".into())
                .spawn_scoped(scope, move || {
                    let mut buf = Vec::new();
                    for (mut chunk, block, spent) in job_rx {
                        // A merged chunk's tables: their allocations reused by the next
                        // chunk, the rest freed here rather than on the merging thread.
                        chunk.recycle(spent);
                        let (back, result) = fold_block(read, block, journal, &mut chunk, &mut buf);
                        if done_tx.send((chunk, back, result)).is_err() {
                            break;
                        }
                    }
                });
            if worker.is_ok() {
                jobs.push(job_tx);
                done.push(done_rx);
            }
        }
        if jobs.is_empty() {
            // No thread to be had: everything here, one block after the other.
            let mut buf = Vec::new();
            let mut block = Some(first);
            while let Some(b) = block.take() {
                let mut chunk = analyzer.for_chunk();
                let (back, result) = fold_block(read, b, journal, &mut chunk, &mut buf);
                drop(analyzer.merge(chunk));
                result?;
                block = next(back)?;
            }
            return Ok(());
        }
        // Round robin: block n goes to worker n % workers and is merged in that order.
        let mut pending: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        let mut free: Vec<Vec<u8>> = Vec::new();
        let mut next_worker = 0;
        let mut spent = Spent::default();
        let mut result = Ok(());
        let mut block = Some(first);
        while let Some(b) = block.take() {
            if pending.len() >= jobs.len() * DEPTH {
                let w = pending.pop_front().unwrap_or(0);
                let Ok((chunk, back, read)) = done[w].recv() else {
                    break;
                };
                spent = analyzer.merge(chunk);
                free.push(back);
                if let Err(e) = read {
                    result = Err(e);
                    break;
                }
            }
            if jobs[next_worker]
                .send((analyzer.for_chunk(), b, std::mem::take(&mut spent)))
                .is_err()
            {
                break;
            }
            pending.push_back(next_worker);
            next_worker = (next_worker + 1) % jobs.len();
            match next(free.pop().unwrap_or_default()) {
                Ok(more) => block = more,
                Err(e) => result = Err(e),
            }
        }
        drop(jobs);
        while let Some(w) = pending.pop_front() {
            let Ok((chunk, _, read)) = done[w].recv() else {
                break;
            };
            if result.is_err() {
                // Blocks after a failed read are not folded in.
                continue;
            }
            // The workers are done: the last chunks' tables are freed here.
            drop(analyzer.merge(chunk));
            result = read;
        }
        result
    })
}

/// Decides on the first non-empty line whether a stream is journald JSON or syslog text.
#[derive(Default)]
struct Sniff {
    json: Option<bool>,
}

impl Sniff {
    fn push(&mut self, line: &[u8], analyzer: &mut LoginAnalyzer) {
        let json = *self
            .json
            .get_or_insert_with(|| journal_start(line).unwrap_or(false));
        if json {
            analyzer.push_journal_line(line);
        } else {
            analyzer.push_line(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn clock() -> Clock {
        Clock {
            now: crate::model::time::utc_from_civil(2026, 11, 30, 0, 0, 0),
            utc_offset: 0,
        }
    }

    const LINES: &str = "Nov 29 10:00:00 mx postfix/smtpd[1]: 1A: client=unknown[192.0.2.1], sasl_method=PLAIN, sasl_username=u@x\nNov 29 10:00:01 mx postfix/qmgr[2]: 1A: from=<u@x>, size=1, nrcpt=2 (queue active)";

    #[test]
    fn plain_gzip_and_unterminated_last_line() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(LINES.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        for input in [LINES.as_bytes().to_vec(), gz] {
            let mut a = LoginAnalyzer::new(clock(), None);
            read_stream(io::Cursor::new(input), &mut a).unwrap();
            let r = a.finish();
            assert_eq!(r.input.lines, 2);
            assert_eq!(r.account("u@x").unwrap().recipients, 2);
        }
    }

    #[test]
    fn journal_json_is_sniffed() {
        let json = "{\"__REALTIME_TIMESTAMP\":\"1795996700000000\",\"SYSLOG_IDENTIFIER\":\"postfix/smtpd\",\"MESSAGE\":\"1A: client=unknown[192.0.2.1], sasl_method=PLAIN, sasl_username=u@x\"}\n";
        let mut a = LoginAnalyzer::new(clock(), None);
        read_stream(io::Cursor::new(json), &mut a).unwrap();
        assert_eq!(a.finish().account("u@x").unwrap().logins, 1);
    }

    #[test]
    fn rotations_are_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("mail.log");
        for f in [
            "mail.log",
            "mail.log.1",
            "mail.log.2.gz",
            "mail.log-20261120.gz",
            "mail.log-20261101",
        ] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        let reader = LogReader::new(None);
        let found = reader.existing(&{
            let mut c = rotations(&base);
            c.push(base.clone());
            c
        });
        let names: Vec<String> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "mail.log.2.gz",
                "mail.log.1",
                "mail.log-20261101",
                "mail.log-20261120.gz",
                "mail.log"
            ]
        );
    }

    #[test]
    fn journal_identifiers_follow_syslog_name() {
        let ids = journal_identifiers("postfix-out");
        assert!(ids.contains(&"postfix-out/smtpd".to_owned()));
        assert!(ids.contains(&"postfix-out/submission/smtpd".to_owned()));
        assert!(ids.contains(&"dovecot".to_owned()));
    }
}
