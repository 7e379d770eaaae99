//! Pairing members that only one side has: a file renamed because its name carries a build ID or
//! hash (`libfoo-1a2b3c.so`, `app.3f2a.js`), or moved with a directory named after the build
//! path. Exact copies pair by digest at any count; similar contents pair by a similarity score,
//! computed only among few candidates with related names and sizes, so the work stays bounded.
//! Members left under a renamed directory then pair by their path inside it, and the rest by
//! names one token apart (`data.tar.xz` and `data.tar.zst`, a hash or build number changed)
//! when each has exactly one such partner.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;

use rayon::prelude::*;
use reproscope_formats::text::is_text;
use reproscope_formats::{EntryKind, Limits, Member};
use sha2::{Digest, Sha256};

/// Lowest similarity (percent) at which two different contents are taken for one renamed file.
pub const MIN_SIMILARITY: u8 = 60;
/// Most unpaired files per side for which similarity is computed; beyond, only exact copies pair.
const MAX_CANDIDATES: usize = 256;
/// Larger files pair only as exact copies.
const MAX_SIMILAR_SIZE: u64 = 64 << 20;
/// Most bytes read for similarity per container, both sides together.
const SIMILARITY_BUDGET: u64 = 1 << 30;
/// Identical files smaller than this pair only when their names are related: tiny contents
/// (an empty `__init__.py`, a one-line stamp) repeat too often to identify a file.
const MIN_UNRELATED_COPY: u64 = 64;
/// Most candidate pairs weighed per group of identical contents; larger groups pair in order.
const MAX_COPY_PAIRS: usize = 4096;
/// Features kept per file (hash sampling beyond it), so comparing two files is bounded.
const MAX_FEATURES: usize = 4096;

/// A member of the first input and one of the second taken for the same member renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Renamed {
    pub i: usize,
    pub j: usize,
    /// Content similarity in percent, 100 for identical bytes (only then); `None` when paired by
    /// its path inside a renamed directory or by a name one token apart.
    pub similarity: Option<u8>,
}

/// Pairs `removed` members of `m1` (indices) with `added` members of `m2`.
pub fn pair_renamed(m1: &[Member], m2: &[Member], removed: &[usize], added: &[usize], limits: &Limits) -> Vec<Renamed> {
    let c1: Vec<usize> = removed.iter().copied().filter(|&i| eligible(&m1[i])).collect();
    let c2: Vec<usize> = added.iter().copied().filter(|&j| eligible(&m2[j])).collect();
    let mut used1 = HashSet::new();
    let mut used2 = HashSet::new();
    let mut out = Vec::new();
    if !c1.is_empty() && !c2.is_empty() {
        let copies = exact_candidates(m1, m2, &c1, &c2, limits);
        out.extend(choose(m1, m2, copies, &mut used1, &mut used2));
        let r1: Vec<usize> = c1.iter().copied().filter(|i| !used1.contains(i)).collect();
        let r2: Vec<usize> = c2.iter().copied().filter(|j| !used2.contains(j)).collect();
        let similar = similar_candidates(m1, m2, &r1, &r2, limits);
        out.extend(choose(m1, m2, similar, &mut used1, &mut used2));
    }
    out.extend(moved_with_directory(m1, m2, removed, added, &out, &used1, &used2));
    let taken1: HashSet<usize> = out.iter().map(|r| r.i).collect();
    let taken2: HashSet<usize> = out.iter().map(|r| r.j).collect();
    let r1: Vec<usize> = removed.iter().copied().filter(|i| !taken1.contains(i)).collect();
    let r2: Vec<usize> = added.iter().copied().filter(|j| !taken2.contains(j)).collect();
    out.extend(one_token_apart(m1, m2, &r1, &r2));
    out
}

/// Most unpaired members per side weighed by [`one_token_apart`] (its index holds one entry per
/// token of every name).
const MAX_TOKEN_MEMBERS: usize = 50_000;
/// Names with more tokens than this are not weighed.
const MAX_TOKENS: usize = 64;

fn is_separator(c: u8) -> bool {
    matches!(c, b'/' | b'.' | b'_' | b'-')
}

/// The byte ranges of a name's tokens: the runs between separators ('/', '.', '_', '-'), empty
/// ones included, so the separators between them are part of the name's shape.
fn tokens(name: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (k, &c) in name.as_bytes().iter().enumerate() {
        if is_separator(c) {
            out.push((start, k));
            start = k + 1;
        }
    }
    out.push((start, name.len()));
    out
}

