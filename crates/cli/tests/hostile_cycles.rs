//! Hostile cycles and self-references in the formats whose directory trees are references:
//! ISO 9660 (directory records point at extents, Rock Ridge CE areas at further areas) and
//! squashfs (directory inodes point at listings, listing entries at inodes). Each image is made
//! by the real tool, then a few bytes are patched; `diff` (against the unpatched image), `ls`
//! and `extract --recursive` run on it as children with a time limit, their peak RSS read with
//! `wait4`. Every run must end cleanly (never a panic or a signal), say which file and what was
//! wrong where the format refuses, and stay under 300 MB.
//!
//! squashfs images are made with `-noI` (uncompressed inode and directory tables) so that the
//! tables can be patched in place; the reader takes the same path for compressed ones.

mod common;

use std::path::Path;

use common::{check, need, s, sh, write};

/// What a hostile image must make each command do.
enum Expect {
    /// The format refuses: `ls` and `extract` exit 2 and `diff` exits 2, each naming the
    /// hostile file and saying every one of these.
    Refused(&'static [&'static str]),
    /// The patched bytes are in a part the reader does not use: `ls` and `extract` succeed,
    /// `diff` reports the changed bytes (exit 1).
    Unused,
}

/// `diff good bad`, `ls bad` and `extract bad --recursive`, checked against `expect`.
fn all_three(what: &str, dir: &Path, bad: &Path, good: &Path, expect: Expect) {
    let out = dir.join(format!("out-{}", bad.file_name().unwrap().to_string_lossy()));
    let runs = [
        (
            "diff",
            check(&format!("{what} (diff)"), &["diff", s(good), s(bad)], &[1, 2]),
        ),
        ("ls", check(&format!("{what} (ls)"), &["ls", s(bad)], &[0, 2])),
        (
            "extract",
            check(
                &format!("{what} (extract)"),
                &["extract", s(bad), "-o", s(&out), "--recursive"],
                &[0, 1, 2],
            ),
        ),
    ];
    let _ = std::fs::remove_dir_all(&out);
    for (cmd, r) in &runs {
        match &expect {
            Expect::Refused(words) => {
                assert_eq!(r.code, 2, "{what} ({cmd}): exit {}\n{}{}", r.code, r.stdout, r.stderr);
                assert!(r.stderr.contains(s(bad)), "{what} ({cmd}) names the file: {}", r.stderr);
                // ISO 9660 names without Rock Ridge or Joliet are upper case.
                let said = r.stderr.to_lowercase();
                for w in *words {
                    assert!(
                        said.contains(&w.to_lowercase()),
                        "{what} ({cmd}) says {w:?}: {}",
                        r.stderr
                    );
                }
            }
            Expect::Unused => {
                let want = if *cmd == "diff" { 1 } else { 0 };
                assert_eq!(r.code, want, "{what} ({cmd}): {}{}", r.stdout, r.stderr);
            }
        }
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The tree every image is made from: two levels of directories, files in each, and one file
/// big enough to need data blocks besides its fragment tail.
fn make_tree(dir: &Path) {
    sh(
        dir,
        "mkdir -p src/a/b src/c; printf hello > src/a/f; printf world > src/a/b/g; printf tail > src/top; \
         head -c 300000 /dev/zero | tr '\\0' x > src/c/big",
    );
}

// ---------------------------------------------------------------------------------------------
// ISO 9660.

const SECTOR: usize = 2048;

/// Writes a both-byte-order 32-bit number.
fn both32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    b[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// (extent byte offset, length) of the directory record at `at`.
fn iso_extent(img: &[u8], at: usize) -> (usize, usize) {
    (le32(img, at + 2) as usize * SECTOR, le32(img, at + 10) as usize)
}

/// The root directory record of the volume descriptor at `vd` (the PVD at 0x8000, the Joliet
/// SVD after it).
fn iso_root(vd: usize) -> usize {
    vd + 156
}

/// The Joliet supplementary volume descriptor.
fn iso_joliet_vd(img: &[u8]) -> usize {
    (16..32)
        .map(|s| s * SECTOR)
        .find(|&at| img[at] == 2 && img[at + 88..at + 90] == *b"%/")
        .expect("a Joliet volume descriptor")
}

/// The record named `name` (ISO identifier prefix, or Joliet UCS-2 when `joliet`) in the
/// directory whose record is at `dir`.
fn iso_find(img: &[u8], dir: usize, name: &str, joliet: bool) -> usize {
    let (start, len) = iso_extent(img, dir);
    let want: Vec<u8> = if joliet {
        name.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
    } else {
        name.to_ascii_uppercase().into_bytes()
    };
    let mut pos = start;
    while pos < start + len {
        let l = img[pos] as usize;
        if l == 0 {
            pos = (pos / SECTOR + 1) * SECTOR;
            continue;
        }
        let id = &img[pos + 33..pos + 33 + img[pos + 32] as usize];
        let stem = id.split(|&c| c == b';' || c == b'.').next().unwrap();
        let stem = if joliet {
            id.strip_suffix(&[0, b';', 0, b'1']).unwrap_or(id)
        } else {
            stem
        };
        if stem == want {
            return pos;
        }
        pos += l;
    }
    panic!("no record {name} in the directory at {start:#x}");
}

/// Makes `dst`'s extent (location and length) that of `src`.
fn iso_point(img: &mut [u8], dst: usize, src: usize) {
    let (lba, len) = (le32(img, src + 2), le32(img, src + 10));
    both32(img, dst + 2, lba);
    both32(img, dst + 10, len);
}

/// The system use area of the record at `at` (after the padded identifier).
fn iso_su(img: &[u8], at: usize) -> std::ops::Range<usize> {
    let lfi = img[at + 32] as usize;
    at + 33 + lfi + usize::from(lfi.is_multiple_of(2))..at + img[at] as usize
}

#[test]
fn iso9660_cycles_and_lying_extents() {
    need(&["genisoimage", "xorriso"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    make_tree(dir);
    sh(
        dir,
        "genisoimage -quiet -o plain.iso src; genisoimage -quiet -R -o rr.iso src; \
         genisoimage -quiet -J -o j.iso src; genisoimage -quiet -R -J -o rj.iso src; \
         xorriso -as mkisofs -quiet -R -J -o x.iso src 2>/dev/null",
    );
    let pvd = 16 * SECTOR;
    for base in ["plain.iso", "rr.iso", "rj.iso", "x.iso"] {
        let good = dir.join(base);
        let img = std::fs::read(&good).unwrap();
        let root = iso_root(pvd);
        let a = iso_find(&img, root, "a", false);
        let b = iso_find(&img, a, "b", false);
        let top = iso_find(&img, root, "top", false);

        // a's extent is the root's: reading a reads the root again.
        let mut m = img.clone();
        iso_point(&mut m, a, root);
        let bad = write(dir, &format!("loop-root-{base}"), &m);
        all_three("a → root", dir, &bad, &good, Expect::Refused(&["directory loop", "/a"]));

        // a/b's extent is a's, the directory holding b's own record.
        let mut m = img.clone();
        iso_point(&mut m, b, a);
        let bad = write(dir, &format!("loop-self-{base}"), &m);
        all_three(
            "a/b → a",
            dir,
            &bad,
            &good,
            Expect::Refused(&["directory loop", "/a/b"]),
        );

        // a claims 4 GiB.
        let mut m = img.clone();
        both32(&mut m, a + 10, u32::MAX);
        let bad = write(dir, &format!("huge-dir-{base}"), &m);
        all_three(
            "a of 4 GiB",
            dir,
            &bad,
            &good,
            Expect::Refused(&[
                "directory /a extent",
                "4294967295 bytes",
                "goes past the end of the image",
            ]),
        );

        // a's length reaches over a/b's extent, which follows it: a lists a/b's records too, and
        // a/b is read again (nested, such overlaps make the work quadratic).
        let mut m = img.clone();
        let ((a_start, _), (b_start, b_len)) = (iso_extent(&img, a), iso_extent(&img, b));
        assert!(b_start > a_start, "a/b's extent follows a's");
        both32(&mut m, a + 10, (b_start + b_len - a_start) as u32);
        let bad = write(dir, &format!("long-dir-{base}"), &m);
        all_three(
            "a over a/b",
            dir,
            &bad,
            &good,
            Expect::Refused(&["directory /a/b (extent", "overlaps the extent of /a (at offset"]),
        );

        // top's data past the end of the image.
        let mut m = img.clone();
        both32(&mut m, top + 2, 0x7fff_ffff);
        let bad = write(dir, &format!("past-end-{base}"), &m);
        all_three(
            "top past the end",
            dir,
            &bad,
            &good,
            Expect::Refused(&["file /top extent", "goes past the end of the image"]),
        );

        if base == "plain.iso" {
            continue;
        }
        // Rock Ridge: the root's continuation area holds only a CE naming itself.
        let mut m = img.clone();
        let (root_start, _) = iso_extent(&img, root);
        let su = iso_su(&img, root_start);
        let ce = (su.start..su.end - 4)
            .find(|&p| m[p..p + 2] == *b"CE" && m[p + 2] == 28)
            .expect("the root's \".\" record has a continuation area");
        let (lba, off, len) = (le32(&m, ce + 4), le32(&m, ce + 12), le32(&m, ce + 20));
        assert!(len >= 28, "continuation area of {len} bytes");
        let area = lba as usize * SECTOR + off as usize;
        both32(&mut m, ce + 20, 28);
        let entry: Vec<u8> = m[ce..ce + 28].to_vec();
        m[area..area + 28].copy_from_slice(&entry);
        let bad = write(dir, &format!("ce-loop-{base}"), &m);
        all_three(
            "CE loop",
            dir,
            &bad,
            &good,
            Expect::Refused(&["system use of /", "more than 64 continuation areas"]),
        );
    }

    // Joliet: a loop in the Joliet tree. With only Joliet, that tree gives the names and the
    // loop is refused; with Rock Ridge too, the Joliet tree is not read at all.
    for (base, expect) in [
        ("j.iso", Expect::Refused(&["directory loop", "/a", "Joliet"])),
        ("rj.iso", Expect::Unused),
    ] {
        let good = dir.join(base);
        let img = std::fs::read(&good).unwrap();
        let jroot = iso_root(iso_joliet_vd(&img));
        let a = iso_find(&img, jroot, "a", true);
        let b = iso_find(&img, a, "b", true);
        let mut m = img.clone();
        iso_point(&mut m, b, jroot);
        let bad = write(dir, &format!("joliet-loop-{base}"), &m);
        all_three("Joliet a/b → root", dir, &bad, &good, expect);
    }
}

// ---------------------------------------------------------------------------------------------
// squashfs (4.0, little-endian). With -noI every metadata block is stored uncompressed: a
// 2-byte header (0x8000 | length) and the bytes.

struct Sqfs {
    inode_table: usize,
    dir_table: usize,
    root: u64,
}

fn sqfs(img: &[u8]) -> Sqfs {
    assert_eq!(&img[..4], b"hsqs");
    let s = Sqfs {
        root: le64(img, 32),
        inode_table: le64(img, 64) as usize,
        dir_table: le64(img, 72) as usize,
    };
    // One uncompressed metadata block per table keeps the offsets below simple.
    for t in [s.inode_table, s.dir_table] {
        let h = le16(img, t);
        assert!(
            h & 0x8000 != 0 && (h & 0x7fff) < 8192,
            "one uncompressed block at {t:#x}"
        );
    }
    s
}

impl Sqfs {
    /// File offset of the inode at reference `r`.
    fn inode(&self, r: u64) -> usize {
        assert_eq!(r >> 16, 0, "one inode block");
        self.inode_table + 2 + (r & 0xffff) as usize
    }

    /// File offset of a directory inode's (start block, size, offset) fields: (start, size, offset).
    fn dir_fields(&self, img: &[u8], r: u64) -> (usize, usize, usize) {
        let at = self.inode(r);
        match le16(img, at) {
            1 => (at + 16, at + 24, at + 26),
            ty => panic!("inode {r:#x} is of type {ty}, expected a basic directory"),
        }
    }

    /// Entries of the directory whose inode is at `r`: (name, inode reference, file offset of the
    /// entry).
    fn entries(&self, img: &[u8], r: u64) -> Vec<(String, u64, usize)> {
        let (start, size, offset) = self.dir_fields(img, r);
        assert_eq!(le32(img, start), 0, "one directory block");
        let mut p = self.dir_table + 2 + le16(img, offset) as usize;
        let end = p + le16(img, size) as usize - 3;
        let mut out = Vec::new();
        while p < end {
            let (count, block) = (le32(img, p) + 1, le32(img, p + 4));
            p += 12;
            for _ in 0..count {
                let n = le16(img, p + 6) as usize + 1;
                let name = String::from_utf8_lossy(&img[p + 8..p + 8 + n]).into_owned();
                out.push((name, u64::from(block) << 16 | u64::from(le16(img, p)), p));
                p += 8 + n;
            }
        }
        out
    }

    fn child(&self, img: &[u8], r: u64, name: &str) -> (u64, usize) {
        self.entries(img, r)
            .into_iter()
            .find(|e| e.0 == name)
            .map(|e| (e.1, e.2))
            .unwrap_or_else(|| panic!("no entry {name}"))
    }

    /// Makes directory `dst`'s listing (start, offset and size) that of `src`.
    fn point(&self, img: &mut [u8], dst: u64, src: u64) {
        let (s0, z0, o0) = self.dir_fields(img, src);
        let (s1, z1, o1) = self.dir_fields(img, dst);
        let (start, size, offset) = (le32(img, s0), le16(img, z0), le16(img, o0));
        img[s1..s1 + 4].copy_from_slice(&start.to_le_bytes());
        img[z1..z1 + 2].copy_from_slice(&size.to_le_bytes());
        img[o1..o1 + 2].copy_from_slice(&offset.to_le_bytes());
    }
}

#[test]
fn squashfs_cycles_and_lying_inodes() {
    need(&["mksquashfs"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    make_tree(dir);
    sh(dir, "mksquashfs src s.sqfs -comp gzip -noappend -noI -quiet >/dev/null");
    let good = dir.join("s.sqfs");
    let img = std::fs::read(&good).unwrap();
    let q = sqfs(&img);
    let (a, _) = q.child(&img, q.root, "a");
    let (b, b_entry) = q.child(&img, a, "b");
    let (c, _) = q.child(&img, q.root, "c");
    let (top, _) = q.child(&img, q.root, "top");
    let (f, _) = q.child(&img, a, "f");

    // a's listing is the root's.
    let mut m = img.clone();
    q.point(&mut m, a, q.root);
    let bad = write(dir, "loop-root.sqfs", &m);
    all_three(
        "a → root listing",
        dir,
        &bad,
        &good,
        Expect::Refused(&["directory 'a'", "already read", "the root directory"]),
    );

    // a/b's listing is a's, the one holding b's own entry.
    let mut m = img.clone();
    q.point(&mut m, b, a);
    let bad = write(dir, "loop-self.sqfs", &m);
    all_three(
        "a/b → a listing",
        dir,
        &bad,
        &good,
        Expect::Refused(&["directory 'a/b'", "already read", "'a'"]),
    );

    // c's listing is a/b's: no cycle, but the same entries twice.
    let mut m = img.clone();
    q.point(&mut m, c, b);
    let bad = write(dir, "shared.sqfs", &m);
    all_three(
        "c → a/b listing",
        dir,
        &bad,
        &good,
        Expect::Refused(&["directory 'c'", "already read", "'a/b'"]),
    );

    // a's entry "b" names a's own inode.
    let mut m = img.clone();
    assert_eq!(a >> 16, b >> 16, "same inode block");
    m[b_entry..b_entry + 2].copy_from_slice(&((a & 0xffff) as u16).to_le_bytes());
    let bad = write(dir, "entry-parent.sqfs", &m);
    all_three(
        "a/b entry → a inode",
        dir,
        &bad,
        &good,
        Expect::Refused(&["directory 'a': entry", "directory loop", "'a'"]),
    );

    // top's fragment index past the fragment table (basic file inode: fragment at +20).
    let mut m = img.clone();
    let at = q.inode(top);
    assert_eq!(le16(&m, at), 2, "basic file inode");
    assert_ne!(le32(&m, at + 20), u32::MAX, "top ends in a fragment");
    m[at + 20..at + 24].copy_from_slice(&1000u32.to_le_bytes());
    let bad = write(dir, "fragment.sqfs", &m);
    all_three(
        "fragment 1000",
        dir,
        &bad,
        &good,
        Expect::Refused(&["'top'", "fragment 1000 is past the fragment table"]),
    );

    // a/f claims 4 GiB - 1 (size at +28) with no blocks stored: its block list would be 32767
    // words read from the inodes after it.
    let mut m = img.clone();
    let at = q.inode(f);
    assert_eq!(le16(&m, at), 2, "basic file inode");
    m[at + 28..at + 32].copy_from_slice(&u32::MAX.to_le_bytes());
    let bad = write(dir, "huge-file.sqfs", &m);
    all_three(
        "a/f of 4 GiB",
        dir,
        &bad,
        &good,
        Expect::Refused(&["'f'", "block list of 32767 blocks"]),
    );
}
