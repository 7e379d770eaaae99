//! Starting the command: fork, and in the child PTRACE_TRACEME + SIGSTOP (so the supervisor sets
//! its options before anything else happens), the namespaces, the umask, no_new_privs, the
//! seccomp filter, exec. Everything the child needs is prepared before the fork: between fork
//! and exec the child only makes raw syscalls (no allocation; the parent may have threads).

use std::ffi::{CString, OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::{filter, sys, Config, Error};

/// The started child: stopped once and resumed with the supervisor's options set.
pub struct Child {
    pub pid: libc::pid_t,
    /// Read end of a close-on-exec pipe: the child writes (step, errno) there when setup fails.
    pub err_fd: libc::c_int,
    /// The command as given, for errors ("./build: command not found").
    pub program: String,
}

// The child's setup steps, in order; `STEPS[i]` names step i in the error the parent reports.
const TRACEME: i32 = 0;
const UNSHARE: i32 = 1;
const SETGROUPS: i32 = 2;
const UID_MAP: i32 = 3;
const GID_MAP: i32 = 4;
const SETHOSTNAME: i32 = 5;
const SETDOMAINNAME: i32 = 6;
const PRIVATE: i32 = 7;
const OPEN_CWD: i32 = 8;
const TMPFS: i32 = 9;
const PIVOT_SCAFFOLD: i32 = 10;
const CREATE: i32 = 11;
const BIND: i32 = 12;
const BIND_CWD: i32 = 13;
const PIVOT_NEWROOT: i32 = 14;
const DETACH: i32 = 15;
const CHDIR: i32 = 16;
const SECCOMP: i32 = 17;
const EXECVE: i32 = 18;

const STEPS: [&str; 19] = [
    "ptrace(PTRACE_TRACEME)",
    "unshare(CLONE_NEWUSER|CLONE_NEWUTS) (user namespaces disabled? try --no-host)",
    "writing /proc/self/setgroups",
    "writing /proc/self/uid_map",
    "writing /proc/self/gid_map",
    "sethostname",
    "setdomainname",
    "making / private in the mount namespace",
    "--build-path: opening the current directory",
    "--build-path: mounting a tmpfs on",
    "--build-path: pivot_root onto a tmpfs (not possible inside a chroot or from an initramfs root)",
    "--build-path: creating, in the build's root,",
    "--build-path: bind-mounting the host's",
    "--build-path: bind-mounting the current directory at",
    "--build-path: pivot_root into the build's root",
    "--build-path: detaching the host's root",
    "chdir to --build-path",
    "prctl(PR_SET_NO_NEW_PRIVS) / seccomp filter",
    "execve",
];

/// At most this many bytes of a path travel with a setup error (one atomic pipe write).
const MAX_SHOWN: usize = 1024;

fn cstr(b: &[u8], what: &str) -> Result<CString, Error> {
    CString::new(b).map_err(|_| Error::Setup(format!("{what} contains a NUL byte")))
}

/// PATH lookup as execvp does, done before the fork so a missing command is a clear error.
fn resolve(program: &OsStr) -> Option<PathBuf> {
    let p = Path::new(program);
    if program.as_bytes().contains(&b'/') {
        return Some(p.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|d| d.join(p)).find(|c| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(c)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    })
}

/// The environment of the build: the caller's with TZ, LC_ALL, SOURCE_DATE_EPOCH (and PWD under
/// --build-path) set as configured.
fn environment(config: &Config, setup: &mut Vec<String>) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let set = |k: &str, v: String, env: &mut Vec<(OsString, OsString)>| {
        env.retain(|(key, _)| key != k);
        env.push((k.into(), v.into()));
    };
    let mut shown = Vec::new();
    if config.set_tz {
        set("TZ", "UTC".into(), &mut env);
        shown.push("TZ=UTC".to_string());
    }
    if config.set_locale {
        set("LC_ALL", "C.UTF-8".into(), &mut env);
        shown.push("LC_ALL=C.UTF-8".to_string());
    }
    if config.set_source_date_epoch {
        set("SOURCE_DATE_EPOCH", config.epoch.to_string(), &mut env);
        shown.push(format!("SOURCE_DATE_EPOCH={}", config.epoch));
    }
    if let Some(bp) = &config.build_path {
        set("PWD", bp.display().to_string(), &mut env);
    }
    if config.set_umask {
        shown.push(format!("umask {:03o}", config.umask));
    }
    for (k, v) in &config.extra_env {
        env.retain(|(key, _)| key != k);
        env.push((k.clone(), v.clone()));
        shown.push(format!("{}={}", k.to_string_lossy(), v.to_string_lossy()));
    }
    if config.fixed_layout {
        shown.push("address-space layout randomization off".into());
    }
    if !shown.is_empty() {
        setup.push(format!("environment: {}", shown.join(", ")));
    }
    env
}

