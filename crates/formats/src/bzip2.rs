//! bzip2: every stream of a multi-stream file (pbzip2 writes those, and `cat a.bz2 b.bz2`
//! makes one) is decompressed into one output, as `bzip2 -d` does. The decoder verifies every
//! block CRC and each stream's combined CRC.
//!
//! A stream is `BZh` + the block-size level `1`-`9`, then bit-aligned blocks and an end-of-stream
//! marker (the 48-bit value 0x177245385090) followed by the 32-bit combined CRC, padded to a
//! byte. Stream ends are found from how much input the decoder consumed.

use ::bzip2::{Decompress, Error as BzError, Status};

use crate::model::{err, Blob, Field, FormatError, Limits, Opened, Value};
use crate::registry::Format;
use crate::stream::{self, prefix, Step};

pub struct Bzip2;

const BLOCK_MAGIC: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const EOS_MAGIC: u64 = 0x1772_4538_5090;

impl Format for Bzip2 {
    fn name(&self) -> &'static str {
        "bzip2"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        // "BZh" + level is only four bytes; the first block (or the end-of-stream marker of an
        // empty stream) starts byte-aligned right after it, which makes the check specific.
        is_stream_start(head)
            && head
                .get(4..10)
                .is_some_and(|m| m == BLOCK_MAGIC || m.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b)) == EOS_MAGIC)
    }

    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, name, limits)
    }
}

fn is_stream_start(b: &[u8]) -> bool {
    b.len() >= 4 && &b[..3] == b"BZh" && (b'1'..=b'9').contains(&b[3])
}

/// The decompressed member's name: `x.bz2` → `x`, `x.tbz2` → `x.tar`, else "content".
pub fn member_name(node: &str) -> String {
    stream::member_name(node, &[(".bz2", ""), (".bz", ""), (".tbz2", ".tar"), (".tbz", ".tar")])
}

struct StreamInfo {
    offset: usize,
    level: u8,
    combined_crc: Option<u32>,
}

fn open(data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let max_out = stream::max_out(limits.max_decompressed);
    let mut out = stream::Out::new(None, max_out).with_input(data);
    let (streams, end) = decode(input, &mut out)?;

    let mut fields = vec![Field::new("streams", Value::Int(streams.len() as i64))];
    for (i, s) in streams.iter().enumerate() {
        let p = prefix("stream", i);
        if i > 0 {
            fields.push(Field::new(format!("{p}offset"), Value::Offset(s.offset as u64)));
        }
        fields.push(Field::new(format!("{p}level"), Value::Int(i64::from(s.level))));
        if let Some(c) = s.combined_crc {
            fields.push(Field::new(
                format!("{p}combined-crc"),
                Value::Digest(format!("{c:08x}")),
            ));
        }
    }
    let mut notes = vec![format!(
        "block and combined CRCs verified for {} bzip2 stream(s)",
        streams.len()
    )];
    if streams.len() > 1 {
        notes.push(format!(
            "{} bzip2 streams, decompressed as one (as bzip2 -d does)",
            streams.len()
        ));
    }
    Ok(stream::opened(
        data,
        end,
        "bzip2 stream",
        out.finish()?,
        member_name(name),
        fields,
        notes,
    ))
}

