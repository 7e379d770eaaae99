//! Text detection: what gets a line diff instead of a byte summary.

/// Larger inputs are compared as bytes: a line diff of them would be unreadable anyway.
pub const MAX_TEXT: usize = 16 << 20;

/// UTF-8 without NUL bytes and with few control characters.
pub fn is_text(data: &[u8]) -> bool {
    if data.len() > MAX_TEXT || data.contains(&0) {
        return false;
    }
    let Ok(s) = std::str::from_utf8(data) else { return false };
    let control = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        .count();
    control * 100 <= s.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_text() {
        assert!(is_text(b"hello\nworld\n"));
        assert!(is_text("grüße\n".as_bytes()));
        assert!(is_text(b""));
        assert!(!is_text(b"ELF\0\x01"));
        assert!(!is_text(&[0xff, 0xfe, 0x41]));
    }
}
