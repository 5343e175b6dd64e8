//! One database of one shard: a slab of entries plus an index from key to
//! slab position (index.rs).
//!
//! Why a slab: an entry never moves once inserted (deletes leave a hole that
//! a later insert reuses), so a SCAN cursor can simply be a slab position and
//! a key present for the whole scan is never missed, whatever the index does
//! when it grows. The TTL wheel also refers to entries by position, so it
//! stores 12 bytes per key instead of a copy of the key.

use super::index::{self, Index};
use super::small::SmallBytes;
use super::ttl::Wheel;
use super::value::Value;

/// A key and its value, with expiry bookkeeping.
#[derive(Debug)]
pub struct Entry {
    pub key: SmallBytes,
    pub value: Value,
    /// Absolute expiry in ms since the epoch; 0 = persistent.
    pub expire_at: u64,
    /// When the TTL wheel will next look at this entry (0 = not scheduled).
    sched_at: u64,
    /// LRU clock (seconds, truncated) of the last access.
    pub lru: u32,
}

enum Slot {
    Used(Entry),
    /// A hole; holds the next free position (or NONE).
    Free(u32),
}

const NONE: u32 = u32::MAX;

/// One database.
pub struct Db {
    index: Index,
    slots: Vec<Slot>,
    free: u32,
    len: usize,
    expires: usize,
    wheel: Wheel,
    hasher: ahash::RandomState,
    /// The LRU clock (seconds, never 0) stamped on entries written now; set
    /// by the handler context before each command.
    pub clock: u32,
    /// AOF rewrite: positions below the cursor are in the new file already
    /// (and every change to them since is logged there); `NONE` when no
    /// rewrite runs. A fresh db (FLUSHDB) needs nothing serialised.
    rw_cursor: u32,
    /// Positions at or past the cursor serialised early, because a command
    /// logged as its arguments was about to use them (aof/log.rs `before`).
    rw_early: hashbrown::HashSet<u32>,
}

/// What `lookup` found.
pub enum Found {
    Live(u32),
    /// The key had expired and was removed now (the caller logs a DEL).
    Expired,
    Missing,
}

impl Db {
    pub fn new(now_ms: u64) -> Db {
        Db {
            index: Index::new(),
            slots: Vec::new(),
            free: NONE,
            len: 0,
            expires: 0,
            wheel: Wheel::new(now_ms),
            hasher: ahash::RandomState::new(),
            clock: ((now_ms / 1000) as u32).max(1),
            rw_cursor: NONE,
            rw_early: hashbrown::HashSet::new(),
        }
    }

    /// A rewrite starts: nothing is serialised yet.
    pub fn rewrite_start(&mut self) {
        self.rw_cursor = 0;
        self.rw_early.clear();
    }

    /// The rewrite ended (done or abandoned).
    pub fn rewrite_stop(&mut self) {
        self.rw_cursor = NONE;
        self.rw_early = hashbrown::HashSet::new();
    }

    /// Whether the entry at `i` is not in the rewrite's new file yet.
    #[inline]
    pub fn rewrite_pending(&self, i: u32) -> bool {
        i >= self.rw_cursor && !self.rw_early.contains(&i)
    }

    /// The entry at `i` was serialised ahead of the cursor.
    pub fn rewrite_mark(&mut self, i: u32) {
        if i >= self.rw_cursor {
            self.rw_early.insert(i);
        }
    }

    /// Entries serialised ahead of the cursor, waiting for it.
    pub fn rewrite_early(&self) -> usize {
        self.rw_early.len()
    }

