//! The virtual clock inside each process, without a ptrace stop per reading.
//!
//! At each exec the supervisor maps one private data page into the new process (an `mmap` it
//! makes the process run) and writes a small stub into the unused tail of the process's vDSO
//! mapping (a private copy: the write goes through ptrace). The vDSO's dynamic symbols
//! `clock_gettime`, `gettimeofday` and `time` are then pointed at the stub, which answers the
//! realtime clocks from the data page (call n reads `epoch + n × step + waited`, the counter
//! bumped atomically, so threads share one clock, plus what the thread itself waited) and hands every other clock to the kernel's
//! own code. `getrandom` answers ENOSYS, so libc and Go fall back to the syscall the filter
//! stops. libc, static binaries and Go all find the vDSO through these symbols before any code
//! of the program runs. fork copies the page (the child goes on from the parent's clock), exec
//! starts a fresh one: the same rules as the clock the supervisor keeps for stopped syscalls.
//!
//! Why not a syscall per reading: every stop is a ptrace round trip of tens of microseconds;
//! a loop of clock reads then runs hundreds of times slower than natively.

/// The data pages: `[0]` calls (u64), `[8]` epoch (i64 seconds), `[16]` step (u64 ns),
/// `[24]` time waited by all threads (u64 ns); from [`SLOTS_AT`], [`SLOTS`] slots of 32 bytes,
/// one per thread: its key (u64), what it waited (u64 ns), its last CLOCK_MONOTONIC reading
/// (i64 s, i64 ns). A thread's clock moves on by its own waits only, so a background thread's
/// sleeps (Go's sysmon, a pool's timeouts) do not change what another thread reads.
pub const DATA_LEN: usize = 32;
pub const DATA_SIZE: usize = 8192;
pub const SLOTS_AT: usize = 4096;
pub const SLOTS: usize = 128;
pub const SLOT_LEN: usize = 32;

/// How the stub tells threads apart: by TLS base (a register read, where the CPU lets user code
/// read it: HWCAP2_FSGSBASE) or by thread id (a syscall per reading).
pub fn key_is_fs_base() -> bool {
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(libc::AT_HWCAP2) & 2 != 0 }
}

/// The offset of the first slot to look at for a thread's key in the data pages.
pub fn slot_at(key: u64) -> usize {
    SLOTS_AT + (key.wrapping_mul(SLOT_HASH) >> 57) as usize * SLOT_LEN
}

/// A thread's slot among `slots` (the [`SLOTS`] × [`SLOT_LEN`] bytes from [`SLOTS_AT`]), looked
/// for as the stub does: `Ok(offset)` (from the start of the data pages) of its slot, `Err(Some)`
/// of the first free one, `Err(None)` when the 8 slots looked at are others'.
pub fn find_slot(slots: &[u8], key: u64) -> Result<usize, Option<usize>> {
    let mut at = slot_at(key) - SLOTS_AT;
    for _ in 0..8 {
        let k = slots
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        match k {
            Some(k) if k == key => return Ok(SLOTS_AT + at),
            Some(0) => return Err(Some(SLOTS_AT + at)),
            Some(_) => at = (at + SLOT_LEN) % (SLOTS * SLOT_LEN),
            None => return Err(None),
        }
    }
    Err(None)
}

/// Where each entry point starts in [`STUB`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    ClockGettime,
    Gettimeofday,
    Time,
    Getrandom,
}

impl Entry {
    fn offset(self) -> usize {
        match self {
            Entry::ClockGettime => CG,
            Entry::Gettimeofday => GTOD,
            Entry::Time => TM,
            Entry::Getrandom => RND,
        }
    }

    fn of_symbol(name: &[u8]) -> Option<Entry> {
        Some(match name {
            b"clock_gettime" | b"__vdso_clock_gettime" => Entry::ClockGettime,
            b"gettimeofday" | b"__vdso_gettimeofday" => Entry::Gettimeofday,
            b"time" | b"__vdso_time" => Entry::Time,
            b"getrandom" | b"__vdso_getrandom" => Entry::Getrandom,
            _ => return None,
        })
    }
}

