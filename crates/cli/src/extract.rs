//! `reproscope ls` and `reproscope extract`: walk the nested tree of one file.
//!
//! Extraction never writes outside its output directory: names are reduced to plain components
//! (leading '/' removed, '..' skipped) and every path is resolved by [`crate::safefs`] without
//! following any symlink, whether the archive made it or it was there before.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use reproscope_diff::{open_file_node, open_node, NodeView};
use reproscope_formats::{format_mode, hex, Blob, EntryKind, Member, ReleaseSet, Value};
use reproscope_report::human_size;
use reproscope_report::visible;
use sha2::{Digest, Sha256};

use crate::safefs::{set_meta, Dir, Kind};
use crate::{base_name, read_input, Result, DIFFERENT, SAME, TROUBLE};

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
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
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
    /// With --recursive: nested archive levels unpacked; deeper archives stay plain files.
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_depth: usize,
    /// Do not restore modification times.
    #[arg(long)]
    no_times: bool,
    /// Write nothing, and exit 2, if any entry (nested archives included) would be skipped.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

fn open(blob: Blob, name: &str, file: &str, path: &[String]) -> std::result::Result<NodeView, reproscope_diff::Error> {
    open_node(blob, name, crate::limits::current(), file, path, MAX_LAYERS)
}

/// A member's content opened for listing or extraction: leniently for a regular file (see
/// [`open_file_node`]), strictly for structure.
fn open_member(m: &Member, blob: Blob, file: &str, path: &[String]) -> Result<NodeView> {
    if m.kind == EntryKind::File {
        return Ok(open_file_node(
            blob,
            base(&m.name),
            crate::limits::current(),
            file,
            path,
            MAX_LAYERS,
        ));
    }
    Ok(open(blob, base(&m.name), file, path)?)
}

pub fn ls(a: LsArgs) -> Result<u8> {
    a.limits.install();
    let file = a.file.display().to_string();
    let shown = |h: String| if a.full_digests { h } else { h[..16].to_string() };
    let digest = |b: &Blob| {
        let mut h = Sha256::new();
        let _ = through(b, |c| {
            h.update(c);
            Ok(())
        });
        shown(hex(&h.finalize()))
    };
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
    let top = digest(&blob);
    writeln!(out, "{file}  ({fmt}, {}, sha256 {top})", human_size(blob.len() as u64))?;
    let mut path = Vec::new();
    list(&mut out, &view, &file, &mut path, "", a.depth, &digest)?;
    Ok(SAME)
}

/// Feeds `blob` to `f` in 4 MiB chunks, giving its mapped pages back behind the read, so an
/// input or member far larger than memory is hashed or written without becoming resident.
fn through(blob: &Blob, mut f: impl FnMut(&[u8]) -> std::io::Result<()>) -> std::io::Result<()> {
    let (mut pos, mut mark) = (0, 0);
    for chunk in blob.chunks(4 << 20) {
        f(chunk)?;
        pos += chunk.len();
        blob.release_behind(pos, &mut mark);
    }
    blob.release_all();
    Ok(())
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
    digest: &dyn Fn(&Blob) -> String,
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
                .load_with(crate::limits::current())
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
        // Names, link targets and notes come from the input: shown, never obeyed.
        writeln!(
            out,
            "{prefix}{branch}{}  ({})",
            visible(&m.name),
            visible(&cols.join(", "))
        )?;
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

/// An archive member's name as path components below its container's directory, and whether
/// a leading '/' was removed; or why the member is skipped.
pub fn entry_path(name: &str) -> std::result::Result<(Vec<String>, bool), String> {
    if name.contains('\0') {
        return Err("the name contains a NUL byte".into());
    }
    let rel = name.trim_start_matches('/');
    let stripped = rel.len() != name.len();
    let mut out = Vec::new();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("the name has a '..' component".into()),
            c => out.push(c.to_string()),
        }
    }
    if out.is_empty() {
        return Err("empty name".into());
    }
    Ok((out, stripped))
}

