//! LZ4: the frame format (`lz4` since r118) and the legacy format (`lz4 -l`, which the Linux
//! kernel reads for lz4-compressed initrds). Every frame of a multi-frame file is decompressed
//! into one output, as `lz4 -d` does; skippable frames are counted and skipped.
//!
//! Frames are parsed here (header checksum, block sizes, block and content checksums, all
//! XXH32); lz4_flex only decompresses raw blocks. Linked blocks get the frame's previous 64 KiB
//! of output as their dictionary.

use lz4_flex::block::{decompress_into, decompress_into_with_dict};
use twox_hash::XxHash32;

use std::hash::Hasher;

use crate::model::{err, Blob, Field, FormatError, Limits, Opened, Sink, Value};
use crate::registry::Format;
use crate::stream::{self, after_skippable, human_size, is_skippable, prefix};

pub struct Lz4;

/// Frame magic 0x184D2204, little-endian.
pub const MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
/// Legacy magic 0x184C2102, little-endian.
pub const LEGACY_MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];

/// Legacy blocks decompress to at most 8 MiB each.
const LEGACY_BLOCK: usize = 8 << 20;
/// LZ4_COMPRESSBOUND(8 MiB): a legacy "block size" above it is not a block (lz4 reads it as
/// the magic of whatever follows).
const LEGACY_BOUND: u32 = (LEGACY_BLOCK + LEGACY_BLOCK / 255 + 16) as u32;
/// Linked blocks may refer back this far.
const WINDOW: usize = 64 << 10;

/// Decoded output: only the current frame's last [`WINDOW`] bytes (a linked block's
/// dictionary) and the block being decoded stay in memory; everything goes on to a [`Sink`],
/// which spills to disk. So a stream of any size costs about one block of memory.
struct History {
    /// The frame's most recent output, ending with the last block decoded.
    buf: Vec<u8>,
    sink: Sink,
    /// Bytes produced so far, all frames.
    total: u64,
    max_out: usize,
    /// XXH32 of the current frame's content (checked when the frame stores it).
    hash: XxHash32,
    /// The compressed input, whose pages are given back as decoding passes them.
    input: Blob,
    released: usize,
}

impl History {
    fn new(input: &Blob, max_out: usize) -> History {
        History {
            buf: Vec::new(),
            sink: Sink::new(None, max_out as u64),
            total: 0,
            max_out,
            hash: XxHash32::with_seed(0),
            input: input.clone(),
            released: 0,
        }
    }

    /// A frame starts: no dictionary, a fresh content hash.
    fn start_frame(&mut self) {
        self.buf.clear();
        self.hash = XxHash32::with_seed(0);
    }

    /// `buf[from..]` was just decoded: count it, hash it, hand it on, keep only the window.
    fn commit(&mut self, from: usize, pos: usize) -> Result<(), FormatError> {
        let new = &self.buf[from..];
        self.total += new.len() as u64;
        if self.total > self.max_out as u64 {
            return Err(stream::limit_error(self.max_out));
        }
        self.hash.write(new);
        self.sink.write(new)?;
        if self.buf.len() > WINDOW {
            self.buf.drain(..self.buf.len() - WINDOW);
        }
        self.input.release_behind(pos, &mut self.released);
        Ok(())
    }

    fn finish(self) -> Result<Blob, FormatError> {
        self.input.release_all();
        self.sink.finish()
    }
}

impl Format for Lz4 {
    fn name(&self) -> &'static str {
        "lz4"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        after_skippable(head).is_some_and(|h| h.starts_with(&MAGIC) || h.starts_with(&LEGACY_MAGIC))
    }

    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, name, limits)
    }
}

/// The decompressed member's name: `x.cpio.lz4` → `x.cpio`, `x.tlz4` → `x.tar`, else "content".
pub fn member_name(node: &str) -> String {
    stream::member_name(node, &[(".lz4", ""), (".tlz4", ".tar")])
}

enum Kind {
    Frame {
        flags: u8,
        block_max: usize,
        content_size: Option<u64>,
        dict_id: Option<u32>,
    },
    Legacy,
}

struct FrameInfo {
    offset: usize,
    kind: Kind,
    blocks: usize,
}

