//! Sorted sets: members ordered by (score, member bytes), each member once.
//!
//! Two encodings, as in Redis 7.0:
//!
//! - `listpack` (`Pack`): every entry in one contiguous buffer, sorted,
//!   `[score: f64 LE][varint member length][member bytes]` after a count.
//!   Operations scan it linearly; it is meant for at most
//!   `zset-max-listpack-entries` entries of at most `zset-max-listpack-value`
//!   bytes (128 and 64 by default).
//! - `skiplist` (`Big`), past those limits, for good: a slab of (score,
//!   member offset) slots, the member bytes in one arena buffer, a hash
//!   index member → slot, and an order-statistic B+ tree of slot ids
//!   (`zset_tree`) for ranks and ranges in O(log n). Per member that is a
//!   16-byte slot, the member bytes plus a length byte, about 10 bytes of
//!   hash index and 4-6 bytes of tree, with no allocation per member.
//!
//! Scores are never NaN (callers refuse them). Scores compare with `<` and
//! `==`, so -0 and 0 tie and the member bytes decide, as in Redis. Like a
//! Redis listpack (which stores an integral score as an integer), the pack
//! turns -0 into 0; the large form keeps it.

use std::cmp::Ordering;
use std::sync::OnceLock;

use hashbrown::HashTable;

use super::zset_tree::{self, Tree};
use super::Limits;

/// Redis's listpack size cap (`lpSafeToAdd`): past it a pack converts.
const PACK_SAFE_BYTES: usize = 1 << 30;

/// What ZADD's options ask (Redis's `ZADD_IN_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub incr: bool,
}

/// What `ZSet::add` did (Redis's `ZADD_OUT_*`), with the resulting score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Added {
    /// The member is new.
    Added(f64),
    /// Its score changed.
    Updated(f64),
    /// Processed, but the score stayed the same.
    Same(f64),
    /// Nothing done because of NX, XX, GT or LT.
    Nop,
    /// The increment made the score NaN; nothing changed.
    Nan,
}

/// A score interval (ZRANGEBYSCORE min max; `(` makes a bound exclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    pub fn gte_min(&self, s: f64) -> bool {
        if self.minex {
            s > self.min
        } else {
            s >= self.min
        }
    }

    pub fn lte_max(&self, s: f64) -> bool {
        if self.maxex {
            s < self.max
        } else {
            s <= self.max
        }
    }

    /// Ranges that can hold nothing, whatever the set.
    pub fn is_void(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range: `-`, `+`, or a member.
#[derive(Clone, Debug, PartialEq)]
pub enum LexBound {
    NegInf,
    PosInf,
    Val(bytes::Bytes),
}

/// A member interval (ZRANGEBYLEX min max), Redis's `zlexrangespec`.
#[derive(Clone, Debug, PartialEq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
    pub minex: bool,
    pub maxex: bool,
}

/// How `m` compares with a bound.
fn cmp_bound(m: &[u8], b: &LexBound) -> Ordering {
    match b {
        LexBound::NegInf => Ordering::Greater,
        LexBound::PosInf => Ordering::Less,
        LexBound::Val(v) => m.cmp(v),
    }
}

