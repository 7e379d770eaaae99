# The seventh held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# A judge of the explainer, written without reading the explainer (crates/), its tests, its
# documentation or the earlier held-out halves: its own projects, directories, host names, users,
# dates, time zones and locales (Czech, Danish and Finnish), built with the same kinds of tools as
# the dev half. Its pairs were checked only with cmp, listing tools and by reasoning, never with
# the explainer. The explainer's developer does not open this file before its one scoring run.
#
# 40 pairs: 34 single-cause and 6 two-cause.
# Single-cause, per label: timestamp 5, build-path 4, timezone 3, user-group 3, file-order 3,
# locale 3, hostname 3, randomness 2, compression 2, permissions 2, content 2, input-version 1,
# build-id 1.
# Two-cause, one pair each: hostname+locale, timezone+user-group, build-path+compression,
# file-order+permissions, randomness+timestamp, input-version+hostname.

H7_T1=1750147205  # 2025-06-17 08:00:05 UTC: the first build of a time-varied pair
H7_T2=1754163425  # 2025-08-02 19:37:05 UTC: a later build, weeks after
H7_T3=1750159205  # 2025-06-17 11:20:05 UTC: a later build, the same day
H7_SDE=1748584800 # 2025-05-30 06:00:00 UTC: SOURCE_DATE_EPOCH where time is pinned

# Three locales, compiled side by side.
locale_def cs_CZ &
locale_def da_DK &
locale_def fi_FI &
wait
for l in cs_CZ da_DK fi_FI; do
    [ -d "$work/locales/$l.UTF-8" ] || die "localedef cannot compile $l.UTF-8 (Debian package locales)"
done
H7_LOC=$work/locales

# h7_as USER DIR CMD...: DIR handed to USER (the build account's checkout), CMD run there as USER.
h7_as() {
    local u=$1 d=$2
    shift 2
    chown -R "$u:$u" "$d"
    as_user "$u" env PATH="$PATH" "$@"
}

##############################################################################################
# C projects (make and gcc).

# A command-line tool whose Makefile generates stamp.h by running tools/stamp.sh (the project's
# own script, SCRIPT: it prints one line, the C string literal of STAMP): DIR NAME VERSION SCRIPT
h7_stamped_src() {
    local d=$1 name=$2 v=$3 script=$4
    fresh "$d"
    mkdir -p "$d/tools"
    printf '#!/bin/sh\n# Prints the stamp compiled into %s.\nset -e\n%s\n' "$name" "$script" >"$d/tools/stamp.sh"
    cat >"$d/$name.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char about[] =
#include "stamp.h"
    ;

static unsigned long fold(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--about") == 0) {
        printf("$name $v\\n%s\\n", about);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%-24s %08lx\\n", argv[i], fold(argv[i]) & 0xffffffffUL);
    return argc > 1 ? EXIT_SUCCESS : EXIT_FAILURE;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
CFLAGS = -O2 -Wall

$name: $name.c stamp.h
> gcc \$(CFLAGS) -o \$@ $name.c

stamp.h: tools/stamp.sh
> sh tools/stamp.sh >\$@
EOF
}

# libquernstone: a small statistics library, built as a shared object. VARIANT fixed: the
# off-by-one that skipped the first sample is fixed. CFLAGS and LDFLAGS are make variables.
h7_quern_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    cat >"$d/quern.h" <<'EOF'
#ifndef QUERN_H
#define QUERN_H
#include <stddef.h>
double quern_mean(const double *v, size_t n);
double quern_peak(const double *v, size_t n);
size_t quern_count_above(const double *v, size_t n, double limit);
#endif
EOF
    cat >"$d/quern.c" <<'EOF'
#include "quern.h"

double quern_mean(const double *v, size_t n)
{
    double s = 0.0;
    if (n == 0)
        return 0.0;
    for (size_t i = 1; i < n; i++)
        s += v[i];
    return s / (double)n;
}

double quern_peak(const double *v, size_t n)
{
    double p = n ? v[0] : 0.0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > p)
            p = v[i];
    return p;
}

size_t quern_count_above(const double *v, size_t n, double limit)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += v[i] > limit;
    return c;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i '0,/for (size_t i = 1; i < n; i++)/s//for (size_t i = 0; i < n; i++)/' "$d/quern.c"
    fi
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -Wall
LDFLAGS =

libquernstone.so.1: quern.c quern.h
> gcc $(CFLAGS) -fPIC -shared -Wl,-soname,libquernstone.so.1 $(LDFLAGS) -o $@ quern.c
EOF
}

# libheliograph: a shared library that reports when it was compiled (__DATE__, __TIME__).
h7_helio_src() {
    fresh "$1"
    cat >"$1/heliograph.c" <<'EOF'
#include <math.h>

static const char helio_ident[] = "libheliograph 0.7.3, compiled " __DATE__ " at " __TIME__;

const char *helio_ident_string(void)
{
    return helio_ident;
}

double helio_elevation(double lat_deg, double decl_deg, double hour_angle_deg)
{
    const double r = 3.14159265358979323846 / 180.0;
    double s = sin(lat_deg * r) * sin(decl_deg * r) + cos(lat_deg * r) * cos(decl_deg * r) * cos(hour_angle_deg * r);
    return asin(s) / r;
}
EOF
    printf '.RECIPEPREFIX = >\nlibheliograph.so.0: heliograph.c\n> gcc -O2 -fPIC -shared -Wl,-soname,$@ -o $@ heliograph.c -lm\n' >"$1/Makefile"
}

