//! Blocking commands against a 4-shard server: immediate answers, waits
//! served by other clients' writes (plain, MULTI/EXEC, cross-shard LMOVE),
//! FIFO order per key, keys on different shards, timeouts, CLIENT
//! UNBLOCK, disconnects, and no blocking inside MULTI.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// Waits until INFO reports `n` blocked clients.
fn wait_blocked(srv: &TestServer, n: usize) {
    let mut c = srv.client();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut c).unwrap();
        let now = info
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap();
        if now == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stays {now}, want {n}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn b(s: &str) -> &[u8] {
    s.as_bytes()
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

fn arr(items: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", items.len());
    for i in items {
        out.push_str(&bulk(i));
    }
    out.into_bytes()
}

#[test]
fn immediate_answers_errors_and_timeouts() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(3);
    let mut r = srv.raw();
    r.roundtrip(&[b"RPUSH", b(&k[1]), b"a", b"b"], b":2\r\n");
    // The first non-empty key, in argument order, across shards.
    r.roundtrip(
        &[b"BLPOP", b(&k[0]), b(&k[1]), b(&k[2]), b"0"],
        &arr(&[&k[1], "a"]),
    );
    r.roundtrip(&[b"BRPOP", b(&k[0]), b(&k[1]), b"0"], &arr(&[&k[1], "b"]));
    r.roundtrip(&[b"EXISTS", b(&k[1])], b":0\r\n");
    r.roundtrip(
        &[b"BLPOP", b(&k[0]), b"-1"],
        b"-ERR timeout is negative\r\n",
    );
    r.roundtrip(
        &[b"BLPOP", b(&k[0]), b"soon"],
        b"-ERR timeout is not a float or out of range\r\n",
    );
    r.roundtrip(
        &[b"BLPOP", b(&k[0]), b"inf"],
        b"-ERR timeout is negative\r\n",
    );
    r.roundtrip(&[b"SET", b(&k[2]), b"str"], b"+OK\r\n");
    r.roundtrip(
        &[b"BLPOP", b(&k[0]), b(&k[2]), b"0"],
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    r.roundtrip(
        &[b"BZPOPMIN", b(&k[2]), b"0"],
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    // Timeouts: null array, or null bulk for the moves; fractional seconds.
    let t = Instant::now();
    r.roundtrip(&[b"BLPOP", b(&k[0]), b(&k[1]), b"0.2"], b"*-1\r\n");
    assert!(t.elapsed() >= Duration::from_millis(190));
    r.roundtrip(
        &[b"BLMOVE", b(&k[0]), b(&k[1]), b"LEFT", b"RIGHT", b"0.05"],
        b"$-1\r\n",
    );
    r.roundtrip(&[b"BRPOPLPUSH", b(&k[0]), b(&k[1]), b"0.05"], b"$-1\r\n");
    r.roundtrip(&[b"BZPOPMAX", b(&k[0]), b"0.05"], b"*-1\r\n");
    r.roundtrip(
        &[b"BLMPOP", b"0.05", b"2", b(&k[0]), b(&k[1]), b"LEFT"],
        b"*-1\r\n",
    );
    r.roundtrip(&[b"BZMPOP", b"0.05", b"1", b(&k[0]), b"MIN"], b"*-1\r\n");
    r.roundtrip(
        &[b"BLMOVE", b(&k[0]), b(&k[1]), b"UP", b"RIGHT", b"0"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(
        &[b"BLMPOP", b"0", b"0", b(&k[0]), b"LEFT"],
        b"-ERR numkeys should be greater than 0\r\n",
    );
    // RESP3: the timeout reply is a null.
    r.send(&encode(&[b"HELLO", b"3"]));
    r.read_reply();
    r.roundtrip(&[b"BLPOP", b(&k[0]), b"0.01"], b"_\r\n");
    r.roundtrip(&[b"ZADD", b(&k[0]), b"1.5", b"m"], b":1\r\n");
    r.roundtrip(
        &[b"BZPOPMIN", b(&k[0]), b"0"],
        format!("*3\r\n{}$1\r\nm\r\n,1.5\r\n", bulk(&k[0])).as_bytes(),
    );
}

#[test]
fn waits_are_served_by_writers_in_fifo_order() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    let mut waiters: Vec<Raw> = (0..3).map(|_| srv.raw()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.cmd(&[b"BLPOP", b(&k[0]), b"0"]);
        wait_blocked(&srv, i + 1);
    }
    let mut c = srv.raw();
    // The reply to the push counts the elements before anyone is served.
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"x", b"y", b"z"], b":3\r\n");
    for (w, v) in waiters.iter_mut().zip(["x", "y", "z"]) {
        w.expect(&arr(&[&k[0], v]));
    }
    wait_blocked(&srv, 0);
    c.roundtrip(&[b"EXISTS", b(&k[0])], b":0\r\n");
    // One element for two waiters: the first gets it, the second waits on.
    waiters[0].cmd(&[b"BRPOP", b(&k[0]), b(&k[1]), b"0"]);
    wait_blocked(&srv, 1);
    waiters[1].cmd(&[b"BRPOP", b(&k[1]), b"0"]);
    wait_blocked(&srv, 2);
    c.roundtrip(&[b"LPUSH", b(&k[1]), b"one"], b":1\r\n");
    waiters[0].expect(&arr(&[&k[1], "one"]));
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"LPUSH", b(&k[1]), b"two"], b":1\r\n");
    waiters[1].expect(&arr(&[&k[1], "two"]));
    wait_blocked(&srv, 0);
    // A key that turns into another type keeps its waiter waiting.
    waiters[2].cmd(&[b"BLPOP", b(&k[0]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"SET", b(&k[0]), b"s"], b"+OK\r\n");
    c.roundtrip(&[b"DEL", b(&k[0])], b":1\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"late"], b":1\r\n");
    waiters[2].expect(&arr(&[&k[0], "late"]));
}

#[test]
fn waits_on_keys_of_several_shards() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let mut w = srv.raw();
    let mut c = srv.raw();
    for round in 0..4 {
        w.cmd(&[b"BLPOP", b(&k[0]), b(&k[1]), b(&k[2]), b(&k[3]), b"10"]);
        wait_blocked(&srv, 1);
        let v = format!("v{round}");
        c.roundtrip(&[b"RPUSH", b(&k[round]), b(&v)], b":1\r\n");
        w.expect(&arr(&[&k[round], &v]));
        wait_blocked(&srv, 0);
    }
    // Sorted sets across shards, and the multi-pop forms.
    w.cmd(&[b"BZPOPMAX", b(&k[2]), b(&k[3]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"ZADD", b(&k[3]), b"1", b"a", b"2", b"b"], b":2\r\n");
    w.expect(format!("*3\r\n{}$1\r\nb\r\n$1\r\n2\r\n", bulk(&k[3])).as_bytes());
    w.cmd(&[
        b"BZMPOP",
        b"0",
        b"2",
        b(&k[0]),
        b(&k[3]),
        b"MIN",
        b"COUNT",
        b"5",
    ]);
    w.expect(format!("*2\r\n{}*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", bulk(&k[3])).as_bytes());
    w.cmd(&[
        b"BLMPOP",
        b"0",
        b"2",
        b(&k[1]),
        b(&k[2]),
        b"RIGHT",
        b"COUNT",
        b"2",
    ]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"RPUSH", b(&k[2]), b"p", b"q", b"r"], b":3\r\n");
    w.expect(format!("*2\r\n{}*2\r\n$1\r\nr\r\n$1\r\nq\r\n", bulk(&k[2])).as_bytes());
    c.roundtrip(&[b"LRANGE", b(&k[2]), b"0", b"-1"], &arr(&["p"]));
}

