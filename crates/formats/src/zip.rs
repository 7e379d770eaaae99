//! zip archives (and jar, wheel, apk, OOXML...: all plain zip), read by hand from PKWARE's
//! APPNOTE: the end of central directory record (and its zip64 form), the central directory,
//! and each entry's local header, so the raw header fields can be shown typed.
//!
//! - Members are listed in central-directory order; names are normalized like tar and cpio
//!   names (no leading `./` or `/`, no trailing `/`).
//! - Data is decompressed when the engine asks for it, not when the archive is opened (so
//!   opening a large jar costs no memory): stored, deflate (flate2), bzip2, LZMA, zstd and xz;
//!   each entry's CRC-32 and size are checked when it is loaded. Two entries with the same
//!   method and stored bytes are known equal without decompressing either. Other methods
//!   (deflate64, PPMd, ...) and encrypted entries get no data, and a note.
//! - What the local header says is compared with the central directory (name, method, flags,
//!   time, CRC-32, sizes, via the data descriptor when there is one); disagreements are notes:
//!   readers differ on which one they trust, a known way to smuggle content.
//! - DOS times are local time without a zone, in 2-second steps: `mtime` shows them as if UTC.
//!   The `UT` extra field (`mtime-ext`, ...) holds real UTC seconds.

use liblzma::stream::{Action, Status as LzmaStatus, Stream};

use crate::bytes::{le16, le32, le64};
use crate::model::days_from_civil;
use crate::model::mode_bits::{S_IFDIR, S_IFLNK, S_IFMT};
use crate::model::{
    err, normalize_name, stored_name_field, Blob, Data, EntryKind, Field, FormatError, Limits, Loader, Member, Opened,
    Value,
};
use crate::registry::Format;
use crate::stream::{self, Step};

pub struct Zip;

const LOCAL_SIG: &[u8; 4] = b"PK\x03\x04";
const CENTRAL_SIG: &[u8; 4] = b"PK\x01\x02";
const EOCD_SIG: &[u8; 4] = b"PK\x05\x06";
const ZIP64_EOCD_SIG: &[u8; 4] = b"PK\x06\x06";
const ZIP64_LOCATOR_SIG: &[u8; 4] = b"PK\x06\x07";
const DESCRIPTOR_SIG: &[u8; 4] = b"PK\x07\x08";

const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DESCRIPTOR: u16 = 0x0008;
const FLAG_UTF8: u16 = 0x0800;

/// At most this many notes of one kind; the rest are counted in one line.
const MAX_NOTES: usize = 20;

impl Format for Zip {
    fn name(&self) -> &'static str {
        "zip"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(LOCAL_SIG) || (head.starts_with(EOCD_SIG) && head.len() >= EOCD_LEN)
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

// Fixed-offset reads inside records whose length was checked when they were sliced.
/// `len` bytes at `at`, if all there.
fn get(b: &[u8], at: u64, len: usize) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    b.get(at..at.checked_add(len)?)
}

/// The end of central directory record, with zip64 values applied.
struct Eocd {
    at: usize,
    /// Where the central directory must end: the zip64 record if there is one, else `at`.
    cd_end: usize,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
    comment: Vec<u8>,
    zip64: bool,
}

fn find_eocd(input: &[u8]) -> Result<(Eocd, Vec<String>), FormatError> {
    let mut notes = Vec::new();
    if input.len() < EOCD_LEN {
        return err(format!(
            "zip: no end of central directory record (the file has only {} bytes)",
            input.len()
        ));
    }
    // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end. Scanning
    // back, the first signature whose comment length reaches exactly the end wins; a record
    // followed by other bytes is accepted only when no exact one exists.
    let lowest = input.len().saturating_sub(EOCD_LEN + 0xffff);
    let mut loose = None;
    let mut exact = None;
    for at in (lowest..=input.len() - EOCD_LEN).rev() {
        if &input[at..at + 4] != EOCD_SIG {
            continue;
        }
        let end = at + EOCD_LEN + usize::from(le16(input, at + 20));
        if end == input.len() {
            exact = Some(at);
            break;
        }
        if end < input.len() && loose.is_none() {
            loose = Some(at);
        }
    }
    let Some(at) = exact.or(loose) else {
        return err("zip: no end of central directory record in the last 65557 bytes");
    };
    let r = &input[at..];
    let comment_len = usize::from(le16(r, 20));
    let after = at + EOCD_LEN + comment_len;
    if after < input.len() {
        notes.push(format!(
            "{} bytes after the end of central directory record at offset {after:#x}",
            input.len() - after
        ));
    }
    let (disk, cd_disk) = (le16(r, 4), le16(r, 6));
    let mut e = Eocd {
        at,
        cd_end: at,
        entries: u64::from(le16(r, 10)),
        cd_size: u64::from(le32(r, 12)),
        cd_offset: u64::from(le32(r, 16)),
        comment: r[EOCD_LEN..EOCD_LEN + comment_len].to_vec(),
        zip64: false,
    };
    if disk != 0 || cd_disk != 0 || le16(r, 8) != le16(r, 10) {
        return err(format!(
            "zip: multi-disk (split or spanned) archives are not supported (disk {disk}, central directory on disk {cd_disk})"
        ));
    }
    // A zip64 locator sits right before the record.
    if let Some(loc) = at.checked_sub(20).map(|l| &input[l..at]) {
        if &loc[..4] == ZIP64_LOCATOR_SIG {
            let z_at = le64(loc, 8);
            let z = get(input, z_at, 56)
                .filter(|z| &z[..4] == ZIP64_EOCD_SIG)
                .ok_or_else(|| {
                    FormatError::new(format!(
                        "zip: the zip64 locator points at offset {z_at:#x}, where there is no zip64 end of central directory record"
                    ))
                })?;
            if le32(z, 16) != 0 || le32(z, 20) != 0 || le32(loc, 16) > 1 {
                return err("zip: multi-disk (split or spanned) zip64 archives are not supported");
            }
            e.entries = le64(z, 32);
            e.cd_size = le64(z, 40);
            e.cd_offset = le64(z, 48);
            e.cd_end = usize::try_from(z_at).unwrap_or(usize::MAX);
            e.zip64 = true;
        }
    }
    Ok((e, notes))
}

