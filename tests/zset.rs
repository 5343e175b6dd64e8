//! Sorted sets: exact replies (as redis-server 7.0 gives them) for every
//! command, both encodings, RESP3 shapes, set operations over sorted sets
//! and sets, change counting, and COMMAND GETKEYS for the numkeys commands. Keys of
//! multi-key commands share a hash tag so they live on one shard.

mod common;
use common::*;

/// Runs space-separated commands, checking each reply.
fn script(r: &mut Raw, steps: &[(&str, &str)]) {
    for (cmd, want) in steps {
        let args: Vec<&str> = cmd.split(' ').collect();
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        r.cmd(&a);
        let got = r.read_reply();
        assert_eq!(
            String::from_utf8_lossy(&got),
            *want,
            "reply to {cmd:?} differs"
        );
    }
}

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";

fn resp3(r: &mut Raw) {
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
}

#[test]
fn zadd_options_and_errors() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k", "-ERR wrong number of arguments for 'zadd' command\r\n"),
            ("ZADD k 1", "-ERR wrong number of arguments for 'zadd' command\r\n"),
            ("ZADD k 1 a 2", SYNTAX),
            ("ZADD k NX XX 1 a", "-ERR XX and NX options at the same time are not compatible\r\n"),
            ("ZADD k GT LT 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
            ("ZADD k gt nx 1 a", "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
            ("ZADD k INCR 1 a 2 b", "-ERR INCR option supports a single increment-element pair\r\n"),
            ("ZADD k nan a", "-ERR value is not a valid float\r\n"),
            ("ZADD k 1 a x b", "-ERR value is not a valid float\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("ZADD k XX 1 a", ":0\r\n"),
            ("ZADD k XX INCR 1 a", "$-1\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("ZADD k 1 a 2 b 3 c", ":3\r\n"),
            ("ZADD k 1 a 5 b", ":0\r\n"),
            ("ZADD k CH 1 a 6 b 7 d", ":2\r\n"),
            ("ZADD k NX 9 a 8 e", ":1\r\n"),
            ("ZADD k XX CH 10 a 10 z", ":1\r\n"),
            ("ZADD k GT CH 5 a 11 c", ":1\r\n"),
            ("ZADD k LT CH 5 a 99 c", ":1\r\n"),
            ("ZADD k GT INCR -1 a", "$-1\r\n"),
            ("ZADD k INCR 1.5 a", "$3\r\n6.5\r\n"),
            ("ZINCRBY k 0.1 a", "$18\r\n6.5999999999999996\r\n"),
            ("ZINCRBY k 1 new", "$1\r\n1\r\n"),
            ("ZINCRBY k nx a", SYNTAX),
            ("ZINCRBY k abc a", "-ERR value is not a valid float\r\n"),
            ("ZADD k INCR +inf a", "$3\r\ninf\r\n"),
            ("ZADD k INCR -inf a", "-ERR resulting score is not a number (NaN)\r\n"),
            ("ZSCORE k a", "$3\r\ninf\r\n"),
            (
                "ZRANGE k 0 -1 WITHSCORES",
                "*12\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n6\r\n$1\r\nd\r\n$1\r\n7\r\n$1\r\ne\r\n$1\r\n8\r\n$1\r\nc\r\n$2\r\n11\r\n$1\r\na\r\n$3\r\ninf\r\n",
            ),
            ("SET s x", "+OK\r\n"),
            ("ZADD s 1 a", WRONGTYPE),
            ("ZADD s nan a", "-ERR value is not a valid float\r\n"),
            ("ZINCRBY s 1 a", WRONGTYPE),
        ],
    );
}

#[test]
fn scores_format_as_redis() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k -0 a 1.1 b 1e20 c 0.1 d -1.5e-7 e", ":5\r\n"),
            (
                "ZRANGE k 0 -1 WITHSCORES",
                "*10\r\n$1\r\ne\r\n$23\r\n-1.4999999999999999e-07\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nd\r\n$19\r\n0.10000000000000001\r\n$1\r\nb\r\n$18\r\n1.1000000000000001\r\n$1\r\nc\r\n$5\r\n1e+20\r\n",
            ),
            (
                "ZSCAN k 0",
                "*2\r\n$1\r\n0\r\n*10\r\n$1\r\ne\r\n$23\r\n-1.4999999999999999e-07\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nd\r\n$19\r\n0.10000000000000001\r\n$1\r\nb\r\n$18\r\n1.1000000000000001\r\n$1\r\nc\r\n$5\r\n1e+20\r\n",
            ),
            // The reply carries the computed -0; the compact form stores 0.
            ("ZINCRBY k2 -0 x", "$2\r\n-0\r\n"),
            ("ZSCORE k2 x", "$1\r\n0\r\n"),
            ("ZADD k 0x10 hex", ":1\r\n"),
            ("ZSCORE k hex", "$2\r\n16\r\n"),
        ],
    );
}

