//! The seccomp BPF program: SECCOMP_RET_TRACE for the syscalls the supervisor rewrites, allow
//! for everything else, so the rest of the build runs at full speed.

/// x86_64 syscall numbers (asm/unistd_64.h).
pub mod nr {
    pub const READ: i64 = 0;
    pub const STAT: i64 = 4;
    pub const FSTAT: i64 = 5;
    pub const LSTAT: i64 = 6;
    pub const CLONE: i64 = 56;
    pub const GETTIMEOFDAY: i64 = 96;
    pub const TIME: i64 = 201;
    pub const GETDENTS64: i64 = 217;
    pub const CLOCK_GETTIME: i64 = 228;
    pub const NEWFSTATAT: i64 = 262;
    pub const GETRANDOM: i64 = 318;
    pub const STATX: i64 = 332;
    pub const CLONE3: i64 = 435;
}

/// The realtime clocks (CLOCK_REALTIME, _COARSE, _ALARM, CLOCK_TAI); monotonic and CPU clocks
/// are left to the kernel.
pub const REALTIME_CLOCKS: [u32; 4] = [0, 5, 8, 11];

const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// Classic BPF opcodes (linux/bpf_common.h).
/// BPF_LD (0x00) | BPF_W (0x00) | BPF_ABS (0x20).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x05 | 0x10;
const BPF_JGE_K: u16 = 0x05 | 0x30;
const BPF_RET_K: u16 = 0x06;

// seccomp_data offsets.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const OFF_ARG0_LOW: u32 = 16;

/// Which fixes are on; each adds its syscalls to the filter.
pub struct Traced {
    pub time: bool,
    pub file_times: bool,
    pub random: bool,
    pub dir_order: bool,
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// Build the program. Layout: arch check, x32 check, one `jeq nr → TRACE` per plain syscall,
/// `jeq clock_gettime → clock check`, ALLOW, TRACE, then the clock check block.
/// Non-x86_64 (i386 `int 0x80`) and x32 syscalls are allowed: those programs run unsupervised.
pub fn program(t: &Traced) -> Vec<libc::sock_filter> {
    let mut plain: Vec<i64> = Vec::new();
    if t.time {
        plain.extend([nr::GETTIMEOFDAY, nr::TIME]);
    }
    if t.file_times {
        plain.extend([nr::STAT, nr::FSTAT, nr::LSTAT, nr::NEWFSTATAT, nr::STATX]);
    }
    if t.random {
        plain.extend([nr::GETRANDOM, nr::READ]);
    }
    if t.dir_order {
        plain.push(nr::GETDENTS64);
    }
    let mut p = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        // Placeholder jf: patched to ALLOW below.
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 0, 0),
        stmt(BPF_LD_W_ABS, OFF_NR),
        jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 0),
    ];
    let first_jeq = p.len();
    for &n in &plain {
        p.push(jump(BPF_JEQ_K, n as u32, 0, 0));
    }
    let clock_jeq = if t.time {
        p.push(jump(BPF_JEQ_K, nr::CLOCK_GETTIME as u32, 0, 0));
        Some(p.len() - 1)
    } else {
        None
    };
    let allow = p.len();
    p.push(stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
    let trace = p.len();
    p.push(stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE));
    let clock_block = p.len();
    if t.time {
        p.push(stmt(BPF_LD_W_ABS, OFF_ARG0_LOW));
        for &c in &REALTIME_CLOCKS {
            p.push(jump(BPF_JEQ_K, c, 0, 0));
        }
        p.push(stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
    }
    // Relative jumps: target - (index + 1). The program is far below 256 instructions.
    let rel = |from: usize, to: usize| (to - from - 1) as u8;
    p[1].jf = rel(1, allow);
    p[3].jt = rel(3, allow);
    for (i, ins) in p.iter_mut().enumerate().skip(first_jeq).take(plain.len()) {
        ins.jt = rel(i, trace);
    }
    if let Some(i) = clock_jeq {
        p[i].jt = rel(i, clock_block);
        for k in 0..REALTIME_CLOCKS.len() {
            let at = clock_block + 1 + k;
            // Backwards jumps are impossible in BPF: a matching clock goes to a TRACE placed after.
            p[at].jt = rel(at, clock_block + 1 + REALTIME_CLOCKS.len() + 1);
        }
        p.push(stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny classic-BPF interpreter for the opcodes used here.
    fn eval(p: &[libc::sock_filter], arch: u32, nr: u32, arg0: u32) -> u32 {
        let mut pc = 0;
        let mut a = 0u32;
        loop {
            let ins = p[pc];
            match ins.code {
                BPF_LD_W_ABS => {
                    a = match ins.k {
                        OFF_ARCH => arch,
                        OFF_NR => nr,
                        OFF_ARG0_LOW => arg0,
                        _ => panic!("load"),
                    }
                }
                BPF_JEQ_K | BPF_JGE_K => {
                    let hit = if ins.code == BPF_JEQ_K { a == ins.k } else { a >= ins.k };
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
        };
        let p = program(&all);
        let x = AUDIT_ARCH_X86_64;
        let (trace, allow) = (libc::SECCOMP_RET_TRACE, libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 0), trace);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 11), trace);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 1), allow); // CLOCK_MONOTONIC
        assert_eq!(eval(&p, x, nr::NEWFSTATAT as u32, 0), trace);
        assert_eq!(eval(&p, x, nr::GETDENTS64 as u32, 0), trace);
        assert_eq!(eval(&p, x, 1, 0), allow); // write
        assert_eq!(eval(&p, x, nr::STAT as u32 | X32_SYSCALL_BIT, 0), allow);
        assert_eq!(eval(&p, 0x4000_0003, nr::STAT as u32, 0), allow); // i386
        let none = Traced {
            time: false,
            file_times: true,
            random: false,
            dir_order: false,
        };
        let p = program(&none);
        assert_eq!(eval(&p, x, nr::CLOCK_GETTIME as u32, 0), allow);
        assert_eq!(eval(&p, x, nr::READ as u32, 0), allow);
        assert_eq!(eval(&p, x, nr::LSTAT as u32, 0), trace);
    }
}
