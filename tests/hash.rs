//! Hash commands: exact replies (RESP2 and RESP3), Redis 7.0's error texts,
//! the listpack → hashtable conversion rules, HRANDFIELD's shapes and
//! HSCAN over both encodings.

mod common;
use std::collections::HashSet;

use common::*;

/// Sends a command and returns its reply bytes.
fn reply(r: &mut Raw, args: &[&str]) -> Vec<u8> {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    r.cmd(&a);
    r.read_reply()
}

fn err(text: &str) -> String {
    format!("-{text}\r\n")
}

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

fn bulks(items: &[&str]) -> String {
    let mut out = format!("*{}\r\n", items.len());
    for s in items {
        out += &bulk(s);
    }
    out
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn encoding(r: &mut Raw, key: &str) -> String {
    let b = reply(r, &["OBJECT", "ENCODING", key]);
    let s = String::from_utf8_lossy(&b).into_owned();
    s.lines().nth(1).unwrap_or("").to_string()
}

/// INFO's rdb_changes_since_last_save (summed over shards).
fn dirty(r: &mut Raw) -> u64 {
    let b = reply(r, &["INFO", "persistence"]);
    let s = String::from_utf8_lossy(&b).into_owned();
    s.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("rdb_changes_since_last_save")
}

#[test]
fn set_get_and_friends() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    rt(&mut r, &["HSET", "h", "a", "10", "c", "3"], ":1\r\n");
    rt(&mut r, &["HMSET", "h", "d", "4"], "+OK\r\n");
    rt(&mut r, &["HSETNX", "h", "a", "x"], ":0\r\n");
    rt(&mut r, &["HSETNX", "h", "e", ""], ":1\r\n");
    rt(&mut r, &["HGET", "h", "a"], &bulk("10"));
    rt(&mut r, &["HGET", "h", "e"], &bulk(""));
    rt(&mut r, &["HGET", "h", "zz"], "$-1\r\n");
    rt(&mut r, &["HGET", "nx", "a"], "$-1\r\n");
    rt(
        &mut r,
        &["HMGET", "h", "a", "zz", "b"],
        "*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n",
    );
    rt(&mut r, &["HMGET", "nx", "a", "b"], "*2\r\n$-1\r\n$-1\r\n");
    rt(&mut r, &["HLEN", "h"], ":5\r\n");
    rt(&mut r, &["HLEN", "nx"], ":0\r\n");
    rt(&mut r, &["HEXISTS", "h", "c"], ":1\r\n");
    rt(&mut r, &["HEXISTS", "h", "zz"], ":0\r\n");
    rt(&mut r, &["HEXISTS", "nx", "c"], ":0\r\n");
    rt(&mut r, &["HSTRLEN", "h", "a"], ":2\r\n");
    rt(&mut r, &["HSTRLEN", "h", "zz"], ":0\r\n");
    rt(&mut r, &["HSTRLEN", "nx", "a"], ":0\r\n");
    // A small hash keeps insertion order, as a Redis listpack does.
    rt(&mut r, &["HKEYS", "h"], &bulks(&["a", "b", "c", "d", "e"]));
    rt(&mut r, &["HVALS", "h"], &bulks(&["10", "2", "3", "4", ""]));
    rt(
        &mut r,
        &["HGETALL", "h"],
        &bulks(&["a", "10", "b", "2", "c", "3", "d", "4", "e", ""]),
    );
    rt(&mut r, &["HKEYS", "nx"], "*0\r\n");
    rt(&mut r, &["HVALS", "nx"], "*0\r\n");
    rt(&mut r, &["HGETALL", "nx"], "*0\r\n");
    rt(&mut r, &["TYPE", "h"], "+hash\r\n");
    // Binary-safe fields and values.
    r.roundtrip(&[b"HSET", b"bin", b"\0\r\n", b"\xff\0"], b":1\r\n");
    r.roundtrip(&[b"HGET", b"bin", b"\0\r\n"], b"$2\r\n\xff\0\r\n");
    // HDEL counts what it removed and deletes an emptied hash.
    rt(&mut r, &["HDEL", "h", "a", "a", "zz"], ":1\r\n");
    rt(&mut r, &["HDEL", "nx", "a"], ":0\r\n");
    rt(&mut r, &["HDEL", "h", "b", "c", "d", "e", "f"], ":4\r\n");
    rt(&mut r, &["EXISTS", "h"], ":0\r\n");
}

