//! A shard: the part of the keyspace one executor owns outright — its
//! databases (each with its TTL wheel) and its counters. Everything here is
//! synchronous and single-threaded; the executor owns it through a RefCell
//! that is never held across an await.

pub mod blocked;
pub mod hash;
pub mod index;
pub mod intset;
pub mod locks;
pub mod set;
pub mod small;
pub mod store;
pub mod stream;
pub mod ttl;
pub mod value;
pub mod watch;
pub mod zset;
pub mod zset_tree;

pub use small::SmallBytes;
pub use store::{Db, Entry, Found};
pub use value::{StrValue, Value};

use crate::error::Error;

/// Counters INFO reports, per shard (summed over shards by INFO).
#[derive(Debug, Default, Clone)]
pub struct ShardStats {
    pub expired_keys: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    /// Writes since the last save (INFO rdb_changes_since_last_save).
    pub dirty: u64,
}

/// Encoding thresholds from the config (`hash-max-listpack-entries` ...),
/// copied into every shard and refreshed when CONFIG SET changes them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub list_max_listpack_size: i32,
    pub stream_node_max_bytes: usize,
    pub stream_node_max_entries: usize,
}

impl Limits {
    pub fn from_config(c: &crate::config::Config) -> Limits {
        Limits {
            hash_max_listpack_entries: c.hash_max_listpack_entries,
            hash_max_listpack_value: c.hash_max_listpack_value,
            set_max_intset_entries: c.set_max_intset_entries,
            zset_max_listpack_entries: c.zset_max_listpack_entries,
            zset_max_listpack_value: c.zset_max_listpack_value,
            list_max_listpack_size: c.list_max_listpack_size,
            stream_node_max_bytes: c.stream_node_max_bytes,
            stream_node_max_entries: c.stream_node_max_entries,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_config(&crate::config::Config::default())
    }
}

/// One shard of the keyspace.
pub struct Shard {
    pub id: usize,
    pub nshards: usize,
    pub dbs: Vec<Db>,
    pub stats: ShardStats,
    /// Whether the active expiry cycle runs (DEBUG SET-ACTIVE-EXPIRE).
    pub active_expire: bool,
    /// Encoding thresholds (listpack / intset sizes).
    pub limits: Limits,
    /// Keys clients WATCH on this shard.
    pub watch: watch::WatchTable,
    /// Clients blocked on keys here (BLPOP ...).
    pub blocked: blocked::BlockTable,
    /// With persistence on: the records this shard's work produced and
    /// the keys the current work touched (aof/log.rs).
    pub aof: Option<crate::aof::log::AofLog>,
    /// When Some, every modified key is also recorded here: a scratch shard
    /// running a cross-shard command reports what it changed (router's gather).
    pub log: Option<Vec<(usize, Box<[u8]>)>>,
    /// (db, position) of values lent to a cross-shard command: a
    /// placeholder holds their place until the write-back.
    pub lent: Vec<(usize, u32)>,
    rng: u64,
}

impl Shard {
    pub fn new(id: usize, nshards: usize, databases: usize, now_ms: u64) -> Shard {
        Shard {
            id,
            nshards,
            dbs: (0..databases.max(1)).map(|_| Db::new(now_ms)).collect(),
            stats: ShardStats::default(),
            active_expire: true,
            limits: Limits::default(),
            watch: Default::default(),
            blocked: Default::default(),
            aof: None,
            log: None,
            lent: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15 ^ ((id as u64 + 1) * 0x1000_0000_01b3) ^ now_ms,
        }
    }