impl LexRange {
    pub fn gte_min(&self, m: &[u8]) -> bool {
        let c = cmp_bound(m, &self.min);
        if self.minex {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    pub fn lte_max(&self, m: &[u8]) -> bool {
        let c = cmp_bound(m, &self.max);
        if self.maxex {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    /// Ranges that can hold nothing (Redis's `sdscmplex(min, max)` test).
    pub fn is_void(&self) -> bool {
        use LexBound::*;
        let c = match (&self.min, &self.max) {
            (NegInf, NegInf) | (PosInf, PosInf) => Ordering::Equal,
            (NegInf, _) | (_, PosInf) => Ordering::Less,
            (PosInf, _) | (_, NegInf) => Ordering::Greater,
            (Val(a), Val(b)) => a.cmp(b),
        };
        c == Ordering::Greater || (c == Ordering::Equal && (self.minex || self.maxex))
    }
}

/// The sorted-set order: by score, ties by member bytes.
#[inline]
pub fn cmp_key(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    if s1 < s2 {
        Ordering::Less
    } else if s1 > s2 {
        Ordering::Greater
    } else {
        m1.cmp(m2)
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// (value, bytes used), or None on a truncated buffer.
fn get_varint(b: &[u8]) -> Option<(usize, usize)> {
    let mut v = 0usize;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= ((byte & 0x7f) as usize) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn varint_len(n: usize) -> usize {
    let mut len = 1;
    let mut n = n >> 7;
    while n > 0 {
        len += 1;
        n >>= 7;
    }
    len
}

// ---------------------------------------------------------------- pack --

/// The compact encoding: count + sorted entries in one exact-size buffer.
#[derive(Clone, Debug, PartialEq)]
struct Pack {
    len: u32,
    buf: Box<[u8]>,
}

/// Decodes the entry at `off`: (member, score, offset of the next entry).
fn pack_entry(buf: &[u8], off: usize) -> Option<(&[u8], f64, usize)> {
    let score = f64::from_le_bytes(buf.get(off..off + 8)?.try_into().ok()?);
    let (n, w) = get_varint(buf.get(off + 8..)?)?;
    let start = off + 8 + w;
    Some((buf.get(start..start + n)?, score, start + n))
}

fn encode_entry(out: &mut Vec<u8>, m: &[u8], score: f64) {
    // A listpack keeps an integral score as an integer: -0 reads back as 0.
    let score = if score == 0.0 { 0.0 } else { score };
    out.extend_from_slice(&score.to_le_bytes());
    put_varint(out, m.len());
    out.extend_from_slice(m);
}

impl Pack {
    fn new() -> Pack {
        Pack {
            len: 0,
            buf: Box::new([]),
        }
    }

    fn from_sorted<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> Pack {
        let mut buf = Vec::new();
        let mut len = 0;
        for (m, s) in items {
            encode_entry(&mut buf, m, s);
            len += 1;
        }
        Pack {
            len,
            buf: buf.into_boxed_slice(),
        }
    }

    /// Entries with their offsets: (offset, member, score, next offset).
    fn entries(&self) -> impl Iterator<Item = (usize, &[u8], f64, usize)> {
        let buf = &self.buf[..];
        let mut off = 0;
        std::iter::from_fn(move || {
            let (m, s, next) = pack_entry(buf, off)?;
            let at = off;
            off = next;
            Some((at, m, s, next))
        })
    }

    fn find(&self, m: &[u8]) -> Option<(usize, usize, f64)> {
        self.entries()
            .find(|e| e.1 == m)
            .map(|(off, _, s, next)| (off, next, s))
    }

    /// Byte offset of the entry of rank `rank` (the end for `len`).
    fn offset_of(&self, rank: usize) -> usize {
        self.entries().nth(rank).map_or(self.buf.len(), |e| e.0)
    }

    fn splice(&mut self, from: usize, to: usize, insert: &[u8]) {
        let mut v = Vec::with_capacity(self.buf.len() - (to - from) + insert.len());
        v.extend_from_slice(&self.buf[..from]);
        v.extend_from_slice(insert);
        v.extend_from_slice(&self.buf[to..]);
        self.buf = v.into_boxed_slice();
    }

    fn insert(&mut self, m: &[u8], score: f64) {
        let at = self
            .entries()
            .find(|e| cmp_key(e.2, e.1, score, m) == Ordering::Greater)
            .map_or(self.buf.len(), |e| e.0);
        let mut entry = Vec::with_capacity(m.len() + 12);
        encode_entry(&mut entry, m, score);
        self.splice(at, at, &entry);
        self.len += 1;
    }

    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let (off, next, s) = self.find(m)?;
        self.splice(off, next, &[]);
        self.len -= 1;
        Some(s)
    }

    /// Removes ranks `start..=end`.
    fn remove_ranks(&mut self, start: usize, end: usize) {
        let from = self.offset_of(start);
        let to = self.offset_of(end + 1);
        self.splice(from, to, &[]);
        self.len -= (end + 1 - start) as u32;
    }
}

// ----------------------------------------------------------------- big --

/// A slab slot: a live member's score and arena offset, or (score NaN) a
/// free slot whose `off` links to the next free one.
#[derive(Clone, Copy, Debug)]
struct Slot {
    score: f64,
    off: u64,
}

const NO_SLOT: u32 = u32::MAX;

/// The large encoding. Slot ids are stable for a member's lifetime, which
/// makes them ZSCAN's cursor.
#[derive(Clone, Debug)]
struct Big {
    slots: Vec<Slot>,
    free: u32,
    /// Member bytes, each behind a varint length.
    arena: Vec<u8>,
    /// Arena bytes of removed members, reclaimed by `compact`.
    dead: usize,
    index: HashTable<u32>,
    tree: Tree,
}

fn hasher() -> &'static ahash::RandomState {
    static H: OnceLock<ahash::RandomState> = OnceLock::new();
    H.get_or_init(ahash::RandomState::new)
}

fn hash(m: &[u8]) -> u64 {
    hasher().hash_one(m)
}

fn member_at(arena: &[u8], off: u64) -> &[u8] {
    let off = off as usize;
    match arena.get(off..).and_then(get_varint) {
        Some((n, w)) => arena.get(off + w..off + w + n).unwrap_or(&[]),
        None => &[],
    }
}

/// Whether slot `id` sorts before (score, m).
#[inline]
fn slot_lt(slots: &[Slot], arena: &[u8], id: u32, score: f64, m: &[u8]) -> bool {
    let s = slots[id as usize];
    s.score < score || (s.score == score && member_at(arena, s.off) < m)
}

impl Big {
    fn new() -> Big {
        Big {
            slots: Vec::new(),
            free: NO_SLOT,
            arena: Vec::new(),
            dead: 0,
            index: HashTable::new(),
            tree: Tree::new(),
        }
    }

    fn from_sorted<'a>(items: impl Iterator<Item = (&'a [u8], f64)>) -> Big {
        let mut b = Big::new();
        let (lo, _) = items.size_hint();
        b.slots.reserve(lo);
        b.index.reserve(lo, |_| 0);
        for (m, s) in items {
            let id = b.slots.len() as u32;
            let off = b.arena.len() as u64;
            put_varint(&mut b.arena, m.len());
            b.arena.extend_from_slice(m);
            b.slots.push(Slot { score: s, off });
            let (slots, arena) = (&b.slots, &b.arena);
            b.index.insert_unique(hash(m), id, |&x| {
                hash(member_at(arena, slots[x as usize].off))
            });
        }
        let ids: Vec<u32> = (0..b.slots.len() as u32).collect();
        b.tree = Tree::from_sorted(&ids);
        b
    }

    fn len(&self) -> usize {
        self.tree.len()
    }

    fn member(&self, id: u32) -> &[u8] {
        member_at(&self.arena, self.slots[id as usize].off)
    }

    fn entry(&self, id: u32) -> (&[u8], f64) {
        let s = self.slots[id as usize];
        (member_at(&self.arena, s.off), s.score)
    }

    fn find(&self, m: &[u8]) -> Option<u32> {
        let (slots, arena) = (&self.slots, &self.arena);
        self.index
            .find(hash(m), |&id| member_at(arena, slots[id as usize].off) == m)
            .copied()
    }

    /// Rank of a live slot.
    fn rank_of(&self, id: u32) -> usize {
        let (m, score) = self.entry(id);
        let (slots, arena) = (&self.slots, &self.arena);
        self.tree
            .partition_point(|x| slot_lt(slots, arena, x, score, m))
    }

    fn insert(&mut self, m: &[u8], score: f64) {
        let off = self.arena.len() as u64;
        put_varint(&mut self.arena, m.len());
        self.arena.extend_from_slice(m);
        let slot = Slot { score, off };
        let id = if self.free != NO_SLOT {
            let id = self.free;
            self.free = self.slots[id as usize].off as u32;
            self.slots[id as usize] = slot;
            id
        } else {
            self.slots.push(slot);
            self.slots.len() as u32 - 1
        };
        let Big {
            slots,
            arena,
            tree,
            index,
            ..
        } = self;
        let rank = tree.partition_point(|x| slot_lt(slots, arena, x, score, m));
        tree.insert(rank, id);
        index.insert_unique(hash(m), id, |&x| {
            hash(member_at(arena, slots[x as usize].off))
        });
    }

    /// Moves a member to a new score.
    fn update(&mut self, id: u32, score: f64) {
        let rank = self.rank_of(id);
        self.tree.remove(rank);
        self.slots[id as usize].score = score;
        let rank = self.rank_of(id);
        self.tree.insert(rank, id);
    }

    /// Drops slot `id` (already out of the tree) from the index and slab.
    fn release(&mut self, id: u32) {
        let (h, n) = {
            let m = self.member(id);
            (hash(m), m.len())
        };
        self.dead += varint_len(n) + n;
        if let Ok(e) = self.index.find_entry(h, |&x| x == id) {
            e.remove();
        }
        self.slots[id as usize] = Slot {
            score: f64::NAN,
            off: self.free as u64,
        };
        self.free = id;
    }

    fn remove(&mut self, m: &[u8]) -> Option<f64> {
        let id = self.find(m)?;
        let score = self.slots[id as usize].score;
        let rank = self.rank_of(id);
        self.tree.remove(rank);
        self.release(id);
        self.compact();
        Some(score)
    }

    fn remove_rank(&mut self, rank: usize) -> Option<(Box<[u8]>, f64)> {
        let id = self.tree.remove(rank)?;
        let (m, s) = self.entry(id);
        let out = (Box::from(m), s);
        self.release(id);
        Some(out)
    }

    /// Gives back removed members' arena bytes and an oversized index, in
    /// O(n) once at least half of the arena is garbage (amortised O(1)).
    fn compact(&mut self) {
        if self.dead < 4096 || self.dead * 2 < self.arena.len() {
            return;
        }
        let mut arena = Vec::with_capacity(self.arena.len() - self.dead);
        for s in self.slots.iter_mut().filter(|s| !s.score.is_nan()) {
            let m = member_at(&self.arena, s.off);
            s.off = arena.len() as u64;
            put_varint(&mut arena, m.len());
            arena.extend_from_slice(m);
        }
        self.arena = arena;
        self.dead = 0;
        if self.index.capacity() > 4 * self.index.len() + 64 {
            let (slots, arena) = (&self.slots, &self.arena);
            self.index
                .shrink_to_fit(|&x| hash(member_at(arena, slots[x as usize].off)));
        }
    }

    fn heap_size(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.arena.capacity()
            + self.index.capacity() * (std::mem::size_of::<u32>() + 1)
            + self.tree.heap_size()
    }
}

// ---------------------------------------------------------------- zset --

#[derive(Clone)]
enum Repr {
    Pack(Pack),
    Big(Box<Big>),
}

/// A sorted set (see the module documentation).
#[derive(Clone)]
pub struct ZSet {
    repr: Repr,
}

impl Default for ZSet {
    fn default() -> ZSet {
        ZSet::new()
    }
}

impl std::fmt::Debug for ZSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.encoding())?;
        f.debug_list()
            .entries(self.iter().map(|(m, s)| (String::from_utf8_lossy(m), s)))
            .finish()
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &ZSet) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl ZSet {
    /// An empty set in the compact encoding.
    pub fn new() -> ZSet {
        ZSet {
            repr: Repr::Pack(Pack::new()),
        }
    }

    /// An empty set in the large encoding.
    pub fn new_big() -> ZSet {
        ZSet {
            repr: Repr::Big(Box::new(Big::new())),
        }
    }

    /// A set from entries already in order and unique, compact when they
    /// fit the limits (Redis's zsetConvertToListpackIfNeeded).
    pub fn from_sorted<B: AsRef<[u8]>>(items: &[(B, f64)], limits: &Limits) -> ZSet {
        let it = items.iter().map(|(m, s)| (m.as_ref(), *s));
        let longest = items
            .iter()
            .map(|(m, _)| m.as_ref().len())
            .max()
            .unwrap_or(0);
        let total: usize = items.iter().map(|(m, _)| m.as_ref().len()).sum();
        if items.len() <= limits.zset_max_listpack_entries
            && longest <= limits.zset_max_listpack_value
            && total < PACK_SAFE_BYTES
        {
            ZSet {
                repr: Repr::Pack(Pack::from_sorted(it)),
            }
        } else {
            ZSet {
                repr: Repr::Big(Box::new(Big::from_sorted(it))),
            }
        }
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len as usize,
            Repr::Big(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING answers.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Big(_) => "skiplist",
        }
    }

    pub fn is_compact(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.buf.len(),
            Repr::Big(b) => std::mem::size_of::<Big>() + b.heap_size(),
        }
    }

