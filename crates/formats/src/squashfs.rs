//! squashfs 4.0 images (little-endian: what mksquashfs 4.x writes and Linux mounts), read here
//! directly.
//!
//! - Node fields come from the superblock: `version`, `compression`, `block-size`, `bytes-used`,
//!   `mkfs-time`, `inode-count`, `fragment-count`, `id-count`, `flags` (names of the set flags),
//!   every table's start as a typed offset (`inode-table-offset`, `directory-table-offset`,
//!   `fragment-table-offset`, `export-table-offset`, `id-table-offset`, `xattr-table-offset`),
//!   the compressor options when stored (`compression.level`, `compression.window-size`,
//!   `compression.strategies`, `compression.dictionary-size`, `compression.filters`,
//!   `compression.algorithm`, `compression.version`, `compression.flags`), and the root
//!   directory's `root.mode`, `root.uid`, `root.gid`, `root.mtime` (and `root.xattr.*`): as in
//!   cpio and tar, the root is not a member.
//! - Members: every inode reachable from the root, in pre-order (each directory's entries as
//!   stored, which mksquashfs sorts by name), named by path without a leading '/'. A
//!   non-directory inode reached again under another name is a `HardLink` to its first name (with
//!   the same fields and content); a directory reached twice is an error (a loop).
//! - Member fields: `mode` (with the file type bits), `uid` and `gid` (through the id table),
//!   `mtime`, `nlink` (basic file inodes do not store it), `size` for files, `offset` (where a
//!   file's blocks start: a typed offset, so a file that only moved reads as moved),
//!   `fragment-index` and `fragment-offset` for tail ends packed into fragment blocks, `sparse`
//!   (extended file inodes) and `xattr.<name>` for extended attributes.
//! - File content is lazy: opening decompresses only metadata. A file's loader decodes block by
//!   block into a [`Sink`]; its fingerprint is the block size words plus the stored bytes, so
//!   files stored identically are known equal without decoding. Files stored uncompressed in
//!   one piece are zero-copy slices.
//! - Decompressors: gzip (zlib), xz, lzma ("lzma alone", as mksquashfs writes it), lz4 and zstd
//!   through their crates; LZO1X by the small bounded decoder at the end of this file.
//! - Bytes after `bytes_used` (mksquashfs pads the image to 4 KiB) are zero padding (a note) or
//!   a `trailing@0x..` member.
//!
//! Inode numbers are not shown: they shift whenever a file is added. Errors name the table, the
//! metadata block's offset and the directory entry they were reached through.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

use crate::bytes::{le16, le32, le64};
use crate::model::mode_bits::{S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK};
use crate::model::{err, Blob, Data, EntryKind, Field, FormatError, Limits, Loader, Member, Opened, Sink, Value};
use crate::registry::Format;
use crate::stream;

pub struct Squashfs;

const MAGIC: &[u8] = b"hsqs";
/// Big-endian images (old mksquashfs on big-endian machines; 4.0 dropped them).
const MAGIC_BE: &[u8] = b"sqsh";
const SUPERBLOCK_LEN: usize = 96;
/// Inodes, directories and the tables are stored in metadata blocks of at most 8 KiB, each
/// behind a 2-byte header (bit 15: stored uncompressed; low 15 bits: stored length).
const METADATA_SIZE: usize = 8192;
const META_UNCOMPRESSED: u16 = 0x8000;
/// In a data block's size word: stored uncompressed. A zero word is a hole (a block of zeros).
const BLOCK_UNCOMPRESSED: u32 = 1 << 24;
const NO_FRAGMENT: u32 = u32::MAX;
const NO_XATTR: u32 = u32::MAX;
/// An absent table's start offset.
const NO_TABLE: u64 = u64::MAX;
/// Longest member path (Linux's PATH_MAX): bounds the memory names take on hostile input.
const MAX_PATH: usize = 4096;
/// Linux refuses longer symlinks (one page).
const MAX_SYMLINK: u32 = 4096;
/// Entries under one directory header (the kernel's SQUASHFS_DIR_COUNT).
const MAX_DIR_COUNT: u32 = 256;
/// Linux's limits for one extended attribute (XATTR_SIZE_MAX), and attributes per inode read.
const MAX_XATTR_VALUE: u32 = 65536;
const MAX_XATTRS: u32 = 65536;
/// squashfs xz dictionaries are at most the block size (1 MiB): this refuses a hostile header
/// asking liblzma for gigabytes per block.
const XZ_MEMLIMIT: u64 = 64 << 20;

const FLAG_NAMES: [&str; 12] = [
    "uncompressed-inodes",
    "uncompressed-data",
    "check",
    "uncompressed-fragments",
    "no-fragments",
    "always-use-fragments",
    "duplicates",
    "exportable",
    "uncompressed-xattrs",
    "no-xattrs",
    "compressor-options",
    "uncompressed-ids",
];
const FLAG_NO_XATTRS: u16 = 0x0200;
const FLAG_COMP_OPT: u16 = 0x0400;

impl Format for Squashfs {
    fn name(&self) -> &'static str {
        "squashfs"
    }

    /// "hsqs" (any version: `open` says which it does not read); big-endian "sqsh" only with a
    /// plausible major version, since four letters are a weak magic.
    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.starts_with(MAGIC)
            || (head.starts_with(MAGIC_BE) && head.get(28..30).is_some_and(|v| matches!(v, [0, 1..=4])))
    }

    fn open(&self, data: &Blob, _name: &str, limits: &Limits) -> Result<Opened, FormatError> {
        open(data, limits).map_err(|e| FormatError::new(format!("squashfs: {}", e.message)))
    }
}

// ---------------------------------------------------------------------------------------------
/// Adds what was being done to an error: "directory 'usr': entry 3: inode table: ...".
trait Context<T> {
    fn at(self, what: impl FnOnce() -> String) -> Result<T, FormatError>;
}

impl<T> Context<T> for Result<T, FormatError> {
    fn at(self, what: impl FnOnce() -> String) -> Result<T, FormatError> {
        self.map_err(|e| FormatError::new(format!("{}: {}", what(), e.message)))
    }
}

/// 'a/b' for a member path, "the root directory" for the root: how paths appear in errors (the
/// middle of a very long one elided).
fn shown(path: &str) -> String {
    if path.is_empty() {
        return "the root directory".into();
    }
    crate::bytes::shorten(path, ("'", "'"))
}

/// "directory 'a/b'", or "root directory".
fn dir_shown(path: &str) -> String {
    if path.is_empty() {
        "root directory".into()
    } else {
        format!("directory {}", shown(path))
    }
}

/// "1 hard link", "2 hard links".
fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Names of the bits set in `bits`, from `names` (bit i = names[i]); unknown bits in hex.
fn bit_names(bits: u32, names: &[&str]) -> String {
    let mut out: Vec<String> = Vec::new();
    for i in 0..32 {
        if bits & (1 << i) != 0 {
            out.push(
                names
                    .get(i)
                    .map_or_else(|| format!("{:#x}", 1u32 << i), |n| n.to_string()),
            );
        }
    }
    if out.is_empty() {
        "none".into()
    } else {
        out.join(",")
    }
}

// ---------------------------------------------------------------------------------------------
// Decompression.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compressor {
    Gzip,
    Lzma,
    Lzo,
    Xz,
    Lz4,
    Zstd,
}

impl Compressor {
    fn from_id(id: u16) -> Option<Compressor> {
        Some(match id {
            1 => Compressor::Gzip,
            2 => Compressor::Lzma,
            3 => Compressor::Lzo,
            4 => Compressor::Xz,
            5 => Compressor::Lz4,
            6 => Compressor::Zstd,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Compressor::Gzip => "gzip",
            Compressor::Lzma => "lzma",
            Compressor::Lzo => "lzo",
            Compressor::Xz => "xz",
            Compressor::Lz4 => "lz4",
            Compressor::Zstd => "zstd",
        }
    }
}

/// Decodes one block (metadata or data) at a time, keeping the decoder state that can be reused.
struct Decoder {
    comp: Compressor,
    zlib: Option<flate2::Decompress>,
    zstd: Option<zstd::bulk::Decompressor<'static>>,
}

impl Decoder {
    fn new(comp: Compressor) -> Decoder {
        Decoder {
            comp,
            zlib: None,
            zstd: None,
        }
    }

