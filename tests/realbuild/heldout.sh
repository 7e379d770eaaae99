# The HELD-OUT half of the real-build corpus (sourced by make.sh, with lib.sh's helpers).
#
# Whoever develops the explainer does not read this file, does not run the explainer on these
# pairs while developing, and puts none of their names, paths or contents into
# crates/explain/src (crates/explain/tests/realbuild.rs checks the names listed in ../tokens).
# Only tests/realbuild/accuracy.sh heldout and that test score these pairs.

H1=1694506500   # 2023-09-12 08:15:00 UTC: the first build of a time-varied pair
H2=1695159600   # 2023-09-19 21:40:00 UTC: the second
HSDE=1694000000 # 2023-09-06 11:33:20 UTC: SOURCE_DATE_EPOCH where time is pinned

##############################################################################################
# Projects.

# ringbuf: a ring buffer with a LOG() macro printing __FILE__ (absolute: the Makefile compiles
# $(CURDIR)/lib/ringbuf.c). VARIANT fixed: an off-by-one in the wrap-around fixed.
# HOSTHDR=1: a generated host.h (hostname(1)) printed by --about.
ringbuf_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/lib"
    cat >"$d/lib/ringbuf.h" <<'EOF'
#ifndef RINGBUF_H
#define RINGBUF_H
#include <stdio.h>
#define LOG(msg) fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, (msg))
typedef struct { int data[16]; unsigned head, tail, size; } ringbuf;
int rb_push(ringbuf *rb, int v);
int rb_pop(ringbuf *rb, int *v);
#endif
EOF
    cat >"$d/lib/ringbuf.c" <<'EOF'
#include "ringbuf.h"

int rb_push(ringbuf *rb, int v)
{
    if (rb->size == 16) {
        LOG("ring buffer full");
        return -1;
    }
    rb->data[rb->head] = v;
    rb->head = (rb->head + 1) % 17;
    rb->size++;
    return 0;
}

int rb_pop(ringbuf *rb, int *v)
{
    if (rb->size == 0) {
        LOG("ring buffer empty");
        return -1;
    }
    *v = rb->data[rb->tail];
    rb->tail = (rb->tail + 1) % 16;
    rb->size--;
    return 0;
}
EOF
    [ "$variant" = fixed ] && sed -i 's/% 17;/% 16;/' "$d/lib/ringbuf.c"
    cat >"$d/rbdemo.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "ringbuf.h"
#ifdef WITH_HOST
#include "host.h"
#endif

int main(int argc, char **argv)
{
    ringbuf rb = {{0}, 0, 0, 0};
    int v;
#ifdef WITH_HOST
    if (argc > 1 && strcmp(argv[1], "--about") == 0) {
        printf("rbdemo, built on %s\n", RB_BUILD_HOST);
        return 0;
    }
#endif
    for (int i = 1; i < argc; i++)
        rb_push(&rb, atoi(argv[i]));
    while (rb_pop(&rb, &v) == 0)
        printf("%d\n", v);
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
CFLAGS = -O1
ifeq ($(HOSTHDR),1)
CFLAGS += -DWITH_HOST
EXTRA = host.h
endif

rbdemo: rbdemo.o ringbuf.o
> gcc $(CFLAGS) -o $@ rbdemo.o ringbuf.o

rbdemo.o: $(CURDIR)/rbdemo.c $(EXTRA)
> gcc $(CFLAGS) -I$(CURDIR)/lib -c -o $@ $(CURDIR)/rbdemo.c

ringbuf.o: $(CURDIR)/lib/ringbuf.c $(CURDIR)/lib/ringbuf.h
> gcc $(CFLAGS) -c -o $@ $(CURDIR)/lib/ringbuf.c

host.h:
> echo "#define RB_BUILD_HOST \"$$(hostname)\"" >$@
EOF
}

# unitfmt: formats byte counts; a banner with __DATE__/__TIME__ and an assert().
# VARIANT fixed: rounds instead of truncating.
unitfmt_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    cat >"$d/unitfmt.c" <<'EOF'
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};

static void show(unsigned long long n)
{
    int u = 0;
    double v = (double)n;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    assert(u >= 0 && u <= 4);
    printf("%.0f %s\n", (double)(long long)v, units[u]);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-V") == 0) {
        printf("unitfmt 2.2 compiled on %s at %s\n", __DATE__, __TIME__);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        show(strtoull(argv[i], NULL, 10));
    return 0;
}
EOF
    [ "$variant" = fixed ] && sed -i 's/(double)(long long)v/v/' "$d/unitfmt.c"
    printf '.RECIPEPREFIX = >\nunitfmt: $(CURDIR)/unitfmt.c\n> gcc -O2 -o $@ $<\n' >"$d/Makefile"
}