#[test]
fn arity_and_wrongtype() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["HSET", "h", "a"],
        &err("ERR wrong number of arguments for 'hset' command"),
    );
    rt(
        &mut r,
        &["HSET", "h", "a", "1", "b"],
        &err("ERR wrong number of arguments for 'hset' command"),
    );
    rt(
        &mut r,
        &["HMSET", "h", "a", "1", "b"],
        &err("ERR wrong number of arguments for 'hmset' command"),
    );
    rt(&mut r, &["EXISTS", "h"], ":0\r\n");
    rt(&mut r, &["SET", "s", "x"], "+OK\r\n");
    for cmd in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HEXISTS", "s", "a"],
        &["HSTRLEN", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2"],
        &["HSCAN", "s", "0"],
        &["HSCAN", "s", "0", "COUNT", "0"],
    ] {
        rt(&mut r, cmd, &err(WRONGTYPE));
    }
    // Arguments checked before the key is.
    rt(
        &mut r,
        &["HINCRBY", "s", "a", "x"],
        &err("ERR value is not an integer or out of range"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "s", "a", "x"],
        &err("ERR value is not a valid float"),
    );
    rt(
        &mut r,
        &["HRANDFIELD", "s", "x"],
        &err("ERR value is not an integer or out of range"),
    );
    rt(&mut r, &["HSCAN", "s", "x"], &err("ERR invalid cursor"));
    rt(&mut r, &["GET", "s"], &bulk("x"));
}

#[test]
fn hincrby_and_hincrbyfloat() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["HINCRBY", "h", "n", "5"], ":5\r\n");
    rt(&mut r, &["HINCRBY", "h", "n", "-7"], ":-2\r\n");
    rt(&mut r, &["HGET", "h", "n"], &bulk("-2"));
    rt(
        &mut r,
        &[
            "HSET",
            "h",
            "s",
            "abc",
            "sp",
            " 1",
            "max",
            "9223372036854775807",
            "f",
            "1.5",
        ],
        ":4\r\n",
    );
    let not_int = err("ERR hash value is not an integer");
    rt(&mut r, &["HINCRBY", "h", "s", "1"], &not_int);
    rt(&mut r, &["HINCRBY", "h", "sp", "1"], &not_int);
    rt(&mut r, &["HINCRBY", "h", "f", "1"], &not_int);
    rt(
        &mut r,
        &["HINCRBY", "h", "max", "1"],
        &err("ERR increment or decrement would overflow"),
    );
    rt(
        &mut r,
        &["HINCRBY", "h", "n", "-9223372036854775807"],
        &err("ERR increment or decrement would overflow"),
    );
    rt(
        &mut r,
        &["HINCRBY", "h", "n", "9223372036854775808"],
        &err("ERR value is not an integer or out of range"),
    );
    rt(
        &mut r,
        &["HINCRBY", "h", "max", "-1"],
        ":9223372036854775806\r\n",
    );

    rt(&mut r, &["HINCRBYFLOAT", "h", "f", "0.1"], &bulk("1.6"));
    rt(&mut r, &["HINCRBYFLOAT", "h", "f", "-1.6"], &bulk("0"));
    rt(&mut r, &["HINCRBYFLOAT", "h", "n", "1e3"], &bulk("998"));
    rt(&mut r, &["HINCRBYFLOAT", "h", "hex", "0x10"], &bulk("16"));
    rt(&mut r, &["HINCRBYFLOAT", "h2", "x", "5.0e0"], &bulk("5"));
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "s", "1"],
        &err("ERR hash value is not a float"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "sp", "1"],
        &err("ERR hash value is not a float"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "f", "inf"],
        &err("ERR value is NaN or Infinity"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "nx", "f", "-inf"],
        &err("ERR value is NaN or Infinity"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "f", "abc"],
        &err("ERR value is not a valid float"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "f", " 1"],
        &err("ERR value is not a valid float"),
    );
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "big", "1.7976931348623157e308"],
        // The increment parsed as a long double, printed with %.17Lf.
        &bulk("179769313486231569995921046774104434048386446944329178485314420765176628523124396354701868608387085564428793419425520689308708363451136055357897278026477617073498977686288394835618163294045594434929537447290627480669417384648879122776218333598953852832103282504751611691208117720159985926376802466863339536384"),
    );
    // Sums are long doubles: twice DBL_MAX is fine, not so past LDBL_MAX.
    rt(&mut r, &["HSET", "h", "ld", "1e4932"], ":1\r\n");
    rt(
        &mut r,
        &["HINCRBYFLOAT", "h", "ld", "1e4932"],
        &err("ERR increment would produce NaN or Infinity"),
    );
    // Errors leave no key behind.
    rt(&mut r, &["EXISTS", "nx"], ":0\r\n");
}

