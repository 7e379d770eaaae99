//! xz (the .xz container of XZ Utils): every stream of a multi-stream file is decompressed into
//! one output, as `xz -d` does, and the container structure (stream flags, index, block headers)
//! is read for typed fields.
//!
//! liblzma decodes one stream at a time (no `CONCATENATED` flag) so that stream boundaries, and
//! so stream padding and trailing data, are known exactly; it verifies every header CRC and the
//! blocks' integrity checks. The index and block headers are then parsed by hand from the
//! validated stream for the fields `xz -lvv` shows.

use liblzma::stream::{Action, Error as LzmaError, Status, Stream};

use crate::model::{err, Blob, Field, FormatError, Limits, Opened, Value};
use crate::registry::Format;
use crate::stream::{self, human_size, prefix, Step};

pub struct Xz;

/// Stream header magic.
pub const MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0];
const FOOTER_MAGIC: [u8; 2] = *b"YZ";
const HEADER_LEN: usize = 12;

impl Format for Xz {
    fn name(&self) -> &'static str {
        "xz"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(&MAGIC)
    }

    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, name, limits)
    }
}

/// The decompressed member's name: `x.cpio.xz` → `x.cpio`, `x.txz` → `x.tar`, else "content".
pub fn member_name(node: &str) -> String {
    stream::member_name(node, &[(".xz", ""), (".txz", ".tar")])
}

/// One filter of a block's chain.
struct Filter {
    id: u64,
    props: Vec<u8>,
}

/// What a block header and its index record say.
struct Block {
    /// Both the compressed and uncompressed size are in the header (the threaded encoder does
    /// that; the single-threaded one does not).
    sizes_in_header: bool,
    filters: Vec<Filter>,
    uncompressed: u64,
}

/// One decoded stream.
pub(crate) struct StreamInfo {
    offset: usize,
    check: u8,
    blocks: Vec<Block>,
    /// Zero bytes between this stream and the next.
    padding: usize,
}

fn open(data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let max_out = stream::max_out(limits.max_decompressed);
    let mut out = stream::Out::new(None, max_out).with_input(data);
    // liblzma allocates the dictionary a header asks for (up to 1.5 GiB) and fills it: the
    // limit is the caller's codec memory (128 MiB by default; xz -9 needs 65 MiB).
    let (streams, end) = decode(input, &mut out, limits.max_codec_memory)?;

    let mut fields = vec![
        Field::new("streams", Value::Int(streams.len() as i64)),
        Field::new(
            "blocks",
            Value::Int(streams.iter().map(|s| s.blocks.len() as i64).sum()),
        ),
    ];
    let mut notes = Vec::new();
    for (i, s) in streams.iter().enumerate() {
        push_stream_fields(&mut fields, &mut notes, i, s);
    }
    if streams.len() > 1 {
        notes.push(format!(
            "{} xz streams, decompressed as one (as xz -d does)",
            streams.len()
        ));
    }

    Ok(stream::opened(
        data,
        end,
        "xz stream",
        out.finish()?,
        member_name(name),
        fields,
        notes,
    ))
}

/// Decompresses every xz stream at the start of `input` onto `out` (the zip reader uses this for
/// method 95). Returns the streams and the offset just after the last one (stream padding
/// after the last stream is not consumed: the caller reports it).
pub(crate) fn decode(
    input: &[u8],
    out: &mut stream::Out,
    memlimit: u64,
) -> Result<(Vec<StreamInfo>, usize), FormatError> {
    let mut streams: Vec<StreamInfo> = Vec::new();
    let mut pos = 0usize;
    loop {
        let index = streams.len();
        let end = decode_stream(input, pos, index, out, memlimit)?;
        let (check, blocks) = parse_structure(&input[pos..end], index, pos)?;
        streams.push(StreamInfo {
            offset: pos,
            check,
            blocks,
            padding: 0,
        });
        pos = end;
        // Stream padding (a multiple of four zero bytes) may separate streams.
        let rest = &input[pos..];
        let zeros = rest.iter().take_while(|&&b| b == 0).count();
        if !rest[zeros..].starts_with(&MAGIC) {
            return Ok((streams, pos));
        }
        if zeros % 4 != 0 {
            return err(format!(
                "xz stream padding of {zeros} bytes at offset {pos:#x} is not a multiple of 4"
            ));
        }
        if let Some(last) = streams.last_mut() {
            last.padding = zeros;
        }
        pos += zeros;
    }
}

