//! The cause ids (stable: they appear in JSON and in `--hide`), what each means, and its fixes.

/// Every cause id the explainer can give, in the order used to break ties when ranking.
pub const ALL: &[&str] = &[
    CONTENT,
    INPUT_VERSION,
    TIMESTAMP,
    TIMEZONE,
    FILE_ORDER,
    LOCALE,
    BUILD_PATH,
    USER_GROUP,
    PERMISSIONS,
    HOSTNAME,
    RANDOMNESS,
    COMPRESSION,
    BUILD_ID,
    OFFSET_SHIFT,
    CHECKSUM,
    SIZE,
];

pub const CONTENT: &str = "content";
pub const INPUT_VERSION: &str = "input-version";
pub const TIMESTAMP: &str = "timestamp";
pub const TIMEZONE: &str = "timezone";
pub const FILE_ORDER: &str = "file-order";
pub const LOCALE: &str = "locale";
pub const BUILD_PATH: &str = "build-path";
pub const USER_GROUP: &str = "user-group";
pub const PERMISSIONS: &str = "permissions";
pub const HOSTNAME: &str = "hostname";
pub const RANDOMNESS: &str = "randomness";
pub const COMPRESSION: &str = "compression";
pub const BUILD_ID: &str = "build-id";
pub const OFFSET_SHIFT: &str = "offset-shift";
/// A checksum or digest over content that changed (derived only).
pub const CHECKSUM: &str = "checksum";
/// A size that follows from content that changed (derived only).
pub const SIZE: &str = "size";

/// Real changes the user must look at: ranked before every reproducibility cause.
pub fn is_real(id: &str) -> bool {
    id == CONTENT || id == INPUT_VERSION
}

/// A short description for reports.
pub fn title(id: &str) -> &'static str {
    match id {
        CONTENT => "real changes in content",
        INPUT_VERSION => "different versions of inputs",
        TIMESTAMP => "timestamps",
        TIMEZONE => "time zone",
        FILE_ORDER => "order of files or keys",
        LOCALE => "locale (sort order, formats)",
        BUILD_PATH => "build directory",
        USER_GROUP => "file owners",
        PERMISSIONS => "permissions (umask)",
        HOSTNAME => "host name",
        RANDOMNESS => "random values",
        COMPRESSION => "compression settings",
        BUILD_ID => "build IDs",
        OFFSET_SHIFT => "offsets moved by an earlier change in size",
        CHECKSUM => "checksums of changed content",
        SIZE => "sizes of changed content",
        _ => "other",
    }
}

/// The fix for a cause, specialised by the container format or field where it was seen
/// (`context`: "tar", "cpio", "zip", "squashfs", "iso9660", "gzip", "ar", "elf", "text", ...).
pub fn fix(id: &str, context: &str) -> &'static str {
    match (id, context) {
        (TIMESTAMP, "tar") => {
            "set SOURCE_DATE_EPOCH and clamp mtimes: tar --mtime=@$SOURCE_DATE_EPOCH --clamp-mtime"
        }
        (TIMESTAMP, "cpio") => {
            "clamp mtimes before archiving: find . -newermt @$SOURCE_DATE_EPOCH -print0 | xargs -0r touch -h -d @$SOURCE_DATE_EPOCH"
        }
        (TIMESTAMP, "zip") => "clamp mtimes before zipping (touch -d @$SOURCE_DATE_EPOCH), and zip -X",
        (TIMESTAMP, "squashfs") => {
            "set SOURCE_DATE_EPOCH (squashfs-tools >= 4.6), or mksquashfs -mkfs-time $SOURCE_DATE_EPOCH -all-time $SOURCE_DATE_EPOCH"
        }
        (TIMESTAMP, "iso9660") => {
            "set SOURCE_DATE_EPOCH for xorriso (>= 1.4.6) and clamp file mtimes: touch -d @$SOURCE_DATE_EPOCH"
        }
        (TIMESTAMP, "gzip") => "gzip -n (no name or time in the header)",
        (TIMESTAMP, "ar") => {
            "set SOURCE_DATE_EPOCH (dpkg-deb then clamps member times to it); for other ar archives: ar D (zero times, owners and modes)"
        }
        (TIMESTAMP, "pyc") => {
            "compile with SOURCE_DATE_EPOCH set (py_compile then writes checked-hash pycs, Python >= 3.7), or python3 -m compileall --invalidation-mode checked-hash"
        }
        (TIMESTAMP, "mo") => {
            "set the catalog's dates from SOURCE_DATE_EPOCH, or drop PO-Revision-Date changes before msgfmt"
        }
        (TIMESTAMP, "png") => {
            "strip or fix the time chunks: no tIME, no date:* text (convert -define png:exclude-chunks=date,time), or strip-nondeterminism"
        }
        (TIMESTAMP, "text" | "elf" | "bytes") => {
            "set SOURCE_DATE_EPOCH (GCC >= 7 uses it for __DATE__/__TIME__) or stop embedding the build time"
        }
        (TIMESTAMP, _) => "set SOURCE_DATE_EPOCH and clamp mtimes to it",
        (TIMEZONE, "zip") => "build with TZ=UTC (zip stores local time)",
        (TIMEZONE, _) => "build with TZ=UTC, or print dates with date -u",
        (FILE_ORDER, "tar") => "sort members: tar --sort=name",
        (FILE_ORDER, "json") => "sort keys: json.dumps(..., sort_keys=True), jq -S",
        (FILE_ORDER, "text") => "sort the generated list: LC_ALL=C sort",
        (FILE_ORDER, _) => "sort members: find . | LC_ALL=C sort | cpio/zip ... (never readdir order)",
        (LOCALE, _) => "build with LC_ALL=C (or C.UTF-8): sort order and formats follow the locale",
        (BUILD_PATH, "pyc") => {
            "compile in a fixed path, or record another one: python3 -m compileall -d /usr/lib/... (or -s PREFIX -p NEWPREFIX)"
        }
        (BUILD_PATH, "elf") => {
            "-ffile-prefix-map=$PWD=. (or -fdebug-prefix-map), or build in a fixed path (reproscope run --build-path)"
        }
        (BUILD_PATH, _) => "build in a fixed path (reproscope run --build-path), or map it: -ffile-prefix-map=$PWD=.",
        (USER_GROUP, "cpio") => "cpio -R 0:0",
        (USER_GROUP, "squashfs") => "mksquashfs -all-root",
        (USER_GROUP, "zip") => "zip -X (no uid/gid extra field)",
        (USER_GROUP, "ar") => "ar D (deterministic: zero owners)",
        (USER_GROUP, _) => "tar --owner=0 --group=0 --numeric-owner (cpio -R 0:0, mksquashfs -all-root)",
        (PERMISSIONS, _) => "build with umask 022 (or set modes explicitly: tar --mode=go-w)",
        (HOSTNAME, _) => "do not record the host name, or set a fixed one (a UTS namespace: unshare --uts)",
        (RANDOMNESS, _) => "seed or derive random values from the inputs (UUIDs, temporary names, hash seeds)",
        (COMPRESSION, "gzip") => "use the same compressor, version and level on both sides: gzip -n -9",
        (COMPRESSION, _) => "use the same compressor, version and level on both sides",
        (BUILD_ID, _) => {
            "let the build ID follow the content: --build-id=sha1 (the default), not uuid or a fixed value"
        }
        (INPUT_VERSION, _) => "pin inputs: lock dependency versions, build from a snapshot of the package archive",
        (CONTENT, _) => "a real change: review it",
        _ => "",
    }
}
