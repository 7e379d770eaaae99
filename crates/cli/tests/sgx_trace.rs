//! `reproscope sgx trace --emulate-driver`: a C loader issues the real ioctl structures of both
//! SGX driver ABIs on a stand-in file; the traced .sgxs must be what the project's writer makes of
//! the same pages (so its sha256 is the MRENCLAVE), with partial ADD_PAGES counts, several
//! enclaves per process, a forked loader and the loader's exit status.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::path::Path;
use std::process::Command;

use reproscope_formats::sgxs::{self, flags, page_type, secinfo, PageSpec, Size, Tcs};
use reproscope_formats::{hex, sigstruct};
use sha2::{Digest, Sha256};

const LOADER: &str = r#"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define SGX_MAGIC 0xA4
struct sgx_enclave_create { uint64_t src; };
struct sgx_enclave_add_pages { uint64_t src, offset, length, secinfo, flags, count; };
struct sgx_enclave_init { uint64_t sigstruct; };
struct legacy_add_page { uint64_t addr, src, secinfo; uint16_t mrmask; } __attribute__((packed));
struct legacy_init { uint64_t addr, sigstruct, einittoken; };
#define SGX_IOC_ENCLAVE_CREATE _IOW(SGX_MAGIC, 0x00, struct sgx_enclave_create)
#define SGX_IOC_ENCLAVE_ADD_PAGES _IOWR(SGX_MAGIC, 0x01, struct sgx_enclave_add_pages)
#define SGX_IOC_ENCLAVE_INIT _IOW(SGX_MAGIC, 0x02, struct sgx_enclave_init)
#define LEGACY_ADD_PAGE _IOW(SGX_MAGIC, 0x01, struct legacy_add_page)
#define LEGACY_INIT _IOW(SGX_MAGIC, 0x02, struct legacy_init)
#define PT_TCS 1
#define PT_REG 2
#define R 1
#define W 2
#define X 4

static const char *dev;
static uint8_t sig[1808];

static void die(const char *what) { perror(what); exit(99); }

static uint8_t *page_alloc(size_t n) {
    uint8_t *p = aligned_alloc(4096, n * 4096);
    if (!p) die("alloc");
    memset(p, 0, n * 4096);
    return p;
}

/* The same pattern as fill() in the Rust test. */
static void fill(uint8_t *p, size_t len, unsigned seed) {
    for (size_t i = 0; i < len; i++) p[i] = (uint8_t)(seed + i * 13);
}

static void secinfo(uint64_t *si, unsigned pt, unsigned perms) {
    memset(si, 0, 64);
    si[0] = ((uint64_t)pt << 8) | perms;
}

static int create(uint64_t base, uint64_t size, uint32_t ssaframesize) {
    int fd = open(dev, O_RDWR);
    if (fd < 0) die("open");
    uint8_t *secs = page_alloc(1);
    memcpy(secs, &size, 8);
    memcpy(secs + 8, &base, 8);
    memcpy(secs + 16, &ssaframesize, 4);
    struct sgx_enclave_create c = { (uint64_t)(uintptr_t)secs };
    if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &c)) die("create");
    free(secs);
    return fd;
}

/* Upstream: add pages, retrying with what the driver did not take (count). */
static void add(int fd, uint64_t off, uint8_t *src, size_t pages, unsigned pt, unsigned perms, int measure) {
    uint64_t *si = (uint64_t *)page_alloc(1);
    secinfo(si, pt, perms);
    uint64_t len = pages * 4096;
    while (len) {
        struct sgx_enclave_add_pages a = { (uint64_t)(uintptr_t)src, off, len, (uint64_t)(uintptr_t)si, measure ? 1 : 0, 0 };
        int r = ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a);
        if (r && errno != EINTR && errno != EAGAIN) die("add_pages");
        if (a.count > len) { fprintf(stderr, "bad count\n"); exit(98); }
        src += a.count; off += a.count; len -= a.count;
    }
    free(si);
}

