//! `ringkv import FILE --port P`: the keys of an export sent to a running
//! server (ringkv or Redis 7.0) as ordinary commands, pipelined in batches,
//! every reply checked (docs/export.md).

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::import::Key;
use super::json;
use crate::shard::stream::{Stream, StreamId};
use crate::shard::Value;

/// What a reply must be, beyond not an error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    Any,
    /// XCLAIM ... JUSTID of one id: that id claimed.
    OneItem,
}

/// A command to send: its arguments and what its reply must be.
pub type Cmd = (Vec<Vec<u8>>, Expect);

/// Items per command for big collections.
const CHUNK: usize = 500;

fn cmd(args: &[&[u8]]) -> Cmd {
    (args.iter().map(|a| a.to_vec()).collect(), Expect::Any)
}

/// Appends `head` + items, in commands of at most `CHUNK` items.
fn chunked<'a>(out: &mut Vec<Cmd>, head: &[&[u8]], items: impl Iterator<Item = Vec<&'a [u8]>>) {
    let mut c = cmd(head);
    let mut n = 0;
    for item in items {
        c.0.extend(item.into_iter().map(<[u8]>::to_vec));
        n += 1;
        if n == CHUNK {
            out.push(std::mem::replace(&mut c, cmd(head)));
            n = 0;
        }
    }
    if n > 0 {
        out.push(c);
    }
}

fn id_arg(id: StreamId) -> Vec<u8> {
    id.to_bytes()
}

fn score_arg(s: f64) -> Vec<u8> {
    let mut out = Vec::new();
    json::write_f64(&mut out, s);
    if s.is_infinite() {
        out.retain(|&c| c != b'"');
    }
    out
}

/// The commands that recreate `k` in its database (after SELECT): DEL,
/// then the type's own writes, then PEXPIREAT.
pub fn commands(k: &Key, out: &mut Vec<Cmd>) {
    let key = &k.key[..];
    out.push(cmd(&[b"DEL", key]));
    match &k.value {
        Value::Str(s) => {
            let mut tmp = crate::shard::value::itoa_buf::Buf::new();
            out.push(cmd(&[b"SET", key, s.as_slice(&mut tmp)]));
        }
        Value::List(l) => chunked(out, &[b"RPUSH", key], l.iter().map(|m| vec![&m[..]])),
        Value::Hash(h) => chunked(out, &[b"HSET", key], h.iter().map(|(f, v)| vec![f, v])),
        Value::Set(s) => {
            let members: Vec<Vec<u8>> = s.iter().map(|m| m.with_bytes(<[u8]>::to_vec)).collect();
            chunked(out, &[b"SADD", key], members.iter().map(|m| vec![&m[..]]));
        }
        Value::ZSet(z) => {
            let items: Vec<(Vec<u8>, &[u8])> = z.iter().map(|(m, s)| (score_arg(s), m)).collect();
            chunked(
                out,
                &[b"ZADD", key],
                items.iter().map(|(s, m)| vec![&s[..], *m]),
            );
        }
        Value::Stream(s) => stream_commands(key, s, out),
    }
    if k.expire_at != 0 {
        out.push(cmd(&[
            b"PEXPIREAT",
            key,
            k.expire_at.to_string().as_bytes(),
        ]));
    }
}

