//! String commands (Redis's `t_string.c`): GET/SET and their variants,
//! counters, ranges, multi-key MGET/MSET/MSETNX. LCS and the cross-shard
//! coordinators live in `string_ext`.
//!
//! Encodings follow Redis: a value that is the canonical text of an i64 is
//! kept as an integer when Redis would (SET, GETSET, APPEND to a missing key,
//! INCR results), and bytes otherwise; APPEND and SETRANGE leave the value
//! "raw" (see `grown`).

use bytes::Bytes;

use super::args;
use super::string_ext::lcs;
use super::table::{flags::*, CommandSpec, KeySpec, Merge};
use super::{gather, keyed, split};
use crate::error::Error;
use crate::num::IncrFloatError;
use crate::resp::Reply;
use crate::shard::value::itoa_buf;
use crate::shard::{Ctx, StrValue, Value};

/// Redis's default `proto-max-bulk-len`: the largest string APPEND and
/// SETRANGE may build, and the largest transient table LCS may allocate.
// A constant for now: handlers cannot see the live configuration (CONFIG SET
// proto-max-bulk-len is not honoured here until `Ctx` can reach it).
pub const PROTO_MAX_BULK_LEN: u64 = 512 * 1024 * 1024;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, KeySpec::single(), keyed(get))
        .doc("string", "1.0.0", "Get the value of a key", "key")
        .complexity("O(1)"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, KeySpec::single(), keyed(set))
        .doc(
            "string",
            "1.0.0",
            "Set the string value of a key",
            "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
        )
        .complexity("O(1)"),
    CommandSpec::new("getset", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(getset))
        .doc("string", "1.0.0", "Set the string value of a key and return its old value", "key value")
        .complexity("O(1)"),
    CommandSpec::new("getdel", 2, WRITE | FAST, KeySpec::single(), keyed(getdel))
        .doc("string", "6.2.0", "Get the value of a key and delete the key", "key")
        .complexity("O(1)"),
    CommandSpec::new("getex", -2, WRITE | FAST, KeySpec::single(), keyed(getex))
        .doc(
            "string",
            "6.2.0",
            "Get the value of a key and optionally set its expiration",
            "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]",
        )
        .complexity("O(1)"),
    CommandSpec::new("setnx", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(setnx))
        .doc("string", "1.0.0", "Set the value of a key, only if the key does not exist", "key value")
        .complexity("O(1)"),
    CommandSpec::new("setex", 4, WRITE | DENYOOM, KeySpec::single(), keyed(setex))
        .doc("string", "2.0.0", "Set the value and expiration of a key", "key seconds value")
        .complexity("O(1)"),
    CommandSpec::new("psetex", 4, WRITE | DENYOOM, KeySpec::single(), keyed(psetex))
        .doc("string", "2.6.0", "Set the value and expiration in milliseconds of a key", "key milliseconds value")
        .complexity("O(1)"),
    CommandSpec::new("mget", -2, READONLY | FAST, KeySpec::all_from(1), split(mget, Merge::Array))
        .doc("string", "1.0.0", "Get the values of all the given keys", "key [key ...]")
        .complexity("O(N) where N is the number of keys to retrieve."),
    CommandSpec::new("mset", -3, WRITE | DENYOOM, KeySpec::range(1, -1, 2), split(mset, Merge::Ok))
        .doc("string", "1.0.1", "Set multiple keys to multiple values", "key value [key value ...]")
        .complexity("O(N) where N is the number of keys to set."),
    CommandSpec::new("msetnx", -3, WRITE | DENYOOM, KeySpec::range(1, -1, 2), gather(msetnx))
        .doc(
            "string",
            "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist",
            "key value [key value ...]",
        )
        .complexity("O(N) where N is the number of keys to set."),
    CommandSpec::new("append", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(append))
        .doc("string", "2.0.0", "Append a value to a key", "key value")
        .complexity("O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation."),
    CommandSpec::new("strlen", 2, READONLY | FAST, KeySpec::single(), keyed(strlen))
        .doc("string", "2.2.0", "Get the length of the value stored in a key", "key")
        .complexity("O(1)"),
    CommandSpec::new("incr", 2, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(incr))
        .doc("string", "1.0.0", "Increment the integer value of a key by one", "key")
        .complexity("O(1)"),
    CommandSpec::new("decr", 2, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(decr))
        .doc("string", "1.0.0", "Decrement the integer value of a key by one", "key")
        .complexity("O(1)"),
    CommandSpec::new("incrby", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(incrby))
        .doc("string", "1.0.0", "Increment the integer value of a key by the given amount", "key increment")
        .complexity("O(1)"),
    CommandSpec::new("decrby", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(decrby))
        .doc("string", "1.0.0", "Decrement the integer value of a key by the given number", "key decrement")
        .complexity("O(1)"),
    CommandSpec::new("incrbyfloat", 3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(incrbyfloat))
        .doc("string", "2.6.0", "Increment the float value of a key by the given amount", "key increment")
        .complexity("O(1)"),
    CommandSpec::new("getrange", 4, READONLY, KeySpec::single(), keyed(getrange))
        .doc("string", "2.4.0", "Get a substring of the string stored at a key", "key start end")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("substr", 4, READONLY, KeySpec::single(), keyed(getrange))
        .doc("string", "1.0.0", "Get a substring of the string stored at a key", "key start end")
        .complexity(RANGE_COMPLEXITY),
    CommandSpec::new("setrange", 4, WRITE | DENYOOM, KeySpec::single(), keyed(setrange))
        .doc("string", "2.2.0", "Overwrite part of a string at key starting at the specified offset", "key offset value")
        .complexity("O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument."),
    CommandSpec::new("lcs", -3, READONLY, KeySpec::range(1, 2, 1), gather(lcs))
        .doc("string", "7.0.0", "Find longest common substring", "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]")
        .complexity("O(N*M) where N and M are the lengths of s1 and s2, respectively"),
];

