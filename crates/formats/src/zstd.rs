//! Zstandard (RFC 8878): every frame of a multi-frame file is decompressed into one output, as
//! `zstd -d` does; skippable frames are counted and skipped.
//!
//! Frame headers are parsed by hand and each frame's blocks walked (block headers give every
//! block's stored length) to find where the frame ends, so frame boundaries, fields and
//! trailing data are exact before libzstd decompresses the frame and verifies its checksum.

use ::zstd::zstd_safe::{get_error_name, DCtx, DParameter, InBuffer, OutBuffer, ResetDirective};

use crate::model::{err, Blob, Field, FormatError, Limits, Opened, Value};
use crate::registry::Format;
use crate::stream::{self, after_skippable, is_skippable, prefix, Step};

pub struct Zstd;

/// Frame magic 0xFD2FB528, little-endian.
pub const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// zstd's largest window (2 GiB); the window actually accepted is the caller's codec memory
/// (`Limits::max_codec_memory`, 128 MiB by default, what `zstd -d` accepts without `--long`):
/// the decoder allocates the window a frame asks for and fills it, so a 100 KB frame could
/// otherwise take 2 GiB of resident memory.
const MAX_WINDOW_LOG: u32 = 31;

impl Format for Zstd {
    fn name(&self) -> &'static str {
        "zstd"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        after_skippable(head).is_some_and(|h| h.starts_with(&MAGIC))
    }

    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, name, limits)
    }
}

/// The decompressed member's name: `x.zst` → `x`, `x.tzst` → `x.tar`, else "content".
pub fn member_name(node: &str) -> String {
    stream::member_name(node, &[(".zst", ""), (".zstd", ""), (".tzst", ".tar")])
}

/// A Zstandard frame header and where the frame ends.
struct Frame {
    offset: usize,
    /// Offset just after the frame (after its checksum, if any).
    end: usize,
    content_size: Option<u64>,
    window_size: u64,
    single_segment: bool,
    checksum: Option<u32>,
    dict_id: Option<u32>,
    blocks: usize,
}

fn open(data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = data;
    let max_out = stream::max_out(limits.max_decompressed);
    let max_window = limits.max_codec_memory.min(1 << MAX_WINDOW_LOG);
    let mut out = stream::Out::new(None, max_out).with_input(data);
    let d = decode(input, &mut out, max_window)?;

    let mut fields = vec![
        Field::new("frames", Value::Int(d.frames.len() as i64)),
        Field::new("skippable-frames", Value::Int(d.skippable.len() as i64)),
    ];
    let mut notes = Vec::new();
    for (i, f) in d.frames.iter().enumerate() {
        push_frame_fields(&mut fields, i, f);
    }
    let checked = d.frames.iter().filter(|f| f.checksum.is_some()).count();
    if checked > 0 {
        notes.push(format!(
            "XXH64 content checksum verified for {checked} of {} zstd frame(s)",
            d.frames.len()
        ));
    }
    if d.frames.len() > 1 {
        notes.push(format!(
            "{} zstd frames, decompressed as one stream (as zstd -d does)",
            d.frames.len()
        ));
    }
    for (at, magic, size) in &d.skippable {
        notes.push(format!(
            "skippable frame (magic {magic:#010x}) of {size} bytes at offset {at:#x}, not decompressed"
        ));
    }
    Ok(stream::opened(
        data,
        d.end,
        "zstd frames",
        out.finish()?,
        member_name(name),
        fields,
        notes,
    ))
}

pub(crate) struct Decoded {
    frames: Vec<Frame>,
    /// (offset, magic, payload size) of each skippable frame.
    skippable: Vec<(usize, u32, u32)>,
    end: usize,
}