# libbrassica: a static library whose error macro logs __FILE__; its Makefile compiles absolute
# source paths, so __FILE__ is the checkout's absolute path.
h7_brassica_src() {
    local d=$1
    fresh "$d"
    mkdir -p "$d/src" "$d/include"
    cat >"$d/include/brassica.h" <<'EOF'
#ifndef BRASSICA_H
#define BRASSICA_H
#include <stddef.h>
void brassica_log(const char *file, int line, const char *what);
#define BRASSICA_FAIL(what) brassica_log(__FILE__, __LINE__, what)
int brassica_parse_row(const char *line, double *cells, size_t max);
int brassica_sum_rows(const char *const *rows, size_t n, double *total);
#endif
EOF
    cat >"$d/src/log.c" <<'EOF'
#include <stdio.h>
#include "brassica.h"

void brassica_log(const char *file, int line, const char *what)
{
    fprintf(stderr, "brassica: %s (%s:%d)\n", what, file, line);
}
EOF
    cat >"$d/src/row.c" <<'EOF'
#include <stdlib.h>
#include "brassica.h"

int brassica_parse_row(const char *line, double *cells, size_t max)
{
    size_t n = 0;
    char *end;
    while (*line && n < max) {
        cells[n] = strtod(line, &end);
        if (end == line) {
            BRASSICA_FAIL("not a number in a row");
            return -1;
        }
        n++;
        line = *end == ';' ? end + 1 : end;
    }
    return (int)n;
}

int brassica_sum_rows(const char *const *rows, size_t n, double *total)
{
    double cells[64];
    *total = 0.0;
    for (size_t r = 0; r < n; r++) {
        int k = brassica_parse_row(rows[r], cells, 64);
        if (k < 0) {
            BRASSICA_FAIL("row skipped");
            continue;
        }
        for (int i = 0; i < k; i++)
            *total += cells[i];
    }
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -Wall -I$(CURDIR)/include
OBJS = log.o row.o

libbrassica.a: $(OBJS)
> ar rcD $@ $(OBJS)

%.o: $(CURDIR)/src/%.c
> gcc $(CFLAGS) -c -o $@ $<
EOF
}

# glyphmux: a converter whose codec table and link order come from `find codecs` (readdir
# order, not sorted). ORDER: the order in which the checkout wrote the codec sources.
h7_glyphmux_src() {
    local d=$1 order=$2 c
    fresh "$d"
    mkdir -p "$d/codecs"
    for c in $order; do
        cat >"$d/codecs/$c.c" <<EOF
#include <stdio.h>
int codec_$c(const char *in)
{
    return printf("[$c] %s\\n", in) < 0;
}
EOF
    done
    cat >"$d/glyphmux.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "codecs.h"

int main(int argc, char **argv)
{
    size_t n = sizeof codec_table / sizeof codec_table[0];
    for (size_t i = 0; i < n; i++)
        if (argc < 2 || strcmp(argv[1], codec_table[i].name) == 0)
            codec_table[i].run(argc > 2 ? argv[2] : "sample");
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CODECS := $(shell find codecs -name '*.c')

glyphmux: glyphmux.c codecs.h $(CODECS)
> gcc -O2 -o $@ glyphmux.c $(CODECS)

codecs.h: $(CODECS)
> { for c in $(basename $(notdir $(CODECS))); do echo "int codec_$$c(const char *);"; done; \
    echo 'static const struct { const char *name; int (*run)(const char *); } codec_table[] = {'; \
    for c in $(basename $(notdir $(CODECS))); do echo "    { \"$$c\", codec_$$c },"; done; \
    echo '};'; } >$@
EOF
}

# sealwright: a signer with a per-build random salt (16 bytes of /dev/urandom in salt.h).
h7_sealwright_src() {
    fresh "$1"
    cat >"$1/sealwright.c" <<'EOF'
#include <stdio.h>
#include "salt.h"

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        unsigned char acc = 0;
        for (const char *p = argv[i]; *p; p++)
            acc = (unsigned char)((acc << 1 | acc >> 7) ^ (unsigned char)*p ^ seal_salt[(p - argv[i]) % sizeof seal_salt]);
        printf("%s: seal %02x\n", argv[i], acc);
    }
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
sealwright: sealwright.c salt.h
> gcc -O2 -o $@ sealwright.c

salt.h:
> { printf 'static const unsigned char seal_salt[16] = {'; \
    od -An -tx1 -N16 /dev/urandom | tr -s ' \n' '  ' | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1, /g'; \
    echo '};'; } >$@
EOF
}

# ospreyd: a daemon linked against its own libosprey.so, with the build tree's library directory
# as its run path (-Wl,-rpath,$(CURDIR)/build/lib), packaged as a .deb: DIR OUT.deb
h7_osprey_deb() {
    local d=$1 deb=$2
    fresh "$d"
    mkdir -p "$d/lib"
    cat >"$d/lib/osprey.c" <<'EOF'
#include <string.h>
int osprey_frame_ok(const char *frame)
{
    size_t n = strlen(frame);
    return n > 2 && frame[0] == '<' && frame[n - 1] == '>';
}
EOF
    cat >"$d/ospreyd.c" <<'EOF'
#include <stdio.h>
int osprey_frame_ok(const char *frame);

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++)
        if (!osprey_frame_ok(argv[i])) {
            fprintf(stderr, "ospreyd: rejected frame %s\n", argv[i]);
            bad++;
        }
    return bad != 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
all: ospreyd

build/lib/libosprey.so: lib/osprey.c
> mkdir -p build/lib
> gcc -O2 -fPIC -shared -Wl,-soname,libosprey.so -o $@ $<

ospreyd: ospreyd.c build/lib/libosprey.so
> gcc -O2 -o $@ ospreyd.c -Lbuild/lib -losprey -Wl,-rpath,$(CURDIR)/build/lib
EOF
    make -s -C "$d"
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/sbin" "$d/pkg/usr/lib/ospreyd"
    cp "$d/ospreyd" "$d/pkg/usr/sbin/ospreyd"
    cp "$d/build/lib/libosprey.so" "$d/pkg/usr/lib/ospreyd/libosprey.so"
    cat >"$d/pkg/DEBIAN/control" <<'EOF'
Package: ospreyd
Version: 0.12.0-2
Architecture: amd64
Maintainer: Osprey Packaging <ospreyd@pkg.riverline.example>
Depends: libc6 (>= 2.34)
Section: net
Priority: optional
Description: frame checker daemon
 ospreyd accepts or rejects framed telemetry messages.
EOF
    dpkg-deb --build --root-owner-group -Zxz "$d/pkg" "$deb" >/dev/null
}

