//! Binary comparison: where two byte strings differ, as ranges.

use serde::Serialize;

/// A run of differing bytes at the same offset in both inputs. When the inputs differ in length,
/// the tail of the longer one is a final range with `len1` or `len2` covering it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ByteRange {
    pub offset: u64,
    pub len1: u64,
    pub len2: u64,
}

/// Ranges closer than this are merged, so a changed 4-byte field reads as one range.
const MERGE_GAP: usize = 16;

/// Differing ranges of `a` and `b` compared offset by offset, at most `max` of them (the second
/// value is the total count). Runs in 64-byte chunks so equal stretches cost a memcmp.
pub fn byte_ranges(a: &[u8], b: &[u8], max: usize) -> (Vec<ByteRange>, usize) {
    byte_ranges_with(a, b, max, |_| {})
}

/// [`byte_ranges`], calling `passed(offset)` every 8 MiB so that a caller walking mapped
/// inputs can give the pages behind it back (a decompression bomb is gigabytes of them).
pub(crate) fn byte_ranges_with(
    a: &[u8],
    b: &[u8],
    max: usize,
    mut passed: impl FnMut(usize),
) -> (Vec<ByteRange>, usize) {
    const STEP: usize = 8 << 20;
    let mut next_step = STEP;
    let common = a.len().min(b.len());
    let mut out = Vec::new();
    let mut count = 0;
    let mut cur: Option<(usize, usize)> = None; // [start, end)
    let push = |r: (usize, usize), out: &mut Vec<ByteRange>, count: &mut usize| {
        *count += 1;
        if out.len() < max {
            let len = (r.1 - r.0) as u64;
            out.push(ByteRange {
                offset: r.0 as u64,
                len1: len,
                len2: len,
            });
        }
    };
    let mut i = 0;
    while i < common {
        if i >= next_step {
            passed(i);
            next_step = i + STEP;
        }
        let end = (i + 64).min(common);
        if a[i..end] == b[i..end] {
            i = end;
            continue;
        }
        for j in i..end {
            if a[j] != b[j] {
                cur = match cur {
                    Some((s, e)) if j - e <= MERGE_GAP => Some((s, j + 1)),
                    Some(r) => {
                        push(r, &mut out, &mut count);
                        Some((j, j + 1))
                    }
                    None => Some((j, j + 1)),
                };
            }
        }
        i = end;
    }
    if let Some(r) = cur {
        push(r, &mut out, &mut count);
    }
    if a.len() != b.len() {
        count += 1;
        if out.len() < max {
            out.push(ByteRange {
                offset: common as u64,
                len1: (a.len() - common) as u64,
                len2: (b.len() - common) as u64,
            });
        }
    }
    (out, count)
}

/// Printable for [`range_string`]: ASCII graphic characters, space and tab.
fn printable(c: u8) -> bool {
    (0x20..=0x7e).contains(&c) || c == b'\t'
}

