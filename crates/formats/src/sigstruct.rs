//! SIGSTRUCT: the 1808-byte enclave signature structure EINIT checks (layout from Intel's SDM,
//! all little-endian). Decoded into fields, with its RSA signature checked.
//!
//! Layout: HEADER (16 bytes, fixed) · VENDOR u32 (0 or 0x8086) · DATE u32 (BCD yyyymmdd) ·
//! HEADER2 (16 bytes, fixed) · SWDEFINED u32 · 84 reserved · MODULUS (384, at 128) · EXPONENT u32
//! (3, at 512) · SIGNATURE (384, at 516) · MISCSELECT u32 (900) · MISCMASK u32 (904) ·
//! CET_ATTRIBUTES u8 (908) · CET_ATTRIBUTES_MASK u8 · 2 reserved · ISVFAMILYID (16, at 912) ·
//! ATTRIBUTES (FLAGS u64 + XFRM u64, at 928) · ATTRIBUTEMASK (at 944) · ENCLAVEHASH (32, at 960)
//! · 16 reserved · ISVEXTPRODID (16, at 1008) · ISVPRODID u16 (1024) · ISVSVN u16 (1026) ·
//! 12 reserved · Q1 (384, at 1040) · Q2 (384, at 1424).
//!
//! - MRSIGNER is sha256 of the modulus as stored.
//! - The signature is RSA-3072 with exponent 3, PKCS#1 v1.5 with SHA-256, over bytes 0..128 and
//!   900..1028. It is checked the way EINIT checks it, with the Q1 and Q2 the signer stored
//!   (S² = Q1·M + T1, T1·S = Q2·M + T2, both remainders below M; T2 is S³ mod M): that needs
//!   only multiplication, so no bignum crate. A bad signature is the field
//!   `signature-check`, not an error: the rest of the structure still reads.
//! - As a node it has fields only. `enclavehash` and `mrsigner` are Value::Hex, not Digest: they
//!   are identities (of the enclave, of the signer), not checksums of this file, and the engine
//!   marks digests of a node whose bytes differ as derived. `signature` is a Digest: it follows
//!   from the rest.
//! - Identified by its fixed HEADER and a size of exactly 1808 bytes.

use sha2::{Digest, Sha256};

use crate::bytes::{le16, le32, le64};
use crate::model::days_from_civil;
use crate::model::{err, hex, Blob, Field, FormatError, Limits, Opened, Value};
use crate::registry::Format;

/// Size of a SIGSTRUCT.
pub const SIZE: usize = 1808;
/// HEADER, bytes 0..16.
pub const HEADER: [u8; 16] = [6, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0];
/// HEADER2, bytes 24..40.
pub const HEADER2: [u8; 16] = [1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0];
/// Offset of ENCLAVEHASH.
pub const ENCLAVEHASH_AT: usize = 960;

/// ATTRIBUTES.FLAGS bit names.
const ATTRIBUTE_FLAGS: &[(u32, &str)] = &[
    (0, "INIT"),
    (1, "DEBUG"),
    (2, "MODE64BIT"),
    (4, "PROVISIONKEY"),
    (5, "EINITTOKENKEY"),
    (6, "CET"),
    (7, "KSS"),
    (10, "AEXNOTIFY"),
];

/// XFRM bit names (XSAVE feature components).
const XFRM_BITS: &[(u32, &str)] = &[
    (0, "x87"),
    (1, "SSE"),
    (2, "AVX"),
    (3, "BNDREGS"),
    (4, "BNDCSR"),
    (5, "opmask"),
    (6, "ZMM_Hi256"),
    (7, "Hi16_ZMM"),
    (9, "PKRU"),
    (17, "TILECFG"),
    (18, "TILEDATA"),
];

