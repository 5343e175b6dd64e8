//! Number parsing and formatting with Redis 7.0's exact rules.
//!
//! Replies are compared byte for byte with redis-server, so every routine
//! here mirrors one in Redis's `util.c`: `string2ll`, `string2ull`,
//! `string2d` (getDoubleFromObject), `string2ld` and `ld2string`. Where
//! Redis leans on the C library (`strtod`, `strtold`, `snprintf("%.17Lf")`
//! and x87 80-bit `long double` arithmetic) we call the same routines
//! through `csrc/ldouble.c` rather than imitate them; a `long double` never
//! crosses into Rust.
//!
//! Everything here is pure and total: no input panics.

use std::ffi::{c_char, c_double, c_int};

extern "C" {
    fn ringkv_parse_d(buf: *const c_char, len: usize, out: *mut c_double) -> c_int;
    fn ringkv_ld_classify(s: *const c_char, len: usize) -> c_int;
    fn ringkv_incrbyfloat(
        cur: *const c_char,
        curlen: usize,
        incr: *const c_char,
        incrlen: usize,
        out: *mut c_char,
        outlen: usize,
    ) -> c_int;
}

/// Redis's `MAX_LONG_DOUBLE_CHARS`: the buffer size for a formatted
/// long double (and the bound `string2ld` puts on its input, exclusive).
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Parses a signed 64-bit integer exactly as Redis's `string2ll`.
///
/// Accepted: `0`, or an optional `-` followed by a digit `1`-`9` and more
/// digits, within `i64`. Rejected: the empty string, `+`, spaces anywhere,
/// leading zeros (`01`, `00`, `-0`), a lone `-`, anything but digits, and
/// values out of range.
///
/// ```
/// # use ringkv::num::parse_i64;
/// assert_eq!(parse_i64(b"-42"), Some(-42));
/// assert_eq!(parse_i64(b"-0"), None);
/// ```
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    // Redis also refuses 21+ bytes up front; no such string survives the
    // digit rules below anyway, so the check is only a shortcut.
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        // -(2^63) is the one magnitude that fits only when negative.
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses an unsigned 64-bit integer exactly as Redis's `string2ull`
/// (used for stream IDs).
///
/// Redis tries `string2ll` first (refusing its negative results) and then
/// falls back to `strtoull(s, &end, 10)`, whose quirks therefore leak into
/// the accepted syntax: leading C whitespace, a `+` sign and leading zeros
/// are allowed, and a `-` sign that `string2ll` rejected (as in `-05` or
/// ` -5`) negates modulo 2^64 like C does. Out of range, no digits, or
/// trailing bytes give `None`.
///
/// Redis hands `string2ull` a C string, so the input ends at its first
/// NUL byte: `5\0junk` is 5, as in `XADD s 1-5\0junk ...`.
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    let b = match memchr::memchr(0, b) {
        Some(nul) => &b[..nul],
        None => b,
    };
    if let Some(v) = parse_i64(b) {
        return u64::try_from(v).ok();
    }
    strtoull10(b)
}

/// glibc `strtoull(s, &end, 10)` in the C locale, succeeding only when the
/// whole input is consumed and the value is in range.
fn strtoull10(b: &[u8]) -> Option<u64> {
    let mut i = 0;
    // C isspace: ' ', \t, \n, \v, \f, \r.
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = b.get(i) {
        negative = sign == b'-';
        i += 1;
    }
    let digits = b.get(i..)?;
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// Parses a double exactly as Redis's `getDoubleFromObject` / `string2d`
/// (ZADD scores, INCRBYFLOAT-free float arguments, ...): C `strtod` over the
/// whole string.
///
/// So `inf`, `+inf`, `-Infinity`, exponents and hex floats (`0x1p3`) are
/// accepted; the empty string, a leading space, trailing bytes, any NaN,
/// and values that overflow or underflow to zero are not (a result that is
/// merely subnormal is accepted, as in Redis).
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    // strtod would stop at a NUL and leave bytes unconsumed: invalid.
    if b.is_empty() || b.contains(&0) {
        return None;
    }
    let mut out: c_double = 0.0;
    let ok = with_c_string(b, |p| {
        // SAFETY: `p` points at `b.len()` bytes followed by a NUL, valid for
        // the duration of the call; `out` is a valid place for a double.
        unsafe { ringkv_parse_d(p, b.len(), &mut out) }
    });
    (ok == 1).then_some(out)
}

/// Runs `f` on a NUL-terminated copy of `b`: on the stack when short, so
/// that the common case does not allocate.
fn with_c_string<R>(b: &[u8], f: impl FnOnce(*const c_char) -> R) -> R {
    const STACK: usize = 128;
    if b.len() < STACK {
        let mut buf = [0u8; STACK];
        buf[..b.len()].copy_from_slice(b);
        f(buf.as_ptr().cast())
    } else {
        let mut buf = Vec::with_capacity(b.len() + 1);
        buf.extend_from_slice(b);
        buf.push(0);
        f(buf.as_ptr().cast())
    }
}

/// Whether `b` is a valid long double by Redis's `string2ld`
/// (INCRBYFLOAT, HINCRBYFLOAT operands): `strtold` over the whole string,
/// 1 to 5119 bytes, no leading space, not NaN, no overflow/underflow to
/// zero. `inf` and hex floats are accepted.
pub fn parse_long_double_ok(b: &[u8]) -> bool {
    classify_long_double(b) != 0
}

/// Whether `b` is a valid long double (as [`parse_long_double_ok`]) that is
/// finite: `None` when invalid, `Some(false)` for `inf`/`-inf`.
///
/// HINCRBYFLOAT needs this: it checks its increment before touching the
/// key and replies "value is NaN or Infinity" for an infinite one.
pub fn long_double_is_finite(b: &[u8]) -> Option<bool> {
    match classify_long_double(b) {
        0 => None,
        1 => Some(true),
        _ => Some(false),
    }
}

