//! The set value, in Redis 7.0's two encodings: an `intset` while every
//! member is a canonical integer and there are at most
//! `set-max-intset-entries` of them, a `hashtable` otherwise. Conversion is
//! one-way, as in Redis: a set that became a hashtable stays one.
//!
//! Why the hashtable is a slab plus an index (like `Db`): a member never
//! moves while it lives, so an SSCAN cursor can be a slab position and a
//! member present for the whole scan is returned. Removals leave holes that
//! later inserts reuse; when fewer than a quarter of the slots are live the
//! slab is compacted (Redis shrinks its dicts too), which is the one event
//! that can make a scan in progress miss members.

use std::sync::OnceLock;

use bytes::Bytes;

use super::index::{self, Index};
use super::intset::IntSet;
use super::small::SmallBytes;
use crate::num::parse_i64;

/// A set: never empty in the keyspace.
#[derive(Debug, Clone)]
pub enum SetValue {
    Ints(IntSet),
    Hash(Box<StrSet>),
}

/// One member as the set holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (a copy; integers formatted).
    pub fn to_bytes(&self) -> Bytes {
        match *self {
            Member::Int(n) => Bytes::copy_from_slice(super::value::itoa_buf::Buf::new().format(n)),
            Member::Str(s) => Bytes::copy_from_slice(s),
        }
    }

    /// Runs `f` on the member's bytes without allocating.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Member::Int(n) => f(super::value::itoa_buf::Buf::new().format(n)),
            Member::Str(s) => f(s),
        }
    }
}

impl SetValue {
    /// An empty set in the encoding Redis's `setTypeCreate` picks for a
    /// first member `m`.
    pub fn new_for(m: &[u8]) -> SetValue {
        if parse_i64(m).is_some() {
            SetValue::Ints(IntSet::new())
        } else {
            SetValue::Hash(Box::default())
        }
    }

    /// An empty intset (the start of every computed set, as in Redis).
    pub fn new_ints() -> SetValue {
        SetValue::Ints(IntSet::new())
    }

    pub fn len(&self) -> usize {
        match self {
            SetValue::Ints(s) => s.len(),
            SetValue::Hash(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match self {
            SetValue::Ints(_) => "intset",
            SetValue::Hash(_) => "hashtable",
        }
    }

    /// Approximate heap bytes.
    pub fn heap_size(&self) -> usize {
        match self {
            SetValue::Ints(s) => s.heap_size(),
            SetValue::Hash(s) => std::mem::size_of::<StrSet>() + s.heap_size(),
        }
    }

    /// Turns an intset into a hashtable (Redis's setTypeConvert).
    fn convert(&mut self) {
        if let SetValue::Ints(ints) = self {
            let mut h = StrSet::with_capacity(ints.len() + 1);
            let mut tmp = super::value::itoa_buf::Buf::new();
            for v in ints.iter() {
                h.insert(tmp.format(v));
            }
            *self = SetValue::Hash(Box::new(h));
        }
    }

    /// Adds `m`; false if present. `max_ints` is `set-max-intset-entries`.
    pub fn insert(&mut self, m: &[u8], max_ints: usize) -> bool {
        if let SetValue::Ints(_) = self {
            match parse_i64(m) {
                Some(v) => return self.insert_int_into_ints(v, max_ints),
                None => self.convert(),
            }
        }
        match self {
            SetValue::Hash(h) => h.insert(m),
            SetValue::Ints(_) => false,
        }
    }

    fn insert_int_into_ints(&mut self, v: i64, max_ints: usize) -> bool {
        let SetValue::Ints(ints) = self else {
            return false;
        };
        if !ints.insert(v) {
            return false;
        }
        if ints.len() > max_ints {
            self.convert();
        }
        true
    }

    /// Adds a member taken from another set.
    pub fn insert_member(&mut self, m: Member, max_ints: usize) -> bool {
        match (m, &*self) {
            (Member::Int(v), SetValue::Ints(_)) => self.insert_int_into_ints(v, max_ints),
            _ => m.with_bytes(|b| self.insert(b, max_ints)),
        }
    }

    /// Removes `m`; false if absent.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self {
            SetValue::Ints(s) => parse_i64(m).is_some_and(|v| s.remove(v)),
            SetValue::Hash(s) => s.remove(m),
        }
    }

    pub fn remove_member(&mut self, m: Member) -> bool {
        match (m, &mut *self) {
            (Member::Int(v), SetValue::Ints(s)) => s.remove(v),
            _ => m.with_bytes(|b| self.remove(b)),
        }
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        match self {
            SetValue::Ints(s) => parse_i64(m).is_some_and(|v| s.contains(v)),
            SetValue::Hash(s) => s.contains(m),
        }
    }

    pub fn contains_member(&self, m: Member) -> bool {
        match (m, self) {
            (Member::Int(v), SetValue::Ints(s)) => s.contains(v),
            _ => m.with_bytes(|b| self.contains(b)),
        }
    }

