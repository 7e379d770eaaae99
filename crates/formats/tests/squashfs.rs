//! squashfs against the real squashfs-tools (Debian package `squashfs-tools`: mksquashfs as the
//! producer, `unsquashfs -lln` as the oracle for the listing) and the source tree itself for
//! contents and times. Trees are made in temporary directories (with `setfattr`, package `attr`,
//! for extended attributes); device nodes and a socket come from mksquashfs pseudo definitions.

mod common;

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use reproscope_formats::squashfs::Squashfs;
use reproscope_formats::{format_mode, identify, Blob, Data, EntryKind, Format, Limits, Member, Opened, Value};

const PACKAGES: &str = "squashfs-tools and attr";

fn run(cmd: &str, dir: &Path) -> Vec<u8> {
    common::run_sh(cmd, dir, b"", PACKAGES)
}

fn open(bytes: &[u8]) -> Opened {
    assert!(Squashfs.identify(&bytes[..bytes.len().min(0x9000)], "t.sqfs"));
    Squashfs
        .open(&Blob::from_vec(bytes.to_vec()), "t.sqfs", &Limits::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"))
}

fn open_err(bytes: &[u8]) -> String {
    match Squashfs.open(&Blob::from_vec(bytes.to_vec()), "t.sqfs", &Limits::default()) {
        Ok(_) => panic!("opened a damaged image"),
        Err(e) => e.message,
    }
}

fn member<'a>(o: &'a Opened, name: &str) -> &'a Member {
    o.members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"))
}

fn load(m: &Member) -> Vec<u8> {
    m.data
        .as_ref()
        .unwrap_or_else(|| panic!("{}: no data", m.name))
        .load()
        .unwrap_or_else(|e| panic!("{}: {e}", m.name))
        .to_vec()
}

/// Pseudo-random bytes (incompressible: stored as uncompressed blocks).
fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

/// Devices, a socket and a pseudo file's owner, added by mksquashfs pseudo definitions (no
/// mknod needed). 259:300 needs the high minor bits of squashfs's device encoding.
const PSEUDO: &str = "-p 'null c 666 0 0 1 3' -p 'bigdev b 640 0 6 259 300' -p 'sock i 644 0 0 s'";

/// Files of several sizes (empty, a tail only, several 4 KiB blocks, exactly two blocks, holes,
/// all zeros, incompressible), a symlink, a hard link, a fifo, owners, modes, distinct mtimes,
/// and extended attributes (text, binary, and one long value shared by two files).
fn make_tree(root: &Path) {
    let w = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    w("empty", b"");
    w("small.txt", b"hello, squashfs\n");
    w("text.txt", &common::sample(30_000));
    w("exact.bin", &common::sample(8192));
    w("rand.bin", &noise(9000, 7));
    w("zeros.bin", &[0; 16384]);
    w("sub/deeper/leaf.txt", b"leaf\n");
    w("sub/owned.txt", b"owned by someone else\n");
    w("sub/setuid", b"#!/bin/sh\n");
    std::fs::create_dir_all(root.join("emptydir")).unwrap();
    // Data, then a real hole of four blocks, then a short tail.
    w("sparse.bin", &common::sample(4096));
    run(
        "truncate -s 20480 sparse.bin && echo 'end of the sparse file' >> sparse.bin",
        root,
    );
    std::os::unix::fs::symlink("small.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("sub/abs")).unwrap();
    std::fs::hard_link(root.join("small.txt"), root.join("sub/hardlink")).unwrap();
    let long = "v".repeat(100);
    run(
        &format!(
            "mkfifo fifo && chown 1234:5678 sub/owned.txt && chmod 0600 sub/owned.txt && chmod 4755 sub/setuid \
             && chmod 0750 sub && setfattr -n user.foo -v bar small.txt && setfattr -n user.bin -v 0x00ff01 rand.bin \
             && setfattr -n user.long -v {long} text.txt && setfattr -n user.long -v {long} exact.bin \
             && setfattr -n user.other -v 1 exact.bin"
        ),
        root,
    );
    // Distinct times for every entry, directories last (adding entries changed theirs).
    let out = String::from_utf8(run("find . -mindepth 1 | sort", root)).unwrap();
    for (i, p) in out.lines().enumerate() {
        run(&format!("touch -h -d @{} '{p}'", 1_600_000_000 + i as i64 * 1000), root);
    }
    run("touch -d @1500000000 .", root);
}

/// One line of `unsquashfs -lln`.
#[derive(Debug)]
struct Listed {
    mode: String,
    owner: String,
    /// The size, or "major,minor" for devices.
    size: String,
    path: String,
    target: Option<String>,
}

fn unsquashfs_lln(img: &Path) -> Vec<Listed> {
    let out = run(
        &format!("unsquashfs -UTC -lln -d '' '{}'", img.display()),
        Path::new("/"),
    );
    let mut v = Vec::new();
    for line in String::from_utf8(out).unwrap().lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 4 || t[0].len() != 10 {
            continue;
        }
        let device = t[0].starts_with('b') || t[0].starts_with('c');
        let (size, rest) = if device {
            (format!("{}{}", t[2], t[3]), &t[6..])
        } else {
            (t[2].to_string(), &t[5..])
        };
        let rest = rest.join(" ");
        let (path, target) = match rest.split_once(" -> ") {
            Some((p, t)) => (p.to_string(), Some(t.to_string())),
            None => (rest, None),
        };
        v.push(Listed {
            mode: t[0].into(),
            owner: t[1].into(),
            size,
            path: path.trim_start_matches('/').into(),
            target,
        });
    }
    v
}

