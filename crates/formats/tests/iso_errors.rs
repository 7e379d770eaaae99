//! Bad ISO 9660 input: each kind gets a clear error naming what and where, and nothing panics.
//! The images are made by genisoimage (Debian package `genisoimage`) and then damaged; the
//! depth test also needs `xorriso`.

mod common;

use std::path::Path;
use std::process::Command;

use reproscope_formats::iso9660::Iso9660;
use reproscope_formats::{EntryKind, Limits, Opened, Value};

fn run(cmd: &str, dir: &Path) {
    let out = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"));
    assert!(
        out.status.success(),
        "`{cmd}` failed (are the Debian packages genisoimage and xorriso installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every format's identification, then open, then a load of every member (see common).
fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Iso9660, bytes, "x.iso", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

/// A small Rock Ridge + Joliet + El Torito image with a directory relocated for depth and a
/// directory of more than one sector.
fn fixture() -> Vec<u8> {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    let w = |rel: &str, data: &[u8]| {
        let p = tree.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    w("hello.txt", b"hello, world\n");
    w("sub/data.bin", &(0..=255u8).cycle().take(3000).collect::<Vec<_>>());
    w("sub/x.txt", b"x\n");
    for i in 0..40 {
        w(&format!("many/f{i:02}"), format!("{i}\n").as_bytes());
    }
    w("d1/d2/d3/d4/d5/d6/d7/d8/d9/leaf", b"leaf\n");
    w("boot.img", &[0xeb; 2048]);
    run(
        "genisoimage -quiet -no-pad -R -J -b boot.img -no-emul-boot -c boot.cat -o e.iso tree",
        t.path(),
    );
    let img = std::fs::read(t.path().join("e.iso")).unwrap();
    let o = open(&img).expect("the undamaged fixture opens");
    assert!(o.members.iter().any(|m| m.name == "d1/d2/d3/d4/d5/d6/d7/d8/d9/leaf"));
    img
}

const PVD: usize = 0x8000;

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn set_both32(img: &mut [u8], at: usize, v: u32) {
    img[at..at + 4].copy_from_slice(&v.to_le_bytes());
    img[at + 4..at + 8].copy_from_slice(&v.to_be_bytes());
}

/// Offset of the descriptor of type `t`.
fn descriptor(img: &[u8], t: u8) -> usize {
    (16..64)
        .map(|s| s * 2048)
        .find(|&at| img[at] == t && &img[at + 1..at + 6] == b"CD001")
        .unwrap()
}

/// Records (identifier, offset) of the directory whose record is at `rec` ("." and ".." too).
fn records(img: &[u8], rec: usize) -> Vec<(Vec<u8>, usize)> {
    let (lba, len) = (le32(img, rec + 2) as usize, le32(img, rec + 10) as usize);
    let mut out = Vec::new();
    let mut pos = lba * 2048;
    while pos < lba * 2048 + len {
        let l = img[pos] as usize;
        if l == 0 {
            pos = (pos / 2048 + 1) * 2048;
            continue;
        }
        out.push((img[pos + 33..pos + 33 + img[pos + 32] as usize].to_vec(), pos));
        pos += l;
    }
    out
}

/// The record of an ISO 9660 path ("SUB/X.TXT;1") in the primary tree.
fn record(img: &[u8], path: &str) -> usize {
    let mut rec = PVD + 156;
    for part in path.split('/') {
        rec = records(img, rec)
            .into_iter()
            .find(|(id, _)| id == part.as_bytes())
            .unwrap_or_else(|| panic!("no record {part}"))
            .1;
    }
    rec
}

/// Offset of the SUSP entry `sig` in the system use area of the record at `rec`.
fn find_susp(img: &[u8], rec: usize, sig: &[u8; 2]) -> Option<usize> {
    let (len, len_fi) = (img[rec] as usize, img[rec + 32] as usize);
    let mut pos = rec + 33 + len_fi + usize::from(len_fi % 2 == 0);
    while pos + 4 <= rec + len && img[pos + 2] >= 4 {
        if &img[pos..pos + 2] == sig {
            return Some(pos);
        }
        pos += img[pos + 2] as usize;
    }
    None
}

fn susp(img: &[u8], rec: usize, sig: &[u8; 2]) -> usize {
    find_susp(img, rec, sig).unwrap_or_else(|| panic!("no {} entry", String::from_utf8_lossy(sig)))
}

#[test]
fn descriptor_set_without_terminator() {
    let img = fixture();
    assert_eq!(
        open(&img[..PVD + 2048]).unwrap_err(),
        "iso9660: volume descriptor set ends at offset 0x8800 without a terminator (image is 34816 bytes)"
    );
    assert_eq!(
        open(&img[..1000]).unwrap_err(),
        "iso9660: volume descriptor set ends at offset 0x8000 without a terminator (image is 1000 bytes)"
    );
}

#[test]
fn descriptor_without_cd001() {
    let mut img = fixture();
    img[0x8802..0x8804].copy_from_slice(b"X9");
    assert_eq!(
        open(&img).unwrap_err(),
        "iso9660: volume descriptor at offset 0x8800: identifier \"CX901\" (expected CD001)"
    );
}

#[test]
fn no_primary_descriptor() {
    let mut img = fixture();
    let end = descriptor(&img, 255);
    img[PVD] = 3;
    assert_eq!(
        open(&img).unwrap_err(),
        format!("iso9660: no primary volume descriptor before the terminator at offset {end:#x}")
    );
}

#[test]
fn bad_logical_block_size() {
    let mut img = fixture();
    img[PVD + 128..PVD + 130].copy_from_slice(&3u16.to_le_bytes());
    assert_eq!(
        open(&img).unwrap_err(),
        "iso9660: primary volume descriptor at offset 0x8000: logical block size 3 (expected 512, 1024 or 2048)"
    );
}

#[test]
fn root_record_length() {
    let mut img = fixture();
    img[PVD + 156] = 40;
    assert_eq!(
        open(&img).unwrap_err(),
        "iso9660: primary volume descriptor at offset 0x8000: root directory record length 40 (expected 34)"
    );
}

#[test]
fn root_extent_past_the_end() {
    let mut img = fixture();
    set_both32(&mut img, PVD + 156 + 2, 0x10_0000);
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: root directory extent at offset 0x80000000 (2048 bytes) goes past the end of the image ({} bytes)",
            img.len()
        )
    );
}

#[test]
fn directory_record_too_short() {
    let mut img = fixture();
    let sub = record(&img, "SUB");
    let at = records(&img, sub)[2].1;
    img[at] = 3;
    assert_eq!(
        open(&img).unwrap_err(),
        format!("iso9660: directory record at offset {at:#x} (in /sub): length 3 too short")
    );
}

#[test]
fn directory_record_past_its_extent() {
    let mut img = fixture();
    let sub = record(&img, "SUB");
    let dot = records(&img, sub)[0].1;
    // The parent says the directory is 40 bytes long; its "." record alone is longer.
    set_both32(&mut img, sub + 10, 40);
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: directory record at offset {dot:#x} (in /sub): length {} runs past the end of the directory extent at {:#x}",
            img[dot],
            dot + 40
        )
    );
}