static void init(int fd) {
    struct sgx_enclave_init i = { (uint64_t)(uintptr_t)sig };
    if (ioctl(fd, SGX_IOC_ENCLAVE_INIT, &i)) die("init");
}

static uint8_t *tcs_page(uint64_t ossa) {
    uint8_t *t = page_alloc(1);
    uint64_t nssa_cssa = (uint64_t)1 << 32; /* cssa 0, nssa 1 */
    uint32_t lim = 0xfff;
    memcpy(t + 16, &ossa, 8);
    memcpy(t + 24, &nssa_cssa, 8);
    memcpy(t + 64, &lim, 4);
    memcpy(t + 68, &lim, 4);
    return t;
}

/* enclave: code RX measured, TCS, 2 RW measured data pages, 3 RW unmeasured zero pages. */
static void upstream_pages(int fd, unsigned seed) {
    uint8_t *code = page_alloc(1), *data = page_alloc(2), *heap = page_alloc(3);
    fill(code, 4096, seed);
    fill(data, 2 * 4096, seed + 1);
    add(fd, 0x0, code, 1, PT_REG, R | X, 1);
    add(fd, 0x1000, tcs_page(0x4000), 1, PT_TCS, 0, 1);
    add(fd, 0x2000, data, 2, PT_REG, R | W, 1);
    add(fd, 0x4000, heap, 3, PT_REG, R | W, 0);
}

static void legacy(void) {
    int fd = open(dev, O_RDWR);
    if (fd < 0) die("open");
    uint64_t base = 0x40000000, size = 0x8000;
    uint32_t ssa = 1;
    uint8_t *secs = page_alloc(1);
    memcpy(secs, &size, 8);
    memcpy(secs + 8, &base, 8);
    memcpy(secs + 16, &ssa, 4);
    struct sgx_enclave_create c = { (uint64_t)(uintptr_t)secs };
    if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &c)) die("create");
    uint8_t *code = page_alloc(1), *data = page_alloc(1), *zero = page_alloc(1);
    fill(code, 4096, 5);
    fill(data, 4096, 6);
    uint64_t *rx = (uint64_t *)page_alloc(1), *rw = (uint64_t *)page_alloc(1), *tcs = (uint64_t *)page_alloc(1);
    secinfo(rx, PT_REG, R | X);
    secinfo(rw, PT_REG, R | W);
    secinfo(tcs, PT_TCS, 0);
    struct legacy_add_page a[] = {
        { base + 0x0000, (uint64_t)(uintptr_t)code, (uint64_t)(uintptr_t)rx, 0xffff },
        { base + 0x1000, (uint64_t)(uintptr_t)tcs_page(0x3000), (uint64_t)(uintptr_t)tcs, 0xffff },
        { base + 0x2000, (uint64_t)(uintptr_t)zero, (uint64_t)(uintptr_t)rw, 0 },
        { base + 0x3000, (uint64_t)(uintptr_t)data, (uint64_t)(uintptr_t)rw, 0x00f0 },
    };
    for (int i = 0; i < 4; i++)
        if (ioctl(fd, LEGACY_ADD_PAGE, &a[i])) die("add_page");
    struct legacy_init in = { base, (uint64_t)(uintptr_t)sig, 0 };
    if (ioctl(fd, LEGACY_INIT, &in)) die("init");
}

/* sgx-tracer's example: EEXIT code page, TCS, SSA page; size 0x4000. */
static void example(void) {
    int fd = create(0x7f0000000000ull, 0x4000, 1);
    static const uint8_t eexit[] = { 0x48, 0x89, 0xcb, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd7 };
    uint8_t *code = page_alloc(1), *ssa = page_alloc(1);
    memcpy(code, eexit, sizeof eexit);
    add(fd, 0x0, code, 1, PT_REG, R | X, 1);
    add(fd, 0x1000, tcs_page(0x2000), 1, PT_TCS, 0, 1);
    add(fd, 0x2000, ssa, 1, PT_REG, R | W, 1);
    init(fd);
}

