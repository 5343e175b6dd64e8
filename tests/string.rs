//! The string family through the wire: exact reply bytes (raw RESP) and the
//! `redis` crate, with 4 shards so multi-key commands cross shards.
mod common;
use common::*;

use redis::Value;

/// Sends a space-separated command (`''` is an empty argument) and asserts the reply bytes.
fn rt(r: &mut Raw, cmd: &str, expected: &str) {
    let args: Vec<&[u8]> = cmd
        .split(' ')
        .map(|a| if a == "''" { &b""[..] } else { a.as_bytes() })
        .collect();
    r.cmd(&args);
    let got = r.read_reply();
    assert_eq!(String::from_utf8_lossy(&got), expected, "{cmd}");
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

fn err(s: &str) -> String {
    format!("-{s}\r\n")
}

const NIL: &str = "$-1\r\n";
const OK: &str = "+OK\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";

/// PTTL of `key`, or None while the keyspace family has no PTTL yet.
fn pttl(r: &mut Raw, key: &str) -> Option<i64> {
    r.cmd(&[b"PTTL", key.as_bytes()]);
    let got = String::from_utf8_lossy(&r.read_reply()).into_owned();
    got.strip_prefix(':')
        .and_then(|n| n.trim_end().parse().ok())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[test]
fn get_and_set() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "GET k", NIL);
    rt(&mut r, "SET k hello", OK);
    rt(&mut r, "GET k", &bulk("hello"));
    rt(&mut r, "SET k ''", OK);
    rt(&mut r, "GET k", "$0\r\n\r\n");
    r.roundtrip(&[b"SET", b"bin", b"a\r\n\0\xff"], b"+OK\r\n");
    r.roundtrip(&[b"GET", b"bin"], b"$5\r\na\r\n\0\xff\r\n");
    rt(&mut r, "SET n 12345", OK);
    rt(&mut r, "GET n", &bulk("12345"));
    rt(&mut r, "SET n -9223372036854775808", OK);
    rt(&mut r, "GET n", &bulk("-9223372036854775808"));
    rt(
        &mut r,
        "SET k",
        &err("ERR wrong number of arguments for 'set' command"),
    );
    rt(
        &mut r,
        "GET k x",
        &err("ERR wrong number of arguments for 'get' command"),
    );
    let mut c = srv.client();
    assert_eq!(q(&mut c, &["SET", "utf", "héllo wörld"]), Value::Okay);
    assert_eq!(
        q(&mut c, &["GET", "utf"]),
        Value::BulkString("héllo wörld".as_bytes().to_vec())
    );
    srv.stop();
}

#[test]
fn set_conditions_and_get_option() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "SET k v1 NX", OK);
    rt(&mut r, "SET k v2 NX", NIL);
    rt(&mut r, "GET k", &bulk("v1"));
    rt(&mut r, "SET k v3 XX", OK);
    rt(&mut r, "SET missing v XX", NIL);
    rt(&mut r, "GET missing", NIL);
    rt(&mut r, "set k v4 get", &bulk("v3"));
    rt(&mut r, "SET new v GET", NIL);
    rt(&mut r, "GET new", &bulk("v"));
    // NX with GET (allowed since 7.0): the old value, and nothing written.
    rt(&mut r, "SET k v5 NX GET", &bulk("v4"));
    rt(&mut r, "GET k", &bulk("v4"));
    rt(&mut r, "SET nx2 v NX GET", NIL);
    rt(&mut r, "GET nx2", &bulk("v"));
    rt(&mut r, "SET none v XX GET", NIL);
    rt(&mut r, "GET none", NIL);
    // Repeating an option is fine; the last expiry wins.
    rt(&mut r, "SET k v NX NX XX", SYNTAX);
    rt(&mut r, "SET k v GET GET", &bulk("v4"));
    srv.stop();
}

