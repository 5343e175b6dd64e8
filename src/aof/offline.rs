//! A data directory worked on with plain `std::fs`, before any executor
//! starts or with the server stopped: the files a manifest lists loaded
//! into in-memory shards as the executors would load them, and a keyspace
//! written as a new generation of files holding one key snapshot record
//! per key, switched in by the manifest.
//!
//! Start-up uses both to re-route a directory written by another number of
//! shards ([`reroute`]: every key goes to `slot::shard_of(key, N)`);
//! `ringkv export` loads, `ringkv import` writes.
//!
//! A crash at any point leaves a usable directory: the new files are
//! complete and synced before the manifest naming them replaces the old one
//! (atomically), and the old files are deleted only after that. Files no
//! manifest names are harmless.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use super::log::{self, SNAPSHOT};
use super::manifest::{self, Manifest};
use super::record::{self, Kind};
use super::value;
use crate::shard::{now_ms, Shard, Value};

/// Databases a loaded shard has unless its records need more (the
/// `databases` default).
const DATABASES: usize = 16;

/// Every database a record can name (its db is a u16).
const ALL_DATABASES: usize = 1 << 16;

/// New files are written in pieces of about this size.
const FLUSH_BYTES: usize = 8 << 20;

/// The good records of one file: a torn tail is left out (with a warning
/// naming the file and offset; the file is not changed), corruption is
/// refused as the executors refuse it. A missing file is empty (an
/// executor creates its file when it first loads).
fn read_good(dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    let mut bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!(
                "cannot read the append-only file {}: {e}",
                path.display()
            ))
        }
    };
    let scan = record::scan(&bytes);
    if let Some(p) = scan.problem {
        match p.kind {
            Kind::TornTail => tracing::warn!(
                "{}: torn tail at offset {} of {} (a write cut short): ignoring what follows the last good record",
                path.display(),
                p.offset,
                bytes.len()
            ),
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
    bytes.truncate(scan.good_end as usize);
    Ok(bytes)
}

/// The highest database any record of `files` names.
fn max_db(files: &[Vec<u8>]) -> usize {
    let mut top = 0;
    let mut args = Vec::new();
    for f in files {
        let mut r = record::Reader::new(f);
        while let Some((_, db)) = r.next_into(&mut args) {
            top = top.max(db as usize);
        }
    }
    top
}

/// Replays `files` into a new shard with `databases` databases; the
/// number of records that could not be applied.
fn replay(files: &[Vec<u8>], id: usize, nshards: usize, databases: usize) -> (Shard, u64) {
    let mut shard = Shard::new(id, nshards, databases, now_ms());
    let failed = files
        .iter()
        .map(|f| log::replay(&mut shard, f).failed)
        .sum();
    (shard, failed)
}

/// Loads shard `shard` of the directory `m` describes into memory, as its
/// executor would (nothing expires while replaying).
pub fn load_shard(dir: &Path, m: &Manifest, shard: usize) -> Result<Shard, String> {
    let files = m
        .files_of(shard)
        .iter()
        .map(|name| read_good(dir, name))
        .collect::<Result<Vec<_>, _>>()?;
    // The server that wrote the files may have had more databases than the
    // records show (MOVE k 20, SWAPDB into one never written after): a
    // failed record is retried with every database a record can name, which
    // replays any command that succeeded when it was logged.
    let dbs = DATABASES.max(max_db(&files) + 1);
    let quiet = tracing::subscriber::NoSubscriber::default();
    let (loaded, failed) =
        tracing::subscriber::with_default(quiet, || replay(&files, shard, m.shards, dbs));
    if failed == 0 {
        return Ok(loaded);
    }
    drop(loaded);
    Ok(replay(&files, shard, m.shards, ALL_DATABASES).0)
}

/// Appends the key snapshot record of one key to `out`: the record a
/// shard loads with [`log::replay`].
pub fn put_entry(
    db: usize,
    key: &[u8],
    v: &Value,
    expire_at: u64,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut entry = Vec::new();
    value::encode_entry(key, v, expire_at, &mut entry);
    record::encode(db as u16, &[SNAPSHOT, &entry[..]], out).map_err(|e| {
        format!(
            "key {:?} in db {db}: {e}",
            String::from_utf8_lossy(&key[..key.len().min(64)])
        )
    })
}

/// Appends one snapshot record per key of `shard` not expired at `now` to
/// `outs[slot::shard_of(key, outs.len())]`; returns the number of keys.
pub fn route(shard: &Shard, now: u64, outs: &mut [Vec<u8>]) -> Result<u64, String> {
    let mut keys = 0;
    for (d, db) in shard.dbs.iter().enumerate() {
        for e in db.iter() {
            if e.expire_at != 0 && e.expire_at <= now {
                continue;
            }
            let to = crate::slot::shard_of(&e.key, outs.len());
            put_entry(d, &e.key, &e.value, e.expire_at, &mut outs[to])?;
            keys += 1;
        }
    }
    Ok(keys)
}

/// A new generation of shard files being written; [`NewFiles::commit`]
/// makes it the live one.
pub struct NewFiles<'a> {
    dir: &'a Path,
    manifest: Manifest,
    files: Vec<File>,
    /// Records not yet written, one buffer per new shard.
    pub outs: Vec<Vec<u8>>,
    committed: bool,
}