#[test]
fn directory_record_across_a_sector() {
    let mut img = fixture();
    let many = record(&img, "MANY");
    let recs = records(&img, many);
    // The last record of the first sector, stretched over the boundary.
    let at = recs
        .iter()
        .map(|r| r.1)
        .filter(|&a| a % 2048 != 0)
        .take_while(|&a| a / 2048 == recs[0].1 / 2048)
        .last()
        .unwrap();
    let boundary = (at / 2048 + 1) * 2048;
    let len = boundary - at + 10;
    assert!((34..=255).contains(&len), "{len}");
    img[at] = len as u8;
    assert_eq!(
        open(&img).unwrap_err(),
        format!("iso9660: directory record at offset {at:#x} (in /many): length {len} crosses the sector boundary at {boundary:#x}")
    );
}

#[test]
fn identifier_longer_than_its_record() {
    let mut img = fixture();
    let at = record(&img, "HELLO.TXT;1");
    img[at + 32] = 250;
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: directory record at offset {at:#x} (in /): identifier length 250 does not fit in record length {}",
            img[at]
        )
    );
}

#[test]
fn file_extent_past_the_end() {
    let mut img = fixture();
    let at = record(&img, "SUB/DATA.BIN;1");
    set_both32(&mut img, at + 2, 0x7f_ffff);
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: file /sub/data.bin extent at offset {:#x} (3000 bytes) goes past the end of the image ({} bytes)",
            0x7f_ffffu64 * 2048,
            img.len()
        )
    );
    // A truncated image fails the same way at the first file that is cut off.
    let img = fixture();
    let o = open(&img).unwrap();
    let last = o
        .members
        .iter()
        .filter(|m| m.kind == EntryKind::File && m.size > 0)
        .max_by_key(|m| match m.field("offset") {
            Some(Value::Offset(o)) => *o,
            _ => 0,
        })
        .unwrap();
    let Some(Value::Offset(off)) = last.field("offset") else {
        panic!()
    };
    let cut = &img[..*off as usize + 1];
    assert_eq!(
        open(cut).unwrap_err(),
        format!(
            "iso9660: file /{} extent at offset {off:#x} ({} bytes) goes past the end of the image ({} bytes)",
            last.name,
            last.size,
            cut.len()
        )
    );
}

