//! Opening a node: identify its format, decompress stream layers in place, open the container.

use reproscope_formats::{identify, is_stream, Blob, Data, Field, Limits, Member};

use crate::Error;

/// A node as the engine sees it: the chain of formats it was opened through, the metadata of each
/// layer, and either the members of the innermost container or the innermost content.
#[derive(Debug)]
pub struct NodeView {
    /// Formats from outside in, e.g. ["gzip", "cpio"]; empty for plain content.
    pub formats: Vec<&'static str>,
    /// Fields of every layer; stream layers' fields are prefixed with their format ("gzip.mtime").
    pub fields: Vec<Field>,
    pub notes: Vec<String>,
    /// Members, when the innermost layer is a container.
    pub members: Option<Vec<Member>>,
    /// The innermost content (after decompression).
    pub content: Blob,
    /// Why the content is shown as plain bytes although it looks like a format: set only by
    /// [`open_file_node`].
    pub unreadable: Option<String>,
    /// A readable rendering from the innermost container, if it has one.
    pub text: Option<String>,
    /// Bytes the stream layers produced (every layer, for the comparison's budget).
    pub decompressed: u64,
    /// Set when the layers went on past `max_layers`: the content is still encoded.
    pub stopped: bool,
}

impl NodeView {
    /// Content that is not opened as any format.
    pub fn plain(content: Blob) -> NodeView {
        NodeView {
            formats: Vec::new(),
            fields: Vec::new(),
            notes: Vec::new(),
            members: None,
            content,
            unreadable: None,
            text: None,
            decompressed: 0,
            stopped: false,
        }
    }

    pub fn format_label(&self) -> Option<String> {
        (!self.formats.is_empty()).then(|| self.formats.join("+"))
    }
}

/// Opens `blob` (named `name`, found at `path` inside `file`) through as many stream layers as it
/// has, stopping at the first container or at plain content. Errors carry the file and path.
pub fn open_node(
    blob: Blob,
    name: &str,
    limits: &Limits,
    file: &str,
    path: &[String],
    max_layers: usize,
) -> Result<NodeView, Error> {
    let mut view = NodeView {
        formats: Vec::new(),
        fields: Vec::new(),
        notes: Vec::new(),
        members: None,
        content: blob,
        unreadable: None,
        text: None,
        decompressed: 0,
        stopped: false,
    };
    let mut name = name.to_string();
    for _ in 0..max_layers {
        let Some(format) = identify(&view.content, &name) else {
            return Ok(view);
        };
        // Within what is left of the run's budget, when there is one (ls, extract).
        let max = limits.stream_max();
        let opened = format.open(&view.content, &name, &limits.for_stream()).map_err(|e| {
            let e = limits.explain_limit(e, max);
            let mut p = path.to_vec();
            if !view.formats.is_empty() {
                p.push(format!("({})", view.formats.join("+")));
            }
            Error::new(file, &p, format!("{}: {}", format.name(), e.message))
        })?;
        // Parsing touched pages all over a mapped input (headers between member data); members
        // fault their own pages back in when compared, so let these go now.
        view.content.release_all();
        view.formats.push(format.name());
        view.notes.extend(opened.notes);
        if is_stream(format.name()) && opened.members.len() == 1 {
            if let Some(Data::Blob(inner)) = opened.members[0].data.clone() {
                view.decompressed = view.decompressed.saturating_add(inner.len() as u64);
                limits
                    .charge(inner.len() as u64, 0)
                    .map_err(|e| Error::new(file, path, format!("{}: {}", format.name(), e.message)))?;
                for f in opened.fields {
                    view.fields
                        .push(Field::new(format!("{}.{}", format.name(), f.name), f.value));
                }
                view.content = inner;
                name = opened.members[0].name.clone();
                continue;
            }
        }
        limits
            .charge(0, opened.members.len() as u64)
            .map_err(|e| Error::new(file, path, format!("{}: {}", format.name(), e.message)))?;
        view.fields.extend(opened.fields);
        view.members = Some(opened.members);
        view.text = opened.text;
        return Ok(view);
    }
    view.notes.push(format!("stopped after {max_layers} nested layers"));
    view.stopped = true;
    Ok(view)
}

/// [`open_node`] for a regular file inside an archive. Content that looks like a container but
/// cannot be read as one (test data, a deliberately broken sample) is plain content, with
/// `unreadable` saying why, so one such file does not stop a whole comparison or listing.
/// Structure (the inputs, EIF sections, stream layers, initramfs parts) goes through
/// [`open_node`] and stays strict.
pub fn open_file_node(
    blob: Blob,
    name: &str,
    limits: &Limits,
    file: &str,
    path: &[String],
    max_layers: usize,
) -> NodeView {
    open_node(blob.clone(), name, limits, file, path, max_layers).unwrap_or_else(|e| {
        let mut v = NodeView::plain(blob);
        v.unreadable = Some(format!("cannot open: {}", e.message));
        v
    })
}
