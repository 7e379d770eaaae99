//! Bad gzip input: clear errors, a decompression-bomb guard, and no panics.

mod common;

use common::counting as data;
use reproscope_formats::gzip::{compress, Gzip};
use reproscope_formats::{Limits, Opened};

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Gzip, bytes, "x.gz", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

#[test]
fn corrupted_crc() {
    let d = data();
    let mut gz = compress(&d, 6);
    let at = gz.len() - 8;
    gz[at] ^= 0x55;
    let stored = u32::from_le_bytes(gz[at..at + 4].try_into().unwrap());
    assert_eq!(
        open(&gz).unwrap_err(),
        format!(
            "gzip member 0: CRC mismatch (stored {stored:#010x}, computed {:#010x})",
            crc32fast::hash(&d)
        )
    );
}

#[test]
fn wrong_isize() {
    let mut gz = compress(b"abc", 6);
    let at = gz.len() - 4;
    gz[at] = 4;
    assert_eq!(
        open(&gz).unwrap_err(),
        "gzip member 0: size mismatch (stored ISIZE 4, decompressed 3 bytes)"
    );
}

#[test]
fn truncated_in_deflate_data() {
    let gz = compress(&data(), 6);
    let e = open(&gz[..gz.len() / 2]).unwrap_err();
    assert_eq!(
        e,
        format!(
            "gzip member 0 truncated: the deflate data ends at offset {:#x} before its last block",
            gz.len() / 2
        )
    );
}

#[test]
fn truncated_in_trailer_and_header() {
    let gz = compress(b"abc", 6);
    let e = open(&gz[..gz.len() - 3]).unwrap_err();
    assert_eq!(
        e,
        format!(
            "gzip member 0 truncated: its 8-byte trailer at offset {:#x} has only 5 bytes",
            gz.len() - 8
        )
    );
    assert_eq!(
        open(&gz[..6]).unwrap_err(),
        "gzip member 0 truncated in its header at offset 0x0"
    );
    // A second member cut inside its header.
    let mut two = gz.clone();
    two.extend_from_slice(&gz[..5]);
    assert_eq!(
        open(&two).unwrap_err(),
        format!("gzip member 1 truncated in its header at offset {:#x}", gz.len())
    );
}

#[test]
fn decompression_over_the_limit() {
    // 8 MiB of zeros compresses to about 8 KiB: a small bomb.
    let gz = compress(&vec![0u8; 8 << 20], 9);
    assert!(gz.len() < 20_000);
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&gz, &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    // The limit counts all members together.
    let one = compress(&vec![0u8; 600 << 10], 9);
    let two = [one.clone(), one].concat();
    assert_eq!(
        open_with(&two, &limits).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
}

#[test]
fn bad_header_fields() {
    let mut gz = compress(b"abc", 6);
    gz[3] = 0x20;
    assert_eq!(
        open(&gz).unwrap_err(),
        "gzip member 0 at offset 0x0: reserved flag bits set (0x20)"
    );
    let mut gz = compress(b"abc", 6);
    gz[4] ^= 1;
    gz[3] = 0x02; // FHCRC with a header CRC that cannot match.
    gz.splice(10..10, [0, 0]);
    let e = open(&gz).unwrap_err();
    assert!(
        e.starts_with("gzip member 0: header CRC mismatch (stored 0x0000, computed 0x"),
        "{e}"
    );
}

#[test]
fn invalid_deflate_data() {
    let mut gz = compress(b"abc", 6);
    gz[10] = 0xff; // BTYPE 11 is reserved.
    let e = open(&gz).unwrap_err();
    assert!(
        e.starts_with("gzip member 0: invalid deflate data near offset 0x"),
        "{e}"
    );
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let one = compress(&data()[..3000], 6);
    let mut valid = one.clone();
    valid.extend_from_slice(&compress(b"second", 1));
    valid.extend_from_slice(&[0, 0, 1, 2]);
    // A header with every optional field.
    let mut full = vec![
        0x1f, 0x8b, 8, 0x1f, 1, 2, 3, 4, 0, 3, 3, 0, b'a', b'b', b'c', b'n', 0, b'c', 0,
    ];
    let hcrc = crc32fast::hash(&full) as u16;
    full.extend_from_slice(&hcrc.to_le_bytes());
    full.extend_from_slice(&one[10..]);
    let o = open(&full).unwrap();
    assert_eq!(o.members[0].size, 3000);

    for v in [valid, full] {
        common::no_panic_on_damage(&Gzip, &v, "x.gz", &small);
    }
}
