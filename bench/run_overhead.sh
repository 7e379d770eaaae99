#!/usr/bin/env bash
# Overhead of `reproscope run`, natively against under `run` (issue 13's benchmark):
#
#   1. a compile-bound build: a C library of a few dozen files with make -j2 (also under
#      libfaketime, Debian package faketime, when it is installed)
#   2. find /usr > /dev/null                      (every stat and getdents64 is a ptrace stop)
#   3. tar cf - /usr/share/doc | cat > /dev/null  (every stat and read is a stop; see below)
#   4. python3: 10^6 calls of time.time()         (answered in-process by the vDSO stub)
#   5. a C program (built here with gcc) timing clock_gettime(CLOCK_REALTIME) per call: through
#      libc (the vDSO; under `run` the stub written into it) and as a direct
#      syscall(SYS_clock_gettime, ...), which under `run` is a ptrace stop, as every clock
#      reading was before the stub
#
#   bash bench/run_overhead.sh               # 3 rounds, about 3.5 minutes on 2 cores
#   ROUNDS=5 bash bench/run_overhead.sh
#   SKIP_MAKE=1 bash bench/run_overhead.sh   # only 2-5, about 30 s
#   LIBSRC=/path/to/zstd/lib bash bench/run_overhead.sh
#   PYTHON=/path/to/python3 bash bench/run_overhead.sh   # default /usr/bin/python3
#   REPROSCOPE=/path/to/reproscope bash bench/run_overhead.sh   # default target/release, built if missing
#
# The variants alternate within each round (the order flips every round for 2-5), so load on
# the machine hits them alike; min and median per variant are reported, and the ratio run/native
# of each. Wall times come from bash (`time`, EPOCHREALTIME); the C program times itself with
# CLOCK_MONOTONIC, which `run` leaves real.
#
# The make build: zstd's lib/ (40 .c files) from the zstd-sys crate in the cargo registry when
# it is there (LIBSRC to point elsewhere), else 40 generated C files; each build starts from
# `make clean`.
#
# tar: GNU tar recognises an archive written to /dev/null and then does not read the files, so
# the archive goes to stdout and through a pipe to `cat > /dev/null`; only tar runs under `run`,
# `cat` runs natively in both variants. Before timing, the script checks that the archive has
# the same size under `run` as natively and that find lists as many entries.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
SKIP_MAKE=${SKIP_MAKE:-0}

BIN=${REPROSCOPE:-$ROOT/target/release/reproscope}
if [ ! -x "$BIN" ]; then
  cargo build --release -p reproscope --quiet
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy: a concurrent cargo build must not swap the binary between rounds.
cp "$BIN" "$work/reproscope"
echo "reproscope: $BIN (built $(date -r "$BIN" '+%Y-%m-%d %H:%M')), repository HEAD $(git rev-parse --short HEAD 2>/dev/null || echo "?"); $(nproc) cores; $ROUNDS rounds"
BIN=$work/reproscope

