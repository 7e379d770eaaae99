#!/usr/bin/env bash
# reproscope vs diffoscope on a pair of gzip'd cpio initramfs images built from files on this
# machine (a handful of files changed, one added, one removed, every mtime shifted by one day).
#
#   bash bench/run.sh
#
# Environment:
#   BENCH_MB=24                 target size of each .cpio.gz in MB (10^6 bytes); at least 20
#   BENCH_DIR=                  work directory (kept); default: a temporary one, removed at the end
#   BENCH_RUNS=3                reproscope runs; the best (fastest) one is reported
#   BENCH_DIFFOSCOPE_RUNS=3     diffoscope runs; the best one is reported (1 for big images)
#   BENCH_TIMEOUT=1200          seconds before a diffoscope run is stopped
#   BENCH_EIF=1                 also wrap both images into EIFs and check reproscope's findings there
#   BENCH_EIF_DIFFOSCOPE=1      also time diffoscope on the EIF pair (0: skip; it sees an opaque binary)
#   BENCH_INSTALL=1             install missing tools with apt-get (needs root)
#
# Exit status: 0 when reproscope reported every injected change (and every member diffoscope
# found changed), 1 otherwise or on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_MB=${BENCH_MB:-24}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_DIFFOSCOPE_RUNS=${BENCH_DIFFOSCOPE_RUNS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
BENCH_EIF=${BENCH_EIF:-1}
BENCH_EIF_DIFFOSCOPE=${BENCH_EIF_DIFFOSCOPE:-1}
BENCH_INSTALL=${BENCH_INSTALL:-1}

