//! Structural comparison of JSON text: the same data in another key order or layout is told apart
//! from changed values, and changed values are named by their path (`.a.b[3].c`).
//!
//! A parser of its own rather than serde_json: it keeps object keys in document order (serde_json's
//! `preserve_order` feature would change every map in the workspace, including the EIF metadata
//! bytes the writer produces), keeps repeated keys, and compares numbers by exact decimal value
//! (serde_json without `arbitrary_precision` rounds to f64, so `0.1` and `0.10000000000000001`
//! would wrongly read as the same data).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use reproscope_formats::Value;

use crate::align::{changed, Align};
use crate::tree::{FieldChange, MAX_ORDER_NAMES};

/// Larger inputs are only diffed as text (the text limit is lower still today).
pub const MAX_JSON: usize = 64 << 20;
/// Deepest nesting accepted, as serde_json's default recursion limit; it also bounds the
/// recursion of the comparison below.
const MAX_DEPTH: usize = 128;
/// Most values in one document compared as data: the parsed tree takes about 150 bytes a
/// value, so this bounds it to tens of MB (a 14 MB array of zeros is 7 million values).
/// Larger documents keep their text diff.
const MAX_VALUES: usize = 200_000;
/// The parse error that means "more than MAX_VALUES values".
const TOO_MANY: usize = usize::MAX;
/// Most changed paths listed as fields; the rest are counted in a comment.
pub const MAX_PATHS: usize = 64;
/// Values longer than this (compact JSON) are cut in field changes: the unified diff has them.
const MAX_VALUE_CHARS: usize = 1024;
/// Keys listed per side in a `json-key-order` field.
const MAX_KEYS_SHOWN: usize = 24;
/// Longest element shown in a `json-array-order` field (compact JSON, cut).
const MAX_ELEMENT_SHOWN: usize = 200;
/// Longest element kept in the evidence of an array's orders (compact JSON, cut).
const MAX_ORDER_ELEMENT: usize = 256;

/// A parsed JSON value. Objects keep keys in document order, repeated keys included.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Num(Num),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// A number as written, with its exact value: sign, significant digits, power of ten.
#[derive(Debug)]
struct Num {
    raw: String,
    negative: bool,
    digits: String,
    exp: i64,
}

impl PartialEq for Num {
    fn eq(&self, o: &Num) -> bool {
        self.negative == o.negative && self.digits == o.digits && self.exp == o.exp
    }
}

/// What a structural comparison found, to add to the node.
#[derive(Debug, Default)]
pub struct JsonDiff {
    pub fields: Vec<FieldChange>,
    pub comments: Vec<String>,
    /// The first array whose elements are the same in another order: its elements in each
    /// input's order (compact JSON, each cut, at most [`MAX_ORDER_NAMES`] per side).
    pub orders: Option<(Vec<String>, Vec<String>)>,
}

