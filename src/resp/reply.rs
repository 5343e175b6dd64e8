//! The value a command produces. Handlers return a `Reply`; the connection
//! encodes it for the client's protocol (RESP2 or RESP3) with `encode`.
//! A `Reply` is `Send`: replies of commands run on another shard travel back
//! across the channel mesh.

use bytes::Bytes;

use crate::error::Error;

/// One reply, protocol-neutral. RESP3-only shapes (maps, sets, doubles,
/// booleans, verbatim strings) degrade to their RESP2 forms when encoded for
/// a RESP2 client, exactly as Redis does.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+OK`
    Ok,
    /// A simple status string, e.g. `+PONG`, `+QUEUED`.
    Status(Bytes),
    /// An error reply, rendered by `Error`'s Display.
    Error(Error),
    /// `:n`
    Int(i64),
    /// `$len\r\n...`
    Bulk(Bytes),
    /// A null bulk string (`$-1` in RESP2, `_` in RESP3).
    Nil,
    /// A null array (`*-1` in RESP2, `_` in RESP3).
    NilArray,
    /// `*n` followed by n replies.
    Array(Vec<Reply>),
    /// RESP3 map; RESP2 flattens it to an array of 2n elements.
    Map(Vec<(Reply, Reply)>),
    /// Pairs (HRANDFIELD WITHVALUES, ZRANGE WITHSCORES): RESP3 sends an
    /// array of 2-element arrays, RESP2 one flat array of 2n elements.
    Pairs(Vec<(Reply, Reply)>),
    /// RESP3 map; RESP2 sends an array of 2-element arrays (XREAD,
    /// XREADGROUP: one `[key, entries]` per stream).
    ArrayMap(Vec<(Reply, Reply)>),
    /// RESP3 set; RESP2 sends an array.
    Set(Vec<Reply>),
    /// RESP3 double; RESP2 sends a bulk string in Redis's float format.
    Double(f64),
    /// RESP3 boolean; RESP2 sends `:1` / `:0`.
    Bool(bool),
    /// RESP3 verbatim string with a 3-letter format (`txt`); RESP2 sends a bulk string.
    Verbatim(&'static str, Bytes),
    /// Bytes that are already encoded RESP (same in both protocols).
    Raw(Bytes),
}

impl Reply {
    pub fn status(s: &'static str) -> Reply {
        Reply::Status(Bytes::from_static(s.as_bytes()))
    }

    pub fn bulk(b: &[u8]) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(b))
    }

    pub fn bulk_static(s: &'static str) -> Reply {
        Reply::Bulk(Bytes::from_static(s.as_bytes()))
    }

    pub fn bulk_string(s: String) -> Reply {
        Reply::Bulk(Bytes::from(s))
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

impl From<Error> for Reply {
    fn from(e: Error) -> Reply {
        Reply::Error(e)
    }
}

impl From<Result<Reply, Error>> for Reply {
    fn from(r: Result<Reply, Error>) -> Reply {
        match r {
            Ok(r) => r,
            Err(e) => Reply::Error(e),
        }
    }
}
