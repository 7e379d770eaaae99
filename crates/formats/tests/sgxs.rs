//! SGXS: the writer rebuilds the sgx-tracer example enclave to its published MRENCLAVE, the
//! public vectors measure to their published values, every canonical-stream rule gives a clear
//! error, and damaged streams never panic.

mod common;

use std::path::PathBuf;

use common::{field, no_panic_on_damage, open_ok};
use reproscope_formats::sgxs::{
    self, create_record, eadd_record, extend_record, flags, page_type, secinfo, PageSpec, Sgxs, Size, Tcs,
};
use reproscope_formats::{hex, Format, Limits, Value};
use sha2::{Digest, Sha256};

const EXAMPLE_MRENCLAVE: &str = "6972ee47174d2bc74b98aa77107cec2c6ec20b30b88a8e8c1ba5af876c25067a";

/// The four `sgxs-info summary` lines the sgx-tracer README shows for its example enclave
/// (`sgxs-example/eexit.sgxs`, loaded and traced), with the MRENCLAVE above as its sha256.
const EXAMPLE_SUMMARY: [&str; 4] = [
    "   0- fff Reg  r-x  (data) meas=all",
    "1000-1fff Tcs  ---  (data) meas=all [oentry=0x0, ossa=0x2000, nssa=1]",
    "2000-2fff Reg  rw- (empty) meas=all",
    "3000-3fff (unmapped)",
];

/// The public SGX vectors copied into the repository (tests/data/sgx/README.md says from where).
fn vector(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/sgx")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read the SGX vector {}: {e}", p.display()))
}

const TEST_ENCLAVE: &str = "intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sgxs";
const REPORT_ENCLAVE: &str = "intel-sgx_report-test_enclave_report.sgxs";

fn parse_err(data: &[u8]) -> String {
    match sgxs::parse(data) {
        Ok(_) => panic!("accepted a non-canonical stream"),
        Err(e) => e.message,
    }
}

fn assert_err(data: &[u8], want: &[&str]) {
    let msg = parse_err(data);
    for w in want {
        assert!(msg.contains(w), "error {msg:?} should contain {w:?}");
    }
    // The Format reports the same error.
    let e = Sgxs
        .open(
            &reproscope_formats::Blob::from_vec(data.to_vec()),
            "x.sgxs",
            &Limits::default(),
        )
        .unwrap_err();
    assert_eq!(e.message, msg);
}

#[test]
fn writer_rebuilds_the_sgx_tracer_example() {
    let e = sgxs::example_enclave();
    assert_eq!(e.len(), 64 + 3 * (64 + 16 * 320));
    assert_eq!(hex(&Sha256::digest(&e)), EXAMPLE_MRENCLAVE);
    assert_eq!(hex(&sgxs::mrenclave(&e).unwrap()), EXAMPLE_MRENCLAVE);
    let parsed = sgxs::parse(&e).unwrap();
    assert_eq!(sgxs::summary(&parsed, false), EXAMPLE_SUMMARY);
    assert_eq!(sgxs::regions(&parsed), ["code", "tcs", "ssa"]);
    let t = parsed.pages[1].tcs().unwrap();
    assert_eq!((t.ossa, t.nssa, t.oentry), (0x2000, 1, 0));
    assert_eq!(
        &parsed.pages[0].content()[..11],
        [0x48, 0x89, 0xcb, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x0f, 0x01, 0xd7]
    );
}

#[test]
fn vectors_measure_to_their_published_values() {
    for (name, want, len) in [
        (
            TEST_ENCLAVE,
            "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc",
            46_720,
        ),
        (
            REPORT_ENCLAVE,
            "a06a560b26f5e397b2d7872fac66fe4b43bf4f507296ee048f110be6fb1a2290",
            15_616,
        ),
    ] {
        let data = vector(name);
        assert_eq!(data.len(), len, "{name}");
        assert_eq!(hex(&sgxs::mrenclave(&data).unwrap()), want, "{name}");
    }
}

