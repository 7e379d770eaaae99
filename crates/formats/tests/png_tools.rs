//! PNG against real tools: images made by netpbm's `pnmtopng` (Debian package `netpbm`),
//! recompressed by `optipng` and `pngcrush`, and checked against `pngcheck -v` (package
//! `pngcheck`), which lists every chunk with its offset and length, the IHDR summary, Adam7 rows
//! per pass and the values of tIME, gAMA, sRGB, bKGD, pHYs and text chunks.

use std::path::Path;

mod common;

use common::field;
use reproscope_formats::png::Png;
use reproscope_formats::{Data, EntryKind, Format, Opened, Value};

const PACKAGES: &str = "netpbm pngcheck optipng pngcrush";

fn run(cmd: &str, dir: &Path) -> Vec<u8> {
    common::run_sh(cmd, dir, b"", PACKAGES)
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap()
}

fn open(bytes: &[u8]) -> Opened {
    let o = common::open_ok(&Png, bytes, "x.png");
    assert!(Png.identify(bytes, "x.png"));
    o
}

fn member<'a>(o: &'a Opened, name: &str) -> &'a [u8] {
    let m = o
        .members
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no member {name}"));
    assert_eq!(m.kind, EntryKind::Section);
    match &m.data {
        Some(Data::Blob(b)) => {
            assert_eq!(m.size, b.len() as u64);
            b
        }
        other => panic!("{other:?}"),
    }
}

fn text(o: &Opened, name: &str) -> String {
    match field(o, name) {
        Some(Value::Text(s)) => s.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

/// What `pngcheck -v` says about a file.
#[derive(Debug)]
struct Check {
    /// (type, offset of the type field, length) of every chunk.
    chunks: Vec<(String, u64, u64)>,
    width: u64,
    height: u64,
    bits_per_pixel: u64,
    /// pngcheck's color type word: "grayscale", "RGB", "palette", "RGB+alpha", ...
    color: String,
    interlaced: bool,
    /// "rows per pass" of an interlaced image.
    rows_per_pass: Vec<u64>,
    /// Every line, for values printed after a chunk.
    lines: Vec<String>,
}

fn pngcheck(dir: &Path, file: &str) -> Check {
    let out = String::from_utf8(run(&format!("pngcheck -v {file}"), dir)).unwrap();
    assert!(out.contains("No errors detected"), "{out}");
    let mut c = Check {
        chunks: Vec::new(),
        width: 0,
        height: 0,
        bits_per_pixel: 0,
        color: String::new(),
        interlaced: false,
        rows_per_pass: Vec::new(),
        lines: out.lines().map(str::to_string).collect(),
    };
    for line in out.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("chunk ") {
            // "IHDR at offset 0x0000c, length 13[: ...]"
            let w: Vec<&str> = rest.split_whitespace().collect();
            let offset = u64::from_str_radix(w[3].trim_end_matches(',').trim_start_matches("0x"), 16).unwrap();
            let length = w[5].trim_end_matches([':', ',']).parse().unwrap();
            c.chunks.push((w[0].to_string(), offset, length));
        } else if l.contains(" image, ") && c.width == 0 {
            // "64 x 48 image, 2-bit palette, interlaced"
            let w: Vec<&str> = l.split_whitespace().collect();
            c.width = w[0].parse().unwrap();
            c.height = w[2].parse().unwrap();
            c.bits_per_pixel = w[4].trim_end_matches("-bit").parse().unwrap();
            c.color = w[5].trim_end_matches(',').to_string();
            c.interlaced = w[6] == "interlaced";
        } else if let Some(rest) = l.strip_prefix("rows per pass: ") {
            c.rows_per_pass = rest.split(", ").map(|n| n.parse().unwrap()).collect();
        }
    }
    c
}

/// The chunk list as pngcheck reports it, runs of one type counted (`IDAT×3`).
fn chunk_runs(c: &Check) -> String {
    let mut runs: Vec<(String, usize)> = Vec::new();
    for (t, _, _) in &c.chunks {
        match runs.last_mut() {
            Some((last, n)) if last == t => *n += 1,
            _ => runs.push((t.clone(), 1)),
        }
    }
    runs.iter()
        .map(|(t, n)| if *n == 1 { t.clone() } else { format!("{t}×{n}") })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The line pngcheck prints for the chunk `kind` (the first one).
fn chunk_line<'a>(c: &'a Check, kind: &str) -> &'a str {
    c.lines
        .iter()
        .find(|l| l.trim().starts_with(&format!("chunk {kind} ")))
        .unwrap_or_else(|| panic!("pngcheck shows no {kind}"))
}

