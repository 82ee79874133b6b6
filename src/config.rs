//! The configuration file: `~/.config/mailq-tui/config.toml`, `$MAILQ_TUI_CONFIG`, or `--config`.
//!
//! Typos must fail at startup, before the terminal enters raw mode, with the file and the key
//! named: every table denies unknown keys. A missing *default* file is normal (most users never
//! write one); a file the user named explicitly and that does not exist is an error.
//!
//! Precedence is command line > file > built-in default, through [`layer`]. Under `sudo`,
//! `$HOME` (and so the default path) belongs to root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::group::GroupKey;

/// The sample configuration shipped in `assets/`: exactly the built-in defaults (tested).
pub const SAMPLE: &str = include_str!("../assets/config.sample.toml");

/// The environment variable that names a configuration file.
pub const CONFIG_ENV: &str = "MAILQ_TUI_CONFIG";

/// Everything the configuration file can set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    /// Auto-refresh interval, in seconds.
    pub refresh: u64,
    /// The grouping the TUI opens with (a [`GroupKey`] name: `reason`, `sender`, …).
    #[serde(serialize_with = "ser_group_key", deserialize_with = "de_group_key")]
    pub default_grouping: GroupKey,
    /// Colour theme.
    pub theme: Theme,
    /// Per-element colour overrides (element name → colour); the UI owns the names.
    pub colors: BTreeMap<String, String>,
    /// Alert when the deferred queue holds at least this many messages.
    pub alert_at: Option<usize>,
    /// Postfix configuration directory of the instance to manage (`-c DIR`).
    pub config_dir: Option<PathBuf>,
    /// Where the audit log of queue changes goes (default: the state directory).
    pub audit_log: Option<PathBuf>,
    /// Key → action name, merged over the built-in keymap. Only the shape (string values) is
    /// checked here; the keymap checks the key syntax and action names.
    pub keys: BTreeMap<String, String>,
    /// Seconds one remote host may take to answer (probe or listing) before it is shown as
    /// down; a slow host never holds up the others.
    pub host_timeout: u64,
    /// Postfix hosts reached over ssh (`[[hosts]]`), for `--host NAME` and `fleet`.
    pub hosts: Vec<HostConfig>,
    /// `mailq-tui watch`: listen address, textfile, alert actions (`[watch]`).
    pub watch: crate::model::monitor::WatchConfig,
    /// Alert rules for `mailq-tui watch` (`[[alerts]]`).
    pub alerts: Vec<crate::model::monitor::alerts::AlertConfig>,
}

/// One `[[hosts]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HostConfig {
    /// The label (`--host NAME`, table rows, the audit log).
    pub name: String,
    /// The ssh destination (`user@host` or a `Host` alias of `~/.ssh/config`); default: `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<String>,
    /// The Postfix configuration directory on that host; default: its default instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dir: Option<PathBuf>,
    /// Extra arguments for `ssh` before the destination, e.g. `["-F", "/path/ssh_config"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_options: Vec<String>,
}

impl HostConfig {
    /// The host as the ssh adapter takes it.
    #[must_use]
    pub fn to_ssh_host(&self) -> crate::postfix::ssh::SshHost {
        crate::postfix::ssh::SshHost {
            name: self.name.clone(),
            destination: self.ssh.clone().unwrap_or_else(|| self.name.clone()),
            config_dir: self.config_dir.clone(),
            ssh_options: self.ssh_options.clone(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            refresh: 10,
            default_grouping: GroupKey::Reason,
            theme: Theme::Default,
            colors: BTreeMap::new(),
            alert_at: None,
            config_dir: None,
            audit_log: None,
            keys: BTreeMap::new(),
            host_timeout: 30,
            hosts: Vec::new(),
            watch: crate::model::monitor::WatchConfig::default(),
            alerts: Vec::new(),
        }
    }
}

/// Colour themes. `monochrome` uses only bold/reverse, for terminals (or people) without colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    Default,
    Monochrome,
}

fn ser_group_key<S: Serializer>(key: &GroupKey, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(key.name())
}

fn de_group_key<'de, D: Deserializer<'de>>(d: D) -> Result<GroupKey, D::Error> {
    let s = String::deserialize(d)?;
    GroupKey::parse(&s).ok_or_else(|| {
        let names: Vec<&str> = GroupKey::ALL.iter().map(|k| k.name()).collect();
        serde::de::Error::custom(format!(
            "unknown grouping `{s}`, expected one of {}",
            names.join(", ")
        ))
    })
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// No file: built-in defaults.
    Defaults,
    /// This file.
    File(PathBuf),
}

/// A loaded configuration and where it came from (shown in the help screen and the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub config: Config,
    pub source: Source,
}

/// The default file: `~/.config/mailq-tui/config.toml` (per the platform's conventions).
#[must_use]
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "mailq-tui").map(|d| d.config_dir().join("config.toml"))
}

