//! cpio against GNU cpio as an independent producer and oracle (Debian package `cpio`; the
//! initrd test also needs `gzip`).

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

mod common;

use reproscope_formats::cpio::{write_newc, Cpio, WriteEntry};
use reproscope_formats::gzip::Gzip;
use reproscope_formats::{Blob, Data, EntryKind, Format, Limits, Member, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "cpio and gzip")
}

/// A tree with files, a subdirectory, a symlink, a hard-linked pair and a fifo.
fn make_tree(root: &Path) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("hello.txt"), "hello, world\n").unwrap();
    std::fs::write(
        root.join("sub/data.bin"),
        (0..=255u8).cycle().take(3000).collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(root.join("sub/deeper/empty"), "").unwrap();
    std::fs::write(root.join("linked"), "same inode, two names\n").unwrap();
    std::fs::hard_link(root.join("linked"), root.join("sub/also-linked")).unwrap();
    std::os::unix::fs::symlink("hello.txt", root.join("greeting")).unwrap();
    run("mkfifo pipe", root, b"");
    run("chmod 0750 sub && chmod 4755 hello.txt", root, b"");
}

fn open(bytes: Vec<u8>) -> Opened {
    Cpio.open(&Blob::from_vec(bytes), "t.cpio", &Limits::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"))
}

fn content(m: &Member) -> Vec<u8> {
    match &m.data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("{}: no blob data: {other:?}", m.name),
    }
}

/// Names as `cpio -t` prints them, minus the root, with a leading "./" stripped as we do.
fn cpio_t(archive: &[u8], dir: &Path) -> Vec<String> {
    let out = String::from_utf8(run("cpio -t --quiet", dir, archive)).unwrap();
    out.lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| l != "." && !l.is_empty())
        .collect()
}

fn check_against_gnu(format: &str) {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree);
    // odc and bin have 18- and 16-bit inode fields: renumbering keeps hard links without collisions.
    let archive = run(
        &format!("find . | sort | cpio -o --quiet --renumber-inodes -H {format}"),
        &tree,
        b"",
    );
    assert!(Cpio.identify(&archive, ""), "{format}: not identified");
    let o = open(archive.clone());

    let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        cpio_t(&archive, t.path()),
        "{format}: member list differs from cpio -t"
    );
    assert!(
        o.notes.iter().any(|n| n.contains("root entry")),
        "{format}: {:?}",
        o.notes
    );

    // `cpio -tv`: permissions and link count per name.
    let listing = String::from_utf8(run("cpio -tv --quiet", t.path(), &archive)).unwrap();
    for line in listing.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let name = cols[8].trim_start_matches("./");
        if name == "." {
            continue;
        }
        let m = o
            .members
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("{format}: no {name}"));
        let Some(Value::Mode(mode)) = m.field("mode") else {
            panic!("no mode")
        };
        assert_eq!(
            &reproscope_formats::format_mode(*mode)[..10],
            cols[0],
            "{format}: mode of {name}"
        );
        assert_eq!(
            m.field("nlink"),
            Some(&Value::Int(cols[1].parse().unwrap())),
            "{format}: nlink of {name}"
        );
    }

    for m in &o.members {
        let path = tree.join(&m.name);
        let md = std::fs::symlink_metadata(&path).unwrap();
        assert_eq!(m.field("mode"), Some(&Value::Mode(md.mode())), "{format}: {}", m.name);
        assert_eq!(m.field("uid"), Some(&Value::Id(md.uid().into())));
        assert_eq!(m.field("gid"), Some(&Value::Id(md.gid().into())));
        assert_eq!(m.field("mtime"), Some(&Value::Time(md.mtime())), "{format}: {}", m.name);
        assert!(m.field("ino").is_none() && m.field("dev").is_none());
        let ft = md.file_type();
        if ft.is_file() {
            assert_eq!(m.size, md.len(), "{format}: size of {}", m.name);
            assert_eq!(
                content(m),
                std::fs::read(&path).unwrap(),
                "{format}: content of {}",
                m.name
            );
            if format == "crc" {
                let sum = std::fs::read(&path)
                    .unwrap()
                    .iter()
                    .fold(0u32, |a, &b| a.wrapping_add(b.into()));
                // The link that carries no data of its own has no stored checksum.
                if let Some(v) = m.field("checksum") {
                    assert_eq!(v, &Value::Digest(format!("{sum:08x}")));
                }
            }
        } else if ft.is_dir() {
            assert_eq!(m.kind, EntryKind::Dir);
        } else if ft.is_symlink() {
            assert_eq!(
                m.kind,
                EntryKind::Symlink {
                    target: "hello.txt".into()
                }
            );
        } else if ft.is_fifo() {
            assert_eq!(m.kind, EntryKind::Fifo);
        }
    }

    // The hard-linked pair: one File, one HardLink naming it, both with the content.
    let pair: Vec<&Member> = o
        .members
        .iter()
        .filter(|m| m.name == "linked" || m.name == "sub/also-linked")
        .collect();
    assert_eq!(pair.len(), 2);
    let files: Vec<_> = pair.iter().filter(|m| m.kind == EntryKind::File).collect();
    let links: Vec<_> = pair
        .iter()
        .filter(|m| matches!(m.kind, EntryKind::HardLink { .. }))
        .collect();
    assert_eq!((files.len(), links.len()), (1, 1), "{format}: {pair:?}");
    assert_eq!(
        links[0].kind,
        EntryKind::HardLink {
            target: files[0].name.clone()
        }
    );
    assert_eq!(content(links[0]), content(files[0]));
    assert_eq!(content(files[0]), b"same inode, two names\n");
    if format == "newc" || format == "crc" {
        // newc stores the data with the last link, which is therefore the File.
        let pos = |n: &str| o.members.iter().position(|m| m.name == n).unwrap();
        assert!(pos(&files[0].name) > pos(&links[0].name));
    }
}

