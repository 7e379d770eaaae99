//! The pure part of the supervisor: deterministic clock and random streams, and the byte-level
//! rewrites of what the kernel returned (stat times, directory entries, the exec stack's auxv).
//! Nothing here touches a process, so all of it is unit-tested.

/// Layout of `struct stat` on x86_64: atime, mtime, ctime as (i64 sec, i64 nsec) pairs.
pub const STAT_TIMES_OFFSET: usize = 72;
/// atime, mtime, ctime: 3 × 16 bytes.
pub const STAT_TIMES_LEN: usize = 48;
/// `struct statx`: atime, btime, ctime, mtime as 16-byte `statx_timestamp`s from offset 64.
pub const STATX_TIMES_OFFSET: usize = 64;
pub const STATX_TIMES_LEN: usize = 64;

/// auxv keys (linux/auxvec.h).
pub const AT_NULL: u64 = 0;
pub const AT_IGNORE: u64 = 1;
pub const AT_RANDOM: u64 = 25;
pub const AT_SYSINFO_EHDR: u64 = 33;

/// 64-bit FNV-1a: a stable hash (std's DefaultHasher may change between Rust releases, and the
/// streams it keys must not).
pub fn fnv1a(seed: u64, data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64: tiny, fast, and fully determined by its state. Deliberately predictable: the
/// point is that two runs see the same "random" bytes.
#[derive(Clone, Debug)]
pub struct Stream {
    state: u64,
}

impl Stream {
    pub fn new(key: u64) -> Stream {
        Stream { state: key }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// The deterministic wall clock: call n (from 0) of a process answers
/// `epoch + n × step + waited`, where `waited` is what the calling thread's timed waits have run
/// (added by the supervisor, so a loop that sleeps until a time ends on time; another thread's
/// waits do not count, so background threads do not make readings vary).
#[derive(Clone, Debug)]
pub struct Clock {
    epoch: i64,
    step_ns: u64,
    calls: u64,
    /// Waited by all threads: only where a thread's own count has no room (see `vdso`).
    shared_ns: u64,
    /// Waited by the calling thread: set from the thread before use, read back after.
    pub own_ns: u64,
}

const NS: i128 = 1_000_000_000;

impl Clock {
    pub fn new(epoch: i64, step_ns: u64) -> Clock {
        Clock {
            epoch,
            step_ns,
            calls: 0,
            shared_ns: 0,
            own_ns: 0,
        }
    }

    /// The time now, in nanoseconds since 1970, without reading the clock (no step).
    pub fn now_ns(&self) -> i128 {
        // i128: no overflow for any step and call count a process can reach.
        i128::from(self.epoch) * NS
            + i128::from(self.calls) * i128::from(self.step_ns)
            + i128::from(self.shared_ns)
            + i128::from(self.own_ns)
    }

    /// The next reading as (seconds, nanoseconds).
    pub fn tick(&mut self) -> (i64, i64) {
        let ns = self.now_ns();
        self.calls = self.calls.saturating_add(1);
        split_ns(ns)
    }

    /// A wait of `ns` by the calling thread ran its course.
    pub fn advance_by(&mut self, ns: i128) {
        let ns = u64::try_from(ns.max(0)).unwrap_or(u64::MAX);
        self.own_ns = self.own_ns.saturating_add(ns);
    }

    /// Move what the calling thread waited into what all threads waited (its own count has no
    /// room to be kept).
    pub fn share_own(&mut self) {
        self.shared_ns = self.shared_ns.saturating_add(std::mem::take(&mut self.own_ns));
    }

    /// A wait until `deadline_ns` ran its course: from now on the clock reads at least that.
    pub fn advance_to(&mut self, deadline_ns: i128) {
        self.advance_by(deadline_ns - self.now_ns());
    }

    /// The clock as kept in a process's data page (see `vdso`): calls, epoch, step, waited by
    /// all (the thread's own count is kept in its slot).
    pub fn to_page(&self) -> [u8; 32] {
        let mut p = [0u8; 32];
        p[0..8].copy_from_slice(&self.calls.to_le_bytes());
        p[8..16].copy_from_slice(&self.epoch.to_le_bytes());
        p[16..24].copy_from_slice(&self.step_ns.to_le_bytes());
        p[24..32].copy_from_slice(&self.shared_ns.to_le_bytes());
        p
    }

    pub fn from_page(p: &[u8]) -> Option<Clock> {
        let w = |i: usize| -> Option<[u8; 8]> { p.get(i..i + 8)?.try_into().ok() };
        Some(Clock {
            calls: u64::from_le_bytes(w(0)?),
            epoch: i64::from_le_bytes(w(8)?),
            step_ns: u64::from_le_bytes(w(16)?),
            shared_ns: u64::from_le_bytes(w(24)?),
            own_ns: 0,
        })
    }
}

/// Nanoseconds since 1970 as (seconds, nanoseconds), clamped to what a timespec holds.
pub fn split_ns(ns: i128) -> (i64, i64) {
    let sec = ns.div_euclid(NS).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    (sec, ns.rem_euclid(NS) as i64)
}

/// A timespec (i64 seconds, i64 nanoseconds) as nanoseconds.
pub fn timespec_ns(b: &[u8]) -> Option<i128> {
    let sec = i64::from_le_bytes(b.get(0..8)?.try_into().ok()?);
    let nsec = i64::from_le_bytes(b.get(8..16)?.try_into().ok()?);
    Some(i128::from(sec) * NS + i128::from(nsec))
}

/// Nanoseconds as a timespec's 16 bytes.
pub fn ns_timespec(ns: i128) -> [u8; 16] {
    let (s, n) = split_ns(ns);
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&s.to_le_bytes());
    b[8..].copy_from_slice(&n.to_le_bytes());
    b
}

/// Per-process deterministic state: reset at each exec, copied at fork, shared by threads.
#[derive(Clone, Debug)]
pub struct ProcState {
    /// The clock of a process without a data page (see `vdso`).
    pub clock: Clock,
    pub random: Stream,
    /// The address of the process's clock data page, when its vDSO answers the clock.
    pub page: Option<u64>,
    /// Where the process can be made to run a syscall (`vdso::INJECT_SYSCALL`).
    pub inject: Option<u64>,
}

impl ProcState {
    /// The state of a program just exec'd: keyed by the seed and its command line, so the same
    /// command gets the same stream whatever the scheduling of a parallel build.
    pub fn at_exec(epoch: i64, step_ns: u64, seed: u64, argv: &[Vec<u8>]) -> ProcState {
        let mut key = fnv1a(seed, b"reproscope");
        for a in argv {
            key = fnv1a(key, a);
            key = fnv1a(key, &[0]);
        }
        ProcState {
            clock: Clock::new(epoch, step_ns),
            random: Stream::new(key),
            page: None,
            inject: None,
        }
    }
}

fn get_i64(b: &[u8], at: usize) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    i64::from_le_bytes(w)
}

fn put_i64(b: &mut [u8], at: usize, v: i64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// File times as the build sees them: everything later than one second before the epoch reads
/// as written in that last second. A time from before the run (before `start`, the first tick
/// of the kernel's file clock after the run began) becomes its very start (`epoch - 1`, 0 ns),
/// unless it is inside that second (a time read here and set again by the build, as `touch -r`
/// does: it stays); older ones stay. A time from the run itself becomes a point later in that second that keeps
/// the real order: the first such time seen is half way through it, a later one 100 ns after
/// the latest so far, one in between half way between its neighbours. So every file the build
/// wrote is newer than every file it found and older than what it writes after it (what make
/// and Automake's "newly created file is older than distributed files" check rely on, and
/// `ls -t` shows), and none is in the future of the clock, which starts at the epoch (make
/// would warn of clock skew). Seconds are the same in every run; nanoseconds too when the build
/// writes and looks at its files in the same order (a sequential build; a parallel one may
/// vary them).
#[derive(Clone, Debug)]
pub struct FileTimes {
    epoch: i64,
    /// Files from before the run read as one second before this (at most `epoch`; the same
    /// unless set apart, as `reproscope check` does to move the clock but not the sources).
    found: i64,
    start: (i64, i64),
    /// Real times from the run, and the nanoseconds after the epoch they read as.
    during: std::collections::BTreeMap<(i64, i64), i64>,
}

/// How far a time written later than all before it reads after the latest.
const FILE_TIME_STEP_NS: i64 = 100;

impl FileTimes {
    pub fn new(epoch: i64, start: (i64, i64)) -> FileTimes {
        FileTimes::with_found(epoch, epoch, start)
    }

    /// Files from before the run anchored at `found` instead of `epoch`.
    pub fn with_found(epoch: i64, found: i64, start: (i64, i64)) -> FileTimes {
        FileTimes {
            epoch,
            found: found.min(epoch),
            start,
            during: Default::default(),
        }
    }

    /// What (seconds, nanoseconds) reads as; `None` when it stays.
    pub fn map(&mut self, sec: i64, nsec: i64) -> Option<(i64, i64)> {
        let t = (sec, nsec);
        let target = if t >= self.start {
            (self.epoch - 1, self.place(t))
        } else if t > (self.epoch - 1, 0) && t < (self.epoch, 0) {
            // A time this rewriting made, written back to disk by the build (`touch -r`, `cp
            // -p`, autom4te setting an output's time from a stat): it stays as it was read.
            return None;
        } else if t > (self.found - 1, 0) {
            (self.found - 1, 0)
        } else {
            return None;
        };
        (t != target).then_some(target)
    }

    fn place(&mut self, t: (i64, i64)) -> i64 {
        if let Some(&v) = self.during.get(&t) {
            return v;
        }
        let below = self.during.range(..t).next_back().map(|(_, &v)| v);
        let above = self.during.range(t..).next().map(|(_, &v)| v);
        let v = match (below, above) {
            (None, None) => 500_000_000,
            (Some(b), None) => (b + FILE_TIME_STEP_NS).min(999_999_999),
            (None, Some(a)) => (a / 2).max(1),
            // With no room left between them it ties with the earlier one.
            (Some(b), Some(a)) => b + (a - b) / 2,
        };
        self.during.insert(t, v);
        v
    }

    /// Rewrite the three times of a `struct stat` (`times` = bytes [72, 120)). Returns whether
    /// any changed.
    pub fn stat(&mut self, times: &mut [u8]) -> bool {
        let mut changed = false;
        for i in 0..3 {
            if times.len() < i * 16 + 16 {
                break;
            }
            let (s, n) = (get_i64(times, i * 16), get_i64(times, i * 16 + 8));
            if let Some((s, n)) = self.map(s, n) {
                put_i64(times, i * 16, s);
                put_i64(times, i * 16 + 8, n);
                changed = true;
            }
        }
        changed
    }

    /// Rewrite the four `statx_timestamp`s (i64 sec, u32 nsec, i32 pad) of a `struct statx`
    /// (`times` = bytes [64, 128)).
    pub fn statx(&mut self, times: &mut [u8]) -> bool {
        let mut changed = false;
        for i in 0..4 {
            let at = i * 16;
            if times.len() < at + 12 {
                break;
            }
            let s = get_i64(times, at);
            let n = i64::from(u32::from_le_bytes([
                times[at + 8],
                times[at + 9],
                times[at + 10],
                times[at + 11],
            ]));
            if let Some((s, n)) = self.map(s, n) {
                put_i64(times, at, s);
                times[at + 8..at + 12].copy_from_slice(&(n as u32).to_le_bytes());
                changed = true;
            }
        }
        changed
    }
}

/// A user namespace's id map (`/proc/PID/uid_map`, `gid_map`): (inside, outside, count) lines.
pub fn parse_id_map(text: &str) -> Vec<(u32, u32, u32)> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace().map(|x| x.parse::<u32>().ok());
            Some((w.next()??, w.next()??, w.next()??))
        })
        .collect()
}

