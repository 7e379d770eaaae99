//! gzip (RFC 1952): every member of a multi-member stream is inflated into one output, as
//! `gunzip` does, with each member's header fields, CRC-32 and ISIZE checked.
//!
//! The header is parsed by hand and the deflate body inflated raw, because member boundaries
//! (where one member's trailer ends and the next header starts) are only known by tracking how
//! much input the inflater consumed.

use std::io::Write;

use flate2::{Compression, Decompress, FlushDecompress, Status};

use crate::model::{err, Blob, Field, FormatError, Limits, Opened, Value};
use crate::registry::Format;
use crate::stream::Step;

pub struct Gzip;

const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

const FTEXT: u8 = 0x01;
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;

/// The first allocation trusts the stored ISIZE only up to this ratio to the input (real
/// initrds are 3-5:1); a lying ISIZE must not reserve gigabytes, and a larger real output just
/// grows the buffer (large reallocations are cheap page remaps).
const HINT_RATIO: usize = 32;

impl Format for Gzip {
    fn name(&self) -> &'static str {
        "gzip"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(&MAGIC)
    }

    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, name, limits)
    }
}

/// One parsed member header.
struct Header {
    flags: u8,
    mtime: u32,
    xfl: u8,
    os: u8,
    extra: Option<Vec<u8>>,
    name: Option<String>,
    comment: Option<String>,
    hcrc: Option<u16>,
    /// Bytes from the member start to the deflate data.
    len: usize,
}

fn open(data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let max_out = usize::try_from(limits.max_decompressed).unwrap_or(usize::MAX);
    // The last four bytes are the last member's ISIZE when nothing trails the stream; for a
    // single-member stream that is the whole output (mod 2^32): a hint for memory vs disk.
    let hint = input
        .len()
        .checked_sub(4)
        .and_then(|at| input.get(at..))
        .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .map(|h| h.min((input.len() as u64).saturating_mul(HINT_RATIO as u64)));
    let mut out = crate::stream::Out::new(hint, max_out).with_input(data);

    let mut fields = Vec::new();
    let mut notes = Vec::new();
    let mut inflater = Decompress::new(false);
    let mut pos = 0usize;
    let mut index = 0usize;
    loop {
        let prefix = if index == 0 {
            String::new()
        } else {
            format!("member{index}.")
        };
        let header = parse_header(input, pos, index)?;
        let body = pos + header.len;
        let out_start = out.total();
        inflater.reset(false);
        inflate_member(&mut inflater, &input[body..], &mut out, index, body)?;
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let trailer = body.saturating_add(consumed);
        let Some(t) = input.get(trailer..trailer.saturating_add(8)).filter(|t| t.len() == 8) else {
            let left = input.len().saturating_sub(trailer);
            return err(format!(
                "gzip member {index} truncated: its 8-byte trailer at offset {trailer:#x} has only {left} bytes"
            ));
        };
        let stored_crc = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
        let stored_size = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
        let produced = out.total() - out_start;
        let crc = out.take_crc()?;
        if crc != stored_crc {
            return err(format!(
                "gzip member {index}: CRC mismatch (stored {stored_crc:#010x}, computed {crc:#010x})"
            ));
        }
        // ISIZE is the size modulo 2^32 (RFC 1952), so truncation here is the definition.
        let size32 = produced as u32;
        if size32 != stored_size {
            return err(format!(
                "gzip member {index}: size mismatch (stored ISIZE {stored_size}, decompressed {produced} bytes)"
            ));
        }

        if index > 0 {
            fields.push(Field::new(format!("{prefix}offset"), Value::Offset(pos as u64)));
        }
        push_header_fields(&mut fields, &mut notes, &prefix, index, &header);
        fields.push(Field::new(
            format!("{prefix}crc32"),
            Value::Digest(format!("{stored_crc:08x}")),
        ));
        fields.push(Field::new(
            format!("{prefix}isize"),
            Value::Size(u64::from(stored_size)),
        ));

        pos = trailer + 8;
        index += 1;
        // gunzip treats anything starting with the gzip magic as the next member.
        if !input[pos..].starts_with(&MAGIC) {
            break;
        }
    }

    if index > 1 {
        fields.insert(0, Field::new("members", Value::Int(index as i64)));
        notes.push(format!(
            "{index} gzip members, decompressed as one stream (as gunzip does)"
        ));
    }
    notes.push(format!("CRC-32 and size verified for {index} gzip member(s)"));

    // Bytes after the stream stay a member the engine can open: an initrd can be a gzip'd
    // cpio followed by another compressed cpio (the kernel skips zero padding between them).
    Ok(crate::stream::opened(
        data,
        pos,
        "gzip stream",
        out.finish()?,
        member_name(name),
        fields,
        notes,
    ))
}

