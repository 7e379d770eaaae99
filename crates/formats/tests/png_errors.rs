//! Bad PNG input: clear errors naming the chunk and its offset, the decompression limits, notes
//! for damaged optional chunks, and no panics. Fixtures are made by `pnmtopng` (Debian package
//! `netpbm`) and then damaged; chunks are re-assembled here with a correct CRC where the test
//! needs the damage to get past the CRC check.

mod common;

use std::io::Write;

use common::field;
use reproscope_formats::png::Png;
use reproscope_formats::{Limits, Opened, Value};

fn pnmtopng(cmd: &str) -> Vec<u8> {
    common::filter(cmd, b"", "netpbm")
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Png, bytes, "x.png", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

fn small() -> Limits {
    Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    }
}

/// A red 4x3 PNG with a tIME chunk: IHDR PLTE tIME IDAT IEND.
fn fixture() -> Vec<u8> {
    pnmtopng("ppmmake rgb:ff/00/00 4 3 | pnmtopng -modtime '2024-01-01 00:00:00'")
}

/// (offset, type, data) of each chunk of a valid file.
fn chunks(png: &[u8]) -> Vec<(usize, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut p = 8;
    while p + 12 <= png.len() {
        let len = u32::from_be_bytes(png[p..p + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8(png[p + 4..p + 8].to_vec()).unwrap();
        out.push((p, kind, png[p + 8..p + 8 + len].to_vec()));
        p += 12 + len;
    }
    out
}

fn find(png: &[u8], kind: &str) -> (usize, Vec<u8>) {
    chunks(png)
        .into_iter()
        .find(|c| c.1 == kind)
        .map(|c| (c.0, c.2))
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// One chunk with its length and CRC.
fn chunk(kind: &str, data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind.as_bytes());
    v.extend_from_slice(data);
    let crc = crc32fast::hash(&v[4..]);
    v.extend_from_slice(&crc.to_be_bytes());
    v
}

/// A PNG from the signature and `parts` (whole chunks).
fn assemble(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    for p in parts {
        v.extend_from_slice(p);
    }
    v
}

fn ihdr(width: u32, height: u32, depth: u8, color: u8, interlace: u8) -> Vec<u8> {
    let mut d = width.to_be_bytes().to_vec();
    d.extend_from_slice(&height.to_be_bytes());
    d.extend_from_slice(&[depth, color, 0, 0, interlace]);
    chunk("IHDR", &d)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// `png` with the chunk at `offset` replaced by `with`.
fn replace_chunk(png: &[u8], offset: usize, with: &[u8]) -> Vec<u8> {
    let len = u32::from_be_bytes(png[offset..offset + 4].try_into().unwrap()) as usize;
    let mut v = png[..offset].to_vec();
    v.extend_from_slice(with);
    v.extend_from_slice(&png[offset + 12 + len..]);
    v
}

#[test]
fn truncated_files() {
    let f = fixture();
    assert!(open(&f).is_ok());
    assert_eq!(
        open(&f[..5]).unwrap_err(),
        "png: truncated signature: the file is 5 bytes"
    );
    assert_eq!(
        open(&f[..8]).unwrap_err(),
        "png: no IEND chunk: the file ends at offset 0x8, after the signature"
    );
    assert_eq!(
        open(&f[..12]).unwrap_err(),
        "png: truncated chunk header at offset 0x8: 4 bytes left, after the signature"
    );
    let (idat, data) = find(&f, "IDAT");
    let cut = idat + 8 + data.len() / 2;
    assert_eq!(
        open(&f[..cut]).unwrap_err(),
        format!(
            "png: chunk IDAT at offset {idat:#x}: length {} runs past the end of the file ({cut} bytes)",
            data.len()
        )
    );
    let cut = idat + 8 + data.len() + 2;
    assert_eq!(
        open(&f[..cut]).unwrap_err(),
        format!(
            "png: chunk IDAT at offset {idat:#x}: its CRC at offset {:#x} runs past the end of the file ({cut} bytes)",
            idat + 8 + data.len()
        )
    );
    // Cut before IEND: every chunk is whole, but the file has no end.
    let (iend, _) = find(&f, "IEND");
    assert_eq!(
        open(&f[..iend]).unwrap_err(),
        format!("png: no IEND chunk: the file ends at offset {iend:#x}, after chunk IDAT at offset {idat:#x}")
    );
    for len in 0..f.len() {
        assert!(open(&f[..len]).is_err(), "prefix of {len} bytes");
    }
}

#[test]
fn bad_signature_and_crc() {
    let f = fixture();
    let mut b = f.clone();
    b[1] = b'p';
    assert_eq!(open(&b).unwrap_err(), "png: bad signature");

    let (time, _) = find(&f, "tIME");
    let mut b = f.clone();
    b[time + 9] ^= 0x01;
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with(&format!("png: chunk tIME at offset {time:#x}: CRC mismatch (stored 0x")),
        "{e}"
    );
    // The CRC itself damaged.
    let (iend, _) = find(&f, "IEND");
    let mut b = f.clone();
    b[iend + 8] ^= 0x80;
    assert_eq!(
        open(&b).unwrap_err(),
        format!("png: chunk IEND at offset {iend:#x}: CRC mismatch (stored 0x2e426082, computed 0xae426082)")
    );
    // A type that is not four letters.
    let mut b = f.clone();
    b[time + 5] = b'1';
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "png: invalid chunk type 0x74314d45 at offset {time:#x} (types are four ASCII letters), after chunk PLTE at offset 0x21"
        )
    );
    // A length over 2^31 - 1.
    let mut b = f.clone();
    b[time] = 0x80;
    assert_eq!(
        open(&b).unwrap_err(),
        format!("png: chunk tIME at offset {time:#x}: length 2147483655 is over the maximum of 2147483647")
    );
}

