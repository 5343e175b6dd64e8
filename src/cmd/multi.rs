//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis's multi.c).
//!
//! The queue lives in the session (the router queues commands while it is
//! open). EXEC takes intents on every key of the block (and of the watched
//! keys, shared) on every shard involved, checks WATCH once everything is
//! granted, runs the block with the router under that one transaction and
//! releases: the block is atomic and isolated whatever shards it spans.
//! docs/transactions.md has the details.

use bytes::Bytes;

use super::table::{flags::*, CommandSpec, Exec, KeySpec, LocalFut};
use super::{async_fn, session};
use crate::error::Error;
use crate::mesh::join_all;
use crate::resp::Reply;
use crate::router;
use crate::session::{Multi, Session};
use crate::shard::Ctx;
use crate::slot::shard_of;
use crate::tx::{ShardPlan, Tx};

const TX: u32 = NOSCRIPT | LOADING | STALE | TX_CONTROL;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "multi",
        1,
        TX | FAST | ALLOW_BUSY,
        KeySpec::None,
        session(multi),
    )
    .doc(
        "transactions",
        "1.2.0",
        "Mark the start of a transaction block",
        "",
    )
    .complexity("O(1)"),
    CommandSpec::new("exec", 1, TX | SKIP_SLOWLOG, KeySpec::None, async_fn(exec))
        .doc(
            "transactions",
            "1.2.0",
            "Execute all commands issued after MULTI",
            "",
        )
        .complexity("Depends on commands in the transaction"),
    CommandSpec::new(
        "discard",
        1,
        TX | FAST | ALLOW_BUSY,
        KeySpec::None,
        async_fn(discard),
    )
    .doc(
        "transactions",
        "2.0.0",
        "Discard all commands issued after MULTI",
        "",
    )
    .complexity("O(N), when N is the number of queued commands"),
    CommandSpec::new(
        "watch",
        -2,
        TX | FAST | ALLOW_BUSY,
        KeySpec::all_from(1),
        async_fn(watch),
    )
    .doc(
        "transactions",
        "2.2.0",
        "Watch the given keys to determine execution of the MULTI/EXEC block",
        "key [key ...]",
    )
    .complexity("O(1) for every key."),
    // Queued inside MULTI like any command (EXEC unwatches anyway).
    CommandSpec::new(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        KeySpec::None,
        async_fn(unwatch),
    )
    .doc("transactions", "2.2.0", "Forget about all watched keys", "")
    .complexity("O(1)"),
];

fn multi(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    if s.multi.is_some() {
        return Err(Error::err("MULTI calls can not be nested"));
    }
    s.multi = Some(Multi::default());
    s.info.borrow_mut().multi = 0;
    Ok(Reply::Ok)
}

fn end_multi(s: &mut Session) -> Option<Multi> {
    s.info.borrow_mut().multi = -1;
    s.multi.take()
}

fn discard(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        if end_multi(s).is_none() {
            return Reply::Error(Error::err("DISCARD without MULTI"));
        }
        unwatch_all(s).await;
        Reply::Ok
    })
}

fn unwatch(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        unwatch_all(s).await;
        Reply::Ok
    })
}

fn watch(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        if s.multi.is_some() {
            return Reply::Error(Error::err("WATCH inside MULTI is not allowed"));
        }
        let w = s.worker.clone();
        let db = s.db;
        let mut per: Vec<Vec<Bytes>> = vec![Vec::new(); w.nshards];
        for k in &argv[1..] {
            if s.watching.iter().any(|(d, x)| *d == db && x == k) {
                continue;
            }
            s.watching.push((db, k.clone()));
            per[shard_of(k, w.nshards)].push(k.clone());
        }
        let (client, flag) = (s.id, s.watch_dirty.clone());
        let calls: Vec<_> = per
            .into_iter()
            .enumerate()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(shard, keys)| {
                let flag = flag.clone();
                w.run_on(shard, db, move |ctx: &mut Ctx| {
                    for k in keys {
                        // A key already past its expiry is "stale": its
                        // deletion later is no change (Redis's wk->expired).
                        let expired = ctx.db().find(&k).is_some_and(|i| {
                            let at = ctx.db().entry(i).expire_at;
                            at != 0 && at <= ctx.now
                        });
                        ctx.shard.watch.watch(db, k, client, &flag, expired);
                    }
                })
            })
            .collect();
        join_all(calls).await;
        Reply::Ok
    })
}

