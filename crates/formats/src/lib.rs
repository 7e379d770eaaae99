//! Formats for reproscope: each module turns bytes into a typed [`model::Opened`] node
//! (metadata fields with typed values, members, notes), and some also write or measure.
//!
//! Adding a format means one module plus one line in [`registry::FORMATS`].

// Every format parses untrusted input: no unsafe code, except the memory maps in `model` (the
// only module allowed it, each use with its reason).
#![deny(unsafe_code)]

mod bytes;
#[allow(unsafe_code)]
pub mod model;
pub mod registry;

pub mod ar;
pub mod bzip2;
pub mod cpio;
pub mod dir;
pub mod eif;
pub mod elf;
pub mod gzip;
pub mod iso9660;
pub mod lz4;
pub mod mo;
pub mod png;
pub mod pyc;
pub mod sgxs;
pub mod sigstruct;
pub mod squashfs;
pub mod stream;
pub mod tar;
pub mod text;
pub mod xz;
pub mod zip;
pub mod zstd;

pub use model::*;
pub use registry::{identify, is_stream, Format, FORMATS};
