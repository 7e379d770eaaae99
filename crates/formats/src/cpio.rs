//! cpio archives: "newc" (`070701`), newc with checksums (`070702`), portable ASCII "odc"
//! (`070707`) and old binary (either byte order), plus a deterministic newc writer.
//!
//! Initramfs images are often several archives concatenated, and the kernel reads them all,
//! skipping zero padding between them. [`Cpio::open`] does the same:
//!
//! - The input is split into *parts*, numbered from 1 in file order. Every directly following
//!   uncompressed cpio archive is a part; its entries are listed in file order.
//! - When the bytes after a trailer (and its zero padding) are not a cpio archive (typically a
//!   gzip/xz/zstd/lz4 compressed cpio after an uncompressed early one), everything from there to
//!   the end becomes ONE member of kind `Section` named `part{N}` (usually `part2`), with an
//!   `offset` field, for the engine to identify and open.
//! - A name that occurs more than once (the kernel lets the later entry win) keeps its plain
//!   name on the LAST occurrence; each earlier occurrence is renamed `"{name} (archive {K})"`,
//!   or `"{name} (archive {K}, entry {M})"` when archive K holds the name more than once
//!   (K = part number, M = 1-based entry index inside that archive), and a note says so.
//! - The root entry (`.`, `./` or `/`) is not listed; a note gives its mode and mtime.
//! - An archive that ends without its `TRAILER!!!` entry is an error, even at an entry
//!   boundary: GNU cpio calls that a premature end of file, and it usually means truncation.
//!
//! Hard links (regular files of one archive sharing device and inode with nlink > 1): newc
//! stores the data only with the last entry of the group, odc and binary with every entry. The
//! first entry that has data is the group's `File`; the others are `HardLink { target }` naming
//! it, and every entry of the group gets the content, so content comparison still works.
//!
//! Inode and device numbers are kept internal (used only for hard links): they differ between
//! builds for no user-visible reason.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use crate::model::mode_bits::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK};
use crate::model::{
    err, format_mode, format_time, normalize_name, stored_name_field, Blob, Data, EntryKind, Field, FormatError,
    Limits, Member, Opened, Value,
};
use crate::registry::Format;

pub struct Cpio;

const TRAILER: &[u8] = b"TRAILER!!!";

/// At most this many "overridden" notes; the rest are counted in one line.
const MAX_OVERRIDE_NOTES: usize = 20;

impl Format for Cpio {
    fn name(&self) -> &'static str {
        "cpio"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        match Variant::detect(head) {
            Some(Variant::Bin { big_endian }) => {
                // A two-byte magic is weak: also ask for a plausible header (a name, a link).
                head.len() >= 26 && bin_u16(head, 20, big_endian) > 0 && bin_u16(head, 12, big_endian) > 0
            }
            Some(_) => true,
            None => false,
        }
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    Newc,
    Crc,
    Odc,
    Bin { big_endian: bool },
}

impl Variant {
    fn detect(b: &[u8]) -> Option<Variant> {
        match b.get(..6) {
            Some(b"070701") => return Some(Variant::Newc),
            Some(b"070702") => return Some(Variant::Crc),
            Some(b"070707") => return Some(Variant::Odc),
            _ => {}
        }
        match b.get(..2) {
            Some([0xc7, 0x71]) => Some(Variant::Bin { big_endian: false }),
            Some([0x71, 0xc7]) => Some(Variant::Bin { big_endian: true }),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Variant::Newc => "newc",
            Variant::Crc => "newc-crc",
            Variant::Odc => "odc",
            Variant::Bin { big_endian: false } => "binary little-endian",
            Variant::Bin { big_endian: true } => "binary big-endian",
        }
    }

    fn header_len(self) -> usize {
        match self {
            Variant::Newc | Variant::Crc => 110,
            Variant::Odc => 76,
            Variant::Bin { .. } => 26,
        }
    }

    /// Name and data are padded to this alignment, counted from the archive's start.
    fn align(self) -> usize {
        match self {
            Variant::Newc | Variant::Crc => 4,
            Variant::Odc => 1,
            Variant::Bin { .. } => 2,
        }
    }
}

fn bin_u16(b: &[u8], at: usize, big_endian: bool) -> u16 {
    let pair = [b[at], b[at + 1]];
    if big_endian {
        u16::from_be_bytes(pair)
    } else {
        u16::from_le_bytes(pair)
    }
}

