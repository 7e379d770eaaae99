//! `reproscope check -- BUILD`: build twice under `reproscope run`, once with everything fixed
//! (the control) and once with conditions varied (the experiment); compare what the builds made
//! with the diff engine; when they differ, find the variations to blame by rebuilding with
//! subsets of them (halves, down to one), and show the explained difference each causes.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::diffcmd::{prepare, print_prepared, ExplainOpts};
use crate::{Result, DIFFERENT, SAME, TROUBLE};

#[derive(clap::Args)]
pub struct Args {
    /// The source tree to build (copied for each build; never built in place).
    #[arg(long, value_name = "DIR", default_value = ".")]
    source: PathBuf,
    /// What to compare: a glob relative to the build root (`*`, `?`, `**`), repeatable.
    /// Default: every file the build created or changed.
    #[arg(long = "artifact", value_name = "PATTERN")]
    artifacts: Vec<String>,
    /// Vary only these (comma-separated ids; default: all that can be varied here).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    vary: Vec<String>,
    /// Do not vary these.
    #[arg(long = "dont-vary", value_name = "ID,...", value_delimiter = ',')]
    dont_vary: Vec<String>,
    /// Build the control this many times first, to catch a build that differs by itself.
    #[arg(long, default_value_t = 1)]
    runs: u32,
    /// Keep each build's artifacts and log here (default: a temporary directory, removed).
    #[arg(long, value_name = "DIR")]
    store: Option<PathBuf>,
    /// Write the verdict, builds, variations and artifacts as JSON to PATH ("-": stdout).
    #[arg(long, value_name = "PATH")]
    json: Option<String>,
    /// The build command, run in the copy of the source tree.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "BUILD"
    )]
    command: Vec<OsString>,
}

/// One condition the experiment changes, as reprotest names it where it has a name.
struct Variation {
    id: &'static str,
    /// What the experiment gets, in words (the control has `run`'s fixed value).
    what: String,
    /// The `reproscope run` arguments that make it.
    args: Vec<OsString>,
    /// Replaces the build path (the control's is `/build/NAME`).
    build_path: Option<PathBuf>,
    /// Replaces the clock's start.
    epoch: Option<i64>,
}

/// Every variation id, in the order they are tried.
pub const IDS: [&str; 15] = [
    "environment",
    "build_path",
    "home",
    "exec_path",
    "time",
    "timezone",
    "locales",
    "umask",
    "domain_host",
    "aslr",
    "randomness",
    "fileordering",
    "user_group",
    "kernel",
    "num_cpus",
];

/// How far after SOURCE_DATE_EPOCH the builds' clock starts.
const CLOCK_AHEAD: i64 = 86_400;

fn os(s: impl Into<OsString>) -> OsString {
    s.into()
}

