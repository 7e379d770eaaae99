//! Bad input: every case gives a clear error naming the file and the nested path, exit 2,
//! never a panic; extraction never writes outside its directory.

mod common;

use common::{run, s, write};
use reproscope::sample::{app_ramdisk, bootstrap_ramdisk, build_eif, filler, Variant, CMDLINE};
use reproscope_formats::cpio::{write_newc, WriteEntry};
use reproscope_formats::eif::{write as write_eif, EifSpec};
use reproscope_formats::gzip::compress;

fn eif_with_ramdisk1(r1: &[u8]) -> Vec<u8> {
    let kernel = filler(4096, 42);
    let r0 = bootstrap_ramdisk();
    write_eif(&EifSpec {
        kernel: &kernel,
        cmdline: CMDLINE,
        ramdisks: vec![&r0, r1],
        metadata: None,
        arch_arm64: false,
    })
}

fn entries() -> Vec<WriteEntry> {
    let f = |name: &str, data: &[u8]| WriteEntry {
        name: name.into(),
        mode: 0o100644,
        mtime: 1_704_067_200,
        data: data.to_vec(),
        ..Default::default()
    };
    vec![
        f("etc/hostname", b"enclave\n"),
        f("etc/app.conf", b"workers = 4\n"),
        f("bin/app", &filler(3000, 5)),
    ]
}

/// `diff good bad` and `ls bad` must both fail with exit 2 and a message with all of `needles`.
fn assert_error(bad: &[u8], needles: &[&str]) {
    assert_error_against(&eif_with_ramdisk1(&compress(&write_newc(&entries()), 6)), bad, needles)
}

fn assert_error_against(good: &[u8], bad: &[u8], needles: &[&str]) {
    let t = tempfile::tempdir().unwrap();
    let good = write(t.path(), "good.eif", good);
    let bad = write(t.path(), "bad.eif", bad);
    for args in [vec!["diff", s(&good), s(&bad)], vec!["ls", s(&bad)]] {
        let o = run(&args);
        assert_eq!(
            o.code, 2,
            "{args:?}: exit {}\nstdout: {}\nstderr: {}",
            o.code, o.stdout, o.stderr
        );
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        for n in needles.iter().chain([&"bad.eif"]) {
            assert!(o.stderr.contains(n), "{args:?}: {n:?} missing from: {}", o.stderr);
        }
    }
}

#[test]
fn truncated_eif() {
    let img = build_eif(&Variant::default());
    assert_error(&img[..300], &["truncated"]);
    assert_error(&img[..img.len() - 100], &["past"]);
}

#[test]
fn wrong_eif_crc() {
    let mut img = build_eif(&Variant::default());
    let at = img.len() / 2;
    img[at] ^= 1;
    assert_error(&img, &["CRC"]);
}

#[test]
fn eif_section_offset_past_the_end() {
    let mut img = build_eif(&Variant::default());
    // section_offsets[3] (ramdisk0 or later) at byte 32 + 3*8 of the header, big-endian.
    img[32 + 3 * 8..32 + 4 * 8].copy_from_slice(&(1u64 << 40).to_be_bytes());
    assert_error(&img, &["offset"]);
}

#[test]
fn wrong_magic_when_an_eif_is_expected() {
    let t = tempfile::tempdir().unwrap();
    let mut img = build_eif(&Variant::default());
    img[1] = b'x';
    let p = write(t.path(), "image.eif", &img);
    let o = run(&["measure", s(&p)]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(
        o.stderr.contains("image.eif") && o.stderr.contains("magic"),
        "{}",
        o.stderr
    );
    let o = run(&["verify", s(&p), "--expect", "PCR0=00"]);
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stderr.contains("magic"), "{}", o.stderr);
}

#[test]
fn cpio_bad_magic_in_second_entry() {
    let mut cpio = write_newc(&entries());
    let second = cpio.windows(6).skip(1).position(|w| w == b"070701").unwrap() + 1;
    cpio[second + 4] = b'X';
    assert_error(&eif_with_ramdisk1(&compress(&cpio, 6)), &["ramdisk1", "bad magic"]);
}

#[test]
fn cpio_bad_magic_behind_an_early_cpio() {
    let good = app_ramdisk(&Variant::default());
    // The sample's ramdisk is an early cpio then a gzip'd one: corrupt the second archive.
    let start = good.windows(3).position(|w| w == [0x1f, 0x8b, 8]).unwrap();
    let mut cpio = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&good[start..]), &mut cpio).unwrap();
    let second = cpio.windows(6).skip(1).position(|w| w == b"070701").unwrap() + 1;
    cpio[second] = b'1';
    let mut bad = good[..start].to_vec();
    bad.extend(compress(&cpio, 6));
    assert_error_against(
        &eif_with_ramdisk1(&good),
        &eif_with_ramdisk1(&bad),
        &["ramdisk1 → part2", "bad magic"],
    );
}

