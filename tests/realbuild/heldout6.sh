# The sixth held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# Written independently, WITHOUT reading the explainer (crates/explain), its documentation, or the
# earlier held-out halves: only README.md, make.sh, lib.sh and dev.sh (for the style) were read.
# Its projects, names, directories, hosts, dates, zones, locales and contents are its own. Its
# pairs were checked only with cmp, cmp -l, strings, readelf, unzip/zipinfo, tar, cpio, xxd,
# unsquashfs, xorriso, dpkg-deb, python3 and reasoning, never with reproscope.
#
# 40 pairs: 34 single-cause and 6 two-cause.
#   timestamp 5, build-path 4, timezone 3, user-group 3, file-order 3, locale 3, hostname 2,
#   randomness 2, compression 2, permissions 2, content 2, input-version 2, build-id 1.
# Two-cause combinations: locale+timezone, hostname+user-group, compression+permissions,
#   build-path+randomness, file-order+content, timestamp+locale.

H6_T1=1699950000  # 2023-11-14 08:20:00 UTC: the first build of a time-varied pair
H6_T2=1700161500  # 2023-11-16 19:05:00 UTC: the second
H6_SDE=1698667200 # 2023-10-30 12:00:00 UTC: SOURCE_DATE_EPOCH and pinned mtimes

# pick S A B: A for the build a, B for the build b.
h6_pick() { if [ "$1" = a ]; then echo "$2"; else echo "$3"; fi; }

##############################################################################################
# Projects. Each writes its sources into a fresh DIR.