/// True when `a` and `b` have the same tokens and separators but for exactly one token, one
/// that [`may_vary`] in both.
fn differ_in_one_token(a: &str, b: &str) -> bool {
    let (ta, tb) = (tokens(a), tokens(b));
    if ta.len() != tb.len() {
        return false;
    }
    let mut differing = Vec::new();
    for (k, (&(s1, e1), &(s2, e2))) in ta.iter().zip(&tb).enumerate() {
        if a[s1..e1] != b[s2..e2] {
            differing.push(k);
        }
        // The separator after the token.
        if k + 1 < ta.len() && a.as_bytes()[e1] != b.as_bytes()[e2] {
            return false;
        }
    }
    matches!(differing[..], [k] if may_vary(a, &ta, k) && may_vary(b, &tb, k))
}

/// Whether token `k` of `name` may be the one that differs in a renamed member: a token with a
/// digit (a hash, build number, version, random suffix) or the extension (the last token,
/// after a '.'), and not the name's only non-empty token. Words elsewhere in a name are what
/// tells one file from another (`doc/new.txt` and `doc/old.txt`, directories `x` and `y`).
fn may_vary(name: &str, t: &[(usize, usize)], k: usize) -> bool {
    let (s, e) = t[k];
    let extension = k + 1 == t.len() && k > 0 && name.as_bytes()[s - 1] == b'.';
    let digit = name[s..e].bytes().any(|c| c.is_ascii_digit());
    let other = t.iter().enumerate().any(|(i, &(a, b))| i != k && a < b);
    (extension || digit) && other
}

/// For each token of a name that [`may_vary`]: a key for "the name with this token left out"
/// (the text before and after it), from FNV-1a hashes of every prefix and suffix, so the keys
/// of a name cost one pass over it. Two names share a key when they differ at most in that one
/// token (or collide: the pairs found are checked).
fn token_keys(name: &str) -> Vec<u64> {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    let b = name.as_bytes();
    let mut prefix = Vec::with_capacity(b.len() + 1);
    let mut h = BASIS;
    prefix.push(h);
    for &c in b {
        h = (h ^ u64::from(c)).wrapping_mul(PRIME);
        prefix.push(h);
    }
    let mut suffix = vec![BASIS; b.len() + 1];
    for k in (0..b.len()).rev() {
        suffix[k] = (suffix[k + 1] ^ u64::from(b[k])).wrapping_mul(PRIME);
    }
    let t = tokens(name);
    (0..t.len())
        .filter(|&k| may_vary(name, &t, k))
        .map(|k| {
            let (s, e) = t[k];
            let mut k = DefaultHasher::new();
            k.write_u64(prefix[s]);
            k.write_u64(suffix[e]);
            k.write_usize(s);
            k.write_usize(b.len() - e);
            k.finish()
        })
        .collect()
}

/// Members whose names are one token apart (same number of tokens, same separators, one token
/// at the same position different, one that [`may_vary`] on both sides) pair when each is the
/// other's only such candidate: a compression suffix changed (`data.tar.xz`, `data.tar.zst`),
/// a random or build suffix (`.gnu.lto_main.0.1a2b...`), a build directory (`build-1234/x.o`).
/// Content is not looked at; the kinds must agree.
fn one_token_apart(m1: &[Member], m2: &[Member], removed: &[usize], added: &[usize]) -> Vec<Renamed> {
    if removed.is_empty() || added.is_empty() || removed.len() > MAX_TOKEN_MEMBERS || added.len() > MAX_TOKEN_MEMBERS {
        return Vec::new();
    }
    // Key → the one member with it (`Some`), or several (`None`).
    let index = |m: &[Member], idx: &[usize]| {
        let mut map: HashMap<u64, Option<usize>> = HashMap::new();
        for &k in idx {
            let name = m[k].name.as_str();
            if tokens(name).len() > MAX_TOKENS {
                continue;
            }
            for key in token_keys(name) {
                map.entry(key).and_modify(|v| *v = None).or_insert(Some(k));
            }
        }
        map
    };
    // The one candidate of each member on the other side, if it has exactly one.
    let only = |m: &[Member], k: usize, other: &HashMap<u64, Option<usize>>| -> Option<usize> {
        let name = m[k].name.as_str();
        if tokens(name).len() > MAX_TOKENS {
            return None;
        }
        let mut found = None;
        for key in token_keys(name) {
            match other.get(&key) {
                None => {}
                Some(None) => return None,
                Some(Some(c)) if found.is_some_and(|f| f != *c) => return None,
                Some(&c) => found = c,
            }
        }
        found
    };
    let (i1, i2) = (index(m1, removed), index(m2, added));
    let mut out = Vec::new();
    for &i in removed {
        let Some(j) = only(m1, i, &i2) else { continue };
        if only(m2, j, &i1) == Some(i)
            && m1[i].kind.label() == m2[j].kind.label()
            && differ_in_one_token(&m1[i].name, &m2[j].name)
        {
            out.push(Renamed { i, j, similarity: None });
        }
    }
    out
}

