//! Shared bodies of the fuzz targets: each per-format target is one call to [`open_all`].

use reproscope_diff::{compare_blobs, open_file_node, Options};
use reproscope_explain::{explain, Config};
use reproscope_formats::registry::{by_name, HEAD};
use reproscope_formats::{Blob, Data, Limits, Member, Opened};
use reproscope_report::{render_summary, render_text, to_json, to_json_explained, Style};

/// Members opened below the top node: the engine recurses without end, two levels is where most
/// of the cross-format paths (an ISO's squashfs, a gzip'd cpio's files) already are.
const DEPTH: usize = 2;
/// Stream layers peeled per nested node (gzip inside xz ...).
const LAYERS: usize = 4;

/// The name the input is given: some formats are recognised partly by name (`.pyc`, v7 `.tar`,
/// `.sgxs`), and stream formats derive their member's name from it.
fn node_name(format: &str) -> String {
    match format {
        "gzip" => "fuzz.cpio.gz".into(),
        "xz" => "fuzz.tar.xz".into(),
        "zstd" => "fuzz.tar.zst".into(),
        "bzip2" => "fuzz.tar.bz2".into(),
        "lz4" => "fuzz.cpio.lz4".into(),
        other => format!("fuzz.{other}"),
    }
}

/// Identifies `data` as `format` and, when it is one, opens it, renders every field, loads
/// every member's data with the default limits and opens those members (as the engine does)
/// down to [`DEPTH`] levels. Errors are fine; panics, hangs and unbounded memory are not.
pub fn open_all(format: &str, data: &[u8]) {
    let f = by_name(format).expect("format is in the registry");
    let name = node_name(format);
    // As the engine does: only what the format claims gets opened.
    if !f.identify(&data[..data.len().min(HEAD)], &name) {
        return;
    }
    let blob = Blob::from_vec(data.to_vec());
    let limits = Limits::default();
    let Ok(opened) = f.open(&blob, &name, &limits) else {
        return;
    };
    touch(&opened);
    let mut path = Vec::new();
    for m in &opened.members {
        let _ = f.describe_member(m);
        visit(m, &limits, &mut path, DEPTH);
    }
}

/// Renders what a report would show of a node.
fn touch(o: &Opened) {
    for field in &o.fields {
        let _ = field.value.to_string();
    }
}

fn visit(m: &Member, limits: &Limits, path: &mut Vec<String>, depth: usize) {
    for field in &m.fields {
        let _ = field.value.to_string();
    }
    let Some(data) = &m.data else { return };
    // Fingerprints are what the engine compares before decoding anything.
    let _ = data.known_equal(data);
    if let Data::Lazy(l) = data {
        let _ = l.fingerprint();
    }
    let Ok(blob) = data.load_with(limits) else {
        return;
    };
    if depth == 0 {
        return;
    }
    let base = m.name.rsplit('/').next().unwrap_or(&m.name);
    path.push(m.name.clone());
    let view = open_file_node(blob, base, limits, "fuzz", path, LAYERS);
    for field in &view.fields {
        let _ = field.value.to_string();
    }
    if let Some(members) = &view.members {
        for c in members {
            visit(c, limits, path, depth - 1);
        }
    }
    path.pop();
}

/// Extensions the `compare` target names its inputs with, picked by the length word's top byte:
/// the engine recognises some formats (and JSON members) partly by name.
const EXTS: &[&str] = &["", ".tar", ".pyc", ".sgxs", ".json", ".cpio.gz", ".txt", ".zip"];

/// Input layout: a little-endian u32 whose low 24 bits (modulo what is left) are the length of
/// the first input and whose top byte picks the names' extension, then the two inputs.
/// Compares them with the engine, explains the result and renders every report.
pub fn compare(data: &[u8]) {
    let Some((word, rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let n = u32::from_le_bytes(*word);
    let split = (n & 0x00ff_ffff) as usize % (rest.len() + 1);
    let ext = EXTS[(n >> 24) as usize % EXTS.len()];
    let (a, b) = rest.split_at(split);
    let opts = Options::default();
    let Ok(Some(mut d)) = compare_blobs(
        &format!("a{ext}"),
        Blob::from_vec(a.to_vec()),
        &format!("b{ext}"),
        Blob::from_vec(b.to_vec()),
        &opts,
    ) else {
        return;
    };
    let _ = render_text(&d, Style { color: false });
    let _ = serde_json::to_string(&to_json(&d));
    let e = explain(
        &d,
        &Config {
            source_date_epoch: Some(1_704_067_200),
        },
    );
    e.annotate(&mut d);
    let _ = render_summary(&e, &[], Style { color: true });
    let _ = serde_json::to_string(&to_json_explained(&d, &e));
    let hidden = vec!["timestamp".to_string()];
    e.hide(&mut d, &hidden);
    let _ = render_summary(&e, &hidden, Style { color: false });
    let _ = render_text(&d, Style { color: true });
}
