//! Python bytecode caches (`.pyc`, `.pyo`): the header CPython's import system writes before the
//! marshalled code object.
//!
//! Three header layouts, told apart by the magic number (the first two bytes, little-endian,
//! followed by `\r\n`; CPython's `importlib/_bootstrap_external.py` lists them):
//! - magic 3392 and later (Python 3.7+, PEP 552): 16 bytes: magic, a flags word, then either the
//!   source's mtime and size (flags 0: a "timestamp" pyc) or an 8-byte SipHash of the source
//!   (flags bit 0; bit 1 says whether the import system checks it);
//! - magic 3210–3391 (Python 3.3–3.6): 12 bytes: magic, source mtime, source size;
//! - otherwise (Python 3.0–3.2, Python 2): 8 bytes: magic, source mtime.
//!
//! Node fields: `magic` (which Python wrote it), `invalidation` ("timestamp", "checked-hash" or
//! "unchecked-hash"), `source-mtime` (a time) and `source-size` for timestamp pycs,
//! `source-hash` for hash-based ones; when the code object is decoded, `marshal-refs` (objects
//! stored with FLAG_REF, which marshal sets by reference count, so they can differ between
//! runs) and `marshal-back-references` (TYPE_REF uses).
//!
//! One member, `(code)`. For the layouts of Python 3.7 to 3.13 (chosen by the magic number) it
//! is a text listing of every code object, one fact per line, each line led by the code
//! object's path (`<module>.outer.inner`, `#2` for a second sibling of one name): `name`,
//! `qualname` (3.11+), `filename`, `firstlineno`, `argcount`, `posonlyargcount` (3.8+),
//! `kwonlyargcount`, `nlocals` (before 3.11), `stacksize`, `flags` (hex and names), `names`,
//! `varnames`/`freevars`/`cellvars` (before 3.11) or `localsplus` (name, kind in hex and
//! names), `consts` (a Python-like repr each; a nested code object as `<code NAME>`), then
//! `bytecode`, `lnotab`/`linetable` and `exceptiontable` (3.11+) as hex. Tuples and hex come
//! as a count line and one line per item or hex piece, the hex cut where its content says, so
//! a change stays local. Nested code objects follow their parent, depth first. So a pyc
//! compiled in another directory differs in its `filename` lines only. The 3.11 layout (the
//! one 3.12 and 3.13 also write) is checked against a real interpreter in
//! crates/diff/tests/pyc_marshal.rs; the 3.7 to 3.10 ones follow the documented field order.
//!
//! When decoding fails (another version, damage, a listing past 16 MiB) `(code)` is the
//! marshalled bytes, compared as bytes, and a note says why.
//!
//! A timestamp pyc records its source file's mtime, so two builds that installed the same
//! sources at different times differ here though the code is the same: the classic reason to
//! build with SOURCE_DATE_EPOCH, which makes `py_compile` write checked-hash pycs instead.

use std::ops::Range;
use std::rc::Rc;

use crate::bytes::{le16, le32};
use crate::model::{err, hex, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Pyc;

/// The member holding the code object: its listing, or the marshalled bytes.
pub const CODE: &str = "(code)";

/// First magic number with PEP 552's flags word (Python 3.7a4).
const PEP552_MAGIC: u16 = 3392;
/// First magic number with the source size (Python 3.3a1).
const SIZE_MAGIC: u16 = 3210;
/// Python 3 magic numbers stay below this; Python 1 and 2 used larger ones (2.7: 62211).
const PY3_END: u16 = 5000;

const FLAG_HASH: u32 = 1;
const FLAG_CHECK_SOURCE: u32 = 2;

impl Format for Pyc {
    fn name(&self) -> &'static str {
        "pyc"
    }

    /// The name, since the magic alone ("\r\n" after two bytes) is too weak.
    fn identify(&self, head: &[u8], name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        (lower.ends_with(".pyc") || lower.ends_with(".pyo")) && head.len() >= 8 && head[2..4] == *b"\r\n"
    }

    fn open(&self, data: &Blob, _name: &str, _limits: &Limits) -> Result<Opened, FormatError> {
        open(data)
    }
}

fn open(data: &Blob) -> Result<Opened, FormatError> {
    let d: &[u8] = data;
    let need = |n: usize, what: &str| -> Result<(), FormatError> {
        if d.len() < n {
            return err(format!(
                "pyc: {what} needs a {n}-byte header, the file has {} bytes",
                d.len()
            ));
        }
        Ok(())
    };
    need(4, "the magic number")?;
    if d[2..4] != *b"\r\n" {
        return err(format!(
            "pyc: bytes 2..4 are {:02x} {:02x}, not the \\r\\n that follows a magic number",
            d[2], d[3]
        ));
    }
    let magic = le16(d, 0);
    let mut fields = vec![Field::new("magic", Value::Int(magic.into()))];
    let header = if (PEP552_MAGIC..PY3_END).contains(&magic) {
        need(16, &format!("magic {magic} (Python 3.7 or later)"))?;
        let flags = le32(d, 4);
        if flags & !(FLAG_HASH | FLAG_CHECK_SOURCE) != 0 {
            return err(format!("pyc: unknown flags {flags:#x} in the header at offset 0x4"));
        }
        if flags & FLAG_HASH != 0 {
            let kind = if flags & FLAG_CHECK_SOURCE != 0 {
                "checked-hash"
            } else {
                "unchecked-hash"
            };
            fields.push(Field::new("invalidation", Value::Text(kind.into())));
            fields.push(Field::new("source-hash", Value::Digest(hex(&d[8..16]))));
        } else {
            if flags != 0 {
                return err(format!(
                    "pyc: flags {flags:#x}: the check-source bit is set without the hash bit"
                ));
            }
            fields.push(Field::new("invalidation", Value::Text("timestamp".into())));
            fields.push(Field::new("source-mtime", Value::Time(le32(d, 8).into())));
            fields.push(Field::new("source-size", Value::Size(le32(d, 12).into())));
        }
        16
    } else if (SIZE_MAGIC..PEP552_MAGIC).contains(&magic) {
        need(12, &format!("magic {magic} (Python 3.3 to 3.6)"))?;
        fields.push(Field::new("invalidation", Value::Text("timestamp".into())));
        fields.push(Field::new("source-mtime", Value::Time(le32(d, 4).into())));
        fields.push(Field::new("source-size", Value::Size(le32(d, 8).into())));
        12
    } else {
        need(8, &format!("magic {magic}"))?;
        fields.push(Field::new("invalidation", Value::Text("timestamp".into())));
        fields.push(Field::new("source-mtime", Value::Time(le32(d, 4).into())));
        8
    };
    let mut notes = Vec::new();
    let raw = data.slice(header..d.len());
    // A marshalled code object starts with TYPE_CODE ('c'), with or without the FLAG_REF bit.
    let content = match d.get(header) {
        Some(b'c' | 0xe3) => match decode(magic, &d[header..], header) {
            Ok(listing) => {
                fields.push(Field::new("marshal-refs", Value::Int(listing.flagged as i64)));
                fields.push(Field::new(
                    "marshal-back-references",
                    Value::Int(listing.back_references as i64),
                ));
                if listing.end < raw.len() {
                    notes.push(format!(
                        "{} bytes follow the marshalled code object (from offset {:#x}); Python ignores them",
                        raw.len() - listing.end,
                        header + listing.end
                    ));
                }
                Blob::from_vec(listing.text.into_bytes())
            }
            Err(why) => {
                notes.push(format!("the code object is compared as bytes: {why}"));
                raw
            }
        },
        Some(&b) => {
            notes.push(format!(
                "the data after the {header}-byte header starts with {b:#04x}, not a marshalled code object"
            ));
            raw
        }
        None => {
            notes.push(format!("nothing follows the {header}-byte header"));
            raw
        }
    };
    Ok(Opened {
        fields,
        members: vec![Member {
            name: CODE.into(),
            kind: EntryKind::Section,
            fields: Vec::new(),
            size: content.len() as u64,
            data: Some(Data::Blob(content)),
        }],
        notes,
        text: None,
    })
}

