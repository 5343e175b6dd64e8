//! List commands: exact replies and errors as Redis 7.0 gives them, the
//! multi-key ones (LMOVE, RPOPLPUSH, LMPOP) on one shard and across shards,
//! and the WATCH signals writes must give.

mod common;
use common::*;

#[test]
fn pushes_and_pops() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "a", "b", "c"], ":3\r\n");
    rt(&mut r, &["LPUSHX", "l", "y", "z"], ":5\r\n");
    rt(&mut r, &["RPUSHX", "nx", "a"], ":0\r\n");
    rt(&mut r, &["EXISTS", "nx"], ":0\r\n");
    rt(
        &mut r,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["z", "y", "a", "b", "c"]),
    );
    rt(&mut r, &["LPOP", "l"], "$1\r\nz\r\n");
    rt(&mut r, &["RPOP", "l", "2"], &arr(&["c", "b"]));
    rt(&mut r, &["RPOP", "l", "0"], "*0\r\n");
    rt(&mut r, &["RPOP", "nx", "0"], "*-1\r\n");
    rt(&mut r, &["RPOP", "nx"], "$-1\r\n");
    let positive = "-ERR value is out of range, must be positive\r\n";
    rt(&mut r, &["RPOP", "l", "-1"], positive);
    rt(&mut r, &["RPOP", "l", "x"], positive);
    // The count is checked before the key's type.
    rt(&mut r, &["SET", "s", "v"], "+OK\r\n");
    rt(&mut r, &["LPOP", "s", "x"], positive);
    rt(&mut r, &["LPOP", "s", "0"], WRONGTYPE);
    rt(&mut r, &["RPUSHX", "s", "a"], WRONGTYPE);
    rt(
        &mut r,
        &["LPOP", "l", "9223372036854775807"],
        &arr(&["y", "a"]),
    );
    rt(&mut r, &["EXISTS", "l"], ":0\r\n");
    // RESP3 nulls.
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    rt(&mut r, &["LPOP", "nx", "1"], "_\r\n");
    rt(&mut r, &["LPOP", "nx"], "_\r\n");
}

#[test]
fn index_set_insert() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "a", "b", "c"], ":3\r\n");
    rt(&mut r, &["LINDEX", "l", "-3"], "$1\r\na\r\n");
    rt(&mut r, &["LINDEX", "l", "-9223372036854775808"], "$-1\r\n");
    rt(&mut r, &["LSET", "l", "-1", "C"], "+OK\r\n");
    rt(
        &mut r,
        &["LSET", "l", "3", "x"],
        "-ERR index out of range\r\n",
    );
    rt(&mut r, &["LSET", "l", "x", "x"], NOT_INT);
    rt(&mut r, &["LSET", "nx", "0", "x"], "-ERR no such key\r\n");
    rt(&mut r, &["LINSERT", "l", "BEFORE", "a", "0"], ":4\r\n");
    rt(&mut r, &["LINSERT", "l", "after", "C", "D"], ":5\r\n");
    rt(&mut r, &["LINSERT", "l", "after", "nope", "D"], ":-1\r\n");
    rt(&mut r, &["LINSERT", "l", "middle", "a", "D"], SYNTAX);
    rt(&mut r, &["LINSERT", "nx", "before", "a", "D"], ":0\r\n");
    rt(&mut r, &["LINSERT", "nx", "middle", "a", "D"], SYNTAX);
    rt(
        &mut r,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["0", "a", "b", "C", "D"]),
    );
    rt(
        &mut r,
        &["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
        &arr(&["0", "a", "b", "C", "D"]),
    );
    rt(&mut r, &["LRANGE", "l", "-2", "-3"], "*0\r\n");
}

