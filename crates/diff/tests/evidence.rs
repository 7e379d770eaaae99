//! The facts the engine gathers for the explainer (`Difference::evidence`), and the pairings
//! and fields they go with, on artifacts built by real tools at test time: gcc (Debian packages
//! gcc, binutils), dpkg-deb (dpkg, xz-utils, zstd), GNU tar, jq, and coreutils and gzip as
//! oracles for the digests.

mod common;

use std::path::Path;

use reproscope_diff::{compare_paths, Change, Difference, Options};
use reproscope_formats::Value;

fn sh(cmd: &str, dir: &Path, packages: &str) {
    common::sh(cmd, dir, packages);
}

/// Standard output of `cmd` run with `sh -c` in `dir`.
fn output(cmd: &str, dir: &Path) -> String {
    common::sh(cmd, dir, "coreutils binutils dpkg")
}

/// The first hex word of a `md5sum`-style line.
fn hex_of(line: &str) -> String {
    line.split_whitespace().next().unwrap().to_string()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn diff(a: &Path, b: &Path) -> Difference {
    compare_paths(a, b, &Options::default()).unwrap().expect("different")
}

/// The node whose path from the root is `path` (names as in the first input, or the second's
/// for an added member).
fn at<'a>(d: &'a Difference, path: &str) -> &'a Difference {
    let mut found = None;
    d.walk(&mut |p, n| {
        if p.join("/") == path && found.is_none() {
            found = Some(n);
        }
    });
    found.unwrap_or_else(|| {
        let mut all = Vec::new();
        d.walk(&mut |p, _| all.push(p.join("/")));
        panic!("no node {path}: {all:?}")
    })
}

/// (change, source1, source2) of a node's children.
fn children(d: &Difference) -> Vec<(Change, String, String)> {
    d.details
        .iter()
        .map(|c| (c.change, c.source1.clone(), c.source2.clone()))
        .collect()
}

/// A package tree with a control file and `usr/share/doc/x/README` holding `readme`, every
/// time pinned.
fn package_tree(root: &Path, readme: &str) {
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("usr/share/doc/x")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        "Package: x\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: x\n",
    )
    .unwrap();
    std::fs::write(root.join("usr/share/doc/x/README"), readme).unwrap();
    std::fs::write(root.join("usr/share/doc/x/copyright"), "same in both\n").unwrap();
    sh("find . -exec touch -h -d '2024-01-01 00:00:00' {} +", root, "findutils");
}

/// `dpkg-deb --build` of `tree` into `deb` with compressor `z`, SOURCE_DATE_EPOCH pinned.
fn build_deb(dir: &Path, tree: &str, deb: &str, z: &str) {
    common::sh_env(
        &format!("dpkg-deb --root-owner-group -Z{z} --build {tree} {deb} >/dev/null"),
        dir,
        "dpkg, xz-utils, zstd",
        &[("SOURCE_DATE_EPOCH", "1704067200")],
    );
}

#[test]
fn a_longer_string_in_rodata_moves_text_displacements_by_its_growth() {
    let t = tempfile::tempdir().unwrap();
    let src = "#include <stdio.h>\n\
               void later(void) { printf(\"later string %d\\n\", 42); }\n\
               int main(void) { printf(\"name=%s\\n\", NAME); later(); return 0; }\n";
    std::fs::write(t.path().join("p.c"), src).unwrap();
    sh(
        "gcc -O1 -DNAME='\"aa\"' p.c -o a && gcc -O1 -DNAME='\"aaa\"' p.c -o b",
        t.path(),
        "gcc, binutils",
    );
    let d = diff(&t.path().join("a"), &t.path().join("b"));

    // .rodata: "aa\0name=%s\n" against "aaa\0name=%s\n"; the first change is the NUL that
    // ended "aa" where the second input goes on with 'a'.
    let rodata = at(&d, ".rodata");
    assert_eq!(
        rodata.evidence.range_strings.first(),
        Some(&("aa".to_string(), "aaa".to_string())),
        "{:?}",
        rodata.evidence.range_strings
    );
    assert_eq!(rodata.evidence.range_strings.len(), rodata.byte_ranges.len());

    // .text: main's `lea name(%rip)` displacement grew by one, the string's growth; at -O1
    // gcc 12 changes that one byte (0xac -> 0xad) and nothing else in .text.
    let text = at(&d, ".text");
    assert_eq!(text.byte_range_count, 1, "{:?}", text.byte_ranges);
    let runs = &text.evidence.range_deltas[0];
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].contains(&1), "{runs:?}");
    // The other windows read the byte as part of a larger word: +0x100, +0x10000, ...
    assert!(runs[0].contains(&0x100), "{runs:?}");
    assert!(runs[0].iter().all(|&x| x > 0), "{runs:?}");
}

