#!/usr/bin/env bash
# Top-1 accuracy of the explainer on the labelled corpus: builds the pairs (make.sh), runs the
# release binary's `diff --json -` on each and compares the first cause that is not derived with
# the pair's label.
#
#   bash tests/corpus/accuracy.sh [OUTDIR]
#
# Environment: REPROSCOPE=path to a reproscope binary (default: build the release one).
# Exit status: 0 when every pair's top cause is its label, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ -z "${REPROSCOPE:-}" ]; then
    (cd "$repo" && cargo build --release -p reproscope --quiet)
    target=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    REPROSCOPE="$target/release/reproscope"
fi
out=${1:-}
if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/reproscope-accuracy.XXXXXX")
    trap 'rm -rf "$out"' EXIT
fi
bash "$here/make.sh" "$out" >&2

total=0
right=0
printf '%-20s %-14s %-14s %s\n' pair label top verdict
while read -r name label; do
    a=$(ls "$out/$name"/a.* | head -1)
    b=$(ls "$out/$name"/b.* | head -1)
    set +e
    json=$("$REPROSCOPE" diff "$a" "$b" --json -)
    code=$?
    set -e
    if [ "$code" -ne 1 ]; then
        top="(exit $code)"
    else
        top=$(printf '%s' "$json" | python3 -c '
import json, sys
causes = json.load(sys.stdin).get("causes", [])
print(next((c["id"] for c in causes if not c["derived"]), "(none)"))')
    fi
    total=$((total + 1))
    verdict=WRONG
    if [ "$top" = "$label" ]; then
        right=$((right + 1))
        verdict=ok
    fi
    printf '%-20s %-14s %-14s %s\n' "$name" "$label" "$top" "$verdict"
done <"$out/labels"

python3 -c "import sys; r, t = int(sys.argv[1]), int(sys.argv[2]); print(f'top-1 accuracy: {r}/{t} = {100 * r / max(t, 1):.1f}%')" "$right" "$total"
defined=$(grep -cE '^\s*label ' "$here/make.sh")
[ "$right" -eq "$total" ] && [ "$total" -eq "$defined" ]
