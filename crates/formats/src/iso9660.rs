//! ISO 9660 images (ECMA-119) with Rock Ridge (RRIP over SUSP), Joliet and El Torito: the
//! volume descriptors and directory records are read here directly, zero-copy.
//!
//! - Node fields come from the Primary Volume Descriptor (identifiers, volume space size, block
//!   size, the four dates with their timezone offsets) plus which extensions are present.
//! - Members are the directory tree in pre-order (each directory's records in recorded order,
//!   a directory's contents right after it), paths '/'-separated without a leading '/'. Names
//!   come from Rock Ridge `NM` when the image has Rock Ridge, else from the Joliet tree, else
//!   from the ISO 9660 identifiers with the `;1` version and the '.' of extension-less names
//!   stripped.
//! - Rock Ridge directory relocation (deep trees): a `CL` placeholder is shown as the
//!   directory it points to, at its original place, and the relocated copy (marked `RE`) is not
//!   listed again; the emptied `rr_moved` directory is still listed, since it is in the image.
//! - A file's data is a zero-copy slice of its extent; a multi-extent file (records with the
//!   multi-extent flag, then a final record of the same name) is joined, zero-copy when its
//!   extents are contiguous.
//! - Member fields: `mode`, `uid`, `gid`, `nlink` (Rock Ridge PX); `mtime` (Rock Ridge TF
//!   modify time, else the record's date with its offset applied, plus
//!   `mtime-tz-offset-minutes` when that offset is not zero), `atime`, `ctime`, `crtime` (TF);
//!   `offset` (bytes) and `extent-lba` (logical blocks) of the first extent, typed offsets so
//!   that a file that only moved because an earlier extent grew can be told from a real change;
//!   `size` for directories (their extent's length; a file's size is its content's, which the
//!   engine compares); `extents` for multi-extent files; `rdev`, `hidden`, `zisofs`, and
//!   `record-time` (a record date that disagrees with TF) when they apply. The kind comes from PX (symlink target from SL, devices from PN), else from the
//!   directory flag.
//! - Besides the tree: `(system area)` (the first 32 KiB: MBR/GPT of hybrid images) when not all
//!   zero, `(boot catalog)` and `(boot image N)` for El Torito, and `(data after the volume)`
//!   when non-zero bytes follow the volume space (appended partitions, GPT backups).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::bytes::{le16, le32};
use crate::model::days_from_civil;
use crate::model::mode_bits::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFLNK, S_IFMT, S_IFSOCK};
use crate::model::{err, Blob, Concat, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Iso9660;

/// Volume descriptors and directory records live in 2048-byte sectors whatever the logical
/// block size; the descriptor set starts at sector 16.
const SECTOR: usize = 2048;
const VDS_START: usize = 16 * SECTOR;
/// Deeper than any real tree (Rock Ridge relocation lifts ISO's limit of 8), shallow enough to
/// bound work on hostile input.
const MAX_DEPTH: usize = 1024;
/// Longest member path (Linux's PATH_MAX): bounds the memory names take on hostile input.
const MAX_PATH: usize = 4096;
/// SUSP continuation areas followed for one directory record.
const MAX_CE_HOPS: usize = 64;
/// El Torito catalog entries read (a catalog of one sector holds 64).
const MAX_BOOT_ENTRIES: usize = 1024;

const FLAG_DIR: u8 = 0x02;
const FLAG_ASSOCIATED: u8 = 0x04;
const FLAG_MULTI_EXTENT: u8 = 0x80;

/// Where `identify` looks: the standard identifier of the first volume descriptor.
const MAGIC_AT: usize = VDS_START + 1;

impl Format for Iso9660 {
    fn name(&self) -> &'static str {
        "iso9660"
    }

    /// "CD001" at 0x8001 behind a known descriptor type; whatever the system area holds (hybrid
    /// images start with an MBR) does not matter.
    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.get(MAGIC_AT..MAGIC_AT + 5) == Some(b"CD001") && matches!(head.get(VDS_START), Some(0..=3 | 255))
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

// ---------------------------------------------------------------------------------------------
// Small readers. Callers pass slices whose length they checked.

/// A "both-byte order" 32-bit number: the little-endian half is used, as readers do, because
/// some mastering tools got the big-endian half wrong.
fn both32(b: &[u8], at: usize) -> u32 {
    le32(b, at)
}

/// An identifier field: trailing spaces (a-/d-characters padding) and NULs removed.
fn id_text(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != b' ' && c != 0).map_or(0, |p| p + 1);
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// A parsed date: seconds since the epoch in UTC, and the recorded offset from UTC in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    utc: i64,
    tz_minutes: i64,
}

