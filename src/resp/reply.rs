//! The value a command produces. Handlers return a `Reply`; the connection
//! encodes it for the client's protocol (RESP2 or RESP3) with `encode`.
//! A `Reply` is `Send`: replies of commands run on another shard travel back
//! across the channel mesh.

use bytes::Bytes;

use crate::error::Error;

/// One reply, protocol-neutral. RESP3-only shapes (maps, sets, doubles,
/// booleans, verbatim strings) degrade to their RESP2 forms when encoded for
/// a RESP2 client, exactly as Redis does.
#[derive(Debug, Clone)]
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
    /// A bulk string short enough to travel inline (GET of a small value):
    /// the same bytes on the wire as `Bulk`, without an allocation.
    Short(crate::shard::SmallBytes),
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

    /// A bulk string copied from `b` (inline when short).
    pub fn bulk(b: &[u8]) -> Reply {
        if b.len() <= crate::shard::small::INLINE {
            Reply::Short(crate::shard::SmallBytes::new(b))
        } else {
            Reply::Bulk(Bytes::copy_from_slice(b))
        }
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

impl Reply {
    /// The bytes of a bulk string, whichever way it is held.
    fn bulk_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(b) => Some(b),
            Reply::Short(b) => Some(b),
            _ => None,
        }
    }
}

/// Equal when a client would read the same reply: a bulk string held inline
/// equals the same bytes held in `Bytes`.
impl PartialEq for Reply {
    fn eq(&self, other: &Reply) -> bool {
        use Reply::*;
        match (self, other) {
            (Ok, Ok) | (Nil, Nil) | (NilArray, NilArray) => true,
            (Status(a), Status(b)) | (Raw(a), Raw(b)) => a == b,
            (Error(a), Error(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Bulk(_) | Short(_), Bulk(_) | Short(_)) => self.bulk_bytes() == other.bulk_bytes(),
            (Array(a), Array(b)) | (Set(a), Set(b)) => a == b,
            (Map(a), Map(b)) | (Pairs(a), Pairs(b)) | (ArrayMap(a), ArrayMap(b)) => a == b,
            (Double(a), Double(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Verbatim(f, a), Verbatim(g, b)) => f == g && a == b,
            _ => false,
        }
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