#[test]
fn cpio_truncated_member() {
    let cpio = write_newc(&entries());
    let cut = cpio.windows(7).position(|w| w == b"bin/app").unwrap() + 400;
    assert_error(
        &eif_with_ramdisk1(&compress(&cpio[..cut], 6)),
        &["ramdisk1", "truncated"],
    );
}

#[test]
fn cpio_name_without_nul() {
    let mut cpio = write_newc(&entries());
    let at = cpio.windows(12).position(|w| w == b"etc/app.conf").unwrap() + 12;
    assert_eq!(cpio[at], 0);
    cpio[at] = b'X';
    assert_error(&eif_with_ramdisk1(&compress(&cpio, 6)), &["ramdisk1", "NUL"]);
}

#[test]
fn gzip_bad_crc() {
    let mut gz = compress(&write_newc(&entries()), 6);
    let n = gz.len();
    gz[n - 8] ^= 0xff; // CRC32 in the trailer
    assert_error(&eif_with_ramdisk1(&gz), &["ramdisk1", "gzip", "CRC"]);
}

#[test]
fn gzip_truncated() {
    let gz = compress(&write_newc(&entries()), 6);
    assert_error(
        &eif_with_ramdisk1(&gz[..gz.len() / 2]),
        &["ramdisk1", "gzip", "truncated"],
    );
}

#[test]
fn extraction_refuses_escapes_and_devices() {
    let t = tempfile::tempdir().unwrap();
    let e = |name: &str, mode: u32, data: &[u8]| WriteEntry {
        name: name.into(),
        mode,
        data: data.to_vec(),
        rdev: (1, 3),
        ..Default::default()
    };
    let cpio = write_newc(&[
        e("ok.txt", 0o100644, b"fine\n"),
        e("../evil.txt", 0o100644, b"escaped\n"),
        e("sub/../../evil2.txt", 0o100644, b"escaped\n"),
        e("link-out", 0o120777, b"/etc"),
        e("link-up", 0o120777, b"../../outside"),
        e("link-in", 0o120777, b"ok.txt"),
        e("null", 0o020666, b""),
    ]);
    let archive = write(t.path(), "evil.cpio", &cpio);
    let out = t.path().join("nested/out");
    let o = run(&["extract", s(&archive), "-o", s(&out)]);
    // Skipped entries are listed and make the exit status 1; link targets are kept verbatim
    // (following them is what extraction refuses; see tests/extract.rs).
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    for why in ["../evil.txt", "evil2.txt", "null", "device"] {
        assert!(o.stderr.contains(why), "{why} not reported: {}", o.stderr);
    }
    assert_eq!(std::fs::read_to_string(out.join("ok.txt")).unwrap(), "fine\n");
    assert_eq!(
        std::fs::read_link(out.join("link-in")).unwrap().to_str(),
        Some("ok.txt")
    );
    assert!(!t.path().join("nested/evil.txt").exists());
    assert!(!t.path().join("evil2.txt").exists() && !t.path().join("nested/evil2.txt").exists());
    assert_eq!(std::fs::read_link(out.join("link-out")).unwrap().to_str(), Some("/etc"));
    assert!(std::fs::symlink_metadata(out.join("null")).is_err());
}

/// 52 bytes that start like a 64-bit ELF header (too short for its e_ehsize) once panicked the
/// identification; as an input and as a member of an archive they are plain bytes.
#[test]
fn short_elf_lookalike_is_plain_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = vec![0u8; 52];
    a[..7].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1]);
    let mut b = a.clone();
    b[51] = 1;
    let (pa, pb) = (write(dir.path(), "a", &a), write(dir.path(), "b", &b));
    let o = run(&["diff", s(&pa), s(&pb)]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let entry = |data: &[u8]| WriteEntry {
        name: "lib/x.so".into(),
        mode: 0o100644,
        data: data.to_vec(),
        ..Default::default()
    };
    let ca = write(dir.path(), "a.cpio", &write_newc(&[entry(&a)]));
    let cb = write(dir.path(), "b.cpio", &write_newc(&[entry(&b)]));
    let o = run(&["diff", s(&ca), s(&cb)]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("lib/x.so"), "{}", o.stdout);
    let o = run(&["ls", s(&ca)]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}