# cormorant-tools: a shell tool whose man page (generated by make) records the build's host name
# in its footer; packaged as a .deb with the man page gzipped (-n): DIR OUT.deb
h7_cormorant_deb() {
    local d=$1 deb=$2
    fresh "$d"
    cat >"$d/cormorant" <<'EOF'
#!/bin/sh
# cormorant: list the dives (lines starting with DIVE) of a log file.
exec grep -n '^DIVE' "${1:--}"
EOF
    cat >"$d/cormorant.1.in" <<'EOF'
.TH CORMORANT 1 "May 2025" "cormorant-tools 1.0 (@BUILDHOST@)" "User Commands"
.SH NAME
cormorant \- list the dives in a dive log
.SH SYNOPSIS
.B cormorant
.RI [ LOGFILE ]
.SH DESCRIPTION
Prints every line of LOGFILE (or the standard input) that starts with DIVE, with its number.
.SH COLOPHON
This page was generated on @BUILDHOST@.
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
cormorant.1.gz: cormorant.1.in
> sed "s/@BUILDHOST@/$$(uname -n)/g" $< >cormorant.1
> gzip -9n -f cormorant.1
EOF
    make -s -C "$d"
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/pkg/usr/share/man/man1"
    install -m 755 "$d/cormorant" "$d/pkg/usr/bin/cormorant"
    install -m 644 "$d/cormorant.1.gz" "$d/pkg/usr/share/man/man1/cormorant.1.gz"
    cat >"$d/pkg/DEBIAN/control" <<'EOF'
Package: cormorant-tools
Version: 1.0-1
Architecture: all
Maintainer: Cormorant Divers Club <tools@cormorant-divers.example>
Section: utils
Priority: optional
Description: dive log helpers
 cormorant lists the dives recorded in a dive computer's log.
EOF
    dpkg-deb --build --root-owner-group -Zxz "$d/pkg" "$deb" >/dev/null
}

# gullwing: a C tool at upstream VERSION, packaged as gullwing VERSION-1 with a BUILDINFO file
# naming the build host: DIR OUT.deb VERSION
h7_gullwing_deb() {
    local d=$1 deb=$2 v=$3
    fresh "$d"
    cat >"$d/gullwing.c" <<EOF
#include <stdio.h>
#include <string.h>
#define GULLWING_VERSION "$v"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("gullwing " GULLWING_VERSION);
        return 0;
    }
    double lift = 0.0;
    for (int i = 1; i < argc; i++)
        lift += (double)strlen(argv[i]) * 0.5;
    printf("lift %.2f\\n", lift);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\ngullwing: gullwing.c\n> gcc -O2 -o $@ gullwing.c\n' >"$d/Makefile"
    make -s -C "$d"
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/pkg/usr/share/doc/gullwing"
    cp "$d/gullwing" "$d/pkg/usr/bin/gullwing"
    printf 'Source: gullwing\nVersion: %s-1\nBuild-Architecture: amd64\nBuild-Host: %s\n' "$v" "$(uname -n)" >"$d/pkg/usr/share/doc/gullwing/BUILDINFO"
    cat >"$d/pkg/DEBIAN/control" <<EOF
Package: gullwing
Version: $v-1
Architecture: amd64
Maintainer: Gullwing Developers <dev@gullwing.example>
Depends: libc6 (>= 2.34)
Section: science
Priority: optional
Description: wing lift estimates
 gullwing prints rough lift estimates for its arguments.
EOF
    dpkg-deb --build --root-owner-group -Zxz "$d/pkg" "$deb" >/dev/null
}

##############################################################################################
# Python packages (Debian's python3; setuptools and wheel).

