//! ELF (32- and 64-bit, either byte order): executables, shared objects, relocatable objects
//! (`.o`) and, minimally, core files.
//!
//! # Node fields
//!
//! `class` (ELF32/ELF64), `endianness` (little/big), `os-abi`, `abi-version`, `type` (EXEC, DYN,
//! REL, CORE), `machine` (readelf's wording), `entry` (Offset), `flags`, then when present:
//! `build-id` (Digest, the NT_GNU_BUILD_ID note), `interpreter` (Path, PT_INTERP), `soname`,
//! `needed` (joined by ", "), `rpath` and `runpath` (Path), `comment` (the distinct `.comment`
//! strings joined by "; "), `dwarf.producer` and `dwarf.comp-dir` (Path) — the first compile
//! unit's values; when units disagree a note lists every distinct value —, `gnu-debuglink`
//! (Path) with `gnu-debuglink.crc`, `gnu-debugaltlink` (Path) with `gnu-debugaltlink.build-id`.
//!
//! # Members
//!
//! One per section header, in table order, kind Section, named by the section name; a repeated
//! name gets `#2`, `#3`, ... in table order, a nameless section is `(section N)`. Fields: `type`
//! (readelf's name), `flags` (readelf's letters, e.g. "AX"), `address` (Offset), `offset` (Offset:
//! the file offset, which moves when an earlier section grows), `size`, `align`, and `sha256` of
//! the bytes in the file. SHT_NOBITS sections (.bss) have no data and no digest. Compressed
//! (SHF_COMPRESSED) sections are listed as stored; zlib and zstd debug sections are decompressed
//! for the DWARF strings.
//!
//! Then synthetic UTF-8 text members (kind Section) that make diffs readable. Their names are
//! stable; a real section with one of these names is the one that gets a `#N` suffix:
//!
//! - [`PROGRAM_HEADERS`] `(program headers)`: a `readelf -l` style table and the section to
//!   segment mapping;
//! - [`SYMBOLS`] `(symbols)`: for `.dynsym` then `.symtab`, sorted lines
//!   "name type bind section value size" (dynamic names carry their version, `@` or `@@`);
//! - [`DYNAMIC`] `(dynamic)`: the dynamic table, one "TAG value" line per entry;
//! - [`NOTES`] `(notes)`: one line per note: where, owner, type, description hex;
//! - [`OTHER_BYTES`] `(other bytes)`: the file bytes outside the headers, the header tables and
//!   every section, when there are any (padding; core files: the memory dumps).
//!
//! Each synthetic member is only present when it has content.
//!
//! DWARF: gimli reads only the first entry of every unit in `.debug_info` (relocations applied
//! for relocatable objects, zlib-compressed sections inflated), which is where DW_AT_producer and
//! DW_AT_comp_dir live. Problems in symbols, notes, the dynamic table or DWARF become notes, not
//! errors: they do not stop the sections from being compared.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use gimli::{AttributeValue, EndianSlice, RelocateReader, RunTimeEndian};
use object::elf::{self as e, FileHeader32, FileHeader64};
use object::read::elf::{
    CompressionHeader, Dyn, FileHeader, NoteIterator, ProgramHeader, Rel, Rela, SectionHeader, SectionTable, Sym,
    SymbolTable,
};
use object::read::StringTable;
use object::{Endianness, SectionIndex, SymbolIndex};
use sha2::{Digest, Sha256};

use crate::model::{err, hex, Blob, Concat, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Elf;

/// Synthetic member: the program header table as text.
pub const PROGRAM_HEADERS: &str = "(program headers)";
/// Synthetic member: sorted symbol lines of `.dynsym` and `.symtab`.
pub const SYMBOLS: &str = "(symbols)";
/// Synthetic member: the dynamic table as text.
pub const DYNAMIC: &str = "(dynamic)";
/// Synthetic member: every note as text.
pub const NOTES: &str = "(notes)";
/// Synthetic member: bytes that no header, header table or section covers.
pub const OTHER_BYTES: &str = "(other bytes)";
const SYNTHETIC: [&str; 5] = [PROGRAM_HEADERS, SYMBOLS, DYNAMIC, NOTES, OTHER_BYTES];

const MAGIC: &[u8; 4] = b"\x7fELF";

/// Note descriptions longer than this are shown cut, with their digest (core notes are large).
const NOTE_HEX_MAX: usize = 512;

impl Format for Elf {
    fn name(&self) -> &'static str {
        "elf"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        // More than the magic: "\x7fELF" also occurs inside other data (a loader's .rodata
        // holds the string), which must stay plain bytes. A real header has a known class and
        // encoding, version 1, and the header size of its class.
        if !head.starts_with(MAGIC) || head.len() < 52 || head[6] != 1 {
            return false;
        }
        let (at, want) = match head[4] {
            1 => (40, 52u16),
            2 => (52, 64u16),
            _ => return false,
        };
        // e_ehsize is at 52..54 in a 64-bit header: a 52-byte input is too short for it.
        if head.len() < at + 2 {
            return false;
        }
        let ehsize = match head[5] {
            1 => u16::from_le_bytes([head[at], head[at + 1]]),
            2 => u16::from_be_bytes([head[at], head[at + 1]]),
            _ => return false,
        };
        ehsize == want
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        if check_ident(data)? {
            File::<FileHeader64<Endianness>>::parse(data, limits.max_members)?.open(data, limits)
        } else {
            File::<FileHeader32<Endianness>>::parse(data, limits.max_members)?.open(data, limits)
        }
    }
}

/// The symbol covering `offset` bytes into the section named `section` (a member name, so
/// `name#2` finds the second section of that name): its name and the offset inside it, e.g.
/// `("main", 0x20)`. `.symtab` is preferred, `.dynsym` used when it has no candidate. When no
/// sized symbol covers the offset, the nearest symbol before it is used (as objdump's `<f+0x..>`).
/// `None` for anything that is not a readable ELF, an unknown section or an offset past its end.
pub fn symbol_at(elf_bytes: &[u8], section: &str, offset: u64) -> Option<(String, u64)> {
    if check_ident(elf_bytes).ok()? {
        File::<FileHeader64<Endianness>>::parse(elf_bytes, usize::MAX)
            .ok()?
            .symbol_at(section, offset)
    } else {
        File::<FileHeader32<Endianness>>::parse(elf_bytes, usize::MAX)
            .ok()?
            .symbol_at(section, offset)
    }
}

/// Checks the identification bytes and the header length; true for a 64-bit file.
fn check_ident(data: &[u8]) -> Result<bool, FormatError> {
    if !data.starts_with(MAGIC) {
        return err("not an ELF file: no \\x7fELF magic at offset 0");
    }
    let Some(ident) = data.get(..16) else {
        return err(format!(
            "ELF header truncated: {} bytes, the identification alone needs 16",
            data.len()
        ));
    };
    let is64 = match ident[4] {
        1 => false,
        2 => true,
        c => {
            return err(format!(
                "ELF header: unknown class {c} at offset 0x4 (1 = 32-bit, 2 = 64-bit)"
            ))
        }
    };
    if !matches!(ident[5], 1 | 2) {
        return err(format!(
            "ELF header: unknown data encoding {} at offset 0x5 (1 = little-endian, 2 = big-endian)",
            ident[5]
        ));
    }
    if ident[6] != 1 {
        return err(format!(
            "ELF header: unsupported version {} at offset 0x6 (only version 1 exists)",
            ident[6]
        ));
    }
    let (bits, need) = if is64 { (64, 64) } else { (32, 52) };
    if data.len() < need {
        return err(format!(
            "ELF header truncated: {} bytes, a {bits}-bit header needs {need}",
            data.len()
        ));
    }
    Ok(is64)
}

