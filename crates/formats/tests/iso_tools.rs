//! ISO 9660 against real mastering tools as producers and `isoinfo` as the oracle (Debian
//! packages `genisoimage`, which also ships `isoinfo`, and `xorriso`). Images are built at test
//! time from trees made in temporary directories.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::process::Command;

use reproscope_formats::iso9660::Iso9660;
use reproscope_formats::{identify, Blob, EntryKind, Format, Limits, Member, Opened, Value};

const PACKAGES: &str = "are the Debian packages genisoimage (genisoimage, isoinfo) and xorriso installed?";

/// Runs `sh -c cmd` in `dir` with `TZ` as given; stdout, or a failure naming the packages.
fn run_tz(cmd: &str, dir: &Path, tz: &str) -> Vec<u8> {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", tz)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed ({PACKAGES}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run(cmd: &str, dir: &Path) -> Vec<u8> {
    run_tz(cmd, dir, "UTC")
}

fn open(bytes: &[u8]) -> Opened {
    let blob = Blob::from_vec(bytes.to_vec());
    assert!(Iso9660.identify(&bytes[..bytes.len().min(0x9000)], "t.iso"));
    Iso9660
        .open(&blob, "t.iso", &Limits::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"))
}

fn content(m: &Member) -> Vec<u8> {
    // Sparse files and multi-extent files are produced when loaded.
    match &m.data {
        Some(d) => d.load().unwrap().to_vec(),
        None => panic!("{}: no data", m.name),
    }
}

fn member<'a>(o: &'a Opened, name: &str) -> &'a Member {
    o.members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"))
}

/// Tree members (the El Torito, system area and trailing-data sections left out), sorted.
fn tree_names(o: &Opened) -> Vec<String> {
    let mut v: Vec<String> = o
        .members
        .iter()
        .filter(|m| !m.name.starts_with('('))
        .map(|m| m.name.clone())
        .collect();
    v.sort();
    v
}

const LONG: &str = "a file name far longer than what ISO 9660 level 1 or Joliet allow, which only Rock Ridge can \
                    store: it goes on and on for well over two hundred characters to be sure of that, \
                    and then some more.txt";
const MID: &str = "a name with spaces, sixty characters long, fine for Joliet.txt";

/// Files, a subdirectory, a tree deeper than ISO 9660's 8 levels, symlinks, an empty file, a
/// ~5 MB file; with `long`, a 200+ character name; with `devices`, device nodes and a fifo.
fn make_tree(root: &Path, long: bool, devices: bool) {
    let w = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    w("hello.txt", b"hello, world\n");
    w("empty", b"");
    w("sub/data.bin", &(0..=255u8).cycle().take(3000).collect::<Vec<_>>());
    w("sub/noext", b"no extension\n");
    w(MID, b"mid\n");
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    w("big.bin", &big);
    w("d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt", b"deep leaf\n");
    w("d1/d2/d3/d4/d5/d6/d7/d8/d9/side.txt", b"side\n");
    if long {
        w(LONG, b"long\n");
    }
    std::os::unix::fs::symlink("hello.txt", root.join("link")).unwrap();
    std::os::unix::fs::symlink("../hello.txt", root.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("abs")).unwrap();
    if devices {
        std::fs::create_dir(root.join("dev")).unwrap();
        run(
            "mknod dev/null c 1 3 && mknod dev/big b 259 300 && mkfifo dev/fifo",
            root,
        );
    }
    run("chmod 0750 sub && chmod 0600 hello.txt", root);
}

/// Every path under `root` ('/'-separated, relative), as `find` would list them.
fn source_paths(root: &Path) -> Vec<String> {
    let out = String::from_utf8(run("find . -mindepth 1", root)).unwrap();
    let mut v: Vec<String> = out.lines().map(|l| l.trim_start_matches("./").to_string()).collect();
    v.sort();
    v
}

/// `isoinfo -f` lines without the leading '/'.
fn isoinfo_f(iso: &Path, opt: &str) -> Vec<String> {
    let out = run(&format!("isoinfo {opt} -f -i '{}'", iso.display()), Path::new("/"));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches('/').to_string())
        .collect()
}

