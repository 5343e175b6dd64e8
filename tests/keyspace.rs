//! Generic keyspace commands: exact replies (errors included), cross-shard
//! paths, SCAN's guarantee, and db-wide commands across shards.

mod common;
use common::*;

/// A `redis` crate client that gives up instead of waiting forever when
/// the server stops answering (a failure then says where it stalled).
fn client(srv: &TestServer) -> redis::Connection {
    let c = srv.client();
    let limit = Some(std::time::Duration::from_secs(20));
    c.set_read_timeout(limit).unwrap_or_else(|e| panic!("{e}"));
    c.set_write_timeout(limit).unwrap_or_else(|e| panic!("{e}"));
    c
}

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn set_all(r: &mut Raw, keys: &[&str]) {
    for k in keys {
        r.roundtrip(&[b"SET", k.as_bytes(), k.as_bytes()], b"+OK\r\n");
    }
}

/// A command from string arguments.
fn args<'a>(a: &'a [&'a str]) -> Vec<&'a [u8]> {
    a.iter().map(|s| s.as_bytes()).collect()
}

fn rt(r: &mut Raw, a: &[&str], expected: &str) {
    r.roundtrip(&args(a), expected.as_bytes());
}

/// The keys of a multi-bulk reply, sorted.
fn bulk_items(reply: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(reply).into_owned();
    let mut out = Vec::new();
    let mut lines = text.split("\r\n");
    while let Some(l) = lines.next() {
        if l.starts_with('$') && l != "$-1" {
            out.push(lines.next().unwrap_or("").to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn del_unlink_exists_touch_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(4);
    let k: Vec<&str> = k.iter().map(|s| s.as_str()).collect();
    set_all(&mut r, &k);
    rt(&mut r, &["EXISTS", k[0]], ":1\r\n");
    rt(
        &mut r,
        &["EXISTS", k[0], k[1], k[2], k[3], "nosuch"],
        ":4\r\n",
    );
    // Duplicates count each time for EXISTS, once for DEL.
    rt(&mut r, &["EXISTS", k[0], k[0], k[1], k[1], k[1]], ":5\r\n");
    rt(
        &mut r,
        &["TOUCH", k[0], k[1], k[2], "nosuch", k[0]],
        ":4\r\n",
    );
    rt(&mut r, &["DEL", k[0], k[0], k[1], k[1], "nosuch"], ":2\r\n");
    rt(&mut r, &["EXISTS", k[0], k[1], k[2], k[3]], ":2\r\n");
    rt(&mut r, &["UNLINK", k[2], k[3], k[2], k[0]], ":2\r\n");
    rt(&mut r, &["DBSIZE"], ":0\r\n");
    rt(&mut r, &["DEL", "nosuch"], ":0\r\n");
    rt(
        &mut r,
        &["DEL"],
        "-ERR wrong number of arguments for 'del' command\r\n",
    );
    rt(
        &mut r,
        &["UNLINK"],
        "-ERR wrong number of arguments for 'unlink' command\r\n",
    );
    rt(
        &mut r,
        &["EXISTS"],
        "-ERR wrong number of arguments for 'exists' command\r\n",
    );
    rt(
        &mut r,
        &["TOUCH"],
        "-ERR wrong number of arguments for 'touch' command\r\n",
    );
}

#[test]
fn type_and_object() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["SET", "s", "hello"], "+OK\r\n");
    rt(&mut r, &["SET", "i", "123"], "+OK\r\n");
    rt(&mut r, &["SET", "big", &"x".repeat(45)], "+OK\r\n");
    rt(&mut r, &["SET", "lead", "0123"], "+OK\r\n");
    rt(&mut r, &["SET", "large", "10000"], "+OK\r\n");
    rt(&mut r, &["TYPE", "s"], "+string\r\n");
    rt(&mut r, &["TYPE", "nosuch"], "+none\r\n");
    rt(
        &mut r,
        &["TYPE"],
        "-ERR wrong number of arguments for 'type' command\r\n",
    );
    rt(&mut r, &["OBJECT", "ENCODING", "s"], "$6\r\nembstr\r\n");
    rt(&mut r, &["OBJECT", "encoding", "i"], "$3\r\nint\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "big"], "$3\r\nraw\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "lead"], "$6\r\nembstr\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "nosuch"], "$-1\r\n");
    rt(&mut r, &["OBJECT", "REFCOUNT", "i"], ":2147483647\r\n");
    rt(&mut r, &["OBJECT", "REFCOUNT", "large"], ":1\r\n");
    rt(&mut r, &["OBJECT", "REFCOUNT", "s"], ":1\r\n");
    rt(&mut r, &["OBJECT", "REFCOUNT", "nosuch"], "$-1\r\n");
    rt(&mut r, &["TOUCH", "s"], ":1\r\n");
    rt(&mut r, &["OBJECT", "IDLETIME", "s"], ":0\r\n");
    rt(&mut r, &["OBJECT", "IDLETIME", "nosuch"], "$-1\r\n");
    rt(&mut r, &["OBJECT", "FREQ", "nosuch"], "$-1\r\n");
    rt(
        &mut r,
        &["OBJECT", "FREQ", "s"],
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n",
    );
    rt(
        &mut r,
        &["OBJECT"],
        "-ERR wrong number of arguments for 'object' command\r\n",
    );
    rt(
        &mut r,
        &["OBJECT", "foo"],
        "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n",
    );
    rt(
        &mut r,
        &["OBJECT", "ENCODING"],
        "-ERR wrong number of arguments for 'object|encoding' command\r\n",
    );
    rt(
        &mut r,
        &["OBJECT", "HELP", "x"],
        "-ERR wrong number of arguments for 'object|help' command\r\n",
    );
    r.cmd(&args(&["OBJECT", "HELP"]));
    let help = String::from_utf8(r.read_reply()).unwrap_or_default();
    assert!(help.starts_with("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n"));
    assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
}

#[test]
fn rename_and_renamenx() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RENAME", "nosuch", "x"], "-ERR no such key\r\n");
    rt(
        &mut r,
        &["RENAME", "nosuch", "nosuch"],
        "-ERR no such key\r\n",
    );
    rt(&mut r, &["RENAMENX", "nosuch", "x"], "-ERR no such key\r\n");
    rt(
        &mut r,
        &["RENAME", "a"],
        "-ERR wrong number of arguments for 'rename' command\r\n",
    );
    rt(&mut r, &["SET", "a", "1"], "+OK\r\n");
    rt(&mut r, &["RENAME", "a", "a"], "+OK\r\n");
    rt(&mut r, &["RENAMENX", "a", "a"], ":0\r\n");
    rt(&mut r, &["GET", "a"], "$1\r\n1\r\n");
    // Every pair of shards, both directions, with the expiry carried along.
    let k = keys_on_distinct_shards(4);
    rt(&mut r, &["SET", &k[0], "v"], "+OK\r\n");
    rt(&mut r, &["PEXPIRE", &k[0], "100000"], ":1\r\n");
    for (from, to) in [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2), (2, 0)] {
        rt(&mut r, &["RENAME", &k[from], &k[to]], "+OK\r\n");
        rt(&mut r, &["EXISTS", &k[from]], ":0\r\n");
        rt(&mut r, &["GET", &k[to]], "$1\r\nv\r\n");
    }
    r.cmd(&args(&["PTTL", &k[0]]));
    let pttl = String::from_utf8(r.read_reply()).unwrap_or_default();
    let ms: i64 = pttl.trim_start_matches(':').trim().parse().unwrap_or(-9);
    assert!(ms > 90_000 && ms <= 100_000, "PTTL after renames: {pttl:?}");
    // RENAME replaces the destination (its expiry too); RENAMENX refuses.
    rt(&mut r, &["SET", &k[1], "w"], "+OK\r\n");
    rt(&mut r, &["RENAMENX", &k[0], &k[1]], ":0\r\n");
    rt(
        &mut r,
        &["RENAMENX", "nosuch", &k[1]],
        "-ERR no such key\r\n",
    );
    rt(&mut r, &["RENAME", &k[1], &k[0]], "+OK\r\n");
    rt(&mut r, &["GET", &k[0]], "$1\r\nw\r\n");
    rt(&mut r, &["PTTL", &k[0]], ":-1\r\n");
    rt(&mut r, &["RENAMENX", &k[0], &k[2]], ":1\r\n");
    rt(&mut r, &["GET", &k[2]], "$1\r\nw\r\n");
    rt(&mut r, &["DBSIZE"], ":2\r\n");
    // Same shard ({tag}): the handler path.
    rt(&mut r, &["SET", "{t}x", "1"], "+OK\r\n");
    rt(&mut r, &["RENAMENX", "{t}x", "{t}y"], ":1\r\n");
    rt(&mut r, &["RENAME", "{t}y", "{t}z"], "+OK\r\n");
    rt(&mut r, &["GET", "{t}z"], "$1\r\n1\r\n");
}

