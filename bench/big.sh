#!/usr/bin/env bash
# reproscope vs diffoscope on three big pairs built from files on this machine (bench/mkbig.py):
#
#   targz   two ~150 MB .tar.gz of a tree of real files (docs, man pages, executables, Python
#           modules, shared libraries)
#   iso     two ~158 MB live ISOs (ISO 9660 + Rock Ridge + Joliet) holding an xz squashfs root
#           file system, a concatenated initrd, a kernel stand-in and boot configs
#   initrd  two ~51 MB concatenated initrds: an uncompressed early cpio (microcode-like files)
#           followed by a zstd'd newc cpio
#
# with changes injected inside (edited text lines, a line edited inside a nested .gz, flipped
# bytes in an ELF executable and a shared library, a retargeted symlink, an added and a removed
# file, every mtime moved one day; see mkbig.py). Each tool is timed on each pair in the same
# run, and check_findings.py checks both tools' findings against what was injected.
#
#   bash bench/big.sh
#
# Environment:
#   BENCH_PAIRS="targz iso initrd"  the pairs to run, in this order
#   BENCH_DIR=/tmp/reproscope-bench-big
#                               work directory, kept: inputs (rebuilt only when mkbig.py changes,
#                               or with BENCH_REBUILD=1), JSON reports, the diffoscope cache
#   BENCH_RUNS=3                reproscope runs per pair; the best (fastest) one is reported
#   BENCH_DIFFOSCOPE_RUNS=1     diffoscope runs per pair; the best one is reported
#   BENCH_DIFFOSCOPE_CACHE=1    reuse diffoscope's result (JSON report and figures) for the same
#                               inputs (sha256 of both), diffoscope version and options;
#                               0: run diffoscope again (and update the cache)
#   BENCH_TIMEOUT=3600          seconds before a run of either tool is stopped
#   BENCH_TARGZ_MB=145 BENCH_ISO_MB=158 BENCH_INITRD_MB=50   input sizes (10^6 bytes, at least)
#   BENCH_REBUILD=0             1: rebuild the inputs even if mkbig.py's stamp matches
#   BENCH_INSTALL=1             install missing tools with apt-get (needs root)
#   REPROSCOPE=                 a reproscope binary to use instead of building one
#
# Exit status: 0 when, on every pair, reproscope reported every injected change and every member
# diffoscope found changed; 1 otherwise or on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
BENCH_PAIRS=${BENCH_PAIRS:-targz iso initrd}
BENCH_DIR=${BENCH_DIR:-/tmp/reproscope-bench-big}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_DIFFOSCOPE_RUNS=${BENCH_DIFFOSCOPE_RUNS:-1}
BENCH_DIFFOSCOPE_CACHE=${BENCH_DIFFOSCOPE_CACHE:-1}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-3600}
BENCH_TARGZ_MB=${BENCH_TARGZ_MB:-145}
BENCH_ISO_MB=${BENCH_ISO_MB:-158}
BENCH_INITRD_MB=${BENCH_INITRD_MB:-50}
BENCH_REBUILD=${BENCH_REBUILD:-0}
BENCH_INSTALL=${BENCH_INSTALL:-1}

say() { printf '\n== %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

for p in $BENCH_PAIRS; do
    case "$p" in targz | iso | initrd) ;; *) die "unknown pair '$p' in BENCH_PAIRS (targz iso initrd)" ;; esac
done

# --- tools --------------------------------------------------------------------------------------
# Building the inputs needs tar, gzip, zstd, cpio, mksquashfs and xorriso. diffoscope needs, for
# what these inputs hold: isoinfo (genisoimage) for the ISO's volume descriptor and listings,
# unsquashfs (squashfs-tools) to list and extract the squashfs, cpio, xz/zstd/gzip, readelf and
# objdump (binutils) for the ELF members, xxd for binary data. Without them it falls back to hex
# dumps, or does not look inside at all, and the comparison would not be fair.
declare -A pkg_of=([diffoscope]=diffoscope [cpio]=cpio [gzip]=gzip [xz]=xz-utils [zstd]=zstd
    [tar]=tar [mksquashfs]=squashfs-tools [unsquashfs]=squashfs-tools [xorriso]=xorriso
    [gcc]=gcc [isoinfo]=genisoimage [readelf]=binutils [objdump]=binutils [xxd]=xxd [python3]=python3)
need=()
for t in "${!pkg_of[@]}"; do
    command -v "$t" >/dev/null || need+=("${pkg_of[$t]}")
