//! ELF against GNU binutils' readelf as the oracle, on files built at test time by gcc, ld and
//! objcopy (Debian packages gcc, binutils, libc6-dev for `-static`, binutils-multiarch for the
//! big-endian objcopy targets).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::field;
use reproscope_formats::elf::{symbol_at, Elf, DYNAMIC, NOTES, OTHER_BYTES, PROGRAM_HEADERS, SYMBOLS};
use reproscope_formats::{Blob, Data, EntryKind, Format, Limits, Member, Opened, Value};

const PACKAGES: &str = "gcc, binutils, binutils-multiarch, libc6-dev";

/// Runs a shell command in `dir`; a failure names the packages the tests need.
fn sh(dir: &Path, cmd: &str) -> String {
    String::from_utf8_lossy(&common::run_sh(cmd, dir, b"", PACKAGES)).into_owned()
}

fn readelf(dir: &Path, args: &str, file: &str) -> String {
    sh(dir, &format!("readelf {args} {file}"))
}

fn open(path: &Path) -> Opened {
    let bytes = std::fs::read(path).unwrap();
    assert!(Elf.identify(&bytes, "x"), "{} is not identified as ELF", path.display());
    Elf.open(&Blob::from_vec(bytes), "x", &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(o: &Opened, name: &str) -> String {
    let m = o
        .members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"));
    match &m.data {
        Some(Data::Blob(b)) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("{other:?}"),
    }
}

fn hexnum(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// readelf's value after `label:` on the first line that has it.
fn after<'a>(out: &'a str, label: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(|r| r.trim_start_matches(':').trim())
}

/// Member names the way elf.rs names sections: `#N` for the N-th use of a name.
fn numbered(names: &[String]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    names
        .iter()
        .map(|n| {
            let c = seen.entry(n).or_default();
            *c += 1;
            if *c == 1 {
                n.clone()
            } else {
                format!("{n}#{c}")
            }
        })
        .collect()
}

struct Section {
    name: String,
    ty: String,
    addr: u64,
    off: u64,
    size: u64,
    flags: String,
    align: i64,
}

/// `readelf -S --wide` rows, without the null section.
fn readelf_sections(dir: &Path, file: &str) -> Vec<Section> {
    let out = readelf(dir, "-S --wide", file);
    let mut rows = Vec::new();
    for line in out.lines() {
        let Some(rest) = line.trim_start().strip_prefix('[') else {
            continue;
        };
        let Some((nr, rest)) = rest.split_once(']') else {
            continue;
        };
        if nr.trim() == "Nr" || nr.trim() == "0" {
            continue;
        }
        let t: Vec<&str> = rest.split_whitespace().collect();
        // Name Type Address Off Size ES [Flg] Lk Inf Al: the flags column may be empty.
        let flags = if t.len() == 10 { t[6].to_string() } else { String::new() };
        rows.push(Section {
            name: t[0].to_string(),
            ty: t[1].to_string(),
            addr: hexnum(t[2]),
            off: hexnum(t[3]),
            size: hexnum(t[4]),
            flags,
            align: t[t.len() - 1].parse().unwrap(),
        });
    }
    rows
}

/// Every section member equals readelf's row: name, type, flags, address, offset, size, align,
/// and the data is the file's bytes at that offset.
fn check_sections(dir: &Path, file: &str, o: &Opened) {
    let rows = readelf_sections(dir, file);
    let names = numbered(&rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>());
    let sections: Vec<&Member> = o.members.iter().filter(|m| !m.name.starts_with('(')).collect();
    assert_eq!(
        sections.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        names,
        "{file}: section names"
    );
    let bytes = std::fs::read(dir.join(file)).unwrap();
    for (r, m) in rows.iter().zip(&sections) {
        assert_eq!(m.kind, EntryKind::Section);
        let ctx = format!("{file}: section {}", m.name);
        assert_eq!(m.field("type"), Some(&Value::Text(r.ty.clone())), "{ctx}");
        assert_eq!(m.field("flags"), Some(&Value::Text(r.flags.clone())), "{ctx}");
        assert_eq!(m.field("address"), Some(&Value::Offset(r.addr)), "{ctx}");
        assert_eq!(m.field("offset"), Some(&Value::Offset(r.off)), "{ctx}");
        assert_eq!(m.field("size"), Some(&Value::Size(r.size)), "{ctx}");
        assert_eq!(m.field("align"), Some(&Value::Int(r.align)), "{ctx}");
        assert_eq!(m.size, r.size, "{ctx}");
        if r.ty == "NOBITS" {
            assert!(m.data.is_none() && m.field("sha256").is_none(), "{ctx}");
        } else {
            let Some(Data::Blob(b)) = &m.data else {
                panic!("{ctx}: no data")
            };
            assert_eq!(&b[..], &bytes[r.off as usize..(r.off + r.size) as usize], "{ctx}");
            assert!(
                matches!(m.field("sha256"), Some(Value::Digest(d)) if d.len() == 64),
                "{ctx}"
            );
        }
    }
}

/// Header fields equal `readelf -h`.
fn check_header(dir: &Path, file: &str, o: &Opened) {
    let h = readelf(dir, "-h", file);
    let get = |l: &str| {
        after(&h, l)
            .unwrap_or_else(|| panic!("readelf -h has no {l}"))
            .to_string()
    };
    assert_eq!(field(o, "class"), Some(&Value::Text(get("Class"))), "{file}");
    let data = get("Data");
    let endian = if data.contains("big endian") { "big" } else { "little" };
    assert_eq!(field(o, "endianness"), Some(&Value::Text(endian.into())), "{file}");
    assert_eq!(field(o, "os-abi"), Some(&Value::Text(get("OS/ABI"))), "{file}");
    assert_eq!(
        field(o, "abi-version"),
        Some(&Value::Int(get("ABI Version").parse().unwrap()))
    );
    let ty = get("Type");
    assert_eq!(
        field(o, "type"),
        Some(&Value::Text(ty.split_whitespace().next().unwrap().into())),
        "{file}"
    );
    assert_eq!(field(o, "machine"), Some(&Value::Text(get("Machine"))), "{file}");
    assert_eq!(
        field(o, "entry"),
        Some(&Value::Offset(hexnum(&get("Entry point address"))))
    );
    let flags = get("Flags");
    assert_eq!(
        field(o, "flags"),
        Some(&Value::Text(flags.split(',').next().unwrap().trim().into())),
        "{file}"
    );
}

/// `readelf -s --wide` as the lines of the `(symbols)` member: per table, sorted.
fn readelf_symbols(dir: &Path, file: &str, o: &Opened) -> String {
    let out = readelf(dir, "-s --wide", file);
    let names: Vec<String> = o
        .members
        .iter()
        .filter(|m| !m.name.starts_with('('))
        .map(|m| m.name.clone())
        .collect();
    let mut result = String::new();
    let mut table: Option<(String, Vec<String>)> = None;
    let flush = |t: &mut Option<(String, Vec<String>)>, result: &mut String| {
        if let Some((name, mut lines)) = t.take() {
            lines.sort();
            result.push_str(&format!("{name} ({} named symbols):\n", lines.len()));
            for l in lines {
                result.push_str(&l);
                result.push('\n');
            }
        }
    };
    for line in out.lines() {
        if let Some(rest) = line.strip_prefix("Symbol table '") {
            flush(&mut table, &mut result);
            table = Some((rest.split('\'').next().unwrap().to_string(), Vec::new()));
            continue;
        }
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 8 || !t[0].ends_with(':') || t[0] == "Num:" {
            continue;
        }
        let name = t[7..].join(" ");
        // readelf adds the version index, e.g. "puts@GLIBC_2.2.5 (2)".
        let name = match name.rsplit_once(" (") {
            Some((n, idx)) if idx.ends_with(')') => n.to_string(),
            _ => name,
        };
        // readelf names section symbols after their section; elf.rs leaves nameless ones out.
        if name.is_empty() || t[3] == "SECTION" {
            continue;
        }
        let section = match t[6] {
            "UND" | "ABS" | "COM" => t[6].to_string(),
            n => names[n.parse::<usize>().unwrap() - 1].clone(),
        };
        let size: u64 = match t[2].strip_prefix("0x") {
            Some(h) => hexnum(h),
            None => t[2].parse().unwrap(),
        };
        let vis = if t[5] == "DEFAULT" {
            String::new()
        } else {
            format!(" {}", t[5])
        };
        let l = format!("  {name} {} {} {section} {:#x} {size}{vis}", t[3], t[4], hexnum(t[1]));
        table.as_mut().expect("a symbol before any table").1.push(l);
    }
    flush(&mut table, &mut result);
    result
}

/// DW_AT_producer and DW_AT_comp_dir values from `readelf --debug-dump=info`, in order.
fn readelf_dwarf(dir: &Path, file: &str) -> (Vec<String>, Vec<String>) {
    let out = readelf(dir, "--debug-dump=info", file);
    let (mut p, mut d) = (Vec::new(), Vec::new());
    for line in out.lines() {
        for (attr, list) in [("DW_AT_producer", &mut p), ("DW_AT_comp_dir", &mut d)] {
            if let Some((_, rest)) = line.split_once(attr) {
                let v = rest.trim_start().trim_start_matches(':').trim_start();
                // "(indirect line string, offset: 0x4): /tmp/x" or a direct string.
                let v = if v.starts_with('(') {
                    v.split_once("): ").unwrap().1
                } else {
                    v
                };
                list.push(v.trim_end().to_string());
            }
        }
    }
    (p, d)
}

fn check_dwarf(dir: &Path, file: &str, o: &Opened) {
    let (producers, dirs) = readelf_dwarf(dir, file);
    assert!(
        !producers.is_empty() && !dirs.is_empty(),
        "{file}: readelf shows no DWARF units"
    );
    assert_eq!(
        field(o, "dwarf.producer"),
        Some(&Value::Text(producers[0].clone())),
        "{file}"
    );
    assert_eq!(
        field(o, "dwarf.comp-dir"),
        Some(&Value::Path(dirs[0].clone())),
        "{file}"
    );
}

fn readelf_comment(dir: &Path, file: &str) -> Vec<String> {
    let out = readelf(dir, "-p .comment", file);
    let mut v: Vec<String> = Vec::new();
    for l in out.lines() {
        if let Some((_, s)) = l.split_once("]  ") {
            if !v.iter().any(|x| x == s) {
                v.push(s.to_string());
            }
        }
    }
    v
}

const HELLO: &str = r#"#include <stdio.h>
static const char greeting[] = "hello, world";
int counter = 3;
int helper(int x) { return x * counter + greeting[x % 5]; }
int main(void) { puts(greeting); return helper(2) > 1000; }
"#;

#[test]
fn pie_executable_equals_readelf() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    sh(
        d,
        "gcc -g -O1 -c hello.c && gcc -pie -fPIE -Wl,--build-id=sha1 -o hello hello.o",
    );
    let o = open(&d.join("hello"));
    check_header(d, "hello", &o);
    assert_eq!(field(&o, "type"), Some(&Value::Text("DYN".into())));
    check_sections(d, "hello", &o);

    let notes = readelf(d, "-n", "hello");
    let id = after(&notes, "Build ID").unwrap();
    assert_eq!(id.len(), 40, "sha1 build ID");
    assert_eq!(field(&o, "build-id"), Some(&Value::Digest(id.into())));
    assert!(
        text(&o, NOTES).contains(&format!("GNU NT_GNU_BUILD_ID (0x3) {id}")),
        "{}",
        text(&o, NOTES)
    );

    let l = readelf(d, "-l --wide", "hello");
    let interp = l
        .split("[Requesting program interpreter: ")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap();
    assert_eq!(field(&o, "interpreter"), Some(&Value::Path(interp.into())));
    let ph = text(&o, PROGRAM_HEADERS);
    assert!(
        ph.contains(&format!("[Requesting program interpreter: {interp}]")),
        "{ph}"
    );
    let count = after(&l, "There are")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<usize>()
        .unwrap();
    assert_eq!(
        ph.lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter(|l| !l.starts_with(' '))
            .count(),
        count
    );

    let dynamic = readelf(d, "-d", "hello");
    assert!(dynamic.contains("Shared library: [libc.so.6]"), "{dynamic}");
    assert_eq!(field(&o, "needed"), Some(&Value::Text("libc.so.6".into())));
    assert!(text(&o, DYNAMIC).lines().any(|l| l == "NEEDED libc.so.6"));
    assert_eq!(field(&o, "soname"), None);

    let comment = readelf_comment(d, "hello");
    assert!(comment[0].starts_with("GCC: ("), "{comment:?}");
    assert_eq!(field(&o, "comment"), Some(&Value::Text(comment.join("; "))));

    check_dwarf(d, "hello", &o);
    assert_eq!(
        field(&o, "dwarf.comp-dir"),
        Some(&Value::Path(d.to_str().unwrap().into()))
    );

    assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, "hello", &o));
    assert!(text(&o, SYMBOLS).contains("  main FUNC GLOBAL .text 0x"));
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    assert_padding_is_zero(&o);
}

