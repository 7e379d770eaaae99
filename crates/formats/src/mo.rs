//! GNU gettext message catalogs (`.mo`), read by hand from the layout the GNU gettext manual
//! describes ("The Format of GNU MO Files").
//!
//! The file starts with the magic 0x950412de in the byte order of the machine that wrote it,
//! then 32-bit words: the file format revision (major << 16 | minor), the number of strings N,
//! the offsets of the original and translated string tables, the size and offset of the hash
//! table. Each string table has N (length, offset) pairs; strings are NUL-terminated (the
//! length excludes the NUL). An original string is `msgctxt \x04 msgid`, or `msgid \0
//! msgid_plural` for plural forms, whose translation is the forms separated by `\0`. The
//! translation of the empty msgid is the header ("Project-Id-Version: ...\n...").
//!
//! Node fields: `byte-order` (Text: "little-endian" or "big-endian"), `revision` (Int: the
//! stored word), `strings` (Int: N), `hash-table-size` (Int: entries, 0 without a hash table),
//! and `system-dependent-strings` (Int) for minor revision 1 files, whose system-dependent
//! strings (`<PRIu64>` and the like) are counted in a note but not listed.
//!
//! Members, both text, so a line diff shows what changed:
//! - `(header)`: the header entry's translation as stored (when there is one). msgfmt leaves
//!   `POT-Creation-Date` out of it, so two catalogs that differ only there are identical.
//! - `(messages)`: one line per other message in stored order (msgfmt sorts by msgid), e.g.
//!   `msgctxt "menu" msgid "Open" → msgstr "Öffnen"` or
//!   `msgid "%d file" msgid_plural "%d files" → msgstr[0] "%d Datei" msgstr[1] "%d Dateien"`.
//!   Inside the quotes `\\`, `\"`, `\n`, `\t`, `\r` are escaped, other control characters and
//!   bytes that are not UTF-8 as `\xNN` (`\u{NNNN}` above U+007F). Catalogs in other charsets
//!   than UTF-8 show their non-ASCII bytes escaped.
//!
//! Damage: a header or string table past the end of the file is an error; a single string out
//! of range is shown as `<missing: ...>` in its line, with a note. Entries may share or overlap
//! bytes, so the listing is capped at a multiple of the file's size (with a note).

use crate::bytes::{be32, le32};
use crate::model::{err, Blob, Data, EntryKind, Field, FormatError, Limits, Member, Opened, Value};
use crate::registry::Format;

pub struct Mo;

/// The magic as a number; stored little- or big-endian.
const MAGIC: u32 = 0x9504_12de;
/// Magic, revision, N, O, T, S, H.
const HEADER: usize = 28;
/// Minor revision 1 adds five words after the header for system-dependent strings.
const SYSDEP_HEADER: usize = 48;
/// Joins msgctxt and msgid in an original string.
const CONTEXT: u8 = 0x04;
/// Most notes about single damaged strings before they are only counted.
const MAX_STRING_NOTES: usize = 8;

/// The header member's name.
pub const HEADER_MEMBER: &str = "(header)";
/// The message listing's name.
pub const MESSAGES: &str = "(messages)";

impl Format for Mo {
    fn name(&self) -> &'static str {
        "mo"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.len() >= 4 && (le32(head, 0) == MAGIC || be32(head, 0) == MAGIC)
    }

    fn open(&self, data: &Blob, _name: &str, _limits: &Limits) -> Result<Opened, FormatError> {
        open(data)
    }
}

/// The file's words in its byte order.
struct Words<'a> {
    d: &'a [u8],
    big: bool,
}

impl Words<'_> {
    /// The word at `at`, if the file has it.
    fn at(&self, at: usize) -> Option<u32> {
        let b = self.d.get(at..at.checked_add(4)?)?;
        Some(if self.big { be32(b, 0) } else { le32(b, 0) })
    }
}

/// One string table entry as stored.
#[derive(Clone, Copy)]
struct Entry {
    len: u32,
    offset: u32,
}

