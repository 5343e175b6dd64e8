//! Small helpers for reading command arguments.

use bytes::Bytes;

use crate::error::Error;

/// Parses an integer argument (Redis's getLongLongFromObjectOrReply).
#[inline]
pub fn int(b: &[u8]) -> Result<i64, Error> {
    crate::num::parse_i64(b).ok_or(Error::NotInteger)
}

/// Parses a float argument (Redis's getDoubleFromObjectOrReply).
pub fn float(b: &[u8]) -> Result<f64, Error> {
    crate::num::parse_f64(b).ok_or(Error::NotFloat)
}

/// Case-insensitive comparison with an option name.
#[inline]
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

/// Parses a database index (`SELECT`, `MOVE`, `COPY DB`).
pub fn db_index(b: &[u8], databases: usize) -> Result<usize, Error> {
    let n = crate::num::parse_i64(b)
        .ok_or_else(|| Error::err("value is not an integer or out of range"))?;
    if n < 0 || n as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// An argument as lossy UTF-8 (for messages).
pub fn text(b: &Bytes) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A cursor over option arguments after the fixed ones.
pub struct Cursor<'a> {
    args: &'a [Bytes],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(args: &'a [Bytes], pos: usize) -> Cursor<'a> {
        Cursor { args, pos }
    }

    /// The next argument, if any.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a Bytes> {
        let a = self.args.get(self.pos)?;
        self.pos += 1;
        Some(a)
    }

    /// The next argument, or a syntax error.
    pub fn value(&mut self) -> Result<&'a Bytes, Error> {
        self.next().ok_or(Error::Syntax)
    }

    pub fn remaining(&self) -> usize {
        self.args.len().saturating_sub(self.pos)
    }
}
