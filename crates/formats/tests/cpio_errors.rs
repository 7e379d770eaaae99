//! Bad cpio input: each case gets a clear error naming what and where, and nothing panics.

mod common;

use common::entry;
use reproscope_formats::cpio::{write_newc, Cpio};
use reproscope_formats::{Blob, Format, Limits, Opened};

fn open(bytes: &[u8]) -> Result<Opened, String> {
    common::open_with(&Cpio, bytes, "x.cpio", &Limits::default())
}

/// Offset of the n-th (0-based) newc header of a written archive.
fn header_offset(a: &[u8], n: usize) -> usize {
    let mut pos = 0;
    for _ in 0..n {
        let field = |i: usize| {
            let at = pos + 6 + 8 * i;
            usize::from_str_radix(std::str::from_utf8(&a[at..at + 8]).unwrap(), 16).unwrap()
        };
        let (filesize, namesize) = (field(6), field(11));
        pos = (pos + 110 + namesize).div_ceil(4) * 4;
        pos = (pos + filesize).div_ceil(4) * 4;
    }
    pos
}

fn sample() -> Vec<u8> {
    write_newc(&[
        entry("etc", 0o040755, b""),
        entry("etc/passwd", 0o100644, &[b'x'; 512]),
        entry("etc/hostname", 0o100644, b"box\n"),
    ])
}

#[test]
fn truncated_member_data() {
    let a = sample();
    let at = header_offset(&a, 1);
    // Header (110) + "etc/passwd\0" (11) padded to 124, then 100 of the 512 data bytes.
    let cut = &a[..at + 124 + 100];
    assert_eq!(
        open(cut).unwrap_err(),
        format!("cpio entry 'etc/passwd' at offset {at:#x}: data truncated (need 512 bytes, 100 left)")
    );
}

#[test]
fn bad_magic_in_second_entry() {
    let mut a = sample();
    let at = header_offset(&a, 1);
    a[at + 5] = b'x';
    assert_eq!(
        open(&a).unwrap_err(),
        format!("cpio entry 2 at offset {at:#x}: bad magic \"07070x\"")
    );
}

#[test]
fn name_without_nul() {
    let mut a = sample();
    // The first name, "etc", is followed by its NUL at 110 + 3.
    assert_eq!(a[113], 0);
    a[113] = b'!';
    assert_eq!(
        open(&a).unwrap_err(),
        "cpio entry 1 at offset 0x0: name without its NUL terminator"
    );
}

#[test]
fn namesize_zero() {
    let mut a = sample();
    a[6 + 8 * 11..6 + 8 * 12].copy_from_slice(b"00000000");
    assert_eq!(open(&a).unwrap_err(), "cpio entry 1 at offset 0x0: namesize 0");
}

#[test]
fn field_not_hex() {
    let mut a = sample();
    let at = header_offset(&a, 2);
    a[at + 6 + 8 * 6..at + 6 + 8 * 7].copy_from_slice(b"0000zz04");
    assert_eq!(
        open(&a).unwrap_err(),
        format!("cpio entry 3 at offset {at:#x}: field c_filesize is not hex: \"0000zz04\"")
    );
}

#[test]
fn newc_crc_checksum_mismatch() {
    let mut a = sample();
    // Turn the archive into newc-crc with correct checksums, then break one.
    for n in 0..4 {
        let at = header_offset(&a, n);
        a[at + 5] = b'2';
    }
    let set_check = |a: &mut Vec<u8>, n: usize, v: u32| {
        let at = header_offset(a, n) + 6 + 8 * 12;
        a[at..at + 8].copy_from_slice(format!("{v:08X}").as_bytes());
    };
    set_check(&mut a, 1, 512 * u32::from(b'x'));
    set_check(&mut a, 2, b"box\n".iter().map(|&b| u32::from(b)).sum());
    let o = open(&a).unwrap();
    assert_eq!(
        o.members[1].field("checksum"),
        Some(&reproscope_formats::Value::Digest(format!("{:08x}", 512 * 120)))
    );

    let at = header_offset(&a, 2);
    set_check(&mut a, 2, 0x1234);
    assert_eq!(
        open(&a).unwrap_err(),
        format!(
            "cpio entry 'etc/hostname' at offset {at:#x}: checksum mismatch (stored 0x00001234, computed 0x00000153)"
        )
    );
}

#[test]
fn missing_trailer() {
    let a = sample();
    let at = header_offset(&a, 3);
    assert_eq!(
        open(&a[..at]).unwrap_err(),
        format!("cpio archive ends without TRAILER!!! at offset {at:#x}")
    );
    // Zeros where the trailer should be are no better.
    let mut z = a[..at].to_vec();
    z.resize(a.len(), 0);
    assert_eq!(
        open(&z).unwrap_err(),
        format!("cpio archive ends without TRAILER!!! at offset {at:#x}")
    );
}

#[test]
fn member_limit() {
    let a = sample();
    let limits = Limits {
        max_members: 2,
        ..Limits::default()
    };
    let e = Cpio.open(&Blob::from_vec(a), "", &limits).unwrap_err();
    assert_eq!(e.message, "cpio: more than 2 entries (limit)");
}

#[test]
fn header_truncated() {
    let a = sample();
    let at = header_offset(&a, 1);
    assert_eq!(
        open(&a[..at + 50]).unwrap_err(),
        format!("cpio entry 2 at offset {at:#x}: header truncated (need 110 bytes, 50 left)")
    );
}

/// Every prefix and many single-byte corruptions of valid archives (newc, concatenated with a
/// compressed part, odc- and binary-like) must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let mut concat = sample();
    concat.extend_from_slice(&[0, 0, 0]);
    concat.extend_from_slice(&reproscope_formats::gzip::compress(&sample(), 6));
    let odc_header = |ino: u32, mode: u32, namesize: usize, filesize: usize| {
        let (dev, uid, gid, nlink, rdev, mtime) = (0, 0, 0, 1, 0, 0);
        format!("070707{dev:06o}{ino:06o}{mode:06o}{uid:06o}{gid:06o}{nlink:06o}{rdev:06o}{mtime:011o}{namesize:06o}{filesize:011o}")
    };
    let mut odc = odc_header(1, 0o100644, 3, 3).into_bytes();
    odc.extend_from_slice(b"ab\0xyz");
    odc.extend_from_slice(odc_header(0, 0, 11, 0).as_bytes());
    odc.extend_from_slice(b"TRAILER!!!\0");
    assert!(open(&odc).is_ok(), "{:?}", open(&odc));
    let mut bin = vec![
        0xc7, 0x71, 0, 0, 1, 0, 0xa4, 0x81, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0,
    ];
    bin.extend_from_slice(b"a\0xyz\0");
    bin.extend_from_slice(&[
        0xc7, 0x71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0,
    ]);
    bin.extend_from_slice(b"TRAILER!!!\0\0");
    assert!(open(&bin).is_ok(), "{:?}", open(&bin));

    for valid in [sample(), concat, odc, bin] {
        for len in 0..valid.len() {
            let _ = open(&valid[..len]);
        }
        for i in 0..valid.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = valid.clone();
                b[i] ^= x;
                let _ = open(&b);
            }
            // Hex digits that make huge sizes must not overflow anything.
            let mut b = valid.clone();
            b[i] = b'F';
            let _ = open(&b);
            b[i] = b'7';
            let _ = open(&b);
        }
    }
}
