//! Generic keyspace commands: DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME,
//! RENAMENX, COPY, MOVE, SWAPDB, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB,
//! FLUSHALL and OBJECT.
//!
//! Commands whose keys may land on two shards (RENAME, RENAMENX, COPY) have
//! a handler for the one-shard case and a coordinator that moves the value
//! between shards with `Worker::run_on`. SCAN and RANDOMKEY are coordinators
//! that visit the shards in turn.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, KeySpec, LocalFut, Merge};
use super::{all, args, async_fn, gather, keyed, session, split};
use crate::error::Error;
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::{Ctx, StrValue, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, KeySpec::all_from(1), split(del, Merge::Sum))
        .doc("generic", "1.0.0", "Delete a key", "key [key ...]")
        .complexity("O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1)."),
    CommandSpec::new("unlink", -2, WRITE | FAST, KeySpec::all_from(1), split(del, Merge::Sum))
        .doc("generic", "4.0.0", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "key [key ...]")
        .complexity("O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of."),
    CommandSpec::new("exists", -2, READONLY | FAST, KeySpec::all_from(1), split(exists, Merge::Sum))
        .doc("generic", "1.0.0", "Determine if a key exists", "key [key ...]")
        .complexity("O(N) where N is the number of keys to check."),
    CommandSpec::new("touch", -2, READONLY | FAST, KeySpec::all_from(1), split(touch, Merge::Sum))
        .doc("generic", "3.2.1", "Alters the last access time of a key(s). Returns the number of existing keys specified.", "key [key ...]")
        .complexity("O(N) where N is the number of keys that will be touched."),
    CommandSpec::new("type", 2, READONLY | FAST, KeySpec::single(), keyed(type_))
        .doc("generic", "1.0.0", "Determine the type stored at key", "key")
        .complexity("O(1)"),
    CommandSpec::new("rename", 3, WRITE, KeySpec::range(1, 2, 1), gather(rename))
        .doc("generic", "1.0.0", "Rename a key", "key newkey")
        .complexity("O(1)"),
    CommandSpec::new("renamenx", 3, WRITE | FAST, KeySpec::range(1, 2, 1), gather(renamenx))
        .doc("generic", "1.0.0", "Rename a key, only if the new key does not exist", "key newkey")
        .complexity("O(1)"),
    CommandSpec::new("copy", -3, WRITE | DENYOOM, KeySpec::range(1, 2, 1), gather(copy))
        .key_dbs(copy_key_dbs)
        .doc("generic", "6.2.0", "Copy a key", "source destination [DB destination-db] [REPLACE]")
        .complexity("O(N) worst case for collections, where N is the number of nested items. O(1) for string values."),
    CommandSpec::new("move", 3, WRITE | FAST, KeySpec::single(), keyed(move_))
        .key_dbs(move_key_dbs)
        .doc("generic", "1.0.0", "Move a key to another database", "key db")
        .complexity("O(1)"),
    CommandSpec::new("swapdb", 3, WRITE | FAST, KeySpec::None, all(swapdb, Merge::Ok))
        .doc("server", "4.0.0", "Swaps two Redis databases", "index1 index2")
        .complexity("O(N) where N is the count of clients watching or blocking on keys from both databases."),
    CommandSpec::new("keys", 2, READONLY, KeySpec::None, all(keys, Merge::Array))
        .doc("generic", "1.0.0", "Find all keys matching the given pattern", "pattern")
        .complexity("O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length."),
    CommandSpec::new("scan", -2, READONLY, KeySpec::None, async_fn(scan))
        .doc("generic", "2.8.0", "Incrementally iterate the keys space", "cursor [MATCH pattern] [COUNT count] [TYPE type]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection."),
    CommandSpec::new("randomkey", 1, READONLY, KeySpec::None, async_fn(randomkey))
        .doc("generic", "1.0.0", "Return a random key from the keyspace", "")
        .complexity("O(1)"),
    CommandSpec::new("dbsize", 1, READONLY | FAST, KeySpec::None, all(dbsize, Merge::Sum))
        .doc("server", "1.0.0", "Return the number of keys in the selected database", "")
        .complexity("O(1)"),
    CommandSpec::new("flushdb", -1, WRITE, KeySpec::None, all(flushdb, Merge::Ok))
        .doc("server", "1.0.0", "Remove all keys from the current database", "[ASYNC | SYNC]")
        .complexity("O(N) where N is the number of keys in the selected database"),
    CommandSpec::new("flushall", -1, WRITE, KeySpec::None, all(flushall, Merge::Ok))
        .doc("server", "1.0.0", "Remove all keys from all databases", "[ASYNC | SYNC]")
        .complexity("O(N) where N is the total number of keys in all databases"),
    CommandSpec::new("object", -2, 0, KeySpec::None, session(object_help))
        .doc("generic", "2.2.3", "A container for object introspection commands", "")
        .complexity("Depends on subcommand.")
        .subs(OBJECT_SUBS),
];

