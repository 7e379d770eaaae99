//! `reproscope sgx trace`: run a loader under the tracer (`reproscope_trace::sgx`) and write what
//! it put into each enclave: enclaveN.sgxs, enclaveN.json (docs/sgx.md), enclaveN.bin.

use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use reproscope_formats::sgxs::{self, PageSpec, Size};
use reproscope_formats::{hex, sigstruct};
use reproscope_trace::sgx::{self as tracer, Enclave, Options};
use reproscope_trace::{Error, Exit};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use super::TraceArgs;
use crate::Result;

/// Exit status for failing to start the loader (as `env` and `reproscope run`).
const CANNOT_RUN: u8 = 125;
const NOT_FOUND: u8 = 127;

pub fn run(a: TraceArgs) -> Result<u8> {
    std::fs::create_dir_all(&a.dir).map_err(|e| format!("{}: cannot create: {e}", a.dir.display()))?;
    let opts = Options {
        emulate: a.emulate_driver,
        pages_per_call: a.emulate_pages_per_call,
        step_all: a.no_seccomp,
    };
    let mut written: HashSet<usize> = HashSet::new();
    let mut errors: Vec<String> = Vec::new();
    // Written at INIT already: a loader that never ends (or is killed) still leaves its enclaves.
    let mut at_init = |e: &Enclave| {
        match write_enclave(&a.dir, e, a.dump, &[]) {
            Ok(line) => eprintln!("reproscope: {line}"),
            Err(err) => errors.push(err),
        }
        written.insert(e.index);
    };
    let traced = match tracer::trace(&a.command, &opts, &mut at_init) {
        Ok(t) => t,
        Err(e @ Error::NotFound(_)) => {
            eprintln!("reproscope sgx trace: {e}");
            return Ok(NOT_FOUND);
        }
        Err(e) => {
            eprintln!("reproscope sgx trace: cannot run the loader: {e}");
            return Ok(CANNOT_RUN);
        }
    };
    for e in &traced.enclaves {
        if !written.contains(&e.index) {
            match write_enclave(&a.dir, e, a.dump, &traced.notes) {
                Ok(line) => eprintln!("reproscope: {line} (never initialised)"),
                Err(err) => errors.push(err),
            }
        }
    }
    for n in &traced.notes {
        eprintln!("reproscope: note: {n}");
    }
    if traced.enclaves.is_empty() {
        eprintln!("reproscope: no SGX enclave was created (no SGX ioctl seen{})", {
            if a.emulate_driver {
                ""
            } else {
                " on /dev/sgx_enclave or /dev/isgx; --emulate-driver answers them on any fd"
            }
        });
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("reproscope: error: {e}");
        }
        return Ok(crate::TROUBLE);
    }
    match traced.exit {
        Exit::Code(c) => Ok((c & 0xff) as u8),
        Exit::Signal(sig) => {
            // Die of the loader's signal, so the caller sees what the loader did.
            reproscope_trace::die_of_signal(sig);
            Ok((128 + sig).clamp(0, 255) as u8)
        }
    }
}

/// SECINFO flags as EADD measures them: the CPU clears R/W/X of TCS pages.
fn measured_flags(f: u64) -> u64 {
    if ((f >> 8) & 0xff) as u8 == sgxs::page_type::TCS {
        f & !(sgxs::flags::R | sgxs::flags::W | sgxs::flags::X)
    } else {
        f
    }
}

/// The SGXS stream in load order; when the pages make a non-canonical stream (out of order,
/// twice), the records are written as they came (still sha256 = MRENCLAVE) and the reason is
/// returned.
fn stream(e: &Enclave) -> (Vec<u8>, Option<String>) {
    let specs: Vec<PageSpec> = e
        .pages
        .iter()
        .map(|p| PageSpec {
            offset: p.offset,
            flags: measured_flags(p.secinfo_flags),
            data: &p.data,
            measure: p.measure,
            unmeasured: 0,
        })
        .collect();
    match sgxs::write(e.ssaframesize(), Size::Sized(e.size()), &specs) {
        Ok(s) => (s, None),
        Err(err) => {
            let mut out = sgxs::create_record(e.ssaframesize(), Size::Sized(e.size())).to_vec();
            for p in &specs {
                out.extend_from_slice(&sgxs::eadd_record(p.offset, p.flags));
                for i in 0..sgxs::CHUNKS {
                    if p.measure & (1 << i) != 0 {
                        let c = &p.data[(i * sgxs::CHUNK).min(p.data.len())..((i + 1) * sgxs::CHUNK).min(p.data.len())];
                        out.extend_from_slice(&sgxs::extend_record(
                            p.offset.wrapping_add((i * sgxs::CHUNK) as u64),
                            true,
                            c,
                        ));
                    }
                }
            }
            (out, Some(format!("not a canonical SGXS stream: {err}")))
        }
    }
}

