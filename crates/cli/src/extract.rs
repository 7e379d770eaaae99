//! `reproscope ls` and `reproscope extract`: walk the nested tree of one file.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use reproscope_diff::{open_file_node, open_node, NodeView};
use reproscope_formats::{format_mode, hex, Blob, EntryKind, Limits, Member, ReleaseSet, Value};
use reproscope_report::human_size;
use sha2::{Digest, Sha256};

use crate::{base_name, read_input, Result, SAME, TROUBLE};

const MAX_LAYERS: usize = 32;

#[derive(clap::Args)]
pub struct LsArgs {
    file: PathBuf,
    /// Deepest nesting listed (0: only the top container's members).
    #[arg(long, default_value_t = 32)]
    depth: usize,
    /// Print whole sha256 digests instead of their first 16 digits.
    #[arg(long)]
    full_digests: bool,
}

#[derive(clap::Args)]
pub struct ExtractArgs {
    file: PathBuf,
    /// Output directory (created if missing).
    #[arg(short, long)]
    output: PathBuf,
    /// Also unpack nested archives, each into a directory NAME.d beside it.
    #[arg(short, long)]
    recursive: bool,
}

fn open(blob: Blob, name: &str, file: &str, path: &[String]) -> std::result::Result<NodeView, reproscope_diff::Error> {
    open_node(blob, name, &Limits::default(), file, path, MAX_LAYERS)
}

/// A member's content opened for listing or extraction: leniently for a regular file (see
/// [`open_file_node`]), strictly for structure.
fn open_member(m: &Member, blob: Blob, file: &str, path: &[String]) -> Result<NodeView> {
    if m.kind == EntryKind::File {
        return Ok(open_file_node(
            blob,
            base(&m.name),
            &Limits::default(),
            file,
            path,
            MAX_LAYERS,
        ));
    }
    Ok(open(blob, base(&m.name), file, path)?)
}

pub fn ls(a: LsArgs) -> Result<u8> {
    let file = a.file.display().to_string();
    let shown = |h: String| if a.full_digests { h } else { h[..16].to_string() };
    let digest = |b: &[u8]| shown(hex(&Sha256::digest(b)));
    if a.file.is_dir() {
        // A tree on disk: its entries, each opened like an archive's members.
        let d = reproscope_formats::dir::open(&a.file).map_err(|e| format!("{file}: {}", e.message))?;
        let mut view = NodeView::plain(Blob::from_vec(Vec::new()));
        view.members = Some(d.members);
        let mut out = std::io::stdout().lock();
        writeln!(out, "{file}  (directory)")?;
        list(&mut out, &view, &file, &mut Vec::new(), "", a.depth, &digest)?;
        return Ok(SAME);
    }
    let blob = read_input(&a.file)?;
    let view = open(blob.clone(), &base_name(&a.file), &file, &[])?;
    let mut out = std::io::stdout().lock();
    let fmt = view.format_label().unwrap_or_else(|| "data".into());
    // The input's digest, read in chunks whose pages are given back behind the read, so that a
    // large input is not made resident whole.
    let mut h = Sha256::new();
    let mut mark = 0;
    for (k, chunk) in blob.chunks(4 << 20).enumerate() {
        h.update(chunk);
        blob.release_behind((k << 22) + chunk.len(), &mut mark);
    }
    blob.release_all();
    let top = shown(hex(&h.finalize()));
    writeln!(out, "{file}  ({fmt}, {}, sha256 {top})", human_size(blob.len() as u64))?;
    let mut path = Vec::new();
    list(&mut out, &view, &file, &mut path, "", a.depth, &digest)?;
    Ok(SAME)
}

/// Bytes of members listed between two releases of their mapped pages.
const RELEASE_EVERY: u64 = 32 << 20;