#[test]
fn build_id_none_has_no_build_id() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    sh(d, "gcc -Wl,--build-id=none -o hello hello.c");
    assert!(!readelf(d, "-n", "hello").contains("Build ID"));
    let o = open(&d.join("hello"));
    assert_eq!(field(&o, "build-id"), None);
    assert!(!o.members.iter().any(|m| m.name == ".note.gnu.build-id"));
    check_sections(d, "hello", &o);
    assert!(field(&o, "dwarf.producer").is_none(), "built without -g");
}

#[test]
fn shared_library_soname_runpath_rpath() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(
        d,
        "lib.c",
        "int answer(void) { return 42; }\nint twice(int x) { return 2 * x; }\n",
    );
    sh(
        d,
        "gcc -shared -fPIC -Wl,-soname,libx.so.1 -Wl,-rpath,/opt/x/lib:/opt/y -Wl,--enable-new-dtags -o libx.so.1 lib.c && \
         gcc -shared -fPIC -Wl,-rpath,/old/path -Wl,--disable-new-dtags -o libold.so lib.c",
    );
    let o = open(&d.join("libx.so.1"));
    check_header(d, "libx.so.1", &o);
    check_sections(d, "libx.so.1", &o);
    let dynamic = readelf(d, "-d", "libx.so.1");
    assert!(dynamic.contains("Library soname: [libx.so.1]"), "{dynamic}");
    assert!(dynamic.contains("Library runpath: [/opt/x/lib:/opt/y]"), "{dynamic}");
    assert_eq!(field(&o, "soname"), Some(&Value::Text("libx.so.1".into())));
    assert_eq!(field(&o, "runpath"), Some(&Value::Path("/opt/x/lib:/opt/y".into())));
    assert_eq!(field(&o, "rpath"), None);
    assert_eq!(field(&o, "interpreter"), None);
    assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, "libx.so.1", &o));

    let old = open(&d.join("libold.so"));
    assert!(readelf(d, "-d", "libold.so").contains("Library rpath: [/old/path]"));
    assert_eq!(field(&old, "rpath"), Some(&Value::Path("/old/path".into())));
    assert_eq!(field(&old, "runpath"), None);
    assert_eq!(field(&old, "soname"), None);
}

