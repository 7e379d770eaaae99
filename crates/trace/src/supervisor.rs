//! The supervisor loop: one waitpid(-1, __WALL) for every tracee (each thread is one), answering
//! seccomp stops, fixing results at syscall-exit stops, rewriting the auxv at each exec, and
//! passing signals through. A tracee that vanishes between two stops (ESRCH) is simply dropped
//! when its exit is reported: the loop never waits on one particular tracee.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::filter::{self, nr};
use crate::rewrite::{self, Clock, ProcState};
use crate::spawn::{child_error, Child};
use crate::sys::{self, Pid, Regs};
use crate::vdso;
use crate::{Config, Error, Exit, Outcome, Stats};

/// A fix to apply when the syscall returns.
#[derive(Clone, Copy)]
enum Pending {
    /// `struct stat` at this address, of the file `src` names.
    Stat(u64, NameSrc),
    /// `struct statx` at this address.
    Statx(u64, NameSrc),
    /// getdents64 buffer at this address, of directory `fd`: the kernel's result, sorted (when
    /// directory order is on; the fallback for a directory the supervisor cannot list) and
    /// renumbered.
    Dents { addr: u64, fd: i32, sort: bool },
    /// getdents64 answered from a sorted listing and turned into lseek(fd, next): on return, the
    /// result is `len` and the argument registers the caller expects unchanged are restored.
    Served { len: u64, rsi: u64, rdx: u64 },
    /// `struct utsname` at this address: release and version to rewrite.
    Uname(u64),
    /// An open of what may be /dev/urandom or /dev/random, or a copy of a descriptor of one: on
    /// success, make the reads of the new descriptor stop.
    OpenRandom,
    /// A wait with a timeout: put the caller's timeout back, and move the clock on when the wait
    /// ran its course.
    Wait(WaitFix),
}

/// Where a stat call's file is named: an fd, or a path relative to a directory fd.
#[derive(Clone, Copy)]
enum NameSrc {
    Fd(i32),
    At { dirfd: i32, path: u64 },
}

#[derive(Clone, Copy)]
struct WaitFix {
    /// The caller's timespec (address, bytes), replaced by a real deadline while the call runs.
    restore: Option<(u64, [u8; 16])>,
    /// The result that says the wait ran its course: 0, or -ETIMEDOUT for futex.
    done: i64,
    advance: Advance,
}

#[derive(Clone, Copy)]
enum Advance {
    None,
    /// By this many nanoseconds.
    By(i128),
    /// Up to this virtual time.
    To(i128),
}

/// A directory's whole listing, sorted, as served to one process for one fd.
struct Listing {
    dev: u64,
    ino: u64,
    records: Vec<Vec<u8>>,
}

struct Tracee {
    tgid: Pid,
    /// What this thread's timed waits ran (see `rewrite::Clock`).
    waited_ns: u64,
    proc_state: Rc<RefCell<ProcState>>,
    pending: Option<Pending>,
    /// A new tracee whose first stop (SIGSTOP) is still to come and must not be delivered.
    awaiting_first_stop: bool,
}

/// Signal received by the supervisor (0 = none), set by the handler.
static GOT_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// A second signal, or the grace period after the first, ran out: kill the tree.
static KILL_TREE: AtomicI32 = AtomicI32::new(0);
/// Whether the first signal came from another process (kill) rather than the terminal, which
/// already sent it to the whole foreground process group.
static SIGNAL_FROM_PROCESS: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    if sig == libc::SIGALRM || GOT_SIGNAL.load(Ordering::SeqCst) != 0 {
        KILL_TREE.store(1, Ordering::SeqCst);
        return;
    }
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let code = if info.is_null() { 0 } else { unsafe { (*info).si_code } };
    SIGNAL_FROM_PROCESS.store(i32::from(code <= 0), Ordering::SeqCst);
    GOT_SIGNAL.store(sig, Ordering::SeqCst);
}

const HANDLED: [libc::c_int; 5] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGALRM];

/// Install the handlers without SA_RESTART, so waitpid returns EINTR; returns the old ones.
fn install_handlers() -> Vec<(libc::c_int, libc::sigaction)> {
    let mut old = Vec::new();
    for &sig in &HANDLED {
        // SAFETY: sigaction structs are plain data; the handler only touches atomics.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            let mut prev: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, &sa, &mut prev) == 0 {
                old.push((sig, prev));
            }
        }
    }
    old
}

fn restore_handlers(old: &[(libc::c_int, libc::sigaction)]) {
    for (sig, sa) in old {
        // SAFETY: restoring what sigaction returned.
        unsafe { libc::sigaction(*sig, sa, std::ptr::null_mut()) };
    }
}

struct Supervisor<'a> {
    cfg: &'a Config,
    tracees: HashMap<Pid, Tracee>,
    /// New tracees whose first stop came before their parent's fork/clone event.
    early: HashSet<Pid>,
    stats: Stats,
    /// Sorted listings by (thread group, fd).
    listings: HashMap<(Pid, i32), Listing>,
    root: Pid,
    root_execed: bool,
    /// File times as the build sees them (from the real time the run began).
    file_times: rewrite::FileTimes,
    /// Wait statuses taken while a tracee ran injected code, to handle as if just reported.
    replay: Vec<(Pid, i32)>,
    /// Threads are told apart by TLS base (else by thread id): see `vdso::key_is_fs_base`.
    fs_base_key: bool,
    inodes: rewrite::Inodes,
    /// pidfds by thread group, to take copies of tracees' file descriptors.
    pidfds: HashMap<Pid, std::os::fd::OwnedFd>,
    /// Descriptors of /dev/urandom and /dev/random whose reads a thread group's filter stops.
    read_traps: HashSet<(Pid, i32)>,
    /// How a thread group sees files the supervisor looks at for it (reset at exec).
    views: HashMap<Pid, Option<View>>,
    /// The directories the run started in (the real one, and --build-path): file names for
    /// numbering are taken relative to them.
    roots: Vec<Vec<u8>>,
}

/// The next tick of the coarse clock the kernel stamps files with: every file written before
/// it has an older time, every file written from now on this one or a later one. Waits at most
/// one tick (a few milliseconds).
fn file_clock_tick() -> (i64, i64) {
    let now = || {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: a valid timespec to fill.
        unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) };
        (ts.tv_sec, ts.tv_nsec)
    };
    let first = now();
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_micros(500));
        let t = now();
        if t != first {
            return t;
        }
    }
    now()
}

pub fn supervise(cfg: &Config, child: Child, setup: Vec<String>) -> Result<Outcome, Error> {
    GOT_SIGNAL.store(0, Ordering::SeqCst);
    KILL_TREE.store(0, Ordering::SeqCst);
    let old = install_handlers();
    let mut s = Supervisor {
        cfg,
        tracees: HashMap::new(),
        early: HashSet::new(),
        stats: Stats {
            processes: 1,
            ..Stats::default()
        },
        listings: HashMap::new(),
        root: child.pid,
        root_execed: false,
        // Only file times need the start, and it waits up to a tick.
        file_times: rewrite::FileTimes::with_found(
            cfg.epoch,
            cfg.found_epoch.unwrap_or(cfg.epoch),
            if cfg.file_times { file_clock_tick() } else { (0, 0) },
        ),
        replay: Vec::new(),
        fs_base_key: vdso::key_is_fs_base(),
        inodes: rewrite::Inodes::default(),
        pidfds: HashMap::new(),
        views: HashMap::new(),
        read_traps: HashSet::new(),
        roots: {
            use std::os::unix::ffi::OsStrExt;
            let mut r: Vec<Vec<u8>> = std::env::current_dir()
                .ok()
                .map(|d| d.as_os_str().as_bytes().to_vec())
                .into_iter()
                .collect();
            r.extend(cfg.build_path.as_ref().map(|b| b.as_os_str().as_bytes().to_vec()));
            r
        },
    };
    let initial = ProcState::at_exec(cfg.epoch, cfg.step_ns, cfg.seed, &[]);
    s.tracees.insert(
        child.pid,
        Tracee {
            tgid: child.pid,
            waited_ns: 0,
            proc_state: Rc::new(RefCell::new(initial)),
            pending: None,
            awaiting_first_stop: false,
        },
    );
    let exit = s.run_loop();
    restore_handlers(&old);
    // SAFETY: cancel a pending grace alarm.
    unsafe { libc::alarm(0) };
    let setup_error = if s.root_execed { None } else { child_error(&child) };
    // SAFETY: our pipe's read end.
    unsafe { libc::close(child.err_fd) };
    if let Some(e) = setup_error {
        return Err(e);
    }
    Ok(Outcome {
        exit,
        stats: s.stats,
        setup,
    })
}