/// A decoded SIGSTRUCT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub vendor: u32,
    /// As stored: BCD 0xYYYYMMDD.
    pub date: u32,
    pub swdefined: u32,
    pub modulus: Vec<u8>,
    pub exponent: u32,
    pub signature: Vec<u8>,
    pub miscselect: u32,
    pub miscmask: u32,
    pub cet_attributes: u8,
    pub cet_attributes_mask: u8,
    pub isvfamilyid: [u8; 16],
    pub attributes_flags: u64,
    pub attributes_xfrm: u64,
    pub attributemask_flags: u64,
    pub attributemask_xfrm: u64,
    pub enclavehash: [u8; 32],
    pub isvextprodid: [u8; 16],
    pub isvprodid: u16,
    pub isvsvn: u16,
    pub q1: Vec<u8>,
    pub q2: Vec<u8>,
    /// The bytes the signature covers: 0..128 then 900..1028.
    signed: Vec<u8>,
}

fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut x = [0u8; N];
    x.copy_from_slice(&b[at..at + N]);
    x
}

/// Reserved ranges that must be zero: (start, end).
const RESERVED: &[(usize, usize)] = &[(44, 128), (910, 912), (992, 1008), (1028, 1040)];

/// Decodes a SIGSTRUCT: the size, both fixed headers and the reserved ranges are checked.
pub fn decode(b: &[u8]) -> Result<Decoded, FormatError> {
    if b.len() != SIZE {
        return err(format!("a SIGSTRUCT is {SIZE} bytes, this is {}", b.len()));
    }
    if b[..16] != HEADER {
        return err(format!(
            "HEADER (bytes 0..16) is {}, expected {}",
            hex(&b[..16]),
            hex(&HEADER)
        ));
    }
    if b[24..40] != HEADER2 {
        return err(format!(
            "HEADER2 (bytes 24..40) is {}, expected {}",
            hex(&b[24..40]),
            hex(&HEADER2)
        ));
    }
    for &(s, e) in RESERVED {
        if let Some(i) = b[s..e].iter().position(|&x| x != 0) {
            return err(format!(
                "reserved bytes {s}..{e}: byte {} is {:#04x}, must be zero",
                s + i,
                b[s + i]
            ));
        }
    }
    let mut signed = b[..128].to_vec();
    signed.extend_from_slice(&b[900..1028]);
    Ok(Decoded {
        vendor: le32(b, 16),
        date: le32(b, 20),
        swdefined: le32(b, 40),
        modulus: b[128..512].to_vec(),
        exponent: le32(b, 512),
        signature: b[516..900].to_vec(),
        miscselect: le32(b, 900),
        miscmask: le32(b, 904),
        cet_attributes: b[908],
        cet_attributes_mask: b[909],
        isvfamilyid: array(b, 912),
        attributes_flags: le64(b, 928),
        attributes_xfrm: le64(b, 936),
        attributemask_flags: le64(b, 944),
        attributemask_xfrm: le64(b, 952),
        enclavehash: array(b, ENCLAVEHASH_AT),
        isvextprodid: array(b, 1008),
        isvprodid: le16(b, 1024),
        isvsvn: le16(b, 1026),
        q1: b[1040..1424].to_vec(),
        q2: b[1424..1808].to_vec(),
        signed,
    })
}

/// (year, month, day) from a BCD date, when every digit is a digit and the date is plausible.
pub fn bcd_date(d: u32) -> Option<(u32, u32, u32)> {
    let digit = |shift: u32| {
        let v = (d >> shift) & 0xf;
        (v < 10).then_some(v)
    };
    let mut n = [0u32; 8];
    for (i, slot) in n.iter_mut().enumerate() {
        *slot = digit(28 - 4 * i as u32)?;
    }
    let y = n[0] * 1000 + n[1] * 100 + n[2] * 10 + n[3];
    let m = n[4] * 10 + n[5];
    let day = n[6] * 10 + n[7];
    ((1..=12).contains(&m) && (1..=31).contains(&day)).then_some((y, m, day))
}

