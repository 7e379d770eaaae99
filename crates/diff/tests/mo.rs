//! The engine on gettext catalogs compiled by `msgfmt` (Debian package `gettext`): a new
//! revision date changes one line of `(header)` and nothing in `(messages)`; one changed
//! translation is one changed line of `(messages)`; damaged catalogs give an error or a partial
//! result, never a panic.

mod common;

use std::path::Path;

use reproscope_diff::{compare_paths, Difference, Options};

const GETTEXT: &str = "gettext";

/// A catalog with a header, a context, plural forms and escapes; `revision` and `creation` are
/// the header's dates and `hello` the translation of "Hello".
fn po(creation: &str, revision: &str, hello: &str) -> String {
    format!(
        r#"msgid ""
msgstr ""
"Project-Id-Version: demo 1.0\n"
"POT-Creation-Date: {creation}\n"
"PO-Revision-Date: {revision}\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Hello"
msgstr "{hello}"

msgctxt "menu"
msgid "Open"
msgstr "Öffnen"

msgid "%d file"
msgid_plural "%d files"
msgstr[0] "%d Datei"
msgstr[1] "%d Dateien"

msgid "Tab\there\nnewline \"q\""
msgstr "Tab\tda\nneu"

msgid "Quit"
msgstr "Beenden"
"#
    )
}

/// Writes `name`.po and compiles it to `name`.mo.
fn compile(dir: &Path, name: &str, po: &str) {
    std::fs::write(dir.join(format!("{name}.po")), po).unwrap();
    common::sh(&format!("msgfmt -o {name}.mo {name}.po"), dir, GETTEXT);
}

fn compare(dir: &Path, a: &str, b: &str) -> Option<Difference> {
    compare_paths(&dir.join(a), &dir.join(b), &Options::default()).unwrap()
}

/// The changed lines (`-`/`+`) of a unified diff.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| (l.starts_with('-') || l.starts_with('+')) && !l.starts_with("@@"))
        .collect()
}

fn member<'a>(d: &'a Difference, name: &str) -> &'a Difference {
    d.details
        .iter()
        .find(|x| x.source1 == name)
        .unwrap_or_else(|| panic!("no {name} in {d:#?}"))
}

#[test]
fn header_dates_change_only_the_header() {
    let t = tempfile::tempdir().unwrap();
    compile(
        t.path(),
        "a",
        &po("2024-01-01 00:00+0000", "2024-01-02 00:00+0000", "Hallo"),
    );
    compile(
        t.path(),
        "b",
        &po("2025-06-01 12:00+0000", "2025-06-02 13:14+0000", "Hallo"),
    );
    let d = compare(t.path(), "a.mo", "b.mo").expect("the catalogs differ");
    assert_eq!(d.format.as_deref(), Some("mo"));
    assert!(d.fields.is_empty(), "{d:#?}");
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["(header)"], "{d:#?}");
    let diff = member(&d, "(header)").unified_diff.as_deref().expect("a line diff");
    // msgfmt leaves POT-Creation-Date out of the catalog: only the revision date is there.
    assert_eq!(
        changed_lines(diff),
        [
            "-PO-Revision-Date: 2024-01-02 00:00+0000",
            "+PO-Revision-Date: 2025-06-02 13:14+0000"
        ],
        "{diff}"
    );
    assert!(d.details.iter().all(|x| x.source1 != "(messages)"), "{d:#?}");

    // So a catalog that differs only in its POT-Creation-Date compiles to the same bytes.
    compile(
        t.path(),
        "c",
        &po("1999-09-09 09:09+0000", "2024-01-02 00:00+0000", "Hallo"),
    );
    assert!(compare(t.path(), "a.mo", "c.mo").is_none());
}