/// `sgxs-info summary` of the 9-page test enclave (as the official tool prints it).
#[test]
fn test_enclave_summary_and_regions() {
    let e = sgxs::parse(&vector(TEST_ENCLAVE)).unwrap();
    assert_eq!((e.size, e.ssaframesize, e.pages.len()), (0x40000, 1, 9));
    let want = [
        "    0-  fff Reg  r--  (data) meas=all",
        " 1000- 1fff Reg  r-x  (data) meas=all",
        " 2000- 2fff Reg  rw-  (data) meas=all",
        " 3000- 3fff (unmapped)",
        " 4000- 4fff Reg  r--  (data) meas=all",
        " 5000-14fff (unmapped)",
        "15000-15fff Tcs  ---  (data) meas=all [oentry=0x1000, ossa=0x27000, nssa=2]",
        "16000-16fff Reg  rw- (empty) meas=all",
        "17000-26fff (unmapped)",
        "27000-28fff Reg  rw- (empty) meas=all",
        "29000-38fff (unmapped)",
        "39000-39fff Reg  rw- [0xcc]* meas=all",
        "3a000-3ffff (unmapped)",
    ];
    assert_eq!(sgxs::summary(&e, false), want);
    assert_eq!(
        sgxs::regions(&e),
        ["rodata", "code", "data", "rodata", "tcs", "tls", "ssa", "ssa", "data"]
    );
    // 0x16000 is the TCS's FS and GS base (limits 0xfff): thread-local storage.
    let t = e.pages[4].tcs().unwrap();
    assert_eq!(
        (t.ofsbase, t.ogsbase, t.fslimit, t.gslimit),
        (0x16000, 0x16000, 0xfff, 0xfff)
    );
    // With regions, the two SSA pages stay one run.
    let with = sgxs::summary(&e, true);
    assert!(
        with.contains(&"27000-28fff Reg  rw- (empty) meas=all  ssa".to_string()),
        "{with:#?}"
    );
}

#[test]
fn list_all_lines() {
    let (lines, error) = sgxs::list_all(&sgxs::example_enclave());
    assert!(error.is_none());
    assert_eq!(lines.len(), 1 + 3 * 17);
    assert_eq!(lines[0], "ECREATE size=0x4000 ssaframesize=1");
    assert_eq!(lines[1], "EADD offset=0x       0 pagetype=2 flags=R | X");
    assert_eq!(lines[2], "EEXTEND offset=0x       0 data=(data)");
    assert_eq!(lines[3], "EEXTEND offset=0x     100 data=(empty)");
    assert_eq!(lines[18], "EADD offset=0x    1000 pagetype=1 flags=(empty)");
    assert_eq!(lines[35], "EADD offset=0x    2000 pagetype=2 flags=R | W");
}

/// The enclave as a node: pages as members with typed fields, MRENCLAVE as a digest.
#[test]
fn opens_into_pages() {
    let o = open_ok(&Sgxs, &sgxs::example_enclave(), "enclave0.sgxs");
    assert_eq!(field(&o, "enclave-size"), Some(&Value::Size(0x4000)));
    assert_eq!(field(&o, "ssaframesize"), Some(&Value::Int(1)));
    assert_eq!(field(&o, "mrenclave"), Some(&Value::Digest(EXAMPLE_MRENCLAVE.into())));
    let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["0x0", "0x1000", "0x2000"]);
    let f = |i: usize, n: &str| o.members[i].field(n).cloned();
    assert_eq!(f(0, "offset"), Some(Value::Offset(0)));
    assert_eq!(f(0, "region"), Some(Value::Text("code".into())));
    assert_eq!(f(0, "permissions"), Some(Value::Text("r-x".into())));
    assert_eq!(f(0, "measured"), Some(Value::Text("all".into())));
    assert_eq!(f(1, "type"), Some(Value::Text("Tcs".into())));
    assert_eq!(f(1, "tcs.ossa"), Some(Value::Text("0x2000".into())));
    assert_eq!(f(1, "tcs.nssa"), Some(Value::Int(1)));
    assert_eq!(f(2, "region"), Some(Value::Text("ssa".into())));
    assert!(o.members.iter().all(|m| m.size == 4096));
    assert_eq!(
        Sgxs.describe_member(&o.members[0]).as_deref(),
        Some("code (Reg r-x, measured all)")
    );
}

