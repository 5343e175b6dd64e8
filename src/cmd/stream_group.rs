//! Consumer-group and introspection commands of streams: the XGROUP and
//! XINFO containers, XACK, XPENDING, XCLAIM and XAUTOCLAIM. The shared
//! parsing and reply helpers live in `stream.rs`.

use bytes::Bytes;

use super::stream::{
    as_stream, entry_reply, find, find_group, id_reply, no_group, parse_bound, parse_id,
    parse_id_ext, range, sub_syntax,
};
use super::table::{flags::*, CommandSpec, KeySpec};
use super::{args, keyed, session};
use crate::error::Error;
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::stream::{Group, Nack, StreamId, INVALID_ENTRIES_READ};
use crate::shard::{Ctx, Value};

const SUB_KEY: KeySpec = KeySpec::range(2, 2, 1);

pub static XGROUP_SUBS: &[CommandSpec] = &[
    CommandSpec::new(
        "xgroup|create",
        -5,
        WRITE | DENYOOM,
        SUB_KEY,
        keyed(xgroup_create),
    )
    .doc(
        "stream",
        "5.0.0",
        "Create a consumer group.",
        "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]",
    )
    .complexity("O(1)"),
    CommandSpec::new("xgroup|setid", -5, WRITE, SUB_KEY, keyed(xgroup_setid))
        .doc(
            "stream",
            "5.0.0",
            "Set a consumer group to an arbitrary last delivered ID value.",
            "key group <id | $> [ENTRIESREAD entries-read]",
        )
        .complexity("O(1)"),
    CommandSpec::new("xgroup|destroy", 4, WRITE, SUB_KEY, keyed(xgroup_destroy))
        .doc("stream", "5.0.0", "Destroy a consumer group.", "key group")
        .complexity(
            "O(N) where N is the number of entries in the group's pending entries list (PEL).",
        ),
    CommandSpec::new(
        "xgroup|createconsumer",
        5,
        WRITE | DENYOOM,
        SUB_KEY,
        keyed(xgroup_createconsumer),
    )
    .doc(
        "stream",
        "6.2.0",
        "Create a consumer in a consumer group.",
        "key group consumer",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "xgroup|delconsumer",
        5,
        WRITE,
        SUB_KEY,
        keyed(xgroup_delconsumer),
    )
    .doc(
        "stream",
        "5.0.0",
        "Delete a consumer from a consumer group.",
        "key group consumer",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "xgroup|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(xgroup_help),
    )
    .doc(
        "stream",
        "5.0.0",
        "Show helpful text about the different subcommands",
        "",
    )
    .complexity("O(1)"),
];

pub static XINFO_SUBS: &[CommandSpec] = &[
    CommandSpec::new("xinfo|stream", -3, READONLY, SUB_KEY, keyed(xinfo_stream))
        .doc(
            "stream",
            "5.0.0",
            "Get information about a stream",
            "key [FULL [COUNT count]]",
        )
        .complexity("O(1)"),
    CommandSpec::new("xinfo|groups", 3, READONLY, SUB_KEY, keyed(xinfo_groups))
        .doc(
            "stream",
            "5.0.0",
            "List the consumer groups of a stream",
            "key",
        )
        .complexity("O(1)"),
    CommandSpec::new(
        "xinfo|consumers",
        4,
        READONLY,
        SUB_KEY,
        keyed(xinfo_consumers),
    )
    .doc(
        "stream",
        "5.0.0",
        "List the consumers in a consumer group",
        "key group",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "xinfo|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(xinfo_help),
    )
    .doc(
        "stream",
        "5.0.0",
        "Show helpful text about the different subcommands",
        "",
    )
    .complexity("O(1)"),
];

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

pub(super) fn xgroup_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Array(
        XGROUP_HELP.iter().map(|l| Reply::status(l)).collect(),
    ))
}

pub(super) fn xinfo_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Array(
        XINFO_HELP.iter().map(|l| Reply::status(l)).collect(),
    ))
}

// ---------------------------------------------------------------------------
// XGROUP