fn eligible(m: &Member) -> bool {
    m.kind == EntryKind::File && m.data.is_some() && m.size > 0
}

/// (directory, base name) of a '/'-separated member name.
fn split(name: &str) -> (&str, &str) {
    name.rsplit_once('/').unwrap_or(("", name))
}

/// The extension of a base name ("" for none; a leading dot does not start one).
fn extension(base: &str) -> &str {
    match base.rfind('.') {
        Some(k) if k > 0 => &base[k + 1..],
        _ => "",
    }
}

/// How alike two names are, for preferring one candidate pair over another: same base name, same
/// directory, length of the common start of the base names, same extension.
type Affinity = (bool, bool, usize, bool);

fn affinity(a: &str, b: &str) -> Affinity {
    let ((d1, b1), (d2, b2)) = (split(a), split(b));
    let prefix = b1.bytes().zip(b2.bytes()).take_while(|(x, y)| x == y).count();
    (b1 == b2, d1 == d2, prefix, extension(b1) == extension(b2))
}

/// Names that could belong to one file renamed: same base name, directory or extension.
fn related(af: &Affinity) -> bool {
    af.0 || af.1 || af.3
}

/// (similarity, affinity, i, j)
type Candidate = (u8, Affinity, usize, usize);

/// Best candidates first; each member is used once.
fn choose(
    m1: &[Member],
    m2: &[Member],
    mut cands: Vec<Candidate>,
    used1: &mut HashSet<usize>,
    used2: &mut HashSet<usize>,
) -> Vec<Renamed> {
    cands.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(y.1.cmp(&x.1))
            .then(x.2.cmp(&y.2))
            .then(x.3.cmp(&y.3))
    });
    let mut out = Vec::new();
    for (s, _, i, j) in cands {
        if m1[i].kind == m2[j].kind && !used1.contains(&i) && !used2.contains(&j) {
            used1.insert(i);
            used2.insert(j);
            out.push(Renamed {
                i,
                j,
                similarity: Some(s),
            });
        }
    }
    out.sort_by_key(|r| r.i);
    out
}

/// Identical contents: only members whose size occurs on the other side are read and digested.
fn exact_candidates(m1: &[Member], m2: &[Member], c1: &[usize], c2: &[usize], limits: &Limits) -> Vec<Candidate> {
    let sizes1: HashSet<u64> = c1.iter().map(|&i| m1[i].size).collect();
    let sizes2: HashSet<u64> = c2.iter().map(|&j| m2[j].size).collect();
    let need1: Vec<usize> = c1.iter().copied().filter(|&i| sizes2.contains(&m1[i].size)).collect();
    let need2: Vec<usize> = c2.iter().copied().filter(|&j| sizes1.contains(&m2[j].size)).collect();
    let digests = |m: &[Member], idx: &[usize]| -> Vec<(usize, Option<[u8; 32]>)> {
        idx.par_iter().map(|&k| (k, digest(&m[k], limits))).collect()
    };
    let mut groups: HashMap<[u8; 32], (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, h) in digests(m1, &need1) {
        if let Some(h) = h {
            groups.entry(h).or_default().0.push(i);
        }
    }
    for (j, h) in digests(m2, &need2) {
        if let Some(h) = h {
            groups.entry(h).or_default().1.push(j);
        }
    }
    let mut out = Vec::new();
    for (g1, g2) in groups.into_values() {
        if g1.len().saturating_mul(g2.len()) <= MAX_COPY_PAIRS {
            for &i in &g1 {
                for &j in &g2 {
                    let af = affinity(&m1[i].name, &m2[j].name);
                    if m1[i].size >= MIN_UNRELATED_COPY || related(&af) {
                        out.push((100, af, i, j));
                    }
                }
            }
        } else {
            for (&i, &j) in g1.iter().zip(&g2) {
                out.push((100, affinity(&m1[i].name, &m2[j].name), i, j));
            }
        }
    }
    out
}

