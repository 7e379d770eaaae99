//! tar archives: old v7, POSIX ustar, GNU (`././@LongLink` long names and link targets, old GNU
//! sparse files) and POSIX pax (per-entry `x` and global `g` extended headers, pax sparse files).
//!
//! Reading follows GNU tar's listing (`tar -t`):
//!
//! - Members are listed in archive order with names as stored, minus leading `./` and `/` and a
//!   trailing `/`. A repeated name stays repeated (the engine pairs repeats in order).
//! - The root entry (`./`, `.` or `/`) is not a member: its metadata becomes the archive fields
//!   `root.mode`, `root.uid`, ... (the build directory's mtime is a classic cause of differences).
//! - Extension headers (`x`, `g`, `L`, `K`) are not members; what they say is folded into the
//!   entry they describe. pax records beyond the standard keys become `pax.<key>` fields (e.g.
//!   `pax.SCHILY.xattr.user.foo`); global records become archive fields `pax-global.<key>`, and
//!   their standard keys (uid, gid, uname, gname, mtime, atime, ctime) apply to later entries.
//! - Reading stops at the end-of-archive marker (two zero blocks) or at a lone zero block, as GNU
//!   tar does without `--ignore-zeros`; the bytes after it are the `end-padding` (tar's blocking
//!   factor decides how many, a real source of differences). Non-zero bytes there become one
//!   `Section` member `trailing@<offset>` so that nothing is hidden from comparison.
//! - Sparse files (old GNU `S` and pax 0.0, 0.1 and 1.0) are expanded to their real content,
//!   within `limits.max_decompressed`: the map is checked when the archive is opened, the
//!   content written (through a spilling `Sink`) only when the member is compared.
//! - Unknown type flags are read as regular files, as POSIX asks, with a `typeflag` field.
//!
//! Every header checksum is verified. File data are zero-copy slices of the input.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use crate::model::mode_bits::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG};
use crate::model::{
    err, format_mode, format_time, normalize_name, stored_name_field, Blob, Data, EntryKind, Field, FormatError,
    Limits, Loader, Member, Opened, Sink, Value,
};
use crate::registry::Format;

pub struct Tar;

const BLOCK: usize = 512;

/// Keys of a global pax header that apply to every later entry (all its keys also become
/// archive fields).
const GLOBAL_APPLIED: &[&str] = &["uid", "gid", "uname", "gname", "mtime", "atime", "ctime"];

impl Format for Tar {
    fn name(&self) -> &'static str {
        "tar"
    }

    fn identify(&self, head: &[u8], name: &str) -> bool {
        if head.get(257..262) == Some(b"ustar") {
            return true;
        }
        // v7 headers have no magic: ask for the file name and a header that checks out.
        name.to_ascii_lowercase().ends_with(".tar")
            && head.get(..BLOCK).is_some_and(|h| {
                h[0] != 0 && checksum_ok(h) && octal(&h[100..108]).is_some() && octal(&h[124..136]).is_some()
            })
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

/// A plain octal field (digits after optional spaces, then NUL/space padding), for `identify`.
fn octal(b: &[u8]) -> Option<u64> {
    match parse_numeric(b) {
        Ok(Some(v)) => u64::try_from(v).ok(),
        _ => None,
    }
}

/// The header magic: which family wrote this header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Magic {
    V7,
    Ustar,
    Gnu,
}

impl Magic {
    fn of(h: &[u8]) -> Magic {
        if &h[257..262] != b"ustar" {
            // GNU tar also reads any other magic as an old v7 header.
            Magic::V7
        } else if h[262] == b' ' {
            // "ustar  \0": GNU and old GNU
            Magic::Gnu
        } else {
            Magic::Ustar
        }
    }

    fn label(self) -> &'static str {
        match self {
            Magic::V7 => "v7",
            Magic::Ustar => "ustar",
            Magic::Gnu => "gnu",
        }
    }
}

/// Sum of the header bytes with the checksum field counted as spaces, unsigned and signed
/// (some historic writers summed signed chars; GNU tar accepts both).
fn checksums(h: &[u8]) -> (i64, i64) {
    let outside = || h[..148].iter().chain(&h[156..BLOCK]);
    let spaces = 8 * i64::from(b' ');
    let unsigned = outside().map(|&b| i64::from(b)).sum::<i64>() + spaces;
    // Bytes >= 0x80 count 256 less when summed as signed chars.
    let high = outside().filter(|&&b| b >= 0x80).count() as i64;
    (unsigned, unsigned - 256 * high)
}

fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = octal(&h[148..156]) else {
        return false;
    };
    let (u, s) = checksums(h);
    i64::try_from(stored).is_ok_and(|v| v == u || v == s)
}

/// A numeric header field: octal ASCII (leading spaces, then digits, then NUL or space padding),
/// or GNU base-256 (first byte 0x80 for positive, 0xff for negative, big-endian two's
/// complement). `Ok(None)` for a blank field; `Err(())` for anything else that is not a number.
fn parse_numeric(b: &[u8]) -> Result<Option<i128>, ()> {
    match b.first() {
        Some(&x) if x & 0x80 != 0 => {
            // At most 12 bytes (96 bits) in any tar field: an i128 holds them all.
            if b.len() > 12 {
                return Err(());
            }
            let negative = x == 0xff;
            if !negative && x != 0x80 {
                return Err(());
            }
            let mut v: i128 = if negative { -1 } else { 0 };
            for &c in &b[1..] {
                v = (v << 8) | i128::from(c);
            }
            Ok(Some(v))
        }
        _ => {
            let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
            let digits = b[start..].iter().take_while(|c| (b'0'..=b'7').contains(c)).count();
            let rest = &b[start + digits..];
            if !rest.iter().all(|&c| c == 0 || c == b' ') {
                return Err(());
            }
            if digits == 0 {
                // GNU tar calls this "blanks in header where numeric value expected".
                return Ok(None);
            }
            let mut v: i128 = 0;
            for &c in &b[start..start + digits] {
                // 12 octal digits are 36 bits: no overflow possible in i128.
                v = v * 8 + i128::from(c - b'0');
            }
            Ok(Some(v))
        }
    }
}