fn stamp(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, tz: i8) -> Option<Stamp> {
    let ok = (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s <= 60;
    if !ok {
        return None;
    }
    // The offset is in 15-minute units; the digits are local time at that offset.
    let tz_minutes = i64::from(tz) * 15;
    let local = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    Some(Stamp {
        utc: local - tz_minutes * 60,
        tz_minutes,
    })
}

/// What a 17-byte "dec-datetime" (volume descriptor dates, Rock Ridge long-form TF) holds.
#[derive(Debug, PartialEq, Eq)]
enum DecDate {
    /// All digits zero (or blank): "not specified".
    Unset,
    Invalid,
    Set(Stamp),
}

fn dec_datetime(b: &[u8]) -> DecDate {
    let digits = &b[..16];
    if digits.iter().all(|&c| c == b'0' || c == 0 || c == b' ') {
        return DecDate::Unset;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &digits[r] {
            v = v * 10 + i64::from(char::from(c).to_digit(10)?);
        }
        Some(v)
    };
    let parts = (|| {
        Some((
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(8..10)?,
            num(10..12)?,
            num(12..14)?,
        ))
    })();
    match parts.and_then(|(y, mo, d, h, mi, s)| stamp(y, mo, d, h, mi, s, b[16] as i8)) {
        Some(s) => DecDate::Set(s),
        None => DecDate::Invalid,
    }
}

/// The 7-byte date of a directory record (also Rock Ridge short-form TF); None when all zero
/// (not recorded), Err when it is not a date.
fn record_date(b: &[u8]) -> Result<Option<Stamp>, ()> {
    if b[..7].iter().all(|&x| x == 0) {
        return Ok(None);
    }
    let n = |i: usize| i64::from(b[i]);
    stamp(1900 + n(0), n(1), n(2), n(3), n(4), n(5), b[6] as i8)
        .map(Some)
        .ok_or(())
}

/// "/" for the root, "/a/b" otherwise: how paths appear in error messages (the middle of a
/// very long one elided).
fn shown(path: &str) -> String {
    crate::bytes::shorten(path, ("/", ""))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

// ---------------------------------------------------------------------------------------------
// Directory records.

/// One directory record, located in the image.
#[derive(Clone, Debug)]
struct Record {
    /// Byte offset of the record in the image.
    at: usize,
    /// Extent location in logical blocks, and the extended attribute record length before the
    /// data (in logical blocks too).
    lba: u32,
    xar: u8,
    len: u32,
    date: [u8; 7],
    flags: u8,
    ident: Vec<u8>,
    /// The system use area (SUSP) in image coordinates.
    su: std::ops::Range<usize>,
}

impl Record {
    fn is_self_or_parent(&self) -> bool {
        self.ident == [0] || self.ident == [1]
    }
}

/// A directory's records grouped into entries: one record, or several for a multi-extent file.
struct Entry {
    records: Vec<Record>,
}

impl Entry {
    fn first(&self) -> &Record {
        &self.records[0]
    }
}

/// Rock Ridge / SUSP information of one directory record.
#[derive(Default, Debug)]
struct Rr {
    /// SP's LEN_SKP, when this area starts with SP (only the root's "." may).
    sp: Option<u8>,
    er_ids: Vec<String>,
    /// mode, nlink, uid, gid.
    px: Option<(u32, u32, u32, u32)>,
    pn: Option<(u32, u32)>,
    nm: Option<Vec<u8>>,
    nm_continues: bool,
    symlink: Option<String>,
    /// The next SL component continues the current one (no '/' between them).
    sl_join: bool,
    /// The SL entry asked to be continued by the next SL entry.
    sl_continues: bool,
    modify: Option<Stamp>,
    access: Option<Stamp>,
    attributes: Option<Stamp>,
    creation: Option<Stamp>,
    cl: Option<u32>,
    re: bool,
    zf: Option<String>,
    /// Any Rock Ridge entry seen (for images whose ER is missing).
    any_rr: bool,
}

/// The image being read, and what the descriptors said about it.
struct Image<'a> {
    blob: &'a Blob,
    data: &'a [u8],
    /// Logical block size in bytes.
    bs: u64,
    /// SUSP is in use: LEN_SKP from the root's SP entry.
    susp_skip: Option<usize>,
    /// Names and attributes from Rock Ridge.
    rr: bool,
    /// Names from the Joliet tree (UCS-2 big-endian identifiers).
    joliet_names: bool,
    /// Bytes of SUSP continuation areas read so far: real images use each area once, so more
    /// than the image itself means areas are shared or looped to multiply work.
    ce_read: std::cell::Cell<u64>,
}

impl Image<'_> {
    /// Byte range of `len` bytes at logical block `lba` (plus `xar` blocks), checked against the
    /// end of the image; `what` names it for the error.
    fn extent(
        &self,
        lba: u32,
        xar: u8,
        len: u64,
        what: &dyn Fn() -> String,
    ) -> Result<std::ops::Range<usize>, FormatError> {
        let start = (u64::from(lba) + u64::from(xar)) * self.bs;
        let end = start.checked_add(len);
        match end {
            Some(end) if end <= self.data.len() as u64 => Ok(start as usize..end as usize),
            // An empty extent may point anywhere (mastering tools give empty files the next
            // free block, which can be the end of the volume).
            _ if len == 0 => Ok(0..0),
            _ => err(format!(
                "iso9660: {} extent at offset {start:#x} ({len} bytes) goes past the end of the image ({} bytes)",
                what(),
                self.data.len()
            )),
        }
    }

    /// Parses one directory record at `at`, already known to lie inside its extent.
    fn record(&self, at: usize, end: usize, dir: &str) -> Result<Record, FormatError> {
        let d = self.data;
        let len_dr = usize::from(d[at]);
        let here = || format!("iso9660: directory record at offset {at:#x} (in {})", shown(dir));
        if len_dr < 34 {
            return err(format!("{}: length {len_dr} too short", here()));
        }
        let rec_end = at + len_dr;
        if rec_end > end {
            return err(format!(
                "{}: length {len_dr} runs past the end of the directory extent at {end:#x}",
                here()
            ));
        }
        if at / SECTOR != (rec_end - 1) / SECTOR {
            return err(format!(
                "{}: length {len_dr} crosses the sector boundary at {:#x}",
                here(),
                (at / SECTOR + 1) * SECTOR
            ));
        }
        let r = &d[at..rec_end];
        let len_fi = usize::from(r[32]);
        if 33 + len_fi > len_dr {
            return err(format!(
                "{}: identifier length {len_fi} does not fit in record length {len_dr}",
                here()
            ));
        }
        // The identifier is padded to an even length before the system use area.
        let su_start = (at + 33 + len_fi + usize::from(len_fi % 2 == 0)).min(rec_end);
        let mut date = [0u8; 7];
        date.copy_from_slice(&r[18..25]);
        Ok(Record {
            at,
            lba: both32(r, 2),
            xar: r[1],
            len: both32(r, 10),
            date,
            flags: r[25],
            ident: r[33..33 + len_fi].to_vec(),
            su: su_start..rec_end,
        })
    }

    /// Every record of a directory extent, "." and ".." included.
    fn records(&self, range: std::ops::Range<usize>, dir: &str, limits: &Limits) -> Result<Vec<Record>, FormatError> {
        let mut out = Vec::new();
        let mut pos = range.start;
        while pos < range.end {
            if self.data[pos] == 0 {
                // Records do not cross sectors: a zero length byte means "next sector".
                pos = (pos / SECTOR + 1) * SECTOR;
                continue;
            }
            let r = self.record(pos, range.end, dir)?;
            pos += usize::from(self.data[pos]);
            if out.len() >= limits.max_members {
                return err(format!(
                    "iso9660: directory {} has more than {} records (limit)",
                    shown(dir),
                    limits.max_members
                ));
            }
            out.push(r);
        }
        Ok(out)
    }

    /// A directory's entries without "." and "..", multi-extent records grouped.
    fn entries(&self, records: Vec<Record>, dir: &str) -> Result<Vec<Entry>, FormatError> {
        let mut out: Vec<Entry> = Vec::new();
        let mut open: Option<Entry> = None;
        for r in records {
            if r.is_self_or_parent() {
                continue;
            }
            match open.take() {
                Some(mut e) => {
                    if e.first().ident != r.ident {
                        return err(format!(
                            "iso9660: directory record at offset {:#x} (in {}): multi-extent file \"{}\" is followed by \"{}\" before its final extent",
                            e.first().at,
                            shown(dir),
                            e.first().ident.escape_ascii(),
                            r.ident.escape_ascii()
                        ));
                    }
                    let more = r.flags & FLAG_MULTI_EXTENT != 0;
                    e.records.push(r);
                    if more {
                        open = Some(e);
                    } else {
                        out.push(e);
                    }
                }
                None => {
                    let e = Entry { records: vec![r] };
                    if e.first().flags & FLAG_MULTI_EXTENT != 0 {
                        open = Some(e);
                    } else {
                        out.push(e);
                    }
                }
            }
        }
        if let Some(e) = open {
            return err(format!(
                "iso9660: directory record at offset {:#x} (in {}): multi-extent file \"{}\" has no final extent",
                e.first().at,
                shown(dir),
                e.first().ident.escape_ascii()
            ));
        }
        Ok(out)
    }

    /// The SUSP entries of a record (following continuation areas). `skip` is LEN_SKP, or 0 for
    /// the root's "." record, whose area starts with SP itself.
    fn susp(&self, rec: &Record, skip: usize, path: &str) -> Result<Rr, FormatError> {
        let mut rr = Rr::default();
        let mut area = rec.su.start.saturating_add(skip).min(rec.su.end)..rec.su.end;
        let mut hops = 0;
        loop {
            let next = self.susp_area(area.clone(), path, &mut rr)?;
            let Some(ce) = next else { break };
            hops += 1;
            if hops > MAX_CE_HOPS {
                return err(format!(
                    "iso9660: system use of {} (record at offset {:#x}): more than {MAX_CE_HOPS} continuation areas",
                    shown(path),
                    rec.at
                ));
            }
            area = ce;
        }
        Ok(rr)
    }

    /// Reads one system use area; returns the continuation area (CE) if it names one.
    fn susp_area(
        &self,
        area: std::ops::Range<usize>,
        path: &str,
        rr: &mut Rr,
    ) -> Result<Option<std::ops::Range<usize>>, FormatError> {
        let d = self.data;
        let mut pos = area.start;
        let mut ce = None;
        // Fewer than 4 bytes cannot hold an entry: padding.
        while pos + 4 <= area.end {
            let sig = [d[pos], d[pos + 1]];
            if sig[0] == 0 {
                break;
            }
            let len = usize::from(d[pos + 2]);
            let here = || {
                format!(
                    "iso9660: system use entry \"{}\" at offset {pos:#x} (in {})",
                    String::from_utf8_lossy(&sig).escape_default(),
                    shown(path)
                )
            };
            if len < 4 {
                return err(format!("{}: length {len} too short", here()));
            }
            if pos + len > area.end {
                return err(format!(
                    "{}: length {len} runs past the end of its area at {:#x}",
                    here(),
                    area.end
                ));
            }
            let e = &d[pos..pos + len];
            let need = |n: usize| -> Result<(), FormatError> {
                if len < n {
                    return err(format!("{}: length {len} too short (need {n})", here()));
                }
                Ok(())
            };
            match &sig {
                b"SP" => {
                    need(7)?;
                    if e[4..6] == [0xbe, 0xef] {
                        rr.sp = Some(e[6]);
                    }
                }
                b"ST" => break,
                b"CE" => {
                    need(28)?;
                    let (lba, off, clen) = (both32(e, 4), both32(e, 12), both32(e, 20));
                    let start = u64::from(lba) * self.bs + u64::from(off);
                    let end = start + u64::from(clen);
                    if end > d.len() as u64 {
                        return err(format!(
                            "{}: continuation area at offset {start:#x} ({clen} bytes) goes past the end of the image ({} bytes)",
                            here(),
                            d.len()
                        ));
                    }
                    let read = self.ce_read.get() + u64::from(clen);
                    if read > d.len() as u64 {
                        return err(format!(
                            "{}: continuation areas add up to more than the image ({} bytes): shared or looping",
                            here(),
                            d.len()
                        ));
                    }
                    self.ce_read.set(read);
                    ce = Some(start as usize..end as usize);
                }
                b"ER" => {
                    need(8)?;
                    let (len_id, len_des, len_src) = (usize::from(e[4]), usize::from(e[5]), usize::from(e[6]));
                    need(8 + len_id + len_des + len_src)?;
                    rr.er_ids.push(String::from_utf8_lossy(&e[8..8 + len_id]).into_owned());
                }
                b"PX" => {
                    need(36)?;
                    rr.px = Some((both32(e, 4), both32(e, 12), both32(e, 20), both32(e, 28)));
                    rr.any_rr = true;
                }
                b"PN" => {
                    need(20)?;
                    // Writers disagree: genisoimage stores major and minor in the high and
                    // low words, xorriso a zero high word and the whole (glibc-encoded) dev_t
                    // in the low one.
                    let (high, low) = (both32(e, 4), both32(e, 12));
                    rr.pn = Some(if high == 0 { split_dev(low.into()) } else { (high, low) });
                    rr.any_rr = true;
                }
                b"NM" => {
                    need(5)?;
                    let flags = e[4];
                    rr.any_rr = true;
                    // "." and ".." (flags 2, 4) name nothing useful here.
                    if flags & 0x06 == 0 {
                        let name = rr.nm.get_or_insert_with(Vec::new);
                        if !rr.nm_continues {
                            name.clear();
                        }
                        name.extend_from_slice(&e[5..]);
                        rr.nm_continues = flags & 0x01 != 0;
                    }
                }
                b"SL" => {
                    need(5)?;
                    rr.any_rr = true;
                    let target = rr.symlink.get_or_insert_with(String::new);
                    if !rr.sl_continues {
                        target.clear();
                        rr.sl_join = true;
                    }
                    let mut c = 5;
                    while c + 2 <= len {
                        let (cflags, clen) = (e[c], usize::from(e[c + 1]));
                        if c + 2 + clen > len {
                            return err(format!(
                                "{}: symlink component at +{c} of length {clen} runs past the entry",
                                here()
                            ));
                        }
                        let text = &e[c + 2..c + 2 + clen];
                        if !rr.sl_join {
                            target.push('/');
                        }
                        if cflags & 0x02 != 0 {
                            target.push('.');
                        } else if cflags & 0x04 != 0 {
                            target.push_str("..");
                        } else if cflags & 0x08 != 0 {
                            // The root: the next component follows its '/' directly.
                            if !target.is_empty() && !target.ends_with('/') {
                                target.push('/');
                            }
                            target.push('/');
                        } else {
                            target.push_str(&String::from_utf8_lossy(text));
                        }
                        rr.sl_join = cflags & 0x01 != 0 || cflags & 0x08 != 0;
                        c += 2 + clen;
                    }
                    rr.sl_continues = e[4] & 0x01 != 0;
                }
                b"TF" => {
                    need(5)?;
                    rr.any_rr = true;
                    let flags = e[4];
                    let width = if flags & 0x80 != 0 { 17 } else { 7 };
                    let mut p = 5;
                    // creation, modify, access, attributes, backup, expiration, effective.
                    for bit in 0..7 {
                        if flags & (1 << bit) == 0 {
                            continue;
                        }
                        if p + width > len {
                            return err(format!(
                                "{}: timestamps run past the entry (flags {flags:#04x})",
                                here()
                            ));
                        }
                        let b = &e[p..p + width];
                        let s = if width == 17 {
                            match dec_datetime(b) {
                                DecDate::Set(s) => Some(s),
                                _ => None,
                            }
                        } else {
                            record_date(b).ok().flatten()
                        };
                        match bit {
                            0 => rr.creation = s,
                            1 => rr.modify = s,
                            2 => rr.access = s,
                            3 => rr.attributes = s,
                            _ => {}
                        }
                        p += width;
                    }
                }
                b"CL" => {
                    need(12)?;
                    rr.cl = Some(both32(e, 4));
                    rr.any_rr = true;
                }
                b"RE" => {
                    rr.re = true;
                    rr.any_rr = true;
                }
                b"ZF" => {
                    need(16)?;
                    let alg = String::from_utf8_lossy(&e[4..6]).escape_default().to_string();
                    rr.zf = Some(format!(
                        "{alg}, header {} words, block 2^{}, uncompressed size {}",
                        e[6],
                        e[7],
                        both32(e, 8)
                    ));
                }
                _ => {}
            }
            pos += len;
        }
        Ok(ce)
    }

    fn name_of(&self, rec: &Record, rr: &Rr, path: &str) -> Result<String, FormatError> {
        let name = if let Some(nm) = rr.nm.as_ref().filter(|_| self.rr) {
            String::from_utf8_lossy(nm).into_owned()
        } else if self.joliet_names {
            let units: Vec<u16> = rec
                .ident
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            strip_version(&String::from_utf16_lossy(&units)).to_string()
        } else {
            let raw = String::from_utf8_lossy(&rec.ident).into_owned();
            let base = strip_version(&raw);
            // "NOEXT." is how ISO 9660 writes a name without an extension.
            let base = if rec.flags & FLAG_DIR == 0 {
                base.strip_suffix('.').filter(|b| !b.is_empty()).unwrap_or(base)
            } else {
                base
            };
            base.to_string()
        };
        if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
            return err(format!(
                "iso9660: directory record at offset {:#x} (in {}): name \"{}\" is not a valid file name",
                rec.at,
                shown(path),
                name.escape_default()
            ));
        }
        Ok(name)
    }
}

