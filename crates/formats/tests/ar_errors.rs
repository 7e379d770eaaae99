//! Bad ar input: each kind gets a clear error naming what and where, and nothing panics.
//! Archives are written by hand so that each test breaks exactly one thing; the no-panic loop
//! also runs over archives GNU ar made (Debian package `binutils`).

mod common;

use std::path::Path;
use std::process::Command;

use reproscope_formats::ar::Ar;
use reproscope_formats::{Data, Limits, Opened, Value};

/// One member: a 60-byte header (fields as given, space-padded) and its data, padded to even.
fn member_with(name: &str, mode: &str, data: &[u8]) -> Vec<u8> {
    let mut h = format!(
        "{name:<16}{:<12}{:<6}{:<6}{mode:<8}{:<10}`\n",
        1_700_000_000,
        1000,
        100,
        data.len()
    )
    .into_bytes();
    assert_eq!(h.len(), 60);
    h.extend_from_slice(data);
    if h.len() % 2 == 1 {
        h.push(b'\n');
    }
    h
}

fn member(name: &str, data: &[u8]) -> Vec<u8> {
    member_with(name, "100644", data)
}

fn archive(members: &[Vec<u8>]) -> Vec<u8> {
    [b"!<arch>\n".to_vec(), members.concat()].concat()
}

/// Every format's identification, then open, then a load of every member (see common).
fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Ar, bytes, "x.a", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

#[test]
fn well_formed_sample_opens() {
    let a = archive(&[
        member("//", b"a_rather_long_member_name.o/\n"),
        member("short.o/", b"abc"),
        member("/0", b"long"),
        member("#1/12", b"bsd-name.txtbsd data"),
    ]);
    let o = open(&a).unwrap();
    let names: Vec<_> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["short.o", "a_rather_long_member_name.o", "bsd-name.txt"]);
    let m = &o.members[2];
    let Some(Data::Blob(b)) = &m.data else { panic!() };
    assert_eq!(&b[..], b"bsd data");
    assert_eq!(m.size, 8);
    assert_eq!(m.field("uid"), Some(&Value::Id(1000)));
    assert_eq!(m.field("gid"), Some(&Value::Id(100)));
    assert_eq!(m.field("mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(m.field("mode"), Some(&Value::Mode(0o100644)));
}

#[test]
fn bad_magic() {
    assert_eq!(
        open(b"!<arch>x").unwrap_err(),
        "ar: bad magic (expected \"!<arch>\\n\")"
    );
}

#[test]
fn header_truncated() {
    let a = archive(&[member("a.o/", b"ab"), member("b.o/", b"cd")]);
    assert_eq!(
        open(&a[..8 + 62 + 30]).unwrap_err(),
        "ar member 2 at offset 0x46: header truncated (need 60 bytes, 30 left)"
    );
}

#[test]
fn bad_header_terminator() {
    let mut a = archive(&[member("a.o/", b"ab")]);
    a[8 + 58] = b'x';
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 'a.o/' at offset 0x8: bad header terminator \"x\\n\" (expected \"`\\n\")"
    );
}

#[test]
fn numeric_fields() {
    let mut a = archive(&[member("a.o/", b"ab")]);
    a[8 + 16..8 + 28].copy_from_slice(b"17000000x0  ");
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 'a.o/' at offset 0x8: field mtime is not a decimal number: \"17000000x0  \""
    );
    let a = archive(&[member_with("a.o/", "100694", b"ab")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 'a.o/' at offset 0x8: field mode is not octal: \"100694  \""
    );
    let mut a = archive(&[member("a.o/", b"ab")]);
    a[8 + 48..8 + 58].copy_from_slice(b"          ");
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 'a.o/' at offset 0x8: field size is blank"
    );
    // Other blank fields are allowed (GNU's // table has them): the field is left out.
    let mut a = archive(&[member("a.o/", b"ab")]);
    a[8 + 28..8 + 34].copy_from_slice(b"      ");
    let o = open(&a).unwrap();
    assert_eq!(o.members[0].field("uid"), None);
}

#[test]
fn data_truncated() {
    let a = archive(&[member("a.o/", &[1u8; 100])]);
    assert_eq!(
        open(&a[..8 + 60 + 40]).unwrap_err(),
        "ar member 1 'a.o/' at offset 0x8: data truncated (need 100 bytes, 40 left)"
    );
}