/// Where an entry is, for error messages.
#[derive(Clone, Copy)]
struct Loc {
    part: usize,
    index: usize,
    offset: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.part > 1 {
            write!(
                f,
                "cpio archive {}, entry {} at offset {:#x}",
                self.part, self.index, self.offset
            )
        } else {
            write!(f, "cpio entry {} at offset {:#x}", self.index, self.offset)
        }
    }
}

/// The numeric header fields, widened so that every variant fits.
struct Header {
    ino: u64,
    mode: u32,
    uid: u64,
    gid: u64,
    nlink: u64,
    mtime: i64,
    filesize: u64,
    dev: (u64, u64),
    rdev: (u32, u32),
    namesize: u64,
    check: u32,
}

/// One parsed entry, before names are made unique and hard links resolved.
struct Entry {
    part: usize,
    index: usize,
    offset: usize,
    name: String,
    /// The name as stored, when it was absolute.
    stored_name: Option<Field>,
    variant: Variant,
    h: Header,
    data: Range<usize>,
}

fn parse_num(s: &[u8], radix: u32, field: &str, loc: Loc) -> Result<u64, FormatError> {
    let bad = || {
        FormatError::new(format!(
            "{loc}: field {field} is not {}: \"{}\"",
            if radix == 16 { "hex" } else { "octal" },
            s.escape_ascii()
        ))
    };
    let mut v: u64 = 0;
    for &c in s {
        let d = char::from(c).to_digit(radix).ok_or_else(bad)?;
        v = v
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or_else(bad)?;
    }
    Ok(v)
}

/// glibc's major/minor split of a device number (old 16-bit values split as 8:8).
fn split_dev(d: u64) -> (u32, u32) {
    let major = ((d >> 8) & 0xfff) | ((d >> 32) & !0xfff);
    let minor = (d & 0xff) | ((d >> 12) & !0xff);
    (major as u32, minor as u32)
}

fn parse_header(b: &[u8], v: Variant, loc: Loc) -> Result<Header, FormatError> {
    match v {
        Variant::Newc | Variant::Crc => {
            const NAMES: [&str; 13] = [
                "c_ino",
                "c_mode",
                "c_uid",
                "c_gid",
                "c_nlink",
                "c_mtime",
                "c_filesize",
                "c_devmajor",
                "c_devminor",
                "c_rdevmajor",
                "c_rdevminor",
                "c_namesize",
                "c_check",
            ];
            let mut n = [0u64; 13];
            for (i, name) in NAMES.iter().enumerate() {
                let at = 6 + 8 * i;
                n[i] = parse_num(&b[at..at + 8], 16, name, loc)?;
            }
            // Eight hex digits always fit in 32 bits.
            Ok(Header {
                ino: n[0],
                mode: n[1] as u32,
                uid: n[2],
                gid: n[3],
                nlink: n[4],
                mtime: n[5] as i64,
                filesize: n[6],
                dev: (n[7], n[8]),
                rdev: (n[9] as u32, n[10] as u32),
                namesize: n[11],
                check: n[12] as u32,
            })
        }
        Variant::Odc => {
            let f = |r: Range<usize>, name: &str| parse_num(&b[r], 8, name, loc);
            let mode = f(18..24, "c_mode")?;
            Ok(Header {
                dev: (f(6..12, "c_dev")?, 0),
                ino: f(12..18, "c_ino")?,
                // Six octal digits are 18 bits.
                mode: mode as u32,
                uid: f(24..30, "c_uid")?,
                gid: f(30..36, "c_gid")?,
                nlink: f(36..42, "c_nlink")?,
                rdev: split_dev(f(42..48, "c_rdev")?),
                mtime: f(48..59, "c_mtime")? as i64,
                namesize: f(59..65, "c_namesize")?,
                filesize: f(65..76, "c_filesize")?,
                check: 0,
            })
        }
        Variant::Bin { big_endian } => {
            let w = |i: usize| u64::from(bin_u16(b, 2 * i, big_endian));
            Ok(Header {
                dev: (w(1), 0),
                ino: w(2),
                mode: w(3) as u32,
                uid: w(4),
                gid: w(5),
                nlink: w(6),
                rdev: split_dev(w(7)),
                // 32-bit values are stored as two 16-bit words, the high one first.
                mtime: ((w(8) << 16) | w(9)) as i64,
                namesize: w(10),
                filesize: (w(11) << 16) | w(12),
                check: 0,
            })
        }
    }
}