fn classify_long_double(b: &[u8]) -> c_int {
    // SAFETY: the C side reads exactly `b.len()` bytes from `b` and copies
    // them into its own buffer (refusing lengths that do not fit).
    unsafe { ringkv_ld_classify(b.as_ptr().cast(), b.len()) }
}

/// Why [`incr_by_float`] produced no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value is not a valid long double ("value is not a valid
    /// float" for INCRBYFLOAT, "hash value is not a float" for
    /// HINCRBYFLOAT).
    CurNotFloat,
    /// The increment is not a valid long double ("value is not a valid
    /// float").
    IncrNotFloat,
    /// The sum is NaN or infinite ("increment would produce NaN or
    /// Infinity").
    NanOrInf,
}

/// INCRBYFLOAT's arithmetic, byte-exact with Redis: both operands parsed
/// with `string2ld` (current value first), added as x87 `long double`, and
/// the sum formatted by `ld2string(..., LD_STR_HUMAN)`: `%.17Lf` with
/// trailing zeros and a bare `.` removed, `-0` shown as `0`.
///
/// For a missing key pass `b"0"` as `cur`; for an integer-encoded value its
/// decimal text (every `i64` converts exactly).
///
/// ```
/// # use ringkv::num::incr_by_float;
/// assert_eq!(incr_by_float(b"10.5", b"0.1").unwrap(), b"10.6");
/// ```
pub fn incr_by_float(cur: &[u8], incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let mut out = [0u8; MAX_LONG_DOUBLE_CHARS];
    // SAFETY: the C side reads `cur.len()` / `incr.len()` bytes from the two
    // inputs and writes at most `out.len()` bytes, NUL included, into `out`.
    let rc = unsafe {
        ringkv_incrbyfloat(
            cur.as_ptr().cast(),
            cur.len(),
            incr.as_ptr().cast(),
            incr.len(),
            out.as_mut_ptr().cast(),
            out.len(),
        )
    };
    match rc {
        0 => {
            let len = memchr::memchr(0, &out).unwrap_or(out.len());
            Ok(out[..len].to_vec())
        }
        1 => Err(IncrFloatError::CurNotFloat),
        2 => Err(IncrFloatError::IncrNotFloat),
        _ => Err(IncrFloatError::NanOrInf),
    }
}

/// Two ASCII digits for each value 0..=99, for formatting two at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends the decimal form of `n` to `out`, as Redis's `ull2string`.
pub fn format_u64(n: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let start = write_u64(n, &mut buf);
    out.extend_from_slice(&buf[start..]);
}

/// Appends the decimal form of `n` to `out` (`-` for negatives, no `+`,
/// no padding), as Redis's `ll2string`; `i64::MIN` included.
pub fn format_i64(n: i64, out: &mut Vec<u8>) {
    if n < 0 {
        out.push(b'-');
    }
    format_u64(n.unsigned_abs(), out);
}

/// Writes the decimal form of `n` at the end of `buf` and returns it: no
/// allocation (stored integers, INCR replies).
pub fn format_i64_into(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = write_u64(n.unsigned_abs(), buf);
    if n < 0 {
        // |i64::MIN| has 19 digits, so there is always room for the sign.
        start -= 1;
        buf[start] = b'-';
    }
    &buf[start..]
}

