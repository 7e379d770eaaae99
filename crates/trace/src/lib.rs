//! Deterministic execution of a build: `run(config, command)` starts the command under a ptrace
//! supervisor whose seccomp filter stops only the syscalls it rewrites (the clock, file times,
//! randomness, directory order), inside a user + UTS (+ mount) namespace with a fixed host name.
//! Per process tree, unprivileged, no reboot. x86_64 Linux only.

pub mod rewrite;

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod filter;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
pub mod sgx;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod spawn;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod supervisor;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod sys;
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod vdso;

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// 2024-01-01 00:00:00 UTC: the clock's start when neither `--epoch` nor SOURCE_DATE_EPOCH is given.
pub const DEFAULT_EPOCH: i64 = 1_704_067_200;

/// What to fix and how. `Config::default()` fixes everything.
#[derive(Clone, Debug)]
pub struct Config {
    /// Start of the deterministic clock and the clamp for file times (seconds since 1970).
    pub epoch: i64,
    /// How far the clock advances per realtime call, in nanoseconds.
    pub step_ns: u64,
    /// Seed of every random stream.
    pub seed: u64,
    pub time: bool,
    pub file_times: bool,
    pub random: bool,
    pub dir_order: bool,
    /// Inode and device numbers from names (stat results, directory entries).
    pub inodes: bool,
    /// User + UTS namespace with `hostname`/`domainname`.
    pub host: bool,
    pub hostname: String,
    pub domainname: String,
    /// Run the build with the current directory bind-mounted at this path (mount namespace).
    pub build_path: Option<PathBuf>,
    pub set_tz: bool,
    pub set_locale: bool,
    pub set_umask: bool,
    /// The umask set when `set_umask` (022 by default).
    pub umask: u32,
    /// Variables set last, over the caller's environment and the ones above (`reproscope check`
    /// varies TZ, locales, HOME, PATH this way).
    pub extra_env: Vec<(OsString, OsString)>,
    /// Directory listings in reversed name order instead of sorted (`check`'s `fileordering`).
    pub dir_reverse: bool,
    /// Files from before the run read as one second before this, instead of before `epoch`.
    pub found_epoch: Option<i64>,
    /// The build sees itself as this uid and gid: a user namespace maps them to the caller's
    /// (`check`'s `user_group`).
    pub ids_inside: Option<(u32, u32)>,
    /// The build runs on at most this many CPUs (its affinity; `nproc` reports it).
    pub cpus: Option<usize>,
    /// `uname` answers this kernel release and version.
    pub kernel: Option<(String, String)>,
    /// Address-space layout randomization off (personality ADDR_NO_RANDOMIZE), so values that
    /// come from addresses (Perl's hash order, Python's `id()`, pointer-keyed sorts) repeat.
    pub fixed_layout: bool,
    pub set_source_date_epoch: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            epoch: DEFAULT_EPOCH,
            step_ns: 1_000_000,
            seed: 0,
            time: true,
            file_times: true,
            random: true,
            dir_order: true,
            inodes: true,
            host: true,
            hostname: "reproscope".into(),
            domainname: "(none)".into(),
            build_path: None,
            set_tz: true,
            set_locale: true,
            set_umask: true,
            umask: 0o022,
            extra_env: Vec::new(),
            dir_reverse: false,
            ids_inside: None,
            found_epoch: None,
            cpus: None,
            kernel: None,
            fixed_layout: true,
            set_source_date_epoch: true,
        }
    }
}

/// How the command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// Counts of what was rewritten, for `--explain`.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub processes: u64,
    pub threads: u64,
    pub execs: u64,
    pub vdso_hidden: u64,
    /// Execs whose vDSO answers the virtual clock in the process (no stop per reading).
    pub vdso_patched: u64,
    /// Waits with a timeout seen, and of those, realtime deadlines moved onto the real clock.
    pub waits: u64,
    pub deadlines: u64,
    pub at_random: u64,
    pub clock_gettime: u64,
    pub gettimeofday: u64,
    pub time: u64,
    pub stat_calls: u64,
    pub stat_clamped: u64,
    /// stat calls made by the supervisor and answered at their first stop.
    pub stat_answered: u64,
    pub getrandom_calls: u64,
    pub getrandom_bytes: u64,
    pub urandom_reads: u64,
    pub urandom_bytes: u64,
    pub other_reads: u64,
    /// Descriptors of the random devices whose reads were made to stop.
    pub random_fds: u64,
    /// Opens for reading stopped to see whether they open a random device.
    pub opens_seen: u64,
    pub getdents_calls: u64,
    /// getdents64 calls answered from a whole sorted listing (the others: real result, sorted).
    pub getdents_sorted: u64,
    /// Inode numbers given (distinct files seen).
    pub inodes: u64,
    pub signals_forwarded: u64,
    pub vanished: u64,
    pub leftovers_killed: u64,
}