#[test]
fn relocatable_objects_read_dwarf_through_relocations() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    // DWARF 5 (line_strp), DWARF 4 (strp) and -g3 (COMDAT groups of .debug_macro: repeated names).
    sh(
        d,
        "gcc -g -c -o v5.o hello.c && gcc -gdwarf-4 -c -o v4.o hello.c && gcc -g3 -c -o macro.o hello.c",
    );
    for file in ["v5.o", "v4.o", "macro.o"] {
        let o = open(&d.join(file));
        check_header(d, file, &o);
        assert_eq!(field(&o, "type"), Some(&Value::Text("REL".into())));
        check_sections(d, file, &o);
        check_dwarf(d, file, &o);
        assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, file, &o), "{file}");
        assert!(
            o.members.iter().all(|m| m.name != PROGRAM_HEADERS),
            "{file}: no program headers"
        );
        assert!(o.notes.is_empty(), "{file}: {:?}", o.notes);
    }
    let macro_o = open(&d.join("macro.o"));
    assert!(
        macro_o.members.iter().any(|m| m.name == ".debug_macro#2"),
        "repeated names are numbered"
    );
    assert!(macro_o.members.iter().any(|m| m.name == ".group#2"));
}

#[test]
fn split_dwarf_skeleton_and_dwo() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    // The skeleton unit in the .o has the directory; the .dwo has the producer as DW_FORM_strx.
    sh(d, "gcc -g -gsplit-dwarf -c -o split.o hello.c");
    let o = open(&d.join("split.o"));
    // readelf follows the link into split.dwo too; the skeleton's unit comes first.
    let (_, dirs) = readelf_dwarf(d, "split.o");
    assert_eq!(field(&o, "dwarf.comp-dir"), Some(&Value::Path(dirs[0].clone())));
    assert_eq!(field(&o, "dwarf.producer"), None, "the skeleton unit names no producer");
    let dwo = open(&d.join("split.dwo"));
    check_sections(d, "split.dwo", &dwo);
    // readelf 2.40 resolves a .dwo's indexed strings without skipping the 8-byte header of
    // .debug_str_offsets.dwo (it shows "main" as the producer), so take the index from its
    // info dump and the string from its own dump of the offsets table.
    let info = readelf(d, "--debug-dump=info", "split.dwo");
    let index = |attr: &str| -> usize {
        let l = info.lines().find(|l| l.contains(attr)).unwrap();
        let i = l.split("(indexed string: ").nth(1).unwrap().split(')').next().unwrap();
        hexnum(i) as usize
    };
    let table = readelf(d, "--debug-dump=str", "split.dwo");
    let entry = |i: usize| -> String {
        let l = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&i.to_string()))
            .unwrap_or_else(|| panic!("no entry {i} in {table}"));
        // "   3 00000018  GNU C17 ...": index, offset, two spaces, the string.
        l.trim_start().split_once("  ").unwrap().1.trim().to_string()
    };
    let producer = entry(index("DW_AT_producer"));
    assert!(producer.starts_with("GNU C"), "{producer}");
    assert_eq!(field(&dwo, "dwarf.producer"), Some(&Value::Text(producer)));
    assert_eq!(
        field(&dwo, "dwarf.comp-dir"),
        Some(&Value::Path(entry(index("DW_AT_comp_dir"))))
    );
    assert!(
        o.notes.is_empty() && dwo.notes.is_empty(),
        "{:?} {:?}",
        o.notes,
        dwo.notes
    );
}

