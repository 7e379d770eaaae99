//! ar against real producers and oracles: GNU ar, as and nm (Debian package `binutils`),
//! bsdtar's ar writers (package `libarchive-tools`) and dpkg-deb (package `dpkg`). `ar t` gives
//! the member list, `ar tv` the fields, `nm -s` the symbol index, `dpkg-deb -c` the data.tar
//! listing of a Debian package.

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};

use reproscope_formats::ar::Ar;
use reproscope_formats::gzip::Gzip;
use reproscope_formats::tar::Tar;
use reproscope_formats::{format_time, Blob, Data, EntryKind, Format, Limits, Member, Opened, Value};

const PACKAGES: &str = "binutils, libarchive-tools, dpkg";

fn sh(cmd: &str, dir: &Path, stdin: &[u8], env: &[(&str, &str)]) -> Vec<u8> {
    let mut c = Command::new("sh");
    c.args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages {PACKAGES} installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn run(cmd: &str, dir: &Path) -> String {
    String::from_utf8(sh(cmd, dir, b"", &[])).unwrap()
}

fn open(bytes: &[u8]) -> Opened {
    Ar.open(&Blob::from_vec(bytes.to_vec()), "x.a", &Limits::default())
        .unwrap_or_else(|e| panic!("open failed: {e}"))
}

fn content(m: &Member) -> Vec<u8> {
    match &m.data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("{}: no blob data: {other:?}", m.name),
    }
}

fn field<'a>(o: &'a Opened, name: &str) -> Option<&'a Value> {
    o.fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

fn names(o: &Opened) -> Vec<String> {
    o.members.iter().map(|m| m.name.clone()).collect()
}

/// Two tiny assembled objects (`ret` assembles on x86-64 and arm64 alike), one with a name
/// longer than 15 bytes, and a text file of odd size (so padding follows it).
fn make_inputs(dir: &Path) {
    std::fs::write(dir.join("f.s"), ".globl f\nf: ret\n").unwrap();
    std::fs::write(
        dir.join("g.s"),
        ".globl a_function_with_a_long_name\na_function_with_a_long_name: ret\n",
    )
    .unwrap();
    run("as -o f.o f.s && as -o a_very_long_object_name.o g.s", dir);
    std::fs::write(dir.join("odd.txt"), "odd").unwrap();
    run("chmod 0640 odd.txt", dir);
    run(
        "touch -d '2024-01-01 12:34:56' f.o odd.txt && touch -d '2023-06-01 00:00:00' a_very_long_object_name.o",
        dir,
    );
}

const INPUTS: [&str; 3] = ["f.o", "odd.txt", "a_very_long_object_name.o"];

/// `ar tv`'s date ("Jan  1 12:34 2024") with single spaces.
fn ar_date(t: i64) -> String {
    let full = format_time(t); // "2024-01-01 12:34:56"
    let month: usize = full[5..7].parse().unwrap();
    let day: u32 = full[8..10].parse().unwrap();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {day} {} {}", MONTHS[month - 1], &full[11..16], &full[..4])
}

/// Checks `ar t` and every line of `ar tv` against the members.
fn check_against_ar(o: &Opened, path: &Path, label: &str) {
    let dir = path.parent().unwrap();
    let file = path.file_name().unwrap().to_str().unwrap();
    let listed: Vec<String> = run(&format!("ar t {file}"), dir).lines().map(String::from).collect();
    assert_eq!(names(o), listed, "{label}: member list differs from ar t");
    let verbose = run(&format!("ar tv {file}"), dir);
    for (line, m) in verbose.lines().zip(&o.members) {
        // "rw-r--r-- 0/0    616 Jan  1 12:34 2024 f.o"
        let cols: Vec<&str> = line.split_whitespace().collect();
        let ctx = format!("{label}: {line}");
        let Some(Value::Mode(mode)) = m.field("mode") else {
            panic!("{ctx}: no mode")
        };
        assert_eq!(&reproscope_formats::format_mode(*mode)[1..10], cols[0], "{ctx}");
        let (uid, gid) = cols[1].split_once('/').unwrap();
        assert_eq!(m.field("uid"), Some(&Value::Id(uid.parse().unwrap())), "{ctx}");
        assert_eq!(m.field("gid"), Some(&Value::Id(gid.parse().unwrap())), "{ctx}");
        assert_eq!(m.size.to_string(), cols[2], "{ctx}: size");
        let Some(Value::Time(t)) = m.field("mtime") else {
            panic!("{ctx}: no mtime")
        };
        assert_eq!(ar_date(*t), cols[3..7].join(" "), "{ctx}: mtime");
        assert_eq!(&m.name, cols[7], "{ctx}");
        assert_eq!(m.kind, EntryKind::File);
    }
}

