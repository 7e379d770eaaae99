//! `reproscope run` on a real autotools project from its release tarball (issue 13): libyaml
//! 0.2.5 (`tests/data/autotools/`: Automake, Libtool, a shared and a static library and eleven
//! programs), unpacked into two directories of different names, its files dated at two different
//! times, `autoreconf -fi` then `./configure && make -j2` under `run --build-path /build`, the two
//! runs some seconds apart: every file of the two trees is the same, byte for byte, but for
//! `autom4te.cache` (see [`EXCLUDED`]).

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

const EPOCH: &str = "1704067200"; // 2024-01-01 00:00:00 UTC

/// The release tarball, unmodified (origin, licence and checksum in its README).
const TARBALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/autotools/libyaml_0.2.5.orig.tar.gz"
);

/// What is not compared, and why: autom4te's cache of m4 traces. Its `requests` file is a Perl
/// hash written with Data::Dumper, in Perl's hash order, which Perl perturbs per process
/// (`PERL_PERTURB_KEYS=RANDOM`, the default) with more than the random bytes `run` fixes: it
/// differs between two runs of `autoreconf` in the same place, under `run` or not, even with
/// `PERL_HASH_SEED` set and ASLR off (`PERL_PERTURB_KEYS=0` makes it the same). It is a cache for
/// the next autoconf, not an output: the files autoconf generates from it (`configure`,
/// `Makefile.in`, `config.h.in`) are compared and are the same, and no release tarball ships it.
const EXCLUDED: &[&str] = &["autom4te.cache"];

/// The tools the build needs; under CI=true a missing one fails the test, elsewhere it skips.
fn tools_present() -> bool {
    let tools = [
        "tar",
        "gzip",
        "autoreconf",
        "autoconf",
        "automake",
        "libtoolize",
        "make",
        "gcc",
    ];
    common::have(&tools)
}

/// Unpacks the tarball under `parent`, renames its top directory to `name` and dates every file
/// (and directory) at `checkout`, as a checkout made then would be.
fn unpack(parent: &Path, name: &str, checkout: &str) -> PathBuf {
    std::fs::create_dir_all(parent).unwrap();
    common::sh(
        parent,
        &format!("mkdir unpack && tar xzf '{TARBALL}' -C unpack && mv unpack/libyaml-0.2.5 '{name}' && rmdir unpack"),
    );
    let dir = parent.join(name);
    common::sh(&dir, &format!("find . -exec touch -h -d '{checkout}' {{}} +"));
    dir
}

/// `reproscope run --epoch EPOCH --build-path /build -- sh -c SCRIPT` in `dir`, which must
/// succeed.
fn run_in(dir: &Path, script: &str) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args([
            "run",
            "--epoch",
            EPOCH,
            "--build-path",
            "/build",
            "--",
            "sh",
            "-c",
            script,
        ])
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .output()
        .expect("run reproscope");
    let tail = |b: &[u8]| {
        let t = String::from_utf8_lossy(b);
        let lines: Vec<&str> = t.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    assert!(
        o.status.success(),
        "{}: `{script}` under run: {:?}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
        dir.display(),
        o.status,
        tail(&o.stdout),
        tail(&o.stderr)
    );
}

/// One entry of a tree, as compared: contents (or link target) and permission bits.
#[derive(PartialEq)]
enum Entry {
    Dir(u32),
    File(u32, Vec<u8>),
    Link(PathBuf),
}

