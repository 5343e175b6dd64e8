use bytes::{BufMut, BytesMut};
use crate::resp::Reply;
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol { Resp2, Resp3 }
pub fn write_int(out: &mut BytesMut, prefix: u8, n: i64) { out.put_u8(prefix); out.extend_from_slice(n.to_string().as_bytes()); out.extend_from_slice(b"\r\n"); }
pub fn fmt_double(d: f64) -> String { format!("{d}") }
pub fn encode(r: &Reply, p: Protocol, out: &mut BytesMut) {
    match r {
        Reply::Ok => out.extend_from_slice(b"+OK\r\n"),
        Reply::Status(s) => { out.put_u8(b'+'); out.extend_from_slice(s); out.extend_from_slice(b"\r\n"); }
        Reply::Error(e) => { out.put_u8(b'-'); out.extend_from_slice(e.to_string().as_bytes()); out.extend_from_slice(b"\r\n"); }
        Reply::Int(n) => write_int(out, b':', *n),
        Reply::Bulk(b) => { write_int(out, b'$', b.len() as i64); out.extend_from_slice(b); out.extend_from_slice(b"\r\n"); }
        Reply::Nil => out.extend_from_slice(b"$-1\r\n"),
        Reply::NilArray => out.extend_from_slice(b"*-1\r\n"),
        Reply::Array(v) | Reply::Set(v) => { write_int(out, b'*', v.len() as i64); for x in v { encode(x, p, out); } }
        Reply::Map(v) => { write_int(out, b'*', 2 * v.len() as i64); for (a, b) in v { encode(a, p, out); encode(b, p, out); } }
        Reply::Double(d) => encode(&Reply::Bulk(fmt_double(*d).into()), p, out),
        Reply::Bool(b) => write_int(out, b':', *b as i64),
        Reply::Verbatim(_, b) => encode(&Reply::Bulk(b.clone()), p, out),
        Reply::Raw(b) => out.extend_from_slice(b),
    }
}
// STUB