#[test]
fn moves_across_shards_and_wakeups_from_any_writer() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(3);
    let mut w = srv.raw();
    let mut c = srv.raw();
    // BLMOVE whose destination lives on another shard.
    w.cmd(&[b"BLMOVE", b(&k[0]), b(&k[1]), b"RIGHT", b"LEFT", b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"m1", b"m2"], b":2\r\n");
    w.expect(bulk("m2").as_bytes());
    c.roundtrip(
        &[b"LRANGE", b(&k[1]), b"0", b"-1"],
        &arr(&["m1", "m2"][1..]),
    );
    c.roundtrip(&[b"LRANGE", b(&k[0]), b"0", b"-1"], &arr(&["m1"]));
    // BRPOPLPUSH on one shard (same key as source and destination).
    c.roundtrip(&[b"DEL", b(&k[0])], b":1\r\n");
    w.cmd(&[b"BRPOPLPUSH", b(&k[0]), b(&k[0]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"LPUSH", b(&k[0]), b"r"], b":1\r\n");
    w.expect(bulk("r").as_bytes());
    c.roundtrip(&[b"LRANGE", b(&k[0]), b"0", b"-1"], &arr(&["r"]));
    c.roundtrip(&[b"DEL", b(&k[0]), b(&k[1])], b":2\r\n");
    // Woken by MULTI/EXEC: served after the block, with what it left.
    w.cmd(&[b"BLPOP", b(&k[0]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"MULTI"], b"+OK\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"t1", b"t2"], b"+QUEUED\r\n");
    c.roundtrip(&[b"LPOP", b(&k[0])], b"+QUEUED\r\n");
    c.roundtrip(&[b"SET", b(&k[2]), b"x"], b"+QUEUED\r\n");
    c.roundtrip(
        &[b"EXEC"],
        format!("*3\r\n:2\r\n{}+OK\r\n", bulk("t1")).as_bytes(),
    );
    w.expect(&arr(&[&k[0], "t2"]));
    // A block that pushes and pops the same element serves nobody.
    w.cmd(&[b"BLPOP", b(&k[0]), b"0.3"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"MULTI"], b"+OK\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"gone"], b"+QUEUED\r\n");
    c.roundtrip(&[b"RPOP", b(&k[0])], b"+QUEUED\r\n");
    c.roundtrip(
        &[b"EXEC"],
        format!("*2\r\n:1\r\n{}", bulk("gone")).as_bytes(),
    );
    w.expect(b"*-1\r\n");
    // Woken by a cross-shard LMOVE into the key it waits on.
    w.cmd(&[b"BLPOP", b(&k[1]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"DEL", b(&k[2])], b":1\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[2]), b"moved"], b":1\r\n");
    c.roundtrip(
        &[b"LMOVE", b(&k[2]), b(&k[1]), b"LEFT", b"LEFT"],
        bulk("moved").as_bytes(),
    );
    w.expect(&arr(&[&k[1], "moved"]));
    c.roundtrip(&[b"EXISTS", b(&k[1]), b(&k[2])], b":0\r\n");
}

#[test]
fn no_blocking_inside_multi() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    let mut r = srv.raw();
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"BLPOP", b(&k[0]), b(&k[1]), b"0"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"BLMOVE", b(&k[0]), b(&k[1]), b"LEFT", b"LEFT", b"0"],
        b"+QUEUED\r\n",
    );
    r.roundtrip(&[b"BZPOPMIN", b(&k[0]), b"0"], b"+QUEUED\r\n");
    r.roundtrip(&[b"RPUSH", b(&k[1]), b"v"], b"+QUEUED\r\n");
    r.roundtrip(&[b"BRPOP", b(&k[0]), b(&k[1]), b"0"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"EXEC"],
        format!(
            "*5\r\n*-1\r\n$-1\r\n*-1\r\n:1\r\n{}",
            std::str::from_utf8(&arr(&[&k[1], "v"])).unwrap()
        )
        .as_bytes(),
    );
}

#[test]
fn client_unblock_and_disconnects() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    let mut w = srv.raw();
    let mut c = srv.raw();
    let id = {
        w.cmd(&[b"CLIENT", b"ID"]);
        let line = w.read_reply();
        String::from_utf8(line[1..line.len() - 2].to_vec()).unwrap()
    };
    c.roundtrip(&[b"CLIENT", b"UNBLOCK", b(&id)], b":0\r\n");
    w.cmd(&[b"BLPOP", b(&k[0]), b(&k[1]), b"0"]);
    wait_blocked(&srv, 1);
    c.send(&encode(&[b"CLIENT", b"LIST", b"ID", b(&id)]));
    let list = String::from_utf8(c.read_reply()).unwrap();
    assert!(list.contains("flags=b "), "{list}");
    c.roundtrip(&[b"CLIENT", b"UNBLOCK", b(&id)], b":1\r\n");
    w.expect(b"*-1\r\n");
    w.cmd(&[b"BZPOPMIN", b(&k[0]), b"0"]);
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"CLIENT", b"UNBLOCK", b(&id), b"ERROR"], b":1\r\n");
    w.expect(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
    c.roundtrip(
        &[b"CLIENT", b"UNBLOCK", b(&id), b"MAYBE"],
        b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
    );
    // The connection still works after being unblocked.
    w.roundtrip(&[b"PING"], b"+PONG\r\n");
    // A client that goes away while blocked leaves nothing behind: the
    // next push stays in the list.
    for _ in 0..3 {
        let mut gone = srv.raw();
        gone.cmd(&[b"BLPOP", b(&k[0]), b(&k[1]), b"0"]);
        wait_blocked(&srv, 1);
        drop(gone);
        wait_blocked(&srv, 0);
    }
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"kept"], b":1\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[1]), b"kept"], b":1\r\n");
    c.roundtrip(&[b"LLEN", b(&k[0])], b":1\r\n");
    c.roundtrip(&[b"LLEN", b(&k[1])], b":1\r\n");
}