/// isoinfo lists Rock Ridge relocated directories where they are stored (`rr_moved/X/...`) and
/// leaves a placeholder in the original parent: (stored prefix, placeholder path) pairs.
fn relocations(lines: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for x in lines
        .iter()
        .filter_map(|l| l.strip_prefix("rr_moved/").filter(|r| !r.contains('/')))
    {
        let placeholders: Vec<&String> = lines
            .iter()
            .filter(|l| !l.starts_with("rr_moved") && l.rsplit('/').next() == Some(x))
            .collect();
        assert_eq!(placeholders.len(), 1, "placeholder of rr_moved/{x}: {placeholders:?}");
        out.push((format!("rr_moved/{x}"), placeholders[0].clone()));
    }
    out
}

/// A stored path as a mounted image (and we) show it.
fn unrelocate_path(path: &str, map: &[(String, String)]) -> String {
    for (from, to) in map {
        if let Some(rest) = path.strip_prefix(&format!("{from}/")) {
            return format!("{to}/{rest}");
        }
    }
    path.to_string()
}

/// isoinfo's listing with relocated directories shown in place, sorted.
fn unrelocate(lines: Vec<String>) -> Vec<String> {
    let map = relocations(&lines);
    let mut out: Vec<String> = lines
        .iter()
        .filter(|l| !map.iter().any(|(from, _)| from == *l))
        .map(|l| unrelocate_path(l, &map))
        .collect();
    out.sort();
    out
}

/// `isoinfo -l`: extent block of every listed path ("." and ".." left out).
fn isoinfo_lbas(iso: &Path, opt: &str) -> BTreeMap<String, u64> {
    let out = String::from_utf8(run(&format!("isoinfo {opt} -l -i '{}'", iso.display()), Path::new("/"))).unwrap();
    let mut dir = String::new();
    let mut map = BTreeMap::new();
    for line in out.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_matches('/').to_string();
            continue;
        }
        let (Some(open), Some(close)) = (line.find('['), line.find(']')) else {
            continue;
        };
        let lba: u64 = line[open + 1..close]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let name = line[close + 1..].trim_start();
        let name = name.split(" -> ").next().unwrap().trim_end_matches(' ');
        if name == "." || name == ".." {
            continue;
        }
        let path = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        map.insert(path, lba);
    }
    map
}