    /// The decoded bytes of one stored block, at most `max_out` of them.
    fn decode(&mut self, input: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
        match self.comp {
            Compressor::Gzip => {
                let z = self.zlib.get_or_insert_with(|| flate2::Decompress::new(true));
                z.reset(true);
                inflate(z, input, max_out)
            }
            Compressor::Xz => {
                let s = liblzma::stream::Stream::new_stream_decoder(XZ_MEMLIMIT, 0)
                    .map_err(|e| format!("cannot start the xz decoder: {e:?}"))?;
                lzma_run(s, input, max_out, None).map_err(|e| format!("xz: {e}"))
            }
            Compressor::Lzma => unlzma(input, max_out).map_err(|e| format!("lzma: {e}")),
            Compressor::Lz4 => {
                let mut out = vec![0u8; max_out];
                let n = lz4_flex::block::decompress_into(input, &mut out).map_err(|e| format!("lz4: {e}"))?;
                out.truncate(n);
                Ok(out)
            }
            Compressor::Zstd => {
                if self.zstd.is_none() {
                    self.zstd = Some(
                        zstd::bulk::Decompressor::new().map_err(|e| format!("cannot start the zstd decoder: {e}"))?,
                    );
                }
                let Some(z) = self.zstd.as_mut() else {
                    return Err("zstd decoder missing".into());
                };
                z.decompress(input, max_out).map_err(|e| format!("zstd: {e}"))
            }
            Compressor::Lzo => lzo1x_decompress(input, max_out).map_err(|e| format!("lzo: {e}")),
        }
    }
}

fn too_large(max_out: usize) -> String {
    format!("decompresses to more than {max_out} bytes")
}

/// A zlib stream (what squashfs calls gzip), which must end inside `input`.
fn inflate(z: &mut flate2::Decompress, input: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    use flate2::{FlushDecompress, Status};
    let mut out = Vec::with_capacity(max_out);
    loop {
        let (in0, out0) = (z.total_in(), z.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(input.len());
        let status = z
            .decompress_vec(&input[at..], &mut out, FlushDecompress::Finish)
            .map_err(|e| format!("zlib: {e}"))?;
        if out.len() > max_out {
            return Err(too_large(max_out));
        }
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if z.total_in() == in0 && z.total_out() == out0 {
            return Err(if out.len() >= max_out {
                too_large(max_out)
            } else {
                "zlib stream truncated".into()
            });
        }
    }
}

/// Runs a liblzma decoder over `input`. `known` is the size an lzma header announces: reaching
/// it ends the block even without an end marker.
fn lzma_run(
    mut s: liblzma::stream::Stream,
    input: &[u8],
    max_out: usize,
    known: Option<usize>,
) -> Result<Vec<u8>, String> {
    use liblzma::stream::{Action, Status};
    let mut out = Vec::with_capacity(max_out);
    loop {
        let (in0, out0) = (s.total_in(), s.total_out());
        let at = usize::try_from(in0).unwrap_or(usize::MAX).min(input.len());
        let status = s
            .process_vec(&input[at..], &mut out, Action::Finish)
            .map_err(|e| format!("{e:?} near offset {at:#x} of the block"))?;
        if out.len() > max_out {
            return Err(too_large(max_out));
        }
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if s.total_in() == in0 && s.total_out() == out0 {
            if let Some(k) = known.filter(|&k| out.len() >= k) {
                out.truncate(k);
                return Ok(out);
            }
            return Err(if out.len() >= max_out {
                too_large(max_out)
            } else {
                "stream truncated".into()
            });
        }
    }
}

/// An "lzma alone" block: 5 bytes of properties, the 8-byte uncompressed size, the data.
/// mksquashfs fills in the size but ends the data with an end marker (its encoder did not know
/// the size), so, as unsquashfs does, the size is replaced by "unknown" and used as the length.
fn unlzma(input: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    const HEADER: usize = 13;
    let Some(h) = input.get(..HEADER) else {
        return Err(format!("{} bytes, shorter than the 13-byte header", input.len()));
    };
    let size = le64(h, 5);
    if size > max_out as u64 {
        return Err(format!(
            "header announces {size} bytes, more than the block size {max_out}"
        ));
    }
    let mut patched = Vec::with_capacity(input.len());
    patched.extend_from_slice(&h[..5]);
    patched.extend_from_slice(&[0xff; 8]);
    patched.extend_from_slice(&input[HEADER..]);
    let s = liblzma::stream::Stream::new_lzma_decoder(XZ_MEMLIMIT).map_err(|e| format!("cannot start: {e:?}"))?;
    let mut out = lzma_run(s, &patched, max_out, Some(size as usize))?;
    if out.len() < size as usize {
        return Err(format!("{} bytes decoded, the header announces {size}", out.len()));
    }
    out.truncate(size as usize);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The superblock.

#[derive(Clone, Debug)]
struct Superblock {
    inodes: u32,
    mkfs_time: u32,
    block_size: u32,
    fragments: u32,
    comp: Compressor,
    flags: u16,
    ids: u16,
    minor: u16,
    root: u64,
    bytes_used: u64,
    id_table: u64,
    xattr_table: u64,
    inode_table: u64,
    dir_table: u64,
    fragment_table: u64,
    export_table: u64,
}

impl Superblock {
    fn parse(d: &[u8]) -> Result<Superblock, FormatError> {
        if d.starts_with(MAGIC_BE) {
            let version = d
                .get(28..32)
                .map(|v| {
                    format!(
                        ", version {}.{}",
                        u16::from_be_bytes([v[0], v[1]]),
                        u16::from_be_bytes([v[2], v[3]])
                    )
                })
                .unwrap_or_default();
            return err(format!(
                "big-endian image (magic \"sqsh\"{version}): only little-endian squashfs 4.0 is supported"
            ));
        }
        if !d.starts_with(MAGIC) {
            let got = &d[..d.len().min(4)];
            return err(format!(
                "bad magic \"{}\" at offset 0 (expected \"hsqs\")",
                got.escape_ascii()
            ));
        }
        // The version sits at the same place in every version's superblock.
        if let Some(v) = d.get(28..32) {
            let (major, minor) = (le16(v, 0), le16(v, 2));
            if major != 4 {
                return err(format!(
                    "version {major}.{minor} is not supported (only 4.0, as written by mksquashfs 4.x)"
                ));
            }
        }
        let Some(s) = d.get(..SUPERBLOCK_LEN) else {
            return err(format!(
                "truncated superblock: the image is {} bytes, the superblock needs {SUPERBLOCK_LEN}",
                d.len()
            ));
        };
        let block_size = le32(s, 12);
        let block_log = le16(s, 22);
        if !block_size.is_power_of_two() || !(4096..=1 << 20).contains(&block_size) {
            return err(format!(
                "superblock: block size {block_size} (expected a power of two from 4096 to 1 MiB)"
            ));
        }
        if u32::from(block_log) != block_size.trailing_zeros() {
            return err(format!(
                "superblock: block log {block_log} does not match the block size {block_size}"
            ));
        }
        let comp_id = le16(s, 20);
        let Some(comp) = Compressor::from_id(comp_id) else {
            return err(format!("superblock: unknown compression id {comp_id}"));
        };
        let sb = Superblock {
            inodes: le32(s, 4),
            mkfs_time: le32(s, 8),
            block_size,
            fragments: le32(s, 16),
            comp,
            flags: le16(s, 24),
            ids: le16(s, 26),
            minor: le16(s, 30),
            root: le64(s, 32),
            bytes_used: le64(s, 40),
            id_table: le64(s, 48),
            xattr_table: le64(s, 56),
            inode_table: le64(s, 64),
            dir_table: le64(s, 72),
            fragment_table: le64(s, 80),
            export_table: le64(s, 88),
        };
        if sb.minor != 0 {
            return err(format!("version 4.{} is not supported (only 4.0)", sb.minor));
        }
        let used = sb.bytes_used;
        if used > d.len() as u64 {
            return err(format!(
                "image truncated: the superblock says {used} bytes are used, the image is {} bytes",
                d.len()
            ));
        }
        if sb.inode_table < SUPERBLOCK_LEN as u64 || sb.inode_table >= sb.dir_table || sb.dir_table >= used {
            return err(format!(
                "superblock: inode table at {:#x} and directory table at {:#x} are not in order inside the {used} bytes used",
                sb.inode_table, sb.dir_table
            ));
        }
        for (name, at) in sb.optional_tables() {
            // Tables follow the directory table; an empty one may start where the image ends.
            if at != NO_TABLE && (at < sb.dir_table || at > used) {
                return err(format!(
                    "superblock: {name} at {at:#x} is outside the metadata area {:#x}..{used:#x}",
                    sb.dir_table
                ));
            }
        }
        if sb.id_table == NO_TABLE {
            return err("superblock: no id table");
        }
        Ok(sb)
    }

    fn optional_tables(&self) -> [(&'static str, u64); 4] {
        [
            ("fragment table", self.fragment_table),
            ("export table", self.export_table),
            ("id table", self.id_table),
            ("xattr table", self.xattr_table),
        ]
    }

    fn fields(&self) -> Vec<Field> {
        let mut f = vec![
            Field::new("version", Value::Text(format!("4.{}", self.minor))),
            Field::new("compression", Value::Text(self.comp.name().into())),
            Field::new("block-size", Value::Size(self.block_size.into())),
            Field::new("bytes-used", Value::Size(self.bytes_used)),
            Field::new("mkfs-time", Value::Time(self.mkfs_time.into())),
            Field::new("inode-count", Value::Int(self.inodes.into())),
            Field::new("fragment-count", Value::Int(self.fragments.into())),
            Field::new("id-count", Value::Int(self.ids.into())),
            Field::new("flags", Value::Text(bit_names(self.flags.into(), &FLAG_NAMES))),
        ];
        for (name, at) in [
            ("inode-table-offset", self.inode_table),
            ("directory-table-offset", self.dir_table),
            ("fragment-table-offset", self.fragment_table),
            ("export-table-offset", self.export_table),
            ("id-table-offset", self.id_table),
            ("xattr-table-offset", self.xattr_table),
        ] {
            if at != NO_TABLE {
                f.push(Field::new(name, Value::Offset(at)));
            }
        }
        f
    }
}

// ---------------------------------------------------------------------------------------------
// Metadata blocks and tables.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    CompOptions,
    Inodes,
    Dirs,
    Fragments,
    Ids,
    XattrIds,
    Xattrs,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::CompOptions => "compression options",
            Table::Inodes => "inode table",
            Table::Dirs => "directory table",
            Table::Fragments => "fragment table",
            Table::Ids => "id table",
            Table::XattrIds => "xattr id table",
            Table::Xattrs => "xattr table",
        }
    }
}

/// One decoded metadata block and where the next one starts.
struct Meta {
    data: Vec<u8>,
    next: u64,
}

/// A position in a metadata table: the absolute offset of a block's header, and an offset into
/// its decoded bytes.
#[derive(Clone, Copy, Debug)]
struct Pos {
    block: u64,
    offset: usize,
}

#[derive(Clone, Copy, Debug)]
struct FragEntry {
    start: u64,
    word: u32,
}

/// The xattr id table: where the attributes themselves start, how many ids, and the index of
/// the metadata blocks holding the 16-byte id entries.
struct XattrIds {
    table: u64,
    count: u32,
    index: Vec<u64>,
}

/// A decoded inode.
#[derive(Clone, Debug)]
struct Inode {
    ty: u16,
    perm: u16,
    uid: u16,
    gid: u16,
    mtime: u32,
    nlink: Option<u32>,
    xattr: Option<u32>,
    body: Body,
}

#[derive(Clone, Debug)]
enum Body {
    Dir {
        start: u32,
        offset: u16,
        size: u32,
    },
    File {
        start: u64,
        size: u64,
        fragment: Option<(u32, u32)>,
        sparse: Option<u64>,
        blocks: Vec<u32>,
    },
    Symlink(Vec<u8>),
    Block(u32),
    Char(u32),
    Fifo,
    Socket,
}

impl Inode {
    /// The type a directory entry gives: extended types (8..14) are their basic type plus 7.
    fn basic_type(&self) -> u16 {
        if self.ty >= 8 {
            self.ty - 7
        } else {
            self.ty
        }
    }