#[test]
fn directory_loop() {
    let mut img = fixture();
    let root_lba = le32(&img, PVD + 156 + 2);
    let at = record(&img, "SUB");
    set_both32(&mut img, at + 2, root_lba);
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: directory loop: /sub (extent at offset {:#x}) was already read as /",
            root_lba as usize * 2048
        )
    );
}

#[test]
fn directories_nested_too_deep() {
    let t = tempfile::tempdir().unwrap();
    let deep = "d/".repeat(1030);
    std::fs::create_dir_all(t.path().join("tree").join(&deep)).unwrap();
    run("xorriso -as mkisofs -quiet -R -o deep.iso tree 2>/dev/null", t.path());
    let img = std::fs::read(t.path().join("deep.iso")).unwrap();
    let e = open(&img).unwrap_err();
    // The directory at depth 1025 is refused; its 2049-byte path is shown with the middle elided.
    let path = format!("{}d", "d/".repeat(1024));
    let want = format!(
        "iso9660: directory /{}...{} (2049 bytes) is nested deeper than 1024 levels",
        &path[..120],
        &path[path.len() - 120..]
    );
    assert_eq!(e, want);
}

#[test]
fn system_use_entry_past_its_area() {
    let mut img = fixture();
    let at = record(&img, "HELLO.TXT;1");
    let px = susp(&img, at, b"PX");
    img[px + 2] = 250;
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: system use entry \"PX\" at offset {px:#x} (in /): length 250 runs past the end of its area at {:#x}",
            at + img[at] as usize
        )
    );
    img[px + 2] = 2;
    assert_eq!(
        open(&img).unwrap_err(),
        format!("iso9660: system use entry \"PX\" at offset {px:#x} (in /): length 2 too short")
    );
}

#[test]
fn continuation_area_past_the_end() {
    let mut img = fixture();
    // genisoimage puts the ER entry of the root's "." record in a continuation area.
    let dot = records(&img, PVD + 156)[0].1;
    let ce = susp(&img, dot, b"CE");
    set_both32(&mut img, ce + 4, 0x7f_ffff);
    let len = le32(&img, ce + 20);
    let off = le32(&img, ce + 12) as u64;
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: system use entry \"CE\" at offset {ce:#x} (in /): continuation area at offset {:#x} ({len} bytes) goes past the end of the image ({} bytes)",
            0x7f_ffffu64 * 2048 + off,
            img.len()
        )
    );
}

