//! Bad ELF input: one clear error per kind of damage, notes (not errors) for damaged symbols or
//! DWARF, and no panics on any truncation or flipped byte. Fixtures come from gcc and ld
//! (Debian packages gcc, binutils).

use std::path::Path;

mod common;

use reproscope_formats::elf::{symbol_at, Elf};
use reproscope_formats::{Format, Limits, Opened};

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Elf, bytes, "x", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

fn build(dir: &Path, cmd: &str) {
    common::run_sh(cmd, dir, b"", "gcc and binutils");
}

/// A small x86-64 relocatable object with DWARF (relocated string offsets), and a small i386
/// executable with program headers (about 1 KiB, unpadded, so every byte can be flipped).
fn fixtures() -> (Vec<u8>, Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(
        d.join("s.c"),
        "static const char m[] = \"abc\";\nint n;\nint f(int i) { return m[i] + n; }\nvoid _start(void) { for (;;) f(n); }\n",
    )
    .unwrap();
    build(
        d,
        "gcc -g -O1 -ffreestanding -c s.c -o s.o && gcc -m32 -ffreestanding -fno-pic -O1 -c s.c -o s32.o && \
         ld -m elf_i386 -e _start --build-id=sha1 -z noseparate-code -o s32 s32.o",
    );
    (
        std::fs::read(d.join("s.o")).unwrap(),
        std::fs::read(d.join("s32")).unwrap(),
    )
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn put64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// File offset of section header `i` in a 64-bit little-endian file.
fn shdr(b: &[u8], i: usize) -> usize {
    le64(b, 0x28) as usize + i * 64
}

/// Index of the section named `name` in a 64-bit little-endian file.
fn section_index(b: &[u8], name: &str) -> usize {
    let o = open(b).unwrap();
    1 + o.members.iter().position(|m| m.name == name).unwrap()
}

#[test]
fn identification_errors() {
    let (obj, _) = fixtures();
    assert_eq!(
        open(b"\x7fELF\x02\x01").unwrap_err(),
        "ELF header truncated: 6 bytes, the identification alone needs 16"
    );
    let mut b = obj.clone();
    b[4] = 3;
    assert_eq!(
        open(&b).unwrap_err(),
        "ELF header: unknown class 3 at offset 0x4 (1 = 32-bit, 2 = 64-bit)"
    );
    let mut b = obj.clone();
    b[5] = 0;
    assert_eq!(
        open(&b).unwrap_err(),
        "ELF header: unknown data encoding 0 at offset 0x5 (1 = little-endian, 2 = big-endian)"
    );
    let mut b = obj.clone();
    b[6] = 2;
    assert_eq!(
        open(&b).unwrap_err(),
        "ELF header: unsupported version 2 at offset 0x6 (only version 1 exists)"
    );
    assert_eq!(
        open(b"MZ\0\0").unwrap_err(),
        "not an ELF file: no \\x7fELF magic at offset 0"
    );
}

#[test]
fn header_truncated() {
    let (obj, exe) = fixtures();
    assert_eq!(
        open(&obj[..40]).unwrap_err(),
        "ELF header truncated: 40 bytes, a 64-bit header needs 64"
    );
    assert_eq!(
        open(&exe[..51]).unwrap_err(),
        "ELF header truncated: 51 bytes, a 32-bit header needs 52"
    );
}

#[test]
fn section_header_table_past_the_end() {
    let (obj, _) = fixtures();
    let shoff = le64(&obj, 0x28);
    let count = le16(&obj, 0x3c);
    // gcc puts the section header table last: cut its final entry.
    let cut = obj.len() - 10;
    assert_eq!(
        open(&obj[..cut]).unwrap_err(),
        format!(
            "section header table at offset {shoff:#x} ({count} entries of 64 bytes) runs past the end of the file ({cut} bytes)"
        )
    );
    let mut b = obj.clone();
    put64(&mut b, 0x28, u64::MAX - 8);
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "section header table at offset {:#x} ({count} entries of 64 bytes) runs past the end of the file ({} bytes)",
            u64::MAX - 8,
            b.len()
        )
    );
}

#[test]
fn header_entry_sizes() {
    let (obj, exe) = fixtures();
    let mut b = obj.clone();
    b[0x3a] = 65;
    assert_eq!(
        open(&b).unwrap_err(),
        "ELF header: section header entry size is 65 bytes, expected 64"
    );
    // 32-bit: e_phentsize at 0x2a.
    let mut b = exe.clone();
    b[0x2a] = 33;
    assert_eq!(
        open(&b).unwrap_err(),
        "ELF header: program header entry size is 33 bytes, expected 32"
    );
}

