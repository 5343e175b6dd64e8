//! List commands (Redis's `t_list.c`). An emptied list is deleted, as in
//! Redis. The pops and the move are shard-side operations (`pop_at`,
//! `move_element`, `mpop`) that the blocking variants reuse once a list
//! has elements.

use std::collections::VecDeque;

use bytes::Bytes;

use super::args;
use super::table::{flags::*, CommandSpec, KeySpec};
use super::{gather, keyed};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::{Ctx, Value};

/// LMPOP's keys: the count at position 1, the keys after it.
const LMPOP_KEYS: KeySpec = KeySpec::Keynum {
    fixed: 0,
    numkeys: 1,
    first: 1,
    step: 1,
};

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
    CommandSpec::new("lset", 4, WRITE | DENYOOM, KeySpec::single(), keyed(lset))
        .doc("list", "1.0.0", "Set the value of an element in a list by its index", "key index element")
        .complexity("O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1)."),
    CommandSpec::new("linsert", 5, WRITE | DENYOOM, KeySpec::single(), keyed(linsert))
        .doc("list", "2.2.0", "Insert an element before or after another element in a list", "key <BEFORE | AFTER> pivot element")
        .complexity("O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N)."),
    CommandSpec::new("lrem", 4, WRITE, KeySpec::single(), keyed(lrem))
        .doc("list", "1.0.0", "Remove elements from a list", "key count element")
        .complexity("O(N+M) where N is the length of the list and M is the number of elements removed."),
    CommandSpec::new("ltrim", 4, WRITE, KeySpec::single(), keyed(ltrim))
        .doc("list", "1.0.0", "Trim a list to the specified range", "key start stop")
        .complexity("O(N) where N is the number of elements to be removed by the operation."),
    CommandSpec::new("lpos", -3, READONLY, KeySpec::single(), keyed(lpos))
        .doc("list", "6.0.6", "Return the index of matching elements on a list", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]")
        .complexity("O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time."),
    CommandSpec::new("lmove", 5, WRITE | DENYOOM, KeySpec::range(1, 2, 1), gather(lmove))
        .doc("list", "6.2.0", "Pop an element from a list, push it to another list and return it", "source destination <LEFT | RIGHT> <LEFT | RIGHT>")
        .complexity("O(1)"),
    CommandSpec::new("rpoplpush", 3, WRITE | DENYOOM, KeySpec::range(1, 2, 1), gather(rpoplpush))
        .doc("list", "1.2.0", "Remove the last element in a list, prepend it to another list and return it", "source destination")
        .complexity("O(1)"),
    CommandSpec::new("lmpop", -4, WRITE, LMPOP_KEYS, gather(lmpop))
        .doc("list", "7.0.0", "Pop elements from a list", "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]")
        .complexity("O(N+M) where N is the number of provided keys and M is the number of elements returned."),
];

type List = VecDeque<Box<[u8]>>;

/// A list end: LEFT is the head, RIGHT the tail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

/// Reads LEFT or RIGHT (any case); a syntax error otherwise.
pub fn parse_end(arg: &[u8]) -> Result<End, Error> {
    if args::is(arg, "left") {
        Ok(End::Left)
    } else if args::is(arg, "right") {
        Ok(End::Right)
    } else {
        Err(Error::Syntax)
    }
}

/// The list at entry `i`; WRONGTYPE for any other type.
fn as_list<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut List, Error> {
    match &mut ctx.db().entry_mut(i).value {
        Value::List(l) => Ok(l),
        _ => Err(Error::WrongType),
    }
}

/// The list stored at `key` (looked up for writing): Ok(None) if missing.
fn list_for_write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, Error> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(i) => as_list(ctx, i).map(|_| Some(i)),
    }
}

fn push_end(l: &mut List, end: End, m: Box<[u8]>) {
    match end {
        End::Left => l.push_front(m),
        End::Right => l.push_back(m),
    }
}

fn pop_end(l: &mut List, end: End) -> Option<Box<[u8]>> {
    match end {
        End::Left => l.pop_front(),
        End::Right => l.pop_back(),
    }
}

fn bulk(m: Box<[u8]>) -> Bytes {
    Bytes::from(m.into_vec())
}

fn bulks(v: Vec<Bytes>) -> Reply {
    Reply::Array(v.into_iter().map(Reply::Bulk).collect())
}

fn push(ctx: &mut Ctx, argv: &[Bytes], end: End, only_existing: bool) -> Result<Reply, Error> {
    let key = &argv[1];
    let i = match list_for_write(ctx, key)? {
        Some(i) => i,
        None if only_existing => return Ok(Reply::Int(0)),
        None => ctx.db().insert(key, Value::List(VecDeque::new()), 0),
    };
    let l = as_list(ctx, i)?;
    for m in &argv[2..] {
        push_end(l, end, m[..].into());
    }
    let n = l.len() as i64;
    ctx.modified(key, (argv.len() - 2) as u64);
    Ok(Reply::Int(n))
}

