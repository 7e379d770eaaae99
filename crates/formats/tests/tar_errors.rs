//! Bad tar input: each kind gets a clear error naming what and where, and nothing panics.
//! Headers are written by hand here so that each test breaks exactly one thing; the no-panic
//! loop runs over archives GNU tar made (Debian package `tar`).

mod common;

use std::path::Path;
use std::process::Command;

use reproscope_formats::tar::Tar;
use reproscope_formats::{EntryKind, Limits, Opened, Value};

/// A ustar header for `name` with the given type flag and data size, checksum filled in.
fn header(name: &str, typeflag: u8, size: usize) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0001750\0");
    h[116..124].copy_from_slice(b"0001750\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"14545000000\0");
    h[156] = typeflag;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"user");
    h[297..302].copy_from_slice(b"group");
    fix_checksum(&mut h);
    h
}

fn fix_checksum(h: &mut [u8]) {
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h[..512].iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

/// A header followed by its data, padded to whole blocks.
fn entry(name: &str, typeflag: u8, data: &[u8]) -> Vec<u8> {
    let mut out = header(name, typeflag, data.len());
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// One pax record, its length computed.
fn record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}").len() + body.len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

fn archive(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = entries.concat();
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Every format's identification, then open, then a load of every member (see common).
fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Tar, bytes, "x.tar", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

fn stored_checksum(h: &[u8]) -> u32 {
    u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap()
}

#[test]
fn well_formed_sample_opens() {
    let a = archive(&[
        entry("dir/", b'5', b""),
        entry("dir/a.txt", b'0', b"hello"),
        entry("dir/l", b'2', b""),
    ]);
    let o = open(&a).unwrap();
    let names: Vec<_> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["dir", "dir/a.txt", "dir/l"]);
    assert_eq!(o.members[1].field("uname"), Some(&Value::Name("user".into())));
}

#[test]
fn bad_header_checksum() {
    let mut a = archive(&[entry("a.txt", b'0', b"hello"), entry("b.txt", b'0', b"x")]);
    let stored = stored_checksum(&a[1024..]);
    a[1024] = b'c';
    let computed = stored + u32::from(b'c' - b'b');
    assert_eq!(
        open(&a).unwrap_err(),
        format!(
            "tar entry 2 'c.txt' at offset 0x400: bad header checksum (stored {stored:#o}, computed {computed:#o})"
        )
    );
}

#[test]
fn checksum_field_not_a_number() {
    let mut a = archive(&[entry("a.txt", b'0', b"hello")]);
    a[148..156].copy_from_slice(b"zzzzzz\0 ");
    let msg = open(&a).unwrap_err();
    assert!(
        msg.starts_with("tar entry 1 'a.txt' at offset 0x0: bad header checksum (stored \"zzzzzz\", computed 0o"),
        "{msg}"
    );
}

#[test]
fn header_truncated() {
    let a = archive(&[entry("a.txt", b'0', b"hello"), entry("b.txt", b'0', b"x")]);
    assert_eq!(
        open(&a[..1024 + 300]).unwrap_err(),
        "tar entry 2 at offset 0x400: header truncated (need 512 bytes, 300 left)"
    );
}

#[test]
fn data_truncated() {
    let a = archive(&[entry("big", b'0', &[7u8; 1000])]);
    assert_eq!(
        open(&a[..512 + 600]).unwrap_err(),
        "tar entry 1 'big' at offset 0x0: data truncated (need 1000 bytes plus padding, 600 left)"
    );
}

#[test]
fn numeric_field_not_octal() {
    let mut a = archive(&[entry("a.txt", b'0', b"hello")]);
    a[100..108].copy_from_slice(b"0000z44\0");
    fix_checksum(&mut a[..512]);
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 1 'a.txt' at offset 0x0: field mode is not a number: \"0000z44\""
    );
}

#[test]
fn numeric_field_blank() {
    let mut a = archive(&[entry("a.txt", b'0', b"hello")]);
    a[108..116].fill(0);
    fix_checksum(&mut a[..512]);
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 1 'a.txt' at offset 0x0: field uid is blank"
    );
}

#[test]
fn malformed_pax_records() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"30 mtime=1\n",
            "pax record 1 at byte 0: length 30 does not fit (11 bytes left)",
        ),
        (b"mtime=1\n", "pax record 1 at byte 0: no length: \"mtime=1\\n\""),
        (
            b"11 mtime=1\n9 mtime1\n",
            "pax record 2 at byte 11: no '=' in \"mtime1\"",
        ),
        (
            b"11 mtime=1x",
            "pax record 1 at byte 0: record of length 11 does not end with a newline",
        ),
        (b"6 =ab\n", "pax record 1 at byte 0: bad key \"\""),
        (b"2 \n", "pax record 1 at byte 0: length 2 does not fit (3 bytes left)"),
    ];
    for (records, why) in cases {
        let a = archive(&[entry("././@PaxHeader", b'x', records), entry("a.txt", b'0', b"hi")]);
        assert_eq!(
            open(&a).unwrap_err(),
            format!("tar entry 1: pax extended header at offset 0x0: {why}"),
            "{}",
            records.escape_ascii()
        );
    }
}

