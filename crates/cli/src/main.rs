//! The `reproscope` binary: arguments, output and exit codes; the work is in the library crates.

mod check;
mod demo;
mod diffcmd;
mod extract;
mod limits;
mod measure;
mod progress;
mod run;
mod safefs;
mod sgx;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes as diffoscope: 0 identical / all match, 1 different, 2 error.
pub const SAME: u8 = 0;
pub const DIFFERENT: u8 = 1;
pub const TROUBLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "reproscope",
    version,
    about = "Is this artifact exactly what its source builds? Measure, take apart, compare and explain enclave images, OS images and packages; run builds deterministically; trace SGX enclave loaders.",
    after_help = "Examples:
  reproscope demo                                   build two sample enclave images and compare them
  reproscope measure enclave.eif                    PCR0/1/2 (and PCR8 when signed), sha256, sha384
  reproscope verify local.eif --against deployed.eif
  reproscope diff a.eif b.eif --json report.json
  reproscope ls initrd.img
  reproscope extract enclave.eif -o out --recursive
  reproscope diff a.iso b.iso --hide timestamp      what is left once timestamps are dealt with
  reproscope run -- make                            a build with fixed clock, randomness, host name
  reproscope sgx info enclave.sgxs                  an SGX enclave's pages, as sgxs-info summary
  reproscope sgx trace -o out -- ./loader           record what a loader puts into its enclaves

Exit status: 0 identical (or all measurements match), 1 different, 2 trouble."
)]
struct Cli {
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print measurements: EIF PCRs, and sha256/sha384 of any file.
    #[command(after_help = "Examples:
  reproscope measure enclave.eif
  reproscope measure enclave.eif --json      # nitro-cli's {\"Measurements\": {...}}
  reproscope measure enclave.eif --pcrs > enclave.pcrs
  reproscope measure enclave.sgxs            # MRENCLAVE (SGX), and the digests")]
    Measure(measure::Args),
    /// Check an image against a deployed image or expected PCRs; on a mismatch, show what differs.
    #[command(after_help = "Examples:
  reproscope verify local.eif --against deployed.eif
  reproscope verify local.eif --pcrs enclave.pcrs
  reproscope verify local.eif --expect PCR0=3f6a... --expect PCR2=9c1e...
  reproscope verify enclave.sgxs --sigstruct enclave.sig   # MRENCLAVE = ENCLAVEHASH, signature valid
  reproscope verify local.eif --against deployed.eif --hide timestamp --source-date-epoch 1700000000

Exit status: 0 all match, 1 a mismatch, 2 trouble.")]
    Verify(verify::Args),
    /// Compare two files or directories recursively (EIF sections, gzip, concatenated cpio, ...).
    #[command(after_help = "Examples:
  reproscope diff a.eif b.eif
  reproscope diff rootfs-a.cpio.gz rootfs-b.cpio.gz --json -
  reproscope diff build1/ build2/ --json report.json
  reproscope diff a.tar.gz b.tar.gz --hide timestamp,file-order   # what is left once those are fixed
  reproscope diff a.deb b.deb --source-date-epoch 1700000000      # which mtimes were not clamped

Exit status: 0 identical, 1 different, 2 trouble.")]
    Diff(diffcmd::Args),
    /// List the nested tree of a file or directory with sizes and digests.
    #[command(after_help = "Examples:
  reproscope ls enclave.eif
  reproscope ls initrd.img --depth 1")]
    Ls(extract::LsArgs),
    /// Unpack a file into a directory (never writing outside it).
    #[command(after_help = "Examples:
  reproscope extract enclave.eif -o out               # the sections
  reproscope extract enclave.eif -o out --recursive   # and every nested archive, into NAME.d/
  reproscope extract pkg.deb -o out -r --strict       # all or nothing: exit 2 if anything is skipped
  reproscope extract rootfs.tar -o out --no-times     # modes, but not modification times

Nothing is written outside the output directory, and no symlink is followed while extracting,
whether the archive made it or it was there before. Symlinks are written with their targets as
stored (absolute ones too). A leading '/' is removed from names. Skipped, each listed on stderr:
names with a '..' component; devices, fifos and sockets; entries whose parent is a symlink or
not a directory; hard links to anything but a regular file this run wrote; a nested archive
whose NAME.d is not a directory. Modes are restored without setuid, setgid and sticky bits;
owners are not. --recursive unpacks --max-depth nested levels (default 8); deeper archives stay
files, with a note.

Exit status: 0 every entry written, 1 some skipped (listed), 2 trouble (unreadable input, I/O
error), or with --strict anything that would be skipped (then nothing is written).")]
    Extract(extract::ExtractArgs),
    /// Build two small sample enclave images, then verify and diff them.
    Demo(demo::Args),
    /// Run a build deterministically: fixed clock, file times, randomness, directory order and host name.
    #[command(after_help = "Examples:
  reproscope run -- make                          # everything fixed, clock from $SOURCE_DATE_EPOCH
  reproscope run --epoch 1700000000 -- gcc -c x.c  # __DATE__/__TIME__/__TIMESTAMP__ from that second
  reproscope run --build-path /build -- make      # the build sees the current directory as /build
  reproscope run --no-random --explain -- ./build.sh   # list what was rewritten, how often

Fixes, each with a switch: the clock (answered inside each process by a stub in its vDSO, from
SOURCE_DATE_EPOCH, a fixed step per reading; deadlines and sleeps kept real), file times in stat
results (the second before the epoch, in the order written), inode and device numbers (from
names), getrandom, /dev/urandom and AT_RANDOM (seeded), directory order (getdents64 sorted by
name), host and domain name (a UTS namespace), address-space layout (ASLR off), and the
environment (TZ=UTC, LC_ALL=C.UTF-8, umask 022, SOURCE_DATE_EPOCH). Unprivileged, per process
tree, x86_64 Linux. Exit status: the command's own (death by a signal is passed on);
127 when the command is not found, 126 when it cannot be executed, 125 when it could not be
started for another reason.")]
    Run(run::Args),
    /// Build twice under `run`, once with conditions varied; say whether it reproduces and which variation breaks it.
    #[command(after_help = "Examples:
  reproscope check -- make                              # every file make creates or changes
  reproscope check --artifact 'out/*.tar.gz' -- ./build.sh
  reproscope check --vary time,timezone,locales -- make
  reproscope check --dont-vary aslr --json report.json -- dpkg-buildpackage -b -us -uc
  reproscope check --store /tmp/builds --runs 2 -- python3 -m build

The source tree (--source, default .) is copied for each build and never built in place; each
build runs under `reproscope run --build-path /build/NAME`. The control has everything fixed; the
experiment varies: environment (an extra variable), build_path, home, exec_path (PATH), time
(400 days later), timezone, locales (an installed non-C locale), umask (002), domain_host,
aslr (on), randomness (another seed), fileordering (directories in reversed order), user_group
(uid/gid 1234 through a user namespace), kernel (uname release), num_cpus (1 CPU). When the
artifacts differ, the build is repeated with nothing varied
(a build that differs by itself needs no variation to blame), then with halves of the varied set
down to single variations; each blamed variation is shown with the explained difference.

Exit status: 0 reproducible, 1 not reproducible, 2 trouble (a build failed: its exit status and
last lines are shown).")]
    Check(check::Args),
    /// SGX enclaves: the pages of an SGXS stream (as sgxs-info), every record, a SIGSTRUCT; trace a loader.
    #[command(after_help = "Examples:
  reproscope sgx info enclave.sgxs             # sgxs-info summary lines
  reproscope sgx info enclave.sgxs --regions   # with code/data/tcs/ssa/tls/heap guesses
  reproscope sgx info enclave.sig              # SIGSTRUCT fields and signature check
  reproscope sgx list enclave.sgxs             # every record, as sgxs-info list-all
  reproscope measure enclave.sgxs              # MRENCLAVE
  reproscope verify enclave.sgxs --sigstruct enclave.sig
  reproscope diff a.sgxs b.sgxs                # which pages differ, with both MRENCLAVEs
  reproscope sgx trace -o out -- ./loader args  # enclaveN.sgxs/.json per enclave the loader builds
  reproscope sgx trace --emulate-driver -- ./loader   # without SGX hardware")]
    Sgx(sgx::Args),
}