fn open(data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let max_out = stream::max_out(limits.max_decompressed);
    let mut out = History::new(data, max_out);
    let mut frames: Vec<FrameInfo> = Vec::new();
    let mut skippable: Vec<(usize, u32)> = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = &input[pos..];
        if is_skippable(rest) {
            let (_, size, end) = stream::skippable_frame(input, pos, "lz4")?;
            skippable.push((pos, size));
            pos = end;
            continue;
        }
        let index = frames.len();
        let (frame, end) = if rest.starts_with(&MAGIC) {
            decode_frame(input, pos, index, &mut out, max_out)?
        } else if rest.starts_with(&LEGACY_MAGIC) {
            decode_legacy(input, pos, index, &mut out, max_out)?
        } else if frames.is_empty() && skippable.is_empty() {
            return err("not an lz4 frame: bad magic at offset 0x0");
        } else {
            break;
        };
        frames.push(frame);
        pos = end;
    }

    let mut fields = vec![
        Field::new("frames", Value::Int(frames.len() as i64)),
        Field::new("skippable-frames", Value::Int(skippable.len() as i64)),
    ];
    let mut notes = Vec::new();
    for (i, fr) in frames.iter().enumerate() {
        push_frame_fields(&mut fields, &mut notes, i, fr);
    }
    if frames.len() > 1 {
        notes.push(format!(
            "{} lz4 frames, decompressed as one stream (as lz4 -d does)",
            frames.len()
        ));
    }
    for (at, size) in &skippable {
        notes.push(format!(
            "skippable frame of {size} bytes at offset {at:#x}, not decompressed"
        ));
    }
    Ok(stream::opened(
        data,
        pos,
        "lz4 frames",
        out.finish()?,
        member_name(name),
        fields,
        notes,
    ))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

const FLG_INDEPENDENT: u8 = 0x20;
const FLG_BLOCK_CHECKSUM: u8 = 0x10;
const FLG_CONTENT_SIZE: u8 = 0x08;
const FLG_CONTENT_CHECKSUM: u8 = 0x04;
const FLG_DICT_ID: u8 = 0x01;

