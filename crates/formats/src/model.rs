//! The typed node model shared by every format, the diff engine and the renderers.

use std::fmt;
use std::ops::{Deref, Range};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

/// Bytes of one node: shared and cheap to clone and slice, backed by memory or a mapped file.
#[derive(Clone)]
pub struct Blob {
    backing: Arc<Backing>,
    start: usize,
    len: usize,
}

enum Backing {
    Vec(Vec<u8>),
    Mmap(memmap2::Mmap),
}

impl Backing {
    fn bytes(&self) -> &[u8] {
        match self {
            Backing::Vec(v) => v,
            Backing::Mmap(m) => m,
        }
    }
}

impl Blob {
    pub fn from_vec(v: Vec<u8>) -> Blob {
        let len = v.len();
        Blob {
            backing: Arc::new(Backing::Vec(v)),
            start: 0,
            len,
        }
    }

    /// Maps a regular file read-only (an empty file gets an empty buffer: mmap refuses length 0).
    pub fn from_file(path: &Path) -> std::io::Result<Blob> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(Blob::from_vec(Vec::new()));
        }
        // SAFETY: the map is read-only; a file truncated by another process while mapped would
        // fault, which is the same contract every mmap-based reader accepts.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        let len = map.len();
        Ok(Blob {
            backing: Arc::new(Backing::Mmap(map)),
            start: 0,
            len,
        })
    }

    /// An input as it comes: a regular file is mapped; a pipe, FIFO or socket (`<(cmd)`,
    /// `/dev/stdin`), `-` (standard input) and a regular file whose size says nothing (`/proc`
    /// files report 0) are read to their end as a stream, through a [`Sink`] that spills past
    /// 16 MiB; a directory or a device is refused by its type and never read.
    pub fn from_input(path: &Path) -> std::io::Result<Blob> {
        use std::os::unix::fs::FileTypeExt;
        if path.as_os_str() == "-" {
            return Blob::from_reader(std::io::stdin().lock());
        }
        let kind = std::fs::metadata(path)?.file_type();
        if let Some(what) = InputKind::of(kind).refused() {
            return Err(std::io::Error::other(format!("is {what}; not read")));
        }
        if kind.is_fifo() || kind.is_socket() {
            return Blob::from_reader(std::fs::File::open(path)?);
        }
        let blob = Blob::from_file(path)?;
        if blob.is_empty() {
            return Blob::from_reader(std::fs::File::open(path)?);
        }
        Ok(blob)
    }

    /// Everything `r` yields, kept as a [`Sink`] keeps decoded streams.
    fn from_reader(mut r: impl std::io::Read) -> std::io::Result<Blob> {
        let mut sink = Sink::new(None, u64::MAX);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            sink.write(&buf[..n]).map_err(|e| std::io::Error::other(e.message))?;
        }
        sink.finish().map_err(|e| std::io::Error::other(e.message))
    }

    /// A sub-range; out-of-range requests are clamped, so callers check bounds first.
    pub fn slice(&self, r: Range<usize>) -> Blob {
        let end = r.end.min(self.len);
        let start = r.start.min(end);
        Blob {
            backing: self.backing.clone(),
            start: self.start + start,
            len: end - start,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.backing.bytes()[self.start..self.start + self.len]
    }

    /// True when the bytes are a mapped file (an input or a spilled stream), not heap memory.
    pub fn is_mapped(&self) -> bool {
        matches!(*self.backing, Backing::Mmap(_))
    }

    /// Tells the kernel the mapped pages of `r` (relative to this blob) are not needed for now:
    /// they leave resident memory and are read back from the file if touched again. The range
    /// is widened to the 2 MiB-aligned blocks around it: the kernel maps a faulting page's
    /// neighbours too ("fault-around", and whole large page-cache folios, up to 2 MiB);
    /// dropping a neighbour's pages costs it at most a minor fault. Heap blobs are left alone.
    pub fn release(&self, r: Range<usize>) {
        let Backing::Mmap(map) = &*self.backing else {
            return;
        };
        const AROUND: usize = 2 << 20;
        let end = r.end.min(self.len);
        let start = r.start.min(end);
        if start == end {
            return;
        }
        let first = (self.start + start).saturating_sub(AROUND) / AROUND * AROUND;
        let last = ((self.start + end).saturating_add(AROUND).div_ceil(AROUND) * AROUND).min(map.len());
        if last > first {
            // SAFETY: the map is read-only and file-backed, so dropping pages loses nothing:
            // any later read faults them back in from the file. `first` is page-aligned and the
            // range ends within the map.
            let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, first, last - first) };
        }
    }

    /// For sequential parsers of large inputs: gives back the pages before `pos` once it is a
    /// few MiB past the point last released (`*mark`), so a parse does not hold the whole file.
    pub fn release_behind(&self, pos: usize, mark: &mut usize) {
        if pos >= *mark + (16 << 20) {
            self.release(*mark..pos);
            *mark = pos;
        }
    }

    /// [`Blob::release`] of the whole blob.
    pub fn release_all(&self) {
        self.release(0..self.len);
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.len)
    }
}

