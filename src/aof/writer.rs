//! The running side of persistence: each executor loads its shard's file
//! at start-up, then a flusher task appends what the shard logged (group
//! commit: everything logged since its last turn in one write) and syncs
//! per `appendfsync`. Under `always`, replies wait for the sync of the
//! records before them (`synced`).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::file::{self, AofFile};
use super::log::{self, AofLog};
use super::manifest::{self, Manifest};
use super::record::{self, Kind};
use crate::config::AppendFsync;
use crate::mesh::Worker;

/// Checks (or creates) the data directory's manifest for `shards` shards,
/// before any executor starts.
pub fn prepare(dir: &Path, shards: usize) -> Result<Manifest, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    match manifest::load(dir)? {
        Some(m) if m.shards != shards => Err(format!(
            "the append-only files in {} were written by {} shards and this server runs {shards}: \
             start it with --shards {} (re-routing to another shard count is not implemented yet)",
            dir.display(),
            m.shards,
            m.shards
        )),
        Some(m) => Ok(m),
        None => {
            let m = Manifest::new(shards, 1);
            manifest::store(dir, &m)?;
            Ok(m)
        }
    }
}

/// This executor's file: opened, checked, cut after a torn tail, replayed
/// into the shard; logging starts. Err: the server must not start.
pub async fn load(worker: &Rc<Worker>, dir: &Path, m: &Manifest) -> Result<AofFile, String> {
    let name = m
        .files
        .iter()
        .find(|f| f.shard == worker.id)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| manifest::file_name(worker.id, m.generation));
    let path: PathBuf = dir.join(&name);
    let began = Instant::now();
    let (mut f, bytes) = AofFile::open(&path)
        .await
        .map_err(|e| format!("cannot open the append-only file {}: {e}", path.display()))?;
    let scan = record::scan(&bytes);
    if let Some(p) = scan.problem {
        match p.kind {
            Kind::TornTail => {
                tracing::warn!(
                    "{}: torn tail at offset {} of {} (a write cut short): truncating to the last good record",
                    path.display(),
                    p.offset,
                    bytes.len()
                );
                f.truncate(scan.good_end)
                    .await
                    .map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
            }
            Kind::Corrupt => {
                return Err(format!(
                    "Bad file format reading the append only file {}: corrupt record at offset {} \
                     with more data after it; `ringkv check-aof --fix {}` cuts the file there",
                    path.display(),
                    p.offset,
                    dir.display()
                ))
            }
        }
    }
    let good = &bytes[..scan.good_end as usize];
    let done = {
        let mut shard = worker.shard.borrow_mut();
        let done = log::replay(&mut shard, good);
        let mut l = AofLog::default();
        l.start(shard.stats.dirty, scan.good_end);
        shard.aof = Some(l);
        done
    };
    tracing::info!(
        shard = worker.id,
        records = done.records,
        failed = done.failed,
        bytes = scan.good_end,
        ms = began.elapsed().as_millis() as u64,
        "append-only file loaded"
    );
    if scan.good_end < bytes.len() as u64 || bytes.is_empty() {
        // A new or cut file: its directory entry must be durable too.
        let _ = file::sync_dir(dir).await;
    }
    Ok(f)
}

/// Appends what the shard logs, syncing per `appendfsync`, until `stop`;
/// then writes and syncs what is left.
pub async fn flusher(worker: Rc<Worker>, mut f: AofFile, stop: crate::server::Notify) {
    let mut last_sync = Instant::now();
    loop {
        let policy = worker.shared.config.load().appendfsync;
        let stopping = stop.is_notified();
        // Sleep until records arrive (or the next second for everysec).
        if !stopping {
            let tick = glommio::timer::sleep(Duration::from_millis(match policy {
                AppendFsync::EverySec => 1000u64
                    .saturating_sub(last_sync.elapsed().as_millis() as u64)
                    .max(1),
                _ => 1000,
            }));
            futures_lite::pin!(tick);
            std::future::poll_fn(|cx| {
                if stop.is_notified() {
                    return Poll::Ready(());
                }
                let mut shard = worker.shard.borrow_mut();
                if let Some(l) = shard.aof.as_mut() {
                    if !l.buf.is_empty() {
                        return Poll::Ready(());
                    }
                    l.set_waker(cx.waker());
                }
                drop(shard);
                stop.register(cx.waker());
                tick.as_mut().poll(cx)
            })
            .await;
        }
        // The log's buffer comes here and goes back empty, keeping its
        // capacity (no allocation per batch).
        let (mut buf, appended) = {
            let mut shard = worker.shard.borrow_mut();
            match shard.aof.as_mut() {
                Some(l) => (std::mem::take(&mut l.buf), l.appended()),
                None => return,
            }
        };
        if !buf.is_empty() {
            if let Err(e) = f.append(&buf).await {
                // Redis stops accepting writes here; we log and go on with
                // the records of this batch lost from the file.
                tracing::error!(
                    "cannot write the append-only file {}: {e}",
                    f.path().display()
                );
            }
            buf.clear();
            if let Some(l) = worker.shard.borrow_mut().aof.as_mut() {
                if l.buf.is_empty() {
                    std::mem::swap(&mut l.buf, &mut buf);
                }
            }
        }
        let sync_now = match policy {
            AppendFsync::Always => true,
            AppendFsync::EverySec => last_sync.elapsed() >= Duration::from_secs(1),
            AppendFsync::No => false,
        } || stopping;
        if sync_now {
            if let Err(e) = f.sync().await {
                tracing::error!(
                    "cannot fsync the append-only file {}: {e}",
                    f.path().display()
                );
            } else {
                last_sync = Instant::now();
                if let Some(l) = worker.shard.borrow_mut().aof.as_mut() {
                    l.synced_to(appended);
                }
            }
        }
        if stopping {
            let empty = worker
                .shard
                .borrow()
                .aof
                .as_ref()
                .is_none_or(|l| l.buf.is_empty());
            if empty {
                let _ = f.close().await;
                return;
            }
        }
    }
}

/// Under `appendfsync always`: waits until everything this shard logged so
/// far is on disk (a write's reply must not leave before its record is).
pub async fn synced(worker: &Worker) {
    let target = {
        let shard = worker.shard.borrow();
        match shard.aof.as_ref() {
            Some(l) if l.pending_sync() => l.appended(),
            _ => return,
        }
    };
    if worker.shared.config.load().appendfsync != AppendFsync::Always {
        return;
    }
    std::future::poll_fn(|cx| {
        let mut shard = worker.shard.borrow_mut();
        match shard.aof.as_mut() {
            Some(l) if l.synced() < target => {
                l.add_sync_waiter(cx.waker());
                l.wake_flusher();
                Poll::Pending
            }
            _ => Poll::Ready(()),
        }
    })
    .await
}
