# The third held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
# Written without reading the explainer, its tests, heldout.sh or heldout2.sh; its pairs were
# checked only with cmp and listing tools. The explainer's developer never opens this file.

T1=1750149912  # 2025-06-17 08:45:12 UTC: the first build of a time-varied pair
T2=1750367020  # 2025-06-19 21:03:40 UTC: the second
T3=1756794000  # 2025-09-02 06:20:00 UTC: a rebuild months later
PIN=1748606400 # 2025-05-30 12:00:00 UTC: SOURCE_DATE_EPOCH and mtimes where time is pinned

# The four locales of this half, compiled side by side.
locale_def sv_SE &
locale_def fr_FR &
locale_def cs_CZ &
locale_def pl_PL &
wait
for l in sv_SE fr_FR cs_CZ pl_PL; do
    [ -d "$work/locales/$l.UTF-8" ] || die "localedef cannot compile $l.UTF-8 (Debian package locales)"
done
LOC=$work/locales

##############################################################################################
# Projects.

# A C program whose Makefile writes gen.h with one macro from a shell command run at build time:
# DIR PROG MACRO SHELL-COMMAND (make syntax: $$ for $). The program prints the macro on --about.
genhdr_src() {
    local d=$1 prog=$2 macro=$3 cmd=$4
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"

static int usage(void)
{
    fprintf(stderr, "usage: $prog [--about] VALUE...\\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "--about") == 0) {
        printf("$prog [%s]\\n", $macro);
        return 0;
    }
    double sum = 0;
    for (int i = 1; i < argc; i++)
        sum += strtod(argv[i], NULL);
    printf("$prog: mean %.3f over %d values\\n", sum / (argc - 1), argc - 1);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
all: $prog

$prog: $prog.c gen.h
> gcc -O2 -Wall -o \$@ $prog.c

gen.h:
> echo "#define $macro \"\$\$($cmd)\"" >\$@
EOF
}

# meteolog: a weather log filter whose Makefile stamps stamp.h with the build's epoch and date.
meteolog_src() {
    fresh "$1"
    cat >"$1/meteolog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    char line[512];
    double t, lo = 1e9, hi = -1e9;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("meteolog 2.3.1 (build %ld, %s)\n", (long)BUILD_EPOCH, BUILD_ISO);
        return 0;
    }
    while (fgets(line, sizeof line, stdin))
        if (sscanf(line, "%*s %lf", &t) == 1) {
            if (t < lo) lo = t;
            if (t > hi) hi = t;
        }
    printf("min %.1f max %.1f\n", lo, hi);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
meteolog: meteolog.c stamp.h
> gcc -O2 -o $@ meteolog.c

stamp.h:
> printf '#define BUILD_EPOCH %sL\n#define BUILD_ISO "%s"\n' "$$(date +%s)" "$$(date -u +%Y-%m-%dT%H:%M:%SZ)" >$@
EOF
}