#[test]
fn compressed_debug_sections_are_inflated() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    sh(
        d,
        "gcc -g -gz=zlib -o gz hello.c && gcc -g -c -o plain.o hello.c && \
         objcopy --compress-debug-sections=zlib-gnu plain.o zdebug.o && \
         objcopy --compress-debug-sections=zstd plain.o zstd.o",
    );
    let zs = open(&d.join("zstd.o"));
    let info = zs.members.iter().find(|m| m.name == ".debug_info").unwrap();
    assert!(matches!(info.field("flags"), Some(Value::Text(f)) if f.contains('C')));
    check_dwarf(d, "zstd.o", &zs);
    assert!(zs.notes.is_empty(), "{:?}", zs.notes);
    let gz = open(&d.join("gz"));
    let info = gz.members.iter().find(|m| m.name == ".debug_info").unwrap();
    assert!(matches!(info.field("flags"), Some(Value::Text(f)) if f.contains('C')));
    check_sections(d, "gz", &gz);
    check_dwarf(d, "gz", &gz);
    let z = open(&d.join("zdebug.o"));
    assert!(
        z.members.iter().any(|m| m.name == ".zdebug_info"),
        "objcopy wrote .zdebug_ sections"
    );
    check_dwarf(d, "zdebug.o", &z);
    assert!(
        gz.notes.is_empty() && z.notes.is_empty(),
        "{:?} {:?}",
        gz.notes,
        z.notes
    );
}

