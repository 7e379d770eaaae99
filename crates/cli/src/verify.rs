//! `reproscope verify`: measurements against a deployed image or expected values, or an SGX
//! enclave's MRENCLAVE against its SIGSTRUCT.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reproscope_diff::{Change, Options};
use serde_json::json;

use crate::diffcmd::{prepare, print_prepared, write_report_json, ExplainArgs};
use crate::measure::measure_bytes;
use crate::{read_input, Result, DIFFERENT, SAME};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("reference").required(true).multiple(false).args(["against", "pcrs", "expect", "sigstruct"])))]
pub struct Args {
    /// The image you built.
    local: PathBuf,
    /// The deployed image to check against; on a mismatch its contents are compared.
    #[arg(long, value_name = "DEPLOYED")]
    against: Option<PathBuf>,
    /// Expected values from a file: "<hex> PCRn" lines (.pcrs) or nitro-cli's JSON.
    #[arg(long, value_name = "FILE")]
    pcrs: Option<PathBuf>,
    /// Expected values: PCR0=HEX, PCR8=HEX, MRENCLAVE=HEX, sha256=HEX, sha384=HEX (repeatable).
    #[arg(long, value_name = "NAME=HEX")]
    expect: Vec<String>,
    /// An SGX enclave's SIGSTRUCT: LOCAL (an SGXS stream) must measure to its ENCLAVEHASH, and
    /// its RSA signature must verify.
    #[arg(long, value_name = "FILE.sig")]
    sigstruct: Option<PathBuf>,
    /// Do not compare contents after a mismatch.
    #[arg(long)]
    no_diff: bool,
    /// Write the content comparison as diffoscope-shaped JSON to PATH ("-" for stdout).
    #[arg(long, value_name = "PATH")]
    json: Option<String>,
    /// Deepest nesting of archives followed when comparing contents.
    #[arg(long, default_value_t = 32)]
    max_depth: usize,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
    #[command(flatten)]
    explain: ExplainArgs,
}

/// Measured values of one file by name: "PCR0".., "MRENCLAVE", "sha256", "sha384".
fn values(path: &Path) -> Result<BTreeMap<String, String>> {
    let data = read_input(path)?;
    let m = measure_bytes(&data, &path.display().to_string())?;
    let mut v = BTreeMap::new();
    if let Some(e) = &m.eif {
        for (i, h) in e.pcrs() {
            v.insert(format!("PCR{i}"), h);
        }
    }
    if let Some(h) = m.mrenclave {
        v.insert("MRENCLAVE".into(), h);
    }
    v.insert("sha256".into(), m.sha256);
    v.insert("sha384".into(), m.sha384);
    Ok(v)
}

/// Parses "<hex> PCRn" lines or nitro-cli's {"Measurements": {"PCR0": ...}} JSON.
fn read_pcrs_file(path: &Path) -> Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    if text.trim_start().starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: not valid JSON: {e}", path.display()))?;
        let m = v.get("Measurements").unwrap_or(&v);
        let obj = m
            .as_object()
            .ok_or_else(|| format!("{}: expected a JSON object of PCRs", path.display()))?;
        for (k, val) in obj {
            if let (true, Some(s)) = (k.starts_with("PCR"), val.as_str()) {
                out.insert(k.clone(), s.to_ascii_lowercase());
            }
        }
    } else {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some(h), Some(name)) if is_hex(h) => {
                    out.insert(name.to_ascii_uppercase(), h.to_ascii_lowercase());
                }
                _ => return Err(format!("{}:{}: expected \"<hex> PCRn\", got {line:?}", path.display(), n + 1).into()),
            }
        }
    }
    if out.is_empty() {
        return Err(format!("{}: no PCR values found", path.display()).into());
    }
    Ok(out)
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_hexdigit())
}

