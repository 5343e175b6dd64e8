//! The little JSON `ringkv export` writes and `ringkv import` reads
//! (docs/export.md), with the base64 of binary strings.
//!
//! Written here rather than through serde_json: numbers stay text until the
//! caller asks for an exact `u64`, `i64` or `f64` (serde_json's default
//! float parsing may miss the last bit, and a sorted-set score must come
//! back bit for bit), nesting is bounded (no stack overflow on hostile
//! input) and a binary-safe string is one call.

use std::fmt::Write as _;

/// A parsed JSON value. Objects keep their members in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// A number as written (checked against the JSON grammar).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// Deeper nesting is refused (the export format needs 7 levels).
const MAX_DEPTH: usize = 64;

impl Json {
    /// The member `name` of an object.
    pub fn get(&self, name: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_arr(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// An integer in u64 range, written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// An integer in i64 range, written without fraction or exponent.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// A number, correctly rounded (Rust's parser is exact).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Num(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// A binary-safe string: a JSON string (its UTF-8 bytes) or
    /// `{"base64": "..."}`.
    pub fn as_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Json::Str(s) => Some(s.as_bytes().to_vec()),
            Json::Obj(m) if m.len() == 1 => {
                base64_decode(m[0].1.as_str()?).filter(|_| m[0].0 == "base64")
            }
            _ => None,
        }
    }
}

