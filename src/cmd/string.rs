//! String commands.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, KeySpec, Merge};
use super::{keyed, split};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::{Ctx, StrValue, Value};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, READONLY | FAST, KeySpec::single(), keyed(get))
        .doc("string", "1.0.0", "Returns the string value of a key.", "key"),
    CommandSpec::new("set", -3, WRITE | DENYOOM, KeySpec::single(), keyed(set))
        .doc("string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]"),
    CommandSpec::new("mget", -2, READONLY | FAST, KeySpec::all_from(1), split(mget, Merge::Array))
        .doc("string", "1.0.0", "Atomically returns the string values of one or more keys.", "key [key ...]"),
];

fn get(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(match ctx.get_str(&argv[1])? {
        Some(v) => Reply::Bulk(v.to_bytes()),
        None => Reply::Nil,
    })
}

fn set(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    ctx.db().insert(&argv[1], Value::Str(StrValue::from_bytes(&argv[2])), 0);
    ctx.dirty(1);
    Ok(Reply::Ok)
}

fn mget(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut out = Vec::with_capacity(argv.len() - 1);
    for k in &argv[1..] {
        out.push(match ctx.get_str(k) {
            Ok(Some(v)) => Reply::Bulk(v.to_bytes()),
            _ => Reply::Nil,
        });
    }
    Ok(Reply::Array(out))
}
