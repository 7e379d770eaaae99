# The fifth held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# Written as an independent judge, without reading the explainer (crates/), its tests,
# docs/explain.md or the earlier held-out halves and their tokens: its own projects, directories,
# host names, users (bin, sys, sync and root), dates, time zones and locales (Polish, Swedish and
# Hungarian). Its pairs were checked only with cmp, listing tools and reasoning, never with the
# explainer. The explainer's developer does not open this file before its one scoring run.
#
# 40 pairs: 34 single-cause, 6 two-cause.
#
#   label            pairs
#   timestamp          5
#   build-path         4
#   timezone           3
#   user-group         3
#   file-order         3
#   locale             3
#   hostname           2
#   randomness         2
#   compression        2
#   permissions        2
#   content            2
#   input-version      2
#   build-id           1
#
#   two-cause: input-version+timestamp, locale+hostname, build-id+build-path,
#              permissions+file-order, user-group+locale, randomness+timezone
#
# Checking the pairs: with H5_VARY set (e.g. by a copy of make.sh without verify), only the
# factors it lists (1 and/or 2, the numbers given to pick/isb) are varied in the b builds; with
# H5_VARY="" a pair's two builds must be identical unless the pair is about randomness or
# build-id, or its b build really comes a second later.

H5_T1=1761554460  # 2025-10-27 08:41:00 UTC: the first build of a time-varied pair
H5_T2=1762197120  # 2025-11-03 19:12:00 UTC: a week later (another month)
H5_T3=1761566280  # 2025-10-27 11:58:00 UTC: the same day, later
H5_SDE=1758212400 # 2025-09-18 16:20:00 UTC: SOURCE_DATE_EPOCH and mtimes where time is pinned

# isb [K]: true in the b build of a pair when its factor K (default 1) is varied.
isb() {
    [ "$s" = b ] || return 1
    [ -z "${H5_VARY+x}" ] && return 0
    [[ " $H5_VARY " == *" ${1:-1} "* ]]
}
# pick A B [K]: A, or B in the b build when factor K is varied.
pick() { if isb "${3:-1}"; then echo "$2"; else echo "$1"; fi; }

# stopped EPOCH CMD...: run CMD with the clock stopped at EPOCH (faketime with an absolute date),
# so that a slow step does not see the next second.
stopped() {
    local t=$1
    shift
    faketime "$(date -ud "@$t" '+%Y-%m-%d %H:%M:%S')" "$@"
}

# ft_make EPOCH DIR [ARGS...]: make -s -C DIR with the clock stopped at EPOCH. The faked clock is
# earlier than the real mtimes of the files, so make warns of clock skew: its stderr is shown only
# if it fails.
ft_make() {
    local t=$1 d=$2
    shift 2
    stopped "$t" make -s -C "$d" "$@" 2>"$work/h5-make.err" || {
        cat "$work/h5-make.err" >&2
        return 1
    }
}

# h5_tar DIR OUT: a deterministic tar of DIR (sorted, root-owned, pinned mtimes).
h5_tar() { tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$H5_SDE" -C "$1" -cf "$2" .; }

# h5_as USER DIR SHELL-CODE [VAR=VALUE...]: run SHELL-CODE with bash as USER (root runs it
# directly) in the environment given, the tree functions of this half available; DIR is handed
# to USER first.
h5_as() {
    local u=$1 d=$2 code=$3 fns
    shift 3
    fns=$(declare -f fresh pin_mtimes larch_tree polder_tree fjord_tree || true) # (those defined so far)
    if [ "$u" = root ]; then
        env "$@" bash -c "$fns; $code"
    else
        chown -R "$u" "$d"
        as_user "$u" env "$@" bash -c "$fns; $code"
    fi
}

##############################################################################################
# C projects (make and gcc).

# quillstat: a line-length histogram; its --version shows the build's date from `date -R`.
quillstat_src() {
    fresh "$1"
    cat >"$1/quillstat.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    static const char *const bucket[] = {"0-9", "10-19", "20-39", "40-79", "80+"};
    long hist[5] = {0};
    char line[4096];
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("quillstat 0.9.4, compiled %s\n", QUILL_COMPILED);
        return 0;
    }
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strcspn(line, "\n");
        hist[n < 10 ? 0 : n < 20 ? 1 : n < 40 ? 2 : n < 80 ? 3 : 4]++;
    }
    for (int i = 0; i < 5; i++)
        printf("%-6s %ld\n", bucket[i], hist[i]);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
quillstat: quillstat.c stamp.h
> gcc -O2 -Wall -o $@ quillstat.c

stamp.h:
> echo "#define QUILL_COMPILED \"$$(date -R)\"" >$@
EOF
}

# libtessel: a shared library whose identification string has __DATE__ and __TIME__.
tessel_src() {
    fresh "$1"
    cat >"$1/tessel.h" <<'EOF'
#ifndef TESSEL_H
#define TESSEL_H
const char *tessel_ident(void);
long tessel_tiles(long width, long height, long tile);
#endif
EOF
    cat >"$1/tessel.c" <<'EOF'
#include "tessel.h"

static const char ident[] = "libtessel 0.6.1 (" __DATE__ " " __TIME__ ")";

const char *tessel_ident(void) { return ident; }

long tessel_tiles(long width, long height, long tile)
{
    if (tile <= 0)
        return -1;
    return ((width + tile - 1) / tile) * ((height + tile - 1) / tile);
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -fPIC
libtessel.so.0: tessel.o
> gcc -shared -Wl,-soname,libtessel.so.0 -o $@ tessel.o
tessel.o: tessel.c tessel.h
> gcc $(CFLAGS) -c -o $@ tessel.c
EOF
}

# cairnctl's man page: the date line of .TH is the month of the build (date +'%B %Y').
cairnctl_src() {
    fresh "$1"
    cat >"$1/cairnctl.8.in" <<'EOF'
.TH CAIRNCTL 8 "@MANDATE@" "cairnctl @VERSION@" "System Administration"
.SH NAME
cairnctl \- stack and unstack cairn snapshots of a volume
.SH SYNOPSIS
.B cairnctl
.RB [ \-\-dry\-run ]
.I command volume
.SH DESCRIPTION
.B cairnctl
keeps a stack of read-only snapshots ("cairns") of a volume and prunes the oldest when the
stack is higher than
.IR /etc/cairn/height .
.SH FILES
.TP
.I /etc/cairn/height
the number of snapshots kept per volume.
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
cairnctl.8.gz: cairnctl.8.in
> sed -e "s/@MANDATE@/$$(date '+%B %Y')/" -e 's/@VERSION@/2.2.0/' cairnctl.8.in >cairnctl.8
> gzip -9nf cairnctl.8
EOF
}

# libvarve: a shared library built with -g (relative sources, compiled in its directory).
varve_src() {
    fresh "$1"
    cat >"$1/varve.h" <<'EOF'
#ifndef VARVE_H
#define VARVE_H
struct varve_layer { int year; double thickness_mm; };
double varve_mean(const struct varve_layer *l, int n);
int varve_thickest(const struct varve_layer *l, int n);
#endif
EOF
    cat >"$1/mean.c" <<'EOF'
#include "varve.h"

double varve_mean(const struct varve_layer *l, int n)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += l[i].thickness_mm;
    return n > 0 ? sum / n : 0.0;
}
EOF
    cat >"$1/thickest.c" <<'EOF'
#include "varve.h"

int varve_thickest(const struct varve_layer *l, int n)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (best < 0 || l[i].thickness_mm > l[best].thickness_mm)
            best = i;
    return best < 0 ? 0 : l[best].year;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -g -fPIC
libvarve.so.0: mean.o thickest.o
> gcc -shared -Wl,-soname,libvarve.so.0 -o $@ mean.o thickest.o
%.o: %.c varve.h
> gcc $(CFLAGS) -c -o $@ $<
EOF
}

