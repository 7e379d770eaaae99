//! The SGX commands end to end: `sgx info` / `sgx list` as sgxs-info prints them, `measure`
//! printing MRENCLAVE, `verify --sigstruct` exit codes, and `diff` naming the changed page with
//! its region and both MRENCLAVEs.

mod common;

use std::path::PathBuf;

use common::{run, s, write};
use reproscope_formats::sgxs::{self, create_record, eadd_record, flags, page_type, secinfo, PageSpec, Size};

const EXAMPLE_MRENCLAVE: &str = "6972ee47174d2bc74b98aa77107cec2c6ec20b30b88a8e8c1ba5af876c25067a";
const TEST_MRENCLAVE: &str = "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc";

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sgx")
}

fn test_enclave() -> PathBuf {
    vectors().join("intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sgxs")
}

fn test_sig() -> PathBuf {
    vectors().join("intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sig")
}

#[test]
fn sgx_info_prints_the_sgx_tracer_summary() {
    let t = tempfile::tempdir().unwrap();
    let e = write(t.path(), "enclave0.sgxs", &sgxs::example_enclave());
    let o = run(&["sgx", "info", s(&e)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "   0- fff Reg  r-x  (data) meas=all\n\
         1000-1fff Tcs  ---  (data) meas=all [oentry=0x0, ossa=0x2000, nssa=1]\n\
         2000-2fff Reg  rw- (empty) meas=all\n\
         3000-3fff (unmapped)\n"
    );
    let o = run(&["sgx", "info", "--regions", s(&e)]);
    assert!(
        o.stdout.contains("   0- fff Reg  r-x  (data) meas=all  code\n"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("2000-2fff Reg  rw- (empty) meas=all  ssa\n"),
        "{}",
        o.stdout
    );
}

#[test]
fn sgx_info_on_the_vectors() {
    let o = run(&["sgx", "info", s(&test_enclave())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 13);
    assert!(o
        .stdout
        .contains("15000-15fff Tcs  ---  (data) meas=all [oentry=0x1000, ossa=0x27000, nssa=2]\n"));
    let o = run(&["sgx", "info", s(&test_sig())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("enclavehash          {TEST_MRENCLAVE}\n")),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("signature-check      valid\n"), "{}", o.stdout);
    assert!(o.stdout.contains("date                 2016-12-14\n"), "{}", o.stdout);
    assert!(
        o.stdout.contains("attributes.flags     0x4 (MODE64BIT)\n"),
        "{}",
        o.stdout
    );
}

#[test]
fn sgx_list_and_non_canonical_streams() {
    let t = tempfile::tempdir().unwrap();
    let e = write(t.path(), "e.sgxs", &sgxs::example_enclave());
    let o = run(&["sgx", "list", s(&e)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 52);
    assert_eq!(lines[0], "ECREATE size=0x4000 ssaframesize=1");
    assert_eq!(lines[1], "EADD offset=0x       0 pagetype=2 flags=R | X");

    // EADD offsets going down: listed anyway, then the violation, exit 2.
    let bad = [
        &create_record(1, Size::Sized(0x4000))[..],
        &eadd_record(0x2000, 0x205),
        &eadd_record(0x1000, 0x205),
    ]
    .concat();
    let b = write(t.path(), "bad.sgxs", &bad);
    let o = run(&["sgx", "list", s(&b)]);
    assert_eq!(o.code, 2);
    assert_eq!(o.stdout.lines().count(), 3);
    assert!(
        o.stderr
            .contains("record 2 (EADD) at offset 0x80: page offset 0x1000 is below the previous EADD's 0x2000"),
        "{}",
        o.stderr
    );
    let o = run(&["sgx", "info", s(&b)]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("bad.sgxs: sgxs: record 2 (EADD) at offset 0x80"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn measure_prints_mrenclave() {
    let t = tempfile::tempdir().unwrap();
    let e = write(t.path(), "enclave0.sgxs", &sgxs::example_enclave());
    let o = run(&["measure", s(&e), s(&test_enclave())]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("  MRENCLAVE    {EXAMPLE_MRENCLAVE}\n")),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(&format!("  MRENCLAVE    {TEST_MRENCLAVE}\n")),
        "{}",
        o.stdout
    );
    let o = run(&["measure", "--json", s(&e)]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    assert_eq!(v["MRENCLAVE"], EXAMPLE_MRENCLAVE);
    let o = run(&["measure", s(&test_sig())]);
    assert!(
        o.stdout.contains(&format!("  ENCLAVEHASH  {TEST_MRENCLAVE}\n")),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("  signature    valid\n"), "{}", o.stdout);

    // A damaged stream named .sgxs is an error naming the record, not a silent digest.
    let mut d = sgxs::example_enclave();
    d[64 + 30] = 1;
    let bad = write(t.path(), "bad.sgxs", &d);
    let o = run(&["measure", s(&bad)]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("bad.sgxs: sgxs: record 1 (EADD) at offset 0x40: reserved SECINFO byte 30"),
        "{}",
        o.stderr
    );
}

#[test]
fn verify_against_a_sigstruct() {
    let o = run(&["verify", s(&test_enclave()), "--sigstruct", s(&test_sig())]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains(&format!("MRENCLAVE    {TEST_MRENCLAVE}")),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains(&format!("ENCLAVEHASH  {TEST_MRENCLAVE}")),
        "{}",
        o.stdout
    );
    assert!(o
        .stdout
        .contains("verified: MRENCLAVE equals the SIGSTRUCT's ENCLAVEHASH"));

    let t = tempfile::tempdir().unwrap();
    let other = write(t.path(), "enclave0.sgxs", &sgxs::example_enclave());
    let o = run(&["verify", s(&other), "--sigstruct", s(&test_sig())]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o
        .stdout
        .contains("NOT verified: MRENCLAVE differs from the SIGSTRUCT's ENCLAVEHASH"));

    // Same ENCLAVEHASH but a signed field changed: the signature no longer verifies.
    let mut sig = std::fs::read(test_sig()).unwrap();
    sig[1026] = 1;
    let tampered = write(t.path(), "tampered.sig", &sig);
    let o = run(&["verify", s(&test_enclave()), "--sigstruct", s(&tampered)]);
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(o
        .stdout
        .contains("signature    INVALID: the signature does not match the signed fields"));
    assert!(o
        .stdout
        .contains("NOT verified: MRENCLAVE equals ENCLAVEHASH, but the SIGSTRUCT's signature is invalid"));

    let o = run(&[
        "verify",
        s(&test_enclave()),
        "--sigstruct",
        s(&test_sig()),
        "--json",
        "-",
    ]);
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    assert_eq!(v["match"], true);
    assert_eq!(v["signature"], "valid");

    // Trouble: not a SIGSTRUCT.
    let short = write(t.path(), "short.sig", &sig[..100]);
    let o = run(&["verify", s(&test_enclave()), "--sigstruct", s(&short)]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("a SIGSTRUCT is 1808 bytes, this is 100"),
        "{}",
        o.stderr
    );

    // MRENCLAVE as an expected value.
    let o = run(&[
        "verify",
        s(&other),
        "--expect",
        &format!("MRENCLAVE={EXAMPLE_MRENCLAVE}"),
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

/// Two builds of the example enclave: one instruction byte and one page's permissions and
/// measurement differ.
#[test]
fn diff_names_pages_regions_and_both_mrenclaves() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "a.sgxs", &sgxs::example_enclave());
    let code = [0x48, 0x89, 0xcb, 0xb8, 0x05, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd7];
    let tcs = sgxs::parse(&sgxs::example_enclave()).unwrap().pages[1].data.clone();
    let b_bytes = sgxs::write(
        1,
        Size::Sized(0x4000),
        &[
            PageSpec::measured(0, secinfo(page_type::REG, flags::R | flags::X), &code),
            PageSpec::measured(0x1000, secinfo(page_type::TCS, 0), &tcs),
            PageSpec {
                offset: 0x2000,
                flags: secinfo(page_type::REG, flags::R),
                data: &[],
                measure: 0,
                unmeasured: 0,
            },
        ],
    )
    .unwrap();
    let b = write(t.path(), "b.sgxs", &b_bytes);
    let b_mrenclave = reproscope_formats::hex(&sgxs::mrenclave(&b_bytes).unwrap());
    let o = run(&["diff", s(&a), s(&b)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let out = &o.stdout;
    for want in [
        "also differ, as a consequence: mrenclave",
        "├── 0x0\n",
        "# code (Reg r-x, measured all)",
        "bytes differ at 0x4+1",
        "└── 0x2000\n",
        "permissions: rw- → r--",
        "measured: all → none",
        "# ssa (Reg rw-, measured all)",
        &format!("MRENCLAVE  {EXAMPLE_MRENCLAVE}  {}\n", s(&a)),
        &format!("MRENCLAVE  {b_mrenclave}  {}\n", s(&b)),
        "differ: 2 changed, 0 added, 0 removed",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }
    assert!(!out.contains("0x1000"), "the TCS page is the same:\n{out}");

    let o = run(&["diff", s(&a), s(&a)]);
    assert_eq!(o.code, 0);
}