/// A NUL-terminated string field.
fn cstr(b: &[u8]) -> &[u8] {
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..n]
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One pax record, in header order.
type Record = (String, Vec<u8>);

/// Parses the records of a pax extended header: "%d %s=%s\n", the length counting itself.
fn parse_pax(data: &[u8], loc: &Loc) -> Result<Vec<Record>, FormatError> {
    let mut out = Vec::new();
    let mut p = 0usize;
    let mut n = 0usize;
    while p < data.len() {
        // Some writers pad the header's data with NULs.
        if data[p..].iter().all(|&c| c == 0) {
            break;
        }
        n += 1;
        let bad = |why: String| FormatError::new(format!("{loc}: pax record {n} at byte {p}: {why}"));
        let rest = &data[p..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || rest.get(digits) != Some(&b' ') {
            let shown = &rest[..rest.len().min(16)];
            return Err(bad(format!("no length: \"{}\"", shown.escape_ascii())));
        }
        // At most 20 digits fit a u64; anything longer is out of range anyway.
        let len: usize = std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("length \"{}\" out of range", rest[..digits].escape_ascii())))?;
        if len <= digits + 1 || len > rest.len() {
            return Err(bad(format!("length {len} does not fit ({} bytes left)", rest.len())));
        }
        let rec = &rest[digits + 1..len];
        let Some((&b'\n', body)) = rec.split_last() else {
            return Err(bad(format!("record of length {len} does not end with a newline")));
        };
        let Some(eq) = body.iter().position(|&c| c == b'=') else {
            return Err(bad(format!("no '=' in \"{}\"", body.escape_ascii())));
        };
        let key = std::str::from_utf8(&body[..eq])
            .ok()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| bad(format!("bad key \"{}\"", body[..eq].escape_ascii())))?;
        out.push((key.to_string(), body[eq + 1..].to_vec()));
        p += len;
    }
    Ok(out)
}

/// A pax time: "[-]seconds[.fraction]" → (seconds rounded down, nanoseconds if a fraction was
/// written).
fn pax_time(v: &[u8]) -> Option<(i64, Option<i64>)> {
    let s = std::str::from_utf8(v).ok()?;
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if int.is_empty() || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut secs: i64 = int.parse().ok()?;
    let nsec = match frac {
        Some(f) => {
            if !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // Nanoseconds: the first nine digits, padded; finer digits are dropped.
            let mut ns = 0i64;
            for i in 0..9 {
                ns = ns * 10 + f.as_bytes().get(i).map_or(0, |&c| i64::from(c - b'0'));
            }
            Some(ns)
        }
        None => None,
    };
    if neg {
        secs = secs.checked_neg()?;
        if let Some(ns) = nsec.filter(|&ns| ns > 0) {
            // -1.25 s is 2 s before the epoch plus 0.75 s.
            return Some((secs.checked_sub(1)?, Some(1_000_000_000 - ns)));
        }
    }
    Some((secs, nsec))
}

fn pax_u64(v: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(v).ok()?;
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A pax value as a field: text when it is UTF-8, hex otherwise (xattr values may be binary).
fn pax_value(v: &[u8]) -> Value {
    match std::str::from_utf8(v) {
        Ok(s) => Value::Text(s.to_string()),
        Err(_) => Value::Hex(v.to_vec()),
    }
}

/// The last value of a key; an empty value means "unset" (pax: it cancels a global value).
fn last<'a>(recs: &'a [Record], key: &str) -> Option<&'a [u8]> {
    recs.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_slice())
        .filter(|v| !v.is_empty())
}

/// What extension headers said about the entry that follows them.
#[derive(Default)]
struct Pending {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    /// Records of the entry's `x` header(s), in order.
    pax: Vec<Record>,
    pax_header_name: Option<String>,
    /// The first extension header seen (then an entry must follow): offset and kind.
    first: Option<(usize, &'static str)>,
}

/// How a sparse file's data are stored.
enum SparseMap {
    /// (offset, length) pairs; the data are stored back to back.
    Chunks(Vec<(u64, u64)>),
    /// pax 1.0: the map is at the start of the data, as decimal lines, padded to a block.
    InData,
}

struct Sparse {
    label: String,
    real_size: u64,
    map: SparseMap,
}

/// Where an entry is, for error messages: "tar entry 3 'usr/bin/x' at offset 0x600".
struct Loc<'a> {
    index: usize,
    offset: usize,
    name: Option<&'a str>,
    what: Option<&'static str>,
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tar entry {}", self.index)?;
        if let Some(n) = self.name {
            write!(f, " '{n}'")?;
        }
        if let Some(w) = self.what {
            write!(f, ": {w}")?;
        }
        write!(f, " at offset {:#x}", self.offset)
    }
}

impl Loc<'_> {
    fn error(&self, what: impl fmt::Display) -> FormatError {
        FormatError::new(format!("{self}: {what}"))
    }
}