#[test]
fn static_executable() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    assert!(
        Path::new("/usr/lib/x86_64-linux-gnu/libc.a").exists(),
        "gcc -static needs libc.a from the Debian package libc6-dev"
    );
    sh(d, "gcc -static -g -o hello hello.c");
    let o = open(&d.join("hello"));
    check_header(d, "hello", &o);
    assert_eq!(field(&o, "type"), Some(&Value::Text("EXEC".into())));
    check_sections(d, "hello", &o);
    assert_eq!(field(&o, "interpreter"), None);
    assert_eq!(field(&o, "needed"), None);
    let id = after(&readelf(d, "-n", "hello"), "Build ID").unwrap().to_string();
    assert_eq!(field(&o, "build-id"), Some(&Value::Digest(id)));
    assert_eq!(
        field(&o, "comment"),
        Some(&Value::Text(readelf_comment(d, "hello").join("; ")))
    );
    check_dwarf(d, "hello", &o);
    assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, "hello", &o));
    assert_padding_is_zero(&o);
}

#[test]
fn i386_object_and_executable_with_rel_relocations() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // Freestanding: no 32-bit libc needed; i386 objects use REL (implicit addend) relocations.
    write(
        d,
        "tiny.c",
        "static const char msg[] = \"tiny\";\nint counter;\nint get(int i) { return msg[i] + counter; }\nvoid _start(void) { for (;;) get(counter); }\n",
    );
    sh(
        d,
        "gcc -m32 -ffreestanding -fno-pic -g -O1 -c tiny.c -o tiny.o && ld -m elf_i386 -e _start -o tiny tiny.o",
    );
    for file in ["tiny.o", "tiny"] {
        let o = open(&d.join(file));
        assert_eq!(field(&o, "class"), Some(&Value::Text("ELF32".into())));
        check_header(d, file, &o);
        check_sections(d, file, &o);
        check_dwarf(d, file, &o);
        assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, file, &o), "{file}");
        assert!(o.notes.is_empty(), "{file}: {:?}", o.notes);
    }
    let o = open(&d.join("tiny"));
    assert!(text(&o, PROGRAM_HEADERS).contains("LOAD "));
}

