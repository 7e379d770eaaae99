//! Decoded pyc code objects, from the python3 on PATH (Debian package `python3`; 3.11 on
//! Debian 12, so the 3.11 layout is the one checked against a real interpreter here): the
//! listing agrees with what Python itself says about every code object; a module compiled in
//! two directories differs only in its filename lines; a changed constant is its line; a
//! damaged code object falls back to bytes.

mod common;

use std::path::Path;

use reproscope_diff::{compare_paths, Difference, Options};
use reproscope_formats::pyc::{Pyc, CODE};
use reproscope_formats::{Blob, Data, Format, Limits};

const PYTHON: &str = "python3";

/// Nested functions, a class, a lambda pair, closures, keyword-only and positional-only
/// arguments, try/except, and constants of every kind marshal stores.
fn source(greeting: &str, ratio: &str) -> String {
    format!(
        r#""""A module."""
import os

GREETING = {greeting:?}
RATIO = {ratio}
NUMBERS = (1, -3, 2**40, 10**30, -(2**100), 0.1, -0.0, 1e100, 1e-7, 1e999, 2j, 1-2j)
TEXTS = ('quote\'s', "dou\"ble", 'both\'"', 'tab\tnl\n\x00\x7f', 'é€𝄞', b'by\x00\'te')
MISC = (None, True, False, ..., ((), (1,), ('nested', (2.5,))))


def outer(a, /, b, *args, c=1, **kw):
    y = 'inner'

    def inner(z):
        return y + z + GREETING

    return inner, lambda q: q * RATIO, lambda r: r in {{1, 2, 3}}


class Thing:
    def method(self, value=os.sep):
        try:
            return len(value)
        except TypeError as e:
            raise ValueError(str(e)) from e

    async def later(self):
        return [x async for x in self]

    def gen(self):
        yield from range(3)
"#
    )
}

fn run(cmd: &str, dir: &Path) {
    common::sh(cmd, dir, PYTHON);
}

/// Writes `<dir>/pkg/mod.py` and compiles it with compileall to a checked-hash pyc (so the
/// header depends on the source only), copied to `out`.
fn compile(dir: &Path, src: &str, out: &Path) {
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("pkg/mod.py"), src).unwrap();
    run(
        &format!(
            "{PYTHON} -m compileall -q --invalidation-mode checked-hash {} && cp {}/pkg/__pycache__/mod.*.pyc {}",
            dir.join("pkg").display(),
            dir.display(),
            out.display()
        ),
        dir,
    );
}

fn listing(pyc: &Path) -> String {
    let blob = Blob::from_vec(std::fs::read(pyc).unwrap());
    let o = Pyc.open(&blob, "mod.pyc", &Limits::default()).unwrap();
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    let m = o.members.iter().find(|m| m.name == CODE).unwrap();
    match &m.data {
        Some(Data::Blob(b)) => String::from_utf8(b.to_vec()).expect("the listing is text"),
        other => panic!("{other:?}"),
    }
}

fn compare(a: &Path, b: &Path) -> Difference {
    compare_paths(a, b, &Options::default())
        .unwrap()
        .expect("the pycs differ")
}

/// The changed lines (`-`/`+`) of a unified diff.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| (l.starts_with('-') || l.starts_with('+')) && !l.starts_with("@@"))
        .collect()
}

fn code_diff(d: &Difference) -> &str {
    let names: Vec<String> = d.changes().into_iter().map(|(p, _)| p).collect();
    assert_eq!(names, [CODE], "{d:#?}");
    let code = d.details.iter().find(|x| x.source1 == CODE).unwrap();
    code.unified_diff.as_deref().expect("a line diff of the listing")
}

/// What Python says about every code object, in the listing's order and words: each code
/// object's facts, then its children's (named as the listing names them). Hex tables are
/// whole, on one `<key>-all` line; the listing's wrapped lines are joined for comparison.
const ORACLE: &str = r##"
import marshal, sys
FLAGS = [(0x1, "optimized"), (0x2, "newlocals"), (0x4, "varargs"), (0x8, "varkeywords"),
         (0x10, "nested"), (0x20, "generator"), (0x80, "coroutine"),
         (0x100, "iterable_coroutine"), (0x200, "async_generator")]
