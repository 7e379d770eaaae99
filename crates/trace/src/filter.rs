//! The seccomp BPF program: SECCOMP_RET_TRACE for the syscalls the supervisor rewrites, allow
//! for everything else, so the rest of the build runs at full speed.

/// x86_64 syscall numbers (asm/unistd_64.h).
pub mod nr {
    pub const READ: i64 = 0;
    pub const OPEN: i64 = 2;
    pub const UNAME: i64 = 63;
    pub const PREAD64: i64 = 17;
    pub const READV: i64 = 19;
    pub const DUP: i64 = 32;
    pub const DUP2: i64 = 33;
    pub const FCNTL: i64 = 72;
    pub const DUP3: i64 = 292;
    pub const OPENAT: i64 = 257;
    pub const PREADV: i64 = 295;
    pub const SECCOMP: i64 = 317;
    pub const OPENAT2: i64 = 437;
    pub const STAT: i64 = 4;
    pub const FSTAT: i64 = 5;
    pub const LSTAT: i64 = 6;
    pub const POLL: i64 = 7;
    pub const SELECT: i64 = 23;
    pub const NANOSLEEP: i64 = 35;
    pub const CLONE: i64 = 56;
    pub const GETTIMEOFDAY: i64 = 96;
    pub const TIME: i64 = 201;
    pub const FUTEX: i64 = 202;
    pub const GETDENTS64: i64 = 217;
    pub const CLOCK_GETTIME: i64 = 228;
    pub const CLOCK_NANOSLEEP: i64 = 230;
    pub const EPOLL_WAIT: i64 = 232;
    pub const NEWFSTATAT: i64 = 262;
    pub const PSELECT6: i64 = 270;
    pub const PPOLL: i64 = 271;
    pub const EPOLL_PWAIT: i64 = 281;
    pub const TIMERFD_SETTIME: i64 = 286;
    pub const GETRANDOM: i64 = 318;
    pub const STATX: i64 = 332;
    pub const CLONE3: i64 = 435;
    pub const EPOLL_PWAIT2: i64 = 441;
}

/// The realtime clocks (CLOCK_REALTIME, _COARSE, _ALARM, CLOCK_TAI); monotonic and CPU clocks
/// are left to the kernel.
pub const REALTIME_CLOCKS: [u32; 4] = [0, 5, 8, 11];

/// futex op bits (linux/futex.h).
pub const FUTEX_CLOCK_REALTIME: u32 = 256;
pub const FUTEX_CMD_MASK: u32 = 127;
pub const FUTEX_LOCK_PI: u32 = 6;
pub const FUTEX_WAIT_BITSET: u32 = 9;
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
pub const FUTEX_LOCK_PI2: u32 = 13;

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// Classic BPF opcodes (linux/bpf_common.h).
/// BPF_LD (0x00) | BPF_W (0x00) | BPF_ABS (0x20).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x05 | 0x10;
const BPF_JGE_K: u16 = 0x05 | 0x30;
const BPF_JSET_K: u16 = 0x05 | 0x40;
const BPF_AND_K: u16 = 0x04 | 0x50;
const BPF_RET_K: u16 = 0x06;

// seccomp_data offsets: nr, arch, instruction pointer, then six u64 arguments.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const fn arg_low(i: u32) -> u32 {
    16 + 8 * i
}
const fn arg_high(i: u32) -> u32 {
    20 + 8 * i
}

/// Which fixes are on; each adds its syscalls to the filter.
pub struct Traced {
    pub time: bool,
    pub file_times: bool,
    pub random: bool,
    pub dir_order: bool,
    pub inodes: bool,
    pub uname: bool,
}

