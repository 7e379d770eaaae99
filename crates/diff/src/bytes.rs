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
    fn caps_listed_ranges_but_counts_all() {
        let a = vec![0u8; 4096];
        let b: Vec<u8> = (0..4096).map(|i| if i % 100 == 0 { 1 } else { 0 }).collect();
        let (r, n) = byte_ranges(&a, &b, 5);
        assert_eq!(r.len(), 5);
        assert_eq!(n, 41);
    }
}
