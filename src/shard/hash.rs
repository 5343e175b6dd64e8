//! The hash type's value, in Redis 7.0's two encodings.
//!
//! - [`Pack`] ("listpack"): every field and value of a small hash in one
//!   exact-size allocation, `len field len value ...` with LEB128 lengths
//!   (one byte up to 127), in insertion order. Lookups are linear scans,
//!   which is what Redis does too and is fast at the sizes allowed
//!   (`hash-max-listpack-entries` fields of at most `hash-max-listpack-value`
//!   bytes). This is the form a million small hashes take, so it is as lean
//!   as it can be: the pair count lives beside the pointer in the `Value`,
//!   not on the heap.
//! - [`Table`] ("hashtable"): a slab of pairs, each pair one allocation
//!   (`len field value`), plus a hashbrown index from field to slab
//!   position. As in the keyspace (`store.rs`), a pair never moves while it
//!   lives, so an HSCAN cursor is a slab position and a field present for a
//!   whole scan is returned at least once, whatever the index does.
//!
//! Conversion is one-way, Pack to Table, as in Redis.

use super::index::{self, Index};
use super::small::SmallBytes;

/// Redis's `LISTPACK_MAX_SAFETY_SIZE`: a listpack never grows past 1 GiB.
const PACK_MAX_BYTES: usize = 1 << 30;

/// A hash value: never empty in the keyspace.
#[derive(Debug, Clone)]
pub enum Hash {
    Pack(Pack),
    Table(Box<Table>),
}

/// The compact form: pairs in one buffer.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    buf: Box<[u8]>,
    /// Number of pairs.
    len: u32,
}

/// The full form: a slab of pairs and an index into it.
#[derive(Debug, Clone)]
pub struct Table {
    index: Index,
    /// Each pair's field and value; None is a hole.
    slots: Vec<Option<Pair>>,
    /// Holes to reuse.
    free: Vec<u32>,
    hasher: ahash::RandomState,
}

impl Default for Hash {
    fn default() -> Hash {
        Hash::new()
    }
}

impl PartialEq for Hash {
    /// Same fields with the same values, whatever the encodings.
    fn eq(&self, other: &Hash) -> bool {
        self.len() == other.len() && self.iter().all(|(f, v)| other.get(f) == Some(v))
    }
}

