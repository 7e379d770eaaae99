//! Sequence alignment for every diff the engine and explainer make (text lines, JSON array
//! elements, tokens), through imara-diff. Its Myers search aborts early by a cost bound that
//! depends on the input sizes only, and its histogram diff falls back to that Myers on
//! repetitive input, so the work is bounded without a clock: the same inputs give the same
//! diff on any machine, under any load.

use std::hash::Hash;
use std::ops::Range;

use imara_diff::{Algorithm, Diff, InternedInput, Interner};

/// Which alignment: `Lines` reads best for text (histogram, slid to indentation boundaries);
/// `Tokens` suits small repeated items (Myers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Lines,
    Tokens,
}

/// The changed regions of `b` against `a`, in order: each a range of `a` replaced by a range of
/// `b` (either may be empty). Everything between consecutive regions is equal.
pub fn changed<T: Hash + Eq>(a: &[T], b: &[T], how: Align) -> Vec<(Range<usize>, Range<usize>)> {
    let mut input = InternedInput {
        before: Vec::new(),
        after: Vec::new(),
        interner: Interner::new(a.len() + b.len()),
    };
    input.update_before(a.iter());
    input.update_after(b.iter());
    let diff = match how {
        Align::Lines => Diff::compute(Algorithm::Histogram, &input),
        Align::Tokens => Diff::compute(Algorithm::Myers, &input),
    };
    diff.hunks()
        .map(|h| {
            (
                h.before.start as usize..h.before.end as usize,
                h.after.start as usize..h.after.end as usize,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_cover_exactly_the_changes() {
        let a = ["a", "b", "c", "d"];
        let b = ["a", "x", "c", "d", "e"];
        for how in [Align::Lines, Align::Tokens] {
            assert_eq!(changed(&a, &b, how), vec![(1..2, 1..2), (4..4, 4..5)]);
            assert!(changed(&a, &a, how).is_empty());
        }
    }
}
