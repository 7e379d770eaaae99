//! The recursive comparison.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use reproscope_formats::text::is_text;
use reproscope_formats::{
    blobs_equal, dir, limit_error, Blob, Data, EntryKind, Field, InputKind, Limits, Member, ReleaseSet, Value,
    DEFAULT_MAX_DECOMPRESSED_TOTAL, DEFAULT_MAX_MEMBERS_TOTAL, MEMBERS_OPTION, TOTAL_OPTION,
};

use crate::bytes::{byte_ranges_with, hex_diff, range_deltas, range_string};
use crate::json;
use crate::node::{open_file_node, open_node, NodeView};
use crate::rename::pair_renamed;
use crate::textdiff::unified;
use crate::tree::{Change, Difference, Digests, FieldChange, MAX_ORDER_NAMES, RANGE_STRING_MAX};
use crate::Error;

/// Member pairs compared between two releases of mapped memory: at most this much data...
const BATCH_BYTES: u64 = 48 << 20;
/// ...or this many pairs.
const BATCH_MEMBERS: usize = 4096;

/// Larger contents get no digests in their node's evidence: hashing costs several times what
/// comparing does (md5 and sha512 run at a few hundred MB/s), and the explainer still links a
/// digest line to a changed member it names without them.
const MAX_DIGEST_SIZE: u64 = 16 << 20;
/// SHA-512, the slowest, only up to this size (SHA512SUMS lists are rare beside md5sums and
/// SHA-256 lists).
const MAX_SHA512_SIZE: usize = 1 << 20;

/// Comparison settings.
#[derive(Clone, Debug)]
pub struct Options {
    pub limits: Limits,
    /// Deepest nesting of containers and stream layers followed; deeper content is compared
    /// as bytes.
    pub max_depth: usize,
    /// Most bytes decompressed (or otherwise produced: sparse files, joined extents) in the
    /// whole comparison, both inputs together; past it, content is compared as stored bytes.
    pub max_decompressed_total: u64,
    /// Most members listed in the whole comparison, both inputs together; past it, containers
    /// are compared as bytes.
    pub max_members_total: u64,
    /// Most changed byte ranges listed per node (all are counted).
    pub max_ranges: usize,
    /// Counters a caller may watch from another thread to show progress.
    pub progress: Option<Arc<Progress>>,
}

/// Work done so far, updated as the comparison runs.
#[derive(Debug, Default)]
pub struct Progress {
    /// Member pairs compared.
    pub members: AtomicU64,
    /// Bytes of member content compared (both sides).
    pub bytes: AtomicU64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            max_depth: 32,
            max_decompressed_total: DEFAULT_MAX_DECOMPRESSED_TOTAL,
            max_members_total: DEFAULT_MAX_MEMBERS_TOTAL,
            max_ranges: 32,
            progress: None,
        }
    }
}

/// The comparison's budget is a deterministic ledger. Its meaning is the sequential one: nodes
/// in report order (a node's own stream layers, then its members in the first input's order,
/// each with its whole subtree) draw from one total, and the first node that would pass what
/// is left is compared as stored bytes with a note, after which nothing is left for the rest.
/// Members are still compared in parallel: each runs on a share of what is left (an even split
/// of the batch's remainder) and its result is kept when it stayed within both that share and
/// what the sequential order leaves it; otherwise it is compared again, alone, with exactly
/// that. A subtree's result depends only on its inputs and its allowance (and not on it at
/// all when it stayed within it), so the report never depends on thread timing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Allowance {
    bytes: u64,
    members: u64,
}

/// What a subtree drew from the budget. `hit`: some node in it reached its allowance, and then
/// the subtree counts as having used all of it.
#[derive(Clone, Copy, Debug, Default)]
struct Usage {
    bytes: u64,
    members: u64,
    hit: bool,
}

impl Usage {
    fn add(&mut self, o: Usage) {
        self.bytes = self.bytes.saturating_add(o.bytes);
        self.members = self.members.saturating_add(o.members);
        self.hit |= o.hit;
    }

    /// What is left of `allow` after this.
    fn left(&self, allow: Allowance) -> Allowance {
        Allowance {
            bytes: allow.bytes.saturating_sub(self.bytes),
            members: allow.members.saturating_sub(self.members),
        }
    }

    /// Marks the budget used up: the whole allowance counts as used.
    fn used_up(&mut self, allow: Allowance) {
        self.hit = true;
        self.bytes = self.bytes.max(allow.bytes);
        self.members = self.members.max(allow.members);
    }
}

/// Where we are: the two input names and the member path inside them.
struct Ctx<'a> {
    file1: &'a str,
    file2: &'a str,
    path: Vec<String>,
    depth: usize,
    opts: &'a Options,
    /// The node is a regular file inside an archive: when it looks like a container but cannot
    /// be read as one (test data, a deliberately broken sample), compare it as bytes and say
    /// why, instead of failing the whole comparison. Structure (the inputs themselves, EIF
    /// sections, stream layers, initramfs parts) stays strict.
    lenient: bool,
    /// What this node and its subtree may still draw from the comparison's budget.
    allow: Allowance,
    /// Stream and container layers the node's members are nested under (1 for a plain
    /// container, 2 for gzip+cpio): each counts as a level of depth.
    layers: usize,
}