/// `n` rounded up to a multiple of `align` counted from `base`; None on overflow.
fn align_from(base: usize, n: usize, align: usize) -> Option<usize> {
    let rel = n.checked_sub(base)?;
    let padded = rel.checked_add(align - 1)? / align * align;
    base.checked_add(padded)
}

fn sum_bytes(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |a, &x| a.wrapping_add(u32::from(x)))
}

/// Names a compressed stream by its magic, for notes.
fn stream_kind(b: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (&[0x1f, 0x8b], "gzip"),
        (&[0xfd, b'7', b'z', b'X', b'Z', 0], "xz"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
        (b"BZh", "bzip2"),
        (&[0x04, 0x22, 0x4d, 0x18], "lz4"),
        (&[0x02, 0x21, 0x4c, 0x18], "lz4 (legacy)"),
        (&[0x89, b'L', b'Z', b'O'], "lzop"),
        (&[0x5d, 0, 0], "lzma"),
    ];
    MAGICS.iter().find(|(m, _)| b.starts_with(m)).map(|(_, n)| *n)
}

/// What one archive contributed.
struct ArchiveInfo {
    part: usize,
    offset: usize,
    variant: Variant,
    entries: usize,
}

/// Reads one archive starting at `start`, appending its entries; returns the offset just past
/// its trailer (and the trailer's padding, as far as the input goes).
fn read_archive(
    blob: &Blob,
    start: usize,
    part: usize,
    limits: &Limits,
    entries: &mut Vec<Entry>,
    notes: &mut Vec<String>,
    root: &mut Vec<Field>,
) -> Result<(usize, ArchiveInfo), FormatError> {
    let input: &[u8] = blob;
    let mut pos = start;
    let mut index = 0usize;
    let mut variant = None;
    let mut listed = 0usize;
    let mut released = start;
    loop {
        blob.release_behind(pos, &mut released);
        index += 1;
        let loc = Loc {
            part,
            index,
            offset: pos,
        };
        let rest = &input[pos..];
        if rest.iter().all(|&b| b == 0) {
            return err(format!("cpio archive ends without TRAILER!!! at offset {pos:#x}"));
        }
        let v = match (Variant::detect(rest), variant) {
            (Some(v), None) => v,
            (Some(v), Some(first)) if v == first => v,
            _ => {
                let shown = &rest[..rest.len().min(6)];
                return err(format!("{loc}: bad magic \"{}\"", shown.escape_ascii()));
            }
        };
        variant = Some(v);
        let hlen = v.header_len();
        let Some(hb) = rest.get(..hlen) else {
            return err(format!(
                "{loc}: header truncated (need {hlen} bytes, {} left)",
                rest.len()
            ));
        };
        let h = parse_header(hb, v, loc)?;
        if h.namesize == 0 {
            return err(format!("{loc}: namesize 0"));
        }
        let name_start = pos + hlen;
        let name_end = usize::try_from(h.namesize)
            .ok()
            .and_then(|n| name_start.checked_add(n))
            .filter(|&e| e <= input.len());
        let Some(name_end) = name_end else {
            return err(format!(
                "{loc}: name truncated (need {} bytes, {} left)",
                h.namesize,
                input.len() - name_start
            ));
        };
        let raw_name = &input[name_start..name_end];
        let Some((&0, raw_name)) = raw_name.split_last() else {
            return err(format!("{loc}: name without its NUL terminator"));
        };
        // C readers stop at the first NUL, so bytes after one are not part of the name.
        let raw_name = raw_name.split(|&b| b == 0).next().unwrap_or_default();
        let data_start = align_from(start, name_end, v.align()).unwrap_or(usize::MAX);

        if raw_name == TRAILER {
            // The trailer's padding may be cut short by the end of the input: that loses nothing.
            let end = data_start.min(input.len());
            let info = ArchiveInfo {
                part,
                offset: start,
                variant: v,
                entries: listed,
            };
            return Ok((end, info));
        }

        let name = String::from_utf8_lossy(raw_name);
        let data_end = usize::try_from(h.filesize)
            .ok()
            .and_then(|n| data_start.checked_add(n))
            .filter(|&e| e <= input.len());
        let Some(data_end) = data_end else {
            let left = input.len().saturating_sub(data_start);
            return err(format!(
                "cpio entry '{name}' at offset {pos:#x}: data truncated (need {} bytes, {left} left)",
                h.filesize
            ));
        };
        if v == Variant::Crc && h.mode & S_IFMT == S_IFREG {
            let sum = sum_bytes(&input[data_start..data_end]);
            if sum != h.check {
                return err(format!(
                    "cpio entry '{name}' at offset {pos:#x}: checksum mismatch (stored {:#010x}, computed {sum:#010x})",
                    h.check
                ));
            }
        }
        let next = align_from(start, data_end, v.align())
            .unwrap_or(usize::MAX)
            .min(input.len());

        let norm = normalize_name(&name);
        if norm.is_empty() {
            // The root's own metadata still differs between builds (its mtime above all), so it
            // is kept as container fields rather than as a member named "".
            let prefix = if part == 1 {
                "root".to_string()
            } else {
                format!("archive{part}.root")
            };
            root.push(Field::new(format!("{prefix}.mode"), Value::Mode(h.mode)));
            root.push(Field::new(format!("{prefix}.uid"), Value::Id(h.uid)));
            root.push(Field::new(format!("{prefix}.gid"), Value::Id(h.gid)));
            root.push(Field::new(format!("{prefix}.mtime"), Value::Time(h.mtime)));
            notes.push(format!(
                "archive {part}: root entry \"{name}\" not listed (mode {}, mtime {})",
                format_mode(h.mode),
                format_time(h.mtime)
            ));
        } else {
            if entries.len() >= limits.max_members {
                return err(format!("cpio: more than {} entries (limit)", limits.max_members));
            }
            entries.push(Entry {
                part,
                index,
                offset: pos,
                name: norm.to_string(),
                stored_name: stored_name_field(&name),
                variant: v,
                h,
                data: data_start..data_end,
            });
            listed += 1;
        }
        pos = next;
    }
}