/// What happened to one entry: written, or skipped and why.
enum Outcome {
    Written,
    Skipped(String),
}

/// Where extraction goes: the real output directory, or (for `--strict`) a dry run that decides
/// every entry the same way against an overlay of what the run would have made.
enum Fs {
    Real(Dir),
    Dry {
        /// The output directory when it already exists (only looked at, never changed).
        root: Option<Dir>,
        /// Paths the run would have made, by '/'-joined components.
        made: HashMap<String, Kind>,
    },
}

struct Extractor {
    file: String,
    out: PathBuf,
    fs: Fs,
    recursive: bool,
    max_depth: usize,
    times: bool,
    skipped: usize,
    written: usize,
    /// Directories from the archives, with their mode and mtime, applied after their contents.
    dirs: Vec<(Vec<String>, Option<u32>, Option<i64>)>,
}

type Io<T> = std::io::Result<T>;

fn strs(c: &[String]) -> Vec<&str> {
    c.iter().map(String::as_str).collect()
}

impl Fs {
    /// What is at `comps` (never following a link), in the dry run as the run would leave it.
    fn kind(&self, comps: &[String]) -> Io<Kind> {
        let (last, parent) = comps.split_last().expect("non-empty path");
        match self {
            Fs::Real(root) => match root.open_beneath(&strs(parent)) {
                Ok(d) => d.kind_of(last),
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP)) => {
                    Ok(Kind::Missing)
                }
                Err(e) => Err(e),
            },
            Fs::Dry { root, made } => {
                if let Some(k) = made.get(&comps.join("/")) {
                    return Ok(*k);
                }
                // Below a path the run would make or replace, nothing of the real tree remains.
                for i in 1..comps.len() {
                    if made.contains_key(&comps[..i].join("/")) && made[&comps[..i].join("/")] != Kind::Dir {
                        return Ok(Kind::Missing);
                    }
                }
                let Some(root) = root else { return Ok(Kind::Missing) };
                Fs::Real(root.open_here_dup()?).kind(comps)
            }
        }
    }

    /// The directory holding `comps`, its missing parents made; Err(reason) when a parent is a
    /// symlink or not a directory. None in the dry run.
    fn parent(&mut self, comps: &[String]) -> Io<std::result::Result<Option<Dir>, String>> {
        let parent = &comps[..comps.len() - 1];
        let blocked = |at: usize, kind: Kind| {
            format!(
                "its parent {} is {}; not followed",
                parent[..=at].join("/"),
                kind.label()
            )
        };
        match self {
            Fs::Real(root) => Ok(match root.make_dirs(&strs(parent))? {
                Ok(d) => Ok(Some(d)),
                Err(b) => Err(blocked(b.at, b.kind)),
            }),
            Fs::Dry { .. } => {
                for i in 1..=parent.len() {
                    match self.kind(&parent[..i])? {
                        Kind::Dir => {}
                        Kind::Missing => {
                            if let Fs::Dry { made, .. } = self {
                                made.insert(parent[..i].join("/"), Kind::Dir);
                            }
                        }
                        k => return Ok(Err(blocked(i - 1, k))),
                    }
                }
                Ok(Ok(None))
            }
        }
    }

    fn note_made(&mut self, comps: &[String], kind: Kind) {
        if let Fs::Dry { made, .. } = self {
            made.insert(comps.join("/"), kind);
        }
    }
}

impl Dir {
    fn open_here_dup(&self) -> Io<Dir> {
        self.open_beneath(&[])
    }
}

/// `a/b` and the name `b` of a path's last component.
fn last(comps: &[String]) -> &str {
    comps.last().map(String::as_str).unwrap_or("")
}

