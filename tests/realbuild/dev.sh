# The dev half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
# The explainer is developed against these pairs; README.md describes each.

D1=1709287200  # 2024-03-01 10:00:00 UTC: the first build of a time-varied pair
D2=1709389800  # 2024-03-02 14:30:00 UTC: the second
SDE=1709200800 # 2024-02-29 10:00:00 UTC: SOURCE_DATE_EPOCH where time is pinned

##############################################################################################
# Projects. Each writes its sources into a fresh DIR; variants are chosen by arguments.

# wordcount: a word counter in C. Its Makefile compiles absolute source paths (as CMake does),
# so __FILE__ in its assert() is the source's absolute path. VARIANT fixed: a typo fixed.
wordcount_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src"
    cat >"$d/src/count.h" <<'EOF'
#ifndef COUNT_H
#define COUNT_H
#include <stdio.h>
struct counts { long lines, words, bytes; };
void count_stream(FILE *f, struct counts *c);
#endif
EOF
    cat >"$d/src/count.c" <<'EOF'
#include <assert.h>
#include <ctype.h>
#include "count.h"

void count_stream(FILE *f, struct counts *c)
{
    int ch, in_word = 0;
    assert(f != NULL && c != NULL);
    while ((ch = getc(f)) != EOF) {
        c->bytes++;
        if (ch == '\n')
            c->lines++;
        if (isspace(ch))
            in_word = 0;
        else if (!in_word) {
            in_word = 1;
            c->words++;
        }
    }
    assert(c->words <= c->bytes);
}
EOF
    cat >"$d/src/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "count.h"

int main(int argc, char **argv)
{
    struct counts c = {0, 0, 0};
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: wordcount [FILE]\nCounts the lines, words and bytes of FILE or stdin.");
        return 0;
    }
    FILE *f = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (f == NULL) {
        fprintf(stderr, "wordcount: cannot open the file\n");
        return 1;
    }
    count_stream(f, &c);
    printf("%ld lines, %ld words, %ld bytes\n", c.lines, c.words, c.bytes);
    return 0;
}
EOF
    if [ "$variant" = fixed ]; then
        sed -i 's/cannot open the file/cannot open %s/; s/stderr, "wordcount: cannot open %s\\n")/stderr, "wordcount: cannot open %s\\n", argv[1])/' "$d/src/main.c"
    fi
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CC = gcc
CFLAGS = -O2
SRC := $(CURDIR)/src

wordcount: main.o count.o
> $(CC) $(CFLAGS) -o $@ main.o count.o

%.o: $(SRC)/%.c $(SRC)/count.h
> $(CC) $(CFLAGS) -c -o $@ $<

wordcount.1: wordcount.1.in
> sed 's/@VERSION@/2.1/' $< >$@
EOF
    cat >"$d/wordcount.1.in" <<'EOF'
.TH WORDCOUNT 1 "" "wordcount @VERSION@"
.SH NAME
wordcount \- count lines, words and bytes
.SH SYNOPSIS
.B wordcount
.RI [ FILE ]
.SH DESCRIPTION
Prints the number of lines, words and bytes of FILE, or of the standard input.
EOF
}

# tempconv: a converter whose --version banner has __DATE__ and __TIME__.
tempconv_src() {
    fresh "$1"
    cat >"$1/tempconv.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char banner[] = "tempconv 1.3 (built " __DATE__ " " __TIME__ ")";

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts(banner);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        double c = atof(argv[i]);
        printf("%.1f C = %.1f F\n", c, c * 9.0 / 5.0 + 32.0);
    }
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\ntempconv: tempconv.c\n> gcc -O2 -o $@ tempconv.c\n' >"$1/Makefile"
}

# A program with a generated buildinfo.h: DIR PROGRAM MACRO SHELL-COMMAND
# (the Makefile runs the command at build time and defines MACRO as its output).
buildinfo_src() {
    local d=$1 prog=$2 macro=$3 cmd=$4
    fresh "$d"
    cat >"$d/$prog.c" <<EOF
#include <stdio.h>
#include <string.h>
#include "buildinfo.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--build-info") == 0) {
        printf("$prog 0.8: %s\\n", $macro);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("$prog: %s: %zu\\n", argv[i], strlen(argv[i]));
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
$prog: $prog.c buildinfo.h
> gcc -O2 -o \$@ $prog.c

buildinfo.h:
> printf '#define $macro "%s"\\n' "\$\$($cmd)" >\$@
EOF
}