/// An id as a process in the namespace with `map` sees it: mapped, or the overflow id (65534)
/// when unmapped, as the kernel reports owners it cannot name.
pub fn id_inside(id: u32, map: &[(u32, u32, u32)]) -> u32 {
    map.iter()
        .find(|&&(_, out, n)| id >= out && u64::from(id) < u64::from(out) + u64::from(n))
        .map_or(65534, |&(inside, out, _)| inside + (id - out))
}

/// Where a file's device and inode number are: `struct stat` (st_dev, st_ino) and `struct statx`
/// (stx_ino, stx_dev_major, stx_dev_minor).
pub const STAT_DEV: usize = 0;
pub const STAT_INO: usize = 8;
pub const STATX_INO: usize = 32;
pub const STATX_DEV: usize = 136;

/// A device number as glibc's `makedev` packs it (what `st_dev` holds).
pub fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (u64::from(major), u64::from(minor));
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}

/// The (major, minor) of a packed device number.
pub fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    (major as u32, minor as u32)
}

/// A file's name for numbering it: `path` taken from `base` (a directory), "." and empty parts
/// dropped and ".." taken back lexically, and relative to the first of `roots` (the directories
/// the run started in) it is under, so a tree numbers alike wherever it was built.
pub fn file_name(base: &[u8], path: &[u8], roots: &[Vec<u8>]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let whole: Vec<&[u8]> = if path.first() == Some(&b'/') {
        path.split(|&c| c == b'/').collect()
    } else {
        base.split(|&c| c == b'/').chain(path.split(|&c| c == b'/')).collect()
    };
    for p in whole {
        match p {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            _ => parts.push(p),
        }
    }
    let mut name = Vec::new();
    for p in &parts {
        name.push(b'/');
        name.extend_from_slice(p);
    }
    if name.is_empty() {
        name.push(b'/');
    }
    for r in roots {
        if r.len() > 1 && name.starts_with(r) && (name.len() == r.len() || name[r.len()] == b'/') {
            return [b".".as_slice(), &name[r.len()..]].concat();
        }
    }
    name
}