impl Supervisor<'_> {
    fn run_loop(&mut self) -> Exit {
        let mut root_exit: Option<Exit> = None;
        let mut forwarded = false;
        let mut killed = false;
        // Poll a little before sleeping in waitpid, where another CPU can run the tracee
        // meanwhile: a stop then costs about 18 us instead of 30 (measured on 2 cores); with
        // one CPU the poll would only keep the tracee from running.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let spin = std::time::Duration::from_micros(if cpus > 1 { 50 } else { 0 });
        loop {
            let sig = GOT_SIGNAL.load(Ordering::SeqCst);
            if sig != 0 && !forwarded {
                forwarded = true;
                if SIGNAL_FROM_PROCESS.load(Ordering::SeqCst) == 1 {
                    self.signal_all(sig);
                }
                // Grace period for the build to clean up, then SIGKILL.
                // SAFETY: alarm has no memory effects.
                unsafe { libc::alarm(3) };
            }
            if KILL_TREE.load(Ordering::SeqCst) != 0 && !killed {
                killed = true;
                self.signal_all(libc::SIGKILL);
            }
            let (pid, status) = match self.replay.pop() {
                Some(r) => r,
                None => match sys::wait_any_spinning(spin) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue, // EINTR: look at the signal flags
                    Err(_) => break,      // ECHILD: nothing left
                },
            };
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                self.early.remove(&pid);
                if let Some(t) = self.tracees.remove(&pid) {
                    if t.pending.is_some() {
                        self.stats.vanished += 1;
                    }
                    if t.tgid == pid {
                        self.listings.retain(|k, _| k.0 != pid);
                        self.pidfds.remove(&pid);
                        self.views.remove(&pid);
                        self.read_traps.retain(|k| k.0 != pid);
                    }
                }
                if pid == self.root {
                    root_exit = Some(if libc::WIFEXITED(status) {
                        Exit::Code(libc::WEXITSTATUS(status))
                    } else {
                        Exit::Signal(libc::WTERMSIG(status))
                    });
                    // The command is over: what it left running goes too (as a container would).
                    self.stats.leftovers_killed += self.tracees.len() as u64;
                    self.signal_all(libc::SIGKILL);
                    killed = true;
                }
                continue;
            }
            if !libc::WIFSTOPPED(status) {
                continue;
            }
            if !self.tracees.contains_key(&pid) {
                // A new child reported before its parent's fork/clone event: hold it until then.
                self.early.insert(pid);
                continue;
            }
            let stopsig = libc::WSTOPSIG(status);
            let event = (status >> 16) & 0xff;
            let result = if stopsig == libc::SIGTRAP | 0x80 {
                self.on_syscall_exit(pid)
            } else if stopsig == libc::SIGTRAP && event != 0 {
                self.on_event(pid, event)
            } else {
                self.on_signal_stop(pid, stopsig)
            };
            if result.is_err() {
                // ESRCH: killed between stops. Its exit report will come and remove it.
                self.stats.vanished += 1;
            }
        }
        let received = GOT_SIGNAL.load(Ordering::SeqCst);
        match root_exit {
            // Killed by our escalation after an interrupt: end as the interrupt asked.
            Some(Exit::Signal(libc::SIGKILL)) if received != 0 && received != libc::SIGALRM => Exit::Signal(received),
            Some(e) => e,
            None => Exit::Code(0),
        }
    }

    fn signal_all(&mut self, sig: i32) {
        let mut groups: Vec<Pid> = self.tracees.values().map(|t| t.tgid).collect();
        groups.sort_unstable();
        groups.dedup();
        for g in groups {
            // SAFETY: signalling our own tracees.
            unsafe { libc::kill(g, sig) };
            if sig != libc::SIGKILL {
                self.stats.signals_forwarded += 1;
            }
        }
        if sig == libc::SIGKILL {
            for &p in &self.early {
                // SAFETY: as above.
                unsafe { libc::kill(p, sig) };
            }
        }
    }

    fn on_signal_stop(&mut self, pid: Pid, sig: i32) -> std::io::Result<()> {
        if let Some(t) = self.tracees.get_mut(&pid) {
            if t.awaiting_first_stop && sig == libc::SIGSTOP {
                t.awaiting_first_stop = false;
                return sys::resume(pid, false, 0);
            }
        }
        // Group-stops have no siginfo: resume without a signal. Signal-delivery-stops: deliver it.
        let deliver = if sys::is_signal_delivery(pid) { sig } else { 0 };
        if deliver != 0 {
            self.stats.signals_forwarded += 1;
        }
        sys::resume(pid, false, deliver)
    }

    fn on_event(&mut self, pid: Pid, event: i32) -> std::io::Result<()> {
        match event {
            libc::PTRACE_EVENT_SECCOMP => self.on_seccomp(pid),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                let new = sys::event_msg(pid)? as Pid;
                let thread = event == libc::PTRACE_EVENT_CLONE && self.is_thread_clone(pid);
                let (tgid, state, waited_ns) = match self.tracees.get(&pid) {
                    Some(p) if thread => (p.tgid, p.proc_state.clone(), p.waited_ns),
                    // fork: the child starts with a copy of the parent's clock and random state.
                    Some(p) => (new, Rc::new(RefCell::new(p.proc_state.borrow().clone())), p.waited_ns),
                    None => return sys::resume(pid, false, 0),
                };
                // A new thread's clock reads on from its creator's, waits included; its slot is
                // written even when that is 0, over what a former thread of the same key left.
                // (A forked child's thread keeps its key, and the copy of its slot.)
                let page = state.borrow().page;
                if let (true, Some(page)) = (thread, page) {
                    if let Some(key) = self.new_thread_key(pid, new) {
                        put_slot(new, page, key, waited_ns);
                    }
                }
                if thread {
                    self.stats.threads += 1;
                } else {
                    self.stats.processes += 1;
                }
                let early = self.early.remove(&new);
                self.tracees.insert(
                    new,
                    Tracee {
                        tgid,
                        waited_ns,
                        proc_state: state,
                        pending: None,
                        awaiting_first_stop: !early,
                    },
                );
                if early {
                    // Its first stop (the SIGSTOP) already came: swallow it by resuming.
                    let _ = sys::resume(new, false, 0);
                }
                sys::resume(pid, false, 0)
            }
            libc::PTRACE_EVENT_EXEC => self.on_exec(pid),
            _ => sys::resume(pid, false, 0),
        }
    }

    /// The key (see `vdso`) of thread `new`, just cloned by `pid` (stopped at the clone event):
    /// the TLS base clone gives it (CLONE_SETTLS), else its creator's; or its id.
    fn new_thread_key(&self, pid: Pid, new: Pid) -> Option<u64> {
        if !self.fs_base_key {
            return Some(new as u64);
        }
        let regs = sys::get_regs(pid).ok()?;
        let (flags, tls) = match regs.orig_rax as i64 {
            nr::CLONE => (regs.rdi, regs.r8),
            nr::CLONE3 => {
                // struct clone_args: flags at 0, tls at 56.
                let b = sys::read_mem(pid, regs.rdi, 64).ok()?;
                let word = |at: usize| -> Option<u64> { Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?)) };
                (word(0)?, word(56)?)
            }
            _ => return None,
        };
        Some(if flags & libc::CLONE_SETTLS as u64 != 0 {
            tls
        } else {
            regs.fs_base
        })
    }

    /// A thread's key (see `vdso`) from its registers.
    fn key(&self, pid: Pid, regs: &Regs) -> u64 {
        if self.fs_base_key {
            regs.fs_base
        } else {
            pid as u64
        }
    }

    /// A clone event is a new thread when the clone flags say CLONE_THREAD.
    fn is_thread_clone(&self, pid: Pid) -> bool {
        let Ok(regs) = sys::get_regs(pid) else { return false };
        let flags = match regs.orig_rax as i64 {
            nr::CLONE => regs.rdi,
            // clone3: flags are the first u64 of struct clone_args.
            nr::CLONE3 => sys::read_mem(pid, regs.rdi, 8)
                .ok()
                .filter(|b| b.len() == 8)
                .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .unwrap_or(0),
            _ => 0,
        };
        flags & libc::CLONE_THREAD as u64 != 0
    }

    fn on_exec(&mut self, pid: Pid) -> std::io::Result<()> {
        // The execing thread now has the thread group's id; every other thread is gone.
        let former = sys::event_msg(pid).map(|m| m as Pid).unwrap_or(pid);
        let tgid = self
            .tracees
            .get(&former)
            .or_else(|| self.tracees.get(&pid))
            .map(|t| t.tgid)
            .unwrap_or(pid);
        self.tracees.retain(|_, t| t.tgid != tgid);
        self.listings.retain(|k, _| k.0 != tgid);
        self.views.remove(&tgid);
        if pid == self.root {
            self.root_execed = true;
        }
        self.stats.execs += 1;
        let regs = sys::get_regs(pid)?;
        let (argv, stack) = read_exec_stack(pid, regs.rsp);
        let mut state = ProcState::at_exec(self.cfg.epoch, self.cfg.step_ns, self.cfg.seed, &argv);
        let mut deliver = 0;
        if let Some(st) = stack {
            if self.cfg.time {
                if let Some(base) = st.vdso {
                    match self.patch_vdso(pid, base, &regs) {
                        Patched::Yes(page, sig) => {
                            state.page = Some(page);
                            state.inject = vdso::own_layout().map(|l| base + vdso::inject_at(l) as u64);
                            deliver = sig;
                            self.stats.vdso_patched += 1;
                        }
                        Patched::Gone => return Ok(()),
                        Patched::No(sig) => deliver = sig,
                    }
                }
            }
            if self.cfg.time && state.page.is_none() {
                for &at in &st.sysinfo_ehdr_at {
                    // AT_SYSINFO_EHDR → AT_IGNORE with value 0: no vDSO, so libc and Go make real
                    // clock syscalls, which the filter stops.
                    let mut entry = [0u8; 16];
                    entry[..8].copy_from_slice(&rewrite::AT_IGNORE.to_le_bytes());
                    if sys::write_mem(pid, regs.rsp + at as u64, &entry).is_ok() {
                        self.stats.vdso_hidden += 1;
                    }
                }
            }
            if self.cfg.random {
                if let Some(addr) = st.random_addr {
                    let mut bytes = [0u8; 16];
                    state.random.fill(&mut bytes);
                    if sys::write_mem(pid, addr, &bytes).is_ok() {
                        self.stats.at_random += 1;
                    }
                }
            }
        }
        self.tracees.insert(
            pid,
            Tracee {
                tgid: pid,
                waited_ns: 0,
                proc_state: Rc::new(RefCell::new(state)),
                pending: None,
                awaiting_first_stop: false,
            },
        );
        sys::resume(pid, false, deliver)
    }

    /// Map a clock data page into `pid` (stopped at its exec, registers `regs`) by making it run
    /// `mmap`, then point its vDSO's clock functions at the stub (see `vdso`). On failure the
    /// process is left as it was, and the caller hides the vDSO instead.
    fn patch_vdso(&mut self, pid: Pid, base: u64, regs: &Regs) -> Patched {
        let Some(l) = vdso::own_layout() else {
            return Patched::No(0);
        };
        // Another image (another ABI, another kernel's in a checkpointed process): leave it.
        match sys::read_mem(pid, base, l.image.len()) {
            Ok(img) if img == l.image => {}
            _ => return Patched::No(0),
        }
        let stub = base + l.stub_at as u64;
        if sys::write_mem(pid, stub, &vdso::INJECT_MMAP).is_err() {
            return Patched::No(0);
        }
        let mut call = *regs;
        call.rip = stub;
        call.rdi = 0;
        call.rsi = vdso::DATA_SIZE as u64;
        call.rdx = (libc::PROT_READ | libc::PROT_WRITE) as u64;
        call.r10 = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        call.r8 = u64::MAX;
        call.r9 = 0;
        // As the program starts: execve returned 0, and no syscall to restart.
        let mut start = *regs;
        start.rax = 0;
        start.orig_rax = u64::MAX;
        let (result, sig) = match sys::set_regs(pid, &call) {
            Ok(()) => self.run_to_trap(pid),
            Err(_) => (None, 0),
        };
        let restore = |pid: Pid| {
            let _ = sys::write_mem(pid, stub, &l.image[l.stub_at..l.stub_at + vdso::INJECT_MMAP.len()]);
            let _ = sys::set_regs(pid, &start);
        };
        let page = match result {
            Some(Some(r)) if (r.rax as i64) > 0 => r.rax,
            Some(_) => {
                restore(pid);
                return Patched::No(sig);
            }
            None => return Patched::Gone,
        };
        let code = vdso::stub_code(stub, base + l.clock_gettime, page, self.fs_base_key);
        let mut ok = sys::write_mem(pid, page, &vdso::data_page(self.cfg.epoch, self.cfg.step_ns)).is_ok()
            && sys::write_mem(pid, stub, &code).is_ok()
            && sys::write_mem(pid, base + vdso::inject_at(l) as u64, &vdso::INJECT_SYSCALL).is_ok();
        for &(at, e) in &l.patches {
            ok = ok && sys::write_mem(pid, base + at as u64, &vdso::symbol_value(l, e).to_le_bytes()).is_ok();
        }
        if !ok {
            // Put every symbol back (a half-patched table would send some calls to the stub).
            for &(at, _) in &l.patches {
                let _ = sys::write_mem(pid, base + at as u64, &l.image[at..at + 8]);
            }
            restore(pid);
            return Patched::No(sig);
        }
        if sys::set_regs(pid, &start).is_err() {
            return Patched::No(sig);
        }
        Patched::Yes(page, sig)
    }

    /// Resume `pid` until its injected code reaches `int3`; its registers then. `None` when it
    /// ended meanwhile (its status is replayed to the main loop), `Some(None)` when registers
    /// cannot be read. Signals that arrive meanwhile are held back and returned, to deliver when
    /// the program starts.
    fn run_to_trap(&mut self, pid: Pid) -> (Option<Option<Regs>>, i32) {
        let mut held = 0;
        if sys::resume(pid, false, 0).is_err() {
            return (Some(None), 0);
        }
        loop {
            let Ok(status) = sys::wait_pid(pid) else {
                return (Some(None), held);
            };
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                self.replay.push((pid, status));
                return (None, held);
            }
            if !libc::WIFSTOPPED(status) {
                continue;
            }
            let sig = libc::WSTOPSIG(status);
            if sig == libc::SIGTRAP && (status >> 16) == 0 {
                return (Some(sys::get_regs(pid).ok()), held);
            }
            if (status >> 16) == 0 && sys::is_signal_delivery(pid) && held == 0 {
                held = sig;
            }
            if sys::resume(pid, false, 0).is_err() {
                return (Some(None), held);
            }
        }
    }

    /// Make the reads of `fd` (just opened on /dev/urandom or /dev/random) by `pid`'s process
    /// stop: the process is made to add a filter that stops them (`filter::read_fd_program`),
    /// for all its threads where it can. `regs`: its registers at this syscall-exit stop, put
    /// back after. The signal to deliver on resuming; `None` when the process ended meanwhile.
    /// Without a data page and injection point (its vDSO was not patched) nothing is done:
    /// its reads of the device are not fixed.
    fn trap_reads(&mut self, pid: Pid, fd: i32, regs: &Regs) -> Option<i32> {
        let Some(t) = self.tracees.get(&pid) else {
            return Some(0);
        };
        let tgid = t.tgid;
        let (page, inject) = {
            let st = t.proc_state.borrow();
            (st.page, st.inject)
        };
        let (Some(page), Some(inject)) = (page, inject) else {
            return Some(0);
        };
        if self.read_traps.contains(&(tgid, fd)) {
            return Some(0);
        }
        let prog = filter::read_fd_program(fd as u32);
        let code: Vec<u8> = prog
            .iter()
            .flat_map(|i| {
                let mut b = [0u8; 8];
                b[..2].copy_from_slice(&i.code.to_le_bytes());
                b[2] = i.jt;
                b[3] = i.jf;
                b[4..].copy_from_slice(&i.k.to_le_bytes());
                b
            })
            .collect();
        let fprog_at = page + vdso::SCRATCH_AT as u64;
        let code_at = fprog_at + 16;
        if code_at as usize + code.len() > (page as usize) + vdso::SCRATCH_END {
            return Some(0);
        }
        let mut fprog = [0u8; 16];
        fprog[..2].copy_from_slice(&(prog.len() as u16).to_le_bytes());
        fprog[8..].copy_from_slice(&code_at.to_le_bytes());
        if sys::write_mem(pid, code_at, &code).is_err() || sys::write_mem(pid, fprog_at, &fprog).is_err() {
            return Some(0);
        }
        let mut held = 0;
        // With TSYNC first (every thread); it fails when a thread's filters differ: then this one.
        for flags in [libc::SECCOMP_FILTER_FLAG_TSYNC, 0] {
            let mut call = *regs;
            call.rip = inject;
            call.rax = nr::SECCOMP as u64;
            call.orig_rax = u64::MAX;
            call.rdi = u64::from(libc::SECCOMP_SET_MODE_FILTER);
            call.rsi = flags;
            call.rdx = fprog_at;
            if sys::set_regs(pid, &call).is_err() {
                return Some(held);
            }
            let (result, sig) = self.run_to_trap(pid);
            if sig != 0 {
                held = sig;
            }
            match result {
                None => return None,
                Some(Some(r)) if r.rax == 0 => {
                    self.read_traps.insert((tgid, fd));
                    self.stats.random_fds += 1;
                    break;
                }
                _ => {}
            }
        }
        let _ = sys::set_regs(pid, regs);
        Some(held)
    }

    fn on_seccomp(&mut self, pid: Pid) -> std::io::Result<()> {
        let mut regs = sys::get_regs(pid)?;
        let Some(t) = self.tracees.get_mut(&pid) else {
            return sys::resume(pid, false, 0);
        };
        let cfg = self.cfg;
        let syscall = regs.orig_rax as i64;
        // Answer the call here: skip it (orig_rax = -1) and set the result in rax.
        let answer = |regs: &mut Regs, result: i64| -> std::io::Result<()> {
            regs.orig_rax = u64::MAX;
            regs.rax = result as u64;
            sys::set_regs(pid, regs)?;
            sys::resume(pid, false, 0)
        };
        let efault = -(libc::EFAULT as i64);
        match syscall {
            nr::CLOCK_GETTIME if cfg.time => {
                self.stats.clock_gettime += 1;
                let (sec, nsec) = with_clock(pid, &t.proc_state, &mut t.waited_ns, Clock::tick);
                let mut ts = [0u8; 16];
                ts[..8].copy_from_slice(&sec.to_le_bytes());
                ts[8..].copy_from_slice(&nsec.to_le_bytes());
                let r = if sys::write_mem(pid, regs.rsi, &ts).is_ok() {
                    0
                } else {
                    efault
                };
                answer(&mut regs, r)
            }
            nr::GETTIMEOFDAY if cfg.time => {
                self.stats.gettimeofday += 1;
                let (sec, nsec) = with_clock(pid, &t.proc_state, &mut t.waited_ns, Clock::tick);
                let mut r = 0;
                if regs.rdi != 0 {
                    let mut tv = [0u8; 16];
                    tv[..8].copy_from_slice(&sec.to_le_bytes());
                    tv[8..].copy_from_slice(&(nsec / 1000).to_le_bytes());
                    if sys::write_mem(pid, regs.rdi, &tv).is_err() {
                        r = efault;
                    }
                }
                if regs.rsi != 0 && sys::write_mem(pid, regs.rsi, &[0u8; 8]).is_err() {
                    r = efault; // struct timezone: UTC, no DST
                }
                answer(&mut regs, r)
            }
            nr::TIME if cfg.time => {
                self.stats.time += 1;
                let (sec, _) = with_clock(pid, &t.proc_state, &mut t.waited_ns, Clock::tick);
                let mut r = sec;
                if regs.rdi != 0 && sys::write_mem(pid, regs.rdi, &sec.to_le_bytes()).is_err() {
                    r = efault;
                }
                answer(&mut regs, r)
            }
            nr::FUTEX
            | nr::NANOSLEEP
            | nr::CLOCK_NANOSLEEP
            | nr::SELECT
            | nr::PSELECT6
            | nr::POLL
            | nr::PPOLL
            | nr::EPOLL_WAIT
            | nr::EPOLL_PWAIT
            | nr::EPOLL_PWAIT2
            | nr::TIMERFD_SETTIME
                if cfg.time =>
            {
                let state = t.proc_state.clone();
                let page = state.borrow().page;
                let last_mono = match (page, syscall) {
                    (Some(page), nr::CLOCK_NANOSLEEP | nr::FUTEX) => {
                        let key = if self.fs_base_key { regs.fs_base } else { pid as u64 };
                        last_monotonic(pid, page, key)
                    }
                    _ => None,
                };
                let own = t.waited_ns;
                match wait_fix(pid, &state, own, last_mono, &regs, syscall) {
                    Some(fix) => {
                        self.stats.waits += 1;
                        if fix.restore.is_some() {
                            self.stats.deadlines += 1;
                        }
                        if let Some(t) = self.tracees.get_mut(&pid) {
                            t.pending = Some(Pending::Wait(fix));
                        }
                        sys::resume(pid, true, 0)
                    }
                    None => sys::resume(pid, false, 0),
                }
            }
            nr::GETRANDOM if cfg.random => {
                // The kernel returns at most 32 MiB - 1 per call; so do we.
                let len = (regs.rsi as usize).min((32 << 20) - 1);
                let mut buf = vec![0u8; len];
                t.proc_state.borrow_mut().random.fill(&mut buf);
                self.stats.getrandom_calls += 1;
                self.stats.getrandom_bytes += len as u64;
                let r = if sys::write_mem(pid, regs.rdi, &buf).is_ok() {
                    len as i64
                } else {
                    efault
                };
                answer(&mut regs, r)
            }
            nr::READ | nr::PREAD64 | nr::READV | nr::PREADV if cfg.random => {
                // Only descriptors that were /dev/urandom or /dev/random stop here; the number
                // may have been closed and reused since.
                if !is_random_device(pid, regs.rdi as i32) {
                    self.stats.other_reads += 1;
                    return sys::resume(pid, false, 0);
                }
                // Where the bytes go: one buffer, or an iovec array (readv, preadv).
                let pieces: Vec<(u64, usize)> = if matches!(syscall, nr::READ | nr::PREAD64) {
                    vec![(regs.rsi, regs.rdx as usize)]
                } else {
                    let n = (regs.rdx as usize).min(1024);
                    let raw = sys::read_mem(pid, regs.rsi, n * 16).unwrap_or_default();
                    raw.chunks_exact(16)
                        .map(|c| {
                            let w = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
                            (w(&c[..8]), w(&c[8..]) as usize)
                        })
                        .collect()
                };
                let mut total = 0usize;
                let mut r = 0;
                for (addr, len) in pieces {
                    // The kernel returns at most 32 MiB - 1 per call; so do we.
                    let len = len.min(((32 << 20) - 1) - total);
                    let mut buf = vec![0u8; len];
                    t.proc_state.borrow_mut().random.fill(&mut buf);
                    if sys::write_mem(pid, addr, &buf).is_err() {
                        r = efault;
                        break;
                    }
                    total += len;
                }
                self.stats.urandom_reads += 1;
                self.stats.urandom_bytes += total as u64;
                answer(&mut regs, if r == 0 { total as i64 } else { r })
            }
            nr::UNAME if cfg.kernel.is_some() => {
                t.pending = Some(Pending::Uname(regs.rdi));
                sys::resume(pid, true, 0)
            }
            nr::DUP | nr::DUP2 | nr::DUP3 | nr::FCNTL if cfg.random => {
                // A copy of a watched descriptor (only those stop here): watch the copy too.
                let dups = syscall != nr::FCNTL || matches!(regs.rsi as i32, libc::F_DUPFD | libc::F_DUPFD_CLOEXEC);
                let watch = dups && is_random_device(pid, regs.rdi as i32);
                if watch {
                    t.pending = Some(Pending::OpenRandom);
                }
                sys::resume(pid, watch, 0)
            }
            nr::OPEN | nr::OPENAT | nr::OPENAT2 if cfg.random => {
                self.stats.opens_seen += 1;
                let at = if syscall == nr::OPEN { regs.rdi } else { regs.rsi };
                // A path that may name the devices (Java opens "/dev/./urandom"): look at the
                // descriptor it gives. Every other open runs on.
                let maybe = sys::read_path(pid, at).is_some_and(|p| p.ends_with(b"random"));
                if maybe {
                    t.pending = Some(Pending::OpenRandom);
                }
                sys::resume(pid, maybe, 0)
            }
            nr::STAT | nr::LSTAT | nr::FSTAT | nr::NEWFSTATAT | nr::STATX if cfg.file_times || cfg.inodes => {
                self.stats.stat_calls += 1;
                let tgid = t.tgid;
                if let Some(r) = self.emulate_stat(pid, tgid, syscall, &regs) {
                    self.stats.stat_answered += 1;
                    return answer(&mut regs, r);
                }
                let Some(t) = self.tracees.get_mut(&pid) else {
                    return sys::resume(pid, false, 0);
                };
                let at = NameSrc::At {
                    dirfd: regs.rdi as i32,
                    path: regs.rsi,
                };
                let cwd = NameSrc::At {
                    dirfd: libc::AT_FDCWD,
                    path: regs.rdi,
                };
                t.pending = Some(match syscall {
                    nr::STAT | nr::LSTAT => Pending::Stat(regs.rsi, cwd),
                    nr::FSTAT => Pending::Stat(regs.rsi, NameSrc::Fd(regs.rdi as i32)),
                    nr::NEWFSTATAT => Pending::Stat(regs.rdx, at),
                    _ => Pending::Statx(regs.r8, at),
                });
                // Let it run; fix the result at the syscall-exit stop.
                sys::resume(pid, true, 0)
            }
            nr::GETDENTS64 if !cfg.dir_order && cfg.inodes => {
                t.pending = Some(Pending::Dents {
                    addr: regs.rsi,
                    fd: regs.rdi as i32,
                    sort: false,
                });
                sys::resume(pid, true, 0)
            }
            nr::GETDENTS64 if cfg.dir_order => {
                self.stats.getdents_calls += 1;
                let tgid = t.tgid;
                match self.serve_listing(pid, tgid, regs.rdi as i32, regs.rdx as usize) {
                    Some((rewrite::Batch::End, _)) => answer(&mut regs, 0),
                    Some((rewrite::Batch::TooSmall, _)) => answer(&mut regs, -(libc::EINVAL as i64)),
                    Some((rewrite::Batch::Records { bytes, next }, dup)) => {
                        if sys::write_mem(pid, regs.rsi, &bytes).is_err() {
                            return answer(&mut regs, efault);
                        }
                        self.stats.getdents_sorted += 1;
                        // The file position is our cookie (the index in the sorted listing), so
                        // rewinddir (lseek 0) and seekdir work: moved here through the copy of
                        // the fd, which shares it, and the call answered at this one stop.
                        if let Some(d) = dup {
                            use std::os::fd::AsRawFd;
                            // SAFETY: lseek on our own fd.
                            if unsafe { libc::lseek(d.as_raw_fd(), next as libc::off_t, libc::SEEK_SET) } >= 0 {
                                return answer(&mut regs, bytes.len() as i64);
                            }
                        }
                        // Without a copy: lseek(fd, next, SEEK_SET) runs in place of getdents64.
                        let pending = Pending::Served {
                            len: bytes.len() as u64,
                            rsi: regs.rsi,
                            rdx: regs.rdx,
                        };
                        regs.orig_rax = LSEEK;
                        regs.rsi = next;
                        regs.rdx = libc::SEEK_SET as u64;
                        sys::set_regs(pid, &regs)?;
                        if let Some(t) = self.tracees.get_mut(&pid) {
                            t.pending = Some(pending);
                        }
                        sys::resume(pid, true, 0)
                    }
                    None => {
                        // Not a directory we could list: the real call, its result sorted.
                        if let Some(t) = self.tracees.get_mut(&pid) {
                            t.pending = Some(Pending::Dents {
                                addr: regs.rsi,
                                fd: regs.rdi as i32,
                                sort: true,
                            });
                        }
                        sys::resume(pid, true, 0)
                    }
                }
            }
            _ => sys::resume(pid, false, 0),
        }
    }

    fn on_syscall_exit(&mut self, pid: Pid) -> std::io::Result<()> {
        let pending = self.tracees.get_mut(&pid).and_then(|t| t.pending.take());
        let Some(p) = pending else {
            return sys::resume(pid, false, 0);
        };
        let mut regs = sys::get_regs(pid)?;
        if let Pending::Served { len, rsi, rdx } = p {
            // lseek failed (a file system refusing the position): pass its error on rather than
            // serve the same records again.
            if (regs.rax as i64) >= 0 {
                regs.rax = len;
            }
            regs.rsi = rsi;
            regs.rdx = rdx;
            sys::set_regs(pid, &regs)?;
            return sys::resume(pid, false, 0);
        }
        let ret = regs.rax as i64;
        match p {
            Pending::Stat(addr, src) | Pending::Statx(addr, src) if ret == 0 => {
                let is_stat = matches!(p, Pending::Stat(..));
                let len = if is_stat { STAT_LEN } else { STATX_LEN };
                if let Ok(mut bytes) = sys::read_mem(pid, addr, len) {
                    if bytes.len() == len && self.fix_stat(pid, &mut bytes, src, is_stat) {
                        let _ = sys::write_mem(pid, addr, &bytes);
                    }
                }
            }
            Pending::OpenRandom if ret >= 0 && is_random_device(pid, ret as i32) => {
                match self.trap_reads(pid, ret as i32, &regs) {
                    Some(sig) => return sys::resume(pid, false, sig),
                    None => return Ok(()), // ended meanwhile: its exit is replayed
                }
            }
            Pending::Uname(addr) if ret == 0 => {
                if let Some((release, version)) = &self.cfg.kernel {
                    // struct utsname: six fields of 65 bytes; release is the third, version the fourth.
                    for (at, v) in [(130u64, release), (195, version)] {
                        let mut field = [0u8; 65];
                        let b = v.as_bytes();
                        field[..b.len().min(64)].copy_from_slice(&b[..b.len().min(64)]);
                        let _ = sys::write_mem(pid, addr + at, &field);
                    }
                }
            }
            Pending::Wait(fix) => {
                if let Some((addr, orig)) = fix.restore {
                    let _ = sys::write_mem(pid, addr, &orig);
                }
                if let (true, Some(t)) = (ret == fix.done, self.tracees.get(&pid)) {
                    let (state, mut own) = (t.proc_state.clone(), t.waited_ns);
                    with_clock(pid, &state, &mut own, |c| match fix.advance {
                        Advance::By(d) => c.advance_by(d),
                        Advance::To(v) => c.advance_to(v),
                        Advance::None => {}
                    });
                    let page = state.borrow().page;
                    if let Some(page) = page {
                        if !put_slot(pid, page, self.key(pid, &regs), own) {
                            // No room for this thread's own count: all threads' clocks move.
                            let mut all = own;
                            with_clock(pid, &state, &mut all, Clock::share_own);
                            own = 0;
                        }
                    }
                    if let Some(t) = self.tracees.get_mut(&pid) {
                        t.waited_ns = own;
                    }
                }
            }
            Pending::Dents { addr, fd, sort } if ret > 0 => {
                if let Ok(buf) = sys::read_mem(pid, addr, ret as usize) {
                    if buf.len() == ret as usize {
                        let mut out = if sort { rewrite::sort_dirents(&buf) } else { None };
                        if self.cfg.inodes {
                            let mut recs = rewrite::split_dirents(out.as_deref().unwrap_or(&buf)).unwrap_or_default();
                            let link = format!("/proc/{pid}/fd/{fd}");
                            if self.renumber_dirents(&link, &mut recs) {
                                out = Some(recs.concat());
                            }
                        }
                        if let Some(out) = out.filter(|o| o.len() == buf.len()) {
                            if sys::write_mem(pid, addr, &out).is_ok() && sort {
                                self.stats.getdents_sorted += 1;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        sys::resume(pid, false, 0)
    }
}

const LSEEK: u64 = 8;
/// sizeof(struct stat) and sizeof(struct statx) on x86_64.
const STAT_LEN: usize = 144;
const STATX_LEN: usize = 256;

/// Run `f` on the clock of the process `pid` belongs to, as thread `pid` reads it (`own`: what
/// it waited, updated): the one in its data page when it has one (what the vDSO stub reads),
/// else the supervisor's.
fn with_clock<R>(pid: Pid, state: &RefCell<ProcState>, own: &mut u64, f: impl FnOnce(&mut Clock) -> R) -> R {
    let page = state.borrow().page;
    if let Some(addr) = page {
        let read = sys::read_mem(pid, addr, vdso::DATA_LEN).ok();
        if let Some(mut c) = read.and_then(|b| Clock::from_page(&b)) {
            c.own_ns = *own;
            let r = f(&mut c);
            *own = c.own_ns;
            let _ = sys::write_mem(pid, addr, &c.to_page());
            return r;
        }
    }
    let mut st = state.borrow_mut();
    st.clock.own_ns = *own;
    let r = f(&mut st.clock);
    *own = st.clock.own_ns;
    r
}

/// Write what the thread with `key` waited into its slot of the data pages at `page` (through
/// `pid`'s memory), taking a free slot when it has none. `false` when there is no room.
fn put_slot(pid: Pid, page: u64, key: u64, waited: u64) -> bool {
    let Ok(slots) = sys::read_mem(pid, page + vdso::SLOTS_AT as u64, vdso::SLOTS * vdso::SLOT_LEN) else {
        return false;
    };
    let at = match vdso::find_slot(&slots, key) {
        Ok(at) | Err(Some(at)) => at,
        Err(None) => return false,
    };
    let mut slot = [0u8; 16];
    slot[..8].copy_from_slice(&key.to_le_bytes());
    slot[8..].copy_from_slice(&waited.to_le_bytes());
    sys::write_mem(pid, page + at as u64, &slot).is_ok()
}

/// The thread's last CLOCK_MONOTONIC reading kept in its slot by the stub, in nanoseconds.
fn last_monotonic(pid: Pid, page: u64, key: u64) -> Option<i128> {
    let slots = sys::read_mem(pid, page + vdso::SLOTS_AT as u64, vdso::SLOTS * vdso::SLOT_LEN).ok()?;
    let at = vdso::find_slot(&slots, key).ok()? - vdso::SLOTS_AT;
    let ns = rewrite::timespec_ns(slots.get(at + 16..at + 32)?)?;
    (ns > 0).then_some(ns)
}

/// The real time of `clock` now, in nanoseconds.
fn real_now(clock: i32) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

fn is_realtime(clock: i32) -> bool {
    clock >= 0 && filter::REALTIME_CLOCKS.contains(&(clock as u32))
}

/// What to do about a wait with a timeout (see [`WaitFix`]): a realtime deadline is a time on
/// the virtual clock and becomes the real time as far ahead; a relative or monotonic timeout
/// stays, and moves the virtual clock on by its length when it runs out. `None`: nothing to do.
fn wait_fix(
    pid: Pid,
    state: &RefCell<ProcState>,
    own: u64,
    last_mono: Option<i128>,
    regs: &Regs,
    syscall: i64,
) -> Option<WaitFix> {
    let read_ts = |addr: u64| -> Option<i128> { rewrite::timespec_ns(&sys::read_mem(pid, addr, 16).ok()?) };
    let by = |d: Option<i128>, done: i64| {
        d.map(|d| WaitFix {
            restore: None,
            done,
            advance: Advance::By(d),
        })
    };
    let ms = |v: u64| by(Some(i128::from(v as i32) * 1_000_000), 0);
    // A deadline on `clock` at `addr`: the real deadline as far ahead as the virtual one is.
    let deadline = |clock: i32, addr: u64, done: i64, moves_clock: bool| -> Option<WaitFix> {
        let bytes = sys::read_mem(pid, addr, 16).ok()?;
        let orig: [u8; 16] = bytes.as_slice().try_into().ok()?;
        let virt = rewrite::timespec_ns(&orig)?;
        let ahead = (virt - with_clock(pid, state, &mut own.clone(), |c| c.now_ns())).max(0);
        sys::write_mem(pid, addr, &rewrite::ns_timespec(real_now(clock) + ahead)).ok()?;
        Some(WaitFix {
            restore: Some((addr, orig)),
            done,
            advance: if moves_clock { Advance::To(virt) } else { Advance::None },
        })
    };
    let timedout = -(libc::ETIMEDOUT as i64);
    match syscall {
        nr::NANOSLEEP => by(read_ts(regs.rdi), 0),
        nr::CLOCK_NANOSLEEP => {
            let clock = regs.rdi as i32;
            let absolute = regs.rsi & libc::TIMER_ABSTIME as u64 != 0;
            match (is_realtime(clock), absolute) {
                (true, true) => deadline(clock, regs.rdx, 0, true),
                (_, false) => by(read_ts(regs.rdx), 0),
                (false, true) if matches!(clock, libc::CLOCK_MONOTONIC | libc::CLOCK_BOOTTIME) => {
                    by(Some(monotonic_wait(read_ts(regs.rdx)?, clock, last_mono)), 0)
                }
                _ => None,
            }
        }
        nr::SELECT => {
            let b = sys::read_mem(pid, regs.r8, 16).ok()?;
            let tv = rewrite::timespec_ns(&b)?; // (seconds, microseconds)
            let (sec, usec) = (tv.div_euclid(1_000_000_000), tv.rem_euclid(1_000_000_000));
            by(Some(sec * 1_000_000_000 + usec * 1000), 0)
        }
        nr::PSELECT6 => by(read_ts(regs.r8), 0),
        nr::PPOLL => by(read_ts(regs.rdx), 0),
        nr::EPOLL_PWAIT2 => by(read_ts(regs.r10), 0),
        nr::POLL => ms(regs.rdx),
        nr::EPOLL_WAIT | nr::EPOLL_PWAIT => ms(regs.r10),
        nr::FUTEX if regs.r10 != 0 => {
            let op = regs.rsi as u32;
            let realtime = op & filter::FUTEX_CLOCK_REALTIME != 0;
            match op & filter::FUTEX_CMD_MASK {
                // LOCK_PI: always a realtime deadline. WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2: a
                // deadline on the clock the flag names. WAIT: relative.
                filter::FUTEX_LOCK_PI => deadline(libc::CLOCK_REALTIME, regs.r10, timedout, true),
                filter::FUTEX_WAIT_BITSET | filter::FUTEX_WAIT_REQUEUE_PI | filter::FUTEX_LOCK_PI2 if realtime => {
                    deadline(libc::CLOCK_REALTIME, regs.r10, timedout, true)
                }
                0 if realtime => by(read_ts(regs.r10), timedout),
                // A monotonic deadline.
                filter::FUTEX_WAIT_BITSET | filter::FUTEX_WAIT_REQUEUE_PI | filter::FUTEX_LOCK_PI2 => by(
                    Some(monotonic_wait(read_ts(regs.r10)?, libc::CLOCK_MONOTONIC, last_mono)),
                    timedout,
                ),
                _ => None,
            }
        }
        nr::TIMERFD_SETTIME => {
            // An absolute expiry on a realtime timerfd: it_value, after it_interval.
            let clock = fd_clock(pid, regs.rdi as i32)?;
            if !is_realtime(clock) || read_ts(regs.rdx + 16)? == 0 {
                return None;
            }
            deadline(clock, regs.rdx + 16, i64::MIN, false)
        }
        _ => None,
    }
}

/// How long a wait until `deadline` on a monotonic clock is: from the thread's last reading of
/// CLOCK_MONOTONIC when the deadline is after it (the deadline was that reading plus a length,
/// which is then exact in every run), else from now, to the millisecond.
fn monotonic_wait(deadline: i128, clock: i32, last: Option<i128>) -> i128 {
    match last {
        Some(l) if clock == libc::CLOCK_MONOTONIC && deadline >= l => deadline - l,
        _ => ((deadline - real_now(clock)).max(0) + 999_999) / 1_000_000 * 1_000_000,
    }
}

/// The clock of a timerfd (the "clockid:" line of /proc/PID/fdinfo/FD).
fn fd_clock(pid: Pid, fd: i32) -> Option<i32> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("clockid:"))
        .and_then(|v| v.trim().parse().ok())
}

/// What the supervisor needs to look at files for a thread group as it would: its id maps.
/// Looked at once per program; `None` when its root is not the supervisor's (a chroot, another
/// mount namespace: paths would mean other files) or the maps cannot be read.
#[derive(Clone)]
struct View {
    uids: Vec<(u32, u32, u32)>,
    gids: Vec<(u32, u32, u32)>,
}

impl View {
    fn of(pid: Pid) -> Option<View> {
        if std::fs::read_link(format!("/proc/{pid}/root")).ok()? != std::path::Path::new("/") {
            return None;
        }
        let map = |f: &str| -> Option<Vec<(u32, u32, u32)>> {
            Some(rewrite::parse_id_map(
                &std::fs::read_to_string(format!("/proc/{pid}/{f}")).ok()?,
            ))
        };
        Some(View {
            uids: map("uid_map")?,
            gids: map("gid_map")?,
        })
    }
}

/// How patching a process's vDSO went; each carries a signal held back meanwhile (0 = none).
enum Patched {
    Yes(u64, i32),
    No(i32),
    /// The process ended while it ran the injected code.
    Gone,
}

impl Supervisor<'_> {
    /// The next getdents64 answer for `fd` of `pid` from its directory's sorted listing, loaded
    /// when the position is 0 or the fd now names another directory; with the copy of the fd it
    /// was read through (to move the position), when one could be taken. The directory is read
    /// through that copy, else through /proc/PID/fd/FD. `None` when the fd is not a directory
    /// the supervisor can read: the real call runs.
    fn serve_listing(
        &mut self,
        pid: Pid,
        tgid: Pid,
        fd: i32,
        count: usize,
    ) -> Option<(rewrite::Batch, Option<std::os::fd::OwnedFd>)> {
        use std::os::fd::AsRawFd;
        let link = std::ffi::CString::new(format!("/proc/{pid}/fd/{fd}")).ok()?;
        let dup = self.tracee_fd(tgid, fd);
        // SAFETY: st is plain data; stat writes one.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let pos = match &dup {
            Some(d) => {
                // SAFETY: our own fd; st is valid.
                let (pos, r) = unsafe {
                    (
                        libc::lseek(d.as_raw_fd(), 0, libc::SEEK_CUR),
                        libc::fstat(d.as_raw_fd(), &mut st),
                    )
                };
                if pos < 0 || r != 0 {
                    return None;
                }
                pos as u64
            }
            None => {
                let pos = fd_position(pid, fd)?;
                // SAFETY: link is NUL-terminated, st valid.
                if unsafe { libc::stat(link.as_ptr(), &mut st) } != 0 {
                    return None;
                }
                pos
            }
        };
        if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return None;
        }
        let key = (tgid, fd);
        let fresh = match self.listings.get(&key) {
            Some(l) => pos == 0 || l.dev != st.st_dev || l.ino != st.st_ino,
            None => true,
        };
        if fresh {
            let mut records = match &dup {
                Some(d) => read_dir_records(d.as_raw_fd(), c".")?,
                None => read_dir_records(libc::AT_FDCWD, &link)?,
            };
            rewrite::sort_records(&mut records);
            if self.cfg.dir_reverse {
                records.reverse();
            }
            if self.cfg.inodes {
                if let Ok(dir) = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")) {
                    self.renumber_dirents_in(&dir, st.st_dev, &mut records);
                }
            }
            self.listings.insert(
                key,
                Listing {
                    dev: st.st_dev,
                    ino: st.st_ino,
                    records,
                },
            );
        }
        let l = self.listings.get(&key)?;
        Some((rewrite::batch(&l.records, pos, count), dup))
    }
}

