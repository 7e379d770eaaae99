//! SGXS, the SGX stream format: exactly what an SGX loader measures into an enclave, so that
//! sha256 of a canonical stream is the enclave's MRENCLAVE. Read, checked, measured and written.
//!
//! Records (Fortanix's SGXS specification, fields from Intel's SDM), all little-endian, each a
//! 64-byte header beginning with an 8-byte tag:
//!
//! - `ECREATE\0`: SSAFRAMESIZE u32 (pages), SIZE u64 (bytes), 44 reserved zero bytes.
//! - `EADD\0\0\0\0`: page OFFSET u64, then the first 48 bytes of the page's SECINFO: FLAGS u64
//!   (R, W, X = bits 0..2; PENDING, MODIFIED, PR = bits 3..5; page type = bits 8..15) and 40
//!   reserved zero bytes.
//! - `EEXTEND\0`: chunk OFFSET u64, 48 reserved zero bytes, then the 256 measured bytes.
//! - Extended (ESGXS): `UNSIZED\0` in place of ECREATE, its size field holding the offset where
//!   the size is to be written later (such a stream cannot be measured yet); `UNMEASRD` in place
//!   of EEXTEND: a chunk that is loaded but not measured (skipped when measuring).
//!
//! A stream is accepted only when canonical, and each violation is an error naming the record
//! index and file offset: one ECREATE (or UNSIZED), first; EADD offsets page-aligned, strictly
//! increasing (so no page twice) and inside the enclave size; EEXTEND/UNMEASRD offsets 256-aligned,
//! inside the page of the last EADD, no chunk twice; reserved bytes and reserved SECINFO flag bits
//! zero; no R/W/X on TCS pages (the CPU clears them before measuring, so a canonical stream has
//! them clear); only page types EADD accepts (TCS, REG, and CET's shadow-stack types).
//!
//! MRENCLAVE is sha256 over the measured records (ECREATE, EADD, EEXTEND with its data), which
//! equals sha256 of the file when it has no UNMEASRD records.
//!
//! As a node: members are pages, named by their enclave offset ("0x1000"). A page with loaded
//! chunks is one member holding its 4096 bytes (chunks never loaded read as zero, as in the
//! enclave); consecutive pages without any chunk and with the same flags and region are one
//! member without data, with a `pages` count (a large unmeasured heap costs one member). Fields:
//! `offset` (Value::Offset), `pages`, `type` (Reg, Tcs, ...), `permissions` (r-x), `measured`
//! (all, none, or which chunks), `unmeasured` (UNMEASRD chunks, when any), `region` (below),
//! and for TCS pages the TCS fields `tcs.*`. TCS addresses are Text, not Value::Offset: the
//! engine treats offsets as positions that move when earlier members grow, which enclave
//! addresses never do.
//!
//! Container fields: `enclave-size` (or `unsized.size-at` for UNSIZED), `ssaframesize`, `pages`
//! and `mrenclave` (Value::Digest). When two enclaves differ, the engine marks `mrenclave` as
//! derived ("checksum or size of content that differs"): it follows from the page changes shown
//! below it. ATTRIBUTES, XFRM and MISCSELECT are not in an SGXS stream (they are in the SECS and
//! the SIGSTRUCT, see `sigstruct.rs`).
//!
//! Region guess, per page, first rule that applies (documented as a guess: SGXS records no
//! purpose): TCS pages are `tcs`; CET shadow-stack pages `shadow-stack`; pages inside some TCS's
//! SSA area (OSSA up to NSSA × SSAFRAMESIZE pages) `ssa`; executable pages `code`; writable pages
//! inside some TCS's FS or GS segment (OFSBASGX/OGSBASGX up to FSLIMIT/GSLIMIT) `tls`; writable
//! pages with any non-zero byte `data`; other writable pages (zero or never loaded) `heap/stack`
//! (SGXS cannot tell a heap from a stack: both are zero pages the runtime assigns); read-only
//! pages `rodata`; pages without permissions `no-access`.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::bytes::{le32, le64};
use crate::model::{err, hex, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

/// Size of a record header.
pub const RECORD: usize = 64;
/// Bytes of data after an EEXTEND or UNMEASRD header.
pub const CHUNK: usize = 256;
/// Size of an enclave page.
pub const PAGE: u64 = 4096;
/// Chunks per page.
pub const CHUNKS: usize = 16;

pub const TAG_ECREATE: [u8; 8] = *b"ECREATE\0";
pub const TAG_UNSIZED: [u8; 8] = *b"UNSIZED\0";
pub const TAG_EADD: [u8; 8] = *b"EADD\0\0\0\0";
pub const TAG_EEXTEND: [u8; 8] = *b"EEXTEND\0";
pub const TAG_UNMEASRD: [u8; 8] = *b"UNMEASRD";

/// SECINFO.FLAGS bits (Intel SDM).
pub mod flags {
    pub const R: u64 = 1 << 0;
    pub const W: u64 = 1 << 1;
    pub const X: u64 = 1 << 2;
    pub const PENDING: u64 = 1 << 3;
    pub const MODIFIED: u64 = 1 << 4;
    pub const PR: u64 = 1 << 5;
    /// The page type occupies bits 8..15.
    pub const PT_MASK: u64 = 0xff00;
    /// Bits no SECINFO may set: 6, 7 and 16..63.
    pub const RESERVED: u64 = !(0x3f | PT_MASK);
}

/// Page types (SECINFO.FLAGS.PT).
pub mod page_type {
    pub const SECS: u8 = 0;
    pub const TCS: u8 = 1;
    pub const REG: u8 = 2;
    pub const VA: u8 = 3;
    pub const TRIM: u8 = 4;
    /// CET shadow-stack pages.
    pub const SS_FIRST: u8 = 5;
    pub const SS_REST: u8 = 6;
}

/// TCS.FLAGS bits.
pub const TCS_DBGOPTIN: u64 = 1 << 0;
pub const TCS_AEXNOTIFY: u64 = 1 << 1;

/// The SECINFO flags for a page of type `pt` with permission bits `perms` (R | W | X).
pub fn secinfo(pt: u8, perms: u64) -> u64 {
    (u64::from(pt) << 8) | (perms & (flags::R | flags::W | flags::X))
}

/// The name `sgxs-info` prints for a page type ("Reg", "Tcs", ...).
pub fn page_type_name(pt: u8) -> String {
    match pt {
        page_type::SECS => "Secs".into(),
        page_type::TCS => "Tcs".into(),
        page_type::REG => "Reg".into(),
        page_type::VA => "Va".into(),
        page_type::TRIM => "Trim".into(),
        page_type::SS_FIRST => "SsFirst".into(),
        page_type::SS_REST => "SsRest".into(),
        n => format!("type{n}"),
    }
}

/// "rwx" with '-' for clear bits.
pub fn permissions(f: u64) -> String {
    let mut s = String::with_capacity(3);
    s.push(if f & flags::R != 0 { 'r' } else { '-' });
    s.push(if f & flags::W != 0 { 'w' } else { '-' });
    s.push(if f & flags::X != 0 { 'x' } else { '-' });
    s
}

// ---------------------------------------------------------------------------------------------
// Records

/// One record as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// ECREATE (`sized`), or UNSIZED, whose `size` is the offset where the size goes later.
    Create {
        ssaframesize: u32,
        size: u64,
        sized: bool,
    },
    Add {
        offset: u64,
        flags: u64,
    },
    /// EEXTEND (`measured`) or UNMEASRD, with its 256 bytes.
    Extend {
        offset: u64,
        measured: bool,
        data: &'a [u8],
    },
}

