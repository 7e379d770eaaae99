//! `reproscope extract --recursive` (and `--strict`) on the input, into a fresh directory nested a
//! few levels inside a fresh temporary directory; afterwards the temporary directory must hold
//! nothing but the input file and the output directory: an entry written through `..`, a
//! planted symlink or an absolute name would land beside them.
//!
//! Extraction lives in the binary crate, not its library, so its modules are compiled in here
//! by path, with this file standing in for the binary's root (the few items they use from it)
//! and for `limits` (a fresh per-run budget for every input, where the CLI keeps one per run).
#![no_main]
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use clap::Parser;

#[path = "../../crates/cli/src/extract.rs"]
mod extract;
#[path = "../../crates/cli/src/safefs.rs"]
mod safefs;

pub const SAME: u8 = 0;
pub const DIFFERENT: u8 = 1;
pub const TROUBLE: u8 = 2;
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn base_name(p: &Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn read_input(p: &Path) -> Result<reproscope_formats::Blob> {
    reproscope_formats::Blob::from_file(p).map_err(|e| format!("{}: cannot read: {e}", p.display()).into())
}

mod limits {
    use std::sync::{Arc, Mutex};

    use reproscope_formats::{Budget, Limits};

    /// No options: the limits are the fuzz run's.
    #[derive(clap::Args, Clone, Debug, Default)]
    pub struct LimitArgs {}

    /// Every input's limits, kept reachable (a leak checker would report dropped ones; the
    /// extraction code wants `&'static`). Small: one `Limits` per input.
    static ALL: Mutex<Vec<&'static Limits>> = Mutex::new(Vec::new());

    impl LimitArgs {
        /// A fresh budget per input: 256 MiB decompressed and 100 000 members in all, 64 MiB
        /// per stream (the CLI's defaults, 64 GiB and 8 GiB, would let one input fill the disk).
        pub fn install(&self) {
            let l: &'static Limits = Box::leak(Box::new(Limits {
                max_decompressed: 64 << 20,
                budget: Some(Arc::new(Budget::new(256 << 20, 100_000))),
                ..Limits::default()
            }));
            ALL.lock().unwrap().push(l);
        }
    }

    pub fn current() -> &'static Limits {
        ALL.lock().unwrap().last().copied().expect("install() ran")
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: extract::ExtractArgs,
}

/// Input names by the first byte: some formats are recognised partly by name.
const NAMES: &[&str] = &["input", "input.tar", "input.pyc", "input.sgxs", "input.cpio.gz"];

/// Everything under `dir` except `keep` (a name directly in it), without following symlinks.
fn strays(dir: &Path, keep: &[&str]) -> Vec<PathBuf> {
    // Refused inputs (unreadable, or --strict) leave no output directory, nor its parents.
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap())
        .filter(|e| !keep.contains(&e.file_name().to_str().unwrap_or("")))
        .map(|e| e.path())
        .collect()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let name = NAMES[usize::from(sel & 0x7f) % NAMES.len()];
    let file = tmp.path().join(name);
    std::fs::write(&file, input).unwrap();
    // The output three levels down, so `../../..` lands in `tmp`, where it is seen.
    let out = tmp.path().join("a/b/c/out");
    let mut argv = vec![
        "reproscope".into(),
        file.clone().into_os_string(),
        "-o".into(),
        out.clone().into_os_string(),
        "--recursive".into(),
    ];
    if sel & 0x80 != 0 {
        argv.push("--strict".into());
    }
    let cli = Cli::try_parse_from(argv).unwrap();
    let _ = extract::extract(cli.args);
    assert_eq!(strays(tmp.path(), &[name, "a"]), Vec::<PathBuf>::new(), "written outside the output");
    for (dir, keep) in [("a", "b"), ("a/b", "c"), ("a/b/c", "out")] {
        assert_eq!(
            strays(&tmp.path().join(dir), &[keep]),
            Vec::<PathBuf>::new(),
            "written outside the output"
        );
    }
    // Whatever modes were restored, the tree must be removable.
    writable(&out);
});

/// Gives every directory under `dir` (symlinks not followed) owner rwx, so it can be removed.
fn writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(md) = std::fs::symlink_metadata(dir) else { return };
    if !md.is_dir() {
        return;
    }
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            writable(&e.path());
        }
    }
}