static void *in_thread(void *arg) {
    (void)arg;
    int d = create(0x40000000, 0x10000, 1);
    upstream_pages(d, 40);
    init(d);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: loader MODE DEV SIGSTRUCT EXIT\n"); return 97; }
    dev = argv[2];
    FILE *f = fopen(argv[3], "rb");
    if (!f || fread(sig, 1, sizeof sig, f) != sizeof sig) die("sigstruct");
    fclose(f);
    const char *mode = argv[1];
    if (!strcmp(mode, "upstream")) {
        int fd = create(0x10000000, 0x10000, 1);
        upstream_pages(fd, 1);
        init(fd);
    } else if (!strcmp(mode, "legacy")) {
        legacy();
    } else if (!strcmp(mode, "example")) {
        example();
    } else if (!strcmp(mode, "two")) {
        /* Two enclaves in one process, their calls interleaved; then a third in a child. */
        int a = create(0x10000000, 0x10000, 1);
        int b = create(0x20000000, 0x10000, 2);
        upstream_pages(b, 20);
        upstream_pages(a, 1);
        init(a);
        init(b);
        pid_t p = fork();
        if (p < 0) die("fork");
        if (p == 0) {
            int c = create(0x30000000, 0x10000, 1);
            upstream_pages(c, 30);
            init(c);
            _exit(0);
        }
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st)) die("child");
        pthread_t t;
        if (pthread_create(&t, NULL, in_thread, NULL) || pthread_join(t, NULL)) die("thread");
    } else if (!strcmp(mode, "bad")) {
        /* The emulated driver refuses what the real one does: pages outside the enclave. */
        int fd = create(0x10000000, 0x2000, 1);
        uint8_t *pg = page_alloc(1);
        uint64_t *si = (uint64_t *)page_alloc(1);
        secinfo(si, PT_REG, R | W);
        struct sgx_enclave_add_pages a = { (uint64_t)(uintptr_t)pg, 0x2000, 4096, (uint64_t)(uintptr_t)si, 1, 0 };
        if (ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a) == 0 || errno != EINVAL) return 96;
        a.offset = 0;
        a.length = (uint64_t)1 << 40;
        if (ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a) == 0 || errno != EINVAL) return 95;
        fill(pg, 4096, 9);
        add(fd, 0x1000, pg, 1, PT_REG, R | W, 1);
        init(fd);
    } else if (!strcmp(mode, "crash")) {
        /* Dies between CREATE and INIT: the pages so far are still written. */
        int fd = create(0x10000000, 0x10000, 1);
        upstream_pages(fd, 1);
        raise(SIGSEGV);
    } else {
        fprintf(stderr, "unknown mode\n");
        return 97;
    }
    return atoi(argv[4]);
}
"#;

fn fill(len: usize, seed: u32) -> Vec<u8> {
    (0..len).map(|i| (seed as usize).wrapping_add(i * 13) as u8).collect()
}

fn tcs(ossa: u64) -> Vec<u8> {
    Tcs {
        ossa,
        nssa: 1,
        fslimit: 0xfff,
        gslimit: 0xfff,
        ..Tcs::default()
    }
    .to_bytes()
}

/// What the writer makes of upstream_pages(seed) in an enclave of `ssa` frames, 0x10000 bytes.
fn upstream_expected(seed: u32, ssa: u32) -> Vec<u8> {
    let rx = secinfo(page_type::REG, flags::R | flags::X);
    let rw = secinfo(page_type::REG, flags::R | flags::W);
    let code = fill(4096, seed);
    let data = fill(8192, seed + 1);
    let t = tcs(0x4000);
    let mut pages = vec![
        PageSpec::measured(0, rx, &code),
        PageSpec::measured(0x1000, secinfo(page_type::TCS, 0), &t),
        PageSpec::measured(0x2000, rw, &data[..4096]),
        PageSpec::measured(0x3000, rw, &data[4096..]),
    ];
    for off in [0x4000, 0x5000, 0x6000] {
        pages.push(PageSpec {
            offset: off,
            flags: rw,
            data: &[],
            measure: 0,
            unmeasured: 0,
        });
    }
    sgxs::write(ssa, Size::Sized(0x10000), &pages).unwrap()
}