fn main() -> ExitCode {
    // Rust's runtime ignores SIGPIPE, so a reader that stops early (`reproscope ls x | head`)
    // would turn every later write into an error message; end quietly instead, as other
    // command-line tools do.
    // SAFETY: setting a signal's disposition to the default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let color = match cli.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::env::var_os("NO_COLOR").is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let result = match cli.command {
        Command::Measure(a) => measure::run(a),
        Command::Verify(a) => verify::run(a, color),
        Command::Diff(a) => diffcmd::run(a, color),
        Command::Ls(a) => extract::ls(a),
        Command::Extract(a) => extract::extract(a),
        Command::Demo(a) => demo::run(a, color),
        Command::Run(a) => run::run(a),
        Command::Check(a) => check::run(a, color),
        Command::Sgx(a) => sgx::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Errors quote member names from the input: shown, never obeyed, by the terminal.
            eprintln!("reproscope: error: {}", reproscope_report::visible(&e.to_string()));
            ExitCode::from(TROUBLE)
        }
    }
}

/// Errors the commands return; printed once by `main`.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The file name part of a path, for format detection by name.
pub fn base_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn read_input(p: &std::path::Path) -> Result<reproscope_formats::Blob> {
    // A directory gets a hint; pipes, FIFOs and `-` are read as streams; devices are refused.
    if p.as_os_str() != "-" && p.is_dir() {
        return Err(format!(
            "{}: is a directory; this command reads a file (diff and ls take directories)",
            p.display()
        )
        .into());
    }
    reproscope_formats::Blob::from_input(p).map_err(|e| format!("{}: cannot read: {e}", p.display()).into())
}