/// One step of rebuilding the root for --build-path, carried out by the child (paths are the
/// child's: the host's tree under /oldroot, the build's root being made under /newroot).
enum Op {
    /// A directory of the build's view: made (unless it is the new root itself), then given an
    /// owner (when the namespace can express it) and a mode.
    Dir {
        path: CString,
        create: bool,
        mode: libc::mode_t,
        owner: Option<(libc::uid_t, libc::gid_t)>,
        shown: Vec<u8>,
    },
    /// A host entry kept as it is: an empty directory or file, and the host's entry (with every
    /// mount below it) bind-mounted on it.
    Bind {
        src: CString,
        dst: CString,
        dir: bool,
        shown: Vec<u8>,
    },
    /// A host symlink, made again with the same target (a mount cannot sit on a symlink).
    Symlink {
        target: CString,
        dst: CString,
        shown: Vec<u8>,
    },
}

/// What the child needs to show the current directory at --build-path without creating
/// anything on the host: a tmpfs becomes the root, holding the host's top-level entries as bind
/// mounts (and, along DIR, directories rebuilt the same way), and the current directory
/// bind-mounted at DIR.
struct BuildPath {
    /// An existing host directory the first tmpfs is mounted on, just long enough to pivot to it.
    scaffold: CString,
    /// `scaffold/oldroot`: where the host's root goes by that pivot.
    scaffold_old: CString,
    ops: Vec<Op>,
    /// The rebuilt directories' host times, set last (making entries in them moves their times),
    /// deepest first.
    times: Vec<(CString, [libc::timespec; 2])>,
    /// Where the current directory is bind-mounted: /newroot + DIR with host symlinks resolved.
    target: CString,
    /// DIR as given, the build's working directory.
    build_path: CString,
    shown_build_path: Vec<u8>,
    /// How many host entries are bind-mounted, for --explain.
    binds: usize,
}

const NEWROOT: &str = "/newroot";
const OLDROOT: &str = "/oldroot";

fn bp_err(bp: &Path, what: impl std::fmt::Display) -> Error {
    Error::Setup(format!("--build-path {}: {what}", bp.display()))
}

/// `prefix` followed by the absolute path `p`.
fn under(prefix: &str, p: &Path) -> PathBuf {
    Path::new(prefix).join(p.strip_prefix("/").unwrap_or(p))
}

fn cpath(p: &Path, bp: &Path) -> Result<CString, Error> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| bp_err(bp, "contains a NUL byte"))
}

/// DIR with the symlinks of its existing part resolved as the kernel resolves them, so the
/// mounts sit where `chdir(DIR)` arrives. A component that is not a directory on the host (a
/// file, a dangling symlink, nothing) ends the existing part: from there on DIR is new.
fn resolve_build_path(bp: &Path) -> Result<PathBuf, Error> {
    use std::path::Component;
    if !bp.is_absolute() {
        return Err(bp_err(bp, "must be an absolute path"));
    }
    let mut comps = Vec::new();
    for c in bp.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(n) => comps.push(n),
            Component::ParentDir | Component::Prefix(_) => {
                return Err(bp_err(bp, "must not contain `..`"));
            }
        }
    }
    let mut real = PathBuf::from("/");
    let mut rest = comps.as_slice();
    while let Some((first, more)) = rest.split_first() {
        let q = real.join(first);
        if !std::fs::metadata(&q).is_ok_and(|m| m.is_dir()) {
            break;
        }
        real = std::fs::canonicalize(&q).map_err(|e| bp_err(bp, format!("{}: {e}", q.display())))?;
        rest = more;
    }
    for c in rest {
        real.push(c);
    }
    if real == Path::new("/") {
        return Err(bp_err(
            bp,
            "is the root directory; the build needs a directory of its own",
        ));
    }
    Ok(real)
}

