//! SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE: ringkv's only on-disk form is
//! the append-only files, so saving means rewriting them (aof/rewrite.rs),
//! forkless, every shard at once.

use std::time::Duration;

use bytes::Bytes;

use super::gather;
use crate::cmd::args::is;
use crate::cmd::table::LocalFut;
use crate::error::Error;
use crate::mesh::Worker;
use crate::resp::Reply;
use crate::session::Session;

const OFF: &str = "persistence is off (appendonly no): there is nothing to save";

/// Starts a rewrite on every shard; false when one was running already
/// (on every shard), or persistence is off.
async fn start_all(worker: &Worker) -> bool {
    let started = gather(worker, || {
        |w: &Worker| crate::aof::rewrite::begin(w).is_ok()
    })
    .await;
    started.contains(&true)
}

fn in_progress(s: &Session) -> Option<bool> {
    s.worker.shared.aof.as_ref().map(|p| p.in_progress())
}

pub(super) fn bgrewriteaof(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        match in_progress(s) {
            None => Error::err(OFF).into(),
            Some(false) if start_all(&s.worker).await => {
                Reply::status("Background append only file rewriting started")
            }
            Some(_) => {
                Error::err("Background append only file rewriting already in progress").into()
            }
        }
    })
}

pub(super) fn bgsave(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let schedule = match argv.get(1) {
            None => false,
            Some(a) if argv.len() == 2 && is(a, "schedule") => true,
            Some(_) => return Error::Syntax.into(),
        };
        match in_progress(s) {
            None => Error::err(OFF).into(),
            Some(false) if start_all(&s.worker).await => Reply::status("Background saving started"),
            Some(_) if schedule => {
                // Runs once the current rewrite ends.
                let worker = s.worker.clone();
                glommio::spawn_local(async move {
                    while worker.shared.aof.as_ref().is_some_and(|p| p.in_progress()) {
                        glommio::timer::sleep(Duration::from_millis(10)).await;
                    }
                    start_all(&worker).await;
                })
                .detach();
                Reply::status("Background saving scheduled")
            }
            Some(_) => Error::err("Background save already in progress").into(),
        }
    })
}

/// SAVE: a rewrite of every shard; the reply waits for its end (the
/// server goes on serving meanwhile, unlike Redis's SAVE).
pub(super) fn save(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let Some(p) = s.worker.shared.aof.as_ref() else {
            return Error::err(OFF).into();
        };
        if p.in_progress() || !start_all(&s.worker).await {
            return Error::err("Background save already in progress").into();
        }
        while p.in_progress() {
            glommio::timer::sleep(Duration::from_millis(5)).await;
        }
        if p.last_ok() {
            Reply::Ok
        } else {
            Error::err("the append-only file rewrite failed (see the server log)").into()
        }
    })
}

/// The Unix time of the last completed save (rewrite), or of start-up.
pub(super) fn lastsave_secs(s: &Session) -> u64 {
    let shared = &s.worker.shared;
    match shared.aof.as_ref() {
        Some(p) => p.lastsave.load(std::sync::atomic::Ordering::Relaxed),
        None => shared.lastsave.load(std::sync::atomic::Ordering::Relaxed),
    }
}
