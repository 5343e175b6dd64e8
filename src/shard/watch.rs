//! WATCH bookkeeping on one shard: which clients watch which keys of this
//! shard, and the flag each one's EXEC checks.
//!
//! Redis's rules (multi.c), kept here: a write that modifies a watched key
//! marks its watchers dirty; so does an expiry or a flush that deletes it.
//! A key that was already logically expired when it was watched ("stale")
//! is no change when it is finally deleted, and EXEC fails if a watched key
//! that was alive at WATCH time has expired since, even if nothing deleted
//! it yet.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::locks::{KeyRef, LockKey};

/// One client watching one key.
#[derive(Debug)]
pub struct Watcher {
    pub client: u64,
    /// The client's dirty flag (Redis's CLIENT_DIRTY_CAS), shared by every
    /// shard it watches keys on.
    pub flag: Arc<AtomicBool>,
    /// The key was logically expired when watched.
    pub expired: bool,
}

/// For SWAPDB: (exists, expired) of a key in the db's new contents.
pub type Replaced<'a> = dyn Fn(&[u8]) -> (bool, bool) + 'a;

/// Watched keys of one shard, by (db, key).
#[derive(Default, Debug)]
pub struct WatchTable {
    keys: hashbrown::HashMap<LockKey, Vec<Watcher>>,
}

impl WatchTable {
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Starts watching; a key the client already watches stays as it was.
    pub fn watch(
        &mut self,
        db: usize,
        key: Bytes,
        client: u64,
        flag: &Arc<AtomicBool>,
        expired: bool,
    ) {
        let list = self.keys.entry(LockKey { db, key }).or_default();
        if list.iter().any(|w| w.client == client) {
            return;
        }
        list.push(Watcher {
            client,
            flag: flag.clone(),
            expired,
        });
    }

    /// Stops `client` watching the given keys.
    pub fn unwatch(&mut self, client: u64, keys: &[(usize, Bytes)]) {
        for (db, key) in keys {
            let k = KeyRef { db: *db, key };
            if let Some(list) = self.keys.get_mut(&k) {
                list.retain(|w| w.client != client);
                if list.is_empty() {
                    self.keys.remove(&k);
                }
            }
        }
    }

    /// A key was modified or deleted; `exists` says whether it is in the db now.
    pub fn touch(&mut self, db: usize, key: &[u8], exists: bool) {
        let Some(list) = self.keys.get_mut(&KeyRef { db, key }) else {
            return;
        };
        for w in list.iter_mut() {
            if w.expired {
                // Deleted now: no logical change, and from here on it is an
                // ordinary watched key. Still there: Redis leaves it alone.
                if !exists {
                    w.expired = false;
                }
                continue;
            }
            w.flag.store(true, Ordering::Release);
        }
    }

    /// Db `db` is emptied (FLUSHDB/FLUSHALL, `replaced` None) or replaced by
    /// another db's contents (SWAPDB). `in_emptied(key)` says whether the key
    /// existed in the old contents; `replaced(key)` gives (exists, expired)
    /// in the new ones.
    pub fn touch_db(
        &mut self,
        db: usize,
        in_emptied: impl Fn(&[u8]) -> bool,
        replaced: Option<&Replaced<'_>>,
    ) {
        for (k, list) in self.keys.iter_mut() {
            if k.db != db {
                continue;
            }
            let existed = in_emptied(&k.key);
            let (exists_new, expired_new) = match replaced {
                Some(f) => f(&k.key),
                None => (false, false),
            };
            if !existed && !exists_new {
                continue;
            }
            for w in list.iter_mut() {
                if w.expired {
                    if !exists_new {
                        w.expired = false;
                        continue;
                    } else if expired_new {
                        continue;
                    }
                } else if !existed && expired_new {
                    // A missing key replaced by an already expired one.
                    w.expired = true;
                    continue;
                }
                w.flag.store(true, Ordering::Release);
            }
        }
    }

    /// Whether a key `client` watched alive has expired since (checked by
    /// EXEC: Redis fails the transaction even before the key is deleted).
    pub fn expired_since(
        &self,
        client: u64,
        keys: &[(usize, Bytes)],
        expired: impl Fn(usize, &[u8]) -> bool,
    ) -> bool {
        keys.iter().any(|(db, key)| {
            self.keys
                .get(&KeyRef { db: *db, key })
                .and_then(|l| l.iter().find(|w| w.client == client))
                .is_some_and(|w| !w.expired && expired(*db, key))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag() -> Arc<AtomicBool> {
        Arc::new(AtomicBool::new(false))
    }

    #[test]
    fn touch_marks_watchers_of_that_key_only() {
        let mut t = WatchTable::default();
        let (a, b) = (flag(), flag());
        t.watch(0, Bytes::from_static(b"k"), 1, &a, false);
        t.watch(0, Bytes::from_static(b"j"), 2, &b, false);
        t.touch(0, b"k", true);
        assert!(a.load(Ordering::Acquire));
        assert!(!b.load(Ordering::Acquire));
        t.touch(1, b"j", true);
        assert!(!b.load(Ordering::Acquire), "other db");
    }

    #[test]
    fn stale_key_deleted_is_no_change() {
        let mut t = WatchTable::default();
        let a = flag();
        t.watch(0, Bytes::from_static(b"k"), 1, &a, true);
        t.touch(0, b"k", false);
        assert!(!a.load(Ordering::Acquire));
        // Once deleted it is an ordinary watched key.
        t.touch(0, b"k", true);
        assert!(a.load(Ordering::Acquire));
    }

    #[test]
    fn flush_touches_only_existing_keys() {
        let mut t = WatchTable::default();
        let (a, b) = (flag(), flag());
        t.watch(0, Bytes::from_static(b"x"), 1, &a, false);
        t.watch(0, Bytes::from_static(b"y"), 2, &b, false);
        t.touch_db(0, |k| k == b"x", None);
        assert!(a.load(Ordering::Acquire));
        assert!(!b.load(Ordering::Acquire));
    }

    #[test]
    fn unwatch_removes() {
        let mut t = WatchTable::default();
        let a = flag();
        t.watch(0, Bytes::from_static(b"x"), 1, &a, false);
        t.unwatch(1, &[(0, Bytes::from_static(b"x"))]);
        assert!(t.is_empty());
        t.touch(0, b"x", true);
        assert!(!a.load(Ordering::Acquire));
    }
}