#[test]
fn rock_ridge_name_with_a_slash() {
    let mut img = fixture();
    let at = record(&img, "HELLO.TXT;1");
    let nm = susp(&img, at, b"NM");
    assert_eq!(&img[nm + 5..nm + 14], b"hello.txt");
    img[nm + 7] = b'/';
    assert_eq!(
        open(&img).unwrap_err(),
        format!("iso9660: directory record at offset {at:#x} (in /): name \"he/lo.txt\" is not a valid file name")
    );
}

#[test]
fn relocated_directory_link_to_nowhere() {
    let mut img = fixture();
    let at = record(&img, "D1/D2/D3/D4/D5/D6/D7/D8");
    let cl = susp(&img, at, b"CL");
    set_both32(&mut img, cl + 4, 0x7f_ffff);
    assert_eq!(
        open(&img).unwrap_err(),
        "iso9660: Rock Ridge CL of /d1/d2/d3/d4/d5/d6/d7/d8 points at block 8388607, which does not start with a \".\" directory record"
    );
}

#[test]
fn multi_extent_without_its_final_record() {
    let mut img = fixture();
    let sub = record(&img, "SUB");
    let (_, at) = records(&img, sub).pop().unwrap();
    img[at + 25] |= 0x80;
    assert_eq!(
        open(&img).unwrap_err(),
        format!(
            "iso9660: directory record at offset {at:#x} (in /sub): multi-extent file \"X.TXT;1\" has no final extent"
        )
    );
}

#[test]
fn el_torito_catalog_damage() {
    let img = fixture();
    let br = descriptor(&img, 0);
    let cat = le32(&img, br + 71) as usize * 2048;
    let mut bad = img.clone();
    bad[cat + 4] = bad[cat + 4].wrapping_add(1);
    assert_eq!(
        open(&bad).unwrap_err(),
        format!("iso9660: El Torito boot catalog at offset {cat:#x}: validation entry checksum does not sum to zero (0x0001)")
    );
    let mut bad = img.clone();
    bad[cat + 31] = 0xab;
    assert_eq!(
        open(&bad).unwrap_err(),
        format!(
            "iso9660: El Torito boot catalog at offset {cat:#x}: validation entry key bytes 55 ab (expected 55 aa)"
        )
    );
    let mut bad = img.clone();
    bad[cat] = 7;
    assert_eq!(
        open(&bad).unwrap_err(),
        format!("iso9660: El Torito boot catalog at offset {cat:#x}: validation entry header id 0x07 (expected 0x01)")
    );
    let mut bad = img.clone();
    bad[br + 71..br + 75].copy_from_slice(&0x7f_ffffu32.to_le_bytes());
    assert_eq!(
        open(&bad).unwrap_err(),
        format!(
            "iso9660: El Torito boot catalog at offset {:#x}: past the end of the image ({} bytes)",
            0x7f_ffffu64 * 2048,
            img.len()
        )
    );
    // The default entry's image: 4 sectors of 512 bytes once it no longer matches boot.img.
    let mut bad = img.clone();
    bad[cat + 32 + 8..cat + 32 + 12].copy_from_slice(&0x7f_ffffu32.to_le_bytes());
    let sectors = u16::from_le_bytes([bad[cat + 38], bad[cat + 39]]);
    assert_eq!(
        open(&bad).unwrap_err(),
        format!(
            "iso9660: El Torito boot image 1 at offset {:#x} ({} bytes) goes past the end of the image ({} bytes)",
            0x7f_ffffu64 * 2048,
            u64::from(sectors) * 512,
            img.len()
        )
    );
}