/// The stub, x86_64 (assembled from the listing beside each line; the code is laid out by
/// offset). Filled in per process by [`stub_code`]: the data page's address (each `movabs r8`),
/// the kernel's own clock_gettime (a `jmp` and a `call`), and how a thread is told apart (`slot`).
///
/// - `cg` (clock_gettime): realtime clocks → `V`, the virtual clock. CLOCK_MONOTONIC → `M`: the
///   kernel's reading, also kept in the thread's slot (so a wait until "that reading + d" is
///   known to last d, whatever the real delay before it). Other clocks → the kernel's code.
/// - `slot`: rax = the thread's key (its TLS base by `rdfsbase`, or its tid by `gettid` where
///   the CPU cannot); looks at up to 8 slots from the key's hash: rcx = the offset of the
///   thread's slot (ZF set), or of the first free one, or of the last looked at (ZF clear).
/// - `vtime`: epoch + calls++ × step + waited by all + waited by this thread.
#[rustfmt::skip]
const STUB: [u8; 0x15c] = [
    // cg
    0x83, 0xff, 0x00,                            // 000 cmp edi,0x0
    0x74, 0x60,                                  // 003 je 65 <V>
    0x83, 0xff, 0x05,                            // 005 cmp edi,0x5
    0x74, 0x5b,                                  // 008 je 65 <V>
    0x83, 0xff, 0x08,                            // 00a cmp edi,0x8
    0x74, 0x56,                                  // 00d je 65 <V>
    0x83, 0xff, 0x0b,                            // 00f cmp edi,0xb
    0x74, 0x51,                                  // 012 je 65 <V>
    0x83, 0xff, 0x01,                            // 014 cmp edi,0x1
    0x74, 0x05,                                  // 017 je 1e <M>
    0xe9, 0x00, 0x00, 0x00, 0x00,                // 019 jmp 1e <M>
    // M
    0x56,                                        // 01e push rsi
    0xe8, 0x00, 0x00, 0x00, 0x00,                // 01f call 24 <M+0x6>
    0x5e,                                        // 024 pop rsi
    0x85, 0xc0,                                  // 025 test eax,eax
    0x75, 0x3b,                                  // 027 jne 64 <Mret>
    0x49, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // 029 movabs r8,0x1122334455667788
    0xe8, 0x9d, 0x00, 0x00, 0x00,                // 033 call d5 <slot>
    0x74, 0x11,                                  // 038 je 4b <rec>
    0x48, 0x89, 0xc2,                            // 03a mov rdx,rax
    0x31, 0xc0,                                  // 03d xor eax,eax
    0xf0, 0x49, 0x0f, 0xb1, 0x94, 0x08, 0x00, 0x10, 0x00, 0x00, // 03f lock cmpxchg QWORD PTR [r8+rcx*1+0x1000],rdx
    0x75, 0x17,                                  // 049 jne 62 <Mok>
    // rec
    0x48, 0x8b, 0x06,                            // 04b mov rax,QWORD PTR [rsi]
    0x49, 0x89, 0x84, 0x08, 0x10, 0x10, 0x00, 0x00, // 04e mov QWORD PTR [r8+rcx*1+0x1010],rax
    0x48, 0x8b, 0x46, 0x08,                      // 056 mov rax,QWORD PTR [rsi+0x8]
    0x49, 0x89, 0x84, 0x08, 0x18, 0x10, 0x00, 0x00, // 05a mov QWORD PTR [r8+rcx*1+0x1018],rax
    // Mok
    0x31, 0xc0,                                  // 062 xor eax,eax
    // Mret
    0xc3,                                        // 064 ret
    // V
    0x49, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // 065 movabs r8,0x1122334455667788
    0xe8, 0xa8, 0x00, 0x00, 0x00,                // 06f call 11c <vtime>
    0x48, 0x89, 0x06,                            // 074 mov QWORD PTR [rsi],rax
    0x48, 0x89, 0x56, 0x08,                      // 077 mov QWORD PTR [rsi+0x8],rdx
    0x31, 0xc0,                                  // 07b xor eax,eax
    0xc3,                                        // 07d ret
    // gtod
    0x49, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // 07e movabs r8,0x1122334455667788
    0xe8, 0x8f, 0x00, 0x00, 0x00,                // 088 call 11c <vtime>
    0x48, 0x85, 0xff,                            // 08d test rdi,rdi
    0x74, 0x14,                                  // 090 je a6 <gtod+0x28>
    0x48, 0x89, 0x07,                            // 092 mov QWORD PTR [rdi],rax
    0x48, 0x89, 0xd0,                            // 095 mov rax,rdx
    0x31, 0xd2,                                  // 098 xor edx,edx
    0xb9, 0xe8, 0x03, 0x00, 0x00,                // 09a mov ecx,0x3e8
    0x48, 0xf7, 0xf1,                            // 09f div rcx
    0x48, 0x89, 0x47, 0x08,                      // 0a2 mov QWORD PTR [rdi+0x8],rax
    0x48, 0x85, 0xf6,                            // 0a6 test rsi,rsi
    0x74, 0x07,                                  // 0a9 je b2 <gtod+0x34>
    0x48, 0xc7, 0x06, 0x00, 0x00, 0x00, 0x00,    // 0ab mov QWORD PTR [rsi],0x0
    0x31, 0xc0,                                  // 0b2 xor eax,eax
    0xc3,                                        // 0b4 ret
    // tm
    0x49, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, // 0b5 movabs r8,0x1122334455667788
    0xe8, 0x58, 0x00, 0x00, 0x00,                // 0bf call 11c <vtime>
    0x48, 0x85, 0xff,                            // 0c4 test rdi,rdi
    0x74, 0x03,                                  // 0c7 je cc <tm+0x17>
    0x48, 0x89, 0x07,                            // 0c9 mov QWORD PTR [rdi],rax
    0xc3,                                        // 0cc ret
    // rnd
    0x48, 0xc7, 0xc0, 0xda, 0xff, 0xff, 0xff,    // 0cd mov rax,0xffffffffffffffda
    0xc3,                                        // 0d4 ret
    // slot
    0xf3, 0x48, 0x0f, 0xae, 0xc0,                // 0d5 rdfsbase rax
    0x66, 0x90,                                  // 0da xchg ax,ax
    0x48, 0xb9, 0x15, 0x7c, 0x4a, 0x7f, 0xb9, 0x79, 0x37, 0x9e, // 0dc movabs rcx,0x9e3779b97f4a7c15
    0x48, 0x0f, 0xaf, 0xc8,                      // 0e6 imul rcx,rax
    0x48, 0xc1, 0xe9, 0x39,                      // 0ea shr rcx,0x39
    0xc1, 0xe1, 0x05,                            // 0ee shl ecx,0x5
    0xba, 0x08, 0x00, 0x00, 0x00,                // 0f1 mov edx,0x8
    0x49, 0x3b, 0x84, 0x08, 0x00, 0x10, 0x00, 0x00, // 0f6 cmp rax,QWORD PTR [r8+rcx*1+0x1000]
    0x74, 0x1b,                                  // 0fe je 11b <slot+0x46>
    0x49, 0x83, 0xbc, 0x08, 0x00, 0x10, 0x00, 0x00, 0x00, // 100 cmp QWORD PTR [r8+rcx*1+0x1000],0x0
    0x74, 0x0d,                                  // 109 je 118 <slot+0x43>
    0x83, 0xc1, 0x20,                            // 10b add ecx,0x20
    0x81, 0xe1, 0xff, 0x0f, 0x00, 0x00,          // 10e and ecx,0xfff
    0xff, 0xca,                                  // 114 dec edx
    0x75, 0xde,                                  // 116 jne f6 <slot+0x21>
    0x48, 0x85, 0xe4,                            // 118 test rsp,rsp
    0xc3,                                        // 11b ret
    // vtime
    0xe8, 0xb4, 0xff, 0xff, 0xff,                // 11c call d5 <slot>
    0x75, 0x0a,                                  // 121 jne 12d <vtime+0x11>
    0x4d, 0x8b, 0x8c, 0x08, 0x08, 0x10, 0x00, 0x00, // 123 mov r9,QWORD PTR [r8+rcx*1+0x1008]
    0xeb, 0x03,                                  // 12b jmp 130 <vtime+0x14>
    0x45, 0x31, 0xc9,                            // 12d xor r9d,r9d
    0xb8, 0x01, 0x00, 0x00, 0x00,                // 130 mov eax,0x1
    0xf0, 0x49, 0x0f, 0xc1, 0x00,                // 135 lock xadd QWORD PTR [r8],rax
    0x49, 0xf7, 0x60, 0x10,                      // 13a mul QWORD PTR [r8+0x10]
    0x49, 0x03, 0x40, 0x18,                      // 13e add rax,QWORD PTR [r8+0x18]
    0x48, 0x83, 0xd2, 0x00,                      // 142 adc rdx,0x0
    0x4c, 0x01, 0xc8,                            // 146 add rax,r9
    0x48, 0x83, 0xd2, 0x00,                      // 149 adc rdx,0x0
    0x48, 0xc7, 0xc1, 0x00, 0xca, 0x9a, 0x3b,    // 14d mov rcx,0x3b9aca00
    0x48, 0xf7, 0xf1,                            // 154 div rcx
    0x49, 0x03, 0x40, 0x08,                      // 157 add rax,QWORD PTR [r8+0x8]
    0xc3,                                        // 15b ret
];