/// One entry as the central directory and its local header describe it.
struct Entry {
    raw_name: Vec<u8>,
    name: String,
    made_by: u16,
    needed: u16,
    flags: u16,
    method: u16,
    time: u16,
    date: u16,
    crc: u32,
    csize: u64,
    usize_: u64,
    internal: u16,
    external: u32,
    offset: u64,
    extra: Vec<u8>,
    comment: Vec<u8>,
    local_extra: Vec<u8>,
    data_start: u64,
}

impl Entry {
    fn unix(&self) -> bool {
        self.made_by >> 8 == 3
    }
}

fn open(data: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let (eocd, mut notes) = find_eocd(input)?;
    if eocd.entries > limits.max_members as u64 {
        return err(format!(
            "zip: {} entries, more than the limit of {}",
            eocd.entries, limits.max_members
        ));
    }
    let cd = usize::try_from(eocd.cd_offset)
        .ok()
        .zip(usize::try_from(eocd.cd_size).ok())
        .and_then(|(o, s)| Some((o, o.checked_add(s)?)))
        .filter(|&(_, end)| end <= eocd.cd_end)
        .ok_or_else(|| {
            FormatError::new(format!(
                "zip: the central directory (offset {:#x}, {} bytes) runs past its end record at offset {:#x}",
                eocd.cd_offset, eocd.cd_size, eocd.cd_end
            ))
        })?;

    let mut entries = Vec::new();
    let mut p = cd.0;
    for i in 0..eocd.entries {
        let e = read_central(input, p, i, cd.1)?;
        p = e.1;
        entries.push(e.0);
    }
    if p != cd.1 {
        notes.push(format!(
            "{} bytes in the central directory after its {} entries",
            cd.1 - p,
            eocd.entries
        ));
    }
    let zip64_end = if eocd.zip64 { eocd.cd_end } else { eocd.at };
    if cd.1 < zip64_end {
        notes.push(format!(
            "{} bytes between the central directory and its end record at offset {:#x}",
            zip64_end - cd.1,
            cd.1
        ));
    }

    let mut counts = NoteCounter::default();
    let mut members = Vec::with_capacity(entries.len());
    let mut seen = std::collections::HashSet::new();
    for (i, e) in entries.iter_mut().enumerate() {
        read_local(input, e, &mut counts, &mut notes)?;
        if !seen.insert(e.name.clone()) {
            counts.push(
                &mut notes,
                "duplicate",
                format!("zip entry {i}: name '{}' occurs more than once", e.name),
            );
        }
        members.push(member(data, e, &mut counts, &mut notes)?);
    }
    layout_notes(input, &entries, cd.0, data, &mut notes, &mut members, &mut counts);
    counts.finish(&mut notes);

    let dos_times = entries.iter().any(|e| e.date != 0 || e.time != 0);
    if dos_times {
        notes.push(
            "zip mtime fields are DOS times: local time without a time zone, shown as if UTC, in 2-second steps".into(),
        );
    }
    let mut fields = vec![
        Field::new("members", Value::Int(entries.len() as i64)),
        Field::new("central-directory-offset", Value::Offset(eocd.cd_offset)),
        Field::new("central-directory-size", Value::Size(eocd.cd_size)),
    ];
    if eocd.zip64 {
        fields.push(Field::new("zip64", Value::Flag(true)));
    }
    if !eocd.comment.is_empty() {
        fields.push(Field::new("comment", Value::Text(decode_name(&eocd.comment, false))));
    }
    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

/// Counts notes per kind and keeps only the first few of each.
#[derive(Default)]
struct NoteCounter {
    kinds: Vec<(&'static str, usize)>,
}

impl NoteCounter {
    fn push(&mut self, notes: &mut Vec<String>, kind: &'static str, note: String) {
        let n = match self.kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => n,
            None => {
                self.kinds.push((kind, 0));
                &mut self.kinds.last_mut().expect("just pushed").1
            }
        };
        *n += 1;
        if *n <= MAX_NOTES {
            notes.push(note);
        }
    }

    fn finish(&self, notes: &mut Vec<String>) {
        for (kind, n) in &self.kinds {
            if *n > MAX_NOTES {
                notes.push(format!("... and {} more notes of kind '{kind}'", n - MAX_NOTES));
            }
        }
    }
}

fn read_central(input: &[u8], at: usize, i: u64, cd_end: usize) -> Result<(Entry, usize), FormatError> {
    let truncated = || {
        FormatError::new(format!(
            "zip: central directory entry {i} at offset {at:#x} runs past the end of the central directory"
        ))
    };
    let h = input.get(at..cd_end).ok_or_else(truncated)?;
    let fixed = h.get(..CENTRAL_LEN).ok_or_else(truncated)?;
    if &fixed[..4] != CENTRAL_SIG {
        return err(format!(
            "zip: no central directory entry {i} at offset {at:#x} (bad signature)"
        ));
    }
    let (n, m, k) = (
        usize::from(le16(fixed, 28)),
        usize::from(le16(fixed, 30)),
        usize::from(le16(fixed, 32)),
    );
    let total = CENTRAL_LEN + n + m + k;
    let var = h.get(CENTRAL_LEN..total).ok_or_else(truncated)?;
    let raw_name = var[..n].to_vec();
    let extra = var[n..n + m].to_vec();
    let comment = var[n + m..].to_vec();
    let flags = le16(fixed, 8);
    let mut e = Entry {
        name: String::new(),
        made_by: le16(fixed, 4),
        needed: le16(fixed, 6),
        flags,
        method: le16(fixed, 10),
        time: le16(fixed, 12),
        date: le16(fixed, 14),
        crc: le32(fixed, 16),
        csize: u64::from(le32(fixed, 20)),
        usize_: u64::from(le32(fixed, 24)),
        internal: le16(fixed, 36),
        external: le32(fixed, 38),
        offset: u64::from(le32(fixed, 42)),
        raw_name,
        extra,
        comment,
        local_extra: Vec::new(),
        data_start: 0,
    };
    if le16(fixed, 34) != 0 {
        return err(format!(
            "zip: entry {i} starts on disk {}: multi-disk archives are not supported",
            le16(fixed, 34)
        ));
    }
    // zip64: each 32-bit field that is all ones is in the 0x0001 extra field, in this order.
    if let Some(z) = extra_field(&e.extra, 0x0001) {
        let mut p = 0;
        let mut next = |v: &mut u64| {
            if *v == 0xffff_ffff {
                if let Some(b) = z.get(p..p + 8) {
                    *v = le64(b, 0);
                    p += 8;
                }
            }
        };
        next(&mut e.usize_);
        next(&mut e.csize);
        next(&mut e.offset);
    }
    e.name = entry_name(&e);
    Ok((e, at + total))
}

/// The entry's name: the Info-ZIP Unicode Path extra field when it matches the header name,
/// else UTF-8 (flagged, or valid anyway, as Unix zip tools write), else IBM code page 437.
fn entry_name(e: &Entry) -> String {
    if let Some(u) = extra_field(&e.extra, 0x7075) {
        if u.len() > 5 && u[0] == 1 && le32(u, 1) == crc32fast::hash(&e.raw_name) {
            if let Ok(s) = std::str::from_utf8(&u[5..]) {
                return s.to_string();
            }
        }
    }
    decode_name(&e.raw_name, e.flags & FLAG_UTF8 != 0)
}

fn decode_name(raw: &[u8], utf8: bool) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) if utf8 => String::from_utf8_lossy(raw).into_owned(),
        Err(_) => raw.iter().map(|&b| cp437(b)).collect(),
    }
}

