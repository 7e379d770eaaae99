//! Hostile inputs (issue 11): small files that decompress, expand or nest into far more than
//! they are. Each is made with the real tool where one exists, then `diff`, `ls` and `extract`
//! run on it as a child process whose peak resident memory is read with `wait4`. Every run must
//! end cleanly (exit 0, 1 or 2: never a crash), say which limit stopped it where one did, and
//! stay under [`MAX_RSS_KB`].
//!
//! Not covered: an ISO 9660 multi-extent file (needs a file over 4 GiB, which xorriso reads
//! whole: too slow for a test; the join is lazy and spills like the other cases). Directory
//! cycles in ISO and squashfs images are in `hostile_cycles.rs`.

mod common;

use std::path::{Path, PathBuf};

use common::{check, need, s, sh, Out as Run};

/// Bombs decompress to this much: more than the memory bound, so holding one in memory fails.
const BOMB: u64 = 320 << 20;

/// `diff a b`, `ls a` and `extract a` on one hostile pair; returns the three runs.
fn all_three(what: &str, dir: &Path, a: &Path, b: &Path, extra: &[&str]) -> [Run; 3] {
    let mut diff = vec!["diff", s(a), s(b)];
    diff.extend_from_slice(extra);
    let d = check(&format!("{what} (diff)"), &diff, &[1, 2]);
    let mut ls = vec!["ls", s(a)];
    ls.extend_from_slice(extra);
    let l = check(&format!("{what} (ls)"), &ls, &[0, 2]);
    let out = dir.join(format!("out-{}", a.file_name().unwrap().to_string_lossy()));
    let mut ex = vec!["extract", s(a), "-o", s(&out), "--recursive"];
    ex.extend_from_slice(extra);
    // 1: entries skipped (links to nothing extracted, ...).
    let e = check(&format!("{what} (extract)"), &ex, &[0, 1, 2]);
    let _ = std::fs::remove_dir_all(&out);
    [d, l, e]
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).unwrap().len()
}

/// `BOMB` zero bytes, then `tail`, compressed by `cmd` (reading stdin) into `name`.
fn bomb(dir: &Path, cmd: &str, tail: &str, name: &str) -> PathBuf {
    sh(
        dir,
        &format!("{{ head -c {BOMB} /dev/zero; printf '{tail}'; }} | {cmd} > {name}"),
    );
    dir.join(name)
}

#[test]
fn compression_bombs_spill_instead_of_filling_memory() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    for (tool, cmd, ext) in [
        ("lz4", "lz4 -c -1", "lz4"),
        ("gzip", "gzip -c -1", "gz"),
        ("bzip2", "bzip2 -c -1", "bz2"),
        ("zstd", "zstd -c -1", "zst"),
        ("xz", "xz -c -0", "xz"),
    ] {
        need(&[tool]);
        let a = bomb(dir, cmd, "a", &format!("a.{ext}"));
        let b = bomb(dir, cmd, "b", &format!("b.{ext}"));
        assert!(size(&a) < 4 << 20, "{tool}: a bomb is small: {}", size(&a));
        // extract only for lz4: it takes the same path for every stream format.
        let d = if tool == "lz4" {
            let [d, _, _] = all_three(tool, dir, &a, &b, &[]);
            d
        } else {
            check(&format!("{tool} (ls)"), &["ls", s(&a)], &[0]);
            check(&format!("{tool} (diff)"), &["diff", s(&a), s(&b)], &[1])
        };
        assert_eq!(d.code, 1, "{tool}: {}", d.stderr);
        assert!(
            d.stdout.contains(&format!("size: {} → {}", BOMB + 1, BOMB + 1)) || d.stdout.contains("@@"),
            "{tool}: {}",
            d.stdout
        );
        // The whole run's budget: reached, it is a note at the node, and the rest is compared
        // as stored bytes (a partial report, exit 1, not an error).
        let d = check(
            &format!("{tool} over budget"),
            &["diff", s(&a), s(&b), "--max-decompressed-total", "64M"],
            &[1],
        );
        assert!(
            d.stdout
                .contains("decompression budget of 67108864 bytes for the whole comparison used up")
                && d.stdout.contains("--max-decompressed-total"),
            "{tool}: {}",
            d.stdout
        );
        let l = check(
            &format!("{tool} ls over budget"),
            &["ls", s(&a), "--max-decompressed-total", "64M"],
            &[2],
        );
        assert!(
            l.stderr.contains(s(&a)) && l.stderr.contains("decompression budget of 67108864 bytes"),
            "{tool}: {}",
            l.stderr
        );
        std::fs::remove_file(&a).unwrap();
        std::fs::remove_file(&b).unwrap();
    }
}