/// glibc's major/minor split of a device number (old 16-bit values split as 8:8).
fn split_dev(d: u64) -> (u32, u32) {
    let major = ((d >> 8) & 0xfff) | ((d >> 32) & !0xfff);
    let minor = (d & 0xff) | ((d >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// "NAME.EXT;1" → "NAME.EXT": the version number is not part of the name.
fn strip_version(s: &str) -> &str {
    match s.rfind(';') {
        Some(p) if s[p + 1..].bytes().all(|c| c.is_ascii_digit()) => &s[..p],
        _ => s,
    }
}

// ---------------------------------------------------------------------------------------------
// Volume descriptors.

struct Descriptors {
    pvd: usize,
    joliet: Option<(usize, u8)>,
    boot_catalog: Option<u32>,
    notes: Vec<String>,
}

fn descriptors(d: &[u8]) -> Result<Descriptors, FormatError> {
    let mut pvd = None;
    let mut joliet = None;
    let mut boot_catalog = None;
    let mut notes = Vec::new();
    let mut pos = VDS_START;
    loop {
        let Some(vd) = d.get(pos..pos + SECTOR) else {
            return err(format!(
                "iso9660: volume descriptor set ends at offset {pos:#x} without a terminator (image is {} bytes)",
                d.len()
            ));
        };
        if &vd[1..6] != b"CD001" {
            return err(format!(
                "iso9660: volume descriptor at offset {pos:#x}: identifier \"{}\" (expected CD001)",
                vd[1..6].escape_ascii()
            ));
        }
        match vd[0] {
            0 => {
                if vd[7..].starts_with(b"EL TORITO SPECIFICATION") {
                    if boot_catalog.is_none() {
                        boot_catalog = Some(le32(vd, 71));
                    }
                } else {
                    notes.push(format!(
                        "boot record at offset {pos:#x} for \"{}\" not read",
                        id_text(&vd[7..39])
                    ));
                }
            }
            1 => {
                if pvd.is_none() {
                    pvd = Some(pos);
                } else {
                    notes.push(format!("second primary volume descriptor at offset {pos:#x} ignored"));
                }
            }
            2 => {
                let level = match &vd[88..91] {
                    b"%/@" => Some(1),
                    b"%/C" => Some(2),
                    b"%/E" => Some(3),
                    _ => None,
                };
                match level {
                    Some(l) if vd[6] == 1 && joliet.is_none() => joliet = Some((pos, l)),
                    _ => notes.push(format!(
                        "supplementary volume descriptor at offset {pos:#x} (version {}) not read",
                        vd[6]
                    )),
                }
            }
            255 => break,
            t => notes.push(format!("volume descriptor of type {t} at offset {pos:#x} not read")),
        }
        pos += SECTOR;
    }
    let Some(pvd) = pvd else {
        return err(format!(
            "iso9660: no primary volume descriptor before the terminator at offset {pos:#x}"
        ));
    };
    Ok(Descriptors {
        pvd,
        joliet,
        boot_catalog,
        notes,
    })
}

fn date_fields(fields: &mut Vec<Field>, notes: &mut Vec<String>, name: &str, b: &[u8]) {
    match dec_datetime(b) {
        DecDate::Set(s) => {
            fields.push(Field::new(name, Value::Time(s.utc)));
            fields.push(Field::new(
                format!("{name}-tz-offset-minutes"),
                Value::Int(s.tz_minutes),
            ));
        }
        DecDate::Unset => {}
        DecDate::Invalid => {
            notes.push(format!("{name} is not a valid date: \"{}\"", b[..16].escape_ascii()));
            fields.push(Field::new(name, Value::Text(b[..16].escape_ascii().to_string())));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The walk.

/// One directory being listed.
struct Frame {
    path: String,
    entries: Vec<Entry>,
    next: usize,
}

fn open(blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let d: &[u8] = blob;
    let desc = descriptors(d)?;
    let pvd = &d[desc.pvd..desc.pvd + SECTOR];
    let mut notes = desc.notes;

    let bs = le16(pvd, 128);
    if !matches!(bs, 512 | 1024 | 2048) {
        return err(format!(
            "iso9660: primary volume descriptor at offset {:#x}: logical block size {bs} (expected 512, 1024 or 2048)",
            desc.pvd
        ));
    }
    let space = both32(pvd, 80);
    let mut fields = vec![
        Field::new("system-id", Value::Text(id_text(&pvd[8..40]))),
        Field::new("volume-id", Value::Text(id_text(&pvd[40..72]))),
        Field::new("volume-set-id", Value::Text(id_text(&pvd[190..318]))),
        Field::new("publisher-id", Value::Text(id_text(&pvd[318..446]))),
        Field::new("preparer-id", Value::Text(id_text(&pvd[446..574]))),
        Field::new("application-id", Value::Text(id_text(&pvd[574..702]))),
        // In bytes, so that a volume that grew with its content reads as a size.
        Field::new("volume-space-size", Value::Size(u64::from(space) * u64::from(bs))),
        Field::new("logical-block-size", Value::Int(bs.into())),
    ];
    for (name, r) in [
        ("copyright-file-id", 702..739),
        ("abstract-file-id", 739..776),
        ("bibliographic-file-id", 776..813),
    ] {
        let t = id_text(&pvd[r]);
        if !t.is_empty() {
            fields.push(Field::new(name, Value::Text(t)));
        }
    }
    for (name, at) in [
        ("creation-time", 813),
        ("modification-time", 830),
        ("expiration-time", 847),
        ("effective-time", 864),
    ] {
        date_fields(&mut fields, &mut notes, name, &pvd[at..at + 17]);
    }

    let mut img = Image {
        blob,
        data: d,
        bs: bs.into(),
        susp_skip: None,
        rr: false,
        joliet_names: false,
        ce_read: std::cell::Cell::new(0),
    };

    // The primary tree's root: its "." record says whether SUSP / Rock Ridge are in use.
    let root_at = desc.pvd + 156;
    if pvd[156] != 34 {
        return err(format!(
            "iso9660: primary volume descriptor at offset {:#x}: root directory record length {} (expected 34)",
            desc.pvd, pvd[156]
        ));
    }
    let root = img.record(root_at, root_at + 34, "")?;
    let root_range = img.extent(root.lba, root.xar, root.len.into(), &|| "root directory".into())?;
    let root_records = img.records(root_range.clone(), "", limits)?;
    let mut rr_id = None;
    if let Some(dot) = root_records.first().filter(|r| r.ident == [0]) {
        let rr = img.susp(dot, 0, "")?;
        if let Some(skip) = rr.sp {
            img.susp_skip = Some(skip.into());
            const RR_IDS: [&str; 3] = ["RRIP_1991A", "IEEE_P1282", "IEEE_1282"];
            rr_id = rr.er_ids.iter().find(|i| RR_IDS.contains(&i.as_str())).cloned();
            img.rr = rr_id.is_some() || rr.any_rr;
        }
    }
    fields.push(Field::new("rock-ridge", Value::Flag(img.rr)));
    if let Some(id) = &rr_id {
        fields.push(Field::new("rock-ridge-id", Value::Text(id.clone())));
    }
    fields.push(Field::new("joliet", Value::Flag(desc.joliet.is_some())));
    if let Some((_, level)) = desc.joliet {
        fields.push(Field::new("joliet-level", Value::Int(level.into())));
    }
    fields.push(Field::new("el-torito", Value::Flag(desc.boot_catalog.is_some())));

    // Which tree gives the names: Rock Ridge lives in the primary tree; Joliet has its own.
    let (tree_range, tree_records) = match desc.joliet {
        Some((at, level)) if !img.rr => {
            img.joliet_names = true;
            notes.push(format!("names from the Joliet tree (UCS-2 level {level})"));
            let jroot_at = at + 156;
            if d[jroot_at] != 34 {
                return err(format!(
                    "iso9660: Joliet volume descriptor at offset {at:#x}: root directory record length {} (expected 34)",
                    d[jroot_at]
                ));
            }
            let jroot = img.record(jroot_at, jroot_at + 34, "")?;
            let range = img.extent(jroot.lba, jroot.xar, jroot.len.into(), &|| {
                "Joliet root directory".into()
            })?;
            let records = img.records(range.clone(), "", limits)?;
            (range, records)
        }
        _ => {
            if img.rr {
                let joliet = if desc.joliet.is_some() {
                    "; the Joliet tree is not used for names"
                } else {
                    ""
                };
                notes.push(format!(
                    "names and attributes from Rock Ridge ({}){joliet}",
                    rr_id.as_deref().unwrap_or("no ER entry")
                ));
            }
            (root_range, root_records)
        }
    };

    let mut members = Vec::new();
    // A slice comparison is a memcmp, also in unoptimised test builds.
    static ZERO_AREA: [u8; VDS_START] = [0; VDS_START];
    if d[..VDS_START] != ZERO_AREA {
        members.push(Member {
            name: "(system area)".into(),
            kind: EntryKind::Section,
            fields: vec![Field::new("offset", Value::Offset(0))],
            data: Some(Data::Blob(blob.slice(0..VDS_START))),
            size: VDS_START as u64,
        });
    }
    let mut walk = Walk {
        img: &img,
        limits,
        members,
        visited: BTreeMap::new(),
        relocated: 0,
        file_sizes: HashMap::new(),
    };
    walk.visited
        .insert(tree_range.start as u64, (tree_range.end as u64, String::new()));
    walk.run(tree_records)?;
    if walk.relocated > 0 {
        notes.push(format!(
            "{} relocated directories (Rock Ridge CL/RE) listed at their original place",
            walk.relocated
        ));
    }
    let file_sizes = std::mem::take(&mut walk.file_sizes);
    let mut members = walk.members;

    if let Some(cat) = desc.boot_catalog {
        el_torito(&img, cat, &file_sizes, limits, &mut members, &mut notes)?;
    }

    let volume_end = u64::from(space) * img.bs;
    if (d.len() as u64) < volume_end {
        notes.push(format!(
            "image is {} bytes, shorter than its volume space of {volume_end} bytes (truncated?)",
            d.len()
        ));
    } else if let Some(after) = d.get(volume_end as usize..) {
        const ZEROS: [u8; 4096] = [0; 4096];
        if after.chunks(ZEROS.len()).any(|c| c != &ZEROS[..c.len()]) {
            members.push(Member {
                name: "(data after the volume)".into(),
                kind: EntryKind::Section,
                fields: vec![Field::new("offset", Value::Offset(volume_end))],
                data: Some(Data::Blob(blob.slice(volume_end as usize..d.len()))),
                size: after.len() as u64,
            });
        }
    }
    if members.len() > limits.max_members {
        return err(format!("iso9660: more than {} entries (limit)", limits.max_members));
    }

    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

struct Walk<'a, 'b> {
    img: &'a Image<'b>,
    limits: &'a Limits,
    members: Vec<Member>,
    /// Directory extents read so far (start → end and path), to refuse loops and overlaps.
    visited: BTreeMap<u64, (u64, String)>,
    relocated: usize,
    /// Byte offset of each file's first extent → its size, to size El Torito boot images
    /// (which are addressed in 2048-byte sectors whatever the logical block size).
    file_sizes: HashMap<u64, u64>,
}

impl Walk<'_, '_> {
    fn run(&mut self, root_records: Vec<Record>) -> Result<(), FormatError> {
        let img = self.img;
        let mut stack = vec![Frame {
            path: String::new(),
            entries: img.entries(root_records, "")?,
            next: 0,
        }];
        while let Some(top) = stack.last_mut() {
            let Some(entry) = top.entries.get_mut(top.next) else {
                stack.pop();
                continue;
            };
            // Each entry is visited once: its records can be moved out.
            let records = std::mem::take(&mut entry.records);
            top.next += 1;
            let dir_path = top.path.clone();
            let rec = &records[0];
            let rr = if img.rr {
                img.susp(rec, img.susp_skip.unwrap_or(0), &dir_path)?
            } else {
                Rr::default()
            };
            if rr.re {
                // Listed where its CL placeholder is.
                continue;
            }
            let mut name = img.name_of(rec, &rr, &dir_path)?;
            if rec.flags & FLAG_ASSOCIATED != 0 {
                name.push_str(" (associated file)");
            }
            let path = join(&dir_path, &name);
            if path.len() > MAX_PATH {
                return err(format!(
                    "iso9660: directory record at offset {:#x} (in {}): path longer than {MAX_PATH} bytes",
                    rec.at,
                    shown(&dir_path)
                ));
            }
            if self.members.len() >= self.limits.max_members {
                return err(format!(
                    "iso9660: more than {} entries (limit)",
                    self.limits.max_members
                ));
            }

            if rec.flags & FLAG_DIR != 0 || rr.cl.is_some() {
                // The root's frame is on the stack too: this directory is at depth stack.len().
                if stack.len() > MAX_DEPTH {
                    return err(format!(
                        "iso9660: directory {} is nested deeper than {MAX_DEPTH} levels",
                        shown(&path)
                    ));
                }
                let (member, records) = self.directory(rec, rr, &path)?;
                self.members.push(member);
                let entries = img.entries(records, &path)?;
                stack.push(Frame { path, entries, next: 0 });
            } else {
                let member = self.file(&records, rr, path)?;
                self.members.push(member);
            }
        }
        Ok(())
    }

    /// A directory member and its records (read once: a second visit is a loop).
    fn directory(&mut self, rec: &Record, rr: Rr, path: &str) -> Result<(Member, Vec<Record>), FormatError> {
        let img = self.img;
        let (rec, rr) = match rr.cl {
            Some(cl) => {
                // A relocated directory: its own "." record gives its extent and attributes.
                self.relocated += 1;
                let at = u64::from(cl) * img.bs;
                let dot = if at.saturating_add(34) <= img.data.len() as u64 {
                    let at = at as usize;
                    let end = ((at / SECTOR + 1) * SECTOR).min(img.data.len());
                    Some(img.record(at, end, path)?).filter(|r| r.ident == [0])
                } else {
                    None
                };
                let Some(dot) = dot else {
                    return err(format!(
                        "iso9660: Rock Ridge CL of {} points at block {cl}, which does not start with a \".\" directory record",
                        shown(path)
                    ));
                };
                let dot_rr = img.susp(&dot, img.susp_skip.unwrap_or(0), path)?;
                (dot, dot_rr)
            }
            None => (rec.clone(), rr),
        };
        let range = img.extent(rec.lba, rec.xar, rec.len.into(), &|| {
            format!("directory {}", shown(path))
        })?;
        let start = (u64::from(rec.lba) + u64::from(rec.xar)) * img.bs;
        // An empty extent holds nothing to loop through (and may point anywhere).
        if !range.is_empty() {
            // Which tree is being read, for the messages: a Joliet loop may sit under a sound
            // primary tree.
            let tree = if img.joliet_names { " in the Joliet tree" } else { "" };
            if let Some((_, first)) = self.visited.get(&start) {
                return err(format!(
                    "iso9660: directory loop{tree}: {} (extent at offset {start:#x}) was already read as {}",
                    shown(path),
                    shown(first)
                ));
            }
            // Directory extents are disjoint in real images. One that overlaps another (say, a
            // length reaching to the end of the image) would list that one's records again, so
            // nested ones could make the work quadratic in the image size.
            let end = range.end as u64;
            if let Some((&s, (e, other))) = self.visited.range(..end).next_back() {
                if *e > start {
                    return err(format!(
                        "iso9660: directory {}{tree} (extent at offset {start:#x}, {} bytes) overlaps the extent of {} (at offset {s:#x}, {} bytes) read before",
                        shown(path),
                        rec.len,
                        shown(other),
                        e - s
                    ));
                }
            }
            self.visited.insert(start, (end, path.to_string()));
        }
        let records = img.records(range, path, self.limits)?;
        let mut fields = attributes(&rec, &rr);
        fields.push(Field::new("offset", Value::Offset(start)));
        fields.push(Field::new("extent-lba", Value::Offset(rec.lba.into())));
        fields.push(Field::new("size", Value::Size(rec.len.into())));
        let member = Member {
            name: path.to_string(),
            kind: EntryKind::Dir,
            fields,
            data: None,
            // The directory extent's length: when it grows, everything after it moves.
            size: rec.len.into(),
        };
        Ok((member, records))
    }

    fn file(&mut self, records: &[Record], rr: Rr, path: String) -> Result<Member, FormatError> {
        let img = self.img;
        let rec = &records[0];
        let mut fields = attributes(rec, &rr);
        let mut ranges = Vec::with_capacity(records.len());
        let mut total: u64 = 0;
        for (i, r) in records.iter().enumerate() {
            let what = || {
                if records.len() > 1 {
                    format!("file {} (part {})", shown(&path), i + 1)
                } else {
                    format!("file {}", shown(&path))
                }
            };
            ranges.push(img.extent(r.lba, r.xar, r.len.into(), &what)?);
            total += u64::from(r.len);
        }
        let first_offset = (u64::from(rec.lba) + u64::from(rec.xar)) * img.bs;
        fields.push(Field::new("offset", Value::Offset(first_offset)));
        fields.push(Field::new("extent-lba", Value::Offset(rec.lba.into())));
        if records.len() > 1 {
            fields.push(Field::new("extents", Value::Int(records.len() as i64)));
        }
        if let Some(z) = &rr.zf {
            fields.push(Field::new("zisofs", Value::Text(z.clone())));
        }
        self.file_sizes.entry(first_offset).or_insert(total);

        let mode_type = rr.px.map(|p| p.0 & S_IFMT);
        let kind = match (mode_type, rr.pn) {
            (Some(S_IFLNK), _) => EntryKind::Symlink {
                target: rr.symlink.clone().unwrap_or_default(),
            },
            (Some(S_IFCHR), Some((major, minor))) => EntryKind::CharDevice { major, minor },
            (Some(S_IFBLK), Some((major, minor))) => EntryKind::BlockDevice { major, minor },
            (Some(S_IFCHR), None) => EntryKind::CharDevice { major: 0, minor: 0 },
            (Some(S_IFBLK), None) => EntryKind::BlockDevice { major: 0, minor: 0 },
            (Some(S_IFIFO), _) => EntryKind::Fifo,
            (Some(S_IFSOCK), _) => EntryKind::Socket,
            // Regular files, and anything odd, keep their data so that nothing is hidden.
            _ => EntryKind::File,
        };
        if matches!(kind, EntryKind::CharDevice { .. } | EntryKind::BlockDevice { .. }) {
            if let Some((major, minor)) = rr.pn {
                fields.push(Field::new("rdev", Value::Text(format!("{major}:{minor}"))));
            }
        }
        let (data, size) = if kind == EntryKind::File {
            (Some(self.join_extents(&ranges, total)?), total)
        } else {
            (None, 0)
        };
        Ok(Member {
            name: path,
            kind,
            fields,
            data,
            size,
        })
    }

    /// The data of a file's extents: zero-copy when they are contiguous, else joined when
    /// compared (through a spilling sink, so a multi-extent file of gigabytes costs no memory).
    fn join_extents(&self, ranges: &[std::ops::Range<usize>], total: u64) -> Result<Data, FormatError> {
        let blob = self.img.blob;
        if ranges.len() == 1 || ranges.windows(2).all(|w| w[0].end == w[1].start) {
            let (start, end) = (ranges[0].start, ranges[ranges.len() - 1].end);
            return Ok(Data::Blob(blob.slice(start..end)));
        }
        // Disjoint extents cannot add up to more than the image: overlapping ones could be
        // used to make a small image claim a huge file.
        if total > self.img.data.len() as u64 {
            return err(format!(
                "iso9660: multi-extent file of {total} bytes: its extents overlap (the image is {} bytes)",
                self.img.data.len()
            ));
        }
        if total > self.limits.max_decompressed {
            return err(format!(
                "iso9660: multi-extent file of {total} bytes is larger than the limit of {} bytes",
                self.limits.max_decompressed
            ));
        }
        Ok(Data::Lazy(std::sync::Arc::new(Concat {
            tag: "iso9660-extents",
            pieces: ranges.iter().map(|r| blob.slice(r.clone())).collect(),
        })))
    }
}

/// Fields from Rock Ridge (PX, TF) or, without it, the directory record's date.
fn attributes(rec: &Record, rr: &Rr) -> Vec<Field> {
    let mut f = Vec::new();
    if let Some((mode, nlink, uid, gid)) = rr.px {
        f.push(Field::new("mode", Value::Mode(mode)));
        f.push(Field::new("uid", Value::Id(uid.into())));
        f.push(Field::new("gid", Value::Id(gid.into())));
        f.push(Field::new("nlink", Value::Int(nlink.into())));
    }
    let recorded = record_date(&rec.date);
    match (rr.modify, recorded) {
        (Some(m), rec_date) => {
            f.push(Field::new("mtime", Value::Time(m.utc)));
            // The record's own date is bytes in the image too: shown when it says otherwise.
            match rec_date {
                Ok(Some(r)) if r.utc != m.utc => f.push(Field::new("record-time", Value::Time(r.utc))),
                Err(()) => f.push(Field::new("record-date", Value::Hex(rec.date.to_vec()))),
                _ => {}
            }
        }
        (None, Ok(Some(r))) => {
            f.push(Field::new("mtime", Value::Time(r.utc)));
            if r.tz_minutes != 0 {
                f.push(Field::new("mtime-tz-offset-minutes", Value::Int(r.tz_minutes)));
            }
        }
        (None, Ok(None)) => {}
        (None, Err(())) => f.push(Field::new("record-date", Value::Hex(rec.date.to_vec()))),
    }
    if let Some(a) = rr.access {
        f.push(Field::new("atime", Value::Time(a.utc)));
    }
    if let Some(c) = rr.attributes {
        f.push(Field::new("ctime", Value::Time(c.utc)));
    }
    if let Some(c) = rr.creation {
        f.push(Field::new("crtime", Value::Time(c.utc)));
    }
    if rec.flags & 0x01 != 0 {
        f.push(Field::new("hidden", Value::Flag(true)));
    }
    f
}

// ---------------------------------------------------------------------------------------------
// El Torito.

fn platform(id: u8) -> String {
    let name = match id {
        0 => "x86",
        1 => "PowerPC",
        2 => "Mac",
        0xef => "EFI",
        _ => "unknown",
    };
    format!("{name} ({id:#04x})")
}

fn media(m: u8) -> String {
    let name = match m & 0x0f {
        0 => "no emulation",
        1 => "1.2M floppy",
        2 => "1.44M floppy",
        3 => "2.88M floppy",
        4 => "hard disk",
        _ => "unknown",
    };
    format!("{name} ({})", m & 0x0f)
}

fn el_torito(
    img: &Image,
    cat_lba: u32,
    file_sizes: &HashMap<u64, u64>,
    limits: &Limits,
    members: &mut Vec<Member>,
    notes: &mut Vec<String>,
) -> Result<(), FormatError> {
    let d = img.data;
    // The catalog is addressed in 2048-byte sectors; it is as long as its file when the tree
    // lists one, else one sector.
    let at = u64::from(cat_lba) * SECTOR as u64;
    let len = file_sizes.get(&at).copied().unwrap_or(SECTOR as u64).max(SECTOR as u64);
    let here = format!("iso9660: El Torito boot catalog at offset {at:#x}");
    if at.saturating_add(64) > d.len() as u64 {
        return err(format!("{here}: past the end of the image ({} bytes)", d.len()));
    }
    let cat = &d[at as usize..(at.saturating_add(len).min(d.len() as u64)) as usize];
    let v = &cat[..32];
    if v[0] != 1 {
        return err(format!(
            "{here}: validation entry header id {:#04x} (expected 0x01)",
            v[0]
        ));
    }
    if v[30..32] != [0x55, 0xaa] {
        return err(format!(
            "{here}: validation entry key bytes {:02x} {:02x} (expected 55 aa)",
            v[30], v[31]
        ));
    }
    let sum = (0..16).fold(0u16, |a, i| a.wrapping_add(le16(v, 2 * i)));
    if sum != 0 {
        return err(format!(
            "{here}: validation entry checksum does not sum to zero ({sum:#06x})"
        ));
    }
    let mut cat_fields = vec![
        Field::new("offset", Value::Offset(at)),
        Field::new("extent-lba", Value::Offset(cat_lba.into())),
        Field::new("platform-id", Value::Text(platform(v[1]))),
    ];
    let id = id_text(&v[4..28]);
    if !id.is_empty() {
        cat_fields.push(Field::new("id-string", Value::Text(id)));
    }

    // (entry offset, platform) of every boot entry: the default one, then the sections'.
    let mut entries: Vec<(usize, u8)> = vec![(32, v[1])];
    let mut pos = 64;
    let mut last = false;
    while !last && pos + 32 <= cat.len() && entries.len() < MAX_BOOT_ENTRIES {
        let h = &cat[pos..pos + 32];
        match h[0] {
            0x90 | 0x91 => {
                last = h[0] == 0x91;
                let (plat, n) = (h[1], usize::from(le16(h, 2)));
                pos += 32;
                let mut k = 0;
                while k < n && pos + 32 <= cat.len() && entries.len() < MAX_BOOT_ENTRIES {
                    if cat[pos] == 0x44 {
                        // A section entry extension: more selection criteria, no image.
                        pos += 32;
                        continue;
                    }
                    entries.push((pos, plat));
                    pos += 32;
                    k += 1;
                }
                if k < n {
                    notes.push(format!(
                        "{}: section header at +{:#x} announces {n} entries, {k} read",
                        &here["iso9660: ".len()..],
                        pos
                    ));
                }
            }
            // Extensions of the last section entry.
            0x44 => pos += 32,
            _ => break,
        }
    }
    cat_fields.push(Field::new("boot-images", Value::Int(entries.len() as i64)));
    members.push(Member {
        name: "(boot catalog)".into(),
        kind: EntryKind::Section,
        fields: cat_fields,
        data: None,
        size: 0,
    });

    for (n, (off, plat)) in entries.into_iter().enumerate() {
        let e = &cat[off..off + 32];
        if members.len() >= limits.max_members {
            return err(format!("iso9660: more than {} entries (limit)", limits.max_members));
        }
        let (load_segment, sectors, rba) = (le16(e, 2), le16(e, 6), le32(e, 8));
        let start = u64::from(rba) * SECTOR as u64;
        let size: u64 = match e[1] & 0x0f {
            1 => 1_228_800,
            2 => 1_474_560,
            3 => 2_949_120,
            // No emulation / hard disk: the image's file in the tree knows its size; the
            // sector count (512-byte units) is only what the firmware loads first.
            _ => file_sizes.get(&start).copied().unwrap_or(u64::from(sectors) * 512),
        };
        let end = start.saturating_add(size);
        if end > d.len() as u64 {
            return err(format!(
                "iso9660: El Torito boot image {} at offset {start:#x} ({size} bytes) goes past the end of the image ({} bytes)",
                n + 1,
                d.len()
            ));
        }
        let mut fields = vec![
            Field::new("platform-id", Value::Text(platform(plat))),
            Field::new("bootable", Value::Flag(e[0] == 0x88)),
            Field::new("boot-media-type", Value::Text(media(e[1]))),
            Field::new("load-segment", Value::Int(load_segment.into())),
            Field::new("system-type", Value::Int(e[4].into())),
            Field::new("sector-count", Value::Int(sectors.into())),
            Field::new("load-rba", Value::Offset(rba.into())),
            Field::new("offset", Value::Offset(start)),
        ];
        if n > 0 && e[12] != 0 {
            let mut s = String::new();
            for b in &e[13..32] {
                let _ = write!(s, "{b:02x}");
            }
            fields.push(Field::new(
                "selection-criteria",
                Value::Text(format!("type {}: {s}", e[12])),
            ));
        }
        members.push(Member {
            name: format!("(boot image {})", n + 1),
            kind: EntryKind::Section,
            fields,
            data: Some(Data::Blob(img.blob.slice(start as usize..end as usize))),
            size,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_apply_the_timezone() {
        // 2024-01-01 12:00:00 at UTC+02:00 (8 quarter hours) is 10:00 UTC.
        let mut b = *b"2024010112000000\x08";
        assert_eq!(
            dec_datetime(&b),
            DecDate::Set(Stamp {
                utc: 1_704_067_200 + 10 * 3600,
                tz_minutes: 120
            })
        );
        b = *b"0000000000000000\x00";
        assert_eq!(dec_datetime(&b), DecDate::Unset);
        b = *b"2024130112000000\x00";
        assert_eq!(dec_datetime(&b), DecDate::Invalid);
        // 124 years after 1900, 1 Jan 00:00:00 at UTC-01:00 (-4) is 01:00 UTC.
        let r = [124, 1, 1, 0, 0, 0, (-4i8) as u8];
        assert_eq!(
            record_date(&r),
            Ok(Some(Stamp {
                utc: 1_704_067_200 + 3600,
                tz_minutes: -60
            }))
        );
        assert_eq!(record_date(&[0; 7]), Ok(None));
        assert_eq!(record_date(&[124, 0, 1, 0, 0, 0, 0]), Err(()));
    }

    #[test]
    fn versions_are_stripped() {
        assert_eq!(strip_version("HELLO.TXT;1"), "HELLO.TXT");
        assert_eq!(strip_version("A;B"), "A;B");
        assert_eq!(strip_version("NOEXT.;12"), "NOEXT.");
    }
}
