//! SORT and SORT_RO: exact replies and errors as redis-server 7.0 gives
//! them (the expected orders below were taken from a real 7.0.15), BY and
//! GET patterns whose keys live on other shards, hash fields, STORE to a
//! destination on another shard, SORT inside MULTI/EXEC, and the key specs.

mod common;
use common::*;

const NOT_DOUBLE: &str = "-ERR One or more scores can't be converted into double\r\n";

/// RESP for an array of bulk strings; "(nil)" stands for a null bulk.
fn arr(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        if *i == "(nil)" {
            s += "$-1\r\n";
        } else {
            s += &format!("${}\r\n{i}\r\n", i.len());
        }
    }
    s
}

fn arr_owned(items: &[String]) -> String {
    let refs: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
    arr(&refs)
}

fn shard(k: &str) -> usize {
    ringkv::slot::shard_of(k.as_bytes(), SHARDS)
}

#[test]
fn numeric_alpha_limit() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["RPUSH", "l", "3", "1", "2", "10", "1.5", "1.0", "1"],
        ":7\r\n",
    );
    let asc = ["1", "1", "1.0", "1.5", "2", "3", "10"];
    rt(&mut r, &["SORT", "l"], &arr(&asc));
    rt(&mut r, &["SORT", "l", "ASC"], &arr(&asc));
    rt(
        &mut r,
        &["SORT", "l", "DESC"],
        &arr(&["10", "3", "2", "1.5", "1.0", "1", "1"]),
    );
    rt(
        &mut r,
        &["SORT", "l", "ALPHA"],
        &arr(&["1", "1", "1.0", "1.5", "10", "2", "3"]),
    );
    rt(
        &mut r,
        &["sort", "l", "alpha", "desc", "limit", "1", "2"],
        &arr(&["2", "10"]),
    );
    rt(
        &mut r,
        &["SORT", "l", "LIMIT", "2", "3"],
        &arr(&["1.0", "1.5", "2"]),
    );
    // Negative offset counts from 0, negative count means all.
    rt(
        &mut r,
        &["SORT", "l", "LIMIT", "-3", "2"],
        &arr(&["1", "1"]),
    );
    rt(
        &mut r,
        &["SORT", "l", "LIMIT", "5", "-1"],
        &arr(&["3", "10"]),
    );
    rt(&mut r, &["SORT", "l", "LIMIT", "0", "0"], "*0\r\n");
    rt(&mut r, &["SORT", "l", "LIMIT", "7", "1"], "*0\r\n");
    // Huge values are clamped to the list, nothing is allocated for them.
    let max = "9223372036854775807";
    let min = "-9223372036854775808";
    rt(
        &mut r,
        &["SORT", "l", "LIMIT", "5", max],
        &arr(&["3", "10"]),
    );
    rt(&mut r, &["SORT", "l", "LIMIT", max, max], "*0\r\n");
    rt(&mut r, &["SORT", "l", "LIMIT", min, min], &arr(&asc));
    rt(
        &mut r,
        &["SORT", "l", "BY", "nosort", "LIMIT", "6", max],
        &arr(&["1"]),
    );
    rt(
        &mut r,
        &["SORT", "l", "BY", "w_*", "LIMIT", max, "1"],
        "*0\r\n",
    );
    // strtod's view of numbers: spaces, hex, inf, the empty string (0).
    rt(
        &mut r,
        &["RPUSH", "n", " 7", "0x10", "-inf", "", "1e2", "+1"],
        ":6\r\n",
    );
    rt(
        &mut r,
        &["SORT", "n"],
        &arr(&["-inf", "", "+1", " 7", "0x10", "1e2"]),
    );
    for bad in ["x", "1e400", "1e-310", "nan", " "] {
        rt(&mut r, &["RPUSH", "bad", "1", bad], ":2\r\n");
        rt(&mut r, &["SORT", "bad"], NOT_DOUBLE);
        rt(&mut r, &["SORT", "bad", "LIMIT", "0", "0"], NOT_DOUBLE);
        let mut alpha = ["1", bad];
        alpha.sort();
        rt(&mut r, &["SORT", "bad", "ALPHA"], &arr(&alpha));
        rt(&mut r, &["DEL", "bad"], ":1\r\n");
    }
    // ALPHA compares like strcmp (stopping at a NUL) unless storing.
    r.cmd(&[b"RPUSH", b"z", b"a\0b", b"a\0a", b"a", b"b", b"a\0c"]);
    r.expect(b":5\r\n");
    r.cmd(&[b"SORT", b"z", b"ALPHA"]);
    r.expect(b"*5\r\n$3\r\na\0b\r\n$3\r\na\0a\r\n$1\r\na\r\n$3\r\na\0c\r\n$1\r\nb\r\n");
    r.cmd(&[b"SORT", b"z", b"ALPHA", b"STORE", b"zs"]);
    r.expect(b":5\r\n");
    r.cmd(&[b"LRANGE", b"zs", b"0", b"-1"]);
    r.expect(b"*5\r\n$1\r\na\r\n$3\r\na\0a\r\n$3\r\na\0b\r\n$3\r\na\0c\r\n$1\r\nb\r\n");
}