# How busy the CPUs are over one second, in percent: other processes skew the variants unevenly
# (the supervisor waits on scheduling at every stop), so say so before timing.
busy() {
  local a b
  a=$(head -n1 /proc/stat); sleep 1; b=$(head -n1 /proc/stat)
  printf '%s\n%s\n' "$a" "$b" | awk '{t = 0; for (i = 2; i <= NF; i++) t += $i; idle = $5 + $6
    if (NR == 1) { t0 = t; i0 = idle } else printf "%d\n", 100 * (1 - (idle - i0) / ((t - t0) > 0 ? t - t0 : 1)) }'
}
say_busy() {
  local b
  b=$(busy)
  echo "  CPUs ${b}% busy in the second before $1$([ "$b" -gt 15 ] && echo ': WARNING, other processes are running, the times will be noisy')"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minimum() { sort -g | head -n1; }

# ---------------------------------------------------------------------------------------------
# 1. The compile-bound build.

make_part() {
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

  local srcs nsrc
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

  local have_faketime=0
  command -v faketime >/dev/null 2>&1 && have_faketime=1

  # One build; prints "wall cpu" in seconds (cpu = user + sys of the whole tree, supervisor
  # included: it reaps the build's processes, so their times add up in its own children's times).
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

  local variants="native run"
  [ $have_faketime = 1 ] && variants="$variants faketime"
  echo
  echo "== 1. make: $libname, $nsrc files, make -j2, CFLAGS $cflags"
  declare -A cpus
  local r v w c
  say_busy "the builds"
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
  local a b
  a=$(sha256sum "$work/lib/libbench.a" | cut -c1-16)
  make -s -C "$work/lib" clean >/dev/null
  sleep 1
  "$BIN" run -- make -s -C "$work/lib" -j2 >/dev/null
  b=$(sha256sum "$work/lib/libbench.a" | cut -c1-16)

  local natw natc natm m pm pw pc
  natw=$(echo ${walls[native]} | tr ' ' '\n' | median)
  natc=$(echo ${cpus[native]} | tr ' ' '\n' | median)
  natm=$(echo ${walls[native]} | tr ' ' '\n' | minimum)
  echo
  # The fastest wall time is the least disturbed by other load on the machine.
  printf '  %-10s %10s %9s %12s %9s %12s %9s\n' variant "min wall" overhead "median wall" overhead "median cpu" overhead
  for v in $variants; do
    m=$(echo ${walls[$v]} | tr ' ' '\n' | minimum)
    w=$(echo ${walls[$v]} | tr ' ' '\n' | median)
    c=$(echo ${cpus[$v]} | tr ' ' '\n' | median)
    pm=$(echo "scale=1; ($m - $natm) * 100 / $natm" | bc)
    pw=$(echo "scale=1; ($w - $natw) * 100 / $natw" | bc)
    pc=$(echo "scale=1; ($c - $natc) * 100 / $natc" | bc)
    printf '  %-10s %9.2fs %8s%% %11.2fs %8s%% %11.2fs %8s%%\n' "$v" "$m" "$pm" "$w" "$pw" "$c" "$pc"
  done
  [ $have_faketime = 0 ] && echo "  faketime: not installed (apt-get install faketime)"
  echo "  libbench.a under run, two builds: $a $b $([ "$a" = "$b" ] && echo identical || echo DIFFERENT)"
  make -s -C "$work/lib" clean >/dev/null
  echo "  what one build under run rewrote (--explain):"
  "$BIN" run --explain -- make -s -C "$work/lib" -j2 2>&1 >/dev/null | sed 's/^/    /'
}

declare -A walls
if [ "$SKIP_MAKE" != 1 ]; then
  make_part
fi

# ---------------------------------------------------------------------------------------------
# 2-5. Syscall-heavy commands and the clock.

cat > "$work/clockbench.c" <<'EOF'
/* clockbench MODE [SECONDS]: calls the clock in a loop for about SECONDS (0.3), measured on
   CLOCK_MONOTONIC, and prints "ns-per-call calls tv_sec-of-the-last-reading".
   MODE: vdso    clock_gettime(CLOCK_REALTIME) through libc (the vDSO)
         syscall syscall(SYS_clock_gettime, CLOCK_REALTIME), always a real syscall */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double mono(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int sys = argc > 1 && strcmp(argv[1], "syscall") == 0;
    double target = argc > 2 ? atof(argv[2]) : 0.3;
    int batch = sys ? 100 : 10000;
    struct timespec ts = {0};
    volatile long sink = 0;
    long n = 0;
    for (int i = 0; i < batch; i++) { /* warm-up */
        if (sys) syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); else clock_gettime(CLOCK_REALTIME, &ts);
        sink += ts.tv_nsec;
    }
    double t0 = mono(), t1;
    do {
        for (int i = 0; i < batch; i++) {
            if (sys) syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts); else clock_gettime(CLOCK_REALTIME, &ts);
            sink += ts.tv_nsec;
        }
        n += batch;
        t1 = mono();
    } while (t1 - t0 < target);
    printf("%.1f %ld %lld\n", (t1 - t0) * 1e9 / n, n, (long long)ts.tv_sec);
    return 0;
}
EOF
gcc -O2 -o "$work/clockbench" "$work/clockbench.c"

# The interpreter itself, not a wrapper: a pyenv shim, for one, is a bash script that runs some
# 40 processes before Python starts.
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(python3 -c 'import sys; print(sys.executable)'); fi
fi
# time.time() called 10^6 times; prints the loop's own seconds (perf_counter: CLOCK_MONOTONIC,
# real under `run`) and the last time.time().
PY='import time
p = time.perf_counter
s = p()
for _ in range(1000000):
    time.time()
e = p()
print(f"{e - s:.4f} {int(time.time())}")'

# One command, natively or under run ($1). Prints its figure: wall seconds, or for the clock
# program ns per call. Side outputs go to $work/out.*.
one() {
  local v=$1 b=$2 t0 t1 status=0
  local pre=()
  [ "$v" = run ] && pre=("$BIN" run --)
  t0=$EPOCHREALTIME
  case $b in
    find) "${pre[@]}" find /usr > /dev/null || status=$? ;;
    tar) "${pre[@]}" tar cf - /usr/share/doc 2>/dev/null | cat > /dev/null || status=$? ;;
    py) "${pre[@]}" "$PYTHON" -c "$PY" > "$work/out.py.$v" || status=$? ;;
    cvdso) "${pre[@]}" "$work/clockbench" vdso > "$work/out.cvdso.$v" || status=$? ;;
    csys) "${pre[@]}" "$work/clockbench" syscall > "$work/out.csys.$v" || status=$? ;;
  esac
  t1=$EPOCHREALTIME
  [ "$status" = 0 ] || echo "  warning: $b ($v) exited with status $status" >&2
  case $b in
    py) awk '{print $1}' "$work/out.py.$v" > "$work/out.pyloop.$v"
        awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}' ;;
    cvdso|csys) awk '{print $1}' "$work/out.$b.$v" ;;
    *) awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}' ;;
  esac
}