// ---------------------------------------------------------------------------------------------
// The marshal format (CPython's Python/marshal.c, version 4, which Python 3.4 and later write):
// each object is a type byte, whose bit 0x80 (FLAG_REF) asks the reader to remember it, then
// its payload. TYPE_REF ('r') names a remembered object by its index, in the order the objects
// started. Integers in payloads are little-endian; counts and lengths are signed 32-bit.

const FLAG_REF: u8 = 0x80;

/// Deepest nesting of containers and code objects accepted (CPython allows 2000; real pycs
/// nest a few dozen deep). It also bounds the renderer's recursion.
const MAX_DEPTH: usize = 200;
/// Most objects decoded: each costs about 60 bytes, so a hostile file of 2-byte strings could
/// otherwise take 30 times its size in memory. Real pycs have one object per 20 bytes or so.
const MAX_OBJECTS: usize = 1 << 20;
/// Longest listing: past this size the engine would compare the text as bytes anyway.
const MAX_LISTING: usize = crate::text::MAX_TEXT;
/// Integers with more 15-bit digits than this are shown in hex: decimal conversion is
/// quadratic, and Python itself refuses to print ints past 4300 decimal digits.
const MAX_DECIMAL_DIGITS: usize = 1000;
/// A path component (a code object's name) is shortened past this many characters.
const MAX_PATH_NAME: usize = 80;

/// The code object layouts, by the Python versions that write them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Layout {
    /// 3.7: argcount, kwonlyargcount, nlocals, stacksize, flags, code, consts, names,
    /// varnames, freevars, cellvars, filename, name, firstlineno, lnotab.
    Py37,
    /// 3.8 and 3.9 (PEP 570): posonlyargcount after argcount.
    Py38,
    /// 3.10: the same words, the line table in PEP 626's format (co_linetable).
    Py310,
    /// 3.11 to 3.13: no nlocals; localsplusnames and localspluskinds for varnames, freevars
    /// and cellvars; qualname after name; the location table; the exception table.
    Py311,
}

/// The layout a magic number's Python writes, from the magic number list in CPython's
/// `importlib/_bootstrap_external.py`; pre-release ranges whose layout moved are left out.
fn layout(magic: u16) -> Option<Layout> {
    match magic {
        // 3.7a1 to 3.8a1 before PEP 570 (3410).
        3390..=3409 => Some(Layout::Py37),
        // 3.8 and 3.9; 3430 (3.10a1) still wrote co_lnotab.
        3410..=3430 => Some(Layout::Py38),
        // From 3431 (PEP 626's line table) to the end of 3.10.
        3431..=3449 => Some(Layout::Py310),
        // 3494 (3.11a7) is the first with the final 3.11 location table; 3.12 (3500..) and
        // 3.13 (3550..) write the same fields.
        3494..=3599 => Some(Layout::Py311),
        _ => None,
    }
}

/// The Python version a Python 3 magic number belongs to, for notes.
fn version(magic: u16) -> String {
    match magic {
        3000..=3389 => "Python 3.6 or older".into(),
        3390..=3449 => format!("Python 3.{}", 7 + (magic - 3390) / 10),
        3450..=4999 => format!("Python 3.{}", 11 + (magic - 3450) / 50),
        _ => "Python 2 or older".into(),
    }
}

/// A decoded object. Strings, bytes and big integers point into the marshal data.
enum Obj {
    None,
    True,
    False,
    Ellipsis,
    StopIteration,
    Int(i64),
    /// TYPE_LONG: 15-bit digits, least significant first, two bytes each.
    Long {
        negative: bool,
        digits: Range<usize>,
    },
    Float(f64),
    Complex(f64, f64),
    Bytes(Range<usize>),
    /// UTF-8 (with lone surrogates allowed, as marshal writes them), or Latin-1 for the ASCII
    /// type codes (CPython reads those bytes as Latin-1).
    Str {
        at: Range<usize>,
        latin1: bool,
    },
    Tuple(Vec<Rc<Obj>>),
    List(Vec<Rc<Obj>>),
    Set(Vec<Rc<Obj>>),
    FrozenSet(Vec<Rc<Obj>>),
    Dict(Vec<(Rc<Obj>, Rc<Obj>)>),
    Code(Box<Code>),
}