/// A parsed ELF file: the header, both header tables (checked against the file length) and
/// the section names.
struct File<'d, H: FileHeader<Endian = Endianness>> {
    data: &'d [u8],
    endian: Endianness,
    header: &'d H,
    phdrs: &'d [H::ProgramHeader],
    sections: SectionTable<'d, H>,
    /// Raw section names by index (index 0, the null section, is empty).
    raw_names: Vec<&'d [u8]>,
    /// Member names by index: unique and never empty (index 0 excepted).
    names: Vec<String>,
}

/// One note, from a section or a PT_NOTE segment.
struct NoteRec<'d> {
    place: String,
    owner: String,
    ntype: u32,
    desc: &'d [u8],
}

/// One dynamic table entry; `text` is the resolved string for string-valued tags.
struct DynEntry {
    tag: i64,
    value: u64,
    text: Option<String>,
}

impl<'d, H: FileHeader<Endian = Endianness>> File<'d, H> {
    fn parse(data: &'d [u8], max_sections: usize) -> Result<Self, FormatError> {
        let header = H::parse(data).map_err(|e| FormatError::new(format!("ELF header: {e}")))?;
        let endian = header
            .endian()
            .map_err(|e| FormatError::new(format!("ELF header: {e}")))?;
        let len = data.len() as u64;
        let (ph_size, sh_size) = if H::is_type_64_sized() { (56, 64) } else { (32, 40) };

        let phoff: u64 = header.e_phoff(endian).into();
        let phdrs = if phoff == 0 || header.e_phnum(endian) == 0 {
            &[][..]
        } else {
            let entsize = u64::from(header.e_phentsize(endian));
            if entsize != ph_size {
                return err(format!(
                    "ELF header: program header entry size is {entsize} bytes, expected {ph_size}"
                ));
            }
            // PN_XNUM: the real count is in section 0, whose header must then be readable.
            let count = header
                .phnum(endian, data)
                .map_err(|e| FormatError::new(format!("ELF header: cannot read the program header count: {e}")))?;
            table_fits("program header", phoff, u64::from(count), entsize, len)?;
            header
                .program_headers(endian, data)
                .map_err(|e| FormatError::new(format!("program header table at offset {phoff:#x}: {e}")))?
        };

        let shoff: u64 = header.e_shoff(endian).into();
        let shdrs = if shoff == 0 {
            &[][..]
        } else {
            let entsize = u64::from(header.e_shentsize(endian));
            if entsize != sh_size {
                return err(format!(
                    "ELF header: section header entry size is {entsize} bytes, expected {sh_size}"
                ));
            }
            // Section 0 must be readable first: it holds the count when e_shnum is 0.
            let stated = u64::from(header.e_shnum(endian)).max(1);
            table_fits("section header", shoff, stated, entsize, len)?;
            let count = header
                .shnum(endian, data)
                .map_err(|e| FormatError::new(format!("ELF header: cannot read the section count: {e}")))?;
            if count as usize > max_sections {
                return err(format!(
                    "{count} sections, more than the limit of {max_sections} members"
                ));
            }
            table_fits("section header", shoff, u64::from(count), entsize, len)?;
            header
                .section_headers(endian, data)
                .map_err(|e| FormatError::new(format!("section header table at offset {shoff:#x}: {e}")))?
        };

        let mut strings = StringTable::default();
        let mut strtab_size = 0u64;
        if !shdrs.is_empty() && header.e_shstrndx(endian) != e::SHN_UNDEF {
            let index = header
                .shstrndx(endian, data)
                .map_err(|e| FormatError::new(format!("ELF header: cannot read the section name table index: {e}")))?;
            let sh = usize::try_from(index)
                .ok()
                .filter(|&i| i != 0)
                .and_then(|i| shdrs.get(i))
                .ok_or_else(|| {
                    FormatError::new(format!(
                        "ELF header: section name table index {index} is out of range ({} sections)",
                        shdrs.len()
                    ))
                })?;
            if let Some((off, size)) = sh.file_range(endian) {
                section_fits(index as usize, "(the section name table)", off, size, len)?;
                strings = StringTable::new(data, off, off + size);
                strtab_size = size;
            }
        }

        let mut raw_names: Vec<&'d [u8]> = vec![&[]];
        for (i, sh) in shdrs.iter().enumerate().skip(1) {
            let name: &[u8] = if strtab_size == 0 && sh.sh_name(endian) == 0 {
                &[]
            } else {
                sh.name(endian, strings).map_err(|_| {
                    FormatError::new(format!(
                        "section [{i}]: its name at offset {:#x} is not a terminated string inside the section name table ({strtab_size} bytes)",
                        sh.sh_name(endian)
                    ))
                })?
            };
            raw_names.push(name);
        }
        let names = unique_names(&raw_names);
        for (i, sh) in shdrs.iter().enumerate().skip(1) {
            if let Some((off, size)) = sh.file_range(endian) {
                section_fits(i, &names[i], off, size, len)?;
            }
        }
        Ok(File {
            data,
            endian,
            header,
            phdrs,
            sections: SectionTable::new(shdrs, strings),
            raw_names,
            names,
        })
    }

    fn is_rel(&self) -> bool {
        self.header.e_type(self.endian) == e::ET_REL
    }

    fn machine(&self) -> e::Machine {
        self.header.e_machine(self.endian)
    }

    fn open(&self, blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
        let mut remarks = Vec::new();
        let mut fields = self.header_fields();

        let notes = self.notes(&mut remarks);
        if let Some(n) = notes
            .iter()
            .find(|n| n.owner == "GNU" && n.ntype == e::NT_GNU_BUILD_ID.0)
        {
            fields.push(Field::new("build-id", Value::Digest(hex(n.desc))));
        }
        if let Some(interp) = self.interpreter(&mut remarks) {
            fields.push(Field::new("interpreter", Value::Path(interp)));
        }
        let dynamic = self.dynamic(&mut remarks);
        let strings_of = |tag: e::DynamicTag| -> Vec<String> {
            dynamic
                .iter()
                .filter(|d| d.tag == tag.0)
                .filter_map(|d| d.text.clone())
                .collect()
        };
        if let Some(soname) = strings_of(e::DT_SONAME).into_iter().next() {
            fields.push(Field::new("soname", Value::Text(soname)));
        }
        let needed = strings_of(e::DT_NEEDED);
        if !needed.is_empty() {
            fields.push(Field::new("needed", Value::Text(needed.join(", "))));
        }
        for (tag, name) in [(e::DT_RPATH, "rpath"), (e::DT_RUNPATH, "runpath")] {
            let v = strings_of(tag);
            if !v.is_empty() {
                fields.push(Field::new(name, Value::Path(v.join(":"))));
            }
        }
        if let Some(comment) = self.comment() {
            fields.push(Field::new("comment", Value::Text(comment)));
        }
        let (producers, comp_dirs) = self.dwarf(limits, &mut remarks);
        for (name, values, what) in [
            ("dwarf.producer", &producers, "DWARF producers"),
            ("dwarf.comp-dir", &comp_dirs, "DWARF compilation directories"),
        ] {
            if let Some(first) = values.first() {
                let value = if name == "dwarf.comp-dir" {
                    Value::Path(first.clone())
                } else {
                    Value::Text(first.clone())
                };
                fields.push(Field::new(name, value));
            }
            if values.len() > 1 {
                remarks.push(format!("{} distinct {what}: {}", values.len(), values.join("; ")));
            }
        }
        self.debuglinks(&mut fields, &mut remarks);

        let mut members = Vec::with_capacity(self.names.len() + SYNTHETIC.len());
        for (i, sh) in self.sections.iter().enumerate().skip(1) {
            members.push(self.section_member(i, sh, blob));
        }
        let mut synthetic = |name: &str, text: String| {
            if !text.is_empty() {
                members.push(text_member(name, text));
            }
        };
        synthetic(PROGRAM_HEADERS, self.program_header_text());
        synthetic(SYMBOLS, self.symbol_text(&mut remarks));
        synthetic(DYNAMIC, dynamic_text(self.machine(), &dynamic));
        synthetic(NOTES, notes_text(&notes));
        if let Some(m) = self.other_bytes(blob) {
            members.push(m);
        }
        if members.len() > limits.max_members {
            return err(format!(
                "{} members, more than the limit of {}",
                members.len(),
                limits.max_members
            ));
        }
        Ok(Opened {
            fields,
            members,
            notes: remarks,
            text: None,
        })
    }

