//! The SGX loader tracer: runs a loader under ptrace (PTRACE_SYSCALL stepping, following forks,
//! vforks, threads and execs) and records what it asks the SGX driver to put into each enclave.
//!
//! Two driver ABIs, told apart by their ioctl numbers (magic 0xA4):
//! - upstream Linux (`/dev/sgx_enclave`): CREATE {src → SECS}, ADD_PAGES {src, offset, length,
//!   secinfo, flags, count}, INIT {sigstruct}. The driver writes back `count`, the bytes it
//!   actually added; a loader retries with the rest. Only `count` bytes are recorded, read at the
//!   syscall's exit, so partial and retried calls are neither lost nor doubled.
//! - legacy out-of-tree (`/dev/isgx`): CREATE {src}, ADD_PAGE {addr, src, secinfo, mrmask u16}
//!   (one page, by absolute address; bit i of mrmask measures 256-byte chunk i), INIT {addr,
//!   sigstruct, einittoken}.
//!
//! An ioctl counts as SGX when the fd is one of the SGX device nodes and the request number is one
//! of the above; with `emulate`, any fd receiving those request numbers does, and the tracer
//! skips the real syscall (orig_rax = -1 at entry) and makes it succeed at exit, so loaders can be
//! traced without SGX hardware. Enclaves are keyed by (process, device fd) and numbered in the
//! order they are created. This module only records; turning pages into SGXS is the caller's job.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::sys::{self, Pid};
use crate::{Error, Exit};

pub const PAGE: usize = 4096;
pub const SECS_SIZE: usize = 4096;
pub const SIGSTRUCT_SIZE: usize = 1808;

/// Request numbers: _IOW/_IOWR(0xA4, nr, size of the argument struct).
pub const IOC_CREATE: u32 = 0x4008_a400;
pub const IOC_ADD_PAGES: u32 = 0xc030_a401;
pub const IOC_INIT: u32 = 0x4008_a402;
pub const IOC_LEGACY_ADD_PAGE: u32 = 0x401a_a401;
pub const IOC_LEGACY_INIT: u32 = 0x4018_a402;
/// SGX_PAGE_MEASURE in ADD_PAGES flags.
pub const PAGE_MEASURE: u64 = 1;

const SYS_IOCTL: u64 = libc::SYS_ioctl as u64;
/// The device nodes an fd must point at (without `emulate`).
const DEVICES: [&str; 3] = ["/dev/sgx_enclave", "/dev/sgx/enclave", "/dev/isgx"];

/// Which driver ABI an enclave was loaded through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    Upstream,
    Legacy,
    /// Only CREATE (the same number in both) was seen.
    Unknown,
}

impl Driver {
    pub fn name(self) -> &'static str {
        match self {
            Driver::Upstream => "upstream",
            Driver::Legacy => "legacy",
            Driver::Unknown => "unknown",
        }
    }
}

/// One page the driver added, in load order.
#[derive(Clone, Debug)]
pub struct AddedPage {
    /// Offset from the enclave base.
    pub offset: u64,
    /// SECINFO.FLAGS as the loader passed them.
    pub secinfo_flags: u64,
    /// Measured 256-byte chunks (bit i = chunk i).
    pub measure: u16,
    /// The page's 4096 bytes as the driver read them; empty for a page of zeros.
    pub data: Vec<u8>,
    /// Which ioctl added it (0-based over this enclave's ADD calls).
    pub call: usize,
}

/// One enclave, as the loader built it.
#[derive(Clone, Debug)]
pub struct Enclave {
    pub index: usize,
    pub pid: Pid,
    pub fd: i32,
    pub driver: Driver,
    /// The fd's path when the tracer saw it ("" when unreadable).
    pub device: String,
    /// The 4096-byte SECS passed to CREATE.
    pub secs: Vec<u8>,
    pub pages: Vec<AddedPage>,
    /// ADD calls seen (including partial and failed ones).
    pub add_calls: usize,
    /// The SIGSTRUCT passed to INIT, once INIT was called.
    pub sigstruct: Option<Vec<u8>>,
    /// INIT's return value (0 = success, -errno).
    pub init_result: Option<i64>,
    /// Things the tracer could not do or found odd (unreadable memory, pages outside the enclave).
    pub notes: Vec<String>,
}