impl Obj {
    fn kind(&self) -> &'static str {
        match self {
            Obj::None => "None",
            Obj::True | Obj::False => "a bool",
            Obj::Ellipsis => "Ellipsis",
            Obj::StopIteration => "StopIteration",
            Obj::Int(_) | Obj::Long { .. } => "an int",
            Obj::Float(_) => "a float",
            Obj::Complex(..) => "a complex",
            Obj::Bytes(_) => "a bytes",
            Obj::Str { .. } => "a str",
            Obj::Tuple(_) => "a tuple",
            Obj::List(_) => "a list",
            Obj::Set(_) => "a set",
            Obj::FrozenSet(_) => "a frozenset",
            Obj::Dict(_) => "a dict",
            Obj::Code(_) => "a code object",
        }
    }
}

/// A code object's fields; which are present depends on the layout.
struct Code {
    argcount: i32,
    posonlyargcount: Option<i32>,
    kwonlyargcount: i32,
    nlocals: Option<i32>,
    stacksize: i32,
    flags: u32,
    code: Range<usize>,
    consts: Rc<Obj>,
    names: Rc<Obj>,
    /// varnames, freevars, cellvars (before 3.11).
    vars: Option<[Rc<Obj>; 3]>,
    /// localsplusnames and localspluskinds (3.11+).
    localsplus: Option<(Rc<Obj>, Range<usize>)>,
    filename: Rc<Obj>,
    name: Rc<Obj>,
    qualname: Option<Rc<Obj>>,
    firstlineno: i32,
    linetable: Range<usize>,
    exceptiontable: Option<Range<usize>>,
}

/// What a successful decode gives the node.
struct Listing {
    text: String,
    /// Objects stored with FLAG_REF.
    flagged: usize,
    /// TYPE_REF uses.
    back_references: usize,
    /// Where the top object ended, relative to the marshal data.
    end: usize,
}

/// Decodes the marshal data `m` (at offset `base` in the pyc) written by the Python of `magic`
/// and renders it; the error says why it could not.
fn decode(magic: u16, m: &[u8], base: usize) -> Result<Listing, String> {
    let Some(layout) = layout(magic) else {
        return Err(format!(
            "code objects are decoded for Python 3.7 to 3.13 (magic 3390 to 3599, without 3.11's early pre-releases), this is magic {magic} ({})",
            version(magic)
        ));
    };
    let mut r = Reader {
        m,
        base,
        pos: 0,
        refs: Vec::new(),
        layout,
        back_references: 0,
        singletons: [Obj::None, Obj::True, Obj::False, Obj::Ellipsis, Obj::StopIteration].map(Rc::new),
        objects: 0,
    };
    let (top, _) = r.object(0).map_err(|e| format!("marshal data: {e}"))?;
    let Obj::Code(code) = &*top else {
        return Err(format!("the marshalled object is {}, not a code object", top.kind()));
    };
    let mut out = Render {
        m,
        layout,
        text: String::new(),
    };
    let name = out.path_name(&code.name);
    out.code(code, &name, 0)?;
    Ok(Listing {
        text: out.text,
        flagged: r.refs.len(),
        back_references: r.back_references,
        end: r.pos,
    })
}

struct Reader<'a> {
    m: &'a [u8],
    base: usize,
    pos: usize,
    /// Remembered objects with their heights; `None` while one is still being read.
    refs: Vec<Option<(Rc<Obj>, usize)>>,
    layout: Layout,
    back_references: usize,
    /// None, True, False, Ellipsis, StopIteration: shared, so a run of them costs no memory.
    singletons: [Rc<Obj>; 5],
    /// Objects read, singletons and references aside.
    objects: usize,
}

