//! The engine on PNG pairs made by netpbm's `pnmtopng` (Debian package `netpbm`) and
//! recompressed by `optipng` (package `optipng`): a different tIME is exactly one field change;
//! the same pixels compressed differently leave `(image data)` unchanged; a changed pixel is one
//! changed byte in it.

mod common;

use std::path::Path;

use reproscope_diff::{compare_paths, Difference, Options};
use reproscope_formats::Value;

fn run(cmd: &str, dir: &Path) {
    common::sh(cmd, dir, "netpbm and optipng");
}

fn compare(dir: &Path, a: &str, b: &str) -> Difference {
    compare_paths(&dir.join(a), &dir.join(b), &Options::default())
        .unwrap()
        .expect("the files differ")
}

/// Names of the top node's field changes that are not derived from others.
fn own_fields(d: &Difference) -> Vec<&str> {
    d.fields
        .iter()
        .filter(|f| f.derived.is_none())
        .map(|f| f.name.as_str())
        .collect()
}

#[test]
fn a_different_time_is_the_only_change() {
    let t = tempfile::tempdir().unwrap();
    run("ppmpat -camo -randomseed=1 40 30 > p.ppm", t.path());
    run("pnmtopng -modtime '2024-01-01 00:00:00' p.ppm > a.png", t.path());
    run("pnmtopng -modtime '2024-03-05 06:07:08' p.ppm > b.png", t.path());

    let d = compare(t.path(), "a.png", "b.png");
    assert_eq!(d.format.as_deref(), Some("png"));
    assert_eq!(d.fields.len(), 1, "{d:#?}");
    let time = &d.fields[0];
    assert_eq!(time.name, "time");
    assert_eq!(time.before, Some(Value::Time(1_704_067_200)));
    assert_eq!(time.after, Some(Value::Time(1_709_618_828)));
    assert!(time.derived.is_none());
    assert!(d.details.is_empty(), "{d:#?}");
    assert!(d.changes().is_empty(), "{d:#?}");
    assert_eq!(d.byte_range_count, 0);
}

#[test]
fn recompressed_pixels_are_not_a_content_change() {
    let t = tempfile::tempdir().unwrap();
    run("ppmpat -camo -randomseed=1 200 150 > p.ppm", t.path());
    run("pnmtopng -compression 1 p.ppm > c1.png", t.path());
    run("pnmtopng -compression 9 p.ppm > c9.png", t.path());
    // optipng without image reductions, keeping the filters pnmtopng chose (libpng's default
    // adaptive filtering, which does not depend on the compression level).
    run(
        "pnmtopng -compression 1 -nofilter p.ppm > n1.png && optipng -quiet -nx -f0 -zc9 -force -out n9.png n1.png",
        t.path(),
    );

    for (a, b) in [("c1.png", "c9.png"), ("n1.png", "n9.png")] {
        let d = compare(t.path(), a, b);
        assert_eq!(d.format.as_deref(), Some("png"));
        assert!(d.details.iter().all(|x| x.source1 != "(image data)"), "{a} {b}: {d:#?}");
        assert!(d.changes().is_empty(), "{a} {b}: {d:#?}");
        assert_eq!(own_fields(&d), ["idat-size"], "{a} {b}: {d:#?}");
        let size = &d.fields[0];
        let (Some(Value::Size(x)), Some(Value::Size(y))) = (&size.before, &size.after) else {
            panic!("{size:?}");
        };
        assert!(y < x, "{a} {b}: {x} -> {y}");
    }
}

#[test]
fn other_pixels_change_the_image_data() {
    let t = tempfile::tempdir().unwrap();
    run("pgmnoise -randomseed=1 40 30 > a.pgm", t.path());
    // One pixel changed (the last byte of the raw PGM).
    let mut pgm = std::fs::read(t.path().join("a.pgm")).unwrap();
    let last = pgm.len() - 1;
    pgm[last] ^= 0x55;
    std::fs::write(t.path().join("b.pgm"), &pgm).unwrap();
    run(
        "pnmtopng -nofilter a.pgm > a.png && pnmtopng -nofilter b.pgm > b.png",
        t.path(),
    );
    let d = compare(t.path(), "a.png", "b.png");
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, ["(image data)"], "{d:#?}");
    let image = &d.details[0];
    assert_eq!(image.kind.as_deref(), Some("section"));
    assert_eq!(image.byte_range_count, 1, "{image:?}");
    assert_eq!(image.byte_ranges[0].offset, 30 * 41 - 1, "{image:?}");
}
