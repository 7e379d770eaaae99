//! "See also" pointers from our cause ids to the issue types the reproducible-builds.org
//! project keeps in `issues.yml` of its notes repository
//! (<https://salsa.debian.org/reproducible-builds/reproducible-notes>), each of which has a
//! page on tests.reproducible-builds.org listing the Debian packages known to be affected.
//!
//! Only issue types whose exact name was seen in a page generated from that list are used;
//! they are all in [`ALL_KNOWN`], with where each was seen. Where no issue type fits a cause
//! in a context well, the answer is empty rather than a near miss.
//!
//! This file does not depend on the rest of the crate (cause ids are the strings of
//! `causes.rs`), so it can be checked on its own:
//! `rustc --edition 2021 --test crates/explain/src/seealso.rs -o /tmp/seealso && /tmp/seealso`.

/// Issue type names verified on 2026-12-04 in stored copies of pages that
/// tests.reproducible-builds.org generates from the notes repository's `issues.yml`
/// ("Identifier: NAME" entries of `debian/notes/PACKAGE_note.html` pages, and the
/// `debian/issues/unstable/NAME_issue.html` pages themselves). The page each was seen on is
/// given beside it. A name not in this list must not be returned by [`see_also`].
pub const ALL_KNOWN: &[&str] = &[
    // debian/notes/cffi_note.html
    "timestamps_in_gzip_headers",
    "timestamps_in_tarball",
    "different_due_to_umask",
    // debian/notes/kawari8_note.html
    "timestamps_difference_by_unzip",
    "varying_mtimes_in_data_tar_gz_or_control_tar_gz",
    // debian/notes/spooles_note.html, debian/notes/smlnj_note.html
    "random_order_in_static_libraries",
    // debian/notes/gcc-bpf_note.html
    "timestamps_in_static_libraries",
    // debian/notes/python-escript_note.html
    "users_and_groups_in_tarball",
    // debian/notes/libranlip_note.html, debian/notes/mailfront_note.html
    "random_order_in_md5sums",
    // debian/issues/unstable/build_id_variation_requiring_further_investigation_issue.html,
    // debian/notes/libranlip_note.html
    "build_id_variation_requiring_further_investigation",
    // debian/notes/udpkg_note.html
    "build_id_differences_only",
    // debian/notes/ben_note.html, debian/notes/slime_note.html
    "captures_build_path",
    // debian/notes/bit-babbler_note.html, debian/notes/mailfront_note.html
    "gcc_captures_build_path",
    // debian/notes/grace_note.html
    "records_build_flags",
    "captures_kernel_version",
    // debian/notes/smlnj_note.html
    "user_hostname_manually_added_requiring_further_investigation",
    // debian/notes/emma-coverage_note.html
    "implementation_version_in_java_manifest_mf",
    "user_in_java_jar_manifest",
    // reproducible.debian.net/debian/notes/muttprint_note.html, debian/notes/gbrowse_note.html
    "timestamps_in_png",
    // debian/notes/cxxtest_note.html
    "timestamps_in_epub",
    // debian/notes/systemtap_note.html
    "different_encoding_in_html_by_docbook_xsl",
    // debian/notes/plainbox_note.html
    "randomness_in_documentation_generated_by_sphinx",
    // debian/notes/pgrouting_note.html
    "timestamps_in_cmake",
    // Not on a generated page in the copies searched, but the project's own contributor
    // guide (reproducible-website, contribute page) links
    // https://reproducible.debian.net/issues/timestamps_from_cpp_macros_issue.html,
    // and issue pages exist only for names in issues.yml.
    "timestamps_from_cpp_macros",
];

/// The page for an issue type on tests.reproducible-builds.org, in the default suite.
///
/// The pattern is `{base_url}/{distro_root}/issues/{suite}/{name}_issue.html`, with
/// base_url `https://tests.reproducible-builds.org`, distro_root `debian` and default suite
/// `unstable` (jenkins.debian.net `bin/reproducible_html_notes.py` and `bin/reproducible.ini`),
/// as in the stored page
/// <https://tests.reproducible-builds.org/debian/issues/unstable/build_id_variation_requiring_further_investigation_issue.html>.
pub fn issue_url(name: &str) -> String {
    format!("https://tests.reproducible-builds.org/debian/issues/unstable/{name}_issue.html")
}