impl Reader<'_> {
    /// An error at offset `at` of the marshal data, as an offset in the pyc.
    fn fail<T>(&self, at: usize, why: impl std::fmt::Display) -> Result<T, String> {
        Err(format!("at offset {:#x}: {why}", self.base + at))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<Range<usize>, String> {
        let start = self.pos;
        match start.checked_add(n).filter(|&e| e <= self.m.len()) {
            Some(end) => {
                self.pos = end;
                Ok(start..end)
            }
            None => self.fail(
                start,
                format!(
                    "{what} needs {n} bytes, {} are left",
                    self.m.len().saturating_sub(start)
                ),
            ),
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        let r = self.take(1, what)?;
        Ok(self.m[r.start])
    }

    fn int(&mut self, what: &str) -> Result<i32, String> {
        let r = self.take(4, what)?;
        Ok(le32(self.m, r.start) as i32)
    }

    /// A count or length: a non-negative int32 that the remaining bytes can hold `per` bytes
    /// of each (every object takes at least one byte), so no allocation trusts the input.
    fn count(&mut self, what: &str, per: usize) -> Result<usize, String> {
        let at = self.pos;
        let n = self.int(what)?;
        self.check_count(at, n, what, per)
    }

    fn check_count(&self, at: usize, n: i32, what: &str, per: usize) -> Result<usize, String> {
        let left = self.m.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(per) <= left => Ok(n),
            Ok(_) => self.fail(at, format!("{what} {n} is more than the {left} bytes left can hold")),
            Err(_) => self.fail(at, format!("negative {what} {n}")),
        }
    }

    fn f64(&mut self) -> Result<f64, String> {
        let r = self.take(8, "a binary float")?;
        Ok(f64::from_bits(crate::bytes::le64(self.m, r.start)))
    }

    /// An old-style float: a length byte and the number as text.
    fn text_float(&mut self) -> Result<f64, String> {
        let at = self.pos;
        let n = self.byte("a float's length")? as usize;
        let r = self.take(n, "a float's text")?;
        let s = std::str::from_utf8(&self.m[r]).ok().and_then(|s| s.parse::<f64>().ok());
        match s {
            Some(v) => Ok(v),
            None => self.fail(at, "a float stored as text that is not a number"),
        }
    }

    /// One object and its height (1 for a scalar, 1 + the tallest child for a container).
    fn object(&mut self, depth: usize) -> Result<(Rc<Obj>, usize), String> {
        let at = self.pos;
        let code = self.byte("a type code")?;
        let (flag, t) = (code & FLAG_REF != 0, code & !FLAG_REF);
        if depth > MAX_DEPTH {
            return self.fail(at, format!("objects nested more than {MAX_DEPTH} deep"));
        }
        // Singletons and references are never remembered, whatever their flag says.
        let single = match t {
            b'N' => Some(0),
            b'T' => Some(1),
            b'F' => Some(2),
            b'.' => Some(3),
            b'S' => Some(4),
            b'0' => return self.fail(at, "a NULL object where a value belongs"),
            b'r' => {
                let n = self.int("a reference")?;
                let known = usize::try_from(n).ok().and_then(|i| self.refs.get(i));
                return match known {
                    Some(Some((obj, height))) => {
                        self.back_references += 1;
                        Ok((obj.clone(), *height))
                    }
                    Some(None) => self.fail(at, format!("reference {n} to an object that is still being read")),
                    None => self.fail(
                        at,
                        format!("reference {n}, but only {} objects are remembered", self.refs.len()),
                    ),
                };
            }
            _ => None,
        };
        if let Some(i) = single {
            return Ok((self.singletons[i].clone(), 1));
        }
        self.objects += 1;
        if self.objects > MAX_OBJECTS {
            return self.fail(at, format!("more than {MAX_OBJECTS} objects"));
        }
        // The reader remembers an object when it starts, before its children.
        let slot = flag.then(|| {
            self.refs.push(None);
            self.refs.len() - 1
        });
        let (obj, height) = self.payload(at, t, depth)?;
        if height > MAX_DEPTH {
            return self.fail(
                at,
                format!("objects nested more than {MAX_DEPTH} deep (through references)"),
            );
        }
        let obj = Rc::new(obj);
        if let Some(i) = slot {
            self.refs[i] = Some((obj.clone(), height));
        }
        Ok((obj, height))
    }

    fn payload(&mut self, at: usize, t: u8, depth: usize) -> Result<(Obj, usize), String> {
        let obj = match t {
            b'i' => Obj::Int(self.int("an int")?.into()),
            b'I' => {
                let r = self.take(8, "a 64-bit int")?;
                Obj::Int(crate::bytes::le64(self.m, r.start) as i64)
            }
            b'l' => self.long(at)?,
            b'g' => Obj::Float(self.f64()?),
            b'f' => Obj::Float(self.text_float()?),
            b'y' => Obj::Complex(self.f64()?, self.f64()?),
            b'x' => Obj::Complex(self.text_float()?, self.text_float()?),
            b's' => {
                let n = self.count("bytes length", 1)?;
                Obj::Bytes(self.take(n, "bytes")?)
            }
            b'u' | b't' => {
                let n = self.count("str length", 1)?;
                let r = self.take(n, "a str")?;
                if let Err(bad) = check_utf8(&self.m[r.clone()]) {
                    return self.fail(r.start + bad, "a str that is not UTF-8");
                }
                Obj::Str { at: r, latin1: false }
            }
            b'a' | b'A' => {
                let n = self.count("str length", 1)?;
                Obj::Str {
                    at: self.take(n, "a str")?,
                    latin1: true,
                }
            }
            b'z' | b'Z' => {
                let n = self.byte("a short str's length")? as usize;
                Obj::Str {
                    at: self.take(n, "a str")?,
                    latin1: true,
                }
            }
            b'(' | b')' | b'[' | b'<' | b'>' => {
                let n = if t == b')' {
                    let n = self.byte("a small tuple's size")?;
                    self.check_count(at, n.into(), "tuple size", 1)?
                } else {
                    self.count("size", 1)?
                };
                let mut items = Vec::with_capacity(n);
                let mut height = 0;
                for _ in 0..n {
                    let (o, h) = self.object(depth + 1)?;
                    height = height.max(h);
                    items.push(o);
                }
                let obj = match t {
                    b'(' | b')' => Obj::Tuple(items),
                    b'[' => Obj::List(items),
                    b'<' => Obj::Set(items),
                    _ => Obj::FrozenSet(items),
                };
                return Ok((obj, height + 1));
            }
            b'{' => {
                let mut items = Vec::new();
                let mut height = 0;
                // Pairs until a NULL key; each takes at least two bytes, so this ends.
                loop {
                    if self.m.get(self.pos).is_some_and(|&c| c & !FLAG_REF == b'0') {
                        self.pos += 1;
                        break;
                    }
                    let (k, hk) = self.object(depth + 1)?;
                    let (v, hv) = self.object(depth + 1)?;
                    height = height.max(hk).max(hv);
                    items.push((k, v));
                }
                return Ok((Obj::Dict(items), height + 1));
            }
            b'c' => return self.code(at, depth),
            b':' => return self.fail(at, "a slice (Python 3.14's marshal version 5) in an older pyc"),
            _ => return self.fail(at, format!("unknown type code {t:#04x}")),
        };
        Ok((obj, 1))
    }

    fn long(&mut self, at: usize) -> Result<Obj, String> {
        let n = self.int("a long's size")?;
        let size = n.unsigned_abs() as usize;
        if size.saturating_mul(2) > self.m.len() - self.pos {
            return self.fail(at, format!("a long of {size} digits, more than the bytes left"));
        }
        let digits = self.take(2 * size, "a long's digits")?;
        let d = &self.m[digits.clone()];
        for i in 0..size {
            if le16(d, 2 * i) >= 0x8000 {
                return self.fail(digits.start + 2 * i, "a long digit out of range (over 15 bits)");
            }
        }
        if size > 0 && le16(d, 2 * size - 2) == 0 {
            return self.fail(at, "a long whose top digit is zero (unnormalized)");
        }
        Ok(Obj::Long {
            negative: n < 0,
            digits,
        })
    }

    /// A code object in this reader's layout. Every field's type is checked (as CPython does
    /// when it builds the object), which also catches a layout that does not fit the data.
    fn code(&mut self, at: usize, depth: usize) -> Result<(Obj, usize), String> {
        let layout = self.layout;
        let argcount = self.int("co_argcount")?;
        let posonlyargcount = match layout >= Layout::Py38 {
            true => Some(self.int("co_posonlyargcount")?),
            false => None,
        };
        let kwonlyargcount = self.int("co_kwonlyargcount")?;
        let nlocals = match layout < Layout::Py311 {
            true => Some(self.int("co_nlocals")?),
            false => None,
        };
        let stacksize = self.int("co_stacksize")?;
        let flags = self.int("co_flags")? as u32;
        let mut height = 0;
        let mut field = |r: &mut Self, name: &str, want: Want| -> Result<Rc<Obj>, String> {
            let start = r.pos;
            let (o, h) = r.object(depth + 1)?;
            height = height.max(h);
            let ok = match (&*o, want) {
                (Obj::Bytes(_), Want::Bytes) | (Obj::Str { .. }, Want::Str) | (Obj::Tuple(_), Want::Tuple) => true,
                (Obj::Tuple(items), Want::Names) => items.iter().all(|i| matches!(**i, Obj::Str { .. })),
                _ => false,
            };
            if !ok {
                return r.fail(
                    start,
                    format!(
                        "{name} of the code object at offset {:#x} is {}, not {}",
                        r.base + at,
                        o.kind(),
                        want.label()
                    ),
                );
            }
            Ok(o)
        };
        let bytes = |o: Rc<Obj>| match &*o {
            Obj::Bytes(r) => r.clone(),
            _ => 0..0,
        };
        let code = bytes(field(self, "co_code", Want::Bytes)?);
        let consts = field(self, "co_consts", Want::Tuple)?;
        let names = field(self, "co_names", Want::Names)?;
        let (vars, localsplus) = if layout < Layout::Py311 {
            let v = field(self, "co_varnames", Want::Names)?;
            let f = field(self, "co_freevars", Want::Names)?;
            let c = field(self, "co_cellvars", Want::Names)?;
            (Some([v, f, c]), None)
        } else {
            let names = field(self, "co_localsplusnames", Want::Names)?;
            let kinds_at = self.pos;
            let kinds = bytes(field(self, "co_localspluskinds", Want::Bytes)?);
            let n = match &*names {
                Obj::Tuple(t) => t.len(),
                _ => 0,
            };
            if kinds.len() != n {
                return self.fail(
                    kinds_at,
                    format!("co_localspluskinds has {} kinds for {n} names", kinds.len()),
                );
            }
            (None, Some((names, kinds)))
        };
        let filename = field(self, "co_filename", Want::Str)?;
        let name = field(self, "co_name", Want::Str)?;
        let qualname = match layout >= Layout::Py311 {
            true => Some(field(self, "co_qualname", Want::Str)?),
            false => None,
        };
        let firstlineno = self.int("co_firstlineno")?;
        let linetable = bytes(field(self, "co_linetable", Want::Bytes)?);
        let exceptiontable = match layout >= Layout::Py311 {
            true => Some(bytes(field(self, "co_exceptiontable", Want::Bytes)?)),
            false => None,
        };
        let code = Code {
            argcount,
            posonlyargcount,
            kwonlyargcount,
            nlocals,
            stacksize,
            flags,
            code,
            consts,
            names,
            vars,
            localsplus,
            filename,
            name,
            qualname,
            firstlineno,
            linetable,
            exceptiontable,
        };
        Ok((Obj::Code(Box::new(code)), height + 1))
    }
}

