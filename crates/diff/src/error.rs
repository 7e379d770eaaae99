use std::fmt;

/// An error with the file it happened in and the nested path inside that file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The input file as the user named it.
    pub file: String,
    /// Members from the file down to the node that failed (e.g. ["ramdisk1", "etc/passwd"]).
    pub path: Vec<String>,
    pub message: String,
}

impl Error {
    pub fn new(file: &str, path: &[String], message: impl Into<String>) -> Error {
        Error {
            file: file.to_string(),
            path: path.to_vec(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        for p in &self.path {
            write!(f, " → {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Error {}