impl Record<'_> {
    pub fn tag(&self) -> &'static str {
        match self {
            Record::Create { sized: true, .. } => "ECREATE",
            Record::Create { sized: false, .. } => "UNSIZED",
            Record::Add { .. } => "EADD",
            Record::Extend { measured: true, .. } => "EEXTEND",
            Record::Extend { measured: false, .. } => "UNMEASRD",
        }
    }
}

/// A record with where it is: its index in the stream and its byte offset in the file.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub index: usize,
    pub at: usize,
    /// The record's bytes: the 64-byte header, plus 256 data bytes for EEXTEND/UNMEASRD.
    pub raw: &'a [u8],
    pub record: Record<'a>,
}

impl Located<'_> {
    fn loc(&self) -> String {
        format!("record {} ({}) at offset {:#x}", self.index, self.record.tag(), self.at)
    }
}

/// Reads records in order, checking only their structure (tag, length); order and reserved
/// bytes are [`parse`]'s business, so `sgx list` can show a non-canonical stream. Stops after
/// the first error.
pub struct Records<'a> {
    data: &'a [u8],
    at: usize,
    index: usize,
    failed: bool,
}

impl<'a> Records<'a> {
    pub fn new(data: &'a [u8]) -> Records<'a> {
        Records {
            data,
            at: 0,
            index: 0,
            failed: false,
        }
    }

    fn next_record(&mut self) -> Result<Located<'a>, FormatError> {
        let (at, index) = (self.at, self.index);
        let left = self.data.len() - at;
        if left < RECORD {
            return err(format!(
                "record {index} at offset {at:#x}: truncated: {left} bytes left, a record header is {RECORD}"
            ));
        }
        let h = &self.data[at..at + RECORD];
        let tag: [u8; 8] = h[..8].try_into().unwrap_or_default();
        let record = match tag {
            TAG_ECREATE | TAG_UNSIZED => Record::Create {
                ssaframesize: le32(h, 8),
                size: le64(h, 12),
                sized: tag == TAG_ECREATE,
            },
            TAG_EADD => Record::Add {
                offset: le64(h, 8),
                flags: le64(h, 16),
            },
            TAG_EEXTEND | TAG_UNMEASRD => {
                let measured = tag == TAG_EEXTEND;
                if left < RECORD + CHUNK {
                    return err(format!(
                        "record {index} ({}) at offset {at:#x}: truncated: its {CHUNK} data bytes need {} more bytes than the file has",
                        if measured { "EEXTEND" } else { "UNMEASRD" },
                        RECORD + CHUNK - left
                    ));
                }
                Record::Extend {
                    offset: le64(h, 8),
                    measured,
                    data: &self.data[at + RECORD..at + RECORD + CHUNK],
                }
            }
            _ => {
                return err(format!(
                    "record {index} at offset {at:#x}: unknown tag \"{}\" (expected ECREATE, EADD, EEXTEND, UNSIZED or UNMEASRD)",
                    tag.escape_ascii()
                ))
            }
        };
        let len = if matches!(record, Record::Extend { .. }) {
            RECORD + CHUNK
        } else {
            RECORD
        };
        self.at += len;
        self.index += 1;
        Ok(Located {
            index,
            at,
            raw: &self.data[at..at + len],
            record,
        })
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Located<'a>, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.data.len() {
            return None;
        }
        let r = self.next_record();
        self.failed = r.is_err();
        Some(r)
    }
}

