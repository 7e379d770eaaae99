//! The real-build corpus (tests/realbuild): pairs of artifacts made by really building small
//! projects twice with one factor varied (or two). The explainer is developed against the dev
//! half; the held-out half is scored here and by tests/realbuild/accuracy.sh only, and none of
//! its names, paths or contents may appear in crates/explain/src.
//!
//! A single-cause pair is right when the top cause (the first that is not derived) is its label;
//! a two-cause pair "A+B" when the first two causes that are not derived are {A, B}.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use reproscope_diff::{compare_paths, Options};
use reproscope_explain::{explain, Config};

// Held-out floors are each first run's score less one pair: a few pairs are built with real
// randomness (LTO seeds, tokens, real clocks) and can land either way between builds.
// The bars each half must reach. Dev: the bars (95% top-1 on single-cause pairs, 90%
// top-2 set on two-cause pairs). Held-out: what the first held-out run scored (2026-12-04,
// explainer sources e7473336…, see tests/realbuild/README.md), as a floor against regressions;
// below the bars, so that half is spent and a new held-out half decides the issue.
const DEV_SINGLE_MIN: f64 = 0.95;
const DEV_TWO_MIN: f64 = 0.90;
const HELDOUT_SINGLE_MIN: f64 = 0.70;
const HELDOUT_TWO_MIN: f64 = 0.66;
// Per half: whether a pair whose label has no `content` may get a `content` cause that is not
// derived (a non-determinism called a real change, the one mistake the explainer must not
// make). Dev: never. Held-out: listed, not failed (its first run had some; see the README).
const DEV_NO_CONTENT_FALSE_POSITIVES: bool = true;
// The second held-out half (heldout2.sh), written independently after the first was spent and
// scored once (accuracy.sh heldout2 --lock, 2026-12-05, sources f17aff0c…): 31/34 and 4/6, kept
// as floors; below the bars, so that half is spent too.
const HELDOUT2_SINGLE_MIN: f64 = 0.88;
const HELDOUT2_TWO_MIN: f64 = 0.5;
const HELDOUT2_NO_CONTENT_FALSE_POSITIVES: bool = false;
// The third held-out half (heldout3.sh), written independently after the second was spent and
// scored once (accuracy.sh heldout3 --lock, 2026-12-05, sources b61a0909…): 28/34 and 3/6, kept
// as floors; below the bars, so it is spent too.
const HELDOUT3_SINGLE_MIN: f64 = 0.79;
const HELDOUT3_TWO_MIN: f64 = 0.33;
const HELDOUT3_NO_CONTENT_FALSE_POSITIVES: bool = false;
const HELDOUT_NO_CONTENT_FALSE_POSITIVES: bool = false;
// The fourth and fifth held-out halves, each written without reading the explainer and scored
// once (accuracy.sh heldout4 --lock, sources 93561ce2…: 28/34 and 5/6; heldout5, sources
// 7b6d81a6…: 27/34 and 5/6), kept as floors; below the bars, so they are spent too.
const HELDOUT4_SINGLE_MIN: f64 = 0.79;
const HELDOUT4_TWO_MIN: f64 = 0.66;
const HELDOUT5_SINGLE_MIN: f64 = 0.76;
const HELDOUT5_TWO_MIN: f64 = 0.66;
// heldout6 (sources bfa7d6d0…: 29/34 and 3/6) and heldout7 (sources 52501883…: 31/34 and 5/6),
// scored once each, spent the same way.
const HELDOUT6_SINGLE_MIN: f64 = 0.82;
const HELDOUT6_TWO_MIN: f64 = 0.33;
const HELDOUT7_SINGLE_MIN: f64 = 0.88;
const HELDOUT7_TWO_MIN: f64 = 0.66;
// heldout8 (sources d8d988bb…: 29/34 and 6/6), scored once, spent.
const HELDOUT8_SINGLE_MIN: f64 = 0.82;
const HELDOUT8_TWO_MIN: f64 = 0.83;
// heldout9 (sources 966a145d…, 2026-12-05): 33/34 = 97.1% and 6/6, above the bars (95%,
// 90%); its lock records the explainer it judged. The floor is one pair less, as for the other
// halves: a few of its pairs are built with real randomness and real clocks.
const HELDOUT9_SINGLE_MIN: f64 = 0.94;
const HELDOUT9_TWO_MIN: f64 = 0.83;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/realbuild")
}

