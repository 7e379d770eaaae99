//! The engine on real squashfs images (Debian package `squashfs-tools`): one file's content and
//! another's mtime change, and exactly those two members are reported; files whose blocks only
//! moved are derived changes.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use reproscope_diff::{compare_paths, Difference, Options};
use reproscope_formats::Value;

fn run(cmd: &str, dir: &Path) {
    common::sh(cmd, dir, "squashfs-tools");
}

fn set_mtime(p: &Path, secs: u64) {
    let f = std::fs::File::open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

fn write(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    set_mtime(&p, 1_700_000_000);
}

/// `len` bytes that compress poorly, so blocks are stored at predictable sizes.
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 7) as u8
        })
        .collect()
}

fn node<'a>(d: &'a Difference, name: &str) -> &'a Difference {
    d.details
        .iter()
        .find(|c| c.source1 == name)
        .unwrap_or_else(|| panic!("no difference for {name}: {d:#?}"))
}

#[test]
fn one_changed_file_and_one_mtime_are_the_only_changes() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    write(&tree, "a.bin", &noise(10_000, 1));
    write(&tree, "b.txt", b"bee\n");
    write(&tree, "c.bin", &noise(20_000, 2));
    write(&tree, "sub/d.txt", b"dee\n");
    set_mtime(&tree.join("sub"), 1_700_000_000);
    set_mtime(&tree, 1_700_000_000);
    let build = "mksquashfs tree OUT -noappend -quiet -no-progress -b 4K -mkfs-time 1700000000";
    run(&build.replace("OUT", "a.sqfs"), t.path());
    // a.bin gets other, longer content (rewriting a file changes no directory time).
    write(&tree, "a.bin", &noise(12_000, 3));
    set_mtime(&tree.join("b.txt"), 1_700_000_500);
    run(&build.replace("OUT", "b.sqfs"), t.path());

    let d = compare_paths(&t.path().join("a.sqfs"), &t.path().join("b.sqfs"), &Options::default())
        .unwrap()
        .expect("the images differ");
    assert_eq!(d.format.as_deref(), Some("squashfs"));
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["a.bin", "b.txt"], "{d:#?}");

    let a = node(&d, "a.bin");
    assert!(a.byte_range_count > 0, "{a:?}");
    let b = node(&d, "b.txt");
    let mtime = b.fields.iter().find(|f| f.name == "mtime").expect("mtime change");
    assert_eq!(mtime.after, Some(Value::Time(1_700_000_500)));
    // Its tail's fragment block moved after a.bin's blocks: derived, not a change of its own.
    assert_eq!(b.fields.iter().filter(|f| f.derived.is_none()).count(), 1, "{b:?}");
    // c.bin's blocks are stored after a.bin's: it moved, and the move is derived.
    let c = node(&d, "c.bin");
    let offset = c.fields.iter().find(|f| f.name == "offset").expect("offset change");
    assert!(offset.derived.is_some(), "{offset:?}");
    assert!(!c.has_own_change(), "{c:?}");
}

#[test]
fn tails_repacked_into_other_fragment_blocks_are_derived() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    // Incompressible 1500-byte files: two tails per 4 KiB fragment block.
    for i in 0..12 {
        write(&tree, &format!("f{i:02}"), &noise(1500, 10 + i));
    }
    set_mtime(&tree, 1_700_000_000);
    let build = "mksquashfs tree OUT -noappend -quiet -no-progress -b 4K -mkfs-time 1700000000";
    run(&build.replace("OUT", "a.sqfs"), t.path());
    // f00 grows past half a block: every later tail is packed one place on, half of them into
    // the next fragment block.
    write(&tree, "f00", &noise(3000, 99));
    set_mtime(&tree, 1_700_000_000);
    run(&build.replace("OUT", "b.sqfs"), t.path());

    let d = compare_paths(&t.path().join("a.sqfs"), &t.path().join("b.sqfs"), &Options::default())
        .unwrap()
        .expect("the images differ");
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["f00"], "{d:#?}");
    // The repacking shows, as derived fields.
    let f01 = node(&d, "f01");
    let index = f01
        .fields
        .iter()
        .find(|f| f.name == "fragment-index")
        .expect("f01 moved to another fragment block");
    assert!(index.derived.is_some(), "{index:?}");
}