fn parse_header(input: &[u8], start: usize, index: usize) -> Result<Header, FormatError> {
    let truncated = || {
        FormatError::new(format!(
            "gzip member {index} truncated in its header at offset {start:#x}"
        ))
    };
    let h = input.get(start..).unwrap_or_default();
    let fixed = h.get(..10).ok_or_else(truncated)?;
    if fixed[0..2] != MAGIC[0..2] {
        return err(format!("gzip member {index} at offset {start:#x}: bad magic"));
    }
    if fixed[2] != 8 {
        return err(format!(
            "gzip member {index} at offset {start:#x}: unsupported compression method {}",
            fixed[2]
        ));
    }
    let flags = fixed[3];
    if flags & FRESERVED != 0 {
        return err(format!(
            "gzip member {index} at offset {start:#x}: reserved flag bits set ({flags:#04x})"
        ));
    }
    let mtime = u32::from_le_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let mut p = 10usize;
    let mut extra = None;
    if flags & FEXTRA != 0 {
        let xlen = h.get(p..p + 2).ok_or_else(truncated)?;
        let xlen = usize::from(u16::from_le_bytes([xlen[0], xlen[1]]));
        p += 2;
        extra = Some(h.get(p..p + xlen).ok_or_else(truncated)?.to_vec());
        p += xlen;
    }
    let zstring = |p: &mut usize| -> Result<String, FormatError> {
        let s = h.get(*p..).ok_or_else(truncated)?;
        let n = s.iter().position(|&b| b == 0).ok_or_else(truncated)?;
        *p += n + 1;
        // RFC 1952: FNAME and FCOMMENT are ISO 8859-1, whose code points equal the bytes.
        Ok(s[..n].iter().map(|&b| char::from(b)).collect())
    };
    let name = if flags & FNAME != 0 {
        Some(zstring(&mut p)?)
    } else {
        None
    };
    let comment = if flags & FCOMMENT != 0 {
        Some(zstring(&mut p)?)
    } else {
        None
    };
    let mut hcrc = None;
    if flags & FHCRC != 0 {
        let c = h.get(p..p + 2).ok_or_else(truncated)?;
        let stored = u16::from_le_bytes([c[0], c[1]]);
        let computed = crc32fast::hash(&h[..p]) as u16;
        if stored != computed {
            return err(format!(
                "gzip member {index}: header CRC mismatch (stored {stored:#06x}, computed {computed:#06x})"
            ));
        }
        hcrc = Some(stored);
        p += 2;
    }
    Ok(Header {
        flags,
        mtime,
        xfl: fixed[8],
        os: fixed[9],
        extra,
        name,
        comment,
        hcrc,
        len: p,
    })
}

/// Inflates one raw deflate body onto `out` (which enforces the decompression-bomb limit).
fn inflate_member(
    d: &mut Decompress,
    body: &[u8],
    out: &mut crate::stream::Out,
    index: usize,
    body_offset: usize,
) -> Result<(), FormatError> {
    let ended = crate::stream::drive(out, |o| {
        let in_before = d.total_in();
        let out_before = d.total_out();
        let at = usize::try_from(in_before).unwrap_or(usize::MAX).min(body.len());
        o.consumed(body_offset.saturating_add(at));
        let status = d
            .decompress_vec(&body[at..], &mut o.chunk, FlushDecompress::None)
            .map_err(|e| {
                FormatError::new(format!(
                    "gzip member {index}: invalid deflate data near offset {:#x}: {e}",
                    body_offset.saturating_add(usize::try_from(d.total_in()).unwrap_or(0))
                ))
            })?;
        match status {
            Status::StreamEnd => Ok(Step::End),
            Status::Ok | Status::BufError => {
                if d.total_in() != in_before || d.total_out() != out_before {
                    Ok(Step::Progress)
                } else if usize::try_from(d.total_in()).is_ok_and(|n| n < body.len()) {
                    err(format!("gzip member {index}: deflate data makes no progress"))
                } else {
                    Ok(Step::Stalled)
                }
            }
        }
    })?;
    if !ended {
        return err(format!(
            "gzip member {index} truncated: the deflate data ends at offset {:#x} before its last block",
            body_offset.saturating_add(body.len())
        ));
    }
    Ok(())
}