#[test]
fn missing_and_misplaced_critical_chunks() {
    let f = fixture();
    let cs = chunks(&f);
    let whole = |c: &(usize, String, Vec<u8>)| chunk(&c.1, &c.2);
    // IHDR removed: PLTE comes first.
    let no_ihdr = assemble(&cs[1..].iter().map(whole).collect::<Vec<_>>());
    assert_eq!(
        open(&no_ihdr).unwrap_err(),
        "png: the first chunk is PLTE at offset 0x8, not IHDR"
    );
    // IDAT removed.
    let no_idat = assemble(&cs.iter().filter(|c| c.1 != "IDAT").map(whole).collect::<Vec<_>>());
    assert_eq!(open(&no_idat).unwrap_err(), "png: no IDAT chunk");
    // IHDR twice.
    let mut parts: Vec<Vec<u8>> = cs.iter().map(whole).collect();
    parts.insert(1, parts[0].clone());
    assert_eq!(
        open(&assemble(&parts)).unwrap_err(),
        "png: second IHDR chunk at offset 0x21"
    );
    // An IHDR of the wrong length.
    let mut parts: Vec<Vec<u8>> = cs.iter().map(whole).collect();
    parts[0] = chunk("IHDR", &cs[0].2[..12]);
    assert_eq!(
        open(&assemble(&parts)).unwrap_err(),
        "png: chunk IHDR at offset 0x8: length 12, not 13"
    );
}