/// Compares two texts as JSON when both are JSON documents: an object or array at top level, or
/// any value when `named_json` (the member name ends in `.json`). `None` when they are not (the
/// caller keeps its text diff). Only called when the texts differ.
pub fn compare(a: &str, b: &str, named_json: bool) -> Option<JsonDiff> {
    if a.len() > MAX_JSON || b.len() > MAX_JSON {
        return None;
    }
    let looks = |s: &str| {
        let t = s.trim_start_matches('\u{feff}').trim_start();
        t.starts_with('{') || t.starts_with('[')
    };
    if !(named_json || (looks(a) && looks(b))) {
        return None;
    }
    let (ja, jb) = match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => (x, y),
        (Err(TOO_MANY), _) | (_, Err(TOO_MANY)) => {
            return Some(JsonDiff {
                comments: vec![format!(
                    "JSON with more than {MAX_VALUES} values: compared as text only"
                )],
                ..JsonDiff::default()
            })
        }
        (Err(e), Ok(_)) if named_json => return Some(invalid("first", e)),
        (Ok(_), Err(e)) if named_json => return Some(invalid("second", e)),
        _ => return None,
    };
    let mut w = Walk {
        changes: Vec::new(),
        change_count: 0,
        first_order: None,
        order_count: 0,
        first_array: None,
        array_count: 0,
    };
    w.walk(&ja, &jb, &mut String::new());

    let mut out = JsonDiff::default();
    if w.change_count == 0 {
        out.comments.push(
            match (w.order_count > 0, w.array_count > 0) {
                (false, false) => "same JSON data; only formatting differs",
                (true, false) => "same JSON data; only key order differs",
                (false, true) => "same JSON elements; only array elements are in a different order",
                (true, true) => {
                    "same JSON elements; only key order differs and array elements are in a different order"
                }
            }
            .into(),
        );
    }
    for (path, before, after) in w.changes {
        out.fields.push(FieldChange::new(
            format!("json:{}", show_path(&path)),
            before.map(Value::Text),
            after.map(Value::Text),
        ));
    }
    if w.change_count > MAX_PATHS {
        out.comments.push(format!(
            "{} more JSON values differ (the first {MAX_PATHS} are listed)",
            w.change_count - MAX_PATHS
        ));
    }
    if let Some((path, k1, k2)) = w.first_order {
        out.fields.push(FieldChange::new(
            "json-key-order",
            Some(Value::Text(format!("{}: {k1}", show_path(&path)))),
            Some(Value::Text(format!("{}: {k2}", show_path(&path)))),
        ));
        if w.order_count > 1 {
            out.comments.push(format!(
                "key order differs in {} objects; the first is shown",
                w.order_count
            ));
        }
    }
    if let Some(a) = w.first_array {
        out.fields.push(FieldChange::new(
            "json-array-order",
            Some(Value::Text(a.field.0)),
            Some(Value::Text(a.field.1)),
        ));
        out.orders = Some(a.orders);
        if w.array_count > 1 {
            out.comments.push(format!(
                "element order differs in {} arrays; the first is shown",
                w.array_count
            ));
        }
    }
    Some(out)
}

fn invalid(side: &str, at: usize) -> JsonDiff {
    JsonDiff {
        comments: vec![format!("the {side} input is not valid JSON (error at byte {at})")],
        ..JsonDiff::default()
    }
}

struct Walk {
    /// Up to MAX_PATHS (raw path, before, after) in compact JSON.
    changes: Vec<(String, Option<String>, Option<String>)>,
    change_count: usize,
    /// The first object whose common keys come in another order: path and both key lists.
    first_order: Option<(String, String, String)>,
    order_count: usize,
    /// The first array holding the same elements in another order.
    first_array: Option<ArrayOrder>,
    array_count: usize,
}

/// A reordered array: the `json-array-order` field's two values and the evidence.
struct ArrayOrder {
    field: (String, String),
    orders: (Vec<String>, Vec<String>),
}

impl Walk {
    fn change(&mut self, path: &str, a: Option<&Json>, b: Option<&Json>) {
        self.change_count += 1;
        if self.changes.len() < MAX_PATHS {
            self.changes.push((path.to_string(), a.map(compact), b.map(compact)));
        }
    }

    /// Depth is bounded by the parser's MAX_DEPTH.
    fn walk(&mut self, a: &Json, b: &Json, path: &mut String) {
        match (a, b) {
            (Json::Obj(x), Json::Obj(y)) => self.objects(x, y, path),
            (Json::Arr(x), Json::Arr(y)) => self.arrays(x, y, path),
            (Json::Null, Json::Null) => {}
            (Json::Bool(p), Json::Bool(q)) if p == q => {}
            (Json::Num(p), Json::Num(q)) if p == q => {}
            (Json::Str(p), Json::Str(q)) if p == q => {}
            _ => self.change(path, Some(a), Some(b)),
        }
    }