/// `nm -s`'s "Archive index:" lines ("symbol in member") against the node's symbol listing.
fn check_symbols(o: &Opened, path: &Path) {
    let dir = path.parent().unwrap();
    let file = path.file_name().unwrap().to_str().unwrap();
    // nm complains about the text member but still prints the index.
    let out = Command::new("nm")
        .args(["-s", file])
        .current_dir(dir)
        .output()
        .expect("nm runs (Debian package binutils)");
    let out = String::from_utf8(out.stdout).unwrap();
    let index: Vec<String> = out
        .lines()
        .skip_while(|l| *l != "Archive index:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.replacen(" in ", "  ", 1))
        .collect();
    let text = o.text.as_deref().expect("symbol listing");
    let ours: Vec<String> = text.lines().skip(1).map(String::from).collect();
    assert_eq!(ours, index);
    assert_eq!(field(o, "symbol-table.symbols"), Some(&Value::Int(index.len() as i64)));
}

#[test]
fn gnu_ar_deterministic_and_not() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_inputs(d);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    run(&format!("ar rcsU real.a {0} && ar rcsD det.a {0}", INPUTS.join(" ")), d);
    let after = before + 3600;

    let real = std::fs::read(d.join("real.a")).unwrap();
    assert!(Ar.identify(&real, "x"));
    // The 25-byte name goes through the GNU long-name table.
    assert!(real.windows(3).any(|w| w == b"//\x20"), "a // table");
    let o = open(&real);
    check_against_ar(&o, &d.join("real.a"), "U");
    check_symbols(&o, &d.join("real.a"));
    assert_eq!(field(&o, "format"), Some(&Value::Text("gnu".into())));
    for (m, file) in o.members.iter().zip(INPUTS) {
        let md = std::fs::metadata(d.join(file)).unwrap();
        assert_eq!(m.field("mtime"), Some(&Value::Time(md.mtime())), "{file}");
        assert_eq!(m.field("mode"), Some(&Value::Mode(md.mode())), "{file}");
        assert_eq!(m.field("uid"), Some(&Value::Id(md.uid().into())), "{file}");
        assert_eq!(content(m), std::fs::read(d.join(file)).unwrap(), "{file}");
    }
    // Without deterministic mode the symbol table carries the time ar ran.
    let Some(Value::Time(st)) = field(&o, "symbol-table.mtime") else {
        panic!("no symbol-table.mtime: {:?}", o.fields)
    };
    assert!((before..after).contains(st), "{st}");

    let det = std::fs::read(d.join("det.a")).unwrap();
    let o = open(&det);
    check_against_ar(&o, &d.join("det.a"), "D");
    check_symbols(&o, &d.join("det.a"));
    for m in &o.members {
        assert_eq!(m.field("mtime"), Some(&Value::Time(0)), "{}", m.name);
        assert_eq!(m.field("uid"), Some(&Value::Id(0)));
        assert_eq!(m.field("gid"), Some(&Value::Id(0)));
        // Deterministic mode writes "644": no file type bits, unlike a real st_mode.
        assert_eq!(m.field("mode"), Some(&Value::Mode(0o644)));
    }
    assert_eq!(field(&o, "symbol-table.mtime"), Some(&Value::Time(0)));
    assert_eq!(content(&o.members[1]), b"odd");
}

#[test]
fn repeated_names_stay_repeated() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_inputs(d);
    // `ar q` appends without replacing.
    run(
        "ar qD dup.a f.o odd.txt && cp odd.txt keep && echo changed > odd.txt && ar qD dup.a odd.txt",
        d,
    );
    let o = open(&std::fs::read(d.join("dup.a")).unwrap());
    check_against_ar(&o, &d.join("dup.a"), "dup");
    assert_eq!(names(&o), ["f.o", "odd.txt", "odd.txt"]);
    assert_eq!(content(&o.members[1]), b"odd");
    assert_eq!(content(&o.members[2]), b"changed\n");
}