    /// The members: ascending for an intset, slab order for a hashtable.
    pub fn iter(&self) -> SetIter<'_> {
        match self {
            SetValue::Ints(s) => SetIter::Ints(s, 0),
            SetValue::Hash(s) => SetIter::Hash(s.slots.iter()),
        }
    }

    /// A random member (the set must not be empty).
    pub fn random(&self, rng: &mut impl FnMut() -> u64) -> Option<Member<'_>> {
        match self {
            SetValue::Ints(s) if !s.is_empty() => {
                Some(Member::Int(s.get((rng() % s.len() as u64) as usize)))
            }
            SetValue::Ints(_) => None,
            SetValue::Hash(s) => s.random_pos(rng).map(|p| Member::Str(s.at(p))),
        }
    }

    /// Removes and returns a random member.
    pub fn pop_random(&mut self, rng: &mut impl FnMut() -> u64) -> Option<Bytes> {
        match self {
            SetValue::Ints(s) if !s.is_empty() => {
                let v = s.remove_at((rng() % s.len() as u64) as usize);
                Some(Member::Int(v).to_bytes())
            }
            SetValue::Ints(_) => None,
            SetValue::Hash(s) => {
                let p = s.random_pos(rng)?;
                Some(Bytes::from(s.remove_at(p).into_vec()))
            }
        }
    }

    /// One SSCAN step from `cursor` visiting about `count` members; returns
    /// the next cursor (0: done). An intset answers everything at once, as
    /// Redis's small encodings do.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Member)) -> u64 {
        match self {
            SetValue::Ints(s) => {
                s.iter().for_each(|v| f(Member::Int(v)));
                0
            }
            SetValue::Hash(s) => s.scan(cursor, count, |m| f(Member::Str(m))),
        }
    }
}

impl PartialEq for SetValue {
    fn eq(&self, other: &SetValue) -> bool {
        self.len() == other.len() && self.iter().all(|m| other.contains_member(m))
    }
}

/// Iterator over a set's members.
pub enum SetIter<'a> {
    Ints(&'a IntSet, usize),
    Hash(std::slice::Iter<'a, Option<SmallBytes>>),
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            SetIter::Ints(s, i) => {
                if *i >= s.len() {
                    return None;
                }
                *i += 1;
                Some(Member::Int(s.get(*i - 1)))
            }
            SetIter::Hash(it) => it.find_map(|m| m.as_deref()).map(Member::Str),
        }
    }
}

/// The per-process hasher for set members (seeded at random, so members
/// cannot be chosen to collide).
fn hasher() -> &'static ahash::RandomState {
    static H: OnceLock<ahash::RandomState> = OnceLock::new();
    H.get_or_init(ahash::RandomState::new)
}

/// A member's hash as the index keeps it.
#[inline]
fn hash_of(m: &[u8]) -> u32 {
    index::short(hasher().hash_one(m))
}

/// Below this many slots the slab is never compacted.
const COMPACT_MIN: usize = 64;

/// The hashtable encoding: members in a slab, found through an index.
///
/// Members up to `small::INLINE` bytes live in the slot itself and the index
/// keeps each member's hash beside its position, so a lookup touches one
/// bucket and one slot (Redis's dict: bucket, entry, then the string).
#[derive(Debug, Clone, Default)]
pub struct StrSet {
    slots: Vec<Option<SmallBytes>>,
    /// Holes in `slots`, reused by inserts.
    free: Vec<u32>,
    index: Index,
    len: usize,
}