impl Enclave {
    fn field64(&self, at: usize) -> u64 {
        le64(&self.secs, at)
    }
    /// SECS.SIZE
    pub fn size(&self) -> u64 {
        self.field64(0)
    }
    /// SECS.BASEADDR
    pub fn base(&self) -> u64 {
        self.field64(8)
    }
    /// SECS.SSAFRAMESIZE (pages)
    pub fn ssaframesize(&self) -> u32 {
        le32(&self.secs, 16)
    }
    pub fn miscselect(&self) -> u32 {
        le32(&self.secs, 20)
    }
    pub fn attributes_flags(&self) -> u64 {
        self.field64(48)
    }
    pub fn attributes_xfrm(&self) -> u64 {
        self.field64(56)
    }
    pub fn isvprodid(&self) -> u16 {
        le16(&self.secs, 256)
    }
    pub fn isvsvn(&self) -> u16 {
        le16(&self.secs, 258)
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}
fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}
fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

/// How to trace.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Treat any fd receiving the SGX request numbers as the driver, and answer for it.
    pub emulate: bool,
    /// With `emulate`: add at most this many pages per ADD_PAGES call (0 = all), to exercise a
    /// loader's retry loop on `count` as a busy real driver would.
    pub pages_per_call: u64,
    /// Stop at every syscall (PTRACE_SYSCALL) instead of only at ioctls (a seccomp filter with
    /// SECCOMP_RET_TRACE). The filter is the default; stepping is the fallback when the kernel
    /// refuses it, and this forces it.
    pub step_all: bool,
}

/// What a traced run produced.
#[derive(Debug)]
pub struct Traced {
    pub exit: Exit,
    /// Every enclave created, in creation order.
    pub enclaves: Vec<Enclave>,
    /// Processes/threads that vanished mid-syscall or tracer-side failures worth telling.
    pub notes: Vec<String>,
}

/// An SGX ioctl caught at its entry, finished at its exit.
#[derive(Clone, Copy)]
struct PendingIoctl {
    tgid: Pid,
    fd: i32,
    req: u32,
    arg: u64,
    /// ADD_PAGES `count` before the call: the driver leaves it untouched when it fails early.
    count_before: u64,
    emulated: bool,
}

#[derive(Default)]
struct Thread {
    tgid: Pid,
    pending: Option<PendingIoctl>,
    /// Fallback when PTRACE_GET_SYSCALL_INFO is unavailable: toggled at each syscall stop.
    in_syscall: bool,
}

struct Tracer<'a> {
    opts: &'a Options,
    threads: HashMap<Pid, Thread>,
    /// (tgid, fd) → indexes into `enclaves`, latest last.
    by_fd: HashMap<(Pid, i32), Vec<usize>>,
    enclaves: Vec<Enclave>,
    notes: Vec<String>,
    on_init: &'a mut dyn FnMut(&Enclave),
    syscall_info: bool,
    /// The seccomp filter is in place: only ioctls stop (as PTRACE_EVENT_SECCOMP).
    seccomp: bool,
}

