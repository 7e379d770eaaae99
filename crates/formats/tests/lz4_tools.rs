//! lz4 against the `lz4` tool as producer and oracle (Debian package `lz4`): content equals
//! `lz4 -dc`, frame types, block modes and checksum flags equal what `lz4 --list -v` reports.

use std::path::Path;

mod common;

use common::{content, field, sample};
use reproscope_formats::lz4::Lz4;
use reproscope_formats::{EntryKind, Format, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "lz4")
}

fn open(bytes: &[u8], name: &str) -> Opened {
    common::open_ok(&Lz4, bytes, name)
}

/// Rows of `lz4 --list -v FILE`: (type, block, checksum, uncompressed).
fn list(dir: &Path, file: &str) -> Vec<[String; 4]> {
    let out = String::from_utf8(run(&format!("lz4 --list -v {file} 2>&1"), dir, b"")).unwrap();
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|w| w.len() >= 7 && w[0].parse::<u32>().is_ok())
        .map(|w| [w[1].into(), w[2].into(), w[3].into(), w[5].into()])
        .collect()
}

fn assert_matches_list(o: &Opened, rows: &[[String; 4]]) {
    let (skippable, rows): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r[0] == "SkippableFrame");
    assert_eq!(field(o, "frames"), Some(&Value::Int(rows.len() as i64)));
    assert_eq!(field(o, "skippable-frames"), Some(&Value::Int(skippable.len() as i64)));
    for (i, [kind, block, check, size]) in rows.into_iter().enumerate() {
        let p = if i == 0 { String::new() } else { format!("frame{i}.") };
        let f = |n: &str| field(o, &format!("{p}{n}")).cloned();
        match kind.as_str() {
            "LZ4Frame" => {
                assert_eq!(f("frame-type"), Some(Value::Text("frame".into())), "frame {i}");
                let max = match &block[1..2] {
                    "4" => 64 << 10,
                    "5" => 256 << 10,
                    "6" => 1 << 20,
                    _ => 4 << 20,
                };
                assert_eq!(f("block-max-size"), Some(Value::Size(max)), "frame {i}");
                assert_eq!(
                    f("block-independence"),
                    Some(Value::Flag(block.ends_with('I'))),
                    "frame {i}"
                );
                assert_eq!(f("content-checksum"), Some(Value::Flag(check == "XXH32")), "frame {i}");
                match size.as_str() {
                    "-" => assert_eq!(f("content-size"), None),
                    n => assert_eq!(f("content-size"), Some(Value::Size(n.parse().unwrap()))),
                }
            }
            "LegacyFrame" => assert_eq!(f("frame-type"), Some(Value::Text("legacy".into()))),
            other => panic!("frame type {other}"),
        }
    }
}

#[test]
fn default_frame() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(5_000_000);
    std::fs::write(t.path().join("d.cpio"), &data).unwrap();
    run("lz4 -q d.cpio d.cpio.lz4", t.path(), b"");
    let z = std::fs::read(t.path().join("d.cpio.lz4")).unwrap();
    assert!(Lz4.identify(&z, ""));
    let o = open(&z, "initrd/d.cpio.lz4");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "d.cpio");
    assert_eq!(o.members[0].kind, EntryKind::File);
    assert_eq!(content(&o), run("lz4 -dc d.cpio.lz4", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "d.cpio.lz4"));
    assert_eq!(field(&o, "block-max-size"), Some(&Value::Size(4 << 20)));
    assert_eq!(field(&o, "blocks"), Some(&Value::Int(2)));
    assert_eq!(field(&o, "block-checksums"), Some(&Value::Flag(false)));
}

#[test]
fn linked_blocks_block_checksums_and_content_size() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(1_000_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    run("lz4 -q -9 -B5 -BD -BX --content-size d d.lz4", t.path(), b"");
    let z = std::fs::read(t.path().join("d.lz4")).unwrap();
    let o = open(&z, "d.lz4");
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "d.lz4"));
    assert_eq!(field(&o, "block-independence"), Some(&Value::Flag(false)));
    assert_eq!(field(&o, "block-checksums"), Some(&Value::Flag(true)));
    assert_eq!(field(&o, "content-size"), Some(&Value::Size(1_000_000)));
    assert_eq!(field(&o, "blocks"), Some(&Value::Int(4)));
}

#[test]
fn legacy_format_as_for_kernel_initrds() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(10_000_000);
    std::fs::write(t.path().join("d"), &data).unwrap();
    run("lz4 -q -l d d.lz4", t.path(), b"");
    let z = std::fs::read(t.path().join("d.lz4")).unwrap();
    assert_eq!(&z[..4], &[0x02, 0x21, 0x4c, 0x18]);
    let o = open(&z, "d.lz4");
    assert_eq!(content(&o), run("lz4 -dc d.lz4", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_matches_list(&o, &list(t.path(), "d.lz4"));
    assert_eq!(field(&o, "blocks"), Some(&Value::Int(2)));

    // The kernel's initramfs may carry zero padding after it.
    let mut padded = z.clone();
    padded.extend_from_slice(&[0; 16]);
    let o = open(&padded, "d.lz4");
    assert_eq!(o.members.len(), 1);
    assert!(o
        .notes
        .contains(&"16 bytes of zero padding after the lz4 frames".to_string()));
}

#[test]
fn frames_of_every_kind_in_one_file() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (sample(100_000), b"legacy\n".repeat(5000), sample(7000));
    let mut f = run("lz4 -q -c --content-size", t.path(), &a);
    let legacy_at = f.len();
    f.extend_from_slice(&run("lz4 -q -l -c", t.path(), &b));
    f.extend_from_slice(&[0x51, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    f.extend_from_slice(&run("lz4 -q -c --no-frame-crc", t.path(), &c));
    std::fs::write(t.path().join("all.lz4"), &f).unwrap();
    let o = open(&f, "all.tlz4");
    assert_eq!(o.members[0].name, "all.tar");
    assert_eq!(content(&o), run("lz4 -dc all.lz4", t.path(), b""));
    assert_eq!(content(&o), [a, b, c].concat());
    assert_matches_list(&o, &list(t.path(), "all.lz4"));
    assert_eq!(field(&o, "skippable-frames"), Some(&Value::Int(1)));
    assert_eq!(field(&o, "frame1.offset"), Some(&Value::Offset(legacy_at as u64)));
}

#[test]
fn levels_change_bytes_not_fields() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    let fast = run("lz4 -q -1 -c", t.path(), &data);
    let best = run("lz4 -q -12 -c", t.path(), &data);
    assert_ne!(fast, best);
    let (f, b) = (open(&fast, "x.lz4"), open(&best, "x.lz4"));
    assert_eq!(content(&f), content(&b));
    // lz4 records no level: the headers agree, only the compressed bytes differ.
    assert_eq!(f.fields, b.fields);
}

#[test]
fn trailing_data_becomes_a_member() {
    let t = tempfile::tempdir().unwrap();
    let z = run("lz4 -q -c", t.path(), b"hello\n");
    let mut f = z.clone();
    f.extend_from_slice(b"junk");
    let o = open(&f, "x.lz4");
    assert_eq!(content(&o), b"hello\n");
    assert_eq!(o.members[1].name, format!("trailing@{:#x}", z.len()));
    assert_eq!(o.members[1].size, 4);
}
