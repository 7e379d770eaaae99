//! Renderers for the Difference tree. They know no formats: only the tree's typed data.

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
    fn deltas_and_sizes() {
        assert_eq!(human_delta(86400), "+1 day");
        assert_eq!(human_delta(-3 * 3600 - 120), "-3 h 2 min");
        assert_eq!(human_delta(5), "+5 s");
        assert_eq!(human_delta(0), "+0 s");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(3 << 20), "3.0 MiB");
    }
}