/// Where a member's bytes come from: already in memory, a file to map when needed (so a
/// directory of thousands of files does not hold thousands of maps at once), or stored bytes to
/// decode when needed (so opening a zip or squashfs decompresses nothing up front).
#[derive(Clone, Debug)]
pub enum Data {
    Blob(Blob),
    File(PathBuf),
    Lazy(Arc<dyn Loader>),
}

/// Content produced on demand, typically by decompressing stored bytes.
pub trait Loader: Send + Sync + fmt::Debug {
    /// Produces the content. Large output should go through [`Sink`] so it spills to disk.
    fn load(&self, limits: &Limits) -> Result<Blob, FormatError>;
    /// What determines the content without producing it: a method tag (with every parameter
    /// that affects decoding) and the stored bytes. Equal fingerprints mean equal content, so
    /// the engine can skip decoding; `None` when there is no cheap answer.
    fn fingerprint(&self) -> Option<(String, Vec<Blob>)> {
        None
    }
    /// The stored bytes a load reads, so their mapped pages can be given back after a
    /// comparison; cheaper than [`Loader::fingerprint`], which also builds its tag.
    fn stored(&self) -> Vec<Blob> {
        Vec::new()
    }
}

impl Data {
    pub fn load(&self) -> Result<Blob, FormatError> {
        self.load_with(&Limits::default())
    }

    pub fn load_with(&self, limits: &Limits) -> Result<Blob, FormatError> {
        match self {
            Data::Blob(b) => Ok(b.clone()),
            Data::File(p) => {
                Blob::from_file(p).map_err(|e| FormatError::new(format!("cannot read {}: {e}", p.display())))
            }
            Data::Lazy(l) => {
                // Decoding draws from the run's budget, when there is one (ls, extract).
                let max = limits.stream_max();
                let b = l.load(&limits.for_stream()).map_err(|e| limits.explain_limit(e, max))?;
                limits.charge(b.len() as u64, 0)?;
                Ok(b)
            }
        }
    }