#[test]
fn errors_and_types() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "2", "1"], ":2\r\n");
    rt(
        &mut r,
        &["SORT"],
        "-ERR wrong number of arguments for 'sort' command\r\n",
    );
    rt(
        &mut r,
        &["SORT_RO"],
        "-ERR wrong number of arguments for 'sort_ro' command\r\n",
    );
    rt(&mut r, &["SORT", "l", "LIMIT", "x", "1"], NOT_INT);
    rt(&mut r, &["SORT", "l", "LIMIT", "0", "1.5"], NOT_INT);
    rt(&mut r, &["SORT", "l", "LIMIT", "0"], SYNTAX);
    rt(&mut r, &["SORT", "l", "BY"], SYNTAX);
    rt(&mut r, &["SORT", "l", "GET"], SYNTAX);
    rt(&mut r, &["SORT", "l", "STORE"], SYNTAX);
    rt(&mut r, &["SORT", "l", "FOO"], SYNTAX);
    rt(&mut r, &["SORT_RO", "l", "STORE", "d"], SYNTAX);
    rt(&mut r, &["SORT_RO", "l"], &arr(&["1", "2"]));
    rt(
        &mut r,
        &["SORT_RO", "l", "DESC", "LIMIT", "0", "1"],
        &arr(&["2"]),
    );
    // Syntax errors come before the type check; a missing key is empty.
    rt(&mut r, &["SET", "s", "x"], "+OK\r\n");
    rt(&mut r, &["HSET", "h", "a", "1"], ":1\r\n");
    rt(&mut r, &["SORT", "s", "FOO"], SYNTAX);
    rt(&mut r, &["SORT", "s"], WRONGTYPE);
    rt(&mut r, &["SORT", "h", "ALPHA"], WRONGTYPE);
    rt(&mut r, &["SORT", "s", "STORE", "d"], WRONGTYPE);
    rt(&mut r, &["SORT", "nx"], "*0\r\n");
    rt(
        &mut r,
        &["SORT_RO", "nx", "BY", "w_*", "GET", "o_*"],
        "*0\r\n",
    );
    rt(&mut r, &["EXISTS", "d"], ":0\r\n");
    // A score error stores nothing.
    rt(&mut r, &["RPUSH", "bad", "x"], ":1\r\n");
    rt(&mut r, &["RPUSH", "d", "keep"], ":1\r\n");
    rt(&mut r, &["SORT", "bad", "STORE", "d"], NOT_DOUBLE);
    rt(&mut r, &["LRANGE", "d", "0", "-1"], &arr(&["keep"]));
}

/// ids 0..40 with weights, objects and hashes: the pattern keys spread
/// over every shard.
fn fill(r: &mut Raw) {
    for i in 0..40 {
        let id = i.to_string();
        ask(r, &["RPUSH", "ids", &id]);
        ask(r, &["SET", &format!("w_{i}"), &((i * 7) % 13).to_string()]);
        ask(r, &["SET", &format!("o_{i}"), &format!("obj{i}")]);
        ask(
            r,
            &[
                "HSET",
                &format!("h_{i}"),
                "f",
                &((i * 5) % 11).to_string(),
                "name",
                &format!("n{}", 39 - i),
            ],
        );
    }
}

/// The ids ordered by a weight, ties broken by the id as a string (Redis's rule).
fn by_weight(weight: impl Fn(usize) -> i64) -> Vec<String> {
    let mut v: Vec<(i64, String)> = (0..40).map(|i| (weight(i), i.to_string())).collect();
    v.sort();
    v.into_iter().map(|(_, id)| id).collect()
}

