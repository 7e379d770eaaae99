//! The engine on tar archives, gzip'd tarballs and Debian packages (ar + tar) made by the real
//! tools: GNU tar and gzip (Debian packages `tar`, `gzip`) and dpkg-deb (package `dpkg`).

use std::path::Path;
use std::process::Command;

use reproscope_diff::{compare_paths, open_node, Change, Options};
use reproscope_formats::{Blob, Data, Limits, Value};

fn sh(cmd: &str, dir: &Path, env: &[(&str, &str)]) -> String {
    let mut c = Command::new("sh");
    c.args(["-c", cmd]).current_dir(dir).env("LC_ALL", "C").env("TZ", "UTC");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages tar, gzip and dpkg installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write(root: &Path, rel: &str, data: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn tree(root: &Path) {
    write(root, "etc/app.conf", "a = 1\nb = 2\nc = 3\n");
    write(root, "bin/tool", "\x7fELF not really\n");
    write(root, "same.txt", "same\n");
    write(root, "doc/readme", "read me\n");
}

fn pin_times(root: &Path) {
    sh("find . -exec touch -h -d '2024-01-01 00:00:00' {} +", root, &[]);
}

/// Two trees that differ in one file's content, one file's mtime and one added file, as
/// archives `a.<ext>` and `b.<ext>` made by GNU tar with the given options.
fn pair(t: &Path, tar_opts: &str, ext: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let (a, b) = (t.join("a"), t.join("b"));
    tree(&a);
    tree(&b);
    write(&b, "etc/app.conf", "a = 1\nb = 20\nc = 3\n");
    write(&b, "new.txt", "new\n");
    pin_times(&a);
    pin_times(&b);
    sh("touch -d '2024-01-02 00:00:00' same.txt", &b, &[]);
    let opts = format!("--sort=name --owner=0 --group=0 --numeric-owner {tar_opts}");
    sh(&format!("tar {opts} -cf ../a.{ext} ."), &a, &[]);
    sh(&format!("tar {opts} -cf ../b.{ext} ."), &b, &[]);
    (t.join(format!("a.{ext}")), t.join(format!("b.{ext}")))
}

fn check_changes(a: &Path, b: &Path) {
    let d = compare_paths(a, b, &Options::default()).unwrap().expect("different");
    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["etc/app.conf", "new.txt", "same.txt"], "{d:#?}");
    let by = |n: &str| changes.iter().find(|(p, _)| p == n).unwrap().1;

    let conf = by("etc/app.conf");
    assert!(conf.unified_diff.as_deref().unwrap().contains("-b = 2\n+b = 20\n"));
    let fields: Vec<&str> = conf.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["size"], "only the size changes besides the content");

    assert_eq!(by("new.txt").change, Change::Added);

    let same = by("same.txt");
    assert!(same.unified_diff.is_none());
    let fields: Vec<&str> = same.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["mtime"]);
    assert_eq!(same.fields[0].before, Some(Value::Time(1_704_067_200)));
    assert_eq!(same.fields[0].after, Some(Value::Time(1_704_153_600)));
}

#[test]
fn tar_members_that_changed_are_named() {
    for format in ["gnu", "pax --pax-option=delete=atime,delete=ctime", "ustar"] {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = pair(t.path(), &format!("--format={format}"), "tar");
        check_changes(&a, &b);
    }
}

#[test]
fn gzip_compressed_tarballs() {
    let t = tempfile::tempdir().unwrap();
    pair(t.path(), "--format=gnu", "tar");
    sh("gzip -n a.tar b.tar", t.path(), &[]);
    check_changes(&t.path().join("a.tar.gz"), &t.path().join("b.tar.gz"));

    // The layers as the engine opens them.
    let blob = Blob::from_file(&t.path().join("a.tar.gz")).unwrap();
    let v = open_node(blob, "a.tar.gz", &Limits::default(), "a.tar.gz", &[], 8).unwrap();
    assert_eq!(v.formats, ["gzip", "tar"]);
    let names: Vec<String> = v.members.unwrap().iter().map(|m| m.name.clone()).collect();
    let listed: Vec<String> = sh("tar -tzf a.tar.gz", t.path(), &[])
        .lines()
        .map(|l| l.trim_start_matches("./").trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(names, listed);
}

#[test]
fn blocking_factor_shows_as_end_padding() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    tree(&a);
    pin_times(&a);
    sh(
        "tar --format=gnu --sort=name -b 20 -cf ../b20.tar . && tar --format=gnu --sort=name -b 1 -cf ../b1.tar .",
        &a,
        &[],
    );
    let d = compare_paths(&t.path().join("b20.tar"), &t.path().join("b1.tar"), &Options::default())
        .unwrap()
        .expect("different");
    assert!(d.changes().is_empty(), "no member differs: {d:#?}");
    let pad = d
        .fields
        .iter()
        .find(|f| f.name == "end-padding")
        .expect("end-padding differs");
    assert_eq!(pad.after, Some(Value::Size(0)));
}

fn build_deb(root: &Path, name: &str, readme: &str) {
    let pkg = root.join(format!("{name}-pkg"));
    write(
        &pkg,
        "DEBIAN/control",
        "Package: hello\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: test\n",
    );
    write(&pkg, "usr/share/doc/hello/README", readme);
    write(&pkg, "usr/bin/hello", "#!/bin/sh\necho hello\n");
    sh(
        &format!("dpkg-deb --root-owner-group --build -Zgzip {name}-pkg {name}.deb"),
        root,
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
}

#[test]
fn debian_packages() {
    let t = tempfile::tempdir().unwrap();
    build_deb(t.path(), "a", "hello\n");
    build_deb(t.path(), "b", "hello, world\n");
    let (a, b) = (t.path().join("a.deb"), t.path().join("b.deb"));
    let d = compare_paths(&a, &b, &Options::default()).unwrap().expect("different");
    let changes = d.changes();
    let names: Vec<&str> = changes.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["data.tar.gz/usr/share/doc/hello/README"], "{d:#?}");
    assert!(changes[0].1.unified_diff.as_deref().unwrap().contains("+hello, world"));

    // The recursive view: ar → data.tar.gz → gzip → tar, against `dpkg-deb -c`.
    let v = open_node(
        Blob::from_file(&a).unwrap(),
        "a.deb",
        &Limits::default(),
        "a.deb",
        &[],
        8,
    )
    .unwrap();
    assert_eq!(v.formats, ["ar"]);
    let members = v.members.unwrap();
    let data = members.iter().find(|m| m.name == "data.tar.gz").unwrap();
    let Some(Data::Blob(blob)) = &data.data else {
        panic!("no data")
    };
    let inner = open_node(blob.clone(), "data.tar.gz", &Limits::default(), "a.deb", &[], 8).unwrap();
    assert_eq!(inner.formats, ["gzip", "tar"]);
    let names: Vec<String> = inner.members.unwrap().iter().map(|m| m.name.clone()).collect();
    let listed: Vec<String> = sh("dpkg-deb -c a.deb", t.path(), &[])
        .lines()
        .map(|l| {
            let name = l.split_whitespace().nth(5).unwrap();
            name.trim_start_matches("./").trim_end_matches('/').to_string()
        })
        .filter(|n| !n.is_empty())
        .collect();
    assert_eq!(names, listed);
}
