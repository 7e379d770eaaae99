# The fourth held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# Written as an independent judge of the explainer: its author never read the explainer (its
# sources, its tests, docs/explain.md), nor the earlier held-out halves (heldout.sh, heldout2.sh,
# heldout3.sh) or their tokens, nor heldout5.sh. Its own projects, directories, host names, users,
# dates, time zones and locales, built with the same kinds of tools as dev.sh. Each pair was
# checked only with cmp and listing tools (cmp -l, strings, readelf, unzip, tar, cpio, xxd,
# unsquashfs, xorriso, dpkg-deb, python3), never with reproscope.
#
# 40 pairs: 34 single-cause, 6 two-cause.
#
#   label           pairs
#   timestamp         5
#   build-path        4
#   timezone          3
#   user-group        3
#   file-order        3
#   locale            3
#   hostname          2
#   randomness        2
#   compression       2
#   permissions       2
#   content           2
#   input-version     2
#   build-id          1
#
#   two-cause (one pair each):
#   input-version+timestamp, hostname+locale, file-order+permissions, build-path+build-id,
#   compression+user-group, randomness+timezone
#
# Builds run as root and as the Debian base users lp, man and daemon. Three locales (Swedish,
# Polish, Turkish) are compiled side by side; one pair waits a real second.

H4_T1=1750147965  # 2025-06-17 08:12:45 UTC: the first build of a time-varied pair
H4_T2=1750369207  # 2025-06-19 21:40:07 UTC: the second
H4_SDE=1748606400 # 2025-05-30 12:00:00 UTC: SOURCE_DATE_EPOCH where time is pinned

# Three locales, compiled in parallel (each takes a few seconds).
locale_def sv_SE &
locale_def pl_PL &
locale_def tr_TR &
wait
for h4_l in sv_SE pl_PL tr_TR; do
    [ -d "$work/locales/$h4_l.UTF-8" ] || die "localedef cannot compile $h4_l.UTF-8 (Debian package locales)"
done

