//! EIF, the AWS Nitro Enclaves image format: identify, open into sections, measure the PCRs
//! (as `eif_build` / `nitro-cli describe-eif` print them) and write deterministic images.
//!
//! Layout (big-endian): a 548-byte header (magic `.eif`, version, flags, default memory and
//! CPUs, a table of up to 32 section offsets and sizes, CRC-32), then sections, each a 12-byte
//! header (type, flags, size) followed by its data. The signature section is CBOR: an array of
//! `{"signing_certificate": PEM bytes, "signature": COSE_Sign1 bytes}`, each byte string stored
//! as a CBOR array of small integers (that is what `eif_build` writes). The metadata section is
//! JSON and is not measured.
//!
//! Everything here is hand-written on purpose (CBOR subset, DER walk, base64): we only read a
//! handful of fields, and the crate must not pull crypto or serde-cbor stacks.

use std::fmt::Write as _;

use sha2::{Digest, Sha256, Sha384};

use crate::bytes::{be16, be32, be64};
use crate::model::{err, format_time, hex, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

/// `.eif` in ASCII.
pub const MAGIC: [u8; 4] = *b".eif";
/// Size of the file header.
pub const HEADER_SIZE: usize = 548;
/// Size of each section header (type u16, flags u16, size u64).
pub const SECTION_HEADER_SIZE: usize = 12;
/// Slots in the header's section tables.
pub const MAX_SECTIONS: usize = 32;
/// Header flag bit 0: the image is for aarch64.
pub const FLAG_ARM64: u16 = 1;
/// The version [`write`] produces (the current one; 3 added signatures, 4 metadata).
pub const VERSION: u16 = 4;
/// Oldest version accepted: version 1 has no CRC.
pub const MIN_VERSION: u16 = 2;
/// Default enclave memory `eif_build` writes: 1 GiB.
pub const DEFAULT_MEM: u64 = 1 << 30;
/// Default enclave CPU count `eif_build` writes.
pub const DEFAULT_CPUS: u64 = 2;
/// The "HashAlgorithm" string nitro-cli and eif_build print (Rust Debug of their SHA-384 hasher).
pub const HASH_ALGORITHM: &str = "Sha384 { ... }";

/// Offset of the CRC field: the CRC covers the header bytes before it.
const CRC_OFFSET: usize = HEADER_SIZE - 4;
const OFFSETS_AT: usize = 28;
const SIZES_AT: usize = OFFSETS_AT + 8 * MAX_SECTIONS;

/// The Nitro Enclaves format: see the module documentation.
pub struct Eif;

impl Format for Eif {
    fn name(&self) -> &'static str {
        "eif"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(&MAGIC)
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        let parsed = parse(data)?;
        if parsed.sections.len() > limits.max_members {
            return err(format!(
                "EIF has {} sections, more than the limit of {}",
                parsed.sections.len(),
                limits.max_members
            ));
        }
        Ok(parsed.to_opened(data))
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Section types as the format numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionType {
    Kernel,
    Cmdline,
    Ramdisk,
    Signature,
    Metadata,
    /// Anything else, including 0 ("invalid" in the format's own enumeration).
    Unknown(u16),
}

impl SectionType {
    pub fn from_u16(v: u16) -> SectionType {
        match v {
            1 => SectionType::Kernel,
            2 => SectionType::Cmdline,
            3 => SectionType::Ramdisk,
            4 => SectionType::Signature,
            5 => SectionType::Metadata,
            n => SectionType::Unknown(n),
        }
    }

    pub fn to_u16(self) -> u16 {
        match self {
            SectionType::Kernel => 1,
            SectionType::Cmdline => 2,
            SectionType::Ramdisk => 3,
            SectionType::Signature => 4,
            SectionType::Metadata => 5,
            SectionType::Unknown(n) => n,
        }
    }

    /// "kernel", "cmdline", "ramdisk", "signature", "metadata" or "unknown(N)".
    pub fn label(self) -> String {
        match self {
            SectionType::Kernel => "kernel".into(),
            SectionType::Cmdline => "cmdline".into(),
            SectionType::Ramdisk => "ramdisk".into(),
            SectionType::Signature => "signature".into(),
            SectionType::Metadata => "metadata".into(),
            SectionType::Unknown(n) => format!("unknown({n})"),
        }
    }
}

/// The decoded 548-byte file header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u16,
    pub flags: u16,
    pub default_mem: u64,
    pub default_cpus: u64,
    pub reserved: u16,
    pub num_sections: u16,
    /// Each points at a section *header*.
    pub section_offsets: [u64; MAX_SECTIONS],
    /// Data sizes (without the 12-byte section header).
    pub section_sizes: [u64; MAX_SECTIONS],
    pub unused: u32,
    pub crc32: u32,
}

impl Header {
    pub fn is_arm64(&self) -> bool {
        self.flags & FLAG_ARM64 != 0
    }

    pub fn arch(&self) -> &'static str {
        if self.is_arm64() {
            "aarch64"
        } else {
            "x86_64"
        }
    }
}

/// One section, located and bounds-checked.
#[derive(Clone, Debug)]
pub struct Section<'a> {
    /// Position in the header's section table.
    pub index: usize,
    pub kind: SectionType,
    /// The section header's flags field.
    pub flags: u16,
    /// Where the 12-byte section header starts in the file.
    pub offset: u64,
    /// The section data (after the section header).
    pub data: &'a [u8],
}

impl Section<'_> {
    /// Where the data starts in the file.
    pub fn data_offset(&self) -> u64 {
        self.offset + SECTION_HEADER_SIZE as u64
    }
}

/// A parsed EIF borrowing the file's bytes.
#[derive(Clone, Debug)]
pub struct Parsed<'a> {
    pub header: Header,
    /// Sections in file order (by offset), which for well-formed files is table order.
    pub sections: Vec<Section<'a>>,
    /// CRC-32 computed over the file as the format defines it.
    pub computed_crc: u32,
    /// Remarks about odd but readable structure (gaps, trailing bytes, unknown flags).
    pub notes: Vec<String>,
}

/// Parses and checks an EIF, CRC included.
pub fn parse(data: &[u8]) -> Result<Parsed<'_>, FormatError> {
    let parsed = parse_lenient(data)?;
    if !parsed.crc_ok() {
        return err(format!(
            "CRC mismatch: header says {:#010x}, computed {:#010x}",
            parsed.header.crc32, parsed.computed_crc
        ));
    }
    Ok(parsed)
}

/// Like [`parse`] but a CRC mismatch is not an error (see [`Parsed::crc_ok`]), for callers
/// that want to measure or inspect a damaged image anyway. Every structural check still applies.
pub fn parse_lenient(data: &[u8]) -> Result<Parsed<'_>, FormatError> {
    let header = parse_header(data)?;
    let mut notes = Vec::new();
    let n = usize::from(header.num_sections);

    let mut sections = Vec::with_capacity(n);
    for index in 0..n {
        sections.push(parse_section(data, &header, index)?);
    }
    // File order: the CRC and the PCRs follow the order the bytes appear in.
    sections.sort_by_key(|s| s.offset);

    let mut cursor = HEADER_SIZE as u64;
    for s in &sections {
        if s.offset < cursor {
            // Sections start at or after the header (parse_section), so this is a clash
            // between two sections.
            return err(format!(
                "section {} ({}) at offset {:#x} overlaps the previous section, which ends at {:#x}",
                s.index,
                s.kind.label(),
                s.offset,
                cursor
            ));
        }
        if s.offset > cursor {
            notes.push(format!(
                "{} unused bytes at {:#x} before section {} (readers that walk sections back to back, like the official one, would misread this)",
                s.offset - cursor,
                cursor,
                s.index
            ));
        }
        cursor = s.data_offset() + s.data.len() as u64;
    }
    if cursor < data.len() as u64 {
        notes.push(format!(
            "{} trailing bytes after the last section, at {:#x}",
            data.len() as u64 - cursor,
            cursor
        ));
    }
    for i in n..MAX_SECTIONS {
        if header.section_offsets[i] != 0 || header.section_sizes[i] != 0 {
            notes.push(format!(
                "section table slot {i} is not zero although num_sections is {n}"
            ));
            break;
        }
    }
    if header.flags & !FLAG_ARM64 != 0 {
        notes.push(format!(
            "unknown header flag bits set: {:#06x}",
            header.flags & !FLAG_ARM64
        ));
    }
    if header.reserved != 0 {
        notes.push(format!("reserved header field is {:#x}, not 0", header.reserved));
    }
    if header.unused != 0 {
        notes.push(format!("unused header field is {:#x}, not 0", header.unused));
    }

    let mut crc = crc32fast::Hasher::new();
    crc.update(&data[..CRC_OFFSET]);
    for s in &sections {
        // Bounds were checked in parse_section; offsets fit usize there.
        let start = s.offset as usize;
        crc.update(&data[start..start + SECTION_HEADER_SIZE]);
        crc.update(s.data);
    }

    Ok(Parsed {
        header,
        sections,
        computed_crc: crc.finalize(),
        notes,
    })
}

