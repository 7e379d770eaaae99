//! Helpers shared by the single-stream compression formats (gzip, xz, zstd, bzip2, lz4) and by
//! zip's and squashfs's per-entry decompression: the content member's name, the bounded output
//! window that spills to disk ([`Out`]), and the node a stream opens into (its content, then a
//! `trailing@0x..` member for bytes after the stream).

use crate::model::{Blob, Data, EntryKind, Field, FormatError, Member, Opened, Sink, Value};

/// The decompressed member's name: the node's file name without one of `suffixes` (matched
/// case-insensitively, replaced by its partner, e.g. `(".txz", ".tar")`), or "content".
pub fn member_name(node: &str, suffixes: &[(&str, &str)]) -> String {
    let base = node.rsplit('/').next().unwrap_or(node);
    let lower = base.to_ascii_lowercase();
    for (suffix, replacement) in suffixes {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            // The suffixes are ASCII, so this cut is on a char boundary.
            return format!("{}{replacement}", &base[..base.len() - suffix.len()]);
        }
    }
    "content".to_string()
}

/// The error every decoder gives when the output would pass the limit.
pub(crate) fn limit_error(max_out: usize) -> FormatError {
    crate::model::limit_error(max_out as u64)
}

/// `limits.max_decompressed` as a usize.
pub(crate) fn max_out(max_decompressed: u64) -> usize {
    usize::try_from(max_decompressed).unwrap_or(usize::MAX)
}

/// What one call of a streaming decoder did.
pub(crate) enum Step {
    /// The stream (or frame) ended.
    End,
    /// Input was consumed or output produced.
    Progress,
    /// Neither: the decoder wants input that is not there (or more output space).
    Stalled,
}

/// Decoded output on its way to a [`Sink`]: decoders write into the spare capacity of a fixed
/// window (`chunk`), which is handed on whenever it fills. So a stream of any size costs one
/// window of memory here, and the sink spills to a temporary file when the output is large.
pub(crate) struct Out {
    pub(crate) chunk: Vec<u8>,
    sink: Sink,
    max: usize,
    /// CRC-32 of everything flushed since the last [`Out::take_crc`] (gzip checks it per member).
    crc: crc32fast::Hasher,
    /// The compressed input, when it is a mapped file: pages already decoded are given back.
    input: Option<Blob>,
    released: usize,
}

const WINDOW: usize = 1 << 20;

impl Out {
    /// `hint`: the expected output size, if the format announces one (only sizes the window and
    /// picks memory vs disk). `max_out`: the decompression limit.
    pub(crate) fn new(hint: Option<u64>, max_out: usize) -> Out {
        let window = hint.map_or(WINDOW, |h| usize::try_from(h).unwrap_or(WINDOW).clamp(4096, WINDOW));
        Out {
            chunk: Vec::with_capacity(window),
            sink: Sink::new(hint, max_out as u64),
            max: max_out,
            crc: crc32fast::Hasher::new(),
            input: None,
            released: 0,
        }
    }

    /// Lets [`Out::consumed`] give the pages of `input` back once they are decoded.
    pub(crate) fn with_input(mut self, input: &Blob) -> Out {
        if input.is_mapped() {
            self.input = Some(input.clone());
        }
        self
    }

    /// Bytes produced so far.
    pub(crate) fn total(&self) -> u64 {
        self.sink.len() + self.chunk.len() as u64
    }

    fn flush(&mut self) -> Result<(), FormatError> {
        self.crc.update(&self.chunk);
        self.sink.write(&self.chunk)?;
        self.chunk.clear();
        Ok(())
    }

    /// The CRC-32 of the output since the previous call.
    pub(crate) fn take_crc(&mut self) -> Result<u32, FormatError> {
        self.flush()?;
        Ok(std::mem::take(&mut self.crc).finalize())
    }

    /// The decoder has read the input up to `pos`: give back those pages, a few MiB at a time.
    pub(crate) fn consumed(&mut self, pos: usize) {
        if let Some(input) = &self.input {
            if pos >= self.released + (16 << 20) {
                input.release(self.released..pos);
                self.released = pos;
            }
        }
    }

    /// A look-ahead over the input (walking block headers to find a frame's end) touched
    /// `range`: give those pages back; decoding faults them in again a window at a time.
    pub(crate) fn release_input(&self, range: std::ops::Range<usize>) {
        if let Some(input) = &self.input {
            input.release(range);
        }
    }

