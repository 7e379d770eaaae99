#!/usr/bin/env bash
# Builds one half of the real-build corpus: small projects really built twice (gcc and make,
# setuptools, gettext, dpkg-deb, mksquashfs, xorriso, zip, tar, cpio, gzip) with one factor
# varied as a user would vary it (a later build, another directory, TZ, LC_ALL, umask, another
# host name, another user, another compressor, a version bump, a real change), or two factors.
#
#   bash tests/realbuild/make.sh HALF OUTDIR      (HALF: dev or a held-out half, heldout, heldout2, ...)
#
# Writes OUTDIR/NAME/a.EXT and OUTDIR/NAME/b.EXT for each pair, and OUTDIR/labels with one
# "NAME CAUSE" line per pair, or "NAME CAUSE1+CAUSE2" for a pair where two factors were varied
# (CAUSE is a cause id of `reproscope diff --json`'s `causes`). Every tool is required: a missing
# one stops the script (exit 1) naming it. A pair whose two files are identical is an error too.
#
# The pairs of the dev half are in dev.sh; those of each held-out half in heldoutN.sh, which the
# explainer's developer never reads before that half's one scoring run (README.md says why).
set -euo pipefail

half=${1:-}
out=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case "$half" in
dev | heldout | heldout[0-9]*) [ -f "$here/$half.sh" ] || half= ;;
*) half= ;;
esac
[ -n "$half" ] && [ -n "$out" ] || {
    echo "usage: make.sh dev|heldout|heldoutN OUTDIR (a half with a script HALF.sh beside make.sh)" >&2
    exit 2
}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/reproscope-realbuild.XXXXXX")
shm=$(mktemp -d /dev/shm/reproscope-realbuild.XXXXXX) || {
    echo "make.sh: cannot make a directory on /dev/shm (tmpfs is needed for readdir-order pairs)" >&2
    exit 1
}
chmod 755 "$work" "$shm"
trap 'rm -rf "$work" "$shm"' EXIT
: >"$out/labels"

# Everything a pair does not vary is pinned here or in the pair.
export TZ=UTC LC_ALL=C LANG=C
unset SOURCE_DATE_EPOCH LANGUAGE LC_CTYPE LC_COLLATE LC_TIME LC_NUMERIC LC_MESSAGES LOCPATH FAKETIME || true
export PYTHONDONTWRITEBYTECODE=1 PYTHONHASHSEED=0
# Under faketime, some tools' stat() calls would see file times shifted by the fake offset: off.
export NO_FAKE_STAT=1
umask 022

. "$here/lib.sh"
check_tools
. "$here/$half.sh"
verify