# kwlookup: a keyword table generated from keywords.txt with sort(1), under the build's locale.
kwlookup_src() {
    fresh "$1"
    printf '%s\n' while Zone _reserved alpha Beta beta delta-x deltax Echo echo2 ECHO gamma >"$1/keywords.txt"
    cat >"$1/kwlookup.c" <<'EOF'
#include <stdio.h>
#include <string.h>

static const char *const keywords[] = {
#include "keywords.h"
};

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (strcmp(argv[i], keywords[k]) == 0)
                printf("%s is keyword %zu\n", argv[i], k);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
kwlookup: kwlookup.c keywords.h
> gcc -O2 -o $@ kwlookup.c

keywords.h: keywords.txt
> sort keywords.txt | sed 's/.*/"&",/' >$@
EOF
}

# plugind: a plugin table generated from `ls -U plugins` (readdir order). ORDER: the order in
# which the plugin sources were written (a checkout writes them in its own order).
plugind_src() {
    local d=$1 order=$2 n
    fresh "$d"
    mkdir -p "$d/plugins"
    for n in $order; do
        printf '#include <stdio.h>\nint plugin_%s(const char *arg) { return printf("%s: %%s\\n", arg) < 0; }\n' "$n" "$n" >"$d/plugins/$n.c"
    done
    cat >"$d/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#define PLUGIN(n) int plugin_##n(const char *);
#include "plugins.h"
#undef PLUGIN
#define PLUGIN(n) { #n, plugin_##n },
static const struct { const char *name; int (*run)(const char *); } plugins[] = {
#include "plugins.h"
};

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof plugins / sizeof plugins[0]; i++)
        if (argc < 2 || strcmp(argv[1], plugins[i].name) == 0)
            plugins[i].run(argc > 2 ? argv[2] : plugins[i].name);
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
plugind: main.c plugins.h
> gcc -O2 -o $@ main.c $(sort $(wildcard plugins/*.c))

plugins.h:
> for f in $$(ls -U plugins); do echo "PLUGIN($${f%.c})"; done >$@
EOF
}

# libmini: a static library of LTO objects (archived deterministically with ar D).
libmini_src() {
    fresh "$1"
    printf 'int mini_add(int a, int b) { return a + b; }\nint mini_mul(int a, int b) { return a * b; }\n' >"$1/arith.c"
    printf '#include <string.h>\nsize_t mini_len(const char *s) { return s ? strlen(s) : 0; }\n' >"$1/str.c"
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O2 -flto
libmini.a: arith.o str.o
> ar rcD $@ arith.o str.o
EOF
}

# jsoncat with the vendored library minijson at VERSION (1.2.0, or 1.3.0 which also unescapes \t).
jsoncat_src() {
    local d=$1 v=$2
    fresh "$d"
    mkdir -p "$d/vendor/minijson"
    cat >"$d/vendor/minijson/minijson.h" <<EOF
#ifndef MINIJSON_H
#define MINIJSON_H
#define MINIJSON_VERSION "$v"
int minijson_unescape(const char *in, char *out);
#endif
EOF
    cat >"$d/vendor/minijson/minijson.c" <<'EOF'
#include "minijson.h"

int minijson_unescape(const char *in, char *out)
{
    int n = 0;
    while (*in) {
        if (in[0] == '\\' && in[1] == 'n') {
            out[n++] = '\n';
            in += 2;
        } else if (in[0] == '\\' && in[1] == '"') {
            out[n++] = '"';
            in += 2;
/*TAB*/
        } else {
            out[n++] = *in++;
        }
    }
    out[n] = 0;
    return n;
}
EOF
    if [ "$v" = 1.3.0 ]; then
        cat >"$d/tab.txt" <<'EOF'
        } else if (in[0] == '\\' && in[1] == 't') {
            out[n++] = '\t';
            in += 2;
EOF
        sed -i -e "/\/\*TAB\*\//r $d/tab.txt" -e '/\/\*TAB\*\//d' "$d/vendor/minijson/minijson.c"
        rm "$d/tab.txt"
    else
        sed -i '/\/\*TAB\*\//d' "$d/vendor/minijson/minijson.c"
    fi
    cat >"$d/jsoncat.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "minijson.h"

int main(int argc, char **argv)
{
    char buf[4096];
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("jsoncat 0.3 with minijson " MINIJSON_VERSION);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        if (strlen(argv[i]) < sizeof buf) {
            minijson_unescape(argv[i], buf);
            puts(buf);
        }
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\njsoncat: jsoncat.c vendor/minijson/minijson.c vendor/minijson/minijson.h\n> gcc -O2 -Ivendor/minijson -o $@ jsoncat.c vendor/minijson/minijson.c\n' >"$d/Makefile"
}

# greeter: linked with a random build ID (-Wl,--build-id=uuid).
greeter_src() {
    fresh "$1"
    printf '#include <stdio.h>\nint main(int argc, char **argv) { printf("hello, %%s\\n", argc > 1 ? argv[1] : "world"); return 0; }\n' >"$1/greeter.c"
    printf '.RECIPEPREFIX = >\ngreeter: greeter.c\n> gcc -O2 -Wl,--build-id=uuid -o $@ greeter.c\n' >"$1/Makefile"
}

# logstamp: an assert (absolute __FILE__) and a __DATE__/__TIME__ banner.
logstamp_src() {
    fresh "$1"
    mkdir -p "$1/src"
    cat >"$1/src/logstamp.c" <<'EOF'
#include <assert.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    assert(argc >= 1);
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("logstamp 4.0, built %s %s\n", __DATE__, __TIME__);
        return 0;
    }
    char line[1024];
    long n = 0;
    while (fgets(line, sizeof line, stdin)) {
        assert(strlen(line) < sizeof line);
        printf("%6ld %s", ++n, line);
    }
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\nlogstamp: $(CURDIR)/src/logstamp.c\n> gcc -O2 -o $@ $<\n' >"$1/Makefile"
}

