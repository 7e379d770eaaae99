# The eighth held-out half of the real-build corpus (sourced by `make.sh heldout8 OUTDIR`, with
# lib.sh's helpers). It is a judge of the explainer's generalisation: it was written without
# reading the explainer (crates/), its tests, docs/explain.md, the other held-out halves or their
# tokens, and its pairs were checked only with cmp, listing tools and reasoning, never with the
# explainer. Its own projects, directories, host names, users (lp, sys, list, root), dates, time
# zones and locales (Polish, Swedish, Turkish), built with the kinds of tools of the dev half.
#
# 40 pairs: 34 single-cause, 6 two-cause.
#   timestamp 5, build-path 4, timezone 3, user-group 3, file-order 3, locale 3, hostname 3,
#   randomness 2, compression 2, permissions 2, content 2, input-version 1, build-id 1;
#   two-cause: hostname+user-group, build-path+permissions, timestamp+randomness,
#   input-version+compression, build-path+timezone, locale+hostname.

H8_SDE=1749556800 # 2025-06-10 12:00:00 UTC: SOURCE_DATE_EPOCH and pinned mtimes
H8_T1=1750148100  # 2025-06-17 08:15:00 UTC: the first build of a time-varied pair
H8_T2=1750369200  # 2025-06-19 21:40:00 UTC: the second

# h8_frozen EPOCH CMD...: run CMD with the clock stopped at EPOCH (the same instant for both
# builds of a pair whose factor is not time).
h8_frozen() {
    local t=$1
    shift
    FAKETIME_FMT=%s faketime -f "$t" "$@"
}

# h8_when a|b: the first or second build time of a time-varied pair.
h8_when() { if [ "$1" = a ]; then echo "$H8_T1"; else echo "$H8_T2"; fi; }

# h8_control STAGE PACKAGE VERSION SUMMARY: a DEBIAN/control for a staged package.
h8_control() {
    mkdir -p "$1/DEBIAN"
    cat >"$1/DEBIAN/control" <<EOF
Package: $2
Version: $3
Architecture: amd64
Maintainer: Rowan Ashby <rowan@debs.h8-workshop.example>
Depends: libc6 (>= 2.34)
Section: utils
Priority: optional
Description: $4
 Built from the $2 sources of the workshop's tools collection.
EOF
}

