#!/usr/bin/env bash
# Builds the labelled corpus of the explainer: pairs of artifacts made by real tools (GNU tar,
# cpio, zip, mksquashfs, gzip, xz, ar, gcc, xorriso, date, python3), each with exactly one cause
# of difference injected, so the top-ranked cause reproscope names can be checked against it.
#
#   bash tests/corpus/make.sh OUTDIR
#
# Writes OUTDIR/NAME/a.EXT and OUTDIR/NAME/b.EXT for each pair, and OUTDIR/labels with one
# "NAME CAUSE" line per pair (CAUSE is a cause id of `reproscope diff --json`'s `causes`).
# Every pair is required: a missing tool stops the script (exit 1) naming it. Everything but the injected
# cause is pinned (mtimes, owners, modes, order, SOURCE_DATE_EPOCH), so each pair differs in
# that one way only.
set -euo pipefail

out=${1:?usage: make.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/reproscope-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$out/labels"

T=1704067200      # 2024-01-01 00:00:00 UTC
T2=$((T + 86400)) # one day later
export TZ=UTC LC_ALL=C
umask 022

# A tool every pair needs; a missing one stops the corpus, so no pair is silently left out.
have() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "make.sh: $1 is missing (install the Debian packages .ci/run lists); every pair is required" >&2
    exit 1
}
# Sets every mtime (and atime) under DIR to T again after a pair's files were written.
pin() { find "$1" -exec touch -h -d "@$T" {} +; }
label() { echo "$1 $2" >>"$out/labels"; }
pairdir() { rm -rf "${out:?}/$1"; mkdir -p "$out/$1"; echo "$out/$1"; }

# A small tree of text files with fixed content, modes and mtimes: DIR [MTIME]
tree() {
    local d=$1 t=${2:-$T}
    rm -rf "$d"
    mkdir -p "$d/etc" "$d/usr/bin" "$d/usr/share/doc/app"
    printf '# app configuration\nlisten = 0.0.0.0:8443\nlog_level = info\nworkers = 4\n' >"$d/etc/app.conf"
    printf '#!/bin/sh\nexec /usr/bin/app --config /etc/app.conf "$@"\n' >"$d/usr/bin/run.sh"
    chmod 755 "$d/usr/bin/run.sh"
    printf 'App is a small service.\nIt reads its configuration and serves requests.\n' >"$d/usr/share/doc/app/README"
    printf 'Copyright 2024 The App Authors\nLicense: MIT\n' >"$d/usr/share/doc/app/copyright"
    find "$d" -exec touch -h -d "@$t" {} +
}

# GNU tar with everything pinned but what the caller adds: DIR OUT [extra tar options...]
mktar() {
    local d=$1 o=$2
    shift 2
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner "$@" -C "$d" -cf "$o" .
}

# newc cpio of a tree in a given order of names: DIR OUT [sort options]
mkcpio() {
    local d=$1 o=$2
    shift 2
    (cd "$d" && find . | LC_ALL=C sort "$@" | cpio --quiet -o -H newc -R 0:0) >"$o"
}

# 1. mtimes: the same files archived one day apart, by each archiver.
if have tar; then
    p=$(pairdir tar-mtime)
    tree "$work/a" "$T"; tree "$work/b" "$T2"
    mktar "$work/a" "$p/a.tar"; mktar "$work/b" "$p/b.tar"
    label tar-mtime timestamp
fi
if have cpio; then
    p=$(pairdir cpio-mtime)
    tree "$work/a" "$T"; tree "$work/b" "$T2"
    mkcpio "$work/a" "$p/a.cpio"; mkcpio "$work/b" "$p/b.cpio"
    label cpio-mtime timestamp
fi
if have zip; then
    p=$(pairdir zip-mtime)
    tree "$work/a" "$T"; tree "$work/b" "$T2"
    (cd "$work/a" && find . -type f | LC_ALL=C sort | zip -q -X -@ "$p/a.zip")
    (cd "$work/b" && find . -type f | LC_ALL=C sort | zip -q -X -@ "$p/b.zip")
    label zip-mtime timestamp
