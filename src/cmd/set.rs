//! Set commands (Redis's `t_set.c`). An emptied set is deleted, as in Redis.
//! The value (`shard::set::SetValue`) is an intset or a hashtable with
//! Redis 7.0's conversion rules; computed sets (SINTERSTORE ...) start as
//! an intset and convert as members arrive, as Redis builds them.

use bytes::{BufMut, Bytes, BytesMut};

use super::args;
use super::table::{flags::*, CommandSpec, KeySpec};
use super::{gather, keyed};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::set::{Member, SetValue};
use crate::shard::value::itoa_buf;
use crate::shard::{Ctx, Db, Value};

/// SINTERCARD's keys: the count at position 1, the keys after it.
const SINTERCARD_KEYS: KeySpec = KeySpec::Keynum {
    fixed: 0,
    numkeys: 1,
    first: 1,
    step: 1,
};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(sadd))
        .doc("set", "1.0.0", "Add one or more members to a set", "key member [member ...]")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    CommandSpec::new("srem", -3, WRITE | FAST, KeySpec::single(), keyed(srem))
        .doc("set", "1.0.0", "Remove one or more members from a set", "key member [member ...]")
        .complexity("O(N) where N is the number of members to be removed."),
    CommandSpec::new("smembers", 2, READONLY, KeySpec::single(), keyed(smembers))
        .doc("set", "1.0.0", "Get all the members in a set", "key")
        .complexity("O(N) where N is the set cardinality."),
    CommandSpec::new("sismember", 3, READONLY | FAST, KeySpec::single(), keyed(sismember))
        .doc("set", "1.0.0", "Determine if a given value is a member of a set", "key member")
        .complexity("O(1)"),
    CommandSpec::new("smismember", -3, READONLY | FAST, KeySpec::single(), keyed(smismember))
        .doc("set", "6.2.0", "Returns the membership associated with the given elements for a set", "key member [member ...]")
        .complexity("O(N) where N is the number of elements being checked for membership"),
    CommandSpec::new("scard", 2, READONLY | FAST, KeySpec::single(), keyed(scard))
        .doc("set", "1.0.0", "Get the number of members in a set", "key")
        .complexity("O(1)"),
    CommandSpec::new("spop", -2, WRITE | FAST, KeySpec::single(), keyed(spop))
        .doc("set", "1.0.0", "Remove and return one or multiple random members from a set", "key [count]")
        .complexity("Without the count argument O(1), otherwise O(N) where N is the value of the passed count."),
    CommandSpec::new("srandmember", -2, READONLY, KeySpec::single(), keyed(srandmember))
        .doc("set", "1.0.0", "Get one or multiple random members from a set", "key [count]")
        .complexity("Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count."),
    CommandSpec::new("smove", 4, WRITE | FAST, KeySpec::range(1, 2, 1), gather(smove))
        .doc("set", "1.0.0", "Move a member from one set to another", "source destination member")
        .complexity("O(1)"),
    CommandSpec::new("sinter", -2, READONLY, KeySpec::all_from(1), gather(sinter))
        .doc("set", "1.0.0", "Intersect multiple sets", "key [key ...]")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    CommandSpec::new("sintercard", -3, READONLY, SINTERCARD_KEYS, gather(sintercard))
        .doc("set", "7.0.0", "Intersect multiple sets and return the cardinality of the result", "numkeys key [key ...] [LIMIT limit]")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    CommandSpec::new("sunion", -2, READONLY, KeySpec::all_from(1), gather(sunion))
        .doc("set", "1.0.0", "Add multiple sets", "key [key ...]")
        .complexity("O(N) where N is the total number of elements in all given sets."),
    CommandSpec::new("sdiff", -2, READONLY, KeySpec::all_from(1), gather(sdiff))
        .doc("set", "1.0.0", "Subtract multiple sets", "key [key ...]")
        .complexity("O(N) where N is the total number of elements in all given sets."),
    CommandSpec::new("sinterstore", -3, WRITE | DENYOOM, KeySpec::all_from(1), gather(sinterstore))
        .doc("set", "1.0.0", "Intersect multiple sets and store the resulting set in a key", "destination key [key ...]")
        .complexity("O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets."),
    CommandSpec::new("sunionstore", -3, WRITE | DENYOOM, KeySpec::all_from(1), gather(sunionstore))
        .doc("set", "1.0.0", "Add multiple sets and store the resulting set in a key", "destination key [key ...]")
        .complexity("O(N) where N is the total number of elements in all given sets."),
    CommandSpec::new("sdiffstore", -3, WRITE | DENYOOM, KeySpec::all_from(1), gather(sdiffstore))
        .doc("set", "1.0.0", "Subtract multiple sets and store the resulting set in a key", "destination key [key ...]")
        .complexity("O(N) where N is the total number of elements in all given sets."),
    CommandSpec::new("sscan", -3, READONLY, KeySpec::single(), keyed(sscan))
        .doc("set", "2.8.0", "Incrementally iterate Set elements", "key cursor [MATCH pattern] [COUNT count]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

/// The largest |count| a negative SRANDMEMBER count may ask for. Redis has
/// no bound (it streams the reply); ringkv builds replies in memory, so a
/// count that would make a multi-gigabyte reply is refused instead.
const MAX_RANDOM_REPEATS: u64 = 1 << 24;

/// The set at entry `i`; WRONGTYPE for any other type.
fn as_set<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut SetValue, Error> {
    match &mut ctx.db().entry_mut(i).value {
        Value::Set(s) => Ok(s),
        _ => Err(Error::WrongType),
    }
}

fn set_ref(db: &Db, i: u32) -> Option<&SetValue> {
    match &db.entry(i).value {
        Value::Set(s) => Some(s),
        _ => None,
    }
}

/// The set at `key`, looked up for writing (`read`: for reading): Ok(None)
/// if missing, WRONGTYPE if another type.
fn find_set(ctx: &mut Ctx, key: &[u8], read: bool) -> Result<Option<u32>, Error> {
    let found = if read {
        ctx.lookup_read(key)
    } else {
        ctx.lookup(key)
    };
    match found {
        None => Ok(None),
        Some(i) => as_set(ctx, i).map(|_| Some(i)),
    }
}

/// A random number source for one command, seeded from the shard's.
fn rng(ctx: &mut Ctx) -> impl FnMut() -> u64 {
    let mut x = ctx.shard.random() | 1;
    move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn bulk(m: Member) -> Reply {
    Reply::Bulk(m.to_bytes())
}

fn sadd(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let max = ctx.shard.limits.set_max_intset_entries;
    let i = match find_set(ctx, key, false)? {
        Some(i) => i,
        None => ctx
            .db()
            .insert(key, Value::Set(SetValue::new_for(&argv[2])), 0),
    };
    let s = as_set(ctx, i)?;
    let added = argv[2..].iter().filter(|m| s.insert(m, max)).count() as u64;
    if added > 0 {
        ctx.modified(key, added);
    }
    Ok(Reply::Int(added as i64))
}

fn srem(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_set(ctx, &argv[1], false)? else {
        return Ok(Reply::Int(0));
    };
    let s = as_set(ctx, i)?;
    let removed = argv[2..].iter().filter(|m| s.remove(m)).count() as u64;
    if s.is_empty() {
        ctx.db().remove_at(i);
    }
    if removed > 0 {
        ctx.modified(&argv[1], removed);
    }
    Ok(Reply::Int(removed as i64))
}

fn smembers(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Set(Vec::new()));
    };
    Ok(Reply::Set(as_set(ctx, i)?.iter().map(bulk).collect()))
}