/// Which file to read: `--config`, else `$MAILQ_TUI_CONFIG`, else the default path.
/// The boolean says whether the file must exist (the user named it).
#[must_use]
pub fn resolve(
    explicit: Option<&Path>,
    env: Option<&str>,
    default: Option<PathBuf>,
) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_owned(), true));
    }
    if let Some(e) = env.filter(|e| !e.is_empty()) {
        return Some((PathBuf::from(e), true));
    }
    default.map(|p| (p, false))
}

/// Load the configuration the way the binary does: `--config` (if given), `$MAILQ_TUI_CONFIG`,
/// the default path.
///
/// # Errors
/// A named file that is missing, any file that cannot be read or parsed, unknown keys.
pub fn load(explicit: Option<&Path>) -> Result<Loaded> {
    let env = std::env::var(CONFIG_ENV).ok();
    match resolve(explicit, env.as_deref(), default_path()) {
        Some((path, required)) => load_path(&path, required),
        None => Ok(Loaded {
            config: Config::default(),
            source: Source::Defaults,
        }),
    }
}

/// A configuration file that root must not trust (owned by another user, or writable by
/// group or others): a usage error (exit 2), before anything runs.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UntrustedConfig(pub String);

/// Load one file. A missing file gives the defaults unless `required`.
///
/// # Errors
/// See [`load`].
pub fn load_path(path: &Path, required: bool) -> Result<Loaded> {
    // As root, like OpenSSH: a file another user owns or can write could run commands as
    // root (`ssh-options = ["-oProxyCommand=…"]`), so it is refused, not read.
    let opened = std::fs::File::open(path).and_then(|f| {
        let why = crate::trust::root_distrusts(&f.metadata()?);
        Ok((f, why))
    });
    let text = match opened {
        Ok((_, Some(why))) => {
            return Err(UntrustedConfig(format!(
                "running as root, refusing config file {0}: it is {why}; fix with `chown root {0}; chmod go-w {0}`",
                path.display()
            ))
            .into());
        }
        Ok((f, None)) => std::io::read_to_string(f)
            .with_context(|| format!("cannot read config file {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(Loaded {
                config: Config::default(),
                source: Source::Defaults,
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("config file not found: {}", path.display())
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read config file {}", path.display()));
        }
    };
    let config = parse(&text).with_context(|| format!("invalid config file {}", path.display()))?;
    Ok(Loaded {
        config,
        source: Source::File(path.to_owned()),
    })
}

/// Parse configuration text.
///
/// # Errors
/// TOML syntax errors, wrong types, unknown keys (the message names the key and its line).
pub fn parse(text: &str) -> Result<Config> {
    let config: Config = toml::from_str(text)?;
    if config.refresh == 0 {
        bail!("`refresh` must be at least 1 second");
    }
    if config.host_timeout == 0 {
        bail!("`host-timeout` must be at least 1 second");
    }
    let mut names = std::collections::BTreeSet::new();
    for h in &config.hosts {
        if h.name.trim().is_empty() {
            bail!("a [[hosts]] entry has an empty `name`");
        }
        if !names.insert(h.name.as_str()) {
            bail!("[[hosts]] name `{}` appears more than once", h.name);
        }
        if h.ssh.as_deref().unwrap_or(&h.name).starts_with('-') {
            bail!(
                "[[hosts]] `{}`: an ssh destination may not start with `-`",
                h.name
            );
        }
    }
    Ok(config)
}

/// Command line over file over default, for one setting.
#[must_use]
pub fn layer<T>(cli: Option<T>, file: Option<T>, default: T) -> T {
    cli.or(file).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/config")
            .join(name)
    }

    fn error_of(name: &str) -> String {
        let err = load_path(&fixture(name), true).expect_err("must fail");
        format!("{err:#}")
    }

    #[test]
    fn sample_equals_defaults() {
        assert_eq!(parse(SAMPLE).expect("sample parses"), Config::default());
    }

    #[test]
    fn defaults_round_trip_through_toml() {
        let text = toml::to_string(&Config::default()).expect("serialize");
        assert_eq!(parse(&text).expect("parse"), Config::default());
    }

    #[test]
    fn full_file_is_read() {
        let c = parse(
            r#"
refresh = 3
default-grouping = "sender-domain"
theme = "monochrome"
alert-at = 500
config-dir = "/etc/postfix-out"
audit-log = "/var/log/mailq-tui-audit.log"
[colors]
selected = "yellow"
[keys]
x = "delete"
"ctrl-r" = "refresh"
"#,
        )
        .expect("parse");
        assert_eq!(c.refresh, 3);
        assert_eq!(c.default_grouping, GroupKey::SenderDomain);
        assert_eq!(c.theme, Theme::Monochrome);
        assert_eq!(c.alert_at, Some(500));
        assert_eq!(c.config_dir, Some(PathBuf::from("/etc/postfix-out")));
        assert_eq!(c.colors.get("selected").map(String::as_str), Some("yellow"));
        assert_eq!(c.keys.get("ctrl-r").map(String::as_str), Some("refresh"));
    }

    #[test]
    fn hosts_are_read_and_checked() {
        let c = parse(
            r#"
host-timeout = 5
[[hosts]]
name = "mx1"
[[hosts]]
name = "mx2"
ssh = "admin@mx2.example.net"
config-dir = "/etc/postfix-out"
ssh-options = ["-F", "/etc/mailq-tui/ssh_config"]
"#,
        )
        .expect("parse");
        assert_eq!(c.host_timeout, 5);
        let h: Vec<_> = c.hosts.iter().map(HostConfig::to_ssh_host).collect();
        assert_eq!(h[0].destination, "mx1");
        assert_eq!(h[0].config_dir, None);
        assert_eq!(h[1].name, "mx2");
        assert_eq!(h[1].destination, "admin@mx2.example.net");
        assert_eq!(h[1].config_dir, Some(PathBuf::from("/etc/postfix-out")));
        assert_eq!(h[1].ssh_options, ["-F", "/etc/mailq-tui/ssh_config"]);
        let e = format!(
            "{:#}",
            parse("[[hosts]]\nname = \"a\"\n[[hosts]]\nname = \"a\"\n").expect_err("dup")
        );
        assert!(e.contains("more than once"), "{e}");
        let e = format!(
            "{:#}",
            parse("[[hosts]]\nname = \"a\"\nssh = \"-oProxyCommand=x\"\n").expect_err("dash")
        );
        assert!(e.contains("may not start with `-`"), "{e}");
        let e = format!(
            "{:#}",
            parse("[[hosts]]\nname = \"a\"\nport = 22\n").expect_err("unknown")
        );
        assert!(e.contains("unknown field `port`"), "{e}");
    }

    #[test]
    fn hosts_round_trip_through_toml() {
        let mut c = Config {
            host_timeout: 9,
            hosts: vec![
                HostConfig {
                    name: "mx1".into(),
                    ssh: None,
                    config_dir: None,
                    ssh_options: Vec::new(),
                },
                HostConfig {
                    name: "mx2".into(),
                    ssh: Some("admin@mx2.example.net".into()),
                    config_dir: Some(PathBuf::from("/etc/postfix-out")),
                    ssh_options: vec!["-p".into(), "2222".into()],
                },
            ],
            ..Config::default()
        };
        c.keys.insert("x".into(), "delete".into());
        let text = toml::to_string_pretty(&c).expect("serialize");
        assert_eq!(parse(&text).expect("parse"), c, "{text}");
    }

    #[test]
    fn unknown_key_names_the_key_and_the_file() {
        let e = error_of("bad_unknown_key.toml");
        assert!(e.contains("unknown field `refresh-rate`"), "{e}");
        assert!(e.contains("bad_unknown_key.toml"), "{e}");
    }

    #[test]
    fn unknown_key_in_a_table_is_refused() {
        let e = error_of("bad_unknown_key_nested.toml");
        assert!(e.contains("unknown field `extra`"), "{e}");
        assert!(e.contains("bad_unknown_key_nested.toml"), "{e}");
    }

    #[test]
    fn wrong_types_and_values_are_explained() {
        let e = error_of("bad_refresh_type.toml");
        assert!(
            e.contains("refresh = \"fast\"") && e.contains("expected u64"),
            "{e}"
        );
        let e = error_of("bad_theme.toml");
        assert!(e.contains("solarized") && e.contains("monochrome"), "{e}");
        let e = error_of("bad_grouping.toml");
        assert!(e.contains("unknown grouping `domain`"), "{e}");
        assert!(e.contains("rcpt-domain"), "{e}");
        let e = error_of("bad_key_value.toml");
        assert!(
            e.contains("D = 3") && e.contains("expected a string"),
            "{e}"
        );
        let e = error_of("bad_refresh_zero.toml");
        assert!(e.contains("at least 1 second"), "{e}");
        let e = error_of("bad_syntax.toml");
        assert!(e.contains("bad_syntax.toml"), "{e}");
    }

    #[test]
    fn missing_files() {
        let missing = fixture("does-not-exist.toml");
        let e = format!("{:#}", load_path(&missing, true).expect_err("named file"));
        assert!(e.contains("config file not found") && e.contains("does-not-exist.toml"));
        let l = load_path(&missing, false).expect("default file may be missing");
        assert_eq!(l.source, Source::Defaults);
        assert_eq!(l.config, Config::default());
    }

    #[test]
    fn resolution_order() {
        let d = Some(PathBuf::from("/home/u/.config/mailq-tui/config.toml"));
        assert_eq!(
            resolve(Some(Path::new("/x.toml")), Some("/env.toml"), d.clone()),
            Some((PathBuf::from("/x.toml"), true))
        );
        assert_eq!(
            resolve(None, Some("/env.toml"), d.clone()),
            Some((PathBuf::from("/env.toml"), true))
        );
        assert_eq!(
            resolve(None, Some(""), d.clone()),
            d.clone().map(|p| (p, false))
        );
        assert_eq!(resolve(None, None, None), None);
    }

    #[test]
    fn layering() {
        assert_eq!(layer(Some(1), Some(2), 3), 1);
        assert_eq!(layer(None, Some(2), 3), 2);
        assert_eq!(layer(None, None, 3), 3);
    }
}