# Python packages with a setup.py: DIR NAME VERSION [BUILDINFO]; BUILDINFO "tz" makes setup.py
# write NAME/_buildinfo.py with SOURCE_DATE_EPOCH formatted in local time.
pypkg_src() {
    local d=$1 name=$2 v=$3 info=${4:-}
    fresh "$d"
    mkdir -p "$d/$name"
    cat >"$d/$name/__init__.py" <<EOF
"""$name: a small command-line helper."""
__version__ = "$v"
EOF
    cat >"$d/$name/core.py" <<'EOF'
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    for path in argv:
        print(path, len(rows(path)))
    return 0
EOF
    {
        echo 'from setuptools import setup'
        if [ "$info" = tz ]; then
            cat <<EOF
import os
import time

stamp = time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))))
with open("$name/_buildinfo.py", "w") as f:
    f.write('BUILT = "%s"\n' % stamp)
EOF
        fi
        cat <<EOF
setup(
    name="$name",
    version="$v",
    description="$name: a small command-line helper",
    packages=["$name"],
    entry_points={"console_scripts": ["$name=$name.core:main"]},
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$SDE"
}

# hellogui's translations: src/main.c with _() strings, po/de.po; the build runs xgettext
# (its POT-Creation-Date is the build's time, in the build's time zone), msgmerge and msgfmt for
# de.mo (msgfmt leaves POT-Creation-Date out of it), and msginit --no-translator for en_GB.mo
# (whose PO-Revision-Date msginit takes from POT-Creation-Date). VARIANT fixed: the translator
# changed a string in de.po; msgid: a source string was reworded.
hellogui_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/main.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define _(s) gettext(s)

int main(void)
{
    puts(_("Open file"));
    puts(_("Save changes before closing?"));
    puts(_("Quit"));
    return 0;
}
EOF
    cat >"$d/po/de.po" <<'EOF'
# German translation of hellogui.
msgid ""
msgstr ""
"Project-Id-Version: hellogui 0.9\n"
"Report-Msgid-Bugs-To: i18n@hellogui.example\n"
"POT-Creation-Date: 2024-01-15 09:00+0000\n"
"PO-Revision-Date: 2024-01-20 17:42+0100\n"
"Last-Translator: Jana Weber <jana@hellogui.example>\n"
"Language-Team: German\n"
"Language: de\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: src/main.c:7
msgid "Open file"
msgstr "Datei öffnen"

#: src/main.c:8
msgid "Save changes before closing?"
msgstr "Änderungen vor dem Schließen speichern?"

#: src/main.c:9
msgid "Quit"
msgstr "Beenden"
EOF
    [ "$variant" = fixed ] && sed -i 's/Datei öffnen/Datei öffnen …/' "$d/po/de.po"
    [ "$variant" = msgid ] && sed -i 's/Save changes before closing?/Save your changes before closing?/' "$d/src/main.c"
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
all: de.mo en_GB.mo