/// Pages without any chunk, alike and adjacent, are one member with a page count.
#[test]
fn chunkless_runs_are_one_member() {
    let rw = secinfo(page_type::REG, flags::R | flags::W);
    let mut pages = vec![PageSpec::measured(
        0,
        secinfo(page_type::REG, flags::R | flags::X),
        b"\xc3",
    )];
    for i in 1..=5u64 {
        pages.push(PageSpec {
            offset: i * 4096,
            flags: rw,
            data: &[],
            measure: 0,
            unmeasured: 0,
        });
    }
    let s = sgxs::write(1, Size::Sized(0x8000), &pages).unwrap();
    let o = open_ok(&Sgxs, &s, "a.sgxs");
    assert_eq!(o.members.len(), 2);
    let heap = &o.members[1];
    assert_eq!(heap.name, "0x1000");
    assert_eq!(heap.field("pages"), Some(&Value::Int(5)));
    assert_eq!(heap.field("measured"), Some(&Value::Text("none".into())));
    assert_eq!(heap.field("region"), Some(&Value::Text("heap/stack".into())));
    assert!(heap.data.is_none());
    let e = sgxs::parse(&s).unwrap();
    assert_eq!(
        sgxs::summary(&e, false),
        [
            "   0- fff Reg  r-x  (data) meas=all",
            "1000-5fff Reg  rw- (empty) meas=none",
            "6000-7fff (unmapped)",
        ]
    );
}

/// UNMEASRD chunks are loaded but skipped when measuring; partial measurement is shown.
#[test]
fn unmeasured_chunks_and_partial_pages() {
    let data = vec![0x5a; 4096];
    let pages = [PageSpec {
        offset: 0,
        flags: secinfo(page_type::REG, flags::R | flags::W),
        data: &data,
        measure: 0x00ff,
        unmeasured: 0xff00,
    }];
    let s = sgxs::write(1, Size::Sized(0x2000), &pages).unwrap();
    let e = sgxs::parse(&s).unwrap();
    assert_eq!(e.unmeasured_records, 8);
    // Measured = the stream without its UNMEASRD records.
    let mut measured = Vec::new();
    for r in sgxs::Records::new(&s) {
        let r = r.unwrap();
        if r.record.tag() != "UNMEASRD" {
            measured.extend_from_slice(r.raw);
        }
    }
    assert_eq!(e.mrenclave.unwrap(), <[u8; 32]>::from(Sha256::digest(&measured)));
    assert_ne!(e.mrenclave.unwrap(), <[u8; 32]>::from(Sha256::digest(&s)));
    assert_eq!(
        sgxs::summary(&e, false),
        ["   0- fff Reg  rw- [0x5a]* meas=partial", "1000-1fff (unmapped)"]
    );
    let o = open_ok(&Sgxs, &s, "p.sgxs");
    let m = &o.members[0];
    assert_eq!(m.field("measured"), Some(&Value::Text("partial: chunks 0-7".into())));
    assert_eq!(m.field("unmeasured"), Some(&Value::Text("chunks 8-15".into())));
    assert_eq!(m.field("region"), Some(&Value::Text("data".into())));
}

#[test]
fn unsized_streams_read_but_do_not_measure() {
    let s = sgxs::write(
        2,
        Size::Unsized(0x1008),
        &[PageSpec::measured(0x3000, secinfo(page_type::REG, flags::R), b"x")],
    )
    .unwrap();
    let e = sgxs::parse(&s).unwrap();
    assert!(!e.sized);
    assert!(e.mrenclave.is_none());
    assert!(sgxs::mrenclave(&s).unwrap_err().message.contains("UNSIZED"));
    assert_eq!(
        sgxs::summary(&e, false),
        [
            "(unsized)",
            "       0-    2fff (unmapped)",
            "    3000-    3fff Reg  r--  (data) meas=all",
        ]
    );
    let (lines, _) = sgxs::list_all(&s);
    assert_eq!(lines[0], "UNSIZED offset=0x1008 ssaframesize=2");
    let o = open_ok(&Sgxs, &s, "u.sgxs");
    assert_eq!(field(&o, "unsized.size-at"), Some(&Value::Text("0x1008".into())));
    assert_eq!(field(&o, "mrenclave"), None);
}

#[test]
fn identifies_by_first_record_and_name() {
    let e = sgxs::example_enclave();
    assert!(Sgxs.identify(&e, "enclave0.sgxs"));
    // The structure alone: ECREATE with zero reserved bytes, then EADD.
    assert!(Sgxs.identify(&e, "enclave.bin"));
    assert!(!Sgxs.identify(&e[..64], "enclave.bin"));
    assert!(Sgxs.identify(&e[..64], "enclave.sgxs"));
    assert!(!Sgxs.identify(b"EADD\0\0\0\0", "x.sgxs"));
    assert!(matches!(
        reproscope_formats::identify(&e, "enclave0.sgxs").map(|f| f.name()),
        Some("sgxs")
    ));
}