    fn objects(&mut self, x: &[(String, Json)], y: &[(String, Json)], path: &mut String) {
        // The k-th occurrence of a key pairs with the k-th occurrence on the other side.
        let mut in_y: HashMap<&str, VecDeque<usize>> = HashMap::new();
        for (j, (k, _)) in y.iter().enumerate() {
            in_y.entry(k.as_str()).or_default().push_back(j);
        }
        let mut matched = vec![false; y.len()];
        let mut order_x = Vec::new();
        for (k, va) in x {
            let len = path.len();
            push_key(path, k);
            match in_y.get_mut(k.as_str()).and_then(|q| q.pop_front()) {
                Some(j) => {
                    matched[j] = true;
                    order_x.push(j);
                    self.walk(va, &y[j].1, path);
                }
                None => self.change(path, Some(va), None),
            }
            path.truncate(len);
        }
        for (j, (k, vb)) in y.iter().enumerate() {
            if !matched[j] {
                let len = path.len();
                push_key(path, k);
                self.change(path, None, Some(vb));
                path.truncate(len);
            }
        }
        // The common keys, walked in the first side's order, sit out of order in the second.
        if order_x.windows(2).any(|w| w[0] > w[1]) {
            self.order_count += 1;
            if self.first_order.is_none() {
                let keys = |o: &[(String, Json)]| {
                    let mut s: Vec<String> = o.iter().take(MAX_KEYS_SHOWN).map(|(k, _)| k.clone()).collect();
                    if o.len() > MAX_KEYS_SHOWN {
                        s.push(format!("… ({} keys)", o.len()));
                    }
                    s.join(", ")
                };
                self.first_order = Some((path.clone(), keys(x), keys(y)));
            }
        }
    }

    /// Element by element, for arrays of equal length.
    fn in_place(&mut self, x: &[Json], y: &[Json], path: &mut String) {
        let len = path.len();
        for (i, (va, vb)) in x.iter().zip(y).enumerate() {
            push_index(path, i);
            self.walk(va, vb, path);
            path.truncate(len);
        }
    }

    fn arrays(&mut self, x: &[Json], y: &[Json], path: &mut String) {
        let len = path.len();
        if x.len() == y.len() {
            // The same elements in another order are one change, that order; each subtree is
            // walked once whatever the outcome, so nested arrays cost no more than a plain walk
            // (and the digests and checks, a pass over the subtree per level of nesting).
            match permutation(x, y) {
                Some(to_y) => {
                    self.array_count += 1;
                    if self.first_array.is_none() {
                        self.first_array = Some(array_order(x, y, &to_y, path));
                    }
                    for (i, &j) in to_y.iter().enumerate() {
                        // Equal data: only key order inside can show here.
                        push_index(path, i);
                        self.walk(&x[i], &y[j], path);
                        path.truncate(len);
                    }
                }
                _ => self.in_place(x, y, path),
            }
            return;
        }
        // Different lengths: align elements so one insertion is one change, not a cascade.
        let (hx, hy): (Vec<u64>, Vec<u64>) = (x.iter().map(digest).collect(), y.iter().map(digest).collect());
        // Aligned with a bounded, clock-free search (crate::align): the same report everywhere.
        let mut ops = Vec::new();
        let mut at = (0, 0);
        for (ra, rb) in changed(&hx, &hy, Align::Tokens) {
            ops.push((at.0, ra.start - at.0, at.1, rb.start - at.1));
            ops.push((ra.start, ra.len(), rb.start, rb.len()));
            at = (ra.end, rb.end);
        }
        ops.push((at.0, x.len() - at.0, at.1, y.len() - at.1));
        for (oi, ol, ni, nl) in ops {
            // Equal digests still get walked: key order may differ inside, and digests can collide.
            for k in 0..ol.min(nl) {
                push_index(path, oi + k);
                self.walk(&x[oi + k], &y[ni + k], path);
                path.truncate(len);
            }
            for k in nl.min(ol)..ol {
                push_index(path, oi + k);
                self.change(path, Some(&x[oi + k]), None);
                path.truncate(len);
            }
            for k in ol.min(nl)..nl {
                push_index(path, ni + k);
                self.change(path, None, Some(&y[ni + k]));
                path.truncate(len);
            }
        }
    }
}

/// For two arrays of equal length holding the same elements in another order: the index in `y`
/// of each element of `x` (equal elements keep their order). `None` when they are not the same
/// elements, or are in the same order.
fn permutation(x: &[Json], y: &[Json]) -> Option<Vec<usize>> {
    let (hx, hy): (Vec<u64>, Vec<u64>) = (x.iter().map(digest).collect(), y.iter().map(digest).collect());
    if hx == hy {
        return None;
    }
    let mut in_y: HashMap<u64, VecDeque<usize>> = HashMap::new();
    for (j, &h) in hy.iter().enumerate() {
        in_y.entry(h).or_default().push_back(j);
    }
    let to_y = hx
        .iter()
        .map(|h| in_y.get_mut(h).and_then(|q| q.pop_front()))
        .collect::<Option<Vec<usize>>>()?;
    // Digests can collide.
    to_y.iter().zip(x).all(|(&j, v)| same(v, &y[j])).then_some(to_y)
}

