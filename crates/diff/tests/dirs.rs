//! The engine on real directory trees.

use std::path::Path;
use std::time::{Duration, SystemTime};

use reproscope_diff::{compare_paths, Change, Options};
use reproscope_formats::Value;

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
}

fn set_mtime(p: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn tree(root: &Path) {
    write(root, "etc/app.conf", b"a = 1\nb = 2\nc = 3\n");
    write(root, "bin/tool", &[0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    write(root, "same.txt", b"same\n");
    for f in ["etc/app.conf", "bin/tool", "same.txt"] {
        set_mtime(&root.join(f), 1_704_067_200);
    }
}

#[test]
fn identical_trees_compare_equal() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tree(a.path());
    tree(b.path());
    // Directory mtimes differ (created at different moments); pin them too.
    for d in ["etc", "bin"] {
        for r in [a.path(), b.path()] {
            filetime_dir(&r.join(d));
        }
    }
    let d = compare_paths(&a.path().join("etc"), &b.path().join("etc"), &Options::default()).unwrap();
    assert!(d.is_none(), "{d:#?}");
}

/// Directories' own mtimes are set by creating files in them; set them to a fixed value.
fn filetime_dir(p: &Path) {
    let f = std::fs::File::open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
        .unwrap();
}

#[test]
fn names_each_change_and_its_kind() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tree(a.path());
    tree(b.path());
    write(b.path(), "etc/app.conf", b"a = 1\nb = 20\nc = 3\n");
    set_mtime(&b.path().join("etc/app.conf"), 1_704_067_200);
    set_mtime(&b.path().join("same.txt"), 1_704_153_600);
    write(b.path(), "bin/tool", &[0u8, 1, 2, 0xff, 4, 5, 6, 7, 8, 9]);
    set_mtime(&b.path().join("bin/tool"), 1_704_067_200);
    write(b.path(), "new.txt", b"new\n");
    std::fs::remove_file(a.path().join("same.txt")).ok();
    write(a.path(), "same.txt", b"same\n");
    set_mtime(&a.path().join("same.txt"), 1_704_067_200);
    for r in [a.path(), b.path()] {
        filetime_dir(&r.join("etc"));
        filetime_dir(&r.join("bin"));
    }

    let d = compare_paths(a.path(), b.path(), &Options::default())
        .unwrap()
        .expect("different");
    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["bin/tool", "etc/app.conf", "new.txt", "same.txt"], "{names:?}");

    let by = |n: &str| changes.iter().find(|(p, _)| p == n).unwrap().1;
    let conf = by("etc/app.conf");
    assert!(conf.unified_diff.as_deref().unwrap().contains("-b = 2\n+b = 20\n"));
    let names: Vec<&str> = conf.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["size"],
        "only the size changes besides the content: {:?}",
        conf.fields
    );
    assert_eq!(conf.fields[0].after, Some(Value::Size(19)));

    let tool = by("bin/tool");
    assert_eq!(tool.byte_range_count, 1);
    assert_eq!(tool.byte_ranges[0].offset, 3);

    assert_eq!(by("new.txt").change, Change::Added);

    let same = by("same.txt");
    assert!(same.unified_diff.is_none());
    assert_eq!(same.fields.len(), 1);
    assert_eq!(same.fields[0].name, "mtime");
    assert_eq!(same.fields[0].before, Some(Value::Time(1_704_067_200)));
    assert_eq!(same.fields[0].after, Some(Value::Time(1_704_153_600)));
}

#[test]
fn missing_input_is_an_error_naming_it() {
    let a = tempfile::tempdir().unwrap();
    let e = compare_paths(&a.path().join("nope"), a.path(), &Options::default()).unwrap_err();
    assert!(e.file.ends_with("nope"));
    assert!(e.to_string().contains("cannot open"), "{e}");
}

/// Bytes that differ where no parsed field does (here: the case of a hex digit in a cpio header)
/// must not be called identical.
#[test]
fn unparsed_byte_differences_are_reported() {
    use reproscope_formats::cpio::{write_newc, WriteEntry};
    let a = write_newc(&[WriteEntry {
        name: "f".into(),
        mode: 0o100644,
        mtime: 0xABCDEF,
        ..Default::default()
    }]);
    let mut b = a.clone();
    let at = b.windows(6).position(|w| w == b"ABCDEF").unwrap();
    b[at..at + 6].copy_from_slice(b"abcdef");
    let t = tempfile::tempdir().unwrap();
    let (pa, pb) = (t.path().join("a.cpio"), t.path().join("b.cpio"));
    std::fs::write(&pa, &a).unwrap();
    std::fs::write(&pb, &b).unwrap();
    let d = compare_paths(&pa, &pb, &Options::default())
        .unwrap()
        .expect("the bytes differ");
    assert!(
        d.comments.iter().any(|c| c.contains("no parsed field")),
        "{:?}",
        d.comments
    );
    assert_eq!(d.byte_ranges[0].offset, at as u64);
}

#[test]
fn a_file_that_only_looks_like_an_archive_is_compared_as_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // A zip local header followed by junk, as test suites ship: not readable as zip.
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..200u8).map(|i| i.wrapping_mul(37)));
    write(a.path(), "tests/broken.zip", &junk);
    junk[100] ^= 0xff;
    write(b.path(), "tests/broken.zip", &junk);
    let d = compare_paths(a.path(), b.path(), &Options::default())
        .expect("not an error: the file is compared as bytes")
        .expect("different");
    let z = d
        .details
        .iter()
        .find(|x| x.source1 == "tests/broken.zip")
        .unwrap_or_else(|| panic!("{:?}", d.changes()));
    assert!(
        z.comments
            .iter()
            .any(|c| c.starts_with("cannot open: zip: ") && c.ends_with("; compared as bytes")),
        "{:?}",
        z.comments
    );
    assert_eq!(z.byte_ranges.len(), 1, "{z:?}");
    assert_eq!(z.byte_ranges[0].offset, 100);
}
