//! `ringkv import FILE`: an export (docs/export.md) written into a data
//! directory for a stopped server (`--dir`), or sent to a running server
//! as ordinary commands (`--host`/`--port`; any Redis 7.0 works too:
//! [`super::send`]).
//!
//! The whole file is read and checked first (every value is rebuilt and
//! passed through the value codec, which refuses what a server could not
//! hold), so a bad file writes nothing. Keys already expired are skipped.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use super::export::{FORMAT, VERSION};
use super::json;
use super::manifest;
use super::offline::{self, NewFiles};
use super::value;
use crate::config::Command;
use crate::shard::hash::Hash;
use crate::shard::set::SetValue;
use crate::shard::stream::{
    Consumer, Group, Nack, NodeLimits, Stream, StreamId, INVALID_ENTRIES_READ,
};
use crate::shard::zset::{cmp_key, ZSet};
use crate::shard::{now_ms, Limits, StrValue, Value};

/// One key of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub db: usize,
    pub key: Vec<u8>,
    /// Absolute expiry in Unix ms; 0 = none.
    pub expire_at: u64,
    pub value: Value,
}

/// Runs `ringkv import`; returns the exit code.
pub fn run(command: &Command) -> i32 {
    let Command::Import {
        file,
        dir,
        shards,
        replace,
        host,
        port,
    } = command
    else {
        return 2;
    };
    offline::log_to_stderr();
    let target = match (dir, host, port) {
        (Some(_), None, None) => None,
        (None, h, Some(p)) => Some((h.as_deref().unwrap_or("127.0.0.1"), *p)),
        _ => {
            eprintln!(
                "ringkv import: give either --dir DIR (a stopped server's data directory) \
                 or --port PORT [--host HOST] (a running server)"
            );
            return 2;
        }
    };
    let text = if file.as_os_str() == "-" {
        let mut t = Vec::new();
        io::stdin().read_to_end(&mut t).map(|_| t)
    } else {
        std::fs::read(file)
    };
    let done = text
        .map_err(|e| format!("{}: {e}", file.display()))
        .and_then(|t| read(&t, &Limits::default(), now_ms()))
        .and_then(|(keys, expired)| {
            if expired > 0 {
                tracing::info!("{expired} keys already expired: skipped");
            }
            match (target, dir) {
                (Some((h, p)), _) => super::send::to_server(&keys, h, p).map(|()| keys.len()),
                (None, Some(d)) => to_dir(&keys, d, *shards, *replace).map(|_| keys.len()),
                (None, None) => Ok(0),
            }
        });
    match done {
        Ok(n) => {
            tracing::info!("imported {n} keys from {}", file.display());
            0
        }
        Err(e) => {
            eprintln!("ringkv import: {e}");
            1
        }
    }
}

/// Reads an export: its keys not expired at `now`, in file order, and how
/// many were skipped as expired.
pub fn read(text: &[u8], limits: &Limits, now: u64) -> Result<(Vec<Key>, u64), String> {
    let top = json::parse(text)?;
    if top.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(format!(
            "not a ringkv export (\"format\" is not {FORMAT:?})"
        ));
    }
    if top.get("version").and_then(Json::as_u64) != Some(VERSION) {
        return Err(format!(
            "unsupported export version (this ringkv reads {VERSION})"
        ));
    }
    let dbs = top
        .get("databases")
        .and_then(Json::as_array)
        .ok_or("\"databases\" is not an array")?;
    let mut out = Vec::new();
    let mut expired = 0;
    let mut seen = HashSet::new();
    for d in dbs {
        let db = d
            .get("db")
            .and_then(Json::as_u64)
            .filter(|&n| n <= u16::MAX as u64)
            .ok_or("a database without a \"db\" number in 0..=65535")? as usize;
        let keys = d
            .get("keys")
            .and_then(Json::as_array)
            .ok_or_else(|| format!("db {db}: \"keys\" is not an array"))?;
        for k in keys {
            let key = k
                .get("key")
                .and_then(json::as_bytes)
                .ok_or_else(|| format!("db {db}: a key without a \"key\" string"))?;
            let name = || format!("db {db}, key {:?}", String::from_utf8_lossy(&key));
            if !seen.insert((db, key.clone())) {
                return Err(format!("{}: listed twice", name()));
            }
            let expire_at = match k.get("expire_at_ms") {
                None | Some(Json::Null) => 0,
                Some(j) => j
                    .as_u64()
                    .ok_or_else(|| format!("{}: bad \"expire_at_ms\"", name()))?,
            };
            let ty = k.get("type").and_then(Json::as_str).unwrap_or_default();
            let v = k
                .get("value")
                .ok_or_else(|| format!("{}: no \"value\"", name()))?;
            let value = value_from(ty, v, limits).map_err(|e| format!("{}: {e}", name()))?;
            if expire_at != 0 && expire_at <= now {
                expired += 1;
                continue;
            }
            out.push(Key {
                db,
                key,
                expire_at,
                value,
            });
        }
    }
    Ok((out, expired))
}

