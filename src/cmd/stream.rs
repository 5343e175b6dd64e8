//! Stream commands (Redis 7.0's `t_stream.c`): XADD, XLEN, XRANGE,
//! XREVRANGE, XDEL, XTRIM, XREAD, XREADGROUP, XSETID, XACK, XPENDING,
//! XCLAIM, XAUTOCLAIM and the XGROUP / XINFO containers. The value lives in
//! `shard/stream.rs`. Unlike other types, an emptied stream stays in the
//! keyspace, as in Redis.
//!
//! XREAD / XREADGROUP here are the non-blocking forms: with BLOCK they
//! validate the timeout and answer what is available now (or a null
//! array); the blocking framework calls `resolve_last_ids` before it
//! parks a client so that `$` keeps its meaning.

use bytes::Bytes;

use super::keys::after_streams;
use super::stream_group::{xack, xautoclaim, xclaim, xgroup_help, xinfo_help, xpending};
use super::table::{flags::*, CommandSpec, KeySpec};
use super::{args, gather, keyed, session};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::stream::{AddError, EntryRef, NodeLimits, Stream, StreamId, Trim};
use crate::shard::{Ctx, Value};

const STREAMS_KEYS: KeySpec = KeySpec::Custom(after_streams);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("xadd", -5, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(xadd))
        .doc("stream", "5.0.0", "Appends a new entry to a stream", "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]")
        .complexity("O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted."),
    CommandSpec::new("xlen", 2, READONLY | FAST, KeySpec::single(), keyed(xlen))
        .doc("stream", "5.0.0", "Return the number of entries in a stream", "key")
        .complexity("O(1)"),
    CommandSpec::new("xrange", -4, READONLY, KeySpec::single(), keyed(xrange))
        .doc("stream", "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval", "key start end [COUNT count]")
        .complexity("O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."),
    CommandSpec::new("xrevrange", -4, READONLY, KeySpec::single(), keyed(xrevrange))
        .doc("stream", "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", "key end start [COUNT count]")
        .complexity("O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."),
    CommandSpec::new("xdel", -3, WRITE | FAST, KeySpec::single(), keyed(xdel))
        .doc("stream", "5.0.0", "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", "key id [id ...]")
        .complexity("O(1) for each single item to delete in the stream, regardless of the stream size."),
    CommandSpec::new("xtrim", -4, WRITE, KeySpec::single(), keyed(xtrim))
        .doc("stream", "5.0.0", "Trims the stream to (approximately if '~' is passed) a certain size", "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]")
        .complexity("O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation."),
    CommandSpec::new("xread", -4, READONLY | BLOCKING, STREAMS_KEYS, gather(xread))
        .blocks(&super::block::READ_STREAMS)
        .doc("stream", "5.0.0", "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]")
        .complexity("For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data."),
    CommandSpec::new("xreadgroup", -7, WRITE | BLOCKING, STREAMS_KEYS, gather(xreadgroup))
        .blocks(&super::block::READ_STREAMS)
        .doc("stream", "5.0.0", "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]")
        .complexity("For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data."),
    CommandSpec::new("xsetid", -3, WRITE | DENYOOM | FAST, KeySpec::single(), keyed(xsetid))
        .doc("stream", "5.0.0", "An internal command for replicating stream values", "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]")
        .complexity("O(1)"),
    CommandSpec::new("xack", -4, WRITE | FAST, KeySpec::single(), keyed(xack))
        .doc("stream", "5.0.0", "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", "key group id [id ...]")
        .complexity("O(1) for each message ID processed."),
    CommandSpec::new("xpending", -3, READONLY, KeySpec::single(), keyed(xpending))
        .doc("stream", "5.0.0", "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", "key group [[IDLE min-idle-time] start end count [consumer]]")
        .complexity("O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer."),
    CommandSpec::new("xclaim", -6, WRITE | FAST, KeySpec::single(), keyed(xclaim))
        .doc("stream", "5.0.0", "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]")
        .complexity("O(log N) with N being the number of messages in the PEL of the consumer group."),
    CommandSpec::new("xautoclaim", -6, WRITE | FAST, KeySpec::single(), keyed(xautoclaim))
        .doc("stream", "6.2.0", "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", "key group consumer min-idle-time start [COUNT count] [JUSTID]")
        .complexity("O(1) if COUNT is small."),
    CommandSpec::new("xgroup", -2, 0, KeySpec::None, session(xgroup_help))
        .doc("stream", "5.0.0", "A container for consumer groups commands", "")
        .complexity("Depends on subcommand.")
        .subs(super::stream_group::XGROUP_SUBS),
    CommandSpec::new("xinfo", -2, 0, KeySpec::None, session(xinfo_help))
        .doc("stream", "5.0.0", "A container for stream introspection commands", "")
        .complexity("Depends on subcommand.")
        .subs(super::stream_group::XINFO_SUBS),
];