    /// One step of the rewrite's walk: visits up to `budget` positions from
    /// the cursor, handing `f` each entry not serialised yet; stops before a
    /// position `hold` refuses (a value lent to a cross-shard command).
    /// Returns true when the walk reached the end of the slab.
    pub fn rewrite_walk(
        &mut self,
        budget: usize,
        hold: impl Fn(u32) -> bool,
        mut f: impl FnMut(&Entry),
    ) -> bool {
        let end = self.slots.len() as u32;
        let mut visited = 0;
        while self.rw_cursor < end && visited < budget {
            let i = self.rw_cursor;
            if let Slot::Used(e) = &self.slots[i as usize] {
                if !self.rw_early.remove(&i) {
                    if hold(i) {
                        return false;
                    }
                    f(e);
                }
            }
            self.rw_cursor += 1;
            visited += 1;
        }
        if self.rw_cursor < end {
            return false;
        }
        // Walked: every key is in the new file, and every key made from
        // now on is logged there from its first write.
        self.rewrite_stop();
        true
    }

    /// Number of keys (expired-but-not-yet-removed ones included, as in Redis).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of keys with an expiry.
    pub fn expires(&self) -> usize {
        self.expires
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u32 {
        index::short(self.hasher.hash_one(key))
    }

    /// Position of `key`, ignoring expiry.
    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(self.hash(key), |i| match &slots[i as usize] {
                Slot::Used(e) => &*e.key == key,
                Slot::Free(_) => false,
            })
    }

    /// Starts bringing `key`'s index bucket into cache; returns the hash
    /// for `prefetch_entry`.
    #[inline]
    pub fn prefetch_bucket(&self, key: &[u8]) -> u32 {
        let h = self.hash(key);
        self.index.prefetch(h);
        h
    }

    /// The value of the entry `hash` most likely names (the one
    /// `prefetch_entry` fetched), without comparing keys: for prefetch
    /// hints, where a wrong guess only wastes a prefetch.
    #[inline]
    pub fn peek_candidate(&self, hash: u32) -> Option<&Value> {
        match self.slots.get(self.index.first_candidate(hash)? as usize) {
            Some(Slot::Used(e)) => Some(&e.value),
            _ => None,
        }
    }

    /// Starts bringing the entry `hash` most likely names into cache (its
    /// bucket should be there by now).
    #[inline]
    pub fn prefetch_entry(&self, hash: u32) {
        if let Some(Slot::Used(e)) = self
            .index
            .first_candidate(hash)
            .and_then(|i| self.slots.get(i as usize))
        {
            // An entry is 88 bytes: its key, value and expiry span two lines.
            let p = e as *const Entry as *const u8;
            index::prefetch_read(p);
            index::prefetch_read(p.wrapping_add(64));
        }
    }