fi
if have mksquashfs; then
    p=$(pairdir squashfs-mtime)
    tree "$work/a" "$T"; tree "$work/b" "$T2"
    for s in a b; do
        mksquashfs "$work/$s" "$p/$s.squashfs" -quiet -no-progress -all-root -mkfs-time "$T" -comp gzip >/dev/null
    done
    label squashfs-mtime timestamp
fi
if have gzip; then
    # gzip stores the input file's mtime in its header unless -n.
    p=$(pairdir gzip-header-mtime)
    tree "$work/a" "$T"
    cp "$work/a/etc/app.conf" "$work/app.conf"
    touch -d "@$T" "$work/app.conf"; gzip -c "$work/app.conf" >"$p/a.gz"
    touch -d "@$T2" "$work/app.conf"; gzip -c "$work/app.conf" >"$p/b.gz"
    label gzip-header-mtime timestamp
fi
if have ar; then
    # ar U (not deterministic) stores each member's mtime.
    p=$(pairdir ar-mtime)
    tree "$work/a" "$T"; tree "$work/b" "$T2"
    (cd "$work/a/etc" && ar rcU "$p/a.a" app.conf) 2>/dev/null
    (cd "$work/b/etc" && ar rcU "$p/b.a" app.conf) 2>/dev/null
    label ar-mtime timestamp
fi
if have gcc; then
    # __DATE__ and __TIME__ follow SOURCE_DATE_EPOCH (GCC >= 7): the build "ran" a day apart.
    p=$(pairdir cc-date-time)
    mkdir -p "$work/cc"
    printf '#include <stdio.h>\nint main(void) { printf("built %%s %%s\\n", __DATE__, __TIME__); return 0; }\n' >"$work/cc/stamp.c"
    (cd "$work/cc" && SOURCE_DATE_EPOCH=$T gcc -O1 -o "$p/a.out" stamp.c)
    (cd "$work/cc" && SOURCE_DATE_EPOCH=$((T2 + 3723)) gcc -O1 -o "$p/b.out" stamp.c)
    label cc-date-time timestamp
fi
if have xorriso; then
    p=$(pairdir iso-mtime)
    for s in a b; do
        tree "$work/iso-$s" "$([ $s = a ] && echo $T || echo $T2)"
        SOURCE_DATE_EPOCH=$T xorriso -as mkisofs -quiet -R -J -V CORPUS -o "$p/$s.iso" "$work/iso-$s" 2>/dev/null
    done
    label iso-mtime timestamp
fi
if have python3; then
    # A bytecode cache records its source's mtime: the same module installed a day apart.
    p=$(pairdir pyc-source-mtime)
    for s in a b; do
        mkdir -p "$work/py-$s"
        printf 'def greet(name):\n    return "hello " + name\n' >"$work/py-$s/app.py"
        touch -d "@$([ $s = a ] && echo $T || echo $T2)" "$work/py-$s/app.py"
        (cd "$work/py-$s" && env -u SOURCE_DATE_EPOCH python3 -c \
            "import py_compile; py_compile.compile('app.py', cfile='$p/$s.pyc', doraise=True)")
    done
    label pyc-source-mtime timestamp
fi

# 2. member order: the same members stored in another order.
if have tar; then
    p=$(pairdir tar-order)
    tree "$work/a"
    (cd "$work/a" && tar --format=gnu --owner=0 --group=0 --numeric-owner --no-recursion -cf "$p/a.tar" \
        ./etc ./etc/app.conf ./usr ./usr/bin ./usr/bin/run.sh)
    (cd "$work/a" && tar --format=gnu --owner=0 --group=0 --numeric-owner --no-recursion -cf "$p/b.tar" \
        ./usr ./usr/bin ./usr/bin/run.sh ./etc ./etc/app.conf)
    label tar-order file-order
fi
if have cpio; then
    p=$(pairdir cpio-order)
    tree "$work/a"
    mkcpio "$work/a" "$p/a.cpio"; mkcpio "$work/a" "$p/b.cpio" -r
    label cpio-order file-order
fi
if have zip; then
    p=$(pairdir zip-order)
    tree "$work/a"
    (cd "$work/a" && find . -type f | LC_ALL=C sort | zip -q -X -@ "$p/a.zip")
    (cd "$work/a" && find . -type f | LC_ALL=C sort -r | zip -q -X -@ "$p/b.zip")
    label zip-order file-order
