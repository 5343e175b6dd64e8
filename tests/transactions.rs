//! MULTI/EXEC/WATCH semantics and the isolation of multi-shard commands,
//! against a 4-shard server: exact replies for the rules, and concurrent
//! clients for atomicity (a total that never changes, counters that end
//! exact, readers that never see half of a write).

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use redis::Value;

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[test]
fn multi_exec_basics() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let mut r = srv.raw();
    r.roundtrip(&[b"EXEC"], b"-ERR EXEC without MULTI\r\n");
    r.roundtrip(&[b"DISCARD"], b"-ERR DISCARD without MULTI\r\n");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"MULTI"], b"-ERR MULTI calls can not be nested\r\n");
    r.roundtrip(
        &[b"WATCH", b"x"],
        b"-ERR WATCH inside MULTI is not allowed\r\n",
    );
    r.roundtrip(&[b"SET", k[0].as_bytes(), b"1"], b"+QUEUED\r\n");
    r.roundtrip(&[b"INCR", k[1].as_bytes()], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"MSET", k[2].as_bytes(), b"a", k[3].as_bytes(), b"b"],
        b"+QUEUED\r\n",
    );
    r.roundtrip(
        &[
            b"MGET",
            k[0].as_bytes(),
            k[1].as_bytes(),
            k[2].as_bytes(),
            k[3].as_bytes(),
        ],
        b"+QUEUED\r\n",
    );
    r.roundtrip(
        &[b"EXEC"],
        b"*4\r\n+OK\r\n:1\r\n+OK\r\n*4\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    // A queue-time error aborts the whole block; nothing runs.
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"SET", k[0].as_bytes(), b"2"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"NOSUCHCMD"],
        b"-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n",
    );
    r.roundtrip(
        &[b"GET"],
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
    r.roundtrip(
        &[b"EXEC"],
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    r.roundtrip(&[b"GET", k[0].as_bytes()], b"$1\r\n1\r\n");
    // A run-time error fails only its command; MSET's odd arguments are one.
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"LPUSH", k[0].as_bytes(), b"x"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"MSET", k[1].as_bytes(), b"v", k[2].as_bytes()],
        b"+QUEUED\r\n",
    );
    r.roundtrip(&[b"SET", k[3].as_bytes(), b"z"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"EXEC"],
        b"*3\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR wrong number of arguments for 'mset' command\r\n+OK\r\n",
    );
    // DISCARD drops the queue.
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"SET", k[3].as_bytes(), b"discarded"], b"+QUEUED\r\n");
    r.roundtrip(&[b"DISCARD"], b"+OK\r\n");
    r.roundtrip(&[b"GET", k[3].as_bytes()], b"$1\r\nz\r\n");
    // Not allowed inside a transaction: refused and the block aborted.
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(
        &[b"SHUTDOWN"],
        b"-ERR Command not allowed inside a transaction\r\n",
    );
    r.roundtrip(
        &[b"EXEC"],
        b"-EXECABORT Transaction discarded because of previous errors.\r\n",
    );
    // An empty block.
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*0\r\n");
}

#[test]
fn exec_follows_select_and_runs_keyless_commands() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let k = keys_on_distinct_shards(4);
    for key in &k {
        q(&mut c, &["SET", key, "db0"]);
    }
    let mut r = srv.raw();
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"SELECT", b"3"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"MSET", k[0].as_bytes(), b"a", k[1].as_bytes(), b"b"],
        b"+QUEUED\r\n",
    );
    r.roundtrip(&[b"DBSIZE"], b"+QUEUED\r\n");
    r.roundtrip(&[b"SELECT", b"0"], b"+QUEUED\r\n");
    r.roundtrip(&[b"DBSIZE"], b"+QUEUED\r\n");
    r.roundtrip(&[b"FLUSHDB"], b"+QUEUED\r\n");
    r.roundtrip(&[b"DBSIZE"], b"+QUEUED\r\n");
    r.roundtrip(
        &[b"EXEC"],
        b"*7\r\n+OK\r\n+OK\r\n:2\r\n+OK\r\n:4\r\n+OK\r\n:0\r\n",
    );
    q(&mut c, &["SELECT", "3"]);
    assert_eq!(
        q(&mut c, &["MGET", &k[0], &k[1]]),
        Value::Array(vec![bulk("a"), bulk("b")])
    );
}