/// The checks every XGROUP subcommand but HELP makes first: the key must
/// hold a stream (unless CREATE ... MKSTREAM) and, for SETID,
/// CREATECONSUMER and DELCONSUMER, have the group.
fn xgroup_target(
    ctx: &mut Ctx,
    argv: &[Bytes],
    mkstream: bool,
    need_group: bool,
) -> Result<Option<u32>, Error> {
    let found = find(ctx, &argv[2], false)?;
    if mkstream {
        return Ok(found);
    }
    let Some(i) = found else {
        return Err(Error::err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
    };
    if need_group && !as_stream(ctx, i)?.groups.contains_key(&argv[3][..]) {
        return Err(Error::msg(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(&argv[3]),
            String::from_utf8_lossy(&argv[2])
        )));
    }
    Ok(Some(i))
}

fn entries_read_arg(b: &[u8]) -> Result<i64, Error> {
    let n = args::int(b)?;
    if n < 0 && n != INVALID_ENTRIES_READ {
        return Err(Error::err("value for ENTRIESREAD must be positive or -1"));
    }
    Ok(n)
}

/// The options after `<id | $>` of CREATE and SETID, parsed before any
/// lookup as Redis does: (MKSTREAM, ENTRIESREAD value or -1).
fn group_opts(argv: &[Bytes], create: bool) -> Result<(bool, i64), Error> {
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    let mut i = 5;
    while i < argv.len() {
        if create && args::is(&argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if args::is(&argv[i], "entriesread") && i + 1 < argv.len() {
            entries_read = entries_read_arg(&argv[i + 1])?;
            i += 2;
        } else {
            return Err(sub_syntax(argv));
        }
    }
    Ok((mkstream, entries_read))
}

fn xgroup_create(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (mkstream, entries_read) = group_opts(argv, true)?;
    let found = xgroup_target(ctx, argv, mkstream, false)?;
    if argv.len() > 8 {
        return Err(sub_syntax(argv));
    }
    let id = if &argv[4][..] == b"$" {
        match found {
            Some(i) => as_stream(ctx, i)?.last_id,
            None => StreamId::MIN,
        }
    } else {
        parse_id(&argv[4])?
    };
    let key = &argv[2];
    let i = match found {
        Some(i) => i,
        None => {
            let i = ctx.db().insert(key, Value::Stream(Box::default()), 0);
            ctx.modified(key, 0);
            i
        }
    };
    let s = as_stream(ctx, i)?;
    if s.groups.contains_key(&argv[3][..]) {
        return Err(Error::msg("BUSYGROUP Consumer Group name already exists"));
    }
    s.groups
        .insert(argv[3][..].into(), Group::new(id, entries_read));
    ctx.modified(key, 1);
    Ok(Reply::Ok)
}

fn xgroup_setid(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let (_, entries_read) = group_opts(argv, false)?;
    let Some(i) = xgroup_target(ctx, argv, false, true)? else {
        return Ok(Reply::Ok);
    };
    if argv.len() != 5 && argv.len() != 7 {
        return Err(sub_syntax(argv));
    }
    let s = as_stream(ctx, i)?;
    let id = if &argv[4][..] == b"$" {
        s.last_id
    } else {
        parse_id_ext(&argv[4], false, 0, false)?.0
    };
    if let Some(g) = s.groups.get_mut(&argv[3][..]) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.modified(&argv[2], 1);
    Ok(Reply::Ok)
}

fn xgroup_destroy(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = xgroup_target(ctx, argv, false, false)? else {
        return Ok(Reply::Int(0));
    };
    if as_stream(ctx, i)?.groups.remove(&argv[3][..]).is_none() {
        return Ok(Reply::Int(0));
    }
    ctx.modified(&argv[2], 1);
    Ok(Reply::Int(1))
}

fn xgroup_createconsumer(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = xgroup_target(ctx, argv, false, true)? else {
        return Ok(Reply::Int(0));
    };
    let now = ctx.now;
    let created = as_stream(ctx, i)?
        .groups
        .get_mut(&argv[3][..])
        .is_some_and(|g| g.create_consumer(&argv[4], now));
    if created {
        ctx.modified(&argv[2], 1);
    }
    Ok(Reply::Int(i64::from(created)))
}

fn xgroup_delconsumer(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = xgroup_target(ctx, argv, false, true)? else {
        return Ok(Reply::Int(0));
    };
    let pending = as_stream(ctx, i)?
        .groups
        .get_mut(&argv[3][..])
        .and_then(|g| g.delete_consumer(&argv[4]));
    match pending {
        Some(n) => {
            ctx.modified(&argv[2], 1);
            Ok(Reply::Int(n as i64))
        }
        None => Ok(Reply::Int(0)),
    }
}

// ---------------------------------------------------------------------------
// XACK, XPENDING, XCLAIM, XAUTOCLAIM

pub(super) fn xack(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let Some(i) = find(ctx, key, true)? else {
        return Ok(Reply::Int(0));
    };
    if !as_stream(ctx, i)?.groups.contains_key(&argv[2][..]) {
        return Ok(Reply::Int(0));
    }
    let ids = argv[3..]
        .iter()
        .map(|a| parse_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let s = as_stream(ctx, i)?;
    let n = match s.groups.get_mut(&argv[2][..]) {
        Some(g) => ids.into_iter().filter(|id| g.ack(*id)).count() as u64,
        None => 0,
    };
    if n > 0 {
        ctx.modified(key, n);
    }
    Ok(Reply::Int(n as i64))
}

pub(super) fn xpending(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let argc = argv.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(Error::Syntax);
    }
    let mut range_args = None;
    if argc >= 6 {
        let mut at = 3;
        let mut min_idle = 0;
        if args::is(&argv[3], "idle") {
            min_idle = args::int(&argv[4])?;
            if argc < 8 {
                return Err(Error::Syntax);
            }
            at += 2;
        }
        let count = args::int(&argv[at + 2])?.max(0) as usize;
        let start = parse_bound(&argv[at], true)?;
        let end = parse_bound(&argv[at + 1], false)?;
        let consumer = argv.get(at + 3);
        range_args = Some((min_idle, start, end, count, consumer));
    }
    let i = find_group(ctx, &argv[1], &argv[2])?;
    let now = ctx.now;
    let s = as_stream(ctx, i)?;
    let Some(g) = s.groups.get(&argv[2][..]) else {
        return Err(no_group(&argv[1], &argv[2]));
    };
    let Some((min_idle, start, end, count, consumer)) = range_args else {
        if g.pel.is_empty() {
            return Ok(Reply::Array(vec![
                Reply::Int(0),
                Reply::Nil,
                Reply::Nil,
                Reply::NilArray,
            ]));
        }
        let first = g.pel.keys().next().copied().unwrap_or_default();
        let last = g.pel.keys().next_back().copied().unwrap_or_default();
        let consumers = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(name, c)| {
                Reply::Array(vec![
                    Reply::bulk(name),
                    Reply::Bulk(Bytes::from(c.pel.len().to_string())),
                ])
            })
            .collect();
        return Ok(Reply::Array(vec![
            Reply::Int(g.pel.len() as i64),
            id_reply(first),
            id_reply(last),
            Reply::Array(consumers),
        ]));
    };
    let row = |id: StreamId, n: &Nack| {
        Reply::Array(vec![
            id_reply(id),
            Reply::bulk(&n.consumer),
            Reply::Int(now.saturating_sub(n.delivery_time) as i64),
            Reply::Int(n.delivery_count as i64),
        ])
    };
    let mut out = Vec::new();
    if count == 0 || start > end {
        return Ok(Reply::Array(out));
    }
    let idle_ok =
        |n: &Nack| min_idle == 0 || (now as i64).wrapping_sub(n.delivery_time as i64) >= min_idle;
    match consumer {
        Some(c) => {
            let Some(c) = g.consumers.get(&c[..]) else {
                return Ok(Reply::Array(out));
            };
            for id in c.pel.range(start..=end) {
                if let Some(n) = g.pel.get(id) {
                    if idle_ok(n) {
                        out.push(row(*id, n));
                        if out.len() >= count {
                            break;
                        }
                    }
                }
            }
        }
        None => {
            for (id, n) in g.pel.range(start..=end) {
                if idle_ok(n) {
                    out.push(row(*id, n));
                    if out.len() >= count {
                        break;
                    }
                }
            }
        }
    }
    Ok(Reply::Array(out))
}

