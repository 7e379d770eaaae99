#!/usr/bin/env python3
"""Build the input pairs of bench/big.sh from files already on this machine.

    mkbig.py PAIR WORKDIR TARGET_MB [--force]

PAIR is one of
  targz   a.tar.gz / b.tar.gz: a tree of real files (docs, man pages, executables, Python
          modules, shared libraries) as `tar --sort=name --format=gnu | gzip -n -6`;
          TARGET_MB is the size of each .tar.gz
  iso     a.iso / b.iso: a Debian/Tails-like live image (ISO 9660 + Rock Ridge + Joliet, made
          with xorriso) holding live/filesystem.squashfs (mksquashfs -comp xz -Xbcj x86, the
          Tails options), live/initrd.img (an uncompressed early cpio with microcode-like
          files, then a gzip'd newc cpio), live/vmlinuz (filler) and isolinux/grub configs;
          TARGET_MB is the size of each .iso
  initrd  a.img / b.img: a concatenated initrd as Debian 12 builds it: an uncompressed early
          cpio (microcode-like files) followed by a zstd'd newc cpio of a sizeable tree;
          TARGET_MB is the size of each image

The changes are the ones of mktrees.py (three text files with a line edited, a line edited
inside a gzip'd changelog, 16 bytes flipped in an ELF executable and in a shared library, a
symlink retargeted, a file added, a file removed, every mtime moved one day), injected into the
tar tree, the squashfs tree and the initrd's second (compressed) part. The iso pair also has a
line edited in two boot configs and, in its initrd's second part, a text line edited and bytes
flipped in a library (mtimes unchanged there: initramfs-tools clamps them).

Everything else is fixed (owners, the timestamps of the ISO's own files, mkfs/volume dates via
SOURCE_DATE_EPOCH, filler bytes from a seeded PRNG), so the same script on the same machine
writes the same bytes: big.sh keys its cache of diffoscope results on the inputs' hashes.
WORKDIR/stamp records a hash of INPUTS_VERSION, the arguments and the tool versions; when it
matches and the outputs exist, the pair is not rebuilt (--force rebuilds).

WORKDIR/manifest.json lists the injected changes for check_findings.py, as member paths
qualified by their container ("live/filesystem.squashfs::usr/bin/foo"), and the "scopes": for
each container, the trees whose paths are its members.
"""

import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mktrees  # noqa: E402

# Bump when a change to this script or to mktrees.py changes the inputs it writes: big.sh then
# rebuilds them (otherwise it reuses the inputs already in BENCH_DIR, see main()).
INPUTS_VERSION = 2
SDE = 1700000000  # SOURCE_DATE_EPOCH for everything outside the trees (2023-11-14)
SEP = "::"  # container path SEP member path, in the manifest

TARGZ_ROOTS = [
    ("/usr/share/doc", 0.12),  # copyright files, READMEs, gzip'd changelogs
    ("/usr/share/man", 0.05),  # gzip'd man pages
    ("/usr/bin", 0.25),  # executables
    ("/usr/lib/python3", 0.13),  # Python modules, some .so
    ("/usr/lib/x86_64-linux-gnu", 0.45),  # shared libraries
    ("/usr/lib", 1.0),
    ("/usr/share", 1.0),
]
SQUASHFS_ROOTS = [  # a root file system
    ("/usr/share/doc", 0.10),
    ("/usr/share/man", 0.04),
    ("/usr/share/locale", 0.04),  # .mo catalogs
    ("/usr/sbin", 0.04),
    ("/usr/bin", 0.18),
    ("/usr/lib/python3", 0.10),
    ("/usr/lib/x86_64-linux-gnu", 0.50),
    ("/usr/lib", 1.0),
    ("/usr/share", 1.0),
]
INITRD_ROOTS = [  # what initramfs-tools and dracut pack: libraries, executables, modules
    ("/usr/share/doc", 0.05),
    ("/usr/bin", 0.30),
    ("/usr/lib/x86_64-linux-gnu", 0.65),
    ("/usr/lib", 1.0),
]
ISO_INITRD_ROOTS = [
    ("/usr/share/doc", 0.10),
    ("/usr/bin", 0.30),
    ("/usr/lib/x86_64-linux-gnu", 0.60),
    ("/usr/lib", 1.0),
]
XZ_OPTS = ["-comp", "xz", "-Xbcj", "x86", "-b", "1024K", "-Xdict-size", "1024K"]  # Tails'
CMDLINE = "boot=live config live-media=removable nopersistence noprompt timezone=Etc/UTC " \
          "splash noautologin module=Tails slab_nomerge slub_debug=FZ mce=0 vsyscall=none quiet"