#[test]
fn objcopy_objects_of_both_byte_orders() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "payload.bin", "big-endian payload\n");
    write(d, "comment.txt", "reproscope test\0other\0");
    write(d, "app.debug", "pretend debug info\n");
    for (file, target, arch, big) in [
        ("ppc.o", "elf32-powerpc", "powerpc", true),
        ("ppc64.o", "elf64-powerpc", "powerpc:common64", true),
        ("s390.o", "elf64-s390", "s390:64-bit", true),
        ("x86.o", "elf64-x86-64", "i386:x86-64", false),
    ] {
        sh(
            d,
            &format!(
                "objcopy -I binary -O {target} -B {arch} payload.bin tmp.o && \
                 objcopy --add-section .comment=comment.txt --add-gnu-debuglink=app.debug tmp.o {file}"
            ),
        );
        let o = open(&d.join(file));
        let endian = if big { "big" } else { "little" };
        assert_eq!(field(&o, "endianness"), Some(&Value::Text(endian.into())), "{file}");
        check_header(d, file, &o);
        check_sections(d, file, &o);
        assert_eq!(text(&o, SYMBOLS), readelf_symbols(d, file, &o), "{file}");
        assert!(text(&o, SYMBOLS).contains("_binary_payload_bin_start NOTYPE GLOBAL .data 0x0 0"));
        assert_eq!(
            field(&o, "comment"),
            Some(&Value::Text("reproscope test; other".into()))
        );
        let links = readelf(d, "--debug-dump=links", file);
        assert!(links.contains("Separate debug info file: app.debug"), "{links}");
        assert_eq!(
            field(&o, "gnu-debuglink"),
            Some(&Value::Path("app.debug".into())),
            "{file}"
        );
        // readelf 2.40 prints a big-endian file's CRC byte-swapped; the value is the CRC-32 of
        // the debug file, stored in the file's byte order (objcopy writes it so).
        let crc = crc32fast::hash(&std::fs::read(d.join("app.debug")).unwrap());
        assert_eq!(
            field(&o, "gnu-debuglink.crc"),
            Some(&Value::Digest(format!("{crc:08x}"))),
            "{file}"
        );
        let shown = hexnum(after(&links, "CRC value").unwrap());
        if big {
            assert_eq!(shown, u64::from(crc.swap_bytes()));
        } else {
            assert_eq!(shown, u64::from(crc));
        }
    }
}

#[test]
fn units_from_two_directories_list_both() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir_all(d.join("one")).unwrap();
    std::fs::create_dir_all(d.join("two")).unwrap();
    write(&d.join("one"), "a.c", "int a(void) { return 1; }\n");
    write(&d.join("two"), "b.c", "int a(void);\nint main(void) { return a(); }\n");
    sh(&d.join("one"), "gcc -g -c a.c");
    sh(&d.join("two"), "gcc -g -c b.c");
    sh(d, "gcc -o prog one/a.o two/b.o");
    let o = open(&d.join("prog"));
    let (_, dirs) = readelf_dwarf(d, "prog");
    let one = d.join("one").to_str().unwrap().to_string();
    let two = d.join("two").to_str().unwrap().to_string();
    assert_eq!(dirs, [one.clone(), two.clone()]);
    check_dwarf(d, "prog", &o);
    assert!(
        o.notes
            .contains(&format!("2 distinct DWARF compilation directories: {one}; {two}")),
        "{:?}",
        o.notes
    );
}