/// Run `command` under the tracer; `on_init` is called at each enclave's INIT (after its exit),
/// so results can be written while a loader that never finishes is still running.
pub fn trace(command: &[OsString], opts: &Options, on_init: &mut dyn FnMut(&Enclave)) -> Result<Traced, Error> {
    let program = command.first().ok_or_else(|| Error::Setup("no command given".into()))?;
    let path = resolve(program).ok_or_else(|| Error::NotFound(program.to_string_lossy().into_owned()))?;
    let cpath = CString::new(path.as_os_str().as_bytes()).map_err(|_| Error::Setup("NUL in the command".into()))?;
    let cargs = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Error::Setup("NUL in an argument".into()))?;
    let mut argv: Vec<*const libc::c_char> = cargs.iter().map(|c| c.as_ptr()).collect();
    argv.push(std::ptr::null());

    let prog = ioctl_filter();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    let want_seccomp = !opts.step_all;

    // The child reports a failed exec (its errno) through a close-on-exec pipe.
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::Setup(format!("pipe: {}", io::Error::last_os_error())));
    }
    // SAFETY: the child only calls async-signal-safe functions on memory prepared before fork.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Error::Setup(format!("fork: {}", io::Error::last_os_error())));
    }
    if pid == 0 {
        // SAFETY: in the child: plain syscalls, then exec or _exit.
        unsafe {
            libc::close(fds[0]);
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0usize, 0usize) == -1 {
                let e = *libc::__errno_location();
                libc::write(fds[1], &e as *const i32 as *const libc::c_void, 4);
                libc::_exit(126);
            }
            // When this fails the tracer sees no filter in /proc/PID/status and steps instead.
            if want_seccomp && libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 {
                libc::syscall(
                    libc::SYS_seccomp,
                    libc::SECCOMP_SET_MODE_FILTER,
                    0,
                    &fprog as *const libc::sock_fprog,
                );
            }
            // Stop so the tracer can set its options before anything runs.
            libc::raise(libc::SIGSTOP);
            libc::execv(cpath.as_ptr(), argv.as_ptr());
            let e = *libc::__errno_location();
            libc::write(fds[1], &e as *const i32 as *const libc::c_void, 4);
            libc::_exit(127);
        }
    }
    // SAFETY: our copy of the write end.
    unsafe { libc::close(fds[1]) };
    let mut t = Tracer {
        opts,
        threads: HashMap::new(),
        by_fd: HashMap::new(),
        enclaves: Vec::new(),
        notes: Vec::new(),
        on_init,
        syscall_info: true,
        seccomp: false,
    };
    let exit = t.run(pid);
    let mut e = [0u8; 4];
    // SAFETY: reading 4 bytes into e from our read end; every write end is closed by now.
    let n = unsafe { libc::read(fds[0], e.as_mut_ptr() as *mut libc::c_void, 4) };
    // SAFETY: our read end.
    unsafe { libc::close(fds[0]) };
    if n == 4 {
        let errno = i32::from_ne_bytes(e);
        if errno == libc::ENOENT {
            return Err(Error::NotFound(path.display().to_string()));
        }
        let err = io::Error::from_raw_os_error(errno);
        return Err(Error::Setup(format!("{}: cannot run: {err}", path.display())));
    }
    Ok(Traced {
        exit,
        enclaves: t.enclaves,
        notes: t.notes,
    })
}

/// The program as execvp would find it.
fn resolve(program: &std::ffi::OsStr) -> Option<PathBuf> {
    if program.as_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| {
        let c = CString::new(p.as_os_str().as_bytes()).unwrap_or_default();
        // SAFETY: c is a valid C string.
        p.is_file() && unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0
    })
}

