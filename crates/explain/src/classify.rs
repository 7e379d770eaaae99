//! Classifies a pair of changed strings (two versions of a text line, of a field value, or of the
//! printable bytes around a binary change): which kind of token differs between them. Works on
//! the changed tokens only, found by a token diff, so "log_level = info → debug" is a real
//! change while "built Jan  1 2024 → Jan  2 2024" is a timestamp.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;
use reproscope_formats::days_from_civil;

use crate::causes::*;
use crate::datewords::DATE_WORDS;

/// Characters kept either side of the changed part of long strings (for the patterns' context).
const CONTEXT: usize = 160;

struct Patterns {
    time: Regex,
    zone: Regex,
    path: Regex,
    random: Regex,
    random_named: Regex,
    version: Regex,
    version3: Regex,
    host: Regex,
    bare_host: Regex,
    dashed: Regex,
    fqdn: Regex,
    user: Regex,
    compress: Regex,
    token: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let month = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\\.?";
        let time = [
            // ISO 8601 / RFC 3339, with optional time and zone
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?\b".to_string(),
            r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b".to_string(),
            r"\b\d{1,2}:\d{2}\b".to_string(),
            // __DATE__ ("Jan  1 2024"), date(1) ("Jan 1"), "1 Jan 2024"
            format!(r"\b{month}\s+\d{{1,2}}(?:,?\s+\d{{4}})?\b"),
            format!(r"\b\d{{1,2}}\.?\s+{month}(?:\s+\d{{4}})?\b"),
            format!(r"\b{month}\b"),
            r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b".to_string(),
            // 20240101, 20240101T120000Z
            r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:T?\d{4,6}Z?)?\b".to_string(),
            // Unix seconds of 2001..2033, and a bare year (a copyright line)
            r"\b1[0-9]{9}(?:[0-9]{3}|[0-9]{6}|[0-9]{9})?\b".to_string(),
            // ISO 8601 week dates: 2024-W09, 2024-W09-5
            r"\b(?:19|20)\d{2}-?W\d{2}(?:-?[1-7])?\b".to_string(),
            // 01.03.2024, 03/01/2024, 1/3/24 (a dotted date has its full year: 3.0.20 is a
            // version)
            r"\b\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}\b|\b\d{1,2}/\d{1,2}/(?:(?:19|20)\d{2}|\d{2})\b".to_string(),
            // 2024/03/01, 2024.03.01
            r"\b(?:19|20)\d{2}[/.]\d{1,2}[/.]\d{1,2}\b".to_string(),
            r"\b(?:19|20)\d{2}\b".to_string(),
        ]
        .join("|");
        Patterns {
            time: Regex::new(&time).expect("time pattern"),
            zone: Regex::new(
                r"\b(?:UTC|GMT|[ECMPA][SD]T|CES?T|BST|IST|JST|KST|HKT|SGT|MSK|EES?T|WES?T|AEST|AEDT|NZST|NZDT)\b|[+-](?:0\d|1[0-4]):?[0-5]\d\b",
            )
            .expect("zone pattern"),
            path: Regex::new(r"(?:/[A-Za-z0-9._+@%~=,-]+){2,}/?").expect("path pattern"),
            // A value named as random: seed = 8347612093, nonce: 5f3c, instance_id "a1b2".
            random_named: Regex::new(
                r#"(?i)(?:\b|_)(?:seed|nonce|salt|random|rand|token|secret|uuid|guid|instance[_ -]?id|session[_ -]?id|key)\s*[:=]?\s*["']?([0-9a-z+/_-]{4,})"#,
            )
            .expect("named random pattern"),
            random: Regex::new(
                r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-fA-F]{16,}\b|\btmp[A-Za-z0-9_]{6,}\b|\b[A-Za-z0-9+/_-]{22,}={0,2}",
            )
            .expect("random pattern"),
            // A name, a separator, a version: requests==2.31.0, libfoo-1.2.3, Version: 1.0, (Debian 12.2.0-14)
            version: Regex::new(
                r#"[A-Za-z][A-Za-z0-9+._-]*?(?:==|>=|<=|~=|@|-|_|/|\s*[:=]\s*|\s+|\s*\()\s*["']?v?(\d+(?:\.\d+)+(?:[-+~][0-9A-Za-z.+~-]*[0-9A-Za-z])?)|^\s*["']?v?(\d+(?:\.\d+)+(?:[-+~][0-9A-Za-z.+~-]*[0-9A-Za-z])?)["']?\s*$"#,
            )
            .expect("version pattern"),
            version3: Regex::new(r"(?:^|[^0-9.])(\d+\.\d+\.\d+(?:[-+~][0-9A-Za-z.+~-]*[0-9A-Za-z])?)\b").expect("version pattern"),
            host: Regex::new(
                r#"(?i)\b[a-z_][a-z0-9_-]*@([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*)|(?:\b|_)(?:host(?:name)?|node(?:name)?|machine|(?:built|build|compiled|mastered|assembled|generated|packaged|signed)[ _-]?(?:on|host|machine))\s*[:=]?\s*["']?([a-z0-9][a-z0-9.-]*)|\bLinux\s+([a-z0-9][a-z0-9.-]*)\s+\d+\.\d+"#,
            )
            .expect("host pattern"),
            // A host-shaped name: labels of letters and digits joined by '-' or '.', with a
            // digit or at least three labels (so "delta-x" or "read-only" is not one).
            bare_host: Regex::new(
                r"\b[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*-[a-z0-9]*[0-9][a-z0-9]*\b|\b[a-z][a-z0-9]*(?:[-.][a-z0-9]+){2,}\b",
            )
            .expect("bare host pattern"),
            fqdn: Regex::new(
                r"(?i)\b([a-z][a-z0-9-]*)\.((?:[a-z0-9-]+\.)*(?:com|org|net|lan|local|internal|corp|home|localdomain|example|test|intra|private|io|dev|cloud|edu|gov|de|uk|fr|nl|eu))\b",
            )
            .expect("fqdn pattern"),
            dashed: Regex::new(r"\b[a-z][a-z0-9]*(?:[-.][a-z0-9]+)+\b").expect("dashed pattern"),
            token: Regex::new(r"[A-Za-z0-9+/_-]{8,}={0,2}").expect("token pattern"),
            // Words about compression and compressor names.
            compress: Regex::new(r"(?i)\b[a-z-]*compress[a-z-]*\b|\b(?:gzip|xz|lzma|lz4|lzo|zstd|bzip2|deflate|zlib)\b")
                .expect("compression pattern"),
            // Who built it: "compiled by alice", BUILD_USER = "bob", "Packager: carol".
            user: Regex::new(
                r#"(?i)(?:\b|_)(?:compiled by|built by|build(?:ing)?[ _-]?user|user(?:name)?|login|packager|logname)\s*[:=]?\s*["'(]?([a-z_][a-z0-9_.-]*)|\b[ug]id[ =:]*(\d+)"#,
            )
            .expect("user pattern"),
        }
    })
}

/// Directories the builds ran in, as far as the tree tells (DWARF compilation directories):
/// any changed string that is part of one of them is the build path.
#[derive(Default, Debug, Clone)]
pub struct Known {
    pub build_dirs1: Vec<String>,
    pub build_dirs2: Vec<String>,
}

/// Roots under which builds typically run: a path below one that differs is a build path.
const BUILD_ROOTS: &[&str] = &[
    "/tmp/",
    "/var/tmp/",
    "/build/",
    "/builds/",
    "/home/",
    "/root/",
    "/workspace",
    "/work/",
    "/src/",
    "/usr/src/",
    "/srv/",
    "/runner/",
    "/github/",
    "/__w/",
    "/var/lib/jenkins",
    "/var/lib/buildkite",
    "/mnt/",
    "/opt/build",
    "/private/var/folders/",
    "/nix/build",
];

/// A kind of token with where it occurs in each string.
type Class = (&'static str, Vec<Range<usize>>, Vec<Range<usize>>);

/// The cause a pair of changed strings points to, or `None` when the changed tokens are of no
/// known kind (a real change).
pub fn classify(a: &str, b: &str, known: &Known) -> Option<&'static str> {
    classify_all(a, b, known).into_iter().next()
}

/// Every kind of token that changed between `a` and `b`, most telling first; empty when some
/// change is of no known kind (a real change). A build-info string can hold a host name and a
/// date at once.
pub fn classify_all(a: &str, b: &str, known: &Known) -> Vec<&'static str> {
    classify_kinds(a, b, known).unwrap_or_default()
}