/// Checks a Rock Ridge image against its source tree: names, kinds, content, PX/TF fields,
/// symlink targets, devices, and extents against `isoinfo -R -l`.
fn check_rock_ridge(o: &Opened, iso: &Path, tree: &Path) {
    let names = tree_names(o);
    assert_eq!(
        names,
        unrelocate(isoinfo_f(iso, "-R")),
        "names differ from isoinfo -R -f"
    );
    let mut want = source_paths(tree);
    if names.iter().any(|n| n == "rr_moved") {
        want.push("rr_moved".into());
        want.sort();
    }
    assert_eq!(names, want, "names differ from the source tree");
    let stored = isoinfo_lbas(iso, "-R");
    let keys: Vec<String> = stored.keys().cloned().collect();
    let map = relocations(&keys);
    let lbas: BTreeMap<String, u64> = stored.iter().map(|(k, v)| (unrelocate_path(k, &map), *v)).collect();

    for m in o
        .members
        .iter()
        .filter(|m| !m.name.starts_with('(') && m.name != "rr_moved")
    {
        let p = tree.join(&m.name);
        let md = std::fs::symlink_metadata(&p).unwrap();
        let ft = md.file_type();
        assert_eq!(m.field("mode"), Some(&Value::Mode(md.mode())), "{}", m.name);
        assert_eq!(m.field("uid"), Some(&Value::Id(md.uid().into())), "{}", m.name);
        assert_eq!(m.field("gid"), Some(&Value::Id(md.gid().into())), "{}", m.name);
        assert_eq!(m.field("mtime"), Some(&Value::Time(md.mtime())), "{}", m.name);
        assert!(matches!(m.field("atime"), Some(Value::Time(_))), "{}", m.name);
        assert!(matches!(m.field("ctime"), Some(Value::Time(_))), "{}", m.name);
        let extent = match (m.field("offset"), m.field("extent-lba")) {
            (Some(Value::Offset(o)), Some(Value::Offset(l))) => {
                assert_eq!(*o, l * 2048, "{}", m.name);
                *l
            }
            other => panic!("{}: offset fields {other:?}", m.name),
        };
        if ft.is_file() {
            assert_eq!(m.kind, EntryKind::File, "{}", m.name);
            let data = std::fs::read(&p).unwrap();
            assert_eq!(m.size, data.len() as u64, "{}", m.name);
            assert!(content(m) == data, "{}: content differs from the source", m.name);
            assert_eq!(m.field("nlink"), Some(&Value::Int(1)), "{}", m.name);
        } else if ft.is_dir() {
            assert_eq!(m.kind, EntryKind::Dir, "{}", m.name);
            assert!(m.data.is_none());
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&p).unwrap();
            assert_eq!(
                m.kind,
                EntryKind::Symlink {
                    target: target.to_str().unwrap().into()
                },
                "{}",
                m.name
            );
        } else if ft.is_char_device() || ft.is_block_device() {
            let (major, minor) = (libc_major(md.rdev()), libc_minor(md.rdev()));
            let want = if ft.is_char_device() {
                EntryKind::CharDevice { major, minor }
            } else {
                EntryKind::BlockDevice { major, minor }
            };
            assert_eq!(m.kind, want, "{}", m.name);
            assert_eq!(m.field("rdev"), Some(&Value::Text(format!("{major}:{minor}"))));
        } else if ft.is_fifo() {
            assert_eq!(m.kind, EntryKind::Fifo, "{}", m.name);
        }
        // isoinfo shows a relocated directory by its placeholder record: compare the rest.
        if !ft.is_dir() {
            assert_eq!(
                lbas.get(&m.name),
                Some(&extent),
                "{}: extent differs from isoinfo -R -l",
                m.name
            );
        }
    }
}

/// glibc's major()/minor().
fn libc_major(d: u64) -> u32 {
    (((d >> 8) & 0xfff) | ((d >> 32) & !0xfff)) as u32
}
fn libc_minor(d: u64) -> u32 {
    ((d & 0xff) | ((d >> 12) & !0xff)) as u32
}

#[test]
fn genisoimage_rock_ridge_matches_isoinfo_and_the_source() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, true);
    // A timezone east of UTC: the recorded local times carry +02:00, which must be applied.
    run_tz("genisoimage -quiet -R -o r.iso tree", t.path(), "UTC-2");
    let iso = t.path().join("r.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    assert_eq!(
        o.fields.iter().find(|f| f.name == "rock-ridge").unwrap().value,
        Value::Flag(true)
    );
    assert_eq!(
        o.fields.iter().find(|f| f.name == "rock-ridge-id").unwrap().value,
        Value::Text("RRIP_1991A".into())
    );
    // genisoimage relocates directories deeper than 8 levels; we show them in place.
    assert!(
        o.notes.iter().any(|n| n.contains("relocated directories")),
        "{:?}",
        o.notes
    );
    assert!(member(&o, "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt").size == 10);
    check_rock_ridge(&o, &iso, &tree);
    assert_eq!(
        member(&o, "abs").kind,
        EntryKind::Symlink {
            target: "/etc/passwd".into()
        }
    );
}

#[test]
fn xorriso_rock_ridge_and_joliet_matches_isoinfo_and_the_source() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, true);
    run(
        "xorriso -as mkisofs -quiet -R -J -joliet-long -o x.iso tree 2>/dev/null",
        t.path(),
    );
    let iso = t.path().join("x.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    let flag = |n: &str| o.fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
    assert_eq!(flag("rock-ridge"), Some(Value::Flag(true)));
    assert_eq!(flag("joliet"), Some(Value::Flag(true)));
    // Rock Ridge names win over Joliet's.
    assert!(
        o.notes.iter().any(|n| n.contains("Joliet tree is not used")),
        "{:?}",
        o.notes
    );
    check_rock_ridge(&o, &iso, &tree);
}

