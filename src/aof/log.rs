//! What a shard writes to its append-only file for each piece of work, and
//! how a file replays (docs/persistence.md, "Plan for the writer").
//!
//! Every change to a key goes through `Ctx::signal`; with logging on, the
//! shard notes the keys each piece of work touched. When the work ends,
//! [`finish`] turns it into records:
//!
//! - a command whose effect depends only on the prior state is logged as
//!   its arguments ([`Mode::Verbatim`]); one with a relative TTL is
//!   followed by the absolute expiry it left ([`Mode::Ttl`]);
//! - anything else (random or clock-dependent commands, values written
//!   back by a cross-shard command, closures run on the shard) is logged as
//!   the resulting state of each touched key: a snapshot of its value and
//!   expiry, or `DEL` ([`Mode::Snapshot`], the default: never wrong, only
//!   bigger);
//! - a key removed by lazy or active expiry is logged as `DEL` when it
//!   goes, before the record of the command that noticed it, because replay
//!   expires nothing (like Redis's loading mode).

use bytes::Bytes;

use super::record;
use super::value;
use crate::cmd::table::{self, CommandSpec};
use crate::shard::{Ctx, Shard};

/// The pseudo-command of a key snapshot record: `[SNAPSHOT, entry]`.
pub const SNAPSHOT: &[u8] = b"ringkv-snapshot";

/// How a write command is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Verbatim,
    Ttl,
    Snapshot,
    /// XADD: its arguments with the id it assigned in place of `*` (a
    /// trimming XADD is snapshotted: `~` depends on the node layout).
    Xadd,
}

/// Commands logged as their arguments: their effect is a function of the
/// prior state alone (blocking pops included: replay runs their
/// non-blocking form on the same state).
const VERBATIM: &[&str] = &[
    "setnx",
    "getset",
    "getdel",
    "mset",
    "msetnx",
    "append",
    "incr",
    "decr",
    "incrby",
    "decrby",
    "setrange",
    "del",
    "unlink",
    "rename",
    "renamenx",
    "copy",
    "move",
    "swapdb",
    "flushdb",
    "flushall",
    "persist",
    "rpush",
    "lpush",
    "rpushx",
    "lpushx",
    "lpop",
    "rpop",
    "lset",
    "linsert",
    "lrem",
    "ltrim",
    "lmove",
    "rpoplpush",
    "lmpop",
    "blpop",
    "brpop",
    "blmove",
    "brpoplpush",
    "blmpop",
    "hset",
    "hsetnx",
    "hmset",
    "hdel",
    "hincrby",
    "sadd",
    "srem",
    "smove",
    "sinterstore",
    "sunionstore",
    "sdiffstore",
    "zadd",
    "zincrby",
    "zrem",
    "zrangestore",
    "zpopmin",
    "zpopmax",
    "zmpop",
    "zremrangebyrank",
    "zremrangebyscore",
    "zremrangebylex",
    "zunionstore",
    "zinterstore",
    "zdiffstore",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "xdel",
    "xtrim",
    "xsetid",
    "xack",
    "xgroup|create",
    "xgroup|setid",
    "xgroup|destroy",
    "xgroup|delconsumer",
];

/// Commands logged as their arguments followed by what they left of each
/// key they touched: its absolute expiry when it has one, or DEL when a
/// time already past removed it (replay, expiring nothing, would keep it).
const TTL: &[&str] = &[
    "set",
    "setex",
    "psetex",
    "getex",
    "expire",
    "pexpire",
    "expireat",
    "pexpireat",
];

/// The mode of a command; anything not listed is snapshotted.
pub fn mode(spec: &CommandSpec) -> Mode {
    static MODES: std::sync::OnceLock<hashbrown::HashMap<&'static str, Mode>> =
        std::sync::OnceLock::new();
    let modes = MODES.get_or_init(|| {
        let v = VERBATIM.iter().map(|&n| (n, Mode::Verbatim));
        v.chain(TTL.iter().map(|&n| (n, Mode::Ttl)))
            .chain([("xadd", Mode::Xadd)])
            .collect()
    });
    modes.get(spec.name).copied().unwrap_or(Mode::Snapshot)
}