fn parse_expect(items: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for it in items {
        let (k, v) = it
            .split_once('=')
            .ok_or_else(|| format!("--expect {it}: expected NAME=HEX"))?;
        let k = k.trim();
        let key = if let Some(n) = k.strip_prefix("PCR").or_else(|| k.strip_prefix("pcr")) {
            format!("PCR{n}")
        } else if k.eq_ignore_ascii_case("mrenclave") {
            "MRENCLAVE".to_string()
        } else if k.chars().all(|c| c.is_ascii_digit()) {
            format!("PCR{k}")
        } else {
            k.to_ascii_lowercase()
        };
        if !is_hex(v.trim()) {
            return Err(format!("--expect {it}: value is not hex").into());
        }
        out.insert(key, v.trim().to_ascii_lowercase());
    }
    Ok(out)
}

pub fn run(a: Args, color: bool) -> Result<u8> {
    // With `--json -` stdout holds only the JSON; the table goes to stderr.
    let json_stdout = a.json.as_deref() == Some("-");
    macro_rules! say {
        ($($t:tt)*) => {
            if json_stdout {
                eprintln!($($t)*)
            } else {
                println!($($t)*)
            }
        };
    }
    if let Some(sig) = &a.sigstruct {
        return against_sigstruct(&a.local, sig, a.json.as_deref());
    }
    let local = values(&a.local)?;
    if a.against.is_none() && !local.contains_key("PCR0") {
        let wants_pcr = a.expect.iter().any(|e| e.to_ascii_uppercase().starts_with("PCR")) || a.pcrs.is_some();
        if wants_pcr {
            return Err(format!(
                "{}: not an EIF image (no \".eif\" magic), so it has no PCRs",
                a.local.display()
            )
            .into());
        }
    }
    let (reference, ref_name) = if let Some(d) = &a.against {
        (values(d)?, d.display().to_string())
    } else if let Some(p) = &a.pcrs {
        (read_pcrs_file(p)?, p.display().to_string())
    } else {
        (parse_expect(&a.expect)?, "expected".to_string())
    };
    // Against an image: every PCR either side has (digests too when neither is an EIF).
    // Against given values: exactly the names given.
    let mut names: Vec<String> = reference.keys().cloned().collect();
    if a.against.is_some() {
        names = local
            .keys()
            .chain(reference.keys())
            .filter(|k| k.starts_with("PCR") || *k == "MRENCLAVE")
            .cloned()
            .collect();
        names.dedup();
        if names.is_empty() {
            names = vec!["sha256".into()];
        }
    }
    names.sort_by_key(|n| {
        (
            n.starts_with("sha"),
            n.trim_start_matches("PCR").parse::<u32>().unwrap_or(0),
            n.clone(),
        )
    });
    names.dedup();
    let mut mismatched = Vec::new();
    let short = |s: &str| {
        if s.len() > 16 {
            format!("{}…", &s[..16])
        } else {
            s.to_string()
        }
    };
    // Names are PCRn and digests; MRENCLAVE is wider.
    let w = names.iter().map(String::len).max().unwrap_or(0).max(7);
    say!("{:<w$} {:<9} {:<18} {}", "", "", a.local.display(), ref_name);
    for n in &names {
        let (l, r) = (local.get(n), reference.get(n));
        let verdict = match (l, r) {
            (Some(x), Some(y)) if x == y => "match",
            (None, _) => "missing in local",
            (_, None) => "missing in reference",
            _ => "MISMATCH",
        };
        if verdict != "match" {
            mismatched.push(n.clone());
        }
        let show = |v: Option<&String>| v.map(|s| short(s)).unwrap_or_else(|| "-".into());
        say!("{n:<w$} {verdict:<9} {:<18} {}", show(l), show(r));
    }
    if mismatched.is_empty() {
        say!("verified: all {} values match", names.len());
        return Ok(SAME);
    }
    say!(
        "NOT verified: {} differ{}",
        mismatched.join(", "),
        if mismatched.len() == 1 { "s" } else { "" }
    );
    if let (Some(deployed), false) = (&a.against, a.no_diff) {
        let mut opts = Options {
            max_depth: a.max_depth,
            ..Options::default()
        };
        a.limits.apply(&mut opts);
        let diff = crate::progress::compare(&a.local, deployed, opts)?;
        if let Some(d) = &diff {
            let sections: Vec<&str> = d
                .details
                .iter()
                .map(|c| {
                    if c.change == Change::Added {
                        c.source2.as_str()
                    } else {
                        c.source1.as_str()
                    }
                })
                .collect();
            if !sections.is_empty() {
                say!("sections that differ: {}", sections.join(", "));
            }
            say!();
        }
        let report = prepare(diff, &a.explain.opts())?;
        if let Some(target) = &a.json {
            write_report_json(target, &report, &a.local, deployed)?;
        }
        if a.json.as_deref() != Some("-") {
            print_prepared(&report, &a.local, deployed, color);
        }
    } else if let Some(target) = &a.json {
        let v = json!({"mismatched": mismatched}).to_string() + "\n";
        if target == "-" {
            print!("{v}");
        } else {
            std::fs::write(target, v).map_err(|e| format!("{target}: cannot write: {e}"))?;
        }
    }
    Ok(DIFFERENT)
}

