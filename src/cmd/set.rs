//! Set commands (Redis's `t_set.c`), the minimal set: SADD, SREM, SMEMBERS,
//! SISMEMBER, SMISMEMBER, SCARD. An emptied set is deleted, as in Redis.

use bytes::Bytes;
use hashbrown::HashSet;

use super::keyed;
use super::table::{flags::*, CommandSpec, KeySpec};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::{Ctx, Value};

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
];

type Set = HashSet<Box<[u8]>>;

/// The set at entry `i`; WRONGTYPE for any other type.
fn as_set<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut Set, Error> {
    match &mut ctx.db().entry_mut(i).value {
        Value::Set(s) => Ok(s),
        _ => Err(Error::WrongType),
    }
}

fn sadd(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let i = match ctx.lookup(key) {
        Some(i) => i,
        None => ctx.db().insert(key, Value::Set(HashSet::new()), 0),
    };
    let s = as_set(ctx, i)?;
    let added = argv[2..].iter().filter(|m| s.insert(m[..].into())).count() as u64;
    if added > 0 {
        ctx.modified(key, added);
    }
    Ok(Reply::Int(added as i64))
}

fn srem(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    let s = as_set(ctx, i)?;
    let removed = argv[2..].iter().filter(|m| s.remove(&m[..])).count() as u64;
    if s.is_empty() {
        ctx.db().remove_at(i);
    }
    if removed > 0 {
        ctx.modified(&argv[1], removed);
    }
    Ok(Reply::Int(removed as i64))
}

fn smembers(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Set(Vec::new()));
    };
    Ok(Reply::Set(
        as_set(ctx, i)?.iter().map(|m| Reply::bulk(m)).collect(),
    ))
}

fn sismember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_set(ctx, i)?.contains(&argv[2][..]) as i64))
}

fn smismember(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Array(vec![Reply::Int(0); argv.len() - 2]));
    };
    let s = as_set(ctx, i)?;
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|m| Reply::Int(s.contains(&m[..]) as i64))
            .collect(),
    ))
}

fn scard(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_set(ctx, i)?.len() as i64))
}