fn parse_header(data: &[u8]) -> Result<Header, FormatError> {
    if data.len() >= 4 && data[..4] != MAGIC {
        return err(format!(
            "bad magic: expected \".eif\" (2e656966), found {}",
            hex(&data[..4])
        ));
    }
    if data.len() < HEADER_SIZE {
        return err(format!(
            "EIF header truncated: {} bytes, need {HEADER_SIZE}",
            data.len()
        ));
    }
    let version = be16(data, 4);
    if !(MIN_VERSION..=VERSION).contains(&version) {
        return err(format!(
            "unsupported EIF version {version} (supported: {MIN_VERSION} to {VERSION})"
        ));
    }
    let num_sections = be16(data, 26);
    if usize::from(num_sections) > MAX_SECTIONS {
        return err(format!("num_sections {num_sections} exceeds {MAX_SECTIONS}"));
    }
    let mut section_offsets = [0u64; MAX_SECTIONS];
    let mut section_sizes = [0u64; MAX_SECTIONS];
    for i in 0..MAX_SECTIONS {
        section_offsets[i] = be64(data, OFFSETS_AT + 8 * i);
        section_sizes[i] = be64(data, SIZES_AT + 8 * i);
    }
    Ok(Header {
        version,
        flags: be16(data, 6),
        default_mem: be64(data, 8),
        default_cpus: be64(data, 16),
        reserved: be16(data, 24),
        num_sections,
        section_offsets,
        section_sizes,
        unused: be32(data, CRC_OFFSET - 4),
        crc32: be32(data, CRC_OFFSET),
    })
}

fn parse_section<'a>(data: &'a [u8], header: &Header, index: usize) -> Result<Section<'a>, FormatError> {
    let offset = header.section_offsets[index];
    let file_len = data.len() as u64;
    let past_end = |what: String, need: Option<u64>| {
        let need = need.map(|n| format!(", needs {n:#x}")).unwrap_or_default();
        FormatError::new(format!(
            "{what} at offset {offset:#x} extends past end of file (size {file_len}{need})"
        ))
    };
    if offset < HEADER_SIZE as u64 {
        return err(format!(
            "section {index} at offset {offset:#x} lies inside the {HEADER_SIZE}-byte EIF header"
        ));
    }
    let hdr_end = offset.checked_add(SECTION_HEADER_SIZE as u64);
    let hdr_end = match hdr_end {
        Some(e) if e <= file_len => e as usize,
        _ => return Err(past_end(format!("section {index} header"), hdr_end)),
    };
    let start = hdr_end - SECTION_HEADER_SIZE;
    let kind = SectionType::from_u16(be16(data, start));
    let flags = be16(data, start + 2);
    let size = be64(data, start + 4);
    if size != header.section_sizes[index] {
        return err(format!(
            "section {index} ({}) at offset {offset:#x}: its header says size {size}, the EIF header's table says {}",
            kind.label(),
            header.section_sizes[index]
        ));
    }
    let end = (hdr_end as u64).checked_add(size);
    let end = match end {
        Some(e) if e <= file_len => e as usize,
        _ => {
            return Err(past_end(
                format!("section {index} ({}, {size} bytes)", kind.label()),
                end,
            ))
        }
    };
    Ok(Section {
        index,
        kind,
        flags,
        offset,
        data: &data[hdr_end..end],
    })
}

impl<'a> Parsed<'a> {
    pub fn crc_ok(&self) -> bool {
        self.header.crc32 == self.computed_crc
    }

    /// Sections of one type, in file order.
    pub fn of_type(&self, kind: SectionType) -> impl Iterator<Item = &Section<'a>> + '_ {
        self.sections.iter().filter(move |s| s.kind == kind)
    }