say() { printf '\n== %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools --------------------------------------------------------------------------------------
# diffoscope-minimal is diffoscope without its long list of Recommends. Installing it with
# --no-install-recommends keeps the install small; binutils (readelf, objdump) and xxd are the
# external tools diffoscope runs on the members these images hold (ELF files, binary data), so
# they are installed explicitly: without them diffoscope would fall back to cheaper hex dumps.
need=()
command -v diffoscope >/dev/null || need+=(diffoscope)
command -v cpio >/dev/null || need+=(cpio)
command -v gzip >/dev/null || need+=(gzip)
command -v gcc >/dev/null || need+=(gcc)  # the rebuilt program in the trees
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
command -v readelf >/dev/null && command -v objdump >/dev/null || need+=(binutils)
command -v xxd >/dev/null || need+=(xxd)
command -v timeout >/dev/null || die "timeout (coreutils) is missing"
if [ ${#need[@]} -gt 0 ]; then
    [ "$BENCH_INSTALL" = 1 ] || die "missing: ${need[*]} (BENCH_INSTALL=0)"
    command -v apt-get >/dev/null || die "missing: ${need[*]}, and no apt-get to install them"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    say "installing ${need[*]}"
    "${sudo[@]}" apt-get update -qq
    pkgs=()
    for t in "${need[@]}"; do
        if [ "$t" = diffoscope ]; then
            if apt-cache policy diffoscope-minimal 2>/dev/null | grep -q 'Candidate: [0-9]'; then
                pkgs+=(diffoscope-minimal)
            else
                pkgs+=(diffoscope)
            fi
        else
            pkgs+=("$t")
        fi
    done
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${pkgs[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "cargo is missing (install Rust to build reproscope)"

say "building reproscope"
(cd "$repo" && cargo build --release -p reproscope --quiet)
target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
R="$target_dir/release/reproscope"
[ -x "$R" ] || die "no binary at $R"
echo "reproscope: $R ($("$R" --version))"
echo "diffoscope: $(command -v diffoscope) ($(diffoscope --version 2>&1))"

# --- work dir -----------------------------------------------------------------------------------
if [ -n "${BENCH_DIR:-}" ]; then
    work=$BENCH_DIR
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/reproscope-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
echo "work dir: $work"

# --- inputs -------------------------------------------------------------------------------------
repro_flag=()
cpio --help 2>&1 | grep -q -- '--reproducible' && repro_flag=(--reproducible)
archive() { # DIR OUT: the initramfs-tools/dracut way: sorted names, newc, gzip -n
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet "${repro_flag[@]}") | gzip -n -6 >"$2"
}
fsize() { stat -c %s "$1"; }

say "building the image pair (target ${BENCH_MB} MB gzip'd each)"
target_bytes=$(python3 -c "print(int(float('$BENCH_MB') * 1e6))")
scale=1.08
for _ in 1 2 3; do
    python3 "$here/mktrees.py" "$work" "$BENCH_MB" "$scale" >"$work/mktrees.log"
    archive "$work/a" "$work/a.cpio.gz"
    archive "$work/b" "$work/b.cpio.gz"
    sa=$(fsize "$work/a.cpio.gz")
    [ "$sa" -ge "$target_bytes" ] && break
    scale=$(python3 -c "print($scale * $target_bytes / $sa * 1.01)")
    echo "  a.cpio.gz is $sa bytes, under the target: again with scale $scale"
done
cat "$work/mktrees.log"
sa=$(fsize "$work/a.cpio.gz")
sb=$(fsize "$work/b.cpio.gz")
raw=$(du -sb "$work/a" | cut -f1)
printf 'a.cpio.gz %d bytes (%.1f MB), b.cpio.gz %d bytes (%.1f MB), tree a %.1f MB raw\n' \
    "$sa" "$(python3 -c "print($sa/1e6)")" "$sb" "$(python3 -c "print($sb/1e6)")" \
    "$(python3 -c "print($raw/1e6)")"
if [ "$sa" -lt 20000000 ] || [ "$sb" -lt 20000000 ]; then
    die "images under 20 MB: set BENCH_MB higher"
fi

# --- timing -------------------------------------------------------------------------------------
# run_timed NAME OUT_PREFIX CMD...: one run under /usr/bin/time -v; wall clock from bash's
# EPOCHREALTIME (µs), peak RSS (largest process of the run) from time -v.
# CPU time (user + system, children included) from time -v: steadier than wall time when other
# processes compete for the CPUs. Sets LAST_WALL (s), LAST_CPU (s), LAST_RSS (kB), LAST_RC.
run_timed() {
    local name=$1 prefix=$2
    shift 2
    local t0 t1
    t0=$EPOCHREALTIME
    set +e
    /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.stdout" 2>"$prefix.stderr"
    LAST_RC=$?
    set -e
    t1=$EPOCHREALTIME
    LAST_WALL=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
    LAST_RSS=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time")
    LAST_CPU=$(awk -F': ' '/User time|System time/ {t += $2} END {printf "%.2f", t}' "$prefix.time")
    # time -v prints "Command exited with non-zero status N" as its first line; the real code is
    # the one of the command (exit 1 = different is expected)
    printf '  %-10s run: %7.3f s wall  %7.2f s cpu  %7.1f MB  exit %d\n' "$name" "$LAST_WALL" \
        "$LAST_CPU" "$(python3 -c "print(${LAST_RSS:-0}/1024)")" "$LAST_RC"
}

# bench_tool NAME RUNS OUTJSON CMD... : best of RUNS (by wall time); sets BEST_WALL BEST_CPU
# BEST_RSS BEST_RC ALL_WALLS
bench_tool() {
    local name=$1 runs=$2 out=$3
    shift 3
    BEST_WALL="" BEST_CPU=0 BEST_RSS=0 BEST_RC=0 ALL_WALLS=""
    local i
    for ((i = 1; i <= runs; i++)); do
        rm -f "$out"
        run_timed "$name" "$work/$name.$i" "$@"
        ALL_WALLS="$ALL_WALLS $LAST_WALL"
        if [ -z "$BEST_WALL" ] || python3 -c "import sys; sys.exit(0 if $LAST_WALL < $BEST_WALL else 1)"; then
            BEST_WALL=$LAST_WALL BEST_CPU=$LAST_CPU BEST_RSS=${LAST_RSS:-0} BEST_RC=$LAST_RC
            [ -f "$out" ] && cp "$out" "$out.best"
        fi
    done
    [ -f "$out.best" ] && mv "$out.best" "$out"
    return 0
}

cd "$work"
# Other processes skew both tools (reproscope more: it uses every core): measure how busy the
# CPUs are for one second before timing, and say so.
busy=$(python3 -c '
import time
def cpu():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = cpu(); time.sleep(1); t1, i1 = cpu()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))')
if [ "$busy" -gt 15 ]; then
    echo "bench: warning: the CPUs were ${busy}% busy before timing: other processes are running," \
        "the times will be noisy" >&2
fi
say "reproscope diff a.cpio.gz b.cpio.gz --json out-r.json   (best of $BENCH_RUNS)"
bench_tool reproscope "$BENCH_RUNS" out-r.json "$R" diff a.cpio.gz b.cpio.gz --json out-r.json
r_wall=$BEST_WALL r_cpu=$BEST_CPU r_rss=$BEST_RSS r_rc=$BEST_RC r_all=$ALL_WALLS
[ "$r_rc" = 1 ] || { cat "$work"/reproscope.1.stderr >&2; die "reproscope exited $r_rc (expected 1 = different)"; }
tail -n 1 reproscope.1.stdout

# diffoscope's defaults are what its users get: for two files --exclude-directory-metadata
# defaults to "yes", which drops only the two top-level files' own stat data (their names and
# mtimes here are irrelevant), while the metadata of archive members is still compared (its cpio
# "file list" shows every member's mode, owner, size and mtime). Its output limits
# (--max-diff-block-lines 1024, --max-report-size 40 MB) shorten long diffs in the report, not
# the depth of the comparison; they are left at their defaults.
say "diffoscope --json out-d.json a.cpio.gz b.cpio.gz   (best of $BENCH_DIFFOSCOPE_RUNS, timeout ${BENCH_TIMEOUT}s)"
bench_tool diffoscope "$BENCH_DIFFOSCOPE_RUNS" out-d.json \
    timeout "$BENCH_TIMEOUT" diffoscope --json out-d.json a.cpio.gz b.cpio.gz
d_wall=$BEST_WALL d_cpu=$BEST_CPU d_rss=$BEST_RSS d_rc=$BEST_RC d_all=$ALL_WALLS
d_note=""
case "$d_rc" in
1) ;;
124) d_note="timed out after ${BENCH_TIMEOUT}s: the ratio is a lower bound" ;;
*) d_note="diffoscope exited $d_rc"; tail -n 5 diffoscope.1.stderr >&2 || true ;;
esac

