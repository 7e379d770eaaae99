//! Library part of the `reproscope` binary crate: the built-in sample images used by
//! `reproscope demo` and by the tests.

pub mod sample;
