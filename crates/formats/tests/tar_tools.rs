//! tar against real producers and oracles: GNU tar (Debian package `tar`) in its gnu, pax, ustar
//! and v7 formats, bsdtar (package `libarchive-tools`) for device nodes and its own pax flavour,
//! and `setfattr` (package `attr`) for extended attributes. `tar -t` gives the member list,
//! `tar -tv --numeric-owner --full-time` the fields, and the files on disk the content.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use reproscope_formats::tar::Tar;
use reproscope_formats::{format_time, Blob, EntryKind, Format, Limits, Member, Opened, Value};

const PACKAGES: &str = "tar, libarchive-tools (bsdtar), attr (setfattr)";

fn sh(cmd: &str, dir: &Path, stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn run(cmd: &str, dir: &Path) -> Vec<u8> {
    let out = sh(cmd, dir, b"");
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages {PACKAGES} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a tar-reading command on `archive` given on stdin.
fn run_on(cmd: &str, archive: &[u8]) -> String {
    let out = sh(cmd, Path::new("/"), archive);
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages {PACKAGES} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn open(bytes: &[u8]) -> Opened {
    Tar.open(&Blob::from_vec(bytes.to_vec()), "t.tar", &Limits::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"))
}

fn content(m: &Member) -> Vec<u8> {
    // Sparse files and multi-extent files are produced when loaded.
    match &m.data {
        Some(d) => d.load().unwrap().to_vec(),
        None => panic!("{}: no data", m.name),
    }
}

fn field<'a>(o: &'a Opened, name: &str) -> Option<&'a Value> {
    o.fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

fn member<'a>(o: &'a Opened, name: &str) -> &'a Member {
    o.members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"))
}

/// A name as we list it: without "./" and a trailing "/".
fn norm(n: &str) -> String {
    let n = n.trim_start_matches("./").trim_end_matches('/');
    n.to_string()
}

/// `tar -t` minus the root entry, names normalized.
fn tar_t(archive: &[u8]) -> Vec<String> {
    run_on("tar -tf -", archive)
        .lines()
        .map(norm)
        .filter(|n| !n.is_empty() && n != ".")
        .collect()
}

fn names(o: &Opened) -> Vec<String> {
    o.members.iter().map(|m| m.name.clone()).collect()
}

/// The first `n` whitespace-separated columns of a line and the rest after them.
fn columns(line: &str, n: usize) -> (Vec<&str>, &str) {
    let mut cols = Vec::new();
    let mut rest = line;
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        cols.push(&rest[..end]);
        rest = &rest[end..];
    }
    (cols, rest.strip_prefix(' ').unwrap_or(rest))
}

/// "2024-01-01" "12:34:56[.123]" → (seconds, nanoseconds).
fn parse_time(date: &str, time: &str) -> (String, i64) {
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut ns = 0i64;
    for i in 0..9 {
        ns = ns * 10 + frac.as_bytes().get(i).map_or(0, |&c| i64::from(c - b'0'));
    }
    (format!("{date} {hms}"), ns)
}