fi
if have python3; then
    # A dict serialised in insertion order, filled in two different orders.
    p=$(pairdir json-key-order)
    python3 -c 'import json,sys; print(json.dumps({"name": "app", "version": "1.0.0", "license": "MIT"}, indent=2))' >"$p/a.json"
    python3 -c 'import json,sys; print(json.dumps({"version": "1.0.0", "license": "MIT", "name": "app"}, indent=2))' >"$p/b.json"
    label json-key-order file-order
fi

# 3. build path: the same source compiled with debug info in two directories.
if have gcc; then
    p=$(pairdir cc-build-path)
    for s in a b; do
        d="$work/build-$s"; [ $s = b ] && d="$work/builds/ci-job-4711/src"
        mkdir -p "$d"
        printf 'int square(int x) { return x * x; }\nint main(void) { return square(3) - 9; }\n' >"$d/main.c"
        (cd "$d" && SOURCE_DATE_EPOCH=$T gcc -g -O1 -o "$p/$s.out" main.c)
    done
    label cc-build-path build-path
fi
if have tar; then
    # A generated pkg-config file records the directory it was configured in.
    p=$(pairdir pc-build-path)
    for s in a b; do
        tree "$work/$s"
        d=/home/alice/src/app; [ $s = b ] && d=/build/reproducible-path/app-1.0
        mkdir -p "$work/$s/usr/lib/pkgconfig"
        printf 'prefix=/usr\nsrcdir=%s\nName: app\nVersion: 1.0\nCflags: -I%s/include\n' "$d" "$d" >"$work/$s/usr/lib/pkgconfig/app.pc"
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label pc-build-path build-path
fi

# 4. owners: archived as two different users.
if have tar; then
    p=$(pairdir tar-owner)
    tree "$work/a"
    tar --format=gnu --sort=name --owner=root:0 --group=root:0 -C "$work/a" -cf "$p/a.tar" .
    tar --format=gnu --sort=name --owner=builder:1000 --group=builder:1000 -C "$work/a" -cf "$p/b.tar" .
    label tar-owner user-group
