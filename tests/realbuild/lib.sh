# Shared helpers of the real-build corpus (sourced by make.sh; mechanics only, no pair is
# defined here). Each half (dev.sh, heldout.sh) writes its own projects and pairs with them.
#
# What make.sh sets before sourcing: $out (the output directory), $work (a scratch directory on
# the ordinary file system), $shm (a scratch directory on tmpfs, where readdir gives files in
# creation order, so a different creation order is a different order of a directory's entries).

# Debian's own Python: its setuptools and wheel come from python3-setuptools and python3-wheel.
PY=/usr/bin/python3

die() {
    echo "make.sh: $*" >&2
    exit 1
}

# Every tool of both halves is required: a missing one stops the corpus, naming it.
check_tools() {
    local t
    for t in gcc make ar tar cpio gzip xz zstd zip unzip mksquashfs xorriso dpkg-deb \
        msgfmt msgmerge xgettext faketime unshare setpriv localedef hostname date sort find cmp; do
        command -v "$t" >/dev/null 2>&1 ||
            die "$t is missing (install the Debian packages .ci/run lists); every pair is required"
    done
    [ -x "$PY" ] || die "$PY is missing (Debian package python3); every pair is required"
    "$PY" -c 'import setuptools' 2>/dev/null ||
        die "setuptools for $PY is missing (Debian package python3-setuptools); every pair is required"
    "$PY" -c 'import wheel' 2>/dev/null ||
        die "wheel for $PY is missing (Debian package python3-wheel); every pair is required"
    [ -d /usr/share/i18n/locales ] || die "locale sources are missing (Debian package locales)"
    [ -f /usr/share/zoneinfo/Asia/Tokyo ] || die "time zone data is missing (Debian package tzdata)"
    unshare --uts true 2>/dev/null || die "unshare --uts does not work here (a UTS namespace is needed for host names)"
    [ "$(id -u)" = 0 ] || die "must run as root (builds are run as other users with setpriv, and host names set in UTS namespaces)"
    [ "$(stat -f -c %T "$shm")" = tmpfs ] || die "$shm is not on tmpfs (readdir-order pairs need tmpfs)"
}

# pair NAME: a fresh OUTDIR/NAME; sets $P to it.
pair() {
    [ -z "${pair_seen[$1]:-}" ] || die "pair $1 is defined twice"
    pair_seen[$1]=1
    P="$out/$1"
    rm -rf "$P"
    mkdir -p "$P"
}
declare -A pair_seen=()

# label NAME CAUSE[+CAUSE2]
label() { echo "$1 $2" >>"$out/labels"; }

# fresh DIR: an empty directory DIR.
fresh() {
    rm -rf "$1"
    mkdir -p "$1"
}

# ft EPOCH CMD...: run CMD with the clock at EPOCH (libfaketime; the clock runs on from there).
# File contents and every time(2)-like call see it; file mtimes written by the kernel do not,
# but touch(1) without -d does.
ft() {
    local t=$1
    shift
    faketime "@$t" "$@"
}

# as_user USER CMD...: run CMD as USER (its uid and gid, no supplementary groups), with HOME
# and USER/LOGNAME set as a login would.
as_user() {
    local u=$1
    shift
    local uid gid home
    uid=$(id -u "$u")
    gid=$(id -g "$u")
    home=$(getent passwd "$u" | cut -d: -f6)
    env HOME="$home" USER="$u" LOGNAME="$u" setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}

# on_host NAME CMD...: run CMD in a new UTS namespace whose host name is NAME.
on_host() {
    local h=$1
    shift
    unshare --uts -- sh -c 'hostname "$1" && shift && exec "$@"' on_host "$h" "$@"
}

# pin_mtimes DIR EPOCH: every mtime under DIR set to EPOCH (as a checkout from a tarball leaves them).
pin_mtimes() { find "$1" -exec touch -h -d "@$2" {} +; }

# locale_def NAME (e.g. de_DE): compiles NAME.UTF-8 into $work/locales once; use it with
# LOCPATH=$work/locales LC_ALL=NAME.UTF-8.
locale_def() {
    mkdir -p "$work/locales"
    [ -d "$work/locales/$1.UTF-8" ] && return 0
    localedef -i "$1" -f UTF-8 "$work/locales/$1.UTF-8" >/dev/null 2>&1 ||
        die "localedef cannot compile $1.UTF-8 (Debian package locales)"
}

# verify: every labelled pair has one a.* and one b.*, and they differ; else exit 1 naming it.
verify() {
    local name lab a b n=0
    while read -r name lab; do
        a=$(find "$out/$name" -maxdepth 1 -name 'a.*' | head -1)
        b=$(find "$out/$name" -maxdepth 1 -name 'b.*' | head -1)
        [ -n "$a" ] && [ -n "$b" ] || die "pair $name has no a.* and b.*"
        [ -s "$a" ] && [ -s "$b" ] || die "pair $name has an empty file"
        if cmp -s "$a" "$b"; then
            die "pair $name: a and b are identical (its varied factor changed nothing)"
        fi
        n=$((n + 1))
    done <"$out/labels"
    [ "$n" -eq "${#pair_seen[@]}" ] || die "${#pair_seen[@]} pairs defined but $n labelled"
    echo "make.sh: $n labelled pairs in $out" >&2
}
