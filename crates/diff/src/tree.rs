//! The Difference tree: what differs, where, as typed data (renderers know no formats).

use reproscope_formats::Value;
use serde::Serialize;

/// What happened to a node between the two inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Content and/or metadata differ.
    Changed,
    /// Only in the second input.
    Added,
    /// Only in the first input.
    Removed,
    /// One member under another name in each input (`source1` the old, `source2` the new name),
    /// paired by content or by its path inside a renamed directory; compared like any pair.
    Renamed,
}

/// One metadata field that differs; `None` where a side lacks the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// Set when this change only follows from another one (a checksum or size of changed
    /// content, an offset moved by an earlier member's growth): the reason, for the reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<String>,
    /// Why it differs, as the explainer's cause id ("timestamp", "build-path", ...): set by
    /// `reproscope-explain`, `None` until a tree is explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// For a change that follows from another: the path of the node it follows from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
}

impl FieldChange {
    pub fn new(name: impl Into<String>, before: Option<Value>, after: Option<Value>) -> FieldChange {
        FieldChange {
            name: name.into(),
            before,
            after,
            derived: None,
            cause: None,
            derived_from: None,
        }
    }
}

/// A node of the difference tree (the shape follows diffoscope's JSON: source1, source2,
/// unified_diff, details, comments; the typed parts are reproscope's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub source1: String,
    pub source2: String,
    pub change: Change,
    /// Format chain of this node when it was opened as a container, e.g. "gzip+cpio".
    pub format: Option<String>,
    /// Entry kind label for members ("file", "directory", "symlink", "section", ...).
    pub kind: Option<String>,
    pub fields: Vec<FieldChange>,
    /// Line diff of text content, or a hex diff of the first changed byte ranges.
    pub unified_diff: Option<String>,
    /// Changed byte ranges when content is compared as bytes.
    pub byte_ranges: Vec<crate::ByteRange>,
    /// Total number of changed ranges (byte_ranges may be truncated).
    pub byte_range_count: usize,
    pub comments: Vec<String>,
    pub details: Vec<Difference>,
    /// Size of each side in bytes, when known.
    pub size1: Option<u64>,
    pub size2: Option<u64>,
    /// For a renamed member: how much of the content both sides share, in percent; 100 only for
    /// identical bytes. `None` when it was paired by its path inside a renamed directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<u8>,
    /// The explainer's cause id for this node's own change (its main one when several): set by
    /// `reproscope-explain`, `None` until a tree is explained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// When this node's change only follows from another one: the path of that node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
    /// Facts kept for the explainer only (not in reports): see [`Evidence`].
    #[serde(skip)]
    pub evidence: Evidence,
}

/// Facts about a node's two sides that the explainer checks its rules against, gathered while
/// the bytes are at hand (the tree holds no content). Empty where the engine did not gather them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// For each listed byte range (as `byte_ranges`, same order): the printable string (ASCII
    /// 0x20..=0x7e and tab) that holds its start offset in each input, whole: from up to
    /// `RANGE_STRING_MAX / 2` bytes before the offset to the first other byte (a NUL) after
    /// it, at most [`RANGE_STRING_MAX`] bytes, so a date or path cut by the range is read as
    /// one token. Where the byte at the offset is not printable (or past the end): the
    /// printable run ending right before it, maybe empty.
    pub range_strings: Vec<(String, String)>,
    /// For each listed byte range (same order), per run of differing bytes inside it (a range
    /// merges changes up to 16 bytes apart; a run is a maximal stretch of differing bytes, the
    /// first 64 runs within the range's first 4 KiB): the distinct differences, sorted, of the
    /// little-endian 2-, 4- and 8-byte words that cover the whole run (each window start `s`
    /// with `s <= run start` and `s + width >= run end`, inside both inputs), second input
    /// minus first, wrapped and sign-extended from the word's width, so a displacement or
    /// offset moved by k bytes can be recognised. Empty for a run longer than 8 bytes; no runs
    /// for a range of unequal lengths on the two sides.
    pub range_deltas: Vec<Vec<Vec<i64>>>,
    /// Digests of each side's bytes (as stored in the parent) when they differ and are small
    /// enough to hash: a checksum written elsewhere can be checked against them.
    pub digests: Option<Box<[Digests; 2]>>,
    /// For content compared as bytes: the printable runs (at least [`MIN_STRING`] bytes, as
    /// strings(1) finds them) with their offsets, in each input, over the changed span (from
    /// the string holding the first listed range to the end of the last, at most
    /// [`STRINGS_SPAN_MAX`] bytes and [`STRINGS_MAX`] strings per side): a string table that
    /// grew, shrank or was reordered is read string by string.
    pub strings: Option<SideStrings>,
    /// For content compared as bytes, of equal size, over a changed span of at most
    /// [`STRINGS_SPAN_MAX`] bytes read as 8-byte little-endian words (8-byte aligned): the
    /// changed words whose new value is none of the first input's words there, as (first,
    /// second) values, distinct, at most 256. Empty when the changed words are the same words in
    /// another order, as a table of pointers or records is when what it lists was reordered; a
    /// pointer table whose targets moved shows them. `None` when not computed, or when no word
    /// is new but the changed ones are not a reordering either.
    pub word_changes: Option<Vec<(u64, u64)>>,
    /// When the order of common members (or of a JSON array's equal elements) differs: the
    /// names in each input's order (at most [`MAX_ORDER_NAMES`]).
    pub orders: Option<Box<(Vec<String>, Vec<String>)>>,
}

