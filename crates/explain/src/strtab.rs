//! A node's string table in the two inputs (`Evidence::strings`), aligned by content once: the
//! strings that changed, whether they are only the same strings in another order, and how far
//! the others moved. The content rule reads the changes from it; the shift check reads the
//! moves and the reorder of a sibling table.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use reproscope_diff::align::{changed, Align};

use crate::causes::FILE_ORDER;
use crate::classify;

/// Most distinct moves kept per table.
const MAX_MOVES: usize = 256;

pub struct TableDiff<'a> {
    /// Strings only the first input has where they changed, and only the second has, in order.
    pub removed: Vec<&'a str>,
    pub added: Vec<&'a str>,
    /// When the changed strings are the same ones in another order: the cause of that order
    /// (`locale` or `file-order`) and the reordered block of each side (from the first change
    /// to the last: the moved strings alone keep their relative order).
    pub reorder: Option<(&'static str, Vec<String>, Vec<String>)>,
    /// The byte extent of the reordered block (0 when not a reorder): pointers at the table
    /// move by no more.
    pub span: u64,
    /// How far strings present on both sides moved (second offset minus first), distinct.
    pub moves: BTreeSet<i64>,
}

pub fn diff(st: &[Vec<(u64, String)>; 2]) -> TableDiff<'_> {
    let ta: Vec<&str> = st[0].iter().map(|x| x.1.as_str()).collect();
    let tb: Vec<&str> = st[1].iter().map(|x| x.1.as_str()).collect();
    let (ra, rb): (Vec<Range<usize>>, Vec<Range<usize>>) = changed(&ta, &tb, Align::Tokens).into_iter().unzip();
    let indices =
        |rs: &[Range<usize>], n: usize| -> Vec<usize> { rs.iter().flat_map(Clone::clone).filter(|&i| i < n).collect() };
    let (ia, ib) = (indices(&ra, ta.len()), indices(&rb, tb.len()));
    let removed: Vec<&str> = ia.iter().map(|&i| ta[i]).collect();
    let added: Vec<&str> = ib.iter().map(|&i| tb[i]).collect();

    let (mut x, mut y) = (removed.clone(), added.clone());
    x.sort_unstable();
    y.sort_unstable();
    let (mut reorder, mut span) = (None, 0);
    if !x.is_empty() && x == y {
        let block = |t: &[&str], rs: &[Range<usize>]| -> Vec<String> {
            let lo = rs.iter().map(|r| r.start).min().unwrap_or(0);
            let hi = rs.iter().map(|r| r.end).max().unwrap_or(0).min(t.len());
            t[lo.min(hi)..hi].iter().map(|s| s.to_string()).collect()
        };
        let (xs, ys) = (block(&ta, &ra), block(&tb, &rb));
        let cause = classify::order_cause(&xs, &ys).unwrap_or(FILE_ORDER);
        reorder = Some((cause, xs, ys));
        let extent = |v: &[(u64, String)], idx: &[usize]| -> u64 {
            let lo = idx.iter().map(|&i| v[i].0).min().unwrap_or(0);
            let hi = idx.iter().map(|&i| v[i].0 + v[i].1.len() as u64 + 1).max().unwrap_or(0);
            hi.saturating_sub(lo)
        };
        span = extent(&st[0], &ia).max(extent(&st[1], &ib));
    }

    let mut moves = BTreeSet::new();
    let mut add = |m: i64| {
        if m != 0 && moves.len() < MAX_MOVES {
            moves.insert(m);
        }
    };
    // Equal strings between the changed regions, in step (exact, repeated strings included).
    let (mut i, mut j) = (0, 0);
    let end = (ta.len()..ta.len(), tb.len()..tb.len());
    for (x, y) in ra.iter().zip(&rb).chain(std::iter::once((&end.0, &end.1))) {
        while i < x.start && j < y.start {
            add(st[1][j].0 as i64 - st[0][i].0 as i64);
            i += 1;
            j += 1;
        }
        i = x.end;
        j = y.end;
    }
    // A string replaced by another (a path that changed): a pointer at it now points at the
    // replacement, in order.
    for (&i, &j) in ia.iter().zip(&ib) {
        add(st[1][j].0 as i64 - st[0][i].0 as i64);
    }
    // Strings that changed place: each one's move to where it is now.
    let mut place: HashMap<&str, u64> = HashMap::new();
    for &k in &ib {
        place.entry(tb[k]).or_insert(st[1][k].0);
    }
    for &k in &ia {
        if let Some(&p) = place.get(ta[k]) {
            add(p as i64 - st[0][k].0 as i64);
        }
    }
    TableDiff {
        removed,
        added,
        reorder,
        span,
        moves,
    }
}