#[test]
fn by_and_get_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    fill(&mut r);
    let shards: std::collections::HashSet<usize> =
        (0..40).map(|i| shard(&format!("w_{i}"))).collect();
    assert_eq!(shards.len(), SHARDS, "weights on every shard");

    let w = by_weight(|i| ((i * 7) % 13) as i64);
    rt(&mut r, &["SORT", "ids", "BY", "w_*"], &arr_owned(&w));
    let desc: Vec<String> = w.iter().rev().cloned().collect();
    rt(
        &mut r,
        &["SORT", "ids", "BY", "w_*", "DESC"],
        &arr_owned(&desc),
    );
    rt(
        &mut r,
        &["SORT", "ids", "BY", "w_*", "LIMIT", "5", "7"],
        &arr_owned(&w[5..12]),
    );
    let objs: Vec<String> = w[..6]
        .iter()
        .flat_map(|id| [format!("obj{id}"), id.clone()])
        .collect();
    rt(
        &mut r,
        &[
            "SORT", "ids", "BY", "w_*", "LIMIT", "0", "6", "GET", "o_*", "GET", "#",
        ],
        &arr_owned(&objs),
    );
    // Hash fields, for BY and GET.
    let h = by_weight(|i| ((i * 5) % 11) as i64);
    let names: Vec<String> = h
        .iter()
        .map(|id| format!("n{}", 39 - id.parse::<usize>().unwrap_or(0)))
        .collect();
    rt(
        &mut r,
        &["SORT", "ids", "BY", "h_*->f", "GET", "h_*->name"],
        &arr_owned(&names),
    );
    rt(
        &mut r,
        &["SORT_RO", "ids", "BY", "h_*->f", "LIMIT", "38", "5"],
        &arr_owned(&h[38..]),
    );
    // Missing keys, fields, wrong types: nil for GET, weight 0 for BY.
    rt(
        &mut r,
        &[
            "SORT",
            "ids",
            "LIMIT",
            "0",
            "2",
            "GET",
            "h_*->nofield",
            "GET",
            "nostar",
            "GET",
            "w_*->f",
            "GET",
            "h_*",
        ],
        &arr(&["(nil)"; 8]),
    );
    rt(&mut r, &["SET", "str_3", "x"], "+OK\r\n");
    rt(
        &mut r,
        &["SORT", "ids", "BY", "h_*->nofield", "LIMIT", "0", "3"],
        &arr(&["0", "1", "10"]),
    );
    // A non-numeric weight.
    rt(&mut r, &["SORT", "ids", "BY", "str_*"], NOT_DOUBLE);
    rt(
        &mut r,
        &["SORT", "ids", "BY", "str_*", "ALPHA", "LIMIT", "0", "2"],
        // Ties in Redis's partial quicksort order.
        &arr(&["39", "1"]),
    );
    // A constant BY keeps the list order (DESC reverses it) and still GETs.
    rt(
        &mut r,
        &[
            "SORT", "ids", "BY", "nosort", "DESC", "LIMIT", "1", "2", "GET", "o_*",
        ],
        &arr(&["obj38", "obj37"]),
    );
    // With a '*' after a NUL, BY is constant too.
    r.cmd(&[b"SORT", b"ids", b"BY", b"w\0*", b"LIMIT", b"0", b"2"]);
    r.expect(arr(&["0", "1"]).as_bytes());
}