#[test]
fn pax_record_with_a_bad_value() {
    let a = archive(&[entry("h", b'x', b"15 mtime=12a45\n"), entry("a.txt", b'0', b"hi")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 1 'a.txt' at offset 0x400: pax record mtime: bad value \"12a45\""
    );
    let a = archive(&[entry("h", b'x', b"12 uid=-300\n"), entry("a.txt", b'0', b"hi")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 1 'a.txt' at offset 0x400: pax record uid: bad value \"-300\""
    );
}

#[test]
fn extension_header_without_an_entry() {
    let a = archive(&[entry("a", b'0', b""), entry("h", b'x', b"11 mtime=1\n")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 2: pax extended header at offset 0x200 is not followed by an entry"
    );
    let a = entry("././@LongLink", b'L', b"long-name\0");
    assert_eq!(
        open(&a).unwrap_err(),
        "tar entry 1: GNU long name header at offset 0x0 is not followed by an entry"
    );
}

#[test]
fn empty_name() {
    let a = archive(&[entry("", b'0', b"data")]);
    assert_eq!(open(&a).unwrap_err(), "tar entry 1 '' at offset 0x0: empty name");
}

#[test]
fn member_limit() {
    let (a, b, c) = (entry("a", b'0', b""), entry("b", b'0', b""), entry("c", b'0', b""));
    let limits = Limits {
        max_members: 2,
        ..Limits::default()
    };
    let three = archive(&[a.clone(), b.clone(), c]);
    assert_eq!(
        open_with(&three, &limits).unwrap_err(),
        "tar: more than 2 entries (limit)"
    );
    let two = archive(&[a, b]);
    assert_eq!(
        open_with(&two, &limits).unwrap().members.len(),
        2,
        "exactly at the limit"
    );
}

#[test]
fn bad_sparse_maps() {
    let cases = [
        (
            ("0,5,10", "20"),
            "bad sparse map: GNU.sparse.map has an odd number of values",
        ),
        (
            ("0,5,18,5", "20"),
            "bad sparse map: chunk 2 (18+5) lies outside the file's 20 bytes",
        ),
        (
            ("0,5,10,20", "40"),
            "bad sparse map: chunk 2 needs more data than the 10 bytes stored",
        ),
        (("0,x", "40"), "bad sparse map: GNU.sparse.map is not a list of numbers"),
    ];
    for ((map, size), why) in cases {
        let records = [record("GNU.sparse.map", map), record("GNU.sparse.size", size)].concat();
        let a = archive(&[entry("h", b'x', &records), entry("s", b'0', b"0123456789")]);
        assert_eq!(
            open(&a).unwrap_err(),
            format!("tar entry 1 's' at offset 0x400: {why}"),
            "{map}"
        );
    }
    // Within limits it expands.
    let records = [record("GNU.sparse.map", "0,5,15,5"), record("GNU.sparse.size", "20")].concat();
    let a = archive(&[entry("h", b'x', &records), entry("s", b'0', b"0123456789")]);
    let o = open(&a).unwrap();
    // Expanded when loaded (opening only checks the map).
    let b = o.members[0].data.as_ref().unwrap().load().unwrap();
    assert_eq!(&b[..], [&b"01234"[..], &[0; 10], b"56789"].concat());
    let limits = Limits {
        max_decompressed: 19,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&a, &limits).unwrap_err(),
        "tar entry 1 's' at offset 0x400: sparse file of 20 bytes exceeds the limit of 19 bytes \
         (left of the decompression limit)"
    );
    // The limit holds for all sparse files of the archive together.
    let x = entry("h", b'x', &records);
    let s = entry("s", b'0', b"0123456789");
    let twice = archive(&[x.clone(), s.clone(), x, s]);
    let limits = Limits {
        max_decompressed: 30,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&twice, &limits).unwrap_err(),
        "tar entry 2 's' at offset 0xc00: sparse file of 20 bytes exceeds the limit of 10 bytes \
         (left of the decompression limit)"
    );
}

#[test]
fn tolerated_endings_are_noted() {
    let one = entry("a", b'0', b"x");
    // No end-of-archive marker at all (GNU tar lists this silently).
    let o = open(&one).unwrap();
    assert_eq!(o.members.len(), 1);
    assert!(
        o.notes.iter().any(|n| n.contains("without its end-of-archive marker")),
        "{:?}",
        o.notes
    );
    assert_eq!(
        o.fields.iter().find(|f| f.name == "end-padding").unwrap().value,
        Value::Size(0)
    );
    // A lone zero block, then more data: GNU tar warns and stops there.
    let mut lone = one.clone();
    lone.extend_from_slice(&[0u8; 512]);
    lone.extend_from_slice(&entry("b", b'0', b"y"));
    let o = open(&lone).unwrap();
    assert_eq!(o.members[0].name, "a");
    assert_eq!(o.members[1].name, "trailing@0x600");
    assert!(
        o.notes.iter().any(|n| n.contains("lone zero block at offset 0x400")),
        "{:?}",
        o.notes
    );
    // A marker cut short.
    let mut short = one;
    short.extend_from_slice(&[0u8; 700]);
    let o = open(&short).unwrap();
    assert!(
        o.notes.iter().any(|n| n.contains("cut short (700 zero bytes)")),
        "{:?}",
        o.notes
    );
}

#[test]
fn base256_numbers() {
    let mut h = header("big-ids", b'0', 0);
    // uid 3000000000 and mtime -1 in GNU's base-256 encoding.
    h[108..116].copy_from_slice(&[0x80, 0, 0, 0, 0xb2, 0xd0, 0x5e, 0x00]);
    h[136..148].copy_from_slice(&[0xff; 12]);
    fix_checksum(&mut h);
    let a = archive(&[h]);
    let o = open(&a).unwrap();
    let m = &o.members[0];
    assert_eq!(m.field("uid"), Some(&Value::Id(3_000_000_000)));
    assert_eq!(m.field("mtime"), Some(&Value::Time(-1)));
    let out = Command::new("sh")
        .args(["-c", "tar -tvf - --numeric-owner --full-time"])
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(&a)?;
            c.wait_with_output()
        })
        .expect("GNU tar (Debian package tar) runs");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("3000000000/1000"), "{listing}");
    assert!(listing.contains("1969-12-31 23:59:59"), "{listing}");
}