/// The host directory `host`, rebuilt at /newroot/host: every entry but `except` (which DIR
/// replaces), directories and files bind-mounted, symlinks made again. Returns how many binds.
fn rebuild_level(host: &Path, except: &OsStr, bp: &Path, ops: &mut Vec<Op>) -> Result<usize, Error> {
    let cannot = |e: std::io::Error| {
        bp_err(
            bp,
            format!(
                "cannot list the host's {} to rebuild it around DIR: {e}",
                host.display()
            ),
        )
    };
    let mut entries = Vec::new();
    for e in std::fs::read_dir(host).map_err(cannot)? {
        let e = e.map_err(cannot)?;
        let ft = e.file_type().map_err(cannot)?;
        entries.push((e.file_name(), ft));
    }
    // Sorted, so the mounts are made in the same order in every run.
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut binds = 0;
    for (name, ft) in entries {
        if name == except {
            continue;
        }
        let entry = host.join(&name);
        let shown = entry.as_os_str().as_bytes().to_vec();
        let dst = cpath(&under(NEWROOT, &entry), bp)?;
        if ft.is_symlink() {
            let target = std::fs::read_link(&entry)
                .map_err(|e| bp_err(bp, format!("cannot read the host's symlink {}: {e}", entry.display())))?;
            ops.push(Op::Symlink {
                target: cpath(&target, bp)?,
                dst,
                shown,
            });
        } else {
            ops.push(Op::Bind {
                src: cpath(&under(OLDROOT, &entry), bp)?,
                dst,
                dir: ft.is_dir(),
                shown,
            });
            binds += 1;
        }
    }
    Ok(binds)
}

fn times_of(m: &std::fs::Metadata) -> [libc::timespec; 2] {
    use std::os::unix::fs::MetadataExt;
    [
        libc::timespec {
            tv_sec: m.atime(),
            tv_nsec: m.atime_nsec(),
        },
        libc::timespec {
            tv_sec: m.mtime(),
            tv_nsec: m.mtime_nsec(),
        },
    ]
}

/// Plans the build's root for --build-path DIR (everything the child does, prepared here, where
/// allocating and reading the host are allowed).
fn plan_build_path(bp: &Path) -> Result<BuildPath, Error> {
    use std::os::unix::fs::MetadataExt;
    let real = resolve_build_path(bp)?;
    let comps: Vec<&OsStr> = real
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    let mut ops = Vec::new();
    let mut times = Vec::new();
    let mut binds = 0;
    // The root, then each directory of DIR that exists on the host (all but DIR itself), is
    // rebuilt with its entries; the components below them are new, empty directories.
    let mut host = PathBuf::from("/");
    let mut host_meta = Some(std::fs::metadata("/").map_err(|e| bp_err(bp, format!("/: {e}")))?);
    for (i, c) in comps.iter().enumerate() {
        if let Some(m) = &host_meta {
            let view = cpath(&under(NEWROOT, &host), bp)?;
            if i == 0 {
                ops.push(Op::Dir {
                    path: view.clone(),
                    create: false,
                    mode: m.mode() & 0o7777,
                    owner: Some((m.uid(), m.gid())),
                    shown: b"/".to_vec(),
                });
            }
            binds += rebuild_level(&host, c, bp, &mut ops)?;
            times.push((view, times_of(m)));
        }
        let next = host.join(c);
        // `real` is resolved: an existing directory here is a real one, not a symlink.
        let next_meta = match (&host_meta, i + 1 < comps.len()) {
            (Some(_), true) => std::fs::symlink_metadata(&next).ok().filter(|m| m.is_dir()),
            _ => None,
        };
        ops.push(Op::Dir {
            path: cpath(&under(NEWROOT, &next), bp)?,
            create: true,
            mode: next_meta.as_ref().map_or(0o755, |m| m.mode() & 0o7777),
            owner: next_meta.as_ref().map(|m| (m.uid(), m.gid())),
            shown: next.as_os_str().as_bytes().to_vec(),
        });
        host = next;
        host_meta = next_meta;
    }
    times.reverse();
    // Any existing directory will do to hold the first tmpfs: it moves away at the pivot.
    let scaffold = if std::fs::symlink_metadata("/tmp").is_ok_and(|m| m.is_dir()) {
        PathBuf::from("/tmp")
    } else {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/")
            .map_err(|e| bp_err(bp, format!("cannot list /: {e}")))?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        dirs.sort();
        dirs.into_iter()
            .next()
            .ok_or_else(|| bp_err(bp, "/ has no directory to mount a tmpfs on"))?
    };
    Ok(BuildPath {
        scaffold_old: cpath(&scaffold.join(&OLDROOT[1..]), bp)?,
        scaffold: cpath(&scaffold, bp)?,
        ops,
        times,
        target: cpath(&under(NEWROOT, &real), bp)?,
        build_path: cpath(bp, bp)?,
        shown_build_path: bp.as_os_str().as_bytes().to_vec(),
        binds,
    })
}

