//! Keyspace commands.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, KeySpec, Merge};
use super::{all, split};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::Ctx;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, WRITE, KeySpec::all_from(1), split(del, Merge::Sum))
        .doc("generic", "1.0.0", "Deletes one or more keys.", "key [key ...]"),
    CommandSpec::new("dbsize", 1, READONLY | FAST, KeySpec::None, all(dbsize, Merge::Sum))
        .doc("server", "1.0.0", "Returns the number of keys in the database.", ""),
];

fn del(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.lookup(k).is_some() {
            ctx.db().remove(k);
            n += 1;
        }
    }
    ctx.dirty(n as u64);
    Ok(Reply::Int(n))
}

fn dbsize(ctx: &mut Ctx, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(ctx.db().len() as i64))
}
