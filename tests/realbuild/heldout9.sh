# The ninth held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# Written without reading the explainer (crates/), its tests, docs/explain.md, the other
# held-out halves or the tokens file; its pairs were checked only with cmp and listing tools
# (cmp -l, strings, readelf, unzip -l, tar tv, cpio -itv, xxd, unsquashfs, xorriso, dpkg-deb)
# and by reasoning, never with the explainer. Its own projects, directories, host names, dates,
# time zones and locales (lt_LT, hu_HU, pt_BR); builds run as the Debian base users games, man
# and irc.
#
# 40 pairs: 34 single-cause and 6 two-cause.
#   Single-cause per label: timestamp 5, build-path 4, timezone 3, user-group 3, file-order 3,
#   locale 3, hostname 3, randomness 2, compression 2, permissions 2, content 2,
#   input-version 1, build-id 1.
#   Two-cause: hostname+timezone, build-path+locale, user-group+compression,
#   file-order+randomness, input-version+timezone, permissions+timestamp.
#
# The explainer's developer never opens this file before its one scoring run.

H9_T1=1750148100  # 2025-06-17 08:15:00 UTC: the first build of a time-varied pair
H9_T2=1750369230  # 2025-06-19 21:40:30 UTC: the second
H9_SDE=1748606400 # 2025-05-30 12:00:00 UTC: SOURCE_DATE_EPOCH where time is pinned

# h9_pick S A B: A for the first build (S = a), B for the second.
h9_pick() { if [ "$1" = a ]; then echo "$2"; else echo "$3"; fi; }

# The three locales, compiled side by side.
locale_def lt_LT &
locale_def hu_HU &
locale_def pt_BR &
wait
for h9_l in lt_LT hu_HU pt_BR; do
    [ -d "$work/locales/$h9_l.UTF-8" ] || die "localedef cannot compile $h9_l.UTF-8 (Debian package locales)"
done
H9_LOC=$work/locales

##############################################################################################
# Projects. Each writes its sources into a fresh DIR.

