//! bzip2 against the `bzip2` tool as producer and oracle (Debian package `bzip2`): content
//! equals `bzip2 -dc`, stream CRCs equal what `bzip2 -tvvv` reports.

use std::path::Path;

mod common;

use common::{content, field, sample};
use reproscope_formats::bzip2::Bzip2;
use reproscope_formats::{EntryKind, Format, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "bzip2")
}

fn open(bytes: &[u8], name: &str) -> Opened {
    common::open_ok(&Bzip2, bytes, name)
}

/// The stored combined CRC of every stream, as `bzip2 -tvvv FILE` prints them.
fn oracle_crcs(dir: &Path, file: &str) -> Vec<String> {
    let out = run(&format!("bzip2 -tvvv {file} 2>&1"), dir, b"");
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("combined CRCs: stored = 0x"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

fn assert_matches_oracle(o: &Opened, dir: &Path, file: &str) {
    let crcs = oracle_crcs(dir, file);
    assert_eq!(field(o, "streams"), Some(&Value::Int(crcs.len() as i64)));
    for (i, c) in crcs.iter().enumerate() {
        let p = if i == 0 { String::new() } else { format!("stream{i}.") };
        assert_eq!(
            field(o, &format!("{p}combined-crc")),
            Some(&Value::Digest(c.clone())),
            "stream {i}"
        );
    }
}

#[test]
fn single_stream_level_and_crc() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    std::fs::write(t.path().join("notes.txt"), &data).unwrap();
    run("bzip2 -k -9 notes.txt", t.path(), b"");
    let bz = std::fs::read(t.path().join("notes.txt.bz2")).unwrap();
    assert!(Bzip2.identify(&bz, "notes.txt.bz2"));
    let o = open(&bz, "dir/notes.txt.bz2");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "notes.txt");
    assert_eq!(o.members[0].kind, EntryKind::File);
    assert_eq!(content(&o), run("bzip2 -dc notes.txt.bz2", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_eq!(field(&o, "level"), Some(&Value::Int(9)));
    assert_matches_oracle(&o, t.path(), "notes.txt.bz2");
}

#[test]
fn levels_differ_in_fields_and_bytes_not_content() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(400_000);
    let fast = run("bzip2 -1 -c", t.path(), &data);
    let best = run("bzip2 -9 -c", t.path(), &data);
    assert_ne!(fast, best);
    let (f, b) = (open(&fast, "x.tbz2"), open(&best, "x.tbz2"));
    assert_eq!(f.members[0].name, "x.tar");
    assert_eq!(content(&f), content(&b));
    assert_eq!(field(&f, "level"), Some(&Value::Int(1)));
    assert_eq!(field(&b, "level"), Some(&Value::Int(9)));
    // The combined CRC folds the block CRCs together, so it follows the block size too.
    assert_ne!(field(&f, "combined-crc"), field(&b, "combined-crc"));
}

#[test]
fn multi_stream_and_multi_block() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (sample(1_200_000), b"second stream\n".repeat(1000));
    let mut f = run("bzip2 -2 -c", t.path(), &a);
    let second_at = f.len();
    f.extend_from_slice(&run("bzip2 -7 -c", t.path(), &b));
    std::fs::write(t.path().join("ab.bz2"), &f).unwrap();
    let o = open(&f, "ab.bz2");
    assert_eq!(content(&o), run("bzip2 -dc ab.bz2", t.path(), b""));
    assert_eq!(content(&o), [a, b].concat());
    assert_matches_oracle(&o, t.path(), "ab.bz2");
    assert_eq!(field(&o, "stream1.offset"), Some(&Value::Offset(second_at as u64)));
    assert_eq!(field(&o, "stream1.level"), Some(&Value::Int(7)));
    assert!(o
        .notes
        .contains(&"2 bzip2 streams, decompressed as one (as bzip2 -d does)".to_string()));
}

#[test]
fn empty_stream_and_trailing_data() {
    let t = tempfile::tempdir().unwrap();
    let e = run("bzip2 -c < /dev/null", t.path(), b"");
    assert!(Bzip2.identify(&e, ""));
    let o = open(&e, "e.bz2");
    assert_eq!(o.members[0].size, 0);
    assert_eq!(field(&o, "combined-crc"), Some(&Value::Digest("00000000".into())));

    let bz = run("bzip2 -c", t.path(), b"hello\n");
    let mut f = bz.clone();
    f.extend_from_slice(b"junk");
    std::fs::write(t.path().join("j.bz2"), &f).unwrap();
    // bzip2 itself ignores it with a warning.
    assert_eq!(run("bzip2 -dc j.bz2 2>/dev/null", t.path(), b""), b"hello\n");
    let o = open(&f, "j.bz2");
    assert_eq!(content(&o), b"hello\n");
    assert_eq!(o.members[1].name, format!("trailing@{:#x}", bz.len()));
    assert_eq!(o.members[1].kind, EntryKind::Section);
}