fn sismember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_set(ctx, i)?.contains(&argv[2]) as i64))
}

fn smismember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(vec![Reply::Int(0); argv.len() - 2]));
    };
    let s = as_set(ctx, i)?;
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| Reply::Int(s.contains(m) as i64))
            .collect(),
    ))
}

fn scard(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_set(ctx, i)?.len() as i64))
}

fn spop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    match argv.len() {
        2 => {}
        3 => return spop_count(ctx, argv),
        _ => return Err(Error::Syntax),
    }
    let key = &argv[1];
    let Some(i) = find_set(ctx, key, false)? else {
        return Ok(Reply::Nil);
    };
    let mut r = rng(ctx);
    let s = as_set(ctx, i)?;
    let m = s.pop_random(&mut r);
    if s.is_empty() {
        ctx.db().remove_at(i);
    }
    ctx.modified(key, 1);
    Ok(m.map_or(Reply::Nil, Reply::Bulk))
}

/// SPOP with a count (Redis's spopWithCountCommand, its three cases).
fn spop_count(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let count = match crate::num::parse_i64(&argv[2]) {
        Some(n) if n >= 0 => n as u64,
        _ => return Err(Error::err("value is out of range, must be positive")),
    };
    let key = &argv[1];
    let Some(i) = find_set(ctx, key, false)? else {
        return Ok(Reply::Set(Vec::new()));
    };
    if count == 0 {
        return Ok(Reply::Set(Vec::new()));
    }
    let max = ctx.shard.limits.set_max_intset_entries;
    let mut r = rng(ctx);
    let s = as_set(ctx, i)?;
    let size = s.len() as u64;
    if count >= size {
        // The whole set.
        let out = s.iter().map(bulk).collect();
        ctx.db().remove_at(i);
        ctx.modified(key, size);
        return Ok(Reply::Set(out));
    }
    let out = if count * 5 > size {
        // Most of the set goes: move the few that stay into a new set
        // (which may be an intset again, as in Redis) and answer the rest.
        let mut rest: Option<SetValue> = None;
        for _ in 0..size - count {
            if let Some(m) = s.pop_random(&mut r) {
                rest.get_or_insert_with(|| SetValue::new_for(&m))
                    .insert(&m, max);
            }
        }
        let out = s.iter().map(bulk).collect();
        if let Some(rest) = rest {
            *s = rest;
        }
        out
    } else {
        (0..count)
            .filter_map(|_| s.pop_random(&mut r))
            .map(Reply::Bulk)
            .collect()
    };
    ctx.modified(key, count);
    Ok(Reply::Set(out))
}