// ---------------------------------------------------------------------------
// Argument parsing

pub(super) fn invalid_id() -> Error {
    Error::err("Invalid stream ID specified as stream command argument")
}

/// Redis's addReplySubcommandSyntaxError.
pub(super) fn sub_syntax(argv: &[Bytes]) -> Error {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]),
        String::from_utf8_lossy(&argv[0]).to_ascii_uppercase()
    ))
}

/// Parses `ms[-seq]` (Redis's streamGenericParseIDOrReply). `strict`
/// refuses `-` and `+`; a missing sequence is `missing_seq`; with
/// `seq_star`, `ms-*` parses with the bool false (sequence to generate).
pub(super) fn parse_id_ext(
    arg: &[u8],
    strict: bool,
    missing_seq: u64,
    seq_star: bool,
) -> Result<(StreamId, bool), Error> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    // Redis works on a C string: it ends at the first NUL.
    let arg = match memchr::memchr(0, arg) {
        Some(n) => &arg[..n],
        None => arg,
    };
    match arg {
        b"-" | b"+" if strict => return Err(invalid_id()),
        b"-" => return Ok((StreamId::MIN, true)),
        b"+" => return Ok((StreamId::MAX, true)),
        _ => {}
    }
    let (ms, seq) = match memchr::memchr(b'-', arg) {
        Some(d) => (&arg[..d], Some(&arg[d + 1..])),
        None => (arg, None),
    };
    let ms = crate::num::parse_u64(ms).ok_or_else(invalid_id)?;
    match seq {
        None => Ok((StreamId::new(ms, missing_seq), true)),
        Some(b"*") if seq_star => Ok((StreamId::new(ms, 0), false)),
        Some(s) => {
            let seq = crate::num::parse_u64(s).ok_or_else(invalid_id)?;
            Ok((StreamId::new(ms, seq), true))
        }
    }
}

/// A strict id (no `-` / `+`), missing sequence 0.
pub(super) fn parse_id(arg: &[u8]) -> Result<StreamId, Error> {
    parse_id_ext(arg, true, 0, false).map(|(id, _)| id)
}

/// A range bound: `-`, `+`, an id, or `(id` (exclusive, made inclusive
/// by stepping past it). `start` says which end.
pub(super) fn parse_bound(arg: &[u8], start: bool) -> Result<StreamId, Error> {
    let missing = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id_ext(&arg[1..], true, missing, false)?.0;
        return if start {
            id.next()
                .ok_or_else(|| Error::err("invalid start ID for the interval"))
        } else {
            id.prev()
                .ok_or_else(|| Error::err("invalid end ID for the interval"))
        };
    }
    parse_id_ext(arg, false, missing, false).map(|(id, _)| id)
}

pub(super) fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(Bytes::from(id.to_bytes()))
}

/// `[id, [field, value, ...]]`
pub(super) fn entry_reply(e: &EntryRef<'_>) -> Reply {
    let mut kv = Vec::with_capacity(e.nfields().min(1024) * 2);
    for (f, v) in e.pairs() {
        kv.push(Reply::bulk(f));
        kv.push(Reply::bulk(v));
    }
    Reply::Array(vec![id_reply(e.id), Reply::Array(kv)])
}

/// Entries in [start, end] (reversed if `rev`), at most `count` (0 = all).
pub(super) fn range(
    s: &Stream,
    start: StreamId,
    end: StreamId,
    rev: bool,
    count: usize,
) -> Vec<(StreamId, Reply)> {
    let mut out = Vec::new();
    s.scan(start, end, rev, |e| {
        out.push((e.id, entry_reply(&e)));
        count == 0 || out.len() < count
    });
    out
}

fn node_limits(ctx: &Ctx) -> NodeLimits {
    NodeLimits {
        max_bytes: ctx.shard.limits.stream_node_max_bytes,
        max_entries: ctx.shard.limits.stream_node_max_entries,
    }
}

// ---------------------------------------------------------------------------
// Lookups

