//! Bad zip input: clear errors, notes for what readers disagree on, limits, and no panics.
//! Archives are made by Info-ZIP `zip` (Debian package `zip`) and Python's `zipfile`
//! (python3), then damaged.

use std::path::Path;

mod common;

use reproscope_formats::zip::Zip;
use reproscope_formats::{Data, EntryKind, Limits, Opened};

fn sh(cmd: &str, dir: &Path) {
    common::run_sh(cmd, dir, b"", "zip and python3");
}

/// `zip -X` (no extra fields) of hi.txt (stored: too small to deflate) and data.bin (deflated).
fn base() -> Vec<u8> {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("hi.txt"), "hi\n").unwrap();
    std::fs::write(t.path().join("data.bin"), common::counting()).unwrap();
    sh("zip -q -X a.zip hi.txt data.bin", t.path());
    std::fs::read(t.path().join("a.zip")).unwrap()
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Zip, bytes, "a.zip", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Offsets of the end record and of each central directory entry (archives without comment).
struct Layout {
    eocd: usize,
    cd: Vec<usize>,
}

impl Layout {
    fn of(z: &[u8]) -> Layout {
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], b"PK\x05\x06");
        let mut p = u32_at(z, eocd + 16);
        let mut cd = Vec::new();
        while &z[p..p + 4] == b"PK\x01\x02" {
            cd.push(p);
            let var = u16::from_le_bytes([z[p + 28], z[p + 29]]) as usize
                + u16::from_le_bytes([z[p + 30], z[p + 31]]) as usize
                + u16::from_le_bytes([z[p + 32], z[p + 33]]) as usize;
            p += 46 + var;
        }
        Layout { eocd, cd }
    }

    fn local(&self, z: &[u8], i: usize) -> usize {
        u32_at(z, self.cd[i] + 42)
    }
}

#[test]
fn no_end_record() {
    let z = base();
    assert_eq!(
        open(&z[..z.len() - 10]).unwrap_err(),
        "zip: no end of central directory record in the last 65557 bytes"
    );
    assert_eq!(
        open(b"PK\x03\x04").unwrap_err(),
        "zip: no end of central directory record (the file has only 4 bytes)"
    );
}

#[test]
fn central_directory_out_of_bounds_or_damaged() {
    let z = base();
    let l = Layout::of(&z);
    let mut b = z.clone();
    put32(&mut b, l.eocd + 16, 0x00ff_0000);
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "zip: the central directory (offset 0xff0000, {} bytes) runs past its end record at offset {:#x}",
            u32_at(&z, l.eocd + 12),
            l.eocd
        )
    );
    let mut b = z.clone();
    b[l.cd[1]] = b'X';
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "zip: no central directory entry 1 at offset {:#x} (bad signature)",
            l.cd[1]
        )
    );
    let mut b = z.clone();
    b[l.eocd + 4] = 1;
    assert_eq!(
        open(&b).unwrap_err(),
        "zip: multi-disk (split or spanned) archives are not supported (disk 1, central directory on disk 0)"
    );
}

#[test]
fn local_header_missing_or_data_past_the_end() {
    let z = base();
    let l = Layout::of(&z);
    let mut b = z.clone();
    put32(&mut b, l.cd[0] + 42, 1);
    assert_eq!(
        open(&b).unwrap_err(),
        "zip entry 'hi.txt': no local header at offset 0x1"
    );
    let mut b = z.clone();
    put32(&mut b, l.cd[1] + 20, 0x7fff_ffff);
    let data_at = l.local(&z, 1) + 30 + "data.bin".len();
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "zip entry 'data.bin': its 2147483647 bytes of data at offset {data_at:#x} run past the end of the archive"
        )
    );
}

#[test]
fn crc_and_size_mismatch() {
    let z = base();
    let l = Layout::of(&z);
    let mut b = z.clone();
    let data_at = l.local(&z, 0) + 30 + "hi.txt".len();
    b[data_at] = b'H';
    let e = open(&b).unwrap_err();
    assert!(e.starts_with("zip entry 'hi.txt': CRC mismatch (stored 0x"), "{e}");
    let mut b = z.clone();
    put32(&mut b, l.cd[0] + 24, 4);
    assert_eq!(
        open(&b).unwrap_err(),
        "zip entry 'hi.txt': size mismatch (central directory 4, decompressed 3 bytes)"
    );
}

#[test]
fn bad_or_truncated_deflate_data() {
    let z = base();
    let l = Layout::of(&z);
    let data_at = l.local(&z, 1) + 30 + "data.bin".len();
    let mut b = z.clone();
    b[data_at] = 0xff; // BTYPE 11 is reserved.
    let e = open(&b).unwrap_err();
    assert!(
        e.starts_with(&format!(
            "zip entry 'data.bin': invalid deflate data near offset {:#x}: ",
            data_at + 1
        )),
        "{e}"
    );
    // Half the compressed size, in both headers: the deflate stream stops early.
    let mut b = z.clone();
    let half = (u32_at(&z, l.cd[1] + 20) / 2) as u32;
    put32(&mut b, l.cd[1] + 20, half);
    put32(&mut b, l.local(&z, 1) + 18, half);
    assert_eq!(
        open(&b).unwrap_err(),
        "zip entry 'data.bin': the deflate data ends before its last block"
    );
}

