//! Cross-shard MGET / MSET cost, end to end: an in-process server with 2
//! and then 4 shards, one blocking TCP client sending pipelined raw RESP.
//! MGET / MSET of 10 keys that share a `{hashtag}` (one shard, one hop at
//! most) against 10 keys spread over the shards (split, one job per shard
//! touched, replies merged); single-key GET for reference. Run with
//! `cargo bench --bench cross`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ringkv::slot::shard_of;
use ringkv::Config;

use common::{human, per_sec, Below, Rng};

const SHARDS: [usize; 2] = [2, 4];
/// Keys of each kind (spread and tagged), all set before timing.
const KEYS: usize = 100_000;
/// Hashtags; tagged keys are `{tN}:i`, KEYS / TAGS of them per tag.
const TAGS: usize = 64;
const KEYS_PER_CMD: usize = 10;
/// Commands per pipelined write (the client then reads as many replies).
const DEPTH: usize = 32;
/// Pipelines built up front per row, sent round robin.
const POOL: usize = 256;
/// Time per row, in `SLICES` timed slices.
const BUDGET: Duration = Duration::from_millis(1200);
const SLICES: usize = 4;
const VALUE: &[u8] = b"value-0123456789";

/// One row: the command and how its keys are chosen.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Get,
    MgetTagged,
    MgetSpread,
    MsetTagged,
    MsetSpread,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Get => "GET (1 key)",
            Kind::MgetTagged => "MGET 10, one shard",
            Kind::MgetSpread => "MGET 10, spread",
            Kind::MsetTagged => "MSET 10, one shard",
            Kind::MsetSpread => "MSET 10, spread",
        }
    }
}

fn spread_key(i: usize) -> Vec<u8> {
    format!("key:{i:06}").into_bytes()
}

fn tagged_key(tag: usize, i: usize) -> Vec<u8> {
    format!("{{t{tag}}}:{i:05}").into_bytes()
}

/// Appends one command as a RESP multibulk.
fn encode(args: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// The keys of one command of `kind`.
fn pick(kind: Kind, rng: &mut Rng) -> Vec<Vec<u8>> {
    match kind {
        Kind::Get => vec![spread_key(rng.below(KEYS))],
        Kind::MgetTagged | Kind::MsetTagged => {
            let tag = rng.below(TAGS);
            (0..KEYS_PER_CMD)
                .map(|_| tagged_key(tag, rng.below(KEYS / TAGS)))
                .collect()
        }
        Kind::MgetSpread | Kind::MsetSpread => (0..KEYS_PER_CMD)
            .map(|_| spread_key(rng.below(KEYS)))
            .collect(),
    }
}

/// `POOL` pipelines of `DEPTH` commands of `kind`, and the mean number of
/// shards one command touches.
fn pipelines(kind: Kind, nshards: usize) -> (Vec<Vec<u8>>, f64) {
    let mut rng = Rng::new(0x5eed);
    let mut touched = 0;
    let pool = (0..POOL)
        .map(|_| {
            let mut out = Vec::new();
            for _ in 0..DEPTH {
                let keys = pick(kind, &mut rng);
                let mut shards: Vec<usize> = keys.iter().map(|k| shard_of(k, nshards)).collect();
                shards.sort_unstable();
                shards.dedup();
                touched += shards.len();
                let mut args: Vec<&[u8]> = Vec::new();
                match kind {
                    Kind::Get => args.push(b"GET"),
                    Kind::MgetTagged | Kind::MgetSpread => args.push(b"MGET"),
                    Kind::MsetTagged | Kind::MsetSpread => args.push(b"MSET"),
                }
                for k in &keys {
                    args.push(k);
                    if matches!(kind, Kind::MsetTagged | Kind::MsetSpread) {
                        args.push(VALUE);
                    }
                }
                encode(&args, &mut out);
            }
            out
        })
        .collect();
    (pool, touched as f64 / (POOL * DEPTH) as f64)
}

/// A blocking RESP client that counts replies without decoding them.
struct Client {
    s: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_nodelay(true).ok();
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        Client {
            s,
            buf: Vec::with_capacity(1 << 16),
        }
    }

    /// Sends `out` and reads `n` replies; panics on an error reply.
    fn round(&mut self, out: &[u8], n: usize) {
        self.s.write_all(out).expect("write");
        let mut done = 0;
        let mut pos = 0;
        let mut chunk = [0u8; 1 << 16];
        while done < n {
            match skip(&self.buf[pos..]) {
                Some(Ok(used)) => {
                    pos += used;
                    done += 1;
                }
                Some(Err(e)) => panic!("error reply: {e}"),
                None => {
                    self.buf.drain(..pos);
                    pos = 0;
                    let got = self.s.read(&mut chunk).expect("read");
                    assert!(got > 0, "server closed the connection");
                    self.buf.extend_from_slice(&chunk[..got]);
                }
            }
        }
        self.buf.drain(..pos);
    }
}

