//! Members only one side has, paired by content: renamed files and directories, on real
//! directory trees and on tar archives made by GNU tar (Debian package `tar`).

mod common;

use std::path::Path;

use reproscope_diff::{compare_paths, Change, Difference, Options};

fn sh(cmd: &str, dir: &Path) {
    common::sh(cmd, dir, "findutils and coreutils");
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// Bytes without repeats, like machine code or compressed data (xorshift).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn lines(n: usize, tag: &str) -> Vec<String> {
    (0..n)
        .map(|i| format!("export const value{i:02} = compute('{tag}', {i});\n"))
        .collect()
}

/// Two trees filled by `fill`, every time pinned, compared.
fn compare(fill: impl Fn(&Path, bool)) -> Difference {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    for (root, second) in [(&a, false), (&b, true)] {
        std::fs::create_dir_all(root).unwrap();
        fill(root, second);
        sh("find . -exec touch -h -d '2024-01-01 00:00:00' {} +", root);
    }
    compare_paths(&a, &b, &Options::default()).unwrap().expect("different")
}

/// (change, source1, source2, similarity) of every changed node below the root.
fn summary(d: &Difference) -> Vec<(Change, String, String, Option<u8>)> {
    d.details
        .iter()
        .map(|c| (c.change, c.source1.clone(), c.source2.clone(), c.similarity))
        .collect()
}

fn node<'a>(d: &'a Difference, source1: &str) -> &'a Difference {
    d.details
        .iter()
        .find(|c| c.source1 == source1)
        .unwrap_or_else(|| panic!("no {source1}: {:?}", summary(d)))
}

#[test]
fn renamed_identical_file() {
    let lib = noise(4096, 1);
    let d = compare(|root, second| {
        write(root, "common.txt", b"same\n");
        let name = if second {
            "lib/libfoo-9f8e7d.so"
        } else {
            "lib/libfoo-1a2b3c.so"
        };
        write(root, name, &lib);
    });
    assert_eq!(
        summary(&d),
        [(
            Change::Renamed,
            "lib/libfoo-1a2b3c.so".into(),
            "lib/libfoo-9f8e7d.so".into(),
            Some(100)
        )]
    );
    let r = &d.details[0];
    assert!(
        r.fields.is_empty() && r.unified_diff.is_none() && r.byte_range_count == 0,
        "{r:#?}"
    );
    assert_eq!((r.size1, r.size2), (Some(4096), Some(4096)));
    assert!(r.has_own_change());
}

#[test]
fn renamed_similar_text_file_shows_its_diff() {
    let a = lines(20, "x");
    let mut b = a.clone();
    b[4] = "export const value04 = compute('y', 4);\n".into();
    b[13] = "export const value13 = compute('y', 13);\n".into();
    let d = compare(|root, second| {
        if second {
            write(root, "static/app.9c1d.js", b.concat().as_bytes());
        } else {
            write(root, "static/app.3f2a.js", a.concat().as_bytes());
        }
    });
    let r = node(&d, "static/app.3f2a.js");
    assert_eq!(r.change, Change::Renamed);
    assert_eq!(r.source2, "static/app.9c1d.js");
    assert_eq!(r.similarity, Some(90));
    let diff = r.unified_diff.as_deref().unwrap();
    assert!(
        diff.contains("-export const value04 = compute('x', 4);\n+export const value04 = compute('y', 4);\n"),
        "{diff}"
    );
    assert_eq!(d.details.len(), 1, "{:?}", summary(&d));
}

#[test]
fn dissimilar_files_stay_removed_and_added() {
    let d = compare(|root, second| {
        if second {
            write(root, "doc/new.txt", lines(20, "new").concat().as_bytes());
        } else {
            // Half the lines in common: below the threshold.
            let mut l = lines(20, "new");
            for x in l.iter_mut().step_by(2) {
                *x = x.replace("new", "old");
            }
            write(root, "doc/old.txt", l.concat().as_bytes());
        }
    });
    let s = summary(&d);
    assert_eq!(
        s,
        [
            (Change::Added, "doc/new.txt".into(), "doc/new.txt".into(), None),
            (Change::Removed, "doc/old.txt".into(), "doc/old.txt".into(), None),
        ]
    );
}

