//! Rules that need the whole tree: a change is derived only when a check confirms it follows
//! from another one, never by guess.
//! - [`digests`]: a changed digest or checksum (a line of `md5sums`, `RECORD`, `SHA256SUMS`, a
//!   `.buildinfo`, a CRC in a binary) whose new value is the digest of content that changed
//!   elsewhere in the tree follows from that content.
//! - [`shifts`]: bytes that changed only because something earlier in the same file grew or
//!   shrank (displacements, offsets, relocation addends, table entries) move by exactly that
//!   growth, as the differences of the words that hold them show.
//! - [`versions`]: a version change claims the content changes as its consequences, so the root
//!   cause ranks first.

use std::collections::{BTreeSet, HashMap};

use reproscope_diff::{ByteRange, Change, Difference};
use reproscope_formats::Value;

use crate::causes::*;
use crate::strtab;
use crate::{main_causes, Node, Part, Unit};

/// A changed value that may be a digest of other content.
#[derive(Clone, Debug)]
pub struct Pending {
    /// Candidate digests (raw bytes) in the second input and in the first.
    new: Vec<Vec<u8>>,
    old: Vec<Vec<u8>>,
    /// Names next to them ("usr/bin/xz"), for a weaker link when the content was too large to
    /// hash.
    named: Vec<String>,
    /// `new` and `old` are the raw bytes of a changed range, to be read as windows.
    windows: bool,
    /// The cause the change gets when no check confirms it.
    fallback: &'static str,
    fallback_ctx: &'static str,
}

/// Digest lengths in bytes: CRC-32, MD5, SHA-1, SHA-256, SHA-512.
const DIGEST_LENGTHS: [usize; 5] = [4, 16, 20, 32, 64];

fn hex_value(t: &str) -> Option<Vec<u8>> {
    if !t.len().is_multiple_of(2) || !t.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok())
        .collect()
}

/// Base64 (standard or URL-safe, padding optional), as wheel `RECORD` files write SHA-256.
fn base64_value(t: &str) -> Option<Vec<u8>> {
    let t = t.trim_end_matches('=');
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The digests a line may hold: hex runs of a digest's length, and base64 runs that decode to
/// one (after `=` or on their own); and the other words of the line, which may name the file.
fn line_digests(line: &str) -> (Vec<Vec<u8>>, Vec<String>) {
    let mut digests = Vec::new();
    let mut names = Vec::new();
    for word in line.split(|c: char| c.is_whitespace() || c == ',' || c == '"' || c == '\'') {
        let word = word.trim_start_matches('*');
        if word.is_empty() {
            continue;
        }
        // "sha256=..." (RECORD), "SHA256 (file) = ..." (BSD style) give the value after '='.
        let value = word.rsplit_once('=').map_or(word, |(_, v)| v);
        let value = if value.is_empty() { word } else { value };
        let d = hex_value(value)
            .filter(|d| DIGEST_LENGTHS[1..].contains(&d.len()))
            .or_else(|| {
                (value.len() >= 22 && word.contains('='))
                    .then(|| base64_value(value))
                    .flatten()
                    .filter(|d| DIGEST_LENGTHS[1..].contains(&d.len()))
            });
        match d {
            Some(d) => digests.push(d),
            None if word.contains('/') || word.contains('.') => {
                names.push(word.trim_start_matches("./").trim_start_matches('/').to_string());
            }
            None => {}
        }
    }
    (digests, names)
}

impl Pending {
    /// A changed text line holding a digest that changed, if it is one.
    pub fn from_text(a: &str, b: &str, fallback: &'static str, ctx: &'static str) -> Option<Pending> {
        let (old, _) = line_digests(a);
        let (new, named) = line_digests(b);
        let new: Vec<Vec<u8>> = new.into_iter().filter(|d| !old.contains(d)).collect();
        if new.is_empty() {
            return None;
        }
        Some(Pending {
            new,
            old,
            named,
            windows: false,
            fallback,
            fallback_ctx: ctx,
        })
    }

    /// A changed byte range that may hold a digest: every window of a digest's length over it.
    pub fn from_bytes(a: &[u8], b: &[u8], fallback: &'static str, ctx: &'static str) -> Option<Pending> {
        if a.is_empty() || b.is_empty() || a.len() != b.len() || a.len() > 2 * 64 {
            return None;
        }
        // The windows are taken only when the tree has digests to look them up in.
        Some(Pending {
            new: vec![b.to_vec()],
            old: vec![a.to_vec()],
            named: Vec::new(),
            windows: true,
            fallback,
            fallback_ctx: ctx,
        })
    }

    /// The candidate digests of the second input and of the first: for bytes, every window of
    /// a digest's length over the range (the changed bytes with a little context).
    fn candidates(&self) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
        if !self.windows {
            return (self.new.clone(), self.old.clone());
        }
        let windows = |s: &[Vec<u8>]| -> Vec<Vec<u8>> {
            let s = s.first().map_or(&[][..], Vec::as_slice);
            DIGEST_LENGTHS
                .iter()
                .flat_map(|&n| s.windows(n).map(<[u8]>::to_vec))
                .collect()
        };
        (windows(&self.new), windows(&self.old))
    }
}