/// Each input's strings with their offsets (see [`Evidence::strings`]).
pub type SideStrings = Box<[Vec<(u64, String)>; 2]>;

/// Shortest printable run kept in [`Evidence::strings`].
pub const MIN_STRING: usize = 3;
/// Longest span of a node read for [`Evidence::strings`], per side.
pub const STRINGS_SPAN_MAX: usize = 64 << 10;
/// Most strings kept per side in [`Evidence::strings`].
pub const STRINGS_MAX: usize = 4096;

/// Longest string kept per side and range in [`Evidence::range_strings`].
pub const RANGE_STRING_MAX: usize = 256;
/// Most names kept per side in [`Evidence::orders`].
pub const MAX_ORDER_NAMES: usize = 10_000;

/// The usual digests of one side's bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Digests {
    pub md5: [u8; 16],
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
    /// Empty for large contents (not computed).
    pub sha512: Vec<u8>,
    /// CRC-32 (IEEE, as zlib and `.gnu_debuglink`).
    pub crc32: u32,
}

impl Difference {
    pub fn new(source1: impl Into<String>, source2: impl Into<String>, change: Change) -> Difference {
        Difference {
            source1: source1.into(),
            source2: source2.into(),
            change,
            format: None,
            kind: None,
            fields: Vec::new(),
            unified_diff: None,
            byte_ranges: Vec::new(),
            byte_range_count: 0,
            comments: Vec::new(),
            details: Vec::new(),
            size1: None,
            size2: None,
            similarity: None,
            cause: None,
            derived_from: None,
            evidence: Evidence::default(),
        }
    }

    /// Whether this node records a change of its own (not only in its children, and not only
    /// changes derived from others).
    pub fn has_own_change(&self) -> bool {
        self.change != Change::Changed
            || self.fields.iter().any(|f| f.derived.is_none())
            || self.unified_diff.is_some()
            || self.byte_range_count > 0
    }

    /// Whether the node is worth keeping in the tree at all.
    pub fn is_empty(&self) -> bool {
        !self.has_own_change() && self.fields.is_empty() && self.details.is_empty() && self.comments.is_empty()
    }

    /// Visits every node depth-first with the path of names from the root (root excluded).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&[&'a str], &'a Difference)) {
        fn go<'a>(d: &'a Difference, path: &mut Vec<&'a str>, f: &mut dyn FnMut(&[&'a str], &'a Difference)) {
            f(path, d);
            for c in &d.details {
                path.push(if c.change == Change::Added {
                    &c.source2
                } else {
                    &c.source1
                });
                go(c, path, f);
                path.pop();
            }
        }
        let mut path = Vec::new();
        go(self, &mut path, f);
    }

    /// Leaf-level changes as (path, node) pairs: nodes that carry their own change.
    pub fn changes(&self) -> Vec<(String, &Difference)> {
        let mut out = Vec::new();
        self.walk(&mut |path, d| {
            if !path.is_empty() && d.has_own_change() {
                out.push((path.join("/"), d));
            }
        });
        out
    }
}

/// A signed duration in the largest whole unit that fits, e.g. "+1 day", "-3 h 2 min", "+5 s".
pub fn human_delta(d: i64) -> String {
    let sign = if d < 0 { '-' } else { '+' };
    let a = d.unsigned_abs();
    let (days, h, m, s) = (a / 86400, a / 3600 % 24, a / 60 % 60, a % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} day{}", if days == 1 { "" } else { "s" }));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 && days == 0 {
        parts.push(format!("{m} min"));
    }
    if (s > 0 && days == 0 && h == 0) || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    format!("{sign}{}", parts.join(" "))
}