#[test]
fn core_file_from_the_kernel() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "crash.c", "#include <stdlib.h>\nint main(void) { abort(); }\n");
    sh(d, "gcc -o crash crash.c");
    // The kernel writes "core" in the working directory when kernel.core_pattern is "core".
    let _ = Command::new("sh")
        .args(["-c", "ulimit -c unlimited && exec ./crash"])
        .current_dir(d)
        .output();
    let core = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("core"))
        .unwrap_or_else(|| {
            panic!(
                "no core file written; kernel.core_pattern is {:?} (this test needs it to write `core` in the working directory)",
                std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default()
            )
        });
    let name = core.file_name().to_string_lossy().into_owned();
    let o = open(&core.path());
    check_header(d, &name, &o);
    assert_eq!(field(&o, "type"), Some(&Value::Text("CORE".into())));
    let notes = text(&o, NOTES);
    assert!(notes.contains("CORE NT_PRSTATUS (0x1)"), "{notes}");
    assert!(notes.contains("CORE NT_FILE (0x46494c45)"), "{notes}");
    let l = readelf(d, "-l --wide", &name);
    let count = after(&l, "There are")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse::<usize>()
        .unwrap();
    assert_eq!(
        text(&o, PROGRAM_HEADERS)
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with(' '))
            .count(),
        count
    );
    let other = o
        .members
        .iter()
        .find(|m| m.name == "(other bytes)")
        .expect("memory dumps listed");
    assert!(other.size > 0);
}

/// ld pads between sections with zeros: `(other bytes)` is listed (so that bytes written into
/// the padding compare as a change of it) and holds only zeros.
fn assert_padding_is_zero(o: &Opened) {
    let other = o
        .members
        .iter()
        .find(|m| m.name == OTHER_BYTES)
        .expect("padding listed");
    // Several gaps are joined when loaded.
    let b = other.data.as_ref().expect("padding has data").load().unwrap();
    assert!(!b.is_empty() && b.iter().all(|&x| x == 0), "ld pads with zeros only");
}

#[test]
fn symbol_at_names_the_covering_symbol() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "hello.c", HELLO);
    sh(d, "gcc -O1 -c hello.c && gcc -o hello hello.o");
    let syms = readelf(d, "-s --wide", "hello.o");
    let line = syms.lines().find(|l| l.ends_with(" main")).unwrap();
    let t: Vec<&str> = line.split_whitespace().collect();
    let (value, size) = (hexnum(t[1]), t[2].parse::<u64>().unwrap());
    assert!(size > 4);
    let obj = std::fs::read(d.join("hello.o")).unwrap();
    assert_eq!(symbol_at(&obj, ".text", value + 4), Some(("main".into(), 4)));
    assert_eq!(symbol_at(&obj, ".text", value), Some(("main".into(), 0)));

    let exe = std::fs::read(d.join("hello")).unwrap();
    let rows = readelf_sections(d, "hello");
    let text_addr = rows.iter().find(|r| r.name == ".text").unwrap().addr;
    let syms = readelf(d, "-s --wide", "hello");
    let line = syms.lines().find(|l| l.ends_with(" main")).unwrap();
    let main = hexnum(line.split_whitespace().nth(1).unwrap());
    let helper = syms.lines().find(|l| l.ends_with(" helper")).unwrap();
    let helper = hexnum(helper.split_whitespace().nth(1).unwrap());
    assert_eq!(symbol_at(&exe, ".text", main - text_addr + 3), Some(("main".into(), 3)));
    assert_eq!(
        symbol_at(&exe, ".text", helper - text_addr + 1),
        Some(("helper".into(), 1))
    );
    let rodata = rows.iter().find(|r| r.name == ".rodata").unwrap();
    let greeting = syms.lines().find(|l| l.ends_with(" greeting")).unwrap();
    let greeting = hexnum(greeting.split_whitespace().nth(1).unwrap());
    assert_eq!(
        symbol_at(&exe, ".rodata", greeting - rodata.addr + 7),
        Some(("greeting".into(), 7))
    );
    let text_size = rows.iter().find(|r| r.name == ".text").unwrap().size;
    assert_eq!(symbol_at(&exe, ".text", text_size), None, "past the section");
    assert_eq!(symbol_at(&exe, ".nope", 0), None);
    assert_eq!(symbol_at(b"not elf", ".text", 0), None);
}
