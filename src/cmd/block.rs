//! The blocking list and sorted-set commands (BLPOP, BRPOP, BLMOVE,
//! BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP). Each handler is the
//! command's non-blocking form: it answers what is there now, or the
//! timeout reply when nothing is. That is what runs inside MULTI (Redis
//! never blocks there), what tries the command before its client waits,
//! and what serves the client once a key is ready (blocking.rs,
//! shard/blocked.rs).

use bytes::Bytes;

use super::gather;
use super::keys::key_positions;
use super::list::{self, End};
use super::table::{flags::*, BlockSpec, CommandSpec, KeySpec};
use super::zset::{self, mpop_reply, score_reply};
use crate::blocking::timeout_secs;
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::{Ctx, Value};

/// Keys after a count at position 2 (BLMPOP / BZMPOP timeout numkeys key ...).
const MPOP_KEYS: KeySpec = KeySpec::Keynum {
    fixed: 0,
    numkeys: 2,
    first: 1,
    step: 1,
};
/// Every key but the trailing timeout.
const ALL_BUT_LAST: KeySpec = KeySpec::range(1, -2, 1);
const SRC_DST: KeySpec = KeySpec::range(1, 2, 1);

fn last_timeout(argv: &[Bytes]) -> Result<Option<u64>, Error> {
    timeout_secs(&argv[argv.len() - 1]).map(Some)
}

fn first_timeout(argv: &[Bytes]) -> Result<Option<u64>, Error> {
    timeout_secs(&argv[1]).map(Some)
}

fn blmove_timeout(argv: &[Bytes]) -> Result<Option<u64>, Error> {
    list::parse_end(&argv[3])?;
    list::parse_end(&argv[4])?;
    timeout_secs(&argv[5]).map(Some)
}

fn wait_all_but_last(argv: &[Bytes], out: &mut Vec<usize>) {
    key_positions(&ALL_BUT_LAST, argv, out);
}

fn wait_mpop(argv: &[Bytes], out: &mut Vec<usize>) {
    key_positions(&MPOP_KEYS, argv, out);
}

fn wait_source(_argv: &[Bytes], out: &mut Vec<usize>) {
    out.push(1);
}

fn is_list(v: &Value) -> bool {
    matches!(v, Value::List(_))
}

fn is_zset(v: &Value) -> bool {
    matches!(v, Value::ZSet(_))
}

const fn spec(
    timeout: fn(&[Bytes]) -> Result<Option<u64>, Error>,
    wait_keys: fn(&[Bytes], &mut Vec<usize>),
    serves: fn(&Value) -> bool,
    moves: bool,
) -> BlockSpec {
    BlockSpec {
        timeout,
        wait_keys,
        serves,
        prepare: None,
        moves,
        nil_bulk: moves,
    }
}

static POP_LIST: BlockSpec = spec(last_timeout, wait_all_but_last, is_list, false);
static MOVE_LIST: BlockSpec = spec(blmove_timeout, wait_source, is_list, true);
static RPOPLPUSH: BlockSpec = spec(last_timeout, wait_source, is_list, true);
static MPOP_LIST: BlockSpec = spec(first_timeout, wait_mpop, is_list, false);
static POP_ZSET: BlockSpec = spec(last_timeout, wait_all_but_last, is_zset, false);
static MPOP_ZSET: BlockSpec = spec(first_timeout, wait_mpop, is_zset, false);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("blpop", -3, WRITE | NOSCRIPT | BLOCKING, ALL_BUT_LAST, gather(blpop))
        .blocks(&POP_LIST)
        .doc("list", "2.0.0", "Remove and get the first element in a list, or block until one is available", "key [key ...] timeout")
        .complexity("O(N) where N is the number of provided keys."),
    CommandSpec::new("brpop", -3, WRITE | NOSCRIPT | BLOCKING, ALL_BUT_LAST, gather(brpop))
        .blocks(&POP_LIST)
        .doc("list", "2.0.0", "Remove and get the last element in a list, or block until one is available", "key [key ...] timeout")
        .complexity("O(N) where N is the number of provided keys."),
    CommandSpec::new("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, SRC_DST, gather(blmove))
        .blocks(&MOVE_LIST)
        .doc("list", "6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout")
        .complexity("O(1)"),
    CommandSpec::new("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, SRC_DST, gather(brpoplpush))
        .blocks(&RPOPLPUSH)
        .doc("list", "2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "source destination timeout")
        .complexity("O(1)"),
    CommandSpec::new("blmpop", -5, WRITE | BLOCKING, MPOP_KEYS, gather(blmpop))
        .blocks(&MPOP_LIST)
        .doc("list", "7.0.0", "Pop elements from a list, or block until one is available", "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]")
        .complexity("O(N+M) where N is the number of provided keys and M is the number of elements returned."),
    CommandSpec::new("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, ALL_BUT_LAST, gather(bzpopmin))
        .blocks(&POP_ZSET)
        .doc("sorted-set", "5.0.0", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "key [key ...] timeout")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, ALL_BUT_LAST, gather(bzpopmax))
        .blocks(&POP_ZSET)
        .doc("sorted-set", "5.0.0", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "key [key ...] timeout")
        .complexity("O(log(N)) with N being the number of elements in the sorted set."),
    CommandSpec::new("bzmpop", -5, WRITE | BLOCKING, MPOP_KEYS, gather(bzmpop))
        .blocks(&MPOP_ZSET)
        .doc("sorted-set", "7.0.0", "Remove and return members with scores in a sorted set or block until one is available", "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]")
        .complexity("O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped."),
];

fn bpop(ctx: &mut Ctx, argv: &[Bytes], end: End) -> Result<Reply, Error> {
    last_timeout(argv)?;
    Ok(match list::mpop(ctx, &argv[1..argv.len() - 1], end, 1)? {
        Some((key, mut popped)) => match popped.pop() {
            Some(v) => Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(v)]),
            None => Reply::NilArray,
        },
        None => Reply::NilArray,
    })
}

