//! Bad bzip2 input: clear errors, the output limit, and no panics. Fixtures are made by
//! `bzip2` (Debian package `bzip2`) and then damaged.

mod common;

use common::counting as data;
use reproscope_formats::bzip2::Bzip2;
use reproscope_formats::{Limits, Opened};

fn bzip2(args: &str, data: &[u8]) -> Vec<u8> {
    common::filter(&format!("bzip2 -c {args}"), data, "bzip2")
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Bzip2, bytes, "x.bz2", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

#[test]
fn truncated_header_and_data() {
    let f = bzip2("", &data());
    assert_eq!(
        open(&f[..3]).unwrap_err(),
        "bzip2 stream 0 truncated in its header at offset 0x0"
    );
    for cut in [f.len() / 2, f.len() - 1] {
        assert_eq!(
            open(&f[..cut]).unwrap_err(),
            format!("bzip2 stream 0 truncated: the input ends at offset {cut:#x} before the end-of-stream marker")
        );
    }
}

#[test]
fn bad_magic_and_level() {
    let mut f = bzip2("", b"abc");
    f[3] = b'0';
    assert_eq!(
        open(&f).unwrap_err(),
        "bzip2 stream 0 at offset 0x0: bad block size level 0x30"
    );
    assert_eq!(
        open(b"BZx9....").unwrap_err(),
        "bzip2 stream 0 at offset 0x0: bad magic"
    );
}

#[test]
fn crc_mismatch_and_corrupt_data() {
    // The stored combined CRC ends in the last byte (or the one before it, for padding).
    let f = bzip2("", &data());
    let n = f.len();
    let mut b = f.clone();
    b[n - 2] ^= 0x10;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with("bzip2 stream 0: corrupt data or CRC mismatch near offset 0x"),
        "{e}"
    );
    // The first block's CRC is byte-aligned, right after "BZh9" and the block magic.
    let mut b = f.clone();
    b[10] ^= 0x01;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with("bzip2 stream 0: corrupt data or CRC mismatch near offset 0x"),
        "{e}"
    );
}

#[test]
fn decompression_over_the_limit() {
    let f = bzip2("-9", &vec![0u8; 8 << 20]);
    assert!(f.len() < 2000);
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&f, &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    let one = bzip2("", &vec![0u8; 600 << 10]);
    assert_eq!(
        open_with(&[one.clone(), one].concat(), &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    let exact = Limits {
        max_decompressed: 3,
        ..Limits::default()
    };
    assert_eq!(open_with(&bzip2("", b"abc"), &exact).unwrap().members[0].size, 3);
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let mut v = bzip2("-1", &data()[..3000]);
    v.extend_from_slice(&bzip2("-9", b"second"));
    v.extend_from_slice(b"tail");
    assert_eq!(open_with(&v, &small).unwrap().members[0].size, 3006);
    common::no_panic_on_damage(&Bzip2, &v, "x.bz2", &small);
}