fn rpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, End::Right, false)
}

fn lpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, End::Left, false)
}

fn rpushx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, End::Right, true)
}

fn lpushx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    push(ctx, argv, End::Left, true)
}

/// Pops up to `count` elements from `end` of the list at entry `i` (a live
/// list under `key`), in pop order; deletes the emptied list and signals
/// the change (Redis's listElementsRemoved). The blocking pops reuse it.
pub fn pop_at(ctx: &mut Ctx, key: &[u8], i: u32, end: End, count: usize) -> Vec<Bytes> {
    let Ok(l) = as_list(ctx, i) else {
        return Vec::new();
    };
    let n = count.min(l.len());
    let out: Vec<Bytes> = (0..n).filter_map(|_| pop_end(l, end)).map(bulk).collect();
    if l.is_empty() {
        ctx.db().remove_at(i);
    }
    if !out.is_empty() {
        ctx.modified(key, out.len() as u64);
    }
    out
}

fn pop(ctx: &mut Ctx, argv: &[Bytes], end: End) -> Result<Reply, Error> {
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
    let Some(i) = list_for_write(ctx, key)? else {
        return Ok(if count.is_some() {
            Reply::NilArray
        } else {
            Reply::Nil
        });
    };
    match count {
        None => Ok(match pop_at(ctx, key, i, end, 1).pop() {
            Some(m) => Reply::Bulk(m),
            None => Reply::Nil,
        }),
        Some(0) => Ok(Reply::Array(Vec::new())),
        Some(n) => Ok(bulks(pop_at(ctx, key, i, end, n))),
    }
}

fn lpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    pop(ctx, argv, End::Left)
}

fn rpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    pop(ctx, argv, End::Right)
}

fn llen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    Ok(Reply::Int(as_list(ctx, i)?.len() as i64))
}

/// Redis's range clamping (addListRangeReply, LTRIM): the inclusive
/// positions `start..=end` of a list of `len` elements, None when empty.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

fn lrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Array(Vec::new()));
    };
    let l = as_list(ctx, i)?;
    Ok(Reply::Array(match clamp_range(start, end, l.len()) {
        Some((s, e)) => l.range(s..=e).map(|m| Reply::bulk(m)).collect(),
        None => Vec::new(),
    }))
}

/// A list index (negative counts from the tail) as a position, if in range.
fn position(idx: i64, len: usize) -> Option<usize> {
    let idx = if idx < 0 {
        idx.checked_add(len as i64)?
    } else {
        idx
    };
    usize::try_from(idx).ok().filter(|&p| p < len)
}

fn lindex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    // Redis looks the key up (and checks its type) before parsing the index.
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Nil);
    };
    let l = as_list(ctx, i)?;
    let idx = args::int(&argv[2])?;
    Ok(match position(idx, l.len()).and_then(|p| l.get(p)) {
        Some(m) => Reply::bulk(m),
        None => Reply::Nil,
    })
}

fn lset(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = list_for_write(ctx, &argv[1])? else {
        return Err(Error::NoSuchKey);
    };
    let idx = args::int(&argv[2])?;
    let l = as_list(ctx, i)?;
    let Some(p) = position(idx, l.len()) else {
        return Err(Error::err("index out of range"));
    };
    l[p] = argv[3][..].into();
    ctx.modified(&argv[1], 1);
    Ok(Reply::Ok)
}

fn linsert(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let after = if args::is(&argv[2], "after") {
        true
    } else if args::is(&argv[2], "before") {
        false
    } else {
        return Err(Error::Syntax);
    };
    let Some(i) = list_for_write(ctx, &argv[1])? else {
        return Ok(Reply::Int(0));
    };
    let l = as_list(ctx, i)?;
    let Some(p) = l.iter().position(|m| **m == argv[3][..]) else {
        return Ok(Reply::Int(-1));
    };
    l.insert(p + usize::from(after), argv[4][..].into());
    let n = l.len() as i64;
    ctx.modified(&argv[1], 1);
    Ok(Reply::Int(n))
}

