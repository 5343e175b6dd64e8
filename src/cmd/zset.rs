//! Sorted-set commands (Redis's `t_zset.c`): the command table, argument
//! parsing shared with `zset_ext`, and the single-key commands. Ranges
//! (ZRANGE and friends, ZRANGESTORE) and the multi-key set operations live
//! in `zset_ext`. The data structure is `shard::zset`. An emptied sorted set
//! is deleted, as in Redis.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, KeySpec};
use super::zset_ext::{
    zdiff, zdiffstore, zinter, zintercard, zinterstore, zrange, zrangebylex, zrangebyscore,
    zrangestore, zrevrange, zrevrangebylex, zrevrangebyscore, zunion, zunionstore,
};
use super::{args, gather, keyed};
use crate::error::Error;
use crate::resp::encode::fmt_double;
use crate::resp::Reply;
use crate::shard::zset::{AddFlags, Added, LexBound, LexRange, ScoreRange, ZSet};
use crate::shard::{Ctx, Value};

/// Keys of `ZUNION numkeys key ...`-shaped commands.
const NUMKEYS_1: KeySpec = KeySpec::Keynum {
    fixed: 0,
    numkeys: 1,
    first: 1,
    step: 1,
};

/// Keys of `ZUNIONSTORE destination numkeys key ...`-shaped commands.
const DEST_NUMKEYS_2: KeySpec = KeySpec::Keynum {
    fixed: 1,
    numkeys: 2,
    first: 1,
    step: 1,
};

const SET_OPS_SYNTAX: &str =
    "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]";
const SET_OPS_STORE_SYNTAX: &str =
    "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]";