/// A numeric header field, with the field's name for errors; `None` when blank.
fn num(h: &[u8], r: Range<usize>, field: &str, loc: &Loc) -> Result<Option<i128>, FormatError> {
    parse_numeric(&h[r.clone()]).map_err(|()| {
        loc.error(format!(
            "field {field} is not a number: \"{}\"",
            cstr(&h[r]).escape_ascii()
        ))
    })
}

/// A numeric header field that must be present and fit `T`.
fn req<T: TryFrom<i128>>(h: &[u8], r: Range<usize>, field: &str, loc: &Loc) -> Result<T, FormatError> {
    let v = num(h, r, field, loc)?.ok_or_else(|| loc.error(format!("field {field} is blank")))?;
    T::try_from(v).map_err(|_| loc.error(format!("field {field} out of range ({v})")))
}

/// `n` rounded up to whole blocks; None on overflow.
fn padded(n: u64) -> Option<usize> {
    usize::try_from(n)
        .ok()?
        .checked_add(BLOCK - 1)
        .map(|x| x / BLOCK * BLOCK)
}

/// `size` bytes of data from `start`, whose padding must be present too: (end of data, next header).
fn data_range(input: &[u8], start: usize, size: u64, loc: &Loc) -> Result<(usize, usize), FormatError> {
    let left = input.len().saturating_sub(start);
    let Some(need) = padded(size).filter(|&p| p <= left) else {
        let pad = if !size.is_multiple_of(BLOCK as u64) {
            " plus padding"
        } else {
            ""
        };
        return Err(loc.error(format!("data truncated (need {size} bytes{pad}, {left} left)")));
    };
    // need <= left, so neither sum overflows, and size <= need.
    Ok((start + size as usize, start + need))
}

/// One listed entry before hard links are resolved.
struct Entry {
    name: String,
    kind: EntryKind,
    fields: Vec<Field>,
    /// The content and its size (a sparse file's is expanded only when compared).
    data: Option<(Data, u64)>,
    /// Header offset, for notes.
    offset: usize,
}

/// Archive-wide state while reading.
struct Reader<'a> {
    blob: &'a Blob,
    limits: &'a Limits,
    notes: Vec<String>,
    fields: Vec<Field>,
    entries: Vec<Entry>,
    /// Global pax records in effect that apply to entries (latest value per key).
    globals: Vec<Record>,
    global_headers: usize,
    /// Header families seen, in order of first appearance.
    formats: Vec<&'static str>,
    /// Entries as `tar -t` counts them (the root and volume labels included).
    listed: usize,
    /// Bytes produced by expanding sparse files so far.
    expanded: u64,
}

fn open(blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let mut r = Reader {
        blob,
        limits,
        notes: Vec::new(),
        fields: Vec::new(),
        entries: Vec::new(),
        globals: Vec::new(),
        global_headers: 0,
        formats: Vec::new(),
        listed: 0,
        expanded: 0,
    };
    let end = r.read_all()?;
    Ok(r.finish(end))
}

