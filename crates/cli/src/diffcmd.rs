//! `reproscope diff`.

use std::io::Write;
use std::path::{Path, PathBuf};

use reproscope_diff::{Difference, Options};
use reproscope_explain::{causes, explain, Config, Explanation};
use reproscope_report::{render_summary, render_text, to_json, to_json_explained, Style};

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
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
    #[command(flatten)]
    explain: ExplainArgs,
}

/// The explainer's options, shared by `diff` and `verify`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ExplainArgs {
    /// The SOURCE_DATE_EPOCH the builds should have used: says which differing timestamps equal
    /// it, are earlier, or are later (not clamped). Default: the environment variable.
    #[arg(long, value_name = "T")]
    source_date_epoch: Option<i64>,
    /// Leave differences of these causes out of the tree (the summary still counts them), e.g.
    /// --hide timestamp,file-order to see what is left once those are fixed.
    #[arg(long, value_name = "CAUSE,...", value_delimiter = ',')]
    hide: Vec<String>,
    /// No "Why these builds differ" summary and no causes in the report.
    #[arg(long)]
    no_explain: bool,
}

impl ExplainArgs {
    pub fn opts(&self) -> ExplainOpts {
        ExplainOpts {
            off: self.no_explain,
            source_date_epoch: self.source_date_epoch.or_else(env_epoch),
            hide: self
                .hide
                .iter()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect(),
        }
    }
}

/// How the report explains a comparison.
#[derive(Clone, Debug, Default)]
pub struct ExplainOpts {
    pub off: bool,
    pub source_date_epoch: Option<i64>,
    pub hide: Vec<String>,
}

/// SOURCE_DATE_EPOCH from the environment; the specification says to fail on a malformed
/// value, but a report can do without it, so it is ignored with a warning.
fn env_epoch() -> Option<i64> {
    let v = std::env::var("SOURCE_DATE_EPOCH").ok()?;
    match v.trim().parse::<i64>() {
        Ok(t) => Some(t),
        Err(_) => {
            eprintln!("reproscope: warning: SOURCE_DATE_EPOCH={v:?} is not a number of seconds; ignored");
            None
        }
    }
}

/// A comparison ready to print: the tree (annotated with causes, hidden ones dropped) and its
/// explanation.
pub struct Report {
    pub tree: Option<Difference>,
    pub explanation: Option<Explanation>,
    pub hidden: Vec<String>,
}

/// Explains the tree, writes the causes into it and drops the hidden ones.
pub fn prepare(diff: Option<Difference>, o: &ExplainOpts) -> Result<Report> {
    for h in &o.hide {
        if !causes::ALL.contains(&h.as_str()) {
            return Err(format!("--hide {h}: not a cause; causes are {}", causes::ALL.join(", ")).into());
        }
    }
    let (tree, explanation) = match diff {
        Some(mut d) if !o.off => {
            let e = explain(
                &d,
                &Config {
                    source_date_epoch: o.source_date_epoch,
                },
            );
            e.annotate(&mut d);
            if !o.hide.is_empty() {
                e.hide(&mut d, &o.hide);
            }
            (Some(d), Some(e))
        }
        other => (other, None),
    };
    Ok(Report {
        tree,
        explanation,
        hidden: o.hide.clone(),
    })
}

pub fn run(a: Args, color: bool) -> Result<u8> {
    let mut opts = Options {
        max_depth: a.max_depth,
        ..Options::default()
    };
    a.limits.apply(&mut opts);
    let diff = crate::progress::compare(&a.a, &a.b, opts)?;
    let differs = diff.is_some();
    let report = prepare(diff, &a.explain.opts())?;
    let to_stdout_json = a.json.as_deref() == Some("-");
    if let Some(target) = &a.json {
        write_report_json(target, &report, &a.a, &a.b)?;
    }
    if !to_stdout_json {
        print_prepared(&report, &a.a, &a.b, color);
    }
    Ok(if differs { DIFFERENT } else { SAME })
}

/// The summary of causes, the tree, measurements and the count line.
pub fn print_prepared(r: &Report, a: &Path, b: &Path, color: bool) {
    match &r.tree {
        None => println!("{} and {} are identical", a.display(), b.display()),
        Some(d) => {
            let mut out = std::io::stdout().lock();
            if let Some(e) = &r.explanation {
                let s = render_summary(e, &r.hidden, Style { color });
                if !s.is_empty() {
                    let _ = writeln!(out, "{s}");
                }
            }
            let _ = out.write_all(render_text(d, Style { color }).as_bytes());
            for line in measurement_lines(d) {
                let _ = writeln!(out, "{line}");
            }
            let hidden = if r.hidden.is_empty() {
                String::new()
            } else {
                format!(" (not counting hidden: {})", r.hidden.join(", "))
            };
            if !r.hidden.is_empty() && d.details.is_empty() && !d.has_own_change() {
                let _ = writeln!(
                    out,
                    "nothing else differs once these are set aside: {}",
                    r.hidden.join(", ")
                );
            }
            let _ = writeln!(out, "{}{hidden}", summary(d));
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

pub fn write_report_json(target: &str, r: &Report, a: &Path, b: &Path) -> Result<()> {
    let value = match (&r.tree, &r.explanation) {
        (Some(d), Some(e)) => to_json_explained(d, e),
        (Some(d), None) => to_json(d),
        (None, _) => json_identical(a, b),
    };
    let text = serde_json::to_string_pretty(&value)? + "\n";
    if target == "-" {
        std::io::stdout().lock().write_all(text.as_bytes())?;
    } else {
        std::fs::write(target, text).map_err(|e| format!("{target}: cannot write: {e}"))?;
    }
    Ok(())
}

/// diffoscope writes nothing for identical inputs; an explicit empty tree is friendlier.
fn json_identical(a: &Path, b: &Path) -> serde_json::Value {
    serde_json::json!({
        "diffoscope-json-version": 1,
        "causes": [],
        "source1": a.display().to_string(),
        "source2": b.display().to_string(),
        "unified_diff": null,
        "details": [],
        "comments": ["identical"],
    })
}

impl Args {
    pub fn new(a: PathBuf, b: PathBuf) -> Args {
        Args {
            a,
            b,
            json: None,
            max_depth: 32,
            limits: Default::default(),
            explain: ExplainArgs::default(),
        }
    }
}