const RANGE_COMPLEXITY: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";
const REMRANGE_COMPLEXITY: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
const POP_COMPLEXITY: &str = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(zadd))
        .doc("sorted-set", "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists", "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]")
        .complexity("O(log(N)) for each item added, where N is the number of elements in the sorted set."),
    CommandSpec::new("zincrby", 4, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(zincrby))
        .doc("sorted-set", "1.2.0", "Increment the score of a member in a sorted set", "key increment member")
        .complexity("O(log(N)) where N is the number of elements in the sorted set."),
    CommandSpec::new("zrem", -3, WRITE | FAST, KeySpec::single(), keyed(zrem))
        .doc("sorted-set", "1.2.0", "Remove one or more members from a sorted set", "key member [member ...]")
        .complexity("O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed."),
    CommandSpec::new("zscore", 3, READONLY | FAST, KeySpec::single(), keyed(zscore))
        .doc("sorted-set", "1.2.0", "Get the score associated with the given member in a sorted set", "key member")
        .complexity("O(1)"),
    CommandSpec::new("zmscore", -3, READONLY | FAST, KeySpec::single(), keyed(zmscore))
        .doc("sorted-set", "6.2.0", "Get the score associated with the given members in a sorted set", "key member [member ...]")
        .complexity("O(N) where N is the number of members being requested."),
    CommandSpec::new("zcard", 2, READONLY | FAST, KeySpec::single(), keyed(zcard))
        .doc("sorted-set", "1.2.0", "Get the number of members in a sorted set", "key")
        .complexity("O(1)"),
    CommandSpec::new("zcount", 4, READONLY | FAST, KeySpec::single(), keyed(zcount))
        .doc("sorted-set", "2.0.0", "Count the members in a sorted set with scores within the given values", "key min max")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("zlexcount", 4, READONLY | FAST, KeySpec::single(), keyed(zlexcount))
        .doc("sorted-set", "2.8.9", "Count the number of members in a sorted set between a given lexicographical range", "key min max")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("zrange", -4, READONLY, KeySpec::single(), keyed(zrange))
        .doc("sorted-set", "1.2.0", "Return a range of members in a sorted set", "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    CommandSpec::new("zrangebyscore", -4, READONLY, KeySpec::single(), keyed(zrangebyscore))
        .doc("sorted-set", "1.0.5", "Return a range of members in a sorted set, by score", "key min max [WITHSCORES] [LIMIT offset count]")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("zrevrangebyscore", -4, READONLY, KeySpec::single(), keyed(zrevrangebyscore))
        .doc("sorted-set", "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low", "key max min [WITHSCORES] [LIMIT offset count]")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("zrangebylex", -4, READONLY, KeySpec::single(), keyed(zrangebylex))
        .doc("sorted-set", "2.8.9", "Return a range of members in a sorted set, by lexicographical range", "key min max [LIMIT offset count]")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("zrevrangebylex", -4, READONLY, KeySpec::single(), keyed(zrevrangebylex))
        .doc("sorted-set", "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "key max min [LIMIT offset count]")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("zrevrange", -4, READONLY, KeySpec::single(), keyed(zrevrange))
        .doc("sorted-set", "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low", "key start stop [WITHSCORES]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned."),
    CommandSpec::new("zrangestore", -5, WRITE | DENYOOM, KeySpec::range(1, 2, 1), gather(zrangestore))
        .doc("sorted-set", "6.2.0", "Store a range of members from sorted set into another key", "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]")
        .complexity("O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key."),
    CommandSpec::new("zrank", 3, READONLY | FAST, KeySpec::single(), keyed(zrank))
        .doc("sorted-set", "2.0.0", "Determine the index of a member in a sorted set", "key member")
        .complexity("O(log(N))"),
    CommandSpec::new("zrevrank", 3, READONLY | FAST, KeySpec::single(), keyed(zrevrank))
        .doc("sorted-set", "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low", "key member")
        .complexity("O(log(N))"),
    CommandSpec::new("zpopmin", -2, WRITE | FAST, KeySpec::single(), keyed(zpopmin))
        .doc("sorted-set", "5.0.0", "Remove and return members with the lowest scores in a sorted set", "key [count]")
        .complexity(POP_COMPLEXITY),
    CommandSpec::new("zpopmax", -2, WRITE | FAST, KeySpec::single(), keyed(zpopmax))
        .doc("sorted-set", "5.0.0", "Remove and return members with the highest scores in a sorted set", "key [count]")
        .complexity(POP_COMPLEXITY),
    CommandSpec::new("zmpop", -4, WRITE, NUMKEYS_1, gather(zmpop))
        .doc("sorted-set", "7.0.0", "Remove and return members with scores in a sorted set", "numkeys key [key ...] <MIN | MAX> [COUNT count]")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
    CommandSpec::new("zrandmember", -2, READONLY, KeySpec::single(), keyed(zrandmember))
        .doc("sorted-set", "6.2.0", "Get one or multiple random elements from a sorted set", "key [count [WITHSCORES]]")
        .complexity("O(N) where N is the number of elements returned"),
    CommandSpec::new("zremrangebyrank", 4, WRITE, KeySpec::single(), keyed(zremrangebyrank))
        .doc("sorted-set", "2.0.0", "Remove all members in a sorted set within the given indexes", "key start stop")
        .complexity(REMRANGE_COMPLEXITY),
    CommandSpec::new("zremrangebyscore", 4, WRITE, KeySpec::single(), keyed(zremrangebyscore))
        .doc("sorted-set", "1.2.0", "Remove all members in a sorted set within the given scores", "key min max")
        .complexity(REMRANGE_COMPLEXITY),
    CommandSpec::new("zremrangebylex", 4, WRITE, KeySpec::single(), keyed(zremrangebylex))
        .doc("sorted-set", "2.8.9", "Remove all members in a sorted set between the given lexicographical range", "key min max")
        .complexity(REMRANGE_COMPLEXITY),
    CommandSpec::new("zunion", -3, READONLY, NUMKEYS_1, gather(zunion))
        .doc("sorted-set", "6.2.0", "Add multiple sorted sets", SET_OPS_SYNTAX)
        .complexity("O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zinter", -3, READONLY, NUMKEYS_1, gather(zinter))
        .doc("sorted-set", "6.2.0", "Intersect multiple sorted sets", SET_OPS_SYNTAX)
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zdiff", -3, READONLY, NUMKEYS_1, gather(zdiff))
        .doc("sorted-set", "6.2.0", "Subtract multiple sorted sets", "numkeys key [key ...] [WITHSCORES]")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    CommandSpec::new("zunionstore", -4, WRITE | DENYOOM, DEST_NUMKEYS_2, gather(zunionstore))
        .doc("sorted-set", "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key", SET_OPS_STORE_SYNTAX)
        .complexity("O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zinterstore", -4, WRITE | DENYOOM, DEST_NUMKEYS_2, gather(zinterstore))
        .doc("sorted-set", "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key", SET_OPS_STORE_SYNTAX)
        .complexity("O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set."),
    CommandSpec::new("zdiffstore", -4, WRITE | DENYOOM, DEST_NUMKEYS_2, gather(zdiffstore))
        .doc("sorted-set", "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key", "destination numkeys key [key ...]")
        .complexity("O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set."),
    CommandSpec::new("zintercard", -3, READONLY, NUMKEYS_1, gather(zintercard))
        .doc("sorted-set", "7.0.0", "Intersect multiple sorted sets and return the cardinality of the result", "numkeys key [key ...] [LIMIT limit]")
        .complexity("O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets."),
    CommandSpec::new("zscan", -3, READONLY, KeySpec::single(), keyed(zscan))
        .doc("sorted-set", "2.8.0", "Incrementally iterate sorted sets elements and associated scores", "key cursor [MATCH pattern] [COUNT count]")
        .complexity("O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.."),
];

// ------------------------------------------------------------- helpers --

/// The sorted set at entry `i`; WRONGTYPE for any other type.
pub(super) fn as_zset<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut ZSet, Error> {
    match &mut ctx.db().entry_mut(i).value {
        Value::ZSet(z) => Ok(z),
        _ => Err(Error::WrongType),
    }
}

/// A score as a reply: a RESP3 double, a bulk string in RESP2.
pub(super) fn score_reply(s: f64) -> Reply {
    Reply::Double(s)
}

/// Entries as a reply: members only, or (RESP2 flat / RESP3 nested) pairs.
pub(super) fn entries_reply(items: Vec<(Bytes, f64)>, withscores: bool) -> Reply {
    if withscores {
        Reply::Pairs(
            items
                .into_iter()
                .map(|(m, s)| (Reply::Bulk(m), score_reply(s)))
                .collect(),
        )
    } else {
        Reply::Array(items.into_iter().map(|(m, _)| Reply::Bulk(m)).collect())
    }
}

/// C's `strtod` over a C string, as Redis's zslParseRange uses it: the
/// string ends at its first NUL, leading spaces, hex and `inf` are
/// accepted, the empty string reads as 0, out-of-range values as ±inf or 0,
/// and anything left unparsed or a NaN is refused.
fn strtod_whole(b: &[u8]) -> Option<f64> {
    let b = b.split(|&c| c == 0).next().unwrap_or(b);
    let mut buf = Vec::with_capacity(b.len() + 1);
    buf.extend_from_slice(b);
    buf.push(0);
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `buf` is NUL-terminated and outlives the call; strtod only
    // reads it and stores into `end` a pointer into it.
    let v = unsafe { libc::strtod(buf.as_ptr().cast(), &mut end) };
    let consumed = (end as usize).wrapping_sub(buf.as_ptr() as usize);
    (consumed == b.len() && !v.is_nan()).then_some(v)
}

/// One end of a score range: `(` makes it exclusive.
fn score_bound(b: &[u8]) -> Option<(f64, bool)> {
    match b.first() {
        Some(b'(') => strtod_whole(&b[1..]).map(|v| (v, true)),
        _ => strtod_whole(b).map(|v| (v, false)),
    }
}

/// Parses `min max` of ZRANGEBYSCORE and friends (Redis's zslParseRange).
pub(super) fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Error> {
    match (score_bound(min), score_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(Error::err("min or max is not a float")),
    }
}

/// One end of a lex range: `-`, `+`, `(member` or `[member`.
fn lex_bound(b: &Bytes) -> Option<(LexBound, bool)> {
    // Redis tests the byte after `+`/`-` for the C string's end.
    let lone = b.len() == 1 || b.get(1) == Some(&0);
    match b.first() {
        Some(b'+') if lone => Some((LexBound::PosInf, true)),
        Some(b'-') if lone => Some((LexBound::NegInf, true)),
        Some(b'(') => Some((LexBound::Val(b.slice(1..)), true)),
        Some(b'[') => Some((LexBound::Val(b.slice(1..)), false)),
        _ => None,
    }
}

/// Parses `min max` of ZRANGEBYLEX and friends (Redis's zslParseLexRange).
pub(super) fn lex_range(min: &Bytes, max: &Bytes) -> Result<LexRange, Error> {
    match (lex_bound(min), lex_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(LexRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(Error::err("min or max not valid string range item")),
    }
}

/// Ranks `first..=last` of the entries in a score range.
fn score_span(z: &ZSet, r: &ScoreRange) -> Option<(usize, usize)> {
    let first = z.first_in_score_range(r)?;
    let last = z.last_in_score_range(r)?;
    (last >= first).then_some((first, last))
}

/// Ranks `first..=last` of the entries in a lex range. The compact form
/// counts on from the first entry while members stay under the maximum, as
/// Redis's listpack code does (it matters only for members of mixed scores).
fn lex_span(z: &ZSet, r: &LexRange) -> Option<(usize, usize)> {
    let first = z.first_in_lex_range(r)?;
    let last = if z.is_compact() {
        first
            + z.iter_from(first, false)
                .take_while(|e| r.lte_max(e.0))
                .count()
            - 1
    } else {
        z.last_in_lex_range(r)?
    };
    (last >= first).then_some((first, last))
}

// ------------------------------------------------------------ commands --

fn zadd(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zadd_generic(ctx, argv, false)
}

fn zincrby(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zadd_generic(ctx, argv, true)
}

/// ZADD and ZINCRBY (Redis's zaddGenericCommand). ZINCRBY's increment goes
/// through the option loop too, so `ZINCRBY k nx m` is a syntax error there
/// as well.
fn zadd_generic(ctx: &mut Ctx, argv: &[Bytes], incr: bool) -> Result<Reply, Error> {
    let key = &argv[1];
    let mut f = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut i = 2;
    while let Some(a) = argv.get(i) {
        if args::is(a, "nx") {
            f.nx = true;
        } else if args::is(a, "xx") {
            f.xx = true;
        } else if args::is(a, "ch") {
            ch = true;
        } else if args::is(a, "incr") {
            f.incr = true;
        } else if args::is(a, "gt") {
            f.gt = true;
        } else if args::is(a, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let pairs = &argv[i..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(Error::Syntax);
    }
    if f.nx && f.xx {
        return Err(Error::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err(Error::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if f.incr && pairs.len() > 2 {
        return Err(Error::err(
            "INCR option supports a single increment-element pair",
        ));
    }
    // Every score is checked before anything changes.
    let scores = pairs
        .chunks(2)
        .map(|p| args::float(&p[0]))
        .collect::<Result<Vec<f64>, Error>>()?;
    let idx = match ctx.lookup(key) {
        Some(i) => i,
        None if f.xx => {
            return Ok(if f.incr { Reply::Nil } else { Reply::Int(0) });
        }
        None => ctx.db().insert(key, Value::ZSet(ZSet::new()), 0),
    };
    let limits = ctx.shard.limits;
    let z = as_zset(ctx, idx)?;
    let (mut added, mut updated, mut processed) = (0u64, 0u64, 0u64);
    let mut last = 0.0;
    let mut nan = false;
    for (p, &score) in pairs.chunks(2).zip(&scores) {
        match z.add(&p[1], score, f, &limits) {
            Added::Added(s) => {
                added += 1;
                processed += 1;
                last = s;
            }
            Added::Updated(s) => {
                updated += 1;
                processed += 1;
                last = s;
            }
            Added::Same(s) => {
                processed += 1;
                last = s;
            }
            Added::Nop => {}
            Added::Nan => {
                nan = true;
                break;
            }
        }
    }
    if z.is_empty() {
        ctx.db().remove_at(idx);
    }
    if added + updated > 0 {
        ctx.modified(key, added + updated);
    }
    if nan {
        return Err(Error::err("resulting score is not a number (NaN)"));
    }
    Ok(if f.incr {
        if processed > 0 {
            score_reply(last)
        } else {
            Reply::Nil
        }
    } else {
        Reply::Int((if ch { added + updated } else { added }) as i64)
    })
}

fn zrem(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let Some(i) = ctx.lookup(key) else {
        return Ok(Reply::Int(0));
    };
    let z = as_zset(ctx, i)?;
    let mut deleted = 0u64;
    for m in &argv[2..] {
        deleted += z.remove(m) as u64;
        if z.is_empty() {
            break;
        }
    }
    if z.is_empty() {
        ctx.db().remove_at(i);
    }
    if deleted > 0 {
        ctx.modified(key, deleted);
    }
    Ok(Reply::Int(deleted as i64))
}

fn zscore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Nil);
    };
    Ok(match as_zset(ctx, i)?.score(&argv[2]) {
        Some(s) => score_reply(s),
        None => Reply::Nil,
    })
}

fn zmscore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let z = match ctx.lookup_read(&argv[1]) {
        Some(i) => Some(&*as_zset(ctx, i)?),
        None => None,
    };
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| match z.and_then(|z| z.score(m)) {
                Some(s) => score_reply(s),
                None => Reply::Nil,
            })
            .collect(),
    ))
}

