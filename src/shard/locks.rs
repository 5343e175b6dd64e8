//! Intent locks of one shard (DESIGN §5; docs/transactions.md).
//!
//! Every transaction has an id from one global counter. A shard keeps, per
//! locked key, the transactions holding an intent on it, ordered by id, and
//! a transaction may run here once no transaction with a smaller id holds
//! a conflicting intent (two intents conflict unless both are shared).
//! Whole-shard intents (FLUSHALL, KEYS, a MULTI block with keyless
//! commands) conflict with key intents the same way.
//!
//! Deadlock freedom: a transaction only ever waits for transactions with
//! smaller ids, on every shard, so the waits-for graph has no cycle. The
//! one way a shard could be asked to break that order — a transaction
//! arriving after a conflicting one with a bigger id was already granted
//! here — is refused (`Rejected`); the coordinator releases what it holds
//! and retries with a fresh, bigger id.
//!
//! Nothing here blocks: a waiting transaction keeps a waker that `release`
//! wakes once it is runnable. The table is empty except while transactions
//! are in flight, and single-shard commands check `is_empty()` first.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use bytes::Bytes;
use hashbrown::Equivalent;

/// A transaction id: bigger = later in the global order.
pub type TxId = u64;

static NEXT_TX: AtomicU64 = AtomicU64::new(1);

/// A fresh transaction id (one atomic add; only contended paths take one).
pub fn next_id() -> TxId {
    NEXT_TX.fetch_add(1, Ordering::Relaxed)
}

/// A key in a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockKey {
    pub db: usize,
    pub key: Bytes,
}

impl Hash for LockKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.db.hash(h);
        self.key[..].hash(h);
    }
}

/// A borrowed `LockKey`, for lookups without copying the key.
#[derive(PartialEq, Eq)]
pub struct KeyRef<'a> {
    pub db: usize,
    pub key: &'a [u8],
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.db.hash(h);
        self.key.hash(h);
    }
}

impl Equivalent<LockKey> for KeyRef<'_> {
    fn equivalent(&self, k: &LockKey) -> bool {
        self.db == k.db && self.key == &k.key[..]
    }
}

/// What a transaction locks on one shard.
#[derive(Clone, Debug, Default)]
pub struct LockSet {
    /// Keys, each shared (false) or exclusive (true).
    pub keys: Vec<(LockKey, bool)>,
    /// The whole shard: None, shared (Some(false)) or exclusive (Some(true)).
    pub global: Option<bool>,
    /// Position of each key in `keys`, once there are many.
    index: Option<hashbrown::HashMap<LockKey, usize>>,
}

impl LockSet {
    /// Adds a key; an exclusive intent wins over a shared one on the same key.
    pub fn add(&mut self, db: usize, key: Bytes, excl: bool) {
        // Small sets (the usual case) search linearly; big ones (squashed
        // pipelines, EXEC blocks) keep an index so adding stays O(1).
        if self.keys.len() >= 16 && self.index.is_none() {
            let mut idx = hashbrown::HashMap::with_capacity(self.keys.len() * 2);
            for (i, (k, _)) in self.keys.iter().enumerate() {
                idx.insert(k.clone(), i);
            }
            self.index = Some(idx);
        }
        let found = match &self.index {
            Some(idx) => idx.get(&KeyRef { db, key: &key[..] }).copied(),
            None => self
                .keys
                .iter()
                .position(|(k, _)| k.db == db && k.key == key),
        };
        if let Some(i) = found {
            self.keys[i].1 |= excl;
            return;
        }
        let k = LockKey { db, key };
        if let Some(idx) = &mut self.index {
            idx.insert(k.clone(), self.keys.len());
        }
        self.keys.push((k, excl));
    }

    /// Adds a whole-shard intent.
    pub fn add_global(&mut self, excl: bool) {
        self.global = Some(self.global.unwrap_or(false) | excl);
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.global.is_none()
    }

    /// Whether any intent is exclusive (how the set meets a whole-shard intent).
    fn any_excl(&self) -> bool {
        self.global == Some(true) || self.keys.iter().any(|(_, x)| *x)
    }
}

#[derive(Clone, Copy, Debug)]
struct Holder {
    id: TxId,
    excl: bool,
}

struct TxEntry {
    set: LockSet,
    granted: bool,
    waker: Option<Waker>,
}

/// Scheduling refused: a conflicting transaction with a bigger id already
/// runs here. The caller retries with a new id.
#[derive(Debug, PartialEq)]
pub struct Rejected;

/// One shard's intent locks.
#[derive(Default)]
pub struct LockTable {
    keys: hashbrown::HashMap<LockKey, Vec<Holder>>,
    global: Vec<Holder>,
    txs: BTreeMap<TxId, TxEntry>,
}

fn conflict(a: bool, b: bool) -> bool {
    a || b
}

