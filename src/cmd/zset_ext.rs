//! Sorted-set ranges and set operations: ZRANGE and its older forms,
//! ZRANGESTORE (Redis's zrangeGenericCommand), and ZUNION, ZINTER, ZDIFF,
//! their STORE forms and ZINTERCARD (zunionInterDiffGenericCommand). The
//! multi-key commands run on one shard (the router's gather path brings
//! their keys together), so they are plain single-shard handlers.

use bytes::Bytes;
use hashbrown::HashMap;

use super::args;
use super::zset::{as_zset, entries_reply, lex_range, rank_span, score_range, Span};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::set::{Member, SetValue};
use crate::shard::zset::{cmp_key, ZSet};
use crate::shard::{Ctx, Value};

#[derive(Clone, Copy, PartialEq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

pub(super) fn zrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Auto, Direction::Auto)
}

pub(super) fn zrevrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Rank, Direction::Reverse)
}

pub(super) fn zrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Score, Direction::Forward)
}

pub(super) fn zrevrangebyscore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Score, Direction::Reverse)
}

pub(super) fn zrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Lex, Direction::Forward)
}

pub(super) fn zrevrangebylex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 1, false, RangeType::Lex, Direction::Reverse)
}

pub(super) fn zrangestore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    zrange_generic(ctx, argv, 2, true, RangeType::Auto, Direction::Auto)
}

/// ZRANGE and friends. `src` is the position of the source key; `store`
/// makes it ZRANGESTORE (destination at 1). Options are parsed first, then
/// conflicts, then the range, then the key is looked up, as in Redis.
fn zrange_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    src: usize,
    store: bool,
    mut rangetype: RangeType,
    mut dir: Direction,
) -> Result<Reply, Error> {
    let (mut minidx, mut maxidx) = (src + 1, src + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = src + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if !store && args::is(a, "withscores") {
            withscores = true;
        } else if args::is(a, "limit") && left >= 2 {
            offset = args::int(&argv[j + 1])?;
            limit = args::int(&argv[j + 2])?;
            j += 2;
        } else if dir == Direction::Auto && args::is(a, "rev") {
            dir = Direction::Reverse;
        } else if rangetype == RangeType::Auto && args::is(a, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && args::is(a, "byscore") {
            rangetype = RangeType::Score;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let rev = dir == Direction::Reverse;
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        return Err(Error::err(
            "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && rangetype == RangeType::Lex {
        return Err(Error::err(
            "syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    if rev && rangetype != RangeType::Rank {
        // The range is given as max min.
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let span = match rangetype {
        RangeType::Score => Span::Score(score_range(&argv[minidx], &argv[maxidx])?),
        RangeType::Lex => Span::Lex(lex_range(&argv[minidx], &argv[maxidx])?),
        _ => Span::Rank(args::int(&argv[minidx])?, args::int(&argv[maxidx])?),
    };
    let items = match ctx.lookup_read(&argv[src]) {
        None => Vec::new(),
        Some(i) => range_items(as_zset(ctx, i)?, &span, rev, offset, limit),
    };
    if !store {
        return Ok(entries_reply(items, withscores));
    }
    // ZRANGESTORE fills a new set in reply order, as Redis's zsetAdd loop
    // does (so it converts at the same point).
    let limits = ctx.shard.limits;
    let mut z = ZSet::new();
    for (m, s) in &items {
        z.insert(m, *s, &limits);
    }
    Ok(store_result(ctx, &argv[1], z))
}

/// The entries of `span`, in reply order, for ZRANGE and friends.
fn range_items(z: &ZSet, span: &Span, rev: bool, offset: i64, limit: i64) -> Vec<(Bytes, f64)> {
    match span {
        Span::Rank(start, end) => match rank_span(*start, *end, z.len()) {
            None => Vec::new(),
            Some((a, b)) => {
                let from = if rev { z.len() - 1 - a } else { a };
                z.iter_from(from, rev)
                    .take(b + 1 - a)
                    .map(|(m, s)| (Bytes::copy_from_slice(m), s))
                    .collect()
            }
        },
        Span::Score(r) => {
            let first = if rev {
                z.last_in_score_range(r)
            } else {
                z.first_in_score_range(r)
            };
            collect_range(z, first, rev, offset, limit, |_, s| {
                if rev {
                    r.gte_min(s)
                } else {
                    r.lte_max(s)
                }
            })
        }
        Span::Lex(r) => {
            let first = if rev {
                z.last_in_lex_range(r)
            } else {
                z.first_in_lex_range(r)
            };
            collect_range(z, first, rev, offset, limit, |m, _| {
                if rev {
                    r.gte_min(m)
                } else {
                    r.lte_max(m)
                }
            })
        }
    }
}

/// Walks from rank `first` (None: nothing in range) in the range's
/// direction while `more` holds, skipping `offset` entries and keeping at
/// most `limit` (negative: no limit). A negative offset yields nothing, as
/// Redis's `while (ln && offset--)` loop runs off the end.
fn collect_range(
    z: &ZSet,
    first: Option<usize>,
    rev: bool,
    offset: i64,
    limit: i64,
    more: impl Fn(&[u8], f64) -> bool,
) -> Vec<(Bytes, f64)> {
    let Some(first) = first else {
        return Vec::new();
    };
    if offset < 0 || (offset > 0 && offset as u64 >= z.len() as u64) {
        return Vec::new();
    }
    let offset = offset as usize;
    let from = if rev {
        match first.checked_sub(offset) {
            Some(r) => r,
            None => return Vec::new(),
        }
    } else {
        first + offset
    };
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    z.iter_from(from, rev)
        .take_while(|&(m, s)| more(m, s))
        .take(take)
        .map(|(m, s)| (Bytes::copy_from_slice(m), s))
        .collect()
}

/// Stores a computed set at `dst` (replacing any value and TTL) and
/// replies its size; an empty result deletes `dst` instead.
fn store_result(ctx: &mut Ctx, dst: &[u8], z: ZSet) -> Reply {
    let n = z.len();
    if n > 0 {
        ctx.db().insert(dst, Value::ZSet(z), 0);
        ctx.modified(dst, 1);
    } else if let Some(i) = ctx.lookup(dst) {
        ctx.db().remove_at(i);
        ctx.modified(dst, 1);
    }
    Reply::Int(n as i64)
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's zunionInterAggregate: inf + -inf sums to 0, not NaN.
    fn apply(self, target: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *target += v;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if v < *target {
                    *target = v;
                }
            }
            Aggregate::Max => {
                if v > *target {
                    *target = v;
                }
            }
        }
    }
}

/// One input of a set operation: a sorted set, or a plain set whose
/// members all score 1 (ZUNIONSTORE and friends accept sets, as Redis does).
#[derive(Clone, Copy)]
enum Src<'a> {
    Missing,
    Z(&'a ZSet),
    /// A set, with its members' text when it is an intset (which holds
    /// integers, not text).
    Set(&'a SetValue, &'a [Box<[u8]>]),
}

impl<'a> Src<'a> {
    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Z(z) => z.len(),
            Src::Set(s, _) => s.len(),
        }
    }

    fn score(&self, m: &[u8]) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Z(z) => z.score(m),
            Src::Set(s, _) => s.contains(m).then_some(1.0),
        }
    }

    /// Every entry; sorted sets from their highest entry down, like
    /// Redis's zuiNext.
    fn for_each(&self, mut f: impl FnMut(&'a [u8], f64) -> bool) {
        match *self {
            Src::Missing => {}
            Src::Z(z) => {
                if let Some(last) = z.len().checked_sub(1) {
                    for (m, s) in z.iter_from(last, true) {
                        if !f(m, s) {
                            return;
                        }
                    }
                }
            }
            Src::Set(SetValue::Ints(_), texts) => {
                for m in texts {
                    if !f(m, 1.0) {
                        return;
                    }
                }
            }
            Src::Set(set, _) => {
                for m in set.iter() {
                    if let Member::Str(m) = m {
                        if !f(m, 1.0) {
                            return;
                        }
                    }
                }
            }
        }
    }

    fn same(&self, other: &Src) -> bool {
        match (self, other) {
            (Src::Z(a), Src::Z(b)) => std::ptr::eq(*a, *b),
            (Src::Set(a, _), Src::Set(b, _)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

pub(super) fn zunion(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, None, 1, SetOp::Union, false)
}

pub(super) fn zinter(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, None, 1, SetOp::Inter, false)
}

pub(super) fn zdiff(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, None, 1, SetOp::Diff, false)
}

pub(super) fn zintercard(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, None, 1, SetOp::Inter, true)
}

pub(super) fn zunionstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, Some(&argv[1]), 2, SetOp::Union, false)
}