#[test]
fn invalid_header_fields() {
    let f = fixture();
    let idat = chunk("IDAT", &find(&f, "IDAT").1);
    let iend = chunk("IEND", b"");
    let try_header = |h: Vec<u8>| open(&assemble(&[h, idat.clone(), iend.clone()])).unwrap_err();
    assert_eq!(
        try_header(ihdr(0, 3, 8, 0, 0)),
        "png: chunk IHDR at offset 0x8: invalid width 0 (1 to 2147483647)"
    );
    assert_eq!(
        try_header(ihdr(4, 0x8000_0000, 8, 0, 0)),
        "png: chunk IHDR at offset 0x8: invalid height 2147483648 (1 to 2147483647)"
    );
    assert_eq!(
        try_header(ihdr(4, 3, 8, 5, 0)),
        "png: chunk IHDR at offset 0x8: invalid color type 5"
    );
    assert_eq!(
        try_header(ihdr(4, 3, 4, 2, 0)),
        "png: chunk IHDR at offset 0x8: invalid bit depth 4 for color type 2 (RGB)"
    );
    assert_eq!(
        try_header(ihdr(4, 3, 16, 3, 0)),
        "png: chunk IHDR at offset 0x8: invalid bit depth 16 for color type 3 (palette)"
    );
    assert_eq!(
        try_header(ihdr(4, 3, 8, 0, 2)),
        "png: chunk IHDR at offset 0x8: unknown interlace method 2"
    );
}

#[test]
fn huge_dimensions_against_the_limit() {
    let f = fixture();
    let (at, _) = find(&f, "IHDR");
    // 100000 x 100000 palette pixels: 10 GB of scanlines from an 11-byte IDAT.
    let huge = replace_chunk(&f, at, &ihdr(100_000, 100_000, 8, 3, 0));
    assert_eq!(
        open_with(&huge, &small()).unwrap_err(),
        "png: IHDR says 100000x100000 8-bit palette: 10000100000 bytes of image data, over the decompression limit of 1048576 bytes"
    );
    assert!(open(&huge)
        .unwrap_err()
        .contains("over the decompression limit of 8589934592 bytes"));
    // The largest dimensions, interlaced RGBA: no overflow.
    let max = replace_chunk(&f, at, &ihdr(0x7fff_ffff, 0x7fff_ffff, 16, 6, 1));
    let e = open(&max).unwrap_err();
    assert!(
        e.starts_with("png: IHDR says 2147483647x2147483647 16-bit RGBA interlaced: "),
        "{e}"
    );
    // Within the limit but far more than the data: opened, with a note.
    let big = replace_chunk(&f, at, &ihdr(2000, 1000, 8, 3, 0));
    let o = open_with(
        &big,
        &Limits {
            max_decompressed: 2_001_000,
            ..Limits::default()
        },
    )
    .unwrap();
    assert_eq!(o.members[0].size, 6);
    assert!(
        o.notes
            .iter()
            .any(|n| n == "png: the image data is 6 bytes, IHDR implies 2001000: the image is incomplete"),
        "{:?}",
        o.notes
    );
}

#[test]
fn zlib_bombs() {
    let zeros = vec![0u8; 16 << 20];
    let bomb = zlib(&zeros);
    assert!(bomb.len() < 100_000);
    // A small image whose IDAT inflates to 16 MiB.
    let png = assemble(&[ihdr(16, 16, 8, 0, 0), chunk("IDAT", &bomb), chunk("IEND", b"")]);
    assert_eq!(
        open(&png).unwrap_err(),
        "png: chunk IDAT at offset 0x21: the image data decompresses to more than the 272 bytes IHDR implies (16x16 8-bit grayscale)"
    );
    // Split over many IDAT chunks, it is caught in the chunk where it passes the bound.
    let parts: Vec<Vec<u8>> = std::iter::once(ihdr(4096, 4095, 8, 0, 0))
        .chain(bomb.chunks(1000).map(|p| chunk("IDAT", p)))
        .chain(std::iter::once(chunk("IEND", b"")))
        .collect();
    let e = open(&assemble(&parts)).unwrap_err();
    assert!(
        e.contains(
            ": the image data decompresses to more than the 16777215 bytes IHDR implies (4096x4095 8-bit grayscale)"
        ),
        "{e}"
    );
    // A large image against a small limit: refused before inflating.
    let png = assemble(&[ihdr(4096, 4095, 8, 0, 0), chunk("IDAT", &bomb), chunk("IEND", b"")]);
    assert_eq!(
        open_with(&png, &small()).unwrap_err(),
        "png: IHDR says 4096x4095 8-bit grayscale: 16777215 bytes of image data, over the decompression limit of 1048576 bytes"
    );
    // A compressed text chunk that inflates past the limit.
    let mut z = b"Comment\0\0".to_vec();
    z.extend_from_slice(&zlib(&vec![b'a'; 4 << 20]));
    let png = assemble(&[
        ihdr(1, 1, 8, 0, 0),
        chunk("zTXt", &z),
        chunk("IDAT", &zlib(&[0, 0])),
        chunk("IEND", b""),
    ]);
    assert_eq!(
        open_with(&png, &small()).unwrap_err(),
        "png: chunk zTXt at offset 0x21: decompressed size exceeds limit of 1048576 bytes"
    );
    let o = open(&png).unwrap();
    match field(&o, "text.Comment") {
        Some(Value::Text(t)) => assert!(
            t.ends_with(&format!("… ({} bytes, sha256 {})", 4 << 20, sha256_of_a())),
            "{t}"
        ),
        other => panic!("{other:?}"),
    }
}

