//! Expiry commands: exact replies and errors, lazy and active expiry, and a
//! mass expiry that must not stall the server.

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

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn args<'a>(a: &'a [&'a str]) -> Vec<&'a [u8]> {
    a.iter().map(|s| s.as_bytes()).collect()
}

fn rt(r: &mut Raw, a: &[&str], expected: &str) {
    r.roundtrip(&args(a), expected.as_bytes());
}

/// Sends a command and reads an integer reply.
fn int(r: &mut Raw, a: &[&str]) -> i64 {
    r.cmd(&args(a));
    let reply = r.read_reply();
    let text = String::from_utf8_lossy(&reply);
    text.strip_prefix(':')
        .and_then(|t| t.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("{a:?} -> {text:?}"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Polls `f` every few ms until it holds or `limit` passes.
fn eventually(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f()
}

#[test]
fn expire_options_and_errors() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["EXPIRE", "nosuch", "10"], ":0\r\n");
    rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
    rt(
        &mut r,
        &["EXPIRE", "k", "abc"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(
        &mut r,
        &["EXPIRE", "k", "10", "foo"],
        "-ERR Unsupported option foo\r\n",
    );
    // Options are checked before the time.
    rt(
        &mut r,
        &["EXPIRE", "k", "abc", "Bar"],
        "-ERR Unsupported option Bar\r\n",
    );
    let nx_err = "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n";
    rt(&mut r, &["EXPIRE", "k", "10", "NX", "XX"], nx_err);
    rt(&mut r, &["EXPIRE", "k", "10", "nx", "gt"], nx_err);
    rt(&mut r, &["PEXPIRE", "k", "10", "lt", "nx"], nx_err);
    rt(
        &mut r,
        &["EXPIRE", "k", "10", "GT", "LT"],
        "-ERR GT and LT options at the same time are not compatible\r\n",
    );
    rt(
        &mut r,
        &["EXPIRE", "k"],
        "-ERR wrong number of arguments for 'expire' command\r\n",
    );
    rt(
        &mut r,
        &["EXPIRE", "k", "9223372036854776"],
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    rt(
        &mut r,
        &["EXPIRE", "k", "-9223372036854776"],
        "-ERR invalid expire time in 'expire' command\r\n",
    );
    rt(
        &mut r,
        &["PEXPIRE", "k", "9223372036854775807"],
        "-ERR invalid expire time in 'pexpire' command\r\n",
    );
    rt(
        &mut r,
        &["EXPIREAT", "k", "9223372036854776"],
        "-ERR invalid expire time in 'expireat' command\r\n",
    );
    rt(&mut r, &["TTL", "k"], ":-1\r\n");

    // XX / GT need an expiry; a persistent key is an infinite TTL, so LT wins.
    rt(&mut r, &["EXPIRE", "k", "100", "XX"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "100", "GT"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "100", "LT"], ":1\r\n");
    rt(&mut r, &["TTL", "k"], ":100\r\n");
    rt(&mut r, &["EXPIRE", "k", "200", "NX"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "50", "GT"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "200", "gt"], ":1\r\n");
    rt(&mut r, &["EXPIRE", "k", "300", "LT"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "150", "xx", "lt"], ":1\r\n");
    rt(&mut r, &["TTL", "k"], ":150\r\n");
    rt(&mut r, &["PERSIST", "k"], ":1\r\n");
    rt(&mut r, &["PERSIST", "k"], ":0\r\n");
    rt(&mut r, &["PERSIST", "nosuch"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "100", "NX"], ":1\r\n");

    // Far-future times are kept as given.
    rt(&mut r, &["PEXPIREAT", "k", "9223372036854775807"], ":1\r\n");
    rt(&mut r, &["PEXPIRETIME", "k"], ":9223372036854775807\r\n");
    rt(&mut r, &["EXPIREAT", "k", "9223372036854775"], ":1\r\n");
    rt(&mut r, &["EXPIRETIME", "k"], ":9223372036854775\r\n");
    rt(&mut r, &["PEXPIRETIME", "k"], ":9223372036854775000\r\n");
}

#[test]
fn times_in_the_past_delete() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    for (cmd, t) in [
        ("EXPIRE", "-1"),
        ("PEXPIRE", "0"),
        ("EXPIREAT", "1"),
        ("PEXPIREAT", "-5"),
    ] {
        rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
        rt(&mut r, &[cmd, "k", t], ":1\r\n");
        rt(&mut r, &["EXISTS", "k"], ":0\r\n");
    }
    let past = (now_ms() - 5000).to_string();
    rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
    rt(&mut r, &["PEXPIREAT", "k", &past], ":1\r\n");
    rt(&mut r, &["GET", "k"], "$-1\r\n");
    // GT on a persistent key never passes, even with a time in the past.
    rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
    rt(&mut r, &["EXPIRE", "k", "-5", "GT"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "-5", "XX"], ":0\r\n");
    rt(&mut r, &["EXPIRE", "k", "-5", "LT"], ":1\r\n");
    rt(&mut r, &["EXISTS", "k"], ":0\r\n");
    rt(&mut r, &["DBSIZE"], ":0\r\n");
}

#[test]
fn ttl_pttl_expiretime() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        rt(&mut r, &[cmd, "nosuch"], ":-2\r\n");
    }
    rt(&mut r, &["SET", "k", "v"], "+OK\r\n");
    for cmd in ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"] {
        rt(&mut r, &[cmd, "k"], ":-1\r\n");
    }
    rt(
        &mut r,
        &["TTL"],
        "-ERR wrong number of arguments for 'ttl' command\r\n",
    );
    rt(
        &mut r,
        &["PTTL", "a", "b"],
        "-ERR wrong number of arguments for 'pttl' command\r\n",
    );
    rt(
        &mut r,
        &["PERSIST"],
        "-ERR wrong number of arguments for 'persist' command\r\n",
    );
    // Rounding: (ms + 500) / 1000.
    rt(&mut r, &["PEXPIRE", "k", "100000"], ":1\r\n");
    let pttl = int(&mut r, &["PTTL", "k"]);
    assert!((99_000..=100_000).contains(&pttl), "{pttl}");
    rt(&mut r, &["PEXPIRE", "k", "1600"], ":1\r\n");
    rt(&mut r, &["TTL", "k"], ":2\r\n");
    rt(&mut r, &["PEXPIRE", "k", "1400"], ":1\r\n");
    rt(&mut r, &["TTL", "k"], ":1\r\n");
    rt(&mut r, &["PEXPIRE", "k", "300"], ":1\r\n");
    rt(&mut r, &["TTL", "k"], ":0\r\n");
    let at = now_ms() + 1_000_000;
    rt(&mut r, &["PEXPIREAT", "k", &at.to_string()], ":1\r\n");
    assert_eq!(int(&mut r, &["PEXPIRETIME", "k"]), at);
    assert_eq!(int(&mut r, &["EXPIRETIME", "k"]), (at + 500) / 1000);
    let secs = now_ms() / 1000 + 5000;
    rt(&mut r, &["EXPIREAT", "k", &secs.to_string()], ":1\r\n");
    assert_eq!(int(&mut r, &["EXPIRETIME", "k"]), secs);
    assert_eq!(int(&mut r, &["PEXPIRETIME", "k"]), secs * 1000);
    // SET replaces the expiry.
    rt(&mut r, &["SET", "k", "v2"], "+OK\r\n");
    rt(&mut r, &["TTL", "k"], ":-1\r\n");
}

#[test]
fn short_ttl_expires_lazily_and_actively() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(4);
    rt(&mut r, &["SET", "lazy", "v"], "+OK\r\n");
    rt(&mut r, &["PEXPIRE", "lazy", "50"], ":1\r\n");
    rt(&mut r, &["GET", "lazy"], "$1\r\nv\r\n");
    for key in &k {
        rt(&mut r, &["SET", key, "v"], "+OK\r\n");
        rt(&mut r, &["PEXPIRE", key, "50"], ":1\r\n");
    }
    rt(&mut r, &["DBSIZE"], ":5\r\n");
    let gone = eventually(Duration::from_secs(2), || {
        r.cmd(&args(&["GET", "lazy"]));
        r.read_reply() == b"$-1\r\n"
    });
    assert!(gone, "GET still returns a key 2 s after its 50 ms TTL");
    let gone = eventually(Duration::from_secs(2), || int(&mut r, &["DBSIZE"]) == 0);
    assert!(gone, "active expiry did not empty the db within 2 s");
    rt(&mut r, &["EXISTS", &k[0], &k[1], &k[2], &k[3]], ":0\r\n");
}