#[test]
fn huge_windows_and_dictionaries_are_refused_by_name() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    need(&["zstd", "xz"]);
    {
        // From a pipe the size is unknown, so the frame keeps its 2 GiB window.
        sh(dir, "head -c 1000000 /dev/zero | zstd -q -c --long=31 > w.zst");
        sh(dir, "head -c 1000001 /dev/zero | zstd -q -c --long=31 > w2.zst");
        let a = dir.join("w.zst");
        let b = dir.join("w2.zst");
        for r in all_three("zstd --long=31", dir, &a, &b, &[]) {
            assert_eq!(r.code, 2);
            assert!(
                r.stderr.contains("w.zst") || r.stderr.contains("w2.zst"),
                "{}",
                r.stderr
            );
            assert!(
                r.stderr
                    .contains("window size 2147483648 bytes exceeds the limit of 134217728 bytes (raise it with --max-codec-memory)"),
                "{}",
                r.stderr
            );
        }
    }
    {
        // A 4 GiB LZMA2 dictionary in the block header (property 40), its CRC fixed: xz itself
        // writes at most 1.5 GiB, and its encoder would need 10 times that.
        sh(dir, "printf abc | xz -0 -c > d.xz");
        let mut f = std::fs::read(dir.join("d.xz")).unwrap();
        let h = 12;
        assert_eq!(&f[h + 2..h + 4], &[0x21, 0x01]);
        f[h + 4] = 40;
        let len = (f[h] as usize + 1) * 4;
        let crc = crc32(&f[h..h + len - 4]);
        f[h + len - 4..h + len].copy_from_slice(&crc.to_le_bytes());
        let a = common::write(dir, "big-dict.xz", &f);
        let b = common::write(dir, "other.xz", b"\xfd7zXZ\0");
        let r = check("xz dictionary", &["ls", s(&a)], &[2]);
        assert!(
            r.stderr.contains("big-dict.xz")
                && r.stderr.contains("needs more than 134217728 bytes of memory")
                && r.stderr.contains("--max-codec-memory"),
            "{}",
            r.stderr
        );
        check("xz dictionary (diff)", &["diff", s(&a), s(&b)], &[2]);
    }
}

/// CRC-32 (IEEE), for patched xz block headers.
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 };
        }
    }
    !c
}

