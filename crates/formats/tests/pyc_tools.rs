//! Python bytecode caches written by the Python on this machine (Debian package `python3`), read
//! back and checked against what Python itself says: its magic number, the source's mtime and
//! size, and `importlib.util.source_hash` for hash-based pycs. Damaged headers give clear errors.

mod common;

use std::path::Path;

use common::{field, no_panic_on_damage, open_ok, open_with, run_sh, run_sh_env};
use reproscope_formats::pyc::{Pyc, CODE};
use reproscope_formats::{Data, Limits, Value};

const SOURCE: &str = "def f(x):\n    return x + 1\n\nGREETING = 'hello'\n";
const T: i64 = 1_704_067_200; // 2024-01-01 00:00:00 UTC

/// Compiles m.py in `dir` with py_compile and the given invalidation mode (None: Python's
/// default, which SOURCE_DATE_EPOCH changes), returning the pyc's bytes.
fn compile(dir: &Path, mode: Option<&str>, env: &[(&str, &str)]) -> Vec<u8> {
    std::fs::write(dir.join("m.py"), SOURCE).unwrap();
    run_sh(&format!("touch -d @{T} m.py"), dir, b"", "coreutils");
    let mode = mode.map_or(String::new(), |m| {
        format!(", invalidation_mode=py_compile.PycInvalidationMode.{m}")
    });
    let script = format!("import py_compile; print(py_compile.compile('m.py', cfile='m.pyc', doraise=True{mode}))");
    // Python's default mode depends on SOURCE_DATE_EPOCH: unset unless the caller sets it.
    let unset = if env.iter().any(|(k, _)| *k == "SOURCE_DATE_EPOCH") {
        ""
    } else {
        "env -u SOURCE_DATE_EPOCH "
    };
    run_sh_env(&format!("{unset}python3 -c \"{script}\""), dir, b"", "python3", env);
    std::fs::read(dir.join("m.pyc")).unwrap()
}

fn python(dir: &Path, expr: &str) -> String {
    let out = run_sh(
        &format!("python3 -c \"import importlib.util, sys; print({expr})\""),
        dir,
        b"",
        "python3",
    );
    String::from_utf8(out).unwrap().trim().to_string()
}

fn code(o: &reproscope_formats::Opened) -> Vec<u8> {
    let m = o.members.iter().find(|m| m.name == CODE).expect("(code) member");
    match &m.data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("code is not a blob: {other:?}"),
    }
}

#[test]
fn timestamp_pyc_has_the_source_mtime_and_size() {
    let t = tempfile::tempdir().unwrap();
    let pyc = compile(t.path(), None, &[]);
    let o = open_ok(&Pyc, &pyc, "m.pyc");
    let magic = python(t.path(), "int.from_bytes(importlib.util.MAGIC_NUMBER[:2], 'little')");
    assert_eq!(field(&o, "magic"), Some(&Value::Int(magic.parse().unwrap())));
    assert_eq!(field(&o, "invalidation"), Some(&Value::Text("timestamp".into())));
    assert_eq!(field(&o, "source-mtime"), Some(&Value::Time(T)));
    assert_eq!(field(&o, "source-size"), Some(&Value::Size(SOURCE.len() as u64)));
    assert_eq!(field(&o, "source-hash"), None);
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    // The member is the decoded code object, listed as text: its names are the ones Python
    // reads back with marshal (the decoding is checked in depth in crates/diff/tests/pyc_marshal.rs).
    let listing = String::from_utf8(code(&o)).unwrap();
    let names = python(
        t.path(),
        "__import__('marshal').loads(open('m.pyc', 'rb').read()[16:]).co_names",
    );
    assert!(names.contains("'f'") && names.contains("'GREETING'"), "{names}");
    for name in ["'f'", "'GREETING'"] {
        assert!(listing.contains(&format!("<module>: names {name}\n")), "{listing}");
    }
}

#[test]
fn hash_based_pycs_carry_importlibs_source_hash() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("m.py"), SOURCE).unwrap();
    let want = python(t.path(), "importlib.util.source_hash(open('m.py', 'rb').read()).hex()");
    for (mode, kind) in [("CHECKED_HASH", "checked-hash"), ("UNCHECKED_HASH", "unchecked-hash")] {
        let pyc = compile(t.path(), Some(mode), &[]);
        let o = open_ok(&Pyc, &pyc, "m.pyc");
        assert_eq!(field(&o, "invalidation"), Some(&Value::Text(kind.into())));
        assert_eq!(field(&o, "source-hash"), Some(&Value::Digest(want.clone())), "{mode}");
        assert_eq!(field(&o, "source-mtime"), None);
    }
    // With SOURCE_DATE_EPOCH set, py_compile writes checked-hash pycs by default: no mtime.
    let pyc = compile(t.path(), None, &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let o = open_ok(&Pyc, &pyc, "m.pyc");
    assert_eq!(field(&o, "invalidation"), Some(&Value::Text("checked-hash".into())));
}

#[test]
fn identified_by_name_and_magic() {
    use reproscope_formats::identify;
    let t = tempfile::tempdir().unwrap();
    let pyc = compile(t.path(), None, &[]);
    assert_eq!(identify(&pyc, "m.cpython-311.pyc").map(|f| f.name()), Some("pyc"));
    assert_eq!(identify(&pyc, "m.bin").map(|f| f.name()), None);
    assert_eq!(identify(b"ab\r\nxxxx", "x.pyc").map(|f| f.name()), Some("pyc"));
    assert_eq!(identify(b"abcdxxxx", "x.pyc").map(|f| f.name()), None);
}

#[test]
fn damaged_headers_are_named() {
    let t = tempfile::tempdir().unwrap();
    let pyc = compile(t.path(), None, &[]);
    let limits = Limits::default();
    let e = open_with(&Pyc, &pyc[..10], "m.pyc", &limits).unwrap_err();
    assert!(e.contains("needs a 16-byte header, the file has 10 bytes"), "{e}");
    let mut bad = pyc.clone();
    bad[4] = 0x10;
    let e = open_with(&Pyc, &bad, "m.pyc", &limits).unwrap_err();
    assert_eq!(e, "pyc: unknown flags 0x10 in the header at offset 0x4");
    bad[4] = 2;
    let e = open_with(&Pyc, &bad, "m.pyc", &limits).unwrap_err();
    assert!(e.contains("check-source bit is set without the hash bit"), "{e}");
    let mut old = pyc.clone();
    old[0..2].copy_from_slice(&3379u16.to_le_bytes()); // Python 3.6: 12-byte header
    let o = open_ok(&Pyc, &old, "m.pyc");
    // Read with the 3.3–3.6 layout: the flags word is the mtime, the mtime the size.
    assert_eq!(field(&o, "source-mtime"), Some(&Value::Time(0)));
    assert_eq!(field(&o, "source-size"), Some(&Value::Size(T as u64)));
    assert!(!o.notes.is_empty(), "the code no longer starts after 12 bytes");
    no_panic_on_damage(&Pyc, &pyc, "m.pyc", &limits);
}