/// MRENCLAVE of `local` against the SIGSTRUCT's ENCLAVEHASH, and the SIGSTRUCT's signature.
fn against_sigstruct(local: &Path, sig: &Path, json: Option<&str>) -> Result<u8> {
    let data = read_input(local)?;
    let e = crate::sgx::parse_enclave(local, &data)?;
    let mrenclave = e.mrenclave.map(|m| reproscope_formats::hex(&m)).ok_or_else(|| {
        format!(
            "{}: UNSIZED stream: it has no MRENCLAVE until its size is set",
            local.display()
        )
    })?;
    let sig_data = read_input(sig)?;
    let s =
        reproscope_formats::sigstruct::decode(&sig_data).map_err(|e| format!("{}: sigstruct: {e}", sig.display()))?;
    let hash = reproscope_formats::hex(&s.enclavehash);
    let signature = s.check_signature();
    let matches = mrenclave == hash;
    if let Some(target) = json {
        let v = json!({
            "MRENCLAVE": mrenclave,
            "ENCLAVEHASH": hash,
            "MRSIGNER": reproscope_formats::hex(&s.mrsigner()),
            "match": matches,
            "signature": match &signature { Ok(()) => "valid".to_string(), Err(e) => format!("INVALID: {e}") },
        });
        let text = serde_json::to_string_pretty(&v)? + "\n";
        if target == "-" {
            print!("{text}");
            return Ok(if matches && signature.is_ok() { SAME } else { DIFFERENT });
        }
        std::fs::write(target, text).map_err(|e| format!("{target}: cannot write: {e}"))?;
    }
    println!("MRENCLAVE    {mrenclave}  {}", local.display());
    println!("ENCLAVEHASH  {hash}  {}", sig.display());
    match &signature {
        Ok(()) => println!(
            "signature    valid (RSA-3072, exponent 3), MRSIGNER {}",
            reproscope_formats::hex(&s.mrsigner())
        ),
        Err(e) => println!("signature    INVALID: {e}"),
    }
    match (matches, &signature) {
        (true, Ok(())) => {
            println!("verified: MRENCLAVE equals the SIGSTRUCT's ENCLAVEHASH and the signature is valid");
            Ok(SAME)
        }
        (false, _) => {
            println!("NOT verified: MRENCLAVE differs from the SIGSTRUCT's ENCLAVEHASH");
            Ok(DIFFERENT)
        }
        (true, Err(_)) => {
            println!("NOT verified: MRENCLAVE equals ENCLAVEHASH, but the SIGSTRUCT's signature is invalid");
            Ok(DIFFERENT)
        }
    }
}

impl Args {
    pub fn against(local: PathBuf, deployed: PathBuf, no_diff: bool) -> Args {
        Args {
            local,
            against: Some(deployed),
            pcrs: None,
            expect: Vec::new(),
            sigstruct: None,
            no_diff,
            json: None,
            max_depth: 32,
            limits: Default::default(),
            explain: ExplainArgs::default(),
        }
    }
}