# libskerry: a static library of fat LTO objects (-frandom-seed pinned); its Makefile compiles
# absolute source paths, and its log macro prints __FILE__.
skerry_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/skerry.h" <<'EOF'
#ifndef SKERRY_H
#define SKERRY_H
#include <stdio.h>
#define SKERRY_WARN(msg) fprintf(stderr, "skerry: %s:%d: %s\n", __FILE__, __LINE__, msg)
int skerry_depth(const int *soundings, int n);
int skerry_tide(int hour);
#endif
EOF
    cat >"$1/src/depth.c" <<'EOF'
#include "skerry.h"

int skerry_depth(const int *soundings, int n)
{
    int min = 0;
    if (n <= 0) {
        SKERRY_WARN("no soundings");
        return -1;
    }
    min = soundings[0];
    for (int i = 1; i < n; i++)
        if (soundings[i] < min)
            min = soundings[i];
    return min;
}
EOF
    cat >"$1/src/tide.c" <<'EOF'
#include "skerry.h"

int skerry_tide(int hour)
{
    static const int table[12] = {0, 3, 7, 11, 14, 15, 14, 11, 7, 3, 0, -1};
    if (hour < 0 || hour > 23) {
        SKERRY_WARN("hour out of range");
        return 0;
    }
    return table[hour % 12];
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -flto -ffat-lto-objects
SRC := $(CURDIR)/src
libskerry.a: depth.o tide.o
> ar rcD $@ depth.o tide.o
%.o: $(SRC)/%.c $(SRC)/skerry.h
> gcc $(CFLAGS) -frandom-seed=$@ -c -o $@ $<
EOF
}

# heliograph: its release stamp is SOURCE_DATE_EPOCH as local %Y%m%d%H%M.
heliograph_src() {
    fresh "$1"
    cat >"$1/heliograph.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "release.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("heliograph release %s\n", HELIO_RELEASE);
        return 0;
    }
    /* flash a message as long and short pulses */
    for (int i = 1; i < argc; i++) {
        for (const char *p = argv[i]; *p; p++)
            fputs((*p & 1) ? "=== " : "= ", stdout);
        putchar('\n');
    }
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
heliograph: heliograph.c release.h
> gcc -O2 -o $@ heliograph.c
release.h:
> echo "#define HELIO_RELEASE \"$$(date -d @$$SOURCE_DATE_EPOCH +%Y%m%d%H%M)\"" >$@
EOF
}

# meshrelay: a banner like a kernel's "(who@where)", from whoami and uname -n at build time.
meshrelay_src() {
    fresh "$1"
    cat >"$1/meshrelay.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "compile.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        printf("meshrelay 2.3 (%s@%s)\n", MESH_COMPILE_BY, MESH_COMPILE_HOST);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("relaying frame %d: %zu bytes\n", i, strlen(argv[i]));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
meshrelay: meshrelay.c compile.h
> gcc -O2 -o $@ meshrelay.c
compile.h:
> printf '#define MESH_COMPILE_BY "%s"\n#define MESH_COMPILE_HOST "%s"\n' "$$(whoami)" "$$(uname -n)" >$@
EOF
}