/// The variations that can be made on this machine, with what each sets; `notes` says why one
/// is left out (no locale other than C installed).
fn variations(epoch: i64, name: &str, work: &Path, notes: &mut Vec<String>) -> Vec<Variation> {
    let setenv = |k: &str, v: &str| vec![os("--setenv"), os(format!("{k}={v}"))];
    let mut v = vec![
        Variation {
            id: "environment",
            what: "CAPTURE_ENVIRONMENT=i_capture_the_environment set".into(),
            args: setenv("CAPTURE_ENVIRONMENT", "i_capture_the_environment"),
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "build_path",
            what: format!("built at /build/other-place/{name}"),
            args: Vec::new(),
            build_path: Some(Path::new("/build/other-place").to_path_buf()),
            epoch: None,
        },
        Variation {
            id: "home",
            what: format!("HOME={}", work.join("home").display()),
            args: setenv("HOME", &work.join("home").to_string_lossy()),
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "exec_path",
            what: "/i_capture_the_path added to PATH".into(),
            args: {
                let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
                setenv("PATH", &format!("{path}:/i_capture_the_path"))
            },
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "time",
            what: format!("the clock {} days later (SOURCE_DATE_EPOCH as in the control)", 400),
            args: Vec::new(),
            build_path: None,
            epoch: Some(epoch + CLOCK_AHEAD + 400 * 86_400 + 12_345),
        },
        Variation {
            id: "timezone",
            what: "TZ=GMT-14".into(),
            args: setenv("TZ", "GMT-14"),
            build_path: None,
            epoch: None,
        },
    ];
    match other_locale() {
        Some(l) => v.push(Variation {
            id: "locales",
            what: format!("LC_ALL and LANG {l}"),
            args: [setenv("LC_ALL", &l), setenv("LANG", &l)].concat(),
            build_path: None,
            epoch: None,
        }),
        None => notes.push("locales: not varied: no locale other than C and POSIX is installed (locale -a)".into()),
    }
    v.extend([
        Variation {
            id: "umask",
            what: "umask 002".into(),
            args: vec![os("--umask"), os("002")],
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "domain_host",
            what: "host name reproscope-experiment, domain name experiment.invalid".into(),
            args: vec![
                os("--hostname"),
                os("reproscope-experiment"),
                os("--domainname"),
                os("experiment.invalid"),
            ],
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "aslr",
            what: "address-space layout randomization on".into(),
            args: vec![os("--keep-aslr")],
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "randomness",
            what: "another seed for getrandom, /dev/urandom and AT_RANDOM".into(),
            args: vec![os("--seed"), os("1")],
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "fileordering",
            what: "directories listed in reversed order".into(),
            args: vec![os("--reverse-dir-order")],
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "user_group",
            what: "uid and gid 1234 (a user namespace), USER and LOGNAME reproscope-experiment".into(),
            args: [
                vec![os("--ids"), os("1234:1234")],
                setenv("USER", "reproscope-experiment"),
                setenv("LOGNAME", "reproscope-experiment"),
            ]
            .concat(),
            build_path: None,
            epoch: None,
        },
        Variation {
            id: "kernel",
            what: "uname: release 4.19.0-reproscope-experiment, version #1 SMP reproscope".into(),
            args: vec![os("--kernel-release"), os("4.19.0-reproscope-experiment")],
            build_path: None,
            epoch: None,
        },
    ]);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus > 1 {
        v.push(Variation {
            id: "num_cpus",
            what: format!("1 CPU (affinity) instead of {cpus}"),
            args: vec![os("--cpus"), os("1")],
            build_path: None,
            epoch: None,
        });
    } else {
        notes.push("num_cpus: not varied: this machine has one CPU".into());
    }
    v
}

/// An installed locale other than C and POSIX, preferring a French or German UTF-8 one (other
/// collation, decimal comma).
fn other_locale() -> Option<String> {
    let out = std::process::Command::new("locale").arg("-a").output().ok()?;
    let all: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with("C") && l != "POSIX")
        .collect();
    let pick = |p: &str| all.iter().find(|l| l.starts_with(p)).cloned();
    pick("fr_FR.utf8")
        .or_else(|| pick("de_DE.utf8"))
        .or_else(|| pick("fr_"))
        .or_else(|| all.first().cloned())
}

/// What one build produced.
struct Build {
    label: String,
    varied: Vec<&'static str>,
    exit: Option<i32>,
    seconds: f64,
    /// Artifact path → sha256 (hex) of its content (a symlink: of its target).
    artifacts: BTreeMap<String, String>,
    /// Where its artifacts were copied (for the engine).
    dir: PathBuf,
    log: PathBuf,
}

struct Session<'a> {
    a: &'a Args,
    work: PathBuf,
    store: PathBuf,
    name: String,
    epoch: i64,
    count: usize,
    before: BTreeMap<String, (String, u32)>,
}

