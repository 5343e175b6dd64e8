//! Hash commands (Redis's `t_hash.c`). The value and its two encodings live
//! in `shard/hash.rs`; an emptied hash is deleted, as in Redis.

use bytes::Bytes;

use super::args;
use super::keyed;
use super::table::{flags::*, CommandSpec, KeySpec};
use crate::error::Error;
use crate::num::IncrFloatError;
use crate::resp::Reply;
use crate::shard::hash::{Hash, Rng};
use crate::shard::{Ctx, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(hset))
        .doc("hash", "2.0.0", "Set the string value of a hash field", "key field value [field value ...]")
        .complexity("O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs."),
    CommandSpec::new("hsetnx", 4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(hsetnx))
        .doc("hash", "2.0.0", "Set the value of a hash field, only if the field does not exist", "key field value")
        .complexity("O(1)"),
    CommandSpec::new("hmset", -4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(hmset))
        .doc("hash", "2.0.0", "Set multiple hash fields to multiple values", "key field value [field value ...]")
        .complexity("O(N) where N is the number of fields being set."),
    CommandSpec::new("hget", 3, READONLY | FAST, KeySpec::single(), keyed(hget))
        .doc("hash", "2.0.0", "Get the value of a hash field", "key field")
        .complexity("O(1)"),
    CommandSpec::new("hmget", -3, READONLY | FAST, KeySpec::single(), keyed(hmget))
        .doc("hash", "2.0.0", "Get the values of all the given hash fields", "key field [field ...]")
        .complexity("O(N) where N is the number of fields being requested."),
    CommandSpec::new("hdel", -3, WRITE | FAST, KeySpec::single(), keyed(hdel))
        .doc("hash", "2.0.0", "Delete one or more hash fields", "key field [field ...]")
        .complexity("O(N) where N is the number of fields to be removed."),
    CommandSpec::new("hlen", 2, READONLY | FAST, KeySpec::single(), keyed(hlen))
        .doc("hash", "2.0.0", "Get the number of fields in a hash", "key")
        .complexity("O(1)"),
    CommandSpec::new("hexists", 3, READONLY | FAST, KeySpec::single(), keyed(hexists))
        .doc("hash", "2.0.0", "Determine if a hash field exists", "key field")
        .complexity("O(1)"),
    CommandSpec::new("hkeys", 2, READONLY, KeySpec::single(), keyed(hkeys))
        .doc("hash", "2.0.0", "Get all the fields in a hash", "key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hvals", 2, READONLY, KeySpec::single(), keyed(hvals))
        .doc("hash", "2.0.0", "Get all the values in a hash", "key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hgetall", 2, READONLY, KeySpec::single(), keyed(hgetall))
        .doc("hash", "2.0.0", "Get all the fields and values in a hash", "key")
        .complexity("O(N) where N is the size of the hash."),
    CommandSpec::new("hincrby", 4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(hincrby))
        .doc("hash", "2.0.0", "Increment the integer value of a hash field by the given number", "key field increment")
        .complexity("O(1)"),
    CommandSpec::new("hincrbyfloat", 4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(hincrbyfloat))
        .doc("hash", "2.6.0", "Increment the float value of a hash field by the given amount", "key field increment")
        .complexity("O(1)"),
    CommandSpec::new("hstrlen", 3, READONLY | FAST, KeySpec::single(), keyed(hstrlen))
        .doc("hash", "3.2.0", "Get the length of the value of a hash field", "key field")
        .complexity("O(1)"),
    CommandSpec::new("hrandfield", -2, READONLY, KeySpec::single(), keyed(hrandfield))
        .doc("hash", "6.2.0", "Get one or multiple random fields from a hash", "key [count [WITHVALUES]]")
        .complexity("O(N) where N is the number of fields returned"),
    CommandSpec::new("hscan", -3, READONLY, KeySpec::single(), keyed(hscan))
        .doc("hash", "2.8.0", "Incrementally iterate hash fields and associated values", "key cursor [MATCH pattern] [COUNT count]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

/// The most elements HRANDFIELD with a negative count returns. Redis streams
/// any count into the client's output buffer; ringkv builds the reply in
/// memory first, so an absurd count is refused instead of exhausting it.
pub const MAX_RANDOM_REPLY: u64 = 1 << 22;

/// The hash at entry `i` (an access: stamps its LRU clock, as Redis's
/// lookupKey does); WRONGTYPE for any other type.
fn as_hash<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut Hash, Error> {
    let db = ctx.db();
    let clock = db.clock;
    let e = db.entry_mut(i);
    e.lru = clock;
    match &mut e.value {
        Value::Hash(h) => Ok(h),
        _ => Err(Error::WrongType),
    }
}

/// The position of the hash at `key`, checked for its type, or None.
fn find(ctx: &mut Ctx, key: &[u8], read: bool) -> Result<Option<u32>, Error> {
    let found = if read {
        ctx.lookup_read(key)
    } else {
        ctx.lookup(key)
    };
    if let Some(i) = found {
        as_hash(ctx, i)?;
    }
    Ok(found)
}

/// The position of the hash at `key`, an empty one added when missing
/// (Redis's hashTypeLookupWriteOrCreate). The caller sets a field in it
/// before returning, so no empty hash is left in the keyspace.
fn found_or_create(ctx: &mut Ctx, key: &[u8], found: Option<u32>) -> u32 {
    match found {
        Some(i) => i,
        None => ctx.db().insert(key, Value::Hash(Hash::new()), 0),
    }
}

fn hset_common(ctx: &mut Ctx, argv: &[Bytes]) -> Result<usize, Error> {
    if argv.len() % 2 == 1 {
        return Err(Error::wrong_arity(&argv[0]));
    }
    let key = &argv[1];
    let found = find(ctx, key, false)?;
    let i = found_or_create(ctx, key, found);
    let limits = ctx.shard.limits;
    let h = as_hash(ctx, i)?;
    h.prepare_for(
        argv[2..].iter().map(|a| &a[..]),
        limits.hash_max_listpack_value,
    );
    let created = argv[2..]
        .chunks_exact(2)
        .filter(|p| {
            h.set(
                &p[0],
                &p[1],
                limits.hash_max_listpack_entries,
                limits.hash_max_listpack_value,
            )
        })
        .count();
    // Redis signals the key even when every field already had its value.
    ctx.modified(key, ((argv.len() - 2) / 2) as u64);
    Ok(created)
}

fn hset(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    hset_common(ctx, argv).map(|n| Reply::Int(n as i64))
}

fn hmset(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    hset_common(ctx, argv).map(|_| Reply::Ok)
}

fn hsetnx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (key, field, value) = (&argv[1], &argv[2], &argv[3]);
    let found = find(ctx, key, false)?;
    if let Some(i) = found {
        if as_hash(ctx, i)?.contains(field) {
            return Ok(Reply::Int(0));
        }
    }
    let i = found_or_create(ctx, key, found);
    let limits = ctx.shard.limits;
    let h = as_hash(ctx, i)?;
    h.prepare_for([&field[..], &value[..]], limits.hash_max_listpack_value);
    h.set(
        field,
        value,
        limits.hash_max_listpack_entries,
        limits.hash_max_listpack_value,
    );
    ctx.modified(key, 1);
    Ok(Reply::Int(1))
}