static OBJECT_SUBS: &[CommandSpec] = &[
    CommandSpec::new(
        "object|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(object_help),
    )
    .doc(
        "generic",
        "6.2.0",
        "Show helpful text about the different subcommands",
        "",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "object|encoding",
        3,
        READONLY,
        KeySpec::range(2, 2, 1),
        keyed(object_encoding),
    )
    .doc(
        "generic",
        "2.2.3",
        "Inspect the internal encoding of a Redis object",
        "key",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "object|idletime",
        3,
        READONLY,
        KeySpec::range(2, 2, 1),
        keyed(object_idletime),
    )
    .doc(
        "generic",
        "2.2.3",
        "Get the time since a Redis object was last accessed",
        "key",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "object|freq",
        3,
        READONLY,
        KeySpec::range(2, 2, 1),
        keyed(object_freq),
    )
    .doc(
        "generic",
        "4.0.0",
        "Get the logarithmic access frequency counter of a Redis object",
        "key",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "object|refcount",
        3,
        READONLY,
        KeySpec::range(2, 2, 1),
        keyed(object_refcount),
    )
    .doc(
        "generic",
        "2.2.3",
        "Get the number of references to the value of the key",
        "key",
    )
    .complexity("O(1)"),
];

/// The LRU clock for `Entry::lru`: seconds since the epoch, never 0 (0
/// means "never stamped": entries written by code that does not stamp).
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) as u32).max(1)
}

/// Records an access to the entry at `i` (what Redis's lookupKey does
/// unless called with LOOKUP_NOTOUCH).
fn touch_at(ctx: &mut Ctx, i: u32) {
    let clock = lru_clock(ctx.now);
    ctx.db().entry_mut(i).lru = clock;
}

fn same_object() -> Error {
    Error::msg("ERR source and destination objects are the same")
}

