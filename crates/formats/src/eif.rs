//! eif (stub: being written).

use crate::model::{err, Blob, FormatError, Limits, Opened};
use crate::registry::Format;

pub struct Eif;

impl Format for Eif {
    fn name(&self) -> &'static str {
        "eif"
    }
    fn identify(&self, _head: &[u8], _name: &str) -> bool {
        false
    }
    fn open(&self, _data: &Blob, _name: &str, _limits: &Limits) -> Result<Opened, FormatError> {
        err("not implemented")
    }
}