impl Hash {
    /// An empty hash in the compact form (no allocation).
    pub fn new() -> Hash {
        Hash::Pack(Pack::default())
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Pack(p) => p.len as usize,
            Hash::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Pack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Pack(p) => p.find(field).map(|at| &p.buf[at.value.clone()]),
            Hash::Table(t) => t.find(field).map(|i| t.pair(i).1),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Redis's hashTypeTryConversion: a compact hash about to receive
    /// `args` (fields and values) becomes a table when one of them is longer
    /// than `max_value`, or when they could push it past the listpack size
    /// limit.
    pub fn prepare_for<'a>(&mut self, args: impl IntoIterator<Item = &'a [u8]>, max_value: usize) {
        let Hash::Pack(p) = self else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > max_value {
                self.convert();
                return;
            }
            sum = sum.saturating_add(a.len());
        }
        if p.buf.len().saturating_add(sum) > PACK_MAX_BYTES {
            self.convert();
        }
    }

    /// Sets `field` to `value`; returns true when the field is new. A
    /// compact hash becomes a table first when `field` or `value` is longer
    /// than `max_value`, and after the insert when it holds more than
    /// `max_entries` fields (Redis's hashTypeSet).
    pub fn set(
        &mut self,
        field: &[u8],
        value: &[u8],
        max_entries: usize,
        max_value: usize,
    ) -> bool {
        if let Hash::Pack(p) = self {
            let too_long = field.len() > max_value || value.len() > max_value;
            let too_big = p.buf.len() + field.len() + value.len() + 20 > PACK_MAX_BYTES;
            if too_long || too_big {
                self.convert();
            }
        }
        match self {
            Hash::Pack(p) => {
                let added = p.set(field, value);
                if added && (p.len as usize > max_entries || p.len == u32::MAX) {
                    self.convert();
                }
                added
            }
            Hash::Table(t) => t.set(field, value),
        }
    }

    /// Removes `field`; returns whether it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Pack(p) => p.remove(field),
            Hash::Table(t) => t.remove(field),
        }
    }

    /// Every (field, value), in insertion order for the compact form and in
    /// slab order for a table.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Pack(p) => Iter::Pack(PackIter {
                buf: &p.buf,
                pos: 0,
            }),
            Hash::Table(t) => Iter::Table(t.slots.iter()),
        }
    }

    /// Turns a compact hash into a table (no-op for a table).
    pub fn convert(&mut self) {
        if let Hash::Pack(p) = self {
            let mut t = Table::with_capacity(p.len as usize);
            for (f, v) in (PackIter {
                buf: &p.buf,
                pos: 0,
            }) {
                t.set(f, v);
            }
            *self = Hash::Table(Box::new(t));
        }
    }

    /// A random pair (with replacement); `rng` gives random numbers.
    pub fn random(&self, rng: &mut Rng) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Pack(p) if p.len > 0 => {
                let k = (rng.next() % p.len as u64) as usize;
                (PackIter {
                    buf: &p.buf,
                    pos: 0,
                })
                .nth(k)
            }
            Hash::Pack(_) => None,
            Hash::Table(t) => t.random(rng).map(|i| t.pair(i)),
        }
    }

    /// `count` distinct random pairs (all of them when `count >= len`), in
    /// no particular order.
    pub fn random_distinct(&self, count: usize, rng: &mut Rng) -> Vec<(&[u8], &[u8])> {
        let len = self.len();
        if count >= len {
            return self.iter().collect();
        }
        match self {
            // Few picks from a big table: probe, skipping repeats.
            Hash::Table(t) if count * 3 <= len => {
                let mut seen = hashbrown::HashSet::with_capacity(count);
                let mut out = Vec::with_capacity(count);
                while out.len() < count {
                    let Some(i) = t.random(rng) else { break };
                    if seen.insert(i) {
                        out.push(t.pair(i));
                    }
                }
                out
            }
            // Otherwise a partial Fisher-Yates shuffle of all pairs.
            _ => {
                let mut all: Vec<_> = self.iter().collect();
                for k in 0..count {
                    let j = k + (rng.next() % (len - k) as u64) as usize;
                    all.swap(k, j);
                }
                all.truncate(count);
                all
            }
        }
    }

    /// HSCAN's walk. A compact hash is returned whole with cursor 0 (as
    /// Redis does, whatever the cursor). A table visits up to `max_visits`
    /// slab positions from `cursor` and stops early once `f` returns false;
    /// the next cursor is returned, 0 when the walk is complete.
    pub fn scan(
        &self,
        cursor: u64,
        max_visits: usize,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> u64 {
        match self {
            Hash::Pack(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Hash::Table(t) => {
                let end = t.slots.len();
                let Ok(mut i) = usize::try_from(cursor) else {
                    return 0;
                };
                let mut visited = 0;
                while i < end && visited < max_visits {
                    let go_on = match &t.slots[i] {
                        Some(p) => {
                            let (k, v) = split_pair(p);
                            f(k, v)
                        }
                        None => true,
                    };
                    i += 1;
                    visited += 1;
                    if !go_on {
                        break;
                    }
                }
                if i >= end {
                    0
                } else {
                    i as u64
                }
            }
        }
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Hash::Pack(p) => p.buf.len(),
            Hash::Table(t) => {
                std::mem::size_of::<Table>()
                    + t.slots.capacity() * std::mem::size_of::<Option<Pair>>()
                    + t.free.capacity() * 4
                    + t.index.capacity() * 8
                    + t.slots
                        .iter()
                        .flatten()
                        .map(|(f, v)| f.heap_size() + v.heap_size())
                        .sum::<usize>()
            }
        }
    }
}

// ---- the compact form -------------------------------------------------------

/// Where a pair lies in a pack's buffer.
struct At {
    /// Start of the pair (its field's length).
    start: usize,
    /// Start of the value's length.
    value_hdr: usize,
    /// The value's bytes.
    value: std::ops::Range<usize>,
}