// ---------------------------------------------------------------------------------------------
// The canonical stream

/// One EADDed page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// Offset from the enclave base.
    pub offset: u64,
    /// SECINFO.FLAGS.
    pub flags: u64,
    /// Chunks measured with EEXTEND: bit i = bytes 256·i..256·(i+1).
    pub measured: u16,
    /// Chunks loaded with UNMEASRD.
    pub unmeasured: u16,
    /// The page's 4096 bytes, or empty when no chunk was loaded (the page reads as zeros).
    pub data: Vec<u8>,
    /// Index and file offset of the EADD record.
    pub record: usize,
    pub at: usize,
}

impl Page {
    pub fn page_type(&self) -> u8 {
        ((self.flags & flags::PT_MASK) >> 8) as u8
    }

    pub fn is_tcs(&self) -> bool {
        self.page_type() == page_type::TCS
    }

    /// The content as the enclave sees it (zeros where nothing was loaded).
    pub fn content(&self) -> &[u8] {
        static ZERO: [u8; PAGE as usize] = [0; PAGE as usize];
        if self.data.is_empty() {
            &ZERO
        } else {
            &self.data
        }
    }

    /// "all", "none", or "partial" (as `sgxs-info` says).
    pub fn measured_word(&self) -> &'static str {
        match self.measured {
            0xffff => "all",
            0 => "none",
            _ => "partial",
        }
    }

    /// The TCS fields when this is a TCS page.
    pub fn tcs(&self) -> Option<Tcs> {
        self.is_tcs().then(|| Tcs::from_page(self.content()))
    }
}

/// The architectural fields of a TCS page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tcs {
    pub flags: u64,
    pub ossa: u64,
    pub cssa: u32,
    pub nssa: u32,
    pub oentry: u64,
    pub ofsbase: u64,
    pub ogsbase: u64,
    pub fslimit: u32,
    pub gslimit: u32,
}

impl Tcs {
    /// Reads a TCS from a 4096-byte page (offsets from the SDM's TCS layout).
    pub fn from_page(p: &[u8]) -> Tcs {
        if p.len() < 72 {
            return Tcs::default();
        }
        Tcs {
            flags: le64(p, 8),
            ossa: le64(p, 16),
            cssa: le32(p, 24),
            nssa: le32(p, 28),
            oentry: le64(p, 32),
            ofsbase: le64(p, 48),
            ogsbase: le64(p, 56),
            fslimit: le32(p, 64),
            gslimit: le32(p, 68),
        }
    }

    /// The 72 leading bytes of a TCS page holding these fields (the rest of the page is zero).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; 72];
        b[8..16].copy_from_slice(&self.flags.to_le_bytes());
        b[16..24].copy_from_slice(&self.ossa.to_le_bytes());
        b[24..28].copy_from_slice(&self.cssa.to_le_bytes());
        b[28..32].copy_from_slice(&self.nssa.to_le_bytes());
        b[32..40].copy_from_slice(&self.oentry.to_le_bytes());
        b[48..56].copy_from_slice(&self.ofsbase.to_le_bytes());
        b[56..64].copy_from_slice(&self.ogsbase.to_le_bytes());
        b[64..68].copy_from_slice(&self.fslimit.to_le_bytes());
        b[68..72].copy_from_slice(&self.gslimit.to_le_bytes());
        b
    }
}

/// A canonical SGXS stream, parsed.
#[derive(Clone, Debug)]
pub struct Enclave {
    /// SSA frame size in pages.
    pub ssaframesize: u32,
    /// Enclave size in bytes; for an UNSIZED stream, the offset where the size is to be written.
    pub size: u64,
    /// False for an UNSIZED stream.
    pub sized: bool,
    pub pages: Vec<Page>,
    /// None for an UNSIZED stream, which cannot be measured.
    pub mrenclave: Option<[u8; 32]>,
    /// Records in the stream, and how many were UNMEASRD.
    pub records: usize,
    pub unmeasured_records: usize,
    /// Remarks that are not errors (a size that is not a power of two, ...).
    pub notes: Vec<String>,
}

fn reserved_zero(r: &Located, from: usize, what: &str) -> Result<(), FormatError> {
    match r.raw[from..RECORD].iter().position(|&b| b != 0) {
        None => Ok(()),
        Some(i) => err(format!(
            "{}: {what} byte {} of the record is {:#04x}, must be zero",
            r.loc(),
            from + i,
            r.raw[from + i]
        )),
    }
}