fn decode_frame(
    input: &[u8],
    start: usize,
    index: usize,
    out: &mut History,
    max_out: usize,
) -> Result<(FrameInfo, usize), FormatError> {
    let h = &input[start..];
    let truncated = || {
        FormatError::new(format!(
            "lz4 frame {index} truncated in its header at offset {start:#x}"
        ))
    };
    let (flg, bd) = match h.get(4..6) {
        Some(b) => (b[0], b[1]),
        None => return Err(truncated()),
    };
    if flg >> 6 != 1 {
        return err(format!(
            "lz4 frame {index} at offset {start:#x}: unsupported version {} in the frame descriptor",
            flg >> 6
        ));
    }
    if flg & 0x02 != 0 || bd & 0x8f != 0 {
        return err(format!(
            "lz4 frame {index} at offset {start:#x}: reserved bits set in the frame descriptor (FLG {flg:#04x}, BD {bd:#04x})"
        ));
    }
    let block_max = match (bd >> 4) & 7 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        id => {
            return err(format!(
                "lz4 frame {index} at offset {start:#x}: invalid block maximum size id {id}"
            ))
        }
    };
    let mut p = 6usize;
    let content_size = if flg & FLG_CONTENT_SIZE != 0 {
        let b = h.get(p..p + 8).ok_or_else(truncated)?;
        p += 8;
        Some(u64::from_le_bytes(b.try_into().map_err(|_| truncated())?))
    } else {
        None
    };
    let dict_id = if flg & FLG_DICT_ID != 0 {
        let d = u32_at(h, p).ok_or_else(truncated)?;
        p += 4;
        Some(d)
    } else {
        None
    };
    let hc = *h.get(p).ok_or_else(truncated)?;
    let computed = ((XxHash32::oneshot(0, &h[4..p]) >> 8) & 0xff) as u8;
    if hc != computed {
        return err(format!(
            "lz4 frame {index} at offset {start:#x}: header checksum mismatch (stored {hc:#04x}, computed {computed:#04x})"
        ));
    }
    p += 1;
    if let Some(id) = dict_id {
        return err(format!(
            "lz4 frame {index} at offset {start:#x}: needs dictionary {id}, which is not available"
        ));
    }

    out.start_frame();
    let frame_out = out.total;
    let mut blocks = 0usize;
    loop {
        let at = start + p;
        let word = u32_at(h, p).ok_or_else(|| {
            FormatError::new(format!(
                "lz4 frame {index} truncated: no block header or end mark at offset {at:#x}"
            ))
        })?;
        p += 4;
        if word == 0 {
            break;
        }
        let raw = word & 0x8000_0000 != 0;
        let len = (word & 0x7fff_ffff) as usize;
        if len > block_max {
            return err(format!(
                "lz4 frame {index}: block at offset {at:#x} is {len} bytes, more than the frame's maximum {block_max}"
            ));
        }
        let block = h.get(p..p + len).ok_or_else(|| {
            FormatError::new(format!(
                "lz4 frame {index} truncated: the block at offset {at:#x} needs {len} bytes, {} are left",
                h.len() - p
            ))
        })?;
        p += len;
        if flg & FLG_BLOCK_CHECKSUM != 0 {
            let stored = u32_at(h, p).ok_or_else(|| {
                FormatError::new(format!(
                    "lz4 frame {index} truncated: the checksum of the block at offset {at:#x} is missing"
                ))
            })?;
            p += 4;
            let computed = XxHash32::oneshot(0, block);
            if stored != computed {
                return err(format!(
                    "lz4 frame {index}: checksum mismatch in the block at offset {at:#x} (stored {stored:#010x}, computed {computed:#010x})"
                ));
            }
        }
        // Linked blocks may copy from the frame's previous 64 KiB of output.
        if flg & FLG_INDEPENDENT != 0 {
            out.buf.clear();
        }
        if raw {
            if (out.total as usize).saturating_add(len) > max_out {
                return Err(stream::limit_error(max_out));
            }
            let from = out.buf.len();
            out.buf.extend_from_slice(block);
            out.commit(from, start + p)?;
        } else {
            decompress_block(block, out, block_max, max_out, start + p).map_err(|e| {
                FormatError::new(format!(
                    "lz4 frame {index}: invalid compressed block at offset {at:#x}: {e}"
                ))
            })??;
        }
        blocks += 1;
    }
    let produced = out.total - frame_out;
    if flg & FLG_CONTENT_CHECKSUM != 0 {
        let stored = u32_at(h, p).ok_or_else(|| {
            FormatError::new(format!(
                "lz4 frame {index} truncated: its content checksum at offset {:#x} is missing",
                start + p
            ))
        })?;
        p += 4;
        let computed = out.hash.finish_32();
        if stored != computed {
            return err(format!(
                "lz4 frame {index}: content checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ));
        }
    }
    if let Some(cs) = content_size {
        if cs != produced {
            return err(format!(
                "lz4 frame {index}: content size mismatch (header {cs}, decompressed {produced} bytes)"
            ));
        }
    }
    let info = FrameInfo {
        offset: start,
        kind: Kind::Frame {
            flags: flg,
            block_max,
            content_size,
            dict_id,
        },
        blocks,
    };
    Ok((info, start + p))
}

/// Decompresses one block after `out.buf` (the block's dictionary: empty for independent
/// blocks), then hands it on. `pos` is where the block ends in the input. The outer error is
/// lz4_flex's, the inner one the output limit's or the sink's.
fn decompress_block(
    block: &[u8],
    out: &mut History,
    block_max: usize,
    max_out: usize,
    pos: usize,
) -> Result<Result<(), FormatError>, lz4_flex::block::DecompressError> {
    let done = usize::try_from(out.total).unwrap_or(usize::MAX);
    if done >= max_out.saturating_add(1) {
        return Ok(Err(stream::limit_error(max_out)));
    }
    // Room for the block's largest possible output (LZ4 expands at most about 255:1, so small
    // blocks do not zero-fill a whole maximum-size block), but never more than one byte past
    // the limit.
    let left = max_out.saturating_add(1) - done;
    let room = block_max
        .min(block.len().saturating_mul(255).saturating_add(64))
        .min(left);
    let len = out.buf.len();
    out.buf.resize(len + room, 0);
    let (prev, spare) = out.buf.split_at_mut(len);
    let r = if len > 0 {
        decompress_into_with_dict(block, spare, prev)
    } else {
        decompress_into(block, spare)
    };
    match r {
        Ok(n) => {
            out.buf.truncate(len + n);
            Ok(out.commit(len, pos))
        }
        Err(e) => {
            out.buf.truncate(len);
            // A block that does not fit the room left under the limit is over the limit.
            if room == left && matches!(e, lz4_flex::block::DecompressError::OutputTooSmall { .. }) {
                return Ok(Err(stream::limit_error(max_out)));
            }
            Err(e)
        }
    }
}

fn decode_legacy(
    input: &[u8],
    start: usize,
    index: usize,
    out: &mut History,
    max_out: usize,
) -> Result<(FrameInfo, usize), FormatError> {
    let mut p = start + 4;
    let mut blocks = 0usize;
    // No end mark: the stream ends at the end of the input or at a word that cannot be a block
    // size (the next frame's magic, zero padding, other data).
    while let Some(len) = u32_at(input, p) {
        if len == 0 || len > LEGACY_BOUND {
            break;
        }
        let at = p;
        let len = len as usize;
        let block = input.get(p + 4..p + 4 + len).ok_or_else(|| {
            FormatError::new(format!(
                "lz4 legacy frame {index} truncated: the block at offset {at:#x} needs {len} bytes, {} are left",
                input.len() - p - 4
            ))
        })?;
        // Legacy blocks are independent.
        out.buf.clear();
        decompress_block(block, out, LEGACY_BLOCK, max_out, p + 4 + len).map_err(|e| {
            FormatError::new(format!(
                "lz4 legacy frame {index}: invalid compressed block at offset {at:#x}: {e}"
            ))
        })??;
        p += 4 + len;
        blocks += 1;
    }
    let info = FrameInfo {
        offset: start,
        kind: Kind::Legacy,
        blocks,
    };
    Ok((info, p))
}

fn push_frame_fields(fields: &mut Vec<Field>, notes: &mut Vec<String>, i: usize, fr: &FrameInfo) {
    let p = prefix("frame", i);
    let f = |n: &str, v: Value| Field::new(format!("{p}{n}"), v);
    if i > 0 {
        fields.push(f("offset", Value::Offset(fr.offset as u64)));
    }
    match &fr.kind {
        Kind::Frame {
            flags,
            block_max,
            content_size,
            dict_id,
        } => {
            fields.push(f("frame-type", Value::Text("frame".into())));
            fields.push(f("flags", Value::Int(i64::from(*flags))));
            fields.push(f("block-max-size", Value::Size(*block_max as u64)));
            fields.push(f("block-independence", Value::Flag(flags & FLG_INDEPENDENT != 0)));
            fields.push(f("block-checksums", Value::Flag(flags & FLG_BLOCK_CHECKSUM != 0)));
            fields.push(f("content-checksum", Value::Flag(flags & FLG_CONTENT_CHECKSUM != 0)));
            if let Some(cs) = content_size {
                fields.push(f("content-size", Value::Size(*cs)));
            }
            if let Some(d) = dict_id {
                fields.push(f("dictionary-id", Value::Int(i64::from(*d))));
            }
            let mut checks = Vec::new();
            if flags & FLG_BLOCK_CHECKSUM != 0 {
                checks.push("block");
            }
            if flags & FLG_CONTENT_CHECKSUM != 0 {
                checks.push("content");
            }
            if !checks.is_empty() {
                notes.push(format!(
                    "lz4 frame {i}: XXH32 {} checksum(s) verified ({} blocks of at most {})",
                    checks.join(" and "),
                    fr.blocks,
                    human_size(*block_max as u64)
                ));
            }
        }
        Kind::Legacy => {
            fields.push(f("frame-type", Value::Text("legacy".into())));
            notes.push(format!("lz4 frame {i} is in the legacy format (lz4 -l): no checksums"));
        }
    }
    fields.push(f("blocks", Value::Int(fr.blocks as i64)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_identify() {
        assert_eq!(member_name("initrd.img.lz4"), "initrd.img");
        assert_eq!(member_name("x.tlz4"), "x.tar");
        assert_eq!(member_name("x"), "content");
        assert!(Lz4.identify(&MAGIC, ""));
        assert!(Lz4.identify(&LEGACY_MAGIC, ""));
        assert!(!Lz4.identify(&crate::zstd::MAGIC, ""));
    }
}