#[test]
fn newc_matches_gnu_cpio() {
    check_against_gnu("newc");
}

#[test]
fn newc_crc_matches_gnu_cpio() {
    check_against_gnu("crc");
}

#[test]
fn odc_matches_gnu_cpio() {
    check_against_gnu("odc");
}

#[test]
fn old_binary_matches_gnu_cpio() {
    check_against_gnu("bin");
}

fn entry(name: &str, mode: u32, data: &[u8]) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode,
        uid: 1000,
        gid: 100,
        mtime: 1_700_000_000,
        data: data.to_vec(),
        rdev: (0, 0),
    }
}

fn sample_entries() -> Vec<WriteEntry> {
    vec![
        entry(".", 0o040755, b""),
        entry("bin", 0o040755, b""),
        entry("bin/busybox", 0o100755, &b"\x7fELF fake binary".repeat(37)),
        entry("bin/sh", 0o120777, b"busybox"),
        entry("dev", 0o040755, b""),
        WriteEntry {
            rdev: (5, 1),
            ..entry("dev/console", 0o020600, b"")
        },
        WriteEntry {
            rdev: (8, 0),
            ..entry("dev/sda", 0o060660, b"")
        },
        entry("init", 0o100700, b"#!/bin/sh\nexec /bin/sh\n"),
        entry("odd-size", 0o100644, b"abc"),
    ]
}

#[test]
fn written_newc_is_read_by_gnu_cpio() {
    let t = tempfile::tempdir().unwrap();
    let entries = sample_entries();
    let archive = write_newc(&entries);
    assert_eq!(archive.len() % 512, 0);
    assert_eq!(write_newc(&entries), archive, "writer is not deterministic");

    let want: Vec<&str> = entries.iter().map(|e| e.name.as_str()).filter(|n| *n != ".").collect();
    assert_eq!(cpio_t(&archive, t.path()), want);

    // `cpio -tv` shows devices as "major, minor".
    let listing = String::from_utf8(run("cpio -tv --quiet", t.path(), &archive)).unwrap();
    let console = listing.lines().find(|l| l.ends_with("dev/console")).unwrap();
    assert!(
        console.starts_with("crw-------") && console.contains("5,   1"),
        "{console}"
    );

    // Extract what an unprivileged user can (no device nodes) and compare.
    let plain: Vec<WriteEntry> = entries
        .iter()
        .filter(|e| e.mode & 0o170000 != 0o020000 && e.mode & 0o170000 != 0o060000)
        .cloned()
        .collect();
    let out = t.path().join("out");
    std::fs::create_dir(&out).unwrap();
    run("cpio -i -d --quiet --no-absolute-filenames", &out, &write_newc(&plain));
    assert_eq!(std::fs::read(out.join("bin/busybox")).unwrap(), entries[2].data);
    assert_eq!(std::fs::read(out.join("init")).unwrap(), entries[7].data);
    assert_eq!(
        std::fs::read_link(out.join("bin/sh")).unwrap().to_str(),
        Some("busybox")
    );
    assert_eq!(std::fs::metadata(out.join("init")).unwrap().mode(), 0o100700);
}

