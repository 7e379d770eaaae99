//! The labelled corpus (tests/corpus/make.sh): pairs built by real tools with one injected cause
//! each. The top-ranked cause must be the label, for every pair.

mod common;

use std::path::Path;
use std::process::Command;

use reproscope_diff::{compare_paths, Options};
use reproscope_explain::{explain, Config};

#[test]
fn top_cause_of_every_pair_is_its_label() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/make.sh");
    let out = tempfile::tempdir().expect("tempdir");
    let st = Command::new("bash")
        .arg(&root)
        .arg(out.path())
        .status()
        .expect("bash runs");
    assert!(st.success(), "make.sh failed");
    let labels = std::fs::read_to_string(out.path().join("labels")).expect("labels");
    let mut total = 0;
    let mut right = 0;
    let mut wrong = Vec::new();
    let mut explained = std::collections::HashMap::new();
    for line in labels.lines() {
        let Some((name, label)) = line.split_once(' ') else {
            continue;
        };
        let (a, b) = common::pair_files(&out.path().join(name)).expect("pair files");
        let d = compare_paths(&a, &b, &Options::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: the pair is identical"));
        let e = explain(&d, &Config::default());
        let top = e.top().map(|c| c.id.clone()).unwrap_or_default();
        explained.insert(name.to_string(), e.clone());
        total += 1;
        let ok = top == label;
        println!(
            "{:<20} {:<14} {:<14} {}",
            name,
            label,
            top,
            if ok { "ok" } else { "WRONG" }
        );
        if ok {
            right += 1;
        } else {
            let all: Vec<String> = e
                .causes
                .iter()
                .map(|c| format!("{}{}:{}", if c.derived { "~" } else { "" }, c.id, c.count))
                .collect();
            wrong.push(format!("{name}: want {label}, got {top} ({})", all.join(" ")));
        }
    }
    println!(
        "top-1 accuracy: {right}/{total} = {:.1}%",
        100.0 * right as f64 / total.max(1) as f64
    );
    // Every pair make.sh defines must have been built and scored, none left out.
    let script = std::fs::read_to_string(&root).expect("make.sh");
    let defined = script.lines().filter(|l| l.trim_start().starts_with("label ")).count();
    assert_eq!(
        total, defined,
        "{defined} pairs are defined in make.sh, {total} were scored"
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // What follows from the injected change is marked so, and linked to it.
    let derived = |pair: &str, id: &str| {
        explained[pair]
            .causes
            .iter()
            .find(|c| c.id == id && c.derived)
            .unwrap_or_else(|| panic!("{pair}: no derived {id}: {:?}", explained[pair].causes))
            .clone()
    };
    let shift = derived("iso-grown-file", "offset-shift");
    assert!(
        shift.evidence[0].contains("moved after live/filesystem.img"),
        "{:?}",
        shift.evidence
    );
    assert_eq!(shift.follows, ["content"]);
    assert_eq!(derived("cc-date-time", "build-id").follows, ["timestamp"]);
    assert_eq!(derived("cc-build-path", "build-id").follows, ["build-path"]);
    // Nothing but the injected cause is left once it is set aside.
    for (pair, e) in &explained {
        let others: Vec<&str> = e.causes.iter().filter(|c| !c.derived).map(|c| c.id.as_str()).collect();
        assert_eq!(others.len(), 1, "{pair}: more than one cause: {others:?}");
    }
}