/// Contents that cannot be read are left unpaired (they stay removed and added).
fn digest(m: &Member, limits: &Limits) -> Option<[u8; 32]> {
    let blob = m.data.as_ref()?.load_with(limits).ok()?;
    let h = Sha256::digest(&blob[..]).into();
    blob.release_all();
    Some(h)
}

/// Similar contents among related names and sizes within a factor of two, when few enough.
fn similar_candidates(m1: &[Member], m2: &[Member], r1: &[usize], r2: &[usize], limits: &Limits) -> Vec<Candidate> {
    if r1.is_empty() || r2.is_empty() || r1.len() > MAX_CANDIDATES || r2.len() > MAX_CANDIDATES {
        return Vec::new();
    }
    let mut pairs = Vec::new();
    for &i in r1 {
        for &j in r2 {
            let (s1, s2) = (m1[i].size, m2[j].size);
            if s1.max(s2) > MAX_SIMILAR_SIZE || s1.max(s2) > 2 * s1.min(s2) {
                continue;
            }
            let af = affinity(&m1[i].name, &m2[j].name);
            if related(&af) {
                pairs.push((af, i, j));
            }
        }
    }
    let in1: HashSet<usize> = pairs.iter().map(|p| p.1).collect();
    let in2: HashSet<usize> = pairs.iter().map(|p| p.2).collect();
    let need1: Vec<usize> = r1.iter().copied().filter(|i| in1.contains(i)).collect();
    let need2: Vec<usize> = r2.iter().copied().filter(|j| in2.contains(j)).collect();
    let bytes: u64 = need1
        .iter()
        .map(|&i| m1[i].size)
        .chain(need2.iter().map(|&j| m2[j].size))
        .sum();
    if pairs.is_empty() || bytes > SIMILARITY_BUDGET {
        return Vec::new();
    }
    let features = |m: &[Member], idx: &[usize]| -> HashMap<usize, Features> {
        idx.par_iter()
            .filter_map(|&k| {
                let blob = m[k].data.as_ref()?.load_with(limits).ok()?;
                let f = Features::of(&blob);
                blob.release_all();
                Some((k, f))
            })
            .collect()
    };
    let (f1, f2) = (features(m1, &need1), features(m2, &need2));
    pairs
        .par_iter()
        .filter_map(|&(af, i, j)| {
            let (a, b) = (f1.get(&i)?, f2.get(&j)?);
            let s = a.similarity(b)?;
            (s >= MIN_SIMILARITY).then_some((s, af, i, j))
        })
        .collect()
}

/// A content summary for similarity: the set of hashes of its pieces (lines of text;
/// content-defined chunks of binary data, so an insertion moves no boundary beyond it), each
/// weighted by its length.
struct Features {
    text: bool,
    /// Only hashes whose lowest `level` bits are zero are kept (the same rule on every file, so
    /// two samples still compare).
    level: u32,
    /// (hash, bytes), sorted, one per hash.
    items: Vec<(u64, u32)>,
}

/// Gear table for the rolling hash, fixed so results never vary between runs.
const GEAR: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut i = 0;
    while i < 256 {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        t[i] = z ^ (z >> 31);
        i += 1;
    }
    t
};
const MIN_CHUNK: usize = 16;
const MAX_CHUNK: usize = 1024;
/// Boundary when the top 6 bits of the rolling hash are zero: chunks of about 80 bytes.
const CHUNK_BITS: u32 = 6;

fn piece_hash(b: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(b);
    h.finish()
}

impl Features {
    fn of(data: &[u8]) -> Features {
        let text = is_text(data);
        let mut items = Vec::new();
        if text {
            for line in data.split_inclusive(|&c| c == b'\n') {
                items.push((piece_hash(line), line.len().min(u32::MAX as usize) as u32));
            }
        } else {
            let (mut h, mut start) = (0u64, 0);
            for (k, &c) in data.iter().enumerate() {
                h = (h << 1).wrapping_add(GEAR[c as usize]);
                let len = k + 1 - start;
                if (len >= MIN_CHUNK && h >> (64 - CHUNK_BITS) == 0) || len >= MAX_CHUNK {
                    items.push((piece_hash(&data[start..=k]), len as u32));
                    start = k + 1;
                }
            }
            if start < data.len() {
                items.push((piece_hash(&data[start..]), (data.len() - start) as u32));
            }
        }
        // A set, not a multiset: a piece repeated (blank lines, closing braces, runs of zero
        // padding) counts once, so it cannot make unrelated files look alike.
        items.sort_unstable();
        items.dedup_by_key(|x| x.0);
        let mut level = 0;
        while items.len() > MAX_FEATURES && level < 63 {
            level += 1;
            let mask = (1u64 << level) - 1;
            items.retain(|(h, _)| h & mask == 0);
        }
        Features { text, level, items }
    }