fn lrem(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let count = args::int(&argv[2])?;
    let Some(i) = list_for_write(ctx, &argv[1])? else {
        return Ok(Reply::Int(0));
    };
    let l = as_list(ctx, i)?;
    let elem = &argv[3][..];
    // The matches to remove are the first |count| from the head (count > 0),
    // from the tail (count < 0), or all of them: find the position of the
    // last one removed, then drop every match on that side of it.
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let bound = if count == 0 {
        None
    } else if count > 0 {
        l.iter()
            .enumerate()
            .filter(|(_, m)| ***m == *elem)
            .nth(limit - 1)
            .map(|(p, _)| p)
    } else {
        l.iter()
            .enumerate()
            .rev()
            .filter(|(_, m)| ***m == *elem)
            .nth(limit - 1)
            .map(|(p, _)| p)
    };
    let before = l.len();
    let mut p = 0;
    l.retain(|m| {
        let at = p;
        p += 1;
        if **m != *elem {
            return true;
        }
        match bound {
            None => false,
            Some(b) if count > 0 => at > b,
            Some(b) => at < b,
        }
    });
    let removed = before - l.len();
    if l.is_empty() {
        ctx.db().remove_at(i);
    }
    if removed > 0 {
        ctx.modified(&argv[1], removed as u64);
    }
    Ok(Reply::Int(removed as i64))
}

fn ltrim(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let Some(i) = list_for_write(ctx, &argv[1])? else {
        return Ok(Reply::Ok);
    };
    let l = as_list(ctx, i)?;
    let len = l.len();
    let (ltrim, rtrim) = match clamp_range(start, end, len) {
        Some((s, e)) => (s, len - 1 - e),
        None => (0, len),
    };
    l.truncate(len - rtrim);
    l.drain(..ltrim.min(l.len()));
    if l.is_empty() {
        ctx.db().remove_at(i);
    }
    // Redis signals even when nothing was trimmed.
    ctx.modified(&argv[1], (ltrim + rtrim) as u64);
    Ok(Reply::Ok)
}

fn lpos(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let positive = |b: &[u8], msg: &str| match crate::num::parse_i64(b) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(Error::err(msg)),
    };
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0i64);
    let mut c = args::Cursor::new(argv, 3);
    while let Some(opt) = c.next() {
        let more = c.remaining() > 0;
        if args::is(opt, "rank") && more {
            rank = args::int(c.value()?)?;
            if rank == 0 {
                return Err(Error::err(
                    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                ));
            }
        } else if args::is(opt, "count") && more {
            count = Some(positive(c.value()?, "COUNT can't be negative")?);
        } else if args::is(opt, "maxlen") && more {
            maxlen = positive(c.value()?, "MAXLEN can't be negative")?;
        } else {
            return Err(Error::Syntax);
        }
    }
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(match count {
            Some(_) => Reply::Array(Vec::new()),
            None => Reply::Nil,
        });
    };
    let l = as_list(ctx, i)?;
    let elem = &argv[2][..];
    let len = l.len();
    let from_tail = rank < 0;
    // Redis negates a negative rank; i64::MIN stays negative there, so every
    // match counts and COUNT never stops the search. Kept for compatibility.
    let (skip, count_limit) = match rank {
        i64::MIN => (0, None),
        r => (r.unsigned_abs() - 1, count.filter(|&n| n > 0)),
    };
    let maxlen = if maxlen == 0 {
        usize::MAX
    } else {
        usize::try_from(maxlen).unwrap_or(usize::MAX)
    };
    let walk: Box<dyn Iterator<Item = (usize, &Box<[u8]>)>> = if from_tail {
        Box::new(l.iter().rev().enumerate())
    } else {
        Box::new(l.iter().enumerate())
    };
    let mut found = walk
        .take(maxlen)
        .filter(|(_, m)| ***m == *elem)
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .map(|(k, _)| if from_tail { len - k - 1 } else { k } as i64);
    Ok(match count {
        None => found.next().map_or(Reply::Nil, Reply::Int),
        Some(_) => Reply::Array(match count_limit {
            Some(n) => found
                .take(usize::try_from(n).unwrap_or(usize::MAX))
                .map(Reply::Int)
                .collect(),
            None => found.map(Reply::Int).collect(),
        }),
    })
}

/// LMOVE's operation: pops from `from` of the list at `src` and pushes to
/// `to` of the list at `dst` (created if missing). Ok(None) when `src` does
/// not exist. The blocking BLMOVE reuses it.
pub fn move_element(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<Option<Bytes>, Error> {
    let Some(si) = list_for_write(ctx, src)? else {
        return Ok(None);
    };
    let di = list_for_write(ctx, dst)?;
    let l = as_list(ctx, si)?;
    let Some(m) = pop_end(l, from) else {
        return Ok(None);
    };
    let out = Bytes::copy_from_slice(&m);
    let src_empty = if src == dst {
        push_end(l, to, m);
        false
    } else {
        let empty = l.is_empty();
        let di = match di {
            Some(di) => di,
            None => ctx.db().insert(dst, Value::List(VecDeque::new()), 0),
        };
        push_end(as_list(ctx, di)?, to, m);
        empty
    };
    ctx.modified(dst, 0);
    if src_empty {
        ctx.db().remove_at(si);
    }
    ctx.modified(src, 1);
    Ok(Some(out))
}

fn lmove(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let from = parse_end(&argv[3])?;
    let to = parse_end(&argv[4])?;
    Ok(move_element(ctx, &argv[1], &argv[2], from, to)?.map_or(Reply::Nil, Reply::Bulk))
}

fn rpoplpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(
        move_element(ctx, &argv[1], &argv[2], End::Right, End::Left)?
            .map_or(Reply::Nil, Reply::Bulk),
    )
}