#[test]
fn genisoimage_rock_ridge_and_joliet_uses_rock_ridge_names() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, false);
    run(
        "genisoimage -quiet -R -J -joliet-long -o rj.iso tree 2>/dev/null",
        t.path(),
    );
    let iso = t.path().join("rj.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    assert!(tree_names(&o).iter().any(|n| n == LONG));
    check_rock_ridge(&o, &iso, &tree);
}

#[test]
fn joliet_names_and_content() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, false, false);
    run_tz("genisoimage -quiet -J -o j.iso tree 2>/dev/null", t.path(), "UTC-2");
    let iso = t.path().join("j.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    assert!(
        o.notes.iter().any(|n| n.starts_with("names from the Joliet tree")),
        "{:?}",
        o.notes
    );
    let names = tree_names(&o);
    let mut want = isoinfo_f(&iso, "-J");
    want.sort();
    assert_eq!(names, want);
    assert!(names.iter().any(|n| n == MID));
    for m in o.members.iter().filter(|m| m.kind == EntryKind::File) {
        let src = std::fs::read(tree.join(&m.name)).unwrap();
        assert!(content(m) == src, "{}", m.name);
        // Without Rock Ridge, mtime is the record's date with its offset applied.
        let md = std::fs::metadata(tree.join(&m.name)).unwrap();
        assert_eq!(m.field("mtime"), Some(&Value::Time(md.mtime())), "{}", m.name);
        assert_eq!(m.field("mtime-tz-offset-minutes"), Some(&Value::Int(120)), "{}", m.name);
        assert!(m.field("mode").is_none());
    }
    // genisoimage keeps ISO 9660's depth limit in the Joliet tree too (it drops deeper dirs).
    assert!(!names.iter().any(|n| n.ends_with("leaf.txt")));

    // xorriso without Rock Ridge: a Joliet tree as deep as the source.
    run(
        "xorriso -as mkisofs -quiet --norock -J -o xj.iso tree 2>/dev/null",
        t.path(),
    );
    let iso = t.path().join("xj.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    let names = tree_names(&o);
    let mut want = isoinfo_f(&iso, "-J");
    want.sort();
    assert_eq!(names, want);
    assert!(names
        .iter()
        .any(|n| n == "d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/leaf.txt"));
    for m in o.members.iter().filter(|m| m.kind == EntryKind::File) {
        assert!(content(m) == std::fs::read(tree.join(&m.name)).unwrap(), "{}", m.name);
    }
}

#[test]
fn genisoimage_plain_iso9660_names_and_content() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, false);
    run("genisoimage -quiet -o p.iso tree 2>/dev/null", t.path());
    let iso = t.path().join("p.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    let flag = |n: &str| o.fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
    assert_eq!(flag("rock-ridge"), Some(Value::Flag(false)));
    assert_eq!(flag("joliet"), Some(Value::Flag(false)));
    // isoinfo prints "/SUB/NOEXT.;1": the version and the lone '.' are not part of the name.
    let raw = isoinfo_f(&iso, "");
    let mut want: Vec<String> = raw
        .iter()
        .map(|l| {
            let l = l.strip_suffix(";1").unwrap_or(l);
            l.strip_suffix('.').unwrap_or(l).to_string()
        })
        .collect();
    want.sort();
    assert_eq!(tree_names(&o), want);
    assert!(want.iter().any(|n| n == "SUB/NOEXT"), "{want:?}");
    let lbas = isoinfo_lbas(&iso, "");
    for l in raw.iter().filter(|l| l.ends_with(";1")) {
        let name = l.strip_suffix(";1").unwrap();
        let name = name.strip_suffix('.').unwrap_or(name);
        let m = member(&o, name);
        let x = run(&format!("isoinfo -i '{}' -x '/{l}'", iso.display()), Path::new("/"));
        assert!(content(m) == x, "{name}: content differs from isoinfo -x");
        assert_eq!(m.field("extent-lba"), Some(&Value::Offset(lbas[l.as_str()])), "{name}");
    }
    assert_eq!(member(&o, "BIG.BIN").size, 5_000_000);
}