fn blpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    bpop(ctx, argv, End::Left)
}

fn brpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    bpop(ctx, argv, End::Right)
}

fn blmove(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let from = list::parse_end(&argv[3])?;
    let to = list::parse_end(&argv[4])?;
    timeout_secs(&argv[5])?;
    Ok(list::move_element(ctx, &argv[1], &argv[2], from, to)?.map_or(Reply::Nil, Reply::Bulk))
}

fn brpoplpush(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    timeout_secs(&argv[3])?;
    Ok(
        list::move_element(ctx, &argv[1], &argv[2], End::Right, End::Left)?
            .map_or(Reply::Nil, Reply::Bulk),
    )
}

fn blmpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    timeout_secs(&argv[1])?;
    let a = list::parse_mpop(argv, 2)?;
    Ok(match list::mpop(ctx, &argv[a.keys], a.end, a.count)? {
        Some((key, popped)) => Reply::Array(vec![
            Reply::Bulk(key),
            Reply::Array(popped.into_iter().map(Reply::Bulk).collect()),
        ]),
        None => Reply::NilArray,
    })
}

fn bzpop(ctx: &mut Ctx, argv: &[Bytes], max: bool) -> Result<Reply, Error> {
    last_timeout(argv)?;
    let keys = &argv[1..argv.len() - 1];
    Ok(match zset::pop_first(ctx, keys, max, 1)? {
        Some((k, mut items)) => match items.pop() {
            Some((m, score)) => Reply::Array(vec![
                Reply::Bulk(keys[k].clone()),
                Reply::Bulk(Bytes::from(m.into_vec())),
                score_reply(score),
            ]),
            None => Reply::NilArray,
        },
        None => Reply::NilArray,
    })
}

fn bzpopmin(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    bzpop(ctx, argv, false)
}

fn bzpopmax(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    bzpop(ctx, argv, true)
}

fn bzmpop(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    timeout_secs(&argv[1])?;
    let (keys, max, count) = zset::mpop_args(argv, 2)?;
    Ok(match zset::pop_first(ctx, keys, max, count)? {
        Some((k, items)) if !items.is_empty() => mpop_reply(&keys[k], items),
        _ => Reply::NilArray,
    })
}

/// XREAD / XREADGROUP: BLOCK milliseconds among the options before
/// STREAMS; without it the call does not block. A malformed option is left
/// to the handler, which reports it in Redis's order.
fn stream_timeout(argv: &[Bytes]) -> Result<Option<u64>, Error> {
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        if a.eq_ignore_ascii_case(b"streams") {
            break;
        }
        if a.eq_ignore_ascii_case(b"block") {
            return Ok(argv
                .get(i + 1)
                .and_then(|t| crate::blocking::timeout_ms(t).ok()));
        }
        i += if a.eq_ignore_ascii_case(b"group") {
            3
        } else if a.eq_ignore_ascii_case(b"count") {
            2
        } else {
            1
        };
    }
    Ok(None)
}

fn wait_streams(argv: &[Bytes], out: &mut Vec<usize>) {
    out.extend(super::keys::after_streams(argv));
}

fn is_stream(v: &Value) -> bool {
    matches!(v, Value::Stream(_))
}

/// How XREAD and XREADGROUP block: on their stream keys, `$` meaning the
/// last id at the time of the call.
pub static READ_STREAMS: BlockSpec = BlockSpec {
    timeout: stream_timeout,
    wait_keys: wait_streams,
    serves: is_stream,
    prepare: Some(super::stream::resolve_last_ids),
    moves: false,
    nil_bulk: false,
};
