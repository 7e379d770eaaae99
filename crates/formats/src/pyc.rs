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
//! `source-hash` for hash-based ones. One member, `(code)`: the marshalled code object, compared
//! as bytes.
//!
//! A timestamp pyc records its source file's mtime, so two builds that installed the same
//! sources at different times differ here though the code is the same: the classic reason to
//! build with SOURCE_DATE_EPOCH, which makes `py_compile` write checked-hash pycs instead.

use crate::bytes::{le16, le32};
use crate::model::{err, hex, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Pyc;

/// The member holding the marshalled code object.
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
    // A marshalled code object starts with TYPE_CODE ('c'), with or without the FLAG_REF bit.
    match d.get(header) {
        Some(b'c' | 0xe3) => {}
        Some(&b) => notes.push(format!(
            "the data after the {header}-byte header starts with {b:#04x}, not a marshalled code object"
        )),
        None => notes.push(format!("nothing follows the {header}-byte header")),
    }
    let code = data.slice(header..d.len());
    Ok(Opened {
        fields,
        members: vec![Member {
            name: CODE.into(),
            kind: EntryKind::Section,
            fields: Vec::new(),
            size: code.len() as u64,
            data: Some(Data::Blob(code)),
        }],
        notes,
        text: None,
    })
}