    pub(crate) fn finish(mut self) -> Result<Blob, FormatError> {
        self.flush()?;
        if let Some(input) = &self.input {
            input.release_all();
        }
        self.sink.finish()
    }
}

/// Runs `step` (which decodes into the spare capacity of `out.chunk`, and may tell
/// [`Out::consumed`] how far it read) until the stream ends,
/// never past the limit. `Ok(false)` means the decoder stalled with output space left: the
/// input ended before the stream did (the caller words the error).
pub(crate) fn drive(
    out: &mut Out,
    mut step: impl FnMut(&mut Out) -> Result<Step, FormatError>,
) -> Result<bool, FormatError> {
    loop {
        if out.chunk.len() == out.chunk.capacity() {
            out.flush()?;
        }
        let status = step(out)?;
        if out.total() > out.max as u64 {
            return Err(limit_error(out.max));
        }
        match status {
            Step::End => return Ok(true),
            Step::Progress => {}
            Step::Stalled => {
                if out.chunk.len() < out.chunk.capacity() {
                    return Ok(false);
                }
            }
        }
    }
}

/// Inflates deflate data through a spilling [`Out`]: raw (zip) or with a zlib header (ELF
/// compressed sections); bytes after the stream's end are ignored, as zlib does. `base` is the
/// data's offset in its file, for messages.
pub(crate) fn inflate(
    input: &[u8],
    zlib: bool,
    base: u64,
    hint: Option<u64>,
    max_out: usize,
) -> Result<Blob, FormatError> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut out = Out::new(hint, max_out);
    let mut d = Decompress::new(zlib);
    let ended = drive(&mut out, |o| {
        let (in0, out0) = (d.total_in(), d.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(input.len());
        let status = d
            .decompress_vec(&input[at..], &mut o.chunk, FlushDecompress::None)
            .map_err(|e| {
                FormatError::new(format!(
                    "invalid deflate data near offset {:#x}: {e}",
                    base.saturating_add(d.total_in())
                ))
            })?;
        Ok(match status {
            Status::StreamEnd => Step::End,
            _ if d.total_in() != in0 || d.total_out() != out0 => Step::Progress,
            _ => Step::Stalled,
        })
    })?;
    if !ended {
        return Err(FormatError::new("the deflate data ends before its last block"));
    }
    out.finish()
}

/// The node a stream format opens into: its decoded `content` as the one member `name`, then
/// whatever follows the stream at `end` of `data` (see [`trailing`]; `what` names the stream).
pub(crate) fn opened(
    data: &Blob,
    end: usize,
    what: &str,
    content: Blob,
    name: String,
    fields: Vec<Field>,
    mut notes: Vec<String>,
) -> Opened {
    let mut members = vec![Member {
        name,
        kind: EntryKind::File,
        fields: Vec::new(),
        size: content.len() as u64,
        data: Some(Data::Blob(content)),
    }];
    trailing(data, end, what, &mut notes, &mut members);
    Opened {
        fields,
        members,
        notes,
        text: None,
    }
}

/// Bytes after the end of the stream at `pos`: zero padding gets a note, anything else becomes a
/// `trailing@0x..` Section member the engine can identify and open (an initrd can be one
/// compressed cpio followed by another).
pub(crate) fn trailing(data: &Blob, pos: usize, what: &str, notes: &mut Vec<String>, members: &mut Vec<Member>) {
    let rest = data.get(pos..).unwrap_or_default();
    if rest.is_empty() {
        return;
    }
    let zeros = rest.iter().take_while(|&&b| b == 0).count();
    if zeros > 0 {
        notes.push(format!("{zeros} bytes of zero padding after the {what}"));
    }
    if zeros < rest.len() {
        let at = pos + zeros;
        let len = data.len() - at;
        notes.push(format!(
            "{len} bytes of other data after the {what} at offset {at:#x}, listed as member trailing@{at:#x}"
        ));
        members.push(Member {
            name: format!("trailing@{at:#x}"),
            kind: EntryKind::Section,
            fields: vec![Field::new("offset", Value::Offset(at as u64))],
            size: len as u64,
            data: Some(Data::Blob(data.slice(at..data.len()))),
        });
    }
}