#[test]
fn alpha_by_ties_like_redis() {
    // Stable full sort; Redis's partial quicksort with LIMIT.
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "t", "c", "a", "b", "d", "e"], ":5\r\n");
    rt(&mut r, &["MSET", "w_c", "x", "w_a", "x"], "+OK\r\n");
    rt(
        &mut r,
        &["SORT", "t", "BY", "w_*", "ALPHA"],
        &arr(&["b", "d", "e", "c", "a"]),
    );
    rt(
        &mut r,
        &["SORT", "t", "BY", "w_*", "ALPHA", "LIMIT", "0", "4", "DESC"],
        &arr(&["c", "a", "b", "d"]),
    );
    let big: Vec<String> = (0..30).map(|i| (i % 7).to_string()).collect();
    let mut cmd = vec!["RPUSH", "big"];
    cmd.extend(big.iter().map(|s| s.as_str()));
    rt(&mut r, &cmd, ":30\r\n");
    rt(
        &mut r,
        &["SORT", "big", "BY", "nope_*", "ALPHA", "LIMIT", "0", "10"],
        &arr(&["1", "1", "2", "3", "4", "5", "6", "0", "1", "2"]),
    );
    rt(
        &mut r,
        &[
            "SORT", "big", "BY", "nope_*", "ALPHA", "LIMIT", "5", "4", "DESC",
        ],
        &arr(&["5", "6", "0", "1"]),
    );
    rt(
        &mut r,
        &[
            "SORT", "big", "BY", "nope_*", "ALPHA", "STORE", "bd", "LIMIT", "2", "6",
        ],
        ":6\r\n",
    );
    rt(
        &mut r,
        &["LRANGE", "bd", "0", "-1"],
        &arr(&["2", "3", "4", "5", "6", "0"]),
    );
    rt(
        &mut r,
        &["SORT", "big", "BY", "nope_*", "ALPHA"],
        &arr_owned(&big),
    );
}

#[test]
fn sets_and_sorted_sets() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["SADD", "si", "5", "3", "9", "1"], ":4\r\n");
    rt(&mut r, &["SORT", "si"], &arr(&["1", "3", "5", "9"]));
    rt(
        &mut r,
        &["SORT", "si", "DESC", "LIMIT", "1", "2"],
        &arr(&["5", "3"]),
    );
    rt(
        &mut r,
        &["SORT", "si", "BY", "nosort"],
        &arr(&["1", "3", "5", "9"]),
    );
    rt(
        &mut r,
        &["SADD", "ss", "pear", "fig", "kiwi", "date"],
        ":4\r\n",
    );
    rt(&mut r, &["SORT", "ss"], NOT_DOUBLE);
    rt(
        &mut r,
        &["SORT", "ss", "ALPHA"],
        &arr(&["date", "fig", "kiwi", "pear"]),
    );
    // An unsorted set is sorted (ALPHA, ascending) when stored.
    for order in ["ASC", "DESC"] {
        rt(
            &mut r,
            &["SORT", "ss", "BY", "nosort", order, "STORE", "d"],
            ":4\r\n",
        );
        rt(
            &mut r,
            &["LRANGE", "d", "0", "-1"],
            &if order == "ASC" {
                arr(&["date", "fig", "kiwi", "pear"])
            } else {
                arr(&["pear", "kiwi", "fig", "date"])
            },
        );
    }
    rt(
        &mut r,
        &["ZADD", "z", "3", "c", "1", "a", "2", "b", "2", "bb"],
        ":4\r\n",
    );
    rt(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nlistpack\r\n");
    rt(
        &mut r,
        &["SORT", "z", "ALPHA"],
        &arr(&["a", "b", "bb", "c"]),
    );
    // SORT converts a small sorted set, as Redis does.
    rt(&mut r, &["OBJECT", "ENCODING", "z"], "$8\r\nskiplist\r\n");
    rt(
        &mut r,
        &["SORT", "z", "BY", "nosort"],
        &arr(&["a", "b", "bb", "c"]),
    );
    rt(
        &mut r,
        &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        &arr(&["bb", "b"]),
    );
    rt(
        &mut r,
        &["SORT", "z", "BY", "nosort", "LIMIT", "3", "9"],
        &arr(&["c"]),
    );
    rt(
        &mut r,
        &["ZADD", "zn", "1", "30", "2", "20", "3", "10"],
        ":3\r\n",
    );
    rt(&mut r, &["SORT", "zn"], &arr(&["10", "20", "30"]));
    rt(
        &mut r,
        &["SORT", "zn", "BY", "nosort", "STORE", "zd"],
        ":3\r\n",
    );
    rt(
        &mut r,
        &["LRANGE", "zd", "0", "-1"],
        &arr(&["30", "20", "10"]),
    );
    rt(
        &mut r,
        &["SORT", "zn", "BY", "w_*", "GET", "#", "GET", "o_*"],
        &arr(&["10", "(nil)", "20", "(nil)", "30", "(nil)"]),
    );
}

