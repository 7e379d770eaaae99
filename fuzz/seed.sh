#!/bin/sh
# Makes the seed corpora fuzz/corpus/<target>/ from the test fixtures, fuzz/seeds/ and small
# samples made by the real tools (gzip, xz, zstd, bzip2, lz4, cpio, tar, zip, ar, dpkg-deb, gcc,
# xorriso, genisoimage, mksquashfs, python3, msgfmt, pnmtopng) and by the repository's own EIF and SGXS
# writers. A tool that is missing only costs its seeds. Usage: sh fuzz/seed.sh
set -u
cd "$(dirname "$0")"
fuzz=$(pwd)
root=$(cd .. && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=1704067200

put() { # put TARGET FILE...: copy files into a target's corpus
    target=$1
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -s "$f" ] && cp "$f" "corpus/$target/$(basename "$f")"
    done
    return 0
}
try() { "$@" >/dev/null 2>&1 || echo "seed.sh: skipped: $*" >&2; }

# A small tree every archiver packs: text, a binary, a symlink, a hard link, an empty file.
t=$w/tree
mkdir -p "$t/etc" "$t/bin" "$t/empty-dir"
printf 'a = 1\nb = 2\n' >"$t/etc/app.conf"
printf '{"name": "x", "list": [1, 2, {"k": null}]}\n' >"$t/etc/meta.json"
head -c 700 /dev/urandom >"$t/bin/blob"
: >"$t/empty"
ln -s ../etc/app.conf "$t/bin/link"
ln "$t/etc/app.conf" "$t/hard"
find "$t" -exec touch -h -d '2024-01-01 00:00:00' {} +
cd "$t"
for fmt in newc crc odc bin; do
    find . | sort | try cpio -o -H "$fmt" -F "$w/tree-$fmt.cpio"
done
for fmt in ustar gnu pax v7; do
    try tar --format="$fmt" --sort=name -cf "$w/tree-$fmt.tar" .
done
head -c 20000 /dev/zero >"$w/sparse-file"
try tar --format=gnu -S -cf "$w/sparse.tar" -C "$w" sparse-file
try tar --format=pax -S -cf "$w/sparse-pax.tar" -C "$w" sparse-file
try zip -qrX "$w/tree.zip" .
try zip -qrX0 "$w/tree-stored.zip" .
cd "$fuzz"

# Streams, each over a cpio and a tar, plus the odd variants.
for c in "$w/tree-newc.cpio" "$w/tree-ustar.tar"; do
    try gzip -nk9 "$c"
    try xz -k "$c"
    try zstd -q -k "$c"
    try bzip2 -k "$c"
    try lz4 -q "$c" "$c.lz4"
done
try sh -c "xz --format=lzma -c '$w/tree-newc.cpio' >'$w/tree.lzma'"
try sh -c "xz --check=sha256 -c '$w/tree-ustar.tar' >'$w/tree-sha256.tar.xz'"
try sh -c "lz4 -l -c '$w/tree-newc.cpio' >'$w/tree-legacy.cpio.lz4'"
try sh -c "lz4 --content-size -BD -c '$w/tree-newc.cpio' >'$w/tree-cs.cpio.lz4'"
try sh -c "zstd -q --no-check -c '$w/tree-newc.cpio' >'$w/tree-nocheck.cpio.zst'"
try sh -c "(gzip -nc '$w/tree-newc.cpio'; gzip -nc '$w/tree-newc.cpio') >'$w/two.cpio.gz'"
# An initrd: an uncompressed early cpio, then a gzip'd one.
try sh -c "(cat '$w/tree-newc.cpio'; gzip -nc '$w/tree-newc.cpio') >'$w/initrd.cpio'"

