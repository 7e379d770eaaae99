//! Fortanix's sgxs-tools as oracles: `sgxs-info summary` and `list-all` must print exactly our
//! lines, and `sgxs-sign` must put our MRENCLAVE into the SIGSTRUCT it signs (whose fields and
//! signature we then decode and check), on the public vectors and on our writer's output.
//!
//! Needs `sgxs-info` and `sgxs-sign` (`cargo install sgxs-tools --locked`, which needs `protoc`:
//! Debian's protobuf-compiler) and `openssl`. No SGX hardware is involved.
//! A missing oracle fails the test, naming how to install it: an oracle test never passes unchecked.

use std::path::{Path, PathBuf};
use std::process::Command;

use reproscope_formats::sgxs::{self, flags, page_type, secinfo, PageSpec, Size, Tcs, TCS_DBGOPTIN};
use reproscope_formats::{hex, sigstruct};
use sha2::{Digest, Sha256};

/// A tool on PATH, else in cargo's bin directory; a missing oracle fails the test.
fn tool(name: &str) -> PathBuf {
    let on_path =
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()));
    let cargo_bins = [
        std::env::var_os("CARGO_HOME").map(|h| PathBuf::from(h).join("bin").join(name)),
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin").join(name)),
    ];
    on_path
        .or_else(|| cargo_bins.into_iter().flatten().find(|p| p.is_file()))
        .unwrap_or_else(|| {
            panic!(
                "{name} not found: install with `cargo install sgxs-tools --locked` (needs protoc: \
                 apt-get install protobuf-compiler)"
            )
        })
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sgx")
}

/// Streams to compare on: the public vectors and what our writer makes of several layouts.
fn inputs(dir: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    for name in [
        "intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sgxs",
        "intel-sgx_report-test_enclave_report.sgxs",
    ] {
        out.push((vectors().join(name), true));
    }
    let mut write = |name: &str, bytes: Vec<u8>, sized: bool| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        out.push((p, sized));
    };
    write("example.sgxs", sgxs::example_enclave(), true);

    // Two threads, gaps, partial and unmeasured chunks, a page filled with one byte value.
    let rx = secinfo(page_type::REG, flags::R | flags::X);
    let rw = secinfo(page_type::REG, flags::R | flags::W);
    let tcs = |ossa: u64, fs: u64, dbg: bool| {
        Tcs {
            flags: if dbg { TCS_DBGOPTIN } else { 0 },
            ossa,
            nssa: 2,
            oentry: 0x40,
            ofsbase: fs,
            ogsbase: fs,
            fslimit: 0xfff,
            gslimit: 0xfff,
            ..Tcs::default()
        }
        .to_bytes()
    };
    let (t1, t2) = (tcs(0x10000, 0x20000, false), tcs(0x12000, 0x21000, true));
    let code: Vec<u8> = (0..6000u32).map(|i| (i * 7 % 251) as u8).collect();
    let fill = vec![0xcc; 4096];
    let pages = [
        PageSpec::measured(0, rx, &code[..4096]),
        PageSpec::measured(0x1000, rx, &code[4096..]),
        PageSpec {
            offset: 0x3000,
            flags: rw,
            data: &code[..3000],
            measure: 0x000f,
            unmeasured: 0x0ff0,
        },
        PageSpec::measured(0x8000, secinfo(page_type::TCS, 0), &t1),
        PageSpec::measured(0x9000, secinfo(page_type::TCS, 0), &t2),
        PageSpec {
            offset: 0xa000,
            flags: rw,
            data: &[],
            measure: 0,
            unmeasured: 0,
        },
        PageSpec {
            offset: 0xb000,
            flags: rw,
            data: &[],
            measure: 0,
            unmeasured: 0,
        },
        PageSpec::measured(0x10000, rw, &[]),
        PageSpec::measured(0x11000, rw, &[]),
        PageSpec::measured(0x12000, rw, &[]),
        PageSpec::measured(0x13000, rw, &[]),
        PageSpec::measured(0x20000, rw, &fill),
        PageSpec::measured(0x21000, rw, &fill),
        PageSpec::measured(0x22000, secinfo(page_type::REG, flags::R), b"rodata"),
    ];
    write(
        "threads.sgxs",
        sgxs::write(2, Size::Sized(0x40000), &pages).unwrap(),
        true,
    );
    // The same pages, unsized (an ESGXS stream before its size is known).
    write(
        "unsized.sgxs",
        sgxs::write(2, Size::Unsized(0x40), &pages).unwrap(),
        false,
    );
    out
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

#[test]
fn summary_and_list_all_match_sgxs_info() {
    let info = tool("sgxs-info");
    let dir = tempfile::tempdir().unwrap();
    for (path, _) in inputs(dir.path()) {
        let data = std::fs::read(&path).unwrap();
        let e = sgxs::parse(&data).unwrap();
        let want = lines(&run(Command::new(&info).arg("summary").arg(&path)));
        assert_eq!(sgxs::summary(&e, false), want, "summary of {}", path.display());
        let want = lines(&run(Command::new(&info).arg("list-all").arg(&path)));
        let (got, error) = sgxs::list_all(&data);
        assert!(error.is_none());
        assert_eq!(got, want, "list-all of {}", path.display());
    }
}

#[test]
fn sgxs_sign_puts_our_mrenclave_in_a_sigstruct_we_verify() {
    let sign = tool("sgxs-sign");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    run(Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"])
        .args(["-pkeyopt", "rsa_keygen_pubexp:3", "-out", key.to_str().unwrap()]));
    // MRSIGNER from openssl's view of the key: sha256 of the modulus, little-endian.
    let modulus = run(Command::new("openssl").args(["rsa", "-noout", "-modulus", "-in", key.to_str().unwrap()]));
    let be: Vec<u8> = (0..768)
        .step_by(2)
        .map(|i| u8::from_str_radix(&modulus.trim()["Modulus=".len()..][i..i + 2], 16).unwrap())
        .collect();
    let le: Vec<u8> = be.into_iter().rev().collect();
    let mrsigner = hex(&Sha256::digest(&le));

    for (path, sized) in inputs(dir.path()) {
        if !sized {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let ours = hex(&sgxs::mrenclave(&data).unwrap());
        let sig = dir.path().join("out.sig");
        let printed = run(Command::new(&sign)
            .args([
                "--key",
                key.to_str().unwrap(),
                "--date",
                "20240102",
                "-p",
                "7",
                "-v",
                "3",
                "-d",
            ])
            .arg(&path)
            .arg(&sig));
        assert!(
            printed.contains(&ours),
            "sgxs-sign printed {printed:?}, we measured {ours}"
        );
        let s = sigstruct::decode(&std::fs::read(&sig).unwrap()).unwrap();
        assert_eq!(hex(&s.enclavehash), ours, "{}", path.display());
        assert_eq!(s.check_signature(), Ok(()));
        assert_eq!(hex(&s.mrsigner()), mrsigner);
        assert_eq!(s.date_ymd(), Some((2024, 1, 2)));
        assert_eq!((s.isvprodid, s.isvsvn), (7, 3));
        // -d: DEBUG on top of the default MODE64BIT.
        assert_eq!(s.attributes_flags, 0x6);
        assert_eq!(s.attributes_xfrm, 0x3);
    }
}
