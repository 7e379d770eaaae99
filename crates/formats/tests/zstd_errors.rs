//! Bad zstd input: clear errors, the output and window limits, and no panics. Fixtures are made
//! by `zstd` (Debian package `zstd`) and then damaged.

mod common;

use common::counting as data;
use reproscope_formats::zstd::Zstd;
use reproscope_formats::{Limits, Opened};

fn zstd(args: &str, data: &[u8]) -> Vec<u8> {
    common::filter(&format!("zstd -q -c {args}"), data, "zstd")
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<Opened, String> {
    common::open_with(&Zstd, bytes, "x.zst", limits)
}

fn open(bytes: &[u8]) -> Result<Opened, String> {
    open_with(bytes, &Limits::default())
}

#[test]
fn truncated_frames() {
    let f = zstd("", &data());
    assert_eq!(
        open(&f[..4]).unwrap_err(),
        "zstd frame 0 truncated in its header at offset 0x0"
    );
    let e = open(&f[..f.len() / 2]).unwrap_err();
    assert!(
        e.starts_with("zstd frame 0 truncated: the block at offset 0x") && e.contains("bytes, "),
        "{e}"
    );
    assert_eq!(
        open(&f[..f.len() - 2]).unwrap_err(),
        format!(
            "zstd frame 0 truncated: its 4-byte checksum at offset {:#x} is missing",
            f.len() - 4
        )
    );
    // A second frame cut after its magic.
    let mut two = f.clone();
    two.extend_from_slice(&f[..5]);
    let e = open(&two).unwrap_err();
    assert!(e.starts_with("zstd frame 1 truncated"), "{e}");
}

#[test]
fn reserved_bits_and_block_types() {
    let mut f = zstd("", b"abc");
    f[4] |= 0x08;
    assert_eq!(
        open(&f).unwrap_err(),
        format!(
            "zstd frame 0 at offset 0x0: reserved bit set in the frame header descriptor ({:#04x})",
            f[4]
        )
    );
    // `zstd` writes "abc" as one raw last block: header byte 0 = 0b001 (last, raw).
    let mut f = zstd("--no-check", b"abc");
    let n = f.len();
    let bh = n - 3 - 3;
    assert_eq!(f[bh] & 7, 1, "raw last block");
    f[bh] |= 6;
    assert_eq!(
        open(&f).unwrap_err(),
        format!("zstd frame 0: reserved block type in the block header at offset {bh:#x}")
    );
}

#[test]
fn checksum_mismatch_and_corrupt_data() {
    let mut f = zstd("", &data());
    let n = f.len();
    f[n - 1] ^= 0x40;
    assert_eq!(
        open(&f).unwrap_err(),
        "zstd frame 0 at offset 0x0: Restored data doesn't match checksum"
    );
    // Without a checksum some corruptions go unnoticed (as with `zstd -d`); many do not.
    let f = zstd("--no-check", &data());
    let errors: Vec<String> = (9..f.len())
        .filter_map(|i| {
            let mut b = f.clone();
            b[i] ^= 0xff;
            open(&b).err()
        })
        .collect();
    assert!(
        errors.contains(&"zstd frame 0 at offset 0x0: Data corruption detected".to_string()),
        "{errors:?}"
    );
}

#[test]
fn frame_needing_a_dictionary() {
    let t = tempfile::tempdir().unwrap();
    for i in 0..200 {
        let j = format!(
            "{{\"id\": {i}, \"name\": \"user{i}\", \"email\": \"user{i}@example.com\", \"roles\": [\"reader\"]}}\n"
        );
        std::fs::write(t.path().join(format!("{i}.json")), j).unwrap();
    }
    let f = common::run_sh(
        "zstd -q --train *.json -o dict --maxdict=4096 && zstd -q -c -D dict 7.json",
        t.path(),
        b"",
        "zstd",
    );
    let id = u32::from_le_bytes(std::fs::read(t.path().join("dict")).unwrap()[4..8].try_into().unwrap());
    let e = open(&f).unwrap_err();
    assert!(
        e.ends_with(&format!("(the frame needs dictionary {id}, which is not available)")),
        "{e}"
    );
    assert_ne!(id, 0);
}

#[test]
fn window_and_output_limits() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    // Without a content size the frame has a window descriptor (byte 5): make it 2 GiB.
    let mut f = zstd("--no-content-size", b"abc");
    assert_eq!(f[4] & 0x20, 0, "not single-segment");
    f[5] = 21 << 3;
    assert_eq!(
        open_with(&f, &small).unwrap_err(),
        "zstd frame 0: window size 2147483648 bytes exceeds the limit of 134217728 bytes \
         (raise it with --max-codec-memory)"
    );

    let bomb = zstd("-19", &vec![0u8; 8 << 20]);
    assert!(bomb.len() < 2000);
    assert_eq!(
        open_with(&bomb, &small).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    let one = zstd("", &vec![0u8; 600 << 10]);
    assert_eq!(
        open_with(&[one.clone(), one].concat(), &small).unwrap_err(),
        "decompressed size exceeds limit of 1048576 bytes"
    );
    let exact = Limits {
        max_decompressed: 3,
        ..Limits::default()
    };
    assert_eq!(open_with(&zstd("", b"abc"), &exact).unwrap().members[0].size, 3);
}

#[test]
fn skippable_frame_running_past_the_end() {
    let f = [0x50, 0x2a, 0x4d, 0x18, 100, 0, 0, 0, 1, 2];
    assert_eq!(
        open(&f).unwrap_err(),
        "zstd skippable frame at offset 0x0 truncated: it declares 100 bytes, 2 are left"
    );
}

/// Every prefix and many single-byte corruptions must give a result or an error, never a panic.
#[test]
fn no_panic_on_truncation_or_corruption() {
    let small = Limits {
        max_decompressed: 1 << 20,
        ..Limits::default()
    };
    let mut v = zstd("-19", &data()[..3000]);
    v.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7]);
    v.extend_from_slice(&zstd("--no-check --no-content-size -1", &data()[..3000]));
    v.extend_from_slice(b"tail");
    assert_eq!(open_with(&v, &small).unwrap().members[0].size, 6000);
    common::no_panic_on_damage(&Zstd, &v, "x.zst", &small);
}