# h8_pypkg DIR NAME VERSION [SETUP-PRELUDE]: a setuptools project NAME at VERSION; the prelude
# is Python run by setup.py before setup() (a build step writing a generated module or data file).
h8_pypkg() {
    local d=$1 name=$2 v=$3 prelude=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name: part of the workshop's tools collection."""
__version__ = "$v"
EOF
    cat >"$d/$name/cli.py" <<'EOF'
import argparse
import sys


def parse(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--limit", type=int, default=25)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    for path in args.paths[: args.limit]:
        with open(path, "rb") as f:
            print(path, sum(1 for _ in f))
    return 0
EOF
    {
        echo 'import os'
        echo 'from setuptools import setup'
        printf '%s\n' "$prelude"
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name, a tool of the workshop collection",
    author="Rowan Ashby",
    packages=["$name"],
    package_data={"$name": ["*.json", "*.ini", "*.toml"]},
    entry_points={"console_scripts": ["$name=$name.cli:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$H8_SDE"
}

# h8_wheel DIR: setup.py bdist_wheel into DIR/dist (quiet).
h8_wheel() { (cd "$1" && "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1) || die "bdist_wheel failed in $1"; }

# h8_sqfs TREE OUT [options]: a squashfs image of TREE with the time pinned.
h8_sqfs() {
    local t=$1 o=$2
    shift 2
    mksquashfs "$t" "$o" -noappend -quiet -no-progress -mkfs-time "$H8_SDE" "$@" >/dev/null
}

# h8_tar TREE-PARENT MEMBER: a normalised tar of MEMBER to stdout.
h8_tar() { tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H8_SDE" -C "$1" -cf - "$2"; }

# h8_cpio TREE: a sorted, normalised newc cpio of TREE to stdout.
h8_cpio() { (cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible); }

##############################################################################################
# C with make and gcc.

# meterkit: a static library whose version string has __DATE__ and __TIME__.
meterkit_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/meterkit.h" <<'EOF'
#ifndef METERKIT_H
#define METERKIT_H
const char *meterkit_version(void);
double meterkit_avg(const double *v, int n);
double meterkit_peak(const double *v, int n);
#endif
EOF
    cat >"$1/src/meter.c" <<'EOF'
#include "meterkit.h"

static const char build_stamp[] = "meterkit 2.4 (compiled " __DATE__ ", " __TIME__ ")";

const char *meterkit_version(void) { return build_stamp; }

double meterkit_avg(const double *v, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return n > 0 ? s / n : 0.0;
}
EOF
    cat >"$1/src/gauge.c" <<'EOF'
#include "meterkit.h"

double meterkit_peak(const double *v, int n)
{
    double p = n > 0 ? v[0] : 0.0;
    for (int i = 1; i < n; i++)
        if (v[i] > p)
            p = v[i];
    return p;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -Wall
libmeterkit.a: meter.o gauge.o
> ar rcD $@ $^
%.o: src/%.c src/meterkit.h
> $(CC) $(CFLAGS) -c -o $@ $<
EOF
}

pair h8-meterkit
for s in a b; do
    meterkit_src "$work/meterkit"
    ft "$(h8_when $s)" make -s -C "$work/meterkit"
    cp "$work/meterkit/libmeterkit.a" "$P/$s.a"
done
label h8-meterkit timestamp

# nimbusd: a daemon whose generated buildstamp.h has SOURCE_DATE_EPOCH in local ISO 8601 form.
nimbusd_src() {
    fresh "$1"
    cat >"$1/nimbusd.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "buildstamp.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("nimbusd 0.12 released %s\n", NIMBUSD_RELEASED);
        return 0;
    }
    int ticks = argc > 1 ? (int)strlen(argv[1]) : 3;
    for (int i = 0; i < ticks; i++)
        printf("nimbusd: cloud poll %d\n", i);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
nimbusd: nimbusd.c buildstamp.h
> gcc -O2 -o $@ nimbusd.c
buildstamp.h:
> printf '#define NIMBUSD_RELEASED "%s"\n' "$$(date -d @$$SOURCE_DATE_EPOCH '+%Y-%m-%dT%H:%M:%S%z')" >$@
EOF
}

pair h8-nimbusd
for s in a b; do
    nimbusd_src "$work/nimbusd"
    SOURCE_DATE_EPOCH=$H8_SDE TZ="$([ $s = a ] && echo UTC || echo Asia/Kathmandu)" make -s -C "$work/nimbusd"
    cp "$work/nimbusd/nimbusd" "$P/$s.out"
done
label h8-nimbusd timezone

# sparrowq: a shared library (a bounded queue) built with -g: DWARF records the build directory.
sparrowq_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/sparrowq.h" <<'EOF'
#ifndef SPARROWQ_H
#define SPARROWQ_H
struct sparrowq { int head, tail, cap; int slots[64]; };
int sparrowq_push(struct sparrowq *q, int v);
int sparrowq_pop(struct sparrowq *q, int *v);
#endif
EOF
    cat >"$1/src/queue.c" <<'EOF'
#include "sparrowq.h"

int sparrowq_push(struct sparrowq *q, int v)
{
    int next = (q->tail + 1) % q->cap;
    if (next == q->head)
        return -1;
    q->slots[q->tail] = v;
    q->tail = next;
    return 0;
}

int sparrowq_pop(struct sparrowq *q, int *v)
{
    if (q->head == q->tail)
        return -1;
    *v = q->slots[q->head];
    q->head = (q->head + 1) % q->cap;
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -g -fPIC
libsparrowq.so.1: queue.o
> gcc -shared -Wl,-soname,libsparrowq.so.1 -o $@ queue.o
queue.o: src/queue.c src/sparrowq.h
> gcc $(CFLAGS) -c -o $@ src/queue.c
EOF
}

pair h8-sparrowq
for s in a b; do
    d=$work/sq
    [ $s = b ] && d=$work/srv/ci/workspace/sparrowq-pr-1187/build-tree
    sparrowq_src "$d"
    make -s -C "$d"
    cp "$d/libsparrowq.so.1" "$P/$s.so"
done
label h8-sparrowq build-path

# quarrytool: no -g; a LOG macro prints __FILE__, and the Makefile compiles absolute paths.
quarrytool_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/log.h" <<'EOF'
#ifndef QUARRY_LOG_H
#define QUARRY_LOG_H
#include <stdio.h>
#define QLOG(msg) fprintf(stderr, "[quarrytool] %s:%d: %s\n", __FILE__, __LINE__, (msg))
#endif
EOF
    cat >"$1/src/quarry.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "log.h"

int main(int argc, char **argv)
{
    long total = 0;
    if (argc < 2) {
        QLOG("no block sizes given");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long v = strtol(argv[i], NULL, 10);
        if (v <= 0) {
            QLOG("ignoring a block size that is not positive");
            continue;
        }
        total += v;
    }
    printf("quarried %ld tonnes\n", total);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
quarrytool: $(CURDIR)/src/quarry.c $(CURDIR)/src/log.h
> gcc -O2 -o $@ $(CURDIR)/src/quarry.c
EOF
}

pair h8-quarrytool
for s in a b; do
    d=$work/q
    [ $s = b ] && d=$work/mnt/scratch/pipelines/quarrytool-main
    quarrytool_src "$d"
    make -s -C "$d"
    cp "$d/quarrytool" "$P/$s.out"
done
label h8-quarrytool build-path

# pebblehash: a static library of -g objects compiled from absolute source paths.
pebblehash_src() {
    fresh "$1"
    mkdir -p "$1/lib"
    cat >"$1/lib/pebblehash.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>

uint32_t pebblehash32(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}
EOF
    cat >"$1/lib/pebblemix.c" <<'EOF'
#include <stdint.h>

uint32_t pebblemix(uint32_t a, uint32_t b)
{
    a ^= b + 0x9e3779b9u + (a << 6) + (a >> 2);
    return a;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -g
libpebblehash.a: pebblehash.o pebblemix.o
> ar rcD $@ $^
%.o: $(CURDIR)/lib/%.c
> gcc $(CFLAGS) -c -o $@ $<
EOF
}

pair h8-pebblehash
for s in a b; do
    d=$work/ph
    [ $s = b ] && d=$work/build/out-of-tree/pebblehash/x86_64-linux
    pebblehash_src "$d"
    make -s -C "$d"
    cp "$d/libpebblehash.a" "$P/$s.a"
done
label h8-pebblehash build-path

# gristmill: the Makefile lists its sources with find(1) (readdir order), so the link order
# follows the order in which a checkout wrote them (tmpfs).
gristmill_src() {
    local d=$1 order=$2 n
    fresh "$d"
    mkdir -p "$d/src/stages"
    for n in $order; do
        cat >"$d/src/stages/$n.c" <<EOF
#include <string.h>
int stage_$n(const char *grain)
{
    int w = 0;
    for (size_t i = 0; i < strlen(grain); i++)
        w += (grain[i] ^ ${#n}) * (int)(i + 1);
    return w % 977;
}
EOF
    done
    cat >"$d/src/main.c" <<'EOF'
#include <stdio.h>
int stage_sift(const char *), stage_husk(const char *), stage_grind(const char *),
    stage_bolt(const char *), stage_sack(const char *);

int main(int argc, char **argv)
{
    const char *g = argc > 1 ? argv[1] : "rye";
    printf("gristmill: %d %d %d %d %d\n", stage_sift(g), stage_husk(g), stage_grind(g),
           stage_bolt(g), stage_sack(g));
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCS := src/main.c $(shell find src/stages -name '*.c')
gristmill: $(SRCS)
> gcc -O2 -o $@ $(SRCS)
EOF
}

pair h8-gristmill
for s in a b; do
    o="sift husk grind bolt sack"
    [ $s = b ] && o="grind sack sift bolt husk"
    gristmill_src "$shm/gristmill" "$o"
    make -s -C "$shm/gristmill"
    cp "$shm/gristmill/gristmill" "$P/$s.out"
done
label h8-gristmill file-order

# The three locales, compiled side by side.
locale_def pl_PL &
locale_def sv_SE &
locale_def tr_TR &
wait
for l in pl_PL sv_SE tr_TR; do
    [ -d "$work/locales/$l.UTF-8" ] || die "localedef cannot compile $l.UTF-8 (Debian package locales)"
done

# calendula: a calendar tool whose header carries the release day, formatted by date(1).
calendula_src() {
    fresh "$1"
    cat >"$1/calendula.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "release.h"

static int days_in(int m, int y)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : d[m - 1];
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        printf("calendula 1.8, release of %s\n", CALENDULA_RELEASE_DAY);
        return 0;
    }
    printf("%d\n", days_in(atoi(argv[1]), atoi(argv[2])));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
calendula: calendula.c release.h
> gcc -O2 -o $@ calendula.c
release.h:
> printf '#define CALENDULA_RELEASE_DAY "%s"\n' "$$(date -d @$$SOURCE_DATE_EPOCH '+%A, %d %B %Y')" >$@
EOF
}

pair h8-calendula
for s in a b; do
    calendula_src "$work/calendula"
    SOURCE_DATE_EPOCH=$H8_SDE LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo pl_PL.UTF-8)" make -s -C "$work/calendula"
    cp "$work/calendula/calendula" "$P/$s.out"
done
label h8-calendula locale

# libtinsel: a shared library with the build machine's name in a generated source.
tinsel_src() {
    fresh "$1"
    cat >"$1/tinsel.c" <<'EOF'
#include <string.h>
extern const char tinsel_build_host[];

int tinsel_sparkle(char *buf, int n)
{
    int k = 0;
    for (int i = 0; i < n && buf[i]; i++)
        if (strchr("aeiou", buf[i])) {
            buf[i] = '*';
            k++;
        }
    return k;
}

const char *tinsel_origin(void) { return tinsel_build_host; }
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -fPIC
libtinsel.so.0: tinsel.o origin.o
> gcc -shared -Wl,-soname,libtinsel.so.0 -o $@ tinsel.o origin.o
origin.c:
> printf 'const char tinsel_build_host[] = "%s";\n' "$$(hostname)" >$@
EOF
}

pair h8-tinsel
for s in a b; do
    tinsel_src "$work/tinsel"
    on_host "$([ $s = a ] && echo wren || echo heron)" make -s -C "$work/tinsel"
    cp "$work/tinsel/libtinsel.so.0" "$P/$s.so"
done
label h8-tinsel hostname

# libembercsv: a CSV field splitter; the second build has a real fix (an off-by-one).
embercsv_src() {
    local d=$1 variant=$2
    fresh "$d"
    cat >"$d/embercsv.c" <<'EOF'
#include <string.h>

int embercsv_fields(const char *line, const char **starts, int max)
{
    int n = 0;
    size_t len = strlen(line);
    if (max <= 0)
        return 0;
    starts[n++] = line;
    for (size_t i = 0; i <= len; i++)
        if (line[i] == ',' && n < max)
            starts[n++] = line + i + 1;
    return n;
}

int embercsv_width(const char *field)
{
    int w = 0;
    while (field[w] && field[w] != ',' && field[w] != '\n')
        w++;
    return w;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's/i <= len; i++)/i < len; i++)/' "$d/embercsv.c"
    fi
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
libembercsv.so.2: embercsv.c
> gcc -O2 -fPIC -shared -Wl,-soname,libembercsv.so.2 -o $@ embercsv.c
EOF
}

pair h8-embercsv
for s in a b; do
    embercsv_src "$work/embercsv" "$([ $s = b ] && echo fixed)"
    make -s -C "$work/embercsv"
    cp "$work/embercsv/libembercsv.so.2" "$P/$s.so"
done
label h8-embercsv content

# libmarten: linked with a random build ID.
pair h8-marten
for s in a b; do
    fresh "$work/marten"
    cat >"$work/marten/marten.c" <<'EOF'
int marten_track(const int *steps, int n)
{
    int best = 0, run = 0;
    for (int i = 0; i < n; i++) {
        run = steps[i] > 0 ? run + steps[i] : 0;
        if (run > best)
            best = run;
    }
    return best;
}
EOF
    printf '.RECIPEPREFIX = >\nlibmarten.so.3: marten.c\n> gcc -O2 -fPIC -shared -Wl,--build-id=uuid -Wl,-soname,libmarten.so.3 -o $@ marten.c\n' >"$work/marten/Makefile"
    make -s -C "$work/marten"
    cp "$work/marten/libmarten.so.3" "$P/$s.so"
done
label h8-marten build-id

# dustpan: "user@host" of the build in a generated header; built by root on one machine, by
# the user list on another.
dustpan_src() {
    fresh "$1"
    cat >"$1/dustpan.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "origin.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--origin") == 0) {
        printf("dustpan 5.1 built by %s\n", DUSTPAN_ORIGIN);
        return 0;
    }
    long swept = 0;
    for (int i = 1; i < argc; i++)
        swept += (long)strlen(argv[i]);
    printf("swept %ld crumbs\n", swept);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
dustpan: dustpan.c origin.h
> gcc -O2 -o $@ dustpan.c
origin.h:
> printf '#define DUSTPAN_ORIGIN "%s@%s"\n' "$$(id -un)" "$$(uname -n)" >$@
EOF
}

pair h8-dustpan
for s in a b; do
    fresh "$work/dustpan-ws"
    if [ $s = a ]; then
        dustpan_src "$work/dustpan-ws/dustpan"
        on_host bld-ams-04 make -s -C "$work/dustpan-ws/dustpan"
    else
        chown list: "$work/dustpan-ws"
        on_host bld-fra-11 setpriv --reuid="$(id -u list)" --regid="$(id -g list)" --clear-groups -- \
            env HOME=/var/list USER=list LOGNAME=list bash -c "$(declare -f fresh dustpan_src); dustpan_src '$work/dustpan-ws/dustpan' && make -s -C '$work/dustpan-ws/dustpan'"
    fi
    cp "$work/dustpan-ws/dustpan/dustpan" "$P/$s.out"
done
label h8-dustpan hostname+user-group

# tollgate: an assert (absolute __FILE__) and the release time in the local zone.
tollgate_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/tollgate.c" <<'EOF'
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("tollgate 3.3 (%s)\n", TOLLGATE_STAMP);
        return 0;
    }
    int axles = atoi(argv[1]);
    assert(axles >= 0 && axles < 32);
    printf("toll: %d.%02d\n", axles * 275 / 100, axles * 275 % 100);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
tollgate: $(CURDIR)/src/tollgate.c src/stamp.h
> gcc -O2 -Isrc -o $@ $(CURDIR)/src/tollgate.c
src/stamp.h:
> printf '#define TOLLGATE_STAMP "%s"\n' "$$(date -d @$$SOURCE_DATE_EPOCH '+%d/%m/%Y %H:%M %Z')" >$@
EOF
}

pair h8-tollgate
for s in a b; do
    d=$work/tollgate
    [ $s = b ] && d=$work/usr/local/src/roadworks/tollgate-3.3
    tollgate_src "$d"
    SOURCE_DATE_EPOCH=$H8_SDE TZ="$([ $s = a ] && echo UTC || echo Europe/Athens)" make -s -C "$d"
    cp "$d/tollgate" "$P/$s.out"
done
label h8-tollgate build-path+timezone

##############################################################################################
# Python: byte code, wheels and sdists.

pair h8-ledgerlint
for s in a b; do
    h8_pypkg "$work/ledgerlint" ledgerlint 0.7
    (cd "$work/ledgerlint" && ft "$(h8_when $s)" "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/ledgerlint/dist/ledgerlint-0.7.tar.gz" "$P/$s.tar.gz"
done
label h8-ledgerlint timestamp

# tidepool: compileall without SOURCE_DATE_EPOCH stores the source's mtime in the pyc; the
# second checkout and build happen really a second later.
pair h8-tidepool
for s in a b; do
    [ $s = b ] && sleep 1
    fresh "$work/tidepool"
    mkdir -p "$work/tidepool/tidepool"
    cat >"$work/tidepool/tidepool/tides.py" <<'EOF'
"""tidepool: harmonic tide estimates for a harbour."""
import math

CONSTITUENTS = {"M2": (12.4206, 1.21), "S2": (12.0, 0.43), "K1": (23.9345, 0.18)}


def height(hours, mean=2.05):
    h = mean
    for period, amp in CONSTITUENTS.values():
        h += amp * math.cos(2 * math.pi * hours / period)
    return round(h, 3)
EOF
    "$PY" -m compileall -q "$work/tidepool/tidepool" >/dev/null
    cp "$work/tidepool/tidepool/__pycache__/tides.cpython-"*.pyc "$P/$s.pyc"
done
label h8-tidepool timestamp

pair h8-mossgrid
for s in a b; do
    d=$work/opt/mossgrid
    [ $s = b ] && d=$work/data/builds/stage2/mossgrid-src
    fresh "$d"
    mkdir -p "$d/mossgrid"
    cat >"$d/mossgrid/grid.py" <<'EOF'
"""mossgrid: a sparse grid of moss coverage samples."""


class Grid:
    def __init__(self, width, height):
        self.width, self.height = width, height
        self.cells = {}

    def mark(self, x, y, cover):
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise ValueError("sample outside the plot")
        self.cells[(x, y)] = cover

    def coverage(self):
        return sum(self.cells.values()) / float(self.width * self.height)
EOF
    pin_mtimes "$d" "$H8_SDE"
    SOURCE_DATE_EPOCH=$H8_SDE "$PY" -m compileall -q "$d/mossgrid" >/dev/null
    cp "$d/mossgrid/__pycache__/grid.cpython-"*.pyc "$P/$s.pyc"
done
label h8-mossgrid build-path

pair h8-skiffcli
for s in a b; do
    fresh "$work/skiff-ws"
    pre='import getpass
with open("skiffcli/_buildinfo.py", "w") as f:
    f.write("PACKAGED_BY = %r\n" % getpass.getuser())'
    if [ $s = a ]; then
        h8_pypkg "$work/skiff-ws/skiffcli" skiffcli 2.2 "$pre"
        SOURCE_DATE_EPOCH=$H8_SDE h8_wheel "$work/skiff-ws/skiffcli"
    else
        chown lp: "$work/skiff-ws"
        as_user lp env SOURCE_DATE_EPOCH=$H8_SDE PATH="$PATH" PY="$PY" H8_SDE="$H8_SDE" bash -c \
            "$(declare -f fresh pin_mtimes h8_pypkg die); h8_pypkg '$work/skiff-ws/skiffcli' skiffcli 2.2 '$pre' && cd '$work/skiff-ws/skiffcli' && \"\$PY\" setup.py -q bdist_wheel -d dist >/dev/null 2>&1"
    fi
    cp "$work/skiff-ws/skiffcli/dist/skiffcli-2.2-py3-none-any.whl" "$P/$s.whl"
done
label h8-skiffcli user-group

pair h8-marlinstat
for s in a b; do
    pre='import json
import platform
with open("marlinstat/buildinfo.json", "w") as f:
    json.dump({"build_host": platform.node(), "profile": "release"}, f, indent=2, sort_keys=True)
    f.write("\n")'
    h8_pypkg "$work/marlinstat" marlinstat 0.5.1 "$pre"
    SOURCE_DATE_EPOCH=$H8_SDE on_host "$([ $s = a ] && echo relay3.net.basalt.example || echo ws-204.office.basalt.example)" \
        bash -c "cd '$work/marlinstat' && '$PY' setup.py -q bdist_wheel -d dist >/dev/null 2>&1"
    cp "$work/marlinstat/dist/marlinstat-0.5.1-py3-none-any.whl" "$P/$s.whl"
done
label h8-marlinstat hostname

pair h8-ternlog
for s in a b; do
    v=1.4.2
    [ $s = b ] && v=1.5.0
    h8_pypkg "$work/ternlog" ternlog "$v"
    if [ $s = b ]; then
        # the release's change: a lower default limit
        sed -i 's/default=25/default=20/' "$work/ternlog/ternlog/cli.py"
        pin_mtimes "$work/ternlog" "$H8_SDE"
    fi
    SOURCE_DATE_EPOCH=$H8_SDE h8_wheel "$work/ternlog"
    cp "$work/ternlog/dist/ternlog-$v-py3-none-any.whl" "$P/$s.whl"
done
label h8-ternlog input-version

# lichenpy: the package with its byte code (checked-hash pycs, co_filename), tarred; built in
# two checkouts, the second under umask 002.
pair h8-lichenpy
for s in a b; do
    d=$work/lichen
    [ $s = b ] && d=$work/home-builds/field-survey/lichenpy-checkout
    (
        umask "$([ $s = a ] && echo 022 || echo 002)"
        fresh "$d"
        mkdir -p "$d/lichenpy"
        printf '"""lichenpy: lichen survey records."""\n__version__ = "0.9"\n' >"$d/lichenpy/__init__.py"
        cat >"$d/lichenpy/survey.py" <<'EOF'
SPECIES = ("Xanthoria parietina", "Cladonia rangiferina", "Usnea subfloridana")


def tally(records):
    counts = dict.fromkeys(SPECIES, 0)
    for rec in records:
        if rec in counts:
            counts[rec] += 1
    return counts
EOF
        pin_mtimes "$d" "$H8_SDE"
        SOURCE_DATE_EPOCH=$H8_SDE "$PY" -m compileall -q "$d/lichenpy" >/dev/null
        pin_mtimes "$d" "$H8_SDE"
    )
    h8_tar "$d" lichenpy | gzip -n -9 >"$P/$s.tar.gz"
done
label h8-lichenpy build-path+permissions

##############################################################################################
# gettext.

pair h8-hopscotch
for s in a b; do
    fresh "$work/hopscotch"
    cat >"$work/hopscotch/sv.po" <<'EOF'
# Swedish translation of hopscotch.
msgid ""
msgstr ""
"Project-Id-Version: hopscotch 1.2\n"
"Report-Msgid-Bugs-To: i18n@hopscotch.example\n"
"PO-Revision-Date: 2025-05-28 19:05+0200\n"
"Last-Translator: Linnea Berglund <linnea@hopscotch.example>\n"
"Language-Team: Swedish\n"
"Language: sv\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Throw the marker"
msgstr "Kasta markören"

msgid "Hop to square %d"
msgstr "Hoppa till ruta %d"

msgid "You stepped on a line!"
msgstr "Du trampade på ett streck!"

msgid "Play again?"
msgstr "Sparra igen?"
EOF
    [ $s = b ] && sed -i 's/Sparra igen?/Spela igen?/' "$work/hopscotch/sv.po"
    msgfmt -o "$work/hopscotch/sv.mo" "$work/hopscotch/sv.po"
    cp "$work/hopscotch/sv.mo" "$P/$s.mo"
done
label h8-hopscotch content

# harbormap: the chart viewer's catalog. xgettext stamps POT-Creation-Date in the local zone,
# msginit --no-translator copies it into en_NZ.po's PO-Revision-Date and msgfmt keeps it; both
# builds at the same instant (the clock stopped), in two zones.
harbormap_src() {
    fresh "$1"
    mkdir -p "$1/src" "$1/po"
    cat >"$1/src/viewer.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(int argc, char **argv)
{
    puts(_("Load a harbour chart"));
    puts(_("Depth contours"));
    if (argc > 1)
        printf(_("Tide table for berth %s\n"), argv[1]);
    puts(_("Leave the chart room"));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
en_NZ.mo: po/harbormap.pot
> msginit --no-translator -l en_NZ -i po/harbormap.pot -o po/en_NZ.po >/dev/null 2>&1
> msgfmt -o $@ po/en_NZ.po
po/harbormap.pot: src/viewer.c
> xgettext -k_ --package-name=harbormap --package-version=2.0 --msgid-bugs-address=charts@harbormap.example -o $@ src/viewer.c
EOF
}

pair h8-harbormap
for s in a b; do
    harbormap_src "$work/harbormap"
    TZ="$([ $s = a ] && echo UTC || echo America/Bogota)" h8_frozen "$H8_SDE" make -s -C "$work/harbormap"
    cp "$work/harbormap/en_NZ.mo" "$P/$s.mo"
done
label h8-harbormap timezone

##############################################################################################
# Debian packages.

# snowgauge: packaged without SOURCE_DATE_EPOCH, on two days (ar member times).
pair h8-snowgauge
for s in a b; do
    d=$work/snowgauge
    fresh "$d"
    cat >"$d/snowgauge.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    double sum = 0;
    for (int i = 1; i < argc; i++)
        sum += atof(argv[i]);
    printf("mean snow depth: %.1f cm\n", argc > 1 ? sum / (argc - 1) : 0.0);
    return 0;
}
EOF
    gcc -O2 -o "$d/snowgauge" "$d/snowgauge.c"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/doc/snowgauge"
    cp "$d/snowgauge" "$d/stage/usr/bin/"
    printf 'snowgauge is free software under the ISC licence.\n' >"$d/stage/usr/share/doc/snowgauge/copyright"
    h8_control "$d/stage" snowgauge 1.0.3-2 "average snow depth readings"
    pin_mtimes "$d/stage" "$H8_SDE"
    ft "$(h8_when $s)" dpkg-deb --root-owner-group -Zxz --build "$d/stage" "$P/$s.deb" >/dev/null
done
label h8-snowgauge timestamp

# cinderlog: a BUILDINFO with the build date (SOURCE_DATE_EPOCH) in RFC 5322 form, local zone.
pair h8-cinderlog
for s in a b; do
    d=$work/cinderlog
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/doc/cinderlog"
    printf '#!/bin/sh\n# cinderlog: append a line to the ember journal\nprintf "%%s %%s\\n" "$(date +%%s)" "$*" >>"${CINDERLOG_FILE:-$HOME/.cinderlog}"\n' >"$d/stage/usr/bin/cinderlog"
    chmod 755 "$d/stage/usr/bin/cinderlog"
    (
        export SOURCE_DATE_EPOCH=$H8_SDE TZ="$([ $s = a ] && echo UTC || echo America/St_Johns)"
        printf 'Source: cinderlog\nVersion: 0.4-1\nBuild-Date: %s\n' "$(date -R -d "@$SOURCE_DATE_EPOCH")" >"$d/stage/usr/share/doc/cinderlog/BUILDINFO"
        h8_control "$d/stage" cinderlog 0.4-1 "keep a journal of embers"
        dpkg-deb --root-owner-group -Zxz --build "$d/stage" "$P/$s.deb" >/dev/null
    )
done
label h8-cinderlog timezone

# nettlesync: the build generates a client token (base64 of random bytes) shipped as a conffile.
pair h8-nettlesync
for s in a b; do
    d=$work/nettlesync
    fresh "$d"
    mkdir -p "$d/stage/etc/nettlesync" "$d/stage/usr/bin"
    printf '#!/bin/sh\nexec rsync -a --delete "$@"\n' >"$d/stage/usr/bin/nettlesync"
    chmod 755 "$d/stage/usr/bin/nettlesync"
    printf '[client]\nserver = sync.nettle.example\ntoken = %s\n' "$(head -c 24 /dev/urandom | base64)" >"$d/stage/etc/nettlesync/client.conf"
    h8_control "$d/stage" nettlesync 2.0.1-1 "mirror directories to the nettle server"
    echo /etc/nettlesync/client.conf >"$d/stage/DEBIAN/conffiles"
    SOURCE_DATE_EPOCH=$H8_SDE dpkg-deb --root-owner-group -Zxz --build "$d/stage" "$P/$s.deb" >/dev/null
done
label h8-nettlesync randomness

# quillpad: 0.9.1-1 compressed with xz, then 0.9.2-1 (version and a new option) with zstd.
pair h8-quillpad
for s in a b; do
    d=$work/quillpad
    v=0.9.1
    [ $s = b ] && v=0.9.2
    fresh "$d"
    cat >"$d/quillpad.c" <<EOF
#include <stdio.h>
#include <string.h>
#define QUILLPAD_VERSION "$v"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("quillpad " QUILLPAD_VERSION);
        return 0;
    }
#ifdef QUILLPAD_WIDE
    if (argc > 1 && strcmp(argv[1], "--wide") == 0) {
        puts("quillpad: wide margins");
        return 0;
    }
#endif
    puts("quillpad: nothing to write");
    return 0;
}
EOF
    [ $s = b ] && sed -i '1i #define QUILLPAD_WIDE 1' "$d/quillpad.c"
    gcc -O2 -o "$d/quillpad" "$d/quillpad.c"
    mkdir -p "$d/stage/usr/bin"
    cp "$d/quillpad" "$d/stage/usr/bin/"
    h8_control "$d/stage" quillpad "$v-1" "a minimal note pad"
    SOURCE_DATE_EPOCH=$H8_SDE dpkg-deb --root-owner-group "$([ $s = a ] && echo -Zxz || echo -Zzstd)" --build "$d/stage" "$P/$s.deb" >/dev/null
done
label h8-quillpad input-version+compression

# vesper-tools: build.yaml with the build host and the release day in the build's locale.
pair h8-vesper
for s in a b; do
    d=$work/vesper
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/doc/vesper-tools"
    printf '#!/bin/sh\n# vesper: print the evening star'"'"'s altitude table\ncat /usr/share/vesper-tools/table 2>/dev/null || echo "vesper: no table"\n' >"$d/stage/usr/bin/vesper"
    chmod 755 "$d/stage/usr/bin/vesper"
    h8_control "$d/stage" vesper-tools 1.1-3 "evening star tables"
    cat >"$d/genbuild.sh" <<'EOF'
printf 'package: vesper-tools\nversion: 1.1-3\nhost: %s\nreleased: "%s"\n' \
    "$(uname -n)" "$(date -d "@$SOURCE_DATE_EPOCH" '+%d %B %Y %A')" >"$1/usr/share/doc/vesper-tools/build.yaml"
EOF
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H8_SDE on_host pkgbox sh "$d/genbuild.sh" "$d/stage"
    else
        SOURCE_DATE_EPOCH=$H8_SDE on_host ci07.corp.vireo.example env LOCPATH="$work/locales" LC_ALL=tr_TR.UTF-8 sh "$d/genbuild.sh" "$d/stage"
    fi
    SOURCE_DATE_EPOCH=$H8_SDE dpkg-deb --root-owner-group -Zxz --build "$d/stage" "$P/$s.deb" >/dev/null
done
label h8-vesper locale+hostname

##############################################################################################
# squashfs and ISO 9660 images.

# juniper: an image whose environment file is made by upper-casing keys with sed (\U).
pair h8-juniper
for s in a b; do
    d=$work/juniper
    fresh "$d"
    mkdir -p "$d/etc/juniper" "$d/usr/lib/juniper"
    printf 'listen_ip=0.0.0.0\nmax_clients=64\ninit_timeout=30\nlog_dir=/var/log/juniper\n' >"$d/etc/juniper/defaults"
    env LOCPATH="$work/locales" LC_ALL="$([ $s = a ] && echo C || echo tr_TR.UTF-8)" \
        sed 's/^\([^=]*\)=/\U\1\E=/' "$d/etc/juniper/defaults" >"$d/etc/juniper/environment"
    printf '#!/bin/sh\nset -a\n. /etc/juniper/environment\nexec /usr/lib/juniper/juniperd\n' >"$d/usr/lib/juniper/start"
    chmod 755 "$d/usr/lib/juniper/start"
    pin_mtimes "$d" "$H8_SDE"
    h8_sqfs "$d" "$P/$s.squashfs" -comp gzip -all-root
done
label h8-juniper locale

# brambleos: an image-release file (TOML) with the build host.
pair h8-brambleos
for s in a b; do
    d=$work/brambleos
    fresh "$d"
    mkdir -p "$d/etc" "$d/usr/share/bramble"
    printf 'Welcome to BrambleOS 7.\n' >"$d/usr/share/bramble/motd"
    on_host "$([ $s = a ] && echo forge-12 || echo buildpi-3)" sh -c \
        'printf "[image]\nname = \"brambleos\"\nversion = \"7.0.2\"\nbuild_host = \"%s\"\n" "$(uname -n)" >"$1"' sh "$d/etc/image-release"
    pin_mtimes "$d" "$H8_SDE"
    h8_sqfs "$d" "$P/$s.squashfs" -comp xz -all-root
done
label h8-brambleos hostname

# glacier-root: a tree written under umask 022, then 027.
pair h8-glacier
for s in a b; do
    d=$work/glacier
    (
        umask "$([ $s = a ] && echo 022 || echo 027)"
        fresh "$d"
        mkdir -p "$d/etc/glacier" "$d/usr/bin" "$d/var/lib/glacier"
        printf 'retention_days = 3650\nvault = cold-01\n' >"$d/etc/glacier/vault.conf"
        printf '#!/bin/sh\necho "glacier: thawing $1"\n' >"$d/usr/bin/glacier-thaw"
        chmod +x "$d/usr/bin/glacier-thaw"
        printf 'glacier-root 4\n' >"$d/etc/glacier-release"
    )
    pin_mtimes "$d" "$H8_SDE"
    h8_sqfs "$d" "$P/$s.squashfs" -comp gzip -all-root
done
label h8-glacier permissions

# saltmarsh: an ISO made on two days without SOURCE_DATE_EPOCH; each build writes a fresh
# instance id (a UUID) and a nonce (hex).
pair h8-saltmarsh
for s in a b; do
    d=$work/saltmarsh
    fresh "$d"
    mkdir -p "$d/etc/saltmarsh" "$d/share"
    printf 'tide_gauge = marsh-7\ninterval = 600\n' >"$d/etc/saltmarsh/station.conf"
    {
        printf 'instance = %s\n' "$(cat /proc/sys/kernel/random/uuid)"
        printf 'nonce = %s\n' "$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
    } >"$d/etc/saltmarsh/instance"
    printf 'Saltmarsh station image.\n' >"$d/share/README"
    pin_mtimes "$d" "$H8_SDE"
    ft "$(h8_when $s)" xorriso -as mkisofs -quiet -R -J -V SALTMARSH -o "$P/$s.iso" "$d" 2>/dev/null
done
label h8-saltmarsh timestamp+randomness

##############################################################################################
# zip, tar, cpio, gzip.

# fernbook: a release zip whose BUILD-INFO the Makefile writes with date -R, on two days.
pair h8-fernbook
for s in a b; do
    d=$work/fernbook-rel
    fresh "$d"
    mkdir -p "$d/fernbook/chapters"
    for c in spores fronds rhizomes; do
        printf '# %s\n\nNotes on the %s of temperate ferns.\n' "$c" "$c" >"$d/fernbook/chapters/$c.md"
    done
    printf '.RECIPEPREFIX = >\nfernbook/BUILD-INFO:\n> printf "Fernbook 6\\nBuilt: %%s\\n" "$$(date -R)" >$@\n' >"$d/Makefile"
    ft "$(h8_when $s)" make -s -C "$d"
    pin_mtimes "$d" "$H8_SDE"
    (cd "$d" && zip -X -q -r "$P/$s.zip" fernbook)
done
label h8-fernbook timestamp

# cobalt-glyphs: zip -r of two checkouts on tmpfs that wrote the files in another order.
pair h8-cobalt
for s in a b; do
    o="regular bold italic condensed"
    [ $s = b ] && o="italic regular condensed bold"
    d=$shm/cobalt
    fresh "$d"
    mkdir -p "$d/cobalt-glyphs"
    for f in $o; do
        printf 'STARTFONT 2.1\nFONT -cobalt-glyphs-%s-r-normal--16-160-75-75-c-80-iso10646-1\nSIZE 16 75 75\nENDFONT\n' "$f" >"$d/cobalt-glyphs/$f.bdf"
    done
    pin_mtimes "$d" "$H8_SDE"
    (cd "$d" && zip -X -q -r "$P/$s.zip" cobalt-glyphs)
done
label h8-cobalt file-order

# saffron-docs: the same tree zipped with deflate, then with bzip2.
pair h8-saffron
d=$work/saffron
fresh "$d"
mkdir -p "$d/saffron-docs"
for f in harvest drying grading storage; do
    for i in 1 2 3 4 5 6; do
        printf 'Saffron %s, step %d: keep the stigmas dry and away from light; record the batch weight.\n' "$f" "$i"
    done >"$d/saffron-docs/$f.txt"
done
for s in a b; do
    pin_mtimes "$d" "$H8_SDE"
    if [ $s = a ]; then
        (cd "$d" && zip -X -q -r "$P/$s.zip" saffron-docs)
    else
        (cd "$d" && zip -X -q -r -Z bzip2 "$P/$s.zip" saffron-docs)
    fi
done
label h8-saffron compression

# pinecone-kit: the kit tree written under umask 022, then 077.
pair h8-pinecone
for s in a b; do
    d=$work/pinecone
    (
        umask "$([ $s = a ] && echo 022 || echo 077)"
        fresh "$d"
        mkdir -p "$d/pinecone-kit/bin" "$d/pinecone-kit/templates"
        printf '#!/bin/sh\necho "pinecone: scaffolding $1"\n' >"$d/pinecone-kit/bin/pinecone"
        chmod u+x,go+x "$d/pinecone-kit/bin/pinecone"
        printf 'name = {{project}}\nlicence = MPL-2.0\n' >"$d/pinecone-kit/templates/project.ini"
    )
    pin_mtimes "$d" "$H8_SDE"
    (cd "$d" && zip -X -q -r "$P/$s.zip" pinecone-kit)
done
label h8-pinecone permissions

# orchard-assets: a tar.xz made by root, then made (tree and archive) by the user list,
# without --owner/--group.
pair h8-orchard
for s in a b; do
    ws=$work/orchard-ws
    fresh "$ws"
    script='mkdir -p "$1/orchard-assets/img" "$1/orchard-assets/css"
printf "body { background: #f4efe1; }\n" >"$1/orchard-assets/css/orchard.css"
printf "P3 1 1 255\n200 40 40\n" >"$1/orchard-assets/img/apple.ppm"
printf "orchard-assets 12\n" >"$1/orchard-assets/VERSION"
find "$1" -exec touch -h -d "@$2" {} +
tar --format=gnu --sort=name --mtime="@$2" -C "$1" -cJf "$1/out.tar.xz" orchard-assets'
    if [ $s = a ]; then
        sh -c "$script" sh "$ws" "$H8_SDE"
    else
        chown list: "$ws"
        as_user list sh -c "$script" sh "$ws" "$H8_SDE"
    fi
    cp "$ws/out.tar.xz" "$P/$s.tar.xz"
done
label h8-orchard user-group

# driftwood-themes: a tar.zst without --sort of two checkouts written in another order (tmpfs).
pair h8-driftwood
for s in a b; do
    o="sand kelp dusk"
    [ $s = b ] && o="dusk sand kelp"
    d=$shm/driftwood
    fresh "$d"
    mkdir -p "$d/driftwood-themes"
    for t in $o; do
        printf ':root { --theme: "%s"; --accent: #7a6a53; }\n' "$t" >"$d/driftwood-themes/$t.css"
    done
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H8_SDE" -C "$d" -cf - driftwood-themes | zstd -q -19 >"$P/$s.tar.zst"
done
label h8-driftwood file-order

# lanternfs: cpio without -R of a tree written and archived by root, then by the user sys.
pair h8-lanternfs
for s in a b; do
    ws=$work/lantern-ws
    fresh "$ws"
    script='mkdir -p "$1/tree/etc/lantern" "$1/tree/sbin"
printf "beam = 40\nflicker = off\n" >"$1/tree/etc/lantern/lantern.conf"
printf "#!/bin/sh\nexec /sbin/lanternd -c /etc/lantern/lantern.conf\n" >"$1/tree/sbin/lantern-init"
chmod 755 "$1/tree/sbin/lantern-init"
find "$1/tree" -exec touch -h -d "@$2" {} +
cd "$1/tree" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible >"$1/out.cpio"'
    if [ $s = a ]; then
        sh -c "$script" sh "$ws" "$H8_SDE"
    else
        chown sys: "$ws"
        as_user sys sh -c "$script" sh "$ws" "$H8_SDE"
    fi
    cp "$ws/out.cpio" "$P/$s.cpio"
done
label h8-lanternfs user-group

# mireboot: an initramfs-style cpio with a random seed file (raw bytes) made by the build.
pair h8-mireboot
for s in a b; do
    d=$work/mireboot
    fresh "$d"
    mkdir -p "$d/etc" "$d/bin" "$d/var/lib/mireboot"
    printf '#!/bin/sh\nmount -t proc proc /proc\nexec /bin/sh\n' >"$d/init"
    chmod 755 "$d/init"
    printf 'root=LABEL=mire\nquiet\n' >"$d/etc/mireboot.conf"
    head -c 32 /dev/urandom >"$d/var/lib/mireboot/random-seed"
    pin_mtimes "$d" "$H8_SDE"
    h8_cpio "$d" >"$P/$s.cpio"
done
label h8-mireboot randomness

# caskinit: the same initramfs tree, cpio compressed with gzip -1, then gzip -9.
pair h8-caskinit
d=$work/caskinit
fresh "$d"
mkdir -p "$d/etc/caskinit" "$d/lib/caskinit"
for h in udev lvm crypt net resume; do
    {
        printf '#!/bin/sh\n# caskinit hook: %s\n' "$h"
        for i in 1 2 3 4 5 6 7 8; do
            printf 'log "caskinit: %s stage %d of 8"\n[ -e /run/caskinit/%s.%d ] || touch /run/caskinit/%s.%d\n' "$h" "$i" "$h" "$i" "$h" "$i"
        done
    } >"$d/lib/caskinit/$h.sh"
done
printf 'hooks = udev lvm crypt net resume\n' >"$d/etc/caskinit/caskinit.conf"
pin_mtimes "$d" "$H8_SDE"
for s in a b; do
    h8_cpio "$d" | gzip -n "$([ $s = a ] && echo -1 || echo -9)" >"$P/$s.cpio.gz"
done
label h8-caskinit compression

# thistle: a man page whose date and AUTHORS list the Makefile makes with date(1) and sort(1),
# gzipped with -n; built under LC_ALL=C, then sv_SE.UTF-8.
pair h8-thistle
for s in a b; do
    d=$work/thistle
    fresh "$d"
    printf 'de Vries, Anna\nEk, Bjorn\nalm, Karin\nOlsson, Petra\nvan Dam, Tijs\n' >"$d/AUTHORS.in"
    cat >"$d/thistle.1.in" <<'EOF'
.TH THISTLE 1 "@DATE@" "thistle 3.0" "User Commands"
.SH NAME
thistle \- prune old files from a directory tree
.SH SYNOPSIS
.B thistle
.RI [ --days N ] " DIR"
.SH AUTHORS
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
thistle.1: thistle.1.in AUTHORS.in
> sed "s/@DATE@/$$(date -d @$$SOURCE_DATE_EPOCH '+%d %B %Y')/" thistle.1.in >$@
> sort AUTHORS.in | sed 's/^/.br\n/' >>$@
EOF
    SOURCE_DATE_EPOCH=$H8_SDE LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo sv_SE.UTF-8)" make -s -C "$d"
    gzip -n -9 "$d/thistle.1"
    cp "$d/thistle.1.gz" "$P/$s.1.gz"
done
label h8-thistle locale