#[test]
fn volume_descriptor_fields_match_isoinfo() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("f"), b"f\n").unwrap();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    run_tz(
        "genisoimage -quiet -R -V MYVOL -sysid MYSYS -volset MYSET -publisher 'Pub Lisher' -p Prep -A 'App 1' -o v.iso tree",
        t.path(),
        "UTC-2",
    );
    let iso = t.path().join("v.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    let f = |n: &str| {
        o.fields
            .iter()
            .find(|f| f.name == n)
            .map(|f| f.value.clone())
            .unwrap_or_else(|| panic!("no field {n}"))
    };
    let d = String::from_utf8(run(&format!("isoinfo -d -i '{}'", iso.display()), Path::new("/"))).unwrap();
    let line = |p: &str| {
        d.lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or_else(|| panic!("isoinfo -d has no \"{p}\""))
            .trim()
            .to_string()
    };
    assert_eq!(f("system-id"), Value::Text(line("System id:")));
    assert_eq!(f("volume-id"), Value::Text(line("Volume id:")));
    assert_eq!(f("volume-set-id"), Value::Text(line("Volume set id:")));
    assert_eq!(f("publisher-id"), Value::Text(line("Publisher id:")));
    assert_eq!(f("preparer-id"), Value::Text(line("Data preparer id:")));
    assert_eq!(f("application-id"), Value::Text(line("Application id:")));
    assert_eq!(f("volume-id"), Value::Text("MYVOL".into()));
    assert_eq!(f("publisher-id"), Value::Text("Pub Lisher".into()));
    let blocks: u64 = line("Volume size is:").parse().unwrap();
    assert_eq!(f("volume-space-size"), Value::Size(blocks * 2048));
    assert_eq!(
        f("logical-block-size"),
        Value::Int(line("Logical block size is:").parse().unwrap())
    );
    assert_eq!(f("rock-ridge"), Value::Flag(true));
    assert_eq!(f("el-torito"), Value::Flag(false));
    // Local time at +02:00 with the offset recorded: UTC after applying it.
    let Value::Time(created) = f("creation-time") else {
        panic!()
    };
    assert!((before - 2..=before + 60).contains(&created), "{created} vs {before}");
    assert_eq!(f("creation-time-tz-offset-minutes"), Value::Int(120));
    assert_eq!(f("modification-time"), Value::Time(created));
    assert!(
        o.fields.iter().all(|f| f.name != "expiration-time"),
        "unset dates are left out"
    );

    // xorriso honours SOURCE_DATE_EPOCH for the volume dates.
    let out = Command::new("sh")
        .args(["-c", "xorriso -as mkisofs -quiet -R -o s.iso tree 2>/dev/null"])
        .current_dir(t.path())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .status()
        .unwrap();
    assert!(out.success(), "xorriso failed ({PACKAGES})");
    let o = open(&std::fs::read(t.path().join("s.iso")).unwrap());
    let f = |n: &str| o.fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
    assert_eq!(f("creation-time"), Some(Value::Time(1_700_000_000)));
    assert_eq!(f("modification-time"), Some(Value::Time(1_700_000_000)));
}

/// Fields isoinfo prints for the El Torito default entry ("Nsect C", "Bootoff 1B 27").
fn isoinfo_boot(iso: &Path, key: &str) -> String {
    let d = String::from_utf8(run(&format!("isoinfo -d -i '{}'", iso.display()), Path::new("/"))).unwrap();
    d.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .unwrap_or_else(|| panic!("isoinfo -d has no {key}: {d}"))
        .trim()
        .to_string()
}

