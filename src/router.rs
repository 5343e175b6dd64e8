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
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::cmd::keys::{key_positions, KeySpec};
use crate::cmd::table::{self, flags, CommandSpec, Cross, Exec, Handler, Merge};
use crate::error::Error;
use crate::mesh::{join_all, Job, Lent, Work, Worker};
use crate::resp::{Commands, Reply};
use crate::session::Session;
use crate::shard::locks::{LockKey, TxId};
use crate::shard::now_ms;
use crate::slot::shard_of;
use crate::tx::{self, ShardPlan, Tx};

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
    async fn flush(&mut self, worker: &Worker, replies: &mut [Option<Reply>], tx: TxId) {
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
            calls.push(worker.call_tx(shard, jobs, tx, false));
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
        return loaded(s, sub);
    }
    if !s.authenticated && !spec.has(flags::NO_AUTH) {
        return Err(Error::NoAuth);
    }
    loaded(s, spec)
}

/// While the append-only files load, only commands flagged `loading` run.
#[inline]
fn loaded(s: &Session, spec: &'static CommandSpec) -> Result<&'static CommandSpec, Error> {
    if s.worker
        .shared
        .loading
        .load(std::sync::atomic::Ordering::Relaxed)
        != 0
        && !spec.has(flags::LOADING)
    {
        return Err(Error::Loading);
    }
    Ok(spec)
}

/// Keys in groups to the end (MSET k v [k v ...]): a dangling partial
/// group is refused before any shard runs a part (Redis's handler checks it
/// before touching a key; a split command would otherwise write some parts).
/// A run-time error, not a queue-time one: MULTI queues such a command.
fn partial_group(spec: &CommandSpec, argv: &[Bytes]) -> Option<Error> {
    if let KeySpec::Range {
        first,
        last: -1,
        step,
    } = spec.keys
    {
        if step > 1 && first > 0 && (argv.len() as i64 - first as i64) % step as i64 != 0 {
            return Some(Error::wrong_arity(&argv[0]));
        }
    }
    None
}

/// Runs a batch of commands and returns their replies in order. Inside
/// MULTI, commands are queued instead (QUEUED, or an error that makes EXEC
/// fail), except the transaction-control ones. Arguments that a command
/// keeps (queued, sent to another shard) are moved out of `cmds`.
pub async fn execute_batch(s: &mut Session, cmds: &mut Commands) -> Vec<Reply> {
    let worker = s.worker.clone();
    worker.stats_commands(cmds.len() as u64);
    if cmds.len() > 1 && s.multi.is_none() {
        // Most commands name their key first: warm the home shard's
        // entries for those before running any.
        let (n, home) = (worker.nshards, worker.id);
        worker.prefetch(
            s.db,
            cmds.iter()
                .filter(|a| a.get(1).is_some_and(|k| n == 1 || shard_of(k, n) == home)),
        );
    }
    let mut b = Batch::new(worker, cmds.len(), None);
    b.may_block = true;
    for idx in 0..cmds.len() {
        if s.closing {
            break;
        }
        let checked = check(s, cmds.get(idx));
        if let Some(m) = &mut s.multi {
            match &checked {
                Err(e) => {
                    m.failed = true;
                    b.replies[idx] = Some(Reply::Error(e.clone()));
                    continue;
                }
                Ok(spec) if !spec.has(flags::TX_CONTROL) => {
                    if spec.has(flags::NO_MULTI) {
                        m.failed = true;
                        b.replies[idx] = Some(Reply::Error(Error::err(
                            "Command not allowed inside a transaction",
                        )));
                    } else {
                        m.cmds.push(cmds.take(idx));
                        s.info.borrow_mut().multi = m.cmds.len() as i64;
                        b.replies[idx] = Some(Reply::status("QUEUED"));
                    }
                    continue;
                }
                Ok(_) => {}
            }
        }
        match checked {
            Ok(spec) => {
                if !b.fast(s, idx, spec, cmds.get_mut(idx)) {
                    b.step(s, idx, spec, cmds.take(idx)).await;
                    b.now = now_ms();
                }
            }
            Err(e) => b.replies[idx] = Some(Reply::Error(e)),
        }
    }
    b.finish().await
}

/// Runs the commands of an EXEC block under transaction `tx` (None when
/// they touch no shard); errors are replies, as Redis gives them.
pub async fn run_block(s: &mut Session, cmds: Vec<Vec<Bytes>>, tx: Option<&Tx>) -> Vec<Reply> {
    let worker = s.worker.clone();
    let mut b = Batch::new(worker, cmds.len(), tx);
    for (idx, argv) in cmds.into_iter().enumerate() {
        match check(s, &argv) {
            Ok(spec) => b.step(s, idx, spec, argv).await,
            Err(e) => b.replies[idx] = Some(Reply::Error(e)),
        }
    }
    b.finish().await
}

/// At most this many split commands share one transaction.
const MAX_SQUASH: usize = 64;

/// The commands of one batch (or one EXEC block) on their way.
struct Batch<'t> {
    worker: Rc<Worker>,
    pending: Pending,
    replies: Vec<Option<Reply>>,
    keybuf: Vec<usize>,
    /// The transaction everything runs under (EXEC), if any.
    tx: Option<&'t Tx>,
    /// Consecutive split commands waiting to run as one transaction, and
    /// the intents they need.
    splits: Vec<SplitCmd>,
    split_plans: Vec<ShardPlan>,
    /// Blocking commands may block (a client's own batch; never in EXEC).
    may_block: bool,
    /// The time local commands run at: read once per stretch of commands
    /// that runs without an await (a clock read per command cost more
    /// than the GET it timed), read again after every await.
    now: u64,
}