/// XADD's arguments with the id it assigned in place of the one given
/// (`*`, `ms-*`), when it did not trim.
fn xadd_with_id(dbs: &[crate::shard::Db], db: usize, argv: &[Bytes]) -> Option<Vec<Bytes>> {
    let mut p = 2;
    if argv
        .get(p)
        .is_some_and(|a| a.eq_ignore_ascii_case(b"nomkstream"))
    {
        p += 1;
    }
    let a = argv.get(p)?;
    if a.eq_ignore_ascii_case(b"maxlen") || a.eq_ignore_ascii_case(b"minid") {
        return None;
    }
    let d = dbs.get(db)?;
    let crate::shard::Value::Stream(st) = &d.entry(d.find(argv.get(1)?)?).value else {
        return None;
    };
    let mut out = argv.to_vec();
    out[p] = Bytes::from(format!("{}-{}", st.last_id.ms, st.last_id.seq));
    Some(out)
}

/// A shard's pending records and the keys the current work touched.
#[derive(Default)]
pub struct AofLog {
    /// Whole records not yet handed to the file.
    pub buf: Vec<u8>,
    touched: Touched,
    /// The shard's change counter at the last `finish`: keyless writes
    /// (FLUSHDB, SWAPDB) touch no key but count.
    dirty: u64,
    /// File position after everything logged so far, and after what is
    /// known to be on disk.
    appended: u64,
    synced: u64,
    /// The flusher, waiting for records; replies waiting for a sync.
    flusher: Option<std::task::Waker>,
    sync_waiters: Vec<std::task::Waker>,
    /// The rewrite in progress on this shard, if any.
    pub rw: Option<Rewrite>,
}

/// A rewrite in progress (aof/rewrite.rs): the new file's records, made of
/// key snapshots (the walk, and keys serialised early by [`before`]) and a
/// copy of every record logged since the rewrite began.
pub struct Rewrite {
    pub buf: Vec<u8>,
    /// The new file's generation (its name).
    pub generation: u64,
    /// Every db was walked: the new file holds the whole keyspace once
    /// `buf` is written.
    pub walked: bool,
    /// Keys serialised so far.
    pub keys: u64,
    /// Reused buffers: a snapshot's bytes, a command's key positions.
    scratch: Vec<u8>,
    keypos: Vec<usize>,
}

impl Rewrite {
    pub fn new(generation: u64) -> Rewrite {
        Rewrite {
            buf: Vec::new(),
            generation,
            walked: false,
            keys: 0,
            scratch: Vec::new(),
            keypos: Vec::new(),
        }
    }

    /// Writes a snapshot record of `e` in `db`.
    fn snapshot(&mut self, db: usize, e: &crate::shard::Entry) {
        self.scratch.clear();
        value::encode_entry(&e.key, &e.value, e.expire_at, &mut self.scratch);
        if record::encode(db as u16, &[SNAPSHOT, &self.scratch], &mut self.buf).is_err() {
            tracing::error!("a key too large for one AOF record was left out of the rewrite");
        }
        self.keys += 1;
    }
}

impl AofLog {
    /// Starts logging after a file of `len` bytes (all on disk) was loaded.
    pub fn start(&mut self, dirty: u64, len: u64) {
        self.dirty = dirty;
        self.appended = len;
        self.synced = len;
    }

    pub fn appended(&self) -> u64 {
        self.appended
    }

    pub fn synced(&self) -> u64 {
        self.synced
    }

    #[inline]
    pub fn rewriting(&self) -> bool {
        self.rw.is_some()
    }

    /// Records were logged that are not known to be on disk.
    #[inline]
    pub fn pending_sync(&self) -> bool {
        self.appended > self.synced
    }

    pub fn set_waker(&mut self, w: &std::task::Waker) {
        self.flusher = Some(w.clone());
    }

    pub fn wake_flusher(&mut self) {
        if let Some(w) = self.flusher.take() {
            w.wake();
        }
    }

    pub fn add_sync_waiter(&mut self, w: &std::task::Waker) {
        self.sync_waiters.push(w.clone());
    }

    /// Everything up to `pos` is on disk: wakes the replies waiting for it.
    pub fn synced_to(&mut self, pos: u64) {
        self.synced = self.synced.max(pos);
        for w in self.sync_waiters.drain(..) {
            w.wake();
        }
    }

    /// Notes that `key` in `db` changed.
    #[inline]
    pub fn touch(&mut self, db: usize, key: &[u8]) {
        self.touched.push(db, key);
    }