/// The outcome of a supervised run.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub exit: Exit,
    pub stats: Stats,
    /// What was set up before the command started (namespaces, environment), for `--explain`.
    pub setup: Vec<String>,
}

#[derive(Debug)]
pub enum Error {
    /// The command could not be found on PATH (exit status 127 by convention).
    NotFound(String),
    /// The command exists but cannot be executed: no permission, not a program (exit status 126
    /// by convention).
    NotExecutable(String),
    /// Setting up the run failed (namespaces, seccomp, exec, ptrace).
    Setup(String),
    /// Not x86_64 Linux.
    Unsupported,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(c) => write!(f, "{c}: command not found"),
            Error::NotExecutable(m) => write!(f, "{m} (cannot execute)"),
            Error::Setup(m) => f.write_str(m),
            Error::Unsupported => f.write_str("deterministic runs need Linux on x86_64 (ptrace + seccomp)"),
        }
    }
}

impl std::error::Error for Error {}

/// Run `command` (program and arguments) deterministically and wait for the whole tree.
pub fn run(config: &Config, command: &[OsString]) -> Result<Outcome, Error> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        let (child, setup) = spawn::spawn(config, command)?;
        supervisor::supervise(config, child, setup)
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    {
        let _ = (config, command);
        Err(Error::Unsupported)
    }
}

/// Die of `sig` as the build did, so the caller (a shell, make) sees the same end; returns only
/// when the signal does not end the process. No core file: the crash was the build's.
pub fn die_of_signal(sig: i32) {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    let zero = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on valid arguments, in our own process.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &zero);
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
}

impl Stats {
    /// The `--explain` listing: one line per kind of rewrite.
    pub fn explain(&self, config: &Config) -> String {
        let onoff = |on: bool| if on { "" } else { " (off)" };
        let mut s = String::new();
        let mut line = |t: String| {
            s.push_str(&t);
            s.push('\n');
        };
        line(format!(
            "processes {}, threads {}, execs {}",
            self.processes, self.threads, self.execs
        ));
        line(format!(
            "time{}: clock answered in the process by the vDSO at {} execs, vDSO hidden at {}; stopped clock_gettime(realtime) {}, gettimeofday {}, time {} (from {} + {} ns per call); {} timed waits ({} realtime deadlines made real)",
            onoff(config.time),
            self.vdso_patched,
            self.vdso_hidden,
            self.clock_gettime,
            self.gettimeofday,
            self.time,
            config.epoch,
            config.step_ns,
            self.waits,
            self.deadlines
        ));
        line(format!(
            "file times{}: {} stat calls ({} answered at one stop), {} results rewritten around {}",
            onoff(config.file_times),
            self.stat_calls,
            self.stat_answered,
            self.stat_clamped,
            config.epoch
        ));
        line(format!(
            "randomness{}: getrandom {} calls ({} bytes), /dev/urandom and /dev/random {} reads ({} bytes; {} opens looked at, {} descriptors watched, {} other reads let through), AT_RANDOM rewritten at {} execs (seed {})",
            onoff(config.random),
            self.getrandom_calls,
            self.getrandom_bytes,
            self.urandom_reads,
            self.urandom_bytes,
            self.opens_seen,
            self.random_fds,
            self.other_reads,
            self.at_random,
            config.seed
        ));
        line(format!(
            "directory order{}: {} getdents64 calls, {} answered from a sorted listing",
            onoff(config.dir_order),
            self.getdents_calls,
            self.getdents_sorted
        ));
        line(format!(
            "inode numbers{}: {} files numbered by name, devices numbered in the order seen",
            onoff(config.inodes),
            self.inodes
        ));
        if self.signals_forwarded > 0 || self.vanished > 0 || self.leftovers_killed > 0 {
            line(format!(
                "signals passed on {}, tracees gone mid-syscall {}, processes left after the command ended and killed {}",
                self.signals_forwarded, self.vanished, self.leftovers_killed
            ));
        }
        s
    }
}
