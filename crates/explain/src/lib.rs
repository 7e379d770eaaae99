//! Why two builds differ: rules over the Difference tree tag every difference with a cause
//! (`timestamp`, `file-order`, `build-path`, ... see [`causes`]) and rank the causes for the
//! whole comparison, with evidence and a fix for each. A difference that only follows from
//! another (a checksum or build ID over changed bytes, an offset moved by an earlier member's
//! growth, a container's size) is marked derived, with the path it follows from, and is not
//! counted as a cause.
//!
//! ```no_run
//! # fn demo(mut d: reproscope_diff::Difference) {
//! let e = reproscope_explain::explain(&d, &reproscope_explain::Config::default());
//! e.annotate(&mut d); // per-node `cause` / `derived_from`
//! e.hide(&mut d, &["timestamp".to_string()]); // what is left once timestamps are dealt with
//! # }
//! ```

// Untrusted input is parsed here: no unsafe code, so memory safety rests on the compiler.
#![forbid(unsafe_code)]

pub mod causes;
mod checks;
mod classify;
mod datewords;
pub mod seealso;
mod strtab;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reproscope_diff::{human_delta, Change, Difference, FieldChange};
use reproscope_formats::{format_time, Value};
use serde::Serialize;

use causes::*;
pub use classify::classify;
use classify::{excerpt, hex_blocks, parse_unified, readable, reordered, Known};

/// Explainer settings.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// SOURCE_DATE_EPOCH the builds were meant to use: timestamps are compared with it.
    pub source_date_epoch: Option<i64>,
}

/// One cause for the whole comparison, with what supports it.
#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    /// Stable id: "timestamp", "file-order", ... (see [`causes::ALL`]).
    pub id: String,
    pub title: String,
    /// Differences with this cause.
    pub count: usize,
    /// True for differences that only follow from others (listed apart, not a cause to fix).
    pub derived: bool,
    /// For derived ones: the causes they follow from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub follows: Vec<String>,
    /// Readable facts: the values, how they differ, where; the first is the summary's.
    pub evidence: Vec<String>,
    /// What to change in the build; empty for derived differences.
    pub fix: String,
    /// Some of the paths concerned (at most 10).
    pub paths: Vec<String>,
    /// reproducible-builds.org issue types this cause matches (their pages list the Debian
    /// packages known to have it): see [`seealso::issue_url`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub see_also: Vec<String>,
    /// Timestamps against SOURCE_DATE_EPOCH, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_date_epoch: Option<EpochCheck>,
}

/// How the differing timestamps of each input compare with SOURCE_DATE_EPOCH.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct EpochCheck {
    pub value: i64,
    /// Per input (first, second): equal to it, earlier, later (so not clamped).
    pub first: [usize; 3],
    pub second: [usize; 3],
    /// A few timestamps later than SOURCE_DATE_EPOCH: "path field value".
    pub not_clamped: Vec<String>,
}

/// Which part of a node a unit of difference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Field(usize),
    Content,
    /// The node itself: added, removed or renamed.
    Node,
}

#[derive(Clone, Debug)]
struct Unit {
    node: Vec<usize>,
    path: String,
    part: Part,
    cause: &'static str,
    derived: bool,
    derived_from: Option<String>,
    /// For derived units: the cause of what they follow from.
    root: Option<&'static str>,
    /// Fix context: the container format or layer ("tar", "gzip", "text", ...).
    context: &'static str,
    evidence: String,
    /// A Time field's two values.
    times: Option<(Option<i64>, Option<i64>, String)>,
    /// Section of an ELF file (for the debug-info rule).
    in_elf: Option<Vec<usize>>,
    /// A Mode field's two values.
    modes: Option<(u32, u32)>,
    /// A changed value that may be a checksum of other content: checked once the whole tree is
    /// walked (see `checks::digests`).
    pending: Option<Box<checks::Pending>>,
    /// For content seen as bytes: which listed byte ranges this unit stands for.
    ranges: Vec<usize>,
    /// The same entries laid out in another order (see `classify::renumbered`): the other
    /// changed content of the same file follows from it.
    relaid: bool,
    /// For a content unit: the one changed value of each line or string it stands for, as
    /// (old, new), when each had one (see `link_values`).
    values: Vec<(String, String)>,
    /// For a content unit of a few changed bytes: each range's bytes on both sides (see
    /// `link_bytes`).
    bytes: Vec<(Vec<u8>, Vec<u8>)>,
    /// A cause read from bytes alone that holds only when another unit shows it too (a number
    /// that reads as a build time, when a build time changed elsewhere); else content.
    unconfirmed: bool,
}

/// The explanation of one comparison.
#[derive(Clone, Debug, Default)]
pub struct Explanation {
    /// Ranked: causes first (real changes, then by count), then what follows from them.
    pub causes: Vec<Cause>,
    units: Vec<Unit>,
}

/// Explains a difference tree (it is not modified; see [`Explanation::annotate`]).
pub fn explain(d: &Difference, cfg: &Config) -> Explanation {
    let mut known = Known::default();
    d.walk(&mut |_, n| {
        for f in &n.fields {
            if f.name.ends_with("comp-dir") {
                if let Some(Value::Path(p)) = &f.before {
                    known.build_dirs1.push(p.clone());
                }
                if let Some(Value::Path(p)) = &f.after {
                    known.build_dirs2.push(p.clone());
                }
            }
        }
    });
    let mut w = Walker {
        known,
        units: Vec::new(),
        values: Vec::new(),
        bytes: Vec::new(),
        root: d.source1.clone(),
    };
    w.node(d, &mut Vec::new(), &mut Vec::new(), "", None);
    confirm(&mut w.units);
    link_values(&mut w.units, &w.values);
    link_bytes(&mut w.units, &w.bytes);
    let mut units = w.units;
    let all = nodes(d);
    checks::digests(d, &all, &mut units);
    checks::shifts(&all, &mut units);
    link_elf(&mut units);
    link_relaid(&mut units);
    link_opaque(&all, &mut units);
    link_derived(d, &mut units);
    checks::versions(&mut units);
    if units.iter().all(|u| u.derived) {
        // Nothing else differs: what would be derived is the difference itself.
        for u in &mut units {
            u.derived = false;
            u.derived_from = None;
        }
    }
    let causes = aggregate(&units, cfg);
    Explanation { causes, units }
}

impl Explanation {
    /// The top-ranked cause (not derived), if anything differs.
    pub fn top(&self) -> Option<&Cause> {
        self.causes.iter().find(|c| !c.derived)
    }

    /// Writes each node's and field's cause (and `derived_from`) into the tree.
    pub fn annotate(&self, d: &mut Difference) {
        let mut by_node: HashMap<&[usize], Vec<&Unit>> = HashMap::new();
        for u in &self.units {
            by_node.entry(u.node.as_slice()).or_default().push(u);
        }
        fn go(d: &mut Difference, at: &mut Vec<usize>, by: &HashMap<&[usize], Vec<&Unit>>) {
            if let Some(us) = by.get(at.as_slice()) {
                for u in us {
                    if let Part::Field(i) = u.part {
                        if let Some(f) = d.fields.get_mut(i) {
                            f.cause = Some(u.cause.to_string());
                            f.derived_from.clone_from(&u.derived_from);
                        }
                    }
                }
                // The node's main cause: its most important own difference.
                if let Some(u) = us
                    .iter()
                    .min_by_key(|u| (u.derived, !is_real(u.cause), u.part != Part::Content))
                {
                    d.cause = Some(u.cause.to_string());
                    d.derived_from = if u.derived { u.derived_from.clone() } else { None };
                    // Derived content under another main cause (md5sums lines under a changed
                    // mtime): say so, or the lines read as unexplained.
                    let others: Vec<&Unit> = us
                        .iter()
                        .copied()
                        .filter(|x| x.derived && x.part == Part::Content && !std::ptr::eq(*x, *u))
                        .collect();
                    if let Some(first) = others.iter().find_map(|x| x.derived_from.as_deref()) {
                        let froms: BTreeSet<&str> = others.iter().filter_map(|x| x.derived_from.as_deref()).collect();
                        let causes: BTreeSet<&str> = others.iter().map(|x| x.cause).collect();
                        let more = match froms.len() {
                            0 | 1 => String::new(),
                            n => format!(" (and {} more)", n - 1),
                        };
                        let causes: Vec<&str> = causes.into_iter().collect();
                        d.comments.push(format!(
                            "changed content ({}) follows from {first}{more}",
                            causes.join(", ")
                        ));
                    }
                }
            }
            for (i, c) in d.details.iter_mut().enumerate() {
                at.push(i);
                go(c, at, by);
                at.pop();
            }
        }
        go(d, &mut Vec::new(), &by_node);
    }

