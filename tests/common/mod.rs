//! Shared test support: an in-process server on 127.0.0.1:0 with several
//! shards, a `redis` crate client, and a raw RESP connection for exact bytes.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use redis::Value;
use ringkv::config::AppendFsync;

use ringkv::{Config, ServerHandle};

/// Shards used by tests unless a test says otherwise (more than the 2 CPUs
/// of the CI machine on purpose: cross-shard paths get exercised).
pub const SHARDS: usize = 4;

/// A server that shuts down when dropped.
pub struct TestServer {
    handle: Option<ServerHandle>,
    pub port: u16,
}

impl TestServer {
    /// Starts a server with default settings and `SHARDS` shards.
    pub fn start() -> TestServer {
        Self::with(|_| {})
    }

    /// Starts a server after letting the test adjust the configuration.
    pub fn with(f: impl FnOnce(&mut Config)) -> TestServer {
        Self::try_with(f).expect("server starts")
    }

    /// Like `with`, but a server that refuses to start is an Err with its reason.
    pub fn try_with(f: impl FnOnce(&mut Config)) -> Result<TestServer, String> {
        let mut c = Config {
            port: 0,
            shards: SHARDS,
            io_memory: 64 * 1024,
            appendonly: false,
            ..Default::default()
        };
        f(&mut c);
        ringkv::logging::init("warning");
        let handle = ringkv::start(c)?;
        let port = handle.port;
        Ok(TestServer {
            handle: Some(handle),
            port,
        })
    }

    /// A `redis` crate connection.
    pub fn client(&self) -> redis::Connection {
        let c = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).expect("client");
        c.get_connection().expect("connect")
    }

    /// A raw socket for byte-exact protocol tests.
    pub fn raw(&self) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        s.set_nodelay(true).ok();
        Raw { s }
    }

    /// Stops the server now.
    pub fn stop(mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.shutdown();
        }
    }
}

/// A raw RESP connection.
pub struct Raw {
    pub s: TcpStream,
}

impl Raw {
    /// Sends bytes as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).expect("write");
    }

    /// Sends one command as a RESP multibulk.
    pub fn cmd(&mut self, args: &[&[u8]]) {
        self.send(&encode(args));
    }

    /// Reads exactly `expected.len()` bytes and asserts they equal `expected`.
    pub fn expect(&mut self, expected: &[u8]) {
        let mut buf = vec![0u8; expected.len()];
        self.s
            .read_exact(&mut buf)
            .unwrap_or_else(|e| panic!("reading {:?}: {e}", String::from_utf8_lossy(expected)));
        assert_eq!(
            String::from_utf8_lossy(&buf),
            String::from_utf8_lossy(expected),
            "reply bytes differ"
        );
    }

    /// Sends a command and asserts the exact reply bytes.
    pub fn roundtrip(&mut self, args: &[&[u8]], expected: &[u8]) {
        self.cmd(args);
        self.expect(expected);
    }

    /// Reads one complete RESP reply (any type) and returns its bytes.
    pub fn read_reply(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        self.read_value(&mut out);
        out
    }

    fn read_line(&mut self, out: &mut Vec<u8>) -> Vec<u8> {
        let start = out.len();
        let mut b = [0u8; 1];
        loop {
            self.s.read_exact(&mut b).expect("read");
            out.push(b[0]);
            if out.len() >= start + 2 && &out[out.len() - 2..] == b"\r\n" {
                return out[start..out.len() - 2].to_vec();
            }
        }
    }

    fn read_value(&mut self, out: &mut Vec<u8>) {
        let line = self.read_line(out);
        let n: i64 = std::str::from_utf8(&line[1..])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match line[0] {
            b'$' | b'=' | b'!' if n >= 0 => {
                let mut buf = vec![0u8; n as usize + 2];
                self.s.read_exact(&mut buf).expect("read");
                out.extend_from_slice(&buf);
            }
            b'*' | b'~' | b'>' if n > 0 => {
                for _ in 0..n {
                    self.read_value(out);
                }
            }
            b'%' | b'|' if n > 0 => {
                for _ in 0..2 * n {
                    self.read_value(out);
                }
            }
            _ => {}
        }
    }

    /// True when the server closed the connection (read returns 0).
    pub fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.s.read(&mut b), Ok(0) | Err(_))
    }
}