#[test]
fn pipelined_commands_around_a_blocking_one() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    let mut w = srv.raw();
    let mut c = srv.raw();
    // The reply before the blocking command goes out while it waits; the
    // command after it runs once it is served.
    let mut req = encode(&[b"SET", b(&k[1]), b"before"]);
    req.extend(encode(&[b"BLPOP", b(&k[0]), b"0"]));
    req.extend(encode(&[b"GET", b(&k[1])]));
    w.send(&req);
    w.expect(b"+OK\r\n");
    wait_blocked(&srv, 1);
    c.roundtrip(&[b"SET", b(&k[1]), b"after"], b"+OK\r\n");
    c.roundtrip(&[b"RPUSH", b(&k[0]), b"go"], b":1\r\n");
    w.expect(&arr(&[&k[0], "go"]));
    w.expect(bulk("after").as_bytes());
}

#[test]
fn many_waiters_many_pushers() {
    // Every pushed element reaches exactly one waiter; nothing is lost or
    // duplicated, whichever executors the connections land on.
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let n_waiters = 8;
    let per = 25;
    let mut handles = Vec::new();
    for i in 0..n_waiters {
        let port = srv.port;
        let keys = k.clone();
        handles.push(std::thread::spawn(move || {
            let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
            let mut c = c.get_connection().unwrap();
            let mut got = Vec::new();
            for _ in 0..per {
                let mut cmd = redis::cmd(if i % 2 == 0 { "BLPOP" } else { "BRPOP" });
                for key in &keys {
                    cmd.arg(key);
                }
                let v: Option<(String, String)> = cmd.arg(10).query(&mut c).unwrap();
                got.push(v.expect("served before the timeout").1);
            }
            got
        }));
    }
    let mut pushers = Vec::new();
    for (p, key) in k.iter().enumerate() {
        let port = srv.port;
        let key = key.clone();
        pushers.push(std::thread::spawn(move || {
            let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
            let mut c = c.get_connection().unwrap();
            for j in 0..(n_waiters * per / 4) {
                let _: i64 = redis::cmd("RPUSH")
                    .arg(&key)
                    .arg(format!("{p}-{j}"))
                    .query(&mut c)
                    .unwrap();
            }
        }));
    }
    for p in pushers {
        p.join().unwrap();
    }
    let mut all: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let mut want: Vec<String> = (0..4)
        .flat_map(|p| (0..(n_waiters * per / 4)).map(move |j| format!("{p}-{j}")))
        .collect();
    want.sort();
    assert_eq!(all, want);
    let mut c = srv.client();
    let n: i64 = redis::cmd("EXISTS").arg(&k).query(&mut c).unwrap();
    assert_eq!(n, 0);
    wait_blocked(&srv, 0);
}