fn open(blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = blob;
    let mut entries: Vec<Entry> = Vec::new();
    let mut root_fields: Vec<Field> = Vec::new();
    let mut notes = Vec::new();
    let mut archives: Vec<ArchiveInfo> = Vec::new();
    let mut section: Option<(usize, usize)> = None; // (part, offset)

    let mut pos = 0usize;
    let mut part = 0usize;
    loop {
        part += 1;
        let (end, info) = read_archive(blob, pos, part, limits, &mut entries, &mut notes, &mut root_fields)?;
        archives.push(info);
        // The kernel skips zero bytes between concatenated parts.
        let zeros = input[end..].iter().take_while(|&&b| b == 0).count();
        pos = end + zeros;
        if pos >= input.len() {
            break;
        }
        if Variant::detect(&input[pos..]).is_none() {
            section = Some((part + 1, pos));
            break;
        }
    }

    // Hard links: regular files of one archive sharing device + inode, with nlink > 1.
    let mut groups: HashMap<(usize, u64, u64, u64), Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if e.h.nlink > 1 && e.h.mode & S_IFMT == S_IFREG {
            groups
                .entry((e.part, e.h.dev.0, e.h.dev.1, e.h.ino))
                .or_default()
                .push(i);
        }
    }
    // For each entry: the entry whose data it shares (itself when it carries its own).
    let mut carrier: Vec<usize> = (0..entries.len()).collect();
    let mut link_to: Vec<Option<usize>> = vec![None; entries.len()];
    for g in groups.values().filter(|g| g.len() > 1) {
        let first_with_data = g.iter().copied().find(|&i| !entries[i].data.is_empty());
        // newc puts the data on the last entry; an empty file has none anywhere.
        let c = first_with_data.unwrap_or(g[g.len() - 1]);
        for &i in g {
            if i != c {
                link_to[i] = Some(c);
                if entries[i].data.is_empty() {
                    carrier[i] = c;
                }
            }
        }
    }

    let names = unique_names(&entries, &mut notes);

    let mut members = Vec::with_capacity(entries.len() + 1);
    for (i, e) in entries.iter().enumerate() {
        let h = &e.h;
        let mut fields = vec![
            Field::new("mode", Value::Mode(h.mode)),
            Field::new("uid", Value::Id(h.uid)),
            Field::new("gid", Value::Id(h.gid)),
            Field::new("nlink", Value::Int(i64::try_from(h.nlink).unwrap_or(i64::MAX))),
            Field::new("mtime", Value::Time(h.mtime)),
        ];
        fields.extend(e.stored_name.clone());
        let t = h.mode & S_IFMT;
        if t == S_IFCHR || t == S_IFBLK {
            fields.push(Field::new("rdev", Value::Text(format!("{}:{}", h.rdev.0, h.rdev.1))));
        }
        if e.variant == Variant::Crc && t == S_IFREG && !e.data.is_empty() {
            fields.push(Field::new("checksum", Value::Digest(format!("{:08x}", h.check))));
        }
        let content = || {
            let r = &entries[carrier[i]].data;
            (Some(Data::Blob(blob.slice(r.clone()))), r.len() as u64)
        };
        let (kind, data, size) = match t {
            S_IFDIR => (EntryKind::Dir, None, 0),
            S_IFLNK => {
                let target = String::from_utf8_lossy(&input[e.data.clone()]).into_owned();
                (EntryKind::Symlink { target }, None, 0)
            }
            S_IFCHR => (
                EntryKind::CharDevice {
                    major: h.rdev.0,
                    minor: h.rdev.1,
                },
                None,
                0,
            ),
            S_IFBLK => (
                EntryKind::BlockDevice {
                    major: h.rdev.0,
                    minor: h.rdev.1,
                },
                None,
                0,
            ),
            S_IFIFO => (EntryKind::Fifo, None, 0),
            S_IFSOCK => (EntryKind::Socket, None, 0),
            // Regular files, and unknown type bits read as files so that no data is hidden.
            _ => {
                let (data, size) = content();
                let kind = match link_to[i] {
                    Some(c) => EntryKind::HardLink {
                        target: names[c].clone(),
                    },
                    None => EntryKind::File,
                };
                (kind, data, size)
            }
        };
        members.push(Member {
            name: names[i].clone(),
            kind,
            fields,
            data,
            size,
        });
    }

    let mut fields = vec![Field::new("format", Value::Text(archives[0].variant.label().into()))];
    fields.append(&mut root_fields);
    let many = archives.len() > 1 || section.is_some();
    for a in &archives {
        if a.part > 1 {
            fields.push(Field::new(
                format!("archive{}.format", a.part),
                Value::Text(a.variant.label().into()),
            ));
            fields.push(Field::new(
                format!("archive{}.offset", a.part),
                Value::Offset(a.offset as u64),
            ));
        }
        if many {
            notes.push(format!(
                "archive {} at offset {:#x}: {} entries, {}",
                a.part,
                a.offset,
                a.entries,
                a.variant.label()
            ));
        } else {
            notes.push(format!("{} entries, {}", a.entries, a.variant.label()));
        }
    }
    if let Some((p, at)) = section {
        let len = input.len() - at;
        let what = match stream_kind(&input[at..]) {
            Some(k) => format!("{k}-compressed data"),
            None => "unrecognised data".to_string(),
        };
        notes.push(format!(
            "part {p} at offset {at:#x}: {len} bytes of {what}, listed as member part{p}"
        ));
        members.push(Member {
            name: format!("part{p}"),
            kind: EntryKind::Section,
            fields: vec![Field::new("offset", Value::Offset(at as u64))],
            data: Some(Data::Blob(blob.slice(at..input.len()))),
            size: len as u64,
        });
    }

    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