pub fn extract(a: ExtractArgs) -> Result<u8> {
    a.limits.install();
    let file = a.file.display().to_string();
    let blob = read_input(&a.file)?;
    let view = open(blob, &base_name(&a.file), &file, &[])?;
    let mut opts = Extractor {
        file: file.clone(),
        out: a.output.clone(),
        fs: Fs::Dry {
            root: None,
            made: HashMap::new(),
        },
        recursive: a.recursive,
        max_depth: a.max_depth,
        times: !a.no_times,
        skipped: 0,
        written: 0,
        dirs: Vec::new(),
    };
    if a.strict {
        // The whole tree is decided first, nested archives included; nothing is written unless
        // every entry would be.
        let root = match Dir::open_root(&a.output) {
            Ok(d) => Some(d),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("{}: cannot open: {e}", a.output.display()).into()),
        };
        opts.fs = Fs::Dry {
            root,
            made: HashMap::new(),
        };
        opts.run(&view, &a.file)?;
        if opts.skipped > 0 {
            eprintln!(
                "reproscope: {file}: {} entries would be skipped; nothing written (--strict)",
                opts.skipped
            );
            return Ok(TROUBLE);
        }
        opts.skipped = 0;
        opts.written = 0;
        opts.dirs.clear();
    }
    let root = Dir::create_root(&a.output).map_err(|e| format!("{}: cannot create: {e}", a.output.display()))?;
    opts.fs = Fs::Real(root);
    opts.run(&view, &a.file)?;
    println!("{}: {} entries written to {}", file, opts.written, a.output.display());
    if opts.skipped > 0 {
        eprintln!("reproscope: {file}: {} entries skipped (listed above)", opts.skipped);
        return Ok(DIFFERENT);
    }
    Ok(SAME)
}

impl Extractor {
    fn run(&mut self, view: &NodeView, input: &Path) -> Result<()> {
        let mut path = Vec::new();
        match &view.members {
            Some(members) => self.members(members, &[], &mut path, 0)?,
            None => {
                // Plain content (perhaps after decompression): one file.
                let name = if view.formats.is_empty() {
                    base_name(input)
                } else {
                    "content".into()
                };
                self.file_entry(std::slice::from_ref(&name), &view.content, None, None, &path, &name)?;
            }
        }
        self.finish_dirs()
    }

    fn where_(&self, path: &[String], name: &str) -> String {
        let mut p = vec![self.file.clone()];
        p.extend(path.iter().cloned());
        p.push(name.to_string());
        // Names come from the archive: shown, never obeyed, by the terminal.
        visible(&p.join(" → ")).into_owned()
    }

    fn skip(&mut self, path: &[String], name: &str, why: &str) {
        self.skipped += 1;
        let label = if matches!(self.fs, Fs::Dry { .. }) {
            "refused (--strict)"
        } else {
            "skipped"
        };
        eprintln!("reproscope: {label}: {}: {}", self.where_(path, name), visible(why));
    }

    /// An I/O error as trouble, naming the archive entry and the file on disk.
    fn trouble(
        &self,
        path: &[String],
        name: &str,
        comps: &[String],
        what: &str,
        e: std::io::Error,
    ) -> Box<dyn std::error::Error> {
        format!(
            "{}: cannot {what} {}: {e}",
            self.where_(path, name),
            self.out.join(comps.join("/")).display()
        )
        .into()
    }

    fn outcome(&mut self, o: Outcome, path: &[String], name: &str) -> bool {
        match o {
            Outcome::Written => {
                self.written += 1;
                true
            }
            Outcome::Skipped(why) => {
                self.skip(path, name, &why);
                false
            }
        }
    }