#[test]
fn encodings_follow_redis_conversion_rules() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let long = "x".repeat(65);
    let limit = "y".repeat(64);
    rt(&mut r, &["HSET", "a", &limit, &limit], ":1\r\n");
    assert_eq!(encoding(&mut r, "a"), "listpack");
    // A value past hash-max-listpack-value converts, even for a field that
    // already exists; the conversion is one-way.
    rt(&mut r, &["HSET", "b", "f", "1"], ":1\r\n");
    rt(&mut r, &["HSET", "b", "f", "2", "g", &long], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "hashtable");
    rt(&mut r, &["HDEL", "b", "g"], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "hashtable");
    rt(&mut r, &["HGETALL", "b"], &bulks(&["f", "2"]));
    // A long field name too.
    rt(&mut r, &["HSET", "c", &long, "v"], ":1\r\n");
    assert_eq!(encoding(&mut r, "c"), "hashtable");
    // HSETNX on an existing field converts nothing.
    rt(&mut r, &["HSET", "d", "f", "1"], ":1\r\n");
    rt(&mut r, &["HSETNX", "d", "f", &long], ":0\r\n");
    assert_eq!(encoding(&mut r, "d"), "listpack");
    rt(&mut r, &["HSETNX", "d", "g", &long], ":1\r\n");
    assert_eq!(encoding(&mut r, "d"), "hashtable");
    // HINCRBY with a long field, HINCRBYFLOAT with a long result.
    rt(&mut r, &["HSET", "e", "f", "1"], ":1\r\n");
    rt(&mut r, &["HINCRBY", "e", &long, "1"], ":1\r\n");
    assert_eq!(encoding(&mut r, "e"), "hashtable");
    rt(&mut r, &["HSET", "g", "f", "1"], ":1\r\n");
    r.cmd(&[b"HINCRBYFLOAT", b"g", b"f", b"1e70"]);
    assert_eq!(
        r.read_reply(),
        b"$71\r\n10000000000000000000222479489586148259025995410601157579323600873193472\r\n"
    );
    assert_eq!(encoding(&mut r, "g"), "hashtable");
    // More than hash-max-listpack-entries (128) fields.
    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..128 {
        args.push(format!("f{i}"));
        args.push("v".to_string());
    }
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    rt(&mut r, &a, ":128\r\n");
    assert_eq!(encoding(&mut r, "big"), "listpack");
    rt(&mut r, &["HSET", "big", "f0", "w"], ":0\r\n");
    assert_eq!(encoding(&mut r, "big"), "listpack");
    rt(&mut r, &["HSET", "big", "f128", "v"], ":1\r\n");
    assert_eq!(encoding(&mut r, "big"), "hashtable");
    rt(&mut r, &["HLEN", "big"], ":129\r\n");
    rt(&mut r, &["HGET", "big", "f0"], &bulk("w"));
}

#[test]
fn encoding_limits_come_from_the_config() {
    let srv = TestServer::with(|c| {
        c.hash_max_listpack_entries = 2;
        c.hash_max_listpack_value = 3;
    });
    let mut r = srv.raw();
    rt(&mut r, &["HSET", "a", "f", "v", "g", "abc"], ":2\r\n");
    assert_eq!(encoding(&mut r, "a"), "listpack");
    rt(&mut r, &["HSET", "a", "h", "v"], ":1\r\n");
    assert_eq!(encoding(&mut r, "a"), "hashtable");
    rt(&mut r, &["HSET", "b", "f", "abcd"], ":1\r\n");
    assert_eq!(encoding(&mut r, "b"), "hashtable");
    rt(
        &mut r,
        &["CONFIG", "GET", "hash-max-listpack-entries"],
        &bulks(&["hash-max-listpack-entries", "2"]),
    );
}