done
[ -x /usr/bin/time ] || need+=(time)
command -v timeout >/dev/null || die "timeout (coreutils) is missing"
if [ ${#need[@]} -gt 0 ]; then
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    [ "$BENCH_INSTALL" = 1 ] || die "missing: ${need[*]} (BENCH_INSTALL=0)"
    command -v apt-get >/dev/null || die "missing: ${need[*]}, and no apt-get to install them"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    say "installing ${need[*]}"
    "${sudo[@]}" apt-get update -qq
    pkgs=()
    for t in "${need[@]}"; do
        if [ "$t" = diffoscope ] &&
            apt-cache policy diffoscope-minimal 2>/dev/null | grep -q 'Candidate: [0-9]'; then
            pkgs+=(diffoscope-minimal)
        else
            pkgs+=("$t")
        fi
    done
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${pkgs[@]}" >/dev/null
fi

if [ -n "${REPROSCOPE:-}" ]; then
    R=$(realpath "$REPROSCOPE")
    rev="given binary"
else
    command -v cargo >/dev/null || die "cargo is missing (install Rust to build reproscope)"
    say "building reproscope"
    (cd "$repo" && cargo build --release -p reproscope --quiet)
    target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    R="$target_dir/release/reproscope"
fi
[ -x "$R" ] || die "no binary at $R"
if [ -z "${REPROSCOPE:-}" ]; then
    rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$repo" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ] ||
        rev="$rev + uncommitted changes"
fi
echo "reproscope: $R ($("$R" --version), source $rev)"
D_VERSION=$(diffoscope --version 2>&1)
echo "diffoscope: $(command -v diffoscope) ($D_VERSION)"

mkdir -p "$BENCH_DIR"
work=$(cd "$BENCH_DIR" && pwd)
echo "work dir: $work ($(df -h --output=avail "$work" | tail -n 1 | tr -d ' ') free)"

# --- timing -------------------------------------------------------------------------------------
# run_timed NAME PREFIX CMD...: one run under /usr/bin/time -v; wall clock from bash's
# EPOCHREALTIME, CPU time (user + system, children included) and peak RSS (of the largest
# process) from time -v. Sets LAST_WALL (s), LAST_CPU (s), LAST_RSS (kB), LAST_RC.
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
    printf '  %-10s run: %8.3f s wall  %8.2f s cpu  %7.1f MB  exit %d\n' "$name" "$LAST_WALL" \
        "$LAST_CPU" "$(python3 -c "print(${LAST_RSS:-0}/1024)")" "$LAST_RC"
}

# bench_tool NAME RUNS OUTJSON CMD...: best of RUNS (by wall time); sets BEST_WALL BEST_CPU
# BEST_RSS BEST_RC ALL_WALLS; the best run's JSON is left in OUTJSON
bench_tool() {
    local name=$1 runs=$2 out=$3
    shift 3
    BEST_WALL="" BEST_CPU=0 BEST_RSS=0 BEST_RC=0 ALL_WALLS=""
    rm -f "$out.best"
    local i
    for ((i = 1; i <= runs; i++)); do
        rm -f "$out"
        run_timed "$name" "$name.$i" "$@"
        ALL_WALLS="$ALL_WALLS $LAST_WALL"
        if [ -z "$BEST_WALL" ] || python3 -c "import sys; sys.exit(0 if $LAST_WALL < $BEST_WALL else 1)"; then
            BEST_WALL=$LAST_WALL BEST_CPU=$LAST_CPU BEST_RSS=${LAST_RSS:-0} BEST_RC=$LAST_RC
            if [ -f "$out" ]; then mv "$out" "$out.best"; else rm -f "$out.best"; fi
        fi
    done
    rm -f "$out"
    [ -f "$out.best" ] && mv "$out.best" "$out"
    return 0
}

cpu_busy() { # percent of the CPUs busy over one second
    python3 -c '
import time
def cpu():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = cpu(); time.sleep(1); t1, i1 = cpu()
print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))'
}

mb() { python3 -c "print(f'{$1 / 1e6:.1f}')"; }

# --- one pair -----------------------------------------------------------------------------------
results="$work/results.tsv"
printf 'pair\ta_bytes\tb_bytes\tr_wall\tr_cpu\tr_rss\tr_rc\td_wall\td_cpu\td_rss\td_rc\td_cached\tbusy\tfindings\tfound\n' >"$results"
status=0