/// reproducible-builds.org issue types that match a cause seen in a context (most specific first, at most 3).
///
/// `cause` is a cause id of `causes.rs` ("timestamp", "file-order", ...); `context` is the
/// container format or field where it was seen, as for `causes::fix` ("tar", "gzip", "elf",
/// "text", "json", ...). Unknown causes, and causes with no fitting issue type (content,
/// input-version, compression, offset-shift, and the derived checksum and size), give `&[]`.
pub fn see_also(cause: &str, context: &str) -> &'static [&'static str] {
    match (cause, context) {
        ("timestamp", "tar") => &[
            "timestamps_in_tarball",
            "varying_mtimes_in_data_tar_gz_or_control_tar_gz",
        ],
        ("timestamp", "gzip") => &["timestamps_in_gzip_headers"],
        ("timestamp", "ar") => &["timestamps_in_static_libraries"],
        ("timestamp", "png") => &["timestamps_in_png"],
        // __DATE__/__TIME__, which GCC >= 7 takes from SOURCE_DATE_EPOCH (see causes::fix).
        ("timestamp", "elf" | "text" | "bytes") => &["timestamps_from_cpp_macros"],

        // "Timestamps in files processed by zip/unzip have timezone variations."
        ("timezone", "zip") => &["timestamps_difference_by_unzip"],

        ("file-order", "ar") => &["random_order_in_static_libraries"],
        // An unsorted `find` listing written to a file.
        ("file-order", "text") => &["random_order_in_md5sums"],

        ("build-path", "elf") => &["gcc_captures_build_path", "captures_build_path", "records_build_flags"],
        ("build-path", _) => &["captures_build_path"],

        ("user-group", "tar") => &["users_and_groups_in_tarball"],
        ("user-group", "text") => &["user_hostname_manually_added_requiring_further_investigation"],

        ("permissions", _) => &["different_due_to_umask"],

        ("hostname", _) => &["user_hostname_manually_added_requiring_further_investigation"],

        ("build-id", _) => &[
            "build_id_differences_only",
            "build_id_variation_requiring_further_investigation",
        ],

        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cause ids of causes.rs (kept here so this file compiles on its own).
    const CAUSES: &[&str] = &[
        "content",
        "input-version",
        "timestamp",
        "timezone",
        "file-order",
        "locale",
        "build-path",
        "user-group",
        "permissions",
        "hostname",
        "randomness",
        "compression",
        "build-id",
        "offset-shift",
        "checksum",
        "size",
    ];

    const CONTEXTS: &[&str] = &[
        "tar", "cpio", "zip", "squashfs", "iso9660", "gzip", "ar", "elf", "pyc", "png", "text", "json", "bytes", "",
        "other",
    ];

    #[test]
    fn known_mappings() {
        assert_eq!(see_also("timestamp", "gzip"), &["timestamps_in_gzip_headers"]);
        assert_eq!(see_also("timestamp", "tar")[0], "timestamps_in_tarball");
        assert_eq!(see_also("user-group", "tar"), &["users_and_groups_in_tarball"]);
        assert_eq!(see_also("file-order", "ar"), &["random_order_in_static_libraries"]);
        assert_eq!(see_also("file-order", "text"), &["random_order_in_md5sums"]);
        assert_eq!(see_also("timezone", "zip"), &["timestamps_difference_by_unzip"]);
        assert_eq!(see_also("build-path", "elf")[0], "gcc_captures_build_path");
        assert_eq!(see_also("build-path", "text"), &["captures_build_path"]);
        assert_eq!(see_also("permissions", "cpio"), &["different_due_to_umask"]);
        assert_eq!(see_also("build-id", "elf")[0], "build_id_differences_only");
        assert_eq!(
            see_also("hostname", "text"),
            &["user_hostname_manually_added_requiring_further_investigation"]
        );
    }

    #[test]
    fn no_fit_gives_nothing() {
        for cause in [
            "content",
            "input-version",
            "compression",
            "offset-shift",
            "checksum",
            "size",
            "no-such-cause",
        ] {
            for context in CONTEXTS {
                assert!(see_also(cause, context).is_empty(), "{cause} in {context}");
            }
        }
        // Formats no seen issue type covers.
        assert!(see_also("timestamp", "pyc").is_empty());
        assert!(see_also("timestamp", "squashfs").is_empty());
        assert!(see_also("timestamp", "iso9660").is_empty());
    }

    #[test]
    fn every_name_is_verified_and_at_most_three() {
        for cause in CAUSES {
            for context in CONTEXTS {
                let names = see_also(cause, context);
                assert!(names.len() <= 3, "{cause} in {context}: {names:?}");
                for (i, name) in names.iter().enumerate() {
                    assert!(
                        ALL_KNOWN.contains(name),
                        "{name} ({cause} in {context}) is not in ALL_KNOWN"
                    );
                    assert!(!names[..i].contains(name), "{name} twice for {cause} in {context}");
                }
            }
        }
    }

    #[test]
    fn known_names_are_issue_identifiers() {
        for (i, name) in ALL_KNOWN.iter().enumerate() {
            assert!(!name.is_empty());
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
            assert!(!ALL_KNOWN[..i].contains(name), "{name} listed twice");
        }
    }

    #[test]
    fn url_pattern() {
        assert_eq!(
            issue_url("timestamps_in_gzip_headers"),
            "https://tests.reproducible-builds.org/debian/issues/unstable/timestamps_in_gzip_headers_issue.html"
        );
    }
}
