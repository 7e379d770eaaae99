# The second held-out half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
# Written independently of the explainer and of the first held-out half: its projects, paths,
# host names, users, dates, zones and locales are its own. The explainer's developer never
# opens this file, never looks at its pairs and puts none of its tokens in crates/explain/src.
# It is run once, as the final check (accuracy.sh heldout2 --lock).

PIN=1757831400 # 2025-09-14 06:30:00 UTC: SOURCE_DATE_EPOCH and file times where time is pinned

# ab A B: A when building the pair's first artifact ($s = a), else B.
ab() { if [ "$s" = a ]; then echo "$1"; else echo "$2"; fi; }

# The three locales the locale pairs use, compiled side by side while the first pairs build.
for l in sv_SE fr_FR pl_PL; do
    (locale_def "$l") &
done

##############################################################################################
# C projects (make and gcc).

# hexpeek: a hex dumper; its Makefile compiles relative paths (src/*.c). VARIANT fixed: the
# last partial line is no longer dropped.
hexpeek_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src"
    cat >"$d/src/dump.h" <<'EOF'
#ifndef HEXPEEK_DUMP_H
#define HEXPEEK_DUMP_H
#include <stdio.h>
#define HEXPEEK_WIDTH 16
void hexpeek_dump(FILE *in, FILE *out);
#endif
EOF
    cat >"$d/src/dump.c" <<'EOF'
#include <ctype.h>
#include "dump.h"

static void hexpeek_line(FILE *out, unsigned long off, const unsigned char *b, size_t n)
{
    fprintf(out, "%08lx  ", off);
    for (size_t i = 0; i < HEXPEEK_WIDTH; i++) {
        if (i < n)
            fprintf(out, "%02x ", b[i]);
        else
            fputs("   ", out);
        if (i == 7)
            fputc(' ', out);
    }
    fputs(" |", out);
    for (size_t i = 0; i < n; i++)
        fputc(isprint(b[i]) ? b[i] : '.', out);
    fputs("|\n", out);
}

void hexpeek_dump(FILE *in, FILE *out)
{
    unsigned char buf[HEXPEEK_WIDTH];
    unsigned long off = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) == sizeof buf) {
        hexpeek_line(out, off, buf, n);
        off += n;
    }
/*TAIL*/
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's|^/\*TAIL\*/$|    if (n > 0)\n        hexpeek_line(out, off, buf, n);|' "$d/src/dump.c"
    else
        sed -i '/^\/\*TAIL\*\/$/d' "$d/src/dump.c"
    fi
    cat >"$d/src/main.c" <<'EOF'
#include <stdio.h>
#include "dump.h"

int main(int argc, char **argv)
{
    FILE *in = stdin;
    if (argc > 1 && (in = fopen(argv[1], "rb")) == NULL) {
        perror(argv[1]);
        return 2;
    }
    hexpeek_dump(in, stdout);
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS ?= -O2 -Wall
OBJS = src/main.o src/dump.o

hexpeek: $(OBJS)
> $(CC) $(CFLAGS) -o $@ $(OBJS)

src/%.o: src/%.c src/dump.h
> $(CC) $(CFLAGS) -c -o $@ $<
EOF
}

# cronlint: a crontab checker whose LOG_WARN macro prints __FILE__; the Makefile compiles
# absolute source paths ($(CURDIR)/src/...), as CMake-generated ones do.
cronlint_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/log.h" <<'EOF'
#ifndef CRONLINT_LOG_H
#define CRONLINT_LOG_H
#include <stdio.h>
#define LOG_WARN(fmt, ...) fprintf(stderr, "warning (%s:%d): " fmt "\n", __FILE__, __LINE__, __VA_ARGS__)
#endif
EOF
    cat >"$1/src/cronlint.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "log.h"

static int check_field(const char *f, int lo, int hi, int lineno)
{
    if (strcmp(f, "*") == 0)
        return 0;
    char *end;
    long v = strtol(f, &end, 10);
    if (*end != '\0' && *end != '/' && *end != ',' && *end != '-') {
        LOG_WARN("line %d: cannot parse field '%s'", lineno, f);
        return 1;
    }
    if (v < lo || v > hi) {
        LOG_WARN("line %d: %ld is out of range %d-%d", lineno, v, lo, hi);
        return 1;
    }
    return 0;
}

int main(void)
{
    static const int lo[5] = {0, 0, 1, 1, 0}, hi[5] = {59, 23, 31, 12, 7};
    char line[512];
    int lineno = 0, bad = 0;
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char *tok = strtok(line, " \t");
        for (int i = 0; i < 5 && tok; i++, tok = strtok(NULL, " \t"))
            bad += check_field(tok, lo[i], hi[i], lineno);
    }
    return bad ? 1 : 0;
}
EOF
    printf '.RECIPEPREFIX = >\nSRC := $(CURDIR)/src\ncronlint: $(SRC)/cronlint.c $(SRC)/log.h\n> gcc -O2 -I$(SRC) -o $@ $(SRC)/cronlint.c\n' >"$1/Makefile"
}

# pgnview: a chess game viewer whose --version says when it was compiled (__DATE__, __TIME__).
pgnview_src() {
    fresh "$1"
    cat >"$1/pgnview.c" <<'EOF'
#include <stdio.h>
#include <string.h>

static const char pgnview_version[] = "pgnview 0.12.1, compiled " __DATE__ " at " __TIME__;

int main(int argc, char **argv)
{
    char line[256];
    int moves = 0;
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        puts(pgnview_version);
        return 0;
    }
    while (fgets(line, sizeof line, stdin))
        if (line[0] != '[')
            for (char *p = line; (p = strchr(p, '.')) != NULL; p++)
                moves++;
    printf("%d moves\n", moves);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nCFLAGS = -O2\npgnview: pgnview.c\n> $(CC) $(CFLAGS) -o $@ pgnview.c\n' >"$1/Makefile"
}