fn id(m: &Member, f: &str) -> u64 {
    match m.field(f) {
        Some(Value::Id(v)) => *v,
        other => panic!("{}: {f} is {other:?}", m.name),
    }
}

/// Builds `img.sqfs` from a fresh tree with `opts`, then checks the reader against
/// `unsquashfs -lln` and the tree: listing order, kinds, modes, owners, sizes, link targets and
/// device numbers; contents; mtimes; superblock fields; hard link, xattrs.
fn check(opts: &str, comp: &str, block_size: u64) -> Opened {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree);
    let img = t.path().join("img.sqfs");
    run(
        &format!("mksquashfs tree img.sqfs -noappend -quiet -no-progress -mkfs-time 1700000000 {PSEUDO} {opts}"),
        t.path(),
    );
    let bytes = std::fs::read(&img).unwrap();
    assert_eq!(identify(&bytes, "img.sqfs").map(|f| f.name()), Some("squashfs"));
    let o = open(&bytes);
    let f = |n: &str| common::field(&o, n).cloned();
    assert_eq!(f("compression"), Some(Value::Text(comp.into())));
    assert_eq!(f("block-size"), Some(Value::Size(block_size)));
    assert_eq!(f("mkfs-time"), Some(Value::Time(1_700_000_000)));
    assert_eq!(f("version"), Some(Value::Text("4.0".into())));
    let Some(Value::Size(used)) = f("bytes-used") else {
        panic!()
    };
    assert!(used <= bytes.len() as u64 && bytes.len() as u64 - used < 4096);
    assert_eq!(f("root.mtime"), Some(Value::Time(1_500_000_000)));
    assert_eq!(f("root.mode"), Some(Value::Mode(0o040755)));
    assert!(o.notes.iter().any(|n| n.contains("1 hard link ")), "{:?}", o.notes);
    assert!(!o.notes.iter().any(|n| n.contains("inodes")), "{:?}", o.notes);

    // The listing, in unsquashfs's order (pre-order, sorted), the root line left out.
    let listed: Vec<Listed> = unsquashfs_lln(&img)
        .into_iter()
        .filter(|l| !l.path.is_empty())
        .collect();
    let tree_members: Vec<&Member> = o.members.iter().filter(|m| !m.name.starts_with("trailing@")).collect();
    let names: Vec<&str> = tree_members.iter().map(|m| m.name.as_str()).collect();
    let oracle: Vec<&str> = listed.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(names, oracle);
    for (m, l) in tree_members.iter().zip(&listed) {
        let Some(Value::Mode(mode)) = m.field("mode") else {
            panic!("{}: no mode", m.name)
        };
        assert_eq!(&format_mode(*mode)[..10], l.mode, "{}", m.name);
        assert_eq!(format!("{}/{}", id(m, "uid"), id(m, "gid")), l.owner, "{}", m.name);
        match &m.kind {
            EntryKind::File | EntryKind::HardLink { .. } => {
                assert_eq!(m.size.to_string(), l.size, "{}", m.name);
                assert_eq!(m.field("size"), Some(&Value::Size(m.size)));
            }
            EntryKind::Symlink { target } => assert_eq!(Some(target), l.target.as_ref(), "{}", m.name),
            // unsquashfs prints devices as (rdev >> 8),(rdev & 0xff): right for small numbers.
            EntryKind::CharDevice { major, minor } if m.name == "null" => {
                assert_eq!((*major, *minor), (1, 3));
                assert_eq!(l.size, "1,3");
            }
            _ => {}
        }
    }
    assert_eq!(
        member(&o, "bigdev").kind,
        EntryKind::BlockDevice { major: 259, minor: 300 }
    );
    assert_eq!(id(member(&o, "bigdev"), "gid"), 6);
    assert_eq!(member(&o, "sock").kind, EntryKind::Socket);
    assert_eq!(member(&o, "fifo").kind, EntryKind::Fifo);
    assert_eq!(member(&o, "emptydir").kind, EntryKind::Dir);
    assert_eq!(
        member(&o, "sub/abs").kind,
        EntryKind::Symlink {
            target: "/etc/passwd".into()
        }
    );

    // Contents and times against the tree.
    for m in &tree_members {
        let src = tree.join(&m.name);
        let Ok(meta) = std::fs::symlink_metadata(&src) else {
            continue; // a pseudo entry
        };
        assert_eq!(m.field("mtime"), Some(&Value::Time(meta.mtime())), "{}", m.name);
        assert_eq!(m.field("mode"), Some(&Value::Mode(meta.mode())), "{}", m.name);
        if matches!(m.kind, EntryKind::File | EntryKind::HardLink { .. }) {
            assert_eq!(load(m), std::fs::read(&src).unwrap(), "{}", m.name);
        }
    }

    let hard = member(&o, "sub/hardlink");
    assert_eq!(
        hard.kind,
        EntryKind::HardLink {
            target: "small.txt".into()
        }
    );
    assert_eq!(load(hard), b"hello, squashfs\n");
    assert_eq!(member(&o, "small.txt").field("nlink"), Some(&Value::Int(2)));
    assert_eq!(id(member(&o, "sub/owned.txt"), "uid"), 1234);
    assert_eq!(id(member(&o, "sub/owned.txt"), "gid"), 5678);
    if opts.contains("-no-xattrs") {
        assert!(o
            .members
            .iter()
            .all(|m| m.fields.iter().all(|f| !f.name.starts_with("xattr."))));
    } else {
        assert_eq!(
            member(&o, "small.txt").field("xattr.user.foo"),
            Some(&Value::Text("bar".into()))
        );
        assert_eq!(
            member(&o, "rand.bin").field("xattr.user.bin"),
            Some(&Value::Hex(vec![0, 0xff, 1]))
        );
        for name in ["text.txt", "exact.bin"] {
            assert_eq!(
                member(&o, name).field("xattr.user.long"),
                Some(&Value::Text("v".repeat(100))),
                "{name}"
            );
        }
        assert_eq!(
            member(&o, "exact.bin").field("xattr.user.other"),
            Some(&Value::Text("1".into()))
        );
    }
    // Where blocks are stored: a typed offset for files with blocks, none for tails only.
    assert_eq!(member(&o, "small.txt").field("offset"), None);
    assert!(member(&o, "small.txt").field("fragment-index").is_some());
    if block_size == 4096 {
        assert!(matches!(member(&o, "text.txt").field("offset"), Some(Value::Offset(_))));
        assert_eq!(member(&o, "sparse.bin").field("sparse"), Some(&Value::Size(16384)));
    }
    o
}