fn zcard(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_zset(ctx, i)?.len() as i64))
}

fn zcount(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let r = score_range(&argv[2], &argv[3])?;
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    let z = as_zset(ctx, i)?;
    Ok(Reply::Int(
        score_span(z, &r).map_or(0, |(a, b)| b + 1 - a) as i64
    ))
}

fn zlexcount(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let r = lex_range(&argv[2], &argv[3])?;
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    let z = as_zset(ctx, i)?;
    Ok(Reply::Int(
        lex_span(z, &r).map_or(0, |(a, b)| b + 1 - a) as i64
    ))
}

fn zrank(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    rank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    rank_generic(ctx, argv, true)
}

fn rank_generic(ctx: &mut Ctx, argv: &[Bytes], rev: bool) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Nil);
    };
    let z = as_zset(ctx, i)?;
    Ok(match z.rank(&argv[2]) {
        Some(r) if rev => Reply::Int((z.len() - 1 - r) as i64),
        Some(r) => Reply::Int(r as i64),
        None => Reply::Nil,
    })
}

/// Popped entries: the position in `keys` of the key they came from, and
/// the (member, score) pairs in pop order.
pub type Popped = (usize, Vec<(Box<[u8]>, f64)>);

/// Pops up to `count` entries from the low (or, with `max`, high) end of
/// the first of `keys` that exists, deleting it when emptied (Redis's
/// genericZpopCommand without the reply). None when no key exists;
/// WRONGTYPE when the first existing key is not a sorted set. ZPOPMIN,
/// ZPOPMAX and ZMPOP use it; so will BZPOPMIN, BZPOPMAX and BZMPOP once a
/// key they wait on is served.
pub fn pop_first(
    ctx: &mut Ctx,
    keys: &[Bytes],
    max: bool,
    count: usize,
) -> Result<Option<Popped>, Error> {
    let Some((k, i)) = keys
        .iter()
        .enumerate()
        .find_map(|(k, key)| ctx.lookup(key).map(|i| (k, i)))
    else {
        return Ok(None);
    };
    let z = as_zset(ctx, i)?;
    let n = count.min(z.len());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match z.pop(max) {
            Some(e) => out.push(e),
            None => break,
        }
    }
    if z.is_empty() {
        ctx.db().remove_at(i);
    }
    if !out.is_empty() {
        ctx.modified(&keys[k], out.len() as u64);
    }
    Ok(Some((k, out)))
}