/// Which chunks a mask names: "0-3, 8".
pub fn chunk_list(mask: u16) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < CHUNKS {
        if mask & (1 << i) != 0 {
            let start = i;
            while i + 1 < CHUNKS && mask & (1 << (i + 1)) != 0 {
                i += 1;
            }
            parts.push(if start == i {
                format!("{start}")
            } else {
                format!("{start}-{i}")
            });
        }
        i += 1;
    }
    parts.join(", ")
}

/// Parses and checks a stream, computing MRENCLAVE. Every error names the record and offset.
pub fn parse(data: &[u8]) -> Result<Enclave, FormatError> {
    if data.is_empty() {
        return err("empty: an SGXS stream starts with an ECREATE record");
    }
    let mut hasher = Sha256::new();
    let mut create: Option<(usize, u32, u64, bool)> = None;
    let mut pages: Vec<Page> = Vec::new();
    // Per chunk of the current page: the record that loaded it.
    let mut chunk_record = [usize::MAX; CHUNKS];
    let (mut records, mut unmeasured_records) = (0usize, 0usize);
    for r in Records::new(data) {
        let r = r?;
        records += 1;
        match r.record {
            Record::Create {
                ssaframesize,
                size,
                sized,
            } => {
                if let Some((first, ..)) = create {
                    return err(format!(
                        "{}: a second ECREATE (the first is record {first}); a canonical stream has exactly one",
                        r.loc()
                    ));
                }
                reserved_zero(&r, 20, "reserved")?;
                create = Some((r.index, ssaframesize, size, sized));
            }
            _ if create.is_none() => {
                return err(format!(
                    "{}: the stream must start with ECREATE (or UNSIZED), found {}",
                    r.loc(),
                    r.record.tag()
                ))
            }
            Record::Add { offset, flags: f } => {
                let (_, _, size, sized) = create.unwrap_or_default();
                reserved_zero(&r, 24, "reserved SECINFO")?;
                if f & flags::RESERVED != 0 {
                    return err(format!(
                        "{}: SECINFO flags {f:#x} set reserved bits {:#x}",
                        r.loc(),
                        f & flags::RESERVED
                    ));
                }
                if offset % PAGE != 0 {
                    return err(format!(
                        "{}: page offset {offset:#x} is not a multiple of 4096",
                        r.loc()
                    ));
                }
                if let Some(last) = pages.last() {
                    if offset == last.offset {
                        return err(format!(
                            "{}: page {offset:#x} is added twice (first by record {})",
                            r.loc(),
                            last.record
                        ));
                    }
                    if offset < last.offset {
                        return err(format!(
                            "{}: page offset {offset:#x} is below the previous EADD's {:#x} (record {}); offsets must increase",
                            r.loc(),
                            last.offset,
                            last.record
                        ));
                    }
                }
                if sized && offset >= size {
                    return err(format!(
                        "{}: page {offset:#x} lies outside the enclave (ECREATE size {size:#x})",
                        r.loc()
                    ));
                }
                let pt = ((f & flags::PT_MASK) >> 8) as u8;
                match pt {
                    page_type::TCS if f & (flags::R | flags::W | flags::X) != 0 => {
                        return err(format!(
                            "{}: TCS page {offset:#x} has permissions {}; TCS pages must have R, W and X clear",
                            r.loc(),
                            permissions(f)
                        ))
                    }
                    page_type::TCS | page_type::REG | page_type::SS_FIRST | page_type::SS_REST => {}
                    _ => {
                        return err(format!(
                            "{}: page {offset:#x} has type {} ({pt}), which EADD does not accept (TCS, REG or shadow stack only)",
                            r.loc(),
                            page_type_name(pt)
                        ))
                    }
                }
                chunk_record = [usize::MAX; CHUNKS];
                pages.push(Page {
                    offset,
                    flags: f,
                    measured: 0,
                    unmeasured: 0,
                    data: Vec::new(),
                    record: r.index,
                    at: r.at,
                });
            }
            Record::Extend {
                offset,
                measured,
                data: chunk,
            } => {
                reserved_zero(&r, 16, "reserved")?;
                let Some(page) = pages.last_mut() else {
                    return err(format!("{}: chunk {offset:#x} comes before any EADD", r.loc()));
                };
                if offset % CHUNK as u64 != 0 {
                    return err(format!(
                        "{}: chunk offset {offset:#x} is not a multiple of 256",
                        r.loc()
                    ));
                }
                if offset & !(PAGE - 1) != page.offset {
                    return err(format!(
                        "{}: chunk {offset:#x} is not inside the page of the preceding EADD ({:#x}, record {})",
                        r.loc(),
                        page.offset,
                        page.record
                    ));
                }
                let i = ((offset - page.offset) / CHUNK as u64) as usize;
                if chunk_record[i] != usize::MAX {
                    return err(format!(
                        "{}: chunk {offset:#x} appears twice in page {:#x} (first as record {})",
                        r.loc(),
                        page.offset,
                        chunk_record[i]
                    ));
                }
                chunk_record[i] = r.index;
                if page.data.is_empty() {
                    page.data = vec![0; PAGE as usize];
                }
                page.data[i * CHUNK..(i + 1) * CHUNK].copy_from_slice(chunk);
                if measured {
                    page.measured |= 1 << i;
                } else {
                    page.unmeasured |= 1 << i;
                    unmeasured_records += 1;
                }
            }
        }
        let measured = !matches!(
            r.record,
            Record::Extend { measured: false, .. } | Record::Create { sized: false, .. }
        );
        if measured {
            hasher.update(r.raw);
        }
    }
    let Some((_, ssaframesize, size, sized)) = create else {
        return err("no ECREATE record");
    };
    let mut notes = Vec::new();
    if sized && (size < 2 * PAGE || !size.is_power_of_two()) {
        notes.push(format!(
            "enclave size {size:#x} is not a power of two of at least 0x2000: ECREATE would refuse it"
        ));
    }
    if ssaframesize == 0 {
        notes.push("SSA frame size is 0: ECREATE would refuse it".into());
    }
    // One note however many pages: a hostile stream must not make a note per page.
    let write_only: Vec<u64> = pages
        .iter()
        .filter(|p| p.page_type() == page_type::REG && p.flags & flags::W != 0 && p.flags & flags::R == 0)
        .map(|p| p.offset)
        .collect();
    if let Some(first) = write_only.first() {
        let more = match write_only.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        notes.push(format!(
            "page {first:#x}{more} is writable but not readable: EADD would refuse it"
        ));
    }
    if !sized {
        notes.push(format!(
            "UNSIZED stream: the enclave size is to be written at offset {size:#x}; it cannot be measured until then"
        ));
    }
    if unmeasured_records > 0 {
        notes.push(format!(
            "{unmeasured_records} UNMEASRD chunks are loaded but not measured"
        ));
    }
    Ok(Enclave {
        ssaframesize,
        size,
        sized,
        pages,
        mrenclave: sized.then(|| hasher.finalize().into()),
        records,
        unmeasured_records,
        notes,
    })
}