impl Tracer<'_> {
    fn run(&mut self, root: Pid) -> Exit {
        let mut root_exit: Option<Exit> = None;
        let mut root_configured = false;
        loop {
            let (pid, status) = match sys::wait_any() {
                Ok(Some(w)) => w,
                Ok(None) => continue,
                // ECHILD: every tracee is gone.
                Err(_) => break,
            };
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                if let Some(t) = self.threads.remove(&pid) {
                    if t.pending.is_some() {
                        self.notes.push(format!("process {pid} ended inside an SGX ioctl"));
                    }
                }
                if pid == root {
                    root_exit = Some(if libc::WIFEXITED(status) {
                        Exit::Code(libc::WEXITSTATUS(status))
                    } else {
                        Exit::Signal(libc::WTERMSIG(status))
                    });
                    // Whatever the loader left running would keep the trace open forever.
                    self.kill_rest(root);
                }
                continue;
            }
            if !libc::WIFSTOPPED(status) {
                continue;
            }
            let sig = libc::WSTOPSIG(status);
            let event = (status >> 16) & 0xff;
            if let Entry::Vacant(v) = self.threads.entry(pid) {
                // A new tracee: its first stop is the SIGSTOP that ptrace sends (or ours for the root).
                v.insert(Thread {
                    tgid: tgid_of(pid),
                    ..Thread::default()
                });
                if pid == root && !root_configured {
                    root_configured = true;
                    self.seccomp = has_seccomp_filter(pid);
                    let opts = libc::PTRACE_O_TRACESYSGOOD
                        | libc::PTRACE_O_TRACESECCOMP
                        | libc::PTRACE_O_TRACEFORK
                        | libc::PTRACE_O_TRACEVFORK
                        | libc::PTRACE_O_TRACECLONE
                        | libc::PTRACE_O_TRACEEXEC
                        | libc::PTRACE_O_EXITKILL;
                    if sys::set_options(pid, opts).is_err() {
                        self.notes.push("could not set ptrace options".into());
                    }
                }
                if root_exit.is_some() {
                    // Started just as the loader ended: nothing waits for it any more.
                    // SAFETY: kill has no memory effects; pid is our tracee.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                if sig == libc::SIGSTOP {
                    self.resume(pid, 0);
                    continue;
                }
            }
            if event == libc::PTRACE_EVENT_SECCOMP {
                // The filter stops only ioctls, at their entry.
                self.at_entry(pid);
                self.resume(pid, 0);
                continue;
            }
            if event != 0 {
                if event == libc::PTRACE_EVENT_EXEC {
                    // A thread that execs takes over its process's id; its old id is gone.
                    if let Ok(old) = sys::event_msg(pid) {
                        if old as Pid != pid {
                            self.threads.remove(&(old as Pid));
                        }
                    }
                    if let Some(t) = self.threads.get_mut(&pid) {
                        t.pending = None;
                        // The next syscall stop is execve's exit.
                        t.in_syscall = true;
                    }
                }
                self.resume(pid, 0);
                continue;
            }
            if sig == (libc::SIGTRAP | 0x80) {
                self.syscall_stop(pid);
                self.resume(pid, 0);
                continue;
            }
            // A signal for the tracee: pass it on (nothing to pass for a group-stop).
            let deliver = if sys::is_signal_delivery(pid) { sig } else { 0 };
            self.resume(pid, deliver);
        }
        root_exit.unwrap_or(Exit::Signal(libc::SIGKILL))
    }

    /// With the filter, a tracee runs free (PTRACE_CONT) except between an SGX ioctl's entry and
    /// its exit; without it, every syscall stops (PTRACE_SYSCALL).
    fn resume(&self, pid: Pid, sig: i32) {
        let pending = self.threads.get(&pid).is_some_and(|t| t.pending.is_some());
        let _ = sys::resume(pid, !self.seccomp || pending, sig);
    }

    fn kill_rest(&mut self, root: Pid) {
        let mut tgids: Vec<Pid> = self.threads.values().map(|t| t.tgid).filter(|&g| g != root).collect();
        tgids.sort_unstable();
        tgids.dedup();
        for g in tgids {
            // SAFETY: kill has no memory effects; g is one of our tracees' processes.
            unsafe { libc::kill(g, libc::SIGKILL) };
        }
    }

    /// Entry or exit, from PTRACE_GET_SYSCALL_INFO when the kernel has it, else by toggling.
    fn is_entry(&mut self, pid: Pid) -> bool {
        if self.syscall_info {
            let mut buf = [0u8; 128];
            // SAFETY: the kernel writes at most buf.len() bytes into buf.
            let r = unsafe {
                libc::ptrace(
                    libc::PTRACE_GET_SYSCALL_INFO,
                    pid,
                    buf.len(),
                    buf.as_mut_ptr() as *mut libc::c_void,
                )
            };
            if r > 0 {
                let entry = buf[0] == libc::PTRACE_SYSCALL_INFO_ENTRY;
                if let Some(t) = self.threads.get_mut(&pid) {
                    t.in_syscall = entry;
                }
                return entry;
            }
            if io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
                self.syscall_info = false;
            }
        }
        let Some(t) = self.threads.get_mut(&pid) else {
            return false;
        };
        t.in_syscall = !t.in_syscall;
        t.in_syscall
    }

    fn syscall_stop(&mut self, pid: Pid) {
        // With the filter, syscall stops are only the exits of the ioctls caught at entry.
        let entry = !self.seccomp && self.is_entry(pid);
        if entry {
            self.at_entry(pid);
        } else if let Some(p) = self.threads.get_mut(&pid).and_then(|t| t.pending.take()) {
            self.at_exit(pid, p);
        }
    }

    fn at_entry(&mut self, pid: Pid) {
        let Ok(mut regs) = sys::get_regs(pid) else { return };
        if regs.orig_rax != SYS_IOCTL {
            return;
        }
        let fd = regs.rdi as i32;
        // The kernel takes the request as unsigned int.
        let req = regs.rsi as u32;
        if !matches!(
            req,
            IOC_CREATE | IOC_ADD_PAGES | IOC_INIT | IOC_LEGACY_ADD_PAGE | IOC_LEGACY_INIT
        ) {
            return;
        }
        let tgid = self.threads.get(&pid).map_or(pid, |t| t.tgid);
        let is_device = DEVICES.contains(&fd_path(tgid, fd).as_str());
        if !is_device && !self.opts.emulate {
            return;
        }
        let arg = regs.rdx;
        let count_before = if req == IOC_ADD_PAGES {
            read_u64(pid, arg.wrapping_add(40)).unwrap_or(0)
        } else {
            0
        };
        let emulated = self.opts.emulate;
        if emulated {
            // Skip the real call; its result is set at the exit stop.
            regs.orig_rax = u64::MAX;
            if sys::set_regs(pid, &regs).is_err() {
                return;
            }
        }
        if let Some(t) = self.threads.get_mut(&pid) {
            t.pending = Some(PendingIoctl {
                tgid,
                fd,
                req,
                arg,
                count_before,
                emulated,
            });
        }
    }

    fn at_exit(&mut self, pid: Pid, p: PendingIoctl) {
        let Ok(mut regs) = sys::get_regs(pid) else {
            self.notes.push(format!("process {pid} vanished inside an SGX ioctl"));
            return;
        };
        let mut ret = regs.rax as i64;
        if p.emulated {
            ret = self.emulate(pid, &p);
            regs.rax = ret as u64;
            if sys::set_regs(pid, &regs).is_err() {
                return;
            }
        }
        match p.req {
            IOC_CREATE => self.create(pid, &p, ret),
            IOC_ADD_PAGES => self.add_pages(pid, &p, ret),
            IOC_LEGACY_ADD_PAGE => self.legacy_add_page(pid, &p, ret),
            _ => self.init(pid, &p, ret),
        }
    }

    /// The driver's answer, emulated: checks as the driver does what would make the recording
    /// meaningless (pages outside the enclave, unaligned ranges: also a guard against a buggy
    /// loader's huge length), then success; ADD_PAGES gets its `count` written back.
    fn emulate(&mut self, pid: Pid, p: &PendingIoctl) -> i64 {
        let einval = -i64::from(libc::EINVAL);
        let efault = -i64::from(libc::EFAULT);
        match p.req {
            IOC_ADD_PAGES => {
                let Some(s) = read_words(pid, p.arg, 6) else {
                    return efault;
                };
                let (offset, length) = (s[1], s[2]);
                let Some(i) = self.enclave_for(p, None) else {
                    return einval;
                };
                let size = self.enclaves[i].size();
                let aligned = offset % PAGE as u64 == 0 && length % PAGE as u64 == 0;
                if !aligned || length == 0 || offset.checked_add(length).is_none_or(|end| end > size) {
                    return einval;
                }
                let mut count = length;
                if self.opts.pages_per_call > 0 {
                    count = count.min(self.opts.pages_per_call.saturating_mul(PAGE as u64));
                }
                if sys::write_mem(pid, p.arg.wrapping_add(40), &count.to_le_bytes()).is_err() {
                    self.notes.push(format!("process {pid}: cannot write ADD_PAGES count"));
                    return efault;
                }
                0
            }
            IOC_LEGACY_ADD_PAGE => {
                let Some(addr) = read_u64(pid, p.arg) else {
                    return efault;
                };
                match self.enclave_for(p, Some(addr)) {
                    Some(i) => {
                        let e = &self.enclaves[i];
                        let inside = addr >= e.base() && addr - e.base() < e.size();
                        if inside && addr % PAGE as u64 == 0 {
                            0
                        } else {
                            einval
                        }
                    }
                    None => einval,
                }
            }
            _ => 0,
        }
    }

    fn create(&mut self, pid: Pid, p: &PendingIoctl, ret: i64) {
        if ret != 0 {
            return;
        }
        let src = read_u64(pid, p.arg).unwrap_or(0);
        let (secs, note) = read_full(pid, src, SECS_SIZE);
        let device = fd_path(p.tgid, p.fd);
        let driver = if device == "/dev/isgx" {
            Driver::Legacy
        } else if device.starts_with("/dev/sgx") {
            Driver::Upstream
        } else {
            Driver::Unknown
        };
        let index = self.enclaves.len();
        let mut e = Enclave {
            index,
            pid: p.tgid,
            fd: p.fd,
            driver,
            device,
            secs,
            pages: Vec::new(),
            add_calls: 0,
            sigstruct: None,
            init_result: None,
            notes: Vec::new(),
        };
        if let Some(n) = note {
            e.notes.push(format!("SECS at {src:#x}: {n}"));
        }
        self.enclaves.push(e);
        self.by_fd.entry((p.tgid, p.fd)).or_default().push(index);
    }

    /// The enclave an ADD/INIT on this fd is for: for the legacy ABI the one whose range holds
    /// `addr` (several enclaves can share one /dev/isgx fd), otherwise the latest.
    fn enclave_for(&self, p: &PendingIoctl, addr: Option<u64>) -> Option<usize> {
        let list = self.by_fd.get(&(p.tgid, p.fd))?;
        let mut pick = *list.last()?;
        if let Some(a) = addr {
            if let Some(&i) = list.iter().rev().find(|&&i| {
                let e = &self.enclaves[i];
                a >= e.base() && a - e.base() < e.size()
            }) {
                pick = i;
            }
        }
        Some(pick)
    }

    fn add_pages(&mut self, pid: Pid, p: &PendingIoctl, ret: i64) {
        let Some(s) = read_words(pid, p.arg, 6) else { return };
        let (src, offset, length, secinfo, flags, count) = (s[0], s[1], s[2], s[3], s[4], s[5]);
        // The driver writes count back once it started adding; when it failed before that, the
        // loader's own value is still there.
        let count = if ret != 0 && count == p.count_before { 0 } else { count };
        let count = count.min(length) / PAGE as u64 * PAGE as u64;
        let sec_flags = read_u64(pid, secinfo);
        let Some(i) = self.enclave_for(p, None) else { return };
        let e = &mut self.enclaves[i];
        let call = e.add_calls;
        e.add_calls += 1;
        e.driver = Driver::Upstream;
        if count == 0 {
            return;
        }
        let Some(sec_flags) = sec_flags else {
            e.notes
                .push(format!("ADD_PAGES call {call}: SECINFO at {secinfo:#x} unreadable"));
            return;
        };
        let measure = if flags & PAGE_MEASURE != 0 { 0xffff } else { 0 };
        // A page at a time: a large heap costs no more than its pages, and zero pages nothing.
        let mut short = 0usize;
        for k in 0..count / PAGE as u64 {
            let at = k * PAGE as u64;
            let (data, note) = read_full(pid, src.wrapping_add(at), PAGE);
            short += usize::from(note.is_some());
            e.pages.push(AddedPage {
                offset: offset.wrapping_add(at),
                secinfo_flags: sec_flags,
                measure,
                data: compact(data),
                call,
            });
        }
        if short > 0 {
            e.notes.push(format!(
                "ADD_PAGES call {call}: {short} source pages from {src:#x} partly unreadable (read as zero)"
            ));
        }
    }

    fn legacy_add_page(&mut self, pid: Pid, p: &PendingIoctl, ret: i64) {
        let Some(s) = read_words(pid, p.arg, 3) else { return };
        let (addr, src, secinfo) = (s[0], s[1], s[2]);
        let mrmask = read_mem_full(pid, p.arg.wrapping_add(24), 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        let sec_flags = read_u64(pid, secinfo);
        let (data, note) = read_full(pid, src, PAGE);
        let Some(i) = self.enclave_for(p, Some(addr)) else {
            return;
        };
        let e = &mut self.enclaves[i];
        let call = e.add_calls;
        e.add_calls += 1;
        e.driver = Driver::Legacy;
        if ret != 0 {
            return;
        }
        let (Some(sec_flags), Some(mrmask)) = (sec_flags, mrmask) else {
            e.notes
                .push(format!("ADD_PAGE call {call}: SECINFO or mrmask unreadable"));
            return;
        };
        if let Some(n) = note {
            e.notes.push(format!("ADD_PAGE call {call}: source at {src:#x}: {n}"));
        }
        let offset = addr.wrapping_sub(e.base());
        if offset >= e.size() {
            e.notes.push(format!(
                "ADD_PAGE call {call}: address {addr:#x} is outside the enclave (base {:#x}, size {:#x})",
                e.base(),
                e.size()
            ));
        }
        e.pages.push(AddedPage {
            offset,
            secinfo_flags: sec_flags,
            measure: mrmask,
            data,
            call,
        });
    }

    fn init(&mut self, pid: Pid, p: &PendingIoctl, ret: i64) {
        let at = if p.req == IOC_LEGACY_INIT { 8 } else { 0 };
        let addr = if p.req == IOC_LEGACY_INIT {
            read_u64(pid, p.arg)
        } else {
            None
        };
        let src = read_u64(pid, p.arg.wrapping_add(at)).unwrap_or(0);
        let (sig, note) = read_full(pid, src, SIGSTRUCT_SIZE);
        let legacy = p.req == IOC_LEGACY_INIT;
        let Some(i) = self.enclave_for(p, addr) else { return };
        let e = &mut self.enclaves[i];
        e.driver = if legacy { Driver::Legacy } else { Driver::Upstream };
        if let Some(n) = note {
            e.notes.push(format!("SIGSTRUCT at {src:#x}: {n}"));
        }
        e.sigstruct = Some(sig);
        e.init_result = Some(ret);
        (self.on_init)(&self.enclaves[i]);
    }
}

