//! Set commands: exact replies and errors as Redis 7.0 gives them, the
//! intset / hashtable encodings and their one-way conversion, the random
//! commands' shapes, the multi-key ones on one shard and across shards,
//! SSCAN, and the WATCH signals writes must give.

mod common;
use common::*;

const POSITIVE: &str = "-ERR value is out of range, must be positive\r\n";

/// The members of a set reply (RESP2 array of bulks), sorted.
fn members(reply: &redis::Value) -> Vec<String> {
    let mut v: Vec<String> = match reply {
        redis::Value::Array(items) | redis::Value::Set(items) => items
            .iter()
            .map(|i| match i {
                redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    };
    v.sort();
    v
}

#[test]
fn encodings_convert_one_way() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["SADD", "i", "3", "-1", "100000", "2", "3"],
        ":4\r\n",
    );
    rt(&mut r, &["OBJECT", "ENCODING", "i"], "$6\r\nintset\r\n");
    // An intset answers in ascending order.
    rt(
        &mut r,
        &["SMEMBERS", "i"],
        &arr(&["-1", "2", "3", "100000"]),
    );
    rt(
        &mut r,
        &["SADD", "i", "9223372036854775807", "-9223372036854775808"],
        ":2\r\n",
    );
    rt(
        &mut r,
        &["SMEMBERS", "i"],
        &arr(&[
            "-9223372036854775808",
            "-1",
            "2",
            "3",
            "100000",
            "9223372036854775807",
        ]),
    );
    // Only canonical integers are integers.
    rt(&mut r, &["SISMEMBER", "i", "02"], ":0\r\n");
    rt(&mut r, &["SISMEMBER", "i", "2"], ":1\r\n");
    rt(&mut r, &["SADD", "i", "02"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "i"], "$9\r\nhashtable\r\n");
    rt(&mut r, &["SREM", "i", "02"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "i"], "$9\r\nhashtable\r\n");
    rt(&mut r, &["SISMEMBER", "i", "2"], ":1\r\n");
    rt(&mut r, &["SADD", "h", "-0"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "h"], "$9\r\nhashtable\r\n");
    rt(&mut r, &["TYPE", "h"], "+set\r\n");

    // Past set-max-intset-entries.
    rt(
        &mut r,
        &["CONFIG", "SET", "set-max-intset-entries", "3"],
        "+OK\r\n",
    );
    rt(&mut r, &["SADD", "n", "1", "2", "3"], ":3\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "n"], "$6\r\nintset\r\n");
    rt(&mut r, &["SADD", "n", "4"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "n"], "$9\r\nhashtable\r\n");
    rt(&mut r, &["SREM", "n", "4"], ":1\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "n"], "$9\r\nhashtable\r\n");
    // A stored result is built like a new set.
    rt(&mut r, &["SUNIONSTORE", "d", "n"], ":3\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "d"], "$6\r\nintset\r\n");
    rt(
        &mut r,
        &["CONFIG", "SET", "set-max-intset-entries", "512"],
        "+OK\r\n",
    );
}

#[test]
fn intsets_are_compact() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let ints: Vec<String> = (0..100).map(|i| (i * 7).to_string()).collect();
    let mut cmd = redis::cmd("SADD");
    cmd.arg("small");
    for i in &ints {
        cmd.arg(i);
    }
    let added: i64 = cmd.query(&mut c).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(added, 100);
    let usage: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("small")
        .query(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    // 100 two-byte integers in one buffer, plus the entry itself.
    assert!(usage < 400, "MEMORY USAGE {usage}");
}

#[test]
fn basic_replies() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["SADD", "s", "a", "a", "b"], ":2\r\n");
    rt(&mut r, &["SADD", "s", "a"], ":0\r\n");
    rt(&mut r, &["SCARD", "s"], ":2\r\n");
    rt(&mut r, &["SMISMEMBER", "s", "x", "b"], "*2\r\n:0\r\n:1\r\n");
    rt(&mut r, &["SMISMEMBER", "nx", "x"], "*1\r\n:0\r\n");
    rt(&mut r, &["SREM", "s", "a", "a", "c"], ":1\r\n");
    rt(&mut r, &["SREM", "s", "b"], ":1\r\n");
    rt(&mut r, &["EXISTS", "s"], ":0\r\n");
    rt(&mut r, &["SET", "str", "v"], "+OK\r\n");
    for cmd in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SPOP", "str"],
        &["SRANDMEMBER", "str", "1"],
        &["SSCAN", "str", "0"],
    ] {
        rt(&mut r, cmd, WRONGTYPE);
    }
    // RESP3: SMEMBERS and friends are sets, SRANDMEMBER an array.
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    rt(&mut r, &["SADD", "i", "2", "1"], ":2\r\n");
    rt(&mut r, &["SMEMBERS", "i"], "~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    rt(
        &mut r,
        &["SUNION", "i", "nx"],
        "~2\r\n$1\r\n1\r\n$1\r\n2\r\n",
    );
    rt(&mut r, &["SINTER", "i", "nx"], "~0\r\n");
    rt(&mut r, &["SPOP", "nx", "1"], "~0\r\n");
    rt(&mut r, &["SRANDMEMBER", "i", "5"], &arr(&["1", "2"]));
    rt(&mut r, &["SRANDMEMBER", "nx"], "_\r\n");
}

