//! zip against Info-ZIP `zip` as producer and `unzip -Z1` / `zipinfo -v` as oracles (Debian
//! packages `zip` and `unzip`), and Python's `zipfile` (python3) as a second producer for
//! bzip2/LZMA entries, data descriptors, zip64 and UTF-8 names.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

mod common;

use common::{field, sample};
use reproscope_formats::zip::Zip;
use reproscope_formats::{EntryKind, Format, Member, Opened, Value};

fn run_env(cmd: &str, dir: &Path, stdin: &[u8], tz: &str) -> Vec<u8> {
    let env = [("LC_ALL", "C.UTF-8"), ("TZ", tz)];
    common::run_sh_env(cmd, dir, stdin, "zip, unzip and python3", &env)
}

fn run(cmd: &str, dir: &Path) -> Vec<u8> {
    run_env(cmd, dir, b"", "UTC")
}

fn open(bytes: &[u8]) -> Opened {
    common::open_ok(&Zip, bytes, "a.zip")
}

fn member<'a>(o: &'a Opened, name: &str) -> &'a Member {
    o.members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"))
}

fn bytes(m: &Member) -> Vec<u8> {
    match &m.data {
        Some(d) => d.load().unwrap_or_else(|e| panic!("{}: {e}", m.name)).to_vec(),
        None => panic!("{}: no data", m.name),
    }
}

fn text(m: &Member, name: &str) -> String {
    match m.field(name) {
        Some(Value::Text(s)) => s.clone(),
        other => panic!("{}.{name}: {other:?}", m.name),
    }
}

/// A jar-like tree: the manifest first, text, a compressible file, a directory, a symlink.
fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("META-INF")).unwrap();
    std::fs::create_dir_all(root.join("d")).unwrap();
    std::fs::write(root.join("META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\n").unwrap();
    std::fs::write(root.join("hi.txt"), "hi\n").unwrap();
    std::fs::write(root.join("d/data.bin"), sample(100_000)).unwrap();
    std::os::unix::fs::symlink("hi.txt", root.join("link")).unwrap();
    run(
        "chmod 0640 hi.txt && chmod 0755 d/data.bin && \
         touch -h -d @1700000000 META-INF/MANIFEST.MF hi.txt d/data.bin link META-INF d",
        root,
    );
}

/// `zipinfo -v` per entry: name → (key → value), keys as zipinfo words them.
fn zipinfo(dir: &Path, file: &str, tz: &str) -> HashMap<String, HashMap<String, String>> {
    let out = String::from_utf8(run_env(&format!("zipinfo -v {file}"), dir, b"", tz)).unwrap();
    let mut all = HashMap::new();
    for section in out.split("Central directory entry #").skip(1) {
        let mut lines = section.lines().skip(2).skip_while(|l| l.trim().is_empty());
        let name = lines.next().unwrap().trim().to_string();
        let mut kv = HashMap::new();
        for l in lines {
            if let Some((k, v)) = l.split_once(": ") {
                let k = k.trim().to_string();
                let v = v.trim().to_string();
                // The UT time is printed twice, as local time and as UTC: keep the UTC one.
                if k.contains("UT extra field") && !v.ends_with("UTC") {
                    continue;
                }
                kv.insert(k, v);
            }
        }
        all.insert(name, kv);
    }
    all
}

/// "2023 Nov 14 22:13:20" (optionally followed by " UTC") → seconds since the epoch.
fn zipinfo_time(v: &str) -> i64 {
    let w: Vec<&str> = v.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == w[1])
    .unwrap() as u32
        + 1;
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("{}-{:02}-{:02} {}", w[0], month, w[2].parse::<u32>().unwrap(), w[3]),
            "+%s",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