/// Inode and device numbers as the build sees them: each real (device, inode) gets a number
/// from a hash of the name it was first seen under (see [`file_name`]), below 2^32 as cpio's
/// newc headers need, and unique (a collision takes the next free number); files without a
/// name (pipes, sockets) count up from 2^31 in the order seen. Devices are numbered 1, 2, ...
/// in the order seen. So one tree archived twice, or built in two places, shows the same
/// numbers, and hard links still share theirs.
#[derive(Default)]
pub struct Inodes {
    map: std::collections::HashMap<(u64, u64), u32>,
    used: std::collections::HashSet<u32>,
    devs: std::collections::HashMap<u64, u32>,
    unnamed: u32,
}

impl Inodes {
    /// How many files have numbers.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The device number (as `makedev(0, n)` packs it) for a real one.
    pub fn dev(&mut self, real: u64) -> u32 {
        let n = self.devs.len() as u32 + 1;
        *self.devs.entry(real).or_insert(n)
    }

    /// The inode number for a real (device, inode); `name` is asked only at the first sight.
    pub fn ino(&mut self, dev: u64, ino: u64, name: impl FnOnce() -> Option<Vec<u8>>) -> u32 {
        if let Some(&v) = self.map.get(&(dev, ino)) {
            return v;
        }
        let mut v = match name() {
            Some(n) => (fnv1a(0, &n) as u32).max(2),
            None => {
                self.unnamed += 1;
                (1 << 31) + self.unnamed
            }
        };
        while !self.used.insert(v) {
            v = v.checked_add(1).unwrap_or(2);
        }
        self.map.insert((dev, ino), v);
        v
    }
}