/// A destination on another shard than the source (and than the pattern keys).
#[test]
fn store_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(SHARDS);
    let (src, dst) = (&keys[0], &keys[1]);
    assert_ne!(shard(src), shard(dst));
    rt(&mut r, &["RPUSH", src, "3", "1", "2"], ":3\r\n");
    // No pattern: the fast path can not run on one shard.
    rt(&mut r, &["SET", dst, "old"], "+OK\r\n");
    rt(&mut r, &["EXPIRE", dst, "100"], ":1\r\n");
    rt(&mut r, &["SORT", src, "STORE", dst], ":3\r\n");
    rt(&mut r, &["LRANGE", dst, "0", "-1"], &arr(&["1", "2", "3"]));
    rt(&mut r, &["TTL", dst], ":-1\r\n");
    rt(&mut r, &["TYPE", dst], "+list\r\n");
    // GETs: missing values are stored as empty strings.
    for i in [1, 3] {
        rt(
            &mut r,
            &["SET", &format!("o_{i}"), &format!("obj{i}")],
            "+OK\r\n",
        );
    }
    rt(
        &mut r,
        &["SORT", src, "DESC", "GET", "o_*", "GET", "#", "STORE", dst],
        ":6\r\n",
    );
    rt(
        &mut r,
        &["LRANGE", dst, "0", "-1"],
        &arr(&["obj3", "3", "", "2", "obj1", "1"]),
    );
    // An empty result deletes the destination.
    rt(
        &mut r,
        &["SORT", src, "LIMIT", "5", "1", "STORE", dst],
        ":0\r\n",
    );
    rt(&mut r, &["EXISTS", dst], ":0\r\n");
    rt(&mut r, &["SORT", "nx", "BY", "w_*", "STORE", dst], ":0\r\n");
    // Same shard, and the source itself.
    let same = (0..)
        .map(|i| format!("same{i}"))
        .find(|k| shard(k) == shard(src))
        .unwrap_or_default();
    rt(&mut r, &["SORT", src, "DESC", "STORE", &same], ":3\r\n");
    rt(
        &mut r,
        &["LRANGE", &same, "0", "-1"],
        &arr(&["3", "2", "1"]),
    );
    rt(
        &mut r,
        &["SORT", src, "BY", "o_*", "ALPHA", "STORE", src],
        ":3\r\n",
    );
    rt(&mut r, &["LRANGE", src, "0", "-1"], &arr(&["2", "1", "3"]));
    // Many pattern keys, destination on each shard in turn.
    fill(&mut r);
    let w = by_weight(|i| ((i * 7) % 13) as i64);
    for d in &keys {
        rt(
            &mut r,
            &["SORT", "ids", "BY", "w_*", "LIMIT", "0", "10", "STORE", d],
            ":10\r\n",
        );
        rt(&mut r, &["LRANGE", d, "0", "-1"], &arr_owned(&w[..10]));
    }
}

#[test]
fn store_signals_watchers() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut other = srv.raw();
    let keys = keys_on_distinct_shards(2);
    rt(&mut r, &["RPUSH", &keys[0], "1"], ":1\r\n");
    let cases: &[(&[&str], bool)] = &[
        (&["SORT", &keys[0]], false),
        (&["SORT", &keys[0], "STORE", "nx_dst_gone"], false),
        (&["SORT", &keys[0], "BY", "w_*", "STORE", &keys[1]], true),
        (&["SORT", "nx", "STORE", &keys[1]], true),
        (&["SORT", "nx", "STORE", &keys[1]], false),
        (&["SORT", &keys[0], "STORE", &keys[1]], true),
    ];
    for (cmd, touches) in cases {
        rt(&mut r, &["WATCH", &keys[1]], "+OK\r\n");
        ask(&mut other, cmd);
        rt(&mut r, &["MULTI"], "+OK\r\n");
        rt(&mut r, &["PING"], "+QUEUED\r\n");
        r.cmd(&[b"EXEC"]);
        let reply = r.read_reply();
        assert_eq!(reply == b"*-1\r\n", *touches, "{cmd:?}");
    }
}