/// The type a code object field must have.
#[derive(Clone, Copy)]
enum Want {
    Bytes,
    Str,
    Tuple,
    /// A tuple of str.
    Names,
}

impl Want {
    fn label(self) -> &'static str {
        match self {
            Want::Bytes => "bytes",
            Want::Str => "a str",
            Want::Tuple => "a tuple",
            Want::Names => "a tuple of str",
        }
    }
}

/// One code point of UTF-8 at the start of `b` (surrogates allowed, as CPython's marshal
/// writes them with "surrogatepass") and its length; `None` when it is not well formed.
fn utf8_char(b: &[u8]) -> Option<(u32, usize)> {
    let c0 = *b.first()? as u32;
    let (len, min, init) = match c0 {
        0x00..=0x7f => return Some((c0, 1)),
        0xc2..=0xdf => (2, 0x80, c0 & 0x1f),
        0xe0..=0xef => (3, 0x800, c0 & 0x0f),
        0xf0..=0xf4 => (4, 0x1_0000, c0 & 0x07),
        _ => return None,
    };
    let mut c = init;
    for i in 1..len {
        let x = *b.get(i)? as u32;
        if x & 0xc0 != 0x80 {
            return None;
        }
        c = (c << 6) | (x & 0x3f);
    }
    (c >= min && c <= 0x10_ffff).then_some((c, len))
}

/// Ok, or the offset of the first byte that is not well-formed UTF-8.
fn check_utf8(b: &[u8]) -> Result<(), usize> {
    let mut i = 0;
    while i < b.len() {
        match utf8_char(&b[i..]) {
            Some((_, n)) => i += n,
            None => return Err(i),
        }
    }
    Ok(())
}

/// The code points of a decoded str (checked when it was read).
fn chars(b: &[u8], latin1: bool) -> impl Iterator<Item = u32> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        if latin1 {
            i += 1;
            return Some(b[i - 1].into());
        }
        let (c, n) = utf8_char(&b[i..]).unwrap_or((0xfffd, 1));
        i += n;
        Some(c)
    })
}

/// Writes the listing: one fact per line, each prefixed by its code object's path.
struct Render<'a> {
    m: &'a [u8],
    layout: Layout,
    text: String,
}

/// The names of the code flags that mean the same in every decoded version (the `inspect`
/// module documents them).
const FLAG_NAMES: [(u32, &str); 9] = [
    (0x1, "optimized"),
    (0x2, "newlocals"),
    (0x4, "varargs"),
    (0x8, "varkeywords"),
    (0x10, "nested"),
    (0x20, "generator"),
    (0x80, "coroutine"),
    (0x100, "iterable_coroutine"),
    (0x200, "async_generator"),
];

/// The kinds of a 3.11+ local (CPython's CO_FAST_* bits; "hidden" is 3.12's).
const KIND_NAMES: [(u8, &str); 4] = [(0x10, "hidden"), (0x20, "local"), (0x40, "cell"), (0x80, "free")];