/// Checks every line of `tar -tv --numeric-owner --full-time` against the members.
fn check_verbose_listing(o: &Opened, archive: &[u8], label: &str) {
    let listing = run_on("tar -tvf - --numeric-owner --full-time", archive);
    let mut seen = 0;
    for line in listing.lines() {
        let (cols, rest) = columns(line, 5);
        let (perms, owner, size, date, time) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let (name, link) = if let Some((n, t)) = rest.split_once(" -> ") {
            (n, Some(t))
        } else if let Some((n, t)) = rest.split_once(" link to ") {
            (n, Some(t))
        } else {
            (rest, None)
        };
        let name = norm(name);
        let (uid, gid) = owner.split_once('/').unwrap();
        let (uid, gid): (u64, u64) = (uid.parse().unwrap(), gid.parse().unwrap());
        let (fields, kind, msize): (Vec<(String, Value)>, Option<&EntryKind>, u64) = if name.is_empty() {
            let f = o
                .fields
                .iter()
                .filter_map(|f| f.name.strip_prefix("root.").map(|n| (n.to_string(), f.value.clone())))
                .collect();
            (f, None, 0)
        } else {
            let m = member(o, &name);
            let f = m.fields.iter().map(|f| (f.name.clone(), f.value.clone())).collect();
            (f, Some(&m.kind), m.size)
        };
        let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let ctx = format!("{label}: {line}");
        // GNU tar shows hard links with an 'h' where the type letter goes.
        let Some(Value::Mode(mode)) = get("mode") else {
            panic!("{ctx}: no mode")
        };
        let shown = reproscope_formats::format_mode(mode);
        if let Some(rest) = perms.strip_prefix('h') {
            assert_eq!(&shown[1..10], rest, "{ctx}: mode");
            assert!(matches!(kind, Some(EntryKind::HardLink { .. })), "{ctx}");
        } else {
            assert_eq!(&shown[..10], perms, "{ctx}: mode");
        }
        assert_eq!(get("uid"), Some(Value::Id(uid)), "{ctx}: uid");
        assert_eq!(get("gid"), Some(Value::Id(gid)), "{ctx}: gid");
        let (when, ns) = parse_time(date, time);
        let Some(Value::Time(t)) = get("mtime") else {
            panic!("{ctx}: no mtime")
        };
        assert_eq!(format_time(t), when, "{ctx}: mtime");
        let our_ns = match get("mtime-nsec") {
            Some(Value::Int(n)) => n,
            _ => 0,
        };
        assert_eq!(our_ns, ns, "{ctx}: mtime nanoseconds");
        match kind {
            Some(EntryKind::File) => assert_eq!(msize.to_string(), size, "{ctx}: size"),
            Some(EntryKind::Symlink { target }) => assert_eq!(Some(target.as_str()), link, "{ctx}: target"),
            Some(EntryKind::HardLink { target }) => {
                assert_eq!(Some(target.clone()), link.map(norm), "{ctx}: target")
            }
            Some(EntryKind::CharDevice { major, minor } | EntryKind::BlockDevice { major, minor }) => {
                assert_eq!(format!("{major},{minor}"), size, "{ctx}: device");
                assert_eq!(get("devmajor"), Some(Value::Int(i64::from(*major))), "{ctx}");
                assert_eq!(get("devminor"), Some(Value::Int(i64::from(*minor))), "{ctx}");
            }
            _ => {}
        }
        seen += 1;
    }
    assert_eq!(
        seen,
        o.members.len() + usize::from(o.fields.iter().any(|f| f.name == "root.mode")),
        "{label}: every member checked"
    );
}