/// Encodes a command as a RESP multibulk.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// Runs a command through the `redis` crate and returns the raw value.
pub fn q(c: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query::<redis::Value>(c)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Runs a command and returns the error text (panics if it succeeded).
pub fn q_err(c: &mut redis::Connection, args: &[&str]) -> String {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    match cmd.query::<redis::Value>(c) {
        Ok(v) => panic!("{args:?} succeeded: {v:?}"),
        Err(e) => {
            let code = e.code().unwrap_or("").to_string();
            let detail = e.detail().unwrap_or("").to_string();
            if code.is_empty() {
                detail
            } else {
                format!("{code} {detail}")
            }
        }
    }
}

/// Keys that hash to `n` distinct shards (for cross-shard tests).
pub fn keys_on_distinct_shards(n: usize) -> Vec<String> {
    let mut seen = std::collections::HashMap::new();
    let mut i = 0;
    while seen.len() < n {
        let k = format!("key:{i}");
        let s = ringkv::slot::shard_of(k.as_bytes(), SHARDS);
        seen.entry(s).or_insert(k);
        i += 1;
    }
    let mut v: Vec<(usize, String)> = seen.into_iter().collect();
    v.sort();
    v.into_iter().map(|(_, k)| k).collect()
}

/// Sends a command (arguments as text) and checks the exact reply bytes.
pub fn rt(r: &mut Raw, args: &[&str], expected: &str) {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    r.roundtrip(&a, expected.as_bytes());
}

/// Sends a command and returns the reply bytes as text.
pub fn ask(r: &mut Raw, args: &[&str]) -> String {
    let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
    r.cmd(&a);
    String::from_utf8_lossy(&r.read_reply()).into_owned()
}

/// RESP for an array of bulk strings.
pub fn arr(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        s += &format!("${}\r\n{i}\r\n", i.len());
    }
    s
}

pub const WRONGTYPE: &str =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
pub const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
pub const SYNTAX: &str = "-ERR syntax error\r\n";

// ---- Persistence tests: data directories, restarts, whole-keyspace
// dumps (binary-safe) and a workload of every type.

/// A fresh directory name (removed if it exists).
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ringkv-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A server with its append-only files in `dir` and `shards` shards.
pub fn start_aof(dir: &Path, shards: usize, fsync: AppendFsync) -> Result<TestServer, String> {
    let dir = dir.to_path_buf();
    TestServer::try_with(move |c| {
        c.appendonly = true;
        c.appendfsync = fsync;
        c.dir = dir;
        c.shards = shards;
    })
}

/// Runs a command with binary arguments.
pub fn qb(c: &mut redis::Connection, args: &[&[u8]]) -> Value {
    let mut cmd = redis::cmd(std::str::from_utf8(args[0]).unwrap());
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query::<Value>(c)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

/// A reply as a flat list of strings (bulk strings with non-printable
/// bytes escaped).
pub fn flat(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) | Value::Set(items) => items.into_iter().flat_map(flat).collect(),
        Value::Map(pairs) => pairs
            .into_iter()
            .flat_map(|(a, b)| flat(a).into_iter().chain(flat(b)))
            .collect(),
        Value::BulkString(b) => vec![text(&b)],
        Value::SimpleString(s) => vec![s],
        Value::Int(n) => vec![n.to_string()],
        Value::Nil => vec!["nil".into()],
        other => vec![format!("{other:?}")],
    }
}

/// How exact a dump is.
#[derive(Clone, Copy, PartialEq)]
pub enum Exact {
    /// Everything, consumers' seen times and stream node counts included.
    All,
    /// Without what commands cannot restore (a consumer's seen time) or
    /// what depends on the history of a stream's nodes (radix tree sizes).
    Logical,
}