fn open(data: &Blob) -> Result<Opened, FormatError> {
    let d: &[u8] = data;
    if d.len() < HEADER {
        return err(format!("mo: the header needs {HEADER} bytes, the file has {}", d.len()));
    }
    let big = if le32(d, 0) == MAGIC {
        false
    } else if be32(d, 0) == MAGIC {
        true
    } else {
        return err(format!(
            "mo: bad magic {:02x}{:02x}{:02x}{:02x} (expected 950412de in either byte order)",
            d[0], d[1], d[2], d[3]
        ));
    };
    let w = Words { d, big };
    // The header is in range: checked above.
    let word = |at: usize| w.at(at).unwrap_or(0);
    let revision = word(4);
    let (major, minor) = (revision >> 16, revision & 0xffff);
    // The manual: an unknown major revision makes the file unusable, an unknown minor one only
    // costs the features it adds.
    if major > 1 {
        return err(format!(
            "mo: file format revision {major}.{minor} (word {revision:#x} at offset 0x4): unknown major revision"
        ));
    }
    let count = word(8);
    let (orig_at, trans_at) = (word(12), word(16));
    let (hash_size, hash_at) = (word(20), word(24));

    let mut fields = vec![
        Field::new(
            "byte-order",
            Value::Text(if big { "big-endian" } else { "little-endian" }.into()),
        ),
        Field::new("revision", Value::Int(revision.into())),
        Field::new("strings", Value::Int(count.into())),
        Field::new("hash-table-size", Value::Int(hash_size.into())),
    ];
    let mut notes = Vec::new();
    if minor > 1 {
        notes.push(format!(
            "mo: minor revision {minor}: features after revision 1 are not read"
        ));
    }
    if minor >= 1 {
        match w.at(SYSDEP_HEADER - 4) {
            Some(_) => {
                let n = word(36);
                fields.push(Field::new("system-dependent-strings", Value::Int(n.into())));
                if n > 0 {
                    notes.push(format!(
                        "mo: {n} system-dependent strings (format directives such as <PRIu64>) are not listed"
                    ));
                }
            }
            None => notes.push(format!(
                "mo: revision {major}.{minor} has system-dependent string tables, but the header ends at offset {:#x} (it needs {SYSDEP_HEADER} bytes)",
                d.len()
            )),
        }
    }
    let hash_end = u64::from(hash_at) + 4 * u64::from(hash_size);
    if hash_size > 0 && hash_end > d.len() as u64 {
        notes.push(format!(
            "mo: the hash table at offset {hash_at:#x} with {hash_size} entries runs past the end of the file ({} bytes); lookups fall back to binary search",
            d.len()
        ));
    }

    let originals = table(&w, "original", orig_at, count)?;
    let translations = table(&w, "translated", trans_at, count)?;

    let mut strings = Strings {
        d,
        damaged: 0,
        notes: Vec::new(),
    };
    // Overlapping entries can repeat the same bytes many times: stop well past what any real
    // catalog needs (each stored byte shown at most as a 4-byte escape, plus each line's words).
    let cap = d.len().saturating_mul(8).saturating_add(4096);
    let mut listing = String::new();
    let mut header = None;
    let mut unsorted = None;
    let mut listed = 0usize;
    for (i, (o, t)) in originals.iter().zip(&translations).enumerate() {
        let id = strings.get("original", i, *o);
        let tr = strings.get("translated", i, *t);
        if let (Some(prev), Some(cur)) = (i.checked_sub(1).map(|p| originals[p]), id) {
            if unsorted.is_none() && strings.peek(prev).is_some_and(|p| p > cur) {
                unsorted = Some(i);
            }
        }
        if id == Some(&[][..]) && header.is_none() {
            header = Some(tr);
            continue;
        }
        if listing.len() > cap {
            break;
        }
        message_line(&mut listing, id, tr, i, *o, *t);
        listed += 1;
    }
    if listing.len() > cap {
        notes.push(format!(
            "mo: the message listing stops after {listed} messages at {} bytes: the strings overlap far more than a catalog's do",
            listing.len()
        ));
    }
    if let Some(i) = unsorted {
        notes.push(format!(
            "mo: the original strings are not sorted (entry {i} sorts before the one above it): lookups by binary search can miss"
        ));
    }
    notes.append(&mut strings.notes);
    if strings.damaged > MAX_STRING_NOTES {
        notes.push(format!(
            "mo: {} more strings out of range",
            strings.damaged - MAX_STRING_NOTES
        ));
    }

    let mut members = Vec::new();
    if let Some(tr) = header {
        let mut text = String::new();
        match tr {
            Some(b) => {
                escape(&mut text, b, false);
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            None => text.push_str("<missing: the header's translation is out of range>\n"),
        }
        members.push(text_member(HEADER_MEMBER, text));
    }
    members.push(text_member(MESSAGES, listing));
    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

fn text_member(name: &str, text: String) -> Member {
    Member {
        name: name.into(),
        kind: EntryKind::Section,
        fields: Vec::new(),
        size: text.len() as u64,
        data: Some(Data::Blob(Blob::from_vec(text.into_bytes()))),
    }
}

/// The `count` entries of a string table at `at`, which must lie inside the file.
fn table(w: &Words, what: &str, at: u32, count: u32) -> Result<Vec<Entry>, FormatError> {
    let end = u64::from(at) + 8 * u64::from(count);
    if end > w.d.len() as u64 {
        return err(format!(
            "mo: the {what} string table at offset {at:#x} with {count} entries ends at {end:#x}, past the end of the file ({} bytes)",
            w.d.len()
        ));
    }
    // In range, so every read below succeeds and `count` is at most the file's size / 8.
    let at = at as usize;
    Ok((0..count as usize)
        .map(|i| Entry {
            len: w.at(at + 8 * i).unwrap_or(0),
            offset: w.at(at + 8 * i + 4).unwrap_or(0),
        })
        .collect())
}

/// Resolves table entries to bytes, noting the damaged ones.
struct Strings<'a> {
    d: &'a [u8],
    damaged: usize,
    notes: Vec<String>,
}

impl<'a> Strings<'a> {
    fn peek(&self, e: Entry) -> Option<&'a [u8]> {
        let start = e.offset as usize;
        self.d.get(start..start.checked_add(e.len as usize)?)
    }

    /// The bytes of entry `i`, or `None` (and a note) when they run past the end of the file.
    /// A missing NUL after them is only noted: the length says where the string ends.
    fn get(&mut self, what: &str, i: usize, e: Entry) -> Option<&'a [u8]> {
        let Some(s) = self.peek(e) else {
            self.damaged += 1;
            if self.damaged <= MAX_STRING_NOTES {
                self.notes.push(format!(
                    "mo: {what} string {i} at offset {:#x} with length {} runs past the end of the file ({} bytes)",
                    e.offset,
                    e.len,
                    self.d.len()
                ));
            }
            return None;
        };
        let nul = e.offset as usize + e.len as usize;
        if self.d.get(nul) != Some(&0) && self.notes.len() < MAX_STRING_NOTES {
            self.notes.push(format!(
                "mo: {what} string {i} at offset {:#x} is not followed by a NUL",
                e.offset
            ));
        }
        Some(s)
    }
}