    fn members(&mut self, members: &[Member], base: &[String], path: &mut Vec<String>, level: usize) -> Result<()> {
        // Regular files written from this container, by member name (hard links may only point
        // to these), and cpio hard-link groups written before their data-carrying entry.
        let mut files: HashMap<&str, Vec<String>> = HashMap::new();
        let mut early_links: HashMap<&str, Vec<String>> = HashMap::new();
        for m in members {
            let comps = match entry_path(&m.name) {
                Ok((c, stripped)) => {
                    // Readers remove a stored leading '/' and keep the stored name as a field.
                    let stored = match m.field(reproscope_formats::STORED_NAME) {
                        Some(Value::Path(p)) => Some(p.as_str()),
                        _ => None,
                    };
                    if stripped || stored.is_some() {
                        eprintln!(
                            "reproscope: warning: {}: leading '/' removed{}",
                            self.where_(path, &m.name),
                            stored
                                .map(|p| format!(" (stored as {})", visible(p)))
                                .unwrap_or_default()
                        );
                    }
                    let mut full = base.to_vec();
                    full.extend(c);
                    full
                }
                Err(why) => {
                    self.skip(path, &m.name, &why);
                    continue;
                }
            };
            let mode = match m.field("mode") {
                Some(Value::Mode(md)) => Some(*md),
                _ => None,
            };
            let mtime = match m.field("mtime") {
                Some(Value::Time(t)) if self.times => Some(*t),
                _ => None,
            };
            match &m.kind {
                EntryKind::Dir => {
                    let o = self.dir_entry(&comps, path, &m.name)?;
                    if self.outcome(o, path, &m.name) {
                        self.dirs.push((comps, mode, mtime));
                    }
                }
                EntryKind::Symlink { target } => {
                    let o = self.symlink_entry(&comps, target, mtime, path, &m.name)?;
                    self.outcome(o, path, &m.name);
                }
                EntryKind::CharDevice { major, minor } | EntryKind::BlockDevice { major, minor } => {
                    let why = format!("{} {major}:{minor} not extracted", m.kind.label());
                    self.skip(path, &m.name, &why);
                }
                EntryKind::Fifo | EntryKind::Socket => {
                    self.skip(path, &m.name, &format!("{} not extracted", m.kind.label()));
                }
                EntryKind::HardLink { target } => {
                    if let Some(src) = files.get(target.as_str()) {
                        let src = src.clone();
                        let o = self.link_entry(&src, &comps, path, &m.name)?;
                        if self.outcome(o, path, &m.name) {
                            files.insert(&m.name, comps);
                        }
                        continue;
                    }
                    let later = members
                        .iter()
                        .any(|x| x.name == *target && x.kind == EntryKind::File && x.data.is_some());
                    match (&m.data, later) {
                        // A cpio hard-link group whose data comes with a later entry: this one
                        // is written with the group's content, the later one linked to it.
                        (Some(data), true) => {
                            path.push(m.name.clone());
                            let blob = data
                                .load_with(crate::limits::current())
                                .map_err(|e| reproscope_diff::Error::new(&self.file, path, e.message))?;
                            path.pop();
                            if self.file_entry(&comps, &blob, mode, mtime, path, &m.name)? {
                                early_links.entry(target.as_str()).or_insert_with(|| comps.clone());
                                files.insert(&m.name, comps);
                            }
                        }
                        _ => self.skip(
                            path,
                            &m.name,
                            &format!("hard link to {target}: not a regular file extracted earlier from this archive"),
                        ),
                    }
                }
                EntryKind::File | EntryKind::Section => {
                    let Some(data) = &m.data else { continue };
                    if let Some(src) = early_links.get(m.name.as_str()) {
                        let src = src.clone();
                        let o = self.link_entry(&src, &comps, path, &m.name)?;
                        if self.outcome(o, path, &m.name) {
                            files.insert(&m.name, comps);
                        }
                        continue;
                    }
                    path.push(m.name.clone());
                    let blob = data
                        .load_with(crate::limits::current())
                        .map_err(|e| reproscope_diff::Error::new(&self.file, path, e.message))?;
                    path.pop();
                    if !self.file_entry(&comps, &blob, mode, mtime, path, &m.name)? {
                        continue;
                    }
                    files.insert(&m.name, comps.clone());
                    if self.recursive {
                        path.push(m.name.clone());
                        self.nested(m, blob, &comps, path, level)?;
                        path.pop();
                    }
                }
            }
        }
        Ok(())
    }