fn hget(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Nil);
    };
    Ok(as_hash(ctx, i)?
        .get(&argv[2])
        .map_or(Reply::Nil, Reply::bulk))
}

fn hmget(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(vec![Reply::Nil; argv.len() - 2]));
    };
    let h = as_hash(ctx, i)?;
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|f| h.get(f).map_or(Reply::Nil, Reply::bulk))
            .collect(),
    ))
}

fn hdel(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let Some(i) = find(ctx, key, false)? else {
        return Ok(Reply::Int(0));
    };
    let h = as_hash(ctx, i)?;
    let mut deleted = 0u64;
    for f in &argv[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                break;
            }
        }
    }
    if h.is_empty() {
        ctx.db().remove_at(i);
    }
    if deleted > 0 {
        ctx.modified(key, deleted);
    }
    Ok(Reply::Int(deleted as i64))
}

fn hlen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_hash(ctx, i)?.len() as i64))
}

fn hexists(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_hash(ctx, i)?.contains(&argv[2]) as i64))
}

fn hstrlen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(
        as_hash(ctx, i)?.get(&argv[2]).map_or(0, |v| v.len()) as i64,
    ))
}

fn hkeys(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    let h = as_hash(ctx, i)?;
    Ok(Reply::Array(
        h.iter().map(|(f, _)| Reply::bulk(f)).collect(),
    ))
}

fn hvals(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    let h = as_hash(ctx, i)?;
    Ok(Reply::Array(
        h.iter().map(|(_, v)| Reply::bulk(v)).collect(),
    ))
}

fn hgetall(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Map(Vec::new()));
    };
    let h = as_hash(ctx, i)?;
    Ok(Reply::Map(
        h.iter()
            .map(|(f, v)| (Reply::bulk(f), Reply::bulk(v)))
            .collect(),
    ))
}

/// Sets `field` of the hash at `i` (created when None) to `value`, as the
/// HINCRBY family does: no upfront conversion check, hashTypeSet's own.
fn set_one(
    ctx: &mut Ctx,
    key: &[u8],
    found: Option<u32>,
    field: &[u8],
    value: &[u8],
) -> Result<(), Error> {
    let i = found_or_create(ctx, key, found);
    let limits = ctx.shard.limits;
    as_hash(ctx, i)?.set(
        field,
        value,
        limits.hash_max_listpack_entries,
        limits.hash_max_listpack_value,
    );
    ctx.modified(key, 1);
    Ok(())
}