#[test]
fn unknown_type_flag_is_a_regular_file() {
    let a = archive(&[entry("odd", b'Q', b"data")]);
    let o = open(&a).unwrap();
    let m = &o.members[0];
    assert_eq!(m.kind, EntryKind::File);
    assert_eq!(m.size, 4);
    assert_eq!(m.field("typeflag"), Some(&Value::Text("'Q'".into())));
    assert!(
        o.notes.iter().any(|n| n.contains("unknown type flag 'Q'")),
        "{:?}",
        o.notes
    );
}

fn gnu_tar(cmd: &str, dir: &Path) -> Vec<u8> {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "`{cmd}` failed (is the Debian package tar installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn no_panic_on_truncation_or_corruption() {
    // A damaged size field can announce gigabytes of sparse data, expanded when loaded: a
    // small limit keeps each of the many variants cheap and tests the limit on the way.
    let open_small = |b: &[u8]| {
        open_with(
            b,
            &Limits {
                max_decompressed: 1 << 20,
                ..Limits::default()
            },
        )
    };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/file"), "content\n").unwrap();
    std::fs::hard_link(d.join("sub/file"), d.join("hard")).unwrap();
    std::os::unix::fs::symlink("x".repeat(120), d.join("sym")).unwrap();
    std::fs::write(d.join("y".repeat(150)), "long\n").unwrap();
    gnu_tar(
        "truncate -s 12K sparse && printf abc | dd of=sparse bs=1 seek=9000 conv=notrunc 2>/dev/null",
        d,
    );
    let samples = [
        gnu_tar("tar --format=gnu -S -b 1 -cf - sub hard sym yyy* sparse", d),
        gnu_tar(
            "tar --format=pax -S --sparse-version=1.0 --pax-option=comment=x -b 1 -cf - sub hard sym yyy* sparse",
            d,
        ),
        gnu_tar("tar --format=pax -S --sparse-version=0.1 -b 1 -cf - sparse", d),
        gnu_tar("tar --format=pax -S --sparse-version=0.0 -b 1 -cf - sparse", d),
        gnu_tar("tar --format=v7 -b 1 -cf - sub hard", d),
    ];
    for a in &samples {
        open_small(a).unwrap_or_else(|e| panic!("sample does not open: {e}"));
        for n in 0..a.len() {
            let _ = open_small(&a[..n]);
        }
        // Blocks that are headers: a corrupted header byte also gets a fresh checksum, so that
        // the corruption reaches the parsing behind the checksum test.
        let is_header: Vec<bool> = a
            .chunks(512)
            .map(|h| {
                h.len() == 512 && h.iter().any(|&x| x != 0) && {
                    let mut c = h.to_vec();
                    fix_checksum(&mut c);
                    c == h
                }
            })
            .collect();
        let mut b = a.clone();
        for i in 0..b.len() {
            let block = i / 512 * 512;
            // Zero blocks (padding, holes, the end marker) say nothing: corrupting the end
            // marker is covered by the truncation loop.
            if a[block..block + 512].iter().all(|&x| x == 0) {
                continue;
            }
            let saved = b[block..block + 512].to_vec();
            for v in [b[i] ^ 0xff, b'7'] {
                b[i] = v;
                let _ = open_small(&b);
                if is_header[i / 512] && !(148..156).contains(&(i % 512)) {
                    fix_checksum(&mut b[block..block + 512]);
                    let _ = open_small(&b);
                }
                b[block..block + 512].copy_from_slice(&saved);
            }
        }
    }
}