fn classify_kinds(a: &str, b: &str, known: &Known) -> Option<Vec<&'static str>> {
    let (a, b) = window(a, b);
    let regions = changed_regions(a, b);
    if regions.is_empty() {
        return None;
    }
    let p = patterns();
    let spans = |re: &Regex, s: &str| -> Vec<Range<usize>> { re.find_iter(s).map(|m| m.range()).collect() };
    let groups = |re: &Regex, s: &str| -> Vec<Range<usize>> {
        re.captures_iter(s)
            .filter_map(|c| c.iter().skip(1).flatten().next().map(|m| m.range()))
            .collect()
    };
    let paths = |s: &str, dirs: &[String]| -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = p
            .path
            .find_iter(s)
            .filter(|m| {
                let t = m.as_str();
                BUILD_ROOTS.iter().any(|r| t.starts_with(r)) || dirs.iter().any(|d| !d.is_empty() && t.contains(d))
            })
            .map(|m| m.range())
            .collect();
        out.extend(fragments(s, dirs));
        out
    };
    let versions = |s: &str| -> Vec<Range<usize>> {
        p.version
            .captures_iter(s)
            .filter(|c| {
                // Not an IPv4 address.
                let v = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
                !(v.split('.').count() == 4
                    && v.split('.')
                        .all(|x| x.len() <= 3 && x.bytes().all(|c| c.is_ascii_digit())))
            })
            // A number assigned to a name (`FACTOR = 1.609`, `ratio: 0.5`) is a version only with
            // three parts or a name that says so; `pkg 1.2`, `pkg==1.2`, `pkg-1.2` are versions.
            .filter(|c| {
                let (Some(all), Some(v)) = (c.get(0), c.get(1)) else {
                    return true;
                };
                let lead = &s[all.start()..v.start()];
                let assigned = (lead.contains('=') && !["==", ">=", "<=", "~="].iter().any(|o| lead.contains(o)))
                    || lead.contains(':');
                let named = {
                    let l = lead.to_ascii_lowercase();
                    l.contains("ver") || l.contains("release") || l.contains("rev") || l.ends_with('v')
                };
                !assigned || named || v.as_str().matches('.').count() >= 2
            })
            // The version itself: another name before the same version is not a version change.
            .filter_map(|c| c.get(1).or_else(|| c.get(2)).map(|m| m.range()))
            // Three parts or more stand alone ("(Debian 12.2.0-14) 12.2.0"), but not an IPv4
            // address.
            .chain(
                p.version3
                    .find_iter(s)
                    .filter(|m| {
                        m.as_str()
                            .split(['-', '+', '~'])
                            .next()
                            .is_some_and(|v| v.split('.').count() < 4)
                    })
                    .map(|m| m.range()),
            )
            .collect()
    };
    let randoms = |s: &str| -> Vec<Range<usize>> {
        p.random
            .find_iter(s)
            .filter(|m| {
                let t = m.as_str();
                // Long base64-like runs count only when they mix cases and digits.
                let uuid = t.len() == 36 && t.bytes().filter(|&c| c == b'-').count() == 4;
                uuid || t.starts_with("tmp")
                    || t.bytes().all(|c| c.is_ascii_hexdigit())
                    || (t.bytes().any(|c| c.is_ascii_uppercase())
                        && t.bytes().any(|c| c.is_ascii_lowercase())
                        && t.bytes().any(|c| c.is_ascii_digit()))
            })
            .map(|m| m.range())
            // A named value counts when it has a digit: "key: blue" is a setting.
            .chain(
                groups(&p.random_named, s)
                    .into_iter()
                    .filter(|r| s[r.clone()].bytes().any(|c| c.is_ascii_digit())),
            )
            .collect()
    };
    // Shorter random values (a nonce, a temporary suffix): a token of 8 characters or more that
    // looks random (hex with letters and digits, or mixed case with digits) where the other
    // side has one of the same length, as one generator writes them.
    let short_random = |s: &str, other: &str| -> Vec<Range<usize>> {
        let looks = |t: &str| {
            let hex = t.bytes().all(|c| c.is_ascii_hexdigit())
                && t.bytes().any(|c| c.is_ascii_digit())
                && t.bytes().any(|c| c.is_ascii_alphabetic());
            let mixed = t.bytes().any(|c| c.is_ascii_uppercase())
                && t.bytes().any(|c| c.is_ascii_lowercase())
                && t.bytes().any(|c| c.is_ascii_digit());
            hex || mixed
        };
        let hex = |t: &str| t.bytes().all(|c| c.is_ascii_hexdigit());
        let others: Vec<(usize, bool)> = p
            .token
            .find_iter(other)
            .filter(|m| looks(m.as_str()))
            .map(|m| (m.len(), hex(m.as_str())))
            .collect();
        // Hex numbers printed without leading zeros (a 64-bit seed) may be a digit or two
        // shorter.
        let alike = |t: &str| {
            others
                .iter()
                .any(|&(n, h)| n == t.len() || (h && hex(t) && n.min(t.len()) >= 12 && n.abs_diff(t.len()) <= 2))
        };
        p.token
            .find_iter(s)
            .filter(|m| looks(m.as_str()) && alike(m.as_str()))
            .map(|m| m.range())
            .collect()
    };
    // Host names: after a keyword or in user@host, or a bare host-shaped name that starts a
    // string (a build-info line "ci-node-17 2024-03-01") and differs in more than a word.
    // At the start of a string, the whole of a quoted value (`ORIGIN = 'ci-7.example.org'`),
    // or a whole field of a record ("Live 2.0 - build-7 - Mon Mar  3", "a | build-7 | b").
    let at_start = |s: &str, m: &regex::Match| {
        let (head, tail) = (&s[..m.start()], &s[m.end()..]);
        let before = head.chars().next_back();
        let after = tail.chars().next();
        let field = [" - ", " | ", " / ", ", "].iter().any(|sep| {
            let sep_start = sep.trim_end();
            (head.ends_with(sep) || head.is_empty()) && (tail.is_empty() || tail.starts_with(sep_start))
        });
        before.is_none_or(|c| c.is_control()) || (matches!(before, Some('\'' | '"')) && after == before) || field
    };
    // A host-shaped name, or a dashed name that starts a build-info line with a date after it
    // ("build-box, Fri May 30 12:00:00 2025").
    let strict = |s: &str| {
        p.bare_host.find_iter(s).any(|m| at_start(s, &m))
            || p.dashed
                .find_iter(s)
                .any(|m| m.start() == 0 && p.time.is_match(&s[m.end()..]) && s[m.end()..].starts_with([',', ' ', ':']))
    };
    // Either side's name is clearly a host's: the other side's host-shaped name is one too.
    let bare = strict(a) || strict(b);
    // Fully qualified names in one domain ("oak.corp.lan", "maple.corp.lan"): the first label
    // is the host.
    let domains = |s: &str| -> Vec<(Range<usize>, String)> {
        p.fqdn
            .captures_iter(s)
            .filter_map(|c| Some((c.get(1)?.range(), c.get(2)?.as_str().to_ascii_lowercase())))
            .collect()
    };
    let (da, db) = (domains(a), domains(b));
    let hosts = |s: &str| -> Vec<Range<usize>> {
        let mut v = groups(&p.host, s);
        let (mine, theirs) = if std::ptr::eq(s, a) { (&da, &db) } else { (&db, &da) };
        v.extend(
            mine.iter()
                .filter(|(_, d)| theirs.iter().any(|(_, e)| e == d))
                .map(|(r, _)| r.clone()),
        );
        if bare {
            v.extend(p.dashed.find_iter(s).filter(|m| at_start(s, m)).map(|m| m.range()));
        }
        v
    };
    // Two absolute paths to the same file under other directories: the build path, wherever
    // the build ran.
    let (same_file_a, same_file_b) = same_file_paths(&p.path, a, b);
    let with = |mut v: Vec<Range<usize>>, more: Vec<Range<usize>>| {
        v.extend(more);
        v
    };
    // A date written with month or weekday names of another language: the locale's LC_TIME.
    let (lang_a, lang_b) = (date_words(a), date_words(b));
    // The languages every date word of a side may be of (or, when its words agree on none, any
    // of them): two sides that share none are in two languages.
    let langs = |v: &[(Range<usize>, u128)]| -> u128 {
        let all = v.iter().fold(!0u128, |m, x| m & x.1);
        if all != 0 || v.is_empty() {
            all & v.iter().fold(0, |m, x| m | x.1)
        } else {
            v.iter().fold(0, |m, x| m | x.1)
        }
    };
    let (ka, kb) = (langs(&lang_a), langs(&lang_b));
    let other_language = ka != 0 && kb != 0 && ka & kb == 0;
    let locale_words = |v: &[(Range<usize>, u128)], s: &str| -> Vec<Range<usize>> {
        if !other_language {
            return Vec::new();
        }
        // The words and the numbers of the date around them (day, year, time), and a zone the
        // locale's format adds.
        let mut out = date_spans(v, s);
        out.extend(p.time.find_iter(s).map(|m| m.range()));
        out.extend(zone_spans(&p.zone, s));
        out
    };
    // The build user: root on one side, a user name alone on the other (whoami in a header).
    let root_user = |s: &str, other: &str| -> Vec<Range<usize>> {
        let lone = |t: &str| {
            let t = t.trim();
            !t.is_empty()
                && t.len() <= 32
                && t.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
        };
        let account = |t: &str| ACCOUNTS.contains(&t.trim());
        if (s.trim() == "root" && lone(other))
            || (other.trim() == "root" && lone(s))
            || (account(s) && account(other) && s.trim() != other.trim())
        {
            std::iter::once(0..s.len()).collect()
        } else {
            Vec::new()
        }
    };
    let classes: [Class; 9] = [
        (
            BUILD_PATH,
            with(paths(a, &known.build_dirs1), same_file_a),
            with(paths(b, &known.build_dirs2), same_file_b),
        ),
        (LOCALE, locale_words(&lang_a, a), locale_words(&lang_b, b)),
        (TIMEZONE, zone_spans(&p.zone, a), zone_spans(&p.zone, b)),
        // A date in any language: its words and, beside them, its numbers.
        (
            TIMESTAMP,
            with(spans(&p.time, a), date_spans(&lang_a, a)),
            with(spans(&p.time, b), date_spans(&lang_b, b)),
        ),
        (
            RANDOMNESS,
            with(randoms(a), short_random(a, b)),
            with(randoms(b), short_random(b, a)),
        ),
        (INPUT_VERSION, versions(a), versions(b)),
        (HOSTNAME, hosts(a), hosts(b)),
        (
            USER_GROUP,
            with(with(groups(&p.user, a), root_user(a, b)), account_words(a)),
            with(with(groups(&p.user, b), root_user(b, a)), account_words(b)),
        ),
        (COMPRESSION, spans(&p.compress, a), spans(&p.compress, b)),
    ];
    // The same words in another order on one line (a set or a dependency list printed in hash
    // or readdir order).
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_alphanumeric() || "._-/+".contains(c)))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    if wa != wb && wa.len() >= 2 && sorted(&wa) == sorted(&wb) {
        return Some(vec![order_cause(&wa, &wb).unwrap_or(FILE_ORDER)]);
    }
    // The same numbers written with other separators (1,234.5 and 1.234,5): the locale.
    let numbers = |s: &str| -> String {
        let c: Vec<char> = s.chars().collect();
        (0..c.len())
            .map(|i| {
                let between = i > 0 && i + 1 < c.len() && c[i - 1].is_ascii_digit() && c[i + 1].is_ascii_digit();
                if between && matches!(c[i], '.' | ',' | ' ' | '\u{a0}' | '\u{202f}' | '\'') {
                    '#'
                } else {
                    c[i]
                }
            })
            .collect()
    };
    // Or grouped in one and not the other (1234567.50 and 1.234.567,50): the same digits, and a
    // decimal comma or a group separator only a locale writes.
    let digits = |s: &str| -> String { numbers(s).replace('#', "") };
    let localized = |s: &str| {
        let c: Vec<char> = s.chars().collect();
        (1..c.len().saturating_sub(1)).any(|i| {
            c[i - 1].is_ascii_digit() && c[i + 1].is_ascii_digit() && matches!(c[i], ',' | '\u{a0}' | '\u{202f}' | '\'')
        })
    };
    // Or a date with other separators or their order kept (30/05/2025 and 30.05.2025).
    let date_digits = |s: &str| -> String {
        let c: Vec<char> = s.chars().collect();
        (0..c.len())
            .filter(|&i| {
                let between = i > 0 && i + 1 < c.len() && c[i - 1].is_ascii_digit() && c[i + 1].is_ascii_digit();
                !(between && matches!(c[i], '.' | '/' | '-'))
            })
            .map(|i| c[i])
            .collect()
    };
    let dated = p.time.is_match(a) && p.time.is_match(b);
    // The same date with its parts in another order (05/30/2025 and 30/05/2025).
    let date_parts = |s: &str| -> (String, Vec<String>) {
        let mut parts: Vec<String> = s
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        parts.sort();
        (
            s.chars()
                .filter(|c| !c.is_ascii_digit() && !matches!(c, '.' | '/' | '-'))
                .collect(),
            parts,
        )
    };
    // Digits grouped by threes with a space or any other mark, against none.
    static GROUPED: OnceLock<Regex> = OnceLock::new();
    let grouped =
        GROUPED.get_or_init(|| Regex::new(r"\d{1,3}(?:[ .,'\u{a0}\u{202f}]\d{3})+").expect("grouping pattern"));
    // Letters cased under a locale whose i has a dot or not (Turkish, Azeri: "LİSTEN" for
    // "LISTEN", "tıtle" for "title").
    let dotless = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                'İ' => 'I',
                'ı' => 'i',
                _ => c,
            })
            .collect()
    };
    if dotless(a) == dotless(b) {
        return Some(vec![LOCALE]);
    }
    // Columns padded to another width around the numbers are the same text.
    let squeeze = |s: &str| s.split(' ').filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
    let (sa, sb) = (squeeze(a), squeeze(b));
    if numbers(a) == numbers(b)
        || (digits(&sa) == digits(&sb) && (localized(a) || localized(b) || grouped.is_match(a) != grouped.is_match(b)))
        || (dated && (date_digits(a) == date_digits(b) || date_parts(a) == date_parts(b)))
    {
        return Some(vec![LOCALE]);
    }
    let mut found: Vec<&'static str> = Vec::new();
    for (ra, rb) in &regions {
        // Only punctuation or binary bytes changed: nothing a pattern can vouch for, but
        // punctuation that changed beside classified words (a date's format) is theirs.
        let wordy = |s: &str, r: &Range<usize>| s[r.clone()].chars().any(char::is_alphanumeric);
        if !wordy(a, ra) && !wordy(b, rb) {
            continue;
        }
        let class = classes
            .iter()
            .find(|(_, ma, mb)| covered(a, ra, ma) && covered(b, rb, mb))
            .map(|c| c.0)?;
        found.push(class);
    }
    if found.is_empty() {
        return None;
    }
    fn zones<'s>(re: &Regex, s: &'s str) -> Vec<&'s str> {
        zone_spans(re, s).into_iter().map(|r| &s[r]).collect()
    }
    let datelike = found.iter().all(|c| *c == TIMESTAMP || *c == TIMEZONE);
    if found.contains(&TIMEZONE)
        || (datelike && (zones(&p.zone, a) != zones(&p.zone, b) || same_moment_elsewhere(a, b)))
    {
        // A date written in another zone: the zone explains its digits too.
        found.retain(|c| *c != TIMESTAMP);
        if !found.contains(&TIMEZONE) {
            found.push(TIMEZONE);
        }
    }
    // A date in another language whose clock also moved by whole hours (the same minutes and
    // seconds) or whose zone is another: another time zone too.
    if found.contains(&LOCALE)
        && !found.contains(&TIMEZONE)
        && (same_clock_other_hour(a, b)
            || (zones(&p.zone, a) != zones(&p.zone, b)
                && !zones(&p.zone, a).is_empty()
                && !zones(&p.zone, b).is_empty()))
    {
        found.push(TIMEZONE);
    }
    // A date in another language whose day, month or year also changed: a later build too.
    // A time written with dots on one side ("06.00.00") is the other side's clock.
    let clocks_of = |s: &str| -> Vec<String> {
        static RE: OnceLock<Regex> = OnceLock::new();
        let re = RE.get_or_init(|| Regex::new(r"\b(\d{1,2})[:.](\d{2})[:.](\d{2})\b").expect("clock pattern"));
        re.captures_iter(s)
            .map(|c| format!("{}{}{}", &c[1], &c[2], &c[3]))
            .collect()
    };
    let (ca, cb) = (clocks_of(a), clocks_of(b));
    let changed_numbers = |s: &str, side: usize| -> Vec<u64> {
        let changed: Vec<Range<usize>> = regions
            .iter()
            .map(|r| if side == 0 { r.0.clone() } else { r.1.clone() })
            .collect();
        let other = if side == 0 { &cb } else { &ca };
        let mut masked = s.to_string();
        static DOTTED: OnceLock<Regex> = OnceLock::new();
        let dotted = DOTTED.get_or_init(|| Regex::new(r"\b(\d{1,2})\.(\d{2})\.(\d{2})\b").expect("clock pattern"));
        for c in dotted.captures_iter(s) {
            if other.contains(&format!("{}{}{}", &c[1], &c[2], &c[3])) {
                let r = c.get(0).map_or(0..0, |m| m.range());
                masked.replace_range(r.clone(), &" ".repeat(r.len()));
            }
        }
        // A year of two digits is the same year as four.
        let mut v: Vec<u64> = date_numbers(&masked)
            .into_iter()
            .filter(|(r, _)| changed.iter().any(|c| c.start < r.end && r.start < c.end))
            .map(|x| if x.1 >= 1900 { x.1 % 100 } else { x.1 })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if found.contains(&LOCALE) && !found.contains(&TIMESTAMP) && changed_numbers(a, 0) != changed_numbers(b, 1) {
        found.push(TIMESTAMP);
    }
    // In priority order.
    let kinds: Vec<&'static str> = classes.iter().map(|c| c.0).filter(|c| found.contains(c)).collect();
    (!kinds.is_empty()).then_some(kinds)
}