en_GB.mo: po/hellogui.pot
> msginit --no-translator -l en_GB -i po/hellogui.pot -o po/en_GB.po >/dev/null 2>&1
> msgfmt -o $@ po/en_GB.po

de.mo: po/de.po po/hellogui.pot
> msgmerge -q -o po/de.new.po po/de.po po/hellogui.pot
> msgfmt -o $@ po/de.new.po

po/hellogui.pot: src/main.c
> xgettext -k_ --package-name=hellogui --package-version=0.9 --msgid-bugs-address=i18n@hellogui.example -o $@ src/main.c
EOF
}

# The Debian package wcount (wordcount): built in DIR, staged, packaged by dpkg-deb into OUT.
# VERSION of the package; VARIANT fixed builds the fixed wordcount; further arguments go to dpkg-deb.
# HOSTINFO=1 in the environment adds a buildinfo file with the build's host name.
wcount_deb() {
    local d=$1 out_deb=$2 v=$3 variant=$4
    shift 4
    wordcount_src "$d" "$variant"
    make -s -C "$d" wordcount
    mkdir -p "$d/stage/DEBIAN" "$d/stage/usr/bin" "$d/stage/usr/share/doc/wcount"
    cp "$d/wordcount" "$d/stage/usr/bin/wordcount"
    printf 'Copyright 2024 The wordcount authors\nLicense: MIT\n' >"$d/stage/usr/share/doc/wcount/copyright"
    if [ "${HOSTINFO:-}" = 1 ]; then
        printf 'Package: wcount\nVersion: %s\nBuild-Host: %s\n' "$v" "$(uname -n)" >"$d/stage/usr/share/doc/wcount/buildinfo"
    fi
    cat >"$d/stage/DEBIAN/control" <<EOF
Package: wcount
Version: $v
Architecture: amd64
Maintainer: Wordcount Maintainers <wcount@packages.example>
Depends: libc6 (>= 2.34)
Section: utils
Priority: optional
Description: count lines, words and bytes
 wordcount prints the number of lines, words and bytes of a file.
EOF
    dpkg-deb --build "$@" "$d/stage" "$out_deb" >/dev/null
}

# A small root file system tree (text files, one script): DIR
rootfs_tree() {
    fresh "$1"
    mkdir -p "$1/etc/kiosk" "$1/usr/lib/kiosk" "$1/usr/share/kiosk/pages"
    printf 'NAME="Kiosk OS"\nVERSION_ID="3.2"\n' >"$1/etc/os-release"
    printf 'url = http://localhost:8080/\nrotate = 90\n' >"$1/etc/kiosk/kiosk.conf"
    printf '#!/bin/sh\nexec /usr/bin/browser --kiosk "$(sed -n "s/^url = //p" /etc/kiosk/kiosk.conf)"\n' >"$1/usr/lib/kiosk/start"
    chmod 755 "$1/usr/lib/kiosk/start"
    for p in welcome help about; do
        printf '<html><body><h1>%s</h1><p>Kiosk page %s.</p></body></html>\n' "$p" "$p" >"$1/usr/share/kiosk/pages/$p.html"
    done
}

# A documentation tree written in ORDER (file names, each with some text): DIR ORDER
docs_tree() {
    local d=$1 order=$2 f
    fresh "$d"
    mkdir -p "$d/manual"
    for f in $order; do
        printf '%s\n\nThis chapter of the manual explains %s.\n' "$f" "$f" >"$d/manual/$f.txt"
    done
}

##############################################################################################
# C projects built with make and gcc.

pair c-debug-path # -g debug info records the build directory (DW_AT_comp_dir, file names)
for s in a b; do
    d=$work/src/wordcount
    [ $s = b ] && d=$work/home/builder/wordcount-2.1
    wordcount_src "$d"
    make -s -C "$d" CFLAGS="-O2 -g" wordcount
    cp "$d/wordcount" "$P/$s.out"
done
label c-debug-path build-path

pair c-assert-path # no -g: the absolute __FILE__ of assert() is all that records the directory
for s in a b; do
    d=$work/ws/alice/wordcount
    [ $s = b ] && d=$work/var/tmp/build-8842/wordcount
    wordcount_src "$d"
    make -s -C "$d" wordcount
    cp "$d/wordcount" "$P/$s.out"
done
label c-assert-path build-path