    /// True when both are known to hold the same bytes without loading or reading them: the
    /// same slice of one buffer, or lazy data with equal fingerprints. (Two blobs are compared
    /// byte by byte by whoever compares their content; doing it here too would read them twice.)
    pub fn known_equal(&self, other: &Data) -> bool {
        match (self, other) {
            (Data::Blob(a), Data::Blob(b)) => {
                Arc::ptr_eq(&a.backing, &b.backing) && a.start == b.start && a.len == b.len
            }
            (Data::Lazy(a), Data::Lazy(b)) => match (a.fingerprint(), b.fingerprint()) {
                (Some((ta, pa)), Some((tb, pb))) => {
                    ta == tb && pa.len() == pb.len() && pa.iter().zip(&pb).all(|(x, y)| blobs_equal(x, y))
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// Byte equality in chunks, giving mapped pages back as it goes, so comparing two large mapped
/// inputs does not hold both in resident memory.
pub fn blobs_equal(a: &Blob, b: &Blob) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if Arc::ptr_eq(&a.backing, &b.backing) && a.start == b.start {
        return true;
    }
    const CHUNK: usize = 8 << 20;
    if a.len() <= CHUNK {
        // Small: the caller releases whole batches of members.
        return a[..] == b[..];
    }
    let mut at = 0;
    while at < a.len() {
        let end = (at + CHUNK).min(a.len());
        if a[at..end] != b[at..end] {
            return false;
        }
        a.release(at..end);
        b.release(at..end);
        at = end;
    }
    true
}

/// The mapped ranges a piece of work touched, one span per mapping, released together.
#[derive(Default)]
pub struct ReleaseSet {
    spans: Vec<(Arc<Backing>, usize, usize)>,
}

impl ReleaseSet {
    pub fn add(&mut self, b: &Blob) {
        if !b.is_mapped() || b.len == 0 {
            return;
        }
        let (s, e) = (b.start, b.start + b.len);
        match self.spans.iter_mut().find(|x| Arc::ptr_eq(&x.0, &b.backing)) {
            Some(x) => {
                x.1 = x.1.min(s);
                x.2 = x.2.max(e);
            }
            None => self.spans.push((b.backing.clone(), s, e)),
        }
    }

    /// Adds a member's bytes: the blob itself, or the stored bytes a lazy loader decodes.
    pub fn add_data(&mut self, d: &Data) {
        match d {
            Data::Blob(b) => self.add(b),
            Data::Lazy(l) => {
                for piece in l.stored() {
                    self.add(&piece);
                }
            }
            Data::File(_) => {}
        }
    }

    pub fn release(self) {
        for (backing, start, end) in self.spans {
            Blob {
                backing,
                start,
                len: end - start,
            }
            .release_all();
        }
    }
}

/// What a path names, as far as reading it as an input goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A regular file, a pipe, FIFO or socket: read.
    Readable,
    Directory,
    CharDevice,
    BlockDevice,
}

impl InputKind {
    pub fn of(t: std::fs::FileType) -> InputKind {
        use std::os::unix::fs::FileTypeExt;
        if t.is_dir() {
            InputKind::Directory
        } else if t.is_char_device() {
            InputKind::CharDevice
        } else if t.is_block_device() {
            InputKind::BlockDevice
        } else {
            InputKind::Readable
        }
    }

    /// What to call it when it cannot be read as a file: "a character device", ...
    pub fn refused(self) -> Option<&'static str> {
        match self {
            InputKind::Readable => None,
            InputKind::Directory => Some("a directory"),
            InputKind::CharDevice => Some("a character device"),
            InputKind::BlockDevice => Some("a block device"),
        }
    }
}

/// Collects decoded output in memory up to a threshold, then in an anonymous temporary file
/// (deleted by the OS on every exit path) that is mapped when done. This keeps resident memory
/// bounded whatever a stream decompresses to.
pub struct Sink {
    buf: Vec<u8>,
    file: Option<std::io::BufWriter<std::fs::File>>,
    written: u64,
    max: u64,
    spill_now: bool,
}

/// Output above this size goes to a temporary file instead of memory.
pub const SPILL_THRESHOLD: usize = 16 << 20;

impl Sink {
    /// `hint` is the expected size (trusted only to pick memory vs disk and a first capacity);
    /// `max` the most bytes allowed (the caller's decompression limit).
    pub fn new(hint: Option<u64>, max: u64) -> Sink {
        // Announced as large: straight to disk, without first filling a buffer that size.
        let big = hint.is_some_and(|h| h > SPILL_THRESHOLD as u64);
        let cap = if big { 0 } else { hint.map_or(1 << 16, |h| h as usize) };
        Sink {
            buf: Vec::with_capacity(cap),
            file: None,
            written: 0,
            max,
            spill_now: big,
        }
    }

    pub fn len(&self) -> u64 {
        self.written
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Appends bytes; fails when the total would pass the limit or the temporary file fails.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), FormatError> {
        use std::io::Write;
        let total = self.written + bytes.len() as u64;
        if total > self.max {
            return Err(limit_error(self.max));
        }
        if self.file.is_none() && (self.spill_now || self.buf.len() + bytes.len() > SPILL_THRESHOLD) {
            let f = tempfile::tempfile().map_err(|e| FormatError::new(format!("cannot create temporary file: {e}")))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            w.write_all(&self.buf).map_err(spill_error)?;
            self.buf = Vec::new();
            self.file = Some(w);
        }
        match &mut self.file {
            Some(w) => w.write_all(bytes).map_err(spill_error)?,
            None => self.buf.extend_from_slice(bytes),
        }
        self.written = total;
        Ok(())
    }

    /// The collected bytes: the vector itself, or the temporary file mapped read-only.
    pub fn finish(self) -> Result<Blob, FormatError> {
        match self.file {
            None => {
                let mut v = self.buf;
                if v.capacity() - v.len() > v.len() / 8 {
                    v.shrink_to_fit();
                }
                Ok(Blob::from_vec(v))
            }
            Some(w) => {
                let f = w.into_inner().map_err(|e| spill_error(e.into_error()))?;
                // SAFETY: the file is anonymous (no other process can open it) and we stopped
                // writing; the map is read-only.
                let map = unsafe { memmap2::Mmap::map(&f) }.map_err(spill_error)?;
                let len = map.len();
                Ok(Blob {
                    backing: Arc::new(Backing::Mmap(map)),
                    start: 0,
                    len,
                })
            }
        }
    }
}

fn spill_error(e: std::io::Error) -> FormatError {
    FormatError::new(format!("cannot write temporary file: {e}"))
}

/// Content stored in pieces (an ISO 9660 multi-extent file, the bytes an ELF file has outside
/// its sections), joined only when compared, through a [`Sink`]: opening copies nothing, and
/// a join larger than memory spills to disk.
#[derive(Debug)]
pub struct Concat {
    /// A tag naming what is joined (the format and kind), part of the fingerprint.
    pub tag: &'static str,
    pub pieces: Vec<Blob>,
}

impl Loader for Concat {
    fn load(&self, limits: &Limits) -> Result<Blob, FormatError> {
        let total: u64 = self.pieces.iter().map(|p| p.len() as u64).sum();
        let mut sink = Sink::new(Some(total), limits.max_decompressed);
        for p in &self.pieces {
            // In 16 MiB steps, giving the mapped input back as it goes.
            for at in (0..p.len()).step_by(16 << 20) {
                let end = (at + (16 << 20)).min(p.len());
                sink.write(&p[at..end])?;
                p.release(at..end);
            }
        }
        sink.finish()
    }

    fn fingerprint(&self) -> Option<(String, Vec<Blob>)> {
        let sizes: Vec<String> = self.pieces.iter().map(|p| p.len().to_string()).collect();
        Some((format!("{}:{}", self.tag, sizes.join(",")), self.pieces.clone()))
    }

    fn stored(&self) -> Vec<Blob> {
        self.pieces.clone()
    }
}

/// A typed metadata value. The type is what lets the explainer tell a timestamp from an offset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Value {
    /// Seconds since the Unix epoch, UTC.
    Time(i64),
    /// Unix mode bits (permissions, and the file type bits where the format stores them).
    Mode(u32),
    /// A numeric user or group id.
    Id(u64),
    /// A user or group name.
    Name(String),
    Path(String),
    /// A position inside the container (bytes unless the field name says otherwise).
    Offset(u64),
    Size(u64),
    /// A digest or checksum, lower-case hex.
    Digest(String),
    Int(i64),
    Text(String),
    Flag(bool),
    /// Raw bytes, shown as hex.
    Hex(Vec<u8>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Time(t) => write!(f, "{} ({t})", format_time(*t)),
            Value::Mode(m) => write!(f, "{}", format_mode(*m)),
            Value::Id(i) => write!(f, "{i}"),
            Value::Name(s) | Value::Path(s) | Value::Text(s) => write!(f, "{s}"),
            Value::Digest(s) => write!(f, "{s}"),
            Value::Offset(o) => write!(f, "{o:#x}"),
            Value::Size(s) => write!(f, "{s}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Flag(b) => write!(f, "{b}"),
            Value::Hex(h) => {
                for b in h {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// A named, typed metadata field of a node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(flatten)]
    pub value: Value,
}

impl Field {
    pub fn new(name: impl Into<String>, value: Value) -> Field {
        Field {
            name: name.into(),
            value,
        }
    }
}

/// What kind of entry a member is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink {
        target: String,
    },
    /// A hard link to another member of the same container (by name): the one carrying the data.
    HardLink {
        target: String,
    },
    CharDevice {
        major: u32,
        minor: u32,
    },
    BlockDevice {
        major: u32,
        minor: u32,
    },
    Fifo,
    Socket,
    /// A section or stream that is not a file (an EIF section, a decompressed stream).
    Section,
}

impl EntryKind {
    pub fn label(&self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "directory",
            EntryKind::Symlink { .. } => "symlink",
            EntryKind::HardLink { .. } => "hard link",
            EntryKind::CharDevice { .. } => "character device",
            EntryKind::BlockDevice { .. } => "block device",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
            EntryKind::Section => "section",
        }
    }
}

/// One member of a container.
#[derive(Clone, Debug)]
pub struct Member {
    /// Path inside the container, '/'-separated, without a leading "./" or "/".
    pub name: String,
    pub kind: EntryKind,
    pub fields: Vec<Field>,
    /// Content, for files and sections.
    pub data: Option<Data>,
    /// Size of the content when known without loading it.
    pub size: u64,
}

impl Member {
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.value)
    }
}