bench_pair() { # PAIR TARGET_MB FILE_A FILE_B
    local pair=$1 target_mb=$2 fa=$3 fb=$4 dir="$work/$1"
    say "$pair: inputs (mkbig.py $pair, at least $target_mb MB each)"
    local force=()
    [ "$BENCH_REBUILD" = 1 ] && force=(--force)
    python3 "$here/mkbig.py" "$pair" "$dir" "$target_mb" "${force[@]}"
    cd "$dir"
    local sa sb
    sa=$(stat -c %s "$fa") sb=$(stat -c %s "$fb")
    echo "  $fa $sa bytes ($(mb "$sa") MB), $fb $sb bytes ($(mb "$sb") MB)"

    local busy
    busy=$(cpu_busy)
    if [ "$busy" -gt 15 ]; then
        echo "bench: warning: the CPUs were ${busy}% busy before timing: other processes are" \
            "running, the times will be noisy" >&2
    fi
    say "$pair: reproscope diff $fa $fb --json out-r.json   (best of $BENCH_RUNS)"
    bench_tool reproscope "$BENCH_RUNS" out-r.json \
        timeout "$BENCH_TIMEOUT" "$R" diff "$fa" "$fb" --json out-r.json
    local r_wall=$BEST_WALL r_cpu=$BEST_CPU r_rss=$BEST_RSS r_rc=$BEST_RC r_all=$ALL_WALLS
    if [ "$r_rc" = 1 ]; then
        tail -n 1 reproscope.1.stdout
    else
        echo "bench: reproscope exited $r_rc on $pair (expected 1 = different)" >&2
        tail -n 5 reproscope.1.stderr >&2 || true
        status=1
    fi

    # diffoscope's defaults are what its users get (see run.sh); its result is cached by inputs
    local key cache d_cached=0
    key=$({
        echo "$D_VERSION --json"
        sha256sum <"$fa"
        sha256sum <"$fb"
    } | sha256sum | cut -c1-24)
    cache="$work/diffoscope-cache/$key"
    local d_wall d_cpu d_rss d_rc d_all d_date
    if [ "$BENCH_DIFFOSCOPE_CACHE" = 1 ] && [ -f "$cache/figures" ]; then
        # shellcheck disable=SC1091
        . "$cache/figures"
        rm -f out-d.json
        [ -f "$cache/out-d.json" ] && ln -f "$cache/out-d.json" out-d.json
        d_cached=1
        say "$pair: diffoscope: cached result of $d_date (same inputs, diffoscope and options;" \
            "BENCH_DIFFOSCOPE_CACHE=0 runs it again)"
        printf '  %-10s      %8.3f s wall  %8.2f s cpu  %7.1f MB  exit %d   (runs:%s)\n' \
            diffoscope "$d_wall" "$d_cpu" "$(python3 -c "print($d_rss/1024)")" "$d_rc" "$d_all"
    else
        say "$pair: diffoscope --json out-d.json $fa $fb   (best of $BENCH_DIFFOSCOPE_RUNS," \
            "timeout ${BENCH_TIMEOUT}s)"
        bench_tool diffoscope "$BENCH_DIFFOSCOPE_RUNS" out-d.json \
            timeout "$BENCH_TIMEOUT" diffoscope --json out-d.json "$fa" "$fb"
        d_wall=$BEST_WALL d_cpu=$BEST_CPU d_rss=$BEST_RSS d_rc=$BEST_RC d_all=$ALL_WALLS
        d_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
        if [ "$d_rc" = 0 ] || [ "$d_rc" = 1 ] || [ "$d_rc" = 124 ]; then
            rm -rf "$cache.tmp"
            mkdir -p "$cache.tmp"
            [ -f out-d.json ] && ln -f out-d.json "$cache.tmp/out-d.json"
            tail -n 20 diffoscope.1.stderr >"$cache.tmp/stderr.tail" || true
            printf 'd_wall=%s\nd_cpu=%s\nd_rss=%s\nd_rc=%s\nd_all="%s"\nd_date=%s\n' \
                "$d_wall" "$d_cpu" "$d_rss" "$d_rc" "$d_all" "$d_date" >"$cache.tmp/figures"
            rm -rf "$cache"
            mv "$cache.tmp" "$cache"
        fi
    fi
    case "$d_rc" in
    0 | 1) ;;
    124) echo "  diffoscope timed out after ${BENCH_TIMEOUT}s: the ratio is a lower bound" ;;
    *)
        echo "  diffoscope exited $d_rc" >&2
        [ "$d_cached" = 1 ] || tail -n 5 diffoscope.1.stderr >&2 || true
        ;;
    esac
    [ -s out-d.json ] && echo "  diffoscope's JSON report: $(mb "$(stat -c %s out-d.json)") MB"

    python3 - "$pair" "$r_wall" "$r_cpu" "$r_rss" "$d_wall" "$d_cpu" "$d_rss" "$r_all" "$d_all" <<'EOF'