impl Reader<'_> {
    /// Reads headers up to the end-of-archive marker; returns the offset just past it.
    fn read_all(&mut self) -> Result<usize, FormatError> {
        let input: &[u8] = self.blob;
        let mut pos = 0usize;
        let mut pending = Pending::default();
        let mut released = 0usize;
        loop {
            self.blob.release_behind(pos, &mut released);
            let index = self.listed + 1;
            let rest = &input[pos..];
            let at_end = rest.is_empty() || rest[..rest.len().min(BLOCK)].iter().all(|&b| b == 0);
            if at_end {
                if let Some((at, what)) = pending.first {
                    return err(format!(
                        "tar entry {index}: {what} at offset {at:#x} is not followed by an entry"
                    ));
                }
            }
            if rest.is_empty() {
                self.notes.push(format!(
                    "the archive ends at offset {pos:#x} without its end-of-archive marker (two zero blocks)"
                ));
                return Ok(pos);
            }
            if at_end {
                // One zero block ends the archive; GNU tar warns when a second one does not follow.
                let marker = &rest[..rest.len().min(2 * BLOCK)];
                let zeros = marker.iter().take_while(|&&b| b == 0).count();
                if zeros == 2 * BLOCK {
                    return Ok(pos + 2 * BLOCK);
                }
                if zeros == rest.len() {
                    self.notes.push(format!(
                        "the end-of-archive marker at offset {pos:#x} is cut short ({zeros} zero bytes)"
                    ));
                    return Ok(input.len());
                }
                self.notes.push(format!(
                    "a lone zero block at offset {pos:#x} ends the archive (as in GNU tar without --ignore-zeros)"
                ));
                return Ok(pos + BLOCK);
            }
            if rest.len() < BLOCK {
                return err(format!(
                    "tar entry {index} at offset {pos:#x}: header truncated (need {BLOCK} bytes, {} left)",
                    rest.len()
                ));
            }
            pos = self.read_header(input, pos, index, &mut pending)?;
        }
    }

    fn note_format(&mut self, f: &'static str) {
        if !self.formats.contains(&f) {
            self.formats.push(f);
        }
    }

    /// Reads one header and its data; returns the offset of the next header.
    fn read_header(
        &mut self,
        input: &[u8],
        pos: usize,
        index: usize,
        pending: &mut Pending,
    ) -> Result<usize, FormatError> {
        let h = &input[pos..pos + BLOCK];
        let raw_name = lossy(cstr(&h[..100]));
        let typeflag = h[156];
        let what = match typeflag {
            b'x' => Some("pax extended header"),
            b'g' => Some("pax global header"),
            b'L' => Some("GNU long name header"),
            b'K' => Some("GNU long link header"),
            _ => None,
        };
        let loc = Loc {
            index,
            offset: pos,
            name: what.is_none().then_some(raw_name.as_str()),
            what,
        };
        let (unsigned, signed) = checksums(h);
        match parse_numeric(&h[148..156]) {
            Ok(Some(v)) if v == i128::from(unsigned) || v == i128::from(signed) => {}
            Ok(Some(v)) => {
                return Err(loc.error(format!("bad header checksum (stored {v:#o}, computed {unsigned:#o})")))
            }
            _ => {
                return Err(loc.error(format!(
                    "bad header checksum (stored \"{}\", computed {unsigned:#o})",
                    cstr(&h[148..156]).escape_ascii()
                )))
            }
        }
        let magic = Magic::of(h);

        if let Some(what) = what {
            let size: u64 = req(h, 124..136, "size", &loc)?;
            let (end, next) = data_range(input, pos + BLOCK, size, &loc)?;
            let data = &input[pos + BLOCK..end];
            match typeflag {
                b'x' => {
                    pending.pax.extend(parse_pax(data, &loc)?);
                    pending.pax_header_name = Some(raw_name);
                }
                b'g' => {
                    let recs = parse_pax(data, &loc)?;
                    self.global(recs, pos);
                }
                b'L' => pending.long_name = Some(cstr(data).to_vec()),
                _ => pending.long_link = Some(cstr(data).to_vec()),
            }
            self.note_format(if matches!(typeflag, b'x' | b'g') { "pax" } else { "gnu" });
            if typeflag != b'g' && pending.first.is_none() {
                pending.first = Some((pos, what));
            }
            return Ok(next);
        }

        let pending = std::mem::take(pending);
        // Globals first, so the entry's own records (later in the list) win.
        let mut pax: Vec<Record> = self.globals.clone();
        pax.extend(pending.pax.iter().cloned());
        let get = |k: &str| last(&pax, k);

        // The name: pax path > GNU long name > ustar prefix + name.
        let mut name = match (get("path"), &pending.long_name) {
            (Some(p), _) => lossy(p),
            (None, Some(l)) => lossy(l),
            (None, None) if magic == Magic::Ustar && h[345] != 0 => {
                format!("{}/{}", lossy(cstr(&h[345..500])), raw_name)
            }
            (None, None) => raw_name.clone(),
        };
        // pax sparse 0.1 and 1.0 keep the real name here (the header's has a PID in it).
        let sparse_header_name = get("GNU.sparse.name").map(|n| std::mem::replace(&mut name, lossy(n)));
        let loc = Loc {
            index,
            offset: pos,
            name: Some(&name),
            what: None,
        };
        let link_raw = match (get("linkpath"), &pending.long_link) {
            (Some(p), _) => lossy(p),
            (None, Some(l)) => lossy(l),
            (None, None) => lossy(cstr(&h[157..257])),
        };
        let bad_pax = |k: &str, v: &[u8]| loc.error(format!("pax record {k}: bad value \"{}\"", v.escape_ascii()));
        let pax_num = |k: &str| -> Result<Option<u64>, FormatError> {
            get(k).map(|v| pax_u64(v).ok_or_else(|| bad_pax(k, v))).transpose()
        };
        let pax_t = |k: &str| -> Result<Option<(i64, Option<i64>)>, FormatError> {
            get(k).map(|v| pax_time(v).ok_or_else(|| bad_pax(k, v))).transpose()
        };

        let perm: u64 = req(h, 100..108, "mode", &loc)?;
        let size = match pax_num("size")? {
            Some(s) => s,
            None => req(h, 124..136, "size", &loc)?,
        };
        let uid = match pax_num("uid")? {
            Some(v) => v,
            None => req(h, 108..116, "uid", &loc)?,
        };
        let gid = match pax_num("gid")? {
            Some(v) => v,
            None => req(h, 116..124, "gid", &loc)?,
        };
        let (mtime, mtime_ns) = match pax_t("mtime")? {
            Some(t) => t,
            None => (req(h, 136..148, "mtime", &loc)?, None),
        };

        // The kind, from the type flag; old v7 archives mark directories by a trailing slash.
        let v7_dir = matches!(typeflag, b'0' | 0) && name.ends_with('/');
        let device = |loc: &Loc| -> Result<(u32, u32), FormatError> {
            if magic == Magic::V7 {
                return Ok((0, 0));
            }
            let dev = |r: Range<usize>, f: &str| -> Result<u32, FormatError> {
                let v = num(h, r, f, loc)?.unwrap_or(0);
                u32::try_from(v).map_err(|_| loc.error(format!("field {f} out of range ({v})")))
            };
            Ok((dev(329..337, "devmajor")?, dev(337..345, "devminor")?))
        };
        // (file type bits, kind, whether data follows, whether the type flag is worth a field)
        let (type_bits, kind, has_data, odd_flag) = match typeflag {
            _ if v7_dir => (S_IFDIR, EntryKind::Dir, false, typeflag != b'0'),
            b'0' => (S_IFREG, EntryKind::File, true, false),
            b'1' => {
                let target = normalize_name(&link_raw).to_string();
                (S_IFREG, EntryKind::HardLink { target }, true, false)
            }
            b'2' => (S_IFLNK, EntryKind::Symlink { target: link_raw }, false, false),
            b'3' => {
                let (major, minor) = device(&loc)?;
                (S_IFCHR, EntryKind::CharDevice { major, minor }, false, false)
            }
            b'4' => {
                let (major, minor) = device(&loc)?;
                (S_IFBLK, EntryKind::BlockDevice { major, minor }, false, false)
            }
            b'5' => (S_IFDIR, EntryKind::Dir, false, false),
            // A GNU incremental dump's directory listing: a directory with data.
            b'D' => (S_IFDIR, EntryKind::Dir, true, true),
            b'6' => (S_IFIFO, EntryKind::Fifo, false, false),
            b'S' => (S_IFREG, EntryKind::File, true, false),
            // NUL (old regular file), '7' (contiguous) and unknown flags: regular files (POSIX).
            _ => (S_IFREG, EntryKind::File, true, true),
        };

        // GNU tar skips `size` bytes after every header but a directory's; old GNU sparse
        // headers may be followed by blocks holding more of the sparse map.
        let (start, end, next) = if matches!(kind, EntryKind::Dir) && typeflag != b'D' {
            (pos + BLOCK, pos + BLOCK, pos + BLOCK)
        } else {
            let start = if typeflag == b'S' {
                sparse_ext_end(input, pos, &loc)?
            } else {
                pos + BLOCK
            };
            let (end, next) = data_range(input, start, size, &loc)?;
            (start, end, next)
        };
        self.listed += 1;

        if typeflag == b'V' {
            // A volume label names the archive, not a member.
            self.fields.push(Field::new("volume-label", Value::Text(name.clone())));
            self.notes.push(format!("volume label '{name}' at offset {pos:#x}"));
            return Ok(next);
        }

        let mut fields = Vec::new();
        // The header's mode field holds permissions; the type comes from the type flag.
        fields.push(Field::new("mode", Value::Mode((perm & 0o7777) as u32 | type_bits)));
        fields.push(Field::new("uid", Value::Id(uid)));
        fields.push(Field::new("gid", Value::Id(gid)));
        let uname = get("uname").map_or_else(|| lossy(cstr(&h[265..297])), lossy);
        let gname = get("gname").map_or_else(|| lossy(cstr(&h[297..329])), lossy);
        if !uname.is_empty() {
            fields.push(Field::new("uname", Value::Name(uname)));
        }
        if !gname.is_empty() {
            fields.push(Field::new("gname", Value::Name(gname)));
        }
        fields.push(Field::new("mtime", Value::Time(mtime)));
        if let Some(ns) = mtime_ns {
            fields.push(Field::new("mtime-nsec", Value::Int(ns)));
        }
        for (key, r) in [("atime", 345..357), ("ctime", 357..369)] {
            if let Some((t, ns)) = pax_t(key)? {
                fields.push(Field::new(key, Value::Time(t)));
                if let Some(ns) = ns {
                    fields.push(Field::new(format!("{key}-nsec"), Value::Int(ns)));
                }
            } else if magic == Magic::Gnu {
                // Old GNU headers have room for atime and ctime (incremental dumps fill them).
                if let Ok(Some(t)) = parse_numeric(&h[r]) {
                    if t != 0 {
                        let t = i64::try_from(t).map_err(|_| loc.error(format!("field {key} out of range ({t})")))?;
                        fields.push(Field::new(key, Value::Time(t)));
                    }
                }
            }
        }
        if let EntryKind::CharDevice { major, minor } | EntryKind::BlockDevice { major, minor } = kind {
            fields.push(Field::new("devmajor", Value::Int(i64::from(major))));
            fields.push(Field::new("devminor", Value::Int(i64::from(minor))));
        }
        let header_format = if pending.pax_header_name.is_some() {
            "pax"
        } else {
            magic.label()
        };
        fields.push(Field::new("header-format", Value::Text(header_format.into())));
        self.note_format(magic.label());
        if let Some(n) = &pending.pax_header_name {
            // Old GNU tar put its process id in this name: a classic cause of differences.
            fields.push(Field::new("pax-header.name", Value::Path(n.clone())));
        }
        if odd_flag {
            let shown = char::from(typeflag).escape_default().to_string();
            fields.push(Field::new("typeflag", Value::Text(format!("'{shown}'"))));
            if !matches!(typeflag, 0 | b'7' | b'D') {
                self.notes
                    .push(format!("{loc}: unknown type flag '{shown}', read as a regular file"));
            }
        }
        // Other records of this entry's own header (globals are fields of the archive).
        for (i, (k, v)) in pending.pax.iter().enumerate() {
            if pending.pax[i + 1..].iter().any(|(later, _)| later == k) {
                continue;
            }
            let standard = matches!(
                k.as_str(),
                "path" | "linkpath" | "size" | "uid" | "gid" | "uname" | "gname" | "mtime" | "atime" | "ctime"
            );
            if !standard && !k.starts_with("GNU.sparse.") && !v.is_empty() {
                fields.push(Field::new(format!("pax.{k}"), pax_value(v)));
            }
        }

        let norm = normalize_name(&name).to_string();
        fields.extend(stored_name_field(&name));
        if norm.is_empty() {
            if !matches!(kind, EntryKind::Dir) {
                return Err(loc.error("empty name"));
            }
            self.root(fields, &name, pos);
            return Ok(next);
        }
        if self.entries.len() >= self.limits.max_members {
            return err(format!("tar: more than {} entries (limit)", self.limits.max_members));
        }

        let mut data = None;
        if has_data {
            match sparse_info(h, typeflag, &pax, &pending.pax, input, pos, &loc)? {
                Some(sp) => {
                    fields.push(Field::new("sparse", Value::Text(sp.label.clone())));
                    fields.push(Field::new("realsize", Value::Size(sp.real_size)));
                    if let Some(n) = sparse_header_name {
                        fields.push(Field::new("sparse.header-name", Value::Path(n)));
                    }
                    // The limit holds for all sparse files together: a map costs a few bytes.
                    let left = self.limits.max_decompressed.saturating_sub(self.expanded);
                    let expand = expand_sparse(self.blob.slice(start..end), &sp, left, &loc)?;
                    data = Some((Data::Lazy(std::sync::Arc::new(expand)), sp.real_size));
                    self.expanded = self.expanded.saturating_add(sp.real_size);
                }
                // A hard link without data of its own gets its target's later.
                None if end > start || !matches!(kind, EntryKind::HardLink { .. }) => {
                    data = Some((Data::Blob(self.blob.slice(start..end)), (end - start) as u64));
                }
                None => {}
            }
        }
        self.entries.push(Entry {
            name: norm,
            kind,
            fields,
            data,
            offset: pos,
        });
        Ok(next)
    }

    /// A global header: its records become archive fields, and the standard ones among them
    /// apply to every later entry.
    fn global(&mut self, recs: Vec<Record>, pos: usize) {
        self.global_headers += 1;
        let n = self.global_headers;
        let prefix = if n == 1 {
            "pax-global.".to_string()
        } else {
            format!("pax-global{n}.")
        };
        self.notes.push(format!(
            "pax global header {n} at offset {pos:#x}: {} records",
            recs.len()
        ));
        for (i, (k, v)) in recs.iter().enumerate() {
            // A key repeated within one header: the last value counts.
            if recs[i + 1..].iter().any(|(later, _)| later == k) {
                continue;
            }
            self.fields.push(Field::new(format!("{prefix}{k}"), pax_value(v)));
            if GLOBAL_APPLIED.contains(&k.as_str()) {
                self.globals.retain(|(g, _)| g != k);
                if !v.is_empty() {
                    self.globals.push((k.clone(), v.clone()));
                }
            }
        }
    }

    /// The root entry's metadata, as archive fields (a later root entry replaces them).
    fn root(&mut self, fields: Vec<Field>, name: &str, pos: usize) {
        self.fields.retain(|f| !f.name.starts_with("root."));
        let shown = |n: &str| fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
        if let (Some(Value::Mode(m)), Some(Value::Time(t))) = (shown("mode"), shown("mtime")) {
            self.notes.push(format!(
                "root entry \"{name}\" at offset {pos:#x} listed as root.* fields (mode {}, mtime {})",
                format_mode(m),
                format_time(t)
            ));
        }
        for f in fields {
            if f.name != "header-format" {
                self.fields.push(Field::new(format!("root.{}", f.name), f.value));
            }
        }
    }

    /// Archive fields, hard links, the end padding and anything after it.
    fn finish(mut self, end: usize) -> Opened {
        let input: &[u8] = self.blob;
        let format = ["pax", "gnu", "ustar", "v7"]
            .into_iter()
            .find(|f| self.formats.contains(f))
            .unwrap_or("v7");
        let mut fields = vec![
            Field::new("format", Value::Text(format.into())),
            Field::new("entries", Value::Int(i64::try_from(self.listed).unwrap_or(i64::MAX))),
        ];
        fields.append(&mut self.fields);
        let pad = input.len() - end;
        fields.push(Field::new("end-padding", Value::Size(pad as u64)));
        let mut notes = std::mem::take(&mut self.notes);
        notes.insert(0, format!("{} entries, {format}", self.listed));
        if pad > 0 {
            let record = if input.len().is_multiple_of(10240) {
                ", a multiple of 10240 bytes (GNU tar's default blocking factor 20)"
            } else {
                ""
            };
            notes.push(format!(
                "{pad} bytes after the end-of-archive marker at offset {end:#x}; archive length {}{record}",
                input.len()
            ));
        }

        // Hard links get the content of the latest earlier member of the target's name.
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut members: Vec<Member> = Vec::with_capacity(self.entries.len() + 1);
        for e in self.entries {
            let mut data = e.data;
            if let (EntryKind::HardLink { target }, None) = (&e.kind, &data) {
                match by_name.get(target) {
                    Some(&i) => {
                        let m: &Member = &members[i];
                        data = m.data.clone().map(|d| (d, m.size));
                    }
                    None => notes.push(format!(
                        "hard link '{}' at offset {:#x}: its target '{target}' is not earlier in the archive",
                        e.name, e.offset
                    )),
                }
            }
            by_name.insert(e.name.clone(), members.len());
            members.push(Member {
                size: data.as_ref().map_or(0, |d| d.1),
                data: data.map(|d| d.0),
                name: e.name,
                kind: e.kind,
                fields: e.fields,
            });
        }

        let rest = &input[end..];
        let zeros = rest.iter().take_while(|&&b| b == 0).count();
        if zeros < rest.len() {
            // Kept as a member so that nothing is hidden from comparison, and the engine can
            // open it (e.g. a second archive appended with `cat`).
            let at = end + zeros;
            let len = input.len() - at;
            let tar_follows = input.get(at..at + BLOCK).is_some_and(checksum_ok);
            notes.push(format!(
                "{len} bytes of non-zero data after the end-of-archive marker at offset {at:#x}, listed as member trailing@{at:#x}{}",
                if tar_follows {
                    " (another tar archive: GNU tar reads it only with --ignore-zeros)"
                } else {
                    ""
                }
            ));
            members.push(Member {
                name: format!("trailing@{at:#x}"),
                kind: EntryKind::Section,
                fields: vec![Field::new("offset", Value::Offset(at as u64))],
                size: len as u64,
                data: Some(Data::Blob(self.blob.slice(at..input.len()))),
            });
        }
        Opened {
            fields,
            members,
            notes,
            text: None,
        }
    }
}