/// Runs make.sh for HALF into DIR; returns the (name, label) lines of its labels file.
fn build(half: &str, dir: &Path) -> Vec<(String, String)> {
    let st = Command::new("bash")
        .arg(root().join("make.sh"))
        .arg(half)
        .arg(dir)
        .status()
        .expect("bash runs");
    assert!(st.success(), "make.sh {half} failed (a missing tool is named above)");
    let labels = std::fs::read_to_string(dir.join("labels")).expect("labels");
    labels
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, l)| (n.to_string(), l.to_string()))
        .collect()
}

struct Score {
    single: (usize, usize),
    two: (usize, usize),
    wrong: Vec<String>,
    content_fp: Vec<String>,
}

fn pct(r: usize, t: usize) -> f64 {
    if t == 0 {
        0.0
    } else {
        r as f64 / t as f64
    }
}

/// Builds and scores one half, printing its table.
fn score(half: &str) -> (Score, Vec<(String, String)>) {
    let out = tempfile::tempdir().expect("tempdir");
    let pairs = build(half, out.path());
    let mut s = Score {
        single: (0, 0),
        two: (0, 0),
        wrong: Vec::new(),
        content_fp: Vec::new(),
    };
    println!("== {half} half");
    println!("{:<30} {:<26} {:<26} verdict", "pair", "label", "answer");
    for (name, label) in &pairs {
        let (a, b) = common::pair_files(&out.path().join(name)).unwrap_or_else(|| panic!("{name}: no a.* and b.*"));
        let d = compare_paths(&a, &b, &Options::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: the pair is identical"));
        let e = explain(&d, &Config::default());
        let real: Vec<&str> = e.causes.iter().filter(|c| !c.derived).map(|c| c.id.as_str()).collect();
        let want: Vec<&str> = label.split('+').collect();
        let (answer, ok) = if want.len() == 1 {
            let top = real.first().copied().unwrap_or("(none)");
            (top.to_string(), top == label)
        } else {
            let top2: HashSet<&str> = real.iter().take(2).copied().collect();
            let ok = real.len() >= 2 && top2 == want.iter().copied().collect::<HashSet<_>>();
            (real.iter().take(2).copied().collect::<Vec<_>>().join("+"), ok)
        };
        let tally = if want.len() == 1 { &mut s.single } else { &mut s.two };
        tally.1 += 1;
        if ok {
            tally.0 += 1;
        }
        println!(
            "{name:<30} {label:<26} {answer:<26} {}",
            if ok { "ok" } else { "WRONG" }
        );
        let all: Vec<String> = e
            .causes
            .iter()
            .map(|c| format!("{}{}:{}", if c.derived { "~" } else { "" }, c.id, c.count))
            .collect();
        if !ok {
            s.wrong
                .push(format!("{name}: want {label}, got {answer} ({})", all.join(" ")));
        }
        if !want.contains(&"content") && real.contains(&"content") {
            s.content_fp
                .push(format!("{name} ({label}): content among {}", all.join(" ")));
        }
    }
    println!(
        "{half}: single-cause top-1 accuracy: {}/{} = {:.1}%",
        s.single.0,
        s.single.1,
        100.0 * pct(s.single.0, s.single.1)
    );
    println!(
        "{half}: two-cause top-2-set accuracy: {}/{} = {:.1}%",
        s.two.0,
        s.two.1,
        100.0 * pct(s.two.0, s.two.1)
    );
    if !s.content_fp.is_empty() {
        println!("{half}: `content` named where the label has none:");
        for l in &s.content_fp {
            println!("  {l}");
        }
    }
    // Every pair the half defines was built and scored, none left out.
    let script = std::fs::read_to_string(root().join(format!("{half}.sh"))).expect("half script");
    let defined = script.lines().filter(|l| l.trim_start().starts_with("label ")).count();
    assert_eq!(
        pairs.len(),
        defined,
        "{defined} pairs are defined in {half}.sh, {} were scored",
        pairs.len()
    );
    (s, pairs)
}

fn check(half: &str, single_min: f64, two_min: f64, no_content_fp: bool) -> Vec<(String, String)> {
    let (s, pairs) = score(half);
    assert!(s.single.1 > 0 && s.two.1 >= 5, "{half}: too few pairs");
    let mut failures = Vec::new();
    if pct(s.single.0, s.single.1) < single_min {
        failures.push(format!(
            "{half}: single-cause top-1 {}/{} is below {single_min}",
            s.single.0, s.single.1
        ));
    }
    if pct(s.two.0, s.two.1) < two_min {
        failures.push(format!(
            "{half}: two-cause top-2 set {}/{} is below {two_min}",
            s.two.0, s.two.1
        ));
    }
    if !failures.is_empty() {
        failures.extend(s.wrong.iter().cloned());
    }
    if no_content_fp && !s.content_fp.is_empty() {
        failures.push(format!("{half}: `content` where the label has none:"));
        failures.extend(s.content_fp.iter().cloned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    pairs
}

/// The tokens file: NAME -> its tokens (the name first).
fn tokens() -> std::collections::HashMap<String, Vec<String>> {
    let text = std::fs::read_to_string(root().join("tokens")).expect("tests/realbuild/tokens");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let t: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            (t[0].clone(), t)
        })
        .collect()
}

/// Every .rs file under crates/explain/src, with its text.
fn explainer_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).expect("source");
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out
}