#[test]
fn large_encoding_keeps_negative_zero_and_converts_once() {
    let srv = TestServer::with(|c| {
        c.zset_max_listpack_entries = 2;
        c.zset_max_listpack_value = 4;
    });
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b", ":2\r\n"),
            ("OBJECT ENCODING k", "$8\r\nlistpack\r\n"),
            ("ZADD k XX 3 c", ":0\r\n"),
            ("OBJECT ENCODING k", "$8\r\nlistpack\r\n"),
            ("ZADD k -0 c", ":1\r\n"),
            ("OBJECT ENCODING k", "$8\r\nskiplist\r\n"),
            ("ZSCORE k c", "$2\r\n-0\r\n"),
            ("ZREM k a b", ":2\r\n"),
            ("OBJECT ENCODING k", "$8\r\nskiplist\r\n"),
            ("ZADD long 1 abcde", ":1\r\n"),
            ("OBJECT ENCODING long", "$8\r\nskiplist\r\n"),
            ("ZADD short 1 abcd", ":1\r\n"),
            ("OBJECT ENCODING short", "$8\r\nlistpack\r\n"),
            ("TYPE short", "+zset\r\n"),
        ],
    );
}

#[test]
fn reads_and_wrongtype() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b 3 c", ":3\r\n"),
            ("ZCARD k", ":3\r\n"),
            ("ZCARD nokey", ":0\r\n"),
            ("ZSCORE k b", "$1\r\n2\r\n"),
            ("ZSCORE k x", "$-1\r\n"),
            ("ZSCORE nokey x", "$-1\r\n"),
            ("ZMSCORE k a x c", "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n"),
            ("ZMSCORE nokey a b", "*2\r\n$-1\r\n$-1\r\n"),
            ("ZRANK k c", ":2\r\n"),
            ("ZREVRANK k c", ":0\r\n"),
            ("ZRANK k x", "$-1\r\n"),
            ("ZRANK nokey x", "$-1\r\n"),
            // 7.0 has no WITHSCORE option.
            (
                "ZRANK k a WITHSCORE",
                "-ERR wrong number of arguments for 'zrank' command\r\n",
            ),
            ("ZCOUNT k (1 3", ":2\r\n"),
            ("ZCOUNT k -inf +inf", ":3\r\n"),
            ("ZCOUNT k 5 1", ":0\r\n"),
            ("ZCOUNT k x 1", "-ERR min or max is not a float\r\n"),
            ("ZCOUNT nokey x 1", "-ERR min or max is not a float\r\n"),
            ("SET s v", "+OK\r\n"),
            ("ZCARD s", WRONGTYPE),
            ("ZSCORE s a", WRONGTYPE),
            ("ZMSCORE s a", WRONGTYPE),
            ("ZRANK s a", WRONGTYPE),
            ("ZRANGE s 0 -1", WRONGTYPE),
            ("ZRANGE s x y", NOT_INT),
            ("ZREM s a", WRONGTYPE),
            ("ZPOPMIN s", WRONGTYPE),
            ("ZRANDMEMBER s", WRONGTYPE),
            ("ZSCAN s 0", WRONGTYPE),
            (
                "ZLEXCOUNT s a b",
                "-ERR min or max not valid string range item\r\n",
            ),
            ("ZCOUNT s 0 1", WRONGTYPE),
        ],
    );
}