const RANGE_COMPLEXITY: &str = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.";

// ---------------------------------------------------------------------------
// Shared helpers

/// The string inside a value; WRONGTYPE for any other type.
pub(crate) fn as_str(v: &mut Value) -> Result<&mut StrValue, Error> {
    match v {
        Value::Str(s) => Ok(s),
        #[allow(unreachable_patterns)]
        _ => Err(Error::WrongType),
    }
}

/// Position of the live string at `key` (None if missing); WRONGTYPE for
/// other types. `read` counts keyspace hits/misses, as Redis's
/// lookupKeyRead does (lookupKeyWrite does not).
pub(crate) fn find_str(ctx: &mut Ctx, key: &[u8], read: bool) -> Result<Option<u32>, Error> {
    let pos = if read {
        ctx.lookup_read(key)
    } else {
        ctx.lookup(key)
    };
    match pos {
        None => Ok(None),
        Some(i) => {
            as_str(&mut ctx.db().entry_mut(i).value)?;
            Ok(Some(i))
        }
    }
}

/// Stores `v` at `key` with expiry `expire_at` (0 = none): in place when the
/// key was found live at `pos`, inserted otherwise.
pub(crate) fn store(ctx: &mut Ctx, pos: Option<u32>, key: &[u8], v: StrValue, expire_at: u64) {
    let db = ctx.db();
    match pos {
        Some(i) => {
            db.entry_mut(i).value = Value::Str(v);
            if db.entry(i).expire_at != expire_at {
                db.set_expire(i, expire_at);
            }
        }
        None => {
            db.insert(key, Value::Str(v), expire_at);
        }
    }
}

/// GET's reply for `key`: the value, nil, or WRONGTYPE.
fn get_reply(ctx: &mut Ctx, key: &[u8]) -> Result<Reply, Error> {
    Ok(match ctx.get_str(key)? {
        Some(v) => v.reply(),
        None => Reply::Nil,
    })
}

/// Takes a string's bytes out to modify them in place (APPEND, SETRANGE).
fn take_bytes(s: &mut StrValue) -> Vec<u8> {
    match std::mem::replace(s, StrValue::Int(0)) {
        StrValue::Raw(b) => b.into_vec(),
        StrValue::Buf(v) => v,
        other => {
            let mut tmp = itoa_buf::Buf::new();
            other.as_slice(&mut tmp).to_vec()
        }
    }
}

/// A value built or modified in place by APPEND/SETRANGE. Redis leaves such
/// values in the `raw` encoding whatever their length, and keeps the
/// buffer's spare room for the next append.
// Until `StrValue` has a variant for this (a growable buffer that
// `encoding()` reports as "raw"), such values are stored like any other
// byte string and short ones report "embstr".
fn grown(v: Vec<u8>) -> StrValue {
    StrValue::Buf(v)
}