    /// A pseudo-random number (xorshift64*); for RANDOMKEY and friends.
    pub fn random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Runs active expiry over every db with at most `budget` removals in
    /// all; returns whether more keys are due.
    pub fn expire_cycle(&mut self, now: u64, budget: usize) -> bool {
        if !self.active_expire {
            return false;
        }
        let mut more = false;
        let mut expired = Vec::new();
        let mut total = 0;
        for (d, db) in self.dbs.iter_mut().enumerate() {
            let left = budget.saturating_sub(total);
            if left == 0 {
                more |= db.next_expiry().is_some_and(|t| t <= now);
                continue;
            }
            expired.clear();
            more |= db.expire_due(now, left, &mut expired);
            total += expired.len();
            if let Some(a) = &mut self.aof {
                for k in &expired {
                    a.expired(d, k);
                }
            }
            if !self.watch.is_empty() {
                for k in &expired {
                    self.watch.touch(d, k, false);
                }
            }
        }
        self.stats.expired_keys += total as u64;
        more
    }

    /// The earliest time any db has expiry work.
    pub fn next_expiry(&self) -> Option<u64> {
        self.dbs.iter().filter_map(|d| d.next_expiry()).min()
    }
}

/// What a handler runs against: one shard, the client's selected db, and
/// the time the command started (Redis caches it per command too).
pub struct Ctx<'a> {
    pub shard: &'a mut Shard,
    pub db: usize,
    pub now: u64,
}

impl<'a> Ctx<'a> {
    pub fn new(shard: &'a mut Shard, db: usize, now: u64) -> Ctx<'a> {
        Ctx { shard, db, now }
    }

    #[inline]
    pub fn db(&mut self) -> &mut Db {
        let i = self.db.min(self.shard.dbs.len() - 1);
        let db = &mut self.shard.dbs[i];
        // Entries written by this command get this LRU stamp (OBJECT IDLETIME).
        db.clock = ((self.now / 1000) as u32).max(1);
        db
    }

    /// Looks up a live key, counting hits and misses and expiring lazily.
    #[inline]
    pub fn lookup(&mut self, key: &[u8]) -> Option<u32> {
        let now = self.now;
        match self.db().lookup(key, now) {
            Found::Live(i) => Some(i),
            Found::Expired => {
                self.shard.stats.expired_keys += 1;
                if let Some(a) = &mut self.shard.aof {
                    a.expired(self.db, key);
                }
                self.signal(key);
                None
            }
            Found::Missing => None,
        }
    }

    /// Looks up a key for reading (counted in keyspace hits/misses).
    #[inline]
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<u32> {
        let r = self.lookup(key);
        if r.is_some() {
            self.shard.stats.keyspace_hits += 1;
        } else {
            self.shard.stats.keyspace_misses += 1;
        }
        r
    }

    /// The string stored at `key`: Ok(None) if missing, WRONGTYPE if another type.
    pub fn get_str(&mut self, key: &[u8]) -> Result<Option<&mut StrValue>, Error> {
        match self.lookup_read(key) {
            None => Ok(None),
            Some(i) => {
                let db = self.db();
                let clock = db.clock;
                let e = db.entry_mut(i);
                // A string read or update is an access (Redis's lookupKey touches).
                e.lru = clock;
                match &mut e.value {
                    Value::Str(s) => Ok(Some(s)),
                    _ => Err(Error::WrongType),
                }
            }
        }
    }

    /// Records `n` changes that touched no particular key (INFO's
    /// rdb_changes_since_last_save).
    #[inline]
    pub fn dirty(&mut self, n: u64) {
        self.shard.stats.dirty += n;
    }

    /// Records a write that changed `key` (Redis's signalModifiedKey plus
    /// `n` changes): its watchers' transactions will fail.
    #[inline]
    pub fn modified(&mut self, key: &[u8], n: u64) {
        self.shard.stats.dirty += n;
        self.signal(key);
    }

    /// Signals that `key` changed (was written, deleted or expired).
    #[inline]
    pub fn signal(&mut self, key: &[u8]) {
        if let Some(log) = &mut self.shard.log {
            log.push((self.db, key.into()));
        }
        if !self.shard.watch.is_empty() {
            let exists = self.db().find(key).is_some();
            let db = self.db;
            self.shard.watch.touch(db, key, exists);
        }
        if !self.shard.blocked.is_empty() {
            self.shard.blocked.signal(self.db, key);
        }
        if let Some(a) = &mut self.shard.aof {
            a.touch(self.db, key);
        }
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