/// Every key of db 0 and 1: type, absolute expiry and contents (order-free
/// where Redis is); streams through XINFO STREAM FULL.
pub fn dump(c: &mut redis::Connection, exact: Exact) -> Vec<String> {
    let mut out = Vec::new();
    for db in [0, 1] {
        let _: () = redis::cmd("SELECT").arg(db).query(c).unwrap();
        let mut keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(c).unwrap();
        keys.sort();
        for k in keys {
            let k = &k[..];
            let ty: String = redis::cmd("TYPE").arg(k).query(c).unwrap();
            let at: i64 = redis::cmd("PEXPIRETIME").arg(k).query(c).unwrap();
            let mut items: Vec<String> = match ty.as_str() {
                "string" => flat(qb(c, &[b"GET", k])),
                "list" => flat(qb(c, &[b"LRANGE", k, b"0", b"-1"])),
                "set" => flat(qb(c, &[b"SMEMBERS", k])),
                "hash" => flat(qb(c, &[b"HGETALL", k])),
                "zset" => flat(qb(c, &[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"])),
                "stream" => flat(qb(c, &[b"XINFO", b"STREAM", k, b"FULL", b"COUNT", b"0"])),
                other => vec![other.to_string()],
            };
            match ty.as_str() {
                "hash" => {
                    let mut pairs: Vec<String> = items.chunks(2).map(|p| p.join("=")).collect();
                    pairs.sort();
                    items = pairs;
                }
                "set" => items.sort(),
                "stream" if exact == Exact::Logical => {
                    for i in 1..items.len() {
                        if ["seen-time", "radix-tree-keys", "radix-tree-nodes"]
                            .contains(&items[i - 1].as_str())
                        {
                            items[i] = "-".into();
                        }
                    }
                }
                _ => {}
            }
            out.push(format!("{db} {} {ty} {at} {items:?}", text(k)));
        }
    }
    let _: () = redis::cmd("SELECT").arg(0).query(c).unwrap();
    out
}

/// Writes of every type in db 0 and 1: TTLs, binary keys and values, a
/// stream with consumer groups and pending entries (some of them for
/// entries since deleted or trimmed), a key that expired.
pub fn workload(srv: &TestServer) {
    let mut c = srv.client();
    for i in 0..300 {
        let key = format!("n:{i}");
        q(&mut c, &["SET", &key, &format!("value-{i}")]);
        if i % 7 == 0 {
            q(&mut c, &["PEXPIRE", &key, "600000"]);
        }
    }
    q(&mut c, &["SET", "str", "hello"]);
    q(&mut c, &["SET", "int", "-42"]);
    q(&mut c, &["INCRBYFLOAT", "float", "2.5"]);
    q(&mut c, &["SET", "withttl", "v", "EX", "1000"]);
    q(&mut c, &["SET", "gone", "v", "PX", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    qb(&mut c, &[b"SET", b"bin\0key\xff", b"\xff\0\xfe value"]);
    qb(&mut c, &[b"RPUSH", b"blist", b"\0", b"\xff", b"", b"plain"]);
    qb(
        &mut c,
        &[
            b"HSET",
            b"bhash",
            b"\xfff",
            b"\0v",
            b"f",
            b"\xc3\xa9t\xc3\xa9",
        ],
    );
    q(&mut c, &["RPUSH", "list", "a", "b", "c", "d", "a"]);
    q(&mut c, &["LPOP", "list"]);
    q(&mut c, &["HSET", "h", "f1", "1", "f2", "2", "f3", "three"]);
    let big: Vec<String> = (0..200)
        .flat_map(|i| [format!("f{i}"), i.to_string()])
        .collect();
    let mut args = vec!["HSET", "bighash"];
    args.extend(big.iter().map(String::as_str));
    q(&mut c, &args);
    q(&mut c, &["SADD", "iset", "3", "1", "2", "-7"]);
    q(&mut c, &["SADD", "sset", "x", "y", "z", "1"]);
    q(
        &mut c,
        &["ZADD", "z", "1.5", "a", "2", "b", "-inf", "lo", "inf", "hi"],
    );
    q(
        &mut c,
        &[
            "ZADD", "z", "0.1", "tenth", "1e-300", "tiny", "-0", "negzero",
        ],
    );
    q(&mut c, &["PEXPIRE", "z", "900000"]);
    for i in 1..=8 {
        q(
            &mut c,
            &[
                "XADD",
                "st",
                &format!("{i}-1"),
                "f",
                &format!("v{i}"),
                "n",
                "x",
            ],
        );
    }
    q(&mut c, &["XADD", "st", "*", "other", "fields"]);
    q(&mut c, &["XGROUP", "CREATE", "st", "g", "0"]);
    q(
        &mut c,
        &["XGROUP", "CREATE", "st", "late", "$", "ENTRIESREAD", "9"],
    );
    q(&mut c, &["XGROUP", "CREATECONSUMER", "st", "g", "idle"]);
    q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "3",
            "STREAMS",
            "st",
            ">",
        ],
    );
    q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "bob",
            "COUNT",
            "2",
            "STREAMS",
            "st",
            ">",
        ],
    );
    q(&mut c, &["XCLAIM", "st", "g", "bob", "0", "2-1"]);
    q(&mut c, &["XACK", "st", "g", "3-1"]);
    q(&mut c, &["XDEL", "st", "5-1", "6-1"]);
    q(&mut c, &["XTRIM", "st", "MINID", "2-1"]);
    q(&mut c, &["XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"]);
    q(&mut c, &["SELECT", "1"]);
    q(&mut c, &["SET", "in-db-1", "yes"]);
    q(&mut c, &["RPUSH", "list", "db1"]);
    q(&mut c, &["SET", "n:1", "other db", "PX", "700000"]);
    q(&mut c, &["SELECT", "0"]);
    q(&mut c, &["MOVE", "n:10", "1"]);
}