code = marshal.loads(open(sys.argv[1], "rb").read()[16:])
out = []
def walk(c, path):
    def line(k, v):
        out.append(f"{path}: {k} {v}")
    line("name", repr(c.co_name))
    line("qualname", repr(c.co_qualname))
    line("filename", repr(c.co_filename))
    line("firstlineno", c.co_firstlineno)
    line("argcount", c.co_argcount)
    line("posonlyargcount", c.co_posonlyargcount)
    line("kwonlyargcount", c.co_kwonlyargcount)
    line("stacksize", c.co_stacksize)
    line("flags", " ".join([f"{c.co_flags:#010x}"] + [n for b, n in FLAGS if c.co_flags & b]))
    def count(n):
        return f"({n} item{'' if n == 1 else 's'})"
    line("names", count(len(c.co_names)))
    for n in c.co_names:
        line("names", repr(n))
    kids = []
    line("consts", count(len(c.co_consts)))
    for k in c.co_consts:
        if hasattr(k, "co_code"):
            kids.append(k)
            line("consts", f"<code {k.co_name}>")
        else:
            line("consts", repr(k))
    line("bytecode-all", c.co_code.hex())
    line("linetable-all", c.co_linetable.hex())
    line("exceptiontable-all", c.co_exceptiontable.hex())
    line("locals", " ".join(sorted(set(c.co_varnames + c.co_cellvars + c.co_freevars))))
    seen = {}
    for k in kids:
        seen[k.co_name] = seen.get(k.co_name, 0) + 1
        n = seen[k.co_name]
        walk(k, f"{path}.{k.co_name}" + (f"#{n}" if n > 1 else ""))
walk(code, code.co_name)
print("\n".join(out))
"##;

/// The listing in the oracle's terms: hex lines joined per table, localsplus as the sorted
/// set of names, byte counts dropped (the joined hex has them).
fn comparable(listing: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut locals: Vec<String> = Vec::new();
    let mut path_of_locals = String::new();
    let flush_locals = |out: &mut Vec<String>, locals: &mut Vec<String>, path: &str| {
        if !path.is_empty() {
            locals.sort();
            locals.dedup();
            out.push(format!("{path}: locals {}", locals.join(" ")));
            locals.clear();
        }
    };
    for line in listing.lines() {
        let (path, rest) = line.split_once(": ").unwrap();
        let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
        match key {
            "bytecode" | "linetable" | "exceptiontable" => {
                let all = format!("{path}: {key}-all ");
                if value.starts_with('(') {
                    out.push(all);
                } else {
                    out.last_mut().unwrap().push_str(value);
                }
                if key == "exceptiontable" && value.starts_with('(') {
                    path_of_locals = path.to_string();
                }
            }
            "localsplus" if !value.starts_with('(') => {
                // 'name' 0x20 local: the name's repr, then its kind.
                let name = value.rsplit_once(" 0x").unwrap().0;
                locals.push(name.trim_matches('\'').to_string());
            }
            "localsplus" => {}
            _ => {
                if !path_of_locals.is_empty() && key == "name" {
                    flush_locals(&mut out, &mut locals, &path_of_locals.clone());
                    path_of_locals.clear();
                }
                out.push(line.to_string());
            }
        }
    }
    flush_locals(&mut out, &mut locals, &path_of_locals);
    out.iter()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_listing_agrees_with_python() {
    let t = tempfile::tempdir().unwrap();
    let pyc = t.path().join("m.pyc");
    compile(&t.path().join("src"), &source("hello", "2.5"), &pyc);
    std::fs::write(t.path().join("oracle.py"), ORACLE).unwrap();
    run("python3 oracle.py m.pyc > want.txt", t.path());
    let want = std::fs::read_to_string(t.path().join("want.txt")).unwrap();
    let want: Vec<&str> = want.lines().map(str::trim_end).collect();
    let got = comparable(&listing(&pyc));
    let got: Vec<&str> = got.lines().collect();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "line {i} differs");
    }
    assert_eq!(got.len(), want.len(), "{got:#?}\n{want:#?}");
    // Nested code objects are all there, named by where they are.
    for path in [
        "<module>.outer.inner",
        "<module>.outer.<lambda>",
        "<module>.outer.<lambda>#2",
        "<module>.Thing.later",
    ] {
        assert!(got.iter().any(|l| l.starts_with(&format!("{path}: name "))), "{path}");
    }
}