# ar, a .deb.
cat >"$w/x.c" <<'EOF'
#include <stdio.h>
int counter = 3;
static const char msg[] = "hello";
int main(void) { printf("%s %d\n", msg, counter); return 0; }
EOF
try gcc -c -o "$w/x.o" "$w/x.c"
try gcc -O1 -g -o "$w/x-debug" "$w/x.c"
try gcc -Os -s -o "$w/x-stripped" "$w/x.c"
try gcc -O1 -gz=zlib -o "$w/x-zdebug" "$w/x.c"
try gcc -shared -fPIC -o "$w/libx.so" "$w/x.c"
try ar rcsD "$w/libx.a" "$w/x.o"
mkdir -p "$w/deb/DEBIAN" "$w/deb/usr/share/x"
printf 'Package: x\nVersion: 1\nArchitecture: all\nMaintainer: x <x@x>\nDescription: x\n' >"$w/deb/DEBIAN/control"
cp "$t/etc/app.conf" "$w/deb/usr/share/x/"
try dpkg-deb --root-owner-group -Zxz -b "$w/deb" "$w/x.deb"

# Images: ISO 9660 (Rock Ridge + Joliet), squashfs with each compressor.
try xorriso -as mkisofs -quiet -R -J -o "$w/tree.iso" "$t"
try genisoimage -quiet -r -o "$w/tree-genisoimage.iso" "$t"
for comp in gzip xz lzo lz4 zstd; do
    try mksquashfs "$t" "$w/tree-$comp.squashfs" -comp "$comp" -noappend -quiet -no-progress -b 4096
done
try mksquashfs "$t" "$w/tree-noxattr.squashfs" -noappend -quiet -no-progress -no-xattrs -noD -noF

# pyc in each invalidation mode, PNG.
printf 'x = 1\ndef f(a):\n    return a + x\n' >"$w/m.py"
for mode in timestamp checked-hash unchecked-hash; do
    try python3 -c "import py_compile; py_compile.compile('$w/m.py', cfile='$w/m-$mode.pyc', invalidation_mode=py_compile.PycInvalidationMode['$(echo $mode | tr a-z- A-Z_)'])"
done
# A pyc with every kind of constant and nested code (the marshal decoder's paths).
printf '%s\n' 'X = (1, -1180591620717411303424, 2.5, 1e100, 1j, 1-2j, b"b\x00", "s\u20ac", None, ..., ((), (1,)))' \
    'def f(a, /, b, *c, d=1, **e):' '    y = 2' '    def g(z):' '        return y + z' \
    '    return g, lambda q: q in {1, 2}' 'class K:' '    async def m(self):' \
    '        try:' '            return [x async for x in self]' '        except E:' '            pass' >"$w/m2.py"
try python3 -c "import py_compile; py_compile.compile('$w/m2.py', cfile='$w/m2.pyc')"
# gettext catalogs: header, context, plural forms, escapes; both byte orders.
printf '%s\n' 'msgid ""' 'msgstr ""' '"Project-Id-Version: x 1\n"' '"PO-Revision-Date: 2024-01-01 00:00+0000\n"' \
    '"Content-Type: text/plain; charset=UTF-8\n"' '"Plural-Forms: nplurals=2; plural=(n != 1);\n"' '' \
    'msgctxt "menu"' 'msgid "Open"' 'msgstr "Offen"' '' 'msgid "%d file"' 'msgid_plural "%d files"' \
    'msgstr[0] "%d Datei"' 'msgstr[1] "%d Dateien"' '' 'msgid "tab\there"' 'msgstr "da\tdort"' >"$w/m.po"
try msgfmt -o "$w/little.mo" "$w/m.po"
try msgfmt --endianness=big -o "$w/big.mo" "$w/m.po"
try sh -c "ppmmake rgb:10/80/f0 5 3 | pnmtopng >'$w/small.png'"
try sh -c "ppmmake rgb:10/80/f0 4 4 | pnmtopng -interlace -text /dev/null >'$w/small-interlaced.png'"

# EIF and SGXS from the repository's writers (a gzip'd cpio ramdisk), and the SGX vectors.
try cargo run -q --release --example seeds -- "$w" "$w/tree-newc.cpio.gz" "$w/tree-newc.cpio"

