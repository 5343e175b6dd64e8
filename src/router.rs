//! Keys → shards. Runs a batch of parsed commands from one connection in
//! order: single-shard commands on the home shard run at once with no
//! message; single-shard commands elsewhere are batched, one message per
//! destination shard per batch; multi-shard commands scatter and gather.
//!
//! Order: commands for one key always go to the same shard through the same
//! FIFO channel, and anything that spans shards (or has no keys) first waits
//! for the batched work before it, so a client sees its commands take effect
//! in the order it sent them.

use std::rc::Rc;

use bytes::Bytes;

use crate::cmd::keys::{key_positions, KeySpec};
use crate::cmd::table::{self, flags, CommandSpec, Cross, Exec, Handler, Merge};
use crate::error::Error;
use crate::mesh::{join_all, Job, Work, Worker};
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::now_ms;
use crate::slot::shard_of;

/// Work batched for remote shards: (reply index, job) per destination.
struct Pending {
    per_shard: Vec<Vec<(usize, Job)>>,
    any: bool,
}

impl Pending {
    fn new(n: usize) -> Pending {
        Pending {
            per_shard: (0..n).map(|_| Vec::new()).collect(),
            any: false,
        }
    }

    fn push(&mut self, shard: usize, idx: usize, job: Job) {
        self.per_shard[shard].push((idx, job));
        self.any = true;
    }

    /// Sends every batch (one message per shard), waits for all replies.
    async fn flush(&mut self, worker: &Worker, replies: &mut [Option<Reply>]) {
        if !self.any {
            return;
        }
        self.any = false;
        let mut idxs = Vec::new();
        let mut calls = Vec::new();
        for (shard, batch) in self.per_shard.iter_mut().enumerate() {
            if batch.is_empty() {
                continue;
            }
            let (i, jobs): (Vec<usize>, Vec<Job>) = std::mem::take(batch).into_iter().unzip();
            idxs.push(i);
            calls.push(worker.call(shard, jobs));
        }
        for (i, r) in idxs.into_iter().zip(join_all(calls).await) {
            for (idx, reply) in i.into_iter().zip(r) {
                replies[idx] = Some(reply);
            }
        }
    }
}

/// Where a keyed command's keys live.
enum Route {
    /// All keys on one shard (or no keys present: the home shard).
    One(usize),
    /// Keys on several shards.
    Many,
}

fn route(
    spec: &CommandSpec,
    argv: &[Bytes],
    nshards: usize,
    home: usize,
    buf: &mut Vec<usize>,
) -> Route {
    if nshards == 1 {
        return Route::One(0);
    }
    // Fast path: one key at a fixed position.
    if let KeySpec::Range { first, last, .. } = spec.keys {
        if first == last && first > 0 {
            return match argv.get(first as usize) {
                Some(k) => Route::One(shard_of(k, nshards)),
                None => Route::One(home),
            };
        }
    }
    buf.clear();
    key_positions(&spec.keys, argv, buf);
    let mut it = buf.iter();
    let Some(&p) = it.next() else {
        return Route::One(home);
    };
    let s = shard_of(&argv[p], nshards);
    if it.all(|&q| shard_of(&argv[q], nshards) == s) {
        Route::One(s)
    } else {
        Route::Many
    }
}

/// Checks that happen before a command runs: existence, arity, auth.
pub fn check(s: &Session, argv: &[Bytes]) -> Result<&'static CommandSpec, Error> {
    let name = &argv[0];
    let spec = table::lookup(name).ok_or_else(|| Error::unknown_command(name, &argv[1..]))?;
    if !spec.arity_ok(argv.len()) {
        return Err(Error::wrong_arity(name));
    }
    // Container commands (CLIENT, CONFIG, OBJECT ...): the subcommand's own
    // entry decides arity, keys and execution.
    // A container whose arity allows no subcommand (bare COMMAND) runs its
    // parent entry; the others were refused by the arity check above.
    if let (false, Some(sub_name)) = (spec.subcommands.is_empty(), argv.get(1)) {
        let sub = table::lookup_sub(spec, sub_name)
            .ok_or_else(|| Error::unknown_subcommand(sub_name, spec.name))?;
        if !sub.arity_ok(argv.len()) {
            return Err(Error::WrongArity(sub.name.to_string()));
        }
        if !s.authenticated && !sub.has(flags::NO_AUTH) {
            return Err(Error::NoAuth);
        }
        return Ok(sub);
    }
    if !s.authenticated && !spec.has(flags::NO_AUTH) {
        return Err(Error::NoAuth);
    }
    // Keys in groups to the end (MSET k v [k v ...]): a dangling partial
    // group is refused before any shard runs a part (Redis checks it before
    // touching a key; a split command would otherwise write some parts).
    if let KeySpec::Range {
        first,
        last: -1,
        step,
    } = spec.keys
    {
        if step > 1 && first > 0 && (argv.len() as i64 - first as i64) % step as i64 != 0 {
            return Err(Error::wrong_arity(name));
        }
    }
    Ok(spec)
}