# sysmon: a status tool with a generated stamp.h: DIR SHELL-COMMAND (its output is SYSMON_STAMP).
sysmon_src() {
    local d=$1 cmd=$2
    fresh "$d"
    cat >"$d/sysmon.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "stamp.h"

int main(int argc, char **argv)
{
    FILE *f;
    double load[3];
/*HELP*/
    if (argc > 1 && strcmp(argv[1], "--stamp") == 0) {
        puts(SYSMON_STAMP);
        return 0;
    }
    f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3)
        printf("load: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    if (f)
        fclose(f);
    return 0;
}
EOF
    cat >"$d/Makefile" <<EOF
.RECIPEPREFIX = >
sysmon: sysmon.c stamp.h
> gcc -O2 -Wall -o \$@ sysmon.c

stamp.h:
> echo "#define SYSMON_STAMP \"\$\$($cmd)\"" >\$@
EOF
}

# opcodes: an opcode table sorted with sort(1) under the build's locale.
opcodes_src() {
    fresh "$1"
    printf '%s\n' öka zebra Åter apa Ärva ödla Yxa wiki vals Mov mov _nop >"$1/opcodes.list"
    cat >"$1/asmtab.c" <<'EOF'
#include <stdio.h>
#include <string.h>

static const char *const opcodes[] = {
#include "opcodes.inc"
    NULL
};

int main(int argc, char **argv)
{
    for (int i = 0; opcodes[i]; i++)
        if (argc < 2 || strcmp(argv[1], opcodes[i]) == 0)
            printf("%02x %s\n", i, opcodes[i]);
    return 0;
}
EOF
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
asmtab: asmtab.c opcodes.inc
> gcc -O2 -o $@ asmtab.c

opcodes.inc: opcodes.list
> sort opcodes.list | awk '{ printf "    \"%s\",\n", $$0 }' >$@
EOF
}

