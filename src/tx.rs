//! The transaction coordinator (DESIGN §5, docs/transactions.md): runs on
//! the connection's home executor, takes an id from the global counter,
//! schedules intents on every shard involved (shard/locks.rs), and runs
//! the per-shard parts once every shard granted them; the last hop to each
//! shard releases the intents.
//!
//! Used for every command whose keys span shards (split commands, the
//! gather path, keyless commands over all shards) and for MULTI/EXEC.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use bytes::Bytes;

use crate::cmd::table::Handler;
use crate::error::Error;
use crate::mesh::{join_all, Job, Lent, LockJob, ShardFn, Work, Worker};
use crate::resp::Reply;
use crate::shard::locks::{next_id, LockKey, LockSet, TxId};
use crate::shard::{now_ms, Ctx, Shard};

/// What a transaction needs on one shard.
#[derive(Clone, Default, Debug)]
pub struct ShardPlan {
    pub set: LockSet,
    /// Keys whose values come to the coordinator once granted (gather).
    pub lend: Vec<LockKey>,
    /// WATCH check: (client, keys it watches on this shard).
    pub watch: Option<(u64, Vec<(usize, Bytes)>)>,
}

impl ShardPlan {
    fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// A transaction whose intents every involved shard granted.
pub struct Tx {
    pub id: TxId,
    /// Involved shards, ascending.
    pub shards: Vec<usize>,
    /// Some shard found a watched key expired since WATCH.
    pub watch_expired: bool,
    /// Values lent at grant time, per involved shard (in `shards` order),
    /// in each plan's `lend` order.
    pub lent: Vec<Vec<Option<Lent>>>,
}

type LocalFut<'a> = Pin<Box<dyn Future<Output = Vec<Reply>> + 'a>>;

fn code(r: &[Reply]) -> i64 {
    match r.first() {
        Some(Reply::Int(k)) => *k,
        _ => -2,
    }
}

impl Tx {
    /// Schedules `plans` (one per shard, empty ones skipped) and waits until
    /// every shard granted; a refusal (out of order) releases everything and
    /// retries with a new id.
    pub async fn begin(w: &Worker, plans: &[ShardPlan]) -> Result<Tx, Error> {
        let shards: Vec<usize> = (0..plans.len()).filter(|&s| !plans[s].is_empty()).collect();
        loop {
            let id = next_id();
            let outs: Vec<Arc<Mutex<Vec<Option<Lent>>>>> =
                shards.iter().map(|_| Default::default()).collect();
            let mut futs: Vec<LocalFut<'_>> = shards
                .iter()
                .zip(&outs)
                .map(|(&s, out)| {
                    let p = &plans[s];
                    let job = Job {
                        db: 0,
                        work: Work::Lock(Box::new(LockJob {
                            id,
                            set: p.set.clone(),
                            lend: p.lend.clone(),
                            watch: p.watch.clone(),
                            out: out.clone(),
                        })),
                    };
                    Box::pin(w.call_tx(s, vec![job], 0, false)) as LocalFut<'_>
                })
                .collect();
            let mut res: Vec<Option<i64>> = vec![None; shards.len()];
            let mut cancels: Vec<LocalFut<'_>> = Vec::new();
            let mut cancelling = false;
            std::future::poll_fn(|cx| {
                loop {
                    for (i, f) in futs.iter_mut().enumerate() {
                        if res[i].is_none() {
                            if let Poll::Ready(r) = f.as_mut().poll(cx) {
                                res[i] = Some(code(&r));
                            }
                        }
                    }
                    if !cancelling && res.iter().any(|r| matches!(r, Some(k) if *k <= 0)) {
                        // Refused somewhere: stop waiting for grants elsewhere.
                        cancelling = true;
                        for (i, &s) in shards.iter().enumerate() {
                            if res[i].is_none() {
                                let job = Job {
                                    db: 0,
                                    work: Work::Cancel(id),
                                };
                                cancels.push(Box::pin(w.call_tx(s, vec![job], 0, false)));
                            }
                        }
                        continue;
                    }
                    break;
                }
                cancels.retain_mut(|f| f.as_mut().poll(cx).is_pending());
                if cancels.is_empty() && res.iter().all(|r| r.is_some()) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            drop(futs);
            let lent: Vec<Vec<Option<Lent>>> = outs
                .iter()
                .map(|o| {
                    o.lock()
                        .map(|mut g| std::mem::take(&mut *g))
                        .unwrap_or_default()
                })
                .collect();
            let codes: Vec<i64> = res.into_iter().map(|r| r.unwrap_or(-2)).collect();
            if codes.iter().all(|&c| c >= 1) {
                return Ok(Tx {
                    id,
                    watch_expired: codes.contains(&2),
                    shards,
                    lent,
                });
            }
            // Give back what was granted, untouched.
            let tx = Tx {
                id,
                shards: shards.clone(),
                watch_expired: false,
                lent: Vec::new(),
            };
            let mut back = Vec::new();
            for ((i, &s), l) in shards.iter().enumerate().zip(lent) {
                if codes[i] >= 1 {
                    let items = plans[s]
                        .lend
                        .iter()
                        .cloned()
                        .zip(l)
                        .map(|(k, v)| (k, v, false))
                        .collect();
                    back.push((s, vec![writeback_job(items)]));
                }
            }
            tx.end(w, back).await;
            if codes.contains(&-2) {
                return Err(Error::err("shard unavailable"));
            }
        }
    }

    /// Runs jobs on `shard` under this transaction.
    pub async fn run(&self, w: &Worker, shard: usize, jobs: Vec<Job>) -> Vec<Reply> {
        w.call_tx(shard, jobs, self.id, false).await
    }

    /// The last hop: runs each shard's final jobs (maybe none) and releases
    /// the transaction everywhere. Replies per given shard, in `jobs` order.
    pub async fn end(&self, w: &Worker, mut jobs: Vec<(usize, Vec<Job>)>) -> Vec<Vec<Reply>> {
        let given = jobs.len();
        for &s in &self.shards {
            if !jobs.iter().any(|(t, _)| *t == s) {
                jobs.push((s, Vec::new()));
            }
        }
        let calls: Vec<_> = jobs
            .into_iter()
            .map(|(s, j)| w.call_tx(s, j, self.id, true))
            .collect();
        let mut out = join_all(calls).await;
        out.truncate(given);
        out
    }
}

/// Takes the values of `keys` out of this shard (a placeholder stays in
/// each slot until they come back): the lending half of the gather path.
pub fn lend(shard: &mut Shard, keys: &[LockKey], now: u64) -> Vec<Option<Lent>> {
    keys.iter()
        .map(|k| {
            let mut ctx = Ctx::new(shard, k.db, now);
            ctx.lookup(&k.key).map(|i| {
                // An AOF rewrite must not serialise the placeholder.
                ctx.shard.lent.push((k.db, i));
                let e = ctx.db().entry_mut(i);
                Lent {
                    value: std::mem::replace(
                        &mut e.value,
                        crate::shard::Value::Str(crate::shard::StrValue::Int(0)),
                    ),
                    expire_at: e.expire_at,
                    lru: e.lru,
                }
            })
        })
        .collect()
}

/// A job that puts gathered keys back: each key gets its new value (or is
/// deleted), and the ones the command changed are signalled (WATCH).
pub fn writeback_job(items: Vec<(LockKey, Option<Lent>, bool)>) -> Job {
    let f: ShardFn = Box::new(move |w: &Worker, _db| {
        let mut shard = w.shard.borrow_mut();
        let now = now_ms();
        for (k, v, touched) in items {
            let mut ctx = Ctx::new(&mut shard, k.db, now);
            let found = ctx.db().find(&k.key);
            if let Some(i) = found {
                ctx.shard.lent.retain(|&(d, p)| (d, p) != (k.db, i));
            }
            let db = ctx.db();
            match (found, v) {
                (Some(i), Some(l)) => {
                    let e = db.entry_mut(i);
                    e.value = l.value;
                    e.lru = l.lru;
                    db.set_expire(i, l.expire_at);
                }
                (None, Some(l)) => {
                    let i = db.insert(&k.key, l.value, l.expire_at);
                    db.entry_mut(i).lru = l.lru;
                }
                (Some(i), None) => {
                    db.remove_at(i);
                }
                (None, None) => {}
            }
            if touched {
                ctx.signal(&k.key);
            }
        }
        Reply::Nil
    });
    Job {
        db: 0,
        work: Work::Fn(f),
    }
}

/// Runs `handler` on a scratch shard holding the gathered keys; returns
/// its reply and, per key, what goes back (value or deletion, changed?).
pub fn run_gathered(
    w: &Worker,
    db: usize,
    handler: Handler,
    argv: &[Bytes],
    keys: &[LockKey],
    lent: Vec<Option<Lent>>,
) -> (Reply, Vec<(LockKey, Option<Lent>, bool)>) {
    let now = now_ms();
    let (databases, limits) = {
        let mut home = w.shard.borrow_mut();
        w.sync_limits(&mut home);
        (home.dbs.len(), home.limits)
    };
    let mut sh = Shard::new(w.id, w.nshards, databases, now);
    sh.limits = limits;
    sh.log = Some(Vec::new());
    for (k, l) in keys.iter().zip(lent) {
        if let (Some(l), Some(d)) = (l, sh.dbs.get_mut(k.db)) {
            let i = d.insert(&k.key, l.value, l.expire_at);
            d.entry_mut(i).lru = l.lru;
        }
    }
    let reply: Reply = {
        let mut ctx = Ctx::new(&mut sh, db, now);
        handler(&mut ctx, argv).into()
    };
    let log = sh.log.take().unwrap_or_default();
    let items = keys
        .iter()
        .map(|k| {
            let d = &mut sh.dbs[k.db.min(databases - 1)];
            let v = d.find(&k.key).map(|i| {
                let e = d.remove_at(i);
                Lent {
                    value: e.value,
                    expire_at: e.expire_at,
                    lru: e.lru,
                }
            });
            let touched = log
                .iter()
                .any(|(d, key)| *d == k.db && key[..] == k.key[..]);
            (k.clone(), v, touched)
        })
        .collect();
    {
        let mut home = w.shard.borrow_mut();
        home.stats.dirty += sh.stats.dirty;
        home.stats.keyspace_hits += sh.stats.keyspace_hits;
        home.stats.keyspace_misses += sh.stats.keyspace_misses;
        home.stats.expired_keys += sh.stats.expired_keys;
    }
    (reply, items)
}

/// Groups gathered keys' write-backs per owning shard.
pub fn writebacks(
    items: Vec<(LockKey, Option<Lent>, bool)>,
    nshards: usize,
) -> Vec<(usize, Vec<Job>)> {
    let mut per: Vec<Vec<(LockKey, Option<Lent>, bool)>> =
        (0..nshards).map(|_| Vec::new()).collect();
    for it in items {
        let s = crate::slot::shard_of(&it.0.key, nshards);
        per[s].push(it);
    }
    per.into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(s, v)| (s, vec![writeback_job(v)]))
        .collect()
}

/// Lend job for a key list inside a running transaction (MULTI/EXEC).
pub fn lend_job(keys: Vec<LockKey>, out: Arc<Mutex<Vec<Option<Lent>>>>) -> Job {
    let f: ShardFn = Box::new(move |w: &Worker, _db| {
        let v = lend(&mut w.shard.borrow_mut(), &keys, now_ms());
        if let Ok(mut g) = out.lock() {
            *g = v;
        }
        Reply::Nil
    });
    Job {
        db: 0,
        work: Work::Fn(f),
    }
}