fn pair_reply((m, s): (Box<[u8]>, f64)) -> (Reply, Reply) {
    (Reply::Bulk(Bytes::from(m.into_vec())), score_reply(s))
}

fn zpopmin(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zpop(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zpop(ctx, argv, true)
}

fn zpop(ctx: &mut Ctx, argv: &[Bytes], max: bool) -> Result<Reply, Error> {
    if argv.len() > 3 {
        return Err(Error::Syntax);
    }
    let count = match argv.get(2) {
        Some(c) => match crate::num::parse_i64(c) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return Err(Error::err("value is out of range, must be positive")),
        },
        None => None,
    };
    let popped = pop_first(ctx, &argv[1..2], max, count.unwrap_or(1))?;
    let items = popped.map(|p| p.1).unwrap_or_default();
    Ok(match count {
        // Without a count, one flat pair in both protocols.
        None => Reply::Array(
            items
                .into_iter()
                .flat_map(|e| {
                    let (m, s) = pair_reply(e);
                    [m, s]
                })
                .collect(),
        ),
        Some(_) => Reply::Pairs(items.into_iter().map(pair_reply).collect()),
    })
}

/// The ZMPOP / BZMPOP reply: `[key, [[member, score], ...]]`, nested in
/// both protocols.
pub fn mpop_reply(key: &Bytes, items: Vec<(Box<[u8]>, f64)>) -> Reply {
    Reply::Array(vec![
        Reply::Bulk(key.clone()),
        Reply::Array(
            items
                .into_iter()
                .map(|e| {
                    let (m, s) = pair_reply(e);
                    Reply::Array(vec![m, s])
                })
                .collect(),
        ),
    ])
}

