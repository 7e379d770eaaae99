//! Concatenated cpio archives as initramfs images use them: several archives, zero padding,
//! a compressed tail, names repeated by a later archive.

mod common;

use common::entry;
use reproscope_formats::cpio::{write_newc, Cpio};
use reproscope_formats::gzip::Gzip;
use reproscope_formats::{Blob, Data, EntryKind, Format, Limits, Member, Opened, Value};

fn open(bytes: &[u8]) -> Opened {
    Cpio.open(&Blob::from_vec(bytes.to_vec()), "initrd", &Limits::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn names(o: &Opened) -> Vec<&str> {
    o.members.iter().map(|m| m.name.as_str()).collect()
}

fn content(m: &Member) -> Vec<u8> {
    match &m.data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("{}: {other:?}", m.name),
    }
}

#[test]
fn later_archive_overrides_earlier_names() {
    let first = write_newc(&[entry("etc", 0o040755, b""), entry("etc/motd", 0o100644, b"one\n")]);
    let second = write_newc(&[entry("./etc/motd", 0o100600, b"two\n"), entry("/init", 0o100755, b"x")]);
    let mut a = first.clone();
    a.extend_from_slice(&second);
    let o = open(&a);
    assert_eq!(names(&o), ["etc", "etc/motd (archive 1)", "etc/motd", "init"]);
    assert_eq!(content(&o.members[1]), b"one\n");
    assert_eq!(content(&o.members[2]), b"two\n");
    assert_eq!(o.members[2].field("mode"), Some(&Value::Mode(0o100600)));
    assert_eq!(
        o.fields,
        [
            reproscope_formats::Field::new("format", Value::Text("newc".into())),
            reproscope_formats::Field::new("archive2.format", Value::Text("newc".into())),
            reproscope_formats::Field::new("archive2.offset", Value::Offset(first.len() as u64)),
        ]
    );
    assert!(
        o.notes.contains(&format!(
            "entry 'etc/motd' (archive 1 at offset 0x74) overridden by a later entry (archive 2 at offset {:#x}); listed as 'etc/motd (archive 1)'",
            first.len()
        )),
        "{:?}",
        o.notes
    );
}

#[test]
fn repeated_name_inside_one_archive_gets_the_entry_number() {
    let a = write_newc(&[
        entry("x", 0o100644, b"1"),
        entry("y", 0o100644, b"2"),
        entry("x", 0o100644, b"3"),
    ]);
    let mut all = a.clone();
    all.extend_from_slice(&write_newc(&[entry("x", 0o100644, b"4")]));
    let o = open(&all);
    assert_eq!(
        names(&o),
        ["x (archive 1, entry 1)", "y", "x (archive 1, entry 3)", "x"]
    );
    assert_eq!(content(&o.members[3]), b"4");
}

#[test]
fn zero_padding_between_archives_and_at_the_end() {
    let first = write_newc(&[entry("a", 0o100644, b"a")]);
    // Trim GNU-style block padding and use an odd run of zeros instead.
    let mut a = first[..first.iter().rposition(|&b| b != 0).unwrap() + 1].to_vec();
    a.extend_from_slice(&[0; 7]);
    while !a.len().is_multiple_of(4) {
        a.push(0);
    }
    let second_at = a.len();
    a.extend_from_slice(&write_newc(&[entry("b", 0o100644, b"b")]));
    a.extend_from_slice(&[0; 1000]);
    let o = open(&a);
    assert_eq!(names(&o), ["a", "b"]);
    assert_eq!(o.members[1].kind, EntryKind::File);
    assert!(o.fields.contains(&reproscope_formats::Field::new(
        "archive2.offset",
        Value::Offset(second_at as u64)
    )));
}

#[test]
fn unrecognised_tail_is_still_a_part() {
    let mut a = write_newc(&[entry("a", 0o100644, b"a")]);
    let at = a.len();
    a.extend_from_slice(b"\0\0\0\0junk that is not an archive");
    let o = open(&a);
    assert_eq!(names(&o), ["a", "part2"]);
    assert_eq!(o.members[1].field("offset"), Some(&Value::Offset(at as u64 + 4)));
    assert_eq!(content(&o.members[1]), b"junk that is not an archive");
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("unrecognised data, listed as member part2")),
        "{:?}",
        o.notes
    );
}

#[test]
fn two_uncompressed_archives_then_compressed_is_part3() {
    let mut a = write_newc(&[entry("a", 0o100644, b"a")]);
    a.extend_from_slice(&write_newc(&[entry("b", 0o100644, b"b")]));
    let tail = reproscope_formats::gzip::compress(&write_newc(&[entry("c", 0o100644, b"c")]), 6);
    a.extend_from_slice(&tail);
    let o = open(&a);
    assert_eq!(names(&o), ["a", "b", "part3"]);
    assert_eq!(content(&o.members[2]), tail);
}

/// fixtures/cpio/early-plus-gzip.cpio, made by fixtures/cpio/make.sh with GNU cpio and gzip.
#[test]
fn fixture_early_plus_gzip() {
    let bytes = include_bytes!("fixtures/cpio/early-plus-gzip.cpio");
    let o = open(bytes);
    assert_eq!(
        names(&o),
        [
            "kernel",
            "kernel/x86",
            "kernel/x86/microcode",
            "kernel/x86/microcode/GenuineIntel.bin",
            "part2"
        ]
    );
    let ucode = &o.members[3];
    assert_eq!(content(ucode), b"microcode\n");
    assert_eq!(ucode.field("mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(ucode.field("mode"), Some(&Value::Mode(0o100644)));
    assert_eq!(o.members[4].field("offset"), Some(&Value::Offset(1024)));
    assert!(
        o.notes.iter().any(|n| n == "archive 1 at offset 0x0: 4 entries, newc"),
        "{:?}",
        o.notes
    );
    assert!(o
        .notes
        .iter()
        .any(|n| n.starts_with("part 2 at offset 0x400: 205 bytes of gzip-compressed data")));

    let part2 = Blob::from_vec(content(&o.members[4]));
    let g = Gzip.open(&part2, "part2", &Limits::default()).unwrap();
    assert_eq!(g.members[0].name, "content");
    assert!(g.fields.contains(&reproscope_formats::Field::new(
        "level-hint",
        Value::Text("best compression (2)".into())
    )));
    let inner = open(&content(&g.members[0]));
    assert_eq!(names(&inner), ["bin", "bin/start", "etc", "etc/hostname", "init"]);
    assert_eq!(
        inner.members[1].kind,
        EntryKind::Symlink {
            target: "../init".into()
        }
    );
    assert_eq!(content(&inner.members[3]), b"enclave\n");
    assert_eq!(inner.members[4].field("mode"), Some(&Value::Mode(0o100755)));
}
