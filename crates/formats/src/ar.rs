//! ar archives: System V / GNU (`//` long-name table, `/` and `/SYM64/` symbol tables), BSD
//! (`#1/N` names stored before the data, `__.SYMDEF` symbol tables) and GNU thin archives.
//! Debian packages and static libraries are ar archives.
//!
//! - Members are listed in archive order, named as `ar t` names them; repeated names stay
//!   repeated (the engine pairs repeats in order). Fields: `mode`, `uid`, `gid`, `mtime`; a
//!   blank header field (allowed by the format) is left out. The size is the member's `size`
//!   (the engine reports size changes itself, so there is no separate field).
//! - The symbol table, whatever its flavour, is not a member: it is an index that follows from
//!   the members. Its header becomes the archive fields `symbol-table.mtime` (ar writes the
//!   current time there unless run in deterministic mode), `.uid`, `.gid`, `.mode`, its size and
//!   symbol count `symbol-table.size` and `symbol-table.symbols`, and the node's text lists
//!   "symbol  member" lines.
//! - The GNU long-name table (`//`) is not a member either; names are resolved through it.
//! - Thin archives (`!<thin>`) hold only headers: their members have no data (a note says so).

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use crate::model::{err, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Ar;

const MAGIC: &[u8] = b"!<arch>\n";
const THIN: &[u8] = b"!<thin>\n";
const HEADER: usize = 60;

/// At most this many symbols are listed in the node's text.
const MAX_LISTED_SYMBOLS: usize = 100_000;

impl Format for Ar {
    fn name(&self) -> &'static str {
        "ar"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(MAGIC) || head.starts_with(THIN)
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits)
    }
}

/// Where a member header is, for error messages: "ar member 3 'x.o' at offset 0x84".
struct Loc<'a> {
    index: usize,
    offset: usize,
    name: &'a str,
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ar member {}", self.index)?;
        if !self.name.is_empty() {
            write!(f, " '{}'", self.name)?;
        }
        write!(f, " at offset {:#x}", self.offset)
    }
}

/// A space-padded numeric field; `Ok(None)` when blank.
fn field(h: &[u8], r: Range<usize>, radix: u32, name: &str, loc: &Loc) -> Result<Option<u64>, FormatError> {
    let raw = &h[r];
    let text = raw.trim_ascii_end();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || {
        FormatError::new(format!(
            "{loc}: field {name} is not {}: \"{}\"",
            if radix == 8 { "octal" } else { "a decimal number" },
            raw.escape_ascii()
        ))
    };
    let mut v: u64 = 0;
    for &c in text {
        let d = char::from(c).to_digit(radix).ok_or_else(bad)?;
        // At most 12 digits: no overflow in u64.
        v = v * u64::from(radix) + u64::from(d);
    }
    Ok(Some(v))
}

/// The header fields every member has.
struct Header {
    mtime: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    mode: Option<u64>,
}

impl Header {
    fn fields(&self, prefix: &str) -> Vec<Field> {
        let mut out = Vec::new();
        let f = |n: &str| format!("{prefix}{n}");
        if let Some(m) = self.mode {
            // Eight octal digits fit in 24 bits.
            out.push(Field::new(f("mode"), Value::Mode(m as u32)));
        }
        if let Some(u) = self.uid {
            out.push(Field::new(f("uid"), Value::Id(u)));
        }
        if let Some(g) = self.gid {
            out.push(Field::new(f("gid"), Value::Id(g)));
        }
        if let Some(t) = self.mtime {
            // Twelve decimal digits fit in i64.
            out.push(Field::new(f("mtime"), Value::Time(t as i64)));
        }
        out
    }
}

/// Which symbol table a member is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SymFormat {
    /// `/`: big-endian u32 count and offsets.
    Gnu,
    /// `/SYM64/`: big-endian u64 count and offsets.
    Gnu64,
    /// `__.SYMDEF`: ranlib structs (little-endian as written on today's machines).
    Bsd,
    /// `__.SYMDEF_64`
    Bsd64,
}

