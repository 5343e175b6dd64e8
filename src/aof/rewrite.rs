//! AOF rewrite, forkless (DESIGN section 6): each shard writes a new file
//! holding its keyspace as key snapshots while it goes on serving.
//!
//! - `begin` (BGREWRITEAOF, BGSAVE, SAVE, or the growth trigger) sets the
//!   shard's rewrite state and puts every db's walk cursor at 0. From then
//!   on every record the shard logs is also copied to the new file's buffer.
//! - A walker task serialises the keyspace a few hundred slab positions at
//!   a time, yielding between steps. A command logged as its arguments that
//!   names a key the walk has not reached serialises that key first
//!   (`log::before`), so its record applies once, to the right value.
//! - The flusher writes the new file next to the old one; once the walk is
//!   done and everything is written, it syncs the new file, names it in the
//!   manifest (atomic replace) and deletes the old file. A kill -9 before
//!   the manifest is replaced loads the old file (complete: it got every
//!   record all along); after, the new one.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use super::log::Rewrite;
use super::manifest::{self, Manifest};
use crate::mesh::Worker;
use crate::shard::now_ms;

/// Positions one walk step visits before it yields.
const STEP: usize = 512;

/// The walk pauses while the new file's buffer holds more than this.
const MAX_PENDING: usize = 4 << 20;

/// Persistence state shared by the executors (INFO persistence, LASTSAVE).
pub struct Persist {
    pub dir: PathBuf,
    manifest: Mutex<Manifest>,
    /// Generations are numbered across shards: a new file's name is unique.
    next_generation: AtomicU64,
    /// Shards rewriting now.
    rewriting: AtomicUsize,
    /// When the current rewrite began (ms), 0 when none runs.
    began_ms: AtomicU64,
    /// A shard of the current rewrite failed.
    failed: AtomicBool,
    pub rewrites: AtomicU64,
    pub consecutive_failures: AtomicU64,
    last_ok: AtomicBool,
    /// Seconds the last rewrite took, -1 before the first.
    last_secs: AtomicI64,
    /// Unix seconds of the last completed rewrite (or start-up).
    pub lastsave: AtomicU64,
    /// Per shard: bytes in its file now, and after its load or last rewrite.
    sizes: Vec<AtomicU64>,
    base_sizes: Vec<AtomicU64>,
    /// Start-up load: total bytes to replay, replayed so far, keys loaded,
    /// and how long the slowest shard took (ms).
    pub load_total: AtomicU64,
    pub load_done: AtomicU64,
    pub load_keys: AtomicU64,
    pub load_ms: AtomicU64,
    pub load_began_ms: AtomicU64,
}

impl Persist {
    pub fn new(dir: PathBuf, m: Manifest, nshards: usize) -> Persist {
        let gen = m.generation + 1;
        Persist {
            dir,
            manifest: Mutex::new(m),
            next_generation: AtomicU64::new(gen),
            rewriting: AtomicUsize::new(0),
            began_ms: AtomicU64::new(0),
            failed: AtomicBool::new(false),
            rewrites: AtomicU64::new(0),
            consecutive_failures: AtomicU64::new(0),
            last_ok: AtomicBool::new(true),
            last_secs: AtomicI64::new(-1),
            lastsave: AtomicU64::new(now_ms() / 1000),
            sizes: (0..nshards).map(|_| AtomicU64::new(0)).collect(),
            base_sizes: (0..nshards).map(|_| AtomicU64::new(0)).collect(),
            load_total: AtomicU64::new(0),
            load_done: AtomicU64::new(0),
            load_keys: AtomicU64::new(0),
            load_ms: AtomicU64::new(0),
            load_began_ms: AtomicU64::new(now_ms()),
        }
    }

    /// The file shard `id` loads and appends to (a server writes one per
    /// shard).
    pub fn file_of(&self, id: usize) -> PathBuf {
        let m = match self.manifest.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let name = m.files_of(id).into_iter().next();
        self.dir
            .join(name.unwrap_or_else(|| manifest::file_name(id, m.generation)))
    }

