//! Values stored under keys. Strings keep Redis's integer encoding; the other
//! types arrive with their families.

use bytes::Bytes;

/// A stored value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(StrValue),
    /// A list (Redis's quicklist): never empty in the keyspace.
    List(std::collections::VecDeque<Box<[u8]>>),
    /// A set (intset or hashtable): never empty in the keyspace.
    Set(super::set::SetValue),
    /// A hash (listpack or hashtable): never empty in the keyspace.
    Hash(super::hash::Hash),
    /// A sorted set: never empty in the keyspace.
    ZSet(super::zset::ZSet),
    /// A stream: kept even when it has no entries, as in Redis.
    Stream(Box<super::stream::Stream>),
}

/// A string value: an integer when its text is the canonical form of an i64
/// (Redis's `int` encoding), raw bytes otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum StrValue {
    Int(i64),
    Raw(super::small::SmallBytes),
    /// A string modified in place (APPEND, SETRANGE): keeps spare capacity
    /// for the next append (amortised O(1), like an sds) and reports the
    /// `raw` encoding whatever its length, as Redis does.
    Buf(Vec<u8>),
}

/// Redis's threshold between the `embstr` and `raw` encodings.
pub const EMBSTR_MAX: usize = 44;

impl StrValue {
    /// Stores `b`, as an integer when it is one in canonical form (no
    /// leading zeros or '+', at most 20 characters), like Redis's tryObjectEncoding.
    pub fn from_bytes(b: &[u8]) -> StrValue {
        if b.len() <= 20 {
            if let Some(n) = crate::num::parse_i64(b) {
                return StrValue::Int(n);
            }
        }
        StrValue::Raw(super::small::SmallBytes::new(b))
    }

    /// The value's bytes as a reply payload (a copy).
    pub fn to_bytes(&self) -> Bytes {
        match self {
            StrValue::Int(n) => Bytes::copy_from_slice(itoa_buf::Buf::new().format(*n)),
            StrValue::Raw(b) => Bytes::copy_from_slice(b),
            StrValue::Buf(b) => Bytes::copy_from_slice(b),
        }
    }

    /// The value as a bulk reply: inline when short (no allocation).
    pub fn reply(&self) -> crate::resp::Reply {
        use super::small::{SmallBytes, INLINE};
        use crate::resp::Reply;
        match self {
            StrValue::Int(n) => Reply::Short(SmallBytes::new(itoa_buf::Buf::new().format(*n))),
            StrValue::Raw(b @ SmallBytes::Inline { .. }) => Reply::Short(b.clone()),
            StrValue::Buf(b) if b.len() <= INLINE => Reply::Short(SmallBytes::new(b)),
            _ => Reply::Bulk(self.to_bytes()),
        }
    }

    /// The value's bytes, formatting integers into `tmp`.
    pub fn as_slice<'a>(&'a self, tmp: &'a mut itoa_buf::Buf) -> &'a [u8] {
        match self {
            StrValue::Int(n) => tmp.format(*n),
            StrValue::Raw(b) => b,
            StrValue::Buf(b) => b,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(n) => itoa_buf::Buf::new().format(*n).len(),
            StrValue::Raw(b) => b.len(),
            StrValue::Buf(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A stack buffer that formats an i64 without allocating.
pub mod itoa_buf {
    pub struct Buf {
        bytes: [u8; 20],
    }

    impl Default for Buf {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Buf {
        pub fn new() -> Buf {
            Buf { bytes: [0; 20] }
        }

        /// Writes `n` in decimal and returns the digits.
        pub fn format(&mut self, n: i64) -> &[u8] {
            crate::num::format_i64_into(n, &mut self.bytes)
        }
    }
}

/// A member or field whose index bucket is on its way into cache (from
/// `Value::prefetch_member`); `prefetch_slot` then asks for its slot.
pub enum MemberHint<'a> {
    Set(&'a super::set::StrSet, u32),
    Hash(&'a super::hash::Table, u32),
}

impl MemberHint<'_> {
    #[inline]
    pub fn prefetch_slot(&self) {
        match *self {
            MemberHint::Set(s, h) => s.prefetch_slot(h),
            MemberHint::Hash(t, h) => t.prefetch_slot(h),
        }
    }
}

impl Value {
    /// For a set or hash in its hashtable form, starts bringing the index
    /// bucket of member or field `m` into cache (a hint: a wrong guess
    /// costs a hash of `m` and nothing else).
    #[inline]
    pub fn prefetch_member(&self, m: &[u8]) -> Option<MemberHint<'_>> {
        match self {
            Value::Set(super::set::SetValue::Hash(s)) => {
                Some(MemberHint::Set(s, s.prefetch_bucket(m)))
            }
            Value::Hash(super::hash::Hash::Table(t)) => {
                Some(MemberHint::Hash(t, t.prefetch_bucket(m)))
            }
            _ => None,
        }
    }

    /// The name TYPE answers.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(StrValue::Int(_)) => "int",
            Value::Str(StrValue::Raw(b)) if b.len() <= EMBSTR_MAX => "embstr",
            Value::Str(StrValue::Raw(_) | StrValue::Buf(_)) => "raw",
            // Redis 7.0 always reports lists as quicklists.
            Value::List(_) => "quicklist",
            Value::Set(s) => s.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Approximate heap bytes used by the value (MEMORY USAGE, INFO memory).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(StrValue::Int(_)) => 0,
            Value::Str(StrValue::Raw(b)) => b.heap_size(),
            Value::Str(StrValue::Buf(b)) => b.capacity(),
            Value::List(l) => {
                l.capacity() * std::mem::size_of::<Box<[u8]>>()
                    + l.iter().map(|m| m.len()).sum::<usize>()
            }
            Value::Set(s) => s.heap_size(),
            Value::Hash(h) => h.heap_size(),
            Value::ZSet(z) => z.heap_size(),
            Value::Stream(s) => std::mem::size_of::<super::stream::Stream>() + s.heap_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_encoding_only_for_canonical_integers() {
        assert_eq!(StrValue::from_bytes(b"123"), StrValue::Int(123));
        assert_eq!(StrValue::from_bytes(b"-5"), StrValue::Int(-5));
        assert!(matches!(StrValue::from_bytes(b"0123"), StrValue::Raw(_)));
        assert!(matches!(StrValue::from_bytes(b"+1"), StrValue::Raw(_)));
        assert!(matches!(StrValue::from_bytes(b" 1"), StrValue::Raw(_)));
        let mut b = itoa_buf::Buf::new();
        assert_eq!(b.format(i64::MIN), b"-9223372036854775808");
        assert_eq!(b.format(0), b"0");
    }
}
