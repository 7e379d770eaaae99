//! The official builder `eif_build` as an oracle: images it builds must measure to the PCRs it
//! prints, open into the expected sections, and our writer must reproduce its PCRs and layout.
//!
//! Needs `eif_build` (`cargo install eif_build --locked`) and, for the signed case, `openssl`.
//! A missing oracle fails the test, naming how to install it: an oracle test never passes unchecked.

use std::path::{Path, PathBuf};
use std::process::Command;

use reproscope_formats::eif::{self, Eif, EifSpec, SectionType};
use reproscope_formats::{Blob, Data, Format, Limits, Opened, Value};

const BUILD_TIME: &str = "2024-01-01T00:00:00Z";

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// eif_build on PATH, else in cargo's bin directory; a missing oracle fails the test.
fn eif_build() -> PathBuf {
    let cargo_bins = [
        std::env::var_os("CARGO_HOME").map(|h| PathBuf::from(h).join("bin/eif_build")),
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/eif_build")),
    ];
    on_path("eif_build")
        .or_else(|| cargo_bins.into_iter().flatten().find(|p| p.is_file()))
        .unwrap_or_else(|| panic!("eif_build not found: install with `cargo install eif_build --locked`"))
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

/// Deterministic filler bytes (xorshift), so failures reproduce.
fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

/// A gzip'd newc cpio made by GNU cpio and gzip -n (what real initramfs parts look like);
/// arbitrary bytes when those tools are missing, since eif_build does not parse ramdisks.
fn ramdisk(dir: &Path, name: &str, seed: u64) -> Vec<u8> {
    let src = dir.join(format!("{name}.d"));
    std::fs::create_dir_all(src.join("bin")).unwrap();
    std::fs::write(src.join("init"), b"#!/bin/sh\nexec /bin/app\n").unwrap();
    std::fs::write(src.join("bin/app"), bytes(seed, 3000)).unwrap();
    let out = dir.join(format!("{name}.cpio.gz"));
    if on_path("cpio").is_some() && on_path("gzip").is_some() {
        let script = format!(
            "cd '{}' && printf 'init\\nbin\\nbin/app\\n' | cpio -o -H newc --quiet | gzip -n > '{}'",
            src.display(),
            out.display()
        );
        run(Command::new("sh").arg("-c").arg(script));
    } else {
        eprintln!("cpio/gzip not found: using arbitrary bytes as ramdisk {name}");
        std::fs::write(&out, bytes(seed ^ 0xabc, 2000)).unwrap();
    }
    let data = std::fs::read(&out).unwrap();
    assert!(data.len() > 20, "ramdisk {name} is empty");
    data
}

struct Case<'a> {
    name: &'a str,
    cmdline: &'a str,
    ramdisks: usize,
    signed: bool,
    custom_metadata: Option<&'a str>,
    arm64: bool,
}

struct Built {
    eif: Vec<u8>,
    printed: serde_json::Value,
    kernel: Vec<u8>,
    ramdisks: Vec<Vec<u8>>,
    cert_pem: Option<PathBuf>,
}

fn build(tool: &Path, dir: &Path, case: &Case) -> Built {
    let kernel = bytes(0x5eed ^ case.name.len() as u64, 8192);
    let kernel_path = dir.join(format!("{}-bzImage", case.name));
    std::fs::write(&kernel_path, &kernel).unwrap();
    let ramdisks: Vec<Vec<u8>> = (0..case.ramdisks)
        .map(|i| ramdisk(dir, &format!("{}-rd{i}", case.name), 7 + i as u64))
        .collect();
    let out = dir.join(format!("{}.eif", case.name));

    let mut cmd = Command::new(tool);
    cmd.arg("--kernel")
        .arg(&kernel_path)
        .arg("--cmdline")
        .arg(case.cmdline)
        .arg("--output")
        .arg(&out)
        .arg("--build-time")
        .arg(BUILD_TIME)
        .arg("--arch")
        .arg(if case.arm64 { "aarch64" } else { "x86_64" });
    for i in 0..case.ramdisks {
        cmd.arg("--ramdisk")
            .arg(dir.join(format!("{}-rd{i}.cpio.gz", case.name)));
    }
    if let Some(meta) = case.custom_metadata {
        let p = dir.join(format!("{}-meta.json", case.name));
        std::fs::write(&p, meta).unwrap();
        cmd.arg("--metadata").arg(p);
    }
    let mut cert_pem = None;
    if case.signed {
        let key = dir.join("key.pem");
        let cert = dir.join("cert.pem");
        let openssl =
            on_path("openssl").unwrap_or_else(|| panic!("openssl not found: the signed eif_build case needs it"));
        run(Command::new(&openssl)
            .args(["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out"])
            .arg(&key));
        run(Command::new(&openssl)
            .args(["req", "-new", "-x509", "-sha384", "-days", "30"])
            .args(["-subj", "/CN=reproscope oracle/O=Example Org/C=DE", "-key"])
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        cmd.arg("--private-key")
            .arg(&key)
            .arg("--signing-certificate")
            .arg(&cert);
        cert_pem = Some(cert);
    }
    let stdout = run(&mut cmd);
    // eif_build prints "Output file: ..." and then the measurements as pretty JSON.
    let json = &stdout[stdout
        .find('{')
        .unwrap_or_else(|| panic!("no JSON in eif_build output:\n{stdout}"))..];
    let printed: serde_json::Value = serde_json::from_str(json).expect("eif_build's measurements JSON");
    Built {
        eif: std::fs::read(&out).unwrap(),
        printed,
        kernel,
        ramdisks,
        cert_pem,
    }
}

fn open(bytes: &[u8]) -> Opened {
    Eif.open(&Blob::from_vec(bytes.to_vec()), "oracle.eif", &Limits::default())
        .unwrap_or_else(|e| panic!("open: {e}"))
}

fn field<'a>(o: &'a Opened, name: &str) -> Option<&'a Value> {
    o.fields.iter().find(|f| f.name == name).map(|f| &f.value)
}