impl Render<'_> {
    fn check(&self) -> Result<(), String> {
        if self.text.len() > MAX_LISTING {
            return Err(format!(
                "the listing passes {MAX_LISTING} bytes (objects shared by references are listed at each use)"
            ));
        }
        Ok(())
    }

    fn line(&mut self, path: &str, key: &str, value: &str) -> Result<(), String> {
        self.text.push_str(path);
        self.text.push_str(": ");
        self.text.push_str(key);
        if !value.is_empty() {
            self.text.push(' ');
            self.text.push_str(value);
        }
        self.text.push('\n');
        self.check()
    }

    /// A code object's name as a path component: escaped like a str, without quotes, short.
    fn path_name(&self, name: &Obj) -> String {
        let mut s = String::new();
        if let Obj::Str { at, latin1 } = name {
            escape_str(&mut s, chars(&self.m[at.clone()], *latin1), None);
        }
        if s.chars().count() > MAX_PATH_NAME {
            s = s.chars().take(MAX_PATH_NAME - 1).collect();
            s.push('…');
        }
        s
    }

    /// The lines of `c` at `path`, then those of the code objects among its constants (and
    /// anywhere else in it), in the order they appear: parents before children, so the
    /// listing of a tree is never that of another.
    fn code<'c>(&mut self, c: &'c Code, path: &str, depth: usize) -> Result<(), String> {
        let mut children: Vec<&'c Code> = Vec::new();
        let one = |r: &mut Self, key: &str, o: &'c Obj, kids: &mut Vec<&'c Code>| -> Result<(), String> {
            let mut v = String::new();
            r.repr(&mut v, o, kids)?;
            r.line(path, key, &v)
        };
        one(self, "name", &c.name, &mut children)?;
        if let Some(q) = &c.qualname {
            one(self, "qualname", q, &mut children)?;
        }
        one(self, "filename", &c.filename, &mut children)?;
        self.line(path, "firstlineno", &c.firstlineno.to_string())?;
        self.line(path, "argcount", &c.argcount.to_string())?;
        if let Some(n) = c.posonlyargcount {
            self.line(path, "posonlyargcount", &n.to_string())?;
        }
        self.line(path, "kwonlyargcount", &c.kwonlyargcount.to_string())?;
        if let Some(n) = c.nlocals {
            self.line(path, "nlocals", &n.to_string())?;
        }
        self.line(path, "stacksize", &c.stacksize.to_string())?;
        let mut flags = format!("{:#010x}", c.flags);
        for (bit, name) in FLAG_NAMES {
            if c.flags & bit != 0 {
                flags.push(' ');
                flags.push_str(name);
            }
        }
        self.line(path, "flags", &flags)?;
        // Tuples one item a line, so an inserted name or constant changes one line.
        let tuple = |r: &mut Self, key: &str, o: &'c Obj, kids: &mut Vec<&'c Code>| -> Result<(), String> {
            let Obj::Tuple(items) = o else {
                return one(r, key, o, kids);
            };
            r.line(path, key, &count(items.len()))?;
            for item in items {
                one(r, key, item, kids)?;
            }
            Ok(())
        };
        tuple(self, "names", &c.names, &mut children)?;
        if let Some([v, f, cell]) = &c.vars {
            tuple(self, "varnames", v, &mut children)?;
            tuple(self, "freevars", f, &mut children)?;
            tuple(self, "cellvars", cell, &mut children)?;
        }
        if let Some((names, kinds)) = &c.localsplus {
            let items: &[Rc<Obj>] = match &**names {
                Obj::Tuple(t) => t,
                _ => &[],
            };
            self.line(path, "localsplus", &count(items.len()))?;
            for (item, &k) in items.iter().zip(&self.m[kinds.clone()]) {
                let mut v = String::new();
                self.repr(&mut v, item, &mut children)?;
                v.push_str(&format!(" {k:#04x}"));
                for (bit, name) in KIND_NAMES {
                    if k & bit != 0 {
                        v.push(' ');
                        v.push_str(name);
                    }
                }
                self.line(path, "localsplus", &v)?;
            }
        }
        tuple(self, "consts", &c.consts, &mut children)?;
        self.hex(path, "bytecode", c.code.clone(), 2)?;
        let table = if self.layout == Layout::Py37 || self.layout == Layout::Py38 {
            "lnotab"
        } else {
            "linetable"
        };
        self.hex(path, table, c.linetable.clone(), 1)?;
        if let Some(e) = &c.exceptiontable {
            self.hex(path, "exceptiontable", e.clone(), 1)?;
        }
        if depth >= MAX_DEPTH {
            return Err(format!("code objects nested more than {MAX_DEPTH} deep"));
        }
        // Siblings with one name (lambdas, comprehensions) are told apart by a count.
        let mut seen: Vec<(String, usize)> = Vec::new();
        for child in children {
            let name = self.path_name(&child.name);
            let n = match seen.iter_mut().find(|(s, _)| *s == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((name.clone(), 1));
                    1
                }
            };
            let sub = match n {
                1 => format!("{path}.{name}"),
                n => format!("{path}.{name}#{n}"),
            };
            self.code(child, &sub, depth + 1)?;
        }
        Ok(())
    }

    /// Bytes as hex lines under a first line with their length. Lines end where the content
    /// says (a cheap hash of the last unit picks about one boundary in eight, between 8 and 48
    /// bytes), so bytes inserted or removed change the lines around them and the rest of the
    /// lines stay equal. `unit` keeps 2-byte instructions whole.
    fn hex(&mut self, path: &str, key: &str, r: Range<usize>, unit: usize) -> Result<(), String> {
        let b = &self.m[r];
        self.line(path, key, &format!("({} bytes)", b.len()))?;
        const MIN: usize = 8;
        const MAX: usize = 48;
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            i = (i + unit).min(b.len());
            let last = &b[i.saturating_sub(unit)..i];
            let h = last
                .iter()
                .fold(0x811c_9dc5u32, |h, &x| (h ^ u32::from(x)).wrapping_mul(0x0100_0193));
            let len = i - start;
            if (len >= MIN && (h >> 13) & 7 == 0) || len >= MAX || i == b.len() {
                self.line(path, key, &hex(&b[start..i]))?;
                start = i;
            }
        }
        Ok(())
    }

    /// A Python-like repr of `o`: exact (different values never look alike), close to what
    /// `repr()` prints. Code objects show as `<code NAME>` and are added to `kids`.
    fn repr<'c>(&mut self, out: &mut String, o: &'c Obj, kids: &mut Vec<&'c Code>) -> Result<(), String> {
        match o {
            Obj::None => out.push_str("None"),
            Obj::True => out.push_str("True"),
            Obj::False => out.push_str("False"),
            Obj::Ellipsis => out.push_str("Ellipsis"),
            Obj::StopIteration => out.push_str("StopIteration"),
            Obj::Int(i) => out.push_str(&i.to_string()),
            Obj::Long { negative, digits } => long_repr(out, *negative, &self.m[digits.clone()]),
            Obj::Float(x) => out.push_str(&float_repr(*x, true, false)),
            Obj::Complex(re, im) => complex_repr(out, *re, *im),
            Obj::Bytes(r) => bytes_repr(out, &self.m[r.clone()]),
            Obj::Str { at, latin1 } => {
                let b = &self.m[at.clone()];
                // Python's choice: single quotes unless the text has one and no double quote.
                let (single, double) = chars(b, *latin1).fold((false, false), |(s, d), c| {
                    (s || c == u32::from(b'\''), d || c == u32::from(b'"'))
                });
                let q = if single && !double { '"' } else { '\'' };
                out.push(q);
                escape_str(out, chars(b, *latin1), Some(q));
                out.push(q);
            }
            Obj::Tuple(items) => {
                out.push('(');
                self.items(out, items, kids)?;
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Obj::List(items) => {
                out.push('[');
                self.items(out, items, kids)?;
                out.push(']');
            }
            Obj::Set(items) if items.is_empty() => out.push_str("set()"),
            Obj::FrozenSet(items) if items.is_empty() => out.push_str("frozenset()"),
            // Stored order, which is iteration order when written: it can differ between runs.
            Obj::Set(items) => {
                out.push('{');
                self.items(out, items, kids)?;
                out.push('}');
            }
            Obj::FrozenSet(items) => {
                out.push_str("frozenset({");
                self.items(out, items, kids)?;
                out.push_str("})");
            }
            Obj::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.repr(out, k, kids)?;
                    out.push_str(": ");
                    self.repr(out, v, kids)?;
                }
                out.push('}');
            }
            Obj::Code(c) => {
                out.push_str("<code ");
                if let Obj::Str { at, latin1 } = &*c.name {
                    escape_str(out, chars(&self.m[at.clone()], *latin1), None);
                }
                out.push('>');
                kids.push(c);
            }
        }
        if out.len() > MAX_LISTING {
            return Err(format!("a constant's text passes {MAX_LISTING} bytes"));
        }
        Ok(())
    }

    fn items<'c>(&mut self, out: &mut String, items: &'c [Rc<Obj>], kids: &mut Vec<&'c Code>) -> Result<(), String> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.repr(out, item, kids)?;
        }
        Ok(())
    }
}