/// Checks the stream header at `start`, then lets liblzma decode the stream; returns its end.
fn decode_stream(
    input: &[u8],
    start: usize,
    index: usize,
    out: &mut stream::Out,
    memlimit: u64,
) -> Result<usize, FormatError> {
    let h = input
        .get(start..start.saturating_add(HEADER_LEN))
        .filter(|h| h.len() == HEADER_LEN)
        .ok_or_else(|| {
            FormatError::new(format!(
                "xz stream {index} truncated in its header at offset {start:#x}"
            ))
        })?;
    if h[..6] != MAGIC {
        return err(format!("xz stream {index} at offset {start:#x}: bad magic"));
    }
    let stored = u32::from_le_bytes([h[8], h[9], h[10], h[11]]);
    let computed = crc32fast::hash(&h[6..8]);
    if stored != computed {
        return err(format!(
            "xz stream {index} at offset {start:#x}: header CRC mismatch (stored {stored:#010x}, computed {computed:#010x})"
        ));
    }
    if h[6] != 0 || h[7] & 0xf0 != 0 {
        return err(format!(
            "xz stream {index} at offset {start:#x}: unsupported stream flags {:#04x} {:#04x}",
            h[6], h[7]
        ));
    }

    let mut dec = Stream::new_stream_decoder(memlimit, 0)
        .map_err(|e| FormatError::new(format!("xz stream {index}: cannot start the decoder: {e:?}")))?;
    let body = &input[start..];
    let ended = stream::drive(out, |o| {
        let (in0, out0) = (dec.total_in(), dec.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(body.len());
        o.consumed(start + at);
        let status = dec
            .process_vec(&body[at..], &mut o.chunk, Action::Run)
            .map_err(|e| lzma_error(e, index, start.saturating_add(at), memlimit))?;
        if status == Status::StreamEnd {
            Ok(Step::End)
        } else if dec.total_in() != in0 || dec.total_out() != out0 {
            Ok(Step::Progress)
        } else {
            Ok(Step::Stalled)
        }
    })?;
    if !ended {
        return err(format!(
            "xz stream {index} truncated: the input ends at offset {:#x} before the end of the stream",
            input.len()
        ));
    }
    let consumed = usize::try_from(dec.total_in()).unwrap_or(usize::MAX);
    start
        .checked_add(consumed)
        .filter(|&e| e <= input.len())
        .ok_or_else(|| FormatError::new(format!("xz stream {index}: decoder consumed more than the input")))
}

fn lzma_error(e: LzmaError, index: usize, at: usize, memlimit: u64) -> FormatError {
    FormatError::new(match e {
        LzmaError::Data => {
            format!("xz stream {index}: corrupt data or integrity check mismatch near offset {at:#x}")
        }
        LzmaError::Format => format!("xz stream {index}: not an xz stream near offset {at:#x}"),
        LzmaError::Options => {
            format!("xz stream {index}: unsupported options near offset {at:#x} (unknown filter or reserved flags)")
        }
        LzmaError::MemLimit => format!(
            "xz stream {index}: needs more than {memlimit} bytes of memory to decompress (dictionary too large; raise the limit with {})",
            crate::model::CODEC_MEMORY_OPTION
        ),
        LzmaError::Mem => format!("xz stream {index}: out of memory"),
        other => format!("xz stream {index}: decoder error {other:?} near offset {at:#x}"),
    })
}

/// A reader over a byte slice whose errors name the stream and the absolute offset.
struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
    /// Absolute offset of `b[0]` in the input.
    base: usize,
    index: usize,
    what: &'static str,
}