#[test]
fn another_directory_changes_only_filename_lines() {
    let t = tempfile::tempdir().unwrap();
    let src = source("hello", "2.5");
    let (a, b) = (t.path().join("a"), t.path().join("bb"));
    compile(&a, &src, &t.path().join("a.pyc"));
    compile(&b, &src, &t.path().join("b.pyc"));
    let d = compare(&t.path().join("a.pyc"), &t.path().join("b.pyc"));
    assert_eq!(d.format.as_deref(), Some("pyc"));
    // Checked-hash headers of one source are equal; so are the marshal reference counts.
    assert!(d.fields.is_empty(), "{:#?}", d.fields);
    let diff = code_diff(&d);
    let lines = changed_lines(diff);
    let (old, new) = (
        format!("'{}/pkg/mod.py'", a.display()),
        format!("'{}/pkg/mod.py'", b.display()),
    );
    let code_objects = listing(&t.path().join("a.pyc")).matches(": filename ").count();
    assert!(code_objects >= 9, "{code_objects}");
    assert_eq!(lines.len(), 2 * code_objects, "{diff}");
    for l in &lines {
        let (sign, rest) = l.split_at(1);
        let want = if sign == "-" { &old } else { &new };
        assert!(rest.ends_with(&format!(": filename {want}")), "{l}");
    }
    assert!(lines.contains(&format!("-<module>: filename {old}").as_str()), "{diff}");
    assert!(
        lines.contains(&format!("+<module>.Thing.method: filename {new}").as_str()),
        "{diff}"
    );
}

#[test]
fn a_changed_constant_is_its_line() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("src");
    compile(&dir, &source("hello", "2.5"), &t.path().join("a.pyc"));
    compile(&dir, &source("howdy", "2.5"), &t.path().join("b.pyc"));
    // Same length: a longer literal also moves the end column in the location table.
    compile(&dir, &source("hello", "9.5"), &t.path().join("c.pyc"));
    let d = compare(&t.path().join("a.pyc"), &t.path().join("b.pyc"));
    let names: Vec<&str> = d.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["source-hash"], "{:#?}", d.fields);
    assert_eq!(
        changed_lines(code_diff(&d)),
        ["-<module>: consts 'hello'", "+<module>: consts 'howdy'"]
    );
    let d = compare(&t.path().join("a.pyc"), &t.path().join("c.pyc"));
    assert_eq!(
        changed_lines(code_diff(&d)),
        ["-<module>: consts 2.5", "+<module>: consts 9.5"]
    );
}

#[test]
fn damaged_code_falls_back_to_bytes() {
    let t = tempfile::tempdir().unwrap();
    let pyc = t.path().join("a.pyc");
    compile(&t.path().join("src"), &source("hello", "2.5"), &pyc);
    let good = std::fs::read(&pyc).unwrap();
    let cut = &good[..good.len() - 40];
    std::fs::write(t.path().join("b.pyc"), cut).unwrap();
    let o = Pyc
        .open(&Blob::from_vec(cut.to_vec()), "b.pyc", &Limits::default())
        .unwrap();
    assert!(
        o.notes
            .iter()
            .any(|n| n.starts_with("the code object is compared as bytes: marshal data: at offset 0x")),
        "{:?}",
        o.notes
    );
    assert_eq!(o.members[0].size, cut.len() as u64 - 16);
    // The engine then compares the two (code) members as bytes: one decoded, one not.
    let d = compare(&pyc, &t.path().join("b.pyc"));
    assert!(d.details.iter().any(|x| x.source1 == CODE), "{d:#?}");
    // An unknown version is not decoded either.
    let mut old = good.clone();
    old[0..2].copy_from_slice(&3700u16.to_le_bytes());
    let o = Pyc.open(&Blob::from_vec(old), "c.pyc", &Limits::default()).unwrap();
    assert!(
        o.notes.iter().any(|n| n.contains("this is magic 3700 (Python 3.16)")),
        "{:?}",
        o.notes
    );
}