impl<'t> Batch<'t> {
    fn new(worker: Rc<Worker>, n: usize, tx: Option<&'t Tx>) -> Batch<'t> {
        let nshards = worker.nshards;
        Batch {
            worker,
            pending: Pending::new(nshards),
            replies: (0..n).map(|_| None).collect(),
            keybuf: Vec::new(),
            tx,
            splits: Vec::new(),
            split_plans: Vec::new(),
            may_block: false,
            now: now_ms(),
        }
    }

    /// Runs the waiting split commands (after what was batched before them).
    async fn run_splits(&mut self) {
        if self.splits.is_empty() {
            return;
        }
        self.flush().await;
        let cmds = std::mem::take(&mut self.splits);
        let plans = std::mem::take(&mut self.split_plans);
        run_splits(&self.worker, self.tx, cmds, plans, &mut self.replies).await;
        self.now = now_ms();
    }

    async fn flush(&mut self) {
        let tx = self.tx.map_or(0, |t| t.id);
        self.pending
            .flush(&self.worker, &mut self.replies, tx)
            .await;
        self.now = now_ms();
    }

    async fn finish(mut self) -> Vec<Reply> {
        self.run_splits().await;
        self.flush().await;
        // Sized up front: collecting the flattened replies would grow the
        // vector from nothing, a reallocation every few replies.
        let mut out = Vec::with_capacity(self.replies.len());
        out.extend(self.replies.into_iter().flatten());
        out
    }

    /// The common case without an await: a single-shard command, run on
    /// the home shard now (on the borrowed arguments) or batched for its
    /// shard (the arguments move into the job). `false` leaves the
    /// command untouched for `step`.
    #[inline]
    fn fast(
        &mut self,
        s: &Session,
        idx: usize,
        spec: &'static CommandSpec,
        argv: &mut [Bytes],
    ) -> bool {
        let Exec::Keyed { handler, .. } = spec.exec else {
            return false;
        };
        if !self.splits.is_empty() || spec.block.is_some() || partial_group(spec, argv).is_some() {
            return false;
        }
        let (n, home) = (self.worker.nshards, self.worker.id);
        let Route::One(shard) = route(spec, argv, n, home, &mut self.keybuf) else {
            return false;
        };
        if shard == home && self.tx.is_none() && !self.worker.locks_idle() {
            return false;
        }
        s.info.borrow_mut().last_cmd = spec.name;
        if shard != home {
            let job = Job {
                db: s.db,
                work: Work::Cmd {
                    spec,
                    handler,
                    argv: argv.iter_mut().map(std::mem::take).collect(),
                },
            };
            self.pending.push(shard, idx, job);
        } else {
            self.replies[idx] = Some(self.worker.run_cmd(spec, handler, s.db, argv, self.now));
        }
        true
    }

    async fn step(
        &mut self,
        s: &mut Session,
        idx: usize,
        spec: &'static CommandSpec,
        argv: Vec<Bytes>,
    ) {
        let worker = self.worker.clone();
        let (n, home) = (worker.nshards, worker.id);
        s.info.borrow_mut().last_cmd = spec.name;
        if let Some(e) = partial_group(spec, &argv) {
            self.replies[idx] = Some(Reply::Error(e));
            return;
        }
        if self.may_block && spec.block.is_some() {
            // After everything before it; nothing after it runs until it is done.
            self.run_splits().await;
            self.flush().await;
            self.replies[idx] = Some(crate::blocking::run(s, spec, argv).await);
            return;
        }
        let route = match spec.exec {
            Exec::Keyed { .. } => Some(route(spec, &argv, n, home, &mut self.keybuf)),
            _ => None,
        };
        if let (
            Some(Route::Many),
            Exec::Keyed {
                handler,
                cross: Cross::Split(merge),
            },
        ) = (&route, spec.exec)
        {
            let db = s.db;
            if self.tx.is_none() {
                let plans = key_plans(spec, &argv, db, n, databases(&worker), false);
                if self.split_plans.is_empty() {
                    self.split_plans = plans;
                } else {
                    for (all, p) in self.split_plans.iter_mut().zip(plans) {
                        for (k, x) in p.set.keys {
                            all.set.add(k.db, k.key, x);
                        }
                    }
                }
            }
            self.splits
                .push(split_cmd(idx, n, db, spec, handler, merge, &argv));
            if self.splits.len() >= MAX_SQUASH {
                self.run_splits().await;
            }
            return;
        }
        self.run_splits().await;
        let r = match spec.exec {
            Exec::Keyed { handler, cross } => {
                match route.unwrap_or(Route::One(home)) {
                    Route::One(shard) => {
                        let job = Job {
                            db: s.db,
                            work: Work::Cmd {
                                spec,
                                handler,
                                argv,
                            },
                        };
                        if shard != home {
                            self.pending.push(shard, idx, job);
                            return;
                        }
                        if self.tx.is_some()
                            || worker.locks_idle()
                            || !worker.must_wait(std::slice::from_ref(&job))
                        {
                            worker.run_job(job, now_ms())
                        } else {
                            // Queues behind a transaction: what was sent before goes first.
                            self.flush().await;
                            worker
                                .call(home, vec![job])
                                .await
                                .pop()
                                .unwrap_or(Reply::Nil)
                        }
                    }
                    Route::Many => {
                        self.flush().await;
                        match cross {
                            Cross::Never => Reply::Error(Error::err("command keys span shards")),
                            // Taken above.
                            Cross::Split(_) => Reply::Nil,
                            Cross::Gather => {
                                run_gather(&worker, self.tx, s.db, spec, handler, argv).await
                            }
                        }
                    }
                }
            }
            Exec::All { handler, merge } => {
                self.flush().await;
                run_all(&worker, self.tx, s.db, spec, handler, merge, argv).await
            }
            Exec::Session(f) => {
                let before = s.proto;
                let r: Reply = f(s, &argv).into();
                if s.proto != before {
                    // HELLO switched protocols: earlier replies of this batch
                    // belong to the old one.
                    self.flush().await;
                    for r in self.replies[..idx].iter_mut().flatten() {
                        let mut b = bytes::BytesMut::new();
                        crate::resp::encode(r, before, &mut b);
                        *r = Reply::Raw(b.freeze());
                    }
                }
                r
            }
            Exec::Async(f) => {
                self.flush().await;
                f(s, argv).await
            }
        };
        self.replies[idx] = Some(r);
    }
}

/// The locks of a multi-shard command, per shard: every key, shared for a
/// read-only command, exclusive otherwise (always exclusive, and lent, for
/// the gather path).
fn key_plans(
    spec: &CommandSpec,
    argv: &[Bytes],
    db: usize,
    nshards: usize,
    databases: usize,
    lend: bool,
) -> Vec<ShardPlan> {
    let mut plans = vec![ShardPlan::default(); nshards];
    add_key_intents(&mut plans, spec, argv, db, databases, lend);
    plans
}

/// Adds a command's keys (run from database `db`) to per-shard plans:
/// shared for a read-only command, exclusive otherwise; with `lend`,
/// exclusive and lent to the coordinator.
pub fn add_key_intents(
    plans: &mut [ShardPlan],
    spec: &CommandSpec,
    argv: &[Bytes],
    db: usize,
    databases: usize,
    lend: bool,
) {
    let n = plans.len();
    let excl = lend || !spec.has(flags::READONLY);
    let mut pos = Vec::new();
    spec.lock_keys(argv, db, &mut pos);
    for (d, p) in pos {
        // A database out of range: the handler refuses it; nothing to lock.
        if d >= databases {
            continue;
        }
        let Some(k) = argv.get(p) else { continue };
        let plan = &mut plans[shard_of(k, n)];
        let before = plan.set.keys.len();
        plan.set.add(d, k.clone(), excl);
        if lend && plan.set.keys.len() > before {
            plan.lend.push(LockKey {
                db: d,
                key: k.clone(),
            });
        }
    }
}

fn databases(w: &Worker) -> usize {
    w.shard.borrow().dbs.len()
}

/// A multi-key command split per shard: the sub-command for each shard
/// and, for each of its keys, the key's index in the original.
struct SplitCmd {
    idx: usize,
    merge: Merge,
    nkeys: usize,
    parts: Vec<(usize, Job, Vec<usize>)>,
}

fn split_cmd(
    idx: usize,
    n: usize,
    db: usize,
    spec: &'static CommandSpec,
    handler: Handler,
    merge: Merge,
    argv: &[Bytes],
) -> SplitCmd {
    let mut keybuf = Vec::new();
    key_positions(&spec.keys, argv, &mut keybuf);
    let step = spec.keys.step();
    let mut per: Vec<(Vec<Bytes>, Vec<usize>)> = (0..n)
        .map(|_| (vec![argv[0].clone()], Vec::new()))
        .collect();
    for (k, &p) in keybuf.iter().enumerate() {
        let shard = shard_of(&argv[p], n);
        let end = (p + step).min(argv.len());
        per[shard].0.extend_from_slice(&argv[p..end]);
        per[shard].1.push(k);
    }
    let parts = per
        .into_iter()
        .enumerate()
        .filter(|(_, (_, order))| !order.is_empty())
        .map(|(shard, (sub, order))| {
            let job = Job {
                db,
                work: Work::Cmd {
                    spec,
                    handler,
                    argv: sub,
                },
            };
            (shard, job, order)
        })
        .collect();
    SplitCmd {
        idx,
        merge,
        nkeys: keybuf.len(),
        parts,
    }
}

/// Merges the per-shard replies of a split command (in `parts` order).
fn merge_split(merge: Merge, nkeys: usize, results: Vec<(Vec<usize>, Reply)>) -> Reply {
    match merge {
        Merge::Sum => sum(results.into_iter().map(|(_, r)| r).collect()),
        Merge::Ok => all_ok(results.into_iter().map(|(_, r)| r).collect()),
        Merge::Array => {
            let mut out: Vec<Reply> = (0..nkeys).map(|_| Reply::Nil).collect();
            for (order, r) in results {
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

/// Runs consecutive split commands of a pipeline (MSET, MGET, DEL ...
/// spanning shards) as one transaction: one grant hop and one execution
/// hop per shard for the whole run, whatever its length (Dragonfly calls it
/// squashing). Each command still sees one instant, and so does the run.
async fn run_splits(
    worker: &Rc<Worker>,
    tx: Option<&Tx>,
    cmds: Vec<SplitCmd>,
    plans: Vec<ShardPlan>,
    replies: &mut [Option<Reply>],
) {
    let n = worker.nshards;
    let mut per: Vec<Vec<Job>> = (0..n).map(|_| Vec::new()).collect();
    let mut layout = Vec::with_capacity(cmds.len());
    for c in cmds {
        let mut where_ = Vec::with_capacity(c.parts.len());
        for (shard, job, order) in c.parts {
            where_.push((shard, per[shard].len(), order));
            per[shard].push(job);
        }
        layout.push((c.idx, c.merge, c.nkeys, where_));
    }
    let jobs: Vec<(usize, Vec<Job>)> = per
        .into_iter()
        .enumerate()
        .filter(|(_, j)| !j.is_empty())
        .collect();
    let shards: Vec<usize> = jobs.iter().map(|(s, _)| *s).collect();
    let results: Vec<Vec<Reply>> = match tx {
        Some(tx) => {
            let calls: Vec<_> = jobs
                .into_iter()
                .map(|(s, j)| tx.run(worker, s, j))
                .collect();
            join_all(calls).await
        }
        None => match Tx::begin(worker, &plans).await {
            Ok(tx) => tx.end(worker, jobs).await,
            Err(e) => {
                for (idx, ..) in layout {
                    replies[idx] = Some(Reply::Error(e.clone()));
                }
                return;
            }
        },
    };
    let mut results: Vec<Vec<Option<Reply>>> = results
        .into_iter()
        .map(|v| v.into_iter().map(Some).collect())
        .collect();
    for (idx, merge, nkeys, where_) in layout {
        let parts = where_
            .into_iter()
            .map(|(shard, i, order)| {
                let at = shards.iter().position(|&s| s == shard);
                let r = at
                    .and_then(|a| results[a].get_mut(i))
                    .and_then(|r| r.take())
                    .unwrap_or(Reply::Nil);
                (order, r)
            })
            .collect();
        replies[idx] = Some(merge_split(merge, nkeys, parts));
    }
}

/// Runs a multi-key command whose keys span shards with its single-shard
/// handler: under exclusive intents on every key, the values come to this
/// executor, the handler runs on a scratch shard holding them, and what it
/// left travels back. Two hops for a standalone command (the lending rides
/// on the grant, the write-back on the release).
pub async fn run_gather(
    worker: &Rc<Worker>,
    tx: Option<&Tx>,
    db: usize,
    spec: &'static CommandSpec,
    handler: Handler,
    argv: Vec<Bytes>,
) -> Reply {
    let n = worker.nshards;
    let plans = key_plans(spec, &argv, db, n, databases(worker), true);
    let keys: Vec<LockKey> = plans.iter().flat_map(|p| p.lend.iter().cloned()).collect();
    match tx {
        Some(tx) => {
            let mut outs = Vec::new();
            let mut calls = Vec::new();
            for (s, p) in plans.iter().enumerate() {
                if p.lend.is_empty() {
                    continue;
                }
                let out: Arc<Mutex<Vec<Option<Lent>>>> = Default::default();
                outs.push(out.clone());
                calls.push(tx.run(worker, s, vec![tx::lend_job(p.lend.clone(), out)]));
            }
            join_all(calls).await;
            let lent = outs
                .iter()
                .flat_map(|o| {
                    o.lock()
                        .map(|mut g| std::mem::take(&mut *g))
                        .unwrap_or_default()
                })
                .collect();
            let (reply, items) = tx::run_gathered(worker, db, handler, &argv, &keys, lent);
            let calls: Vec<_> = tx::writebacks(items, n)
                .into_iter()
                .map(|(s, j)| tx.run(worker, s, j))
                .collect();
            join_all(calls).await;
            reply
        }
        None => {
            let mut t = match Tx::begin(worker, &plans).await {
                Ok(t) => t,
                Err(e) => return Reply::Error(e),
            };
            let lent: Vec<Option<Lent>> =
                std::mem::take(&mut t.lent).into_iter().flatten().collect();
            let (reply, items) = tx::run_gathered(worker, db, handler, &argv, &keys, lent);
            t.end(worker, tx::writebacks(items, n)).await;
            reply
        }
    }
}

/// Runs a keyless command on every shard (under whole-shard intents, so it
/// sees one instant) and merges.
async fn run_all(
    worker: &Rc<Worker>,
    tx: Option<&Tx>,
    db: usize,
    spec: &'static CommandSpec,
    handler: Handler,
    merge: Merge,
    argv: Vec<Bytes>,
) -> Reply {
    let n = worker.nshards;
    let job = |argv: &Vec<Bytes>| Job {
        db,
        work: Work::Cmd {
            spec,
            handler,
            argv: argv.clone(),
        },
    };
    let results: Vec<Reply> = if let Some(tx) = tx {
        let calls: Vec<_> = (0..n)
            .map(|s| tx.run(worker, s, vec![job(&argv)]))
            .collect();
        join_all(calls).await.into_iter().flatten().collect()
    } else if n == 1 {
        worker.call(0, vec![job(&argv)]).await
    } else {
        let mut plan = ShardPlan::default();
        plan.set.add_global(!spec.has(flags::READONLY));
        let plans = vec![plan; n];
        match Tx::begin(worker, &plans).await {
            Ok(tx) => {
                let jobs = (0..n).map(|s| (s, vec![job(&argv)])).collect();
                tx.end(worker, jobs).await.into_iter().flatten().collect()
            }
            Err(e) => return Reply::Error(e),
        }
    };
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
