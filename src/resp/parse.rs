use bytes::{Bytes, BytesMut, Buf};
use crate::error::Error;
pub struct ParseLimits { pub max_bulk_len: usize, pub max_multibulk_len: usize, pub authenticated: bool }
impl Default for ParseLimits { fn default() -> Self { ParseLimits { max_bulk_len: 512<<20, max_multibulk_len: 1<<20, authenticated: true } } }
#[derive(Default)]
pub struct Parser {}
fn line(b: &[u8], at: usize) -> Option<(usize, usize)> { let p = memchr::memchr(b'\n', &b[at..])?; Some((at, at + p + 1)) }
impl Parser {
    pub fn new() -> Parser { Parser {} }
    pub fn hint(&self) -> usize { 0 }
    pub fn next(&mut self, buf: &mut BytesMut, _l: &ParseLimits) -> Result<Option<Vec<Bytes>>, Error> {
        loop {
        if buf.is_empty() { return Ok(None); }
        if buf[0] != b'*' {
            let Some((_, e)) = line(buf, 0) else { return Ok(None) };
            let l = buf.split_to(e).freeze();
            let args: Vec<Bytes> = l.split(|c| c.is_ascii_whitespace()).filter(|s| !s.is_empty()).map(|s| l.slice_ref(s)).collect();
            if args.is_empty() { continue; }
            return Ok(Some(args));
        }
        let Some((_, e)) = line(buf, 0) else { return Ok(None) };
        let n: i64 = std::str::from_utf8(&buf[1..e-2]).ok().and_then(|s| s.parse().ok()).ok_or(Error::protocol("invalid multibulk length"))?;
        let mut pos = e; let mut ranges = Vec::new();
        for _ in 0..n.max(0) {
            let Some((_, e2)) = line(buf, pos) else { return Ok(None) };
            let len: usize = std::str::from_utf8(&buf[pos+1..e2-2]).ok().and_then(|s| s.parse().ok()).ok_or(Error::protocol("invalid bulk length"))?;
            if buf.len() < e2 + len + 2 { return Ok(None); }
            ranges.push((e2, e2+len)); pos = e2 + len + 2;
        }
        let frozen = buf.split_to(pos).freeze();
        if n <= 0 { continue; }
        let _ = frozen.remaining();
        return Ok(Some(ranges.into_iter().map(|(a,b)| frozen.slice(a..b)).collect()));
        }
    }
}
// STUB