    /// Member names in file order: kernel, cmdline, ramdisk0.., signature, metadata,
    /// section<index> for unknown types; a repeated singleton gets `-<index>` appended.
    pub fn member_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::with_capacity(self.sections.len());
        let mut ramdisks = 0;
        for s in &self.sections {
            let base = match s.kind {
                SectionType::Ramdisk => {
                    ramdisks += 1;
                    format!("ramdisk{}", ramdisks - 1)
                }
                SectionType::Unknown(_) => format!("section{}", s.index),
                k => k.label(),
            };
            let name = if names.contains(&base) {
                format!("{base}-{}", s.index)
            } else {
                base
            };
            names.push(name);
        }
        names
    }

    /// The PCRs, computed the way the official reader does: kernel, cmdline and ramdisk
    /// sections are hashed in file order; the first ramdisk closes PCR1, later ones go to PCR2;
    /// PCR8 covers the DER of the first certificate of each signature section.
    pub fn measure(&self) -> Result<Measurements, FormatError> {
        // What each PCR covers, in file order.
        let (mut seq0, mut seq1, mut seq2) = (Vec::<&[u8]>::new(), Vec::<&[u8]>::new(), Vec::<&[u8]>::new());
        let mut pcr8: Option<Sha384> = None;
        let mut ramdisks = 0usize;
        for s in &self.sections {
            match s.kind {
                SectionType::Kernel | SectionType::Cmdline => {
                    seq0.push(s.data);
                    seq1.push(s.data);
                }
                SectionType::Ramdisk => {
                    seq0.push(s.data);
                    if ramdisks == 0 {
                        seq1.push(s.data);
                    } else {
                        seq2.push(s.data);
                    }
                    ramdisks += 1;
                }
                SectionType::Signature => {
                    let entries = decode_signature(s.data).map_err(|e| {
                        FormatError::new(format!(
                            "section {} (signature) at offset {:#x}: {e}",
                            s.index, s.offset
                        ))
                    })?;
                    let first = entries.first().ok_or_else(|| {
                        FormatError::new(format!(
                            "section {} (signature) at offset {:#x}: no signature entries",
                            s.index, s.offset
                        ))
                    })?;
                    pcr8.get_or_insert_with(Sha384::new).update(&first.certificate_der);
                }
                SectionType::Metadata | SectionType::Unknown(_) => {}
            }
        }
        // PCR0 and PCR1 share their leading sections: hash those once, then finish the three
        // PCRs on separate threads (the later ramdisks are hashed for both PCR0 and PCR2).
        let shared = seq0
            .iter()
            .zip(&seq1)
            .take_while(|(a, b)| std::ptr::eq(**a, **b))
            .count();
        let mut prefix = Sha384::new();
        seq0[..shared].iter().for_each(|d| prefix.update(d));
        let hash = |mut h: Sha384, parts: &[&[u8]]| {
            parts.iter().for_each(|d| h.update(d));
            pcr_extend(h)
        };
        let (pcr0, pcr1, pcr2) = std::thread::scope(|sc| {
            let p0 = sc.spawn(|| hash(prefix.clone(), &seq0[shared..]));
            let p2 = sc.spawn(|| hash(Sha384::new(), &seq2));
            let p1 = hash(prefix.clone(), &seq1[shared..]);
            (p0.join(), p1, p2.join())
        });
        let joined = |r: std::thread::Result<String>| r.map_err(|_| FormatError::new("PCR hashing thread failed"));
        Ok(Measurements {
            hash_algorithm: HASH_ALGORITHM,
            pcr0: joined(pcr0)?,
            pcr1,
            pcr2: joined(pcr2)?,
            pcr8: pcr8.map(pcr_extend),
        })
    }

    /// Builds the typed node. `blob` must hold the bytes this was parsed from.
    fn to_opened(&self, blob: &Blob) -> Opened {
        let h = &self.header;
        let mut notes = vec![if self.crc_ok() {
            format!("CRC32 {:08x} matches the computed value", h.crc32)
        } else {
            format!(
                "CRC32 {:08x} does NOT match the computed {:08x}",
                h.crc32, self.computed_crc
            )
        }];
        notes.extend(self.notes.iter().cloned());

        let mut fields = vec![
            Field::new("version", Value::Int(h.version.into())),
            Field::new("flags", Value::Int(h.flags.into())),
            Field::new("arch", Value::Text(h.arch().into())),
            Field::new("default_mem", Value::Size(h.default_mem)),
            Field::new(
                "default_cpus",
                Value::Int(i64::try_from(h.default_cpus).unwrap_or(i64::MAX)),
            ),
            Field::new("num_sections", Value::Int(h.num_sections.into())),
            Field::new("crc32", Value::Digest(format!("{:08x}", h.crc32))),
        ];
        if h.reserved != 0 {
            fields.push(Field::new("reserved", Value::Int(h.reserved.into())));
        }
        if h.unused != 0 {
            fields.push(Field::new("unused", Value::Int(h.unused.into())));
        }
        let measurements = self.measure();
        match &measurements {
            Ok(m) => {
                for (i, v) in m.pcrs() {
                    fields.push(Field::new(format!("pcr{i}"), Value::Digest(v)));
                }
            }
            Err(e) => notes.push(format!("PCRs not computed: {e}")),
        }

        let names = self.member_names();
        let mut members = Vec::with_capacity(self.sections.len());
        let mut signatures = Vec::new();
        for (s, name) in self.sections.iter().zip(&names) {
            // parse_lenient checked that the section lies inside the file, so this fits usize.
            let start = s.data_offset() as usize;
            let mut mfields = vec![
                Field::new("type", Value::Text(s.kind.label())),
                Field::new("offset", Value::Offset(s.offset)),
                Field::new("section-flags", Value::Int(s.flags.into())),
            ];
            if s.kind == SectionType::Signature {
                match decode_signature(s.data) {
                    Ok(entries) => {
                        if let Some(cert) = entries.first().and_then(|e| e.certificate().ok()) {
                            cert.push_fields(&mut mfields);
                        }
                        signatures.push((name.clone(), Ok(entries)));
                    }
                    Err(e) => {
                        notes.push(format!("{name}: cannot decode: {e}"));
                        signatures.push((name.clone(), Err(e)));
                    }
                }
            }
            members.push(Member {
                name: name.clone(),
                kind: EntryKind::Section,
                fields: mfields,
                data: Some(Data::Blob(blob.slice(start..start + s.data.len()))),
                size: s.data.len() as u64,
            });
        }
        if !signatures.is_empty() {
            notes.push(
                "signatures are decoded, not verified cryptographically (reproscope has no crypto at run time)".into(),
            );
        }

        let text = self.summary(&names, measurements.as_ref().ok(), &signatures);
        Opened {
            fields,
            members,
            notes,
            text: Some(text),
        }
    }

    fn summary(
        &self,
        names: &[String],
        m: Option<&Measurements>,
        signatures: &[(String, Result<Vec<SignatureEntry>, FormatError>)],
    ) -> String {
        let h = &self.header;
        let mut t = String::new();
        let _ = writeln!(t, "EIF version {}, {}, flags {:#06x}", h.version, h.arch(), h.flags);
        let _ = writeln!(
            t,
            "default memory {} bytes ({} MiB), default CPUs {}",
            h.default_mem,
            h.default_mem >> 20,
            h.default_cpus
        );
        let _ = writeln!(
            t,
            "CRC32 {:08x} ({})",
            h.crc32,
            if self.crc_ok() {
                "matches".to_string()
            } else {
                format!("MISMATCH: computed {:08x}", self.computed_crc)
            }
        );
        let _ = writeln!(t, "\nsections: {}", self.sections.len());
        let _ = writeln!(
            t,
            "  {:<3} {:<12} {:<12} {:>12} {:>12}  flags",
            "#", "name", "type", "offset", "size"
        );
        for (s, name) in self.sections.iter().zip(names) {
            let _ = writeln!(
                t,
                "  {:<3} {:<12} {:<12} {:>12} {:>12}  {:#06x}",
                s.index,
                name,
                s.kind.label(),
                format!("{:#x}", s.offset),
                s.data.len(),
                s.flags
            );
        }
        for s in self.of_type(SectionType::Cmdline) {
            let cmd = String::from_utf8_lossy(s.data);
            let _ = writeln!(t, "\ncmdline: {}", cmd.trim_end_matches('\0'));
        }
        if let Some(m) = m {
            let _ = writeln!(t, "\nmeasurements ({}):", m.hash_algorithm);
            for (i, v) in m.pcrs() {
                let _ = writeln!(t, "  PCR{i}: {v}");
            }
        }
        for s in self.of_type(SectionType::Metadata) {
            let _ = writeln!(t, "\nmetadata ({} bytes):", s.data.len());
            match serde_json::from_slice::<serde_json::Value>(s.data) {
                Ok(v) => {
                    let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
                    let _ = writeln!(t, "{pretty}");
                }
                Err(e) => {
                    let _ = writeln!(t, "  not valid JSON ({e}); raw: {}", String::from_utf8_lossy(s.data));
                }
            }
        }
        for (name, sig) in signatures {
            let _ = writeln!(t, "\n{name}:");
            match sig {
                Err(e) => {
                    let _ = writeln!(t, "  cannot decode: {e}");
                }
                Ok(entries) => {
                    for (i, e) in entries.iter().enumerate() {
                        e.describe(&mut t, i, m);
                    }
                }
            }
        }
        t
    }
}

/// PCR = SHA384(48 zero bytes ‖ SHA384(content)): a TPM-style extend of an all-zero register.
fn pcr_extend(content: Sha384) -> String {
    let inner = content.finalize();
    let mut outer = Sha384::new();
    outer.update([0u8; 48]);
    outer.update(inner);
    hex(&outer.finalize())
}

// ---------------------------------------------------------------------------------------------
// Measurements

/// The PCRs of an image, lower-case hex, as nitro-cli prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurements {
    /// "Sha384 { ... }", the string nitro-cli prints as "HashAlgorithm".
    pub hash_algorithm: &'static str,
    pub pcr0: String,
    pub pcr1: String,
    pub pcr2: String,
    /// Only for signed images.
    pub pcr8: Option<String>,
}

impl Measurements {
    /// (index, value) pairs in PCR order; PCR8 only when present.
    pub fn pcrs(&self) -> Vec<(u8, String)> {
        let mut v = vec![(0, self.pcr0.clone()), (1, self.pcr1.clone()), (2, self.pcr2.clone())];
        if let Some(p) = &self.pcr8 {
            v.push((8, p.clone()));
        }
        v
    }

    /// The object nitro-cli prints under "Measurements" (and eif_build prints bare).
    pub fn to_json(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("HashAlgorithm".into(), self.hash_algorithm.into());
        for (i, v) in self.pcrs() {
            map.insert(format!("PCR{i}"), v.into());
        }
        serde_json::Value::Object(map)
    }
}

/// Parses (CRC checked) and measures an image.
pub fn measure(data: &[u8]) -> Result<Measurements, FormatError> {
    parse(data)?.measure()
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Inputs for [`write`].
#[derive(Clone, Debug)]
pub struct EifSpec<'a> {
    pub kernel: &'a [u8],
    /// Written without a terminating NUL, as eif_build does.
    pub cmdline: &'a str,
    pub ramdisks: Vec<&'a [u8]>,
    /// Serialized compactly; not measured. eif_build always writes one.
    pub metadata: Option<serde_json::Value>,
    pub arch_arm64: bool,
}

/// Writes a version-4 EIF: byte-deterministic, correct CRC, sections in eif_build's order
/// (kernel, cmdline, metadata, ramdisks) and its defaults (1 GiB, 2 CPUs), so the PCRs equal
/// eif_build's for the same inputs. Unsigned: signing needs crypto this crate does not carry.
///
/// # Panics
/// When the spec needs more than 32 sections; [`try_write`] returns that as an error.
pub fn write(spec: &EifSpec) -> Vec<u8> {
    match try_write(spec) {
        Ok(v) => v,
        Err(e) => panic!("eif::write: {e}"),
    }
}

