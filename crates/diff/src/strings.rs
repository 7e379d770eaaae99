//! The printable strings of a changed span, as strings(1) finds them, with their offsets: what
//! the explainer reads a binary string table by (see `Evidence::strings`).

use crate::bytes::ByteRange;
use crate::tree::{MIN_STRING, STRINGS_MAX, STRINGS_SPAN_MAX};

fn printable(c: u8) -> bool {
    (0x20..=0x7e).contains(&c) || c == b'\t'
}

/// Printable runs of at least [`MIN_STRING`] bytes of `data[start..end]` (a run cut by either
/// end is taken whole up to [`STRINGS_SPAN_MAX`] more bytes), at most [`STRINGS_MAX`].
fn runs(data: &[u8], start: usize, end: usize) -> Vec<(u64, String)> {
    let mut start = start.min(data.len());
    let floor = start.saturating_sub(STRINGS_SPAN_MAX);
    while start > floor && printable(data[start - 1]) {
        start -= 1;
    }
    let end = end.min(data.len()).max(start);
    let mut out = Vec::new();
    let mut i = start;
    while i < end && out.len() < STRINGS_MAX {
        if !printable(data[i]) {
            i += 1;
            continue;
        }
        let s = i;
        let limit = (s + STRINGS_SPAN_MAX).min(data.len());
        while i < limit && printable(data[i]) {
            i += 1;
        }
        if i - s >= MIN_STRING {
            out.push((s as u64, data[s..i].iter().map(|&c| char::from(c)).collect()));
        }
    }
    out
}

/// The strings of both sides over the changed span of `ranges`: from the first range's start to
/// the last listed range's end (whichever side is longer), at most [`STRINGS_SPAN_MAX`] bytes.
/// `None` when nothing changed or neither side has a string there.
pub(crate) fn changed_strings(a: &[u8], b: &[u8], ranges: &[ByteRange]) -> Option<Box<[Vec<(u64, String)>; 2]>> {
    let first = ranges.first()?;
    let start = first.offset as usize;
    let end = ranges
        .iter()
        .map(|r| (r.offset + r.len1.max(r.len2)) as usize)
        .max()
        .unwrap_or(start)
        .min(start.saturating_add(STRINGS_SPAN_MAX));
    let sa = runs(a, start, end);
    let sb = runs(b, start, end);
    if sa.is_empty() && sb.is_empty() {
        return None;
    }
    Some(Box::new([sa, sb]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::byte_ranges;

    #[test]
    fn a_grown_string_and_the_table_after_it() {
        let a = b"\x01\x02/tmp/a/main.c\0Mar  1 2024\010:00:00\0\x7f".to_vec();
        let b = b"\x01\x02/tmp/bbbb/main.c\0Mar  2 2024\010:00:01\0\x7f".to_vec();
        let (r, _) = byte_ranges(&a, &b, 32);
        let s = changed_strings(&a, &b, &r).expect("strings");
        let text = |v: &[(u64, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
        assert_eq!(text(&s[0]), ["/tmp/a/main.c", "Mar  1 2024", "10:00:00"]);
        assert_eq!(text(&s[1]), ["/tmp/bbbb/main.c", "Mar  2 2024", "10:00:01"]);
        assert_eq!(s[0][1].0, 16);
        assert_eq!(s[1][1].0, 19);
    }

    #[test]
    fn bounded_on_hostile_sizes() {
        let a = vec![b'a'; 1 << 20];
        let mut b = a.clone();
        b[500_000] = b'b';
        let (r, _) = byte_ranges(&a, &b, 32);
        let s = changed_strings(&a, &b, &r).expect("strings");
        assert!(s[0].iter().all(|x| x.1.len() <= 2 * STRINGS_SPAN_MAX));
        assert!(s[0].len() <= STRINGS_MAX);
    }
}