# codecs: a registry generated from `find codecs -name '*.c'` (readdir order, no sort);
# ORDER: the order in which the codec sources were written.
codecs_src() {
    local d=$1 order=$2 c
    fresh "$d"
    mkdir -p "$d/codecs"
    for c in $order; do
        printf 'const char *codec_%s_describe(void) { return "%s codec, version 1"; }\n' "$c" "$c" >"$d/codecs/$c.c"
    done
    cat >"$d/registry.c" <<'EOF'
#include <stdio.h>
#define CODEC(c) const char *codec_##c##_describe(void);
#include "registry.inc"
#undef CODEC
#define CODEC(c) codec_##c##_describe,
static const char *(*const codecs[])(void) = {
#include "registry.inc"
};

int main(void)
{
    for (unsigned i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        puts(codecs[i]());
    return 0;
}
EOF
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
registry: registry.c registry.inc
> gcc -O2 -o $@ registry.c $(sort $(wildcard codecs/*.c))

registry.inc:
> find codecs -name '*.c' | sed 's|codecs/\(.*\)\.c|CODEC(\1)|' >$@
EOF
}

# vecmath: a static library of LTO objects.
vecmath_src() {
    fresh "$1"
    printf 'double vm_dot3(const double *a, const double *b) { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2]; }\n' >"$1/dot.c"
    printf 'void vm_scale3(double *a, double k) { for (int i = 0; i < 3; i++) a[i] *= k; }\n' >"$1/scale.c"
    printf 'void vm_add3(double *a, const double *b) { for (int i = 0; i < 3; i++) a[i] += b[i]; }\n' >"$1/add.c"
    cat >"$1/Makefile" <<'EOF'
.RECIPEPREFIX = >
libvecmath.a: dot.o scale.o add.o
> ar rcD $@ $^

%.o: %.c
> gcc -O3 -flto -fPIC -c -o $@ $<
EOF
}

# crcsum with the vendored tinycrc at VERSION (0.8.1: bitwise; 0.9.0: table-driven).
crcsum_src() {
    local d=$1 v=$2
    fresh "$d"
    mkdir -p "$d/third_party/tinycrc"
    printf '#define TINYCRC_VERSION "%s"\nunsigned tinycrc32(const unsigned char *p, unsigned long n);\n' "$v" >"$d/third_party/tinycrc/tinycrc.h"
    if [ "$v" = 0.8.1 ]; then
        cat >"$d/third_party/tinycrc/tinycrc.c" <<'EOF'
#include "tinycrc.h"
unsigned tinycrc32(const unsigned char *p, unsigned long n)
{
    unsigned c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}
EOF
    else
        cat >"$d/third_party/tinycrc/tinycrc.c" <<'EOF'
#include "tinycrc.h"
static unsigned table[256];
static void init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
}
unsigned tinycrc32(const unsigned char *p, unsigned long n)
{
    unsigned c = 0xffffffffu;
    if (!table[1])
        init();
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}
EOF
    fi
    cat >"$d/crcsum.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "tinycrc.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts("crcsum 1.0 (tinycrc " TINYCRC_VERSION ")");
        return 0;
    }
    for (int i = 1; i < argc; i++)
        printf("%08x  %s\n", tinycrc32((const unsigned char *)argv[i], strlen(argv[i])), argv[i]);
    return 0;
}
EOF
    printf '.RECIPEPREFIX = >\ncrcsum: crcsum.c third_party/tinycrc/tinycrc.c\n> gcc -O2 -Ithird_party/tinycrc -o $@ $^\n' >"$d/Makefile"
}

# pinger: linked with a random build ID.
pinger_src() {
    fresh "$1"
    cat >"$1/pinger.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("would ping %s\n", argv[i]);
    return argc < 2;
}
EOF
    printf '.RECIPEPREFIX = >\nLDFLAGS = -Wl,--build-id=uuid\npinger: pinger.c\n> gcc -O1 $(LDFLAGS) -o $@ pinger.c\n' >"$1/Makefile"
}

# Python projects: DIR NAME VERSION [STAMP]; STAMP "local" makes setup.py write NAME/_stamp.py
# with SOURCE_DATE_EPOCH (or now) in local time.
h_pyproj() {
    local d=$1 name=$2 v=$3 stamp=${4:-}
    fresh "$d"
    mkdir -p "$d/src/$name"
    printf '__all__ = ["render"]\nVERSION = "%s"\n' "$v" >"$d/src/$name/__init__.py"
    cat >"$d/src/$name/render.py" <<'EOF'
def render(rows, sep=" | "):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(sep.join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows)
EOF
    {
        echo 'import setuptools'
        if [ "$stamp" = local ]; then
            cat <<EOF
import datetime
import os
import time

when = datetime.datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())))
with open("src/$name/_stamp.py", "w") as out:
    out.write("STAMP = %r\\n" % when.strftime("%d/%m/%Y %H:%M"))
EOF
        fi
        cat <<EOF
setuptools.setup(
    name="$name",
    version="$v",
    package_dir={"": "src"},
    packages=["$name"],
    python_requires=">=3.8",
)
EOF
    } >"$d/setup.py"
    pin_mtimes "$d" "$HSDE"
}

# notesapp's catalogs: xgettext (POT-Creation-Date: the build's time and zone), msgmerge and
# msgfmt for fr.mo, msginit --no-translator for en_US.mo. VARIANT fixed: fr.po retranslated.
notesapp_src() {
    local d=$1 variant=${2:-}
    fresh "$d"
    mkdir -p "$d/src" "$d/po"
    cat >"$d/src/notes.c" <<'EOF'
#include <libintl.h>
#include <stdio.h>
#define N_(s) gettext(s)

int main(int argc, char **argv)
{
    printf(N_("%d notes\n"), argc - 1);
    puts(N_("New note"));
    puts(N_("Delete this note?"));
    return 0;
}
EOF
    cat >"$d/po/fr.po" <<'EOF'
# French translation of notesapp.
msgid ""
msgstr ""
"Project-Id-Version: notesapp 3.1\n"
"Report-Msgid-Bugs-To: notesapp-l10n@lists.example\n"
"POT-Creation-Date: 2023-08-01 12:00+0000\n"
"PO-Revision-Date: 2023-08-03 08:05+0200\n"
"Last-Translator: Camille Durand <camille@notesapp.example>\n"
"Language-Team: French\n"
"Language: fr\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

#, c-format
msgid "%d notes\n"
msgstr "%d notes\n"

msgid "New note"
msgstr "Nouvelle note"

msgid "Delete this note?"
msgstr "Supprimer cette note ?"
EOF
    [ "$variant" = fixed ] && sed -i 's/Supprimer cette note ?/Effacer cette note ?/' "$d/po/fr.po"
    cat >"$d/Makefile" <<'EOF'
.RECIPEPREFIX = >
all: fr.mo en_US.mo

notesapp.pot: src/notes.c
> xgettext -kN_ --from-code=UTF-8 --package-name=notesapp --package-version=3.1 -o $@ src/notes.c

fr.mo: po/fr.po notesapp.pot
> msgmerge -q -o fr.merged.po po/fr.po notesapp.pot
> msgfmt -c -o $@ fr.merged.po

en_US.mo: notesapp.pot
> msginit --no-translator -l en_US -i notesapp.pot -o en_US.po >/dev/null 2>&1
> msgfmt -o $@ en_US.po
EOF
}

# The Debian package sysmon-tools: DIR OUT VERSION VARIANT [dpkg-deb options...]
# VARIANT: "" or "new" (0.10: sysmon with -Wextra and a new --help). BUILDENV=1 in the
# environment adds /etc/sysmon/build.env with the host name and a random build token.
h_sysmon_deb() {
    local d=$1 deb=$2 v=$3 variant=$4
    shift 4
    sysmon_src "$d" 'echo sysmon'
    if [ "$variant" = new ]; then
        sed -i 's/-Wall/-Wall -Wextra/' "$d/Makefile"
        cat >"$d/help.txt" <<'EOF'
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: sysmon [--stamp]");
        return 0;
    }
EOF
        sed -i -e "/\/\*HELP\*\//r $d/help.txt" "$d/sysmon.c"
        rm "$d/help.txt"
    fi
    sed -i '/\/\*HELP\*\//d' "$d/sysmon.c"
    make -s -C "$d"
    install -d -m 755 "$d/pkg/DEBIAN"
    mkdir -p "$d/pkg/usr/sbin" "$d/pkg/usr/share/doc/sysmon-tools" "$d/pkg/etc/sysmon"
    cp "$d/sysmon" "$d/pkg/usr/sbin/sysmon"
    printf 'interval=30\nalert_load=4.0\n' >"$d/pkg/etc/sysmon/sysmon.conf"
    printf 'sysmon-tools: small system monitor\nCopyright 2023 Sysmon developers, BSD-2-Clause\n' >"$d/pkg/usr/share/doc/sysmon-tools/copyright"
    if [ "${BUILDENV:-}" = 1 ]; then
        printf 'BUILD_HOST=%s\nBUILD_TOKEN=%s\n' "$(hostname)" "$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')" >"$d/pkg/etc/sysmon/build.env"
    fi
    printf '/etc/sysmon/sysmon.conf\n' >"$d/pkg/DEBIAN/conffiles"
    cat >"$d/pkg/DEBIAN/control" <<EOF
Package: sysmon-tools
Version: $v
Architecture: amd64
Maintainer: Sysmon Developers <sysmon-dev@lists.example>
Depends: libc6 (>= 2.34)
Section: admin
Priority: optional
Description: small system monitor
 sysmon prints the load average and a build stamp.
EOF
    dpkg-deb --build "$@" "$d/pkg" "$deb" >/dev/null
}

# An appliance tree: DIR
appliance_tree() {
    fresh "$1"
    mkdir -p "$1/etc/appliance" "$1/opt/appliance/bin" "$1/var/lib/appliance"
    printf 'hostname_prefix=appl\nntp=pool.ntp.example\n' >"$1/etc/appliance/settings.ini"
    printf '#!/bin/sh\necho "appliance ready"\n' >"$1/opt/appliance/bin/ready"
    chmod 755 "$1/opt/appliance/bin/ready"
    printf 'schema=7\n' >"$1/var/lib/appliance/state"
    printf 'Appliance image, see https://appliance.example/docs\n' >"$1/opt/appliance/README"
}

# Release notes written in ORDER: DIR ORDER
notes_tree() {
    local d=$1 order=$2 f
    fresh "$d"
    mkdir -p "$d/relnotes"
    for f in $order; do
        printf 'Release %s\n- fixes and improvements in %s\n' "$f" "$f" >"$d/relnotes/$f.md"
    done
}

##############################################################################################
# C projects built with make and gcc.

pair ringbuf-debuginfo-dirs # -g: the two directories are in the DWARF
for s in a b; do
    d=$work/opt/src/ringbuf
    [ $s = b ] && d=$work/mnt/scratch/jenkins/ringbuf-1.0
    ringbuf_src "$d"
    make -s -C "$d" CFLAGS="-O1 -g"
    cp "$d/rbdemo" "$P/$s.elf"
done
label ringbuf-debuginfo-dirs build-path

pair ringbuf-logmacro-dirs # no -g: LOG()'s absolute __FILE__ in two directories
for s in a b; do
    d=$work/projects/ringbuf
    [ $s = b ] && d=$work/srv/buildbot/worker7/ringbuf
    ringbuf_src "$d"
    make -s -C "$d"
    cp "$d/rbdemo" "$P/$s.elf"
done
label ringbuf-logmacro-dirs build-path

pair ringbuf-wrap-fix # a real change: the wrap-around fixed
for s in a b; do
    ringbuf_src "$work/ringbuf" "$([ $s = b ] && echo fixed)"
    make -s -C "$work/ringbuf"
    cp "$work/ringbuf/rbdemo" "$P/$s.elf"
done
label ringbuf-wrap-fix content

pair unitfmt-banner-week # __DATE__/__TIME__: the second build a week later
for s in a b; do
    unitfmt_src "$work/unitfmt"
    ft "$([ $s = a ] && echo $H1 || echo $H2)" make -s -C "$work/unitfmt"
    cp "$work/unitfmt/unitfmt" "$P/$s.elf"
done
label unitfmt-banner-week timestamp

pair sysmon-stamp-hostname # hostname(1) in stamp.h, built on two machines
for s in a b; do
    sysmon_src "$work/sysmon" 'hostname'
    on_host "$([ $s = a ] && echo rack-b7-node || echo qa-vm-0042)" make -s -C "$work/sysmon"
    cp "$work/sysmon/sysmon" "$P/$s.elf"
done
label sysmon-stamp-hostname hostname

pair sysmon-stamp-whoami # whoami in stamp.h: built by root, then by the user irc
for s in a b; do
    sysmon_src "$shm/sysmon" 'whoami'
    if [ $s = a ]; then
        make -s -C "$shm/sysmon"
    else
        chown -R irc "$shm/sysmon"
        as_user irc make -s -C "$shm/sysmon"
    fi
    cp "$shm/sysmon/sysmon" "$P/$s.elf"
done
label sysmon-stamp-whoami user-group

pair sysmon-stamp-zone # date(1) of SOURCE_DATE_EPOCH with its offset, in two time zones
for s in a b; do
    sysmon_src "$work/sysmon" 'date -d @$$SOURCE_DATE_EPOCH "+%d.%m.%Y %H:%M %z"'
    SOURCE_DATE_EPOCH=$HSDE TZ="$([ $s = a ] && echo Australia/Adelaide || echo America/Sao_Paulo)" make -s -C "$work/sysmon"
    cp "$work/sysmon/sysmon" "$P/$s.elf"
done
label sysmon-stamp-zone timezone

locale_def sv_SE
locale_def fr_FR
pair asmtab-collation # the opcode table sorted under LC_ALL=C, then sv_SE.UTF-8
for s in a b; do
    opcodes_src "$work/asmtab"
    LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo sv_SE.UTF-8)" make -s -C "$work/asmtab"
    cp "$work/asmtab/asmtab" "$P/$s.elf"
done
label asmtab-collation locale

pair codecs-find-order # a registry in find(1)'s readdir order; the sources written in two orders
for s in a b; do
    o="flac opus vorbis speex"
    [ $s = b ] && o="opus speex flac vorbis"
    codecs_src "$shm/codecs" "$o"
    make -s -C "$shm/codecs"
    cp "$shm/codecs/registry" "$P/$s.elf"
done
label codecs-find-order file-order

pair vecmath-lto-archive # LTO objects (random section-name seeds) in a static library
for s in a b; do
    vecmath_src "$work/vecmath"
    make -s -C "$work/vecmath"
    cp "$work/vecmath/libvecmath.a" "$P/$s.a"
done
label vecmath-lto-archive randomness

pair crcsum-tinycrc-update # vendored tinycrc 0.8.1 updated to 0.9.0 (version and code)
for s in a b; do
    crcsum_src "$work/crcsum" "$([ $s = a ] && echo 0.8.1 || echo 0.9.0)"
    make -s -C "$work/crcsum"
    cp "$work/crcsum/crcsum" "$P/$s.elf"
done
label crcsum-tinycrc-update input-version

pair pinger-uuid-link # --build-id=uuid: a new random build ID every link
for s in a b; do
    pinger_src "$work/pinger"
    make -s -C "$work/pinger"
    cp "$work/pinger/pinger" "$P/$s.elf"
done
label pinger-uuid-link build-id

pair ringbuf-dirs-hosts # two factors: another directory (LOG's __FILE__), another host (host.h)
for s in a b; do
    d=$work/home/olaf/code/ringbuf
    h=tower-olaf
    [ $s = b ] && d=$work/builds/ringbuf-ci && h=gitlab-runner-5
    ringbuf_src "$d"
    on_host "$h" make -s -C "$d" HOSTHDR=1
    cp "$d/rbdemo" "$P/$s.elf"
done
label ringbuf-dirs-hosts build-path+hostname

pair unitfmt-fix-relocated # two factors: a real change (rounding), built in another directory
for s in a b; do
    d=$work/code/unitfmt
    [ $s = b ] && d=$work/tmp/pbuild-3321/unitfmt-2.2
    unitfmt_src "$d" "$([ $s = b ] && echo fixed)"
    SOURCE_DATE_EPOCH=$HSDE make -s -C "$d"
    cp "$d/unitfmt" "$P/$s.elf"
done
label unitfmt-fix-relocated content+build-path

##############################################################################################
# Python.

pair geotiler-pyc-venvs # compileall in two prefixes: co_filename
for s in a b; do
    d=$work/opt/venvs/maps/lib/site
    [ $s = b ] && d=$work/usr/local/lib/python-site
    h_pyproj "$d" geotiler 0.6
    SOURCE_DATE_EPOCH=$HSDE "$PY" -m compileall -q "$d/src/geotiler" >/dev/null
    cp "$d/src/geotiler/__pycache__/render.cpython-"*.pyc "$P/$s.pyc"
done
label geotiler-pyc-venvs build-path

pair mdtable-wheel-week # bdist_wheel a week later (no SOURCE_DATE_EPOCH)
for s in a b; do
    h_pyproj "$work/mdtable" mdtable 3.0
    (cd "$work/mdtable" && ft "$([ $s = a ] && echo $H1 || echo $H2)" "$PY" setup.py -q bdist_wheel -d wheels >/dev/null 2>&1)
    cp "$work/mdtable/wheels/mdtable-3.0-py3-none-any.whl" "$P/$s.whl"
done
label mdtable-wheel-week timestamp

pair logslice-stamp-zone # setup.py writes SOURCE_DATE_EPOCH as local time; two time zones
for s in a b; do
    h_pyproj "$work/logslice" logslice 1.4 local
    (cd "$work/logslice" && SOURCE_DATE_EPOCH=$HSDE TZ="$([ $s = a ] && echo Pacific/Auckland || echo Europe/Lisbon)" \
        "$PY" setup.py -q bdist_wheel -d wheels >/dev/null 2>&1)
    cp "$work/logslice/wheels/logslice-1.4-py3-none-any.whl" "$P/$s.whl"
done
label logslice-stamp-zone timezone

pair yamlcheck-sdist-week # sdist a week later: gzip header time, generated files' times
for s in a b; do
    h_pyproj "$work/yamlcheck" yamlcheck 0.1
    (cd "$work/yamlcheck" && ft "$([ $s = a ] && echo $H1 || echo $H2)" "$PY" setup.py -q sdist -d sdists >/dev/null 2>&1)
    cp "$work/yamlcheck/sdists/yamlcheck-0.1.tar.gz" "$P/$s.tar.gz"
done
label yamlcheck-sdist-week timestamp

##############################################################################################
# gettext.

pair notesapp-catalog-week # xgettext a week later: en_US.mo's PO-Revision-Date
for s in a b; do
    notesapp_src "$work/notesapp"
    ft "$([ $s = a ] && echo $H1 || echo $H2)" make -s -C "$work/notesapp"
    cp "$work/notesapp/en_US.mo" "$P/$s.mo"
done
label notesapp-catalog-week timestamp

pair notesapp-retranslated # a real change: fr.po retranslated
for s in a b; do
    notesapp_src "$work/notesapp" "$([ $s = b ] && echo fixed)"
    ft "$H1" make -s -C "$work/notesapp"
    cp "$work/notesapp/fr.mo" "$P/$s.mo"
done
label notesapp-retranslated content

pair notesapp-catalog-zone # xgettext at the same moment in two time zones
for s in a b; do
    notesapp_src "$work/notesapp"
    TZ="$([ $s = a ] && echo UTC || echo America/Halifax)" faketime "@$H1" make -s -C "$work/notesapp"
    cp "$work/notesapp/en_US.mo" "$P/$s.mo"
done
label notesapp-catalog-zone timezone

##############################################################################################
# Debian packages.

pair sysmon-deb-userbuild # built by root, then by the user list without fakeroot
for s in a b; do
    d=$shm/sysmon-deb
    fresh "$d"
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$HSDE h_sysmon_deb "$d/tree" "$d/out.deb" 0.9-2 "" -Zxz
    else
        chown list "$d"
        as_user list env SOURCE_DATE_EPOCH=$HSDE PATH="$PATH" bash -c "$(declare -f fresh sysmon_src h_sysmon_deb); h_sysmon_deb '$d/tree' '$d/out.deb' 0.9-2 '' -Zxz"
    fi
    cp "$d/out.deb" "$P/$s.deb"
done
label sysmon-deb-userbuild user-group

pair sysmon-deb-gzip-xz # -Zgzip, then -Zxz
for s in a b; do
    SOURCE_DATE_EPOCH=$HSDE h_sysmon_deb "$work/sysmon-deb" "$P/$s.deb" 0.9-2 "" --root-owner-group "$([ $s = a ] && echo -Zgzip || echo -Zxz)"
done
label sysmon-deb-gzip-xz compression

pair sysmon-deb-upstream # 0.9-2 to 0.10-1: the new upstream release
for s in a b; do
    if [ $s = a ]; then
        SOURCE_DATE_EPOCH=$HSDE h_sysmon_deb "$work/sysmon-deb" "$P/$s.deb" 0.9-2 "" --root-owner-group -Zxz
    else
        SOURCE_DATE_EPOCH=$HSDE h_sysmon_deb "$work/sysmon-deb" "$P/$s.deb" 0.10-1 new --root-owner-group -Zxz
    fi
done
label sysmon-deb-upstream input-version

pair sysmon-deb-umask027 # staged under umask 022, then 027 (DEBIAN/ itself made with install -d -m 755)
for s in a b; do
    (
        umask "$([ $s = a ] && echo 022 || echo 027)"
        SOURCE_DATE_EPOCH=$HSDE h_sysmon_deb "$work/sysmon-deb" "$P/$s.deb" 0.9-2 "" --root-owner-group -Zxz
    )
done
label sysmon-deb-umask027 permissions

pair sysmon-deb-buildenv-host # /etc/sysmon/build.env records the host name; two machines
for s in a b; do
    SOURCE_DATE_EPOCH=$HSDE on_host "$([ $s = a ] && echo debian-builder-x1 || echo ws-ingrid)" \
        bash -c "$(declare -f fresh sysmon_src h_sysmon_deb); BUILDENV=1 h_sysmon_deb '$work/sysmon-deb' '$P/$s.deb' 0.9-2 '' --root-owner-group -Zxz"
done
# build.env's random token differs too: the host name is not the only factor here.
label sysmon-deb-buildenv-host hostname+randomness

##############################################################################################
# squashfs, ISO 9660.

pair appliance-sqfs-week # mksquashfs a week later (no SOURCE_DATE_EPOCH, no -mkfs-time)
appliance_tree "$work/appliance"
pin_mtimes "$work/appliance" "$HSDE"
for s in a b; do
    ft "$([ $s = a ] && echo $H1 || echo $H2)" mksquashfs "$work/appliance" "$P/$s.sqfs" -noappend -quiet -no-progress -comp xz >/dev/null
done
label appliance-sqfs-week timestamp

pair appliance-sqfs-owner # the tree written by root, then by the user list (no -all-root)
for s in a b; do
    fresh "$shm/appl"
    chmod 777 "$shm/appl"
    if [ $s = a ]; then
        appliance_tree "$shm/appl/tree"
    else
        as_user list bash -c "$(declare -f fresh appliance_tree); appliance_tree '$shm/appl/tree'"
    fi
    pin_mtimes "$shm/appl/tree" "$HSDE"
    mksquashfs "$shm/appl/tree" "$P/$s.sqfs" -noappend -quiet -no-progress -comp xz -mkfs-time "$HSDE" >/dev/null
done
label appliance-sqfs-owner user-group

pair appliance-sqfs-lz4-zstd # -comp lz4, then -comp zstd
appliance_tree "$work/appliance"
pin_mtimes "$work/appliance" "$HSDE"
for s in a b; do
    mksquashfs "$work/appliance" "$P/$s.sqfs" -noappend -quiet -no-progress -comp "$([ $s = a ] && echo lz4 || echo zstd)" -mkfs-time "$HSDE" >/dev/null
done
label appliance-sqfs-lz4-zstd compression

pair appliance-iso-week # the tree generated (touch) and mastered a week later
for s in a b; do
    appliance_tree "$work/appliance"
    t=$([ $s = a ] && echo $H1 || echo $H2)
    ft "$t" find "$work/appliance" -exec touch {} +
    ft "$t" xorriso -as mkisofs -quiet -R -J -V APPLIANCE_7 -o "$P/$s.iso" "$work/appliance" 2>/dev/null
done
label appliance-iso-week timestamp

pair appliance-iso-week-umask # two factors: a week later, and the tree written under umask 077
for s in a b; do
    (
        umask "$([ $s = a ] && echo 022 || echo 077)"
        appliance_tree "$work/appliance"
    )
    t=$([ $s = a ] && echo $H1 || echo $H2)
    ft "$t" find "$work/appliance" -exec touch {} +
    ft "$t" xorriso -as mkisofs -quiet -R -V APPLIANCE_7 -o "$P/$s.iso" "$work/appliance" 2>/dev/null
done
label appliance-iso-week-umask timestamp+permissions

##############################################################################################
# zip, tar, cpio, gzip.

pair relnotes-zip-kolkata # zip -X of the same tree in TZ=UTC and TZ=Asia/Kolkata
notes_tree "$work/relnotes" "v1.0 v1.1 v2.0"
pin_mtimes "$work/relnotes" "$HSDE"
for s in a b; do
    (cd "$work/relnotes" && find relnotes | LC_ALL=C sort | TZ="$([ $s = a ] && echo UTC || echo Asia/Kolkata)" zip -q -X -@ "$P/$s.zip")
done
label relnotes-zip-kolkata timezone

pair license-zip-nonce # the build writes a random activation nonce into the zip
for s in a b; do
    appliance_tree "$work/licpack"
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$work/licpack/etc/appliance/nonce"
    pin_mtimes "$work/licpack" "$HSDE"
    (cd "$work/licpack" && find . -type f | LC_ALL=C sort | zip -q -X -@ "$P/$s.zip")
done
label license-zip-nonce randomness

pair relnotes-tar-unsorted # tar without --sort of trees written in two orders
for s in a b; do
    o="v1.0 v1.1 v2.0 v2.1 v3.0"
    [ $s = b ] && o="v3.0 v2.1 v1.0 v2.0 v1.1"
    notes_tree "$shm/rn" "$o"
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$HSDE" -C "$shm/rn" -cf "$P/$s.tar" relnotes
done
label relnotes-tar-unsorted file-order

pair news-date-french # NEWS with date(1) of SOURCE_DATE_EPOCH under LC_ALL=C, then fr_FR.UTF-8
for s in a b; do
    appliance_tree "$work/news"
    printf 'Appliance 7.0, released %s\n' "$(LOCPATH=$work/locales LC_ALL="$([ $s = a ] && echo C || echo fr_FR.UTF-8)" date -d "@$HSDE" '+%A %d %B %Y')" >"$work/news/opt/appliance/NEWS"
    tar --format=gnu --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$HSDE" -C "$work/news" -cf "$P/$s.tar" .
done
label news-date-french locale

pair initramfs-find-unsorted # find | cpio of trees written in two orders (readdir order)
for s in a b; do
    o="v1.0 v1.1 v2.0 v2.1"
    [ $s = b ] && o="v2.1 v1.1 v2.0 v1.0"
    notes_tree "$shm/ird" "$o"
    pin_mtimes "$shm/ird" "$HSDE"
    (cd "$shm/ird" && find . | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label initramfs-find-unsorted file-order

pair initramfs-groupwrite # the tree written under umask 022, then 002
for s in a b; do
    (umask "$([ $s = a ] && echo 022 || echo 002)" && appliance_tree "$work/ird")
    pin_mtimes "$work/ird" "$HSDE"
    (cd "$work/ird" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) >"$P/$s.cpio"
done
label initramfs-groupwrite permissions

pair sysmon-man-gzip-later # sysmon.8 generated and gzipped without -n, really seconds apart
for s in a b; do
    [ $s = b ] && sleep 1
    fresh "$work/sysmon-man"
    printf '.TH SYSMON 8\n.SH NAME\nsysmon \\- print the load average\n' >"$work/sysmon-man/sysmon.8.in"
    sed 's/^.TH SYSMON 8$/.TH SYSMON 8 "" "sysmon-tools 0.9"/' "$work/sysmon-man/sysmon.8.in" >"$work/sysmon-man/sysmon.8"
    gzip -9 "$work/sysmon-man/sysmon.8"
    cp "$work/sysmon-man/sysmon.8.gz" "$P/$s.8.gz"
done
label sysmon-man-gzip-later timestamp

pair initramfs-owner-week # two factors: written by list a week later (cpio without -R)
for s in a b; do
    fresh "$shm/iro"
    chmod 777 "$shm/iro"
    if [ $s = a ]; then
        ft "$H1" bash -c "$(declare -f fresh appliance_tree); appliance_tree '$shm/iro/tree'; find '$shm/iro/tree' -exec touch {} +"
    else
        as_user list faketime "@$H2" bash -c "$(declare -f fresh appliance_tree); appliance_tree '$shm/iro/tree'; find '$shm/iro/tree' -exec touch {} +"
    fi
    (cd "$shm/iro/tree" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) >"$P/$s.cpio"
done
label initramfs-owner-week user-group+timestamp

pair relnotes-tgz-unsorted-level # two factors: tar without --sort (two orders), gzip -1 then -9
for s in a b; do
    o="v1.0 v1.1 v2.0"
    [ $s = b ] && o="v2.0 v1.0 v1.1"
    notes_tree "$shm/rn" "$o"
    tar --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$HSDE" -C "$shm/rn" -cf - relnotes |
        gzip -n "$([ $s = a ] && echo -1 || echo -9)" >"$P/$s.tar.gz"
done
label relnotes-tgz-unsorted-level file-order+compression