/// The offset just past an old GNU sparse header's extension blocks (where its data start).
fn sparse_ext_end(input: &[u8], pos: usize, loc: &Loc) -> Result<usize, FormatError> {
    let mut at = pos + BLOCK;
    if input[pos + 482] == 0 {
        return Ok(at);
    }
    loop {
        let Some(b) = input.get(at..at + BLOCK) else {
            return Err(loc.error(format!("sparse map extension block truncated at offset {at:#x}")));
        };
        at += BLOCK;
        if b[504] == 0 {
            return Ok(at);
        }
    }
}

/// The sparse layout of an entry, if it is sparse. `pax` holds every record in effect, `own`
/// the entry's own records in order (pax 0.0 repeats its offset/numbytes keys).
fn sparse_info(
    h: &[u8],
    typeflag: u8,
    pax: &[Record],
    own: &[Record],
    input: &[u8],
    pos: usize,
    loc: &Loc,
) -> Result<Option<Sparse>, FormatError> {
    let bad = |what: &str| loc.error(format!("bad sparse map: {what}"));
    let number = |b: &[u8], what: &str| -> Result<u64, FormatError> {
        match parse_numeric(b) {
            Ok(Some(v)) => u64::try_from(v).map_err(|_| bad(what)),
            _ => Err(bad(&format!("{what} is not a number"))),
        }
    };
    if typeflag == b'S' {
        let real = number(&h[483..495], "realsize")?;
        let mut chunks = Vec::new();
        let mut read = |b: &[u8], n: usize| -> Result<(), FormatError> {
            for e in b.chunks_exact(24).take(n) {
                if e[0] == 0 {
                    break;
                }
                chunks.push((number(&e[..12], "offset")?, number(&e[12..], "numbytes")?));
            }
            Ok(())
        };
        read(&h[386..482], 4)?;
        if h[482] != 0 {
            // sparse_ext_end already checked that these blocks are all there.
            let mut at = pos + BLOCK;
            while let Some(b) = input.get(at..at + BLOCK) {
                read(&b[..504], 21)?;
                at += BLOCK;
                if b[504] == 0 {
                    break;
                }
            }
        }
        return Ok(Some(Sparse {
            label: "gnu".into(),
            real_size: real,
            map: SparseMap::Chunks(chunks),
        }));
    }
    let get = |k: &str| last(pax, k);
    let major = get("GNU.sparse.major");
    if major.is_none() && get("GNU.sparse.map").is_none() && get("GNU.sparse.offset").is_none() {
        return Ok(None);
    }
    let pnum = |k: &str| -> Result<u64, FormatError> {
        get(k)
            .and_then(pax_u64)
            .ok_or_else(|| bad(&format!("{k} missing or not a number")))
    };
    let real = match get("GNU.sparse.realsize") {
        Some(_) => pnum("GNU.sparse.realsize")?,
        None => pnum("GNU.sparse.size")?,
    };
    if let Some(m) = major {
        let minor = get("GNU.sparse.minor").map(lossy).unwrap_or_default();
        let label = format!("pax {}.{minor}", lossy(m));
        if m != b"1" {
            return Err(bad(&format!("unknown version {label}")));
        }
        return Ok(Some(Sparse {
            label,
            real_size: real,
            map: SparseMap::InData,
        }));
    }
    if let Some(m) = get("GNU.sparse.map") {
        // 0.1: "offset,size,offset,size,..."
        let s = std::str::from_utf8(m).map_err(|_| bad("GNU.sparse.map is not text"))?;
        let nums = s
            .split(',')
            .map(|x| {
                x.parse::<u64>()
                    .map_err(|_| bad("GNU.sparse.map is not a list of numbers"))
            })
            .collect::<Result<Vec<u64>, _>>()?;
        if nums.len() % 2 != 0 {
            return Err(bad("GNU.sparse.map has an odd number of values"));
        }
        return Ok(Some(Sparse {
            label: "pax 0.1".into(),
            real_size: real,
            map: SparseMap::Chunks(nums.chunks(2).map(|c| (c[0], c[1])).collect()),
        }));
    }
    // 0.0: GNU.sparse.offset / GNU.sparse.numbytes pairs, in order.
    let mut chunks = Vec::new();
    let mut off = None;
    for (k, v) in own {
        match k.as_str() {
            "GNU.sparse.offset" => off = Some(pax_u64(v).ok_or_else(|| bad("GNU.sparse.offset is not a number"))?),
            "GNU.sparse.numbytes" => {
                let o = off.take().ok_or_else(|| bad("GNU.sparse.numbytes without an offset"))?;
                chunks.push((o, pax_u64(v).ok_or_else(|| bad("GNU.sparse.numbytes is not a number"))?));
            }
            _ => {}
        }
    }
    Ok(Some(Sparse {
        label: "pax 0.0".into(),
        real_size: real,
        map: SparseMap::Chunks(chunks),
    }))
}

