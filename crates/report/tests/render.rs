//! Rendering of renamed members and JSON comparisons, from trees the engine built.

use reproscope_diff::{compare_blobs, Difference, Options};
use reproscope_formats::cpio::{write_newc, WriteEntry};
use reproscope_formats::Blob;
use reproscope_report::{render_text, to_json, Style};
use serde_json::{json, Value as J};

fn file(name: &str, data: &[u8]) -> WriteEntry {
    WriteEntry {
        name: name.into(),
        mode: 0o100644,
        mtime: 1_704_067_200,
        data: data.to_vec(),
        ..Default::default()
    }
}

fn lines(changed: &[usize]) -> Vec<u8> {
    (0..20)
        .map(|i| {
            let tag = if changed.contains(&i) { "new" } else { "old" };
            format!("export const value{i:02} = compute('{tag}', {i});\n")
        })
        .collect::<String>()
        .into_bytes()
}

fn diff(n1: &str, a: Vec<u8>, n2: &str, b: Vec<u8>) -> Difference {
    compare_blobs(n1, Blob::from_vec(a), n2, Blob::from_vec(b), &Options::default())
        .unwrap()
        .expect("different")
}

fn renamed_archives() -> Difference {
    let lib: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    let a = write_newc(&[file("app.3f2a.js", &lines(&[])), file("lib/libfoo-1a2b.so", &lib)]);
    let b = write_newc(&[file("app.9c1d.js", &lines(&[4, 13])), file("lib/libfoo-9f8e.so", &lib)]);
    diff("a.cpio", a, "b.cpio", b)
}

#[test]
fn renamed_members_in_text() {
    let out = render_text(&renamed_archives(), Style::default());
    assert!(
        out.contains("├── renamed: app.3f2a.js → app.9c1d.js  (file, 90% similar)\n"),
        "{out}"
    );
    assert!(
        out.contains("└── renamed: lib/libfoo-1a2b.so → lib/libfoo-9f8e.so  (file, identical content)\n"),
        "{out}"
    );
    // The renamed file's content diff is shown under it.
    assert!(out.contains("│ +export const value04 = compute('new', 4);"), "{out}");
}

#[test]
fn renamed_members_in_json() {
    let v = to_json(&renamed_archives());
    let details = v["details"].as_array().unwrap();
    let app = &details[0];
    assert_eq!(app["change"], "renamed");
    assert_eq!(app["source1"], "app.3f2a.js");
    assert_eq!(app["source2"], "app.9c1d.js");
    assert_eq!(app["similarity"], 90);
    let comments: Vec<&str> = app["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        comments.contains(&"renamed from app.3f2a.js to app.9c1d.js, 90% similar"),
        "{comments:?}"
    );
    assert!(app["unified_diff"].as_str().unwrap().contains("+export const value13"));
    let lib = &details[1];
    assert_eq!(lib["change"], "renamed");
    assert_eq!(lib["similarity"], 100);
    assert_eq!(lib["unified_diff"], J::Null);
}

#[test]
fn json_comparison_in_text_and_json() {
    let d = diff(
        "a.json",
        br#"{"deps": {"a": "1", "b": "2"}, "list": [1, {"x": true}]}"#.to_vec(),
        "b.json",
        br#"{"deps": {"b": "2", "a": "1"}, "list": [1, {"x": false}]}"#.to_vec(),
    );
    let out = render_text(&d, Style::default());
    assert!(out.contains("  json:.list[1].x: true → false\n"), "{out}");
    assert!(out.contains("  json-key-order: .deps: a, b → .deps: b, a\n"), "{out}");

    let v = to_json(&d);
    let fields = v["fields"].as_array().unwrap();
    assert_eq!(
        fields[0],
        json!({"name": "json:.list[1].x", "before": {"type": "text", "value": "true"},
               "after": {"type": "text", "value": "false"}})
    );
    assert_eq!(fields[1]["name"], "json-key-order");

    let d = diff(
        "a.json",
        br#"{"a": 1, "b": 2}"#.to_vec(),
        "b.json",
        br#"{"b": 2, "a": 1}"#.to_vec(),
    );
    let out = render_text(&d, Style::default());
    assert!(out.contains("  # same JSON data; only key order differs\n"), "{out}");
}