#[test]
fn spop_and_srandmember() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut c = srv.client();
    rt(&mut r, &["SPOP", "nx"], "$-1\r\n");
    rt(&mut r, &["SPOP", "nx", "3"], "*0\r\n");
    rt(&mut r, &["SPOP", "nx", "x"], POSITIVE);
    rt(&mut r, &["SPOP", "nx", "-1"], POSITIVE);
    rt(&mut r, &["SPOP", "nx", "1", "2"], SYNTAX);
    rt(&mut r, &["SRANDMEMBER", "nx"], "$-1\r\n");
    rt(&mut r, &["SRANDMEMBER", "nx", "5"], "*0\r\n");
    rt(&mut r, &["SRANDMEMBER", "nx", "x"], NOT_INT);
    rt(&mut r, &["SRANDMEMBER", "nx", "1", "2"], SYNTAX);
    rt(
        &mut r,
        &["SRANDMEMBER", "nx", "-9223372036854775808"],
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );

    for (name, prefix) in [("ints", ""), ("strs", "m")] {
        let all: Vec<String> = (0..50).map(|i| format!("{prefix}{i}")).collect();
        let mut cmd = redis::cmd("SADD");
        cmd.arg(name).arg(&all);
        let _: i64 = cmd.query(&mut c).unwrap_or_else(|e| panic!("{e}"));
        let mut sorted = all.clone();
        sorted.sort();

        rt(&mut r, &["SRANDMEMBER", name, "0"], "*0\r\n");
        for n in ["1", "5", "20", "49", "50", "100"] {
            let got = members(&q(&mut c, &["SRANDMEMBER", name, n]));
            let want = n.parse::<usize>().unwrap_or(0).min(50);
            assert_eq!(got.len(), want, "SRANDMEMBER {name} {n}");
            let mut d = got.clone();
            d.dedup();
            assert_eq!(d.len(), want, "distinct");
            assert!(got.iter().all(|m| all.contains(m)));
        }
        let got = members(&q(&mut c, &["SRANDMEMBER", name, "-200"]));
        assert_eq!(got.len(), 200);
        assert!(got.iter().all(|m| all.contains(m)));

        // Pops: the cases of Redis's spopWithCountCommand.
        let mut popped = Vec::new();
        popped.extend(members(&q(&mut c, &["SPOP", name, "3"])));
        popped.extend(members(&q(&mut c, &["SPOP", name, "40"])));
        let one = q(&mut c, &["SPOP", name]);
        popped.extend(members(&redis::Value::Array(vec![one])));
        assert_eq!(ask(&mut r, &["SCARD", name]), ":6\r\n");
        popped.extend(members(&q(&mut c, &["SPOP", name, "6"])));
        rt(&mut r, &["EXISTS", name], ":0\r\n");
        popped.sort();
        assert_eq!(popped, sorted);
    }
}

#[test]
fn smove() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    for (a, b) in [("{t}a".to_string(), "{t}b".to_string()), {
        let k = keys_on_distinct_shards(2);
        (k[0].clone(), k[1].clone())
    }] {
        let (a, b) = (a.as_str(), b.as_str());
        rt(&mut r, &["SADD", a, "1", "x"], ":2\r\n");
        rt(&mut r, &["SMOVE", a, b, "1"], ":1\r\n");
        rt(&mut r, &["OBJECT", "ENCODING", b], "$6\r\nintset\r\n");
        rt(&mut r, &["SMOVE", a, b, "1"], ":0\r\n");
        rt(&mut r, &["SMOVE", a, a, "x"], ":1\r\n");
        rt(&mut r, &["SMOVE", a, a, "y"], ":0\r\n");
        rt(&mut r, &["SADD", b, "x"], ":1\r\n");
        // Already in the destination: still removed from the source.
        rt(&mut r, &["SMOVE", a, b, "x"], ":1\r\n");
        rt(&mut r, &["EXISTS", a], ":0\r\n");
        // Hashtable order is not defined.
        let got = ask(&mut r, &["SMEMBERS", b]);
        assert!(
            got == arr(&["1", "x"]) || got == arr(&["x", "1"]),
            "{got:?}"
        );
        // A missing source answers 0 whatever the destination is.
        rt(&mut r, &["SET", a, "v"], "+OK\r\n");
        rt(&mut r, &["SMOVE", "nosuch", a, "x"], ":0\r\n");
        rt(&mut r, &["SMOVE", b, a, "x"], WRONGTYPE);
        rt(&mut r, &["SMOVE", a, b, "x"], WRONGTYPE);
        rt(&mut r, &["SCARD", b], ":2\r\n");
        rt(&mut r, &["DEL", a, b], ":2\r\n");
    }
}

