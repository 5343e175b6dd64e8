//! Minimal list and set commands: exact replies, WRONGTYPE across types,
//! TYPE, and a list moved across shards by RENAME.

mod common;
use common::*;

#[test]
fn list_commands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "b", "c"], ":2\r\n");
    rt(&mut r, &["LPUSH", "l", "a", "z"], ":4\r\n");
    rt(
        &mut r,
        &["LRANGE", "l", "0", "-1"],
        "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    rt(
        &mut r,
        &["LRANGE", "l", "-2", "100"],
        "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
    );
    rt(&mut r, &["LRANGE", "l", "5", "1"], "*0\r\n");
    rt(
        &mut r,
        &["LRANGE", "l", "x", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(&mut r, &["LRANGE", "nx", "0", "-1"], "*0\r\n");
    rt(&mut r, &["LLEN", "l"], ":4\r\n");
    rt(&mut r, &["LLEN", "nx"], ":0\r\n");
    rt(&mut r, &["LINDEX", "l", "-1"], "$1\r\nc\r\n");
    rt(&mut r, &["LINDEX", "l", "9"], "$-1\r\n");
    rt(
        &mut r,
        &["LINDEX", "l", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    rt(&mut r, &["LINDEX", "nx", "x"], "$-1\r\n");
    rt(&mut r, &["LPUSHX", "nx", "a"], ":0\r\n");
    rt(&mut r, &["RPUSHX", "l", "d"], ":5\r\n");
    rt(&mut r, &["LPOP", "l"], "$1\r\nz\r\n");
    rt(&mut r, &["RPOP", "l", "2"], "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
    rt(&mut r, &["LPOP", "l", "0"], "*0\r\n");
    rt(&mut r, &["LPOP", "nx", "0"], "*-1\r\n");
    rt(&mut r, &["LPOP", "nx"], "$-1\r\n");
    rt(
        &mut r,
        &["LPOP", "l", "-1"],
        "-ERR value is out of range, must be positive\r\n",
    );
    rt(
        &mut r,
        &["LPOP", "l", "1", "2"],
        "-ERR wrong number of arguments for 'lpop' command\r\n",
    );
    rt(&mut r, &["LPOP", "l", "10"], "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    rt(&mut r, &["EXISTS", "l"], ":0\r\n");
}

#[test]
fn set_commands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["SADD", "s", "a", "a", "b"], ":2\r\n");
    rt(&mut r, &["SCARD", "s"], ":2\r\n");
    rt(&mut r, &["SISMEMBER", "s", "a"], ":1\r\n");
    rt(&mut r, &["SISMEMBER", "s", "x"], ":0\r\n");
    rt(&mut r, &["SMISMEMBER", "s", "x", "b"], "*2\r\n:0\r\n:1\r\n");
    rt(&mut r, &["SMISMEMBER", "nx", "x"], "*1\r\n:0\r\n");
    rt(&mut r, &["SMEMBERS", "nx"], "*0\r\n");
    rt(&mut r, &["SREM", "s", "a", "a", "c"], ":1\r\n");
    rt(&mut r, &["SMEMBERS", "s"], "*1\r\n$1\r\nb\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "s"], "$9\r\nhashtable\r\n");
    rt(&mut r, &["SREM", "s", "b"], ":1\r\n");
    rt(&mut r, &["EXISTS", "s"], ":0\r\n");
    rt(&mut r, &["SADD", "i", "1", "2"], ":2\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "i"], "$6\r\nintset\r\n");
}

#[test]
fn wrongtype_and_type() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    rt(&mut r, &["RPUSH", "l", "1"], ":1\r\n");
    rt(&mut r, &["SADD", "s", "m"], ":1\r\n");
    rt(&mut r, &["SET", "str", "v"], "+OK\r\n");
    rt(&mut r, &["GET", "l"], WRONGTYPE);
    rt(&mut r, &["INCR", "l"], WRONGTYPE);
    rt(&mut r, &["APPEND", "l", "x"], WRONGTYPE);
    rt(&mut r, &["LPUSH", "str", "x"], WRONGTYPE);
    rt(&mut r, &["LPOP", "str", "0"], WRONGTYPE);
    rt(&mut r, &["SADD", "l", "x"], WRONGTYPE);
    rt(&mut r, &["LLEN", "s"], WRONGTYPE);
    rt(&mut r, &["TYPE", "l"], "+list\r\n");
    rt(&mut r, &["TYPE", "s"], "+set\r\n");
    rt(&mut r, &["TYPE", "str"], "+string\r\n");
    rt(&mut r, &["OBJECT", "ENCODING", "l"], "$9\r\nquicklist\r\n");
    rt(&mut r, &["SET", "l", "v"], "+OK\r\n");
    rt(&mut r, &["TYPE", "l"], "+string\r\n");
}

#[test]
fn rename_list_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let k = keys_on_distinct_shards(2);
    rt(&mut r, &["RPUSH", &k[0], "a", "b"], ":2\r\n");
    rt(&mut r, &["RENAME", &k[0], &k[1]], "+OK\r\n");
    rt(&mut r, &["EXISTS", &k[0]], ":0\r\n");
    rt(&mut r, &["TYPE", &k[1]], "+list\r\n");
    rt(
        &mut r,
        &["LRANGE", &k[1], "0", "-1"],
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
    rt(&mut r, &["COPY", &k[1], &k[0]], ":1\r\n");
    rt(
        &mut r,
        &["LRANGE", &k[0], "0", "-1"],
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
    );
}