    fn header_fields(&self) -> Vec<Field> {
        let (h, en) = (self.header, self.endian);
        let ident = h.e_ident();
        vec![
            Field::new(
                "class",
                Value::Text(if H::is_type_64_sized() { "ELF64" } else { "ELF32" }.into()),
            ),
            Field::new(
                "endianness",
                Value::Text(if h.is_big_endian() { "big" } else { "little" }.into()),
            ),
            Field::new("os-abi", Value::Text(os_abi_name(ident.os_abi.0))),
            Field::new("abi-version", Value::Int(ident.abi_version.into())),
            Field::new("type", Value::Text(file_type_name(h.e_type(en).0))),
            Field::new("machine", Value::Text(machine_name(h.e_machine(en).0))),
            Field::new("entry", Value::Offset(h.e_entry(en).into())),
            Field::new("flags", Value::Text(format!("{:#x}", h.e_flags(en).0))),
        ]
    }

    fn section_member(&self, i: usize, sh: &H::SectionHeader, blob: &Blob) -> Member {
        let en = self.endian;
        let size: u64 = sh.sh_size(en).into();
        let mut fields = vec![
            Field::new("type", Value::Text(section_type_name(self.machine(), sh.sh_type(en)))),
            Field::new("flags", Value::Text(section_flags(self.machine(), sh.sh_flags(en).0))),
            Field::new("address", Value::Offset(sh.sh_addr(en).into())),
            Field::new("offset", Value::Offset(sh.sh_offset(en).into())),
            Field::new("size", Value::Size(size)),
            Field::new(
                "align",
                Value::Int(i64::try_from(sh.sh_addralign(en).into()).unwrap_or(i64::MAX)),
            ),
        ];
        // Ranges were checked against the file length in parse(), so they fit in usize.
        let data = sh.file_range(en).map(|(off, size)| {
            let start = usize::try_from(off).unwrap_or(usize::MAX);
            let end = usize::try_from(off.saturating_add(size)).unwrap_or(usize::MAX);
            blob.slice(start..end)
        });
        if let Some(d) = &data {
            fields.push(Field::new("sha256", Value::Digest(hex(&Sha256::digest(&d[..])))));
        }
        Member {
            name: self.names[i].clone(),
            kind: EntryKind::Section,
            fields,
            data: data.map(Data::Blob),
            size,
        }
    }

    /// The first section whose raw name is `name`.
    fn section_by_name(&self, name: &str) -> Option<(usize, &'d H::SectionHeader)> {
        let i = self.raw_names.iter().position(|n| *n == name.as_bytes())?;
        Some((i, self.sections.section(SectionIndex(i)).ok()?))
    }