fn insert_sorted(list: &mut Vec<Holder>, h: Holder) {
    let at = list.partition_point(|x| x.id < h.id);
    list.insert(at, h);
}

impl LockTable {
    /// No transaction is scheduled here: nothing can block.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Whether a command outside any transaction touching `keys` (and the
    /// whole shard when `global`) must wait: some transaction holds a
    /// conflicting intent.
    pub fn blocks<'a>(
        &self,
        keys: impl IntoIterator<Item = KeyRef<'a>>,
        global: bool,
        write: bool,
    ) -> bool {
        if self.txs.is_empty() {
            return false;
        }
        if self.global.iter().any(|h| conflict(h.excl, write)) {
            return true;
        }
        if global {
            return self
                .keys
                .values()
                .flatten()
                .any(|h| conflict(h.excl, write));
        }
        keys.into_iter().any(|k| {
            self.keys
                .get(&k)
                .is_some_and(|l| l.iter().any(|h| conflict(h.excl, write)))
        })
    }

    /// Schedules transaction `id`. Ok(true): it may run now; Ok(false): it
    /// waits (see `granted`, `set_waker`); Err: out of order, retry.
    pub fn schedule(&mut self, id: TxId, set: LockSet) -> Result<bool, Rejected> {
        let granted_after = |h: &Holder, excl: bool, txs: &BTreeMap<TxId, TxEntry>| {
            h.id > id && conflict(h.excl, excl) && txs.get(&h.id).is_some_and(|e| e.granted)
        };
        let any_excl = set.any_excl();
        for (k, excl) in &set.keys {
            if let Some(l) = self.keys.get(k) {
                if l.iter().any(|h| granted_after(h, *excl, &self.txs)) {
                    return Err(Rejected);
                }
            }
        }
        if self
            .global
            .iter()
            .any(|h| granted_after(h, any_excl, &self.txs))
        {
            return Err(Rejected);
        }
        if let Some(gx) = set.global {
            if self
                .keys
                .values()
                .flatten()
                .any(|h| granted_after(h, gx, &self.txs))
            {
                return Err(Rejected);
            }
        }
        for (k, excl) in &set.keys {
            insert_sorted(
                self.keys.entry(k.clone()).or_default(),
                Holder { id, excl: *excl },
            );
        }
        if let Some(gx) = set.global {
            insert_sorted(&mut self.global, Holder { id, excl: gx });
        }
        self.txs.insert(
            id,
            TxEntry {
                set,
                granted: false,
                waker: None,
            },
        );
        let ok = self.runnable(id);
        if let Some(e) = self.txs.get_mut(&id) {
            e.granted = ok;
        }
        Ok(ok)
    }

    /// No smaller id holds a conflicting intent on anything `id` locks.
    fn runnable(&self, id: TxId) -> bool {
        let Some(e) = self.txs.get(&id) else {
            return false;
        };
        let before = |l: &Vec<Holder>, excl: bool| {
            l.iter()
                .take_while(|h| h.id < id)
                .any(|h| conflict(h.excl, excl))
        };
        for (k, excl) in &e.set.keys {
            if self.keys.get(k).is_some_and(|l| before(l, *excl)) {
                return false;
            }
        }
        if before(&self.global, e.set.any_excl()) {
            return false;
        }
        if let Some(gx) = e.set.global {
            if self.keys.values().any(|l| before(l, gx)) {
                return false;
            }
        }
        true
    }

    /// Some(granted) while `id` is scheduled here; None once released or cancelled.
    pub fn state(&self, id: TxId) -> Option<bool> {
        self.txs.get(&id).map(|e| e.granted)
    }

    /// The waker to wake when `id` becomes runnable or is cancelled.
    pub fn set_waker(&mut self, id: TxId, w: &Waker) {
        if let Some(e) = self.txs.get_mut(&id) {
            e.waker = Some(w.clone());
        }
    }

    /// Drops `id`'s intents (done, or cancelled before it ran) and returns
    /// the wakers of the transactions that became runnable, and of `id`
    /// itself if something waits on it.
    pub fn release(&mut self, id: TxId) -> Vec<Waker> {
        let mut wake = Vec::new();
        let Some(mut e) = self.txs.remove(&id) else {
            return wake;
        };
        if let Some(w) = e.waker.take() {
            wake.push(w);
        }
        for (k, _) in &e.set.keys {
            if let Some(l) = self.keys.get_mut(k) {
                l.retain(|h| h.id != id);
                if l.is_empty() {
                    self.keys.remove(k);
                }
            }
        }
        if e.set.global.is_some() {
            self.global.retain(|h| h.id != id);
        }
        // Only transactions queued on what was released can have become
        // runnable: those on its keys, or every waiting one if it held the
        // whole shard.
        let mut candidates: Vec<TxId> = if e.set.global.is_some() {
            self.txs
                .iter()
                .filter(|(_, t)| !t.granted)
                .map(|(id, _)| *id)
                .collect()
        } else {
            let mut c: Vec<TxId> = e
                .set
                .keys
                .iter()
                .filter_map(|(k, _)| self.keys.get(k))
                .flatten()
                .map(|h| h.id)
                .chain(self.global.iter().map(|h| h.id))
                .collect();
            c.sort_unstable();
            c.dedup();
            c
        };
        candidates.retain(|t| self.txs.get(t).is_some_and(|t| !t.granted));
        for t in candidates {
            if self.runnable(t) {
                if let Some(e) = self.txs.get_mut(&t) {
                    e.granted = true;
                    if let Some(w) = e.waker.take() {
                        wake.push(w);
                    }
                }
            }
        }
        wake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[(&'static str, bool)]) -> LockSet {
        let mut s = LockSet::default();
        for (k, x) in keys {
            s.add(0, Bytes::from_static(k.as_bytes()), *x);
        }
        s
    }

    fn kr(k: &str) -> KeyRef<'_> {
        KeyRef {
            db: 0,
            key: k.as_bytes(),
        }
    }

    #[test]
    fn conflicting_transactions_run_in_id_order() {
        let mut t = LockTable::default();
        assert_eq!(t.schedule(1, set(&[("a", true)])), Ok(true));
        assert_eq!(t.schedule(2, set(&[("a", true), ("b", true)])), Ok(false));
        assert_eq!(t.schedule(3, set(&[("b", false)])), Ok(false));
        assert_eq!(t.schedule(4, set(&[("c", true)])), Ok(true));
        t.release(1);
        assert_eq!(t.state(2), Some(true));
        assert_eq!(t.state(3), Some(false));
        t.release(2);
        assert_eq!(t.state(3), Some(true));
    }

    #[test]
    fn shared_intents_share() {
        let mut t = LockTable::default();
        assert_eq!(t.schedule(1, set(&[("a", false)])), Ok(true));
        assert_eq!(t.schedule(2, set(&[("a", false)])), Ok(true));
        assert!(!t.blocks([kr("a")], false, false));
        assert!(t.blocks([kr("a")], false, true));
        // A read arriving now queues behind the waiting writer.
        assert_eq!(t.schedule(3, set(&[("a", true)])), Ok(false));
        assert!(t.blocks([kr("a")], false, false));
        assert!(!t.blocks([kr("z")], false, true));
    }

    #[test]
    fn a_smaller_id_goes_before_waiting_bigger_ones() {
        let mut t = LockTable::default();
        assert_eq!(t.schedule(5, set(&[("a", true)])), Ok(true));
        assert_eq!(t.schedule(9, set(&[("a", true)])), Ok(false));
        // 7 arrives late: 9 has not run, so 7 slots in before it.
        assert_eq!(t.schedule(7, set(&[("a", true)])), Ok(false));
        t.release(5);
        assert_eq!(t.state(7), Some(true));
        assert_eq!(t.state(9), Some(false));
    }

    #[test]
    fn out_of_order_behind_a_granted_bigger_id_is_rejected() {
        let mut t = LockTable::default();
        assert_eq!(t.schedule(9, set(&[("a", true)])), Ok(true));
        assert_eq!(t.schedule(7, set(&[("a", true)])), Err(Rejected));
        assert_eq!(t.state(7), None);
        // Not conflicting: fine in any order.
        assert_eq!(
            t.schedule(6, set(&[("a", false), ("b", true)])),
            Err(Rejected)
        );
        assert_eq!(t.schedule(6, set(&[("b", true)])), Ok(true));
    }

    #[test]
    fn big_sets_dedupe_through_their_index() {
        let mut s = LockSet::default();
        for round in 0..2 {
            for i in 0..40 {
                s.add(0, Bytes::from(format!("k{i}")), round == 1 && i % 2 == 0);
            }
        }
        s.add(1, Bytes::from_static(b"k0"), false);
        assert_eq!(s.keys.len(), 41);
        assert!(s.keys[0].1 && !s.keys[1].1 && !s.keys[40].1);
    }

    #[test]
    fn global_intents() {
        let mut t = LockTable::default();
        assert_eq!(t.schedule(1, set(&[("a", true)])), Ok(true));
        let mut g = LockSet::default();
        g.add_global(false);
        assert_eq!(t.schedule(2, g), Ok(false));
        assert_eq!(t.schedule(3, set(&[("b", false)])), Ok(true));
        assert_eq!(t.schedule(4, set(&[("b", true)])), Ok(false));
        assert!(t.blocks([kr("q")], false, true));
        assert!(!t.blocks([kr("q")], false, false));
        t.release(1);
        assert_eq!(t.state(2), Some(true));
        t.release(2);
        t.release(3);
        assert_eq!(t.state(4), Some(true));
        t.release(4);
        assert!(t.is_empty());
        assert!(!t.blocks([kr("a")], true, true));
    }
}
