//! Stub Postfix programs for adapter and fault tests: shell scripts in
//! `tests/fixtures/<dir>/` that read their behaviour from, and record argv and stdin into,
//! the test's scratch directory, which reaches them as `-c DIR` (tests cannot set
//! environment variables per test without `unsafe`).

use std::path::{Path, PathBuf};

use mailq_tui::postfix::{discover::Bins, local::Postfix};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A scratch directory plus the folder of stub programs to run.
pub struct Stub {
    pub dir: tempfile::TempDir,
    programs: &'static str,
}

impl Stub {
    /// Stubs from `tests/fixtures/<programs>/`.
    pub fn new(programs: &'static str) -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            programs,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        std::fs::write(self.path(name), contents).expect("write");
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    pub fn bins(&self) -> Bins {
        let bin = fixtures().join(self.programs);
        Bins {
            postqueue: bin.join("postqueue"),
            postsuper: bin.join("postsuper"),
            postcat: bin.join("postcat"),
        }
    }

    /// The real adapter, pointed at the stubs, with the scratch directory as `-c DIR`.
    pub fn postfix(&self) -> Postfix {
        Postfix::with_bins(
            Some(self.dir.path().to_owned()),
            self.bins(),
            "MAILER-DAEMON",
        )
        .assume_root(true)
    }
}