impl Ctx<'_> {
    fn child(&self, name: &str, allow: Allowance) -> Ctx<'_> {
        let mut path = self.path.clone();
        path.push(name.to_string());
        Ctx {
            file1: self.file1,
            file2: self.file2,
            path,
            depth: self.depth + self.layers.max(1),
            opts: self.opts,
            lenient: false,
            allow,
            layers: 1,
        }
    }

    /// The whole budget, for the inputs themselves.
    fn root_allowance(opts: &Options) -> Allowance {
        Allowance {
            bytes: opts.max_decompressed_total,
            members: opts.max_members_total,
        }
    }

    /// The limits one stream may use here: the per-stream limit, or the allowance when lower.
    fn limits(&self, bytes: u64) -> Limits {
        Limits {
            max_decompressed: self.opts.limits.max_decompressed.min(bytes),
            ..self.opts.limits.clone()
        }
    }

    /// True when `message` is a stream passing a limit that the budget, not the per-stream
    /// limit, set at `max`.
    fn budget_stopped(&self, message: &str, max: u64) -> bool {
        max < self.opts.limits.max_decompressed && message.contains(&limit_error(max).message)
    }

    fn bytes_note(&self) -> String {
        format!(
            "decompression budget of {} bytes for the whole comparison used up (raise it with {TOTAL_OPTION}): compared as stored bytes",
            self.opts.max_decompressed_total
        )
    }
}

/// Compares two files or two directories. `Ok(None)` means identical.
pub fn compare_paths(a: &Path, b: &Path, opts: &Options) -> Result<Option<Difference>, Error> {
    let (n1, n2) = (a.display().to_string(), b.display().to_string());
    if a.as_os_str() == "-" && b.as_os_str() == "-" {
        return Err(Error::new("-", &[], "both inputs are standard input"));
    }
    // What each path names ("-": standard input, always read); a device is never read.
    let kind = |p: &Path, n: &str| -> Result<(InputKind, u64), Error> {
        use std::os::unix::fs::MetadataExt;
        if p.as_os_str() == "-" {
            return Ok((InputKind::Readable, 0));
        }
        std::fs::metadata(p)
            .map(|m| (InputKind::of(m.file_type()), m.rdev()))
            .map_err(|e| Error::new(n, &[], format!("cannot open: {e}")))
    };
    let ((k1, dev1), (k2, dev2)) = (kind(a, &n1)?, kind(b, &n2)?);
    let ctx = Ctx {
        file1: &n1,
        file2: &n2,
        path: Vec::new(),
        depth: 0,
        opts,
        lenient: false,
        allow: Ctx::root_allowance(opts),
        layers: 1,
    };
    let mut root = Difference::new(n1.clone(), n2.clone(), Change::Changed);
    match (k1, k2) {
        (InputKind::Directory, InputKind::Directory) => {
            root.kind = Some("directory".into());
            let d1 = dir::open(a).map_err(|e| Error::new(&n1, &[], e.message))?;
            let d2 = dir::open(b).map_err(|e| Error::new(&n2, &[], e.message))?;
            compare_members(&ctx, &d1.members, &d2.members, &mut root)?;
        }
        (InputKind::Readable, InputKind::Readable) => {
            let load =
                |p: &Path, n: &str| Blob::from_input(p).map_err(|e| Error::new(n, &[], format!("cannot read: {e}")));
            // Both at once: two pipes or FIFOs may be fed by one writer in either order, and
            // reading one to its end first could wait forever on the other.
            let (b1, b2) = std::thread::scope(|s| {
                let t = s.spawn(|| load(b, &n2));
                let b1 = load(a, &n1);
                (
                    b1,
                    t.join().unwrap_or_else(|_| Err(Error::new(&n2, &[], "reading failed"))),
                )
            });
            let (b1, b2) = (b1?, b2?);
            let name1 = a
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name2 = b
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            compare_content(&ctx, (&name1, &name2), b1, b2, &mut root)?;
        }
        (k1, k2) => {
            // Different kinds, or devices (reported by type, never read).
            let label = |k: InputKind| Value::Text(k.refused().map_or("file", |w| w.trim_start_matches("a ")).into());
            if k1 != k2 {
                root.fields
                    .push(FieldChange::new("type", Some(label(k1)), Some(label(k2))));
            } else if dev1 != dev2 {
                let dev = |d: u64| Value::Text(format!("{}:{}", dev_major(d), dev_minor(d)));
                root.fields
                    .push(FieldChange::new("device", Some(dev(dev1)), Some(dev(dev2))));
            }
        }
    }
    Ok(keep(root))
}

/// The major and minor numbers of a Linux device number (glibc's encoding).
fn dev_major(d: u64) -> u64 {
    ((d >> 32) & 0xffff_f000) | ((d >> 8) & 0xfff)
}

fn dev_minor(d: u64) -> u64 {
    ((d >> 12) & 0xffff_ff00) | (d & 0xff)
}