# A package DIR/NAME at VERSION with a setup.py; PRELUDE is Python run by setup.py before
# setup() (it may write NAME/buildinfo files, shipped as package data). Sources pinned to H7_SDE.
h7_pypkg_src() {
    local d=$1 name=$2 v=$3 prelude=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    printf '"""%s: field notes helpers."""\n__version__ = "%s"\n' "$name" "$v" >"$d/$name/__init__.py"
    cat >"$d/$name/tally.py" <<'EOF'
import sys
from collections import Counter


def tally(lines):
    counts = Counter()
    for line in lines:
        word = line.strip().split(" ", 1)[0]
        if word:
            counts[word.lower()] += 1
    return counts


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for path in argv:
        with open(path, encoding="utf-8") as f:
            for word, n in tally(f).most_common(10):
                print(f"{n:6d} {word}")
    return 0
EOF
    {
        echo 'from setuptools import setup'
        printf '%s\n' "$prelude"
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name: field notes helpers",
    author="Field Notes Collective",
    packages=["$name"],
    package_data={"$name": ["*.json", "*.yaml", "*.ini"]},
    entry_points={"console_scripts": ["$name=$name.tally:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$H7_SDE"
}

# h7_wheel DIR: setup.py bdist_wheel into DIR/dist (quietly).
h7_wheel() { (cd "$1" && "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1) || die "bdist_wheel failed in $1"; }

##############################################################################################
# gettext: a catalog made by msginit (--no-translator: PO-Revision-Date is the build's time, in
# the build's time zone) and filled from the translators' compendium with msgmerge -C.
# DIR PROJECT LANG(ll_CC) then the compendium's msgid/msgstr pairs on stdin.
h7_gettext_src() {
    local d=$1 proj=$2 lang=$3
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/ui.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

void show_menu(void)
{
    puts(_("Tide table"));
    puts(_("Mooring fees"));
    puts(_("Harbour office closed"));
}
EOF
    {
        printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        cat
    } >"$d/po/compendium.po"
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
${lang%_*}.mo: po/$proj.pot po/compendium.po
> msginit --no-translator -l $lang -i po/$proj.pot -o po/fresh.po >/dev/null 2>&1
> msgmerge -q -C po/compendium.po -o po/${lang%_*}.po po/fresh.po po/$proj.pot
> msgfmt -o \$@ po/${lang%_*}.po

po/$proj.pot: src/ui.c
> xgettext -k_ --package-name=$proj --package-version=2.4 --msgid-bugs-address=po@$proj.example -o \$@ src/ui.c
EOF
}

##############################################################################################
# Trees for images and archives.

# h7_tree DIR KIND: a small tree of one of several kinds (text files, a script).
h7_tree() {
    local d=$1 kind=$2
    fresh "$d"
    case $kind in
    heron)
        mkdir -p "$d/etc/heron" "$d/usr/share/heron" "$d/usr/libexec/heron"
        printf 'PRETTY_NAME="HeronOS 5 (Shoreline)"\nID=heronos\nVERSION_ID=5\n' >"$d/etc/os-release"
        printf '[display]\nbrightness = 70\nsleep_after = 300\n' >"$d/etc/heron/panel.ini"
        printf '#!/bin/sh\nexec /usr/libexec/heron/panel --config /etc/heron/panel.ini "$@"\n' >"$d/usr/libexec/heron/launch"
        chmod 755 "$d/usr/libexec/heron/launch"
        printf 'Welcome to the HeronOS marsh station.\n' >"$d/usr/share/heron/motd"
        ;;
    moraine)
        mkdir -p "$d/survey/2024" "$d/survey/2025" "$d/bin"
        for y in 2024 2025; do
            for s in north cirque terminal lateral; do
                seq 1 40 | awk -v s=$s -v y=$y '{ printf "%s-%s,%d,%.3f,%.1f\n", s, y, $1, 1000 + $1 * 0.731, ($1 * 37) % 101 }' >"$d/survey/$y/$s.csv"
            done
        done
        printf '#!/bin/sh\n# moraine-sum: sum the last column of the survey files\nawk -F, "{ s += \\$4 } END { print s }" "$@"\n' >"$d/bin/moraine-sum"
        chmod 755 "$d/bin/moraine-sum"
        ;;
    bracken)
        mkdir -p "$d/boot" "$d/live" "$d/docs"
        printf 'set timeout=5\nmenuentry "Bracken Live" { linux /live/vmlinuz boot=live quiet }\n' >"$d/boot/grub.cfg"
        printf 'bracken-live squashfs placeholder\n' >"$d/live/filesystem.info"
        printf '#!/bin/sh\necho "Bracken Live rescue shell"\nexec /bin/sh\n' >"$d/live/rescue"
        chmod 755 "$d/live/rescue"
        printf 'Bracken Live 2.0: a rescue system for fern-covered hillsides.\n' >"$d/docs/README.txt"
        ;;
    tarn)
        mkdir -p "$d/.disk" "$d/isolinux" "$d/pool"
        printf 'Tarn Live 1.1 "Still Water" - amd64\n' >"$d/.disk/info"
        printf 'default tarn\nlabel tarn\n  kernel /isolinux/vmlinuz\n' >"$d/isolinux/isolinux.cfg"
        printf 'tarnlive-base 1.1\ntarnlive-tools 1.1\n' >"$d/pool/manifest"
        ;;
    lichen)
        mkdir -p "$d/lichen-atlas/plates" "$d/lichen-atlas/text"
        for p in cladonia usnea xanthoria peltigera; do
            printf 'Plate: %s\nHabitat notes for %s, collected on the northern transect.\n' "$p" "$p" >"$d/lichen-atlas/plates/$p.txt"
        done
        printf 'Lichen Atlas of the Upper Valley, second printing.\n' >"$d/lichen-atlas/text/preface.txt"
        ;;
    wrack)
        mkdir -p "$d/wrackline/bin" "$d/wrackline/share"
        printf '#!/bin/sh\n# wrackline: print the high-water lines of a tide log\nsort -t, -k3 -nr "$1" | head -n "${2:-5}"\n' >"$d/wrackline/bin/wrackline"
        chmod 755 "$d/wrackline/bin/wrackline"
        printf 'date,station,height_cm\n2025-05-01,Kelp Point,412\n2025-05-02,Kelp Point,398\n' >"$d/wrackline/share/sample.csv"
        printf 'wrackline 0.3: high-water marks from tide logs.\n' >"$d/wrackline/README"
        ;;
    ptarmigan)
        mkdir -p "$d/ptarmigan/conf" "$d/ptarmigan/scripts"
        printf 'listen = 0.0.0.0:7311\nspool = /var/spool/ptarmigan\n' >"$d/ptarmigan/conf/ptarmigan.conf"
        printf '#!/bin/sh\n# rotate the ptarmigan spool\nfind /var/spool/ptarmigan -mtime +14 -delete\n' >"$d/ptarmigan/scripts/rotate-spool"
        chmod 755 "$d/ptarmigan/scripts/rotate-spool"
        printf 'Ptarmigan relay, field deployment kit.\n' >"$d/ptarmigan/README"
        ;;
    *) die "h7_tree: unknown kind $kind" ;;
    esac
}

##############################################################################################
# Pairs: C.

pair h7-c-so-debugpath # -g shared object built in a shallow checkout, then a deep CI workspace
for s in a b; do
    d=$work/quernstone
    [ $s = b ] && d=$work/home/ci/agent-7/_work/quernstone/quernstone-1.4
    h7_quern_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g -Wall"
    cp "$d/libquernstone.so.1" "$P/$s.so"
done
label h7-c-so-debugpath build-path

pair h7-c-static-filelog # static library, absolute __FILE__ in its error macro, two checkouts
for s in a b; do
    d=$work/bra
    [ $s = b ] && d=$work/opt/builds/brassica-trunk
    h7_brassica_src "$d"
    make -s -C "$d"
    cp "$d/libbrassica.a" "$P/$s.a"
done
label h7-c-static-filelog build-path

pair h7-c-so-datetime # __DATE__/__TIME__ in a shared library, built again weeks later
for s in a b; do
    h7_helio_src "$work/heliograph"
    pin_mtimes "$work/heliograph" "$H7_SDE"
    ft "$([ $s = a ] && echo $H7_T1 || echo $H7_T2)" make -s -C "$work/heliograph"
    cp "$work/heliograph/libheliograph.so.0" "$P/$s.so"
done
label h7-c-so-datetime timestamp

pair h7-c-epoch-stamp # the build's Unix time (date +%s) in the about text, built hours later
for s in a b; do
    h7_stamped_src "$work/pollenctl" pollenctl 2.2 'printf '"'"'"compiled at unix time %s"\n'"'"' "$(date +%s)"'
    pin_mtimes "$work/pollenctl" "$H7_SDE"
    ft "$([ $s = a ] && echo $H7_T1 || echo $H7_T3)" make -s -C "$work/pollenctl"
    cp "$work/pollenctl/pollenctl" "$P/$s.out"
