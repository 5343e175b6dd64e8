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

// ---- Persistence tests: data directories, restarts, whole-keyspace dumps.

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ringkv-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

pub fn start_aof(dir: &Path, shards: usize, fsync: AppendFsync) -> Result<TestServer, String> {
    let dir = dir.to_path_buf();
    TestServer::try_with(move |c| {
        c.appendonly = true;
        c.appendfsync = fsync;
        c.dir = dir;
        c.shards = shards;
    })
}

/// Every key of db 0 and 1 with its type, contents (order-free where Redis
/// is) and absolute expiry.
pub fn dump(c: &mut redis::Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in [0, 1] {
        let _: () = redis::cmd("SELECT").arg(db).query(c).unwrap();
        let mut keys: Vec<String> = redis::cmd("KEYS").arg("*").query(c).unwrap();
        keys.sort();
        for k in keys {
            let ty: String = redis::cmd("TYPE").arg(&k).query(c).unwrap();
            let at: i64 = redis::cmd("PEXPIRETIME").arg(&k).query(c).unwrap();
            let mut items: Vec<String> = match ty.as_str() {
                "string" => vec![q_str(c, &["GET", &k])],
                "list" => flat(q(c, &["LRANGE", &k, "0", "-1"])),
                "set" => flat(q(c, &["SMEMBERS", &k])),
                "hash" => flat(q(c, &["HGETALL", &k])),
                "zset" => flat(q(c, &["ZRANGE", &k, "0", "-1", "WITHSCORES"])),
                "stream" => {
                    let mut v = flat(q(c, &["XRANGE", &k, "-", "+"]));
                    v.extend(flat(q(c, &["XINFO", "GROUPS", &k])));
                    v
                }
                other => vec![other.to_string()],
            };
            if ty == "set" || ty == "hash" {
                if ty == "hash" {
                    let mut pairs: Vec<String> = items.chunks(2).map(|p| p.join("=")).collect();
                    pairs.sort();
                    items = pairs;
                } else {
                    items.sort();
                }
            }
            out.push(format!("{db} {k} {ty} {at} {items:?}"));
        }
    }
    let _: () = redis::cmd("SELECT").arg(0).query(c).unwrap();
    out
}

pub fn q_str(c: &mut redis::Connection, args: &[&str]) -> String {
    flat(q(c, args)).join(",")
}

pub fn flat(v: Value) -> Vec<String> {
    match v {
        Value::Array(items) | Value::Set(items) => items.into_iter().flat_map(flat).collect(),
        Value::Map(pairs) => pairs
            .into_iter()
            .flat_map(|(a, b)| flat(a).into_iter().chain(flat(b)))
            .collect(),
        Value::BulkString(b) => vec![String::from_utf8_lossy(&b).into_owned()],
        Value::SimpleString(s) => vec![s],
        Value::Int(n) => vec![n.to_string()],
        Value::Nil => vec!["nil".into()],
        other => vec![format!("{other:?}")],
    }
}
