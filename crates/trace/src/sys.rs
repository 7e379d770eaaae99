//! Thin wrappers over ptrace, wait and the tracee's memory. Every call can fail with ESRCH when
//! the tracee was killed between two stops: callers treat that as "gone" and wait for its exit.

use std::io;

pub type Pid = libc::pid_t;
pub type Regs = libc::user_regs_struct;

fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

pub fn get_regs(pid: Pid) -> io::Result<Regs> {
    // SAFETY: user_regs_struct is plain data; all-zero is a valid value.
    let mut regs: Regs = unsafe { std::mem::zeroed() };
    // SAFETY: PTRACE_GETREGS writes one user_regs_struct at the given address.
    check(unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, 0usize, &mut regs as *mut Regs) })?;
    Ok(regs)
}

pub fn set_regs(pid: Pid, regs: &Regs) -> io::Result<()> {
    // SAFETY: PTRACE_SETREGS reads one user_regs_struct from the given address.
    check(unsafe { libc::ptrace(libc::PTRACE_SETREGS, pid, 0usize, regs as *const Regs) }).map(|_| ())
}

/// Resume with PTRACE_CONT (`syscall = false`) or PTRACE_SYSCALL, delivering `sig` (0 = none).
pub fn resume(pid: Pid, syscall: bool, sig: i32) -> io::Result<()> {
    let req = if syscall {
        libc::PTRACE_SYSCALL
    } else {
        libc::PTRACE_CONT
    };
    // SAFETY: no memory is passed; data is the signal number.
    check(unsafe { libc::ptrace(req, pid, 0usize, sig as usize) }).map(|_| ())
}

pub fn set_options(pid: Pid, opts: i32) -> io::Result<()> {
    // SAFETY: no memory is passed; data is the option mask.
    check(unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0usize, opts as usize) }).map(|_| ())
}

pub fn event_msg(pid: Pid) -> io::Result<u64> {
    let mut msg: libc::c_ulong = 0;
    // SAFETY: PTRACE_GETEVENTMSG writes one unsigned long.
    check(unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, pid, 0usize, &mut msg as *mut libc::c_ulong) })?;
    Ok(msg)
}

/// Whether a stop is a signal-delivery-stop (siginfo available) rather than a group-stop.
pub fn is_signal_delivery(pid: Pid) -> bool {
    // SAFETY: siginfo_t is plain data; PTRACE_GETSIGINFO writes one.
    let mut si: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let r = unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, pid, 0usize, &mut si as *mut libc::siginfo_t) };
    // EINVAL means group-stop; other errors (ESRCH) mean gone: deliver nothing either way.
    r != -1
}

/// waitpid(-1, __WALL), first polled for up to `spin` (then blocking): when stops come close
/// together (a syscall-heavy program), the tracee's next stop is taken without the supervisor
/// going to sleep and being woken, which costs more than the stop itself. `None` on EINTR,
/// Err(ECHILD) when nothing is left.
pub fn wait_any_spinning(spin: std::time::Duration) -> io::Result<Option<(Pid, i32)>> {
    if !spin.is_zero() {
        let until = std::time::Instant::now() + spin;
        loop {
            let mut status = 0;
            // SAFETY: status is a valid out pointer.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL | libc::WNOHANG) };
            if pid > 0 {
                return Ok(Some((pid, status)));
            }
            if pid == -1 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    return Ok(None);
                }
                return Err(e);
            }
            if std::time::Instant::now() >= until {
                break;
            }
            std::hint::spin_loop();
        }
    }
    wait_any()
}

/// waitpid(pid, __WALL) for one tracee, again after EINTR: its status.
pub fn wait_pid(pid: Pid) -> io::Result<i32> {
    loop {
        let mut status = 0;
        // SAFETY: status is a valid out pointer.
        if unsafe { libc::waitpid(pid, &mut status, libc::__WALL) } != -1 {
            return Ok(status);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// waitpid(-1, __WALL): `None` on EINTR, Err(ECHILD) when nothing is left.
pub fn wait_any() -> io::Result<Option<(Pid, i32)>> {
    let mut status = 0;
    // SAFETY: status is a valid out pointer.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
    if pid == -1 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINTR) {
            return Ok(None);
        }
        return Err(e);
    }
    Ok(Some((pid, status)))
}

/// Split [addr, addr+len) into page-bounded pieces: process_vm_* never splits one iovec, so a
/// read running into an unmapped page still returns the pages before it.
fn page_iovecs(addr: u64, len: usize) -> Vec<libc::iovec> {
    let mut v = Vec::new();
    let mut a = addr;
    let end = addr.saturating_add(len as u64);
    while a < end {
        let next = ((a / 4096) + 1) * 4096;
        let n = next.min(end) - a;
        v.push(libc::iovec {
            iov_base: a as *mut libc::c_void,
            iov_len: n as usize,
        });
        a += n;
    }
    v
}

/// Read up to `len` bytes of the tracee's memory; shorter when the range runs into unmapped memory.
pub fn read_mem(pid: Pid, addr: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: len,
    };
    let remote = page_iovecs(addr, len);
    let mut done = 0usize;
    // At most IOV_MAX remote pieces per call.
    for chunk in remote.chunks(1024) {
        let want: usize = chunk.iter().map(|c| c.iov_len).sum();
        let local = libc::iovec {
            // SAFETY: done + want <= len: the pieces add up to len.
            iov_base: unsafe { (local.iov_base as *mut u8).add(done) } as *mut libc::c_void,
            iov_len: want,
        };
        // SAFETY: the local iovec points into buf; remote addresses are only read by the kernel.
        let n = unsafe { libc::process_vm_readv(pid, &local, 1, chunk.as_ptr(), chunk.len() as libc::c_ulong, 0) };
        if n < 0 {
            if done == 0 {
                return peek_fallback(pid, addr, len);
            }
            break;
        }
        done += n as usize;
        if (n as usize) < want {
            break;
        }
    }
    buf.truncate(done);
    Ok(buf)
}

