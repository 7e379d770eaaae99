//! Unified line diffs for text content.

use similar::TextDiff;

/// Longest diff kept in a report; the rest is cut with a note (a diff is for reading).
pub const MAX_DIFF_LINES: usize = 4000;

/// A unified diff with three lines of context (no ---/+++ header: the node names the sides).
/// Returns the diff and whether it was cut.
pub fn unified(a: &str, b: &str) -> (String, bool) {
    let diff = TextDiff::configure()
        .timeout(std::time::Duration::from_secs(5))
        .diff_lines(a, b);
    let mut out = String::new();
    let mut lines = 0;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let h = hunk.to_string();
        lines += h.lines().count();
        out.push_str(&h);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        if lines > MAX_DIFF_LINES {
            return (out, true);
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unified_has_hunks() {
        let (d, cut) = super::unified("a\nb\nc\n", "a\nB\nc\n");
        assert!(!cut);
        assert!(d.starts_with("@@ -1,3 +1,3 @@"), "{d}");
        assert!(d.contains("-b\n+B\n"), "{d}");
    }
}