    /// Percent of bytes in pieces both have (Dice coefficient), at most 99 (100 means identical
    /// bytes, which the exact pass pairs). `None` for text against binary.
    fn similarity(&self, o: &Features) -> Option<u8> {
        if self.text != o.text {
            return None;
        }
        let mask = (1u64 << self.level.max(o.level)) - 1;
        let mut a = self.items.iter().filter(|(h, _)| h & mask == 0).peekable();
        let mut b = o.items.iter().filter(|(h, _)| h & mask == 0).peekable();
        let (mut common, mut total) = (0u64, 0u64);
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    common += u64::from(x.1.min(y.1));
                    total += u64::from(x.1) + u64::from(y.1);
                    a.next();
                    b.next();
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    total += u64::from(x.1);
                    a.next();
                }
                (Some(_), Some(y)) => {
                    total += u64::from(y.1);
                    b.next();
                }
                (Some(x), None) => {
                    total += u64::from(x.1);
                    a.next();
                }
                (None, Some(y)) => {
                    total += u64::from(y.1);
                    b.next();
                }
                (None, None) => break,
            }
        }
        if total == 0 {
            return None;
        }
        Some((common * 200 / total).min(99) as u8)
    }
}

/// Members left under a directory that was renamed (as the content pairs show: `build-abc/x`
/// became `build-def/x`) pair by their path inside it, whatever their kind and content: the
/// directory itself, symlinks, files changed beyond recognition.
fn moved_with_directory(
    m1: &[Member],
    m2: &[Member],
    removed: &[usize],
    added: &[usize],
    renamed: &[Renamed],
    used1: &HashSet<usize>,
    used2: &HashSet<usize>,
) -> Vec<Renamed> {
    if renamed.is_empty() {
        return Vec::new();
    }
    // Only a directory gone from the second input, renamed to one new in it: a file moved
    // between two directories both inputs have says nothing about their other files.
    let (dirs1, dirs2) = (directories(m1), directories(m2));
    let mut votes: HashMap<(&str, &str), usize> = HashMap::new();
    for r in renamed {
        if let Some((p1, p2)) = renamed_prefixes(&m1[r.i].name, &m2[r.j].name) {
            if !dirs2.contains(p1) && !dirs1.contains(p2) {
                *votes.entry((p1, p2)).or_default() += 1;
            }
        }
    }
    // Each old directory maps to the new one most pairs show; a tie is ambiguous and skipped.
    let mut by_old: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
    for ((p1, p2), n) in votes {
        by_old.entry(p1).or_default().push((n, p2));
    }
    let best: HashMap<&str, &str> = by_old
        .into_iter()
        .filter_map(|(p1, mut v)| {
            v.sort_unstable_by(|x, y| y.cmp(x));
            (v.len() == 1 || v[0].0 > v[1].0).then_some((p1, v[0].1))
        })
        .collect();
    if best.is_empty() {
        return Vec::new();
    }
    let added_by_name: HashMap<&str, usize> = added
        .iter()
        .filter(|j| !used2.contains(j))
        .map(|&j| (m2[j].name.as_str(), j))
        .collect();
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for &i in removed.iter().filter(|i| !used1.contains(i)) {
        let name = m1[i].name.as_str();
        // The longest renamed directory containing this member (or being it).
        let mut prefix = name;
        let target = loop {
            if let Some(p2) = best.get(prefix) {
                break Some(format!("{p2}{}", &name[prefix.len()..]));
            }
            match prefix.rsplit_once('/') {
                Some((up, _)) => prefix = up,
                None => break None,
            }
        };
        let Some(j) = target.and_then(|t| added_by_name.get(t.as_str()).copied()) else {
            continue;
        };
        if m1[i].kind.label() == m2[j].kind.label() && taken.insert(j) {
            out.push(Renamed { i, j, similarity: None });
        }
    }
    out
}

/// Every member name and every directory above one.
fn directories(m: &[Member]) -> HashSet<&str> {
    let mut out = HashSet::new();
    for x in m {
        let mut n = x.name.as_str();
        while out.insert(n) {
            match n.rsplit_once('/') {
                Some((up, _)) => n = up,
                None => break,
            }
        }
    }
    out
}

