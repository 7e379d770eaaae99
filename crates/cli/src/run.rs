//! `reproscope run -- CMD`: run a build deterministically (the work is in reproscope-trace).

use std::ffi::OsString;
use std::path::PathBuf;

use reproscope_trace::{Config, Error, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Start of the clock and clamp for file times, in seconds since 1970 [default: $SOURCE_DATE_EPOCH, else 1704067200 = 2024-01-01]
    #[arg(long, value_name = "SECONDS")]
    epoch: Option<i64>,
    /// How far the clock advances per call, in nanoseconds.
    #[arg(long, value_name = "NS", default_value_t = 1_000_000)]
    step_ns: u64,
    /// Seed of the random streams (getrandom, /dev/urandom, AT_RANDOM).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Host name the build sees (uname, hostname).
    #[arg(long, default_value = "reproscope")]
    hostname: String,
    /// Domain name the build sees.
    #[arg(long, default_value = "(none)")]
    domainname: String,
    /// Run the build with the current directory at DIR (an absolute path), in a private mount namespace; nothing is created on the host.
    #[arg(long, value_name = "DIR")]
    build_path: Option<PathBuf>,
    /// Leave the clock alone (vDSO, clock_gettime, gettimeofday, time).
    #[arg(long)]
    no_time: bool,
    /// Leave file times in stat results alone.
    #[arg(long)]
    no_file_times: bool,
    /// Leave randomness alone (getrandom, /dev/urandom, AT_RANDOM).
    #[arg(long)]
    no_random: bool,
    /// Leave directory order alone (getdents64).
    #[arg(long)]
    no_dir_order: bool,
    /// Leave inode and device numbers alone (stat results, directory entries).
    #[arg(long)]
    no_inodes: bool,
    /// No user/UTS namespace: the real host and domain name.
    #[arg(long)]
    no_host: bool,
    /// Keep TZ as it is (default: TZ=UTC).
    #[arg(long)]
    no_tz: bool,
    /// Keep the locale (default: LC_ALL=C.UTF-8).
    #[arg(long)]
    no_locale: bool,
    /// Keep the umask (default: 022).
    #[arg(long)]
    no_umask: bool,
    /// Do not export SOURCE_DATE_EPOCH.
    #[arg(long)]
    no_source_date_epoch: bool,
    /// Set the umask to this (octal) instead of 022.
    #[arg(long, value_name = "OCTAL", value_parser = parse_umask)]
    umask: Option<u32>,
    /// Set an environment variable for the build, over everything else (repeatable).
    #[arg(long = "setenv", value_name = "NAME=VALUE", value_parser = parse_setenv)]
    setenv: Vec<(OsString, OsString)>,
    /// List directories in reversed name order instead of sorted (to find order dependencies).
    #[arg(long)]
    reverse_dir_order: bool,
    /// Files found before the run read as one second before this instead of before the epoch
    /// (earlier than the epoch: the clock moves, the sources do not).
    #[arg(long, value_name = "SECONDS")]
    found_epoch: Option<i64>,
    /// The build sees itself as this uid and gid (a user namespace maps them to yours).
    #[arg(long, value_name = "UID:GID", value_parser = parse_ids)]
    ids: Option<(u32, u32)>,
    /// Run the build on at most N CPUs (its affinity: what nproc reports).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    cpus: Option<u32>,
    /// uname answers this kernel release (and version "#1 SMP reproscope").
    #[arg(long, value_name = "RELEASE")]
    kernel_release: Option<String>,
    /// Leave address-space layout randomization on (default: off, so values that come from
    /// addresses, such as Perl's hash order, repeat).
    #[arg(long)]
    keep_aslr: bool,
    /// After the run, list on stderr what was rewritten and how often.
    #[arg(long)]
    explain: bool,
    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

fn parse_umask(s: &str) -> Result<u32, String> {
    u32::from_str_radix(s, 8)
        .ok()
        .filter(|&m| m <= 0o777)
        .ok_or_else(|| format!("{s:?} is not an octal umask (000 to 777)"))
}

fn parse_ids(s: &str) -> Result<(u32, u32), String> {
    let (u, g) = s.split_once(':').ok_or_else(|| format!("{s:?}: expected UID:GID"))?;
    match (u.parse(), g.parse()) {
        (Ok(u), Ok(g)) => Ok((u, g)),
        _ => Err(format!("{s:?}: expected UID:GID, two numbers")),
    }
}

fn parse_setenv(s: &str) -> Result<(OsString, OsString), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.into(), v.into())),
        _ => Err(format!("{s:?}: expected NAME=VALUE")),
    }
}

/// Exit status for reproscope's own failure to start the command (as `env`/container runners).
const CANNOT_RUN: u8 = 125;
/// As a shell: the command exists but cannot be executed.
const NOT_EXECUTABLE: u8 = 126;
const NOT_FOUND: u8 = 127;

pub fn run(a: Args) -> crate::Result<u8> {
    let epoch = match a.epoch {
        Some(e) => e,
        None => match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(v) => v
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds"))?,
            Err(_) => reproscope_trace::DEFAULT_EPOCH,
        },
    };
    let config = Config {
        epoch,
        step_ns: a.step_ns,
        seed: a.seed,
        time: !a.no_time,
        file_times: !a.no_file_times,
        random: !a.no_random,
        dir_order: !a.no_dir_order,
        inodes: !a.no_inodes,
        host: !a.no_host,
        hostname: a.hostname,
        domainname: a.domainname,
        build_path: a.build_path,
        set_tz: !a.no_tz,
        set_locale: !a.no_locale,
        set_umask: !a.no_umask,
        umask: a.umask.unwrap_or(0o022),
        extra_env: a.setenv,
        dir_reverse: a.reverse_dir_order,
        ids_inside: a.ids,
        found_epoch: a.found_epoch,
        cpus: a.cpus.map(|n| n as usize),
        kernel: a.kernel_release.map(|r| (r, "#1 SMP reproscope".to_string())),
        fixed_layout: !a.keep_aslr,
        set_source_date_epoch: !a.no_source_date_epoch,
    };
    let outcome = match reproscope_trace::run(&config, &a.command) {
        Ok(o) => o,
        Err(e @ (Error::NotFound(_) | Error::NotExecutable(_))) => {
            eprintln!("reproscope run: {e}");
            return Ok(if matches!(e, Error::NotFound(_)) {
                NOT_FOUND
            } else {
                NOT_EXECUTABLE
            });
        }
        Err(e) => {
            eprintln!("reproscope run: cannot run the command: {e}");
            return Ok(CANNOT_RUN);
        }
    };
    if a.explain {
        let mut text = String::from("reproscope run --explain:\n");
        for s in &outcome.setup {
            text.push_str(s);
            text.push('\n');
        }
        text.push_str(&outcome.stats.explain(&config));
        eprint!("{text}");
    }
    match outcome.exit {
        Exit::Code(c) => Ok((c & 0xff) as u8),
        Exit::Signal(sig) => {
            // Die of the same signal, so the caller (a shell, make) sees what the build saw.
            reproscope_trace::die_of_signal(sig);
            Ok((128 + sig).clamp(0, 255) as u8)
        }
    }
}