# libtidemark: a shared library of tide helpers whose version string has __DATE__ and __TIME__.
tidemark_src() {
    fresh "$1"
    cat >"$1/tidemark.c" <<'EOF'
#include <math.h>

const char tidemark_version[] = "libtidemark 2.7.1 compiled " __DATE__ " at " __TIME__;

double tidemark_height(double mean_level, double amplitude, double hours)
{
    return mean_level + amplitude * cos(hours * 0.50587);
}

int tidemark_is_flood(double prev, double next)
{
    return next > prev;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
libtidemark.so.2: tidemark.c
> gcc -O2 -fPIC -shared -Wl,-soname,libtidemark.so.2 -o $@ tidemark.c -lm
EOF
}

# libsorrel: a shared library that records the build machine's node name (-D from uname -n).
sorrel_src() {
    fresh "$1"
    cat >"$1/sorrel.c" <<'EOF'
#include <stdio.h>

static const char sorrel_origin[] = "sorrel-geo 1.0.4 built on " SORREL_BUILD_NODE;

const char *sorrel_about(void)
{
    return sorrel_origin;
}

double sorrel_haversine_deg(double lat1, double lat2)
{
    double d = lat2 - lat1;
    return d < 0 ? -d : d;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
NODE := $(shell uname -n)
libsorrel.so.1: sorrel.c
> gcc -O2 -fPIC -shared -DSORREL_BUILD_NODE='"$(NODE)"' -Wl,-soname,libsorrel.so.1 -o $@ sorrel.c
EOF
}

# libpapyrus: a shared library linked with a random build ID (--build-id=uuid).
papyrus_src() {
    fresh "$1"
    cat >"$1/papyrus.c" <<'EOF'
#include <string.h>

int papyrus_count_pages(const char *text, int lines_per_page)
{
    int lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    return lines_per_page > 0 ? (lines + lines_per_page - 1) / lines_per_page : 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
libpapyrus.so: papyrus.c
> gcc -O2 -fPIC -shared -Wl,--build-id=uuid -o $@ papyrus.c
EOF
}

# libferrule: a static library (ring buffer and splitter), with an install target that writes a
# pkg-config file whose prefix is PREFIX. VARIANT fixed: an off-by-one in split.c corrected.
ferrule_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/include"
    cat >"$d/include/ferrule.h" <<'EOF'
#ifndef FERRULE_H
#define FERRULE_H
#include <stddef.h>
struct ferrule_ring { char *buf; size_t cap, head, len; };
int ferrule_ring_push(struct ferrule_ring *r, char c);
int ferrule_ring_pop(struct ferrule_ring *r, char *c);
size_t ferrule_split(const char *s, char sep, const char **parts, size_t max_parts);
#endif
EOF
    cat >"$d/src/ring.c" <<'EOF'
#include "ferrule.h"

int ferrule_ring_push(struct ferrule_ring *r, char c)
{
    if (r->len == r->cap)
        return -1;
    r->buf[(r->head + r->len++) % r->cap] = c;
    return 0;
}

int ferrule_ring_pop(struct ferrule_ring *r, char *c)
{
    if (r->len == 0)
        return -1;
    *c = r->buf[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return 0;
}
EOF
    cat >"$d/src/split.c" <<'EOF'
#include "ferrule.h"

size_t ferrule_split(const char *s, char sep, const char **parts, size_t max_parts)
{
    size_t n = 0;
    if (max_parts == 0)
        return 0;
    parts[n++] = s;
    for (; *s; s++)
        if (*s == sep && n <= max_parts)
            parts[n++] = s + 1;
    return n;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's/n <= max_parts/n < max_parts/' "$d/src/split.c"
    fi
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2
PREFIX = /usr/local

libferrule.a: ring.o split.o
> ar rcD $@ ring.o split.o

%.o: src/%.c include/ferrule.h
> gcc $(CFLAGS) -Iinclude -c -o $@ $<

install: libferrule.a
> mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
> cp libferrule.a $(DESTDIR)$(PREFIX)/lib/
> cp include/ferrule.h $(DESTDIR)$(PREFIX)/include/
> printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: ferrule\nDescription: ring buffers and splitting\nVersion: 0.5.3\nLibs: -L$${libdir} -lferrule\nCflags: -I$${includedir}\n' '$(PREFIX)' >$(DESTDIR)$(PREFIX)/lib/pkgconfig/ferrule.pc
EOF
}

# gloamlog: a logger whose LOG() macro prints __FILE__; the Makefile compiles absolute paths.
gloamlog_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/log.h" <<'EOF'
#ifndef GLOAM_LOG_H
#define GLOAM_LOG_H
void gloam_log(const char *file, int line, const char *msg);
#define LOG(msg) gloam_log(__FILE__, __LINE__, (msg))
#endif
EOF
    cat >"$1/src/log.c" <<'EOF'
#include <stdio.h>
#include "log.h"

void gloam_log(const char *file, int line, const char *msg)
{
    fprintf(stderr, "[gloamlog %s:%d] %s\n", file, line, msg);
}
EOF
    cat >"$1/src/main.c" <<'EOF'
#include <stdio.h>
#include "log.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        LOG("no dusk file given");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        LOG("dusk file unreadable");
        return 1;
    }
    LOG("reading dusk file");
    fclose(f);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCDIR := $(abspath src)
gloamlog: $(SRCDIR)/main.c $(SRCDIR)/log.c $(SRCDIR)/log.h
> gcc -O2 -I$(SRCDIR) -o $@ $(SRCDIR)/main.c $(SRCDIR)/log.c
EOF
}

# A C program PROG whose generated header stamp.h defines MACRO as the output of CMD, run by make
# at build time: DIR PROG MACRO CMD (CMD is make syntax: $$ for a shell $).
stamped_prog_src() {
    local d=$1 prog=$2 macro=$3 cmd=$4
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--about") == 0) {
        printf("%s (%s)\\n", "$prog", $macro);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%s: argument %d is %s\\n", "$prog", i, argv[i]);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: $prog.c stamp.h
> gcc -O2 -o \$@ $prog.c

stamp.h:
> echo "#define $macro \\"\$\$($cmd)\\"" >\$@
EOF
}

# cobbler: a command dispatcher linked from every source `find src` lists (readdir order).
# ORDER: the order in which the command sources were written (two checkouts, two orders).
cobbler_src() {
    local d=$1 order=$2 c
    fresh "$d"
    mkdir -p "$d/src"
    for c in $order; do
        cat >"$d/src/cmd_$c.c" <<EOF
#include <stdio.h>
#include <string.h>
int cobbler_$c(int argc, char **argv)
{
    int n = 0;
    for (int i = 0; i < argc; i++)
        n += (int)strlen(argv[i]);
    printf("cobbler $c: %d arguments, %d bytes\\n", argc, n);
    return n % 7;
}
EOF
    done
    cat >"$d/src/main.c" <<'EOF'
#include <string.h>
int cobbler_stitch(int, char **);
int cobbler_resole(int, char **);
int cobbler_polish(int, char **);
int cobbler_lace(int, char **);
int cobbler_heel(int, char **);

int main(int argc, char **argv)
{
    if (argc < 2)
        return 1;
    if (!strcmp(argv[1], "stitch")) return cobbler_stitch(argc - 2, argv + 2);
    if (!strcmp(argv[1], "resole")) return cobbler_resole(argc - 2, argv + 2);
    if (!strcmp(argv[1], "polish")) return cobbler_polish(argc - 2, argv + 2);
    if (!strcmp(argv[1], "lace")) return cobbler_lace(argc - 2, argv + 2);
    if (!strcmp(argv[1], "heel")) return cobbler_heel(argc - 2, argv + 2);
    return 1;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCS := $(shell find src -name '*.c')
cobbler: $(SRCS)
> gcc -O2 -o $@ $(SRCS)
EOF
}

# quillstat: a C tool packaged as a Debian package. quillstat_deb DIR OUT VERSION [dpkg-deb args]
# QS_BUILDINFO=1 in the environment adds a buildinfo file with the builder's user and host.
quillstat_deb() {
    local d=$1 out_deb=$2 v=$3
    shift 3
    fresh "$d"
    mkdir -p "$d/src"
    cat >"$d/src/quillstat.c" <<'EOF'
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("quillstat " QS_VERSION " - ink and quill inventory statistics");
        return 0;
    }
    long nibs = 0, c;
    while ((c = getchar()) != EOF)
        nibs += (c == '|');
    printf("%ld nibs\n", nibs);
    return 0;
}
EOF
    local upstream=${v%-*}
    gcc -O2 -DQS_VERSION="\"$upstream\"" -o "$d/quillstat" "$d/src/quillstat.c"
    mkdir -p "$d/stage/DEBIAN" "$d/stage/usr/bin" "$d/stage/usr/share/doc/quillstat"
    cp "$d/quillstat" "$d/stage/usr/bin/quillstat"
    printf 'Files: *\nCopyright: 2023 Quillstat contributors\nLicense: ISC\n' >"$d/stage/usr/share/doc/quillstat/copyright"
    {
        if [ "$upstream" = 0.9.3 ]; then
            printf 'quillstat 0.9.3\n  * Count nibs in piped input faster.\n\n'
        fi
        printf 'quillstat 0.9.2\n  * First packaged release.\n'
    } >"$d/stage/usr/share/doc/quillstat/NEWS"
    if [ "${QS_BUILDINFO:-}" = 1 ]; then
        printf 'Built-By: %s\nBuilt-On: %s\n' "$(id -un)" "$(uname -n)" >"$d/stage/usr/share/doc/quillstat/buildinfo"
    fi
    cat >"$d/stage/DEBIAN/control" <<EOF
Package: quillstat
Version: $v
Architecture: amd64
Maintainer: Ottilie Brandvold <ottilie@quillstat.example>
Depends: libc6 (>= 2.34)
Section: text
Priority: optional
Description: ink and quill inventory statistics
 quillstat counts nibs in an inventory listing.
EOF
    dpkg-deb --build "$@" "$d/stage" "$out_deb" >/dev/null
}

# lanternfly's translations: src/*.c with _() strings and po/hu.po. The Makefile makes
# nl.mo through xgettext and msginit --no-translator (whose PO-Revision-Date is the build's time
# in the build's zone), and hu.mo from po/hu.po. VARIANT fixed: a Hungarian string corrected.
lanternfly_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/lamp.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

void lamp_menu(void)
{
    puts(_("Dim the lantern"));
    puts(_("Trim the wick"));
    puts(_("Refill paraffin"));
    puts(_("Hang lantern on hook"));
}
EOF
    cat >"$d/po/hu.po" <<'EOF'
# Hungarian translation of lanternfly.
msgid ""
msgstr ""
"Project-Id-Version: lanternfly 3.1\n"
"Report-Msgid-Bugs-To: forditas@lanternfly.example\n"
"POT-Creation-Date: 2023-09-02 10:00+0000\n"
"PO-Revision-Date: 2023-09-11 21:15+0200\n"
"Last-Translator: Kovács Réka <reka@lanternfly.example>\n"
"Language-Team: Hungarian\n"
"Language: hu\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/lamp.c:7
msgid "Dim the lantern"
msgstr "Lámpás tompítása"

#: src/lamp.c:8
msgid "Trim the wick"
msgstr "Kanóc vágása"

#: src/lamp.c:9
msgid "Refill paraffin"
msgstr "Paraffin utántöltés"

#: src/lamp.c:10
msgid "Hang lantern on hook"
msgstr "Lámpás akasztása a kampóra"
EOF
    [ "$variant" = fixed ] && sed -i 's/Paraffin utántöltés/Paraffin utántöltése/' "$d/po/hu.po"
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
nl.mo: po/lanternfly.pot
> msginit --no-translator -l nl_NL -i po/lanternfly.pot -o po/nl.po >/dev/null 2>&1
> msgfmt -o $@ po/nl.po

hu.mo: po/hu.po
> msgfmt -c -o $@ po/hu.po

po/lanternfly.pot: src/lamp.c
> xgettext -k_ --package-name=lanternfly --package-version=3.1 --msgid-bugs-address=forditas@lanternfly.example -o $@ src/lamp.c
EOF
}

