//! Encodes a [`Reply`] as RESP2 or RESP3 bytes, exactly as Redis 7.0 writes
//! the same reply (`networking.c`: `addReply*`).

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

use crate::resp::Reply;

/// The protocol a connection speaks, chosen with `HELLO` (RESP2 until then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// RESP2: maps, sets, doubles and booleans degrade to arrays, bulk
    /// strings and integers; both nulls have their own encoding.
    Resp2,
    /// RESP3: every `Reply` shape has its own type byte.
    Resp3,
}

/// Appends `reply`, encoded for `proto`, to `out`.
///
/// ```
/// use bytes::BytesMut;
/// use ringkv::resp::{encode, Protocol, Reply};
///
/// let mut out = BytesMut::new();
/// encode(&Reply::Map(vec![(Reply::bulk(b"a"), Reply::Int(1))]), Protocol::Resp2, &mut out);
/// assert_eq!(&out[..], b"*2\r\n$1\r\na\r\n:1\r\n");
/// ```
pub fn encode(reply: &Reply, proto: Protocol, out: &mut BytesMut) {
    let resp3 = proto == Protocol::Resp3;
    match reply {
        Reply::Ok => out.extend_from_slice(b"+OK\r\n"),
        Reply::Status(s) => {
            out.reserve(s.len() + 3);
            out.put_u8(b'+');
            out.extend_from_slice(s);
            out.extend_from_slice(b"\r\n");
        }
        Reply::Error(e) => {
            out.put_u8(b'-');
            let start = out.len();
            // Writing to a BytesMut cannot fail.
            let _ = write!(out, "{e}");
            // Error texts may quote client input; a newline in them would
            // break the framing, so Redis turns them into spaces.
            for b in &mut out[start..] {
                if *b == b'\r' || *b == b'\n' {
                    *b = b' ';
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        Reply::Int(n) => write_int(out, b':', *n),
        Reply::Bulk(b) => write_bulk(out, b),
        Reply::Short(b) => write_bulk(out, b),
        Reply::Nil if resp3 => out.extend_from_slice(b"_\r\n"),
        Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
        Reply::NilArray if resp3 => out.extend_from_slice(b"_\r\n"),
        Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
        Reply::Array(items) => {
            write_len(out, b'*', items.len());
            for item in items {
                encode(item, proto, out);
            }
        }
        Reply::Map(pairs) => {
            if resp3 {
                write_len(out, b'%', pairs.len());
            } else {
                write_len(out, b'*', pairs.len() * 2);
            }
            for (k, v) in pairs {
                encode(k, proto, out);
                encode(v, proto, out);
            }
        }
        Reply::Pairs(pairs) => {
            write_len(out, b'*', if resp3 { pairs.len() } else { pairs.len() * 2 });
            for (a, b) in pairs {
                if resp3 {
                    out.extend_from_slice(b"*2\r\n");
                }
                encode(a, proto, out);
                encode(b, proto, out);
            }
        }
        Reply::ArrayMap(pairs) => {
            write_len(out, if resp3 { b'%' } else { b'*' }, pairs.len());
            for (k, v) in pairs {
                if !resp3 {
                    out.extend_from_slice(b"*2\r\n");
                }
                encode(k, proto, out);
                encode(v, proto, out);
            }
        }
        Reply::Set(items) => {
            write_len(out, if resp3 { b'~' } else { b'*' }, items.len());
            for item in items {
                encode(item, proto, out);
            }
        }
        Reply::Double(d) => {
            let mut buf = DoubleBuf::default();
            let text = buf.format(*d);
            if resp3 {
                out.reserve(text.len() + 3);
                out.put_u8(b',');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            } else {
                write_bulk(out, text);
            }
        }
        Reply::Bool(b) if resp3 => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Reply::Bool(b) => out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" }),
        Reply::Verbatim(format, b) if resp3 => {
            write_len(out, b'=', format.len() + 1 + b.len());
            out.reserve(format.len() + b.len() + 3);
            out.extend_from_slice(format.as_bytes());
            out.put_u8(b':');
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Reply::Verbatim(_, b) => write_bulk(out, b),
        Reply::Raw(b) => out.extend_from_slice(b),
    }
}

/// Appends `<prefix><n>\r\n`, e.g. `:123\r\n`, `*3\r\n`, `$-1\r\n`.
pub fn write_int(out: &mut BytesMut, prefix: u8, n: i64) {
    // prefix, sign, 19 digits, CRLF
    let mut tmp = [0u8; 23];
    let mut i = tmp.len() - 2;
    tmp[i..].copy_from_slice(b"\r\n");
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        tmp[i] = b'-';
    }
    i -= 1;
    tmp[i] = prefix;
    out.extend_from_slice(&tmp[i..]);
}

fn write_len(out: &mut BytesMut, prefix: u8, len: usize) {
    write_int(out, prefix, i64::try_from(len).unwrap_or(i64::MAX));
}

fn write_bulk(out: &mut BytesMut, b: &[u8]) {
    out.reserve(b.len() + 16);
    write_len(out, b'$', b.len());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// Formats `d` as Redis 7.0's `addReplyDouble` does: C's `"%.17g"`, with
/// `inf`, `-inf` and `nan` spelled out.
///
/// ```
/// use ringkv::resp::encode::fmt_double;
///
/// assert_eq!(fmt_double(1.1), "1.1000000000000001");
/// assert_eq!(fmt_double(3.0), "3");
/// assert_eq!(fmt_double(1e20), "1e+20");
/// ```
pub fn fmt_double(d: f64) -> String {
    let mut buf = DoubleBuf::default();
    String::from_utf8_lossy(buf.format(d)).into_owned()
}

/// Room for one formatted double: the longest `%.17g` output is 24 bytes
/// (`-1.2345678901234567e-308`), the longest `{:.16e}` 23.
#[derive(Default)]
struct DoubleBuf {
    buf: [u8; 32],
    len: usize,
}

impl std::fmt::Write for DoubleBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl DoubleBuf {
    /// Formats `d` like `%.17g` into the buffer and returns the text.
    fn format(&mut self, d: f64) -> &[u8] {
        if d.is_nan() {
            return b"nan";
        }
        if d.is_infinite() {
            return if d > 0.0 { b"inf" } else { b"-inf" };
        }
        // Rust's `{:.16e}` is exact and correctly rounded (ties to even, as
        // glibc's printf): "d.dddddddddddddddde<X>". Lay it out as %g would.
        self.len = 0;
        if write!(self, "{:.16e}", d.abs()).is_err() {
            return b"nan"; // unreachable: the buffer fits any f64
        }
        let mut digits = [b'0'; 17];
        let mut nd = 0;
        let mut exp: i32 = 0;
        let mut exp_neg = false;
        let mut in_exp = false;
        for &b in &self.buf[..self.len] {
            match b {
                b'e' => in_exp = true,
                b'-' => exp_neg = true,
                b'0'..=b'9' if in_exp => exp = exp * 10 + i32::from(b - b'0'),
                b'0'..=b'9' if nd < digits.len() => {
                    digits[nd] = b;
                    nd += 1;
                }
                _ => {}
            }
        }
        if exp_neg {
            exp = -exp;
        }
        let out = &mut self.buf;
        let mut n = 0;
        let mut put = |b: u8| {
            out[n] = b;
            n += 1;
        };
        if d.is_sign_negative() {
            put(b'-');
        }
        // Significant digits after the point, before trailing zeros go.
        let last = digits.iter().rposition(|&b| b != b'0').unwrap_or(0);
        if (-4..17).contains(&exp) {
            if exp >= 0 {
                let int = exp as usize + 1;
                digits[..int].iter().for_each(|&b| put(b));
                if last >= int {
                    put(b'.');
                    digits[int..=last].iter().for_each(|&b| put(b));
                }
            } else {
                put(b'0');
                put(b'.');
                (1..-exp).for_each(|_| put(b'0'));
                digits[..=last].iter().for_each(|&b| put(b));
            }
        } else {
            put(digits[0]);
            if last >= 1 {
                put(b'.');
                digits[1..=last].iter().for_each(|&b| put(b));
            }
            put(b'e');
            put(if exp < 0 { b'-' } else { b'+' });
            let e = exp.unsigned_abs();
            if e >= 100 {
                put(b'0' + (e / 100) as u8);
            }
            put(b'0' + (e / 10 % 10) as u8);
            put(b'0' + (e % 10) as u8);
        }
        &self.buf[..n]
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use bytes::Bytes;

    use super::*;
    use crate::error::Error;

    fn enc(r: &Reply, proto: Protocol) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(r, proto, &mut out);
        out.to_vec()
    }

    /// Checks the RESP2 and RESP3 encodings of `r`.
    fn check(r: Reply, resp2: &[u8], resp3: &[u8]) {
        assert_eq!(enc(&r, Protocol::Resp2), resp2, "RESP2 {r:?}");
        assert_eq!(enc(&r, Protocol::Resp3), resp3, "RESP3 {r:?}");
    }

    fn same(r: Reply, both: &[u8]) {
        check(r, both, both);
    }

    #[test]
    fn simple_replies() {
        same(Reply::Ok, b"+OK\r\n");
        same(Reply::status("PONG"), b"+PONG\r\n");
        same(Reply::Int(0), b":0\r\n");
        same(Reply::Int(-42), b":-42\r\n");
        same(Reply::Int(i64::MAX), b":9223372036854775807\r\n");
        same(Reply::Int(i64::MIN), b":-9223372036854775808\r\n");
        same(Reply::bulk(b""), b"$0\r\n\r\n");
        same(Reply::bulk(b"a\r\nb"), b"$4\r\na\r\nb\r\n");
        same(
            Reply::Raw(Bytes::from_static(b"+RAW\r\n:1\r\n")),
            b"+RAW\r\n:1\r\n",
        );
    }

    #[test]
    fn error_replies() {
        same(Reply::Error(Error::Syntax), b"-ERR syntax error\r\n");
        same(
            Reply::Error(Error::WrongType),
            b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
        );
        same(
            Reply::Error(Error::Protocol(Cow::Borrowed("expected '$', got '\r'"))),
            b"-ERR Protocol error: expected '$', got ' '\r\n",
        );
        let e = Error::unknown_command(b"a\r\nb", &[Bytes::from_static(b"x\ny")]);
        same(
            Reply::Error(e),
            b"-ERR unknown command 'a  b', with args beginning with: 'x y' \r\n",
        );
    }

    #[test]
    fn nulls() {
        check(Reply::Nil, b"$-1\r\n", b"_\r\n");
        check(Reply::NilArray, b"*-1\r\n", b"_\r\n");
    }

    #[test]
    fn aggregates() {
        same(Reply::Array(vec![]), b"*0\r\n");
        check(
            Reply::Array(vec![
                Reply::Int(1),
                Reply::bulk(b"x"),
                Reply::Nil,
                Reply::Array(vec![Reply::Ok]),
            ]),
            b"*4\r\n:1\r\n$1\r\nx\r\n$-1\r\n*1\r\n+OK\r\n",
            b"*4\r\n:1\r\n$1\r\nx\r\n_\r\n*1\r\n+OK\r\n",
        );
        check(
            Reply::Map(vec![
                (Reply::bulk(b"a"), Reply::Int(1)),
                (Reply::bulk(b"b"), Reply::Bool(true)),
            ]),
            b"*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n",
            b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n#t\r\n",
        );
        check(Reply::Map(vec![]), b"*0\r\n", b"%0\r\n");
        check(
            Reply::Pairs(vec![
                (Reply::bulk(b"a"), Reply::bulk(b"1")),
                (Reply::bulk(b"b"), Reply::Double(0.5)),
            ]),
            b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n0.5\r\n",
            b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n,0.5\r\n",
        );
        check(Reply::Pairs(vec![]), b"*0\r\n", b"*0\r\n");
        check(
            Reply::ArrayMap(vec![(Reply::bulk(b"k"), Reply::Int(1))]),
            b"*1\r\n*2\r\n$1\r\nk\r\n:1\r\n",
            b"%1\r\n$1\r\nk\r\n:1\r\n",
        );
        check(
            Reply::Set(vec![Reply::bulk(b"m"), Reply::Double(0.5)]),
            b"*2\r\n$1\r\nm\r\n$3\r\n0.5\r\n",
            b"~2\r\n$1\r\nm\r\n,0.5\r\n",
        );
    }

    #[test]
    fn doubles_and_bools() {
        check(
            Reply::Double(1.1),
            b"$18\r\n1.1000000000000001\r\n",
            b",1.1000000000000001\r\n",
        );
        check(Reply::Double(3.0), b"$1\r\n3\r\n", b",3\r\n");
        check(
            Reply::Double(-1.5e-7),
            b"$23\r\n-1.4999999999999999e-07\r\n",
            b",-1.4999999999999999e-07\r\n",
        );
        check(Reply::Double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
        check(
            Reply::Double(f64::NEG_INFINITY),
            b"$4\r\n-inf\r\n",
            b",-inf\r\n",
        );
        check(Reply::Double(f64::NAN), b"$3\r\nnan\r\n", b",nan\r\n");
        check(Reply::Bool(true), b":1\r\n", b"#t\r\n");
        check(Reply::Bool(false), b":0\r\n", b"#f\r\n");
    }

    #[test]
    fn verbatim() {
        check(
            Reply::Verbatim("txt", Bytes::from_static(b"hello\r\n")),
            b"$7\r\nhello\r\n\r\n",
            b"=11\r\ntxt:hello\r\n\r\n",
        );
        check(
            Reply::Verbatim("mkd", Bytes::new()),
            b"$0\r\n\r\n",
            b"=4\r\nmkd:\r\n",
        );
    }

    #[test]
    fn write_int_matches_display() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..10_000 {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let n = (x.wrapping_mul(0x2545_f491_4f6c_dd1d) as i64) >> (i % 64);
            let mut out = BytesMut::new();
            write_int(&mut out, b'*', n);
            assert_eq!(&out[..], format!("*{n}\r\n").as_bytes());
        }
    }

    #[test]
    fn fmt_double_matches_c_printf() {
        assert_eq!(fmt_double(0.5), "0.5");
        assert_eq!(fmt_double(1e20), "1e+20");
        assert_eq!(fmt_double(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(fmt_double(-0.0), "-0");
        assert_eq!(fmt_double(f64::NAN), "nan");
        assert_eq!(fmt_double(-f64::NAN), "nan");
        assert_eq!(fmt_double(f64::INFINITY), "inf");
        assert_eq!(fmt_double(f64::NEG_INFINITY), "-inf");
        for (bits, want) in PRINTF {
            assert_eq!(fmt_double(f64::from_bits(*bits)), *want, "{bits:#018x}");
        }
    }

    /// `printf("%016llx %.17g\n", bits, d)` from glibc: fixed cases, exact
    /// ties at the 18th digit, then random doubles of several shapes.
    const PRINTF: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "-0"),
        (0x3ff0000000000000, "1"),
        (0xbff0000000000000, "-1"),
        (0x3fe0000000000000, "0.5"),
        (0x3ff199999999999a, "1.1000000000000001"),
        (0x4008000000000000, "3"),
        (0x4415af1d78b58c40, "1e+20"),
        (0x3e8421f5f40d8376, "1.4999999999999999e-07"),
        (0x437b69b4ba630f35, "1.2345678901234568e+17"),
        (0x3fb999999999999a, "0.10000000000000001"),
        (0x3fc999999999999a, "0.20000000000000001"),
        (0x3fd3333333333333, "0.29999999999999999"),
        (0x4341c37937e08000, "10000000000000000"),
        (0x4376345785d8a000, "1e+17"),
        (0x4345ee2a2eb5a5c4, "12345678901234568"),
        (0x3f1a36e2eb1c432d, "0.0001"),
        (0x3ee4f8b588e368f1, "1.0000000000000001e-05"),
        (0x3f202e4b6ce5dc68, "0.00012344999999999999"),
        (0x3ff0000800000000, "1.0000076293945312"),
        (0x4004000000000000, "2.5"),
        (0x54b249ad2594c37d, "1e+100"),
        (0x2b2bff2ee48e0530, "1e-100"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0x0010000000000000, "2.2250738585072014e-308"),
        (0x0000000000000001, "4.9406564584124654e-324"),
        (0x7e6ddd4baa009303, "1.0000000000000001e+301"),
        (0x405edd2f1a9fbe77, "123.456"),
        (0xc05edd2f1a9fbe77, "-123.456"),
        (0x400921fb54442d18, "3.1415926535897931"),
        (0x4005bf0a8b145769, "2.7182818284590451"),
        (0x430c6bf526340000, "1000000000000000"),
        (0x3f50624dd2f1a9fc, "0.001"),
        (0x4059000000000000, "100"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x4480f0cf064dd592, "1e+22"),
        (0x44b52d02c7e14af6, "9.9999999999999992e+22"),
        (0x4340000000000000, "9007199254740992"),
        (0x3fd3333333333334, "0.30000000000000004"),
        (0x3fd5555555555555, "0.33333333333333331"),
        (0x3fe5555555555555, "0.66666666666666663"),
        (0xbe7ad7f29abcaf48, "-9.9999999999999995e-08"),
        (0x4011666666666666, "4.3499999999999996"),
        (0x3fa1eb851eb851ec, "0.035000000000000003"),
        (0x40fe240000000000, "123456"),
        (0x43118b54f22aeb03, "1234567890123456.8"),
        (0x0d83b3e29a21487a, "1.4427754422401724e-243"),
        (0xbf2a77f25ada8c7b, "-0.00020193894800000001"),
        (0x41bf5b82e1e29e50, "526090977.88522816"),
        (0xc208864c3c24a96a, "-13166544772.582722"),
        (0x674bfece098c4828, "3.8979198300265832e+189"),
        (0x3d0cadb83cd66817, "1.2735853479999998e-14"),
        (0x40253a5a575c1400, "10.613970499029165"),
        (0x3ff368a0ebda3d2c, "1.2130440915096399"),
        (0x13404cd3e565dfa1, "5.9104916336796005e-216"),
        (0xbffbe365392e8ea3, "-1.7430164560000001"),
        (0x4067662803a66640, "187.19238455295454"),
        (0x410e4d74482debbd, "248238.53524383708"),
        (0xac76aeb5a047dbc6, "-1.6990709035471285e-94"),
        (0x3de9e01c01dd4657, "1.882685127e-10"),
        (0x40b579b754d05bd2, "5497.7161379074259"),
        (0xc25ed8989fdf387f, "-529931599740.88275"),
        (0x0296f3277cfd51ac, "3.5091633379172769e-296"),
        (0x3d44063ef96ff49c, "1.422819083e-13"),
        (0x41c114a91310361c, "573133350.12665129"),
        (0x42bb6525e25e6c36, "30121241239148.211"),
        (0x88048db0941040fb, "-4.8631668536212602e-270"),
        (0x3d4067783d4e3799, "1.1655869839999999e-13"),
        (0x42606978d1037cf7, "563912017947.90515"),
        (0x42c2510956fb67f7, "40278516692687.93"),
        (0x7bb62743d4a82368, "8.433266893383041e+287"),
        (0xbebedeef0cd6cab0, "-1.840045161e-06"),
        (0x3ee5d668ee8ae3c0, "1.0412949863579618e-05"),
        (0xc274033cbf8ad39a, "-1375258540205.2251"),
        (0xe5215db40ab9ce72, "-1.4074337013955528e+179"),
        (0xc13c1fc5a20c49ba, "-1843141.6329999999"),
        (0x453231d3c7c66628, "2.1995967369029071e+25"),
        (0xc01569d7f105dcac, "-5.3533628139331704"),
        (0x22fb986fba1247f5, "3.6207587224201364e-140"),
        (0x3e35fcdb887c7691, "5.1194161200000002e-09"),
        (0x4293260cbaf1d482, "5263535815797.127"),
        (0xbfe43fd9f9731aa5, "-0.63279436798696465"),
        (0x1636f8e20698e92d, "1.1723181296022678e-201"),
        (0xbf93d88c2e5a2f18, "-0.019380750969999999"),
        (0x41b0673b964bd684, "275200918.296242"),
        (0xc0fc1bd0fb8874f1, "-115133.06140943222"),
        (0x85e846dd95161004, "-3.3435345735168984e-280"),
        (0xc049d53b8d74c829, "-51.6658799"),
        (0x43cbe5334c66d427, "4.0201384238530104e+18"),
        (0x41e0a87faf028a8a, "2235825528.0794115"),
        (0xc1560fa6a2c6a718, "-5783194.5433747992"),
        (0xbd73972493a7f79b, "-1.1135854190000001e-12"),
        (0x453b6dd357e37aa2, "3.3159633672267669e+25"),
        (0x4261d05eaaadac62, "612082472301.38696"),
        (0xf03b990bf89bd645, "-4.2846144223806442e+232"),
        (0xbd39d5f2170c53a8, "-9.1786934499999999e-14"),
        (0x451aa4f4c32ca5e8, "8.0527636206307794e+24"),
        (0x3feef48333560032, "0.96734771753836513"),
        (0x047e5413ef331597, "4.9793661468752357e-287"),
        (0x3f5d58b33befc748, "0.0017911672909999999"),
        (0x44cf37658d5476e9, "2.9483049898170453e+23"),
        (0x42de22e9dd28a35c, "132541205226125.44"),
        (0x7a92aca2442cc9af, "2.7118237961983272e+282"),
        (0x416d4e4f6bd70a3d, "15364731.369999999"),
        (0x40a03825a3abc6ae, "2076.0735143356351"),
        (0x3fe2180cd9c65ef6, "0.56543581518323438"),
        (0x22b6f7ba6874f40e, "1.8834726953872893e-141"),
        (0x3cff1f5676efc3b9, "6.9105639199999993e-15"),
        (0x42747aee1b63431c, "1407388333620.1943"),
        (0x409109e8b47ebe45, "1090.4772510341293"),
        (0x1aea2e225b7214bc, "5.0473769894007003e-179"),
        (0x41721845b75c28f6, "18973787.460000001"),
        (0x44040019aca68cc8, "4.6117763522491908e+19"),
        (0x42e327051beb268a, "168466482944308.31"),
        (0x4f7a4d14869444ce, "7.4352018439544842e+74"),
        (0xbf0a3359b60a2bbe, "-4.9973655000000003e-05"),
        (0x430328e611cbddbf, "674124145458103.88"),
        (0x439ffa838e29544d, "5.7607470148885382e+17"),
        (0x24fc0c1bf156a11b, "1.5805672232425542e-130"),
        (0x3fae0a0863f412ae, "0.058670293999999998"),
        (0x3f578cf462448ee0, "0.0014374147950286173"),
        (0x419a19e855946c11, "109476373.39494349"),
        (0xb669f0d1dedd2e28, "-1.4199479060737825e-46"),
        (0x406214db0eaeef6c, "144.65174039999999"),
        (0x4251277df4251740, "294708039828.36328"),
        (0xc22f7a180c5c4d51, "-67596191278.151009"),
        (0x41cfe0fbc4fc3c46, "1069676425.9705894"),
        (0x3fe11ce6b078ae3d, "0.53477797000000005"),
        (0x42340dd5130b8f05, "86131413771.55867"),
        (0x4232d29319d60975, "80842267094.036942"),
        (0xf894b2069ed3baa1, "-6.9972952204655572e+272"),
        (0x3d11887dffa523be, "1.5572585519999999e-14"),
        (0x3f3a4baf5a322e68, "0.00040123969137859658"),
        (0xc3282d40249729aa, "-3402576478049493"),
        (0x8dc44786994e29d9, "-2.3760115559858591e-242"),
        (0x3f9030390d24c72e, "0.015808955600000001"),
        (0x4160bfa4f576eaac, "8781095.6707661971"),
        (0x412098675c03fa33, "543795.6797178447"),
        (0x8d71e9d793ad44ac, "-6.5587737866198537e-244"),
        (0xbfc296a91390ffb8, "-0.14522279220000001"),
        (0x430b6b923c3ab032, "964762523883014.25"),
        (0x425dd26ccd9878c5, "512337589857.88702"),
        (0x37056d9dd0908885, "1.2010915510074853e-43"),
        (0xc0cd88aaa897635e, "-15121.333269999999"),
        (0x40ea201cfae42297, "53504.905626361426"),
        (0x42bba005cde3a75a, "30374106096551.352"),
        (0x9ad08804f3c63ce9, "-1.5935667950462783e-179"),
        (0xbf49f392d056c0c6, "-0.000791975676"),
        (0x45908f0c2f4e2a28, "1.2811735225933843e+27"),
        (0x42680333cbfac5f6, "825063530454.18628"),
        (0x3a16306f71f1609e, "7.0016771224234449e-29"),
        (0x3fb7b665e5039cba, "0.092626923"),
        (0x44984466bbebf054, "2.8649644238928421e+22"),
        (0xbffbb0c474b3e4f1, "-1.7306561049174969"),
        (0xea4befefeed2ea6a, "-1.0948908116775777e+204"),
        (0xbeaa1a51e2e0dee7, "-7.7792441799999995e-07"),
        (0x43e38cf012043b77, "1.1270117949049649e+19"),
        (0x43117e2265a41e3b, "1230940200830862.8"),
        (0x09a35cb31619144b, "3.0744427866748718e-262"),
        (0x410141289ba5e354, "141349.076"),
        (0x458ba2bc01a814cd, "1.0691036354263676e+27"),
        (0xc11fcb708bda9567, "-520924.13657601777"),
        (0xfc9ba5abbdfb7ec3, "-1.7243531268650225e+292"),
        (0x4160e7c7f3851eb8, "8863295.6099999994"),
        (0x429c8f81d42895ae, "7850671016485.4199"),
        (0x43d0afe84dbed1c3, "4.8097401845710223e+18"),
        (0x3ff0001800000000, "1.0000228881835938"),
        (0x3ff0002800000000, "1.0000381469726562"),
        (0x3ff0003800000000, "1.0000534057617188"),
        (0x3ff0004800000000, "1.0000686645507812"),
        (0x3ff0005800000000, "1.0000839233398438"),
        (0x3ff0006800000000, "1.0000991821289062"),
        (0x3ff0007800000000, "1.0001144409179688"),
        (0x3ff0008800000000, "1.0001296997070312"),
        (0x3ff0009800000000, "1.0001449584960938"),
        (0x3ff000a800000000, "1.0001602172851562"),
        (0x3ff000b800000000, "1.0001754760742188"),
        (0x3ff000c800000000, "1.0001907348632812"),
        (0x3ff000d800000000, "1.0002059936523438"),
        (0x3ff000e800000000, "1.0002212524414062"),
        (0x3ff000f800000000, "1.0002365112304688"),
        (0x3ff0010800000000, "1.0002517700195312"),
        (0x3ff0011800000000, "1.0002670288085938"),
        (0x3ff0012800000000, "1.0002822875976562"),
        (0x3ff0013800000000, "1.0002975463867188"),
        (0x4020000800000000, "8.00006103515625"),
        (0x4020001800000000, "8.00018310546875"),
        (0x4020002800000000, "8.00030517578125"),
        (0x4020003800000000, "8.00042724609375"),
        (0x4020004800000000, "8.00054931640625"),
        (0x4020005800000000, "8.00067138671875"),
        (0x4020006800000000, "8.00079345703125"),
        (0x4020007800000000, "8.00091552734375"),
        (0x4020008800000000, "8.00103759765625"),
        (0x4020009800000000, "8.00115966796875"),
        (0x402000a800000000, "8.00128173828125"),
        (0x402000b800000000, "8.00140380859375"),
        (0x402000c800000000, "8.00152587890625"),
        (0x402000d800000000, "8.00164794921875"),
        (0x402000e800000000, "8.00177001953125"),
        (0x402000f800000000, "8.00189208984375"),
        (0x4020010800000000, "8.00201416015625"),
        (0x4020011800000000, "8.00213623046875"),
        (0x4020012800000000, "8.00225830078125"),
        (0x4020013800000000, "8.00238037109375"),
    ];
}