/// IBM code page 437, the zip specification's default name encoding.
fn cp437(b: u8) -> char {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    if b < 0x80 {
        char::from(b)
    } else {
        HIGH.chars().nth(usize::from(b - 0x80)).unwrap_or('\u{fffd}')
    }
}

/// The data of the first extra field with this id, if the extra block holds one.
fn extra_field(extra: &[u8], id: u16) -> Option<&[u8]> {
    extra_fields(extra)
        .0
        .into_iter()
        .find(|(i, _)| *i == id)
        .map(|(_, d)| d)
}

/// (id, data) of each extra field, and whether the block was well-formed.
fn extra_fields(mut x: &[u8]) -> (Vec<(u16, &[u8])>, bool) {
    let mut out = Vec::new();
    while !x.is_empty() {
        if x.len() < 4 {
            return (out, false);
        }
        let (id, len) = (le16(x, 0), usize::from(le16(x, 2)));
        let Some(d) = x.get(4..4 + len) else {
            return (out, false);
        };
        out.push((id, d));
        x = &x[4 + len..];
    }
    (out, true)
}

fn read_local(
    input: &[u8],
    e: &mut Entry,
    counts: &mut NoteCounter,
    notes: &mut Vec<String>,
) -> Result<(), FormatError> {
    let name = &e.name;
    let h = get(input, e.offset, LOCAL_LEN)
        .filter(|h| &h[..4] == LOCAL_SIG)
        .ok_or_else(|| FormatError::new(format!("zip entry '{name}': no local header at offset {:#x}", e.offset)))?;
    let (n, m) = (usize::from(le16(h, 26)), usize::from(le16(h, 28)));
    let var = get(input, e.offset + LOCAL_LEN as u64, n + m).ok_or_else(|| {
        FormatError::new(format!(
            "zip entry '{name}': local header at offset {:#x} runs past the end of the archive",
            e.offset
        ))
    })?;
    e.local_extra = var[n..].to_vec();
    e.data_start = e.offset + (LOCAL_LEN + n + m) as u64;

    let mut differ = |what: &str, local: String, central: String| {
        counts.push(
            notes,
            "local-central",
            format!("zip entry '{name}': the local header says {what} {local}, the central directory {central}"),
        );
    };
    if var[..n] != e.raw_name[..] {
        differ(
            "name",
            format!("'{}'", decode_name(&var[..n], e.flags & FLAG_UTF8 != 0)),
            format!("'{}'", decode_name(&e.raw_name, e.flags & FLAG_UTF8 != 0)),
        );
    }
    let (l_needed, l_flags, l_method) = (le16(h, 4), le16(h, 6), le16(h, 8));
    if l_method != e.method {
        differ("method", method_name(l_method), method_name(e.method));
    }
    if l_flags != e.flags {
        differ("flags", format!("{l_flags:#06x}"), format!("{:#06x}", e.flags));
    }
    if l_needed != e.needed {
        differ("version needed", version(l_needed), version(e.needed));
    }
    if (le16(h, 10), le16(h, 12)) != (e.time, e.date) {
        differ("DOS time", dos_text(le16(h, 12), le16(h, 10)), dos_text(e.date, e.time));
    }
    // CRC and sizes: in the local header, or (flag bit 3) in a data descriptor after the data.
    let mut l_crc = le32(h, 14);
    let mut l_csize = u64::from(le32(h, 18));
    let mut l_usize = u64::from(le32(h, 22));
    let local_zip64 = extra_field(&e.local_extra, 0x0001);
    if let Some(z) = local_zip64 {
        if l_usize == 0xffff_ffff && z.len() >= 8 {
            l_usize = le64(z, 0);
        }
        if l_csize == 0xffff_ffff && z.len() >= 16 {
            l_csize = le64(z, 8);
        }
    }
    if l_flags & FLAG_DESCRIPTOR != 0 {
        let at = e.data_start.saturating_add(e.csize);
        let wide = local_zip64.is_some() || e.csize >= 0xffff_ffff || e.usize_ >= 0xffff_ffff;
        let len = if wide { 20 } else { 12 };
        let with_sig = get(input, at, 4) == Some(&DESCRIPTOR_SIG[..]);
        let d_at = if with_sig { at + 4 } else { at };
        match get(input, d_at, len) {
            Some(d) => {
                l_crc = le32(d, 0);
                (l_csize, l_usize) = if wide {
                    (le64(d, 4), le64(d, 12))
                } else {
                    (u64::from(le32(d, 4)), u64::from(le32(d, 8)))
                };
            }
            None => {
                counts.push(
                    notes,
                    "descriptor",
                    format!("zip entry '{name}': its data descriptor at offset {at:#x} is missing"),
                );
                return Ok(());
            }
        }
    }
    if l_crc != e.crc {
        differ("CRC-32", format!("{l_crc:08x}"), format!("{:08x}", e.crc));
    }
    if l_csize != e.csize {
        differ("compressed size", l_csize.to_string(), e.csize.to_string());
    }
    if l_usize != e.usize_ {
        differ("size", l_usize.to_string(), e.usize_.to_string());
    }
    Ok(())
}