done
label h7-c-epoch-stamp timestamp

pair h7-c-tz-stamp # SOURCE_DATE_EPOCH printed in local time with its offset: UTC, then Asia/Yangon
for s in a b; do
    h7_stamped_src "$work/tidewatch" tidewatch 1.0 'printf '"'"'"source date %s"\n'"'"' "$(date -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%S%:z)"'
    SOURCE_DATE_EPOCH=$H7_SDE TZ="$([ $s = a ] && echo UTC || echo Asia/Yangon)" make -s -C "$work/tidewatch"
    cp "$work/tidewatch/tidewatch" "$P/$s.out"
done
label h7-c-tz-stamp timezone

pair h7-c-packager-user # the build account (id -un, id -u) in the about text: news, then uucp
for s in a b; do
    h7_stamped_src "$work/parcelsort" parcelsort 3.1 'printf '"'"'"packager: %s (uid %s)"\n'"'"' "$(id -un)" "$(id -u)"'
    h7_as "$([ $s = a ] && echo news || echo uucp)" "$work/parcelsort" make -s -C "$work/parcelsort"
    cp "$work/parcelsort/parcelsort" "$P/$s.out"
done
label h7-c-packager-user user-group

pair h7-c-monthname # SOURCE_DATE_EPOCH as a long date (day and month names): C, then cs_CZ
for s in a b; do
    h7_stamped_src "$work/almanack" almanack 0.5 'printf '"'"'"edition of %s"\n'"'"' "$(date -d "@$SOURCE_DATE_EPOCH" "+%A %-d. %B %Y")"'
    SOURCE_DATE_EPOCH=$H7_SDE LOCPATH=$H7_LOC LC_ALL="$([ $s = a ] && echo C || echo cs_CZ.UTF-8)" make -s -C "$work/almanack"
    cp "$work/almanack/almanack" "$P/$s.out"
done
label h7-c-monthname locale

pair h7-c-fqdn-host # uname -n (a fully qualified name) in the about text, built on two machines
for s in a b; do
    h7_stamped_src "$work/orbitcheck" orbitcheck 4.0 'printf '"'"'"build machine %s"\n'"'"' "$(uname -n)"'
    on_host "$([ $s = a ] && echo kestrel.build.ostara.example || echo wren-2.build.ostara.example)" make -s -C "$work/orbitcheck"
    cp "$work/orbitcheck/orbitcheck" "$P/$s.out"
done
label h7-c-fqdn-host hostname

pair h7-c-find-order # codec table and link order from find(1) (readdir), two checkouts on tmpfs
for s in a b; do
    o="utf7 base85 quoted rot47 punycode"
    [ $s = b ] && o="punycode rot47 utf7 quoted base85"
    h7_glyphmux_src "$shm/glyphmux" "$o"
    make -s -C "$shm/glyphmux"
    cp "$shm/glyphmux/glyphmux" "$P/$s.out"
done
label h7-c-find-order file-order

pair h7-c-random-salt # a 16-byte salt from /dev/urandom compiled in, built twice
for s in a b; do
    h7_sealwright_src "$work/sealwright"
    make -s -C "$work/sealwright"
    cp "$work/sealwright/sealwright" "$P/$s.out"
done
label h7-c-random-salt randomness

pair h7-c-so-buildid # shared object linked with --build-id=uuid, linked twice
for s in a b; do
    h7_quern_src "$work/quernstone"
    make -s -C "$work/quernstone" LDFLAGS=-Wl,--build-id=uuid
    cp "$work/quernstone/libquernstone.so.1" "$P/$s.so"
done
label h7-c-so-buildid build-id

pair h7-c-so-bugfix # a real change: the mean no longer skips the first sample
for s in a b; do
    h7_quern_src "$work/quernstone" "$([ $s = b ] && echo fixed)"
    make -s -C "$work/quernstone"
    cp "$work/quernstone/libquernstone.so.1" "$P/$s.so"
done
label h7-c-so-bugfix content

pair h7-c-host-locale # two factors: uname -n and a locale's date format (%x, %c); other host, fi_FI
for s in a b; do
    h7_stamped_src "$work/ledgerfox" ledgerfox 1.9 'printf '"'"'"host %s, dated %s (%s)"\n'"'"' "$(uname -n)" "$(date -d "@$SOURCE_DATE_EPOCH" +%x)" "$(date -d "@$SOURCE_DATE_EPOCH" +%c)"'
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H7_SDE on_host mossbank make -s -C "$work/ledgerfox"
    else
        SOURCE_DATE_EPOCH=$H7_SDE on_host tarnview-9 env LOCPATH="$H7_LOC" LC_ALL=fi_FI.UTF-8 make -s -C "$work/ledgerfox"
    fi
    cp "$work/ledgerfox/ledgerfox" "$P/$s.out"
done
label h7-c-host-locale hostname+locale

##############################################################################################
# Pairs: Python byte code, wheels, sdists.

pair h7-pyc-paths # compileall (SOURCE_DATE_EPOCH: checked-hash pycs) in two directories
for s in a b; do
    d=$work/fernquill
    [ $s = b ] && d=$work/var/lib/jenkins/workspace/fernquill-release/src
    h7_pypkg_src "$d" fernquill 1.2
    SOURCE_DATE_EPOCH=$H7_SDE "$PY" -m compileall -q "$d/fernquill" >/dev/null
    cp "$d/fernquill/__pycache__/tally.cpython-"*.pyc "$P/$s.pyc"
done
label h7-pyc-paths build-path

pair h7-pyc-sleep # compileall without SOURCE_DATE_EPOCH of a fresh checkout, really a second later
for s in a b; do
    [ $s = b ] && sleep 1
    d=$work/puffinlog
    fresh "$d"
    mkdir -p "$d/puffinlog"
    printf '"""puffinlog: burrow counts."""\n\n\ndef burrows(rows):\n    return sum(int(r.split(",")[1]) for r in rows if r.strip())\n' >"$d/puffinlog/burrows.py"
    "$PY" -m compileall -q "$d/puffinlog" >/dev/null
    cp "$d/puffinlog/__pycache__/burrows.cpython-"*.pyc "$P/$s.pyc"