    /// A member that is itself an archive (or a compressed stream), unpacked into `NAME.d`.
    fn nested(&mut self, m: &Member, blob: Blob, comps: &[String], path: &mut Vec<String>, level: usize) -> Result<()> {
        let v = open_member(m, blob, &self.file, path)?;
        if let Some(why) = &v.unreadable {
            eprintln!(
                "reproscope: note: {}: {why}; extracted as a plain file",
                self.where_(&path[..path.len() - 1], &m.name)
            );
        }
        if v.members.is_none() && v.formats.is_empty() {
            return Ok(());
        }
        if level >= self.max_depth {
            eprintln!(
                "reproscope: note: {}: nested archive not unpacked: deeper than --max-depth {}; written as a plain file",
                self.where_(&path[..path.len() - 1], &m.name),
                self.max_depth
            );
            return Ok(());
        }
        let mut sub = comps.to_vec();
        let name = format!("{}.d", last(comps));
        *sub.last_mut().expect("non-empty path") = name.clone();
        let here = &path[..path.len() - 1];
        // Unlike a directory entry, NAME.d never replaces what is there: a link planted at
        // that name (by the archive or before) is reported, and the nested archive left packed.
        let o = match self.kind(&sub, here, &name)? {
            Kind::Missing | Kind::Dir => self.dir_entry(&sub, here, &name)?,
            k => Outcome::Skipped(format!("{} is {}; not followed", sub.join("/"), k.label())),
        };
        if let Outcome::Skipped(why) = o {
            let why = format!("nested archive not unpacked: {why}");
            self.skip(here, &m.name, &why);
            return Ok(());
        }
        match &v.members {
            Some(ms) => self.members(ms, &sub, path, level + 1)?,
            None => {
                let mut content = sub.clone();
                content.push("content".into());
                self.file_entry(&content, &v.content, None, None, path, "content")?;
            }
        }
        Ok(())
    }

    /// A directory at `comps`: made when missing; a non-directory there is replaced (a link is
    /// removed, never followed).
    fn dir_entry(&mut self, comps: &[String], path: &[String], name: &str) -> Result<Outcome> {
        let parent = match self.parent(comps, path, name)? {
            Ok(p) => p,
            Err(why) => return Ok(Outcome::Skipped(why)),
        };
        let leaf = last(comps);
        let kind = self.kind(comps, path, name)?;
        if let Some(p) = parent {
            let r = match kind {
                Kind::Dir => Ok(()),
                Kind::Missing => p.mkdir(leaf),
                _ => p.unlink(leaf).and_then(|()| p.mkdir(leaf)),
            };
            r.map_err(|e| self.trouble(path, name, comps, "create the directory", e))?;
        }
        self.fs.note_made(comps, Kind::Dir);
        Ok(Outcome::Written)
    }

    /// A regular file; whatever non-directory was at its place is removed first. Returns whether
    /// it was written (a skip is listed).
    fn file_entry(
        &mut self,
        comps: &[String],
        data: &Blob,
        mode: Option<u32>,
        mtime: Option<i64>,
        path: &[String],
        name: &str,
    ) -> Result<bool> {
        let o = self.replace(comps, path, name, |p, leaf| {
            let mut f = p.create_file(leaf)?;
            through(data, |c| f.write_all(c))?;
            set_meta(&f, mode, mtime)
        })?;
        Ok(self.outcome(o, path, name))
    }

    fn symlink_entry(
        &mut self,
        comps: &[String],
        target: &str,
        mtime: Option<i64>,
        path: &[String],
        name: &str,
    ) -> Result<Outcome> {
        let o = self.replace(comps, path, name, |p, leaf| {
            p.symlink(target, leaf)?;
            match mtime {
                Some(t) => p.set_mtime_nofollow(leaf, t),
                None => Ok(()),
            }
        })?;
        if let Outcome::Written = o {
            self.fs.note_made(comps, Kind::Symlink);
        }
        Ok(o)
    }

