//! Clients blocked on this shard's keys (BLPOP, BZPOPMIN, XREAD BLOCK ...).
//!
//! A blocked client never holds a shard: it waits on its own executor, and
//! each shard owning one of its keys keeps an entry here, per key, in
//! arrival order. A write that signals a key with waiters marks it ready;
//! right after the command (Redis: after the call, before the next one) the
//! executor serves the waiters of every ready key in FIFO order by running
//! the blocking command's own non-blocking handler for them, and sends each
//! reply to the waiter's executor.
//!
//! One waiter can sit on keys of several shards: its `state` (shared by all
//! of them and the client) decides who gets it, by compare-and-swap:
//! `UNARMED` (registered, the client is still trying the keys itself; a
//! shard only notes `SIGNALLED`), `ARMED` (a shard may serve it), `SERVING`
//! (a shard is running the handler for it, a few microseconds), `DONE`
//! (served, timed out, unblocked or gone; entries left behind are dropped
//! lazily or by the client's unregister message).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::locks::{KeyRef, LockKey};
use crate::cmd::table::{CommandSpec, Handler};

pub const UNARMED: u8 = 0;
pub const SIGNALLED: u8 = 1;
pub const ARMED: u8 = 2;
pub const SERVING: u8 = 3;
pub const DONE: u8 = 4;

/// The part of a blocked client every shard and the client share.
#[derive(Debug)]
pub struct Waiter {
    /// Unique over the process (unregistering finds entries by it).
    pub id: u64,
    /// The executor the client lives on, and the token its reply slot waits under.
    pub home: usize,
    pub token: u64,
    pub state: AtomicU8,
}