#[test]
fn lex_ranges() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 0 a 0 b 0 c 0 d 0 e", ":5\r\n"),
            ("ZRANGEBYLEX k [b (d", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            (
                "ZRANGEBYLEX k - + LIMIT 1 2",
                "*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
            ),
            ("ZREVRANGEBYLEX k (d [b", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            (
                "ZREVRANGEBYLEX k + - LIMIT 1 2",
                "*2\r\n$1\r\nd\r\n$1\r\nc\r\n",
            ),
            ("ZRANGE k [d + BYLEX", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE k + [d BYLEX REV", "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"),
            ("ZLEXCOUNT k [b +", ":4\r\n"),
            ("ZLEXCOUNT k - -", ":0\r\n"),
            ("ZLEXCOUNT k (c (c", ":0\r\n"),
            (
                "ZLEXCOUNT k a b",
                "-ERR min or max not valid string range item\r\n",
            ),
            (
                "ZRANGEBYLEX k - ++",
                "-ERR min or max not valid string range item\r\n",
            ),
            (
                "ZRANGEBYLEX k - + WITHSCORES",
                "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n",
            ),
            ("ZREMRANGEBYLEX k - [b", ":2\r\n"),
            ("ZRANGE k 0 -1", "*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            (
                "ZREMRANGEBYLEX k x 1",
                "-ERR min or max not valid string range item\r\n",
            ),
        ],
    );
}

#[test]
fn ranges_by_rank_and_score() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZRANGE k 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"),
            ("ZRANGE k -2 100", "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"),
            ("ZRANGE k 3 1", "*0\r\n"),
            ("ZRANGE k 0 0 REV WITHSCORES", "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"),
            ("ZREVRANGE k 0 1", "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"),
            ("ZREVRANGE k 0 1 WITHSCORES x", SYNTAX),
            ("ZREVRANGE k 0 1 REV", SYNTAX),
            ("ZRANGE k 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
            ("ZRANGE k 0 1 BYSCORE BYLEX", SYNTAX),
            ("ZRANGE k 0 1 REV REV", SYNTAX),
            ("ZRANGE k (1 4 BYSCORE", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGE k 4 (1 BYSCORE REV LIMIT 1 5", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT 1 2 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT -1 2", "*0\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT 4 -1", "*1\r\n$1\r\ne\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT 5 1", "*0\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT 0 0", "*0\r\n"),
            ("ZRANGEBYSCORE k -inf +inf LIMIT 0", SYNTAX),
            ("ZRANGEBYSCORE k x y LIMIT a 1", NOT_INT),
            ("ZRANGEBYSCORE k ( 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("ZRANGEBYSCORE k 1e999 inf", "*0\r\n"),
            ("ZRANGEBYSCORE k nan inf", "-ERR min or max is not a float\r\n"),
            ("ZRANGEBYSCORE k 0 1 REV", SYNTAX),
            ("ZRANGEBYSCORE k 0 1 BYLEX", SYNTAX),
            ("ZREVRANGEBYSCORE k +inf -inf WITHSCORES LIMIT 1 2", "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            ("ZREVRANGEBYSCORE k (4 (2", "*1\r\n$1\r\nc\r\n"),
            ("ZRANGE nokey 0 -1 WITHSCORES", "*0\r\n"),
            ("ZREMRANGEBYSCORE k (4 +inf", ":1\r\n"),
            ("ZREMRANGEBYRANK k -2 -1", ":2\r\n"),
            ("ZREMRANGEBYRANK k 5 9", ":0\r\n"),
            ("ZREMRANGEBYRANK k x 1", NOT_INT),
            ("ZREMRANGEBYRANK nokey x 1", NOT_INT),
            ("ZREMRANGEBYSCORE k x 1", "-ERR min or max is not a float\r\n"),
            ("ZRANGE k 0 -1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"),
            ("ZREMRANGEBYRANK k 0 -1", ":2\r\n"),
            ("EXISTS k", ":0\r\n"),
        ],
    );
}

#[test]
fn pops_and_random_members() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b 3 c", ":3\r\n"),
            ("ZPOPMIN k", "*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            ("ZPOPMAX k 5", "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"),
            ("EXISTS k", ":0\r\n"),
            ("ZPOPMIN k", "*0\r\n"),
            ("ZPOPMIN k 2", "*0\r\n"),
            ("ZPOPMIN k -1", "-ERR value is out of range, must be positive\r\n"),
            ("ZPOPMIN k x", "-ERR value is out of range, must be positive\r\n"),
            ("ZPOPMIN k 1 2", SYNTAX),
            ("ZADD k 1 a 2 b", ":2\r\n"),
            ("ZPOPMAX k 0", "*0\r\n"),
            ("ZRANDMEMBER k 5", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZRANDMEMBER k 0", "*0\r\n"),
            ("ZRANDMEMBER k -9223372036854775808", "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"),
            ("ZRANDMEMBER k 1 WITHSCORES x", SYNTAX),
            ("ZRANDMEMBER k 1 x", SYNTAX),
            ("ZRANDMEMBER k x", NOT_INT),
            ("ZRANDMEMBER nokey", "$-1\r\n"),
            ("ZRANDMEMBER nokey 3", "*0\r\n"),
            ("ZADD one 7 m", ":1\r\n"),
            ("ZRANDMEMBER one", "$1\r\nm\r\n"),
            ("ZRANDMEMBER one -3 WITHSCORES", "*6\r\n$1\r\nm\r\n$1\r\n7\r\n$1\r\nm\r\n$1\r\n7\r\n$1\r\nm\r\n$1\r\n7\r\n"),
        ],
    );
    // Unique picks of a larger set: distinct members, right count.
    let mut c = srv.client();
    let members: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    let mut cmd = redis::cmd("ZADD");
    cmd.arg("big");
    for (i, m) in members.iter().enumerate() {
        cmd.arg(i).arg(m);
    }
    let _: i64 = cmd.query(&mut c).unwrap();
    for n in [1usize, 10, 40, 99] {
        let got: Vec<String> = redis::cmd("ZRANDMEMBER")
            .arg("big")
            .arg(n)
            .query(&mut c)
            .unwrap();
        let mut uniq = got.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!((got.len(), uniq.len()), (n, n));
        assert!(got.iter().all(|m| members.contains(m)));
    }
    let got: Vec<String> = redis::cmd("ZRANDMEMBER")
        .arg("big")
        .arg(-500)
        .query(&mut c)
        .unwrap();
    assert_eq!(got.len(), 500);
}

#[test]
fn zmpop() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD {t}b 1 a 2 b 3 c", ":3\r\n"),
            ("ZMPOP 2 {t}a {t}b MIN", "*2\r\n$4\r\n{t}b\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
            (
                "ZMPOP 2 {t}a {t}b max COUNT 10",
                "*2\r\n$4\r\n{t}b\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            ),
            ("EXISTS {t}b", ":0\r\n"),
            ("ZMPOP 2 {t}a {t}b MIN", "*-1\r\n"),
            ("ZMPOP 0 a MIN", "-ERR numkeys should be greater than 0\r\n"),
            ("ZMPOP x a MIN", "-ERR numkeys should be greater than 0\r\n"),
            ("ZMPOP 1 a", "-ERR wrong number of arguments for 'zmpop' command\r\n"),
            ("ZMPOP 1 a MID", SYNTAX),
            ("ZMPOP 1 a MIN COUNT 0", "-ERR count should be greater than 0\r\n"),
            ("ZMPOP 1 a MIN COUNT x", "-ERR count should be greater than 0\r\n"),
            ("ZMPOP 1 a MIN COUNT 1 COUNT 1", SYNTAX),
            ("SET {t}s x", "+OK\r\n"),
            ("ZMPOP 2 {t}nokey {t}s MIN", WRONGTYPE),
        ],
    );
}

#[test]
fn resp3_shapes() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    resp3(&mut r);
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b", ":2\r\n"),
            ("ZSCORE k a", ",1\r\n"),
            ("ZSCORE k x", "_\r\n"),
            ("ZMSCORE k a x", "*2\r\n,1\r\n_\r\n"),
            ("ZINCRBY k 1.5 a", ",2.5\r\n"),
            (
                "ZRANGE k 0 -1 WITHSCORES",
                "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,2.5\r\n",
            ),
            ("ZRANGE k 0 -1", "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ("ZRANK k x", "_\r\n"),
            (
                "ZRANDMEMBER k 5 WITHSCORES",
                "*2\r\n*2\r\n$1\r\na\r\n,2.5\r\n*2\r\n$1\r\nb\r\n,2\r\n",
            ),
            (
                "ZUNION 1 k WITHSCORES",
                "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,2.5\r\n",
            ),
            (
                "ZSCAN k 0",
                "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$3\r\n2.5\r\n",
            ),
            ("ZPOPMIN k", "*2\r\n$1\r\nb\r\n,2\r\n"),
            ("ZPOPMIN k 1", "*1\r\n*2\r\n$1\r\na\r\n,2.5\r\n"),
            ("ZMPOP 1 k MIN", "_\r\n"),
            ("ZADD k 1 a", ":1\r\n"),
            (
                "ZMPOP 1 k MIN",
                "*2\r\n$1\r\nk\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n",
            ),
            ("ZADD k XX INCR 1 nope", "_\r\n"),
            ("ZRANDMEMBER k", "_\r\n"),
        ],
    );
}