/// The bytes of each listed range on both sides, as far as the hex rows of the unified diff
/// show them (the first few ranges; empty when not shown).
pub fn range_bytes(u: &str, ranges: &[ByteRange]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let rows = hex_rows(u);
    let get = |side: usize, off: u64, len: u64| -> Vec<u8> { row_bytes(&rows[side], off, len) };
    ranges
        .iter()
        .map(|r| (get(0, r.offset, r.len1), get(1, r.offset, r.len2)))
        .collect()
}

/// `len` bytes (at most 256) at `off` of one side's hex rows; empty when not all are shown.
fn row_bytes(rows: &HashMap<u64, Vec<u8>>, off: u64, len: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for o in off..off.saturating_add(len.min(256)) {
        match rows.get(&(o & !15)).and_then(|r| r.get((o & 15) as usize)) {
            Some(&b) => out.push(b),
            None => return Vec::new(),
        }
    }
    out
}

/// When every changed range lies in a 4-byte little-endian word that holds a Unix time on both
/// sides (2000 to 2038, less than a year apart: a build time compiled in as a number, a
/// `time_t` in a header), the first such pair. A random word passes that by chance about once
/// in two thousand; four letters of text pass it always, so words of printable bytes on both
/// sides are not one.
pub fn epoch_words(u: &str, ranges: &[ByteRange]) -> Option<(i64, i64)> {
    const LO: i64 = 946_684_800; // 2000-01-01
    const HI: i64 = 1 << 31; // 2038-01-19, the end of 32-bit time
    if ranges.is_empty() || ranges.iter().any(|r| r.len1 != r.len2 || r.len1 == 0 || r.len1 > 4) {
        return None;
    }
    let rows = hex_rows(u);
    let text = |side: usize, at: u64| row_bytes(&rows[side], at, 4).iter().all(|c| (0x20..0x7f).contains(c));
    let time = |side: usize, at: u64| -> Option<i64> {
        let b = row_bytes(&rows[side], at, 4);
        let v = i64::from(u32::from_le_bytes(b.try_into().ok()?));
        (LO..HI).contains(&v).then_some(v)
    };
    let mut first = None;
    for r in ranges {
        let end = r.offset + r.len1;
        let found = (end.saturating_sub(4)..=r.offset).find_map(|at| {
            if text(0, at) && text(1, at) {
                return None;
            }
            let (x, y) = (time(0, at)?, time(1, at)?);
            (x != y && (x - y).abs() < 366 * 86400).then_some((x, y))
        })?;
        first.get_or_insert(found);
    }
    first
}

/// Whether both sides of a node that changed throughout (the changed ranges span at least nine
/// tenths of it, its size the same) look like random bytes in the hex rows shown: about as many
/// distinct byte values as random bytes of that length have, hardly a byte in the same place
/// equal, no text. A key, a seed or a nonce written by the build; text, code and tables repeat
/// bytes far more.
pub fn random_bytes(u: &str, d: &Difference) -> bool {
    let (Some(n1), Some(n2)) = (d.size1, d.size2) else {
        return false;
    };
    let changed: u64 = d.byte_ranges.iter().map(|r| r.len1).sum();
    if n1 != n2 || n1 < 16 || d.byte_range_count != d.byte_ranges.len() || changed * 10 < n1 * 9 {
        return false;
    }
    let rows = hex_rows(u);
    let bytes = |side: usize| -> Vec<u8> {
        let mut offs: Vec<&u64> = rows[side].keys().collect();
        offs.sort();
        offs.into_iter().flat_map(|o| rows[side][o].clone()).collect()
    };
    let (a, b) = (bytes(0), bytes(1));
    let n = a.len().min(b.len());
    if n < 16 || (n as u64) < n1.min(48) {
        return false;
    }
    let looks_random = |v: &[u8]| {
        let mut seen = [false; 256];
        v.iter().for_each(|&c| seen[c as usize] = true);
        let distinct = seen.iter().filter(|&&x| x).count() as f64;
        let expected = 256.0 * (1.0 - (1.0 - 1.0 / 256.0f64).powi(v.len() as i32));
        let text = v.windows(10).any(|w| w.iter().all(|c| (0x20..0x7f).contains(c)));
        distinct >= 0.85 * expected && !text
    };
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    looks_random(&a[..n]) && looks_random(&b[..n]) && same * 10 <= n
}