/// [`write`], with too many sections reported as an error.
pub fn try_write(spec: &EifSpec) -> Result<Vec<u8>, FormatError> {
    let metadata = match &spec.metadata {
        Some(v) => {
            Some(serde_json::to_vec(v).map_err(|e| FormatError::new(format!("cannot serialize metadata: {e}")))?)
        }
        None => None,
    };
    let mut sections: Vec<(SectionType, &[u8])> = vec![
        (SectionType::Kernel, spec.kernel),
        (SectionType::Cmdline, spec.cmdline.as_bytes()),
    ];
    if let Some(m) = &metadata {
        sections.push((SectionType::Metadata, m));
    }
    sections.extend(spec.ramdisks.iter().map(|r| (SectionType::Ramdisk, *r)));
    if sections.len() > MAX_SECTIONS {
        return err(format!(
            "{} sections needed ({} ramdisks), at most {MAX_SECTIONS} fit in an EIF",
            sections.len(),
            spec.ramdisks.len()
        ));
    }

    let total = sections
        .iter()
        .map(|(_, d)| SECTION_HEADER_SIZE + d.len())
        .sum::<usize>()
        + HEADER_SIZE;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_be_bytes());
    let flags = if spec.arch_arm64 { FLAG_ARM64 } else { 0 };
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&DEFAULT_MEM.to_be_bytes());
    out.extend_from_slice(&DEFAULT_CPUS.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes()); // reserved
    out.extend_from_slice(&(sections.len() as u16).to_be_bytes());
    let mut offsets = [0u64; MAX_SECTIONS];
    let mut sizes = [0u64; MAX_SECTIONS];
    let mut at = HEADER_SIZE as u64;
    for (i, (_, d)) in sections.iter().enumerate() {
        offsets[i] = at;
        sizes[i] = d.len() as u64;
        at += (SECTION_HEADER_SIZE + d.len()) as u64;
    }
    for o in offsets {
        out.extend_from_slice(&o.to_be_bytes());
    }
    for s in sizes {
        out.extend_from_slice(&s.to_be_bytes());
    }
    out.extend_from_slice(&0u32.to_be_bytes()); // unused
    out.extend_from_slice(&0u32.to_be_bytes()); // CRC, filled in below
    debug_assert_eq!(out.len(), HEADER_SIZE);
    for (kind, d) in &sections {
        out.extend_from_slice(&kind.to_u16().to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&(d.len() as u64).to_be_bytes());
        out.extend_from_slice(d);
    }
    // Sections are back to back, so "header without CRC, then every section" is just
    // everything but the CRC field.
    let mut crc = crc32fast::Hasher::new();
    crc.update(&out[..CRC_OFFSET]);
    crc.update(&out[HEADER_SIZE..]);
    let crc = crc.finalize();
    out[CRC_OFFSET..HEADER_SIZE].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Signature section

/// One entry of the signature section's CBOR array.
#[derive(Clone, Debug)]
pub struct SignatureEntry {
    /// The signing certificate in DER (decoded from PEM when stored as PEM).
    pub certificate_der: Vec<u8>,
    /// Whether the section stored the certificate as PEM (eif_build does).
    pub certificate_was_pem: bool,
    /// The COSE_Sign1 bytes as stored.
    pub cose_sign1: Vec<u8>,
}

impl SignatureEntry {
    /// The certificate's fields.
    pub fn certificate(&self) -> Result<Certificate, FormatError> {
        Certificate::from_der(&self.certificate_der)
    }

    /// The COSE_Sign1 envelope's algorithm and signed payload.
    pub fn cose(&self) -> Result<CoseSign1, FormatError> {
        CoseSign1::decode(&self.cose_sign1)
    }

    fn describe(&self, t: &mut String, i: usize, m: Option<&Measurements>) {
        let _ = writeln!(
            t,
            "  entry {i}: signing certificate ({}, {} bytes DER)",
            if self.certificate_was_pem { "PEM" } else { "DER" },
            self.certificate_der.len()
        );
        match self.certificate() {
            Ok(c) => c.describe(t),
            Err(e) => {
                let _ = writeln!(t, "    cannot decode certificate: {e}");
            }
        }
        match self.cose() {
            Ok(c) => {
                let alg = match c.algorithm {
                    Some(a) => format!("{} ({a})", cose_alg_name(a)),
                    None => "unknown algorithm".into(),
                };
                let _ = writeln!(t, "    COSE_Sign1: {alg}, {} signature bytes", c.signature_len);
                if let (Some(idx), Some(val)) = (c.pcr_index, &c.pcr_value) {
                    let val = hex(val);
                    let verdict = m
                        .and_then(|m| m.pcrs().into_iter().find(|(i, _)| i64::from(*i) == idx))
                        .map(|(_, computed)| {
                            if computed == val {
                                " (matches the computed value)".to_string()
                            } else {
                                format!(" (DIFFERS from the computed value {computed})")
                            }
                        })
                        .unwrap_or_default();
                    let _ = writeln!(t, "    signs PCR{idx} = {val}{verdict}");
                }
            }
            Err(e) => {
                let _ = writeln!(t, "    cannot decode COSE_Sign1: {e}");
            }
        }
    }
}