pub(super) fn xclaim(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let i = find_group(ctx, key, &argv[2])?;
    let min_idle = crate::num::parse_i64(&argv[4])
        .ok_or_else(|| Error::err("Invalid min-idle-time argument for XCLAIM"))?
        .max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_id(&argv[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut delivery: Option<i64> = None;
    let mut last_id = None;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j][..];
        let num = |b: &[u8], what: &str| {
            crate::num::parse_i64(b)
                .ok_or_else(|| Error::err(format!("Invalid {what} option argument for XCLAIM")))
        };
        if args::is(opt, "force") {
            force = true;
        } else if args::is(opt, "justid") {
            justid = true;
        } else if args::is(opt, "idle") && more > 0 {
            j += 1;
            delivery = Some((now as i64).wrapping_sub(num(&argv[j], "IDLE")?));
        } else if args::is(opt, "time") && more > 0 {
            j += 1;
            delivery = Some(num(&argv[j], "TIME")?);
        } else if args::is(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = num(&argv[j], "RETRYCOUNT")?;
        } else if args::is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = Some(parse_id(&argv[j])?);
        } else {
            return Err(Error::err(format!(
                "Unrecognized XCLAIM option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
        j += 1;
    }
    let delivery = match delivery {
        Some(t) if t >= 0 && t as u64 <= now => t as u64,
        _ => now,
    };
    let gname = &argv[2][..];
    let cname = &argv[3][..];
    let s = as_stream(ctx, i)?;
    let mut changes = 0u64;
    if let (Some(l), Some(g)) = (last_id, s.groups.get_mut(gname)) {
        if l > g.last_id {
            g.last_id = l;
            changes += 1;
        }
    }
    let mut out = Vec::new();
    for id in ids {
        let exists = s.contains(id);
        let Some(g) = s.groups.get_mut(gname) else {
            break;
        };
        if !exists {
            if g.ack(id) {
                changes += 1;
            }
            continue;
        }
        let known = g.pel.get(&id).map(|n| n.delivery_time);
        let fresh = match known {
            None if force => true,
            None => continue,
            Some(t) => {
                if min_idle > 0 && (now as i64).wrapping_sub(t as i64) < min_idle {
                    continue;
                }
                false
            }
        };
        if g.create_consumer(cname, now) {
            changes += 1;
        } else if let Some(c) = g.consumers.get_mut(cname) {
            c.seen_time = now;
        }
        let Some(n) = g.assign(id, cname, now) else {
            continue;
        };
        if fresh {
            // A NACK made by FORCE starts as delivered once (streamCreateNACK).
            n.delivery_count = 1;
        }
        n.delivery_time = delivery;
        if retrycount >= 0 {
            n.delivery_count = retrycount as u64;
        } else if !justid {
            n.delivery_count += 1;
        }
        changes += 1;
        if justid {
            out.push(id_reply(id));
        } else if let Some(r) = s.get(id, |e| entry_reply(&e)) {
            out.push(r);
        }
    }
    if changes > 0 {
        ctx.modified(key, changes);
    }
    Ok(Reply::Array(out))
}

pub(super) fn xautoclaim(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let key = &argv[1];
    let min_idle = crate::num::parse_i64(&argv[4])
        .ok_or_else(|| Error::err("Invalid min-idle-time argument for XAUTOCLAIM"))?
        .max(0);
    let start = parse_bound(&argv[5], true)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if args::is(&argv[j], "count") && more > 0 {
            count = crate::num::parse_i64(&argv[j + 1])
                .filter(|n| (1..=i64::MAX / 16).contains(n))
                .ok_or_else(|| Error::err("COUNT must be > 0"))?;
            j += 1;
        } else if args::is(&argv[j], "justid") {
            justid = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let i = find_group(ctx, key, &argv[2])?;
    let now = ctx.now;
    let gname = &argv[2][..];
    let cname = &argv[3][..];
    let s = as_stream(ctx, i)?;
    let mut attempts = count.saturating_mul(10);
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut changes = 0u64;
    // The last pending id examined: the reply's cursor is the one after it.
    let mut last: Option<StreamId> = None;
    while attempts > 0 && count > 0 {
        attempts -= 1;
        let Some(from) = last.map_or(Some(start), |l| l.next()) else {
            break;
        };
        let Some((&id, n)) = s.groups.get(gname).and_then(|g| g.pel.range(from..).next()) else {
            break;
        };
        let t = n.delivery_time;
        last = Some(id);
        if !s.contains(id) {
            // The entry is gone: drop it from the PEL and report it.
            if let Some(g) = s.groups.get_mut(gname) {
                g.ack(id);
            }
            deleted.push(id_reply(id));
            changes += 1;
            count -= 1;
            continue;
        }
        if min_idle > 0 && (now as i64).wrapping_sub(t as i64) < min_idle {
            continue;
        }
        let Some(g) = s.groups.get_mut(gname) else {
            break;
        };
        if g.create_consumer(cname, now) {
            changes += 1;
        } else if let Some(c) = g.consumers.get_mut(cname) {
            c.seen_time = now;
        }
        if let Some(n) = g.assign(id, cname, now) {
            n.delivery_time = now;
            if !justid {
                n.delivery_count += 1;
            }
        }
        changes += 1;
        count -= 1;
        if justid {
            claimed.push(id_reply(id));
        } else if let Some(r) = s.get(id, |e| entry_reply(&e)) {
            claimed.push(r);
        }
    }
    let next = last.and_then(|l| l.next()).and_then(|from| {
        s.groups
            .get(gname)
            .and_then(|g| g.pel.range(from..).next().map(|(id, _)| *id))
    });
    if changes > 0 {
        ctx.modified(key, changes);
    }
    Ok(Reply::Array(vec![
        id_reply(next.unwrap_or(StreamId::MIN)),
        Reply::Array(claimed),
        Reply::Array(deleted),
    ]))
}

// ---------------------------------------------------------------------------
// XINFO

fn nogroup_for_key(group: &[u8], key: &[u8]) -> Error {
    Error::msg(format!(
        "NOGROUP No such consumer group '{}' for key name '{}'",
        String::from_utf8_lossy(group),
        String::from_utf8_lossy(key)
    ))
}

fn kv(k: &'static str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk_static(k), v)
}

fn opt_int(v: Option<i64>) -> Reply {
    v.map_or(Reply::Nil, Reply::Int)
}

fn entries_read_reply(n: i64) -> Reply {
    if n == INVALID_ENTRIES_READ {
        Reply::Nil
    } else {
        Reply::Int(n)
    }
}

fn xinfo_stream(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[2], true)? else {
        return Err(Error::NoSuchKey);
    };
    let extra = &argv[3..];
    let mut full = false;
    let mut count: usize = 10;
    match extra.len() {
        0 => {}
        1 | 3 if args::is(&extra[0], "full") => {
            full = true;
            if extra.len() == 3 {
                if !args::is(&extra[1], "count") {
                    return Err(sub_syntax(argv));
                }
                let n = args::int(&extra[2])?;
                count = if n < 0 { 10 } else { n as usize };
            }
        }
        _ => return Err(sub_syntax(argv)),
    }
    let s = as_stream(ctx, i)?;
    let mut m = vec![
        kv("length", Reply::Int(s.len() as i64)),
        kv("radix-tree-keys", Reply::Int(s.node_count() as i64)),
        kv("radix-tree-nodes", Reply::Int(s.rax_nodes() as i64)),
        kv("last-generated-id", id_reply(s.last_id)),
        kv("max-deleted-entry-id", id_reply(s.max_deleted_id)),
        kv("entries-added", Reply::Int(s.entries_added as i64)),
        kv("recorded-first-entry-id", id_reply(s.first_id)),
    ];
    if !full {
        m.push(kv("groups", Reply::Int(s.groups.len() as i64)));
        let first = range(s, StreamId::MIN, StreamId::MAX, false, 1).pop();
        let last = range(s, StreamId::MIN, StreamId::MAX, true, 1).pop();
        m.push(kv("first-entry", first.map_or(Reply::Nil, |(_, r)| r)));
        m.push(kv("last-entry", last.map_or(Reply::Nil, |(_, r)| r)));
        return Ok(Reply::Map(m));
    }
    let entries = range(s, StreamId::MIN, StreamId::MAX, false, count);
    m.push(kv(
        "entries",
        Reply::Array(entries.into_iter().map(|(_, r)| r).collect()),
    ));
    let take = |n: usize| if count == 0 { n } else { n.min(count) };
    let groups =
        s.groups
            .iter()
            .map(|(name, g)| {
                let pending = g
                    .pel
                    .iter()
                    .take(take(g.pel.len()))
                    .map(|(id, n)| {
                        Reply::Array(vec![
                            id_reply(*id),
                            Reply::bulk(&n.consumer),
                            Reply::Int(n.delivery_time as i64),
                            Reply::Int(n.delivery_count as i64),
                        ])
                    })
                    .collect();
                let consumers =
                    g.consumers
                        .values()
                        .map(|c| {
                            let pending =
                                c.pel
                                    .iter()
                                    .take(take(c.pel.len()))
                                    .map(|id| {
                                        let (t, k) = g.pel.get(id).map_or((0, 0), |n| {
                                            (n.delivery_time, n.delivery_count)
                                        });
                                        Reply::Array(vec![
                                            id_reply(*id),
                                            Reply::Int(t as i64),
                                            Reply::Int(k as i64),
                                        ])
                                    })
                                    .collect();
                            Reply::Map(vec![
                                kv("name", Reply::bulk(&c.name)),
                                kv("seen-time", Reply::Int(c.seen_time as i64)),
                                kv("pel-count", Reply::Int(c.pel.len() as i64)),
                                kv("pending", Reply::Array(pending)),
                            ])
                        })
                        .collect();
                Reply::Map(vec![
                    kv("name", Reply::bulk(name)),
                    kv("last-delivered-id", id_reply(g.last_id)),
                    kv("entries-read", entries_read_reply(g.entries_read)),
                    kv("lag", opt_int(s.lag(g))),
                    kv("pel-count", Reply::Int(g.pel.len() as i64)),
                    kv("pending", Reply::Array(pending)),
                    kv("consumers", Reply::Array(consumers)),
                ])
            })
            .collect();
    m.push(kv("groups", Reply::Array(groups)));
    Ok(Reply::Map(m))
}

fn xinfo_groups(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[2], true)? else {
        return Err(Error::NoSuchKey);
    };
    let s = as_stream(ctx, i)?;
    Ok(Reply::Array(
        s.groups
            .iter()
            .map(|(name, g)| {
                Reply::Map(vec![
                    kv("name", Reply::bulk(name)),
                    kv("consumers", Reply::Int(g.consumers.len() as i64)),
                    kv("pending", Reply::Int(g.pel.len() as i64)),
                    kv("last-delivered-id", id_reply(g.last_id)),
                    kv("entries-read", entries_read_reply(g.entries_read)),
                    kv("lag", opt_int(s.lag(g))),
                ])
            })
            .collect(),
    ))
}

fn xinfo_consumers(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let Some(i) = find(ctx, &argv[2], true)? else {
        return Err(Error::NoSuchKey);
    };
    let now = ctx.now;
    let s = as_stream(ctx, i)?;
    let Some(g) = s.groups.get(&argv[3][..]) else {
        return Err(nogroup_for_key(&argv[3], &argv[2]));
    };
    Ok(Reply::Array(
        g.consumers
            .values()
            .map(|c| {
                Reply::Map(vec![
                    kv("name", Reply::bulk(&c.name)),
                    kv("pending", Reply::Int(c.pel.len() as i64)),
                    kv("idle", Reply::Int(now.saturating_sub(c.seen_time) as i64)),
                ])
            })
            .collect(),
    ))
}