pub fn run(a: Args, color: bool) -> Result<u8> {
    let source = a
        .source
        .canonicalize()
        .map_err(|e| format!("--source {}: {e}", a.source.display()))?;
    if !source.is_dir() {
        return Err(format!("--source {}: not a directory", source.display()).into());
    }
    for id in a.vary.iter().chain(&a.dont_vary) {
        if !IDS.contains(&id.as_str()) {
            return Err(format!("{id}: not a variation; variations are {}", IDS.join(", ")).into());
        }
    }
    let tmp = tempfile::tempdir()?;
    let work = tmp.path().to_path_buf();
    let store = match &a.store {
        Some(s) => {
            std::fs::create_dir_all(s).map_err(|e| format!("--store {}: {e}", s.display()))?;
            s.canonicalize()?
        }
        None => work.join("store"),
    };
    std::fs::create_dir_all(work.join("home"))?;
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "src".into());
    let epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds"))?,
        Err(_) => reproscope_trace::DEFAULT_EPOCH,
    };
    let mut notes = Vec::new();
    let all = variations(epoch, &name, &work, &mut notes);
    let chosen: Vec<&Variation> = all
        .iter()
        .filter(|v| a.vary.is_empty() || a.vary.iter().any(|x| x == v.id))
        .filter(|v| !a.dont_vary.iter().any(|x| x == v.id))
        .collect();
    let mut s = Session {
        a: &a,
        work,
        store,
        name,
        epoch,
        count: 0,
        before: snapshot(&source)?,
    };
    let mut builds: Vec<Build> = Vec::new();
    let lines: Vec<String> = notes.clone();

    let control = s.build(&source, &[], "control")?;
    if control.exit != Some(0) {
        return s.trouble(&control, &builds, &chosen);
    }
    eprintln!("reproscope check: control build: {} artifacts", control.artifacts.len());
    if control.artifacts.is_empty() {
        eprintln!(
            "reproscope check: the control build created or changed no file{}: nothing to compare",
            if a.artifacts.is_empty() {
                ""
            } else {
                " matching --artifact"
            }
        );
        builds.push(control);
        if let Some(target) = &a.json {
            write_json(target, "trouble", &[], &builds.iter().collect::<Vec<_>>(), &chosen)?;
        }
        return Ok(TROUBLE);
    }
    builds.push(control);
    // The control again (--runs): a build that differs by itself needs no variation to blame.
    for i in 1..a.runs {
        match s.step(&source, &[], &format!("control {}", i + 1), &mut builds, &chosen)? {
            Step::Trouble(code) => return Ok(code),
            Step::Same => {}
            Step::Differs(n, r) => {
                return s.finish(color, &builds, &chosen, Verdict::ByItself(n, r), lines);
            }
        }
    }
    let (full_at, report) = match s.step(&source, &chosen, "experiment", &mut builds, &chosen)? {
        Step::Trouble(code) => return Ok(code),
        Step::Same => return s.finish(color, &builds, &chosen, Verdict::Reproducible, lines),
        Step::Differs(n, r) => (n, *r),
    };
    // Nothing varied: does the build differ by itself?
    match s.step(&source, &[], "nothing varied", &mut builds, &chosen)? {
        Step::Trouble(code) => return Ok(code),
        Step::Same => {}
        Step::Differs(n, r) => {
            return s.finish(color, &builds, &chosen, Verdict::ByItself(n, r), lines);
        }
    }
    let mut blamed = Vec::new();
    s.bisect(&source, &chosen, (full_at, report), &mut builds, &mut blamed)?;
    s.finish(color, &builds, &chosen, Verdict::Blamed(blamed), lines)
}