/// One message as a line: context, msgid, plural, then the translation(s).
fn message_line(out: &mut String, id: Option<&[u8]>, tr: Option<&[u8]>, i: usize, o: Entry, t: Entry) {
    let missing = |out: &mut String, what: &str, e: Entry| {
        out.push_str(&format!(
            "<missing: {what} string {i} at offset {:#x}, length {}>",
            e.offset, e.len
        ));
    };
    let mut plural = false;
    match id {
        Some(id) => {
            // The context ends at the first \x04; a msgid may not contain one.
            let id = match id.iter().position(|&b| b == CONTEXT) {
                Some(p) => {
                    quoted(out, "msgctxt", &id[..p]);
                    out.push(' ');
                    &id[p + 1..]
                }
                None => id,
            };
            let mut forms = id.split(|&b| b == 0);
            quoted(out, "msgid", forms.next().unwrap_or(&[]));
            for f in forms {
                plural = true;
                out.push(' ');
                quoted(out, "msgid_plural", f);
            }
        }
        None => missing(out, "original", o),
    }
    out.push_str(" → ");
    match tr {
        Some(tr) if plural => {
            for (n, f) in tr.split(|&b| b == 0).enumerate() {
                if n > 0 {
                    out.push(' ');
                }
                quoted(out, &format!("msgstr[{n}]"), f);
            }
        }
        Some(tr) => quoted(out, "msgstr", tr),
        None => missing(out, "translated", t),
    }
    out.push('\n');
}