    /// A hard link at `comps` to `src`, a regular file this run wrote.
    fn link_entry(&mut self, src: &[String], comps: &[String], path: &[String], name: &str) -> Result<Outcome> {
        if self.kind(src, path, name)? != Kind::File {
            return Ok(Outcome::Skipped(format!(
                "hard link to {}: no longer a regular file written by this run",
                src.join("/")
            )));
        }
        if src == comps {
            return Ok(Outcome::Written);
        }
        let from = match &self.fs {
            Fs::Real(root) => Some(
                root.open_beneath(&strs(&src[..src.len() - 1]))
                    .map_err(|e| self.trouble(path, name, src, "open the directory of", e))?,
            ),
            Fs::Dry { .. } => None,
        };
        let o = self.replace(comps, path, name, |p, leaf| match &from {
            Some(from) => from.hard_link(last(src), p, leaf),
            None => Ok(()),
        })?;
        Ok(o)
    }

    /// Writes a non-directory at `comps` with `make(parent, name)` after removing what was
    /// there; a directory in the way or a parent that is not a directory skips the entry.
    fn replace(
        &mut self,
        comps: &[String],
        path: &[String],
        name: &str,
        make: impl FnOnce(&Dir, &str) -> std::io::Result<()>,
    ) -> Result<Outcome> {
        let parent = match self.parent(comps, path, name)? {
            Ok(p) => p,
            Err(why) => return Ok(Outcome::Skipped(why)),
        };
        if self.kind(comps, path, name)? == Kind::Dir {
            return Ok(Outcome::Skipped(format!(
                "a directory is in the way at {}",
                comps.join("/")
            )));
        }
        if let Some(p) = parent {
            let leaf = last(comps);
            p.unlink(leaf)
                .map_err(|e| self.trouble(path, name, comps, "remove", e))?;
            make(&p, leaf).map_err(|e| self.trouble(path, name, comps, "write", e))?;
        }
        self.fs.note_made(comps, Kind::File);
        Ok(Outcome::Written)
    }

    fn parent(
        &mut self,
        comps: &[String],
        path: &[String],
        name: &str,
    ) -> Result<std::result::Result<Option<Dir>, String>> {
        let r = self.fs.parent(comps);
        r.map_err(|e| self.trouble(path, name, &comps[..comps.len() - 1], "create the directory", e))
    }

    fn kind(&self, comps: &[String], path: &[String], name: &str) -> Result<Kind> {
        self.fs
            .kind(comps)
            .map_err(|e| self.trouble(path, name, comps, "look at", e))
    }