/// Sort one `getdents64` result (`linux_dirent64` records: u64 ino, i64 off, u16 reclen, u8 type,
/// name NUL-terminated) by name. Each record keeps its own bytes; the `d_off` cookies stay in
/// their positions, so the last one still says where the kernel's listing goes on.
/// `None` when the buffer is malformed (then it is left as the kernel wrote it) or already sorted.
pub fn sort_dirents(buf: &[u8]) -> Option<Vec<u8>> {
    let mut recs: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        if at + 19 > buf.len() {
            return None;
        }
        let reclen = usize::from(u16::from_le_bytes([buf[at + 16], buf[at + 17]]));
        if reclen < 20 || at + reclen > buf.len() {
            return None;
        }
        recs.push((at, reclen));
        at += reclen;
    }
    let name = |&(at, len): &(usize, usize)| -> &[u8] {
        let n = &buf[at + 19..at + len];
        &n[..n.iter().position(|&c| c == 0).unwrap_or(n.len())]
    };
    let mut order: Vec<usize> = (0..recs.len()).collect();
    order.sort_by(|&a, &b| name(&recs[a]).cmp(name(&recs[b])));
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        return None;
    }
    let mut out = Vec::with_capacity(buf.len());
    for (pos, &o) in order.iter().enumerate() {
        let (at, len) = recs[o];
        let start = out.len();
        out.extend_from_slice(&buf[at..at + len]);
        // d_off of the record now at this position: the cookie the kernel gave this position.
        let off_src = recs[pos].0 + 8;
        let mut off = [0u8; 8];
        off.copy_from_slice(&buf[off_src..off_src + 8]);
        out[start + 8..start + 16].copy_from_slice(&off);
    }
    Some(out)
}

