//! Postfix instances on this machine (`postmulti -l -a`), for `mailq-tui instances` and the
//! TUI's instance picker. Each one is opened with `--config-dir DIR` (`-c DIR`).

use std::process::Command;

use serde::Serialize;

use super::PostfixError;
use super::process::{DEFAULT_TIMEOUT, run};
use crate::model::text::sanitize;

/// One line of `postmulti -l`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    /// `-` for the default instance.
    pub name: String,
    pub group: String,
    pub enabled: bool,
    pub config_dir: String,
}

impl Instance {
    /// `postfix-out (/etc/postfix-out)`, or `default (/etc/postfix)`.
    #[must_use]
    pub fn label(&self) -> String {
        let name = if self.name == "-" {
            "default"
        } else {
            &self.name
        };
        format!(
            "{} ({}){}",
            sanitize(name),
            sanitize(&self.config_dir),
            if self.enabled { "" } else { " disabled" }
        )
    }
}

/// Parse `postmulti -l` output: `name group enabled config_dir` per line.
#[must_use]
pub fn parse_postmulti(out: &str) -> Vec<Instance> {
    out.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (name, group, enabled, dir) = (f.next()?, f.next()?, f.next()?, f.next()?);
            dir.starts_with('/').then(|| Instance {
                name: name.to_owned(),
                group: group.to_owned(),
                enabled: enabled == "y",
                config_dir: dir.to_owned(),
            })
        })
        .collect()
}

/// The instances `postmulti -l -a` knows (just the default one without multi-instance setup).
///
/// # Errors
/// `NotFound` when postmulti is not installed; others when it fails.
pub fn list() -> Result<Vec<Instance>, PostfixError> {
    let program = ["/usr/sbin/postmulti", "/usr/local/sbin/postmulti"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or_else(|| PostfixError::NotFound("postmulti".into()))?;
    let mut cmd = Command::new(program);
    cmd.args(["-l", "-a"]);
    let mut out = String::new();
    let done = run(
        "postmulti",
        cmd,
        None,
        |line| {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        },
        DEFAULT_TIMEOUT,
    )?;
    if !done.status.success() && out.is_empty() {
        return Err(PostfixError::Exit {
            program: "postmulti".into(),
            code: done.status.code().unwrap_or(-1),
            stderr: sanitize(&String::from_utf8_lossy(done.stderr.trim_ascii())).into_owned(),
        });
    }
    Ok(parse_postmulti(&out))
}

impl From<&Instance> for crate::model::source::Source {
    fn from(i: &Instance) -> Self {
        Self::Local {
            label: i.label(),
            config_dir: std::path::PathBuf::from(&i.config_dir),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_postmulti_lines() {
        let out = "-               -               y         /etc/postfix\npostfix-out     mta             n         /etc/postfix-out\ngarbage\n";
        let v = parse_postmulti(out);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].label(), "default (/etc/postfix)");
        assert_eq!(v[1].name, "postfix-out");
        assert!(!v[1].enabled);
        assert_eq!(v[1].label(), "postfix-out (/etc/postfix-out) disabled");
    }
}