#[test]
fn local_and_central_headers_disagree() {
    let z = base();
    let l = Layout::of(&z);
    let mut b = z.clone();
    let local = l.local(&z, 0);
    b[local + 31] = b'o'; // hi.txt → ho.txt in the local header only
    put32(&mut b, local + 14, 0x1234_5678);
    let o = open(&b).unwrap();
    assert_eq!(o.members[0].name, "hi.txt");
    let crc = u32_at(&z, l.cd[0] + 16);
    for n in [
        "zip entry 'hi.txt': the local header says name 'ho.txt', the central directory 'hi.txt'".to_string(),
        format!("zip entry 'hi.txt': the local header says CRC-32 12345678, the central directory {crc:08x}"),
    ] {
        assert!(o.notes.contains(&n), "{n} not in {:?}", o.notes);
    }
}

#[test]
fn unsupported_method_is_a_note() {
    let z = base();
    let l = Layout::of(&z);
    let mut b = z.clone();
    b[l.cd[1] + 10] = 9;
    b[l.local(&z, 1) + 8] = 9;
    let o = open(&b).unwrap();
    assert!(o.members[1].data.is_none());
    assert!(o.notes.contains(
        &"zip entry 'data.bin': compression method deflate64 is not supported: its content is not compared (its CRC-32 and sizes are)"
            .to_string()
    ));
}

#[test]
fn duplicate_entries_overlap() {
    // A second central directory entry for the same local header: two names, one data.
    let z = base();
    let l = Layout::of(&z);
    let first = z[l.cd[0]..l.cd[1]].to_vec();
    let mut b = z[..l.eocd].to_vec();
    b.extend_from_slice(&first);
    let mut end = z[l.eocd..].to_vec();
    end[8] += 1;
    end[10] += 1;
    put32(&mut end, 12, (u32_at(&z, l.eocd + 12) + first.len()) as u32);
    b.extend_from_slice(&end);
    let o = open(&b).unwrap();
    assert_eq!(o.members.len(), 3);
    for n in [
        "zip entry 2: name 'hi.txt' occurs more than once",
        "zip entries 'hi.txt' and 'hi.txt' overlap (a zip bomb or a damaged archive)",
        "the entries' data is not in central directory order",
    ] {
        assert!(o.notes.contains(&n.to_string()), "{n} not in {:?}", o.notes);
    }
}

#[test]
fn bytes_before_the_central_directory_become_a_member() {
    let z = base();
    let l = Layout::of(&z);
    let cd = u32_at(&z, l.eocd + 16);
    let mut b = z[..cd].to_vec();
    b.extend_from_slice(b"APK Sig Block 42");
    b.extend_from_slice(&z[cd..]);
    let eocd = b.len() - 22;
    put32(&mut b, eocd + 16, (cd + 16) as u32);
    let o = open(&b).unwrap();
    let gap = o.members.last().unwrap();
    assert_eq!(gap.name, format!("gap@{cd:#x}"));
    assert_eq!(gap.kind, EntryKind::Section);
    match &gap.data {
        Some(Data::Blob(d)) => assert_eq!(&d[..], b"APK Sig Block 42"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn limits() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("zeros"), vec![0u8; 8 << 20]).unwrap();
    std::fs::write(t.path().join("more"), vec![0u8; 600 << 10]).unwrap();
    sh(
        "zip -q -X big.zip zeros && cp more more2 && zip -q -X two.zip more more2",
        t.path(),
    );
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let big = std::fs::read(t.path().join("big.zip")).unwrap();
    assert!(big.len() < 20_000);
    assert_eq!(
        open_with(&big, &small).unwrap_err(),
        "zip entry 'zeros': decompressed size exceeds limit of 1048576 bytes"
    );
    // The limit is per entry: entries are decoded one at a time, when compared.
    let two = std::fs::read(t.path().join("two.zip")).unwrap();
    let opened = open_with(&two, &small).unwrap();
    assert_eq!(opened.members.len(), 2);
    let one = Limits {
        max_members: 1,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&two, &one).unwrap_err(),
        "zip: 2 entries, more than the limit of 1"
    );
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("hi.txt"), "hi\n").unwrap();
    std::fs::write(t.path().join("text"), "some text ".repeat(30)).unwrap();
    std::fs::create_dir(t.path().join("d")).unwrap();
    std::os::unix::fs::symlink("hi.txt", t.path().join("link")).unwrap();
    sh(
        "zip -q -y -r a.zip hi.txt text d link && python3 -c \"
import zipfile
with zipfile.ZipFile('b.zip', 'w') as z:
    z.writestr('b', 'bzip2 ' * 20, zipfile.ZIP_BZIP2)
    z.writestr('l', 'lzma ' * 20, zipfile.ZIP_LZMA)
    z.comment = b'c'
\"",
        t.path(),
    );
    let small = Limits {
        max_decompressed: 1 << 20,
        max_members: 1000,
        ..Limits::default()
    };
    for f in ["a.zip", "b.zip"] {
        let v = std::fs::read(t.path().join(f)).unwrap();
        open_with(&v, &small).unwrap();
        common::no_panic_on_damage(&Zip, &v, "a.zip", &small);
    }
}