/// Absolute paths (two components or more) in `a` and `b` that end in the same file name but
/// differ before it: their ranges in each.
fn same_file_paths(path: &Regex, a: &str, b: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    // Not the path of a URL ("https://host/dir/"): hosts are not build directories.
    // Not the path of a URL, and not a date written with slashes ("05/30/2025").
    let local = |s: &str, m: &regex::Match| {
        !s[..m.start()].ends_with(':')
            && !s[..m.start()].ends_with(":/")
            && m.as_str().chars().any(|c| c.is_alphabetic())
    };
    let pa: Vec<regex::Match> = path.find_iter(a).filter(|m| local(a, m)).collect();
    let pb: Vec<regex::Match> = path.find_iter(b).filter(|m| local(b, m)).collect();
    let file = |m: &regex::Match| {
        m.as_str()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for x in &pa {
        for y in &pb {
            if x.as_str() != y.as_str() && !file(x).is_empty() && file(x) == file(y) {
                ra.push(x.range());
                rb.push(y.range());
            }
        }
    }
    (ra, rb)
}

/// The languages a month, weekday or AM/PM word belongs to, one bit per entry of
/// [`DATE_WORDS`] (0: not such a word).
fn date_word_languages(w: &str) -> u128 {
    static INDEX: OnceLock<std::collections::HashMap<&'static str, u128>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (k, (_, words)) in DATE_WORDS.iter().enumerate().take(128) {
            for w in *words {
                *m.entry(*w).or_insert(0) |= 1u128 << k;
            }
        }
        m
    });
    index.get(w).copied().unwrap_or(0)
}

/// Accounts builds run as: Debian's static system users (base-passwd), the users of build
/// daemons and CI runners, and the default users of cloud and container images. Two of them
/// alone in a string, one on each side, are the user a build ran as (`whoami` in a header).
const ACCOUNTS: &[&str] = &[
    "root",
    "daemon",
    "bin",
    "sys",
    "sync",
    "games",
    "man",
    "lp",
    "mail",
    "news",
    "uucp",
    "proxy",
    "www-data",
    "backup",
    "list",
    "irc",
    "gnats",
    "nobody",
    "_apt",
    "buildd",
    "sbuild",
    "pbuilder",
    "builder",
    "build",
    "jenkins",
    "runner",
    "gitlab-runner",
    "travis",
    "circleci",
    "vagrant",
    "ubuntu",
    "debian",
    "admin",
    "ec2-user",
    "centos",
    "fedora",
    "builduser",
    "abuild",
    "mockbuild",
    "portage",
    "nixbld",
];

/// The numbers of `s` outside its times of day and words ("node-2"), with their places: a
/// date's day, month and year in whatever order its format writes them.
fn date_numbers(s: &str) -> Vec<(Range<usize>, u64)> {
    let bytes = s.as_bytes();
    // Not part of a word ("node-2") or a clock.
    let joins = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':');
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let before = start.checked_sub(1).map(|k| bytes[k]);
        let after = bytes.get(i).copied();
        if !before.is_some_and(joins) && !after.is_some_and(joins) {
            if let Ok(n) = s[start..i].parse() {
                out.push((start..i, n));
            }
        }
    }
    out
}

/// The date words of `s` (found by [`date_words`]) and, when there are any, its numbers.
fn date_spans(words: &[(Range<usize>, u128)], s: &str) -> Vec<Range<usize>> {
    if words.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Range<usize>> = words.iter().map(|x| x.0.clone()).collect();
    let mut digits: Option<usize> = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        match (c.is_ascii_digit(), digits) {
            (true, None) => digits = Some(i),
            (false, Some(st)) => {
                out.push(st..i);
                digits = None;
            }
            _ => {}
        }
    }
    out
}

