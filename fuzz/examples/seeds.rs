//! Writes EIF and SGXS seeds with the repository's own writers (used by seed.sh):
//! `seeds OUTDIR RAMDISK...` makes OUTDIR/small.eif (the ramdisks given) and OUTDIR/small.sgxs.

use reproscope_formats::{eif, sgxs};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = std::path::Path::new(&args[0]);
    let ramdisks: Vec<Vec<u8>> = args[1..].iter().map(|p| std::fs::read(p).expect("ramdisk")).collect();
    let kernel = vec![0x4du8; 512];
    let e = eif::write(&eif::EifSpec {
        kernel: &kernel,
        cmdline: "console=ttyS0 reboot=k",
        ramdisks: ramdisks.iter().map(|r| &r[..]).collect(),
        metadata: Some(serde_json::json!({"ImageName": "seed", "BuildTime": "2024-01-01T00:00:00Z"})),
        arch_arm64: false,
    });
    std::fs::write(out.join("small.eif"), e).unwrap();

    let code = vec![0x90u8; 300];
    let tcs = {
        // OSSA at page 2, NSSA 1, OENTRY 0: a TCS the region guess can follow.
        let mut t = vec![0u8; 72];
        t[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
        t[24..28].copy_from_slice(&1u32.to_le_bytes());
        t
    };
    let pages = [
        sgxs::PageSpec::measured(0, sgxs::secinfo(2, 0b101), &code),
        sgxs::PageSpec::measured(0x1000, sgxs::secinfo(1, 0), &tcs),
        sgxs::PageSpec {
            offset: 0x2000,
            flags: sgxs::secinfo(2, 0b011),
            data: b"ssa",
            measure: 0x000f,
            unmeasured: 0x00f0,
        },
    ];
    match sgxs::write(1, sgxs::Size::Sized(0x4000), &pages) {
        Ok(s) => std::fs::write(out.join("small.sgxs"), s).unwrap(),
        Err(e) => eprintln!("sgxs seed not written: {e}"),
    }
}
