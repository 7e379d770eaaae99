//! Small enclave images built from built-in content, byte-deterministic.
//!
//! The layout follows a real Nitro enclave image: a kernel, its command line, a bootstrap
//! ramdisk (gzip'd cpio with init) and an application ramdisk made of an uncompressed early
//! cpio followed by a gzip'd cpio — the shape that hides files from tools reading one archive.

use reproscope_formats::cpio::{write_newc, WriteEntry};
use reproscope_formats::eif::{write, EifSpec};
use reproscope_formats::gzip::compress;

/// 2024-01-01 00:00:00 UTC: the sample's SOURCE_DATE_EPOCH.
pub const EPOCH: u32 = 1_704_067_200;

/// How the second build differs from the first.
#[derive(Clone, Copy, Debug, Default)]
pub struct Variant {
    /// One line of etc/app.conf edited.
    pub edit_config: bool,
    /// app/run.sh carries the build time instead of the epoch.
    pub touch_mtime: bool,
    /// An extra file, etc/build-info.txt, in the application ramdisk.
    pub add_file: bool,
}

pub const CMDLINE: &str = "reboot=k panic=30 pci=off nomodules console=ttyS0 random.trust_cpu=on root=/dev/ram0";

/// Deterministic filler bytes (xorshift), standing in for a kernel image or a binary.
pub fn filler(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn dir(name: &str) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode: 0o040755,
        uid: 0,
        gid: 0,
        mtime: EPOCH,
        data: Vec::new(),
        rdev: (0, 0),
    }
}

fn file(name: &str, mode: u32, data: Vec<u8>) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode: 0o100000 | mode,
        uid: 0,
        gid: 0,
        mtime: EPOCH,
        data,
        rdev: (0, 0),
    }
}

/// The bootstrap ramdisk: init and the NSM driver stand-in.
pub fn bootstrap_ramdisk() -> Vec<u8> {
    let entries = vec![
        dir("dev"),
        dir("proc"),
        file("init", 0o755, filler(48 * 1024, 1)),
        file("nsm.ko", 0o644, filler(16 * 1024, 2)),
    ];
    compress(&write_newc(&entries), 9)
}

/// The application ramdisk: an uncompressed early cpio, then a gzip'd cpio with the root fs.
pub fn app_ramdisk(v: &Variant) -> Vec<u8> {
    let early = write_newc(&[dir("kernel"), file("kernel/early-config", 0o644, b"early=1\n".to_vec())]);
    let conf = if v.edit_config {
        "# app configuration\nlisten = 0.0.0.0:8443\nlog_level = debug\nworkers = 4\n"
    } else {
        "# app configuration\nlisten = 0.0.0.0:8443\nlog_level = info\nworkers = 4\n"
    };
    let mut run = file(
        "app/run.sh",
        0o755,
        b"#!/bin/sh\nexec /app/server --config /etc/app.conf\n".to_vec(),
    );
    if v.touch_mtime {
        run.mtime = EPOCH + 86_400;
    }
    let mut entries = vec![
        dir("app"),
        run,
        file("app/server", 0o755, filler(256 * 1024, 3)),
        dir("etc"),
        file("etc/app.conf", 0o644, conf.as_bytes().to_vec()),
        file("etc/hostname", 0o644, b"enclave\n".to_vec()),
    ];
    if v.add_file {
        entries.push(file("etc/build-info.txt", 0o644, b"built-by: ci-runner-7\n".to_vec()));
    }
    let mut out = early;
    out.extend(compress(&write_newc(&entries), 9));
    out
}

/// A whole enclave image.
pub fn build_eif(v: &Variant) -> Vec<u8> {
    let kernel = filler(512 * 1024, 42);
    let r0 = bootstrap_ramdisk();
    let r1 = app_ramdisk(v);
    write(&EifSpec {
        kernel: &kernel,
        cmdline: CMDLINE,
        ramdisks: vec![&r0, &r1],
        metadata: Some(serde_json::json!({
            "ImageName": "reproscope-demo",
            "ImageVersion": "1.0",
            "BuildMetadata": {"BuildTime": "2024-01-01T00:00:00Z", "BuildTool": "reproscope", "BuildToolVersion": env!("CARGO_PKG_VERSION")},
        })),
        arch_arm64: false,
    })
}