/// A node after its format opened it.
#[derive(Clone, Debug, Default)]
pub struct Opened {
    /// Container-level metadata (gzip header fields, EIF header fields, ...).
    pub fields: Vec<Field>,
    /// Members in container order.
    pub members: Vec<Member>,
    /// Remarks worth showing (checksums verified, trailing bytes, ...).
    pub notes: Vec<String>,
    /// A readable rendering of the node when it has one (e.g. decoded metadata JSON).
    pub text: Option<String>,
}

/// Limits that keep opening safe on hostile input.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most bytes one decompressed stream may produce.
    pub max_decompressed: u64,
    /// Most members one container may have.
    pub max_members: usize,
    /// Most memory one decoder may allocate for its history (the zstd window, the xz and lzma
    /// dictionary): these are allocated up front and filled, so a tiny frame could otherwise
    /// claim gigabytes of resident memory.
    pub max_codec_memory: u64,
    /// The whole run's budget, for commands that walk their input in one thread (`ls`,
    /// `extract`): lazy loads and [`Limits::charge`] draw from it. The comparison engine keeps
    /// its own deterministic ledger instead and leaves this `None`.
    pub budget: Option<Arc<Budget>>,
}

/// Default of [`Limits::max_codec_memory`]: 128 MiB, the largest zstd window `zstd -d` accepts
/// without `--long` (window log 27), and twice the dictionary of `xz -9`.
pub const DEFAULT_MAX_CODEC_MEMORY: u64 = 128 << 20;