pair c-typo-fix # a real change: an error message fixed
for s in a b; do
    wordcount_src "$work/wc" "$([ $s = b ] && echo fixed)"
    make -s -C "$work/wc" wordcount
    cp "$work/wc/wordcount" "$P/$s.out"
done
label c-typo-fix content

pair c-date-time # __DATE__ and __TIME__: built a day later (SOURCE_DATE_EPOCH unset)
for s in a b; do
    tempconv_src "$work/tempconv"
    ft "$([ $s = a ] && echo $D1 || echo $D2)" make -s -C "$work/tempconv"
    cp "$work/tempconv/tempconv" "$P/$s.out"
done
label c-date-time timestamp

pair c-uname-host # uname -n in a generated header, built on two machines
for s in a b; do
    buildinfo_src "$work/netprobe" netprobe BUILD_HOST 'uname -n'
    on_host "$([ $s = a ] && echo devbox-alpha || echo ci-node-17)" make -s -C "$work/netprobe"
    cp "$work/netprobe/netprobe" "$P/$s.out"
done
label c-uname-host hostname

pair c-build-user # id -un in a generated header: built by root, then by the user nobody
for s in a b; do
    buildinfo_src "$shm/pkgtool" pkgtool BUILT_BY 'id -un'
    if [ $s = a ]; then
        make -s -C "$shm/pkgtool"
    else
        chown -R nobody "$shm/pkgtool"
        as_user nobody make -s -C "$shm/pkgtool"
    fi
    cp "$shm/pkgtool/pkgtool" "$P/$s.out"
done
label c-build-user user-group

pair c-date-tz # date(1) of SOURCE_DATE_EPOCH in a generated header, built in two time zones
for s in a b; do
    buildinfo_src "$work/clockd" clockd BUILD_DATE 'date -d @$$SOURCE_DATE_EPOCH "+%Y-%m-%d %H:%M:%S %Z"'
    SOURCE_DATE_EPOCH=$SDE TZ="$([ $s = a ] && echo UTC || echo Asia/Tokyo)" make -s -C "$work/clockd"
    cp "$work/clockd/clockd" "$P/$s.out"
done
label c-date-tz timezone

locale_def en_US
locale_def de_DE
pair c-keyword-locale # a keyword table sorted by sort(1) under LC_ALL=C and en_US.UTF-8
for s in a b; do
    kwlookup_src "$work/kwlookup"
    LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo en_US.UTF-8)" make -s -C "$work/kwlookup"
    cp "$work/kwlookup/kwlookup" "$P/$s.out"
done
label c-keyword-locale locale

pair c-plugin-readdir # a plugin table in readdir order (ls -U), the sources written in two orders
for s in a b; do
    o="json yaml toml ini"
    [ $s = b ] && o="ini toml yaml json"
    plugind_src "$shm/plugind" "$o"
    make -s -C "$shm/plugind"
    cp "$shm/plugind/plugind" "$P/$s.out"
done
label c-plugin-readdir file-order

pair c-lto-seed # -flto objects name their sections with a random seed (no -frandom-seed)
for s in a b; do
    libmini_src "$work/libmini"
    make -s -C "$work/libmini"
    cp "$work/libmini/libmini.a" "$P/$s.a"
done
label c-lto-seed randomness

pair c-libver-bump # the vendored minijson updated from 1.2.0 to 1.3.0 (its version and code)
for s in a b; do
    jsoncat_src "$work/jsoncat" "$([ $s = a ] && echo 1.2.0 || echo 1.3.0)"
    make -s -C "$work/jsoncat"
    cp "$work/jsoncat/jsoncat" "$P/$s.out"
done
label c-libver-bump input-version

pair c-buildid-uuid # linked with --build-id=uuid: a new random build ID every link
for s in a b; do
    greeter_src "$work/greeter"
    make -s -C "$work/greeter"
    cp "$work/greeter/greeter" "$P/$s.out"
done
label c-buildid-uuid build-id

pair c-path-date # two factors: another directory (assert's __FILE__) and a day later (__DATE__)
for s in a b; do
    d=$work/src/logstamp
    [ $s = b ] && d=$work/builds/nightly/logstamp
    logstamp_src "$d"
    ft "$([ $s = a ] && echo $D1 || echo $D2)" make -s -C "$d"
    cp "$d/logstamp" "$P/$s.out"
done
label c-path-date build-path+timestamp