    /// Logs one command.
    pub fn command<A: AsRef<[u8]>>(&mut self, db: usize, argv: &[A]) {
        // A command over 1 GiB cannot be written as one record; the
        // protocol's 512 MB bulk limit keeps single arguments below it.
        let before = self.buf.len();
        if record::encode(db as u16, argv, &mut self.buf).is_err() {
            tracing::error!("a command too large for one AOF record was not logged");
        }
        self.appended += (self.buf.len() - before) as u64;
        if let Some(rw) = &mut self.rw {
            rw.buf.extend_from_slice(&self.buf[before..]);
        }
        self.wake_flusher();
    }

    /// Logs the removal of an expired key.
    pub fn expired(&mut self, db: usize, key: &[u8]) {
        self.command(db, &[&b"DEL"[..], key]);
    }
}

/// The keys the current work touched, packed in one buffer that keeps its
/// capacity from one command to the next (no allocation per write).
#[derive(Default)]
struct Touched {
    bytes: Vec<u8>,
    /// (db, start, end) in `bytes`.
    keys: Vec<(usize, usize, usize)>,
}

impl Touched {
    fn push(&mut self, db: usize, key: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        self.keys.push((db, start, self.bytes.len()));
    }

    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.keys.clear();
    }

    /// Sorts the keys and drops repeats.
    fn dedup(&mut self) {
        let b = &self.bytes;
        self.keys
            .sort_unstable_by(|x, y| (x.0, &b[x.1..x.2]).cmp(&(y.0, &b[y.1..y.2])));
        self.keys
            .dedup_by(|x, y| x.0 == y.0 && b[x.1..x.2] == b[y.1..y.2]);
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &[u8])> {
        self.keys.iter().map(|&(d, s, e)| (d, &self.bytes[s..e]))
    }
}

/// Turns the work that just ran on `shard` into records: `cmd` is the
/// command (spec, db, arguments) when it was one, None for closures and
/// write-backs (which are snapshotted); `failed` when the command replied
/// an error (it changed nothing but what lazy expiry removed, which is
/// logged already).
pub fn finish(shard: &mut Shard, cmd: Option<(&CommandSpec, usize, &[Bytes])>, failed: bool) {
    let Some(log) = shard.aof.as_mut() else {
        return;
    };
    let changed = shard.stats.dirty != log.dirty;
    log.dirty = shard.stats.dirty;
    if log.touched.is_empty() && !changed {
        return;
    }
    let mut touched = std::mem::take(&mut log.touched);
    let m = match cmd {
        Some((spec, ..)) if failed || !spec.has(table::flags::WRITE) => {
            // A read that only expired keys: their DELs are logged already.
            touched.clear();
            if let Some(log) = shard.aof.as_mut() {
                log.touched = touched;
            }
            return;
        }
        Some((spec, ..)) => mode(spec),
        None => Mode::Snapshot,
    };
    // XADD without trimming is logged as its arguments, with the id it
    // assigned; a trimming one as a snapshot.
    let mut assigned = None;
    let m = match (m, cmd) {
        (Mode::Xadd, Some((_, db, argv))) => {
            assigned = xadd_with_id(&shard.dbs, db, argv);
            if assigned.is_some() {
                Mode::Verbatim
            } else {
                Mode::Snapshot
            }
        }
        (m, _) => m,
    };
    if let (Some((_, db, argv)), Mode::Verbatim | Mode::Ttl) = (cmd, m) {
        log.command(db, assigned.as_deref().unwrap_or(argv));
    }
    if m != Mode::Verbatim {
        touched.dedup();
        let Shard { dbs, aof, .. } = shard;
        let Some(log) = aof.as_mut() else {
            return;
        };
        for (d, k) in touched.iter() {
            let found = dbs.get(d).and_then(|db| db.find(k).map(|i| db.entry(i)));
            match (m, found) {
                (Mode::Ttl, Some(e)) if e.expire_at != 0 => {
                    let at = e.expire_at.to_string().into_bytes();
                    log.command(d, &[&b"PEXPIREAT"[..], k, &at]);
                }
                // No TTL now: replay, from the same state, cannot have
                // set one either (only its value depends on the clock).
                (Mode::Ttl, Some(_)) => {}
                (Mode::Ttl, None) => log.command(d, &[&b"DEL"[..], k]),
                (_, Some(e)) => {
                    let mut entry = Vec::new();
                    value::encode_entry(k, &e.value, e.expire_at, &mut entry);
                    log.command(d, &[SNAPSHOT, &entry]);
                }
                (_, None) => log.command(d, &[&b"DEL"[..], k]),
            }
        }
    }
    touched.clear();
    if let Some(log) = shard.aof.as_mut() {
        log.touched = touched;
    }
}