/// Forgets every watched key of the client, on every shard, and clears its
/// dirty flag.
pub async fn unwatch_all(s: &mut Session) {
    let keys = s.take_watches();
    if !keys.is_empty() {
        crate::session::unwatch(s.worker.clone(), s.id, keys).await;
    }
}

fn dirty(s: &Session) -> bool {
    s.watch_dirty.load(std::sync::atomic::Ordering::Acquire)
}

fn exec(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let Some(m) = end_multi(s) else {
            return Reply::Error(Error::err("EXEC without MULTI"));
        };
        if m.failed {
            unwatch_all(s).await;
            return Reply::Error(Error::msg(
                "EXECABORT Transaction discarded because of previous errors.",
            ));
        }
        if dirty(s) {
            unwatch_all(s).await;
            return Reply::NilArray;
        }
        let w = s.worker.clone();
        let plans = plan(s, &m.cmds);
        if plans.iter().all(|p| p.set.is_empty()) {
            let replies = router::run_block(s, m.cmds, None).await;
            unwatch_all(s).await;
            return Reply::Array(replies);
        }
        let tx = match Tx::begin(&w, &plans).await {
            Ok(tx) => tx,
            Err(e) => return Reply::Error(e),
        };
        if tx.watch_expired || dirty(s) {
            tx.end(&w, Vec::new()).await;
            unwatch_all(s).await;
            return Reply::NilArray;
        }
        s.exec_tx = tx.id;
        let replies = router::run_block(s, m.cmds, Some(&tx)).await;
        s.exec_tx = 0;
        tx.end(&w, Vec::new()).await;
        unwatch_all(s).await;
        Reply::Array(replies)
    })
}

/// The intents an EXEC block needs, per shard: each command's keys in the
/// db it runs in (exclusive unless read-only), the whole of every shard for
/// keyless commands over the keyspace, and the watched keys (shared, with
/// the expiry check).
fn plan(s: &mut Session, cmds: &[Vec<Bytes>]) -> Vec<ShardPlan> {
    let n = s.worker.nshards;
    let databases = s.databases();
    let mut plans = vec![ShardPlan::default(); n];
    let mut db = s.db;
    for argv in cmds {
        let Ok(spec) = router::check(s, argv) else {
            continue;
        };
        match spec.exec {
            Exec::Keyed { .. } => {
                router::add_key_intents(&mut plans, spec, argv, db, databases, false);
            }
            Exec::All { .. } => {
                for p in plans.iter_mut() {
                    p.set.add_global(!spec.has(READONLY));
                }
            }
            // Coordinators over data (SORT with patterns, SCAN, RANDOMKEY)
            // may read any shard: the whole of every one.
            Exec::Async(_) if spec.has(READONLY) || spec.has(WRITE) => {
                for p in plans.iter_mut() {
                    p.set.add_global(spec.has(WRITE));
                }
            }
            Exec::Session(_) if spec.has(SELECTS_DB) => {
                if let Some(d) = argv
                    .get(1)
                    .and_then(|b| crate::num::parse_i64(b))
                    .and_then(|d| usize::try_from(d).ok())
                    .filter(|&d| d < databases)
                {
                    db = d;
                }
            }
            _ => {}
        }
    }
    for (d, k) in &s.watching {
        let p = &mut plans[shard_of(k, n)];
        p.set.add(*d, k.clone(), false);
        p.watch
            .get_or_insert_with(|| (s.id, Vec::new()))
            .1
            .push((*d, k.clone()));
    }
    plans
}
