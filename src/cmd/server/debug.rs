//! DEBUG: OBJECT, POPULATE, SET-ACTIVE-EXPIRE, SLEEP, HELP.
//!
//! DEBUG is one command in Redis's table (COMMAND INFO lists no
//! subcommands) with its own "unknown subcommand" wording, so it parses its
//! subcommand itself rather than through the table's container mechanism.

use std::time::Duration;

use bytes::Bytes;

use super::{gather, lru_clock};
use crate::cmd::args::{is, text};
use crate::cmd::connection::help_reply;
use crate::cmd::table::LocalFut;
use crate::error::Error;
use crate::mesh::{join_all, Worker};
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::{Ctx, StrValue, Value};
use crate::slot::shard_of;

fn debug_error(sub: &Bytes) -> Reply {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        text(sub)
    ))
    .into()
}

pub(super) fn debug(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let sub = &argv[1];
        let n = argv.len();
        if is(sub, "help") && n == 2 {
            help_reply("DEBUG", DEBUG_HELP)
        } else if is(sub, "sleep") && n == 3 {
            let secs = strtod_prefix(&argv[2]);
            if let Ok(d) = Duration::try_from_secs_f64(secs) {
                // Only this connection waits; the executor keeps serving.
                glommio::timer::sleep(d).await;
            }
            Reply::Ok
        } else if is(sub, "set-active-expire") && n == 3 {
            let on = atoi(&argv[2]) != 0;
            gather(&s.worker, || {
                move |w: &Worker| w.shard.borrow_mut().active_expire = on
            })
            .await;
            Reply::Ok
        } else if is(sub, "object") && n == 3 {
            let key = argv[2].clone();
            let shard = shard_of(&key, s.worker.nshards);
            s.worker
                .run_on(shard, s.db, move |ctx: &mut Ctx| debug_object(ctx, &key))
                .await
                .into()
        } else if is(sub, "populate") && (3..=5).contains(&n) {
            populate(s, &argv).await.into()
        } else {
            debug_error(sub)
        }
    })
}

const DEBUG_HELP: &[&str] = &[
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
];

/// C's strtod on the longest numeric prefix (DEBUG SLEEP "abc" sleeps 0 s in Redis).
fn strtod_prefix(b: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(b);
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(s.len());
    (1..=end)
        .rev()
        .find_map(|k| s[..k].parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// C's atoi: optional sign and leading digits, 0 otherwise.
fn atoi(b: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(b);
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add((d - b'0') as i64)
        });
    if neg {
        -n
    } else {
        n
    }
}

/// Bytes RDB would use for a length prefix.
fn rdb_len_size(n: usize) -> usize {
    match n {
        0..=63 => 1,
        64..=16383 => 2,
        _ if n <= u32::MAX as usize => 5,
        _ => 9,
    }
}

/// The RDB-serialised size of a value (without LZF compression, which
/// ringkv does not apply).
fn serialized_len(v: &Value) -> usize {
    match v {
        Value::Str(StrValue::Int(n)) => {
            if i8::try_from(*n).is_ok() {
                2
            } else if i16::try_from(*n).is_ok() {
                3
            } else if i32::try_from(*n).is_ok() {
                5
            } else {
                let len = itoa_len(*n);
                rdb_len_size(len) + len
            }
        }
        Value::Str(s) => rdb_len_size(s.len()) + s.len(),
        // Other types: their payload size, until they get RDB encoders.
        #[allow(unreachable_patterns)]
        other => rdb_len_size(other.heap_size()) + other.heap_size(),
    }
}

fn itoa_len(n: i64) -> usize {
    crate::shard::value::itoa_buf::Buf::new().format(n).len()
}