/// Compares two in-memory inputs (named for messages and for format detection by name).
pub fn compare_blobs(name1: &str, a: Blob, name2: &str, b: Blob, opts: &Options) -> Result<Option<Difference>, Error> {
    let ctx = Ctx {
        file1: name1,
        file2: name2,
        path: Vec::new(),
        depth: 0,
        opts,
        lenient: false,
        allow: Ctx::root_allowance(opts),
        layers: 1,
    };
    let mut root = Difference::new(name1, name2, Change::Changed);
    compare_content(&ctx, (name1, name2), a, b, &mut root)?;
    Ok(keep(root))
}

fn keep(d: Difference) -> Option<Difference> {
    (!d.is_empty()).then_some(d)
}

/// Fills `d` with what differs between two contents: layer metadata, members, text or bytes.
/// Returns what it drew from the budget (see [`Allowance`]).
fn compare_content(ctx: &Ctx, names: (&str, &str), a: Blob, b: Blob, d: &mut Difference) -> Result<Usage, Error> {
    d.size1 = Some(a.len() as u64);
    d.size2 = Some(b.len() as u64);
    if blobs_equal(&a, &b) {
        return Ok(Usage::default());
    }
    // Of the bytes as stored here, before any layer is opened: a checksum in the parent (a
    // manifest, a package's md5sums) is of these. Hashed alongside the comparison, which often
    // leaves a core idle (one stream decompressing), rather than before it.
    let hash = a.len() as u64 <= MAX_DIGEST_SIZE && b.len() as u64 <= MAX_DIGEST_SIZE;
    let (ha, hb) = (a.clone(), b.clone());
    let (found, result) = rayon::join(
        || hash.then(|| rayon::join(|| digests(&ha), || digests(&hb))),
        || compare_differing(ctx, names, a, b, d),
    );
    if let Some((da, db)) = found {
        d.evidence.digests = Some(Box::new([da, db]));
    }
    result
}

