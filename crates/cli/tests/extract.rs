//! `reproscope extract` on hostile archives made by real tools (Python's tarfile and zipfile,
//! GNU cpio and gzip, the repository's EIF writer) and on a real Debian package: nothing outside
//! the output directory is created or changed, skipped entries are listed with exit status 1,
//! `--strict` writes nothing, and ordinary entries (absolute symlinks included) are written.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{need, run, s, Out, MAX_RSS_KB};

/// One entry of a hostile archive, for the Python writers.
fn e(name: &str, kind: &str, arg: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "type": kind, "arg": arg})
}

const WRITER: &str = r#"
import io, json, sys, tarfile, zipfile
fmt, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if fmt == "tar":
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
        for e in spec:
            ti = tarfile.TarInfo(e["name"])
            ti.mtime = e.get("mtime", 1700000000)
            ti.mode = e.get("mode", 0o644)
            kind, arg, data = e["type"], e["arg"], None
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, e.get("mode", 0o755)
            elif kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
            elif kind == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
            elif kind == "chr":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "fifo":
                ti.type = tarfile.FIFOTYPE
            else:
                data = bytes.fromhex(arg) if kind == "bin" else arg.encode()
                ti.size = len(data)
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
else:
    with zipfile.ZipFile(out, "w") as z:
        for e in spec:
            kind, arg = e["type"], e["arg"]
            name = e["name"] + ("/" if kind == "dir" else "")
            zi = zipfile.ZipInfo(name, (2023, 11, 14, 22, 13, 20))
            zi.create_system = 3
            if kind == "dir":
                zi.external_attr, data = (0o40755 << 16) | 0x10, b""
            elif kind == "sym":
                zi.external_attr, data = 0o120777 << 16, arg.encode()
            elif kind == "file":
                zi.external_attr, data = (0o100000 | e.get("mode", 0o644)) << 16, arg.encode()
            else:
                sys.exit("zip holds no " + kind)
            z.writestr(zi, data)
"#;

/// A tar (GNU format) or zip archive written by Python's tarfile / zipfile.
fn python_archive(fmt: &str, out: &Path, entries: &[serde_json::Value]) {
    let spec = serde_json::Value::Array(entries.to_vec()).to_string();
    let st = Command::new("python3")
        .args(["-c", WRITER, fmt, s(out), &spec])
        .status()
        .expect("python3");
    assert!(st.success(), "python3 {fmt} writer failed");
}

/// A newc cpio archive written by GNU cpio from `names` (read from the file system in `dir`).
fn gnu_cpio(dir: &Path, names: &[&str]) -> Vec<u8> {
    let mut child = Command::new("cpio")
        .args(["-o", "-H", "newc", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU cpio");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for n in names {
            writeln!(stdin, "{n}").unwrap();
        }
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "cpio failed");
    o.stdout
}