enum Verdict {
    Reproducible,
    /// Build n differs from the control with nothing varied.
    ByItself(usize, Box<crate::diffcmd::Report>),
    /// Groups of variations (one, or several that differ only together), each with its build's
    /// index and the explained difference.
    Blamed(Vec<(Vec<&'static str>, usize, crate::diffcmd::Report)>),
}

/// How one more build compared with the control.
enum Step {
    /// It failed: the exit status `check` ends with (the failure is reported).
    Trouble(u8),
    Same,
    /// It differs: its index, and the explained difference.
    Differs(usize, Box<crate::diffcmd::Report>),
}

impl Session<'_> {
    /// Build with `vary` and compare with the control (`builds[0]`); the build joins `builds`.
    fn step(
        &mut self,
        source: &Path,
        vary: &[&Variation],
        label: &str,
        builds: &mut Vec<Build>,
        chosen: &[&Variation],
    ) -> Result<Step> {
        let b = self.build(source, vary, label)?;
        if b.exit != Some(0) {
            return Ok(Step::Trouble(self.trouble(&b, builds, chosen)?));
        }
        let differs = self.compare(&builds[0], &b)?;
        builds.push(b);
        Ok(match differs {
            None => Step::Same,
            Some(r) => Step::Differs(builds.len() - 1, Box::new(r)),
        })
    }

    /// Copy the source, build it under `reproscope run` with `vary`, collect its artifacts.
    fn build(&mut self, source: &Path, vary: &[&Variation], label: &str) -> Result<Build> {
        self.count += 1;
        let n = self.count;
        let root = self.work.join(format!("b{n}"));
        let tree = root.join(&self.name);
        std::fs::create_dir_all(&root)?;
        copy_tree(source, &tree)?;
        let build_path = vary
            .iter()
            .find_map(|v| v.build_path.clone())
            .unwrap_or_else(|| Path::new("/build").to_path_buf());
        // The clock starts a day after SOURCE_DATE_EPOCH (the build's declared date, exported
        // unchanged to every build), as a real build runs after its date: files it writes are
        // newer than that date, and tools that clamp to it (dpkg-deb, tar --clamp-mtime) do.
        let epoch = vary.iter().find_map(|v| v.epoch).unwrap_or(self.epoch + CLOCK_AHEAD);
        let mut args: Vec<OsString> = vec![
            os("run"),
            os("--epoch"),
            os(epoch.to_string()),
            os("--build-path"),
            build_path.into_os_string(),
        ];
        // USER, LOGNAME set in every build (the caller's), so that `user_group` changes
        // their values, not the number of variables.
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            // SAFETY: getuid cannot fail.
            .unwrap_or_else(|_| {
                if unsafe { libc::getuid() } == 0 {
                    "root".into()
                } else {
                    "user".into()
                }
            });
        for k in ["USER", "LOGNAME"] {
            args.extend([os("--setenv"), os(format!("{k}={user}"))]);
        }
        args.extend([os("--setenv"), os(format!("SOURCE_DATE_EPOCH={}", self.epoch))]);
        // The sources' times stay at the declared date whatever the clock does.
        args.extend([os("--found-epoch"), os(self.epoch.to_string())]);
        // LANG too (run sets LC_ALL), which `locales` changes.
        args.extend([os("--setenv"), os("LANG=C.UTF-8")]);
        for v in vary {
            args.extend(v.args.iter().cloned());
        }
        args.push(os("--"));
        // The copy's parent is mounted at the build path, so what the build writes beside its
        // tree (`dpkg-buildpackage` puts the .deb in ..) lands in the copy's parent and is
        // collected as `../NAME`; the build starts in its tree.
        args.extend([os("sh"), os("-c"), os("cd \"$1\" && shift && exec \"$@\""), os("sh")]);
        args.push(os(&self.name));
        args.extend(self.a.command.iter().cloned());
        let dir = self.store.join(format!("b{n}"));
        std::fs::create_dir_all(&dir)?;
        let log = self.store.join(format!("b{n}.log"));
        let varied: Vec<&'static str> = vary.iter().map(|v| v.id).collect();
        let shown = if varied.is_empty() {
            "nothing varied".to_string()
        } else {
            format!("varied: {}", varied.join(", "))
        };
        eprintln!("reproscope check: build {n} ({label}; {shown})…");
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let started = Instant::now();
        let status = std::process::Command::new(std::env::current_exe()?)
            .args(&args)
            .current_dir(&root)
            .stdin(std::process::Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .status()
            .map_err(|e| format!("cannot start reproscope run: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        let artifacts = self.collect(&root, &dir.join(&self.name))?;
        // The copy can go; its artifacts are kept.
        let _ = std::fs::remove_dir_all(&root);
        Ok(Build {
            label: label.to_string(),
            varied,
            exit: status.code(),
            seconds,
            artifacts,
            dir: dir.join(&self.name),
            log,
        })
    }

    /// The artifacts of a build (`tree`: the copy's parent, holding the tree and what the build
    /// wrote beside it), copied under `to` (modes and times set alike: artifact
    /// files are compared by content); path → sha256.
    fn collect(&self, tree: &Path, to: &Path) -> Result<BTreeMap<String, String>> {
        // Paths relative to the tree; what is beside it as "../NAME".
        let prefix = format!("{}/", self.name);
        let after: BTreeMap<String, (String, u32)> = snapshot(tree)?
            .into_iter()
            .map(|(p, v)| match p.strip_prefix(&prefix) {
                Some(inner) => (inner.to_string(), v),
                None => (format!("../{p}"), v),
            })
            .collect();
        let mut out = BTreeMap::new();
        std::fs::create_dir_all(to)?;
        for (rel, (hash, _mode)) in &after {
            let wanted = if self.a.artifacts.is_empty() {
                self.before.get(rel) != after.get(rel)
            } else {
                self.a.artifacts.iter().any(|p| glob_match(p, rel))
            };
            if !wanted {
                continue;
            }
            let from = match rel.strip_prefix("../") {
                Some(beside) => tree.join(beside),
                None => tree.join(&self.name).join(rel),
            };
            // In the store, what was beside the tree goes under `_beside/`.
            let dest = match rel.strip_prefix("../") {
                Some(beside) => to.join("_beside").join(beside),
                None => to.join(rel),
            };
            if let Some(p) = dest.parent() {
                std::fs::create_dir_all(p)?;
            }
            let meta = std::fs::symlink_metadata(&from)?;
            if meta.file_type().is_symlink() {
                std::os::unix::fs::symlink(std::fs::read_link(&from)?, &dest)?;
                set_link_time(&dest, self.epoch);
            } else {
                std::fs::copy(&from, &dest)?;
                // An artifact file is compared by content: one mode and one time for all.
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644))?;
                let f = std::fs::File::options().write(true).open(&dest)?;
                f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.epoch.max(0) as u64))?;
            }
            out.insert(rel.clone(), hash.clone());
        }
        // Directories the copies made get one time too.
        set_dir_times(to, self.epoch)?;
        Ok(out)
    }