/// The seccomp program: SECCOMP_RET_TRACE for x86_64 ioctl, allow for everything else (i386 and
/// x32 syscalls too: SGX loaders are 64-bit, and neither mode reads other ABIs' registers).
fn ioctl_filter() -> Vec<libc::sock_filter> {
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    // BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K.
    const LD: u16 = 0x20;
    const JEQ: u16 = 0x15;
    const RET: u16 = 0x06;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    vec![
        op(LD, 0, 0, 4), // seccomp_data.arch
        op(JEQ, 0, 3, AUDIT_ARCH_X86_64),
        op(LD, 0, 0, 0), // seccomp_data.nr (x32 ioctl has its own number: not matched)
        op(JEQ, 0, 1, libc::SYS_ioctl as u32),
        op(RET, 0, 0, libc::SECCOMP_RET_TRACE),
        op(RET, 0, 0, libc::SECCOMP_RET_ALLOW),
    ]
}

/// Whether our filter is in place: the process has more seccomp filters than we have (a
/// container may filter everything already), or, on kernels without that count, it is filtered
/// and we are not.
fn has_seccomp_filter(pid: Pid) -> bool {
    let read = |who: String| {
        let s = std::fs::read_to_string(format!("/proc/{who}/status")).unwrap_or_default();
        let field = |name: &str| {
            s.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        (field("Seccomp_filters:"), field("Seccomp:"))
    };
    let (child_n, child_mode) = read(pid.to_string());
    let (our_n, our_mode) = read("self".into());
    match (child_n, our_n) {
        (Some(c), Some(o)) => c > o,
        _ => child_mode == Some(2) && our_mode != Some(2),
    }
}

/// Zero pages (heaps, stacks) as an empty Vec.
fn compact(page: Vec<u8>) -> Vec<u8> {
    if page.iter().all(|&b| b == 0) {
        Vec::new()
    } else {
        page
    }
}

/// The process a thread belongs to (fds are per process).
fn tgid_of(pid: Pid) -> Pid {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Tgid:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(pid)
}

fn fd_path(pid: Pid, fd: i32) -> String {
    std::fs::read_link(format!("/proc/{pid}/fd/{fd}"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Exactly `len` bytes or None: process_vm_readv (PTRACE_PEEKDATA behind it), then /proc/PID/mem.
fn read_mem_full(pid: Pid, addr: u64, len: usize) -> Option<Vec<u8>> {
    if let Ok(b) = sys::read_mem(pid, addr, len) {
        if b.len() == len {
            return Some(b);
        }
    }
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(Path::new(&format!("/proc/{pid}/mem"))).ok()?;
    let mut buf = vec![0u8; len];
    f.read_exact_at(&mut buf, addr).ok()?;
    Some(buf)
}

/// `len` bytes, zero-filled where unreadable, with a note saying so.
fn read_full(pid: Pid, addr: u64, len: usize) -> (Vec<u8>, Option<String>) {
    if let Some(b) = read_mem_full(pid, addr, len) {
        return (b, None);
    }
    let mut b = sys::read_mem(pid, addr, len).unwrap_or_default();
    let got = b.len();
    b.resize(len, 0);
    (
        b,
        Some(format!("only {got} of {len} bytes readable, the rest recorded as zero")),
    )
}

fn read_u64(pid: Pid, addr: u64) -> Option<u64> {
    read_mem_full(pid, addr, 8).map(|b| le64(&b, 0))
}

fn read_words(pid: Pid, addr: u64, n: usize) -> Option<Vec<u64>> {
    let b = read_mem_full(pid, addr, n * 8)?;
    Some((0..n).map(|i| le64(&b, i * 8)).collect())
}