    pub fn score(&self, m: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Pack(p) => p.find(m).map(|e| e.2),
            Repr::Big(b) => b.find(m).map(|id| b.slots[id as usize].score),
        }
    }

    /// 0-based rank of `m` in ascending order.
    pub fn rank(&self, m: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Pack(p) => p.entries().position(|e| e.1 == m),
            Repr::Big(b) => b.find(m).map(|id| b.rank_of(id)),
        }
    }

    /// The entry of rank `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Pack(p) => p.entries().nth(rank).map(|e| (e.1, e.2)),
            Repr::Big(b) => b.tree.get(rank).map(|id| b.entry(id)),
        }
    }

    /// Entries in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Entries from rank `rank` upwards, or downwards to rank 0 when `rev`.
    pub fn iter_from(&self, rank: usize, rev: bool) -> Iter<'_> {
        match &self.repr {
            Repr::Pack(p) => {
                if rank >= p.len as usize {
                    return Iter(IterInner::PackRev(&p.buf, Vec::new()));
                }
                if rev {
                    let offs = p.entries().take(rank + 1).map(|e| e.0 as u32).collect();
                    Iter(IterInner::PackRev(&p.buf, offs))
                } else {
                    Iter(IterInner::Pack(&p.buf, p.offset_of(rank)))
                }
            }
            Repr::Big(b) => Iter(IterInner::Big(b, b.tree.iter(rank, rev))),
        }
    }

    /// Converts to the large encoding (one way, as in Redis).
    fn convert(&mut self) {
        if let Repr::Pack(p) = &self.repr {
            let big = Big::from_sorted(p.entries().map(|e| (e.1, e.2)));
            self.repr = Repr::Big(Box::new(big));
        }
    }

    /// Adds a member known to be absent, converting first when the compact
    /// encoding would pass its limits.
    fn insert_new(&mut self, m: &[u8], score: f64, limits: &Limits) {
        if let Repr::Pack(p) = &self.repr {
            if p.len as usize + 1 > limits.zset_max_listpack_entries
                || m.len() > limits.zset_max_listpack_value
                || p.buf.len() + m.len() > PACK_SAFE_BYTES
            {
                self.convert();
            }
        }
        match &mut self.repr {
            Repr::Pack(p) => p.insert(m, score),
            Repr::Big(b) => b.insert(m, score),
        }
    }

    /// Adds or updates `m` as ZADD does with `flags` (Redis's zsetAdd).
    /// `score` must not be NaN.
    pub fn add(&mut self, m: &[u8], score: f64, flags: AddFlags, limits: &Limits) -> Added {
        if score.is_nan() {
            return Added::Nan;
        }
        match self.score(m) {
            Some(cur) => {
                if flags.nx {
                    return Added::Nop;
                }
                let mut new = score;
                if flags.incr {
                    new += cur;
                    if new.is_nan() {
                        return Added::Nan;
                    }
                }
                if (flags.lt && new >= cur) || (flags.gt && new <= cur) {
                    return Added::Nop;
                }
                if new == cur {
                    return Added::Same(new);
                }
                match &mut self.repr {
                    Repr::Pack(p) => {
                        p.remove(m);
                        p.insert(m, new);
                    }
                    Repr::Big(b) => {
                        if let Some(id) = b.find(m) {
                            b.update(id, new);
                        }
                    }
                }
                Added::Updated(new)
            }
            None if flags.xx => Added::Nop,
            None => {
                self.insert_new(m, score, limits);
                Added::Added(score)
            }
        }
    }

    /// Sets `m`'s score, adding it if absent.
    pub fn insert(&mut self, m: &[u8], score: f64, limits: &Limits) {
        self.add(m, score, AddFlags::default(), limits);
    }

    /// Removes `m`; whether it was there.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Pack(p) => p.remove(m).is_some(),
            Repr::Big(b) => b.remove(m).is_some(),
        }
    }

    /// Removes ranks `start..=end` (clamped); returns how many went.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        let len = self.len();
        if start >= len || start > end {
            return 0;
        }
        let end = end.min(len - 1);
        let n = end + 1 - start;
        match &mut self.repr {
            Repr::Pack(p) => p.remove_ranks(start, end),
            Repr::Big(b) if n == len => {
                **b = Big::new();
            }
            Repr::Big(b) => {
                for _ in 0..n {
                    if let Some(id) = b.tree.remove(start) {
                        b.release(id);
                    }
                }
                b.compact();
            }
        }
        n
    }

    /// Removes and returns the lowest (or highest) entry.
    pub fn pop(&mut self, max: bool) -> Option<(Box<[u8]>, f64)> {
        let len = self.len();
        let rank = if max { len.checked_sub(1)? } else { 0 };
        match &mut self.repr {
            Repr::Pack(p) => {
                let (m, s) = p.entries().nth(rank).map(|e| (Box::from(e.1), e.2))?;
                p.remove_ranks(rank, rank);
                Some((m, s))
            }
            Repr::Big(b) => {
                let r = b.remove_rank(rank);
                b.compact();
                r
            }
        }
    }

    /// Rank of the first entry whose score is in `r` (zslFirstInRange).
    pub fn first_in_score_range(&self, r: &ScoreRange) -> Option<usize> {
        self.first_in(&|_, s| r.gte_min(s), &|_, s| r.lte_max(s), r.is_void())
    }

    /// Rank of the last entry whose score is in `r` (zslLastInRange).
    pub fn last_in_score_range(&self, r: &ScoreRange) -> Option<usize> {
        self.last_in(&|_, s| r.gte_min(s), &|_, s| r.lte_max(s), r.is_void())
    }

    /// Rank of the first entry whose member is in `r` (zslFirstInLexRange).
    pub fn first_in_lex_range(&self, r: &LexRange) -> Option<usize> {
        self.first_in(&|m, _| r.gte_min(m), &|m, _| r.lte_max(m), r.is_void())
    }

    /// Rank of the last entry whose member is in `r` (zslLastInLexRange).
    pub fn last_in_lex_range(&self, r: &LexRange) -> Option<usize> {
        self.last_in(&|m, _| r.gte_min(m), &|m, _| r.lte_max(m), r.is_void())
    }

    /// Redis's IsInRange test: the range is possible and overlaps the
    /// first and last entries.
    fn may_hold(&self, gte: &dyn Fn(&[u8], f64) -> bool, lte: &dyn Fn(&[u8], f64) -> bool) -> bool {
        let (Some(first), Some(last)) = (self.get(0), self.get(self.len().wrapping_sub(1))) else {
            return false;
        };
        gte(last.0, last.1) && lte(first.0, first.1)
    }

    // The pack scans linearly from the matching end, as Redis's listpack
    // code does; the large form bisects (the two agree whenever the
    // predicate is monotone over the order, i.e. always for scores and for
    // lex ranges over equal scores).
    fn first_in(
        &self,
        gte: &dyn Fn(&[u8], f64) -> bool,
        lte: &dyn Fn(&[u8], f64) -> bool,
        void: bool,
    ) -> Option<usize> {
        if void || !self.may_hold(gte, lte) {
            return None;
        }
        let rank = match &self.repr {
            Repr::Pack(p) => p.entries().position(|e| gte(e.1, e.2))?,
            Repr::Big(b) => b.tree.partition_point(|id| {
                let (m, s) = b.entry(id);
                !gte(m, s)
            }),
        };
        let (m, s) = self.get(rank)?;
        lte(m, s).then_some(rank)
    }

    fn last_in(
        &self,
        gte: &dyn Fn(&[u8], f64) -> bool,
        lte: &dyn Fn(&[u8], f64) -> bool,
        void: bool,
    ) -> Option<usize> {
        if void || !self.may_hold(gte, lte) {
            return None;
        }
        let rank = match &self.repr {
            Repr::Pack(p) => p
                .entries()
                .enumerate()
                .filter(|(_, e)| lte(e.1, e.2))
                .map(|(i, _)| i)
                .last()?,
            Repr::Big(b) => b
                .tree
                .partition_point(|id| {
                    let (m, s) = b.entry(id);
                    lte(m, s)
                })
                .checked_sub(1)?,
        };
        let (m, s) = self.get(rank)?;
        gte(m, s).then_some(rank)
    }

    /// One ZSCAN step: calls `f` on some entries and returns the next
    /// cursor (0 when done). The compact encoding returns everything at
    /// once; the large one walks its slots, whose ids are stable, so a
    /// member present for the whole scan is returned exactly once.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Pack(_) => {
                for (m, s) in self.iter() {
                    f(m, s);
                }
                0
            }
            Repr::Big(b) => {
                let count = count.max(1);
                let mut pos = usize::try_from(cursor).unwrap_or(usize::MAX);
                let (mut seen, mut visited) = (0usize, 0usize);
                while pos < b.slots.len() && seen < count && visited < count.saturating_mul(10) {
                    let s = b.slots[pos];
                    if !s.score.is_nan() {
                        f(member_at(&b.arena, s.off), s.score);
                        seen += 1;
                    }
                    visited += 1;
                    pos += 1;
                }
                if pos >= b.slots.len() {
                    0
                } else {
                    pos as u64
                }
            }
        }
    }
}