/// Parses ZMPOP's (from `numkeys`) arguments: (keys, max, count).
pub fn mpop_args(argv: &[Bytes], numkeys_idx: usize) -> Result<(&[Bytes], bool, usize), Error> {
    let numkeys = match crate::num::parse_i64(&argv[numkeys_idx]) {
        Some(n) if n >= 1 => n as usize,
        _ => return Err(Error::err("numkeys should be greater than 0")),
    };
    let where_idx = numkeys_idx
        .checked_add(numkeys)
        .and_then(|n| n.checked_add(1))
        .filter(|&w| w < argv.len())
        .ok_or(Error::Syntax)?;
    let max = if args::is(&argv[where_idx], "min") {
        false
    } else if args::is(&argv[where_idx], "max") {
        true
    } else {
        return Err(Error::Syntax);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && args::is(&argv[j], "count") && j + 1 < argv.len() {
            j += 1;
            match crate::num::parse_i64(&argv[j]) {
                Some(n) if n >= 1 => count = Some(n as usize),
                _ => return Err(Error::err("count should be greater than 0")),
            }
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok((&argv[numkeys_idx + 1..where_idx], max, count.unwrap_or(1)))
}

fn zmpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (keys, max, count) = mpop_args(argv, 1)?;
    Ok(match pop_first(ctx, keys, max, count)? {
        Some((k, items)) => mpop_reply(&keys[k], items),
        None => Reply::NilArray,
    })
}

fn zrandmember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len() >= 3 {
        let l = args::int(&argv[2])?;
        if l == i64::MIN {
            return Err(Error::err(
                "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        if argv.len() > 4 || (argv.len() == 4 && !args::is(&argv[3], "withscores")) {
            return Err(Error::Syntax);
        }
        return zrandmember_count(ctx, &argv[1], l, argv.len() == 4);
    }
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Nil);
    };
    let len = as_zset(ctx, i)?.len();
    let r = (ctx.shard.random() % len.max(1) as u64) as usize;
    let z = as_zset(ctx, i)?;
    Ok(z.get(r).map_or(Reply::Nil, |(m, _)| Reply::bulk(m)))
}

