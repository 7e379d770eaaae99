//! Bad xz input: clear errors, the output limit, the decoder memory limit, and no panics.
//! Fixtures are made by `xz` (Debian package `xz-utils`) and then damaged.

mod common;

use common::counting as data;
use reproscope_formats::xz::Xz;
use reproscope_formats::{Limits, Opened};

fn xz(args: &str, data: &[u8]) -> Vec<u8> {
    common::filter(&format!("xz {args}"), data, "xz-utils")
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Xz, bytes, "x.xz", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

/// Offset of the index of a single-stream file (from the footer's backward size).
fn index_start(f: &[u8]) -> usize {
    let b = &f[f.len() - 8..f.len() - 4];
    let backward = (u32::from_le_bytes(b.try_into().unwrap()) as usize + 1) * 4;
    f.len() - 12 - backward
}

#[test]
fn truncated_header_and_data() {
    let f = xz("-c", &data());
    assert_eq!(
        open(&f[..7]).unwrap_err(),
        "xz stream 0 truncated in its header at offset 0x0"
    );
    assert_eq!(
        open(&f[..f.len() / 2]).unwrap_err(),
        format!(
            "xz stream 0 truncated: the input ends at offset {:#x} before the end of the stream",
            f.len() / 2
        )
    );
    // Cut inside the footer.
    assert_eq!(
        open(&f[..f.len() - 1]).unwrap_err(),
        format!(
            "xz stream 0 truncated: the input ends at offset {:#x} before the end of the stream",
            f.len() - 1
        )
    );
}

#[test]
fn header_crc_and_flags() {
    let mut f = xz("-c", b"abc");
    f[8] ^= 0xff;
    let e = open(&f).unwrap_err();
    assert!(
        e.starts_with("xz stream 0 at offset 0x0: header CRC mismatch (stored 0x"),
        "{e}"
    );
    let mut f = xz("-c", b"abc");
    f[7] = 0x14;
    let crc = crc32fast::hash(&f[6..8]).to_le_bytes();
    f[8..12].copy_from_slice(&crc);
    assert_eq!(
        open(&f).unwrap_err(),
        "xz stream 0 at offset 0x0: unsupported stream flags 0x00 0x14"
    );
}

#[test]
fn corrupted_integrity_check() {
    let mut f = xz("-c", &data());
    let at = index_start(&f) - 1; // last byte of the block's CRC64
    f[at] ^= 0x01;
    let e = open(&f).unwrap_err();
    assert!(
        e.starts_with("xz stream 0: corrupt data or integrity check mismatch near offset 0x"),
        "{e}"
    );
}

#[test]
fn corrupted_compressed_data() {
    let mut f = xz("-c", &data());
    let mid = f.len() / 2;
    for b in &mut f[mid..mid + 16] {
        *b ^= 0x5a;
    }
    let e = open(&f).unwrap_err();
    assert!(
        e.starts_with("xz stream 0: corrupt data or integrity check mismatch near offset 0x"),
        "{e}"
    );
}

#[test]
fn bad_stream_padding() {
    let one = xz("-c", b"abc");
    let mut f = one.clone();
    f.extend_from_slice(&[0; 3]);
    f.extend_from_slice(&one);
    assert_eq!(
        open(&f).unwrap_err(),
        format!(
            "xz stream padding of 3 bytes at offset {:#x} is not a multiple of 4",
            one.len()
        )
    );
    // A second stream cut inside its header.
    let mut f = one.clone();
    f.extend_from_slice(&one[..6]);
    assert_eq!(
        open(&f).unwrap_err(),
        format!("xz stream 1 truncated in its header at offset {:#x}", one.len())
    );
}

#[test]
fn decompression_over_the_limit() {
    let f = xz("-9 -c", &vec![0u8; 8 << 20]);
    assert!(f.len() < 20_000);
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&f, &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    // Exactly at the limit is fine; the limit counts all streams together.
    let one = xz("-c", &vec![0u8; 600 << 10]);
    let exact = Limits {
        max_decompressed: 600 << 10,
        ..Limits::default()
    };
    assert_eq!(open_with(&one, &exact).unwrap().members[0].size, 600 << 10);
    assert_eq!(
        open_with(&[one.clone(), one].concat(), &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
}

#[test]
fn dictionary_beyond_the_memory_limit() {
    // A 4 GiB dictionary (LZMA2 property 40) in the block header, with its CRC fixed: the
    // decoder would need more memory than allowed.
    let mut f = xz("-0 -c", b"abc");
    let h = 12;
    assert_eq!(
        &f[h + 2..h + 4],
        &[0x21, 0x01],
        "block header: LZMA2 with one property byte"
    );
    f[h + 4] = 40;
    let size = (f[h] as usize + 1) * 4;
    let crc = crc32fast::hash(&f[h..h + size - 4]).to_le_bytes();
    f[h + size - 4..h + size].copy_from_slice(&crc);
    assert_eq!(
        open(&f).unwrap_err(),
        "xz stream 0: needs more than 134217728 bytes of memory to decompress (dictionary too large; \
         raise the limit with --max-codec-memory)"
    );
}

#[test]
fn not_xz() {
    assert_eq!(
        open(b"\xfd7zXZ\x01\x00\x00\x00\x00\x00\x00").unwrap_err(),
        "xz stream 0 at offset 0x0: bad magic"
    );
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let mut multi = xz("-0 -c", &data()[..2000]);
    multi.extend_from_slice(&[0; 4]);
    multi.extend_from_slice(&xz("-0 --check=sha256 -T2 --block-size=700 -c", &data()[..2000]));
    multi.extend_from_slice(b"tail");
    let o = open_with(&multi, &small).unwrap();
    assert_eq!(o.members[0].size, 4000);
    common::no_panic_on_damage(&Xz, &multi, "x.xz", &small);
}