/// The words of `s` that are build accounts ([`ACCOUNTS`]): one replaced by another is the user
/// a build ran as ("owner: daemon" and "owner: backup").
fn account_words(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            if ACCOUNTS.contains(&&s[st..i]) {
                out.push(st..i);
            }
        }
    }
    out
}

/// The month, weekday and AM/PM words of `s` (whole words, any case) with the languages they
/// may be of ("mai" is French, German and more).
fn date_words(s: &str) -> Vec<(Range<usize>, u128)> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes_end = s.len();
    for (i, c) in s.char_indices().chain(std::iter::once((bytes_end, ' '))) {
        if c.is_alphabetic() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(st) = start.take() {
            let word = s[st..i].to_lowercase();
            let mut langs = date_word_languages(&word);
            // A month with a case ending ("toukokuuta", Finnish for "of May").
            if langs == 0 && word.chars().count() > 5 {
                let cs: Vec<char> = word.chars().collect();
                langs = (1..=3)
                    .filter(|k| cs.len() - k >= 5)
                    .map(|k| date_word_languages(&cs[..cs.len() - k].iter().collect::<String>()))
                    .find(|&l| l != 0)
                    .unwrap_or(0);
            }
            if langs != 0 {
                out.push((st..i, langs));
            }
        }
    }
    // A word of two letters ("pe", "ma") only beside a longer date word of its language.
    let long: u128 = out
        .iter()
        .filter(|(r, _)| s[r.clone()].chars().count() > 2)
        .fold(0, |m, x| m | x.1);
    out.retain(|(r, l)| s[r.clone()].chars().count() > 2 || l & long != 0);
    out
}

/// Whether the dates with times of `a` and `b` are the same moment seen in two time zones: the
/// same seconds, every pair apart by one offset that is a multiple of 15 minutes up to 14 hours.
fn same_moment_elsewhere(a: &str, b: &str) -> bool {
    let (x, y) = (datetimes(a), datetimes(b));
    if x.is_empty() && y.is_empty() {
        return same_day_other_clock(a, b);
    }
    if x.len() != y.len() {
        return false;
    }
    let d = y[0] - x[0];
    zone_delta(d) && x.iter().zip(&y).all(|(p, q)| q - p == d)
}

/// Time zones in `s`: the known names and offsets of `known`, and any abbreviation of two to
/// five capitals written right after a time of day ("13:00 WEST", "21:30:00 ACST"), as `date`
/// prints the zone whatever its name.
fn zone_spans(known: &Regex, s: &str) -> Vec<Range<usize>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    // After a clock or an offset, bare or in parentheses ("12:00:00+0000 (UTC)").
    let after_clock = RE.get_or_init(|| {
        Regex::new(r"(?:\d:\d\d(?::\d\d)?|[+-]\d\d:?\d\d) ?\(?([A-Z]{2,5})\b").expect("zone name pattern")
    });
    let mut out: Vec<Range<usize>> = known.find_iter(s).map(|m| m.range()).collect();
    for c in after_clock.captures_iter(s) {
        if let Some(m) = c.get(1) {
            if !out.iter().any(|r| r.start <= m.start() && m.end() <= r.end) {
                out.push(m.range());
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// Whether a clock moved by `d` seconds reads as the same moment in another zone: a multiple of
/// 15 minutes (zones are whole hours, or :30 and :45 off) no more than two zones can differ
/// (UTC+14 and UTC-12), and not exactly a day, which is a later build.
pub fn zone_delta(d: i64) -> bool {
    d != 0 && d % 900 == 0 && d.abs() <= 26 * 3600 && d.abs() != 86400
}

/// Whether `a` and `b` are the same text but for times of day ("23:33", "10:15:07"), every one
/// moved by the same zone offset with its seconds kept: a date of the same day printed in
/// another zone, in a form [`datetimes`] does not read.
fn same_day_other_clock(a: &str, b: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"\b(\d{1,2}):(\d{2})(:\d{2})?\b").expect("clock pattern"));
    let clocks = |s: &str| -> Vec<(i64, String)> {
        re.captures_iter(s)
            .filter_map(|c| {
                let (h, m): (i64, i64) = (c[1].parse().ok()?, c[2].parse().ok()?);
                (h < 24 && m < 60).then(|| (h * 3600 + m * 60, c.get(3).map_or("", |x| x.as_str()).to_string()))
            })
            .collect()
    };
    let (x, y) = (clocks(a), clocks(b));
    // The clock and the zone name after it ("13:00 WEST" and "21:30 ACST").
    let zoned = |s: &str| -> String {
        let z = patterns();
        let mut t = s.to_string();
        for r in zone_spans(&z.zone, s).into_iter().rev() {
            t.replace_range(r, "");
        }
        t
    };
    let (a, b) = (zoned(a), zoned(b));
    let (a, b) = (a.as_str(), b.as_str());
    let rest = re.replace_all(a, "");
    // A date beside the clock, the same on both sides: a bare time of day that moved is as
    // likely a later build.
    if x.is_empty() || x.len() != y.len() || rest != re.replace_all(b, "") || !rest.chars().any(|c| c.is_ascii_digit())
    {
        return false;
    }
    let d = y[0].0 - x[0].0;
    zone_delta(d) && x.iter().zip(&y).all(|(p, q)| q.0 - p.0 == d && p.1 == q.1)
}

/// Whether `a` and `b` hold the same number of times of day, each pair with the same minutes
/// (and seconds, where shown) and some with other hours.
fn same_clock_other_hour(a: &str, b: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"\b(\d{1,2}):(\d{2})(:\d{2})?\b").expect("clock pattern"));
    let clocks = |s: &str| -> Vec<(String, String)> {
        re.captures_iter(s)
            .map(|c| {
                let secs = c.get(3).map_or("", |m| m.as_str());
                (c[1].trim_start_matches('0').to_string(), format!("{}{secs}", &c[2]))
            })
            .collect()
    };
    let (x, y) = (clocks(a), clocks(b));
    !x.is_empty()
        && x.len() == y.len()
        && x.iter().zip(&y).all(|(p, q)| p.1 == q.1)
        && x.iter().zip(&y).any(|(p, q)| p.0 != q.0)
}

/// Dates with a time of day in `s` (ISO 8601 "2024-03-01 10:00:00", `__DATE__ __TIME__`
/// "Mar  1 2024 10:00:00", RFC 2822 "1 Mar 2024 10:00:00"), as seconds since the epoch as if
/// in UTC; only forms with seconds, which a build time has and a hand-written time rarely.
fn datetimes(s: &str) -> Vec<i64> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{1,2}),?\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})|\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})")
            .expect("datetime pattern")
    });
    let month = |m: &str| -> i64 {
        let m = m.to_ascii_lowercase();
        [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .iter()
        .position(|x| m.starts_with(x))
        .map_or(1, |i| i as i64 + 1)
    };
    let num = |c: &regex::Captures, i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let mut out = Vec::new();
    for c in re.captures_iter(s) {
        let parts = if c.get(1).is_some() {
            (num(&c, 1), num(&c, 2), num(&c, 3), num(&c, 4), num(&c, 5), num(&c, 6))
        } else if c.get(7).is_some() {
            let m = c.get(7).map(|m| month(m.as_str()));
            (num(&c, 9), m, num(&c, 8), num(&c, 10), num(&c, 11), num(&c, 12))
        } else {
            let m = c.get(14).map(|m| month(m.as_str()));
            (num(&c, 15), m, num(&c, 13), num(&c, 16), num(&c, 17), num(&c, 18))
        };
        if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) = parts {
            out.push(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
        }
    }
    // The compact forms of file names and version suffixes: 202403011200, 20240301T120000.
    static COMPACT: OnceLock<Regex> = OnceLock::new();
    let compact = COMPACT.get_or_init(|| {
        Regex::new(r"\b((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])T?([01]\d|2[0-3])([0-5]\d)([0-5]\d)?Z?\b")
            .expect("compact datetime pattern")
    });
    for c in compact.captures_iter(s) {
        if let (Some(y), Some(mo), Some(d), Some(h), Some(mi)) =
            (num(&c, 1), num(&c, 2), num(&c, 3), num(&c, 4), num(&c, 5))
        {
            out.push(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + num(&c, 6).unwrap_or(0));
        }
    }
    out
}