fx=$root/crates/formats/tests/fixtures
put eif "$fx/eif/signed.eif" "$w/small.eif"
put gzip "$fx/gzip/two-members.gz" "$w"/*.gz
put cpio "$fx/cpio/early-plus-gzip.cpio" "$w"/*.cpio
put tar "$w"/*.tar
put zip "$w"/*.zip
put ar "$w/libx.a" "$w/x.deb" "$root"/tests/data/deb/*.deb
put elf "$w/x.o" "$w/x-debug" "$w/x-stripped" "$w/x-zdebug" "$w/libx.so"
put iso9660 "$w"/*.iso
put squashfs "$w"/*.squashfs
put xz "$w"/*.xz "$w/tree.lzma"
put zstd "$w"/*.zst
put bzip2 "$w"/*.bz2
put lz4 "$w"/*.lz4
put pyc "$w"/*.pyc
put mo "$w"/*.mo
put png "$w"/*.png
put sgxs "$w/small.sgxs" "$root"/tests/data/sgx/*.sgxs
put sigstruct "$root"/tests/data/sgx/*.sig "$root"/tests/data/sgx/*.sigstruct.bin
# Committed seeds (inputs that reached deep paths), by target.
for d in seeds/*/; do
    [ -d "$d" ] && put "$(basename "$d")" "$d"*
done

# compare: pairs of small samples of one kind, one byte changed in the second. The first 4 bytes
# are the first input's length (low 24 bits) and the extension byte (top 8, see src/lib.rs).
pair() { # pair NAME EXTBYTE FILE
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
name, ext, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
a = open(path, "rb").read()
b = bytearray(a)
if b:
    b[len(b) * 2 // 3] ^= 0x20
open("corpus/compare/" + name, "wb").write(struct.pack("<I", len(a) | ext << 24) + a + bytes(b))
EOF
}
mkdir -p corpus/compare
for f in "$w/tree-newc.cpio.gz" "$w/initrd.cpio" "$w/tree-gnu.tar" "$w/tree.zip" "$w/small.eif" \
    "$w/x-debug" "$w/tree-gzip.squashfs" "$w/libx.a" "$w/small.png" "$w/tree-ustar.tar.xz"; do
    [ -s "$f" ] && pair "$(basename "$f")" 0 "$f"
done
[ -s "$w/m-timestamp.pyc" ] && pair m.pyc 2 "$w/m-timestamp.pyc"
[ -s "$w/small.sgxs" ] && pair small.sgxs 3 "$w/small.sgxs"
pair meta.json 4 "$t/etc/meta.json"
pair app.conf 6 "$t/etc/app.conf"
# Two different archives of one tree: the engine pairs their members.
python3 - "$w/tree-newc.cpio" "$w/tree-odc.cpio" <<'EOF'
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
open("corpus/compare/newc-odc", "wb").write(struct.pack("<I", len(a)) + a + b)
EOF

# extract: archives with the name byte first (see fuzz_targets/extract.rs; 1 is ".tar"), plus
# hostile ones: a symlink out and a write through it, `..` names, absolute names.
mkdir -p corpus/extract
for f in "$w/tree-gnu.tar" "$w/tree-newc.cpio" "$w/initrd.cpio" "$w/tree.zip" "$w/x.deb" "$w/small.eif" \
    "$w/tree-ustar.tar.xz" "$w/tree-gzip.squashfs" "$w/tree.iso"; do
    [ -s "$f" ] && { printf '\001'; cat "$f"; } >"corpus/extract/$(basename "$f")"
done
python3 - <<'EOF'
import io, tarfile
def tar(name, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[0])
            if e[1] == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, e[2]
            elif e[1] == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            elif e[1] == "dir":
                ti.type = tarfile.DIRTYPE
            else:
                ti.size = len(e[2])
            t.addfile(ti, io.BytesIO(e[2] if e[1] == "file" else b""))
    open("corpus/extract/" + name, "wb").write(b"\x01" + buf.getvalue())
tar("symlink-out.tar", [("up", "sym", "../../.."), ("up/x", "file", b"x"), ("abs", "sym", "/tmp"), ("abs/y", "file", b"y")])
tar("dotdot.tar", [("../../../x", "file", b"x"), ("/abs", "file", b"a"), ("d", "dir", None), ("d/../../y", "file", b"y")])
tar("hardlink-out.tar", [("l", "hard", "../../../x"), ("s", "sym", "l"), ("s", "file", b"z")])
EOF

for d in corpus/*/; do
    printf '%-10s %3d files %8d bytes\n' "$(basename "$d")" "$(ls "$d" | wc -l)" "$(cat "$d"* | wc -c)"
done