impl Pack {
    fn find(&self, field: &[u8]) -> Option<At> {
        let buf = &self.buf[..];
        let mut pos = 0;
        while pos < buf.len() {
            let start = pos;
            let (flen, p) = get_len(buf, pos);
            let fend = p + flen;
            let (vlen, vstart) = get_len(buf, fend);
            let vend = vstart + vlen;
            if &buf[p..fend] == field {
                return Some(At {
                    start,
                    value_hdr: fend,
                    value: vstart..vend,
                });
            }
            pos = vend;
        }
        None
    }

    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(at) if at.value.len() == value.len() => {
                self.buf[at.value].copy_from_slice(value);
                false
            }
            Some(at) => {
                let mut v = Vec::with_capacity(self.buf.len() - at.value.len() + value.len() + 10);
                v.extend_from_slice(&self.buf[..at.value_hdr]);
                put_len(&mut v, value.len());
                v.extend_from_slice(value);
                v.extend_from_slice(&self.buf[at.value.end..]);
                self.buf = v.into_boxed_slice();
                false
            }
            None => {
                let mut v = std::mem::take(&mut self.buf).into_vec();
                v.reserve_exact(
                    len_size(field.len()) + field.len() + len_size(value.len()) + value.len(),
                );
                put_len(&mut v, field.len());
                v.extend_from_slice(field);
                put_len(&mut v, value.len());
                v.extend_from_slice(value);
                self.buf = v.into_boxed_slice();
                self.len += 1;
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let Some(at) = self.find(field) else {
            return false;
        };
        let mut v = Vec::with_capacity(self.buf.len() - (at.value.end - at.start));
        v.extend_from_slice(&self.buf[..at.start]);
        v.extend_from_slice(&self.buf[at.value.end..]);
        self.buf = v.into_boxed_slice();
        self.len -= 1;
        true
    }
}

/// Iterates a pack's pairs.
pub struct PackIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let (flen, p) = get_len(self.buf, self.pos);
        let field = &self.buf[p..p + flen];
        let (vlen, p) = get_len(self.buf, p + flen);
        let value = &self.buf[p..p + vlen];
        self.pos = p + vlen;
        Some((field, value))
    }
}

/// Iterates a hash's pairs, whatever its encoding.
pub enum Iter<'a> {
    Pack(PackIter<'a>),
    Table(std::slice::Iter<'a, Option<Pair>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Pack(p) => p.next(),
            Iter::Table(slots) => slots.find_map(|s| s.as_ref()).map(split_pair),
        }
    }
}

/// Appends `n` as LEB128.
fn put_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Bytes `put_len` writes for `n`.
fn len_size(n: usize) -> usize {
    let bits = usize::BITS - n.leading_zeros();
    (bits as usize).div_ceil(7).max(1)
}

/// Reads a LEB128 length at `pos`: (length, position after it). The
/// buffers read are written by `put_len` only.
fn get_len(buf: &[u8], mut pos: usize) -> (usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[pos];
        pos += 1;
        n |= ((b & 0x7f) as usize) << shift;
        if b < 0x80 {
            return (n, pos);
        }
        shift += 7;
    }
}

// ---- the full form ----------------------------------------------------------

/// A table slot: a field and its value, each inline when short.
type Pair = (SmallBytes, SmallBytes);

/// A table pair's (field, value).
fn split_pair(p: &Pair) -> (&[u8], &[u8]) {
    (&p.0, &p.1)
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            index: Index::with_capacity(n),
            slots: Vec::with_capacity(n),
            free: Vec::new(),
            hasher: ahash::RandomState::new(),
        }
    }

    fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    #[inline]
    fn hash(&self, field: &[u8]) -> u32 {
        index::short(self.hasher.hash_one(field))
    }

    /// The pair at a live slab position.
    fn pair(&self, i: u32) -> (&[u8], &[u8]) {
        match &self.slots[i as usize] {
            Some(p) => split_pair(p),
            None => (&[], &[]),
        }
    }

    fn find_hashed(&self, hash: u32, field: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.index.find(hash, |i| {
            slots[i as usize]
                .as_ref()
                .is_some_and(|p| p.0.as_slice() == field)
        })
    }

    fn find(&self, field: &[u8]) -> Option<u32> {
        self.find_hashed(self.hash(field), field)
    }

    /// Starts bringing `field`'s index bucket into cache; returns its hash
    /// for `prefetch_slot`.
    #[inline]
    pub fn prefetch_bucket(&self, field: &[u8]) -> u32 {
        let h = self.hash(field);
        self.index.prefetch(h);
        h
    }

    /// Starts bringing the slot `hash` most likely names into cache (the
    /// field's bytes are there when they are inline).
    #[inline]
    pub fn prefetch_slot(&self, hash: u32) {
        self.index.prefetch_slot(hash, &self.slots);
    }

    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        let hash = self.hash(field);
        if let Some(i) = self.find_hashed(hash, field) {
            if let Some(p) = &mut self.slots[i as usize] {
                p.1.assign(value);
            }
            return false;
        }
        let pair = Some((SmallBytes::new(field), SmallBytes::new(value)));
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = pair;
                i
            }
            None => {
                self.slots.push(pair);
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(hash, i);
        true
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        let hash = self.hash(field);
        let Some(i) = self.find_hashed(hash, field) else {
            return false;
        };
        self.index.remove(hash, i);
        self.slots[i as usize] = None;
        self.free.push(i);
        true
    }

    /// A random live slab position.
    fn random(&self, rng: &mut Rng) -> Option<u32> {
        if self.len() == 0 {
            return None;
        }
        let n = self.slots.len() as u64;
        for _ in 0..64 {
            let i = (rng.next() % n) as u32;
            if self.slots[i as usize].is_some() {
                return Some(i);
            }
        }
        // Mostly holes: the k-th live pair.
        let k = (rng.next() % self.len() as u64) as usize;
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .nth(k)
            .map(|(i, _)| i as u32)
    }
}