fn method_name(m: u16) -> String {
    match m {
        0 => "stored".into(),
        1 => "shrink".into(),
        2..=5 => format!("reduce{}", m - 1),
        6 => "implode".into(),
        8 => "deflate".into(),
        9 => "deflate64".into(),
        10 => "pkware-implode".into(),
        12 => "bzip2".into(),
        14 => "lzma".into(),
        18 => "ibm-terse".into(),
        19 => "lz77".into(),
        93 => "zstd".into(),
        95 => "xz".into(),
        96 => "jpeg".into(),
        97 => "wavpack".into(),
        98 => "ppmd".into(),
        99 => "aes".into(),
        m => format!("method {m}"),
    }
}

fn version(v: u16) -> String {
    let v = v & 0xff;
    format!("{}.{}", v / 10, v % 10)
}

fn host_name(h: u8) -> &'static str {
    match h {
        0 => "MS-DOS",
        1 => "Amiga",
        2 => "OpenVMS",
        3 => "Unix",
        4 => "VM/CMS",
        5 => "Atari ST",
        6 => "OS/2 HPFS",
        7 => "Macintosh",
        8 => "Z-System",
        9 => "CP/M",
        10 => "NTFS",
        11 => "MVS",
        12 => "VSE",
        13 => "Acorn RISC OS",
        14 => "VFAT",
        15 => "alternate MVS",
        16 => "BeOS",
        17 => "Tandem",
        18 => "OS/400",
        19 => "OS X",
        _ => "unknown",
    }
}