done
label h7-pyc-sleep timestamp

pair h7-pyc-fix # a real change: a comparison fixed in the module
for s in a b; do
    h7_pypkg_src "$work/gannetcalc" gannetcalc 0.8
    [ $s = b ] && sed -i 's/if word:/if word and not word.startswith("#"):/' "$work/gannetcalc/gannetcalc/tally.py"
    SOURCE_DATE_EPOCH=$H7_SDE "$PY" -m compileall -q "$work/gannetcalc/gannetcalc" >/dev/null
    cp "$work/gannetcalc/gannetcalc/__pycache__/tally.cpython-"*.pyc "$P/$s.pyc"
done
label h7-pyc-fix content

pair h7-whl-version # the project's version bumped from 0.9.1 to 0.9.2
for s in a b; do
    v=0.9.1
    [ $s = b ] && v=0.9.2
    h7_pypkg_src "$work/kelpstat" kelpstat "$v"
    SOURCE_DATE_EPOCH=$H7_SDE h7_wheel "$work/kelpstat"
    cp "$work/kelpstat/dist/kelpstat-$v-py3-none-any.whl" "$P/$s.whl"
done
label h7-whl-version input-version

h7_prelude_host='import json, socket
with open("skerrylink/build.json", "w") as f:
    json.dump({"project": "skerrylink", "build_host": socket.gethostname(), "python": "3"}, f, indent=2)
    f.write("\n")'
pair h7-whl-hostjson # setup.py writes the host name into a JSON file of the wheel; two machines
for s in a b; do
    h7_pypkg_src "$work/skerrylink" skerrylink 2.0.0 "$h7_prelude_host"
    SOURCE_DATE_EPOCH=$H7_SDE on_host "$([ $s = a ] && echo pier-04 || echo lighthouse)" \
        bash -c "cd '$work/skerrylink' && '$PY' setup.py -q bdist_wheel -d dist >/dev/null 2>&1"
    cp "$work/skerrylink/dist/skerrylink-2.0.0-py3-none-any.whl" "$P/$s.whl"
done
label h7-whl-hostjson hostname

h7_prelude_user='import getpass
with open("peatbog/build.yaml", "w") as f:
    f.write("package: peatbog\nbuilt_by: %s\n" % getpass.getuser())'
pair h7-whl-builder # setup.py writes the build account into a YAML file: built by proxy, then news
for s in a b; do
    h7_pypkg_src "$work/peatbog" peatbog 1.0.4 "$h7_prelude_user"
    h7_as "$([ $s = a ] && echo proxy || echo news)" "$work/peatbog" SOURCE_DATE_EPOCH=$H7_SDE \
        bash -c "cd '$work/peatbog' && '$PY' setup.py -q bdist_wheel -d dist >/dev/null 2>&1"
    cp "$work/peatbog/dist/peatbog-1.0.4-py3-none-any.whl" "$P/$s.whl"
done
label h7-whl-builder user-group

h7_prelude_listdir='import os
names = [n[:-3] for n in os.listdir("mycelium/handlers") if n.endswith(".py") and n != "__init__.py"]
with open("mycelium/registry.py", "w") as f:
    f.write("HANDLERS = [\n" + "".join("    %r,\n" % n for n in names) + "]\n")'
pair h7-whl-listdir # setup.py lists its handlers with os.listdir (readdir), two checkouts on tmpfs
for s in a b; do
    o="spores hyphae fruiting rhizomorph sclerotia"
    [ $s = b ] && o="sclerotia fruiting spores rhizomorph hyphae"
    h7_pypkg_src "$shm/mycelium" mycelium 0.3.0 "$h7_prelude_listdir"
    sed -i 's/packages=\["mycelium"\]/packages=["mycelium", "mycelium.handlers"]/' "$shm/mycelium/setup.py"
    mkdir -p "$shm/mycelium/mycelium/handlers"
    : >"$shm/mycelium/mycelium/handlers/__init__.py"
    for h in $o; do
        printf 'def handle(record):\n    return record.get("%s")\n' "$h" >"$shm/mycelium/mycelium/handlers/$h.py"
    done
    pin_mtimes "$shm/mycelium" "$H7_SDE"
    SOURCE_DATE_EPOCH=$H7_SDE h7_wheel "$shm/mycelium"
    cp "$shm/mycelium/dist/mycelium-0.3.0-py3-none-any.whl" "$P/$s.whl"
done
label h7-whl-listdir file-order

h7_prelude_tzuser='import getpass, os, time
when = time.localtime(int(os.environ["SOURCE_DATE_EPOCH"]))
with open("fogbell/build.ini", "w") as f:
    f.write("[build]\nuser = %s\ndate = %s\n" % (getpass.getuser(), time.strftime("%a, %d %b %Y %H:%M:%S %z", when)))'
pair h7-whl-tz-user # two factors: build.ini with the build account and local time; root in UTC, then proxy in Australia/Eucla
for s in a b; do
    h7_pypkg_src "$work/fogbell" fogbell 0.2.1 "$h7_prelude_tzuser"
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H7_SDE h7_wheel "$work/fogbell"
    else
        h7_as proxy "$work/fogbell" SOURCE_DATE_EPOCH=$H7_SDE TZ=Australia/Eucla \
            bash -c "cd '$work/fogbell' && '$PY' setup.py -q bdist_wheel -d dist >/dev/null 2>&1"
    fi
    cp "$work/fogbell/dist/fogbell-0.2.1-py3-none-any.whl" "$P/$s.whl"
done
label h7-whl-tz-user timezone+user-group