#[test]
fn copy_within_and_across_shards_and_dbs() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(2);
    let (a, b) = (k[0].as_str(), k[1].as_str());
    rt(&mut r, &["SET", a, "v"], "+OK\r\n");
    rt(
        &mut r,
        &["COPY", a, a],
        "-ERR source and destination objects are the same\r\n",
    );
    rt(
        &mut r,
        &["COPY", a, a, "DB", "0"],
        "-ERR source and destination objects are the same\r\n",
    );
    rt(&mut r, &["COPY", a, b, "DB"], "-ERR syntax error\r\n");
    rt(&mut r, &["COPY", a, b, "FOO"], "-ERR syntax error\r\n");
    rt(
        &mut r,
        &["COPY", a, b, "DB", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(
        &mut r,
        &["COPY", a, b, "DB", "16"],
        "-ERR DB index is out of range\r\n",
    );
    rt(
        &mut r,
        &["COPY", a, b, "DB", "4294967296"],
        "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n",
    );
    rt(&mut r, &["COPY", "nosuch", b], ":0\r\n");
    rt(
        &mut r,
        &["COPY", a],
        "-ERR wrong number of arguments for 'copy' command\r\n",
    );
    // Across shards.
    rt(&mut r, &["PEXPIRE", a, "100000"], ":1\r\n");
    rt(&mut r, &["COPY", a, b], ":1\r\n");
    rt(&mut r, &["GET", b], "$1\r\nv\r\n");
    r.cmd(&args(&["TTL", b]));
    assert_eq!(r.read_reply(), b":100\r\n");
    rt(&mut r, &["SET", a, "v2"], "+OK\r\n");
    rt(&mut r, &["COPY", a, b], ":0\r\n");
    rt(&mut r, &["COPY", a, b, "REPLACE"], ":1\r\n");
    rt(&mut r, &["GET", b], "$2\r\nv2\r\n");
    rt(&mut r, &["TTL", b], ":-1\r\n");
    // Into another db: same key allowed, cross-shard too.
    rt(&mut r, &["COPY", a, a, "DB", "3"], ":1\r\n");
    rt(&mut r, &["COPY", a, b, "DB", "3", "REPLACE"], ":1\r\n");
    rt(&mut r, &["COPY", a, a, "DB", "3"], ":0\r\n");
    rt(&mut r, &["SELECT", "3"], "+OK\r\n");
    rt(&mut r, &["MGET", a, b], "*2\r\n$2\r\nv2\r\n$2\r\nv2\r\n");
    rt(&mut r, &["SELECT", "0"], "+OK\r\n");
    rt(&mut r, &["SET", "n", "7"], "+OK\r\n");
    rt(&mut r, &["COPY", "n", "n2"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "n2"], "$3\r\nint\r\n");
}

#[test]
fn move_between_dbs() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
    rt(
        &mut r,
        &["MOVE", "k", "0"],
        "-ERR source and destination objects are the same\r\n",
    );
    rt(
        &mut r,
        &["MOVE", "k", "16"],
        "-ERR DB index is out of range\r\n",
    );
    rt(
        &mut r,
        &["MOVE", "k", "-1"],
        "-ERR DB index is out of range\r\n",
    );
    rt(
        &mut r,
        &["MOVE", "k", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(&mut r, &["MOVE", "nosuch", "1"], ":0\r\n");
    rt(
        &mut r,
        &["MOVE", "k"],
        "-ERR wrong number of arguments for 'move' command\r\n",
    );
    rt(&mut r, &["EXPIRE", "k", "1000"], ":1\r\n");
    rt(&mut r, &["MOVE", "k", "1"], ":1\r\n");
    rt(&mut r, &["EXISTS", "k"], ":0\r\n");
    rt(&mut r, &["SELECT", "1"], "+OK\r\n");
    rt(&mut r, &["GET", "k"], "$1\r\nv\r\n");
    rt(&mut r, &["TTL", "k"], ":1000\r\n");
    rt(&mut r, &["SELECT", "0"], "+OK\r\n");
    rt(&mut r, &["SET", "k", "other"], "+OK\r\n");
    rt(&mut r, &["MOVE", "k", "1"], ":0\r\n");
    rt(&mut r, &["GET", "k"], "$5\r\nother\r\n");
}

#[test]
fn swapdb_flushdb_flushall_on_every_shard() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(4);
    let k: Vec<&str> = k.iter().map(|s| s.as_str()).collect();
    set_all(&mut r, &k);
    rt(&mut r, &["SELECT", "1"], "+OK\r\n");
    set_all(&mut r, &k[..2]);
    rt(&mut r, &["SWAPDB", "0", "1"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":4\r\n");
    rt(&mut r, &["EXISTS", k[0], k[1], k[2], k[3]], ":4\r\n");
    rt(&mut r, &["SELECT", "0"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":2\r\n");
    rt(&mut r, &["SWAPDB", "1", "0"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":4\r\n");
    rt(&mut r, &["SWAPDB", "0", "0"], "+OK\r\n");
    rt(
        &mut r,
        &["SWAPDB", "a", "1"],
        "-ERR invalid first DB index\r\n",
    );
    rt(
        &mut r,
        &["SWAPDB", "1", "a"],
        "-ERR invalid second DB index\r\n",
    );
    rt(
        &mut r,
        &["SWAPDB", "99999999999", "1"],
        "-ERR invalid first DB index\r\n",
    );
    rt(
        &mut r,
        &["SWAPDB", "0", "16"],
        "-ERR DB index is out of range\r\n",
    );
    rt(
        &mut r,
        &["SWAPDB", "-1", "0"],
        "-ERR DB index is out of range\r\n",
    );
    rt(
        &mut r,
        &["SWAPDB", "0"],
        "-ERR wrong number of arguments for 'swapdb' command\r\n",
    );

    rt(&mut r, &["FLUSHDB", "foo"], "-ERR syntax error\r\n");
    rt(
        &mut r,
        &["FLUSHDB", "ASYNC", "SYNC"],
        "-ERR syntax error\r\n",
    );
    rt(&mut r, &["DBSIZE"], ":4\r\n");
    rt(&mut r, &["FLUSHDB", "sync"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":0\r\n");
    rt(&mut r, &["SELECT", "1"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":2\r\n");
    rt(&mut r, &["SELECT", "0"], "+OK\r\n");
    set_all(&mut r, &k);
    rt(&mut r, &["FLUSHALL", "bar"], "-ERR syntax error\r\n");
    rt(&mut r, &["FLUSHALL", "ASYNC"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":0\r\n");
    rt(&mut r, &["SELECT", "1"], "+OK\r\n");
    rt(&mut r, &["DBSIZE"], ":0\r\n");
    rt(&mut r, &["FLUSHALL"], "+OK\r\n");
    rt(&mut r, &["FLUSHDB"], "+OK\r\n");
}

#[test]
fn keys_with_patterns() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    set_all(
        &mut r,
        &[
            "one", "two", "three", "four", "key:1", "key:2", "key:10", "a", "b", "c", "x*y",
        ],
    );
    let keys = |r: &mut Raw, p: &str| {
        r.cmd(&args(&["KEYS", p]));
        bulk_items(&r.read_reply())
    };
    assert_eq!(keys(&mut r, "*").len(), 11);
    assert_eq!(keys(&mut r, "key:*"), ["key:1", "key:10", "key:2"]);
    assert_eq!(keys(&mut r, "key:?"), ["key:1", "key:2"]);
    assert_eq!(keys(&mut r, "?"), ["a", "b", "c"]);
    assert_eq!(keys(&mut r, "[ab]"), ["a", "b"]);
    assert_eq!(keys(&mut r, "[^ab]"), ["c"]);
    assert_eq!(keys(&mut r, "t*e*"), ["three"]);
    assert_eq!(keys(&mut r, "*o*"), ["four", "one", "two"]);
    assert_eq!(keys(&mut r, "x\\*y"), ["x*y"]);
    assert!(keys(&mut r, "nomatch*").is_empty());
    rt(
        &mut r,
        &["KEYS"],
        "-ERR wrong number of arguments for 'keys' command\r\n",
    );
    rt(&mut r, &["SELECT", "5"], "+OK\r\n");
    rt(&mut r, &["KEYS", "*"], "*0\r\n");
}

/// Follows a SCAN to cursor 0 with the given options; returns every key
/// returned (with repeats) and the number of calls.
fn full_scan(c: &mut redis::Connection, opts: &[&str]) -> (Vec<String>, usize) {
    let mut cursor = "0".to_string();
    let mut all = Vec::new();
    let mut calls = 0;
    loop {
        let mut cmd = redis::cmd("SCAN");
        cmd.arg(&cursor);
        for o in opts {
            cmd.arg(*o);
        }
        let (next, keys): (String, Vec<String>) =
            cmd.query(c).unwrap_or_else(|e| panic!("SCAN: {e}"));
        calls += 1;
        all.extend(keys);
        if next == "0" {
            return (all, calls);
        }
        assert!(calls < 100_000, "SCAN does not end");
        cursor = next;
    }
}

#[test]
fn scan_walks_every_shard() {
    let srv = TestServer::start();
    let mut c = client(&srv);
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("SET").arg(format!("k:{i}")).arg(i).ignore();
    }
    pipe.cmd("SET").arg("other").arg("x").ignore();
    pipe.query::<()>(&mut c).unwrap_or_else(|e| panic!("{e}"));
    let shards: HashSet<usize> = (0..1000)
        .map(|i| ringkv::slot::shard_of(format!("k:{i}").as_bytes(), SHARDS))
        .collect();
    assert_eq!(shards.len(), SHARDS, "the keys spread over every shard");

    let (keys, calls) = full_scan(&mut c, &["COUNT", "10"]);
    let set: HashSet<&String> = keys.iter().collect();
    assert_eq!(set.len(), 1001);
    assert!(calls > 50, "COUNT 10 takes many calls, got {calls}");
    for i in 0..1000 {
        assert!(set.contains(&format!("k:{i}")));
    }

    let (keys, _) = full_scan(&mut c, &["MATCH", "k:1*", "COUNT", "100"]);
    let set: HashSet<String> = keys.into_iter().collect();
    let expected: HashSet<String> = (0..1000)
        .map(|i| format!("k:{i}"))
        .filter(|k| k.starts_with("k:1"))
        .collect();
    assert_eq!(set, expected);
    let (keys, _) = full_scan(&mut c, &["TYPE", "string", "COUNT", "1000"]);
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 1001);
    let (keys, _) = full_scan(&mut c, &["TYPE", "STRING", "MATCH", "oth*"]);
    assert_eq!(keys, ["other"]);
    let (keys, _) = full_scan(&mut c, &["TYPE", "list"]);
    assert!(keys.is_empty());

    let mut r = srv.raw();
    rt(&mut r, &["SCAN", "x"], "-ERR invalid cursor\r\n");
    rt(&mut r, &["SCAN", " 1"], "-ERR invalid cursor\r\n");
    rt(
        &mut r,
        &["SCAN", "18446744073709551616"],
        "-ERR invalid cursor\r\n",
    );
    rt(
        &mut r,
        &["SCAN", "0", "COUNT", "0"],
        "-ERR syntax error\r\n",
    );
    rt(
        &mut r,
        &["SCAN", "0", "COUNT", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(&mut r, &["SCAN", "0", "MATCH"], "-ERR syntax error\r\n");
    rt(
        &mut r,
        &["SCAN", "0", "FOO", "bar"],
        "-ERR syntax error\r\n",
    );
    rt(
        &mut r,
        &["SCAN"],
        "-ERR wrong number of arguments for 'scan' command\r\n",
    );
    rt(&mut r, &["SELECT", "7"], "+OK\r\n");
    rt(&mut r, &["SCAN", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
}

#[test]
fn scan_during_inserts_and_deletes_returns_stable_keys() {
    let srv = TestServer::start();
    let mut c = client(&srv);
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("SET").arg(format!("stable:{i}")).arg(i).ignore();
    }
    pipe.query::<()>(&mut c).unwrap_or_else(|e| panic!("{e}"));

    let stop = Arc::new(AtomicBool::new(false));
    let mut churn = client(&srv);
    let stop2 = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut i = 0u64;
        while !stop2.load(Ordering::Relaxed) {
            let mut p = redis::pipe();
            for j in 0..50 {
                p.cmd("SET")
                    .arg(format!("churn:{}", i + j))
                    .arg("x")
                    .ignore();
            }
            // Delete most of what was added: holes get reused while the scan runs.
            for j in 0..40 {
                p.cmd("DEL").arg(format!("churn:{}", i + j)).ignore();
            }
            if p.query::<()>(&mut churn).is_err() {
                break;
            }
            i += 50;
        }
        i
    });
    for _ in 0..3 {
        let (keys, _) = full_scan(&mut c, &["COUNT", "7"]);
        let set: HashSet<String> = keys.into_iter().collect();
        for i in 0..1000 {
            assert!(
                set.contains(&format!("stable:{i}")),
                "stable:{i} missed by SCAN"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap_or(0);
    assert!(written > 0, "the writer ran during the scans");
}

#[test]
fn randomkey_and_dbsize() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RANDOMKEY"], "$-1\r\n");
    rt(
        &mut r,
        &["RANDOMKEY", "x"],
        "-ERR wrong number of arguments for 'randomkey' command\r\n",
    );
    rt(&mut r, &["DBSIZE"], ":0\r\n");
    rt(
        &mut r,
        &["DBSIZE", "x"],
        "-ERR wrong number of arguments for 'dbsize' command\r\n",
    );
    let k = keys_on_distinct_shards(4);
    let k: Vec<&str> = k.iter().map(|s| s.as_str()).collect();
    set_all(&mut r, &k);
    rt(&mut r, &["DBSIZE"], ":4\r\n");
    let mut seen = HashSet::new();
    for _ in 0..400 {
        r.cmd(&args(&["RANDOMKEY"]));
        let items = bulk_items(&r.read_reply());
        assert_eq!(items.len(), 1);
        assert!(k.contains(&items[0].as_str()));
        seen.insert(items[0].clone());
    }
    assert_eq!(seen.len(), 4, "every shard's key comes up");
    rt(&mut r, &["DEL", k[0], k[1], k[2]], ":3\r\n");
    r.cmd(&args(&["RANDOMKEY"]));
    assert_eq!(
        r.read_reply(),
        format!("${}\r\n{}\r\n", k[3].len(), k[3]).into_bytes()
    );
}