/// A DOS date and time as seconds since the epoch, read as UTC; None when not a valid time.
fn dos_time(date: u16, time: u16) -> Option<i64> {
    let (y, m, d) = (
        1980 + i64::from(date >> 9),
        i64::from((date >> 5) & 0xf),
        i64::from(date & 0x1f),
    );
    let (hh, mm, ss) = (
        i64::from(time >> 11),
        i64::from((time >> 5) & 0x3f),
        i64::from(time & 0x1f) * 2,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss)
}

fn dos_text(date: u16, time: u16) -> String {
    match dos_time(date, time) {
        Some(t) => crate::model::format_time(t),
        None => format!("invalid (date {date:#06x}, time {time:#06x})"),
    }
}

/// The typed fields of one entry.
fn entry_fields(e: &Entry, counts: &mut NoteCounter, notes: &mut Vec<String>) -> Vec<Field> {
    let mut f = Vec::new();
    match dos_time(e.date, e.time) {
        Some(t) => f.push(Field::new("mtime", Value::Time(t))),
        None => f.push(Field::new("mtime", Value::Text(dos_text(e.date, e.time)))),
    }
    let (central, central_ok) = extra_fields(&e.extra);
    let (local, local_ok) = extra_fields(&e.local_extra);
    if !central_ok || !local_ok {
        let which = if central_ok { "local" } else { "central" };
        counts.push(
            notes,
            "extra",
            format!("zip entry '{}': malformed {which} extra field", e.name),
        );
    }
    // Extended timestamp: the central copy has only the mtime; atime/ctime are local only.
    let ut_c = central.iter().find(|(i, _)| *i == 0x5455).map(|(_, d)| *d);
    let ut_l = local.iter().find(|(i, _)| *i == 0x5455).map(|(_, d)| *d);
    let times = |d: &[u8]| -> [Option<i64>; 3] {
        let mut out = [None; 3];
        let Some(&flags) = d.first() else { return out };
        let mut p = 1;
        for (bit, slot) in out.iter_mut().enumerate() {
            if flags & (1 << bit) != 0 {
                if let Some(b) = d.get(p..p + 4) {
                    *slot = Some(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])));
                    p += 4;
                }
            }
        }
        out
    };
    let tc = ut_c.map(times).unwrap_or_default();
    let tl = ut_l.map(times).unwrap_or_default();
    if let Some(t) = tc[0].or(tl[0]) {
        f.push(Field::new("mtime-ext", Value::Time(t)));
    }
    if let Some(t) = tl[1] {
        f.push(Field::new("atime-ext", Value::Time(t)));
    }
    if let Some(t) = tl[2] {
        f.push(Field::new("ctime-ext", Value::Time(t)));
    }
    // NTFS times (Windows tools): 100 ns ticks since 1601; the mtime is what matters here.
    if let Some(n) = central
        .iter()
        .chain(local.iter())
        .find(|(i, _)| *i == 0x000a)
        .map(|(_, d)| *d)
    {
        if n.len() >= 32 && le16(n, 4) == 1 && le16(n, 6) >= 24 {
            let ticks = le64(n, 8);
            let t = i64::try_from(ticks / 10_000_000).unwrap_or(i64::MAX) - 11_644_473_600;
            f.push(Field::new("mtime-ntfs", Value::Time(t)));
        }
    }
    if e.unix() {
        f.push(Field::new("mode", Value::Mode(e.external >> 16)));
    } else if e.external != 0 {
        f.push(Field::new("external-attributes", Value::Int(i64::from(e.external))));
    }
    // Info-ZIP Unix UID/GID: version 1, then size-prefixed little-endian numbers.
    if let Some(u) = central
        .iter()
        .chain(local.iter())
        .find(|(i, _)| *i == 0x7875)
        .map(|(_, d)| *d)
    {
        let num = |b: &[u8]| -> Option<u64> {
            (b.len() <= 8).then(|| b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
        };
        if u.first() == Some(&1) {
            let us = usize::from(*u.get(1).unwrap_or(&0));
            let uid = u.get(2..2 + us).and_then(num);
            let gs = u.get(2 + us).map(|&g| usize::from(g));
            let gid = gs.and_then(|gs| u.get(3 + us..3 + us + gs)).and_then(num);
            if let (Some(uid), Some(gid)) = (uid, gid) {
                f.push(Field::new("uid", Value::Id(uid)));
                f.push(Field::new("gid", Value::Id(gid)));
            }
        }
    }
    f.push(Field::new("method", Value::Text(method_name(e.method))));
    f.push(Field::new("compressed-size", Value::Size(e.csize)));
    f.push(Field::new("crc32", Value::Digest(format!("{:08x}", e.crc))));
    f.push(Field::new("offset", Value::Offset(e.offset)));
    f.push(Field::new(
        "version-made-by",
        Value::Text(format!(
            "{} ({})",
            version(e.made_by),
            host_name((e.made_by >> 8) as u8)
        )),
    ));
    f.push(Field::new("version-needed", Value::Text(version(e.needed))));
    f.push(Field::new("flags", Value::Int(i64::from(e.flags))));
    // APPNOTE 4.4.4: for deflate (8) and deflate64 (9), flag bits 1 and 2 say which level the
    // compressor ran at; Info-ZIP sets them on stored entries too. Implode (6) and LZMA (14)
    // use them for other things.
    if !matches!(e.method, 6 | 14) {
        let option = match (e.flags >> 1) & 3 {
            0 => "normal",
            1 => "maximum",
            2 => "fast",
            _ => "super fast",
        };
        f.push(Field::new("compression-option", Value::Text(option.into())));
    }
    // Bit 0 of the internal attributes: the writer guessed the data is text. A guess from the
    // content, so it changes with it.
    if e.internal & 1 != 0 {
        f.push(Field::new("content-type", Value::Text("text".into())));
    }
    if e.internal & !1 != 0 {
        f.push(Field::new(
            "internal-attributes",
            Value::Int(i64::from(e.internal & !1)),
        ));
    }
    if !e.extra.is_empty() {
        f.push(Field::new("extra", Value::Hex(e.extra.clone())));
    }
    if !e.local_extra.is_empty() {
        f.push(Field::new("local-extra", Value::Hex(e.local_extra.clone())));
    }
    if !e.comment.is_empty() {
        f.push(Field::new(
            "comment",
            Value::Text(decode_name(&e.comment, e.flags & FLAG_UTF8 != 0)),
        ));
    }
    f
}