# A Python package with a setup.py: DIR NAME VERSION [PYTHON-CODE run by setup.py before setup()]
# [VARIANT: fixed, a corrected conversion factor]. Sources pinned at PIN.
pyapp_src() {
    local d=$1 name=$2 v=$3 pre=${4:-} variant=${5:-}
    local factor=0.3084
    [ "$variant" = fixed ] && factor=0.3048
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name $v"""
__version__ = "$v"
EOF
    cat >"$d/$name/convert.py" <<EOF
"""Length and temperature conversions used by the $name command."""
import argparse

FEET_TO_METRES = $factor


def feet(x):
    return x * FEET_TO_METRES


def fahrenheit(x):
    return (x - 32.0) * 5.0 / 9.0


def main(argv=None):
    p = argparse.ArgumentParser(prog="$name")
    p.add_argument("unit", choices=["ft", "degF"])
    p.add_argument("values", type=float, nargs="+")
    a = p.parse_args(argv)
    f = feet if a.unit == "ft" else fahrenheit
    for x in a.values:
        print("%g -> %.4f" % (x, f(x)))
    return 0
EOF
    {
        echo 'from setuptools import setup'
        [ -n "$pre" ] && printf '%s\n' "$pre"
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name: conversions on the command line",
    author="Ines Okafor",
    license="BSD-3-Clause",
    packages=["$name"],
    entry_points={"console_scripts": ["$name=$name.convert:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$PIN"
}

# whl DIR NAME VERSION OUT [ENV...]: bdist_wheel in DIR (with ENV), the wheel copied to OUT.
whl() {
    local d=$1 name=$2 v=$3 o=$4
    shift 4
    (cd "$d" && env "$@" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1) || die "bdist_wheel of $name failed"
    cp "$d/dist/$name-$v-py3-none-any.whl" "$o"
}

# tallyui's catalogs: xgettext (POT-Creation-Date is the build's time and zone), msginit
# --no-translator for en_AU (which copies it into PO-Revision-Date) and msgfmt.
tallyui_src() {
    fresh "$1"
    mkdir -p "$1/src" "$1/po"
    cat >"$1/src/tally.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(int argc, char **argv)
{
    printf(_("Counted %d ballots\n"), argc - 1);
    puts(_("Recount requested"));
    puts(_("Polling station closed"));
    puts(_("Spoilt papers"));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
en_AU.mo: po/tallyui.pot
> msginit --no-translator -l en_AU -i po/tallyui.pot -o po/en_AU.po >/dev/null 2>&1
> msgfmt -o $@ po/en_AU.po

po/tallyui.pot: src/tally.c
> xgettext -k_ -c --from-code=UTF-8 --package-name=tallyui --package-version=1.12 --msgid-bugs-address=translate@tallyui.example -o $@ src/tally.c
EOF
}

# fieldguide: HTML pages made by sed from text sources at build time (so their mtimes are the build's).
fieldguide_src() {
    local n
    fresh "$1"
    mkdir -p "$1/pages"
    for n in heron kingfisher lapwing curlew; do
        printf 'The %s\nHabitat: wetlands and coasts.\nCall: see the recordings of the %s.\n' "$n" "$n" >"$1/pages/$n.txt"
    done
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
PAGES := $(patsubst pages/%.txt,html/%.html,$(sort $(wildcard pages/*.txt)))
all: $(PAGES) html/index.html

html/%.html: pages/%.txt
> mkdir -p html
> sed -e '1s|.*|<h1>&</h1>|' -e '2,$$s|.*|<p>&</p>|' $< >$@

html/index.html: $(PAGES)
> for p in $(PAGES); do echo "<a href=\"$${p#html/}\">$${p#html/}</a>"; done >$@
EOF
    pin_mtimes "$1" "$PIN"
}

# birdcount: a Python package checked out with every mtime at EPOCH: DIR EPOCH
birdcount_src() {
    fresh "$1"
    mkdir -p "$1/birdcount"
    printf '"""birdcount: tallies of survey sheets."""\n' >"$1/birdcount/__init__.py"
    cat >"$1/birdcount/tally.py" <<'EOF'
import collections


def tally(lines):
    seen = collections.Counter()
    for line in lines:
        species, _, n = line.partition(",")
        if species and n.strip().isdigit():
            seen[species.strip().lower()] += int(n)
    return seen.most_common()
EOF
    pin_mtimes "$1" "$2"
}

# A C project whose Makefile compiles absolute source paths (as CMake does), with a LOG macro
# that prints __FILE__ and __LINE__: mqttbridge.
mqttbridge_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/log.h" <<'EOF'
#ifndef LOG_H
#define LOG_H
#include <stdio.h>
#define LOG_WARN(fmt, ...) fprintf(stderr, "[warn] %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__)
#endif
EOF
    cat >"$1/src/topic.c" <<'EOF'
#include <string.h>
#include "log.h"

int topic_valid(const char *t)
{
    if (strchr(t, '#') && t[strlen(t) - 1] != '#') {
        LOG_WARN("wildcard # not last in %s", t);
        return 0;
    }
    if (strlen(t) > 256) {
        LOG_WARN("topic too long (%zu)", strlen(t));
        return 0;
    }
    return 1;
}
EOF
    cat >"$1/src/main.c" <<'EOF'
#include <stdio.h>
#include "log.h"

int topic_valid(const char *t);

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++)
        if (!topic_valid(argv[i])) {
            LOG_WARN("dropping %s", argv[i]);
            bad++;
        }
    printf("%d of %d topics forwarded\n", argc - 1 - bad, argc - 1);
    return bad != 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRC := $(CURDIR)/src
mqttbridge: main.o topic.o
> gcc -o $@ main.o topic.o
%.o: $(SRC)/%.c $(SRC)/log.h
> gcc -O2 -c -o $@ $<
EOF
}

# bitpack: two sources compiled with -g (relative paths; the debug info names the directory).
bitpack_src() {
    fresh "$1"
    cat >"$1/bits.c" <<'EOF'
#include <stdint.h>
unsigned popcount64(uint64_t x)
{
    unsigned n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}
EOF
    cat >"$1/bitpack.c" <<'EOF'
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
unsigned popcount64(uint64_t x);
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        uint64_t v = strtoull(argv[i], NULL, 0);
        printf("%#" PRIx64 ": %u bits set\n", v, popcount64(v));
    }
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nCFLAGS = -O1 -g\nbitpack: bitpack.o bits.o\n> gcc -g -o $@ bitpack.o bits.o\n' >"$1/Makefile"
}

# A static library with asserts, compiled from absolute paths: DIR LIB [CFLAGS]
# (libqueue: a ring queue).
libqueue_src() {
    local d=$1 lib=$2 cflags=${3:--O2}
    fresh "$d"
    mkdir -p "$d/src"
    cat >"$d/src/queue.c" <<'EOF'
#include <assert.h>
#include <stddef.h>
struct queue { int *buf; size_t cap, head, len; };
int queue_push(struct queue *q, int v)
{
    assert(q != NULL && q->buf != NULL);
    if (q->len == q->cap)
        return -1;
    q->buf[(q->head + q->len++) % q->cap] = v;
    return 0;
}
int queue_pop(struct queue *q, int *v)
{
    assert(v != NULL);
    if (q->len == 0)
        return -1;
    *v = q->buf[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return 0;
}
EOF
    cat >"$d/src/crc.c" <<'EOF'
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
uint32_t crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    assert(p != NULL || n == 0);
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1));
    }
    return ~crc;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
SRC := \$(CURDIR)/src
$lib: queue.o crc.o
> ar rcD \$@ queue.o crc.o
%.o: \$(SRC)/%.c
> gcc $cflags -c -o \$@ \$<
EOF
}

# strutil with a test registry generated from `find tests` (readdir order): DIR ORDER
strutil_src() {
    local d=$1 order=$2 t
    fresh "$d"
    mkdir -p "$d/tests"
    for t in $order; do
        printf '#include <stdio.h>\nint test_%s(void) { puts("test_%s ok"); return 0; }\n' "$t" "$t" >"$d/tests/test_$t.c"
    done
    cat >"$d/runner.c" <<'EOF'
#include <stdio.h>
#define TEST(n) int n(void);
#include "registry.h"
#undef TEST
#define TEST(n) { #n, n },
static const struct { const char *name; int (*fn)(void); } tests[] = {
#include "registry.h"
};
int main(void)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        failed += tests[i].fn() != 0;
    printf("%d failed\n", failed);
    return failed != 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
runner: runner.c registry.h
> gcc -O2 -o $@ runner.c $(sort $(wildcard tests/test_*.c))
registry.h:
> find tests -name 'test_*.c' | sed 's|tests/\(.*\)\.c|TEST(\1)|' >$@
EOF
}

# libgeom: a static library whose objects are listed by `find src` (readdir order): DIR ORDER
libgeom_src() {
    local d=$1 order=$2 f
    fresh "$d"
    mkdir -p "$d/src"
    for f in $order; do
        printf 'double geom_%s(double a, double b) { return a * b * %d.0; }\n' "$f" "${#f}" >"$d/src/$f.c"
    done
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
OBJS := $(patsubst src/%.c,obj/%.o,$(shell find src -name '*.c'))
libgeom.a: $(OBJS)
> ar rcD $@ $(OBJS)
obj/%.o: src/%.c
> @mkdir -p obj
> gcc -O2 -c -o $@ $<
EOF
}

# ordbok: a word table sorted by sort(1) under the build's locale.
ordbok_src() {
    fresh "$1"
    printf '%s\n' örn apa Ängel zon bil Öga yxa ål Borg äpple Zeta ödla >"$1/ord.txt"
    cat >"$1/ordbok.c" <<'EOF'
#include <stdio.h>
#include <string.h>
static const char *const words[] = {
#include "ord.h"
};
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
            if (strcmp(argv[i], words[k]) == 0)
                printf("%s: %zu\n", argv[i], k + 1);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
ordbok: ordbok.c ord.h
> gcc -O2 -o $@ ordbok.c
ord.h: ord.txt
> sort ord.txt | sed 's/.*/"&",/' >$@
EOF
}

# A tree of plain files: DIR PREFIX N (N files PREFIX-k.txt with a few lines each) under DIR/data.
text_tree() {
    local d=$1 p=$2 n=$3 k
    fresh "$d"
    mkdir -p "$d/data"
    for k in $(seq 1 "$n"); do
        printf '%s part %d\n%s\n' "$p" "$k" "$(seq -s ' ' $((k * 7)) $((k * 7 + 600)))" >"$d/data/$p-$k.txt"
    done
}

# An appliance image tree: DIR (etc/appliance, a start script, a few web pages).
appliance_tree() {
    local p
    fresh "$1"
    mkdir -p "$1/etc/appliance" "$1/usr/sbin" "$1/srv/www"
    printf 'listen = 0.0.0.0:8443\nworkers = 3\nlog = /var/log/appliance.log\n' >"$1/etc/appliance/appliance.ini"
    printf '#!/bin/sh\nexec /usr/sbin/appliance-httpd -c /etc/appliance/appliance.ini\n' >"$1/usr/sbin/appliance-start"
    chmod 755 "$1/usr/sbin/appliance-start"
    for p in status setup network; do
        printf '<!doctype html><title>%s</title><main>Appliance %s panel</main>\n' "$p" "$p" >"$1/srv/www/$p.html"
    done
}

# A Debian package staged in DIR/stage and built into OUT: DIR OUT PACKAGE VERSION [dpkg-deb args]
# (the stage's files are written by the caller first).
deb_pack() {
    local d=$1 o=$2 pkg=$3 v=$4
    shift 4
    mkdir -p "$d/stage/DEBIAN"
    cat >"$d/stage/DEBIAN/control" <<EOF
Package: $pkg
Version: $v
Architecture: all
Maintainer: Tomasz Wierzbicki <tomasz@debpkg.example>
Section: misc
Priority: optional
Description: $pkg for the office machines
 Packaged for the office machines by the infrastructure team.
EOF
    dpkg-deb --build "$@" "$d/stage" "$o" >/dev/null
}

##############################################################################################
# C projects (make, gcc, ar).

pair meteolog-rebuild # stamp.h made by date(1): built on two dates
for s in a b; do
    meteolog_src "$work/meteolog"
    ft "$([ $s = a ] && echo $T1 || echo $T2)" make -s -C "$work/meteolog"
    cp "$work/meteolog/meteolog" "$P/$s.bin"
done
label meteolog-rebuild timestamp

pair tidewatch-zone # date -R of SOURCE_DATE_EPOCH in gen.h, built in two time zones
for s in a b; do
    genhdr_src "$work/tidewatch" tidewatch RELEASED 'date -R -d @$$SOURCE_DATE_EPOCH'
    SOURCE_DATE_EPOCH=$PIN TZ="$([ $s = a ] && echo America/Sao_Paulo || echo Asia/Kathmandu)" make -s -C "$work/tidewatch"
    cp "$work/tidewatch/tidewatch" "$P/$s.bin"
done
label tidewatch-zone timezone

pair bitpack-debug-dirs # -g: built in two checkouts
for s in a b; do
    d=$work/build/bitpack
    [ $s = b ] && d=$work/home/ravi/code/bitpack-0.7
    bitpack_src "$d"
    make -s -C "$d"
    cp "$d/bitpack" "$P/$s.elf"
done
label bitpack-debug-dirs build-path

pair mqttbridge-log-path # LOG_WARN's absolute __FILE__: built in two directories
for s in a b; do
    d=$work/srv/ci/workspace/mqttbridge
    [ $s = b ] && d=$work/opt/src/mqttbridge-1.0
    mqttbridge_src "$d"
    make -s -C "$d"
    cp "$d/mqttbridge" "$P/$s.bin"
done
label mqttbridge-log-path build-path

pair libqueue-assert-dirs # a static library with assert()s of absolute paths, two directories
for s in a b; do
    d=$work/tmp/pbuild-31337/libqueue
    [ $s = b ] && d=$work/mnt/data/jobs/libqueue
    libqueue_src "$d" libqueue.a
    make -s -C "$d"
    cp "$d/libqueue.a" "$P/$s.a"
done
label libqueue-assert-dirs build-path

pair statsd-whoami # whoami in gen.h: built by the user games, then by proxy
for s in a b; do
    u=$([ $s = a ] && echo games || echo proxy)
    genhdr_src "$shm/statsd" statsd PACKAGER 'whoami'
    chown -R "$u" "$shm/statsd"
    as_user "$u" make -s -C "$shm/statsd"
    cp "$shm/statsd/statsd" "$P/$s.bin"
done
label statsd-whoami user-group

pair strutil-registry-order # a test registry from find(1) of two checkouts (tmpfs)
for s in a b; do
    o="trim split join upper pad"
    [ $s = b ] && o="pad join trim split upper"
    strutil_src "$shm/strutil" "$o"
    make -s -C "$shm/strutil"
    cp "$shm/strutil/runner" "$P/$s.bin"
done
label strutil-registry-order file-order

pair libgeom-member-order # ar members in find(1) order, two checkouts (tmpfs)
for s in a b; do
    o="area perimeter centroid hull"
    [ $s = b ] && o="hull centroid area perimeter"
    libgeom_src "$shm/libgeom" "$o"
    make -s -C "$shm/libgeom"
    cp "$shm/libgeom/libgeom.a" "$P/$s.a"
done
label libgeom-member-order file-order

pair ordbok-collation # sort(1) under LC_ALL=C, then sv_SE.UTF-8
for s in a b; do
    ordbok_src "$work/ordbok"
    LOCPATH=$LOC LC_ALL="$([ $s = a ] && echo C || echo sv_SE.UTF-8)" make -s -C "$work/ordbok"
    cp "$work/ordbok/ordbok" "$P/$s.bin"
done
label ordbok-collation locale

pair sensorhub-host # hostname(1) in gen.h, built on two machines
for s in a b; do
    genhdr_src "$work/sensorhub" sensorhub BUILD_MACHINE 'hostname'
    on_host "$([ $s = a ] && echo ws-marta || echo jenkins-agent-3a7f)" make -s -C "$work/sensorhub"
    cp "$work/sensorhub/sensorhub" "$P/$s.bin"
done
label sensorhub-host hostname

pair rlecodec-fix # a real change: the run-length limit's off-by-one fixed
for s in a b; do
    fresh "$work/rlecodec"
    cat >"$work/rlecodec/rle.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    int c, prev = EOF, run = 0;
    while ((c = getchar()) != EOF) {
        if (c == prev && run < 254) {
            run++;
            continue;
        }
        if (prev != EOF)
            printf("%d*%02x ", run, prev);
        prev = c;
        run = 1;
    }
    if (prev != EOF)
        printf("%d*%02x\n", run, prev);
    return 0;
}
EOF
    [ $s = b ] && sed -i 's/run < 254/run < 255/' "$work/rlecodec/rle.c"
    printf '.RECIPEPREFIX = >\nrle: rle.c\n> gcc -O2 -o $@ rle.c\n' >"$work/rlecodec/Makefile"
    make -s -C "$work/rlecodec"
    cp "$work/rlecodec/rle" "$P/$s.bin"
done
label rlecodec-fix content

pair imgmeta-tinyexif-bump # the vendored tinyexif 0.9.4 updated to 0.9.5 (version and a new tag)
for s in a b; do
    d=$work/imgmeta
    fresh "$d"
    mkdir -p "$d/third_party/tinyexif"
    v=$([ $s = a ] && echo 0.9.4 || echo 0.9.5)
    printf '#define TINYEXIF_VERSION "%s"\nconst char *tinyexif_tag_name(unsigned tag);\n' "$v" >"$d/third_party/tinyexif/tinyexif.h"
    {
        printf '#include "tinyexif.h"\nconst char *tinyexif_tag_name(unsigned tag)\n{\n    switch (tag) {\n'
        printf '    case 0x010f: return "Make";\n    case 0x0110: return "Model";\n'
        [ $s = b ] && printf '    case 0x0112: return "Orientation";\n'
        printf '    case 0x9003: return "DateTimeOriginal";\n    default: return "unknown";\n    }\n}\n'
    } >"$d/third_party/tinyexif/tinyexif.c"
    cat >"$d/imgmeta.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "tinyexif.h"
int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("imgmeta 1.0 (tinyexif %s)\n", TINYEXIF_VERSION);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%s: %s\n", argv[i], tinyexif_tag_name((unsigned)strtoul(argv[i], NULL, 16)));
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nimgmeta: imgmeta.c third_party/tinyexif/tinyexif.c\n> gcc -O2 -Ithird_party/tinyexif -o $@ imgmeta.c third_party/tinyexif/tinyexif.c\n' >"$d/Makefile"
    make -s -C "$d"
    cp "$d/imgmeta" "$P/$s.bin"
done
label imgmeta-tinyexif-bump input-version

pair hexdump-so-uuid # a shared library linked with --build-id=uuid, linked twice
for s in a b; do
    fresh "$work/libhexdump"
    printf '#include <stdio.h>\nvoid hexdump_line(const unsigned char *p, int n) { for (int i = 0; i < n; i++) printf("%%02x%%c", p[i], i + 1 < n ? 0x20 : 0x0a); }\n' >"$work/libhexdump/hexdump.c"
    printf '.RECIPEPREFIX = >\nlibhexdump.so.1: hexdump.c\n> gcc -O2 -fPIC -shared -Wl,-soname,libhexdump.so.1 -Wl,--build-id=uuid -o $@ hexdump.c\n' >"$work/libhexdump/Makefile"
    make -s -C "$work/libhexdump"
    cp "$work/libhexdump/libhexdump.so.1" "$P/$s.so"
done
label hexdump-so-uuid build-id

pair libcrc-lto-dirs # two factors: fat -flto objects (random seeds) with assert()s, two directories
for s in a b; do
    d=$work/home/ci-runner/libcrc
    [ $s = b ] && d=$work/var/cache/builds/libcrc-3
    libqueue_src "$d" libcrc.a "-O2 -flto -ffat-lto-objects"
    make -s -C "$d"
    cp "$d/libcrc.a" "$P/$s.a"
done
label libcrc-lto-dirs build-path+randomness

##############################################################################################
# Python: byte code and wheels.

pair birdcount-pyc-mtime # compileall (timestamp pycs) of two checkouts made on two dates
for s in a b; do
    birdcount_src "$work/birdcount" "$([ $s = a ] && echo $T1 || echo $T2)"
    "$PY" -m compileall -q "$work/birdcount/birdcount" >/dev/null
    cp "$work/birdcount/birdcount/__pycache__/tally.cpython-"*.pyc "$P/$s.pyc"
done
label birdcount-pyc-mtime timestamp

pair geofence-pyc-dirs # compileall with SOURCE_DATE_EPOCH (checked hashes) in two directories
for s in a b; do
    d=$work/usr/src/geofence
    [ $s = b ] && d=$work/home/lena/git/geofence
    pyapp_src "$d" geofence 3.0.2
    SOURCE_DATE_EPOCH=$PIN "$PY" -m compileall -q "$d/geofence" >/dev/null
    cp "$d/geofence/__pycache__/convert.cpython-"*.pyc "$P/$s.pyc"
done
label geofence-pyc-dirs build-path

pair mdtable-whl-later # bdist_wheel without SOURCE_DATE_EPOCH, rebuilt months later
for s in a b; do
    pyapp_src "$work/mdtable" mdtable 0.6.1
    ft "$([ $s = a ] && echo $T1 || echo $T3)" bash -c "$(declare -f die whl); PY=$PY; whl '$work/mdtable' mdtable 0.6.1 '$P/$s.whl'"
done
label mdtable-whl-later timestamp

pair podcaster-whl-node # setup.py records platform.node(); built on two machines
pre='import platform
with open("podcaster/_build.py", "w") as f:
    f.write("BUILD_HOST = %r\n" % platform.node())'
for s in a b; do
    pyapp_src "$work/podcaster" podcaster 2.2.0 "$pre"
    on_host "$([ $s = a ] && echo kestrel || echo dev-vm-ubuntu2204)" \
        bash -c "$(declare -f die whl); PY=$PY; whl '$work/podcaster' podcaster 2.2.0 '$P/$s.whl' SOURCE_DATE_EPOCH=$PIN"
done
label podcaster-whl-node hostname

pair webhookd-whl-token # setup.py writes a fresh secrets.token_urlsafe into the package
pre='import secrets
with open("webhookd/_instance.py", "w") as f:
    f.write("INSTANCE_TOKEN = %r\n" % secrets.token_urlsafe(9))'
for s in a b; do
    pyapp_src "$work/webhookd" webhookd 0.4.0 "$pre"
    whl "$work/webhookd" webhookd 0.4.0 "$P/$s.whl" SOURCE_DATE_EPOCH=$PIN
done
label webhookd-whl-token randomness

pair unitconv-whl-fix # a real change: the feet-to-metres factor corrected
for s in a b; do
    pyapp_src "$work/unitconv" unitconv 1.0.3 "" "$([ $s = b ] && echo fixed)"
    whl "$work/unitconv" unitconv 1.0.3 "$P/$s.whl" SOURCE_DATE_EPOCH=$PIN
done
label unitconv-whl-fix content

pair glyphs-whl-index # setup.py lists data/ with ls(1) under LC_ALL=C, then cs_CZ.UTF-8
pre='import subprocess
names = subprocess.run(["ls", "data"], capture_output=True, text=True, check=True).stdout.split()
with open("glyphs/_index.py", "w", encoding="utf-8") as f:
    f.write("SAMPLES = %r\n" % names)'
for s in a b; do
    pyapp_src "$work/glyphs" glyphs 0.8.0 "$pre"
    mkdir -p "$work/glyphs/data"
    for n in chleb hora cibule Čaj domov řeka ruka Hrad chata; do
        printf '%s\n' "$n" >"$work/glyphs/data/$n"
    done
    pin_mtimes "$work/glyphs" "$PIN"
    whl "$work/glyphs" glyphs 0.8.0 "$P/$s.whl" SOURCE_DATE_EPOCH=$PIN LOCPATH=$LOC LC_ALL="$([ $s = a ] && echo C || echo cs_CZ.UTF-8)"
done
label glyphs-whl-index locale

##############################################################################################
# gettext.

pair tallyui-mo-later # xgettext on two dates: POT-Creation-Date reaches en_AU.mo
for s in a b; do
    tallyui_src "$work/tallyui"
    ft "$([ $s = a ] && echo $T1 || echo $T2)" make -s -C "$work/tallyui"
    cp "$work/tallyui/en_AU.mo" "$P/$s.mo"
done
label tallyui-mo-later timestamp

pair tallyui-mo-zone # xgettext at the same moment in two time zones
for s in a b; do
    tallyui_src "$work/tallyui"
    TZ="$([ $s = a ] && echo America/Halifax || echo Asia/Kolkata)" ft "$T1" make -s -C "$work/tallyui"
    cp "$work/tallyui/en_AU.mo" "$P/$s.mo"
done
label tallyui-mo-zone timezone

##############################################################################################
# Debian packages.

pair fontcfg-deb-bump # fontcfg-extra 1.4-2 to 1.5-1: the new upstream's configuration
for s in a b; do
    d=$work/fontcfg
    fresh "$d"
    mkdir -p "$d/stage/etc/fonts/conf.d" "$d/stage/usr/share/doc/fontcfg-extra"
    if [ $s = a ]; then
        v=1.4-2
        printf '<?xml version="1.0"?>\n<fontconfig>\n  <!-- fontcfg-extra 1.4 -->\n  <alias><family>sans-serif</family><prefer><family>Noto Sans</family></prefer></alias>\n</fontconfig>\n' >"$d/stage/etc/fonts/conf.d/62-fontcfg-extra.conf"
    else
        v=1.5-1
        printf '<?xml version="1.0"?>\n<fontconfig>\n  <!-- fontcfg-extra 1.5 -->\n  <alias><family>sans-serif</family><prefer><family>Noto Sans</family><family>DejaVu Sans</family></prefer></alias>\n  <alias><family>monospace</family><prefer><family>Noto Sans Mono</family></prefer></alias>\n</fontconfig>\n' >"$d/stage/etc/fonts/conf.d/62-fontcfg-extra.conf"
    fi
    printf 'fontcfg-extra %s\n' "${v%-*}" >"$d/stage/usr/share/doc/fontcfg-extra/VERSION"
    SOURCE_DATE_EPOCH=$PIN deb_pack "$d" "$P/$s.deb" fontcfg-extra "$v" --root-owner-group -Zxz
done
label fontcfg-deb-bump input-version

pair netwatch-deb-host-fix # two factors: Build-Host from hostname(1), and a fixed script
for s in a b; do
    d=$work/netwatch
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/doc/netwatch"
    printf '#!/bin/sh\n# netwatch: ping each host and report the ones that are down\nfor h in "$@"; do\n    ping -c 1 -W 2 "$h" >/dev/null 2>&1 || echo "down: $h"\ndone\n' >"$d/stage/usr/bin/netwatch"
    [ $s = b ] && sed -i 's/ping -c 1 -W 2/ping -c 3 -W 5/' "$d/stage/usr/bin/netwatch"
    chmod 755 "$d/stage/usr/bin/netwatch"
    host=$([ $s = a ] && echo pkg-builder-eu1 || echo sysadmin-desk)
    on_host "$host" sh -c 'printf "Package: netwatch\nBuild-Host: %s\n" "$(hostname)" >"$1"' sh "$d/stage/usr/share/doc/netwatch/buildinfo"
    SOURCE_DATE_EPOCH=$PIN deb_pack "$d" "$P/$s.deb" netwatch 0.3-1 --root-owner-group -Zxz
done
label netwatch-deb-host-fix content+hostname

pair wordlist-deb-bump-umask # two factors: wordlist-eo 2024.1-1 to 2025.3-1, staged under umask 002
for s in a b; do
    (
        d=$work/wordlist-eo
        fresh "$d"
        if [ $s = a ]; then
            umask 022
            v=2024.1-1
            words="akvo birdo domo"
        else
            umask 002
            v=2025.3-1
            words="akvo birdo domo fenestro"
        fi
        mkdir -p "$d/stage/usr/share/dict" "$d/stage/usr/share/doc/wordlist-eo"
        printf '%s\n' $words >"$d/stage/usr/share/dict/esperanto"
        printf 'wordlist-eo %s\n' "${v%-*}" >"$d/stage/usr/share/doc/wordlist-eo/VERSION"
        SOURCE_DATE_EPOCH=$PIN deb_pack "$d" "$P/$s.deb" wordlist-eo "$v" --root-owner-group -Zxz
    )
done
label wordlist-deb-bump-umask input-version+permissions

##############################################################################################
# squashfs and ISO images.

pair appliance-sqfs-key # a fresh session key from /dev/urandom in the image
for s in a b; do
    appliance_tree "$work/appliance"
    od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$work/appliance/etc/appliance/session.key"
    pin_mtimes "$work/appliance" "$PIN"
    mksquashfs "$work/appliance" "$P/$s.sqfs" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time "$PIN" >/dev/null
done
label appliance-sqfs-key randomness

pair appliance-sqfs-lz4 # the same tree with -comp lz4, then -comp zstd
appliance_tree "$work/appliance"
pin_mtimes "$work/appliance" "$PIN"
for s in a b; do
    mksquashfs "$work/appliance" "$P/$s.sqfs" -noappend -quiet -no-progress -comp "$([ $s = a ] && echo lz4 || echo zstd)" -all-root -mkfs-time "$PIN" >/dev/null
done
label appliance-sqfs-lz4 compression

pair routerfw-sqfs-umask # the tree written under umask 022, then 002
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 002)" && appliance_tree "$work/routerfw")
    pin_mtimes "$work/routerfw" "$PIN"
    mksquashfs "$work/routerfw" "$P/$s.sqfs" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time "$PIN" >/dev/null
done
label routerfw-sqfs-umask permissions

pair rescuecd-iso-index # two factors: INDEX sorted under C then pl_PL.UTF-8, and the image made later
for s in a b; do
    fresh "$work/rescuecd"
    mkdir -p "$work/rescuecd/narzedzia"
    for n in łatka Sieć zapis śledź Żuraw dysk Łódź ekran; do
        printf 'narzędzie %s\n' "$n" >"$work/rescuecd/narzedzia/$n.txt"
    done
    (cd "$work/rescuecd/narzedzia" && ls | LOCPATH=$LOC LC_ALL="$([ $s = a ] && echo C || echo pl_PL.UTF-8)" sort >../INDEX)
    pin_mtimes "$work/rescuecd" "$PIN"
    ft "$([ $s = a ] && echo $T1 || echo $T2)" xorriso -as mkisofs -quiet -R -J -V RESCUE_PL -o "$P/$s.iso" "$work/rescuecd" 2>/dev/null
done
label rescuecd-iso-index timestamp+locale

##############################################################################################
# zip, tar, cpio, gzip.

pair atlas-zip-zone # zip stores local times: zipped in Europe/Lisbon, then Australia/Adelaide
text_tree "$work/atlas" region 5
for s in a b; do
    pin_mtimes "$work/atlas" "$PIN"
    (cd "$work/atlas" && TZ="$([ $s = a ] && echo Europe/Lisbon || echo Australia/Adelaide)" zip -q -r "$P/$s.zip" data)
done
label atlas-zip-zone timezone

pair themepack-zip-umask # the tree written under umask 022, then 077
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 077)" && text_tree "$work/themepack" palette 4)
    pin_mtimes "$work/themepack" "$PIN"
    (cd "$work/themepack" && zip -q -r "$P/$s.zip" data)
done
label themepack-zip-umask permissions

pair handouts-zip-zone-level # two factors: zip -1 in Africa/Nairobi, then zip -9 in America/Anchorage
text_tree "$work/handouts" lecture 6
for s in a b; do
    pin_mtimes "$work/handouts" "$PIN"
    if [ $s = a ]; then
        (cd "$work/handouts" && TZ=Africa/Nairobi zip -q -1 -r "$P/$s.zip" data)
    else
        (cd "$work/handouts" && TZ=America/Anchorage zip -q -9 -r "$P/$s.zip" data)
    fi
done
label handouts-zip-zone-level timezone+compression

pair fieldguide-tar-sleep # HTML generated at build time, tarred without --mtime; really a second later
for s in a b; do
    [ $s = b ] && sleep 1
    fieldguide_src "$work/fieldguide"
    make -s -C "$work/fieldguide"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner -C "$work/fieldguide" -cf "$P/$s.tar" html
done
label fieldguide-tar-sleep timestamp

pair recipes-tar-order # tar without --sort of two checkouts written in other orders (tmpfs)
for s in a b; do
    o="soup-leek bread-rye stew-lentil salad-beet pie-rhubarb"
    [ $s = b ] && o="pie-rhubarb soup-leek salad-beet stew-lentil bread-rye"
    fresh "$shm/recipes"
    mkdir -p "$shm/recipes/book"
    for r in $o; do
        printf 'Recipe: %s\nServes 4.\n' "$r" >"$shm/recipes/book/$r.md"
    done
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$shm/recipes" -cf "$P/$s.tar" book
done
label recipes-tar-order file-order

pair skel-tar-owner # the tree written by root, then by the user uucp (umask 022 both); tar without --owner
for s in a b; do
    fresh "$shm/skel"
    chmod 777 "$shm/skel"
    if [ $s = a ]; then
        text_tree "$shm/skel/home" profile 3
    else
        as_user uucp bash -c "umask 022; $(declare -f fresh text_tree); text_tree '$shm/skel/home' profile 3"
    fi
    tar --format=gnu --sort=name --mtime="@$PIN" -C "$shm/skel/home" -cf "$P/$s.tar" .
done
label skel-tar-owner user-group

pair newsletter-tar-datefmt # release date written with date(1) under LC_ALL=C, then fr_FR.UTF-8
for s in a b; do
    text_tree "$work/newsletter" issue 3
    LOCPATH=$LOC LC_ALL="$([ $s = a ] && echo C || echo fr_FR.UTF-8)" \
        date -u -d "@$PIN" "+newsletter-kit 3.0, released %A %-d %B %Y" >"$work/newsletter/RELEASE"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$work/newsletter" -cf "$P/$s.tar" .
done
label newsletter-tar-datefmt locale

pair album-tar-user-order # two factors: written by root in one order, by the user mail in another (tmpfs)
for s in a b; do
    fresh "$shm/album"
    chmod 777 "$shm/album"
    if [ $s = a ]; then
        for n in lake dunes harbour glacier; do printf 'photo %s\n' "$n" >"$shm/album/photo-$n.txt"; done
    else
        as_user mail bash -c "umask 022; for n in glacier harbour lake dunes; do printf 'photo %s\n' \"\$n\" >'$shm/album/photo-'\$n.txt; done"
    fi
    tar --format=gnu --mtime="@$PIN" -C "$shm" -cf "$P/$s.tar" album
done
label album-tar-user-order user-group+file-order

pair corpus-tgz-level # the same tar compressed with gzip -n -1, then gzip -n -9
text_tree "$work/corpus" sample 12
for s in a b; do
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$work/corpus" -cf - data |
        gzip -n "$([ $s = a ] && echo -1 || echo -9)" >"$P/$s.tar.gz"
done
label corpus-tgz-level compression

pair overlay-cpio-owner # find | cpio (no -R) of the tree written by root, then by the user news
for s in a b; do
    fresh "$shm/overlay"
    chmod 777 "$shm/overlay"
    if [ $s = a ]; then
        appliance_tree "$shm/overlay/root"
    else
        as_user news bash -c "umask 022; $(declare -f fresh appliance_tree); appliance_tree '$shm/overlay/root'"
    fi
    pin_mtimes "$shm/overlay/root" "$PIN"
    (cd "$shm/overlay/root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) >"$P/$s.cpio"
done
label overlay-cpio-owner user-group
