//! Helpers shared by the format tests: run the real tools, build cpio entries.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use reproscope_formats::cpio::WriteEntry;

/// Runs `cmd` with `sh -c` in `dir` (C locale, UTC) feeding `stdin`; fails the test with the
/// Debian `packages` to install when the command fails.
pub fn run_sh(cmd: &str, dir: &Path, stdin: &[u8], packages: &str) -> Vec<u8> {
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages {packages} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A cpio entry owned by root with a fixed mtime.
pub fn entry(name: &str, mode: u32, data: &[u8]) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode,
        uid: 0,
        gid: 0,
        mtime: 1_700_000_000,
        data: data.to_vec(),
        rdev: (0, 0),
    }
}