/// ZRANDMEMBER key count [WITHSCORES] (Redis's zrandmemberWithCountCommand).
fn zrandmember_count(ctx: &mut Ctx, key: &[u8], l: i64, withscores: bool) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(key) else {
        return Ok(Reply::Array(Vec::new()));
    };
    let size = as_zset(ctx, i)?.len();
    let count = l.unsigned_abs();
    if count == 0 || size == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    // Ranks to reply, in reply order.
    let ranks: Vec<usize> = if l < 0 {
        // Repeats allowed: `count` independent picks. Built as it goes:
        // nothing is reserved from the client's count.
        let mut v = Vec::new();
        for _ in 0..count {
            v.push((ctx.shard.random() % size as u64) as usize);
        }
        v
    } else if count >= size as u64 {
        // The whole set; Redis walks it from the highest entry.
        (0..size).rev().collect()
    } else {
        let count = count as usize;
        if count * 3 > size {
            // Close to the whole set: a partial shuffle of every rank.
            let mut all: Vec<usize> = (0..size).collect();
            for k in 0..count {
                let j = k + (ctx.shard.random() % (size - k) as u64) as usize;
                all.swap(k, j);
            }
            all.truncate(count);
            all
        } else {
            let mut seen = hashbrown::HashSet::with_capacity(count);
            let mut v = Vec::with_capacity(count);
            while v.len() < count {
                let r = (ctx.shard.random() % size as u64) as usize;
                if seen.insert(r) {
                    v.push(r);
                }
            }
            v
        }
    };
    let z = as_zset(ctx, i)?;
    // The compact form is scanned once instead of once per pick.
    let table: Vec<(&[u8], f64)> = if z.is_compact() {
        z.iter().collect()
    } else {
        Vec::new()
    };
    let items = ranks
        .into_iter()
        .filter_map(|r| {
            let e = if z.is_compact() {
                table.get(r).copied()
            } else {
                z.get(r)
            };
            e.map(|(m, s)| (Bytes::copy_from_slice(m), s))
        })
        .collect();
    Ok(entries_reply(items, withscores))
}