    /// Drops the differences whose cause is in `hidden` (and those that only follow from them)
    /// from the tree, then the nodes left with nothing to show. The causes still count them.
    /// Returns how many differences were dropped.
    pub fn hide(&self, d: &mut Difference, hidden: &[String]) -> usize {
        let gone = |u: &Unit| {
            hidden.iter().any(|h| h == u.cause) || (u.derived && u.root.is_some_and(|r| hidden.iter().any(|h| h == r)))
        };
        let mut by_node: HashMap<&[usize], Vec<&Unit>> = HashMap::new();
        let mut dropped = 0;
        for u in self.units.iter().filter(|u| gone(u)) {
            by_node.entry(u.node.as_slice()).or_default().push(u);
            dropped += 1;
        }
        let mut keep_node: HashMap<&[usize], bool> = HashMap::new();
        for u in &self.units {
            if !gone(u) {
                keep_node.insert(u.node.as_slice(), true);
            }
        }
        fn go(
            d: &mut Difference,
            at: &mut Vec<usize>,
            by: &HashMap<&[usize], Vec<&Unit>>,
            keep: &HashMap<&[usize], bool>,
            hidden: &[String],
        ) -> bool {
            let mut own = keep.contains_key(at.as_slice());
            if let Some(us) = by.get(at.as_slice()) {
                let mut fields: Vec<usize> = us
                    .iter()
                    .filter_map(|u| match u.part {
                        Part::Field(i) => Some(i),
                        _ => None,
                    })
                    .collect();
                fields.sort_unstable();
                fields.dedup();
                for i in fields.into_iter().rev() {
                    if i < d.fields.len() {
                        d.fields.remove(i);
                    }
                }
                let content_kept = keep.contains_key(at.as_slice())
                    && d.cause.as_deref().is_some_and(|c| !hidden.iter().any(|h| h == c));
                if us.iter().any(|u| u.part == Part::Content) && !content_kept {
                    d.unified_diff = None;
                    d.byte_ranges.clear();
                    d.byte_range_count = 0;
                }
                let quiet = |c: &String| {
                    (c.contains("different order") && hidden.iter().any(|h| h == FILE_ORDER))
                        || (c.contains("only key order") && hidden.iter().any(|h| h == FILE_ORDER))
                        || (c.contains("decompressed content is identical") && hidden.iter().any(|h| h == COMPRESSION))
                };
                d.comments.retain(|c| !quiet(c));
            }
            let mut kept = Vec::new();
            for (i, mut c) in std::mem::take(&mut d.details).into_iter().enumerate() {
                at.push(i);
                if go(&mut c, at, by, keep, hidden) {
                    kept.push(c);
                }
                at.pop();
            }
            d.details = kept;
            own |= !d.details.is_empty();
            own
        }
        let any = go(d, &mut Vec::new(), &by_node, &keep_node, hidden);
        if !any {
            d.fields.clear();
            d.unified_diff = None;
            d.byte_ranges.clear();
            d.byte_range_count = 0;
        }
        dropped
    }
}