#[test]
fn bsd_names() {
    let a = archive(&[member("#1/20", b"short")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 '#1/20' at offset 0x8: BSD name of 20 bytes is longer than the member's 5 bytes"
    );
    let a = archive(&[member("#1/x", b"short")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 '#1/x' at offset 0x8: bad BSD name length"
    );
}

#[test]
fn gnu_long_names() {
    let a = archive(&[member("/4", b"x")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 1 '/4' at offset 0x8: long name reference without a // name table before it"
    );
    let a = archive(&[member("//", b"abc/\n"), member("/9", b"x")]);
    assert_eq!(
        open(&a).unwrap_err(),
        "ar member 2 '/9' at offset 0x4a: long name offset 9 is outside the // name table (5 bytes)"
    );
}

#[test]
fn empty_name() {
    let a = archive(&[member("", b"x")]);
    assert_eq!(open(&a).unwrap_err(), "ar member 1 at offset 0x8: empty member name");
}

#[test]
fn member_limit() {
    let limits = Limits {
        max_members: 2,
        ..Limits::default()
    };
    let three = archive(&[member("a/", b""), member("b/", b""), member("c/", b"")]);
    assert_eq!(
        open_with(&three, &limits).unwrap_err(),
        "ar: more than 2 members (limit)"
    );
    let two = archive(&[member("a/", b""), member("b/", b"")]);
    assert_eq!(open_with(&two, &limits).unwrap().members.len(), 2);
}

#[test]
fn malformed_symbol_table_is_a_note() {
    // Claims 1000 symbols in 8 bytes.
    let a = archive(&[member("/", &[0, 0, 3, 0xe8, 0, 0, 0, 8]), member("a.o/", b"x")]);
    let o = open(&a).unwrap();
    assert_eq!(o.members.len(), 1);
    assert!(
        o.notes
            .iter()
            .any(|n| n == "symbol table at offset 0x8 not read: 1000 symbols do not fit in 8 bytes"),
        "{:?}",
        o.notes
    );
    assert_eq!(
        o.fields
            .iter()
            .find(|f| f.name == "symbol-table.size")
            .map(|f| &f.value),
        Some(&Value::Size(8))
    );
}

#[test]
fn bsd_symbol_table() {
    // __.SYMDEF: ranlib bytes, {strx, member offset}, string table bytes, strings.
    let mut symdef = Vec::new();
    symdef.extend_from_slice(&8u32.to_le_bytes());
    symdef.extend_from_slice(&0u32.to_le_bytes());
    symdef.extend_from_slice(&(8u32 + 92).to_le_bytes()); // the member after this one
    symdef.extend_from_slice(&4u32.to_le_bytes());
    symdef.extend_from_slice(b"sym\0");
    let first = member("#1/12", &[b"__.SYMDEF\0\0\0".as_slice(), &symdef].concat());
    assert_eq!(first.len(), 92);
    let a = archive(&[first, member("#1/3", b"f.oxyz")]);
    let o = open(&a).unwrap();
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "f.o");
    assert_eq!(o.text.as_deref(), Some("symbol table (bsd, 1 symbols):\nsym  f.o\n"));
    let fmt = o.fields.iter().find(|f| f.name == "format").map(|f| &f.value);
    assert_eq!(fmt, Some(&Value::Text("bsd".into())));
}

#[test]
fn stray_final_newline_is_tolerated() {
    let mut a = archive(&[member("a.o/", b"ab")]);
    a.push(b'\n');
    let o = open(&a).unwrap();
    assert_eq!(o.members.len(), 1);
    assert!(o.notes.iter().any(|n| n.contains("stray newline")), "{:?}", o.notes);
}

fn binutils(cmd: &str, dir: &Path) {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "`{cmd}` failed (is the Debian package binutils installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_panic_on_truncation_or_corruption() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("f.s"), ".globl f\nf: ret\n").unwrap();
    std::fs::write(d.join("odd.txt"), "odd").unwrap();
    binutils(
        "as -o a_long_object_file_name.o f.s && ar rcsU lib.a a_long_object_file_name.o odd.txt \
         && ar rcsT thin.a a_long_object_file_name.o odd.txt",
        d,
    );
    let mut samples = vec![
        std::fs::read(d.join("lib.a")).unwrap(),
        std::fs::read(d.join("thin.a")).unwrap(),
    ];
    samples.push(archive(&[
        member("#1/12", b"__.SYMDEF\0\0\0\x08\0\0\0\0\0\0\0\x50\0\0\0\x04\0\0\0sym\0"),
        member("#1/3", b"f.oxyz"),
    ]));
    for a in &samples {
        open(a).unwrap_or_else(|e| panic!("sample does not open: {e}"));
        for n in 0..a.len() {
            let _ = open(&a[..n]);
        }
        let mut b = a.clone();
        for i in 0..b.len() {
            let orig = b[i];
            for v in [orig ^ 0xff, b'9', b' ', b'/', 0xff] {
                b[i] = v;
                let _ = open(&b);
            }
            b[i] = orig;
        }
    }
}