    fn section_data(&self, sh: &H::SectionHeader) -> &'d [u8] {
        sh.data(self.endian, self.data).unwrap_or(&[])
    }

    fn notes(&self, remarks: &mut Vec<String>) -> Vec<NoteRec<'d>> {
        let en = self.endian;
        let mut out = Vec::new();
        let mut read = |place: String, notes: object::read::Result<Option<NoteIterator<'d, H>>>| match notes {
            Ok(Some(mut it)) => loop {
                match it.next() {
                    Ok(Some(n)) => out.push(NoteRec {
                        place: place.clone(),
                        owner: String::from_utf8_lossy(n.name()).into_owned(),
                        ntype: n.n_type(en).0,
                        desc: n.desc(),
                    }),
                    Ok(None) => break,
                    Err(e) => {
                        remarks.push(format!("{place}: cannot read a note: {e}"));
                        break;
                    }
                }
            },
            Ok(None) => {}
            Err(e) => remarks.push(format!("{place}: cannot read notes: {e}")),
        };
        let mut from_sections = false;
        for (i, sh) in self.sections.iter().enumerate().skip(1) {
            if sh.sh_type(en) == e::SHT_NOTE {
                from_sections = true;
                read(format!("section {}", self.names[i]), sh.notes(en, self.data));
            }
        }
        // Core files and section-less executables keep their notes in PT_NOTE segments only.
        if !from_sections {
            for (i, ph) in self.phdrs.iter().enumerate() {
                if ph.p_type(en) == e::PT_NOTE {
                    let off: u64 = ph.p_offset(en).into();
                    read(
                        format!("PT_NOTE segment {i} at offset {off:#x}"),
                        ph.notes(en, self.data),
                    );
                }
            }
        }
        out
    }

    fn interpreter(&self, remarks: &mut Vec<String>) -> Option<String> {
        for (i, ph) in self.phdrs.iter().enumerate() {
            match ph.interpreter(self.endian, self.data) {
                Ok(Some(p)) => return Some(String::from_utf8_lossy(p).into_owned()),
                Ok(None) => {}
                Err(e) => remarks.push(format!("PT_INTERP segment {i}: {e}")),
            }
        }
        None
    }

    /// The dynamic table from the SHT_DYNAMIC section, or from PT_DYNAMIC when there are no
    /// section headers (its strings are then found through DT_STRTAB's address).
    fn dynamic(&self, remarks: &mut Vec<String>) -> Vec<DynEntry> {
        let en = self.endian;
        let mut table: Option<(&'d [H::Dyn], StringTable<'d>, String)> = None;
        for (i, sh) in self.sections.iter().enumerate().skip(1) {
            match sh.dynamic(en, self.data) {
                Ok(Some((dyns, link))) => {
                    let place = format!("section {}", self.names[i]);
                    let strings = self.sections.strings(en, self.data, link).unwrap_or_else(|e| {
                        remarks.push(format!("{place}: its string table (section [{}]): {e}", link.0));
                        StringTable::default()
                    });
                    table = Some((dyns, strings, place));
                    break;
                }
                Ok(None) => {}
                Err(e) => remarks.push(format!("section {}: {e}", self.names[i])),
            }
        }
        if table.is_none() && self.sections.is_empty() {
            for (i, ph) in self.phdrs.iter().enumerate() {
                match ph.dynamic(en, self.data) {
                    Ok(Some(dyns)) => {
                        let strtab = dyns.iter().find(|d| d.tag(en) == e::DT_STRTAB).map(|d| d.val(en));
                        let strsz = dyns.iter().find(|d| d.tag(en) == e::DT_STRSZ).map(|d| d.val(en));
                        let strings = match (strtab.and_then(|a| self.file_offset(a)), strsz) {
                            (Some(off), Some(size)) if off.checked_add(size).is_some() => {
                                StringTable::new(self.data, off, off + size)
                            }
                            _ => StringTable::default(),
                        };
                        table = Some((dyns, strings, format!("PT_DYNAMIC segment {i}")));
                        break;
                    }
                    Ok(None) => {}
                    Err(e) => remarks.push(format!("PT_DYNAMIC segment {i}: {e}")),
                }
            }
        }
        let Some((dyns, strings, place)) = table else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, d) in dyns.iter().enumerate() {
            let tag = d.tag(en);
            if tag == e::DT_NULL {
                break;
            }
            let text = if d.is_string(en) {
                match d.string(en, strings) {
                    Ok(s) => Some(String::from_utf8_lossy(s).into_owned()),
                    Err(_) => {
                        remarks.push(format!(
                            "{place}: entry {k}: string offset {:#x} is outside the dynamic string table",
                            d.val(en)
                        ));
                        None
                    }
                }
            } else {
                None
            };
            out.push(DynEntry {
                tag: tag.0,
                value: d.val(en),
                text,
            });
        }
        out
    }

    /// The file offset of a virtual address, through the PT_LOAD segments.
    fn file_offset(&self, addr: u64) -> Option<u64> {
        let en = self.endian;
        self.phdrs.iter().filter(|p| p.p_type(en) == e::PT_LOAD).find_map(|p| {
            let (vaddr, filesz, off): (u64, u64, u64) =
                (p.p_vaddr(en).into(), p.p_filesz(en).into(), p.p_offset(en).into());
            let delta = addr.checked_sub(vaddr)?;
            (delta < filesz).then(|| off.checked_add(delta)).flatten()
        })
    }

    fn comment(&self) -> Option<String> {
        let (_, sh) = self.section_by_name(".comment")?;
        let mut seen = Vec::new();
        for s in self.section_data(sh).split(|&b| b == 0) {
            let s = String::from_utf8_lossy(s).into_owned();
            if !s.is_empty() && !seen.contains(&s) {
                seen.push(s);
            }
        }
        (!seen.is_empty()).then(|| seen.join("; "))
    }

    fn debuglinks(&self, fields: &mut Vec<Field>, remarks: &mut Vec<String>) {
        if let Some((_, sh)) = self.section_by_name(".gnu_debuglink") {
            let d = self.section_data(sh);
            match d.iter().position(|&b| b == 0) {
                Some(n) => {
                    fields.push(Field::new(
                        "gnu-debuglink",
                        Value::Path(String::from_utf8_lossy(&d[..n]).into_owned()),
                    ));
                    // The CRC-32 follows the name, its NUL and padding to 4 bytes.
                    let at = (n + 4) & !3;
                    match d.get(at..at + 4) {
                        Some(c) => {
                            let c = [c[0], c[1], c[2], c[3]];
                            let crc = if self.header.is_big_endian() {
                                u32::from_be_bytes(c)
                            } else {
                                u32::from_le_bytes(c)
                            };
                            fields.push(Field::new("gnu-debuglink.crc", Value::Digest(format!("{crc:08x}"))));
                        }
                        None => remarks.push(format!(
                            "section .gnu_debuglink: no CRC-32 after the file name ({} bytes)",
                            d.len()
                        )),
                    }
                }
                None => remarks.push("section .gnu_debuglink: the file name is not terminated".into()),
            }
        }
        if let Some((_, sh)) = self.section_by_name(".gnu_debugaltlink") {
            let d = self.section_data(sh);
            match d.iter().position(|&b| b == 0) {
                Some(n) => {
                    fields.push(Field::new(
                        "gnu-debugaltlink",
                        Value::Path(String::from_utf8_lossy(&d[..n]).into_owned()),
                    ));
                    fields.push(Field::new("gnu-debugaltlink.build-id", Value::Digest(hex(&d[n + 1..]))));
                }
                None => remarks.push("section .gnu_debugaltlink: the file name is not terminated".into()),
            }
        }
    }

    fn program_header_text(&self) -> String {
        use std::fmt::Write;
        let en = self.endian;
        if self.phdrs.is_empty() {
            return String::new();
        }
        let w = if H::is_type_64_sized() { 18 } else { 10 };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<14} {:<10} {:<w$} {:<w$} {:<10} {:<10} Flg Align",
            "Type", "Offset", "VirtAddr", "PhysAddr", "FileSiz", "MemSiz"
        );
        let names = e::machine_names(self.machine());
        for ph in self.phdrs {
            let ty = ph.p_type(en);
            let name = names
                .pt
                .name(ty)
                .map(|n| n.trim_start_matches("PT_").to_string())
                .unwrap_or_else(|| format!("{:#x}", ty.0));
            let f = ph.p_flags(en).0;
            let flg: String = [(e::PF_R.0, 'R'), (e::PF_W.0, 'W'), (e::PF_X.0, 'E')]
                .iter()
                .map(|&(bit, c)| if f & bit != 0 { c } else { ' ' })
                .collect();
            let (off, va, pa, fs, ms, al): (u64, u64, u64, u64, u64, u64) = (
                ph.p_offset(en).into(),
                ph.p_vaddr(en).into(),
                ph.p_paddr(en).into(),
                ph.p_filesz(en).into(),
                ph.p_memsz(en).into(),
                ph.p_align(en).into(),
            );
            let _ = writeln!(
                s,
                "{name:<14} {:<10} {:<w$} {:<w$} {:<10} {:<10} {flg} {al:#x}",
                format!("{off:#08x}"),
                format!("{va:#0x$x}", x = w),
                format!("{pa:#0x$x}", x = w),
                format!("{fs:#08x}"),
                format!("{ms:#08x}"),
            );
            if let Ok(Some(interp)) = ph.interpreter(en, self.data) {
                let _ = writeln!(
                    s,
                    "    [Requesting program interpreter: {}]",
                    String::from_utf8_lossy(interp)
                );
            }
        }
        if self.sections.len() > 1 {
            let _ = writeln!(s, "\nSection to Segment mapping:");
            for (k, ph) in self.phdrs.iter().enumerate() {
                let mut line = format!("  {k:02}    ");
                for (i, sh) in self.sections.iter().enumerate().skip(1) {
                    if section_in_segment::<H>(en, sh, ph) {
                        line.push(' ');
                        line.push_str(&self.names[i]);
                    }
                }
                let _ = writeln!(s, "{}", line.trim_end());
            }
        }
        s
    }

    fn symbol_text(&self, remarks: &mut Vec<String>) -> String {
        let en = self.endian;
        let names = e::machine_names(self.machine());
        let mut out = String::new();
        for wanted in [e::SHT_DYNSYM, e::SHT_SYMTAB] {
            for (i, sh) in self.sections.iter().enumerate().skip(1) {
                if sh.sh_type(en) != wanted {
                    continue;
                }
                let place = &self.names[i];
                let table = match SymbolTable::parse(en, self.data, &self.sections, SectionIndex(i), sh) {
                    Ok(t) => t,
                    Err(e) => {
                        remarks.push(format!("section {place}: cannot read symbols: {e}"));
                        continue;
                    }
                };
                let versions = if wanted == e::SHT_DYNSYM {
                    match self.sections.versions(en, self.data) {
                        Ok(v) => v,
                        Err(e) => {
                            remarks.push(format!("symbol versions: {e}"));
                            None
                        }
                    }
                } else {
                    None
                };
                let mut lines = Vec::new();
                for (k, sym) in table.iter().enumerate().skip(1) {
                    let Ok(name) = table.symbol_name(en, sym) else {
                        remarks.push(format!(
                            "section {place}: symbol {k}: name offset {:#x} is outside its string table",
                            sym.st_name(en)
                        ));
                        continue;
                    };
                    if name.is_empty() {
                        continue;
                    }
                    let mut name = String::from_utf8_lossy(name).into_owned();
                    if let Some(v) = &versions {
                        let vi = v.version_index(en, SymbolIndex(k));
                        if let Ok(Some(ver)) = v.version(vi.index()) {
                            let sep = if vi.is_hidden() || sym.is_undefined(en) {
                                "@"
                            } else {
                                "@@"
                            };
                            name = format!("{name}{sep}{}", String::from_utf8_lossy(ver.name()));
                        }
                    }
                    let ty = names
                        .stt
                        .name(sym.st_type())
                        .map(|n| n.trim_start_matches("STT_").replace("GNU_IFUNC", "IFUNC"))
                        .unwrap_or_else(|| format!("{:#x}", sym.st_type().0));
                    let bind = names
                        .stb
                        .name(sym.st_bind())
                        .map(|n| n.trim_start_matches("STB_").replace("GNU_UNIQUE", "UNIQUE"))
                        .unwrap_or_else(|| format!("{:#x}", sym.st_bind().0));
                    let section = match table.symbol_section(en, sym, SymbolIndex(k)) {
                        Ok(Some(s)) => self
                            .names
                            .get(s.0)
                            .filter(|_| s.0 != 0)
                            .cloned()
                            .unwrap_or_else(|| format!("[{}]", s.0)),
                        Ok(None) => special_section_name(sym.st_shndx(en)),
                        Err(_) => "[bad extended index]".into(),
                    };
                    let value: u64 = sym.st_value(en).into();
                    let size: u64 = sym.st_size(en).into();
                    let mut line = format!("  {name} {ty} {bind} {section} {value:#x} {size}");
                    let vis = sym.st_visibility();
                    if vis != e::STV_DEFAULT {
                        let v = match vis {
                            e::STV_INTERNAL => "INTERNAL".to_string(),
                            e::STV_HIDDEN => "HIDDEN".to_string(),
                            e::STV_PROTECTED => "PROTECTED".to_string(),
                            other => format!("visibility {}", other.0),
                        };
                        line.push(' ');
                        line.push_str(&v);
                    }
                    lines.push(line);
                }
                lines.sort();
                out.push_str(&format!("{place} ({} named symbols):\n", lines.len()));
                for l in lines {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
        }
        out
    }

    /// Bytes outside the ELF header, both header tables and all sections, as one member when
    /// any of them is not zero (alignment padding is zeros; core dumps are not).
    fn other_bytes(&self, blob: &Blob) -> Option<Member> {
        let en = self.endian;
        let len = self.data.len() as u64;
        let h = self.header;
        let mut covered: Vec<(u64, u64)> = vec![(0, std::mem::size_of::<H>() as u64)];
        let phoff: u64 = h.e_phoff(en).into();
        covered.push((phoff, phoff.saturating_add((std::mem::size_of_val(self.phdrs)) as u64)));
        let shoff: u64 = h.e_shoff(en).into();
        let shtab = std::mem::size_of::<H::SectionHeader>() as u64 * self.sections.len() as u64;
        covered.push((shoff, shoff.saturating_add(shtab)));
        for sh in self.sections.iter() {
            if let Some((off, size)) = sh.file_range(en) {
                covered.push((off, off.saturating_add(size)));
            }
        }
        covered.sort_unstable();
        let mut gaps = Vec::new();
        let mut at = 0u64;
        for (s, e) in covered {
            if s > at {
                gaps.push((at, s.min(len)));
            }
            at = at.max(e);
        }
        if at < len {
            gaps.push((at, len));
        }
        gaps.retain(|&(s, e)| s < e);
        // Listed even when all zero (alignment padding): bytes written into padding on one side
        // only then read as a change of this member, not as a member that appeared.
        if gaps.is_empty() {
            return None;
        }
        let piece = |(s, e): (u64, u64)| blob.slice(s as usize..e as usize);
        // Several gaps are joined only when compared (a core file's gaps are its memory dumps).
        let data = if gaps.len() == 1 {
            Data::Blob(piece(gaps[0]))
        } else {
            Data::Lazy(std::sync::Arc::new(Concat {
                tag: "elf-other-bytes",
                pieces: gaps.iter().map(|&g| piece(g)).collect(),
            }))
        };
        let size: u64 = gaps.iter().map(|(s, e)| e - s).sum();
        let mut ranges: Vec<String> = gaps.iter().take(16).map(|(s, e)| format!("{s:#x}..{e:#x}")).collect();
        if gaps.len() > 16 {
            ranges.push(format!("... ({} ranges)", gaps.len()));
        }
        Some(Member {
            name: OTHER_BYTES.into(),
            kind: EntryKind::Section,
            fields: vec![Field::new("ranges", Value::Text(ranges.join(", ")))],
            size,
            data: Some(data),
        })
    }

    fn symbol_at(&self, section: &str, offset: u64) -> Option<(String, u64)> {
        let en = self.endian;
        let index = self.names.iter().skip(1).position(|n| n == section)? + 1;
        let sh = self.sections.section(SectionIndex(index)).ok()?;
        if offset >= sh.sh_size(en).into() {
            return None;
        }
        // In relocatable objects st_value is relative to the section; elsewhere an address.
        let base: u64 = if self.is_rel() { 0 } else { sh.sh_addr(en).into() };
        for wanted in [e::SHT_SYMTAB, e::SHT_DYNSYM] {
            let mut best: Option<(Rank, String, u64)> = None;
            for (i, tsh) in self.sections.iter().enumerate().skip(1) {
                if tsh.sh_type(en) != wanted {
                    continue;
                }
                let Ok(table) = SymbolTable::parse(en, self.data, &self.sections, SectionIndex(i), tsh) else {
                    continue;
                };
                for (k, sym) in table.iter().enumerate().skip(1) {
                    if !matches!(table.symbol_section(en, sym, SymbolIndex(k)), Ok(Some(s)) if s.0 == index) {
                        continue;
                    }
                    if matches!(sym.st_type(), e::STT_SECTION | e::STT_FILE) {
                        continue;
                    }
                    let Ok(name) = table.symbol_name(en, sym) else { continue };
                    if name.is_empty() {
                        continue;
                    }
                    let value: u64 = sym.st_value(en).into();
                    let Some(start) = value.checked_sub(base) else {
                        continue;
                    };
                    if start > offset {
                        continue;
                    }
                    let size: u64 = sym.st_size(en).into();
                    let covers = offset - start < size;
                    // Covering symbols: the smallest wins; otherwise the nearest start wins.
                    let closeness = if covers { -i128::from(size) } else { i128::from(start) };
                    let bind = match sym.st_bind() {
                        e::STB_GLOBAL => 2,
                        e::STB_WEAK => 1,
                        _ => 0,
                    };
                    let ty = u8::from(matches!(sym.st_type(), e::STT_FUNC | e::STT_OBJECT));
                    let rank = (covers, closeness, bind, ty);
                    let name = String::from_utf8_lossy(name).into_owned();
                    let better = match &best {
                        None => true,
                        Some((r, n, _)) => rank > *r || (rank == *r && name < *n),
                    };
                    if better {
                        best = Some((rank, name, start));
                    }
                }
            }
            if let Some((_, name, start)) = best {
                return Some((name, offset - start));
            }
        }
        None
    }

    /// Producer and compilation directory strings of every DWARF unit, distinct, in order.
    fn dwarf(&self, limits: &Limits, remarks: &mut Vec<String>) -> (Vec<String>, Vec<String>) {
        let mut producers = Vec::new();
        let mut dirs = Vec::new();
        // A split-DWARF object (.dwo) has only the `.dwo` variants of the sections.
        let dwo = self.section_by_name(".debug_info").is_none()
            && self.section_by_name(".zdebug_info").is_none()
            && self.section_by_name(".debug_info.dwo").is_some();
        let suffix = if dwo { ".dwo" } else { "" };
        let Some((info_index, info)) = self.debug_section("info", suffix, limits, remarks) else {
            return (producers, dirs);
        };
        let load = |name: &str, remarks: &mut Vec<String>| -> (Option<usize>, SecBytes<'d>) {
            match self.debug_section(name, suffix, limits, remarks) {
                Some((i, d)) => (Some(i), d),
                None => (None, SecBytes::Borrowed(&[][..])),
            }
        };
        let (_, abbrev) = load("abbrev", remarks);
        let (_, strs) = load("str", remarks);
        let (_, line_strs) = load("line_str", remarks);
        let (offsets_index, offsets) = load("str_offsets", remarks);
        let info_relocs = self.relocations(Some(info_index), remarks);
        let offsets_relocs = self.relocations(offsets_index, remarks);
        let none = Relocs::default();
        let endian = if self.header.is_big_endian() {
            RunTimeEndian::Big
        } else {
            RunTimeEndian::Little
        };
        let sections = DwarfSections {
            info: reader(&info, endian, &info_relocs),
            abbrev: reader(&abbrev, endian, &none),
            strs: reader(&strs, endian, &none),
            line_strs: reader(&line_strs, endian, &none),
            offsets: reader(&offsets, endian, &offsets_relocs),
            offsets_len: offsets.len(),
        };
        if let Err(e) = sections.walk(&mut |producer, dir| {
            for (v, list) in [(producer, &mut producers), (dir, &mut dirs)] {
                if let Some(v) = v {
                    if !list.contains(&v) {
                        list.push(v);
                    }
                }
            }
        }) {
            remarks.push(format!("DWARF: {e}"));
        }
        (producers, dirs)
    }

    /// `.debug_<name><suffix>` (decompressed when SHF_COMPRESSED with zlib or zstd) or the older
    /// `.zdebug_<name>`.
    fn debug_section(
        &self,
        name: &str,
        suffix: &str,
        limits: &Limits,
        remarks: &mut Vec<String>,
    ) -> Option<(usize, SecBytes<'d>)> {
        let en = self.endian;
        let plain = format!(".debug_{name}{suffix}");
        if let Some((i, sh)) = self.section_by_name(&plain) {
            let compressed = match sh.compression(en, self.data) {
                Ok(c) => c,
                Err(e) => {
                    remarks.push(format!("section {plain}: {e}"));
                    return None;
                }
            };
            let Some((ch, off, size)) = compressed else {
                return Some((i, SecBytes::Borrowed(self.section_data(sh))));
            };
            let input = usize::try_from(off)
                .ok()
                .zip(usize::try_from(size).ok())
                .and_then(|(o, s)| self.data.get(o..o.checked_add(s)?))
                .unwrap_or(&[]);
            let result = match ch.ch_type(en) {
                e::ELFCOMPRESS_ZLIB => inflate(input, ch.ch_size(en).into(), limits.max_decompressed),
                e::ELFCOMPRESS_ZSTD => unzstd(input, ch.ch_size(en).into(), limits),
                other => Err(format!("compression type {} is not read", other.0)),
            };
            return match result {
                Ok(v) => Some((i, SecBytes::Decoded(v))),
                Err(e) => {
                    remarks.push(format!("section {plain}: {e}"));
                    None
                }
            };
        }
        let z = format!(".zdebug_{name}");
        let (i, sh) = self.section_by_name(&z).filter(|_| suffix.is_empty())?;
        let d = self.section_data(sh);
        // "ZLIB", the uncompressed size as a big-endian u64, then a zlib stream.
        let result = match d.get(..12) {
            Some(h) if &h[..4] == b"ZLIB" => {
                let size = u64::from_be_bytes([h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11]]);
                inflate(&d[12..], size, limits.max_decompressed)
            }
            _ => Err("no ZLIB header".to_string()),
        };
        match result {
            Ok(v) => Some((i, SecBytes::Decoded(v))),
            Err(e) => {
                remarks.push(format!("section {z}: {e}"));
                None
            }
        }
    }

    /// Relocations that apply to section `target` in a relocatable object (where DWARF string
    /// offsets are stored as zeros plus a relocation); empty for linked files.
    fn relocations(&self, target: Option<usize>, remarks: &mut Vec<String>) -> Relocs {
        let mut relocs = Relocs::default();
        let Some(target) = target.filter(|_| self.is_rel()) else {
            return relocs;
        };
        let en = self.endian;
        let mips64el = self.header.is_mips64el(en);
        for (i, sh) in self.sections.iter().enumerate().skip(1) {
            if sh.info_link(en).0 != target {
                continue;
            }
            let ty = sh.sh_type(en);
            if ty != e::SHT_RELA && ty != e::SHT_REL {
                continue;
            }
            let table = match self.sections.symbol_table_by_index(en, self.data, sh.link(en)) {
                Ok(t) => t,
                Err(e) => {
                    remarks.push(format!("section {}: its symbol table: {e}", self.names[i]));
                    continue;
                }
            };
            let value = |sym: u32| -> u64 {
                if sym == 0 {
                    return 0;
                }
                table
                    .symbol(SymbolIndex(sym as usize))
                    .map(|s| s.st_value(en).into())
                    .unwrap_or(0)
            };
            if ty == e::SHT_RELA {
                match sh.rela(en, self.data) {
                    Ok(Some((relas, _))) => {
                        for r in relas {
                            let at: u64 = r.r_offset(en).into();
                            let addend: i64 = r.r_addend(en).into();
                            let v = value(r.r_sym(en, mips64el)).wrapping_add(addend as u64);
                            if let Ok(at) = usize::try_from(at) {
                                relocs.0.insert(at, Reloc::Replace(v));
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => remarks.push(format!("section {}: {e}", self.names[i])),
                }
            } else {
                match sh.rel(en, self.data) {
                    Ok(Some((rels, _))) => {
                        for r in rels {
                            let at: u64 = r.r_offset(en).into();
                            if let Ok(at) = usize::try_from(at) {
                                relocs.0.insert(at, Reloc::Add(value(r.r_sym(en))));
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => remarks.push(format!("section {}: {e}", self.names[i])),
                }
            }
        }
        relocs
    }
}

/// How well a symbol matches an offset, best highest: (covers it, -size when covering else
/// start, bind: GLOBAL > WEAK > LOCAL, FUNC/OBJECT over others); the name breaks ties.
type Rank = (bool, i128, u8, u8);

/// Whether a header table of `count` entries fits in the file.
fn table_fits(what: &str, off: u64, count: u64, entsize: u64, len: u64) -> Result<(), FormatError> {
    match count.checked_mul(entsize).and_then(|n| n.checked_add(off)) {
        Some(end) if end <= len => Ok(()),
        _ => err(format!(
            "{what} table at offset {off:#x} ({count} entries of {entsize} bytes) runs past the end of the file ({len} bytes)"
        )),
    }
}

fn section_fits(index: usize, name: &str, off: u64, size: u64, len: u64) -> Result<(), FormatError> {
    match off.checked_add(size) {
        Some(end) if end <= len => Ok(()),
        _ => err(format!(
            "section [{index}] {name}: data at offset {off:#x}, {size} bytes, runs past the end of the file ({len} bytes)"
        )),
    }
}

/// Member names: the section name, `#N` for its N-th use, `(section N)` when it has none.
fn unique_names(raw: &[&[u8]]) -> Vec<String> {
    let mut taken: HashSet<String> = SYNTHETIC.iter().map(|s| s.to_string()).collect();
    let mut out = vec![String::new()];
    for (i, r) in raw.iter().enumerate().skip(1) {
        let base = if r.is_empty() {
            format!("(section {i})")
        } else {
            String::from_utf8_lossy(r).into_owned()
        };
        let mut name = base.clone();
        let mut n = 1usize;
        while !taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}#{n}");
        }
        out.push(name);
    }
    out
}

fn text_member(name: &str, text: String) -> Member {
    let bytes = text.into_bytes();
    Member {
        name: name.into(),
        kind: EntryKind::Section,
        fields: Vec::new(),
        size: bytes.len() as u64,
        data: Some(Data::Blob(Blob::from_vec(bytes))),
    }
}

/// readelf's rule, simplified: an allocated, non-empty section lies in a segment when its
/// address (and, if it has file bytes, its offset) falls inside the segment's; .tbss only in
/// PT_TLS.
fn section_in_segment<H: FileHeader<Endian = Endianness>>(
    en: Endianness,
    sh: &H::SectionHeader,
    ph: &H::ProgramHeader,
) -> bool {
    let flags = sh.sh_flags(en).0;
    let size: u64 = sh.sh_size(en).into();
    if flags & e::SHF_ALLOC.0 == 0 || size == 0 {
        return false;
    }
    let nobits = sh.sh_type(en) == e::SHT_NOBITS;
    let tls = flags & e::SHF_TLS.0 != 0;
    let pt = ph.p_type(en);
    if nobits && tls && pt != e::PT_TLS {
        return false;
    }
    if tls && !matches!(pt, e::PT_TLS | e::PT_LOAD | e::PT_GNU_RELRO) {
        return false;
    }
    let (addr, off): (u64, u64) = (sh.sh_addr(en).into(), sh.sh_offset(en).into());
    let (va, memsz, poff, filesz): (u64, u64, u64, u64) = (
        ph.p_vaddr(en).into(),
        ph.p_memsz(en).into(),
        ph.p_offset(en).into(),
        ph.p_filesz(en).into(),
    );
    let in_mem = addr >= va && addr - va < memsz;
    let in_file = nobits || (off >= poff && off - poff < filesz);
    in_mem && in_file
}

fn dynamic_text(machine: e::Machine, entries: &[DynEntry]) -> String {
    let names = e::machine_names(machine);
    let mut s = String::new();
    for d in entries {
        let tag = names
            .dt
            .name(e::DynamicTag(d.tag))
            .map(|n| n.trim_start_matches("DT_").to_string())
            .unwrap_or_else(|| format!("{:#x}", d.tag));
        match &d.text {
            Some(t) => s.push_str(&format!("{tag} {t}\n")),
            None => s.push_str(&format!("{tag} {:#x}\n", d.value)),
        }
    }
    s
}

fn notes_text(notes: &[NoteRec]) -> String {
    let mut s = String::new();
    for n in notes {
        let desc = if n.desc.len() <= NOTE_HEX_MAX {
            hex(n.desc)
        } else {
            format!(
                "{}... ({} bytes, sha256 {})",
                hex(&n.desc[..64]),
                n.desc.len(),
                hex(&Sha256::digest(n.desc))
            )
        };
        s.push_str(&format!(
            "{}: {} {} {}\n",
            n.place,
            n.owner,
            note_type_name(&n.owner, n.ntype),
            desc
        ));
    }
    s
}

fn note_type_name(owner: &str, t: u32) -> String {
    let name = match (owner, t) {
        ("GNU", 1) => "NT_GNU_ABI_TAG",
        ("GNU", 2) => "NT_GNU_HWCAP",
        ("GNU", 3) => "NT_GNU_BUILD_ID",
        ("GNU", 4) => "NT_GNU_GOLD_VERSION",
        ("GNU", 5) => "NT_GNU_PROPERTY_TYPE_0",
        ("CORE", 1) => "NT_PRSTATUS",
        ("CORE", 2) => "NT_FPREGSET",
        ("CORE", 3) => "NT_PRPSINFO",
        ("CORE", 6) => "NT_AUXV",
        ("CORE", 0x4649_4c45) => "NT_FILE",
        ("CORE", 0x5349_4749) => "NT_SIGINFO",
        ("LINUX", 0x202) => "NT_X86_XSTATE",
        ("stapsdt", 3) => "NT_STAPSDT",
        ("FDO", 0xcafe_1a7e) => "NT_FDO_PACKAGING_METADATA",
        _ => return format!("type {t:#x}"),
    };
    format!("{name} ({t:#x})")
}

fn special_section_name(shndx: e::SymbolSection) -> String {
    match shndx {
        e::SHN_UNDEF => "UND".into(),
        e::SHN_ABS => "ABS".into(),
        e::SHN_COMMON => "COM".into(),
        other => format!("[{:#x}]", other.0),
    }
}

/// readelf's section type names (object's without the prefix, GNU version tables renamed).
fn section_type_name(machine: e::Machine, t: e::SectionType) -> String {
    match e::machine_names(machine).sht.name(t) {
        Some(n) => {
            let n = n.trim_start_matches("SHT_");
            match n {
                "GNU_VERSYM" => "VERSYM",
                "GNU_VERDEF" => "VERDEF",
                "GNU_VERNEED" => "VERNEED",
                other => other,
            }
            .to_string()
        }
        None => format!("{:#x}", t.0),
    }
}

/// readelf's section flag letters, lowest bit first, then o/p/x for other OS, processor and
/// unknown bits.
fn section_flags(machine: e::Machine, flags: u64) -> String {
    const LETTERS: [(u64, char); 14] = [
        (0x1, 'W'),
        (0x2, 'A'),
        (0x4, 'X'),
        (0x10, 'M'),
        (0x20, 'S'),
        (0x40, 'I'),
        (0x80, 'L'),
        (0x100, 'O'),
        (0x200, 'G'),
        (0x400, 'T'),
        (0x800, 'C'),
        (0x20_0000, 'R'),
        (0x100_0000, 'D'),
        (0x8000_0000, 'E'),
    ];
    let mut s = String::new();
    let (mut os, mut proc, mut unknown) = (false, false, false);
    let mut rest = flags;
    while rest != 0 {
        let bit = rest & rest.wrapping_neg();
        rest &= !bit;
        if let Some(&(_, c)) = LETTERS.iter().find(|(b, _)| *b == bit) {
            s.push(c);
        } else if machine == e::EM_X86_64 && bit == 0x1000_0000 {
            s.push('l');
        } else if bit & 0x0ff0_0000 != 0 {
            os = true;
        } else if bit & 0xf000_0000 != 0 {
            proc = true;
        } else {
            unknown = true;
        }
    }
    for (on, c) in [(os, 'o'), (proc, 'p'), (unknown, 'x')] {
        if on {
            s.push(c);
        }
    }
    s
}

fn file_type_name(t: u16) -> String {
    match t {
        0 => "NONE".into(),
        1 => "REL".into(),
        2 => "EXEC".into(),
        3 => "DYN".into(),
        4 => "CORE".into(),
        0xfe00..=0xfeff => format!("OS-specific ({t:#x})"),
        0xff00..=0xffff => format!("processor-specific ({t:#x})"),
        _ => format!("unknown ({t:#x})"),
    }
}

/// readelf's OS/ABI wording.
fn os_abi_name(v: u8) -> String {
    match v {
        0 => "UNIX - System V",
        1 => "UNIX - HP-UX",
        2 => "UNIX - NetBSD",
        3 => "UNIX - GNU",
        6 => "UNIX - Solaris",
        7 => "UNIX - AIX",
        8 => "UNIX - IRIX",
        9 => "UNIX - FreeBSD",
        10 => "UNIX - TRU64",
        11 => "Novell - Modesto",
        12 => "UNIX - OpenBSD",
        13 => "VMS - OpenVMS",
        14 => "HP - Non-Stop Kernel",
        15 => "AROS",
        16 => "FenixOS",
        17 => "Nuxi CloudABI",
        18 => "Stratus Technologies OpenVOS",
        255 => "Standalone App",
        _ => return format!("<unknown: {v:x}>"),
    }
    .into()
}

/// readelf's machine wording for the common machines.
fn machine_name(m: u16) -> String {
    match m {
        0 => "None",
        2 => "Sparc",
        3 => "Intel 80386",
        4 => "MC68000",
        8 => "MIPS R3000",
        15 => "HPPA",
        18 => "Sparc v8+",
        20 => "PowerPC",
        21 => "PowerPC64",
        22 => "IBM S/390",
        40 => "ARM",
        42 => "Renesas / SuperH SH",
        43 => "Sparc v9",
        50 => "Intel IA-64",
        62 => "Advanced Micro Devices X86-64",
        183 => "AArch64",
        243 => "RISC-V",
        247 => "Linux BPF",
        258 => "LoongArch",
        _ => return format!("<unknown>: {m:#x}"),
    }
    .into()
}

/// A debug section's bytes: in the file, or decompressed (through a spilling sink, so a
/// section claiming gigabytes is a temporary file, not memory).
enum SecBytes<'d> {
    Borrowed(&'d [u8]),
    Decoded(Blob),
}

impl std::ops::Deref for SecBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            SecBytes::Borrowed(b) => b,
            SecBytes::Decoded(b) => b,
        }
    }
}

/// Inflates a zlib stream that must produce exactly `expected` bytes, at most `limit`.
fn inflate(input: &[u8], expected: u64, limit: u64) -> Result<Blob, String> {
    if expected > limit {
        return Err(format!(
            "{expected} bytes when inflated, more than the limit of {limit}"
        ));
    }
    // One byte more than stated, so that a longer stream is told apart from a corrupt one.
    let max_out = usize::try_from(expected.saturating_add(1)).unwrap_or(usize::MAX);
    let out = crate::stream::inflate(input, true, 0, Some(expected), max_out)
        .map_err(|e| format!("zlib data corrupt: {e}"))?;
    if out.len() as u64 != expected {
        return Err(format!(
            "inflated to {} bytes, the compression header says {expected}",
            out.len()
        ));
    }
    Ok(out)
}

/// A zstd-compressed section (ELFCOMPRESS_ZSTD, as `objcopy --compress-debug-sections=zstd`
/// and `ld --compress-debug-sections=zstd` write).
fn unzstd(input: &[u8], expected: u64, limits: &Limits) -> Result<Blob, String> {
    let limit = limits.max_decompressed;
    if expected > limit {
        return Err(format!(
            "{expected} bytes when decompressed, more than the limit of {limit}"
        ));
    }
    let out = crate::zstd::decompress_all(
        input,
        Some(expected),
        usize::try_from(expected.saturating_add(1)).unwrap_or(usize::MAX),
        limits.max_codec_memory,
    )
    .map_err(|e| format!("zstd data corrupt: {e}"))?;
    if out.len() as u64 != expected {
        return Err(format!(
            "decompressed to {} bytes, the compression header says {expected}",
            out.len()
        ));
    }
    Ok(out)
}

/// How a relocation changes the value stored at its offset.
#[derive(Clone, Copy, Debug)]
enum Reloc {
    /// RELA: symbol + addend replaces the stored value.
    Replace(u64),
    /// REL: the symbol's value is added to the stored value (the implicit addend).
    Add(u64),
}

#[derive(Debug, Default)]
struct Relocs(HashMap<usize, Reloc>);

impl Relocs {
    fn apply(&self, at: usize, value: u64) -> u64 {
        match self.0.get(&at) {
            Some(Reloc::Replace(v)) => *v,
            Some(Reloc::Add(s)) => value.wrapping_add(*s),
            None => value,
        }
    }
}

impl gimli::read::Relocate for &Relocs {
    fn relocate_address(&self, offset: usize, value: u64) -> gimli::Result<u64> {
        Ok(self.apply(offset, value))
    }

    fn relocate_offset(&self, offset: usize, value: usize) -> gimli::Result<usize> {
        usize::try_from(self.apply(offset, value as u64)).map_err(|_| gimli::Error::UnsupportedOffset)
    }
}

type Reader<'a> = RelocateReader<EndianSlice<'a, RunTimeEndian>, &'a Relocs>;

fn reader<'a>(data: &'a [u8], endian: RunTimeEndian, relocs: &'a Relocs) -> Reader<'a> {
    RelocateReader::new(EndianSlice::new(data, endian), relocs)
}

struct DwarfSections<'a> {
    info: Reader<'a>,
    abbrev: Reader<'a>,
    strs: Reader<'a>,
    line_strs: Reader<'a>,
    offsets: Reader<'a>,
    offsets_len: usize,
}

