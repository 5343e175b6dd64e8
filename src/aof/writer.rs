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

use std::sync::atomic::Ordering;

use super::file::{self, AofFile};
use super::log::{self, AofLog};
use super::manifest::{self, Manifest};
use super::record::{self, Kind};
use super::rewrite::{self, Persist};
use crate::config::AppendFsync;
use crate::mesh::Worker;

/// Checks (or creates) the data directory's manifest for `shards` shards,
/// before any executor starts.
pub fn prepare(dir: &Path, shards: usize) -> Result<Manifest, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    match manifest::load(dir)? {
        Some(m) if m.shards != shards => super::offline::reroute(dir, &m, shards),
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
pub async fn load(worker: &Rc<Worker>, p: &Persist) -> Result<AofFile, String> {
    let path: PathBuf = p.file_of(worker.id);
    let dir = &p.dir;
    let began = Instant::now();
    let (mut f, bytes) = AofFile::open(&path)
        .await
        .map_err(|e| format!("cannot open the append-only file {}: {e}", path.display()))?;
    p.load_total
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let scan = record::scan(&bytes);
    if let Some(problem) = scan.problem {
        match problem.kind {
            Kind::TornTail => {
                tracing::warn!(
                    "{}: torn tail at offset {} of {} (a write cut short): truncating to the last good record",
                    path.display(),
                    problem.offset,
                    bytes.len()
                );
                f.truncate(scan.good_end)
                    .await
                    .map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
            }
            Kind::Corrupt if worker.shared.config.load().aof_load_corrupt => {
                // Told to: the records before the damage load; the whole
                // file is kept aside for a post-mortem.
                let aside = path.with_extension(format!("aof.corrupt-{}", problem.offset));
                std::fs::copy(&path, &aside).map_err(|e| {
                    format!(
                        "cannot keep a copy of {} as {}: {e}",
                        path.display(),
                        aside.display()
                    )
                })?;
                tracing::warn!(
                    "{}: corrupt record at offset {} of {}; aof-load-corrupt is on: loading the records \
                     before it and dropping the rest (the damaged file is kept as {})",
                    path.display(),
                    problem.offset,
                    bytes.len(),
                    aside.display()
                );
                f.truncate(scan.good_end)
                    .await
                    .map_err(|e| format!("cannot truncate {}: {e}", path.display()))?;
            }
            Kind::Corrupt => {
                return Err(format!(
                    "Bad file format reading the append only file {}: corrupt record at offset {} \
                     with more data after it; `ringkv check-aof --fix {}` cuts the file there, or \
                     start with --aof-load-corrupt yes to load the records before it",
                    path.display(),
                    problem.offset,
                    dir.display()
                ))
            }
        }
    }
    let good = &bytes[..scan.good_end as usize];
    // In steps of LOAD_STEP records: between them the executor answers
    // INFO (loading progress) and -LOADING to its clients, and the mesh.
    let mut reader = record::Reader::new(good);
    let mut done = log::Replayed::default();
    let mut at = 0;
    loop {
        let end = log::replay_step(
            &mut worker.shard.borrow_mut(),
            &mut reader,
            LOAD_STEP,
            &mut done,
        );
        let pos = reader.good_end();
        p.load_done.fetch_add(pos - at, Ordering::Relaxed);
        at = pos;
        if end {
            break;
        }
        futures_lite::future::yield_now().await;
    }
    p.load_done
        .fetch_add(bytes.len() as u64 - at, Ordering::Relaxed);
    let keys = {
        let mut shard = worker.shard.borrow_mut();
        let mut l = AofLog::default();
        l.start(shard.stats.dirty, scan.good_end);
        shard.aof = Some(l);
        shard.dbs.iter().map(|d| d.len() as u64).sum::<u64>()
    };
    let ms = began.elapsed().as_millis() as u64;
    p.load_keys.fetch_add(keys, Ordering::Relaxed);
    p.load_ms.fetch_max(ms, Ordering::Relaxed);
    p.set_size(worker.id, scan.good_end, true);
    tracing::info!(
        shard = worker.id,
        records = done.records,
        failed = done.failed,
        bytes = scan.good_end,
        keys,
        ms,
        "append-only file loaded"
    );
    if scan.good_end < bytes.len() as u64 || bytes.is_empty() {
        // A new or cut file: its directory entry must be durable too.
        let _ = file::sync_dir(dir).await;
    }
    Ok(f)
}

/// Records a load step applies before it lets other work run.
const LOAD_STEP: usize = 20_000;

/// The new file of a rewrite in progress.
struct NewFile {
    file: AofFile,
    generation: u64,
}

/// Appends what the shard logs, syncing per `appendfsync`, until `stop`;
/// then writes and syncs what is left. Also writes a rewrite's new file and
/// makes it live when it is complete (aof/rewrite.rs), and starts a rewrite
/// when the file grew past `auto-aof-rewrite-*`.
pub async fn flusher(worker: Rc<Worker>, mut f: AofFile, stop: crate::server::Notify) {
    let mut last_sync = Instant::now();
    let mut new: Option<NewFile> = None;
    let Some(persist) = worker.shared.aof.as_ref() else {
        return;
    };
    loop {
        let cfg = worker.shared.config.load();
        let policy = cfg.appendfsync;
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
            let opened = new.is_some();
            std::future::poll_fn(|cx| {
                if stop.is_notified() {
                    return Poll::Ready(());
                }
                let mut shard = worker.shard.borrow_mut();
                if let Some(l) = shard.aof.as_mut() {
                    let rewrite =
                        l.rw.as_ref()
                            .is_some_and(|r| !opened || !r.buf.is_empty() || r.walked);
                    if !l.buf.is_empty() || rewrite {
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
        let generation = {
            let shard = worker.shard.borrow();
            shard
                .aof
                .as_ref()
                .and_then(|l| l.rw.as_ref())
                .map(|r| r.generation)
        };
        match (generation, &new) {
            (Some(_), Some(_)) if stopping => {
                let n = new.take().map(|n| n.file.path().to_path_buf());
                rewrite::abandon(&worker, n.as_deref(), "the server is shutting down");
            }
            (Some(g), None) => {
                let path = persist.dir.join(manifest::file_name(worker.id, g));
                match AofFile::create(&path).await {
                    Ok(file) if !stopping => {
                        new = Some(NewFile {
                            file,
                            generation: g,
                        })
                    }
                    Ok(_) => rewrite::abandon(&worker, Some(&path), "the server is shutting down"),
                    Err(e) => rewrite::abandon(
                        &worker,
                        Some(&path),
                        &format!("cannot create {}: {e}", path.display()),
                    ),
                }
            }
            // Abandoned elsewhere: nothing of it stays.
            (None, Some(_)) => {
                if let Some(n) = new.take() {
                    let path = n.file.path().to_path_buf();
                    let _ = n.file.close().await;
                    let _ = std::fs::remove_file(path);
                }
            }
            _ => {}
        }
        // The log's buffer comes here and goes back empty, keeping its
        // capacity (no allocation per batch). The new file's records are
        // taken at the same point, so both files end with the same record.
        let (mut buf, appended, rw_buf, walked) = {
            let mut shard = worker.shard.borrow_mut();
            match shard.aof.as_mut() {
                Some(l) => {
                    let (rw_buf, walked) = match (l.rw.as_mut(), &new) {
                        (Some(r), Some(_)) => (std::mem::take(&mut r.buf), r.walked),
                        _ => (Vec::new(), false),
                    };
                    (std::mem::take(&mut l.buf), l.appended(), rw_buf, walked)
                }
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
        if let Some(n) = new.as_mut() {
            if let Err(e) = n.file.append(&rw_buf).await {
                let why = format!("cannot write {}: {e}", n.file.path().display());
                let path = n.file.path().to_path_buf();
                new = None;
                rewrite::abandon(&worker, Some(&path), &why);
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
        if walked {
            if let Some(n) = new.take() {
                f = switch(&worker, f, n, appended).await;
            }
        }
        persist.set_size(worker.id, f.len(), false);
        if !stopping
            && new.is_none()
            && persist.wants_auto(
                worker.id,
                cfg.auto_aof_rewrite_percentage,
                cfg.auto_aof_rewrite_min_size,
            )
            && rewrite::begin(&worker).is_ok()
        {
            tracing::info!(
                shard = worker.id,
                bytes = f.len(),
                "starting an automatic AOF rewrite: the file grew past auto-aof-rewrite-percentage"
            );
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

/// A rewrite's new file holds the whole keyspace and every record up to
/// `appended`: it is synced, named by the manifest, and becomes the file
/// appended to; the old one is deleted. On failure the old file stays.
async fn switch(worker: &Rc<Worker>, old: AofFile, n: NewFile, appended: u64) -> AofFile {
    let dir = match worker.shared.aof.as_ref() {
        Some(p) => p.dir.clone(),
        None => return old,
    };
    let path = n.file.path().to_path_buf();
    let ready = async {
        n.file
            .sync()
            .await
            .map_err(|e| format!("cannot fsync {}: {e}", path.display()))?;
        file::sync_dir(&dir)
            .await
            .map_err(|e| format!("cannot fsync {}: {e}", dir.display()))?;
        rewrite::commit(worker, n.generation)
    };
    if let Err(why) = ready.await {
        let _ = n.file.close().await;
        rewrite::abandon(worker, Some(&path), &why);
        return old;
    }
    let (keys, bytes) = {
        let shard = worker.shard.borrow();
        let rw = shard.aof.as_ref().and_then(|l| l.rw.as_ref());
        (rw.map_or(0, |r| r.keys), n.file.len())
    };
    rewrite::committed(worker, keys, bytes);
    if let Some(l) = worker.shard.borrow_mut().aof.as_mut() {
        l.synced_to(appended);
    }
    let old_path = old.path().to_path_buf();
    let _ = old.close().await;
    if let Err(e) = std::fs::remove_file(&old_path) {
        tracing::warn!("cannot remove the old AOF {}: {e}", old_path.display());
    }
    n.file
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