#[test]
fn dev_half() {
    let pairs = check("dev", DEV_SINGLE_MIN, DEV_TWO_MIN, DEV_NO_CONTENT_FALSE_POSITIVES);
    let toks = tokens();
    for (name, _) in &pairs {
        assert!(toks.contains_key(name), "tests/realbuild/tokens has no line for {name}");
    }
}

#[test]
fn heldout_half() {
    check(
        "heldout",
        HELDOUT_SINGLE_MIN,
        HELDOUT_TWO_MIN,
        HELDOUT_NO_CONTENT_FALSE_POSITIVES,
    );
}

#[test]
fn heldout3_half() {
    check(
        "heldout3",
        HELDOUT3_SINGLE_MIN,
        HELDOUT3_TWO_MIN,
        HELDOUT3_NO_CONTENT_FALSE_POSITIVES,
    );
}

#[test]
fn heldout4_half() {
    check("heldout4", HELDOUT4_SINGLE_MIN, HELDOUT4_TWO_MIN, false);
}

#[test]
fn heldout5_half() {
    check("heldout5", HELDOUT5_SINGLE_MIN, HELDOUT5_TWO_MIN, false);
}

#[test]
fn heldout6_half() {
    check("heldout6", HELDOUT6_SINGLE_MIN, HELDOUT6_TWO_MIN, false);
}

#[test]
fn heldout7_half() {
    check("heldout7", HELDOUT7_SINGLE_MIN, HELDOUT7_TWO_MIN, false);
}

#[test]
fn heldout8_half() {
    check("heldout8", HELDOUT8_SINGLE_MIN, HELDOUT8_TWO_MIN, false);
}

#[test]
fn heldout9_half() {
    check("heldout9", HELDOUT9_SINGLE_MIN, HELDOUT9_TWO_MIN, false);
}

#[test]
fn heldout2_half() {
    check(
        "heldout2",
        HELDOUT2_SINGLE_MIN,
        HELDOUT2_TWO_MIN,
        HELDOUT2_NO_CONTENT_FALSE_POSITIVES,
    );
}

/// None of the held-out pairs' distinctive strings (tests/realbuild/tokens, 5 characters or
/// more) is in the explainer's sources.
#[test]
fn heldout_tokens_absent_from_explainer() {
    // Every held-out half there is (heldout.sh, heldout2.sh, ...), so a new half is checked as
    // soon as its script is added.
    let mut halves: Vec<String> = std::fs::read_dir(root())
        .expect("tests/realbuild")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("heldout") && n.ends_with(".sh"))
        .collect();
    halves.sort();
    assert!(halves.len() >= 3, "held-out halves: {halves:?}");
    let mut scripts = Vec::new();
    for half in &halves {
        scripts.push(std::fs::read_to_string(root().join(half)).unwrap_or_else(|e| panic!("{half}: {e}")));
    }
    let mut names: Vec<&str> = Vec::new();
    for (half, script) in halves.iter().zip(&scripts) {
        let these: Vec<&str> = script
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("label "))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(these.len() >= 30, "{half} defines {} pairs", these.len());
        names.extend(these);
    }
    let toks = tokens();
    let sources = explainer_sources();
    assert!(!sources.is_empty(), "no sources under crates/explain/src");
    let mut leaks = Vec::new();
    for name in names {
        let t = toks
            .get(name)
            .unwrap_or_else(|| panic!("tests/realbuild/tokens has no line for {name}"));
        for tok in t.iter().filter(|t| t.chars().count() >= 5) {
            for (path, text) in &sources {
                if text.contains(tok.as_str()) {
                    leaks.push(format!("{}: {tok} (of held-out pair {name})", path.display()));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "held-out strings in the explainer:\n{}",
        leaks.join("\n")
    );
}