    /// Position of `key` if it exists and has not expired at `now`; an
    /// expired key is removed (lazy expiry).
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now: u64) -> Found {
        match self.find(key) {
            None => Found::Missing,
            Some(i) => {
                let e = self.entry(i);
                if e.expire_at != 0 && e.expire_at <= now {
                    self.remove_at(i);
                    Found::Expired
                } else {
                    Found::Live(i)
                }
            }
        }
    }

    /// The entry at a position returned by `find`/`lookup`/`insert`.
    #[inline]
    pub fn entry(&self, i: u32) -> &Entry {
        match &self.slots[i as usize] {
            Slot::Used(e) => e,
            Slot::Free(_) => unreachable_free(),
        }
    }

    #[inline]
    pub fn entry_mut(&mut self, i: u32) -> &mut Entry {
        match &mut self.slots[i as usize] {
            Slot::Used(e) => e,
            Slot::Free(_) => unreachable_free(),
        }
    }

    fn get_slot(&self, i: u32) -> Option<&Entry> {
        match self.slots.get(i as usize) {
            Some(Slot::Used(e)) => Some(e),
            _ => None,
        }
    }

    /// Sets `key` to `value` with expiry `expire_at` (0 = none), replacing
    /// any existing value. Returns its position.
    pub fn insert(&mut self, key: &[u8], value: Value, expire_at: u64) -> u32 {
        let clock = self.clock;
        if let Some(i) = self.find(key) {
            let e = self.entry_mut(i);
            e.value = value;
            e.lru = clock;
            self.set_expire(i, expire_at);
            return i;
        }
        let entry = Entry {
            key: SmallBytes::new(key),
            value,
            expire_at: 0,
            sched_at: 0,
            lru: 0,
        };
        let i = self.alloc(entry);
        let hash = self.hash(key);
        self.index.insert(hash, i);
        self.len += 1;
        if expire_at != 0 {
            self.set_expire(i, expire_at);
        }
        i
    }

    fn alloc(&mut self, entry: Entry) -> u32 {
        if self.free != NONE {
            let i = self.free;
            if let Slot::Free(next) = self.slots[i as usize] {
                self.free = next;
            }
            self.slots[i as usize] = Slot::Used(entry);
            i
        } else {
            self.slots.push(Slot::Used(entry));
            (self.slots.len() - 1) as u32
        }
    }

    /// Changes the expiry of the entry at `i` (0 = persist).
    pub fn set_expire(&mut self, i: u32, expire_at: u64) {
        let e = self.entry_mut(i);
        let old = e.expire_at;
        e.expire_at = expire_at;
        // Schedule only when the wheel would otherwise look too late; an
        // earlier wheel visit reschedules to the true time then.
        let reschedule = expire_at != 0 && (e.sched_at == 0 || e.sched_at > expire_at);
        if reschedule {
            e.sched_at = expire_at;
        }
        match (old != 0, expire_at != 0) {
            (false, true) => self.expires += 1,
            (true, false) => self.expires -= 1,
            _ => {}
        }
        if reschedule {
            self.wheel.insert(i, expire_at);
        }
    }

    /// Removes `key`; returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let i = self.find(key)?;
        Some(self.remove_at(i))
    }

    /// Removes the entry at position `i`.
    pub fn remove_at(&mut self, i: u32) -> Entry {
        let hash = self.hash(&self.entry(i).key);
        self.index.remove(hash, i);
        let slot = std::mem::replace(&mut self.slots[i as usize], Slot::Free(self.free));
        self.free = i;
        self.len -= 1;
        let e = match slot {
            Slot::Used(e) => e,
            Slot::Free(_) => unreachable_free(),
        };
        if e.expire_at != 0 {
            self.expires -= 1;
        }
        // Trailing holes are given back so a shrinking db shrinks its slab.
        if self.len == 0 {
            self.slots.clear();
            self.free = NONE;
        }
        e
    }

    /// Deletes everything.
    pub fn clear(&mut self, now_ms: u64) {
        *self = Db::new(now_ms);
    }

    /// Active expiry: removes up to `budget` keys whose time has come, pushing
    /// their names to `expired`. Returns true when more are due.
    pub fn expire_due(&mut self, now: u64, budget: usize, expired: &mut Vec<Box<[u8]>>) -> bool {
        if self.wheel.is_empty() {
            return false;
        }
        let mut fired = Vec::new();
        let more = self.wheel.advance(now, budget, &mut fired);
        for (i, when) in fired {
            let Some(e) = self.get_slot(i) else { continue };
            if e.sched_at != when {
                continue; // stale: the entry was replaced or rescheduled
            }
            if e.expire_at == 0 {
                self.entry_mut(i).sched_at = 0;
            } else if e.expire_at <= now {
                let e = self.remove_at(i);
                expired.push(e.key.into());
            } else {
                let at = e.expire_at;
                self.entry_mut(i).sched_at = at;
                self.wheel.insert(i, at);
            }
        }
        more
    }

    /// The next time active expiry has work, if any.
    pub fn next_expiry(&self) -> Option<u64> {
        self.wheel.next_deadline()
    }

    /// Visits entries from slab position `cursor` on, until `f` returns false
    /// or `max_visits` positions were looked at. Returns the next cursor (0 at the end).
    pub fn scan(&self, cursor: u64, max_visits: usize, mut f: impl FnMut(&Entry) -> bool) -> u64 {
        let mut i = cursor as usize;
        let end = self.slots.len();
        let mut visited = 0;
        while i < end && visited < max_visits {
            if let Slot::Used(e) = &self.slots[i] {
                if !f(e) {
                    i += 1;
                    break;
                }
            }
            i += 1;
            visited += 1;
        }
        if i >= end {
            0
        } else {
            i as u64
        }
    }

    /// All live entries, in slab order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.slots.iter().filter_map(|s| match s {
            Slot::Used(e) => Some(e),
            Slot::Free(_) => None,
        })
    }

    /// A random entry position, or None when empty. `rnd` is a random number.
    pub fn random(&self, mut rnd: u64) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let n = self.slots.len() as u64;
        for _ in 0..64 {
            let i = (rnd % n) as u32;
            if self.get_slot(i).is_some() {
                return Some(i);
            }
            rnd = rnd
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                >> 1;
        }
        // Mostly holes: walk from a random start.
        let start = (rnd % n) as usize;
        (0..n as usize)
            .map(|k| ((start + k) % n as usize) as u32)
            .find(|&i| self.get_slot(i).is_some())
    }

    /// Approximate bytes used by the db's own structures.
    pub fn overhead_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>() + self.index.capacity() * 8
    }
}