/// When a syscall stops: what its arguments must look like.
#[derive(Clone, Copy)]
enum When {
    Always,
    /// The low word of an argument is one of these.
    ArgIn(u32, &'static [u32]),
    /// A pointer argument is not NULL (a timeout is given).
    NonNull(u32),
    /// An int argument is above zero (a timeout in milliseconds).
    Positive(u32),
    /// An argument has this bit set.
    Bit(u32, u32),
    /// An open for reading only (the flags argument): not O_WRONLY/O_RDWR, O_DIRECTORY, O_PATH.
    ReadOnlyOpen(u32),
    /// A futex op with a timeout that is a deadline (WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI,
    /// LOCK_PI2) or on the realtime clock; a relative monotonic timeout (FUTEX_WAIT, as Go's
    /// runtime uses) runs unstopped.
    TimedFutex,
}

/// The syscalls stopped, and when.
fn rules(t: &Traced) -> Vec<(i64, When)> {
    let mut r = Vec::new();
    if t.time {
        r.extend([
            (nr::CLOCK_GETTIME, When::ArgIn(0, &REALTIME_CLOCKS)),
            (nr::GETTIMEOFDAY, When::Always),
            (nr::TIME, When::Always),
            // Waits: deadlines on the virtual clock become real ones, and a wait that ran its
            // course moves the virtual clock on.
            (nr::FUTEX, When::TimedFutex),
            (nr::NANOSLEEP, When::Always),
            (nr::CLOCK_NANOSLEEP, When::Always),
            (nr::SELECT, When::NonNull(4)),
            (nr::PSELECT6, When::NonNull(4)),
            (nr::POLL, When::Positive(2)),
            (nr::PPOLL, When::NonNull(2)),
            (nr::EPOLL_WAIT, When::Positive(3)),
            (nr::EPOLL_PWAIT, When::Positive(3)),
            (nr::EPOLL_PWAIT2, When::NonNull(3)),
            (nr::TIMERFD_SETTIME, When::Bit(1, 1)),
        ]);
    }
    if t.file_times || t.inodes {
        for n in [nr::STAT, nr::FSTAT, nr::LSTAT, nr::NEWFSTATAT, nr::STATX] {
            r.push((n, When::Always));
        }
    }
    if t.random {
        // Reads stop only on descriptors found to be /dev/urandom or /dev/random, by a filter
        // added to the process when it opens one (see `read_fd_program`).
        r.extend([
            (nr::GETRANDOM, When::Always),
            (nr::OPEN, When::ReadOnlyOpen(1)),
            (nr::OPENAT, When::ReadOnlyOpen(2)),
            (nr::OPENAT2, When::Always),
        ]);
    }
    if t.uname {
        r.push((nr::UNAME, When::Always));
    }
    if t.dir_order || t.inodes {
        r.push((nr::GETDENTS64, When::Always));
    }
    r
}

/// A jump target while the program is assembled.
#[derive(Clone, Copy)]
enum To {
    Next,
    Allow,
    Trace,
    Block(usize),
    /// An instruction of the current block, by index from the block's start.
    Local(usize),
}

struct Ins {
    code: u16,
    k: u32,
    jt: To,
    jf: To,
}

fn stmt(code: u16, k: u32) -> Ins {
    Ins {
        code,
        k,
        jt: To::Next,
        jf: To::Next,
    }
}

fn jump(code: u16, k: u32, jt: To, jf: To) -> Ins {
    Ins { code, k, jt, jf }
}

/// The instructions that decide one conditional rule, ending in a return.
fn block(w: When) -> Vec<Ins> {
    let ret = |v: u32| stmt(BPF_RET_K, v);
    let (trace, allow) = (libc::SECCOMP_RET_TRACE, libc::SECCOMP_RET_ALLOW);
    match w {
        When::Always => vec![ret(trace)],
        When::ArgIn(a, values) => {
            let mut b = vec![stmt(BPF_LD_W_ABS, arg_low(a))];
            let hit = 1 + values.len() + 1;
            for &v in values {
                b.push(jump(BPF_JEQ_K, v, To::Local(hit), To::Next));
            }
            b.extend([ret(allow), ret(trace)]);
            b
        }
        When::NonNull(a) => vec![
            stmt(BPF_LD_W_ABS, arg_low(a)),
            jump(BPF_JEQ_K, 0, To::Next, To::Local(5)),
            stmt(BPF_LD_W_ABS, arg_high(a)),
            jump(BPF_JEQ_K, 0, To::Next, To::Local(5)),
            ret(allow),
            ret(trace),
        ],
        When::Positive(a) => vec![
            stmt(BPF_LD_W_ABS, arg_low(a)),
            jump(BPF_JEQ_K, 0, To::Local(3), To::Next),
            jump(BPF_JGE_K, 0x8000_0000, To::Local(3), To::Local(4)),
            ret(allow),
            ret(trace),
        ],
        When::Bit(a, bit) => vec![
            stmt(BPF_LD_W_ABS, arg_low(a)),
            jump(BPF_JSET_K, bit, To::Local(3), To::Next),
            ret(allow),
            ret(trace),
        ],
        When::ReadOnlyOpen(a) => vec![
            stmt(BPF_LD_W_ABS, arg_low(a)),
            jump(BPF_JSET_K, O_WRONLY_RDWR | O_DIRECTORY | O_PATH, To::Local(3), To::Next),
            ret(trace),
            ret(allow),
        ],
        When::TimedFutex => vec![
            stmt(BPF_LD_W_ABS, arg_low(1)),
            jump(BPF_JSET_K, FUTEX_CLOCK_REALTIME, To::Local(9), To::Next),
            stmt(BPF_AND_K, FUTEX_CMD_MASK),
            jump(BPF_JEQ_K, FUTEX_LOCK_PI, To::Local(9), To::Next),
            jump(BPF_JEQ_K, FUTEX_WAIT_BITSET, To::Local(9), To::Next),
            jump(BPF_JEQ_K, FUTEX_WAIT_REQUEUE_PI, To::Local(9), To::Next),
            jump(BPF_JEQ_K, FUTEX_LOCK_PI2, To::Local(9), To::Next),
            ret(allow),
            ret(allow),
            // The timeout (arg 3) is given.
            stmt(BPF_LD_W_ABS, arg_low(3)),
            jump(BPF_JEQ_K, 0, To::Next, To::Local(14)),
            stmt(BPF_LD_W_ABS, arg_high(3)),
            jump(BPF_JEQ_K, 0, To::Next, To::Local(14)),
            ret(allow),
            ret(trace),
        ],
    }
}

const O_WRONLY_RDWR: u32 = 3;
const O_DIRECTORY: u32 = 0o200000;
const O_PATH: u32 = 0o10000000;

/// The filter added to a process that opened /dev/urandom or /dev/random as `fd`: its reads
/// (`read`, `pread64`, `readv`, `preadv`) of that descriptor stop, and so do its copies (`dup`,
/// `dup2`, `dup3`, `fcntl`: dd and shells move it to fd 0), to be watched in turn; everything
/// else is allowed (the process's other filters still apply).
pub fn read_fd_program(fd: u32) -> Vec<libc::sock_filter> {
    let (check, allow, trace) = (12, 14, 15);
    let ins = [
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, To::Next, To::Allow),
        stmt(BPF_LD_W_ABS, OFF_NR),
        jump(BPF_JEQ_K, nr::READ as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::PREAD64 as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::READV as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::PREADV as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::DUP as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::DUP2 as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::DUP3 as u32, To::Block(check), To::Next),
        jump(BPF_JEQ_K, nr::FCNTL as u32, To::Block(check), To::Next),
        stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW),
        stmt(BPF_LD_W_ABS, arg_low(0)),
        jump(BPF_JEQ_K, fd, To::Trace, To::Allow),
        stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW),
        stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE),
    ];
    ins.iter()
        .enumerate()
        .map(|(i, x)| {
            let target = |to: To| -> u8 {
                let t = match to {
                    To::Next => i + 1,
                    To::Allow => allow,
                    To::Trace => trace,
                    To::Block(b) | To::Local(b) => b,
                };
                (t - i - 1) as u8
            };
            libc::sock_filter {
                code: x.code,
                jt: target(x.jt),
                jf: target(x.jf),
                k: x.k,
            }
        })
        .collect()
}

