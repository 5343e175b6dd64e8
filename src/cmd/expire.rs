//! Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL,
//! EXPIRETIME, PEXPIRETIME and PERSIST. Times are absolute milliseconds since
//! the epoch in the store; expiry itself (lazy on access, active from the
//! TTL wheel) happens in the store.

use bytes::Bytes;

use super::keyed;
use super::keyspace::lru_clock;
use super::table::{flags::*, CommandSpec, KeySpec};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::Ctx;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("expire", -3, WRITE | FAST, KeySpec::single(), keyed(expire))
        .doc(
            "generic",
            "1.0.0",
            "Set a key's time to live in seconds",
            "key seconds [NX | XX | GT | LT]",
        )
        .complexity("O(1)"),
    CommandSpec::new(
        "pexpire",
        -3,
        WRITE | FAST,
        KeySpec::single(),
        keyed(pexpire),
    )
    .doc(
        "generic",
        "2.6.0",
        "Set a key's time to live in milliseconds",
        "key milliseconds [NX | XX | GT | LT]",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "expireat",
        -3,
        WRITE | FAST,
        KeySpec::single(),
        keyed(expireat),
    )
    .doc(
        "generic",
        "1.2.0",
        "Set the expiration for a key as a UNIX timestamp",
        "key unix-time-seconds [NX | XX | GT | LT]",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "pexpireat",
        -3,
        WRITE | FAST,
        KeySpec::single(),
        keyed(pexpireat),
    )
    .doc(
        "generic",
        "2.6.0",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        "key unix-time-milliseconds [NX | XX | GT | LT]",
    )
    .complexity("O(1)"),
    CommandSpec::new("ttl", 2, READONLY | FAST, KeySpec::single(), keyed(ttl))
        .doc(
            "generic",
            "1.0.0",
            "Get the time to live for a key in seconds",
            "key",
        )
        .complexity("O(1)"),
    CommandSpec::new("pttl", 2, READONLY | FAST, KeySpec::single(), keyed(pttl))
        .doc(
            "generic",
            "2.6.0",
            "Get the time to live for a key in milliseconds",
            "key",
        )
        .complexity("O(1)"),
    CommandSpec::new(
        "expiretime",
        2,
        READONLY | FAST,
        KeySpec::single(),
        keyed(expiretime),
    )
    .doc(
        "generic",
        "7.0.0",
        "Get the expiration Unix timestamp for a key",
        "key",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "pexpiretime",
        2,
        READONLY | FAST,
        KeySpec::single(),
        keyed(pexpiretime),
    )
    .doc(
        "generic",
        "7.0.0",
        "Get the expiration Unix timestamp for a key in milliseconds",
        "key",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "persist",
        2,
        WRITE | FAST,
        KeySpec::single(),
        keyed(persist),
    )
    .doc(
        "generic",
        "2.2.0",
        "Remove the expiration from a key",
        "key",
    )
    .complexity("O(1)"),
];