/// [`compare_content`] of contents known to differ.
fn compare_differing(ctx: &Ctx, names: (&str, &str), a: Blob, b: Blob, d: &mut Difference) -> Result<Usage, Error> {
    let mut usage = Usage::default();
    if ctx.depth >= ctx.opts.max_depth {
        d.comments.push(depth_note(ctx.opts.max_depth));
        compare_bytes(ctx, &a, &b, d);
        return Ok(usage);
    }
    let layers = ctx.opts.max_depth - ctx.depth;
    let raw = (a.clone(), b.clone());
    // Each side may decompress up to the node's allowance; together they must stay within it.
    // (Each side's result depends only on that side, so this is the same whatever the timing.)
    let limits = ctx.limits(ctx.allow.bytes);
    let max = limits.max_decompressed;
    let open = |blob: Blob, name: &str, file: &str| {
        if ctx.lenient {
            Ok(open_file_node(blob, name, &limits, file, &ctx.path, layers))
        } else {
            open_node(blob, name, &limits, file, &ctx.path, layers)
        }
    };
    let (v1, v2) = rayon::join(|| open(a, names.0, ctx.file1), || open(b, names.1, ctx.file2));
    let stopped_by_budget = |r: &Result<NodeView, Error>| match r {
        Err(e) => ctx.budget_stopped(&e.message, max),
        Ok(v) => v.unreadable.as_deref().is_some_and(|m| ctx.budget_stopped(m, max)),
    };
    let produced = |r: &Result<NodeView, Error>| r.as_ref().map_or(0, |v| v.decompressed);
    if stopped_by_budget(&v1) || stopped_by_budget(&v2) || produced(&v1).saturating_add(produced(&v2)) > ctx.allow.bytes
    {
        d.comments.push(ctx.bytes_note());
        compare_bytes(ctx, &raw.0, &raw.1, d);
        usage.used_up(ctx.allow);
        return Ok(usage);
    }
    let (v1, v2) = (v1?, v2?);
    usage.bytes = v1.decompressed.saturating_add(v2.decompressed);
    let listed = |v: &NodeView| v.members.as_ref().map_or(0, |m| m.len() as u64);
    usage.members = listed(&v1).saturating_add(listed(&v2));
    if usage.members > ctx.allow.members {
        d.comments.push(format!(
            "member budget of {} members for the whole comparison used up (raise it with {MEMBERS_OPTION}): compared as bytes",
            ctx.opts.max_members_total
        ));
        compare_bytes(ctx, &raw.0, &raw.1, d);
        usage.used_up(ctx.allow);
        return Ok(usage);
    }
    if v1.stopped || v2.stopped {
        d.comments.push(depth_note(ctx.opts.max_depth));
    }
    for why in [&v1.unreadable, &v2.unreadable].into_iter().flatten() {
        let comment = format!("{why}; compared as bytes");
        if !d.comments.contains(&comment) {
            d.comments.push(comment);
        }
    }
    d.format = v1.format_label().or_else(|| v2.format_label());
    if v1.formats != v2.formats {
        let label = |v: &NodeView| v.format_label().unwrap_or_else(|| "data".into());
        d.fields.push(FieldChange::new(
            "format",
            Some(Value::Text(label(&v1))),
            Some(Value::Text(label(&v2))),
        ));
    }
    let mut layer_fields = compare_fields(&v1.fields, &v2.fields);
    // Checksums and sizes of a layer follow from its content, which differs here.
    // Compared once here and reused below: the content may be a large decompressed stream.
    let content_same = v1.members.is_none() && blobs_equal(&v1.content, &v2.content);
    if !content_same {
        for f in &mut layer_fields {
            let value = f.before.as_ref().or(f.after.as_ref());
            // Sizes of the content ("size", "isize", "compressed-size"), not padding or limits.
            let leaf = f.name.rsplit('.').next().unwrap_or(&f.name);
            let content_size = matches!(value, Some(Value::Size(_)))
                && matches!(
                    leaf,
                    "size" | "isize" | "compressed-size" | "content-size" | "volume-space-size" | "bytes-used"
                );
            if matches!(value, Some(Value::Digest(_))) || content_size {
                f.derived = Some("checksum or size of content that differs".into());
            }
        }
    }
    d.fields.extend(layer_fields);
    match (&v1.members, &v2.members) {
        // Also the same container in another compression (a renamed data.tar.xz against
        // data.tar.zst), unless the container's bytes are identical: then that is the fact.
        (Some(m1), Some(m2))
            if v1.formats == v2.formats
                || (v1.formats.last() == v2.formats.last() && !blobs_equal(&v1.content, &v2.content)) =>
        {
            let inner = Ctx {
                path: ctx.path.clone(),
                allow: usage.left(ctx.allow),
                layers: v1.formats.len(),
                ..*ctx
            };
            usage.add(compare_members(&inner, m1, m2, d)?);
            if usage.hit {
                usage.used_up(ctx.allow);
            }
            describe_members(v1.formats.last().copied(), m1, m2, d);
            if v1.formats.last() == Some(&"elf") {
                locate_symbols(&v2.content, d);
            }
            // Tables stored after the members (squashfs inode and directory tables, ...) move
            // when member data changes length.
            if d.details
                .iter()
                .any(|x| x.change != Change::Changed || content_differs(x))
            {
                for f in &mut d.fields {
                    if f.derived.is_none()
                        && matches!(f.before, Some(Value::Offset(_)))
                        && matches!(f.after, Some(Value::Offset(_)))
                    {
                        f.derived = Some("moved because member content before it changed size".into());
                    }
                }
            }
            if d.details.is_empty() && d.fields.iter().all(|f| f.derived.is_some()) {
                // The bytes differ somewhere no field or member shows (header encoding, padding,
                // unused space): say so and show where, rather than call the inputs identical.
                d.comments
                    .push("the bytes differ where no parsed field or member does".into());
                compare_bytes(ctx, &raw.0, &raw.1, d);
            }
            Ok(usage)
        }
        _ => {
            if content_same || (v1.members.is_some() && blobs_equal(&v1.content, &v2.content)) {
                if v1.formats != v2.formats {
                    d.comments.push(format!(
                        "{} and {} bytes differ; the decompressed content is identical",
                        outer_layers(&v1.formats, &v2.formats),
                        outer_layers(&v2.formats, &v1.formats)
                    ));
                } else if !v1.formats.is_empty() {
                    d.comments.push(format!(
                        "{} bytes differ; the decompressed content is identical",
                        v1.formats.first().copied().unwrap_or("encoded")
                    ));
                }
                return Ok(usage);
            }
            if !v1.formats.is_empty() && v1.formats == v2.formats {
                d.size1 = Some(v1.content.len() as u64);
                d.size2 = Some(v2.content.len() as u64);
            }
            compare_leaf(ctx, &v1.content, &v2.content, d);
            Ok(usage)
        }
    }
}

/// The layers of `f` around what it shares with `g` at the inside ("xz" of xz+tar against
/// zstd+tar), or "uncompressed" when it has none of its own.
fn outer_layers(f: &[&str], g: &[&str]) -> String {
    let shared = f.iter().rev().zip(g.iter().rev()).take_while(|(x, y)| x == y).count();
    let own = &f[..f.len() - shared];
    if own.is_empty() {
        "uncompressed".into()
    } else {
        own.join("+")
    }
}

/// The note at a node where nesting reached the limit.
fn depth_note(max_depth: usize) -> String {
    format!("stopped at depth {max_depth}: deeper content compared as bytes (raise it with --max-depth)")
}

/// Plain content: a line diff when both sides are text, otherwise changed byte ranges. JSON
/// text is also compared as data: changed values by path, or "only key order/formatting differs".
fn compare_leaf(ctx: &Ctx, a: &Blob, b: &Blob, d: &mut Difference) {
    if is_text(a) && is_text(b) {
        let (sa, sb) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        let named_json = [&d.source1, &d.source2]
            .iter()
            .any(|n| n.to_ascii_lowercase().ends_with(".json"));
        if let Some(j) = json::compare(&sa, &sb, named_json) {
            d.fields.extend(j.fields);
            d.comments.extend(j.comments);
            if let Some(o) = j.orders {
                d.evidence.orders = Some(Box::new(o));
            }
        }
        let (diff, cut) = unified(&sa, &sb);
        if cut {
            d.comments
                .push("line diff cut after its first few thousand lines".into());
        }
        d.unified_diff = Some(diff);
    } else {
        compare_bytes(ctx, a, b, d);
    }
}