/// LMPOP's and BLMPOP's parsed arguments.
pub struct MpopArgs {
    /// Positions of the keys in argv.
    pub keys: std::ops::Range<usize>,
    pub end: End,
    pub count: usize,
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// `numkeys_idx` (Redis's lmpopGenericCommand).
pub fn parse_mpop(argv: &[Bytes], numkeys_idx: usize) -> Result<MpopArgs, Error> {
    let numkeys = match argv.get(numkeys_idx).and_then(|b| crate::num::parse_i64(b)) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(Error::err("numkeys should be greater than 0")),
    };
    let first = numkeys_idx + 1;
    let where_idx = match usize::try_from(numkeys) {
        Ok(n) if n < argv.len() => first + n,
        _ => return Err(Error::Syntax),
    };
    let end = parse_end(argv.get(where_idx).ok_or(Error::Syntax)?)?;
    let mut count = None;
    let mut c = args::Cursor::new(argv, where_idx + 1);
    while let Some(opt) = c.next() {
        if count.is_none() && args::is(opt, "count") && c.remaining() > 0 {
            match crate::num::parse_i64(c.value()?) {
                Some(n) if n >= 1 => count = Some(n as usize),
                _ => return Err(Error::err("count should be greater than 0")),
            }
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(MpopArgs {
        keys: first..where_idx,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first non-empty list among `keys`: Ok(Some((key,
/// elements))), Ok(None) when every key is missing. WRONGTYPE stops at the
/// first key of another type, as in Redis.
pub fn mpop(
    ctx: &mut Ctx,
    keys: &[Bytes],
    end: End,
    count: usize,
) -> Result<Option<(Bytes, Vec<Bytes>)>, Error> {
    for key in keys {
        if let Some(i) = list_for_write(ctx, key)? {
            let popped = pop_at(ctx, key, i, end, count);
            if !popped.is_empty() {
                return Ok(Some((key.clone(), popped)));
            }
        }
    }
    Ok(None)
}

fn lmpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let a = parse_mpop(argv, 1)?;
    Ok(match mpop(ctx, &argv[a.keys], a.end, a.count)? {
        Some((key, popped)) => Reply::Array(vec![Reply::Bulk(key), bulks(popped)]),
        None => Reply::NilArray,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_clamp_as_redis() {
        assert_eq!(clamp_range(0, -1, 3), Some((0, 2)));
        assert_eq!(clamp_range(-100, 100, 3), Some((0, 2)));
        assert_eq!(clamp_range(2, 1, 3), None);
        assert_eq!(clamp_range(3, 5, 3), None);
        assert_eq!(clamp_range(i64::MIN, i64::MAX, 3), Some((0, 2)));
        assert_eq!(clamp_range(0, i64::MIN, 3), None);
        assert_eq!(clamp_range(0, 0, 0), None);
        assert_eq!(position(-1, 3), Some(2));
        assert_eq!(position(-4, 3), None);
        assert_eq!(position(i64::MIN, 3), None);
        assert_eq!(position(3, 3), None);
    }

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    #[test]
    fn mpop_arguments() {
        let a = parse_mpop(&argv("lmpop 2 a b right count 3"), 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((a.keys, a.end, a.count), (2..4, End::Right, 3));
        let err = |s: &str| parse_mpop(&argv(s), 1).err().map(|e| e.to_string());
        assert_eq!(
            err("lmpop 0 a left"),
            Some("ERR numkeys should be greater than 0".into())
        );
        assert_eq!(
            err("lmpop 9223372036854775807 a left"),
            Some("ERR syntax error".into())
        );
        assert_eq!(err("lmpop 2 a left"), Some("ERR syntax error".into()));
        assert_eq!(
            err("lmpop 1 a left count 0"),
            Some("ERR count should be greater than 0".into())
        );
        assert_eq!(
            err("lmpop 1 a left count 1 count 1"),
            Some("ERR syntax error".into())
        );
        assert_eq!(err("lmpop 1 a up"), Some("ERR syntax error".into()));
    }
}
