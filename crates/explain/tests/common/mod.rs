//! Helpers shared by the corpus tests.

use std::path::{Path, PathBuf};

/// The pair of a corpus directory: its `a.EXT` and `b.EXT` files.
pub fn pair_files(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut a = None;
    let mut b = None;
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        let name = p.file_name()?.to_string_lossy().into_owned();
        if name.starts_with("a.") {
            a = Some(p);
        } else if name.starts_with("b.") {
            b = Some(p);
        }
    }
    Some((a?, b?))
}