fn bytes(j: &Json, what: &str) -> Result<Vec<u8>, String> {
    json::as_bytes(j).ok_or_else(|| format!("{what} is not a string or {{\"base64\": ...}}"))
}

fn arr<'a>(j: &'a Json, what: &str) -> Result<&'a [Json], String> {
    j.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("{what} is not an array"))
}

/// `[a, b]` as two byte strings.
fn pair(j: &Json, what: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    match j.as_array().map(Vec::as_slice) {
        Some([a, b]) => Ok((bytes(a, what)?, bytes(b, what)?)),
        _ => Err(format!("{what} is not a pair")),
    }
}

fn id(j: Option<&Json>, what: &str) -> Result<StreamId, String> {
    let bad = || format!("{what} is not a stream id \"ms-seq\"");
    let s = j.and_then(Json::as_str).ok_or_else(bad)?;
    let (ms, seq) = s.split_once('-').ok_or_else(bad)?;
    let num = |t: &str| t.parse::<u64>().ok().filter(|_| !t.starts_with('+'));
    Ok(StreamId::new(
        num(ms).ok_or_else(bad)?,
        num(seq).ok_or_else(bad)?,
    ))
}

fn uint(j: Option<&Json>, what: &str) -> Result<u64, String> {
    j.and_then(Json::as_u64)
        .ok_or_else(|| format!("{what} is not an unsigned integer"))
}

/// The value of type `ty` that `v` describes, checked by a round trip
/// through the value codec (which also picks Redis's encodings).
fn value_from(ty: &str, v: &Json, limits: &Limits) -> Result<Value, String> {
    let rough = match ty {
        "string" => Value::Str(StrValue::from_bytes(&bytes(v, "the value")?)),
        "list" => {
            let items = arr(v, "the value")?;
            let mut l = VecDeque::with_capacity(items.len());
            for m in items {
                l.push_back(bytes(m, "a list element")?.into());
            }
            Value::List(l)
        }
        "set" => {
            let mut s = SetValue::new_ints();
            for m in arr(v, "the value")? {
                if !s.insert(&bytes(m, "a set member")?, limits.set_max_intset_entries) {
                    return Err("duplicate set member".into());
                }
            }
            Value::Set(s)
        }
        "hash" => {
            let mut h = Hash::new();
            for p in arr(v, "the value")? {
                let (f, val) = pair(p, "a hash field")?;
                let (e, n) = (
                    limits.hash_max_listpack_entries,
                    limits.hash_max_listpack_value,
                );
                if !h.set(&f, &val, e, n) {
                    return Err("duplicate hash field".into());
                }
            }
            Value::Hash(h)
        }
        "zset" => {
            let mut items = Vec::new();
            for p in arr(v, "the value")? {
                let (m, score) = match p.as_array().map(Vec::as_slice) {
                    Some([m, s]) => (bytes(m, "a member")?, s),
                    _ => return Err("a sorted set member is not [member, score]".into()),
                };
                let score = match score {
                    Json::String(s) if s == "inf" || s == "+inf" => f64::INFINITY,
                    Json::String(s) if s == "-inf" => f64::NEG_INFINITY,
                    j => j.as_f64().filter(|f| !f.is_nan()).ok_or("a bad score")?,
                };
                items.push((m, score));
            }
            items.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
            let mut seen = HashSet::new();
            if !items.iter().all(|(m, _)| seen.insert(&m[..])) {
                return Err("duplicate sorted set member".into());
            }
            Value::ZSet(ZSet::from_sorted(&items, limits))
        }
        "stream" => Value::Stream(Box::new(stream_from(v, limits)?)),
        other => return Err(format!("unknown type {other:?}")),
    };
    let mut enc = Vec::new();
    value::encode_value(&rough, &mut enc);
    value::decode_value(&enc, limits)
}

