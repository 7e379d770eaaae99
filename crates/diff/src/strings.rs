//! The printable strings of a changed span, as strings(1) finds them, with their offsets: what
//! the explainer reads a binary string table by (see `Evidence::strings`).

use crate::bytes::ByteRange;
use crate::tree::{MIN_STRING, STRINGS_MAX, STRINGS_SPAN_MAX};

/// The length of the printable character at `data[i]`: printable ASCII, a tab or line break
/// (a C string that ends in "\n" is one string), or a letter in UTF-8 beside another letter
/// (names in other languages are strings too; a lone multi-byte letter amid code or numbers is
/// more likely chance). 0 when there is none.
fn printable_at(data: &[u8], i: usize) -> usize {
    let c = data[i];
    if (0x20..=0x7e).contains(&c) || matches!(c, b'\t' | b'\n' | b'\r') {
        return 1;
    }
    let n = letter_at(data, i);
    let ascii_letter = |k: usize| data.get(k).is_some_and(u8::is_ascii_alphabetic);
    let beside = (i > 0 && ascii_letter(i - 1)) || ascii_letter(i + n) || letter_at(data, i + n) > 0;
    if n > 0 && beside {
        n
    } else {
        0
    }
}

/// The length of the UTF-8 sequence of a letter at `data[i]`, else 0.
fn letter_at(data: &[u8], i: usize) -> usize {
    let n = match data.get(i) {
        Some(0xc3..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf4) => 4,
        _ => return 0,
    };
    match data.get(i..i + n).map(std::str::from_utf8) {
        Some(Ok(t)) if t.chars().all(char::is_alphabetic) => n,
        _ => 0,
    }
}

/// Printable runs of at least [`MIN_STRING`] bytes of `data[start..end]` (a run cut by either
/// end is taken whole up to [`STRINGS_SPAN_MAX`] more bytes), at most [`STRINGS_MAX`].
fn runs(data: &[u8], start: usize, end: usize) -> Vec<(u64, String)> {
    let mut start = start.min(data.len());
    let floor = start.saturating_sub(STRINGS_SPAN_MAX);
    // Back to where the run that holds `start` begins (any byte a printable character may hold;
    // the forward scan below skips what does not decode).
    while start > floor && (printable_at(data, start - 1) == 1 || data[start - 1] >= 0x80) {
        start -= 1;
    }
    let end = end.min(data.len()).max(start);
    let mut out = Vec::new();
    let mut i = start;
    while i < end && out.len() < STRINGS_MAX {
        if printable_at(data, i) == 0 {
            i += 1;
            continue;
        }
        let s = i;
        let limit = (s + STRINGS_SPAN_MAX).min(data.len());
        while i < limit {
            match printable_at(data, i) {
                0 => break,
                n => i += n,
            }
        }
        let text = String::from_utf8_lossy(&data[s..i.min(data.len())]);
        // A C string of two letters or digits ("lp", a user name) stands between NULs.
        let short_c_string = i - s == 2
            && s > 0
            && data[s - 1] == 0
            && data.get(i) == Some(&0)
            && data[s..i].iter().all(u8::is_ascii_alphanumeric);
        if text.trim_matches(['\n', '\r']).len() >= MIN_STRING || short_c_string {
            out.push((s as u64, text.into_owned()));
        }
    }
    out
}

