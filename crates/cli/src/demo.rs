//! `reproscope demo`: two sample enclave images, then what a user would run on them.

use std::path::PathBuf;

use reproscope::sample::{build_eif, Variant};

use crate::{diffcmd, measure, verify, Result, SAME};

#[derive(clap::Args)]
pub struct Args {
    /// Keep the images in DIR instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
}

pub fn run(a: Args, color: bool) -> Result<u8> {
    let tmp;
    let dir = match &a.keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: cannot create: {e}", d.display()))?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let local = dir.join("local.eif");
    let deployed = dir.join("deployed.eif");
    let write = |p: &PathBuf, v: &Variant| std::fs::write(p, build_eif(v)).map_err(|e| format!("{}: {e}", p.display()));
    write(&local, &Variant::default())?;
    write(
        &deployed,
        &Variant {
            edit_config: true,
            touch_mtime: true,
            add_file: false,
        },
    )?;
    println!(
        "reproscope demo: two enclave images built from the same sample content, in {}",
        dir.display()
    );
    println!("  local.eif     as built from source");
    println!("  deployed.eif  the same, but etc/app.conf was edited and app/run.sh has another mtime,");
    println!("                both inside the second ramdisk (gzip'd cpio behind an uncompressed early cpio)");
    println!();
    println!("$ reproscope measure local.eif deployed.eif");
    measure::run(measure::Args::new(vec![local.clone(), deployed.clone()]))?;
    println!();
    println!("$ reproscope verify local.eif --against deployed.eif --no-diff");
    verify::run(verify::Args::against(local.clone(), deployed.clone(), true), color)?;
    println!();
    println!("$ reproscope diff local.eif deployed.eif");
    diffcmd::run(diffcmd::Args::new(local, deployed), color)?;
    if a.keep.is_none() {
        println!();
        println!("(run `reproscope demo --keep DIR` to keep the two images and try the other commands on them)");
    }
    Ok(SAME)
}