#[test]
fn set_option_errors() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    for bad in [
        "SET k v NX XX",
        "SET k v XX NX",
        "SET k v EX 10 PX 100",
        "SET k v PX 100 EX 10",
        "SET k v EX 10 EXAT 99999999999",
        "SET k v PXAT 99999999999999 EXAT 99999999999",
        "SET k v KEEPTTL EX 10",
        "SET k v EX 10 KEEPTTL",
        "SET k v KEEPTTL PXAT 99999999999999",
        "SET k v EX",
        "SET k v PX",
        "SET k v PERSIST",
        "SET k v FOO",
        "SET k v EX 10 FOO",
    ] {
        rt(&mut r, bad, SYNTAX);
    }
    let inv = err("ERR invalid expire time in 'set' command");
    for bad in [
        "SET k v EX 0",
        "SET k v EX -1",
        "SET k v PX 0",
        "SET k v PX -100",
        "SET k v EXAT 0",
        "SET k v PXAT -1",
        "SET k v EX 9223372036854775807",
        "SET k v PX 9223372036854775807",
        "SET k v EX 9223372036854776",
    ] {
        rt(&mut r, bad, &inv);
    }
    rt(&mut r, "SET k v EX abc", NOT_INT);
    rt(&mut r, "SET k v PX 1.5", NOT_INT);
    rt(&mut r, "SET k v EX 99999999999999999999", NOT_INT);
    // Nothing above wrote anything.
    rt(&mut r, "GET k", NIL);
    // The largest absolute times are accepted.
    rt(&mut r, "SET k v EXAT 9223372036854775", OK);
    rt(&mut r, "SET k v PXAT 9223372036854775807", OK);
    rt(&mut r, "GET k", &bulk("v"));
    srv.stop();
}

#[test]
fn set_expiry_options() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    // Absolute times in the past: written, then gone on the next access.
    rt(&mut r, "SET k v PXAT 1", OK);
    rt(&mut r, "GET k", NIL);
    rt(&mut r, "SET k v EXAT 1", OK);
    rt(&mut r, "GET k", NIL);
    // An expired key is a missing key for NX / XX / GET.
    rt(&mut r, "SET k v PXAT 1", OK);
    rt(&mut r, "SET k v2 XX", NIL);
    rt(&mut r, "SET k v PXAT 1", OK);
    rt(&mut r, "SET k v2 NX GET", NIL);
    rt(&mut r, "GET k", &bulk("v2"));
    let future = now_ms() + 100_000_000;
    rt(&mut r, &format!("SET k v PXAT {future}"), OK);
    rt(&mut r, "GET k", &bulk("v"));

    // The TTLs themselves, when PTTL exists.
    if pttl(&mut r, "k").is_none() {
        eprintln!("PTTL not available yet: TTL values of SET options not checked here (unit tests cover them)");
        srv.stop();
        return;
    }
    let t = pttl(&mut r, "k").unwrap_or(0);
    assert!(t > 99_000_000 && t <= 100_000_000, "PXAT: {t}");
    rt(&mut r, "SET k v2 KEEPTTL", OK);
    let t = pttl(&mut r, "k").unwrap_or(0);
    assert!(t > 99_000_000, "KEEPTTL keeps it: {t}");
    rt(&mut r, "APPEND k x", ":3\r\n");
    rt(&mut r, "SETRANGE k 0 y", ":3\r\n");
    assert!(
        pttl(&mut r, "k").unwrap_or(0) > 99_000_000,
        "APPEND/SETRANGE keep it"
    );
    rt(&mut r, "SET k v", OK);
    assert_eq!(pttl(&mut r, "k"), Some(-1), "a plain SET clears it");
    rt(&mut r, "SET k v EX 100", OK);
    let t = pttl(&mut r, "k").unwrap_or(0);
    assert!(t > 99_000 && t <= 100_000, "EX: {t}");
    rt(&mut r, "SET k v PX 5000", OK);
    let t = pttl(&mut r, "k").unwrap_or(0);
    assert!(t > 4_000 && t <= 5_000, "PX: {t}");
    rt(&mut r, "INCR n", ":1\r\n");
    rt(&mut r, "SET n 5 PX 5000 GET", &bulk("1"));
    rt(&mut r, "INCRBY n 2", ":7\r\n");
    rt(&mut r, "INCRBYFLOAT n 0.5", &bulk("7.5"));
    assert!(
        pttl(&mut r, "n").unwrap_or(0) > 4_000,
        "INCR/INCRBYFLOAT keep it"
    );
    rt(&mut r, "GETSET n 1", &bulk("7.5"));
    assert_eq!(pttl(&mut r, "n"), Some(-1), "GETSET clears it");
    rt(&mut r, "SETEX s 100 v", OK);
    assert!(pttl(&mut r, "s").unwrap_or(0) > 99_000);
    rt(&mut r, "PSETEX s 2500 v", OK);
    let t = pttl(&mut r, "s").unwrap_or(0);
    assert!(t > 1_500 && t <= 2_500, "PSETEX: {t}");
    rt(&mut r, "MSET s v", OK);
    assert_eq!(pttl(&mut r, "s"), Some(-1), "MSET clears it");
    srv.stop();
}