struct Walker {
    known: Known,
    units: Vec<Unit>,
    /// Values seen changed and classified (old, new, cause): the same value changed elsewhere,
    /// where nothing names it, is the same cause (a host name in /etc/hostname and after an
    /// unknown key in a config file).
    values: Vec<(String, String, &'static str)>,
    /// The same for changed bytes (old, new, cause): a value compiled into two places (a salt
    /// in a table and an instruction that uses its first byte).
    bytes: Vec<(Vec<u8>, Vec<u8>, &'static str)>,
    /// How the top node is named in evidence: the first input's name.
    root: String,
}

/// The last format of a node's chain ("gzip+tar" → "tar"), as a static context name.
fn last_format(f: Option<&str>) -> &'static str {
    let last = f.and_then(|f| f.rsplit('+').next()).unwrap_or("");
    for k in [
        "tar", "cpio", "zip", "squashfs", "iso9660", "gzip", "xz", "zstd", "bzip2", "lz4", "ar", "elf", "eif", "sgxs",
        "pyc", "png", "mo",
    ] {
        if last == k {
            return k;
        }
    }
    ""
}

/// The format chains of a node's two sides ("xz+tar", and "zstd+tar" when the format changed).
fn chains(d: &Difference) -> Vec<String> {
    let mut v: Vec<String> = d.format.iter().cloned().collect();
    for f in d.fields.iter().filter(|f| f.name == "format") {
        for x in [&f.before, &f.after].into_iter().flatten() {
            v.push(x.to_string());
        }
    }
    v
}

/// The layers of a node's format chains ("xz", "zstd", "tar").
fn layers(d: &Difference) -> Vec<String> {
    chains(d)
        .iter()
        .flat_map(|c| c.split('+').map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// Whether only the outer layer of a node changed: the same content decompressed, or another
/// outer layer over the same inner format (`xz+tar` → `gzip+tar`).
fn recompressed(d: &Difference) -> bool {
    if d.comments
        .iter()
        .any(|c| c.contains("decompressed content is identical"))
    {
        return true;
    }
    let c = chains(d);
    let inner = |s: &str| {
        s.split_once('+')
            .map(|(outer, rest)| (outer.to_string(), rest.to_string()))
    };
    match (c.get(1).and_then(|x| inner(x)), c.get(2).and_then(|x| inner(x))) {
        (Some((o1, r1)), Some((o2, r2))) => o1 != o2 && r1 == r2,
        _ => false,
    }
}

fn leaf(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(Value::Time(t)) => format!("{t} ({})", format_time(*t)),
        Some(Value::Mode(m)) => format!("{:04o}", m & 0o7777),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 64 {
                format!("{}…", s.chars().take(64).collect::<String>())
            } else {
                s
            }
        }
    }
}

fn text_of(v: &Option<Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

impl Walker {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        node: &[usize],
        path: &str,
        part: Part,
        cause: &'static str,
        context: &'static str,
        evidence: String,
    ) -> &mut Unit {
        self.units.push(Unit {
            node: node.to_vec(),
            path: path.to_string(),
            part,
            cause,
            derived: false,
            derived_from: None,
            root: None,
            context,
            evidence,
            times: None,
            in_elf: None,
            modes: None,
            pending: None,
            ranges: Vec::new(),
            relaid: false,
            values: Vec::new(),
            unconfirmed: false,
            bytes: Vec::new(),
        });
        self.units.last_mut().expect("just pushed")
    }

    fn node(
        &mut self,
        d: &Difference,
        at: &mut Vec<usize>,
        names: &mut Vec<String>,
        parent_fmt: &'static str,
        elf: Option<Vec<usize>>,
    ) {
        let path = if names.is_empty() {
            self.root.clone()
        } else {
            names.join("/")
        };
        let own_fmt = last_format(d.format.as_deref());
        let first = self.units.len();
        let content_differs =
            d.unified_diff.is_some() || d.byte_range_count > 0 || !d.details.is_empty() || d.format.is_some();
        let has_time = d
            .fields
            .iter()
            .any(|f| matches!(f.before, Some(Value::Time(_))) || matches!(f.after, Some(Value::Time(_))));
        let is_json = d.fields.iter().any(|f| f.name.starts_with("json"));
        for (i, f) in d.fields.iter().enumerate() {
            self.field(d, f, i, at, &path, parent_fmt, own_fmt, content_differs, has_time);
        }
        // The same content compressed another way: its compressed size and the flags that
        // record the setting change with the setting.
        let setting = self.units[first..].iter().any(|u| u.cause == COMPRESSION && !u.derived);
        if setting || !content_differs {
            for u in &mut self.units[first..] {
                let Part::Field(i) = u.part else { continue };
                let name = d.fields.get(i).map_or("", |f| leaf(&f.name));
                let recompressed_size = name == "compressed-size" && !content_differs;
                if u.cause == CONTENT && (recompressed_size || (setting && name == "flags")) {
                    u.cause = COMPRESSION;
                }
            }
        }
        match d.change {
            Change::Added | Change::Removed => {
                let (sign, size) = if d.change == Change::Added {
                    ("added", d.size2)
                } else {
                    ("removed", d.size1)
                };
                let size = size.map(|s| format!(", {s} bytes")).unwrap_or_default();
                self.push(at, &path, Part::Node, CONTENT, "", format!("{path}: {sign}{size}"));
            }
            Change::Renamed => {
                // Another compressor's extension on the same content (data.tar.xz → .zst).
                let cause = if recompressed(d) {
                    COMPRESSION
                } else {
                    classify(&d.source1, &d.source2, &self.known).unwrap_or(CONTENT)
                };
                self.push(
                    at,
                    &path,
                    Part::Node,
                    cause,
                    "",
                    format!("renamed: {} → {}", d.source1, d.source2),
                );
            }
            Change::Changed => {}
        }
        if !is_json {
            self.content(d, at, &path, own_fmt, parent_fmt);
        }
        let fields_explain = self.units[first..]
            .iter()
            .any(|u| !u.derived && matches!(u.part, Part::Field(_)));
        if !fields_explain
            && d.comments
                .iter()
                .any(|c| c.contains("decompressed content is identical"))
        {
            let ctx = if own_fmt.is_empty() {
                last_format(d.format.as_deref().and_then(|f| f.split('+').next()))
            } else {
                own_fmt
            };
            let what = d
                .format
                .as_deref()
                .and_then(|f| f.split('+').next())
                .unwrap_or("compressed");
            self.push(
                at,
                &path,
                Part::Content,
                COMPRESSION,
                ctx,
                format!("{path}: {what} bytes differ, the decompressed content is identical"),
            );
        }
        for u in &mut self.units[first..] {
            u.in_elf.clone_from(&elf);
        }
        let child_elf = if own_fmt == "elf" { Some(at.clone()) } else { elf };
        for (i, c) in d.details.iter().enumerate() {
            at.push(i);
            names.push(if c.change == Change::Added {
                c.source2.clone()
            } else {
                c.source1.clone()
            });
            self.node(
                c,
                at,
                names,
                if own_fmt.is_empty() { parent_fmt } else { own_fmt },
                child_elf.clone(),
            );
            names.pop();
            at.pop();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        d: &Difference,
        f: &FieldChange,
        i: usize,
        at: &[usize],
        path: &str,
        parent_fmt: &'static str,
        own_fmt: &'static str,
        content_differs: bool,
        has_time: bool,
    ) {
        let name = f.name.as_str();
        let lf = leaf(name);
        let value = f.before.as_ref().or(f.after.as_ref());
        // Fields of a stream layer carry its name ("gzip.mtime"); a member's own fields belong to
        // its container; a container's header fields to itself.
        let stream = name
            .split_once('.')
            .map(|(p, _)| last_format(Some(p)))
            .filter(|s| !s.is_empty());
        let own_field = d.kind.is_none() || name.starts_with("root.") || name == "mkfs-time";
        let ctx = stream.unwrap_or(if own_field && !own_fmt.is_empty() {
            own_fmt
        } else {
            parent_fmt
        });
        let evidence = format!("{path}: {name} {} → {}", show(&f.before), show(&f.after));
        let part = Part::Field(i);
        let derived = |w: &mut Walker, cause: &'static str| {
            let u = w.push(at, path, part, cause, ctx, evidence.clone());
            u.derived = true;
        };
        let is_time = matches!(value, Some(Value::Time(_)));
        if recompressed(d)
            && !is_time
            && (name == "format" || layers(d).iter().any(|l| name.starts_with(&format!("{l}."))))
        {
            // The outer layer changed (another compressor, or its settings) over the same
            // content: every field of that layer says so.
            self.push(at, path, part, COMPRESSION, ctx, evidence);
            return;
        }
        if name == "member-order" || name == "json-array-order" {
            // The same names in another order: a locale's collation against bytewise order, or
            // just another order (readdir, hash order).
            let cause = d
                .evidence
                .orders
                .as_deref()
                .and_then(|(x, y)| classify::order_cause(x, y))
                .unwrap_or(FILE_ORDER);
            let ctx = if name == "member-order" { own_fmt } else { "json" };
            self.push(at, path, part, cause, ctx, evidence);
            return;
        }
        if name == "json-key-order" {
            self.push(at, path, part, FILE_ORDER, "json", evidence);
            return;
        }
        if lf == "build-id" || name.ends_with("build-id") {
            // Derived or not is decided per ELF file, once all its sections are seen.
            self.push(at, path, part, BUILD_ID, "elf", evidence);
            return;
        }
        if f.derived.is_some() {
            let cause = match value {
                Some(Value::Offset(_)) => OFFSET_SHIFT,
                Some(Value::Size(_)) => SIZE,
                _ => CHECKSUM,
            };
            derived(self, cause);
            return;
        }
        if name.ends_with("tz-offset-minutes") {
            self.push(at, path, part, TIMEZONE, ctx, evidence);
            return;
        }
        let compression = matches!(
            lf,
            "level-hint" | "xfl" | "filters" | "dict-size" | "method" | "compression" | "block-size"
        ) || name.starts_with("compression")
            // What a writer records about the method it used (the format version a reader
            // needs, its guess whether the data is text) follows from the method.
            || (matches!(lf, "version-needed" | "content-type")
                && d.fields.iter().any(|g| g.name.rsplit('.').next() == Some("method")))
            || name.contains(".compression");
        if compression {
            self.push(at, path, part, COMPRESSION, ctx, evidence);
            return;
        }
        match value {
            Some(Value::Time(_)) => {
                let t = |v: &Option<Value>| match v {
                    Some(Value::Time(t)) => Some(*t),
                    _ => None,
                };
                let (a, b) = (t(&f.before), t(&f.after));
                // The same moment written in another time zone.
                let zone = matches!((a, b), (Some(a), Some(b)) if classify::zone_delta(a - b));
                let cause = if zone { TIMEZONE } else { TIMESTAMP };
                let ev = match (a, b) {
                    (Some(x), Some(y)) => format!(
                        "{path}: {name} {x} → {y} ({} → {}): {}",
                        format_time(x),
                        format_time(y),
                        human_delta(y - x)
                    ),
                    _ => evidence,
                };
                let u = self.push(at, path, part, cause, ctx, ev);
                u.times = Some((a, b, name.to_string()));
            }
            Some(Value::Mode(_)) => {
                let m = |v: &Option<Value>| match v {
                    Some(Value::Mode(m)) => Some(*m),
                    _ => None,
                };
                let (a, b) = (m(&f.before), m(&f.after));
                let type_changed = matches!((a, b), (Some(a), Some(b)) if a & 0o170000 != b & 0o170000);
                let u = self.push(
                    at,
                    path,
                    part,
                    if type_changed { CONTENT } else { PERMISSIONS },
                    ctx,
                    evidence,
                );
                if let (Some(a), Some(b)) = (a, b) {
                    u.modes = Some((a, b));
                }
            }
            Some(Value::Id(_)) | Some(Value::Name(_)) => {
                self.push(at, path, part, USER_GROUP, ctx, evidence);
            }
            Some(Value::Path(_)) => {
                let cause = if name.ends_with("comp-dir") {
                    BUILD_PATH
                } else {
                    classify(&text_of(&f.before), &text_of(&f.after), &self.known).unwrap_or(CONTENT)
                };
                self.push(
                    at,
                    path,
                    part,
                    cause,
                    if cause == BUILD_PATH { "elf" } else { ctx },
                    evidence,
                );
            }
            Some(Value::Offset(_)) => derived(self, OFFSET_SHIFT),
            // A section's alignment follows what it holds (a longer string table is aligned
            // wider).
            Some(Value::Int(_)) if content_differs && matches!(lf, "align" | "alignment" | "addralign") => {
                derived(self, SIZE)
            }
            Some(Value::Size(_)) if content_differs => derived(self, SIZE),
            Some(Value::Digest(_)) if content_differs => derived(self, CHECKSUM),
            Some(Value::Hex(_)) if has_time && lf.contains("extra") => {
                // zip's extra fields hold the extended timestamps.
                self.push(at, path, part, TIMESTAMP, ctx, evidence);
            }
            Some(Value::Text(_) | Value::Int(_) | Value::Hex(_))
                if lf.contains("time") || lf.contains("date") || lf.contains("nsec") =>
            {
                // Sub-second parts and extended forms of a time (mtime-nsec, mtime-ext).
                self.push(at, path, part, TIMESTAMP, ctx, evidence);
            }
            Some(Value::Text(_)) if !matches!(name, "type" | "format") => {
                let (a, b) = (text_of(&f.before), text_of(&f.after));
                // A JSON value is read with its key as the name: `.deps.requests="2.31.0"`.
                let (a, b) = match name.strip_prefix("json:") {
                    Some(p) => (format!("{p}={a}"), format!("{p}={b}")),
                    None => (format!("{name}: {a}"), format!("{name}: {b}")),
                };
                let cause = classify(&a, &b, &self.known).unwrap_or(CONTENT);
                let ctx = if name.starts_with("json:") { "json" } else { "text" };
                self.push(at, path, part, cause, ctx, evidence);
            }
            _ => {
                self.push(at, path, part, CONTENT, ctx, evidence);
            }
        }
    }

    /// The node's content: a text diff, changed bytes.
    fn content(&mut self, d: &Difference, at: &[usize], path: &str, own_fmt: &'static str, parent_fmt: &'static str) {
        let Some(u) = &d.unified_diff else { return };
        let name = if d.change == Change::Added {
            &d.source2
        } else {
            &d.source1
        };
        if d.byte_range_count > 0 {
            if name == ".note.gnu.build-id" {
                self.push(
                    at,
                    path,
                    Part::Content,
                    BUILD_ID,
                    "elf",
                    format!("{path}: the build ID note differs"),
                );
                return;
            }
            self.byte_content(d, u, at, path, if own_fmt.is_empty() { "bytes" } else { own_fmt });
            return;
        }
        let lines = parse_unified(u);
        if let Some(n) = classify::renumbered(&lines) {
            let ex = lines.pairs.first().map(|(x, y)| excerpt(x, y)).unwrap_or_default();
            let u = self.push(
                at,
                path,
                Part::Content,
                FILE_ORDER,
                "text",
                format!("{path}: the same {n} entries at other addresses, laid out in another order, {ex}"),
            );
            u.relaid = true;
            return;
        }
        if let Some(order) = reordered(&lines) {
            let ex = lines.pairs.first().map(|(x, y)| excerpt(x, y)).unwrap_or_default();
            self.push(
                at,
                path,
                Part::Content,
                order,
                "text",
                format!("{path}: the same lines in another order, {ex}"),
            );
            return;
        }
        // Lines that only moved (a list sorted otherwise) beside other changes: their order is
        // one cause, the rest is classified line by line.
        let lines = match classify::split_moves(&lines) {
            Some(((order, n), rest)) => {
                self.push(
                    at,
                    path,
                    Part::Content,
                    order,
                    "text",
                    format!("{path}: {n} lines in another order"),
                );
                if rest.pairs.is_empty() && rest.removed.is_empty() && rest.added.is_empty() {
                    return;
                }
                rest
            }
            None => lines,
        };
        let mut found: Vec<(&'static str, String)> = Vec::new();
        let mut content_values: Vec<(String, String)> = Vec::new();
        for (a, b) in lines.pairs.iter().take(256) {
            // Every kind of change on the line (a build-info line can hold a host and a date).
            let kinds = if name == "(notes)" && a.contains("NT_GNU_BUILD_ID") {
                vec![BUILD_ID]
            } else {
                classify::classify_all(a, b, &self.known)
            };
            let cause = kinds.first().copied().unwrap_or(CONTENT);
            let ev = format!("{path}: {}", excerpt(a, b));
            if let Some((x, y)) = classify::changed_value(a, b) {
                match kinds.first() {
                    Some(k) => self.values.push((x, y, k)),
                    None => content_values.push((x, y)),
                }
            }
            // A line that names a digest (md5sums, RECORD, SHA256SUMS, .buildinfo): derived when
            // the new value is the digest of content that changed, checked after the walk.
            if let Some(p) = (cause != BUILD_ID)
                .then(|| checks::Pending::from_text(a, b, cause, "text"))
                .flatten()
            {
                let u = self.push(at, path, Part::Content, CHECKSUM, "text", ev);
                u.derived = true;
                u.pending = Some(Box::new(p));
                continue;
            }
            found.push((cause, ev.clone()));
            found.extend(kinds.iter().skip(1).map(|k| (*k, ev.clone())));
        }
        for l in lines.removed.iter().take(3) {
            found.push((CONTENT, format!("{path}: line removed: {:?}", l.trim())));
        }
        for l in lines.added.iter().take(3) {
            found.push((CONTENT, format!("{path}: line added: {:?}", l.trim())));
        }
        if found.is_empty() && self.units.last().is_none_or(|u| u.node != at) {
            found.push((CONTENT, format!("{path}: content differs")));
        }
        let first = self.units.len();
        let whole = lines.removed.is_empty() && lines.added.is_empty();
        self.content_units(at, path, found, "text");
        if whole {
            if let Some(u) = self.units[first..].iter_mut().find(|u| u.cause == CONTENT) {
                u.values = content_values;
            }
        }
        // Text that a container's decoder wrote (a pyc's code listing, a catalog's header):
        // the container's own fix when it has one.
        for u in &mut self.units[first..] {
            if !parent_fmt.is_empty() && fix(u.cause, parent_fmt) != fix(u.cause, "") {
                u.context = parent_fmt;
            }
        }
    }

    /// Changed bytes: each listed range read as the whole strings that hold it on both sides
    /// (or, without them, as the hex rows shown), classified; a string that grew or shrank
    /// moves every later byte of the node, so the ranges after it follow from it.
    fn byte_content(&mut self, d: &Difference, u: &str, at: &[usize], path: &str, ctx: &'static str) {
        const MAX_CLASSIFIED: usize = 8;
        // A build time compiled in as a number (a constant in an instruction or a table).
        if d.byte_range_count == d.byte_ranges.len() {
            if let Some((x, y)) = checks::epoch_words(u, &d.byte_ranges) {
                let ev = format!(
                    "{path}: a Unix time {x} → {y} ({} → {}), {}",
                    format_time(x),
                    format_time(y),
                    human_delta(y - x)
                );
                let bytes = checks::range_bytes(u, &d.byte_ranges);
                let u = self.push(at, path, Part::Content, TIMESTAMP, ctx, ev);
                u.ranges = (0..d.byte_ranges.len()).collect();
                u.unconfirmed = true;
                u.bytes = bytes;
                return;
            }
        }
        // Random bytes throughout on both sides: a key or a seed the build generated. Or bytes
        // of a symbol named for one ("session_salt", "build_nonce").
        let symbols: Vec<&str> = d
            .comments
            .iter()
            .filter_map(|c| c.strip_prefix("changed bytes are in "))
            .flat_map(|l| l.split(", "))
            .map(|x| x.split('+').next().unwrap_or(x).trim())
            .collect();
        // What the symbols holding the changed bytes are named for, when they all agree.
        let named = symbols
            .first()
            .and_then(|n| classify::symbol_kind(n))
            .filter(|k| symbols.iter().all(|n| classify::symbol_kind(n) == Some(*k)));
        let named_random = named == Some(RANDOMNESS);
        if checks::random_bytes(u, d) || named_random {
            let ev = if named_random {
                format!("{path}: the bytes of {} changed", symbols.join(", "))
            } else {
                format!("{path}: random bytes on both sides ({} bytes)", d.size1.unwrap_or(0))
            };
            for (x, y) in checks::range_bytes(u, &d.byte_ranges) {
                self.bytes.push((x, y, RANDOMNESS));
            }
            let u = self.push(at, path, Part::Content, RANDOMNESS, ctx, ev);
            u.ranges = (0..d.byte_ranges.len()).collect();
            return;
        }
        if let Some(st) = &d.evidence.strings {
            if self.string_table(d, st, at, path, ctx, named) {
                return;
            }
        }
        let strings: Vec<(String, String)> =
            if d.evidence.range_strings.len() == d.byte_ranges.len() && !d.evidence.range_strings.is_empty() {
                d.evidence.range_strings.clone()
            } else {
                hex_blocks(u)
            };
        let bytes = checks::range_bytes(u, &d.byte_ranges);
        let sizes = match (d.size1, d.size2) {
            (Some(x), Some(y)) if x != y => format!(", size {x} → {y}"),
            _ => String::new(),
        };
        let n = d.byte_range_count;
        let mut found: Vec<(&'static str, String, usize)> = Vec::new();
        let listed = d.byte_ranges.len().max(strings.len().min(1));
        for k in 0..listed.min(MAX_CLASSIFIED) {
            let (a, b) = strings.get(k).cloned().unwrap_or_default();
            let cause = classify(&a, &b, &self.known);
            let offset = d
                .byte_ranges
                .get(k)
                .map(|r| format!(" at {:#x}", r.offset))
                .unwrap_or_default();
            let ev = match cause {
                Some(_) => format!("{path}: bytes{offset} {}", excerpt(&readable(&a), &readable(&b))),
                None => format!(
                    "{path}: {n} changed byte range{}{offset}{sizes}",
                    if n == 1 { "" } else { "s" }
                ),
            };
            // A digest reads as random bytes or as nothing known; a path or a date is not one.
            let digest_like = matches!(cause, None | Some(RANDOMNESS));
            if let Some(p) = bytes
                .get(k)
                .filter(|_| digest_like)
                .and_then(|(x, y)| checks::Pending::from_bytes(x, y, cause.unwrap_or(CONTENT), ctx))
            {
                let u = self.push(at, path, Part::Content, CHECKSUM, ctx, ev);
                u.derived = true;
                u.pending = Some(Box::new(p));
                u.ranges = vec![k];
                continue;
            }
            let grew = a.chars().count() != b.chars().count();
            found.push((cause.unwrap_or(CONTENT), ev, k));
            if let (Some(cause), true) = (cause, grew) {
                // Everything after a string that changed length sits elsewhere in the second
                // input: the later ranges are that move, not changes of their own.
                if n > k + 1 {
                    let u = self.push(
                        at,
                        path,
                        Part::Content,
                        OFFSET_SHIFT,
                        ctx,
                        format!(
                            "{path}: {} later changed byte ranges, moved by the string that changed length",
                            n - k - 1
                        ),
                    );
                    u.derived = true;
                    u.derived_from = Some(path.to_string());
                    u.root = Some(cause);
                }
                break;
            }
        }
        if found.is_empty() && self.units.last().is_none_or(|u| u.node != at) {
            found.push((CONTENT, format!("{path}: {n} changed byte ranges"), 0));
        }
        // One unit per cause, standing for its ranges.
        let mut seen: Vec<&'static str> = Vec::new();
        let mut ranges: BTreeMap<&'static str, Vec<usize>> = BTreeMap::new();
        for (cause, _, k) in &found {
            ranges.entry(cause).or_default().push(*k);
        }
        let small = d.byte_range_count == bytes.len()
            && bytes
                .iter()
                .all(|(x, y)| x.len() == y.len() && !x.is_empty() && x.len() <= 8);
        for (cause, ev, _) in found {
            if !seen.contains(&cause) {
                seen.push(cause);
                let c = if cause == BUILD_ID { "elf" } else { ctx };
                let u = self.push(at, path, Part::Content, cause, c, ev);
                u.ranges = ranges.remove(cause).unwrap_or_default();
                if cause == CONTENT && small {
                    u.bytes = bytes.clone();
                }
            }
        }
    }

    /// Changed bytes read as the table of strings they hold: strings aligned by content, so a
    /// string that grew moves the others without changing them, a reordered table is one
    /// change, and each replaced string is classified whole. Ranges that hold no string are
    /// left to a content unit the shift check may still derive. False when the strings do not
    /// tell (none changed).
    fn string_table(
        &mut self,
        d: &Difference,
        st: &[Vec<(u64, String)>; 2],
        at: &[usize],
        path: &str,
        ctx: &'static str,
        named: Option<&'static str>,
    ) -> bool {
        let table = strtab::diff(st);
        let (removed, added) = (&table.removed, &table.added);
        if removed.is_empty() && added.is_empty() {
            return false;
        }
        let (sa, sb) = (&st[0], &st[1]);
        // Which listed byte ranges the strings cover (on either side): the rest is other bytes.
        let covered = |r: &reproscope_diff::ByteRange| {
            let (s, e) = (r.offset, r.offset + r.len1.max(r.len2).max(1));
            let hit = |v: &[(u64, String)]| v.iter().any(|(o, t)| *o < e && s < o + t.len() as u64 + 1);
            hit(sa) || hit(sb)
        };
        let rest: Vec<usize> = (0..d.byte_ranges.len())
            .filter(|&k| !covered(&d.byte_ranges[k]))
            .collect();
        let mut found: Vec<(&'static str, String)> = Vec::new();
        let mut content_values: Vec<(String, String)> = Vec::new();
        let reorder = table.reorder.as_ref().map(|r| r.0);
        if let Some((cause, xs, ys)) = &table.reorder {
            found.push((
                cause,
                format!(
                    "{path}: the same {} strings in another order, {}",
                    xs.len(),
                    excerpt(&xs.join(" "), &ys.join(" "))
                ),
            ));
        } else {
            // Strings on both sides only moved (a table whose order changed with its entries):
            // the ones that really changed are the rest, paired in order.
            let mut others: Vec<&str> = added.clone();
            let removed: Vec<&str> = removed
                .iter()
                .filter(|x| match others.iter().position(|y| y == *x) {
                    Some(k) => {
                        others.remove(k);
                        false
                    }
                    None => true,
                })
                .copied()
                .collect();
            let mut gone: Vec<&str> = table.removed.clone();
            let added: Vec<&str> = added
                .iter()
                .filter(|x| match gone.iter().position(|y| y == *x) {
                    Some(k) => {
                        gone.remove(k);
                        false
                    }
                    None => true,
                })
                .copied()
                .collect();
            for (a, b) in removed.iter().zip(added.iter()) {
                let mut kinds = classify::classify_all(a, b, &self.known);
                // A value no pattern reads, held by a symbol named for what it is.
                if kinds.is_empty() {
                    kinds.extend(named);
                }
                let ev = format!("{path}: string {}", excerpt(a, b));
                if let Some((x, y)) = classify::changed_value(a, b) {
                    match kinds.first() {
                        Some(k) => self.values.push((x, y, k)),
                        None => content_values.push((x, y)),
                    }
                }
                if kinds.is_empty() {
                    found.push((CONTENT, ev));
                } else {
                    for k in kinds {
                        found.push((k, ev.clone()));
                    }
                }
            }
            for a in removed.iter().skip(added.len()).take(3) {
                found.push((CONTENT, format!("{path}: string removed: {a:?}")));
            }
            for b in added.iter().skip(removed.len()).take(3) {
                found.push((CONTENT, format!("{path}: string added: {b:?}")));
            }
        }
        // Strings that changed length, each of a known kind, move whatever follows them.
        let grew = added.iter().map(|x| x.len()).sum::<usize>() != removed.iter().map(|x| x.len()).sum::<usize>();
        let moved_by = (grew && found.iter().all(|f| f.0 != CONTENT))
            .then(|| found.first().map(|f| f.0))
            .flatten();
        let first_change =
            |v: &[(u64, String)], changed: &[&str]| v.iter().find(|x| changed.contains(&x.1.as_str())).map(|x| x.0);
        let first = first_change(sa, removed)
            .or_else(|| first_change(sb, added))
            .unwrap_or(0);
        let mut seen: Vec<&'static str> = Vec::new();
        let units_before = self.units.len();
        for (cause, ev) in found {
            if !seen.contains(&cause) {
                seen.push(cause);
                self.push(at, path, Part::Content, cause, ctx, ev);
            }
        }
        if let Some(u) = self.units[units_before..].iter_mut().find(|u| u.cause == CONTENT) {
            u.values = content_values;
        }
        if !rest.is_empty() {
            let n = rest.len();
            let u = self.push(
                at,
                path,
                Part::Content,
                CONTENT,
                ctx,
                format!(
                    "{path}: {n} changed byte range{} outside its strings",
                    if n == 1 { "" } else { "s" }
                ),
            );
            u.ranges = rest;
            // Beside strings that were only reordered, the other changed bytes of the same
            // section are the table that points at them or counts them, in the new order.
            if let Some(order) = reorder {
                u.derived = true;
                u.cause = OFFSET_SHIFT;
                u.root = Some(order);
                u.derived_from = Some(path.to_string());
            } else if let Some(cause) = moved_by.filter(|_| u.ranges.iter().all(|&k| d.byte_ranges[k].offset >= first))
            {
                u.derived = true;
                u.cause = OFFSET_SHIFT;
                u.root = Some(cause);
                u.derived_from = Some(path.to_string());
                u.evidence = format!(
                    "{path}: {n} later changed byte range{}, moved by the string that changed length",
                    if n == 1 { "" } else { "s" }
                );
            }
        }
        true
    }

    /// One unit per kind of change found in a node's content (a text with a date and a real
    /// change counts once under each).
    fn content_units(&mut self, at: &[usize], path: &str, found: Vec<(&'static str, String)>, ctx: &'static str) {
        let mut seen: Vec<&'static str> = Vec::new();
        for (cause, ev) in found {
            if !seen.contains(&cause) {
                seen.push(cause);
                let c = if cause == BUILD_ID { "elf" } else { ctx };
                self.push(at, path, Part::Content, cause, c, ev);
            }
        }
    }
}

/// Content units of a few changed bytes that are a piece of bytes changed for a known cause, at
/// the same place in both (a byte of a random salt the compiler put into an instruction), take
/// that cause.
fn link_bytes(units: &mut [Unit], known: &[(Vec<u8>, Vec<u8>, &'static str)]) {
    let piece = |x: &[u8], y: &[u8]| {
        known.iter().find_map(|(a, b, c)| {
            (0..=a.len().min(b.len()).saturating_sub(x.len()))
                .any(|k| a[k..].starts_with(x) && b[k..].starts_with(y))
                .then_some(*c)
        })
    };
    for u in units
        .iter_mut()
        .filter(|u| u.cause == CONTENT && !u.derived && !u.bytes.is_empty())
    {
        let causes: Vec<Option<&'static str>> = u.bytes.iter().map(|(x, y)| piece(x, y)).collect();
        if let Some(Some(c)) = causes.first() {
            if causes.iter().all(|k| *k == Some(*c)) {
                u.cause = c;
                u.evidence.push_str(" (the same bytes changed where their cause shows)");
            }
        }
    }
}

/// Causes read from bytes alone stand when another unit shows the same cause; else they are
/// content.
fn confirm(units: &mut [Unit]) {
    let shown: Vec<&'static str> = units.iter().filter(|u| !u.unconfirmed).map(|u| u.cause).collect();
    for u in units.iter_mut().filter(|u| u.unconfirmed) {
        if !shown.contains(&u.cause) {
            u.cause = CONTENT;
            u.evidence = format!("{}: {} changed byte ranges", u.path, u.ranges.len());
        }
    }
}

/// Content units whose every changed value was seen changed the same way where it was
/// classified take that cause.
fn link_values(units: &mut [Unit], values: &[(String, String, &'static str)]) {
    for u in units
        .iter_mut()
        .filter(|u| u.cause == CONTENT && !u.derived && !u.values.is_empty())
    {
        let cause_of = |x: &str, y: &str| values.iter().find(|v| v.0 == x && v.1 == y).map(|v| v.2);
        let causes: Vec<Option<&'static str>> = u.values.iter().map(|(x, y)| cause_of(x, y)).collect();
        if let Some(Some(c)) = causes.first() {
            if causes.iter().all(|k| *k == Some(*c)) {
                u.cause = c;
                u.evidence.push_str(" (the same value changed where it is named)");
            }
        }
    }
}

/// Compressed sections of a file (a compiler's intermediate code) whose decompressed bytes
/// changed with nothing readable in them, in a file that changed for a cause of its own (its
/// build path, its time): that data was written from the same inputs, so it follows from that
/// cause. Not checked byte by byte: the data is opaque.
fn link_opaque(all: &[Node], units: &mut [Unit]) {
    let index: HashMap<&[usize], usize> = all.iter().enumerate().map(|(k, n)| (n.0.as_slice(), k)).collect();
    let opaque = |u: &Unit| {
        index.get(u.node.as_slice()).is_some_and(|&k| {
            let d = all[k].2;
            d.kind.as_deref() == Some("section")
                && d.format.as_deref().is_some_and(classify::is_compressor)
                && d.details.is_empty()
        })
    };
    let causes: Vec<(Vec<usize>, &'static str, String)> = units
        .iter()
        .filter(|u| !u.derived && !u.node.is_empty() && !is_real(u.cause) && u.part == Part::Content)
        .map(|u| (u.node[..u.node.len() - 1].to_vec(), u.cause, u.path.clone()))
        .collect();
    for u in units.iter_mut() {
        if u.derived || u.cause != CONTENT || u.node.is_empty() || !opaque(u) {
            continue;
        }
        let file = &u.node[..u.node.len() - 1];
        if let Some((_, cause, from)) = causes.iter().find(|c| c.0 == file) {
            u.derived = true;
            u.cause = OFFSET_SHIFT;
            u.root = Some(cause);
            u.derived_from = Some(from.clone());
            u.evidence = format!(
                "{}: compressed data written from the same inputs (not checked: opaque)",
                u.path
            );
        }
    }
}

/// Within a file whose entries were laid out in another order (functions at other addresses):
/// its other changed content is code and tables moved with them, not changes of their own.
fn link_relaid(units: &mut [Unit]) {
    let files: Vec<(Vec<usize>, String)> = units
        .iter()
        .filter(|u| u.relaid && !u.node.is_empty())
        .map(|u| (u.node[..u.node.len() - 1].to_vec(), u.path.clone()))
        .collect();
    for (file, from) in files {
        for u in units.iter_mut() {
            let inside = u.node.len() > file.len() && u.node.starts_with(&file);
            if inside
                && !u.relaid
                && !u.derived
                && u.part == Part::Content
                && (u.cause == CONTENT || u.cause == FILE_ORDER)
            {
                u.derived = true;
                u.cause = OFFSET_SHIFT;
                u.root = Some(FILE_ORDER);
                u.derived_from = Some(from.clone());
            }
        }
    }
}

/// Within each ELF file: a changed build ID follows from any other change of the file, and so do
/// changed debug sections (line tables, string offsets) when another section or field explains
/// the change.
fn link_elf(units: &mut [Unit]) {
    let mut files: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
    for (k, u) in units.iter().enumerate() {
        // Units on the ELF node itself belong to it too.
        let key = u
            .in_elf
            .clone()
            .or_else(|| (u.context == "elf").then(|| u.node.clone()));
        if let Some(key) = key {
            files.entry(key).or_default().push(k);
        }
    }
    for (_, members) in files {
        // Debug sections and the readable views of a file (symbols, notes) change along with
        // the code or strings they describe.
        let debug = |u: &Unit| {
            let last = u.path.rsplit('/').next().unwrap_or("");
            last.starts_with(".debug")
                || last.starts_with(".zdebug")
                || last.starts_with('(')
                || matches!(last, ".symtab" | ".strtab")
        };
        let primary = members
            .iter()
            .copied()
            .filter(|&k| !units[k].derived && units[k].cause != BUILD_ID)
            .min_by_key(|&k| (debug(&units[k]), units[k].cause == CONTENT && debug(&units[k])));
        let Some(p) = primary else { continue };
        let (cause, from, primary_debug) = (units[p].cause, units[p].path.clone(), debug(&units[p]));
        // A 16-byte build ID is a UUID (--build-id=uuid; content hashes are 20 bytes): it
        // differs on its own, whatever else changed.
        let ids: Vec<usize> = members
            .iter()
            .filter(|&&k| units[k].cause == BUILD_ID)
            .flat_map(|&k| {
                units[k]
                    .evidence
                    .split(|c: char| !c.is_ascii_hexdigit())
                    .filter(|t| t.len() >= 32)
                    .map(str::len)
                    .collect::<Vec<_>>()
            })
            .collect();
        let random_id = !ids.is_empty() && ids.iter().all(|&n| n == 32);
        for &k in &members {
            let u = &mut units[k];
            if k == p || u.derived {
                continue;
            }
            let follows = (u.cause == BUILD_ID && !random_id) || (debug(u) && u.cause == CONTENT && !primary_debug);
            if follows {
                u.derived = true;
                u.derived_from = Some(from.clone());
                u.root = Some(cause);
                if u.cause != BUILD_ID {
                    u.cause = cause;
                }
            }
        }
    }
}

/// Links derived units to what they follow from: offsets to the earlier member that changed
/// size, checksums and sizes to the content they cover.
/// The main cause of every subtree, from the units not derived (real changes first, then the
/// most frequent), with the first path that has it: what a change derived from the subtree
/// follows.
fn main_causes(d: &Difference, units: &[Unit]) -> HashMap<Vec<usize>, (&'static str, String)> {
    let mut by_node: HashMap<Vec<usize>, Vec<usize>> = HashMap::new();
    for (k, u) in units.iter().enumerate() {
        by_node.entry(u.node.clone()).or_default().push(k);
    }
    let mut main: HashMap<Vec<usize>, (&'static str, String)> = HashMap::new();
    fn go(
        d: &Difference,
        at: &mut Vec<usize>,
        path: &str,
        units: &[Unit],
        by: &HashMap<Vec<usize>, Vec<usize>>,
        main: &mut HashMap<Vec<usize>, (&'static str, String)>,
    ) -> BTreeMap<&'static str, (usize, String)> {
        let mut counts: BTreeMap<&'static str, (usize, String)> = BTreeMap::new();
        for &k in by.get(at.as_slice()).map(Vec::as_slice).unwrap_or(&[]) {
            let u = &units[k];
            if !u.derived {
                let e = counts.entry(u.cause).or_insert((0, path.to_string()));
                e.0 += 1;
            }
        }
        for (i, c) in d.details.iter().enumerate() {
            at.push(i);
            let p = child_path(path, at.len(), c);
            for (cause, (n, first)) in go(c, at, &p, units, by, main) {
                let e = counts.entry(cause).or_insert((0, first));
                e.0 += n;
            }
            at.pop();
        }
        if let Some((cause, (_, first))) = counts
            .iter()
            .min_by_key(|(c, (n, _))| (!is_real(c), std::cmp::Reverse(*n)))
        {
            main.insert(at.clone(), (cause, first.clone()));
        }
        counts
    }
    go(d, &mut Vec::new(), &d.source1, units, &by_node, &mut main);
    main
}

fn link_derived(d: &Difference, units: &mut [Unit]) {
    let main = main_causes(d, units);

    // Children of each node that changed size or appeared/went (with the change in bytes): what
    // moves the members stored after them. And how far each node with an offset moved.
    type Movers = HashMap<Vec<usize>, Vec<(Vec<usize>, i64)>>;
    let mut mover: Movers = HashMap::new();
    let mut shift: HashMap<Vec<usize>, i64> = HashMap::new();
    fn movers(d: &Difference, at: &mut Vec<usize>, out: &mut Movers, shift: &mut HashMap<Vec<usize>, i64>) {
        let offset = d
            .fields
            .iter()
            .filter(|f| f.name == "offset" || f.name.ends_with("-offset"))
            .find_map(|f| match (&f.before, &f.after) {
                (Some(Value::Offset(a)), Some(Value::Offset(b))) => Some(*b as i64 - *a as i64),
                _ => None,
            });
        if let Some(s) = offset {
            shift.insert(at.clone(), s);
        }
        for (i, c) in d.details.iter().enumerate() {
            let delta = match (c.change, c.size1, c.size2) {
                (Change::Added, _, b) => Some(b.unwrap_or(0) as i64),
                (Change::Removed, a, _) => Some(-(a.unwrap_or(0) as i64)),
                (_, Some(a), Some(b)) if a != b => Some(b as i64 - a as i64),
                _ => None,
            };
            if let Some(delta) = delta {
                let mut p = at.clone();
                p.push(i);
                out.entry(at.clone()).or_default().push((p, delta));
            }
        }
        for (i, c) in d.details.iter().enumerate() {
            at.push(i);
            movers(c, at, out, shift);
            at.pop();
        }
    }
    movers(d, &mut Vec::new(), &mut mover, &mut shift);
    let mut paths: HashMap<Vec<usize>, String> = HashMap::new();
    for u in units.iter() {
        paths.entry(u.node.clone()).or_insert_with(|| u.path.clone());
    }
    fn names(
        d: &Difference,
        at: &mut Vec<usize>,
        path: &str,
        wanted: &std::collections::HashSet<Vec<usize>>,
        out: &mut HashMap<Vec<usize>, String>,
    ) {
        for (i, c) in d.details.iter().enumerate() {
            at.push(i);
            let p = child_path(path, at.len(), c);
            if wanted.contains(at.as_slice()) {
                out.insert(at.clone(), p.clone());
            }
            names(c, at, &p, wanted, out);
            at.pop();
        }
    }
    let wanted: std::collections::HashSet<Vec<usize>> = mover.values().flatten().map(|m| m.0.clone()).collect();
    names(d, &mut Vec::new(), &d.source1, &wanted, &mut paths);

    for u in units.iter_mut().filter(|u| u.derived && u.derived_from.is_none()) {
        let source: Option<Vec<usize>> = match u.cause {
            OFFSET_SHIFT => {
                let parent = &u.node[..u.node.len().saturating_sub(1)];
                // The sibling whose change in size best matches how far this one moved (an
                // ISO's 2 KiB sectors round it), else the first; offsets of the node's own tables
                // were moved by its members' changes.
                let moved = shift.get(&u.node).copied();
                let pick = mover.get(parent).and_then(|cands| {
                    cands
                        .iter()
                        .filter(|(p, _)| *p != u.node && !u.node.is_empty())
                        .enumerate()
                        .min_by_key(|(k, (_, delta))| (moved.map_or(0, |m| (delta - m).unsigned_abs()), *k))
                        .map(|(_, (p, _))| p.clone())
                });
                Some(pick.unwrap_or_else(|| u.node.clone()))
            }
            _ => Some(u.node.clone()),
        };
        // What moved it may itself only follow from something above it (a section that grew
        // because a build path got longer): the nearest node with a cause of its own.
        let source_path = source
            .as_ref()
            .filter(|s| **s != u.node)
            .and_then(|s| paths.get(s).cloned());
        let found = source.and_then(|mut s| loop {
            if let Some(m) = main.get(&s) {
                break Some(m);
            }
            s.pop()?;
        });
        if let Some((cause, path)) = found {
            // Name what moved it when that is a member (a section that grew), else the cause.
            let mover_path = source_path.unwrap_or_else(|| path.clone());
            u.derived_from = Some(mover_path);
            u.root = Some(cause);
        }
    }
}

/// Groups units by cause (derived apart), with evidence, fixes and the ranking.
fn aggregate(units: &[Unit], cfg: &Config) -> Vec<Cause> {
    let mut groups: BTreeMap<(bool, &'static str), Vec<&Unit>> = BTreeMap::new();
    for u in units {
        groups.entry((u.derived, u.cause)).or_default().push(u);
    }
    let mut out: Vec<Cause> = Vec::new();
    for ((derived, id), us) in groups {
        let mut evidence = Vec::new();
        let mut check = None;
        if id == TIMESTAMP || id == TIMEZONE {
            evidence.extend(time_evidence(&us));
            if id == TIMESTAMP {
                if let Some(t) = cfg.source_date_epoch {
                    let c = epoch_check(&us, t);
                    evidence.push(epoch_line(&c));
                    check = Some(c);
                }
            }
        }
        if id == PERMISSIONS {
            evidence.extend(umask_evidence(&us));
            evidence.extend(pair_histogram(&us, "mode"));
        }
        if id == USER_GROUP {
            evidence.extend(pair_histogram(&us, ""));
        }
        if derived {
            let mut froms: BTreeMap<&str, usize> = BTreeMap::new();
            for u in &us {
                if let Some(f) = &u.derived_from {
                    *froms.entry(f.as_str()).or_default() += 1;
                }
            }
            let mut v: Vec<(&str, usize)> = froms.into_iter().collect();
            v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
            if let Some((f, _)) = v.first() {
                let more = if v.len() > 1 {
                    format!(" (and {} more)", v.len() - 1)
                } else {
                    String::new()
                };
                let verb = if id == OFFSET_SHIFT {
                    "moved after"
                } else {
                    "follow from"
                };
                evidence.push(format!("{} {verb} {f}{more}", us.len()));
            }
        }
        let content_like = us.iter().filter(|u| u.times.is_none());
        // Real changes: name the paths, the most useful fact about them.
        let mut seen_paths: Vec<&str> = Vec::new();
        for u in content_like {
            if evidence.len() >= 4 {
                break;
            }
            if !seen_paths.contains(&u.path.as_str()) {
                seen_paths.push(&u.path);
                evidence.push(u.evidence.clone());
            }
        }
        if evidence.is_empty() {
            evidence.extend(us.iter().take(3).map(|u| u.evidence.clone()));
        }
        let mut fixes: Vec<&str> = Vec::new();
        if !derived {
            for u in &us {
                let f = fix(id, u.context);
                if !f.is_empty() && !fixes.contains(&f) && fixes.len() < 3 {
                    fixes.push(f);
                }
            }
        }
        let mut see_also: Vec<String> = Vec::new();
        if !derived {
            for u in &us {
                for name in seealso::see_also(id, u.context) {
                    if !see_also.iter().any(|s| s == name) && see_also.len() < 3 {
                        see_also.push(name.to_string());
                    }
                }
            }
        }
        let mut paths: Vec<String> = Vec::new();
        for u in &us {
            if paths.len() >= 10 {
                break;
            }
            if !paths.contains(&u.path) {
                paths.push(u.path.clone());
            }
        }
        let mut follows: Vec<String> = Vec::new();
        for u in &us {
            if let Some(r) = u.root {
                if !follows.iter().any(|f| f == r) {
                    follows.push(r.to_string());
                }
            }
        }
        out.push(Cause {
            id: id.to_string(),
            title: title(id).to_string(),
            count: us.len(),
            derived,
            follows,
            evidence,
            fix: fixes.join("; "),
            paths,
            see_also,
            source_date_epoch: check,
        });
    }
    let order = |id: &str| ALL.iter().position(|x| *x == id).unwrap_or(ALL.len());
    out.sort_by_key(|c| (c.derived, !is_real(&c.id), std::cmp::Reverse(c.count), order(&c.id)));
    out
}

/// Time fields: how they moved ("all 11 moved by +1 day"), with an example.
fn time_evidence(us: &[&Unit]) -> Vec<String> {
    let mut deltas: BTreeMap<i64, usize> = BTreeMap::new();
    let mut by_field: BTreeMap<&str, usize> = BTreeMap::new();
    let mut n = 0;
    for u in us {
        if let Some((Some(a), Some(b), name)) = &u.times {
            *deltas.entry(b - a).or_default() += 1;
            *by_field.entry(name.as_str()).or_default() += 1;
            n += 1;
        }
    }
    let mut fields: Vec<(&str, usize)> = by_field.into_iter().collect();
    fields.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    let main_field = fields.first().map(|f| f.0).unwrap_or("");
    let fields: Vec<&str> = fields.iter().take(4).map(|f| f.0).collect();
    if n == 0 {
        return Vec::new();
    }
    let mut v: Vec<(i64, usize)> = deltas.into_iter().collect();
    v.sort_by_key(|(_, c)| std::cmp::Reverse(*c));
    let members: std::collections::HashSet<&Vec<usize>> =
        us.iter().filter(|u| u.times.is_some()).map(|u| &u.node).collect();
    let pairs: std::collections::BTreeSet<(i64, i64)> = us
        .iter()
        .filter_map(|u| match &u.times {
            Some((Some(a), Some(b), _)) => Some((*a, *b)),
            _ => None,
        })
        .collect();
    let on = format!(
        "{} on {} member{}",
        fields.join("/"),
        members.len(),
        if members.len() == 1 { "" } else { "s" }
    );
    let head = if pairs.len() == 1 {
        let (a, b) = pairs.iter().next().copied().unwrap_or_default();
        format!(
            "{on}: {a} → {b} ({} → {}), {}",
            format_time(a),
            format_time(b),
            human_delta(b - a)
        )
    } else if v.len() == 1 {
        format!("{on}, all moved by {}", human_delta(v[0].0))
    } else {
        let shown: Vec<String> = v
            .iter()
            .take(3)
            .map(|(d, c)| format!("{} ({c})", human_delta(*d)))
            .collect();
        let more = if v.len() > 3 {
            format!(", {} other shifts", v.len() - 3)
        } else {
            String::new()
        };
        format!("{on} moved by {}{more}", shown.join(", "))
    };
    let example = us
        .iter()
        .find(|u| matches!(&u.times, Some((Some(_), Some(_), f)) if f == main_field))
        .map(|u| format!("e.g. {}", u.evidence));
    let mut out = vec![head];
    out.extend(example);
    out
}

fn epoch_check(us: &[&Unit], t: i64) -> EpochCheck {
    let mut c = EpochCheck {
        value: t,
        ..EpochCheck::default()
    };
    let bucket = |v: i64| match v.cmp(&t) {
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Less => 1,
        std::cmp::Ordering::Greater => 2,
    };
    for u in us {
        if let Some((a, b, name)) = &u.times {
            if let Some(a) = a {
                c.first[bucket(*a)] += 1;
            }
            if let Some(b) = b {
                c.second[bucket(*b)] += 1;
            }
            for v in [a, b].into_iter().flatten() {
                if *v > t && c.not_clamped.len() < 3 {
                    c.not_clamped.push(format!("{} {name} {}", u.path, format_time(*v)));
                }
            }
        }
    }
    c
}

fn epoch_line(c: &EpochCheck) -> String {
    let side = |s: &[usize; 3]| {
        let parts: Vec<String> = [(s[0], "equal"), (s[1], "earlier"), (s[2], "later")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(", ")
        }
    };
    let mut line = format!(
        "SOURCE_DATE_EPOCH={} ({}): first input {}; second input {}",
        c.value,
        format_time(c.value),
        side(&c.first),
        side(&c.second)
    );
    if let Some(ex) = c.not_clamped.first() {
        line.push_str(&format!("; later = not clamped, e.g. {ex}"));
    }
    line
}

/// Modes that differ by the same bits everywhere, as a umask does: "group write (0020) differs
/// on all 10: umask 022 vs 002".
fn umask_evidence(us: &[&Unit]) -> Option<String> {
    let mut xors = std::collections::BTreeSet::new();
    let mut lacks_in_first = true;
    for u in us {
        let (a, b) = u.modes?;
        xors.insert((a ^ b) & 0o7777);
        lacks_in_first &= a & (a ^ b) == 0;
    }
    if xors.len() != 1 {
        return None;
    }
    let x = xors.into_iter().next()?;
    let names = [
        (0o020, "group write"),
        (0o002, "other write"),
        (0o040, "group read"),
        (0o004, "other read"),
        (0o010, "group execute"),
        (0o001, "other execute"),
    ];
    let bits: Vec<&str> = names.iter().filter(|(b, _)| x & b != 0).map(|(_, n)| *n).collect();
    let mut s = format!(
        "only {} ({x:04o}) differ{}, on all {}",
        bits.join(" and "),
        if bits.len() == 1 { "s" } else { "" },
        us.len()
    );
    if x & !0o022 == 0 {
        // Write bits only: the side without them had them masked out (other-write is masked by
        // every usual umask, so it is assumed on both sides unless it is what differs).
        let base = 0o002 & !x;
        let (m1, m2) = if lacks_in_first {
            (base | x, base)
        } else {
            (base, base | x)
        };
        s.push_str(&format!(": umask {m1:03o} vs {m2:03o}"));
    }
    Some(s)
}

/// "0644 → 0664 (5), 0755 → 0775 (6)": the distinct value pairs of the units' fields.
fn pair_histogram(us: &[&Unit], _kind: &str) -> Vec<String> {
    let mut pairs: BTreeMap<String, usize> = BTreeMap::new();
    for u in us {
        // The evidence is "path: name old → new"; the pair is what follows the path.
        if let Some((_, rest)) = u.evidence.split_once(": ") {
            *pairs.entry(rest.to_string()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = pairs.into_iter().collect();
    v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let shown: Vec<String> = v.iter().take(4).map(|(p, n)| format!("{p} ({n})")).collect();
    if shown.is_empty() {
        return Vec::new();
    }
    let more = if v.len() > 4 {
        format!(", {} more kinds", v.len() - 4)
    } else {
        String::new()
    };
    vec![format!("{}{more}", shown.join(", "))]
}

/// A node of the tree: its position, its path as units name it, and the node.
type Node<'a> = (Vec<usize>, String, &'a Difference);

/// Every node of the tree, depth first.
fn nodes(d: &Difference) -> Vec<Node<'_>> {
    fn go<'a>(d: &'a Difference, at: &mut Vec<usize>, path: &str, out: &mut Vec<Node<'a>>) {
        out.push((at.clone(), path.to_string(), d));
        for (i, c) in d.details.iter().enumerate() {
            at.push(i);
            let p = child_path(path, at.len(), c);
            go(c, at, &p, out);
            at.pop();
        }
    }
    let mut out = Vec::new();
    go(d, &mut Vec::new(), &d.source1, &mut out);
    out
}

/// The path of child `c` of the node at `path`, `depth` levels down (the top level has no prefix).
fn child_path(path: &str, depth: usize, c: &Difference) -> String {
    let name = if c.change == Change::Added {
        &c.source2
    } else {
        &c.source1
    };
    if depth == 1 {
        name.clone()
    } else {
        format!("{path}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reproscope_diff::ByteRange;

    fn member(name: &str, fields: Vec<FieldChange>) -> Difference {
        let mut d = Difference::new(name, name, Change::Changed);
        d.kind = Some("file".into());
        d.fields = fields;
        d
    }

    fn offset(a: u64, b: u64) -> FieldChange {
        let mut f = FieldChange::new("offset", Some(Value::Offset(a)), Some(Value::Offset(b)));
        f.derived = Some("moved".into());
        f
    }

    /// An ISO-like container: a small file grew a little, a big one shrank by a sector, and
    /// the member after both moved back by a sector: it follows from the big one.
    fn iso() -> Difference {
        let mut root = Difference::new("a.iso", "b.iso", Change::Changed);
        root.format = Some("iso9660".into());
        let mut cfg = member("boot/grub.cfg", vec![]);
        cfg.size1 = Some(600);
        cfg.size2 = Some(606);
        cfg.unified_diff = Some("@@ -1 +1 @@\n-timeout 5\n+timeout 10\n".into());
        let mut big = member("live/filesystem.squashfs", vec![]);
        big.size1 = Some(100_000);
        big.size2 = Some(97_000);
        big.byte_ranges = vec![ByteRange {
            offset: 5,
            len1: 2,
            len2: 2,
        }];
        big.byte_range_count = 1;
        big.unified_diff = Some(
            "@@ offset 0x5 @@\n-00000000: 0000 0000 00ff ff00  ........\n+00000000: 0000 0000 00ee ee00  ........\n"
                .into(),
        );
        let after = member("live/vmlinuz", vec![offset(0x30000, 0x2f000)]);
        root.details = vec![cfg, big, after];
        root
    }

    #[test]
    fn offsets_follow_the_member_whose_size_change_matches() {
        let e = explain(&iso(), &Config::default());
        assert_eq!(e.top().map(|c| c.id.as_str()), Some(CONTENT));
        let shift = e.causes.iter().find(|c| c.id == OFFSET_SHIFT).expect("offset-shift");
        assert!(shift.derived);
        assert_eq!(shift.evidence[0], "1 moved after live/filesystem.squashfs");
        let mut d = iso();
        e.annotate(&mut d);
        assert_eq!(d.details[2].cause.as_deref(), Some(OFFSET_SHIFT));
        assert_eq!(d.details[2].derived_from.as_deref(), Some("live/filesystem.squashfs"));
        assert_eq!(d.details[2].fields[0].cause.as_deref(), Some(OFFSET_SHIFT));
    }

    #[test]
    fn hide_prunes_what_only_had_hidden_causes() {
        let mut root = Difference::new("a.tar", "b.tar", Change::Changed);
        root.format = Some("tar".into());
        let t = |a, b| FieldChange::new("mtime", Some(Value::Time(a)), Some(Value::Time(b)));
        let mut conf = member("etc/app.conf", vec![t(1, 86401)]);
        conf.unified_diff = Some("@@ -1 +1 @@\n-a = 1\n+a = 2\n".into());
        root.details = vec![member("bin/run", vec![t(1, 86401)]), conf];
        let e = explain(
            &root,
            &Config {
                source_date_epoch: Some(1),
            },
        );
        let ts = e.causes.iter().find(|c| c.id == TIMESTAMP).expect("timestamp");
        assert_eq!(ts.count, 2);
        assert_eq!(
            ts.source_date_epoch.as_ref().map(|c| (c.first, c.second)),
            Some(([2, 0, 0], [0, 0, 2]))
        );
        e.annotate(&mut root);
        let dropped = e.hide(&mut root, &[TIMESTAMP.to_string()]);
        assert_eq!(dropped, 2);
        assert_eq!(root.details.len(), 1);
        assert_eq!(root.details[0].source1, "etc/app.conf");
        assert!(root.details[0].fields.is_empty());
        assert!(root.details[0].unified_diff.is_some());
    }

    #[test]
    fn a_uniform_shift_is_one_line_and_whole_hours_are_a_time_zone() {
        let mut root = Difference::new("a.zip", "b.zip", Change::Changed);
        root.format = Some("zip".into());
        let t = |a: i64, b: i64| FieldChange::new("mtime", Some(Value::Time(a)), Some(Value::Time(b)));
        root.details = (0..50)
            .map(|i| member(&format!("f{i}"), vec![t(1704067200 + i, 1704049200 + i)]))
            .collect();
        let e = explain(&root, &Config::default());
        let top = e.top().expect("a cause");
        assert_eq!(top.id, TIMEZONE);
        assert_eq!(top.evidence[0], "mtime on 50 members, all moved by -5 h");
        assert_eq!(fix(TIMEZONE, "zip"), top.fix);
    }

    #[test]
    fn malformed_diffs_do_not_panic() {
        let odd = [
            "",
            "@@",
            "@@ offset @@\n-zz: \n+",
            "-\n+\n@@\n-x\n",
            "@@ offset 0x0 @@\n-00000000: 0\n+00000000: fff\n",
            "@@ -1 +1 @@\n-\u{e9}t\u{e9} 2024\n+\u{e9}t\u{e9} 2025\n",
            "@@ offset 0x0 @@\n+00000000: 41\u{e9}",
        ];
        for u in odd {
            let mut d = member("x", vec![]);
            d.unified_diff = Some(u.to_string());
            d.byte_range_count = usize::from(u.contains("offset"));
            let mut root = Difference::new("a", "b", Change::Changed);
            root.details = vec![d];
            let e = explain(&root, &Config::default());
            e.annotate(&mut root);
            e.hide(&mut root, &[CONTENT.to_string()]);
        }
        for (a, b) in [
            ("", "x"),
            ("\u{e9}", "\u{e8}"),
            ("a\u{1F600}b", "a\u{1F601}b"),
            ("/", "//"),
        ] {
            let _ = classify(a, b, &Known::default());
        }
    }
}