fn legacy_expected() -> Vec<u8> {
    let rw = secinfo(page_type::REG, flags::R | flags::W);
    let code = fill(4096, 5);
    let data = fill(4096, 6);
    let t = tcs(0x3000);
    let pages = [
        PageSpec::measured(0, secinfo(page_type::REG, flags::R | flags::X), &code),
        PageSpec::measured(0x1000, secinfo(page_type::TCS, 0), &t),
        PageSpec {
            offset: 0x2000,
            flags: rw,
            data: &[],
            measure: 0,
            unmeasured: 0,
        },
        PageSpec {
            offset: 0x3000,
            flags: rw,
            data: &data,
            measure: 0x00f0,
            unmeasured: 0,
        },
    ];
    sgxs::write(1, Size::Sized(0x8000), &pages).unwrap()
}

/// A structurally valid SIGSTRUCT whose ENCLAVEHASH is `hash`.
fn sigstruct_for(hash: &[u8; 32]) -> Vec<u8> {
    let mut s = vec![0u8; sigstruct::SIZE];
    s[..16].copy_from_slice(&sigstruct::HEADER);
    s[24..40].copy_from_slice(&sigstruct::HEADER2);
    s[sigstruct::ENCLAVEHASH_AT..sigstruct::ENCLAVEHASH_AT + 32].copy_from_slice(hash);
    s
}

struct Setup {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    loader: std::path::PathBuf,
    dev: std::path::PathBuf,
}