    /// The engine's explained comparison of two builds' artifacts; `None` when the same.
    fn compare(&self, a: &Build, b: &Build) -> Result<Option<crate::diffcmd::Report>> {
        let diff = crate::progress::compare(&a.dir, &b.dir, reproscope_diff::Options::default())?;
        Ok(match diff {
            None => None,
            Some(d) => Some(prepare(Some(d), &ExplainOpts::default())?),
        })
    }

    /// Find the variations in `set` (whose build, `differed.0`, differed from the control as
    /// `differed.1` says) that make the difference: halves, each built alone, down to single
    /// variations; when neither half differs alone, the set is blamed together.
    fn bisect(
        &mut self,
        source: &Path,
        set: &[&Variation],
        differed: (usize, crate::diffcmd::Report),
        builds: &mut Vec<Build>,
        blamed: &mut Vec<(Vec<&'static str>, usize, crate::diffcmd::Report)>,
    ) -> Result<()> {
        let ids: Vec<&'static str> = set.iter().map(|v| v.id).collect();
        if set.len() == 1 {
            blamed.push((ids, differed.0, differed.1));
            return Ok(());
        }
        let (left, right) = set.split_at(set.len() / 2);
        let mut found = false;
        for half in [left, right] {
            let label = format!("blame {}", half.iter().map(|v| v.id).collect::<Vec<_>>().join(","));
            let b = self.build(source, half, &label)?;
            if b.exit != Some(0) {
                // A variation that breaks the build is a finding of its own: blamed, no diff.
                eprintln!(
                    "reproscope check: the build fails with {}: exit {:?} (log {})",
                    label,
                    b.exit,
                    b.log.display()
                );
                builds.push(b);
                continue;
            }
            let r = self.compare(&builds[0], &b)?;
            builds.push(b);
            if let Some(r) = r {
                found = true;
                let at = builds.len() - 1;
                self.bisect(source, half, (at, r), builds, blamed)?;
            }
        }
        if !found {
            blamed.push((ids, differed.0, differed.1));
        }
        Ok(())
    }

    fn trouble(&self, b: &Build, builds: &[Build], chosen: &[&Variation]) -> Result<u8> {
        let log = std::fs::read_to_string(&b.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        eprintln!(
            "reproscope check: the {} build failed (exit {}); last lines of {}:",
            b.label,
            b.exit.map_or("by a signal".to_string(), |c| c.to_string()),
            b.log.display()
        );
        for l in tail.iter().rev() {
            eprintln!("  {l}");
        }
        if let Some(target) = &self.a.json {
            let mut all: Vec<&Build> = builds.iter().collect();
            all.push(b);
            write_json(target, "trouble", &[], &all, chosen)?;
        }
        Ok(TROUBLE)
    }

    fn finish(
        &self,
        color: bool,
        builds: &[Build],
        chosen: &[&Variation],
        verdict: Verdict,
        notes: Vec<String>,
    ) -> Result<u8> {
        let all: Vec<&Build> = builds.iter().collect();
        let json_stdout = self.a.json.as_deref() == Some("-");
        let say = |s: String| {
            if !json_stdout {
                println!("{s}");
            }
        };
        say(format!(
            "varied: {}",
            chosen
                .iter()
                .map(|v| format!("{} ({})", v.id, v.what))
                .collect::<Vec<_>>()
                .join("; ")
        ));
        for n in &notes {
            say(n.clone());
        }
        say(format!("builds: {}", builds.len()));
        let (word, blamed_ids, code) = match &verdict {
            Verdict::Reproducible => {
                say("reproducible: the experiment's artifacts are the control's".into());
                ("reproducible", Vec::new(), SAME)
            }
            Verdict::ByItself(n, r) => {
                say(format!(
                    "not reproducible: the build differs by itself, with nothing varied (build {} against the control)",
                    n + 1
                ));
                if !json_stdout {
                    print_prepared(r, &builds[0].dir, &builds[*n].dir, color);
                }
                ("not-reproducible", Vec::new(), DIFFERENT)
            }
            Verdict::Blamed(groups) => {
                let ids: Vec<String> = groups.iter().map(|g| g.0.join("+")).collect();
                say(format!("not reproducible; blamed: {}", ids.join(", ")));
                for (group, n, r) in groups {
                    say(format!(
                        "\n== {} ({} against the control)",
                        group.join(" + "),
                        builds[*n].label
                    ));
                    if !json_stdout {
                        print_prepared(r, &builds[0].dir, &builds[*n].dir, color);
                    }
                }
                (
                    "not-reproducible",
                    groups.iter().flat_map(|g| g.0.clone()).collect(),
                    DIFFERENT,
                )
            }
        };
        if let Some(target) = &self.a.json {
            write_json(target, word, &blamed_ids, &all, chosen)?;
        }
        Ok(code)
    }
}

fn write_json(target: &str, verdict: &str, blamed: &[&str], builds: &[&Build], chosen: &[&Variation]) -> Result<()> {
    let control = builds.first();
    let last = builds.iter().find(|b| b.label == "experiment");
    let mut paths: Vec<&String> = builds.iter().flat_map(|b| b.artifacts.keys()).collect();
    paths.sort();
    paths.dedup();
    let value = serde_json::json!({
        "verdict": verdict,
        "blamed": blamed,
        "variations": chosen.iter().map(|v| serde_json::json!({"id": v.id, "experiment": v.what})).collect::<Vec<_>>(),
        "builds": builds.iter().map(|b| serde_json::json!({
            "label": b.label,
            "varied": b.varied,
            "exit": b.exit,
            "seconds": (b.seconds * 100.0).round() / 100.0,
            "log": b.log.display().to_string(),
        })).collect::<Vec<_>>(),
        "artifacts": paths.iter().map(|p| serde_json::json!({
            "path": p,
            "control": control.and_then(|b| b.artifacts.get(*p)),
            "experiment": last.and_then(|b| b.artifacts.get(*p)),
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&value)? + "\n";
    if target == "-" {
        print!("{text}");
    } else {
        std::fs::write(target, text).map_err(|e| format!("{target}: cannot write: {e}"))?;
    }
    Ok(())
}

/// Every regular file and symlink under `root`: relative path → (sha256 of content or link
/// target, permission bits).
fn snapshot(root: &Path) -> Result<BTreeMap<String, (String, u32)>> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in rd {
            let entry = entry?;
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path)?;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            let ft = meta.file_type();
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_symlink() {
                let t = std::fs::read_link(&path)?;
                let h = hex(&Sha256::digest(t.as_os_str().as_encoded_bytes()));
                out.insert(rel, (h, 0o777));
            } else if ft.is_file() {
                let mut h = Sha256::new();
                let mut f = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                std::io::copy(&mut f, &mut h)?;
                out.insert(rel, (hex(&h.finalize()), meta.permissions().mode() & 0o7777));
            }
        }
    }
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Copy a tree: directories, files (with their modes), symlinks (as they are).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ft = std::fs::symlink_metadata(&src)?.file_type();
        if ft.is_dir() {
            copy_tree(&src, &dst)?;
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if ft.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// A symlink's own time (not its target's), as the files': a link is compared by target.
fn set_link_time(link: &Path, epoch: i64) {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(link.as_os_str().as_bytes()) else {
        return;
    };
    let t = libc::timespec {
        tv_sec: epoch as libc::time_t,
        tv_nsec: 0,
    };
    let times = [t, t];
    // SAFETY: a NUL-terminated path and two timespecs.
    unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) };
}

fn set_dir_times(dir: &Path, epoch: i64) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            set_dir_times(&entry.path(), epoch)?;
        }
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(epoch.max(0) as u64);
    std::fs::File::open(dir)?.set_modified(t)?;
    Ok(())
}

/// A glob over '/'-separated paths: `*` and `?` within a component, `**` for any number of
/// components.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn parts(p: &[&str], s: &[&str]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(&"**") => (0..=s.len()).any(|i| parts(&p[1..], &s[i..])),
            Some(c) => !s.is_empty() && component(c.as_bytes(), s[0].as_bytes()) && parts(&p[1..], &s[1..]),
        }
    }
    fn component(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') => (0..=s.len()).any(|i| component(&p[1..], &s[i..])),
            Some(b'?') => !s.is_empty() && component(&p[1..], &s[1..]),
            Some(&c) => s.first() == Some(&c) && component(&p[1..], &s[1..]),
        }
    }
    let p: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    parts(&p, &s)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("*.deb", "hello.deb"));
        assert!(!glob_match("*.deb", "out/hello.deb"));
        assert!(glob_match("**/*.deb", "out/hello.deb"));
        assert!(glob_match("**/*.deb", "hello.deb"));
        assert!(glob_match("out/?.o", "out/a.o"));
        assert!(!glob_match("out/?.o", "out/ab.o"));
        assert!(glob_match("dist/**", "dist/x/y.whl"));
    }
}