/// Equal as the comparison sees it: key order aside, numbers by exact value. Recursion depth is
/// bounded by the parser's MAX_DEPTH.
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Null, Json::Null) => true,
        (Json::Bool(p), Json::Bool(q)) => p == q,
        (Json::Num(p), Json::Num(q)) => p == q,
        (Json::Str(p), Json::Str(q)) => p == q,
        (Json::Arr(x), Json::Arr(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Json::Obj(x), Json::Obj(y)) => {
            if x.len() != y.len() {
                return false;
            }
            // The k-th occurrence of a key against the k-th on the other side, as the walk does.
            let mut in_y: HashMap<&str, VecDeque<&Json>> = HashMap::new();
            for (k, v) in y {
                in_y.entry(k.as_str()).or_default().push_back(v);
            }
            x.iter().all(|(k, v)| {
                in_y.get_mut(k.as_str())
                    .and_then(|q| q.pop_front())
                    .is_some_and(|w| same(v, w))
            })
        }
        _ => false,
    }
}

/// The field values and evidence for an array reordered as `to_y` says: the first element out
/// of place, at its index in each input, and both orders.
fn array_order(x: &[Json], y: &[Json], to_y: &[usize], path: &str) -> ArrayOrder {
    let k = to_y.iter().enumerate().position(|(i, &j)| i != j).unwrap_or(0);
    let j = to_y.get(k).copied().unwrap_or(0);
    let show = |v: Option<&Json>, at: usize| {
        let v = v.map_or_else(String::new, |v| compact_max(v, MAX_ELEMENT_SHOWN));
        format!("{}: {v} at [{at}]", show_path(path))
    };
    let list = |a: &[Json]| {
        a.iter()
            .take(MAX_ORDER_NAMES)
            .map(|v| compact_max(v, MAX_ORDER_ELEMENT))
            .collect()
    };
    ArrayOrder {
        field: (show(x.get(k), k), show(y.get(j), j)),
        orders: (list(x), list(y)),
    }
}

/// A hash of a value that ignores object key order (as the comparison does).
fn digest(v: &Json) -> u64 {
    let mut h = DefaultHasher::new();
    match v {
        Json::Null => 0u8.hash(&mut h),
        Json::Bool(b) => (1u8, b).hash(&mut h),
        Json::Num(n) => (2u8, n.negative, &n.digits, n.exp).hash(&mut h),
        Json::Str(s) => (3u8, s).hash(&mut h),
        Json::Arr(items) => {
            4u8.hash(&mut h);
            for i in items {
                digest(i).hash(&mut h);
            }
        }
        Json::Obj(pairs) => {
            5u8.hash(&mut h);
            let mut sum = 0u64;
            for (k, v) in pairs {
                let mut e = DefaultHasher::new();
                (k, digest(v)).hash(&mut e);
                sum = sum.wrapping_add(e.finish());
            }
            sum.hash(&mut h);
        }
    }
    h.finish()
}

/// `.key` for plain keys, `["key"]` for the rest (jq's notation).
fn push_key(path: &mut String, k: &str) {
    let plain = !k.is_empty()
        && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
        && !k.as_bytes()[0].is_ascii_digit();
    if plain {
        path.push('.');
        path.push_str(k);
    } else {
        path.push('[');
        write_str(path, k);
        path.push(']');
    }
}

fn push_index(path: &mut String, i: usize) {
    path.push_str(&format!("[{i}]"));
}

/// The path as jq writes it: `.` for the root, `.[0]` for a top-level array element.
fn show_path(p: &str) -> String {
    if p.starts_with('.') {
        p.to_string()
    } else {
        format!(".{p}")
    }
}

/// Compact JSON, keys in document order, cut after MAX_VALUE_CHARS.
fn compact(v: &Json) -> String {
    compact_max(v, MAX_VALUE_CHARS)
}