#[test]
fn set_get_on_wrong_type_is_refused() {
    // Only strings exist so far: the WRONGTYPE paths are covered by unit
    // tests once other types arrive; here, GET option order with errors.
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "SET k v", OK);
    // The expiry is validated before GET answers.
    rt(
        &mut r,
        "SET k w GET EX 0",
        &err("ERR invalid expire time in 'set' command"),
    );
    rt(&mut r, "SET k w GET EX x", NOT_INT);
    rt(&mut r, "GET k", &bulk("v"));
    srv.stop();
}

#[test]
fn getset_getdel_getex() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "GETSET k a", NIL);
    rt(&mut r, "GETSET k b", &bulk("a"));
    rt(&mut r, "GET k", &bulk("b"));
    rt(
        &mut r,
        "GETSET k",
        &err("ERR wrong number of arguments for 'getset' command"),
    );
    rt(&mut r, "GETDEL k", &bulk("b"));
    rt(&mut r, "GETDEL k", NIL);
    rt(&mut r, "GET k", NIL);
    rt(
        &mut r,
        "GETDEL a b",
        &err("ERR wrong number of arguments for 'getdel' command"),
    );

    rt(&mut r, "GETEX k", NIL);
    rt(&mut r, "SET k v", OK);
    rt(&mut r, "GETEX k", &bulk("v"));
    for ok in [
        "GETEX k EX 100",
        "GETEX k PX 100000",
        "GETEX k EXAT 99999999999",
        "GETEX k PXAT 99999999999999",
        "getex k persist",
    ] {
        rt(&mut r, ok, &bulk("v"));
    }
    for bad in [
        "GETEX k NX",
        "GETEX k XX",
        "GETEX k GET",
        "GETEX k KEEPTTL",
        "GETEX k EX 1 PERSIST",
        "GETEX k PERSIST PX 1",
        "GETEX k EX",
        "GETEX k FOO",
    ] {
        rt(&mut r, bad, SYNTAX);
    }
    let inv = err("ERR invalid expire time in 'getex' command");
    rt(&mut r, "GETEX k EX 0", &inv);
    rt(&mut r, "GETEX k PXAT -1", &inv);
    rt(&mut r, "GETEX k EX 9223372036854775807", &inv);
    rt(&mut r, "GETEX k EX x", NOT_INT);
    // A missing key answers nil before the expiry is looked at; syntax first.
    rt(&mut r, "GETEX nokey EX 0", NIL);
    rt(&mut r, "GETEX nokey FOO", SYNTAX);
    // An absolute time already past: the value, then the key is gone.
    rt(&mut r, "GETEX k PXAT 1", &bulk("v"));
    rt(&mut r, "GET k", NIL);
    rt(
        &mut r,
        "GETEX",
        &err("ERR wrong number of arguments for 'getex' command"),
    );

    if pttl(&mut r, "x").is_some() {
        rt(&mut r, "SET x v", OK);
        rt(&mut r, "GETEX x EX 100", &bulk("v"));
        let t = pttl(&mut r, "x").unwrap_or(0);
        assert!(t > 99_000 && t <= 100_000, "{t}");
        rt(&mut r, "GETEX x PERSIST", &bulk("v"));
        assert_eq!(pttl(&mut r, "x"), Some(-1));
        rt(&mut r, "GETEX x PX 3000", &bulk("v"));
        rt(&mut r, "GETEX x", &bulk("v"));
        assert!(
            pttl(&mut r, "x").unwrap_or(0) > 2_000,
            "plain GETEX keeps the TTL"
        );
    }
    srv.stop();
}