fn push_header_fields(fields: &mut Vec<Field>, notes: &mut Vec<String>, prefix: &str, index: usize, h: &Header) {
    let f = |n: &str, v: Value| Field::new(format!("{prefix}{n}"), v);
    fields.push(f("mtime", Value::Time(i64::from(h.mtime))));
    if h.mtime == 0 {
        notes.push(format!("gzip member {index}: mtime 0 means not set"));
    }
    fields.push(f("os", Value::Text(format!("{} ({})", os_name(h.os), h.os))));
    fields.push(f("flags", Value::Int(i64::from(h.flags))));
    if h.flags & FTEXT != 0 {
        notes.push(format!("gzip member {index}: FTEXT flag set (probably text)"));
    }
    if let Some(n) = &h.name {
        fields.push(f("name", Value::Text(n.clone())));
    }
    if let Some(c) = &h.comment {
        fields.push(f("comment", Value::Text(c.clone())));
    }
    if let Some(x) = &h.extra {
        fields.push(f("extra", Value::Hex(x.clone())));
    }
    if let Some(c) = h.hcrc {
        fields.push(f("header-crc16", Value::Digest(format!("{c:04x}"))));
    }
    fields.push(f("xfl", Value::Int(i64::from(h.xfl))));
    let hint = match h.xfl {
        0 => "default".to_string(),
        2 => "best compression (2)".to_string(),
        4 => "fastest (4)".to_string(),
        x => format!("unknown ({x})"),
    };
    fields.push(f("level-hint", Value::Text(hint)));
}

/// RFC 1952 OS byte names.
fn os_name(os: u8) -> &'static str {
    match os {
        0 => "FAT",
        1 => "Amiga",
        2 => "VMS",
        3 => "Unix",
        4 => "VM/CMS",
        5 => "Atari TOS",
        6 => "HPFS",
        7 => "Macintosh",
        8 => "Z-System",
        9 => "CP/M",
        10 => "TOPS-20",
        11 => "NTFS",
        12 => "QDOS",
        13 => "Acorn RISCOS",
        255 => "unknown",
        _ => "undefined",
    }
}

/// The decompressed member's name: the node's file name without its gzip suffix
/// (`x.cpio.gz` → `x.cpio`, `x.tgz` → `x.tar`), or "content" when it has none.
pub fn member_name(node: &str) -> String {
    crate::stream::member_name(node, &[(".gz", ""), (".gzip", ""), (".tgz", ".tar")])
}

/// A deterministic single-member gzip of `data`: mtime 0, no name, OS Unix (3), XFL set the way
/// gzip sets it for levels 9 and 1. `level` is clamped to 0..=9.
///
/// # Panics
/// Only if deflating into memory fails, which the deflate implementation never does.
pub fn compress(data: &[u8], level: u32) -> Vec<u8> {
    let level = level.min(9);
    let xfl = match level {
        9 => 2,
        1 => 4,
        _ => 0,
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, xfl, 3]);
    let mut enc = flate2::write::DeflateEncoder::new(out, Compression::new(level));
    enc.write_all(data).expect("deflate into memory cannot fail");
    let mut out = enc.finish().expect("deflate into memory cannot fail");
    out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_bytes(b: Vec<u8>, name: &str) -> Result<Opened, FormatError> {
        Gzip.open(&Blob::from_vec(b), name, &Limits::default())
    }

    #[test]
    fn names() {
        assert_eq!(member_name("rootfs.cpio.gz"), "rootfs.cpio");
        assert_eq!(member_name("a/b/x.TGZ"), "x.tar");
        assert_eq!(member_name("x.gzip"), "x");
        assert_eq!(member_name("ramdisk0"), "content");
        assert_eq!(member_name(".gz"), "content");
    }

    #[test]
    fn round_trip_and_fields() {
        let data = b"hello hello hello hello".repeat(100);
        let gz = compress(&data, 9);
        assert!(Gzip.identify(&gz, ""));
        let o = open_bytes(gz, "x.gz").unwrap();
        assert_eq!(o.members.len(), 1);
        let Some(crate::Data::Blob(b)) = &o.members[0].data else {
            panic!()
        };
        assert_eq!(&**b, &data[..]);
        assert_eq!(o.members[0].name, "x");
        let get = |n: &str| o.fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
        assert_eq!(get("mtime"), Some(Value::Time(0)));
        assert_eq!(get("os"), Some(Value::Text("Unix (3)".into())));
        assert_eq!(get("level-hint"), Some(Value::Text("best compression (2)".into())));
        assert_eq!(get("isize"), Some(Value::Size(data.len() as u64)));
    }

    #[test]
    fn empty_input_and_exact_limit() {
        let gz = compress(b"", 6);
        let o = open_bytes(gz, "e.gz").unwrap();
        assert_eq!(o.members[0].size, 0);

        let data = vec![7u8; 1000];
        let gz = Blob::from_vec(compress(&data, 6));
        let ok = Gzip.open(
            &gz,
            "",
            &Limits {
                max_decompressed: 1000,
                ..Limits::default()
            },
        );
        assert_eq!(ok.unwrap().members[0].size, 1000);
        let e = Gzip
            .open(
                &gz,
                "",
                &Limits {
                    max_decompressed: 999,
                    ..Limits::default()
                },
            )
            .unwrap_err();
        assert_eq!(e.message, "decompressed size exceeds limit of 999 bytes");
    }
}
