#!/usr/bin/env python3
"""Build the two benchmark trees from files already on this machine.

    mktrees.py WORKDIR TARGET_MB [SCALE]

Writes WORKDIR/a (copies of real files), WORKDIR/b (the same with a handful of injected
changes and every mtime shifted by one day) and WORKDIR/manifest.json (what was injected,
as archive member paths without a leading "./").

File selection is deterministic for a given machine: each source root is walked in sorted
order and files are taken until that root's share of the target is reached. The target is
the *compressed* size: each file's zlib level-6 size is added up as it is selected, so the
gzip'd cpio ends up at about TARGET_MB; SCALE (default 1.08) is the margin over the estimate
(compressing the whole archive in one stream does a little better than file by file).
"""

import gzip
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zlib

DAY = 86400
MAX_FILE = 4 << 20  # skip single huge files (libLLVM, ...): an initramfs is many small files
# (root, share of the compressed target). Leftover share flows on to the next root.
ROOTS = [
    ("/usr/share/doc", 0.15),  # text: copyright files, READMEs, gzip'd changelogs
    ("/usr/bin", 0.35),  # executables
    ("/usr/lib/x86_64-linux-gnu", 0.50),  # shared libraries
    ("/usr/lib", 1.0),  # fallbacks if the above are small on this machine
    ("/usr/share", 1.0),
]
MARKER = "edited by reproscope bench"


def walk_sorted(root):
    """Regular files under root, sorted by path (bytewise, like LC_ALL=C sort)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            out.append(os.path.join(dirpath, name))
    out.sort(key=os.fsencode)
    return out


def select(target, roots=ROOTS, max_file=MAX_FILE):
    """Files from roots (each up to its share of target, estimated compressed bytes)."""
    chosen, seen, total_gz, total_raw = [], set(), 0, 0
    carry = 0.0
    for root, share in roots:
        if not os.path.isdir(root) or total_gz >= target:
            continue
        budget = min(target - total_gz, share * target + carry)
        used = 0
        for path in walk_sorted(root):
            if used >= budget:
                break
            if path in seen:
                continue
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or st.st_size > max_file:
                continue
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            seen.add(path)
            gz = len(zlib.compress(data, 6)) + 110  # + cpio header and name, roughly
            chosen.append(path)
            used += gz
            total_raw += len(data)
        total_gz += used
        carry = max(0.0, share * target + carry - used)
    return chosen, total_gz, total_raw


def copy_tree(files, dest):
    os.makedirs(dest)
    dirs = set()
    for src in files:
        rel = src.lstrip("/")
        dst = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(src, dst)
        st = os.stat(src)
        os.chmod(dst, stat.S_IMODE(st.st_mode) & 0o7777)
        os.utime(dst, ns=(st.st_mtime_ns, st.st_mtime_ns))
        d = os.path.dirname(rel)
        while d:
            dirs.add(d)
            d = os.path.dirname(d)
    # directories get their source's mtime too, deepest first (setting a child's would not
    # touch the parent, but creating files did)
    for d in sorted(dirs, key=lambda p: -p.count("/")):
        st = os.stat("/" + d)
        os.utime(os.path.join(dest, d), ns=(st.st_mtime_ns, st.st_mtime_ns))
    os.utime(dest, ns=(0, 0))


def is_text(path):
    with open(path, "rb") as f:
        head = f.read(8192)
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def spread(items, n):
    """n items spread evenly over the list (deterministic)."""
    if len(items) <= n:
        return list(items)
    return [items[(i + 1) * len(items) // (n + 1)] for i in range(n)]


REBUILT = "usr/bin/reproscope-bench-rebuilt"
REBUILT_C = r"""#include <stdio.h>
int main(void) {
    puts("reproscope bench: the %s build of this program");
    return 0;
}
"""


def build_c(out, word):
    """Compile a small C program whose source says `word`: the same compiler, flags and file
    name for both trees, so the only differences are the string, what moves after it, and the
    GNU build ID (a hash over the rest)."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "prog.c"), "w") as f:
            f.write(REBUILT_C.replace("%s", word))
        subprocess.run(["gcc", "-O2", "-g0", "-Wl,--build-id=sha1", "-o", "prog", "prog.c"],
                       cwd=tmp, check=True)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        shutil.copyfile(os.path.join(tmp, "prog"), out)
        os.chmod(out, 0o755)


