//! "Why these builds differ": the ranked causes, one line each with its strongest evidence and
//! the fix, then what only follows from them.

use std::fmt::Write;

use reproscope_explain::Explanation;

use crate::text::Painter;
use crate::{visible, Style};

/// Longest evidence shown on a summary line; the JSON report has it whole.
const WIDTH: usize = 118;

/// `s` made visible (see [`visible`]) and cut to the summary's width.
fn cut(s: &str) -> String {
    let s = visible(s);
    if s.chars().count() <= WIDTH {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(WIDTH - 1).collect::<String>())
    }
}

/// The summary; `hidden` names the causes left out of the tree below it (`--hide`).
pub fn render_summary(e: &Explanation, hidden: &[String], style: Style) -> String {
    let p = Painter { color: style.color };
    let mut out = String::new();
    let causes: Vec<_> = e.causes.iter().filter(|c| !c.derived).collect();
    let derived: Vec<_> = e.causes.iter().filter(|c| c.derived).collect();
    if causes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{}", p.paint("1", "Why these builds differ"));
    let w = causes.iter().chain(&derived).map(|c| c.id.len()).max().unwrap_or(0);
    let n = causes
        .iter()
        .chain(&derived)
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    let indent = " ".repeat(4 + w + 2 + n + 2);
    for (i, c) in causes.iter().enumerate() {
        let hide = if hidden.contains(&c.id) { "  (hidden below)" } else { "" };
        let ev = c.evidence.first().map(|s| cut(s)).unwrap_or_default();
        let id = p.paint(if i == 0 { "1;31" } else { "1" }, &format!("{:<w$}", c.id));
        let _ = writeln!(out, "{:>2}. {id}  {:>n$}  {ev}{hide}", i + 1, c.count);
        // The real changes: a few more of them, since they are what to read.
        if c.id == "content" && c.paths.len() > 1 {
            let more: Vec<&str> = c.paths.iter().skip(1).take(4).map(String::as_str).collect();
            let rest = if c.count > 5 {
                format!(", … ({} in all)", c.count)
            } else {
                String::new()
            };
            let _ = writeln!(out, "{indent}{}", cut(&format!("also {}{rest}", more.join(", "))));
        }
        for extra in c.evidence.iter().skip(1).filter(|s| s.starts_with("SOURCE_DATE_EPOCH")) {
            let _ = writeln!(out, "{indent}{}", visible(extra));
        }
        if !c.fix.is_empty() {
            let _ = writeln!(out, "{indent}{}", p.paint("32", &format!("fix: {}", c.fix)));
        }
        if let Some(first) = c.see_also.first() {
            // One link is enough to find the others from its page.
            let names = c.see_also.join(", ");
            let url = reproscope_explain::seealso::issue_url(first);
            let _ = writeln!(out, "{indent}{}", p.paint("2", &format!("see also: {names} ({url})")));
        }
    }
    if !derived.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint("2", "  follow from the above (not causes of their own):")
        );
        for c in derived {
            let ev = c.evidence.first().map(|s| cut(s)).unwrap_or_default();
            let line = format!("    {:<w$}  {:>n$}  {ev}", c.id, c.count);
            let _ = writeln!(out, "{}", p.paint("2", &line));
        }
    }
    out
}