#[test]
fn gzip_matches_unsquashfs() {
    let o = check("-comp gzip -b 4K", "gzip", 4096);
    // Tail ends of files with blocks are not packed into fragments by default.
    assert_eq!(member(&o, "text.txt").field("fragment-index"), None);
}

#[test]
fn gzip_tailends_matches_unsquashfs() {
    let o = check("-comp gzip -b 4K -tailends", "gzip", 4096);
    let t = member(&o, "text.txt");
    assert!(t.field("fragment-index").is_some() && t.field("offset").is_some());
}

#[test]
fn gzip_default_block_size_matches_unsquashfs() {
    // 128 KiB blocks: everything in the tree is a tail in a fragment.
    let o = check("", "gzip", 128 << 10);
    assert!(o.notes.iter().any(|n| n.contains("end in fragments")), "{:?}", o.notes);
}

#[test]
fn xz_matches_unsquashfs() {
    check("-comp xz -b 4K -tailends", "xz", 4096);
}

#[test]
fn lzma_matches_unsquashfs() {
    check("-comp lzma -b 4K -tailends", "lzma", 4096);
}

#[test]
fn lzo_matches_unsquashfs() {
    check("-comp lzo -b 4K -tailends", "lzo", 4096);
    // The fast compressor emits other instruction mixes than lzo1x_999.
    check("-comp lzo -b 4K -Xalgorithm lzo1x_1", "lzo", 4096);
}

