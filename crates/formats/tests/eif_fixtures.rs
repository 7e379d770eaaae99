//! Checks against a stored eif_build image (tests/fixtures/eif/README.md), so the signature
//! and PCR8 paths are covered even where the eif_build oracle is not installed.

mod common;

use reproscope_formats::eif::{self, Eif, EifSpec};
use reproscope_formats::Limits;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eif");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn fixture_measures_as_eif_build_printed() {
    let printed: serde_json::Value = serde_json::from_slice(&read("signed.measurements.json")).unwrap();
    let m = eif::measure(&read("signed.eif")).unwrap();
    assert_eq!(m.to_json(), printed);
    assert_eq!(m.pcrs().iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2, 8]);
}

#[test]
fn write_reproduces_fixture_pcrs() {
    let (kernel, rd0, rd1) = (read("kernel.bin"), read("ramdisk0.bin"), read("ramdisk1.bin"));
    let bytes = eif::write(&EifSpec {
        kernel: &kernel,
        cmdline: "console=ttyS0",
        ramdisks: vec![&rd0, &rd1],
        metadata: None,
        arch_arm64: false,
    });
    let ours = eif::measure(&bytes).unwrap();
    let theirs = eif::measure(&read("signed.eif")).unwrap();
    assert_eq!(
        (ours.pcr0, ours.pcr1, ours.pcr2),
        (theirs.pcr0, theirs.pcr1, theirs.pcr2)
    );
    assert_eq!(ours.pcr8, None, "write() does not sign");
}

#[test]
fn fixture_certificate_is_decoded() {
    let data = read("signed.eif");
    let parsed = eif::parse(&data).unwrap();
    let sig = parsed.of_type(eif::SectionType::Signature).next().unwrap();
    let entries = eif::decode_signature(sig.data).unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].certificate_was_pem, "eif_build stores the PEM it was given");
    let cert = entries[0].certificate().unwrap();
    assert_eq!(cert.subject, "CN=reproscope fixture, O=reproscope");
    assert_eq!(cert.issuer, cert.subject);
    assert_eq!(cert.signature_algorithm, "ecdsa-with-SHA384");
    assert_eq!(cert.public_key_algorithm, "id-ecPublicKey secp384r1");
    // `openssl x509 -in signing-cert.pem -noout -fingerprint -sha256` printed this.
    assert_eq!(
        cert.sha256,
        "7c8ec49ee6c1c8e243f30eca94b8b9d11681cf516f97bb0842c0bf8b376b8a49"
    );
    let cose = entries[0].cose().unwrap();
    assert_eq!(
        (cose.algorithm, cose.pcr_index, cose.signature_len),
        (Some(-35), Some(0), 96)
    );
}

/// Every prefix and byte flip of the signed image (header, sections, CBOR signature, certificate)
/// gives a result or an error through identification, open, member loads and measurement.
#[test]
fn no_panic_on_damage() {
    let img = read("signed.eif");
    common::no_panic_on_damage(&Eif, &img, "x.eif", &Limits::default());
    for len in 0..img.len() {
        let _ = eif::measure(&img[..len]);
    }
    for i in 0..img.len() {
        let mut b = img.clone();
        b[i] ^= 0xff;
        let _ = eif::measure(&b);
    }
}