#[test]
fn rem_and_trim() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["RPUSH", "l", "a", "x", "a", "x", "a", "x", "a"],
        ":7\r\n",
    );
    rt(&mut r, &["LREM", "l", "-2", "a"], ":2\r\n");
    rt(
        &mut r,
        &["LRANGE", "l", "0", "-1"],
        &arr(&["a", "x", "a", "x", "x"]),
    );
    rt(&mut r, &["LREM", "l", "2", "x"], ":2\r\n");
    rt(&mut r, &["LRANGE", "l", "0", "-1"], &arr(&["a", "a", "x"]));
    rt(&mut r, &["LREM", "l", "x", "a"], NOT_INT);
    rt(&mut r, &["LREM", "l", "0", "nope"], ":0\r\n");
    rt(
        &mut r,
        &["LREM", "l", "-9223372036854775808", "a"],
        ":2\r\n",
    );
    rt(&mut r, &["LREM", "l", "0", "x"], ":1\r\n");
    rt(&mut r, &["EXISTS", "l"], ":0\r\n");
    rt(&mut r, &["LREM", "nx", "x", "a"], NOT_INT);
    rt(&mut r, &["LREM", "nx", "0", "a"], ":0\r\n");

    rt(
        &mut r,
        &["RPUSH", "t", "1", "2", "3", "4", "5", "6"],
        ":6\r\n",
    );
    rt(&mut r, &["LTRIM", "t", "1", "-2"], "+OK\r\n");
    rt(
        &mut r,
        &["LRANGE", "t", "0", "-1"],
        &arr(&["2", "3", "4", "5"]),
    );
    rt(&mut r, &["LTRIM", "t", "-100", "100"], "+OK\r\n");
    rt(&mut r, &["LLEN", "t"], ":4\r\n");
    rt(&mut r, &["LTRIM", "t", "x", "1"], NOT_INT);
    rt(&mut r, &["LTRIM", "nx", "0", "1"], "+OK\r\n");
    rt(&mut r, &["LTRIM", "t", "2", "1"], "+OK\r\n");
    rt(&mut r, &["EXISTS", "t"], ":0\r\n");
}

#[test]
fn lpos_options() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(
        &mut r,
        &["RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"],
        ":7\r\n",
    );
    rt(&mut r, &["LPOS", "l", "a"], ":0\r\n");
    rt(&mut r, &["LPOS", "l", "a", "RANK", "-1"], ":6\r\n");
    rt(
        &mut r,
        &["LPOS", "l", "a", "RANK", "2", "COUNT", "0"],
        "*2\r\n:3\r\n:6\r\n",
    );
    rt(
        &mut r,
        &["LPOS", "l", "a", "RANK", "-2", "COUNT", "2"],
        "*2\r\n:3\r\n:0\r\n",
    );
    rt(
        &mut r,
        &["LPOS", "l", "a", "MAXLEN", "3", "COUNT", "0"],
        "*1\r\n:0\r\n",
    );
    rt(
        &mut r,
        &["LPOS", "l", "a", "RANK", "1", "RANK", "3"],
        ":6\r\n",
    );
    rt(&mut r, &["LPOS", "l", "x"], "$-1\r\n");
    rt(&mut r, &["LPOS", "l", "x", "COUNT", "2"], "*0\r\n");
    // Redis 7.0 negates RANK in a C long: -2^63 stays negative, so every
    // match qualifies and COUNT never stops the search.
    rt(
        &mut r,
        &["LPOS", "l", "a", "RANK", "-9223372036854775808"],
        ":6\r\n",
    );
    rt(
        &mut r,
        &[
            "LPOS",
            "l",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "1",
        ],
        "*3\r\n:6\r\n:3\r\n:0\r\n",
    );
    rt(
        &mut r,
        &["LPOS", "l", "a", "RANK", "0"],
        "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
    );
    rt(&mut r, &["LPOS", "l", "a", "RANK", "x"], NOT_INT);
    rt(
        &mut r,
        &["LPOS", "l", "a", "COUNT", "x"],
        "-ERR COUNT can't be negative\r\n",
    );
    rt(
        &mut r,
        &["LPOS", "l", "a", "MAXLEN", "-1"],
        "-ERR MAXLEN can't be negative\r\n",
    );
    rt(&mut r, &["LPOS", "l", "a", "RANK"], SYNTAX);
    rt(&mut r, &["LPOS", "l", "a", "FOO", "1"], SYNTAX);
    // Options are checked before the key.
    rt(
        &mut r,
        &["LPOS", "nx", "a", "COUNT", "-1"],
        "-ERR COUNT can't be negative\r\n",
    );
    rt(&mut r, &["LPOS", "nx", "a"], "$-1\r\n");
    rt(&mut r, &["LPOS", "nx", "a", "COUNT", "1"], "*0\r\n");
}

fn lmove_cases(r: &mut Raw, src: &str, dst: &str) {
    rt(r, &["RPUSH", src, "1", "2", "3"], ":3\r\n");
    rt(r, &["LMOVE", src, dst, "LEFT", "RIGHT"], "$1\r\n1\r\n");
    rt(r, &["LMOVE", src, dst, "right", "left"], "$1\r\n3\r\n");
    rt(r, &["LRANGE", dst, "0", "-1"], &arr(&["3", "1"]));
    rt(r, &["LMOVE", src, dst, "up", "left"], SYNTAX);
    rt(r, &["RPOPLPUSH", src, dst], "$1\r\n2\r\n");
    rt(r, &["EXISTS", src], ":0\r\n");
    rt(r, &["LRANGE", dst, "0", "-1"], &arr(&["2", "3", "1"]));
    rt(r, &["RPOPLPUSH", src, dst], "$-1\r\n");
    rt(r, &["LMOVE", dst, dst, "LEFT", "RIGHT"], "$1\r\n2\r\n");
    rt(r, &["LRANGE", dst, "0", "-1"], &arr(&["3", "1", "2"]));
    // A wrong-typed destination moves nothing.
    rt(r, &["SET", src, "v"], "+OK\r\n");
    rt(r, &["LMOVE", dst, src, "LEFT", "LEFT"], WRONGTYPE);
    rt(r, &["LMOVE", src, dst, "LEFT", "LEFT"], WRONGTYPE);
    rt(r, &["LLEN", dst], ":3\r\n");
    rt(r, &["DEL", src], ":1\r\n");
    // A missing source answers nil even when the destination is not a list.
    rt(r, &["SET", dst, "v"], "+OK\r\n");
    rt(r, &["LMOVE", src, dst, "LEFT", "LEFT"], "$-1\r\n");
    rt(r, &["DEL", dst], ":1\r\n");
}