pub(super) fn zinterstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, Some(&argv[1]), 2, SetOp::Inter, false)
}

pub(super) fn zdiffstore(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    setop_generic(ctx, argv, Some(&argv[1]), 2, SetOp::Diff, false)
}

/// The options after the keys of a set operation.
struct SetOpArgs {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    /// ZINTERCARD's LIMIT; 0 = none.
    limit: usize,
}

fn setop_args(
    argv: &[Bytes],
    mut j: usize,
    setnum: usize,
    op: SetOp,
    store: bool,
    card_only: bool,
) -> Result<SetOpArgs, Error> {
    let mut a = SetOpArgs {
        weights: vec![1.0; setnum],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let scored = op != SetOp::Diff && !card_only;
    while j < argv.len() {
        let remaining = argv.len() - j;
        if scored && remaining > setnum && args::is(&argv[j], "weights") {
            j += 1;
            for w in a.weights.iter_mut() {
                *w = crate::num::parse_f64(&argv[j])
                    .ok_or_else(|| Error::err("weight value is not a float"))?;
                j += 1;
            }
        } else if scored && remaining >= 2 && args::is(&argv[j], "aggregate") {
            let v = &argv[j + 1];
            a.aggregate = if args::is(v, "sum") {
                Aggregate::Sum
            } else if args::is(v, "min") {
                Aggregate::Min
            } else if args::is(v, "max") {
                Aggregate::Max
            } else {
                return Err(Error::Syntax);
            };
            j += 2;
        } else if !store && !card_only && args::is(&argv[j], "withscores") {
            a.withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && args::is(&argv[j], "limit") {
            a.limit = match crate::num::parse_i64(&argv[j + 1]) {
                Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => return Err(Error::err("LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(a)
}

/// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD (Redis's
/// zunionInterDiffGenericCommand): numkeys, then every key's type, then
/// the options are checked, in that order.
fn setop_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    dst: Option<&Bytes>,
    numkeys_idx: usize,
    op: SetOp,
    card_only: bool,
) -> Result<Reply, Error> {
    let setnum = args::int(&argv[numkeys_idx])?;
    if setnum < 1 {
        return Err(Error::err(format!(
            "at least 1 input key is needed for '{}' command",
            String::from_utf8_lossy(&argv[0]).to_lowercase()
        )));
    }
    let first_key = numkeys_idx + 1;
    if setnum as u64 > (argv.len() - first_key) as u64 {
        return Err(Error::Syntax);
    }
    let setnum = setnum as usize;
    let mut found = Vec::with_capacity(setnum);
    for key in &argv[first_key..first_key + setnum] {
        let i = ctx.lookup_read(key);
        if let Some(i) = i {
            if !matches!(ctx.db().entry(i).value, Value::ZSet(_) | Value::Set(_)) {
                return Err(Error::WrongType);
            }
        }
        found.push(i);
    }
    let opts = setop_args(
        argv,
        first_key + setnum,
        setnum,
        op,
        dst.is_some(),
        card_only,
    )?;
    let limits = ctx.shard.limits;
    let db = ctx.db();
    // Intset members formatted once, so that every input lends `&[u8]` members.
    let texts: Vec<Vec<Box<[u8]>>> = found
        .iter()
        .map(|i| match i.map(|i| &db.entry(i).value) {
            Some(Value::Set(s @ SetValue::Ints(_))) => {
                s.iter().map(|m| m.with_bytes(|b| b.into())).collect()
            }
            _ => Vec::new(),
        })
        .collect();
    let mut srcs: Vec<(Src, f64)> = found
        .iter()
        .zip(&opts.weights)
        .zip(&texts)
        .map(|((i, &w), texts)| {
            let src = match i.map(|i| &db.entry(i).value) {
                Some(Value::ZSet(z)) => Src::Z(z),
                Some(Value::Set(s)) => Src::Set(s, texts),
                _ => Src::Missing,
            };
            (src, w)
        })
        .collect();
    if op != SetOp::Diff {
        // Smallest first (a stable sort; Redis uses qsort).
        srcs.sort_by_key(|(s, _)| s.len());
    }
    let mut out: Vec<(&[u8], f64)> = Vec::new();
    let mut card = 0usize;
    match op {
        SetOp::Inter => {
            let (first, w0) = srcs[0];
            first.for_each(|m, s| {
                let mut score = w0 * s;
                if score.is_nan() {
                    score = 0.0;
                }
                for (src, w) in &srcs[1..] {
                    let v = if src.same(&first) {
                        Some(s)
                    } else {
                        src.score(m)
                    };
                    match v {
                        Some(v) => opts.aggregate.apply(&mut score, v * w),
                        None => return true,
                    }
                }
                if card_only {
                    card += 1;
                    return opts.limit == 0 || card < opts.limit;
                }
                out.push((m, score));
                true
            });
        }
        SetOp::Union => {
            let mut acc: HashMap<&[u8], f64> =
                HashMap::with_capacity(srcs.last().map_or(0, |s| s.0.len()));
            for (src, w) in &srcs {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    acc.entry(m)
                        .and_modify(|t| opts.aggregate.apply(t, score))
                        .or_insert(score);
                    true
                });
            }
            out.extend(acc);
        }
        SetOp::Diff => {
            let (first, _) = srcs[0];
            first.for_each(|m, s| {
                if !srcs[1..]
                    .iter()
                    .any(|(src, _)| src.same(&first) || src.score(m).is_some())
                {
                    out.push((m, s));
                }
                true
            });
        }
    }
    if card_only {
        return Ok(Reply::Int(card as i64));
    }
    out.sort_unstable_by(|a, b| cmp_key(a.1, a.0, b.1, b.0));
    match dst {
        Some(dst) => {
            let z = ZSet::from_sorted(&out, &limits);
            Ok(store_result(ctx, dst, z))
        }
        None => {
            let items = out
                .into_iter()
                .map(|(m, s)| (Bytes::copy_from_slice(m), s))
                .collect();
            Ok(entries_reply(items, opts.withscores))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn aggregates_as_redis() {
        let mut t = f64::INFINITY;
        Aggregate::Sum.apply(&mut t, f64::NEG_INFINITY);
        assert_eq!(t, 0.0);
        let mut t = 2.0;
        Aggregate::Min.apply(&mut t, 1.0);
        assert_eq!(t, 1.0);
        Aggregate::Max.apply(&mut t, 5.0);
        assert_eq!(t, 5.0);
        assert_eq!(
            Ordering::Less,
            cmp_key(-0.0, b"b", 0.0, b"c"),
            "-0 ties with 0"
        );
    }
}