/// Final member names: the last occurrence of a repeated name keeps it, earlier ones get the
/// archive (and, when needed, entry) they came from appended.
fn unique_names(entries: &[Entry], notes: &mut Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_name.entry(&e.name).or_default().push(i);
    }
    let mut renamed: Vec<(usize, usize)> = Vec::new(); // (earlier, winner)
    for idx in by_name.values().filter(|v| v.len() > 1) {
        let winner = idx[idx.len() - 1];
        for &i in &idx[..idx.len() - 1] {
            let e = &entries[i];
            let same_part = idx.iter().filter(|&&j| entries[j].part == e.part).count();
            names[i] = if same_part == 1 {
                format!("{} (archive {})", e.name, e.part)
            } else {
                format!("{} (archive {}, entry {})", e.name, e.part, e.index)
            };
            renamed.push((i, winner));
        }
    }
    // In file order, so the notes do not depend on hash order.
    renamed.sort_unstable();
    for (n, &(i, w)) in renamed.iter().enumerate() {
        if n == MAX_OVERRIDE_NOTES {
            notes.push(format!("... and {} more overridden entries", renamed.len() - n));
            break;
        }
        let (e, win) = (&entries[i], &entries[w]);
        notes.push(format!(
            "entry '{}' (archive {} at offset {:#x}) overridden by a later entry (archive {} at offset {:#x}); listed as '{}'",
            e.name, e.part, e.offset, win.part, win.offset, names[i]
        ));
    }
    names
}