#[test]
fn set_operations() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD {t}a 1 x 2 y 3 z", ":3\r\n"),
            ("ZADD {t}b 10 y 20 z 30 w", ":3\r\n"),
            ("SADD {t}s z w v", ":3\r\n"),
            (
                "ZUNION 2 {t}a {t}b WITHSCORES",
                "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n",
            ),
            (
                "ZINTER 2 {t}a {t}b WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES",
                "*4\r\n$1\r\ny\r\n$1\r\n5\r\n$1\r\nz\r\n$2\r\n10\r\n",
            ),
            ("ZINTER 2 {t}a {t}b AGGREGATE MIN", "*2\r\n$1\r\ny\r\n$1\r\nz\r\n"),
            ("ZDIFF 2 {t}a {t}b WITHSCORES", "*2\r\n$1\r\nx\r\n$1\r\n1\r\n"),
            ("ZDIFF 3 {t}b {t}a {t}s", "*0\r\n"),
            // A set is a sorted set of scores 1.
            ("ZUNIONSTORE {t}d 2 {t}a {t}s", ":5\r\n"),
            (
                "ZRANGE {t}d 0 -1 WITHSCORES",
                "*10\r\n$1\r\nv\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n4\r\n",
            ),
            ("ZINTERSTORE {t}d 2 {t}s {t}b WEIGHTS 5 1", ":2\r\n"),
            ("ZRANGE {t}d 0 -1 WITHSCORES", "*4\r\n$1\r\nz\r\n$2\r\n25\r\n$1\r\nw\r\n$2\r\n35\r\n"),
            ("ZDIFFSTORE {t}d 2 {t}b {t}a", ":1\r\n"),
            ("ZRANGE {t}d 0 -1 WITHSCORES", "*2\r\n$1\r\nw\r\n$2\r\n30\r\n"),
            // An empty result deletes the destination.
            ("ZINTERSTORE {t}d 2 {t}a {t}nokey", ":0\r\n"),
            ("EXISTS {t}d", ":0\r\n"),
            ("ZINTERCARD 2 {t}a {t}b", ":2\r\n"),
            ("ZINTERCARD 2 {t}a {t}b LIMIT 1", ":1\r\n"),
            ("ZINTERCARD 2 {t}a {t}b LIMIT 0", ":2\r\n"),
            ("ZINTERCARD 2 {t}a {t}b LIMIT -1", "-ERR LIMIT can't be negative\r\n"),
            ("ZINTERCARD 0 {t}a", "-ERR at least 1 input key is needed for 'zintercard' command\r\n"),
            ("ZUNION 0 {t}a", "-ERR at least 1 input key is needed for 'zunion' command\r\n"),
            ("ZUNIONSTORE {t}d 0 {t}a", "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"),
            ("ZUNIONSTORE {t}d x {t}a", NOT_INT),
            ("ZUNION 1 {t}a WEIGHTS x", "-ERR weight value is not a float\r\n"),
            ("ZUNION 1 {t}a WEIGHTS 1 2", SYNTAX),
            ("ZUNION 1 {t}a AGGREGATE AVG", SYNTAX),
            ("ZDIFF 1 {t}a WEIGHTS 1", SYNTAX),
            ("ZINTERSTORE {t}d 1 {t}a WITHSCORES", SYNTAX),
            ("SET {t}str v", "+OK\r\n"),
            // Types are checked before the options.
            ("ZUNIONSTORE {t}d 2 {t}nokey {t}str WEIGHTS x 1", WRONGTYPE),
            // inf + -inf sums to 0; inf * 0 weight is 0.
            ("ZADD {t}i 1 p inf q", ":2\r\n"),
            ("ZADD {t}j 1 p -inf q", ":2\r\n"),
            ("ZUNION 2 {t}i {t}j WITHSCORES", "*4\r\n$1\r\nq\r\n$1\r\n0\r\n$1\r\np\r\n$1\r\n2\r\n"),
            ("ZUNION 1 {t}i WEIGHTS 0 WITHSCORES", "*4\r\n$1\r\np\r\n$1\r\n0\r\n$1\r\nq\r\n$1\r\n0\r\n"),
        ],
    );
}

