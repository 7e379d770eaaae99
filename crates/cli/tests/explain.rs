//! `diff` explains: the ranked summary first, causes in the JSON, --hide and
//! --source-date-epoch, on the built-in sample images (one edited file, one touched mtime).

mod common;

use common::{run, s, write};
use reproscope::sample::{build_eif, Variant};

fn pair(t: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let a = write(t, "local.eif", &build_eif(&Variant::default()));
    let b = write(
        t,
        "deployed.eif",
        &build_eif(&Variant {
            edit_config: true,
            touch_mtime: true,
            add_file: false,
        }),
    );
    (a, b)
}

#[test]
fn text_report_starts_with_ranked_causes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pair(t.path());
    let o = run(&["diff", s(&a), s(&b)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "Why these builds differ", "{}", o.stdout);
    assert!(lines[1].starts_with(" 1. content "), "{}", o.stdout);
    assert!(lines[1].contains("ramdisk1/part2/etc/app.conf"), "{}", o.stdout);
    let ts = lines
        .iter()
        .position(|l| l.starts_with(" 2. timestamp "))
        .expect("timestamp second");
    assert!(lines[ts].contains("+1 day"), "{}", o.stdout);
    assert!(lines[ts + 1].contains("fix: "), "{}", o.stdout);
    // The checksums over the changed ramdisk follow from it; they are not causes.
    assert!(o.stdout.contains("follow from the above"), "{}", o.stdout);
    assert!(o.stdout.contains("app/run.sh  (file)  [timestamp]"), "{}", o.stdout);

    let o = run(&["diff", s(&a), s(&b), "--no-explain"]);
    assert!(o.stdout.starts_with("--- "), "{}", o.stdout);
    assert!(!o.stdout.contains("[timestamp]"), "{}", o.stdout);
}

#[test]
fn json_has_ranked_causes_and_per_node_causes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pair(t.path());
    let o = run(&["diff", s(&a), s(&b), "--json", "-", "--source-date-epoch", "1704067200"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("valid JSON");
    let causes = v["causes"].as_array().expect("causes");
    assert_eq!(causes[0]["id"], "content");
    assert_eq!(causes[0]["derived"], false);
    assert_eq!(causes[1]["id"], "timestamp");
    assert_eq!(causes[1]["count"], 1);
    assert!(causes[1]["fix"].as_str().unwrap().contains("SOURCE_DATE_EPOCH"));
    let sde = &causes[1]["source_date_epoch"];
    assert_eq!(sde["value"], 1704067200);
    assert_eq!(sde["first"], serde_json::json!([1, 0, 0]));
    assert_eq!(sde["second"], serde_json::json!([0, 0, 1]));
    assert!(causes.iter().any(|c| c["id"] == "checksum" && c["derived"] == true));

    let part2 = &v["details"][0]["details"][0];
    let by = |name: &str| {
        part2["details"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["source1"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by("app/run.sh")["cause"], "timestamp");
    assert_eq!(by("app/run.sh")["fields"][0]["cause"], "timestamp");
    assert_eq!(by("etc/app.conf")["cause"], "content");
    // The gzip layer's CRC follows from the edited file.
    assert_eq!(part2["derived_from"], "ramdisk1/part2/etc/app.conf");
}

#[test]
fn hide_drops_a_cause_from_the_tree_but_not_from_the_summary() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pair(t.path());
    let o = run(&["diff", s(&a), s(&b), "--hide", "timestamp"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains(" 2. timestamp "), "{}", o.stdout);
    assert!(o.stdout.contains("(hidden below)"), "{}", o.stdout);
    assert!(!o.stdout.contains("app/run.sh"), "{}", o.stdout);
    assert!(o.stdout.contains("etc/app.conf"), "{}", o.stdout);

    let o = run(&["diff", s(&a), s(&b), "--hide", "content,timestamp"]);
    assert!(
        o.stdout.contains("nothing else differs once these are set aside"),
        "{}",
        o.stdout
    );

    let o = run(&["diff", s(&a), s(&b), "--hide", "mtimes"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--hide mtimes: not a cause"), "{}", o.stderr);
}

#[test]
fn verify_explains_its_comparison_with_the_same_options() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pair(t.path());
    let o = run(&["verify", s(&a), "--against", s(&b), "--hide", "timestamp"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("NOT verified"), "{}", o.stdout);
    assert!(o.stdout.contains("Why these builds differ"), "{}", o.stdout);
    assert!(o.stdout.contains("(hidden below)"), "{}", o.stdout);
    assert!(!o.stdout.contains("app/run.sh"), "{}", o.stdout);
    assert!(o.stdout.contains("etc/app.conf"), "{}", o.stdout);

    // The touched mtime is one day after 1704067200; the explainer says it is later.
    let o = run(&[
        "verify",
        s(&a),
        "--against",
        s(&b),
        "--json",
        "-",
        "--source-date-epoch",
        "1704067200",
    ]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("valid JSON");
    let ts = v["causes"]
        .as_array()
        .expect("causes")
        .iter()
        .find(|c| c["id"] == "timestamp")
        .expect("a timestamp cause");
    assert_eq!(ts["source_date_epoch"]["value"], 1704067200, "{ts}");
    assert_eq!(ts["source_date_epoch"]["second"], serde_json::json!([0, 0, 1]), "{ts}");

    let o = run(&["verify", s(&a), "--against", s(&b), "--no-explain"]);
    assert!(!o.stdout.contains("Why these builds differ"), "{}", o.stdout);
}