/// The records of a `getdents64` result, each a complete `linux_dirent64`; `None` when malformed.
pub fn split_dirents(buf: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        if at + 19 > buf.len() {
            return None;
        }
        let reclen = usize::from(u16::from_le_bytes([buf[at + 16], buf[at + 17]]));
        if reclen < 20 || at + reclen > buf.len() {
            return None;
        }
        out.push(buf[at..at + reclen].to_vec());
        at += reclen;
    }
    Some(out)
}

pub fn dirent_name(rec: &[u8]) -> &[u8] {
    let n = rec.get(19..).unwrap_or(&[]);
    &n[..n.iter().position(|&c| c == 0).unwrap_or(n.len())]
}

/// Sort whole-directory records by name (bytewise, as `LC_ALL=C ls`).
pub fn sort_records(recs: &mut [Vec<u8>]) {
    recs.sort_by(|a, b| dirent_name(a).cmp(dirent_name(b)));
}

/// One `getdents64` answer served from a sorted listing.
#[derive(Debug, PartialEq)]
pub enum Batch {
    /// The listing is exhausted: return 0.
    End,
    /// The next record does not fit in the caller's buffer: EINVAL, as the kernel.
    TooSmall,
    /// These bytes; the file position (our cookie) to continue from is `next`.
    Records { bytes: Vec<u8>, next: u64 },
}

/// The records from index `at` that fit in `count` bytes. Each record's `d_off` becomes the index
/// after it, so telldir/seekdir and rewinddir work on the sorted order.
pub fn batch(sorted: &[Vec<u8>], at: u64, count: usize) -> Batch {
    let Ok(start) = usize::try_from(at) else {
        return Batch::End;
    };
    if start >= sorted.len() {
        return Batch::End;
    }
    let mut bytes = Vec::new();
    let mut i = start;
    while i < sorted.len() && bytes.len() + sorted[i].len() <= count {
        let from = bytes.len();
        bytes.extend_from_slice(&sorted[i]);
        bytes[from + 8..from + 16].copy_from_slice(&((i + 1) as i64).to_le_bytes());
        i += 1;
    }
    if i == start {
        return Batch::TooSmall;
    }
    Batch::Records { bytes, next: i as u64 }
}

/// What the exec stack tells: where the auxv entries to rewrite are and the argv pointers.
#[derive(Debug, Default, PartialEq)]
pub struct ExecStack {
    pub argv: Vec<u64>,
    /// Byte offsets (from the stack pointer) of the AT_SYSINFO_EHDR entries' key.
    pub sysinfo_ehdr_at: Vec<usize>,
    /// The vDSO's address (AT_SYSINFO_EHDR's value).
    pub vdso: Option<u64>,
    /// The address of the 16 AT_RANDOM bytes.
    pub random_addr: Option<u64>,
}

