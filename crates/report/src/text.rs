//! Terminal text: a tree of changed members with their field changes and diffs.

use std::fmt::Write;

use reproscope_diff::{Change, Difference};

use crate::{describe_field, human_size, visible};

/// Output options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

pub(crate) struct Painter {
    pub(crate) color: bool,
}

impl Painter {
    /// `s` made visible (see [`visible`]) and coloured: everything a report prints of its
    /// inputs goes through here or through `visible` directly.
    pub(crate) fn paint(&self, code: &str, s: &str) -> String {
        let s = visible(s);
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Renders the tree: the header, then one line per changed node with its details indented.
pub fn render_text(d: &Difference, style: Style) -> String {
    let p = Painter { color: style.color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", p.paint("1", &format!("--- {}", d.source1)));
    let _ = writeln!(out, "{}", p.paint("1", &format!("+++ {}", d.source2)));
    node_body(&p, d, "", &mut out);
    for (i, c) in d.details.iter().enumerate() {
        node(&p, c, "", i + 1 == d.details.len(), &mut out);
    }
    out
}

fn node(p: &Painter, d: &Difference, prefix: &str, last: bool, out: &mut String) {
    let (branch, cont) = if last {
        ("└── ", "    ")
    } else {
        ("├── ", "│   ")
    };
    let name = if d.change == Change::Added {
        &d.source2
    } else {
        &d.source1
    };
    let mut head = match d.change {
        Change::Added => p.paint("32", &format!("+ {name}")),
        Change::Removed => p.paint("31", &format!("- {name}")),
        Change::Renamed => p.paint("35", &format!("renamed: {} → {}", d.source1, d.source2)),
        Change::Changed if d.source1 != d.source2 => visible(&format!("{} → {}", d.source1, d.source2)).into_owned(),
        Change::Changed => p.paint("1", name),
    };
    let mut tags = Vec::new();
    if let Some(k) = &d.kind {
        if k != "section" || d.change != Change::Changed {
            tags.push(k.clone());
        }
    }
    if let Some(f) = &d.format {
        tags.push(f.clone());
    }
    match d.change {
        Change::Added => tags.push(format!(
            "added{}",
            d.size2.map(|s| format!(", {}", human_size(s))).unwrap_or_default()
        )),
        Change::Removed => tags.push(format!(
            "removed{}",
            d.size1.map(|s| format!(", {}", human_size(s))).unwrap_or_default()
        )),
        Change::Renamed => tags.extend(rename_tag(d)),
        Change::Changed => {}
    }
    if !tags.is_empty() {
        head.push_str(&p.paint("2", &format!("  ({})", tags.join(", "))));
    }
    // The explainer's verdict, when the tree was explained: untagged nodes are real changes
    // (`content`), so what is tagged is what a reproducible build would remove.
    if let Some(c) = d.cause.as_ref().filter(|c| *c != "content") {
        let tag = match &d.derived_from {
            Some(f) => format!("  [{c}, follows from {f}]"),
            None => format!("  [{c}]"),
        };
        head.push_str(&p.paint("36", &tag));
    }
    let _ = writeln!(out, "{prefix}{branch}{head}");
    let inner = format!("{prefix}{cont}");
    node_body(p, d, &inner, out);
    for (i, c) in d.details.iter().enumerate() {
        node(p, c, &inner, i + 1 == d.details.len(), out);
    }
}

/// "identical content" or "93% similar" for a renamed member paired by content.
pub(crate) fn rename_tag(d: &Difference) -> Option<String> {
    d.similarity.map(|s| {
        if s >= 100 {
            "identical content".to_string()
        } else {
            format!("{s}% similar")
        }
    })
}

/// Field changes, comments, byte ranges and the diff of one node, indented under it.
fn node_body(p: &Painter, d: &Difference, prefix: &str, out: &mut String) {
    for f in d.fields.iter().filter(|f| f.derived.is_none()) {
        let _ = writeln!(out, "{prefix}  {}", p.paint("33", &describe_field(f)));
    }
    // Changes that only follow from others take one line here; the JSON report has them whole.
    let derived: Vec<&str> = d
        .fields
        .iter()
        .filter(|f| f.derived.is_some())
        .map(|f| f.name.as_str())
        .collect();
    if !derived.is_empty() {
        let line = format!("also differ, as a consequence: {}", derived.join(", "));
        let _ = writeln!(out, "{prefix}  {}", p.paint("2", &line));
    }
    for c in &d.comments {
        let _ = writeln!(out, "{prefix}  {}", p.paint("2", &format!("# {c}")));
    }
    if d.byte_range_count > 0 {
        let shown: Vec<String> = d
            .byte_ranges
            .iter()
            .take(8)
            .map(|r| {
                if r.len1 == r.len2 {
                    format!("{:#x}+{}", r.offset, r.len1)
                } else {
                    format!("{:#x}: {} → {} bytes", r.offset, r.len1, r.len2)
                }
            })
            .collect();
        let more = if d.byte_range_count > shown.len() {
            format!(" … ({} ranges in all)", d.byte_range_count)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{prefix}  {}",
            p.paint("2", &format!("bytes differ at {}{more}", shown.join(", ")))
        );
    }
    if let Some(u) = &d.unified_diff {
        for line in u.lines() {
            let colored = match line.as_bytes().first() {
                Some(b'+') => p.paint("32", line),
                Some(b'-') => p.paint("31", line),
                Some(b'@') => p.paint("36", line),
                _ => visible(line).into_owned(),
            };
            let _ = writeln!(out, "{prefix}  │ {colored}");
        }
    }
}