/// A database index as Redis's getIntFromObjectOrReply + selectDb read it.
fn db_arg(b: &[u8], databases: usize) -> Result<usize, Error> {
    let n = args::int(b)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(Error::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    if n < 0 || n as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

// ---- DEL, UNLINK, EXISTS, TOUCH, TYPE --------------------------------------

fn del(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut n = 0;
    for k in &argv[1..] {
        // A repeated key is found only the first time: counted once.
        if let Some(i) = ctx.lookup(k) {
            ctx.db().remove_at(i);
            ctx.modified(k, 1);
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

fn exists(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    // Like Redis, a key named twice counts twice.
    let n = argv[1..]
        .iter()
        .filter(|k| ctx.lookup_read(k).is_some())
        .count();
    Ok(Reply::Int(n as i64))
}

fn touch(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut n = 0;
    for k in &argv[1..] {
        if let Some(i) = ctx.lookup_read(k) {
            touch_at(ctx, i);
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

fn type_(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(match ctx.lookup_read(&argv[1]) {
        Some(i) => Reply::status(ctx.db().entry(i).value.type_name()),
        None => Reply::status("none"),
    })
}

// ---- RENAME, RENAMENX ------------------------------------------------------

/// A value in transit between shards, with what must travel with it.
struct Moved {
    value: Value,
    expire_at: u64,
    lru: u32,
}

/// Stores a moved value under `key` in the context's db, replacing any value.
fn place(ctx: &mut Ctx, key: &[u8], m: Moved) {
    let i = ctx.db().insert(key, m.value, m.expire_at);
    ctx.db().entry_mut(i).lru = m.lru;
    ctx.modified(key, 1);
}

fn rename(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    rename_local(ctx, argv, false)
}

fn renamenx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    rename_local(ctx, argv, true)
}

fn rename_local(ctx: &mut Ctx, argv: &[Bytes], nx: bool) -> Result<Reply, Error> {
    let (src, dst) = (&argv[1], &argv[2]);
    let Some(i) = ctx.lookup(src) else {
        return Err(Error::NoSuchKey);
    };
    touch_at(ctx, i);
    let done = if nx { Reply::Int(1) } else { Reply::Ok };
    if src == dst {
        return Ok(if nx { Reply::Int(0) } else { Reply::Ok });
    }
    if nx && ctx.lookup(dst).is_some() {
        return Ok(Reply::Int(0));
    }
    let e = ctx.db().remove_at(i);
    ctx.signal(src);
    place(
        ctx,
        dst,
        Moved {
            value: e.value,
            expire_at: e.expire_at,
            lru: e.lru,
        },
    );
    Ok(done)
}

// ---- COPY, MOVE ------------------------------------------------------------

/// COPY's options: (destination db, REPLACE).
fn copy_options(argv: &[Bytes], databases: usize, current: usize) -> Result<(usize, bool), Error> {
    let (mut dbid, mut replace) = (current, false);
    let mut j = 3;
    while j < argv.len() {
        let additional = argv.len() - j - 1;
        if args::is(&argv[j], "replace") {
            replace = true;
        } else if args::is(&argv[j], "db") && additional >= 1 {
            dbid = db_arg(&argv[j + 1], databases)?;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok((dbid, replace))
}

/// Stores a copy under `key` in db `dbid` of the context's shard: 1 when
/// stored, 0 when the key exists and `replace` is off.
fn put_copy(
    ctx: &mut Ctx,
    dbid: usize,
    key: &[u8],
    value: Value,
    expire_at: u64,
    replace: bool,
) -> Reply {
    let home = ctx.db;
    ctx.db = dbid;
    let r = if ctx.lookup(key).is_some() && !replace {
        Reply::Int(0)
    } else {
        // A copy is a new object: its access time is now, as in Redis.
        place(
            ctx,
            key,
            Moved {
                value,
                expire_at,
                lru: lru_clock(ctx.now),
            },
        );
        Reply::Int(1)
    };
    ctx.db = home;
    r
}

fn copy(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (dbid, replace) = copy_options(argv, ctx.shard.dbs.len(), ctx.db)?;
    if dbid == ctx.db && argv[1] == argv[2] {
        return Err(same_object());
    }
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    touch_at(ctx, i);
    let e = ctx.db().entry(i);
    let (value, expire_at) = (e.value.clone(), e.expire_at);
    Ok(put_copy(ctx, dbid, &argv[2], value, expire_at, replace))
}

/// COPY's keys: the source in the current db, the destination in the DB option's.
fn copy_key_dbs(argv: &[Bytes], db: usize, out: &mut Vec<(usize, usize)>) {
    out.push((db, 1));
    let dst = argv
        .iter()
        .skip(3)
        .position(|a| args::is(a, "db"))
        .and_then(|i| argv.get(i + 4))
        .and_then(|b| crate::num::parse_i64(b))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(db);
    out.push((dst, 2));
}

/// MOVE's key, in both databases.
fn move_key_dbs(argv: &[Bytes], db: usize, out: &mut Vec<(usize, usize)>) {
    out.push((db, 1));
    if let Some(d) = argv
        .get(2)
        .and_then(|b| crate::num::parse_i64(b))
        .and_then(|n| usize::try_from(n).ok())
    {
        out.push((d, 1));
    }
}

fn move_(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let dbid = db_arg(&argv[2], ctx.shard.dbs.len())?;
    let home = ctx.db;
    if dbid == home {
        return Err(same_object());
    }
    let Some(i) = ctx.lookup(key) else {
        return Ok(Reply::Int(0));
    };
    touch_at(ctx, i);
    ctx.db = dbid;
    let taken = ctx.lookup(key).is_some();
    ctx.db = home;
    if taken {
        return Ok(Reply::Int(0));
    }
    let e = ctx.db().remove_at(i);
    let j = ctx.shard.dbs[dbid].insert(key, e.value, e.expire_at);
    ctx.shard.dbs[dbid].entry_mut(j).lru = e.lru;
    ctx.modified(key, 1);
    ctx.db = dbid;
    ctx.signal(key);
    ctx.db = home;
    Ok(Reply::Int(1))
}

// ---- SWAPDB, FLUSHDB, FLUSHALL, DBSIZE -------------------------------------

fn swapdb(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let index = |b: &[u8], what: &str| {
        crate::num::parse_i64(b)
            .filter(|n| (i32::MIN as i64..=i32::MAX as i64).contains(n))
            .ok_or_else(|| Error::err(format!("invalid {what} DB index")))
    };
    let a = index(&argv[1], "first")?;
    let b = index(&argv[2], "second")?;
    let n = ctx.shard.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(Error::DbIndexOutOfRange);
    }
    let (a, b) = (a as usize, b as usize);
    if !ctx.shard.watch.is_empty() {
        let now = ctx.now;
        let shard = &mut *ctx.shard;
        for (emptied, with) in [(a, b), (b, a)] {
            let (old, new) = (&shard.dbs[emptied], &shard.dbs[with]);
            shard.watch.touch_db(
                emptied,
                |k| old.find(k).is_some(),
                Some(&|k: &[u8]| match new.find(k) {
                    Some(i) => {
                        let at = new.entry(i).expire_at;
                        (true, at != 0 && at <= now)
                    }
                    None => (false, false),
                }),
            );
        }
    }
    ctx.shard.dbs.swap(a, b);
    ctx.dirty(1);
    Ok(Reply::Ok)
}

/// FLUSHDB / FLUSHALL's optional ASYNC | SYNC (both flush at once here).
fn flush_option(argv: &[Bytes]) -> Result<(), Error> {
    match argv.len() {
        1 => Ok(()),
        2 if args::is(&argv[1], "async") || args::is(&argv[1], "sync") => Ok(()),
        _ => Err(Error::Syntax),
    }
}

fn flushdb(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    flush_option(argv)?;
    let now = ctx.now;
    let n = ctx.db().len() as u64;
    let d = ctx.db;
    touch_flushed(ctx.shard, d);
    ctx.db().clear(now);
    ctx.dirty(n);
    Ok(Reply::Ok)
}

fn flushall(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    flush_option(argv)?;
    let now = ctx.now;
    let mut n = 0;
    for d in 0..ctx.shard.dbs.len() {
        touch_flushed(ctx.shard, d);
        let db = &mut ctx.shard.dbs[d];
        n += db.len() as u64;
        db.clear(now);
    }
    // Redis counts a FLUSHALL as at least one change even on an empty server.
    ctx.dirty(n.max(1));
    Ok(Reply::Ok)
}

/// Marks the watchers of db `d`'s existing keys before it is emptied.
fn touch_flushed(shard: &mut crate::shard::Shard, d: usize) {
    if shard.watch.is_empty() {
        return;
    }
    let db = &shard.dbs[d];
    shard.watch.touch_db(d, |k| db.find(k).is_some(), None);
}

fn dbsize(ctx: &mut Ctx, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(ctx.db().len() as i64))
}

// ---- KEYS, SCAN, RANDOMKEY -------------------------------------------------

fn keys(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let pattern = &argv[1];
    let all_keys = &pattern[..] == b"*";
    let now = ctx.now;
    let out = ctx
        .db()
        .iter()
        .filter(|e| e.expire_at == 0 || e.expire_at > now)
        .filter(|e| all_keys || crate::glob::glob_match(pattern, &e.key, false))
        .map(|e| Reply::bulk(&e.key))
        .collect();
    Ok(Reply::Array(out))
}

/// Reads a SCAN cursor as Redis does (C's strtoul in base 10, rejecting a
/// leading space or trailing garbage): an optional sign, then digits; a
/// negative value wraps around; no digits at all reads as 0 only when the
/// argument is empty.
pub fn parse_scan_cursor(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return Some(0);
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// SCAN's parsed arguments.
struct ScanArgs {
    cursor: u64,
    count: usize,
    pattern: Option<Bytes>,
    typ: Option<Bytes>,
}

/// HSCAN / SSCAN / ZSCAN's options after the cursor (argv[3..]): COUNT
/// (at least 1) and MATCH (None for `*`).
pub fn collection_scan_opts(argv: &[Bytes]) -> Result<(usize, Option<&[u8]>), Error> {
    let (mut count, mut pattern) = (10usize, None);
    let mut c = args::Cursor::new(argv, 3);
    while let Some(opt) = c.next() {
        if args::is(opt, "count") && c.remaining() > 0 {
            let n = args::int(c.value()?)?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if args::is(opt, "match") && c.remaining() > 0 {
            let p = c.value()?;
            pattern = (&p[..] != b"*").then_some(&p[..]);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((count, pattern))
}

/// A SCAN-family reply: the next cursor and the items.
pub fn scan_reply(cursor: u64, items: Vec<Reply>) -> Reply {
    let mut digits = Vec::with_capacity(20);
    crate::num::format_u64(cursor, &mut digits);
    Reply::Array(vec![Reply::Bulk(Bytes::from(digits)), Reply::Array(items)])
}

fn scan_args(argv: &[Bytes]) -> Result<ScanArgs, Error> {
    let cursor = parse_scan_cursor(&argv[1]).ok_or_else(|| Error::err("invalid cursor"))?;
    let mut a = ScanArgs {
        cursor,
        count: 10,
        pattern: None,
        typ: None,
    };
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - i >= 2;
        if args::is(&argv[i], "count") && more {
            let n = args::int(&argv[i + 1])?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            a.count = n.min(i32::MAX as i64) as usize;
        } else if args::is(&argv[i], "match") && more {
            let p = argv[i + 1].clone();
            a.pattern = if &p[..] == b"*" { None } else { Some(p) };
        } else if args::is(&argv[i], "type") && more {
            a.typ = Some(argv[i + 1].clone());
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    Ok(a)
}

/// One shard's part of a SCAN call: visits up to `budget` slab positions
/// from `pos`, returns (next position or 0 when the shard is done, keys).
/// Expired keys are left out and removed, as Redis's SCAN does.
fn scan_shard(
    ctx: &mut Ctx,
    pos: u64,
    budget: usize,
    pattern: Option<&[u8]>,
    typ: Option<&[u8]>,
) -> (u64, Vec<Reply>) {
    let now = ctx.now;
    let mut found = Vec::new();
    let mut expired: Vec<Box<[u8]>> = Vec::new();
    let next = ctx.db().scan(pos, budget, |e| {
        if pattern.is_some_and(|p| !crate::glob::glob_match(p, &e.key, false)) {
            return true;
        }
        if typ.is_some_and(|t| !t.eq_ignore_ascii_case(e.value.type_name().as_bytes())) {
            return true;
        }
        if e.expire_at != 0 && e.expire_at <= now {
            expired.push(e.key.as_slice().into());
        } else {
            found.push(Reply::bulk(&e.key));
        }
        true
    });
    for k in &expired {
        // Removing an entry leaves every other entry where it is, so the
        // positions the cursor refers to stay valid.
        ctx.db().remove(k);
    }
    ctx.shard.stats.expired_keys += expired.len() as u64;
    (next, found)
}

/// SCAN across shards. The cursor is `position * nshards + shard`: the
/// shards are walked in turn, each from slab position 0 to its end. A slab
/// position never changes while its key lives, so a key present for the
/// whole scan is returned at least once.
fn scan(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let a = match scan_args(&argv) {
            Ok(a) => a,
            Err(e) => return Reply::Error(e),
        };
        let w = s.worker.clone();
        let n = w.nshards as u64;
        let mut shard = a.cursor % n;
        let mut pos = a.cursor / n;
        let mut keys = Vec::new();
        let cursor = loop {
            let (pattern, typ) = (a.pattern.clone(), a.typ.clone());
            let budget = a.count;
            let (next, found) = w
                .run_on(shard as usize, s.db, move |ctx: &mut Ctx| {
                    scan_shard(ctx, pos, budget, pattern.as_deref(), typ.as_deref())
                })
                .await;
            keys.extend(found);
            if next != 0 {
                break next * n + shard;
            }
            shard += 1;
            pos = 0;
            if shard == n {
                break 0;
            }
            if keys.len() >= a.count {
                // Position 0 of shard k > 0 is cursor k: never 0.
                break shard;
            }
        };
        Reply::Array(vec![
            Reply::bulk_string(cursor.to_string()),
            Reply::Array(keys),
        ])
    })
}

/// One shard's RANDOMKEY part: (key count, a random live key).
fn random_local(ctx: &mut Ctx) -> (u64, Option<Bytes>) {
    let now = ctx.now;
    // Expired picks are removed and another is drawn, as Redis does; past a
    // bound (a db of mostly expired keys), take the first live key.
    for _ in 0..100 {
        let rnd = ctx.shard.random();
        let Some(i) = ctx.db().random(rnd) else {
            return (0, None);
        };
        let e = ctx.db().entry(i);
        if e.expire_at != 0 && e.expire_at <= now {
            let gone = ctx.db().remove_at(i);
            ctx.shard.stats.expired_keys += 1;
            ctx.signal(&gone.key);
            continue;
        }
        let key = Bytes::copy_from_slice(&e.key);
        return (ctx.db().len() as u64, Some(key));
    }
    let db = ctx.db();
    let key = db
        .iter()
        .find(|e| e.expire_at == 0 || e.expire_at > now)
        .map(|e| Bytes::copy_from_slice(&e.key));
    (db.len() as u64, key)
}

/// RANDOMKEY: every shard offers a random key and its key count; one is
/// picked with probability proportional to the count, so every key is
/// about equally likely.
fn randomkey(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let w = s.worker.clone();
        let offers: Vec<(u64, Option<Bytes>)> = w.run_on_all(s.db, || random_local).await;
        let offers: Vec<(u64, Bytes)> = offers
            .into_iter()
            .filter_map(|(n, k)| Some((n.max(1), k?)))
            .collect();
        let total: u64 = offers.iter().map(|(n, _)| n).sum();
        if total == 0 {
            return Reply::Nil;
        }
        let mut r = w.shard.borrow_mut().random() % total;
        for (n, key) in offers {
            if r < n {
                return Reply::Bulk(key);
            }
            r -= n;
        }
        Reply::Nil
    })
}

// ---- OBJECT ----------------------------------------------------------------

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

fn object_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Array(
        OBJECT_HELP.iter().map(|l| Reply::status(l)).collect(),
    ))
}

/// Integers Redis shares between keys (OBJ_SHARED_INTEGERS): OBJECT
/// REFCOUNT reports them as OBJ_SHARED_REFCOUNT.
const SHARED_INTEGERS: i64 = 10000;
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

fn object_encoding(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    // OBJECT looks keys up without touching their access time.
    Ok(match ctx.lookup_read(&argv[2]) {
        Some(i) => Reply::bulk_static(ctx.db().entry(i).value.encoding()),
        None => Reply::Nil,
    })
}

fn object_refcount(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(match ctx.lookup_read(&argv[2]) {
        Some(i) => match ctx.db().entry(i).value {
            Value::Str(StrValue::Int(n)) if (0..SHARED_INTEGERS).contains(&n) => {
                Reply::Int(SHARED_REFCOUNT)
            }
            _ => Reply::Int(1),
        },
        None => Reply::Nil,
    })
}

fn object_idletime(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[2]) else {
        return Ok(Reply::Nil);
    };
    let lru = ctx.db().entry(i).lru;
    // An entry no handler stamped yet (lru 0) counts as just accessed.
    let idle = if lru == 0 {
        0
    } else {
        lru_clock(ctx.now).saturating_sub(lru)
    };
    Ok(Reply::Int(idle as i64))
}

fn object_freq(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    if ctx.lookup_read(&argv[2]).is_none() {
        return Ok(Reply::Nil);
    }
    // No LFU maxmemory policy exists (yet), so frequency is never tracked.
    Err(Error::msg(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursor_reads_like_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"+7"), Some(7));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b" 1"), None);
        assert_eq!(parse_scan_cursor(b"1 "), None);
        assert_eq!(parse_scan_cursor(b"1.5"), None);
        assert_eq!(parse_scan_cursor(b"-"), None);
        assert_eq!(parse_scan_cursor(b"0x10"), None);
    }

    #[test]
    fn db_arg_errors() {
        assert_eq!(db_arg(b"3", 16), Ok(3));
        assert_eq!(db_arg(b"16", 16), Err(Error::DbIndexOutOfRange));
        assert_eq!(db_arg(b"-1", 16), Err(Error::DbIndexOutOfRange));
        assert_eq!(db_arg(b"x", 16), Err(Error::NotInteger));
        let e = db_arg(b"4294967296", 16).unwrap_err().to_string();
        assert_eq!(
            e,
            "ERR value is out of range, value must between -2147483648 and 2147483647"
        );
    }
}
