//! List commands (Redis's `t_list.c`), the minimal set: pushes, pops, LLEN,
//! LRANGE, LINDEX. An emptied list is deleted, as in Redis.

use std::collections::VecDeque;

use bytes::Bytes;

use super::args;
use super::keyed;
use super::table::{flags::*, CommandSpec, KeySpec};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::{Ctx, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("rpush", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(rpush))
        .doc("list", "1.0.0", "Append one or multiple elements to a list", "key element [element ...]")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    CommandSpec::new("lpush", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(lpush))
        .doc("list", "1.0.0", "Prepend one or multiple elements to a list", "key element [element ...]")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    CommandSpec::new("rpushx", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(rpushx))
        .doc("list", "2.2.0", "Append an element to a list, only if the list exists", "key element [element ...]")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    CommandSpec::new("lpushx", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(lpushx))
        .doc("list", "2.2.0", "Prepend an element to a list, only if the list exists", "key element [element ...]")
        .complexity("O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments."),
    CommandSpec::new("lpop", -2, WRITE | FAST, KeySpec::single(), keyed(lpop))
        .doc("list", "1.0.0", "Remove and get the first elements in a list", "key [count]")
        .complexity("O(N) where N is the number of elements returned"),
    CommandSpec::new("rpop", -2, WRITE | FAST, KeySpec::single(), keyed(rpop))
        .doc("list", "1.0.0", "Remove and get the last elements in a list", "key [count]")
        .complexity("O(N) where N is the number of elements returned"),
    CommandSpec::new("llen", 2, READONLY | FAST, KeySpec::single(), keyed(llen))
        .doc("list", "1.0.0", "Get the length of a list", "key")
        .complexity("O(1)"),
    CommandSpec::new("lrange", 4, READONLY, KeySpec::single(), keyed(lrange))
        .doc("list", "1.0.0", "Get a range of elements from a list", "key start stop")
        .complexity("O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range."),
    CommandSpec::new("lindex", 3, READONLY, KeySpec::single(), keyed(lindex))
        .doc("list", "1.0.0", "Get an element from a list by its index", "key index")
        .complexity("O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1)."),
];

type List = VecDeque<Box<[u8]>>;

/// The list at entry `i`; WRONGTYPE for any other type.
fn as_list<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut List, Error> {
    match &mut ctx.db().entry_mut(i).value {
        Value::List(l) => Ok(l),
        _ => Err(Error::WrongType),
    }
}

fn push(ctx: &mut Ctx, argv: &[Bytes], left: bool, only_existing: bool) -> Result<Reply, Error> {
    let key = &argv[1];
    let i = match ctx.lookup(key) {
        Some(i) => i,
        None if only_existing => return Ok(Reply::Int(0)),
        None => ctx.db().insert(key, Value::List(VecDeque::new()), 0),
    };
    let l = as_list(ctx, i)?;
    for m in &argv[2..] {
        let m: Box<[u8]> = m[..].into();
        if left {
            l.push_front(m);
        } else {
            l.push_back(m);
        }
    }
    let n = l.len() as i64;
    ctx.modified(key, (argv.len() - 2) as u64);
    Ok(Reply::Int(n))
}

fn rpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, false, false)
}

fn lpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, true, false)
}

fn rpushx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, false, true)
}

fn lpushx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, true, true)
}

fn pop(ctx: &mut Ctx, argv: &[Bytes], left: bool) -> Result<Reply, Error> {
    if argv.len() > 3 {
        return Err(Error::wrong_arity(&argv[0]));
    }
    // The count is checked before the key, as Redis does.
    let count = match argv.get(2) {
        Some(c) => match crate::num::parse_i64(c) {
            Some(n) if n >= 0 => Some(n as usize),
            _ => return Err(Error::err("value is out of range, must be positive")),
        },
        None => None,
    };
    let key = &argv[1];
    let Some(i) = ctx.lookup(key) else {
        return Ok(if count.is_some() {
            Reply::NilArray
        } else {
            Reply::Nil
        });
    };
    let l = as_list(ctx, i)?;
    let take = |l: &mut List| if left { l.pop_front() } else { l.pop_back() };
    let reply = match count {
        None => match take(l) {
            Some(m) => Reply::Bulk(Bytes::from(m.into_vec())),
            None => Reply::Nil,
        },
        Some(0) => return Ok(Reply::Array(Vec::new())),
        Some(n) => {
            let n = n.min(l.len());
            Reply::Array(
                (0..n)
                    .filter_map(|_| take(l))
                    .map(|m| Reply::Bulk(Bytes::from(m.into_vec())))
                    .collect(),
            )
        }
    };
    if l.is_empty() {
        ctx.db().remove_at(i);
    }
    ctx.modified(&argv[1], 1);
    Ok(reply)
}

fn lpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    pop(ctx, argv, true)
}

fn rpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    pop(ctx, argv, false)
}

fn llen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_list(ctx, i)?.len() as i64))
}

fn lrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Array(Vec::new()));
    };
    let l = as_list(ctx, i)?;
    let len = l.len() as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end.min(len - 1) };
    if start > end || start >= len {
        return Ok(Reply::Array(Vec::new()));
    }
    Ok(Reply::Array(
        l.range(start as usize..=end as usize)
            .map(|m| Reply::bulk(m))
            .collect(),
    ))
}

fn lindex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    // Redis looks the key up (and checks its type) before parsing the index.
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Nil);
    };
    let l = as_list(ctx, i)?;
    let idx = args::int(&argv[2])?;
    let idx = if idx < 0 { l.len() as i64 + idx } else { idx };
    Ok(match usize::try_from(idx).ok().and_then(|x| l.get(x)) {
        Some(m) => Reply::bulk(m),
        None => Reply::Nil,
    })
}