# --- table --------------------------------------------------------------------------------------
say "results ($(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, images $(python3 -c "print(f'{$sa/1e6:.1f}')") MB gzip'd / $(python3 -c "print(f'{$raw/1e6:.1f}')") MB raw, $(grep -c . <(find a)) entries, CPUs ${busy}% busy before)"
python3 - "$r_wall" "$r_cpu" "$r_rss" "$d_wall" "$d_cpu" "$d_rss" "$r_all" "$d_all" "$d_note" <<'EOF'
import sys
rw, rc, rr, dw, dc, dr = (float(x) for x in sys.argv[1:7])
r_all, d_all, note = sys.argv[7].split(), sys.argv[8].split(), sys.argv[9]
print(f"{'tool':<12}{'wall s':>9}{'cpu s':>9}{'peak RSS MB':>13}   wall s of each run")
print(f"{'reproscope':<12}{rw:>9.2f}{rc:>9.2f}{rr / 1024:>13.0f}   best of {len(r_all)}: {' '.join(r_all)}")
print(f"{'diffoscope':<12}{dw:>9.2f}{dc:>9.2f}{dr / 1024:>13.0f}   best of {len(d_all)}: {' '.join(d_all)}")
print(f"ratio diffoscope/reproscope: wall time {dw / rw:.1f}x, cpu time {dc / max(rc, 0.01):.1f}x, "
      f"peak memory {dr / max(rr, 1):.2f}x" + (f"   ({note})" if note else ""))
EOF

# --- findings -----------------------------------------------------------------------------------
say "findings"
status=0
python3 "$here/check_findings.py" "$work" out-r.json out-d.json || status=1

# --- EIF ----------------------------------------------------------------------------------------
if [ "$BENCH_EIF" = 1 ]; then
    say "EIF pair: the same images as the second ramdisk of an enclave image"
    mkdir -p early
    printf '#!/bin/sh\nexec /usr/bin/true\n' >early/init
    chmod 755 early/init
    touch -d @0 early/init early
    (cd early && find . | LC_ALL=C sort | cpio -o -H newc --quiet "${repro_flag[@]}") >early.cpio
    cmdline="console=ttyS0 reboot=k panic=30 pci=off nomodules"
    python3 "$here/mkeif.py" a.eif filler "$cmdline" early.cpio a.cpio.gz
    python3 "$here/mkeif.py" b.eif filler "$cmdline" early.cpio b.cpio.gz
    echo "a.eif $(fsize a.eif) bytes, b.eif $(fsize b.eif) bytes"
    bench_tool reproscope-eif "$BENCH_RUNS" out-r-eif.json "$R" diff a.eif b.eif --json out-r-eif.json
    e_wall=$BEST_WALL e_cpu=$BEST_CPU e_rss=$BEST_RSS
    [ "$BEST_RC" = 1 ] || die "reproscope on the EIF pair exited $BEST_RC (expected 1)"
    echo "reproscope on the EIF pair: ${e_wall} s wall (best of $BENCH_RUNS), ${e_cpu} s cpu, $((e_rss / 1024)) MB peak RSS"
    if [ "$BENCH_EIF_DIFFOSCOPE" = 1 ]; then
        bench_tool diffoscope-eif 1 out-d-eif.json \
            timeout "$BENCH_TIMEOUT" diffoscope --json out-d-eif.json a.eif b.eif
        echo "diffoscope on the EIF pair: $BEST_WALL s wall, $BEST_CPU s cpu, $((BEST_RSS / 1024)) MB peak RSS, exit $BEST_RC"
        python3 -c "import sys; rw, rc, rr, dw, dc, dr = map(float, sys.argv[1:]); \
print(f'EIF ratio diffoscope/reproscope: wall time {dw / rw:.1f}x, cpu time {dc / max(rc, 0.01):.1f}x, ' \
      f'peak memory {dr / max(rr, 1):.2f}x')" \
            "$e_wall" "$e_cpu" "$e_rss" "$BEST_WALL" "$BEST_CPU" "$BEST_RSS"
        if [ -s out-d-eif.json ]; then
            echo "(diffoscope has no EIF reader: it compares the two images as opaque binary," \
                "a hex-dump diff; its JSON is $(($(fsize out-d-eif.json) / 1000000)) MB)"
        fi
        python3 "$here/check_findings.py" "$work" out-r-eif.json out-d-eif.json || status=1
    else
        python3 "$here/check_findings.py" "$work" out-r-eif.json || status=1
    fi
fi

if [ "$status" = 0 ]; then
    echo "bench: ok"
else
    echo "bench: reproscope missed changes (see above)"
fi
exit "$status"