/// Compact JSON cut after `max` bytes (and '…').
fn compact_max(v: &Json, max: usize) -> String {
    let mut s = String::new();
    if !write_json(&mut s, v, max) {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Appends `v`; false once the output passed `max` bytes (writing stops there).
fn write_json(s: &mut String, v: &Json, max: usize) -> bool {
    match v {
        Json::Null => s.push_str("null"),
        Json::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => s.push_str(&n.raw),
        Json::Str(t) => write_str(s, t),
        Json::Arr(items) => {
            s.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                if !write_json(s, x, max) {
                    return false;
                }
            }
            s.push(']');
        }
        Json::Obj(pairs) => {
            s.push('{');
            for (i, (k, x)) in pairs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                write_str(s, k);
                s.push(':');
                if !write_json(s, x, max) {
                    return false;
                }
            }
            s.push('}');
        }
    }
    s.len() <= max
}

fn write_str(s: &mut String, t: &str) {
    s.push('"');
    for c in t.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
}

/// Parses one JSON document (RFC 8259; a leading byte order mark is allowed). The error is the
/// byte offset where parsing failed.
fn parse(text: &str) -> Result<Json, usize> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        s: text.as_bytes(),
        i: bom,
        values: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.i);
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// Values parsed so far, against MAX_VALUES.
    values: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), usize> {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.i)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, usize> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(TOO_MANY);
        }
        match self.s.get(self.i) {
            Some(b'{' | b'[') if depth >= MAX_DEPTH => Err(self.i),
            Some(b'{') => {
                self.i += 1;
                let mut pairs = Vec::new();
                self.ws();
                if self.eat(b'}').is_ok() {
                    return Ok(Json::Obj(pairs));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    pairs.push((k, self.value(depth + 1)?));
                    self.ws();
                    if self.eat(b',').is_err() {
                        self.eat(b'}')?;
                        return Ok(Json::Obj(pairs));
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b']').is_ok() {
                    return Ok(Json::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b',').is_err() {
                        self.eat(b']')?;
                        return Ok(Json::Arr(items));
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.word(b"true", Json::Bool(true)),
            Some(b'f') => self.word(b"false", Json::Bool(false)),
            Some(b'n') => self.word(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.i),
        }
    }

    fn word(&mut self, w: &[u8], v: Json) -> Result<Json, usize> {
        if self.s[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.i)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json, usize> {
        let start = self.i;
        let negative = self.eat(b'-').is_ok();
        let int_start = self.i;
        let n = self.digits();
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return Err(int_start);
        }
        let int_end = self.i;
        let (mut frac_start, mut frac_end) = (self.i, self.i);
        if self.eat(b'.').is_ok() {
            frac_start = self.i;
            if self.digits() == 0 {
                return Err(self.i);
            }
            frac_end = self.i;
        }
        let mut exp: i64 = 0;
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            let neg = match self.s.get(self.i) {
                Some(b'-') => {
                    self.i += 1;
                    true
                }
                Some(b'+') => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let e_start = self.i;
            if self.digits() == 0 {
                return Err(self.i);
            }
            // Saturating: exponents beyond any real use still compare, without overflow.
            for &c in &self.s[e_start..self.i] {
                exp = exp.saturating_mul(10).saturating_add(i64::from(c - b'0')).min(1 << 40);
            }
            if neg {
                exp = -exp;
            }
        }
        // Exact value: all digits as one integer times a power of ten, without the zeros that
        // only pad it, so 1, 1.0, 10e-1 and 0.1e1 are the same number.
        let all: String = [&self.s[int_start..int_end], &self.s[frac_start..frac_end]]
            .concat()
            .into_iter()
            .map(char::from)
            .collect();
        let mut exp = exp.saturating_sub((frac_end - frac_start) as i64);
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        exp = exp.saturating_add((trimmed.len() - digits.len()) as i64);
        let zero = digits.is_empty();
        Ok(Json::Num(Num {
            raw: String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
            negative: negative && !zero,
            digits: digits.to_string(),
            exp: if zero { 0 } else { exp },
        }))
    }

    fn hex4(&mut self) -> Result<u32, usize> {
        let h = self.s.get(self.i..self.i + 4).ok_or(self.i)?;
        let mut v = 0;
        for &c in h {
            v = v * 16 + char::from(c).to_digit(16).ok_or(self.i)?;
        }
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, usize> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.s.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.extend_from_slice(&self.s[start..self.i]);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    // The input is UTF-8 and escapes produce whole characters.
                    return String::from_utf8(out).map_err(|_| self.i);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let at = self.i;
                    let c = *self.s.get(self.i).ok_or(at)?;
                    self.i += 1;
                    let ch = match c {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                if self.s.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return Err(self.i);
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(self.i);
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or(at)?
                        }
                        _ => return Err(at),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                _ => return Err(self.i),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(d: &JsonDiff, name: &str) -> (Option<String>, Option<String>) {
        let f = d
            .fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name} in {:?}", d.fields));
        let t = |v: &Option<Value>| {
            v.as_ref().map(|v| match v {
                Value::Text(s) => s.clone(),
                other => panic!("{other:?}"),
            })
        };
        (t(&f.before), t(&f.after))
    }

    #[test]
    fn documents_past_the_value_limit_are_left_to_the_text_diff() {
        let big = |last: &str| format!("[{}{last}]", "0,".repeat(MAX_VALUES));
        let d = compare(&big("0"), &big("1"), false).expect("both are JSON");
        assert!(d.fields.is_empty());
        assert_eq!(
            d.comments,
            [format!(
                "JSON with more than {MAX_VALUES} values: compared as text only"
            )]
        );
        let small = |last: &str| format!("[{}{last}]", "0,".repeat(1000));
        assert_eq!(compare(&small("0"), &small("1"), false).unwrap().fields.len(), 1);
    }

    #[test]
    fn parser_accepts_and_rejects_like_serde_json() {
        let cases = [
            "{}",
            "[]",
            " {\"a\": [1, -2.5e+3, 0, -0, 1E2, true, false, null, \"x\\u00e9\\n\"]} ",
            "\"\\ud83d\\ude00\"",
            "12",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            ".5",
            "1e",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"a\tb\"",
            "\"\\x\"",
            "[1] x",
            "tru",
            "{\"a\":1,\"a\":2}",
            "",
        ];
        for c in cases {
            let ours = parse(c).is_ok();
            let theirs = serde_json::from_str::<serde_json::Value>(c).is_ok();
            assert_eq!(ours, theirs, "{c:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn numbers_compare_by_exact_value() {
        let n = |s: &str| match parse(s).unwrap() {
            Json::Num(n) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10e-1"));
        assert_eq!(n("100"), n("1e2"));
        assert_eq!(n("0"), n("-0.0"));
        assert_ne!(n("0.1"), n("0.10000000000000001"));
        assert_ne!(n("12345678901234567890123"), n("12345678901234567890124"));
        assert_ne!(n("1"), n("-1"));
        assert!(parse("1e99999999999999999999999999").is_ok());
    }

    #[test]
    fn key_order_only() {
        let a = r#"{"name":"x","dependencies":{"a":"1","b":"2","c":"3"}}"#;
        let b = r#"{"name":"x","dependencies":{"b":"2","a":"1","c":"3"}}"#;
        let d = compare(a, b, false).unwrap();
        assert_eq!(d.comments, ["same JSON data; only key order differs"]);
        assert_eq!(
            field(&d, "json-key-order"),
            (
                Some(".dependencies: a, b, c".into()),
                Some(".dependencies: b, a, c".into())
            )
        );
        assert_eq!(d.fields.len(), 1);
    }

    #[test]
    fn formatting_only() {
        let d = compare("{\"a\": [1, 2]}\n", "{\n  \"a\": [\n    1,\n    2.0\n  ]\n}", false).unwrap();
        assert_eq!(d.comments, ["same JSON data; only formatting differs"]);
        assert!(d.fields.is_empty());
    }

    #[test]
    fn changed_values_by_path() {
        let a = r#"{"a":{"b":[1,2,{"c":"x"}]},"gone":1,"odd key":true}"#;
        let b = r#"{"a":{"b":[1,2,{"c":"y"}]},"odd key":false,"new":[1]}"#;
        let d = compare(a, b, false).unwrap();
        assert_eq!(
            field(&d, "json:.a.b[2].c"),
            (Some("\"x\"".into()), Some("\"y\"".into()))
        );
        assert_eq!(field(&d, "json:.gone"), (Some("1".into()), None));
        assert_eq!(field(&d, "json:.[\"odd key\"]").1, Some("false".into()));
        assert_eq!(field(&d, "json:.new"), (None, Some("[1]".into())));
        assert!(d.comments.is_empty(), "{:?}", d.comments);
    }

    #[test]
    fn array_order_only() {
        let a = r#"{"files":["b","a","b","c"],"n":1}"#;
        let b = r#"{"files":["a","b","c","b"],"n":1}"#;
        let d = compare(a, b, false).unwrap();
        assert_eq!(
            field(&d, "json-array-order"),
            (
                Some(r#".files: "b" at [0]"#.into()),
                Some(r#".files: "b" at [1]"#.into())
            )
        );
        assert_eq!(d.fields.len(), 1, "{:?}", d.fields);
        assert_eq!(
            d.comments,
            ["same JSON elements; only array elements are in a different order"]
        );
        let (x, y) = d.orders.unwrap();
        assert_eq!(x, [r#""b""#, r#""a""#, r#""b""#, r#""c""#]);
        assert_eq!(y, [r#""a""#, r#""b""#, r#""c""#, r#""b""#]);
    }

    #[test]
    fn reordered_elements_still_show_key_order_inside() {
        let a = r#"[{"k":1,"v":2},{"k":3,"v":4}]"#;
        let b = r#"[{"v":4,"k":3},{"k":1,"v":2}]"#;
        let d = compare(a, b, false).unwrap();
        assert_eq!(
            field(&d, "json-array-order").0,
            Some(r#".: {"k":1,"v":2} at [0]"#.into())
        );
        assert_eq!(
            field(&d, "json-array-order").1,
            Some(r#".: {"k":1,"v":2} at [1]"#.into())
        );
        // The element moved from [1] to [0] also has its keys in another order.
        assert_eq!(
            field(&d, "json-key-order"),
            (Some(".[1]: k, v".into()), Some(".[1]: v, k".into()))
        );
        assert_eq!(
            d.comments,
            ["same JSON elements; only key order differs and array elements are in a different order"]
        );
    }

    #[test]
    fn an_array_with_a_changed_element_is_not_a_reorder() {
        let d = compare(r#"["a","b","c"]"#, r#"["b","a","x"]"#, false).unwrap();
        assert!(d.orders.is_none());
        assert_eq!(d.fields.len(), 3, "{:?}", d.fields);
        assert_eq!(field(&d, "json:.[2]"), (Some("\"c\"".into()), Some("\"x\"".into())));
        // Same elements by value but not by type: 1 and "1" differ.
        let d = compare(r#"[1,"1"]"#, r#"["1",1,"x"]"#, false).unwrap();
        assert!(d.orders.is_none());
    }

    #[test]
    fn an_insertion_in_an_array_is_one_change() {
        let a = "[\"a\",\"b\",\"c\",\"d\"]";
        let b = "[\"a\",\"x\",\"b\",\"c\",\"d\"]";
        let d = compare(a, b, false).unwrap();
        assert_eq!(d.fields.len(), 1, "{:?}", d.fields);
        assert_eq!(field(&d, "json:.[1]"), (None, Some("\"x\"".into())));
    }

    #[test]
    fn changes_are_capped_and_counted() {
        let a: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{i}")).collect();
        let b: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{}", i + 1)).collect();
        let d = compare(&format!("{{{}}}", a.join(",")), &format!("{{{}}}", b.join(",")), false).unwrap();
        assert_eq!(d.fields.len(), MAX_PATHS);
        assert_eq!(d.comments, ["36 more JSON values differ (the first 64 are listed)"]);
    }

    #[test]
    fn not_json_is_left_to_the_text_diff() {
        assert!(compare("[section]\na=1\n", "[section]\na=2\n", false).is_none());
        assert!(compare("1", "2", false).is_none());
        let d = compare("1", "2", true).unwrap();
        assert_eq!(field(&d, "json:."), (Some("1".into()), Some("2".into())));
        let d = compare("{\"a\":1}", "{\"a\":", true).unwrap();
        assert!(
            d.comments[0].contains("second input is not valid JSON"),
            "{:?}",
            d.comments
        );
    }
}
