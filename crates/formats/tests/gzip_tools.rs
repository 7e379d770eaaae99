//! gzip against GNU gzip as an independent producer and oracle (Debian package `gzip`).

use std::path::Path;

mod common;

use common::{content, field, sample};
use reproscope_formats::gzip::{compress, Gzip};
use reproscope_formats::{Data, EntryKind, Format, Opened, Value};

fn run(cmd: &str, dir: &Path, stdin: &[u8]) -> Vec<u8> {
    common::run_sh(cmd, dir, stdin, "gzip")
}

fn open(bytes: &[u8], name: &str) -> Opened {
    common::open_ok(&Gzip, bytes, name)
}

#[test]
fn plain_gzip_stores_name_and_mtime() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(300_000);
    std::fs::write(t.path().join("notes.txt"), &data).unwrap();
    run("touch -d @1700000000 notes.txt && gzip -k notes.txt", t.path(), b"");
    let gz = std::fs::read(t.path().join("notes.txt.gz")).unwrap();
    assert!(Gzip.identify(&gz, "notes.txt.gz"));
    let o = open(&gz, "dir/notes.txt.gz");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "notes.txt");
    assert_eq!(o.members[0].kind, EntryKind::File);
    assert_eq!(content(&o), run("gzip -dc notes.txt.gz", t.path(), b""));
    assert_eq!(content(&o), data);
    assert_eq!(o.members[0].size, data.len() as u64);
    assert_eq!(field(&o, "mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(field(&o, "name"), Some(&Value::Text("notes.txt".into())));
    assert_eq!(field(&o, "os"), Some(&Value::Text("Unix (3)".into())));
    assert_eq!(field(&o, "flags"), Some(&Value::Int(8)));
    assert_eq!(field(&o, "xfl"), Some(&Value::Int(0)));
    assert_eq!(field(&o, "level-hint"), Some(&Value::Text("default".into())));
    assert_eq!(
        field(&o, "crc32"),
        Some(&Value::Digest(format!("{:08x}", crc32fast::hash(&data))))
    );
    assert_eq!(field(&o, "isize"), Some(&Value::Size(data.len() as u64)));
    assert!(field(&o, "members").is_none() && field(&o, "comment").is_none());
    assert!(!o.notes.iter().any(|n| n.contains("mtime")));
}

#[test]
fn gzip_9_n_is_best_compression_without_name_or_mtime() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(50_000);
    let gz = run("gzip -9 -n -c", t.path(), &data);
    let o = open(&gz, "rootfs.cpio.gz");
    assert_eq!(o.members[0].name, "rootfs.cpio");
    assert_eq!(content(&o), data);
    assert_eq!(field(&o, "mtime"), Some(&Value::Time(0)));
    assert!(
        o.notes.contains(&"gzip member 0: mtime 0 means not set".to_string()),
        "{:?}",
        o.notes
    );
    assert_eq!(field(&o, "name"), None);
    assert_eq!(field(&o, "flags"), Some(&Value::Int(0)));
    assert_eq!(
        field(&o, "level-hint"),
        Some(&Value::Text("best compression (2)".into()))
    );

    let fast = open(&run("gzip -1 -n -c", t.path(), &data), "x.tgz");
    assert_eq!(fast.members[0].name, "x.tar");
    assert_eq!(field(&fast, "level-hint"), Some(&Value::Text("fastest (4)".into())));
}