fn debug_object(ctx: &mut Ctx, key: &[u8]) -> Result<Reply, Error> {
    let Some(i) = ctx.lookup(key) else {
        return Err(Error::NoSuchKey);
    };
    let clock = lru_clock(ctx.now);
    let e = ctx.db().entry(i);
    // An entry whose access time was never recorded counts as just used.
    let lru = if e.lru == 0 {
        clock
    } else {
        e.lru as u64 & ((1 << 24) - 1)
    };
    let idle = clock.wrapping_sub(lru) & ((1 << 24) - 1);
    Ok(Reply::Status(Bytes::from(format!(
        "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{lru} lru_seconds_idle:{idle}",
        &e.value as *const Value,
        e.value.encoding(),
        serialized_len(&e.value),
    ))))
}

/// DEBUG POPULATE count [prefix] [size]: keys `prefix:N` holding `value:N`
/// (zero-padded or cut to `size` when given); existing keys are left alone.
async fn populate(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let positive = |b: &Bytes| match crate::num::parse_i64(b) {
        Some(n) if n >= 0 => Ok(n as u64),
        _ => Err(Error::err("value is out of range, must be positive")),
    };
    let count = positive(&argv[2])?;
    let size = match argv.get(4) {
        Some(b) => positive(b)? as usize,
        None => 0,
    };
    let prefix: Bytes = argv
        .get(3)
        .cloned()
        .unwrap_or_else(|| Bytes::from_static(b"key"));
    let nshards = s.worker.nshards;
    let mut per_shard: Vec<Vec<u64>> = vec![Vec::new(); nshards];
    let mut key = Vec::new();
    for j in 0..count {
        populate_key(&mut key, &prefix, j);
        per_shard[shard_of(&key, nshards)].push(j);
    }
    let worker = s.worker.clone();
    let db = s.db;
    let calls: Vec<_> = per_shard
        .into_iter()
        .enumerate()
        .filter(|(_, js)| !js.is_empty())
        .map(|(shard, js)| {
            let prefix = prefix.clone();
            worker.run_on(shard, db, move |ctx: &mut Ctx| {
                let mut key = Vec::new();
                for j in js {
                    populate_key(&mut key, &prefix, j);
                    if ctx.lookup(&key).is_some() {
                        continue;
                    }
                    let mut val = format!("value:{j}").into_bytes();
                    if size > 0 {
                        val.resize(size, 0);
                    }
                    ctx.db()
                        .insert(&key, Value::Str(StrValue::Raw(val.into())), 0);
                }
            })
        })
        .collect();
    join_all(calls).await;
    Ok(Reply::Ok)
}

/// `prefix:j`, cut at 127 bytes like Redis's fixed buffer.
fn populate_key(out: &mut Vec<u8>, prefix: &[u8], j: u64) {
    out.clear();
    out.extend_from_slice(prefix);
    out.push(b':');
    out.extend_from_slice(j.to_string().as_bytes());
    out.truncate(127);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::StrValue;

    #[test]
    fn c_number_prefixes() {
        assert_eq!(strtod_prefix(b"0.5"), 0.5);
        assert_eq!(strtod_prefix(b"abc"), 0.0);
        assert_eq!(strtod_prefix(b"1.5s"), 1.5);
        assert_eq!(strtod_prefix(b"1e"), 1.0);
        assert_eq!(atoi(b"2"), 2);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"-3x"), -3);
    }

    #[test]
    fn serialized_lengths_match_redis() {
        assert_eq!(
            serialized_len(&Value::Str(StrValue::Raw(b"bar".to_vec().into()))),
            4
        );
        assert_eq!(serialized_len(&Value::Str(StrValue::Int(12345))), 3);
        assert_eq!(serialized_len(&Value::Str(StrValue::Int(1))), 2);
        assert_eq!(serialized_len(&Value::Str(StrValue::Int(1 << 40))), 14);
    }

    #[test]
    fn populate_keys() {
        let mut k = Vec::new();
        populate_key(&mut k, b"key", 12);
        assert_eq!(k, b"key:12");
        populate_key(&mut k, &[b'p'; 200], 1);
        assert_eq!(k.len(), 127);
    }
}