fn xread_reply(key: &str, id: &str, f: &str, v: &str) -> Vec<u8> {
    format!(
        "*1\r\n*2\r\n{}*1\r\n*2\r\n{}*2\r\n{}{}",
        bulk(key),
        bulk(id),
        bulk(f),
        bulk(v)
    )
    .into_bytes()
}

#[test]
fn stream_reads_block_until_new_entries() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    let mut w = srv.raw();
    let mut c = srv.raw();
    // `$` means entries added after the call.
    c.roundtrip(
        &[b"XADD", b(&k[0]), b"1-1", b"old", b"x"],
        bulk("1-1").as_bytes(),
    );
    w.cmd(&[b"XREAD", b"BLOCK", b"0", b"STREAMS", b(&k[0]), b"$"]);
    wait_blocked(&srv, 1);
    c.roundtrip(
        &[b"XADD", b(&k[0]), b"2-1", b"f", b"v"],
        bulk("2-1").as_bytes(),
    );
    w.expect(&xread_reply(&k[0], "2-1", "f", "v"));
    // Two streams on two shards: served by the one that gets an entry.
    w.cmd(&[
        b"XREAD",
        b"COUNT",
        b"5",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b(&k[0]),
        b(&k[1]),
        b"$",
        b"$",
    ]);
    wait_blocked(&srv, 1);
    c.roundtrip(
        &[b"XADD", b(&k[1]), b"5-5", b"a", b"b"],
        bulk("5-5").as_bytes(),
    );
    w.expect(&xread_reply(&k[1], "5-5", "a", "b"));
    // An explicit id that has entries after it answers at once; a timeout
    // is a null array; without BLOCK nothing waits.
    w.roundtrip(
        &[b"XREAD", b"BLOCK", b"0", b"STREAMS", b(&k[0]), b"1-1"],
        &xread_reply(&k[0], "2-1", "f", "v"),
    );
    w.roundtrip(
        &[b"XREAD", b"BLOCK", b"50", b"STREAMS", b(&k[0]), b"$"],
        b"*-1\r\n",
    );
    w.roundtrip(&[b"XREAD", b"STREAMS", b(&k[0]), b"2-1"], b"*-1\r\n");
    w.roundtrip(
        &[b"XREAD", b"BLOCK", b"-1", b"STREAMS", b(&k[0]), b"$"],
        b"-ERR timeout is negative\r\n",
    );
    // Consumer groups: `>` waits for entries never delivered to the group.
    c.roundtrip(&[b"XGROUP", b"CREATE", b(&k[0]), b"g", b"$"], b"+OK\r\n");
    w.cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"alice",
        b"BLOCK",
        b"0",
        b"STREAMS",
        b(&k[0]),
        b">",
    ]);
    wait_blocked(&srv, 1);
    c.roundtrip(
        &[b"XADD", b(&k[0]), b"3-1", b"job", b"1"],
        bulk("3-1").as_bytes(),
    );
    w.expect(&xread_reply(&k[0], "3-1", "job", "1"));
    c.send(&encode(&[b"XPENDING", b(&k[0]), b"g"]));
    let pending = String::from_utf8(c.read_reply()).unwrap();
    assert!(
        pending.starts_with("*4\r\n:1\r\n$3\r\n3-1\r\n$3\r\n3-1\r\n"),
        "{pending}"
    );
    // Inside MULTI it does not block.
    w.roundtrip(&[b"MULTI"], b"+OK\r\n");
    w.roundtrip(
        &[b"XREAD", b"BLOCK", b"0", b"STREAMS", b(&k[0]), b"$"],
        b"+QUEUED\r\n",
    );
    w.roundtrip(&[b"EXEC"], b"*1\r\n*-1\r\n");
}

#[test]
fn waits_belong_to_their_database() {
    let srv = TestServer::start();
    let mut w = srv.raw();
    let mut c = srv.raw();
    w.roundtrip(&[b"SELECT", b"3"], b"+OK\r\n");
    w.cmd(&[b"BLPOP", b"q", b"0"]);
    wait_blocked(&srv, 1);
    // The same key name in another database serves nobody.
    c.roundtrip(&[b"RPUSH", b"q", b"db0"], b":1\r\n");
    c.roundtrip(&[b"SELECT", b"3"], b"+OK\r\n");
    c.roundtrip(&[b"RPUSH", b"q", b"db3"], b":1\r\n");
    w.expect(&arr(&["q", "db3"]));
    c.roundtrip(&[b"SELECT", b"0"], b"+OK\r\n");
    c.roundtrip(&[b"LRANGE", b"q", b"0", b"-1"], &arr(&["db0"]));
    // A blocked client does not keep the server from shutting down.
    w.cmd(&[b"BLPOP", b"q2", b"0"]);
    wait_blocked(&srv, 1);
    srv.stop();
    assert!(w.closed());
}