# glyphtool: its sources are found with find(1), so the link order is the readdir order.
# ORDER: the order in which the glyph sources were written.
glyphtool_src() {
    local d=$1 order=$2 g
    fresh "$d"
    mkdir -p "$d/src"
    for g in $order; do
        cat >"$d/src/glyph_$g.c" <<EOF
#include <stdio.h>
int glyph_$g(int width)
{
    int drawn = 0;
    for (int x = 0; x < width; x++)
        drawn += printf("%s", (x * ${#g}) % 3 ? "$g" : "-") > 0;
    return drawn;
}
EOF
    done
    cat >"$d/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int glyph_arrows(int), glyph_blocks(int), glyph_braille(int), glyph_boxes(int), glyph_shades(int);
static const struct { const char *name; int (*draw)(int); } glyphs[] = {
    {"arrows", glyph_arrows}, {"blocks", glyph_blocks}, {"braille", glyph_braille},
    {"boxes", glyph_boxes}, {"shades", glyph_shades},
};
int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof glyphs / sizeof glyphs[0]; i++)
        if (argc < 2 || strcmp(argv[1], glyphs[i].name) == 0) {
            glyphs[i].draw(8);
            putchar('\n');
        }
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
SRCS := $(shell find src -name '*.c')
glyphtool: main.c $(SRCS)
> gcc -O2 -o $@ main.c $(SRCS)
EOF
}

# lexigon: a word table sorted by sort(1) under the build's locale.
lexigon_src() {
    fresh "$1"
    printf '%s\n' żuraw zamek łódka lis Łódź Ala ćma cebula Ćwiczenie ślimak sowa ósemka okno Zenon >"$1/slowa.txt"
    cat >"$1/lexigon.c" <<'EOF'
#include <stdio.h>
#include <string.h>

static const char *const words[] = {
#include "words.h"
};

int main(int argc, char **argv)
{
    size_t n = sizeof words / sizeof words[0];
    for (int i = 1; i < argc; i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(argv[i], words[k]) == 0)
                printf("%s: entry %zu of %zu\n", argv[i], k + 1, n);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
lexigon: lexigon.c words.h
> gcc -O2 -o $@ lexigon.c
words.h: slowa.txt
> sort slowa.txt | sed 's/.*/"&",/' >$@
EOF
}

# vmlet: its opcode table is generated by a Python script that walks a set (hash order).
vmlet_src() {
    fresh "$1"
    cat >"$1/gen_opcodes.py" <<'EOF'
OPCODES = {"nop", "push", "pop", "dup", "swap", "add", "sub", "mul", "div", "mod",
           "jmp", "jz", "call", "ret", "load", "store", "halt"}
print("/* generated by gen_opcodes.py */")
for code, name in enumerate(OPCODES):
    print("OPCODE(%s, %d)" % (name.upper(), code))
EOF
    cat >"$1/vmlet.c" <<'EOF'
#include <stdio.h>
#include <string.h>

#define OPCODE(name, code) OP_##name = code,
enum opcode {
#include "opcodes.h"
};
#undef OPCODE
#define OPCODE(name, code) [code] = #name,
static const char *const names[] = {
#include "opcodes.h"
};

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strcasecmp(argv[i], names[k]) == 0)
                printf("%s = 0x%02zx\n", names[k], k);
    return argc > 1 ? 0 : OP_HALT;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
PYTHON = python3
vmlet: vmlet.c opcodes.h
> gcc -O2 -o $@ vmlet.c
opcodes.h: gen_opcodes.py
> $(PYTHON) gen_opcodes.py >$@
EOF
}

# ptolemy with the vendored INI parser crumbini at VERSION (0.9.1, or 0.9.2 which also takes
# '#' comments). crumbini's version is three integer macros, printed with %d.
ptolemy_src() {
    local d=$1 v=$2
    fresh "$d"
    mkdir -p "$d/third_party/crumbini"
    cat >"$d/third_party/crumbini/crumbini.h" <<EOF
#ifndef CRUMBINI_H
#define CRUMBINI_H
#define CRUMBINI_VERSION_MAJOR ${v%%.*}
#define CRUMBINI_VERSION_MINOR $(echo "$v" | cut -d. -f2)
#define CRUMBINI_VERSION_PATCH ${v##*.}
typedef void (*crumbini_cb)(const char *section, const char *key, const char *value);
int crumbini_parse_line(char *line, char *section, crumbini_cb cb);
#endif
EOF
    cat >"$d/third_party/crumbini/crumbini.c" <<'EOF'
#include <string.h>
#include "crumbini.h"

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = 0;
    return s;
}

int crumbini_parse_line(char *line, char *section, crumbini_cb cb)
{
    char *s = trim(line), *eq;
    if (*s == 0 || IS_COMMENT(*s))
        return 0;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end)
            return -1;
        *end = 0;
        strcpy(section, s + 1);
        return 0;
    }
    eq = strchr(s, '=');
    if (!eq)
        return -1;
    *eq = 0;
    cb(section, trim(s), trim(eq + 1));
    return 0;
}
EOF
    if [ "$v" = 0.9.1 ]; then
        sed -i "1i #define IS_COMMENT(c) ((c) == ';')" "$d/third_party/crumbini/crumbini.c"
    else
        sed -i "1i #define IS_COMMENT(c) ((c) == ';' || (c) == '#')" "$d/third_party/crumbini/crumbini.c"
    fi
    cat >"$d/ptolemy.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "crumbini.h"

static void show(const char *section, const char *key, const char *value)
{
    printf("%s.%s = %s\n", section, key, value);
}

int main(int argc, char **argv)
{
    char line[1024], section[256] = "";
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("ptolemy 1.0 (crumbini %d.%d.%d)\n", CRUMBINI_VERSION_MAJOR,
               CRUMBINI_VERSION_MINOR, CRUMBINI_VERSION_PATCH);
        return 0;
    }
    while (fgets(line, sizeof line, stdin))
        if (crumbini_parse_line(line, section, show) < 0)
            fprintf(stderr, "ptolemy: cannot parse: %s", line);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nptolemy: ptolemy.c third_party/crumbini/crumbini.c third_party/crumbini/crumbini.h\n> gcc -O2 -Ithird_party/crumbini -o $@ ptolemy.c third_party/crumbini/crumbini.c\n' >"$d/Makefile"
}

# A small shared library: DIR NAME LDFLAGS; VARIANT fixed: an off-by-one fixed.
smallso_src() {
    local d=$1 name=$2 ldflags=$3 variant=${4:-}
    fresh "$d"
    cat >"$d/$name.c" <<EOF
#include <stddef.h>

/* $name: sums of sliding windows over a buffer of samples */
long ${name}_window_sum(const short *samples, size_t n, size_t window, long *out)
{
    long sum = 0;
    size_t k = 0;
    if (window == 0 || window > n)
        return 0;
    for (size_t i = 0; i < window; i++)
        sum += samples[i];
    out[k++] = sum;
    for (size_t i = window; i <= n; i++) {
        sum += samples[i] - samples[i - window];
        out[k++] = sum;
    }
    return (long)k;
}
EOF
    [ "$variant" = fixed ] && sed -i 's/i <= n; i++/i < n; i++/' "$d/$name.c"
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
lib$name.so.1: $name.c
> gcc -O2 -fPIC -shared -Wl,-soname,lib$name.so.1 $ldflags -o \$@ $name.c
EOF
}

# cobaltmon: a monitor with -g, linked with a random build ID.
cobaltmon_src() {
    fresh "$1"
    cat >"$1/cobaltmon.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    double limit = argc > 1 ? atof(argv[1]) : 75.0, v;
    int alarms = 0;
    while (scanf("%lf", &v) == 1)
        if (v > limit) {
            printf("cobaltmon: reading %.2f over %.2f\n", v, limit);
            alarms++;
        }
    return alarms > 0;
}
EOF
    printf '.RECIPEPREFIX = >\ncobaltmon: cobaltmon.c\n> gcc -O2 -g -Wl,--build-id=uuid -o $@ cobaltmon.c\n' >"$1/Makefile"
}

pair h5-quillstat # date -R in a generated header, built a week later
for s in a b; do
    quillstat_src "$work/quillstat"
    ft_make "$(pick $H5_T1 $H5_T2)" "$work/quillstat"
    cp "$work/quillstat/quillstat" "$P/$s.out"
done
label h5-quillstat timestamp

pair h5-tessel # a shared library with __DATE__ __TIME__, built later the same day
for s in a b; do
    tessel_src "$work/tessel"
    ft_make "$(pick $H5_T1 $H5_T3)" "$work/tessel"
    cp "$work/tessel/libtessel.so.0" "$P/$s.so"
done
label h5-tessel timestamp

pair h5-varve # -g in two checkouts
for s in a b; do
    d=$(pick "$work/opt/src/libvarve" "$work/mnt/scratch/kbuild/varve-0.3")
    varve_src "$d"
    make -s -C "$d"
    cp "$d/libvarve.so.0" "$P/$s.so"
done
label h5-varve build-path

pair h5-skerry # fat LTO objects with an absolute __FILE__, two checkouts
for s in a b; do
    d=$(pick "$work/home/skerry" "$work/data/ci/runner-3/skerry-src")
    skerry_src "$d"
    make -s -C "$d"
    cp "$d/libskerry.a" "$P/$s.a"
done
label h5-skerry build-path

