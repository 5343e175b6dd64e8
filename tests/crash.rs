//! Crash safety of the append-only files, through the real `ringkv` binary:
//!
//! - `kill -9` at random moments (some during BGREWRITEAOF) under
//!   `appendfsync always` loses no acknowledged write and invents none;
//! - a shard file cut at any offset loads a prefix of its history, and a
//!   damaged record in the middle refuses to start until `check-aof --fix`.
//!
//! The moments are random but the verdict is not: every check allows
//! exactly the states a correct server may be in (the one write in flight
//! per connection at the kill may or may not have landed), so a failure
//! means lost or wrong data. `RINGKV_CRASH_SEED` replays a run; a failing
//! run keeps its data directory and prints its path.
//! `RINGKV_CRASH_NO_REWRITE=1` leaves BGREWRITEAOF out.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------- randomness

/// splitmix64: small, seedable, good enough to pick moments and commands.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }
}

/// The run's seed: `RINGKV_CRASH_SEED`, else the clock.
fn seed() -> u64 {
    match std::env::var("RINGKV_CRASH_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("RINGKV_CRASH_SEED={s:?} is not a number")),
        Err(_) => now_ms() ^ (u64::from(std::process::id()) << 20),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

// ---------------------------------------------------------------- RESP client

/// A reply, as RESP2 sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<String>),
    Array(Option<Vec<Resp>>),
}

impl Resp {
    fn ok() -> Resp {
        Resp::Simple("OK".into())
    }

    fn text(&self) -> Option<&str> {
        match self {
            Resp::Bulk(Some(s)) | Resp::Simple(s) => Some(s),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Resp::Int(n) => Some(*n),
            _ => None,
        }
    }

    fn items(&self) -> &[Resp] {
        match self {
            Resp::Array(Some(v)) => v,
            _ => &[],
        }
    }
}

/// One connection, plain std socket and raw RESP.
struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn connect(port: u16) -> io::Result<Conn> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        s.set_nodelay(true)?;
        // A backstop only: a killed server closes the socket at once, and
        // a live one answers unless it hangs (or the disk stalls its
        // fdatasync that long: other builds on a shared machine).
        s.set_read_timeout(Some(REPLY_TIMEOUT))?;
        Ok(Conn {
            r: BufReader::new(s.try_clone()?),
            w: s,
        })
    }

    fn send<S: AsRef<str>>(&mut self, cmds: &[Vec<S>]) -> io::Result<()> {
        let mut buf = Vec::new();
        for args in cmds {
            buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
            for a in args {
                let a = a.as_ref().as_bytes();
                buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                buf.extend_from_slice(a);
                buf.extend_from_slice(b"\r\n");
            }
        }
        self.w.write_all(&buf)
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = Vec::new();
        self.r.read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\r\n") {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        line.truncate(line.len() - 2);
        String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn read(&mut self) -> io::Result<Resp> {
        let line = self.line()?;
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad reply");
        let (kind, rest) = line.split_at(line.len().min(1));
        let n = || rest.parse::<i64>().map_err(|_| bad());
        Ok(match kind {
            "+" => Resp::Simple(rest.into()),
            "-" => Resp::Error(rest.into()),
            ":" => Resp::Int(n()?),
            "$" if n()? < 0 => Resp::Bulk(None),
            "$" => {
                let mut b = vec![0; n()? as usize + 2];
                self.r.read_exact(&mut b)?;
                b.truncate(b.len() - 2);
                Resp::Bulk(Some(String::from_utf8(b).map_err(|_| bad())?))
            }
            "*" if n()? < 0 => Resp::Array(None),
            "*" => {
                let mut v = Vec::new();
                for _ in 0..n()? {
                    v.push(self.read()?);
                }
                Resp::Array(Some(v))
            }
            _ => return Err(bad()),
        })
    }

    fn call(&mut self, args: &[&str]) -> io::Result<Resp> {
        self.send(&[args.to_vec()])?;
        self.read()
    }

    /// Sends `cmds` in batches (so neither side's buffers fill) and returns
    /// every reply in order.
    fn pipeline(&mut self, cmds: &[Vec<String>]) -> io::Result<Vec<Resp>> {
        let mut out = Vec::with_capacity(cmds.len());
        for batch in cmds.chunks(500) {
            self.send(batch)?;
            for _ in batch {
                out.push(self.read()?);
            }
        }
        Ok(out)
    }
}

/// How long a live server may take to answer.
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// An I/O error in words, naming a timeout as one.
fn io_error(what: &str, e: io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("{what}: no reply in {REPLY_TIMEOUT:?} (a hung server, or a stalled disk)")
        }
        _ => format!("{what}: {e}"),
    }
}

fn cmd(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------- the server process

/// A `ringkv` child process; killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<u8>>>,
    drains: Vec<JoinHandle<()>>,
}

