//! Shard execution without network: command handlers called directly on a
//! `Shard`, as an executor runs them once a command has reached its shard
//! (no parsing, routing, mesh or reply encoding). Random keys over a
//! 100k-key space, one fresh shard per command. Run with
//! `cargo bench --bench shard`.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ringkv::cmd::table::{self, Exec, Handler};
use ringkv::shard::{now_ms, Ctx, Shard};

use common::{human, ns_per, per_sec, Below, Rng};

/// Distinct keys each command works on.
const KEYS: usize = 100_000;
/// Commands run per row, in `SLICES` timed slices (MSET: fewer, it writes
/// `MSET_PAIRS` keys each).
const OPS: usize = 1_000_000;
const MSET_PAIRS: usize = 10;
/// Timed slices per row; the fastest is reported.
const SLICES: usize = 4;
/// Members / fields per collection key (small: compact encodings).
const MEMBERS: usize = 32;
/// Elements pushed onto every list before RPOP is timed: far more than the
/// pops any one key gets, so no pop finds an empty list.
const RPOP_FILL: usize = 40;

/// One bench row: how to build a command's arguments from random numbers.
struct Case {
    name: &'static str,
    /// Prefix of the keys (distinct per type, so no WRONGTYPE).
    prefix: &'static str,
    /// What runs before the timing (GET needs its keys, RPOP its elements).
    fill: Fill,
    ops: usize,
    /// Keys one command writes or reads, for the keys/s column.
    keys_per_op: usize,
    /// Fills the argument vector from the tables and the generator.
    argv: fn(&mut Vec<Bytes>, &Tables, &mut Rng),
}

#[derive(Clone, Copy)]
enum Fill {
    None,
    /// `SET key value` on every key.
    Strings,
    /// `LPUSH key value` `RPOP_FILL` times on every key.
    Lists,
}

/// Argument bytes made up front, so that building a command's arguments
/// costs what the server's parser costs: cloning `Bytes` handles.
struct Tables {
    keys: Vec<Bytes>,
    /// Set members: small integers, so sets stay intsets (ID sets often are).
    members: Vec<Bytes>,
    /// Hash fields and zset members.
    fields: Vec<Bytes>,
    scores: Vec<Bytes>,
}

impl Tables {
    fn new(prefix: &str) -> Tables {
        Tables {
            keys: common::keys(prefix, KEYS),
            members: (0..MEMBERS).map(|i| Bytes::from(i.to_string())).collect(),
            fields: (0..MEMBERS)
                .map(|i| Bytes::from(format!("field:{i}")))
                .collect(),
            scores: (0..1024)
                .map(|i| Bytes::from(format!("{}", i * 977 % 10_000)))
                .collect(),
        }
    }

    fn key(&self, r: &mut Rng) -> Bytes {
        self.keys[r.below(self.keys.len())].clone()
    }

    fn pick(v: &[Bytes], r: &mut Rng) -> Bytes {
        v[r.below(v.len())].clone()
    }
}

/// A 16-byte value.
const VALUE: Bytes = Bytes::from_static(b"value-0123456789");

fn cases() -> Vec<Case> {
    let one = |name, prefix, fill, argv| Case {
        name,
        prefix,
        fill,
        ops: OPS,
        keys_per_op: 1,
        argv,
    };
    vec![
        one("SET", "str", Fill::None, |a, t, r| {
            a.extend([Bytes::from_static(b"SET"), t.key(r), VALUE])
        }),
        one("GET", "str", Fill::Strings, |a, t, r| {
            a.extend([Bytes::from_static(b"GET"), t.key(r)])
        }),
        one("INCR", "num", Fill::None, |a, t, r| {
            a.extend([Bytes::from_static(b"INCR"), t.key(r)])
        }),
        one("LPUSH", "list", Fill::None, |a, t, r| {
            a.extend([Bytes::from_static(b"LPUSH"), t.key(r), VALUE])
        }),
        one("RPOP", "list", Fill::Lists, |a, t, r| {
            a.extend([Bytes::from_static(b"RPOP"), t.key(r)])
        }),
        one("SADD", "set", Fill::None, |a, t, r| {
            a.extend([
                Bytes::from_static(b"SADD"),
                t.key(r),
                Tables::pick(&t.members, r),
            ])
        }),
        one("HSET", "hash", Fill::None, |a, t, r| {
            a.extend([
                Bytes::from_static(b"HSET"),
                t.key(r),
                Tables::pick(&t.fields, r),
                VALUE,
            ])
        }),
        one("ZADD", "zset", Fill::None, |a, t, r| {
            a.extend([
                Bytes::from_static(b"ZADD"),
                t.key(r),
                Tables::pick(&t.scores, r),
                Tables::pick(&t.fields, r),
            ])
        }),
        Case {
            name: "MSET x10",
            prefix: "str",
            fill: Fill::None,
            ops: OPS / MSET_PAIRS,
            keys_per_op: MSET_PAIRS,
            argv: |a, t, r| {
                a.push(Bytes::from_static(b"MSET"));
                for _ in 0..MSET_PAIRS {
                    a.extend([t.key(r), VALUE]);
                }
            },
        },
    ]
}

