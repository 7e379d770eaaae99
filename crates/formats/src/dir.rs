//! Directories on disk, opened as a container of their (recursive) entries.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use crate::model::{Data, EntryKind, Field, FormatError, Member, Opened, Value};

/// Walks `root` without following symlinks; members are sorted by path so that two trees
/// pair up regardless of the order the file system returns entries in.
pub fn open(root: &Path) -> Result<Opened, FormatError> {
    let mut members = Vec::new();
    walk(root, root, &mut members)?;
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Opened {
        members,
        ..Default::default()
    })
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Member>) -> Result<(), FormatError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| FormatError::new(format!("cannot list directory {}: {e}", dir.display())))?;
    for entry in rd {
        let entry = entry.map_err(|e| FormatError::new(format!("cannot list directory {}: {e}", dir.display())))?;
        let path = entry.path();
        let md = std::fs::symlink_metadata(&path)
            .map_err(|e| FormatError::new(format!("cannot stat {}: {e}", path.display())))?;
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
        let ft = md.file_type();
        let (kind, data, size) = if ft.is_dir() {
            (EntryKind::Dir, None, 0)
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&path)
                .map_err(|e| FormatError::new(format!("cannot read link {}: {e}", path.display())))?;
            (
                EntryKind::Symlink {
                    target: target.to_string_lossy().into_owned(),
                },
                None,
                0,
            )
        } else if ft.is_file() {
            (EntryKind::File, Some(Data::File(path.clone())), md.len())
        } else if ft.is_char_device() {
            let (major, minor) = dev_parts(md.rdev());
            (EntryKind::CharDevice { major, minor }, None, 0)
        } else if ft.is_block_device() {
            let (major, minor) = dev_parts(md.rdev());
            (EntryKind::BlockDevice { major, minor }, None, 0)
        } else if ft.is_fifo() {
            (EntryKind::Fifo, None, 0)
        } else {
            (EntryKind::Socket, None, 0)
        };
        out.push(Member {
            name: rel,
            kind,
            fields: vec![
                Field::new("mode", Value::Mode(md.mode())),
                Field::new("uid", Value::Id(md.uid() as u64)),
                Field::new("gid", Value::Id(md.gid() as u64)),
                Field::new("mtime", Value::Time(md.mtime())),
            ],
            data,
            size,
        });
        if ft.is_dir() {
            walk(root, &path, out)?;
        }
    }
    Ok(())
}

/// Linux's encoding of a device number (glibc's gnu_dev_major/minor).
fn dev_parts(rdev: u64) -> (u32, u32) {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & !0xfff);
    let minor = (rdev & 0xff) | ((rdev >> 12) & !0xff);
    (major as u32, minor as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_nested_entries_sorted() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("b")).unwrap();
        std::fs::write(t.path().join("b/x.txt"), "x").unwrap();
        std::fs::write(t.path().join("a.txt"), "hello").unwrap();
        std::os::unix::fs::symlink("a.txt", t.path().join("c")).unwrap();
        let o = open(t.path()).unwrap();
        let names: Vec<_> = o.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b", "b/x.txt", "c"]);
        assert_eq!(o.members[0].size, 5);
        assert_eq!(o.members[3].kind, EntryKind::Symlink { target: "a.txt".into() });
    }
}