def log(msg):
    print(msg, flush=True)


def sh(script, **kw):
    subprocess.run(["bash", "-o", "pipefail", "-euc", script], check=True, **kw)


def q(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


def fsize(p):
    return os.path.getsize(p)


def rmtree(p):
    if os.path.lexists(p):
        shutil.rmtree(p)


def cpio_newc(tree, out, compress=None, append=False):
    """The initramfs-tools/dracut way: sorted names, newc, owners 0, inode numbers renumbered."""
    pipe = f"cd {q(tree)} && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible -R 0:0"
    if compress:
        pipe += " | " + compress
    sh(pipe + (" >> " if append else " > ") + q(os.path.abspath(out)))


def filler(path, size, seed):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(random.Random(seed).randbytes(size))


def set_mtimes(tree, t):
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames + filenames:
            os.utime(os.path.join(dirpath, name), (t, t), follow_symlinks=False)
    os.utime(tree, (t, t))


def early_cpio(tree, out):
    """Uncompressed early cpio: microcode-like blobs, the same in both images."""
    rmtree(tree)
    mc = os.path.join(tree, "kernel/x86/microcode")
    filler(os.path.join(mc, "AuthenticAMD.bin"), 63_488, 1)
    filler(os.path.join(mc, "GenuineIntel.bin"), 6_012_928, 2)
    set_mtimes(tree, SDE)
    cpio_newc(tree, out)
    return tree


def qualify(prefix, rel):
    return prefix + SEP + rel if prefix else rel


def report(changed, added, removed):
    for tag, items in (("changed", changed), ("added", added), ("removed", removed)):
        for rel in items:
            log(f"  {tag:<8} {rel}")


def sized_pair(work, target_bytes, scale, roots, max_file, build, label):
    """Select files, make trees work/a and work/b (mktrees.make_pair), then build(a) -> size;
    grow the selection until the built a reaches target_bytes. Returns the make_pair result."""
    for attempt in range(4):
        a, b = os.path.join(work, "a"), os.path.join(work, "b")
        rmtree(a)
        rmtree(b)
        files, est, raw = mktrees.select(int(target_bytes * scale), roots, max_file)
        res = mktrees.make_pair(files, a, b)
        size = build("a")
        log(f"  {label} a: {len(files)} files, {raw / 1e6:.1f} MB raw -> {size / 1e6:.1f} MB"
            f" (selection scale {scale:.3f})")
        if size >= target_bytes:
            return res, raw
        scale = scale * target_bytes / size * 1.01
    raise SystemExit(f"mkbig: could not reach {target_bytes} bytes for {label}")


def manifest_write(work, manifest):
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


# --- tar.gz -------------------------------------------------------------------------------------

def tar_gz(tree, out):
    sh(f"tar -C {q(tree)} --sort=name --format=gnu --owner=root:0 --group=root:0 -cf - . "
       f"| gzip -n -6 > {q(out)}")


def build_targz(work, target_mb):
    target = int(target_mb * 1e6)

    def build(side):
        out = os.path.join(work, f"{side}.tar.gz")
        tar_gz(os.path.join(work, side), out)
        return fsize(out)

    (rels, changed, added, removed), raw = sized_pair(
        work, target, 1.06, TARGZ_ROOTS, 16 << 20, build, "tar.gz")
    build("b")
    report(changed, added, removed)
    manifest_write(work, {
        "pair": "targz", "target_mb": target_mb, "files": len(rels), "raw_bytes": raw,
        "scopes": [{"prefix": "", "a": ["a"], "b": ["b"]}],
        "changed": sorted(changed), "added": added, "removed": removed,
        "mtime_shift_seconds": mktrees.DAY,
    })
    return ["a.tar.gz", "b.tar.gz"]


# --- concatenated initrd ------------------------------------------------------------------------

def build_initrd(work, target_mb):
    target = int(target_mb * 1e6)
    os.makedirs(work, exist_ok=True)
    # the second part's trees: work/main/a and work/main/b (mktrees.make_pair)
    early_cpio(os.path.join(work, "early"), os.path.join(work, "early.cpio"))
    early_size = fsize(os.path.join(work, "early.cpio"))
    zstd = "zstd -q -1 -T0"  # Debian 12's initramfs-tools default (COMPRESS=zstd)

    def build(side):
        out = os.path.join(work, f"{side}.img")
        shutil.copyfile(os.path.join(work, "early.cpio"), out)
        cpio_newc(os.path.join(work, "main", side), out, zstd, append=True)
        return fsize(out)

    (rels, changed, added, removed), raw = sized_pair(
        os.path.join(work, "main"), target - early_size, 0.985, INITRD_ROOTS, 4 << 20,
        lambda side: build(side) - early_size, "initrd part 2 (zstd)")
    build("b")
    report(changed, added, removed)
    manifest_write(work, {
        "pair": "initrd", "target_mb": target_mb, "files": len(rels), "raw_bytes": raw,
        "early_cpio_bytes": early_size,
        # the early cpio's paths and the second part's are members of the same image
        "scopes": [{"prefix": "", "a": ["early", "main/a"], "b": ["early", "main/b"]}],
        "changed": sorted(changed), "added": added, "removed": removed,
        "mtime_shift_seconds": mktrees.DAY,
        "second_part": "zstd'd newc cpio after an uncompressed early cpio of "
                       f"{early_size} bytes: every injected change is in it",
    })
    return ["a.img", "b.img"]


# --- live ISO -----------------------------------------------------------------------------------

def edit_line(path, old, new):
    with open(path) as f:
        s = f.read()
    assert old in s, (path, old)
    with open(path, "w") as f:
        f.write(s.replace(old, new, 1))


def boot_configs(root):
    files = {
        ".disk/info": 'Tails-like live image for the reproscope benchmark "Bench" - amd64 '
                      "(20231114)\n",
        "isolinux/isolinux.cfg": "include menu.cfg\ndefault vesamenu.c32\nprompt 0\ntimeout 40\n",
        "isolinux/menu.cfg": "menu hshift 0\nmenu width 82\nmenu title Boot menu\n"
                             "include stdmenu.cfg\ninclude live.cfg\n",
        "isolinux/live.cfg": "label live\n\tmenu label Live System\n\tmenu default\n"
                             "\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n"
                             f"\tappend {CMDLINE}\n\n"
                             "label live-failsafe\n\tmenu label Live System (fail-safe mode)\n"
                             "\tlinux /live/vmlinuz\n\tinitrd /live/initrd.img\n"
                             f"\tappend {CMDLINE} noapic noapm nodma nomce nolapic nosmp "
                             "vga=normal\n",
        "boot/grub/grub.cfg": "set default=0\nset timeout=4\ninsmod part_gpt\ninsmod iso9660\n"
                              "insmod all_video\n\n"
                              "menuentry 'Live System' {\n"
                              f"    linux /live/vmlinuz {CMDLINE}\n"
                              "    initrd /live/initrd.img\n}\n\n"
                              "menuentry 'Live System (troubleshooting mode)' {\n"
                              f"    linux /live/vmlinuz {CMDLINE} noapic noapm nodma nomce\n"
                              "    initrd /live/initrd.img\n}\n",
    }
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


def small_injection(a, b, rels):
    """The initrd inside the ISO: one text line edited, 16 bytes flipped in a library."""
    changed = []
    texts = [r for r in rels if r.startswith("usr/share/doc/") and not r.endswith(".gz")
             and os.path.getsize(os.path.join(a, r)) > 2000 and mktrees.is_text(os.path.join(a, r))]
    for rel in mktrees.spread(texts, 1):
        p = os.path.join(b, rel)
        with open(p, "rb") as f:
            lines = f.read().split(b"\n")
        lines[len(lines) // 2] = mktrees.MARKER.encode() + b" (initrd)"
        st = os.stat(p)
        with open(p, "wb") as f:
            f.write(b"\n".join(lines))
        os.utime(p, ns=(st.st_mtime_ns, st.st_mtime_ns))
        changed.append(rel)
    libs = []
    for r in rels:
        if r.startswith("usr/lib/x86_64-linux-gnu/") and os.path.getsize(os.path.join(a, r)) > 65536:
            with open(os.path.join(a, r), "rb") as f:
                if f.read(4) == b"\x7fELF":
                    libs.append(r)
    for rel in mktrees.spread(libs, 1):
        p = os.path.join(b, rel)
        st = os.stat(p)
        with open(p, "r+b") as f:
            off = st.st_size // 3
            f.seek(off)
            chunk = f.read(16)
            f.seek(off)
            f.write(bytes(x ^ 0xFF for x in chunk))
        os.utime(p, ns=(st.st_mtime_ns, st.st_mtime_ns))
        changed.append(rel)
    return changed


def build_iso(work, target_mb):
    target = int(target_mb * 1e6)
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(SDE), LC_ALL="C")

    # live/initrd.img: early cpio + gzip'd cpio of a small tree, a line and a library changed
    rd = os.path.join(work, "rd")
    rmtree(rd)
    os.makedirs(rd)
    early_cpio(os.path.join(rd, "early"), os.path.join(rd, "early.cpio"))
    rd_files, _, rd_raw = mktrees.select(int(10e6), ISO_INITRD_ROOTS, 4 << 20)
    mktrees.copy_tree(rd_files, os.path.join(rd, "a"))
    shutil.copytree(os.path.join(rd, "a"), os.path.join(rd, "b"), symlinks=True)
    rd_rels = [f.lstrip("/") for f in rd_files]
    rd_changed = small_injection(os.path.join(rd, "a"), os.path.join(rd, "b"), rd_rels)
    os.utime(os.path.join(rd, "b"), ns=(0, 0))  # the edits touched no directory; be sure
    for side in "ab":
        out = os.path.join(rd, f"{side}.initrd.img")
        shutil.copyfile(os.path.join(rd, "early.cpio"), out)
        cpio_newc(os.path.join(rd, side), out, "gzip -n -6", append=True)
    rd_size = fsize(os.path.join(rd, "a.initrd.img"))
    log(f"  initrd.img: early cpio {fsize(os.path.join(rd, 'early.cpio'))} bytes + gzip'd cpio "
        f"of {len(rd_files)} files ({rd_raw / 1e6:.1f} MB raw): {rd_size / 1e6:.1f} MB")

    # no SOURCE_DATE_EPOCH for mksquashfs 4.5: it would set every file's mtime to it (like
    # -all-time) and refuses it together with -mkfs-time; -mkfs-time fixes the superblock's
    sq_env = {k: v for k, v in env.items() if k != "SOURCE_DATE_EPOCH"}
    vmlinuz_size = 7_843_712
    sq_work = os.path.join(work, "sq")
    os.makedirs(sq_work, exist_ok=True)

    def mksquashfs(side):
        out = os.path.join(sq_work, f"{side}.squashfs")
        if os.path.exists(out):
            os.remove(out)
        subprocess.run(["mksquashfs", os.path.join(sq_work, side), out, "-noappend", "-quiet",
                        "-no-progress", "-all-root", "-mkfs-time", str(SDE)] + XZ_OPTS,
                       check=True, env=sq_env, stdout=subprocess.DEVNULL)
        return fsize(out)

    # the squashfs makes up the rest of the image (ISO overhead: well under 1 MB)
    sq_target = target - rd_size - vmlinuz_size - 500_000
    (rels, changed, added, removed), raw = sized_pair(
        sq_work, sq_target, 1.52, SQUASHFS_ROOTS, 16 << 20, mksquashfs, "filesystem.squashfs")
    mksquashfs("b")

    root = os.path.join(work, "root")
    rmtree(root)
    for side in "ab":
        r = os.path.join(root, side)
        os.makedirs(os.path.join(r, "live"))
        boot_configs(r)
        filler(os.path.join(r, "live/vmlinuz"), vmlinuz_size, 3)
        os.link(os.path.join(sq_work, f"{side}.squashfs"), os.path.join(r, "live/filesystem.squashfs"))
        os.link(os.path.join(rd, f"{side}.initrd.img"), os.path.join(r, "live/initrd.img"))
    boot_changed = ["isolinux/live.cfg", "boot/grub/grub.cfg"]
    edit_line(os.path.join(root, "b/isolinux/live.cfg"), " quiet\n", " quiet toram\n")
    edit_line(os.path.join(root, "b/boot/grub/grub.cfg"), " quiet\n", " quiet toram\n")
    for side in "ab":
        set_mtimes(os.path.join(root, side), SDE)
        out = os.path.join(work, f"{side}.iso")
        if os.path.exists(out):
            os.remove(out)
        # live-build's options (-r: Rock Ridge with root owners and sane modes), no El Torito
        # boot record (no isolinux.bin here)
        p = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-r", "-J", "-joliet-long",
                            "-iso-level", "3", "-V", "BENCH_LIVE", "-A", "reproscope bench",
                            "-o", out, os.path.join(root, side)], env=env, capture_output=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr.decode(errors="replace"))
            raise SystemExit(f"mkbig: xorriso exited {p.returncode}")
    log(f"  iso: a {fsize(os.path.join(work, 'a.iso')) / 1e6:.1f} MB, "
        f"b {fsize(os.path.join(work, 'b.iso')) / 1e6:.1f} MB")
    sq, ir = "live/filesystem.squashfs", "live/initrd.img"
    changed_q = boot_changed + [qualify(sq, r) for r in changed] + [qualify(ir, r) for r in rd_changed]
    added_q = [qualify(sq, r) for r in added]
    removed_q = [qualify(sq, r) for r in removed]
    report(changed_q, added_q, removed_q)
    manifest_write(work, {
        "pair": "iso", "target_mb": target_mb, "squashfs_files": len(rels), "squashfs_raw_bytes": raw,
        "initrd_files": len(rd_files), "mksquashfs_options": XZ_OPTS,
        "scopes": [
            {"prefix": "", "a": ["root/a"], "b": ["root/b"]},
            {"prefix": sq, "a": ["sq/a"], "b": ["sq/b"]},
            {"prefix": ir, "a": ["rd/early", "rd/a"], "b": ["rd/early", "rd/b"]},
        ],
        "changed": sorted(changed_q), "added": added_q, "removed": removed_q,
        "mtime_shift_seconds": mktrees.DAY,
        "mtime_shift_scopes": [sq],
    })
    return ["a.iso", "b.iso"]


