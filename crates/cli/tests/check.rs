//! `reproscope check`: small projects each made non-reproducible by one condition, built under
//! the real `reproscope run`; the check must blame exactly that variation (exit 1), and a
//! reproducible project must pass (exit 0, nothing blamed).

use std::path::Path;
use std::process::Command;

/// Run `reproscope check --json - -- make` on a project of these files; (exit code, JSON).
fn check(files: &[(&str, &str)], extra: &[&str]) -> (i32, serde_json::Value) {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("proj");
    for (name, text) in files {
        let p = src.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let mut args = vec!["check", "--source", src.to_str().unwrap(), "--json", "-"];
    args.extend_from_slice(extra);
    args.extend(["--", "make", "-s"]);
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(&args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("reproscope");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), json)
}

fn blamed(j: &serde_json::Value) -> Vec<String> {
    j["blamed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().to_string())
        .collect()
}

fn makefile(recipe: &str) -> String {
    format!("out.txt:\n\t{recipe}\n")
}

/// One project per variation that `check` varies here, each writing what that variation changes.
#[test]
fn each_variation_is_blamed_alone() {
    let mut cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("time", vec![("Makefile", makefile("date +%Y-%m-%d > out.txt"))]),
        ("build_path", vec![("Makefile", makefile("pwd > out.txt"))]),
        ("domain_host", vec![("Makefile", makefile("hostname > out.txt"))]),
        ("home", vec![("Makefile", makefile("echo $$HOME > out.txt"))]),
        ("timezone", vec![("Makefile", makefile("date +%z > out.txt"))]),
        ("exec_path", vec![("Makefile", makefile("echo $$PATH > out.txt"))]),
        ("environment", vec![("Makefile", makefile("env | wc -l > out.txt"))]),
        ("randomness", vec![("Makefile", makefile("head -c 8 /dev/urandom | od -An -tx1 > out.txt"))]),
        (
            "fileordering",
            vec![
                ("Makefile", makefile("ls -f src | grep -v '^\\.' > out.txt")),
                ("src/a", String::new()),
                ("src/b", String::new()),
                ("src/c", String::new()),
            ],
        ),
        (
            // A file's mode under the umask, recorded in an archive.
            "umask",
            vec![(
                "Makefile",
                makefile("echo x > f && tar --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out.txt f"),
            )],
        ),
        ("user_group", vec![("Makefile", makefile("id -u > out.txt"))]),
        ("kernel", vec![("Makefile", makefile("uname -r > out.txt"))]),
        (
            "aslr",
            vec![
                ("Makefile", makefile("cc -o addr addr.c && ./addr > out.txt")),
                ("addr.c", "#include <stdio.h>\n#include <sys/mman.h>\nint main(void) { printf(\"%p\\n\", mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)); return 0; }\n".into()),
            ],
        ),
    ];
    // A locale-sorted list: only where a locale other than C is installed (.ci/run makes one).
    let locales = Command::new("locale")
        .arg("-a")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if locales.is_ok_and(|l| l.lines().any(|x| !x.starts_with('C') && x != "POSIX")) {
        cases.push((
            "locales",
            vec![("Makefile", makefile("printf 'b\\nB\\na\\nA\\n' | sort > out.txt"))],
        ));
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no locale other than C: .ci/run generates fr_FR.UTF-8"
        );
        eprintln!("locales: skipped: no locale other than C installed");
    }
    // nproc: only where there is more than one CPU to take away.
    if std::thread::available_parallelism().map_or(1, |n| n.get()) > 1 {
        cases.push(("num_cpus", vec![("Makefile", makefile("nproc > out.txt"))]));
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI machines have more than one CPU"
        );
        eprintln!("num_cpus: skipped: one CPU");
    }
    let mut wrong = Vec::new();
    for (want, files) in &cases {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (code, j) = check(&files, &[]);
        let got = blamed(&j);
        if code != 1 || got != [*want] {
            wrong.push(format!("{want}: exit {code}, blamed {got:?}"));
        }
        if code == 1 {
            assert_eq!(j["verdict"], "not-reproducible");
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn a_reproducible_project_passes() {
    // A symlink among the artifacts: compared by target, not by when it was made.
    let (code, j) = check(
        &[(
            "Makefile",
            &makefile("echo hello > out.txt; sleep 1; ln -s out.txt link"),
        )],
        &[],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["verdict"], "reproducible");
    assert!(blamed(&j).is_empty());
    let arts = j["artifacts"].as_array().unwrap();
    assert_eq!(arts.len(), 2);
    assert_eq!(arts[1]["path"], "out.txt");
    assert_eq!(arts[0]["control"], arts[0]["experiment"]);
    // The control and the experiment, and nothing more.
    assert_eq!(j["builds"].as_array().unwrap().len(), 2);
}

#[test]
fn a_build_that_differs_by_itself_is_told_so() {
    // Process ids are not fixed: the build differs with nothing varied.
    let (code, j) = check(&[("Makefile", &makefile("sh -c 'echo $$$$' > out.txt"))], &[]);
    assert_eq!(code, 1, "{j}");
    assert!(blamed(&j).is_empty(), "{j}");
    let labels: Vec<&str> = j["builds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"nothing varied"), "{labels:?}");
}

#[test]
fn a_failing_build_is_trouble() {
    let (code, j) = check(&[("Makefile", &makefile("false"))], &[]);
    assert_eq!(code, 2);
    assert_eq!(j["verdict"], "trouble");
    assert_eq!(j["builds"][0]["exit"], 2);
}

#[test]
fn vary_and_dont_vary_choose() {
    let files = [("Makefile", makefile("date +%Y > out.txt; hostname >> out.txt"))];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let (code, j) = check(&files, &["--dont-vary", "time"]);
    assert_eq!((code, blamed(&j)), (1, vec!["domain_host".to_string()]));
    let (code, j) = check(&files, &["--vary", "umask,time"]);
    assert_eq!((code, blamed(&j)), (1, vec!["time".to_string()]));
    let ids: Vec<&str> = j["variations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["time", "umask"]);
    assert!(Path::new(env!("CARGO_BIN_EXE_reproscope")).exists());
}