impl Drop for NewFiles<'_> {
    /// Files of a generation that was never switched in are removed.
    fn drop(&mut self) {
        if !self.committed {
            for f in &self.manifest.files {
                let _ = fs::remove_file(self.dir.join(&f.name));
            }
        }
    }
}

impl<'a> NewFiles<'a> {
    /// Creates (or empties) the files of `shards` shards in `dir`, in a
    /// generation after `old`'s whose names `old` does not use.
    pub fn create(dir: &'a Path, shards: usize, old: Option<&Manifest>) -> Result<Self, String> {
        if shards == 0 {
            return Err("a data directory needs at least one shard".into());
        }
        let mut generation = old.map_or(1, |m| m.generation + 1);
        let taken: HashSet<&str> = old
            .map(|m| m.files.iter().map(|f| f.name.as_str()).collect())
            .unwrap_or_default();
        let m = loop {
            let m = Manifest::new(shards, generation);
            if m.files.iter().all(|f| !taken.contains(f.name.as_str())) {
                break m;
            }
            generation += 1;
        };
        let files = m
            .files
            .iter()
            .map(|f| {
                let path = dir.join(&f.name);
                File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewFiles {
            dir,
            files,
            outs: vec![Vec::new(); shards],
            manifest: m,
            committed: false,
        })
    }

    /// Writes out what `outs` holds.
    pub fn flush(&mut self) -> Result<(), String> {
        for (i, out) in self.outs.iter_mut().enumerate() {
            if out.is_empty() {
                continue;
            }
            self.files[i].write_all(out).map_err(|e| {
                let name = &self.manifest.files[i].name;
                format!("cannot write {}: {e}", self.dir.join(name).display())
            })?;
            out.clear();
        }
        Ok(())
    }

    /// Writes out `outs` once it holds enough to be worth a write.
    pub fn flush_if_big(&mut self) -> Result<(), String> {
        if self.outs.iter().map(Vec::len).sum::<usize>() >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Syncs the new files, stores the manifest naming them (the switch),
    /// then deletes the files of `old` the new manifest does not name.
    pub fn commit(mut self, old: Option<&Manifest>) -> Result<Manifest, String> {
        self.flush()?;
        for (f, sf) in self.files.iter().zip(&self.manifest.files) {
            f.sync_all()
                .map_err(|e| format!("cannot fsync {}: {e}", self.dir.join(&sf.name).display()))?;
        }
        drop(std::mem::take(&mut self.files));
        // From here the new files are kept whatever happens: a failed
        // store() may have renamed the manifest already.
        self.committed = true;
        // The rename in store() syncs the directory: the new files' entries
        // are durable with the manifest that names them.
        manifest::store(self.dir, &self.manifest)?;
        for f in old.map(|m| &m.files[..]).unwrap_or_default() {
            if self.manifest.files.iter().any(|n| n.name == f.name) {
                continue;
            }
            let path = self.dir.join(&f.name);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("cannot delete the old file {}: {e}", path.display()),
            }
        }
        Ok(self.manifest.clone())
    }
}

/// Re-routes the directory `m` describes (written by `m.shards` shards) to
/// `shards` shards: each old shard is loaded, its keys are written to their
/// new shards' files as snapshots, and the new manifest replaces `m`.
pub fn reroute(dir: &Path, m: &Manifest, shards: usize) -> Result<Manifest, String> {
    let began = Instant::now();
    let now = now_ms();
    let mut new = NewFiles::create(dir, shards, Some(m))?;
    let mut keys = 0;
    for old in 0..m.shards {
        let shard = load_shard(dir, m, old)?;
        keys += route(&shard, now, &mut new.outs)?;
        drop(shard);
        new.flush()?;
    }
    let next = new.commit(Some(m))?;
    tracing::info!(
        dir = %dir.display(),
        from = m.shards,
        to = shards,
        keys,
        generation = next.generation,
        ms = began.elapsed().as_millis() as u64,
        "append-only files re-routed to another shard count"
    );
    Ok(next)
}

/// Sends `tracing` output to stderr, for the offline subcommands (stdout
/// may carry an export).
pub fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RINGKV_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::table;
    use crate::shard::Ctx;
    use bytes::Bytes;

    fn run(shard: &mut Shard, db: usize, cmd: &str, now: u64) {
        let argv: Vec<Bytes> = cmd
            .split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let mut spec = table::lookup(&argv[0]).expect("command");
        if !spec.subcommands.is_empty() {
            spec = table::lookup_sub(spec, &argv[1]).expect("subcommand");
        }
        let handler = spec.handler().expect("keyed");
        handler(&mut Ctx::new(shard, db, now), &argv).expect(cmd);
    }