/// Decompresses every frame at the start of `input` onto `out`; stops at the first bytes that
/// are neither a zstd frame nor a skippable frame (the zip reader uses this for method 93).
pub(crate) fn decode(input: &[u8], out: &mut stream::Out, max_window: u64) -> Result<Decoded, FormatError> {
    let mut dctx = DCtx::create();
    dctx.set_parameter(DParameter::WindowLogMax(MAX_WINDOW_LOG))
        .map_err(|c| FormatError::new(format!("zstd: cannot set up the decoder: {}", get_error_name(c))))?;
    let mut frames: Vec<Frame> = Vec::new();
    let mut skippable = Vec::new();
    let mut pos = 0usize;
    loop {
        let rest = &input[pos..];
        if is_skippable(rest) {
            let (magic, size, end) = stream::skippable_frame(input, pos, "zstd")?;
            skippable.push((pos, magic, size));
            pos = end;
            continue;
        }
        if !rest.starts_with(&MAGIC) {
            if frames.is_empty() && skippable.is_empty() {
                return err("not a zstd frame: bad magic at offset 0x0");
            }
            break;
        }
        let index = frames.len();
        let frame = parse_frame(input, pos, index)?;
        out.release_input(pos..frame.end);
        if frame.window_size > max_window {
            return err(format!(
                "zstd frame {index}: window size {} bytes exceeds the limit of {max_window} bytes (raise it with {})",
                frame.window_size,
                crate::model::CODEC_MEMORY_OPTION
            ));
        }
        decompress_frame(&mut dctx, (input, pos), out, &frame, index)?;
        pos = frame.end;
        frames.push(frame);
    }
    Ok(Decoded {
        frames,
        skippable,
        end: pos,
    })
}