fi
if have cpio; then
    p=$(pairdir cpio-owner)
    tree "$work/a"
    (cd "$work/a" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$p/a.cpio"
    (cd "$work/a" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 1000:1000) >"$p/b.cpio"
    label cpio-owner user-group
fi

# 5. umask: the tree written under umask 022 and under 002.
if have tar; then
    p=$(pairdir tar-umask)
    for s in a b; do
        (umask "$([ $s = a ] && echo 022 || echo 002)"; tree "$work/$s")
        mktar "$work/$s" "$p/$s.tar"
    done
    label tar-umask permissions
fi

# 6. time zones: zip stores local time; a build stamp printed by date(1) in two zones.
if have zip; then
    p=$(pairdir zip-timezone)
    tree "$work/a"
    (cd "$work/a" && find . -type f | LC_ALL=C sort | TZ=UTC zip -q -X -@ "$p/a.zip")
    (cd "$work/a" && find . -type f | LC_ALL=C sort | TZ=America/New_York zip -q -X -@ "$p/b.zip")
    label zip-timezone timezone
fi
if have tar; then
    p=$(pairdir date-timezone)
    for s in a b; do
        tree "$work/$s"
        z=UTC; [ $s = b ] && z=America/New_York
        { echo "app 1.0"; echo "built: $(TZ=$z date -d "@$T")"; } >"$work/$s/usr/share/doc/app/BUILDINFO"
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label date-timezone timezone
fi

# 7. randomness: a UUID generated at build time.
if have python3 && have tar; then
    p=$(pairdir random-uuid)
    for s in a b; do
        tree "$work/$s"
        python3 -c 'import uuid; print("instance-id = " + str(uuid.uuid4()))' >"$work/$s/etc/instance.conf"
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label random-uuid randomness
fi

# 8. compression settings: the same bytes compressed at two levels.
if have gzip && have tar; then
    p=$(pairdir gzip-level)
    mkdir -p "$work/big"
    python3 -c 'import random; r=random.Random(7); w=["alpha","beta","gamma","delta","epsilon","zeta","eta","theta"]; print("\n".join(" ".join(r.choice(w) for _ in range(12)) for _ in range(3000)))' >"$work/big/words.txt"
    touch -d "@$T" "$work/big" "$work/big/words.txt"
    mktar "$work/big" "$work/words.tar"
    gzip -n -1 -c "$work/words.tar" >"$p/a.tar.gz"; gzip -n -9 -c "$work/words.tar" >"$p/b.tar.gz"
    label gzip-level compression
fi
if have xz && have tar; then
    p=$(pairdir xz-level)
    xz -1 -c "$work/words.tar" >"$p/a.tar.xz"; xz -9 -c "$work/words.tar" >"$p/b.tar.xz"
    label xz-level compression
fi

# 9. inputs: a dependency resolved to a newer version.
if have tar; then
    p=$(pairdir dep-version)
    for s in a b; do
        tree "$work/$s"
        v=2.31.0; [ $s = b ] && v=2.32.3
        mkdir -p "$work/$s/usr/lib/app"
        printf 'certifi==2024.2.2\nidna==3.6\nrequests==%s\nurllib3==2.2.1\n' "$v" >"$work/$s/usr/lib/app/requirements.lock"
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label dep-version input-version
fi

# 10. real changes: one word, and an ISO where one file grew so the extents after it moved.
if have tar; then
    p=$(pairdir one-word)
    for s in a b; do
        tree "$work/$s"
        [ $s = b ] && sed -i 's/log_level = info/log_level = debug/' "$work/$s/etc/app.conf"
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label one-word content
fi
if have xorriso; then
    p=$(pairdir iso-grown-file)
    for s in a b; do
        tree "$work/iso-$s"
        mkdir -p "$work/iso-$s/live"
        n=40000; [ $s = b ] && n=52000
        python3 -c "import random,sys; r=random.Random(1); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range($n)))" >"$work/iso-$s/live/filesystem.img"
        for f in vmlinuz initrd.img; do python3 -c "print('$f ' * 700)" >"$work/iso-$s/live/$f"; done
        find "$work/iso-$s" -exec touch -h -d "@$T" {} +
        SOURCE_DATE_EPOCH=$T xorriso -as mkisofs -quiet -R -J -V CORPUS -o "$p/$s.iso" "$work/iso-$s" 2>/dev/null
    done
    label iso-grown-file content
fi

# 11. host name: a build stamp that records the machine it ran on (uname -n in a UTS namespace).
if have tar; then
    p=$(pairdir hostname)
    for s in a b; do
        tree "$work/$s"
        h=builder-amd64-01; [ $s = b ] && h=ci-runner-7f3k
        if unshare --uts true 2>/dev/null; then
            unshare --uts sh -c "hostname $h && echo \"built by root@\$(uname -n)\"" >"$work/$s/usr/share/doc/app/BUILDHOST"
        else
            echo "built by root@$h" >"$work/$s/usr/share/doc/app/BUILDHOST"
        fi
        pin "$work/$s"
        mktar "$work/$s" "$p/$s.tar"
    done
    label hostname hostname
fi

# 12. locale: a generated word list sorted under two collations (C and en_US.UTF-8).
if have localedef && [ -d /usr/share/i18n/locales ] && localedef -i en_US -f UTF-8 "$work/en_US.UTF-8" >/dev/null 2>&1; then
    p=$(pairdir locale-sort)
    words='zlib\nApp\napp-data\nBase\n_internal\nbase-files\nZstd\nlibc6\nLibFoo\n'
    printf "$words" | LC_ALL=C sort >"$p/a.txt"
    printf "$words" | LOCPATH="$work" LC_ALL=en_US.UTF-8 sort >"$p/b.txt"
    label locale-sort locale
else
    echo "make.sh: cannot build locale-sort (no localedef or locale sources: apt-get install locales)" >&2
    exit 1
fi

# 13. build ID: a random build ID (--build-id=uuid) on otherwise identical code.
if have gcc; then
    p=$(pairdir build-id-uuid)
    mkdir -p "$work/bid"
    printf 'int main(void) { return 0; }\n' >"$work/bid/main.c"
    for s in a b; do (cd "$work/bid" && gcc -O1 -Wl,--build-id=uuid -o "$p/$s.out" main.c); done
    label build-id-uuid build-id
fi

n=$(wc -l <"$out/labels")
echo "make.sh: $n labelled pairs in $out"