/// SHA-256 of 4 MiB of 'a', by `sha256sum`.
fn sha256_of_a() -> String {
    let out = common::filter("head -c 4194304 /dev/zero | tr '\\0' a | sha256sum", b"", "coreutils");
    String::from_utf8(out)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn bad_image_data() {
    let f = fixture();
    let (at, data) = find(&f, "IDAT");
    // Not zlib at all.
    let b = replace_chunk(&f, at, &chunk("IDAT", b"\x00\x01\x02\x03 not zlib"));
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with(&format!("png: chunk IDAT at offset {at:#x}: invalid zlib data: ")),
        "{e}"
    );
    // Only the zlib header (the chunk's CRC fixed): truncated image data.
    let b = replace_chunk(&f, at, &chunk("IDAT", &data[..2]));
    assert_eq!(
        open(&b).unwrap_err(),
        format!("png: image data truncated: the zlib stream in the IDAT chunks (the last at offset {at:#x}) ends after 0 of the 6 bytes IHDR implies")
    );
    // Its Adler-32 damaged.
    let mut bad = data.clone();
    let n = bad.len();
    bad[n - 1] ^= 0x01;
    let e = open(&replace_chunk(&f, at, &chunk("IDAT", &bad))).unwrap_err();
    assert!(
        e.starts_with(&format!("png: chunk IDAT at offset {at:#x}: invalid zlib data: ")),
        "{e}"
    );
    // Data after the end of the zlib stream: a note.
    let mut more = data.clone();
    more.extend_from_slice(b"junk");
    let o = open(&replace_chunk(&f, at, &chunk("IDAT", &more))).unwrap();
    assert!(
        o.notes
            .iter()
            .any(|n| n == "png: 4 bytes of IDAT data after the end of the zlib stream"),
        "{:?}",
        o.notes
    );
}