// ---------------------------------------------------------------------------------------------
// Canonical-stream rules, each a clear error.

fn stream(records: &[&[u8]]) -> Vec<u8> {
    records.concat()
}

const REG_RX: u64 = 0x205;

#[test]
fn structural_errors() {
    assert_err(b"", &["empty"]);
    let c = create_record(1, Size::Sized(0x4000));
    assert_err(&c[..40], &["record 0 at offset 0x0", "truncated: 40 bytes left"]);
    let ext = extend_record(0, true, &[1; 256]);
    let s = stream(&[&c, &eadd_record(0, REG_RX), &ext[..100]]);
    assert_err(&s, &["record 2 (EEXTEND) at offset 0x80", "truncated"]);
    let mut bad = eadd_record(0, REG_RX);
    bad[..8].copy_from_slice(b"EREMOVE\0");
    assert_err(
        &stream(&[&c, &bad]),
        &["record 1 at offset 0x40", "unknown tag \"EREMOVE\\x00\""],
    );
}

#[test]
fn ecreate_must_come_first_and_once() {
    let c = create_record(1, Size::Sized(0x4000));
    assert_err(
        &stream(&[&eadd_record(0, REG_RX), &c]),
        &["record 0 (EADD) at offset 0x0", "must start with ECREATE"],
    );
    assert_err(
        &stream(&[&c, &eadd_record(0, REG_RX), &c]),
        &[
            "record 2 (ECREATE) at offset 0x80",
            "a second ECREATE (the first is record 0)",
        ],
    );
}

#[test]
fn reserved_bytes_must_be_zero() {
    let mut c = create_record(1, Size::Sized(0x4000));
    c[40] = 1;
    assert_err(&c, &["record 0 (ECREATE)", "reserved byte 40 of the record is 0x01"]);
    let c = create_record(1, Size::Sized(0x4000));
    let mut a = eadd_record(0, REG_RX);
    a[30] = 0x80;
    assert_err(
        &stream(&[&c, &a]),
        &["record 1 (EADD) at offset 0x40", "reserved SECINFO byte 30"],
    );
    let a = eadd_record(0, REG_RX | 1 << 40);
    assert_err(&stream(&[&c, &a]), &["record 1 (EADD)", "reserved bits 0x10000000000"]);
    let mut x = extend_record(0, true, &[]);
    x[63] = 2;
    assert_err(
        &stream(&[&c, &eadd_record(0, REG_RX), &x]),
        &["record 2 (EEXTEND) at offset 0x80", "reserved byte 63"],
    );
}

#[test]
fn eadd_offsets_aligned_increasing_unique_inside() {
    let c = create_record(1, Size::Sized(0x4000));
    assert_err(
        &stream(&[&c, &eadd_record(0x1010, REG_RX)]),
        &[
            "record 1 (EADD) at offset 0x40",
            "page offset 0x1010 is not a multiple of 4096",
        ],
    );
    assert_err(
        &stream(&[&c, &eadd_record(0x2000, REG_RX), &eadd_record(0x1000, REG_RX)]),
        &[
            "record 2 (EADD) at offset 0x80",
            "below the previous EADD's 0x2000 (record 1)",
        ],
    );
    assert_err(
        &stream(&[&c, &eadd_record(0x1000, REG_RX), &eadd_record(0x1000, REG_RX)]),
        &["record 2 (EADD)", "page 0x1000 is added twice (first by record 1)"],
    );
    assert_err(
        &stream(&[&c, &eadd_record(0x4000, REG_RX)]),
        &[
            "record 1 (EADD)",
            "page 0x4000 lies outside the enclave (ECREATE size 0x4000)",
        ],
    );
}

#[test]
fn tcs_pages_have_no_permissions_and_types_are_eadd_types() {
    let c = create_record(1, Size::Sized(0x4000));
    assert_err(
        &stream(&[&c, &eadd_record(0x1000, 0x101)]),
        &["record 1 (EADD) at offset 0x40", "TCS page 0x1000 has permissions r--"],
    );
    assert_err(
        &stream(&[&c, &eadd_record(0, 0x303)]),
        &["record 1 (EADD)", "type Va (3), which EADD does not accept"],
    );
}