/// Names of the set bits of `v` from `names`, unknown bits in hex: "MODE64BIT, 0x100".
fn bit_names(v: u64, names: &[(u32, &str)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = v;
    for &(bit, name) in names {
        if v & (1 << bit) != 0 {
            parts.push(name.into());
            rest &= !(1 << bit);
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join(", ")
}

/// "0x4 (MODE64BIT)", or "0x0".
fn flags_text(v: u64, names: &[(u32, &str)]) -> String {
    if v == 0 {
        "0x0".into()
    } else {
        format!("{v:#x} ({})", bit_names(v, names))
    }
}

impl Decoded {
    /// sha256 of the modulus as stored: the signer's identity.
    pub fn mrsigner(&self) -> [u8; 32] {
        Sha256::digest(&self.modulus).into()
    }

    /// The date as (year, month, day), when it is a valid BCD date.
    pub fn date_ymd(&self) -> Option<(u32, u32, u32)> {
        bcd_date(self.date)
    }

    /// Checks the signature as EINIT does; the error says what failed.
    pub fn check_signature(&self) -> Result<(), String> {
        if self.exponent != 3 {
            return Err(format!("exponent is {}, SGX requires 3", self.exponent));
        }
        let m = limbs(&self.modulus);
        let s = limbs(&self.signature);
        if cmp(&s, &m) != std::cmp::Ordering::Less {
            return Err("the signature is not below the modulus".into());
        }
        let (q1, q2) = (limbs(&self.q1), limbs(&self.q2));
        let t1 = sub(&mul(&s, &s), &mul(&q1, &m))
            .filter(|t| cmp(t, &m) == std::cmp::Ordering::Less)
            .ok_or("Q1 does not fit the signature and modulus")?;
        let t2 = sub(&mul(&t1, &s), &mul(&q2, &m))
            .filter(|t| cmp(t, &m) == std::cmp::Ordering::Less)
            .ok_or("Q2 does not fit the signature and modulus")?;
        // T2 = S³ mod M, big-endian, must be the PKCS#1 v1.5 encoding of sha256(signed bytes).
        let mut em = vec![0u8; 384];
        for (i, l) in t2.iter().enumerate().take(96) {
            em[384 - 4 * (i + 1)..384 - 4 * i].copy_from_slice(&l.to_be_bytes());
        }
        let mut want = vec![0x00, 0x01];
        // DigestInfo prefix for SHA-256 (RFC 8017).
        let prefix: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ];
        want.resize(384 - prefix.len() - 32 - 1, 0xff);
        want.push(0x00);
        want.extend_from_slice(&prefix);
        want.extend_from_slice(&Sha256::digest(&self.signed));
        if em != want {
            return Err("the signature does not match the signed fields".into());
        }
        Ok(())
    }

    /// The node fields (see the module documentation).
    pub fn fields(&self) -> Vec<Field> {
        let x32 = |v: u32| Value::Text(format!("{v:#010x}"));
        let mut f = vec![Field::new(
            "vendor",
            Value::Text(match self.vendor {
                0 => "0x0000 (not Intel)".into(),
                0x8086 => "0x8086 (Intel)".into(),
                v => format!("{v:#x} (neither 0 nor 0x8086)"),
            }),
        )];
        f.push(match self.date_ymd() {
            Some((y, m, d)) => Field::new(
                "date",
                Value::Time(days_from_civil(i64::from(y), i64::from(m), i64::from(d)) * 86_400),
            ),
            None => Field::new("date", Value::Text(format!("{:#010x} (not a BCD date)", self.date))),
        });
        f.push(Field::new("swdefined", x32(self.swdefined)));
        f.push(Field::new("mrsigner", Value::Hex(self.mrsigner().to_vec())));
        f.push(Field::new("exponent", Value::Int(i64::from(self.exponent))));
        f.push(Field::new("signature", Value::Digest(hex(&self.signature))));
        f.push(Field::new(
            "signature-check",
            Value::Text(match self.check_signature() {
                Ok(()) => "valid".into(),
                Err(e) => format!("INVALID: {e}"),
            }),
        ));
        f.push(Field::new("miscselect", x32(self.miscselect)));
        f.push(Field::new("miscmask", x32(self.miscmask)));
        f.push(Field::new(
            "attributes.flags",
            Value::Text(flags_text(self.attributes_flags, ATTRIBUTE_FLAGS)),
        ));
        f.push(Field::new(
            "attributes.xfrm",
            Value::Text(flags_text(self.attributes_xfrm, XFRM_BITS)),
        ));
        f.push(Field::new(
            "attributemask.flags",
            Value::Text(format!("{:#x}", self.attributemask_flags)),
        ));
        f.push(Field::new(
            "attributemask.xfrm",
            Value::Text(format!("{:#x}", self.attributemask_xfrm)),
        ));
        if self.cet_attributes != 0 || self.cet_attributes_mask != 0 {
            f.push(Field::new(
                "cet-attributes",
                Value::Text(format!("{:#04x}", self.cet_attributes)),
            ));
            f.push(Field::new(
                "cet-attributes-mask",
                Value::Text(format!("{:#04x}", self.cet_attributes_mask)),
            ));
        }
        if self.isvfamilyid != [0; 16] {
            f.push(Field::new("isvfamilyid", Value::Hex(self.isvfamilyid.to_vec())));
        }
        if self.isvextprodid != [0; 16] {
            f.push(Field::new("isvextprodid", Value::Hex(self.isvextprodid.to_vec())));
        }
        f.push(Field::new("enclavehash", Value::Hex(self.enclavehash.to_vec())));
        f.push(Field::new("isvprodid", Value::Int(i64::from(self.isvprodid))));
        f.push(Field::new("isvsvn", Value::Int(i64::from(self.isvsvn))));
        f
    }
}

/// Little-endian bytes to little-endian u32 limbs.
fn limbs(le: &[u8]) -> Vec<u32> {
    le.chunks(4)
        .map(|c| {
            let mut x = [0u8; 4];
            x[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(x)
        })
        .collect()
}

fn mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = u64::from(x) * u64::from(y) + u64::from(out[i + j]) + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        out[i + b.len()] = carry as u32;
    }
    out
}

/// a - b, or None when b > a.
fn sub(a: &[u32], b: &[u32]) -> Option<Vec<u32>> {
    if cmp(a, b) == std::cmp::Ordering::Less {
        return None;
    }
    let mut out = a.to_vec();
    let mut borrow = 0i64;
    for (i, slot) in out.iter_mut().enumerate() {
        let t = i64::from(*slot) - i64::from(b.get(i).copied().unwrap_or(0)) - borrow;
        borrow = i64::from(t < 0);
        *slot = t.rem_euclid(1 << 32) as u32;
    }
    Some(out)
}

/// Compares numbers of any limb counts.
fn cmp(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in (0..n).rev() {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

/// The SIGSTRUCT format: see the module documentation.
pub struct Sigstruct;

impl Format for Sigstruct {
    fn name(&self) -> &'static str {
        "sigstruct"
    }

    fn identify(&self, head: &[u8], _name: &str) -> bool {
        head.len() == SIZE && head.starts_with(&HEADER)
    }

    fn open(&self, data: &Blob, _name: &str, _limits: &Limits) -> Result<Opened, FormatError> {
        let s = decode(data)?;
        let mut notes = Vec::new();
        if let Err(e) = s.check_signature() {
            notes.push(format!("signature does not verify: {e}"));
        }
        Ok(Opened {
            fields: s.fields(),
            members: Vec::new(),
            notes,
            text: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_dates() {
        assert_eq!(bcd_date(0x2016_1214), Some((2016, 12, 14)));
        assert_eq!(bcd_date(0x2016_1314), None);
        assert_eq!(bcd_date(0x201a_0101), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2016, 12, 14) * 86_400, 1_481_673_600);
    }

    #[test]
    fn bignum() {
        let a = limbs(&[0xff, 0xff, 0xff, 0xff, 0x01]);
        let b = limbs(&[0x02]);
        assert_eq!(mul(&a, &b), vec![0xffff_fffe, 3, 0]);
        assert_eq!(sub(&b, &a), None);
        assert_eq!(sub(&a, &b), Some(vec![0xffff_fffd, 1]));
    }
}
