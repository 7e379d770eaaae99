//! The table of container formats, tried in order by [`identify`].

use crate::model::{Blob, FormatError, Limits, Member, Opened};

/// A container or stream format: recognise it, then open it into a typed node.
pub trait Format: Sync {
    /// Short stable id, used in reports and JSON ("eif", "gzip", "cpio", ...).
    fn name(&self) -> &'static str;
    /// A cheap check on the first bytes (at most [`HEAD`] of them) and the node's name.
    fn identify(&self, head: &[u8], name: &str) -> bool;
    /// Parse the whole node. `name` is the node's own name (e.g. "rootfs.cpio.gz"), which a
    /// stream format uses to name its single member.
    fn open(&self, data: &Blob, name: &str, limits: &Limits) -> Result<Opened, FormatError>;
    /// A few words that place a member for a reader (an SGX page's region and permissions),
    /// shown with any difference in it: unchanged fields are otherwise not shown.
    fn describe_member(&self, _member: &Member) -> Option<String> {
        None
    }
}

/// How many leading bytes `identify` is given.
/// 36 KiB: ISO 9660 puts its identifier at 0x8001, after a 32 KiB system area.
pub const HEAD: usize = 0x9000;

/// Every container format, most specific first.
pub static FORMATS: &[&dyn Format] = &[
    &crate::eif::Eif,
    &crate::elf::Elf,
    &crate::iso9660::Iso9660,
    &crate::gzip::Gzip,
    &crate::xz::Xz,
    &crate::zstd::Zstd,
    &crate::bzip2::Bzip2,
    &crate::lz4::Lz4,
    &crate::zip::Zip,
    &crate::cpio::Cpio,
    &crate::ar::Ar,
    &crate::squashfs::Squashfs,
    &crate::sgxs::Sgxs,
    &crate::sigstruct::Sigstruct,
    &crate::png::Png,
    &crate::mo::Mo,
    // Recognised by name (.pyc) and the magic's "\r\n".
    &crate::pyc::Pyc,
    // After every format with a strong magic: v7 archives are recognised by name and checksum.
    &crate::tar::Tar,
];

/// The format of a node, if any container format claims it.
pub fn identify(data: &[u8], name: &str) -> Option<&'static dyn Format> {
    let head = &data[..data.len().min(HEAD)];
    FORMATS.iter().copied().find(|f| f.identify(head, name))
}

/// Looks a format up by its id.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// Formats that wrap exactly one stream (compression): the engine shows their content in place
/// of the node itself rather than as a nested member.
pub const STREAMS: &[&str] = &["gzip", "xz", "zstd", "bzip2", "lz4"];

pub fn is_stream(format: &str) -> bool {
    STREAMS.contains(&format)
}
