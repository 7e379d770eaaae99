//! zstd against the reference `zstd` tool as producer and oracle (Debian package `zstd`):
//! content equals `zstd -dc`, fields equal what `zstd -lv` reports.

use std::path::Path;

mod common;

use common::{content, field, sample};
use reproscope_formats::zstd::Zstd;
use reproscope_formats::{EntryKind, Format, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "zstd")
}

fn open(bytes: &[u8], name: &str) -> Opened {
    common::open_ok(&Zstd, bytes, name)
}

/// `zstd -lv FILE` as key → value (the part before the first " (" or the whole value).
fn list(dir: &Path, file: &str) -> Vec<(String, String)> {
    let out = String::from_utf8(run(&format!("zstd -lv {file} 2>/dev/null"), dir, b"")).unwrap();
    out.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn get<'a>(l: &'a [(String, String)], key: &str) -> Option<&'a str> {
    l.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// "58.6 KiB (60000 B)" → 60000
fn bytes_of(v: &str) -> u64 {
    let inner = v.rsplit_once('(').map(|(_, r)| r).unwrap_or(v);
    inner.trim_end_matches(" B)").trim_end_matches(')').parse().unwrap()
}

/// Fields `zstd -lv` reports for one file.
fn assert_matches_list(o: &Opened, l: &[(String, String)]) {
    let frames: i64 = get(l, "# Zstandard Frames").unwrap().parse().unwrap();
    assert_eq!(field(o, "frames"), Some(&Value::Int(frames)));
    let skippable: i64 = get(l, "# Skippable Frames").map_or(0, |v| v.parse().unwrap());
    assert_eq!(field(o, "skippable-frames"), Some(&Value::Int(skippable)));
    if frames == 1 {
        assert_eq!(
            field(o, "window-size"),
            Some(&Value::Size(bytes_of(get(l, "Window Size").unwrap())))
        );
        let dict: i64 = get(l, "DictID").unwrap().parse().unwrap();
        let ours = match field(o, "dictionary-id") {
            Some(Value::Int(d)) => *d,
            _ => 0,
        };
        assert_eq!(ours, dict);
        match get(l, "Check").unwrap().split_once(' ') {
            Some((_, v)) => assert_eq!(field(o, "content-checksum"), Some(&Value::Digest(v.into()))),
            None => assert_eq!(field(o, "checksum"), Some(&Value::Flag(false))),
        }
    }
    match get(l, "Decompressed Size") {
        Some(v) if frames == 1 => {
            assert_eq!(field(o, "content-size"), Some(&Value::Size(bytes_of(v))))
        }
        None if frames == 1 => assert_eq!(field(o, "content-size"), None),
        _ => {}
    }
}

#[test]
fn file_with_content_size_and_checksum() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    std::fs::write(t.path().join("notes.txt"), &data).unwrap();
    run("zstd -q -k -19 notes.txt", t.path(), b"");
    let z = std::fs::read(t.path().join("notes.txt.zst")).unwrap();
    assert!(Zstd.identify(&z, "notes.txt.zst"));
    let o = open(&z, "dir/notes.txt.zst");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "notes.txt");
    assert_eq!(o.members[0].kind, EntryKind::File);
    assert_eq!(content(&o), run("zstd -dc notes.txt.zst", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "notes.txt.zst"));
    assert_eq!(field(&o, "content-size"), Some(&Value::Size(300_000)));
    assert_eq!(field(&o, "checksum"), Some(&Value::Flag(true)));
    assert!(o
        .notes
        .contains(&"XXH64 content checksum verified for 1 of 1 zstd frame(s)".to_string()));
}

