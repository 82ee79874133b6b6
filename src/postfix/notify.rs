//! The programs `mailq-tui watch` runs to announce an alert: the configured alert command
//! and the local `sendmail`. Both go through the one process runner ([`super::process`]):
//! stdin fed from a thread, stderr drained, the process group killed after a timeout.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::PostfixError;
use super::process::run;
use crate::model::text::{sanitize_bytes, snippet};

/// How long an alert command or sendmail may run before it is killed.
pub const ACTION_TIMEOUT: Duration = Duration::from_secs(30);

fn check(program: &str, done: &super::process::Finished) -> Result<(), PostfixError> {
    if done.status.success() {
        return Ok(());
    }
    Err(PostfixError::Exit {
        program: program.to_owned(),
        code: done.status.code().unwrap_or(-1),
        stderr: snippet(&sanitize_bytes(&done.stderr), 300),
    })
}

/// Run `argv` (no shell) with `env` added to the environment and `input` on stdin.
///
/// # Errors
/// The program cannot start, fails, or runs longer than [`ACTION_TIMEOUT`].
pub fn run_alert_command(
    argv: &[String],
    env: &[(String, String)],
    input: Vec<u8>,
) -> Result<(), PostfixError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(PostfixError::NotFound("alert-command (empty)".to_owned()));
    };
    let mut cmd = Command::new(program);
    cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
    let done = run(program, cmd, Some(input), |_| {}, ACTION_TIMEOUT)?;
    check(program, &done)
}

/// Hand a complete message (headers and body) to `sendmail -i [-f FROM] -- TO…`. The
/// recipients come from the arguments, never from the headers, so nothing in the text can
/// add one.
///
/// # Errors
/// sendmail cannot start, fails, or hangs.
pub fn sendmail(
    sendmail: &Path,
    from: Option<&str>,
    to: &[String],
    message: &str,
) -> Result<(), PostfixError> {
    let mut cmd = Command::new(sendmail);
    cmd.arg("-i");
    if let Some(f) = from {
        cmd.arg("-f").arg(f);
    }
    cmd.arg("--").args(to);
    let name = sendmail.display().to_string();
    let done = run(
        &name,
        cmd,
        Some(message.as_bytes().to_vec()),
        |_| {},
        ACTION_TIMEOUT,
    )?;
    check(&name, &done)
}