/// The printable string of `data` holding `offset` (see `Evidence::range_strings`): up to
/// `max / 2` bytes before it and the rest after, stopping at any other byte. When the byte at
/// `offset` is not printable (or past the end), the run ending right before it.
pub(crate) fn range_string(data: &[u8], offset: usize, max: usize) -> String {
    let offset = offset.min(data.len());
    let mut start = offset;
    while start > 0 && offset - start < max / 2 && printable(data[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < data.len() && end - start < max && printable(data[end]) {
        end += 1;
    }
    data[start..end].iter().map(|&c| char::from(c)).collect()
}

/// Bytes of one range scanned for runs in [`range_deltas`], and runs listed: a range may be
/// megabytes of scattered changes, and the deltas matter for the few words of a moved offset.
const DELTA_SCAN: usize = 4096;
const DELTA_RUNS: usize = 64;

/// For one range (equal length on both sides): per run of differing bytes in it (at most
/// `DELTA_RUNS`, within its first `DELTA_SCAN` bytes), the distinct signed differences
/// (`b` minus `a`) of the little-endian 2-, 4- and 8-byte words that cover the run whole.
/// A run longer than 8 bytes has none; a range of unequal lengths has no runs.
pub(crate) fn range_deltas(a: &[u8], b: &[u8], r: &ByteRange) -> Vec<Vec<i64>> {
    let mut out = Vec::new();
    if r.len1 != r.len2 {
        return out;
    }
    let start = r.offset as usize;
    let end = start
        .saturating_add(r.len1 as usize)
        .min(start.saturating_add(DELTA_SCAN))
        .min(a.len())
        .min(b.len());
    let mut k = start;
    while k < end && out.len() < DELTA_RUNS {
        if a[k] == b[k] {
            k += 1;
            continue;
        }
        let run = k;
        while k < end && a[k] != b[k] {
            k += 1;
        }
        // A run cut by the scan limit may go on past it: its length is unknown.
        if k == end && end < start + r.len1 as usize {
            break;
        }
        out.push(run_deltas(a, b, run, k));
    }
    out
}

/// The candidate deltas of the differing bytes `run..end` (see [`range_deltas`]).
fn run_deltas(a: &[u8], b: &[u8], run: usize, end: usize) -> Vec<i64> {
    let len = a.len().min(b.len());
    let mut v = Vec::new();
    for w in [2usize, 4, 8] {
        if w < end - run {
            continue;
        }
        for s in end.saturating_sub(w)..=run {
            if s + w > len {
                break;
            }
            let word = |d: &[u8]| d[s..s + w].iter().rev().fold(0u64, |acc, &c| acc << 8 | u64::from(c));
            let diff = word(b).wrapping_sub(word(a));
            // Sign-extended from the word's width.
            let shift = 64 - 8 * w as u32;
            v.push(((diff << shift) as i64) >> shift);
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// A hex dump diff of the first few ranges (xxd-like lines), so binary changes still show bytes.
pub(crate) fn hex_diff(a: &[u8], b: &[u8], ranges: &[ByteRange], max_ranges: usize) -> String {
    let mut s = String::new();
    for r in ranges.iter().take(max_ranges) {
        let start = (r.offset as usize) & !15;
        let end_a = ((r.offset + r.len1) as usize).min(a.len());
        let end_b = ((r.offset + r.len2) as usize).min(b.len());
        // Show at most 8 lines per side per range.
        let stop = |end: usize| (end.div_ceil(16) * 16).min(start + 128);
        s.push_str(&format!("@@ offset {:#x} @@\n", r.offset));
        for (sign, data, end) in [('-', a, end_a), ('+', b, end_b)] {
            let mut off = start;
            while off < stop(end) && off < data.len() {
                let line = &data[off..(off + 16).min(data.len())];
                s.push(sign);
                s.push_str(&format!("{off:08x}: "));
                for (k, byte) in line.iter().enumerate() {
                    s.push_str(&format!("{byte:02x}"));
                    if k % 2 == 1 {
                        s.push(' ');
                    }
                }
                for k in line.len()..16 {
                    s.push_str(if k % 2 == 1 { "   " } else { "  " });
                }
                s.push(' ');
                s.extend(
                    line.iter()
                        .map(|&c| if (0x20..0x7f).contains(&c) { c as char } else { '.' }),
                );
                s.push('\n');
                off += 16;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_merges_ranges() {
        let a = vec![0u8; 300];
        let mut b = a.clone();
        b[10] = 1;
        b[12] = 1; // within MERGE_GAP of 10: same range
        b[200] = 7;
        let (r, n) = byte_ranges(&a, &b, 10);
        assert_eq!(n, 2);
        assert_eq!(
            r[0],
            ByteRange {
                offset: 10,
                len1: 3,
                len2: 3
            }
        );
        assert_eq!(
            r[1],
            ByteRange {
                offset: 200,
                len1: 1,
                len2: 1
            }
        );
    }

    #[test]
    fn length_difference_is_a_tail_range() {
        let (r, n) = byte_ranges(b"abc", b"abcdef", 10);
        assert_eq!(n, 1);
        assert_eq!(
            r[0],
            ByteRange {
                offset: 3,
                len1: 0,
                len2: 3
            }
        );
        let (r, n) = byte_ranges(b"same", b"same", 10);
        assert!(r.is_empty() && n == 0);
    }

    #[test]
    fn range_strings_are_the_whole_strings_at_the_change() {
        // A build path one byte longer in the second input: everything after it moves.
        let a = b"\x7fELF\0\0/tmp/build-a/src/x.c\0main\0\x01\x02";
        let b = b"\x7fELF\0\0/tmp/build-aa/src/x.c\0main\0\x01\x02";
        let (r, _) = byte_ranges(a, b, 10);
        let s: Vec<(String, String)> = r
            .iter()
            .map(|r| {
                let at = r.offset as usize;
                (range_string(a, at, 256), range_string(b, at, 256))
            })
            .collect();
        assert_eq!(s[0], ("/tmp/build-a/src/x.c".into(), "/tmp/build-aa/src/x.c".into()));
        // The tail past the shorter input: the run before it.
        assert_eq!(r.last().unwrap().len1, 0);
        assert_eq!(s.last().unwrap(), &(String::new(), String::new()));

        // A non-printable byte at the offset: the run ending right before it.
        assert_eq!(range_string(b"ab\0cd", 2, 256), "ab");
        assert_eq!(range_string(b"\0cd", 0, 256), "");
        assert_eq!(range_string(b"x\tyz\n", 3, 256), "x\tyz");
        // Bounded: half the room before the offset, the rest after.
        let long = vec![b'a'; 1000];
        let got = range_string(&long, 500, 256);
        assert_eq!(got.len(), 256);
        assert_eq!(range_string(&long, 10, 256).len(), 256);
        assert_eq!(range_string(&long, 999, 256).len(), 129);
    }

    #[test]
    fn range_deltas_are_the_word_differences_over_each_run() {
        // A rip-relative displacement 0x0eac moved by one byte, and a 4-byte counter +2 later
        // in the same range (merged, as they are within 16 bytes).
        let mut a = vec![0x90u8; 64];
        a[8..12].copy_from_slice(&[0xac, 0x0e, 0x00, 0x00]);
        a[20..24].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        let mut b = a.clone();
        b[8] = 0xad;
        b[20..24].copy_from_slice(&1u32.to_le_bytes());
        let (r, n) = byte_ranges(&a, &b, 10);
        assert_eq!(n, 1);
        let d = range_deltas(&a, &b, &r[0]);
        assert_eq!(d.len(), 2, "{d:?}");
        // Run at 8: 2-byte windows at 7 and 8, 4-byte at 5..=8, 8-byte at 1..=8.
        assert!(d[0].contains(&1) && d[0].contains(&0x100), "{:?}", d[0]);
        assert!(d[0].windows(2).all(|w| w[0] < w[1]));
        // Run 20..24 (ff ff ff ff -> 01 00 00 00): as a 4-byte word, -1 -> 1 is +2.
        assert!(d[1].contains(&2), "{:?}", d[1]);
        assert!(d[1].iter().all(|&x| x != 0));

        // Sign-extended per width: 0x0001 -> 0xffff is -2 as a 2-byte word.
        let (a, b) = ([0u8, 0, 1, 0, 0, 0], [0u8, 0, 0xff, 0xff, 0, 0]);
        let (r, _) = byte_ranges(&a, &b, 10);
        assert!(range_deltas(&a, &b, &r[0])[0].contains(&-2));

        // A run longer than 8 bytes has no deltas; unequal lengths have no runs.
        let (a, b) = (vec![0u8; 32], vec![1u8; 32]);
        let (r, _) = byte_ranges(&a, &b, 10);
        assert_eq!(range_deltas(&a, &b, &r[0]), vec![Vec::<i64>::new()]);
        let (r, _) = byte_ranges(b"abc", b"abcdef", 10);
        assert!(range_deltas(b"abc", b"abcdef", &r[0]).is_empty());
    }

    #[test]
    fn caps_listed_ranges_but_counts_all() {
        let a = vec![0u8; 4096];
        let b: Vec<u8> = (0..4096).map(|i| if i % 100 == 0 { 1 } else { 0 }).collect();
        let (r, n) = byte_ranges(&a, &b, 5);
        assert_eq!(r.len(), 5);
        assert_eq!(n, 41);
    }
}