/// The length of the first complete RESP2 reply in `b`: None if incomplete,
/// Err with its text if it is an error.
fn skip(b: &[u8]) -> Option<Result<usize, String>> {
    let end = memchr::memmem::find(b, b"\r\n")?;
    let line = &b[..end];
    let after = end + 2;
    let num = || -> i64 {
        std::str::from_utf8(&line[1..])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    match line.first()? {
        b'+' | b':' => Some(Ok(after)),
        b'-' => Some(Err(String::from_utf8_lossy(line).into_owned())),
        b'$' => {
            let n = num();
            if n < 0 {
                return Some(Ok(after));
            }
            let total = after + n as usize + 2;
            (b.len() >= total).then_some(Ok(total))
        }
        b'*' => {
            let mut pos = after;
            for _ in 0..num().max(0) {
                match skip(&b[pos..])? {
                    Ok(used) => pos += used,
                    Err(e) => return Some(Err(e)),
                }
            }
            Some(Ok(pos))
        }
        _ => Some(Err(format!(
            "unexpected reply {:?}",
            String::from_utf8_lossy(line)
        ))),
    }
}

/// Sets every key the rows read, pipelined.
fn fill(c: &mut Client) {
    let mut keys: Vec<Vec<u8>> = (0..KEYS).map(spread_key).collect();
    for tag in 0..TAGS {
        keys.extend((0..KEYS / TAGS).map(|i| tagged_key(tag, i)));
    }
    for chunk in keys.chunks(512) {
        let mut out = Vec::new();
        for k in chunk {
            encode(&[b"SET", k, VALUE], &mut out);
        }
        c.round(&out, chunk.len());
    }
}

/// Commands per second of one row: the best of `SLICES` timed slices (a
/// slice that a neighbour's burst slowed down is not the one shown).
fn measure(c: &mut Client, pool: &[Vec<u8>]) -> f64 {
    // Warm-up: one pass over the pool.
    for p in pool {
        c.round(p, DEPTH);
    }
    let mut pipelines = pool.iter().cycle();
    let mut best: f64 = 0.0;
    for _ in 0..SLICES {
        let start = Instant::now();
        let mut n = 0;
        while start.elapsed() < BUDGET / SLICES as u32 {
            if let Some(p) = pipelines.next() {
                c.round(p, DEPTH);
                n += DEPTH as u64;
            }
        }
        best = best.max(per_sec(n, start.elapsed()));
    }
    best
}

fn main() {
    ringkv::logging::init("warning");
    println!(
        "cross-shard MGET / MSET over TCP: one client, {DEPTH} commands per pipelined write, {KEYS_PER_CMD} keys per MGET/MSET\n"
    );
    for nshards in SHARDS {
        let h = ringkv::start(Config {
            port: 0,
            shards: nshards,
            io_memory: 64 * 1024,
            appendonly: false,
            ..Default::default()
        })
        .expect("server starts");
        let mut c = Client::connect(h.port);
        fill(&mut c);
        println!("{nshards} shards");
        println!(
            "  {:20} {:>13} {:>10} {:>10}",
            "command", "shards/cmd", "cmds/s", "keys/s"
        );
        let mut rates = Vec::new();
        for kind in [
            Kind::Get,
            Kind::MgetTagged,
            Kind::MgetSpread,
            Kind::MsetTagged,
            Kind::MsetSpread,
        ] {
            let (pool, touched) = pipelines(kind, nshards);
            let rate = measure(&mut c, &pool);
            let keys = if kind == Kind::Get { 1 } else { KEYS_PER_CMD };
            println!(
                "  {:20} {:>13.2} {:>10} {:>10}",
                kind.label(),
                touched,
                human(rate),
                human(rate * keys as f64),
            );
            rates.push((kind, rate));
        }
        let rate = |k: Kind| rates.iter().find(|r| r.0 == k).map_or(0.0, |r| r.1);
        println!(
            "  one shard / spread: MGET {:.2}x, MSET {:.2}x\n",
            rate(Kind::MgetTagged) / rate(Kind::MgetSpread),
            rate(Kind::MsetTagged) / rate(Kind::MsetSpread),
        );
        drop(c);
        h.shutdown();
    }
    println!(
        "(best of {SLICES} slices of {:?} per row; the connection's own shard is whichever \
         executor accepted it; tags and keys rotate over all shards)",
        BUDGET / SLICES as u32
    );
}
