//! `reproscope sgx`: what a loader puts into an SGX enclave (SGXS streams) and SIGSTRUCTs.

use std::path::{Path, PathBuf};

use reproscope_formats::sgxs::{self, Sgxs};
use reproscope_formats::sigstruct::{self, Sigstruct};
use reproscope_formats::{Format, Value};

use crate::{base_name, read_input, Result, SAME, TROUBLE};

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod trace;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: SgxCommand,
}

#[derive(clap::Subcommand)]
enum SgxCommand {
    /// The enclave's address space as `sgxs-info summary` prints it (or a SIGSTRUCT's fields).
    #[command(after_help = "Examples:
  reproscope sgx info enclave.sgxs             # the same lines as `sgxs-info summary`
  reproscope sgx info enclave.sgxs --regions   # and what each range is likely for
  reproscope sgx info enclave.sig              # a SIGSTRUCT: vendor, date, ENCLAVEHASH, MRSIGNER...

Lines: start-end, page type, permissions, content ((empty), [0xNN]* or (data)), measured chunks
(all, none, partial) and for TCS pages [oentry, ossa, nssa]. The stream must be canonical: any
violation is an error naming the record and its file offset (exit 2).")]
    Info(InfoArgs),
    /// Every record of an SGXS stream, as `sgxs-info list-all` prints them.
    #[command(after_help = "Examples:
  reproscope sgx list enclave.sgxs
  reproscope sgx list enclave.sgxs | grep EADD

Works on non-canonical streams too (to see what a loader did): the records are listed, then the
first canonical-stream violation is reported and the exit status is 2.")]
    List(ListArgs),
    /// Run an enclave loader and record every page it adds through the SGX driver.
    #[command(after_help = "Examples:
  reproscope sgx trace -- sgxs-load enclave.sgxs enclave.sig   # through the real driver
  reproscope sgx trace -o out --dump -- ./app                   # also the raw memory image
  reproscope sgx trace --emulate-driver -- ./loader             # no SGX needed: answered here

Writes per enclave, in load order: enclaveN.sgxs (sha256 = MRENCLAVE), enclaveN.json (SECS,
pages, TCS fields; docs/sgx.md) and with --dump enclaveN.bin. At INIT, prints MRENCLAVE and
whether the SIGSTRUCT's ENCLAVEHASH matches (stderr). Exit status: the loader's.")]
    Trace(TraceArgs),
}

#[derive(clap::Args)]
pub struct TraceArgs {
    /// Where to write enclaveN.sgxs/.json/.bin.
    #[arg(short = 'o', long = "output", value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Answer the SGX ioctls here, on any fd (no SGX hardware or driver needed).
    #[arg(long)]
    emulate_driver: bool,
    /// With --emulate-driver: add at most N pages per ADD_PAGES call, as a busy driver may (to
    /// exercise a loader's retry on `count`). 0 = all.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "emulate_driver")]
    emulate_pages_per_call: u64,
    /// Stop the loader at every syscall instead of only at ioctls (a seccomp filter): slower, for
    /// 32-bit loaders or where the filter is refused.
    #[arg(long)]
    no_seccomp: bool,
    /// Also write the raw memory image enclaveN.bin (SECS.SIZE bytes, sparse, unadded pages zero).
    #[arg(long)]
    dump: bool,
    /// The loader and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "LOADER"
    )]
    command: Vec<std::ffi::OsString>,
}

#[derive(clap::Args)]
pub struct InfoArgs {
    /// An SGXS stream (.sgxs) or a SIGSTRUCT (1808 bytes).
    file: PathBuf,
    /// Append the region guess (code, data, tcs, ssa, tls, heap/stack, ...) to each range.
    #[arg(long)]
    regions: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// An SGXS stream.
    file: PathBuf,
}

pub fn run(a: Args) -> Result<u8> {
    match a.command {
        SgxCommand::Info(a) => info(&a),
        SgxCommand::List(a) => list(&a.file),
        #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
        SgxCommand::Trace(a) => trace::run(a),
        #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
        SgxCommand::Trace(_) => Err("sgx trace needs Linux on x86_64 (ptrace)".into()),
    }
}

/// A SIGSTRUCT by its header and size, or by its name and size (so a damaged header is reported).
pub fn is_sigstruct(data: &[u8], name: &str) -> bool {
    let named = [".sig", ".sigstruct"]
        .iter()
        .any(|e| name.to_ascii_lowercase().ends_with(e));
    Sigstruct.identify(data, name) || (named && data.len() == sigstruct::SIZE)
}

/// Parses an SGXS stream; the error names the file.
pub fn parse_enclave(path: &Path, data: &[u8]) -> Result<sgxs::Enclave> {
    sgxs::parse(data).map_err(|e| format!("{}: sgxs: {e}", path.display()).into())
}

fn info(a: &InfoArgs) -> Result<u8> {
    let data = read_input(&a.file)?;
    let name = base_name(&a.file);
    if is_sigstruct(&data, &name) {
        let s = sigstruct::decode(&data).map_err(|e| format!("{}: sigstruct: {e}", a.file.display()))?;
        for f in s.fields() {
            let v = match &f.value {
                Value::Time(t) => reproscope_formats::format_time(*t)
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                // The raw signature is 768 hex digits: its start is enough to tell two apart.
                Value::Digest(d) if d.len() > 64 => format!("{}… ({} bytes)", &d[..16], d.len() / 2),
                v => v.to_string(),
            };
            println!("{:<20} {v}", f.name);
        }
        return Ok(SAME);
    }
    if !Sgxs.identify(&data, &name) && !name.to_ascii_lowercase().ends_with("sgxs") {
        return Err(format!(
            "{}: neither an SGXS stream (no ECREATE record first) nor a SIGSTRUCT (1808 bytes)",
            a.file.display()
        )
        .into());
    }
    let e = parse_enclave(&a.file, &data)?;
    for line in sgxs::summary(&e, a.regions) {
        println!("{line}");
    }
    for n in &e.notes {
        eprintln!("note: {n}");
    }
    Ok(SAME)
}

fn list(path: &Path) -> Result<u8> {
    let data = read_input(path)?;
    let (lines, error) = sgxs::list_all(&data);
    for line in &lines {
        println!("{line}");
    }
    let problem = match error {
        Some(e) => Some(e),
        None => sgxs::parse(&data).err(),
    };
    match problem {
        Some(e) => {
            eprintln!("reproscope: error: {}: sgxs: {e}", path.display());
            Ok(TROUBLE)
        }
        None => Ok(SAME),
    }
}