/// Writes `n`'s digits at the end of `buf`; returns where they start.
fn write_u64(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_i64_edges() {
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"10", 10),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"-9223372036854775807", -i64::MAX),
            (b"1234567890", 1234567890),
        ];
        for &(s, v) in ok {
            assert_eq!(parse_i64(s), Some(v), "{:?}", String::from_utf8_lossy(s));
        }
        let bad: &[&[u8]] = &[
            b"",
            b"-",
            b"+",
            b"-0",
            b"00",
            b"01",
            b"-01",
            b"+1",
            b" 1",
            b"1 ",
            b"1.0",
            b"1e3",
            b"0x10",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551615",
            b"18446744073709551616",
            b"99999999999999999999",
            b"-99999999999999999999",
            b"123456789012345678901",
            b"1\0",
            b"\x001",
            b"--1",
            b"1-",
            b"abc",
            "١".as_bytes(),
        ];
        for &s in bad {
            assert_eq!(parse_i64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn parse_i64_round_trips_formatting() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for v in [x as i64, (x >> (x % 64)) as i64, -((x >> (x % 64)) as i64)] {
                let mut s = Vec::new();
                format_i64(v, &mut s);
                assert_eq!(s, v.to_string().into_bytes());
                assert_eq!(parse_i64(&s), Some(v));
            }
        }
    }

    #[test]
    fn format_integers() {
        let mut out = b"x".to_vec();
        format_i64(i64::MIN, &mut out);
        assert_eq!(out, b"x-9223372036854775808");
        for v in [0, 1, 9, 10, 99, 100, 101, 999, 1000, i64::MAX, -1, -10] {
            let mut s = Vec::new();
            format_i64(v, &mut s);
            assert_eq!(s, v.to_string().into_bytes());
        }
        for v in [0, 7, 42, u64::MAX, u64::MAX / 3] {
            let mut s = Vec::new();
            format_u64(v, &mut s);
            assert_eq!(s, v.to_string().into_bytes());
        }
    }

    #[test]
    fn parse_u64_edges() {
        let ok: &[(&[u8], u64)] = &[
            (b"0", 0),
            (b"5", 5),
            (b"9223372036854775808", 1 << 63),
            (b"18446744073709551615", u64::MAX),
            // strtoull fallback quirks, as in Redis.
            (b"05", 5),
            (b"00", 0),
            (b"+5", 5),
            (b" 5", 5),
            (b"\t\n 5", 5),
            (b"-05", 5u64.wrapping_neg()),
            (b" -5", 5u64.wrapping_neg()),
            (b"-18446744073709551615", 1),
            (b"-0", 0),
            (b"0018446744073709551615", u64::MAX),
            // A C string: it ends at the first NUL.
            (b"5\0", 5),
            (b"5\0junk", 5),
            (b"-05\0", 5u64.wrapping_neg()),
        ];
        for &(s, v) in ok {
            assert_eq!(parse_u64(s), Some(v), "{:?}", String::from_utf8_lossy(s));
        }
        let bad: &[&[u8]] = &[
            b"",
            b"-1",
            b"-9223372036854775808",
            b"18446744073709551616",
            b"-18446744073709551616",
            b"5 ",
            b" ",
            b"+",
            b"-",
            b"+-5",
            b"1.0",
            b"0x10",
            b"\0",
            b"\x005",
        ];
        for &s in bad {
            assert_eq!(parse_u64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn parse_f64_edges() {
        let ok: &[(&[u8], f64)] = &[
            (b"0", 0.0),
            (b"1.5", 1.5),
            (b"-1.5", -1.5),
            (b"+1.5", 1.5),
            (b".5", 0.5),
            (b"5.", 5.0),
            (b"1e3", 1000.0),
            (b"1E-2", 0.01),
            (b"0x10", 16.0),
            (b"0x1p3", 8.0),
            (b"inf", f64::INFINITY),
            (b"+inf", f64::INFINITY),
            (b"-inf", f64::NEG_INFINITY),
            (b"Infinity", f64::INFINITY),
            (b"-INF", f64::NEG_INFINITY),
            (b"1.7976931348623157e308", f64::MAX),
            (b"4.9e-324", 4.9e-324),
            (b"1e-310", 1e-310),
            (b"0e999", 0.0),
        ];
        for &(s, v) in ok {
            assert_eq!(parse_f64(s), Some(v), "{:?}", String::from_utf8_lossy(s));
        }
        assert!(parse_f64(b"-0").is_some_and(|v| v == 0.0 && v.is_sign_negative()));
        let bad: &[&[u8]] = &[
            b"", b" 1", b"\t1", b"1 ", b"1x", b"nan", b"NaN", b"-nan", b"nan(1)", b"1e400",
            b"-1e400", b"1e-400", b"abc", b"1\x001", b"\x00", b"0x", b".", b"-", b"e5", b"1e",
            b"infinit", b"--1",
        ];
        for &s in bad {
            assert_eq!(parse_f64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
        // Longer than the stack buffer: the heap path.
        let mut long = b"0.".to_vec();
        long.extend_from_slice(&[b'0'; 6000]);
        long.push(b'1');
        assert_eq!(parse_f64(&long), None); // underflows to zero
        let mut long = b"1.".to_vec();
        long.extend_from_slice(&[b'0'; 6000]);
        assert_eq!(parse_f64(&long), Some(1.0));
    }

    #[test]
    fn long_double_validity() {
        for s in [
            &b"1"[..],
            b"inf",
            b"-inf",
            b"0x10",
            b"1e4000",
            b"1e-4940",
            b"-0",
        ] {
            assert!(parse_long_double_ok(s), "{:?}", String::from_utf8_lossy(s));
        }
        for s in [
            &b""[..],
            b" 1",
            b"1 ",
            b"nan",
            b"1e5000",
            b"1e-5000",
            b"1\x00",
            b"x",
        ] {
            assert!(!parse_long_double_ok(s), "{:?}", String::from_utf8_lossy(s));
        }
        assert_eq!(long_double_is_finite(b"1.5"), Some(true));
        assert_eq!(long_double_is_finite(b"-inf"), Some(false));
        assert_eq!(long_double_is_finite(b"nan"), None);
        // string2ld's buffer is 5120 bytes: 5119 is the longest input.
        let ones = |n| vec![b'1'; n];
        assert!(parse_long_double_ok(&ones(4900)));
        let mut z = vec![b'0'; 5119];
        z[0] = b'1';
        z[1] = b'.';
        assert!(parse_long_double_ok(&z));
        z.push(b'0');
        assert!(!parse_long_double_ok(&z));
    }

    #[test]
    fn incr_by_float_errors() {
        use IncrFloatError::*;
        assert_eq!(incr_by_float(b"abc", b"x"), Err(CurNotFloat));
        assert_eq!(incr_by_float(b"1", b"x"), Err(IncrNotFloat));
        assert_eq!(incr_by_float(b"1", b""), Err(IncrNotFloat));
        assert_eq!(incr_by_float(b"inf", b"-inf"), Err(NanOrInf));
        assert_eq!(incr_by_float(b"1", b"inf"), Err(NanOrInf));
        assert_eq!(incr_by_float(b"1e4932", b"1e4932"), Err(NanOrInf));
        // The largest finite long double formats in full, as redis-server
        // 7.0.15 does (4933 digits, no fraction).
        let max = incr_by_float(b"1.18973149535723176502e4932", b"0");
        let max = max.as_deref().unwrap_or_default();
        assert_eq!(max.len(), 4933);
        assert!(max.starts_with(b"1189731495357231765021263853030970205169"));
        assert!(max.ends_with(b"2444156604419552086811989770240"));
    }

    type IncrRow = (
        Option<&'static [u8]>,
        &'static [u8],
        Result<&'static str, IncrFloatError>,
    );

    /// INCRBYFLOAT replies recorded from redis-server 7.0.15 (x86-64):
    /// (stored value, `None` for a missing key; increment; reply). The
    /// first rows are chosen edge cases, the rest random operands.
    #[rustfmt::skip]
    const REDIS_INCRBYFLOAT: &[IncrRow] = {
        use IncrFloatError::*;
        &[
            (None, b"0.1", Ok("0.1")),
            (Some(b"0.1"), b"0.2", Ok("0.3")),
            (Some(b"10.5"), b"0.1", Ok("10.6")),
            (Some(b"1e17"), b"1", Ok("100000000000000001")),
            (Some(b"1e17"), b"0.1", Ok("100000000000000000.1015625")),
            (Some(b"-5"), b"3.3", Ok("-1.7")),
            (Some(b"1e3"), b"5.0e3", Ok("6000")),
            (Some(b"  1"), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"  1", Err(IncrNotFloat)),
            (Some(b"1 "), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"1 ", Err(IncrNotFloat)),
            (Some(b"0x10"), b"1", Ok("17")),
            (Some(b"1"), b"0x10", Ok("17")),
            (Some(b"0x1p-3"), b"0", Ok("0.125")),
            (Some(b"0X1.8P1"), b"0", Ok("3")),
            (Some(b"inf"), b"1", Err(NanOrInf)),
            (Some(b"1"), b"inf", Err(NanOrInf)),
            (Some(b"1"), b"-inf", Err(NanOrInf)),
            (Some(b"-inf"), b"inf", Err(NanOrInf)),
            (Some(b"1"), b"nan", Err(IncrNotFloat)),
            (Some(b"nan"), b"1", Err(CurNotFloat)),
            (Some(b""), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"", Err(IncrNotFloat)),
            (Some(b"abc"), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"abc", Err(IncrNotFloat)),
            (Some(b"3"), b"-3", Ok("0")),
            (Some(b"-0"), b"0", Ok("0")),
            (Some(b"0"), b"-0", Ok("0")),
            (Some(b"-1e-20"), b"0", Ok("0")),
            (Some(b"1e-20"), b"0", Ok("0")),
            (Some(b"-1e-17"), b"0", Ok("-0.00000000000000001")),
            (Some(b"-1e-16"), b"0", Ok("-0.0000000000000001")),
            (Some(b"5e-18"), b"0", Ok("0")),
            (Some(b"1e4932"), b"1e4932", Err(NanOrInf)),
            (Some(b"5"), b"1e-5000", Err(IncrNotFloat)),
            (Some(b"5"), b"1e5000", Err(IncrNotFloat)),
            (Some(b"5"), b"1e-4940", Ok("5")),
            (Some(b"1.5e308"), b"1.5e308", Ok("299999999999999999999802952978936936062033681930121889934267370842360212133382092073513329456432044063805856741044049928681709165013290418975721613155792350350455287355122225755520606513477793033688249842856870392034430282663023473578541488576654642706081008486842868180099693230377808905266593729023699845120")),
            (Some(b"9223372036854775807"), b"1", Ok("9223372036854775808")),
            (Some(b"-9223372036854775808"), b"-1", Ok("-9223372036854775809")),
            (Some(b"3.0e-10"), b"0", Ok("0.0000000003")),
            (Some(b"1.23456789012345678901234"), b"0", Ok("1.23456789012345679")),
            (Some(b"+5"), b"+.5", Ok("5.5")),
            (Some(b".5"), b"5.", Ok("5.5")),
            (Some(b"1e"), b"1", Err(CurNotFloat)),
            (Some(b"Infinity"), b"-1", Err(NanOrInf)),
            (Some(b"1"), b"-Infinity", Err(NanOrInf)),
            (Some(b"1\0"), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"1\0", Err(IncrNotFloat)),
            (Some(b"\t1"), b"1", Err(CurNotFloat)),
            (Some(b"1"), b"\n1", Err(IncrNotFloat)),
            (Some(b"0.1"), b"0.1", Ok("0.2")),
            (Some(b"0.3"), b"-0.1", Ok("0.2")),
            (Some(b"1.1"), b"2.2", Ok("3.3")),
            (Some(b"100"), b"0.01", Ok("100.01")),
            (Some(b"3.14159265358979323846"), b"0", Ok("3.14159265358979324")),
            (Some(b"1e16"), b"0.5", Ok("10000000000000000.5")),
            (Some(b"1e18"), b"1", Ok("1000000000000000001")),
            (Some(b"1e20"), b"1", Ok("100000000000000000000")),
            (Some(b"12345678901234567890"), b"0", Ok("12345678901234567890")),
            (Some(b"-1.5"), b"1.5", Ok("0")),
            (Some(b"2.5"), b"-5", Ok("-2.5")),
            (Some(b"0.0000001"), b"0", Ok("0.0000001")),
            (Some(b"1e-300"), b"1e-300", Ok("0")),
            (None, b"5.0e3", Ok("5000")),
            (None, b"-0", Ok("0")),
            (None, b"1e-17", Ok("0.00000000000000001")),
            (Some(b"1.0"), b"1.0", Ok("2")),
            (Some(b"1e+3"), b"1E+3", Ok("2000")),
            (Some(b"00012"), b"0003.50", Ok("15.5")),
            (Some(b"1_000"), b"1", Err(CurNotFloat)),
            (Some(b"1,5"), b"1", Err(CurNotFloat)),
            (Some(b"1.2.3"), b"1", Err(CurNotFloat)),
            (Some(b"--1"), b"1", Err(CurNotFloat)),
            (Some(b"-"), b"1", Err(CurNotFloat)),
            (Some(b"."), b"1", Err(CurNotFloat)),
            (Some(b"0x"), b"1", Err(CurNotFloat)),
            (Some(b"0xg"), b"1", Err(CurNotFloat)),
            (Some(b"1e308"), b"1e308", Ok("199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096")),
            (Some(b"1.18973149535723176502e4932"), b"1e4931", Err(NanOrInf)),
            (Some(b"-1.18973149535723176502e4932"), b"-1e4931", Err(NanOrInf)),
            (Some(b"7"), b"0.30000000000000004", Ok("7.30000000000000004")),
            (Some(b"1e-5"), b"1e-5", Ok("0.00002")),
            (Some(b"4.9e-324"), b"0", Ok("0")),
            (Some(b"1e-17"), b"1e-17", Ok("0.00000000000000002")),
            (Some(b"-210353.007"), b"-848091", Ok("-1058444.00700000000006185")),
            (Some(b"-268.622166174829"), b"907787", Ok("907518.37783382517102382")),
            (Some(b"-819756"), b"4.181721513707595e-16", Ok("-819756")),
            (Some(b"59110.50607898916"), b"894.8994014149748", Ok("60005.40548040413479924")),
            (Some(b"66423868.619659571"), b"425932421.53246119", Ok("492356290.15212076102034189")),
            (Some(b"167410"), b"-420781.427", Ok("-253371.4269999999999925")),
            (Some(b"141.82737929346877"), b"0.63225271824006279431", Ok("142.45963201170883279")),
            (Some(b"613326042.686028113"), b"-2.552049e+15", Ok("-2552048386673957.31396484375")),
            (Some(b"63996269.664656492"), b"-7.171010e+12", Ok("-7170946003730.33534336090087891")),
            (Some(b"17.1124"), b"-0.1", Ok("17.0124")),
            (Some(b"397988.867"), b"-8.362900e-01", Ok("397988.03070999999999913")),
            (Some(b"-42.4124"), b"-763.8684434900758", Ok("-806.28084349007580001")),
            (Some(b"86.65"), b"39207257047.43766", Ok("39207257134.08765999972820282")),
            (Some(b"0.14605188055476792108"), b"39.059", Ok("39.20505188055476792")),
            (Some(b"855656247.489846746"), b"679.9355610250827", Ok("855656927.42540777107933536")),
            (Some(b"0.2"), b"533352", Ok("533352.19999999999998863")),
            (Some(b"731472844.882535017"), b"2.5", Ok("731472847.38253501697909087")),
            (Some(b"88.1"), b"22.18", Ok("110.28")),
            (Some(b"5.364660e-12"), b"-2.042046e+11", Ok("-204204600000")),
            (Some(b"1e-3"), b"-0.44432173843109867839", Ok("-0.44332173843109868")),
            (Some(b"8.639844696985151e-14"), b"9864670810011.861", Ok("9864670810011.86100006103515625")),
            (Some(b"-6.981582e-09"), b"-536086.266", Ok("-536086.2660000069815851")),
            (Some(b"1e-17"), b"-474506.761", Ok("-474506.76099999999999568")),
            (None, b"534590962.3001036", Ok("534590962.30010359999141656")),
            (Some(b"380987.314"), b"0.9004478993653168839", Ok("380988.21444789936529673")),
            (Some(b"-42349"), b"-0.21524218621746271651", Ok("-42349.21524218621746272")),
            (Some(b"-36.95436366961053"), b"6.224782161868758e-28", Ok("-36.95436366961053")),
            (Some(b"0.3"), b"-319.89269553531324", Ok("-319.59269553531324001")),
            (Some(b"188631"), b"73237.376", Ok("261868.37600000000000477")),
            (Some(b"27381374.75500775"), b"2.281380e-11", Ok("27381374.75500775002365117")),
            (Some(b"-27.16731"), b"-769.2929677823645", Ok("-796.46027778236450001")),
            (Some(b"9.99"), b"2.5", Ok("12.49")),
            (Some(b"499.3478408848616"), b"301318696974158446", Ok("301318696974158945.34375")),
            (Some(b"-0.27649508198197891851"), b"0.82829156558278915767", Ok("0.55179648360081024")),
            (Some(b"339362169090503176"), b"-288607.660", Ok("339362169090214568.34375")),
            (Some(b"0.55810978267635436012"), b"22.65", Ok("23.20810978267635436")),
            (Some(b"6.121572e+05"), b"-6.001640e+11", Ok("-600163387842.80000001192092896")),
            (Some(b"-941412"), b"-4442448834464532083", Ok("-4442448834465473495")),
            (Some(b"61.7131"), b"-83.892", Ok("-22.1789")),
            (Some(b"1.1"), b"-3.47", Ok("-2.37")),
            (Some(b"902410778.2049037"), b"-0.1", Ok("902410778.10490370000479743")),
            (Some(b"669.2976155964382"), b"819.5542751034459", Ok("1488.85189069988410004")),
            (Some(b"-4.393451e-10"), b"7.891354310202765e-10", Ok("0.00000000034979033")),
            (Some(b"4.631605401738495e+16"), b"449.5973312684305", Ok("46316054017385399.59765625")),
            (Some(b"-944902.299"), b"971577538.499669927", Ok("970632636.20066992699867114")),
            (Some(b"223146.674"), b"509336875.705736454", Ok("509560022.37973645399324596")),
            (Some(b"97320.088"), b"-957206.651", Ok("-859886.56299999999998818")),
            (Some(b"53.162094198110935"), b"-132381.126", Ok("-132327.96390580188906938")),
            (Some(b"-9.440125e-07"), b"-3209930727695007987", Ok("-3209930727695007987")),
            (Some(b"-878190.951"), b"32.4950", Ok("-878158.45600000000001728")),
            (Some(b"-0.15874345858186966751"), b"-0.7384734819557523533", Ok("-0.89721694053762202")),
            (Some(b"-0.96259026418915993872"), b"0.3", Ok("-0.66259026418915994")),
            (Some(b"-655306.576"), b"1e-17", Ok("-655306.57600000000002183")),
            (Some(b"-0.87648942580845745631"), b"0.061452709964541663012", Ok("-0.81503671584391579")),
            (Some(b"766.4556288763304"), b"-478870", Ok("-478103.54437112366960605")),
            (Some(b"619548"), b"15.427983584641197", Ok("619563.42798358464119701")),
            (Some(b"-113.50321284512233"), b"542833537.650835376", Ok("542833424.14762253087246791")),
            (Some(b"7891688766164877101"), b"0.78550988351206529892", Ok("7891688766164877102")),
            (Some(b"0.3"), b"0.0012162195438418066", Ok("0.30121621954384181")),
            (Some(b"-1.433226e-07"), b"-6585875070265184221", Ok("-6585875070265184221")),
            (Some(b"1.1"), b"-203.4862505654562", Ok("-202.3862505654562")),
            (Some(b"-6.770679e+07"), b"-0.19238049776679067016", Ok("-67706790.19238049776322441")),
            (Some(b"-81.561"), b"-32.4", Ok("-113.961")),
            (Some(b"-193972"), b"24.78541", Ok("-193947.21459000000000117")),
            (Some(b"-774.3000837403054"), b"9.433919e-14", Ok("-774.30008374030530571")),
            (Some(b"5898849453731384731"), b"3697049361656505629", Ok("9595898815387890360")),
            (Some(b"676856"), b"-149365.918", Ok("527490.08199999999999363")),
            (Some(b"330516"), b"603.2571831427795", Ok("331119.25718314277949617")),
            (Some(b"-8.667549e-13"), b"0.1", Ok("0.09999999999913325")),
            (Some(b"-0.16447933127478853166"), b"-6839595194117524180", Ok("-6839595194117524180")),
            (Some(b"8.762518e-10"), b"-5881818709334053015", Ok("-5881818709334053015")),
            (Some(b"4786897880108842461"), b"-4233115204918257472", Ok("553782675190584989")),
            (Some(b"-8940286138011778240"), b"0.10209825602250721666", Ok("-8940286138011778240")),
            (Some(b"1.1"), b"0.2", Ok("1.3")),
            (Some(b"6565.094403550146"), b"9.7031239797686e-12", Ok("6565.09440355015570301")),
            (Some(b"-3.145907e+25"), b"-190604.583", Ok("-31459070000000000000524288")),
            (Some(b"755291"), b"-971489.741", Ok("-216198.74099999999998545")),
            (Some(b"-6212005206322510347"), b"330.45536043150673", Ok("-6212005206322510016.5")),
            (Some(b"0.34108659581735700783"), b"-8388887540982750802", Ok("-8388887540982750801.5")),
            (Some(b"-9156544809125441572"), b"94.525", Ok("-9156544809125441477.5")),
            (Some(b"-9.311066e-01"), b"-2.868322e-20", Ok("-0.9311066")),
            (Some(b"-50.712745205627925"), b"0.31203574241668063927", Ok("-50.40070946321124436")),
            (Some(b"-809471"), b"-7567714088367042457", Ok("-7567714088367851928")),
            (Some(b"-173767"), b"-371597", Ok("-545364")),
            (Some(b"-8.310346e+13"), b"315087.347", Ok("-83103459684912.6529998779296875")),
            (Some(b"418240125.820673058"), b"-70.1074", Ok("418240055.71327305800514296")),
            (Some(b"-912423.867"), b"0.25466424866385306558", Ok("-912423.61233575133616114")),
            (Some(b"-0.72138477996159133809"), b"0.50573431706981430978", Ok("-0.21565046289177703")),
            (Some(b"733105"), b"856810741.958668626", Ok("857543846.95866862597176805")),
            (Some(b"-8.298166e-18"), b"274239.754", Ok("274239.75399999999999068")),
            (Some(b"83582.11997999711"), b"316523", Ok("400105.11997999710999352")),
            (None, b"0.36132835216164105319", Ok("0.36132835216164105")),
            (Some(b"-41710"), b"496.5307404474115", Ok("-41213.46925955258850038")),
            (Some(b"-0.8161161443695503781"), b"-0.86789928755569611951", Ok("-1.6840154319252465")),
            (Some(b"-5437776765010959140"), b"9.99", Ok("-5437776765010959130")),
            (Some(b"-41.979671858747906"), b"2633512165796918820", Ok("2633512165796918778")),
            (Some(b"-336454.119"), b"1249982717282729050", Ok("1249982717282392595.875")),
            (None, b"18792", Ok("18792")),
            (Some(b"384.370345140896"), b"2.5", Ok("386.87034514089600001")),
            (Some(b"-629078111183166178"), b"986.6008146653014", Ok("-629078111183165191.375")),
            (Some(b"-8900471789305270454"), b"0.2", Ok("-8900471789305270454")),
            (Some(b"2.5"), b"2.0983721998747263e+29", Ok("209837219987472630001164091392")),
            (Some(b"162.94473544214816"), b"494972.356", Ok("495135.30073544214815229")),
            (Some(b"20.67"), b"-0.44086420704629780687", Ok("20.22913579295370219")),
            (Some(b"-0.42"), b"1e-3", Ok("-0.419")),
            (None, b"992209", Ok("992209")),
            (Some(b"1e-3"), b"-6627782009514580359", Ok("-6627782009514580359")),
            (Some(b"68.0"), b"-319375", Ok("-319307")),
            (Some(b"1.2004134759218254e+28"), b"4.260471e-02", Ok("12004134759218253999965732864")),
            (Some(b"-214.201235917791"), b"82034622.387308683", Ok("82034408.18607276520924643")),
            (Some(b"-8332982736714172119"), b"-896.7649663288", Ok("-8332982736714173016")),
            (Some(b"-501350.567"), b"202231453288593718", Ok("202231453288092367.4375")),
            (Some(b"76.8533"), b"9.134238874593852e+29", Ok("913423887459385200017798070272")),
            (Some(b"4.391452e-17"), b"4.5086042296077357e+17", Ok("450860422960773570")),
            (Some(b"924333144251908794"), b"-55631.825", Ok("924333144251853162.1875")),
            (Some(b"2818991352152230856"), b"6.559953260322288e-12", Ok("2818991352152230856")),
            (Some(b"11974252140.024643"), b"-849658.814", Ok("11973402481.21064299996942282")),
            (Some(b"0.5"), b"-9.402785e+00", Ok("-8.902785")),
            (Some(b"1e-3"), b"95570.597", Ok("95570.59799999999999898")),
            (Some(b"-316089.532"), b"-361.4245170484993", Ok("-316450.95651704849930752")),
            (Some(b"217048149.952679003"), b"572145", Ok("217620294.95267900300677866")),
            (Some(b"413.8835724133293"), b"-2.462684e+01", Ok("389.2567324133293")),
            (Some(b"2.5"), b"386703003.135155965", Ok("386703005.6351559649920091")),
            (Some(b"0.25925381169187855512"), b"-8.148037e-05", Ok("0.25917233132187856")),
            (Some(b"1e-3"), b"-8821039042803958083", Ok("-8821039042803958083")),
            (None, b"1e-17", Ok("0.00000000000000001")),
            (Some(b"-216.95780858042087"), b"0.7109253476284653761", Ok("-216.24688323279240462")),
            (Some(b"5.662144e-06"), b"-695863.522", Ok("-695863.52199433785597193")),
            (Some(b"882.9811189382574"), b"0.2", Ok("883.1811189382574")),
            (Some(b"-997136"), b"-534846.342", Ok("-1531982.34199999999998454")),
            (Some(b"-7388939479312713131"), b"-2064523579305533975", Ok("-9453463058618247106")),
            (Some(b"1236980.11233098"), b"-0.39695739751496850189", Ok("1236979.71537358248508554")),
            (Some(b"-4.94"), b"9.400447e-20", Ok("-4.94")),
            (Some(b"-8821465756019935665"), b"1e-3", Ok("-8821465756019935665")),
            (Some(b"3.347101e+03"), b"-1.411310e+23", Ok("-141131000000000000000000")),
            (Some(b"3.6231989176993575e-06"), b"-9.864931e-02", Ok("-0.0986456868010823")),
            (Some(b"-0.86513508550497020266"), b"1.1", Ok("0.2348649144950298")),
            (Some(b"-5.383824e-06"), b"7181942348818822610", Ok("7181942348818822610")),
            (Some(b"532323320.655088072"), b"792952.362", Ok("533116273.01708807199611329")),
            (Some(b"989696"), b"157177606.989907866", Ok("158167302.98990786599460989")),
            (Some(b"-9.527426e+18"), b"-169230.133", Ok("-9527426000000169230")),
            (Some(b"-213356.607"), b"99.5", Ok("-213257.10699999999999932")),
            (Some(b"-62.90"), b"0.49261688392781954882", Ok("-62.40738311607218045")),
            (None, b"8.391269994816454e-10", Ok("0.000000000839127")),
            (Some(b"-994.2585516237914"), b"-2739952769565924917", Ok("-2739952769565925911.25")),
            (Some(b"122.25782818006292"), b"-2.397406e-01", Ok("122.01808758006292")),
            (Some(b"87760262558291.28"), b"1.1", Ok("87760262558292.37999725341796875")),
            (Some(b"1.1"), b"47.464", Ok("48.564")),
            (Some(b"2480130479.6207337"), b"4.064948391592249e-30", Ok("2480130479.62073369999416173")),
            (Some(b"-460999"), b"4.945736e+18", Ok("4945735999999539001")),
            (Some(b"-8419360272427102882"), b"-40.519", Ok("-8419360272427102922.5")),
            (Some(b"984041004.865069066"), b"-951.4865901169431", Ok("984040053.37847894907463342")),
            (Some(b"9.99"), b"7.897988576519996e+27", Ok("7897988576519995999796592640")),
            (Some(b"0.3"), b"0.3", Ok("0.6")),
            (None, b"1978491331390773336", Ok("1978491331390773336")),
            (Some(b"-27.6283"), b"84841568.549632103", Ok("84841540.92133210300380597")),
            (Some(b"-505384.976"), b"299.09199526702923", Ok("-505085.88400473297076587")),
            (Some(b"-0.34848329185407789232"), b"8.834746264310287e-27", Ok("-0.34848329185407789")),
            (Some(b"-583.3179191287969"), b"498475268396974.56", Ok("498475268396391.2420654296875")),
            (Some(b"-531607.402"), b"4.609237657510314e+26", Ok("460923765751031399985446912")),
            (Some(b"0.69397414883783059558"), b"559.5011836420174", Ok("560.19515779085523061")),
            (Some(b"-4285808022403460388"), b"-4421037974675653451", Ok("-8706845997079113839")),
            (Some(b"-509319.406"), b"-437291.803", Ok("-946611.20900000000000318")),
            (Some(b"-3.473242e+05"), b"9056533325564554701", Ok("9056533325564207377")),
            (Some(b"1.1"), b"-0.1", Ok("1")),
            (None, b"-7024213308444058933", Ok("-7024213308444058933")),
            (Some(b"208479435.998766456"), b"-255.52607308821382", Ok("208479180.47269336778845172")),
            (Some(b"1e-17"), b"-9106428521523607515", Ok("-9106428521523607515")),
            (Some(b"375487119.233694994"), b"-226763", Ok("375260356.23369499400723726")),
            (Some(b"-572231"), b"7636124883521507392", Ok("7636124883520935161")),
            (Some(b"35.6639"), b"242027.585", Ok("242063.24889999999999191")),
            (Some(b"667825"), b"0.5", Ok("667825.5")),
            (Some(b"1.0138776746275924e-06"), b"-0.69089566708830085773", Ok("-0.69089465321062623")),
            (Some(b"-204455.738"), b"9006415102846954787", Ok("9006415102846750331.5")),
            (Some(b"9.531888369572212e-12"), b"948860149.383520951", Ok("948860149.38352095102891326")),
            (Some(b"812456"), b"-21.85", Ok("812434.14999999999997726")),
            (Some(b"-89492"), b"-152490.391", Ok("-241982.39100000000000534")),
            (Some(b"5.7779566111294874e-08"), b"0.3", Ok("0.30000005777956611")),
            (Some(b"156679"), b"281333.384", Ok("438012.38399999999998613")),
            (Some(b"145.72901460818343"), b"-65.66287", Ok("80.06614460818343")),
            (Some(b"42317.751"), b"-782.4143114129491", Ok("41535.33668858705090088")),
            (Some(b"-3.967694e-18"), b"-0.1", Ok("-0.1")),
            (Some(b"86294426800465.84"), b"738966909.885359993", Ok("86295165767375.7253570556640625")),
            (Some(b"2.421062e+19"), b"6.583754e-09", Ok("24210620000000000000")),
            (Some(b"-161673"), b"-0.68704220081006939225", Ok("-161673.68704220081006895")),
            (Some(b"-505882.204"), b"-9.178019e+15", Ok("-9178019000505882.2041015625")),
            (Some(b"400680"), b"-22.0", Ok("400658")),
            (Some(b"-1474413878532722537"), b"267639649.457134672", Ok("-1474413878265082887.5")),
            (Some(b"0.7157"), b"-953249.440", Ok("-953248.72429999999997108")),
            (Some(b"9.99"), b"-1.063623e+19", Ok("-10636229999999999990")),
            (Some(b"0.3"), b"1e-3", Ok("0.301")),
            (Some(b"-282849.857"), b"60.5", Ok("-282789.35699999999999932")),
            (Some(b"-914748"), b"-835517.944", Ok("-1750265.94399999999995998")),
            (Some(b"-0.84006409266196313546"), b"0.78973498013410892149", Ok("-0.05032911252785421")),
            (Some(b"-948287.027"), b"992.2483654934729", Ok("-947294.77863450652711208")),
            (Some(b"-612.5853936133166"), b"2.5", Ok("-610.0853936133166")),
            (Some(b"372267.914"), b"-8.689676e+02", Ok("371398.94639999999998281")),
            (Some(b"-804225548861773677"), b"-3337430707436375743", Ok("-4141656256298149420")),
            (None, b"-193069.098", Ok("-193069.09799999999999898")),
            (Some(b"-4347143873895779821"), b"-0.9028568471026618969", Ok("-4347143873895779822")),
            (Some(b"0.5"), b"0.16008737219465829504", Ok("0.6600873721946583")),
            (Some(b"-495.9368110752911"), b"0.25955243194996380218", Ok("-495.6772586433411362")),
            (Some(b"-24.852"), b"-70.76091", Ok("-95.61291")),
            (Some(b"-115.43674424220171"), b"230747.294", Ok("230631.85725575779828489")),
            (Some(b"297117500231909710"), b"7299800520202921345", Ok("7596918020434831055")),
            (Some(b"-535193"), b"-418056.762", Ok("-953249.76200000000000045")),
            (Some(b"5.126779851622804e+26"), b"-723128", Ok("512677985162280399984918528")),
            (Some(b"701269836.48945127"), b"-885930", Ok("700383906.48945127002662048")),
            (None, b"-78.727", Ok("-78.727")),
            (Some(b"-1.735231e-01"), b"143587961.219241302", Ok("143587961.04571820198907517")),
            (Some(b"0.3"), b"-971775.950", Ok("-971775.64999999999997726")),
            (Some(b"-98293.795"), b"276.42019308643967", Ok("-98017.37480691356033446")),
            (Some(b"5747461744732037741"), b"-882286", Ok("5747461744731155455")),
            (Some(b"0.78535311446089584031"), b"693212123.621130116", Ok("693212124.40648323047207668")),
            (Some(b"0.4670447482593604871"), b"-6.698017e-20", Ok("0.46704474825936049")),
            (None, b"-0.94954951992647762538", Ok("-0.94954951992647763")),
            (Some(b"-883241.640"), b"-975.2998111748758", Ok("-884216.93981117487578558")),
            (Some(b"-7.154669e-08"), b"0.21616593960961227872", Ok("0.21616586806292228")),
            (Some(b"8.133808047561619e-20"), b"-0.38123501742233067979", Ok("-0.38123501742233068")),
            (Some(b"865107"), b"0.5", Ok("865107.5")),
            (None, b"0.0745187445821313", Ok("0.0745187445821313")),
            (Some(b"0.3"), b"9.932210e-04", Ok("0.300993221")),
            (Some(b"-741492"), b"42.337", Ok("-741449.66300000000001091")),
            (Some(b"0.35846976095516547289"), b"0.94378346600079887629", Ok("1.30225322695596435")),
            (Some(b"-8.291578e+12"), b"-643968", Ok("-8291578643968")),
            (Some(b"6.834458e-08"), b"492302.700", Ok("492302.70000006834456485")),
            (Some(b"3.2855372578822765e-16"), b"9075683940.345638", Ok("9075683940.34563800040632486")),
            (Some(b"-0.061014108774952502401"), b"0.39523641774627127354", Ok("0.33422230897131877")),
            (Some(b"9.556965434895703e-17"), b"950002426.330444936", Ok("950002426.33044493600027636")),
            (Some(b"6.226220696071706e-27"), b"977953024.184196179", Ok("977953024.18419617897598073")),
            (Some(b"-765344"), b"243.9383257768875", Ok("-765100.06167422311250448")),
            (Some(b"401479.632"), b"-912655", Ok("-511175.367999999999995")),
            (Some(b"461731"), b"473.5705263419309", Ok("462204.57052634193090057")),
            (Some(b"817942853.390204346"), b"6.351233e+14", Ok("635124117942853.39019775390625")),
        ]
    };

    #[test]
    fn incr_by_float_matches_redis() {
        assert!(REDIS_INCRBYFLOAT.len() >= 300);
        for &(cur, incr, want) in REDIS_INCRBYFLOAT {
            let got = incr_by_float(cur.unwrap_or(b"0"), incr);
            let got = match &got {
                Ok(v) => Ok(std::str::from_utf8(v).unwrap_or("<not utf-8>")),
                Err(e) => Err(*e),
            };
            assert_eq!(
                got,
                want,
                "INCRBYFLOAT {:?} by {:?}",
                cur.map(String::from_utf8_lossy),
                String::from_utf8_lossy(incr)
            );
        }
    }
}