/// In the child, between fork and exec: makes the build's root and enters it at DIR, with raw
/// syscalls on the prepared plan only (no allocation). The mount namespace is new and still
/// shares its mounts' propagation with the host until the first step makes them private.
/// On failure: the step, errno and the path concerned.
///
/// # Safety
/// Only in the forked child, in a fresh mount namespace it may change.
unsafe fn enter_build_path(plan: &BuildPath) -> Result<(), (i32, i32, &[u8])> {
    let errno = || unsafe { *libc::__errno_location() };
    let null = std::ptr::null::<libc::c_char>();
    // Private first, so no mount below ever propagates back to the host.
    if libc::mount(
        null,
        c"/".as_ptr(),
        null,
        libc::MS_REC | libc::MS_PRIVATE,
        std::ptr::null(),
    ) != 0
    {
        return Err((PRIVATE, errno(), b""));
    }
    // The current directory, held across the pivots (its path may be covered or moved by then).
    let cwd = libc::open(c".".as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC);
    if cwd < 0 {
        return Err((OPEN_CWD, errno(), b""));
    }
    let tmpfs = |at: &std::ffi::CStr| {
        libc::mount(
            c"tmpfs".as_ptr(),
            at.as_ptr(),
            c"tmpfs".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            c"mode=0755".as_ptr() as *const libc::c_void,
        )
    };
    // A tmpfs becomes the root and the host's root moves to /oldroot under it: the host's tree
    // stays reachable (the scaffold directory uncovered again) while the build's root is made
    // in memory next to it.
    if tmpfs(&plan.scaffold) != 0 {
        return Err((TMPFS, errno(), plan.scaffold.to_bytes()));
    }
    if libc::mkdir(plan.scaffold_old.as_ptr(), 0o700) != 0 {
        return Err((CREATE, errno(), OLDROOT.as_bytes()));
    }
    if libc::syscall(libc::SYS_pivot_root, plan.scaffold.as_ptr(), plan.scaffold_old.as_ptr()) != 0 {
        return Err((PIVOT_SCAFFOLD, errno(), b""));
    }
    let newroot = c"/newroot";
    if libc::mkdir(newroot.as_ptr(), 0o755) != 0 {
        return Err((CREATE, errno(), b"/"));
    }
    // Its own mount, so it can be pivoted to.
    if tmpfs(newroot) != 0 {
        return Err((TMPFS, errno(), newroot.to_bytes()));
    }
    for op in &plan.ops {
        match op {
            Op::Dir {
                path,
                create,
                mode,
                owner,
                shown,
            } => {
                if *create && libc::mkdir(path.as_ptr(), 0o700) != 0 {
                    return Err((CREATE, errno(), shown));
                }
                // A user namespace maps only the caller's ids: another owner cannot be given
                // there, and the directory stays the caller's.
                if let Some((uid, gid)) = owner {
                    libc::chown(path.as_ptr(), *uid, *gid);
                }
                if libc::chmod(path.as_ptr(), *mode) != 0 {
                    return Err((CREATE, errno(), shown));
                }
            }
            Op::Bind { src, dst, dir, shown } => {
                let made = if *dir {
                    libc::mkdir(dst.as_ptr(), 0o700) == 0
                } else {
                    let fd = libc::open(
                        dst.as_ptr(),
                        libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC,
                        0o600,
                    );
                    fd >= 0 && libc::close(fd) == 0
                };
                if !made {
                    return Err((CREATE, errno(), shown));
                }
                let flags = libc::MS_BIND | libc::MS_REC;
                // An entry removed from the host since it was listed stays an empty placeholder.
                if libc::mount(src.as_ptr(), dst.as_ptr(), null, flags, std::ptr::null()) != 0
                    && errno() != libc::ENOENT
                {
                    return Err((BIND, errno(), shown));
                }
            }
            Op::Symlink { target, dst, shown } => {
                if libc::symlink(target.as_ptr(), dst.as_ptr()) != 0 {
                    return Err((CREATE, errno(), shown));
                }
            }
        }
    }
    // "." is the held directory: the bind takes it whatever its path now is.
    if libc::fchdir(cwd) != 0 {
        return Err((OPEN_CWD, errno(), b""));
    }
    let flags = libc::MS_BIND | libc::MS_REC;
    if libc::mount(c".".as_ptr(), plan.target.as_ptr(), null, flags, std::ptr::null()) != 0 {
        return Err((BIND_CWD, errno(), &plan.shown_build_path));
    }
    libc::close(cwd);
    for (path, times) in &plan.times {
        // Cosmetic (the rebuilt directories read with the host's times): a failure is no error.
        libc::utimensat(libc::AT_FDCWD, path.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW);
    }
    // Into the new root. pivot_root(".", ".") stacks the old root (the scaffold tmpfs, the host's
    // tree below it) on top of the new one; from the old root's directory, umount2(".") detaches
    // it with everything under it, leaving no trace of the scaffold in the build's view.
    let old = libc::open(c"/".as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC);
    if old < 0 || libc::chdir(newroot.as_ptr()) != 0 {
        return Err((PIVOT_NEWROOT, errno(), b""));
    }
    if libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) != 0 {
        return Err((PIVOT_NEWROOT, errno(), b""));
    }
    if libc::fchdir(old) != 0 || libc::umount2(c".".as_ptr(), libc::MNT_DETACH) != 0 {
        return Err((DETACH, errno(), b""));
    }
    libc::close(old);
    if libc::chdir(plan.build_path.as_ptr()) != 0 {
        return Err((CHDIR, errno(), &plan.shown_build_path));
    }
    Ok(())
}