fn stream_from(v: &Json, limits: &Limits) -> Result<Stream, String> {
    let mut s = Stream::new();
    let nl = NodeLimits {
        max_bytes: limits.stream_node_max_bytes,
        max_entries: limits.stream_node_max_entries,
    };
    for e in arr(v.get("entries").unwrap_or(&Json::Null), "\"entries\"")? {
        let eid = id(e.get("id"), "an entry id")?;
        let mut fields = Vec::new();
        for p in arr(
            e.get("fields").unwrap_or(&Json::Null),
            "an entry's \"fields\"",
        )? {
            let (f, val) = pair(p, "an entry field")?;
            fields.push(f);
            fields.push(val);
        }
        if fields.is_empty() {
            return Err(format!(
                "entry {} has no fields",
                String::from_utf8_lossy(&eid.to_bytes())
            ));
        }
        let refs: Vec<&[u8]> = fields.iter().map(|f| &f[..]).collect();
        s.add(Some((eid, true)), &refs, 0, nl)
            .map_err(|e| format!("entry {}: {e:?}", String::from_utf8_lossy(&eid.to_bytes())))?;
    }
    s.last_id = id(v.get("last_id"), "\"last_id\"")?;
    s.first_id = id(v.get("first_id"), "\"first_id\"")?;
    s.max_deleted_id = id(v.get("max_deleted_id"), "\"max_deleted_id\"")?;
    s.entries_added = uint(v.get("entries_added"), "\"entries_added\"")?;
    for g in arr(v.get("groups").unwrap_or(&Json::Null), "\"groups\"")? {
        let name = bytes(g.get("name").unwrap_or(&Json::Null), "a group name")?;
        let last = id(g.get("last_delivered_id"), "\"last_delivered_id\"")?;
        let read = match g.get("entries_read") {
            None | Some(Json::Null) => INVALID_ENTRIES_READ,
            Some(j) => j
                .as_i64()
                .filter(|&n| n >= INVALID_ENTRIES_READ)
                .ok_or("bad \"entries_read\"")?,
        };
        let mut group = Group::new(last, read);
        for c in arr(g.get("consumers").unwrap_or(&Json::Null), "\"consumers\"")? {
            let cname: Arc<[u8]> =
                bytes(c.get("name").unwrap_or(&Json::Null), "a consumer name")?.into();
            let seen_time = uint(c.get("seen_time"), "\"seen_time\"")?;
            let consumer = Consumer {
                name: cname.clone(),
                seen_time,
                pel: BTreeSet::new(),
            };
            if group.consumers.insert(cname[..].into(), consumer).is_some() {
                return Err("duplicate consumer".into());
            }
        }
        for p in arr(g.get("pending").unwrap_or(&Json::Null), "\"pending\"")? {
            let pid = id(p.get("id"), "a pending id")?;
            let cname = bytes(
                p.get("consumer").unwrap_or(&Json::Null),
                "a pending consumer",
            )?;
            let Some(c) = group.consumers.get_mut(&cname[..]) else {
                return Err("a pending entry of a consumer not listed".into());
            };
            c.pel.insert(pid);
            let nack = Nack {
                consumer: c.name.clone(),
                delivery_time: uint(p.get("delivery_time"), "\"delivery_time\"")?,
                delivery_count: uint(p.get("delivery_count"), "\"delivery_count\"")?,
            };
            if group.pel.insert(pid, nack).is_some() {
                return Err("duplicate pending entry".into());
            }
        }
        if s.groups.insert(name.into(), group).is_some() {
            return Err("duplicate consumer group".into());
        }
    }
    Ok(s)
}