#[test]
fn el_torito_boot_images() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    let boot: Vec<u8> = (0..5000u32).map(|i| (i % 253) as u8).collect();
    let efi: Vec<u8> = (0..70_000u32).map(|i| (i % 241) as u8 ^ 0x5a).collect();
    std::fs::write(tree.join("boot.img"), &boot).unwrap();
    std::fs::write(tree.join("efi.img"), &efi).unwrap();
    std::fs::write(tree.join("readme"), b"hi\n").unwrap();

    run(
        "genisoimage -quiet -R -b boot.img -no-emul-boot -c boot.cat -o g.iso tree",
        t.path(),
    );
    let iso = t.path().join("g.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    assert_eq!(
        o.fields.iter().find(|f| f.name == "el-torito").unwrap().value,
        Value::Flag(true)
    );
    let cat = member(&o, "(boot catalog)");
    assert_eq!(cat.kind, EntryKind::Section);
    // isoinfo: "El Torito VD version 1 found, boot catalog is in sector 26".
    let sector: u64 = isoinfo_boot(&iso, "El Torito VD version 1 found, boot catalog is in sector")
        .parse()
        .unwrap();
    assert_eq!(cat.field("extent-lba"), Some(&Value::Offset(sector)));
    assert_eq!(cat.field("offset"), Some(&Value::Offset(sector * 2048)));
    assert_eq!(cat.field("platform-id"), Some(&Value::Text("x86 (0x00)".into())));
    assert_eq!(isoinfo_boot(&iso, "Arch"), "0 (x86)");
    assert_eq!(cat.field("boot-images"), Some(&Value::Int(1)));
    assert_eq!(member(&o, "boot.cat").field("extent-lba"), Some(&Value::Offset(sector)));

    let img = member(&o, "(boot image 1)");
    assert!(content(img) == boot);
    assert_eq!(img.field("bootable"), Some(&Value::Flag(true)));
    assert_eq!(isoinfo_boot(&iso, "Bootid"), "88 (bootable)");
    assert_eq!(
        img.field("boot-media-type"),
        Some(&Value::Text("no emulation (0)".into()))
    );
    assert_eq!(isoinfo_boot(&iso, "Boot media"), "0 (No Emulation Boot)");
    let nsect = i64::from_str_radix(&isoinfo_boot(&iso, "Nsect"), 16).unwrap();
    assert_eq!(img.field("sector-count"), Some(&Value::Int(nsect)));
    let seg = i64::from_str_radix(&isoinfo_boot(&iso, "Load segment"), 16).unwrap();
    assert_eq!(img.field("load-segment"), Some(&Value::Int(seg)));
    // "Bootoff 1B 27": hex, then decimal.
    let rba: u64 = isoinfo_boot(&iso, "Bootoff")
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(img.field("load-rba"), Some(&Value::Offset(rba)));
    assert_eq!(img.field("offset"), Some(&Value::Offset(rba * 2048)));
    assert_eq!(member(&o, "boot.img").field("extent-lba"), Some(&Value::Offset(rba)));

    // BIOS + EFI, as live images do: a second entry in a section for platform 0xEF.
    run(
        "xorriso -as mkisofs -quiet -R -b boot.img -no-emul-boot -boot-load-size 4 -c boot.cat \
         -eltorito-alt-boot -e efi.img -no-emul-boot -o x.iso tree 2>/dev/null",
        t.path(),
    );
    let iso = t.path().join("x.iso");
    let o = open(&std::fs::read(&iso).unwrap());
    assert_eq!(member(&o, "(boot catalog)").field("boot-images"), Some(&Value::Int(2)));
    let bios = member(&o, "(boot image 1)");
    assert!(content(bios) == boot);
    assert_eq!(bios.field("sector-count"), Some(&Value::Int(4)));
    assert_eq!(isoinfo_boot(&iso, "Nsect"), "4");
    let uefi = member(&o, "(boot image 2)");
    assert!(content(uefi) == efi);
    assert_eq!(uefi.field("platform-id"), Some(&Value::Text("EFI (0xef)".into())));
    assert_eq!(
        uefi.field("load-rba"),
        member(&o, "efi.img").field("extent-lba"),
        "the EFI image is the file efi.img"
    );
}