fn member(blob: &Blob, e: &Entry, counts: &mut NoteCounter, notes: &mut Vec<String>) -> Result<Member, FormatError> {
    let mut fields = entry_fields(e, counts, notes);
    fields.extend(stored_name_field(&e.name));
    let name = normalize_name(&e.name).to_string();
    if e.name.starts_with('/') || e.name.split(['/', '\\']).any(|c| c == "..") {
        counts.push(
            notes,
            "path",
            format!("zip entry '{}': the name is absolute or contains '..'", e.name),
        );
    }
    let mode = if e.unix() { e.external >> 16 } else { 0 };
    let is_dir =
        e.name.ends_with('/') || mode & S_IFMT == S_IFDIR || (e.external & 0x10 != 0 && !e.unix() && e.usize_ == 0);
    if is_dir {
        return Ok(Member {
            name,
            kind: EntryKind::Dir,
            fields,
            data: None,
            size: 0,
        });
    }
    let Some(loader) = loader(blob, e, counts, notes).map_err(|m| named(e, m))? else {
        return Ok(Member {
            name,
            kind: EntryKind::File,
            fields,
            size: e.usize_,
            data: None,
        });
    };
    if mode & S_IFMT == S_IFLNK {
        // A link target is small; it is read now because it is part of the listing.
        let target = loader.load(&Limits::default())?;
        return Ok(Member {
            name,
            kind: EntryKind::Symlink {
                target: String::from_utf8_lossy(&target).into_owned(),
            },
            fields,
            data: None,
            size: 0,
        });
    }
    Ok(Member {
        name,
        kind: EntryKind::File,
        fields,
        size: e.usize_,
        data: Some(Data::Lazy(std::sync::Arc::new(loader))),
    })
}

fn named(e: &Entry, m: FormatError) -> FormatError {
    FormatError::new(format!("zip entry '{}': {}", e.name, m.message))
}