/// Files, a subdirectory, an empty file, a setuid file, a symlink, a hard-linked pair, and
/// optionally a fifo and names and link targets longer than 100 bytes.
fn make_tree(root: &Path, fifo: bool, long: bool) {
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("hello.txt"), "hello, world\n").unwrap();
    let data: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    std::fs::write(root.join("sub/data.bin"), data).unwrap();
    std::fs::write(root.join("sub/deeper/empty"), "").unwrap();
    std::fs::write(root.join("linked"), "same inode, two names\n").unwrap();
    std::fs::hard_link(root.join("linked"), root.join("sub/also-linked")).unwrap();
    std::os::unix::fs::symlink("hello.txt", root.join("greeting")).unwrap();
    std::fs::set_permissions(root.join("hello.txt"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::set_permissions(root.join("sub"), std::fs::Permissions::from_mode(0o750)).unwrap();
    if fifo {
        run("mkfifo pipe", root);
    }
    if long {
        let dir = format!("{}/{}", "d".repeat(60), "e".repeat(70));
        std::fs::create_dir_all(root.join(&dir)).unwrap();
        let file = format!("{dir}/{}.txt", "f".repeat(90));
        std::fs::write(root.join(&file), "deep\n").unwrap();
        std::os::unix::fs::symlink(&file, root.join("long-link")).unwrap();
    }
    // Fractional mtimes: pax keeps them, the other formats round them down.
    run("find . -exec touch -h -d '2024-03-01 12:00:00.123456789' {} +", root);
}

fn check_gnu_format(format: &str, fifo: bool, long: bool) {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, fifo, long);
    let archive = run(&format!("tar --format={format} -cf - ."), &tree);
    assert!(Tar.identify(&archive, "x.tar"), "{format}: not identified");
    let o = open(&archive);
    let id = |opt: &str| {
        String::from_utf8(run(&format!("id {opt}"), t.path()))
            .unwrap()
            .trim()
            .to_string()
    };
    let (user, group) = (id("-un"), id("-gn"));

    assert_eq!(names(&o), tar_t(&archive), "{format}: member list differs from tar -t");
    check_verbose_listing(&o, &archive, format);

    let expected_header = match format {
        "gnu" => ["gnu"].as_slice(),
        "pax" => &["pax", "ustar"],
        "ustar" => &["ustar"],
        _ => &["v7"],
    };
    let fmt_label = if format == "pax" { "pax" } else { format };
    assert_eq!(field(&o, "format"), Some(&Value::Text(fmt_label.into())), "{format}");
    for m in &o.members {
        let Some(Value::Text(h)) = m.field("header-format") else {
            panic!("{format}: {} has no header-format", m.name)
        };
        assert!(expected_header.contains(&h.as_str()), "{format}: {} is {h}", m.name);

        let path = tree.join(&m.name);
        let md = std::fs::symlink_metadata(&path).unwrap();
        let ctx = format!("{format}: {}", m.name);
        assert_eq!(m.field("mode"), Some(&Value::Mode(md.mode())), "{ctx}");
        assert_eq!(m.field("uid"), Some(&Value::Id(md.uid().into())), "{ctx}");
        assert_eq!(m.field("gid"), Some(&Value::Id(md.gid().into())), "{ctx}");
        assert_eq!(m.field("mtime"), Some(&Value::Time(md.mtime())), "{ctx}");
        if format == "pax" {
            assert_eq!(m.field("mtime-nsec"), Some(&Value::Int(md.mtime_nsec())), "{ctx}");
            // GNU tar's pax writes atime and ctime too (unless told to delete them).
            assert_eq!(m.field("ctime"), Some(&Value::Time(md.ctime())), "{ctx}");
            assert!(m.field("atime").is_some(), "{ctx}");
        } else {
            assert!(m.field("mtime-nsec").is_none() && m.field("atime").is_none(), "{ctx}");
        }
        if format != "v7" {
            assert_eq!(m.field("uname"), Some(&Value::Name(user.clone())), "{ctx}");
            assert_eq!(m.field("gname"), Some(&Value::Name(group.clone())), "{ctx}");
        }
        if md.file_type().is_file() {
            assert_eq!(m.size, md.len(), "{ctx}: size");
            assert_eq!(content(m), std::fs::read(&path).unwrap(), "{ctx}: content");
        }
    }
    // The hard link pair: the second name links to the first and shares its content.
    let names = names(&o);
    let (first, second) =
        if names.iter().position(|n| n == "linked") < names.iter().position(|n| n == "sub/also-linked") {
            ("linked", "sub/also-linked")
        } else {
            ("sub/also-linked", "linked")
        };
    assert_eq!(
        member(&o, second).kind,
        EntryKind::HardLink { target: first.into() },
        "{format}"
    );
    assert_eq!(content(member(&o, second)), b"same inode, two names\n");
    assert_eq!(
        member(&o, "greeting").kind,
        EntryKind::Symlink {
            target: "hello.txt".into()
        }
    );
    if fifo {
        assert_eq!(member(&o, "pipe").kind, EntryKind::Fifo);
    }
    if long {
        let deep = names.iter().find(|n| n.len() > 200).expect("the long name is listed");
        assert_eq!(content(member(&o, deep)), b"deep\n");
        let EntryKind::Symlink { target } = &member(&o, "long-link").kind else {
            panic!("long-link is not a symlink")
        };
        assert_eq!(target, deep);
    }
    // The root entry "./" is not a member: its metadata are archive fields.
    let root_md = std::fs::metadata(&tree).unwrap();
    assert_eq!(field(&o, "root.mode"), Some(&Value::Mode(root_md.mode())), "{format}");
    assert_eq!(field(&o, "root.mtime"), Some(&Value::Time(root_md.mtime())), "{format}");
    assert_eq!(field(&o, "entries"), Some(&Value::Int(names.len() as i64 + 1)));
}

#[test]
fn gnu_format() {
    check_gnu_format("gnu", true, true);
}

#[test]
fn pax_format() {
    check_gnu_format("pax", true, true);
}