fn parse_frame(input: &[u8], start: usize, index: usize) -> Result<Frame, FormatError> {
    let h = &input[start..];
    let truncated = || {
        FormatError::new(format!(
            "zstd frame {index} truncated in its header at offset {start:#x}"
        ))
    };
    let d = *h.get(4).ok_or_else(truncated)?;
    if d & 0x08 != 0 {
        return err(format!(
            "zstd frame {index} at offset {start:#x}: reserved bit set in the frame header descriptor ({d:#04x})"
        ));
    }
    let single_segment = d & 0x20 != 0;
    let has_checksum = d & 0x04 != 0;
    let mut p = 5usize;
    let mut take = |n: usize| -> Result<u64, FormatError> {
        let b = h.get(p..p + n).ok_or_else(truncated)?;
        p += n;
        Ok(b.iter().rev().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    };
    let mut window_size = 0u64;
    if !single_segment {
        let wd = take(1)?;
        let log = 10 + (wd >> 3);
        let base = 1u64 << log;
        window_size = base + (base / 8) * (wd & 7);
    }
    let dict_id = match d & 3 {
        0 => None,
        1 => Some(take(1)?),
        2 => Some(take(2)?),
        _ => Some(take(4)?),
    };
    let content_size = match (d >> 6, single_segment) {
        (0, false) => None,
        (0, true) => Some(take(1)?),
        (1, _) => Some(take(2)? + 256),
        (2, _) => Some(take(4)?),
        _ => Some(take(8)?),
    };
    if single_segment {
        window_size = content_size.unwrap_or(0);
    }

    // Walk the blocks: the 3-byte header gives each block's type and stored length.
    let mut blocks = 0usize;
    loop {
        let at = start + p;
        let b = h.get(p..p + 3).ok_or_else(|| {
            FormatError::new(format!(
                "zstd frame {index} truncated: no block header at offset {at:#x}"
            ))
        })?;
        let bh = u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
        p += 3;
        let last = bh & 1 != 0;
        let size = (bh >> 3) as usize;
        let stored = match (bh >> 1) & 3 {
            0 | 2 => size,
            1 => 1, // RLE: one byte repeated `size` times
            _ => {
                return err(format!(
                    "zstd frame {index}: reserved block type in the block header at offset {at:#x}"
                ))
            }
        };
        if h.len() - p < stored {
            return err(format!(
                "zstd frame {index} truncated: the block at offset {at:#x} needs {stored} bytes, {} are left",
                h.len() - p
            ));
        }
        p += stored;
        blocks += 1;
        if last {
            break;
        }
    }
    let checksum = if has_checksum {
        let c = h.get(p..p + 4).ok_or_else(|| {
            FormatError::new(format!(
                "zstd frame {index} truncated: its 4-byte checksum at offset {:#x} is missing",
                start + p
            ))
        })?;
        p += 4;
        Some(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    } else {
        None
    };
    Ok(Frame {
        offset: start,
        end: start + p,
        content_size,
        window_size,
        single_segment,
        checksum,
        dict_id: dict_id.map(|d| d as u32),
        blocks,
    })
}

fn decompress_frame(
    dctx: &mut DCtx,
    (input, pos): (&[u8], usize),
    out: &mut stream::Out,
    f: &Frame,
    index: usize,
) -> Result<(), FormatError> {
    dctx.reset(ResetDirective::SessionOnly)
        .map_err(|c| FormatError::new(format!("zstd: cannot reset the decoder: {}", get_error_name(c))))?;
    let frame = &input[pos..f.end];
    let mut inb = InBuffer::around(frame);
    let start_len = out.total();
    let ended = stream::drive(out, |o| {
        o.consumed(pos + inb.pos);
        let (in0, out0) = (inb.pos, o.chunk.len());
        let mut ob = OutBuffer::around_pos(&mut o.chunk, out0);
        let r = dctx.decompress_stream(&mut ob, &mut inb);
        let produced = ob.pos() != out0;
        match r {
            Ok(0) => Ok(Step::End),
            Ok(_) if produced || inb.pos != in0 => Ok(Step::Progress),
            Ok(_) => Ok(Step::Stalled),
            Err(c) => {
                let mut m = format!("zstd frame {index} at offset {:#x}: {}", f.offset, get_error_name(c));
                if let Some(id) = f.dict_id.filter(|&d| d != 0) {
                    m.push_str(&format!(" (the frame needs dictionary {id}, which is not available)"));
                }
                Err(FormatError::new(m))
            }
        }
    })?;
    if !ended || inb.pos != frame.len() {
        return err(format!(
            "zstd frame {index} at offset {:#x}: the decoder stopped before the end of the frame",
            f.offset
        ));
    }
    let produced = out.total() - start_len;
    if let Some(cs) = f.content_size {
        if cs != produced {
            return err(format!(
                "zstd frame {index}: content size mismatch (header {cs}, decompressed {produced} bytes)"
            ));
        }
    }
    Ok(())
}

fn push_frame_fields(fields: &mut Vec<Field>, i: usize, fr: &Frame) {
    let p = prefix("frame", i);
    let f = |n: &str, v: Value| Field::new(format!("{p}{n}"), v);
    if i > 0 {
        fields.push(f("offset", Value::Offset(fr.offset as u64)));
    }
    if let Some(cs) = fr.content_size {
        fields.push(f("content-size", Value::Size(cs)));
    }
    fields.push(f("window-size", Value::Size(fr.window_size)));
    fields.push(f("single-segment", Value::Flag(fr.single_segment)));
    fields.push(f("checksum", Value::Flag(fr.checksum.is_some())));
    if let Some(c) = fr.checksum {
        fields.push(f("content-checksum", Value::Digest(format!("{c:08x}"))));
    }
    if let Some(d) = fr.dict_id {
        fields.push(f("dictionary-id", Value::Int(i64::from(d))));
    }
    fields.push(f("blocks", Value::Int(fr.blocks as i64)));
}

/// Decompresses complete zstd data (frames and skippable frames only), for containers that
/// embed it (zip method 93).
pub(crate) fn decompress_all(
    input: &[u8],
    hint: Option<u64>,
    max_out: usize,
    max_window: u64,
) -> Result<Blob, FormatError> {
    let mut out = stream::Out::new(hint, max_out);
    let max_window = max_window.min(1 << MAX_WINDOW_LOG);
    let d = decode(input, &mut out, max_window)?;
    if d.end != input.len() {
        return err(format!("data after the zstd frames at offset {:#x}", d.end));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identify_skips_skippable_frames() {
        let mut v = vec![0x5a, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9];
        v.extend_from_slice(&MAGIC);
        assert!(Zstd.identify(&v, ""));
        assert!(!Zstd.identify(&v[..9], ""));
        assert!(!Zstd.identify(b"\x28\xb5\x2f", ""));
    }

    #[test]
    fn names() {
        assert_eq!(member_name("rootfs.cpio.zst"), "rootfs.cpio");
        assert_eq!(member_name("x.tzst"), "x.tar");
        assert_eq!(member_name("x.ZSTD"), "x");
        assert_eq!(member_name("ramdisk"), "content");
    }
}