#[test]
fn hybrid_image_with_a_system_area_is_identified() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("f"), b"f\n").unwrap();
    let mut sys: Vec<u8> = (0..32768u32).map(|i| (i * 13 + 7) as u8).collect();
    sys[510] = 0x55;
    sys[511] = 0xaa;
    std::fs::write(t.path().join("sys.bin"), &sys).unwrap();
    run(
        "xorriso -as mkisofs -quiet -G sys.bin -R -o h.iso tree 2>/dev/null",
        t.path(),
    );
    let bytes = std::fs::read(t.path().join("h.iso")).unwrap();
    assert_eq!(bytes[..32768], sys[..]);
    // The registry sees it through the first 36 KiB it hands to identify.
    assert_eq!(identify(&bytes, "h.iso").map(|f| f.name()), Some("iso9660"));
    let o = open(&bytes);
    let area = member(&o, "(system area)");
    assert!(content(area) == sys);
    assert_eq!(member(&o, "f").size, 2);
    // A plain image has an all-zero system area, which is not listed.
    run("xorriso -as mkisofs -quiet -R -o p.iso tree 2>/dev/null", t.path());
    let o = open(&std::fs::read(t.path().join("p.iso")).unwrap());
    assert!(o.members.iter().all(|m| m.name != "(system area)"));
}

/// Offsets of the records of the directory at block `lba` (name bytes, offset), "." and ".."
/// left out.
fn dir_records(img: &[u8], lba: usize, len: usize) -> Vec<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let (start, end) = (lba * 2048, lba * 2048 + len);
    let mut pos = start;
    while pos < end {
        let l = img[pos] as usize;
        if l == 0 {
            pos = (pos / 2048 + 1) * 2048;
            continue;
        }
        let id = img[pos + 33..pos + 33 + img[pos + 32] as usize].to_vec();
        if id != [0] && id != [1] {
            out.push((id, pos));
        }
        pos += l;
    }
    out
}

fn set_both32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
    img[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// Multi-extent files (records with flag 0x80 followed by a final record of the same name) are
/// only written for files over 4 GiB; here a real image's records are turned into one.
#[test]
fn multi_extent_files_are_joined() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    let a1 = vec![b'a'; 4096];
    let a2 = vec![b'b'; 2048];
    let a3 = b"the final extent\n".to_vec();
    std::fs::write(tree.join("A1"), &a1).unwrap();
    std::fs::write(tree.join("A2"), &a2).unwrap();
    std::fs::write(tree.join("A3"), &a3).unwrap();
    run("genisoimage -quiet -o m.iso tree", t.path());
    let mut img = std::fs::read(t.path().join("m.iso")).unwrap();
    let root_lba = u32::from_le_bytes(img[0x8000 + 156 + 2..0x8000 + 156 + 6].try_into().unwrap()) as usize;
    let recs = dir_records(&img, root_lba, 2048);
    let names: Vec<&[u8]> = recs.iter().map(|(n, _)| n.as_slice()).collect();
    assert_eq!(names, [&b"A1.;1"[..], b"A2.;1", b"A3.;1"]);
    let lba = |img: &[u8], at: usize| u32::from_le_bytes(img[at + 2..at + 6].try_into().unwrap());
    let (r1, r2) = (recs[0].1, recs[1].1);
    assert_eq!(
        lba(&img, r1) + 2,
        lba(&img, r2),
        "genisoimage wrote A1 and A2 back to back"
    );
    for &(_, at) in &recs[..2] {
        img[at + 25] |= 0x80;
        img[at + 33..at + 38].copy_from_slice(b"A3.;1");
    }
    let o = open(&img);
    assert_eq!(tree_names(&o), ["A3"]);
    let m = member(&o, "A3");
    let mut want = [a1.clone(), a2.clone(), a3.clone()].concat();
    assert_eq!(m.size, want.len() as u64);
    assert!(content(m) == want, "contiguous extents joined");
    assert_eq!(m.field("extents"), Some(&Value::Int(3)));
    assert_eq!(m.field("extent-lba"), Some(&Value::Offset(lba(&img, r1).into())));

    // Not contiguous: the second part points back at the first extent's first block.
    let first = lba(&img, r1);
    set_both32(&mut img, r2 + 2, first);
    let o = open(&img);
    want = [a1.clone(), a1[..2048].to_vec(), a3].concat();
    assert!(content(member(&o, "A3")) == want, "scattered extents joined");
}