/// The option that raises [`Limits::max_codec_memory`], named in its error.
pub const CODEC_MEMORY_OPTION: &str = "--max-codec-memory";
/// The option that raises [`Budget::max_bytes`], named in its error.
pub const TOTAL_OPTION: &str = "--max-decompressed-total";
/// The option that raises [`Budget::max_members`], named in its error.
pub const MEMBERS_OPTION: &str = "--max-members";

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed: 8 << 30,
            max_members: 1_000_000,
            max_codec_memory: DEFAULT_MAX_CODEC_MEMORY,
            budget: None,
        }
    }
}

impl Limits {
    /// The most one stream may produce now: the per-stream limit, or what is left of the
    /// run's budget when that is less.
    pub fn stream_max(&self) -> u64 {
        match &self.budget {
            Some(b) => self.max_decompressed.min(b.bytes_left()),
            None => self.max_decompressed,
        }
    }

    /// These limits with the per-stream limit lowered to [`Limits::stream_max`].
    pub fn for_stream(&self) -> Limits {
        Limits {
            max_decompressed: self.stream_max(),
            ..self.clone()
        }
    }

    /// The error for output that went past `max` bytes: the budget's (naming its option) when
    /// the budget is what made `max` lower than the per-stream limit, else `e` itself.
    pub fn explain_limit(&self, e: FormatError, max: u64) -> FormatError {
        match &self.budget {
            Some(b) if max < self.max_decompressed && e.is_limit(max) => FormatError::new(format!(
                "{}: decompression budget of {} bytes for the whole run used up (raise it with {TOTAL_OPTION})",
                e.message, b.max_bytes
            )),
            _ => e,
        }
    }