#[test]
fn hrandfield_shapes_and_errors() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["HSET", "h", "a", "1", "b", "2", "c", "3"],
        ":3\r\n",
    );
    let fields = ["a", "b", "c"];
    let value_of = |f: &str| ((f.as_bytes()[0] - b'a') + b'1') as char;

    rt(&mut r, &["HRANDFIELD", "nx"], "$-1\r\n");
    rt(&mut r, &["HRANDFIELD", "nx", "3"], "*0\r\n");
    rt(&mut r, &["HRANDFIELD", "nx", "-3", "WITHVALUES"], "*0\r\n");
    rt(&mut r, &["HRANDFIELD", "h", "0"], "*0\r\n");
    rt(&mut r, &["HRANDFIELD", "h", "0", "withvalues"], "*0\r\n");
    for _ in 0..20 {
        let one = reply(&mut r, &["HRANDFIELD", "h"]);
        assert!(fields.iter().any(|f| one == bulk(f).as_bytes()));
    }
    // Whole hash, insertion order, for a count at least its size.
    rt(&mut r, &["HRANDFIELD", "h", "3"], &bulks(&fields));
    rt(
        &mut r,
        &["HRANDFIELD", "h", "10", "WITHVALUES"],
        &bulks(&["a", "1", "b", "2", "c", "3"]),
    );
    // Distinct picks for a positive count.
    for _ in 0..20 {
        let b = reply(&mut r, &["HRANDFIELD", "h", "2"]);
        let s = String::from_utf8_lossy(&b).into_owned();
        let got: Vec<&str> = s.lines().filter(|l| fields.contains(l)).collect();
        assert_eq!(got.len(), 2, "{s}");
        assert_ne!(got[0], got[1]);
    }
    // Repetitions allowed for a negative count; values match their fields.
    let b = reply(&mut r, &["HRANDFIELD", "h", "-20", "WITHVALUES"]);
    let s = String::from_utf8_lossy(&b).into_owned();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines[0], "*40");
    for pair in lines[1..].chunks(4) {
        assert!(fields.contains(&pair[1]));
        assert_eq!(pair[3], value_of(pair[1]).to_string());
    }
    rt(
        &mut r,
        &["HRANDFIELD", "h", "1", "WITHVALUE"],
        &err("ERR syntax error"),
    );
    rt(
        &mut r,
        &["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
        &err("ERR syntax error"),
    );
    rt(
        &mut r,
        &["HRANDFIELD", "nx", "-9223372036854775808"],
        &err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    rt(
        &mut r,
        &["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"],
        &err("ERR value is out of range"),
    );
    // An absurd negative count is refused rather than built in memory.
    rt(
        &mut r,
        &["HRANDFIELD", "h", "-9223372036854775807"],
        &err("ERR value is out of range"),
    );

    // RESP3: WITHVALUES gives [field, value] pairs.
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    rt(
        &mut r,
        &["HRANDFIELD", "h", "5", "WITHVALUES"],
        "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
    );
    let b = reply(&mut r, &["HRANDFIELD", "h", "-2", "WITHVALUES"]);
    assert!(
        b.starts_with(b"*2\r\n*2\r\n$1\r\n"),
        "{}",
        String::from_utf8_lossy(&b)
    );
    let b = reply(&mut r, &["HRANDFIELD", "h", "2"]);
    assert!(
        b.starts_with(b"*2\r\n$1\r\n"),
        "{}",
        String::from_utf8_lossy(&b)
    );
    rt(&mut r, &["HRANDFIELD", "nx"], "_\r\n");
    rt(&mut r, &["HRANDFIELD", "nx", "1", "WITHVALUES"], "*0\r\n");
}

#[test]
fn resp3_hgetall_is_a_map() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    rt(&mut r, &["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    rt(
        &mut r,
        &["HGETALL", "h"],
        "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    rt(&mut r, &["HGETALL", "nx"], "%0\r\n");
    rt(&mut r, &["HGET", "h", "zz"], "_\r\n");
    rt(&mut r, &["HMGET", "h", "a", "zz"], "*2\r\n$1\r\n1\r\n_\r\n");
    rt(&mut r, &["HINCRBYFLOAT", "h", "a", "1.5"], &bulk("2.5"));
    rt(
        &mut r,
        &["HSCAN", "h", "0"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$3\r\n2.5\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
}

#[test]
fn hscan_small_and_big() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["HSET", "h", "a", "1", "b", "2", "ab", "3"],
        ":3\r\n",
    );
    // A listpack comes back whole, cursor 0, whatever COUNT or the cursor.
    let all = "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n";
    rt(&mut r, &["HSCAN", "h", "0"], all);
    rt(&mut r, &["HSCAN", "h", "17", "COUNT", "1"], all);
    rt(
        &mut r,
        &["HSCAN", "h", "0", "MATCH", "a*"],
        "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n3\r\n",
    );
    rt(&mut r, &["HSCAN", "h", "0", "MATCH", "*"], all);
    rt(&mut r, &["HSCAN", "nx", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
    // A missing key answers before its options are read, as in Redis.
    rt(
        &mut r,
        &["HSCAN", "nx", "0", "COUNT", "0", "junk"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
    rt(&mut r, &["HSCAN", "h", "x"], &err("ERR invalid cursor"));
    rt(
        &mut r,
        &["HSCAN", "h", "0", "COUNT", "0"],
        &err("ERR syntax error"),
    );
    rt(
        &mut r,
        &["HSCAN", "h", "0", "COUNT", "x"],
        &err("ERR value is not an integer or out of range"),
    );
    rt(
        &mut r,
        &["HSCAN", "h", "0", "MATCH"],
        &err("ERR syntax error"),
    );
    rt(
        &mut r,
        &["HSCAN", "h", "0", "TYPE", "hash"],
        &err("ERR syntax error"),
    );

    // A hashtable walks by cursor; every field comes back.
    let mut c = srv.client();
    for i in 0..300 {
        let _: () = redis::cmd("HSET")
            .arg("big")
            .arg(format!("f{i}"))
            .arg(format!("v{i}"))
            .query(&mut c)
            .expect("hset");
    }
    for (count, pattern) in [(7, "*"), (1, "*"), (1000, "*"), (10, "f1*")] {
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let (next, items): (String, Vec<String>) = redis::cmd("HSCAN")
                .arg("big")
                .arg(&cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(count)
                .query(&mut c)
                .expect("hscan");
            for pair in items.chunks(2) {
                assert_eq!(pair[1], format!("v{}", &pair[0][1..]));
                seen.insert(pair[0].clone());
            }
            calls += 1;
            cursor = next;
            if cursor == "0" {
                break;
            }
            assert!(calls < 1000);
        }
        let expected = (0..300)
            .map(|i| format!("f{i}"))
            .filter(|f| pattern == "*" || f.starts_with("f1"))
            .count();
        assert_eq!(seen.len(), expected, "count {count} pattern {pattern}");
        if count == 1 {
            assert!(calls >= 300);
        }
    }
}

#[test]
fn hashes_on_every_shard_and_dirty_counts() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    for k in keys_on_distinct_shards(SHARDS) {
        rt(&mut r, &["HSET", &k, "f", "v"], ":1\r\n");
        rt(&mut r, &["HGET", &k, "f"], &bulk("v"));
        rt(&mut r, &["HDEL", &k, "f"], ":1\r\n");
        rt(&mut r, &["EXISTS", &k], ":0\r\n");
    }
    // Changes counted as Redis's server.dirty counts them.
    let d0 = dirty(&mut r);
    rt(&mut r, &["HSET", "h", "a", "1", "b", "2"], ":2\r\n");
    assert_eq!(dirty(&mut r), d0 + 2);
    rt(&mut r, &["HSET", "h", "a", "1"], ":0\r\n");
    assert_eq!(dirty(&mut r), d0 + 3);
    rt(&mut r, &["HSETNX", "h", "a", "1"], ":0\r\n");
    rt(&mut r, &["HDEL", "h", "zz"], ":0\r\n");
    rt(
        &mut r,
        &["HINCRBY", "h", "zz", "x"],
        &err("ERR value is not an integer or out of range"),
    );
    assert_eq!(dirty(&mut r), d0 + 3);
    rt(&mut r, &["HDEL", "h", "a", "b", "c"], ":2\r\n");
    assert_eq!(dirty(&mut r), d0 + 5);
    rt(&mut r, &["HINCRBY", "h", "n", "1"], ":1\r\n");
    rt(&mut r, &["HINCRBYFLOAT", "h", "n", "1"], &bulk("2"));
    assert_eq!(dirty(&mut r), d0 + 7);
}

#[test]
fn memory_and_debug_object_know_hashes() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["HSET", "h", "field", "value"], ":1\r\n");
    let b = reply(&mut r, &["MEMORY", "USAGE", "h"]);
    assert!(b.starts_with(b":"), "{}", String::from_utf8_lossy(&b));
    let b = reply(&mut r, &["DEBUG", "OBJECT", "h"]);
    let s = String::from_utf8_lossy(&b).into_owned();
    assert!(s.contains("encoding:listpack"), "{s}");
}