fn quoted(out: &mut String, key: &str, s: &[u8]) {
    out.push_str(key);
    out.push_str(" \"");
    escape(out, s, true);
    out.push('"');
}

/// Appends `s` readably: UTF-8 as is, control characters and bytes that are not UTF-8
/// escaped. `in_quotes` also escapes `\\`, `"` and newlines and tabs (one line per message);
/// otherwise (the header) newlines and tabs stay, and backslashes too.
fn escape(out: &mut String, s: &[u8], in_quotes: bool) {
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' if in_quotes => out.push_str("\\\\"),
                '"' if in_quotes => out.push_str("\\\""),
                '\n' if in_quotes => out.push_str("\\n"),
                '\t' if in_quotes => out.push_str("\\t"),
                '\n' | '\t' => out.push(c),
                '\r' => out.push_str("\\r"),
                c if c.is_control() && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
                c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                    out.push_str(&format!("\\u{{{:04x}}}", c as u32))
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian catalog of (original, translation) pairs, strings after the tables.
    fn catalog(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
        let n = pairs.len() as u32;
        let mut head = Vec::new();
        let orig = HEADER as u32;
        let trans = orig + 8 * n;
        for v in [MAGIC, 0, n, orig, trans, 0, trans + 8 * n] {
            head.extend_from_slice(&v.to_le_bytes());
        }
        let mut strings = Vec::new();
        let base = trans + 8 * n;
        let mut tables = [Vec::new(), Vec::new()];
        for (o, t) in pairs {
            for (k, s) in [o, t].into_iter().enumerate() {
                let at = base + strings.len() as u32;
                tables[k].extend_from_slice(&(s.len() as u32).to_le_bytes());
                tables[k].extend_from_slice(&at.to_le_bytes());
                strings.extend_from_slice(s);
                strings.push(0);
            }
        }
        [head, tables[0].clone(), tables[1].clone(), strings].concat()
    }

    fn member(o: &Opened, name: &str) -> String {
        let m = o.members.iter().find(|m| m.name == name).expect(name);
        match &m.data {
            Some(Data::Blob(b)) => String::from_utf8(b.to_vec()).unwrap(),
            _ => panic!(),
        }
    }

    #[test]
    fn lines_and_escapes() {
        let mo = catalog(&[
            (b"", b"Project-Id-Version: x\nPO-Revision-Date: 2024\n"),
            (b"a\x04b", b"c"),
            (b"f\0fs", b"g\0gs\0gss"),
            (b"q\"\\\t\x01\xff", b"\r\xc3\xa9"),
        ]);
        let o = open(&Blob::from_vec(mo)).unwrap();
        assert_eq!(
            member(&o, HEADER_MEMBER),
            "Project-Id-Version: x\nPO-Revision-Date: 2024\n"
        );
        assert_eq!(
            member(&o, MESSAGES),
            "msgctxt \"a\" msgid \"b\" → msgstr \"c\"\n\
             msgid \"f\" msgid_plural \"fs\" → msgstr[0] \"g\" msgstr[1] \"gs\" msgstr[2] \"gss\"\n\
             msgid \"q\\\"\\\\\\t\\x01\\xff\" → msgstr \"\\ré\"\n"
        );
        assert!(o.notes.is_empty(), "{:?}", o.notes);
    }

    #[test]
    fn overlapping_strings_are_capped() {
        // 2000 entries all naming the same 1000-byte string.
        let n = 2000u32;
        let orig = HEADER as u32;
        let trans = orig + 8 * n;
        let s = trans + 8 * n;
        let mut mo = Vec::new();
        for v in [MAGIC, 0, n, orig, trans, 0, 0] {
            mo.extend_from_slice(&v.to_le_bytes());
        }
        for _ in 0..2 * n {
            mo.extend_from_slice(&1000u32.to_le_bytes());
            mo.extend_from_slice(&s.to_le_bytes());
        }
        mo.extend_from_slice(&[b'x'; 1000]);
        mo.push(0);
        let len = mo.len();
        let o = open(&Blob::from_vec(mo)).unwrap();
        assert!(member(&o, MESSAGES).len() <= 8 * len + 4096 + 3000);
        assert!(o.notes.iter().any(|n| n.contains("stops after")), "{:?}", o.notes);
    }
}