/// Bytes of filtered scanlines for pngcheck's description: per Adam7 pass when interlaced, with
/// the passes' row counts checked against pngcheck's "rows per pass".
fn expected_image_bytes(c: &Check) -> u64 {
    let row = |w: u64| {
        if w == 0 {
            0
        } else {
            1 + (w * c.bits_per_pixel).div_ceil(8)
        }
    };
    if !c.interlaced {
        return c.height * row(c.width);
    }
    // Adam7: (first column, first row, column step, row step).
    let passes = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let span = |n: u64, first: u64, step: u64| if n > first { (n - first).div_ceil(step) } else { 0 };
    // A pass without pixels (no columns or no rows) has no scanlines.
    let rows: Vec<u64> = passes
        .iter()
        .map(|&(x, y, dx, dy)| {
            if span(c.width, x, dx) == 0 {
                0
            } else {
                span(c.height, y, dy)
            }
        })
        .collect();
    assert_eq!(rows, c.rows_per_pass, "Adam7 rows per pass");
    passes
        .iter()
        .zip(&rows)
        .map(|(&(x, _, dx, _), &n)| n * row(span(c.width, x, dx)))
        .sum()
}

/// Asserts what the reader says agrees with pngcheck: chunk list, IHDR, IDAT sizes, PLTE, and
/// the decompressed image data's length.
fn assert_matches_pngcheck(o: &Opened, c: &Check) {
    assert_eq!(text(o, "chunks"), chunk_runs(c));
    assert_eq!(field(o, "width"), Some(&Value::Int(c.width as i64)));
    assert_eq!(field(o, "height"), Some(&Value::Int(c.height as i64)));
    let (color, channels) = match c.color.as_str() {
        "grayscale" => ("grayscale", 1),
        "palette" => ("palette", 1),
        "RGB" => ("RGB", 3),
        "grayscale+alpha" => ("grayscale+alpha", 2),
        "RGB+alpha" => ("RGBA", 4),
        other => panic!("pngcheck color type {other}"),
    };
    assert_eq!(text(o, "color-type"), color);
    assert_eq!(
        field(o, "bit-depth"),
        Some(&Value::Int((c.bits_per_pixel / channels) as i64))
    );
    assert_eq!(text(o, "interlace"), if c.interlaced { "Adam7" } else { "none" });
    let idat: Vec<u64> = c.chunks.iter().filter(|x| x.0 == "IDAT").map(|x| x.2).collect();
    assert_eq!(field(o, "idat-size"), Some(&Value::Size(idat.iter().sum())));
    assert_eq!(field(o, "idat-chunks"), Some(&Value::Int(idat.len() as i64)));
    assert_eq!(member(o, "(image data)").len() as u64, expected_image_bytes(c));
    match c.chunks.iter().find(|x| x.0 == "PLTE") {
        Some(p) => assert_eq!(member(o, "(palette)").len() as u64, p.2),
        None => assert!(o.members.iter().all(|m| m.name != "(palette)")),
    }
    // pngcheck's offsets are those of the type field; the file ends 8 bytes after IEND's type.
    assert!(c.chunks.first().is_some_and(|x| x.0 == "IHDR" && x.1 == 12));
    assert!(o
        .notes
        .iter()
        .any(|n| n == &format!("CRC-32 verified for {} chunks", c.chunks.len())));
}

const TEXTS: &str = "Title My picture
Author Jane Doe
Description a picture
  on two lines
\"Creation Time\" 2024-01-02T03:04:05Z
date:create 2024-01-01T00:00:00+00:00
date:modify 2024-01-01T02:00:00+02:00
date:other not a date
";