    fn type_bits(&self) -> u32 {
        match self.body {
            Body::Dir { .. } => S_IFDIR,
            Body::File { .. } => S_IFREG,
            Body::Symlink(_) => S_IFLNK,
            Body::Block(_) => S_IFBLK,
            Body::Char(_) => S_IFCHR,
            Body::Fifo => S_IFIFO,
            Body::Socket => S_IFSOCK,
        }
    }
}

/// One directory entry.
struct DirEntry {
    name: String,
    inode: u64,
    ty: u16,
}

/// The image being read, and everything decoded from it so far.
struct Image<'a> {
    blob: &'a Blob,
    /// The image up to `bytes_used`.
    d: &'a [u8],
    sb: Superblock,
    decoder: Decoder,
    /// Decoded metadata blocks by offset: each table is decoded once however often it is read.
    cache: HashMap<u64, Rc<Meta>>,
    /// Stored extent (start → end) of every metadata block decoded: blocks may not overlap,
    /// which bounds the work a hostile image can ask for by its size.
    spans: BTreeMap<u64, u64>,
    decoded: u64,
    limit: u64,
    ids: Vec<u32>,
    xattr_ids: Option<XattrIds>,
    xattrs: HashMap<u32, Rc<Vec<Field>>>,
    fragments: HashMap<u32, FragEntry>,
}

impl<'a> Image<'a> {
    /// Where metadata blocks of table `t` may lie.
    fn area(&self, t: Table) -> (u64, u64) {
        let sb = &self.sb;
        match t {
            Table::CompOptions => (SUPERBLOCK_LEN as u64, sb.inode_table),
            Table::Inodes => (sb.inode_table, sb.dir_table),
            Table::Dirs => (sb.dir_table, sb.bytes_used),
            _ => (sb.inode_table, sb.bytes_used),
        }
    }

    /// The metadata block at `at`, decoded (from the cache after the first time).
    fn meta(&mut self, at: u64, t: Table) -> Result<Rc<Meta>, FormatError> {
        if let Some(m) = self.cache.get(&at) {
            return Ok(m.clone());
        }
        self.decode_meta(at, t)
            .at(|| format!("{}: metadata block at {at:#x}", t.name()))
    }

    fn decode_meta(&mut self, at: u64, t: Table) -> Result<Rc<Meta>, FormatError> {
        let (lo, hi) = self.area(t);
        if at < lo || at.saturating_add(2) > hi {
            return err(format!("outside the table's area {lo:#x}..{hi:#x}"));
        }
        let a = at as usize;
        let h = le16(self.d, a);
        let len = usize::from(h & !META_UNCOMPRESSED);
        let end = a + 2 + len;
        if len == 0 {
            return err("stored length 0");
        }
        if end as u64 > hi {
            return err(format!(
                "stored length {len} runs past the end of the table's area at {hi:#x}"
            ));
        }
        if let Some((&s, &e)) = self.spans.range(..end as u64).next_back() {
            if e > at {
                return err(format!("overlaps the metadata block at {s:#x}"));
            }
        }
        let raw = &self.d[a + 2..end];
        let data = if h & META_UNCOMPRESSED != 0 {
            if len > METADATA_SIZE {
                return err(format!(
                    "stored uncompressed with {len} bytes, more than {METADATA_SIZE}"
                ));
            }
            raw.to_vec()
        } else {
            self.decoder.decode(raw, METADATA_SIZE).map_err(FormatError::new)?
        };
        if data.is_empty() {
            return err("holds no data");
        }
        self.decoded += data.len() as u64;
        if self.decoded > self.limit {
            return err(format!(
                "metadata decompresses to more than the limit of {} bytes (raise it with {})",
                self.limit,
                crate::model::CODEC_MEMORY_OPTION
            ));
        }
        self.spans.insert(at, end as u64);
        let m = Rc::new(Meta { data, next: end as u64 });
        self.cache.insert(at, m.clone());
        Ok(m)
    }

    /// Appends `n` bytes of table `t` from `pos` to `out`, crossing into following blocks, and
    /// moves `pos` past them. The output grows only as blocks are decoded, so a huge `n` from a
    /// hostile inode fails at the end of the table rather than in an allocation.
    fn read_into(&mut self, pos: &mut Pos, mut n: usize, t: Table, out: &mut Vec<u8>) -> Result<(), FormatError> {
        while n > 0 {
            let m = self.meta(pos.block, t)?;
            if pos.offset > m.data.len() {
                return err(format!(
                    "{}: offset {:#x} is past the end of the metadata block at {:#x} ({} bytes)",
                    t.name(),
                    pos.offset,
                    pos.block,
                    m.data.len()
                ));
            }
            let take = n.min(m.data.len() - pos.offset);
            out.extend_from_slice(&m.data[pos.offset..pos.offset + take]);
            n -= take;
            pos.offset += take;
            if n > 0 {
                pos.block = m.next;
                pos.offset = 0;
            }
        }
        Ok(())
    }