impl Cursor<'_> {
    fn fail(&self, why: &str) -> FormatError {
        FormatError::new(format!(
            "xz stream {}: bad {} at offset {:#x}: {why}",
            self.index,
            self.what,
            self.base.saturating_add(self.p)
        ))
    }

    fn byte(&mut self) -> Result<u8, FormatError> {
        let b = *self.b.get(self.p).ok_or_else(|| self.fail("truncated"))?;
        self.p += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize) -> Result<&[u8], FormatError> {
        let end = self.p.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| self.fail("truncated"))?;
        let s = &self.b[self.p..end];
        self.p = end;
        Ok(s)
    }

    /// The xz multibyte integer: 7 bits a byte, little-endian, at most 9 bytes, minimal.
    fn varint(&mut self) -> Result<u64, FormatError> {
        let mut v = 0u64;
        for i in 0..9 {
            let b = self.byte()?;
            if i > 0 && b == 0 {
                return Err(self.fail("non-minimal integer"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.fail("integer longer than 9 bytes"))
    }
}

/// Reads the check type, the index and every block header of one stream (already validated by
/// liblzma, so failures here mean a decoder/reader disagreement and are reported as such).
fn parse_structure(s: &[u8], index: usize, base: usize) -> Result<(u8, Vec<Block>), FormatError> {
    let cur = |what, p| Cursor {
        b: s,
        p,
        base,
        index,
        what,
    };
    if s.len() < 2 * HEADER_LEN {
        return Err(cur("stream", 0).fail("shorter than its header and footer"));
    }
    let check = s[7] & 0x0f;
    let footer = &s[s.len() - HEADER_LEN..];
    if footer[10..] != FOOTER_MAGIC {
        return Err(cur("stream footer", s.len() - HEADER_LEN).fail("bad magic"));
    }
    let backward = (u64::from(u32::from_le_bytes([footer[4], footer[5], footer[6], footer[7]])) + 1) * 4;
    let index_start = usize::try_from(backward)
        .ok()
        .and_then(|b| (s.len() - HEADER_LEN).checked_sub(b))
        .filter(|&p| p >= HEADER_LEN)
        .ok_or_else(|| cur("stream footer", s.len() - HEADER_LEN).fail("backward size points outside the stream"))?;

    let mut c = cur("index", index_start);
    if c.byte()? != 0 {
        return Err(c.fail("no index indicator"));
    }
    let count = c.varint()?;
    let mut records = Vec::new();
    for _ in 0..count {
        let unpadded = c.varint()?;
        let uncompressed = c.varint()?;
        records.push((unpadded, uncompressed));
    }

    let mut blocks = Vec::with_capacity(records.len());
    let mut at = HEADER_LEN;
    for (unpadded, uncompressed) in records {
        let mut b = parse_block_header(cur("block header", at))?;
        b.uncompressed = uncompressed;
        blocks.push(b);
        // Blocks are padded to a multiple of four bytes; the check size always is one.
        let padded = unpadded
            .checked_add(3)
            .map(|n| n & !3)
            .and_then(|n| usize::try_from(n).ok());
        at = padded
            .and_then(|n| at.checked_add(n))
            .filter(|&e| e <= index_start)
            .ok_or_else(|| cur("index", index_start).fail("block sizes run past the index"))?;
    }
    Ok((check, blocks))
}

fn parse_block_header(mut c: Cursor) -> Result<Block, FormatError> {
    let start = c.p;
    let size = (usize::from(c.byte()?) + 1) * 4;
    let flags = c.byte()?;
    let has_compressed = flags & 0x40 != 0;
    let has_uncompressed = flags & 0x80 != 0;
    if has_compressed {
        c.varint()?;
    }
    if has_uncompressed {
        c.varint()?;
    }
    let mut filters = Vec::new();
    for _ in 0..=(flags & 3) {
        let id = c.varint()?;
        let n = usize::try_from(c.varint()?).map_err(|_| c.fail("huge filter properties"))?;
        let props = c.bytes(n)?.to_vec();
        filters.push(Filter { id, props });
    }
    if c.p > start + size - 4 {
        return Err(c.fail("filter flags run past the header size"));
    }
    Ok(Block {
        sizes_in_header: has_compressed && has_uncompressed,
        filters,
        uncompressed: 0,
    })
}

const LZMA2: u64 = 0x21;

/// LZMA2's one-byte dictionary size property (xz file format, section 5.3.1).
fn lzma2_dict(props: &[u8]) -> Option<u64> {
    match props.first().copied() {
        Some(40) => Some(u64::from(u32::MAX)),
        Some(p) if p < 40 => Some((2 | u64::from(p & 1)) << (p / 2 + 11)),
        _ => None,
    }
}

/// A filter in `xz --filters` style, as `xz -lvv` prints chains.
fn filter_text(f: &Filter) -> String {
    let bcj = |name: &str| match f.props.as_slice() {
        [a, b, c, d] if u32::from_le_bytes([*a, *b, *c, *d]) != 0 => {
            format!("--{name}=start={}", u32::from_le_bytes([*a, *b, *c, *d]))
        }
        _ => format!("--{name}"),
    };
    match f.id {
        LZMA2 => match lzma2_dict(&f.props) {
            Some(d) => format!("--lzma2=dict={}", human_size(d)),
            None => "--lzma2".into(),
        },
        0x03 => match f.props.first() {
            Some(d) => format!("--delta=dist={}", u32::from(*d) + 1),
            None => "--delta".into(),
        },
        0x04 => bcj("x86"),
        0x05 => bcj("powerpc"),
        0x06 => bcj("ia64"),
        0x07 => bcj("arm"),
        0x08 => bcj("armthumb"),
        0x09 => bcj("sparc"),
        0x0a => bcj("arm64"),
        0x0b => bcj("riscv"),
        id => format!("--filter={id:#x}"),
    }
}

/// Check type names as `xz -l` prints them.
fn check_name(id: u8) -> String {
    match id {
        0 => "None".into(),
        1 => "CRC32".into(),
        4 => "CRC64".into(),
        10 => "SHA-256".into(),
        n => format!("Unknown-{n}"),
    }
}

/// XZ Utils' presets differ in dictionary size (and in encoder settings the file does not
/// record), so the dictionary narrows the preset down.
fn level_hint(dict: u64) -> String {
    let preset = match dict {
        d if d == 256 << 10 => "-0",
        d if d == 1 << 20 => "-1",
        d if d == 2 << 20 => "-2",
        d if d == 4 << 20 => "-3 or -4",
        d if d == 8 << 20 => "-5 or -6 (default)",
        d if d == 16 << 20 => "-7",
        d if d == 32 << 20 => "-8",
        d if d == 64 << 20 => "-9",
        _ => return format!("custom (dict={})", human_size(dict)),
    };
    format!("preset {preset} (dict={})", human_size(dict))
}

fn push_stream_fields(fields: &mut Vec<Field>, notes: &mut Vec<String>, i: usize, s: &StreamInfo) {
    let p = prefix("stream", i);
    let f = |n: &str, v: Value| Field::new(format!("{p}{n}"), v);
    if i > 0 {
        fields.push(f("offset", Value::Offset(s.offset as u64)));
        fields.push(f("blocks", Value::Int(s.blocks.len() as i64)));
    }
    fields.push(f("check", Value::Text(check_name(s.check))));
    match s.check {
        0 => notes.push(format!("xz stream {i} has no integrity check")),
        1 | 4 | 10 => notes.push(format!(
            "{} verified for {} block(s) of xz stream {i}",
            check_name(s.check),
            s.blocks.len()
        )),
        _ => notes.push(format!(
            "xz stream {i}: check type {} not verified (unsupported)",
            s.check
        )),
    }
    let mut chains: Vec<String> = Vec::new();
    for b in &s.blocks {
        let chain = b.filters.iter().map(filter_text).collect::<Vec<_>>().join(" ");
        if !chains.contains(&chain) {
            chains.push(chain);
        }
    }
    if !chains.is_empty() {
        fields.push(f("filters", Value::Text(chains.join(" | "))));
    }
    let dict = s
        .blocks
        .iter()
        .flat_map(|b| &b.filters)
        .filter(|x| x.id == LZMA2)
        .filter_map(|x| lzma2_dict(&x.props))
        .max();
    if let Some(d) = dict {
        fields.push(f("dict-size", Value::Size(d)));
        fields.push(f("level-hint", Value::Text(level_hint(d))));
    }
    if s.blocks.len() > 1 {
        // The first block's size is the encoder's block size (xz -T / --block-size).
        fields.push(f("block-size", Value::Size(s.blocks[0].uncompressed)));
    }
    if !s.blocks.is_empty() {
        fields.push(f(
            "sizes-in-headers",
            Value::Flag(s.blocks.iter().all(|b| b.sizes_in_header)),
        ));
    }
    if s.padding > 0 {
        fields.push(f("padding", Value::Size(s.padding as u64)));
    }
}

/// Decompresses a complete xz file (all streams, nothing after them but zero padding), for
/// containers that embed one (zip method 95).
pub(crate) fn decompress_all(
    input: &[u8],
    hint: Option<u64>,
    max_out: usize,
    memlimit: u64,
) -> Result<Blob, FormatError> {
    let mut out = stream::Out::new(hint, max_out);
    let (_, end) = decode(input, &mut out, memlimit)?;
    if input[end..].iter().any(|&b| b != 0) {
        return err(format!("data after the xz stream at offset {end:#x}"));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_property() {
        assert_eq!(lzma2_dict(&[0]), Some(4 << 10));
        assert_eq!(lzma2_dict(&[1]), Some(6 << 10));
        assert_eq!(lzma2_dict(&[18]), Some(2 << 20));
        assert_eq!(lzma2_dict(&[40]), Some(u64::from(u32::MAX)));
        assert_eq!(lzma2_dict(&[41]), None);
        assert_eq!(level_hint(8 << 20), "preset -5 or -6 (default) (dict=8MiB)");
        assert_eq!(level_hint(12 << 20), "custom (dict=12MiB)");
    }

    #[test]
    fn names() {
        assert_eq!(member_name("initrd.cpio.xz"), "initrd.cpio");
        assert_eq!(member_name("x.txz"), "x.tar");
        assert_eq!(member_name("ramdisk1"), "content");
    }
}