#[test]
fn setnx_setex_psetex() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "SETNX k a", ":1\r\n");
    rt(&mut r, "SETNX k b", ":0\r\n");
    rt(&mut r, "GET k", &bulk("a"));
    rt(&mut r, "SETEX k 100 v", OK);
    rt(&mut r, "GET k", &bulk("v"));
    rt(&mut r, "PSETEX k 100000 w", OK);
    rt(&mut r, "GET k", &bulk("w"));
    let setex = err("ERR invalid expire time in 'setex' command");
    let psetex = err("ERR invalid expire time in 'psetex' command");
    rt(&mut r, "SETEX k 0 v", &setex);
    rt(&mut r, "SETEX k -10 v", &setex);
    rt(&mut r, "SETEX k 9223372036854775807 v", &setex);
    rt(&mut r, "PSETEX k 0 v", &psetex);
    rt(&mut r, "PSETEX k 9223372036854775807 v", &psetex);
    rt(&mut r, "SETEX k x v", NOT_INT);
    rt(&mut r, "PSETEX k 1.5 v", NOT_INT);
    rt(&mut r, "GET k", &bulk("w"));
    rt(
        &mut r,
        "SETEX k 10",
        &err("ERR wrong number of arguments for 'setex' command"),
    );
    rt(
        &mut r,
        "SETNX k",
        &err("ERR wrong number of arguments for 'setnx' command"),
    );
    srv.stop();
}

#[test]
fn mget_mset_across_shards() {
    let srv = TestServer::start();
    let keys = keys_on_distinct_shards(4);
    let mut c = srv.client();
    let mut args = vec!["MSET"];
    let vals = ["v0", "v1", "v2", "v3"];
    for (k, v) in keys.iter().zip(vals) {
        args.push(k);
        args.push(v);
    }
    assert_eq!(q(&mut c, &args), Value::Okay);
    let mut get = vec!["MGET", "missing"];
    get.extend(keys.iter().map(|k| k.as_str()));
    get.push(&keys[0]);
    let want: Vec<Value> = std::iter::once(Value::Nil)
        .chain(
            vals.iter()
                .map(|v| Value::BulkString(v.as_bytes().to_vec())),
        )
        .chain(std::iter::once(Value::BulkString(b"v0".to_vec())))
        .collect();
    assert_eq!(q(&mut c, &get), Value::Array(want));

    let mut r = srv.raw();
    // Odd argument counts, on one shard and across shards: nothing written.
    rt(
        &mut r,
        "MSET {t}a 1 {t}b",
        &err("ERR wrong number of arguments for 'mset' command"),
    );
    rt(&mut r, "MGET {t}a", "*1\r\n$-1\r\n");
    rt(
        &mut r,
        "MSET",
        &err("ERR wrong number of arguments for 'mset' command"),
    );
    rt(
        &mut r,
        "MSET k",
        &err("ERR wrong number of arguments for 'mset' command"),
    );
    rt(
        &mut r,
        "MGET",
        &err("ERR wrong number of arguments for 'mget' command"),
    );
    // Later pairs win for a repeated key.
    rt(
        &mut r,
        &format!("MSET {} a {} b {} c", keys[0], keys[1], keys[0]),
        OK,
    );
    rt(
        &mut r,
        &format!("MGET {} {}", keys[0], keys[1]),
        "*2\r\n$1\r\nc\r\n$1\r\nb\r\n",
    );
    srv.stop();
}

#[test]
fn mset_odd_arguments_across_shards_write_nothing() {
    let srv = TestServer::start();
    let keys = keys_on_distinct_shards(2);
    let mut r = srv.raw();
    rt(
        &mut r,
        &format!("MSET {} x {}", keys[0], keys[1]),
        &err("ERR wrong number of arguments for 'mset' command"),
    );
    rt(
        &mut r,
        &format!("MGET {} {}", keys[0], keys[1]),
        "*2\r\n$-1\r\n$-1\r\n",
    );
    srv.stop();
}