#[test]
fn multi_member_stream_is_one_content() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (sample(70_000), b"second member\n".repeat(500));
    std::fs::write(t.path().join("a"), &a).unwrap();
    run("touch -d @1600000000 a && gzip -c a > a.gz", t.path(), b"");
    let b_gz = run("gzip -9 -n -c", t.path(), &b);
    let mut gz = std::fs::read(t.path().join("a.gz")).unwrap();
    let second_at = gz.len();
    gz.extend_from_slice(&b_gz);
    std::fs::write(t.path().join("ab.gz"), &gz).unwrap();

    let o = open(&gz, "ab.gz");
    assert_eq!(o.members.len(), 1);
    assert_eq!(content(&o), run("gzip -dc ab.gz", t.path(), b""));
    assert_eq!(content(&o), [a.clone(), b.clone()].concat());
    assert_eq!(field(&o, "members"), Some(&Value::Int(2)));
    assert_eq!(field(&o, "name"), Some(&Value::Text("a".into())));
    assert_eq!(field(&o, "mtime"), Some(&Value::Time(1_600_000_000)));
    assert_eq!(field(&o, "member1.offset"), Some(&Value::Offset(second_at as u64)));
    assert_eq!(field(&o, "member1.mtime"), Some(&Value::Time(0)));
    assert_eq!(field(&o, "member1.name"), None);
    assert_eq!(
        field(&o, "member1.level-hint"),
        Some(&Value::Text("best compression (2)".into()))
    );
    assert_eq!(field(&o, "member1.isize"), Some(&Value::Size(b.len() as u64)));
    assert_eq!(field(&o, "isize"), Some(&Value::Size(a.len() as u64)));
}

#[test]
fn our_compress_is_read_by_gzip() {
    let t = tempfile::tempdir().unwrap();
    let data = sample(200_000);
    for level in [0, 1, 6, 9] {
        let gz = compress(&data, level);
        assert_eq!(compress(&data, level), gz, "level {level} not deterministic");
        assert_eq!(run("gzip -dc", t.path(), &gz), data, "level {level}");
        let o = open(&gz, "x.gz");
        assert_eq!(content(&o), data);
        assert_eq!(field(&o, "mtime"), Some(&Value::Time(0)));
        assert_eq!(field(&o, "os"), Some(&Value::Text("Unix (3)".into())));
    }
    // gzip -l reads the header and trailer.
    let gz = compress(&data, 9);
    std::fs::write(t.path().join("c.gz"), &gz).unwrap();
    let list = String::from_utf8(run("gzip -l c.gz", t.path(), b"")).unwrap();
    assert!(list.contains(&format!("{}", data.len())), "{list}");
}

#[test]
fn trailing_zeros_and_trailing_data() {
    let gz = compress(b"payload", 6);
    let mut z = gz.clone();
    z.extend_from_slice(&[0; 5]);
    let o = open(&z, "p.gz");
    assert_eq!(o.members.len(), 1);
    assert!(
        o.notes
            .contains(&"5 bytes of zero padding after the gzip stream".to_string()),
        "{:?}",
        o.notes
    );

    // An initrd: gzip'd cpio, zero padding, then an xz stream the kernel would also unpack.
    let xz_like = [0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2, 3];
    let mut t = gz.clone();
    t.extend_from_slice(&[0; 3]);
    t.extend_from_slice(&xz_like);
    let o = open(&t, "initrd");
    assert_eq!(content(&o), b"payload");
    let at = gz.len() + 3;
    assert_eq!(o.members.len(), 2);
    assert_eq!(o.members[1].name, format!("trailing@{at:#x}"));
    assert_eq!(o.members[1].kind, EntryKind::Section);
    assert_eq!(o.members[1].size, xz_like.len() as u64);
    match &o.members[1].data {
        Some(Data::Blob(b)) => assert_eq!(&b[..], &xz_like),
        other => panic!("{other:?}"),
    }
}

/// fixtures/gzip/two-members.gz, made by fixtures/gzip/make.sh with GNU gzip.
#[test]
fn fixture_two_members() {
    let o = open(include_bytes!("fixtures/gzip/two-members.gz"), "two-members.gz");
    assert_eq!(o.members.len(), 1);
    assert_eq!(o.members[0].name, "two-members");
    assert_eq!(content(&o), b"hello, world\n");
    assert_eq!(field(&o, "members"), Some(&Value::Int(2)));
    assert_eq!(field(&o, "name"), Some(&Value::Text("hello.txt".into())));
    assert_eq!(field(&o, "mtime"), Some(&Value::Time(1_700_000_000)));
    assert_eq!(field(&o, "member1.mtime"), Some(&Value::Time(0)));
    assert_eq!(field(&o, "member1.xfl"), Some(&Value::Int(2)));
    assert_eq!(field(&o, "member1.offset"), Some(&Value::Offset(0x25)));
    assert!(o
        .notes
        .contains(&"3 bytes of zero padding after the gzip stream".to_string()));
}
