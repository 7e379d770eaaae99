//! JSON compared as data: key order and layout told apart from changed values, changes by path.

use std::path::Path;
use std::time::{Duration, SystemTime};

use reproscope_diff::{compare_blobs, compare_paths, Difference, Options};
use reproscope_formats::{Blob, Value};

/// Two directories holding `name` with contents `a` and `b` (times pinned), compared; the node of
/// that file.
fn compare_files(name: &str, a: &str, b: &str) -> Difference {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (root, text) in [(da.path(), a), (db.path(), b)] {
        std::fs::write(root.join(name), text).unwrap();
        pin(&root.join(name));
        pin(root);
    }
    let d = compare_paths(da.path(), db.path(), &Options::default())
        .unwrap()
        .expect("different");
    assert_eq!(d.details.len(), 1, "{d:#?}");
    d.details[0].clone()
}

fn pin(p: &Path) {
    let f = std::fs::File::open(p).unwrap();
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
        .unwrap();
}

fn text(v: &Option<Value>) -> Option<&str> {
    v.as_ref().map(|v| match v {
        Value::Text(s) => s.as_str(),
        other => panic!("not text: {other:?}"),
    })
}

fn field<'a>(d: &'a Difference, name: &str) -> (Option<&'a str>, Option<&'a str>) {
    let f = d
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}: {:?}", d.fields));
    (text(&f.before), text(&f.after))
}

const PACKAGE: &str = r#"{
  "name": "app",
  "version": "1.2.3",
  "dependencies": {
    "a": "^1.0.0",
    "b": "^2.0.0",
    "c": "^3.0.0"
  }
}
"#;

#[test]
fn key_order_only() {
    let reordered = PACKAGE.replace(
        "    \"a\": \"^1.0.0\",\n    \"b\": \"^2.0.0\",",
        "    \"b\": \"^2.0.0\",\n    \"a\": \"^1.0.0\",",
    );
    let d = compare_files("package.json", PACKAGE, &reordered);
    assert_eq!(d.comments, ["same JSON data; only key order differs"]);
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["json-key-order"]);
    assert_eq!(
        field(&d, "json-key-order"),
        (Some(".dependencies: a, b, c"), Some(".dependencies: b, a, c"))
    );
    // The bytes are still shown.
    let diff = d.unified_diff.as_deref().unwrap();
    assert!(diff.starts_with("@@ ") && diff.contains("\"b\": \"^2.0.0\""), "{diff}");
}

#[test]
fn whitespace_only() {
    let compact = r#"{"name":"app","version":"1.2.3","dependencies":{"a":"^1.0.0","b":"^2.0.0","c":"^3.0.0"}}"#;
    let d = compare_files("package.json", PACKAGE, compact);
    assert_eq!(d.comments, ["same JSON data; only formatting differs"]);
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    // The size differs too, as for any file.
    assert_eq!(names, ["size"]);
    assert!(d.unified_diff.is_some());
}

#[test]
fn value_change_at_a_nested_path() {
    let a = r#"{"build": {"steps": [{"run": "make"}, {"run": "make install", "env": {"CC": "gcc"}}]}, "id": 7}"#;
    let b = r#"{"build": {"steps": [{"run": "make"}, {"env": {"CC": "clang"}, "run": "make install"}]}, "id": 7, "stamp": null}"#;
    let d = compare_files("build.json", a, b);
    assert_eq!(
        field(&d, "json:.build.steps[1].env.CC"),
        (Some("\"gcc\""), Some("\"clang\""))
    );
    assert_eq!(field(&d, "json:.stamp"), (None, Some("null")));
    // Key order differs as well (run, env → env, run) and is reported as such.
    assert_eq!(
        field(&d, "json-key-order"),
        (Some(".build.steps[1]: run, env"), Some(".build.steps[1]: env, run"))
    );
    assert!(d.comments.is_empty(), "{:?}", d.comments);
    assert!(d.unified_diff.is_some());
}

#[test]
fn top_level_scalars_only_in_json_named_files() {
    let d = compare_files("version.json", "\"1.2.3\"\n", "\"1.2.4\"\n");
    assert_eq!(field(&d, "json:."), (Some("\"1.2.3\""), Some("\"1.2.4\"")));
    let d = compare_files("version.txt", "\"1.2.3\"\n", "\"1.2.4\"\n");
    assert!(d.fields.iter().all(|f| !f.name.starts_with("json")), "{:?}", d.fields);
    assert!(d.unified_diff.is_some());
}

#[test]
fn json_inside_a_stream_is_recognised_by_content() {
    use std::io::Write;
    let gz = |s: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(s.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let d = compare_blobs(
        "a.gz",
        Blob::from_vec(gz("{\"a\": 1, \"b\": 2}")),
        "b.gz",
        Blob::from_vec(gz("{\"b\": 2, \"a\": 1}")),
        &Options::default(),
    )
    .unwrap()
    .expect("different");
    assert_eq!(d.comments, ["same JSON data; only key order differs"]);
    assert_eq!(field(&d, "json-key-order"), (Some(".: a, b"), Some(".: b, a")));
}

#[test]
fn invalid_json_falls_back_to_the_text_diff() {
    let d = compare_files("data.json", "{\"a\": 1}\n", "{\"a\": 1,}\n");
    assert!(
        d.comments.iter().any(|c| c.contains("second input is not valid JSON")),
        "{:?}",
        d.comments
    );
    assert!(d.unified_diff.is_some());
    // Not named .json and not valid JSON: a plain text diff, no remark.
    let d = compare_files("notes.txt", "[x]\n", "[y]\n");
    assert!(d.comments.is_empty() && d.unified_diff.is_some(), "{d:#?}");
}