/// `ERR string exceeds maximum allowed size (proto-max-bulk-len)` when a
/// string of `len` bytes may not be built.
fn check_string_length(len: Option<u64>) -> Result<u64, Error> {
    match len {
        Some(n) if n <= PROTO_MAX_BULK_LEN => Ok(n),
        _ => Err(Error::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

// ---------------------------------------------------------------------------
// SET and friends

// Option flags of SET / GETEX (Redis's OBJ_* flags).
const F_NX: u16 = 1 << 0;
const F_XX: u16 = 1 << 1;
const F_EX: u16 = 1 << 2;
const F_PX: u16 = 1 << 3;
const F_KEEPTTL: u16 = 1 << 4;
const F_GET: u16 = 1 << 5;
const F_EXAT: u16 = 1 << 6;
const F_PXAT: u16 = 1 << 7;
const F_PERSIST: u16 = 1 << 8;
const F_ANY_EXPIRE: u16 = F_EX | F_PX | F_EXAT | F_PXAT;

/// SET/GETEX options as parsed.
#[derive(Debug, Default, PartialEq)]
struct ExtArgs<'a> {
    flags: u16,
    /// The expiry argument of EX/PX/EXAT/PXAT (the last one given).
    expire: Option<&'a Bytes>,
}

/// Parses SET's options (`set`) or GETEX's, exactly as Redis's
/// parseExtendedStringArgumentsOrReply: an option conflicting with one seen
/// before, or one the command does not take, is a syntax error; repeating an
/// option is allowed (the last expiry wins).
fn parse_ext(argv: &[Bytes], set: bool) -> Result<ExtArgs<'_>, Error> {
    let mut a = ExtArgs::default();
    let mut j = if set { 3 } else { 2 };
    while j < argv.len() {
        let opt = &argv[j];
        let next = argv.get(j + 1);
        let f = a.flags;
        let expiry = |flag: u16, conflicts: u16| {
            args::is(opt, flag_name(flag)) && f & conflicts == 0 && next.is_some()
        };
        if set && args::is(opt, "NX") && f & F_XX == 0 {
            a.flags |= F_NX;
        } else if set && args::is(opt, "XX") && f & F_NX == 0 {
            a.flags |= F_XX;
        } else if set && args::is(opt, "GET") {
            a.flags |= F_GET;
        } else if set && args::is(opt, "KEEPTTL") && f & (F_PERSIST | F_ANY_EXPIRE) == 0 {
            a.flags |= F_KEEPTTL;
        } else if !set && args::is(opt, "PERSIST") && f & (F_ANY_EXPIRE | F_KEEPTTL) == 0 {
            a.flags |= F_PERSIST;
        } else if let Some(flag) = [F_EX, F_PX, F_EXAT, F_PXAT]
            .into_iter()
            .find(|&flag| expiry(flag, F_KEEPTTL | F_PERSIST | (F_ANY_EXPIRE & !flag)))
        {
            a.flags |= flag;
            a.expire = next;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(a)
}

fn flag_name(flag: u16) -> &'static str {
    match flag {
        F_EX => "EX",
        F_PX => "PX",
        F_EXAT => "EXAT",
        _ => "PXAT",
    }
}

/// The absolute expiry (ms since the epoch) an expiry argument asks for,
/// with Redis's checks: not an integer → `ERR value is not an integer...`;
/// zero, negative or overflowing → `ERR invalid expire time in '<cmd>' command`.
fn expire_at(arg: &[u8], flags: u16, now: u64, cmd: &str) -> Result<u64, Error> {
    let invalid = || Error::InvalidExpire(cmd.to_string());
    let mut ms = args::int(arg)?;
    let seconds = flags & (F_EX | F_EXAT) != 0;
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if seconds {
        ms *= 1000;
    }
    if flags & (F_EX | F_PX) != 0 {
        ms = ms.checked_add(now as i64).ok_or_else(invalid)?;
    }
    Ok(ms as u64)
}

/// Redis's setGenericCommand: the write shared by SET, SETNX, SETEX, PSETEX.
/// `ok` is the reply when the key is written, `abort` when NX/XX prevent it
/// (with GET, the old value is the reply either way).
#[allow(clippy::too_many_arguments)]
fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    val: &[u8],
    flags: u16,
    expire: Option<&Bytes>,
    cmd: &str,
    ok: Reply,
    abort: Reply,
) -> Result<Reply, Error> {
    let at = match expire {
        Some(e) => expire_at(e, flags, ctx.now, cmd)?,
        None => 0,
    };
    // GET answers (or fails with WRONGTYPE) before anything is written.
    let old = if flags & F_GET != 0 {
        Some(get_reply(ctx, key)?)
    } else {
        None
    };
    let found = ctx.lookup(key);
    if (flags & F_NX != 0 && found.is_some()) || (flags & F_XX != 0 && found.is_none()) {
        return Ok(old.unwrap_or(abort));
    }
    let at = match (expire, found) {
        (None, Some(i)) if flags & F_KEEPTTL != 0 => ctx.db().entry(i).expire_at,
        _ => at,
    };
    store(ctx, found, key, StrValue::from_bytes(val), at);
    ctx.modified(key, 1);
    Ok(old.unwrap_or(ok))
}

fn get(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    get_reply(ctx, &argv[1])
}

fn set(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let a = parse_ext(argv, true)?;
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        a.flags,
        a.expire,
        "set",
        Reply::Ok,
        Reply::Nil,
    )
}