impl<'a> DwarfSections<'a> {
    /// Calls `f` with the producer and compilation directory of every unit's first entry.
    fn walk(&self, f: &mut dyn FnMut(Option<String>, Option<String>)) -> Result<(), String> {
        let info = gimli::DebugInfo::from(self.info.clone());
        let abbrev = gimli::DebugAbbrev::from(self.abbrev.clone());
        let mut units = info.units();
        let mut cache: HashMap<usize, gimli::Abbreviations> = HashMap::new();
        let mut at = 0usize;
        loop {
            let header = match units.next() {
                Ok(Some(h)) => h,
                Ok(None) => return Ok(()),
                Err(e) => return Err(format!(".debug_info: unit header after offset {at:#x}: {e}")),
            };
            at = header.offset().as_debug_info_offset().map(|o| o.0).unwrap_or(at);
            let here = |e: gimli::Error| format!(".debug_info: unit at offset {at:#x}: {e}");
            // Units usually share one table; parsing it once per unit would be quadratic.
            let abbrevs = match cache.entry(header.debug_abbrev_offset().0) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(v) => v.insert(header.abbreviations(&abbrev).map_err(here)?),
            };
            let mut cursor = header.entries(abbrevs);
            let Some((_, die)) = cursor.next_dfs().map_err(here)? else {
                continue;
            };
            let (mut producer, mut dir, mut base) = (None, None, None);
            let mut attrs = die.attrs();
            while let Some(attr) = attrs.next().map_err(here)? {
                match attr.name() {
                    gimli::DW_AT_producer => producer = Some(attr.value()),
                    gimli::DW_AT_comp_dir => dir = Some(attr.value()),
                    gimli::DW_AT_str_offsets_base => {
                        if let AttributeValue::DebugStrOffsetsBase(b) = attr.value() {
                            base = Some(b);
                        }
                    }
                    _ => {}
                }
            }
            let format = header.format();
            // Without DW_AT_str_offsets_base, assume the first contribution (after its header).
            let base = base.unwrap_or(gimli::DebugStrOffsetsBase(
                usize::from(format.initial_length_size()) + 4,
            ));
            let text = |v: Option<AttributeValue<Reader<'a>>>| -> Result<Option<String>, String> {
                v.map(|v| {
                    self.string(v, format, base)
                        .map_err(|e| format!(".debug_info: unit at offset {at:#x}: {e}"))
                })
                .transpose()
            };
            let p = text(producer)?;
            let d = text(dir)?;
            f(p, d);
        }
    }

    fn string(
        &self,
        v: AttributeValue<Reader<'a>>,
        format: gimli::Format,
        base: gimli::DebugStrOffsetsBase<usize>,
    ) -> Result<String, String> {
        let lossy = |r: Reader<'a>| -> Result<String, String> {
            r.to_string_lossy().map(|s| s.into_owned()).map_err(|e| e.to_string())
        };
        use gimli::Reader as _;
        match v {
            AttributeValue::String(s) => lossy(s),
            AttributeValue::DebugStrRef(o) => gimli::DebugStr::from(self.strs.clone())
                .get_str(o)
                .map_err(|e| format!("string at offset {:#x} of .debug_str: {e}", o.0))
                .and_then(lossy),
            AttributeValue::DebugLineStrRef(o) => gimli::DebugLineStr::from(self.line_strs.clone())
                .get_str(o)
                .map_err(|e| format!("string at offset {:#x} of .debug_line_str: {e}", o.0))
                .and_then(lossy),
            AttributeValue::DebugStrOffsetsIndex(i) => {
                let word = usize::from(format.word_size());
                // Checked here: gimli multiplies the index unchecked.
                let fits =
                    i.0.checked_mul(word)
                        .and_then(|n| n.checked_add(base.0))
                        .and_then(|n| n.checked_add(word))
                        .is_some_and(|end| end <= self.offsets_len);
                if !fits {
                    return Err(format!(
                        "string index {} (base {:#x}) is outside .debug_str_offsets ({} bytes)",
                        i.0, base.0, self.offsets_len
                    ));
                }
                let o = gimli::DebugStrOffsets::from(self.offsets.clone())
                    .get_str_offset(format, base, i)
                    .map_err(|e| format!("string index {} of .debug_str_offsets: {e}", i.0))?;
                gimli::DebugStr::from(self.strs.clone())
                    .get_str(o)
                    .map_err(|e| format!("string at offset {:#x} of .debug_str: {e}", o.0))
                    .and_then(lossy)
            }
            AttributeValue::DebugStrRefSup(o) => Ok(format!(
                "(string at offset {:#x} of the .gnu_debugaltlink file's .debug_str)",
                o.0
            )),
            other => Err(format!("a string attribute has the unexpected form {other:?}")),
        }
    }
}