fn hincrby(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (key, field) = (&argv[1], &argv[2]);
    let incr = args::int(&argv[3])?;
    let found = find(ctx, key, false)?;
    let cur = match found {
        Some(i) => match as_hash(ctx, i)?.get(field) {
            Some(v) => crate::num::parse_i64(v)
                .ok_or_else(|| Error::err("hash value is not an integer"))?,
            None => 0,
        },
        None => 0,
    };
    let new = cur.checked_add(incr).ok_or(Error::Overflow)?;
    let mut tmp = crate::shard::value::itoa_buf::Buf::new();
    set_one(ctx, key, found, field, tmp.format(new))?;
    Ok(Reply::Int(new))
}

fn hincrbyfloat(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (key, field, incr) = (&argv[1], &argv[2], &argv[3]);
    match crate::num::long_double_is_finite(incr) {
        None => return Err(Error::NotFloat),
        Some(false) => return Err(Error::err("value is NaN or Infinity")),
        Some(true) => {}
    }
    let found = find(ctx, key, false)?;
    let res = match found {
        Some(i) => {
            let cur = as_hash(ctx, i)?.get(field).unwrap_or(b"0");
            crate::num::incr_by_float(cur, incr)
        }
        None => crate::num::incr_by_float(b"0", incr),
    };
    let out = res.map_err(|e| match e {
        IncrFloatError::CurNotFloat => Error::err("hash value is not a float"),
        IncrFloatError::IncrNotFloat => Error::NotFloat,
        IncrFloatError::NanOrInf => Error::err("increment would produce NaN or Infinity"),
    })?;
    set_one(ctx, key, found, field, &out)?;
    Ok(Reply::Bulk(Bytes::from(out)))
}

fn hrandfield(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len() >= 3 {
        // Count and options are checked before the key, as in Redis.
        let l = args::int(&argv[2])?;
        if l == i64::MIN {
            return Err(Error::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        let withvalues = match argv.get(3) {
            None => false,
            Some(a) if argv.len() == 4 && args::is(a, "withvalues") => true,
            Some(_) => return Err(Error::Syntax),
        };
        if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(Error::err("value is out of range"));
        }
        return hrandfield_count(ctx, &argv[1], l, withvalues);
    }
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Nil);
    };
    let mut rng = Rng::new(ctx.shard.random());
    let h = as_hash(ctx, i)?;
    Ok(h.random(&mut rng)
        .map_or(Reply::Nil, |(f, _)| Reply::bulk(f)))
}

fn hrandfield_count(ctx: &mut Ctx, key: &[u8], l: i64, withvalues: bool) -> Result<Reply, Error> {
    let Some(i) = find(ctx, key, true)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    if l == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let mut rng = Rng::new(ctx.shard.random());
    let h = as_hash(ctx, i)?;
    let count = l.unsigned_abs();
    // A negative count samples with repetitions, in random order.
    let picks: Vec<(&[u8], &[u8])> = if l < 0 || count == 1 {
        if count > MAX_RANDOM_REPLY {
            return Err(Error::err("value is out of range"));
        }
        (0..count).filter_map(|_| h.random(&mut rng)).collect()
    } else {
        h.random_distinct(usize::try_from(count).unwrap_or(usize::MAX), &mut rng)
    };
    Ok(if withvalues {
        Reply::Pairs(
            picks
                .into_iter()
                .map(|(f, v)| (Reply::bulk(f), Reply::bulk(v)))
                .collect(),
        )
    } else {
        Reply::Array(picks.into_iter().map(|(f, _)| Reply::bulk(f)).collect())
    })
}

fn hscan(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let cursor =
        super::keyspace::parse_scan_cursor(&argv[2]).ok_or_else(|| Error::err("invalid cursor"))?;
    // Redis looks the key up before reading the options: a missing key
    // answers an empty scan whatever follows.
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(super::keyspace::scan_reply(0, Vec::new()));
    };
    let (count, pattern) = super::keyspace::collection_scan_opts(argv)?;
    let h = as_hash(ctx, i)?;
    let mut items = Vec::new();
    let mut visited = 0usize;
    // COUNT bounds the pairs looked at (before MATCH filters them), as
    // Redis's dictScan loop does; holes count against ten times that.
    let next = h.scan(cursor, count.saturating_mul(10), |f, v| {
        visited += 1;
        if pattern.is_none_or(|p| crate::glob::glob_match(p, f, false)) {
            items.push(Reply::bulk(f));
            items.push(Reply::bulk(v));
        }
        visited < count
    });
    Ok(super::keyspace::scan_reply(next, items))
}