/// One entry for [`write_newc`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteEntry {
    /// Path inside the archive, written as given (no NUL bytes).
    pub name: String,
    /// Full mode including the file type bits (e.g. `0o100644`, `0o040755`, `0o120777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    /// File content, or the target for symlinks; ignored for other types.
    pub data: Vec<u8>,
    /// Device major and minor, used for character and block devices only.
    pub rdev: (u32, u32),
}

/// A deterministic newc archive: inodes numbered from 1 in order, nlink 2 for directories and
/// 1 otherwise, device 0, then `TRAILER!!!`, and the whole padded to a multiple of 512 bytes
/// as GNU cpio does. Hard links are not written.
pub fn write_newc(entries: &[WriteEntry]) -> Vec<u8> {
    let total: usize = entries.iter().map(|e| 120 + e.name.len() + e.data.len()).sum();
    let mut out = Vec::with_capacity(total + 512);
    for (i, e) in entries.iter().enumerate() {
        let t = e.mode & S_IFMT;
        let data: &[u8] = if t == S_IFREG || t == S_IFLNK || t == 0 {
            &e.data
        } else {
            &[]
        };
        let rdev = if t == S_IFCHR || t == S_IFBLK { e.rdev } else { (0, 0) };
        let nlink = if t == S_IFDIR { 2 } else { 1 };
        push_newc(
            &mut out,
            (i + 1) as u32,
            e.mode,
            e.uid,
            e.gid,
            nlink,
            e.mtime,
            rdev,
            e.name.as_bytes(),
            data,
        );
    }
    push_newc(&mut out, 0, 0, 0, 0, 1, 0, (0, 0), TRAILER, &[]);
    let padded = out.len().div_ceil(512) * 512;
    out.resize(padded, 0);
    out
}

#[allow(clippy::too_many_arguments)]
fn push_newc(
    out: &mut Vec<u8>,
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    mtime: u32,
    rdev: (u32, u32),
    name: &[u8],
    data: &[u8],
) {
    let namesize = name.len() as u32 + 1;
    let fields = [
        ino,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        data.len() as u32,
        0,
        0,
        rdev.0,
        rdev.1,
        namesize,
        0,
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(name);
    out.push(0);
    out.resize(out.len().div_ceil(4) * 4, 0);
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(4) * 4, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, mode: u32, data: &[u8]) -> WriteEntry {
        WriteEntry {
            name: name.into(),
            mode,
            uid: 0,
            gid: 0,
            mtime: 1_700_000_000,
            data: data.to_vec(),
            rdev: (0, 0),
        }
    }

    #[test]
    fn write_then_read() {
        let a = write_newc(&[
            entry(".", 0o040755, b""),
            entry("etc", 0o040755, b""),
            entry("etc/hostname", 0o100644, b"box\n"),
            entry("bin/sh", 0o120777, b"busybox"),
        ]);
        assert_eq!(a.len() % 512, 0);
        assert!(Cpio.identify(&a, ""));
        let o = Cpio.open(&Blob::from_vec(a), "", &Limits::default()).unwrap();
        let names: Vec<_> = o.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["etc", "etc/hostname", "bin/sh"]);
        assert_eq!(
            o.members[2].kind,
            EntryKind::Symlink {
                target: "busybox".into()
            }
        );
        assert_eq!(o.members[1].field("mode"), Some(&Value::Mode(0o100644)));
        // The root entry's metadata stays comparable as container fields.
        let root_mtime = o.fields.iter().find(|f| f.name == "root.mtime").map(|f| &f.value);
        assert_eq!(root_mtime, Some(&Value::Time(1_700_000_000)));
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("./etc/"), "etc");
        assert_eq!(normalize_name("/./a"), "a");
        assert_eq!(normalize_name("."), "");
        assert_eq!(normalize_name("./"), "");
    }
}