fn member_bytes(o: &Opened, name: &str) -> Vec<u8> {
    let m = o
        .members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"));
    match &m.data {
        Some(Data::Blob(b)) => b.to_vec(),
        other => panic!("{name}: unexpected data {other:?}"),
    }
}

fn check(tool: &Path, dir: &Path, case: Case) {
    let b = build(tool, dir, &case);
    let p = &b.printed;

    // 1. Our measurement equals what eif_build printed, key for key.
    let m = eif::measure(&b.eif).unwrap_or_else(|e| panic!("{}: measure: {e}", case.name));
    assert_eq!(m.to_json(), *p, "{}: measurements differ from eif_build's", case.name);
    assert_eq!(p["HashAlgorithm"], m.hash_algorithm);
    assert_eq!(p["PCR0"], m.pcr0.as_str());
    assert_eq!(p["PCR1"], m.pcr1.as_str());
    assert_eq!(p["PCR2"], m.pcr2.as_str());
    assert_eq!(p.get("PCR8").and_then(|v| v.as_str()), m.pcr8.as_deref());
    assert_eq!(m.pcr8.is_some(), case.signed);

    // 2. open() lists the sections in eif_build's order with the input bytes.
    let o = open(&b.eif);
    let mut want = vec!["kernel".to_string(), "cmdline".into(), "metadata".into()];
    want.extend((0..case.ramdisks).map(|i| format!("ramdisk{i}")));
    if case.signed {
        want.push("signature".into());
    }
    let names: Vec<&str> = o.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, want, "{}: sections", case.name);
    assert_eq!(member_bytes(&o, "kernel"), b.kernel);
    assert_eq!(
        member_bytes(&o, "cmdline"),
        case.cmdline.as_bytes(),
        "cmdline is stored without NUL"
    );
    for (i, rd) in b.ramdisks.iter().enumerate() {
        assert_eq!(&member_bytes(&o, &format!("ramdisk{i}")), rd);
    }
    assert_eq!(field(&o, "version"), Some(&Value::Int(4)));
    assert_eq!(field(&o, "default_mem"), Some(&Value::Size(1 << 30)));
    assert_eq!(field(&o, "default_cpus"), Some(&Value::Int(2)));
    let arch = if case.arm64 { "aarch64" } else { "x86_64" };
    assert_eq!(field(&o, "arch"), Some(&Value::Text(arch.into())));
    assert_eq!(field(&o, "flags"), Some(&Value::Int(case.arm64 as i64)));

    // 3. The metadata JSON is decoded into the text view.
    let text = o.text.clone().unwrap();
    assert!(
        text.contains(&format!("\"BuildTime\": \"{BUILD_TIME}\"")),
        "{}: {text}",
        case.name
    );
    assert!(text.contains("\"BuildTool\": \"eif_build\""), "{text}");
    let metadata: serde_json::Value = serde_json::from_slice(&member_bytes(&o, "metadata")).unwrap();
    if let Some(custom) = case.custom_metadata {
        let custom: serde_json::Value = serde_json::from_str(custom).unwrap();
        assert_eq!(metadata["CustomMetadata"], custom);
        assert!(text.contains("\"CustomMetadata\": {"), "{text}");
    }

    // 4. The signing certificate is found, decoded, and is what openssl says it is.
    if let Some(cert) = &b.cert_pem {
        let sig = o.members.iter().find(|m| m.name == "signature").unwrap();
        let subject = "CN=reproscope oracle, O=Example Org, C=DE";
        assert_eq!(sig.field("certificate-subject"), Some(&Value::Text(subject.into())));
        assert_eq!(sig.field("certificate-issuer"), Some(&Value::Text(subject.into())));
        assert!(text.contains(&format!("subject:    {subject}")), "{text}");
        let serial = run(Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(cert));
        let serial = serial.trim().trim_start_matches("serial=").to_ascii_lowercase();
        assert_eq!(sig.field("certificate-serial"), Some(&Value::Digest(serial)));
        let fp = run(Command::new("openssl")
            .args(["x509", "-noout", "-fingerprint", "-sha384", "-in"])
            .arg(cert));
        let fp: String = fp
            .split('=')
            .nth(1)
            .unwrap()
            .trim()
            .replace(':', "")
            .to_ascii_lowercase();
        assert_eq!(sig.field("certificate-sha384"), Some(&Value::Digest(fp.clone())));
        assert!(text.contains(&format!("sha384:     {fp}")), "{text}");
        let entries = eif::decode_signature(&member_bytes(&o, "signature")).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(
            entries[0].certificate_was_pem,
            "eif_build stores the certificate as PEM"
        );
        let cose = entries[0].cose().unwrap();
        assert_eq!(cose.algorithm, Some(-35), "ES384");
        assert_eq!(cose.pcr_index, Some(0));
        assert_eq!(
            cose.pcr_value.as_deref().map(reproscope_formats::hex),
            Some(m.pcr0.clone())
        );
        assert!(text.contains("(matches the computed value)"), "{text}");
    }

    // 5. write() with the same inputs gives eif_build's PCR0/1/2, and with eif_build's metadata
    //    value the same layout; the bytes differ only inside the metadata section (serde_json
    //    sorts keys, eif_build writes struct order) and hence in the CRC.
    let ours = eif::write(&EifSpec {
        kernel: &b.kernel,
        cmdline: case.cmdline,
        ramdisks: b.ramdisks.iter().map(|r| r.as_slice()).collect(),
        metadata: Some(metadata),
        arch_arm64: case.arm64,
    });
    let mo = eif::measure(&ours).unwrap();
    assert_eq!(
        (&mo.pcr0, &mo.pcr1, &mo.pcr2),
        (&m.pcr0, &m.pcr1, &m.pcr2),
        "{}: write() PCRs",
        case.name
    );
    let theirs = eif::parse(&b.eif).unwrap();
    let mine = eif::parse(&ours).unwrap();
    let layout = |p: &eif::Parsed| -> Vec<(SectionType, u64, usize)> {
        p.sections
            .iter()
            .filter(|s| s.kind != SectionType::Signature)
            .map(|s| (s.kind, s.offset, s.data.len()))
            .collect()
    };
    assert_eq!(layout(&mine), layout(&theirs), "{}: section layout", case.name);
    let meta = theirs.of_type(SectionType::Metadata).next().unwrap();
    let meta_range = meta.data_offset() as usize..meta.data_offset() as usize + meta.data.len();
    let body_end = ours.len();
    if !case.signed {
        assert_eq!(ours.len(), b.eif.len(), "{}: length", case.name);
    }
    for i in (0..body_end).filter(|i| !meta_range.contains(i) && !(544..548).contains(i)) {
        // Header fields that count sections differ for signed images (one more section).
        if case.signed && i < 548 {
            continue;
        }
        assert_eq!(ours[i], b.eif[i], "{}: byte {i:#x} differs", case.name);
    }
    assert_eq!(&ours[..26], &b.eif[..26], "{}: header start", case.name);
}

#[test]
fn eif_build_oracle() {
    let tool = eif_build();
    let dir = tempfile::tempdir().unwrap();
    check(
        &tool,
        dir.path(),
        Case {
            name: "one-ramdisk",
            cmdline: "reboot=k panic=30 pci=off nomodules console=ttyS0 init=/init",
            ramdisks: 1,
            signed: false,
            custom_metadata: None,
            arm64: false,
        },
    );
    check(
        &tool,
        dir.path(),
        Case {
            name: "two-ramdisks",
            cmdline: "console=ttyS0",
            ramdisks: 2,
            signed: false,
            custom_metadata: None,
            arm64: false,
        },
    );
    check(
        &tool,
        dir.path(),
        Case {
            name: "signed",
            cmdline: "console=ttyS0 quiet",
            ramdisks: 2,
            signed: true,
            custom_metadata: Some(r#"{"app": "oracle", "layers": [1, 2, 3]}"#),
            arm64: true,
        },
    );
}