/// Before a command logged as its arguments runs while a rewrite is in
/// progress: each key it names that the rewrite has not serialised yet is
/// serialised now, as it is before the command, so the command's record
/// applies once, to the same value, in the new file (an INCR or LPUSH never
/// counts twice). Commands logged as snapshots need nothing.
pub fn before(shard: &mut Shard, spec: &CommandSpec, db: usize, argv: &[Bytes]) {
    let Shard { dbs, aof, .. } = shard;
    let (Some(rw), Some(d)) = (aof.as_mut().and_then(|l| l.rw.as_mut()), dbs.get_mut(db)) else {
        return;
    };
    if !spec.has(table::flags::WRITE) || mode(spec) == Mode::Snapshot {
        return;
    }
    let mut pos = std::mem::take(&mut rw.keypos);
    pos.clear();
    crate::cmd::keys::key_positions(&spec.keys, argv, &mut pos);
    for &p in &pos {
        let Some(i) = argv.get(p).and_then(|k| d.find(k)) else {
            continue;
        };
        if d.rewrite_pending(i) {
            rw.snapshot(db, d.entry(i));
            d.rewrite_mark(i);
        }
    }
    rw.keypos = pos;
}

/// One step of a rewrite's walk over the keyspace: serialises the keys
/// found in up to `budget` slab positions (expired ones are left out, as
/// Redis's rewrite does). Returns true once every db was walked.
pub fn rewrite_step(shard: &mut Shard, budget: usize, now: u64) -> bool {
    let Shard { dbs, aof, lent, .. } = shard;
    let Some(rw) = aof.as_mut().and_then(|l| l.rw.as_mut()) else {
        return true;
    };
    // Dbs are looked at in order each step: SWAPDB moves a db (and its
    // place in the walk) to another number.
    for (d, db) in dbs.iter_mut().enumerate() {
        let done = db.rewrite_walk(
            budget,
            |i| lent.contains(&(d, i)),
            |e| {
                if e.expire_at == 0 || e.expire_at > now {
                    rw.snapshot(d, e);
                }
            },
        );
        if !done {
            return false;
        }
    }
    rw.walked = true;
    true
}

/// What a replay did.
#[derive(Debug, Default, PartialEq)]
pub struct Replayed {
    /// Records applied.
    pub records: u64,
    /// Records that could not be applied (logged as warnings): an unknown
    /// command, a command that failed, a snapshot that does not decode.
    pub failed: u64,
}

/// Applies the good records of `bytes` to `shard`, with nothing expiring
/// while it runs. Damage after them is the caller's to judge
/// (`record::scan`).
pub fn replay(shard: &mut Shard, bytes: &[u8]) -> Replayed {
    let mut reader = record::Reader::new(bytes);
    let mut args = Vec::new();
    let mut out = Replayed::default();
    while let Some((offset, db)) = reader.next_into(&mut args) {
        match apply(shard, db as usize, &args) {
            Ok(()) => out.records += 1,
            Err(what) => {
                tracing::warn!(offset, "AOF record not applied: {what}");
                out.failed += 1;
            }
        }
    }
    out
}

/// Applies up to `budget` records from `reader` (a step of a load that
/// serves between steps). Returns true when the reader has no more.
pub fn replay_step<'a>(
    shard: &mut Shard,
    reader: &mut record::Reader<'a>,
    budget: usize,
    out: &mut Replayed,
) -> bool {
    let mut args = Vec::new();
    for _ in 0..budget {
        let Some((offset, db)) = reader.next_into(&mut args) else {
            return true;
        };
        match apply(shard, db as usize, &args) {
            Ok(()) => out.records += 1,
            Err(what) => {
                tracing::warn!(offset, "AOF record not applied: {what}");
                out.failed += 1;
            }
        }
    }
    false
}