/// A stream through XADD, XGROUP, XCLAIM and XSETID. A pending entry whose
/// entry was deleted cannot be claimed (XCLAIM drops it): a placeholder
/// entry is added under its id, claimed, then removed (XTRIM for those
/// before the first live entry, which leaves the max deleted id alone,
/// XDEL for the others); XSETID then restores the counters.
fn stream_commands(key: &[u8], s: &Stream, out: &mut Vec<Cmd>) {
    let mut gone: BTreeSet<StreamId> = BTreeSet::new();
    for g in s.groups.values() {
        gone.extend(g.pel.keys().filter(|&&id| !s.contains(id)));
    }
    let mut live: Vec<(StreamId, Vec<Vec<u8>>)> = Vec::new();
    s.scan(StreamId::MIN, StreamId::MAX, false, |e| {
        let mut args = vec![b"XADD".to_vec(), key.to_vec(), id_arg(e.id)];
        for (f, v) in e.pairs() {
            args.push(f.to_vec());
            args.push(v.to_vec());
        }
        live.push((e.id, args));
        true
    });
    let first_live = live.first().map(|e| e.0);
    let mut placeholders = gone.iter().peekable();
    for (eid, args) in live {
        while let Some(&&p) = placeholders.peek().filter(|&&&p| p < eid) {
            out.push(cmd(&[b"XADD", key, &id_arg(p), b"-", b"-"]));
            placeholders.next();
        }
        out.push((args, Expect::Any));
    }
    for &p in placeholders {
        out.push(cmd(&[b"XADD", key, &id_arg(p), b"-", b"-"]));
    }
    if first_live.is_none() && gone.is_empty() {
        // An empty stream: made by an entry trimmed at once.
        out.push(cmd(&[b"XADD", key, b"MAXLEN", b"0", b"0-1", b"-", b"-"]));
    }
    for (name, g) in &s.groups {
        let read = g.entries_read.to_string();
        out.push(cmd(&[
            b"XGROUP",
            b"CREATE",
            key,
            name,
            &id_arg(g.last_id),
            b"ENTRIESREAD",
            read.as_bytes(),
        ]));
        for c in g.consumers.values() {
            out.push(cmd(&[b"XGROUP", b"CREATECONSUMER", key, name, &c.name]));
        }
        for (pid, n) in &g.pel {
            let (t, k) = (n.delivery_time.to_string(), n.delivery_count.to_string());
            let mut c = cmd(&[
                b"XCLAIM",
                key,
                name,
                &n.consumer,
                b"0",
                &id_arg(*pid),
                b"FORCE",
                b"TIME",
                t.as_bytes(),
                b"RETRYCOUNT",
                k.as_bytes(),
                b"JUSTID",
            ]);
            c.1 = Expect::OneItem;
            out.push(c);
        }
    }
    let (before, after): (Vec<StreamId>, Vec<StreamId>) = gone
        .iter()
        .partition(|&&p| first_live.is_none_or(|f| p < f));
    match first_live {
        _ if before.is_empty() => {}
        None => out.push(cmd(&[b"XTRIM", key, b"MAXLEN", b"0"])),
        Some(f) => out.push(cmd(&[b"XTRIM", key, b"MINID", &id_arg(f)])),
    }
    let ids: Vec<Vec<u8>> = after.iter().map(|&p| id_arg(p)).collect();
    chunked(out, &[b"XDEL", key], ids.iter().map(|i| vec![&i[..]]));
    let added = s.entries_added.to_string();
    let mut setid = cmd(&[
        b"XSETID",
        key,
        &id_arg(s.last_id),
        b"ENTRIESADDED",
        added.as_bytes(),
    ]);
    if !s.max_deleted_id.is_zero() {
        setid.0.push(b"MAXDELETEDID".to_vec());
        setid.0.push(id_arg(s.max_deleted_id));
    }
    out.push(setid);
}

/// A reply, as much as the import looks at.
#[derive(Debug, PartialEq)]
enum Reply {
    Error(String),
    Items(usize),
    Other,
}

/// Reads one RESP2/RESP3 reply.
fn read_reply(r: &mut impl BufRead, depth: usize) -> io::Result<Reply> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad reply: {what}"));
    if depth > 32 {
        return Err(bad("nested too deeply"));
    }
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    if line.len() < 3 || !line.ends_with(b"\r\n") {
        return Err(bad("connection closed or line too short"));
    }
    let body = &line[1..line.len() - 2];
    let n = || {
        std::str::from_utf8(body)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| bad("bad length"))
    };
    match line[0] {
        b'-' => Ok(Reply::Error(String::from_utf8_lossy(body).into_owned())),
        b'$' | b'=' | b'!' => {
            let len = n()?;
            let mut payload = Vec::new();
            if len >= 0 {
                // Read through `take`: a huge length cannot make us allocate.
                Read::take(&mut *r, len as u64 + 2).read_to_end(&mut payload)?;
                if payload.len() as i64 != len + 2 {
                    return Err(bad("connection closed"));
                }
            }
            if line[0] == b'!' {
                let text = payload
                    .get(..payload.len().saturating_sub(2))
                    .unwrap_or_default();
                return Ok(Reply::Error(String::from_utf8_lossy(text).into_owned()));
            }
            Ok(Reply::Other)
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let len = n()?.max(0) as usize;
            let per = if matches!(line[0], b'%' | b'|') { 2 } else { 1 };
            for _ in 0..len * per {
                if let Reply::Error(e) = read_reply(r, depth + 1)? {
                    return Ok(Reply::Error(e));
                }
            }
            Ok(Reply::Items(len))
        }
        _ => Ok(Reply::Other),
    }
}

