//! Blocking commands, the client's side (shard/blocked.rs is the shards'
//! side): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP, XREAD BLOCK, XREADGROUP BLOCK.
//!
//! A blocking command first runs as its non-blocking form. If that finds
//! nothing, the client registers as a waiter on the shards owning the keys
//! and waits on its own executor — no shard is held — until a shard serves
//! it (sends the reply), its timeout passes, CLIENT UNBLOCK, or the
//! connection closes.
//!
//! All keys on one shard (the common case): one message both tries the
//! command and registers the waiter, atomically, so nothing pushed in
//! between is missed. Keys on several shards: the waiter registers
//! unarmed everywhere first, the command is tried through the cross-shard
//! path (atomic over its keys), and the waiter is armed only if no shard
//! saw a write meanwhile; otherwise the whole round starts again.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;

use crate::cmd::keys::key_positions;
use crate::cmd::table::{CommandSpec, Handler};
use crate::error::Error;
use crate::mesh::{is_blocked_marker, is_nothing, join_all, BlockJob, Job, Slot, Work, Worker};
use crate::resp::Reply;
use crate::session::{Session, Unblock};
use crate::shard::blocked::{self, Blocked, Waiter};
use crate::slot::shard_of;

/// Parses a timeout in seconds (BLPOP ... timeout) into milliseconds, as
/// Redis 7.0 does: a float, truncated to whole milliseconds (so 0.0001 is 0,
/// forever), not negative; a value past the integer range (inf, 1e300)
/// wraps negative there and is refused as negative here too.
pub fn timeout_secs(arg: &[u8]) -> Result<u64, Error> {
    let t = std::str::from_utf8(arg)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .filter(|t| !t.is_nan())
        .ok_or_else(|| Error::err("timeout is not a float or out of range"))?;
    let ms = (t * 1000.0).trunc();
    if !(0.0..9.2e18).contains(&ms) {
        return Err(Error::err("timeout is negative"));
    }
    Ok(ms as u64)
}

/// Parses a timeout in milliseconds (XREAD BLOCK ms).
pub fn timeout_ms(arg: &[u8]) -> Result<u64, Error> {
    let t = crate::num::parse_i64(arg)
        .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
    if t < 0 {
        return Err(Error::err("timeout is negative"));
    }
    if t >= i64::MAX / 2 {
        return Err(Error::err("timeout is out of range"));
    }
    Ok(t as u64)
}

/// What ended a wait.
enum Woke {
    /// A shard served the client: its reply, or None for "try again".
    Served(Option<Reply>),
    Timeout,
    Unblocked(Unblock),
}