/// Every field zipinfo -v shows, for every entry.
fn assert_matches_zipinfo(o: &Opened, dir: &Path, file: &str, tz: &str) {
    let info = zipinfo(dir, file, tz);
    assert_eq!(info.len(), o.members.len());
    for (raw, kv) in &info {
        let name = raw.trim_end_matches('/');
        let m = member(o, name);
        let num = |k: &str| -> u64 { kv[k].split_whitespace().next().unwrap().parse().unwrap() };
        assert_eq!(
            m.field("offset"),
            Some(&Value::Offset(num("offset of local header from start of archive"))),
            "{name}"
        );
        assert_eq!(
            text(m, "version-made-by"),
            format!(
                "{} ({})",
                kv["version of encoding software"], kv["file system or operating system of origin"]
            )
        );
        assert_eq!(
            text(m, "version-needed"),
            kv["minimum software version required to extract"]
        );
        let method = match kv["compression method"].as_str() {
            "none (stored)" => "stored",
            "deflated" => "deflate",
            "bzipped" => "bzip2",
            "LZMA" => "lzma",
            other => panic!("method {other}"),
        };
        assert_eq!(text(m, "method"), method, "{name}");
        assert_eq!(
            m.field("mtime"),
            Some(&Value::Time(zipinfo_time(&kv["file last modified on (DOS date/time)"]))),
            "{name}"
        );
        match kv.get("file last modified on (UT extra field modtime)") {
            Some(v) => assert_eq!(m.field("mtime-ext"), Some(&Value::Time(zipinfo_time(v))), "{name}"),
            None => assert_eq!(m.field("mtime-ext"), None, "{name}"),
        }
        assert_eq!(
            m.field("crc32"),
            Some(&Value::Digest(kv["32-bit CRC value (hex)"].clone())),
            "{name}"
        );
        assert_eq!(
            m.field("compressed-size"),
            Some(&Value::Size(num("compressed size"))),
            "{name}"
        );
        let size = num("uncompressed size");
        match &m.kind {
            EntryKind::File => assert_eq!(m.size, size, "{name}"),
            EntryKind::Symlink { target } => assert_eq!(target.len() as u64, size),
            EntryKind::Dir => assert_eq!(size, 0),
            other => panic!("{other:?}"),
        }
        if let Some((k, _)) = kv.iter().find(|(k, _)| k.starts_with("Unix file attributes (")) {
            let octal = k
                .trim_start_matches("Unix file attributes (")
                .trim_end_matches(" octal)");
            assert_eq!(
                m.field("mode"),
                Some(&Value::Mode(u32::from_str_radix(octal, 8).unwrap())),
                "{name}"
            );
        }
    }
}

#[test]
fn info_zip_default_archive() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run("zip -q -r -y a.zip META-INF hi.txt d link", t.path());
    let z = std::fs::read(t.path().join("a.zip")).unwrap();
    assert!(Zip.identify(&z, "a.zip"));
    let o = open(&z);

    let listed = String::from_utf8(run("unzip -Z1 a.zip", t.path())).unwrap();
    let expected: Vec<&str> = listed.lines().map(|l| l.trim_end_matches('/')).collect();
    let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, expected);
    assert_eq!(names[..2], ["META-INF", "META-INF/MANIFEST.MF"]);
    assert_eq!(field(&o, "members"), Some(&Value::Int(6)));
    assert_matches_zipinfo(&o, t.path(), "a.zip", "UTC");

    assert_eq!(member(&o, "META-INF").kind, EntryKind::Dir);
    assert_eq!(
        member(&o, "link").kind,
        EntryKind::Symlink {
            target: "hi.txt".into()
        }
    );
    let hi = member(&o, "hi.txt");
    assert_eq!(bytes(hi), b"hi\n");
    assert_eq!(hi.field("mode"), Some(&Value::Mode(0o100640)));
    assert_eq!(hi.field("mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(hi.field("mtime-ext"), Some(&Value::Time(1_700_000_000)));
    assert!(matches!(hi.field("atime-ext"), Some(Value::Time(_))));
    let owner = String::from_utf8(run("stat -c '%u %g' hi.txt", t.path())).unwrap();
    let ids: Vec<u64> = owner.split_whitespace().map(|s| s.parse().unwrap()).collect();
    assert_eq!(hi.field("uid"), Some(&Value::Id(ids[0])));
    assert_eq!(hi.field("gid"), Some(&Value::Id(ids[1])));
    assert!(matches!(hi.field("extra"), Some(Value::Hex(_))));
    assert!(matches!(hi.field("local-extra"), Some(Value::Hex(_))));
    assert_eq!(text(hi, "version-made-by"), "3.0 (Unix)");

    let data = member(&o, "d/data.bin");
    assert_eq!(text(data, "method"), "deflate");
    assert_eq!(bytes(data), sample(100_000));
    assert_eq!(bytes(data), run("unzip -p a.zip d/data.bin", t.path()));
    assert!(o.notes.iter().any(|n| n.starts_with("zip mtime fields are DOS times")));
    assert!(
        !o.notes.iter().any(|n| n.contains("local header says")),
        "{:?}",
        o.notes
    );
}

#[test]
fn zip_x_writes_no_extra_fields() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run("zip -q -X -r a.zip hi.txt d", t.path());
    let z = std::fs::read(t.path().join("a.zip")).unwrap();
    let o = open(&z);
    assert_matches_zipinfo(&o, t.path(), "a.zip", "UTC");
    for m in &o.members {
        for f in ["extra", "local-extra", "mtime-ext", "atime-ext", "uid", "gid"] {
            assert_eq!(m.field(f), None, "{} {f}", m.name);
        }
        assert!(matches!(m.field("mode"), Some(Value::Mode(_))));
    }
}

