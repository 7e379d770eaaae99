//! A live "comparing…" line on stderr for long comparisons (terminals only).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reproscope_diff::{compare_paths, Difference, Error, Options, Progress};
use reproscope_report::human_size;

/// `compare_paths`, showing progress after half a second when stderr is a terminal.
pub fn compare(a: &Path, b: &Path, mut opts: Options) -> Result<Option<Difference>, Error> {
    if !std::io::stderr().is_terminal() {
        return compare_paths(a, b, &opts);
    }
    let progress = Arc::new(Progress::default());
    opts.progress = Some(progress.clone());
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut shown = false;
            let mut waited = 0;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                waited += 100;
                if waited >= 500 && waited % 200 == 100 {
                    let m = progress.members.load(Ordering::Relaxed);
                    let bytes = progress.bytes.load(Ordering::Relaxed);
                    eprint!("\r\x1b[2Kcomparing… {m} members, {}", human_size(bytes));
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }
        });
        let r = compare_paths(a, b, &opts);
        done.store(true, Ordering::Relaxed);
        r
    })
}