pair h7-sdist-later # setup.py sdist, weeks later (faketime): the gzip header's and members' times
for s in a b; do
    h7_pypkg_src "$work/driftwood" driftwood 3.3
    (cd "$work/driftwood" && ft "$([ $s = a ] && echo $H7_T1 || echo $H7_T2)" "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/driftwood/dist/driftwood-3.3.tar.gz" "$P/$s.tar.gz"
done
label h7-sdist-later timestamp

##############################################################################################
# Pairs: gettext.

pair h7-mo-later # msginit a few hours later: the Dutch catalog's PO-Revision-Date
for s in a b; do
    h7_gettext_src "$work/lanternfish" lanternfish nl_NL <<'EOF'
msgid "Tide table"
msgstr "Getijdentabel"

msgid "Mooring fees"
msgstr "Ligplaatsgelden"

msgid "Harbour office closed"
msgstr "Havenkantoor gesloten"
EOF
    pin_mtimes "$work/lanternfish" "$H7_SDE"
    ft "$([ $s = a ] && echo $H7_T1 || echo $H7_T3)" make -s -C "$work/lanternfish"
    cp "$work/lanternfish/nl.mo" "$P/$s.mo"
done
label h7-mo-later timestamp

pair h7-mo-tz # msginit at the same moment in UTC, then in Pacific/Chatham (+12:45)
for s in a b; do
    h7_gettext_src "$work/quayside" quayside fi_FI <<'EOF'
msgid "Tide table"
msgstr "Vuorovesitaulukko"

msgid "Mooring fees"
msgstr "Kiinnitysmaksut"

msgid "Harbour office closed"
msgstr "Satamakonttori on suljettu"
EOF
    pin_mtimes "$work/quayside" "$H7_SDE"
    TZ="$([ $s = a ] && echo UTC || echo Pacific/Chatham)" ft "$H7_T1" make -s -C "$work/quayside"
    cp "$work/quayside/fi.mo" "$P/$s.mo"
done
label h7-mo-tz timezone

##############################################################################################
# Pairs: Debian packages (SOURCE_DATE_EPOCH set: dpkg-deb clamps mtimes to it).

pair h7-deb-rpath # the run path names the build tree: two checkouts
for s in a b; do
    d=$work/osprey
    [ $s = b ] && d=$work/home/ines/src/github.com/riverline/ospreyd
    SOURCE_DATE_EPOCH=$H7_SDE h7_osprey_deb "$d" "$P/$s.deb"
done
label h7-deb-rpath build-path

pair h7-deb-manhost # the man page's footer names the build host (gzipped inside the .deb)
for s in a b; do
    SOURCE_DATE_EPOCH=$H7_SDE on_host "$([ $s = a ] && echo ws117 || echo marram)" \
        bash -c "$(declare -f fresh h7_cormorant_deb); h7_cormorant_deb '$work/cormorant' '$P/$s.deb'"
done
label h7-deb-manhost hostname

pair h7-deb-bump-host # two factors: gullwing 3.0.1 to 3.0.2, built on another machine (BUILDINFO)
for s in a b; do
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H7_SDE on_host nimbus07 bash -c "$(declare -f fresh h7_gullwing_deb); h7_gullwing_deb '$work/gullwing' '$P/$s.deb' 3.0.1"
    else
        SOURCE_DATE_EPOCH=$H7_SDE on_host hangar-b bash -c "$(declare -f fresh h7_gullwing_deb); h7_gullwing_deb '$work/gullwing' '$P/$s.deb' 3.0.2"
    fi
done
label h7-deb-bump-host input-version+hostname

##############################################################################################
# Pairs: squashfs.

pair h7-sqfs-glossary # a glossary index sorted by sort(1) under LC_ALL=C, then da_DK.UTF-8
for s in a b; do
    d=$work/fjordwiki
    fresh "$d"
    mkdir -p "$d/fjordwiki/terms"
    for t in aalborg Aftale Bager bil Æblegrød øresund Ødegaard zebra Århus aase Cykel chalup; do
        printf '%s\n\nAn entry of the fjordwiki glossary.\n' "$t" >"$d/fjordwiki/terms/$t.txt"
    done
    (cd "$d/fjordwiki/terms" && ls | sed 's/\.txt$//' | LOCPATH=$H7_LOC LC_ALL="$([ $s = a ] && echo C || echo da_DK.UTF-8)" sort >../INDEX)
    pin_mtimes "$d" "$H7_SDE"
    mksquashfs "$d" "$P/$s.squashfs" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time "$H7_SDE" >/dev/null
done
label h7-sqfs-glossary locale

pair h7-sqfs-machineid # the image gets a fresh machine id (a random uuid without dashes)
for s in a b; do
    h7_tree "$work/heronos" heron
    tr -d '-' </proc/sys/kernel/random/uuid >"$work/heronos/etc/machine-id"
    pin_mtimes "$work/heronos" "$H7_SDE"
    mksquashfs "$work/heronos" "$P/$s.squashfs" -noappend -quiet -no-progress -comp gzip -all-root -mkfs-time "$H7_SDE" >/dev/null
done
label h7-sqfs-machineid randomness

pair h7-sqfs-lz4-zstd # the same tree with -comp lz4, then -comp zstd
h7_tree "$work/moraine" moraine
pin_mtimes "$work/moraine" "$H7_SDE"
for s in a b; do
    mksquashfs "$work/moraine" "$P/$s.squashfs" -noappend -quiet -no-progress -comp "$([ $s = a ] && echo lz4 || echo zstd)" -all-root -mkfs-time "$H7_SDE" >/dev/null
done
label h7-sqfs-lz4-zstd compression

pair h7-sqfs-pyc-path-comp # two factors: pycs compiled in two directories, imaged with gzip, then xz
for s in a b; do
    d=$work/scree
    [ $s = b ] && d=$work/mnt/data/ci/scree-nightly
    h7_pypkg_src "$d" scree 5.0
    SOURCE_DATE_EPOCH=$H7_SDE "$PY" -m compileall -q "$d/scree" >/dev/null
    pin_mtimes "$d/scree" "$H7_SDE"
    mksquashfs "$d/scree" "$P/$s.squashfs" -noappend -quiet -no-progress -comp "$([ $s = a ] && echo gzip || echo xz)" -all-root -mkfs-time "$H7_SDE" >/dev/null
done
label h7-sqfs-pyc-path-comp build-path+compression

##############################################################################################
# Pairs: ISO 9660 images.

pair h7-iso-rr-umask # Rock Ridge keeps modes: the tree written under umask 022, then 027
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 027)" && h7_tree "$work/bracken" bracken)
    pin_mtimes "$work/bracken" "$H7_SDE"
    SOURCE_DATE_EPOCH=$H7_SDE xorriso -as mkisofs -quiet -R -J -V BRACKEN_LIVE -o "$P/$s.iso" "$work/bracken" 2>/dev/null
