//! PNG (W3C PNG Specification, third edition): the chunk sequence, its metadata and the
//! decompressed image data, read by hand from the specification.
//!
//! Every chunk's CRC-32 (over its type and data) is checked. Structural damage is an error that
//! names the chunk and its byte offset (the offset of its length field): a bad signature, a
//! first chunk other than IHDR, an invalid IHDR, a length past the end of the file, a CRC
//! mismatch, no IDAT, no IEND, invalid zlib data. Damage in an optional (ancillary) chunk's
//! content is a note, as decoders skip such chunks.
//!
//! Fields of the node:
//! - `width`, `height` (Int), `bit-depth` (Int), `color-type` (Text: "grayscale", "RGB",
//!   "palette", "grayscale+alpha", "RGBA"), `interlace` (Text: "none", "Adam7"): from IHDR.
//! - `chunks` (Text): the chunk types in file order, runs of one type counted, e.g.
//!   "IHDR PLTE tIME tEXt IDAT×3 IEND", so added, removed or reordered chunks show.
//! - `time` (Time, UTC as the specification says): tIME. An impossible date is a note, and
//!   the field is then Text.
//! - `text.<keyword>` (Text): tEXt, zTXt and iTXt, decompressed. When the keyword starts with
//!   `date:` (ImageMagick's `date:create`, `date:modify`, `date:timestamp`) or is `Creation
//!   Time`, and the text is an RFC 3339 / ISO 8601 date-time (a missing zone is taken as UTC)
//!   or an RFC 1123 date, the value is a Time. Texts over 4 KiB are shown by their start, size
//!   and SHA-256.
//! - `chunk.<type>` for every other chunk, in file order: gAMA, cHRM, sRGB, pHYs, bKGD, cICP,
//!   iCCP (its profile name and the decompressed profile's size and SHA-256) are decoded to
//!   Text; others of at most 32 bytes are Hex, longer ones Text with their size and SHA-256.
//! - A field name that repeats (two `tEXt` chunks with one keyword, several `sPLT`) gets
//!   `#2`, `#3`, ... appended, so each is compared with its counterpart.
//! - `idat-size` (Size: the IDAT data bytes stored, without chunk headers), `idat-chunks` (Int).
//!
//! Members:
//! - `(image data)` (Section): the IDAT data concatenated and zlib-decompressed, i.e. the
//!   filtered scanlines (not unfiltered). Its size is bounded by what IHDR implies (per Adam7
//!   pass when interlaced): more output is an error, less a note. Two PNGs with the same
//!   scanlines compressed differently have an equal `(image data)` and differ in `idat-size`.
//! - `(palette)` (Section, field `entries`): the PLTE data (RGB triples), when there is one.
//! - `trailing@0x..`: bytes after IEND that are not zero padding (as the stream readers do).

use flate2::{Decompress, FlushDecompress, Status};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::bytes::{be16, be32};
use crate::model::days_from_civil;
use crate::model::{err, hex, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Sink, Value};
use crate::registry::Format;

pub struct Png;

/// The 8-byte PNG signature.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// Chunk lengths are at most 2^31 - 1.
const MAX_CHUNK: u32 = 0x7fff_ffff;
/// Ancillary values up to this many bytes are shown as hex, longer ones by size and digest.
const HEX_MAX: usize = 32;
/// Texts longer than this are shown by their start, size and digest.
const TEXT_MAX: usize = 4096;
/// Most bytes a compressed text or ICC profile may decompress to (also bounded by the limits).
const SMALL_INFLATE_MAX: u64 = 64 << 20;
/// Most `chunk.*` / `text.*` fields listed; the rest are counted in a note.
const MAX_CHUNK_FIELDS: usize = 4096;
/// Most runs listed in the `chunks` field.
const MAX_RUNS: usize = 4096;
/// The decompression window for IDAT data.
const WINDOW: usize = 1 << 16;

impl Format for Png {
    fn name(&self) -> &'static str {
        "png"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(&SIGNATURE)
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

/// One chunk as stored: the offset of its length field, its type and where its data is.
struct Chunk {
    offset: usize,
    kind: [u8; 4],
    start: usize,
    end: usize,
}

impl Chunk {
    fn name(&self) -> String {
        type_name(self.kind)
    }
}

/// A chunk type for messages: its four letters (types are ASCII letters, checked on reading).
fn type_name(t: [u8; 4]) -> String {
    if t.iter().all(u8::is_ascii_alphabetic) {
        t.iter().map(|&b| char::from(b)).collect()
    } else {
        format!("0x{}", hex(&t))
    }
}

/// The IHDR fields.
struct Header {
    width: u32,
    height: u32,
    depth: u8,
    color: u8,
    interlaced: bool,
}

impl Header {
    fn channels(&self) -> u64 {
        match self.color {
            2 => 3,
            4 => 2,
            6 => 4,
            _ => 1,
        }
    }