/// Parse the initial stack (`stack` read from rsp): argc, argv..., NULL, envp..., NULL, auxv
/// pairs up to AT_NULL. `None` when `stack` ends first (read more) or argc is absurd.
pub fn parse_exec_stack(stack: &[u8]) -> Option<ExecStack> {
    let word = |i: usize| -> Option<u64> {
        let b = stack.get(i * 8..i * 8 + 8)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Some(u64::from_le_bytes(w))
    };
    let argc = word(0)?;
    if argc > (1 << 24) {
        return None;
    }
    let mut st = ExecStack::default();
    let mut i = 1;
    for _ in 0..argc {
        st.argv.push(word(i)?);
        i += 1;
    }
    i += 1; // argv's NULL
    while word(i)? != 0 {
        i += 1;
    }
    i += 1; // envp's NULL
    loop {
        let (key, val) = (word(i)?, word(i + 1)?);
        match key {
            AT_NULL => break,
            AT_SYSINFO_EHDR => {
                st.sysinfo_ehdr_at.push(i * 8);
                st.vdso = Some(val);
            }
            AT_RANDOM => st.random_addr = Some(val),
            _ => {}
        }
        i += 2;
    }
    Some(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_starts_at_epoch_and_steps() {
        let mut c = Clock::new(1_700_000_000, 1_000_000);
        assert_eq!(c.tick(), (1_700_000_000, 0));
        assert_eq!(c.tick(), (1_700_000_000, 1_000_000));
        for _ in 0..998 {
            c.tick();
        }
        assert_eq!(c.tick(), (1_700_000_001, 0));
    }

    #[test]
    fn clock_waits_add_on_and_pages_round_trip() {
        let mut c = Clock::new(100, 10);
        c.tick();
        c.advance_by(5);
        assert_eq!(c.now_ns(), 100 * NS + 15);
        c.advance_to(100 * NS + 12); // already past: nothing
        assert_eq!(c.now_ns(), 100 * NS + 15);
        c.advance_to(101 * NS);
        assert_eq!(c.tick(), (101, 0));
        let mut back = Clock::from_page(&c.to_page()).unwrap();
        assert_eq!((back.now_ns(), back.calls), (c.now_ns() - i128::from(c.own_ns), 2));
        back.own_ns = c.own_ns;
        back.share_own();
        assert_eq!((back.now_ns(), back.own_ns), (c.now_ns(), 0));
        assert_eq!(Clock::from_page(&back.to_page()).unwrap().now_ns(), c.now_ns());
        assert!(Clock::from_page(&[0; 31]).is_none());
        assert_eq!(split_ns(-1), (-1, 999_999_999));
        assert_eq!(timespec_ns(&ns_timespec(-1)), Some(-1));
    }

    #[test]
    fn streams_are_keyed_by_command_line() {
        let a = |args: &[&str]| {
            let v: Vec<Vec<u8>> = args.iter().map(|s| s.as_bytes().to_vec()).collect();
            let mut s = ProcState::at_exec(0, 1, 7, &v).random;
            let mut b = [0u8; 12];
            s.fill(&mut b);
            b
        };
        assert_eq!(a(&["cc", "-c", "x.c"]), a(&["cc", "-c", "x.c"]));
        assert_ne!(a(&["cc", "-c", "x.c"]), a(&["cc", "-c", "y.c"]));
        assert_ne!(a(&["ab", "c"]), a(&["a", "bc"]));
    }

    #[test]
    fn ids_map_into_a_namespace() {
        let all = parse_id_map("         0          0 4294967295\n");
        assert_eq!(id_inside(1000, &all), 1000);
        let one = parse_id_map("      1000       1000          1\n");
        assert_eq!((id_inside(1000, &one), id_inside(0, &one)), (1000, 65534));
        let shifted = parse_id_map("0 100000 65536\n");
        assert_eq!((id_inside(100005, &shifted), id_inside(5, &shifted)), (5, 65534));
        assert!(parse_id_map("garbage\n").is_empty());
    }

    #[test]
    fn devices_pack_and_unpack() {
        for (ma, mi) in [(0, 0), (8, 1), (259, 3), (0, 1 << 19), (4095, 255), (1 << 20, 1 << 25)] {
            assert_eq!(split_dev(makedev(ma, mi)), (ma, mi));
        }
        assert_eq!(makedev(8, 1), 0x801);
    }

    #[test]
    fn files_are_named_from_where_the_run_started() {
        let roots = vec![b"/tmp/b1".to_vec()];
        assert_eq!(file_name(b"/tmp/b1", b"out/./x.o", &roots), b"./out/x.o");
        assert_eq!(file_name(b"/tmp/b1/out", b"../src//a.c", &roots), b"./src/a.c");
        assert_eq!(file_name(b"/x", b"/tmp/b1", &roots), b".");
        assert_eq!(file_name(b"/x", b"/tmp/b10/a", &roots), b"/tmp/b10/a");
        assert_eq!(file_name(b"/", b"..", &roots), b"/");
        assert_eq!(file_name(b"/usr", b"lib", &[]), b"/usr/lib");
    }

    #[test]
    fn inodes_are_numbered_by_name_uniquely() {
        let mut a = Inodes::default();
        let n1 = a.ino(5, 100, || Some(b"./x".to_vec()));
        assert_eq!(a.ino(5, 100, || panic!("asked again")), n1); // a hard link: the same
        let n2 = a.ino(5, 101, || Some(b"./y".to_vec()));
        assert_ne!(n1, n2);
        // The same tree elsewhere (other real numbers, other order): the same numbers.
        let mut b = Inodes::default();
        assert_eq!(b.ino(9, 7, || Some(b"./y".to_vec())), n2);
        assert_eq!(b.ino(9, 8, || Some(b"./x".to_vec())), n1);
        // A collision takes the next number.
        let n3 = b.ino(9, 9, || Some(b"./x".to_vec()));
        assert_eq!(n3, n1 + 1);
        assert_eq!(b.ino(9, 10, || None), (1 << 31) + 1);
        assert_eq!((a.dev(2049), a.dev(64), a.dev(2049)), (1, 2, 1));
    }

    #[test]
    fn stat_times_are_clamped() {
        let mut t = [0u8; 48];
        put_i64(&mut t, 0, 100); // atime long before the epoch: kept
        put_i64(&mut t, 16, 2000); // mtime after it, from before the run: a second before it
        put_i64(&mut t, 24, 5);
        put_i64(&mut t, 32, 1000); // ctime at the epoch exactly: a second before it too
        put_i64(&mut t, 40, 0);
        let mut f = FileTimes::new(1000, (9000, 0));
        assert!(f.stat(&mut t));
        assert_eq!((get_i64(&t, 0), get_i64(&t, 16), get_i64(&t, 24)), (100, 999, 0));
        assert_eq!((get_i64(&t, 32), get_i64(&t, 40)), (999, 0));
        assert!(!f.stat(&mut t));
        // Written during the run: in the same second, newer than every file from before it.
        put_i64(&mut t, 16, 9000);
        put_i64(&mut t, 24, 5);
        assert!(f.stat(&mut t));
        assert_eq!((get_i64(&t, 16), get_i64(&t, 24)), (999, 500_000_000));
        // Just before the run started: older.
        put_i64(&mut t, 16, 8999);
        put_i64(&mut t, 24, 999_999_999);
        assert!(f.stat(&mut t));
        assert_eq!(get_i64(&t, 16), 999);
    }

    #[test]
    fn files_written_in_the_run_keep_their_order() {
        let mut f = FileTimes::new(1000, (9000, 0));
        let m = 500_000_000;
        assert_eq!(f.map(9000, 5), Some((999, m)));
        assert_eq!(f.map(9003, 0), Some((999, m + 100))); // later: after it
        assert_eq!(f.map(9001, 7), Some((999, m + 50))); // in between: between
        assert_eq!(f.map(9000, 5), Some((999, m))); // the same time: the same
        assert_eq!(f.map(9000, 1), Some((999, m / 2))); // seen later, written before all
        assert_eq!(f.map(9100, 0), Some((999, m + 200)));
        assert_eq!(f.map(8999, 0), Some((999, 0))); // from before the run: before them all
                                                    // A time read here and written back to disk (touch -r) reads as it was.
        assert_eq!(f.map(999, m + 100), None);
        assert_eq!(f.map(1000, 0), Some((999, 0)));
        // Found files anchored apart from the clock: older still, written ones as before.
        let mut h = FileTimes::with_found(1000, 500, (9000, 0));
        assert_eq!(h.map(8000, 0), Some((499, 0)));
        assert_eq!(h.map(9001, 0), Some((999, m)));
        assert_eq!(h.map(400, 0), None);
        // The same writes seen in the same order give the same times in another run, whatever
        // the real times were.
        let mut g = FileTimes::new(1000, (50, 0));
        let seen = [g.map(60, 0), g.map(70, 0), g.map(65, 3)];
        assert_eq!(seen, [Some((999, m)), Some((999, m + 100)), Some((999, m + 50))]);
    }

    #[test]
    fn statx_times_are_clamped() {
        let mut t = [0u8; 64];
        put_i64(&mut t, 48, 5000);
        t[56..60].copy_from_slice(&9u32.to_le_bytes());
        t[60..64].copy_from_slice(&0x1234u32.to_le_bytes());
        assert!(FileTimes::new(1000, (9000, 0)).statx(&mut t));
        assert_eq!(get_i64(&t, 48), 999);
        assert_eq!(&t[56..60], &[0, 0, 0, 0]);
        assert_eq!(&t[60..64], &0x1234u32.to_le_bytes()); // padding untouched
    }

    fn dirent(name: &str, off: i64) -> Vec<u8> {
        let len = (19 + name.len() + 1).div_ceil(8) * 8;
        let mut r = vec![0u8; len];
        r[0..8].copy_from_slice(&(name.len() as u64).to_le_bytes());
        r[8..16].copy_from_slice(&off.to_le_bytes());
        r[16..18].copy_from_slice(&(len as u16).to_le_bytes());
        r[18] = 8;
        r[19..19 + name.len()].copy_from_slice(name.as_bytes());
        r
    }

    #[test]
    fn dirents_sort_by_name_keeping_cookies_in_place() {
        let buf: Vec<u8> = [dirent("zeta", 11), dirent(".", 22), dirent("alpha-long-name", 33)].concat();
        let out = sort_dirents(&buf).unwrap();
        assert_eq!(out.len(), buf.len());
        let mut names = Vec::new();
        let mut offs = Vec::new();
        let mut at = 0;
        while at < out.len() {
            let len = usize::from(u16::from_le_bytes([out[at + 16], out[at + 17]]));
            let n = &out[at + 19..at + len];
            names.push(String::from_utf8_lossy(&n[..n.iter().position(|&c| c == 0).unwrap()]).into_owned());
            offs.push(get_i64(&out, at + 8));
            at += len;
        }
        assert_eq!(names, [".", "alpha-long-name", "zeta"]);
        assert_eq!(offs, [11, 22, 33]);
        assert_eq!(sort_dirents(&out), None); // already sorted
        assert_eq!(sort_dirents(&buf[..buf.len() - 1]), None); // malformed: untouched
        assert_eq!(sort_dirents(&[0u8; 5]), None);
    }

    #[test]
    fn sorted_listing_is_served_in_batches() {
        let buf: Vec<u8> = [dirent("c", 5), dirent("a", 9), dirent("bb", 2)].concat();
        let mut recs = split_dirents(&buf).unwrap();
        sort_records(&mut recs);
        let one = recs[0].len();
        let Batch::Records { bytes, next } = batch(&recs, 0, one + 1) else {
            panic!("batch")
        };
        assert_eq!((bytes.len(), next), (one, 1));
        assert_eq!(&bytes[19..20], b"a");
        assert_eq!(get_i64(&bytes, 8), 1);
        let Batch::Records { bytes, next } = batch(&recs, 1, 4096) else {
            panic!("batch")
        };
        assert_eq!(next, 3);
        assert_eq!(get_i64(&bytes, 8), 2);
        assert_eq!(&bytes[recs[1].len() + 19..recs[1].len() + 20], b"c");
        assert_eq!(batch(&recs, 3, 4096), Batch::End);
        assert_eq!(batch(&recs, u64::MAX, 4096), Batch::End);
        assert_eq!(batch(&recs, 0, 8), Batch::TooSmall);
        assert_eq!(split_dirents(&buf[..buf.len() - 3]), None);
    }

    #[test]
    fn exec_stack_parse() {
        let words: Vec<u64> = vec![
            2,
            0x1000,
            0x2000,
            0,
            0x3000,
            0,
            AT_SYSINFO_EHDR,
            0x7fff0000,
            6,
            4096,
            AT_RANDOM,
            0x5000,
            AT_NULL,
            0,
        ];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let st = parse_exec_stack(&bytes).unwrap();
        assert_eq!(st.argv, [0x1000, 0x2000]);
        assert_eq!(st.sysinfo_ehdr_at, [6 * 8]);
        assert_eq!(st.vdso, Some(0x7fff0000));
        assert_eq!(st.random_addr, Some(0x5000));
        assert_eq!(parse_exec_stack(&bytes[..bytes.len() - 8]), None);
        assert_eq!(parse_exec_stack(&[]), None);
    }
}