#[test]
fn metadata_and_chunks_agree_with_pngcheck() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("t.txt"), TEXTS).unwrap();
    run(
        "ppmmake rgb:ff/00/00 4 3 | pnmtopng -modtime '2024-01-01 00:00:00' -text t.txt -gamma .45455 \
         -size '2835 2835 1' -srgbintent perceptual -background red > a.png",
        t.path(),
    );
    let bytes = read(t.path(), "a.png");
    let o = open(&bytes);
    let c = pngcheck(t.path(), "a.png");
    assert_matches_pngcheck(&o, &c);
    assert_eq!(
        text(&o, "chunks"),
        "IHDR gAMA sRGB PLTE bKGD pHYs tIME tEXt×7 IDAT IEND"
    );

    assert!(chunk_line(&c, "tIME").ends_with(" 1 Jan 2024 00:00:00 UTC"));
    assert_eq!(field(&o, "time"), Some(&Value::Time(1_704_067_200)));
    assert_eq!(text(&o, "text.Title"), "My picture");
    assert_eq!(text(&o, "text.Author"), "Jane Doe");
    assert!(text(&o, "text.Description").starts_with("a picture"));
    assert!(text(&o, "text.Description").contains("on two lines"));
    // Date keywords holding a date are timestamps.
    assert_eq!(field(&o, "text.Creation Time"), Some(&Value::Time(1_704_164_645)));
    assert_eq!(field(&o, "text.date:create"), Some(&Value::Time(1_704_067_200)));
    assert_eq!(field(&o, "text.date:modify"), Some(&Value::Time(1_704_067_200)));
    assert_eq!(text(&o, "text.date:other"), "not a date");
    // pngcheck prints the tEXt keywords in the same order.
    let keywords: Vec<String> = c
        .lines
        .iter()
        .filter_map(|l| l.split_once("keyword: ").map(|(_, k)| format!("text.{k}")))
        .collect();
    let names: Vec<&str> = o
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .filter(|n| n.starts_with("text."))
        .collect();
    assert_eq!(names, keywords);

    // Ancillary chunks, as pngcheck decodes them.
    let gama = chunk_line(&c, "gAMA").rsplit(' ').next().unwrap().to_string();
    assert_eq!(text(&o, "chunk.gAMA"), gama);
    assert_eq!(gama, "0.45455");
    let srgb = c.lines.iter().find(|l| l.contains("rendering intent = ")).unwrap();
    assert_eq!(text(&o, "chunk.sRGB"), srgb.rsplit("= ").next().unwrap());
    let bkgd = c.lines.iter().find(|l| l.trim().starts_with("index = ")).unwrap();
    assert_eq!(text(&o, "chunk.bKGD"), bkgd.trim().replace(" = ", " "));
    assert!(chunk_line(&c, "pHYs").contains(": 2835x2835 pixels/meter"));
    assert_eq!(text(&o, "chunk.pHYs"), "2835x2835 per metre");
    // One red pixel colour: a one-entry palette, 1-bit indices.
    assert_eq!(member(&o, "(palette)"), [0xff, 0, 0]);
    assert_eq!(member(&o, "(image data)"), [0u8; 6]);
}

#[test]
fn compressed_text_is_decompressed() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("t.txt"), TEXTS).unwrap();
    run(
        "ppmmake rgb:00/80/ff 5 5 | pnmtopng -ztxt t.txt -modtime '1999-12-31 23:59:59' > z.png",
        t.path(),
    );
    let o = open(&read(t.path(), "z.png"));
    let c = pngcheck(t.path(), "z.png");
    assert_matches_pngcheck(&o, &c);
    assert!(c.chunks.iter().any(|x| x.0 == "zTXt"), "{c:?}");
    assert_eq!(field(&o, "time"), Some(&Value::Time(946_684_799)));
    assert_eq!(text(&o, "text.Title"), "My picture");
    assert_eq!(text(&o, "text.date:other"), "not a date");
    assert_eq!(field(&o, "text.date:create"), Some(&Value::Time(1_704_067_200)));
}

/// A 20x20 image of 400 distinct colours: RGB, not palette.
fn rgb_ppm() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0u32..400)
        .flat_map(|i| [(i & 255) as u8, ((i >> 8) * 40) as u8, ((i * 3) & 255) as u8])
        .collect();
    let mut ppm = b"P6\n20 20\n255\n".to_vec();
    ppm.extend_from_slice(&pixels);
    (ppm, pixels)
}

#[test]
fn image_data_is_the_filtered_scanlines() {
    let t = tempfile::tempdir().unwrap();
    let (ppm, pixels) = rgb_ppm();
    std::fs::write(t.path().join("u.ppm"), &ppm).unwrap();
    // No filtering: each scanline is filter type 0 and the pixels as they are.
    run("pnmtopng -nofilter u.ppm > u.png", t.path());
    let o = open(&read(t.path(), "u.png"));
    assert_matches_pngcheck(&o, &pngcheck(t.path(), "u.png"));
    assert_eq!(text(&o, "color-type"), "RGB");
    let rows: Vec<u8> = pixels
        .chunks(60)
        .flat_map(|r| std::iter::once(0).chain(r.iter().copied()))
        .collect();
    assert_eq!(member(&o, "(image data)"), rows);
    assert_eq!(run("pngtopnm u.png", t.path()), ppm);

    // With an alpha channel from a PGM mask.
    run(
        "pgmnoise -randomseed=3 20 20 > mask.pgm && pnmtopng -alpha=mask.pgm u.ppm > a.png",
        t.path(),
    );
    let o = open(&read(t.path(), "a.png"));
    assert_matches_pngcheck(&o, &pngcheck(t.path(), "a.png"));
    assert_eq!(text(&o, "color-type"), "RGBA");
    assert_eq!(member(&o, "(image data)").len(), 20 * (1 + 80));
}