pub fn spawn(config: &Config, command: &[OsString]) -> Result<(Child, Vec<String>), Error> {
    let program = command.first().ok_or_else(|| Error::Setup("no command given".into()))?;
    let path = resolve(program).ok_or_else(|| Error::NotFound(program.to_string_lossy().into_owned()))?;
    let mut setup = Vec::new();

    let c_path = cstr(path.as_os_str().as_bytes(), "the command")?;
    let c_args: Vec<CString> = command
        .iter()
        .map(|a| cstr(a.as_bytes(), "an argument"))
        .collect::<Result<_, _>>()?;
    let mut argv: Vec<*const libc::c_char> = c_args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let c_env: Vec<CString> = environment(config, &mut setup)
        .into_iter()
        .filter_map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok() // an env entry with a NUL cannot be passed anyway
        })
        .collect();
    let mut envp: Vec<*const libc::c_char> = c_env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());

    let prog = filter::program(&filter::Traced {
        time: config.time,
        file_times: config.file_times,
        random: config.random,
        dir_order: config.dir_order,
        inodes: config.inodes,
        uname: config.kernel.is_some(),
    });
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };

    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: no arguments, cannot fail.
    let as_root = unsafe { libc::geteuid() } == 0;
    let (uid_in, gid_in) = config.ids_inside.unwrap_or((uid, gid));
    let uid_map = format!("{uid_in} {uid} 1\n");
    let gid_map = format!("{gid_in} {gid} 1\n");
    // Other ids inside need a user namespace, also for root.
    let direct = as_root && config.ids_inside.is_none();
    if config.ids_inside.is_some() && !config.host {
        return Err(Error::Setup(
            "other ids inside need the namespaces that --no-host turns off".into(),
        ));
    }
    let cpus = config.cpus;
    if let Some(n) = cpus {
        setup.push(format!("at most {n} CPUs (affinity)"));
    }
    let hostname = config.hostname.as_bytes().to_vec();
    let domainname = config.domainname.as_bytes().to_vec();
    if config.host {
        setup.push(if direct {
            format!(
                "UTS namespace (as root: no user namespace where root may make it, every owner as it is): hostname {:?}, domainname {:?}",
                config.hostname, config.domainname
            )
        } else {
            format!(
                "user + UTS namespace: hostname {:?}, domainname {:?}, uid {uid} and gid {gid} seen as {uid_in} and {gid_in}",
                config.hostname, config.domainname
            )
        });
    }
    let mut build_path: Option<BuildPath> = None;
    if let Some(bp) = &config.build_path {
        if !config.host {
            return Err(Error::Setup(
                "--build-path needs the namespaces that --no-host turns off".into(),
            ));
        }
        let plan = plan_build_path(bp)?;
        let cwd = std::env::current_dir()
            .map(|c| c.display().to_string())
            .unwrap_or_else(|_| "the current directory".into());
        setup.push(format!(
            "mount namespace: {cwd} bind-mounted at {} (the build runs there), in a root rebuilt on a tmpfs from {} bind-mounted host entries; nothing created on the host",
            bp.display(),
            plan.binds
        ));
        build_path = Some(plan);
    }
    let host = config.host;
    let umask = config.set_umask;
    let umask_value = config.umask as libc::mode_t;
    let fixed_layout = config.fixed_layout;
    let c_setgroups = c"/proc/self/setgroups";
    let c_uid_map = c"/proc/self/uid_map";
    let c_gid_map = c"/proc/self/gid_map";

    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid 2-int array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::Setup(format!("pipe: {}", std::io::Error::last_os_error())));
    }
    let (err_r, err_w) = (fds[0], fds[1]);

    // SAFETY: the child only makes raw syscalls on data prepared above, then execs or _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = std::io::Error::last_os_error();
        // SAFETY: closing our own fds.
        unsafe {
            libc::close(err_r);
            libc::close(err_w);
        }
        return Err(Error::Setup(format!("fork: {e}")));
    }
    if pid == 0 {
        // Child. Report a failed step and exit 127 (as a shell does for a command it cannot run).
        let fail_with = |step: i32, errno: i32, shown: &[u8]| -> ! {
            let n = shown.len().min(MAX_SHOWN);
            let head = [step, errno, n as i32];
            let iov = [
                libc::iovec {
                    iov_base: head.as_ptr() as *mut libc::c_void,
                    iov_len: 12,
                },
                libc::iovec {
                    iov_base: shown.as_ptr() as *mut libc::c_void,
                    iov_len: n,
                },
            ];
            // SAFETY: raw syscalls on stack and prepared data; the process ends here. One write
            // of at most PIPE_BUF bytes, so the parent reads it whole.
            unsafe {
                libc::writev(err_w, iov.as_ptr(), 2);
                libc::_exit(127);
            }
        };
        let fail = |step: i32| -> ! {
            // SAFETY: reading this thread's errno.
            fail_with(step, unsafe { *libc::__errno_location() }, b"")
        };
        let write_file = |p: &std::ffi::CStr, data: &[u8]| -> bool {
            // SAFETY: p is NUL-terminated; data is a valid slice.
            unsafe {
                let fd = libc::open(p.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return false;
                }
                let ok = libc::write(fd, data.as_ptr() as *const libc::c_void, data.len()) == data.len() as isize;
                libc::close(fd);
                ok
            }
        };
        // SAFETY: each call below is a plain syscall on prepared, valid data.
        unsafe {
            libc::close(err_r);
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0usize, 0usize) != 0 {
                fail(TRACEME);
            }
            // Wait here until the supervisor has set its options.
            libc::raise(libc::SIGSTOP);
            if host {
                let mut flags = libc::CLONE_NEWUTS;
                if build_path.is_some() {
                    flags |= libc::CLONE_NEWNS;
                }
                // Root makes the namespaces directly, so it keeps its view of every owner (a user
                // namespace would map only uid 0: others read as nobody, chown fails). Where root
                // may not (no CAP_SYS_ADMIN), and for everyone else, a user namespace.
                if !(direct && libc::unshare(flags) == 0) {
                    if libc::unshare(flags | libc::CLONE_NEWUSER) != 0 {
                        fail(UNSHARE);
                    }
                    if !write_file(c_setgroups, b"deny") {
                        fail(SETGROUPS);
                    }
                    if !write_file(c_uid_map, uid_map.as_bytes()) {
                        fail(UID_MAP);
                    }
                    if !write_file(c_gid_map, gid_map.as_bytes()) {
                        fail(GID_MAP);
                    }
                }
                if libc::sethostname(hostname.as_ptr() as *const libc::c_char, hostname.len()) != 0 {
                    fail(SETHOSTNAME);
                }
                if libc::setdomainname(domainname.as_ptr() as *const libc::c_char, domainname.len()) != 0 {
                    fail(SETDOMAINNAME);
                }
                if let Some(plan) = &build_path {
                    if let Err((step, errno, shown)) = enter_build_path(plan) {
                        fail_with(step, errno, shown);
                    }
                }
            }
            if let Some(n) = cpus {
                // The first n CPUs of the current set; failure leaves the affinity as it was.
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
                    let mut kept = 0;
                    for c in 0..libc::CPU_SETSIZE as usize {
                        if libc::CPU_ISSET(c, &set) {
                            if kept >= n {
                                libc::CPU_CLR(c, &mut set);
                            } else {
                                kept += 1;
                            }
                        }
                    }
                    libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
                }
            }
            if fixed_layout {
                // Kept across fork and exec. Failure (a kernel that refuses) leaves ASLR on.
                let current = libc::personality(0xffff_ffff);
                if current != -1 {
                    libc::personality((current | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong);
                }
            }
            if umask {
                libc::umask(umask_value);
            }
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                fail(SECCOMP);
            }
            if libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &fprog as *const libc::sock_fprog,
            ) != 0
            {
                fail(SECCOMP);
            }
            libc::execve(c_path.as_ptr(), argv.as_ptr(), envp.as_ptr());
            fail(EXECVE);
        }
    }
    // Parent.
    // SAFETY: closing the child's end in the parent.
    unsafe { libc::close(err_w) };
    let child = Child {
        pid,
        err_fd: err_r,
        program: program.to_string_lossy().into_owned(),
    };
    // The child's self-stop after PTRACE_TRACEME.
    let status = sys::wait_pid(pid).map_err(|e| Error::Setup(format!("waitpid: {e}")))?;
    if !libc::WIFSTOPPED(status) {
        // Exited before stopping: TRACEME failed.
        return Err(child_error(&child).unwrap_or_else(|| Error::Setup("the child exited during setup".into())));
    }
    let opts = libc::PTRACE_O_TRACESECCOMP
        | libc::PTRACE_O_TRACEFORK
        | libc::PTRACE_O_TRACEVFORK
        | libc::PTRACE_O_TRACECLONE
        | libc::PTRACE_O_TRACEEXEC
        | libc::PTRACE_O_TRACESYSGOOD
        | libc::PTRACE_O_EXITKILL;
    let started = sys::set_options(pid, opts).and_then(|_| sys::resume(pid, false, 0));
    if let Err(e) = started {
        // SAFETY: killing and reaping our own child.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), libc::__WALL);
        }
        return Err(Error::Setup(format!("ptrace options: {e}")));
    }
    Ok((child, setup))
}