#[test]
fn zrangestore() {
    let srv = TestServer::with(|c| c.zset_max_listpack_entries = 3);
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD {t}k 1 a 2 b 3 c 4 d 5 e", ":5\r\n"),
            ("ZRANGESTORE {t}d {t}k 0 1", ":2\r\n"),
            ("OBJECT ENCODING {t}d", "$8\r\nlistpack\r\n"),
            ("ZRANGESTORE {t}d {t}k 0 -1", ":5\r\n"),
            ("OBJECT ENCODING {t}d", "$8\r\nskiplist\r\n"),
            ("ZRANGESTORE {t}d {t}k (2 +inf BYSCORE LIMIT 1 1", ":1\r\n"),
            ("ZRANGE {t}d 0 -1 WITHSCORES", "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
            ("ZRANGESTORE {t}d {t}k 4 2 BYSCORE REV", ":3\r\n"),
            ("ZRANGE {t}d 0 -1", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"),
            ("ZRANGESTORE {t}d {t}k 0 -1 WITHSCORES", SYNTAX),
            ("ZRANGESTORE {t}d {t}k 0 -1 LIMIT 0 1", "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
            ("ZRANGESTORE {t}d {t}nokey 0 -1", ":0\r\n"),
            ("EXISTS {t}d", ":0\r\n"),
            ("SET {t}s v", "+OK\r\n"),
            ("ZRANGESTORE {t}d {t}s 0 -1", WRONGTYPE),
            ("EXPIRE {t}k 100", ":1\r\n"),
            ("ZRANGESTORE {t}k {t}k 0 0", ":1\r\n"),
            ("TTL {t}k", ":-1\r\n"),
        ],
    );
}

#[test]
fn zscan_walks_both_encodings() {
    let srv = TestServer::with(|c| c.zset_max_listpack_entries = 16);
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            ("ZADD k 1 a 2 b", ":2\r\n"),
            (
                "ZSCAN k 0 MATCH a",
                "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
            ),
            ("ZSCAN k 0 COUNT 0", SYNTAX),
            ("ZSCAN k 0 COUNT x", NOT_INT),
            ("ZSCAN k 0 TYPE zset", SYNTAX),
            ("ZSCAN k 0 MATCH", SYNTAX),
            ("ZSCAN k x", "-ERR invalid cursor\r\n"),
            ("ZSCAN nokey 0 TYPE x", "*2\r\n$1\r\n0\r\n*0\r\n"),
        ],
    );
    let mut c = srv.client();
    let mut cmd = redis::cmd("ZADD");
    cmd.arg("big");
    for i in 0..1000 {
        cmd.arg(i).arg(format!("m{i}"));
    }
    let _: i64 = cmd.query(&mut c).unwrap();
    let mut seen = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, items): (u64, Vec<String>) = redis::cmd("ZSCAN")
            .arg("big")
            .arg(cursor)
            .arg("MATCH")
            .arg("m1*")
            .query(&mut c)
            .unwrap();
        for pair in items.chunks(2) {
            assert_eq!(pair[0][1..].parse::<u64>().unwrap().to_string(), pair[1]);
            seen.push(pair[0].clone());
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    seen.sort();
    let mut want: Vec<String> = (0..1000)
        .map(|i| format!("m{i}"))
        .filter(|m| m.starts_with("m1"))
        .collect();
    want.sort();
    assert_eq!(seen, want);
}