fn compare_bytes(ctx: &Ctx, a: &Blob, b: &Blob, d: &mut Difference) {
    // Mapped pages behind the walk are given back as it goes: two decompressed bombs would
    // otherwise end up wholly resident.
    let mut released = 0;
    let (ranges, count) = byte_ranges_with(a, b, ctx.opts.max_ranges, |at| {
        a.release(released..at);
        b.release(released..at);
        released = at;
    });
    d.unified_diff = Some(hex_diff(a, b, &ranges, 3));
    d.evidence.strings = crate::strings::changed_strings(a, b, &ranges);
    d.evidence.word_changes = if count == ranges.len() {
        crate::strings::word_changes(a, b, &ranges)
    } else {
        None
    };
    d.evidence.range_strings = ranges
        .iter()
        .map(|r| {
            let at = r.offset as usize;
            (
                range_string(a, at, RANGE_STRING_MAX),
                range_string(b, at, RANGE_STRING_MAX),
            )
        })
        .collect();
    d.evidence.range_deltas = ranges.iter().map(|r| range_deltas(a, b, r)).collect();
    d.byte_ranges = ranges;
    d.byte_range_count = count;
}

/// The usual digests of `data`, in one pass over it.
fn digests(data: &[u8]) -> Digests {
    use md5::Digest as _;
    let (mut md5, mut sha1, mut sha256, mut sha512) = (
        md5::Md5::new(),
        sha1::Sha1::new(),
        sha2::Sha256::new(),
        sha2::Sha512::new(),
    );
    let mut crc = crc32fast::Hasher::new();
    // Chunks small enough to stay in cache while every hasher reads them.
    let long = data.len() > MAX_SHA512_SIZE;
    for chunk in data.chunks(64 << 10) {
        md5.update(chunk);
        sha1.update(chunk);
        sha256.update(chunk);
        if !long {
            sha512.update(chunk);
        }
        crc.update(chunk);
    }
    Digests {
        md5: md5.finalize().into(),
        sha1: sha1.finalize().into(),
        sha256: sha256.finalize().into(),
        sha512: if long { Vec::new() } else { sha512.finalize().to_vec() },
        crc32: crc.finalize(),
    }
}

/// Field-by-field comparison in the first side's order, then fields only the second side has.
fn compare_fields(f1: &[Field], f2: &[Field]) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for f in f1 {
        match f2.iter().find(|g| g.name == f.name) {
            Some(g) if g.value == f.value => {}
            other => out.push(FieldChange::new(
                f.name.clone(),
                Some(f.value.clone()),
                other.map(|g| g.value.clone()),
            )),
        }
    }
    for g in f2 {
        if !f1.iter().any(|f| f.name == g.name) {
            out.push(FieldChange::new(g.name.clone(), None, Some(g.value.clone())));
        }
    }
    out
}