#[test]
fn member_limit() {
    let img = fixture();
    let few = Limits {
        max_members: 3,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&img, &few).unwrap_err(),
        "iso9660: directory / has more than 3 records (limit)"
    );
    let n = open(&img).unwrap().members.len();
    let limits = Limits {
        max_members: n - 1,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&img, &limits).unwrap_err(),
        format!("iso9660: more than {} entries (limit)", n - 1)
    );
    assert!(open_with(
        &img,
        &Limits {
            max_members: n,
            ..Limits::default()
        }
    )
    .is_ok());
}

/// The bytes the reader interprets: descriptor headers and fields, every directory extent of
/// both trees (as far as records go), the root's SUSP continuation area and the boot catalog.
fn interpreted_ranges(img: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut roots = Vec::new();
    let mut at = PVD;
    loop {
        match img[at] {
            0 => {
                out.push(at..at + 0x50);
                let cat = le32(img, at + 71) as usize * 2048;
                out.push(cat..cat + 128);
            }
            1 | 2 => {
                out.push(at..at + 0x380);
                roots.push(at + 156);
            }
            _ => {
                out.push(at..at + 7);
                break;
            }
        }
        at += 2048;
    }
    let dot = records(img, PVD + 156)[0].1;
    if let Some(ce) = find_susp(img, dot, b"CE") {
        let area = le32(img, ce + 4) as usize * 2048 + le32(img, ce + 12) as usize;
        out.push(area..area + le32(img, ce + 20) as usize);
    }
    // Every directory of both trees, walked over the raw records.
    let mut dirs = roots;
    while let Some(rec) = dirs.pop() {
        let recs = records(img, rec);
        let start = recs[0].1;
        let (_, last) = recs.last().unwrap();
        out.push(start..last + img[*last] as usize);
        for (id, r) in recs.into_iter().skip(2) {
            if img[r + 25] & 2 != 0 && id != [0] && id != [1] {
                dirs.push(r);
            }
        }
    }
    out
}

/// Truncations and byte flips all over the descriptors, directory records, system use areas
/// and boot catalog of a Rock Ridge image and a Joliet one give a result or an error, never a
/// panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let t = tempfile::tempdir().unwrap();
    let tree = t.path().join("tree");
    std::fs::create_dir_all(tree.join("d1/d2/d3/d4/d5/d6/d7/d8/d9")).unwrap();
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("d1/d2/d3/d4/d5/d6/d7/d8/d9/leaf"), b"leaf\n").unwrap();
    std::fs::write(tree.join("sub/x.txt"), b"x\n").unwrap();
    std::fs::write(tree.join("boot.img"), [0xeb; 2048]).unwrap();
    std::os::unix::fs::symlink("../sub/x.txt", tree.join("sub/link")).unwrap();
    run(
        "genisoimage -quiet -no-pad -R -J -b boot.img -no-emul-boot -c boot.cat -o rr.iso tree && \
         genisoimage -quiet -no-pad -J -b boot.img -no-emul-boot -c boot.cat -o j.iso tree",
        t.path(),
    );
    for file in ["rr.iso", "j.iso"] {
        let img = std::fs::read(t.path().join(file)).unwrap();
        assert!(open(&img).is_ok(), "{file}");
        for len in (0..img.len()).step_by(1021).chain([PVD + 1, PVD + 6, PVD + 2047]) {
            let _ = open(&img[..len]);
        }
        let ranges = interpreted_ranges(&img);
        let bytes: usize = ranges.iter().map(|r| r.len()).sum();
        assert!(bytes > 4000, "{file}: {bytes} bytes to damage");
        let mut b = img.clone();
        for r in ranges {
            for i in r {
                for x in [0x01u8, 0x80, 0xff] {
                    b[i] ^= x;
                    let _ = open(&b);
                    b[i] ^= x;
                }
            }
        }
    }
}