/// One entry's stored data and how to decode it.
#[derive(Debug)]
struct EntryData {
    name: String,
    /// The stored (compressed) bytes.
    raw: Blob,
    method: u16,
    /// Offset of `raw` in the archive, for messages.
    data_start: u64,
    usize_: u64,
    crc: u32,
    /// General-purpose flags (LZMA's end-marker bit).
    flags: u16,
}

impl Loader for EntryData {
    fn load(&self, limits: &Limits) -> Result<Blob, FormatError> {
        let max_out = stream::max_out(limits.max_decompressed);
        let raw: &[u8] = &self.raw;
        let hint = Some(self.usize_);
        let name = |m: FormatError| FormatError::new(format!("zip entry '{}': {}", self.name, m.message));
        let b = match self.method {
            0 => Ok(self.raw.clone()),
            8 => stream::inflate(raw, false, self.data_start, hint, max_out),
            12 => crate::bzip2::decompress_all(raw, hint, max_out),
            14 => lzma(raw, self.flags, self.usize_, max_out, limits.max_codec_memory),
            93 => crate::zstd::decompress_all(raw, hint, max_out, limits.max_codec_memory),
            95 => crate::xz::decompress_all(raw, hint, max_out, limits.max_codec_memory),
            m => err(format!("compression method {} is not supported", method_name(m))),
        }
        .map_err(name)?;
        if b.len() as u64 != self.usize_ {
            return Err(name(FormatError::new(format!(
                "size mismatch (central directory {}, decompressed {} bytes)",
                self.usize_,
                b.len()
            ))));
        }
        let crc = crc32(&b);
        if crc != self.crc {
            return Err(name(FormatError::new(format!(
                "CRC mismatch (stored {:#010x}, computed {crc:#010x})",
                self.crc
            ))));
        }
        Ok(b)
    }

    fn stored(&self) -> Vec<Blob> {
        vec![self.raw.clone()]
    }

    fn fingerprint(&self) -> Option<(String, Vec<Blob>)> {
        let tag = format!(
            "zip:{}:{}:{}:{:x}",
            self.method,
            self.flags & 0x0002,
            self.usize_,
            self.crc
        );
        Some((tag, vec![self.raw.clone()]))
    }
}

/// CRC-32 in chunks, giving mapped pages back as it goes.
fn crc32(b: &Blob) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for at in (0..b.len()).step_by(8 << 20) {
        let end = (at + (8 << 20)).min(b.len());
        h.update(&b[at..end]);
        b.release(at..end);
    }
    h.finalize()
}

/// How to get the entry's content, or None when it cannot be had (encrypted, unsupported
/// method: noted). The caller names the entry in errors.
fn loader(
    blob: &Blob,
    e: &Entry,
    counts: &mut NoteCounter,
    notes: &mut Vec<String>,
) -> Result<Option<EntryData>, FormatError> {
    let start = usize::try_from(e.data_start).unwrap_or(usize::MAX);
    let end = usize::try_from(e.csize)
        .ok()
        .and_then(|c| start.checked_add(c))
        .filter(|&end| end <= blob.len())
        .ok_or_else(|| {
            FormatError::new(format!(
                "its {} bytes of data at offset {:#x} run past the end of the archive",
                e.csize, e.data_start
            ))
        })?;
    if e.flags & FLAG_ENCRYPTED != 0 {
        counts.push(
            notes,
            "unsupported",
            format!(
                "zip entry '{}' is encrypted: its content is not compared (its CRC-32 and sizes are)",
                e.name
            ),
        );
        return Ok(None);
    }
    if !matches!(e.method, 0 | 8 | 12 | 14 | 93 | 95) {
        counts.push(
            notes,
            "unsupported",
            format!(
                "zip entry '{}': compression method {} is not supported: its content is not compared (its CRC-32 and sizes are)",
                e.name,
                method_name(e.method)
            ),
        );
        return Ok(None);
    }
    Ok(Some(EntryData {
        name: e.name.clone(),
        raw: blob.slice(start..end),
        method: e.method,
        data_start: e.data_start,
        usize_: e.usize_,
        crc: e.crc,
        flags: e.flags,
    }))
}