fn algebra_cases(r: &mut Raw, k: &[String]) {
    let (a, b, c, d) = (k[0].as_str(), k[1].as_str(), k[2].as_str(), k[3].as_str());
    rt(r, &["SADD", a, "1", "2", "3", "4", "5"], ":5\r\n");
    rt(r, &["SADD", b, "4", "5", "6"], ":3\r\n");
    rt(r, &["SADD", c, "5", "7"], ":2\r\n");
    rt(r, &["SINTER", a, b], &arr(&["4", "5"]));
    rt(r, &["SINTER", a, b, c], &arr(&["5"]));
    rt(r, &["SINTER", a, b, "nosuch"], "*0\r\n");
    rt(
        r,
        &["SUNION", a, c, "nosuch"],
        &arr(&["1", "2", "3", "4", "5", "7"]),
    );
    rt(r, &["SDIFF", a, b, c], &arr(&["1", "2", "3"]));
    rt(r, &["SDIFF", "nosuch", a], "*0\r\n");
    rt(r, &["SDIFF", a, a], "*0\r\n");
    rt(r, &["SINTERCARD", "2", a, b], ":2\r\n");
    rt(r, &["SINTERCARD", "2", a, b, "LIMIT", "1"], ":1\r\n");
    rt(r, &["SINTERCARD", "2", a, b, "LIMIT", "0"], ":2\r\n");
    rt(r, &["SINTERCARD", "2", a, "nosuch"], ":0\r\n");

    rt(r, &["SET", d, "string"], "+OK\r\n");
    rt(r, &["EXPIRE", d, "100"], ":1\r\n");
    rt(r, &["SINTERSTORE", d, a, b], ":2\r\n");
    rt(r, &["TTL", d], ":-1\r\n");
    rt(r, &["SMEMBERS", d], &arr(&["4", "5"]));
    rt(r, &["SUNIONSTORE", d, a, b, c], ":7\r\n");
    rt(r, &["SDIFFSTORE", d, a, b], ":3\r\n");
    rt(r, &["SMEMBERS", d], &arr(&["1", "2", "3"]));
    rt(r, &["SDIFFSTORE", d, d, d], ":0\r\n");
    rt(r, &["EXISTS", d], ":0\r\n");
    rt(r, &["SINTERSTORE", d, a, "nosuch"], ":0\r\n");

    rt(r, &["SET", d, "string"], "+OK\r\n");
    rt(r, &["SINTER", a, d], WRONGTYPE);
    rt(r, &["SINTER", "nosuch", d], WRONGTYPE);
    rt(r, &["SUNION", a, d], WRONGTYPE);
    rt(r, &["SDIFF", d, a], WRONGTYPE);
    rt(r, &["SINTERCARD", "2", a, d], WRONGTYPE);
    rt(r, &["SUNIONSTORE", a, b, d], WRONGTYPE);
    rt(r, &["SCARD", a], ":5\r\n");
    // A store answering 0 deletes the destination, whatever its type.
    rt(r, &["SINTERSTORE", d, a, c, "nosuch"], ":0\r\n");
    rt(r, &["EXISTS", d], ":0\r\n");
    rt(r, &["DEL", a, b, c], ":3\r\n");
}

#[test]
fn algebra_one_shard_and_across() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let tagged: Vec<String> = (0..4).map(|i| format!("{{t}}{i}")).collect();
    algebra_cases(&mut r, &tagged);
    algebra_cases(&mut r, &keys_on_distinct_shards(4));

    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    rt(&mut r, &["SINTERCARD", "0", "a"], numkeys);
    rt(&mut r, &["SINTERCARD", "x", "a"], numkeys);
    rt(
        &mut r,
        &["SINTERCARD", "3", "a", "b"],
        "-ERR Number of keys can't be greater than number of args\r\n",
    );
    let limit = "-ERR LIMIT can't be negative\r\n";
    rt(&mut r, &["SINTERCARD", "1", "a", "LIMIT", "-1"], limit);
    rt(&mut r, &["SINTERCARD", "1", "a", "LIMIT", "x"], limit);
    rt(&mut r, &["SINTERCARD", "1", "a", "LIMIT"], SYNTAX);
    rt(&mut r, &["SINTERCARD", "1", "a", "FOO", "1"], SYNTAX);
}