# A program with a generated stamp.h: DIR PROGRAM MACRO SHELL-COMMAND [LDFLAGS]. The Makefile
# runs the command when it builds and defines MACRO as its output.
stamped_src() {
    local d=$1 prog=$2 macro=$3 cmd=$4 ldflags=${5:-}
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "$prog (%s)\\nusage: $prog ARG...\\n", $macro);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        printf("%s -> %ld\\n", argv[i], strtol(argv[i], NULL, 0) * 7 % 1000);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: $prog.c stamp.h
> gcc -O2 $ldflags -o \$@ $prog.c

stamp.h:
> echo "#define $macro \\"\$\$($cmd)\\"" >\$@
EOF
}

# citydb: a table of Swedish place names, sorted by sort(1) in the build's locale.
citydb_src() {
    fresh "$1"
    printf '%s\n' Östersund Umeå arvika Åre Växjö Göteborg Ängelholm Luleå vadstena Malmö \
        Örebro Zinkgruvan Åmål Borås Ystad älvdalen Wisby >"$1/places.txt"
    cat >"$1/citydb.c" <<'EOF'
#include <stdio.h>
#include <string.h>

static const char *const places[] = {
#include "places.inc"
};

int main(int argc, char **argv)
{
    size_t n = sizeof places / sizeof places[0];
    for (size_t i = 0; i < n; i++)
        if (argc < 2 || strstr(places[i], argv[1]))
            printf("%3zu %s\n", i + 1, places[i]);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
citydb: citydb.c places.inc
> gcc -O2 -o $@ citydb.c

places.inc: places.txt
> sort places.txt | sed 's/.*/"&",/' >$@
EOF
}

# pixmix: an image filter tool whose Makefile takes its sources from find(1), in readdir order.
# ORDER: the order in which the filter sources were written (as a checkout writes them).
pixmix_src() {
    local d=$1 order=$2 f
    fresh "$d"
    mkdir -p "$d/src"
    for f in $order; do
        cat >"$d/src/$f.c" <<EOF
#include <stddef.h>
void pixmix_$f(unsigned char *px, size_t n)
{
    for (size_t i = 0; i < n; i++)
        px[i] = (unsigned char)((px[i] * ${#f}u + $((${#f} * 13))u) ^ (i & 0x$((${#f} + 1))fu));
}
EOF
    done
    cat >"$d/src/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
void pixmix_blur(unsigned char *, size_t);
void pixmix_sharpen(unsigned char *, size_t);
void pixmix_sepia(unsigned char *, size_t);
void pixmix_invert(unsigned char *, size_t);
void pixmix_posterize(unsigned char *, size_t);

int main(int argc, char **argv)
{
    unsigned char px[4096];
    size_t n = fread(px, 1, sizeof px, stdin);
    const char *f = argc > 1 ? argv[1] : "invert";
    if (strcmp(f, "blur") == 0) pixmix_blur(px, n);
    else if (strcmp(f, "sharpen") == 0) pixmix_sharpen(px, n);
    else if (strcmp(f, "sepia") == 0) pixmix_sepia(px, n);
    else if (strcmp(f, "posterize") == 0) pixmix_posterize(px, n);
    else pixmix_invert(px, n);
    fwrite(px, 1, n, stdout);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nSRCS := $(shell find src -name "*.c")\npixmix: $(SRCS)\n> gcc -O2 -o $@ $(SRCS)\n' >"$d/Makefile"
}

# seqstat: one object compiled with -flto (no -frandom-seed), as a build hands it to a later link.
seqstat_src() {
    fresh "$1"
    cat >"$1/seqstat.c" <<'EOF'
#include <string.h>

double seqstat_gc_content(const char *seq)
{
    size_t n = strlen(seq), gc = 0;
    for (size_t i = 0; i < n; i++)
        gc += seq[i] == 'G' || seq[i] == 'C' || seq[i] == 'g' || seq[i] == 'c';
    return n ? (double)gc / (double)n : 0.0;
}

unsigned seqstat_n50(const unsigned *lengths, unsigned count, unsigned long total)
{
    unsigned long run = 0;
    for (unsigned i = 0; i < count; i++)
        if ((run += lengths[i]) * 2 >= total)
            return lengths[i];
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nCFLAGS = -O2 -flto -fPIC\nseqstat.o: seqstat.c\n> $(CC) $(CFLAGS) -c -o $@ seqstat.c\n' >"$1/Makefile"
}

# imgmeta with the vendored library exifparse at VERSION (0.9.4; 0.9.5 also knows the lens tag).
imgmeta_src() {
    local d=$1 v=$2
    fresh "$d"
    mkdir -p "$d/extern/exifparse"
    cat >"$d/extern/exifparse/exifparse.h" <<EOF
#ifndef EXIFPARSE_H
#define EXIFPARSE_H
#define EXIFPARSE_VERSION "$v"
const char *exifparse_tag_name(unsigned tag);
#endif
EOF
    {
        echo '#include "exifparse.h"'
        echo
        echo 'const char *exifparse_tag_name(unsigned tag)'
        echo '{'
        echo '    switch (tag) {'
        echo '    case 0x010f: return "Make";'
        echo '    case 0x0110: return "Model";'
        echo '    case 0x829a: return "ExposureTime";'
        echo '    case 0x829d: return "FNumber";'
        echo '    case 0x8827: return "ISOSpeedRatings";'
        [ "$v" = 0.9.5 ] && echo '    case 0xa434: return "LensModel";'
        echo '    default: return "unknown";'
        echo '    }'
        echo '}'
    } >"$d/extern/exifparse/exifparse.c"
    cat >"$d/imgmeta.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exifparse.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("imgmeta 1.0 (exifparse %s)\n", EXIFPARSE_VERSION);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%s: %s\n", argv[i], exifparse_tag_name((unsigned)strtoul(argv[i], NULL, 16)));
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nimgmeta: imgmeta.c extern/exifparse/exifparse.c extern/exifparse/exifparse.h\n> gcc -O2 -Iextern/exifparse -o $@ imgmeta.c extern/exifparse/exifparse.c\n' >"$d/Makefile"
}

# libtiles.so: a shared library linked with a random build ID (-Wl,--build-id=uuid).
tilecache_src() {
    fresh "$1"
    cat >"$1/tiles.c" <<'EOF'
#include <math.h>

int tiles_x(double lon, int zoom) { return (int)((lon + 180.0) / 360.0 * (1 << zoom)); }
int tiles_count(int zoom) { return (1 << zoom) * (1 << zoom); }
EOF
    printf '.RECIPEPREFIX = >\nlibtiles.so: tiles.c\n> gcc -O2 -fPIC -shared -Wl,--build-id=uuid -Wl,-soname,libtiles.so.3 -o $@ tiles.c\n' >"$1/Makefile"
}

# notegrep: a note searcher built with -g (DW_AT_comp_dir), whose header says who built it.
notegrep_src() {
    fresh "$1"
    cat >"$1/notegrep.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "builder.h"

int main(int argc, char **argv)
{
    char line[1024];
    if (argc < 2) {
        fprintf(stderr, "notegrep, packaged by %s\nusage: notegrep WORD < notes\n", NOTEGREP_BUILDER);
        return 2;
    }
    for (int n = 1; fgets(line, sizeof line, stdin); n++)
        if (strstr(line, argv[1]))
            printf("%d: %s", n, line);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nnotegrep: notegrep.c builder.h\n> gcc -O2 -g -o $@ notegrep.c\n\nbuilder.h:\n> echo "#define NOTEGREP_BUILDER \\"$$(id -un)\\"" >$@\n' >"$1/Makefile"
}

##############################################################################################
# Python (Debian's python3, setuptools, wheel).

# A Python package with a setup.py: DIR NAME VERSION [EXTRA], files pinned to $PIN. EXTRA:
# "host" makes setup.py write NAME/_buildhost.py with the build machine's name; "fixed" fixes
# the rounding in core.py; "next" is the next upstream release (a new option in core.py).
py_src() {
    local d=$1 name=$2 v=$3 extra=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    printf '"""%s."""\n__version__ = "%s"\n' "$name" "$v" >"$d/$name/__init__.py"
    cat >"$d/$name/core.py" <<'EOF'
import argparse
import json


def total(items):
    return round(sum(float(i.get("amount", 0)) for i in items), 1)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("files", nargs="+")
    args = p.parse_args(argv)
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            print(path, total(json.load(f)))
    return 0
EOF
    [ "$extra" = fixed ] && sed -i 's/, 1)$/, 2)/' "$d/$name/core.py"
    [ "$extra" = next ] && sed -i 's/^    p.add_argument("files", nargs="+")$/    p.add_argument("files", nargs="+")\n    p.add_argument("--currency", default="EUR")/' "$d/$name/core.py"
    {
        echo 'from setuptools import setup'
        if [ "$extra" = host ]; then
            cat <<EOF
import socket

with open("$name/_buildhost.py", "w") as f:
    f.write("BUILD_HOST = %r\n" % socket.gethostname())
EOF
        fi
        cat <<EOF

setup(
    name="$name",
    version="$v",
    description="$name, a small tool",
    author="Noor Haddad",
    license="BSD-3-Clause",
    packages=["$name"],
    python_requires=">=3.9",
    entry_points={"console_scripts": ["$name=$name.core:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$PIN"
}

##############################################################################################
# gettext: recipebook's catalogues. The build runs xgettext (POT-Creation-Date: the build's
# time in its zone), msginit --no-translator for pt_BR (which copies that date into
# PO-Revision-Date, kept by msgfmt), and msgmerge and msgfmt for the translator's ja.po.
# VARIANT fixed: the Japanese translator reworded a string.
recipebook_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/recipebook.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(int argc, char **argv)
{
    printf(_("%d recipes found\n"), argc - 1);
    puts(_("Add to shopping list"));
    puts(_("Preheat the oven"));
    puts(_("Serves four"));
    return 0;
}
EOF
    cat >"$d/po/ja.po" <<'EOF'
# Japanese translation of recipebook.
msgid ""
msgstr ""
"Project-Id-Version: recipebook 2.3\n"
"Report-Msgid-Bugs-To: translators@recipebook.example.org\n"
"POT-Creation-Date: 2025-05-10 11:00+0000\n"
"PO-Revision-Date: 2025-05-18 22:14+0900\n"
"Last-Translator: Haruto Sasaki <haruto@recipebook.example.org>\n"
"Language-Team: Japanese\n"
"Language: ja\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: src/recipebook.c:7
#, c-format
msgid "%d recipes found\n"
msgstr "%d 件のレシピが見つかりました\n"

#: src/recipebook.c:8
msgid "Add to shopping list"
msgstr "買い物リストに追加"

#: src/recipebook.c:9
msgid "Preheat the oven"
msgstr "オーブンを予熱する"

#: src/recipebook.c:10
msgid "Serves four"
msgstr "4人分"
EOF
    [ "$variant" = fixed ] && sed -i 's/オーブンを予熱する/オーブンを予熱してください/' "$d/po/ja.po"
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
all: pt_BR.mo ja.mo

pt_BR.mo: po/recipebook.pot
> msginit --no-translator -l pt_BR -i po/recipebook.pot -o po/pt_BR.po >/dev/null 2>&1
> msgfmt -c -o $@ po/pt_BR.po

ja.mo: po/ja.po po/recipebook.pot
> msgmerge -q --no-wrap -o po/ja.new.po po/ja.po po/recipebook.pot
> msgfmt -c -o $@ po/ja.new.po

po/recipebook.pot: src/recipebook.c
> xgettext -k_ --from-code=UTF-8 --package-name=recipebook --package-version=2.3 --msgid-bugs-address=translators@recipebook.example.org -o $@ src/recipebook.c
EOF
}

##############################################################################################
# Debian packages: rpncalc, an RPN calculator. rpncalc_deb DIR OUT VERSION [DPKG-DEB ARGS...]:
# upstream 1.4.2 for 1.4.2-1, 1.4.3 (a new modulo operator) for 1.4.3-1.
rpncalc_deb() {
    local d=$1 out_deb=$2 v=$3
    shift 3
    fresh "$d"
    cat >"$d/rpncalc.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    double st[64];
    int sp = 0;
    for (int i = 1; i < argc; i++) {
        char op = argv[i][0];
        if (argv[i][1] == '\0' && sp >= 2 && (op == '+' || op == '-' || op == 'x' || op == '/'/*MOD*/)) {
            double b = st[--sp], a = st[--sp];
            st[sp++] = op == '+' ? a + b : op == '-' ? a - b : op == 'x' ? a * b : /*MODOP*/a / b;
        } else if (sp < 64) {
            st[sp++] = atof(argv[i]);
        }
    }
    if (sp > 0)
        printf("%g\n", st[sp - 1]);
    return sp > 0 ? 0 : 1;
}
EOF
    if [ "${v%-*}" = 1.4.3 ]; then
        sed -i "s#/\*MOD\*/# || op == '%'#; s#/\*MODOP\*/#op == '%' ? (double)((long)a % (long)b) : #" "$d/rpncalc.c"
    else
        sed -i 's#/\*MOD\*/##; s#/\*MODOP\*/##' "$d/rpncalc.c"
    fi
    gcc -O2 -o "$d/rpncalc" "$d/rpncalc.c"
    mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/bin" "$d/pkg/usr/share/doc/rpncalc"
    install -m 755 "$d/rpncalc" "$d/pkg/usr/bin/rpncalc"
    printf 'rpncalc (%s) bookworm; urgency=low\n\n  * New upstream release.\n\n -- Tomasz Wrobel <tomasz@rpncalc.example.net>  Sun, 14 Sep 2025 08:30:00 +0200\n' "$v" |
        gzip -9n >"$d/pkg/usr/share/doc/rpncalc/changelog.Debian.gz"
    cat >"$d/pkg/DEBIAN/control" <<EOF
Package: rpncalc
Version: $v
Architecture: amd64
Maintainer: Tomasz Wrobel <tomasz@rpncalc.example.net>
Depends: libc6 (>= 2.34)
Section: math
Priority: optional
Description: reverse Polish notation calculator
 rpncalc evaluates its arguments as an RPN expression.
EOF
    dpkg-deb --build "$@" "$d/pkg" "$out_deb" >/dev/null
}

##############################################################################################
# Trees for images and archives.

# openpanel: a router firmware's root file system (a shell script, configs, web pages).
openpanel_tree() {
    local d=$1 p
    fresh "$d"
    mkdir -p "$d/etc/openpanel" "$d/usr/sbin" "$d/www/cgi-bin" "$d/www/static"
    printf 'lan_ip=192.168.8.1\nwifi_ssid=openpanel-setup\nwifi_channel=11\n' >"$d/etc/openpanel/defaults.conf"
    printf 'openpanel-fw 5.0.3\n' >"$d/etc/openpanel/release"
    printf '#!/bin/sh\n. /etc/openpanel/defaults.conf\nip addr add "$lan_ip/24" dev br-lan\n' >"$d/usr/sbin/panel-netup"
    chmod +x "$d/usr/sbin/panel-netup"
    printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\nuptime\n' >"$d/www/cgi-bin/status"
    chmod +x "$d/www/cgi-bin/status"
    for p in index network wireless firewall; do
        printf '<!doctype html><title>OpenPanel %s</title><main data-page="%s"></main>\n' "$p" "$p" >"$d/www/$p.html"
    done
    seq 1 400 | sed 's/.*/.row-&{margin:&px}/' >"$d/www/static/panel.css"
}

# rescue-cd: a small rescue disc tree.
rescuecd_tree() {
    fresh "$1"
    mkdir -p "$1/boot" "$1/tools"
    printf 'RESCUE DISC 2.7\r\nBoot with "rescue nomodeset" on older graphics cards.\r\n' >"$1/README.TXT"
    printf 'default rescue\nlabel rescue\n  kernel /boot/vmlinuz\n  append initrd=/boot/initrd.img quiet\n' >"$1/boot/syslinux.cfg"
    printf '#!/bin/sh\nfor d in /dev/sd?; do smartctl -H "$d"; done\n' >"$1/tools/diskcheck.sh"
    printf '#!/bin/sh\nfsck -y "$1"\n' >"$1/tools/repair.sh"
    chmod +x "$1/tools/diskcheck.sh" "$1/tools/repair.sh"
    head -c 3000 /dev/zero | tr '\0' 'K' >"$1/boot/vmlinuz"
}

# A tree of small text files written in ORDER: DIR SUBDIR EXT ORDER (each file names itself).
ordered_tree() {
    local d=$1 sub=$2 ext=$3 order=$4 f
    fresh "$d"
    mkdir -p "$d/$sub"
    for f in $order; do
        printf '# %s\n%s settings for this machine\n' "$f" "$f" >"$d/$sub/$f$ext"
    done
}

##############################################################################################
# The pairs: C projects.

pair hexpeek-debug-dirs # -g: the debug info records the directory built in
for s in a b; do
    d=$(ab "$work/usr/src/hexpeek-0.9" "$work/home/ahmed/git/hexpeek")
    hexpeek_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g"
    cp "$d/hexpeek" "$P/$s.bin"
done
label hexpeek-debug-dirs build-path

pair cronlint-srcdir # LOG_WARN's absolute __FILE__, from two checkouts in other directories
for s in a b; do
    d=$(ab "$work/build/tmp.Kq3vX9/cronlint" "$work/srv/ci/workspace/cronlint_main")
    cronlint_src "$d"
    make -s -C "$d"
    cp "$d/cronlint" "$P/$s.elf"
done
label cronlint-srcdir build-path

pair hexpeek-tail-fix # a real change: the last partial line is printed too
for s in a b; do
    hexpeek_src "$work/hexpeek" "$(ab "" fixed)"
    make -s -C "$work/hexpeek"
    cp "$work/hexpeek/hexpeek" "$P/$s.bin"
done
label hexpeek-tail-fix content

pair pgnview-rebuilt # __DATE__/__TIME__: built on 2025-10-06 09:15, again on 2025-10-07 16:42:30
for s in a b; do
    pgnview_src "$work/pgnview"
    ft "$(ab 1759742100 1759855350)" make -s -C "$work/pgnview"
    cp "$work/pgnview/pgnview" "$P/$s.elf"
done
label pgnview-rebuilt timestamp

pair tidewatch-stamp-zone # SOURCE_DATE_EPOCH formatted by date(1) in the builder's zone
for s in a b; do
    stamped_src "$work/tidewatch" tidewatch TIDEWATCH_BUILT 'date -d "@$$SOURCE_DATE_EPOCH" "+%Y-%m-%dT%H:%M:%S%z"'
    SOURCE_DATE_EPOCH=$PIN TZ="$(ab Asia/Kathmandu Europe/Lisbon)" make -s -C "$work/tidewatch"
    cp "$work/tidewatch/tidewatch" "$P/$s.out"
done
label tidewatch-stamp-zone timezone

pair mailsift-whoami # whoami in a generated header: built by root, then by the user list
for s in a b; do
    stamped_src "$shm/mailsift" mailsift MAILSIFT_PACKAGER whoami
    if [ $s = a ]; then
        make -s -C "$shm/mailsift"
    else
        chown -R list "$shm/mailsift"
        as_user list make -s -C "$shm/mailsift"
    fi
    cp "$shm/mailsift/mailsift" "$P/$s.out"
done
label mailsift-whoami user-group

pair dicegen-hostname # $(hostname) in a generated header, built on a laptop and on a build daemon
for s in a b; do
    stamped_src "$work/dicegen" dicegen DICEGEN_HOST hostname
    on_host "$(ab thinkpad-x13 buildd-arm64-02)" make -s -C "$work/dicegen"
    cp "$work/dicegen/dicegen" "$P/$s.out"
done
label dicegen-hostname hostname

wait # the locales compiled in the background
for l in sv_SE fr_FR pl_PL; do
    [ -f "$work/locales/$l.UTF-8/LC_COLLATE" ] || die "localedef could not compile $l.UTF-8 (Debian package locales)"
done

pair citydb-sv-collation # a place-name table sorted by sort(1) under LC_ALL=C, then sv_SE.UTF-8
for s in a b; do
    citydb_src "$work/citydb"
    LOCPATH=$work/locales LC_ALL="$(ab C sv_SE.UTF-8)" make -s -C "$work/citydb"
    cp "$work/citydb/citydb" "$P/$s.out"
done
label citydb-sv-collation locale

pair pixmix-find-order # link order from find(1) (readdir order) of two checkouts on tmpfs
for s in a b; do
    pixmix_src "$shm/pixmix" "$(ab "blur sharpen sepia invert posterize" "sepia posterize blur invert sharpen")"
    make -s -C "$shm/pixmix"
    cp "$shm/pixmix/pixmix" "$P/$s.out"
done
label pixmix-find-order file-order

pair seqstat-lto-object # an -flto object compiled twice: its LTO sections carry a random seed
for s in a b; do
    seqstat_src "$work/seqstat"
    make -s -C "$work/seqstat"
    cp "$work/seqstat/seqstat.o" "$P/$s.o"
done
label seqstat-lto-object randomness

pair imgmeta-exifparse-095 # the vendored exifparse updated from 0.9.4 to 0.9.5
for s in a b; do
    imgmeta_src "$work/imgmeta" "$(ab 0.9.4 0.9.5)"
    make -s -C "$work/imgmeta"
    cp "$work/imgmeta/imgmeta" "$P/$s.out"
done
label imgmeta-exifparse-095 input-version

pair libtiles-uuid # a shared library linked twice with --build-id=uuid
for s in a b; do
    tilecache_src "$work/tilecache"
    make -s -C "$work/tilecache"
    cp "$work/tilecache/libtiles.so" "$P/$s.so"
done
label libtiles-uuid build-id

pair notegrep-home-user # two factors: root in /root/src, then the user irc in its own directory (-g, id -un)
for s in a b; do
    if [ $s = a ]; then
        d=$shm/root/src/notegrep
        notegrep_src "$d"
        make -s -C "$d"
    else
        d=$shm/home/irc/notegrep
        notegrep_src "$d"
        chown -R irc:irc "$shm/home/irc"
        as_user irc make -s -C "$d"
    fi
    cp "$d/notegrep" "$P/$s.out"
done
label notegrep-home-user build-path+user-group

pair heartbeatd-host-uuid # two factors: uname -n in a header, on two hosts, and a --build-id=uuid link
for s in a b; do
    stamped_src "$work/heartbeatd" heartbeatd HEARTBEATD_NODE 'uname -n' '-Wl,--build-id=uuid'
    on_host "$(ab nas-keller edge-gw-07)" make -s -C "$work/heartbeatd"
    cp "$work/heartbeatd/heartbeatd" "$P/$s.out"
done
label heartbeatd-host-uuid hostname+build-id

##############################################################################################
# The pairs: Python.

pair gpxmerge-pyc-dirs # compileall (SOURCE_DATE_EPOCH set) of one module in two directories
for s in a b; do
    d=$(ab "$work/opt/gpxmerge/lib" "$work/home/ahmed/.local/src/gpxmerge-1.6")
    py_src "$d" gpxmerge 1.6
    SOURCE_DATE_EPOCH=$PIN "$PY" -m compileall -q "$d/gpxmerge" >/dev/null
    cp "$d/gpxmerge/__pycache__/core.cpython-"*.pyc "$P/$s.pyc"
done
label gpxmerge-pyc-dirs build-path

pair invoicer-wheel-week # bdist_wheel without SOURCE_DATE_EPOCH on 2026-01-12, then on 2026-01-19
for s in a b; do
    py_src "$work/invoicer" invoicer 3.1.0
    (cd "$work/invoicer" && ft "$(ab 1768215900 1768810800)" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/invoicer/dist/invoicer-3.1.0-py3-none-any.whl" "$P/$s.whl"
done
label invoicer-wheel-week timestamp

pair haikugen-sdist-midnight # setup.py sdist at 23:55, then again at 00:10 the next day
for s in a b; do
    py_src "$work/haikugen" haikugen 0.3.7
    (cd "$work/haikugen" && ft "$(ab 1764633300 1764634200)" "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/haikugen/dist/haikugen-0.3.7.tar.gz" "$P/$s.tar.gz"
done
label haikugen-sdist-midnight timestamp

pair weatherlog-wheel-host # setup.py records socket.gethostname(); SOURCE_DATE_EPOCH set
for s in a b; do
    py_src "$work/weatherlog" weatherlog 2024.11 host
    on_host "$(ab macmini-studio ci-runner-4f7b2)" env SOURCE_DATE_EPOCH=$PIN \
        sh -c 'cd "$1" && "$2" setup.py -q bdist_wheel -d dist >/dev/null 2>&1' sh "$work/weatherlog" "$PY"
    cp "$work/weatherlog/dist/weatherlog-2024.11-py3-none-any.whl" "$P/$s.whl"
done
label weatherlog-wheel-host hostname

pair budgetbook-fix-later # two factors: a rounding fix, and the wheel built a day later
for s in a b; do
    py_src "$work/budgetbook" budgetbook 0.5.0 "$(ab "" fixed)"
    (cd "$work/budgetbook" && ft "$(ab 1773052200 1773168300)" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/budgetbook/dist/budgetbook-0.5.0-py3-none-any.whl" "$P/$s.whl"
done
label budgetbook-fix-later content+timestamp

##############################################################################################
# The pairs: gettext.

pair recipebook-ptbr-later # pt_BR.mo: xgettext on 2026-02-03, then three weeks later
for s in a b; do
    recipebook_src "$work/recipebook"
    ft "$(ab 1770123600 1771938000)" make -s -C "$work/recipebook"
    cp "$work/recipebook/pt_BR.mo" "$P/$s.mo"
done
label recipebook-ptbr-later timestamp

pair recipebook-ptbr-zone # pt_BR.mo: the same moment, TZ=Asia/Tehran, then America/Sao_Paulo
for s in a b; do
    recipebook_src "$work/recipebook"
    TZ="$(ab Asia/Tehran America/Sao_Paulo)" ft 1770123600 make -s -C "$work/recipebook"
    cp "$work/recipebook/pt_BR.mo" "$P/$s.mo"
done
label recipebook-ptbr-zone timezone

pair recipebook-ja-reworded # ja.mo: the translator reworded a string
for s in a b; do
    recipebook_src "$work/recipebook" "$(ab "" fixed)"
    ft 1770123600 make -s -C "$work/recipebook"
    cp "$work/recipebook/ja.mo" "$P/$s.mo"
done
label recipebook-ja-reworded content

##############################################################################################
# The pairs: Debian packages.

pair rpncalc-deb-143 # rpncalc 1.4.2-1, then 1.4.3-1 (the new upstream release)
for s in a b; do
    SOURCE_DATE_EPOCH=$PIN rpncalc_deb "$work/rpncalc" "$P/$s.deb" "$(ab 1.4.2-1 1.4.3-1)" --root-owner-group -Zxz
done
label rpncalc-deb-143 input-version

pair rpncalc-deb-gz-umask # two factors: -Zgzip under umask 022, then -Zxz under umask 002
for s in a b; do
    (
        umask "$(ab 022 002)"
        SOURCE_DATE_EPOCH=$PIN rpncalc_deb "$work/rpncalc" "$P/$s.deb" 1.4.2-1 --root-owner-group "$(ab -Zgzip -Zxz)"
    )
done
label rpncalc-deb-gz-umask compression+permissions

##############################################################################################
# The pairs: squashfs and ISO images.

pair openpanel-machine-id # the image build writes a fresh /etc/machine-id from /dev/urandom
for s in a b; do
    openpanel_tree "$work/openpanel"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$work/openpanel/etc/machine-id"
    echo >>"$work/openpanel/etc/machine-id"
    pin_mtimes "$work/openpanel" "$PIN"
    mksquashfs "$work/openpanel" "$P/$s.sqfs" -noappend -quiet -no-progress -comp xz -mkfs-time "$PIN" >/dev/null
done
label openpanel-machine-id randomness

pair openpanel-lzo-xz # the same tree with -comp lzo, then -comp xz
openpanel_tree "$work/openpanel"
pin_mtimes "$work/openpanel" "$PIN"
for s in a b; do
    mksquashfs "$work/openpanel" "$P/$s.sqfs" -noappend -quiet -no-progress -comp "$(ab lzo xz)" -mkfs-time "$PIN" >/dev/null
done
label openpanel-lzo-xz compression

pair openpanel-umask002 # the tree written under umask 022, then 002
for s in a b; do
    (umask "$(ab 022 002)" && openpanel_tree "$work/openpanel")
    pin_mtimes "$work/openpanel" "$PIN"
    mksquashfs "$work/openpanel" "$P/$s.sqfs" -noappend -quiet -no-progress -comp xz -mkfs-time "$PIN" >/dev/null
done
label openpanel-umask002 permissions

pair rescuecd-quarter # xorriso without SOURCE_DATE_EPOCH on 2025-08-20, then on 2025-11-20
rescuecd_tree "$work/rescuecd"
pin_mtimes "$work/rescuecd" "$PIN"
for s in a b; do
    ft "$(ab 1755673200 1763622000)" xorriso -as mkisofs -quiet -R -J -V RESCUE_27 -o "$P/$s.iso" "$work/rescuecd" 2>/dev/null
done
label rescuecd-quarter timestamp

pair rescuecd-owner-backup # xorriso -R keeps owners: the tree root's, then the user backup's
for s in a b; do
    rescuecd_tree "$work/rescuecd"
    [ $s = b ] && chown -R backup:backup "$work/rescuecd"
    pin_mtimes "$work/rescuecd" "$PIN"
    SOURCE_DATE_EPOCH=$PIN xorriso -as mkisofs -quiet -R -J -V RESCUE_27 -o "$P/$s.iso" "$work/rescuecd" 2>/dev/null
done
label rescuecd-owner-backup user-group

##############################################################################################
# The pairs: zip, tar, cpio, gzip.

pair fontpack-zip-zones # zip stores local times: zipped with TZ=America/St_Johns, then Asia/Yangon
fresh "$work/fontpack"
mkdir -p "$work/fontpack/fonts/otf"
for f in Inkwell-Regular Inkwell-Bold Inkwell-Italic; do
    printf 'OTTO fake outline data for %s\n' "$f" >"$work/fontpack/fonts/otf/$f.otf"
done
printf 'Inkwell is licensed under the SIL Open Font License 1.1.\n' >"$work/fontpack/fonts/OFL.txt"
for s in a b; do
    pin_mtimes "$work/fontpack" "$PIN"
    (cd "$work/fontpack" && TZ="$(ab America/St_Johns Asia/Yangon)" zip -q -r "$P/$s.zip" fonts)
done
label fontpack-zip-zones timezone

pair deployscripts-zip-umask # scripts written (and chmod +x) under umask 022, then 077
for s in a b; do
    (
        umask "$(ab 022 077)"
        fresh "$work/deploy"
        mkdir -p "$work/deploy/scripts"
        printf '#!/bin/sh\nset -e\nrsync -a build/ "deploy@$1:/srv/app/"\n' >"$work/deploy/scripts/push.sh"
        printf '#!/bin/sh\nssh "deploy@$1" systemctl restart app\n' >"$work/deploy/scripts/restart.sh"
        printf 'HOSTS="app-01 app-02"\n' >"$work/deploy/scripts/hosts.env"
        chmod +x "$work/deploy/scripts/push.sh" "$work/deploy/scripts/restart.sh"
    )
    pin_mtimes "$work/deploy" "$PIN"
    (cd "$work/deploy" && zip -q -r "$P/$s.zip" scripts)
done
label deployscripts-zip-umask permissions

pair addon-zip-order-nonce # two factors: zip -r of two checkouts (readdir order), each with a fresh nonce
for s in a b; do
    fresh "$shm/addon"
    mkdir -p "$shm/addon/tabsaver"
    head -c 24 /dev/urandom | base64 >"$shm/addon/tabsaver/build-nonce.txt"
    for f in $(ab "manifest.json background.js popup.html popup.css options.html" "popup.css options.html manifest.json popup.html background.js"); do
        printf '/* tabsaver: %s */\n' "$f" >"$shm/addon/tabsaver/$f"
    done
    pin_mtimes "$shm/addon" "$PIN"
    (cd "$shm/addon" && zip -q -r -X "$P/$s.zip" tabsaver)
done
label addon-zip-order-nonce file-order+randomness

pair website-tar-wwwdata # tar without --owner: the site generated by root, then by www-data
for s in a b; do
    fresh "$shm/site"
    chmod 777 "$shm/site"
    gen='mkdir -p "$1/public_html/blog" && for p in index about contact blog/first-post; do printf "<h1>%s</h1>\n" "$p" >"$1/public_html/$p.html"; done'
    if [ $s = a ]; then
        sh -c "$gen" sh "$shm/site"
    else
        as_user www-data sh -c "$gen" sh "$shm/site"
    fi
    tar --format=gnu --sort=name --mtime="@$PIN" -C "$shm/site" -cf "$P/$s.tar" public_html
done
label website-tar-wwwdata user-group

pair photoalbum-tar-mtime-zone # tar --mtime="2025-09-01 12:00" (local time) under two zones
fresh "$work/photoalbum"
mkdir -p "$work/photoalbum/album/2025-08-lakes"
for f in IMG_4021 IMG_4022 IMG_4030; do
    printf 'JPEG placeholder %s\n' "$f" >"$work/photoalbum/album/2025-08-lakes/$f.jpg"
done
printf 'title: Lakes, August 2025\n' >"$work/photoalbum/album/2025-08-lakes/album.yml"
for s in a b; do
    TZ="$(ab Pacific/Chatham America/Los_Angeles)" tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="2025-09-01 12:00" -C "$work/photoalbum" -cf - album | gzip -9n >"$P/$s.tar.gz"
done
label photoalbum-tar-mtime-zone timezone

pair dotfiles-tar-unsorted # tar (ustar) without --sort of two checkouts written in other orders
for s in a b; do
    ordered_tree "$shm/dotfiles" config .conf "$(ab "bashrc gitconfig tmux vimrc inputrc" "vimrc inputrc tmux bashrc gitconfig")"
    tar --format=ustar --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$shm/dotfiles" -cf "$P/$s.tar" config
done
label dotfiles-tar-unsorted file-order

pair initrd-cpio-readdir # find | cpio of an initramfs tree written in two orders (tmpfs)
for s in a b; do
    fresh "$shm/initrd"
    mkdir -p "$shm/initrd/scripts" "$shm/initrd/conf"
    for f in $(ab "init-top init-premount local-top local-bottom" "local-bottom init-top local-top init-premount"); do
        printf '#!/bin/sh\n# %s hooks\nexit 0\n' "$f" >"$shm/initrd/scripts/$f"
        chmod 755 "$shm/initrd/scripts/$f"
    done
    printf 'MODULES=most\nCOMPRESS=zstd\n' >"$shm/initrd/conf/initramfs.conf"
    pin_mtimes "$shm/initrd" "$PIN"
    (cd "$shm/initrd" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label initrd-cpio-readdir file-order

pair apidocs-tar-second # generated docs tarred without --mtime, really a second later
for s in a b; do
    [ $s = b ] && sleep 1
    fresh "$work/apidocs"
    mkdir -p "$work/apidocs/html"
    for m in client session errors; do
        printf '<html><body><h2>module %s</h2></body></html>\n' "$m" >"$work/apidocs/html/$m.html"
    done
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner -C "$work/apidocs" -cf "$P/$s.tar" html
done
label apidocs-tar-second timestamp

pair fixtures-gzip-levels # the same tar compressed with gzip -1n, then gzip -9n
fresh "$work/fixtures"
mkdir -p "$work/fixtures/data"
seq 1 3000 | awk '{ printf "%d,station-%03d,%d.%d,%s\n", $1, $1 % 97, ($1 * 37) % 400, $1 % 10, ($1 % 3 ? "ok" : "flagged") }' >"$work/fixtures/data/readings.csv"
tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$work/fixtures" -cf "$work/fixtures.tar" data
for s in a b; do
    gzip "$(ab -1n -9n)" <"$work/fixtures.tar" >"$P/$s.tar.gz"
done
label fixtures-gzip-levels compression

pair tidewatch-man-fr # the man page's date from SOURCE_DATE_EPOCH under LC_ALL=C, then fr_FR.UTF-8; gzip -9n
for s in a b; do
    fresh "$work/tidewatch-man"
    printf '.TH TIDEWATCH 1 "@DATE@" "tidewatch 1.2"\n.SH NAME\ntidewatch \\- tide tables for a harbour\n' >"$work/tidewatch-man/tidewatch.1.in"
    (
        cd "$work/tidewatch-man"
        sed "s/@DATE@/$(LOCPATH=$work/locales LC_ALL="$(ab C fr_FR.UTF-8)" date -d "@$PIN" '+%d %B %Y')/" tidewatch.1.in >tidewatch.1
        gzip -9n tidewatch.1
    )
    cp "$work/tidewatch-man/tidewatch.1.gz" "$P/$s.1.gz"
done
label tidewatch-man-fr locale

pair festival-about-pl # two factors: about.txt's date under LC_ALL=C TZ=UTC, then pl_PL.UTF-8 TZ=Europe/Warsaw
for s in a b; do
    fresh "$work/festival"
    mkdir -p "$work/festival/site"
    printf 'Jazz nad Odra 2025\n' >"$work/festival/site/index.txt"
    LOCPATH=$work/locales LC_ALL="$(ab C pl_PL.UTF-8)" TZ="$(ab UTC Europe/Warsaw)" \
        date -d "@$PIN" '+Site generated %A %d %B %Y %H:%M %Z' >"$work/festival/site/about.txt"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$PIN" -C "$work/festival" -cf "$P/$s.tar" site
done
label festival-about-pl timezone+locale