#[test]
fn large_sets_rank_and_range() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let n = 20_000;
    for chunk in (0..n).collect::<Vec<i64>>().chunks(1000) {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg("z");
        for &i in chunk {
            // Scores collide in pairs: ties order by member.
            cmd.arg(i / 2).arg(format!("m{i:06}"));
        }
        let _: i64 = cmd.query(&mut c).unwrap();
    }
    assert_eq!(
        q(&mut c, &["OBJECT", "ENCODING", "z"]),
        redis::Value::BulkString(b"skiplist".to_vec())
    );
    let card: i64 = redis::cmd("ZCARD").arg("z").query(&mut c).unwrap();
    assert_eq!(card, n);
    for i in [0, 1, 777, 10_001, n - 1] {
        let rank: i64 = redis::cmd("ZRANK")
            .arg("z")
            .arg(format!("m{i:06}"))
            .query(&mut c)
            .unwrap();
        assert_eq!(rank, i);
        let rev: i64 = redis::cmd("ZREVRANK")
            .arg("z")
            .arg(format!("m{i:06}"))
            .query(&mut c)
            .unwrap();
        assert_eq!(rev, n - 1 - i);
    }
    let got: Vec<String> = redis::cmd("ZRANGE")
        .arg("z")
        .arg(5000)
        .arg(5002)
        .query(&mut c)
        .unwrap();
    assert_eq!(got, vec!["m005000", "m005001", "m005002"]);
    let count: i64 = redis::cmd("ZCOUNT")
        .arg("z")
        .arg(100)
        .arg("(200")
        .query(&mut c)
        .unwrap();
    assert_eq!(count, 200);
    let got: Vec<String> = redis::cmd("ZREVRANGEBYSCORE")
        .arg("z")
        .arg("+inf")
        .arg("-inf")
        .arg("LIMIT")
        .arg(1)
        .arg(2)
        .query(&mut c)
        .unwrap();
    assert_eq!(
        got,
        vec![format!("m{:06}", n - 2), format!("m{:06}", n - 3)]
    );
    let removed: i64 = redis::cmd("ZREMRANGEBYSCORE")
        .arg("z")
        .arg(0)
        .arg(4999)
        .query(&mut c)
        .unwrap();
    assert_eq!(removed, 10_000);
    let first: Vec<String> = redis::cmd("ZRANGE")
        .arg("z")
        .arg(0)
        .arg(0)
        .query(&mut c)
        .unwrap();
    assert_eq!(first, vec!["m010000"]);
    let removed: i64 = redis::cmd("ZREMRANGEBYRANK")
        .arg("z")
        .arg(0)
        .arg(-2)
        .query(&mut c)
        .unwrap();
    assert_eq!(removed, 9_999);
    let popped: Vec<String> = redis::cmd("ZPOPMAX").arg("z").query(&mut c).unwrap();
    assert_eq!(
        popped,
        vec![format!("m{:06}", n - 1), ((n - 1) / 2).to_string()]
    );
    let exists: i64 = redis::cmd("EXISTS").arg("z").query(&mut c).unwrap();
    assert_eq!(exists, 0);
}