#[test]
fn ustar_format() {
    // ustar splits names up to 255 bytes into prefix + name; link targets stay within 100.
    check_gnu_format("ustar", true, false);
}

#[test]
fn v7_format() {
    // v7 has no fifos and no room for long names.
    check_gnu_format("v7", false, false);
}

#[test]
fn long_names_use_the_expected_mechanism() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, false, true);
    let gnu = run("tar --format=gnu -cf - .", &tree);
    assert!(gnu.windows(13).any(|w| w == b"././@LongLink"));
    let pax = run("tar --format=pax -cf - .", &tree);
    assert!(pax.windows(5).any(|w| w == b"path="));
    assert!(pax.windows(9).any(|w| w == b"linkpath="));
    for a in [&gnu, &pax] {
        let o = open(a);
        assert_eq!(names(&o), tar_t(a));
        assert!(o.members.iter().any(|m| m.name.len() > 200));
    }
    // ustar: a 232-byte name split into the prefix (at most 155) and name (100) fields.
    let short_tree = t.path().join("short");
    let file = format!("{}/{}/{}", "p".repeat(70), "q".repeat(70), "r".repeat(90));
    std::fs::create_dir_all(short_tree.join(&file).parent().unwrap()).unwrap();
    std::fs::write(short_tree.join(&file), "x").unwrap();
    let ustar = run("tar --format=ustar -cf - .", &short_tree);
    let o = open(&ustar);
    assert_eq!(names(&o), tar_t(&ustar));
    assert_eq!(content(member(&o, &file)), b"x");
}

#[test]
fn pax_xattr_and_pax_options() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("tagged"), "x").unwrap();
    std::fs::write(tree.join("plain"), "y").unwrap();
    run("setfattr -n user.foo -v bar tagged", &tree);
    let archive = run(
        "tar --format=pax --xattrs --sort=name --pax-option=comment=for-all,delete=atime,delete=ctime \
         --pax-option='note:=per-file' -cf - tagged plain",
        &tree,
    );
    let o = open(&archive);
    assert_eq!(names(&o), tar_t(&archive));
    let tagged = member(&o, "tagged");
    assert_eq!(
        tagged.field("pax.SCHILY.xattr.user.foo"),
        Some(&Value::Text("bar".into()))
    );
    assert_eq!(member(&o, "plain").field("pax.SCHILY.xattr.user.foo"), None);
    // `key:=value` goes into every entry's header, `key=value` into a global header.
    assert_eq!(tagged.field("pax.note"), Some(&Value::Text("per-file".into())));
    assert_eq!(field(&o, "pax-global.comment"), Some(&Value::Text("for-all".into())));
    assert!(tagged.field("atime").is_none() && tagged.field("ctime").is_none());
    assert_eq!(tagged.field("header-format"), Some(&Value::Text("pax".into())));
    assert_eq!(
        tagged.field("pax-header.name"),
        Some(&Value::Path("./PaxHeaders/tagged".into()))
    );
}

#[test]
fn global_header_values_apply_to_later_entries() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("f"), "x").unwrap();
    let archive = run(
        "tar --format=pax --pax-option=uname=builder,gname=staff -cf - f",
        t.path(),
    );
    let o = open(&archive);
    check_verbose_listing(&o, &archive, "global");
    let listing = run_on("tar -tvf -", &archive);
    assert!(listing.contains("builder/staff"), "{listing}");
    let f = member(&o, "f");
    assert_eq!(f.field("uname"), Some(&Value::Name("builder".into())));
    assert_eq!(f.field("gname"), Some(&Value::Name("staff".into())));
    assert_eq!(field(&o, "pax-global.uname"), Some(&Value::Text("builder".into())));
}