def make_pair(files, a, b):
    """Copy files into tree a, then make tree b: a with the benchmark's injected changes.

    Returns (rels, changed, added, removed): the copied files' paths relative to the trees, and
    what was injected (paths relative to the trees)."""
    copy_tree(files, a)
    rels = [f.lstrip("/") for f in files]
    # initramfs images are full of symlinks; one is added to both trees (its target changes in b)
    link = "usr/bin/reproscope-bench-link"
    os.makedirs(os.path.join(a, "usr/bin"), exist_ok=True)
    link_targets = [os.path.basename(r) for r in rels if r.startswith("usr/bin/")][:2]
    link_targets += ["sh", "dash"][len(link_targets):]
    # usr/bin's mtime as copy_tree set it (read before the symlink touches it), so that the same
    # files give the same trees, hence the same archive bytes, on every run
    bin_mtime = os.stat(os.path.join(a, "usr/bin")).st_mtime_ns
    os.symlink(link_targets[0], os.path.join(a, link))
    os.utime(os.path.join(a, link), ns=(bin_mtime, bin_mtime), follow_symlinks=False)
    os.utime(os.path.join(a, "usr/bin"), ns=(bin_mtime, bin_mtime))
    shutil.copytree(a, b, symlinks=True)  # copy2 keeps mtimes; they are redone below anyway

    def size(rel):
        return os.path.getsize(os.path.join(a, rel))

    changed, used = [], set()
    # 1. three text files, one line edited each
    texts = [r for r in rels if r.startswith("usr/share/doc/") and not r.endswith(".gz")
             and size(r) > 2000 and is_text(os.path.join(a, r))]
    for rel in spread(texts, 3):
        p = os.path.join(b, rel)
        with open(p, "rb") as f:
            lines = f.read().split(b"\n")
        k = len(lines) // 2
        lines[k] = MARKER.encode() + b": " + lines[k][::-1]
        with open(p, "wb") as f:
            f.write(b"\n".join(lines))
        changed.append(rel)
        used.add(rel)
    # 2. one gzip'd text file (a Debian changelog): a line edited inside, recompressed
    gzs = [r for r in rels if r.endswith("changelog.Debian.gz") and size(r) > 2000]
    for rel in spread(gzs, 1):
        p = os.path.join(b, rel)
        with gzip.open(p, "rb") as f:
            lines = f.read().split(b"\n")
        lines[len(lines) // 3] = MARKER.encode()
        with open(p, "wb") as f:
            f.write(gzip.compress(b"\n".join(lines), 9, mtime=0))
        changed.append(rel)
        used.add(rel)
    # 3. two binaries (ELF executable and shared library), 16 bytes flipped mid-file
    def elf(rel):
        with open(os.path.join(a, rel), "rb") as f:
            return f.read(4) == b"\x7fELF"
    for prefix in ("usr/bin/", "usr/lib/x86_64-linux-gnu/"):
        bins = [r for r in rels if r.startswith(prefix) and size(r) > 65536 and elf(r)]
        for rel in spread(bins, 1):
            p = os.path.join(b, rel)
            with open(p, "r+b") as f:
                off = size(rel) // 2
                f.seek(off)
                chunk = f.read(16)
                f.seek(off)
                f.write(bytes(x ^ 0xFF for x in chunk))
            changed.append(rel)
            used.add(rel)
    # 4. the symlink points elsewhere
    os.remove(os.path.join(b, link))
    os.symlink(link_targets[1], os.path.join(b, link))
    changed.append(link)
    # 5. one file removed, one added
    libs = [r for r in rels if r.startswith("usr/lib/") and r not in used]
    removed = spread(libs, 1) or [r for r in rels if r not in used][:1]
    for rel in removed:
        os.remove(os.path.join(b, rel))
    added = ["usr/bin/reproscope-bench-added"]
    with open(os.path.join(b, added[0]), "w") as f:
        f.write("#!/bin/sh\n# " + MARKER + ": a file only in the second image\nexit 0\n")
    os.chmod(os.path.join(b, added[0]), 0o755)
    # 6. a program rebuilt with one word of its source changed (in both trees)
    for tree, word in ((a, "first"), (b, "second")):
        build_c(os.path.join(tree, REBUILT), word)
    rels.append(REBUILT)
    changed.append(REBUILT)
    for tree in (a, b):  # like the link: its directory keeps the mtime copy_tree gave it
        os.utime(os.path.join(tree, REBUILT), ns=(bin_mtime, bin_mtime))
        os.utime(os.path.join(tree, "usr/bin"), ns=(bin_mtime, bin_mtime))
    # 7. every mtime shifted by one day (files and directories, the root too)
    for dirpath, dirnames, filenames in os.walk(b):
        for name in dirnames + filenames + ([""] if dirpath == b else []):
            pb = os.path.join(dirpath, name) if name else dirpath
            pa = os.path.join(a, os.path.relpath(pb, b))
            if os.path.lexists(pa):
                t = os.lstat(pa).st_mtime_ns + DAY * 10**9
            else:
                t = 1700000000 * 10**9
            os.utime(pb, ns=(t, t), follow_symlinks=False)

    return rels, changed, added, removed


def main():
    work, target_mb = sys.argv[1], float(sys.argv[2])
    scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.08
    a, b = os.path.join(work, "a"), os.path.join(work, "b")
    for d in (a, b):
        if os.path.exists(d):
            shutil.rmtree(d)
    files, est_gz, raw = select(int(target_mb * scale * 1e6))
    rels, changed, added, removed = make_pair(files, a, b)

    manifest = {
        "target_mb": target_mb,
        "files": len(rels),
        "raw_bytes": raw,
        "estimated_gz_bytes": est_gz,
        "roots": [r for r, _ in ROOTS],
        "changed": sorted(changed),
        "added": added,
        "removed": removed,
        "mtime_shift_seconds": DAY,
    }
    with open(os.path.join(work, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(f"trees: {len(rels)} files, {raw / 1e6:.1f} MB raw; injected: "
          f"{len(changed)} changed, {len(added)} added, {len(removed)} removed, all mtimes +1 day")
    for rel in changed:
        print(f"  changed  {rel}")
    for rel in added:
        print(f"  added    {rel}")
    for rel in removed:
        print(f"  removed  {rel}")


if __name__ == "__main__":
    main()