fn symlink(target: impl AsRef<Path>, at: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// What a tree holds, without following links: per path its kind, content or target, mode,
/// mtime, ctime (which no writer can set back) and inode.
type Snapshot = BTreeMap<PathBuf, String>;

fn snapshot(root: &Path, skip: &Path) -> Snapshot {
    fn go(p: &Path, skip: &Path, out: &mut Snapshot) {
        let md = std::fs::symlink_metadata(p).unwrap();
        let what = if md.file_type().is_symlink() {
            format!("link {:?}", std::fs::read_link(p).unwrap())
        } else if md.is_file() {
            format!("file {:?}", std::fs::read(p).unwrap())
        } else {
            "dir".to_string()
        };
        out.insert(
            p.to_path_buf(),
            format!(
                "{what} mode {:o} mtime {}.{} ctime {}.{} ino {} nlink {}",
                md.mode(),
                md.mtime(),
                md.mtime_nsec(),
                md.ctime(),
                md.ctime_nsec(),
                md.ino(),
                md.nlink()
            ),
        );
        if md.is_dir() && p != skip {
            let mut names: Vec<_> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect();
            names.sort();
            for n in names {
                go(&n, skip, out);
            }
        }
    }
    let mut out = Snapshot::new();
    go(root, skip, &mut out);
    // DIR's own times change as it is written; its inside is the extraction's.
    out.remove(skip);
    out
}

/// A temporary directory with a sentinel file, a victim directory and an output directory two
/// levels down (t/box/out), so an escape of one or two levels lands where it is seen.
struct Sandbox {
    t: tempfile::TempDir,
    out: PathBuf,
    before: Snapshot,
}

impl Sandbox {
    fn new() -> Sandbox {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("sentinel"), b"sentinel\n").unwrap();
        std::fs::create_dir_all(t.path().join("victim")).unwrap();
        std::fs::write(t.path().join("victim/file"), b"victim\n").unwrap();
        std::fs::create_dir_all(t.path().join("box/out")).unwrap();
        // An existing file where the `a/up/esc/X` chain would write.
        std::fs::write(t.path().join("box/X"), b"original\n").unwrap();
        std::fs::create_dir_all(t.path().join("in")).unwrap();
        let out = t.path().join("box/out");
        Sandbox {
            t,
            out,
            before: Snapshot::new(),
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.t.path().join(p)
    }

    /// Takes the "before" picture: call once the archives and planted links are in place.
    fn freeze(&mut self) {
        self.before = snapshot(self.t.path(), &self.out);
    }

    fn extract(&self, archive: &Path, extra: &[&str]) -> Out {
        let mut args = vec!["extract", s(archive), "-o", s(&self.out)];
        args.extend_from_slice(extra);
        let o = run(&args);
        eprintln!(
            "extract {}: exit {}, peak RSS {} MB",
            archive.display(),
            o.code,
            o.rss_kb >> 10
        );
        assert!(o.rss_kb <= MAX_RSS_KB, "peak RSS {} MB", o.rss_kb >> 10);
        o
    }

    /// Nothing outside DIR was created, removed or changed.
    fn assert_outside_unchanged(&self) {
        let after = snapshot(self.t.path(), &self.out);
        for (p, v) in &after {
            assert_eq!(self.before.get(p), Some(v), "{} created or changed", p.display());
        }
        for p in self.before.keys() {
            assert!(after.contains_key(p), "{} removed", p.display());
        }
    }

    /// Empties DIR (removing it would change its parent).
    fn clear(&self) {
        for e in std::fs::read_dir(&self.out).unwrap() {
            let p = e.unwrap().path();
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn link(&self, rel: &str) -> PathBuf {
        std::fs::read_link(self.out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

fn assert_listed(o: &Out, needles: &[&str]) {
    for n in needles {
        assert!(o.stderr.contains(n), "{n:?} not in:\n{}", o.stderr);
    }
}

/// The attacker's chain: `a/up -> ..`, `a/up/esc -> ..`, then `a/up/esc/X`.
fn chain_entries() -> Vec<serde_json::Value> {
    vec![
        e("ok.txt", "file", "fine\n"),
        e("a", "dir", ""),
        e("a/up", "sym", ".."),
        e("a/up/esc", "sym", ".."),
        e("a/up/esc/X", "file", "pwned\n"),
    ]
}

/// The same chain as GNU cpio stores it: from a staging tree where the links resolve.
fn chain_cpio(sb: &Sandbox) -> Vec<u8> {
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(stage.join("a")).unwrap();
    std::fs::write(stage.join("ok.txt"), b"fine\n").unwrap();
    symlink("..", stage.join("a/up"));
    symlink("..", stage.join("esc"));
    std::fs::write(sb.path("src/X"), b"pwned\n").unwrap();
    gnu_cpio(&stage, &["ok.txt", "a", "a/up", "a/up/esc", "a/up/esc/X"])
}

fn check_chain(sb: &Sandbox, o: &Out, prefix: &str) {
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    assert_eq!(std::fs::read(sb.path("box/X")).unwrap(), b"original\n");
    assert_listed(
        o,
        &[
            "skipped: ",
            &format!("a/up/esc: its parent {prefix}a/up is a symlink; not followed"),
            &format!("a/up/esc/X: its parent {prefix}a/up is a symlink; not followed"),
            "2 entries skipped",
        ],
    );
    assert_eq!(sb.read(&format!("{prefix}ok.txt")), "fine\n");
    // The link itself is kept verbatim; only following it is refused.
    assert_eq!(sb.link(&format!("{prefix}a/up")), Path::new(".."));
}

#[test]
fn symlink_chain_tar() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let a = sb.path("in/chain.tar");
    python_archive("tar", &a, &chain_entries());
    sb.freeze();
    check_chain(&sb, &sb.extract(&a, &[]), "");
}

#[test]
fn symlink_chain_zip() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let a = sb.path("in/chain.zip");
    python_archive("zip", &a, &chain_entries());
    sb.freeze();
    check_chain(&sb, &sb.extract(&a, &[]), "");
}

#[test]
fn symlink_chain_cpio() {
    need(&["cpio"]);
    let mut sb = Sandbox::new();
    let a = sb.path("in/chain.cpio");
    std::fs::write(&a, chain_cpio(&sb)).unwrap();
    sb.freeze();
    check_chain(&sb, &sb.extract(&a, &[]), "");
}

/// The chain inside an EIF: ramdisk1 is an uncompressed early cpio (the repository's writer)
/// followed by a GNU cpio archive compressed by GNU gzip.
#[test]
fn symlink_chain_in_an_eif_ramdisk() {
    use reproscope_formats::cpio::{write_newc, WriteEntry};
    need(&["cpio", "gzip"]);
    let mut sb = Sandbox::new();
    let cpio = chain_cpio(&sb);
    let gz = sb.path("in/part2.cpio");
    std::fs::write(&gz, &cpio).unwrap();
    let st = Command::new("gzip").args(["-n", "-9", s(&gz)]).status().expect("gzip");
    assert!(st.success());
    let part2 = std::fs::read(sb.path("in/part2.cpio.gz")).unwrap();
    let mut ramdisk = write_newc(&[WriteEntry {
        name: "early.txt".into(),
        mode: 0o100644,
        data: b"early\n".to_vec(),
        ..Default::default()
    }]);
    ramdisk.extend(&part2);
    let r0 = write_newc(&[WriteEntry {
        name: "init".into(),
        mode: 0o100755,
        data: b"#!/bin/sh\n".to_vec(),
        ..Default::default()
    }]);
    let eif = reproscope_formats::eif::write(&reproscope_formats::eif::EifSpec {
        kernel: &[0u8; 4096],
        cmdline: "console=ttyS0",
        ramdisks: vec![&r0, &ramdisk],
        metadata: None,
        arch_arm64: false,
    });
    let a = sb.path("in/hostile.eif");
    std::fs::write(&a, eif).unwrap();
    sb.freeze();
    let o = sb.extract(&a, &["--recursive"]);
    check_chain(&sb, &o, "ramdisk1.d/part2.d/");
    assert_listed(&o, &["ramdisk1 → part2 → a/up/esc/X"]);
    assert_eq!(sb.read("ramdisk1.d/early.txt"), "early\n");
    assert_eq!(sb.read("ramdisk0.d/init"), "#!/bin/sh\n");
}

/// A leading '/' is removed with a warning: the member lands inside DIR, and the run succeeds.
#[test]
fn absolute_members_land_inside() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let victim = sb.path("victim/file");
    let abs = s(&victim).to_string();
    let tar = sb.path("in/abs.tar");
    let zip = sb.path("in/abs.zip");
    python_archive("tar", &tar, &[e(&abs, "file", "replaced\n")]);
    python_archive("zip", &zip, &[e(&abs, "file", "replaced\n")]);
    // GNU cpio stores the name as given, leading '/' and all.
    let cpio = sb.path("in/abs.cpio");
    std::fs::write(&cpio, gnu_cpio(Path::new("/"), &[&abs])).unwrap();
    sb.freeze();
    let rel = abs.trim_start_matches('/');
    for a in [&tar, &zip, &cpio] {
        sb.clear();
        let o = sb.extract(a, &[]);
        assert_eq!(o.code, 0, "{}: {}{}", a.display(), o.stdout, o.stderr);
        sb.assert_outside_unchanged();
        let want = if a == &cpio { "victim\n" } else { "replaced\n" };
        assert_eq!(sb.read(rel), want);
        // The reader removed the '/', and extract says so, naming the stored name.
        assert!(
            o.stderr.contains(&format!("leading '/' removed (stored as {abs})")),
            "{}: {}",
            a.display(),
            o.stderr
        );
    }
}

#[test]
fn dotdot_members_are_skipped() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let entries = [
        e("ok.txt", "file", "fine\n"),
        e("../X", "file", "pwned\n"),
        e("sub/../../X", "file", "pwned\n"),
    ];
    let tar = sb.path("in/dotdot.tar");
    let zip = sb.path("in/dotdot.zip");
    python_archive("tar", &tar, &entries);
    python_archive("zip", &zip, &entries);
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(stage.join("sub")).unwrap();
    std::fs::write(stage.join("ok.txt"), b"fine\n").unwrap();
    std::fs::write(sb.path("src/X"), b"pwned\n").unwrap();
    let cpio = sb.path("in/dotdot.cpio");
    std::fs::write(&cpio, gnu_cpio(&stage, &["ok.txt", "../X", "sub/../../X"])).unwrap();
    sb.freeze();
    for a in [&tar, &zip, &cpio] {
        let o = sb.extract(a, &[]);
        assert_eq!(o.code, 1, "{}: {}{}", a.display(), o.stdout, o.stderr);
        sb.assert_outside_unchanged();
        assert_listed(
            &o,
            &[
                "→ ../X: the name has a '..' component",
                "→ sub/../../X: the name has a '..' component",
                "2 entries skipped",
            ],
        );
        assert_eq!(sb.read("ok.txt"), "fine\n");
    }
}

/// `root -> /`, then a file through it naming the victim's absolute path.
#[test]
fn symlink_to_root_is_not_followed() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let victim = s(&sb.path("victim/file")).to_string();
    let through = format!("root{victim}");
    let entries = [e("root", "sym", "/"), e(&through, "file", "pwned\n")];
    let tar = sb.path("in/root.tar");
    let zip = sb.path("in/root.zip");
    python_archive("tar", &tar, &entries);
    python_archive("zip", &zip, &entries);
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(&stage).unwrap();
    symlink("/", stage.join("root"));
    let cpio = sb.path("in/root.cpio");
    std::fs::write(&cpio, gnu_cpio(&stage, &["root", &through])).unwrap();
    sb.freeze();
    for a in [&tar, &zip, &cpio] {
        let o = sb.extract(a, &[]);
        assert_eq!(o.code, 1, "{}: {}{}", a.display(), o.stdout, o.stderr);
        sb.assert_outside_unchanged();
        assert_listed(&o, &[&format!("{through}: its parent root is a symlink; not followed")]);
        assert_eq!(sb.link("root"), Path::new("/"));
    }
}

/// Hard links may only join files this run wrote inside DIR. (zip has no hard links.)
#[test]
fn hard_links_outside_are_skipped() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let passwd_links = std::fs::symlink_metadata("/etc/passwd").map(|m| m.nlink()).ok();
    let tar = sb.path("in/hard.tar");
    python_archive(
        "tar",
        &tar,
        &[
            e("ok.txt", "file", "fine\n"),
            e("h-passwd", "hard", "/etc/passwd"),
            e("h-out", "hard", "../../victim/file"),
            e("h-ok", "hard", "ok.txt"),
        ],
    );
    // GNU cpio: one inode under two names, one of them outside ("../victim2").
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(sb.path("src/victim2"), b"two names\n").unwrap();
    std::fs::hard_link(sb.path("src/victim2"), stage.join("h")).unwrap();
    let cpio = sb.path("in/hard.cpio");
    std::fs::write(&cpio, gnu_cpio(&stage, &["../victim2", "h"])).unwrap();
    sb.freeze();

    let o = sb.extract(&tar, &[]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    assert_listed(
        &o,
        &[
            "h-passwd: hard link to etc/passwd: not a regular file extracted earlier",
            "h-out: hard link to ../../victim/file: not a regular file extracted earlier",
            "2 entries skipped",
        ],
    );
    assert!(!sb.out.join("h-passwd").exists() && !sb.out.join("h-out").exists());
    let ok = std::fs::metadata(sb.out.join("h-ok")).unwrap();
    assert_eq!(ok.ino(), std::fs::metadata(sb.out.join("ok.txt")).unwrap().ino());
    assert_eq!(
        std::fs::symlink_metadata("/etc/passwd").map(|m| m.nlink()).ok(),
        passwd_links
    );

    sb.clear();
    let o = sb.extract(&cpio, &[]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    assert_listed(&o, &["../victim2: the name has a '..' component"]);
    assert_eq!(sb.read("h"), "two names\n");
}

/// Links already in DIR are not followed: a parent that is one skips the entry; a link at the
/// entry's own name is replaced.
#[test]
fn links_already_in_dir_are_not_followed() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let entries = [e("pre/x", "file", "pwned\n"), e("file", "file", "mine\n")];
    let tar = sb.path("in/pre.tar");
    let zip = sb.path("in/pre.zip");
    python_archive("tar", &tar, &entries);
    python_archive("zip", &zip, &entries);
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(stage.join("pre")).unwrap();
    std::fs::write(stage.join("pre/x"), b"pwned\n").unwrap();
    std::fs::write(stage.join("file"), b"mine\n").unwrap();
    let cpio = sb.path("in/pre.cpio");
    std::fs::write(&cpio, gnu_cpio(&stage, &["pre/x", "file"])).unwrap();
    for a in [&tar, &zip, &cpio] {
        sb.clear();
        symlink(sb.path("victim"), sb.out.join("pre"));
        symlink(sb.path("sentinel"), sb.out.join("file"));
        sb.freeze();
        let o = sb.extract(a, &[]);
        assert_eq!(o.code, 1, "{}: {}{}", a.display(), o.stdout, o.stderr);
        sb.assert_outside_unchanged();
        assert_listed(&o, &["pre/x: its parent pre is a symlink; not followed"]);
        assert!(!sb.path("victim/x").exists());
        assert!(std::fs::symlink_metadata(sb.out.join("file")).unwrap().is_file());
        assert_eq!(sb.read("file"), "mine\n");
        assert_eq!(std::fs::read(sb.path("sentinel")).unwrap(), b"sentinel\n");
    }
}

#[test]
fn devices_and_fifos_are_skipped() {
    need(&["python3", "cpio"]);
    let mut sb = Sandbox::new();
    let tar = sb.path("in/dev.tar");
    python_archive(
        "tar",
        &tar,
        &[
            e("null", "chr", ""),
            e("pipe", "fifo", ""),
            e("ok.txt", "file", "fine\n"),
        ],
    );
    let stage = sb.path("src/stage");
    std::fs::create_dir_all(&stage).unwrap();
    let st = Command::new("mkfifo").arg(stage.join("pipe")).status().expect("mkfifo");
    assert!(st.success());
    std::fs::write(stage.join("ok.txt"), b"fine\n").unwrap();
    let cpio = sb.path("in/dev.cpio");
    std::fs::write(&cpio, gnu_cpio(&stage, &["pipe", "ok.txt"])).unwrap();
    sb.freeze();
    let o = sb.extract(&tar, &[]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert_listed(
        &o,
        &[
            "null: character device 1:3 not extracted",
            "pipe: fifo not extracted",
            "2 entries skipped",
        ],
    );
    assert!(std::fs::symlink_metadata(sb.out.join("null")).is_err());
    assert!(std::fs::symlink_metadata(sb.out.join("pipe")).is_err());
    assert_eq!(sb.read("ok.txt"), "fine\n");
    sb.clear();
    let o = sb.extract(&cpio, &[]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert_listed(&o, &["pipe: fifo not extracted", "1 entries skipped"]);
    assert_eq!(sb.read("ok.txt"), "fine\n");
    sb.assert_outside_unchanged();
}

/// A link named like a nested archive's directory (`inner.tar.d -> elsewhere`) is never
/// followed: the nested archive is reported and left packed.
#[test]
fn planted_nested_directory_link() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let inner = sb.path("in/inner.tar");
    python_archive("tar", &inner, &[e("payload", "file", "pwned\n")]);
    let inner_hex: String = std::fs::read(&inner)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let elsewhere = s(&sb.path("victim")).to_string();
    let a = sb.path("in/outer.tar");
    python_archive(
        "tar",
        &a,
        &[e("inner.tar.d", "sym", &elsewhere), e("inner.tar", "bin", &inner_hex)],
    );
    sb.freeze();
    let o = sb.extract(&a, &["--recursive"]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    assert_listed(
        &o,
        &["inner.tar: nested archive not unpacked: inner.tar.d is a symlink; not followed"],
    );
    assert!(!sb.path("victim/payload").exists());
    assert_eq!(sb.link("inner.tar.d"), Path::new(&elsewhere));
    assert_eq!(
        std::fs::read(sb.out.join("inner.tar")).unwrap(),
        std::fs::read(&inner).unwrap()
    );
}

/// Archives nested deeper than --max-depth stay plain files, with a note.
#[test]
fn nesting_stops_at_max_depth() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let mut prev = sb.path("in/l4.tar");
    python_archive("tar", &prev, &[e("deepest.txt", "file", "bottom\n")]);
    for level in (1..=3).rev() {
        let hex: String = std::fs::read(&prev)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("l{}.tar", level + 1);
        let next = sb.path(&format!("in/l{level}.tar"));
        python_archive("tar", &next, &[e(&name, "bin", &hex)]);
        prev = next;
    }
    sb.freeze();
    let o = sb.extract(&prev, &["--recursive", "--max-depth", "2"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    assert_listed(
        &o,
        &["l2.tar → l3.tar → l4.tar: nested archive not unpacked: deeper than --max-depth 2"],
    );
    assert!(sb.out.join("l2.tar.d/l3.tar.d/l4.tar").is_file());
    assert!(!sb.out.join("l2.tar.d/l3.tar.d/l4.tar.d").exists());
    // The default (8) unpacks all of it.
    sb.clear();
    let o = sb.extract(&prev, &["--recursive"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(sb.read("l2.tar.d/l3.tar.d/l4.tar.d/deepest.txt"), "bottom\n");
}

/// --strict checks everything first, nested archives included, and writes nothing.
#[test]
fn strict_writes_nothing() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let chain = sb.path("in/chain.tar");
    python_archive("tar", &chain, &chain_entries());
    let hex: String = std::fs::read(&chain)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let outer = sb.path("in/outer.tar");
    python_archive(
        "tar",
        &outer,
        &[e("first.txt", "file", "x\n"), e("chain.tar", "bin", &hex)],
    );
    std::fs::remove_dir(&sb.out).unwrap();
    sb.freeze();
    let o = sb.extract(&chain, &["--strict"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert_listed(
        &o,
        &[
            "refused (--strict): ",
            "a/up/esc/X: its parent a/up is a symlink",
            "2 entries would be skipped; nothing written (--strict)",
        ],
    );
    assert!(!sb.out.exists(), "--strict created the output directory");
    // The hostile archive is nested: without --recursive the outer one is fine.
    let o = sb.extract(&outer, &["--strict", "--recursive"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert_listed(&o, &["outer.tar → chain.tar → a/up/esc/X"]);
    assert!(!sb.out.exists());
    sb.assert_outside_unchanged();
    let o = sb.extract(&outer, &["--strict"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(sb.read("first.txt"), "x\n");
}

/// Modes (without setuid/setgid/sticky) and mtimes, directories' after their contents;
/// --no-times leaves times alone.
#[test]
fn modes_and_times_are_restored() {
    need(&["python3"]);
    let mut sb = Sandbox::new();
    let a = sb.path("in/meta.tar");
    let mut ro = e("ro", "dir", "");
    ro["mode"] = 0o555.into();
    ro["mtime"] = 1_500_000_000.into();
    let mut suid = e("ro/tool", "file", "#!/bin/sh\n");
    suid["mode"] = 0o4755.into();
    suid["mtime"] = 1_400_000_000.into();
    let mut sticky = e("tmp", "dir", "");
    sticky["mode"] = 0o1777.into();
    let mut l = e("ro/link", "sym", "/etc/ssl/certs");
    l["mtime"] = 1_300_000_000.into();
    python_archive("tar", &a, &[ro, suid, l, sticky]);
    sb.freeze();
    let o = sb.extract(&a, &[]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    sb.assert_outside_unchanged();
    let md = |p: &str| std::fs::symlink_metadata(sb.out.join(p)).unwrap();
    assert_eq!((md("ro").mode() & 0o7777, md("ro").mtime()), (0o555, 1_500_000_000));
    assert_eq!(
        (md("ro/tool").mode() & 0o7777, md("ro/tool").mtime()),
        (0o755, 1_400_000_000)
    );
    assert_eq!(md("ro/link").mtime(), 1_300_000_000);
    assert_eq!(sb.link("ro/link"), Path::new("/etc/ssl/certs"));
    assert_eq!(md("tmp").mode() & 0o7777, 0o777);

    let fresh = sb.path("box/fresh");
    let o = run(&["extract", s(&a), "-o", s(&fresh), "--no-times"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    for p in ["ro", "ro/tool", "ro/link"] {
        let t = std::fs::symlink_metadata(fresh.join(p)).unwrap().mtime();
        assert!((now - t).abs() < 600, "{p}: mtime {t} restored despite --no-times");
    }
    assert_eq!(std::fs::metadata(fresh.join("ro/tool")).unwrap().mode() & 0o7777, 0o755);
    // Let the temporary directory be removed.
    use std::os::unix::fs::PermissionsExt;
    for d in [sb.out.join("ro"), fresh.join("ro")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Every entry of a data.tar inside a .deb, read by Python from the .deb itself: (name, kind,
/// link target, mode, mtime, sha256 of content).
const DEB_LISTING: &str = r#"
import hashlib, io, json, sys, tarfile
raw = open(sys.argv[1], "rb").read()
assert raw[:8] == b"!<arch>\n"
pos, data = 8, None
while pos < len(raw):
    h = raw[pos:pos + 60]
    name, size = h[:16].decode().strip().rstrip("/"), int(h[48:58])
    if name.startswith("data.tar"):
        data = raw[pos + 60:pos + 60 + size]
    pos += 60 + size + (size & 1)
out = []
with tarfile.open(fileobj=io.BytesIO(data)) as t:
    for m in t.getmembers():
        kind = "dir" if m.isdir() else "sym" if m.issym() else "hard" if m.islnk() else "file" if m.isfile() else "other"
        sha = hashlib.sha256(t.extractfile(m).read()).hexdigest() if m.isfile() else ""
        out.append([m.name, kind, m.linkname, m.mode, m.mtime, sha])
print(json.dumps(out))
"#;

#[test]
fn debian_package_with_absolute_symlinks() {
    need(&["python3"]);
    let deb = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/deb/libbz2-dev_1.0.8-5+b1_amd64.deb");
    let o = Command::new("python3")
        .args(["-c", DEB_LISTING, s(&deb)])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let entries: Vec<(String, String, String, u32, i64, String)> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        entries.iter().any(|e| e.1 == "sym" && e.2.starts_with('/')),
        "the package has an absolute symlink"
    );

    let mut sb = Sandbox::new();
    sb.freeze();
    let o = sb.extract(&deb, &["--recursive"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(!o.stderr.contains("skipped"), "{}", o.stderr);
    sb.assert_outside_unchanged();
    let base = sb.out.join("data.tar.xz.d");
    let mut checked = 0;
    for (name, kind, link, mode, mtime, sha) in &entries {
        let rel = name.trim_start_matches("./");
        if rel.is_empty() || rel == "." {
            continue;
        }
        let p = base.join(rel);
        let md = std::fs::symlink_metadata(&p).unwrap_or_else(|e| panic!("{rel} not written: {e}"));
        assert_eq!(md.mtime(), *mtime, "{rel} mtime");
        match kind.as_str() {
            "dir" => assert!(md.is_dir() && md.mode() & 0o777 == mode & 0o777, "{rel}"),
            "sym" => assert_eq!(std::fs::read_link(&p).unwrap(), Path::new(link), "{rel}"),
            "file" => {
                use sha2::Digest;
                let got = sha2::Sha256::digest(std::fs::read(&p).unwrap());
                let got: String = got.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(&got, sha, "{rel} content");
                assert_eq!(md.mode() & 0o777, mode & 0o777, "{rel} mode");
            }
            other => panic!("{rel}: unexpected {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, entries.iter().filter(|e| e.0 != "." && e.0 != "./").count());
    assert_eq!(
        std::fs::read_link(base.join("usr/lib/x86_64-linux-gnu/libbz2.so")).unwrap(),
        Path::new("/lib/x86_64-linux-gnu/libbz2.so.1.0")
    );
    // The static library inside was unpacked too (an ar archive of objects).
    assert!(base.join("usr/lib/x86_64-linux-gnu/libbz2.a.d/blocksort.o").is_file());
}