# tidepool: a static library (ar rcD) whose stamp.c has __DATE__ and __TIME__.
h9_tidepool() {
    fresh "$1"
    mkdir -p "$1/src" "$1/include"
    cat >"$1/include/tidepool.h" <<'EOF'
#ifndef TIDEPOOL_H
#define TIDEPOOL_H
double tide_height(double hours, double amplitude);
const char *tidepool_build_stamp(void);
#endif
EOF
    cat >"$1/src/height.c" <<'EOF'
#include <math.h>
#include "tidepool.h"

double tide_height(double hours, double amplitude)
{
    /* a semidiurnal tide: one period every 12 h 25 min */
    return amplitude * cos(2.0 * 3.14159265358979 * hours / 12.4167);
}
EOF
    cat >"$1/src/stamp.c" <<'EOF'
#include "tidepool.h"

const char *tidepool_build_stamp(void)
{
    return "libtidepool 0.9.3, compiled " __DATE__ " at " __TIME__;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -Wall -Iinclude
OBJS = src/height.o src/stamp.o

libtidepool.a: $(OBJS)
> ar rcD $@ $(OBJS)
EOF
}

# A program with a generated header: DIR PROG HEADER MACRO SHELL-COMMAND [CFLAGS]
# (make runs the command and defines MACRO as its output in HEADER).
h9_genheader() {
    local d=$1 prog=$2 hdr=$3 macro=$4 cmd=$5 cflags=${6:--O2}
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <string.h>
#include "$hdr"

static int usage(void)
{
    fprintf(stderr, "usage: $prog [--about] NAME...\\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "--about") == 0) {
        printf("$prog: %s\\n", $macro);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%-16s %3zu\\n", argv[i], strlen(argv[i]) * 7 % 101);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: $prog.c $hdr
> gcc $cflags -o \$@ $prog.c

$hdr:
> printf '#define $macro "%s"\\n' "\$\$($cmd)" >\$@
EOF
}

# grainmap: a shared library built with -g (relative source names; DWARF keeps the directory).
h9_grainmap() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/grain.c" <<'EOF'
#include <stddef.h>

unsigned grain_checksum(const unsigned char *p, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}
EOF
    cat >"$1/src/map.c" <<'EOF'
#include <stdlib.h>

struct grain_map { size_t width, height; unsigned char *cells; };

struct grain_map *grain_map_new(size_t w, size_t h)
{
    struct grain_map *m = malloc(sizeof *m);
    if (m == NULL)
        return NULL;
    m->width = w;
    m->height = h;
    m->cells = calloc(w * h, 1);
    return m;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
libgrainmap.so: src/grain.c src/map.c
> gcc -O2 -g -fPIC -shared -Wl,-soname,libgrainmap.so.1 -o $@ src/grain.c src/map.c
EOF
}

# pebblesh: a tiny shell whose TRACE macro prints __FILE__; the Makefile compiles absolute paths.
h9_pebblesh() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/trace.h" <<'EOF'
#include <stdio.h>
#define TRACE(msg) do { if (getenv("PEBBLE_TRACE")) fprintf(stderr, "[%s:%d] %s\n", __FILE__, __LINE__, msg); } while (0)
EOF
    cat >"$1/src/shell.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "trace.h"

int main(void)
{
    char line[512];
    TRACE("pebblesh 0.4 starting");
    while (fputs("pebble> ", stdout) >= 0 && fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        TRACE(line);
        if (strcmp(line, "exit") == 0)
            break;
        if (*line && system(line) == -1)
            TRACE("cannot run the command");
    }
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
pebblesh: $(CURDIR)/src/shell.c $(CURDIR)/src/trace.h
> gcc -O2 -o $@ $(CURDIR)/src/shell.c
EOF
}

# glimmerd: runs from its build tree; its data directory is compiled in as $(CURDIR)/data.
h9_glimmerd() {
    fresh "$1"
    mkdir -p "$1/data"
    printf 'greeting=Glimmer at your service\n' >"$1/data/glimmerd.conf"
    cat >"$1/glimmerd.c" <<'EOF'
#include <stdio.h>

#ifndef GLIMMER_DATADIR
#define GLIMMER_DATADIR "/usr/share/glimmerd"
#endif

int main(void)
{
    char line[256];
    FILE *f = fopen(GLIMMER_DATADIR "/glimmerd.conf", "r");
    if (f == NULL) {
        fprintf(stderr, "glimmerd: no configuration in " GLIMMER_DATADIR "\n");
        return 1;
    }
    while (fgets(line, sizeof line, f))
        fputs(line, stdout);
    fclose(f);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CPPFLAGS = -DGLIMMER_DATADIR='"$(CURDIR)/data"'
glimmerd: glimmerd.c
> gcc -O2 $(CPPFLAGS) -o $@ glimmerd.c
EOF
}

# brindle: handlers linked in the order find(1) lists them (readdir order), and a dispatch
# table in the same order. ORDER: the order in which the handler sources were written.
h9_brindle() {
    local d=$1 order=$2 n
    fresh "$d"
    mkdir -p "$d/handlers"
    for n in $order; do
        cat >"$d/handlers/$n.c" <<EOF
#include <stdio.h>
#include <string.h>
int handle_$n(const char *arg)
{
    size_t k = strlen(arg);
    return printf("brindle/$n: %s (%zu)\\n", arg, k * ${#n} + 3) < 0;
}
EOF
    done
    cat >"$d/main.c" <<'EOF'
#include <string.h>
#define HANDLER(n) int handle_##n(const char *);
#include "handlers.h"
#undef HANDLER
#define HANDLER(n) { #n, handle_##n },
static const struct { const char *verb; int (*fn)(const char *); } table[] = {
#include "handlers.h"
};

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (argc > 2 && strcmp(argv[1], table[i].verb) == 0)
            return table[i].fn(argv[2]);
    return 1;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCS := $(shell find handlers -name '*.c')
brindle: main.c handlers.h $(SRCS)
> gcc -O2 -o $@ main.c $(SRCS)

handlers.h:
> for f in $(SRCS); do n=$${f##*/}; echo "HANDLER($${n%.c})"; done >$@
EOF
}

# A program with a table of WORDS sorted by sort(1) under the build's locale: DIR PROG WORDS [CFLAGS]
h9_sorted_table() {
    local d=$1 prog=$2 words=$3 cflags=${4:--O2}
    fresh "$d"
    mkdir -p "$d/src"
    printf '%s\n' $words >"$d/src/names.in"
    cat >"$d/src/$prog.c" <<EOF
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
#include "names.h"
};

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (argc < 2 || strcmp(argv[1], names[i]) == 0)
            printf("$prog %2zu %s\\n", i, names[i]);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: src/$prog.c src/names.h
> gcc $cflags -o \$@ src/$prog.c

src/names.h: src/names.in
> sort src/names.in | sed 's/.*/    "&",/' >\$@
EOF
}

# spindrift: a ring buffer. VARIANT fixed: an off-by-one and its message fixed.
h9_spindrift() {
    local d=$1 variant=${2:-}
    fresh "$d"
    cat >"$d/spindrift.c" <<'EOF'
#include <stdio.h>

#define SLOTS 8
static int ring[SLOTS];
static unsigned head, used;

static void push(int v)
{
    if (used == SLOTS)
        fprintf(stderr, "spindrift: buffer full\n");
    else
        used++;
    ring[head] = v;
    head = (head + 1) % SLOTS;
}

int main(void)
{
    int v;
    while (scanf("%d", &v) == 1)
        push(v);
    for (unsigned i = 0; i <= used; i++)
        printf("%d\n", ring[(head + SLOTS - used + i) % SLOTS]);
    return 0;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's/i <= used/i < used/; s/buffer full/ring full, the oldest value is dropped/' "$d/spindrift.c"
    fi
    printf '.RECIPEPREFIX = >\nspindrift: spindrift.c\n> gcc -O2 -Wall -o $@ spindrift.c\n' >"$d/Makefile"
}

# finchnet: a shared library linked with a random build ID.
h9_finchnet() {
    fresh "$1"
    cat >"$1/finchnet.c" <<'EOF'
#include <stdint.h>

uint16_t finch_port_swap(uint16_t p) { return (uint16_t)((p >> 8) | (p << 8)); }
int finch_is_private(uint32_t a) { return (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8; }
EOF
    printf '.RECIPEPREFIX = >\nlibfinchnet.so: finchnet.c\n> gcc -O2 -fPIC -shared -Wl,--build-id=uuid -o $@ finchnet.c\n' >"$1/Makefile"
}

# A Python project with a setup.py: DIR NAME VERSION [PREAMBLE]. PREAMBLE is Python that
# setup.py runs before setup() (it writes generated data files, kept as package data).
h9_pyproj() {
    local d=$1 name=$2 v=$3 pre=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    printf '"""%s: interval arithmetic for schedules."""\n__version__ = "%s"\n' "$name" "$v" >"$d/$name/__init__.py"
    cat >"$d/$name/spans.py" <<'EOF'
import sys


def merge(spans):
    """Merges overlapping (start, end) spans."""
    out = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    spans = [tuple(int(x) for x in a.split("-", 1)) for a in argv]
    for start, end in merge(spans):
        print("%d-%d" % (start, end))
    return 0
EOF
    {
        echo 'import os'
        echo 'from setuptools import setup'
        echo
        printf '%s\n' "$pre"
        cat <<EOF

setup(
    name="$name",
    version="$v",
    description="$name: interval arithmetic for schedules",
    author="Ilse Varga",
    packages=["$name"],
    package_data={"$name": ["*.json", "*.toml"]},
    entry_points={"console_scripts": ["$name=$name.spans:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$H9_SDE"
}

# A gettext project: DIR NAME VERSION [VARIANT]. make builds hu.mo (msgmerge, msgfmt) and
# en_CA.mo (msginit --no-translator copies POT-Creation-Date, the build's time in the build's
# zone, into PO-Revision-Date). VARIANT fixed: the Hungarian translator fixed a string.
h9_gettext() {
    local d=$1 name=$2 v=$3 variant=${4:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/ui.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(int argc, char **argv)
{
    puts(_("Synchronising bookmarks"));
    printf(_("%d pages saved for reading offline\n"), argc);
    puts(_("The archive could not be opened"));
    (void)argv;
    return 0;
}
EOF
    cat >"$d/po/hu.po" <<EOF
# Hungarian translation of $name.
msgid ""
msgstr ""
"Project-Id-Version: $name $v\n"
"Report-Msgid-Bugs-To: translators@$name.example\n"
"POT-Creation-Date: 2025-04-02 10:00+0000\n"
"PO-Revision-Date: 2025-04-11 19:05+0200\n"
"Last-Translator: Réka Somogyi <reka@$name.example>\n"
"Language-Team: Hungarian\n"
"Language: hu\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/ui.c:7
msgid "Synchronising bookmarks"
msgstr "Könyvjelzők szinkronizálása"

#: src/ui.c:8
#, c-format
msgid "%d pages saved for reading offline\n"
msgstr "%d oldal mentve offline olvasáshoz\n"

#: src/ui.c:9
msgid "The archive could not be opened"
msgstr "Az archívum nem nyitható"
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's/Az archívum nem nyitható/Az archívumot nem sikerült megnyitni/' "$d/po/hu.po"
    fi
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
all: hu.mo en_CA.mo

po/$name.pot: src/ui.c
> xgettext -k_ --from-code=UTF-8 --package-name=$name --package-version=$v --msgid-bugs-address=translators@$name.example -o \$@ src/ui.c

en_CA.mo: po/$name.pot
> msginit --no-translator -l en_CA -i po/$name.pot -o po/en_CA.po >/dev/null 2>&1
> msgfmt -o \$@ po/en_CA.po

hu.mo: po/hu.po po/$name.pot
> msgmerge -q -o po/hu.merged.po po/hu.po po/$name.pot
> msgfmt -o \$@ po/hu.merged.po
EOF
}

# A Debian control file: STAGE PACKAGE VERSION SUMMARY
h9_control() {
    mkdir -p "$1/DEBIAN"
    cat >"$1/DEBIAN/control" <<EOF
Package: $2
Version: $3
Architecture: all
Maintainer: Tomasz Wierzbicki <tomasz@$2.example>
Section: utils
Priority: optional
Description: $4
 $2 is a small tool packaged for the real-build corpus.
EOF
}

# lanternd: a compiled daemon and a build.ini whose date the build script takes from date(1).
h9_lanternd_deb() {
    local d=$1 outdeb=$2
    fresh "$d"
    mkdir -p "$d/src" "$d/stage/usr/sbin" "$d/stage/usr/share/lanternd"
    printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { for (int i = 0; i < 3; i++) { puts("lanternd: beacon"); sleep(1); } return 0; }\n' >"$d/src/lanternd.c"
    gcc -O2 -o "$d/stage/usr/sbin/lanternd" "$d/src/lanternd.c"
    printf '[build]\npackage = lanternd\nversion = 1.7.0\nbuilt = %s\n' "$(date -u '+%d.%m.%Y %H:%M')" >"$d/stage/usr/share/lanternd/build.ini"
    h9_control "$d/stage" lanternd 1.7.0-1 "signal beacon daemon"
    sed -i 's/^Architecture: all/Architecture: amd64/' "$d/stage/DEBIAN/control"
    dpkg-deb --build --root-owner-group -Zxz "$d/stage" "$outdeb" >/dev/null
}

# fernwick: a script and its man page, dated with date(1) in the build's locale, gzipped.
h9_fernwick_deb() {
    local d=$1 outdeb=$2
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/man/man1"
    printf '#!/bin/sh\n# fernwick: rename photos by their date\nfor f in "$@"; do echo "fernwick: $f"; done\n' >"$d/stage/usr/bin/fernwick"
    chmod 755 "$d/stage/usr/bin/fernwick"
    cat >"$d/fernwick.1" <<EOF
.TH FERNWICK 1 "$(date -d "@$SOURCE_DATE_EPOCH" '+%Y. %B %-d.')" "fernwick 0.3.1" "User Commands"
.SH NAME
fernwick \\- rename photos by the date they were taken
.SH SYNOPSIS
.B fernwick
.IR PHOTO ...
.SH DESCRIPTION
.B fernwick
renames each PHOTO after the date stored in it.
EOF
    gzip -n -9 -c "$d/fernwick.1" >"$d/stage/usr/share/man/man1/fernwick.1.gz"
    h9_control "$d/stage" fernwick 0.3.1-2 "rename photos by their date"
    dpkg-deb --build --root-owner-group -Zxz "$d/stage" "$outdeb" >/dev/null
}

# driftwood: a script and a YAML build record with the host name and the local date of
# SOURCE_DATE_EPOCH.
h9_driftwood_deb() {
    local d=$1 outdeb=$2
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/doc/driftwood"
    printf '#!/bin/sh\nexec find "${1:-.}" -type f -mtime +365 -print\n' >"$d/stage/usr/bin/driftwood"
    chmod 755 "$d/stage/usr/bin/driftwood"
    cat >"$d/stage/usr/share/doc/driftwood/build-record.yaml" <<EOF
package: driftwood
version: 2.0.4
build:
  host: $(uname -n)
  date: "$(date -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%dT%H:%M:%S%z')"
EOF
    h9_control "$d/stage" driftwood 2.0.4-1 "list files untouched for a year"
    dpkg-deb --build --root-owner-group -Zxz "$d/stage" "$outdeb" >/dev/null
}

# thimble: a stage written by whoever builds, packaged without --root-owner-group. COMP: -Z...
h9_thimble_deb() {
    local d=$1 outdeb=$2 comp=$3
    fresh "$d"
    mkdir -p "$d/stage/usr/bin" "$d/stage/usr/share/thimble"
    printf '#!/bin/sh\n# thimble: measure how full a directory is\ndu -sh "${1:-.}"\n' >"$d/stage/usr/bin/thimble"
    chmod 755 "$d/stage/usr/bin/thimble"
    awk 'BEGIN { for (i = 1; i <= 400; i++) printf "threshold.%03d = %d\n", i, (i * 37) % 1000 }' >"$d/stage/usr/share/thimble/thresholds.conf"
    h9_control "$d/stage" thimble 0.9-3 "measure how full a directory is"
    dpkg-deb --build "$comp" "$d/stage" "$outdeb" >/dev/null
}

# fjordcast: a media tree for an ISO image.
h9_fjordcast_tree() {
    fresh "$1"
    mkdir -p "$1/bin" "$1/data" "$1/doc"
    printf 'FjordCast station player, media edition 2\n' >"$1/README.TXT"
    printf 'id,name,frequency\n1,Nordvest Radio,101.3\n2,Hardanger FM,94.7\n3,Sognekanalen,88.2\n' >"$1/data/stations.csv"
    printf '#!/bin/sh\nexec mpv --no-video "$(sed -n "${1:-2}p" /media/data/stations.csv | cut -d, -f2)"\n' >"$1/bin/fjordplay"
    chmod 755 "$1/bin/fjordplay"
    printf 'Insert the disc and run bin/fjordplay N.\n' >"$1/doc/QUICKSTART.TXT"
}

# bramble: a tree of garden notes (for an ISO image with Rock Ridge ownership).
h9_bramble_tree() {
    fresh "$1"
    mkdir -p "$1/notes" "$1/tools"
    printf 'Bramble garden notebook, season 2025\n' >"$1/INDEX.TXT"
    printf 'raspberries: prune in February\nblackberries: tie in new canes\n' >"$1/notes/canes.txt"
    printf 'tomatoes: water at the roots, never the leaves\n' >"$1/notes/greenhouse.txt"
    printf '#!/bin/sh\ngrep -ri "$1" notes\n' >"$1/tools/find-note"
    chmod 755 "$1/tools/find-note"
}

# A root file system tree for squashfs images: DIR NAME
h9_rootfs() {
    local d=$1 n=$2
    fresh "$d"
    mkdir -p "$d/etc/$n" "$d/usr/libexec/$n" "$d/var/lib/$n"
    printf 'PRETTY_NAME="%s appliance"\nID=%s\nVERSION_ID=5.4\n' "$n" "$n" >"$d/etc/os-release"
    printf '[network]\ndhcp = yes\nntp = pool.%s.example\n' "$n" >"$d/etc/$n/appliance.conf"
    printf '#!/bin/sh\necho "%s: first boot"\nmkdir -p /var/lib/%s/state\n' "$n" "$n" >"$d/usr/libexec/$n/firstboot"
    chmod 755 "$d/usr/libexec/$n/firstboot"
    awk -v n="$n" 'BEGIN { for (i = 0; i < 120; i++) printf "%s sensor %03d: calibration %d.%02d\n", n, i, i * 3 % 17, i * 7 % 100 }' >"$d/var/lib/$n/calibration.txt"
}

# A documentation tree written in ORDER: DIR TOP ORDER
h9_docs() {
    local d=$1 top=$2 order=$3 f
    fresh "$d"
    mkdir -p "$d/$top"
    for f in $order; do
        printf '%s\n%s\n\nThe %s chapter of the %s guide.\n' "$f" "$(echo "$f" | tr a-z- '=')" "$f" "$top" >"$d/$top/$f.md"
    done
}

##############################################################################################
# C projects built with make and gcc.

pair h9-c-lib-stamp # a static library's __DATE__ __TIME__ stamp: built two days later
for s in a b; do
    h9_tidepool "$work/tidepool"
    ft "$(h9_pick $s $H9_T1 $H9_T2)" make -s -C "$work/tidepool"
    cp "$work/tidepool/libtidepool.a" "$P/$s.a"
done
label h9-c-lib-stamp timestamp

pair h9-c-zone-header # date of SOURCE_DATE_EPOCH in a generated header, under two TZs
for s in a b; do
    h9_genheader "$work/sundial" sundial stamp.h SUNDIAL_RELEASED 'date -d @$$SOURCE_DATE_EPOCH "+%a %d %b %Y %H:%M %Z"'
    SOURCE_DATE_EPOCH=$H9_SDE TZ="$(h9_pick $s UTC Asia/Kathmandu)" make -s -C "$work/sundial"
    cp "$work/sundial/sundial" "$P/$s.out"
done
label h9-c-zone-header timezone

pair h9-so-debug-dir # -g: DWARF records the build directory of a shared library
for s in a b; do
    d=$(h9_pick $s "$work/grainmap" "$work/srv/ci/jobs/5519/checkout/grainmap")
    h9_grainmap "$d"
    make -s -C "$d"
    cp "$d/libgrainmap.so" "$P/$s.so"
done
label h9-so-debug-dir build-path

pair h9-c-trace-file # no -g: a TRACE macro's absolute __FILE__, in two directories
for s in a b; do
    d=$(h9_pick $s "$work/opt/buildroot/output/build/pebblesh-0.4" "$work/pebblesh")
    h9_pebblesh "$d"
    make -s -C "$d"
    cp "$d/pebblesh" "$P/$s.out"
done
label h9-c-trace-file build-path

pair h9-c-datadir # a data directory compiled in as $(CURDIR)/data, built in two checkouts
for s in a b; do
    d=$(h9_pick $s "$work/usr/src/glimmerd-2.2" "$work/tmp/glimmerd.k3x9")
    h9_glimmerd "$d"
    make -s -C "$d"
    cp "$d/glimmerd" "$P/$s.out"
done
label h9-c-datadir build-path

pair h9-c-link-readdir # sources linked in find(1) order (tmpfs), written in two orders
for s in a b; do
    h9_brindle "$shm/brindle" "$(h9_pick $s "fetch stash prune graft" "graft prune fetch stash")"
    make -s -C "$shm/brindle"
    cp "$shm/brindle/brindle" "$P/$s.out"
done
label h9-c-link-readdir file-order

pair h9-c-collate-lt # a name table sorted by sort(1) under LC_ALL=C, then lt_LT.UTF-8
for s in a b; do
    h9_sorted_table "$work/kestrel" kestrel "yarrow iris juniper Kalmia birch Ivy yew jasmine Linden"
    LOCPATH=$H9_LOC LC_ALL="$(h9_pick $s C lt_LT.UTF-8)" make -s -C "$work/kestrel"
    cp "$work/kestrel/kestrel" "$P/$s.out"
done
label h9-c-collate-lt locale

pair h9-c-fqdn # uname -n in a generated header, on two fully qualified hosts
for s in a b; do
    h9_genheader "$work/wavelet" wavelet origin.h WAVELET_BUILT_ON 'uname -n'
    on_host "$(h9_pick $s bld07.tundra.example.net petra-laptop.tundra.example.net)" make -s -C "$work/wavelet"
    cp "$work/wavelet/wavelet" "$P/$s.out"
done
label h9-c-fqdn hostname

pair h9-c-salt-hex # 16 random bytes in hex, generated into a header at every build
for s in a b; do
    h9_genheader "$work/cinderkey" cinderkey salt.h CINDERKEY_SALT 'od -An -tx1 -N16 /dev/urandom | tr -d " \\n"'
    make -s -C "$work/cinderkey"
    cp "$work/cinderkey/cinderkey" "$P/$s.out"
done
label h9-c-salt-hex randomness

pair h9-c-ring-fix # a real change: an off-by-one fixed, with its message
for s in a b; do
    h9_spindrift "$work/spindrift" "$(h9_pick $s "" fixed)"
    make -s -C "$work/spindrift"
    cp "$work/spindrift/spindrift" "$P/$s.out"
done
label h9-c-ring-fix content

pair h9-so-uuid-id # a shared library linked with --build-id=uuid, twice
for s in a b; do
    h9_finchnet "$work/finchnet"
    make -s -C "$work/finchnet"
    cp "$work/finchnet/libfinchnet.so" "$P/$s.so"
done
label h9-so-uuid-id build-id

pair h9-c-dir-collate-hu # two factors: -g in another directory, and a table sorted under hu_HU
for s in a b; do
    d=$(h9_pick $s "$work/home/ops/nightjar" "$work/data/builds/nightjar-1.0")
    h9_sorted_table "$d" nightjar "Zsolt cukor csiga Csaba alma Dorka dzseki Ernő"  "-O2 -g"
    LOCPATH=$H9_LOC LC_ALL="$(h9_pick $s C hu_HU.UTF-8)" make -s -C "$d"
    cp "$d/nightjar" "$P/$s.out"
done
label h9-c-dir-collate-hu build-path+locale

##############################################################################################
# Python: byte code, wheels and sdists (Debian's python3).

pair h9-sdist-later # sdist two days later: the gzip header's time (and the generated files')
for s in a b; do
    h9_pyproj "$work/marlinq" marlinq 0.6.0
    (cd "$work/marlinq" && ft "$(h9_pick $s $H9_T1 $H9_T2)" "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/marlinq/dist/marlinq-0.6.0.tar.gz" "$P/$s.tar.gz"
done
label h9-sdist-later timestamp

pair h9-pyc-two-roots # compileall (checked-hash pycs) in two directories: co_filename
for s in a b; do
    d=$(h9_pick $s "$work/ravelin" "$work/mnt/scratch/ravelin-src")
    h9_pyproj "$d" ravelin 2.3.1
    SOURCE_DATE_EPOCH=$H9_SDE "$PY" -m compileall -q "$d/ravelin" >/dev/null
    cp "$d/ravelin/__pycache__/spans.cpython-"*.pyc "$P/$s.pyc"
done
label h9-pyc-two-roots build-path

H9_PROVENANCE='import json
import pwd

with open("cairnlog/_provenance.json", "w") as f:
    json.dump({"project": "cairnlog", "builder": pwd.getpwuid(os.getuid()).pw_name, "frontend": "setup.py"}, f, indent=2)'

pair h9-whl-builder # setup.py records the build account in JSON: built by root, then by man
for s in a b; do
    h9_pyproj "$work/cairnlog" cairnlog 0.5.0 "$H9_PROVENANCE"
    if [ $s = a ]; then
        (cd "$work/cairnlog" && SOURCE_DATE_EPOCH=$H9_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    else
        chown -R man "$work/cairnlog"
        (cd "$work/cairnlog" && SOURCE_DATE_EPOCH=$H9_SDE as_user man "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    fi
    cp "$work/cairnlog/dist/cairnlog-0.5.0-py3-none-any.whl" "$P/$s.whl"
done
label h9-whl-builder user-group

H9_REPORT='import locale
import time

locale.setlocale(locale.LC_ALL, "")
released = time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"]))
with open("tallyho/_report.toml", "w", encoding="utf-8") as f:
    f.write("[catalogue]\n")
    f.write("entries = \"%s\"\n" % locale.format_string("%d", 1284503, grouping=True))
    f.write("mean_weight = \"%s\"\n" % locale.format_string("%.2f", 4417.25, grouping=True))
    f.write("released = \"%s\"\n" % time.strftime("%A, %d %B %Y", released))'

pair h9-whl-number-pt # setup.py formats numbers and a date with the locale: C, then pt_BR
for s in a b; do
    h9_pyproj "$work/tallyho" tallyho 1.0.2 "$H9_REPORT"
    (cd "$work/tallyho" && SOURCE_DATE_EPOCH=$H9_SDE LOCPATH=$H9_LOC LC_ALL="$(h9_pick $s C pt_BR.UTF-8)" \
        "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/tallyho/dist/tallyho-1.0.2-py3-none-any.whl" "$P/$s.whl"
done
label h9-whl-number-pt locale

pair h9-pyc-origin-host # a generated _origin.py with the host name, byte-compiled on two hosts
for s in a b; do
    fresh "$work/lumenctl"
    mkdir -p "$work/lumenctl/lumenctl"
    printf '"""lumenctl: dim the lights on a schedule."""\n' >"$work/lumenctl/lumenctl/__init__.py"
    on_host "$(h9_pick $s odin nightly-04)" sh -c \
        'printf "# generated at build time\nHOST = \"%s\"\nCHANNEL = \"stable\"\n" "$(hostname)" >"$1/lumenctl/_origin.py"' sh "$work/lumenctl"
    SOURCE_DATE_EPOCH=$H9_SDE "$PY" -m compileall -q "$work/lumenctl/lumenctl" >/dev/null
    cp "$work/lumenctl/lumenctl/__pycache__/_origin.cpython-"*.pyc "$P/$s.pyc"
done
label h9-pyc-origin-host hostname

pair h9-whl-release-bump # gullwing 1.4.2 -> 1.4.3: the version and a fix
for s in a b; do
    h9_pyproj "$work/gullwing" gullwing "$(h9_pick $s 1.4.2 1.4.3)"
    if [ $s = b ]; then
        sed -i 's/if out and start <= out\[-1\]\[1\]:/if out and start <= out[-1][1] + 1:/' "$work/gullwing/gullwing/spans.py"
        pin_mtimes "$work/gullwing" "$H9_SDE"
    fi
    (cd "$work/gullwing" && SOURCE_DATE_EPOCH=$H9_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/gullwing/dist/gullwing-$(h9_pick $s 1.4.2 1.4.3)-py3-none-any.whl" "$P/$s.whl"
done
label h9-whl-release-bump input-version

##############################################################################################
# gettext: .mo files.

pair h9-mo-zone # xgettext at the same moment in two zones: en_CA.mo's PO-Revision-Date
for s in a b; do
    h9_gettext "$work/mossweb" mossweb 3.2
    TZ="$(h9_pick $s UTC Australia/Adelaide)" ft "$H9_T1" make -s -C "$work/mossweb" en_CA.mo
    cp "$work/mossweb/en_CA.mo" "$P/$s.mo"
done
label h9-mo-zone timezone

pair h9-mo-hu-fix # a real change: the Hungarian translator reworded a string
for s in a b; do
    h9_gettext "$work/mossweb" mossweb 3.2 "$(h9_pick $s "" fixed)"
    ft "$H9_T1" make -s -C "$work/mossweb" hu.mo
    cp "$work/mossweb/hu.mo" "$P/$s.mo"
done
label h9-mo-hu-fix content

pair h9-mo-bump-zone # two factors: quillpad 4.0 -> 4.1, and xgettext in another zone
for s in a b; do
    h9_gettext "$work/quillpad" quillpad "$(h9_pick $s 4.0 4.1)"
    TZ="$(h9_pick $s UTC America/Argentina/Cordoba)" ft "$H9_T2" make -s -C "$work/quillpad" en_CA.mo
    cp "$work/quillpad/en_CA.mo" "$P/$s.mo"
done
label h9-mo-bump-zone input-version+timezone

##############################################################################################
# Debian packages.

pair h9-deb-build-ini # a build.ini dated by date(1): built two days later (SOURCE_DATE_EPOCH set)
for s in a b; do
    SOURCE_DATE_EPOCH=$H9_SDE ft "$(h9_pick $s $H9_T1 $H9_T2)" \
        bash -c "$(declare -f fresh h9_control h9_lanternd_deb); h9_lanternd_deb '$work/lanternd' '$P/$s.deb'"
done
label h9-deb-build-ini timestamp

pair h9-deb-man-hu # a man page dated in the build's locale: C, then hu_HU
for s in a b; do
    SOURCE_DATE_EPOCH=$H9_SDE LOCPATH=$H9_LOC LC_ALL="$(h9_pick $s C hu_HU.UTF-8)" \
        bash -c "$(declare -f fresh h9_control h9_fernwick_deb); h9_fernwick_deb '$work/fernwick' '$P/$s.deb'"
done
label h9-deb-man-hu locale

pair h9-deb-host-zone # two factors: another host and another TZ in a YAML build record
for s in a b; do
    SOURCE_DATE_EPOCH=$H9_SDE TZ="$(h9_pick $s UTC America/Halifax)" on_host "$(h9_pick $s pkgr-01 mira.build.example.com)" \
        bash -c "$(declare -f fresh h9_control h9_driftwood_deb); h9_driftwood_deb '$work/driftwood' '$P/$s.deb'"
done
label h9-deb-host-zone hostname+timezone

pair h9-deb-user-zstd # two factors: staged and packaged by man with -Zzstd, after root with -Zxz
for s in a b; do
    d=$work/thimble
    fresh "$d"
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H9_SDE h9_thimble_deb "$d/build" "$d/out.deb" -Zxz
    else
        chown man "$d"
        SOURCE_DATE_EPOCH=$H9_SDE as_user man \
            bash -c "$(declare -f fresh h9_control h9_thimble_deb); h9_thimble_deb '$d/build' '$d/out.deb' -Zzstd"
    fi
    cp "$d/out.deb" "$P/$s.deb"
done
label h9-deb-user-zstd user-group+compression

##############################################################################################
# squashfs and ISO 9660 images.

pair h9-iso-master-day # xorriso two days later without SOURCE_DATE_EPOCH: the volume's dates
h9_fjordcast_tree "$work/fjordcast"
pin_mtimes "$work/fjordcast" "$H9_SDE"
for s in a b; do
    ft "$(h9_pick $s $H9_T1 $H9_T2)" xorriso -as mkisofs -quiet -R -J -V FJORDCAST_2 -o "$P/$s.iso" "$work/fjordcast" 2>/dev/null
done
label h9-iso-master-day timestamp

pair h9-iso-rr-owner # Rock Ridge keeps owners: the tree written by root, then by games
for s in a b; do
    fresh "$work/bramble-src"
    if [ $s = a ]; then
        h9_bramble_tree "$work/bramble-src/bramble"
    else
        chown games "$work/bramble-src"
        as_user games bash -c "$(declare -f fresh h9_bramble_tree); h9_bramble_tree '$work/bramble-src/bramble'"
    fi
    pin_mtimes "$work/bramble-src/bramble" "$H9_SDE"
    SOURCE_DATE_EPOCH=$H9_SDE xorriso -as mkisofs -quiet -R -J -V BRAMBLE_NOTES -o "$P/$s.iso" "$work/bramble-src/bramble" 2>/dev/null
done
label h9-iso-rr-owner user-group

pair h9-sqfs-image-host # an image release file with the build host's name
for s in a b; do
    h9_rootfs "$work/skerry" skerry
    on_host "$(h9_pick $s imgfab-12 mkimg-2)" sh -c 'printf "IMAGE_ID=skerry\nIMAGE_BUILD_HOST=%s\n" "$(hostname)" >"$1/etc/image-release"' sh "$work/skerry"
    pin_mtimes "$work/skerry" "$H9_SDE"
    mksquashfs "$work/skerry" "$P/$s.squashfs" -noappend -quiet -no-progress -comp gzip -mkfs-time "$H9_SDE" >/dev/null
done
label h9-sqfs-image-host hostname

pair h9-sqfs-lz4-zstd # the same tree with -comp lz4, then -comp zstd
h9_rootfs "$work/pinecone" pinecone
pin_mtimes "$work/pinecone" "$H9_SDE"
for s in a b; do
    mksquashfs "$work/pinecone" "$P/$s.squashfs" -noappend -quiet -no-progress -comp "$(h9_pick $s lz4 zstd)" -mkfs-time "$H9_SDE" >/dev/null
done
label h9-sqfs-lz4-zstd compression

##############################################################################################
# zip, tar, cpio, gzip.

pair h9-zip-newfoundland # zip stores local times: TZ=UTC, then America/St_Johns
h9_docs "$work/ledgerkit" ledgerkit "accounts journal reconcile export"
for s in a b; do
    pin_mtimes "$work/ledgerkit" "$H9_SDE"
    (cd "$work/ledgerkit" && TZ="$(h9_pick $s UTC America/St_Johns)" zip -q -X -r "$P/$s.zip" ledgerkit)
done
label h9-zip-newfoundland timezone

pair h9-zip-checkout-order # zip -r (readdir order) of two checkouts written in other orders
for s in a b; do
    h9_docs "$shm/saltmarsh" saltmarsh "$(h9_pick $s "tides birds reeds mudflats" "mudflats reeds tides birds")"
    pin_mtimes "$shm/saltmarsh" "$H9_SDE"
    (cd "$shm/saltmarsh" && zip -q -X -r "$P/$s.zip" saltmarsh)
done
label h9-zip-checkout-order file-order

pair h9-zip-umask-077 # the tree written under umask 022, then 077 (zip keeps Unix modes)
for s in a b; do
    (umask "$(h9_pick $s 022 077)" && h9_docs "$work/osprey-help" osprey-help "nesting flight diet")
    pin_mtimes "$work/osprey-help" "$H9_SDE"
    (cd "$work/osprey-help" && zip -q -X -r "$P/$s.zip" osprey-help)
done
label h9-zip-umask-077 permissions

pair h9-zip-order-token # two factors: two checkout orders (tmpfs), and a random token in JSON
for s in a b; do
    h9_docs "$shm/larkspur" larkspur "$(h9_pick $s "sowing cutting seedheads" "seedheads sowing cutting")"
    printf '{\n  "app": "larkspur",\n  "session_token": "%s"\n}\n' "$(head -c 24 /dev/urandom | base64)" >"$shm/larkspur/larkspur/session.json"
    pin_mtimes "$shm/larkspur" "$H9_SDE"
    (cd "$shm/larkspur" && zip -q -X -r "$P/$s.zip" larkspur)
done
label h9-zip-order-token file-order+randomness

pair h9-targz-real-sleep # tar, then gzip -9 without -n, really a second later: the header's time
for s in a b; do
    if [ $s = b ]; then sleep 1; fi
    h9_docs "$work/quernbook" quernbook-1.2 "grinding stones maintenance"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H9_SDE" \
        -C "$work/quernbook" -cf "$work/quernbook/quernbook-1.2.tar" quernbook-1.2
    gzip -9 "$work/quernbook/quernbook-1.2.tar"
    cp "$work/quernbook/quernbook-1.2.tar.gz" "$P/$s.tar.gz"
done
label h9-targz-real-sleep timestamp

pair h9-tarzst-irc # tar without --owner of a tree written by root, then by irc (zstd -19)
for s in a b; do
    fresh "$shm/hollyhock"
    if [ $s = a ]; then
        h9_rootfs "$shm/hollyhock/root" hollyhock
    else
        chown irc "$shm/hollyhock"
        as_user irc bash -c "$(declare -f fresh h9_rootfs); h9_rootfs '$shm/hollyhock/root' hollyhock"
    fi
    tar --format=gnu --sort=name --mtime="@$H9_SDE" -C "$shm/hollyhock/root" -cf - . | zstd -19 -q >"$P/$s.tar.zst"
done
label h9-tarzst-irc user-group

pair h9-tarxz-umask-002 # the tree written under umask 022, then 002 (group-writable)
for s in a b; do
    (umask "$(h9_pick $s 022 002)" && h9_rootfs "$work/tamarisk/tamarisk-3.1" tamarisk)
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H9_SDE" \
        -C "$work/tamarisk" -cJf "$P/$s.tar.xz" tamarisk-3.1
done
label h9-tarxz-umask-002 permissions

pair h9-cpio-readdir # find | cpio (readdir order, tmpfs) of two checkouts
for s in a b; do
    h9_docs "$shm/quayside" quayside "$(h9_pick $s "moorings cranes customs ferries" "ferries customs moorings cranes")"
    pin_mtimes "$shm/quayside" "$H9_SDE"
    (cd "$shm/quayside" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h9-cpio-readdir file-order

pair h9-cpio-seed-bytes # an initramfs with 32 raw random bytes as its seed file
for s in a b; do
    h9_rootfs "$work/emberinit" emberinit
    head -c 32 /dev/urandom >"$work/emberinit/var/lib/emberinit/random-seed"
    chmod 600 "$work/emberinit/var/lib/emberinit/random-seed"
    pin_mtimes "$work/emberinit" "$H9_SDE"
    (cd "$work/emberinit" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h9-cpio-seed-bytes randomness

pair h9-cpio-umask-epoch # two factors: umask 022 then 027, and a build_time in epoch seconds two days later
for s in a b; do
    (umask "$(h9_pick $s 022 027)" && h9_rootfs "$work/ironbark" ironbark &&
        printf 'build_time = %s\n' "$(ft "$(h9_pick $s $H9_T1 $H9_T2)" date +%s)" >"$work/ironbark/etc/ironbark/build.env")
    pin_mtimes "$work/ironbark" "$H9_SDE"
    (cd "$work/ironbark" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h9-cpio-umask-epoch permissions+timestamp

pair h9-gz-level # the same word list with gzip -n -1, then gzip -n -9
fresh "$work/wordhoard"
awk 'BEGIN { split("ash birch cedar dogwood elm fir ginkgo hazel", w, " ");
    for (i = 1; i <= 6000; i++) printf "%05d %s-%s %d\n", i, w[i % 8 + 1], w[(i * 5) % 8 + 1], (i * 7919) % 10007 }' >"$work/wordhoard/wordhoard.dict"
for s in a b; do
    gzip -n "$(h9_pick $s -1 -9)" -c "$work/wordhoard/wordhoard.dict" >"$P/$s.dict.gz"
done
label h9-gz-level compression