#[test]
fn a_changed_file_in_a_deb_carries_the_digests_of_its_bytes() {
    let t = tempfile::tempdir().unwrap();
    package_tree(&t.path().join("pa"), "first build\n");
    package_tree(&t.path().join("pb"), "second build, longer\n");
    build_deb(t.path(), "pa", "a.deb", "xz");
    build_deb(t.path(), "pb", "b.deb", "xz");
    let d = diff(&t.path().join("a.deb"), &t.path().join("b.deb"));

    let readme = at(&d, "data.tar.xz/usr/share/doc/x/README");
    let got = readme.evidence.digests.as_deref().expect("digests of a differing file");
    for (side, tree) in [(0, "pa"), (1, "pb")] {
        let file = format!("{tree}/usr/share/doc/x/README");
        let dir = t.path();
        assert_eq!(hex(&got[side].md5), hex_of(&output(&format!("md5sum {file}"), dir)));
        assert_eq!(hex(&got[side].sha1), hex_of(&output(&format!("sha1sum {file}"), dir)));
        assert_eq!(
            hex(&got[side].sha256),
            hex_of(&output(&format!("sha256sum {file}"), dir))
        );
        assert_eq!(
            hex(&got[side].sha512),
            hex_of(&output(&format!("sha512sum {file}"), dir))
        );
        // gzip's trailer holds the CRC-32 of what it compressed (little-endian).
        let crc = output(
            &format!("gzip -c {file} | tail -c 8 | head -c 4 | od -An -tu4 --endian=little"),
            dir,
        );
        assert_eq!(got[side].crc32, crc.trim().parse::<u32>().unwrap());
    }

    // The data.tar.xz member's digests are of its stored (compressed) bytes.
    let data = at(&d, "data.tar.xz");
    let got = data.evidence.digests.as_deref().expect("digests of data.tar.xz");
    let stored = output("ar p a.deb data.tar.xz | sha256sum", t.path());
    assert_eq!(hex(&got[0].sha256), hex_of(&stored));

    // A file that did not change has no node, and the identical copyright file no digests.
    let mut with_digests = Vec::new();
    d.walk(&mut |p, n| {
        if n.evidence.digests.is_some() {
            with_digests.push(p.join("/"));
        }
    });
    assert!(
        with_digests.iter().all(|p| !p.ends_with("copyright")),
        "{with_digests:?}"
    );
}

#[test]
fn member_order_evidence_lists_the_common_members_in_each_order() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("d")).unwrap();
    for (name, text) in [("a", "1\n"), ("b", "2\n"), ("c", "3\n")] {
        std::fs::write(t.path().join("d").join(name), text).unwrap();
    }
    sh(
        "tar --format=gnu --mtime=@0 --owner=0 --group=0 --no-recursion -cf a.tar d/b d/a d/c && \
         tar --format=gnu --mtime=@0 --owner=0 --group=0 --no-recursion -cf b.tar d/a d/b d/c",
        t.path(),
        "tar",
    );
    let d = diff(&t.path().join("a.tar"), &t.path().join("b.tar"));
    assert!(d.fields.iter().any(|f| f.name == "member-order"), "{:?}", d.fields);
    let (first, second) = d.evidence.orders.as_deref().expect("orders");
    assert_eq!(first, &["d/b", "d/a", "d/c"]);
    assert_eq!(second, &["d/a", "d/b", "d/c"]);
}