/// The strings of both sides over the changed span of `ranges`: from the first range's start to
/// the last listed range's end (whichever side is longer), at most [`STRINGS_SPAN_MAX`] bytes.
/// `None` when nothing changed or neither side has a string there.
pub(crate) fn changed_strings(a: &[u8], b: &[u8], ranges: &[ByteRange]) -> Option<crate::tree::SideStrings> {
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

/// The moves of the changed 8-byte words of the changed span that are not one of the first
/// input's words there (see `Evidence::word_changes`).
pub(crate) fn word_changes(a: &[u8], b: &[u8], ranges: &[ByteRange]) -> Option<Vec<(u64, u64)>> {
    const MAX_MOVES: usize = 256;
    let (first, last) = (ranges.first()?, ranges.last()?);
    if a.len() != b.len() || ranges.iter().any(|r| r.len1 != r.len2) {
        return None;
    }
    let start = (first.offset as usize) & !7;
    let end = ((last.offset + last.len1) as usize).div_ceil(8) * 8;
    if end > a.len() || end - start > STRINGS_SPAN_MAX {
        return None;
    }
    let word = |d: &[u8], i: usize| u64::from_le_bytes(d[i..i + 8].try_into().unwrap_or([0; 8]));
    let old: std::collections::HashSet<u64> = (start..end).step_by(8).map(|i| word(a, i)).collect();
    let mut moves = std::collections::BTreeSet::new();
    let (mut was, mut now) = (Vec::new(), Vec::new());
    for i in (start..end).step_by(8) {
        let (x, y) = (word(a, i), word(b, i));
        if x != y {
            was.push(x);
            now.push(y);
        }
        if x != y && !old.contains(&y) {
            moves.insert((x, y));
            if moves.len() > MAX_MOVES {
                return None;
            }
        }
    }
    // No moves must mean the same words in another order, not a value that became another
    // one the span also holds.
    was.sort_unstable();
    now.sort_unstable();
    if moves.is_empty() && was != now {
        return None;
    }
    Some(moves.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::byte_ranges;

    #[test]
    fn a_grown_string_and_the_table_after_it() {
        let a = b"\x01\x02/tmp/a/main.c\x00Mar  1 2024\x0010:00:00\x00\x7f".to_vec();
        let b = b"\x01\x02/tmp/bbbb/main.c\x00Mar  2 2024\x0010:00:01\x00\x7f".to_vec();
        let (r, _) = byte_ranges(&a, &b, 32);
        let s = changed_strings(&a, &b, &r).expect("strings");
        let text = |v: &[(u64, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
        assert_eq!(text(&s[0]), ["/tmp/a/main.c", "Mar  1 2024", "10:00:00"]);
        assert_eq!(text(&s[1]), ["/tmp/bbbb/main.c", "Mar  2 2024", "10:00:01"]);
        assert_eq!(s[0][1].0, 16);
        assert_eq!(s[1][1].0, 19);
    }

    #[test]
    fn a_reordered_pointer_table_is_a_permutation() {
        let w = |v: &[u64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let a = w(&[1, 0x2004, 0x11c0, 0x2008, 0x1200, 9]);
        let b = w(&[1, 0x2008, 0x1200, 0x2004, 0x11c0, 9]);
        let (r, _) = byte_ranges(&a, &b, 32);
        assert_eq!(word_changes(&a, &b, &r), Some(vec![]));
        let c = w(&[1, 0x2009, 0x1200, 0x2005, 0x11c0, 9]);
        let (r, _) = byte_ranges(&a, &c, 32);
        assert_eq!(word_changes(&a, &c, &r), Some(vec![(0x2004, 0x2009), (0x2008, 0x2005)]));
    }

    #[test]
    fn names_in_other_scripts_are_strings() {
        let a = "\x01\x02Łódź\0Straße\0%d km\n\0\x01".as_bytes().to_vec();
        let b = "\x01\x02Straße\0Łódź\0%d km\n\0\x02".as_bytes().to_vec();
        let (r, _) = byte_ranges(&a, &b, 32);
        let s = changed_strings(&a, &b, &r).expect("strings");
        let text = |v: &[(u64, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
        assert_eq!(text(&s[0]), ["Łódź", "Straße", "%d km\n"]);
        assert_eq!(text(&s[1]), ["Straße", "Łódź", "%d km\n"]);
        // A lone two-byte letter amid machine code is not read as text.
        let code = [0x48u8, 0x31, 0xd0, 0x88, 0x90, 0x31, 0xc3];
        assert_eq!(printable_at(&code, 2), 0);
    }

    #[test]
    fn a_value_that_became_another_is_no_reordering() {
        let w = |v: &[u64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let a = w(&[1, 0, 7, 5]);
        let b = w(&[0, 0, 7, 1]);
        let (r, _) = byte_ranges(&a, &b, 32);
        assert_eq!(word_changes(&a, &b, &r), None);
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
