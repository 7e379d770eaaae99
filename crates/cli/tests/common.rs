//! Shared helpers for the CLI tests: run the real binary, write sample images.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The run's own peak resident memory, in KiB (from `wait4`).
    pub rss_kb: i64,
}

/// The most resident memory any run on hostile input may take, in KiB.
pub const MAX_RSS_KB: i64 = 300 << 10;

/// Longest a run may take: past it the run is killed and the test fails (a hang is a bug).
pub const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs reproscope and waits for it with `wait4`, which gives this child's own peak RSS (and
/// reaps it, so `Child::wait` is not called). A death by signal, or a run past [`TIME_LIMIT`],
/// fails the test.
#[allow(clippy::zombie_processes)]
pub fn run(args: &[&str]) -> Out {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reproscope");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let pid = child.id() as libc::pid_t;
    let start = std::time::Instant::now();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it and the status for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) };
        if r == pid {
            break;
        }
        assert_eq!(r, 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > TIME_LIMIT {
            // SAFETY: our own child, not yet reaped, so the pid is still ours.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut ru);
            }
            panic!("reproscope {args:?} still running after {TIME_LIMIT:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    assert!(
        libc::WIFEXITED(status),
        "reproscope {args:?} died by signal {}\n{stderr}",
        libc::WTERMSIG(status)
    );
    Out {
        code: libc::WEXITSTATUS(status),
        stdout,
        stderr,
        rss_kb: ru.ru_maxrss,
    }
}

/// Runs a hostile case and checks what every run must: an exit status in `codes` (never a
/// panic or a signal) and a peak RSS within [`MAX_RSS_KB`]; prints both for the record.
pub fn check(what: &str, args: &[&str], codes: &[i32]) -> Out {
    let r = run(args);
    eprintln!(
        "{what}: reproscope {} → exit {}, peak RSS {} MB\n  {}",
        args.join(" "),
        r.code,
        r.rss_kb >> 10,
        r.stderr.lines().last().unwrap_or("")
    );
    assert!(
        codes.contains(&r.code),
        "{what}: exit {} (expected {codes:?})\nstdout: {}\nstderr: {}",
        r.code,
        &r.stdout[..r.stdout.len().min(4000)],
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    assert!(r.rss_kb <= MAX_RSS_KB, "{what}: peak RSS {} MB", r.rss_kb >> 10);
    r
}

/// Fails the test when a tool it needs is missing: a test never passes without checking.
pub fn need(tools: &[&str]) {
    for tool in tools {
        assert!(
            installed(tool),
            "{tool} is not installed: this test needs it (.ci/run installs it)"
        );
    }
}

fn installed(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether all `tools` are installed: under CI=true a missing one fails the test, elsewhere the
/// test prints "skipped" and should return.
pub fn have(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !installed(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "missing {missing:?}: this test needs them (.ci/run installs them)"
    );
    eprintln!("skipped: {missing:?} not installed");
    false
}

/// Runs `script` with `sh -e` in `dir`; a failure fails the test.
pub fn sh(dir: &Path, script: &str) {
    let st = Command::new("sh")
        .args(["-ec", script])
        .current_dir(dir)
        .status()
        .expect("run sh");
    assert!(st.success(), "failed: {script}");
}

pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every changed/added/removed leaf in reproscope's JSON: (path, change) with the path joined by
/// '/' from below the root, skipping nodes whose only changes are derived.
pub fn leaf_changes(v: &serde_json::Value) -> Vec<(String, String)> {
    fn go(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        let details = v["details"].as_array().cloned().unwrap_or_default();
        let change = v["change"].as_str().unwrap_or("changed").to_string();
        let own_fields = v["fields"]
            .as_array()
            .map(|f| f.iter().any(|x| x.get("derived").is_none()))
            .unwrap_or(false);
        let own = change != "changed" || own_fields || !v["unified_diff"].is_null();
        if !path.is_empty() && own {
            out.push((path.join("/"), change.clone()));
        }
        for c in &details {
            let name = if c["change"] == "added" {
                &c["source2"]
            } else {
                &c["source1"]
            };
            path.push(name.as_str().unwrap_or("?").to_string());
            go(c, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    go(v, &mut Vec::new(), &mut out);
    out
}