fn setnx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        F_NX,
        None,
        "setnx",
        Reply::Int(1),
        Reply::Int(0),
    )
}

fn setex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    set_generic(
        ctx,
        &argv[1],
        &argv[3],
        F_EX,
        Some(&argv[2]),
        "setex",
        Reply::Ok,
        Reply::Nil,
    )
}

fn psetex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    set_generic(
        ctx,
        &argv[1],
        &argv[3],
        F_PX,
        Some(&argv[2]),
        "psetex",
        Reply::Ok,
        Reply::Nil,
    )
}

/// GETSET: the old value, and the new one without any expiry.
fn getset(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let old = get_reply(ctx, &argv[1])?;
    let found = ctx.lookup(&argv[1]);
    store(ctx, found, &argv[1], StrValue::from_bytes(&argv[2]), 0);
    ctx.modified(&argv[1], 1);
    Ok(old)
}

fn getdel(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find_str(ctx, &argv[1], true)? else {
        return Ok(Reply::Nil);
    };
    let e = ctx.db().remove_at(i);
    ctx.modified(&argv[1], 1);
    match e.value {
        Value::Str(s) => Ok(s.reply()),
        #[allow(unreachable_patterns)]
        _ => Ok(Reply::Nil),
    }
}

/// GETEX. Redis's order: options (syntax), then the key (nil if missing,
/// WRONGTYPE), then the expiry value.
fn getex(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let a = parse_ext(argv, false)?;
    let Some(i) = find_str(ctx, &argv[1], true)? else {
        return Ok(Reply::Nil);
    };
    let at = match a.expire {
        Some(e) => Some(expire_at(e, a.flags, ctx.now, "getex")?),
        None => None,
    };
    let now = ctx.now;
    let reply = as_str(&mut ctx.db().entry_mut(i).value)?.reply();
    let changed = match at {
        // An absolute time already past deletes the key (after replying with it).
        Some(at) if a.flags & (F_EXAT | F_PXAT) != 0 && at <= now => {
            ctx.db().remove_at(i);
            true
        }
        Some(at) => {
            ctx.db().set_expire(i, at);
            true
        }
        None if a.flags & F_PERSIST != 0 && ctx.db().entry(i).expire_at != 0 => {
            ctx.db().set_expire(i, 0);
            true
        }
        None => false,
    };
    if changed {
        ctx.modified(&argv[1], 1);
    }
    Ok(reply)
}

// ---------------------------------------------------------------------------
// Multi-key

/// MGET's per-shard part: one element per key; anything but a string is nil.
fn mget(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut out = Vec::with_capacity(argv.len() - 1);
    for k in &argv[1..] {
        out.push(match ctx.get_str(k) {
            Ok(Some(v)) => v.reply(),
            _ => Reply::Nil,
        });
    }
    Ok(Reply::Array(out))
}

/// Sets every (key, value) pair of `argv[1..]`, clearing expiries.
pub(crate) fn set_pairs(ctx: &mut Ctx, pairs: &[Bytes]) {
    for kv in pairs.chunks_exact(2) {
        let found = ctx.lookup(&kv[0]);
        store(ctx, found, &kv[0], StrValue::from_bytes(&kv[1]), 0);
        ctx.modified(&kv[0], 1);
    }
}

/// MSET (whole, or one shard's part of it).
fn mset(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len().is_multiple_of(2) {
        return Err(Error::wrong_arity(b"mset"));
    }
    set_pairs(ctx, &argv[1..]);
    Ok(Reply::Ok)
}

/// MSETNX when all its keys live on one shard.
fn msetnx(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len().is_multiple_of(2) {
        return Err(Error::wrong_arity(b"msetnx"));
    }
    if argv[1..].iter().step_by(2).any(|k| ctx.lookup(k).is_some()) {
        return Ok(Reply::Int(0));
    }
    set_pairs(ctx, &argv[1..]);
    Ok(Reply::Int(1))
}