/// PTRACE_PEEKDATA word by word: for kernels without process_vm_readv (or when it is refused).
fn peek_fallback(pid: Pid, addr: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    let mut a = addr;
    while out.len() < len {
        // SAFETY: errno is thread-local; cleared to tell a -1 word from an error.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: PEEKDATA passes no local memory.
        let w = unsafe { libc::ptrace(libc::PTRACE_PEEKDATA, pid, a as usize, 0usize) };
        if w == -1 && io::Error::last_os_error().raw_os_error().unwrap_or(0) != 0 {
            if out.is_empty() {
                return Err(io::Error::last_os_error());
            }
            break;
        }
        let b = w.to_le_bytes();
        let n = (len - out.len()).min(8);
        out.extend_from_slice(&b[..n]);
        a += 8;
    }
    Ok(out)
}

/// Write `data` into the tracee's memory (falls back to PTRACE_POKEDATA, which also writes
/// read-only pages).
pub fn write_mem(pid: Pid, addr: u64, data: &[u8]) -> io::Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let remote = page_iovecs(addr, data.len());
    if remote.len() <= 1024 {
        // SAFETY: the local iovec covers `data`; the kernel checks the remote addresses.
        let n = unsafe { libc::process_vm_writev(pid, &local, 1, remote.as_ptr(), remote.len() as libc::c_ulong, 0) };
        if n == data.len() as isize {
            return Ok(());
        }
    }
    poke(pid, addr, data)
}

fn poke(pid: Pid, addr: u64, data: &[u8]) -> io::Result<()> {
    let mut off = 0usize;
    while off < data.len() {
        let a = addr + off as u64;
        let n = (data.len() - off).min(8);
        let mut word = [0u8; 8];
        if n < 8 {
            // Partial word: keep the bytes after the end.
            let old = peek_fallback(pid, a, 8)?;
            word[..old.len()].copy_from_slice(&old);
        }
        word[..n].copy_from_slice(&data[off..off + n]);
        // SAFETY: POKEDATA passes the word by value.
        check(unsafe {
            libc::ptrace(
                libc::PTRACE_POKEDATA,
                pid,
                a as usize,
                u64::from_le_bytes(word) as usize,
            )
        })?;
        off += n;
    }
    Ok(())
}

/// Read a NUL-terminated string of at most `max` bytes.
pub fn read_cstr(pid: Pid, addr: u64, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut a = addr;
    while out.len() < max {
        // Up to the end of the page: never asks for an unmapped page past the string.
        let n = (4096 - (a % 4096) as usize).min(max - out.len());
        let chunk = match read_mem(pid, a, n) {
            Ok(c) if !c.is_empty() => c,
            _ => break,
        };
        if let Some(z) = chunk.iter().position(|&c| c == 0) {
            out.extend_from_slice(&chunk[..z]);
            return out;
        }
        out.extend_from_slice(&chunk);
        a += chunk.len() as u64;
    }
    out
}

/// A pidfd for process `pid` (Linux 5.3).
pub fn pidfd_open(pid: Pid) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: no memory is passed.
    let fd = check(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: a new fd we own.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

/// A duplicate, in this process, of the tracee's file descriptor `fd` (Linux 5.6): the same
/// open file description, so its file position is the tracee's.
pub fn pidfd_getfd(pidfd: &std::os::fd::OwnedFd, fd: i32) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::{AsRawFd, FromRawFd};
    // SAFETY: no memory is passed.
    let r = check(unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) })?;
    // SAFETY: a new fd we own (close-on-exec is set by the kernel).
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(r as i32) })
}

/// A NUL-terminated path of at most PATH_MAX bytes from the tracee; `None` when it cannot be
/// read or has no NUL within that (the kernel then says EFAULT or ENAMETOOLONG itself).
pub fn read_path(pid: Pid, addr: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut a = addr;
    while out.len() < 4096 {
        let n = (4096 - (a % 4096) as usize).min(4096 - out.len());
        let chunk = read_mem(pid, a, n).ok().filter(|c| !c.is_empty())?;
        if let Some(z) = chunk.iter().position(|&c| c == 0) {
            out.extend_from_slice(&chunk[..z]);
            return Some(out);
        }
        out.extend_from_slice(&chunk);
        a += chunk.len() as u64;
    }
    None
}