    pub fn in_progress(&self) -> bool {
        self.rewriting.load(Ordering::Acquire) > 0
    }

    pub fn last_ok(&self) -> bool {
        self.last_ok.load(Ordering::Relaxed)
    }

    pub fn last_secs(&self) -> i64 {
        self.last_secs.load(Ordering::Relaxed)
    }

    /// Seconds the current rewrite has run, -1 when none runs.
    pub fn current_secs(&self) -> i64 {
        match self.began_ms.load(Ordering::Relaxed) {
            0 => -1,
            t => (now_ms().saturating_sub(t) / 1000) as i64,
        }
    }

    pub fn set_size(&self, shard: usize, len: u64, base: bool) {
        if let Some(s) = self.sizes.get(shard) {
            s.store(len, Ordering::Relaxed);
        }
        if base {
            if let Some(s) = self.base_sizes.get(shard) {
                s.store(len, Ordering::Relaxed);
            }
        }
    }

    pub fn current_size(&self) -> u64 {
        self.sizes.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }

    pub fn base_size(&self) -> u64 {
        self.base_sizes
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .sum()
    }

    /// Whether shard `id`'s file grew enough for an automatic rewrite
    /// (`auto-aof-rewrite-percentage` over its size after the last one,
    /// and at least `auto-aof-rewrite-min-size`).
    pub fn wants_auto(&self, id: usize, percentage: u32, min_size: u64) -> bool {
        if percentage == 0 {
            return false;
        }
        let (Some(size), Some(base)) = (self.sizes.get(id), self.base_sizes.get(id)) else {
            return false;
        };
        let (size, base) = (size.load(Ordering::Relaxed), base.load(Ordering::Relaxed));
        let base = base.max(1);
        size >= min_size && (size - base.min(size)) * 100 / base >= percentage as u64
    }

    fn started_one(&self) {
        if self.rewriting.fetch_add(1, Ordering::AcqRel) == 0 {
            self.failed.store(false, Ordering::Relaxed);
            self.began_ms.store(now_ms().max(1), Ordering::Relaxed);
        }
    }