/// Decompresses every bzip2 stream at the start of `input` onto `out`; returns the streams and
/// the offset after the last one.
fn decode(input: &[u8], out: &mut stream::Out) -> Result<(Vec<StreamInfo>, usize), FormatError> {
    let mut streams = Vec::new();
    let mut pos = 0usize;
    loop {
        let index = streams.len();
        let h = &input[pos..];
        if h.len() < 4 {
            return err(format!(
                "bzip2 stream {index} truncated in its header at offset {pos:#x}"
            ));
        }
        if &h[..3] != b"BZh" {
            return err(format!("bzip2 stream {index} at offset {pos:#x}: bad magic"));
        }
        if !(b'1'..=b'9').contains(&h[3]) {
            return err(format!(
                "bzip2 stream {index} at offset {pos:#x}: bad block size level {:#04x}",
                h[3]
            ));
        }
        let mut d = Decompress::new(false);
        let ended = stream::drive(out, |o| {
            let (in0, out0) = (d.total_in(), d.total_out());
            let at = usize::try_from(in0).unwrap_or(usize::MAX).min(h.len());
            o.consumed(pos + at);
            let status = d.decompress_vec(&h[at..], &mut o.chunk).map_err(|e| {
                let near = pos.saturating_add(usize::try_from(d.total_in()).unwrap_or(0));
                FormatError::new(match e {
                    BzError::Data => {
                        format!("bzip2 stream {index}: corrupt data or CRC mismatch near offset {near:#x}")
                    }
                    BzError::DataMagic => format!("bzip2 stream {index} at offset {pos:#x}: bad magic"),
                    other => format!("bzip2 stream {index}: decoder error {other:?} near offset {near:#x}"),
                })
            })?;
            if status == Status::StreamEnd {
                Ok(Step::End)
            } else if d.total_in() != in0 || d.total_out() != out0 {
                Ok(Step::Progress)
            } else {
                Ok(Step::Stalled)
            }
        })?;
        if !ended {
            return err(format!(
                "bzip2 stream {index} truncated: the input ends at offset {:#x} before the end-of-stream marker",
                input.len()
            ));
        }
        let end = usize::try_from(d.total_in())
            .ok()
            .and_then(|n| pos.checked_add(n))
            .filter(|&e| e <= input.len())
            .ok_or_else(|| FormatError::new(format!("bzip2 stream {index}: decoder consumed more than the input")))?;
        streams.push(StreamInfo {
            offset: pos,
            level: h[3] - b'0',
            combined_crc: combined_crc(&input[pos..end]),
        });
        pos = end;
        // bzip2 -d treats anything starting like a stream header as the next stream.
        if !is_stream_start(&input[pos..]) {
            return Ok((streams, pos));
        }
    }
}

/// The stored combined CRC: the 32 bits after the end-of-stream marker, which ends 0-7 padding
/// bits before the stream's last byte.
fn combined_crc(s: &[u8]) -> Option<u32> {
    let tail = s.get(s.len().checked_sub(11)?..)?;
    // The last 88 bits, big-endian (bzip2 is a big-endian bit stream).
    let bits = tail.iter().fold(0u128, |v, &b| (v << 8) | u128::from(b));
    (0..8).find_map(|pad| {
        let v = bits >> pad;
        ((v >> 32) & 0xffff_ffff_ffff == u128::from(EOS_MAGIC)).then_some((v & 0xffff_ffff) as u32)
    })
}

/// Decompresses complete bzip2 data (all streams, nothing after them), for containers that
/// embed it (zip method 12).
pub(crate) fn decompress_all(input: &[u8], hint: Option<u64>, max_out: usize) -> Result<Blob, FormatError> {
    let mut out = stream::Out::new(hint, max_out);
    let (_, end) = decode(input, &mut out)?;
    if end != input.len() {
        return err(format!("data after the bzip2 stream at offset {end:#x}"));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_identify() {
        assert_eq!(member_name("x.tar.bz2"), "x.tar");
        assert_eq!(member_name("x.tbz2"), "x.tar");
        assert_eq!(member_name("x.tbz"), "x.tar");
        assert_eq!(member_name("data"), "content");
        assert!(Bzip2.identify(b"BZh91AY&SY", ""));
        assert!(Bzip2.identify(b"BZh9\x17\x72\x45\x38\x50\x90", ""));
        assert!(!Bzip2.identify(b"BZh0\x17\x72\x45\x38\x50\x90", ""));
        assert!(!Bzip2.identify(b"BZh9 plain text", ""));
    }

    #[test]
    fn finds_the_combined_crc_at_any_padding() {
        for pad in 0..8u32 {
            // Some preceding bits, the marker, the CRC, then `pad` zero bits.
            let v: u128 = ((0x2a_u128 << 48 | u128::from(EOS_MAGIC)) << 32 | 0xdead_beef) << pad;
            let bytes = v.to_be_bytes();
            let s = &bytes[bytes.len() - 12..];
            assert_eq!(combined_crc(s), Some(0xdead_beef), "pad {pad}");
        }
    }
}