/// Entry points.
const CG: usize = 0x00;
const GTOD: usize = 0x7e;
const TM: usize = 0xb5;
const RND: usize = 0xcd;
/// Where the data page's address goes (the imm64 of each `movabs r8`).
const DATA_IMM_AT: [usize; 4] = [0x2b, 0x67, 0x80, 0xb7];
/// The `jmp rel32` and `call rel32` to the kernel's clock_gettime: displacement, next instruction.
const KERNEL_REL: [(usize, usize); 2] = [(0x1a, 0x1e), (0x20, 0x24)];
/// The 7 bytes that load the thread's key into rax.
const KEY_AT: usize = 0xd5;
const KEY_FSBASE: [u8; 7] = [0xf3, 0x48, 0x0f, 0xae, 0xc0, 0x66, 0x90]; // rdfsbase rax; nop
const KEY_TID: [u8; 7] = [0xb8, 0xba, 0, 0, 0, 0x0f, 0x05]; // mov eax, 186 (gettid); syscall
/// `je M` (keep monotonic readings): a 2-byte nop where the key costs a syscall.
const KEEP_MONOTONIC_AT: usize = 0x17;
/// The slot hash: the top 7 bits of key × this.
const SLOT_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// `syscall; int3`, right after the stub: where the supervisor makes the process run a syscall
/// of its choosing (registers set beforehand) and stop.
pub const INJECT_SYSCALL: [u8; 3] = [0x0f, 0x05, 0xcc];