/// The stream at entry `i` (an access: stamps its LRU clock); WRONGTYPE otherwise.
pub(super) fn as_stream<'a>(ctx: &'a mut Ctx, i: u32) -> Result<&'a mut Stream, Error> {
    let db = ctx.db();
    let clock = db.clock;
    let e = db.entry_mut(i);
    e.lru = clock;
    match &mut e.value {
        Value::Stream(s) => Ok(s),
        _ => Err(Error::WrongType),
    }
}

/// The position of the stream at `key`, checked for its type, or None.
pub(super) fn find(ctx: &mut Ctx, key: &[u8], read: bool) -> Result<Option<u32>, Error> {
    let found = if read {
        ctx.lookup_read(key)
    } else {
        ctx.lookup(key)
    };
    if let Some(i) = found {
        as_stream(ctx, i)?;
    }
    Ok(found)
}

pub(super) fn no_group(key: &[u8], group: &[u8]) -> Error {
    Error::msg(format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        String::from_utf8_lossy(key),
        String::from_utf8_lossy(group)
    ))
}

/// The stream at `key` with group `group`, or Redis's NOGROUP error.
pub(super) fn find_group(ctx: &mut Ctx, key: &[u8], group: &[u8]) -> Result<u32, Error> {
    match find(ctx, key, true)? {
        Some(i) if as_stream(ctx, i)?.groups.contains_key(group) => Ok(i),
        _ => Err(no_group(key, group)),
    }
}

// ---------------------------------------------------------------------------
// XADD, XTRIM

/// XADD / XTRIM options (Redis's streamAddTrimArgs).
struct AddTrim {
    trim: Trim,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    /// XADD: the id (None = `*`) and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// Position of the id (XADD) or of the end of the options (XTRIM).
    idpos: usize,
}