/// Parses one JSON text (surrounding whitespace allowed); the error names
/// the byte offset.
pub fn parse(text: &[u8]) -> Result<Json, String> {
    let mut p = Parser { b: text, pos: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != text.len() {
        return Err(p.err("trailing data"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> String {
        format!("invalid JSON at byte {}: {what}", self.pos)
    }

    fn ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("unexpected character"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        match self.b.get(self.pos) {
            None => Err(self.err("unexpected end")),
            Some(b'n') => self.lit("null", Json::Null),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Ok(Json::Arr(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b']') {
                        return Ok(Json::Arr(items));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or ']'"));
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.eat(b'}') {
                    return Ok(Json::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.pos) != Some(&b'"') {
                        return Err(self.err("expected a member name"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return Err(self.err("expected ':'"));
                    }
                    self.ws();
                    members.push((k, self.value(depth + 1)?));
                    self.ws();
                    if self.eat(b'}') {
                        return Ok(Json::Obj(members));
                    }
                    if !self.eat(b',') {
                        return Err(self.err("expected ',' or '}'"));
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        self.eat(b'-');
        let int = self.digits();
        if int == 0 || (int > 1 && self.b[self.pos - int] == b'0') {
            return Err(self.err("bad number"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.err("bad number"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(self.err("bad number"));
            }
        }
        // Only ASCII was consumed.
        let text = String::from_utf8_lossy(&self.b[start..self.pos]).into_owned();
        Ok(Json::Num(text))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self
            .b
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .ok_or_else(|| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(h)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // the opening quote
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(self.err("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.b.get(self.pos) else {
                        return Err(self.err("unterminated string"));
                    };
                    self.pos += 1;
                    let ch = match e {
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
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err(self.err("lone surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.err("lone surrogate"))?
                        }
                        _ => return Err(self.err("bad escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.err("control character in a string")),
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("string is not UTF-8"))
    }
}

/// Appends `s` as a JSON string.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut last = 0;
    for (i, &c) in s.as_bytes().iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[last..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        last = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[last..]);
    out.push(b'"');
}

/// Appends binary-safe bytes: a JSON string when they are UTF-8, else
/// `{"base64": "..."}`.
pub fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    match std::str::from_utf8(b) {
        Ok(s) => write_str(out, s),
        Err(_) => {
            out.extend_from_slice(b"{\"base64\": \"");
            base64_encode(b, out);
            out.extend_from_slice(b"\"}");
        }
    }
}

/// Appends a float so that parsing it gives the same bits back (shortest
/// round-trip digits); infinities as the strings "inf" and "-inf". NaN
/// never reaches here (no stored score is NaN).
pub fn write_f64(out: &mut Vec<u8>, f: f64) {
    if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b"\"inf\"" } else { b"\"-inf\"" });
    } else {
        let mut s = String::new();
        let _ = write!(s, "{f:?}");
        out.extend_from_slice(s.as_bytes());
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648).
pub fn base64_encode(b: &[u8], out: &mut Vec<u8>) {
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (c as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

/// Decodes standard padded base64; None on any other character, a bad
/// length or non-zero bits left over.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (k, chunk) in s.chunks(4).enumerate() {
        let last = k == s.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            let v = B64.iter().position(|&x| x == c)? as u32;
            n = n << 6 | v;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - pad;
        // Bits under the padding must be zero (one encoding per input).
        if bytes[keep..].iter().any(|&b| b != 0) {
            return None;
        }
        out.extend_from_slice(&bytes[..keep]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(b: &[u8]) -> String {
        let mut out = Vec::new();
        base64_encode(b, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn base64_known_vectors() {
        // RFC 4648, section 10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(b64(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes());
        }
        assert_eq!(b64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn base64_round_trip_and_refusals() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in 0..all.len() {
            assert_eq!(base64_decode(&b64(&all[..n])).unwrap(), &all[..n]);
        }
        for bad in [
            "Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v!A==", "Zm 9",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_every_kind() {
        let v = parse(br#" {"a": [1, -2.5e3, true, false, null], "b": {"c": "x\"\\\/\b\f\n\r\t\u0000\u00e9\ud83d\ude00"}, "": []} "#).unwrap();
        let want = Json::Obj(vec![
            (
                "a".into(),
                Json::Arr(vec![
                    Json::Num("1".into()),
                    Json::Num("-2.5e3".into()),
                    Json::Bool(true),
                    Json::Bool(false),
                    Json::Null,
                ]),
            ),
            (
                "b".into(),
                Json::Obj(vec![(
                    "c".into(),
                    Json::Str("x\"\\/\u{8}\u{c}\n\r\t\0é😀".into()),
                )]),
            ),
            ("".into(), Json::Arr(vec![])),
        ]);
        assert_eq!(v, want);
        assert_eq!(
            v.get("a").and_then(|a| a.as_arr()).map(|a| a.len()),
            Some(5)
        );
        assert_eq!(
            parse(b"18446744073709551615").unwrap().as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(
            parse(b"-9223372036854775808").unwrap().as_i64(),
            Some(i64::MIN)
        );
        assert_eq!(parse(b"1.5").unwrap().as_u64(), None);
    }

    #[test]
    fn refuses_bad_text() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        for bad in [
            "",
            "{",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a: 1}",
            "01",
            "1.",
            "-",
            "1e",
            "+1",
            ".5",
            "\"abc",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\u12\"",
            "\"a\nb\"",
            "nul",
            "[] []",
            "NaN",
            "Infinity",
            deep.as_str(),
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let e = parse(b"[1, x]").unwrap_err();
        assert!(e.contains("byte 4"), "{e}");
        // Not UTF-8 inside a string.
        assert!(parse(b"\"\xff\"").is_err());
    }

    #[test]
    fn strings_round_trip() {
        let mut all = String::new();
        for c in (0u32..0x300).chain([0x2028, 0xfeff, 0x1f600]) {
            if let Some(ch) = char::from_u32(c) {
                all.push(ch);
            }
        }
        let mut out = Vec::new();
        write_str(&mut out, &all);
        assert_eq!(parse(&out).unwrap(), Json::Str(all.clone()));
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\nd\u{1}");
        assert_eq!(out, b"\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn binary_strings() {
        for b in [&b"plain"[..], b"", b"\0nul", b"\xff\xfe", b"ok\x80"] {
            let mut out = Vec::new();
            write_bytes(&mut out, b);
            let utf8 = std::str::from_utf8(b).is_ok();
            assert_eq!(out.starts_with(b"{\"base64\""), !utf8, "{out:?}");
            assert_eq!(parse(&out).unwrap().as_bytes().unwrap(), b);
        }
        assert_eq!(parse(br#"{"base64": "!"}"#).unwrap().as_bytes(), None);
        assert_eq!(parse(br#"{"other": "Zg=="}"#).unwrap().as_bytes(), None);
        assert_eq!(parse(b"1").unwrap().as_bytes(), None);
    }

    #[test]
    fn floats_round_trip_bit_exact() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut samples = vec![
            0.0,
            -0.0,
            1.5,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.1 + 0.2,
            123456789012345680.0,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if f.is_finite() {
                samples.push(f);
            }
        }
        for f in samples {
            let mut out = Vec::new();
            write_f64(&mut out, f);
            let back = parse(&out).unwrap().as_f64().unwrap();
            assert_eq!(
                back.to_bits(),
                f.to_bits(),
                "{}",
                String::from_utf8_lossy(&out)
            );
        }
        let mut out = Vec::new();
        write_f64(&mut out, f64::NEG_INFINITY);
        write_f64(&mut out, f64::INFINITY);
        assert_eq!(out, b"\"-inf\"\"inf\"");
    }
}