/// A parsed range argument pair: by rank, score or member.
pub(super) enum Span {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

impl Span {
    /// The ranks `first..=last` the range covers in `z`, if any.
    pub(super) fn ranks(&self, z: &ZSet) -> Option<(usize, usize)> {
        match self {
            Span::Rank(start, end) => rank_span(*start, *end, z.len()),
            Span::Score(r) => score_span(z, r),
            Span::Lex(r) => lex_span(z, r),
        }
    }
}

fn zremrangebyrank(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let span = Span::Rank(args::int(&argv[2])?, args::int(&argv[3])?);
    zremrange(ctx, &argv[1], span)
}

fn zremrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let span = Span::Score(score_range(&argv[2], &argv[3])?);
    zremrange(ctx, &argv[1], span)
}

fn zremrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let span = Span::Lex(lex_range(&argv[2], &argv[3])?);
    zremrange(ctx, &argv[1], span)
}

/// ZREMRANGEBYRANK / BYSCORE / BYLEX (Redis's zremrangeGenericCommand):
/// the range is parsed before the key is looked up.
fn zremrange(ctx: &mut Ctx, key: &Bytes, span: Span) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup(key) else {
        return Ok(Reply::Int(0));
    };
    let z = as_zset(ctx, i)?;
    let Some((a, b)) = span.ranks(z) else {
        return Ok(Reply::Int(0));
    };
    let deleted = z.remove_range(a, b) as u64;
    if z.is_empty() {
        ctx.db().remove_at(i);
    }
    if deleted > 0 {
        ctx.modified(key, deleted);
    }
    Ok(Reply::Int(deleted as i64))
}

