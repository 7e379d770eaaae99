//! Small helpers the hand-written readers share: fixed-width integers at an offset, and long
//! paths shortened for error messages.
//!
//! The integer readers index directly: callers pass slices whose length they checked.

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    u64::from(le32(b, at)) | (u64::from(le32(b, at + 4)) << 32)
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn be64(b: &[u8], at: usize) -> u64 {
    (u64::from(be32(b, at)) << 32) | u64::from(be32(b, at + 4))
}

/// `path` with the middle of a very long one elided (`head...tail (N bytes)`), cut on character
/// boundaries; `wrap` puts quotes or a leading `/` around the shown part.
pub(crate) fn shorten(path: &str, wrap: (&str, &str)) -> String {
    const KEEP: usize = 120;
    if path.len() <= 2 * KEEP + 20 {
        return format!("{}{path}{}", wrap.0, wrap.1);
    }
    let mut head = KEEP;
    while !path.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = path.len() - KEEP;
    while !path.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}{}...{}{} ({} bytes)",
        wrap.0,
        &path[..head],
        &path[tail..],
        wrap.1,
        path.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_paths() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(le16(&b, 0), 0x0201);
        assert_eq!(le32(&b, 0), 0x0403_0201);
        assert_eq!(le64(&b, 0), 0x0807_0605_0403_0201);
        assert_eq!(be16(&b, 0), 0x0102);
        assert_eq!(be32(&b, 0), 0x0102_0304);
        assert_eq!(be64(&b, 0), 0x0102_0304_0506_0708);
        assert_eq!(shorten("a/b", ("'", "'")), "'a/b'");
        let long = "é".repeat(200);
        let s = shorten(&long, ("/", ""));
        assert!(s.starts_with('/') && s.ends_with("(400 bytes)"), "{s}");
    }
}
