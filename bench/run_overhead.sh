#!/usr/bin/env bash
# Overhead of `reproscope run` on a real build: a C library of a few dozen files compiled with
# make -j2, natively, under `reproscope run`, and under libfaketime (Debian package faketime).
#
#   bash bench/run_overhead.sh            # 3 rounds
#   ROUNDS=5 bash bench/run_overhead.sh
#   LIBSRC=/path/to/zstd/lib bash bench/run_overhead.sh
#
# The library: zstd's lib/ (40 .c files) from the zstd-sys crate in the cargo registry when it is
# there (LIBSRC to point elsewhere), else 40 generated C files. Each build starts from `make
# clean`; the variants alternate within a round so machine load hits them alike; the median per
# variant is reported. The faketime variant needs `apt-get install faketime` (not in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3}

BIN=$ROOT/target/release/reproscope
if [ ! -x "$BIN" ]; then
  cargo build --release -p reproscope --quiet
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy: a concurrent cargo build must not swap the binary between rounds.
cp "$BIN" "$work/reproscope"
BIN=$work/reproscope

if [ -z "${LIBSRC:-}" ]; then
  LIBSRC=$(ls -d "$HOME"/.cargo/registry/src/*/zstd-sys-*/zstd/lib 2>/dev/null | head -n1 || true)
fi
mkdir -p "$work/lib"
if [ -n "$LIBSRC" ] && [ -d "$LIBSRC" ]; then
  cp -r "$LIBSRC"/. "$work/lib/"
  libname="zstd $(basename "$(dirname "$(dirname "$LIBSRC")")" | sed 's/.*+zstd\.//') (lib/, from $LIBSRC)"
  cflags="-O2 -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=5 -I. -Icommon -Ilegacy"
else
  libname="40 generated C files"
  for i in $(seq 1 40); do
    {
      echo '#include <stdio.h>'
      echo '#include <string.h>'
      echo '#include <stdlib.h>'
      for j in $(seq 1 60); do
        echo "int f${i}_$j(const char *s, int n) { int h = $j; for (int k = 0; k < n; k++) h = h * 31 + s[k] * $i; return h ^ (int)strlen(s); }"
      done
    } > "$work/lib/gen$i.c"
  done
  cflags="-O2"
fi

srcs=$(cd "$work/lib" && find . -name '*.c' | sort | sed 's|^\./||' | tr '\n' ' ')
nsrc=$(echo $srcs | wc -w)
cat > "$work/lib/Makefile" <<EOF
SRCS = $srcs
OBJS = \$(SRCS:.c=.o)
CFLAGS = $cflags
libbench.a: \$(OBJS)
	ar rcs \$@ \$(OBJS)
%.o: %.c
	\$(CC) \$(CFLAGS) -c \$< -o \$@
clean:
	rm -f \$(OBJS) libbench.a
EOF

have_faketime=0
command -v faketime >/dev/null 2>&1 && have_faketime=1

# One build; prints "wall cpu" in seconds (cpu = user + sys of the whole tree, supervisor included:
# it reaps the build's processes, so their times add up in its own children's times).
build() {
  make -s -C "$work/lib" clean >/dev/null
  local TIMEFORMAT='%R %U %S' t
  t=$( { time {
    case "$1" in
      native) make -s -C "$work/lib" -j2 >/dev/null ;;
      run) "$BIN" run -- make -s -C "$work/lib" -j2 >/dev/null ;;
      faketime) faketime '2024-01-01 00:00:00' make -s -C "$work/lib" -j2 >/dev/null ;;
    esac
  } ; } 2>&1 )
  echo "$t" | awk '{printf "%.2f %.2f\n", $1, $2 + $3}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

variants="native run"
[ $have_faketime = 1 ] && variants="$variants faketime"
echo "library: $libname, $nsrc files, make -j2, CFLAGS $cflags; $ROUNDS rounds; $(nproc) cores"
declare -A walls cpus
for r in $(seq 1 "$ROUNDS"); do
  for v in $variants; do
    read -r w c < <(build "$v")
    walls[$v]="${walls[$v]:-} $w"
    cpus[$v]="${cpus[$v]:-} $c"
    printf '  round %d %-9s wall %6.2f s  cpu %6.2f s\n' "$r" "$v" "$w" "$c"
  done
done

# Reproducibility: two builds under `run` give the same archive; two native ones may not.
"$BIN" run -- make -s -C "$work/lib" -j2 >/dev/null
a=$(sha256sum "$work/lib/libbench.a" | cut -c1-16)
make -s -C "$work/lib" clean >/dev/null
sleep 1
"$BIN" run -- make -s -C "$work/lib" -j2 >/dev/null
b=$(sha256sum "$work/lib/libbench.a" | cut -c1-16)

natw=$(echo ${walls[native]} | tr ' ' '\n' | median)
natc=$(echo ${cpus[native]} | tr ' ' '\n' | median)
natm=$(echo ${walls[native]} | tr ' ' '\n' | sort -n | head -n1)
echo
# The fastest wall time is the least disturbed by other load on the machine.
printf '%-10s %10s %9s %12s %9s %12s %9s\n' variant "min wall" overhead "median wall" overhead "median cpu" overhead
for v in $variants; do
  m=$(echo ${walls[$v]} | tr ' ' '\n' | sort -n | head -n1)
  w=$(echo ${walls[$v]} | tr ' ' '\n' | median)
  c=$(echo ${cpus[$v]} | tr ' ' '\n' | median)
  pm=$(echo "scale=1; ($m - $natm) * 100 / $natm" | bc)
  pw=$(echo "scale=1; ($w - $natw) * 100 / $natw" | bc)
  pc=$(echo "scale=1; ($c - $natc) * 100 / $natc" | bc)
  printf '%-10s %9.2fs %8s%% %11.2fs %8s%% %11.2fs %8s%%\n' "$v" "$m" "$pm" "$w" "$pw" "$c" "$pc"
done
[ $have_faketime = 0 ] && echo "faketime: not installed (apt-get install faketime)"
echo "libbench.a under run, two builds: $a $b $([ "$a" = "$b" ] && echo identical || echo DIFFERENT)"
make -s -C "$work/lib" clean >/dev/null
echo "what one build under run rewrote (--explain):"
"$BIN" run --explain -- make -s -C "$work/lib" -j2 2>&1 >/dev/null | sed 's/^/  /'