pair c-host-date # two factors: uname -n and date(1) in a generated header; other host, a day later
for s in a b; do
    buildinfo_src "$work/beacon" beacon BUILD_INFO 'echo "$$(uname -n) $$(date -u "+%Y-%m-%d %H:%M")"'
    if [ $s = a ]; then
        on_host lab-pc-12 faketime "@$D1" make -s -C "$work/beacon"
    else
        on_host build-farm-03 faketime "@$D2" make -s -C "$work/beacon"
    fi
    cp "$work/beacon/beacon" "$P/$s.out"
done
label c-host-date hostname+timestamp

##############################################################################################
# Python: byte code, wheels and sdists (Debian's python3 with setuptools and wheel).

pair pyc-two-paths # compileall records each module's absolute path (co_filename)
for s in a b; do
    d=$work/src/textstats-0.4
    [ $s = b ] && d=$work/home/devel/projects/textstats
    pypkg_src "$d" textstats 0.4
    SOURCE_DATE_EPOCH=$SDE "$PY" -m compileall -q "$d/textstats" >/dev/null
    cp "$d/textstats/__pycache__/core.cpython-"*.pyc "$P/$s.pyc"
done
label pyc-two-paths build-path

pair whl-two-dates # bdist_wheel a day later: RECORD's zip time is the build's time
for s in a b; do
    pypkg_src "$work/csvtool" csvtool 1.1
    (cd "$work/csvtool" && ft "$([ $s = a ] && echo $D1 || echo $D2)" "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/csvtool/dist/csvtool-1.1-py3-none-any.whl" "$P/$s.whl"
done
label whl-two-dates timestamp

pair whl-local-tz # setup.py writes SOURCE_DATE_EPOCH in local time into _buildinfo.py; two TZs
for s in a b; do
    pypkg_src "$work/tzreport" tzreport 0.2 tz
    (cd "$work/tzreport" && SOURCE_DATE_EPOCH=$SDE TZ="$([ $s = a ] && echo UTC || echo America/Chicago)" \
        "$PY" setup.py -q bdist_wheel -d dist >/dev/null 2>&1)
    cp "$work/tzreport/dist/tzreport-0.2-py3-none-any.whl" "$P/$s.whl"
done
label whl-local-tz timezone

pair sdist-real-sleep # sdist twice, really a few seconds apart: gzip header and member times
for s in a b; do
    [ $s = b ] && sleep 1
    pypkg_src "$work/confmerge" confmerge 2.0
    (cd "$work/confmerge" && "$PY" setup.py -q sdist -d dist >/dev/null 2>&1)
    cp "$work/confmerge/dist/confmerge-2.0.tar.gz" "$P/$s.tar.gz"
done
label sdist-real-sleep timestamp

##############################################################################################
# gettext: .mo files.

pair mo-pot-date # xgettext a day later: POT-Creation-Date becomes en_GB.mo's PO-Revision-Date
for s in a b; do
    hellogui_src "$work/hellogui"
    ft "$([ $s = a ] && echo $D1 || echo $D2)" make -s -C "$work/hellogui"
    cp "$work/hellogui/en_GB.mo" "$P/$s.mo"
done
label mo-pot-date timestamp

pair mo-translation # a real change: the translator changed a string
for s in a b; do
    hellogui_src "$work/hellogui" "$([ $s = b ] && echo fixed)"
    ft "$D1" make -s -C "$work/hellogui"
    cp "$work/hellogui/de.mo" "$P/$s.mo"
done
label mo-translation content

pair mo-fix-tz # two factors: a reworded source string, and xgettext at the same moment in another TZ
for s in a b; do
    hellogui_src "$work/hellogui" "$([ $s = b ] && echo msgid)"
    TZ="$([ $s = a ] && echo UTC || echo Europe/Berlin)" faketime "@$D1" make -s -C "$work/hellogui"
    cp "$work/hellogui/en_GB.mo" "$P/$s.mo"
done
label mo-fix-tz content+timezone

##############################################################################################
# Debian packages (dpkg-deb clamps mtimes to SOURCE_DATE_EPOCH when it is set).

pair deb-no-fakeroot # built by root, then by nobody without fakeroot (no --root-owner-group)
for s in a b; do
    d=$shm/wcount-deb
    fresh "$d"
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$SDE wcount_deb "$d/src" "$d/out.deb" 2.1-1 "" -Zxz
    else
        chown nobody "$d"
        as_user nobody env SOURCE_DATE_EPOCH=$SDE PATH="$PATH" bash -c "$(declare -f fresh wordcount_src wcount_deb); wcount_deb '$d/src' '$d/out.deb' 2.1-1 '' -Zxz"
    fi
    cp "$d/out.deb" "$P/$s.deb"
done
label deb-no-fakeroot user-group

pair deb-xz-zstd # the same package compressed with -Zxz, then -Zzstd
for s in a b; do
    SOURCE_DATE_EPOCH=$SDE wcount_deb "$work/wcount" "$P/$s.deb" 2.1-1 "" --root-owner-group "$([ $s = a ] && echo -Zxz || echo -Zzstd)"
done
label deb-xz-zstd compression

pair deb-version-bump # 2.1-1 to 2.1.1-1: the new upstream version with the fixed message
for s in a b; do
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$SDE wcount_deb "$work/wcount" "$P/$s.deb" 2.1-1 "" --root-owner-group -Zxz
    else
        SOURCE_DATE_EPOCH=$SDE wcount_deb "$work/wcount" "$P/$s.deb" 2.1.1-1 fixed --root-owner-group -Zxz
    fi
done
label deb-version-bump input-version

pair deb-umask # staged and packaged under umask 022, then 002 (group-writable files and dirs)
for s in a b; do
    (
        umask "$([ $s = a ] && echo 022 || echo 002)"
        SOURCE_DATE_EPOCH=$SDE wcount_deb "$work/wcount" "$P/$s.deb" 2.1-1 "" --root-owner-group -Zxz
    )
done
label deb-umask permissions

pair deb-buildinfo-host # a buildinfo file with the host name, built on two machines
for s in a b; do
    HOSTINFO=1 SOURCE_DATE_EPOCH=$SDE on_host "$([ $s = a ] && echo pkgbuild-01 || echo laptop-kim)" \
        bash -c "$(declare -f fresh wordcount_src wcount_deb); wcount_deb '$work/wcount' '$P/$s.deb' 2.1-1 '' --root-owner-group -Zxz"
done
label deb-buildinfo-host hostname

pair deb-comp-mtime # two factors: -Zxz then -Zgzip, and a day later without SOURCE_DATE_EPOCH
for s in a b; do
    if [ $s = a ]; then
        ft "$D1" bash -c "$(declare -f fresh wordcount_src wcount_deb); wcount_deb '$work/wcount' '$P/$s.deb' 2.1-1 '' --root-owner-group -Zxz"
    else
        ft "$D2" bash -c "$(declare -f fresh wordcount_src wcount_deb); wcount_deb '$work/wcount' '$P/$s.deb' 2.1-1 '' --root-owner-group -Zgzip"
    fi
done
label deb-comp-mtime compression+timestamp

##############################################################################################
# squashfs and ISO 9660 images.

pair sqfs-mkfs-time # mksquashfs a day later: the superblock's creation time
rootfs_tree "$work/rootfs"
pin_mtimes "$work/rootfs" "$SDE"
for s in a b; do
    ft "$([ $s = a ] && echo $D1 || echo $D2)" mksquashfs "$work/rootfs" "$P/$s.squashfs" -noappend -quiet -no-progress -comp gzip >/dev/null
done
label sqfs-mkfs-time timestamp

pair sqfs-all-root # a tree written by the user nobody: -all-root, then without it
rootfs_tree "$work/rootfs"
chown -R nobody:nogroup "$work/rootfs"
pin_mtimes "$work/rootfs" "$SDE"
mksquashfs "$work/rootfs" "$P/a.squashfs" -noappend -quiet -no-progress -comp gzip -mkfs-time "$SDE" -all-root >/dev/null
mksquashfs "$work/rootfs" "$P/b.squashfs" -noappend -quiet -no-progress -comp gzip -mkfs-time "$SDE" >/dev/null
label sqfs-all-root user-group

pair sqfs-comp # the same tree with -comp gzip, then -comp xz
rootfs_tree "$work/rootfs"
pin_mtimes "$work/rootfs" "$SDE"
for s in a b; do
    mksquashfs "$work/rootfs" "$P/$s.squashfs" -noappend -quiet -no-progress -comp "$([ $s = a ] && echo gzip || echo xz)" -mkfs-time "$SDE" >/dev/null
done
label sqfs-comp compression

pair iso-volume-date # xorriso a day later without SOURCE_DATE_EPOCH: the volume's dates
rootfs_tree "$work/rootfs"
pin_mtimes "$work/rootfs" "$SDE"
for s in a b; do
    ft "$([ $s = a ] && echo $D1 || echo $D2)" xorriso -as mkisofs -quiet -R -J -V KIOSK_32 -o "$P/$s.iso" "$work/rootfs" 2>/dev/null
done
label iso-volume-date timestamp

##############################################################################################
# zip, tar, cpio, gzip.

pair zip-tz # zip stores local times: the same tree zipped with TZ=UTC and TZ=America/Denver
docs_tree "$work/docs" "install usage faq"
for s in a b; do
    pin_mtimes "$work/docs" "$SDE" # zip -r stores atimes too, and reading the files moved them
    (cd "$work/docs" && TZ="$([ $s = a ] && echo UTC || echo America/Denver)" zip -q -r "$P/$s.zip" manual)
done
label zip-tz timezone

pair zip-tz-order # two factors: zip -r (readdir order) of two checkouts, in two time zones
for s in a b; do
    o="install usage faq changelog"
    [ $s = b ] && o="faq changelog usage install"
    docs_tree "$shm/docs" "$o"
    pin_mtimes "$shm/docs" "$SDE"
    # -X: no extended time fields, whose access times zip's own reading moves (a real clock).
    (cd "$shm/docs" && TZ="$([ $s = a ] && echo UTC || echo Europe/Helsinki)" zip -q -X -r "$P/$s.zip" manual)
done
label zip-tz-order timezone+file-order

pair tar-readdir # tar without --sort=name of two checkouts written in another order
for s in a b; do
    o="install usage faq changelog"
    [ $s = b ] && o="changelog install faq usage"
    docs_tree "$shm/docs" "$o"
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$SDE" -C "$shm/docs" -cf "$P/$s.tar" manual
done
label tar-readdir file-order

pair tar-random-uuid # the build writes a fresh instance id (/proc/sys/kernel/random/uuid)
for s in a b; do
    rootfs_tree "$work/rootfs"
    cat /proc/sys/kernel/random/uuid | sed 's/^/instance-id = /' >"$work/rootfs/etc/kiosk/instance.conf"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SDE" -C "$work/rootfs" -cf "$P/$s.tar" .
done
label tar-random-uuid randomness

pair doc-index-locale # an INDEX listing made with sort(1) under LC_ALL=C, then de_DE.UTF-8
for s in a b; do
    fresh "$work/handbook"
    for f in Zubehör anleitung Bedienung bedienung-alt Übersicht _intern Wartung; do
        printf '%s\n' "$f" >"$work/handbook/$f.txt"
    done
    (cd "$work/handbook" && ls *.txt | LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo de_DE.UTF-8)" sort >INDEX)
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SDE" -C "$work/handbook" -cf "$P/$s.tar" .
done
label doc-index-locale locale

pair tar-user-umask # two factors: the tree written by root (umask 022), then by nobody (umask 002)
for s in a b; do
    fresh "$shm/kiosk"
    chmod 777 "$shm/kiosk"
    if [ $s = a ]; then
        (umask 022 && rootfs_tree "$shm/kiosk/root")
    else
        as_user nobody bash -c "umask 002; $(declare -f fresh rootfs_tree); rootfs_tree '$shm/kiosk/root'"
    fi
    tar --format=gnu --sort=name --mtime="@$SDE" -C "$shm/kiosk/root" -cf "$P/$s.tar" .
done
label tar-user-umask user-group+permissions

pair cpio-readdir # find | cpio (readdir order) of two checkouts written in another order
for s in a b; do
    o="install usage faq changelog"
    [ $s = b ] && o="usage faq install changelog"
    docs_tree "$shm/docs" "$o"
    pin_mtimes "$shm/docs" "$SDE"
    (cd "$shm/docs" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label cpio-readdir file-order

pair cpio-umask # the tree written under umask 022, then 027
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 027)" && rootfs_tree "$work/rootfs")
    pin_mtimes "$work/rootfs" "$SDE"
    (cd "$work/rootfs" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label cpio-umask permissions

pair gzip-real-sleep # the man page generated and gzipped (without -n) twice, really seconds apart
for s in a b; do
    [ $s = b ] && sleep 1
    wordcount_src "$work/wcman"
    make -s -C "$work/wcman" wordcount.1
    gzip -9 "$work/wcman/wordcount.1"
    cp "$work/wcman/wordcount.1.gz" "$P/$s.1.gz"
done
label gzip-real-sleep timestamp
