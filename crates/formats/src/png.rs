//! PNG: being written (not identified yet).

use crate::model::{err, Blob, FormatError, Limits, Opened};
use crate::registry::Format;

pub struct Png;

impl Format for Png {
    fn name(&self) -> &'static str {
        "png"
    }

    fn identify(&self, _head: &[u8], _name: &str) -> bool {
        false
    }

    fn open(&self, _data: &Blob, _name: &str, _limits: &Limits) -> Result<Opened, FormatError> {
        err("png: not implemented yet")
    }
}
