//! xz against XZ Utils as producer and oracle (Debian package `xz-utils`): content equals
//! `xz -dc`, fields equal what `xz -lvv --robot` reports.

use std::path::Path;

mod common;

use common::{content, field, sample};
use reproscope_formats::xz::Xz;
use reproscope_formats::{Data, EntryKind, Format, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "xz-utils")
}

fn open(bytes: &[u8], name: &str) -> Opened {
    common::open_ok(&Xz, bytes, name)
}

fn text(o: &Opened, name: &str) -> String {
    match field(o, name) {
        Some(Value::Text(s)) => s.clone(),
        other => panic!("{name}: {other:?} in {:?}", o.fields),
    }
}

/// `xz -lvv --robot FILE`, split into tab-separated lines.
struct Robot {
    lines: Vec<Vec<String>>,
}

impl Robot {
    fn of(dir: &Path, file: &str) -> Robot {
        let out = run(&format!("xz -lvv --robot {file}"), dir, b"");
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').map(String::from).collect())
            .collect();
        Robot { lines }
    }

    fn kind(&self, k: &str) -> Vec<&Vec<String>> {
        self.lines.iter().filter(|l| l[0] == k).collect()
    }
}

/// Checks every field xz -lvv reports against the opened node.
fn assert_matches_robot(o: &Opened, r: &Robot) {
    let file = r.kind("file")[0];
    assert_eq!(field(o, "streams"), Some(&Value::Int(file[1].parse().unwrap())));
    assert_eq!(field(o, "blocks"), Some(&Value::Int(file[2].parse().unwrap())));
    let streams = r.kind("stream");
    for (i, s) in streams.iter().enumerate() {
        let p = if i == 0 { String::new() } else { format!("stream{i}.") };
        assert_eq!(text(o, &format!("{p}check")), s[8], "stream {i}");
        if i > 0 {
            assert_eq!(
                field(o, &format!("{p}offset")),
                Some(&Value::Offset(s[3].parse().unwrap()))
            );
            assert_eq!(
                field(o, &format!("{p}blocks")),
                Some(&Value::Int(s[2].parse().unwrap()))
            );
        }
        let padding: u64 = s[9].parse().unwrap();
        let ours = field(o, &format!("{p}padding"));
        if padding == 0 {
            assert_eq!(ours, None);
        } else {
            assert_eq!(ours, Some(&Value::Size(padding)));
        }
        let chains: Vec<&str> = r
            .kind("block")
            .iter()
            .filter(|b| b[1] == s[1])
            .map(|b| b[15].as_str())
            .collect();
        if let Some(first) = chains.first() {
            assert!(chains.iter().all(|c| c == first));
            assert_eq!(text(o, &format!("{p}filters")), *first, "stream {i}");
            let all_sized = r.kind("block").iter().filter(|b| b[1] == s[1]).all(|b| b[12] == "cu");
            assert_eq!(field(o, &format!("{p}sizes-in-headers")), Some(&Value::Flag(all_sized)));
        } else {
            assert_eq!(field(o, &format!("{p}filters")), None);
        }
    }
}

#[test]
fn default_preset_single_stream() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    std::fs::write(t.path().join("notes.txt"), &data).unwrap();
    run("xz -k notes.txt", t.path(), b"");
    let xz = std::fs::read(t.path().join("notes.txt.xz")).unwrap();
    assert!(Xz.identify(&xz, "notes.txt.xz"));
    let o = open(&xz, "dir/notes.txt.xz");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "notes.txt");
    assert_eq!(o.members[0].kind, EntryKind::File);
    assert_eq!(content(&o), run("xz -dc notes.txt.xz", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_eq!(o.members[0].size, data.len() as u64);
    assert_matches_robot(&o, &Robot::of(t.path(), "notes.txt.xz"));
    assert_eq!(text(&o, "check"), "CRC64");
    assert_eq!(text(&o, "filters"), "--lzma2=dict=8MiB");
    assert_eq!(field(&o, "dict-size"), Some(&Value::Size(8 << 20)));
    assert_eq!(text(&o, "level-hint"), "preset -5 or -6 (default) (dict=8MiB)");
    assert_eq!(field(&o, "sizes-in-headers"), Some(&Value::Flag(false)));
    assert_eq!(field(&o, "block-size"), None);
    assert!(o
        .notes
        .contains(&"CRC64 verified for 1 block(s) of xz stream 0".to_string()));
}

#[test]
fn streams_with_different_checks_presets_and_padding() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (sample(70_000), b"second stream\n".repeat(800), sample(5000));
    let mut file = run("xz -9 --check=crc32 -c", t.path(), &a);
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&run("xz -0 --check=sha256 -c", t.path(), &b));
    file.extend_from_slice(&run("xz -1 --check=none -c", t.path(), &c));
    std::fs::write(t.path().join("abc.xz"), &file).unwrap();

    let o = open(&file, "abc.txz");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "abc.tar");
    assert_eq!(content(&o), run("xz -dc abc.xz", t.path(), b""));
    assert_eq!(content(&o), [a, b, c].concat());
    assert_matches_robot(&o, &Robot::of(t.path(), "abc.xz"));
    assert_eq!(field(&o, "streams"), Some(&Value::Int(3)));
    assert_eq!(text(&o, "check"), "CRC32");
    assert_eq!(text(&o, "stream1.check"), "SHA-256");
    assert_eq!(text(&o, "stream2.check"), "None");
    assert_eq!(field(&o, "padding"), Some(&Value::Size(8)));
    assert_eq!(text(&o, "level-hint"), "preset -9 (dict=64MiB)");
    assert_eq!(text(&o, "stream1.level-hint"), "preset -0 (dict=256KiB)");
    assert_eq!(text(&o, "stream2.level-hint"), "preset -1 (dict=1MiB)");
    assert!(o.notes.contains(&"xz stream 2 has no integrity check".to_string()));
    assert!(o
        .notes
        .contains(&"3 xz streams, decompressed as one (as xz -d does)".to_string()));
}

