//! gettext catalogs from `msgfmt` (Debian package `gettext`) in both byte orders and without a
//! hash table, and damaged ones: every prefix and byte flip opens or fails cleanly.

mod common;

use common::{field, no_panic_on_damage, open_ok, open_with, run_sh};
use reproscope_formats::mo::{Mo, HEADER_MEMBER, MESSAGES};
use reproscope_formats::{identify, Data, Limits, Opened, Value};

const PO: &str = r#"msgid ""
msgstr ""
"Project-Id-Version: demo 1.0\n"
"PO-Revision-Date: 2024-01-02 00:00+0000\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Hello"
msgstr "Hallo"

msgctxt "menu"
msgid "Open"
msgstr "Öffnen"

msgid "%d file"
msgid_plural "%d files"
msgstr[0] "%d Datei"
msgstr[1] "%d Dateien"
"#;

/// PO compiled with msgfmt and `options`.
fn msgfmt(options: &str) -> Vec<u8> {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("m.po"), PO).unwrap();
    run_sh(&format!("msgfmt {options} -o m.mo m.po"), t.path(), b"", "gettext");
    std::fs::read(t.path().join("m.mo")).unwrap()
}

fn text(o: &Opened, name: &str) -> String {
    let m = o
        .members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name}"));
    match &m.data {
        Some(Data::Blob(b)) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn both_byte_orders_and_no_hash_table_read_alike() {
    let little = msgfmt("--endianness=little");
    let big = msgfmt("--endianness=big");
    let plain = msgfmt("--endianness=little --no-hash");
    assert_eq!(identify(&big, "x").map(|f| f.name()), Some("mo"));
    let (l, b, p) = (
        open_ok(&Mo, &little, "m.mo"),
        open_ok(&Mo, &big, "m.mo"),
        open_ok(&Mo, &plain, "m.mo"),
    );
    assert_eq!(field(&l, "byte-order"), Some(&Value::Text("little-endian".into())));
    assert_eq!(field(&b, "byte-order"), Some(&Value::Text("big-endian".into())));
    assert_eq!(field(&l, "strings"), Some(&Value::Int(4)));
    assert_eq!(field(&l, "revision"), Some(&Value::Int(0)));
    assert!(matches!(field(&l, "hash-table-size"), Some(Value::Int(n)) if *n > 0));
    assert_eq!(field(&p, "hash-table-size"), Some(&Value::Int(0)));
    for o in [&l, &b, &p] {
        assert!(o.notes.is_empty(), "{:?}", o.notes);
        assert_eq!(
            text(o, HEADER_MEMBER),
            "Project-Id-Version: demo 1.0\nPO-Revision-Date: 2024-01-02 00:00+0000\n\
             Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
        );
        assert_eq!(
            text(o, MESSAGES),
            "msgid \"%d file\" msgid_plural \"%d files\" → msgstr[0] \"%d Datei\" msgstr[1] \"%d Dateien\"\n\
             msgid \"Hello\" → msgstr \"Hallo\"\n\
             msgctxt \"menu\" msgid \"Open\" → msgstr \"Öffnen\"\n"
        );
    }
}

#[test]
fn damage_is_named_and_never_panics() {
    let mo = msgfmt("");
    let limits = Limits::default();
    let e = open_with(&Mo, &mo[..27], "m.mo", &limits).unwrap_err();
    assert_eq!(e, "mo: the header needs 28 bytes, the file has 27");
    let mut bad = mo.clone();
    bad[6] = 2; // major revision 2
    let e = open_with(&Mo, &bad, "m.mo", &limits).unwrap_err();
    assert!(
        e.contains("revision 2.0 (word 0x20000 at offset 0x4): unknown major revision"),
        "{e}"
    );
    let mut bad = mo.clone();
    bad[16..20].copy_from_slice(&(mo.len() as u32 - 8).to_le_bytes());
    let e = open_with(&Mo, &bad, "m.mo", &limits).unwrap_err();
    assert!(e.contains("the translated string table at offset"), "{e}");
    // The hash table is only for lookups: out of range it is a note.
    let mut bad = mo.clone();
    bad[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
    let o = open_with(&Mo, &bad, "m.mo", &limits).unwrap();
    assert!(o.notes.iter().any(|n| n.contains("hash table")), "{:?}", o.notes);
    // Strings out of order.
    let orig = u32::from_le_bytes(mo[12..16].try_into().unwrap()) as usize;
    let mut bad = mo.clone();
    bad.copy_within(orig + 8..orig + 16, orig + 24);
    let o = open_with(&Mo, &bad, "m.mo", &limits).unwrap();
    assert!(o.notes.iter().any(|n| n.contains("not sorted")), "{:?}", o.notes);
    no_panic_on_damage(&Mo, &mo, "m.mo", &limits);
}