impl Supervisor<'_> {
    /// Rewrite a `struct stat` (`is_stat`) or `struct statx` as the build sees it: times (see
    /// `rewrite::FileTimes`), inode and device numbers (see `rewrite::Inodes`; `src` names the
    /// file at its first sight). Returns whether anything changed.
    fn fix_stat(&mut self, pid: Pid, bytes: &mut [u8], src: NameSrc, is_stat: bool) -> bool {
        let mut changed = false;
        if self.cfg.file_times {
            let (off, len) = if is_stat {
                (rewrite::STAT_TIMES_OFFSET, rewrite::STAT_TIMES_LEN)
            } else {
                (rewrite::STATX_TIMES_OFFSET, rewrite::STATX_TIMES_LEN)
            };
            if let Some(times) = bytes.get_mut(off..off + len) {
                let c = if is_stat {
                    self.file_times.stat(times)
                } else {
                    self.file_times.statx(times)
                };
                if c {
                    self.stats.stat_clamped += 1;
                    changed = true;
                }
            }
        }
        if self.cfg.inodes {
            let (ino_at, dev_at) = if is_stat {
                (rewrite::STAT_INO, rewrite::STAT_DEV)
            } else {
                (rewrite::STATX_INO, rewrite::STATX_DEV)
            };
            let word = |at: usize| -> Option<u64> { Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?)) };
            let (Some(ino), Some(dev_raw)) = (word(ino_at), word(dev_at)) else {
                return changed;
            };
            // statx: major and minor as two u32s; stat: packed.
            let dev = if is_stat {
                dev_raw
            } else {
                rewrite::makedev(dev_raw as u32, (dev_raw >> 32) as u32)
            };
            let before = self.inodes.len();
            let roots = &self.roots;
            let v = self.inodes.ino(dev, ino, || name_of(pid, src, roots));
            self.stats.inodes += (self.inodes.len() - before) as u64;
            let d = self.inodes.dev(dev);
            let dev_out = if is_stat {
                rewrite::makedev(0, d)
            } else {
                u64::from(d) << 32 // major 0, minor d
            };
            bytes[ino_at..ino_at + 8].copy_from_slice(&u64::from(v).to_le_bytes());
            bytes[dev_at..dev_at + 8].copy_from_slice(&dev_out.to_le_bytes());
            changed = true;
        }
        changed
    }

    /// A copy of the tracee's file descriptor `fd` (thread group `tgid`).
    fn tracee_fd(&mut self, tgid: Pid, fd: i32) -> Option<std::os::fd::OwnedFd> {
        let pidfd = match self.pidfds.entry(tgid) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(sys::pidfd_open(tgid).ok()?),
        };
        sys::pidfd_getfd(pidfd, fd).ok()
    }

    /// Answer a stat call at its first stop: make it here, on the same file (through a copy of
    /// the tracee's fd, or its working directory), rewrite the result and write it to the
    /// tracee; one stop instead of two (entry and return). The result, or `None` to let the
    /// kernel run it (under --build-path or a chroot, where paths mean other files here; a path
    /// that cannot be read; an fd that cannot be copied), which keeps its errors exact.
    fn emulate_stat(&mut self, pid: Pid, tgid: Pid, syscall: i64, regs: &Regs) -> Option<i64> {
        use std::os::fd::AsRawFd;
        if self.cfg.build_path.is_some() {
            return None;
        }
        let (dirfd, path_at, buf, flags, mask) = match syscall {
            nr::STAT => (libc::AT_FDCWD, Some(regs.rdi), regs.rsi, 0, 0),
            nr::LSTAT => (libc::AT_FDCWD, Some(regs.rdi), regs.rsi, libc::AT_SYMLINK_NOFOLLOW, 0),
            nr::FSTAT => (regs.rdi as i32, None, regs.rsi, libc::AT_EMPTY_PATH, 0),
            nr::NEWFSTATAT => (regs.rdi as i32, Some(regs.rsi), regs.rdx, regs.r10 as i32, 0),
            _ => (
                regs.rdi as i32,
                Some(regs.rsi),
                regs.r8,
                regs.rdx as i32,
                regs.r10 as u32,
            ),
        };
        let path = match path_at {
            Some(a) => sys::read_path(pid, a)?,
            None => Vec::new(),
        };
        // Its root must be ours for its absolute paths and symlinks to mean the same files.
        let view = self.views.entry(tgid).or_insert_with(|| View::of(pid)).clone()?;
        let dir = if path.first() == Some(&b'/') {
            None
        } else if dirfd == libc::AT_FDCWD {
            let cwd = std::ffi::CString::new(format!("/proc/{pid}/cwd")).ok()?;
            // SAFETY: a NUL-terminated path; the fd is ours.
            let fd = unsafe { libc::open(cwd.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
            if fd < 0 {
                return None;
            }
            // SAFETY: a new fd we own.
            Some(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) })
        } else {
            Some(self.tracee_fd(tgid, dirfd)?)
        };
        let at = dir.as_ref().map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
        let cpath = std::ffi::CString::new(path).ok()?;
        let is_stat = syscall != nr::STATX;
        let mut bytes = vec![0u8; if is_stat { STAT_LEN } else { STATX_LEN }];
        // SAFETY: bytes is large enough for the struct each call writes; cpath is NUL-terminated.
        let r = unsafe {
            if is_stat {
                libc::fstatat(at, cpath.as_ptr(), bytes.as_mut_ptr() as *mut libc::stat, flags)
            } else {
                libc::statx(at, cpath.as_ptr(), flags, mask, bytes.as_mut_ptr() as *mut libc::statx)
            }
        };
        if r != 0 {
            return Some(-i64::from(
                std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO),
            ));
        }
        let src = match path_at {
            Some(p) => NameSrc::At { dirfd, path: p },
            None => NameSrc::Fd(dirfd),
        };
        // Owners as the kernel reports them inside the tracee's user namespace.
        let (uid_at, gid_at) = if is_stat { (28, 32) } else { (20, 24) };
        for (at, map) in [(uid_at, &view.uids), (gid_at, &view.gids)] {
            let id = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
            bytes[at..at + 4].copy_from_slice(&rewrite::id_inside(id, map).to_le_bytes());
        }
        self.fix_stat(pid, &mut bytes, src, is_stat);
        Some(match sys::write_mem(pid, buf, &bytes) {
            Ok(()) => 0,
            Err(_) => -i64::from(libc::EFAULT),
        })
    }

    /// Give each entry of a listing of the directory behind `link` its inode number. `false`
    /// when the directory cannot be looked at (the entries stay as they are).
    fn renumber_dirents(&mut self, link: &str, recs: &mut [Vec<u8>]) -> bool {
        let Ok(dir) = std::fs::read_link(link) else {
            return false;
        };
        let Ok(meta) = std::fs::metadata(link) else {
            return false;
        };
        use std::os::unix::fs::MetadataExt;
        self.renumber_dirents_in(&dir, meta.dev(), recs)
    }

    /// The same for the directory at `dir` on device `dev`.
    fn renumber_dirents_in(&mut self, dir: &std::path::Path, dev: u64, recs: &mut [Vec<u8>]) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let dir = dir.as_os_str().as_bytes();
        if dir.first() != Some(&b'/') {
            return false;
        }
        let before = self.inodes.len();
        for r in recs.iter_mut() {
            if r.len() < 8 {
                continue;
            }
            let ino = u64::from_le_bytes(r[..8].try_into().unwrap_or([0; 8]));
            let name = rewrite::file_name(dir, rewrite::dirent_name(r), &self.roots);
            let v = self.inodes.ino(dev, ino, || Some(name));
            r[..8].copy_from_slice(&u64::from(v).to_le_bytes());
        }
        self.stats.inodes += (self.inodes.len() - before) as u64;
        true
    }
}