#[cold]
fn unreachable_free() -> ! {
    // Positions handed out by find/lookup/insert always point at used slots;
    // reaching a hole is a bug in this module, not something input can cause.
    panic!("ringkv store: position refers to a free slot")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::value::StrValue;

    fn v(s: &str) -> Value {
        Value::Str(StrValue::from_bytes(s.as_bytes()))
    }

    #[test]
    fn insert_find_remove_reuse() {
        let mut db = Db::new(0);
        let a = db.insert(b"a", v("1"), 0);
        let b = db.insert(b"b", v("2"), 0);
        assert_eq!(db.len(), 2);
        assert_eq!(db.find(b"a"), Some(a));
        assert!(db.remove(b"a").is_some());
        assert_eq!(db.find(b"a"), None);
        let c = db.insert(b"c", v("3"), 0);
        assert_eq!(c, a, "hole reused");
        assert_eq!(db.find(b"b"), Some(b));
        assert_eq!(db.len(), 2);
    }

    #[test]
    fn lazy_and_active_expiry() {
        let mut db = Db::new(1000);
        db.insert(b"x", v("1"), 1500);
        db.insert(b"y", v("1"), 0);
        assert_eq!(db.expires(), 1);
        assert!(matches!(db.lookup(b"x", 1499), Found::Live(_)));
        assert!(matches!(db.lookup(b"x", 1500), Found::Expired));
        db.insert(b"z", v("1"), 2000);
        let mut out = Vec::new();
        db.expire_due(1999, 100, &mut out);
        assert!(out.is_empty());
        db.expire_due(2000, 100, &mut out);
        assert_eq!(out, vec![b"z".to_vec().into_boxed_slice()]);
        assert_eq!(db.len(), 1);
        assert_eq!(db.expires(), 0);
    }

    #[test]
    fn rescheduled_later_fires_at_new_time() {
        let mut db = Db::new(0);
        let i = db.insert(b"k", v("1"), 100);
        db.set_expire(i, 300);
        let mut out = Vec::new();
        db.expire_due(150, 100, &mut out);
        assert!(out.is_empty());
        db.expire_due(300, 100, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn scan_sees_every_stable_key_despite_growth() {
        let mut db = Db::new(0);
        for k in 0..1000 {
            db.insert(format!("k{k}").as_bytes(), v("1"), 0);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut extra = 0;
        loop {
            cursor = db.scan(cursor, 10, |e| {
                seen.insert(e.key.to_vec());
                true
            });
            // Churn between calls: the index grows several times over
            // (rehashing everything), and keys come and go.
            if extra < 20_000 {
                for _ in 0..400 {
                    db.insert(format!("n{extra}").as_bytes(), v("1"), 0);
                    extra += 1;
                }
                for k in (extra - 400..extra).step_by(2) {
                    db.remove(format!("n{k}").as_bytes());
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for k in 0..1000 {
            assert!(seen.contains(format!("k{k}").as_bytes()));
        }
    }
}
