//! Unified line diffs for text content, in the format of `diff -u` without its ---/+++ header.

use crate::align::{changed, Align};

/// Longest diff kept in a report; the rest is cut with a note (a diff is for reading).
pub const MAX_DIFF_LINES: usize = 4000;
/// Lines of context around each change.
const CONTEXT: usize = 3;

/// A unified diff with three lines of context (no ---/+++ header: the node names the sides).
/// Returns the diff and whether it was cut. Deterministic: see [`crate::align`].
pub fn unified(a: &str, b: &str) -> (String, bool) {
    let la: Vec<&str> = a.split_inclusive('\n').collect();
    let lb: Vec<&str> = b.split_inclusive('\n').collect();
    let regions = changed(&la, &lb, Align::Lines);
    let mut out = String::new();
    let mut lines = 0;
    let mut i = 0;
    while i < regions.len() {
        // Changes whose contexts touch or overlap share one hunk.
        let mut j = i;
        while j + 1 < regions.len() && regions[j + 1].0.start - regions[j].0.end <= 2 * CONTEXT {
            j += 1;
        }
        let start_a = regions[i].0.start.saturating_sub(CONTEXT);
        let start_b = start_a + regions[i].1.start - regions[i].0.start;
        let end_a = (regions[j].0.end + CONTEXT).min(la.len());
        let end_b = end_a + regions[j].1.end - regions[j].0.end;
        let hunk_start = out.len();
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(start_a, end_a),
            range(start_b, end_b)
        ));
        let mut pos = start_a;
        for (ra, rb) in &regions[i..=j] {
            for l in &la[pos..ra.start] {
                line(&mut out, ' ', l);
            }
            for l in &la[ra.clone()] {
                line(&mut out, '-', l);
            }
            for l in &lb[rb.clone()] {
                line(&mut out, '+', l);
            }
            pos = ra.end;
        }
        for l in &la[pos..end_a] {
            line(&mut out, ' ', l);
        }
        lines += out[hunk_start..].bytes().filter(|&c| c == b'\n').count();
        if lines > MAX_DIFF_LINES {
            return (out, true);
        }
        i = j + 1;
    }
    (out, false)
}

/// A hunk header's range, as `diff -u` writes it: 1-based start and length, the length left
/// out when it is 1, and the line before when it is empty.
fn range(start: usize, end: usize) -> String {
    match end - start {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

fn line(out: &mut String, tag: char, l: &str) {
    out.push(tag);
    out.push_str(l);
    if !l.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn unified_has_hunks() {
        let (d, cut) = unified("a\nb\nc\n", "a\nB\nc\n");
        assert!(!cut);
        assert_eq!(d, "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    }

    #[test]
    fn hunks_are_joined_or_split_by_their_context() {
        let a: String = (1..=20).map(|i| format!("<{i}>\n")).collect();
        let b = a.replace("<2>", "two").replace("<19>", "nineteen");
        let (d, _) = unified(&a, &b);
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(
            d.starts_with("@@ -1,5 +1,5 @@\n <1>\n-<2>\n+two\n <3>\n <4>\n <5>\n"),
            "{d}"
        );
        assert!(
            d.contains("@@ -16,5 +16,5 @@\n <16>\n <17>\n <18>\n-<19>\n+nineteen\n <20>\n"),
            "{d}"
        );
        let c = a.replace("<5>", "five").replace("<10>", "ten");
        assert_eq!(unified(&a, &c).0.matches("@@ -").count(), 1);
    }

    #[test]
    fn missing_final_newline_and_empty_sides() {
        let (d, _) = unified("a\nb", "a\nc");
        assert_eq!(
            d,
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(unified("", "x\n").0, "@@ -0,0 +1 @@\n+x\n");
        assert_eq!(unified("x\n", "").0, "@@ -1 +0,0 @@\n-x\n");
    }

    /// Two long texts with nothing in common: the work is bounded by their sizes, not a clock.
    #[test]
    fn unrelated_texts_are_diffed_in_full() {
        let a: String = (0..20_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..20_000).map(|i| format!("b{i}\n")).collect();
        let (d, cut) = unified(&a, &b);
        assert!(cut);
        assert_eq!(d, unified(&a, &b).0);
    }
}
