//! The reproscope comparison engine.
//!
//! [`compare_paths`] walks two inputs in step: identical bytes end the walk for a subtree at once;
//! otherwise containers are opened by their format, members are paired by name and compared in
//! parallel, metadata is compared field by field, text gets a unified diff and other bytes a
//! summary of changed ranges. The result is a [`Difference`] tree that renderers print.

// Untrusted input is parsed here: no unsafe code, so memory safety rests on the compiler.
#![forbid(unsafe_code)]

pub mod align;
mod bytes;
mod engine;
mod error;
mod json;
mod node;
mod rename;
mod strings;
mod textdiff;
mod tree;

pub use bytes::{byte_ranges, ByteRange};
pub use engine::{compare_blobs, compare_paths, Options, Progress};
pub use error::Error;
pub use node::{open_file_node, open_node, NodeView};
pub use rename::MIN_SIMILARITY;
pub use tree::{
    human_delta, Change, Difference, Digests, Evidence, FieldChange, MAX_ORDER_NAMES, MIN_STRING, RANGE_STRING_MAX,
    STRINGS_MAX, STRINGS_SPAN_MAX,
};