#[test]
fn inside_multi_exec() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    fill(&mut r);
    let keys = keys_on_distinct_shards(SHARDS);
    let w = by_weight(|i| ((i * 7) % 13) as i64);
    rt(&mut r, &["MULTI"], "+OK\r\n");
    rt(&mut r, &["SET", "w_1", "100"], "+QUEUED\r\n");
    rt(
        &mut r,
        &["SORT", "ids", "BY", "w_*", "GET", "o_*", "STORE", &keys[2]],
        "+QUEUED\r\n",
    );
    rt(&mut r, &["LRANGE", &keys[2], "0", "1"], "+QUEUED\r\n");
    rt(
        &mut r,
        &["SORT", "ids", "BY", "w_*", "DESC", "LIMIT", "0", "1"],
        "+QUEUED\r\n",
    );
    rt(
        &mut r,
        &["SORT", "ids", "LIMIT", "0", "2", "STORE", &keys[3]],
        "+QUEUED\r\n",
    );
    rt(&mut r, &["SORT_RO", "ids", "STORE", "x"], "+QUEUED\r\n");
    let first: Vec<String> = w
        .iter()
        .filter(|id| *id != "1")
        .take(2)
        .map(|id| format!("obj{id}"))
        .collect();
    let expected = format!(
        "*6\r\n+OK\r\n:40\r\n{}{}:2\r\n{SYNTAX}",
        arr_owned(&first),
        arr(&["1"]),
    );
    r.cmd(&[b"EXEC"]);
    assert_eq!(String::from_utf8_lossy(&r.read_reply()), expected);
    rt(&mut r, &["LRANGE", &keys[3], "0", "-1"], &arr(&["0", "1"]));
    // A syntax error inside the block is a reply, not an abort.
    rt(&mut r, &["MULTI"], "+OK\r\n");
    rt(&mut r, &["SORT", "ids", "BY"], "+QUEUED\r\n");
    rt(&mut r, &["EXEC"], &format!("*1\r\n{SYNTAX}"));
}

#[test]
fn resp3_nils_and_key_specs() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "1"], ":1\r\n");
    ask(&mut r, &["HELLO", "3"]);
    rt(
        &mut r,
        &["SORT", "l", "GET", "#", "GET", "o_*"],
        "*2\r\n$1\r\n1\r\n_\r\n",
    );
    rt(
        &mut r,
        &["COMMAND", "GETKEYS", "SORT", "a", "BY", "w_*", "STORE", "b"],
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    rt(
        &mut r,
        &["COMMAND", "GETKEYS", "SORT_RO", "a", "GET", "x_*"],
        "*1\r\n$1\r\na\r\n",
    );
    let info = ask(&mut r, &["COMMAND", "INFO", "SORT"]);
    assert!(
        info.contains("+movablekeys\r\n:1\r\n:1\r\n:1\r\n"),
        "{info}"
    );
}

#[test]
fn concurrent_writers_see_whole_sorts() {
    // A writer moving weights while SORT BY reads them across shards: each
    // SORT sees one instant (here: the weights always form a permutation).
    let srv = TestServer::start();
    let mut r = srv.raw();
    for i in 0..20 {
        ask(&mut r, &["RPUSH", "ids", &i.to_string()]);
        ask(&mut r, &["SET", &format!("w_{i}"), &i.to_string()]);
    }
    let port = srv.port;
    let writer = std::thread::spawn(move || {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
            .and_then(|c| c.get_connection())
            .expect("connect");
        for n in 0..200 {
            let (a, b) = (n % 20, (n * 7 + 3) % 20);
            // Swap two weights atomically.
            let wa: String = redis::cmd("GET")
                .arg(format!("w_{a}"))
                .query(&mut c)
                .unwrap_or_default();
            let wb: String = redis::cmd("GET")
                .arg(format!("w_{b}"))
                .query(&mut c)
                .unwrap_or_default();
            let _: redis::Value = redis::cmd("MSET")
                .arg(format!("w_{a}"))
                .arg(wb)
                .arg(format!("w_{b}"))
                .arg(wa)
                .query(&mut c)
                .unwrap_or(redis::Value::Nil);
        }
    });
    for _ in 0..50 {
        let reply = ask(&mut r, &["SORT", "ids", "BY", "w_*", "GET", "w_*"]);
        let mut vals: Vec<i64> = reply
            .split("\r\n")
            .filter(|l| !l.starts_with('*') && !l.starts_with('$') && !l.is_empty())
            .map(|l| l.parse().unwrap_or(-1))
            .collect();
        let sorted = {
            let mut v = vals.clone();
            v.sort();
            v
        };
        assert_eq!(vals, sorted, "weights come out in order");
        vals.dedup();
        assert_eq!(vals, (0..20).collect::<Vec<i64>>(), "{reply}");
    }
    writer.join().expect("writer");
}