    fn read(&mut self, pos: &mut Pos, n: usize, t: Table) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::with_capacity(n.min(METADATA_SIZE));
        self.read_into(pos, n, t, &mut out)?;
        Ok(out)
    }

    /// An entry of a table stored as an index of metadata block offsets at `index_at` followed
    /// by fixed-size entries (fragments, ids, xattr ids): the `size` bytes of entry `i`.
    fn table_entry(&mut self, index_at: u64, i: u64, size: u64, t: Table) -> Result<Vec<u8>, FormatError> {
        let byte = i * size;
        let slot = index_at.saturating_add(byte / METADATA_SIZE as u64 * 8);
        let Some(b) = self.d.get(slot as usize..(slot as usize).saturating_add(8)) else {
            return err(format!(
                "{}: index entry at {slot:#x} is past the end of the filesystem",
                t.name()
            ));
        };
        let mut pos = Pos {
            block: le64(b, 0),
            offset: (byte % METADATA_SIZE as u64) as usize,
        };
        self.read(&mut pos, size as usize, t)
    }

    fn read_ids(&mut self) -> Result<(), FormatError> {
        let n = usize::from(self.sb.ids);
        let mut raw = Vec::with_capacity(n * 4);
        let blocks = (n * 4).div_ceil(METADATA_SIZE);
        let index_end = self.sb.id_table.saturating_add(blocks as u64 * 8);
        if index_end > self.sb.bytes_used {
            return err(format!(
                "id table: index of {blocks} blocks at {:#x} runs past the end of the filesystem",
                self.sb.id_table
            ));
        }
        for k in 0..blocks {
            let block = le64(self.d, self.sb.id_table as usize + 8 * k);
            let take = (n * 4 - k * METADATA_SIZE).min(METADATA_SIZE);
            let mut pos = Pos { block, offset: 0 };
            self.read_into(&mut pos, take, Table::Ids, &mut raw)?;
        }
        self.ids = raw.chunks_exact(4).map(|c| le32(c, 0)).collect();
        Ok(())
    }

    fn read_xattr_ids(&mut self) -> Result<(), FormatError> {
        let at = self.sb.xattr_table;
        if at == NO_TABLE || self.sb.flags & FLAG_NO_XATTRS != 0 {
            return Ok(());
        }
        let Some(h) = self.d.get(at as usize..(at as usize).saturating_add(16)) else {
            return err(format!(
                "xattr id table header at {at:#x} runs past the end of the filesystem"
            ));
        };
        let (table, count) = (le64(h, 0), le32(h, 8));
        if table < self.sb.inode_table || table >= at {
            return err(format!(
                "xattr id table at {at:#x}: attributes start at {table:#x}, outside {:#x}..{at:#x}",
                self.sb.inode_table
            ));
        }
        let blocks = (u64::from(count) * 16).div_ceil(METADATA_SIZE as u64);
        let index_at = at + 16;
        if index_at.saturating_add(blocks * 8) > self.sb.bytes_used {
            return err(format!(
                "xattr id table at {at:#x}: index of {blocks} blocks for {count} ids runs past the end of the filesystem"
            ));
        }
        let index = (0..blocks as usize)
            .map(|k| le64(self.d, index_at as usize + 8 * k))
            .collect();
        self.xattr_ids = Some(XattrIds { table, count, index });
        Ok(())
    }

    /// The extended attributes of xattr id `i`, as `xattr.<name>` fields.
    fn xattrs(&mut self, i: u32) -> Result<Rc<Vec<Field>>, FormatError> {
        if let Some(x) = self.xattrs.get(&i) {
            return Ok(x.clone());
        }
        let Some(ids) = &self.xattr_ids else {
            return err(format!("xattr id {i}, but the image has no xattr table"));
        };
        if i >= ids.count {
            return err(format!("xattr id {i} is past the xattr id table ({} ids)", ids.count));
        }
        let (table, block) = (
            ids.table,
            ids.index[(u64::from(i) * 16 / METADATA_SIZE as u64) as usize],
        );
        let byte = u64::from(i) * 16;
        let mut pos = Pos {
            block,
            offset: (byte % METADATA_SIZE as u64) as usize,
        };
        let e = self
            .read(&mut pos, 16, Table::XattrIds)
            .at(|| format!("xattr id {i}"))?;
        let (r, count) = (le64(&e, 0), le32(&e, 8));
        if count > MAX_XATTRS {
            return err(format!("xattr id {i}: {count} attributes (more than {MAX_XATTRS})"));
        }
        let mut pos = self.ref_pos(table, r).at(|| format!("xattr id {i}"))?;
        let mut fields = Vec::new();
        for k in 0..count {
            let f = self
                .xattr(&mut pos, table)
                .at(|| format!("xattr id {i}: attribute {k}"))?;
            fields.push(f);
        }
        let fields = Rc::new(fields);
        self.xattrs.insert(i, fields.clone());
        Ok(fields)
    }

    fn xattr(&mut self, pos: &mut Pos, table: u64) -> Result<Field, FormatError> {
        let h = self.read(pos, 4, Table::Xattrs)?;
        let (ty, nlen) = (le16(&h, 0), le16(&h, 2));
        let prefix = match ty & 0xff {
            0 => "user.",
            1 => "trusted.",
            2 => "security.",
            p => return err(format!("unknown name prefix {p}")),
        };
        let name = self.read(pos, nlen.into(), Table::Xattrs)?;
        let name = format!("xattr.{prefix}{}", String::from_utf8_lossy(&name));
        let vsize = le32(&self.read(pos, 4, Table::Xattrs)?, 0);
        let value = if ty & 0x100 != 0 {
            // Stored out of line: the value is a reference to a shared copy elsewhere.
            if vsize != 8 {
                return err(format!(
                    "{name}: out-of-line value reference of {vsize} bytes (expected 8)"
                ));
            }
            let r = le64(&self.read(pos, 8, Table::Xattrs)?, 0);
            let mut at = self.ref_pos(table, r)?;
            let vsize = le32(&self.read(&mut at, 4, Table::Xattrs)?, 0);
            if vsize > MAX_XATTR_VALUE {
                return err(format!("{name}: value of {vsize} bytes (more than {MAX_XATTR_VALUE})"));
            }
            self.read(&mut at, vsize as usize, Table::Xattrs)?
        } else {
            if vsize > MAX_XATTR_VALUE {
                return err(format!("{name}: value of {vsize} bytes (more than {MAX_XATTR_VALUE})"));
            }
            self.read(pos, vsize as usize, Table::Xattrs)?
        };
        Ok(Field::new(name, xattr_value(value)))
    }

    /// A metadata reference (block offset from `table` << 16 | offset in the block) as a position.
    fn ref_pos(&self, table: u64, r: u64) -> Result<Pos, FormatError> {
        let block = table
            .checked_add(r >> 16)
            .filter(|&b| b < self.sb.bytes_used)
            .ok_or_else(|| FormatError::new(format!("reference {r:#x} points past the end of the filesystem")))?;
        Ok(Pos {
            block,
            offset: (r & 0xffff) as usize,
        })
    }

    fn fragment(&mut self, i: u32) -> Result<FragEntry, FormatError> {
        if let Some(f) = self.fragments.get(&i) {
            return Ok(*f);
        }
        if i >= self.sb.fragments || self.sb.fragment_table == NO_TABLE {
            return err(format!(
                "fragment {i} is past the fragment table ({} fragments)",
                self.sb.fragments
            ));
        }
        let e = self.table_entry(self.sb.fragment_table, i.into(), 16, Table::Fragments)?;
        let f = FragEntry {
            start: le64(&e, 0),
            word: le32(&e, 8),
        };
        let stored = f.word & !BLOCK_UNCOMPRESSED;
        if stored == 0 || stored > self.sb.block_size {
            return err(format!(
                "fragment {i}: stored size {stored} (expected 1 to the block size {})",
                self.sb.block_size
            ));
        }
        if f.start.saturating_add(stored.into()) > self.sb.inode_table {
            return err(format!(
                "fragment {i}: block at {:#x} ({stored} bytes) runs past the data area ending at {:#x}",
                f.start, self.sb.inode_table
            ));
        }
        self.fragments.insert(i, f);
        Ok(f)
    }

    fn uid_gid(&self, index: u16, what: &str) -> Result<u64, FormatError> {
        self.ids.get(usize::from(index)).map(|&v| u64::from(v)).ok_or_else(|| {
            FormatError::new(format!(
                "{what} index {index} is past the id table ({} ids)",
                self.ids.len()
            ))
        })
    }

    fn inode(&mut self, r: u64) -> Result<Inode, FormatError> {
        let mut pos = self.ref_pos(self.sb.inode_table, r)?;
        let t = Table::Inodes;
        let h = self.read(&mut pos, 16, t)?;
        let mut ino = Inode {
            ty: le16(&h, 0),
            perm: le16(&h, 2),
            uid: le16(&h, 4),
            gid: le16(&h, 6),
            mtime: le32(&h, 8),
            nlink: None,
            xattr: None,
            body: Body::Fifo,
        };
        let xattr = |x: u32| (x != NO_XATTR).then_some(x);
        match ino.ty {
            1 => {
                let b = self.read(&mut pos, 16, t)?;
                ino.nlink = Some(le32(&b, 4));
                ino.body = Body::Dir {
                    start: le32(&b, 0),
                    size: le16(&b, 8).into(),
                    offset: le16(&b, 10),
                };
            }
            8 => {
                let b = self.read(&mut pos, 24, t)?;
                ino.nlink = Some(le32(&b, 0));
                ino.xattr = xattr(le32(&b, 20));
                ino.body = Body::Dir {
                    size: le32(&b, 4),
                    start: le32(&b, 8),
                    offset: le16(&b, 18),
                };
            }
            2 | 9 => {
                let (start, size, sparse, frag, offset) = if ino.ty == 2 {
                    let b = self.read(&mut pos, 16, t)?;
                    (le32(&b, 0).into(), le32(&b, 12).into(), None, le32(&b, 4), le32(&b, 8))
                } else {
                    let b = self.read(&mut pos, 40, t)?;
                    ino.nlink = Some(le32(&b, 24));
                    ino.xattr = xattr(le32(&b, 36));
                    (le64(&b, 0), le64(&b, 8), Some(le64(&b, 16)), le32(&b, 28), le32(&b, 32))
                };
                let bs = u64::from(self.sb.block_size);
                let fragment = (frag != NO_FRAGMENT).then_some((frag, offset));
                let count = if fragment.is_some() {
                    size / bs
                } else {
                    size.div_ceil(bs)
                };
                let bytes = usize::try_from(count.saturating_mul(4)).unwrap_or(usize::MAX);
                let mut raw = Vec::new();
                self.read_into(&mut pos, bytes, t, &mut raw)
                    .at(|| format!("block list of {count} blocks"))?;
                ino.body = Body::File {
                    start,
                    size,
                    fragment,
                    sparse,
                    blocks: raw.chunks_exact(4).map(|c| le32(c, 0)).collect(),
                };
            }
            3 | 10 => {
                let b = self.read(&mut pos, 8, t)?;
                ino.nlink = Some(le32(&b, 0));
                let len = le32(&b, 4);
                if len > MAX_SYMLINK {
                    return err(format!("symlink target of {len} bytes (more than {MAX_SYMLINK})"));
                }
                let target = self.read(&mut pos, len as usize, t)?;
                if ino.ty == 10 {
                    ino.xattr = xattr(le32(&self.read(&mut pos, 4, t)?, 0));
                }
                ino.body = Body::Symlink(target);
            }
            4 | 5 | 11 | 12 => {
                let b = self.read(&mut pos, if ino.ty > 7 { 12 } else { 8 }, t)?;
                ino.nlink = Some(le32(&b, 0));
                let rdev = le32(&b, 4);
                if ino.ty > 7 {
                    ino.xattr = xattr(le32(&b, 8));
                }
                ino.body = if ino.basic_type() == 4 {
                    Body::Block(rdev)
                } else {
                    Body::Char(rdev)
                };
            }
            6 | 7 | 13 | 14 => {
                let b = self.read(&mut pos, if ino.ty > 7 { 8 } else { 4 }, t)?;
                ino.nlink = Some(le32(&b, 0));
                if ino.ty > 7 {
                    ino.xattr = xattr(le32(&b, 4));
                }
                ino.body = if ino.basic_type() == 6 {
                    Body::Fifo
                } else {
                    Body::Socket
                };
            }
            ty => return err(format!("unknown inode type {ty}")),
        }
        Ok(ino)
    }

    /// The entries of a directory listing (`size` is the inode's, 3 more than the listing), and
    /// where it lies in the directory table (from its start to the position after it).
    fn listing(&mut self, start: u32, offset: u16, size: u32) -> Result<(Vec<DirEntry>, Span), FormatError> {
        if size < 3 {
            return err(format!("directory size {size} (at least 3)"));
        }
        let len = (size - 3) as usize;
        let mut pos = Pos {
            block: self.sb.dir_table.saturating_add(start.into()),
            offset: offset.into(),
        };
        let from = (pos.block, pos.offset);
        let b = self.read(&mut pos, len, Table::Dirs)?;
        let span = from..(pos.block, pos.offset);
        let mut out = Vec::new();
        let mut p = 0;
        while p < b.len() {
            let Some(h) = b.get(p..p + 12) else {
                return err(format!(
                    "listing: header at +{p:#x} runs past the end of the listing ({len} bytes)"
                ));
            };
            let (count, block) = (le32(h, 0).saturating_add(1), le32(h, 4));
            if count > MAX_DIR_COUNT {
                return err(format!(
                    "listing: header at +{p:#x} announces {count} entries (at most {MAX_DIR_COUNT})"
                ));
            }
            p += 12;
            for _ in 0..count {
                let index = out.len() + 1;
                let Some(e) = b.get(p..p + 8) else {
                    return err(format!(
                        "listing: entry {index} at +{p:#x} runs past the end of the listing ({len} bytes)"
                    ));
                };
                let (off, ty, nlen) = (le16(e, 0), le16(e, 4), usize::from(le16(e, 6)) + 1);
                let Some(raw) = b.get(p + 8..p + 8 + nlen) else {
                    return err(format!(
                        "listing: entry {index} at +{p:#x}: name of {nlen} bytes runs past the end of the listing ({len} bytes)"
                    ));
                };
                let name = String::from_utf8_lossy(raw).into_owned();
                if nlen > 256 || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
                    return err(format!(
                        "listing: entry {index} at +{p:#x}: name \"{}\" is not a valid file name",
                        name.escape_default()
                    ));
                }
                out.push(DirEntry {
                    name,
                    inode: u64::from(block) << 16 | u64::from(off),
                    ty,
                });
                p += 8 + nlen;
            }
        }
        Ok((out, span))
    }

    fn compression_options(&mut self, fields: &mut Vec<Field>) -> Result<(), FormatError> {
        if self.sb.flags & FLAG_COMP_OPT == 0 {
            return Ok(());
        }
        let comp = self.sb.comp;
        let len = match comp {
            Compressor::Zstd => 4,
            Compressor::Lzma => return err("compressor options flag set, but lzma has no options"),
            _ => 8,
        };
        let mut pos = Pos {
            block: SUPERBLOCK_LEN as u64,
            offset: 0,
        };
        let b = self.read(&mut pos, len, Table::CompOptions)?;
        let mut push = |name: &str, v: Value| fields.push(Field::new(format!("compression.{name}"), v));
        match comp {
            Compressor::Gzip => {
                push("level", Value::Int(le32(&b, 0).into()));
                push("window-size", Value::Int(le16(&b, 4).into()));
                push(
                    "strategies",
                    Value::Text(bit_names(
                        le16(&b, 6).into(),
                        &["default", "filtered", "huffman_only", "run_length_encoded", "fixed"],
                    )),
                );
            }
            Compressor::Xz => {
                push("dictionary-size", Value::Size(le32(&b, 0).into()));
                push(
                    "filters",
                    Value::Text(bit_names(
                        le32(&b, 4),
                        &["x86", "powerpc", "ia64", "arm", "armthumb", "sparc", "arm64", "riscv"],
                    )),
                );
            }
            Compressor::Lzo => {
                let algorithm = le32(&b, 0);
                let name = ["lzo1x_1", "lzo1x_1_11", "lzo1x_1_12", "lzo1x_1_15", "lzo1x_999"]
                    .get(algorithm as usize)
                    .map_or_else(|| format!("unknown ({algorithm})"), |n| n.to_string());
                push("algorithm", Value::Text(name));
                push("level", Value::Int(le32(&b, 4).into()));
            }
            Compressor::Lz4 => {
                push("version", Value::Int(le32(&b, 0).into()));
                push("flags", Value::Text(bit_names(le32(&b, 4), &["hc"])));
            }
            Compressor::Zstd => push("level", Value::Int(le32(&b, 0).into())),
            Compressor::Lzma => {}
        }
        Ok(())
    }
}