#[test]
fn lz4_matches_unsquashfs() {
    check("-comp lz4 -b 4K -tailends -Xhc", "lz4", 4096);
}

#[test]
fn zstd_matches_unsquashfs() {
    check("-comp zstd -b 4K -tailends", "zstd", 4096);
}

#[test]
fn uncompressed_data_is_zero_copy() {
    let o = check("-b 4K -noD -noF -noI -noX -no-xattrs", "gzip", 4096);
    let flags = common::field(&o, "flags").unwrap().to_string();
    assert!(
        flags.contains("uncompressed-data") && flags.contains("no-xattrs"),
        "{flags}"
    );
    // Blocks and tails stored raw are slices of the image, not loaders.
    assert!(matches!(member(&o, "text.txt").data, Some(Data::Blob(_))));
    assert!(matches!(member(&o, "small.txt").data, Some(Data::Blob(_))));
    // Holes still need a loader.
    assert!(matches!(member(&o, "sparse.bin").data, Some(Data::Lazy(_))));
}

/// Builds an image of a small tree with `opts` in `dir`.
fn small_image(dir: &Path, name: &str, opts: &str) -> Vec<u8> {
    let tree = dir.join("small");
    if !tree.exists() {
        std::fs::create_dir_all(tree.join("d")).unwrap();
        std::fs::write(tree.join("a.txt"), b"alpha\n").unwrap();
        std::fs::write(tree.join("d/b.txt"), common::sample(5000)).unwrap();
        std::os::unix::fs::symlink("a.txt", tree.join("l")).unwrap();
        run(
            "touch -h -d @1600000000 small/a.txt small/d/b.txt small/l small/d small",
            dir,
        );
    }
    run(
        &format!("mksquashfs small {name} -noappend -quiet -no-progress -mkfs-time 1700000000 {opts}"),
        dir,
    );
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn compression_options_are_fields() {
    let t = tempfile::tempdir().unwrap();
    let f = |opts: &str, name: &str| {
        let o = open(&small_image(t.path(), "x.sqfs", opts));
        common::field(&o, name).cloned()
    };
    // mksquashfs stores options only when they are not the defaults.
    assert_eq!(f("-comp gzip", "compression.level"), None);
    assert_eq!(
        f("-comp gzip -Xcompression-level 1", "compression.level"),
        Some(Value::Int(1))
    );
    assert_eq!(
        f("-comp gzip -Xcompression-level 1", "compression.window-size"),
        Some(Value::Int(15))
    );
    assert_eq!(
        f("-comp gzip -Xstrategy filtered,fixed", "compression.strategies"),
        Some(Value::Text("filtered,fixed".into()))
    );
    assert_eq!(
        f("-comp xz -Xbcj x86,arm -Xdict-size 8K", "compression.dictionary-size"),
        Some(Value::Size(8192))
    );
    assert_eq!(
        f("-comp xz -Xbcj x86,arm", "compression.filters"),
        Some(Value::Text("x86,arm".into()))
    );
    assert_eq!(
        f("-comp zstd -Xcompression-level 3", "compression.level"),
        Some(Value::Int(3))
    );
    assert_eq!(f("-comp lz4 -Xhc", "compression.flags"), Some(Value::Text("hc".into())));
    assert_eq!(
        f("-comp lzo -Xalgorithm lzo1x_1", "compression.algorithm"),
        Some(Value::Text("lzo1x_1".into()))
    );
    // BCJ filters are inside the xz streams: contents still decode.
    let o = open(&small_image(t.path(), "bcj.sqfs", "-comp xz -Xbcj x86,arm -b 4K"));
    assert_eq!(load(member(&o, "d/b.txt")), common::sample(5000));
    let flags = f("-comp gzip -Xcompression-level 1", "flags").unwrap().to_string();
    assert!(flags.contains("compressor-options"), "{flags}");

    // The two gzip images differ in their options and still hold the same files.
    let a = open(&small_image(t.path(), "a.sqfs", "-comp gzip"));
    let b = open(&small_image(t.path(), "b.sqfs", "-comp gzip -Xcompression-level 1"));
    assert_ne!(a.fields, b.fields);
    for (x, y) in a.members.iter().zip(&b.members) {
        assert_eq!(x.name, y.name);
        if x.data.is_some() {
            assert_eq!(load(x), load(y), "{}", x.name);
        }
    }
}

#[test]
fn unchanged_files_are_known_equal_without_decoding() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.bin"), common::sample(10_000)).unwrap();
    std::fs::write(tree.join("b.bin"), common::sample(20_000)).unwrap();
    let build = |name: &str| {
        run(
            &format!("mksquashfs t {name} -noappend -quiet -no-progress -b 4K -mkfs-time 1 -all-time 1"),
            t.path(),
        );
        open(&std::fs::read(t.path().join(name)).unwrap())
    };
    let x = build("x.sqfs");
    // a.bin grows: b.bin's blocks move but are stored the same.
    std::fs::write(tree.join("a.bin"), common::sample(14_000)).unwrap();
    let y = build("y.sqfs");
    let data = |o: &Opened, n: &str| member(o, n).data.clone().unwrap();
    assert!(matches!(data(&x, "b.bin"), Data::Lazy(_)));
    assert_ne!(member(&x, "b.bin").field("offset"), member(&y, "b.bin").field("offset"));
    assert!(data(&x, "b.bin").known_equal(&data(&y, "b.bin")));
    assert!(!data(&x, "a.bin").known_equal(&data(&y, "a.bin")));
}