#[test]
fn stored_and_deflated_members_have_the_same_content() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run(
        "zip -q -0 -r stored.zip hi.txt d && zip -q -9 -r deflated.zip hi.txt d",
        t.path(),
    );
    let s = open(&std::fs::read(t.path().join("stored.zip")).unwrap());
    let d = open(&std::fs::read(t.path().join("deflated.zip")).unwrap());
    assert_matches_zipinfo(&s, t.path(), "stored.zip", "UTC");
    assert_matches_zipinfo(&d, t.path(), "deflated.zip", "UTC");
    let (ms, md) = (member(&s, "d/data.bin"), member(&d, "d/data.bin"));
    assert_eq!(text(ms, "method"), "stored");
    assert_eq!(text(md, "method"), "deflate");
    assert_eq!(ms.field("compressed-size"), Some(&Value::Size(100_000)));
    assert_eq!(bytes(ms), bytes(md));
}

#[test]
fn archive_and_entry_comments() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run_env("zip -q -z c.zip hi.txt", t.path(), b"built by ci\n", "UTC");
    run_env("zip -q -c c.zip hi.txt", t.path(), b"the greeting\n", "UTC");
    let o = open(&std::fs::read(t.path().join("c.zip")).unwrap());
    assert_eq!(field(&o, "comment"), Some(&Value::Text("built by ci".into())));
    assert_eq!(run("zipinfo -z c.zip | sed -n 2p", t.path()), b"built by ci\n");
    assert_eq!(text(member(&o, "hi.txt"), "comment"), "the greeting");
}

