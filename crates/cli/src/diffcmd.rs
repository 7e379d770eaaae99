//! `reproscope diff`.

use std::io::Write;
use std::path::{Path, PathBuf};

use reproscope_diff::{Difference, Options};
use reproscope_report::{render_text, to_json, Style};

use crate::{Result, DIFFERENT, SAME};

#[derive(clap::Args)]
pub struct Args {
    /// First file or directory.
    a: PathBuf,
    /// Second file or directory.
    b: PathBuf,
    /// Also write diffoscope-shaped JSON to PATH ("-" for stdout, which replaces the text report).
    #[arg(long, value_name = "PATH")]
    json: Option<String>,
    /// Deepest nesting of archives followed.
    #[arg(long, default_value_t = 32)]
    max_depth: usize,
}

pub fn run(a: Args, color: bool) -> Result<u8> {
    let opts = Options {
        max_depth: a.max_depth,
        ..Options::default()
    };
    let diff = crate::progress::compare(&a.a, &a.b, opts)?;
    let to_stdout_json = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        write_json(target, diff.as_ref(), &a.a, &a.b)?;
    }
    if !to_stdout_json {
        print_report(diff.as_ref(), &a.a, &a.b, color);
    }
    Ok(if diff.is_some() { DIFFERENT } else { SAME })
}

/// The text report, or the one-line verdict for identical inputs.
pub fn print_report(diff: Option<&Difference>, a: &Path, b: &Path, color: bool) {
    match diff {
        None => println!("{} and {} are identical", a.display(), b.display()),
        Some(d) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(render_text(d, Style { color }).as_bytes());
            for line in measurement_lines(d) {
                let _ = writeln!(out, "{line}");
            }
            let _ = writeln!(out, "{}", summary(d));
        }
    }
}

/// Both values of each differing enclave measurement (an SGXS node's `mrenclave`): the tree
/// lists it among the changes that follow from others, by name only, but it is the enclave's
/// identity, so it is shown whole.
pub fn measurement_lines(d: &Difference) -> Vec<String> {
    let mut out = Vec::new();
    d.walk(&mut |path, n| {
        for f in n.fields.iter().filter(|f| f.name == "mrenclave") {
            let show = |v: &Option<reproscope_formats::Value>| v.as_ref().map_or("-".to_string(), |v| v.to_string());
            let (a, b) = if path.is_empty() {
                (d.source1.clone(), d.source2.clone())
            } else {
                let p = path.join("/");
                (format!("{} → {p}", d.source1), format!("{} → {p}", d.source2))
            };
            out.push(format!("MRENCLAVE  {}  {a}", show(&f.before)));
            out.push(format!("MRENCLAVE  {}  {b}", show(&f.after)));
        }
    });
    out
}

/// "… differ: 1 changed, 1 added, 1 removed" (and ", 1 renamed" when any were) — counts nodes
/// with changes of their own, the top node included (its own metadata may be all that differs).
pub fn summary(d: &Difference) -> String {
    use reproscope_diff::Change;
    let (mut changed, mut added, mut removed, mut renamed) = (0, 0, 0, 0);
    d.walk(&mut |_, n| {
        if n.has_own_change() {
            match n.change {
                Change::Changed => changed += 1,
                Change::Added => added += 1,
                Change::Removed => removed += 1,
                Change::Renamed => renamed += 1,
            }
        }
    });
    let renamed = if renamed > 0 {
        format!(", {renamed} renamed")
    } else {
        String::new()
    };
    format!(
        "{} and {} differ: {changed} changed, {added} added, {removed} removed{renamed}",
        d.source1, d.source2
    )
}

pub fn write_json(target: &str, diff: Option<&Difference>, a: &Path, b: &Path) -> Result<()> {
    let value = match diff {
        Some(d) => to_json(d),
        // diffoscope writes nothing for identical inputs; an explicit empty tree is friendlier.
        None => serde_json::json!({
            "diffoscope-json-version": 1,
            "source1": a.display().to_string(),
            "source2": b.display().to_string(),
            "unified_diff": null,
            "details": [],
            "comments": ["identical"],
        }),
    };
    let text = serde_json::to_string_pretty(&value)? + "\n";
    if target == "-" {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        std::fs::write(target, text).map_err(|e| format!("{target}: cannot write: {e}"))?;
    }
    Ok(())
}

impl Args {
    pub fn new(a: PathBuf, b: PathBuf) -> Args {
        Args {
            a,
            b,
            json: None,
            max_depth: 32,
        }
    }
}