import sys
pair = sys.argv[1]
rw, rc, rr, dw, dc, dr = (float(x) for x in sys.argv[2:8])
r_all, d_all = sys.argv[8].split(), sys.argv[9].split()
print(f"{'tool':<12}{'wall s':>9}{'cpu s':>9}{'peak RSS MB':>13}   wall s of each run")
print(f"{'reproscope':<12}{rw:>9.2f}{rc:>9.2f}{rr / 1024:>13.0f}   best of {len(r_all)}: {' '.join(r_all)}")
print(f"{'diffoscope':<12}{dw:>9.2f}{dc:>9.2f}{dr / 1024:>13.0f}   best of {len(d_all)}: {' '.join(d_all)}")
print(f"{pair}: ratio diffoscope/reproscope: wall time {dw / rw:.1f}x, cpu time {dc / max(rc, 0.01):.1f}x, "
      f"peak memory {dr / max(rr, 1):.2f}x")
EOF

    say "$pair: findings"
    local findings=OK
    if ! python3 "$here/check_findings.py" "$dir" out-r.json out-d.json --summary findings.json \
        | tee findings.log; then
        findings=FAIL
        status=1
    fi
    local found
    found=$(python3 - 2>/dev/null <<'PY' || echo "?"
import json
s = json.load(open("findings.json"))
d = s.get("diffoscope_found")
n = s["injected"]
print(f"{s['reproscope_found']}/{n} vs {'-' if d is None else d}/{n}")
PY
)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pair" "$sa" "$sb" \
        "$r_wall" "$r_cpu" "$r_rss" "$r_rc" "$d_wall" "$d_cpu" "$d_rss" "$d_rc" "$d_cached" "$busy" \
        "$findings" "$found" >>"$results"
    cd "$work"
}

for p in $BENCH_PAIRS; do
    case "$p" in
    targz) bench_pair targz "$BENCH_TARGZ_MB" a.tar.gz b.tar.gz ;;
    iso) bench_pair iso "$BENCH_ISO_MB" a.iso b.iso ;;
    initrd) bench_pair initrd "$BENCH_INITRD_MB" a.img b.img ;;
    esac
done

# --- summary ------------------------------------------------------------------------------------
say "summary ($(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, reproscope $rev, $D_VERSION)"
python3 - "$results" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
hdr = ("pair", "MB a / b", "reproscope wall/cpu s, RSS MB", "diffoscope wall/cpu s, RSS MB",
       "ratio wall / cpu", "findings (injected found: r vs d)")
out = []
for r in rows:
    f = {k: float(r[k]) for k in ("a_bytes", "b_bytes", "r_wall", "r_cpu", "r_rss", "d_wall", "d_cpu", "d_rss")}
    d_note = (" (cached)" if r["d_cached"] == "1" else "") + \
             (" TIMEOUT" if r["d_rc"] == "124" else "" if r["d_rc"] in ("0", "1") else f" exit {r['d_rc']}")
    out.append((r["pair"], f"{f['a_bytes'] / 1e6:.1f} / {f['b_bytes'] / 1e6:.1f}",
                f"{f['r_wall']:.2f} / {f['r_cpu']:.2f}, {f['r_rss'] / 1024:.0f}" +
                ("" if r["r_rc"] == "1" else f" exit {r['r_rc']}"),
                f"{f['d_wall']:.1f} / {f['d_cpu']:.1f}, {f['d_rss'] / 1024:.0f}{d_note}",
                f"{f['d_wall'] / f['r_wall']:.1f}x / {f['d_cpu'] / max(f['r_cpu'], 0.01):.1f}x",
                f"{r['findings']} ({r['found']})"))
w = [max(len(x[i]) for x in out + [hdr]) for i in range(len(hdr))]
for row in [hdr] + out:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(row)).rstrip())
busy = [r["busy"] for r in rows]
print(f"CPUs busy before timing (%): {' '.join(busy)}")
EOF

if [ "$status" = 0 ]; then
    echo "bench: ok"
else
    echo "bench: FAIL: reproscope missed changes or failed (see above)"
fi
exit "$status"