#[test]
fn threaded_encoder_writes_blocks_with_sizes() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    run("xz -k -T2 --block-size=65536 d", t.path(), b"");
    let xz = std::fs::read(t.path().join("d.xz")).unwrap();
    let o = open(&xz, "d.xz");
    assert_eq!(content(&o), data);
    assert_matches_robot(&o, &Robot::of(t.path(), "d.xz"));
    assert_eq!(field(&o, "blocks"), Some(&Value::Int(5)));
    assert_eq!(field(&o, "block-size"), Some(&Value::Size(65536)));
    assert_eq!(field(&o, "sizes-in-headers"), Some(&Value::Flag(true)));

    // The single-threaded encoder at the same preset: same content, different structure.
    let single = open(&run("xz -T1 -c", t.path(), &data), "d.xz");
    assert_eq!(content(&single), data);
    assert_eq!(field(&single, "blocks"), Some(&Value::Int(1)));
    assert_eq!(field(&single, "sizes-in-headers"), Some(&Value::Flag(false)));
}

#[test]
fn filter_chains_as_xz_prints_them() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(50_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    for (i, opts) in [
        "--x86 --lzma2=preset=1",
        "--delta=dist=4 --lzma2=dict=1536KiB",
        "--arm64 --lzma2=dict=3MiB",
    ]
    .iter()
    .enumerate()
    {
        run(&format!("xz -c {opts} d > f{i}.xz"), t.path(), b"");
        let xz = std::fs::read(t.path().join(format!("f{i}.xz"))).unwrap();
        let o = open(&xz, "f.xz");
        assert_eq!(content(&o), data, "{opts}");
        assert_matches_robot(&o, &Robot::of(t.path(), &format!("f{i}.xz")));
    }
    let o = open(&run("xz -c --delta=dist=4 --lzma2=dict=1536KiB", t.path(), &data), "");
    assert_eq!(text(&o, "filters"), "--delta=dist=4 --lzma2=dict=1536KiB");
    assert_eq!(text(&o, "level-hint"), "custom (dict=1536KiB)");
    assert_eq!(o.members[0].name, "content");
}

#[test]
fn empty_stream() {
    let t = tempfile::tempdir().unwrap();
    run("xz -c < /dev/null > e.xz", t.path(), b"");
    let xz = std::fs::read(t.path().join("e.xz")).unwrap();
    let o = open(&xz, "e.xz");
    assert_eq!(o.members[0].size, 0);
    assert_eq!(field(&o, "blocks"), Some(&Value::Int(0)));
    assert_matches_robot(&o, &Robot::of(t.path(), "e.xz"));
}

#[test]
fn trailing_data_and_zero_padding() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(10_000);
    let xz = run("xz -c", t.path(), &data);
    let mut f = xz.clone();
    f.extend_from_slice(&[0, 0, 0]);
    f.extend_from_slice(b"not xz at all");
    let o = open(&f, "x.xz");
    assert_eq!(content(&o), data);
    assert_eq!(o.members.len(), 2);
    let at = xz.len() + 3;
    assert_eq!(o.members[1].name, format!("trailing@{at:#x}"));
    assert_eq!(o.members[1].kind, EntryKind::Section);
    assert_eq!(o.members[1].field("offset"), Some(&Value::Offset(at as u64)));
    match &o.members[1].data {
        Some(Data::Blob(b)) => assert_eq!(&b[..], b"not xz at all"),
        other => panic!("{other:?}"),
    }
    assert!(o
        .notes
        .contains(&"3 bytes of zero padding after the xz stream".to_string()));

    // Zero padding alone is only a note.
    let mut f = xz.clone();
    f.extend_from_slice(&[0; 4]);
    let o = open(&f, "x.xz");
    assert_eq!(o.members.len(), 1);
}

#[test]
fn presets_differ_in_fields_not_content() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(100_000);
    let fast = open(&run("xz -1 -c", t.path(), &data), "x.xz");
    let best = open(&run("xz -9e -c", t.path(), &data), "x.xz");
    assert_eq!(content(&fast), content(&best));
    assert_eq!(text(&fast, "level-hint"), "preset -1 (dict=1MiB)");
    assert_eq!(text(&best, "level-hint"), "preset -9 (dict=64MiB)");
}
