//! The JSON of `ringkv export` / `ringkv import` (docs/export.md): the
//! deterministic writer, the base64 of binary strings, and reading through
//! serde_json (its `float_roundtrip` feature makes float parsing exact, so
//! a sorted-set score comes back bit for bit; its recursion limit bounds
//! nesting).

use std::fmt::Write as _;

use serde_json::Value;

/// Parses one JSON text (surrounding whitespace allowed); the error names
/// the line and column.
pub fn parse(text: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(text).map_err(|e| format!("invalid JSON: {e}"))
}

/// A binary-safe string: a JSON string (its UTF-8 bytes) or
/// `{"base64": "..."}`.
pub fn as_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::String(s) => Some(s.as_bytes().to_vec()),
        Value::Object(m) if m.len() == 1 => base64_decode(m.get("base64")?.as_str()?),
        _ => None,
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
    fn numbers_read_exactly() {
        let v =
            parse(br#" {"a": [18446744073709551615, -9223372036854775808, 1.5, true]} "#).unwrap();
        let a = v.get("a").and_then(Value::as_array).unwrap();
        assert_eq!(a[0].as_u64(), Some(u64::MAX));
        assert_eq!(a[1].as_i64(), Some(i64::MIN));
        assert_eq!(a[2].as_u64(), None);
        assert_eq!(a[3].as_u64(), None);
        // Past u64: a float, never a wrapped integer.
        assert_eq!(parse(b"18446744073709551616").unwrap().as_u64(), None);
    }

    #[test]
    fn refuses_bad_text() {
        let deep = "[".repeat(200) + &"]".repeat(200);
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
        let e = parse(b"[1,\n x]").unwrap_err();
        assert!(e.contains("line 2 column 2"), "{e}");
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
        assert_eq!(parse(&out).unwrap(), Value::String(all.clone()));
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
            assert_eq!(as_bytes(&parse(&out).unwrap()).unwrap(), b);
        }
        for bad in [
            &br#"{"base64": "!"}"#[..],
            br#"{"other": "Zg=="}"#,
            br#"{"base64": "Zg==", "other": 1}"#,
            b"1",
        ] {
            assert_eq!(as_bytes(&parse(bad).unwrap()), None);
        }
    }

    #[test]
    fn floats_round_trip_bit_exact() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut samples = vec![
            0.0,
            -0.0,
            1.5,
            1e-300,
            1e308,
            5e-324,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::from_bits(0x0000_0000_0000_1234),
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