    /// A shard's rewrite ended; the last one to end closes the rewrite.
    fn ended_one(&self, ok: bool) {
        if !ok {
            self.failed.store(true, Ordering::Relaxed);
        }
        if self.rewriting.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let ok = !self.failed.load(Ordering::Relaxed);
        let began = self.began_ms.swap(0, Ordering::Relaxed);
        self.last_secs.store(
            (now_ms().saturating_sub(began) / 1000) as i64,
            Ordering::Relaxed,
        );
        self.last_ok.store(ok, Ordering::Relaxed);
        if ok {
            self.rewrites.fetch_add(1, Ordering::Relaxed);
            self.consecutive_failures.store(0, Ordering::Relaxed);
            self.lastsave.store(now_ms() / 1000, Ordering::Relaxed);
        } else {
            self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Names `name` as shard `id`'s file in the manifest (atomically
    /// replaced on disk).
    fn switch(&self, id: usize, name: &str, generation: u64) -> Result<(), String> {
        let mut m = match self.manifest.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let mut next = m.clone();
        match next.files.iter_mut().find(|f| f.shard == id) {
            Some(f) => f.name = name.to_string(),
            None => next.files.push(manifest::ShardFile {
                shard: id,
                name: name.to_string(),
            }),
        }
        next.generation = next.generation.max(generation);
        manifest::store(&self.dir, &next)?;
        *m = next;
        Ok(())
    }
}

/// Starts a rewrite on this executor's shard. Err when one runs already
/// or persistence is off.
pub fn begin(worker: &Worker) -> Result<(), &'static str> {
    let (Some(p), Some(me)) = (worker.shared.aof.as_ref(), worker.rc()) else {
        return Err("off");
    };
    let mut shard = worker.shard.borrow_mut();
    let Some(log) = shard.aof.as_mut() else {
        return Err("off");
    };
    if log.rewriting() {
        return Err("running");
    }
    let generation = p.next_generation.fetch_add(1, Ordering::Relaxed);
    log.rw = Some(Rewrite::new(generation));
    log.wake_flusher();
    for db in shard.dbs.iter_mut() {
        db.rewrite_start();
    }
    p.started_one();
    drop(shard);
    glommio::spawn_local(walk(me)).detach();
    Ok(())
}

/// The walk: serialises the keyspace a step at a time between other work.
async fn walk(worker: Rc<Worker>) {
    loop {
        match walk_step(&worker) {
            Step::Done => return,
            Step::Full => glommio::timer::sleep(std::time::Duration::from_millis(1)).await,
            Step::More => futures_lite::future::yield_now().await,
        }
    }
}

enum Step {
    Done,
    /// The new file's buffer is full: wait for the flusher.
    Full,
    More,
}

fn walk_step(worker: &Worker) -> Step {
    let mut shard = worker.shard.borrow_mut();
    let Some(log) = shard.aof.as_mut() else {
        return Step::Done;
    };
    match log.rw.as_ref() {
        None => return Step::Done, // abandoned
        Some(rw) if rw.walked => return Step::Done,
        Some(rw) if rw.buf.len() > MAX_PENDING => {
            log.wake_flusher();
            return Step::Full;
        }
        Some(_) => {}
    }
    let done = super::log::rewrite_step(&mut shard, STEP, now_ms());
    if let Some(log) = shard.aof.as_mut() {
        if done || log.rw.as_ref().is_some_and(|r| r.buf.len() > 256 << 10) {
            log.wake_flusher();
        }
    }
    if done {
        Step::Done
    } else {
        Step::More
    }
}

/// Ends this shard's rewrite without switching files (an error, or
/// shutdown): the old file stays the live one; the new one is deleted.
pub fn abandon(worker: &Worker, new_path: Option<&Path>, why: &str) {
    let mut shard = worker.shard.borrow_mut();
    let had = shard.aof.as_mut().and_then(|l| l.rw.take()).is_some();
    for db in shard.dbs.iter_mut() {
        db.rewrite_stop();
    }
    drop(shard);
    if let Some(path) = new_path {
        let _ = std::fs::remove_file(path);
    }
    if had {
        tracing::warn!(shard = worker.id, "AOF rewrite abandoned: {why}");
        if let Some(p) = worker.shared.aof.as_ref() {
            p.ended_one(false);
        }
    }
}

/// This shard's new file is complete and synced: the manifest names it
/// (the switch; the caller then deletes the old file).
pub fn commit(worker: &Worker, generation: u64) -> Result<(), String> {
    let Some(p) = worker.shared.aof.as_ref() else {
        return Err("persistence is off".into());
    };
    let name = manifest::file_name(worker.id, generation);
    p.switch(worker.id, &name, generation)
}

/// Bookkeeping once a shard's switch is done.
pub fn committed(worker: &Worker, keys: u64, bytes: u64) {
    {
        let mut shard = worker.shard.borrow_mut();
        if let Some(l) = shard.aof.as_mut() {
            l.rw = None;
        }
        for db in shard.dbs.iter_mut() {
            db.rewrite_stop();
        }
    }
    tracing::info!(
        shard = worker.id,
        keys,
        bytes,
        "AOF rewrite done: the new file is live"
    );
    if let Some(p) = worker.shared.aof.as_ref() {
        p.set_size(worker.id, bytes, true);
        p.ended_one(true);
    }
}

/// Deletes `shard-*.aof` files of `dir` the manifest does not name (left by
/// a rewrite or re-route a crash interrupted), and a stale temp manifest.
pub fn remove_orphans(dir: &Path, m: &Manifest) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with("shard-") && name.ends_with(".aof");
        if (ours && !m.files.iter().any(|f| f.name == name)) || name == "manifest.json.tmp" {
            tracing::info!("removing {name}: not named by the manifest (an interrupted rewrite)");
            let _ = std::fs::remove_file(e.path());
        }
    }
}