impl StrSet {
    pub fn with_capacity(n: usize) -> StrSet {
        StrSet {
            slots: Vec::with_capacity(n),
            free: Vec::new(),
            index: Index::with_capacity(n),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn heap_size(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<SmallBytes>>()
            + self.free.capacity() * 4
            + self.index.capacity() * 8
            + self
                .slots
                .iter()
                .flatten()
                .map(SmallBytes::heap_size)
                .sum::<usize>()
    }

    /// The member at live position `p`.
    fn at(&self, p: u32) -> &[u8] {
        self.slots[p as usize].as_deref().unwrap_or_default()
    }

    fn find_hashed(&self, hash: u32, m: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hash, |i| slots[i as usize].as_deref() == Some(m))
    }

    fn find(&self, m: &[u8]) -> Option<u32> {
        self.find_hashed(hash_of(m), m)
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        self.find(m).is_some()
    }

    /// Starts bringing `m`'s index bucket into cache; returns its hash for
    /// `prefetch_slot`.
    #[inline]
    pub fn prefetch_bucket(&self, m: &[u8]) -> u32 {
        let h = hash_of(m);
        self.index.prefetch(h);
        h
    }

    /// Starts bringing the slot `hash` most likely names into cache.
    #[inline]
    pub fn prefetch_slot(&self, hash: u32) {
        self.index.prefetch_slot(hash, &self.slots);
    }

    /// Adds a copy of `m`; false if present.
    pub fn insert(&mut self, m: &[u8]) -> bool {
        let hash = hash_of(m);
        if self.find_hashed(hash, m).is_some() {
            return false;
        }
        let member = Some(SmallBytes::new(m));
        let pos = match self.free.pop() {
            Some(p) => {
                self.slots[p as usize] = member;
                p
            }
            None => {
                self.slots.push(member);
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(hash, pos);
        self.len += 1;
        true
    }

    pub fn remove(&mut self, m: &[u8]) -> bool {
        match self.find(m) {
            Some(p) => {
                self.remove_at(p);
                true
            }
            None => false,
        }
    }

    /// Removes the member at live position `p`.
    fn remove_at(&mut self, p: u32) -> SmallBytes {
        let m = self.slots[p as usize].take().unwrap_or_default();
        self.index.remove(hash_of(&m), p);
        self.len -= 1;
        self.free.push(p);
        if self.slots.len() >= COMPACT_MIN && self.len * 4 < self.slots.len() {
            self.compact();
        }
        m
    }

    /// Packs the live members to the front (order kept) and rebuilds the index.
    fn compact(&mut self) {
        let live: Vec<Option<SmallBytes>> = self.slots.drain(..).filter(Option::is_some).collect();
        self.slots = live;
        self.free = Vec::new();
        self.index = Index::with_capacity(self.slots.len());
        for (i, m) in self.slots.iter().enumerate() {
            self.index
                .insert(hash_of(m.as_deref().unwrap_or_default()), i as u32);
        }
    }

    /// A random live position (None when empty).
    fn random_pos(&self, rng: &mut impl FnMut() -> u64) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let n = self.slots.len() as u64;
        for _ in 0..64 {
            let p = (rng() % n) as usize;
            if self.slots[p].is_some() {
                return Some(p as u32);
            }
        }
        // Sparse slab (only possible below COMPACT_MIN slots): pick the k-th live one.
        let k = (rng() % self.len as u64) as usize;
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_some())
            .nth(k)
            .map(|(i, _)| i as u32)
    }

    fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        let mut p = usize::try_from(cursor).unwrap_or(usize::MAX);
        let mut seen = 0;
        let max_visits = count.saturating_mul(10);
        let mut visits = 0;
        while p < self.slots.len() && seen < count && visits < max_visits {
            if let Some(m) = &self.slots[p] {
                f(m);
                seen += 1;
            }
            p += 1;
            visits += 1;
        }
        if p >= self.slots.len() {
            0
        } else {
            p as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> impl FnMut() -> u64 {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    fn members(s: &SetValue) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = s.iter().map(|m| m.to_bytes().to_vec()).collect();
        v.sort();
        v
    }

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = SetValue::new_for(b"1");
        assert!(s.insert(b"1", 3));
        assert!(s.insert(b"-2", 3));
        assert!(!s.insert(b"1", 3));
        assert_eq!(s.encoding(), "intset");
        assert!(s.contains(b"-2") && !s.contains(b"02") && !s.contains(b"x"));
        assert!(s.insert(b"01", 3));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.remove(b"01"));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(members(&s), vec![b"-2".to_vec(), b"1".to_vec()]);

        let mut s = SetValue::new_ints();
        for i in 0..3 {
            s.insert(i.to_string().as_bytes(), 3);
        }
        assert_eq!(s.encoding(), "intset");
        s.insert(b"3", 3);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"3") && s.contains_member(Member::Int(0)));
        assert_eq!(SetValue::new_for(b"-0").encoding(), "hashtable");
    }

    #[test]
    fn slab_reuses_holes_and_compacts() {
        let mut s = SetValue::new_for(b"x");
        for i in 0..1000 {
            assert!(s.insert(format!("m{i}").as_bytes(), 512));
        }
        for i in 0..990 {
            assert!(s.remove(format!("m{i}").as_bytes()));
        }
        assert_eq!(s.len(), 10);
        let SetValue::Hash(h) = &s else {
            panic!("hashtable expected")
        };
        assert!(h.slots.len() <= COMPACT_MIN, "compacted: {}", h.slots.len());
        for i in 990..1000 {
            assert!(s.contains(format!("m{i}").as_bytes()));
        }
        let mut r = rng();
        let mut popped = 0;
        while let Some(m) = s.pop_random(&mut r) {
            assert!(m.starts_with(b"m"));
            popped += 1;
        }
        assert_eq!(popped, 10);
        assert!(s.is_empty());
    }

    #[test]
    fn scan_visits_every_member_once_without_changes() {
        let mut s = SetValue::new_for(b"x");
        for i in 0..300 {
            s.insert(format!("m{i}").as_bytes(), 512);
        }
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = s.scan(cursor, 7, |m| seen.push(m.to_bytes()));
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 300);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 300);
    }

    #[test]
    fn random_members_are_members() {
        let mut r = rng();
        let mut s = SetValue::new_ints();
        for i in 0..50 {
            s.insert(i.to_string().as_bytes(), 512);
        }
        for _ in 0..100 {
            let m = s.random(&mut r).map(|m| m.to_bytes());
            assert!(m.is_some_and(|m| s.contains(&m)));
        }
    }
}