    fn bits_per_pixel(&self) -> u64 {
        self.channels() * u64::from(self.depth)
    }

    /// Bytes of filtered scanlines the image needs: each row of each pass is a filter-type
    /// byte and ceil(width × bits per pixel / 8) bytes; empty passes have no rows.
    fn image_bytes(&self) -> u128 {
        let (w, h) = (u128::from(self.width), u128::from(self.height));
        let bpp = u128::from(self.bits_per_pixel());
        let rows = |pw: u128, ph: u128| {
            if pw == 0 || ph == 0 {
                0
            } else {
                ph * (1 + (pw * bpp).div_ceil(8))
            }
        };
        if !self.interlaced {
            return rows(w, h);
        }
        adam7_passes(w, h).iter().map(|&(pw, ph)| rows(pw, ph)).sum()
    }
}

/// Width and height of each of the seven Adam7 passes of a `w` × `h` image.
fn adam7_passes(w: u128, h: u128) -> [(u128, u128); 7] {
    // (first column, first row, column step, row step) of each pass.
    const PASSES: [(u128, u128, u128, u128); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let span = |size: u128, first: u128, step: u128| {
        if size > first {
            (size - first).div_ceil(step)
        } else {
            0
        }
    };
    PASSES.map(|(x0, y0, dx, dy)| (span(w, x0, dx), span(h, y0, dy)))
}

fn color_name(color: u8) -> &'static str {
    match color {
        0 => "grayscale",
        2 => "RGB",
        3 => "palette",
        4 => "grayscale+alpha",
        6 => "RGBA",
        _ => "unknown",
    }
}

fn open(data: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let (chunks, end) = walk(input)?;
    let mut notes = vec![format!("CRC-32 verified for {} chunks", chunks.len())];

    // walk() made sure the first chunk is IHDR.
    let header = match chunks.first() {
        Some(c) => parse_header(c, &input[c.start..c.end])?,
        None => return err("png: no chunks"),
    };

    let mut fields = vec![
        Field::new("width", Value::Int(i64::from(header.width))),
        Field::new("height", Value::Int(i64::from(header.height))),
        Field::new("bit-depth", Value::Int(i64::from(header.depth))),
        Field::new("color-type", Value::Text(color_name(header.color).into())),
        Field::new(
            "interlace",
            Value::Text(if header.interlaced { "Adam7" } else { "none" }.into()),
        ),
        Field::new("chunks", Value::Text(chunk_list(&chunks))),
    ];

    let mut extra = Extra::default();
    let mut idat: Vec<&Chunk> = Vec::new();
    let mut idat_runs = 0usize;
    let mut palette: Option<&Chunk> = None;
    let mut prev: Option<[u8; 4]> = None;
    for c in chunks.iter().skip(1) {
        let body = &input[c.start..c.end];
        match &c.kind {
            b"IHDR" => return err(format!("png: second IHDR chunk at offset {:#x}", c.offset)),
            b"IDAT" => {
                if prev != Some(*b"IDAT") {
                    idat_runs += 1;
                }
                idat.push(c);
            }
            b"PLTE" => {
                if palette.is_some() {
                    notes.push(format!("png: second PLTE chunk at offset {:#x}, ignored", c.offset));
                } else {
                    check_palette(c, &header, &mut notes);
                    palette = Some(c);
                }
            }
            b"IEND" => {
                if !body.is_empty() {
                    notes.push(format!(
                        "png: IEND chunk at offset {:#x} has {} bytes of data (it should have none)",
                        c.offset,
                        body.len()
                    ));
                }
            }
            b"tIME" => time_chunk(c, body, &mut extra, &mut notes),
            b"tEXt" | b"zTXt" | b"iTXt" => text_chunk(c, body, limits, &mut extra, &mut notes)?,
            _ => {
                if c.kind[0].is_ascii_uppercase() {
                    notes.push(format!(
                        "png: unknown critical chunk {} at offset {:#x}",
                        c.name(),
                        c.offset
                    ));
                }
                let value = ancillary_value(c, body, limits, &mut notes)?;
                extra.push(format!("chunk.{}", c.name()), value);
            }
        }
        prev = Some(c.kind);
    }
    if idat.is_empty() {
        return err("png: no IDAT chunk");
    }
    if idat_runs > 1 {
        notes.push(format!(
            "png: the IDAT chunks are not consecutive ({idat_runs} separate runs); their data is read in file order"
        ));
    }
    if header.color == 3 && palette.is_none() {
        notes.push("png: palette image without a PLTE chunk".into());
    }
    if let Some(p) = palette {
        if header.color == 0 || header.color == 4 {
            notes.push(format!(
                "png: PLTE chunk at offset {:#x} in a {} image, where it is not allowed",
                p.offset,
                color_name(header.color)
            ));
        }
    }
    if extra.dropped > 0 {
        notes.push(format!(
            "{} more ancillary chunks not listed as fields (at most {MAX_CHUNK_FIELDS} are)",
            extra.dropped
        ));
    }
    fields.append(&mut extra.fields);

    let stored: u64 = idat.iter().map(|c| (c.end - c.start) as u64).sum();
    fields.push(Field::new("idat-size", Value::Size(stored)));
    fields.push(Field::new("idat-chunks", Value::Int(idat.len() as i64)));

    let image = inflate_idat(input, &idat, &header, limits, &mut notes)?;
    let mut members = vec![Member {
        name: "(image data)".into(),
        kind: EntryKind::Section,
        fields: Vec::new(),
        size: image.len() as u64,
        data: Some(Data::Blob(image)),
    }];
    if let Some(p) = palette {
        members.push(Member {
            name: "(palette)".into(),
            kind: EntryKind::Section,
            fields: vec![Field::new("entries", Value::Int(((p.end - p.start) / 3) as i64))],
            size: (p.end - p.start) as u64,
            data: Some(Data::Blob(data.slice(p.start..p.end))),
        });
    }
    crate::stream::trailing(data, end, "IEND chunk", &mut notes, &mut members);
    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

/// Walks the chunks from the signature to IEND, checking lengths, types and CRCs. Returns them
/// and the offset just after IEND.
fn walk(input: &[u8]) -> Result<(Vec<Chunk>, usize), FormatError> {
    if !input.starts_with(&SIGNATURE) {
        return if input.len() < SIGNATURE.len() && SIGNATURE.starts_with(input) {
            err(format!("png: truncated signature: the file is {} bytes", input.len()))
        } else {
            err("png: bad signature")
        };
    }
    let size = input.len();
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut pos = SIGNATURE.len();
    loop {
        let after = || match chunks.last() {
            Some(c) => format!("after chunk {} at offset {:#x}", c.name(), c.offset),
            None => "after the signature".into(),
        };
        if pos >= size {
            return err(format!(
                "png: no IEND chunk: the file ends at offset {pos:#x}, {}",
                after()
            ));
        }
        let Some(head) = input.get(pos..pos.saturating_add(8)) else {
            return err(format!(
                "png: truncated chunk header at offset {pos:#x}: {} bytes left, {}",
                size - pos,
                after()
            ));
        };
        let length = be32(head, 0);
        let kind = [head[4], head[5], head[6], head[7]];
        let name = type_name(kind);
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return err(format!(
                "png: invalid chunk type {name} at offset {pos:#x} (types are four ASCII letters), {}",
                after()
            ));
        }
        if chunks.is_empty() && &kind != b"IHDR" {
            return err(format!("png: the first chunk is {name} at offset {pos:#x}, not IHDR"));
        }
        if length > MAX_CHUNK {
            return err(format!(
                "png: chunk {name} at offset {pos:#x}: length {length} is over the maximum of {MAX_CHUNK}"
            ));
        }
        let start = pos + 8;
        let end = usize::try_from(length)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|&e| e <= size);
        let Some(end) = end else {
            return err(format!(
                "png: chunk {name} at offset {pos:#x}: length {length} runs past the end of the file ({size} bytes)"
            ));
        };
        let Some(crc) = input.get(end..end.saturating_add(4)).filter(|c| c.len() == 4) else {
            return err(format!(
                "png: chunk {name} at offset {pos:#x}: its CRC at offset {end:#x} runs past the end of the file ({size} bytes)"
            ));
        };
        let stored = be32(crc, 0);
        let computed = crc32fast::hash(&input[pos + 4..end]);
        if stored != computed {
            return err(format!(
                "png: chunk {name} at offset {pos:#x}: CRC mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ));
        }
        chunks.push(Chunk {
            offset: pos,
            kind,
            start,
            end,
        });
        pos = end + 4;
        if &kind == b"IEND" {
            return Ok((chunks, pos));
        }
    }
}

fn parse_header(c: &Chunk, body: &[u8]) -> Result<Header, FormatError> {
    let at = c.offset;
    if body.len() != 13 {
        return err(format!(
            "png: chunk IHDR at offset {at:#x}: length {}, not 13",
            body.len()
        ));
    }
    let (width, height) = (be32(body, 0), be32(body, 4));
    let (depth, color, compression, filter, interlace) = (body[8], body[9], body[10], body[11], body[12]);
    for (what, v) in [("width", width), ("height", height)] {
        if v == 0 || v > MAX_CHUNK {
            return err(format!(
                "png: chunk IHDR at offset {at:#x}: invalid {what} {v} (1 to {MAX_CHUNK})"
            ));
        }
    }
    let depths: &[u8] = match color {
        0 => &[1, 2, 4, 8, 16],
        3 => &[1, 2, 4, 8],
        2 | 4 | 6 => &[8, 16],
        _ => return err(format!("png: chunk IHDR at offset {at:#x}: invalid color type {color}")),
    };
    if !depths.contains(&depth) {
        return err(format!(
            "png: chunk IHDR at offset {at:#x}: invalid bit depth {depth} for color type {color} ({})",
            color_name(color)
        ));
    }
    if compression != 0 {
        return err(format!(
            "png: chunk IHDR at offset {at:#x}: unknown compression method {compression}"
        ));
    }
    if filter != 0 {
        return err(format!(
            "png: chunk IHDR at offset {at:#x}: unknown filter method {filter}"
        ));
    }
    if interlace > 1 {
        return err(format!(
            "png: chunk IHDR at offset {at:#x}: unknown interlace method {interlace}"
        ));
    }
    Ok(Header {
        width,
        height,
        depth,
        color,
        interlaced: interlace == 1,
    })
}

/// The chunk types in order, a run of one type as `TYPE×N`.
fn chunk_list(chunks: &[Chunk]) -> String {
    let mut runs: Vec<(String, usize)> = Vec::new();
    for c in chunks {
        match runs.last_mut() {
            Some((name, n)) if name.as_bytes() == c.kind => *n += 1,
            _ => runs.push((c.name(), 1)),
        }
    }
    let total = runs.len();
    let mut parts: Vec<String> = runs
        .into_iter()
        .take(MAX_RUNS)
        .map(|(name, n)| if n == 1 { name } else { format!("{name}×{n}") })
        .collect();
    if total > MAX_RUNS {
        parts.push(format!("… ({} more)", total - MAX_RUNS));
    }
    parts.join(" ")
}

fn check_palette(c: &Chunk, header: &Header, notes: &mut Vec<String>) {
    let len = c.end - c.start;
    if len == 0 || !len.is_multiple_of(3) || len > 768 {
        notes.push(format!(
            "png: PLTE chunk at offset {:#x} has length {len}, not a multiple of 3 from 3 to 768",
            c.offset
        ));
    } else if header.color == 3 && len / 3 > 1usize << header.depth {
        notes.push(format!(
            "png: PLTE chunk at offset {:#x} has {} entries, more than a {}-bit palette image can use",
            c.offset,
            len / 3,
            header.depth
        ));
    }
}

/// Fields from ancillary chunks, in file order, with repeated names made unique.
#[derive(Default)]
struct Extra {
    fields: Vec<Field>,
    seen: HashMap<String, usize>,
    dropped: usize,
}

impl Extra {
    fn push(&mut self, name: String, value: Value) {
        if self.fields.len() >= MAX_CHUNK_FIELDS {
            self.dropped += 1;
            return;
        }
        let n = self.seen.entry(name.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 { name } else { format!("{name}#{n}") };
        self.fields.push(Field::new(name, value));
    }
}

fn time_chunk(c: &Chunk, body: &[u8], extra: &mut Extra, notes: &mut Vec<String>) {
    if extra.seen.contains_key("time") {
        notes.push(format!("png: second tIME chunk at offset {:#x}", c.offset));
    }
    if body.len() != 7 {
        notes.push(format!(
            "png: tIME chunk at offset {:#x} has length {}, not 7",
            c.offset,
            body.len()
        ));
        extra.push("time".into(), raw_value(body));
        return;
    }
    let year = i64::from(be16(body, 0));
    let [month, day, hour, minute, second] = [body[2], body[3], body[4], body[5], body[6]].map(i64::from);
    match unix_time(year, month, day, hour, minute, second) {
        Some(t) => extra.push("time".into(), Value::Time(t)),
        None => {
            let shown = format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}");
            notes.push(format!(
                "png: tIME chunk at offset {:#x} holds an impossible date {shown}",
                c.offset
            ));
            extra.push("time".into(), Value::Text(format!("invalid: {shown}")));
        }
    }
}

/// tEXt, zTXt, iTXt: a `text.<keyword>` field. Malformed ones are a note and a `chunk.*` field.
fn text_chunk(
    c: &Chunk,
    body: &[u8],
    limits: &Limits,
    extra: &mut Extra,
    notes: &mut Vec<String>,
) -> Result<(), FormatError> {
    let bad = |why: &str, extra: &mut Extra, notes: &mut Vec<String>| {
        notes.push(format!("png: {} chunk at offset {:#x}: {why}", c.name(), c.offset));
        extra.push(format!("chunk.{}", c.name()), raw_value(body));
    };
    let Some(nul) = body.iter().position(|&b| b == 0) else {
        bad("no keyword terminator", extra, notes);
        return Ok(());
    };
    let keyword = latin1(&body[..nul]);
    if nul == 0 || nul > 79 {
        notes.push(format!(
            "png: {} chunk at offset {:#x}: keyword of {nul} bytes (1 to 79 are allowed)",
            c.name(),
            c.offset
        ));
    }
    let rest = &body[nul + 1..];
    let text = match &c.kind {
        b"tEXt" => latin1(rest),
        b"zTXt" => {
            let Some((&method, z)) = rest.split_first() else {
                bad("no compression method", extra, notes);
                return Ok(());
            };
            if method != 0 {
                bad(&format!("unknown compression method {method}"), extra, notes);
                return Ok(());
            }
            match inflate_small(z, limits, c)? {
                Ok(t) => latin1(&t),
                Err(e) => {
                    bad(&e, extra, notes);
                    return Ok(());
                }
            }
        }
        _ => {
            // iTXt: compression flag, method, language tag\0, translated keyword\0, text.
            let (Some(&flag), Some(&method)) = (rest.first(), rest.get(1)) else {
                bad("truncated before its text", extra, notes);
                return Ok(());
            };
            let after = &rest[2..];
            let Some(lang_end) = after.iter().position(|&b| b == 0) else {
                bad("no language tag terminator", extra, notes);
                return Ok(());
            };
            let after = &after[lang_end + 1..];
            let Some(tr_end) = after.iter().position(|&b| b == 0) else {
                bad("no translated keyword terminator", extra, notes);
                return Ok(());
            };
            let t = &after[tr_end + 1..];
            match (flag, method) {
                (0, _) => String::from_utf8_lossy(t).into_owned(),
                (1, 0) => match inflate_small(t, limits, c)? {
                    Ok(t) => String::from_utf8_lossy(&t).into_owned(),
                    Err(e) => {
                        bad(&e, extra, notes);
                        return Ok(());
                    }
                },
                (1, m) => {
                    bad(&format!("unknown compression method {m}"), extra, notes);
                    return Ok(());
                }
                (f, _) => {
                    bad(&format!("invalid compression flag {f}"), extra, notes);
                    return Ok(());
                }
            }
        }
    };
    let value = if keyword.starts_with("date:") || keyword.eq_ignore_ascii_case("Creation Time") {
        parse_date(&text).map_or_else(|| text_value(text), Value::Time)
    } else {
        text_value(text)
    };
    extra.push(format!("text.{keyword}"), value);
    Ok(())
}

/// ISO 8859-1 text: the code points equal the bytes.
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn text_value(text: String) -> Value {
    if text.len() <= TEXT_MAX {
        return Value::Text(text);
    }
    let mut cut = 200;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Value::Text(format!(
        "{}… ({} bytes, sha256 {})",
        &text[..cut],
        text.len(),
        hex(&Sha256::digest(text.as_bytes()))
    ))
}

/// Short bytes as hex, long ones by size and digest.
fn raw_value(b: &[u8]) -> Value {
    if b.len() <= HEX_MAX {
        Value::Hex(b.to_vec())
    } else {
        Value::Text(format!("{} bytes, sha256 {}", b.len(), hex(&Sha256::digest(b))))
    }
}

/// A readable value for an ancillary chunk the specification defines, else [`raw_value`].
fn ancillary_value(c: &Chunk, b: &[u8], limits: &Limits, notes: &mut Vec<String>) -> Result<Value, FormatError> {
    let fixed = |v: u32| format!("{}.{:05}", v / 100_000, v % 100_000);
    let text = match (&c.kind, b.len()) {
        (b"gAMA", 4) => fixed(be32(b, 0)),
        (b"cHRM", 32) => {
            let v: Vec<String> = (0..8).map(|i| fixed(be32(b, i * 4))).collect();
            format!(
                "white {},{} red {},{} green {},{} blue {},{}",
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
            )
        }
        (b"sRGB", 1) => match b[0] {
            0 => "perceptual".into(),
            1 => "relative colorimetric".into(),
            2 => "saturation".into(),
            3 => "absolute colorimetric".into(),
            n => format!("unknown rendering intent {n}"),
        },
        (b"pHYs", 9) => {
            let unit = match b[8] {
                0 => "unit unknown".to_string(),
                1 => "per metre".to_string(),
                n => format!("unknown unit {n}"),
            };
            format!("{}x{} {unit}", be32(b, 0), be32(b, 4))
        }
        (b"bKGD", 1) => format!("index {}", b[0]),
        (b"bKGD", 2) => format!("gray {}", be16(b, 0)),
        (b"bKGD", 6) => format!("rgb {},{},{}", be16(b, 0), be16(b, 2), be16(b, 4)),
        (b"cICP", 4) => format!(
            "primaries {}, transfer {}, matrix {}, full range {}",
            b[0], b[1], b[2], b[3]
        ),
        (b"iCCP", _) => return icc_value(c, b, limits, notes),
        _ => return Ok(raw_value(b)),
    };
    Ok(Value::Text(text))
}

/// iCCP: profile name\0, compression method, zlib data.
fn icc_value(c: &Chunk, b: &[u8], limits: &Limits, notes: &mut Vec<String>) -> Result<Value, FormatError> {
    let mut bad = |why: String| {
        notes.push(format!("png: iCCP chunk at offset {:#x}: {why}", c.offset));
        Ok(raw_value(b))
    };
    let Some(nul) = b.iter().position(|&x| x == 0) else {
        return bad("no profile name terminator".into());
    };
    let name = latin1(&b[..nul]);
    match b.get(nul + 1) {
        Some(0) => {}
        Some(m) => return bad(format!("unknown compression method {m}")),
        None => return bad("no compression method".into()),
    }
    match inflate_small(&b[nul + 2..], limits, c)? {
        Ok(p) => Ok(Value::Text(format!(
            "{name}: {} bytes, sha256 {}",
            p.len(),
            hex(&Sha256::digest(&p))
        ))),
        Err(e) => bad(e),
    }
}

/// Decompresses a small zlib stream (a text or a profile). The outer error is the limit (fatal,
/// as for every decoder), the inner one damage (a note: the chunk is optional).
fn inflate_small(z: &[u8], limits: &Limits, c: &Chunk) -> Result<Result<Vec<u8>, String>, FormatError> {
    let max = limits.max_decompressed.min(SMALL_INFLATE_MAX);
    let max_out = usize::try_from(max).unwrap_or(usize::MAX);
    let mut d = Decompress::new(true);
    let mut out: Vec<u8> = Vec::with_capacity(z.len().saturating_mul(4).clamp(64, WINDOW));
    loop {
        if out.len() == out.capacity() {
            // Grow by up to a window, and never more than one byte past the limit.
            let room = WINDOW.min(max_out.saturating_add(1).saturating_sub(out.len()));
            if room == 0 {
                return Err(FormatError::new(format!(
                    "png: chunk {} at offset {:#x}: decompressed size exceeds limit of {max} bytes",
                    c.name(),
                    c.offset
                )));
            }
            out.reserve_exact(room);
        }
        let (in0, out0) = (d.total_in(), d.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(z.len());
        let status = match d.decompress_vec(&z[at..], &mut out, FlushDecompress::Finish) {
            Ok(s) => s,
            Err(e) => return Ok(Err(format!("invalid zlib data: {e}"))),
        };
        if out.len() > max_out {
            return Err(FormatError::new(format!(
                "png: chunk {} at offset {:#x}: decompressed size exceeds limit of {max} bytes",
                c.name(),
                c.offset
            )));
        }
        if status == Status::StreamEnd {
            return Ok(Ok(out));
        }
        if d.total_in() == in0 && d.total_out() == out0 && out.len() < out.capacity() {
            return Ok(Err("zlib data truncated".into()));
        }
    }
}

/// Decompresses the IDAT data through a [`Sink`], bounded by what IHDR implies and by the limit.
fn inflate_idat(
    input: &[u8],
    idat: &[&Chunk],
    header: &Header,
    limits: &Limits,
    notes: &mut Vec<String>,
) -> Result<Blob, FormatError> {
    let expected = header.image_bytes();
    if expected > u128::from(limits.max_decompressed) {
        return err(format!(
            "png: IHDR says {}x{} {}-bit {}{}: {expected} bytes of image data, over the decompression limit of {} bytes",
            header.width,
            header.height,
            header.depth,
            color_name(header.color),
            if header.interlaced { " interlaced" } else { "" },
            limits.max_decompressed
        ));
    }
    // Below the limit, so it fits a u64.
    let expected = expected as u64;
    let stored: u64 = idat.iter().map(|c| (c.end - c.start) as u64).sum();
    // Deflate expands at most about 1032:1: the hint (memory vs disk) trusts IHDR no further.
    let hint = expected.min(stored.saturating_mul(1032).saturating_add(1024));
    let mut sink = Sink::new(Some(hint), limits.max_decompressed);
    let mut z = Decompress::new(true);
    let mut buf: Vec<u8> = Vec::with_capacity(WINDOW);
    let mut ended = false;
    let mut after_end = 0u64;
    for c in idat {
        let piece = &input[c.start..c.end];
        if ended {
            after_end += piece.len() as u64;
            continue;
        }
        let mut at = 0usize;
        loop {
            buf.clear();
            let (in0, out0) = (z.total_in(), z.total_out());
            let status = z
                .decompress_vec(&piece[at..], &mut buf, FlushDecompress::None)
                .map_err(|e| {
                    FormatError::new(format!(
                        "png: chunk IDAT at offset {:#x}: invalid zlib data: {e}",
                        c.offset
                    ))
                })?;
            let used = usize::try_from(z.total_in() - in0).unwrap_or(usize::MAX);
            at = at.saturating_add(used).min(piece.len());
            if sink.len() + buf.len() as u64 > expected {
                return err(format!(
                    "png: chunk IDAT at offset {:#x}: the image data decompresses to more than the {expected} bytes IHDR implies ({}x{} {}-bit {}{})",
                    c.offset,
                    header.width,
                    header.height,
                    header.depth,
                    color_name(header.color),
                    if header.interlaced { " interlaced" } else { "" },
                ));
            }
            sink.write(&buf)?;
            if status == Status::StreamEnd {
                ended = true;
                after_end += (piece.len() - at) as u64;
                break;
            }
            let progress = z.total_in() != in0 || z.total_out() != out0;
            if !progress && at < piece.len() {
                return err(format!(
                    "png: chunk IDAT at offset {:#x}: the zlib decoder stopped at byte {at} of {}",
                    c.offset,
                    piece.len()
                ));
            }
            if !progress || (at == piece.len() && buf.len() < buf.capacity()) {
                break;
            }
        }
    }
    let produced = sink.len();
    let last = idat.last().map_or(0, |c| c.offset);
    if !ended {
        if produced < expected {
            return err(format!(
                "png: image data truncated: the zlib stream in the IDAT chunks (the last at offset {last:#x}) ends after {produced} of the {expected} bytes IHDR implies"
            ));
        }
        notes.push("png: the zlib stream in the IDAT chunks has no end (its checksum is missing)".into());
    } else if produced < expected {
        notes.push(format!(
            "png: the image data is {produced} bytes, IHDR implies {expected}: the image is incomplete"
        ));
    }
    if after_end > 0 {
        notes.push(format!(
            "png: {after_end} bytes of IDAT data after the end of the zlib stream"
        ));
    }
    sink.finish()
}

/// Seconds since the epoch of a UTC date and time, if it is a real one (second 60 is a leap
/// second, which lands on the next minute).
fn unix_time(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || !(0..=23).contains(&hour)
        || !(0..=59).contains(&minute)
        || !(0..=60).contains(&second)
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An RFC 3339 / ISO 8601 date-time (`2024-01-02T03:04:05+01:00`, a space for the `T`,
/// fractions of seconds ignored, no zone taken as UTC) or an RFC 1123 one
/// (`Tue, 02 Jan 2024 03:04:05 GMT`), as seconds since the epoch.
fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    parse_iso(s).or_else(|| parse_rfc1123(s))
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn parse_iso(s: &str) -> Option<i64> {
    let date = s.get(..10)?;
    let year = digits(date.get(..4)?, 4)?;
    let month = digits(date.get(5..7)?, 2)?;
    let day = digits(date.get(8..10)?, 2)?;
    if date.as_bytes().get(4) != Some(&b'-') || date.as_bytes().get(7) != Some(&b'-') {
        return None;
    }
    let rest = s.get(10..)?;
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix('t'))
        .or_else(|| rest.strip_prefix(' '))?;
    let (h, m, sec, rest) = parse_clock(rest)?;
    // Fractions of a second.
    let rest = match rest.strip_prefix(['.', ',']) {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            &r[n..]
        }
        None => rest,
    };
    let offset = parse_zone(rest.trim_start())?;
    Some(unix_time(year, month, day, h, m, sec)? - offset)
}

/// `HH:MM:SS` at the start of `s`, and what follows.
fn parse_clock(s: &str) -> Option<(i64, i64, i64, &str)> {
    let t = s.get(..8)?;
    if t.as_bytes().get(2) != Some(&b':') || t.as_bytes().get(5) != Some(&b':') {
        return None;
    }
    Some((
        digits(t.get(..2)?, 2)?,
        digits(t.get(3..5)?, 2)?,
        digits(t.get(6..8)?, 2)?,
        s.get(8..)?,
    ))
}

/// A zone: none or `Z` / `UTC` / `GMT` (0), or `±HH:MM`, `±HHMM`, `±HH`, as seconds east.
fn parse_zone(z: &str) -> Option<i64> {
    if z.is_empty() || z.eq_ignore_ascii_case("z") || z == "UTC" || z == "GMT" || z == "UT" {
        return Some(0);
    }
    let sign = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let z = &z[1..];
    let (h, m) = match z.len() {
        2 => (digits(z, 2)?, 0),
        4 => (digits(z.get(..2)?, 2)?, digits(z.get(2..)?, 2)?),
        5 if z.as_bytes().get(2) == Some(&b':') => (digits(z.get(..2)?, 2)?, digits(z.get(3..)?, 2)?),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn parse_rfc1123(s: &str) -> Option<i64> {
    // An optional day name and comma.
    let s = match s.split_once(',') {
        Some((_, r)) => r.trim_start(),
        None => s,
    };
    let mut words = s.split_ascii_whitespace();
    let day = words.next()?;
    let day = if day.len() == 1 {
        digits(day, 1)?
    } else {
        digits(day, 2)?
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mon = words.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let year = digits(words.next()?, 4)?;
    let (h, m, sec, rest) = parse_clock(words.next()?)?;
    if !rest.is_empty() {
        return None;
    }
    let offset = parse_zone(words.next().unwrap_or(""))?;
    if words.next().is_some() {
        return None;
    }
    Some(unix_time(year, month, day, h, m, sec)? - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_time;

    #[test]
    fn civil_days_agree_with_format_time() {
        for t in [0i64, 951_782_400, 1_704_067_200, 4_107_542_400, -86_400 * 365] {
            let s = format_time(t);
            let p = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
            assert_eq!(
                unix_time(p(0..4), p(5..7), p(8..10), p(11..13), p(14..16), p(17..19)),
                Some(t),
                "{s}"
            );
        }
        assert_eq!(unix_time(2023, 2, 29, 0, 0, 0), None);
        assert_eq!(unix_time(2024, 2, 29, 0, 0, 0), Some(1_709_164_800));
        assert_eq!(unix_time(2024, 13, 1, 0, 0, 0), None);
        assert_eq!(unix_time(2024, 1, 1, 24, 0, 0), None);
    }

    #[test]
    fn dates() {
        let t = 1_704_164_645; // 2024-01-02 03:04:05 UTC
        for s in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05+00:00",
            "2024-01-02T04:04:05+01:00",
            "2024-01-01T22:04:05-0500",
            "2024-01-02 03:04:05",
            "2024-01-02T03:04:05.123456Z",
            " 2024-01-02T03:04:05z\n",
            "Tue, 02 Jan 2024 03:04:05 GMT",
            "2 Jan 2024 04:04:05 +0100",
        ] {
            assert_eq!(parse_date(s), Some(t), "{s}");
        }
        for s in [
            "",
            "2024-01-02",
            "2024-01-02T03:04",
            "2024-13-02T03:04:05Z",
            "2024-01-02T03:04:05 PST",
            "2024-01-02T03:04:05+25:00",
            "2024-01-02X03:04:05",
            "x2024-01-02T03:04:05",
            "Tue, 02 Foo 2024 03:04:05 GMT",
            "1704164645",
            "2015-may-11",
            "２０２４-01-02T03:04:05Z",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn image_sizes() {
        let h = |width, height, depth, color, interlaced| Header {
            width,
            height,
            depth,
            color,
            interlaced,
        };
        assert_eq!(h(4, 3, 8, 6, false).image_bytes(), 3 * (1 + 16));
        assert_eq!(h(4, 3, 1, 3, false).image_bytes(), 3 * 2);
        assert_eq!(h(9, 1, 1, 0, false).image_bytes(), 3);
        // A 1x1 image has only the first Adam7 pass.
        assert_eq!(h(1, 1, 8, 2, true).image_bytes(), 4);
        // 8x8 RGB: passes of 1x1, 1x1, 2x1, 2x2, 4x2, 4x4, 8x4 pixels.
        assert_eq!(
            h(8, 8, 8, 2, true).image_bytes(),
            4 + 4 + (1 + 6) + 2 * (1 + 6) + 2 * (1 + 12) + 4 * (1 + 12) + 4 * (1 + 24)
        );
        assert_eq!(
            adam7_passes(64, 48),
            [(8, 6), (8, 6), (16, 6), (16, 12), (32, 12), (32, 24), (64, 24)]
        );
        let huge = h(MAX_CHUNK, MAX_CHUNK, 16, 6, true).image_bytes();
        assert!(huge > u128::from(u64::MAX));
    }
}