#[test]
fn mtime_owner_and_sort_options() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, false);
    let opts = "--sort=name --mtime=@1700000000 --owner=builder:1234 --group=staff:5678";
    for format in ["gnu", "pax --pax-option=delete=atime,delete=ctime"] {
        let archive = run(&format!("tar --format={format} {opts} -cf - ."), &tree);
        let o = open(&archive);
        let listed = names(&o);
        assert_eq!(listed, tar_t(&archive));
        check_verbose_listing(&o, &archive, format);
        for m in &o.members {
            assert_eq!(m.field("mtime"), Some(&Value::Time(1_700_000_000)), "{}", m.name);
            assert_eq!(m.field("uid"), Some(&Value::Id(1234)));
            assert_eq!(m.field("gid"), Some(&Value::Id(5678)));
            assert_eq!(m.field("uname"), Some(&Value::Name("builder".into())));
            assert_eq!(m.field("gname"), Some(&Value::Name("staff".into())));
        }
        // --sort=name orders each directory's entries by name (byte order).
        let top: Vec<&String> = listed.iter().filter(|n| !n.contains('/')).collect();
        let mut sorted = top.clone();
        sorted.sort();
        assert_eq!(top, sorted, "{format}");
    }
    // --numeric-owner when creating leaves the names empty: no uname/gname fields.
    let archive = run("tar --format=gnu --numeric-owner -cf - hello.txt", &tree);
    let o = open(&archive);
    assert!(member(&o, "hello.txt").field("uname").is_none());
}

#[test]
fn devices_and_fifo_from_bsdtar() {
    let t = tempfile::tempdir().unwrap();
    let spec = "#mtree\n\
        ./dev type=dir mode=0755 uid=0 gid=0 time=1700000000.0\n\
        ./dev/null type=char device=native,1,3 mode=0666 uid=0 gid=0 time=1700000000.0\n\
        ./dev/sda type=block device=native,8,16 mode=0660 uid=0 gid=6 time=1700000000.0\n\
        ./dev/fifo type=fifo mode=0600 uid=0 gid=0 time=1700000000.0\n\
        ./dev/file type=file mode=0644 uid=7 gid=8 time=1700000000.500000000 contents=payload\n";
    std::fs::write(t.path().join("spec"), spec).unwrap();
    std::fs::write(t.path().join("payload"), "bsdtar data\n").unwrap();
    for format in ["ustar", "pax", "gnutar"] {
        let archive = run(&format!("bsdtar --format={format} -cf - @spec"), t.path());
        let o = open(&archive);
        assert_eq!(names(&o), tar_t(&archive), "{format}");
        check_verbose_listing(&o, &archive, format);
        assert_eq!(
            member(&o, "dev/null").kind,
            EntryKind::CharDevice { major: 1, minor: 3 }
        );
        assert_eq!(
            member(&o, "dev/sda").kind,
            EntryKind::BlockDevice { major: 8, minor: 16 }
        );
        assert_eq!(member(&o, "dev/sda").field("mode"), Some(&Value::Mode(0o060660)));
        assert_eq!(member(&o, "dev/fifo").kind, EntryKind::Fifo);
        assert_eq!(content(member(&o, "dev/file")), b"bsdtar data\n");
        let label = if format == "gnutar" { "gnu" } else { format };
        assert_eq!(field(&o, "format"), Some(&Value::Text(label.into())), "{format}");
    }
    // bsdtar's pax keeps the half second (mtree's time is seconds.nanoseconds).
    let archive = run("bsdtar --format=pax -cf - @spec", t.path());
    let o = open(&archive);
    assert_eq!(
        member(&o, "dev/file").field("mtime-nsec"),
        Some(&Value::Int(500_000_000))
    );
}

#[test]
fn sparse_files_are_expanded() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sp");
    std::fs::create_dir(&dir).unwrap();
    run(
        "truncate -s 1M big && printf hello | dd of=big bs=1 seek=100000 conv=notrunc 2>/dev/null \
         && printf world | dd of=big bs=1 seek=700000 conv=notrunc 2>/dev/null && truncate -s 2M big",
        &dir,
    );
    let real = std::fs::read(dir.join("big")).unwrap();
    for (opts, label) in [
        ("--format=gnu", "gnu"),
        ("--format=pax --sparse-version=0.0", "pax 0.0"),
        ("--format=pax --sparse-version=0.1", "pax 0.1"),
        ("--format=pax --sparse-version=1.0", "pax 1.0"),
    ] {
        let archive = run(&format!("tar {opts} -S -cf - big"), &dir);
        assert!(archive.len() < 100_000, "{label}: stored sparse");
        let o = open(&archive);
        assert_eq!(names(&o), tar_t(&archive), "{label}");
        let m = member(&o, "big");
        assert_eq!(m.field("sparse"), Some(&Value::Text(label.into())));
        assert_eq!(m.field("realsize"), Some(&Value::Size(real.len() as u64)));
        assert_eq!(m.size, real.len() as u64);
        assert!(content(m) == real, "{label}: expanded content differs");
        check_verbose_listing(&o, &archive, label);
    }
}