#[test]
fn dense_sparse_tar_expands_lazily_and_spills() {
    need(&["tar"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    // A file of BOMB bytes with a little data every 4 MiB, and holes between: GNU tar stores
    // only the data, so the archive is tiny and its real content is not.
    let make = |name: &str, mark: &str| {
        sh(
            dir,
            &format!(
                "rm -f s; truncate -s {BOMB} s; i=0; while [ $i -lt 80 ]; do printf '{mark}' | dd of=s bs=1 seek=$((i * 4194304)) conv=notrunc status=none; i=$((i+1)); done; tar --sparse --format=gnu -cf {name} s"
            ),
        );
        dir.join(name)
    };
    let a = make("a.tar", "x");
    let b = make("b.tar", "y");
    assert!(size(&a) < 1 << 20, "small on disk: {}", size(&a));
    let [d, l, _] = all_three("sparse tar", dir, &a, &b, &[]);
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert_eq!(l.code, 0, "{}", l.stderr);
    assert!(l.stdout.contains("320.0 MiB"), "{}", l.stdout);
}

#[test]
fn compressed_debug_sections_spill() {
    need(&["cc", "objcopy"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    sh(
        dir,
        &format!(
            "for v in 0 1; do printf 'int main(void){{return %s;}}\\n' $v > m$v.c; cc -g m$v.c -o m$v; done; \
             head -c {BOMB} /dev/zero > z; \
             objcopy --remove-section .debug_str --add-section .debug_str=z --set-section-flags .debug_str=readonly,debug m0 a.big; \
             objcopy --remove-section .debug_str --add-section .debug_str=z --set-section-flags .debug_str=readonly,debug m1 b.big; \
             rm z; objcopy --compress-debug-sections=zlib a.big a.o; objcopy --compress-debug-sections=zlib b.big b.o; rm a.big b.big"
        ),
    );
    let a = dir.join("a.o");
    let b = dir.join("b.o");
    assert!(size(&a) < 4 << 20, "small on disk: {}", size(&a));
    let [d, l, _] = all_three("compressed .debug_str", dir, &a, &b, &[]);
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert_eq!(l.code, 0, "{}", l.stderr);
}

/// Sets a tar header's size field and fixes its checksum.
fn tar_size(h: &mut [u8], size: &str) {
    h[124..136].copy_from_slice(format!("{size:0>11}\0").as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h[..512].iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

#[test]
fn lying_sizes_are_refused_cleanly() {
    need(&["tar", "cpio", "zip"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    sh(
        dir,
        "printf hello > f; tar --format=ustar -cf t.tar f; printf 'f\\n' | cpio -o -H newc --quiet > c.cpio; zip -q -X z.zip f",
    );
    // tar: an 8 GiB member in a 10 KB archive.
    let mut tarb = std::fs::read(dir.join("t.tar")).unwrap();
    tar_size(&mut tarb, "77777777777");
    let bad_tar = common::write(dir, "lying.tar", &tarb);
    // cpio: a 4 GiB member.
    let mut c = std::fs::read(dir.join("c.cpio")).unwrap();
    c[54..62].copy_from_slice(b"FFFFFFFF");
    let bad_cpio = common::write(dir, "lying.cpio", &c);
    // zip: 4 GiB uncompressed in the central directory and the local header.
    let mut z = std::fs::read(dir.join("z.zip")).unwrap();
    let cd = z.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    z[cd + 24..cd + 28].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    z[22..26].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let bad_zip = common::write(dir, "lying.zip", &z);
    for (bad, good) in [
        (&bad_tar, dir.join("t.tar")),
        (&bad_cpio, dir.join("c.cpio")),
        (&bad_zip, dir.join("z.zip")),
    ] {
        let [d, l, e] = all_three("lying size", dir, bad, &good, &[]);
        for r in [&d, &l, &e] {
            if r.code == 2 {
                assert!(r.stderr.contains(s(bad)), "names the file: {}", r.stderr);
            }
        }
    }
}

#[test]
fn deep_nesting_stops_with_a_note() {
    need(&["gzip", "tar"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    // gzip of gzip ... 100 levels, twice with one byte different at the bottom.
    sh(
        dir,
        "printf a > a; printf b > b; for f in a b; do i=0; while [ $i -lt 100 ]; do gzip -n -c $f > $f.t; mv $f.t $f; i=$((i+1)); done; done; mv a a.gz; mv b b.gz",
    );
    let [d, _, _] = all_three("gzip x100", dir, &dir.join("a.gz"), &dir.join("b.gz"), &[]);
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert!(
        d.stdout
            .contains("stopped at depth 32: deeper content compared as bytes (raise it with --max-depth)"),
        "{}",
        d.stdout
    );
    // tar in tar, 50 levels.
    sh(
        dir,
        "for f in x y; do mkdir -p $f.d; printf $f > $f.d/inner; (cd $f.d && tar -b1 -cf l0.tar inner); i=1; while [ $i -lt 50 ]; do (cd $f.d && tar -b1 -cf l$i.tar l$((i-1)).tar && rm l$((i-1)).tar); i=$((i+1)); done; mv $f.d/l49.tar $f.tar; done",
    );
    let [d, _, _] = all_three("tar x50", dir, &dir.join("x.tar"), &dir.join("y.tar"), &[]);
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert!(d.stdout.contains("stopped at depth 32"), "{}", d.stdout);
}

#[test]
fn hard_link_loops_and_chains() {
    need(&["python3"]);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    // Links to each other, and a chain of 20000 links each to the one before.
    sh(
        dir,
        r#"python3 - <<'EOF'
import io, tarfile
for name, data in (("a.tar", b"one"), ("b.tar", b"two")):
    with tarfile.open(name, "w", format=tarfile.GNU_FORMAT) as t:
        for n, target in (("x", "y"), ("y", "x")):
            i = tarfile.TarInfo(n); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)
        i = tarfile.TarInfo("f0"); i.size = len(data); t.addfile(i, io.BytesIO(data))
        for k in range(1, 20000):
            i = tarfile.TarInfo("f%d" % k); i.type = tarfile.LNKTYPE; i.linkname = "f%d" % (k - 1); t.addfile(i)
EOF"#,
    );
    let [d, l, _] = all_three(
        "hard-link loop and chain",
        dir,
        &dir.join("a.tar"),
        &dir.join("b.tar"),
        &[],
    );
    assert_eq!(d.code, 1, "{}", d.stderr);
    assert_eq!(l.code, 0, "{}", l.stderr);
    // The member budget: reached, a note, and the archive compared as bytes.
    let d = check(
        "member budget",
        &[
            "diff",
            s(&dir.join("a.tar")),
            s(&dir.join("b.tar")),
            "--max-members",
            "1000",
        ],
        &[1],
    );
    assert!(
        d.stdout
            .contains("member budget of 1000 members for the whole comparison used up (raise it with --max-members)"),
        "{}",
        d.stdout
    );
}

/// JSON is compared as data through a parsed tree of about 150 bytes a value: two 14 MB arrays
/// of 7 million zeros once took 1.3 GB. Past a value limit they keep only their text diff, and
/// the explainer looks at a bounded window of a long line.
#[test]
fn huge_json_and_long_lines_stay_bounded() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let n = 7_000_000;
    let mut a = String::with_capacity(2 * n + 2);
    a.push('[');
    for i in 0..n {
        a.push_str(if i == 0 { "0" } else { ",0" });
    }
    a.push_str("]\n");
    let b = format!("{}1]\n", &a[..a.len() - 3]);
    let pa = common::write(dir, "a.json", a.as_bytes());
    let pb = common::write(dir, "b.json", b.as_bytes());
    let r = check("huge JSON", &["diff", s(&pa), s(&pb)], &[1]);
    assert!(
        r.stdout.contains("compared as text only"),
        "{}",
        &r.stdout[..r.stdout.len().min(2000)]
    );
    // One 14 MB line changed at both ends: the explainer's token diff once took 1.1 GB on it.
    let body = &a[1..a.len() - 2];
    let pa = common::write(dir, "a.txt", format!("(1,{body},1)\n").as_bytes());
    let pb = common::write(dir, "b.txt", format!("(2,{body},2)\n").as_bytes());
    check("one huge line", &["diff", s(&pa), s(&pb)], &[1]);
}
