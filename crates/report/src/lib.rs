//! Renderers for the Difference tree. They know no formats: only the tree's typed data.

// Untrusted input is parsed here: no unsafe code, so memory safety rests on the compiler.
#![forbid(unsafe_code)]

mod json;
mod summary;
mod text;

pub use json::{to_json, to_json_explained};
pub use summary::render_summary;
pub use text::{render_text, Style};

use reproscope_diff::FieldChange;
use reproscope_formats::Value;

/// "mtime: 2024-01-01 00:00:00 (1704067200) → 2024-01-02 00:00:00 (1704153600), +1 day"
pub fn describe_field(f: &FieldChange) -> String {
    let side = |v: &Option<Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_else(|| "(absent)".into());
    let mut s = format!("{}: {} → {}", f.name, side(&f.before), side(&f.after));
    match (&f.before, &f.after) {
        (Some(Value::Time(a)), Some(Value::Time(b))) => s.push_str(&format!(", {}", human_delta(b - a))),
        (Some(Value::Size(a)), Some(Value::Size(b))) => {
            s.push_str(&format!(", {:+} bytes", *b as i128 - *a as i128));
        }
        _ => {}
    }
    if let Some(why) = &f.derived {
        s.push_str(&format!(" (derived: {why})"));
    }
    s
}

pub use reproscope_diff::human_delta;

/// `s` as it may reach a terminal: control characters (C0 but tab, DEL, C1) and the Unicode
/// controls that reorder or hide text (bidirectional overrides and isolates, marks) are written
/// out visibly (`\x1b`, `\r`, `\u{202e}`), so a member name or a line of a compared file cannot
/// move the cursor, recolour or hide part of a report. The JSON report keeps exact values.
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    fn hidden(c: char) -> bool {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Bytes in binary units, e.g. "2.1 MiB".
pub fn human_size(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(visible("etc/app.conf"), "etc/app.conf");
        assert_eq!(visible("a\tb"), "a\tb");
        assert_eq!(visible("x\x1b[2Ky\rz\n"), "x\\x1b[2Ky\\rz\\n");
        assert_eq!(visible("\u{7f}\u{9b}"), "\\x7f\\x9b");
        assert_eq!(visible("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(visible("naïve → ok"), "naïve → ok");
    }

    #[test]
    fn deltas_and_sizes() {
        assert_eq!(human_delta(86400), "+1 day");
        assert_eq!(human_delta(-3 * 3600 - 120), "-3 h 2 min");
        assert_eq!(human_delta(5), "+5 s");
        assert_eq!(human_delta(0), "+0 s");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 << 20), "3.0 MiB");
    }
}