/// Every entry under `root` but the [`EXCLUDED`] top-level names, by relative path.
fn tree(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<String, Entry>) {
        for e in std::fs::read_dir(root.join(rel)).unwrap() {
            let e = e.unwrap();
            let rel = rel.join(e.file_name());
            if rel.parent() == Some(Path::new("")) && EXCLUDED.iter().any(|x| rel == Path::new(x)) {
                continue;
            }
            let path = root.join(&rel);
            let md = std::fs::symlink_metadata(&path).unwrap();
            let mode = md.permissions().mode() & 0o7777;
            let key = rel.to_str().unwrap().to_string();
            if md.file_type().is_symlink() {
                out.insert(key, Entry::Link(std::fs::read_link(&path).unwrap()));
            } else if md.is_dir() {
                out.insert(key, Entry::Dir(mode));
                walk(root, &rel, out);
            } else {
                out.insert(key, Entry::File(mode, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, Path::new(""), &mut out);
    out
}

/// Compares the two built trees; on a difference, fails with the differing paths and
/// `reproscope diff` of each differing file.
fn assert_same_trees(a: &Path, b: &Path) {
    let (ta, tb) = (tree(a), tree(b));
    let mut only_a: Vec<&str> = ta.keys().filter(|k| !tb.contains_key(*k)).map(|k| k.as_str()).collect();
    let only_b: Vec<&str> = tb.keys().filter(|k| !ta.contains_key(*k)).map(|k| k.as_str()).collect();
    let differ: Vec<&str> = ta
        .iter()
        .filter(|(k, v)| tb.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k.as_str())
        .collect();
    let files = ta.values().filter(|v| matches!(v, Entry::File(..))).count();
    let bytes: usize = ta
        .values()
        .map(|v| match v {
            Entry::File(_, d) => d.len(),
            _ => 0,
        })
        .sum();
    eprintln!(
        "compared {} entries ({files} files, {bytes} bytes) of {} and {}; not compared: {EXCLUDED:?}",
        ta.len(),
        a.display(),
        b.display()
    );
    if only_a.is_empty() && only_b.is_empty() && differ.is_empty() {
        return;
    }
    let mut report = String::new();
    for p in differ.iter().take(10) {
        let (fa, fb) = (a.join(p), b.join(p));
        let d = common::run(&["diff", common::s(&fa), common::s(&fb)]);
        let text: String = d.stdout.lines().take(60).collect::<Vec<_>>().join("\n");
        report.push_str(&format!("\n=== {p}\n{text}\n"));
    }
    if differ.len() > 10 {
        report.push_str(&format!("\n(and {} more)\n", differ.len() - 10));
    }
    only_a.truncate(50);
    panic!(
        "the two builds differ: {} entries differ {differ:?}, only in the first: {only_a:?}, only in the second: {only_b:?}\n{report}",
        differ.len()
    );
}

/// The outputs every build must have made (so an empty or failed build cannot pass).
const OUTPUTS: &[&str] = &[
    "configure",
    "config.status",
    "include/config.h",
    "libtool",
    "yaml-0.1.pc",
    "src/libyaml.la",
    "src/.libs/libyaml.a",
    "src/.libs/libyaml-0.so.2.0.9",
    "tests/.libs/run-parser",
    "tests/run-parser",
];

/// Builds libyaml 0.2.5 from its release tarball twice, in two directories of different names
/// whose files are dated at different times, each under `run --build-path /build`: the first as
/// a user would type it, `autoreconf -fi && ./configure && make -j2` in one run (Automake's
/// sanity check then compares the `configure` autoreconf just wrote with a file configure
/// writes: files written in a run must keep their order), the second with `autoreconf -fi` in
/// one run and `./configure && make -j2` in the next (the files of the first run are then from
/// before the second). The two trees must be the same.
#[test]
fn libyaml_release_configures_and_builds_twice_alike() {
    if !tools_present() {
        return;
    }
    let start = Instant::now();
    let d = tempfile::tempdir().unwrap();
    let mut built = Vec::new();
    for (parent, name, checkout, runs) in [
        (
            "one",
            "libyaml-0.2.5",
            "2025-03-01 10:00",
            &["autoreconf -fi && ./configure && make -j2"][..],
        ),
        (
            "second/checkout",
            "yaml",
            "2025-06-15 18:30:17",
            &["autoreconf -fi", "./configure && make -j2"][..],
        ),
    ] {
        let dir = unpack(&d.path().join(parent), name, checkout);
        let t = Instant::now();
        for script in runs {
            run_in(&dir, script);
        }
        eprintln!("{}: built in {:.1} s", dir.display(), t.elapsed().as_secs_f64());
        for f in OUTPUTS {
            assert!(dir.join(f).exists(), "{}: no {f} after the build", dir.display());
        }
        built.push(dir);
    }
    assert_same_trees(&built[0], &built[1]);
    eprintln!("total {:.1} s", start.elapsed().as_secs_f64());
}