BUILDERS = {"targz": build_targz, "iso": build_iso, "initrd": build_initrd}
TOOLS = [["tar", "--version"], ["gzip", "--version"], ["zstd", "--version"],
         ["cpio", "--version"], ["mksquashfs", "-version"], ["xorriso", "-version"]]


def stamp_of(pair, target_mb):
    h = hashlib.sha256()
    h.update(f"{INPUTS_VERSION} {pair} {target_mb}".encode())
    for cmd in TOOLS:
        try:
            v = subprocess.run(cmd, capture_output=True, timeout=30)
            h.update(v.stdout.split(b"\n")[0])
        except (OSError, subprocess.SubprocessError):
            h.update(b"missing " + cmd[0].encode())
    return h.hexdigest()


def main():
    args = [a for a in sys.argv[1:] if a != "--force"]
    if len(args) != 3 or args[0] not in BUILDERS:
        print(__doc__, file=sys.stderr)
        return 2
    pair, work, target_mb = args[0], args[1], float(args[2])
    os.makedirs(work, exist_ok=True)
    stamp = stamp_of(pair, target_mb)
    stamp_path = os.path.join(work, "stamp")
    outputs = {"targz": ["a.tar.gz", "b.tar.gz"], "iso": ["a.iso", "b.iso"],
               "initrd": ["a.img", "b.img"]}[pair]
    if "--force" not in sys.argv and os.path.exists(stamp_path) and \
            open(stamp_path).read().strip() == stamp and \
            all(os.path.exists(os.path.join(work, o)) for o in outputs + ["manifest.json"]):
        log(f"  {pair}: inputs already built by this script version (stamp matches): reused")
        return 0
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    BUILDERS[pair](work, target_mb)
    with open(stamp_path, "w") as f:
        f.write(stamp + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