/// The setup failure the child reported, if any ("unshare(...): Operation not permitted"): a
/// command that is not there is `NotFound` (exit 127), one that cannot be executed
/// `NotExecutable` (exit 126), as a shell reports them.
pub fn child_error(child: &Child) -> Option<Error> {
    // (step, errno, length) and that many bytes of the path concerned, written at once.
    let mut msg = [0u8; 12 + MAX_SHOWN];
    // SAFETY: reading into msg from our pipe; the write end is closed (EOF if nothing).
    let n = unsafe { libc::read(child.err_fd, msg.as_mut_ptr() as *mut libc::c_void, msg.len()) };
    if n < 12 {
        return None;
    }
    let word = |i: usize| i32::from_ne_bytes([msg[i], msg[i + 1], msg[i + 2], msg[i + 3]]);
    let (step_no, errno) = (word(0), word(4));
    let shown_len = (word(8).max(0) as usize).min(n as usize - 12);
    let shown = String::from_utf8_lossy(&msg[12..12 + shown_len]);
    let step = STEPS.get(step_no as usize).copied().unwrap_or("setup");
    let err = std::io::Error::from_raw_os_error(errno);
    let step = if shown.is_empty() {
        step.to_string()
    } else {
        format!("{step} {shown}")
    };
    Some(match (step.as_str(), errno) {
        ("execve", libc::ENOENT | libc::ENOTDIR) => Error::NotFound(child.program.clone()),
        ("execve", libc::EACCES | libc::ENOEXEC | libc::EISDIR) => {
            Error::NotExecutable(format!("{}: {err}", child.program))
        }
        _ => Error::Setup(format!("{step}: {err}")),
    })
}
