//! Helpers shared by the engine tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs `cmd` with `sh -c` in `dir` in the C locale and UTC, plus `env`, and returns its
/// standard output; a failure fails the test naming the Debian `packages` it needs.
pub fn sh_env(cmd: &str, dir: &Path, packages: &str, env: &[(&str, &str)]) -> String {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed (Debian packages needed: {packages}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// [`sh_env`] without extra variables.
pub fn sh(cmd: &str, dir: &Path, packages: &str) -> String {
    sh_env(cmd, dir, packages, &[])
}