fn srandmember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    match argv.len() {
        2 => {}
        3 => return srandmember_count(ctx, argv),
        _ => return Err(Error::Syntax),
    }
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Nil);
    };
    let mut r = rng(ctx);
    let s = as_set(ctx, i)?;
    Ok(s.random(&mut r).map_or(Reply::Nil, bulk))
}

fn srandmember_count(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let n = args::int(&argv[2])?;
    if n == i64::MIN {
        return Err(Error::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    if n == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let count = n.unsigned_abs();
    if n < 0 && count > MAX_RANDOM_REPEATS {
        return Err(Error::err(format!(
            "value is out of range, value must between -{MAX_RANDOM_REPEATS} and 9223372036854775807"
        )));
    }
    let mut r = rng(ctx);
    let s = as_set(ctx, i)?;
    let size = s.len() as u64;
    if n < 0 || count == 1 {
        // With repetitions: encoded as it goes (an array of bulk strings
        // reads the same in RESP2 and RESP3), so memory follows the reply.
        let mut out = BytesMut::new();
        let mut digits = itoa_buf::Buf::new();
        out.put_u8(b'*');
        out.put_slice(digits.format(count as i64));
        out.put_slice(b"\r\n");
        for _ in 0..count {
            if let Some(m) = s.random(&mut r) {
                m.with_bytes(|b| {
                    out.put_u8(b'$');
                    out.put_slice(digits.format(b.len() as i64));
                    out.put_slice(b"\r\n");
                    out.put_slice(b);
                    out.put_slice(b"\r\n");
                });
            }
        }
        return Ok(Reply::Raw(out.freeze()));
    }
    if count >= size {
        return Ok(Reply::Array(s.iter().map(bulk).collect()));
    }
    let count = count as usize;
    if count * 3 > size as usize {
        // Many of them: a partial shuffle of all the members.
        let mut all: Vec<Member> = s.iter().collect();
        for k in 0..count {
            let j = k + (r() % (all.len() - k) as u64) as usize;
            all.swap(k, j);
        }
        return Ok(Reply::Array(
            all[..count].iter().map(|&m| bulk(m)).collect(),
        ));
    }
    // Few of them: draw until enough distinct ones.
    let mut picked: hashbrown::HashSet<Member> = hashbrown::HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        if let Some(m) = s.random(&mut r) {
            if picked.insert(m) {
                out.push(bulk(m));
            }
        }
    }
    Ok(Reply::Array(out))
}

fn smove(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (src, dst, m) = (&argv[1], &argv[2], &argv[3]);
    let si = ctx.lookup(src);
    let di = ctx.lookup(dst);
    let Some(si) = si else {
        return Ok(Reply::Int(0));
    };
    as_set(ctx, si)?;
    if let Some(di) = di {
        as_set(ctx, di)?;
    }
    if src == dst {
        return Ok(Reply::Int(as_set(ctx, si)?.contains(m) as i64));
    }
    let s = as_set(ctx, si)?;
    if !s.remove(m) {
        return Ok(Reply::Int(0));
    }
    if s.is_empty() {
        ctx.db().remove_at(si);
    }
    let max = ctx.shard.limits.set_max_intset_entries;
    let di = match di {
        Some(di) => di,
        None => ctx.db().insert(dst, Value::Set(SetValue::new_for(m)), 0),
    };
    ctx.modified(src, 1);
    if as_set(ctx, di)?.insert(m, max) {
        ctx.modified(dst, 1);
    }
    Ok(Reply::Int(1))
}

/// Looks the keys up in order (for writing when `write`): positions, None
/// for a missing key; WRONGTYPE at the first key of another type.
fn lookup_sets(ctx: &mut Ctx, keys: &[Bytes], write: bool) -> Result<Vec<Option<u32>>, Error> {
    keys.iter().map(|k| find_set(ctx, k, !write)).collect()
}

/// The sets behind `idx` (None for a missing key).
fn resolve<'a>(db: &'a Db, idx: &[Option<u32>]) -> Vec<Option<&'a SetValue>> {
    idx.iter().map(|i| i.and_then(|i| set_ref(db, i))).collect()
}