fn list(
    out: &mut dyn Write,
    view: &NodeView,
    file: &str,
    path: &mut Vec<String>,
    prefix: &str,
    depth: usize,
    digest: &dyn Fn(&[u8]) -> String,
) -> Result<()> {
    let Some(members) = &view.members else { return Ok(()) };
    // Mapped pages of members already listed are given back every few dozen MB, as the engine
    // does, so listing a large archive does not keep all of it resident.
    let mut spent = ReleaseSet::default();
    let mut spent_bytes = 0u64;
    for (i, m) in members.iter().enumerate() {
        let last = i + 1 == members.len();
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let mut cols = vec![m.kind.label().to_string()];
        if let Some(Value::Mode(mode)) = m.field("mode") {
            cols.push(format_mode(*mode).split(' ').next().unwrap_or("").to_string());
        }
        match &m.kind {
            EntryKind::Symlink { target } | EntryKind::HardLink { target } => cols.push(format!("→ {target}")),
            _ => {}
        }
        let mut child = None;
        if let Some(data) = &m.data {
            path.push(m.name.clone());
            let blob = data
                .load()
                .map_err(|e| reproscope_diff::Error::new(file, path, e.message))?;
            cols.push(human_size(blob.len() as u64));
            cols.push(format!("sha256 {}", digest(&blob)));
            if depth > 0 && !matches!(m.kind, EntryKind::HardLink { .. }) {
                let v = open_member(m, blob, file, path)?;
                if let Some(f) = v.format_label() {
                    cols.push(f);
                }
                if let Some(why) = &v.unreadable {
                    cols.push(why.clone());
                }
                child = Some(v);
            }
            path.pop();
        }
        writeln!(out, "{prefix}{branch}{}  ({})", m.name, cols.join(", "))?;
        if let Some(v) = child {
            path.push(m.name.clone());
            list(out, &v, file, path, &format!("{prefix}{cont}"), depth - 1, digest)?;
            path.pop();
        }
        if let Some(data) = &m.data {
            spent.add_data(data);
            spent_bytes = spent_bytes.saturating_add(m.size);
            if spent_bytes >= RELEASE_EVERY {
                std::mem::take(&mut spent).release();
                spent_bytes = 0;
            }
        }
    }
    spent.release();
    Ok(())
}

fn base(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// A member name as a relative path that stays inside the output directory, or why not.
pub fn safe_relative(name: &str) -> std::result::Result<PathBuf, String> {
    let p = Path::new(name);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => return Err("path contains '..'".into()),
            Component::RootDir | Component::Prefix(_) => return Err("absolute path".into()),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path".into());
    }
    Ok(out)
}