/// Redis's index sanitising for rank ranges: negative indexes count from
/// the end; None when the range is empty.
pub(super) fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let llen = len as i64;
    let mut start = if start < 0 { start + llen } else { start };
    let end = if end < 0 { end + llen } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return None;
    }
    Some((start as usize, end.min(llen - 1) as usize))
}

fn zscan(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let cursor =
        super::keyspace::parse_scan_cursor(&argv[2]).ok_or_else(|| Error::err("invalid cursor"))?;
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(super::keyspace::scan_reply(0, Vec::new()));
    };
    let z = as_zset(ctx, i)?;
    let (count, pattern) = super::keyspace::collection_scan_opts(argv)?;
    let mut out = Vec::new();
    let next = z.scan(cursor, count, |m, s| {
        if pattern.is_some_and(|p| !crate::glob::glob_match(p, m, false)) {
            return;
        }
        out.push(Reply::bulk(m));
        out.push(Reply::bulk_string(fmt_double(s)));
    });
    Ok(super::keyspace::scan_reply(next, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ranges_parse_like_strtod() {
        let ok = |a: &str, b: &str| score_range(a.as_bytes(), b.as_bytes()).ok();
        let r = ok("(1", "2.5").unwrap();
        assert_eq!((r.min, r.minex, r.max, r.maxex), (1.0, true, 2.5, false));
        assert_eq!(ok("", "").unwrap().min, 0.0);
        assert_eq!(ok("(", "1").unwrap().min, 0.0);
        assert_eq!(ok(" 1", "0x10").unwrap().max, 16.0);
        assert_eq!(ok("-inf", "1e999").unwrap().max, f64::INFINITY);
        assert_eq!(ok("1\0junk", "2").unwrap().min, 1.0);
        assert!(ok("nan", "1").is_none());
        assert!(ok("(nan", "1").is_none());
        assert!(ok("1 ", "2").is_none());
        assert!(ok("abc", "2").is_none());
        assert!(ok("((1", "2").is_none());
    }

    #[test]
    fn lex_ranges_parse() {
        let b = |s: &str| Bytes::copy_from_slice(s.as_bytes());
        let r = lex_range(&b("-"), &b("(c")).unwrap();
        assert_eq!(r.min, LexBound::NegInf);
        assert_eq!(r.max, LexBound::Val(b("c")));
        assert!(r.maxex);
        assert!(lex_range(&b("a"), &b("+")).is_err());
        assert!(lex_range(&b("++"), &b("+")).is_err());
        assert!(lex_range(&b(""), &b("+")).is_err());
        assert!(lex_range(&b("[a"), &b("+\0x")).is_ok());
    }

    #[test]
    fn rank_spans_sanitise_like_redis() {
        assert_eq!(rank_span(0, -1, 5), Some((0, 4)));
        assert_eq!(rank_span(-100, 100, 5), Some((0, 4)));
        assert_eq!(rank_span(3, 1, 5), None);
        assert_eq!(rank_span(5, 9, 5), None);
        assert_eq!(rank_span(-2, -1, 5), Some((3, 4)));
        assert_eq!(rank_span(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(rank_span(0, -1, 0), None);
    }

    #[test]
    fn mpop_arguments() {
        let a = |s: &str| -> Vec<Bytes> {
            s.split(' ')
                .map(|x| Bytes::copy_from_slice(x.as_bytes()))
                .collect()
        };
        let v = a("zmpop 2 a b max count 3");
        let (keys, max, count) = mpop_args(&v, 1).unwrap();
        assert_eq!((keys.len(), max, count), (2, true, 3));
        assert!(mpop_args(&a("zmpop 9223372036854775807 a min"), 1).is_err());
        assert!(mpop_args(&a("zmpop 2 a min"), 1).is_err());
        assert!(mpop_args(&a("zmpop 1 a min count 1 count 1"), 1).is_err());
        assert!(mpop_args(&a("zmpop 1 a min count 0"), 1).is_err());
    }
}