/// Decodes the signature section: a CBOR array of maps with `signing_certificate` and
/// `signature`, each a byte string or (as eif_build writes them) an array of byte values.
pub fn decode_signature(section: &[u8]) -> Result<Vec<SignatureEntry>, FormatError> {
    let root = cbor::decode_all(section)?;
    let items = match &root {
        cbor::Item::Array(a) => a,
        other => {
            return err(format!(
                "signature section is a CBOR {}, expected an array",
                other.kind()
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let cert = item
            .get("signing_certificate")
            .ok_or_else(|| FormatError::new(format!("signature entry {i} has no signing_certificate")))?;
        let cert = cert
            .as_bytes()
            .ok_or_else(|| FormatError::new(format!("signature entry {i}: signing_certificate is not bytes")))?;
        let sig = item
            .get("signature")
            .ok_or_else(|| FormatError::new(format!("signature entry {i} has no signature")))?;
        let sig = sig
            .as_bytes()
            .ok_or_else(|| FormatError::new(format!("signature entry {i}: signature is not bytes")))?;
        let (certificate_der, certificate_was_pem) =
            certificate_to_der(&cert).map_err(|e| FormatError::new(format!("signature entry {i}: {e}")))?;
        out.push(SignatureEntry {
            certificate_der,
            certificate_was_pem,
            cose_sign1: sig,
        });
    }
    Ok(out)
}

/// PEM (first CERTIFICATE block) or DER → DER.
fn certificate_to_der(cert: &[u8]) -> Result<(Vec<u8>, bool), FormatError> {
    if cert.first() == Some(&0x30) {
        return Ok((cert.to_vec(), false));
    }
    let text = std::str::from_utf8(cert).map_err(|_| FormatError::new("signing certificate is neither PEM nor DER"))?;
    let (label, begin) = ["-----BEGIN CERTIFICATE-----", "-----BEGIN X509 CERTIFICATE-----"]
        .iter()
        .find_map(|l| text.find(l).map(|p| (*l, p + l.len())))
        .ok_or_else(|| FormatError::new("signing certificate is neither PEM nor DER (no BEGIN CERTIFICATE line)"))?;
    let end_marker = label.replace("BEGIN", "END");
    let end = text[begin..]
        .find(&end_marker)
        .ok_or_else(|| FormatError::new("signing certificate PEM has no END line"))?;
    let der = base64_decode(&text[begin..begin + end])?;
    Ok((der, true))
}

fn base64_decode(s: &str) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut padding = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => {
                return err(format!(
                    "signing certificate PEM: invalid base64 character {:?}",
                    c as char
                ))
            }
        };
        if padding > 0 {
            return err("signing certificate PEM: base64 data after padding");
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// What a COSE_Sign1 envelope says (not verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoseSign1 {
    /// COSE algorithm id from the protected header (-35 = ES384).
    pub algorithm: Option<i64>,
    /// From the payload `{register_index, register_value}` eif_build signs.
    pub pcr_index: Option<i64>,
    pub pcr_value: Option<Vec<u8>>,
    pub signature_len: usize,
}

impl CoseSign1 {
    /// `[protected: bstr, unprotected: map, payload: bstr, signature: bstr]`, optionally tag 18.
    pub fn decode(bytes: &[u8]) -> Result<CoseSign1, FormatError> {
        let root = cbor::decode_all(bytes)?;
        let root = match root {
            cbor::Item::Tag(18, inner) => *inner,
            other => other,
        };
        let parts = match root {
            cbor::Item::Array(a) if a.len() == 4 => a,
            other => return err(format!("COSE_Sign1 is a CBOR {}, expected an array of 4", other.kind())),
        };
        let protected = parts[0]
            .as_bytes()
            .ok_or_else(|| FormatError::new("COSE_Sign1 protected header is not bytes"))?;
        let algorithm = if protected.is_empty() {
            None
        } else {
            cbor::decode_all(&protected)?.get_int(1).and_then(|a| a.as_i64())
        };
        let payload = parts[2].as_bytes();
        let (pcr_index, pcr_value) = match payload.as_deref().map(cbor::decode_all) {
            Some(Ok(p)) => (
                p.get("register_index").and_then(|v| v.as_i64()),
                p.get("register_value").and_then(|v| v.as_bytes()),
            ),
            _ => (None, None),
        };
        let signature_len = parts[3].as_bytes().map(|s| s.len()).unwrap_or(0);
        Ok(CoseSign1 {
            algorithm,
            pcr_index,
            pcr_value,
            signature_len,
        })
    }
}

fn cose_alg_name(a: i64) -> &'static str {
    match a {
        -7 => "ES256",
        -35 => "ES384",
        -36 => "ES512",
        -8 => "EdDSA",
        -37 => "PS256",
        -38 => "PS384",
        -39 => "PS512",
        _ => "unknown",
    }
}

/// A small CBOR reader: definite and indefinite arrays and maps, definite strings, tags,
/// simple values. Depth and item counts are bounded so hostile input cannot exhaust memory.
mod cbor {
    use crate::model::{err, FormatError};

    const MAX_DEPTH: usize = 16;
    /// Far more than a signature section holds (a certificate is ~1000 items).
    const MAX_ITEMS: usize = 1 << 20;

    #[derive(Clone, Debug, PartialEq)]
    pub enum Item<'a> {
        Uint(u64),
        /// The value is -1 - n.
        Nint(u64),
        Bytes(&'a [u8]),
        Text(&'a str),
        Array(Vec<Item<'a>>),
        Map(Vec<(Item<'a>, Item<'a>)>),
        Tag(u64, Box<Item<'a>>),
        Simple(u8),
        Float(u64),
    }

    impl<'a> Item<'a> {
        pub fn kind(&self) -> &'static str {
            match self {
                Item::Uint(_) | Item::Nint(_) => "integer",
                Item::Bytes(_) => "byte string",
                Item::Text(_) => "text string",
                Item::Array(_) => "array",
                Item::Map(_) => "map",
                Item::Tag(..) => "tagged item",
                Item::Simple(_) => "simple value",
                Item::Float(_) => "float",
            }
        }

        /// Value of a text key in a map.
        pub fn get(&self, key: &str) -> Option<&Item<'a>> {
            match self {
                Item::Map(m) => m.iter().find(|(k, _)| *k == Item::Text(key)).map(|(_, v)| v),
                _ => None,
            }
        }

        /// Value of an integer key in a map.
        pub fn get_int(&self, key: u64) -> Option<&Item<'a>> {
            match self {
                Item::Map(m) => m.iter().find(|(k, _)| *k == Item::Uint(key)).map(|(_, v)| v),
                _ => None,
            }
        }

        pub fn as_i64(&self) -> Option<i64> {
            match self {
                Item::Uint(n) => i64::try_from(*n).ok(),
                Item::Nint(n) => i64::try_from(*n).ok().map(|n| -1 - n),
                _ => None,
            }
        }

        /// A byte string, or an array of integers 0..=255 (serde's default for `Vec<u8>`).
        pub fn as_bytes(&self) -> Option<Vec<u8>> {
            match self {
                Item::Bytes(b) => Some(b.to_vec()),
                Item::Array(a) => a
                    .iter()
                    .map(|i| match i {
                        Item::Uint(n) => u8::try_from(*n).ok(),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            }
        }
    }

    struct Reader<'a> {
        data: &'a [u8],
        pos: usize,
        items: usize,
    }

    /// Decodes exactly one item spanning all of `data`.
    pub fn decode_all(data: &[u8]) -> Result<Item<'_>, FormatError> {
        let mut r = Reader { data, pos: 0, items: 0 };
        let item = r.item(0)?;
        if r.pos != data.len() {
            return err(format!(
                "CBOR: {} trailing bytes after the item at offset {}",
                data.len() - r.pos,
                r.pos
            ));
        }
        Ok(item)
    }

    impl<'a> Reader<'a> {
        fn byte(&mut self) -> Result<u8, FormatError> {
            let b = *self
                .data
                .get(self.pos)
                .ok_or_else(|| FormatError::new(format!("CBOR truncated at offset {}", self.pos)))?;
            self.pos += 1;
            Ok(b)
        }

        fn take(&mut self, n: u64) -> Result<&'a [u8], FormatError> {
            let end = usize::try_from(n)
                .ok()
                .and_then(|n| self.pos.checked_add(n))
                .filter(|&e| e <= self.data.len())
                .ok_or_else(|| {
                    FormatError::new(format!(
                        "CBOR string of {n} bytes at offset {} extends past the end ({} bytes)",
                        self.pos,
                        self.data.len()
                    ))
                })?;
            let s = &self.data[self.pos..end];
            self.pos = end;
            Ok(s)
        }

        /// The argument of an initial byte; None for indefinite length (31).
        fn arg(&mut self, info: u8) -> Result<Option<u64>, FormatError> {
            let n = match info {
                0..=23 => u64::from(info),
                24 => u64::from(self.byte()?),
                25..=27 => {
                    let len = 1usize << (info - 24);
                    let b = self.take(len as u64)?;
                    b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))
                }
                31 => return Ok(None),
                _ => {
                    return err(format!(
                        "CBOR: reserved additional info {info} at offset {}",
                        self.pos - 1
                    ))
                }
            };
            Ok(Some(n))
        }

        fn count(&mut self) -> Result<(), FormatError> {
            self.items += 1;
            if self.items > MAX_ITEMS {
                return err(format!("CBOR: more than {MAX_ITEMS} items"));
            }
            Ok(())
        }

        fn is_break(&self) -> bool {
            self.data.get(self.pos) == Some(&0xff)
        }

        fn item(&mut self, depth: usize) -> Result<Item<'a>, FormatError> {
            if depth > MAX_DEPTH {
                return err(format!("CBOR nested deeper than {MAX_DEPTH} at offset {}", self.pos));
            }
            self.count()?;
            let at = self.pos;
            let ib = self.byte()?;
            let (major, info) = (ib >> 5, ib & 0x1f);
            let arg = self.arg(info)?;
            let definite = |what: &str| {
                arg.ok_or_else(|| {
                    FormatError::new(format!("CBOR: indefinite-length {what} at offset {at} not supported"))
                })
            };
            Ok(match major {
                0 => Item::Uint(definite("integer")?),
                1 => Item::Nint(definite("integer")?),
                2 => Item::Bytes(self.take(definite("byte string")?)?),
                3 => {
                    let b = self.take(definite("text string")?)?;
                    Item::Text(
                        std::str::from_utf8(b)
                            .map_err(|_| FormatError::new(format!("CBOR text at offset {at} is not UTF-8")))?,
                    )
                }
                4 => {
                    let mut v = Vec::new();
                    match arg {
                        Some(n) => {
                            // Each element takes at least one byte: refuse impossible counts
                            // before allocating for them.
                            if n > (self.data.len() - self.pos) as u64 {
                                return err(format!(
                                    "CBOR array at offset {at} claims {n} elements, more than the bytes left"
                                ));
                            }
                            for _ in 0..n {
                                v.push(self.item(depth + 1)?);
                            }
                        }
                        None => {
                            while !self.is_break() {
                                v.push(self.item(depth + 1)?);
                            }
                            self.pos += 1;
                        }
                    }
                    Item::Array(v)
                }
                5 => {
                    let mut v = Vec::new();
                    match arg {
                        Some(n) => {
                            if n > ((self.data.len() - self.pos) / 2) as u64 {
                                return err(format!(
                                    "CBOR map at offset {at} claims {n} entries, more than the bytes left"
                                ));
                            }
                            for _ in 0..n {
                                let k = self.item(depth + 1)?;
                                let val = self.item(depth + 1)?;
                                v.push((k, val));
                            }
                        }
                        None => {
                            while !self.is_break() {
                                let k = self.item(depth + 1)?;
                                let val = self.item(depth + 1)?;
                                v.push((k, val));
                            }
                            self.pos += 1;
                        }
                    }
                    Item::Map(v)
                }
                6 => Item::Tag(definite("tag")?, Box::new(self.item(depth + 1)?)),
                _ => match info {
                    0..=24 => Item::Simple(definite("simple value")? as u8),
                    25..=27 => Item::Float(definite("float")?),
                    _ => return err(format!("CBOR: unexpected break or reserved value at offset {at}")),
                },
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// X.509 certificate fields (a DER walk over the few fields we show)

/// The signing certificate's identifying fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// "CN=..., O=..." in stored order.
    pub subject: String,
    pub issuer: String,
    /// Serial number, lower-case hex of its DER INTEGER content.
    pub serial: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// e.g. "ecdsa-with-SHA384".
    pub signature_algorithm: String,
    /// e.g. "id-ecPublicKey secp384r1".
    pub public_key_algorithm: String,
    /// Digests of the DER: sha384 is what PCR8 extends.
    pub sha256: String,
    pub sha384: String,
}

impl Certificate {
    /// Reads a DER X.509 certificate's TBS fields.
    pub fn from_der(der: &[u8]) -> Result<Certificate, FormatError> {
        let e = |m: &str| FormatError::new(format!("certificate: {m}"));
        let (cert, rest) = der::expect(der, 0x30).map_err(|_| e("not a DER SEQUENCE"))?;
        if !rest.is_empty() {
            return Err(e("trailing bytes after the certificate"));
        }
        let (tbs, after_tbs) = der::expect(cert, 0x30).map_err(|_| e("no TBSCertificate"))?;
        let (sig_alg, _) = der::expect(after_tbs, 0x30).map_err(|_| e("no signatureAlgorithm"))?;
        let mut p = tbs;
        if p.first() == Some(&0xa0) {
            p = der::tlv(p).map_err(|_| e("bad version"))?.2;
        }
        let (serial, p) = der::expect(p, 0x02).map_err(|_| e("no serial number"))?;
        let (_, p) = der::expect(p, 0x30).map_err(|_| e("no signature algorithm in TBS"))?;
        let (issuer, p) = der::expect(p, 0x30).map_err(|_| e("no issuer"))?;
        let (validity, p) = der::expect(p, 0x30).map_err(|_| e("no validity"))?;
        let (subject, p) = der::expect(p, 0x30).map_err(|_| e("no subject"))?;
        let (spki, _) = der::expect(p, 0x30).map_err(|_| e("no subjectPublicKeyInfo"))?;

        let (nb_tag, nb, v) = der::tlv(validity).map_err(|_| e("bad notBefore"))?;
        let (na_tag, na, _) = der::tlv(v).map_err(|_| e("bad notAfter"))?;
        let not_before = der::time(nb_tag, nb).ok_or_else(|| e("bad notBefore time"))?;
        let not_after = der::time(na_tag, na).ok_or_else(|| e("bad notAfter time"))?;

        let (sig_oid, _) = der::expect(sig_alg, 0x06).map_err(|_| e("bad signatureAlgorithm"))?;
        let (key_alg, _) = der::expect(spki, 0x30).map_err(|_| e("bad subjectPublicKeyInfo"))?;
        let (key_oid, params) = der::expect(key_alg, 0x06).map_err(|_| e("bad key algorithm"))?;
        let mut public_key_algorithm = der::oid_name(key_oid);
        if let Ok((curve, _)) = der::expect(params, 0x06) {
            public_key_algorithm.push(' ');
            public_key_algorithm.push_str(&der::oid_name(curve));
        }

        Ok(Certificate {
            subject: der::name(subject).map_err(|m| e(&format!("subject: {m}")))?,
            issuer: der::name(issuer).map_err(|m| e(&format!("issuer: {m}")))?,
            // DER pads a positive INTEGER with 00 when its top bit is set; openssl prints it without.
            serial: hex(match serial {
                [0, rest @ ..] if !rest.is_empty() => rest,
                s => s,
            }),
            not_before,
            not_after,
            signature_algorithm: der::oid_name(sig_oid),
            public_key_algorithm,
            sha256: hex(&Sha256::digest(der)),
            sha384: hex(&Sha384::digest(der)),
        })
    }

    fn push_fields(&self, f: &mut Vec<Field>) {
        f.push(Field::new("certificate-subject", Value::Text(self.subject.clone())));
        f.push(Field::new("certificate-issuer", Value::Text(self.issuer.clone())));
        f.push(Field::new("certificate-serial", Value::Digest(self.serial.clone())));
        f.push(Field::new("certificate-not-before", Value::Time(self.not_before)));
        f.push(Field::new("certificate-not-after", Value::Time(self.not_after)));
        f.push(Field::new("certificate-sha384", Value::Digest(self.sha384.clone())));
    }

    fn describe(&self, t: &mut String) {
        let _ = writeln!(t, "    subject:    {}", self.subject);
        let _ = writeln!(t, "    issuer:     {}", self.issuer);
        let _ = writeln!(t, "    serial:     {}", self.serial);
        let _ = writeln!(
            t,
            "    validity:   {} to {} (UTC)",
            format_time(self.not_before),
            format_time(self.not_after)
        );
        let _ = writeln!(t, "    key:        {}", self.public_key_algorithm);
        let _ = writeln!(t, "    signed by:  {}", self.signature_algorithm);
        let _ = writeln!(t, "    sha256:     {}", self.sha256);
        let _ = writeln!(t, "    sha384:     {}", self.sha384);
    }
}

mod der {
    use crate::model::hex;

    /// (tag, content, rest). Single-byte tags and definite lengths only, as DER requires.
    pub fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), ()> {
        let (&tag, rest) = input.split_first().ok_or(())?;
        if tag & 0x1f == 0x1f {
            return Err(());
        }
        let (&first, mut rest) = rest.split_first().ok_or(())?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err(());
            }
            let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | usize::from(b));
            rest = &rest[n..];
            len
        };
        if rest.len() < len {
            return Err(());
        }
        Ok((tag, &rest[..len], &rest[len..]))
    }

    pub fn expect(input: &[u8], want: u8) -> Result<(&[u8], &[u8]), ()> {
        let (tag, content, rest) = tlv(input)?;
        if tag != want {
            return Err(());
        }
        Ok((content, rest))
    }

    pub fn oid_string(b: &[u8]) -> String {
        let mut parts: Vec<u64> = Vec::new();
        let mut acc = 0u64;
        for &x in b {
            acc = acc.saturating_mul(128) | u64::from(x & 0x7f);
            if x & 0x80 == 0 {
                if parts.is_empty() {
                    let first = (acc / 40).min(2);
                    parts.push(first);
                    parts.push(acc - first * 40);
                } else {
                    parts.push(acc);
                }
                acc = 0;
            }
        }
        if parts.is_empty() {
            return format!("oid:{}", hex(b));
        }
        parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
    }

    pub fn oid_name(b: &[u8]) -> String {
        let s = oid_string(b);
        let name = match s.as_str() {
            "2.5.4.3" => "CN",
            "2.5.4.4" => "SN",
            "2.5.4.5" => "serialNumber",
            "2.5.4.6" => "C",
            "2.5.4.7" => "L",
            "2.5.4.8" => "ST",
            "2.5.4.9" => "street",
            "2.5.4.10" => "O",
            "2.5.4.11" => "OU",
            "2.5.4.12" => "title",
            "2.5.4.42" => "GN",
            "1.2.840.113549.1.9.1" => "emailAddress",
            "0.9.2342.19200300.100.1.25" => "DC",
            "1.2.840.10045.2.1" => "id-ecPublicKey",
            "1.2.840.10045.3.1.7" => "prime256v1",
            "1.3.132.0.34" => "secp384r1",
            "1.3.132.0.35" => "secp521r1",
            "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
            "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
            "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
            "1.2.840.113549.1.1.1" => "rsaEncryption",
            "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
            "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
            "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
            "1.3.101.112" => "Ed25519",
            _ => return s,
        };
        name.to_string()
    }

    /// A Name (SEQUENCE OF SET OF {type, value}) as "CN=x, O=y" in stored order.
    pub fn name(mut seq: &[u8]) -> Result<String, &'static str> {
        let mut parts = Vec::new();
        while !seq.is_empty() {
            let (set, rest) = expect(seq, 0x31).map_err(|_| "bad RDN")?;
            seq = rest;
            let mut set = set;
            while !set.is_empty() {
                let (atv, rest) = expect(set, 0x30).map_err(|_| "bad attribute")?;
                set = rest;
                let (oid, v) = expect(atv, 0x06).map_err(|_| "bad attribute type")?;
                let (tag, value, _) = tlv(v).map_err(|_| "bad attribute value")?;
                parts.push(format!("{}={}", oid_name(oid), string(tag, value)));
            }
        }
        Ok(parts.join(", "))
    }

    fn string(tag: u8, v: &[u8]) -> String {
        match tag {
            // UTF8String, PrintableString, IA5String, T61String, VisibleString
            0x0c | 0x13 | 0x16 | 0x14 | 0x1a => String::from_utf8_lossy(v).into_owned(),
            // BMPString: UTF-16BE
            0x1e => {
                let units: Vec<u16> = v.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                String::from_utf16_lossy(&units)
            }
            _ => format!("#{}", hex(v)),
        }
    }

    /// UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) → Unix seconds.
    pub fn time(tag: u8, v: &[u8]) -> Option<i64> {
        let s = std::str::from_utf8(v).ok()?;
        let s = s.strip_suffix('Z')?;
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (year, rest) = match (tag, s.len()) {
            (0x17, 12) => {
                let yy: i64 = s[..2].parse().ok()?;
                (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
            }
            (0x18, 14) => (s[..4].parse().ok()?, &s[4..]),
            _ => return None,
        };
        let n = |i: usize| -> Option<i64> { rest[i..i + 2].parse().ok() };
        let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
            return None;
        }
        Some(crate::model::days_from_civil(year, mo, d) * 86400 + h * 3600 + mi * 60 + se)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// eif_build's signed fixture (see tests/fixtures/eif/README.md).
    const SIGNED: &[u8] = include_bytes!("../tests/fixtures/eif/signed.eif");
    const SIGNED_PCR8: &str =
        "5c541a8a62f0de8def9852f897bf76eafc9c6d6e531ed1e6a775ff8048bc103a5d7e1e401ddacb82982d64477f2d7b8f";
    /// PCR of empty content, as eif_build prints PCR2 for a single-ramdisk image.
    const EMPTY_PCR: &str =
        "21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c10edb30948c90ba67310f7b964fc500a";

    fn sample() -> Vec<u8> {
        write(&EifSpec {
            kernel: b"KERNEL-BYTES-0123456789",
            cmdline: "console=ttyS0 quiet",
            ramdisks: vec![b"first ramdisk", b"second", b"third!"],
            metadata: Some(serde_json::json!({"ImageName": "demo", "BuildTime": "2024-01-01"})),
            arch_arm64: false,
        })
    }

    fn open(bytes: Vec<u8>) -> Result<Opened, FormatError> {
        Eif.open(&Blob::from_vec(bytes), "x.eif", &Limits::default())
    }

    fn open_err(bytes: Vec<u8>) -> String {
        open(bytes).expect_err("must be rejected").message
    }

    /// The PCR formula written out with one concatenated buffer, independent of `measure`.
    fn pcr_of(parts: &[&[u8]]) -> String {
        let inner = Sha384::digest(parts.concat());
        let mut buf = vec![0u8; 48];
        buf.extend_from_slice(&inner);
        hex(&Sha384::digest(&buf))
    }

    fn set_u16(b: &mut [u8], at: usize, v: u16) {
        b[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    fn set_u64(b: &mut [u8], at: usize, v: u64) {
        b[at..at + 8].copy_from_slice(&v.to_be_bytes());
    }

    /// Rewrites the CRC so a test reaches the check it is aimed at.
    fn fix_crc(b: &mut [u8]) {
        let c = parse_lenient(b).unwrap().computed_crc;
        b[CRC_OFFSET..HEADER_SIZE].copy_from_slice(&c.to_be_bytes());
    }

    #[test]
    fn round_trip_write_open_measure() {
        let bytes = sample();
        assert_eq!(bytes, sample(), "write is deterministic");
        assert!(Eif.identify(&bytes, "x"));

        let m = measure(&bytes).unwrap();
        let (k, c) = (&b"KERNEL-BYTES-0123456789"[..], &b"console=ttyS0 quiet"[..]);
        assert_eq!(m.pcr0, pcr_of(&[k, c, b"first ramdisk", b"second", b"third!"]));
        assert_eq!(m.pcr1, pcr_of(&[k, c, b"first ramdisk"]));
        assert_eq!(m.pcr2, pcr_of(&[b"second", b"third!"]));
        assert_eq!(m.pcr8, None);
        assert_eq!(m.hash_algorithm, "Sha384 { ... }");
        let idx: Vec<u8> = m.pcrs().iter().map(|p| p.0).collect();
        assert_eq!(idx, [0, 1, 2]);
        assert_eq!(m.to_json()["PCR1"], m.pcr1.as_str());

        let o = open(bytes).unwrap();
        let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["kernel", "cmdline", "metadata", "ramdisk0", "ramdisk1", "ramdisk2"]
        );
        let field = |n: &str| o.fields.iter().find(|f| f.name == n).map(|f| f.value.clone());
        assert_eq!(field("version"), Some(Value::Int(4)));
        assert_eq!(field("arch"), Some(Value::Text("x86_64".into())));
        assert_eq!(field("default_mem"), Some(Value::Size(1 << 30)));
        assert_eq!(field("default_cpus"), Some(Value::Int(2)));
        assert_eq!(field("num_sections"), Some(Value::Int(6)));
        assert_eq!(field("pcr0"), Some(Value::Digest(m.pcr0.clone())));
        let kernel = &o.members[0];
        assert_eq!(kernel.kind, EntryKind::Section);
        assert_eq!(kernel.field("type"), Some(&Value::Text("kernel".into())));
        assert_eq!(kernel.field("offset"), Some(&Value::Offset(HEADER_SIZE as u64)));
        assert_eq!(kernel.field("section-flags"), Some(&Value::Int(0)));
        assert_eq!(kernel.size, 23);
        match &kernel.data {
            Some(Data::Blob(b)) => assert_eq!(&b[..], b"KERNEL-BYTES-0123456789"),
            other => panic!("kernel data: {other:?}"),
        }
        let text = o.text.unwrap();
        assert!(text.contains("\"ImageName\": \"demo\""), "{text}");
        assert!(text.contains("cmdline: console=ttyS0 quiet"), "{text}");
        assert!(text.contains(&format!("PCR2: {}", m.pcr2)), "{text}");
        assert!(o.notes.iter().any(|n| n.contains("matches")), "{:?}", o.notes);
    }

    #[test]
    fn arm64_and_no_metadata() {
        let bytes = write(&EifSpec {
            kernel: b"k",
            cmdline: "",
            ramdisks: vec![b"r"],
            metadata: None,
            arch_arm64: true,
        });
        let p = parse(&bytes).unwrap();
        assert_eq!(p.header.flags, FLAG_ARM64);
        assert_eq!(p.header.arch(), "aarch64");
        assert_eq!(p.member_names(), ["kernel", "cmdline", "ramdisk0"]);
        assert_eq!(p.measure().unwrap().pcr2, EMPTY_PCR);
    }

    #[test]
    fn too_many_ramdisks_is_an_error() {
        let r: &[u8] = b"r";
        let spec = EifSpec {
            kernel: b"k",
            cmdline: "c",
            ramdisks: vec![r; 31],
            metadata: None,
            arch_arm64: false,
        };
        let e = try_write(&spec).unwrap_err().message;
        assert_eq!(e, "33 sections needed (31 ramdisks), at most 32 fit in an EIF");
    }

    #[test]
    fn truncated_header() {
        let mut b = sample();
        b.truncate(300);
        assert_eq!(open_err(b), "EIF header truncated: 300 bytes, need 548");
        assert_eq!(open_err(b".ei".to_vec()), "EIF header truncated: 3 bytes, need 548");
        assert_eq!(open_err(Vec::new()), "EIF header truncated: 0 bytes, need 548");
    }

    #[test]
    fn wrong_magic() {
        let mut b = sample();
        b[0] = b'X';
        assert_eq!(open_err(b), "bad magic: expected \".eif\" (2e656966), found 58656966");
    }

    #[test]
    fn wrong_crc() {
        let mut b = sample();
        let good = parse(&b).unwrap().header.crc32;
        let last = b.len() - 1;
        b[last] ^= 0xff; // a ramdisk byte
        let computed = parse_lenient(&b).unwrap().computed_crc;
        assert_ne!(good, computed);
        assert_eq!(
            open_err(b.clone()),
            format!("CRC mismatch: header says {good:#010x}, computed {computed:#010x}")
        );
        assert!(measure(&b).unwrap_err().message.starts_with("CRC mismatch"));
        // The lenient path still measures a damaged image.
        assert!(parse_lenient(&b).unwrap().measure().is_ok());
    }

    #[test]
    fn bad_version() {
        for v in [0u16, 1, 5, 9] {
            let mut b = sample();
            set_u16(&mut b, 4, v);
            assert_eq!(open_err(b), format!("unsupported EIF version {v} (supported: 2 to 4)"));
        }
        for v in [2u16, 3] {
            let mut b = sample();
            set_u16(&mut b, 4, v);
            fix_crc(&mut b);
            assert_eq!(parse(&b).unwrap().header.version, v);
        }
    }

    #[test]
    fn too_many_sections() {
        let mut b = sample();
        set_u16(&mut b, 26, 40);
        assert_eq!(open_err(b), "num_sections 40 exceeds 32");
    }

    #[test]
    fn section_offset_past_end() {
        let mut b = sample();
        let len = b.len();
        set_u64(&mut b, OFFSETS_AT + 8 * 2, 0x10_0000);
        assert_eq!(
            open_err(b.clone()),
            format!("section 2 header at offset 0x100000 extends past end of file (size {len}, needs 0x10000c)")
        );
        // Offsets near u64::MAX must not overflow.
        set_u64(&mut b, OFFSETS_AT + 8 * 2, u64::MAX - 4);
        let e = open_err(b);
        assert!(
            e.starts_with("section 2 header at offset 0xfffffffffffffffb extends past end of file"),
            "{e}"
        );
    }

    #[test]
    fn section_data_past_end() {
        let mut b = sample();
        let p = parse(&b).unwrap();
        let last = p.sections.last().unwrap();
        let (idx, off) = (last.index, last.offset);
        b.truncate(b.len() - 2);
        let len = b.len();
        assert_eq!(
            open_err(b),
            format!(
                "section {idx} (ramdisk, 6 bytes) at offset {off:#x} extends past end of file (size {len}, needs {:#x})",
                len + 2
            )
        );

        // A size near u64::MAX in both tables must not overflow either.
        let mut b = sample();
        let off = parse(&b).unwrap().sections[3].offset as usize;
        set_u64(&mut b, SIZES_AT + 8 * 3, u64::MAX);
        set_u64(&mut b, off + 4, u64::MAX);
        let e = open_err(b);
        assert!(
            e.starts_with(&format!(
                "section 3 (ramdisk, {} bytes) at offset {off:#x} extends past end of file",
                u64::MAX
            )),
            "{e}"
        );
    }

    #[test]
    fn inconsistent_and_overlapping_sections() {
        let mut b = sample();
        set_u64(&mut b, SIZES_AT + 8, 5);
        assert_eq!(
            open_err(b),
            "section 1 (cmdline) at offset 0x247: its header says size 19, the EIF header's table says 5"
        );

        let mut b = sample();
        set_u64(&mut b, OFFSETS_AT + 8, 0x10);
        assert_eq!(
            open_err(b),
            "section 1 at offset 0x10 lies inside the 548-byte EIF header"
        );

        // Point section 1 at section 0; give it section 0's size so the size check passes.
        let mut b = sample();
        set_u64(&mut b, OFFSETS_AT + 8, HEADER_SIZE as u64);
        set_u64(&mut b, SIZES_AT + 8, 23);
        assert_eq!(
            open_err(b),
            "section 1 (kernel) at offset 0x224 overlaps the previous section, which ends at 0x247"
        );
    }

    #[test]
    fn unknown_section_type_and_trailing_bytes() {
        let mut b = sample();
        let off = parse(&b).unwrap().sections[2].offset as usize;
        set_u16(&mut b, off, 77);
        b.extend_from_slice(b"junk");
        fix_crc(&mut b);
        let o = open(b).unwrap();
        assert_eq!(o.members[2].name, "section2");
        assert_eq!(o.members[2].field("type"), Some(&Value::Text("unknown(77)".into())));
        assert!(o.notes.iter().any(|n| n.contains("4 trailing bytes")), "{:?}", o.notes);
    }

    #[test]
    fn signed_fixture_opens_and_measures() {
        let m = measure(SIGNED).unwrap();
        assert_eq!(m.pcr8.as_deref(), Some(SIGNED_PCR8));
        let o = open(SIGNED.to_vec()).unwrap();
        let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["kernel", "cmdline", "metadata", "ramdisk0", "ramdisk1", "signature"]
        );
        let sig = &o.members[5];
        assert_eq!(
            sig.field("certificate-subject"),
            Some(&Value::Text("CN=reproscope fixture, O=reproscope".into()))
        );
        assert_eq!(
            sig.field("certificate-serial"),
            Some(&Value::Digest("6efd9665282c0da8f606fa832b279d1b67cc694f".into()))
        );
        // notBefore is a UTCTime, notAfter (2126) a GeneralizedTime.
        assert_eq!(sig.field("certificate-not-before"), Some(&Value::Time(1795321759)));
        assert_eq!(sig.field("certificate-not-after"), Some(&Value::Time(4948921759)));
        let text = o.text.unwrap();
        assert!(text.contains("COSE_Sign1: ES384 (-35), 96 signature bytes"), "{text}");
        assert!(
            text.contains(&format!("signs PCR0 = {} (matches the computed value)", m.pcr0)),
            "{text}"
        );
        assert!(text.contains("key:        id-ecPublicKey secp384r1"), "{text}");
        assert!(text.contains("\"purpose\": \"reproscope test fixture\""), "{text}");
        assert!(text.contains("sha256:     7c8ec49ee6c1c8e243f30eca94b8b9d11681cf516f97bb0842c0bf8b376b8a49"));
    }

    #[test]
    fn hostile_cbor_is_rejected_cleanly() {
        assert!(decode_signature(b"").is_err());
        assert!(decode_signature(&[0x81; 10_000])
            .unwrap_err()
            .message
            .contains("nested deeper"));
        // An array claiming 2^64-1 elements.
        let e = decode_signature(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap_err();
        assert!(e.message.contains("more than the bytes left"), "{e}");
        assert!(decode_signature(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert_eq!(
            decode_signature(&[0xa0]).unwrap_err().message,
            "signature section is a CBOR map, expected an array"
        );
        assert_eq!(decode_signature(&[0x80]).unwrap().len(), 0);
        // An empty signature array: open still works, measure says why PCR8 is missing.
        assert!(Certificate::from_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(CoseSign1::decode(&[0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40]).is_ok());
    }

    #[test]
    fn der_times() {
        assert_eq!(der::time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der::time(0x17, b"491231235959Z"), Some(2524607999));
        assert_eq!(der::time(0x18, b"20000229000000Z"), Some(951782400));
        assert_eq!(der::time(0x17, b"701301000000Z"), None);
        assert_eq!(der::time(0x17, b"7001010000Z"), None);
    }

    /// Mutated and truncated images must give errors or results, never panics.
    #[test]
    fn mutations_never_panic() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for base in [sample(), SIGNED.to_vec()] {
            for _ in 0..1500 {
                let mut b = base.clone();
                for _ in 0..1 + next() % 4 {
                    let i = (next() % b.len() as u64) as usize;
                    b[i] = next() as u8;
                }
                if next() & 7 == 0 {
                    let cut = (next() % b.len() as u64) as usize;
                    b.truncate(cut);
                }
                if let Ok(p) = parse_lenient(&b) {
                    let _ = p.measure();
                    let _ = p.to_opened(&Blob::from_vec(b.clone()));
                }
                let _ = open(b);
            }
        }
        // Mutate only the signature section's bytes and fix the CRC, so open gets that far.
        let sig_off = parse(SIGNED).unwrap().sections[5].data_offset() as usize;
        for _ in 0..1500 {
            let mut b = SIGNED.to_vec();
            for _ in 0..1 + next() % 3 {
                let i = sig_off + (next() % (b.len() - sig_off) as u64) as usize;
                b[i] = next() as u8;
            }
            fix_crc(&mut b);
            let _ = open(b.clone()).map(|o| o.text);
            let _ = measure(&b);
        }
    }
}