#[test]
fn lmove_one_shard_and_across() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    lmove_cases(&mut r, "{t}a", "{t}b");
    let k = keys_on_distinct_shards(2);
    lmove_cases(&mut r, &k[0], &k[1]);
}

#[test]
fn lmpop() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(3);
    rt(&mut r, &["RPUSH", &k[1], "a", "b", "c"], ":3\r\n");
    let reply =
        |key: &str, items: &[&str]| format!("*2\r\n${}\r\n{key}\r\n{}", key.len(), arr(items));
    rt(
        &mut r,
        &["LMPOP", "3", &k[0], &k[1], &k[2], "RIGHT", "COUNT", "2"],
        &reply(&k[1], &["c", "b"]),
    );
    rt(
        &mut r,
        &["LMPOP", "2", &k[0], &k[1], "left"],
        &reply(&k[1], &["a"]),
    );
    rt(&mut r, &["EXISTS", &k[1]], ":0\r\n");
    rt(&mut r, &["LMPOP", "2", &k[0], &k[1], "left"], "*-1\r\n");
    rt(&mut r, &["SET", &k[2], "v"], "+OK\r\n");
    rt(&mut r, &["LMPOP", "2", &k[0], &k[2], "left"], WRONGTYPE);
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    rt(&mut r, &["LMPOP", "0", "a", "left"], numkeys);
    rt(&mut r, &["LMPOP", "x", "a", "left"], numkeys);
    rt(&mut r, &["LMPOP", "2", "a", "left"], SYNTAX);
    rt(
        &mut r,
        &["LMPOP", "9223372036854775807", "a", "left"],
        SYNTAX,
    );
    rt(&mut r, &["LMPOP", "1", "a", "middle"], SYNTAX);
    rt(
        &mut r,
        &["LMPOP", "1", "a", "left", "COUNT", "0"],
        "-ERR count should be greater than 0\r\n",
    );
    rt(
        &mut r,
        &["LMPOP", "1", "a", "left", "COUNT", "1", "COUNT", "1"],
        SYNTAX,
    );
    rt(&mut r, &["RPUSH", "{t}x", "1"], ":1\r\n");
    rt(
        &mut r,
        &["LMPOP", "1", "{t}x", "left", "COUNT", "5"],
        &reply("{t}x", &["1"]),
    );
}

/// A write that changes a list makes a watcher's EXEC fail; one that
/// changes nothing leaves it alone (LTRIM always counts, as in Redis).
#[test]
fn watch_signals() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut other = srv.raw();
    rt(&mut r, &["RPUSH", "l", "a", "b"], ":2\r\n");
    let cases: &[(&[&str], bool)] = &[
        (&["LINSERT", "l", "BEFORE", "nope", "x"], false),
        (&["LREM", "l", "0", "nope"], false),
        (&["LPUSHX", "nx", "a"], false),
        (&["LPOS", "l", "a"], false),
        (&["LTRIM", "l", "0", "-1"], true),
        (&["LSET", "l", "0", "a"], true),
        (&["LINSERT", "l", "AFTER", "a", "x"], true),
        (&["LREM", "l", "0", "x"], true),
        (&["RPOPLPUSH", "l", "l"], true),
    ];
    for (cmd, touches) in cases {
        rt(&mut r, &["WATCH", "l"], "+OK\r\n");
        let a: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
        other.cmd(&a);
        other.read_reply();
        rt(&mut r, &["MULTI"], "+OK\r\n");
        rt(&mut r, &["LLEN", "l"], "+QUEUED\r\n");
        r.cmd(&[b"EXEC"]);
        let reply = r.read_reply();
        assert_eq!(
            reply == b"*-1\r\n",
            *touches,
            "{cmd:?}: {:?}",
            String::from_utf8_lossy(&reply)
        );
    }
}