    /// (db, key, value, expiry) of every key, sorted.
    fn keyspace(shards: &[Shard]) -> Vec<(usize, Vec<u8>, Value, u64)> {
        let mut v: Vec<_> = shards
            .iter()
            .flat_map(|s| s.dbs.iter().enumerate())
            .flat_map(|(d, db)| {
                db.iter()
                    .map(move |e| (d, e.key.to_vec(), e.value.clone(), e.expire_at))
            })
            .collect();
        v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        v
    }

    #[test]
    fn route_sends_each_key_to_its_slot_and_drops_expired_ones() {
        let now = 1_700_000_000_000;
        let mut sh = Shard::new(0, 1, 16, now);
        for i in 0..300 {
            run(&mut sh, i % 3, &format!("SET k{i} v{i}"), now);
        }
        run(&mut sh, 0, "RPUSH {tag}list a b c", now);
        run(&mut sh, 0, "HSET {tag}h f v", now);
        run(&mut sh, 0, "SADD s 1 2 x", now);
        run(&mut sh, 0, "ZADD z 1.5 a -inf b", now);
        run(&mut sh, 0, "XADD x 1-1 f v", now);
        run(&mut sh, 0, "XGROUP CREATE x g 0", now);
        run(&mut sh, 0, "XREADGROUP GROUP g c STREAMS x >", now);
        run(&mut sh, 15, "SET high db", now);
        run(&mut sh, 0, &format!("PEXPIREAT k0 {}", now + 5000), now);
        run(&mut sh, 0, &format!("PEXPIREAT k3 {}", now - 1), now);
        let mut outs = vec![Vec::new(); 3];
        let keys = route(&sh, now, &mut outs).unwrap();
        assert_eq!(keys, 300 + 5 + 1 - 1);
        let mut loaded = Vec::new();
        for (i, out) in outs.iter().enumerate() {
            let mut s = Shard::new(i, 3, 16, now);
            let done = log::replay(&mut s, out);
            assert_eq!(done.failed, 0);
            for db in &s.dbs {
                for e in db.iter() {
                    assert_eq!(crate::slot::shard_of(&e.key, 3), i, "{:?}", e.key);
                }
            }
            loaded.push(s);
        }
        let mut want = keyspace(std::slice::from_ref(&sh));
        want.retain(|k| k.1 != b"k3");
        assert_eq!(keyspace(&loaded), want);
        assert_eq!(
            crate::slot::shard_of(b"{tag}list", 3),
            crate::slot::shard_of(b"{tag}h", 3)
        );
    }

    use crate::aof::TempDir;

    fn write_dir(dir: &Path, shards: usize, records: &[(usize, u16, &[&str])]) -> Manifest {
        let m = Manifest::new(shards, 3);
        let mut files = vec![Vec::new(); shards];
        for (s, db, argv) in records {
            record::encode(*db, argv, &mut files[*s]).unwrap();
        }
        for (f, bytes) in m.files.iter().zip(&files) {
            fs::write(dir.join(&f.name), bytes).unwrap();
        }
        manifest::store(dir, &m).unwrap();
        m
    }

    #[test]
    fn reroute_switches_generations_and_keeps_every_database() {
        let d = TempDir::new("reroute");
        let m = write_dir(
            &d.0,
            2,
            &[
                (0, 0, &["SET", "a", "1"]),
                (0, 0, &["MOVE", "a", "40"]),
                (1, 2, &["RPUSH", "b", "x", "y"]),
                (1, 0, &["SET", "c", "3"]),
            ],
        );
        // A torn tail on one file: what precedes it loads.
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(d.0.join(&m.files[1].name))
            .unwrap();
        f.write_all(&[9, 0, 0, 0, 1]).unwrap();
        let next = reroute(&d.0, &m, 3).unwrap();
        assert_eq!(next, Manifest::new(3, 4));
        assert_eq!(manifest::load(&d.0).unwrap(), Some(next.clone()));
        for f in &m.files {
            assert!(!d.0.join(&f.name).exists(), "{} deleted", f.name);
        }
        let shards: Vec<Shard> = (0..3)
            .map(|i| load_shard(&d.0, &next, i).unwrap())
            .collect();
        let ks: Vec<(usize, Vec<u8>)> = keyspace(&shards)
            .into_iter()
            .map(|(d, k, ..)| (d, k))
            .collect();
        assert_eq!(
            ks,
            [(0, b"c".to_vec()), (2, b"b".to_vec()), (40, b"a".to_vec())]
        );
    }

    #[test]
    fn corruption_refuses_and_changes_nothing() {
        let d = TempDir::new("corrupt");
        let m = write_dir(
            &d.0,
            1,
            &[(0, 0, &["SET", "a", "1"]), (0, 0, &["SET", "b", "2"])],
        );
        let path = d.0.join(&m.files[0].name);
        let mut bytes = fs::read(&path).unwrap();
        bytes[10] ^= 0xff;
        fs::write(&path, &bytes).unwrap();
        let e = reroute(&d.0, &m, 2).unwrap_err();
        assert!(e.contains("shard-0.3.aof") && e.contains("offset 0"), "{e}");
        assert_eq!(manifest::load(&d.0).unwrap(), Some(m));
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }
}