/// MRENCLAVE of a canonical, sized stream.
pub fn mrenclave(data: &[u8]) -> Result<[u8; 32], FormatError> {
    let e = parse(data)?;
    e.mrenclave
        .ok_or_else(|| FormatError::new("UNSIZED stream: it cannot be measured until its size is set"))
}

// ---------------------------------------------------------------------------------------------
// What a page is for

/// The region guess for each page (see the module documentation for the rules).
pub fn regions(e: &Enclave) -> Vec<&'static str> {
    let frame = u64::from(e.ssaframesize) * PAGE;
    let mut ssa: Vec<(u64, u64)> = Vec::new();
    let mut tls: Vec<(u64, u64)> = Vec::new();
    for t in e.pages.iter().filter_map(Page::tcs) {
        ssa.push((t.ossa, t.ossa.saturating_add(u64::from(t.nssa).saturating_mul(frame))));
        for (base, limit) in [(t.ofsbase, t.fslimit), (t.ogsbase, t.gslimit)] {
            tls.push((base, base.saturating_add(u64::from(limit)).saturating_add(1)));
        }
    }
    let inside = |ranges: &[(u64, u64)], p: u64| ranges.iter().any(|&(s, e)| p.saturating_add(PAGE) > s && p < e);
    e.pages
        .iter()
        .map(|p| {
            let f = p.flags;
            match p.page_type() {
                page_type::TCS => "tcs",
                page_type::SS_FIRST | page_type::SS_REST => "shadow-stack",
                _ if inside(&ssa, p.offset) => "ssa",
                _ if f & flags::X != 0 => "code",
                _ if f & flags::W != 0 && inside(&tls, p.offset) => "tls",
                _ if f & flags::W != 0 && p.data.iter().any(|&b| b != 0) => "data",
                _ if f & flags::W != 0 => "heap/stack",
                _ if f & flags::R != 0 => "rodata",
                _ => "no-access",
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// sgxs-info's views

/// What `sgxs-info` says of a page's bytes: "(empty)" (all zero), "[0xNN]*" (all one value) or
/// "(data)".
pub fn data_class(p: &[u8]) -> String {
    match p.first() {
        None | Some(0) if p.iter().all(|&b| b == 0) => "(empty)".into(),
        Some(&v) if p.iter().all(|&b| b == v) => format!("[0x{v:02x}]*"),
        _ => "(data)".into(),
    }
}

/// `sgxs-info summary` lines: runs of pages alike (flags, measured chunks, content class, TCS
/// fields) as "start-end Type rwx class meas=...", then unmapped ranges up to the enclave size.
/// The TCS part is "[oentry=.., ossa=.., nssa=..]" (with ", aexnotify=true" only when set:
/// older `sgxs-info` releases never print it, newer ones always do).
/// With `regions`, runs also split where the region guess changes and each page line ends with it.
pub fn summary(e: &Enclave, regions_too: bool) -> Vec<String> {
    let regions = regions(e);
    // The end of the address space shown: the enclave size, or for an UNSIZED stream the
    // smallest power of two holding every page (as sgxs-info does).
    let end = if e.sized {
        e.size
    } else {
        e.pages.last().map_or(0, |p| {
            p.offset
                .saturating_add(PAGE)
                .checked_next_power_of_two()
                .unwrap_or(u64::MAX)
        })
    };
    let mut out = Vec::new();
    let w = if e.sized {
        format!("{:x}", e.size.saturating_sub(1)).len()
    } else {
        out.push("(unsized)".to_string());
        8
    };
    // (first offset, last offset, description) of the run being built.
    let mut runs: Vec<(u64, u64, String)> = Vec::new();
    let mut push = |start: u64, last: u64, desc: String| match runs.last_mut() {
        Some(r) if r.2 == desc && r.1.checked_add(PAGE) == Some(start) => r.1 = last,
        _ => runs.push((start, last, desc)),
    };
    let mut next = 0u64;
    for (p, region) in e.pages.iter().zip(&regions) {
        if p.offset > next {
            push(next, p.offset - PAGE, "(unmapped)".into());
        }
        let tcs = p
            .tcs()
            .map(|t| {
                let aex = if t.flags & TCS_AEXNOTIFY != 0 {
                    ", aexnotify=true"
                } else {
                    ""
                };
                format!(" [oentry={:#x}, ossa={:#x}, nssa={}{aex}]", t.oentry, t.ossa, t.nssa)
            })
            .unwrap_or_default();
        let mut desc = format!(
            "{:<4} {} {:>7} meas={}{tcs}",
            page_type_name(p.page_type()),
            permissions(p.flags),
            data_class(p.content()),
            p.measured_word()
        );
        // sgxs-info tells runs apart by the whole flags and chunk mask, not only what it prints.
        let key = format!("\u{0}{:x}\u{0}{:x}", p.flags, p.measured);
        if regions_too {
            desc.push_str("  ");
            desc.push_str(region);
        }
        desc.push_str(&key);
        push(p.offset, p.offset, desc);
        next = p.offset.saturating_add(PAGE);
    }
    if next < end {
        // The last page that starts below the end (an odd size still shows whole pages).
        push(next, (end - 1) & !(PAGE - 1), "(unmapped)".into());
    }
    for (start, last, desc) in runs {
        let desc = desc.split('\u{0}').next().unwrap_or_default();
        out.push(format!("{start:w$x}-{:w$x} {desc}", last + 0xfff));
    }
    out
}

/// `sgxs-info list-all` lines, one per record, for any structurally readable stream
/// (canonical or not). The error, if any, is the first structural one.
pub fn list_all(data: &[u8]) -> (Vec<String>, Option<FormatError>) {
    let mut out = Vec::new();
    for r in Records::new(data) {
        let r = match r {
            Ok(r) => r,
            Err(e) => return (out, Some(e)),
        };
        out.push(match r.record {
            Record::Create {
                ssaframesize,
                size,
                sized: true,
            } => format!("ECREATE size={size:#x} ssaframesize={ssaframesize}"),
            Record::Create {
                ssaframesize,
                size,
                sized: false,
            } => format!("UNSIZED offset={size:#x} ssaframesize={ssaframesize}"),
            Record::Add { offset, flags: f } => format!(
                "EADD offset=0x{offset:8x} pagetype={} flags={}",
                (f & flags::PT_MASK) >> 8,
                flag_names(f & !flags::PT_MASK)
            ),
            Record::Extend { offset, measured, data } => format!(
                "{} offset=0x{offset:8x} data={}",
                if measured { "EEXTEND" } else { "UNMEASRD" },
                data_class(data)
            ),
        });
    }
    (out, None)
}

/// SECINFO flags as sgxs-info prints them: "R | X", "(empty)", unknown bits in hex.
pub fn flag_names(f: u64) -> String {
    let names = [
        (flags::R, "R"),
        (flags::W, "W"),
        (flags::X, "X"),
        (flags::PENDING, "PENDING"),
        (flags::MODIFIED, "MODIFIED"),
        (flags::PR, "PR"),
    ];
    let mut parts: Vec<String> = names
        .iter()
        .filter(|(b, _)| f & b != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let rest = f & !names.iter().fold(0, |a, (b, _)| a | b);
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        "(empty)".into()
    } else {
        parts.join(" | ")
    }
}

// ---------------------------------------------------------------------------------------------
// As a node

/// The SGXS format: see the module documentation.
pub struct Sgxs;

impl Format for Sgxs {
    fn name(&self) -> &'static str {
        "sgxs"
    }

    /// An ECREATE or UNSIZED record first, and either the name ends in .sgxs/.esgxs or the
    /// reserved bytes are zero and an EADD follows (108 fixed bytes: no accident).
    fn identify(&self, head: &[u8], name: &str) -> bool {
        if head.len() < RECORD || !(head.starts_with(&TAG_ECREATE) || head.starts_with(&TAG_UNSIZED)) {
            return false;
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".sgxs") || lower.ends_with(".esgxs") {
            return true;
        }
        head.len() >= 2 * RECORD && head[20..RECORD].iter().all(|&b| b == 0) && head[RECORD..].starts_with(&TAG_EADD)
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        let e = parse(data)?;
        open_enclave(&e, limits)
    }

    fn describe_member(&self, m: &Member) -> Option<String> {
        let text = |n: &str| match m.field(n) {
            Some(Value::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        let region = text("region")?;
        let pages = match m.field("pages") {
            Some(Value::Int(n)) if *n > 1 => format!(", {n} pages"),
            _ => String::new(),
        };
        Some(format!(
            "{region}{pages} ({} {}, measured {})",
            text("type").unwrap_or("?"),
            text("permissions").unwrap_or("?"),
            text("measured").unwrap_or("?")
        ))
    }
}

fn measured_text(mask: u16) -> String {
    match mask {
        0xffff => "all".into(),
        0 => "none".into(),
        m => format!("partial: chunks {}", chunk_list(m)),
    }
}

fn open_enclave(e: &Enclave, limits: &Limits) -> Result<Opened, FormatError> {
    let regions = regions(e);
    let mut members: Vec<Member> = Vec::new();
    let mut i = 0;
    while i < e.pages.len() {
        let p = &e.pages[i];
        // A run of chunk-less pages alike becomes one member.
        let mut n = 1;
        if p.data.is_empty() {
            while let Some(q) = e.pages.get(i + n) {
                let prev = &e.pages[i + n - 1];
                if !q.data.is_empty()
                    || q.flags != p.flags
                    || regions[i + n] != regions[i]
                    || Some(q.offset) != prev.offset.checked_add(PAGE)
                {
                    break;
                }
                n += 1;
            }
        }
        if members.len() >= limits.max_members {
            return err(format!("more than {} page members", limits.max_members));
        }
        let mut fields = vec![
            Field::new("offset", Value::Offset(p.offset)),
            Field::new("pages", Value::Int(n as i64)),
            Field::new("type", Value::Text(page_type_name(p.page_type()))),
            Field::new("permissions", Value::Text(permissions(p.flags))),
        ];
        let other = p.flags & (flags::PENDING | flags::MODIFIED | flags::PR);
        if other != 0 {
            fields.push(Field::new("flags", Value::Text(flag_names(other))));
        }
        fields.push(Field::new("measured", Value::Text(measured_text(p.measured))));
        if p.unmeasured != 0 {
            fields.push(Field::new(
                "unmeasured",
                Value::Text(format!("chunks {}", chunk_list(p.unmeasured))),
            ));
        }
        fields.push(Field::new("region", Value::Text(regions[i].into())));
        if let Some(t) = p.tcs() {
            let x = |v: u64| Value::Text(format!("{v:#x}"));
            fields.extend([
                Field::new("tcs.oentry", x(t.oentry)),
                Field::new("tcs.ossa", x(t.ossa)),
                Field::new("tcs.nssa", Value::Int(i64::from(t.nssa))),
                Field::new("tcs.cssa", Value::Int(i64::from(t.cssa))),
                Field::new("tcs.flags", x(t.flags)),
                Field::new("tcs.ofsbase", x(t.ofsbase)),
                Field::new("tcs.ogsbase", x(t.ogsbase)),
                Field::new("tcs.fslimit", x(u64::from(t.fslimit))),
                Field::new("tcs.gslimit", x(u64::from(t.gslimit))),
            ]);
        }
        let (data, size) = if p.data.is_empty() {
            (None, 0)
        } else {
            (Some(Data::Blob(Blob::from_vec(p.data.clone()))), PAGE)
        };
        members.push(Member {
            name: format!("{:#x}", p.offset),
            kind: EntryKind::Section,
            fields,
            data,
            size,
        });
        i += n;
    }
    let mut fields = Vec::new();
    if e.sized {
        fields.push(Field::new("enclave-size", Value::Size(e.size)));
    } else {
        fields.push(Field::new("unsized.size-at", Value::Text(format!("{:#x}", e.size))));
    }
    fields.push(Field::new("ssaframesize", Value::Int(i64::from(e.ssaframesize))));
    fields.push(Field::new("pages", Value::Int(e.pages.len() as i64)));
    if let Some(m) = &e.mrenclave {
        fields.push(Field::new("mrenclave", Value::Digest(hex(m))));
    }
    let mut text = String::new();
    for line in summary(e, true) {
        let _ = writeln!(text, "{line}");
    }
    Ok(Opened {
        fields,
        members,
        notes: e.notes.clone(),
        text: Some(text),
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// How the stream begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// ECREATE with the enclave size in bytes.
    Sized(u64),
    /// UNSIZED with the offset where the size is to be written.
    Unsized(u64),
}

/// One page for [`write`].
#[derive(Clone, Copy, Debug)]
pub struct PageSpec<'a> {
    /// Offset from the enclave base, a multiple of 4096.
    pub offset: u64,
    /// SECINFO flags, see [`secinfo`].
    pub flags: u64,
    /// At most 4096 bytes; the rest of the page is zero.
    pub data: &'a [u8],
    /// Chunks written as EEXTEND (bit i = bytes 256·i..): 0xffff measures the whole page.
    pub measure: u16,
    /// Chunks written as UNMEASRD (loaded, not measured); must not overlap `measure`.
    pub unmeasured: u16,
}

impl<'a> PageSpec<'a> {
    /// A page measured whole.
    pub fn measured(offset: u64, flags: u64, data: &'a [u8]) -> PageSpec<'a> {
        PageSpec {
            offset,
            flags,
            data,
            measure: 0xffff,
            unmeasured: 0,
        }
    }
}

/// The 64-byte ECREATE (or UNSIZED) record.
pub fn create_record(ssaframesize: u32, size: Size) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    let (tag, v) = match size {
        Size::Sized(s) => (TAG_ECREATE, s),
        Size::Unsized(o) => (TAG_UNSIZED, o),
    };
    r[..8].copy_from_slice(&tag);
    r[8..12].copy_from_slice(&ssaframesize.to_le_bytes());
    r[12..20].copy_from_slice(&v.to_le_bytes());
    r
}

/// The 64-byte EADD record.
pub fn eadd_record(offset: u64, flags: u64) -> [u8; RECORD] {
    let mut r = [0u8; RECORD];
    r[..8].copy_from_slice(&TAG_EADD);
    r[8..16].copy_from_slice(&offset.to_le_bytes());
    r[16..24].copy_from_slice(&flags.to_le_bytes());
    r
}

/// An EEXTEND (or UNMEASRD) record with its 256 bytes (`chunk` shorter than 256 is zero-padded).
pub fn extend_record(offset: u64, measured: bool, chunk: &[u8]) -> Vec<u8> {
    let mut r = vec![0u8; RECORD + CHUNK];
    r[..8].copy_from_slice(if measured { &TAG_EEXTEND } else { &TAG_UNMEASRD });
    r[8..16].copy_from_slice(&offset.to_le_bytes());
    let n = chunk.len().min(CHUNK);
    r[RECORD..RECORD + n].copy_from_slice(&chunk[..n]);
    r
}

/// Writes a canonical stream: ECREATE (or UNSIZED), then for each page its EADD and its chunks in
/// order. The result is parsed back before it is returned, so a page list that would make a
/// non-canonical stream (offsets out of order, R/W/X on a TCS page, ...) is an error instead.
pub fn write(ssaframesize: u32, size: Size, pages: &[PageSpec]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    out.extend_from_slice(&create_record(ssaframesize, size));
    for (k, p) in pages.iter().enumerate() {
        if p.data.len() > PAGE as usize {
            return err(format!(
                "page {k} at {:#x}: {} bytes of data, a page holds 4096",
                p.offset,
                p.data.len()
            ));
        }
        if p.measure & p.unmeasured != 0 {
            return err(format!(
                "page {k} at {:#x}: chunks {} are both measured and unmeasured",
                p.offset,
                chunk_list(p.measure & p.unmeasured)
            ));
        }
        out.extend_from_slice(&eadd_record(p.offset, p.flags));
        for i in 0..CHUNKS {
            let bit = 1u16 << i;
            if (p.measure | p.unmeasured) & bit == 0 {
                continue;
            }
            let from = (i * CHUNK).min(p.data.len());
            let to = ((i + 1) * CHUNK).min(p.data.len());
            let off = p.offset.wrapping_add((i * CHUNK) as u64);
            out.extend_from_slice(&extend_record(off, p.measure & bit != 0, &p.data[from..to]));
        }
    }
    parse(&out)?;
    Ok(out)
}

/// The sgx-tracer README's example enclave (`eexit.sgxs`): a code page holding
/// `mov rbx, rcx; mov eax, 4; enclu` (EEXIT), a TCS (OSSA 0x2000, NSSA 1, FS/GS limits 0xfff),
/// and a zero page for the SSA, all measured; SSA frame size 1, enclave size 0x4000.
pub fn example_enclave() -> Vec<u8> {
    let code = [0x48, 0x89, 0xcb, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd7];
    let tcs = Tcs {
        ossa: 0x2000,
        nssa: 1,
        fslimit: 0xfff,
        gslimit: 0xfff,
        ..Tcs::default()
    }
    .to_bytes();
    let pages = [
        PageSpec::measured(0, secinfo(page_type::REG, flags::R | flags::X), &code),
        PageSpec::measured(0x1000, secinfo(page_type::TCS, 0), &tcs),
        PageSpec::measured(0x2000, secinfo(page_type::REG, flags::R | flags::W), &[]),
    ];
    // The pages above are canonical by construction, so this cannot fail.
    write(1, Size::Sized(0x4000), &pages).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_lists() {
        assert_eq!(chunk_list(0b1000_0000_0000_1111), "0-3, 15");
        assert_eq!(chunk_list(0x0100), "8");
        assert_eq!(chunk_list(0), "");
    }

    #[test]
    fn data_classes() {
        assert_eq!(data_class(&[0; 16]), "(empty)");
        assert_eq!(data_class(&[7; 16]), "[0x07]*");
        assert_eq!(data_class(&[0, 1]), "(data)");
    }
}