/// Pairs members by name (repeated names in order), compares pairs in parallel, and lists
/// members only one side has. A different order of the common members is noted once.
/// Returns what the members drew from the budget (`ctx.allow`).
fn compare_members(ctx: &Ctx, m1: &[Member], m2: &[Member], d: &mut Difference) -> Result<Usage, Error> {
    let mut by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, m) in m2.iter().enumerate() {
        by_name.entry(m.name.as_str()).or_default().push_back(j);
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut removed = Vec::new();
    for (i, m) in m1.iter().enumerate() {
        match by_name.get_mut(m.name.as_str()).and_then(|q| q.pop_front()) {
            Some(j) => pairs.push((i, j)),
            None => removed.push(i),
        }
    }

    // Order: the common members' positions in the second input, walked in the first's order.
    let mut seconds: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    if let Some(k) = seconds.windows(2).position(|w| w[0] > w[1]) {
        let (i, j) = (pairs[k + 1].0, pairs[k + 1].1);
        d.fields.push(FieldChange::new(
            "member-order",
            Some(Value::Text(format!("'{}' at position {}", m1[i].name, i))),
            Some(Value::Text(format!("'{}' at position {}", m2[j].name, j))),
        ));
        d.comments.push("members are stored in a different order".into());
        let mut in_second = pairs.clone();
        in_second.sort_unstable_by_key(|p| p.1);
        let first = pairs
            .iter()
            .take(MAX_ORDER_NAMES)
            .map(|p| m1[p.0].name.clone())
            .collect();
        let second = in_second
            .iter()
            .take(MAX_ORDER_NAMES)
            .map(|p| m2[p.1].name.clone())
            .collect();
        d.evidence.orders = Some(Box::new((first, second)));
        seconds.clear();
    }

    // A member only the first input has and one only the second has may be one member renamed
    // (a build ID or hash in its name): such pairs join the name pairs, after them.
    let name_pairs = pairs.len();
    let mut similarity = Vec::new();
    if !removed.is_empty() && pairs.len() < m2.len() {
        let mut in_pair = vec![false; m2.len()];
        for &(_, j) in &pairs {
            in_pair[j] = true;
        }
        let added: Vec<usize> = (0..m2.len()).filter(|&j| !in_pair[j]).collect();
        let renamed = pair_renamed(m1, m2, &removed, &added, &ctx.opts.limits);
        let mut gone = vec![false; m1.len()];
        for r in &renamed {
            gone[r.i] = true;
            pairs.push((r.i, r.j));
            similarity.push(r.similarity);
        }
        removed.retain(|&i| !gone[i]);
    }

    // In batches of neighbouring members, each compared in parallel; after each batch the
    // mapped pages it touched are given back, so resident memory stays near one batch whatever
    // the container's size (the kernel maps large page-cache folios whole, so releasing each
    // member alone would leave most of them behind, or take pages a neighbour is using).
    let mut results: Vec<Result<Option<Difference>, Error>> = Vec::with_capacity(pairs.len());
    let mut used = Usage::default();
    let compare_pair = |k: usize, allow: Allowance| {
        let (i, j) = pairs[k];
        match k.checked_sub(name_pairs) {
            None => compare_member(ctx, &m1[i], &m2[j], allow),
            Some(r) => compare_renamed(ctx, &m1[i], &m2[j], similarity[r], allow).map(|(x, u)| (Some(x), u)),
        }
    };
    let mut start = 0;
    while start < pairs.len() {
        let mut end = start;
        let mut bytes = 0u64;
        while end < pairs.len() && (end == start || (bytes < BATCH_BYTES && end - start < BATCH_MEMBERS)) {
            let (i, j) = pairs[end];
            bytes = bytes.saturating_add(m1[i].size).saturating_add(m2[j].size);
            end += 1;
        }
        // Each pair of the batch runs on an even share of what is left; in order, a result is
        // kept when it is what the sequential ledger would give (see `Allowance`), else the
        // pair is compared again with exactly what the ledger leaves it.
        let left = used.left(ctx.allow);
        let n = (end - start) as u64;
        let share = Allowance {
            bytes: left.bytes / n,
            members: left.members / n,
        };
        let batch: Vec<_> = (start..end).into_par_iter().map(|k| compare_pair(k, share)).collect();
        for (k, r) in (start..end).zip(batch) {
            let exact = used.left(ctx.allow);
            let keep = match &r {
                _ if share == exact => true,
                // Stayed within a smaller allowance: the same with a larger one.
                Err(_) => share.bytes <= exact.bytes && share.members <= exact.members,
                Ok((_, u)) => !u.hit && u.bytes <= exact.bytes && u.members <= exact.members,
            };
            let r = if keep { r } else { compare_pair(k, exact) };
            match r {
                Ok((x, u)) => {
                    used.add(u);
                    if u.hit {
                        used.used_up(ctx.allow);
                    }
                    results.push(Ok(x));
                }
                Err(e) => results.push(Err(e)),
            }
        }
        let mut spent = ReleaseSet::default();
        for &(i, j) in &pairs[start..end] {
            for data in [&m1[i].data, &m2[j].data].into_iter().flatten() {
                spent.add_data(data);
            }
        }
        spent.release();
        start = end;
    }
    // Report in the first input's order; a member only the second has goes right after the
    // common member that precedes it there, so listings read as one merged order.
    // Keys: (1 + index in the first input, 0, 0) for pairs and removals, (anchor, 1, j) for additions.
    // Offsets of members after one that grew, shrank, appeared or went follow from that change.
    // A member whose content differs may move the ones after it even at the same size: its
    // stored (compressed) form can change length, as in squashfs.
    let content_changed: Vec<bool> = results
        .iter()
        .zip(&pairs)
        .map(|(r, &(i, j))| m1[i].size != m2[j].size || matches!(r, Ok(Some(x)) if content_differs(x)))
        .collect();
    let mut first_move = removed.first().copied().unwrap_or(usize::MAX);
    for (k, &(i, _)) in pairs.iter().enumerate() {
        if content_changed[k] {
            first_move = first_move.min(i);
        }
    }
    let mut a_index_of_b = vec![None; m2.len()];
    for &(i, j) in &pairs {
        a_index_of_b[j] = Some(i);
    }
    let mut last_common = 0;
    for slot in &a_index_of_b {
        match slot {
            Some(i) => last_common = *i,
            // Inserted after the common member preceding it in the second input.
            None => first_move = first_move.min(last_common),
        }
    }
    // Where members record their position (an `offset` field), "earlier" means a lower position
    // in the same input: storage order need not follow listing order (ISO 9660 extents).
    let (mut moved_from1, mut moved_from2) = (u64::MAX, u64::MAX);
    for (k, &(i, j)) in pairs.iter().enumerate() {
        if content_changed[k] {
            moved_from1 = moved_from1.min(stored_at(&m1[i], true).unwrap_or(u64::MAX));
            moved_from2 = moved_from2.min(stored_at(&m2[j], true).unwrap_or(u64::MAX));
        }
    }
    for &ri in &removed {
        moved_from1 = moved_from1.min(stored_at(&m1[ri], true).unwrap_or(u64::MAX));
    }
    for (j, slot) in a_index_of_b.iter().enumerate() {
        if slot.is_none() {
            moved_from2 = moved_from2.min(stored_at(&m2[j], true).unwrap_or(u64::MAX));
        }
    }
    let mut keyed: Vec<((usize, usize, usize), Difference)> = Vec::new();
    for (k, r) in results.into_iter().enumerate() {
        if let Some(mut x) = r? {
            let (i, j) = pairs[k];
            let shifted = match (stored_at(&m1[i], false), stored_at(&m2[j], false)) {
                (Some(p1), Some(p2)) => p1 > moved_from1 || p2 > moved_from2,
                _ => i > first_move,
            };
            if shifted {
                for f in &mut x.fields {
                    if matches!(f.before, Some(Value::Offset(_))) && matches!(f.after, Some(Value::Offset(_))) {
                        f.derived = Some("moved because an earlier member changed size".into());
                    }
                }
            }
            keyed.push(((pairs[k].0 + 1, 0, 0), x));
        }
    }
    for &ri in &removed {
        keyed.push(((ri + 1, 0, 0), lone(&m1[ri], Change::Removed)));
    }
    let mut anchor = 0;
    for (j, m) in m2.iter().enumerate() {
        match a_index_of_b[j] {
            Some(i) => anchor = i + 1,
            None => keyed.push(((anchor, 1, j), lone(m, Change::Added))),
        }
    }
    keyed.sort_by_key(|(k, _)| *k);
    let details: Vec<Difference> = keyed.into_iter().map(|(_, d)| d).collect();
    d.details.extend(details);
    Ok(used)
}