    /// Modes and times of the archives' directories, deepest first, once everything inside them
    /// is written: a read-only directory does not stop its own contents.
    fn finish_dirs(&mut self) -> Result<()> {
        let Fs::Real(root) = &self.fs else { return Ok(()) };
        let mut dirs = std::mem::take(&mut self.dirs);
        dirs.sort_by_key(|d| std::cmp::Reverse(d.0.len()));
        for (comps, mode, mtime) in dirs {
            if mode.is_none() && mtime.is_none() {
                continue;
            }
            let r = root
                .open_beneath(&strs(&comps))
                .and_then(|d| set_meta(d.file(), mode, mtime));
            if let Err(e) = r {
                return Err(format!(
                    "{}: cannot set the mode and time of {}: {e}",
                    self.file,
                    self.out.join(comps.join("/")).display()
                )
                .into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_follow_the_policy() {
        let p = |n: &str| entry_path(n).map(|(c, s)| (c.join("/"), s));
        assert_eq!(p("./a/b"), Ok(("a/b".into(), false)));
        assert_eq!(p("a//b/"), Ok(("a/b".into(), false)));
        assert_eq!(p("/etc/passwd"), Ok(("etc/passwd".into(), true)));
        assert_eq!(p("//x"), Ok(("x".into(), true)));
        assert!(p("../x").unwrap_err().contains("'..'"));
        assert!(p("a/../../x").unwrap_err().contains("'..'"));
        assert!(p("a/..").is_err());
        assert!(p(".").is_err());
        assert!(p("/").is_err());
        assert!(p("a\0b").is_err());
    }

    fn member(name: &str, kind: EntryKind, data: Option<&[u8]>) -> Member {
        Member {
            name: name.into(),
            kind,
            fields: vec![
                reproscope_formats::Field::new("mode", Value::Mode(0o104755)),
                reproscope_formats::Field::new("mtime", Value::Time(1_000_000)),
            ],
            size: data.map_or(0, |d| d.len() as u64),
            data: data.map(|d| reproscope_formats::Data::Blob(Blob::from_vec(d.to_vec()))),
        }
    }

    fn extractor(out: &Path, dry: bool) -> Extractor {
        let fs = if dry {
            Fs::Dry {
                root: Dir::open_root(out).ok(),
                made: HashMap::new(),
            }
        } else {
            Fs::Real(Dir::create_root(out).unwrap())
        };
        Extractor {
            file: "t.tar".into(),
            out: out.to_path_buf(),
            fs,
            recursive: false,
            max_depth: 8,
            times: true,
            skipped: 0,
            written: 0,
            dirs: Vec::new(),
        }
    }

    /// The dry run (--strict) decides every entry as the real run does.
    #[test]
    fn dry_run_agrees_with_the_real_run() {
        let sym = |t: &str| EntryKind::Symlink { target: t.into() };
        let members = vec![
            member("a", EntryKind::Dir, None),
            member("a/up", sym(".."), None),
            member("a/up/esc", sym(".."), None),
            member("a/up/esc/X", EntryKind::File, Some(b"x")),
            member("f", EntryKind::File, Some(b"data")),
            member("f/under", EntryKind::File, Some(b"x")),
            member("h", EntryKind::HardLink { target: "f".into() }, Some(b"data")),
            member(
                "h2",
                EntryKind::HardLink {
                    target: "/etc/passwd".into(),
                },
                None,
            ),
            member("a", sym("/"), None),
            member("d/e/g", EntryKind::File, Some(b"deep")),
            member("pre/x", EntryKind::File, Some(b"through a planted link")),
        ];
        let t = tempfile::tempdir().unwrap();
        let (dry_out, real_out) = (t.path().join("dry"), t.path().join("real"));
        for o in [&dry_out, &real_out] {
            std::fs::create_dir(o).unwrap();
            std::os::unix::fs::symlink(t.path(), o.join("pre")).unwrap();
        }
        let mut dry = extractor(&dry_out, true);
        dry.members(&members, &[], &mut Vec::new(), 0).unwrap();
        let mut real = extractor(&real_out, false);
        real.members(&members, &[], &mut Vec::new(), 0).unwrap();
        real.finish_dirs().unwrap();
        // Skipped: a/up/esc, a/up/esc/X, f/under, h2, a (a directory is in the way), pre/x.
        assert_eq!((dry.skipped, dry.written), (6, 5));
        assert_eq!((real.skipped, real.written), (6, 5));
        assert_eq!(
            std::fs::read_dir(&dry_out).unwrap().count(),
            1,
            "the dry run wrote nothing"
        );
        assert!(!t.path().join("X").exists() && !t.path().join("x").exists());
        use std::os::unix::fs::MetadataExt;
        let f = std::fs::metadata(real_out.join("f")).unwrap();
        assert_eq!(f.mode() & 0o7777, 0o755, "setuid dropped");
        assert_eq!(f.mtime(), 1_000_000);
        assert_eq!(f.nlink(), 2, "h is a hard link of f");
        let a = std::fs::metadata(real_out.join("a")).unwrap();
        assert!(a.is_dir() && a.mode() & 0o7777 == 0o755 && a.mtime() == 1_000_000);
        assert_eq!(std::fs::read_link(real_out.join("a/up")).unwrap(), Path::new(".."));
        assert_eq!(std::fs::read(real_out.join("d/e/g")).unwrap(), b"deep");
    }
}
