//! The engine on zip archives made by Info-ZIP `zip` (Debian package `zip`), and on xz / zstd /
//! bzip2 / lz4 compressed content made by their tools (packages `xz-utils`, `zstd`, `bzip2`,
//! `lz4`).

use std::path::{Path, PathBuf};
use std::process::Command;

use reproscope_diff::{compare_paths, open_node, Change, Options};
use reproscope_formats::{Blob, Limits, Value};

fn sh(cmd: &str, dir: &Path, tz: &str) {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", tz)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages zip, xz-utils, zstd, bzip2 and lz4 installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(root: &Path, rel: &str, data: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn tree(root: &Path) {
    write(root, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n");
    write(root, "a.txt", &"alpha line\n".repeat(50));
    write(root, "b.txt", "b = 1\nc = 2\nd = 3\n");
    write(root, "sub/c.bin", "\u{1}\u{2}binary\u{0}data");
    std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
}

/// Every file and directory (and the symlink itself) at 2024-01-01 00:00:00 UTC.
fn pin_times(root: &Path) {
    sh("find . -exec touch -h -d '2024-01-01 00:00:00' {} +", root, "UTC");
}

/// Two jar-like archives made by zip with its default extra fields: b.txt's content differs,
/// sub/c.bin's mtime differs, d.txt only exists in the second.
fn pair(t: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (t.join("a"), t.join("b"));
    tree(&a);
    tree(&b);
    write(&b, "b.txt", "b = 1\nc = 20\nd = 3\n");
    write(&b, "d.txt", "new\n");
    pin_times(&a);
    pin_times(&b);
    sh("touch -m -d '2024-01-02 00:00:00' sub/c.bin", &b, "UTC");
    let files = "META-INF META-INF/MANIFEST.MF a.txt b.txt sub sub/c.bin link";
    sh(&format!("zip -q -y ../a.zip {files}"), &a, "UTC");
    sh(&format!("zip -q -y ../b.zip {files} d.txt"), &b, "UTC");
    (t.join("a.zip"), t.join("b.zip"))
}

#[test]
fn zip_members_that_changed_are_named() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pair(t.path());
    let d = compare_paths(&a, &b, &Options::default()).unwrap().expect("different");
    assert_eq!(d.format.as_deref(), Some("zip"));
    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["b.txt", "sub/c.bin", "d.txt"], "{d:#?}");
    let by = |n: &str| changes.iter().find(|(p, _)| p == n).unwrap().1;

    let bt = by("b.txt");
    assert!(bt.unified_diff.as_deref().unwrap().contains("-c = 2\n+c = 20\n"));
    let fields: Vec<&str> = bt.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["compressed-size", "crc32", "size"]);

    // The DOS time and the UT extended time both record the change; nothing else differs.
    let c = by("sub/c.bin");
    assert!(c.unified_diff.is_none() && c.byte_range_count == 0);
    let own: Vec<&str> = c
        .fields
        .iter()
        .filter(|f| f.derived.is_none())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(own, ["mtime", "mtime-ext", "extra", "local-extra"]);
    let mtime = c.fields.iter().find(|f| f.name == "mtime-ext").unwrap();
    assert_eq!(mtime.before, Some(Value::Time(1_704_067_200)));
    assert_eq!(mtime.after, Some(Value::Time(1_704_153_600)));

    assert_eq!(by("d.txt").change, Change::Added);

    // Members after b.txt moved: their offsets differ, marked as following from b.txt's size.
    let all = {
        let mut v = Vec::new();
        d.walk(&mut |p, n| {
            if !p.is_empty() {
                v.push((p.join("/"), n.fields.clone()));
            }
        });
        v
    };
    let (_, fields) = all.iter().find(|(p, _)| p == "link").expect("link's offset moved");
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["offset"]);
    assert!(fields[0].derived.is_some());
}

#[test]
fn time_zone_of_the_build_shows_in_dos_times_only() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    tree(&a);
    pin_times(&a);
    sh(
        "zip -q -y -r ../utc.zip . && cd .. && cp utc.zip utc-copy.zip",
        &a,
        "UTC",
    );
    // zip records access times in the local UT field, and reading the files for the first
    // archive may have moved them: pin them again.
    pin_times(&a);
    sh("zip -q -y -r ../tokyo.zip .", &a, "JST-9");
    let d = compare_paths(
        &t.path().join("utc.zip"),
        &t.path().join("tokyo.zip"),
        &Options::default(),
    )
    .unwrap()
    .expect("different");
    let changes = d.changes();
    assert_eq!(changes.len(), 7, "every member: {d:#?}");
    for (path, n) in &changes {
        let own: Vec<&str> = n
            .fields
            .iter()
            .filter(|f| f.derived.is_none())
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(own, ["mtime"], "{path}");
        let f = &n.fields[0];
        match (&f.before, &f.after) {
            (Some(Value::Time(x)), Some(Value::Time(y))) => assert_eq!(y - x, 9 * 3600),
            other => panic!("{other:?}"),
        }
    }
    assert!(compare_paths(
        &t.path().join("utc.zip"),
        &t.path().join("utc-copy.zip"),
        &Options::default()
    )
    .unwrap()
    .is_none());
}

#[test]
fn compressed_tarball_layers_and_levels() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    tree(&a);
    pin_times(&a);
    sh(
        "tar --sort=name --format=gnu -cf ../x.tar . && cd .. && \
         xz -1 -k -c x.tar > x1.tar.xz && xz -9 -k -c x.tar > x9.tar.xz && \
         zstd -q -1 -c x.tar > x.tar.zst && bzip2 -c x.tar > x.tar.bz2 && lz4 -q -c x.tar > x.tar.lz4",
        &a,
        "UTC",
    );
    for (file, formats) in [
        ("x1.tar.xz", ["xz", "tar"]),
        ("x.tar.zst", ["zstd", "tar"]),
        ("x.tar.bz2", ["bzip2", "tar"]),
        ("x.tar.lz4", ["lz4", "tar"]),
    ] {
        let blob = Blob::from_file(&t.path().join(file)).unwrap();
        let v = open_node(blob, file, &Limits::default(), file, &[], 8).unwrap();
        assert_eq!(v.formats, formats, "{file}");
        assert!(v.members.unwrap().iter().any(|m| m.name == "sub/c.bin"));
    }
    // Two xz presets: the same tar inside, a preset difference outside.
    let d = compare_paths(
        &t.path().join("x1.tar.xz"),
        &t.path().join("x9.tar.xz"),
        &Options::default(),
    )
    .unwrap()
    .expect("different");
    assert!(d.changes().is_empty(), "no member differs: {d:#?}");
    let hint = d
        .fields
        .iter()
        .find(|f| f.name == "xz.level-hint")
        .expect("level hint differs");
    assert_eq!(hint.before, Some(Value::Text("preset -1 (dict=1MiB)".into())));
    assert_eq!(hint.after, Some(Value::Text("preset -9 (dict=64MiB)".into())));
}