#[test]
fn written_newc_reads_back_with_the_same_fields() {
    let entries = sample_entries();
    let o = open(write_newc(&entries));
    let listed: Vec<&WriteEntry> = entries.iter().filter(|e| e.name != ".").collect();
    assert_eq!(o.members.len(), listed.len());
    for (m, e) in o.members.iter().zip(listed) {
        assert_eq!(m.name, e.name);
        assert_eq!(m.field("mode"), Some(&Value::Mode(e.mode)));
        assert_eq!(m.field("uid"), Some(&Value::Id(e.uid.into())));
        assert_eq!(m.field("gid"), Some(&Value::Id(e.gid.into())));
        assert_eq!(m.field("mtime"), Some(&Value::Time(e.mtime.into())));
        let nlink = if e.mode & 0o170000 == 0o040000 { 2 } else { 1 };
        assert_eq!(m.field("nlink"), Some(&Value::Int(nlink)));
        match e.mode & 0o170000 {
            0o100000 => {
                assert_eq!(m.kind, EntryKind::File);
                assert_eq!(content(m), e.data);
                assert_eq!(m.size, e.data.len() as u64);
            }
            0o120000 => assert_eq!(
                m.kind,
                EntryKind::Symlink {
                    target: String::from_utf8(e.data.clone()).unwrap()
                }
            ),
            0o020000 => {
                assert_eq!(m.kind, EntryKind::CharDevice { major: 5, minor: 1 });
                assert_eq!(m.field("rdev"), Some(&Value::Text("5:1".into())));
            }
            0o060000 => assert_eq!(m.kind, EntryKind::BlockDevice { major: 8, minor: 0 }),
            _ => assert_eq!(m.kind, EntryKind::Dir),
        }
    }
}

/// `cat early.cpio main.cpio.gz`, as distributions build initrds with CPU microcode.
#[test]
fn concatenated_initrd_exposes_the_compressed_part() {
    let t = tempfile::tempdir().unwrap();
    let early = t.path().join("early");
    std::fs::create_dir_all(early.join("kernel/x86/microcode")).unwrap();
    std::fs::write(early.join("kernel/x86/microcode/GenuineIntel.bin"), vec![0xa5; 1234]).unwrap();
    let main = t.path().join("main");
    make_tree(&main);

    let early_cpio = run("find . | sort | cpio -o --quiet -H newc", &early, b"");
    let main_cpio = run("find . | sort | cpio -o --quiet -H newc", &main, b"");
    let main_gz = run("gzip -9 -n -c", t.path(), &main_cpio);
    let mut initrd = early_cpio.clone();
    initrd.extend_from_slice(&main_gz);

    let o = open(initrd);
    let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "kernel",
            "kernel/x86",
            "kernel/x86/microcode",
            "kernel/x86/microcode/GenuineIntel.bin",
            "part2"
        ]
    );
    let part2 = &o.members[4];
    assert_eq!(part2.kind, EntryKind::Section);
    assert_eq!(part2.field("offset"), Some(&Value::Offset(early_cpio.len() as u64)));
    assert_eq!(content(part2), main_gz);
    let note = format!(
        "part 2 at offset {:#x}: {} bytes of gzip-compressed data",
        early_cpio.len(),
        main_gz.len()
    );
    assert!(o.notes.iter().any(|n| n.starts_with(&note)), "{:?}", o.notes);

    // The engine's next steps: identify part2 as gzip, then its content as cpio.
    let blob = Blob::from_vec(content(part2));
    assert!(Gzip.identify(&blob, "part2"));
    let g = Gzip.open(&blob, "part2", &Limits::default()).unwrap();
    assert_eq!(g.members.len(), 1);
    let inner = content(&g.members[0]);
    assert_eq!(inner, main_cpio);
    assert!(Cpio.identify(&inner, &g.members[0].name));
    let c = open(inner);
    let names: Vec<&str> = c.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, cpio_t(&main_cpio, t.path()));
}
