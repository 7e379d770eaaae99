//! Bad lz4 input: clear errors, the output limit, and no panics. Fixtures are made by `lz4`
//! (Debian package `lz4`) and then damaged.

mod common;

use common::counting as data;
use reproscope_formats::lz4::Lz4;
use reproscope_formats::{Limits, Opened};

fn lz4(args: &str, data: &[u8]) -> Vec<u8> {
    common::filter(&format!("lz4 -q -c {args}"), data, "lz4")
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Lz4, bytes, "x.lz4", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

#[test]
fn truncated_frames() {
    let f = lz4("", &data());
    assert_eq!(
        open(&f[..5]).unwrap_err(),
        "lz4 frame 0 truncated in its header at offset 0x0"
    );
    let e = open(&f[..f.len() / 2]).unwrap_err();
    assert!(
        e.starts_with("lz4 frame 0 truncated: the block at offset 0x7 needs "),
        "{e}"
    );
    assert_eq!(
        open(&f[..f.len() - 6]).unwrap_err(),
        format!(
            "lz4 frame 0 truncated: no block header or end mark at offset {:#x}",
            f.len() - 8
        )
    );
    assert_eq!(
        open(&f[..f.len() - 2]).unwrap_err(),
        format!(
            "lz4 frame 0 truncated: its content checksum at offset {:#x} is missing",
            f.len() - 4
        )
    );
    let l = lz4("-l", &data());
    let e = open(&l[..l.len() - 1]).unwrap_err();
    assert!(
        e.starts_with("lz4 legacy frame 0 truncated: the block at offset 0x4 needs "),
        "{e}"
    );
}

#[test]
fn descriptor_errors() {
    let f = lz4("", b"abc");
    let mut b = f.clone();
    b[6] ^= 0x01;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with("lz4 frame 0 at offset 0x0: header checksum mismatch (stored 0x"),
        "{e}"
    );
    let mut b = f.clone();
    b[4] = (b[4] & 0x3f) | 0x80;
    assert_eq!(
        open(&b).unwrap_err(),
        "lz4 frame 0 at offset 0x0: unsupported version 2 in the frame descriptor"
    );
    let mut b = f.clone();
    b[4] |= 0x02;
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "lz4 frame 0 at offset 0x0: reserved bits set in the frame descriptor (FLG {:#04x}, BD {:#04x})",
            b[4], b[5]
        )
    );
    let mut b = f.clone();
    b[5] = 0x30;
    assert_eq!(
        open(&b).unwrap_err(),
        "lz4 frame 0 at offset 0x0: invalid block maximum size id 3"
    );
}

#[test]
fn checksum_mismatches() {
    let f = lz4("", &data());
    let mut b = f.clone();
    let n = b.len();
    b[n - 1] ^= 0x01;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with("lz4 frame 0: content checksum mismatch (stored 0x"),
        "{e}"
    );
    let f = lz4("-BX", &data());
    let mut b = f.clone();
    b[20] ^= 0x01;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with("lz4 frame 0: checksum mismatch in the block at offset 0x7 (stored 0x"),
        "{e}"
    );
}

#[test]
fn invalid_block_and_oversized_block() {
    let f = lz4("--no-frame-crc", &data());
    // A match offset of zero in the first sequence: corrupt the first token's offset.
    let errors: Vec<String> = (11..f.len() - 4)
        .filter_map(|i| {
            let mut b = f.clone();
            b[i] = 0xff;
            open(&b).err()
        })
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("lz4 frame 0: invalid compressed block at offset 0x7: ")),
        "{errors:?}"
    );
    let mut b = f.clone();
    b[7..11].copy_from_slice(&0x0100_0000u32.to_le_bytes());
    let max = [64 << 10, 256 << 10, 1 << 20, 4 << 20][usize::from((f[5] >> 4) - 4)];
    assert_eq!(
        open(&b).unwrap_err(),
        format!("lz4 frame 0: block at offset 0x7 is 16777216 bytes, more than the frame's maximum {max}")
    );
}

#[test]
fn decompression_over_the_limit() {
    let limits = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    for args in ["-9", "-l", "-BD"] {
        let f = lz4(args, &vec![0u8; 8 << 20]);
        assert!(f.len() < 100_000);
        assert_eq!(
            open_with(&f, &limits).unwrap_err(),
            "decompressed size exceeds limit of 1048576 bytes",
            "{args}"
        );
    }
    let exact = Limits {
        max_decompressed: 20_000,
        ..Limits::default()
    };
    for args in ["", "-l", "-BD"] {
        let f = lz4(args, &vec![7u8; 20_000]);
        assert_eq!(open_with(&f, &exact).unwrap().members[0].size, 20_000, "{args}");
    }
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let d = data();
    let mut v = lz4("-BD -BX --content-size", &d[..1200]);
    v.extend_from_slice(&lz4("-l", &d[..600]));
    v.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 1, 0, 0, 0, 9]);
    v.extend_from_slice(&lz4("", &d[..300]));
    v.extend_from_slice(b"tail");
    assert_eq!(open_with(&v, &small).unwrap().members[0].size, 2100);
    common::no_panic_on_damage(&Lz4, &v, "x.lz4", &small);
}