#[test]
fn damaged_optional_chunks_are_notes() {
    let f = fixture();
    let (at, _) = find(&f, "tIME");
    // Month 13.
    let b = replace_chunk(&f, at, &chunk("tIME", &[0x07, 0xe8, 13, 1, 0, 0, 0]));
    let o = open(&b).unwrap();
    assert_eq!(
        field(&o, "time"),
        Some(&Value::Text("invalid: 2024-13-01 00:00:00".into()))
    );
    assert!(o
        .notes
        .iter()
        .any(|n| n == &format!("png: tIME chunk at offset {at:#x} holds an impossible date 2024-13-01 00:00:00")));
    // A leap second is a real time.
    let b = replace_chunk(&f, at, &chunk("tIME", &[0x07, 0xe4, 12, 31, 23, 59, 60]));
    assert_eq!(field(&open(&b).unwrap(), "time"), Some(&Value::Time(1_609_459_200)));
    // Wrong length.
    let b = replace_chunk(&f, at, &chunk("tIME", &[1, 2, 3]));
    let o = open(&b).unwrap();
    assert_eq!(field(&o, "time"), Some(&Value::Hex(vec![1, 2, 3])));
    // zTXt with damaged zlib data, tEXt without a keyword terminator, iTXt compressed.
    let mut itxt = b"date:create\0\x01\x00en\0\0".to_vec();
    itxt.extend_from_slice(&zlib(b"2024-01-01T01:00:00+01:00"));
    let b = replace_chunk(
        &f,
        at,
        &[
            chunk("zTXt", b"Comment\0\0\x78\x9c\xff\xff"),
            chunk("tEXt", b"no terminator"),
            chunk("iTXt", &itxt),
            chunk("iTXt", b"Title\0\0\0\0\0caf\xc3\xa9"),
            chunk("tEXt", b"Title\0caf\xe9"),
            chunk("gAMA", &45455u32.to_be_bytes()),
            chunk("prVt", &[7; 40]),
        ]
        .concat(),
    );
    let o = open(&b).unwrap();
    let z = at;
    assert!(
        o.notes.iter().any(
            |n| n.starts_with(&format!("png: zTXt chunk at offset {z:#x}: invalid zlib data"))
                || n == &format!("png: zTXt chunk at offset {z:#x}: zlib data truncated")
        ),
        "{:?}",
        o.notes
    );
    assert!(field(&o, "chunk.zTXt").is_some());
    assert_eq!(field(&o, "chunk.tEXt"), Some(&Value::Hex(b"no terminator".to_vec())));
    assert_eq!(field(&o, "text.date:create"), Some(&Value::Time(1_704_067_200)));
    assert_eq!(field(&o, "text.Title"), Some(&Value::Text("café".into())));
    assert_eq!(field(&o, "text.Title#2"), Some(&Value::Text("café".into())));
    assert_eq!(field(&o, "chunk.gAMA"), Some(&Value::Text("0.45455".into())));
    match field(&o, "chunk.prVt") {
        Some(Value::Text(t)) => assert!(t.starts_with("40 bytes, sha256 "), "{t}"),
        other => panic!("{other:?}"),
    }
    match field(&o, "chunks") {
        Some(Value::Text(t)) => assert_eq!(t, "IHDR PLTE zTXt tEXt iTXt×2 tEXt gAMA prVt IDAT IEND"),
        other => panic!("{other:?}"),
    }
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let base = pnmtopng(
        "ppmpat -g2 -randomseed=1 9 7 | pnmtopng -interlace -modtime '2024-01-01 00:00:00' -gamma .45 -size '1 1 0'",
    );
    let cs = chunks(&base);
    let mut parts: Vec<Vec<u8>> = cs.iter().filter(|c| c.1 != "IEND").map(|c| chunk(&c.1, &c.2)).collect();
    let mut z = b"Comment\0\0".to_vec();
    z.extend_from_slice(&zlib(b"a comment"));
    parts.push(chunk("zTXt", &z));
    let mut itxt = b"date:modify\0\x01\x00\0\0".to_vec();
    itxt.extend_from_slice(&zlib(b"2024-01-01T01:00:00+01:00"));
    parts.push(chunk("iTXt", &itxt));
    parts.push(chunk("tEXt", b"Creation Time\0Mon, 01 Jan 2024 00:00:00 GMT"));
    parts.push(chunk("IEND", b""));
    let mut v = assemble(&parts);
    v.extend_from_slice(b"tail");
    let o = open_with(&v, &small()).unwrap();
    assert_eq!(field(&o, "text.Creation Time"), Some(&Value::Time(1_704_067_200)));
    assert_eq!(field(&o, "text.date:modify"), Some(&Value::Time(1_704_067_200)));
    assert!(o.members.iter().any(|m| m.name.starts_with("trailing@")));
    common::no_panic_on_damage(&Png, &v, "x.png", &small());
}