/// A sparse file's real content, checked now and expanded when loaded: its stored chunks at
/// their offsets, zeros elsewhere. `limit` is what is left of `Limits::max_decompressed`.
fn expand_sparse(blob: Blob, sp: &Sparse, limit: u64, loc: &Loc) -> Result<SparseData, FormatError> {
    let stored: &[u8] = &blob;
    let bad = |what: String| loc.error(format!("bad sparse map: {what}"));
    if sp.real_size > limit {
        return Err(loc.error(format!(
            "sparse file of {} bytes exceeds the limit of {limit} bytes (left of the decompression limit)",
            sp.real_size
        )));
    }
    let (chunks, mut cursor) = match &sp.map {
        SparseMap::Chunks(c) => (c.clone(), 0usize),
        SparseMap::InData => {
            // Decimal lines: the number of chunks, then offset and size of each.
            let mut p = 0usize;
            let mut line = || -> Result<u64, FormatError> {
                let rest = stored.get(p..).unwrap_or_default();
                let n = rest
                    .iter()
                    .position(|&c| c == b'\n')
                    .ok_or_else(|| bad(format!("map line at byte {p} has no newline")))?;
                let v = pax_u64(&rest[..n]).ok_or_else(|| bad(format!("map line at byte {p} is not a number")))?;
                p += n + 1;
                Ok(v)
            };
            let count = line()?;
            let mut c = Vec::new();
            for _ in 0..count {
                // Each pair takes at least four bytes of map, so a huge count fails here.
                c.push((line()?, line()?));
            }
            let start = padded(p as u64).ok_or_else(|| bad("map too long".into()))?;
            if start > stored.len() {
                return Err(bad(format!("map of {p} bytes is longer than the data")));
            }
            (c, start)
        }
    };
    let real = usize::try_from(sp.real_size).map_err(|_| bad("real size out of range".into()))?;
    // (file offset, stored offset, length), checked here so that loading cannot fail on them.
    let mut pieces = Vec::with_capacity(chunks.len());
    for (i, &(off, len)) in chunks.iter().enumerate() {
        let to = usize::try_from(off)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(o, l)| Some(o..o.checked_add(l)?))
            .filter(|r| r.end <= real)
            .ok_or_else(|| {
                bad(format!(
                    "chunk {} ({off}+{len}) lies outside the file's {real} bytes",
                    i + 1
                ))
            })?;
        let from = cursor
            .checked_add(to.len())
            .filter(|&e| e <= stored.len())
            .map(|e| cursor..e)
            .ok_or_else(|| {
                bad(format!(
                    "chunk {} needs more data than the {} bytes stored",
                    i + 1,
                    stored.len()
                ))
            })?;
        cursor = from.end;
        if to.is_empty() {
            continue;
        }
        pieces.push((to.start as u64, from.start, to.len()));
    }
    // The content is written front to back, so the chunks are put in file order; tar writes
    // them that way, and overlapping ones have no single meaning.
    pieces.sort_by_key(|p| p.0);
    if let Some(w) = pieces.windows(2).find(|w| w[0].0 + w[0].2 as u64 > w[1].0) {
        return Err(bad(format!("chunks at {} and {} overlap", w[0].0, w[1].0)));
    }
    Ok(SparseData {
        stored: blob,
        pieces,
        real: sp.real_size,
    })
}