/// Writes `keys` into `dir` as a new generation of `shards` files (default:
/// the count of the manifest there, or one per CPU). A directory holding a
/// manifest is refused unless `replace`, which swaps in the new data
/// atomically (the server must be stopped).
pub fn to_dir(
    keys: &[Key],
    dir: &Path,
    shards: Option<usize>,
    replace: bool,
) -> Result<manifest::Manifest, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Refused while a server runs on the directory.
    let _lock = manifest::lock(dir)?;
    let old = manifest::load(dir)?;
    if old.is_some() && !replace {
        return Err(format!(
            "{} already holds a data directory (manifest.json): --replace replaces its data",
            dir.display()
        ));
    }
    let shards = shards
        .filter(|&n| n > 0)
        .or(old.as_ref().map(|m| m.shards))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut new = NewFiles::create(dir, shards, old.as_ref())?;
    for k in keys {
        let to = crate::slot::shard_of(&k.key, shards);
        offline::put_entry(k.db, &k.key, &k.value, k.expire_at, &mut new.outs[to])?;
        new.flush_if_big()?;
    }
    new.commit(old.as_ref())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::cmd::table;
    use crate::shard::{Ctx, Shard};
    use bytes::Bytes;

    pub(crate) const NOW: u64 = 1_700_000_000_000;

    pub(crate) fn run(
        shard: &mut Shard,
        argv: &[Vec<u8>],
        now: u64,
    ) -> Result<crate::resp::Reply, String> {
        let argv: Vec<Bytes> = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let mut spec = table::lookup(&argv[0]).expect("command");
        if !spec.subcommands.is_empty() {
            spec = table::lookup_sub(spec, &argv[1]).expect("subcommand");
        }
        let handler = spec.handler().expect("keyed");
        handler(&mut Ctx::new(shard, 0, now), &argv).map_err(|e| e.to_string())
    }

    pub(crate) fn run_str(shard: &mut Shard, cmd: &str, now: u64) {
        let argv: Vec<Vec<u8>> = cmd.split(' ').map(|a| a.as_bytes().to_vec()).collect();
        run(shard, &argv, now).expect(cmd);
    }

    pub(crate) fn export_of(shard: &Shard) -> Vec<u8> {
        let mut out = Vec::new();
        crate::aof::export::write_json(std::slice::from_ref(shard), NOW, &mut out).unwrap();
        out
    }

    /// A shard with keys of every type, a stream with groups, pending
    /// entries whose entries were trimmed or deleted, binary data and TTLs.
    pub(crate) fn sample() -> Shard {
        let mut sh = Shard::new(0, 1, 16, NOW);
        for c in [
            "SET s hello",
            "SET i -42",
            "RPUSH l a b a",
            "HSET h f 1 g 2",
            "SADD si 3 1 2",
            "SADD ss x y",
            "ZADD z 1.5 a -inf b inf c 0.1 d",
            "XADD x 1-1 f v",
            "XADD x 2-1 f w g u",
            "XADD x 3-1 f v",
            "XADD x 4-1 f v",
            "XADD x 5-1 f v",
            "XGROUP CREATE x g 0",
            "XGROUP CREATE x g2 $ ENTRIESREAD 3",
            "XGROUP CREATECONSUMER x g idle",
            "XREADGROUP GROUP g alice COUNT 4 STREAMS x >",
            "XDEL x 3-1",
            "XTRIM x MINID 2-1",
            "XADD e MAXLEN 0 7-7 a b",
            "XGROUP CREATE m g $ MKSTREAM",
            "PEXPIREAT s 1800000000000",
        ] {
            run_str(&mut sh, c, NOW);
        }
        run(
            &mut sh,
            &[
                b"SET".to_vec(),
                b"bin\x00\xff".to_vec(),
                b"\xff\x00v".to_vec(),
            ],
            NOW,
        )
        .unwrap();
        run_str(&mut sh, "SET old x", NOW);
        run_str(&mut sh, &format!("PEXPIREAT old {}", NOW + 1), NOW);
        sh
    }

    #[test]
    fn export_then_read_gives_the_same_values() {
        let sh = sample();
        let text = export_of(&sh);
        let (keys, expired) = read(&text, &Limits::default(), NOW + 1).unwrap();
        assert_eq!(expired, 1);
        let mut back = Shard::new(0, 1, 16, NOW);
        for k in &keys {
            back.dbs[k.db].insert(&k.key, k.value.clone(), k.expire_at);
        }
        let mut want = sample();
        want.dbs[0].remove(b"old");
        for e in want.dbs[0].iter() {
            let i = back.dbs[0].find(&e.key).expect("key read back");
            let got = back.dbs[0].entry(i);
            assert_eq!(got.expire_at, e.expire_at);
            if let (Value::Stream(a), Value::Stream(b)) = (&got.value, &e.value) {
                // Tombstones are not exported: compare what they show.
                let mut xa = Vec::new();
                a.scan(StreamId::MIN, StreamId::MAX, false, |e| {
                    xa.push((
                        e.id,
                        e.pairs()
                            .map(|(f, v)| (f.to_vec(), v.to_vec()))
                            .collect::<Vec<_>>(),
                    ));
                    true
                });
                let mut xb = Vec::new();
                b.scan(StreamId::MIN, StreamId::MAX, false, |e| {
                    xb.push((
                        e.id,
                        e.pairs()
                            .map(|(f, v)| (f.to_vec(), v.to_vec()))
                            .collect::<Vec<_>>(),
                    ));
                    true
                });
                assert_eq!(xa, xb);
                assert_eq!(a.groups, b.groups);
                assert_eq!(
                    (
                        a.last_id,
                        a.first_id,
                        a.max_deleted_id,
                        a.entries_added,
                        a.len()
                    ),
                    (
                        b.last_id,
                        b.first_id,
                        b.max_deleted_id,
                        b.entries_added,
                        b.len()
                    )
                );
            } else {
                assert_eq!(got.value, e.value, "{:?}", e.key);
                assert_eq!(got.value.encoding(), e.value.encoding(), "{:?}", e.key);
            }
        }
        assert_eq!(back.dbs[0].len(), want.dbs[0].len());
        // And the export of what was read is the same text.
        assert_eq!(
            String::from_utf8_lossy(&export_of(&back)),
            String::from_utf8_lossy(&export_of(&want))
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_key_named() {
        let lim = Limits::default();
        let wrap = |keys: &str| {
            format!(
                r#"{{"format": "ringkv-export", "version": 1, "databases": [{{"db": 0, "keys": [{keys}]}}]}}"#
            )
        };
        let cases = [
            (
                r#"{"key": "a", "type": "list", "expire_at_ms": null, "value": []}"#,
                "\"a\"",
            ),
            (
                r#"{"key": "a", "type": "set", "expire_at_ms": null, "value": ["x", "x"]}"#,
                "duplicate",
            ),
            (
                r#"{"key": "a", "type": "hash", "expire_at_ms": null, "value": [["f"]]}"#,
                "pair",
            ),
            (
                r#"{"key": "a", "type": "zset", "expire_at_ms": null, "value": [["m", "nan"]]}"#,
                "score",
            ),
            (
                r#"{"key": "a", "type": "nope", "expire_at_ms": null, "value": 1}"#,
                "unknown type",
            ),
            (
                r#"{"key": "a", "type": "string", "expire_at_ms": -1, "value": "v"}"#,
                "expire_at_ms",
            ),
            (
                r#"{"key": {"base64": "*"}, "type": "string", "value": "v"}"#,
                "without a",
            ),
            (
                r#"{"key": "a", "type": "string", "value": "v"}, {"key": "a", "type": "string", "value": "w"}"#,
                "twice",
            ),
            (
                r#"{"key": "x", "type": "stream", "value": {"last_id": "1-0", "first_id": "1-0", "max_deleted_id": "0-0", "entries_added": 1, "entries": [{"id": "2-0", "fields": [["f", "v"]]}], "groups": []}}"#,
                "last id",
            ),
            (
                r#"{"key": "x", "type": "stream", "value": {"last_id": "1-0", "first_id": "0-0", "max_deleted_id": "0-0", "entries_added": 0, "entries": [], "groups": [{"name": "g", "last_delivered_id": "0-0", "entries_read": null, "consumers": [], "pending": [{"id": "1-0", "consumer": "c", "delivery_time": 1, "delivery_count": 1}]}]}}"#,
                "not listed",
            ),
        ];
        for (keys, want) in cases {
            let e = read(wrap(keys).as_bytes(), &lim, NOW).unwrap_err();
            assert!(e.contains(want), "{keys}: {e}");
        }
        assert!(read(b"{}", &lim, NOW)
            .unwrap_err()
            .contains("not a ringkv export"));
        let v2 = br#"{"format": "ringkv-export", "version": 2, "databases": []}"#;
        assert!(read(v2, &lim, NOW).unwrap_err().contains("version"));
    }
}