/// Members of the intersection, in the order of the smallest set, at most
/// `limit` of them (0: no limit). Every set must exist.
fn intersection<'a>(sets: &[&'a SetValue], limit: usize) -> Vec<Member<'a>> {
    let Some(smallest) = sets.iter().min_by_key(|s| s.len()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in smallest.iter() {
        if sets.iter().all(|s| s.contains_member(m)) {
            out.push(m);
            if limit != 0 && out.len() >= limit {
                break;
            }
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Diff,
}

/// SUNION / SDIFF as Redis computes them (sunionDiffGenericCommand),
/// including its choice of DIFF algorithm, which decides the encoding a
/// stored result gets.
fn union_diff(sets: &[Option<&SetValue>], op: Op, max: usize) -> SetValue {
    let mut out = SetValue::new_ints();
    match op {
        Op::Union => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    out.insert_member(m, max);
                }
            }
        }
        Op::Diff => {
            let Some(first) = sets.first().copied().flatten() else {
                return out;
            };
            let present = sets.iter().flatten().count();
            let one = present * first.len() / 2;
            let two: usize = sets.iter().flatten().map(|s| s.len()).sum();
            if one <= two {
                // Algorithm 1: each member of the first set not in any other.
                for m in first.iter() {
                    if !sets[1..].iter().flatten().any(|s| s.contains_member(m)) {
                        out.insert_member(m, max);
                    }
                }
            } else {
                // Algorithm 2: the first set, minus every other member.
                for m in first.iter() {
                    out.insert_member(m, max);
                }
                for s in sets[1..].iter().flatten() {
                    if out.is_empty() {
                        break;
                    }
                    for m in s.iter() {
                        out.remove_member(m);
                    }
                }
            }
        }
    }
    out
}

/// Stores `result` at `dst` (replacing any value and TTL), or deletes `dst`
/// when the result is empty; answers the result's size.
fn store(ctx: &mut Ctx, dst: &[u8], result: SetValue) -> Reply {
    let n = result.len();
    if n > 0 {
        ctx.db().insert(dst, Value::Set(result), 0);
        ctx.modified(dst, 1);
    } else if let Some(i) = ctx.lookup(dst) {
        ctx.db().remove_at(i);
        ctx.modified(dst, 1);
    }
    Reply::Int(n as i64)
}

