//! `reproscope measure`: PCRs for EIF images, MRENCLAVE for SGXS streams, ENCLAVEHASH and
//! MRSIGNER for SIGSTRUCTs, digests for everything.

use std::path::PathBuf;

use reproscope_formats::sgxs::{self, Sgxs};
use reproscope_formats::{eif, hex, sigstruct, Format};
use serde_json::json;
use sha2::{Digest, Sha256, Sha384};

use crate::{read_input, Result, SAME};

#[derive(clap::Args)]
pub struct Args {
    /// Files to measure (EIF images, SGXS enclaves, SIGSTRUCTs, anything).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// nitro-cli's JSON: {"Measurements": {"HashAlgorithm": ..., "PCR0": ...}} (an object per file
    /// keyed by path when several are given).
    #[arg(long, conflicts_with = "pcrs")]
    json: bool,
    /// "<hex> PCRn" lines, the format of .pcrs files (EIF only).
    #[arg(long)]
    pcrs: bool,
}

/// Everything measured of one file.
pub struct Measured {
    pub sha256: String,
    pub sha384: String,
    pub eif: Option<eif::Measurements>,
    /// MRENCLAVE of an SGXS stream.
    pub mrenclave: Option<String>,
    /// A SIGSTRUCT's ENCLAVEHASH, MRSIGNER and signature check ("valid" or why not).
    pub sigstruct: Option<(String, String, String)>,
}

pub fn measure_bytes(data: &[u8], name: &str) -> Result<Measured> {
    let eif = if data.starts_with(b".eif") {
        Some(eif::measure(data).map_err(|e| format!("{name}: eif: {e}"))?)
    } else if name.ends_with(".eif") {
        // Named like an enclave image: a wrong magic is more likely damage than another format.
        let head = &data[..data.len().min(4)];
        return Err(format!(
            "{name}: not an EIF image: magic is {:?}, expected \".eif\"",
            head.escape_ascii().to_string()
        )
        .into());
    } else {
        None
    };
    let base = name.rsplit('/').next().unwrap_or(name);
    // Named like an enclave stream, a stream that does not parse is an error, not "no MRENCLAVE".
    let mrenclave = if Sgxs.identify(data, base) || base.to_ascii_lowercase().ends_with(".sgxs") {
        Some(hex(&sgxs::mrenclave(data).map_err(|e| format!("{name}: sgxs: {e}"))?))
    } else {
        None
    };
    let sigstruct = if crate::sgx::is_sigstruct(data, base) {
        let s = sigstruct::decode(data).map_err(|e| format!("{name}: sigstruct: {e}"))?;
        let check = match s.check_signature() {
            Ok(()) => "valid".to_string(),
            Err(e) => format!("INVALID: {e}"),
        };
        Some((hex(&s.enclavehash), hex(&s.mrsigner()), check))
    } else {
        None
    };
    Ok(Measured {
        sha256: hex(&Sha256::digest(data)),
        sha384: hex(&Sha384::digest(data)),
        eif,
        mrenclave,
        sigstruct,
    })
}

pub fn run(a: Args) -> Result<u8> {
    let mut all = serde_json::Map::new();
    for (k, f) in a.files.iter().enumerate() {
        let data = read_input(f)?;
        let name = f.display().to_string();
        let m = measure_bytes(&data, &name)?;
        if a.pcrs {
            let e = m
                .eif
                .as_ref()
                .ok_or_else(|| format!("{name}: not an EIF image: --pcrs needs one"))?;
            for (i, v) in e.pcrs() {
                println!("{v} PCR{i}");
            }
        } else if a.json {
            // nitro-cli's shape: {"Measurements": {"HashAlgorithm": ..., "PCR0": ...}}.
            let mut v = m
                .eif
                .as_ref()
                .map(|e| json!({ "Measurements": e.to_json() }))
                .unwrap_or_else(|| json!({}));
            if let Some(h) = &m.mrenclave {
                v["MRENCLAVE"] = json!(h);
            }
            if let Some((hash, signer, check)) = &m.sigstruct {
                v["ENCLAVEHASH"] = json!(hash);
                v["MRSIGNER"] = json!(signer);
                v["signature"] = json!(check);
            }
            v["sha256"] = json!(m.sha256);
            v["sha384"] = json!(m.sha384);
            all.insert(name, v);
        } else {
            if k > 0 {
                println!();
            }
            println!("{name}");
            if let Some(e) = &m.eif {
                for (i, v) in e.pcrs() {
                    println!("  PCR{i:<4} {v}");
                }
            }
            if let Some(h) = &m.mrenclave {
                println!("  MRENCLAVE    {h}");
            }
            if let Some((hash, signer, check)) = &m.sigstruct {
                println!("  ENCLAVEHASH  {hash}");
                println!("  MRSIGNER     {signer}");
                println!("  signature    {check}");
            }
            println!("  sha256  {}", m.sha256);
            println!("  sha384  {}", m.sha384);
        }
    }
    if a.json {
        let out = if all.len() == 1 {
            all.into_iter().next().map(|x| x.1).unwrap_or_default()
        } else {
            all.into()
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(SAME)
}

impl Args {
    pub fn new(files: Vec<PathBuf>) -> Args {
        Args {
            files,
            json: false,
            pcrs: false,
        }
    }
}