#[test]
fn time_zone_changes_dos_times_not_extended_times() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run_env("zip -q -X utc.zip hi.txt", t.path(), b"", "UTC");
    run_env("zip -q tokyo.zip hi.txt", t.path(), b"", "JST-9");
    run_env("zip -q utc-ut.zip hi.txt", t.path(), b"", "UTC");
    let utc = open(&std::fs::read(t.path().join("utc.zip")).unwrap());
    let tokyo = open(&std::fs::read(t.path().join("tokyo.zip")).unwrap());
    let utc_ut = open(&std::fs::read(t.path().join("utc-ut.zip")).unwrap());
    assert_matches_zipinfo(&tokyo, t.path(), "tokyo.zip", "JST-9");
    let (a, b, c) = (
        member(&utc, "hi.txt"),
        member(&tokyo, "hi.txt"),
        member(&utc_ut, "hi.txt"),
    );
    assert_eq!(a.field("mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(b.field("mtime"), Some(&Value::Time(1_700_000_000 + 9 * 3600)));
    assert_eq!(b.field("mtime-ext"), c.field("mtime-ext"));
    assert_eq!(b.field("mtime-ext"), Some(&Value::Time(1_700_000_000)));
}

const PYTHON_ZIPS: &str = r#"
import sys, zipfile, json
out = {}
# Every method Python writes, a directory, a UTF-8 name, a comment, fixed times.
with zipfile.ZipFile('methods.zip', 'w') as z:
    for name, method in [('stored.txt', zipfile.ZIP_STORED), ('deflated.txt', zipfile.ZIP_DEFLATED),
                         ('bzip2.txt', zipfile.ZIP_BZIP2), ('lzma.txt', zipfile.ZIP_LZMA)]:
        info = zipfile.ZipInfo(name, date_time=(2020, 2, 29, 23, 59, 58))
        info.compress_type = method
        info.external_attr = 0o100644 << 16
        z.writestr(info, open('payload', 'rb').read())
    z.writestr(zipfile.ZipInfo('dir/', date_time=(2021, 1, 1, 0, 0, 0)), b'')
    z.writestr(zipfile.ZipInfo('caf\u00e9/\u00fcnicode.txt', date_time=(2021, 1, 1, 0, 0, 0)), b'u')
    z.comment = b'python'
# Written to a pipe: no seeking back, so data descriptors (flag bit 3) and zip64 extras.
class Pipe:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open('streamed.zip', 'wb') as f:
    with zipfile.ZipFile(Pipe(f), 'w', zipfile.ZIP_DEFLATED) as z:
        with z.open('big.txt', 'w', force_zip64=True) as w:
            w.write(open('payload', 'rb').read())
        with z.open('small.txt', 'w') as w:
            w.write(b'small')
for fn in ['methods.zip', 'streamed.zip']:
    with zipfile.ZipFile(fn) as z:
        out[fn] = [[i.filename, i.compress_type, i.CRC, i.compress_size, i.file_size, i.flag_bits,
                    i.header_offset, list(i.date_time)] for i in z.infolist()]
# More than 65535 entries: a zip64 end of central directory record.
with zipfile.ZipFile('many.zip', 'w') as z:
    for i in range(65540):
        z.writestr(zipfile.ZipInfo('f%d' % i, date_time=(2020, 1, 1, 0, 0, 0)), b'')
json.dump(out, sys.stdout)
"#;

#[test]
fn python_zipfile_as_second_producer() {
    let t = tempfile::tempdir().unwrap();
    let payload = sample(200_000);
    std::fs::write(t.path().join("payload"), &payload).unwrap();
    std::fs::write(t.path().join("make.py"), PYTHON_ZIPS).unwrap();
    let listing: serde_json::Value = serde_json::from_slice(&run("python3 make.py", t.path())).unwrap();
    let method_names = [(0, "stored"), (8, "deflate"), (12, "bzip2"), (14, "lzma")];

    for file in ["methods.zip", "streamed.zip"] {
        let o = open(&std::fs::read(t.path().join(file)).unwrap());
        // Python's own view: [name, method, crc, csize, size, flags, offset, date_time].
        let rows = listing[file].as_array().unwrap();
        assert_eq!(rows.len(), o.members.len(), "{file}");
        for (r, m) in rows.iter().zip(&o.members) {
            let n = |i: usize| r[i].as_u64().unwrap();
            assert_eq!(m.name, r[0].as_str().unwrap().trim_end_matches('/'), "{file}");
            let label = method_names.iter().find(|(k, _)| *k == n(1)).unwrap().1;
            assert_eq!(text(m, "method"), label);
            assert_eq!(m.field("crc32"), Some(&Value::Digest(format!("{:08x}", n(2)))));
            assert_eq!(m.field("compressed-size"), Some(&Value::Size(n(3))));
            assert_eq!(m.size, n(4));
            assert_eq!(m.field("flags"), Some(&Value::Int(n(5) as i64)));
            assert_eq!(m.field("offset"), Some(&Value::Offset(n(6))));
            if m.kind == EntryKind::File && m.size == payload.len() as u64 {
                assert_eq!(bytes(m), payload, "{file} {}", m.name);
            }
        }
        assert!(
            !o.notes.iter().any(|n| n.contains("local header says")),
            "{:?}",
            o.notes
        );
    }

    let o = open(&std::fs::read(t.path().join("methods.zip")).unwrap());
    assert_eq!(field(&o, "comment"), Some(&Value::Text("python".into())));
    // 2020-02-29 23:59:58 as if UTC.
    assert_eq!(member(&o, "lzma.txt").field("mtime"), Some(&Value::Time(1_583_020_798)));
    assert_eq!(member(&o, "dir").kind, EntryKind::Dir);
    assert_eq!(bytes(member(&o, "café/ünicode.txt")), b"u");
    let s = open(&std::fs::read(t.path().join("streamed.zip")).unwrap());
    assert_eq!(member(&s, "big.txt").field("flags"), Some(&Value::Int(8)));
    assert_eq!(bytes(member(&s, "small.txt")), b"small");

    let many = open(&std::fs::read(t.path().join("many.zip")).unwrap());
    assert_eq!(field(&many, "zip64"), Some(&Value::Flag(true)));
    assert_eq!(field(&many, "members"), Some(&Value::Int(65540)));
    assert_eq!(many.members[65539].name, "f65539");
}

#[test]
fn empty_archive() {
    let t = tempfile::tempdir().unwrap();
    run(
        "python3 -c \"import zipfile; zipfile.ZipFile('e.zip', 'w').close()\"",
        t.path(),
    );
    let z = std::fs::read(t.path().join("e.zip")).unwrap();
    assert_eq!(z.len(), 22);
    assert!(Zip.identify(&z, ""));
    let o = open(&z);
    assert!(o.members.is_empty());
    assert_eq!(field(&o, "members"), Some(&Value::Int(0)));
}

#[test]
fn encrypted_entry_is_listed_without_content() {
    let t = tempfile::tempdir().unwrap();
    tree(t.path());
    run("zip -q -P secret e.zip hi.txt", t.path());
    let o = open(&std::fs::read(t.path().join("e.zip")).unwrap());
    let m = member(&o, "hi.txt");
    assert!(m.data.is_none());
    assert_eq!(m.field("flags"), Some(&Value::Int(9)));
    assert!(o.notes.contains(
        &"zip entry 'hi.txt' is encrypted: its content is not compared (its CRC-32 and sizes are)".to_string()
    ));
}
