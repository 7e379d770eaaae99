//! SIGSTRUCT: the public vectors decode to their published ENCLAVEHASH, their RSA signatures
//! verify, header and reserved-byte damage is a clear error, and nothing panics.

mod common;

use std::path::PathBuf;

use common::{field, no_panic_on_damage, open_ok};
use reproscope_formats::sigstruct::{self, Sigstruct};
use reproscope_formats::{hex, sgxs, Format, Limits, Value};

fn vector(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sgx");
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("cannot read the SGX vector {name}: {e}"))
}

const TEST_SIG: &str = "intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sig";
const TEST_ENCLAVE: &str = "intel-sgx_sgxs-tools_src_sgx_detect_tests_test_enclave.sgxs";
const SIG1: &str = "intel-sgx_sgxs-tools_tests_data_sig1.sigstruct.bin";

#[test]
fn test_enclave_signature_matches_its_enclave() {
    let s = sigstruct::decode(&vector(TEST_SIG)).unwrap();
    let mrenclave = sgxs::mrenclave(&vector(TEST_ENCLAVE)).unwrap();
    assert_eq!(s.enclavehash, mrenclave);
    assert_eq!(
        hex(&s.enclavehash),
        "784acfd7d5096a8f0fbd3265760bff21b120f62407a9a9e5ba31aa3c8ed198fc"
    );
    assert_eq!(s.check_signature(), Ok(()));
    assert_eq!(s.vendor, 0);
    assert_eq!(s.date_ymd(), Some((2016, 12, 14)));
    assert_eq!(s.exponent, 3);
    assert_eq!((s.miscselect, s.miscmask), (0, 0xffff_ffff));
    assert_eq!((s.attributes_flags, s.attributes_xfrm), (0x4, 0x3));
    assert_eq!(
        (s.attributemask_flags, s.attributemask_xfrm),
        (0xffff_ffff_ffff_fffd, 0xffff_ffff_ffff_ff1b)
    );
    assert_eq!((s.isvprodid, s.isvsvn), (0xffff, 0));
    assert_eq!(
        hex(&s.mrsigner()),
        "fb4bab3d6036ac1d730fa83d7366df1dd2dfeac194ef335d6854d8a6c6475542"
    );
}

#[test]
fn sig1_decodes_to_its_published_enclavehash() {
    let s = sigstruct::decode(&vector(SIG1)).unwrap();
    assert_eq!(
        hex(&s.enclavehash),
        "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d"
    );
    assert_eq!(s.check_signature(), Ok(()));
    assert_eq!(s.date_ymd(), Some((2016, 1, 9)));
    assert_eq!((s.isvprodid, s.isvsvn), (0, 0));
    assert_eq!(
        hex(&s.mrsigner()),
        "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e"
    );
}

#[test]
fn opens_into_typed_fields() {
    let o = open_ok(&Sigstruct, &vector(TEST_SIG), "enclave.sig");
    assert!(o.members.is_empty());
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    let text = |n: &str| match field(&o, n) {
        Some(Value::Text(s)) => s.clone(),
        other => panic!("{n}: {other:?}"),
    };
    assert_eq!(text("vendor"), "0x0000 (not Intel)");
    assert_eq!(field(&o, "date"), Some(&Value::Time(1_481_673_600)));
    assert_eq!(text("attributes.flags"), "0x4 (MODE64BIT)");
    assert_eq!(text("attributes.xfrm"), "0x3 (x87, SSE)");
    assert_eq!(text("miscmask"), "0xffffffff");
    assert_eq!(text("signature-check"), "valid");
    assert_eq!(field(&o, "isvprodid"), Some(&Value::Int(65535)));
    assert_eq!(field(&o, "isvsvn"), Some(&Value::Int(0)));
    assert!(matches!(field(&o, "enclavehash"), Some(Value::Hex(h)) if hex(h).starts_with("784acfd7")));
    assert!(matches!(field(&o, "mrsigner"), Some(Value::Hex(h)) if hex(h).starts_with("fb4bab3d")));
    assert!(matches!(field(&o, "signature"), Some(Value::Digest(_))));
}

#[test]
fn identifies_by_header_and_size() {
    let v = vector(TEST_SIG);
    assert!(Sigstruct.identify(&v, "x.bin"));
    assert!(!Sigstruct.identify(&v[..1807], "x.sig"));
    let mut w = v.clone();
    w[4] = 0;
    assert!(!Sigstruct.identify(&w, "x.sig"));
    assert_eq!(
        reproscope_formats::identify(&v, "x.sig").map(|f| f.name()),
        Some("sigstruct")
    );
}

#[test]
fn damage_is_a_clear_error_or_an_invalid_signature() {
    let v = vector(TEST_SIG);
    let e = |b: &[u8]| sigstruct::decode(b).unwrap_err().message;
    assert!(e(&v[..100]).contains("a SIGSTRUCT is 1808 bytes, this is 100"));
    let mut w = v.clone();
    w[4] = 0xe2;
    assert!(e(&w).contains("HEADER (bytes 0..16) is 06000000e2"), "{}", e(&w));
    let mut w = v.clone();
    w[28] = 0x61;
    assert!(e(&w).contains("HEADER2 (bytes 24..40)"), "{}", e(&w));
    let mut w = v.clone();
    w[100] = 1;
    assert!(e(&w).contains("reserved bytes 44..128: byte 100 is 0x01"), "{}", e(&w));
    let mut w = v.clone();
    w[1030] = 9;
    assert!(e(&w).contains("reserved bytes 1028..1040: byte 1030"), "{}", e(&w));

    // A changed signed field (ISVSVN) keeps the structure but breaks the signature.
    let mut w = v.clone();
    w[1026] = 1;
    let s = sigstruct::decode(&w).unwrap();
    assert_eq!(s.isvsvn, 1);
    assert_eq!(
        s.check_signature(),
        Err("the signature does not match the signed fields".into())
    );
    let o = open_ok(&Sigstruct, &w, "x.sig");
    assert!(o.notes[0].contains("signature does not verify"), "{:?}", o.notes);
    assert_eq!(
        field(&o, "signature-check"),
        Some(&Value::Text(
            "INVALID: the signature does not match the signed fields".into()
        ))
    );
    // Q1 and Q2 are checked as EINIT checks them.
    let mut w = v.clone();
    w[1100] ^= 1;
    let err = sigstruct::decode(&w).unwrap().check_signature().unwrap_err();
    assert!(err.contains("Q1"), "{err}");
    let mut w = v.clone();
    w[1500] ^= 1;
    let err = sigstruct::decode(&w).unwrap().check_signature().unwrap_err();
    assert!(err.contains("Q2"), "{err}");
    let mut w = v.clone();
    w[512] = 1;
    let err = sigstruct::decode(&w).unwrap().check_signature().unwrap_err();
    assert_eq!(err, "exponent is 1, SGX requires 3");
}

#[test]
fn no_panic_on_damaged_sigstructs() {
    no_panic_on_damage(&Sigstruct, &vector(SIG1), "sig1.sig", &Limits::default());
}