#[test]
fn sixteen_bit_grayscale() {
    let t = tempfile::tempdir().unwrap();
    run("pgmmake -maxval=65535 0.3 5 7 | pnmtopng > g.png", t.path());
    let o = open(&read(t.path(), "g.png"));
    assert_matches_pngcheck(&o, &pngcheck(t.path(), "g.png"));
    assert_eq!(text(&o, "color-type"), "grayscale");
    assert_eq!(field(&o, "bit-depth"), Some(&Value::Int(16)));
    assert_eq!(member(&o, "(image data)").len(), 7 * (1 + 10));
}

#[test]
fn many_idat_chunks() {
    let t = tempfile::tempdir().unwrap();
    // Noise does not compress: libpng writes its IDAT data in 8 KiB chunks.
    run("pgmnoise -randomseed=1 400 300 | pnmtopng > n.png", t.path());
    let o = open(&read(t.path(), "n.png"));
    let c = pngcheck(t.path(), "n.png");
    assert_matches_pngcheck(&o, &c);
    let idats = c.chunks.iter().filter(|x| x.0 == "IDAT").count();
    assert!(idats > 10, "{c:?}");
    assert_eq!(text(&o, "chunks"), format!("IHDR IDAT×{idats} IEND"));
    assert_eq!(member(&o, "(image data)").len(), 300 * 401);
    assert_eq!(
        run("pngtopnm n.png | pnmtopng -nofilter | pngtopnm", t.path()),
        run("pngtopnm n.png", t.path())
    );
}

#[test]
fn interlaced_images() {
    let t = tempfile::tempdir().unwrap();
    let (ppm, _) = rgb_ppm();
    std::fs::write(t.path().join("u.ppm"), &ppm).unwrap();
    for (i, cmd) in [
        "pnmtopng -interlace u.ppm",
        "ppmpat -g2 -randomseed=1 64 48 | pnmtopng -interlace",
        "ppmpat -g2 -randomseed=1 13 5 | pnmtopng -interlace",
        "pgmmake 0.5 1 1 | pnmtopng -interlace",
        "pgmnoise -randomseed=2 3 9 | pnmtopng -interlace",
    ]
    .iter()
    .enumerate()
    {
        let file = format!("i{i}.png");
        run(&format!("{cmd} > {file}"), t.path());
        let o = open(&read(t.path(), &file));
        let c = pngcheck(t.path(), &file);
        assert!(c.interlaced, "{cmd}");
        assert_eq!(c.rows_per_pass.len(), 7, "{cmd}: {c:?}");
        assert_matches_pngcheck(&o, &c);
    }
}

#[test]
fn recompressed_copies_have_the_same_image_data() {
    let t = tempfile::tempdir().unwrap();
    run("ppmpat -camo -randomseed=1 200 150 > c.ppm", t.path());
    run("pnmtopng -nofilter -compression 1 c.ppm > c1.png", t.path());
    run("pnmtopng -nofilter -compression 9 c.ppm > c9.png", t.path());
    // No image reductions, filter 0 kept, another zlib level and strategy.
    run(
        "optipng -quiet -nx -f0 -zc6 -zm8 -zs1 -force -out o.png c1.png",
        t.path(),
    );
    run("pngcrush -q -noreduce -m 1 -f 0 -l 4 -force c1.png p.png", t.path());

    let base = open(&read(t.path(), "c1.png"));
    assert_matches_pngcheck(&base, &pngcheck(t.path(), "c1.png"));
    let image = member(&base, "(image data)").to_vec();
    for file in ["c9.png", "o.png", "p.png"] {
        let bytes = read(t.path(), file);
        assert_ne!(bytes, read(t.path(), "c1.png"), "{file}");
        let o = open(&bytes);
        let c = pngcheck(t.path(), file);
        assert_matches_pngcheck(&o, &c);
        assert_ne!(field(&o, "idat-size"), field(&base, "idat-size"), "{file}");
        assert!(member(&o, "(image data)") == image, "{file}: the image data differs");
        assert_eq!(member(&o, "(palette)"), member(&base, "(palette)"), "{file}");
        assert_eq!(run(&format!("pngtopnm {file}"), t.path()), read(t.path(), "c.ppm"));
    }
}

#[test]
fn trailing_data_after_iend() {
    let t = tempfile::tempdir().unwrap();
    run("ppmmake rgb:00/00/ff 2 2 | pnmtopng > b.png", t.path());
    let mut bytes = read(t.path(), "b.png");
    let end = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0]);
    bytes.extend_from_slice(b"appended");
    let o = open(&bytes);
    let name = format!("trailing@{:#x}", end + 3);
    let m = o.members.iter().find(|m| m.name == name).expect("trailing member");
    assert_eq!(m.size, 8);
    assert!(
        o.notes
            .iter()
            .any(|n| n == "3 bytes of zero padding after the IEND chunk"),
        "{:?}",
        o.notes
    );
}