/// EXPIRE's NX / XX / GT / LT options.
#[derive(Default, Debug, PartialEq)]
struct Cond {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the options after the time, with Redis's errors and their order.
fn parse_cond(opts: &[Bytes]) -> Result<Cond, Error> {
    let mut c = Cond::default();
    for o in opts {
        let flag = match &o.to_ascii_lowercase()[..] {
            b"nx" => &mut c.nx,
            b"xx" => &mut c.xx,
            b"gt" => &mut c.gt,
            b"lt" => &mut c.lt,
            _ => {
                return Err(Error::err(format!(
                    "Unsupported option {}",
                    String::from_utf8_lossy(o)
                )))
            }
        };
        *flag = true;
    }
    if c.nx && (c.xx || c.gt || c.lt) {
        return Err(Error::err(
            "NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if c.gt && c.lt {
        return Err(Error::err(
            "GT and LT options at the same time are not compatible",
        ));
    }
    Ok(c)
}

/// The absolute expiry time in ms that `arg` asks for, or Redis's
/// "invalid expire time" error when the arithmetic would overflow.
fn deadline(arg: &[u8], name: &str, seconds: bool, base: i64) -> Result<i64, Error> {
    let when = super::args::int(arg)?;
    let invalid = || Error::InvalidExpire(name.to_string());
    let when = if seconds {
        when.checked_mul(1000).ok_or_else(invalid)?
    } else {
        when
    };
    when.checked_add(base).ok_or_else(invalid)
}

/// EXPIRE and friends: `seconds` says the unit, `relative` whether the time
/// counts from now.
fn expire_generic(
    ctx: &mut Ctx,
    argv: &[Bytes],
    name: &str,
    seconds: bool,
    relative: bool,
) -> Result<Reply, Error> {
    let cond = parse_cond(&argv[3..])?;
    let base = if relative { ctx.now as i64 } else { 0 };
    let when = deadline(&argv[2], name, seconds, base)?;
    let Some(i) = ctx.lookup(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    ctx.db().entry_mut(i).lru = lru_clock(ctx.now);
    // A persistent key has an infinite TTL: GT never beats it, LT always does.
    let current = match ctx.db().entry(i).expire_at {
        0 => None,
        t => Some(t as i64),
    };
    let refused = (cond.nx && current.is_some())
        || (cond.xx && current.is_none())
        || (cond.gt && current.is_none_or(|c| when <= c))
        || (cond.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Ok(Reply::Int(0));
    }
    if when <= ctx.now as i64 {
        // A time in the past deletes the key (Redis propagates it as a DEL).
        ctx.db().remove_at(i);
    } else {
        ctx.db().set_expire(i, when as u64);
    }
    ctx.modified(&argv[1], 1);
    Ok(Reply::Int(1))
}

fn expire(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    expire_generic(ctx, argv, "expire", true, true)
}

fn pexpire(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    expire_generic(ctx, argv, "pexpire", false, true)
}

fn expireat(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    expire_generic(ctx, argv, "expireat", true, false)
}

fn pexpireat(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    expire_generic(ctx, argv, "pexpireat", false, false)
}

/// TTL and friends: -2 for a missing key, -1 for a persistent one, else the
/// remaining (or, with `absolute`, the expiry) time, in seconds rounded as
/// Redis rounds them or in ms.
fn ttl_generic(ctx: &mut Ctx, argv: &[Bytes], ms: bool, absolute: bool) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup_read(&argv[1]) else {
        return Ok(Reply::Int(-2));
    };
    let at = ctx.db().entry(i).expire_at;
    if at == 0 {
        return Ok(Reply::Int(-1));
    }
    let t = if absolute {
        at
    } else {
        at.saturating_sub(ctx.now)
    };
    let t = t.min(i64::MAX as u64) as i64;
    Ok(Reply::Int(if ms {
        t
    } else {
        t.saturating_add(500) / 1000
    }))
}

fn ttl(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    ttl_generic(ctx, argv, false, false)
}

fn pttl(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    ttl_generic(ctx, argv, true, false)
}

fn expiretime(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    ttl_generic(ctx, argv, false, true)
}

fn pexpiretime(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    ttl_generic(ctx, argv, true, true)
}

fn persist(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup(&argv[1]) else {
        return Ok(Reply::Int(0));
    };
    ctx.db().entry_mut(i).lru = lru_clock(ctx.now);
    if ctx.db().entry(i).expire_at == 0 {
        return Ok(Reply::Int(0));
    }
    ctx.db().set_expire(i, 0);
    ctx.modified(&argv[1], 1);
    Ok(Reply::Int(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(s: &[&str]) -> Vec<Bytes> {
        s.iter()
            .map(|o| Bytes::copy_from_slice(o.as_bytes()))
            .collect()
    }

    #[test]
    fn option_errors_in_redis_order() {
        assert_eq!(
            parse_cond(&opts(&["nx"])),
            Ok(Cond {
                nx: true,
                ..Cond::default()
            })
        );
        let e = |s: &[&str]| parse_cond(&opts(s)).unwrap_err().to_string();
        assert_eq!(
            e(&["nx", "xx"]),
            "ERR NX and XX, GT or LT options at the same time are not compatible"
        );
        assert_eq!(
            e(&["gt", "lt"]),
            "ERR GT and LT options at the same time are not compatible"
        );
        assert_eq!(e(&["nx", "Foo"]), "ERR Unsupported option Foo");
    }

    #[test]
    fn deadline_overflow() {
        assert_eq!(deadline(b"10", "expire", true, 5), Ok(10_005));
        assert_eq!(deadline(b"-10", "pexpire", false, 5), Ok(-5));
        let big = (i64::MAX / 1000 + 1).to_string();
        assert_eq!(
            deadline(big.as_bytes(), "expire", true, 0),
            Err(Error::InvalidExpire("expire".into()))
        );
        let max = i64::MAX.to_string();
        assert_eq!(
            deadline(max.as_bytes(), "pexpire", false, 1),
            Err(Error::InvalidExpire("pexpire".into()))
        );
        assert_eq!(deadline(b"x", "expire", true, 0), Err(Error::NotInteger));
    }
}