    /// Counts `bytes` produced and `members` listed against the run's budget, if there is one;
    /// fails naming the budget and its option once either is used up.
    pub fn charge(&self, bytes: u64, members: u64) -> Result<(), FormatError> {
        let Some(b) = &self.budget else {
            return Ok(());
        };
        if !b.charge_bytes(bytes) {
            return err(format!(
                "decompression budget of {} bytes for the whole run used up (raise it with {TOTAL_OPTION})",
                b.max_bytes
            ));
        }
        if !b.charge_members(members) {
            return err(format!(
                "member budget of {} members for the whole run used up (raise it with {MEMBERS_OPTION})",
                b.max_members
            ));
        }
        Ok(())
    }
}

/// One budget for a whole run, shared across threads: bytes decompressed (or otherwise
/// generated: sparse files, joined extents) and members listed. It bounds disk spill and time,
/// not memory (the [`Sink`] bounds that).
#[derive(Debug)]
pub struct Budget {
    pub max_bytes: u64,
    pub max_members: u64,
    bytes: AtomicU64,
    members: AtomicU64,
}

/// Default of [`Budget::max_bytes`]: 64 GiB, both inputs together.
pub const DEFAULT_MAX_DECOMPRESSED_TOTAL: u64 = 64 << 30;
/// Default of [`Budget::max_members`]: 10 million, both inputs together.
pub const DEFAULT_MAX_MEMBERS_TOTAL: u64 = 10_000_000;

impl Budget {
    pub fn new(max_bytes: u64, max_members: u64) -> Budget {
        Budget {
            max_bytes,
            max_members,
            bytes: AtomicU64::new(0),
            members: AtomicU64::new(0),
        }
    }

    pub fn bytes_left(&self) -> u64 {
        self.max_bytes.saturating_sub(self.bytes.load(Ordering::Relaxed))
    }

    pub fn members_left(&self) -> u64 {
        self.max_members.saturating_sub(self.members.load(Ordering::Relaxed))
    }

    /// Adds `n` bytes; false when the total is now past the budget.
    pub fn charge_bytes(&self, n: u64) -> bool {
        self.bytes.fetch_add(n, Ordering::Relaxed).saturating_add(n) <= self.max_bytes
    }

    /// Adds `n` members; false when the total is now past the budget.
    pub fn charge_members(&self, n: u64) -> bool {
        self.members.fetch_add(n, Ordering::Relaxed).saturating_add(n) <= self.max_members
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(DEFAULT_MAX_DECOMPRESSED_TOTAL, DEFAULT_MAX_MEMBERS_TOTAL)
    }
}

/// The message of every "output past the limit" error; [`FormatError::is_limit`] recognises it.
pub fn limit_error(max: u64) -> FormatError {
    FormatError::new(format!("decompressed size exceeds limit of {max} bytes"))
}

/// What went wrong inside one node; the engine adds the file and nested path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub message: String,
}

impl FormatError {
    pub fn new(message: impl Into<String>) -> FormatError {
        FormatError {
            message: message.into(),
        }
    }
}