fn hex_rows(u: &str) -> [HashMap<u64, Vec<u8>>; 2] {
    let mut rows: [HashMap<u64, Vec<u8>>; 2] = [HashMap::new(), HashMap::new()];
    for line in u.lines() {
        let side = match line.as_bytes().first() {
            Some(b'-') => 0,
            Some(b'+') => 1,
            _ => continue,
        };
        let Some((off, rest)) = line[1..].split_once(": ") else {
            continue;
        };
        let Ok(off) = u64::from_str_radix(off, 16) else {
            continue;
        };
        let hex: String = rest.chars().take(40).filter(|c| c.is_ascii_hexdigit()).collect();
        if let Some(v) = hex_value(&hex) {
            rows[side].insert(off, v);
        }
    }
    rows
}

/// Runs of at least 16 hex digits in a string, lower-cased.
fn hex_runs(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|r| r.len() >= 16)
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Resolves pending digests: derived from the node whose bytes they are the digest of (the
/// second input's digest, and the first's when it is known), else from a changed node named on
/// the line when that node was too large to hash; otherwise the change keeps its own cause.
pub fn digests(d: &Difference, all: &[Node], units: &mut [Unit]) {
    // Build IDs of the second input, by node: a debug link, a `Build-Ids:` line or a debug
    // file's name made of one follows from it.
    let mut build_ids: Vec<(String, usize)> = Vec::new();
    for (k, (_, _, n)) in all.iter().enumerate() {
        for f in n.fields.iter().filter(|f| f.name.ends_with("build-id")) {
            if let Some(v) = &f.after {
                build_ids.push((v.to_string().to_ascii_lowercase(), k));
            }
        }
    }
    let build_id_of = |s: &str| -> Option<usize> {
        hex_runs(s)
            .into_iter()
            .find_map(|h| build_ids.iter().find(|(id, _)| id.contains(&h)).map(|(_, k)| *k))
    };
    // Digest bytes (and CRC-32 in both byte orders) of each side → the node.
    let mut by_digest: [HashMap<Vec<u8>, usize>; 2] = [HashMap::new(), HashMap::new()];
    for (k, (_, _, n)) in all.iter().enumerate() {
        if let Some(ds) = &n.evidence.digests {
            for (side, g) in ds.iter().enumerate() {
                for v in [
                    g.md5.to_vec(),
                    g.sha1.to_vec(),
                    g.sha256.to_vec(),
                    g.sha512.clone(),
                    g.crc32.to_le_bytes().to_vec(),
                    g.crc32.to_be_bytes().to_vec(),
                ] {
                    if !v.is_empty() {
                        by_digest[side].entry(v).or_insert(k);
                    }
                }
            }
        }
    }
    let changed = |n: &Difference| n.change != Change::Changed || n.has_own_change() || !n.details.is_empty();
    // What a change derived from a node follows: the node's main cause (worked out only when
    // something here may be derived).
    let may_derive = !build_ids.is_empty() || units.iter().any(|u| u.pending.is_some());
    let mains = if may_derive {
        main_causes(d, units)
    } else {
        HashMap::new()
    };
    let main_of = |k: usize| mains.get(&all[k].0).map(|m| m.0);
    let index: HashMap<&[usize], usize> = all
        .iter()
        .enumerate()
        .map(|(k, (at, _, _))| (at.as_slice(), k))
        .collect();
    for u in units.iter_mut() {
        let Some(p) = u.pending.take() else { continue };
        let (new, old) = if by_digest[1].is_empty() && build_ids.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            p.candidates()
        };
        let confirmed = new
            .iter()
            .filter_map(|v| by_digest[1].get(v))
            .find(|&&k| all[k].0 != u.node && (old.is_empty() || old.iter().any(|o| by_digest[0].get(o) == Some(&k))))
            .or_else(|| {
                new.iter()
                    .filter_map(|v| by_digest[1].get(v))
                    .find(|&&k| all[k].0 != u.node)
            })
            .copied();
        // Too large to hash: a changed node named on the line, without digests of its own.
        let named = || {
            p.named.iter().find_map(|name| {
                all.iter().position(|(at, path, n)| {
                    *at != u.node
                        && n.evidence.digests.is_none()
                        && changed(n)
                        && (path == name || path.ends_with(&format!("/{name}")))
                })
            })
        };
        match confirmed.or_else(|| if p.named.is_empty() { None } else { named() }) {
            Some(k) => {
                u.derived = true;
                u.derived_from = Some(all[k].1.clone());
                u.root = main_of(k);
                if confirmed.is_none() {
                    u.evidence.push_str(" (named content too large to hash: not checked)");
                }
            }
            None => match new.iter().find_map(|v| build_id_of(&reproscope_formats::hex(v))) {
                // The build ID of a binary that changed (a `Build-Ids:` line).
                Some(k) => {
                    u.derived = true;
                    u.cause = BUILD_ID;
                    u.derived_from = Some(all[k].1.clone());
                    u.root = main_of(k);
                }
                None => {
                    u.derived = false;
                    u.cause = p.fallback;
                    u.context = p.fallback_ctx;
                }
            },
        }
    }
    // Then what holds a build ID (a debug link's file name, a debug file's path).
    for u in units.iter_mut() {
        if !u.derived && u.cause != BUILD_ID && !build_ids.is_empty() {
            // What the second input shows: the field's value, or the strings of the ranges.
            let node = index.get(u.node.as_slice()).map(|&k| all[k].2);
            let shown: Vec<String> = match (u.part, node) {
                (Part::Field(i), Some(n)) => n
                    .fields
                    .get(i)
                    .filter(|f| !f.name.ends_with("build-id"))
                    .and_then(|f| f.after.as_ref())
                    .map(|v| vec![v.to_string()])
                    .unwrap_or_default(),
                (Part::Content, Some(n)) if !u.ranges.is_empty() => u
                    .ranges
                    .iter()
                    .filter_map(|&r| n.evidence.range_strings.get(r).map(|s| s.1.clone()))
                    .collect(),
                // Read as a string table: the strings only the second input has.
                (Part::Content, Some(n)) => n
                    .evidence
                    .strings
                    .as_deref()
                    .map(|[x, y]| {
                        y.iter()
                            .filter(|s| !x.iter().any(|t| t.1 == s.1))
                            .map(|s| s.1.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            if !shown.is_empty() {
                if let Some(k) = shown
                    .iter()
                    .map(|s| build_id_of(s))
                    .collect::<Option<Vec<usize>>>()
                    .and_then(|v| v.first().copied())
                {
                    u.derived = true;
                    u.cause = BUILD_ID;
                    u.derived_from = Some(all[k].1.clone());
                    u.root = main_of(k);
                }
            }
        }
    }
}

/// Content changes of byte ranges that all moved by how much something before them in the same
/// file grew or shrank: derived from that growth.
pub fn shifts(all: &[Node], units: &mut [Unit]) {
    let index: HashMap<&[usize], usize> = all
        .iter()
        .enumerate()
        .map(|(k, (at, _, _))| (at.as_slice(), k))
        .collect();
    // What the children of a node tell about their siblings (string moves, a reordered table's
    // extent and order), worked out once per parent.
    type Family = (Option<&'static str>, BTreeSet<i64>, u64);
    let mut families: HashMap<usize, Family> = HashMap::new();
    let mut family = |pk: usize| -> Family { families.entry(pk).or_insert_with(|| children_tables(all[pk].2)).clone() };
    for u in units.iter_mut() {
        if u.derived || u.cause != CONTENT || u.part != Part::Content || u.ranges.is_empty() {
            continue;
        }
        let Some(&k) = index.get(u.node.as_slice()) else {
            continue;
        };
        let node = all[k].2;
        let pk = index
            .get(&u.node[..u.node.len().saturating_sub(1)])
            .copied()
            .unwrap_or(k);
        // Entries in another order (and pointers at strings that moved): what they list was
        // reordered.
        let (sibling_order, moves, span) = family(pk);
        if let (Some(w), Some(order)) = (&node.evidence.word_changes, sibling_order) {
            let parent = all[index
                .get(&u.node[..u.node.len().saturating_sub(1)])
                .copied()
                .unwrap_or(k)]
            .2;
            if w.iter().all(|(x, y)| moves.contains(&(y.wrapping_sub(*x) as i64))) || points_at_strings(parent, w) {
                u.derived = true;
                u.cause = OFFSET_SHIFT;
                u.root = Some(order);
                u.evidence = format!(
                    "{}: the same entries in another order, pointing at strings that moved",
                    u.path
                );
                continue;
            }
        }
        // The same entries in another order and nothing that reordered them: a table built in
        // the order its inputs were found (object files, plugins listed by readdir).
        if node.evidence.word_changes.as_ref().is_some_and(Vec::is_empty) {
            u.cause = FILE_ORDER;
            u.evidence = format!("{}: the same table entries in another order", u.path);
            continue;
        }
        let deltas = &node.evidence.range_deltas;
        if deltas.len() != node.byte_ranges.len() || node.byte_ranges.is_empty() {
            continue;
        }
        // Only when every listed range was looked at (a few unlisted ones may stay unchecked
        // when many are listed: a real change would not match the growth in all of them).
        let listed = node.byte_ranges.len();
        if node.byte_range_count > listed && listed < 8 {
            continue;
        }
        // The growths in this node's file: its siblings' changes in size and in position, and
        // strings that changed length.
        let parent = &u.node[..u.node.len().saturating_sub(1)];
        let Some(&pk) = index.get(parent) else { continue };
        let mut growth: BTreeSet<i64> = BTreeSet::new();
        let mut grower: Option<(usize, i64)> = None;
        for (ci, c) in all[pk].2.details.iter().enumerate() {
            if c.change != Change::Changed {
                continue;
            }
            let mut at = parent.to_vec();
            at.push(ci);
            let mut local = Vec::new();
            if let (Some(x), Some(y)) = (c.size1, c.size2) {
                local.push(y as i64 - x as i64);
            }
            for f in &c.fields {
                if let (Some(Value::Offset(x)), Some(Value::Offset(y))) = (&f.before, &f.after) {
                    local.push(*y as i64 - *x as i64);
                }
            }
            for (x, y) in &c.evidence.range_strings {
                local.push(y.len() as i64 - x.len() as i64);
            }
            for g in local.into_iter().filter(|g| *g != 0) {
                growth.insert(g);
                growth.insert(-g);
                if at != u.node && grower.is_none_or(|(_, best)| g.abs() > best.abs()) && c.size1 != c.size2 {
                    grower = Some((ci, g));
                }
            }
        }
        if growth.is_empty() && all[pk].2.details.iter().all(|c| c.evidence.strings.is_none()) {
            continue;
        }
        // A relative pointer from one moved section into another (an unwind table's entries,
        // relative to its own header, at code or frames that moved by other amounts) changes
        // by the difference of the two moves.
        let moved: Vec<i64> = growth.iter().copied().filter(|g| *g > 0).take(32).collect();
        for x in &moved {
            for y in &moved {
                if x != y {
                    growth.insert(x - y);
                }
            }
        }
        // Strings that moved inside a section (a table that grew or was reordered) move what
        // points at them by as much, plus how far the section itself moved.
        let shifts: Vec<i64> = growth.iter().copied().chain(std::iter::once(0)).collect();
        for m in &moves {
            for g in &shifts {
                growth.insert(m + g);
                growth.insert(-(m + g));
            }
        }
        // A reordered string table moves each string by at most the table's extent: pointers
        // at it change by no more.
        let fits = |v: &i64| growth.contains(v) || (span > 0 && v.unsigned_abs() <= span);
        let explained = u.ranges.iter().all(|&r| {
            deltas
                .get(r)
                .is_some_and(|runs| !runs.is_empty() && runs.iter().all(|c| c.iter().any(fits)))
        });
        if !explained {
            continue;
        }
        let from = grower.map(|(ci, _)| {
            let mut at = parent.to_vec();
            at.push(ci);
            at
        });
        let from_path = from
            .as_ref()
            .and_then(|at| index.get(at.as_slice()))
            .map(|&k| all[k].1.clone())
            .unwrap_or_else(|| all[pk].1.clone());
        u.derived = true;
        u.cause = OFFSET_SHIFT;
        u.derived_from = Some(from_path);
        u.evidence = format!(
            "{}: {} changed byte range{} where the words moved by a size change before them",
            u.path,
            node.byte_range_count,
            if node.byte_range_count == 1 { "" } else { "s" }
        );
    }
}

/// Whether every changed word points at the start of a string of a sibling's string table in
/// its own input (first values into the first input's strings, second into the second's), for
/// one load address of that table: pointers at strings that were reordered.
fn points_at_strings(parent: &Difference, words: &[(u64, u64)]) -> bool {
    let Some(&(x0, _)) = words.first() else { return false };
    for c in &parent.details {
        let Some(st) = &c.evidence.strings else { continue };
        let starts: [std::collections::HashSet<u64>; 2] =
            [st[0].iter().map(|s| s.0).collect(), st[1].iter().map(|s| s.0).collect()];
        // Each string of the first input the first word could point at gives a load address.
        for o in &starts[0] {
            let Some(base) = x0.checked_sub(*o) else { continue };
            let hits = |v: u64, side: usize| v.checked_sub(base).is_some_and(|off| starts[side].contains(&off));
            if words.iter().all(|(x, y)| hits(*x, 0) && hits(*y, 1)) {
                return true;
            }
        }
    }
    false
}

/// What the string tables of a node's children say about their siblings: the first reorder's
/// cause, every unchanged string's move, and the largest reordered table's extent.
fn children_tables(parent: &Difference) -> (Option<&'static str>, BTreeSet<i64>, u64) {
    let (mut order, mut moves, mut span) = (None, BTreeSet::new(), 0);
    for st in parent.details.iter().filter_map(|c| c.evidence.strings.as_deref()) {
        let t = strtab::diff(st);
        order = order.or(t.reorder.map(|r| r.0));
        moves.extend(t.moves);
        span = span.max(t.span);
    }
    (order, moves, span)
}

/// A version change claims the content changes: they follow from the new version, and the
/// version is what the user has to look at first.
pub fn versions(units: &mut [Unit]) {
    let Some(v) = units
        .iter()
        .filter(|u| !u.derived && u.cause == INPUT_VERSION)
        .min_by_key(|u| u.node.len())
        .map(|u| u.path.clone())
    else {
        return;
    };
    for u in units.iter_mut() {
        if !u.derived && u.cause == CONTENT {
            u.derived = true;
            u.derived_from = Some(v.clone());
            u.root = Some(INPUT_VERSION);
        } else if u.derived && u.root == Some(CONTENT) {
            u.root = Some(INPUT_VERSION);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_compiled_in() {
        let range = |offset, len| ByteRange {
            offset,
            len1: len,
            len2: len,
        };
        // mov $0x65a03c40, %eax (2024-01-11 19:06:40), then a day later.
        let u = "@@ offset 0x41 @@\n-00000040: b840 3ca0 6589 c7e8 0000 0000 0000 0000  .@<.e...........\n+00000040: b8c0 8da1 6589 c7e8 0000 0000 0000 0000  ....e...........\n";
        assert_eq!(epoch_words(u, &[range(0x41, 3)]), Some((1705000000, 1705086400)));
        // Four letters read as a number are a time too: text on both sides is not one.
        let u = "@@ offset 0x4 @@\n-00000000: 0100 0200 7465 7874 0025 7320 2d3e 2025  ....text.%s -> %\n+00000000: 0100 0200 776f 7264 0025 7320 2d3e 2025  ....word.%s -> %\n";
        assert_eq!(epoch_words(u, &[range(0x4, 3)]), None);
    }

    #[test]
    fn digests_on_lines() {
        let (d, n) = line_digests("b20ce762f451b1e8003d4ebbb9ca9e5c  usr/share/doc/xz-utils/changelog.Debian.gz");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].len(), 16);
        assert_eq!(n, vec!["usr/share/doc/xz-utils/changelog.Debian.gz"]);
        let (d, n) = line_digests("pkg/mod.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,123");
        assert_eq!(
            d,
            vec![hex_value("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").unwrap()]
        );
        assert_eq!(n, vec!["pkg/mod.py"]);
        let (d, _) = line_digests("listen = 10.0.0.1");
        assert!(d.is_empty());
    }
}