/// Runs a blocking command outside MULTI.
pub async fn run(s: &mut Session, spec: &'static CommandSpec, mut argv: Vec<Bytes>) -> Reply {
    let (Some(bs), Some(handler)) = (spec.block, spec.handler()) else {
        return Reply::Error(Error::err("not a blocking command"));
    };
    let timeout = match (bs.timeout)(&argv) {
        Ok(t) => t,
        Err(e) => return Reply::Error(e),
    };
    let w = s.worker.clone();
    let (n, db) = (w.nshards, s.db);
    let mut all = Vec::new();
    key_positions(&spec.keys, &argv, &mut all);
    let mut wait = Vec::new();
    (bs.wait_keys)(&argv, &mut wait);
    let first = all.first().map_or(w.id, |&p| shard_of(&argv[p], n));
    let one_shard = all.iter().all(|&p| shard_of(&argv[p], n) == first);
    let deadline = timeout
        .filter(|&t| t > 0)
        .map(|t| std::time::Instant::now() + Duration::from_millis(t));
    loop {
        let (token, slot) = w.open_slot();
        let registered: Vec<(usize, Vec<Bytes>)>;
        let waiter;
        if one_shard {
            waiter = Waiter::new(w.id, token, blocked::ARMED);
            let keys: Vec<Bytes> = wait.iter().map(|&p| argv[p].clone()).collect();
            let job = block_job(
                spec,
                handler,
                db,
                &argv,
                &waiter,
                &wait,
                true,
                timeout.is_some(),
                true,
            );
            let r = w.call(first, vec![job]).await.pop().unwrap_or(Reply::Nil);
            if !is_blocked_marker(&r) {
                w.close_slot(token);
                return r;
            }
            registered = vec![(first, keys)];
        } else {
            if timeout.is_none() {
                w.close_slot(token);
                return crate::router::run_gather(&w, None, db, spec, handler, argv).await;
            }
            waiter = Waiter::new(w.id, token, blocked::UNARMED);
            let mut per: Vec<Vec<usize>> = vec![Vec::new(); n];
            for &p in &wait {
                per[shard_of(&argv[p], n)].push(p);
            }
            let mut shards = Vec::new();
            let mut calls = Vec::new();
            for (sh, pos) in per.into_iter().enumerate().filter(|(_, p)| !p.is_empty()) {
                let job = block_job(
                    spec, handler, db, &argv, &waiter, &pos, false, true, !bs.moves,
                );
                shards.push((sh, pos.iter().map(|&p| argv[p].clone()).collect()));
                calls.push(w.call(sh, vec![job]));
            }
            // Each shard rewrote only its own keys' arguments (XREAD's `$`).
            for r in join_all(calls).await {
                if let Some(Reply::Array(items)) = r.into_iter().next() {
                    for (a, item) in argv.iter_mut().zip(items) {
                        if let Reply::Bulk(b) = item {
                            if *a != b {
                                *a = b;
                            }
                        }
                    }
                }
            }
            registered = shards;
            let r = crate::router::run_gather(&w, None, db, spec, handler, argv.clone()).await;
            if !is_nothing(&r) || !waiter.cas(blocked::UNARMED, blocked::ARMED) {
                waiter.state.store(blocked::DONE, Ordering::Release);
                unregister(&w, &waiter, db, registered);
                w.close_slot(token);
                if !is_nothing(&r) {
                    return r;
                }
                // A write reached a key while we looked: look again.
                continue;
            }
        }
        let woke = wait_for(s, &slot, deadline).await;
        let woke = match woke {
            Woke::Timeout | Woke::Unblocked(_) => give_up(&waiter, &slot, woke).await,
            served => served,
        };
        w.close_slot(token);
        let served_one_key = matches!(woke, Woke::Served(_)) && wait.len() == 1;
        if !served_one_key {
            unregister(&w, &waiter, db, registered);
        }
        match woke {
            Woke::Served(Some(r)) => return r,
            // Served by a wake-up to retry (BLMOVE across shards).
            Woke::Served(None) => continue,
            Woke::Timeout | Woke::Unblocked(Unblock::Timeout) => {
                return if bs.nil_bulk {
                    Reply::Nil
                } else {
                    Reply::NilArray
                }
            }
            Woke::Unblocked(Unblock::Error) => {
                return Reply::Error(Error::msg("UNBLOCKED client unblocked via CLIENT UNBLOCK"))
            }
            Woke::Unblocked(Unblock::Closed) => return Reply::Nil,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn block_job(
    spec: &'static CommandSpec,
    handler: Handler,
    db: usize,
    argv: &[Bytes],
    waiter: &Arc<Waiter>,
    pos: &[usize],
    try_first: bool,
    register: bool,
    serve_here: bool,
) -> Job {
    Job {
        db,
        work: Work::Block(Box::new(BlockJob {
            blocked: Blocked {
                waiter: waiter.clone(),
                spec,
                handler,
                db,
                argv: argv.to_vec(),
                serve_here,
            },
            keys: pos.iter().map(|&p| argv[p].clone()).collect(),
            pos: pos.to_vec(),
            try_first,
            register,
        })),
    }
}

/// Waits until the slot gets a reply, the deadline passes or the client
/// is unblocked (CLIENT UNBLOCK, disconnect).
async fn wait_for(
    s: &mut Session,
    slot: &Rc<RefCell<Slot>>,
    deadline: Option<std::time::Instant>,
) -> Woke {
    let info = s.info.clone();
    let shared = s.worker.shared.clone();
    {
        let mut i = info.borrow_mut();
        i.blocked = true;
        i.unblock = None;
    }
    shared.blocked.fetch_add(1, Ordering::Relaxed);
    let mut timer = deadline.map(|d| {
        Box::pin(glommio::timer::sleep(
            d.saturating_duration_since(std::time::Instant::now()),
        ))
    });
    let woke = std::future::poll_fn(|cx| {
        {
            let mut sl = slot.borrow_mut();
            if let Some(v) = sl.value.take() {
                return Poll::Ready(Woke::Served(v.into_iter().next()));
            }
            sl.waker = Some(cx.waker().clone());
        }
        let mut i = info.borrow_mut();
        if let Some(u) = i.unblock.take() {
            return Poll::Ready(Woke::Unblocked(u));
        }
        i.block_waker = Some(cx.waker().clone());
        drop(i);
        if let Some(t) = timer.as_mut() {
            if t.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Woke::Timeout);
            }
        }
        Poll::Pending
    })
    .await;
    {
        let mut i = info.borrow_mut();
        i.blocked = false;
        i.block_waker = None;
    }
    shared.blocked.fetch_sub(1, Ordering::Relaxed);
    woke
}

/// The client stops waiting (timeout, unblock): unless a shard got to it
/// first, in which case its reply is on the way and wins.
async fn give_up(waiter: &Waiter, slot: &Rc<RefCell<Slot>>, why: Woke) -> Woke {
    loop {
        if waiter.cas(blocked::ARMED, blocked::DONE) {
            return why;
        }
        match waiter.state() {
            // A shard is running the command for us: microseconds.
            blocked::SERVING => glommio::timer::sleep(Duration::from_micros(20)).await,
            blocked::DONE => {
                let v = std::future::poll_fn(|cx| {
                    let mut sl = slot.borrow_mut();
                    match sl.value.take() {
                        Some(v) => Poll::Ready(v),
                        None => {
                            sl.waker = Some(cx.waker().clone());
                            Poll::Pending
                        }
                    }
                })
                .await;
                return match v.into_iter().next() {
                    Some(r) => Woke::Served(Some(r)),
                    // Woken to retry, but the time is up.
                    None => why,
                };
            }
            _ => return why,
        }
    }
}

/// Removes the waiter's entries from the shards it registered on, in the
/// background.
fn unregister(w: &Rc<Worker>, waiter: &Waiter, db: usize, at: Vec<(usize, Vec<Bytes>)>) {
    let id = waiter.id;
    for (sh, keys) in at {
        let w2 = w.clone();
        glommio::spawn_local(async move {
            w2.run_on(sh, db, move |ctx: &mut crate::shard::Ctx| {
                ctx.shard.blocked.remove(id, db, &keys);
            })
            .await;
        })
        .detach();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_as_redis() {
        assert_eq!(timeout_secs(b"0").ok(), Some(0));
        assert_eq!(timeout_secs(b"1.5").ok(), Some(1500));
        assert_eq!(timeout_secs(b"0.001").ok(), Some(1));
        let err = |b: &[u8]| timeout_secs(b).err().map(|e| e.to_string());
        assert_eq!(err(b"-1"), Some("ERR timeout is negative".into()));
        assert_eq!(
            err(b"abc"),
            Some("ERR timeout is not a float or out of range".into())
        );
        assert_eq!(
            err(b"nan"),
            Some("ERR timeout is not a float or out of range".into())
        );
        assert_eq!(err(b"1e300"), Some("ERR timeout is negative".into()));
        assert_eq!(err(b"inf"), Some("ERR timeout is negative".into()));
        assert_eq!(
            err(b" 1"),
            Some("ERR timeout is not a float or out of range".into())
        );
        assert_eq!(timeout_secs(b"0.0001").ok(), Some(0));
        assert_eq!(timeout_secs(b"-0.0001").ok(), Some(0));
        assert_eq!(timeout_secs(b".5").ok(), Some(500));
        assert_eq!(timeout_ms(b"100").ok(), Some(100));
        assert_eq!(
            timeout_ms(b"1.5").err().map(|e| e.to_string()),
            Some("ERR timeout is not an integer or out of range".into())
        );
        assert_eq!(
            timeout_ms(b"-5").err().map(|e| e.to_string()),
            Some("ERR timeout is negative".into())
        );
    }
}
