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

const STEPS: [&str; 12] = [
    "ptrace(PTRACE_TRACEME)",
    "unshare(CLONE_NEWUSER|CLONE_NEWUTS) (user namespaces disabled? try --no-host)",
    "writing /proc/self/setgroups",
    "writing /proc/self/uid_map",
    "writing /proc/self/gid_map",
    "sethostname",
    "setdomainname",
    "making / private in the mount namespace",
    "bind-mounting the build directory at --build-path",
    "chdir to --build-path",
    "prctl(PR_SET_NO_NEW_PRIVS) / seccomp filter",
    "execve",
];

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
        shown.push("umask 022".into());
    }
    if !shown.is_empty() {
        setup.push(format!("environment: {}", shown.join(", ")));
    }
    env
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
    });
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };

    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: no arguments, cannot fail.
    let as_root = unsafe { libc::geteuid() } == 0;
    let uid_map = format!("{uid} {uid} 1\n");
    let gid_map = format!("{gid} {gid} 1\n");
    let hostname = config.hostname.as_bytes().to_vec();
    let domainname = config.domainname.as_bytes().to_vec();
    if config.host {
        setup.push(if as_root {
            format!(
                "UTS namespace (as root: no user namespace where root may make it, every owner as it is): hostname {:?}, domainname {:?}",
                config.hostname, config.domainname
            )
        } else {
            format!(
                "user + UTS namespace: hostname {:?}, domainname {:?}, uid {uid} and gid {gid} mapped to themselves",
                config.hostname, config.domainname
            )
        });
    }
    let mut mount_paths: Option<(CString, CString)> = None;
    if let Some(bp) = &config.build_path {
        if !config.host {
            return Err(Error::Setup(
                "--build-path needs the namespaces that --no-host turns off".into(),
            ));
        }
        let cwd = std::env::current_dir().map_err(|e| Error::Setup(format!("current directory: {e}")))?;
        if !bp.is_absolute() {
            return Err(Error::Setup(format!(
                "--build-path {}: must be an absolute path",
                bp.display()
            )));
        }
        // The mount point must exist; create it (as the caller) when it does not.
        std::fs::create_dir_all(bp).map_err(|e| {
            Error::Setup(format!(
                "--build-path {}: cannot create the mount point: {e}",
                bp.display()
            ))
        })?;
        setup.push(format!(
            "mount namespace: {} bind-mounted at {} (the build runs there)",
            cwd.display(),
            bp.display()
        ));
        mount_paths = Some((
            cstr(cwd.as_os_str().as_bytes(), "the current directory")?,
            cstr(bp.as_os_str().as_bytes(), "--build-path")?,
        ));
    }
    let host = config.host;
    let umask = config.set_umask;
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
        let fail = |step: i32| -> ! {
            // SAFETY: raw syscalls on stack data; the process ends here.
            unsafe {
                let e = *libc::__errno_location();
                let msg = [step, e];
                libc::write(err_w, msg.as_ptr() as *const libc::c_void, 8);
                libc::_exit(127);
            }
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
                fail(0);
            }
            // Wait here until the supervisor has set its options.
            libc::raise(libc::SIGSTOP);
            if host {
                let mut flags = libc::CLONE_NEWUTS;
                if mount_paths.is_some() {
                    flags |= libc::CLONE_NEWNS;
                }
                // Root makes the namespaces directly, so it keeps its view of every owner (a user
                // namespace would map only uid 0: others read as nobody, chown fails). Where root
                // may not (no CAP_SYS_ADMIN), and for everyone else, a user namespace.
                if !(as_root && libc::unshare(flags) == 0) {
                    if libc::unshare(flags | libc::CLONE_NEWUSER) != 0 {
                        fail(1);
                    }
                    if !write_file(c_setgroups, b"deny") {
                        fail(2);
                    }
                    if !write_file(c_uid_map, uid_map.as_bytes()) {
                        fail(3);
                    }
                    if !write_file(c_gid_map, gid_map.as_bytes()) {
                        fail(4);
                    }
                }
                if libc::sethostname(hostname.as_ptr() as *const libc::c_char, hostname.len()) != 0 {
                    fail(5);
                }
                if libc::setdomainname(domainname.as_ptr() as *const libc::c_char, domainname.len()) != 0 {
                    fail(6);
                }
                if let Some((src, dst)) = &mount_paths {
                    // Private first, so the bind mount never propagates back to the host.
                    let root = c"/";
                    if libc::mount(
                        std::ptr::null(),
                        root.as_ptr(),
                        std::ptr::null(),
                        libc::MS_REC | libc::MS_PRIVATE,
                        std::ptr::null(),
                    ) != 0
                    {
                        fail(7);
                    }
                    if libc::mount(
                        src.as_ptr(),
                        dst.as_ptr(),
                        std::ptr::null(),
                        libc::MS_BIND | libc::MS_REC,
                        std::ptr::null(),
                    ) != 0
                    {
                        fail(8);
                    }
                    if libc::chdir(dst.as_ptr()) != 0 {
                        fail(9);
                    }
                }
            }
            if umask {
                libc::umask(0o022);
            }
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                fail(10);
            }
            if libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                0,
                &fprog as *const libc::sock_fprog,
            ) != 0
            {
                fail(10);
            }
            libc::execve(c_path.as_ptr(), argv.as_ptr(), envp.as_ptr());
            fail(11);
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
    loop {
        let mut status = 0;
        // SAFETY: status is a valid out pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::__WALL) };
        if r == -1 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(Error::Setup(format!("waitpid: {}", std::io::Error::last_os_error())));
        }
        if libc::WIFSTOPPED(status) {
            break;
        }
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
    let mut msg = [0i32; 2];
    // SAFETY: reading 8 bytes into msg from our pipe; the write end is closed (EOF if nothing).
    let n = unsafe { libc::read(child.err_fd, msg.as_mut_ptr() as *mut libc::c_void, 8) };
    if n != 8 {
        return None;
    }
    let step = STEPS.get(msg[0] as usize).copied().unwrap_or("setup");
    let err = std::io::Error::from_raw_os_error(msg[1]);
    Some(match (step, msg[1]) {
        ("execve", libc::ENOENT | libc::ENOTDIR) => Error::NotFound(child.program.clone()),
        ("execve", libc::EACCES | libc::ENOEXEC | libc::EISDIR) => {
            Error::NotExecutable(format!("{}: {err}", child.program))
        }
        _ => Error::Setup(format!("{step}: {err}")),
    })
}