#[test]
fn msetnx_one_shard_and_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "MSETNX {t}a 1 {t}b 2", ":1\r\n");
    rt(&mut r, "MSETNX {t}b 3 {t}c 4", ":0\r\n");
    rt(
        &mut r,
        "MGET {t}a {t}b {t}c",
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n",
    );
    rt(&mut r, "MSETNX {t}d 1 {t}d 2", ":1\r\n");
    rt(&mut r, "GET {t}d", &bulk("2"));

    let k = keys_on_distinct_shards(4);
    rt(
        &mut r,
        &format!("MSETNX {} a {} b {} c", k[0], k[1], k[2]),
        ":1\r\n",
    );
    rt(
        &mut r,
        &format!("MGET {} {} {}", k[0], k[1], k[2]),
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    // One existing key on one shard blocks the writes on all the others.
    rt(
        &mut r,
        &format!("MSETNX {} x {} y {} z", k[3], k[2], k[0]),
        ":0\r\n",
    );
    rt(
        &mut r,
        &format!("MGET {} {}", k[3], k[2]),
        "*2\r\n$-1\r\n$1\r\nc\r\n",
    );
    // An expired key does not count.
    rt(&mut r, &format!("SET {} old PXAT 1", k[1]), OK);
    rt(&mut r, &format!("MSETNX {} n1 {} n3", k[1], k[3]), ":1\r\n");
    rt(
        &mut r,
        &format!("MGET {} {}", k[1], k[3]),
        "*2\r\n$2\r\nn1\r\n$2\r\nn3\r\n",
    );

    let arity = err("ERR wrong number of arguments for 'msetnx' command");
    rt(&mut r, "MSETNX {t}x 1 {t}y", &arity);
    rt(&mut r, &format!("MSETNX {} 1 {}", k[0], k[1]), &arity);
    rt(&mut r, "MSETNX a", &arity);
    srv.stop();
}

#[test]
fn append_and_strlen() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "STRLEN k", ":0\r\n");
    rt(&mut r, "APPEND k Hello", ":5\r\n");
    rt(&mut r, "APPEND k ,World", ":11\r\n");
    rt(&mut r, "GET k", &bulk("Hello,World"));
    rt(&mut r, "STRLEN k", ":11\r\n");
    rt(&mut r, "APPEND k ''", ":11\r\n");
    rt(&mut r, "APPEND n 12", ":2\r\n");
    rt(&mut r, "APPEND n 34", ":4\r\n");
    rt(&mut r, "INCR n", ":1235\r\n");
    rt(&mut r, "STRLEN n", ":4\r\n");
    rt(&mut r, "SET n -100", OK);
    rt(&mut r, "STRLEN n", ":4\r\n");
    rt(&mut r, "APPEND e ''", ":0\r\n");
    rt(&mut r, "GET e", "$0\r\n\r\n");
    rt(&mut r, "SET x v PXAT 1", OK);
    rt(&mut r, "APPEND x w", ":1\r\n");
    rt(
        &mut r,
        "APPEND k",
        &err("ERR wrong number of arguments for 'append' command"),
    );
    rt(
        &mut r,
        "STRLEN",
        &err("ERR wrong number of arguments for 'strlen' command"),
    );
    srv.stop();
}

#[test]
fn incr_decr_family() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "INCR n", ":1\r\n");
    rt(&mut r, "INCR n", ":2\r\n");
    rt(&mut r, "DECR n", ":1\r\n");
    rt(&mut r, "INCRBY n 10", ":11\r\n");
    rt(&mut r, "INCRBY n -20", ":-9\r\n");
    rt(&mut r, "DECRBY n 1", ":-10\r\n");
    rt(&mut r, "DECRBY n -15", ":5\r\n");
    rt(&mut r, "GET n", &bulk("5"));
    rt(&mut r, "DECR fresh", ":-1\r\n");
    rt(&mut r, "INCRBY n x", NOT_INT);
    rt(&mut r, "INCRBY n 1.5", NOT_INT);
    rt(&mut r, "INCRBY n 9223372036854775808", NOT_INT);
    rt(
        &mut r,
        "DECRBY n -9223372036854775808",
        &err("ERR decrement would overflow"),
    );
    rt(
        &mut r,
        "DECRBY nokey -9223372036854775808",
        &err("ERR decrement would overflow"),
    );
    let overflow = err("ERR increment or decrement would overflow");
    rt(&mut r, "SET n 9223372036854775807", OK);
    rt(&mut r, "INCR n", &overflow);
    rt(&mut r, "INCRBY n 1", &overflow);
    rt(&mut r, "DECRBY n -1", &overflow);
    rt(&mut r, "SET n -9223372036854775808", OK);
    rt(&mut r, "DECR n", &overflow);
    rt(&mut r, "INCRBY n -1", &overflow);
    rt(&mut r, "INCRBY n 9223372036854775807", ":-1\r\n");
    for v in ["abc", "01", "+1", "1.0", "''", "99999999999999999999", "-0"] {
        rt(&mut r, &format!("SET s {v}"), OK);
        rt(&mut r, "INCR s", NOT_INT);
        rt(&mut r, "DECRBY s 1", NOT_INT);
    }
    rt(&mut r, "SET s v PXAT 1", OK);
    rt(&mut r, "INCR s", ":1\r\n");
    rt(
        &mut r,
        "INCR",
        &err("ERR wrong number of arguments for 'incr' command"),
    );
    rt(
        &mut r,
        "INCRBY n",
        &err("ERR wrong number of arguments for 'incrby' command"),
    );
    srv.stop();
}