#[test]
fn a_reordered_json_array_is_one_field_with_both_orders() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("in.json"),
        r#"{"name":"x","files":["b.txt","a.txt","c.txt"],"deps":[{"n":"z","v":1},{"n":"y","v":2}]}"#,
    )
    .unwrap();
    sh(
        "jq . in.json > a.json && jq '.files |= sort | .deps |= sort_by(.n)' in.json > b.json",
        t.path(),
        "jq",
    );
    let d = diff(&t.path().join("a.json"), &t.path().join("b.json"));
    let json_fields: Vec<&str> = d
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| n.starts_with("json"))
        .collect();
    assert_eq!(json_fields, ["json-array-order"], "{:?}", d.fields);
    let f = &d.fields[0];
    assert_eq!(f.before, Some(Value::Text(r#".files: "b.txt" at [0]"#.into())));
    assert_eq!(f.after, Some(Value::Text(r#".files: "b.txt" at [1]"#.into())));
    assert_eq!(
        d.comments,
        [
            "same JSON elements; only array elements are in a different order",
            "element order differs in 2 arrays; the first is shown"
        ]
    );
    let (first, second) = d.evidence.orders.as_deref().expect("orders");
    assert_eq!(first, &[r#""b.txt""#, r#""a.txt""#, r#""c.txt""#]);
    assert_eq!(second, &[r#""a.txt""#, r#""b.txt""#, r#""c.txt""#]);
}

#[test]
fn a_deb_built_with_zstd_instead_of_xz_pairs_its_members_and_finds_the_same_tars() {
    let t = tempfile::tempdir().unwrap();
    package_tree(&t.path().join("p"), "same\n");
    build_deb(t.path(), "p", "a.deb", "xz");
    build_deb(t.path(), "p", "b.deb", "zstd");
    assert_eq!(
        output("ar t b.deb", t.path()),
        "debian-binary\ncontrol.tar.zst\ndata.tar.zst\n"
    );
    let d = diff(&t.path().join("a.deb"), &t.path().join("b.deb"));
    assert_eq!(
        children(&d),
        [
            (Change::Renamed, "control.tar.xz".into(), "control.tar.zst".into()),
            (Change::Renamed, "data.tar.xz".into(), "data.tar.zst".into()),
        ]
    );
    for x in &d.details {
        assert!(x.details.is_empty(), "{:?}", children(x));
        assert_eq!(
            x.comments,
            ["xz and zstd bytes differ; the decompressed content is identical"]
        );
        let format = x.fields.iter().find(|f| f.name == "format").expect("format field");
        assert_eq!(format.before, Some(Value::Text("xz+tar".into())));
        assert_eq!(format.after, Some(Value::Text("zstd+tar".into())));
    }
}

#[test]
fn a_recompressed_data_tar_with_a_changed_file_compares_its_members() {
    let t = tempfile::tempdir().unwrap();
    package_tree(&t.path().join("pa"), "one\n");
    package_tree(&t.path().join("pb"), "two\n");
    build_deb(t.path(), "pa", "a.deb", "xz");
    build_deb(t.path(), "pb", "b.deb", "zstd");
    let d = diff(&t.path().join("a.deb"), &t.path().join("b.deb"));
    let data = at(&d, "data.tar.xz");
    assert_eq!(data.change, Change::Renamed);
    assert_eq!(data.source2, "data.tar.zst");
    assert_eq!(
        children(data),
        [(
            Change::Changed,
            "usr/share/doc/x/README".into(),
            "usr/share/doc/x/README".into()
        )]
    );
    assert!(data.details[0]
        .unified_diff
        .as_deref()
        .is_some_and(|u| u.contains("-one") && u.contains("+two")));
}

#[test]
fn lto_sections_named_with_a_random_suffix_pair() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("x.c"),
        "int helper(int x) { return x * 3; }\nint main(void) { return helper(2); }\n",
    )
    .unwrap();
    // Without -frandom-seed, gcc names its LTO sections with a random suffix per compilation.
    sh(
        "gcc -flto -O2 -c x.c -o a.o && gcc -flto -O2 -c x.c -o b.o",
        t.path(),
        "gcc",
    );
    let names = |o: &str| output(&format!("readelf -SW {o} | grep -o '\\.gnu\\.lto_[^ ]*'"), t.path());
    let (na, nb) = (names("a.o"), names("b.o"));
    assert_ne!(na, nb, "gcc gave both compilations the same LTO section names");
    let d = diff(&t.path().join("a.o"), &t.path().join("b.o"));

    let renamed: Vec<(String, String)> = d
        .details
        .iter()
        .filter(|c| c.change == Change::Renamed)
        .map(|c| (c.source1.clone(), c.source2.clone()))
        .collect();
    // Every LTO section with a suffix (all but .gnu.lto_.opts) pairs with its namesake.
    let suffixed: Vec<&str> = na.lines().filter(|n| *n != ".gnu.lto_.opts").collect();
    assert!(suffixed.len() >= 10, "{na}");
    assert_eq!(renamed.len(), suffixed.len(), "{renamed:?}");
    for (s1, s2) in &renamed {
        let (p1, x1) = s1.rsplit_once('.').unwrap();
        let (p2, x2) = s2.rsplit_once('.').unwrap();
        assert_eq!(p1, p2);
        // A 64-bit random number in hex (leading zeros left out).
        let random = |x: &str| !x.is_empty() && x.len() <= 16 && x.bytes().all(|c| c.is_ascii_hexdigit());
        assert!(random(x1) && random(x2) && x1 != x2, "{s1} {s2}");
    }
    // Nothing is left unpaired, and the paired sections hold the same bytes: the names (and
    // .shstrtab, which holds them) are all that differs.
    assert!(
        d.details
            .iter()
            .all(|c| !matches!(c.change, Change::Added | Change::Removed)),
        "{:?}",
        children(&d)
    );
    for c in d.details.iter().filter(|c| c.change == Change::Renamed) {
        assert_eq!(c.byte_range_count, 0, "{}", c.source1);
        assert!(c.unified_diff.is_none() && c.details.is_empty(), "{}", c.source1);
    }
    let changed: Vec<&str> = d
        .details
        .iter()
        .filter(|c| c.change == Change::Changed)
        .map(|c| c.source1.as_str())
        .collect();
    // Suffixes drop leading zeros, so .shstrtab may change length; then what follows it in the
    // file (the section header table, "(other bytes)") moves too.
    let shstrtab = d.details.iter().find(|c| c.source1 == ".shstrtab").expect(".shstrtab");
    if shstrtab.size1 == shstrtab.size2 {
        assert_eq!(changed, [".shstrtab"]);
    } else {
        assert_eq!(changed, [".shstrtab", "(other bytes)"]);
    }
}
