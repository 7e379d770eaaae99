//! JSON in diffoscope's shape (`diffoscope-json-version`, `source1`, `source2`, `unified_diff`,
//! `details`, `comments`), with reproscope's typed data beside it under extra keys.

use reproscope_diff::{Change, Difference};
use reproscope_explain::Explanation;
use serde_json::{json, Map, Value as J};

use crate::describe_field;
use crate::text::rename_tag;

/// The whole tree; only the root carries the version key, as in diffoscope.
pub fn to_json(d: &Difference) -> J {
    let mut v = node(d);
    if let J::Object(m) = &mut v {
        let mut root = Map::new();
        root.insert("diffoscope-json-version".into(), json!(1));
        root.append(m);
        return J::Object(root);
    }
    v
}

/// The whole tree with the explanation: a top-level `causes` list, ranked (each with `id`,
/// `count`, `derived`, `evidence`, `fix`, ...), after the version key. Per-node `cause` and
/// `derived_from` come from the tree, once [`Explanation::annotate`] has written them.
pub fn to_json_explained(d: &Difference, e: &Explanation) -> J {
    let mut v = to_json(d);
    if let J::Object(m) = &mut v {
        let mut root = Map::new();
        let version = m.remove("diffoscope-json-version").unwrap_or(json!(1));
        root.insert("diffoscope-json-version".into(), version);
        root.insert("causes".into(), serde_json::to_value(&e.causes).unwrap_or(J::Null));
        root.append(m);
        return J::Object(root);
    }
    v
}

fn node(d: &Difference) -> J {
    let mut m = Map::new();
    m.insert(
        "source1".into(),
        json!(if d.change == Change::Added {
            "/dev/null"
        } else {
            &d.source1
        }),
    );
    m.insert(
        "source2".into(),
        json!(if d.change == Change::Removed {
            "/dev/null"
        } else {
            &d.source2
        }),
    );
    m.insert(
        "unified_diff".into(),
        d.unified_diff.as_ref().map_or(J::Null, |u| json!(u)),
    );
    // Readable field changes go into comments too, so diffoscope-JSON readers see them.
    let mut comments: Vec<String> = d.fields.iter().map(describe_field).collect();
    comments.extend(d.comments.iter().cloned());
    match d.change {
        Change::Added => comments.push(format!("only in the second input: {}", d.source2)),
        Change::Removed => comments.push(format!("only in the first input: {}", d.source1)),
        Change::Renamed => comments.push(format!(
            "renamed from {} to {}{}",
            d.source1,
            d.source2,
            rename_tag(d).map(|t| format!(", {t}")).unwrap_or_default()
        )),
        Change::Changed => {}
    }
    m.insert("comments".into(), json!(comments));
    m.insert("details".into(), J::Array(d.details.iter().map(node).collect()));
    m.insert("change".into(), json!(d.change));
    if let Some(k) = &d.kind {
        m.insert("kind".into(), json!(k));
    }
    if let Some(f) = &d.format {
        m.insert("format".into(), json!(f));
    }
    if !d.fields.is_empty() {
        m.insert("fields".into(), json!(d.fields));
    }
    if d.byte_range_count > 0 {
        m.insert("byte_ranges".into(), json!(d.byte_ranges));
        m.insert("byte_range_count".into(), json!(d.byte_range_count));
    }
    if let Some(s) = d.size1 {
        m.insert("size1".into(), json!(s));
    }
    if let Some(s) = d.size2 {
        m.insert("size2".into(), json!(s));
    }
    if let Some(s) = d.similarity {
        m.insert("similarity".into(), json!(s));
    }
    if let Some(c) = &d.cause {
        m.insert("cause".into(), json!(c));
    }
    if let Some(f) = &d.derived_from {
        m.insert("derived_from".into(), json!(f));
    }
    J::Object(m)
}
