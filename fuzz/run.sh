#!/bin/sh
# Runs the fuzz targets one after the other, MINUTES each (default 10), every target or the ones
# named, and prints per target the minutes, the inputs executed and the crash/timeout/OOM files
# in artifacts/TARGET. Seed the corpora first (sh fuzz/seed.sh).
#
# Usage: sh fuzz/run.sh [MINUTES] [TARGET...]
# Each run goes on past a crash (libFuzzer's fork mode with one job, crashes, time-outs and OOMs
# saved as artifacts), so a target is fuzzed for its whole time. FORK=0 gives the plain mode,
# which stops at the first finding. Logs are in fuzz/logs/TARGET.log.
set -u
cd "$(dirname "$0")"
minutes=${1:-10}
[ $# -gt 0 ] && shift
targets=${*:-$(cargo +nightly fuzz list)}
fork=${FORK:-1}
mkdir -p logs
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p target/run
printf '%-10s %7s %12s %8s\n' target minutes execs crashes
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t"
    # Low priority: the machine is shared with other builds. The binary is run from a private
    # copy: fork mode starts each job from the binary's path, which a concurrent build (another
    # run.sh, cargo fuzz run) may be rewriting.
    nice -n 19 cargo +nightly fuzz build "$t" >logs/build.log 2>&1 || {
        tail -20 logs/build.log
        exit 2
    }
    exe=target/run/$t.$$
    cp "$bin/$t" "$exe"
    mode=""
    [ "$fork" = 1 ] && mode="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    secs=$(awk "BEGIN {print int($minutes * 60)}")
    start=$(date +%s)
    # shellcheck disable=SC2086
    nice -n 19 "$exe" -artifact_prefix="artifacts/$t/" $mode \
        -max_total_time="$secs" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 "corpus/$t" >"logs/$t.log" 2>&1
    rm -f "$exe"
    # Minutes fuzzed, as libFuzzer counts them (the build before the run is not counted).
    took=$(sed -n 's/.*fuzzed for \([0-9]*\) seconds.*/\1/p; s/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "logs/$t.log" | tail -1)
    [ -z "$took" ] && took=$(($(date +%s) - start))
    took=$(awk "BEGIN {printf \"%.1f\", $took / 60}")
    # Plain mode: the final stats line. Fork mode: the jobs' final stats, summed, else the
    # parent's last progress line ("#N: cov: ...", N executions so far).
    execs=$(awk '/stat::number_of_executed_units/ {s += $2; n++} END {if (n) print s}' "logs/$t.log")
    [ -z "$execs" ] && execs=$(grep -o '^#[0-9]*:' "logs/$t.log" | tail -1 | tr -d '#:')
    crashes=$(find "artifacts/$t" -type f | wc -l)
    printf '%-10s %7s %12s %8s\n' "$t" "$took" "${execs:-?}" "$crashes"
done