fn apply(shard: &mut Shard, db: usize, args: &[&[u8]]) -> Result<(), String> {
    if db >= shard.dbs.len() {
        return Err(format!("database {db} out of range"));
    }
    if args.first().is_some_and(|a| *a == SNAPSHOT) {
        let entry = args.get(1).ok_or("empty snapshot")?;
        let (key, v, at) = value::decode_entry(entry, &shard.limits)?;
        let d = &mut shard.dbs[db];
        if let Some(i) = d.find(&key) {
            d.remove_at(i);
        }
        d.insert(&key, v, at);
        return Ok(());
    }
    let argv: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
    let name = argv.first().map(|a| &a[..]).unwrap_or_default();
    let spec = table::lookup(name)
        .and_then(|s| match (s.subcommands.is_empty(), argv.get(1)) {
            (false, Some(sub)) => table::lookup_sub(s, sub),
            _ => Some(s),
        })
        .ok_or_else(|| format!("unknown command '{}'", String::from_utf8_lossy(name)))?;
    let handler = spec
        .handler()
        .ok_or_else(|| format!("'{}' cannot be replayed", spec.name))?;
    // now = 0: nothing counts as expired while replaying.
    let mut ctx = Ctx::new(shard, db, 0);
    handler(&mut ctx, &argv).map_err(|e| format!("'{}' failed: {e}", spec.name))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            v[self.below(v.len() as u64) as usize]
        }
    }

    /// One random write (or read) over a small keyspace of every type.
    fn command(r: &mut Rng, now: u64) -> Vec<String> {
        command_on(r, now, &["a", "b", "c", "d"])
    }

    fn command_on(r: &mut Rng, now: u64, keys: &[&str]) -> Vec<String> {
        let k = |r: &mut Rng| r.pick(keys).to_string();
        let v = |r: &mut Rng| r.below(20).to_string();
        let n = |r: &mut Rng| (r.below(300) + 1).to_string();
        let c: Vec<String> = match r.below(40) {
            0 => vec!["SET".into(), k(r), v(r)],
            1 => vec!["SET".into(), k(r), v(r), "PX".into(), n(r)],
            2 => vec!["SET".into(), k(r), v(r), "KEEPTTL".into(), "GET".into()],
            3 => vec!["INCR".into(), k(r)],
            4 => vec!["INCRBYFLOAT".into(), k(r), "1.5".into()],
            5 => vec!["APPEND".into(), k(r), v(r)],
            6 => vec!["PEXPIRE".into(), k(r), n(r)],
            7 => vec![
                "PEXPIREAT".into(),
                k(r),
                (now + r.below(200) - 50).to_string(),
            ],
            8 => vec!["PERSIST".into(), k(r)],
            9 => vec!["GETEX".into(), k(r), "PX".into(), n(r)],
            10 => vec!["DEL".into(), k(r), k(r)],
            11 => vec!["RENAME".into(), k(r), k(r)],
            12 => vec!["COPY".into(), k(r), k(r), "REPLACE".into()],
            13 => vec!["MOVE".into(), k(r), "1".into()],
            14 => vec!["LPUSH".into(), k(r), v(r), v(r)],
            15 => vec!["RPOP".into(), k(r)],
            16 => vec!["LMOVE".into(), k(r), k(r), "LEFT".into(), "RIGHT".into()],
            17 => vec!["BLPOP".into(), k(r), k(r), "0".into()],
            18 => vec!["HSET".into(), k(r), v(r), v(r)],
            19 => vec!["HINCRBYFLOAT".into(), k(r), v(r), "0.25".into()],
            20 => vec!["HDEL".into(), k(r), v(r)],
            21 => vec!["SADD".into(), k(r), v(r), v(r), "x".into()],
            22 => vec!["SPOP".into(), k(r)],
            23 => vec!["SMOVE".into(), k(r), k(r), v(r)],
            24 => vec!["SINTERSTORE".into(), k(r), k(r), k(r)],
            25 => vec!["ZADD".into(), k(r), v(r), v(r)],
            26 => vec!["ZINCRBY".into(), k(r), "2".into(), v(r)],
            27 => vec!["ZPOPMIN".into(), k(r)],
            28 => vec!["ZUNIONSTORE".into(), k(r), "2".into(), k(r), k(r)],
            29 => vec!["XADD".into(), k(r), "*".into(), "f".into(), v(r)],
            30 => vec![
                "XADD".into(),
                k(r),
                "MAXLEN".into(),
                "3".into(),
                "*".into(),
                "f".into(),
                v(r),
            ],
            31 => vec![
                "XGROUP".into(),
                "CREATE".into(),
                k(r),
                "g".into(),
                "0".into(),
                "MKSTREAM".into(),
            ],
            32 => vec![
                "XREADGROUP".into(),
                "GROUP".into(),
                "g".into(),
                "c".into(),
                "COUNT".into(),
                "2".into(),
                "STREAMS".into(),
                k(r),
                ">".into(),
            ],
            33 => vec!["XTRIM".into(), k(r), "MAXLEN".into(), "2".into()],
            34 => vec!["LTRIM".into(), k(r), "0".into(), "1".into()],
            35 => vec!["GET".into(), k(r)],
            36 => vec!["SWAPDB".into(), "0".into(), "1".into()],
            37 => vec!["EXPIRE".into(), k(r), r.pick(&["1", "-1"]).into()],
            38 => vec!["SETEX".into(), k(r), "1".into(), v(r)],
            _ => vec!["LLEN".into(), k(r)],
        };
        c
    }

    fn run(shard: &mut Shard, db: usize, argv: &[Bytes], now: u64) {
        let Some(spec) = table::lookup(&argv[0]).and_then(|s| match s.subcommands.is_empty() {
            true => Some(s),
            false => table::lookup_sub(s, &argv[1]),
        }) else {
            panic!("no command {:?}", argv[0]);
        };
        let handler = spec.handler().expect("keyed command");
        if shard.aof.as_ref().is_some_and(|l| l.rewriting()) {
            before(shard, spec, db, argv);
        }
        let mut ctx = Ctx::new(shard, db, now);
        let failed = handler(&mut ctx, argv).is_err();
        finish(shard, Some((spec, db, argv)), failed);
    }

    /// Everything in `shard`, by meaning rather than encoding: (db, key,
    /// contents as the read commands show them, expiry). A reloaded value
    /// may pick another encoding (an integer string, a listpack hash), as
    /// in Redis.
    fn state(shard: &mut Shard) -> Vec<(usize, Vec<u8>, String, u64)> {
        let mut keys: Vec<(usize, Vec<u8>, u64, &'static str)> = shard
            .dbs
            .iter()
            .enumerate()
            .flat_map(|(d, db)| {
                db.iter()
                    .map(move |e| (d, e.key.to_vec(), e.expire_at, e.value.type_name()))
            })
            .collect();
        keys.sort();
        let mut out = Vec::new();
        for (d, k, at, ty) in keys {
            let key = Bytes::from(k.clone());
            let (cmd, extra, sort): (&str, &[&str], bool) = match ty {
                "string" => ("GET", &[], false),
                "list" => ("LRANGE", &["0", "-1"], false),
                "set" => ("SMEMBERS", &[], true),
                "hash" => ("HGETALL", &[], true),
                "zset" => ("ZRANGE", &["0", "-1", "WITHSCORES"], false),
                _ => ("", &[], false),
            };
            let shown = if cmd.is_empty() {
                let db = &shard.dbs[d];
                format!("{:?}", db.find(&k).map(|i| &db.entry(i).value))
            } else {
                let mut argv = vec![Bytes::from_static(cmd.as_bytes()), key];
                argv.extend(extra.iter().map(|a| Bytes::from_static(a.as_bytes())));
                let spec = table::lookup(cmd.as_bytes()).unwrap();
                let mut ctx = Ctx::new(shard, d, 0);
                let r = spec.handler().unwrap()(&mut ctx, &argv).unwrap();
                let mut items: Vec<String> = match r {
                    crate::resp::Reply::Array(v) | crate::resp::Reply::Set(v) => {
                        v.iter().map(|x| format!("{x:?}")).collect()
                    }
                    crate::resp::Reply::Map(v) | crate::resp::Reply::Pairs(v) => {
                        v.iter().map(|x| format!("{x:?}")).collect()
                    }
                    other => vec![format!("{other:?}")],
                };
                if sort {
                    items.sort();
                }
                format!("{ty}{items:?}")
            };
            out.push((d, k, shown, at));
        }
        out
    }

    #[test]
    fn replaying_the_log_rebuilds_the_same_keyspace() {
        // After every command, its records replayed on a second shard leave
        // both with the same keys, values and expiries.
        for seed in 1..=30u64 {
            let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut now = 1_700_000_000_000u64;
            let mut live = Shard::new(0, 1, 2, now);
            live.aof = Some(AofLog::default());
            let mut replayed = Shard::new(0, 1, 2, now);
            for i in 0..600 {
                now += r.below(40);
                let argv: Vec<Bytes> = command(&mut r, now).into_iter().map(Bytes::from).collect();
                let db = r.below(2) as usize;
                run(&mut live, db, &argv, now);
                if i % 50 == 0 {
                    live.expire_cycle(now, 1000);
                }
                let bytes = std::mem::take(&mut live.aof.as_mut().unwrap().buf);
                let mut reader = record::Reader::new(&bytes);
                let mut args = Vec::new();
                while let Some((_, rdb)) = reader.next_into(&mut args) {
                    if let Err(e) = apply(&mut replayed, rdb as usize, &args) {
                        panic!("seed {seed} op {i} {argv:?}: record {args:?}: {e}");
                    }
                }
                assert_eq!(reader.problem(), None);
                // Keys past their expiry that nobody looked at yet differ
                // in nothing but the wheel's bookkeeping.
                let (a, b) = (state(&mut live), state(&mut replayed));
                assert!(
                    a == b,
                    "seed {seed} op {i} after {argv:?}:\n live {a:?}\n replayed {b:?}"
                );
            }
        }
    }

    /// Replays `bytes` onto a fresh shard.
    fn replay_all(bytes: &[u8], now: u64, what: &str) -> Shard {
        let mut out = Shard::new(0, 1, 2, now);
        let mut reader = record::Reader::new(bytes);
        let mut args = Vec::new();
        while let Some((_, rdb)) = reader.next_into(&mut args) {
            if let Err(e) = apply(&mut out, rdb as usize, &args) {
                panic!("{what}: record {args:?}: {e}");
            }
        }
        assert_eq!(reader.problem(), None, "{what}");
        out
    }

    #[test]
    fn a_rewrite_interleaved_with_writes_holds_the_same_keyspace() {
        // A rewrite walks the keyspace a few positions at a time while
        // random commands (INCR, LPUSH, RENAME, SWAPDB, FLUSHDB, expiry ...)
        // run between the steps: the new file alone rebuilds the keyspace,
        // with no command applied twice or on a stale value.
        let names: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        let keys: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        for seed in 1..=40u64 {
            let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1);
            let mut now = 1_700_000_000_000u64;
            let mut live = Shard::new(0, 1, 2, now);
            live.aof = Some(AofLog::default());
            let step = |live: &mut Shard, r: &mut Rng, now: u64| {
                let argv: Vec<String> = match r.below(150) {
                    0 => vec!["FLUSHDB".into()],
                    _ => command_on(r, now, &keys),
                };
                let argv: Vec<Bytes> = argv.into_iter().map(Bytes::from).collect();
                let db = r.below(2) as usize;
                run(live, db, &argv, now);
                argv
            };
            for _ in 0..400 {
                now += r.below(10);
                step(&mut live, &mut r, now);
            }
            live.aof.as_mut().unwrap().buf.clear();
            live.aof.as_mut().unwrap().rw = Some(Rewrite::new(2));
            for db in live.dbs.iter_mut() {
                db.rewrite_start();
            }
            let mut walked = false;
            let mut last = Vec::new();
            for i in 0..800 {
                now += r.below(10);
                if !walked && r.below(3) == 0 {
                    walked = rewrite_step(&mut live, r.below(4) as usize + 1, now);
                }
                last = step(&mut live, &mut r, now);
                if i % 40 == 0 {
                    live.expire_cycle(now, 1000);
                }
            }
            while !rewrite_step(&mut live, 16, now) {}
            let bytes = std::mem::take(&mut live.aof.as_mut().unwrap().rw.as_mut().unwrap().buf);
            let mut replayed = replay_all(&bytes, now, &format!("seed {seed}"));
            let (a, b) = (state(&mut live), state(&mut replayed));
            assert!(
                a == b,
                "seed {seed} (last {last:?}):\n live {a:?}\n rewritten {b:?}"
            );
        }
    }

    #[test]
    fn listed_modes_name_write_commands() {
        let all: Vec<&CommandSpec> = table::all()
            .flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
            .collect();
        for name in VERBATIM.iter().chain(TTL) {
            let c = all.iter().find(|c| c.name == *name);
            assert!(c.is_some_and(|c| c.has(table::flags::WRITE)), "{name}");
        }
        assert_eq!(mode(table::lookup(b"set").unwrap()), Mode::Ttl);
        assert_eq!(mode(table::lookup(b"lpush").unwrap()), Mode::Verbatim);
        assert_eq!(mode(table::lookup(b"spop").unwrap()), Mode::Snapshot);
    }
}