#[test]
fn program_header_table_past_the_end() {
    let (_, exe) = fixtures();
    let mut b = exe.clone();
    let phnum = le16(&b, 0x2c);
    let phoff = (b.len() - 40) as u32;
    b[0x1c..0x20].copy_from_slice(&phoff.to_le_bytes());
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "program header table at offset {phoff:#x} ({phnum} entries of 32 bytes) runs past the end of the file ({} bytes)",
            b.len()
        )
    );
}

#[test]
fn section_data_past_the_end() {
    let (obj, _) = fixtures();
    let i = section_index(&obj, ".text");
    let mut b = obj.clone();
    let at = shdr(&b, i);
    put64(&mut b, at + 0x20, 0x10_0000);
    let off = le64(&b, at + 0x18);
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "section [{i}] .text: data at offset {off:#x}, 1048576 bytes, runs past the end of the file ({} bytes)",
            b.len()
        )
    );
    // An offset near u64::MAX must not overflow.
    put64(&mut b, at + 0x18, u64::MAX);
    assert!(open(&b).unwrap_err().contains("runs past the end of the file"));
}

#[test]
fn section_name_table_index_out_of_range() {
    let (obj, _) = fixtures();
    let count = le16(&obj, 0x3c);
    let mut b = obj.clone();
    b[0x3e..0x40].copy_from_slice(&(count + 5).to_le_bytes());
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "ELF header: section name table index {} is out of range ({count} sections)",
            count + 5
        )
    );
}

#[test]
fn section_name_outside_the_name_table() {
    let (obj, _) = fixtures();
    let strndx = le16(&obj, 0x3e) as usize;
    let size = le64(&obj, shdr(&obj, strndx) + 0x20);
    let mut b = obj.clone();
    let at = shdr(&b, 1);
    b[at..at + 4].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
    assert_eq!(
        open(&b).unwrap_err(),
        format!(
            "section [1]: its name at offset 0x7fff0000 is not a terminated string inside the section name table ({size} bytes)"
        )
    );
}

#[test]
fn member_limit() {
    let (obj, _) = fixtures();
    let count = le16(&obj, 0x3c);
    let limits = Limits {
        max_members: 3,
        ..Limits::default()
    };
    assert_eq!(
        open_with(&obj, &limits).unwrap_err(),
        format!("{count} sections, more than the limit of 3 members")
    );
}

#[test]
fn damaged_dwarf_and_symbols_become_notes() {
    let (obj, _) = fixtures();
    // A DWARF version nobody writes: the sections still open, the note says where.
    let i = section_index(&obj, ".debug_info");
    let at = le64(&obj, shdr(&obj, i) + 0x18) as usize;
    let mut b = obj.clone();
    b[at + 4..at + 6].copy_from_slice(&99u16.to_le_bytes());
    let o = open(&b).unwrap();
    assert!(!o.fields.iter().any(|f| f.name.starts_with("dwarf.")));
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("DWARF: .debug_info: unit header after offset 0x0:")),
        "{:?}",
        o.notes
    );

    // A symbol table whose string table link points at a non-string section.
    let i = section_index(&obj, ".symtab");
    let mut b = obj.clone();
    let at = shdr(&b, i) + 0x28;
    b[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
    let o = open(&b).unwrap();
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("section .symtab: cannot read symbols:")),
        "{:?}",
        o.notes
    );
    assert!(o.members.iter().any(|m| m.name == ".text"));
}

#[test]
fn no_panic_on_truncation_or_corruption() {
    let (obj, exe) = fixtures();
    for valid in [&obj, &exe] {
        open(valid).unwrap();
        for len in 0..valid.len() {
            let _ = open(&valid[..len]);
        }
        for i in 0..valid.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = valid.clone();
                b[i] ^= x;
                if let Ok(o) = open(&b) {
                    // Whatever opened must also answer symbol look-ups without panicking.
                    if let Some(m) = o.members.iter().find(|m| !m.name.starts_with('(')) {
                        let _ = symbol_at(&b, &m.name, 0);
                    }
                }
            }
        }
    }
}

/// A 64-bit ELF identification is 52 bytes short of e_ehsize (at 52..54): every prefix of a real
/// header, and a 52-byte one in particular, is looked at by every format without a panic.
#[test]
fn identification_of_every_header_prefix() {
    let (exe, _) = fixtures();
    for len in 0..=80 {
        let head = &exe[..len];
        for f in reproscope_formats::FORMATS {
            f.identify(head, "x");
        }
        // A 64-bit header is recognised once e_ehsize (bytes 52..54) is there.
        assert_eq!(Elf.identify(head, "x"), len >= 54, "prefix of {len} bytes");
    }
    let mut short = vec![0u8; 52];
    short[..7].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1]);
    assert!(!Elf.identify(&short, "x"));
    assert!(reproscope_formats::identify(&short, "x").is_none());
}
