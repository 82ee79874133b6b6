//! Asking Postfix's own `postmap -q - pcre:` which lines a table matches (storm rule tests).

use std::io::Write;
use std::process::{Command, Stdio};

/// Lines of `lines` that the table (all `rules`) matches, asked of postmap directly.
pub fn postmap_hits(rules: &[String], lines: &[String]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("checks");
    std::fs::write(&file, rules.join("\n") + "\n").expect("write");
    let mut child = Command::new("postmap")
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .args(["-q", "-", &format!("pcre:{}", file.display())])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("postmap");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("join").expect("write");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("warning") && !err.contains("fatal"),
        "postmap: {err}"
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.rsplit_once('\t').map_or(l, |(k, _)| k).to_owned())
        .collect()
}