# tar with everything but the contents pinned, in name order; extra arguments go first.
h4_tar() { tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H4_SDE" "$@"; }

# A wheel of the setuptools project in DIR (the current directory when it runs), into DIR/dist;
# further arguments are a command prefix (env, faketime, on_host ...).
h4_wheel() {
    local d=$1
    shift
    (cd "$d" && "$@" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1) || die "bdist_wheel failed in $d"
}

##############################################################################################
# C projects built with make and gcc.

# ferrylog: a ferry-log filter whose -V text has the build's date in RFC 2822 form (date -R),
# written by the Makefile into stamp.h.
h4_ferrylog_src() {
    fresh "$1"
    cat >"$1/ferrylog.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "stamp.h"

static const char version_text[] = "ferrylog 3.1.4\ncompiled " FERRYLOG_STAMP "\n";

int main(int argc, char **argv)
{
    char line[512];
    unsigned long departures = 0, arrivals = 0;
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        fputs(version_text, stdout);
        return 0;
    }
    while (fgets(line, sizeof line, stdin)) {
        if (strstr(line, "DEPART"))
            departures++;
        else if (strstr(line, "ARRIVE"))
            arrivals++;
    }
    printf("%lu departures, %lu arrivals\n", departures, arrivals);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
ferrylog: ferrylog.c stamp.h
> $(CC) -O2 -o $@ ferrylog.c

stamp.h:
> echo "#define FERRYLOG_STAMP \"$$(date -R)\"" >$@
EOF
}

# libquadtree: a static library; CFLAGS from the caller (with -g the objects name the build
# directory in their debug info).
h4_quadtree_src() {
    fresh "$1"
    cat >"$1/quadtree.h" <<'EOF'
#ifndef QUADTREE_H
#define QUADTREE_H
struct qt_box { double x0, y0, x1, y1; };
struct qt_node { struct qt_box box; struct qt_node *kids[4]; int count; };
int qt_box_contains(const struct qt_box *b, double x, double y);
void qt_split(const struct qt_box *b, struct qt_box out[4]);
int qt_insert(struct qt_node *n, double x, double y, int depth);
#endif
EOF
    cat >"$1/bbox.c" <<'EOF'
#include "quadtree.h"

int qt_box_contains(const struct qt_box *b, double x, double y)
{
    return x >= b->x0 && x < b->x1 && y >= b->y0 && y < b->y1;
}

void qt_split(const struct qt_box *b, struct qt_box out[4])
{
    double mx = (b->x0 + b->x1) / 2, my = (b->y0 + b->y1) / 2;
    out[0] = (struct qt_box){b->x0, b->y0, mx, my};
    out[1] = (struct qt_box){mx, b->y0, b->x1, my};
    out[2] = (struct qt_box){b->x0, my, mx, b->y1};
    out[3] = (struct qt_box){mx, my, b->x1, b->y1};
}
EOF
    cat >"$1/quadtree.c" <<'EOF'
#include <stdlib.h>
#include "quadtree.h"

int qt_insert(struct qt_node *n, double x, double y, int depth)
{
    struct qt_box parts[4];
    if (!qt_box_contains(&n->box, x, y))
        return 0;
    n->count++;
    if (depth == 0)
        return 1;
    qt_split(&n->box, parts);
    for (int i = 0; i < 4; i++) {
        if (!qt_box_contains(&parts[i], x, y))
            continue;
        if (n->kids[i] == NULL) {
            n->kids[i] = calloc(1, sizeof *n->kids[i]);
            if (n->kids[i] == NULL)
                return -1;
            n->kids[i]->box = parts[i];
        }
        return qt_insert(n->kids[i], x, y, depth - 1);
    }
    return 1;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2
libquadtree.a: quadtree.o bbox.o
> ar rcD $@ quadtree.o bbox.o

%.o: %.c quadtree.h
> $(CC) $(CFLAGS) -c -o $@ $<
EOF
}

# gridwatch: a sensor poller whose LOG() macro prints __FILE__; its Makefile compiles absolute
# source paths, so __FILE__ is the absolute path of the checkout. No -g.
h4_gridwatch_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/log.h" <<'EOF'
#ifndef GRIDWATCH_LOG_H
#define GRIDWATCH_LOG_H
#include <stdio.h>
#define LOG(...) (fprintf(stderr, "gridwatch %s:%d: ", __FILE__, __LINE__), fprintf(stderr, __VA_ARGS__))
#endif
EOF
    cat >"$1/src/sensor.c" <<'EOF'
#include <stdlib.h>
#include "log.h"

double sensor_read(const char *path)
{
    FILE *f = fopen(path, "r");
    double v = -1;
    if (f == NULL) {
        LOG("no sensor at %s\n", path);
        return v;
    }
    if (fscanf(f, "%lf", &v) != 1)
        LOG("unreadable value in %s\n", path);
    fclose(f);
    return v;
}
EOF
    cat >"$1/src/main.c" <<'EOF'
#include "log.h"

double sensor_read(const char *path);

int main(int argc, char **argv)
{
    if (argc < 2) {
        LOG("usage: gridwatch SENSOR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        printf("%s\t%.3f\n", argv[i], sensor_read(argv[i]));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRC := $(CURDIR)/src
gridwatch: main.o sensor.o
> $(CC) -O2 -o $@ main.o sensor.o

%.o: $(SRC)/%.c $(SRC)/log.h
> $(CC) -O2 -c -o $@ $<
EOF
}

# A program whose Makefile writes one generated header: DIR PROGRAM MACRO SHELL-COMMAND TEXT
# (the program prints TEXT with the macro's value for --about).
h4_genhdr_src() {
    local d=$1 prog=$2 macro=$3 cmd=$4 text=$5
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <string.h>
#include "generated.h"

static const char about[] = "$text";

int main(int argc, char **argv)
{
    unsigned long sum = 0;
    if (argc > 1 && strcmp(argv[1], "--about") == 0) {
        printf(about, $macro);
        putchar('\\n');
        return 0;
    }
    for (int i = 1; i < argc; i++)
        for (const char *p = argv[i]; *p; p++)
            sum = sum * 31 + (unsigned char)*p;
    printf("%lx\\n", sum);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: $prog.c generated.h
> \$(CC) -O2 -o \$@ $prog.c

generated.h:
> printf '#define $macro "%s"\\n' "\$\$($cmd)" >\$@
EOF
}

# relaymon: a relay monitor whose Makefile passes the build machine's name as a -D flag.
h4_relaymon_src() {
    fresh "$1"
    cat >"$1/relaymon.c" <<'EOF'
#include <stdio.h>
#include <string.h>

#ifndef RELAYMON_ORIGIN
#define RELAYMON_ORIGIN "unknown"
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("relaymon 0.12.1 [%s]\n", RELAYMON_ORIGIN);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("relay %s: %s\n", argv[i], strchr(argv[i], ':') ? "ok" : "missing port");
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -DRELAYMON_ORIGIN='"$(shell uname -n)"'
relaymon: relaymon.c
> $(CC) $(CFLAGS) -o $@ relaymon.c
EOF
}

# libsprocket: a static library whose Makefile collects its sources with find(1), i.e. in
# readdir order. ORDER: the order in which a checkout wrote the sources.
h4_sprocket_src() {
    local d=$1 order=$2 n
    fresh "$d"
    mkdir -p "$d/src"
    printf '#ifndef SPROCKET_H\n#define SPROCKET_H\nint sprocket_teeth(int size);\n#endif\n' >"$d/src/sprocket.h"
    for n in $order; do
        printf '#include "sprocket.h"\nint sprocket_%s(int size)\n{\n    return sprocket_teeth(size) * %d + %d;\n}\n' \
            "$n" "${#n}" "$(printf %d "'$n")" >"$d/src/$n.c"
    done
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCS := $(shell find src -name '*.c')
OBJS := $(SRCS:src/%.c=%.o)
libsprocket.a: $(OBJS)
> ar rcD $@ $(OBJS)

%.o: src/%.c src/sprocket.h
> $(CC) -O2 -c -o $@ $<
EOF
}

# pigeonhole: a mail-drop daemon stub. VARIANT fixed: the default port and its message changed.
h4_pigeonhole_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    cat >"$d/pigeonhole.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PORT 2525

int main(int argc, char **argv)
{
    int port = DEFAULT_PORT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else {
            fprintf(stderr, "pigeonhole: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "pigeonhole: bad port\n");
        return 2;
    }
    printf("pigeonhole: would listen on port %d\n", port);
    return 0;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i -e 's/#define DEFAULT_PORT 2525/#define DEFAULT_PORT 2587/' \
            -e 's/pigeonhole: bad port\\n")/pigeonhole: port %d is out of range (1-65535)\\n", port)/' "$d/pigeonhole.c"
    fi
    printf '.RECIPEPREFIX = >\npigeonhole: pigeonhole.c\n> $(CC) -O2 -o $@ pigeonhole.c\n' >"$d/Makefile"
}

# libfernclip: a shared library linked with a random build ID.
h4_fernclip_src() {
    fresh "$1"
    cat >"$1/clip.c" <<'EOF'
#include <stddef.h>

size_t fernclip_trim(char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return n;
}

int fernclip_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
EOF
    printf '.RECIPEPREFIX = >\nlibfernclip.so.1: clip.c\n> $(CC) -O2 -fPIC -shared -Wl,-soname,libfernclip.so.1 -Wl,--build-id=uuid -o $@ clip.c\n' >"$1/Makefile"
}

# mossgrid: a grid printer built with -g and a random build ID (-Wl,--build-id=uuid).
h4_mossgrid_src() {
    fresh "$1"
    cat >"$1/mossgrid.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

static void row(int w, int y)
{
    for (int x = 0; x < w; x++)
        putchar((x * 7 + y * 3) % 5 == 0 ? '#' : '.');
    putchar('\n');
}

int main(int argc, char **argv)
{
    int w = argc > 1 ? atoi(argv[1]) : 16, h = argc > 2 ? atoi(argv[2]) : 8;
    for (int y = 0; y < h; y++)
        row(w, y);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nmossgrid: mossgrid.c\n> $(CC) -O2 -g -Wl,--build-id=uuid -o $@ mossgrid.c\n' >"$1/Makefile"
}

##############################################################################################
# Debian packages.

# A small C tool packaged with dpkg-deb: DIR OUT.deb NAME VERSION CFLAGS [dpkg-deb args...].
# The program prints "NAME VERSION"; from 1.7.0 on it also has a --count option.
h4_tool_deb() {
    local d=$1 deb=$2 name=$3 v=$4 cflags=$5
    shift 5
    fresh "$d"
    cat >"$d/$name.c" <<EOF
#include <stdio.h>
#include <string.h>

#define TOOL_VERSION "${v%-*}"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("$name " TOOL_VERSION);
        return 0;
    }
/*COUNT*/
    for (int i = 1; i < argc; i++)
        printf("%s: %zu\n", argv[i], strlen(argv[i]));
    return 0;
}
EOF
    if [ "${v%-*}" = 1.7.0 ]; then
        cat >"$d/count.txt" <<'EOF'
    if (argc > 1 && strcmp(argv[1], "--count") == 0) {
        printf("%d\n", argc - 2);
        return 0;
    }
EOF
        sed -i -e "/\/\*COUNT\*\//r $d/count.txt" -e '/\/\*COUNT\*\//d' "$d/$name.c"
    else
        sed -i '/\/\*COUNT\*\//d' "$d/$name.c"
    fi
    printf '.RECIPEPREFIX = >\n%s: %s.c\n> $(CC) $(CFLAGS) -o $@ %s.c\n' "$name" "$name" "$name" >"$d/Makefile"
    make -s -C "$d" CFLAGS="$cflags" "$name"
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/pkg/usr/share/doc/$name"
    cp "$d/$name" "$d/pkg/usr/bin/$name"
    printf 'Files: *\nCopyright: 2025 Orla Brennan <orla@%s.example>\nLicense: ISC\n' "$name" >"$d/pkg/usr/share/doc/$name/copyright"
    cat >"$d/pkg/DEBIAN/control" <<EOF
Package: $name
Version: $v
Architecture: amd64
Maintainer: Orla Brennan <orla@$name.example>
Depends: libc6 (>= 2.34)
Section: misc
Priority: optional
Description: print the lengths of its arguments
 $name prints each argument with its length in bytes.
EOF
    dpkg-deb --build "$@" "$d/pkg" "$deb" >/dev/null
}

# hedgerow: a package of shell scripts and a long README: DIR OUT.deb [dpkg-deb args...]
h4_hedgerow_deb() {
    local d=$1 deb=$2 i
    shift 2
    fresh "$d"
    mkdir -p "$d/DEBIAN" "$d/usr/bin" "$d/usr/share/doc/hedgerow"
    printf '#!/bin/sh\n# hedgerow-trim: trim the hedge list\nexec sed -e "s/[[:space:]]*$//" "$@"\n' >"$d/usr/bin/hedgerow-trim"
    printf '#!/bin/sh\n# hedgerow-count: count hedge entries\nexec grep -c "^hedge:" "$@"\n' >"$d/usr/bin/hedgerow-count"
    chmod 755 "$d/usr/bin/"*
    for i in $(seq 1 60); do
        printf 'Section %d. A hedge of row %d is trimmed every %d weeks and counted by hedgerow-count.\n' "$i" "$i" $((i % 7 + 2))
    done >"$d/usr/share/doc/hedgerow/README"
    cat >"$d/DEBIAN/control" <<'EOF'
Package: hedgerow
Version: 0.4-2
Architecture: all
Maintainer: Hedgerow Team <team@hedgerow.example>
Section: utils
Priority: optional
Description: small helpers for hedge lists
 hedgerow-trim and hedgerow-count tidy and count hedge lists.
EOF
    pin_mtimes "$d" "$H4_SDE"
    dpkg-deb --build "$@" "$d" "$deb" >/dev/null
}

##############################################################################################
# Python projects (Debian's python3, setuptools and wheel).

# A package DIR/NAME with a small module; setup.py gets SETUP-PRELUDE (Python run before setup())
# and SETUP-ARGS (extra keyword arguments). Mtimes pinned.
h4_pyproj() {
    local d=$1 name=$2 v=$3 prelude=${4:-} extra=${5:-}
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name."""
__version__ = "$v"
EOF
    cat >"$d/$name/cli.py" <<EOF
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(prog="$name")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    for path in args.paths:
        with open(path, encoding="utf-8") as f:
            print(path, sum(1 for _ in f))
    return 0
EOF
    {
        echo "from setuptools import setup"
        printf '%s\n' "$prelude"
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name: a small helper",
    packages=["$name"],$extra
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$H4_SDE"
}

# gettext catalogs of a C program: DIR PROJECT, then the build runs xgettext, msginit
# --no-translator (LANG-CODE, an English variant msginit fills in) and msgfmt into msginit.mo,
# and msgmerge + msgfmt of po/pl.po into pl.mo. VARIANT fixed: the Polish translator fixed a string.
h4_gettext_src() {
    local d=$1 proj=$2 lang=$3 variant=${4:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/$proj.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(int argc, char **argv)
{
    if (argc < 2) {
        puts(_("No lantern selected"));
        return 1;
    }
    printf(_("Lighting %s\n"), argv[1]);
    puts(_("The wick is too short"));
    puts(_("Refill the oil tank"));
    return 0;
}
EOF
    cat >"$d/po/pl.po" <<EOF
# Polish translation of $proj.
msgid ""
msgstr ""
"Project-Id-Version: $proj 1.0\n"
"Report-Msgid-Bugs-To: tlumacze@$proj.example\n"
"POT-Creation-Date: 2025-04-02 11:20+0000\n"
"PO-Revision-Date: 2025-04-09 19:05+0200\n"
"Last-Translator: Zofia Kmiecik <zofia@$proj.example>\n"
"Language-Team: Polish\n"
"Language: pl\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "No lantern selected"
msgstr "Nie wybrano latarni"

#, c-format
msgid "Lighting %s\n"
msgstr "Zapalanie %s\n"

msgid "The wick is too short"
msgstr "Knot jest za krótki"

msgid "Refill the oil tank"
msgstr "Uzupełnij olej w zbiorniku"
EOF
    [ "$variant" = fixed ] && sed -i 's/Nie wybrano latarni/Nie wybrano żadnej latarni/' "$d/po/pl.po"
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
all: msginit.mo pl.mo

msginit.mo: po/$proj.pot
> msginit --no-translator -l $lang -i po/$proj.pot -o po/$lang.po >/dev/null 2>&1
> msgfmt -o \$@ po/$lang.po

pl.mo: po/pl.po po/$proj.pot
> msgmerge -q -o po/pl.new.po po/pl.po po/$proj.pot
> msgfmt -o \$@ po/pl.new.po

po/$proj.pot: src/$proj.c
> xgettext -k_ --package-name=$proj --package-version=1.0 --msgid-bugs-address=tlumacze@$proj.example -o \$@ src/$proj.c
EOF
}

##############################################################################################
# Trees for images and archives.

# An appliance root file system: DIR NAME
h4_rootfs() {
    local d=$1 name=$2 p
    fresh "$d"
    mkdir -p "$d/etc/$name" "$d/usr/libexec/$name" "$d/usr/share/$name/panels" "$d/var/lib/$name"
    printf 'ID=%s\nPRETTY_NAME="%s appliance 5"\nVERSION_ID=5\n' "$name" "$name" >"$d/etc/os-release"
    printf '[display]\nbrightness = 70\nidle_dim_seconds = 300\n[network]\nuplink = eth0\n' >"$d/etc/$name/appliance.ini"
    printf '#!/bin/sh\nset -e\n. /etc/os-release\necho "starting $PRETTY_NAME"\nexec /usr/libexec/%s/panel-server --config /etc/%s/appliance.ini\n' "$name" "$name" >"$d/usr/libexec/$name/boot.sh"
    chmod 755 "$d/usr/libexec/$name/boot.sh"
    for p in status network storage; do
        printf '<!doctype html>\n<title>%s %s</title>\n<main data-panel="%s">%s panel</main>\n' "$name" "$p" "$p" "$p" >"$d/usr/share/$name/panels/$p.html"
    done
}

# A documentation tree, its files written in ORDER: DIR SUBDIR ORDER
h4_docs() {
    local d=$1 sub=$2 order=$3 f
    fresh "$d"
    mkdir -p "$d/$sub"
    for f in $order; do
        printf '%s\n%s\n\nThe %s page of %s.\n' "$f" "$(echo "$f" | tr '[:alnum:]-' '=')" "$f" "$sub" >"$d/$sub/$f.rst"
    done
}

##############################################################################################
# C pairs.

pair h4-c-rfc2822-banner # date -R in a generated header, built two days apart
for s in a b; do
    h4_ferrylog_src "$work/ferrylog"
    ft "$([ $s = a ] && echo $H4_T1 || echo $H4_T2)" make -s -C "$work/ferrylog"
    cp "$work/ferrylog/ferrylog" "$P/$s.out"
done
label h4-c-rfc2822-banner timestamp

pair h4-ar-debug-dirs # a -g static library built in two checkouts
for s in a b; do
    d=$work/src/quadtree
    [ $s = b ] && d=$work/home/devs/checkouts/libquadtree-0.3
    h4_quadtree_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g"
    cp "$d/libquadtree.a" "$P/$s.a"
done
label h4-ar-debug-dirs build-path

pair h4-c-logmacro-file # __FILE__ in a log macro, absolute source paths, no -g; two checkouts
for s in a b; do
    d=$work/builds/gridwatch
    [ $s = b ] && d=$work/mnt/scratch/gw-ci-1142/gridwatch
    h4_gridwatch_src "$d"
    make -s -C "$d"
    cp "$d/gridwatch" "$P/$s.out"
done
label h4-c-logmacro-file build-path

pair h4-c-tz-adelaide # SOURCE_DATE_EPOCH in local time in a generated header, two time zones
for s in a b; do
    h4_genhdr_src "$work/sundial" sundial SUNDIAL_EPOCH 'date -d @$$SOURCE_DATE_EPOCH "+%a %d %b %Y %H:%M %Z"' \
        "sundial 1.0.2, source epoch %s"
    SOURCE_DATE_EPOCH=$H4_SDE TZ="$([ $s = a ] && echo Europe/Lisbon || echo Australia/Adelaide)" make -s -C "$work/sundial"
    cp "$work/sundial/sundial" "$P/$s.out"
done
label h4-c-tz-adelaide timezone

pair h4-c-packager-id # the build's account name in a generated header: built by root, then by lp
for s in a b; do
    h4_genhdr_src "$shm/orbitcalc" orbitcalc ORBITCALC_PACKAGER 'id -un' "orbitcalc 2.4 (%s)"
    if [ $s = a ]; then
        make -s -C "$shm/orbitcalc"
    else
        chown -R lp "$shm/orbitcalc"
        as_user lp make -s -C "$shm/orbitcalc"
    fi
    cp "$shm/orbitcalc/orbitcalc" "$P/$s.out"
done
rm -rf "$shm/orbitcalc"
label h4-c-packager-id user-group

pair h4-ar-find-order # a static library whose objects are listed by find(1): two checkouts on tmpfs
for s in a b; do
    o="spur bevel helical worm rack planet"
    [ $s = b ] && o="planet helical rack spur worm bevel"
    h4_sprocket_src "$shm/libsprocket" "$o"
    make -s -C "$shm/libsprocket"
    cp "$shm/libsprocket/libsprocket.a" "$P/$s.a"
done
label h4-ar-find-order file-order

pair h4-c-datefmt-pl # date +%c of SOURCE_DATE_EPOCH in a generated header, under C and pl_PL
for s in a b; do
    h4_genhdr_src "$work/almanack" almanack ALMANACK_RELEASED 'date -d @$$SOURCE_DATE_EPOCH +%c' "almanack 7 released %s"
    SOURCE_DATE_EPOCH=$H4_SDE LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo pl_PL.UTF-8)" \
        make -s -C "$work/almanack"
    cp "$work/almanack/almanack" "$P/$s.out"
done
label h4-c-datefmt-pl locale

pair h4-c-origin-host # uname -n passed with -D, built on two machines
for s in a b; do
    h4_relaymon_src "$work/relaymon"
    on_host "$([ $s = a ] && echo stoat-ws04 || echo ci-runner-kappa)" make -s -C "$work/relaymon"
    cp "$work/relaymon/relaymon" "$P/$s.out"
done
label h4-c-origin-host hostname

pair h4-c-default-port # a real change: the default port and the range message
for s in a b; do
    h4_pigeonhole_src "$work/pigeonhole" "$([ $s = b ] && echo fixed)"
    make -s -C "$work/pigeonhole"
    cp "$work/pigeonhole/pigeonhole" "$P/$s.out"
done
label h4-c-default-port content

pair h4-so-buildid-uuid # a shared library linked twice with --build-id=uuid
for s in a b; do
    h4_fernclip_src "$work/fernclip"
    make -s -C "$work/fernclip"
    cp "$work/fernclip/libfernclip.so.1" "$P/$s.so"
done
label h4-so-buildid-uuid build-id

pair h4-c-host-locale # two factors: uname -n and date +%c in a generated header; another host and locale
for s in a b; do
    h4_genhdr_src "$work/skiffstat" skiffstat SKIFFSTAT_ORIGIN 'echo "$$(uname -n), $$(date -d @$$SOURCE_DATE_EPOCH +%c)"' "skiffstat 0.9 <%s>"
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$H4_SDE on_host heron-dev make -s -C "$work/skiffstat"
    else
        SOURCE_DATE_EPOCH=$H4_SDE on_host tarn-builder env LOCPATH="$work/locales" LC_ALL=sv_SE.UTF-8 make -s -C "$work/skiffstat"
    fi
    cp "$work/skiffstat/skiffstat" "$P/$s.out"
done
label h4-c-host-locale hostname+locale

pair h4-c-dirs-uuid # two factors: -g in two checkouts, linked with --build-id=uuid
for s in a b; do
    d=$work/code/mossgrid
    [ $s = b ] && d=$work/var/cache/buildd/mossgrid-1.1
    h4_mossgrid_src "$d"
    make -s -C "$d"
    cp "$d/mossgrid" "$P/$s.out"
done
label h4-c-dirs-uuid build-path+build-id

##############################################################################################
# Debian packages.

pair h4-deb-debuginfo-dirs # an unstripped -g binary, packaged from two build directories
for s in a b; do
    d=$work/pkgbuild/tallyho
    [ $s = b ] && d=$work/srv/autobuild/jobs/77/tallyho-1.0
    SOURCE_DATE_EPOCH=$H4_SDE h4_tool_deb "$d" "$P/$s.deb" tallyho 1.0-1 "-O2 -g" --root-owner-group -Zxz
done
label h4-deb-debuginfo-dirs build-path

pair h4-deb-upstream-bump # 1.6.0-1 to 1.7.0-1: a new upstream version with a new option
for s in a b; do
    SOURCE_DATE_EPOCH=$H4_SDE h4_tool_deb "$work/brambletool" "$P/$s.deb" brambletool \
        "$([ $s = a ] && echo 1.6.0-1 || echo 1.7.0-1)" "-O2" --root-owner-group -Zxz
done
label h4-deb-upstream-bump input-version

pair h4-deb-gzip-zstd # the same package with -Zgzip, then -Zzstd
for s in a b; do
    SOURCE_DATE_EPOCH=$H4_SDE h4_hedgerow_deb "$work/hedgerow" "$P/$s.deb" --root-owner-group \
        "$([ $s = a ] && echo -Zgzip || echo -Zzstd)"
done
label h4-deb-gzip-zstd compression

##############################################################################################
# Python pairs.

pair h4-whl-iso-json # setup.py writes the build's time (ISO 8601) into a JSON file; two days apart
for s in a b; do
    h4_pyproj "$work/pondgauge" pondgauge 0.7.2 'import datetime
import json

with open("pondgauge/build.json", "w") as f:
    json.dump({"package": "pondgauge", "release": "0.7.2",
               "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}, f, indent=2)' '
    package_data={"pondgauge": ["build.json"]},'
    h4_wheel "$work/pondgauge" env SOURCE_DATE_EPOCH=$H4_SDE faketime "@$([ $s = a ] && echo $H4_T1 || echo $H4_T2)"
    cp "$work/pondgauge/dist/pondgauge-0.7.2-py3-none-any.whl" "$P/$s.whl"
done
label h4-whl-iso-json timestamp

pair h4-pyc-two-prefixes # compileall (SOURCE_DATE_EPOCH set) in two directories
for s in a b; do
    d=$work/opt/snowshoe/lib
    [ $s = b ] && d=$work/tmp/pip-build-x7k2/snowshoe
    h4_pyproj "$d" snowshoe 2.2.0
    SOURCE_DATE_EPOCH=$H4_SDE "$PY" -m compileall -q "$d/snowshoe" >/dev/null
    cp "$d/snowshoe/__pycache__/cli.cpython-"*.pyc "$P/$s.pyc"
done
label h4-pyc-two-prefixes build-path

pair h4-whl-listdir-registry # setup.py lists handlers with os.listdir: two checkouts on tmpfs
for s in a b; do
    o="greet weather dice remind karma"
    [ $s = b ] && o="karma dice greet remind weather"
    h4_pyproj "$shm/kelpbot" kelpbot 1.3.1 'import os

names = [f[:-3] for f in os.listdir("kelpbot/handlers") if f.endswith(".py") and f != "__init__.py"]
with open("kelpbot/_registry.py", "w") as f:
    f.write("# generated by setup.py\nHANDLERS = %r\n" % names)'
    sed -i 's/packages=\["kelpbot"\]/packages=["kelpbot", "kelpbot.handlers"]/' "$shm/kelpbot/setup.py"
    mkdir -p "$shm/kelpbot/kelpbot/handlers"
    : >"$shm/kelpbot/kelpbot/handlers/__init__.py"
    for h in $o; do
        printf 'def handle(message):\n    return "%s: " + message\n' "$h" >"$shm/kelpbot/kelpbot/handlers/$h.py"
    done
    pin_mtimes "$shm/kelpbot" "$H4_SDE"
    h4_wheel "$shm/kelpbot" env SOURCE_DATE_EPOCH=$H4_SDE
    cp "$shm/kelpbot/dist/kelpbot-1.3.1-py3-none-any.whl" "$P/$s.whl"
done
label h4-whl-listdir-registry file-order

pair h4-whl-locale-tr # setup.py formats a date and a number under the build's locale: C, tr_TR
for s in a b; do
    h4_pyproj "$work/pebblecount" pebblecount 0.5.0 'import locale
import os
import time

locale.setlocale(locale.LC_ALL, "")
released = time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"]))
with open("pebblecount/_about.py", "w", encoding="utf-8") as f:
    f.write("RELEASED = %r\n" % time.strftime("%A %d %B %Y", released))
    f.write("SAMPLE_TOTAL = %r\n" % locale.format_string("%.2f", 1234567.5, grouping=True))'
    h4_wheel "$work/pebblecount" env SOURCE_DATE_EPOCH=$H4_SDE LOCPATH="$work/locales" \
        LC_ALL="$([ $s = a ] && echo C || echo tr_TR.UTF-8)"
    cp "$work/pebblecount/dist/pebblecount-0.5.0-py3-none-any.whl" "$P/$s.whl"
done
label h4-whl-locale-tr locale

pair h4-whl-node-host # setup.py records platform.node(); built on two machines
for s in a b; do
    h4_pyproj "$work/quarrytool" quarrytool 3.0.1 'import platform

with open("quarrytool/_provenance.py", "w") as f:
    f.write("COMPILED_ON = %r\n" % platform.node())'
    h4_wheel "$work/quarrytool" on_host "$([ $s = a ] && echo marten.lab.internal || echo buildvm-0193)" \
        env SOURCE_DATE_EPOCH=$H4_SDE
    cp "$work/quarrytool/dist/quarrytool-3.0.1-py3-none-any.whl" "$P/$s.whl"
done
label h4-whl-node-host hostname

pair h4-pyc-hashseed-set # a generated module made from a set, then compileall: two hash seeds
for s in a b; do
    d=$work/codecshelf
    h4_pyproj "$d" codecshelf 1.0.0
    mkdir -p "$d/tools"
    cat >"$d/tools/gen_formats.py" <<'EOF'
# Writes codecshelf/_formats.py: the formats the codec plugins declare, without duplicates.
DECLARED = ["png", "jpeg", "webp", "avif", "gif", "tiff", "heif", "jpeg", "png", "bmp", "qoi"]
print("# generated by tools/gen_formats.py")
print("SUPPORTED = (%s,)" % ", ".join(repr(f) for f in set(DECLARED)))
EOF
    PYTHONHASHSEED="$([ $s = a ] && echo 17 || echo 42)" "$PY" "$d/tools/gen_formats.py" >"$d/codecshelf/_formats.py"
    SOURCE_DATE_EPOCH=$H4_SDE "$PY" -m compileall -q "$d/codecshelf" >/dev/null
    cp "$d/codecshelf/__pycache__/_formats.cpython-"*.pyc "$P/$s.pyc"
done
label h4-pyc-hashseed-set randomness

pair h4-whl-vendored-bump # the vendored tinytoml updated from 0.8.1 to 0.9.0 (version and code)
for s in a b; do
    d=$work/saltmarsh
    v=0.8.1
    [ $s = b ] && v=0.9.0
    h4_pyproj "$d" saltmarsh 4.1.0 '' '
    package_data={"saltmarsh._vendor": ["vendor.txt"]},'
    sed -i 's/packages=\["saltmarsh"\]/packages=["saltmarsh", "saltmarsh._vendor", "saltmarsh._vendor.tinytoml"]/' "$d/setup.py"
    mkdir -p "$d/saltmarsh/_vendor/tinytoml"
    : >"$d/saltmarsh/_vendor/__init__.py"
    printf 'tinytoml==%s\n' "$v" >"$d/saltmarsh/_vendor/vendor.txt"
    {
        printf '"""tinytoml: parse flat key = value TOML."""\n__version__ = "%s"\n\n\n' "$v"
        cat <<'EOF'
def loads(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        value = value.strip()
EOF
        if [ "$v" = 0.9.0 ]; then
            cat <<'EOF'
        if value in ("true", "false"):
            out[key.strip()] = value == "true"
            continue
EOF
        fi
        cat <<'EOF'
        out[key.strip()] = value.strip('"')
    return out
EOF
    } >"$d/saltmarsh/_vendor/tinytoml/__init__.py"
    pin_mtimes "$d" "$H4_SDE"
    h4_wheel "$d" env SOURCE_DATE_EPOCH=$H4_SDE
    cp "$d/dist/saltmarsh-4.1.0-py3-none-any.whl" "$P/$s.whl"
done
label h4-whl-vendored-bump input-version

pair h4-sdist-bump-later # two factors: sdist of 2.0.3, then of 2.0.4 two days later
for s in a b; do
    v=2.0.3
    [ $s = b ] && v=2.0.4
    h4_pyproj "$work/driftwood" driftwood $v
    (cd "$work/driftwood" && ft "$([ $s = a ] && echo $H4_T1 || echo $H4_T2)" "$PY" setup.py -q sdist -d dist >/dev/null 2>&1) ||
        die "sdist failed for driftwood"
    cp "$work/driftwood/dist/driftwood-$v.tar.gz" "$P/$s.tar.gz"
done
label h4-sdist-bump-later input-version+timestamp

##############################################################################################
# gettext pairs.

pair h4-mo-revision-date # msginit --no-translator en_NZ: PO-Revision-Date is the build's time
for s in a b; do
    h4_gettext_src "$work/birdnote" birdnote en_NZ
    ft "$([ $s = a ] && echo $H4_T1 || echo $H4_T2)" make -s -C "$work/birdnote" msginit.mo
    cp "$work/birdnote/msginit.mo" "$P/$s.mo"
done
label h4-mo-revision-date timestamp

pair h4-mo-tz-kathmandu # the same moment, xgettext and msginit en_CA in TZ=UTC and Asia/Kathmandu
for s in a b; do
    h4_gettext_src "$work/mapletrail" mapletrail en_CA
    TZ="$([ $s = a ] && echo UTC || echo Asia/Kathmandu)" faketime "@$H4_T1" make -s -C "$work/mapletrail" msginit.mo
    cp "$work/mapletrail/msginit.mo" "$P/$s.mo"
done
label h4-mo-tz-kathmandu timezone

pair h4-mo-pl-translation-fix # a real change: the Polish translator reworded a string
for s in a b; do
    h4_gettext_src "$work/lanternd" lanternd en_AU "$([ $s = b ] && echo fixed)"
    ft "$H4_T1" make -s -C "$work/lanternd" pl.mo
    cp "$work/lanternd/pl.mo" "$P/$s.mo"
done
label h4-mo-pl-translation-fix content

##############################################################################################
# squashfs and ISO 9660 images.

pair h4-sqfs-second-build # mksquashfs without -mkfs-time or SOURCE_DATE_EPOCH, really a second later
h4_rootfs "$work/harborlight" harborlight
pin_mtimes "$work/harborlight" "$H4_SDE"
for s in a b; do
    [ $s = b ] && sleep 1
    mksquashfs "$work/harborlight" "$P/$s.squashfs" -noappend -quiet -no-progress -all-root -comp xz >/dev/null
done
label h4-sqfs-second-build timestamp

pair h4-sqfs-seed-blob # the image build saves 512 random bytes as a random seed
for s in a b; do
    h4_rootfs "$work/beaconos" beaconos
    mkdir -p "$work/beaconos/var/lib/systemd"
    head -c 512 /dev/urandom >"$work/beaconos/var/lib/systemd/random-seed"
    chmod 600 "$work/beaconos/var/lib/systemd/random-seed"
    pin_mtimes "$work/beaconos" "$H4_SDE"
    mksquashfs "$work/beaconos" "$P/$s.squashfs" -noappend -quiet -no-progress -all-root -comp gzip -mkfs-time "$H4_SDE" >/dev/null
done
label h4-sqfs-seed-blob randomness

pair h4-sqfs-comp-owner # two factors: a tree written by root then by lp, -comp gzip then -comp lz4
for s in a b; do
    fresh "$shm/wren"
    chmod 777 "$shm/wren"
    if [ $s = a ]; then
        h4_rootfs "$shm/wren/root" wrenos
    else
        as_user lp bash -c "$(declare -f fresh h4_rootfs); h4_rootfs '$shm/wren/root' wrenos"
    fi
    pin_mtimes "$shm/wren/root" "$H4_SDE"
    mksquashfs "$shm/wren/root" "$P/$s.squashfs" -noappend -quiet -no-progress -mkfs-time "$H4_SDE" \
        -comp "$([ $s = a ] && echo gzip || echo lz4)" >/dev/null
done
rm -rf "$shm/wren"
label h4-sqfs-comp-owner compression+user-group

pair h4-iso-rr-owner # Rock Ridge (-R) keeps owners: a tree written by root, then by daemon
for s in a b; do
    fresh "$shm/loom"
    chmod 777 "$shm/loom"
    if [ $s = a ]; then
        h4_rootfs "$shm/loom/root" loomdisk
    else
        as_user daemon bash -c "$(declare -f fresh h4_rootfs); h4_rootfs '$shm/loom/root' loomdisk"
    fi
    pin_mtimes "$shm/loom/root" "$H4_SDE"
    SOURCE_DATE_EPOCH=$H4_SDE xorriso -as mkisofs -quiet -R -V LOOMDISK_5 -o "$P/$s.iso" "$shm/loom/root" 2>/dev/null
done
rm -rf "$shm/loom"
label h4-iso-rr-owner user-group

pair h4-iso-umask-027 # the tree written under umask 022, then 027 (Rock Ridge keeps modes)
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 027)" && h4_rootfs "$work/trellis" trellis)
    pin_mtimes "$work/trellis" "$H4_SDE"
    SOURCE_DATE_EPOCH=$H4_SDE xorriso -as mkisofs -quiet -R -V TRELLIS_5 -o "$P/$s.iso" "$work/trellis" 2>/dev/null
done
label h4-iso-umask-027 permissions

##############################################################################################
# zip, tar, cpio, gzip.

pair h4-zip-tz-stjohns # zip stores local times: TZ=UTC, then America/St_Johns
h4_docs "$work/cedarwiki" cedarwiki "start editing linking tables history"
(cd "$work/cedarwiki" && find cedarwiki | LC_ALL=C sort) >"$work/cedarwiki.list"
for s in a b; do
    # zip stores atimes too (UT field): the names are listed first, so zip reads no directory and
    # every time it stores is the pinned one.
    pin_mtimes "$work/cedarwiki" "$H4_SDE"
    (cd "$work/cedarwiki" && TZ="$([ $s = a ] && echo UTC || echo America/St_Johns)" zip -q "$P/$s.zip" -@ <"$work/cedarwiki.list")
done
label h4-zip-tz-stjohns timezone

pair h4-zip-umask-private # the docs written under umask 022, then 077
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 077)" && h4_docs "$work/marmot" marmot-docs "burrows feeding hibernation alarm-calls")
    pin_mtimes "$work/marmot" "$H4_SDE"
    (cd "$work/marmot" && zip -q -r -X "$P/$s.zip" marmot-docs) # -X: no uid/gid, no atimes
done
label h4-zip-umask-private permissions

pair h4-tarxz-readdir # tar without --sort of two checkouts on tmpfs, then xz
for s in a b; do
    o="dusk meadow granite tide ember"
    [ $s = b ] && o="granite ember dusk tide meadow"
    h4_docs "$shm/lichen" lichen-themes "$o"
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H4_SDE" -C "$shm/lichen" -cf - lichen-themes |
        xz -6 -T1 >"$P/$s.tar.xz"
done
label h4-tarxz-readdir file-order

pair h4-targz-glossary-sv # a glossary sorted with sort(1) under LC_ALL=C, then sv_SE.UTF-8
for s in a b; do
    fresh "$work/nordterm"
    printf '%s\n' "Ångström" "avfrostning" "Vattenpass" "wienerbröd" "Övertid" "ärende" "Zon" "zebra" "Björk" "bastu" "Älg" "omväg" >"$work/nordterm/terms.txt"
    printf '.RECIPEPREFIX = >\nGLOSSARY: terms.txt\n> sort -u terms.txt | sed "s/^/- /" >$@\n' >"$work/nordterm/Makefile"
    LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo sv_SE.UTF-8)" make -s -C "$work/nordterm"
    h4_tar -C "$work/nordterm" -cf - . | gzip -n -9 >"$P/$s.tar.gz"
done
label h4-targz-glossary-sv locale

pair h4-targz-gzip-levels # the same tar compressed with gzip -1, then gzip -9
fresh "$work/atlastiles"
awk 'BEGIN { for (i = 1; i <= 1500; i++) printf "tile,%d,%d,%d,z%d\n", i, (i * 37) % 1013, (i * 91) % 409, i % 12 }' >"$work/atlastiles/index.csv"
printf 'atlastiles tile index: id, x, y, zoom\n' >"$work/atlastiles/README"
for s in a b; do
    h4_tar -C "$work/atlastiles" -cf - . | gzip -n "$([ $s = a ] && echo -1 || echo -9)" >"$P/$s.tar.gz"
done
label h4-targz-gzip-levels compression

pair h4-tar-order-umask # two factors: checkouts on tmpfs written in two orders under umask 022, 002
for s in a b; do
    o="anchor buoy keel rudder mast"
    [ $s = b ] && o="mast anchor rudder buoy keel"
    (umask "$([ $s = a ] && echo 022 || echo 002)" && h4_docs "$shm/puffin" puffinpack "$o")
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H4_SDE" -C "$shm/puffin" -cf "$P/$s.tar" puffinpack
done
label h4-tar-order-umask file-order+permissions

pair h4-cpio-initrd-date # an initramfs whose release file has the build's date (%d.%m.%Y)
for s in a b; do
    h4_rootfs "$work/tidepool" tidepool
    ft "$([ $s = a ] && echo $H4_T1 || echo $H4_T2)" sh -c 'printf "TIDEPOOL_BUILD=\"%s\"\n" "$(date "+%d.%m.%Y %H:%M")"' >"$work/tidepool/etc/initrd-release"
    pin_mtimes "$work/tidepool" "$H4_SDE"
    (cd "$work/tidepool" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -9 >"$P/$s.cpio.gz"
done
label h4-cpio-initrd-date timestamp

pair h4-cpio-owned-tree # cpio without -R: a tree written by root, then by man
for s in a b; do
    fresh "$shm/quill"
    chmod 777 "$shm/quill"
    if [ $s = a ]; then
        h4_rootfs "$shm/quill/root" quillstack
    else
        as_user man bash -c "$(declare -f fresh h4_rootfs); h4_rootfs '$shm/quill/root' quillstack"
    fi
    pin_mtimes "$shm/quill/root" "$H4_SDE"
    (cd "$shm/quill/root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) >"$P/$s.cpio"
done
rm -rf "$shm/quill"
label h4-cpio-owned-tree user-group

pair h4-cpio-uuid-chatham # two factors: a fresh instance uuid, and the build date in TZ=UTC vs Pacific/Chatham
for s in a b; do
    h4_rootfs "$work/kestrelboot" kestrelboot
    cat /proc/sys/kernel/random/uuid >"$work/kestrelboot/etc/kestrelboot/instance"
    TZ="$([ $s = a ] && echo UTC || echo Pacific/Chatham)" date -d "@$H4_SDE" '+KESTRELBOOT_DATE=%Y-%m-%d %H:%M:%S %z' >"$work/kestrelboot/etc/kestrelboot/build.env"
    pin_mtimes "$work/kestrelboot" "$H4_SDE"
    (cd "$work/kestrelboot" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h4-cpio-uuid-chatham randomness+timezone