/// Names the symbols that hold the changed bytes of each ELF section (from the second input's
/// symbol table), e.g. "changed bytes are in main+0x4, helper+0x10".
fn locate_symbols(elf: &[u8], d: &mut Difference) {
    const MAX_LOOKUPS: usize = 8;
    for x in &mut d.details {
        let mut names: Vec<String> = Vec::new();
        for r in x.byte_ranges.iter().take(MAX_LOOKUPS) {
            if let Some((sym, off)) = reproscope_formats::elf::symbol_at(elf, &x.source2, r.offset) {
                let label = if off == 0 { sym } else { format!("{sym}+{off:#x}") };
                if !names.contains(&label) {
                    names.push(label);
                }
            }
        }
        if !names.is_empty() {
            let more = if x.byte_range_count > MAX_LOOKUPS { ", ..." } else { "" };
            x.comments
                .push(format!("changed bytes are in {}{more}", names.join(", ")));
        }
    }
}

/// Puts first in each differing member's comments what its format says places it (an SGX
/// page's region and permissions), which the changed fields alone may not show.
fn describe_members(format: Option<&str>, m1: &[Member], m2: &[Member], d: &mut Difference) {
    let Some(f) = format.and_then(reproscope_formats::registry::by_name) else {
        return;
    };
    // Most formats describe nothing: ask about one member before indexing them all.
    if m1.first().or(m2.first()).and_then(|m| f.describe_member(m)).is_none() {
        return;
    }
    let i1: HashMap<&str, &Member> = m1.iter().map(|m| (m.name.as_str(), m)).collect();
    let i2: HashMap<&str, &Member> = m2.iter().map(|m| (m.name.as_str(), m)).collect();
    for x in &mut d.details {
        let found = if x.change == Change::Added {
            i2.get(x.source2.as_str())
        } else {
            i1.get(x.source1.as_str())
        };
        if let Some(text) = found.and_then(|m| f.describe_member(m)) {
            x.comments.insert(0, text);
        }
    }
}

/// True when a compared pair's content differs (not only its metadata).
fn content_differs(x: &Difference) -> bool {
    x.unified_diff.is_some() || !x.details.is_empty() || x.size1 != x.size2
}

/// Where a member's bytes are stored in its container, when its format records it: the
/// `offset` field, and `*-position` fields for bytes stored elsewhere (a squashfs file's tail in
/// a fragment block). `first` gives the earliest place (where a change starts moving what
/// follows), otherwise the last (a member with bytes after a change may have moved).
fn stored_at(m: &Member, first: bool) -> Option<u64> {
    let places = m.fields.iter().filter_map(|f| match (&f.value, f.name.as_str()) {
        (Value::Offset(o), n) if n == "offset" || n.ends_with("-position") => Some(*o),
        _ => None,
    });
    if first {
        places.min()
    } else {
        places.max()
    }
}

/// A member present on one side only.
fn lone(m: &Member, change: Change) -> Difference {
    let mut d = Difference::new(m.name.clone(), m.name.clone(), change);
    d.kind = Some(m.kind.label().into());
    let size = (m.data.is_some()).then_some(m.size);
    if change == Change::Added {
        d.size2 = size;
    } else {
        d.size1 = size;
    }
    d
}

/// One member under another name in each input: compared like any pair, and reported even when
/// nothing else differs (the name did).
fn compare_renamed(
    ctx: &Ctx,
    a: &Member,
    b: &Member,
    similarity: Option<u8>,
    allow: Allowance,
) -> Result<(Difference, Usage), Error> {
    let (d, usage) = compare_member(ctx, a, b, allow)?;
    let mut d = d.unwrap_or_else(|| {
        let mut d = Difference::new(a.name.clone(), b.name.clone(), Change::Renamed);
        d.kind = Some(a.kind.label().into());
        d
    });
    d.change = Change::Renamed;
    d.similarity = similarity;
    if a.data.is_some() && b.data.is_some() {
        d.size1.get_or_insert(a.size);
        d.size2.get_or_insert(b.size);
    }
    Ok((d, usage))
}

