//! Inputs as they come and reports that cannot be driven by them: pipes, FIFOs and `-` read as
//! streams, devices reported by type and never read, control characters in names and lines
//! shown rather than obeyed, and the same report for the same inputs under any load.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{run, s, write};
use reproscope_formats::cpio::{write_newc, WriteEntry};

/// Runs `script` with bash (for process substitution), `$R` naming the binary; gives up (and
/// fails the test) after 120 s, since the bug this guards against is a hang.
fn bash(script: &str) -> (i32, String, String) {
    let mut child = Command::new("bash")
        .args(["-c", script])
        .env("R", env!("CARGO_BIN_EXE_reproscope"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("`{script}` did not end within 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn process_substitution_is_read_as_streams() {
    let (code, out, err) = bash(r#""$R" diff <(echo a) <(echo b)"#);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("-a") && out.contains("+b"), "{out}");
    let (code, out, err) = bash(r#""$R" diff <(echo a) <(echo a)"#);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn fifos_fed_in_either_order_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let d = s(dir.path());
    // The writer fills the second FIFO first: reading the first to its end before opening the
    // second would wait forever.
    let script = format!(
        r#"cd {d} && mkfifo x y || exit 9; (printf 'second\n' >y; printf 'first\n' >x) </dev/null >/dev/null 2>&1 & "$R" diff x y"#
    );
    let (code, out, err) = bash(&script);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("-first") && out.contains("+second"), "{out}");
}

#[test]
fn standard_input_as_dash() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "f", b"hello\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["diff", "-", s(&f)])
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hullo\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("-hullo") && out.contains("+hello"), "{out}");
    let o = run(&["diff", "-", "-"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("both inputs are standard input"), "{}", o.stderr);
}

#[test]
fn measure_of_a_pipe_digests_its_bytes() {
    let (code, out, err) = bash(r#""$R" measure <(printf abc)"#);
    assert_eq!(code, 0, "{err}");
    // sha256("abc"), FIPS 180-2 appendix B.1.
    assert!(
        out.contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        "{out}"
    );
}

#[test]
fn devices_are_named_by_type_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "f", b"x\n");
    let o = run(&["diff", "/dev/null", s(&f)]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("type: character device → file"), "{}", o.stdout);
    // /dev/zero would never end if it were read.
    let o = run(&["diff", "/dev/zero", "/dev/null"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("device: 1:5 → 1:3"), "{}", o.stdout);
    assert_eq!(run(&["diff", "/dev/zero", "/dev/zero"]).code, 0);
    for cmd in ["measure", "ls"] {
        let o = run(&[cmd, "/dev/zero"]);
        assert_eq!(o.code, 2, "{cmd}");
        assert!(
            o.stderr
                .contains("/dev/zero: cannot read: is a character device; not read"),
            "{}",
            o.stderr
        );
    }
}

fn entry(name: &str, data: &[u8]) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode: 0o100644,
        mtime: 1_704_067_200,
        data: data.to_vec(),
        ..Default::default()
    }
}

/// A member name and a text line that would clear a line and rewrite it on a terminal are
/// printed with their control characters spelled out; the JSON report keeps them exactly.
#[test]
fn control_characters_are_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "etc/\x1b[2K\x1b[1Aok\u{202e}txt";
    // Enough ordinary text around the control characters that the member is still text.
    let body = "an ordinary line of configuration text\n".repeat(8);
    let (before, after) = (format!("line\n{body}"), format!("line\r\x1b[31mfake\n{body}"));
    let a = write(
        dir.path(),
        "a.cpio",
        &write_newc(&[entry(evil, before.as_bytes()), entry("etc/conf", b"key = 1\n")]),
    );
    let b = write(
        dir.path(),
        "b.cpio",
        &write_newc(&[entry(evil, after.as_bytes()), entry("etc/conf", b"key = 2\n")]),
    );
    for color in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_reproscope"));
        cmd.args(["diff", s(&a), s(&b)]);
        if color {
            cmd.env("CLICOLOR_FORCE", "1").arg("--color=always");
        } else {
            cmd.env("NO_COLOR", "1");
        }
        let o = cmd.output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(out.contains(r"etc/\x1b[2K\x1b[1Aok\u{202e}txt"), "{out}");
        assert!(out.contains(r"+line\r\x1b[31mfake"), "{out}");
        assert!(!out.contains('\r') && !out.contains('\u{202e}'), "{out:?}");
        // The only escape sequences left are the report's own colours.
        let stray = out.match_indices('\x1b').filter(|(i, _)| {
            let rest = &out[i + 1..];
            !(rest.starts_with('[')
                && rest[1..]
                    .find('m')
                    .is_some_and(|m| rest[1..1 + m].bytes().all(|c| c.is_ascii_digit() || c == b';')))
        });
        assert_eq!(stray.count(), 0, "{out:?}");
        if !color {
            assert!(!out.contains('\x1b'), "{out:?}");
        }
    }
    let o = run(&["ls", s(&a)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains(r"etc/\x1b[2K\x1b[1Aok\u{202e}txt"), "{}", o.stdout);
    assert!(!o.stdout.contains('\x1b'), "{:?}", o.stdout);
    let o = run(&["diff", s(&a), s(&b), "--json", "-"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(o.stdout.contains(r"etc/\u001b[2K\u001b[1Aok"), "{}", o.stdout);
    assert!(v.to_string().contains('\u{202e}'));
}

/// Text and JSON comparisons have no clock in them: two large, mostly unrelated texts and JSON
/// arrays give byte-identical reports on an idle machine and with every core busy.
#[test]
fn same_report_idle_and_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let text = |seed: u64| -> String {
        let mut x = seed;
        (0..60_000)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                if i % 3 == 0 {
                    format!("line {i}\n")
                } else {
                    format!("value {}\n", x >> 52)
                }
            })
            .collect()
    };
    let json = |seed: u64| -> String {
        let mut x = seed;
        let items: Vec<String> = (0..40_000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                format!("{}", x >> 54)
            })
            .collect();
        format!("[{}]\n", items.join(","))
    };
    let (ta, tb) = (
        write(dir.path(), "a.txt", text(1).as_bytes()),
        write(dir.path(), "b.txt", text(2).as_bytes()),
    );
    let (ja, jb) = (
        write(dir.path(), "a.json", json(1).as_bytes()),
        write(dir.path(), "b.json", json(2).as_bytes()),
    );
    let reports = || {
        [(&ta, &tb), (&ja, &jb)]
            .map(|(a, b)| {
                let o = run(&["diff", s(a), s(b), "--json", "-"]);
                assert_eq!(o.code, 1, "{}", o.stderr);
                o.stdout
            })
            .concat()
    };
    let idle = reports();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut load: Vec<_> = (0..cores * 2)
        .map(|_| Command::new("sh").args(["-c", "while :; do :; done"]).spawn().unwrap())
        .collect();
    let busy = reports();
    for c in &mut load {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert!(idle == busy, "the reports differ under load");
}