/// Text when the value is printable UTF-8, else hex.
fn xattr_value(v: Vec<u8>) -> Value {
    match String::from_utf8(v) {
        Ok(s) if !s.is_empty() && !s.chars().any(char::is_control) => Value::Text(s),
        Ok(s) => Value::Hex(s.into_bytes()),
        Err(e) => Value::Hex(e.into_bytes()),
    }
}

/// squashfs stores device numbers in the kernel's "new" 32-bit encoding.
fn split_dev(dev: u32) -> (u32, u32) {
    ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00))
}

// ---------------------------------------------------------------------------------------------
// File content.

/// A file's tail end inside a fragment block.
#[derive(Clone, Copy, Debug)]
struct Tail {
    start: u64,
    word: u32,
    offset: u32,
}

/// Decoded fragment blocks shared by the files of one image: each fragment block holds the tails
/// of many files (dozens with 1 MiB blocks), and files are loaded in image order, so without it a
/// block would be decoded once per file that ends in it. A few recent blocks are kept; a block
/// being decoded by one thread is waited for by another rather than decoded twice.
struct FragmentCache {
    blocks: Mutex<FragmentSlots>,
}

type FragmentSlot = Arc<OnceLock<Result<Arc<Vec<u8>>, String>>>;

#[derive(Default)]
struct FragmentSlots {
    by_start: HashMap<u64, FragmentSlot>,
    /// Starts, oldest first, for eviction.
    order: std::collections::VecDeque<u64>,
}

/// Decoded fragment blocks kept per image: files are compared in image order, each thread on a
/// run of neighbours, so a couple per thread suffice (measured: 16 was no faster than 4 on a live
/// ISO with 1 MiB blocks, and held 9 MB more).
const FRAGMENT_CACHE_BLOCKS: usize = 4;

impl FragmentCache {
    fn new() -> FragmentCache {
        FragmentCache {
            blocks: Mutex::new(FragmentSlots::default()),
        }
    }

    /// The decoded block stored at `start`, decoded by `decode` the first time.
    fn get(&self, start: u64, decode: impl FnOnce() -> Result<Vec<u8>, String>) -> Result<Arc<Vec<u8>>, String> {
        let slot = {
            let mut g = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
            match g.by_start.get(&start) {
                Some(s) => s.clone(),
                None => {
                    let s: FragmentSlot = Arc::default();
                    g.by_start.insert(start, s.clone());
                    g.order.push_back(start);
                    while g.order.len() > FRAGMENT_CACHE_BLOCKS {
                        if let Some(old) = g.order.pop_front() {
                            g.by_start.remove(&old);
                        }
                    }
                    s
                }
            }
        };
        slot.get_or_init(|| decode().map(Arc::new)).clone()
    }
}