impl SymFormat {
    fn label(self) -> &'static str {
        match self {
            SymFormat::Gnu => "gnu",
            SymFormat::Gnu64 => "gnu 64-bit",
            SymFormat::Bsd => "bsd",
            SymFormat::Bsd64 => "bsd 64-bit",
        }
    }
}

struct SymTable {
    format: SymFormat,
    header: Header,
    offset: usize,
    data: Range<usize>,
}

fn open(blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let input: &[u8] = blob;
    let thin = input.starts_with(THIN);
    if !thin && !input.starts_with(MAGIC) {
        return err("ar: bad magic (expected \"!<arch>\\n\")");
    }
    let mut notes = Vec::new();
    let mut members: Vec<Member> = Vec::new();
    let mut header_offsets: Vec<usize> = Vec::new();
    let mut long_names: Option<Range<usize>> = None;
    let mut symtab: Option<SymTable> = None;
    let mut pos = MAGIC.len();
    let mut index = 0usize;
    // Which naming conventions the archive uses, for the `format` field.
    let (mut gnu, mut bsd) = (false, false);
    while pos < input.len() {
        index += 1;
        let rest = &input[pos..];
        let loc = Loc {
            index,
            offset: pos,
            name: "",
        };
        if rest.len() < HEADER && rest.iter().all(|&b| b == b'\n') {
            // GNU ar ignores a stray padding newline at the end.
            notes.push(format!(
                "{} stray newline byte(s) at the end, offset {pos:#x}",
                rest.len()
            ));
            break;
        }
        let Some(h) = rest.get(..HEADER) else {
            return err(format!(
                "{loc}: header truncated (need {HEADER} bytes, {} left)",
                rest.len()
            ));
        };
        let raw_name = h[..16].trim_ascii_end();
        let shown = String::from_utf8_lossy(raw_name).into_owned();
        let loc = Loc {
            index,
            offset: pos,
            name: &shown,
        };
        if &h[58..60] != b"`\n" {
            return err(format!(
                "{loc}: bad header terminator \"{}\" (expected \"`\\n\")",
                h[58..60].escape_ascii()
            ));
        }
        let size = field(h, 48..58, 10, "size", &loc)?
            .ok_or_else(|| FormatError::new(format!("{loc}: field size is blank")))?;
        let header = Header {
            mtime: field(h, 16..28, 10, "mtime", &loc)?,
            uid: field(h, 28..34, 10, "uid", &loc)?,
            gid: field(h, 34..40, 10, "gid", &loc)?,
            mode: field(h, 40..48, 8, "mode", &loc)?,
        };
        let start = pos + HEADER;
        let special = matches!(raw_name, b"/" | b"//" | b"/SYM64/");
        // A thin archive stores only headers, except for its symbol and name tables.
        let stored = if thin && !special { 0 } else { size };
        let end = usize::try_from(stored)
            .ok()
            .and_then(|n| start.checked_add(n))
            .filter(|&e| e <= input.len());
        let Some(end) = end else {
            return err(format!(
                "{loc}: data truncated (need {size} bytes, {} left)",
                input.len() - start
            ));
        };
        // Members start at even offsets: odd sizes are followed by one '\n' (which a
        // truncated last member may lack).
        let next = (end + (end & 1)).min(input.len());

        let mut data = start..end;
        if raw_name.starts_with(b"#1/") {
            bsd = true;
        } else if raw_name.ends_with(b"/") {
            gnu = true;
        }
        let name: String = match raw_name {
            b"/" | b"/SYM64/" => {
                let format = if raw_name == b"/" {
                    SymFormat::Gnu
                } else {
                    SymFormat::Gnu64
                };
                set_symtab(&mut symtab, &mut notes, format, header, pos, data);
                pos = next;
                continue;
            }
            b"//" => {
                long_names = Some(data);
                pos = next;
                continue;
            }
            _ if raw_name.starts_with(b"#1/") => {
                // BSD: the name is the first N bytes of the data.
                let n = std::str::from_utf8(&raw_name[3..])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .ok_or_else(|| FormatError::new(format!("{loc}: bad BSD name length")))?;
                if n > data.len() {
                    return err(format!(
                        "{loc}: BSD name of {n} bytes is longer than the member's {} bytes",
                        data.len()
                    ));
                }
                let name = &input[start..start + n];
                // Names are NUL-padded to keep the data aligned.
                let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(n)];
                data = start + n..end;
                String::from_utf8_lossy(name).into_owned()
            }
            _ if raw_name.len() > 1 && raw_name[0] == b'/' && raw_name[1..].iter().all(u8::is_ascii_digit) => {
                // GNU: an offset into the `//` table, where names end with "/\n".
                let Some(table) = long_names.clone() else {
                    return err(format!("{loc}: long name reference without a // name table before it"));
                };
                let off = std::str::from_utf8(&raw_name[1..])
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&o| o < table.len())
                    .ok_or_else(|| {
                        FormatError::new(format!(
                            "{loc}: long name offset {} is outside the // name table ({} bytes)",
                            String::from_utf8_lossy(&raw_name[1..]),
                            table.len()
                        ))
                    })?;
                let t = &input[table.start + off..table.end];
                let n = t.iter().position(|&c| c == b'\n' || c == 0).unwrap_or(t.len());
                let name = &t[..n];
                String::from_utf8_lossy(name.strip_suffix(b"/").unwrap_or(name)).into_owned()
            }
            // GNU ends short names with '/'; BSD and dpkg pad them with spaces only.
            _ => String::from_utf8_lossy(raw_name.strip_suffix(b"/").unwrap_or(raw_name)).into_owned(),
        };
        if let Some(format) = bsd_symtab(&name) {
            bsd = true;
            set_symtab(&mut symtab, &mut notes, format, header, pos, data);
            pos = next;
            continue;
        }
        if name.is_empty() {
            return err(format!("{loc}: empty member name"));
        }
        if members.len() >= limits.max_members {
            return err(format!("ar: more than {} members (limit)", limits.max_members));
        }
        members.push(Member {
            name,
            kind: EntryKind::File,
            fields: header.fields(""),
            size: if thin { size } else { data.len() as u64 },
            data: (!thin).then(|| Data::Blob(blob.slice(data))),
        });
        header_offsets.push(pos);
        pos = next;
    }

    let variant = if thin {
        "gnu thin"
    } else if bsd {
        "bsd"
    } else if gnu {
        "gnu"
    } else {
        // Short names padded with spaces and no tables (as dpkg-deb writes): any reader's.
        "common"
    };
    let mut fields = vec![
        Field::new("format", Value::Text(variant.into())),
        Field::new("members", Value::Int(members.len() as i64)),
    ];
    notes.insert(
        0,
        format!("{} members{}", members.len(), if thin { ", thin archive" } else { "" }),
    );
    if thin {
        notes.push("thin archive: member contents are separate files, not stored here (not compared)".into());
    }
    let mut text = None;
    if let Some(st) = symtab {
        fields.push(Field::new("symbol-table.format", Value::Text(st.format.label().into())));
        fields.extend(st.header.fields("symbol-table."));
        fields.push(Field::new("symbol-table.size", Value::Size(st.data.len() as u64)));
        let by_offset: HashMap<usize, &str> = header_offsets
            .iter()
            .zip(&members)
            .map(|(&o, m)| (o, m.name.as_str()))
            .collect();
        match read_symbols(&input[st.data.clone()], st.format) {
            Ok(syms) => {
                fields.push(Field::new("symbol-table.symbols", Value::Int(syms.len() as i64)));
                let mut t = format!("symbol table ({}, {} symbols):\n", st.format.label(), syms.len());
                let mut unknown = 0usize;
                for (i, (sym, off)) in syms.iter().enumerate() {
                    let m = usize::try_from(*off).ok().and_then(|o| by_offset.get(&o).copied());
                    if m.is_none() {
                        unknown += 1;
                    }
                    if i < MAX_LISTED_SYMBOLS {
                        t.push_str(&format!("{sym}  {}\n", m.unwrap_or("?")));
                    }
                }
                if syms.len() > MAX_LISTED_SYMBOLS {
                    t.push_str(&format!("... and {} more\n", syms.len() - MAX_LISTED_SYMBOLS));
                }
                if unknown > 0 && !thin {
                    notes.push(format!(
                        "symbol table at offset {:#x}: {unknown} symbols point at no member header",
                        st.offset
                    ));
                }
                text = Some(t);
            }
            Err(why) => notes.push(format!("symbol table at offset {:#x} not read: {why}", st.offset)),
        }
    }
    Ok(Opened {
        fields,
        members,
        notes,
        text,
    })
}