pair h5-heliograph # SOURCE_DATE_EPOCH as local %Y%m%d%H%M, TZ=UTC vs America/St_Johns
for s in a b; do
    heliograph_src "$work/heliograph"
    SOURCE_DATE_EPOCH=$H5_SDE TZ="$(pick UTC America/St_Johns)" make -s -C "$work/heliograph"
    cp "$work/heliograph/heliograph" "$P/$s.out"
done
label h5-heliograph timezone

pair h5-meshrelay # whoami in the banner: built by root, then by sys, on the same machine
for s in a b; do
    meshrelay_src "$shm/meshrelay"
    u=$(pick root sys)
    [ "$u" = root ] || chown -R "$u" "$shm/meshrelay"
    on_host hq-compile-01 bash -c "$(declare -f as_user); as_user $u make -s -C '$shm/meshrelay'"
    cp "$shm/meshrelay/meshrelay" "$P/$s.out"
done
label h5-meshrelay user-group

pair h5-glyphtool # sources found by find(1) on tmpfs: link order of two checkouts
for s in a b; do
    glyphtool_src "$shm/glyphtool" "$(pick "arrows blocks braille boxes shades" "shades boxes arrows braille blocks")"
    make -s -C "$shm/glyphtool"
    cp "$shm/glyphtool/glyphtool" "$P/$s.out"
done
label h5-glyphtool file-order

locale_def pl_PL &
lp1=$!
locale_def sv_SE &
lp2=$!
locale_def hu_HU &
lp3=$!
wait "$lp1"
wait "$lp2"
wait "$lp3"
H5_LOC=$work/locales

pair h5-lexigon # a word table sorted under LC_ALL=C, then pl_PL.UTF-8
for s in a b; do
    lexigon_src "$work/lexigon"
    LOCPATH=$H5_LOC LC_ALL="$(pick C pl_PL.UTF-8)" make -s -C "$work/lexigon"
    cp "$work/lexigon/lexigon" "$P/$s.out"
done
label h5-lexigon locale

pair h5-vmlet # an opcode table in set order: two runs with their own hash seeds
for s in a b; do
    vmlet_src "$work/vmlet"
    PYTHONHASHSEED="$(pick 2718 40961)" make -s -C "$work/vmlet" PYTHON="$PY"
    cp "$work/vmlet/vmlet" "$P/$s.out"
done
label h5-vmlet randomness

pair h5-ptolemy # the vendored crumbini 0.9.1 updated to 0.9.2 (integer version macros, a fix)
for s in a b; do
    ptolemy_src "$work/ptolemy" "$(pick 0.9.1 0.9.2)"
    make -s -C "$work/ptolemy"
    cp "$work/ptolemy/ptolemy" "$P/$s.out"
done
label h5-ptolemy input-version

pair h5-wisp # a shared library linked with --build-id=uuid
for s in a b; do
    smallso_src "$work/wisp" wisp -Wl,--build-id=uuid
    make -s -C "$work/wisp"
    cp "$work/wisp/libwisp.so.1" "$P/$s.so"
done
label h5-wisp build-id

pair h5-cobble # a real change: an off-by-one fixed in a shared library
for s in a b; do
    smallso_src "$work/cobble" cobble "" "$(pick "" fixed)"
    make -s -C "$work/cobble"
    cp "$work/cobble/libcobble.so.1" "$P/$s.so"
done
label h5-cobble content

pair h5-cobaltmon # two factors: --build-id=uuid (1) and -g in another checkout (2)
for s in a b; do
    d=$(pick "$work/src/cobaltmon" "$work/build/overnight/cobaltmon-git" 2)
    cobaltmon_src "$d"
    make -s -C "$d"
    cp "$d/cobaltmon" "$P/$s.out"
done
label h5-cobaltmon build-id+build-path

##############################################################################################
# gzip: a man page.

pair h5-cairnctl # the man page's month (date +'%B %Y'), gzip -9n, built a week later (November)
for s in a b; do
    cairnctl_src "$work/cairnctl"
    ft_make "$(pick $H5_T1 $H5_T2)" "$work/cairnctl"
    cp "$work/cairnctl/cairnctl.8.gz" "$P/$s.8.gz"
done
label h5-cairnctl timestamp

##############################################################################################
# Python: byte code, wheels and an sdist (Debian's python3).