/// Whether a symlink at `link` (relative to the root) pointing to `target` resolves inside the
/// root, judged lexically (every symlink extracted before it passed the same test).
pub fn symlink_stays_inside(link: &Path, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let mut depth: i64 = link.parent().map(|p| p.components().count() as i64).unwrap_or(0);
    for c in Path::new(target).components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

struct Extractor {
    file: String,
    recursive: bool,
    refused: usize,
    written: usize,
}

pub fn extract(a: ExtractArgs) -> Result<u8> {
    let file = a.file.display().to_string();
    let blob = read_input(&a.file)?;
    std::fs::create_dir_all(&a.output).map_err(|e| format!("{}: cannot create: {e}", a.output.display()))?;
    let view = open(blob, &base_name(&a.file), &file, &[])?;
    let mut x = Extractor {
        file: file.clone(),
        recursive: a.recursive,
        refused: 0,
        written: 0,
    };
    match &view.members {
        Some(members) => x.members(members, &a.output, &mut Vec::new())?,
        None => {
            // Plain content (perhaps after decompression): write it as one file.
            let name = if view.formats.is_empty() {
                base_name(&a.file)
            } else {
                "content".into()
            };
            write_file(&a.output.join(&name), &view.content)?;
            x.written += 1;
        }
    }
    println!("{}: {} entries written to {}", file, x.written, a.output.display());
    if x.refused > 0 {
        eprintln!("reproscope: {} entries refused (see above)", x.refused);
        return Ok(TROUBLE);
    }
    Ok(SAME)
}

impl Extractor {
    fn refuse(&mut self, path: &[String], name: &str, why: &str) {
        self.refused += 1;
        let mut p = path.to_vec();
        p.push(name.to_string());
        eprintln!("reproscope: refused: {} → {}: {why}", self.file, p.join(" → "));
    }

    fn members(&mut self, members: &[Member], root: &Path, path: &mut Vec<String>) -> Result<()> {
        for m in members {
            let rel = match safe_relative(&m.name) {
                Ok(r) => r,
                Err(why) => {
                    self.refuse(path, &m.name, &why);
                    continue;
                }
            };
            let dest = root.join(&rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
            }
            let mode = match m.field("mode") {
                Some(Value::Mode(md)) => Some(*md & 0o777),
                _ => None,
            };
            match &m.kind {
                EntryKind::Dir => {
                    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: cannot create: {e}", dest.display()))?;
                }
                EntryKind::Symlink { target } => {
                    if !symlink_stays_inside(&rel, target) {
                        self.refuse(
                            path,
                            &m.name,
                            &format!("symlink to {target} points outside the output directory"),
                        );
                        continue;
                    }
                    let _ = std::fs::remove_file(&dest);
                    std::os::unix::fs::symlink(target, &dest)
                        .map_err(|e| format!("{}: cannot create symlink: {e}", dest.display()))?;
                }
                EntryKind::CharDevice { .. } | EntryKind::BlockDevice { .. } => {
                    self.refuse(path, &m.name, "device node not extracted");
                    continue;
                }
                EntryKind::Fifo | EntryKind::Socket => {
                    self.refuse(path, &m.name, &format!("{} not extracted", m.kind.label()));
                    continue;
                }
                EntryKind::File | EntryKind::HardLink { .. } | EntryKind::Section => {
                    let Some(data) = &m.data else { continue };
                    path.push(m.name.clone());
                    let blob = data
                        .load()
                        .map_err(|e| reproscope_diff::Error::new(&self.file, path, e.message))?;
                    write_file(&dest, &blob)?;
                    if let Some(md) = mode {
                        use std::os::unix::fs::PermissionsExt;
                        let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(md | 0o200));
                    }
                    if self.recursive {
                        let v = open_member(m, blob, &self.file, path)?;
                        if let Some(why) = &v.unreadable {
                            eprintln!(
                                "reproscope: note: {} → {}: {why}; extracted as a plain file",
                                self.file,
                                path.join(" → ")
                            );
                        }
                        let mut sub = dest.clone().into_os_string();
                        sub.push(".d");
                        let sub = PathBuf::from(sub);
                        match &v.members {
                            Some(ms) => {
                                std::fs::create_dir_all(&sub)
                                    .map_err(|e| format!("{}: cannot create: {e}", sub.display()))?;
                                self.members(ms, &sub, path)?;
                            }
                            None if !v.formats.is_empty() => {
                                std::fs::create_dir_all(&sub)
                                    .map_err(|e| format!("{}: cannot create: {e}", sub.display()))?;
                                write_file(&sub.join("content"), &v.content)?;
                                self.written += 1;
                            }
                            None => {}
                        }
                    }
                    path.pop();
                }
            }
            self.written += 1;
        }
        Ok(())
    }
}

/// Writes a regular file; create_new (O_EXCL) never follows a symlink planted at `dest`.
fn write_file(dest: &Path, data: &[u8]) -> Result<()> {
    if let Ok(md) = std::fs::symlink_metadata(dest) {
        if md.file_type().is_symlink() || md.is_file() {
            std::fs::remove_file(dest).map_err(|e| format!("{}: cannot replace: {e}", dest.display()))?;
        }
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(|e| format!("{}: cannot create: {e}", dest.display()))?;
    f.write_all(data)
        .map_err(|e| format!("{}: cannot write: {e}", dest.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_checked() {
        assert_eq!(safe_relative("./a/b").unwrap(), PathBuf::from("a/b"));
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("a/../../x").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative(".").is_err());
    }

    #[test]
    fn symlink_escape_is_detected() {
        assert!(symlink_stays_inside(Path::new("a/link"), "../b"));
        assert!(!symlink_stays_inside(Path::new("a/link"), "../../b"));
        assert!(!symlink_stays_inside(Path::new("link"), "/etc"));
        assert!(symlink_stays_inside(Path::new("link"), "sub/./x"));
    }
}