#[test]
fn small_identical_files_with_unrelated_names_are_not_paired() {
    let d = compare(|root, second| {
        if second {
            write(root, "two/other.cfg", b"1\n");
        } else {
            write(root, "one/stamp", b"1\n");
        }
    });
    assert!(
        d.details.iter().all(|c| c.change != Change::Renamed),
        "{:?}",
        summary(&d)
    );
}

#[test]
fn renamed_binary() {
    let a = noise(16 * 1024, 7);
    let mut b = a.clone();
    // An embedded build ID and a timestamp change in place.
    b[1000..1020].copy_from_slice(&noise(20, 99));
    b[9000..9004].copy_from_slice(&[1, 2, 3, 4]);
    let d = compare(|root, second| {
        if second {
            write(root, "bin/tool-9f8e", &b);
        } else {
            write(root, "bin/tool-1a2b", &a);
        }
    });
    let r = node(&d, "bin/tool-1a2b");
    assert_eq!(r.change, Change::Renamed);
    assert_eq!(r.source2, "bin/tool-9f8e");
    let s = r.similarity.unwrap();
    assert!((90..100).contains(&s), "{s}");
    assert_eq!(r.byte_range_count, 2);
    assert_eq!(r.byte_ranges[0].offset, 1000);
}

#[test]
fn each_file_pairs_with_its_closest_match() {
    let (x, y) = (lines(20, "x"), lines(20, "y"));
    let d = compare(|root, second| {
        let (mut x, mut y) = (x.clone(), y.clone());
        if second {
            x[0] = "// changed\n".into();
            y[0] = "// changed\n".into();
            write(root, "out/bar-2.js", y.concat().as_bytes());
            write(root, "out/foo-2.js", x.concat().as_bytes());
        } else {
            write(root, "out/foo-1.js", x.concat().as_bytes());
            write(root, "out/bar-1.js", y.concat().as_bytes());
        }
    });
    let mut s: Vec<(String, String)> = d
        .details
        .iter()
        .filter(|c| c.change == Change::Renamed)
        .map(|c| (c.source1.clone(), c.source2.clone()))
        .collect();
    s.sort();
    assert_eq!(
        s,
        [
            ("out/bar-1.js".into(), "out/bar-2.js".into()),
            ("out/foo-1.js".into(), "out/foo-2.js".into())
        ]
    );
}

#[test]
fn directory_renamed_by_build_path() {
    let obj = noise(2048, 3);
    let d = compare(|root, second| {
        let dir = if second { "build-def" } else { "build-abc" };
        write(root, &format!("{dir}/sub/x.o"), &obj);
        // Changed beyond recognition: paired by its path in the renamed directory.
        write(
            root,
            &format!("{dir}/sub/config.h"),
            if second { b"#define B 2\n" } else { b"#define A 1\n" },
        );
        std::os::unix::fs::symlink("sub/x.o", root.join(dir).join("x.o")).unwrap();
    });
    let s = summary(&d);
    assert_eq!(
        s,
        [
            (Change::Renamed, "build-abc".into(), "build-def".into(), None),
            (Change::Renamed, "build-abc/sub".into(), "build-def/sub".into(), None),
            (
                Change::Renamed,
                "build-abc/sub/config.h".into(),
                "build-def/sub/config.h".into(),
                None
            ),
            (
                Change::Renamed,
                "build-abc/sub/x.o".into(),
                "build-def/sub/x.o".into(),
                Some(100)
            ),
            (Change::Renamed, "build-abc/x.o".into(), "build-def/x.o".into(), None),
        ],
        "{s:?}"
    );
    let conf = node(&d, "build-abc/sub/config.h");
    assert!(conf.unified_diff.as_deref().unwrap().contains("+#define B 2"));
}

