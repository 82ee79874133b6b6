//! Several hosts from the command line: `--host` resolution, running any subcommand per
//! host with labelled output, and `mailq-tui fleet`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};

use crate::cli::{FleetArgs, GlobalOpts};
use crate::config;
use crate::model::fleet::FleetRow;
use crate::model::format::thousands;
use crate::model::text::sanitize;
use crate::postfix::fleet::Fleet;
use crate::postfix::ssh::{DEFAULT_CONNECT_TIMEOUT, SshHost, SshOptions};

/// The hosts the command line names: each `--host` is a `[[hosts]]` name of the config file
/// or else an ssh destination (with `-c DIR` as its Postfix config dir). Without `--host`,
/// `all_if_none` gives every configured host.
///
/// # Errors
/// An unreadable config file; no hosts at all when `all_if_none`; a destination that
/// starts with `-`.
pub fn resolve_hosts(global: &GlobalOpts, all_if_none: bool) -> Result<(Vec<SshHost>, u64)> {
    let loaded = config::load(global.config.as_deref())?;
    let cfg = loaded.config;
    let timeout = config::layer(global.host_timeout, None, cfg.host_timeout);
    if global.hosts.is_empty() && all_if_none {
        if cfg.hosts.is_empty() {
            bail!(
                "no hosts: name them with --host HOST, or list them as [[hosts]] in the config file"
            );
        }
        return Ok((
            cfg.hosts
                .iter()
                .map(config::HostConfig::to_ssh_host)
                .collect(),
            timeout,
        ));
    }
    let mut hosts = Vec::with_capacity(global.hosts.len());
    for name in &global.hosts {
        let host = match cfg.hosts.iter().find(|h| &h.name == name) {
            Some(h) => h.to_ssh_host(),
            None => {
                if name.starts_with('-') || name.trim().is_empty() {
                    bail!("not a host name or ssh destination: {name:?}");
                }
                SshHost {
                    config_dir: global.config_dir.clone(),
                    ..SshHost::new(name)
                }
            }
        };
        if hosts.iter().any(|h: &SshHost| h.name == host.name) {
            bail!("host {name:?} named twice");
        }
        hosts.push(host);
    }
    Ok((hosts, timeout))
}

/// `mailq-tui fleet`: every host listed in parallel, one row each.
///
/// # Errors
/// Host resolution errors; per-host failures are rows, not errors.
pub fn run(global: &GlobalOpts, args: &FleetArgs) -> Result<ExitCode> {
    let (hosts, timeout) = resolve_hosts(global, true)?;
    let fleet = Fleet::new(
        hosts,
        SshOptions {
            timeout: Duration::from_secs(timeout),
            // A short host timeout must not be outlived by ssh's own connect timeout.
            connect_timeout: DEFAULT_CONNECT_TIMEOUT.min(Duration::from_secs(timeout)),
            ..SshOptions::default()
        },
    );
    let rows = fleet.rows(&[]);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        write!(out, "{}", table(&rows))?;
    }
    Ok(if rows.iter().all(|r| r.up) {
        ExitCode::SUCCESS
    } else {
        crate::cli::exit::code(crate::cli::exit::HOST_DOWN)
    })
}

/// The fleet as a text table (names and errors are sanitized in the rows already).
#[must_use]
pub fn table(rows: &[FleetRow]) -> String {
    let name_w = rows
        .iter()
        .map(|r| r.name.chars().count())
        .chain([4])
        .max()
        .unwrap_or(4)
        .min(32);
    let mut s = format!(
        "{:<name_w$}  {:<5} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8} {:<5} {:>7}  {}\n",
        "HOST",
        "STATE",
        "TOTAL",
        "DEFERRED",
        "HOLD",
        "ACTIVE",
        "INCOMING",
        "NDRS",
        "STORM",
        "TOOK",
        "ERROR"
    );
    for r in rows {
        let n = |v: usize| if r.up { thousands(v) } else { "-".to_owned() };
        let name: String = r.name.chars().take(name_w).collect();
        s.push_str(&format!(
            "{name:<name_w$}  {:<5} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8} {:<5} {:>6.2}s  {}\n",
            if r.up { "up" } else { "DOWN" },
            n(r.total),
            n(r.deferred),
            n(r.hold),
            n(r.active),
            n(r.incoming + r.maildrop),
            n(r.ndrs),
            if r.up && r.storm { "STORM" } else { "" },
            // Milliseconds → seconds for display only.
            Duration::from_millis(r.took_ms).as_secs_f64(),
            r.error.as_deref().map(sanitize).unwrap_or_default(),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_up_and_down_hosts() {
        let up = FleetRow {
            name: "mx1".into(),
            instance: "ssh mx1: postfix".into(),
            up: true,
            total: 4000,
            maildrop: 0,
            incoming: 1,
            active: 2,
            deferred: 3992,
            hold: 5,
            ndrs: 3000,
            storm: true,
            growth: Some(12),
            error: None,
            taken_at: Some(1_700_000_000),
            took_ms: 310,
        };
        let down = FleetRow::down(
            "mx2",
            "mx2: cannot reach the host over ssh: refused",
            Duration::from_millis(5),
            None,
        );
        let t = table(&[up, down]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("HOST  STATE"));
        assert!(
            lines[1].starts_with("mx1   up")
                && lines[1].contains("4,000")
                && lines[1].contains("STORM"),
            "{t}"
        );
        assert!(lines[1].contains("0.31s"), "{t}");
        assert!(
            lines[2].starts_with("mx2   DOWN") && lines[2].ends_with("refused"),
            "{t}"
        );
        assert!(!lines[2].contains("STORM"));
    }

    #[test]
    fn hosts_resolve_from_config_then_as_destinations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = dir.path().join("config.toml");
        std::fs::write(
            &cfg,
            "host-timeout = 7\n[[hosts]]\nname = \"mx1\"\nssh = \"root@10.0.0.1\"\nconfig-dir = \"/etc/pf\"\n",
        )
        .expect("write");
        let mut g = GlobalOpts {
            config: Some(cfg),
            hosts: vec!["mx1".into(), "admin@mx9".into()],
            config_dir: Some("/etc/postfix-out".into()),
            ..GlobalOpts::default()
        };
        let (hosts, timeout) = resolve_hosts(&g, false).expect("resolve");
        assert_eq!(timeout, 7);
        assert_eq!(hosts[0].destination, "root@10.0.0.1");
        assert_eq!(hosts[0].config_dir, Some("/etc/pf".into()));
        assert_eq!(hosts[1].name, "admin@mx9");
        assert_eq!(hosts[1].config_dir, Some("/etc/postfix-out".into()));
        g.hosts = vec!["-oProxyCommand=x".into()];
        assert!(resolve_hosts(&g, false).is_err());
        g.hosts = vec!["a".into(), "a".into()];
        assert!(resolve_hosts(&g, false).is_err());
        g.hosts.clear();
        let (all, _) = resolve_hosts(&g, true).expect("all configured");
        assert_eq!(all.len(), 1);
        g.host_timeout = Some(3);
        assert_eq!(resolve_hosts(&g, true).expect("resolve").1, 3);
    }
}