/// Where a file's content is stored, decoded on demand.
struct FileData {
    image: Blob,
    fragments: Arc<FragmentCache>,
    comp: Compressor,
    block_size: u32,
    size: u64,
    /// Offset of the first stored block; the others follow it without gaps.
    start: u64,
    /// Size words: stored length, bit 24 set when stored uncompressed, 0 for a hole.
    blocks: Vec<u32>,
    tail: Option<Tail>,
    path: String,
}

impl fmt::Debug for FileData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "squashfs file '{}' ({} bytes, {} blocks at {:#x}{})",
            self.path,
            self.size,
            self.blocks.len(),
            self.start,
            if self.tail.is_some() {
                ", tail in a fragment"
            } else {
                ""
            }
        )
    }
}

fn stored_len(word: u32) -> u64 {
    u64::from(word & !BLOCK_UNCOMPRESSED)
}

impl FileData {
    fn stored_total(&self) -> u64 {
        self.blocks.iter().map(|&w| stored_len(w)).sum()
    }

    /// Bytes block `i` holds once decoded: a whole block, except a last block not followed by a
    /// fragment tail.
    fn expected(&self, i: usize) -> u64 {
        let bs = u64::from(self.block_size);
        if i + 1 == self.blocks.len() && self.tail.is_none() {
            self.size - i as u64 * bs
        } else {
            bs
        }
    }

    fn tail_len(&self) -> u64 {
        self.size % u64::from(self.block_size)
    }

    fn decode(&self, limits: &Limits) -> Result<Blob, FormatError> {
        if self.size > limits.max_decompressed {
            return err(format!(
                "{} bytes, more than the limit of {} bytes",
                self.size, limits.max_decompressed
            ));
        }
        let mut sink = Sink::new(Some(self.size), limits.max_decompressed);
        let mut decoder = Decoder::new(self.comp);
        let bs = self.block_size as usize;
        let mut at = self.start;
        for (i, &w) in self.blocks.iter().enumerate() {
            let want = self.expected(i) as usize;
            let len = stored_len(w);
            if len == 0 {
                static ZEROS: [u8; 1 << 16] = [0; 1 << 16];
                let mut left = want;
                while left > 0 {
                    let n = left.min(ZEROS.len());
                    sink.write(&ZEROS[..n])?;
                    left -= n;
                }
                continue;
            }
            let here = || format!("block {i} at {at:#x}");
            let raw = self.stored(at, len).at(here)?;
            if w & BLOCK_UNCOMPRESSED != 0 {
                if raw.len() != want {
                    return err(format!("{}: {} bytes stored, expected {want}", here(), raw.len()));
                }
                sink.write(raw)?;
            } else {
                let out = decoder
                    .decode(raw, bs)
                    .map_err(|e| FormatError::new(format!("{}: {e}", here())))?;
                if out.len() != want {
                    return err(format!(
                        "{}: decompresses to {} bytes, expected {want}",
                        here(),
                        out.len()
                    ));
                }
                sink.write(&out)?;
            }
            at += len;
        }
        if let Some(t) = self.tail {
            let here = || format!("fragment block at {:#x}", t.start);
            let raw = self.stored(t.start, stored_len(t.word)).at(here)?;
            let block;
            let bytes = if t.word & BLOCK_UNCOMPRESSED != 0 {
                raw
            } else {
                block = self
                    .fragments
                    .get(t.start, || decoder.decode(raw, bs))
                    .map_err(|e| FormatError::new(format!("{}: {e}", here())))?;
                &block[..]
            };
            let (from, len) = (t.offset as usize, self.tail_len() as usize);
            let Some(part) = bytes.get(from..from + len) else {
                return err(format!(
                    "{}: tail of {len} bytes at offset {from} is past its {} bytes",
                    here(),
                    bytes.len()
                ));
            };
            sink.write(part)?;
        }
        sink.finish()
    }

    fn stored(&self, at: u64, len: u64) -> Result<&[u8], FormatError> {
        let end = at.saturating_add(len);
        self.image
            .get(at as usize..end as usize)
            .filter(|_| end <= self.image.len() as u64)
            .ok_or_else(|| FormatError::new(format!("{len} bytes run past the end of the image")))
    }
}

impl Loader for FileData {
    fn load(&self, limits: &Limits) -> Result<Blob, FormatError> {
        self.decode(limits)
            .map_err(|e| FormatError::new(format!("squashfs: file {}: {}", shown(&self.path), e.message)))
    }

    fn stored(&self) -> Vec<Blob> {
        let len = self.image.len() as u64;
        let mut out = Vec::new();
        if let Some(end) = self.start.checked_add(self.stored_total()).filter(|&e| e <= len) {
            out.push(self.image.slice(self.start as usize..end as usize));
        }
        if let Some(t) = self.tail {
            if let Some(end) = t.start.checked_add(stored_len(t.word)).filter(|&e| e <= len) {
                out.push(self.image.slice(t.start as usize..end as usize));
            }
        }
        out
    }

    /// The compressor, block size, file size and every size word, then the stored blocks; a tail
    /// adds its stored fragment block (the whole block when compressed, with where the tail
    /// sits in it).
    fn fingerprint(&self) -> Option<(String, Vec<Blob>)> {
        use std::fmt::Write as _;
        let mut tag = format!("squashfs:{}:{}:{}:", self.comp.name(), self.block_size, self.size);
        for w in &self.blocks {
            let _ = write!(tag, "{w:x},");
        }
        let total = self.stored_total();
        let end = self.start.checked_add(total)?;
        if end > self.image.len() as u64 {
            return None;
        }
        let mut pieces = vec![self.image.slice(self.start as usize..end as usize)];
        if let Some(t) = self.tail {
            let len = stored_len(t.word);
            let (from, to) = if t.word & BLOCK_UNCOMPRESSED != 0 {
                let from = t.start.checked_add(t.offset.into())?;
                let _ = write!(tag, ";tail-raw:{}", self.tail_len());
                (from, from.checked_add(self.tail_len())?)
            } else {
                let _ = write!(tag, ";tail:{:x}:{}:{}", t.word, t.offset, self.tail_len());
                (t.start, t.start.checked_add(len)?)
            };
            if to > self.image.len() as u64 {
                return None;
            }
            pieces.push(self.image.slice(from as usize..to as usize));
        }
        Some((tag, pieces))
    }
}

// ---------------------------------------------------------------------------------------------
// The walk.

struct Frame {
    path: String,
    entries: Vec<DirEntry>,
    next: usize,
}

/// Counts for the notes.
#[derive(Default)]
struct Stats {
    hard_links: usize,
    tails: usize,
    fragment_blocks: HashSet<u32>,
    holes: u64,
    duplicates: usize,
}

/// Part of the directory table as (metadata block offset, offset in the decoded block) pairs,
/// which order like the table's bytes.
type Span = std::ops::Range<(u64, usize)>;

struct Walk<'a, 'b> {
    img: &'a mut Image<'b>,
    limits: &'a Limits,
    members: Vec<Member>,
    /// Directory inodes read (reference → path), to refuse loops.
    dirs: HashMap<u64, String>,
    /// Directory listings read (start → end and path). Another inode may point at a listing
    /// already read (its parent's: a loop; any other: the same entries again, nested as deep as
    /// paths allow), which mksquashfs never writes: each listing is read once.
    listings: BTreeMap<(u64, usize), ((u64, usize), String)>,
    /// Other inodes listed (reference → member index), for hard links.
    seen: HashMap<u64, usize>,
    /// First file stored at each data offset, to count files whose blocks are shared.
    data_at: HashMap<(u64, u64), usize>,
    stats: Stats,
    fragments: Arc<FragmentCache>,
}