/// Compares one pair of members within `allow` of the budget; returns what it drew.
fn compare_member(ctx: &Ctx, a: &Member, b: &Member, allow: Allowance) -> Result<(Option<Difference>, Usage), Error> {
    let mut usage = Usage::default();
    if let Some(p) = &ctx.opts.progress {
        p.members.fetch_add(1, Ordering::Relaxed);
        p.bytes.fetch_add(a.size + b.size, Ordering::Relaxed);
    }
    let mut d = Difference::new(a.name.clone(), b.name.clone(), Change::Changed);
    d.kind = Some(a.kind.label().into());
    match (&a.kind, &b.kind) {
        (x, y) if x == y => {}
        (EntryKind::Symlink { target: t1 }, EntryKind::Symlink { target: t2 })
        | (EntryKind::HardLink { target: t1 }, EntryKind::HardLink { target: t2 }) => d.fields.push(FieldChange::new(
            "link-target",
            Some(Value::Path(t1.clone())),
            Some(Value::Path(t2.clone())),
        )),
        (x, y) => d.fields.push(FieldChange::new(
            "type",
            Some(Value::Text(describe_kind(x))),
            Some(Value::Text(describe_kind(y))),
        )),
    }
    d.fields.extend(compare_fields(&a.fields, &b.fields));
    // Stored bytes equal (same compression, same compressed data): the content is too.
    let known_equal = matches!((&a.data, &b.data), (Some(da), Some(db)) if da.known_equal(db));
    if let (Some(da), Some(db), false) = (&a.data, &b.data, known_equal) {
        let mut child = ctx.child(&a.name, allow);
        let file_like = |k: &EntryKind| matches!(k, EntryKind::File | EntryKind::HardLink { .. });
        child.lenient = file_like(&a.kind) && file_like(&b.kind);
        // Lazy content (zip entries, squashfs files, sparse files, joined extents) is produced
        // here: the first side, then the second, from the member's allowance.
        let mut load = |data: &Data, file: &str| -> Result<Option<Blob>, Error> {
            let limits = ctx.limits(usage.left(allow).bytes);
            match data.load_with(&limits) {
                Ok(blob) => {
                    if matches!(data, Data::Lazy(_)) {
                        usage.bytes = usage.bytes.saturating_add(blob.len() as u64);
                    }
                    Ok(Some(blob))
                }
                Err(e) if child.budget_stopped(&e.message, limits.max_decompressed) => Ok(None),
                Err(e) => Err(Error::new(file, &child.path, e.message)),
            }
        };
        let ba = load(da, ctx.file1)?;
        let bb = match ba {
            Some(_) => load(db, ctx.file2)?,
            None => None,
        };
        let (Some(ba), Some(bb)) = (ba, bb) else {
            d.comments.push(child.bytes_note());
            if let (Some(sa), Some(sb)) = (stored_bytes(da), stored_bytes(db)) {
                compare_bytes(&child, &sa, &sb, &mut d);
            }
            usage.used_up(allow);
            return Ok((keep(d), usage));
        };
        if usage.bytes > allow.bytes {
            d.comments.push(child.bytes_note());
            usage.used_up(allow);
            return Ok((keep(d), usage));
        }
        child.allow = usage.left(allow);
        let base = |n: &str| n.rsplit('/').next().unwrap_or(n).to_string();
        let inner = compare_content(&child, (&base(&a.name), &base(&b.name)), ba, bb, &mut d)?;
        usage.add(inner);
        // What the writer guessed from the content (text or not) follows from it.
        if content_differs(&d) {
            for f in d
                .fields
                .iter_mut()
                .filter(|f| f.name == "content-type" && f.derived.is_none())
            {
                f.derived = Some("guessed from content that differs".into());
            }
        }
        if usage.hit {
            usage.used_up(allow);
        }
        // A format that records the size as a field of its own already reported it.
        let has_size_field = a.fields.iter().chain(&b.fields).any(|f| f.name == "size");
        if d.size1 != d.size2 && d.format.is_none() && !has_size_field {
            if let (Some(s1), Some(s2)) = (d.size1, d.size2) {
                d.fields
                    .push(FieldChange::new("size", Some(Value::Size(s1)), Some(Value::Size(s2))));
            }
        }
    }
    Ok((keep(d), usage))
}

/// A member's bytes as stored, when they are one piece (a compressed zip entry, a sparse
/// file's data): what is compared when the budget leaves nothing to decode them with.
fn stored_bytes(data: &Data) -> Option<Blob> {
    match data {
        Data::Blob(b) => Some(b.clone()),
        Data::Lazy(l) => {
            let mut pieces = l.stored();
            (pieces.len() == 1).then(|| pieces.remove(0))
        }
        Data::File(_) => None,
    }
}

fn describe_kind(k: &EntryKind) -> String {
    match k {
        EntryKind::Symlink { target } => format!("symlink to {target}"),
        EntryKind::HardLink { target } => format!("hard link to {target}"),
        EntryKind::CharDevice { major, minor } => format!("character device {major}:{minor}"),
        EntryKind::BlockDevice { major, minor } => format!("block device {major}:{minor}"),
        other => other.label().to_string(),
    }
}