#[test]
fn damage_never_panics() {
    let t = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_decompressed: 1 << 20,
        max_members: 100,
        ..Limits::default()
    };
    for comp in ["gzip", "lzo"] {
        let bytes = small_image(t.path(), "d.sqfs", &format!("-comp {comp} -b 4K -nopad -tailends"));
        common::no_panic_on_damage(&Squashfs, &bytes, "d.sqfs", &limits);
        // Loading contents from damaged images goes through the decompressors too.
        for i in 0..bytes.len() {
            for x in [0x80u8] {
                let mut b = bytes.clone();
                b[i] ^= x;
                if let Ok(o) = Squashfs.open(&Blob::from_vec(b), "d.sqfs", &limits) {
                    for m in &o.members {
                        if let Some(d) = &m.data {
                            let _ = d.load_with(&limits);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let bytes = small_image(t.path(), "e.sqfs", "-b 4K");
    let o = open(&bytes);
    let Some(Value::Size(used)) = common::field(&o, "bytes-used").cloned() else {
        panic!()
    };

    let e = open_err(&bytes[..used as usize / 2]);
    assert!(
        e.contains("image truncated") && e.contains(&format!("{used} bytes are used")),
        "{e}"
    );
    let e = open_err(&bytes[..40]);
    assert!(e.contains("truncated superblock"), "{e}");

    let mut bad = bytes.clone();
    bad[..4].copy_from_slice(b"hsqt");
    assert!(!Squashfs.identify(&bad, "e.sqfs"));
    assert_eq!(
        open_err(&bad),
        "squashfs: bad magic \"hsqt\" at offset 0 (expected \"hsqs\")"
    );

    let mut be = bytes.clone();
    be[..4].copy_from_slice(b"sqsh");
    be[28..32].copy_from_slice(&[0, 4, 0, 0]);
    assert!(Squashfs.identify(&be, "e.sqfs"));
    assert!(open_err(&be).contains("big-endian image (magic \"sqsh\", version 4.0)"));

    let mut v3 = bytes.clone();
    v3[28] = 3;
    v3[30] = 1;
    assert!(open_err(&v3).contains("version 3.1 is not supported"));

    // The inode table's first metadata block claims more bytes than its table holds.
    let Some(Value::Offset(inodes)) = common::field(&o, "inode-table-offset").cloned() else {
        panic!()
    };
    let mut meta = bytes.clone();
    meta[inodes as usize..inodes as usize + 2].copy_from_slice(&0x7fffu16.to_le_bytes());
    let e = open_err(&meta);
    assert!(
        e.contains(&format!(
            "inode table: metadata block at {inodes:#x}: stored length 32767"
        )),
        "{e}"
    );

    // Limits.
    let few = Limits {
        max_members: 2,
        ..Limits::default()
    };
    let e = Squashfs
        .open(&Blob::from_vec(bytes.clone()), "e", &few)
        .unwrap_err()
        .message;
    assert!(e.contains("more than 2 entries (limit)"), "{e}");
    let small = Limits {
        max_decompressed: 100,
        ..Limits::default()
    };
    let e = member(&o, "d/b.txt")
        .data
        .as_ref()
        .unwrap()
        .load_with(&small)
        .unwrap_err()
        .message;
    assert!(
        e.contains("squashfs: file 'd/b.txt'") && e.contains("limit of 100 bytes"),
        "{e}"
    );

    // A file block that no longer decompresses names the file, the block and its offset.
    let Some(Value::Offset(at)) = member(&o, "d/b.txt").field("offset").cloned() else {
        panic!()
    };
    let mut data = bytes.clone();
    for b in &mut data[at as usize + 2..at as usize + 40] {
        *b ^= 0x55;
    }
    let o2 = open(&data);
    let e = member(&o2, "d/b.txt")
        .data
        .as_ref()
        .unwrap()
        .load()
        .unwrap_err()
        .message;
    assert!(
        e.starts_with(&format!("squashfs: file 'd/b.txt': block 0 at {at:#x}: zlib")),
        "{e}"
    );
}

#[test]
fn a_directory_loop_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    // -noI stores inodes and directories uncompressed, so the listing can be edited in place.
    let mut bytes = small_image(t.path(), "loop.sqfs", "-noI");
    let root = u64::from_le_bytes(bytes[32..40].try_into().unwrap());
    let Some(Value::Offset(dirs)) = common::field(&open(&bytes), "directory-table-offset").cloned() else {
        panic!()
    };
    // The root's entry for "d" (type 1, name length 1 - 1, "d"): point it at the root inode,
    // which lies in the same (first) inode block.
    assert_eq!(root >> 16, 0);
    let at = dirs as usize
        + bytes[dirs as usize..]
            .windows(5)
            .position(|w| w == b"\x01\x00\x00\x00d")
            .unwrap();
    bytes[at - 4..at - 2].copy_from_slice(&(root as u16).to_le_bytes());
    let e = open_err(&bytes);
    assert!(
        e.starts_with("squashfs: root directory: entry 2 ('d'): directory loop")
            && e.contains("directory loop")
            && e.contains("already listed as the root directory"),
        "{e}"
    );
}

#[test]
fn trailing_bytes_are_a_note_or_a_member() {
    let t = tempfile::tempdir().unwrap();
    let bytes = small_image(t.path(), "p.sqfs", "");
    let o = open(&bytes);
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("bytes of zero padding after the filesystem")),
        "{:?}",
        o.notes
    );
    let mut more = bytes.clone();
    more.extend_from_slice(b"appended");
    let o = open(&more);
    let m = o.members.last().unwrap();
    assert_eq!(m.name, format!("trailing@{:#x}", bytes.len()));
    assert_eq!(load(m), b"appended");
    // Every other member is the tree, with its root only as fields.
    let names: HashMap<&str, &EntryKind> = o.members.iter().map(|m| (m.name.as_str(), &m.kind)).collect();
    assert_eq!(names.len(), 5);
    assert_eq!(names["d"], &EntryKind::Dir);
    assert!(common::field(&o, "root.uid").is_some());
}

/// Decoded metadata is held in memory, so it is bounded by the decoder-memory limit, with an
/// error naming the option that raises it: 3,000 empty files make an inode table of about
/// 100 KB, over a 64 KiB limit and well under the default.
#[test]
fn metadata_held_in_memory_is_bounded_by_codec_memory() {
    let t = tempfile::tempdir().unwrap();
    run(
        "mkdir tree && cd tree && seq 1 3000 | xargs touch && cd .. && \
         mksquashfs tree img.sqfs -noappend -quiet -no-progress -mkfs-time 1700000000",
        t.path(),
    );
    let img = std::fs::read(t.path().join("img.sqfs")).unwrap();
    assert_eq!(open(&img).members.len(), 3000);
    let small = Limits {
        max_codec_memory: 64 << 10,
        ..Limits::default()
    };
    let Err(e) = Squashfs.open(&Blob::from_vec(img), "t.sqfs", &small) else {
        panic!("opened over the limit")
    };
    assert!(
        e.message
            .contains("metadata decompresses to more than the limit of 65536 bytes")
            && e.message.contains("--max-codec-memory"),
        "{}",
        e.message
    );
}