// ---------------------------------------------------------------------------
// Length, append, ranges

fn strlen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(
        ctx.get_str(&argv[1])?.map_or(0, |s| s.len()) as i64
    ))
}

fn append(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (key, add) = (&argv[1], &argv[2]);
    let Some(i) = find_str(ctx, key, false)? else {
        // A new key gets the usual encoding (an integer when it is one).
        ctx.db()
            .insert(key, Value::Str(StrValue::from_bytes(add)), 0);
        ctx.modified(key, 1);
        return Ok(Reply::Int(add.len() as i64));
    };
    let s = as_str(&mut ctx.db().entry_mut(i).value)?;
    let total = check_string_length((s.len() as u64).checked_add(add.len() as u64))?;
    let mut v = take_bytes(s);
    v.extend_from_slice(add);
    *s = grown(v);
    ctx.modified(key, 1);
    Ok(Reply::Int(total as i64))
}

/// The byte range GETRANGE returns for a string of `len` bytes, with Redis's
/// negative-index rules; None for an empty reply.
fn getrange_bounds(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        None
    } else {
        Some((start as usize, end as usize))
    }
}

/// GETRANGE and SUBSTR.
fn getrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    let mut tmp = itoa_buf::Buf::new();
    let Some(s) = ctx.get_str(&argv[1])? else {
        return Ok(Reply::Bulk(Bytes::new()));
    };
    let b = s.as_slice(&mut tmp);
    Ok(match getrange_bounds(b.len(), start, end) {
        Some((from, to)) => Reply::bulk(&b[from..=to]),
        None => Reply::Bulk(Bytes::new()),
    })
}

fn setrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (key, value) = (&argv[1], &argv[3]);
    let offset = args::int(&argv[2])?;
    if offset < 0 {
        return Err(Error::err("offset is out of range"));
    }
    let offset = offset as u64;
    let Some(i) = find_str(ctx, key, false)? else {
        // Writing nothing to a missing key creates nothing.
        if value.is_empty() {
            return Ok(Reply::Int(0));
        }
        let total = check_string_length(offset.checked_add(value.len() as u64))? as usize;
        let mut v = vec![0u8; total];
        v[offset as usize..].copy_from_slice(value);
        ctx.db().insert(key, Value::Str(grown(v)), 0);
        ctx.modified(key, 1);
        return Ok(Reply::Int(total as i64));
    };
    let s = as_str(&mut ctx.db().entry_mut(i).value)?;
    if value.is_empty() {
        return Ok(Reply::Int(s.len() as i64));
    }
    let need = check_string_length(offset.checked_add(value.len() as u64))? as usize;
    let offset = offset as usize;
    let mut v = take_bytes(s);
    if v.len() < need {
        v.resize(need, 0);
    }
    v[offset..need].copy_from_slice(value);
    let total = v.len();
    *s = grown(v);
    ctx.modified(key, 1);
    Ok(Reply::Int(total as i64))
}

// ---------------------------------------------------------------------------
// Counters

/// Redis's incrDecrCommand: adds `by` to the integer at `key` (0 if missing),
/// keeping its expiry.
fn incr_decr(ctx: &mut Ctx, key: &[u8], by: i64) -> Result<Reply, Error> {
    let found = find_str(ctx, key, false)?;
    let cur = match found {
        None => 0,
        Some(i) => match as_str(&mut ctx.db().entry_mut(i).value)? {
            StrValue::Int(n) => *n,
            s => {
                let mut tmp = itoa_buf::Buf::new();
                crate::num::parse_i64(s.as_slice(&mut tmp)).ok_or(Error::NotInteger)?
            }
        },
    };
    let new = cur.checked_add(by).ok_or(Error::Overflow)?;
    let at = found.map_or(0, |i| ctx.db().entry(i).expire_at);
    store(ctx, found, key, StrValue::Int(new), at);
    ctx.modified(key, 1);
    Ok(Reply::Int(new))
}

fn incr(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    incr_decr(ctx, &argv[1], 1)
}

fn decr(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    incr_decr(ctx, &argv[1], -1)
}

fn incrby(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let by = args::int(&argv[2])?;
    incr_decr(ctx, &argv[1], by)
}

fn decrby(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let by = args::int(&argv[2])?;
    // -i64::MIN does not exist (Redis checks this before anything else).
    if by == i64::MIN {
        return Err(Error::err("decrement would overflow"));
    }
    incr_decr(ctx, &argv[1], -by)
}