# A Python package with a setup.py: DIR NAME VERSION GEN, where GEN is Python code that setup.py
# runs first (it may write NAME/_gen.py or NAME/_build.json, both shipped).
pyproj_src() {
    local d=$1 name=$2 v=$3 gen=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name $v"""
__version__ = "$v"
EOF
    cat >"$d/$name/cli.py" <<'EOF'
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    for path in args.paths:
        with open(path, "rb") as f:
            print(path, sum(1 for _ in f))
    return 0
EOF
    {
        echo 'import os'
        echo 'from setuptools import find_packages, setup'
        echo
        printf '%s\n' "$gen"
        cat <<EOF

setup(
    name="$name",
    version="$v",
    description="$name: line tallies for field notes",
    author="Maren Solvik",
    author_email="maren@fieldnotes.example",
    packages=find_packages(),
    package_data={"$name": ["*.json"]},
    entry_points={"console_scripts": ["$name=$name.cli:main"]},
)
EOF
    } >"$d/setup.py"
}

# A small appliance root file system (marram): DIR
marram_tree() {
    local d=$1 p
    fresh "$d"
    mkdir -p "$d/etc/marram" "$d/usr/lib/marram" "$d/usr/share/marram/templates"
    printf 'NAME="Marram Dune Station"\nVERSION_ID="5.4"\n' >"$d/etc/os-release"
    printf '[station]\nsensor_port = /dev/ttyS1\nsample_every = 30s\n' >"$d/etc/marram/station.toml"
    printf '#!/bin/sh\nexec /usr/lib/marram/sampler --config /etc/marram/station.toml "$@"\n' >"$d/usr/lib/marram/run"
    chmod 755 "$d/usr/lib/marram/run"
    for p in wind sand tide; do
        printf '{{ station }}: %s reading {{ value }} at {{ when }}\n' "$p" >"$d/usr/share/marram/templates/$p.tmpl"
    done
}

# The kelpie handbook, its chapters written in ORDER: DIR ORDER
kelpie_docs() {
    local d=$1 order=$2 c
    fresh "$d"
    mkdir -p "$d/kelpie-handbook"
    for c in $order; do
        printf '%s\n\nThe kelpie harvester chapter on %s, with diagrams described in words.\n' "$c" "$c" >"$d/kelpie-handbook/$c.txt"
    done
}

##############################################################################################
# C projects built with make and gcc.

pair h6-so-compiled-at # __DATE__ and __TIME__ in a shared library, built two days apart
for s in a b; do
    tidemark_src "$work/tidemark"
    ft "$(h6_pick $s $H6_T1 $H6_T2)" make -s -C "$work/tidemark"
    cp "$work/tidemark/libtidemark.so.2" "$P/$s.so"
done
label h6-so-compiled-at timestamp

pair h6-a-debug-checkout # -g static library: DW_AT_comp_dir is the build directory
for s in a b; do
    d=$(h6_pick $s "$work/checkout/ferrule" "$work/mnt/scratch/jenkins/workspace/ferrule-main")
    ferrule_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g" libferrule.a
    cp "$d/libferrule.a" "$P/$s.a"
done
label h6-a-debug-checkout build-path

pair h6-exe-logmacro-path # no -g: a LOG() macro's absolute __FILE__ records the directory
for s in a b; do
    d=$(h6_pick $s "$work/q/gloamlog" "$work/srv/buildbot/worker-2/gloamlog/build")
    gloamlog_src "$d"
    make -s -C "$d"
    cp "$d/gloamlog" "$P/$s.out"
done
label h6-exe-logmacro-path build-path

pair h6-tgz-pkgconfig-prefix # make install PREFIX=$(CURDIR)/_install: the .pc file's prefix
for s in a b; do
    d=$(h6_pick $s "$work/home/olga/dev/ferrule" "$work/b/f7")
    ferrule_src "$d"
    make -s -C "$d" install PREFIX="$d/_install"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H6_SDE" \
        -C "$d/_install" -cf - . | gzip -n -9 >"$P/$s.tar.gz"
done
label h6-tgz-pkgconfig-prefix build-path

pair h6-a-split-fix # a real change: an off-by-one fixed in the splitter
for s in a b; do
    ferrule_src "$work/ferrule" "$(h6_pick $s "" fixed)"
    make -s -C "$work/ferrule" libferrule.a
    cp "$work/ferrule/libferrule.a" "$P/$s.a"
done
label h6-a-split-fix content

pair h6-exe-epoch-adelaide # date(1) of SOURCE_DATE_EPOCH with its offset, in UTC and in Adelaide
for s in a b; do
    stamped_prog_src "$work/orbitcalc" orbitcalc ORBIT_EPOCH_LOCAL 'date -d @$$SOURCE_DATE_EPOCH "+%Y-%m-%dT%H:%M:%S%z (%Z)"'
    SOURCE_DATE_EPOCH=$H6_SDE TZ="$(h6_pick $s UTC Australia/Adelaide)" make -s -C "$work/orbitcalc"
    cp "$work/orbitcalc/orbitcalc" "$P/$s.out"
done
label h6-exe-epoch-adelaide timezone

locale_def it_IT
locale_def hu_HU
locale_def pt_BR

pair h6-exe-weekday-italian # date(1) of SOURCE_DATE_EPOCH spelled out under C and it_IT.UTF-8
for s in a b; do
    stamped_prog_src "$work/almanacco" almanacco RELEASE_DAY 'date -d @$$SOURCE_DATE_EPOCH "+%A %-d %B %Y"'
    SOURCE_DATE_EPOCH=$H6_SDE LOCPATH=$work/locales LC_ALL="$(h6_pick $s C it_IT.UTF-8)" make -s -C "$work/almanacco"
    cp "$work/almanacco/almanacco" "$P/$s.out"
done
label h6-exe-weekday-italian locale

pair h6-exe-find-linkorder # sources linked in `find` (readdir) order, two checkouts on tmpfs
for s in a b; do
    cobbler_src "$shm/cobbler" "$(h6_pick $s "stitch resole polish lace heel" "heel polish lace stitch resole")"
    make -s -C "$shm/cobbler"
    cp "$shm/cobbler/cobbler" "$P/$s.out"
done
label h6-exe-find-linkorder file-order

pair h6-so-node-fqdn # uname -n compiled into a shared library, on two machines
for s in a b; do
    sorrel_src "$work/sorrel"
    on_host "$(h6_pick $s fern.lab.vantablue.example rack4-node19)" make -s -C "$work/sorrel"
    cp "$work/sorrel/libsorrel.so.1" "$P/$s.so"
done
label h6-so-node-fqdn hostname

pair h6-so-uuid-buildid # --build-id=uuid: a new random build ID every link
for s in a b; do
    papyrus_src "$work/papyrus"
    make -s -C "$work/papyrus"
    cp "$work/papyrus/libpapyrus.so" "$P/$s.so"
done
label h6-so-uuid-buildid build-id

pair h6-exe-clock-kolkata-it # two factors: %c of SOURCE_DATE_EPOCH under C/UTC, then it_IT in Kolkata
for s in a b; do
    stamped_prog_src "$work/ferryclock" ferryclock FERRY_BUILT '/bin/date -d @$$SOURCE_DATE_EPOCH "+%c %Z"'
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H6_SDE TZ=UTC LC_ALL=C make -s -C "$work/ferryclock"
    else
        SOURCE_DATE_EPOCH=$H6_SDE TZ=Asia/Kolkata LOCPATH=$work/locales LC_ALL=it_IT.UTF-8 make -s -C "$work/ferryclock"
    fi
    cp "$work/ferryclock/ferryclock" "$P/$s.out"
done
label h6-exe-clock-kolkata-it locale+timezone

pair h6-a-lto-twodirs # two factors: -g -flto fat objects, built again in another directory
for s in a b; do
    d=$(h6_pick $s "$work/ferrule-lto" "$work/var/cache/pbuilder/build/ferrule-0.5.3")
    ferrule_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g -flto -ffat-lto-objects" libferrule.a
    cp "$d/libferrule.a" "$P/$s.a"
done
label h6-a-lto-twodirs build-path+randomness

##############################################################################################
# Python: byte code, wheels and an sdist (Debian's python3 with setuptools and wheel).

pair h6-pyc-two-roots # compileall (SOURCE_DATE_EPOCH set) records the module's absolute path
for s in a b; do
    d=$(h6_pick $s "$work/opt/src/sedgeparse" "$work/r/sedgeparse-0.7")
    pyproj_src "$d" sedgeparse 0.7
    pin_mtimes "$d" "$H6_SDE"
    SOURCE_DATE_EPOCH=$H6_SDE "$PY" -m compileall -q "$d/sedgeparse" >/dev/null
    cp "$d/sedgeparse/__pycache__/cli.cpython-"*.pyc "$P/$s.pyc"
done
label h6-pyc-two-roots build-path

pair h6-pyc-install-nonce # a generated module holds a fresh uuid4 nonce, byte-compiled
for s in a b; do
    pyproj_src "$work/heronfilter" heronfilter 1.2
    "$PY" -c 'import uuid; print("INSTALL_NONCE = %r" % uuid.uuid4().hex)' >"$work/heronfilter/heronfilter/_nonce.py"
    pin_mtimes "$work/heronfilter" "$H6_SDE"
    SOURCE_DATE_EPOCH=$H6_SDE "$PY" -m compileall -q "$work/heronfilter/heronfilter" >/dev/null
    cp "$work/heronfilter/heronfilter/__pycache__/_nonce.cpython-"*.pyc "$P/$s.pyc"
done
label h6-pyc-install-nonce randomness

pair h6-whl-json-builtat # bdist_wheel two days apart: _build.json's RFC 2822 date and zip times
for s in a b; do
    pyproj_src "$work/gullyscan" gullyscan 2.3.0 'import email.utils, json
with open("gullyscan/_build.json", "w") as f:
    json.dump({"built": email.utils.formatdate(usegmt=True), "channel": "stable"}, f)'
    pin_mtimes "$work/gullyscan" "$H6_SDE"
    (cd "$work/gullyscan" && ft "$(h6_pick $s $H6_T1 $H6_T2)" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/gullyscan/dist/gullyscan-2.3.0-py3-none-any.whl" "$P/$s.whl"
done
label h6-whl-json-builtat timestamp

pair h6-whl-builder-account # setup.py writes the builder's login name: root, then mail
for s in a b; do
    d=$shm/tarnhelm
    pyproj_src "$d" tarnhelm 0.4.1 'import getpass
with open("tarnhelm/_gen.py", "w") as f:
    f.write("BUILT_BY = %r\n" % getpass.getuser())'
    pin_mtimes "$d" "$H6_SDE"
    if [ $s = a ]; then
        (cd "$d" && SOURCE_DATE_EPOCH=$H6_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    else
        chown -R mail:mail "$d"
        (cd "$d" && as_user mail env SOURCE_DATE_EPOCH=$H6_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    fi
    cp "$d/dist/tarnhelm-0.4.1-py3-none-any.whl" "$P/$s.whl"
done
label h6-whl-builder-account user-group

pair h6-whl-listdir-registry # setup.py lists format plugins with os.listdir (tmpfs, two orders)
for s in a b; do
    d=$shm/loamformat
    pyproj_src "$d" loamformat 1.0.2 'names = [f[:-3] for f in os.listdir("loamformat/formats") if f.endswith(".py") and f != "__init__.py"]
with open("loamformat/_gen.py", "w") as f:
    f.write("FORMATS = %r\n" % (names,))'
    mkdir -p "$d/loamformat/formats"
    : >"$d/loamformat/formats/__init__.py"
    for fmt in $(h6_pick $s "peat clay silt humus chalk" "chalk silt peat humus clay"); do
        printf 'def parse_%s(text):\n    return [line.split(";") for line in text.splitlines()]\n' "$fmt" >"$d/loamformat/formats/$fmt.py"
    done
    pin_mtimes "$d" "$H6_SDE"
    (cd "$d" && SOURCE_DATE_EPOCH=$H6_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$d/dist/loamformat-1.0.2-py3-none-any.whl" "$P/$s.whl"
done
label h6-whl-listdir-registry file-order

pair h6-whl-vendored-tomlette # the vendored tomlette updated from 1.4.2 to 1.5.0 (version and code)
for s in a b; do
    d=$work/brindlecfg
    pyproj_src "$d" brindlecfg 3.0.1
    mkdir -p "$d/brindlecfg/_vendor"
    : >"$d/brindlecfg/_vendor/__init__.py"
    {
        printf '"""tomlette: a tiny TOML subset reader (vendored)."""\n'
        printf '__version__ = "%s"\n\n\n' "$(h6_pick $s 1.4.2 1.5.0)"
        printf 'def loads(text):\n    out = {}\n    for line in text.splitlines():\n        line = line.strip()\n'
        if [ $s = b ]; then
            printf '        if line.startswith("#"):\n            continue\n'
        fi
        printf '        if "=" in line:\n            k, v = line.split("=", 1)\n            out[k.strip()] = v.strip().strip(%s)\n    return out\n' "'\"'"
    } >"$d/brindlecfg/_vendor/tomlette.py"
    pin_mtimes "$d" "$H6_SDE"
    (cd "$d" && SOURCE_DATE_EPOCH=$H6_SDE "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$d/dist/brindlecfg-3.0.1-py3-none-any.whl" "$P/$s.whl"
done
label h6-whl-vendored-tomlette input-version

pair h6-sdist-second-later # sdist twice, really a second apart: gzip header and member times
for s in a b; do
    [ $s = b ] && sleep 1
    pyproj_src "$work/driftwood" driftwood 0.2.9
    pin_mtimes "$work/driftwood" "$H6_SDE"
    (cd "$work/driftwood" && "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/driftwood/dist/driftwood-0.2.9.tar.gz" "$P/$s.tar.gz"
done
label h6-sdist-second-later timestamp

##############################################################################################
# gettext catalogs.

pair h6-mo-msginit-days # msginit --no-translator two days apart: nl.mo's PO-Revision-Date
for s in a b; do
    lanternfly_src "$work/lanternfly"
    ft "$(h6_pick $s $H6_T1 $H6_T2)" make -s -C "$work/lanternfly" nl.mo
    cp "$work/lanternfly/nl.mo" "$P/$s.mo"
done
label h6-mo-msginit-days timestamp

pair h6-mo-msginit-kolkata # the same moment, xgettext and msginit in UTC and in Kolkata
for s in a b; do
    lanternfly_src "$work/lanternfly"
    TZ="$(h6_pick $s UTC Asia/Kolkata)" faketime "@$H6_SDE" make -s -C "$work/lanternfly" nl.mo
    cp "$work/lanternfly/nl.mo" "$P/$s.mo"
done
label h6-mo-msginit-kolkata timezone

pair h6-mo-hu-correction # a real change: the Hungarian translator corrected a string
for s in a b; do
    lanternfly_src "$work/lanternfly" "$(h6_pick $s "" fixed)"
    make -s -C "$work/lanternfly" hu.mo
    cp "$work/lanternfly/hu.mo" "$P/$s.mo"
done
label h6-mo-hu-correction content

##############################################################################################
# Debian packages.

pair h6-deb-upstream-093 # quillstat 0.9.2-1 to 0.9.3-1: version in control, binary and NEWS
for s in a b; do
    SOURCE_DATE_EPOCH=$H6_SDE quillstat_deb "$work/quillstat" "$P/$s.deb" "$(h6_pick $s 0.9.2-1 0.9.3-1)" --root-owner-group -Zxz
done
label h6-deb-upstream-093 input-version

pair h6-deb-xz-preset # the same package with xz preset 1, then preset 9
for s in a b; do
    SOURCE_DATE_EPOCH=$H6_SDE quillstat_deb "$work/quillstat" "$P/$s.deb" 0.9.2-1 --root-owner-group -Zxz "$(h6_pick $s -z1 -z9)"
done
label h6-deb-xz-preset compression

pair h6-deb-mail-elsewhere # two factors: built by root on one host, by mail (no fakeroot) on another
for s in a b; do
    d=$shm/quillstat-deb
    fresh "$d"
    if [ $s = a ]; then
        QS_BUILDINFO=1 SOURCE_DATE_EPOCH=$H6_SDE on_host quarry-ws \
            bash -c "$(declare -f fresh quillstat_deb); quillstat_deb '$d/src' '$d/out.deb' 0.9.2-1 -Zxz"
    else
        chown mail:mail "$d"
        QS_BUILDINFO=1 SOURCE_DATE_EPOCH=$H6_SDE on_host kestrel-build-5.ci.brindle.example \
            bash -c "$(declare -f as_user); as_user mail \"\$@\"" h6 \
            bash -c "$(declare -f fresh quillstat_deb); quillstat_deb '$d/src' '$d/out.deb' 0.9.2-1 -Zxz"
    fi
    cp "$d/out.deb" "$P/$s.deb"
done
label h6-deb-mail-elsewhere hostname+user-group

##############################################################################################
# squashfs and ISO 9660 images.

pair h6-sqfs-catalog-ptbr # catalog.yaml numbers formatted by printf under C and pt_BR.UTF-8
for s in a b; do
    marram_tree "$work/marram"
    env LOCPATH="$work/locales" LC_ALL="$(h6_pick $s C pt_BR.UTF-8)" sh -c '
        echo "archive_bytes: $(/usr/bin/printf "%'"'"'d" 2847193)"
        echo "compression_ratio: $(/usr/bin/printf "%'"'"'.3f" 0.4127)"
        echo "mean_wind_knots: $(/usr/bin/printf "%'"'"'.1f" 14.25)"
    ' >"$work/marram/usr/share/marram/catalog.yaml"
    pin_mtimes "$work/marram" "$H6_SDE"
    mksquashfs "$work/marram" "$P/$s.squashfs" -noappend -quiet -no-progress -all-root -mkfs-time "$H6_SDE" >/dev/null
done
label h6-sqfs-catalog-ptbr locale

pair h6-sqfs-random-salt # a fresh random salt written into the image at build time
for s in a b; do
    marram_tree "$work/marram"
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$work/marram/etc/marram/uplink.salt"
    pin_mtimes "$work/marram" "$H6_SDE"
    mksquashfs "$work/marram" "$P/$s.squashfs" -noappend -quiet -no-progress -all-root -mkfs-time "$H6_SDE" >/dev/null
done
label h6-sqfs-random-salt randomness

pair h6-sqfs-lz4-groupwrite # two factors: -comp xz under umask 022, then -comp lz4 under umask 002
for s in a b; do
    (umask "$(h6_pick $s 022 002)" && marram_tree "$work/marram")
    pin_mtimes "$work/marram" "$H6_SDE"
    mksquashfs "$work/marram" "$P/$s.squashfs" -noappend -quiet -no-progress -all-root -mkfs-time "$H6_SDE" \
        -comp "$(h6_pick $s xz lz4)" >/dev/null
done
label h6-sqfs-lz4-groupwrite compression+permissions

pair h6-iso-buildhost # a BUILDHOST file written by hostname(1) on two machines (SOURCE_DATE_EPOCH set)
for s in a b; do
    marram_tree "$work/marram"
    on_host "$(h6_pick $s tollgate sable-ci-22)" sh -c 'echo "station image mastered on $(hostname)"' >"$work/marram/usr/share/marram/BUILDHOST"
    pin_mtimes "$work/marram" "$H6_SDE"
    SOURCE_DATE_EPOCH=$H6_SDE xorriso -as mkisofs -quiet -R -J -V MARRAM_54 -o "$P/$s.iso" "$work/marram" 2>/dev/null
done
label h6-iso-buildhost hostname

pair h6-iso-rr-umask # Rock Ridge modes: the tree written under umask 022, then 027
for s in a b; do
    (umask "$(h6_pick $s 022 027)" && marram_tree "$work/marram")
    pin_mtimes "$work/marram" "$H6_SDE"
    SOURCE_DATE_EPOCH=$H6_SDE xorriso -as mkisofs -quiet -R -J -V MARRAM_54 -o "$P/$s.iso" "$work/marram" 2>/dev/null
done
label h6-iso-rr-umask permissions

##############################################################################################
# zip, tar, cpio, gzip.

pair h6-zip-halifax # zip -X stores local DOS times only: zipped with TZ=UTC, then America/Halifax
kelpie_docs "$work/kelpie" "preface rigging harvesting drying storage"
for s in a b; do
    pin_mtimes "$work/kelpie" "$H6_SDE"
    (cd "$work/kelpie" && TZ="$(h6_pick $s UTC America/Halifax)" zip -q -X -r "$P/$s.zip" kelpie-handbook)
done
label h6-zip-halifax timezone

pair h6-zip-checkout-order # zip -r -D (readdir order; no directory entries, whose atimes zip's reading moves)
# of two checkouts on tmpfs
for s in a b; do
    kelpie_docs "$shm/kelpie" "$(h6_pick $s "preface rigging harvesting drying storage" "drying preface storage harvesting rigging")"
    pin_mtimes "$shm/kelpie" "$H6_SDE"
    (cd "$shm/kelpie" && zip -q -D -r "$P/$s.zip" kelpie-handbook)
done
label h6-zip-checkout-order file-order

pair h6-zip-private-umask # zip -X of the handbook checked out under umask 022, then 077
for s in a b; do
    (umask "$(h6_pick $s 022 077)" && kelpie_docs "$work/kelpie" "preface rigging harvesting drying storage")
    pin_mtimes "$work/kelpie" "$H6_SDE"
    (cd "$work/kelpie" && zip -q -X -r "$P/$s.zip" kelpie-handbook)
done
label h6-zip-private-umask permissions

pair h6-txz-owner-backup # tar without --owner: the tree written by root, then by backup
for s in a b; do
    fresh "$shm/marram-own"
    chmod 777 "$shm/marram-own"
    if [ $s = a ]; then
        marram_tree "$shm/marram-own/root"
    else
        as_user backup bash -c "$(declare -f fresh marram_tree); marram_tree '$shm/marram-own/root'"
    fi
    pin_mtimes "$shm/marram-own/root" "$H6_SDE"
    tar --format=gnu --sort=name --mtime="@$H6_SDE" -C "$shm/marram-own/root" -cf - . | xz -T1 -6 >"$P/$s.tar.xz"
done
label h6-txz-owner-backup user-group

pair h6-tzst-hu-glossary # a glossary index sorted by sort(1) under C and hu_HU.UTF-8
for s in a b; do
    fresh "$work/szotar"
    for w in Zsiráf zab ablak Ábel cukor csónak Dob dzseki éjjel Egér öböl Ostor _vázlat; do
        printf '%s: a dune station term\n' "$w" >"$work/szotar/$w.txt"
    done
    (cd "$work/szotar" && ls *.txt | sed 's/\.txt$//' | LOCPATH=$work/locales LC_ALL="$(h6_pick $s C hu_HU.UTF-8)" sort >GLOSSARY.idx)
    pin_mtimes "$work/szotar" "$H6_SDE"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H6_SDE" -C "$work" -cf - szotar | zstd -q -19 -c >"$P/$s.tar.zst"
done
label h6-tzst-hu-glossary locale

pair h6-tar-order-and-edit # two factors: tar (readdir order) of two checkouts, one chapter edited
for s in a b; do
    kelpie_docs "$shm/kelpie" "$(h6_pick $s "preface rigging harvesting drying storage" "storage rigging preface drying harvesting")"
    if [ $s = b ]; then
        printf 'Never dry kelpie fronds on galvanised racks.\n' >>"$shm/kelpie/kelpie-handbook/drying.txt"
    fi
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H6_SDE" -C "$shm/kelpie" -cf "$P/$s.tar" kelpie-handbook
done
label h6-tar-order-and-edit file-order+content

pair h6-cpio-render-later # templates rendered by make twice, really a second apart (file mtimes)
for s in a b; do
    [ $s = b ] && sleep 1
    fresh "$work/glimmer"
    mkdir -p "$work/glimmer/tmpl"
    for p in index tides contact; do
        printf '<html><head><title>@SITE@ %s</title></head><body><p>%s page of @SITE@</p></body></html>\n' "$p" "$p" >"$work/glimmer/tmpl/$p.html.in"
    done
    pin_mtimes "$work/glimmer/tmpl" "$H6_SDE"
    printf '.RECIPEPREFIX = >\nPAGES := $(patsubst tmpl/%%.html.in,site/%%.html,$(sort $(wildcard tmpl/*.html.in)))\nall: $(PAGES)\nsite/%%.html: tmpl/%%.html.in\n> @mkdir -p site\n> sed "s/@SITE@/Glimmerhaven/g" $< >$@\n' >"$work/glimmer/Makefile"
    make -s -C "$work/glimmer"
    (cd "$work/glimmer" && find site | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h6-cpio-render-later timestamp

pair h6-cpio-bin-owned # cpio without -R: the tree written by root, then by the user bin
for s in a b; do
    fresh "$shm/marram-bin"
    chmod 777 "$shm/marram-bin"
    if [ $s = a ]; then
        marram_tree "$shm/marram-bin/tree"
    else
        as_user bin bash -c "$(declare -f fresh marram_tree); marram_tree '$shm/marram-bin/tree'"
    fi
    pin_mtimes "$shm/marram-bin/tree" "$H6_SDE"
    (cd "$shm/marram-bin/tree" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) >"$P/$s.cpio"
done
label h6-cpio-bin-owned user-group

pair h6-cpiogz-level # an initramfs-like cpio, gzip -1 then gzip -9
marram_tree "$work/marram"
seq 1 12000 | awk '{ printf "reading %06d wind=%d sand=%d tide=%d\n", $1, ($1 * 37) % 61, ($1 * 11) % 29, ($1 * 7) % 13 }' >"$work/marram/usr/share/marram/history.log"
pin_mtimes "$work/marram" "$H6_SDE"
for s in a b; do
    (cd "$work/marram" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n "$(h6_pick $s -1 -9)" >"$P/$s.cpio.gz"
done
label h6-cpiogz-level compression

pair h6-man-ptbr-later # two factors: the man page's date, two days later and under pt_BR.UTF-8
for s in a b; do
    fresh "$work/tessera"
    printf '.TH TESSERA 1 "@DATE@" "tessera 1.8" "Mosaic tools"\n.SH NAME\ntessera \\- lay out mosaic tiles\n.SH SYNOPSIS\n.B tessera\n.RI [ PATTERN ]\n' >"$work/tessera/tessera.1.in"
    printf '.RECIPEPREFIX = >\ntessera.1: tessera.1.in\n> sed "s/@DATE@/$$(date "+%%-d %%B %%Y")/" $< >$@\n' >"$work/tessera/Makefile"
    if [ $s = a ]; then
        LC_ALL=C faketime "@$H6_T1" make -s -C "$work/tessera"
    else
        env LOCPATH="$work/locales" LC_ALL=pt_BR.UTF-8 faketime "@$H6_T2" make -s -C "$work/tessera"
    fi
    gzip -n -9 "$work/tessera/tessera.1"
    cp "$work/tessera/tessera.1.gz" "$P/$s.1.gz"
done
label h6-man-ptbr-later timestamp+locale