#[test]
fn stream_without_size_or_checksum() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(200_000);
    let z = run("zstd -q -c --no-check --no-content-size > s.zst", t.path(), &data);
    assert!(z.is_empty());
    let z = std::fs::read(t.path().join("s.zst")).unwrap();
    let o = open(&z, "s.tzst");
    assert_eq!(o.members[0].name, "s.tar");
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "s.zst"));
    assert_eq!(field(&o, "content-size"), None);
    assert_eq!(field(&o, "checksum"), Some(&Value::Flag(false)));
    assert_eq!(field(&o, "single-segment"), Some(&Value::Flag(false)));
}

#[test]
fn level_shows_in_the_window_size_when_the_size_is_unknown() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(2_000_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    run(
        "zstd -q -1 -c < d > fast.zst && zstd -q -19 -c < d > best.zst",
        t.path(),
        b"",
    );
    let fast = std::fs::read(t.path().join("fast.zst")).unwrap();
    let best = std::fs::read(t.path().join("best.zst")).unwrap();
    let (f, b) = (open(&fast, "x.zst"), open(&best, "x.zst"));
    assert_eq!(content(&f), content(&b));
    assert_matches_list(&f, &list(t.path(), "fast.zst"));
    assert_matches_list(&b, &list(t.path(), "best.zst"));
    assert_ne!(field(&f, "window-size"), field(&b, "window-size"));
}

#[test]
fn frames_and_skippable_frames() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (sample(70_000), b"second frame\n".repeat(700));
    let mut f = run("zstd -q -c -19", t.path(), &a);
    let second_at = f.len() + 12;
    f.extend_from_slice(&[0x5e, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
    f.extend_from_slice(&run("zstd -q -c -1 --no-check", t.path(), &b));
    std::fs::write(t.path().join("ab.zst"), &f).unwrap();
    let o = open(&f, "ab.zst");
    assert_eq!(content(&o), run("zstd -dc ab.zst", t.path(), b""));
    assert_eq!(content(&o), [a, b].concat());
    assert_matches_list(&o, &list(t.path(), "ab.zst"));
    assert_eq!(field(&o, "frames"), Some(&Value::Int(2)));
    assert_eq!(field(&o, "skippable-frames"), Some(&Value::Int(1)));
    assert_eq!(field(&o, "frame1.offset"), Some(&Value::Offset(second_at as u64)));
    assert_eq!(field(&o, "frame1.checksum"), Some(&Value::Flag(false)));
    assert!(o
        .notes
        .iter()
        .any(|n| n.starts_with("skippable frame (magic 0x184d2a5e) of 4 bytes")));

    // A file may start with a skippable frame.
    let mut s = vec![0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0];
    s.extend_from_slice(&run("zstd -q -c", t.path(), b"x"));
    assert!(Zstd.identify(&s, ""));
    assert_eq!(content(&open(&s, "")), b"x");
}

#[test]
fn multithreaded_and_long_mode_frames() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(3_000_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    run("zstd -q -T2 -3 -c --long=24 < d > mt.zst", t.path(), b"");
    let z = std::fs::read(t.path().join("mt.zst")).unwrap();
    let o = open(&z, "mt.zst");
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "mt.zst"));
    assert_eq!(field(&o, "window-size"), Some(&Value::Size(1 << 24)));
}

#[test]
fn trailing_data_becomes_a_member() {
    let t = tempfile::tempdir().unwrap();
    let z = run("zstd -q -c", t.path(), b"hello\n");
    let mut f = z.clone();
    f.extend_from_slice(b"\0\0garbage");
    let o = open(&f, "x.zst");
    assert_eq!(content(&o), b"hello\n");
    let at = z.len() + 2;
    assert_eq!(o.members[1].name, format!("trailing@{at:#x}"));
    assert_eq!(o.members[1].size, 7);
}

#[test]
fn empty_input() {
    let t = tempfile::tempdir().unwrap();
    let z = run("zstd -q -c < /dev/null", t.path(), b"");
    let o = open(&z, "e.zst");
    assert_eq!(o.members[0].size, 0);
    assert_eq!(field(&o, "frames"), Some(&Value::Int(1)));
}