/// Zip's LZMA (method 14): a 4-byte header (LZMA SDK version, properties size), the 5-byte
/// LZMA properties, then raw LZMA data, with an end marker when flag bit 1 says so. liblzma's
/// .lzma ("alone") decoder reads it after a synthesized 13-byte header.
fn lzma(raw: &[u8], flags: u16, usize_: u64, max_out: usize, memlimit: u64) -> Result<Blob, FormatError> {
    let bad = || FormatError::new("bad LZMA properties header");
    let props_len = usize::from(u16::from_le_bytes(
        raw.get(2..4).ok_or_else(bad)?.try_into().map_err(|_| bad())?,
    ));
    if props_len != 5 {
        return Err(bad());
    }
    let props = raw.get(4..9).ok_or_else(bad)?;
    let size = if flags & 0x0002 != 0 { u64::MAX } else { usize_ };
    let mut alone = Vec::with_capacity(13 + raw.len() - 9);
    alone.extend_from_slice(props);
    alone.extend_from_slice(&size.to_le_bytes());
    alone.extend_from_slice(&raw[9..]);
    let mut dec = Stream::new_lzma_decoder(memlimit)
        .map_err(|err| FormatError::new(format!("cannot start the LZMA decoder: {err:?}")))?;
    let mut out = stream::Out::new(Some(usize_), max_out);
    let ended = stream::drive(&mut out, |o| {
        let (in0, out0) = (dec.total_in(), dec.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(alone.len());
        let status = dec
            .process_vec(&alone[at..], &mut o.chunk, Action::Run)
            .map_err(|err| match err {
                liblzma::stream::Error::MemLimit => FormatError::new(format!(
                    "LZMA dictionary needs more than {memlimit} bytes of memory (raise the limit with {})",
                    crate::model::CODEC_MEMORY_OPTION
                )),
                err => FormatError::new(format!("invalid LZMA data: {err:?}")),
            })?;
        Ok(if status == LzmaStatus::StreamEnd {
            Step::End
        } else if dec.total_in() != in0 || dec.total_out() != out0 {
            Step::Progress
        } else {
            Step::Stalled
        })
    })?;
    if !ended {
        return err("the LZMA data ends before its end");
    }
    out.finish()
}

/// Notes about where the entries lie: overlapping data (a zip bomb trick), an order that
/// differs from the central directory's, and bytes no entry accounts for before the central
/// directory (an APK signing block, for one), which become a `gap@0x..` member.
fn layout_notes(
    input: &[u8],
    entries: &[Entry],
    cd_start: usize,
    blob: &Blob,
    notes: &mut Vec<String>,
    members: &mut Vec<Member>,
    counts: &mut NoteCounter,
) {
    let mut spans: Vec<(u64, u64, &str)> = entries
        .iter()
        .map(|e| {
            let mut end = e.data_start.saturating_add(e.csize);
            if e.flags & FLAG_DESCRIPTOR != 0 {
                let sig = get(input, end, 4) == Some(&DESCRIPTOR_SIG[..]);
                let wide = extra_field(&e.local_extra, 0x0001).is_some();
                end = end.saturating_add(if sig { 4 } else { 0 } + if wide { 20 } else { 12 });
            }
            (e.offset, end, e.name.as_str())
        })
        .collect();
    if spans.windows(2).any(|w| w[0].0 > w[1].0) {
        notes.push("the entries' data is not in central directory order".into());
    }
    spans.sort_by_key(|s| s.0);
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            counts.push(
                notes,
                "overlap",
                format!(
                    "zip entries '{}' and '{}' overlap (a zip bomb or a damaged archive)",
                    w[0].2, w[1].2
                ),
            );
        }
    }
    let first = spans.first().map_or(cd_start as u64, |s| s.0);
    if first > 0 {
        notes.push(format!("{first} bytes before the first entry"));
    }
    let data_end = spans.iter().map(|s| s.1).max().unwrap_or(0);
    if let Ok(end) = usize::try_from(data_end) {
        if end < cd_start {
            let len = cd_start - end;
            notes.push(format!(
                "{len} bytes between the last entry and the central directory at offset {end:#x}, listed as member gap@{end:#x}"
            ));
            members.push(Member {
                name: format!("gap@{end:#x}"),
                kind: EntryKind::Section,
                fields: vec![Field::new("offset", Value::Offset(end as u64))],
                size: len as u64,
                data: Some(Data::Blob(blob.slice(end..cd_start))),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_times() {
        // 2023-11-14 22:13:20: date (43 << 9) | (11 << 5) | 14, time (22 << 11) | (13 << 5) | 10.
        let date = (43 << 9) | (11 << 5) | 14;
        let time = (22 << 11) | (13 << 5) | 10;
        assert_eq!(dos_time(date, time), Some(1_700_000_000));
        assert_eq!(dos_time((44 << 9) | (2 << 5) | 29, 0), Some(1_709_164_800));
        assert_eq!(dos_time((43 << 9) | (2 << 5) | 29, 0), None);
        assert_eq!(dos_time(0, 0), None);
        assert_eq!(dos_text(0, 0), "invalid (date 0x0000, time 0x0000)");
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("./a/b/"), "a/b");
        assert_eq!(normalize_name("/etc/passwd"), "etc/passwd");
        assert_eq!(decode_name(b"caf\x82", false), "café");
        assert_eq!(decode_name("café".as_bytes(), false), "café");
        assert_eq!(cp437(0xff), '\u{a0}');
        assert_eq!(cp437(0xe1), 'ß');
    }
}