/// The name of the file a stat call looked at, for numbering (see `rewrite::file_name`):
/// `None` for what has no path (pipes, sockets).
fn name_of(pid: Pid, src: NameSrc, roots: &[Vec<u8>]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let link = |p: String| -> Option<Vec<u8>> {
        let l = std::fs::read_link(p).ok()?.as_os_str().as_bytes().to_vec();
        (l.first() == Some(&b'/')).then_some(l)
    };
    match src {
        NameSrc::Fd(fd) => Some(rewrite::file_name(b"/", &link(format!("/proc/{pid}/fd/{fd}"))?, roots)),
        NameSrc::At { dirfd, path } => {
            let p = sys::read_cstr(pid, path, 4096);
            if p.is_empty() {
                return name_of(pid, NameSrc::Fd(dirfd), roots); // AT_EMPTY_PATH
            }
            if p[0] == b'/' {
                return Some(rewrite::file_name(b"/", &p, roots));
            }
            let base = if dirfd == libc::AT_FDCWD {
                link(format!("/proc/{pid}/cwd"))?
            } else {
                link(format!("/proc/{pid}/fd/{dirfd}"))?
            };
            Some(rewrite::file_name(&base, &p, roots))
        }
    }
}

/// The file position of `fd` in `pid` (the "pos:" line of /proc/PID/fdinfo/FD).
fn fd_position(pid: Pid, fd: i32) -> Option<u64> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("pos:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Every record of the directory `path` names from `dirfd`, read with getdents64 on a fresh
/// open of it (its own file position).
fn read_dir_records(dirfd: libc::c_int, path: &std::ffi::CStr) -> Option<Vec<Vec<u8>>> {
    // SAFETY: path is NUL-terminated.
    let fd = unsafe {
        libc::openat(
            dirfd,
            path.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return None;
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let ok = loop {
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) };
        if n < 0 {
            break false;
        }
        if n == 0 {
            break true;
        }
        match rewrite::split_dirents(&buf[..n as usize]) {
            Some(recs) => out.extend(recs),
            None => break false,
        }
    };
    // SAFETY: our own fd.
    unsafe { libc::close(fd) };
    ok.then_some(out)
}

/// Whether `fd` of `pid` is /dev/urandom or /dev/random (looked up at each read: no fd tracking
/// through dup, fork and close to get wrong).
fn is_random_device(pid: Pid, fd: i32) -> bool {
    if fd < 0 {
        return false;
    }
    let link = format!("/proc/{pid}/fd/{fd}");
    let mut buf = [0u8; 16];
    let c = match std::ffi::CString::new(link) {
        Ok(c) => c,
        Err(_) => return false,
    };
    // SAFETY: buf is valid for its length; readlink does not NUL-terminate, n says the length.
    let n = unsafe { libc::readlink(c.as_ptr(), buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    n > 0 && matches!(&buf[..n as usize], b"/dev/urandom" | b"/dev/random")
}

/// Read the new program's initial stack: its argv strings (the key of its streams) and where the
/// auxv entries are. Reads more when the first piece is too short (a big environment).
fn read_exec_stack(pid: Pid, rsp: u64) -> (Vec<Vec<u8>>, Option<rewrite::ExecStack>) {
    let mut len = 16 << 10;
    loop {
        let Ok(bytes) = sys::read_mem(pid, rsp, len) else {
            return (Vec::new(), None);
        };
        if let Some(st) = rewrite::parse_exec_stack(&bytes) {
            let mut total = 0;
            let mut argv = Vec::new();
            for &a in &st.argv {
                if total > 256 << 10 {
                    break; // enough to tell commands apart
                }
                let s = sys::read_cstr(pid, a, 64 << 10);
                total += s.len();
                argv.push(s);
            }
            return (argv, Some(st));
        }
        if bytes.len() < len || len >= 8 << 20 {
            return (Vec::new(), None);
        }
        len *= 4;
    }
}