/// Runs a batch of commands and returns their replies in order.
pub async fn execute_batch(s: &mut Session, cmds: Vec<Vec<Bytes>>) -> Vec<Reply> {
    let worker = s.worker.clone();
    let n = worker.nshards;
    let home = worker.id;
    let mut replies: Vec<Option<Reply>> = (0..cmds.len()).map(|_| None).collect();
    let mut pending = Pending::new(n);
    let mut keybuf = Vec::new();
    let ncmds = cmds.len();
    worker.stats_commands(ncmds as u64);
    for (idx, argv) in cmds.into_iter().enumerate() {
        if s.closing {
            break;
        }
        let spec = match check(s, &argv) {
            Ok(spec) => spec,
            Err(e) => {
                replies[idx] = Some(Reply::Error(e));
                continue;
            }
        };
        s.info.borrow_mut().last_cmd = spec.name;
        match spec.exec {
            Exec::Keyed { handler, cross } => match route(spec, &argv, n, home, &mut keybuf) {
                Route::One(shard) if shard == home => {
                    let job = Job {
                        db: s.db,
                        work: Work::Cmd { handler, argv },
                    };
                    replies[idx] = Some(worker.run_job(job, now_ms()));
                }
                Route::One(shard) => {
                    pending.push(
                        shard,
                        idx,
                        Job {
                            db: s.db,
                            work: Work::Cmd { handler, argv },
                        },
                    );
                }
                Route::Many => {
                    pending.flush(&worker, &mut replies).await;
                    let r = match cross {
                        Cross::Never => Reply::Error(Error::err("command keys span shards")),
                        Cross::Split(merge) => {
                            run_split(&worker, s.db, spec, handler, merge, argv, &mut keybuf).await
                        }
                        Cross::Coord(f) => f(s, argv).await,
                        Cross::Gather => Reply::Error(Error::err("command keys span shards")),
                    };
                    replies[idx] = Some(r);
                }
            },
            Exec::All { handler, merge } => {
                pending.flush(&worker, &mut replies).await;
                replies[idx] = Some(run_all(&worker, s.db, handler, merge, argv).await);
            }
            Exec::Session(f) => {
                let before = s.proto;
                replies[idx] = Some(f(s, &argv).into());
                if s.proto != before {
                    // HELLO switched protocols: earlier replies of this batch
                    // belong to the old one.
                    pending.flush(&worker, &mut replies).await;
                    for r in replies[..idx].iter_mut().flatten() {
                        let mut b = bytes::BytesMut::new();
                        crate::resp::encode(r, before, &mut b);
                        *r = Reply::Raw(b.freeze());
                    }
                }
            }
            Exec::Async(f) => {
                pending.flush(&worker, &mut replies).await;
                replies[idx] = Some(f(s, argv).await);
            }
        }
    }
    pending.flush(&worker, &mut replies).await;
    replies.into_iter().flatten().collect()
}

/// Splits a multi-key command per shard, runs the parts concurrently, merges.
async fn run_split(
    worker: &Rc<Worker>,
    db: usize,
    spec: &CommandSpec,
    handler: Handler,
    merge: Merge,
    argv: Vec<Bytes>,
    keybuf: &mut Vec<usize>,
) -> Reply {
    let n = worker.nshards;
    keybuf.clear();
    key_positions(&spec.keys, &argv, keybuf);
    let step = spec.keys.step();
    // Per shard: the sub-command and, for each of its keys, the key's index in the original.
    let mut parts: Vec<(Vec<Bytes>, Vec<usize>)> = (0..n)
        .map(|_| (vec![argv[0].clone()], Vec::new()))
        .collect();
    for (k, &p) in keybuf.iter().enumerate() {
        let shard = shard_of(&argv[p], n);
        let end = (p + step).min(argv.len());
        parts[shard].0.extend_from_slice(&argv[p..end]);
        parts[shard].1.push(k);
    }
    let nkeys = keybuf.len();
    // The lock step of DESIGN §5 goes here: a coordinator takes intents on
    // every involved shard before the parts run (next issue's work).
    let mut calls = Vec::new();
    let mut orders = Vec::new();
    for (shard, (sub, order)) in parts.into_iter().enumerate() {
        if order.is_empty() {
            continue;
        }
        orders.push(order);
        calls.push(worker.call(
            shard,
            vec![Job {
                db,
                work: Work::Cmd { handler, argv: sub },
            }],
        ));
    }
    let results: Vec<Reply> = join_all(calls).await.into_iter().flatten().collect();
    match merge {
        Merge::Sum => sum(results),
        Merge::Ok => all_ok(results),
        Merge::Array => {
            let mut out: Vec<Reply> = (0..nkeys).map(|_| Reply::Nil).collect();
            for (order, r) in orders.into_iter().zip(results) {
                match r {
                    Reply::Array(items) => {
                        for (k, item) in order.into_iter().zip(items) {
                            out[k] = item;
                        }
                    }
                    other => return other,
                }
            }
            Reply::Array(out)
        }
    }
}

/// Runs a keyless command on every shard and merges.
async fn run_all(
    worker: &Rc<Worker>,
    db: usize,
    handler: Handler,
    merge: Merge,
    argv: Vec<Bytes>,
) -> Reply {
    let calls: Vec<_> = (0..worker.nshards)
        .map(|shard| {
            worker.call(
                shard,
                vec![Job {
                    db,
                    work: Work::Cmd {
                        handler,
                        argv: argv.clone(),
                    },
                }],
            )
        })
        .collect();
    let results: Vec<Reply> = join_all(calls).await.into_iter().flatten().collect();
    match merge {
        Merge::Sum => sum(results),
        Merge::Ok => all_ok(results),
        Merge::Array => {
            let mut out = Vec::new();
            for r in results {
                match r {
                    Reply::Array(items) => out.extend(items),
                    other => return other,
                }
            }
            Reply::Array(out)
        }
    }
}

fn sum(results: Vec<Reply>) -> Reply {
    let mut total = 0i64;
    for r in results {
        match r {
            Reply::Int(k) => total += k,
            other => return other,
        }
    }
    Reply::Int(total)
}

fn all_ok(results: Vec<Reply>) -> Reply {
    results
        .into_iter()
        .find(|r| r.is_error())
        .unwrap_or(Reply::Ok)
}