# pyproj DIR NAME VERSION [PRELUDE [SETUP-KWARGS]]: a setuptools project; PRELUDE is Python run
# by setup.py before setup(), SETUP-KWARGS more arguments of setup().
pyproj() {
    local d=$1 name=$2 v=$3 pre=${4:-} kw=${5:-}
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name: a small tool of the h5 projects."""
__version__ = "$v"
EOF
    cat >"$d/$name/cli.py" <<EOF
import argparse
import sys

from . import __version__


def summarize(lines):
    """Return (count, longest) of the non-empty lines."""
    kept = [line.rstrip("\\n") for line in lines if line.strip()]
    return len(kept), max((len(line) for line in kept), default=0)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="$name")
    parser.add_argument("--version", action="version", version="$name " + __version__)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            count, longest = summarize(f)
        print("%s: %d lines, longest %d" % (path, count, longest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
EOF
    {
        echo 'from setuptools import setup'
        printf '%s\n' "$pre"
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name: a small tool",
    author="H5 Examples",
    author_email="dev@h5-examples.invalid",
    packages=["$name"],
    entry_points={"console_scripts": ["$name=$name.cli:main"]},$kw
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$H5_SDE"
}

# whl DIR NAME VERSION OUT [ENV...]: bdist_wheel of DIR into OUT (ENV: more environment).
whl() {
    local d=$1 name=$2 v=$3 o=$4
    shift 4
    (cd "$d" && env "$@" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1) || die "bdist_wheel of $name failed"
    cp "$d/dist/$name-$v-py3-none-any.whl" "$o"
}

pair h5-mossgrid # compileall without SOURCE_DATE_EPOCH of a checkout made a week later (source mtimes)
for s in a b; do
    pyproj "$work/mossgrid" mossgrid 0.2.0
    pin_mtimes "$work/mossgrid" "$(pick $H5_T1 $H5_T2)"
    "$PY" -m compileall -q "$work/mossgrid/mossgrid" >/dev/null
    cp "$work/mossgrid/mossgrid/__pycache__/cli.cpython-"*.pyc "$P/$s.pyc"
done
label h5-mossgrid timestamp

pair h5-tidepool # compileall (SOURCE_DATE_EPOCH set) in two directories
for s in a b; do
    d=$(pick "$work/srv/checkout/tidepool" "$work/tmp/pip-build-x7q2/tidepool")
    pyproj "$d" tidepool 3.1.0
    SOURCE_DATE_EPOCH=$H5_SDE "$PY" -m compileall -q "$d/tidepool" >/dev/null
    cp "$d/tidepool/__pycache__/cli.cpython-"*.pyc "$P/$s.pyc"
done
label h5-tidepool build-path

pair h5-ferrylog # setup.py sdist twice, really a second apart (gzip header, generated files' mtimes)
for s in a b; do
    if isb; then sleep 1; fi
    pyproj "$work/ferrylog" ferrylog 0.3.0
    (cd "$work/ferrylog" && "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/ferrylog/dist/ferrylog-0.3.0.tar.gz" "$P/$s.tar.gz"
done
label h5-ferrylog timestamp

H5_NIGHTJAR_PRE='import datetime
import json
import os

built = datetime.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"])).astimezone()
with open("nightjar/build.json", "w") as f:
    json.dump({"built": built.isoformat(), "channel": "stable"}, f, indent=2)
    f.write("\n")'
pair h5-nightjar # setup.py writes SOURCE_DATE_EPOCH as local ISO 8601 into JSON; two TZs
for s in a b; do
    pyproj "$work/nightjar" nightjar 1.0.3 "$H5_NIGHTJAR_PRE" '
    package_data={"nightjar": ["build.json"]},'
    whl "$work/nightjar" nightjar 1.0.3 "$P/$s.whl" SOURCE_DATE_EPOCH=$H5_SDE TZ="$(pick UTC Asia/Kathmandu)"
done
label h5-nightjar timezone

H5_KESTREL_PRE='import locale
import os
import time

locale.setlocale(locale.LC_ALL, "")
released = time.strftime("%c", time.localtime(int(os.environ["SOURCE_DATE_EPOCH"])))
with open("kestrel_notes/_release.py", "w", encoding="utf-8") as f:
    f.write("RELEASED = %r\n" % released)'
pair h5-kestrel # setup.py writes SOURCE_DATE_EPOCH with %c under the locale: C vs hu_HU.UTF-8
for s in a b; do
    pyproj "$work/kestrel" kestrel_notes 2.4.1 "$H5_KESTREL_PRE"
    whl "$work/kestrel" kestrel_notes 2.4.1 "$P/$s.whl" SOURCE_DATE_EPOCH=$H5_SDE LOCPATH="$H5_LOC" LC_ALL="$(pick C hu_HU.UTF-8)"
done
label h5-kestrel locale

H5_PIPIT_PRE='import json
import socket

with open("pipit_sync/provenance.json", "w") as f:
    json.dump({"origin": socket.gethostname(), "pipeline": "release"}, f, sort_keys=True)'
pair h5-pipit # setup.py writes socket.gethostname() into JSON; built on two machines
for s in a b; do
    pyproj "$work/pipit" pipit_sync 0.8.0 "$H5_PIPIT_PRE" '
    package_data={"pipit_sync": ["provenance.json"]},'
    (cd "$work/pipit" && SOURCE_DATE_EPOCH=$H5_SDE on_host "$(pick tern-buildbox vm-ci-0419)" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/pipit/dist/pipit_sync-0.8.0-py3-none-any.whl" "$P/$s.whl"
done
label h5-pipit hostname

pair h5-marmot # the checkout and the build under umask 022, then 002 (group-writable files)
for s in a b; do
    (
        umask "$(pick 022 002)"
        pyproj "$work/marmot" marmot_cli 5.0.0
        whl "$work/marmot" marmot_cli 5.0.0 "$P/$s.whl" SOURCE_DATE_EPOCH=$H5_SDE
    )
done
label h5-marmot permissions

pair h5-heron # heron_fmt 1.4.2 -> 1.5.0, which adds a --width option
for s in a b; do
    v=$(pick 1.4.2 1.5.0)
    pyproj "$work/heron" heron_fmt "$v"
    if [ "$v" = 1.5.0 ]; then
        sed -i 's/    parser.add_argument("files", nargs="\*")/    parser.add_argument("--width", type=int, default=72)\n&/' "$work/heron/heron_fmt/cli.py"
        pin_mtimes "$work/heron" "$H5_SDE"
    fi
    whl "$work/heron" heron_fmt "$v" "$P/$s.whl" SOURCE_DATE_EPOCH=$H5_SDE
done
label h5-heron input-version

##############################################################################################
# gettext: .mo files.

# orchardpad: xgettext, msginit --no-translator for en_NZ.mo (its PO-Revision-Date is the POT's
# creation date, in the build's time zone).
orchardpad_src() {
    fresh "$1"
    mkdir -p "$1/src" "$1/po"
    cat >"$1/src/orchard.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(void)
{
    puts(_("Plant a new tree"));
    puts(_("Harvest ready: %d crates"));
    puts(_("The frost warning is active"));
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
en_NZ.mo: po/orchardpad.pot
> msginit --no-translator -l en_NZ -i po/orchardpad.pot -o po/en_NZ.po >/dev/null 2>&1
> msgfmt -o $@ po/en_NZ.po
po/orchardpad.pot: src/orchard.c
> xgettext -k_ --from-code=UTF-8 --package-name=orchardpad --package-version=1.2 --msgid-bugs-address=bugs@orchardpad.invalid -o $@ src/orchard.c
EOF
}

# tinkerpad: hu.po merged with the POT (msgmerge) and compiled; VARIANT fixed: the translator
# corrected a string.
tinkerpad_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/tinker.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(void)
{
    puts(_("Save as..."));
    puts(_("Discard the sketch?"));
    puts(_("Export to PNG"));
    return 0;
}
EOF
    cat >"$d/po/hu.po" <<'EOF'
# Hungarian translation of tinkerpad.
msgid ""
msgstr ""
"Project-Id-Version: tinkerpad 0.4\n"
"Report-Msgid-Bugs-To: forditas@tinkerpad.invalid\n"
"POT-Creation-Date: 2025-08-02 10:00+0000\n"
"PO-Revision-Date: 2025-08-11 21:15+0200\n"
"Last-Translator: Kovács Réka <reka@tinkerpad.invalid>\n"
"Language-Team: Hungarian\n"
"Language: hu\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/tinker.c:7
msgid "Save as..."
msgstr "Mentés máskent..."

#: src/tinker.c:8
msgid "Discard the sketch?"
msgstr "Elveti a vázlatot?"

#: src/tinker.c:9
msgid "Export to PNG"
msgstr "Exportálás PNG-be"
EOF
    [ "$variant" = fixed ] && sed -i 's/Mentés máskent/Mentés másként/' "$d/po/hu.po"
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
hu.mo: po/hu.po po/tinkerpad.pot
> msgmerge -q -o po/hu.merged.po po/hu.po po/tinkerpad.pot
> msgfmt -o $@ po/hu.merged.po
po/tinkerpad.pot: src/tinker.c
> xgettext -k_ --from-code=UTF-8 --package-name=tinkerpad --package-version=0.4 -o $@ src/tinker.c
EOF
}

pair h5-orchardpad # en_NZ.mo: xgettext at the same moment, TZ=UTC vs Pacific/Auckland
for s in a b; do
    orchardpad_src "$work/orchardpad"
    TZ="$(pick UTC Pacific/Auckland)" ft_make "$H5_T1" "$work/orchardpad"
    cp "$work/orchardpad/en_NZ.mo" "$P/$s.mo"
done
label h5-orchardpad timezone

pair h5-tinkerpad # a real change: the Hungarian translator corrected a string
for s in a b; do
    tinkerpad_src "$work/tinkerpad" "$(pick "" fixed)"
    ft_make "$H5_T1" "$work/tinkerpad"
    cp "$work/tinkerpad/hu.mo" "$P/$s.mo"
done
label h5-tinkerpad content

##############################################################################################
# Debian packages.

# lanternd: a small daemon whose Makefile compiles absolute paths (assert's __FILE__), packaged
# with dpkg-deb (lanternd_deb DIR OUT VERSION [dpkg-deb options]).
lanternd_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/lanternd.c" <<'EOF'
#include <assert.h>
#include <stdio.h>
#include <string.h>

static int brightness(const char *level)
{
    assert(level != NULL);
    if (strcmp(level, "dim") == 0)
        return 20;
    if (strcmp(level, "full") == 0)
        return 100;
    return 60;
}

int main(int argc, char **argv)
{
    int b = brightness(argc > 1 ? argv[1] : "normal");
    assert(b > 0 && b <= 100);
    printf("lanternd: brightness %d%%\n", b);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nlanternd: $(CURDIR)/src/lanternd.c\n> gcc -O2 -o $@ $<\n' >"$1/Makefile"
}

lanternd_deb() {
    local d=$1 o=$2 v=$3
    shift 3
    lanternd_src "$d"
    make -s -C "$d"
    mkdir -p "$d/stage/DEBIAN" "$d/stage/usr/sbin" "$d/stage/usr/share/doc/lanternd"
    cp "$d/lanternd" "$d/stage/usr/sbin/lanternd"
    printf 'lanternd\n\nCopyright 2025 Lantern Works\nLicense: ISC\n' >"$d/stage/usr/share/doc/lanternd/copyright"
    cat >"$d/stage/DEBIAN/control" <<EOF
Package: lanternd
Version: $v
Architecture: amd64
Maintainer: Lantern Works <packaging@lanternworks.invalid>
Depends: libc6 (>= 2.34)
Section: admin
Priority: optional
Description: dims and brightens porch lanterns
 lanternd sets the brightness of networked lanterns.
EOF
    dpkg-deb --build "$@" "$d/stage" "$o" >/dev/null
}

# puffind: a packet counter packaged at VERSION 3.0.1-1, or 3.0.2-1 (a --quiet option and a
# changelog entry): DIR OUT VERSION. The staged files get the build's time (as a build does).
puffind_deb() {
    local d=$1 o=$2 v=$3
    fresh "$d"
    cat >"$d/puffind.c" <<'EOF'
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    long packets = 0;
    int c, quiet = 0;
/*QUIET*/
    while ((c = getchar()) != EOF)
        if (c == '\n')
            packets++;
    if (!quiet)
        printf("puffind: %ld packets\n", packets);
    return packets == 0;
}
EOF
    if [ "$v" = 3.0.2-1 ]; then
        sed -i 's|^/\*QUIET\*/|    quiet = argc > 1 \&\& strcmp(argv[1], "--quiet") == 0;|' "$d/puffind.c"
    else
        sed -i 's|^/\*QUIET\*/|    (void)argc, (void)argv;|' "$d/puffind.c"
    fi
    gcc -O2 -o "$d/puffind" "$d/puffind.c"
    mkdir -p "$d/stage/DEBIAN" "$d/stage/usr/bin" "$d/stage/usr/share/doc/puffind"
    cp "$d/puffind" "$d/stage/usr/bin/puffind"
    {
        if [ "$v" = 3.0.2-1 ]; then
            cat <<'EOF'
puffind (3.0.2-1) unstable; urgency=medium

  * New upstream release: --quiet.

 -- Tuuli Aaltonen <tuuli@puffind.invalid>  Tue, 14 Oct 2025 09:30:00 +0300

EOF
        fi
        cat <<'EOF'
puffind (3.0.1-1) unstable; urgency=medium

  * New upstream release.

 -- Tuuli Aaltonen <tuuli@puffind.invalid>  Mon, 01 Sep 2025 12:00:00 +0300
EOF
    } | gzip -9n >"$d/stage/usr/share/doc/puffind/changelog.Debian.gz"
    cat >"$d/stage/DEBIAN/control" <<EOF
Package: puffind
Version: $v
Architecture: amd64
Maintainer: Tuuli Aaltonen <tuuli@puffind.invalid>
Depends: libc6 (>= 2.34)
Section: net
Priority: optional
Description: counts packets on standard input
 puffind counts the lines of a packet log.
EOF
    pin_mtimes "$d/stage" "$(date +%s)"
    dpkg-deb --build --root-owner-group -Zxz "$d/stage" "$o" >/dev/null
}

pair h5-lanternd # a .deb whose binary has assert's absolute path: two build directories
for s in a b; do
    d=$(pick "$work/pkg/lanternd-1.8" "$work/var/cache/pbuilder/build/lanternd-1.8")
    SOURCE_DATE_EPOCH=$H5_SDE lanternd_deb "$d" "$P/$s.deb" 1.8-2 --root-owner-group -Zxz
done
label h5-lanternd build-path

pair h5-puffind # two factors: 3.0.1-1 -> 3.0.2-1 (1) and built a week later without SOURCE_DATE_EPOCH (2)
for s in a b; do
    stopped "$(pick $H5_T1 $H5_T2 2)" bash -c "$(declare -f fresh pin_mtimes puffind_deb); puffind_deb '$work/puffind' '$P/$s.deb' $(pick 3.0.1-1 3.0.2-1 1)"
done
label h5-puffind input-version+timestamp

##############################################################################################
# squashfs and ISO 9660 images.

# fikaos: a recipe tree whose index is `ls` of the recipes (sorted under the build's locale).
fikaos_tree() {
    local d=$1 f
    fresh "$d"
    mkdir -p "$d/etc" "$d/usr/share/fika/recept"
    printf 'NAME="FikaOS"\nVERSION_ID="7"\n' >"$d/etc/os-release"
    for f in äppelkaka Ostkaka bullar Ölbröd zucchinipaj Åländsk_pannkaka kanelbulle Västerbottenpaj wienerbröd; do
        printf '%s\n\nIngredienser och gör så här för %s.\n' "$f" "$f" >"$d/usr/share/fika/recept/$f.txt"
    done
    (cd "$d/usr/share/fika/recept" && ls -1 >../recept.index)
}

# otterfw: a firmware bundle (pseudo-random blobs from a fixed seed, and text).
otterfw_tree() {
    fresh "$1"
    mkdir -p "$1/lib/firmware/otter" "$1/etc/otter"
    "$PY" - "$1/lib/firmware/otter" <<'EOF'
import random
import sys

rng = random.Random(1705)
for name, size in (("otter-dsp.bin", 40000), ("otter-radio.bin", 24000)):
    with open("%s/%s" % (sys.argv[1], name), "wb") as f:
        f.write(bytes(rng.getrandbits(8) if i % 4 else i % 251 for i in range(size)))
EOF
    for i in $(seq 1 300); do printf 'channel %03d = %d kHz, gain %d dB\n' "$i" $((2400000 + i * 500)) $((i % 17)); done >"$1/etc/otter/channels.conf"
}

# larchrescue: a rescue disc tree (written by whoever builds it).
larch_tree() {
    fresh "$1"
    mkdir -p "$1/boot" "$1/rescue/tools"
    printf 'LARCH RESCUE 4\nboot: linux rescue=1\n' >"$1/boot/larch.cfg"
    printf '#!/bin/sh\necho "larchrescue: checking disks"\nfor d in /dev/sd?; do fsck -n "$d"; done\n' >"$1/rescue/tools/checkdisks"
    chmod 755 "$1/rescue/tools/checkdisks"
    printf 'Larch Rescue 4: boot, check, copy out.\n' >"$1/README.txt"
}

pair h5-fikaos # the recipe index (ls) under LC_ALL=C, then sv_SE.UTF-8, in a squashfs
for s in a b; do
    LOCPATH=$H5_LOC LC_ALL="$(pick C sv_SE.UTF-8)" bash -c "$(declare -f fresh fikaos_tree); fikaos_tree '$work/fikaos'"
    pin_mtimes "$work/fikaos" "$H5_SDE"
    mksquashfs "$work/fikaos" "$P/$s.squashfs" -noappend -quiet -no-progress -comp gzip -mkfs-time "$H5_SDE" >/dev/null
done
label h5-fikaos locale

pair h5-otterfw # the firmware bundle with -comp zstd, then -comp lz4
otterfw_tree "$work/otterfw"
pin_mtimes "$work/otterfw" "$H5_SDE"
for s in a b; do
    mksquashfs "$work/otterfw" "$P/$s.squashfs" -noappend -quiet -no-progress -comp "$(pick zstd lz4)" -mkfs-time "$H5_SDE" >/dev/null
done
label h5-otterfw compression

pair h5-larch # a rescue disc tree written by root, then by bin (Rock Ridge keeps the owners)
for s in a b; do
    fresh "$shm/larch"
    h5_as "$(pick root bin)" "$shm/larch" "larch_tree '$shm/larch/tree'"
    pin_mtimes "$shm/larch" "$H5_SDE"
    SOURCE_DATE_EPOCH=$H5_SDE xorriso -as mkisofs -quiet -R -J -V LARCH_RESCUE_4 -o "$P/$s.iso" "$shm/larch/tree" 2>/dev/null
done
label h5-larch user-group

pair h5-sandpiper # two factors: .disk/info with `date +%c` under pl_PL.UTF-8 (1) on another host (2)
for s in a b; do
    fresh "$work/sandpiper/.disk"
    mkdir -p "$work/sandpiper/live"
    printf 'sandpiper live system\n' >"$work/sandpiper/live/README"
    on_host "$(pick mirror-builder-2 rosalind-thinkpad 2)" env LOCPATH="$H5_LOC" LC_ALL="$(pick C pl_PL.UTF-8 1)" \
        sh -c 'echo "Sandpiper Live 5.1 \"Estuary\" - $(uname -n) - $(date -d @$0 +%c)"' "$H5_SDE" >"$work/sandpiper/.disk/info"
    pin_mtimes "$work/sandpiper" "$H5_SDE"
    SOURCE_DATE_EPOCH=$H5_SDE xorriso -as mkisofs -quiet -R -J -V SANDPIPER_51 -o "$P/$s.iso" "$work/sandpiper" 2>/dev/null
done
label h5-sandpiper locale+hostname

##############################################################################################
# zip.

gazetteer_tree() {
    fresh "$1"
    mkdir -p "$1/gazetteer"
    "$PY" - "$1/gazetteer" <<'EOF'
import random
import sys

rng = random.Random(4242)
parts = ["amber", "brook", "cliff", "dale", "fen", "gill", "holm", "ley", "mere", "ness", "thwaite", "wick"]
rivers = ["Ouse", "Wear", "Tees", "Lune", "Eden", "Kent", "Esk", "Aire"]
for region in ("north", "east", "south", "west"):
    with open("%s/%s.txt" % (sys.argv[1], region), "w") as f:
        for i in range(700):
            name = rng.choice(parts).title() + rng.choice(parts)
            f.write("%s %04d: %s, on the %s, population %d, founded %d\n" % (
                region, i, name, rng.choice(rivers), rng.randrange(80, 90000), rng.randrange(900, 1900)))
EOF
}

pair h5-gazetteer # the same tree zipped with -9, then -1
gazetteer_tree "$work/gazetteer"
for s in a b; do
    pin_mtimes "$work/gazetteer" "$H5_SDE"
    (cd "$work/gazetteer" && zip -q -X -r "$(pick -9 -1)" "$P/$s.zip" gazetteer)
done
label h5-gazetteer compression

pair h5-hearthrc # dotfiles written under umask 022, then 027, zipped
for s in a b; do
    (
        umask "$(pick 022 027)"
        fresh "$work/hearthrc"
        mkdir -p "$work/hearthrc/hearthrc/bin"
        printf 'set -o vi\nexport EDITOR=vi\nalias ll="ls -l"\n' >"$work/hearthrc/hearthrc/bashrc"
        printf '[core]\n\tautocrlf = input\n' >"$work/hearthrc/hearthrc/gitconfig"
        printf '#!/bin/sh\nfor f in bashrc gitconfig; do ln -sf "$PWD/$f" "$HOME/.$f"; done\n' >"$work/hearthrc/hearthrc/bin/install-hearth"
        chmod +x "$work/hearthrc/hearthrc/bin/install-hearth"
    )
    pin_mtimes "$work/hearthrc" "$H5_SDE"
    (cd "$work/hearthrc" && zip -q -X -r "$P/$s.zip" hearthrc)
done
label h5-hearthrc permissions

pair h5-bramble # index.json from os.listdir (tmpfs) of two checkouts; the zip itself sorted
for s in a b; do
    fresh "$shm/bramble"
    mkdir -p "$shm/bramble/bramble-icons/svg"
    for i in $(pick "leaf thorn berry vine stem flower" "berry stem leaf flower vine thorn"); do
        printf '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><title>%s</title><circle cx="8" cy="8" r="6"/></svg>\n' "$i" >"$shm/bramble/bramble-icons/svg/$i.svg"
    done
    "$PY" -c 'import json, os, sys
d = sys.argv[1]
with open(os.path.join(d, "index.json"), "w") as f:
    json.dump({"set": "bramble-icons", "icons": [n[:-4] for n in os.listdir(os.path.join(d, "svg"))]}, f)' "$shm/bramble/bramble-icons"
    pin_mtimes "$shm/bramble" "$H5_SDE"
    (cd "$shm/bramble" && find bramble-icons | LC_ALL=C sort | zip -q -X "$P/$s.zip" -@)
done
label h5-bramble file-order

pair h5-tallow # two factors: a fresh random key file (1), zipped with TZ=UTC vs Australia/Adelaide (2)
for s in a b; do
    fresh "$work/tallow/tallow-keys"
    printf 'keyfile = session.bin\ncipher = chacha20\n' >"$work/tallow/tallow-keys/tallow.conf"
    head -c 32 /dev/urandom >"$work/tallow/tallow-keys/session.bin"
    # (when checking the pair with H5_VARY without factor 1: a fixed key instead)
    if [ -n "${H5_VARY+x}" ] && ! isb 1; then printf '%032d' 0 >"$work/tallow/tallow-keys/session.bin"; fi
    pin_mtimes "$work/tallow" "$H5_SDE"
    (cd "$work/tallow" && TZ="$(pick UTC Australia/Adelaide 2)" zip -q -X -r "$P/$s.zip" tallow-keys)
done
label h5-tallow randomness+timezone

##############################################################################################
# tar (.tar.gz, .tar.xz, .tar.zst).

pair h5-wayfarer # tar without --sort of a handbook checked out twice in other orders (tmpfs), gzip -n
for s in a b; do
    fresh "$shm/wayfarer/handbook"
    for c in $(pick "routes campsites weather firstaid packing maps" "maps firstaid routes packing weather campsites"); do
        printf '# %s\n\nThe wayfarer handbook chapter on %s.\n' "$c" "$c" >"$shm/wayfarer/handbook/$c.md"
    done
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$H5_SDE" -C "$shm/wayfarer" -cf - handbook | gzip -9n >"$P/$s.tar.gz"
done
label h5-wayfarer file-order

pair h5-ember # a root file system image with a fresh 512-byte random seed, tar.zst
for s in a b; do
    fresh "$work/ember"
    mkdir -p "$work/ember/etc" "$work/ember/var/lib/ember"
    printf 'NAME="Ember Linux"\nVERSION_ID="0.12"\n' >"$work/ember/etc/os-release"
    head -c 512 /dev/urandom >"$work/ember/var/lib/ember/random-seed"
    chmod 600 "$work/ember/var/lib/ember/random-seed"
    h5_tar "$work/ember" - | zstd -q -T1 -12 >"$P/$s.tar.zst"
done
label h5-ember randomness

# polder: a word list sorted with sort(1) under the builder's locale.
polder_tree() {
    fresh "$1"
    mkdir -p "$1/polder-docs"
    printf '%s\n' szőlő alma Ábécé cukor csiga Zsák zebra dzsem Éden ember öböl olaj Ügy úr >"$1/polder-docs/szavak.txt"
    sort "$1/polder-docs/szavak.txt" >"$1/polder-docs/szotar.txt"
    printf 'polder-docs: a word list for the polder spell checker\n' >"$1/polder-docs/README"
}

pair h5-polder # two factors: built by root (1) with LC_ALL=C (2), then by sync with hu_HU.UTF-8; tar without --owner
for s in a b; do
    fresh "$shm/polder"
    chmod 755 "$shm/polder"
    h5_as "$(pick root sync 1)" "$shm/polder" "polder_tree '$shm/polder/tree'" LOCPATH="$H5_LOC" LC_ALL="$(pick C hu_HU.UTF-8 2)"
    pin_mtimes "$shm/polder" "$H5_SDE"
    tar --format=gnu --sort=name --mtime="@$H5_SDE" -C "$shm/polder/tree" -cf - polder-docs | xz -T1 -6 >"$P/$s.tar.xz"
done
label h5-polder user-group+locale

##############################################################################################
# cpio.

# fjordboot: an initramfs tree (written by whoever builds it).
fjord_tree() {
    fresh "$1"
    mkdir -p "$1/etc" "$1/sbin" "$1/lib/fjord"
    printf '#!/bin/sh\nmount -t proc proc /proc\nexec /sbin/fjord-switch /newroot\n' >"$1/init"
    chmod 755 "$1/init"
    printf 'root=LABEL=fjordroot\nfallback=/dev/vda2\n' >"$1/etc/fjord.conf"
    printf 'fjord-switch placeholder\n' >"$1/sbin/fjord-switch"
    chmod 755 "$1/sbin/fjord-switch"
    printf 'virtio_blk\next4\n' >"$1/lib/fjord/modules.list"
}

pair h5-fjordboot # an initramfs tree written by root, then by bin; cpio keeps the numeric owners
for s in a b; do
    fresh "$shm/fjord"
    h5_as "$(pick root bin)" "$shm/fjord" "fjord_tree '$shm/fjord/root'"
    pin_mtimes "$shm/fjord" "$H5_SDE"
    (cd "$shm/fjord/root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) >"$P/$s.cpio"
done
label h5-fjordboot user-group

pair h5-quoll # a netboot initramfs whose etc/hostname and build.conf come from the build machine
for s in a b; do
    fresh "$work/quoll"
    mkdir -p "$work/quoll/etc/quoll" "$work/quoll/bin"
    printf '#!/bin/sh\nexec /bin/quoll-netboot\n' >"$work/quoll/init"
    chmod 755 "$work/quoll/init"
    on_host "$(pick imgfactory-east dev-laptop-ravi)" sh -c 'hostname >"$1/etc/hostname"; printf "QUOLL_IMAGE=2.0\nASSEMBLED_ON=%s\n" "$(uname -n)" >"$1/etc/quoll/build.conf"' sh "$work/quoll"
    pin_mtimes "$work/quoll" "$H5_SDE"
    (cd "$work/quoll" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h5-quoll hostname

pair h5-lichen # two factors: written under umask 022 vs 077 (1), and in another order (2) on tmpfs; find | cpio
for s in a b; do
    (
        umask "$(pick 022 077 1)"
        fresh "$shm/lichen/overlay"
        mkdir -p "$shm/lichen/overlay/etc/lichen"
        for f in $(pick "sensors.conf alerts.conf network.conf storage.conf" "storage.conf sensors.conf network.conf alerts.conf" 2); do
            printf '# lichen overlay: %s\nenabled = yes\n' "$f" >"$shm/lichen/overlay/etc/lichen/$f"
        done
    )
    pin_mtimes "$shm/lichen" "$H5_SDE"
    (cd "$shm/lichen/overlay" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label h5-lichen permissions+file-order
