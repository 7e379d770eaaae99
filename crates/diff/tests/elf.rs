//! The engine on ELF files built by gcc at test time (Debian packages gcc, binutils).

mod common;

use std::path::{Path, PathBuf};

use reproscope_diff::{compare_paths, Difference, Options};
use reproscope_formats::elf::Elf;
use reproscope_formats::{Blob, Format, Limits, Value};

fn build(dir: &Path, source: &str, cmd: &str) -> PathBuf {
    std::fs::write(dir.join("prog.c"), source).unwrap();
    common::sh(cmd, dir, "gcc binutils");
    dir.join("prog")
}

fn field<'a>(d: &'a Difference, name: &str) -> Option<&'a reproscope_diff::FieldChange> {
    d.fields.iter().find(|f| f.name == name)
}

const PROG: &str = "#include <stdio.h>\nint main(void) { puts(\"hello A\"); return 0; }\n";

#[test]
fn build_path_shows_as_comp_dir_and_debug_sections() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cmd = "gcc -g -O1 -c prog.c -o prog.o && gcc -o prog prog.o";
    let (pa, pb) = (build(a.path(), PROG, cmd), build(b.path(), PROG, cmd));
    let d = compare_paths(&pa, &pb, &Options::default())
        .unwrap()
        .expect("different");
    assert_eq!(d.format.as_deref(), Some("elf"));

    let dir = field(&d, "dwarf.comp-dir").expect("dwarf.comp-dir changes");
    assert_eq!(dir.before, Some(Value::Path(a.path().to_str().unwrap().into())));
    assert_eq!(dir.after, Some(Value::Path(b.path().to_str().unwrap().into())));
    assert!(dir.derived.is_none(), "the build path is a cause, not a consequence");
    // The build ID hashes the whole file, so it follows the change.
    assert!(
        field(&d, "build-id").is_some_and(|f| f.derived.is_some()),
        "{:?}",
        d.fields
    );

    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    // DWARF 5 keeps the compilation directory in .debug_line_str.
    assert!(names.contains(&".debug_line_str"), "{names:?}");
    assert!(
        names.iter().all(|n| !matches!(*n, ".text" | ".rodata" | ".data")),
        "{names:?}"
    );
    let line_str = &changes.iter().find(|(p, _)| p == ".debug_line_str").unwrap().1;
    assert!(
        line_str.fields.iter().any(|f| f.name == "sha256"),
        "{:?}",
        line_str.fields
    );
}

#[test]
fn string_literal_changes_rodata_not_text() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cmd = "gcc -O1 -Wl,--build-id=sha1 -o prog prog.c";
    let pa = build(a.path(), PROG, cmd);
    let pb = build(b.path(), &PROG.replace("hello A", "hello B"), cmd);
    let d = compare_paths(&pa, &pb, &Options::default())
        .unwrap()
        .expect("different");

    let id = field(&d, "build-id").expect("build-id changes");
    assert!(matches!((&id.before, &id.after), (Some(Value::Digest(x)), Some(Value::Digest(y))) if x != y));

    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    assert!(names.contains(&".rodata"), "{names:?}");
    assert!(!names.contains(&".text"), "{names:?}");
    assert!(names.contains(&".note.gnu.build-id"), "{names:?}");
    let rodata = &changes.iter().find(|(p, _)| p == ".rodata").unwrap().1;
    assert_eq!(rodata.byte_range_count, 1, "one character changed");
    // No offset moved, so nothing outside .rodata and the build ID differs.
    for (path, node) in &changes {
        assert!(
            matches!(path.as_str(), ".rodata" | ".note.gnu.build-id" | "(notes)"),
            "unexpected change in {path}: {node:?}"
        );
    }
}

#[test]
fn a_code_change_is_located_to_its_symbol() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let src = |k: u32| {
        format!("int helper(int x) {{ return x * {k}; }}\nint main(int c, char **v) {{ (void)v; return helper(c); }}\n")
    };
    // Same directory name inside each temp dir is not needed: no -g, so no build path.
    let cmd = "gcc -O1 -fno-inline -o prog prog.c";
    let (pa, pb) = (build(a.path(), &src(3), cmd), build(b.path(), &src(5), cmd));
    let d = compare_paths(&pa, &pb, &Options::default())
        .unwrap()
        .expect("different");
    let text = d
        .details
        .iter()
        .find(|x| x.source1 == ".text")
        .unwrap_or_else(|| panic!("no .text change: {:?}", d.changes()));
    assert!(
        text.comments
            .iter()
            .any(|c| c.starts_with("changed bytes are in helper")),
        "{:?}",
        text.comments
    );
}

#[test]
fn bytes_written_into_padding_are_a_change_of_the_other_bytes() {
    let t = tempfile::tempdir().unwrap();
    let pa = build(t.path(), PROG, "gcc -O1 -o prog prog.c");
    let data = std::fs::read(&pa).unwrap();
    // A zero run outside every section: `(other bytes)` lists where they are.
    let opened = Elf
        .open(&Blob::from_vec(data.clone()), "prog", &Limits::default())
        .unwrap();
    let other = opened
        .members
        .iter()
        .find(|m| m.name == "(other bytes)")
        .expect("gcc output has padding between sections");
    let Some(Value::Text(ranges)) = other.field("ranges") else {
        panic!("no ranges: {other:?}")
    };
    let (start, end) = ranges
        .split(", ")
        .filter_map(|r| r.split_once(".."))
        .map(|(s, e)| {
            let num = |x: &str| u64::from_str_radix(x.trim_start_matches("0x"), 16).unwrap() as usize;
            (num(s), num(e))
        })
        .find(|&(s, e)| e - s >= 8 && data[s..s + 8].iter().all(|&b| b == 0))
        .expect("a zero gap of 8 bytes");
    assert!(end > start);
    let mut b = data.clone();
    b[start..start + 8].copy_from_slice(b"PADDING!");
    let pb = t.path().join("prog-b");
    std::fs::write(&pb, &b).unwrap();

    let d = compare_paths(&pa, &pb, &Options::default())
        .unwrap()
        .expect("different");
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["(other bytes)"], "{d:#?}");
    let node = d.details.iter().find(|x| x.source1 == "(other bytes)").unwrap();
    assert_eq!(node.change, reproscope_diff::Change::Changed, "{node:?}");
    assert!(node.byte_range_count > 0, "{node:?}");
}