fn sinter(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let idx = lookup_sets(ctx, &argv[1..], false)?;
    let db: &Db = ctx.db();
    let sets: Option<Vec<&SetValue>> = resolve(db, &idx).into_iter().collect();
    let Some(sets) = sets else {
        return Ok(Reply::Set(Vec::new()));
    };
    Ok(Reply::Set(
        intersection(&sets, 0).into_iter().map(bulk).collect(),
    ))
}

fn sinterstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let idx = lookup_sets(ctx, &argv[2..], true)?;
    let max = ctx.shard.limits.set_max_intset_entries;
    let db: &Db = ctx.db();
    let sets: Option<Vec<&SetValue>> = resolve(db, &idx).into_iter().collect();
    let mut result = SetValue::new_ints();
    if let Some(sets) = sets {
        for m in intersection(&sets, 0) {
            result.insert_member(m, max);
        }
    }
    Ok(store(ctx, &argv[1], result))
}

fn sintercard(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let numkeys = match crate::num::parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(Error::err("numkeys should be greater than 0")),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return Err(Error::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let keys_end = 2 + numkeys as usize;
    let mut limit = 0;
    let mut c = args::Cursor::new(argv, keys_end);
    while let Some(opt) = c.next() {
        if args::is(opt, "limit") && c.remaining() > 0 {
            limit = match crate::num::parse_i64(c.value()?) {
                Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => return Err(Error::err("LIMIT can't be negative")),
            };
        } else {
            return Err(Error::Syntax);
        }
    }
    let idx = lookup_sets(ctx, &argv[2..keys_end], false)?;
    let db: &Db = ctx.db();
    let sets: Option<Vec<&SetValue>> = resolve(db, &idx).into_iter().collect();
    Ok(Reply::Int(match sets {
        Some(sets) => intersection(&sets, limit).len() as i64,
        None => 0,
    }))
}

fn union_diff_reply(ctx: &mut Ctx, argv: &[Bytes], op: Op) -> Result<Reply, Error> {
    let idx = lookup_sets(ctx, &argv[1..], false)?;
    let max = ctx.shard.limits.set_max_intset_entries;
    let db: &Db = ctx.db();
    let result = union_diff(&resolve(db, &idx), op, max);
    Ok(Reply::Set(result.iter().map(bulk).collect()))
}

fn union_diff_store(ctx: &mut Ctx, argv: &[Bytes], op: Op) -> Result<Reply, Error> {
    let idx = lookup_sets(ctx, &argv[2..], true)?;
    let max = ctx.shard.limits.set_max_intset_entries;
    let db: &Db = ctx.db();
    let result = union_diff(&resolve(db, &idx), op, max);
    Ok(store(ctx, &argv[1], result))
}

fn sunion(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    union_diff_reply(ctx, argv, Op::Union)
}

fn sdiff(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    union_diff_reply(ctx, argv, Op::Diff)
}

fn sunionstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    union_diff_store(ctx, argv, Op::Union)
}

fn sdiffstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    union_diff_store(ctx, argv, Op::Diff)
}

fn sscan(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let cursor =
        super::keyspace::parse_scan_cursor(&argv[2]).ok_or_else(|| Error::err("invalid cursor"))?;
    let Some(i) = find_set(ctx, &argv[1], true)? else {
        return Ok(super::keyspace::scan_reply(0, Vec::new()));
    };
    // Options are read only once the key is known to be a set, as in Redis.
    let (count, pattern) = super::keyspace::collection_scan_opts(argv)?;
    let s = as_set(ctx, i)?;
    let mut found = Vec::new();
    let next = s.scan(cursor, count, |m| {
        m.with_bytes(|b| {
            if pattern.is_none_or(|p| crate::glob::glob_match(p, b, false)) {
                found.push(Reply::bulk(b));
            }
        })
    });
    Ok(super::keyspace::scan_reply(next, found))
}