/// The handler of a keyed command, as the table has it (`"MSET x10"`: MSET).
fn handler(name: &[u8]) -> Handler {
    let cmd = name.split(|&b| b == b' ').next().unwrap_or(name);
    match table::lookup(cmd).map(|s| s.exec) {
        Some(Exec::Keyed { handler, .. }) => handler,
        _ => panic!("{} is not a keyed command", String::from_utf8_lossy(cmd)),
    }
}

/// Runs `n` commands of `case` through `h`; returns the errors replied.
fn run(shard: &mut Shard, h: Handler, case: &Case, t: &Tables, rng: &mut Rng, n: usize) -> usize {
    let mut argv = Vec::with_capacity(2 + 2 * MSET_PAIRS);
    let mut errors = 0;
    let now = now_ms();
    for _ in 0..n {
        argv.clear();
        (case.argv)(&mut argv, t, rng);
        let mut ctx = Ctx::new(shard, 0, now);
        match h(&mut ctx, black_box(&argv)) {
            Ok(r) => drop(black_box(r)),
            Err(_) => errors += 1,
        }
    }
    errors
}

/// Fills `shard` as `fill` says, through the command handlers.
fn fill(shard: &mut Shard, fill: Fill, keys: &[Bytes]) {
    let now = now_ms();
    let (name, rounds): (&'static [u8], usize) = match fill {
        Fill::None => return,
        Fill::Strings => (b"SET", 1),
        Fill::Lists => (b"LPUSH", RPOP_FILL),
    };
    let h = handler(name);
    for _ in 0..rounds {
        for k in keys {
            let argv = [Bytes::from_static(name), k.clone(), VALUE];
            let mut ctx = Ctx::new(shard, 0, now);
            assert!(h(&mut ctx, &argv).is_ok(), "filling failed");
        }
    }
}

fn main() {
    println!(
        "shard execution, no network: {KEYS} random keys per command, handlers called directly\n"
    );
    println!(
        "{:9} {:>9} {:>8} {:>10} {:>10}",
        "command", "ops", "ns/op", "ops/s", "keys/s"
    );
    let mut total = Duration::ZERO;
    for case in cases() {
        let tables = Tables::new(case.prefix);
        let h = handler(case.name.as_bytes());
        let mut shard = Shard::new(0, 1, 16, now_ms());
        fill(&mut shard, case.fill, &tables.keys);
        // The ops in `SLICES` timed slices, the fastest reported: a slice
        // that a neighbour's burst slowed down is not the one shown.
        let mut rng = Rng::new(0x5eed);
        let n = case.ops / SLICES;
        let mut best = Duration::MAX;
        for _ in 0..SLICES {
            let start = Instant::now();
            let errors = run(&mut shard, h, &case, &tables, &mut rng, n);
            let t = start.elapsed();
            assert_eq!(errors, 0, "{} replied errors", case.name);
            total += t;
            best = best.min(t);
        }
        let (n, t) = (n as u64, best);
        println!(
            "{:9} {:>9} {:>8.1} {:>10} {:>10}",
            case.name,
            n,
            ns_per(n, t),
            human(per_sec(n, t)),
            human(per_sec(n * case.keys_per_op as u64, t)),
        );
        black_box(&shard);
    }
    println!(
        "\n(best of {SLICES} slices; timed {total:.2?} in all; sets: {MEMBERS} integer members, hashes and zsets: {MEMBERS} fields, 16-byte values)"
    );
}