const BIN: &str = env!("CARGO_BIN_EXE_ringkv");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    /// Starts `ringkv` on `dir` with `appendfsync always` and waits until it
    /// answers PING. Err: it exited first; the text holds its output.
    fn start(dir: &Path, shards: usize) -> Result<Server, String> {
        for _ in 0..10 {
            if let Some(s) = Self::try_start(dir, shards, free_port())? {
                return Ok(s);
            }
        }
        Err("no usable port in 10 tries".into())
    }

    /// Runs `ringkv` on `dir` and `port` without waiting for anything.
    fn spawn(dir: &Path, shards: usize, port: u16) -> Result<Server, String> {
        let mut child = Command::new(BIN)
            .args(["--port", &port.to_string(), "--shards", &shards.to_string()])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {BIN}: {e}"))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut drains = Vec::new();
        let outs: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("piped stdout")),
            Box::new(child.stderr.take().expect("piped stderr")),
        ];
        for mut out in outs {
            let log = log.clone();
            drains.push(std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = out.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&buf[..n]);
                }
            }));
        }
        Ok(Server {
            child,
            port,
            log,
            drains,
        })
    }

    /// Ok(None): the port was taken meanwhile; try another.
    fn try_start(dir: &Path, shards: usize, port: u16) -> Result<Option<Server>, String> {
        let mut srv = Self::spawn(dir, shards, port)?;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = srv.exited() {
                let out = srv.output();
                if out.contains("listening socket") {
                    return Ok(None);
                }
                return Err(format!(
                    "ringkv exited ({status}) before answering PING:\n{out}"
                ));
            }
            if let Ok(mut c) = Conn::connect(port) {
                if c.call(&["PING"]).ok() == Some(Resp::Simple("PONG".into())) {
                    // Ours, not another process that took the port meanwhile.
                    let d = c.call(&["CONFIG", "GET", "dir"]).ok();
                    let ours = d
                        .as_ref()
                        .and_then(|d| d.items().get(1)?.text().map(String::from));
                    if ours.as_deref() == Some(&*dir.to_string_lossy()) {
                        return Ok(Some(srv));
                    }
                    return Ok(None);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Err(format!(
            "ringkv did not answer PING in time:\n{}",
            srv.output()
        ))
    }

    /// The exit status once the process ended (and its output is complete).
    fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().ok().flatten()?;
        for d in self.drains.drain(..) {
            let _ = d.join();
        }
        Some(status)
    }

    /// Everything it printed so far (stdout and stderr), colour codes removed.
    fn output(&self) -> String {
        let bytes = self.log.lock().unwrap_or_else(|e| e.into_inner()).clone();
        strip_ansi(&String::from_utf8_lossy(&bytes))
    }

    fn tail(&self) -> String {
        let out = self.output();
        let lines: Vec<&str> = out.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// SIGKILL. Err: it was not running any more (it crashed by itself).
    fn kill9(&mut self) -> Result<(), String> {
        if let Some(status) = self.exited() {
            return Err(format!(
                "ringkv died on its own ({status}) before the kill:\n{}",
                self.tail()
            ));
        }
        self.child.kill().map_err(|e| format!("kill: {e}"))?;
        let _ = self.child.wait();
        for d in self.drains.drain(..) {
            let _ = d.join();
        }
        Ok(())
    }

    /// SHUTDOWN, then the exit status (within 60 s).
    fn shutdown(&mut self) -> Result<ExitStatus, String> {
        let mut c = Conn::connect(self.port).map_err(|e| format!("connect: {e}"))?;
        // Redis closes the connection without a reply; an error reply is a failure.
        if let Ok(r) = c.call(&["SHUTDOWN"]) {
            return Err(format!("SHUTDOWN replied {r:?}"));
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(s) = self.exited() {
                return Ok(s);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("no exit 60 s after SHUTDOWN:\n{}", self.tail()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut esc = false;
    for c in s.chars() {
        if esc {
            esc = c != 'm';
        } else if c == '\x1b' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// A fresh directory under the system's temp dir.
fn fresh_dir(name: &str, seed: u64) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ringkv-crash-{name}-{}-{seed}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create the data dir");
    d
}

// ---------------------------------------------------------------- values

/// A key's value, as a client reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Str(String),
    /// Head first.
    List(Vec<String>),
    Hash(BTreeMap<String, String>),
    /// A reply of another shape (an error, a wrong type).
    Other(String),
}

/// When a key expires, as far as the client can know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ttl {
    /// An acknowledged (or in-flight) EXPIRE: the server picked the deadline
    /// between the moment it was sent and the moment of the reply (or the
    /// kill) plus the TTL.
    Window(u64, u64),
    /// The deadline read back after a restart: it can never change again.
    Exact(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyState {
    val: Val,
    ttl: Option<Ttl>,
}

/// What the server holds for a key: value and PEXPIRETIME (-1: none).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    val: Val,
    at: i64,
}

/// Slack under a window's low end: a server may read its clock once per
/// loop turn, a little before the request arrived.
const TTL_SLACK_MS: u64 = 1000;

/// Does `found` match the model's state (`None` = no such key)?
fn matches(want: Option<&KeyState>, found: Option<&Found>) -> bool {
    match (want, found) {
        (None, None) => true,
        (Some(w), Some(f)) => {
            w.val == f.val
                && match w.ttl {
                    None => f.at == -1,
                    Some(Ttl::Exact(at)) => f.at == at as i64,
                    Some(Ttl::Window(lo, hi)) => {
                        f.at >= lo.saturating_sub(TTL_SLACK_MS) as i64 && f.at <= hi as i64 + 50
                    }
                }
        }
        _ => false,
    }
}

// ---------------------------------------------------------------- the kill -9 workload

/// Client connections of the workload.
const CONNS: usize = 8;
/// kill -9 cycles.
const CYCLES: usize = 21;
/// Shards of the crash test's server.
const SHARDS: usize = 3;
/// Keys written before the first kill, so a rewrite takes a while.
const PRELOAD: usize = 30_000;
/// Whether a restart must find an EXEC whole. Not yet: a crash can
/// leave the records of some shards' parts of an EXEC and not the others
/// (docs/persistence.md, "EXEC blocks wrapped"); until then a half EXEC is
/// counted and reported, and each key must still hold the generation of
/// the last acknowledged EXEC or the one in flight.
const EXEC_ATOMIC: bool = false;
/// The TTL of every EXPIRE: long enough never to expire during the test.
const TTL_S: u64 = 1_000_000;

/// One write of the workload (each touches keys of one connection only).
#[derive(Debug, Clone)]
enum Op {
    Set {
        key: String,
        val: String,
    },
    Incr {
        key: String,
    },
    Lpush {
        key: String,
        elem: String,
    },
    Hset {
        key: String,
        field: String,
        val: String,
    },
    Expire {
        key: String,
    },
    Del {
        key: String,
    },
    /// MULTI, SET a g, SET b g, EXEC (a and b on different shards).
    Exec {
        a: String,
        b: String,
        gen: u64,
    },
}

impl Op {
    fn keys(&self) -> Vec<&str> {
        match self {
            Op::Set { key, .. }
            | Op::Incr { key }
            | Op::Lpush { key, .. }
            | Op::Hset { key, .. }
            | Op::Expire { key }
            | Op::Del { key } => vec![key],
            Op::Exec { a, b, .. } => vec![a, b],
        }
    }

    fn commands(&self) -> Vec<Vec<String>> {
        let ttl = TTL_S.to_string();
        match self {
            Op::Set { key, val } => vec![cmd(&["SET", key, val])],
            Op::Incr { key } => vec![cmd(&["INCR", key])],
            Op::Lpush { key, elem } => vec![cmd(&["LPUSH", key, elem])],
            Op::Hset { key, field, val } => vec![cmd(&["HSET", key, field, val])],
            Op::Expire { key } => vec![cmd(&["EXPIRE", key, &ttl])],
            Op::Del { key } => vec![cmd(&["DEL", key])],
            Op::Exec { a, b, gen } => {
                let g = gen.to_string();
                vec![
                    cmd(&["MULTI"]),
                    cmd(&["SET", a, &g]),
                    cmd(&["SET", b, &g]),
                    cmd(&["EXEC"]),
                ]
            }
        }
    }

    /// The state of `key` after this op, from `old`; `window` is when the
    /// server may have run it (send time, reply or kill time).
    fn effect(&self, key: &str, old: Option<&KeyState>, window: (u64, u64)) -> Option<KeyState> {
        let plain = |val| Some(KeyState { val, ttl: None });
        match self {
            Op::Set { val, .. } => plain(Val::Str(val.clone())),
            Op::Incr { .. } => {
                let n = match old.map(|s| &s.val) {
                    Some(Val::Str(s)) => s.parse::<i64>().unwrap_or(0),
                    _ => 0,
                };
                Some(KeyState {
                    val: Val::Str((n + 1).to_string()),
                    ttl: old.and_then(|s| s.ttl),
                })
            }
            Op::Lpush { elem, .. } => {
                let mut l = match old.map(|s| &s.val) {
                    Some(Val::List(l)) => l.clone(),
                    _ => Vec::new(),
                };
                l.insert(0, elem.clone());
                Some(KeyState {
                    val: Val::List(l),
                    ttl: old.and_then(|s| s.ttl),
                })
            }
            Op::Hset { field, val, .. } => {
                let mut h = match old.map(|s| &s.val) {
                    Some(Val::Hash(h)) => h.clone(),
                    _ => BTreeMap::new(),
                };
                h.insert(field.clone(), val.clone());
                Some(KeyState {
                    val: Val::Hash(h),
                    ttl: old.and_then(|s| s.ttl),
                })
            }
            Op::Expire { .. } => old.map(|s| KeyState {
                val: s.val.clone(),
                ttl: Some(Ttl::Window(
                    window.0 + TTL_S * 1000,
                    window.1 + TTL_S * 1000,
                )),
            }),
            Op::Del { .. } => None,
            Op::Exec { a, b, gen } => {
                debug_assert!(key == a || key == b);
                plain(Val::Str(gen.to_string()))
            }
        }
    }

    /// The replies a correct server sends, given the model before the op.
    fn expected(&self, m: &ConnModel) -> Vec<Resp> {
        let exists = |k: &str| m.keys.contains_key(k);
        match self {
            Op::Set { .. } => vec![Resp::ok()],
            Op::Incr { key } => match self.effect(key, m.keys.get(key), (0, 0)) {
                Some(KeyState {
                    val: Val::Str(s), ..
                }) => vec![Resp::Int(s.parse().unwrap_or(0))],
                _ => vec![Resp::Error("model".into())],
            },
            Op::Lpush { key, .. } => {
                let len = match m.keys.get(key).map(|s| &s.val) {
                    Some(Val::List(l)) => l.len() as i64,
                    _ => 0,
                };
                vec![Resp::Int(len + 1)]
            }
            Op::Hset { key, field, .. } => {
                let had = matches!(m.keys.get(key).map(|s| &s.val), Some(Val::Hash(h)) if h.contains_key(field));
                vec![Resp::Int(i64::from(!had))]
            }
            Op::Expire { key } | Op::Del { key } => vec![Resp::Int(i64::from(exists(key)))],
            Op::Exec { .. } => vec![
                Resp::ok(),
                Resp::Simple("QUEUED".into()),
                Resp::Simple("QUEUED".into()),
                Resp::Array(Some(vec![Resp::ok(), Resp::ok()])),
            ],
        }
    }
}

/// Everything one connection's acknowledged writes imply, kept across
/// kills; its keys all start with `c{id}:`.
#[derive(Debug, Clone)]
struct ConnModel {
    id: usize,
    /// Every key this connection's writes leave, with its state.
    keys: BTreeMap<String, KeyState>,
    /// Every string key ever written (to pick SET/EXPIRE/DEL targets).
    strings: Vec<String>,
    /// Makes every written value and element unique.
    seq: u64,
    /// The two MULTI/EXEC keys (on different shards) and the last
    /// generation sent.
    tx: (String, String),
    gen: u64,
    /// The write whose reply was not read when the server died, and when
    /// it was sent.
    pending: Option<(Op, u64)>,
    /// Acknowledged writes (all cycles).
    acked: u64,
    /// Restarts that found only half of this connection's last EXEC.
    torn_execs: u64,
}

impl ConnModel {
    fn new(id: usize) -> ConnModel {
        let a = format!("c{id}:tx:a");
        let sa = ringkv::slot::shard_of(a.as_bytes(), SHARDS);
        let b = (0..)
            .map(|i| format!("c{id}:tx:b{i}"))
            .find(|b| ringkv::slot::shard_of(b.as_bytes(), SHARDS) != sa)
            .expect("a key on another shard");
        ConnModel {
            id,
            keys: BTreeMap::new(),
            strings: Vec::new(),
            seq: 0,
            tx: (a, b),
            gen: 0,
            pending: None,
            acked: 0,
            torn_execs: 0,
        }
    }

    fn next_op(&mut self, rng: &mut Rng) -> Op {
        self.seq += 1;
        let (id, seq) = (self.id, self.seq);
        let old_key = |rng: &mut Rng, m: &ConnModel| {
            (!m.strings.is_empty())
                .then(|| m.strings[rng.below(m.strings.len() as u64) as usize].clone())
        };
        let roll = rng.below(100);
        let existing = if (25..50).contains(&roll) {
            old_key(rng, self)
        } else {
            None
        };
        match (roll, existing) {
            (25..=34, Some(key)) => Op::Set {
                key,
                val: format!("c{id}:v:{seq}"),
            },
            (35..=42, Some(key)) => Op::Expire { key },
            (43..=49, Some(key)) => Op::Del { key },
            (50..=64, _) => Op::Incr {
                key: format!("c{id}:ctr:{}", rng.below(4)),
            },
            (65..=76, _) => Op::Lpush {
                key: format!("c{id}:l:{}", rng.below(6)),
                elem: format!("c{id}:e:{seq}"),
            },
            (77..=88, _) => Op::Hset {
                key: format!("c{id}:h:{}", rng.below(6)),
                field: format!("f{}", rng.below(24)),
                val: format!("c{id}:hv:{seq}"),
            },
            (89.., _) => {
                self.gen += 1;
                Op::Exec {
                    a: self.tx.0.clone(),
                    b: self.tx.1.clone(),
                    gen: self.gen,
                }
            }
            _ => {
                let key = format!("c{id}:s:{}", self.strings.len());
                self.strings.push(key.clone());
                Op::Set {
                    key,
                    val: format!("c{id}:v:{seq}"),
                }
            }
        }
    }

    /// Records an acknowledged op.
    fn apply(&mut self, op: &Op, window: (u64, u64)) {
        for k in op.keys() {
            match op.effect(k, self.keys.get(k), window) {
                Some(s) => self.keys.insert(k.to_string(), s),
                None => self.keys.remove(k),
            };
        }
        self.acked += 1;
    }

    /// Checks what a restarted server holds under `c{id}:` against the
    /// model, settles the write that was in flight at the kill (it landed
    /// or it did not, key by key) and tightens TTLs to what was read.
    fn verify(&mut self, found: &BTreeMap<String, Found>, kill_ms: u64) -> Result<(), String> {
        let pending = self.pending.take();
        let mut names: BTreeSet<String> = self.keys.keys().cloned().collect();
        names.extend(found.keys().cloned());
        if let Some((op, _)) = &pending {
            names.extend(op.keys().iter().map(|k| k.to_string()));
        }
        for key in names {
            let mut cands = vec![self.keys.get(&key).cloned()];
            if let Some((op, sent)) = &pending {
                if op.keys().contains(&key.as_str()) {
                    cands.push(op.effect(&key, self.keys.get(&key), (*sent, kill_ms)));
                }
            }
            let f = found.get(&key);
            let Some(hit) = cands.iter().find(|c| matches(c.as_ref(), f)) else {
                let why = if f.is_some() && cands.iter().all(Option::is_none) {
                    "a key that was never written"
                } else {
                    "lost or wrong data"
                };
                return Err(format!(
                    "key {key:?}: {why}\n  expected one of {cands:?}\n  found {f:?}\n  \
                     write in flight at the kill: {pending:?}"
                ));
            };
            match (hit, f) {
                (Some(s), Some(f)) => {
                    let ttl = s.ttl.map(|_| Ttl::Exact(f.at as u64));
                    self.keys.insert(
                        key,
                        KeyState {
                            val: s.val.clone(),
                            ttl,
                        },
                    );
                }
                _ => {
                    self.keys.remove(&key);
                }
            }
        }
        let tx = |k: &str| self.keys.get(k).map(|s| &s.val);
        if tx(&self.tx.0) != tx(&self.tx.1) {
            if EXEC_ATOMIC {
                return Err(format!(
                    "half of an EXEC: {:?} = {:?} but {:?} = {:?}",
                    self.tx.0,
                    tx(&self.tx.0),
                    self.tx.1,
                    tx(&self.tx.1)
                ));
            }
            if matches!(pending, Some((Op::Exec { .. }, _))) {
                self.torn_execs += 1;
            }
        }
        Ok(())
    }
}

/// Runs one connection's writes until the server goes away; returns the
/// model (with the write in flight at the kill, if any) or the reason a
/// reply was wrong.
fn run_conn(port: u16, mut m: ConnModel, seed: u64) -> (ConnModel, Result<(), String>) {
    let mut rng = Rng::new(seed);
    let Ok(mut c) = Conn::connect(port) else {
        return (m, Ok(()));
    };
    loop {
        let op = m.next_op(&mut rng);
        let want = op.expected(&m);
        let sent = now_ms();
        m.pending = Some((op.clone(), sent));
        if c.send(&op.commands()).is_err() {
            return (m, Ok(()));
        }
        let mut got = Vec::new();
        for _ in &want {
            match c.read() {
                Ok(r) => got.push(r),
                Err(_) => return (m, Ok(())),
            }
        }
        if got != want {
            return (
                m,
                Err(format!(
                    "{op:?}: replied {got:?}, a correct server replies {want:?}"
                )),
            );
        }
        m.pending = None;
        m.apply(&op, (sent, now_ms()));
    }
}

/// Sends BGREWRITEAOF twice within `dur_ms` (the kill's moment): once in
/// the first half, then, after timing that rewrite, once so that the kill
/// lands while the second one runs (or just after). Returns how many
/// rewrites it started, or a wrong reply.
fn run_rewrites(port: u16, dur_ms: u64, seed: u64) -> Result<usize, String> {
    let mut rng = Rng::new(seed);
    let t0 = Instant::now();
    let Ok(mut c) = Conn::connect(port) else {
        return Ok(0);
    };
    let sleep_until = |ms: u64| {
        let left = Duration::from_millis(ms).saturating_sub(t0.elapsed());
        std::thread::sleep(left);
    };
    let mut started = 0;
    let mut bgrewriteaof = |c: &mut Conn| -> Result<Option<bool>, String> {
        match c.call(&["BGREWRITEAOF"]) {
            Ok(Resp::Simple(s)) if s == "Background append only file rewriting started" => {
                started += 1;
                Ok(Some(true))
            }
            Ok(Resp::Error(e))
                if e == "ERR Background append only file rewriting already in progress" =>
            {
                Ok(Some(false))
            }
            Ok(r) => Err(format!("BGREWRITEAOF replied {r:?}")),
            Err(_) => Ok(None), // killed
        }
    };
    sleep_until(rng.below(dur_ms / 2));
    let began = Instant::now();
    let mut took = 20;
    match bgrewriteaof(&mut c)? {
        None => return Ok(started),
        Some(true) => loop {
            match c.call(&["INFO", "persistence"]) {
                Ok(r)
                    if r.text()
                        .is_some_and(|t| t.contains("aof_rewrite_in_progress:1")) =>
                {
                    std::thread::sleep(Duration::from_millis(2))
                }
                Ok(_) => break took = began.elapsed().as_millis() as u64,
                Err(_) => return Ok(started),
            }
        },
        Some(false) => {}
    }
    sleep_until(dur_ms.saturating_sub(rng.range(1, took.max(2) + 1)));
    bgrewriteaof(&mut c)?;
    Ok(started)
}

/// Shard files in `dir` the manifest does not name: a rewrite was under
/// way (its new files written, the manifest not yet switched).
fn unnamed_files(dir: &Path) -> usize {
    let named = std::fs::read_to_string(dir.join("manifest.json")).unwrap_or_default();
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".aof") && !named.contains(&format!("\"{n}\"")))
                .count()
        })
        .unwrap_or(0)
}

/// Reads everything the server holds and checks it against the models and
/// the preloaded keys.
fn verify_all(
    port: u16,
    models: &mut [ConnModel],
    preloaded: bool,
    kill_ms: u64,
) -> Result<(), String> {
    let io = |e: io::Error| io_error("verification connection", e);
    let mut c = Conn::connect(port).map_err(io)?;
    let all = c.call(&["KEYS", "*"]).map_err(io)?;
    if !matches!(all, Resp::Array(Some(_))) {
        return Err(format!("KEYS * replied {all:?}"));
    }
    let mut per_conn: Vec<Vec<String>> = vec![Vec::new(); models.len()];
    let mut preload_seen = 0;
    for k in all.items() {
        let k = k.text().ok_or_else(|| format!("KEYS returned {k:?}"))?;
        let conn = k
            .strip_prefix('c')
            .and_then(|r| r.split_once(':'))
            .and_then(|(n, _)| n.parse::<usize>().ok())
            .filter(|&n| n < models.len());
        let pre = k
            .strip_prefix("p:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| preloaded && n < PRELOAD && k == format!("p:{n}"));
        match (conn, pre) {
            (Some(n), _) => per_conn[n].push(k.to_string()),
            (_, Some(_)) => preload_seen += 1,
            _ => return Err(format!("key {k:?}: a key that was never written")),
        }
    }
    if preloaded {
        if preload_seen != PRELOAD {
            return Err(format!(
                "{} of the {PRELOAD} preloaded keys are missing",
                PRELOAD - preload_seen
            ));
        }
        let mgets: Vec<Vec<String>> = (0..PRELOAD)
            .collect::<Vec<_>>()
            .chunks(1000)
            .map(|ch| {
                let mut v = vec!["MGET".to_string()];
                v.extend(ch.iter().map(|i| format!("p:{i}")));
                v
            })
            .collect();
        let replies = c.pipeline(&mgets).map_err(io)?;
        let values: Vec<&Resp> = replies.iter().flat_map(Resp::items).collect();
        if values.len() != PRELOAD {
            return Err(format!("MGET of the preloaded keys: {replies:?}"));
        }
        for (i, r) in values.into_iter().enumerate() {
            let want = format!("pv:{i}");
            if r.text() != Some(&want) {
                return Err(format!("key \"p:{i}\": expected {want:?}, found {r:?}"));
            }
        }
    }
    for (m, keys) in models.iter_mut().zip(&per_conn) {
        let mut cmds = Vec::new();
        for k in keys {
            let read = if k.contains(":l:") {
                cmd(&["LRANGE", k, "0", "-1"])
            } else if k.contains(":h:") {
                cmd(&["HGETALL", k])
            } else {
                cmd(&["GET", k])
            };
            cmds.push(read);
            cmds.push(cmd(&["PEXPIRETIME", k]));
        }
        let replies = c.pipeline(&cmds).map_err(io)?;
        let mut found = BTreeMap::new();
        for (k, pair) in keys.iter().zip(replies.chunks(2)) {
            let val = match &pair[0] {
                Resp::Bulk(Some(s)) if !k.contains(":l:") && !k.contains(":h:") => {
                    Val::Str(s.clone())
                }
                Resp::Array(Some(v)) if k.contains(":l:") => Val::List(
                    v.iter()
                        .map(|r| r.text().unwrap_or("?").to_string())
                        .collect(),
                ),
                Resp::Array(Some(v)) if k.contains(":h:") => Val::Hash(
                    v.chunks(2)
                        .map(|p| {
                            let t = |r: &Resp| r.text().unwrap_or("?").to_string();
                            (t(&p[0]), p.get(1).map(t).unwrap_or_default())
                        })
                        .collect(),
                ),
                other => Val::Other(format!("{other:?}")),
            };
            let at = pair[1]
                .int()
                .ok_or_else(|| format!("PEXPIRETIME {k}: {:?}", pair[1]))?;
            found.insert(k.clone(), Found { val, at });
        }
        m.verify(&found, kill_ms)?;
    }
    // Exact totals: no stray TTL on any key (the preloaded ones included).
    let info = c.call(&["INFO", "keyspace"]).map_err(io)?;
    let info = info.text().unwrap_or("").to_string();
    let keys: usize =
        models.iter().map(|m| m.keys.len()).sum::<usize>() + if preloaded { PRELOAD } else { 0 };
    let expires = models
        .iter()
        .flat_map(|m| m.keys.values())
        .filter(|s| s.ttl.is_some())
        .count();
    let line = format!("db0:keys={keys},expires={expires},");
    let empty = keys == 0 && !info.contains("db0:");
    if !empty && !info.contains(&line) {
        return Err(format!("INFO keyspace: expected {line:?} in {info:?}"));
    }
    Ok(())
}

/// Writes the preloaded keys (pipelined SETs).
fn preload(port: u16) -> Result<(), String> {
    let mut c = Conn::connect(port).map_err(|e| io_error("preload", e))?;
    let cmds: Vec<Vec<String>> = (0..PRELOAD)
        .map(|i| cmd(&["SET", &format!("p:{i}"), &format!("pv:{i}")]))
        .collect();
    let replies = c.pipeline(&cmds).map_err(|e| io_error("preload", e))?;
    match replies.iter().find(|r| **r != Resp::ok()) {
        Some(r) => Err(format!("preload SET replied {r:?}")),
        None => Ok(()),
    }
}

#[test]
fn kill_9_loses_no_acknowledged_write() {
    let began = Instant::now();
    let seed = seed();
    let rewrite = std::env::var("RINGKV_CRASH_NO_REWRITE").map_or(true, |v| v != "1");
    let dir = fresh_dir("kill", seed);
    println!(
        "kill -9 test: RINGKV_CRASH_SEED={seed}, data dir {}, rewrites {}",
        dir.display(),
        if rewrite { "on" } else { "off" }
    );
    // The files as the last kill left them (the restart cuts torn tails
    // and removes an interrupted rewrite's files).
    let at_kill = dir.with_file_name(format!("{}-at-kill", dir.display()));
    let fail = |cycle: usize, what: &str, srv: Option<&Server>| -> ! {
        panic!(
            "kill -9 test failed in cycle {cycle} (RINGKV_CRASH_SEED={seed}; data dir kept: {}, \
             the files as the kill left them: {}):\n{what}\n--- server output (tail) ---\n{}",
            dir.display(),
            at_kill.display(),
            srv.map(Server::tail).unwrap_or_default()
        )
    };
    let mut rng = Rng::new(seed);
    let mut models: Vec<ConnModel> = (0..CONNS).map(ConnModel::new).collect();
    let mut kill_ms = 0;
    let (mut rewrites, mut killed_rewriting) = (0, 0);
    for cycle in 0..=CYCLES {
        if cycle > 0 {
            copy_dir(&dir, &at_kill);
        }
        let mut srv = Server::start(&dir, SHARDS).unwrap_or_else(|e| fail(cycle, &e, None));
        if let Err(e) = verify_all(srv.port, &mut models, cycle > 0, kill_ms) {
            fail(cycle, &e, Some(&srv));
        }
        let orphans = unnamed_files(&dir);
        if orphans > 0 {
            let e = format!("{orphans} shard files the manifest does not name survived the start");
            fail(cycle, &e, Some(&srv));
        }
        if cycle == CYCLES {
            // The last start: verified; now a clean stop, and once more.
            match srv.shutdown() {
                Ok(s) if s.success() => {}
                Ok(s) => fail(cycle, &format!("SHUTDOWN: exit status {s}"), Some(&srv)),
                Err(e) => fail(cycle, &e, Some(&srv)),
            }
            let mut srv = Server::start(&dir, SHARDS).unwrap_or_else(|e| fail(cycle, &e, None));
            if let Err(e) = verify_all(srv.port, &mut models, true, kill_ms) {
                fail(
                    cycle,
                    &format!("after SHUTDOWN and restart: {e}"),
                    Some(&srv),
                );
            }
            match srv.shutdown() {
                Ok(s) if s.success() => {}
                other => fail(cycle, &format!("second SHUTDOWN: {other:?}"), Some(&srv)),
            }
            break;
        }
        if cycle == 0 {
            if let Err(e) = preload(srv.port) {
                fail(cycle, &e, Some(&srv));
            }
        }
        let dur = rng.range(100, 800);
        let acked: u64 = models.iter().map(|m| m.acked).sum();
        println!("cycle {cycle}: verified {acked} acknowledged writes; kill in {dur} ms");
        let workers: Vec<_> = models
            .drain(..)
            .map(|m| {
                let (port, s) = (srv.port, rng.next());
                std::thread::spawn(move || run_conn(port, m, s))
            })
            .collect();
        let rewriter = (rewrite && cycle % 3 == 1).then(|| {
            let (port, s) = (srv.port, rng.next());
            std::thread::spawn(move || run_rewrites(port, dur, s))
        });
        std::thread::sleep(Duration::from_millis(dur));
        kill_ms = now_ms();
        if let Err(e) = srv.kill9() {
            fail(cycle, &e, Some(&srv));
        }
        killed_rewriting += usize::from(unnamed_files(&dir) > 0);
        let mut wrong = Vec::new();
        for w in workers {
            let (m, r) = w.join().expect("a workload thread panicked");
            if let Err(e) = r {
                wrong.push(format!("connection {}: {e}", m.id));
            }
            models.push(m);
        }
        if let Some(r) = rewriter {
            match r.join().expect("the rewrite thread panicked") {
                Ok(n) => rewrites += n,
                Err(e) => wrong.push(e),
            }
        }
        if !wrong.is_empty() {
            fail(cycle, &wrong.join("\n"), Some(&srv));
        }
    }
    let acked: u64 = models.iter().map(|m| m.acked).sum();
    let torn: u64 = models.iter().map(|m| m.torn_execs).sum();
    println!(
        "kill -9 test: {CYCLES} kills ({killed_rewriting} during a rewrite), {acked} acknowledged \
         writes, {rewrites} rewrites started, {torn} half EXECs found, {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&at_kill);
}

// ---------------------------------------------------------------- torn tails

/// A command of the torn-tail history: each logs exactly one record.
#[derive(Debug, Clone)]
enum Step {
    Set(String, String),
    Incr(String),
    Rpush(String, String),
    Hset(String, String, String),
    Del(String),
}

impl Step {
    fn argv(&self) -> Vec<String> {
        match self {
            Step::Set(k, v) => cmd(&["SET", k, v]),
            Step::Incr(k) => cmd(&["INCR", k]),
            Step::Rpush(k, x) => cmd(&["RPUSH", k, x]),
            Step::Hset(k, f, v) => cmd(&["HSET", k, f, v]),
            Step::Del(k) => cmd(&["DEL", k]),
        }
    }

    /// Applies the step to `db` and returns the reply it gets.
    fn apply(&self, db: &mut BTreeMap<String, Val>) -> Resp {
        match self {
            Step::Set(k, v) => {
                db.insert(k.clone(), Val::Str(v.clone()));
                Resp::ok()
            }
            Step::Incr(k) => {
                let n = match db.get(k) {
                    Some(Val::Str(s)) => s.parse::<i64>().unwrap_or(0) + 1,
                    _ => 1,
                };
                db.insert(k.clone(), Val::Str(n.to_string()));
                Resp::Int(n)
            }
            Step::Rpush(k, x) => {
                let e = db.entry(k.clone()).or_insert_with(|| Val::List(Vec::new()));
                match e {
                    Val::List(l) => {
                        l.push(x.clone());
                        Resp::Int(l.len() as i64)
                    }
                    _ => Resp::Error("model".into()),
                }
            }
            Step::Hset(k, f, v) => {
                let e = db
                    .entry(k.clone())
                    .or_insert_with(|| Val::Hash(BTreeMap::new()));
                match e {
                    Val::Hash(h) => Resp::Int(i64::from(h.insert(f.clone(), v.clone()).is_none())),
                    _ => Resp::Error("model".into()),
                }
            }
            Step::Del(k) => Resp::Int(i64::from(db.remove(k).is_some())),
        }
    }
}

/// `n` steps over a few keys of each type; DEL only of keys that exist.
fn history(rng: &mut Rng, n: usize) -> Vec<Step> {
    let mut db = BTreeMap::new();
    let mut steps = Vec::with_capacity(n);
    for i in 0..n {
        let roll = rng.below(100);
        let step = if roll < 10 && !db.is_empty() {
            let k: &String = db
                .keys()
                .nth(rng.below(db.len() as u64) as usize)
                .expect("a key");
            Step::Del(k.clone())
        } else if roll < 40 {
            Step::Set(format!("s{}", rng.below(30)), format!("v{i}"))
        } else if roll < 60 {
            Step::Incr(format!("n{}", rng.below(5)))
        } else if roll < 80 {
            Step::Rpush(format!("l{}", rng.below(5)), format!("x{i}"))
        } else {
            Step::Hset(
                format!("h{}", rng.below(5)),
                format!("f{}", rng.below(8)),
                format!("v{i}"),
            )
        };
        step.apply(&mut db);
        steps.push(step);
    }
    steps
}

fn state_after(steps: &[Step]) -> BTreeMap<String, Val> {
    let mut db = BTreeMap::new();
    for s in steps {
        s.apply(&mut db);
    }
    db
}

/// Every key the server holds, read back through its type.
fn dump(port: u16) -> Result<BTreeMap<String, Val>, String> {
    let io = |e: io::Error| io_error("dump", e);
    let mut c = Conn::connect(port).map_err(io)?;
    let mut out = BTreeMap::new();
    for k in c.call(&["KEYS", "*"]).map_err(io)?.items() {
        let k = k.text().unwrap_or("?").to_string();
        let ty = c.call(&["TYPE", &k]).map_err(io)?;
        let t = |r: &Resp| r.text().unwrap_or("?").to_string();
        let val = match ty.text() {
            Some("string") => Val::Str(t(&c.call(&["GET", &k]).map_err(io)?)),
            Some("list") => Val::List(
                c.call(&["LRANGE", &k, "0", "-1"])
                    .map_err(io)?
                    .items()
                    .iter()
                    .map(t)
                    .collect(),
            ),
            Some("hash") => Val::Hash(
                c.call(&["HGETALL", &k])
                    .map_err(io)?
                    .items()
                    .chunks(2)
                    .map(|p| (t(&p[0]), p.get(1).map(t).unwrap_or_default()))
                    .collect(),
            ),
            _ => Val::Other(format!("{ty:?}")),
        };
        out.insert(k, val);
    }
    Ok(out)
}

/// One record of a shard file: where it starts and ends, and its argv.
struct Rec {
    start: usize,
    end: usize,
    args: Vec<String>,
}

/// Walks `[len u32 LE][crc u32 LE][payload]` records from the start of
/// `bytes`; stops at the first one that is not whole and sound.
fn records(bytes: &[u8]) -> Vec<Rec> {
    let u32_at = |b: &[u8], i: usize| -> Option<usize> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize)
    };
    let mut out = Vec::new();
    let mut pos = 0;
    while let (Some(len), Some(crc)) = (u32_at(bytes, pos), u32_at(bytes, pos + 4)) {
        let Some(payload) = bytes.get(pos + 8..pos + 8 + len) else {
            break;
        };
        if crc32fast::hash(payload) as usize != crc || payload.len() < 6 {
            break;
        }
        // [db u16][argc u32] then [len u32][bytes] per argument.
        let argc = u32_at(payload, 2).unwrap_or(0);
        let mut at = 6;
        let mut args = Vec::new();
        for _ in 0..argc {
            let Some(n) = u32_at(payload, at) else { break };
            let Some(a) = payload.get(at + 4..at + 4 + n) else {
                break;
            };
            args.push(String::from_utf8_lossy(a).into_owned());
            at += 4 + n;
        }
        out.push(Rec {
            start: pos,
            end: pos + 8 + len,
            args,
        });
        pos += 8 + len;
    }
    out
}

/// Appends one record for `argv` (database 0) to `out`.
fn encode_record(argv: &[&str], out: &mut Vec<u8>) {
    let mut payload = Vec::new();
    payload.extend_from_slice(&0u16.to_le_bytes());
    payload.extend_from_slice(&(argv.len() as u32).to_le_bytes());
    for a in argv {
        payload.extend_from_slice(&(a.len() as u32).to_le_bytes());
        payload.extend_from_slice(a.as_bytes());
    }
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let p = e.expect("dir entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("a name"))).expect("copy");
    }
}

fn shard_file_name(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    m["files"][0]["name"]
        .as_str()
        .expect("the manifest names shard 0's file")
        .to_string()
}

#[test]
fn a_cut_shard_file_loads_a_prefix_and_a_damaged_one_refuses_to_start() {
    let began = Instant::now();
    let seed = seed();
    let mut rng = Rng::new(seed);
    let base = fresh_dir("torn", seed);
    println!(
        "torn-tail test: RINGKV_CRASH_SEED={seed}, dirs under {}",
        base.display()
    );
    let ctx = |what: String| {
        format!(
            "{what}\n(RINGKV_CRASH_SEED={seed}, dirs under {} kept)",
            base.display()
        )
    };
    let orig = base.join("orig");
    std::fs::create_dir_all(&orig).expect("create dir");

    // The history, written through one connection, then a clean stop.
    let steps = history(&mut rng, 2000);
    let mut srv = Server::start(&orig, 1).unwrap_or_else(|e| panic!("{}", ctx(e)));
    {
        let mut c = Conn::connect(srv.port).expect("connect");
        let mut db = BTreeMap::new();
        for (i, s) in steps.iter().enumerate() {
            let want = s.apply(&mut db);
            let got = c.call(&s.argv().iter().map(String::as_str).collect::<Vec<_>>());
            let got = got.map_err(|e| io_error("history", e));
            if got != Ok(want.clone()) {
                let e = format!(
                    "step {i}: {s:?}: {got:?}, expected {want:?}\n{}",
                    srv.tail()
                );
                panic!("{}", ctx(e));
            }
        }
    }
    let status = srv.shutdown().unwrap_or_else(|e| panic!("{}", ctx(e)));
    assert!(
        status.success(),
        "{}",
        ctx(format!("SHUTDOWN: exit {status}"))
    );
    drop(srv);

    let name = shard_file_name(&orig);
    let bytes = std::fs::read(orig.join(&name)).expect("the shard file");
    let recs = records(&bytes);
    assert_eq!(
        recs.last().map_or(0, |r| r.end),
        bytes.len(),
        "{}",
        ctx("the file after SHUTDOWN is whole records".into())
    );
    assert_eq!(
        recs.len(),
        steps.len(),
        "{}",
        ctx("one record per command".into())
    );
    for (i, (r, s)) in recs.iter().zip(&steps).enumerate() {
        let argv = s.argv();
        assert!(
            r.args.first().map(|a| a.to_ascii_uppercase()) == Some(argv[0].clone())
                && r.args[1..] == argv[1..],
            "{}",
            ctx(format!(
                "record {i} is {:?}, command {i} was {argv:?}",
                r.args
            ))
        );
    }

    // Cut at ~25 offsets: the start and end, record boundaries, inside a
    // header, inside a payload, anywhere.
    let mut cuts = vec![0, bytes.len()];
    for i in 0..23 {
        let r = &recs[rng.below(recs.len() as u64) as usize];
        cuts.push(match i % 4 {
            0 => r.start,
            1 => r.start + rng.range(1, 8) as usize,
            2 => r.start + rng.range(8, (r.end - r.start) as u64) as usize,
            _ => rng.below(bytes.len() as u64 + 1) as usize,
        });
    }
    for (n, &cut) in cuts.iter().enumerate() {
        let dir = base.join(format!("cut-{n}"));
        copy_dir(&orig, &dir);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(dir.join(&name))
            .expect("open");
        f.set_len(cut as u64).expect("truncate");
        drop(f);
        let j = recs.iter().take_while(|r| r.end <= cut).count();
        let what = |e: String| {
            ctx(format!(
                "file cut at offset {cut} ({j} whole records) in {}: {e}",
                dir.display()
            ))
        };
        let mut srv = Server::start(&dir, 1).unwrap_or_else(|e| panic!("{}", what(e)));
        let got =
            dump(srv.port).unwrap_or_else(|e| panic!("{}", what(format!("{e}\n{}", srv.tail()))));
        let want = state_after(&steps[..j]);
        if got != want {
            let diff: Vec<String> = want
                .keys()
                .chain(got.keys())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(|k| want.get(*k) != got.get(*k))
                .map(|k| {
                    format!(
                        "key {k:?}: expected {:?}, found {:?}",
                        want.get(k),
                        got.get(k)
                    )
                })
                .collect();
            panic!(
                "{}",
                what(format!(
                    "not the state after {j} commands:\n{}\n--- server output (tail) ---\n{}",
                    diff.join("\n"),
                    srv.tail()
                ))
            );
        }
        srv.kill9().unwrap_or_else(|e| panic!("{}", what(e)));
        let kept = if j == 0 { 0 } else { recs[j - 1].end };
        let len = std::fs::metadata(dir.join(&name)).expect("file").len() as usize;
        assert_eq!(len, kept, "{}", what("the torn tail was not cut".into()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    // A damaged byte in a record's payload, records after it: refused,
    // naming the file and the record's offset; check-aof --fix cuts there.
    let r = rng.range(recs.len() as u64 / 4, recs.len() as u64 * 3 / 4) as usize;
    let rec = &recs[r];
    let at = rec.start + rng.range(8, (rec.end - rec.start) as u64) as usize;
    let dir = base.join("damaged");
    copy_dir(&orig, &dir);
    let mut damaged = bytes.clone();
    damaged[at] ^= 1 << rng.below(8);
    std::fs::write(dir.join(&name), &damaged).expect("write");
    let what = |e: String| {
        ctx(format!(
            "byte {at} flipped (record {r} at offset {}) in {}: {e}",
            rec.start,
            dir.display()
        ))
    };
    let err = match Server::start(&dir, 1) {
        Ok(_) => panic!("{}", what("the server started".into())),
        Err(e) => e,
    };
    assert!(
        err.contains(&name) && err.contains(&format!("offset {}", rec.start)),
        "{}",
        what(format!(
            "the refusal does not name the file and offset:\n{err}"
        ))
    );
    let check = |fix: bool| {
        let mut c = Command::new(BIN);
        c.arg("check-aof");
        if fix {
            c.arg("--fix");
        }
        let out = c.arg(&dir).output().expect("run check-aof");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = check(false);
    assert_eq!(code, Some(1), "{}", what(format!("check-aof: {out}")));
    let (code, out) = check(true);
    assert_eq!(code, Some(0), "{}", what(format!("check-aof --fix: {out}")));
    let mut srv = Server::start(&dir, 1).unwrap_or_else(|e| panic!("{}", what(e)));
    let got = dump(srv.port).unwrap_or_else(|e| panic!("{}", what(format!("{e}\n{}", srv.tail()))));
    assert!(
        got == state_after(&steps[..r]),
        "{}",
        what(format!(
            "after check-aof --fix: not the state after {r} commands"
        ))
    );
    srv.kill9().unwrap_or_else(|e| panic!("{}", what(e)));
    println!(
        "torn-tail test: {} cuts and one damaged record, {:.1} s",
        cuts.len(),
        began.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&base);
}

// ---------------------------------------------------------------- start-up

/// Records in the slow shard's file of the start-up test: a replay that
/// takes a while even in a release build.
const SLOW_RECORDS: usize = 200_000;

/// A client may connect as soon as the port answers: it must never see a
/// shard that has not finished replaying its file (a read would miss, a
/// write would be applied before the replay and never logged). Until then
/// it gets Redis's `-LOADING` error or waits. Shard 1's file is long,
/// shard 0's has one record, and the client connects and asks at once.
#[test]
fn a_client_connecting_during_start_up_sees_every_loaded_key() {
    let dir = fresh_dir("early", 0);
    let mut srv = Server::start(&dir, 2).unwrap_or_else(|e| panic!("{e}"));
    assert!(srv.shutdown().is_ok_and(|s| s.success()), "{}", srv.tail());
    drop(srv);
    let tag = (0..)
        .map(|i| format!("t{i}"))
        .find(|t| ringkv::slot::shard_of(t.as_bytes(), 2) == 1)
        .expect("a tag on shard 1");
    let key0 = (0..)
        .map(|i| format!("z{i}"))
        .find(|k| ringkv::slot::shard_of(k.as_bytes(), 2) == 0)
        .expect("a key on shard 0");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let file = |shard: usize| {
        let name = m["files"][shard]["name"].as_str().expect("a file name");
        dir.join(name)
    };
    let mut slow = Vec::new();
    for i in 0..SLOW_RECORDS {
        encode_record(&["SET", &format!("{{{tag}}}:{i}"), "some value"], &mut slow);
    }
    let last = format!("{{{tag}}}:last");
    encode_record(&["SET", &last, "loaded"], &mut slow);
    std::fs::write(file(1), &slow).expect("write shard 1's file");
    let mut fast = Vec::new();
    encode_record(&["SET", &key0, "zero"], &mut fast);
    std::fs::write(file(0), &fast).expect("write shard 0's file");

    let loading = |r: &Resp| matches!(r, Resp::Error(e) if e.starts_with("LOADING"));
    for _ in 0..10 {
        let mut srv = Server::spawn(&dir, 2, free_port()).unwrap_or_else(|e| panic!("{e}"));
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut c = loop {
            if let Ok(c) = Conn::connect(srv.port) {
                break Some(c);
            }
            if srv.exited().is_some() || Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let Some(c) = c.as_mut() else {
            assert!(srv.output().contains("listening socket"), "{}", srv.tail());
            continue;
        };
        // Ours, not another process's server on that port (CONFIG GET is
        // allowed while loading).
        let dir_reply = c.call(&["CONFIG", "GET", "dir"]);
        let ours = dir_reply
            .as_ref()
            .ok()
            .and_then(|r| r.items().get(1)?.text().map(String::from));
        if ours.as_deref() != Some(&*dir.to_string_lossy()) {
            continue;
        }
        // Ask until the answer is not -LOADING; it must be the loaded value.
        let mut asked = 0;
        let (get, dbsize) = loop {
            asked += 1;
            let get = c
                .call(&["GET", &last])
                .unwrap_or_else(|e| panic!("{}", io_error("GET", e)));
            let dbsize = c
                .call(&["DBSIZE"])
                .unwrap_or_else(|e| panic!("{}", io_error("DBSIZE", e)));
            if !(loading(&get) || loading(&dbsize)) || Instant::now() > deadline {
                break (get, dbsize);
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        srv.kill9().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            get,
            Resp::Bulk(Some("loaded".into())),
            "GET of a key of the shard still loading (ask {asked}; data dir kept: {})",
            dir.display()
        );
        assert_eq!(
            dbsize,
            Resp::Int(SLOW_RECORDS as i64 + 2),
            "DBSIZE (ask {asked}; data dir kept: {})",
            dir.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    panic!("no usable port in 10 tries");
}