/// Compiles the loader; a missing gcc fails the test (Debian: gcc, libc6-dev).
fn setup() -> Setup {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_path_buf();
    std::fs::write(dir.join("loader.c"), LOADER).unwrap();
    let loader = dir.join("loader");
    let o = Command::new("gcc")
        .arg("-O1")
        .arg("-pthread")
        .arg("-o")
        .arg(&loader)
        .arg(dir.join("loader.c"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run gcc (Debian packages gcc, libc6-dev): {e}"));
    assert!(o.status.success(), "gcc: {}", String::from_utf8_lossy(&o.stderr));
    // The stand-in for the device node: a regular file.
    let dev = dir.join("fake-sgx");
    std::fs::write(&dev, b"").unwrap();
    Setup {
        _dir: d,
        dir,
        loader,
        dev,
    }
}

struct Run {
    code: i32,
    stderr: String,
    out: std::path::PathBuf,
}

fn trace(s: &Setup, extra: &[&str], mode: &str, sig: &[u8], exit: &str) -> Run {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let out = s.dir.join(format!("out-{mode}-{n}"));
    let sigfile = s.dir.join(format!("{mode}.sig"));
    std::fs::write(&sigfile, sig).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_reproscope"));
    c.args(["sgx", "trace", "--emulate-driver", "-o"])
        .arg(&out)
        .args(extra)
        .arg("--")
        .arg(&s.loader);
    c.arg(mode).arg(&s.dev).arg(&sigfile).arg(exit);
    let o = c.output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        out,
    }
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn upstream_abi_with_partial_counts() {
    let s = setup();
    let expected = upstream_expected(1, 1);
    let mr = sha(&expected);
    // One page per ADD_PAGES call: the loader's retry on `count` must give the same enclave.
    // And with every syscall stopping instead of the seccomp filter's ioctls only.
    for extra in [
        &[][..],
        &["--emulate-pages-per-call", "1", "--dump"][..],
        &["--no-seccomp"][..],
    ] {
        let r = trace(&s, extra, "upstream", &sigstruct_for(&mr), "0");
        assert_eq!(r.code, 0, "{}", r.stderr);
        let got = std::fs::read(r.out.join("enclave0.sgxs")).unwrap();
        assert_eq!(got, expected, "{extra:?}");
        assert_eq!(sgxs::mrenclave(&got).unwrap(), mr);
        assert!(r.stderr.contains(&format!("MRENCLAVE {}", hex(&mr))), "{}", r.stderr);
        assert!(r.stderr.contains("ENCLAVEHASH matches"), "{}", r.stderr);
        let j = json(&r.out.join("enclave0.json"));
        assert_eq!(j["driver"], "upstream");
        assert_eq!(j["secs"]["size"], 0x10000);
        assert_eq!(j["secs"]["base"], 0x10000000);
        assert_eq!(j["secs"]["ssaframesize"], 1);
        assert_eq!(j["mrenclave"], hex(&mr));
        assert_eq!(j["init"]["matches"], true);
        let pages = j["pages"].as_array().unwrap();
        assert_eq!(pages.len(), 7);
        assert_eq!(pages[0]["permissions"], "r-x");
        assert_eq!(pages[0]["measured"], "all");
        assert_eq!(pages[1]["type"], "Tcs");
        assert_eq!(pages[1]["tcs"]["ossa"], 0x4000);
        assert_eq!(pages[6]["measured"], "none");
        assert_eq!(pages[6]["offset"], 0x6000);
        if !extra.contains(&"--dump") {
            // 4 calls: code, TCS, the 2 data pages, the 3 heap pages.
            assert_eq!(j["add_calls"], 4);
            assert!(!r.out.join("enclave0.bin").exists());
        } else {
            assert_eq!(j["add_calls"], 7);
            let bin = std::fs::read(r.out.join("enclave0.bin")).unwrap();
            assert_eq!(bin.len(), 0x10000);
            assert_eq!(&bin[..4096], &fill(4096, 1)[..]);
            assert_eq!(&bin[0x2000..0x4000], &fill(8192, 2)[..]);
            assert!(bin[0x4000..].iter().all(|&b| b == 0));
        }
    }
}

#[test]
fn legacy_abi_with_mrmask() {
    let s = setup();
    let expected = legacy_expected();
    let mr = sha(&expected);
    let r = trace(&s, &[], "legacy", &sigstruct_for(&mr), "0");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = std::fs::read(r.out.join("enclave0.sgxs")).unwrap();
    assert_eq!(got, expected);
    assert!(r.stderr.contains("ENCLAVEHASH matches"), "{}", r.stderr);
    let j = json(&r.out.join("enclave0.json"));
    assert_eq!(j["driver"], "legacy");
    assert_eq!(j["pages"][2]["measured"], "none");
    assert_eq!(j["pages"][3]["measured"], "partial: chunks 4-7");
    assert_eq!(j["pages"][3]["offset"], 0x3000);
}

#[test]
fn several_enclaves_forks_and_exit_status() {
    let s = setup();
    for extra in [&[][..], &["--no-seccomp"][..]] {
        several_enclaves(&s, extra);
    }
}

fn several_enclaves(s: &Setup, extra: &[&str]) {
    let e0 = upstream_expected(1, 1);
    let e1 = upstream_expected(20, 2);
    let e2 = upstream_expected(30, 1);
    let r = trace(s, extra, "two", &sigstruct_for(&sha(&e0)), "7");
    assert_eq!(r.code, 7, "the loader's exit status passes through: {}", r.stderr);
    // Numbered by creation: a (enclave0) was created before b (enclave1), the child's last.
    assert_eq!(std::fs::read(r.out.join("enclave0.sgxs")).unwrap(), e0);
    assert_eq!(std::fs::read(r.out.join("enclave1.sgxs")).unwrap(), e1);
    assert_eq!(std::fs::read(r.out.join("enclave2.sgxs")).unwrap(), e2);
    // And a fourth from a thread of the first process.
    assert_eq!(
        std::fs::read(r.out.join("enclave3.sgxs")).unwrap(),
        upstream_expected(40, 1)
    );
    assert!(r.stderr.contains("enclave0: 7 pages"), "{}", r.stderr);
    assert!(r.stderr.contains("ENCLAVEHASH DIFFERS"), "{}", r.stderr);
    let j0 = json(&r.out.join("enclave0.json"));
    let j1 = json(&r.out.join("enclave1.json"));
    let j2 = json(&r.out.join("enclave2.json"));
    assert_eq!(j0["pid"], j1["pid"]);
    assert_ne!(j0["fd"], j1["fd"]);
    assert_ne!(j0["pid"], j2["pid"]);
    assert_eq!(j1["init"]["matches"], false);
    let j3 = json(&r.out.join("enclave3.json"));
    assert_eq!(j0["pid"], j3["pid"]);
}

#[test]
fn loader_dying_of_a_signal_and_real_driver_only() {
    use std::os::unix::process::ExitStatusExt;
    let s = setup();
    let sig = sigstruct_for(&[0; 32]);
    let sigfile = s.dir.join("crash.sig");
    std::fs::write(&sigfile, &sig).unwrap();
    let out = s.dir.join("out-crash");
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["sgx", "trace", "--emulate-driver", "-o"])
        .arg(&out)
        .arg("--")
        .arg(&s.loader)
        .args(["crash", s.dev.to_str().unwrap(), sigfile.to_str().unwrap(), "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.signal(), Some(libc_sigsegv()), "{o:?}");
    assert_eq!(
        std::fs::read(out.join("enclave0.sgxs")).unwrap(),
        upstream_expected(1, 1)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("never initialised"));
    assert_eq!(json(&out.join("enclave0.json"))["init"], serde_json::Value::Null);

    // Without --emulate-driver a regular file is no SGX device: nothing is recorded, and the
    // loader sees the file's own answer (ENOTTY, so it exits 99).
    let r = trace_plain(&s);
    assert_eq!(r.0, 99, "{}", r.1);
    assert!(r.1.contains("no SGX enclave was created"), "{}", r.1);
}

#[test]
fn emulated_driver_refuses_pages_outside_the_enclave() {
    let s = setup();
    let data = fill(4096, 9);
    let rw = secinfo(page_type::REG, flags::R | flags::W);
    let expected = sgxs::write(1, Size::Sized(0x2000), &[PageSpec::measured(0x1000, rw, &data)]).unwrap();
    let r = trace(&s, &[], "bad", &sigstruct_for(&sha(&expected)), "0");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(r.out.join("enclave0.sgxs")).unwrap(), expected);
    let j = json(&r.out.join("enclave0.json"));
    assert_eq!(j["add_calls"], 3);
    assert_eq!(j["init"]["matches"], true);
}

fn libc_sigsegv() -> i32 {
    11
}

fn trace_plain(s: &Setup) -> (i32, String) {
    let sigfile = s.dir.join("plain.sig");
    std::fs::write(&sigfile, sigstruct_for(&[0; 32])).unwrap();
    let out = s.dir.join("out-plain");
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["sgx", "trace", "-o"])
        .arg(&out)
        .arg("--")
        .arg(&s.loader)
        .args(["upstream", s.dev.to_str().unwrap(), sigfile.to_str().unwrap(), "0"])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn sgx_tracer_example_enclave() {
    let s = setup();
    let expected = sgxs::example_enclave();
    let mr = sha(&expected);
    assert!(hex(&mr).starts_with("6972ee47174d2bc7"));
    let r = trace(&s, &[], "example", &sigstruct_for(&mr), "0");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(r.out.join("enclave0.sgxs")).unwrap(), expected);
    let sum = reproscope(&["sgx", "info", r.out.join("enclave0.sgxs").to_str().unwrap()]);
    assert!(
        sum.contains("1000-1fff Tcs  ---  (data) meas=all [oentry=0x0, ossa=0x2000, nssa=1]"),
        "{sum}"
    );
}

#[test]
fn no_enclave_and_missing_loader() {
    let d = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["sgx", "trace", "-o"])
        .arg(d.path())
        .args(["--", "sh", "-c", "exit 3"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no SGX enclave was created"));
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(["sgx", "trace", "--", "/nonexistent/loader"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(127), "{}", String::from_utf8_lossy(&o.stderr));
}

fn reproscope(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}