#[test]
fn mass_expiry_keeps_answering() {
    const N: usize = 100_000;
    let srv = TestServer::start();
    let mut c = client(&srv);
    for chunk in 0..10 {
        let mut pipe = redis::pipe();
        for i in chunk * N / 10..(chunk + 1) * N / 10 {
            pipe.cmd("SET")
                .arg(format!("mass:{i}"))
                .arg("v")
                .arg("PX")
                .arg(100 + i % 201)
                .ignore();
        }
        pipe.query::<()>(&mut c)
            .unwrap_or_else(|e| panic!("SET PX pipeline {chunk} of 10: {e}"));
    }
    let mut ping = srv.raw();
    let mut worst = Duration::ZERO;
    let start = Instant::now();
    let mut size = i64::MAX;
    while start.elapsed() < Duration::from_secs(10) {
        let t = Instant::now();
        ping.roundtrip(&[b"PING"], b"+PONG\r\n");
        worst = worst.max(t.elapsed());
        size = int(&mut ping, &["DBSIZE"]);
        if size == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let took = start.elapsed();
    println!(
        "mass expiry: {N} keys gone in {took:?} after the last write; worst PING latency {worst:?}"
    );
    assert_eq!(size, 0, "keys left after {took:?}");
    assert!(took < Duration::from_secs(5), "mass expiry took {took:?}");
    assert!(worst < Duration::from_secs(2), "PING stalled for {worst:?}");
}