/// A sparse file's content, produced when compared (see [`expand_sparse`]).
#[derive(Debug)]
struct SparseData {
    stored: Blob,
    /// (file offset, stored offset, length), in file order, not overlapping.
    pieces: Vec<(u64, usize, usize)>,
    real: u64,
}

impl Loader for SparseData {
    fn load(&self, limits: &Limits) -> Result<Blob, FormatError> {
        if self.real > limits.max_decompressed {
            return Err(crate::model::limit_error(limits.max_decompressed));
        }
        let mut sink = Sink::new(Some(self.real), limits.max_decompressed);
        let zeros = vec![0u8; 1 << 20];
        let fill = |sink: &mut Sink, mut n: u64| -> Result<(), FormatError> {
            while n > 0 {
                let k = n.min(zeros.len() as u64) as usize;
                sink.write(&zeros[..k])?;
                n -= k as u64;
            }
            Ok(())
        };
        let mut at = 0u64;
        for &(off, from, len) in &self.pieces {
            fill(&mut sink, off - at)?;
            sink.write(&self.stored[from..from + len])?;
            at = off + len as u64;
        }
        fill(&mut sink, self.real - at)?;
        self.stored.release_all();
        sink.finish()
    }

    fn fingerprint(&self) -> Option<(String, Vec<Blob>)> {
        let map: Vec<String> = self.pieces.iter().map(|p| format!("{}+{}", p.0, p.2)).collect();
        Some((
            format!("tar-sparse:{}:{}", self.real, map.join(",")),
            vec![self.stored.clone()],
        ))
    }