/// INFO's rdb_changes_since_last_save (Redis's server.dirty).
fn dirty(c: &mut redis::Connection) -> i64 {
    let info: String = redis::cmd("INFO").arg("persistence").query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("rdb_changes_since_last_save")
}

/// Each command counts the changes Redis counts, and none when nothing
/// changed (what WATCH and, later, the AOF rely on).
#[test]
fn changes_are_counted_as_redis_does() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let steps: &[(&str, i64)] = &[
        ("ZADD {t}k 1 a 2 b", 2),
        ("ZADD {t}k 1 a", 0),
        ("ZADD {t}k XX 5 zz", 0),
        ("ZADD {t}k CH 3 a 3 c", 2),
        ("ZINCRBY {t}k 1 a", 1),
        ("ZINCRBY {t}k 0 a", 0),
        ("ZREM {t}k zz", 0),
        ("ZREM {t}k a b", 2),
        ("ZREMRANGEBYSCORE {t}k 5 6", 0),
        ("ZPOPMIN {t}k 5", 1),
        ("ZADD {t}k 1 a 2 b 3 c", 3),
        ("ZRANGESTORE {t}d {t}k 0 -1", 1),
        ("ZRANGESTORE {t}d {t}nokey 0 -1", 1),
        ("ZRANGESTORE {t}d {t}nokey 0 -1", 0),
        ("ZUNIONSTORE {t}d 1 {t}k", 1),
        ("ZINTERSTORE {t}d 2 {t}k {t}nokey", 1),
        ("ZMPOP 1 {t}k MIN COUNT 2", 2),
        ("ZREMRANGEBYRANK {t}k 0 -1", 1),
    ];
    for (cmd, want) in steps {
        let before = dirty(&mut c);
        let mut parts = cmd.split(' ');
        let mut rc = redis::cmd(parts.next().unwrap_or(""));
        for a in parts {
            rc.arg(a);
        }
        let _: redis::Value = rc.query(&mut c).unwrap();
        assert_eq!(dirty(&mut c) - before, *want, "{cmd}");
    }
}

#[test]
fn getkeys_for_numkeys_commands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    script(
        &mut r,
        &[
            (
                "COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2",
                "*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            (
                "COMMAND GETKEYS ZINTER 2 a b",
                "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            (
                "COMMAND GETKEYS ZMPOP 2 a b MIN",
                "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            ),
            (
                "COMMAND GETKEYS ZINTERCARD 1 a LIMIT 1",
                "*1\r\n$1\r\na\r\n",
            ),
            (
                "COMMAND GETKEYS ZRANGESTORE d s 0 1",
                "*2\r\n$1\r\nd\r\n$1\r\ns\r\n",
            ),
            (
                "COMMAND GETKEYS ZUNIONSTORE d 5 a",
                "-ERR Invalid arguments specified for command\r\n",
            ),
            (
                "COMMAND GETKEYS ZUNIONSTORE d 0 a",
                "-ERR Invalid arguments specified for command\r\n",
            ),
            (
                "COMMAND GETKEYS ZUNION 0 a",
                "-ERR Invalid arguments specified for command\r\n",
            ),
        ],
    );
}