done
label h7-iso-rr-umask permissions

pair h7-iso-rand-later # two factors: a random instance uuid on the disc, mastered weeks later
for s in a b; do
    h7_tree "$work/tarnlive" tarn
    cat /proc/sys/kernel/random/uuid >"$work/tarnlive/.disk/instance-uuid"
    pin_mtimes "$work/tarnlive" "$H7_SDE"
    ft "$([ $s = a ] && echo $H7_T1 || echo $H7_T2)" xorriso -as mkisofs -quiet -r -J -V TARNLIVE_11 -o "$P/$s.iso" "$work/tarnlive" 2>/dev/null
done
label h7-iso-rand-later randomness+timestamp

##############################################################################################
# Pairs: zip.

pair h7-zip-tz # zip -X stores local (DOS) times: TZ=UTC, then America/St_Johns
h7_tree "$work/lichen" lichen
for s in a b; do
    pin_mtimes "$work/lichen" "$H7_SDE"
    (cd "$work/lichen" && TZ="$([ $s = a ] && echo UTC || echo America/St_Johns)" zip -q -X -r "$P/$s.zip" lichen-atlas)
done
label h7-zip-tz timezone

pair h7-zip-numbers # a report whose figures are printed with printf %'.2f: LC_ALL=C, then fi_FI.UTF-8
for s in a b; do
    d=$work/sedgecount
    fresh "$d"
    mkdir -p "$d/sedgecount"
    loc=C
    [ $s = b ] && loc=fi_FI.UTF-8
    {
        printf 'sedgecount survey summary\n'
        printf "%-14s %14s\n" "Carex nigra" "$(env LOCPATH="$H7_LOC" LC_ALL=$loc printf "%'.2f" 1284533.75)"
        printf "%-14s %14s\n" "Carex rostrata" "$(env LOCPATH="$H7_LOC" LC_ALL=$loc printf "%'.2f" 20917.5)"
        printf "%-14s %14s\n" "total" "$(env LOCPATH="$H7_LOC" LC_ALL=$loc printf "%'.2f" 1305451.25)"
    } >"$d/sedgecount/summary.txt"
    printf 'Raw plots are kept by the sedgecount field team.\n' >"$d/sedgecount/README"
    pin_mtimes "$d" "$H7_SDE"
    (cd "$d" && zip -q -X -r "$P/$s.zip" sedgecount)
done
label h7-zip-numbers locale

pair h7-zip-umask # the tree written under umask 022, then 002 (zip keeps Unix modes)
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 002)" && h7_tree "$work/wrack" wrack)
    pin_mtimes "$work/wrack" "$H7_SDE"
    (cd "$work/wrack" && zip -q -X -r "$P/$s.zip" wrackline)
done
label h7-zip-umask permissions

##############################################################################################
# Pairs: tar, cpio, gzip.

pair h7-tarzst-owner # tar without --owner of a tree written by uucp, then by proxy; zstd
for s in a b; do
    fresh "$work/ptarmigan"
    chmod 777 "$work/ptarmigan"
    as_user "$([ $s = a ] && echo uucp || echo proxy)" bash -c "umask 022; $(declare -f fresh die h7_tree); h7_tree '$work/ptarmigan/root' ptarmigan"
    tar --format=gnu --sort=name --mtime="@$H7_SDE" -C "$work/ptarmigan/root" -cf - ptarmigan | zstd -q -19 -c >"$P/$s.tar.zst"
done
label h7-tarzst-owner user-group

pair h7-tarxz-order-umask # two factors: tar without --sort of two tmpfs checkouts, umask 022 then 027; xz
for s in a b; do
    o="tides.csv salinity.csv birds.csv reeds.csv silt.csv"
    [ $s = b ] && o="reeds.csv silt.csv tides.csv birds.csv salinity.csv"
    (
        umask "$([ $s = a ] && echo 022 || echo 027)"
        fresh "$shm/saltmarsh"
        mkdir -p "$shm/saltmarsh/saltmarsh/data"
        for f in $o; do
            printf 'saltmarsh transect,%s\nplot,value\n1,%d\n' "${f%.csv}" "${#f}" >"$shm/saltmarsh/saltmarsh/data/$f"
        done
    )
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H7_SDE" -C "$shm/saltmarsh" -cf - saltmarsh | xz -T1 -6 -c >"$P/$s.tar.xz"
done
label h7-tarxz-order-umask file-order+permissions

pair h7-cpio-readdir # find | cpio (readdir order) of an initramfs tree written in two orders on tmpfs
for s in a b; do
    o="virtio_blk nvme ext4 overlay squashfs"
    [ $s = b ] && o="squashfs ext4 nvme overlay virtio_blk"
    d=$shm/corrie
    fresh "$d"
    mkdir -p "$d/lib/modules/corrie" "$d/etc"
    for m in $o; do
        printf 'corrie module stub: %s\n' "$m" >"$d/lib/modules/corrie/$m.ko"
    done
    printf '#!/bin/sh\n# corrie initramfs\nmount -t proc proc /proc\n' >"$d/init"
    chmod 755 "$d/init"
    printf 'corrie-initrd 0.4\n' >"$d/etc/initrd-release"
    pin_mtimes "$d" "$H7_SDE"
    (cd "$d" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h7-cpio-readdir file-order

pair h7-gz-level # the same data file gzipped (-n) with -1, then -9
d=$work/estuary
fresh "$d"
seq 1 4000 | awk '{ printf "estuary-gauge,%05d,%d.%02d,%s\n", $1, 300 + ($1 * 7919) % 211, ($1 * 31) % 100, ($1 % 3 ? "ebb" : "flood") }' >"$d/levels.csv"
for s in a b; do
    gzip -n "$([ $s = a ] && echo -1 || echo -9)" -c "$d/levels.csv" >"$P/$s.csv.gz"
done
label h7-gz-level compression