/// A tuple's size line: "(1 item)", "(3 items)".
fn count(n: usize) -> String {
    format!("({n} item{})", if n == 1 { "" } else { "s" })
}

/// Escapes a str's code points as Python's repr does: the quote `q` and backslashes, `\t \n \r`,
/// other control characters, and characters that print as nothing or as space (Python's
/// `isprintable()` is false for them: this is a shorter list than Unicode's), lone surrogates.
fn escape_str(out: &mut String, cs: impl Iterator<Item = u32>, q: Option<char>) {
    for c in cs {
        let ch = char::from_u32(c);
        match ch {
            Some('\\') => out.push_str("\\\\"),
            Some('\t') => out.push_str("\\t"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some(x) if Some(x) == q => {
                out.push('\\');
                out.push(x);
            }
            Some(x) if c >= 0x20 && printable(x) => out.push(x),
            _ if c < 0x100 => out.push_str(&format!("\\x{c:02x}")),
            _ if c < 0x1_0000 => out.push_str(&format!("\\u{c:04x}")),
            _ => out.push_str(&format!("\\U{c:08x}")),
        }
    }
}

/// False for control, format, separator (but space), private-use and noncharacter code
/// points that a reader could not see or tell apart. Python also escapes unassigned code
/// points, which would need Unicode's tables: those are shown as they are.
fn printable(c: char) -> bool {
    let c = c as u32;
    !(matches!(
        c,
        0x7f..=0xa0
            | 0xad
            | 0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x1680
            | 0x180e
            | 0x2000..=0x200f
            | 0x2028..=0x202f
            | 0x205f..=0x206f
            | 0x3000
            | 0xe000..=0xf8ff
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe007f
            | 0xf0000..
    ) || c & 0xfffe == 0xfffe
        || (0xfdd0..=0xfdef).contains(&c))
}

/// Python's bytes repr: `b'...'` with printable ASCII as is, `\t \n \r`, other bytes `\xNN`.
fn bytes_repr(out: &mut String, b: &[u8]) {
    let q = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(q);
    for &x in b {
        match x {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(x) == q => {
                out.push('\\');
                out.push(q);
            }
            0x20..=0x7e => out.push(char::from(x)),
            _ => out.push_str(&format!("\\x{x:02x}")),
        }
    }
    out.push(q);
}

/// A TYPE_LONG in decimal, or in hex past [`MAX_DECIMAL_DIGITS`] digits.
fn long_repr(out: &mut String, negative: bool, d: &[u8]) {
    let digits: Vec<u32> = (0..d.len() / 2).map(|i| le16(d, 2 * i).into()).collect();
    if negative && !digits.is_empty() {
        out.push('-');
    }
    if digits.len() > MAX_DECIMAL_DIGITS {
        // Pack the 15-bit digits into bits, most significant nibble first.
        let bits = 15 * digits.len();
        let nibble = |k: usize| {
            (0..4).fold(0u32, |v, j| {
                let bit = 4 * k + j;
                let set = bit < bits && digits[bit / 15] >> (bit % 15) & 1 == 1;
                v | (u32::from(set) << j)
            })
        };
        let mut s = String::from("0x");
        let mut started = false;
        for k in (0..bits.div_ceil(4)).rev() {
            let v = nibble(k);
            if v != 0 || started {
                started = true;
                s.push(char::from_digit(v, 16).unwrap_or('?'));
            }
        }
        out.push_str(&s);
        return;
    }
    // Base 10^9 limbs, least significant first: multiply by 2^15 and add each digit.
    let mut limbs: Vec<u64> = vec![0];
    for &dg in digits.iter().rev() {
        let mut carry = u64::from(dg);
        for l in limbs.iter_mut() {
            let v = (*l << 15) + carry;
            *l = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut it = limbs.iter().rev();
    out.push_str(&it.next().copied().unwrap_or(0).to_string());
    for l in it {
        out.push_str(&format!("{l:09}"));
    }
}

/// Python's float repr: the shortest digits that read back as `x`, fixed notation for decimal
/// exponents from -4 to 15, otherwise `1e+16` style. `dot0` adds ".0" to whole numbers (float
/// repr does, complex parts do not); `sign` writes "+" before non-negative numbers. NaNs other
/// than the usual one show their bits, so no two values look alike.
fn float_repr(x: f64, dot0: bool, sign: bool) -> String {
    let plus = if sign && x.is_sign_positive() { "+" } else { "" };
    if x.is_nan() {
        let bits = x.to_bits();
        return match bits {
            0x7ff8_0000_0000_0000 => format!("{}nan", if sign { "+" } else { "" }),
            _ => format!("{}nan({bits:#018x})", if sign { "+" } else { "" }),
        };
    }
    if x.is_infinite() {
        return format!("{}inf", if x < 0.0 { "-" } else { plus });
    }
    // Rust's `{:e}` gives the same shortest round-trip digits: "-1.2345e17".
    let e = format!("{x:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    // The decimal point sits after `point` digits.
    let point = exp + 1;
    let mut s = String::from(if neg { "-" } else { plus });
    if -4 < point && point <= 16 {
        if point <= 0 {
            s.push_str("0.");
            s.push_str(&"0".repeat((-point) as usize));
            s.push_str(&digits);
        } else if point >= n {
            s.push_str(&digits);
            s.push_str(&"0".repeat((point - n) as usize));
            if dot0 {
                s.push_str(".0");
            }
        } else {
            s.push_str(&digits[..point as usize]);
            s.push('.');
            s.push_str(&digits[point as usize..]);
        }
    } else {
        s.push_str(&digits[..1]);
        if n > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push_str(&format!("e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()));
    }
    s
}

/// Python's complex repr: `2j` for a positive-zero real part, else `(1-2j)`.
fn complex_repr(out: &mut String, re: f64, im: f64) {
    if re == 0.0 && re.is_sign_positive() {
        out.push_str(&float_repr(im, false, false));
        out.push('j');
    } else {
        out.push('(');
        out.push_str(&float_repr(re, false, false));
        out.push_str(&float_repr(im, false, true));
        out.push_str("j)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_does() {
        for (x, want) in [
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (2.5, "2.5"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e100, "1e+100"),
            (-1e300, "-1e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(float_repr(x, true, false), want, "{x:e}");
        }
        let c = |re, im| {
            let mut s = String::new();
            complex_repr(&mut s, re, im);
            s
        };
        assert_eq!(c(1.0, -2.0), "(1-2j)");
        assert_eq!(c(0.0, 2.0), "2j");
        assert_eq!(c(-0.0, 2.0), "(-0+2j)");
        assert_eq!(c(1.5, f64::INFINITY), "(1.5+infj)");
        assert_ne!(float_repr(f64::from_bits(0x7ff8_0000_0000_0001), true, false), "nan");
    }

    #[test]
    fn longs_and_strings() {
        let long = |neg, ds: &[u16]| {
            let b: Vec<u8> = ds.iter().flat_map(|d| d.to_le_bytes()).collect();
            let mut s = String::new();
            long_repr(&mut s, neg, &b);
            s
        };
        // 10**30 in 15-bit digits.
        let mut v: u128 = 10u128.pow(30);
        let mut ds = Vec::new();
        while v > 0 {
            ds.push((v & 0x7fff) as u16);
            v >>= 15;
        }
        assert_eq!(long(false, &ds), "1000000000000000000000000000000");
        assert_eq!(long(true, &ds), "-1000000000000000000000000000000");
        assert_eq!(long(false, &[]), "0");
        let big = vec![1u16; MAX_DECIMAL_DIGITS + 1];
        assert!(long(false, &big).starts_with("0x"));
        let mut s = String::new();
        bytes_repr(&mut s, b"a'\x00\xff\\");
        assert_eq!(s, "b\"a'\\x00\\xff\\\\\"");
        let str_repr = |b: &[u8]| {
            let mut s = String::new();
            escape_str(&mut s, chars(b, false), Some('\''));
            s
        };
        assert_eq!(str_repr("é\u{2028}\t'".as_bytes()), "é\\u2028\\t\\'");
        // A lone surrogate, as marshal writes it.
        assert_eq!(check_utf8(b"\xed\xa0\x80"), Ok(()));
        assert_eq!(str_repr(b"\xed\xa0\x80"), "\\ud800");
        assert_eq!(check_utf8(b"a\xc0\x80"), Err(1));
    }

    #[test]
    fn hostile_marshal_data_is_refused() {
        let run = |m: &[u8]| decode(3495, m, 16).map(|l| l.text);
        // A reference to the object being read.
        assert!(run(b"\xa9\x01r\x00\x00\x00\x00")
            .unwrap_err()
            .contains("still being read"));
        // A tuple claiming more items than bytes.
        assert!(run(b"(\xff\xff\xff\x7f").unwrap_err().contains("more than the"));
        // Nesting past the limit.
        let deep = [&b"[\x01\x00\x00\x00".repeat(1000)[..], b"N"].concat();
        let e = run(&deep).unwrap_err();
        assert!(e.contains("nested more than 200"), "{e}");
        // A long with a top digit of zero.
        assert!(run(b"l\x01\x00\x00\x00\x00\x00").unwrap_err().contains("unnormalized"));
        // Not a code object.
        assert!(run(b"N").unwrap_err().contains("is None, not a code object"));
        assert!(decode(3379, b"c", 12).err().unwrap().contains("Python 3.6 or older"));
    }
}
