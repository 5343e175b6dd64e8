//! Byte strings that live inline when short.
//!
//! Keys and string values are usually a few bytes to a few tens of bytes
//! (`key:000000012345`, `value`, a counter that is not an integer). Boxing
//! each costs an allocation on write, a free on overwrite, and a cache miss
//! on every comparison; keeping up to `INLINE` bytes inside the entry makes
//! a key lookup and a value overwrite touch one entry and nothing else.

use std::fmt;
use std::ops::Deref;

/// Longest byte string kept inline (the enum stays 24 bytes).
pub const INLINE: usize = 22;

/// A byte string: inline up to `INLINE` bytes, boxed beyond.
#[derive(Clone)]
pub enum SmallBytes {
    Inline { len: u8, buf: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl SmallBytes {
    /// A copy of `b`.
    #[inline]
    pub fn new(b: &[u8]) -> SmallBytes {
        if b.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            buf[..b.len()].copy_from_slice(b);
            SmallBytes::Inline {
                len: b.len() as u8,
                buf,
            }
        } else {
            SmallBytes::Heap(b.into())
        }
    }

    /// Takes a vector over (inline when short: its buffer is freed).
    pub fn from_vec(v: Vec<u8>) -> SmallBytes {
        if v.len() <= INLINE {
            SmallBytes::new(&v)
        } else {
            SmallBytes::Heap(v.into_boxed_slice())
        }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, buf } => &buf[..*len as usize],
            SmallBytes::Heap(b) => b,
        }
    }

    /// The bytes as a vector (a copy when inline, the box itself otherwise).
    pub fn into_vec(self) -> Vec<u8> {
        match self {
            SmallBytes::Inline { .. } => self.as_slice().to_vec(),
            SmallBytes::Heap(b) => b.into_vec(),
        }
    }

    /// Replaces the bytes with `b`, in place when the length is unchanged
    /// (no allocation, no free: an overwrite of a same-size value).
    #[inline]
    pub fn assign(&mut self, b: &[u8]) {
        match self {
            SmallBytes::Heap(h) if h.len() == b.len() => h.copy_from_slice(b),
            _ => *self = SmallBytes::new(b),
        }
    }

    /// Heap bytes this string owns (0 when inline).
    pub fn heap_size(&self) -> usize {
        match self {
            SmallBytes::Inline { .. } => 0,
            SmallBytes::Heap(b) => b.len(),
        }
    }
}

impl Default for SmallBytes {
    fn default() -> SmallBytes {
        SmallBytes::new(&[])
    }
}

impl Deref for SmallBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SmallBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<&[u8]> for SmallBytes {
    fn from(b: &[u8]) -> SmallBytes {
        SmallBytes::new(b)
    }
}

impl From<Vec<u8>> for SmallBytes {
    fn from(v: Vec<u8>) -> SmallBytes {
        SmallBytes::from_vec(v)
    }
}

impl From<Box<[u8]>> for SmallBytes {
    fn from(b: Box<[u8]>) -> SmallBytes {
        if b.len() <= INLINE {
            SmallBytes::new(&b)
        } else {
            SmallBytes::Heap(b)
        }
    }
}

impl From<SmallBytes> for Box<[u8]> {
    fn from(s: SmallBytes) -> Box<[u8]> {
        match s {
            SmallBytes::Inline { .. } => s.as_slice().into(),
            SmallBytes::Heap(b) => b,
        }
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &SmallBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SmallBytes {}

impl PartialEq<[u8]> for SmallBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl std::hash::Hash for SmallBytes {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_slice().hash(h)
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inline_long_boxed_same_bytes() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
        for n in [0, 1, INLINE - 1, INLINE, INLINE + 1, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            let s = SmallBytes::new(&v);
            assert_eq!(&*s, &v[..]);
            assert_eq!(matches!(s, SmallBytes::Inline { .. }), n <= INLINE);
            assert_eq!(s.heap_size(), if n <= INLINE { 0 } else { n });
            assert_eq!(SmallBytes::from_vec(v.clone()), s);
            assert_eq!(Box::<[u8]>::from(s.clone()), v.clone().into_boxed_slice());
            assert_eq!(s.into_vec(), v);
        }
    }
}