/// Where [`INJECT_SYSCALL`] goes, from the vDSO's start.
pub fn inject_at(layout: &Layout) -> usize {
    layout.stub_at + STUB.len()
}

/// Scratch room in the data pages (between the clock and the slots) for what an injected
/// syscall reads: a `sock_fprog` at [`SCRATCH_AT`] and its program after it.
pub const SCRATCH_AT: usize = 64;
pub const SCRATCH_END: usize = SLOTS_AT;

/// `mov eax, 9 (mmap); syscall; int3`: run once at exec to map the data page.
pub const INJECT_MMAP: [u8; 8] = [0xb8, 0x09, 0, 0, 0, 0x0f, 0x05, 0xcc];

/// What the kernel's vDSO looks like, and where the stub and the symbol patches go.
#[derive(Debug)]
pub struct Layout {
    /// The whole mapping, as this process sees it (every process on this kernel gets the same).
    pub image: Vec<u8>,
    /// Offset of the stub: past everything the ELF file describes, inside the mapping.
    pub stub_at: usize,
    /// The offsets of `st_value` fields to point at an entry of the stub.
    pub patches: Vec<(usize, Entry)>,
    /// Offset of the kernel's clock_gettime (for the clocks the stub does not answer).
    pub clock_gettime: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Find the dynamic symbols to patch and room for the stub in a vDSO `image` (the whole
/// mapping). `None` when it is not the 64-bit little-endian shared object expected, lacks
/// clock_gettime, or has no room: the caller then hides the vDSO instead.
pub fn parse(image: &[u8]) -> Option<Layout> {
    if image.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let phoff = usize::try_from(u64_at(image, 0x20)?).ok()?;
    let shoff = usize::try_from(u64_at(image, 0x28)?).ok()?;
    let (phentsize, phnum) = (usize::from(u16_at(image, 0x36)?), usize::from(u16_at(image, 0x38)?));
    let (shentsize, shnum) = (usize::from(u16_at(image, 0x3a)?), usize::from(u16_at(image, 0x3c)?));
    if phentsize < 56 || shentsize < 64 {
        return None;
    }
    // End of everything the file describes; the stub goes after it.
    let mut end = shoff.checked_add(shentsize.checked_mul(shnum)?)?;
    for i in 0..phnum {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        let (off, vaddr, filesz) = (u64_at(image, ph + 8)?, u64_at(image, ph + 16)?, u64_at(image, ph + 32)?);
        if u32_at(image, ph)? == 1 {
            // PT_LOAD: symbol values are offsets into the mapping only when vaddr == offset.
            if off != vaddr {
                return None;
            }
            end = end.max(usize::try_from(off.checked_add(filesz)?).ok()?);
        }
    }
    let mut patches = Vec::new();
    let mut clock_gettime = None;
    for i in 0..shnum {
        let sh = shoff + i * shentsize;
        if u32_at(image, sh + 4)? != 11 {
            continue; // not SHT_DYNSYM
        }
        let (off, size, entsize) = (
            u64_at(image, sh + 24)?,
            u64_at(image, sh + 32)?,
            u64_at(image, sh + 56)?,
        );
        let link = usize::try_from(u32_at(image, sh + 40)?).ok()?;
        let strtab = usize::try_from(u64_at(image, shoff + link.checked_mul(shentsize)? + 24)?).ok()?;
        let (off, size, entsize) = (
            usize::try_from(off).ok()?,
            usize::try_from(size).ok()?,
            usize::try_from(entsize).ok()?,
        );
        if entsize < 24 {
            return None;
        }
        for k in 0..size / entsize {
            let sym = off + k * entsize;
            let name_at = strtab.checked_add(usize::try_from(u32_at(image, sym)?).ok()?)?;
            let name = image.get(name_at..)?;
            let name = &name[..name.iter().position(|&c| c == 0)?];
            if let Some(e) = Entry::of_symbol(name) {
                let value = u64_at(image, sym + 8)?;
                if e == Entry::ClockGettime {
                    clock_gettime = Some(value);
                }
                patches.push((sym + 8, e));
            }
        }
    }
    let stub_at = end.div_ceil(16) * 16;
    if stub_at + STUB.len() + INJECT_SYSCALL.len() > image.len() {
        return None;
    }
    Some(Layout {
        image: image.to_vec(),
        stub_at,
        patches,
        clock_gettime: clock_gettime?,
    })
}

/// The stub placed at `stub_addr`, with its data at `data`, handing the other clocks to the
/// kernel's clock_gettime at `kernel_clock_gettime` (within 2 GiB: both are in the vDSO).
pub fn stub_code(stub_addr: u64, kernel_clock_gettime: u64, data: u64, fs_base_key: bool) -> Vec<u8> {
    let mut code = STUB.to_vec();
    for at in DATA_IMM_AT {
        code[at..at + 8].copy_from_slice(&data.to_le_bytes());
    }
    for (at, next) in KERNEL_REL {
        let rel = kernel_clock_gettime.wrapping_sub(stub_addr.wrapping_add(next as u64)) as i64 as i32;
        code[at..at + 4].copy_from_slice(&rel.to_le_bytes());
    }
    if fs_base_key {
        code[KEY_AT..KEY_AT + 7].copy_from_slice(&KEY_FSBASE);
    } else {
        code[KEY_AT..KEY_AT + 7].copy_from_slice(&KEY_TID);
        // A syscall per monotonic reading would cost what the stub saves: hand them all over.
        code[KEEP_MONOTONIC_AT..KEEP_MONOTONIC_AT + 2].copy_from_slice(&[0x66, 0x90]);
    }
    code
}

/// The `st_value` to write at each patch: the entry's offset from the vDSO's start.
pub fn symbol_value(layout: &Layout, e: Entry) -> u64 {
    (layout.stub_at + e.offset()) as u64
}

/// The data page's first bytes for a fresh process.
pub fn data_page(epoch: i64, step_ns: u64) -> [u8; DATA_LEN] {
    let mut d = [0u8; DATA_LEN];
    d[8..16].copy_from_slice(&epoch.to_le_bytes());
    d[16..24].copy_from_slice(&step_ns.to_le_bytes());
    d
}

/// This process's vDSO layout (the same kernel maps the same image into every process), read
/// once; `None` when there is no vDSO or it cannot be patched.
pub fn own_layout() -> Option<&'static Layout> {
    static LAYOUT: std::sync::OnceLock<Option<Layout>> = std::sync::OnceLock::new();
    LAYOUT
        .get_or_init(|| {
            // SAFETY: getauxval has no preconditions.
            let base = unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) } as usize;
            if base == 0 {
                return None;
            }
            let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
            let line = maps.lines().find(|l| l.ends_with("[vdso]"))?;
            let (lo, hi) = line.split_whitespace().next()?.split_once('-')?;
            let (lo, hi) = (usize::from_str_radix(lo, 16).ok()?, usize::from_str_radix(hi, 16).ok()?);
            if lo != base || hi <= lo || hi - lo > 1 << 20 {
                return None;
            }
            // SAFETY: [lo, hi) is this process's vDSO mapping, readable for its whole life.
            let image = unsafe { std::slice::from_raw_parts(lo as *const u8, hi - lo) };
            parse(image)
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_kernels_vdso_has_room_and_symbols() {
        let Some(l) = own_layout() else {
            // Only a kernel without a vDSO (or an unexpected one) gets here; then `run` hides it.
            eprintln!("skipped: no patchable vDSO on this kernel");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI kernels have a vDSO");
            return;
        };
        let entries: Vec<Entry> = l.patches.iter().map(|p| p.1).collect();
        for e in [Entry::ClockGettime, Entry::Gettimeofday, Entry::Time] {
            assert!(entries.contains(&e), "{e:?} in {entries:?}");
        }
        assert!(l.stub_at + STUB.len() <= l.image.len());
        assert!(parse(&l.image[..l.stub_at]).is_none(), "no room: not patchable");
        assert!(parse(b"\x7fELF\x01\x01").is_none());
    }

    /// This thread's key as the stub computes it.
    fn my_key(fs_base_key: bool) -> u64 {
        if fs_base_key {
            let mut v = 0u64;
            // SAFETY: ARCH_GET_FS writes one u64.
            unsafe { libc::syscall(libc::SYS_arch_prctl, 0x1003, &mut v as *mut u64) };
            v
        } else {
            // SAFETY: gettid has no preconditions.
            unsafe { libc::gettid() as u64 }
        }
    }

    #[test]
    fn the_stub_answers_the_virtual_clock() {
        if key_is_fs_base() {
            run_stub(true);
        } else {
            eprintln!("this CPU keeps the TLS base from user code: the rdfsbase stub untested");
        }
        run_stub(false);
    }

    /// Run the stub itself, in this process, from a page next to the vDSO (so its jump to the
    /// kernel's clock_gettime reaches).
    fn run_stub(fs_base_key: bool) {
        let Some(l) = own_layout() else {
            eprintln!("skipped: no patchable vDSO on this kernel");
            return;
        };
        // SAFETY: getauxval has no preconditions.
        let vdso = unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) };
        // SAFETY: fresh anonymous mappings, used only below.
        let (code_page, data) = unsafe {
            let hint = (vdso as usize).wrapping_sub(1 << 24) as *mut libc::c_void;
            let prot = libc::PROT_READ | libc::PROT_WRITE;
            let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
            let c = libc::mmap(hint, 8192, prot, flags, -1, 0);
            let d = libc::mmap(std::ptr::null_mut(), DATA_SIZE, prot, flags, -1, 0);
            assert!(c != libc::MAP_FAILED && d != libc::MAP_FAILED);
            (c as u64, d as u64)
        };
        const { assert!(SLOTS_AT + SLOTS * SLOT_LEN <= DATA_SIZE) };
        let kernel_cg = vdso + l.clock_gettime;
        let code = stub_code(code_page, kernel_cg, data, fs_base_key);
        assert_eq!(code.len(), STUB.len());
        let near = (kernel_cg as i64).abs_diff(code_page as i64) < (1 << 31);
        // SAFETY: both mappings are ours and large enough; then the code page becomes RX.
        unsafe {
            std::ptr::copy_nonoverlapping(code.as_ptr(), code_page as *mut u8, code.len());
            let page = data_page(1_700_000_000, 250_000_000);
            std::ptr::copy_nonoverlapping(page.as_ptr(), data as *mut u8, page.len());
            assert_eq!(
                libc::mprotect(code_page as *mut libc::c_void, 8192, libc::PROT_READ | libc::PROT_EXEC),
                0
            );
        }
        let at = |e: Entry| code_page + e.offset() as u64;
        type Cg = unsafe extern "C" fn(i32, *mut libc::timespec) -> i32;
        type Gtod = unsafe extern "C" fn(*mut libc::timeval, *mut [u64; 1]) -> i32;
        type Tm = unsafe extern "C" fn(*mut i64) -> i64;
        type Rnd = unsafe extern "C" fn(*mut u8, usize, u32) -> i64;
        // SAFETY: the entry points follow these C signatures.
        let (cg, gtod, tm, rnd): (Cg, Gtod, Tm, Rnd) = unsafe {
            (
                std::mem::transmute::<u64, Cg>(at(Entry::ClockGettime)),
                std::mem::transmute::<u64, Gtod>(at(Entry::Gettimeofday)),
                std::mem::transmute::<u64, Tm>(at(Entry::Time)),
                std::mem::transmute::<u64, Rnd>(at(Entry::Getrandom)),
            )
        };
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
        let mut tz = [7u64];
        let mut t = 0i64;
        let key = my_key(fs_base_key);
        let slot = data + slot_at(key) as u64;
        // SAFETY: valid out pointers; the slot is inside the data mapping.
        unsafe {
            assert_eq!(cg(libc::CLOCK_REALTIME, &mut ts), 0);
            assert_eq!((ts.tv_sec, ts.tv_nsec), (1_700_000_000, 0));
            assert_eq!(gtod(&mut tv, &mut tz), 0);
            assert_eq!((tv.tv_sec, tv.tv_usec, tz[0]), (1_700_000_000, 250_000, 0));
            assert_eq!(tm(&mut t), 1_700_000_000);
            assert_eq!(t, 1_700_000_000);
            assert_eq!(cg(libc::CLOCK_TAI, &mut ts), 0);
            assert_eq!((ts.tv_sec, ts.tv_nsec), (1_700_000_000, 750_000_000));
            // The time waited by all (written by the supervisor) adds on.
            *((data + 24) as *mut u64) = 2_100_000_000;
            assert_eq!(cg(libc::CLOCK_REALTIME_COARSE, &mut ts), 0);
            assert_eq!((ts.tv_sec, ts.tv_nsec), (1_700_000_003, 100_000_000));
            assert_eq!(*(data as *const u64), 5);
            // This thread's own waits add on; another thread's (another key in the slot) do not.
            *((slot + 8) as *mut u64) = 1_000_000_000;
            *(slot as *mut u64) = key ^ 1;
            assert_eq!(tm(std::ptr::null_mut()), 1_700_000_003);
            *(slot as *mut u64) = key;
            assert_eq!(tm(std::ptr::null_mut()), 1_700_000_004);
            assert_eq!(*(data as *const u64), 7);
            assert_eq!(rnd(std::ptr::null_mut(), 0, 0), -38);
            if near {
                // Another clock: the kernel's own code, the real monotonic time; CLOCK_MONOTONIC
                // is kept in the thread's slot (where the key is cheap to get).
                let mut real = libc::timespec { tv_sec: 0, tv_nsec: 0 };
                libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut real);
                assert_eq!(cg(libc::CLOCK_MONOTONIC, &mut ts), 0);
                assert!(ts.tv_sec >= real.tv_sec && ts.tv_sec - real.tv_sec < 5);
                assert_eq!(*(data as *const u64), 7, "not counted");
                let kept = (*((slot + 16) as *const i64), *((slot + 24) as *const i64));
                if fs_base_key {
                    assert_eq!(kept, (ts.tv_sec, ts.tv_nsec));
                } else {
                    assert_eq!(kept, (0, 0));
                }
                // An empty slot is taken; another thread's is left alone.
                *(slot as *mut u64) = 0;
                cg(libc::CLOCK_MONOTONIC, &mut ts);
                assert_eq!(*(slot as *const u64), if fs_base_key { key } else { 0 });
                *(slot as *mut u64) = key ^ 1;
                cg(libc::CLOCK_MONOTONIC, &mut ts);
                assert_eq!(*(slot as *const u64), key ^ 1);
                assert!(*((slot + 24) as *const i64) != ts.tv_nsec || !fs_base_key);
                assert_eq!(cg(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts), 0);
            } else {
                eprintln!("the page landed out of the vDSO's reach: the monotonic path untested");
            }
            libc::munmap(code_page as *mut libc::c_void, 8192);
            libc::munmap(data as *mut libc::c_void, DATA_SIZE);
        }
    }
}