/// Entries as (member, score); see [`ZSet::iter_from`].
pub struct Iter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Pack(&'a [u8], usize),
    /// Offsets still to visit, last first.
    PackRev(&'a [u8], Vec<u32>),
    Big(&'a Big, zset_tree::Iter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<(&'a [u8], f64)> {
        match &mut self.0 {
            IterInner::Pack(buf, off) => {
                let (m, s, next) = pack_entry(buf, *off)?;
                *off = next;
                Some((m, s))
            }
            IterInner::PackRev(buf, offs) => {
                let off = offs.pop()?;
                pack_entry(buf, off as usize).map(|(m, s, _)| (m, s))
            }
            IterInner::Big(b, it) => it.next().map(|id| b.entry(id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(entries: usize, value: usize) -> Limits {
        Limits {
            zset_max_listpack_entries: entries,
            zset_max_listpack_value: value,
            ..Limits::default()
        }
    }

    /// A naive model: a sorted Vec.
    #[derive(Default)]
    struct Model(Vec<(Vec<u8>, f64)>);

    impl Model {
        fn set(&mut self, m: &[u8], s: f64) {
            self.0.retain(|e| e.0 != m);
            self.0.push((m.to_vec(), s));
            self.0.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
        }
        fn remove(&mut self, m: &[u8]) -> bool {
            let n = self.0.len();
            self.0.retain(|e| e.0 != m);
            n != self.0.len()
        }
    }

    fn same(z: &ZSet, model: &Model) {
        assert_eq!(z.len(), model.0.len());
        let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        assert_eq!(got, model.0);
        if let Repr::Big(b) = &z.repr {
            b.tree.check();
            assert_eq!(b.index.len(), b.len());
        }
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn varints() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 40] {
            let mut v = Vec::new();
            put_varint(&mut v, n);
            assert_eq!(v.len(), varint_len(n));
            assert_eq!(get_varint(&v), Some((n, v.len())));
        }
        assert_eq!(get_varint(&[0x80]), None);
    }

    #[test]
    fn order_ties_by_member_and_zero_signs() {
        let l = Limits::default();
        let mut z = ZSet::new();
        z.insert(b"b", 1.0, &l);
        z.insert(b"a", 1.0, &l);
        z.insert(b"c", -0.0, &l);
        z.insert(b"d", f64::INFINITY, &l);
        z.insert(b"e", f64::NEG_INFINITY, &l);
        let order: Vec<&[u8]> = z.iter().map(|e| e.0).collect();
        assert_eq!(order, vec![&b"e"[..], b"c", b"a", b"b", b"d"]);
        // The pack stores -0 as 0, like a listpack.
        assert!(z.score(b"c").unwrap().is_sign_positive());
        let mut big = ZSet::new_big();
        big.insert(b"c", -0.0, &l);
        assert!(big.score(b"c").unwrap().is_sign_negative());
    }

    #[test]
    fn add_flags_follow_zsetadd() {
        let l = Limits::default();
        let mut z = ZSet::new();
        let f = |nx, xx, gt, lt, incr| AddFlags {
            nx,
            xx,
            gt,
            lt,
            incr,
        };
        assert_eq!(
            z.add(b"a", 1.0, f(false, true, false, false, false), &l),
            Added::Nop
        );
        assert_eq!(z.add(b"a", 1.0, AddFlags::default(), &l), Added::Added(1.0));
        assert_eq!(
            z.add(b"a", 5.0, f(true, false, false, false, false), &l),
            Added::Nop
        );
        assert_eq!(z.add(b"a", 1.0, AddFlags::default(), &l), Added::Same(1.0));
        assert_eq!(
            z.add(b"a", 0.5, f(false, false, true, false, false), &l),
            Added::Nop
        );
        assert_eq!(
            z.add(b"a", 2.0, f(false, false, true, false, false), &l),
            Added::Updated(2.0)
        );
        assert_eq!(
            z.add(b"a", 3.0, f(false, false, false, true, false), &l),
            Added::Nop
        );
        assert_eq!(
            z.add(b"a", 1.5, f(false, false, false, false, true), &l),
            Added::Updated(3.5)
        );
        z.insert(b"i", f64::INFINITY, &l);
        assert_eq!(
            z.add(
                b"i",
                f64::NEG_INFINITY,
                f(false, false, false, false, true),
                &l
            ),
            Added::Nan
        );
        assert_eq!(z.score(b"i"), Some(f64::INFINITY));
        assert_eq!(z.add(b"n", f64::NAN, AddFlags::default(), &l), Added::Nan);
    }

    #[test]
    fn converts_past_limits_and_never_back() {
        let l = limits(4, 8);
        let mut z = ZSet::new();
        for (i, m) in [b"a", b"b", b"c", b"d"].iter().enumerate() {
            z.insert(&m[..], i as f64, &l);
        }
        assert_eq!(z.encoding(), "listpack");
        z.insert(b"e", 9.0, &l);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"e");
        z.remove(b"d");
        assert_eq!(z.encoding(), "skiplist");
        let mut z = ZSet::new();
        z.insert(b"123456789", 1.0, &l);
        assert_eq!(z.encoding(), "skiplist");
        let l0 = limits(0, 64);
        let mut z = ZSet::new();
        z.insert(b"a", 1.0, &l0);
        assert_eq!(z.encoding(), "skiplist");
        // Built results fit or not as a whole.
        let items = vec![(b"x".to_vec(), 1.0), (b"y".to_vec(), 2.0)];
        assert_eq!(ZSet::from_sorted(&items, &l).encoding(), "listpack");
        assert_eq!(
            ZSet::from_sorted(&items, &limits(1, 64)).encoding(),
            "skiplist"
        );
    }

    #[test]
    fn both_encodings_match_a_model() {
        for (entries, seed) in [(1_000_000usize, 7u64), (0, 11), (16, 13)] {
            let l = limits(entries, 64);
            let mut rng = Rng(seed);
            let mut z = ZSet::new();
            let mut model = Model::default();
            for op in 0..6000 {
                let m = format!("m{}", rng.below(700)).into_bytes();
                match rng.below(10) {
                    0..=5 => {
                        let s = (rng.below(50) as f64) / 4.0 - 5.0;
                        z.insert(&m, s, &l);
                        model.set(&m, s);
                    }
                    6..=7 => assert_eq!(z.remove(&m), model.remove(&m)),
                    8 => {
                        let got = z.pop(rng.below(2) == 1);
                        assert_eq!(got.is_some(), !model.0.is_empty());
                        if let Some((m, _)) = got {
                            model.remove(&m);
                        }
                    }
                    _ => {
                        let len = model.0.len();
                        let a = rng.below(len + 2);
                        let b = a + rng.below(5);
                        let n = z.remove_range(a, b);
                        let want = if a < len { b.min(len - 1) + 1 - a } else { 0 };
                        assert_eq!(n, want);
                        if a < len {
                            model.0.drain(a..=b.min(len - 1));
                        }
                    }
                }
                if op % 300 == 0 {
                    same(&z, &model);
                    for (r, (m, s)) in model.0.iter().enumerate().step_by(7) {
                        assert_eq!(z.rank(m), Some(r));
                        assert_eq!(z.score(m), Some(*s));
                        assert_eq!(z.get(r), Some((&m[..], *s)));
                    }
                }
            }
            same(&z, &model);
        }
    }

    #[test]
    fn ranges() {
        let l = Limits::default();
        for big in [false, true] {
            let mut z = if big { ZSet::new_big() } else { ZSet::new() };
            for (i, m) in ["a", "b", "c", "d", "e"].iter().enumerate() {
                z.insert(m.as_bytes(), i as f64, &l);
            }
            let r = |min, max, minex, maxex| ScoreRange {
                min,
                max,
                minex,
                maxex,
            };
            assert_eq!(z.first_in_score_range(&r(1.0, 3.0, false, false)), Some(1));
            assert_eq!(z.last_in_score_range(&r(1.0, 3.0, false, false)), Some(3));
            assert_eq!(z.first_in_score_range(&r(1.0, 3.0, true, true)), Some(2));
            assert_eq!(z.last_in_score_range(&r(1.0, 3.0, true, true)), Some(2));
            assert_eq!(z.first_in_score_range(&r(1.5, 1.7, false, false)), None);
            assert_eq!(z.first_in_score_range(&r(3.0, 1.0, false, false)), None);
            assert_eq!(z.first_in_score_range(&r(2.0, 2.0, true, false)), None);
            assert_eq!(
                z.last_in_score_range(&r(f64::NEG_INFINITY, f64::INFINITY, false, false)),
                Some(4)
            );
            let lx = |min: LexBound, max: LexBound, minex, maxex| LexRange {
                min,
                max,
                minex,
                maxex,
            };
            let v = |s: &'static str| LexBound::Val(bytes::Bytes::from_static(s.as_bytes()));
            // Equal scores for lex ranges.
            let mut z = if big { ZSet::new_big() } else { ZSet::new() };
            for m in ["a", "b", "c", "d", "e"] {
                z.insert(m.as_bytes(), 0.0, &l);
            }
            assert_eq!(
                z.first_in_lex_range(&lx(v("b"), v("d"), false, true)),
                Some(1)
            );
            assert_eq!(
                z.last_in_lex_range(&lx(v("b"), v("d"), false, true)),
                Some(2)
            );
            assert_eq!(
                z.first_in_lex_range(&lx(LexBound::NegInf, LexBound::PosInf, true, true)),
                Some(0)
            );
            assert_eq!(
                z.first_in_lex_range(&lx(LexBound::NegInf, LexBound::NegInf, true, true)),
                None
            );
            assert_eq!(
                z.first_in_lex_range(&lx(v("bb"), v("bc"), false, false)),
                None
            );
            assert_eq!(
                z.first_in_lex_range(&lx(v("z"), LexBound::PosInf, false, true)),
                None
            );
            let rev: Vec<&[u8]> = z.iter_from(3, true).map(|e| e.0).collect();
            assert_eq!(rev, vec![&b"d"[..], b"c", b"b", b"a"]);
            let fwd: Vec<&[u8]> = z.iter_from(3, false).map(|e| e.0).collect();
            assert_eq!(fwd, vec![&b"d"[..], b"e"]);
            assert_eq!(z.iter_from(5, false).count(), 0);
        }
    }

    #[test]
    fn big_scan_visits_every_live_member_once() {
        let l = limits(0, 64);
        let mut z = ZSet::new();
        for i in 0..1000 {
            z.insert(format!("m{i}").as_bytes(), i as f64, &l);
        }
        for i in (0..1000).step_by(3) {
            z.remove(format!("m{i}").as_bytes());
        }
        let mut seen = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = z.scan(cursor, 10, |m, _| seen.push(m.to_vec()));
            if cursor == 0 {
                break;
            }
        }
        seen.sort();
        let mut want: Vec<Vec<u8>> = z.iter().map(|e| e.0.to_vec()).collect();
        want.sort();
        assert_eq!(seen, want);
    }

    #[test]
    fn arena_compacts_under_churn() {
        let l = limits(0, 64);
        let mut z = ZSet::new();
        for round in 0..20 {
            for i in 0..2000 {
                z.insert(format!("member-{round}-{i}").as_bytes(), i as f64, &l);
            }
            for i in 0..2000 {
                assert!(z.remove(format!("member-{round}-{i}").as_bytes()));
            }
        }
        let Repr::Big(b) = &z.repr else {
            panic!("not big")
        };
        assert!(b.arena.len() < 64 * 1024, "{}", b.arena.len());
        assert!(b.slots.len() <= 2000);
    }

    #[test]
    fn equality_and_clone() {
        let l = Limits::default();
        let mut a = ZSet::new();
        a.insert(b"x", 1.0, &l);
        let mut b = ZSet::new_big();
        b.insert(b"x", 1.0, &l);
        assert_eq!(a, b);
        let c = b.clone();
        b.insert(b"y", 2.0, &l);
        assert_ne!(b, c);
        assert_eq!(c.len(), 1);
    }
}