fn measured_word(mask: u16) -> String {
    match mask {
        0xffff => "all".into(),
        0 => "none".into(),
        m => format!("partial: chunks {}", sgxs::chunk_list(m)),
    }
}

/// Writes enclaveN.sgxs/.json (and .bin); returns the line to print.
fn write_enclave(dir: &Path, e: &Enclave, dump: bool, tracer_notes: &[String]) -> std::result::Result<String, String> {
    let name = format!("enclave{}", e.index);
    let (sgxs_bytes, canon_note) = stream(e);
    let mrenclave: [u8; 32] = Sha256::digest(&sgxs_bytes).into();
    let mut notes: Vec<String> = e.notes.clone();
    notes.extend(canon_note.iter().cloned());
    notes.extend(tracer_notes.iter().cloned());

    let mut sig_note: Option<String> = None;
    let mut line = format!("{name}: {} pages, MRENCLAVE {}", e.pages.len(), hex(&mrenclave));
    let init = e.sigstruct.as_ref().map(|sig| {
        let result = e.init_result.unwrap_or(0);
        // A malformed SIGSTRUCT (EINIT would refuse it) still says which enclave it was meant for.
        let at = sigstruct::ENCLAVEHASH_AT;
        let hash: Option<[u8; 32]> = match sigstruct::decode(sig) {
            Ok(d) => Some(d.enclavehash),
            Err(err) => {
                sig_note = Some(format!("SIGSTRUCT malformed: {err}"));
                sig.get(at..at + 32).and_then(|h| h.try_into().ok())
            }
        };
        let (hash, matches) = match hash {
            Some(h) => {
                let m = h == mrenclave;
                if m {
                    line.push_str(", SIGSTRUCT ENCLAVEHASH matches");
                } else {
                    line.push_str(&format!(", SIGSTRUCT ENCLAVEHASH DIFFERS: {}", hex(&h)));
                }
                (Json::from(hex(&h)), Json::from(m))
            }
            None => (Json::Null, Json::Null),
        };
        if result != 0 {
            line.push_str(&format!(" (INIT returned {result})"));
        }
        json!({ "result": result, "sigstruct_enclavehash": hash, "matches": matches })
    });

    notes.extend(sig_note);
    let pages: Vec<Json> = e
        .pages
        .iter()
        .map(|p| {
            let pt = ((p.secinfo_flags >> 8) & 0xff) as u8;
            let mut v = json!({
                "offset": p.offset,
                "call": p.call,
                "type": sgxs::page_type_name(pt),
                "permissions": sgxs::permissions(p.secinfo_flags),
                "secinfo_flags": p.secinfo_flags,
                "measured": measured_word(p.measure),
                "measured_mask": p.measure,
            });
            if pt == sgxs::page_type::TCS {
                let t = sgxs::Tcs::from_page(&p.data);
                v["tcs"] = json!({
                    "flags": t.flags, "ossa": t.ossa, "cssa": t.cssa, "nssa": t.nssa, "oentry": t.oentry,
                    "ofsbase": t.ofsbase, "ogsbase": t.ogsbase, "fslimit": t.fslimit, "gslimit": t.gslimit,
                });
            }
            v
        })
        .collect();
    let doc = json!({
        "enclave": e.index,
        "pid": e.pid,
        "fd": e.fd,
        "device": e.device,
        "driver": e.driver.name(),
        "secs": {
            "size": e.size(),
            "base": e.base(),
            "ssaframesize": e.ssaframesize(),
            "miscselect": e.miscselect(),
            "attributes": { "flags": e.attributes_flags(), "xfrm": e.attributes_xfrm() },
            "isvprodid": e.isvprodid(),
            "isvsvn": e.isvsvn(),
        },
        "mrenclave": hex(&mrenclave),
        "sgxs": format!("{name}.sgxs"),
        "canonical": canon_note.is_none(),
        "add_calls": e.add_calls,
        "init": init,
        "pages": pages,
        "notes": notes,
    });

    let put = |file: &str, data: &[u8]| {
        let p = dir.join(file);
        std::fs::write(&p, data).map_err(|err| format!("{}: cannot write: {err}", p.display()))
    };
    put(&format!("{name}.sgxs"), &sgxs_bytes)?;
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    put(&format!("{name}.json"), text.as_bytes())?;
    if dump {
        let p = dir.join(format!("{name}.bin"));
        let fail = |err: std::io::Error| format!("{}: cannot write: {err}", p.display());
        // Sparse: an enclave can span gigabytes of which a loader adds a few pages.
        let f = File::create(&p).map_err(fail)?;
        f.set_len(e.size()).map_err(fail)?;
        for pg in e.pages.iter().filter(|pg| pg.offset < e.size()) {
            let n = (pg.data.len() as u64).min(e.size() - pg.offset) as usize;
            f.write_all_at(&pg.data[..n], pg.offset).map_err(fail)?;
        }
    }
    for n in &notes {
        line.push_str(&format!("\n  note: {n}"));
    }
    Ok(line)
}
