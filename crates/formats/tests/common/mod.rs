//! Helpers shared by the format tests: run the real tools, open bytes with a format, damage
//! valid input without panicking, build cpio entries.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use reproscope_formats::cpio::WriteEntry;
use reproscope_formats::{Blob, Data, Format, Limits, Opened, Value};

/// Runs `cmd` with `sh -c` in `dir` (C locale, UTC) feeding `stdin`; fails the test with the
/// Debian `packages` to install when the command fails.
pub fn run_sh(cmd: &str, dir: &Path, stdin: &[u8], packages: &str) -> Vec<u8> {
    run_sh_env(cmd, dir, stdin, packages, &[("LC_ALL", "C"), ("TZ", "UTC")])
}

/// [`run_sh`] with the environment variables `env` instead of the C locale and UTC.
pub fn run_sh_env(cmd: &str, dir: &Path, stdin: &[u8], packages: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let mut command = Command::new("sh");
    command.args(["-c", cmd]).current_dir(dir);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    // Feed stdin from a thread so a tool that writes before it has read everything cannot block.
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages {packages} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs the filter `cmd` (e.g. `xz -c`) on `stdin` in the current directory and returns its
/// output; fails the test with the Debian `packages` to install when the command fails.
pub fn filter(cmd: &str, stdin: &[u8], packages: &str) -> Vec<u8> {
    run_sh(cmd, Path::new("."), stdin, packages)
}

/// Opens `bytes` called `name` with `format` under `limits`, then loads every member's data
/// (formats may decode it lazily, as a comparison would); an error becomes its message.
pub fn open_with(format: &dyn Format, bytes: &[u8], name: &str, limits: &Limits) -> Result<Opened, String> {
    // Every format's identification sees damaged bytes too (inputs and members are offered to
    // all of them), so none may panic on them.
    for f in reproscope_formats::FORMATS {
        f.identify(&bytes[..bytes.len().min(reproscope_formats::registry::HEAD)], name);
    }
    let opened = format
        .open(&Blob::from_vec(bytes.to_vec()), name, limits)
        .map_err(|e| e.message)?;
    for m in &opened.members {
        if let Some(d) = &m.data {
            d.load_with(limits).map_err(|e| e.message)?;
        }
    }
    Ok(opened)
}

/// Opens `bytes` called `name` with `format` under the default limits; fails the test on an error.
pub fn open_ok(format: &dyn Format, bytes: &[u8], name: &str) -> Opened {
    format
        .open(&Blob::from_vec(bytes.to_vec()), name, &Limits::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every prefix of `bytes` and every single-byte flip (by 0x01, 0x10, 0x80, 0xff) must give a
/// result or an error under `limits`, never a panic.
pub fn no_panic_on_damage(format: &dyn Format, bytes: &[u8], name: &str, limits: &Limits) {
    for len in 0..bytes.len() {
        let _ = open_with(format, &bytes[..len], name, limits);
    }
    for i in 0..bytes.len() {
        for x in [0x01u8, 0x10, 0x80, 0xff] {
            let mut b = bytes.to_vec();
            b[i] ^= x;
            let _ = open_with(format, &b, name, limits);
        }
    }
}

/// The value of the node's field `name`.
pub fn field<'a>(o: &'a Opened, name: &str) -> Option<&'a Value> {
    o.fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

/// The content of the first member, which must be a blob.
pub fn content(o: &Opened) -> Vec<u8> {
    match &o.members[0].data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("{other:?}"),
    }
}

/// `len` bytes of text with some repetition, so compression levels matter.
pub fn sample(len: usize) -> Vec<u8> {
    let mut x: u32 = 12345;
    (0..len)
        .map(|i| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if i % 7 == 0 {
                b"abcdefgh"[(x >> 16) as usize % 8]
            } else {
                b'a' + (i % 26) as u8
            }
        })
        .collect()
}

/// 80,000 bytes counting 0..251 as little-endian u32s: a fixture for the error tests.
pub fn counting() -> Vec<u8> {
    (0..20_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect()
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
