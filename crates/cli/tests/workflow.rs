//! The enclave image workflow end to end, on the built-in sample images.

mod common;

use common::{leaf_changes, run, s, write};
use reproscope::sample::{build_eif, Variant};

#[test]
fn demo_runs_and_shows_the_changes() {
    let o = run(&["demo"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("PCR1    match"), "{}", o.stdout);
    assert!(o.stdout.contains("PCR0    MISMATCH"), "{}", o.stdout);
    assert!(o.stdout.contains("etc/app.conf"), "{}", o.stdout);
    assert!(o.stdout.contains("+log_level = debug"), "{}", o.stdout);
    assert!(o
        .stdout
        .contains("mtime: 2024-01-01 00:00:00 (1704067200) → 2024-01-02 00:00:00 (1704153600), +1 day"));
}

/// The pair: one text file edited, one mtime changed and one file added, all inside the
/// second ramdisk behind an uncompressed early cpio.
#[test]
fn diff_names_exactly_the_three_changes_and_verify_reports_pcrs() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "local.eif", &build_eif(&Variant::default()));
    let b = write(
        t.path(),
        "deployed.eif",
        &build_eif(&Variant {
            edit_config: true,
            touch_mtime: true,
            add_file: true,
        }),
    );
    let o = run(&["diff", s(&a), s(&b), "--json", "-"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("valid JSON");
    assert_eq!(v["diffoscope-json-version"], 1);
    let mut got = leaf_changes(&v);
    got.sort();
    let want = [
        ("ramdisk1/part2/app/run.sh", "changed"),
        ("ramdisk1/part2/etc/app.conf", "changed"),
        ("ramdisk1/part2/etc/build-info.txt", "added"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(p, c)| (p.to_string(), c.to_string())).collect();
    assert_eq!(got, want);

    // Kinds of change: content for the edited file, mtime only for the touched one.
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
    let run_sh = by("app/run.sh");
    assert!(run_sh["unified_diff"].is_null());
    assert_eq!(run_sh["fields"][0]["name"], "mtime");
    let conf = by("etc/app.conf");
    assert!(conf["unified_diff"]
        .as_str()
        .unwrap()
        .contains("-log_level = info\n+log_level = debug"));

    let o = run(&["verify", s(&a), "--against", s(&b)]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    let line = |pcr: &str| o.stdout.lines().find(|l| l.starts_with(pcr)).unwrap_or("").to_string();
    assert!(line("PCR0").contains("MISMATCH"), "{}", o.stdout);
    assert!(
        line("PCR1").contains("match") && !line("PCR1").contains("MISMATCH"),
        "{}",
        o.stdout
    );
    assert!(line("PCR2").contains("MISMATCH"), "{}", o.stdout);
    assert!(o.stdout.contains("sections that differ: ramdisk1"), "{}", o.stdout);
    assert!(
        o.stdout.contains("etc/build-info.txt"),
        "verify goes on to compare contents: {}",
        o.stdout
    );
}

#[test]
fn identical_inputs_give_exit_0_and_one_line() {
    let t = tempfile::tempdir().unwrap();
    let img = build_eif(&Variant::default());
    let a = write(t.path(), "a.eif", &img);
    let b = write(t.path(), "b.eif", &img);
    let o = run(&["diff", s(&a), s(&b)]);
    assert_eq!(o.code, 0);
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    assert!(o.stdout.contains("are identical"));
    let o = run(&["verify", s(&a), "--against", s(&b)]);
    assert_eq!(o.code, 0, "{}", o.stdout);
}

#[test]
fn measure_formats_and_verify_against_values() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "a.eif", &build_eif(&Variant::default()));
    let b = write(
        t.path(),
        "b.eif",
        &build_eif(&Variant {
            add_file: true,
            ..Variant::default()
        }),
    );

    let o = run(&["measure", s(&a), "--json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let m = &v["Measurements"];
    assert_eq!(m["HashAlgorithm"], "Sha384 { ... }");
    let pcr0 = m["PCR0"].as_str().unwrap().to_string();
    assert_eq!(pcr0.len(), 96);
    assert!(m["PCR8"].is_null(), "unsigned image has no PCR8");

    let o = run(&["measure", s(&a), "--pcrs"]);
    assert_eq!(o.code, 0);
    assert_eq!(o.stdout.lines().next().unwrap(), format!("{pcr0} PCR0"));
    let pcrs = write(t.path(), "a.pcrs", o.stdout.as_bytes());

    assert_eq!(run(&["verify", s(&a), "--pcrs", s(&pcrs)]).code, 0);
    let o = run(&["verify", s(&b), "--pcrs", s(&pcrs)]);
    assert_eq!(o.code, 1);
    assert!(o.stdout.contains("PCR1    match"), "{}", o.stdout);
    assert_eq!(run(&["verify", s(&a), "--expect", &format!("PCR0={pcr0}")]).code, 0);
    assert_eq!(run(&["verify", s(&b), "--expect", &format!("PCR0={pcr0}")]).code, 1);
    // nitro-cli's JSON is accepted as a --pcrs file too.
    let json = write(t.path(), "a.json", serde_json::to_string(&v).unwrap().as_bytes());
    assert_eq!(run(&["verify", s(&a), "--pcrs", s(&json)]).code, 0);

    let o = run(&["measure", s(&pcrs)]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains("sha256") && !o.stdout.contains("PCR0 "),
        "{}",
        o.stdout
    );
}

#[test]
fn binary_differences_give_valid_json_and_ranges() {
    let t = tempfile::tempdir().unwrap();
    let mut x: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let a = write(t.path(), "a.bin", &x);
    x[1000] ^= 0xff;
    x[4000] = 0;
    let b = write(t.path(), "b.bin", &x);
    let o = run(&["diff", s(&a), s(&b), "--json", "-"]);
    assert_eq!(o.code, 1);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["byte_range_count"], 2);
    assert_eq!(v["byte_ranges"][0]["offset"], 1000);
    assert!(v["unified_diff"].as_str().unwrap().contains("000003e0"));
}

#[test]
fn ls_and_extract_show_the_nested_tree() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "a.eif", &build_eif(&Variant::default()));
    let o = run(&["ls", s(&a)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for needle in [
        "kernel",
        "cmdline",
        "ramdisk0",
        "ramdisk1",
        "part2",
        "etc/app.conf",
        "kernel/early-config",
    ] {
        assert!(o.stdout.contains(needle), "{needle} missing:\n{}", o.stdout);
    }
    let out = t.path().join("out");
    let o = run(&["extract", s(&a), "-o", s(&out), "--recursive"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let conf = std::fs::read_to_string(out.join("ramdisk1.d/part2.d/etc/app.conf")).unwrap();
    assert!(conf.contains("log_level = info"));
    assert_eq!(
        std::fs::read(out.join("cmdline")).unwrap(),
        reproscope::sample::CMDLINE.as_bytes()
    );
    assert!(out.join("ramdisk1.d/kernel/early-config").is_file());
}

/// A reader that stops early (`reproscope ls big | head -1`) ends the listing quietly: no error
/// message, no panic, just the end of the process by SIGPIPE as with other command-line tools.
#[test]
fn listing_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};

    let t = tempfile::tempdir().unwrap();
    // A tar (GNU tar) of far more than a pipe's 64 KiB of listing.
    let dir = t.path().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..3000 {
        std::fs::write(dir.join(format!("file-with-a-longish-name-{i:05}.txt")), b"x").unwrap();
    }
    let path = t.path().join("many.tar");
    let st = Command::new("tar")
        .args(["-C", s(&dir), "-cf", s(&path), "."])
        .status()
        .expect("GNU tar");
    assert!(st.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["ls", s(&path)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run reproscope");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with(s(&path)), "{first}");
    // The read end is closed here, with most of the listing unread.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.signal(), Some(13), "SIGPIPE: {:?}", out.status);

    // A directory is listed like an archive: its entries, and inside the files that are archives.
    let o = run(&["ls", s(t.path())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.lines().next().unwrap().ends_with("(directory)"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("many/file-with-a-longish-name-00042.txt  (file, "),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("many.tar  (file, "), "{}", o.stdout);
    // The tar's own members, one level in.
    assert!(o.stdout.contains("│   ├── file-with-a-longish-name-"), "{}", o.stdout);
    // Commands that read one file say what a directory is not.
    let o = run(&["measure", s(t.path())]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("is a directory"), "{}", o.stderr);
}