impl FormatError {
    /// True when this error (possibly wrapped by a container's words) is [`limit_error`] for
    /// `max`: output went past that many bytes.
    pub fn is_limit(&self, max: u64) -> bool {
        self.message
            .contains(&format!("decompressed size exceeds limit of {max} bytes"))
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

/// Shorthand for format modules.
pub fn err<T>(message: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError::new(message))
}

/// File type bits of a Unix mode (the values every archive format stores).
pub mod mode_bits {
    pub const S_IFMT: u32 = 0o170000;
    pub const S_IFSOCK: u32 = 0o140000;
    pub const S_IFLNK: u32 = 0o120000;
    pub const S_IFREG: u32 = 0o100000;
    pub const S_IFBLK: u32 = 0o060000;
    pub const S_IFDIR: u32 = 0o040000;
    pub const S_IFCHR: u32 = 0o020000;
    pub const S_IFIFO: u32 = 0o010000;
}

/// `ls -l` style mode string, e.g. `-rw-r--r--` or `drwxr-xr-x`; octal for odd file types.
pub fn format_mode(mode: u32) -> String {
    let t = match mode & 0o170000 {
        0o040000 => 'd',
        0o120000 => 'l',
        0o020000 => 'c',
        0o060000 => 'b',
        0o010000 => 'p',
        0o140000 => 's',
        _ => '-',
    };
    let mut s = String::with_capacity(10);
    s.push(t);
    let bits = ['r', 'w', 'x'];
    for i in 0..9 {
        let on = mode & (1 << (8 - i)) != 0;
        s.push(if on { bits[i % 3] } else { '-' });
    }
    // setuid, setgid, sticky
    let b: Vec<char> = s.chars().collect();
    let mut b = b;
    if mode & 0o4000 != 0 {
        b[3] = if b[3] == 'x' { 's' } else { 'S' };
    }
    if mode & 0o2000 != 0 {
        b[6] = if b[6] == 'x' { 's' } else { 'S' };
    }
    if mode & 0o1000 != 0 {
        b[9] = if b[9] == 'x' { 't' } else { 'T' };
    }
    let mut out: String = b.into_iter().collect();
    out.push_str(&format!(" ({:04o})", mode & 0o7777));
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (days-from-civil, the inverse of what
/// [`format_time`] does): every format that stores a calendar date turns it into a time here.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// UTC `YYYY-MM-DD HH:MM:SS` without a date crate (civil-from-days, proleptic Gregorian).
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A member name as archives store it, made comparable: leading "./" and "/" and a trailing
/// "/" stripped; the root ("." or "/") becomes "". Readers keep the raw name where it matters.
pub fn normalize_name(raw: &str) -> &str {
    let mut s = raw;
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    let s = s.trim_end_matches('/');
    if s == "." {
        ""
    } else {
        s
    }
}

/// The member field that keeps a name stored with a leading '/' (which readers remove, as GNU
/// tar and cpio do when extracting), so a report shows it and `extract` can warn about it.
pub const STORED_NAME: &str = "stored-name";

/// A [`STORED_NAME`] field for `raw` when it is absolute (after any leading "./").
pub fn stored_name_field(raw: &str) -> Option<Field> {
    let mut s = raw;
    while let Some(r) = s.strip_prefix("./") {
        s = r;
    }
    (s.starts_with('/') && !normalize_name(raw).is_empty())
        .then(|| Field::new(STORED_NAME, Value::Path(raw.to_string())))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_and_mode_render() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00");
        assert_eq!(format_time(1704067200), "2024-01-01 00:00:00");
        assert_eq!(format_time(951782400), "2000-02-29 00:00:00");
        assert_eq!(format_mode(0o100644), "-rw-r--r-- (0644)");
        assert_eq!(format_mode(0o040755), "drwxr-xr-x (0755)");
        assert_eq!(format_mode(0o104755), "-rwsr-xr-x (4755)");
    }

    #[test]
    fn blob_slices_clamp() {
        let b = Blob::from_vec(b"hello world".to_vec());
        assert_eq!(&*b.slice(6..11), b"world");
        assert_eq!(&*b.slice(6..100), b"world");
        assert_eq!(b.slice(20..30).len(), 0);
    }
}