#[test]
fn renamed_inside_a_tar_archive() {
    let t = tempfile::tempdir().unwrap();
    let a = lines(30, "x");
    let mut b = a.clone();
    b[7] = "// rebuilt\n".into();
    for (dir, name, content) in [("a", "app.1111.js", a.concat()), ("b", "app.2222.js", b.concat())] {
        let root = t.path().join(dir);
        write(&root, &format!("static/{name}"), content.as_bytes());
        write(&root, "index.html", b"<script src=app.js></script>\n");
        sh("find . -exec touch -h -d '2024-01-01 00:00:00' {} +", &root);
        sh(
            &format!("tar --sort=name --owner=0 --group=0 --numeric-owner -cf ../{dir}.tar ."),
            &root,
        );
    }
    let d = compare_paths(&t.path().join("a.tar"), &t.path().join("b.tar"), &Options::default())
        .unwrap()
        .expect("different");
    let r = node(&d, "static/app.1111.js");
    assert_eq!(r.change, Change::Renamed);
    assert_eq!(r.source2, "static/app.2222.js");
    let s = r.similarity.unwrap();
    assert!((90..100).contains(&s), "{s}");
    assert!(r.unified_diff.as_deref().unwrap().contains("+// rebuilt"));
    assert!(
        d.details.iter().all(|c| c.change == Change::Renamed),
        "{:?}",
        summary(&d)
    );
}

#[test]
fn a_file_moved_between_kept_directories_moves_nothing_else() {
    let lib = noise(4096, 5);
    let d = compare(|root, second| {
        write(root, "x/keep", b"k\n");
        write(root, "y/keep", b"k\n");
        let (dir, text) = if second {
            ("y", lines(10, "b"))
        } else {
            ("x", lines(10, "a"))
        };
        write(root, &format!("{dir}/lib.so"), &lib);
        write(root, &format!("{dir}/notes.txt"), text.concat().as_bytes());
    });
    assert_eq!(
        summary(&d),
        [
            (Change::Renamed, "x/lib.so".into(), "y/lib.so".into(), Some(100)),
            // Merged order: an addition follows the member before it in the second input.
            (Change::Added, "y/notes.txt".into(), "y/notes.txt".into(), None),
            (Change::Removed, "x/notes.txt".into(), "x/notes.txt".into(), None),
        ]
    );
}

#[test]
fn names_one_varying_token_apart_pair_when_each_has_one_partner() {
    // Contents unrelated (no content pairing): only the names tell.
    let d = compare(|root, second| {
        let (dir, seed) = if second { ("build-5678", 2) } else { ("build-1234", 1) };
        write(root, &format!("{dir}/x.o"), &noise(4096, seed));
        // Two old versions and one new: no one-to-one pairing, all stay removed and added.
        if second {
            write(root, "lib/libz.so.3", &noise(100, 3));
        } else {
            write(root, "lib/libz.so.1", &noise(100, 4));
            write(root, "lib/libz.so.2", &noise(100, 5));
        }
    });
    assert_eq!(
        summary(&d),
        [
            (Change::Renamed, "build-1234".into(), "build-5678".into(), None),
            (Change::Renamed, "build-1234/x.o".into(), "build-5678/x.o".into(), None),
            (Change::Added, "lib/libz.so.3".into(), "lib/libz.so.3".into(), None),
            (Change::Removed, "lib/libz.so.1".into(), "lib/libz.so.1".into(), None),
            (Change::Removed, "lib/libz.so.2".into(), "lib/libz.so.2".into(), None),
        ]
    );
    let x = node(&d, "build-1234/x.o");
    assert!(x.byte_range_count > 0, "{x:#?}");
}