impl Waiter {
    pub fn new(home: usize, token: u64, state: u8) -> Arc<Waiter> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(Waiter {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            home,
            token,
            state: AtomicU8::new(state),
        })
    }

    #[inline]
    pub fn state(&self) -> u8 {
        self.state.load(Ordering::Acquire)
    }

    /// Moves the state from `from` to `to`; false if it was something else.
    #[inline]
    pub fn cas(&self, from: u8, to: u8) -> bool {
        self.state
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// What a shard needs to serve a waiter: the command as it will run here.
pub struct Blocked {
    pub waiter: Arc<Waiter>,
    pub spec: &'static CommandSpec,
    pub handler: Handler,
    pub db: usize,
    /// The command, with ids rewritten for this shard's keys (XREAD `$`).
    pub argv: Vec<Bytes>,
    /// Whether the handler may run here: false when serving would touch
    /// keys on other shards (BLMOVE to another shard's list); the client
    /// is then woken to retry through the cross-shard path.
    pub serve_here: bool,
}

/// This shard's blocked clients by key, and the keys made ready since the
/// last serving pass.
#[derive(Default)]
pub struct BlockTable {
    by_key: hashbrown::HashMap<LockKey, VecDeque<Arc<Blocked>>>,
    ready: Vec<LockKey>,
    /// Ready keys a transaction holds: served when it releases.
    deferred: Vec<LockKey>,
}

impl BlockTable {
    /// No client waits on any key here (the hot path's only check).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Whether a serving pass has work.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Adds `b` to the waiters of each of `keys` (in `b.db`).
    pub fn add(&mut self, b: Arc<Blocked>, keys: &[Bytes]) {
        for k in keys {
            let q = self
                .by_key
                .entry(LockKey {
                    db: b.db,
                    key: k.clone(),
                })
                .or_default();
            if !q.iter().any(|x| x.waiter.id == b.waiter.id) {
                q.push_back(b.clone());
            }
        }
    }

    /// Removes waiter `id` from `keys`.
    pub fn remove(&mut self, id: u64, db: usize, keys: &[Bytes]) {
        for k in keys {
            let kr = KeyRef { db, key: k };
            if let Some(q) = self.by_key.get_mut(&kr) {
                q.retain(|b| b.waiter.id != id);
                if q.is_empty() {
                    self.by_key.remove(&kr);
                }
            }
        }
    }

    /// A key changed: if someone waits on it, it is ready.
    #[inline]
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        let kr = KeyRef { db, key };
        if let Some((k, _)) = self.by_key.get_key_value(&kr) {
            if !self.ready.contains(k) {
                self.ready.push(k.clone());
            }
        }
    }

    /// The next ready key, oldest first.
    pub fn next_ready(&mut self) -> Option<LockKey> {
        if self.ready.is_empty() {
            None
        } else {
            Some(self.ready.remove(0))
        }
    }

    /// Puts a ready key aside until the transaction holding it releases.
    pub fn defer(&mut self, k: LockKey) {
        if !self.deferred.contains(&k) {
            self.deferred.push(k);
        }
    }

    /// Makes the deferred keys ready again; whether there were any.
    pub fn undefer(&mut self) -> bool {
        if self.deferred.is_empty() {
            return false;
        }
        for k in std::mem::take(&mut self.deferred) {
            if !self.ready.contains(&k) {
                self.ready.push(k);
            }
        }
        true
    }

    /// The waiters of `k` in arrival order (a snapshot: serving changes the table).
    pub fn waiters(&mut self, k: &LockKey) -> Vec<Arc<Blocked>> {
        match self.by_key.get_mut(k) {
            Some(q) => {
                // Entries whose waiter is done (served elsewhere, timed out)
                // go now.
                q.retain(|b| b.waiter.state() != DONE);
                let v: Vec<_> = q.iter().cloned().collect();
                if q.is_empty() {
                    self.by_key.remove(k);
                }
                v
            }
            None => Vec::new(),
        }
    }

    /// Drops `id`'s entry under `k` (it was served there).
    pub fn served(&mut self, k: &LockKey, id: u64) {
        if let Some(q) = self.by_key.get_mut(k) {
            q.retain(|b| b.waiter.id != id);
            if q.is_empty() {
                self.by_key.remove(k);
            }
        }
    }

    /// Number of (key, waiter) entries (INFO, tests).
    pub fn entries(&self) -> usize {
        self.by_key.values().map(|q| q.len()).sum()
    }

    /// Number of keys with waiters.
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(w: Arc<Waiter>) -> Arc<Blocked> {
        let spec = crate::cmd::table::lookup(b"lpop").unwrap();
        Arc::new(Blocked {
            waiter: w,
            spec,
            handler: spec.handler().unwrap(),
            db: 0,
            argv: Vec::new(),
            serve_here: true,
        })
    }

    #[test]
    fn fifo_per_key_ready_once_and_removal() {
        let mut t = BlockTable::default();
        assert!(t.is_empty());
        let a = Waiter::new(0, 1, ARMED);
        let b = Waiter::new(0, 2, ARMED);
        let (k1, k2) = (Bytes::from_static(b"k1"), Bytes::from_static(b"k2"));
        t.add(blocked(a.clone()), &[k1.clone(), k2.clone()]);
        t.add(blocked(b.clone()), std::slice::from_ref(&k1));
        t.add(blocked(b.clone()), std::slice::from_ref(&k1));
        assert_eq!(t.entries(), 3);
        t.signal(0, b"k1");
        t.signal(0, b"k1");
        t.signal(1, b"k1");
        t.signal(0, b"nobody");
        let k = t.next_ready().unwrap();
        assert!(t.next_ready().is_none());
        let order: Vec<u64> = t.waiters(&k).iter().map(|x| x.waiter.id).collect();
        assert_eq!(order, vec![a.id, b.id]);
        // A waiter done elsewhere disappears at the next look.
        a.state.store(DONE, Ordering::Release);
        assert_eq!(t.waiters(&k).len(), 1);
        t.served(&k, b.id);
        assert_eq!(t.keys(), 1);
        t.remove(a.id, 0, &[k2]);
        assert!(t.is_empty());
    }

    #[test]
    fn deferred_keys_come_back() {
        let mut t = BlockTable::default();
        let k = LockKey {
            db: 0,
            key: Bytes::from_static(b"k"),
        };
        assert!(!t.undefer());
        t.defer(k.clone());
        t.defer(k.clone());
        assert!(!t.has_ready());
        assert!(t.undefer());
        assert_eq!(t.next_ready(), Some(k));
        assert!(!t.has_ready());
    }

    #[test]
    fn states_move_by_cas_only_from_the_expected_one() {
        let w = Waiter::new(1, 7, UNARMED);
        assert!(!w.cas(ARMED, SERVING));
        assert!(w.cas(UNARMED, SIGNALLED));
        assert!(!w.cas(UNARMED, ARMED));
        assert_eq!(w.state(), SIGNALLED);
    }
}