#[test]
fn sscan() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut c = srv.client();
    rt(&mut r, &["SSCAN", "nx", "0"], "*2\r\n$1\r\n0\r\n*0\r\n");
    // Options are not read for a missing key; the cursor is.
    rt(
        &mut r,
        &["SSCAN", "nx", "0", "COUNT", "0"],
        "*2\r\n$1\r\n0\r\n*0\r\n",
    );
    rt(&mut r, &["SSCAN", "nx", "x"], "-ERR invalid cursor\r\n");
    rt(&mut r, &["SADD", "i", "1", "2", "10"], ":3\r\n");
    // An intset answers everything at once.
    rt(
        &mut r,
        &["SSCAN", "i", "0"],
        &format!("*2\r\n$1\r\n0\r\n{}", arr(&["1", "2", "10"])),
    );
    rt(
        &mut r,
        &["SSCAN", "i", "0", "MATCH", "1*", "COUNT", "1"],
        &format!("*2\r\n$1\r\n0\r\n{}", arr(&["1", "10"])),
    );
    rt(&mut r, &["SSCAN", "i", "0", "COUNT", "0"], SYNTAX);
    rt(&mut r, &["SSCAN", "i", "0", "COUNT", "x"], NOT_INT);
    rt(&mut r, &["SSCAN", "i", "0", "TYPE", "set"], SYNTAX);
    rt(&mut r, &["SSCAN", "i", "0", "MATCH"], SYNTAX);

    let all: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    let _: i64 = redis::cmd("SADD")
        .arg("h")
        .arg(&all)
        .query(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen = Vec::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let (next, batch): (String, Vec<String>) = redis::cmd("SSCAN")
            .arg("h")
            .arg(&cursor)
            .arg("COUNT")
            .arg(50)
            .query(&mut c)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(batch.len() <= 50);
        seen.extend(batch);
        calls += 1;
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert!(calls >= 20, "{calls} calls");
    seen.sort();
    let mut want = all.clone();
    want.sort();
    assert_eq!(seen, want);
    let (_, matched): (String, Vec<String>) = redis::cmd("SSCAN")
        .arg("h")
        .arg(0)
        .arg("MATCH")
        .arg("m99*")
        .arg("COUNT")
        .arg(2000)
        .query(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut matched = matched;
    matched.sort();
    assert_eq!(
        matched,
        vec!["m99", "m990", "m991", "m992", "m993", "m994", "m995", "m996", "m997", "m998", "m999"]
    );
}

#[test]
fn watch_signals() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut other = srv.raw();
    rt(&mut r, &["SADD", "{t}s", "a", "b"], ":2\r\n");
    rt(&mut r, &["SADD", "{t}o", "z"], ":1\r\n");
    let cases: &[(&[&str], bool)] = &[
        (&["SADD", "{t}s", "a"], false),
        (&["SREM", "{t}s", "x"], false),
        (&["SMOVE", "{t}s", "{t}o", "x"], false),
        (&["SMOVE", "{t}s", "{t}s", "a"], false),
        (&["SPOP", "{t}s", "0"], false),
        (&["SINTERSTORE", "{t}n", "{t}x", "{t}s"], false),
        (&["SADD", "{t}s", "c"], true),
        (&["SMOVE", "{t}o", "{t}s", "z"], true),
        (&["SREM", "{t}s", "z"], true),
        (&["SUNIONSTORE", "{t}s", "{t}s"], true),
        (&["SDIFFSTORE", "{t}o", "{t}s"], false),
        (&["SINTERSTORE", "{t}s", "{t}s", "{t}x"], true),
    ];
    for (cmd, touches) in cases {
        rt(&mut r, &["WATCH", "{t}s"], "+OK\r\n");
        ask(&mut other, cmd);
        rt(&mut r, &["MULTI"], "+OK\r\n");
        rt(&mut r, &["SCARD", "{t}s"], "+QUEUED\r\n");
        r.cmd(&[b"EXEC"]);
        let reply = r.read_reply();
        assert_eq!(
            reply == b"*-1\r\n",
            *touches,
            "{cmd:?}: {:?}",
            String::from_utf8_lossy(&reply)
        );
    }
    rt(&mut r, &["EXISTS", "{t}s"], ":0\r\n");
}