fn open(blob: &Blob, limits: &Limits) -> Result<Opened, FormatError> {
    let all: &[u8] = blob;
    let sb = Superblock::parse(all)?;
    let mut fields = sb.fields();
    let mut img = Image {
        blob,
        d: &all[..sb.bytes_used as usize],
        decoder: Decoder::new(sb.comp),
        sb,
        cache: HashMap::new(),
        spans: BTreeMap::new(),
        decoded: 0,
        // Decoded metadata is held in memory (inode, directory and lookup tables), so it counts
        // as decoder memory: real tables are a few MB even for 100,000 files, while blocks of
        // zeros decode to 8 KiB from a few stored bytes each.
        limit: limits.max_decompressed.min(limits.max_codec_memory),
        ids: Vec::new(),
        xattr_ids: None,
        xattrs: HashMap::new(),
        fragments: HashMap::new(),
    };
    img.compression_options(&mut fields)?;
    img.read_ids()?;
    img.read_xattr_ids()?;
    if let Some(x) = &img.xattr_ids {
        fields.push(Field::new("xattr-id-count", Value::Int(x.count.into())));
    }

    let root_ref = img.sb.root;
    let root = img
        .inode(root_ref)
        .at(|| format!("root inode (reference {root_ref:#x})"))?;
    let Body::Dir { start, offset, size } = root.body else {
        return err(format!(
            "root inode (reference {root_ref:#x}) is of type {}, not a directory",
            root.ty
        ));
    };
    fields.push(Field::new(
        "root.mode",
        Value::Mode(S_IFDIR | u32::from(root.perm & 0o7777)),
    ));
    fields.push(Field::new(
        "root.uid",
        Value::Id(img.uid_gid(root.uid, "root directory: uid")?),
    ));
    fields.push(Field::new(
        "root.gid",
        Value::Id(img.uid_gid(root.gid, "root directory: gid")?),
    ));
    fields.push(Field::new("root.mtime", Value::Time(root.mtime.into())));
    if let Some(x) = root.xattr {
        let xs = img.xattrs(x).at(|| "root directory".into())?;
        fields.extend(
            xs.iter()
                .map(|f| Field::new(format!("root.{}", f.name), f.value.clone())),
        );
    }
    let (entries, span) = img.listing(start, offset, size).at(|| "root directory".into())?;

    let mut walk = Walk {
        img: &mut img,
        limits,
        members: Vec::new(),
        dirs: HashMap::from([(root_ref, String::new())]),
        listings: BTreeMap::new(),
        seen: HashMap::new(),
        data_at: HashMap::new(),
        stats: Stats::default(),
        fragments: Arc::new(FragmentCache::new()),
    };
    walk.claim(span, "")?;
    walk.run(entries)?;
    let Walk {
        mut members,
        stats,
        dirs,
        seen,
        ..
    } = walk;

    let mut notes = Vec::new();
    let inodes = dirs.len() + seen.len();
    if inodes as u64 != u64::from(img.sb.inodes) {
        notes.push(format!(
            "the superblock counts {} inodes, the directory tree reaches {inodes}",
            img.sb.inodes
        ));
    }
    if stats.hard_links > 0 {
        notes.push(format!(
            "{} (names of an inode already listed under another name)",
            plural(stats.hard_links as u64, "hard link")
        ));
    }
    if stats.tails > 0 {
        notes.push(format!(
            "{} in fragments ({})",
            if stats.tails == 1 {
                "1 file ends".to_string()
            } else {
                format!("{} files end", stats.tails)
            },
            plural(stats.fragment_blocks.len() as u64, "fragment block")
        ));
    }
    if stats.duplicates > 0 {
        notes.push(format!(
            "{} the data blocks of an earlier file (duplicate detection)",
            if stats.duplicates == 1 {
                "1 file shares".to_string()
            } else {
                format!("{} files share", stats.duplicates)
            }
        ));
    }
    if stats.holes > 0 {
        notes.push(format!("{} (holes) not stored", plural(stats.holes, "sparse block")));
    }
    stream::trailing(blob, img.sb.bytes_used as usize, "filesystem", &mut notes, &mut members);
    Ok(Opened {
        fields,
        members,
        notes,
        text: None,
    })
}

impl Walk<'_, '_> {
    /// Records that directory `path` read the listing at `span`; refuses one that was read, in
    /// whole or in part, for another directory.
    fn claim(&mut self, span: Span, path: &str) -> Result<(), FormatError> {
        // mksquashfs points empty directories at wherever the next listing starts.
        if span.is_empty() {
            return Ok(());
        }
        let at = |(block, offset): (u64, usize)| format!("{:#x} + {offset}", block - self.img.sb.dir_table);
        if let Some((s, (e, other))) = self.listings.range(..span.end).next_back() {
            if *e > span.start {
                let how = if *s == span.start {
                    "was already read for"
                } else {
                    "overlaps the listing read for"
                };
                let whose = if other.is_empty() {
                    "the root directory".to_string()
                } else {
                    dir_shown(other)
                };
                return err(format!(
                    "{}: its listing (directory table block {}) {how} {whose} (block {}): a directory loop or shared listing",
                    dir_shown(path),
                    at(span.start),
                    at(*s)
                ));
            }
        }
        self.listings.insert(span.start, (span.end, path.to_string()));
        Ok(())
    }

    fn run(&mut self, root_entries: Vec<DirEntry>) -> Result<(), FormatError> {
        let mut stack = vec![Frame {
            path: String::new(),
            entries: root_entries,
            next: 0,
        }];
        while let Some(top) = stack.last_mut() {
            let Some(entry) = top.entries.get_mut(top.next) else {
                stack.pop();
                continue;
            };
            let index = top.next + 1;
            top.next += 1;
            let name = std::mem::take(&mut entry.name);
            let (r, ty) = (entry.inode, entry.ty);
            let dir = top.path.clone();
            let path = join(&dir, &name);
            let here = || format!("{}: entry {index} ('{}')", dir_shown(&dir), name.escape_default());
            if path.len() > MAX_PATH {
                return err(format!("{}: path longer than {MAX_PATH} bytes", here()));
            }
            if self.members.len() >= self.limits.max_members {
                return err(format!("more than {} entries (limit)", self.limits.max_members));
            }
            if let Some(&first) = self.seen.get(&r) {
                // Another name of an inode already listed: a hard link.
                let m = &self.members[first];
                let link = Member {
                    name: path,
                    kind: EntryKind::HardLink { target: m.name.clone() },
                    fields: m.fields.clone(),
                    data: m.data.clone(),
                    size: m.size,
                };
                self.members.push(link);
                self.stats.hard_links += 1;
                continue;
            }
            if let Some(first) = self.dirs.get(&r) {
                return err(format!(
                    "{}: directory loop: the inode at reference {r:#x} is the directory already listed as {}",
                    here(),
                    shown(first)
                ));
            }
            let ino = self.img.inode(r).at(|| format!("{}: inode {r:#x}", here()))?;
            if ino.basic_type() != ty {
                return err(format!(
                    "{}: entry type {ty} does not match its inode's type {}",
                    here(),
                    ino.ty
                ));
            }
            let member = self.member(&path, &ino).at(here)?;
            if let Body::Dir { start, offset, size } = ino.body {
                self.dirs.insert(r, path.clone());
                let (entries, span) = self.img.listing(start, offset, size).at(|| dir_shown(&path))?;
                self.claim(span, &path)?;
                self.members.push(member);
                stack.push(Frame { path, entries, next: 0 });
            } else {
                self.seen.insert(r, self.members.len());
                self.members.push(member);
            }
        }
        Ok(())
    }

    fn member(&mut self, path: &str, ino: &Inode) -> Result<Member, FormatError> {
        let img = &mut *self.img;
        let mut fields = vec![
            Field::new("mode", Value::Mode(ino.type_bits() | u32::from(ino.perm & 0o7777))),
            Field::new("uid", Value::Id(img.uid_gid(ino.uid, "uid")?)),
            Field::new("gid", Value::Id(img.uid_gid(ino.gid, "gid")?)),
            Field::new("mtime", Value::Time(ino.mtime.into())),
        ];
        if let Some(n) = ino.nlink {
            fields.push(Field::new("nlink", Value::Int(n.into())));
        }
        let (kind, data, size) = match &ino.body {
            Body::Dir { .. } => (EntryKind::Dir, None, 0),
            Body::Symlink(t) => (
                EntryKind::Symlink {
                    target: String::from_utf8_lossy(t).into_owned(),
                },
                None,
                0,
            ),
            Body::Block(d) => {
                let (major, minor) = split_dev(*d);
                (EntryKind::BlockDevice { major, minor }, None, 0)
            }
            Body::Char(d) => {
                let (major, minor) = split_dev(*d);
                (EntryKind::CharDevice { major, minor }, None, 0)
            }
            Body::Fifo => (EntryKind::Fifo, None, 0),
            Body::Socket => (EntryKind::Socket, None, 0),
            Body::File {
                start,
                size,
                fragment,
                sparse,
                blocks,
            } => {
                fields.push(Field::new("size", Value::Size(*size)));
                let data = self.file(path, *start, *size, *fragment, blocks.clone(), &mut fields)?;
                if let Some(s) = sparse {
                    fields.push(Field::new("sparse", Value::Size(*s)));
                }
                (EntryKind::File, Some(data), *size)
            }
        };
        if let Some(x) = ino.xattr {
            let xs = self.img.xattrs(x)?;
            fields.extend(xs.iter().cloned());
        }
        Ok(Member {
            name: path.to_string(),
            kind,
            fields,
            data,
            size,
        })
    }