/// Sends `keys` to the server at `host:port` as commands, pipelined in
/// batches; stops at the first reply that is an error or not as expected.
pub fn to_server(keys: &[Key], host: &str, port: u16) -> Result<(), String> {
    let addr = format!("{host}:{port}");
    let conn =
        TcpStream::connect((host, port)).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    conn.set_nodelay(true).ok();
    conn.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let mut writer = conn.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(conn);
    // (what it was for, what it must be) of each command sent.
    let mut sent: Vec<(usize, Expect)> = Vec::new();
    let mut buf = Vec::new();
    let mut cmds: Vec<Cmd> = Vec::new();
    let mut db = None;
    let flush = |buf: &mut Vec<u8>,
                 sent: &mut Vec<(usize, Expect)>,
                 reader: &mut BufReader<TcpStream>,
                 writer: &mut TcpStream|
     -> Result<(), String> {
        writer
            .write_all(buf)
            .map_err(|e| format!("cannot send to {addr}: {e}"))?;
        buf.clear();
        let mut first_err = None;
        for (k, expect) in sent.drain(..) {
            let r = read_reply(reader, 0).map_err(|e| format!("reading from {addr}: {e}"))?;
            let what = || match keys.get(k) {
                Some(key) => format!("db {}, key {:?}", key.db, String::from_utf8_lossy(&key.key)),
                None => "SELECT".into(),
            };
            let bad = match (&r, expect) {
                (Reply::Error(e), _) => Some(e.clone()),
                (Reply::Items(1), Expect::OneItem) | (_, Expect::Any) => None,
                (_, Expect::OneItem) => Some("a pending entry was not claimed".into()),
            };
            if let (Some(e), None) = (bad, &first_err) {
                first_err = Some(format!("{}: {e}", what()));
            }
        }
        first_err.map_or(Ok(()), Err)
    };
    for (i, k) in keys.iter().enumerate() {
        if db != Some(k.db) {
            encode(&cmd(&[b"SELECT", k.db.to_string().as_bytes()]).0, &mut buf);
            sent.push((usize::MAX, Expect::Any));
            db = Some(k.db);
        }
        cmds.clear();
        commands(k, &mut cmds);
        for (args, expect) in &cmds {
            encode(args, &mut buf);
            sent.push((i, *expect));
            if sent.len() >= 1000 || buf.len() >= 1 << 20 {
                flush(&mut buf, &mut sent, &mut reader, &mut writer)?;
            }
        }
    }
    flush(&mut buf, &mut sent, &mut reader, &mut writer)
}

/// Appends a command as a RESP multibulk.
fn encode(args: &[Vec<u8>], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aof::import::read;
    use crate::aof::import::tests::{export_of, run, run_str, sample, NOW};
    use crate::shard::{Limits, Shard};
    use std::collections::VecDeque;

    #[test]
    fn commands_rebuild_every_value() {
        let sh = sample();
        let (keys, _) = read(&export_of(&sh), &Limits::default(), NOW).unwrap();
        let mut other = Shard::new(0, 1, 16, NOW);
        run_str(&mut other, "SET s junk", NOW);
        run_str(&mut other, "HSET h old field", NOW);
        let mut cmds = Vec::new();
        for k in &keys {
            commands(k, &mut cmds);
        }
        for (args, expect) in &cmds {
            let r = run(&mut other, args, NOW + 10).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            if *expect == Expect::OneItem {
                assert!(
                    matches!(&r, crate::resp::Reply::Array(v) if v.len() == 1),
                    "{args:?}: {r:?}"
                );
            }
        }
        // Everything but the consumers' seen times (set by the commands) is
        // the same: compare the exports with those times levelled.
        let level = |sh: &mut Shard| {
            for db in &mut sh.dbs {
                let keys: Vec<Vec<u8>> = db.iter().map(|e| e.key.to_vec()).collect();
                for k in keys {
                    let i = db.find(&k).unwrap();
                    if let Value::Stream(s) = &mut db.entry_mut(i).value {
                        for g in s.groups.values_mut() {
                            for c in g.consumers.values_mut() {
                                c.seen_time = 0;
                            }
                        }
                    }
                }
            }
        };
        let mut want = sample();
        want.dbs[0].remove(b"old"); // PEXPIREAT in the past deleted it
        level(&mut want);
        level(&mut other);
        assert_eq!(
            String::from_utf8_lossy(&export_of(&other)),
            String::from_utf8_lossy(&export_of(&want))
        );
    }

    #[test]
    fn chunks_big_collections() {
        let mut l = VecDeque::new();
        for i in 0..(CHUNK * 2 + 3) {
            l.push_back(i.to_string().into_bytes().into_boxed_slice());
        }
        let k = Key {
            db: 0,
            key: b"l".to_vec(),
            expire_at: 0,
            value: Value::List(l),
        };
        let mut cmds = Vec::new();
        commands(&k, &mut cmds);
        let lens: Vec<usize> = cmds.iter().map(|c| c.0.len()).collect();
        assert_eq!(lens, [2, CHUNK + 2, CHUNK + 2, 3 + 2]);
    }

    #[test]
    fn replies_are_read_whole() {
        let mut r = io::Cursor::new(
            b"+OK\r\n-ERR no\r\n:5\r\n$3\r\na\r\n\r\n$-1\r\n*2\r\n$1\r\nx\r\n*1\r\n:1\r\n%1\r\n+a\r\n+b\r\n!4\r\nERR!\r\n*-1\r\n".to_vec(),
        );
        let got: Vec<Reply> = (0..8).map(|_| read_reply(&mut r, 0).unwrap()).collect();
        assert_eq!(
            got,
            [
                Reply::Other,
                Reply::Error("ERR no".into()),
                Reply::Other,
                Reply::Other,
                Reply::Other,
                Reply::Items(2),
                Reply::Items(1),
                Reply::Error("ERR!".into()),
            ]
        );
        assert_eq!(read_reply(&mut r, 0).unwrap(), Reply::Items(0));
        assert!(read_reply(&mut r, 0).is_err());
    }
}
