//! What untrusted input may cost a run: one set of options for every command that opens inputs
//! (`diff`, `verify`, `ls`, `extract`), flattened into each.

use std::sync::{Arc, OnceLock};

use reproscope_diff::Options;
use reproscope_formats::{
    Budget, Limits, DEFAULT_MAX_CODEC_MEMORY, DEFAULT_MAX_DECOMPRESSED_TOTAL, DEFAULT_MAX_MEMBERS_TOTAL,
};

#[derive(clap::Args, Clone, Debug)]
pub struct LimitArgs {
    /// Most bytes decompressed in the whole run, all inputs together (K, M, G, T suffixes:
    /// powers of 1024). Bounds temporary disk space and time, not memory; past it, content is
    /// compared as stored bytes (diff) or refused (ls, extract).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_DECOMPRESSED_TOTAL, value_parser = parse_size)]
    pub max_decompressed_total: u64,
    /// Most archive members listed in the whole run, all inputs together.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_MEMBERS_TOTAL)]
    pub max_members: u64,
    /// Most memory one decoder may take for its window or dictionary (zstd --long, xz and lzma
    /// dictionaries); larger ones are refused. Default 128M, as `zstd -d`.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_CODEC_MEMORY, value_parser = parse_size)]
    pub max_codec_memory: u64,
}

impl Default for LimitArgs {
    fn default() -> Self {
        LimitArgs {
            max_decompressed_total: DEFAULT_MAX_DECOMPRESSED_TOTAL,
            max_members: DEFAULT_MAX_MEMBERS_TOTAL,
            max_codec_memory: DEFAULT_MAX_CODEC_MEMORY,
        }
    }
}

impl LimitArgs {
    /// Comparison options with these limits (the engine keeps its own deterministic ledger of
    /// the totals, so no shared budget goes into its `Limits`).
    pub fn apply(&self, opts: &mut Options) {
        opts.limits.max_codec_memory = self.max_codec_memory;
        opts.max_decompressed_total = self.max_decompressed_total;
        opts.max_members_total = self.max_members;
    }

    /// For the commands that walk one input in one thread (ls, extract): sets the limits that
    /// [`current`] returns, with a run-wide budget.
    pub fn install(&self) {
        let _ = CURRENT.set(self.limits_with_budget());
    }
}

static CURRENT: OnceLock<Limits> = OnceLock::new();

/// The run's limits, as [`LimitArgs::install`] set them (defaults, with a default budget,
/// when nothing did).
pub fn current() -> &'static Limits {
    CURRENT.get_or_init(|| LimitArgs::default().limits_with_budget())
}

impl LimitArgs {
    fn limits_with_budget(&self) -> Limits {
        Limits {
            max_codec_memory: self.max_codec_memory,
            budget: Some(Arc::new(Budget::new(self.max_decompressed_total, self.max_members))),
            ..Limits::default()
        }
    }
}

/// A size: a number of bytes with an optional K, M, G or T (powers of 1024; "KiB", "MB" and
/// the like are read the same).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 64G, 512M, 1000000)"))?;
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches('B')
        .trim_end_matches('I')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{s:?}: unknown unit (use K, M, G or T)")),
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64G"), Ok(64 << 30));
        assert_eq!(parse_size("128MiB"), Ok(128 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