    fn stored(&self) -> Vec<Blob> {
        vec![self.stored.clone()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_numeric(b"0000644\0"), Ok(Some(0o644)));
        assert_eq!(parse_numeric(b"  644 \0\0"), Ok(Some(0o644)));
        assert_eq!(parse_numeric(b"\0\0\0\0"), Ok(None));
        assert_eq!(parse_numeric(b"0008"), Err(()));
        assert_eq!(parse_numeric(b"06 4"), Err(()));
        assert_eq!(parse_numeric(&[0x80, 0, 0, 1, 0]), Ok(Some(256)));
        assert_eq!(parse_numeric(&[0xff, 0xff, 0xff, 0xfe]), Ok(Some(-2)));
        assert_eq!(parse_numeric(&[0x81, 0]), Err(()));
    }

    #[test]
    fn pax_times() {
        assert_eq!(pax_time(b"1700000000"), Some((1_700_000_000, None)));
        assert_eq!(pax_time(b"1700000000.5"), Some((1_700_000_000, Some(500_000_000))));
        assert_eq!(pax_time(b"1.1234567891"), Some((1, Some(123_456_789))));
        assert_eq!(pax_time(b"-1.25"), Some((-2, Some(750_000_000))));
        assert_eq!(pax_time(b"-3"), Some((-3, None)));
        assert_eq!(pax_time(b"1e9"), None);
        assert_eq!(pax_time(b".5"), None);
    }

    #[test]
    fn names() {
        assert_eq!(normalize_name("./usr/bin/"), "usr/bin");
        assert_eq!(normalize_name("/./etc"), "etc");
        assert_eq!(normalize_name("./"), "");
        assert_eq!(normalize_name("."), "");
    }
}