/// INCRBYFLOAT: long-double arithmetic and formatting exactly as Redis
/// (`crate::num::incr_by_float`); the result is stored as text (never the
/// integer encoding, like Redis), keeping the key's expiry.
fn incrbyfloat(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let found = find_str(ctx, key, false)?;
    let res = match found {
        None => crate::num::incr_by_float(b"0", &argv[2]),
        Some(i) => {
            let mut tmp = itoa_buf::Buf::new();
            let s = as_str(&mut ctx.db().entry_mut(i).value)?;
            crate::num::incr_by_float(s.as_slice(&mut tmp), &argv[2])
        }
    };
    let out = res.map_err(|e| match e {
        IncrFloatError::CurNotFloat | IncrFloatError::IncrNotFloat => Error::NotFloat,
        IncrFloatError::NanOrInf => Error::err("increment would produce NaN or Infinity"),
    })?;
    let reply = Reply::bulk(&out);
    let at = found.map_or(0, |i| ctx.db().entry(i).expire_at);
    store(ctx, found, key, StrValue::Raw(out.into()), at);
    ctx.modified(key, 1);
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::Shard;

    const NOW: u64 = 1_700_000_000_000;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ').map(b).collect()
    }

    /// Runs `cmd` against `shard` at time `now`.
    fn run(shard: &mut Shard, now: u64, cmd: &str) -> Result<Reply, Error> {
        let a = argv(cmd);
        let spec = crate::cmd::table::lookup(&a[0]).expect("known command");
        let crate::cmd::table::Exec::Keyed { handler, .. } = spec.exec else {
            panic!("keyed")
        };
        handler(&mut Ctx::new(shard, 0, now), &a)
    }

    fn expiry(shard: &mut Shard, key: &str) -> Option<u64> {
        let db = &mut shard.dbs[0];
        db.find(key.as_bytes()).map(|i| db.entry(i).expire_at)
    }

    fn encoding(shard: &mut Shard, key: &str) -> &'static str {
        let db = &mut shard.dbs[0];
        let i = db.find(key.as_bytes()).expect("key exists");
        db.entry(i).value.encoding()
    }

    #[test]
    fn parse_ext_conflicts_like_redis() {
        let ok = |s: &str| parse_ext(&argv(s), true).map(|a| a.flags);
        assert_eq!(ok("set k v NX GET"), Ok(F_NX | F_GET));
        assert_eq!(ok("set k v ex 1 ex 2"), Ok(F_EX));
        assert_eq!(ok("set k v nx nx"), Ok(F_NX));
        for bad in [
            "set k v NX XX",
            "set k v XX NX",
            "set k v EX 1 PX 1",
            "set k v KEEPTTL EX 1",
            "set k v EX 1 KEEPTTL",
            "set k v EXAT 1 PXAT 1",
            "set k v EX",
            "set k v PERSIST",
            "set k v foo",
        ] {
            assert_eq!(ok(bad), Err(Error::Syntax), "{bad}");
        }
        let g = |s: &str| parse_ext(&argv(s), false).map(|a| a.flags);
        assert_eq!(g("getex k PERSIST"), Ok(F_PERSIST));
        assert_eq!(g("getex k px 5"), Ok(F_PX));
        for bad in [
            "getex k NX",
            "getex k GET",
            "getex k KEEPTTL",
            "getex k EX 1 PERSIST",
            "getex k PERSIST EX 1",
        ] {
            assert_eq!(g(bad), Err(Error::Syntax), "{bad}");
        }
        let a = argv("set k v EX 1 EX 7");
        assert_eq!(
            parse_ext(&a, true).map(|a| a.expire.cloned()),
            Ok(Some(b("7")))
        );
    }

    #[test]
    fn expire_times() {
        assert_eq!(expire_at(b"10", F_EX, NOW, "set"), Ok(NOW + 10_000));
        assert_eq!(expire_at(b"10", F_PX, NOW, "set"), Ok(NOW + 10));
        assert_eq!(expire_at(b"10", F_EXAT, NOW, "set"), Ok(10_000));
        assert_eq!(expire_at(b"10", F_PXAT, NOW, "set"), Ok(10));
        let inv = Err(Error::InvalidExpire("set".into()));
        assert_eq!(expire_at(b"0", F_EX, NOW, "set"), inv);
        assert_eq!(expire_at(b"-1", F_PXAT, NOW, "set"), inv);
        assert_eq!(expire_at(b"9223372036854775807", F_EX, NOW, "set"), inv);
        assert_eq!(expire_at(b"9223372036854775807", F_PX, NOW, "set"), inv);
        assert_eq!(
            expire_at(b"9223372036854775807", F_PXAT, NOW, "set"),
            Ok(i64::MAX as u64)
        );
        assert_eq!(expire_at(b"x", F_EX, NOW, "set"), Err(Error::NotInteger));
    }

    #[test]
    fn getrange_bounds_like_redis() {
        assert_eq!(getrange_bounds(5, 0, -1), Some((0, 4)));
        assert_eq!(getrange_bounds(5, -3, -1), Some((2, 4)));
        assert_eq!(getrange_bounds(5, -1, -3), None);
        assert_eq!(getrange_bounds(5, 3, 1), None);
        assert_eq!(getrange_bounds(5, -100, 100), Some((0, 4)));
        assert_eq!(getrange_bounds(5, 10, 20), None);
        assert_eq!(getrange_bounds(0, 0, -1), None);
        assert_eq!(getrange_bounds(0, -1, 0), None);
        assert_eq!(getrange_bounds(5, i64::MIN, i64::MAX), Some((0, 4)));
        assert_eq!(getrange_bounds(5, 0, i64::MIN), Some((0, 0)));
    }

    #[test]
    fn ttl_rules() {
        let mut sh = Shard::new(0, 1, 16, NOW);
        let s = &mut sh;
        assert_eq!(run(s, NOW, "set k v EX 10"), Ok(Reply::Ok));
        assert_eq!(expiry(s, "k"), Some(NOW + 10_000));
        // KEEPTTL keeps it, a plain SET clears it.
        run(s, NOW, "set k w KEEPTTL").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 10_000));
        // APPEND, SETRANGE, INCR and INCRBYFLOAT keep it too.
        run(s, NOW, "append k x").unwrap();
        run(s, NOW, "setrange k 0 y").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 10_000));
        run(s, NOW, "set k 5 KEEPTTL").unwrap();
        run(s, NOW, "incr k").unwrap();
        run(s, NOW, "incrbyfloat k 1.5").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 10_000));
        run(s, NOW, "set k v").unwrap();
        assert_eq!(expiry(s, "k"), Some(0));
        // GETSET clears it.
        run(s, NOW, "setex k 5 v").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 5_000));
        run(s, NOW, "getset k v").unwrap();
        assert_eq!(expiry(s, "k"), Some(0));
        // PXAT/EXAT are absolute.
        run(s, NOW, "set k v PXAT 99999999999999").unwrap();
        assert_eq!(expiry(s, "k"), Some(99_999_999_999_999));
        run(s, NOW, "psetex k 250 v").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 250));
        // GETEX: PERSIST, EX, and an absolute time in the past deletes.
        assert_eq!(run(s, NOW, "getex k PERSIST"), Ok(Reply::bulk(b"v")));
        assert_eq!(expiry(s, "k"), Some(0));
        run(s, NOW, "getex k PX 100").unwrap();
        assert_eq!(expiry(s, "k"), Some(NOW + 100));
        assert_eq!(run(s, NOW, "getex k EXAT 1"), Ok(Reply::bulk(b"v")));
        assert_eq!(expiry(s, "k"), None);
    }

    #[test]
    fn expired_keys_count_as_missing() {
        let mut sh = Shard::new(0, 1, 16, NOW);
        let s = &mut sh;
        let later = NOW + 20_000;
        for (cmd, reply) in [
            ("set k v NX", Reply::Ok),
            ("setnx k v", Reply::Int(1)),
            ("append k xyz", Reply::Int(3)),
            ("setrange k 2 ab", Reply::Int(4)),
            ("incr k", Reply::Int(1)),
            ("incrbyfloat k 2.5", Reply::bulk(b"2.5")),
            ("set k v GET", Reply::Nil),
            ("getdel k", Reply::Nil),
            ("strlen k", Reply::Int(0)),
        ] {
            run(s, NOW, "set k old EX 10").unwrap();
            assert_eq!(run(s, later, cmd), Ok(reply), "{cmd}");
            if !cmd.starts_with("getdel") && !cmd.starts_with("strlen") {
                assert_eq!(expiry(s, "k"), Some(0), "{cmd}: new key, no TTL");
            }
            sh_del(s, "k");
        }
        run(s, NOW, "set k old EX 10").unwrap();
        assert_eq!(run(s, later, "set k v XX"), Ok(Reply::Nil));
        run(s, NOW, "set k old EX 10").unwrap();
        run(s, later, "set k v KEEPTTL").unwrap();
        assert_eq!(expiry(s, "k"), Some(0));
    }

    fn sh_del(s: &mut Shard, key: &str) {
        s.dbs[0].remove(key.as_bytes());
    }

    #[test]
    fn encodings() {
        let mut sh = Shard::new(0, 1, 16, NOW);
        let s = &mut sh;
        run(s, NOW, "set k 123").unwrap();
        assert_eq!(encoding(s, "k"), "int");
        run(s, NOW, "set k 0123").unwrap();
        assert_eq!(encoding(s, "k"), "embstr");
        assert_eq!(run(s, NOW, "incr k"), Err(Error::NotInteger));
        run(s, NOW, "set k 12345678901234567890").unwrap();
        assert_eq!(encoding(s, "k"), "embstr");
        run(s, NOW, "incr n").unwrap();
        assert_eq!(encoding(s, "n"), "int");
        run(s, NOW, "incrbyfloat k 1").unwrap();
        assert_eq!(encoding(s, "k"), "embstr");
        run(s, NOW, "append a 12").unwrap();
        assert_eq!(encoding(s, "a"), "int");
        run(s, NOW, "append a 3").unwrap();
        assert_eq!(run(s, NOW, "get a"), Ok(Reply::bulk(b"123")));
        assert_eq!(encoding(s, "a"), "raw");
        run(s, NOW, "setrange r 0 x").unwrap();
        assert_eq!(encoding(s, "r"), "raw");
        run(s, NOW, "incr a").unwrap();
        assert_eq!(encoding(s, "a"), "int");
        assert_eq!(run(s, NOW, "get a"), Ok(Reply::bulk(b"124")));
    }

    #[test]
    fn setrange_and_append_build_bytes() {
        let mut sh = Shard::new(0, 1, 16, NOW);
        let s = &mut sh;
        assert_eq!(run(s, NOW, "setrange k 3 ab"), Ok(Reply::Int(5)));
        assert_eq!(run(s, NOW, "get k"), Ok(Reply::bulk(b"\0\0\0ab")));
        assert_eq!(run(s, NOW, "setrange k 1 xyzzy"), Ok(Reply::Int(6)));
        assert_eq!(run(s, NOW, "get k"), Ok(Reply::bulk(b"\0xyzzy")));
        assert_eq!(run(s, NOW, "set n 1234"), Ok(Reply::Ok));
        assert_eq!(run(s, NOW, "setrange n 1 9"), Ok(Reply::Int(4)));
        assert_eq!(run(s, NOW, "get n"), Ok(Reply::bulk(b"1934")));
        assert_eq!(run(s, NOW, "append n 5"), Ok(Reply::Int(5)));
        assert_eq!(run(s, NOW, "getrange n -2 -1"), Ok(Reply::bulk(b"45")));
        let big = format!("setrange n {} x", PROTO_MAX_BULK_LEN);
        let e = Error::err("string exceeds maximum allowed size (proto-max-bulk-len)");
        assert_eq!(run(s, NOW, &big), Err(e.clone()));
        assert_eq!(run(s, NOW, "setrange n 9223372036854775807 x"), Err(e));
    }

    #[test]
    fn counters() {
        let mut sh = Shard::new(0, 1, 16, NOW);
        let s = &mut sh;
        assert_eq!(
            run(s, NOW, "incrby k 9223372036854775807"),
            Ok(Reply::Int(i64::MAX))
        );
        assert_eq!(run(s, NOW, "incr k"), Err(Error::Overflow));
        assert_eq!(
            run(s, NOW, "decrby k -9223372036854775808"),
            Err(Error::err("decrement would overflow"))
        );
        assert_eq!(
            run(s, NOW, "decrby k 9223372036854775807"),
            Ok(Reply::Int(0))
        );
        assert_eq!(run(s, NOW, "decr k"), Ok(Reply::Int(-1)));
        assert_eq!(run(s, NOW, "incrby k x"), Err(Error::NotInteger));
        run(s, NOW, "set k 01").unwrap();
        assert_eq!(run(s, NOW, "incr k"), Err(Error::NotInteger));
        run(s, NOW, "set k abc").unwrap();
        assert_eq!(run(s, NOW, "incrbyfloat k 1"), Err(Error::NotFloat));
        run(s, NOW, "set k 1").unwrap();
        assert_eq!(run(s, NOW, "incrbyfloat k x"), Err(Error::NotFloat));
        assert_eq!(run(s, NOW, "incrbyfloat k 0.5"), Ok(Reply::bulk(b"1.5")));
    }
}