/// BSD symbol table names (as GNU `ar t` lists them, they would otherwise be members).
fn bsd_symtab(name: &str) -> Option<SymFormat> {
    match name {
        "__.SYMDEF" | "__.SYMDEF SORTED" => Some(SymFormat::Bsd),
        "__.SYMDEF_64" | "__.SYMDEF_64 SORTED" => Some(SymFormat::Bsd64),
        _ => None,
    }
}

fn set_symtab(
    symtab: &mut Option<SymTable>,
    notes: &mut Vec<String>,
    format: SymFormat,
    header: Header,
    offset: usize,
    data: Range<usize>,
) {
    if let Some(old) = symtab {
        notes.push(format!(
            "a second symbol table at offset {offset:#x} replaces the one at offset {:#x}",
            old.offset
        ));
    }
    *symtab = Some(SymTable {
        format,
        header,
        offset,
        data,
    });
}

/// (symbol, member header offset) pairs of a symbol table.
fn read_symbols(d: &[u8], format: SymFormat) -> Result<Vec<(String, u64)>, String> {
    let be = |b: &[u8], w: usize| -> u64 { b[..w].iter().fold(0u64, |a, &c| (a << 8) | u64::from(c)) };
    let le = |b: &[u8], w: usize| -> u64 { b[..w].iter().rev().fold(0u64, |a, &c| (a << 8) | u64::from(c)) };
    let cstr = |b: &[u8]| -> String {
        let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..n]).into_owned()
    };
    match format {
        SymFormat::Gnu | SymFormat::Gnu64 => {
            let w = if format == SymFormat::Gnu { 4 } else { 8 };
            let count = d.get(..w).map(|b| be(b, w)).ok_or("shorter than its count")?;
            let offsets_end = usize::try_from(count)
                .ok()
                .and_then(|c| c.checked_mul(w))
                .and_then(|n| n.checked_add(w))
                .filter(|&e| e <= d.len())
                .ok_or(format!("{count} symbols do not fit in {} bytes", d.len()))?;
            let mut names = d[offsets_end..].split(|&c| c == 0);
            let mut out = Vec::new();
            for chunk in d[w..offsets_end].chunks_exact(w) {
                let name = names.next().ok_or("fewer names than symbols")?;
                out.push((String::from_utf8_lossy(name).into_owned(), be(chunk, w)));
            }
            Ok(out)
        }
        SymFormat::Bsd | SymFormat::Bsd64 => {
            let w = if format == SymFormat::Bsd { 4 } else { 8 };
            let ranlib_bytes = d.get(..w).map(|b| le(b, w)).ok_or("shorter than its size")?;
            let ranlib_end = usize::try_from(ranlib_bytes)
                .ok()
                .and_then(|n| n.checked_add(w))
                .filter(|&e| e <= d.len())
                .ok_or(format!("ranlib size {ranlib_bytes} does not fit in {} bytes", d.len()))?;
            let strtab_len = d
                .get(ranlib_end..ranlib_end + w)
                .map(|b| le(b, w))
                .ok_or("no string table size")?;
            let strtab = usize::try_from(strtab_len)
                .ok()
                .and_then(|n| d.get(ranlib_end + w..(ranlib_end + w).checked_add(n)?))
                .ok_or(format!("string table of {strtab_len} bytes does not fit"))?;
            let mut out = Vec::new();
            for r in d[w..ranlib_end].chunks_exact(2 * w) {
                let strx = usize::try_from(le(r, w)).map_err(|_| "bad string index")?;
                let name = strtab.get(strx..).ok_or(format!("string index {strx} out of range"))?;
                out.push((cstr(name), le(&r[w..], w)));
            }
            Ok(out)
        }
    }
}
