//! The explainer on real artifacts nobody made for it: Debian package updates as the archive
//! serves them (two versions of xz-utils, zstd and openssl, fetched with `apt-get download`),
//! and a Python sdist built twice a second apart.

mod common;

use std::path::Path;
use std::process::Command;

use common::{need, run, s, sh};

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The two newest versions of `pkg` the configured archive offers, newest first.
fn versions(pkg: &str) -> Vec<String> {
    let out = Command::new("apt-cache")
        .args(["madison", pkg])
        .output()
        .expect("apt-cache runs");
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split('|').nth(1).map(|x| x.trim().to_string()))
        .collect();
    v.dedup();
    v.truncate(2);
    v
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("report")).expect("JSON")
}

/// Non-derived cause ids, in rank order.
fn causes(report: &serde_json::Value) -> Vec<String> {
    report["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .filter(|c| !c["derived"].as_bool().unwrap_or(false))
        .map(|c| c["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn find<'a>(n: &'a serde_json::Value, name: &str, out: &mut Vec<&'a serde_json::Value>) {
    if n["source1"].as_str() == Some(name) {
        out.push(n);
    }
    for c in n["details"].as_array().into_iter().flatten() {
        find(c, name, out);
    }
}

#[test]
fn debian_updates_are_version_changes_and_md5sums_follow() {
    need(&["apt-get", "apt-cache"]);
    let t = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for pkg in ["xz-utils", "zstd", "openssl"] {
        let v = versions(pkg);
        if v.len() < 2 {
            // The archive decides what it serves; one version leaves nothing to compare.
            println!("skipped {pkg}: the archive offers {} version(s)", v.len());
            continue;
        }
        let dir = t.path().join(pkg);
        std::fs::create_dir_all(&dir).unwrap();
        let got = Command::new("apt-get")
            .args(["download", "-q", &format!("{pkg}={}", v[1]), &format!("{pkg}={}", v[0])])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !got {
            assert!(!ci(), "apt-get download {pkg} failed under CI");
            println!("skipped {pkg}: apt-get download failed (no network?)");
            continue;
        }
        let mut debs: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        debs.sort();
        assert_eq!(debs.len(), 2, "{pkg}: {debs:?}");
        // apt-get names a download PKG_VERSION_ARCH.deb, with ':' written %3a.
        let named = |v: &str| format!("{pkg}_{}_", v.replace(':', "%3a"));
        let (old, new) = if debs[0].to_string_lossy().contains(&named(&v[1])) {
            (&debs[0], &debs[1])
        } else {
            (&debs[1], &debs[0])
        };
        let report = dir.join("report.json");
        let o = run(&["diff", s(old), s(new), "--json", s(&report)]);
        assert_eq!(o.code, 1, "{pkg}: {}", o.stderr);
        let r = json(&report);
        let ids = causes(&r);
        println!("{pkg} {} → {}: {ids:?}", v[1], v[0]);
        assert_eq!(ids.first().map(String::as_str), Some("input-version"), "{pkg}: {ids:?}");
        assert!(!ids.iter().any(|c| c == "randomness"), "{pkg}: {ids:?}\n{}", o.stdout);
        assert!(!ids.iter().any(|c| c == "content"), "{pkg}: {ids:?}\n{}", o.stdout);
        // md5sums: its changed lines are checksums of members that changed, derived.
        let mut md5 = Vec::new();
        find(&r, "md5sums", &mut md5);
        assert_eq!(md5.len(), 1, "{pkg}");
        let said = md5[0]["comments"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c.as_str().is_some_and(|c| c.contains("(checksum) follows from")));
        assert!(said || md5[0]["cause"] == "checksum", "{pkg}: {}", md5[0]);
        checked += 1;
    }
    println!("{checked} of 3 packages compared");
    if ci() {
        assert_eq!(checked, 3, "under CI every package is compared");
    }
}

#[test]
fn an_sdist_built_twice_a_second_apart_differs_by_time() {
    need(&["/usr/bin/python3"]);
    let t = tempfile::tempdir().unwrap();
    sh(
        t.path(),
        "mkdir -p proj/tinypkg && cd proj && \
         printf 'from setuptools import setup\\nsetup(name=\"tinypkg\", version=\"0.3.1\", packages=[\"tinypkg\"])\\n' >setup.py && \
         printf 'VALUE = 42\\n' >tinypkg/__init__.py && printf 'A tiny package.\\n' >README && \
         /usr/bin/python3 setup.py -q sdist -d ../a >/dev/null 2>&1 && sleep 1.1 && \
         /usr/bin/python3 setup.py -q sdist -d ../b >/dev/null 2>&1",
    );
    let a = t.path().join("a/tinypkg-0.3.1.tar.gz");
    let b = t.path().join("b/tinypkg-0.3.1.tar.gz");
    let report = t.path().join("r.json");
    let o = run(&["diff", s(&a), s(&b), "--json", s(&report)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let ids = causes(&json(&report));
    assert_eq!(ids, ["timestamp"], "{}", o.stdout);
}