#[test]
fn v7_is_identified_by_name_and_checksum() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("f"), "x").unwrap();
    let v7 = run("tar --format=v7 -cf - f", t.path());
    assert!(Tar.identify(&v7, "a.tar"));
    assert!(Tar.identify(&v7, "A.TAR"));
    assert!(!Tar.identify(&v7, "a.bin"));
    let mut broken = v7.clone();
    broken[0] ^= 1;
    assert!(!Tar.identify(&broken, "a.tar"));
    let ustar = run("tar --format=ustar -cf - f", t.path());
    assert!(Tar.identify(&ustar, "anything"));
    let o = open(&v7);
    assert_eq!(member(&o, "f").field("header-format"), Some(&Value::Text("v7".into())));
    assert!(member(&o, "f").field("uname").is_none());
}

#[test]
fn end_padding_follows_the_blocking_factor() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("f"), "x").unwrap();
    // One header + one data block, then the two zero blocks: 2048 bytes.
    let b1 = run("tar --format=gnu -b 1 -cf - f", t.path());
    assert_eq!(b1.len(), 2048);
    assert_eq!(field(&open(&b1), "end-padding"), Some(&Value::Size(0)));
    let b20 = run("tar --format=gnu -cf - f", t.path());
    assert_eq!(b20.len(), 10240);
    assert_eq!(field(&open(&b20), "end-padding"), Some(&Value::Size(10240 - 2048)));
    let b4 = run("tar --format=gnu -b 4 -cf - f", t.path());
    assert_eq!(field(&open(&b4), "end-padding"), Some(&Value::Size(0)));
    let b3 = run("tar --format=gnu -b 3 -cf - f", t.path());
    // 2048 bytes rounded up to a 1536-byte record: 1024 bytes of padding.
    assert_eq!(b3.len(), 3072);
    assert_eq!(field(&open(&b3), "end-padding"), Some(&Value::Size(1024)));
}

#[test]
fn concatenated_archive_is_a_trailing_member() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("a"), "first").unwrap();
    std::fs::write(t.path().join("b"), "second").unwrap();
    let a = run("tar --format=gnu -cf - a", t.path());
    let b = run("tar --format=gnu -cf - b", t.path());
    let both = [a.clone(), b.clone()].concat();
    let o = open(&both);
    // GNU tar without --ignore-zeros stops at the first end-of-archive marker too.
    assert_eq!(tar_t(&both), ["a"]);
    let listed = names(&o);
    assert_eq!(listed, ["a".to_string(), format!("trailing@{:#x}", a.len())]);
    let trailing = &o.members[1];
    assert_eq!(trailing.kind, EntryKind::Section);
    assert_eq!(content(trailing), b);
    assert!(o.notes.iter().any(|n| n.contains("--ignore-zeros")), "{:?}", o.notes);
    // The first archive's header, data block and end marker take 2048 bytes.
    assert_eq!(field(&o, "end-padding"), Some(&Value::Size((both.len() - 2048) as u64)));
    let with_i = run_on("tar -tif -", &both);
    assert_eq!(with_i.lines().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn gzip_compressed_tarball_opens_through_gzip() {
    use reproscope_formats::gzip::Gzip;
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    make_tree(&tree, true, true);
    let tgz = run("tar --format=gnu -czf - .", &tree);
    let g = Gzip
        .open(&Blob::from_vec(tgz.clone()), "x.tar.gz", &Limits::default())
        .unwrap();
    assert_eq!(g.members[0].name, "x.tar");
    let inner = content(&g.members[0]);
    assert!(reproscope_formats::identify(&inner, "x.tar").is_some_and(|f| f.name() == "tar"));
    let o = open(&inner);
    assert_eq!(names(&o), tar_t(&inner));
    let listed = run_on("tar -tzf -", &tgz);
    assert_eq!(listed.lines().filter(|l| *l != "./").count(), o.members.len());
}