/// Field name prefix for the `index`-th stream/frame: none for the first (so a single-stream
/// file reads plainly), `"{word}{index}."` after it, as gzip does with `member1.`.
pub(crate) fn prefix(word: &str, index: usize) -> String {
    if index == 0 {
        String::new()
    } else {
        format!("{word}{index}.")
    }
}

/// Sizes the way xz and zstd print them: whole MiB or KiB when exact, else bytes.
pub(crate) fn human_size(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{}MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{}KiB", n >> 10)
    } else {
        format!("{n}")
    }
}

/// True for the 16 skippable-frame magics 0x184D2A50..=0x184D2A5F (zstd and lz4 share them).
pub(crate) fn is_skippable(b: &[u8]) -> bool {
    b.len() >= 4 && b[0] & 0xf0 == 0x50 && b[1..4] == [0x2a, 0x4d, 0x18]
}

/// The skippable frame at `pos` of `input` (which [`is_skippable`] accepted): its magic, its
/// declared payload size and the offset just after it. `format` ("zstd", "lz4") starts the
/// error when its header or payload runs past the end of `input`.
pub(crate) fn skippable_frame(input: &[u8], pos: usize, format: &str) -> Result<(u32, u32, usize), FormatError> {
    let rest = &input[pos..];
    let size = rest
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| {
            FormatError::new(format!(
                "{format} skippable frame truncated in its header at offset {pos:#x}"
            ))
        })?;
    let end = usize::try_from(size)
        .ok()
        .and_then(|s| pos.checked_add(8)?.checked_add(s))
        .filter(|&e| e <= input.len())
        .ok_or_else(|| {
            FormatError::new(format!(
                "{format} skippable frame at offset {pos:#x} truncated: it declares {size} bytes, {} are left",
                rest.len().saturating_sub(8)
            ))
        })?;
    let magic = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
    Ok((magic, size, end))
}

/// `head` after any leading skippable frames, or None when they run past it.
pub(crate) fn after_skippable(mut head: &[u8]) -> Option<&[u8]> {
    while is_skippable(head) {
        let size = u32::from_le_bytes(head.get(4..8)?.try_into().ok()?);
        head = head.get(8usize.checked_add(usize::try_from(size).ok()?)?..)?;
    }
    Some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let s = [(".xz", ""), (".txz", ".tar")];
        assert_eq!(member_name("a/rootfs.cpio.xz", &s), "rootfs.cpio");
        assert_eq!(member_name("x.TXZ", &s), "x.tar");
        assert_eq!(member_name(".xz", &s), "content");
        assert_eq!(member_name("ramdisk1", &s), "content");
    }

    #[test]
    fn drive_enforces_the_limit_and_reports_stalls() {
        let mut out = Out::new(None, 100);
        let mut left = 100usize;
        let ended = drive(&mut out, |o| {
            let n = left.min(o.chunk.capacity() - o.chunk.len()).min(7);
            o.chunk.extend(std::iter::repeat_n(1u8, n));
            left -= n;
            Ok(if left == 0 { Step::End } else { Step::Progress })
        })
        .unwrap();
        assert!(ended);
        assert_eq!(&out.finish().unwrap()[..], &[1u8; 100][..]);

        let mut out = Out::new(None, 10);
        let e = drive(&mut out, |o| {
            o.chunk.push(0);
            Ok(Step::Progress)
        })
        .unwrap_err();
        assert_eq!(e.message, "decompressed size exceeds limit of 10 bytes");

        let mut out = Out::new(None, 10);
        assert!(!drive(&mut out, |_| Ok(Step::Stalled)).unwrap());
    }

    #[test]
    fn large_output_spills_to_a_mapped_file() {
        let total = crate::model::SPILL_THRESHOLD + 3 * WINDOW + 5;
        let mut out = Out::new(None, usize::MAX);
        let mut made = 0usize;
        drive(&mut out, |o| {
            let n = (total - made).min(o.chunk.capacity() - o.chunk.len());
            o.chunk.extend((made..made + n).map(|i| (i % 251) as u8));
            made += n;
            Ok(if made == total { Step::End } else { Step::Progress })
        })
        .unwrap();
        let blob = out.finish().unwrap();
        assert!(blob.is_mapped());
        assert_eq!(blob.len(), total);
        assert!(blob.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(64 << 20), "64MiB");
        assert_eq!(human_size(256 << 10), "256KiB");
        assert_eq!(human_size(1000), "1000");
    }
}