/// Redis's streamParseAddOrTrimArgsOrReply.
fn parse_add_trim(ctx: &Ctx, argv: &[Bytes], xadd: bool) -> Result<AddTrim, Error> {
    let mut a = AddTrim {
        trim: Trim::None,
        approx: false,
        limit: 0,
        nomkstream: false,
        id: None,
        idpos: argv.len(),
    };
    let mut limit_given = false;
    let mut i = 2;
    let both =
        || Error::err("syntax error, MAXLEN and MINID options at the same time are not compatible");
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i][..];
        if xadd && opt == b"*" {
            break;
        } else if (args::is(opt, "maxlen") || args::is(opt, "minid")) && more > 0 {
            if a.trim != Trim::None {
                return Err(both());
            }
            a.approx = false;
            if more >= 2 && &argv[i + 1][..] == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && &argv[i + 1][..] == b"=" {
                i += 1;
            }
            a.trim = if args::is(opt, "maxlen") {
                let n = args::int(&argv[i + 1])?;
                if n < 0 {
                    return Err(Error::err("The MAXLEN argument must be >= 0."));
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(parse_id(&argv[i + 1])?)
            };
            i += 1;
        } else if args::is(opt, "limit") && more > 0 {
            let n = args::int(&argv[i + 1])?;
            if n < 0 {
                return Err(Error::err("The LIMIT argument must be >= 0."));
            }
            a.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && args::is(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            let (id, seq_given) = parse_id_ext(opt, true, 0, true)?;
            a.id = Some((id, seq_given));
            break;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    a.idpos = i;
    if a.limit > 0 && a.trim == Trim::None {
        return Err(Error::err(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim == Trim::None {
        return Err(Error::err(
            "syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !a.approx {
            return Err(Error::err(
                "syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
    } else if a.approx {
        let l = 100u64.saturating_mul(ctx.shard.limits.stream_node_max_entries as u64);
        a.limit = if l == 0 || l > 10000 { 10000 } else { l };
    } else {
        a.limit = 0;
    }
    Ok(a)
}

fn xadd(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let a = parse_add_trim(ctx, argv, true)?;
    let fields = argv.get(a.idpos + 1..).unwrap_or(&[]);
    if fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(Error::wrong_arity(&argv[0]));
    }
    if let Some((id, true)) = a.id {
        if id.is_zero() {
            return Err(Error::err(
                "The ID specified in XADD must be greater than 0-0",
            ));
        }
    }
    let key = &argv[1];
    let i = match find(ctx, key, false)? {
        Some(i) => i,
        None if a.nomkstream => return Ok(Reply::Nil),
        None => ctx.db().insert(key, Value::Stream(Box::default()), 0),
    };
    let limits = node_limits(ctx);
    let now = ctx.now;
    let s = as_stream(ctx, i)?;
    if s.last_id == StreamId::MAX {
        return Err(Error::err(
            "The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let fv: Vec<&[u8]> = fields.iter().map(|f| &f[..]).collect();
    let id = match s.add(a.id, &fv, now, limits) {
        Ok(id) => id,
        Err(AddError::IdTooSmall) => {
            return Err(Error::err(
                "The ID specified in XADD is equal or smaller than the target stream top item",
            ))
        }
        Err(AddError::TooLarge) => return Err(Error::err("Elements are too large to be stored")),
    };
    s.trim(a.trim, a.approx, a.limit);
    ctx.modified(key, 1);
    Ok(id_reply(id))
}

fn xtrim(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let a = parse_add_trim(ctx, argv, false)?;
    let Some(i) = find(ctx, key, false)? else {
        return Ok(Reply::Int(0));
    };
    let n = as_stream(ctx, i)?.trim(a.trim, a.approx, a.limit);
    if n > 0 {
        ctx.modified(key, n);
    }
    Ok(Reply::Int(n as i64))
}

// ---------------------------------------------------------------------------
// XLEN, XRANGE, XREVRANGE, XDEL

fn xlen(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(match find(ctx, &argv[1], true)? {
        Some(i) => as_stream(ctx, i)?.len() as i64,
        None => 0,
    }))
}

fn xrange_common(ctx: &mut Ctx, argv: &[Bytes], rev: bool) -> Result<Reply, Error> {
    let (sa, ea) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = parse_bound(sa, true)?;
    let end = parse_bound(ea, false)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if args::is(&argv[j], "count") && j + 1 < argv.len() {
            count = args::int(&argv[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let Some(i) = find(ctx, &argv[1], true)? else {
        return Ok(Reply::Array(Vec::new()));
    };
    if count == 0 {
        return Ok(Reply::NilArray);
    }
    let s = as_stream(ctx, i)?;
    let count = if count < 0 { 0 } else { count as usize };
    Ok(Reply::Array(
        range(s, start, end, rev, count)
            .into_iter()
            .map(|(_, r)| r)
            .collect(),
    ))
}

fn xrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    xrange_common(ctx, argv, false)
}

fn xrevrange(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    xrange_common(ctx, argv, true)
}

fn xdel(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let Some(i) = find(ctx, key, false)? else {
        return Ok(Reply::Int(0));
    };
    let ids = argv[2..]
        .iter()
        .map(|a| parse_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let n = as_stream(ctx, i)?.delete_ids(&ids);
    if n > 0 {
        ctx.modified(key, n);
    }
    Ok(Reply::Int(n as i64))
}

// ---------------------------------------------------------------------------
// XREAD, XREADGROUP

/// What XREAD / XREADGROUP asked.
struct ReadArgs<'a> {
    count: usize,
    noack: bool,
    group: Option<(&'a [u8], &'a [u8])>,
    /// Position of the first key; the ids follow the keys.
    streams: usize,
    nkeys: usize,
}

fn parse_read<'a>(argv: &'a [Bytes], group_cmd: bool) -> Result<ReadArgs<'a>, Error> {
    let mut r = ReadArgs {
        count: 0,
        noack: false,
        group: None,
        streams: 0,
        nkeys: 0,
    };
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let o = &argv[i][..];
        if args::is(o, "block") && more > 0 {
            i += 1;
            let t = crate::num::parse_i64(&argv[i])
                .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(Error::err("timeout is negative"));
            }
        } else if args::is(o, "count") && more > 0 {
            i += 1;
            r.count = args::int(&argv[i])?.max(0) as usize;
        } else if args::is(o, "streams") && more > 0 {
            r.streams = i + 1;
            let n = argv.len() - r.streams;
            if !n.is_multiple_of(2) {
                return Err(Error::err(
                    "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            r.nkeys = n / 2;
            break;
        } else if args::is(o, "group") && more >= 2 {
            if !group_cmd {
                return Err(Error::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.group = Some((&argv[i + 1], &argv[i + 2]));
            i += 2;
        } else if args::is(o, "noack") {
            if !group_cmd {
                return Err(Error::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            r.noack = true;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if r.streams == 0 {
        return Err(Error::Syntax);
    }
    if group_cmd && r.group.is_none() {
        return Err(Error::err("Missing GROUP option for XREADGROUP"));
    }
    Ok(r)
}

/// The `>` id of XREADGROUP.
const NEW_ONLY: StreamId = StreamId::MAX;

fn xread(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    read_common(ctx, argv, false)
}

fn xreadgroup(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    read_common(ctx, argv, true)
}

fn read_common(ctx: &mut Ctx, argv: &[Bytes], group_cmd: bool) -> Result<Reply, Error> {
    let r = parse_read(argv, group_cmd)?;
    let keys = &argv[r.streams..r.streams + r.nkeys];
    let id_args = &argv[r.streams + r.nkeys..];
    // Resolve every key and id first: any error leaves everything untouched.
    let mut ids = Vec::with_capacity(r.nkeys.min(1024));
    for (key, arg) in keys.iter().zip(id_args) {
        let found = find(ctx, key, true)?;
        if let Some((g, _)) = r.group {
            let exists = match found {
                Some(i) => as_stream(ctx, i)?.groups.contains_key(g),
                None => false,
            };
            if !exists {
                return Err(Error::msg(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(g)
                )));
            }
        }
        let id = match &arg[..] {
            b"$" => {
                if group_cmd {
                    return Err(Error::err("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
                }
                match found {
                    Some(i) => as_stream(ctx, i)?.last_id,
                    None => StreamId::MIN,
                }
            }
            b">" => {
                if !group_cmd {
                    return Err(Error::err("The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
                }
                NEW_ONLY
            }
            _ => parse_id(arg)?,
        };
        ids.push(id);
    }
    let now = ctx.now;
    let mut out = Vec::new();
    for (key, gt) in keys.iter().zip(ids) {
        let Some(i) = ctx.db().find(key) else {
            continue;
        };
        let served = match r.group {
            None => {
                let s = as_stream(ctx, i)?;
                if s.is_empty() || s.last_valid_id() <= gt {
                    continue;
                }
                let Some(start) = gt.next() else { continue };
                Some(range(s, start, StreamId::MAX, false, r.count))
                    .map(|v| Reply::Array(v.into_iter().map(|(_, r)| r).collect()))
            }
            Some((g, c)) => {
                let s = as_stream(ctx, i)?;
                let (reply, created) = read_group(s, g, c, gt, r.count, r.noack, now);
                if created || reply.is_some() {
                    ctx.modified(key, u64::from(created) + u64::from(reply.is_some()));
                }
                reply
            }
        };
        if let Some(entries) = served {
            out.push((Reply::Bulk(key.clone()), entries));
        }
    }
    if out.is_empty() {
        return Ok(Reply::NilArray);
    }
    Ok(Reply::ArrayMap(out))
}

/// Serves one stream of XREADGROUP: new entries after the group's last
/// id (`>`), or the consumer's pending entries after `gt`. Returns the
/// entries (None when there is nothing to serve) and whether the consumer
/// was created.
fn read_group(
    s: &mut Stream,
    gname: &[u8],
    cname: &[u8],
    gt: StreamId,
    count: usize,
    noack: bool,
    now: u64,
) -> (Option<Reply>, bool) {
    let last_valid = s.last_valid_id();
    let empty = s.is_empty();
    let Some(g) = s.groups.get_mut(gname) else {
        return (None, false);
    };
    // `>` serves only when the stream has entries past the group's last id.
    let start = if gt == NEW_ONLY {
        if empty || last_valid <= g.last_id {
            return (None, false);
        }
        g.last_id.next()
    } else {
        gt.next()
    };
    // Redis 7.0 creates (and refreshes) the consumer only when it serves it.
    let created = g.create_consumer(cname, now);
    if let Some(c) = g.consumers.get_mut(cname) {
        c.seen_time = now;
    }
    if gt != NEW_ONLY {
        // History: the consumer's own pending entries.
        let start = start.unwrap_or(StreamId::MAX);
        let pel: Vec<StreamId> = g.consumers.get(cname).map_or(Vec::new(), |c| {
            let it = c.pel.range(start..);
            if count > 0 {
                it.take(count).copied().collect()
            } else {
                it.copied().collect()
            }
        });
        let mut out = Vec::with_capacity(pel.len());
        for id in pel {
            match s.get(id, |e| entry_reply(&e)) {
                Some(r) => {
                    out.push(r);
                    if let Some(n) = s.groups.get_mut(gname).and_then(|g| g.pel.get_mut(&id)) {
                        n.delivery_time = now;
                        n.delivery_count += 1;
                    }
                }
                None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
            }
        }
        return (Some(Reply::Array(out)), created);
    }
    let Some(start) = start else {
        return (None, created);
    };
    let entries = range(s, start, StreamId::MAX, false, count);
    for (id, _) in &entries {
        s.advance_group(gname, *id);
        if !noack {
            if let Some(n) = s
                .groups
                .get_mut(gname)
                .and_then(|g| g.assign(*id, cname, now))
            {
                n.delivery_time = now;
                n.delivery_count = 1;
            }
        }
    }
    (
        Some(Reply::Array(entries.into_iter().map(|(_, r)| r).collect())),
        created,
    )
}

/// For XREAD: replaces each `$` id of the keys at `key_positions` with the
/// stream's current last id ("0-0" when the key is missing), so that a
/// blocked XREAD waits for entries added after the call. XREADGROUP is
/// left alone.
// The signature is the blocking framework's (it owns the Vec).
#[allow(clippy::ptr_arg)]
pub fn resolve_last_ids(ctx: &mut Ctx, argv: &mut Vec<Bytes>, key_positions: &[usize]) {
    if !argv.first().is_some_and(|a| args::is(a, "xread")) {
        return;
    }
    let nkeys = after_streams(argv).len();
    for &p in key_positions {
        let idpos = p + nkeys;
        if argv.get(idpos).is_none_or(|a| &a[..] != b"$") {
            continue;
        }
        let key = argv[p].clone();
        let last = match ctx.lookup(&key) {
            None => StreamId::MIN,
            Some(i) => match &ctx.db().entry(i).value {
                Value::Stream(s) => s.last_id,
                _ => continue,
            },
        };
        argv[idpos] = Bytes::from(last.to_bytes());
    }
}

// ---------------------------------------------------------------------------
// XSETID

fn xsetid(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let id = parse_id(&argv[2])?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if args::is(&argv[i], "entriesadded") && more > 0 {
            entries_added = args::int(&argv[i + 1])?;
            if entries_added < 0 {
                return Err(Error::err("entries_added must be positive"));
            }
            i += 2;
        } else if args::is(&argv[i], "maxdeletedid") && more > 0 {
            max_xdel = parse_id(&argv[i + 1])?;
            if id < max_xdel {
                return Err(Error::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let key = &argv[1];
    let Some(pos) = find(ctx, key, false)? else {
        return Err(Error::NoSuchKey);
    };
    let s = as_stream(ctx, pos)?;
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Err(Error::err(
                "The ID specified in XSETID is smaller than the target stream top item",
            ));
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Err(Error::err(
                "The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    ctx.modified(key, 1);
    Ok(Reply::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard::Shard;

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    #[test]
    fn resolve_last_ids_replaces_dollar_for_xread_only() {
        let mut shard = Shard::new(0, 1, 1, 1000);
        let mut ctx = Ctx::new(&mut shard, 0, 1000);
        xadd(&mut ctx, &argv("XADD s 5-3 f v")).expect("xadd");
        let mut a = argv("XREAD BLOCK 0 STREAMS s missing $ $");
        resolve_last_ids(&mut ctx, &mut a, &[4, 5]);
        assert_eq!(a, argv("XREAD BLOCK 0 STREAMS s missing 5-3 0-0"));
        let mut a = argv("xread streams s missing 1-0 $");
        resolve_last_ids(&mut ctx, &mut a, &[2]);
        assert_eq!(a, argv("xread streams s missing 1-0 $"));
        let mut a = argv("XREADGROUP GROUP g c STREAMS s >");
        resolve_last_ids(&mut ctx, &mut a, &[5]);
        assert_eq!(a, argv("XREADGROUP GROUP g c STREAMS s >"));
    }

    #[test]
    fn id_parsing() {
        assert_eq!(parse_id(b"5"), Ok(StreamId::new(5, 0)));
        assert_eq!(parse_id(b"5-6"), Ok(StreamId::new(5, 6)));
        assert!(parse_id(b"-").is_err());
        assert!(parse_id(b"5-*").is_err());
        assert!(parse_id(b"1-2-3").is_err());
        assert_eq!(
            parse_id_ext(b"5-*", true, 0, true),
            Ok((StreamId::new(5, 0), false))
        );
        assert_eq!(parse_bound(b"+", false), Ok(StreamId::MAX));
        assert_eq!(parse_bound(b"5", false), Ok(StreamId::new(5, u64::MAX)));
        assert_eq!(parse_bound(b"(5-1", true), Ok(StreamId::new(5, 2)));
        assert!(parse_bound(b"(-", true).is_err());
        assert!(parse_bound(b"(0-0", false).is_err());
    }
}