#[test]
fn eextend_inside_the_last_page_once() {
    let c = create_record(1, Size::Sized(0x4000));
    let a = eadd_record(0x1000, REG_RX);
    assert_err(
        &stream(&[&c, &extend_record(0, true, &[])]),
        &["record 1 (EEXTEND) at offset 0x40", "chunk 0x0 comes before any EADD"],
    );
    assert_err(
        &stream(&[&c, &a, &extend_record(0x1010, true, &[])]),
        &[
            "record 2 (EEXTEND) at offset 0x80",
            "chunk offset 0x1010 is not a multiple of 256",
        ],
    );
    assert_err(
        &stream(&[&c, &a, &extend_record(0x2000, true, &[])]),
        &[
            "record 2 (EEXTEND)",
            "chunk 0x2000 is not inside the page of the preceding EADD (0x1000, record 1)",
        ],
    );
    assert_err(
        &stream(&[
            &c,
            &a,
            &extend_record(0x1100, true, &[]),
            &extend_record(0x1100, false, &[]),
        ]),
        &[
            "record 3 (UNMEASRD) at offset 0x1c0",
            "chunk 0x1100 appears twice in page 0x1000 (first as record 2)",
        ],
    );
}

#[test]
fn writer_refuses_what_would_not_be_canonical() {
    let rx = secinfo(page_type::REG, flags::R | flags::X);
    let e = sgxs::write(
        1,
        Size::Sized(0x4000),
        &[PageSpec::measured(0x1000, rx, &[]), PageSpec::measured(0, rx, &[])],
    )
    .unwrap_err();
    assert!(e.message.contains("offsets must increase"), "{e}");
    let e = sgxs::write(
        1,
        Size::Sized(0x4000),
        &[PageSpec::measured(0, secinfo(page_type::TCS, flags::R), &[])],
    )
    .unwrap_err();
    assert!(e.message.contains("TCS page 0x0 has permissions r--"), "{e}");
    let big = vec![0; 4097];
    let e = sgxs::write(1, Size::Sized(0x4000), &[PageSpec::measured(0, rx, &big)]).unwrap_err();
    assert!(e.message.contains("4097 bytes"), "{e}");
}

#[test]
fn notes_for_what_the_cpu_would_refuse() {
    let s = sgxs::write(
        0,
        Size::Sized(0x3000),
        &[PageSpec::measured(0, secinfo(page_type::REG, flags::W), &[])],
    )
    .unwrap();
    let e = sgxs::parse(&s).unwrap();
    let notes = e.notes.join("\n");
    assert!(notes.contains("enclave size 0x3000 is not a power of two"), "{notes}");
    assert!(notes.contains("SSA frame size is 0"), "{notes}");
    assert!(notes.contains("page 0x0 is writable but not readable"), "{notes}");
}

/// A small stream with every record kind, damaged every way: results or errors, no panics.
#[test]
fn no_panic_on_damaged_streams() {
    let tcs = Tcs {
        ossa: 0x2000,
        nssa: 1,
        ..Tcs::default()
    }
    .to_bytes();
    let pages = [
        PageSpec {
            offset: 0,
            flags: secinfo(page_type::REG, flags::R | flags::X),
            data: b"\x0f\x01\xd7",
            measure: 0b1,
            unmeasured: 0b10,
        },
        PageSpec {
            offset: 0x1000,
            flags: secinfo(page_type::TCS, 0),
            data: &tcs,
            measure: 0b1,
            unmeasured: 0,
        },
        PageSpec {
            offset: 0x2000,
            flags: secinfo(page_type::REG, flags::R | flags::W),
            data: &[],
            measure: 0,
            unmeasured: 0,
        },
    ];
    let s = sgxs::write(1, Size::Sized(0x4000), &pages).unwrap();
    assert_eq!(s.len(), 64 * 4 + 320 * 3);
    no_panic_on_damage(&Sgxs, &s, "d.sgxs", &Limits::default());
    for len in 0..s.len() {
        let _ = sgxs::list_all(&s[..len]);
        if let Ok(e) = sgxs::parse(&s[..len]) {
            let _ = sgxs::summary(&e, true);
        }
    }
    // A member limit is an error, not a huge allocation.
    let limits = Limits {
        max_members: 1,
        ..Limits::default()
    };
    let e = Sgxs
        .open(&reproscope_formats::Blob::from_vec(s.clone()), "d.sgxs", &limits)
        .unwrap_err();
    assert!(e.message.contains("more than 1 page members"), "{e}");
}