echo
echo "== 2-5. find, tar, python3 time.time() ($PYTHON, $("$PYTHON" --version 2>&1)), clock_gettime per call"
# Warm the page and dentry caches, and check that `run` changes nothing in what is produced.
nf=$(find /usr | wc -l); rf=$("$BIN" run -- find /usr | wc -l)
nt=$(tar cf - /usr/share/doc 2>/dev/null | wc -c); rt=$("$BIN" run -- tar cf - /usr/share/doc 2>/dev/null | wc -c)
echo "  find /usr: $nf entries natively, $rf under run; tar of /usr/share/doc: $nt bytes natively, $rt under run"
[ "$nf" = "$rf" ] && [ "$nt" = "$rt" ] || echo "  WARNING: outputs differ under run"

say_busy "these rounds"
benches="find tar py cvdso csys"
declare -A vals
for r in $(seq 1 "$ROUNDS"); do
  order="native run"
  [ $((r % 2)) = 0 ] && order="run native"
  line="  round $r:"
  for b in $benches; do
    for v in $order; do
      x=$(one "$v" "$b")
      vals[$b.$v]="${vals[$b.$v]:-} $x"
      [ "$b" = py ] && vals[pyloop.$v]="${vals[pyloop.$v]:-} $(cat "$work/out.pyloop.$v")"
      line="$line $b/$v $x"
    done
  done
  echo "$line"
done
pysec=$(awk '{print $2}' "$work/out.py.run")
csec=$(awk '{print $3}' "$work/out.cvdso.run")
ssec=$(awk '{print $3}' "$work/out.csys.run")
echo "  last clock readings under run (seconds since 1970): python $pysec ($(date -u -d @"$pysec" +%F)), C via vDSO $csec ($(date -u -d @"$csec" +%F)), C syscall $ssec ($(date -u -d @"$ssec" +%F)); natively $(date -u +%F)"

# ---------------------------------------------------------------------------------------------
# The table.

if [ "$SKIP_MAKE" != 1 ]; then
  vals[make.native]=${walls[native]}
  vals[make.run]=${walls[run]}
fi
label() {
  case $1 in
    make) echo "make -j2 (compile-bound), wall s" ;;
    find) echo "find /usr > /dev/null, wall s" ;;
    tar) echo "tar cf - /usr/share/doc | cat, wall s" ;;
    py) echo "python3 10^6 time.time(), wall s" ;;
    pyloop) echo "  the loop alone (perf_counter), s" ;;
    cvdso) echo "clock_gettime(REALTIME) vDSO, ns/call" ;;
    csys) echo "syscall(SYS_clock_gettime), ns/call" ;;
  esac
}
target() {
  case $1 in make) echo 1.10 ;; find|tar) echo 2 ;; py) echo 3 ;; *) echo - ;; esac
}
echo
echo "run/native, $ROUNDS interleaved rounds ($(nproc) cores, $(date -u +%F), repository HEAD $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')):"
printf '%-40s %19s %19s %15s %7s %9s\n' "" "native min/median" "run min/median" "ratio min/med" target "met min/med"
rows="find tar py pyloop cvdso csys"
[ "$SKIP_MAKE" != 1 ] && rows="make $rows"
for b in $rows; do
  nm=$(echo ${vals[$b.native]} | tr ' ' '\n' | minimum)
  nd=$(echo ${vals[$b.native]} | tr ' ' '\n' | median)
  rm_=$(echo ${vals[$b.run]} | tr ' ' '\n' | minimum)
  rd=$(echo ${vals[$b.run]} | tr ' ' '\n' | median)
  qm=$(awk -v a="$rm_" -v b="$nm" 'BEGIN {printf "%.2f", a / b}')
  qd=$(awk -v a="$rd" -v b="$nd" 'BEGIN {printf "%.2f", a / b}')
  t=$(target "$b")
  if [ "$t" = - ]; then
    met=-
  else
    met=$(awk -v a="$qm" -v b="$qd" -v t="$t" 'BEGIN {print (a <= t ? "yes" : "no") "/" (b <= t ? "yes" : "no")}')
    t="<=${t}x"
  fi
  printf '%-40s %9s %9s %9s %9s %7sx %6sx %7s %9s\n' "$(label "$b")" "$nm" "$nd" "$rm_" "$rd" "$qm" "$qd" "$t" "$met"
done
sm=$(echo ${vals[csys.run]} | tr ' ' '\n' | median)
vm=$(echo ${vals[cvdso.run]} | tr ' ' '\n' | median)
vn=$(echo ${vals[cvdso.native]} | tr ' ' '\n' | median)
echo
awk -v s="$sm" -v v="$vm" -v n="$vn" 'BEGIN {
  printf "A realtime clock reading under run (medians): %.1f ns through the vDSO stub (natively %.1f ns),\n", v, n
  printf "%.0f ns (%.1f us) as a syscall, a ptrace stop, as every reading was before the stub: %.0fx.\n", s, s / 1000, s / v
}'