/// For `a/b/x` → `c/b/x`: the directories that differ, ("a", "c"); `None` unless the names share
/// their last component and differ before it.
fn renamed_prefixes<'a>(a: &'a str, b: &'a str) -> Option<(&'a str, &'a str)> {
    let (mut p1, mut p2) = (a, b);
    let mut shared = 0;
    loop {
        let ((d1, b1), (d2, b2)) = (split(p1), split(p2));
        if b1 != b2 || d1.is_empty() || d2.is_empty() {
            break;
        }
        shared += 1;
        (p1, p2) = (d1, d2);
    }
    (shared > 0 && p1 != p2 && p1 != a).then_some((p1, p2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes without repeats (xorshift), as compressed or machine code is close to.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn names_one_token_apart() {
        assert!(differ_in_one_token("data.tar.xz", "data.tar.zst"));
        assert!(differ_in_one_token(
            ".gnu.lto_main.0.1a2b3c4d5e6f7a8b",
            ".gnu.lto_main.0.9f8e7d6c5b4a3928"
        ));
        assert!(differ_in_one_token("build-1234/x.o", "build-5678/x.o"));
        assert!(!differ_in_one_token("data.tar.xz", "data.tar.xz"));
        assert!(!differ_in_one_token("data.tar.xz", "data-tar.zst"));
        assert!(!differ_in_one_token("control.tar.xz", "data.tar.zst"));
        assert!(!differ_in_one_token("a.b", "a.b.c"));
        assert!(!differ_in_one_token("doc/new.txt", "doc/old.txt"));
        // Keys are only made for tokens that may vary: the extension, tokens with digits.
        let keys = |n: &str| token_keys(n);
        let shared = |a: &str, b: &str| keys(a).iter().filter(|k| keys(b).contains(k)).count();
        assert_eq!(shared("data.tar.xz", "data.tar.zst"), 1);
        assert_eq!(shared("build-1234/x.o", "build-5678/x.o"), 1);
        assert_eq!(shared(".gnu.lto_main.0.1a2b3c4d", ".gnu.lto_main.0.9f8e7d6c"), 1);
        assert_eq!(shared("control.tar.xz", "data.tar.zst"), 0);
        assert_eq!(shared("doc/new.txt", "doc/old.txt"), 0);
        assert_eq!(shared("one", "two"), 0);
        assert_eq!(shared("v1", "v2"), 0);
    }

    #[test]
    fn prefixes_of_a_renamed_directory() {
        assert_eq!(
            renamed_prefixes("build-abc/sub/x.o", "build-def/sub/x.o"),
            Some(("build-abc", "build-def"))
        );
        assert_eq!(renamed_prefixes("a/x", "a/y"), None);
        assert_eq!(renamed_prefixes("x", "y/x"), None);
    }

    #[test]
    fn similarity_of_text_and_binary() {
        let lines: Vec<String> = (0..20).map(|i| format!("line number {i:02}\n")).collect();
        let mut changed = lines.clone();
        changed[3] = "LINE NUMBER 03\n".into();
        changed[15] = "LINE NUMBER 15\n".into();
        let (a, b) = (
            Features::of(lines.concat().as_bytes()),
            Features::of(changed.concat().as_bytes()),
        );
        assert_eq!(a.similarity(&b), Some(90));

        let bin = noise(20_000, 1);
        let mut other = bin.clone();
        for k in [100, 5000, 12_000] {
            other[k] ^= 0xff;
        }
        other.splice(8000..8000, [1, 2, 3, 4, 5]);
        let (a, b) = (Features::of(&bin), Features::of(&other));
        let s = a.similarity(&b).unwrap();
        assert!(s >= 95, "{s}");
        let unrelated = noise(20_000, 2);
        assert!(a.similarity(&Features::of(&unrelated)).unwrap() < 10);
        assert_eq!(a.similarity(&Features::of(b"text\n")), None);
    }

    #[test]
    fn sampling_keeps_large_files_comparable() {
        let big = noise(2_000_000, 3);
        let mut other = big.clone();
        other[1_000_000..1_100_000].fill(0);
        let (a, b) = (Features::of(&big), Features::of(&other));
        assert!(
            a.items.len() <= MAX_FEATURES && a.level > 0,
            "{} {}",
            a.items.len(),
            a.level
        );
        let s = a.similarity(&b).unwrap();
        assert!((88..=98).contains(&s), "{s}");
    }
}