    /// Checks where a file's blocks and tail are stored, adds their fields, and gives its data.
    fn file(
        &mut self,
        path: &str,
        start: u64,
        size: u64,
        fragment: Option<(u32, u32)>,
        blocks: Vec<u32>,
        fields: &mut Vec<Field>,
    ) -> Result<Data, FormatError> {
        let img = &mut *self.img;
        let bs = img.sb.block_size;
        let tail = match fragment {
            Some((index, offset)) => {
                let f = img.fragment(index)?;
                let tail = size % u64::from(bs);
                if u64::from(offset) + tail > u64::from(bs) {
                    return err(format!(
                        "tail of {tail} bytes at offset {offset} in fragment {index} runs past the block size {bs}"
                    ));
                }
                // A position (in the fragment table), so that repacking after an earlier change
                // reads as derived, like the offsets.
                fields.push(Field::new("fragment-index", Value::Offset(index.into())));
                fields.push(Field::new("fragment-offset", Value::Offset(offset.into())));
                // Where the tail is stored in the image: fragment blocks sit between file data,
                // so a changed tail moves everything written after its block.
                fields.push(Field::new("fragment-position", Value::Offset(f.start)));
                self.stats.tails += 1;
                self.stats.fragment_blocks.insert(index);
                Some(Tail {
                    start: f.start,
                    word: f.word,
                    offset,
                })
            }
            None => None,
        };
        let fd = FileData {
            image: img.blob.clone(),
            fragments: self.fragments.clone(),
            comp: img.sb.comp,
            block_size: bs,
            size,
            start,
            blocks,
            tail,
            path: path.to_string(),
        };
        for (i, &w) in fd.blocks.iter().enumerate() {
            let len = stored_len(w);
            if len > u64::from(bs) {
                return err(format!("block {i}: stored size {len} is more than the block size {bs}"));
            }
            if w & BLOCK_UNCOMPRESSED != 0 && len != 0 && len != fd.expected(i) {
                return err(format!(
                    "block {i}: stored uncompressed with {len} bytes, expected {}",
                    fd.expected(i)
                ));
            }
            if len == 0 {
                self.stats.holes += 1;
            }
        }
        let total = fd.stored_total();
        if start.saturating_add(total) > img.sb.inode_table {
            return err(format!(
                "blocks at {start:#x} ({total} bytes) run past the data area ending at {:#x}",
                img.sb.inode_table
            ));
        }
        if !fd.blocks.is_empty() {
            fields.push(Field::new("offset", Value::Offset(start)));
        }
        if let Some(t) = tail {
            if t.word & BLOCK_UNCOMPRESSED != 0 && u64::from(t.offset) + fd.tail_len() > stored_len(t.word) {
                return err(format!(
                    "tail at offset {} ({} bytes) runs past its uncompressed fragment block of {} bytes",
                    t.offset,
                    fd.tail_len(),
                    stored_len(t.word)
                ));
            }
        }
        if total > 0 {
            let first = self.data_at.entry((start, total)).or_insert(self.members.len());
            if *first != self.members.len() {
                self.stats.duplicates += 1;
            }
        }
        if size == 0 {
            return Ok(Data::Blob(img.blob.slice(0..0)));
        }
        // Stored uncompressed in one piece: the bytes themselves, no loader needed.
        let raw_blocks = fd
            .blocks
            .iter()
            .all(|&w| w & BLOCK_UNCOMPRESSED != 0 && stored_len(w) > 0);
        match tail {
            None if raw_blocks => return Ok(Data::Blob(img.blob.slice(start as usize..(start + total) as usize))),
            Some(t) if fd.blocks.is_empty() && t.word & BLOCK_UNCOMPRESSED != 0 => {
                let from = (t.start + u64::from(t.offset)) as usize;
                return Ok(Data::Blob(img.blob.slice(from..from + size as usize)));
            }
            _ => {}
        }
        Ok(Data::Lazy(Arc::new(fd)))
    }
}

// ---------------------------------------------------------------------------------------------
// LZO1X decompression (the format of liblzo2's lzo1x_decompress_safe, which mksquashfs's lzo
// blocks need), written from the kernel's description in Documentation/staging/lzo.rst, with
// every read and copy checked.

struct Lzo<'a> {
    src: &'a [u8],
    ip: usize,
    out: Vec<u8>,
    max: usize,
}

impl Lzo<'_> {
    fn byte(&mut self) -> Result<usize, String> {
        let b = *self.src.get(self.ip).ok_or("input ends inside an instruction")?;
        self.ip += 1;
        Ok(b.into())
    }

    fn le16(&mut self) -> Result<usize, String> {
        let lo = self.byte()?;
        Ok(lo | self.byte()? << 8)
    }

    /// A length continued in the following bytes: each zero byte adds 255, the first non-zero
    /// byte ends it.
    fn long_length(&mut self, base: usize) -> Result<usize, String> {
        let mut n = base;
        loop {
            let b = self.byte()?;
            if b != 0 {
                return Ok(n + b);
            }
            n += 255;
            if n > self.max {
                return Err("length longer than the output allows".into());
            }
        }
    }

    fn literals(&mut self, n: usize) -> Result<(), String> {
        let Some(lit) = self.src.get(self.ip..self.ip + n) else {
            return Err(format!("{n} literal bytes run past the end of the input"));
        };
        if self.out.len() + n > self.max {
            return Err(too_large(self.max));
        }
        self.out.extend_from_slice(lit);
        self.ip += n;
        Ok(())
    }

    fn copy(&mut self, dist: usize, len: usize) -> Result<(), String> {
        if dist > self.out.len() {
            return Err(format!(
                "match {dist} bytes back reaches before the start of the output ({} bytes)",
                self.out.len()
            ));
        }
        if self.out.len() + len > self.max {
            return Err(too_large(self.max));
        }
        let from = self.out.len() - dist;
        // Byte by byte: a match may overlap the bytes it produces.
        for k in 0..len {
            let b = self.out[from + k];
            self.out.push(b);
        }
        Ok(())
    }
}

fn lzo1x_decompress(src: &[u8], max: usize) -> Result<Vec<u8>, String> {
    let mut z = Lzo {
        src,
        ip: 0,
        out: Vec::with_capacity(max),
        max,
    };
    // state: literals copied by the previous instruction (0..3), or 4 after a longer run.
    let mut state = 0;
    let first = *src.first().ok_or("empty input")?;
    if first > 17 {
        z.ip = 1;
        let n = usize::from(first) - 17;
        z.literals(n)?;
        state = if n < 4 { n } else { 4 };
    }
    loop {
        let t = z.byte()?;
        let (dist, len, next);
        if t < 16 {
            if state == 0 {
                // A literal run of 4 or more bytes.
                let n = if t == 0 { z.long_length(15)? + 3 } else { t + 3 };
                z.literals(n)?;
                state = 4;
                continue;
            }
            let h = z.byte()?;
            next = t & 3;
            if state < 4 {
                // 2 bytes from at most 1 KiB back.
                dist = 1 + (t >> 2) + (h << 2);
                len = 2;
            } else {
                // 3 bytes from 2..3 KiB back.
                dist = 1 + 0x800 + (t >> 2) + (h << 2);
                len = 3;
            }
        } else if t >= 64 {
            let h = z.byte()?;
            dist = 1 + ((t >> 2) & 7) + (h << 3);
            len = (t >> 5) + 1;
            next = t & 3;
        } else if t >= 32 {
            len = 2 + if t & 31 == 0 { z.long_length(31)? } else { t & 31 };
            let w = z.le16()?;
            dist = 1 + (w >> 2);
            next = w & 3;
        } else {
            len = 2 + if t & 7 == 0 { z.long_length(7)? } else { t & 7 };
            let w = z.le16()?;
            let d = ((t & 8) << 11) + (w >> 2);
            if d == 0 {
                // The end marker (0x11 0x00 0x00).
                if len != 3 {
                    return Err("malformed end marker".into());
                }
                if z.ip != src.len() {
                    return Err(format!("{} bytes after the end marker", src.len() - z.ip));
                }
                return Ok(z.out);
            }
            dist = d + 0x4000;
            next = w & 3;
        }
        z.copy(dist, len)?;
        z.literals(next)?;
        state = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lzo_literals_matches_and_end() {
        // A first literal run of 5, an M2 match 0b010_000_00 + 0x00 (3 bytes, 1 back), the end marker.
        let s = [17 + 5, b'h', b'e', b'l', b'l', b'o', 0x40, 0x00, 0x11, 0, 0];
        assert_eq!(lzo1x_decompress(&s, 100).unwrap(), b"helloooo");
        assert!(lzo1x_decompress(&s, 7).unwrap_err().contains("more than 7"));
        assert!(lzo1x_decompress(&s[..8], 100).is_err());
        let mut extra = s.to_vec();
        extra.push(0);
        assert!(lzo1x_decompress(&extra, 100)
            .unwrap_err()
            .contains("after the end marker"));
        // A match reaching before the output.
        assert!(lzo1x_decompress(&[17 + 1, b'a', 0x40, 0x08, 0x11, 0, 0], 100)
            .unwrap_err()
            .contains("before the start"));
    }

    #[test]
    fn lzo_never_panics() {
        let mut x: u32 = 1;
        for len in 0..64 {
            for _ in 0..500 {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        x as u8
                    })
                    .collect();
                let _ = lzo1x_decompress(&v, 4096);
            }
        }
    }

    #[test]
    fn devices_and_flags() {
        assert_eq!(split_dev(0x0103), (1, 3));
        // 259:300 as mksquashfs stores it.
        assert_eq!(split_dev(0x11032c), (259, 300));
        assert_eq!(bit_names(0xc0, &FLAG_NAMES), "duplicates,exportable");
        assert_eq!(bit_names(0, &FLAG_NAMES), "none");
        assert_eq!(bit_names(0x1000, &FLAG_NAMES), "0x1000");
    }
}