#[test]
fn one_changed_translation_is_one_line() {
    let t = tempfile::tempdir().unwrap();
    let dates = ("2024-01-01 00:00+0000", "2024-01-02 00:00+0000");
    compile(t.path(), "a", &po(dates.0, dates.1, "Hallo"));
    compile(t.path(), "b", &po(dates.0, dates.1, "Guten Tag"));
    let d = compare(t.path(), "a.mo", "b.mo").expect("the catalogs differ");
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["(messages)"], "{d:#?}");
    let diff = member(&d, "(messages)").unified_diff.as_deref().expect("a line diff");
    assert_eq!(
        changed_lines(diff),
        [
            "-msgid \"Hello\" → msgstr \"Hallo\"",
            "+msgid \"Hello\" → msgstr \"Guten Tag\""
        ],
        "{diff}"
    );
    // The other messages are context, rendered readably: plural forms, the context, escapes.
    for line in [
        " msgid \"%d file\" msgid_plural \"%d files\" → msgstr[0] \"%d Datei\" msgstr[1] \"%d Dateien\"",
        " msgctxt \"menu\" msgid \"Open\" → msgstr \"Öffnen\"",
        " msgid \"Tab\\there\\nnewline \\\"q\\\"\" → msgstr \"Tab\\tda\\nneu\"",
    ] {
        assert!(diff.lines().any(|l| l == line), "{line:?} not in\n{diff}");
    }
    // The string table's offsets moved with the longer translation; no field shows that.
    assert!(d.fields.is_empty(), "{d:#?}");
}

#[test]
fn damaged_catalogs_give_errors_or_partial_results() {
    let t = tempfile::tempdir().unwrap();
    let dates = ("2024-01-01 00:00+0000", "2024-01-02 00:00+0000");
    compile(t.path(), "a", &po(dates.0, dates.1, "Hallo"));
    let good = std::fs::read(t.path().join("a.mo")).unwrap();
    let put = |name: &str, bytes: &[u8]| std::fs::write(t.path().join(name), bytes).unwrap();
    let word = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let opts = Options::default();
    let run = |name: &str| compare_paths(&t.path().join("a.mo"), &t.path().join(name), &opts);

    // Truncated inside the header: an error naming the header.
    put("short.mo", &good[..20]);
    let e = run("short.mo").unwrap_err().to_string();
    assert!(e.contains("mo: the header needs 28 bytes, the file has 20"), "{e}");

    // Truncated inside the strings: the tables are there, the last strings are not.
    put("cut.mo", &good[..good.len() - 30]);
    let d = run("cut.mo").unwrap().expect("differs");
    let diff = member(&d, "(messages)").unified_diff.as_deref().expect("a line diff");
    assert!(
        diff.contains("+msgctxt \"menu\" msgid \"Open\" → <missing: translated string 5 at offset"),
        "{diff}"
    );
    assert!(!diff.contains("-msgid \"%d file\""), "{diff}");

    // A string table past the end of the file.
    let mut bad = good.clone();
    word(&mut bad, 12, 0x7fff_fff0);
    put("table.mo", &bad);
    let e = run("table.mo").unwrap_err().to_string();
    assert!(e.contains("original string table at offset 0x7ffffff0"), "{e}");

    // A huge count.
    let mut bad = good.clone();
    word(&mut bad, 8, u32::MAX);
    put("count.mo", &bad);
    let e = run("count.mo").unwrap_err().to_string();
    assert!(e.contains("with 4294967295 entries"), "{e}");

    // One translation's offset out of range: that message shows what is missing.
    let trans = u32::from_le_bytes(good[16..20].try_into().unwrap()) as usize;
    let mut bad = good.clone();
    word(&mut bad, trans + 8 + 4, 0xffff_0000); // entry 1's offset
    put("offset.mo", &bad);
    let d = run("offset.mo").unwrap().expect("differs");
    let m = member(&d, "(messages)");
    let diff = m.unified_diff.as_deref().expect("a line diff");
    assert!(
        diff.contains("<missing: translated string 1 at offset 0xffff0000, length"),
        "{diff}"
    );

    // Every prefix opens or fails cleanly.
    for len in 0..good.len() {
        put("p.mo", &good[..len]);
        let _ = run("p.mo");
    }
}