#[test]
fn incrbyfloat() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "INCRBYFLOAT f 10.50", &bulk("10.5"));
    rt(&mut r, "INCRBYFLOAT f 0.1", &bulk("10.6"));
    rt(&mut r, "INCRBYFLOAT f -5", &bulk("5.6"));
    rt(&mut r, "SET f 5.0e3", OK);
    rt(&mut r, "INCRBYFLOAT f 2.0e2", &bulk("5200"));
    rt(&mut r, "GET f", &bulk("5200"));
    rt(&mut r, "INCRBYFLOAT f 1e10", &bulk("10000005200"));
    rt(&mut r, "SET f 3", OK);
    rt(&mut r, "INCRBYFLOAT f 1", &bulk("4"));
    rt(&mut r, "INCR f", ":5\r\n");
    rt(&mut r, "INCRBYFLOAT f abc", NOT_FLOAT);
    rt(&mut r, "INCRBYFLOAT f ''", NOT_FLOAT);
    rt(&mut r, "INCRBYFLOAT f nan", NOT_FLOAT);
    rt(
        &mut r,
        "INCRBYFLOAT f inf",
        &err("ERR increment would produce NaN or Infinity"),
    );
    rt(&mut r, "SET s abc", OK);
    rt(&mut r, "INCRBYFLOAT s 1", NOT_FLOAT);
    rt(&mut r, "GET f", &bulk("5"));
    rt(
        &mut r,
        "INCRBYFLOAT f",
        &err("ERR wrong number of arguments for 'incrbyfloat' command"),
    );
    srv.stop();
}

#[test]
fn getrange_and_substr() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "SET s Hello,World", OK);
    let e = "$0\r\n\r\n";
    for (range, want) in [
        ("0 4", "Hello"),
        ("-5 -1", "World"),
        ("0 -1", "Hello,World"),
        ("-100 100", "Hello,World"),
        ("0 0", "H"),
        ("-1 -1", "d"),
        ("3 -3", "lo,Wor"),
        ("-100 -50", "H"),
        ("10 100", "d"),
        ("0 -100", "H"),
        ("-100 0", "H"),
    ] {
        rt(&mut r, &format!("GETRANGE s {range}"), &bulk(want));
        rt(&mut r, &format!("SUBSTR s {range}"), &bulk(want));
    }
    for range in ["-1 -5", "5 2", "100 200", "11 11", "-3 -100"] {
        rt(&mut r, &format!("GETRANGE s {range}"), e);
    }
    rt(&mut r, "GETRANGE nokey 0 -1", e);
    rt(&mut r, "SET empty ''", OK);
    rt(&mut r, "GETRANGE empty 0 -1", e);
    rt(&mut r, "GETRANGE empty -1 0", e);
    rt(&mut r, "SET n 12345", OK);
    rt(&mut r, "GETRANGE n 1 3", &bulk("234"));
    rt(&mut r, "GETRANGE n -2 -1", &bulk("45"));
    rt(&mut r, "GETRANGE s x 1", NOT_INT);
    rt(&mut r, "GETRANGE nokey 0 y", NOT_INT);
    rt(
        &mut r,
        "GETRANGE s 0",
        &err("ERR wrong number of arguments for 'getrange' command"),
    );
    rt(
        &mut r,
        "SUBSTR s 0",
        &err("ERR wrong number of arguments for 'substr' command"),
    );
    srv.stop();
}

