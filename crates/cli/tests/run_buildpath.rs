//! `reproscope run --build-path DIR` (issue 13, point 4): the build sees the current directory
//! at DIR and writes into it, and nothing is created on the host, as root and as an ordinary
//! user, also when DIR lies under an existing host directory.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A name no other run (or test) uses.
fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("reproscope-bp-{tag}-{}-{nanos}", std::process::id())
}

fn absent(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_err()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `[prefix...] BIN run --build-path DIR -- sh -c SCRIPT` in `cwd`.
fn run_at(prefix: &[&str], bin: &Path, cwd: &Path, dir: &str, script: &str) -> Output {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(["run", "--build-path", dir, "--", "sh", "-c", script])
        .current_dir(cwd)
        .output()
        .expect("run reproscope")
}

fn ok(o: &Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {:?}\nstdout: {}\nstderr: {}",
        o.status,
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_reproscope"))
}

fn is_root() -> bool {
    // SAFETY: no arguments, cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn a_new_path_is_not_created_on_the_host() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("input"), "in\n").unwrap();
    let top = Path::new("/").join(unique("new"));
    let dir = top.join("some/path");
    let dir = dir.to_str().unwrap();
    assert!(absent(&top));
    let o = run_at(&[], &bin(), d.path(), dir, "pwd; pwd -P; cat input; echo x > out");
    // PWD and the kernel's own working directory are both DIR.
    assert_eq!(ok(&o, dir), format!("{dir}\n{dir}\nin\n"));
    assert_eq!(std::fs::read_to_string(d.path().join("out")).unwrap(), "x\n");
    assert!(absent(&top), "{} was left on the host", top.display());
}

/// Run by an ordinary user (nobody, when the test runs as root): no root needed, nothing left,
/// also under a host directory that user may not write (/usr/src); a directory it may not list
/// is refused with a clear message.
/// The uid and gid the test's user has (nobody when the test runs as root), as text.
fn uid_s(root: bool) -> String {
    // SAFETY: getuid cannot fail.
    if root {
        "65534".into()
    } else {
        unsafe { libc::getuid() }.to_string()
    }
}

fn gid_s(root: bool) -> String {
    // SAFETY: getgid cannot fail.
    if root {
        "65534".into()
    } else {
        unsafe { libc::getgid() }.to_string()
    }
}

#[test]
fn an_ordinary_user_needs_no_root_and_leaves_nothing() {
    let root = is_root();
    let prefix: &[&str] = if root {
        common::need(&["setpriv", "unshare"]);
        &["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"]
    } else {
        common::need(&["unshare"]);
        &[]
    };
    // The same user may make a user namespace (which `run` needs when not root).
    let mut probe: Vec<&str> = prefix.to_vec();
    probe.extend(["unshare", "--user", "true"]);
    let userns = Command::new(probe[0])
        .args(&probe[1..])
        .status()
        .is_ok_and(|s| s.success());
    if !userns {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "user namespaces are not available to an ordinary user here"
        );
        eprintln!("skipped: user namespaces are not available to an ordinary user here");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let work = d.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("input"), "in\n").unwrap();
    // A copy of the binary, so nobody can run it wherever the target directory is.
    let copy = d.path().join("reproscope");
    std::fs::copy(bin(), &copy).unwrap();
    if root {
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        for p in [&work, &work.join("input")] {
            std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
        }
    }
    let usr_src = if Path::new("/usr/src").is_dir() {
        "/usr/src"
    } else {
        "/usr"
    };
    let tops = [
        Path::new("/").join(unique("user")),
        Path::new(usr_src).join(unique("user")),
    ];
    for top in &tops {
        let dir = top.join("build");
        let dir = dir.to_str().unwrap();
        let _ = std::fs::remove_file(work.join("out"));
        let o = run_at(prefix, &copy, &work, dir, "pwd -P; cat input; echo x > out");
        assert_eq!(ok(&o, dir), format!("{dir}\nin\n"));
        let out = work.join("out");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "x\n");
        if root {
            assert_eq!(std::fs::metadata(&out).unwrap().uid(), 65534);
        }
        assert!(absent(top), "{} was left on the host", top.display());
    }
    // Without --build-path, stat calls are answered by the supervisor (outside the user
    // namespace): the owners must still read as the kernel shows them inside one.
    let stat = ["stat", "-c", "%u %g %n", "/", "/usr/bin/env", "input"];
    let mut under_run: Vec<&str> = prefix.to_vec();
    let copy_s = copy.to_str().unwrap();
    under_run.extend([copy_s, "run", "--"]);
    under_run.extend(stat);
    let (uid, gid) = (uid_s(root), gid_s(root));
    let mut in_userns: Vec<&str> = prefix.to_vec();
    in_userns.extend(["unshare", "--user", "--map-user", &uid, "--map-group", &gid]);
    in_userns.extend(stat);
    let look = |argv: &[&str]| {
        let o = Command::new(argv[0])
            .args(&argv[1..])
            .current_dir(&work)
            .output()
            .unwrap();
        assert!(o.status.success(), "{argv:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    assert_eq!(look(&under_run), look(&in_userns));
    if root {
        // A directory nobody may not list cannot be rebuilt around DIR: refused, named.
        let closed = tempfile::tempdir().unwrap();
        std::fs::set_permissions(closed.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let dir = closed.path().join("x");
        let o = run_at(prefix, &copy, &work, dir.to_str().unwrap(), "true");
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{err}");
        assert!(
            err.contains(&format!("cannot list the host's {}", closed.path().display()))
                && err.contains("Permission denied"),
            "{err}"
        );
        assert!(absent(&dir));
    }
}

/// Under an existing host directory (/tmp, here rebuilt around DIR): the directory's other
/// entries are the host's (read and written through), it keeps its mode, /proc, /dev and /sys
/// work, and nothing is left.
#[test]
fn a_path_under_an_existing_host_directory_leaves_nothing() {
    assert!(Path::new("/tmp").is_dir(), "this test needs /tmp");
    let d = tempfile::Builder::new().tempdir_in("/tmp").unwrap();
    std::fs::write(d.path().join("input"), "in\n").unwrap();
    let top = Path::new("/tmp").join(unique("tmp"));
    let dir = top.join("build");
    let dir = dir.to_str().unwrap();
    let host = d.path().to_str().unwrap();
    let script = format!(
        "pwd -P; cat '{host}/input'; echo w > '{host}/through'; stat -c %a /tmp; \
         test -c /dev/null && ls /proc/self/fd >/dev/null && ls /sys >/dev/null && echo ok"
    );
    let o = run_at(&[], &bin(), d.path(), dir, &script);
    let mode = std::fs::metadata("/tmp").unwrap().mode() & 0o7777;
    assert_eq!(ok(&o, dir), format!("{dir}\nin\n{mode:o}\nok\n"));
    assert_eq!(std::fs::read_to_string(d.path().join("through")).unwrap(), "w\n");
    assert!(absent(&top), "{} was left on the host", top.display());
}

/// Run as root, there is no user namespace: files keep their owners and chown works, at DIR as
/// elsewhere; the rebuilt root keeps the host's owner.
#[test]
fn as_root_files_keep_their_owners() {
    if !is_root() {
        eprintln!("skipped: not root");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let owned = d.path().join("owned");
    std::fs::write(&owned, "x\n").unwrap();
    std::os::unix::fs::chown(&owned, Some(1000), Some(1000)).unwrap();
    let top = Path::new("/").join(unique("root"));
    let dir = top.join("src");
    let dir = dir.to_str().unwrap();
    let o = run_at(
        &[],
        &bin(),
        d.path(),
        dir,
        "stat -c %u:%g owned; chown 1001 owned && stat -c %u owned; stat -c %u:%g /",
    );
    let r = std::fs::metadata("/").unwrap();
    assert_eq!(ok(&o, dir), format!("1000:1000\n1001\n{}:{}\n", r.uid(), r.gid()));
    assert_eq!(std::fs::metadata(&owned).unwrap().uid(), 1001);
    assert!(absent(&top), "{} was left on the host", top.display());
}

#[test]
fn unusable_build_paths_are_refused_clearly() {
    let d = tempfile::tempdir().unwrap();
    let bad = format!("/{}/../x", unique("dots"));
    for (dir, why) in [
        ("relative/dir", "must be an absolute path"),
        (bad.as_str(), "must not contain `..`"),
        ("/", "is the root directory"),
    ] {
        let o = run_at(&[], &bin(), d.path(), dir, "true");
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(125), "{dir}: {err}");
        assert!(err.contains(&format!("--build-path {dir}: {why}")), "{dir}: {err}");
    }
    assert!(absent(&d.path().join("relative")));
}