/// Build the program: arch check, x32 check, one `jeq nr` per rule (to TRACE, or to the rule's
/// block), ALLOW, TRACE, then the blocks. Jumps only go forward, as BPF requires.
/// Non-x86_64 (i386 `int 0x80`) and x32 syscalls are allowed: those programs run unsupervised.
pub fn program(t: &Traced) -> Vec<libc::sock_filter> {
    let rules = rules(t);
    let mut ins = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, To::Next, To::Allow),
        stmt(BPF_LD_W_ABS, OFF_NR),
        jump(BPF_JGE_K, X32_SYSCALL_BIT, To::Allow, To::Next),
    ];
    let mut blocks = Vec::new();
    for &(n, w) in &rules {
        let to = match w {
            When::Always => To::Trace,
            _ => {
                blocks.push(block(w));
                To::Block(blocks.len() - 1)
            }
        };
        ins.push(jump(BPF_JEQ_K, n as u32, to, To::Next));
    }
    let allow = ins.len();
    ins.push(stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
    let trace = ins.len();
    ins.push(stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE));
    let mut starts = Vec::new();
    let mut owner = vec![None; ins.len()];
    for b in blocks {
        starts.push(ins.len());
        owner.extend(std::iter::repeat_n(Some(ins.len()), b.len()));
        ins.extend(b);
    }
    // Relative jumps: target - (index + 1). The program is far below 256 instructions.
    let resolve = |i: usize, to: To| -> u8 {
        let target = match to {
            To::Next => i + 1,
            To::Allow => allow,
            To::Trace => trace,
            To::Block(b) => starts[b],
            To::Local(k) => owner[i].unwrap_or(0) + k,
        };
        (target - i - 1) as u8
    };
    ins.iter()
        .enumerate()
        .map(|(i, x)| libc::sock_filter {
            code: x.code,
            jt: resolve(i, x.jt),
            jf: resolve(i, x.jf),
            k: x.k,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny classic-BPF interpreter for the opcodes used here.
    fn eval(p: &[libc::sock_filter], arch: u32, nr: u32, arg0: u32) -> u32 {
        eval_args(p, arch, nr, [u64::from(arg0), 0, 0, 0, 0, 0])
    }

    fn eval_args(p: &[libc::sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
        let mut pc = 0;
        let mut a = 0u32;
        loop {
            let ins = p[pc];
            match ins.code {
                BPF_LD_W_ABS => {
                    a = match ins.k {
                        OFF_ARCH => arch,
                        OFF_NR => nr,
                        k if (16..64).contains(&k) => {
                            let v = args[(k as usize - 16) / 8];
                            if k % 8 == 0 {
                                v as u32
                            } else {
                                (v >> 32) as u32
                            }
                        }
                        _ => panic!("load"),
                    }
                }
                BPF_AND_K => a &= ins.k,
                BPF_JEQ_K | BPF_JGE_K | BPF_JSET_K => {
                    let hit = match ins.code {
                        BPF_JEQ_K => a == ins.k,
                        BPF_JGE_K => a >= ins.k,
                        _ => a & ins.k != 0,
                    };
                    pc += usize::from(if hit { ins.jt } else { ins.jf });
                }
                BPF_RET_K => return ins.k,
                _ => panic!("opcode"),
            }
            pc += 1;
        }
    }

    #[test]
    fn filter_traces_only_what_is_rewritten() {
        let all = Traced {
            time: true,
            file_times: true,
            random: true,
            dir_order: true,
            inodes: true,
            uname: false,
        };
        let p = program(&all);
        let x = AUDIT_ARCH_X86_64;
        let (trace, allow) = (libc::SECCOMP_RET_TRACE, libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 0), trace);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 11), trace);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 1), allow); // CLOCK_MONOTONIC
        assert_eq!(eval(&p, x, nr::NEWFSTATAT as u32, 0), trace);
        assert_eq!(eval(&p, x, nr::GETDENTS64 as u32, 0), trace);
        assert_eq!(eval(&p, x, nr::READ as u32, 0), allow); // reads stop by a filter per fd
        assert_eq!(eval_args(&p, x, nr::OPENAT as u32, [0, 0, 0o2000000, 0, 0, 0]), trace); // O_CLOEXEC
        assert_eq!(eval_args(&p, x, nr::OPENAT as u32, [0, 0, 0o1, 0, 0, 0]), allow); // O_WRONLY
        assert_eq!(eval_args(&p, x, nr::OPENAT as u32, [0, 0, 0o200000, 0, 0, 0]), allow); // O_DIRECTORY
        assert_eq!(eval_args(&p, x, nr::OPEN as u32, [0, 0o2, 0, 0, 0, 0]), allow); // O_RDWR
        assert_eq!(eval_args(&p, x, nr::OPEN as u32, [0, 0, 0, 0, 0, 0]), trace);
        assert_eq!(eval(&p, x, 1, 0), allow); // write
        assert_eq!(eval(&p, x, nr::STAT as u32 | X32_SYSCALL_BIT, 0), allow);
        assert_eq!(eval(&p, 0x4000_0003, nr::STAT as u32, 0), allow); // i386
        let none = Traced {
            time: false,
            file_times: true,
            random: false,
            dir_order: false,
            inodes: false,
            uname: false,
        };
        let p = program(&none);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 0), allow);
        assert_eq!(eval(&p, x, nr::READ as u32, 0), allow);
        assert_eq!(eval(&p, x, nr::LSTAT as u32, 0), trace);
    }

    #[test]
    fn reads_of_one_descriptor_stop() {
        let p = read_fd_program(5);
        let x = AUDIT_ARCH_X86_64;
        let (trace, allow) = (libc::SECCOMP_RET_TRACE, libc::SECCOMP_RET_ALLOW);
        for n in [
            nr::READ,
            nr::PREAD64,
            nr::READV,
            nr::PREADV,
            nr::DUP,
            nr::DUP2,
            nr::DUP3,
            nr::FCNTL,
        ] {
            assert_eq!(eval(&p, x, n as u32, 5), trace);
            assert_eq!(eval(&p, x, n as u32, 4), allow);
        }
        assert_eq!(eval(&p, x, 1, 5), allow); // write
        assert_eq!(eval(&p, 0x4000_0003, nr::READ as u32, 5), allow); // i386
    }

    #[test]
    fn waits_stop_only_with_a_timeout() {
        let p = program(&Traced {
            time: true,
            file_times: false,
            random: false,
            dir_order: false,
            inodes: false,
            uname: false,
        });
        let x = AUDIT_ARCH_X86_64;
        let (trace, allow) = (libc::SECCOMP_RET_TRACE, libc::SECCOMP_RET_ALLOW);
        let futex = |op: u64, timeout: u64| eval_args(&p, x, nr::FUTEX as u32, [0, op, 0, timeout, 0, 0]);
        assert_eq!(futex(9 | 128 | 256, 0x7fff_0000), trace); // WAIT_BITSET_PRIVATE | CLOCK_REALTIME
        assert_eq!(futex(9 | 128 | 256, 1 << 40), trace); // pointer in the high word
        assert_eq!(futex(9 | 128 | 256, 0), allow); // no timeout: nothing to convert
        assert_eq!(futex(9 | 128, 0x7fff_0000), trace); // a monotonic deadline: it moves the clock
        assert_eq!(futex(9 | 128, 0), allow);
        assert_eq!(futex(13, 0x7fff_0000), trace);
        assert_eq!(futex(6 | 128, 0x7fff_0000), trace); // LOCK_PI: realtime always
        assert_eq!(futex(128, 0x7fff_0000), allow); // FUTEX_WAIT_PRIVATE: relative, monotonic
        assert_eq!(futex(1 | 128, 0), allow); // WAKE
        let call = |n: i64, args: [u64; 6]| eval_args(&p, x, n as u32, args);
        assert_eq!(call(nr::POLL, [0, 1, 10, 0, 0, 0]), trace);
        assert_eq!(call(nr::POLL, [0, 1, 0, 0, 0, 0]), allow);
        assert_eq!(call(nr::POLL, [0, 1, 0xffff_ffff, 0, 0, 0]), allow); // -1: no timeout
        assert_eq!(call(nr::EPOLL_WAIT, [3, 1, 8, 5, 0, 0]), trace);
        assert_eq!(call(nr::PSELECT6, [1, 0, 0, 0, 0, 0]), allow);
        assert_eq!(call(nr::PSELECT6, [1, 0, 0, 0, 0x1000, 0]), trace);
        assert_eq!(call(nr::PPOLL, [0, 1, 0x1000, 0, 0, 0]), trace);
        assert_eq!(call(nr::TIMERFD_SETTIME, [3, 1, 0, 0, 0, 0]), trace);
        assert_eq!(call(nr::TIMERFD_SETTIME, [3, 0, 0, 0, 0, 0]), allow);
        assert_eq!(call(nr::NANOSLEEP, [0; 6]), trace);
        assert_eq!(call(nr::CLOCK_NANOSLEEP, [1, 0, 0, 0, 0, 0]), trace);
        assert_eq!(call(nr::CLOCK_GETTIME, [1, 0, 0, 0, 0, 0]), allow);
        assert_eq!(call(nr::CLOCK_GETTIME, [8, 0, 0, 0, 0, 0]), trace);
        assert_eq!(call(1, [0; 6]), allow);
    }
}