#[test]
fn setrange() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, "SET s Hello,World", OK);
    rt(&mut r, "SETRANGE s 6 Redis", ":11\r\n");
    rt(&mut r, "GET s", &bulk("Hello,Redis"));
    rt(&mut r, "SETRANGE s 13 !", ":14\r\n");
    r.roundtrip(&[b"GET", b"s"], b"$14\r\nHello,Redis\0\0!\r\n");
    rt(&mut r, "SETRANGE new 3 ab", ":5\r\n");
    r.roundtrip(&[b"GET", b"new"], b"$5\r\n\0\0\0ab\r\n");
    // Writing nothing: the length, and a missing key stays missing.
    rt(&mut r, "SETRANGE s 100 ''", ":14\r\n");
    rt(&mut r, "SETRANGE none 5 ''", ":0\r\n");
    rt(&mut r, "GET none", NIL);
    rt(&mut r, "SET n 12345", OK);
    rt(&mut r, "SETRANGE n 0 9", ":5\r\n");
    rt(&mut r, "INCR n", ":92346\r\n");
    rt(
        &mut r,
        "SETRANGE s -1 x",
        &err("ERR offset is out of range"),
    );
    rt(&mut r, "SETRANGE s x y", NOT_INT);
    let big = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    rt(&mut r, "SETRANGE s 536870912 x", &big);
    rt(&mut r, "SETRANGE none 536870912 x", &big);
    rt(&mut r, "SETRANGE s 9223372036854775807 x", &big);
    rt(&mut r, "GET none", NIL);
    rt(&mut r, "SET x v PXAT 1", OK);
    rt(&mut r, "SETRANGE x 1 a", ":2\r\n");
    r.roundtrip(&[b"GET", b"x"], b"$2\r\n\0a\r\n");
    rt(
        &mut r,
        "SETRANGE s 0",
        &err("ERR wrong number of arguments for 'setrange' command"),
    );
    srv.stop();
}

#[test]
fn lcs_one_shard_and_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(2);
    for (a, b) in [("{t}a", "{t}b"), (k[0].as_str(), k[1].as_str())] {
        rt(&mut r, &format!("MSET {a} ohmytext {b} mynewtext"), OK);
        rt(&mut r, &format!("LCS {a} {b}"), &bulk("mytext"));
        rt(&mut r, &format!("LCS {a} {b} LEN"), ":6\r\n");
        rt(
            &mut r,
            &format!("LCS {a} {b} IDX"),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
        );
        rt(
            &mut r,
            &format!("LCS {a} {b} IDX MINMATCHLEN 4 WITHMATCHLEN"),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
        );
        rt(
            &mut r,
            &format!("LCS {a} {b} idx withmatchlen"),
            "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
        );
        rt(
            &mut r,
            &format!("LCS {a} {b} LEN IDX"),
            &err("ERR If you want both the length and indexes, please just use IDX."),
        );
        rt(&mut r, &format!("LCS {a} {b} MINMATCHLEN"), SYNTAX);
        rt(&mut r, &format!("LCS {a} {b} MINMATCHLEN x"), NOT_INT);
        rt(&mut r, &format!("LCS {a} {b} FOO"), SYNTAX);
        rt(&mut r, &format!("LCS {a} missing"), "$0\r\n\r\n");
        rt(
            &mut r,
            "LCS missing1 missing2 IDX",
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n",
        );
    }
    // The transient table is limited like Redis's (4 bytes a cell, proto-max-bulk-len).
    let big = vec![b'x'; 12_000];
    r.roundtrip(&[b"MSET", b"{t}big1", &big, b"{t}big2", &big], b"+OK\r\n");
    rt(
        &mut r,
        "LCS {t}big1 {t}big2 LEN",
        &err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"),
    );
    rt(
        &mut r,
        "LCS k",
        &err("ERR wrong number of arguments for 'lcs' command"),
    );
    srv.stop();
}

#[test]
fn pipelined_string_commands_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(4);
    let mut batch = Vec::new();
    for k in &keys {
        batch.extend(encode(&[b"INCR", k.as_bytes()]));
        batch.extend(encode(&[b"APPEND", k.as_bytes(), b"x"]));
        batch.extend(encode(&[b"GET", k.as_bytes()]));
    }
    r.send(&batch);
    for _ in &keys {
        r.expect(b":1\r\n:2\r\n$2\r\n1x\r\n");
    }
    srv.stop();
}