/// A small random number generator (xorshift64*), seeded from the shard's
/// so that a command can draw numbers while it borrows a value.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(h: &Hash) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut v: Vec<_> = h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect();
        v.sort();
        v
    }

    #[test]
    fn lengths_roundtrip() {
        for n in [0, 1, 127, 128, 300, 16383, 16384, 1 << 30, usize::MAX] {
            let mut v = Vec::new();
            put_len(&mut v, n);
            assert_eq!(v.len(), len_size(n), "{n}");
            assert_eq!(get_len(&v, 0), (n, v.len()));
        }
    }

    #[test]
    fn pack_set_get_remove_in_insertion_order() {
        let mut h = Hash::new();
        assert!(h.is_empty());
        assert!(h.set(b"a", b"1", 128, 64));
        assert!(h.set(b"b", b"22", 128, 64));
        assert!(h.set(b"", b"", 128, 64));
        assert!(!h.set(b"a", b"9", 128, 64)); // same length: in place
        assert!(!h.set(b"b", b"longer value", 128, 64));
        assert_eq!(h.len(), 3);
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.get(b"a"), Some(&b"9"[..]));
        assert_eq!(h.get(b"b"), Some(&b"longer value"[..]));
        assert_eq!(h.get(b""), Some(&b""[..]));
        assert_eq!(h.get(b"c"), None);
        let order: Vec<_> = h.iter().map(|(f, _)| f.to_vec()).collect();
        assert_eq!(order, vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec()]);
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"a"), Some(&b"9"[..]));
        assert!(h.remove(b"a") && h.remove(b""));
        assert!(h.is_empty());
        assert!(matches!(&h, Hash::Pack(p) if p.buf.is_empty()));
    }

    #[test]
    fn pack_is_one_exact_buffer() {
        let mut h = Hash::new();
        h.set(b"field", b"value", 128, 64);
        h.set(b"f2", b"v2", 128, 64);
        let Hash::Pack(p) = &h else { panic!() };
        assert_eq!(p.buf.len(), 1 + 5 + 1 + 5 + 1 + 2 + 1 + 2);
        // The pair count sits beside the pointer: a Hash costs no more
        // than three words inline.
        assert!(std::mem::size_of::<Hash>() <= 24);
    }

    #[test]
    fn converts_past_entries_or_value_limits() {
        let mut h = Hash::new();
        for i in 0..128 {
            h.set(format!("f{i}").as_bytes(), b"v", 128, 64);
        }
        assert_eq!(h.encoding(), "listpack");
        let before = fields(&h);
        h.set(b"f127", b"w", 128, 64); // an update does not grow it
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f128", b"v", 128, 64);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 129);
        assert!(before.len() == 128 && h.get(b"f0") == Some(&b"v"[..]));
        assert_eq!(h.get(b"f127"), Some(&b"w"[..]));
        // Never back.
        for i in 0..129 {
            h.remove(format!("f{i}").as_bytes());
        }
        h.set(b"x", b"y", 128, 64);
        assert_eq!(h.encoding(), "hashtable");

        let mut h = Hash::new();
        h.set(&[b'x'; 64], &[b'y'; 64], 128, 64);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"a", &[b'y'; 65], 128, 64);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"a").map(|v| v.len()), Some(65));

        let mut h = Hash::new();
        h.set(b"a", b"1", 128, 64);
        h.prepare_for([&b"b"[..], &[b'z'; 65][..]], 64);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"a"), Some(&b"1"[..]));

        // Zero entries allowed: the first field converts.
        let mut h = Hash::new();
        h.set(b"a", b"1", 0, 64);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn table_set_get_remove_and_equality() {
        let mut t = Hash::new();
        let mut p = Hash::new();
        t.convert();
        for i in 0..1000 {
            let (f, v) = (format!("f{i}"), format!("v{i}"));
            assert!(t.set(f.as_bytes(), v.as_bytes(), 128, 64));
            if i < 50 {
                p.set(f.as_bytes(), v.as_bytes(), 128, 64);
            }
        }
        assert!(!t.set(b"f7", b"seven", 128, 64));
        assert_eq!(t.get(b"f7"), Some(&b"seven"[..]));
        assert_eq!(t.len(), 1000);
        for i in 50..1000 {
            assert!(t.remove(format!("f{i}").as_bytes()));
        }
        assert!(!t.remove(b"f999"));
        t.set(b"f7", b"v7", 128, 64);
        assert_eq!(t.len(), 50);
        assert_eq!(t, p);
        assert_eq!(fields(&t), fields(&p));
        // Holes are reused.
        t.set(b"new", b"1", 128, 64);
        let Hash::Table(tb) = &t else { panic!() };
        assert_eq!(tb.slots.len(), 1000);
    }

    #[test]
    fn scan_sees_every_stable_field_despite_churn() {
        let mut h = Hash::new();
        h.convert();
        for i in 0..1000 {
            h.set(format!("k{i}").as_bytes(), b"v", 128, 64);
        }
        let mut seen = std::collections::HashSet::new();
        let (mut cursor, mut extra) = (0, 0);
        loop {
            cursor = h.scan(cursor, 10, |f, _| {
                seen.insert(f.to_vec());
                true
            });
            // Churn between calls: the index grows several times over
            // (rehashing everything), and fields come and go.
            if extra < 5000 {
                for _ in 0..100 {
                    h.set(format!("n{extra}").as_bytes(), b"v", 128, 64);
                    extra += 1;
                }
                for k in (extra - 100..extra).step_by(2) {
                    h.remove(format!("n{k}").as_bytes());
                }
            }
            if cursor == 0 {
                break;
            }
        }
        assert!((0..1000).all(|i| seen.contains(format!("k{i}").as_bytes())));
        // A cursor past the end, or absurd, ends the scan.
        assert_eq!(h.scan(u64::MAX, 10, |_, _| true), 0);
        // A compact hash comes back whole with cursor 0.
        let mut p = Hash::new();
        p.set(b"a", b"1", 128, 64);
        p.set(b"b", b"2", 128, 64);
        let mut n = 0;
        assert_eq!(
            p.scan(12345, 1, |_, _| {
                n += 1;
                true
            }),
            0
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn random_picks() {
        let mut rng = Rng::new(42);
        for convert in [false, true] {
            let mut h = Hash::new();
            assert!(h.random(&mut rng).is_none());
            for i in 0..100 {
                h.set(format!("f{i}").as_bytes(), b"v", 128, 64);
            }
            if convert {
                h.convert();
                // Mostly holes still works.
                for i in 1..100 {
                    h.remove(format!("f{i}").as_bytes());
                }
                assert_eq!(h.random(&mut rng).map(|p| p.0), Some(&b"f0"[..]));
                for i in 1..100 {
                    h.set(format!("f{i}").as_bytes(), b"v", 128, 64);
                }
            }
            for _ in 0..50 {
                let (f, v) = h.random(&mut rng).unwrap();
                assert_eq!(h.get(f), Some(v));
            }
            for count in [0, 1, 10, 50, 99, 100, 1000] {
                let picks = h.random_distinct(count, &mut rng);
                assert_eq!(picks.len(), count.min(100));
                let set: std::collections::HashSet<_> = picks.iter().map(|p| p.0).collect();
                assert_eq!(set.len(), picks.len());
                assert!(picks.iter().all(|(f, v)| h.get(f) == Some(*v)));
            }
        }
    }
}