#[test]
fn bsd_long_names_from_bsdtar() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_inputs(d);
    run(&format!("bsdtar --format=arbsd -cf bsd.a {}", INPUTS.join(" ")), d);
    let bytes = std::fs::read(d.join("bsd.a")).unwrap();
    assert!(bytes.windows(3).any(|w| w == b"#1/"), "BSD long names");
    let o = open(&bytes);
    assert_eq!(field(&o, "format"), Some(&Value::Text("bsd".into())));
    check_against_ar(&o, &d.join("bsd.a"), "bsd");
    for (m, input) in o.members.iter().zip(INPUTS) {
        assert_eq!(content(m), std::fs::read(d.join(input)).unwrap(), "{input}");
    }
}

#[test]
fn thin_archive_lists_members_without_data() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    make_inputs(d);
    run(&format!("ar rcsT thin.a {}", INPUTS.join(" ")), d);
    let bytes = std::fs::read(d.join("thin.a")).unwrap();
    assert!(bytes.starts_with(b"!<thin>\n"));
    assert!(Ar.identify(&bytes, ""));
    let o = open(&bytes);
    assert_eq!(names(&o), run("ar t thin.a", d).lines().collect::<Vec<_>>());
    assert_eq!(field(&o, "format"), Some(&Value::Text("gnu thin".into())));
    for (m, input) in o.members.iter().zip(INPUTS) {
        assert!(m.data.is_none());
        assert_eq!(m.size, std::fs::metadata(d.join(input)).unwrap().len());
    }
    assert!(o.notes.iter().any(|n| n.contains("thin archive")), "{:?}", o.notes);
    check_symbols(&o, &d.join("thin.a"));
}

#[test]
fn debian_package() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let pkg = d.join("pkg");
    std::fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(pkg.join("usr/share/doc/hello")).unwrap();
    std::fs::create_dir_all(pkg.join("usr/bin")).unwrap();
    std::fs::write(
        pkg.join("DEBIAN/control"),
        "Package: hello\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: test\n",
    )
    .unwrap();
    std::fs::write(pkg.join("usr/share/doc/hello/README"), "hello\n").unwrap();
    std::fs::write(pkg.join("usr/bin/hello"), "#!/bin/sh\necho hello\n").unwrap();
    run("chmod 0755 usr/bin/hello", &pkg);
    sh(
        "dpkg-deb --root-owner-group --build -Zgzip pkg hello.deb",
        d,
        b"",
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    );
    let deb = std::fs::read(d.join("hello.deb")).unwrap();
    let o = open(&deb);
    assert_eq!(names(&o), ["debian-binary", "control.tar.gz", "data.tar.gz"]);
    check_against_ar(&o, &d.join("hello.deb"), "deb");
    assert_eq!(content(&o.members[0]), b"2.0\n");
    for m in &o.members {
        assert_eq!(m.field("mtime"), Some(&Value::Time(1_700_000_000)), "{}", m.name);
    }

    // data.tar.gz → gzip → tar, against `dpkg-deb -c` (a `tar -tv` listing).
    let data = content(&o.members[2]);
    let g = Gzip
        .open(&Blob::from_vec(data), "data.tar.gz", &Limits::default())
        .unwrap();
    assert_eq!(g.members[0].name, "data.tar");
    let inner = content(&g.members[0]);
    assert!(Tar.identify(&inner, "data.tar"));
    let tar = Tar
        .open(&Blob::from_vec(inner), "data.tar", &Limits::default())
        .unwrap();
    let listing = run("dpkg-deb -c hello.deb", d);
    let mut rows = 0;
    for line in listing.lines() {
        // "-rwxr-xr-x root/root        22 2023-11-14 22:13 ./usr/bin/hello"
        let cols: Vec<&str> = line.split_whitespace().collect();
        let name = cols[5].trim_start_matches("./").trim_end_matches('/');
        if name.is_empty() {
            continue;
        }
        rows += 1;
        let m = tar
            .members
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no {name}"));
        let Some(Value::Mode(mode)) = m.field("mode") else {
            panic!("no mode")
        };
        assert_eq!(&reproscope_formats::format_mode(*mode)[..10], cols[0], "{line}");
        assert_eq!(m.field("uname"), Some(&Value::Name("root".into())), "{line}");
        assert_eq!(m.size.to_string(), cols[2], "{line}");
        let Some(Value::Time(t)) = m.field("mtime") else {
            panic!("no mtime")
        };
        assert_eq!(&format_time(*t)[..16], format!("{} {}", cols[3], cols[4]), "{line}");
    }
    assert_eq!(rows, tar.members.len());
    let readme = tar
        .members
        .iter()
        .find(|m| m.name == "usr/share/doc/hello/README")
        .unwrap();
    assert_eq!(content(readme), b"hello\n");
}