/// Pieces of a string that are parts of a known build directory (binary windows cut paths).
fn fragments(s: &str, dirs: &[String]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if dirs.iter().all(|d| d.is_empty()) {
        return out;
    }
    let mut start = None;
    let bytes = s.as_bytes();
    for (i, &c) in bytes.iter().enumerate().chain(std::iter::once((bytes.len(), &0u8))) {
        let pathy = c.is_ascii_alphanumeric() || b"/._+-@%~=,".contains(&c);
        match (pathy && i < bytes.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                let piece = &s[st..i];
                if piece.len() >= 4
                    && dirs
                        .iter()
                        .any(|d| !d.is_empty() && (d.contains(piece) || piece.contains(d.as_str())))
                {
                    out.push(st..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// True when every letter and digit of `s[r]` lies in one of `spans` (separators between two
/// matches, as the space in "Mon Jan", do not count; an empty range is covered).
fn covered(s: &str, r: &Range<usize>, spans: &[Range<usize>]) -> bool {
    s[r.clone()]
        .char_indices()
        .filter(|(_, c)| c.is_alphanumeric())
        .all(|(i, _)| spans.iter().any(|m| m.start <= r.start + i && r.start + i < m.end))
}

/// Longest part of a line given to the token diff and the patterns.
const MAX_WINDOW: usize = 16 << 10;

/// The changed part of two strings with some context either side (long lines would make the
/// token diff slow and the patterns match far away).
fn window<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    let prefix = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let suffix = a[prefix..]
        .chars()
        .rev()
        .zip(b[prefix..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum::<usize>();
    let start = floor(a, prefix.saturating_sub(CONTEXT));
    // Changes far apart on one long line: the first ones are what is classified, within a
    // bound, so the work does not grow with the line.
    let cut = |s: &'a str| {
        let end = (s.len() - suffix).saturating_add(CONTEXT).min(s.len());
        let end = ceil(s, end.min(start.saturating_add(MAX_WINDOW)));
        &s[start..end]
    };
    (cut(a), cut(b))
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Tokens: runs of letters and digits, or one other character each.
fn tokens(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut run: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            run.get_or_insert(i);
        } else {
            if let Some(st) = run.take() {
                out.push(st..i);
            }
            out.push(i..i + c.len_utf8());
        }
    }
    if let Some(st) = run {
        out.push(st..s.len());
    }
    out
}

/// The byte ranges of `a` and `b` that a token diff finds changed, region by region.
fn changed_regions(a: &str, b: &str) -> Vec<(Range<usize>, Range<usize>)> {
    use reproscope_diff::align::{changed, Align};
    let (ta, tb) = (tokens(a), tokens(b));
    let sa: Vec<&str> = ta.iter().map(|r| &a[r.clone()]).collect();
    let sb: Vec<&str> = tb.iter().map(|r| &b[r.clone()]).collect();
    let span = |t: &[Range<usize>], at: usize, len: usize, text_len: usize| -> Range<usize> {
        if len == 0 {
            let pos = t.get(at).map_or(text_len, |r| r.start);
            pos..pos
        } else {
            t[at].start..t[at + len - 1].end
        }
    };
    // Each region is maximal: a deletion next to an insertion is one region.
    changed(&sa, &sb, Align::Tokens)
        .into_iter()
        .map(|(ra, rb)| {
            (
                span(&ta, ra.start, ra.len(), a.len()),
                span(&tb, rb.start, rb.len(), b.len()),
            )
        })
        .collect()
}

/// A short "old → new" excerpt around the change, for evidence.
pub fn excerpt(a: &str, b: &str) -> String {
    const MAX: usize = 60;
    let show = |s: &str| -> String {
        let t = s.trim();
        if t.chars().count() <= MAX {
            return format!("{t:?}");
        }
        String::new()
    };
    let (sa, sb) = (show(a), show(b));
    if !sa.is_empty() && !sb.is_empty() {
        return format!("{sa} → {sb}");
    }
    // Long: the changed part with a little context (a window first, as the token diff of a
    // whole long line would take memory and time in proportion to it).
    let (a, b) = window(a, b);
    let regions = changed_regions(a, b);
    let (Some(first), Some(last)) = (regions.first(), regions.last()) else {
        return String::new();
    };
    let cut = |s: &str, r: Range<usize>| -> String {
        let st = floor(s, r.start.saturating_sub(20));
        let en = ceil(s, (r.end + 20).min(s.len()));
        let mut t: String = s[st..en].chars().take(MAX).collect();
        if st > 0 {
            t.insert(0, '…');
        }
        if en < s.len() {
            t.push('…');
        }
        format!("{t:?}")
    };
    format!(
        "{} → {}",
        cut(a, first.0.start..last.0.end),
        cut(b, first.1.start..last.1.end)
    )
}

/// Lines of a unified diff: changed line pairs (a run of removals followed by a run of
/// additions is paired in order), the unpaired rest, and each hunk's two sides.
#[derive(Default, Debug)]
pub struct LineChanges {
    pub pairs: Vec<(String, String)>,
    pub removed: Vec<String>,
    pub added: Vec<String>,
    pub hunks: Vec<(Vec<String>, Vec<String>)>,
}

/// Lines that only moved: within a hunk, the lines that occur once on each side and come in
/// another order (a sorted list of names under another collation, beside a changed date). The
/// cause of that order and how many lines moved, and the changes without those lines (the rest
/// paired again in order). `None` when no line moved.
pub fn split_moves(c: &LineChanges) -> Option<((&'static str, usize), LineChanges)> {
    use std::collections::HashMap;
    let mut moved: Vec<String> = Vec::new();
    let mut cause: Option<&'static str> = None;
    for (x, y) in &c.hunks {
        fn count(v: &[String]) -> HashMap<&str, usize> {
            let mut m: HashMap<&str, usize> = HashMap::new();
            v.iter().for_each(|l| *m.entry(l.as_str()).or_default() += 1);
            m
        }
        let (cx, cy) = (count(x), count(y));
        let once = |l: &str| cx.get(l) == Some(&1) && cy.get(l) == Some(&1) && !l.trim().is_empty();
        let xs: Vec<String> = x.iter().filter(|l| once(l)).cloned().collect();
        let ys: Vec<String> = y.iter().filter(|l| once(l)).cloned().collect();
        if xs != ys {
            let k = order_cause(&xs, &ys).unwrap_or(FILE_ORDER);
            // Another language's collation anywhere decides: a plain reorder says less.
            cause = Some(if cause == Some(LOCALE) { LOCALE } else { k });
            let (px, py): (HashMap<&str, usize>, HashMap<&str, usize>) = (
                xs.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect(),
                ys.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect(),
            );
            // The lines whose neighbours changed: every line of the reordered span.
            let first = xs.iter().zip(&ys).position(|(a, b)| a != b).unwrap_or(0);
            let last = xs.len()
                - xs.iter()
                    .rev()
                    .zip(ys.iter().rev())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
            moved.extend(
                xs[first..last]
                    .iter()
                    .filter(|l| px.contains_key(l.as_str()) && py.contains_key(l.as_str()))
                    .cloned(),
            );
        }
    }
    let cause = cause?;
    let n = moved.len();
    // The changed lines less the moved ones, and less lines that were only removed in one place
    // and added in another (".br" between moved names).
    let mut minus: Vec<String> = c
        .pairs
        .iter()
        .map(|p| p.0.clone())
        .chain(c.removed.iter().cloned())
        .collect();
    let mut plus: Vec<String> = c
        .pairs
        .iter()
        .map(|p| p.1.clone())
        .chain(c.added.iter().cloned())
        .collect();
    minus.retain(|l| !moved.contains(l));
    plus.retain(|l| !moved.contains(l));
    let mut left: Vec<String> = Vec::new();
    for l in minus {
        match plus.iter().position(|p| *p == l) {
            Some(k) => {
                plus.remove(k);
            }
            None => left.push(l),
        }
    }
    let k = left.len().min(plus.len());
    let rest = LineChanges {
        pairs: left.iter().cloned().zip(plus.iter().cloned()).take(k).collect(),
        removed: left[k..].to_vec(),
        added: plus[k..].to_vec(),
        hunks: Vec::new(),
    };
    Some(((cause, n), rest))
}

pub fn parse_unified(u: &str) -> LineChanges {
    let mut out = LineChanges::default();
    let (mut minus, mut plus): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let flush = |minus: &mut Vec<String>, plus: &mut Vec<String>, out: &mut LineChanges| {
        let n = minus.len().min(plus.len());
        for (x, y) in minus.drain(..n).zip(plus.drain(..n)) {
            out.pairs.push((x, y));
        }
        out.removed.append(minus);
        out.added.append(plus);
    };
    for line in u.lines() {
        if line.starts_with("@@") {
            flush(&mut minus, &mut plus, &mut out);
            out.hunks.push((Vec::new(), Vec::new()));
            continue;
        }
        // "\ No newline at end of file" marks the line before it, it is not a line.
        if out.hunks.is_empty() || line.starts_with('\\') {
            continue;
        }
        if let Some(t) = line.strip_prefix('-') {
            if !plus.is_empty() {
                flush(&mut minus, &mut plus, &mut out);
            }
            minus.push(t.to_string());
            if let Some(h) = out.hunks.last_mut() {
                h.0.push(t.to_string());
            }
        } else if let Some(t) = line.strip_prefix('+') {
            plus.push(t.to_string());
            if let Some(h) = out.hunks.last_mut() {
                h.1.push(t.to_string());
            }
        } else {
            flush(&mut minus, &mut plus, &mut out);
            let t = line.strip_prefix(' ').unwrap_or(line);
            if let Some(h) = out.hunks.last_mut() {
                h.0.push(t.to_string());
                h.1.push(t.to_string());
            }
        }
    }
    flush(&mut minus, &mut plus, &mut out);
    out
}

/// When the changed lines are the same lines in another order: `Some(LOCALE)` when one side is
/// sorted bytewise (LC_ALL=C) and the other as a locale collates (case and punctuation
/// ignored), else `Some(FILE_ORDER)`. `None` when the lines themselves differ.
pub fn reordered(c: &LineChanges) -> Option<&'static str> {
    let mut old: Vec<&str> = c
        .pairs
        .iter()
        .map(|p| p.0.as_str())
        .chain(c.removed.iter().map(String::as_str))
        .collect();
    let mut new: Vec<&str> = c
        .pairs
        .iter()
        .map(|p| p.1.as_str())
        .chain(c.added.iter().map(String::as_str))
        .collect();
    if old.is_empty() {
        return None;
    }
    old.sort_unstable();
    new.sort_unstable();
    if old != new {
        return None;
    }
    let locale = c.hunks.iter().all(|(x, y)| x != y && locale_orders(x, y));
    Some(if locale && !c.hunks.is_empty() {
        LOCALE
    } else {
        FILE_ORDER
    })
}

/// When the changed lines are the same entries (a symbol listing: name, kind, address, size)
/// each at another address, and ordered by address the entries come in another order: what
/// was laid out (functions linked from objects found by readdir, a table built in hash order)
/// was laid out in another order. The number of entries, else `None`.
pub fn renumbered(c: &LineChanges) -> Option<usize> {
    if c.pairs.len() < 3 || !c.removed.is_empty() || !c.added.is_empty() {
        return None;
    }
    let hex = |t: &str| t.strip_prefix("0x").and_then(|h| u64::from_str_radix(h, 16).ok());
    let mut by_addr: [Vec<(u64, String)>; 2] = [Vec::new(), Vec::new()];
    for (a, b) in &c.pairs {
        let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
        if ta.len() != tb.len() {
            return None;
        }
        let diff: Vec<usize> = (0..ta.len()).filter(|&i| ta[i] != tb[i]).collect();
        let [i] = diff[..] else { return None };
        let (Some(x), Some(y)) = (hex(ta[i]), hex(tb[i])) else {
            return None;
        };
        let name = ta.first().copied().unwrap_or("").to_string();
        by_addr[0].push((x, name.clone()));
        by_addr[1].push((y, name));
    }
    for v in &mut by_addr {
        v.sort();
    }
    let names = |v: &[(u64, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
    (names(&by_addr[0]) != names(&by_addr[1])).then_some(c.pairs.len())
}

/// What a symbol's name says its value is, by its words ("session_salt", "g_build_host",
/// "build_user", "compile_time"): the cause of a change of that value.
pub fn symbol_kind(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    let words: Vec<&str> = n.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    if has(&[
        "salt", "seed", "nonce", "token", "uuid", "guid", "random", "rand", "secret", "iv", "key",
    ]) {
        Some(RANDOMNESS)
    } else if has(&["host", "hostname", "node", "nodename", "machine", "fqdn"]) {
        Some(HOSTNAME)
    } else if has(&["user", "username", "builder", "packager", "login", "owner"]) {
        Some(USER_GROUP)
    } else if has(&["tz", "zone", "timezone"]) {
        Some(TIMEZONE)
    } else if has(&["date", "time", "timestamp", "stamp", "epoch", "built", "when"]) {
        Some(TIMESTAMP)
    } else if has(&["path", "dir", "srcdir", "builddir", "prefix", "cwd", "pwd"]) {
        Some(BUILD_PATH)
    } else {
        None
    }
}

/// Whether a format name is a compressor's (the words the compression class reads).
pub fn is_compressor(format: &str) -> bool {
    patterns().compress.is_match(format)
}

/// The changed value of two strings: from the first changed token to the last, trimmed to
/// letters and digits, when it is three characters or more on both sides.
pub fn changed_value(a: &str, b: &str) -> Option<(String, String)> {
    let (a, b) = window(a, b);
    let regions = changed_regions(a, b);
    let (first, last) = (regions.first()?, regions.last()?);
    let trim = |s: &str| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    let (x, y) = (trim(&a[first.0.start..last.0.end]), trim(&b[first.1.start..last.1.end]));
    (x.len() >= 3 && y.len() >= 3).then_some((x, y))
}

/// How a locale's collation (glibc's ISO 14651 tables, at the first level) sees a string:
/// letters and digits only, case and accents folded ("Übersicht" sorts with "ubersicht").
fn collation_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase) {
        let base = match c {
            'à'..='å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è'..='ë' => "e",
            'ì'..='ï' => "i",
            'ñ' => "n",
            'ò'..='ö' | 'ø' => "o",
            'œ' => "oe",
            'ù'..='ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(base);
    }
    out
}

/// The cause of two orders of the same names: `LOCALE` when one is bytewise (LC_ALL=C) order
/// and the other a locale's collation (case and punctuation ignored), else `FILE_ORDER`;
/// `None` when the names are not the same.
pub fn order_cause(x: &[String], y: &[String]) -> Option<&'static str> {
    let (mut sx, mut sy) = (x.to_vec(), y.to_vec());
    sx.sort_unstable();
    sy.sort_unstable();
    if sx != sy || x == y {
        return None;
    }
    Some(if locale_orders(x, y) { LOCALE } else { FILE_ORDER })
}

/// Whether two orders of the same names are a locale's doing: one bytewise (LC_ALL=C) and the
/// other a collation, or two collations (see [`collation_only`]).
fn locale_orders(x: &[String], y: &[String]) -> bool {
    let bytewise = |v: &[String]| v.windows(2).all(|w| w[0] <= w[1]);
    let collated = |v: &[String]| v.windows(2).all(|w| collation_key(&w[0]) <= collation_key(&w[1]));
    (bytewise(x) && collated(y) && !bytewise(y)) || (bytewise(y) && collated(x) && !bytewise(x)) || collation_only(x, y)
}

/// Letters some languages sort apart from their spelling, as an ASCII spelling that sorts where
/// they go: Czech and Slovak "ch" after "h", traditional Spanish "ll" after "l", Hungarian "cs",
/// "dz", "gy", "ly", "ny", "sz", "ty", "zs" after their first letter, Danish and Norwegian "aa"
/// (å) after "z", Swedish "w" with "v", Lithuanian "y" with "i".
const TAILORINGS: &[(&str, &str)] = &[
    ("ch", "h~"),
    ("ll", "l~"),
    ("cs", "c~"),
    ("dz", "d~"),
    ("gy", "g~"),
    ("ly", "l~"),
    ("ny", "n~"),
    ("sz", "s~"),
    ("ty", "t~"),
    ("zs", "z~"),
    ("aa", "z~"),
    ("w", "v"),
    ("y", "i"),
];

/// Whether every pair of names the two orders put the other way round is a pair collations
/// disagree on (case, punctuation, letters outside ASCII, whose place differs by language: å
/// after z in Swedish, with a in French), and the list is long enough for that not to be luck.
/// Two locales' sorts, or a locale's and bytewise, differ only on such pairs; a readdir or hash
/// order also swaps plain names.
fn collation_only(x: &[String], y: &[String]) -> bool {
    const MAX: usize = 512;
    if x.len() < 4 || x.len() > MAX {
        return false;
    }
    let pos: std::collections::HashMap<&str, usize> = y.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    // A pair locales may order differently: bytewise order and the case- and punctuation-blind
    // order disagree on it, a language's tailoring does, or they first differ at a letter
    // outside ASCII.
    let sensitive = |p: &str, q: &str| {
        let (kp, kq) = (collation_key(p), collation_key(q));
        // The order under a tailoring: its letter spelled as one that sorts where the
        // language puts it.
        let tailored = TAILORINGS
            .iter()
            .any(|(from, to)| (kp < kq) != (kp.replace(from, to) < kq.replace(from, to)));
        let first_diff = p.chars().zip(q.chars()).find(|(a, b)| a != b);
        (p < q) != (kp < kq) || kp == kq || tailored || first_diff.is_some_and(|(a, b)| !a.is_ascii() || !b.is_ascii())
    };
    // A string in the same place in both orders (a format string between a sorted table's
    // entries) is not one of the sorted entries.
    let fixed = |i: usize| pos.get(x[i].as_str()) == Some(&i);
    if (0..x.len()).filter(|&i| !fixed(i)).count() < 4 {
        return false;
    }
    let mut swapped = 0;
    for i in (0..x.len()).filter(|&i| !fixed(i)) {
        for j in (i + 1..x.len()).filter(|&j| !fixed(j)) {
            let (Some(&pi), Some(&pj)) = (pos.get(x[i].as_str()), pos.get(x[j].as_str())) else {
                return false;
            };
            if pi > pj {
                swapped += 1;
                // Any other pair sorts alike in every locale: another order of it is not one.
                if !sensitive(&x[i], &x[j]) {
                    return false;
                }
            }
        }
    }
    swapped > 0
}

/// The bytes of both sides in each block of a hex diff ("@@ offset 0x.. @@" then "-"/"+" lines
/// "OFFSET: hex...  ascii"), as strings: printable ASCII kept, other bytes mapped to distinct
/// non-word characters so they still compare but never join a token.
pub fn hex_blocks(u: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in u.lines() {
        if line.starts_with("@@") {
            out.push((String::new(), String::new()));
            continue;
        }
        let (sign, rest) = match line.as_bytes().first() {
            Some(b'-') => ('-', &line[1..]),
            Some(b'+') => ('+', &line[1..]),
            _ => continue,
        };
        let Some(block) = out.last_mut() else { continue };
        let Some((_, hex)) = rest.split_once(": ") else {
            continue;
        };
        // 16 bytes as 8 groups of 4 hex digits and a space: the ASCII column follows.
        let hex: String = hex.chars().take(40).filter(|c| c.is_ascii_hexdigit()).collect();
        let side = if sign == '-' { &mut block.0 } else { &mut block.1 };
        for pair in hex.as_bytes().chunks(2) {
            let Ok(b) = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("zz"), 16) else {
                continue;
            };
            side.push(if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                char::from_u32(0xE000 + u32::from(b)).unwrap_or('\u{E000}')
            });
        }
    }
    out
}

/// A hex-diff block's strings made readable for evidence: other bytes as '.'.
pub fn readable(s: &str) -> String {
    s.chars()
        .map(|c| if ('\u{E000}'..='\u{E0FF}').contains(&c) { '.' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Option<&'static str> {
        classify(a, b, &Known::default())
    }

    #[test]
    fn kinds_of_tokens() {
        assert_eq!(c("log_level = info", "log_level = debug"), None);
        assert_eq!(
            c("built Jan  1 2024 00:00:00", "built Jan  2 2024 01:02:03"),
            Some(TIMESTAMP)
        );
        assert_eq!(c("Copyright 2023 Foo", "Copyright 2024 Foo"), Some(TIMESTAMP));
        assert_eq!(
            c("date: 2024-01-01T00:00:00Z", "date: 2024-01-02T10:00:00Z"),
            Some(TIMESTAMP)
        );
        assert_eq!(
            c(
                "built: Mon Jan  1 00:00:00 UTC 2024",
                "built: Sun Dec 31 19:00:00 EST 2023"
            ),
            Some(TIMEZONE)
        );
        assert_eq!(
            c(
                "id = 94029f71-0c59-485d-a8e4-3960febedb33",
                "id = 2dd2c8ab-5bbd-4c97-a0d4-ea80f5b99053"
            ),
            Some(RANDOMNESS)
        );
        assert_eq!(c("requests==2.31.0", "requests==2.32.3"), Some(INPUT_VERSION));
        assert_eq!(c("listen = 10.0.0.1", "listen = 10.0.0.2"), None);
        assert_eq!(
            c("built by root@builder-amd64-01", "built by root@ci-runner-7f3k"),
            Some(HOSTNAME)
        );
        assert_eq!(
            c("srcdir=/home/alice/src/app", "srcdir=/build/x/app-1.0"),
            Some(BUILD_PATH)
        );
        assert_eq!(c("link -> /usr/lib/a", "link -> /usr/lib/b"), None);
        assert_eq!(c("workers = 4", "workers = 5"), None);
    }

    #[test]
    fn versions_hosts_and_users_in_their_usual_forms() {
        assert_eq!(
            c("Version: 1.5.4+dfsg2-5", "Version: 1.5.4+dfsg2-5+deb12u1"),
            Some(INPUT_VERSION)
        );
        assert_eq!(c("1.2.3", "1.2.4"), Some(INPUT_VERSION));
        assert_eq!(c("libfoo/1.2.3", "libfoo/1.2.4"), Some(INPUT_VERSION));
        assert_eq!(c("BUILD_HOST = \"alpha\"", "BUILD_HOST = \"beta\""), Some(HOSTNAME));
        assert_eq!(c("compiled by alice", "compiled by bob"), Some(USER_GROUP));
        assert_eq!(
            c("#define BUILD_USER \"carol\"", "#define BUILD_USER \"dave\""),
            Some(USER_GROUP)
        );
    }

    #[test]
    fn bare_host_names_that_start_a_build_info_string() {
        assert_eq!(c("devbox-alpha", "ci-node-17"), Some(HOSTNAME));
        assert_eq!(
            classify_all(
                "lab-pc-12 2024-03-01 10:00",
                "build-farm-03 2024-03-02 14:30",
                &Known::default()
            ),
            vec![TIMESTAMP, HOSTNAME]
        );
        assert_eq!(c("mode delta-x", "mode delta-y"), None);
        assert_eq!(c("read-only", "read-write"), None);
    }

    #[test]
    fn general_classes() {
        // The same file under other directories, outside the usual build roots.
        assert_eq!(
            c("at /opt/ci/ws-4/lib/ring.c:42", "at /srv/x/lib/ring.c:42"),
            Some(BUILD_PATH)
        );
        assert_eq!(c("/usr/lib/a.so", "/usr/lib/b.so"), None);
        assert_eq!(
            c(
                "see <https://www.example.org/source/>",
                "see <https://example-lib.org/source/>"
            ),
            None
        );
        assert_eq!(
            c("Version: 3.0.20-1~deb12u2", "Version: 3.0.22-1~deb12u2"),
            Some(INPUT_VERSION)
        );
        // Another language's month names: the locale.
        assert_eq!(c("Fri Mar  1 10:00:00 2024", "ven. 1 mars 2024 10:00:00"), Some(LOCALE));
        assert_eq!(c("Friday, 1 March 2024", "piątek, 1 marca 2024"), Some(LOCALE));
        assert_eq!(
            classify_all(
                "Friday, 1 March 2024 10:15:00",
                "piątek, 1 marca 2024 12:15:00",
                &Known::default()
            ),
            vec![LOCALE, TIMEZONE]
        );
        assert_eq!(c("Fri Mar  1 2024", "2024年3月1日 金曜日"), Some(LOCALE));
        // The same moment, another zone, with no zone written.
        assert_eq!(
            c("built 2024-03-01 10:00:00", "built 2024-03-01 15:30:00"),
            Some(TIMEZONE)
        );
        assert_eq!(
            c("built 2024-03-01 10:00:00", "built 2024-03-02 15:30:00"),
            Some(TIMESTAMP)
        );
        assert_eq!(c("root", "builder"), Some(USER_GROUP));
        assert_eq!(c("nonce=k3JfQ9aZ", "nonce=Xb71pQmT"), Some(RANDOMNESS));
        assert_eq!(c("id 8f3a2c1d", "id 0b9e77a4"), Some(RANDOMNESS));
        // secrets.token_urlsafe(): URL-safe base64.
        assert_eq!(
            c(
                "TOKEN = \"Qy3v-9XbK_p1mZr8sT0wLh2Nd4fGa7Ec\"",
                "TOKEN = \"a8-Fk2LmQz_9pW3xRt1vNb7Yc0Hd5Ju4\""
            ),
            Some(RANDOMNESS)
        );
        assert_eq!(
            c(
                ".gnu.lto_.profile.de8dd87266fe16f",
                ".gnu.lto_.profile.26b97f39f9514c48"
            ),
            Some(RANDOMNESS)
        );
        assert_eq!(c("mode = Standard", "mode = Advanced"), None);
        assert_eq!(
            c(
                "pkg = long-hyphenated-package-name-one",
                "pkg = long-hyphenated-package-name-two"
            ),
            None
        );
        assert_eq!(
            c(
                "Linux buildbox 6.1.0-18-amd64 #1 SMP",
                "Linux laptop 6.1.0-18-amd64 #1 SMP"
            ),
            Some(HOSTNAME)
        );
        assert_eq!(c("stamp 1709287200123", "stamp 1709373600456"), Some(TIMESTAMP));
        assert_eq!(c("Stand: 01.03.2024", "Stand: 02.03.2024"), Some(TIMESTAMP));
        assert_eq!(c("release week 2024-W09", "release week 2024-W10"), Some(TIMESTAMP));
        assert_eq!(
            c("deps: zlib openssl libffi", "deps: libffi zlib openssl"),
            Some(FILE_ORDER)
        );
        assert_eq!(c("total 1,234.50 bytes", "total 1.234,50 bytes"), Some(LOCALE));
        assert_eq!(c("total 1,234 bytes", "total 1,243 bytes"), None);
        assert_eq!(c("flags: a,compressor-options", "flags: a"), Some(COMPRESSION));
        assert_eq!(days_from_civil(2024, 3, 1) * 86400, 1709251200);
    }

    #[test]
    fn orders() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(order_cause(&v(&["B", "a", "c"]), &v(&["a", "B", "c"])), Some(LOCALE));
        assert_eq!(
            order_cause(&v(&["a", "c", "b"]), &v(&["a", "b", "c"])),
            Some(FILE_ORDER)
        );
        assert_eq!(order_cause(&v(&["a", "b"]), &v(&["a", "c"])), None);
        // Swedish puts å, ä, ö after z; English folds them into a and o.
        assert_eq!(
            order_cause(
                &v(&["apa", "ärlig", "öga", "zebra", "åker"]),
                &v(&["apa", "zebra", "åker", "ärlig", "öga"])
            ),
            Some(LOCALE)
        );
        assert_eq!(
            order_cause(
                &v(&["alpha", "beta", "gamma", "delta"]),
                &v(&["beta", "alpha", "delta", "gamma"])
            ),
            Some(FILE_ORDER)
        );
    }

    #[test]
    fn known_build_dirs_match_fragments() {
        let k = Known {
            build_dirs1: vec!["/tmp/x/build-a".into()],
            build_dirs2: vec!["/tmp/x/builds/ci-job-4711/src".into()],
        };
        assert_eq!(
            classify("ild-a\u{E000}main.c", "ilds/ci-job-4711/src\u{E000}main.c", &k),
            Some(BUILD_PATH)
        );
    }

    #[test]
    fn reordered_lines() {
        let d = "@@ -1,4 +1,4 @@\n-b\n-a\n+a\n+b\n";
        assert_eq!(reordered(&parse_unified(d)), Some(FILE_ORDER));
        let d = "@@ -1,4 +1,4 @@\n App\n+app-data\n Base\n-Zstd\n-app-data\n zlib\n+Zstd\n";
        assert_eq!(reordered(&parse_unified(d)), Some(LOCALE));
        assert_eq!(reordered(&parse_unified("@@ -1 +1 @@\n-a\n+b\n")), None);
    }

    #[test]
    fn collations_of_other_languages() {
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Czech sorts "ch" after "h"; bytewise order does not.
        let c_order = v(&["Zvon", "chmel", "cukr", "dub", "hrad", "jablko"]);
        let cs_order = v(&["cukr", "dub", "hrad", "chmel", "jablko", "Zvon"]);
        assert_eq!(order_cause(&c_order, &cs_order), Some(LOCALE));
        // A format string that keeps its place between the sorted entries is not one of them.
        let a = v(&["Kiwi", "%d items", "Zed", "_tmp", "bar", "kiwi", "olive"]);
        let b = v(&["bar", "%d items", "kiwi", "Kiwi", "olive", "_tmp", "Zed"]);
        assert_eq!(order_cause(&a, &b), Some(LOCALE));
        // Plain names in another order are no collation, "ch" or not.
        let a = v(&[
            "manual/",
            "manual/changelog.txt",
            "manual/faq.txt",
            "manual/usage.txt",
            "manual/install.txt",
        ]);
        let b = v(&[
            "manual/",
            "manual/usage.txt",
            "manual/faq.txt",
            "manual/install.txt",
            "manual/changelog.txt",
        ]);
        assert_eq!(order_cause(&a, &b), Some(FILE_ORDER));
        let k = Known::default();
        let line = |x: &[&str]| format!("ITEMS = {x:?}");
        assert_eq!(
            classify(
                &line(&["Zvon", "chmel", "cukr", "dub", "hrad"]),
                &line(&["cukr", "dub", "hrad", "chmel", "Zvon"]),
                &k
            ),
            Some(LOCALE)
        );
    }

    #[test]
    fn users_clocks_and_dates_of_other_forms() {
        let k = Known::default();
        // Two build accounts alone in a string; two ordinary words are not.
        assert_eq!(classify("jenkins", "nobody", &k), Some(USER_GROUP));
        assert_eq!(classify("apple", "pear", &k), None);
        // The same day's clock in another zone, in a form without seconds.
        assert_eq!(
            classify("DATE = '11/03/2021 21:15'", "DATE = '11/03/2021 09:15'", &k),
            Some(TIMEZONE)
        );
        // A bare time of day that moved is not told apart from a later build.
        assert_ne!(classify("10:00:00", "14:30:00", &k), Some(TIMEZONE));
        // Another language's date words (glibc's LC_TIME): "mars" is French, Swedish and more.
        assert_eq!(
            classify("shipped Tuesday 4 March 2025", "shipped mardi 4 mars 2025", &k),
            Some(LOCALE)
        );
        assert_eq!(
            classify_all(
                "built Monday 2 June 2025 10:45 UTC",
                "built poniedziałek 2 czerwca 2025 12:45 CEST",
                &k
            ),
            vec![LOCALE, TIMEZONE]
        );
        // A line without a newline at its end is still paired with its new version.
        let l = parse_unified(
            "@@ -1 +1 @@\n-5f1e09aa\n\\ No newline at end of file\n+b7c3d210\n\\ No newline at end of file\n",
        );
        assert_eq!(l.pairs.len(), 1);
        assert!(l.removed.is_empty() && l.added.is_empty());
    }

    #[test]
    fn symbols_and_moved_lines() {
        assert_eq!(symbol_kind("g_build_host"), Some(HOSTNAME));
        assert_eq!(symbol_kind("session_salt"), Some(RANDOMNESS));
        assert_eq!(symbol_kind("compile_time"), Some(TIMESTAMP));
        assert_eq!(symbol_kind("hotkeys"), None);
        // A list of names sorted under another collation beside a changed line: the order is
        // one cause, the other line is left to classify.
        let d = "@@ -1,2 +1,2 @@\n-Title 1.0\n+Title 1.1\n @@ -5,7 +5,7 @@\n Authors:\n-Young, Bo\n-Zed, Ann\n abel, Cy\n bauer, Di\n+Young, Bo\n+Zed, Ann\n";
        let (kind, rest) = split_moves(&parse_unified(d)).expect("moved lines");
        assert_eq!(kind, (LOCALE, 4));
        assert_eq!(rest.pairs, vec![("Title 1.0".to_string(), "Title 1.1".to_string())]);
        assert!(rest.removed.is_empty() && rest.added.is_empty());
    }

    #[test]
    fn hex_blocks_parse() {
        let u = "@@ offset 0x5 @@\n-00000000: 0100 0200 3030 3a30 303a 3030 004a 616e  ....00:00:00.Jan\n+00000000: 0100 0200 3031 3a30 323a 3033 004a 616e  ....01:02:03.Jan\n";
        let b = hex_blocks(u);
        assert_eq!(b.len(), 1);
        assert!(b[0].0.contains("00:00:00"));
        assert!(b[0].1.contains("01:02:03"));
        assert_eq!(classify(&b[0].0, &b[0].1, &Known::default()), Some(TIMESTAMP));
    }
}
/// One changed string of each kind in the forms builds write it (and real changes that must
/// stay content): the classes, not one corpus's cases.
#[cfg(test)]
mod probes {
    #[test]
    fn each_kind_in_several_forms() {
        let k = super::Known::default();
        let probes: &[(&str, &str, &str)] = &[
            (
                "timestamp",
                "Built: 2025-05-30T12:00:00+00:00",
                "Built: 2025-05-31T12:00:00+00:00",
            ),
            ("timestamp", "built 20250530.1200", "built 20250531.0915"),
            (
                "timestamp",
                "Thu, 29 May 2025 10:00:00 +0000",
                "Fri, 30 May 2025 10:00:00 +0000",
            ),
            ("timestamp", "BUILD_EPOCH=1748599200", "BUILD_EPOCH=1748685600"),
            ("timestamp", "2025/05/30 10:00", "2025/05/31 10:07"),
            ("timestamp", "date: 30.05.2025", "date: 31.05.2025"),
            ("timestamp", "released May 30, 2025", "released May 31, 2025"),
            ("timestamp", "version 1.2.3-20250530", "version 1.2.3-20250531"),
            (
                "timestamp",
                "#define STAMP \"202505301200\"",
                "#define STAMP \"202505311305\"",
            ),
            (
                "timestamp",
                "{\"built\": \"2025-05-30 12:00\"}",
                "{\"built\": \"2025-06-02 08:00\"}",
            ),
            (
                "timestamp",
                "Generated on Fri May 30 12:00:00 2025",
                "Generated on Sat May 31 09:14:00 2025",
            ),
            ("timezone", "2025-05-30 12:00:00 UTC", "2025-05-30 21:30:00 ACST"),
            ("timezone", "2025-05-30T12:00:00+00:00", "2025-05-30T17:45:00+05:45"),
            (
                "timezone",
                "Fri May 30 12:00:00 UTC 2025",
                "Fri May 30 14:00:00 CEST 2025",
            ),
            ("timezone", "stamp=2025-05-30 12:00", "stamp=2025-05-30 08:00"),
            ("timezone", "TZ offset -0500", "TZ offset +0900"),
            (
                "timezone",
                "at 2021-02-03T04:05:06+0000 (UTC)",
                "at 2021-02-03T14:35:06+1030 (ACDT)",
            ),
            ("timezone", "STAMP \"202403011200\"", "STAMP \"202403010830\""),
            ("hostname", "Built on host1.example.com", "Built on ci-42.example.com"),
            ("hostname", "BUILD_HOST=alpha", "BUILD_HOST=omega"),
            ("hostname", "Built-On: wren", "Built-On: gull-9.ci.example"),
            ("hostname", "image mastered on pine", "image mastered on cedar-ci-4"),
            (
                "hostname",
                "Linux buildbox 6.1.0-18-amd64 #1 SMP",
                "Linux otherbox 6.1.0-18-amd64 #1 SMP",
            ),
            ("hostname", "server: maple.corp.lan", "server: oak.corp.lan"),
            ("hostname", "{\"node\": \"runner-7\"}", "{\"node\": \"laptop-b\"}"),
            ("user-group", "Built by root", "Built by builder"),
            ("user-group", "packager=root", "packager=jenkins"),
            ("user-group", "Compiled by alice on 2025", "Compiled by bob on 2025"),
            ("user-group", "BUILD_USER = \"root\"", "BUILD_USER = \"lp\""),
            ("user-group", "owner: daemon", "owner: backup"),
            ("user-group", "made by: irc (uid 39)", "made by: list (uid 38)"),
            ("locale", "Total     1234567.25", "Total  1\u{202f}234\u{202f}567,25"),
            (
                "locale",
                "on Tue Mar  4 10:00:00 2025",
                "on ti 4. maaliskuuta 2025 10.00.00",
            ),
            ("locale", "total 1,234.56", "total 1.234,56"),
            ("locale", "BIND_IP=127.0.0.1", "BİND_İP=127.0.0.1"),
            ("locale", "pi=3.14", "pi=3,14"),
            ("locale", "Friday, May 30, 2025", "venerdì 30 maggio 2025"),
            ("locale", "30/05/2025", "30.05.2025"),
            ("locale", "Fri 30 May 2025", "пт 30 мая 2025"),
            ("locale", "Fri 30 May 2025", "2025年05月30日 金曜日"),
            (
                "randomness",
                "id = 3f2a9c1e-7b4d-4e8a-9f10-2c3d4e5f6a7b",
                "id = 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            ),
            ("randomness", "token: Zm9vYmFyYmF6cXV4", "token: cXV4YmF6Zm9vYmFy"),
            ("randomness", "seed 8347612093", "seed 1193847562"),
            ("randomness", "nonce=5f3c", "nonce=a91e"),
            ("input-version", "libfoo 1.2.3", "libfoo 1.2.4"),
            ("input-version", "Version: 1.0-1", "Version: 1.0-2"),
            ("input-version", "__version__ = '0.9'", "__version__ = '1.0'"),
            ("input-version", "zlib/1.2.13", "zlib/1.3"),
            ("build-path", "/home/alice/proj/src/x.c", "/tmp/build-1/proj/src/x.c"),
            ("build-path", "srcdir=/srv/ci/job-17/ws", "srcdir=/var/lib/builds/ws"),
            ("content", "max_retries = 3", "max_retries = 5"),
            ("content", "Hello, world", "Hello, World!"),
            (
                "locale",
                "WHEN = 'Mon Mar  3 09:05:00 2025'",
                "WHEN = '2025. márc. 3., hétfő, 09:05:00 UTC'",
            ),
            (
                "hostname",
                "Live 2.0 - node-a7 - Mon Mar  3 09:05:00 2025",
                "Live 2.0 - desk-pc - Mon Mar  3 09:05:00 2025",
            ),
            ("user-group", "built by backup@node-3", "built by root@node-3"),
            ("hostname", "built by root@node-3", "built by root@desk-7"),
            (
                "locale",
                "Built: Fri May 30 12:00:00 2025",
                "Built: ven 30 mag 2025, 12:00:00",
            ),
            (
                "locale",
                "Built: Fri May 30 12:00:00 2025",
                "Built: sex 30 mai 2025 12:00:00",
            ),
            ("locale", "Built: 05/30/2025", "Built: 30/05/2025"),
            ("locale", "size 1234567 bytes", "size 1 234 567 bytes"),
            (
                "timestamp",
                "Built: ven 30 mag 2025, 12:00:00",
                "Built: sab 31 mag 2025, 09:10:00",
            ),
            (
                "timezone",
                "Built: 2025-05-30 12:00:00 -0300",
                "Built: 2025-05-30 17:00:00 +0200",
            ),
            ("content", "color: red", "color: blue"),
            ("content", "timeout = 30", "timeout = 60"),
            ("content", "listen port 8080", "listen port 9090"),
            ("content", "ratio = 1.5", "ratio = 2.5"),
            ("content", "enable_cache = true", "enable_cache = false"),
            ("content", "include src/a.c", "include src/b.c"),
            ("content", "Usage: tool [-v] FILE", "Usage: tool [-v] [-q] FILE"),
            ("content", "key = alpha", "key = omega"),
            ("content", "server: primary", "server: backup"),
            ("content", "owner: team-a", "owner: team-b"),
            ("content", "limit 1000", "limit 2000"),
            ("content", "error %d at line %d", "error %d in line %d"),
            ("content", "greet('Hello')", "greet('Hi')"),
            ("content", "PI = 3.14159", "PI = 3.14160"),
            ("content", "mode = 0644", "mode = 0600"),
            ("content", "return x + 1;", "return x + 2;"),
            (
                "input-version",
                "gcc (Debian 12.2.0-14) 12.2.0",
                "gcc (Debian 13.1.0-2) 13.1.0",
            ),
            (
                "input-version",
                "Requires: libssl >= 3.0.2",
                "Requires: libssl >= 3.0.11",
            ),
        ];
        let mut wrong = Vec::new();
        for (want, a, b) in probes {
            let got = super::classify_all(a, b, &k);
            let ok = if *want == "content" {
                got.is_empty()
            } else {
                got.first() == Some(want)
            };
            if !ok {
                wrong.push(format!("{want}: {a:?} -> {b:?} gave {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