#[test]
fn watch_rules() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let (a, b) = (k[0].as_bytes(), k[1].as_bytes());
    let mut r = srv.raw();
    let mut other = srv.client();

    // Untouched: EXEC runs.
    r.roundtrip(&[b"WATCH", a, b], b"+OK\r\n");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"SET", a, b"1"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*1\r\n+OK\r\n");

    // Touched by another client on another shard: nil, nothing runs.
    r.roundtrip(&[b"WATCH", a, b], b"+OK\r\n");
    q(&mut other, &["SET", &k[1], "x"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"SET", a, b"2"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*-1\r\n");
    r.roundtrip(&[b"GET", a], b"$1\r\n1\r\n");
    // After EXEC nothing is watched any more.
    q(&mut other, &["SET", &k[1], "y"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*0\r\n");

    // Each way of changing a watched key fails the transaction.
    let changes: &[&[&str]] = &[
        &["DEL", &k[0]],
        &["EXPIRE", &k[0], "100"],
        &["RENAME", &k[0], &k[2]],
        &["RENAME", &k[2], &k[0]],
        &["INCR", &k[0]],
        &["FLUSHALL"],
        &["MSET", &k[3], "1", &k[0], "2"],
    ];
    for change in changes {
        q(&mut other, &["SET", &k[0], "5"]);
        q(&mut other, &["SET", &k[2], "6"]);
        r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
        q(&mut other, change);
        r.roundtrip(&[b"MULTI"], b"+OK\r\n");
        r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
        let got = {
            r.cmd(&[b"EXEC"]);
            r.read_reply()
        };
        assert_eq!(got, b"*-1\r\n", "{change:?} must fail EXEC");
    }

    // A write that changes nothing is no change (DEL of a missing key).
    q(&mut other, &["DEL", &k[0]]);
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    q(&mut other, &["DEL", &k[0]]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*1\r\n+PONG\r\n");

    // UNWATCH and DISCARD forget the watched keys.
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    r.roundtrip(&[b"UNWATCH"], b"+OK\r\n");
    q(&mut other, &["SET", &k[0], "7"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*0\r\n");
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    q(&mut other, &["SET", &k[0], "8"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"DISCARD"], b"+OK\r\n");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*0\r\n");

    // WATCH remembers the db of the key.
    r.roundtrip(&[b"SELECT", b"1"], b"+OK\r\n");
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    q(&mut other, &["SET", &k[0], "db0 write"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*0\r\n");
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    q(&mut other, &["SWAPDB", "0", "1"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*-1\r\n");

    // RESP3: the aborted EXEC is a null.
    r.roundtrip(&[b"SELECT", b"0"], b"+OK\r\n");
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    r.roundtrip(&[b"WATCH", a], b"+OK\r\n");
    q(&mut other, &["SET", &k[0], "9"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"_\r\n");
}

#[test]
fn watch_and_expiry() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut c = srv.client();
    q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    // A key alive at WATCH that expires before EXEC fails it, deleted or not.
    q(&mut c, &["SET", "x", "1", "PX", "50"]);
    r.roundtrip(&[b"WATCH", b"x"], b"+OK\r\n");
    thread::sleep(Duration::from_millis(80));
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*-1\r\n");
    // A key already expired at WATCH is no change: not when it is deleted
    // lazily, nor by a flush.
    q(&mut c, &["SET", "y", "1", "PX", "1"]);
    thread::sleep(Duration::from_millis(5));
    r.roundtrip(&[b"WATCH", b"y"], b"+OK\r\n");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*1\r\n+PONG\r\n");
    q(&mut c, &["SET", "y", "1", "PX", "1"]);
    thread::sleep(Duration::from_millis(5));
    r.roundtrip(&[b"WATCH", b"y"], b"+OK\r\n");
    r.roundtrip(&[b"EXISTS", b"y"], b":0\r\n");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*1\r\n+PONG\r\n");
    q(&mut c, &["SET", "y", "1", "PX", "1"]);
    thread::sleep(Duration::from_millis(5));
    r.roundtrip(&[b"WATCH", b"y"], b"+OK\r\n");
    q(&mut c, &["FLUSHDB"]);
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+QUEUED\r\n");
    r.roundtrip(&[b"EXEC"], b"*1\r\n+PONG\r\n");
    // Active expiry deleting a watched live key is a change.
    q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    q(&mut c, &["SET", "z", "1", "PX", "30"]);
    r.roundtrip(&[b"WATCH", b"z"], b"+OK\r\n");
    let mut gone = false;
    for _ in 0..200 {
        if q(&mut c, &["DBSIZE"]) == Value::Int(0) {
            gone = true;
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    assert!(gone, "active expiry removed z");
    r.roundtrip(&[b"MULTI"], b"+OK\r\n");
    r.roundtrip(&[b"EXEC"], b"*-1\r\n");
}

#[test]
fn cross_shard_commands_are_atomic_for_readers() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let stop = Arc::new(AtomicBool::new(false));
    let mut w = srv.client();
    let args: Vec<String> = k.iter().flat_map(|key| [key.clone(), "0".into()]).collect();
    let mut mset = redis::cmd("MSET");
    mset.arg(&args);
    let _: () = mset.query(&mut w).expect("mset");
    q(&mut w, &["SET", "mover", "v"]);
    let reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, reads, k) = (stop.clone(), reads.clone(), k.clone());
            let mut c = srv.client();
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let v: Vec<String> = redis::cmd("MGET").arg(&k).query(&mut c).expect("mget");
                    assert!(v.iter().all(|x| *x == v[0]), "MGET saw half an MSET: {v:?}");
                    // RENAME between two shards: exactly one of the names exists.
                    let n: i64 = redis::cmd("EXISTS")
                        .arg("mover")
                        .arg("mover:elsewhere")
                        .query(&mut c)
                        .expect("exists");
                    assert_eq!(n, 1, "RENAME seen half done");
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    assert_ne!(
        ringkv::slot::shard_of(b"mover", SHARDS),
        ringkv::slot::shard_of(b"mover:elsewhere", SHARDS)
    );
    for i in 1..=1500 {
        let args: Vec<String> = k
            .iter()
            .flat_map(|key| [key.clone(), i.to_string()])
            .collect();
        let _: () = redis::cmd("MSET").arg(&args).query(&mut w).expect("mset");
        let (from, to) = if i % 2 == 1 {
            ("mover", "mover:elsewhere")
        } else {
            ("mover:elsewhere", "mover")
        };
        q(&mut w, &["RENAME", from, to]);
    }
    stop.store(true, Ordering::Relaxed);
    for t in readers {
        t.join().expect("reader");
    }
    eprintln!(
        "atomic readers: {} consistent reads",
        reads.load(Ordering::Relaxed)
    );
    assert!(reads.load(Ordering::Relaxed) > 0);
}

const ACCOUNTS: usize = 8;
const START: i64 = 1000;

/// One transfer of `amount` from account `a` to `b`, alternating between a
/// MULTI/EXEC of DECRBY/INCRBY and a WATCH + MSET check-and-set (retried
/// until EXEC goes through). Returns the EXEC attempts it took.
fn transfer(
    c: &mut redis::Connection,
    keys: &[String],
    a: usize,
    b: usize,
    amount: i64,
    cas: bool,
) -> u64 {
    if !cas {
        let v: Vec<i64> = redis::pipe()
            .atomic()
            .cmd("DECRBY")
            .arg(&keys[a])
            .arg(amount)
            .cmd("INCRBY")
            .arg(&keys[b])
            .arg(amount)
            .query(c)
            .expect("multi/exec transfer");
        assert_eq!(v.len(), 2);
        return 1;
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        let _: () = redis::cmd("WATCH")
            .arg(&keys[a])
            .arg(&keys[b])
            .query(c)
            .expect("watch");
        let (va, vb): (i64, i64) = redis::cmd("MGET")
            .arg(&keys[a])
            .arg(&keys[b])
            .query(c)
            .expect("mget");
        let r: Option<((),)> = redis::pipe()
            .atomic()
            .cmd("MSET")
            .arg(&keys[a])
            .arg(va - amount)
            .arg(&keys[b])
            .arg(vb + amount)
            .query(c)
            .expect("cas transfer");
        if r.is_some() {
            return attempts;
        }
    }
}

#[test]
fn transfers_between_shards_keep_the_total() {
    let srv = TestServer::start();
    let keys: Vec<String> = (0..ACCOUNTS).map(|i| format!("account:{i}")).collect();
    let shards: std::collections::HashSet<usize> = keys
        .iter()
        .map(|k| ringkv::slot::shard_of(k.as_bytes(), SHARDS))
        .collect();
    assert!(shards.len() >= 3, "accounts spread over shards");
    let mut c = srv.client();
    for k in &keys {
        q(&mut c, &["SET", k, &START.to_string()]);
    }
    let total = START * ACCOUNTS as i64;
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let readers: Vec<_> = (0..2)
        .map(|n| {
            let (stop, reads, keys) = (stop.clone(), reads.clone(), keys.clone());
            let mut c = srv.client();
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let v: Vec<i64> = if n == 0 {
                        redis::cmd("MGET").arg(&keys).query(&mut c).expect("mget")
                    } else {
                        let mut p = redis::pipe();
                        p.atomic();
                        for k in &keys {
                            p.cmd("GET").arg(k);
                        }
                        p.query(&mut c).expect("exec read")
                    };
                    assert_eq!(
                        v.iter().sum::<i64>(),
                        total,
                        "a read saw a transfer half done: {v:?}"
                    );
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    const CLIENTS: usize = 6;
    const TRANSFERS: usize = 150;
    let writers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let keys = keys.clone();
            let mut c = srv.client();
            thread::spawn(move || {
                let mut delta = [0i64; ACCOUNTS];
                let mut attempts = 0;
                let mut seed = 0x9e37_79b9u64 ^ (w as u64 * 7919);
                for i in 0..TRANSFERS {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let a = (seed % ACCOUNTS as u64) as usize;
                    let b = (a + 1 + (seed >> 8) as usize % (ACCOUNTS - 1)) % ACCOUNTS;
                    let amount = 1 + (seed >> 20) as i64 % 50;
                    attempts += transfer(&mut c, &keys, a, b, amount, i % 2 == 1);
                    delta[a] -= amount;
                    delta[b] += amount;
                }
                (delta, attempts)
            })
        })
        .collect();
    let mut expected = [START; ACCOUNTS];
    let mut attempts = 0;
    for t in writers {
        let (delta, n) = t.join().expect("writer");
        for (e, d) in expected.iter_mut().zip(delta) {
            *e += d;
        }
        attempts += n;
    }
    stop.store(true, Ordering::Relaxed);
    for t in readers {
        t.join().expect("reader");
    }
    let v: Vec<i64> = redis::cmd("MGET").arg(&keys).query(&mut c).expect("mget");
    assert_eq!(v, expected.to_vec(), "every transfer applied exactly once");
    assert_eq!(v.iter().sum::<i64>(), total);
    eprintln!(
        "transfers: {} done ({} EXEC attempts), {} consistent reads",
        CLIENTS * TRANSFERS,
        attempts,
        reads.load(Ordering::Relaxed)
    );
}

#[test]
fn watch_increments_from_many_clients_are_exact() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(2);
    const CLIENTS: usize = 8;
    const INCREMENTS: usize = 60;
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let k = k.clone();
            let mut c = srv.client();
            thread::spawn(move || {
                let mut attempts = 0u64;
                for _ in 0..INCREMENTS {
                    loop {
                        attempts += 1;
                        let _: () = redis::cmd("WATCH").arg(&k).query(&mut c).expect("watch");
                        let (a, b): (Option<i64>, Option<i64>) =
                            redis::cmd("MGET").arg(&k).query(&mut c).expect("mget");
                        let r: Option<((), ())> = redis::pipe()
                            .atomic()
                            .cmd("SET")
                            .arg(&k[0])
                            .arg(a.unwrap_or(0) + 1)
                            .cmd("SET")
                            .arg(&k[1])
                            .arg(b.unwrap_or(0) + 1)
                            .query(&mut c)
                            .expect("exec");
                        if r.is_some() {
                            break;
                        }
                    }
                }
                attempts
            })
        })
        .collect();
    let attempts: u64 = workers.into_iter().map(|t| t.join().expect("worker")).sum();
    let mut c = srv.client();
    let want = (CLIENTS * INCREMENTS).to_string();
    assert_eq!(
        q(&mut c, &["MGET", &k[0], &k[1]]),
        Value::Array(vec![bulk(&want), bulk(&want)])
    );
    eprintln!("watch increments: {want} done in {attempts} EXEC attempts");
}

#[test]
fn pipelined_cross_shard_commands_keep_their_order() {
    let srv = TestServer::start();
    let k = keys_on_distinct_shards(4);
    let mut c = srv.client();
    let mut p = redis::pipe();
    let mut want = Vec::new();
    for i in 0..40 {
        let v = i.to_string();
        p.cmd("MSET")
            .arg(&k[0])
            .arg(&v)
            .arg(&k[1])
            .arg(&v)
            .arg(&k[2])
            .arg(&v);
        want.push(Value::Okay);
        p.cmd("MGET").arg(&k[2]).arg(&k[1]).arg(&k[0]).arg(&k[3]);
        want.push(Value::Array(vec![bulk(&v), bulk(&v), bulk(&v), Value::Nil]));
        if i % 3 == 0 {
            // A single-shard command between the cross-shard ones.
            p.cmd("INCR").arg(&k[1]);
            want.push(Value::Int(i + 1));
            p.cmd("EXISTS").arg(&k[0]).arg(&k[1]).arg(&k[3]);
            want.push(Value::Int(2));
        }
        if i % 5 == 0 {
            p.cmd("DEL").arg(&k[0]).arg(&k[3]);
            want.push(Value::Int(1));
            p.cmd("MGET").arg(&k[0]).arg(&k[2]);
            want.push(Value::Array(vec![Value::Nil, bulk(&v)]));
        }
    }
    let got: Vec<Value> = p.query(&mut c).expect("pipeline");
    assert_eq!(got, want);
}
