//! The supervisor loop: one waitpid(-1, __WALL) for every tracee (each thread is one), answering
//! seccomp stops, fixing results at syscall-exit stops, rewriting the auxv at each exec, and
//! passing signals through. A tracee that vanishes between two stops (ESRCH) is simply dropped
//! when its exit is reported: the loop never waits on one particular tracee.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::filter::nr;
use crate::rewrite::{self, ProcState};
use crate::spawn::{child_error, Child};
use crate::sys::{self, Pid, Regs};
use crate::{Config, Error, Exit, Outcome, Stats};

/// A fix to apply when the syscall returns.
#[derive(Clone, Copy)]
enum Pending {
    /// `struct stat` at this address.
    Stat(u64),
    /// `struct statx` at this address.
    Statx(u64),
    /// getdents64 buffer at this address (sorted per result: the fallback).
    Dents(u64),
    /// getdents64 answered from a sorted listing and turned into lseek(fd, next): on return, the
    /// result is `len` and the argument registers the caller expects unchanged are restored.
    Served { len: u64, rsi: u64, rdx: u64 },
}

/// A directory's whole listing, sorted, as served to one process for one fd.
struct Listing {
    dev: u64,
    ino: u64,
    records: Vec<Vec<u8>>,
}

struct Tracee {
    tgid: Pid,
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
    /// The real time the run began (seconds, nanoseconds): file times from then on were written
    /// by the build (see `rewrite::clamp_time`).
    started: (i64, i64),
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
        // Only file times need it, and it waits up to a tick.
        started: if cfg.file_times { file_clock_tick() } else { (0, 0) },
    };
    let initial = ProcState::at_exec(cfg.epoch, cfg.step_ns, cfg.seed, &[]);
    s.tracees.insert(
        child.pid,
        Tracee {
            tgid: child.pid,
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
            let (pid, status) = match sys::wait_any() {
                Ok(Some(r)) => r,
                Ok(None) => continue, // EINTR: look at the signal flags
                Err(_) => break,      // ECHILD: nothing left
            };
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                self.early.remove(&pid);
                if let Some(t) = self.tracees.remove(&pid) {
                    if t.pending.is_some() {
                        self.stats.vanished += 1;
                    }
                    if t.tgid == pid {
                        self.listings.retain(|k, _| k.0 != pid);
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
                let (tgid, state) = match self.tracees.get(&pid) {
                    Some(p) if thread => (p.tgid, p.proc_state.clone()),
                    // fork: the child starts with a copy of the parent's clock and random state.
                    Some(p) => (new, Rc::new(RefCell::new(p.proc_state.borrow().clone()))),
                    None => return sys::resume(pid, false, 0),
                };
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
        if pid == self.root {
            self.root_execed = true;
        }
        self.stats.execs += 1;
        let regs = sys::get_regs(pid)?;
        let (argv, stack) = read_exec_stack(pid, regs.rsp);
        let mut state = ProcState::at_exec(self.cfg.epoch, self.cfg.step_ns, self.cfg.seed, &argv);
        if let Some(st) = stack {
            if self.cfg.time {
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
                proc_state: Rc::new(RefCell::new(state)),
                pending: None,
                awaiting_first_stop: false,
            },
        );
        sys::resume(pid, false, 0)
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
                let (sec, nsec) = t.proc_state.borrow_mut().clock.tick();
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
                let (sec, nsec) = t.proc_state.borrow_mut().clock.tick();
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
                let (sec, _) = t.proc_state.borrow_mut().clock.tick();
                let mut r = sec;
                if regs.rdi != 0 && sys::write_mem(pid, regs.rdi, &sec.to_le_bytes()).is_err() {
                    r = efault;
                }
                answer(&mut regs, r)
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
            nr::READ if cfg.random => {
                if !is_random_device(pid, regs.rdi as i32) {
                    self.stats.other_reads += 1;
                    return sys::resume(pid, false, 0);
                }
                let len = (regs.rdx as usize).min((32 << 20) - 1);
                let mut buf = vec![0u8; len];
                t.proc_state.borrow_mut().random.fill(&mut buf);
                self.stats.urandom_reads += 1;
                self.stats.urandom_bytes += len as u64;
                let r = if sys::write_mem(pid, regs.rsi, &buf).is_ok() {
                    len as i64
                } else {
                    efault
                };
                answer(&mut regs, r)
            }
            nr::STAT | nr::LSTAT | nr::FSTAT | nr::NEWFSTATAT | nr::STATX if cfg.file_times => {
                self.stats.stat_calls += 1;
                t.pending = Some(match syscall {
                    nr::STAT | nr::LSTAT | nr::FSTAT => Pending::Stat(regs.rsi),
                    nr::NEWFSTATAT => Pending::Stat(regs.rdx),
                    _ => Pending::Statx(regs.r8),
                });
                // Let it run; fix the result at the syscall-exit stop.
                sys::resume(pid, true, 0)
            }
            nr::GETDENTS64 if cfg.dir_order => {
                self.stats.getdents_calls += 1;
                let tgid = t.tgid;
                match self.serve_listing(pid, tgid, regs.rdi as i32, regs.rdx as usize) {
                    Some(rewrite::Batch::End) => answer(&mut regs, 0),
                    Some(rewrite::Batch::TooSmall) => answer(&mut regs, -(libc::EINVAL as i64)),
                    Some(rewrite::Batch::Records { bytes, next }) => {
                        if sys::write_mem(pid, regs.rsi, &bytes).is_err() {
                            return answer(&mut regs, efault);
                        }
                        self.stats.getdents_sorted += 1;
                        // Keep the kernel's file position as our cookie: lseek(fd, next, SEEK_SET)
                        // runs in place of getdents64, so rewinddir (lseek 0) and seekdir work.
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
                            t.pending = Some(Pending::Dents(regs.rsi));
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
        let epoch = self.cfg.epoch;
        match p {
            Pending::Stat(addr) | Pending::Statx(addr) if ret == 0 => {
                let (off, len) = match p {
                    Pending::Stat(_) => (rewrite::STAT_TIMES_OFFSET, rewrite::STAT_TIMES_LEN),
                    _ => (rewrite::STATX_TIMES_OFFSET, rewrite::STATX_TIMES_LEN),
                };
                let at = addr + off as u64;
                if let Ok(mut times) = sys::read_mem(pid, at, len) {
                    let changed = match p {
                        Pending::Stat(_) => rewrite::clamp_stat_times(&mut times, epoch, self.started),
                        _ => rewrite::clamp_statx_times(&mut times, epoch, self.started),
                    };
                    if changed && sys::write_mem(pid, at, &times).is_ok() {
                        self.stats.stat_clamped += 1;
                    }
                }
            }
            Pending::Dents(addr) if ret > 0 => {
                if let Ok(buf) = sys::read_mem(pid, addr, ret as usize) {
                    if buf.len() == ret as usize {
                        if let Some(sorted) = rewrite::sort_dirents(&buf) {
                            if sys::write_mem(pid, addr, &sorted).is_ok() {
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

impl Supervisor<'_> {
    /// The next getdents64 answer for `fd` of `pid` from its directory's sorted listing, loaded
    /// (through /proc/PID/fd/FD) when the position is 0 or the fd now names another directory.
    /// `None` when the fd is not a directory the supervisor can read: the real call runs.
    fn serve_listing(&mut self, pid: Pid, tgid: Pid, fd: i32, count: usize) -> Option<rewrite::Batch> {
        let pos = fd_position(pid, fd)?;
        let link = std::ffi::CString::new(format!("/proc/{pid}/fd/{fd}")).ok()?;
        // SAFETY: st is plain data; stat writes one.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: link is NUL-terminated, st valid.
        if unsafe { libc::stat(link.as_ptr(), &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFDIR {
            return None;
        }
        let key = (tgid, fd);
        let fresh = match self.listings.get(&key) {
            Some(l) => pos == 0 || l.dev != st.st_dev || l.ino != st.st_ino,
            None => true,
        };
        if fresh {
            let mut records = read_dir_records(&link)?;
            rewrite::sort_records(&mut records);
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
        Some(rewrite::batch(&l.records, pos, count))
    }
}

/// The file position of `fd` in `pid` (the "pos:" line of /proc/PID/fdinfo/FD).
fn fd_position(pid: Pid, fd: i32) -> Option<u64> {
    let info = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("pos:"))
        .and_then(|v| v.trim().parse().ok())
}

/// Every record of the directory behind `link`, read with getdents64 on a fresh open of it.
fn read_dir_records(link: &std::ffi::CStr) -> Option<Vec<Vec<u8>>> {
    // SAFETY: link is NUL-terminated.
    let fd = unsafe { libc::open(link.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
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
