//! `manifest.json`: which append-only file holds each shard's commands.
//! A new set of files becomes live only when the manifest naming it has
//! replaced the old one, atomically (write a temp file, fsync, rename,
//! fsync the directory), so a crash at any instant leaves one whole
//! manifest.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The manifest's file name in the data directory.
pub const FILE: &str = "manifest.json";

/// The format version this code writes and reads.
pub const FORMAT: u32 = 1;

/// The contents of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// How many shards wrote the files (records are re-routed by slot when
    /// the server now runs another count).
    pub shards: usize,
    /// Bumped by every rewrite; part of the file names.
    pub generation: u64,
    /// One file per shard.
    pub files: Vec<ShardFile>,
}

/// One shard's append-only file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardFile {
    pub shard: usize,
    /// A file name in the data directory (no path).
    pub name: String,
}

impl Manifest {
    /// A manifest for `shards` files of `generation`, named by [`file_name`].
    pub fn new(shards: usize, generation: u64) -> Manifest {
        let files = (0..shards)
            .map(|shard| ShardFile {
                shard,
                name: file_name(shard, generation),
            })
            .collect();
        Manifest {
            format: FORMAT,
            shards,
            generation,
            files,
        }
    }

    /// The files holding `shard`'s records, in replay order: those listed
    /// for it, or the name an executor gives a new file.
    pub fn files_of(&self, shard: usize) -> Vec<String> {
        let listed: Vec<String> = self
            .files
            .iter()
            .filter(|f| f.shard == shard)
            .map(|f| f.name.clone())
            .collect();
        if listed.is_empty() {
            vec![file_name(shard, self.generation)]
        } else {
            listed
        }
    }

    /// Why this manifest cannot be used, if it cannot.
    fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unsupported format {}", self.format));
        }
        for f in &self.files {
            if f.shard >= self.shards {
                return Err(format!("shard {} of {} shards", f.shard, self.shards));
            }
            // Tools open and truncate these: never outside the directory.
            let plain = Path::new(&f.name).file_name() == Some(f.name.as_ref());
            if !plain {
                return Err(format!("bad file name {:?}", f.name));
            }
        }
        Ok(())
    }
}

/// The lock file of a data directory: a server (or `ringkv import --dir`)
/// holds an exclusive lock on it while it uses the directory, so a second
/// one on the same directory refuses to start instead of appending to the
/// same files.
pub const LOCK: &str = "ringkv.lock";

/// Takes `dir`'s lock (released when the returned file is dropped or the
/// process ends, kill -9 included).
pub fn lock(dir: &Path) -> Result<File, String> {
    let path = dir.join(LOCK);
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(named(&path))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(fs::TryLockError::WouldBlock) => Err(format!(
            "the data directory {} is in use by another ringkv process (it holds {})",
            dir.display(),
            path.display()
        )),
        Err(fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

/// The name of `shard`'s file in `generation`: `shard-{i}.{generation}.aof`.
pub fn file_name(shard: usize, generation: u64) -> String {
    format!("shard-{shard}.{generation}.aof")
}

/// Reads `dir/manifest.json`: `None` when there is none (a new data
/// directory), an error naming the file when it cannot be used.
pub fn load(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(FILE);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let m: Manifest =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    m.check().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(m))
}

/// Replaces `dir/manifest.json` with `m`, atomically and durably.
pub fn store(dir: &Path, m: &Manifest) -> Result<(), String> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let path = dir.join(FILE);
    let mut text = serde_json::to_vec_pretty(m).map_err(|e| e.to_string())?;
    text.push(b'\n');
    let mut f = File::create(&tmp).map_err(named(&tmp))?;
    f.write_all(&text).map_err(named(&tmp))?;
    f.sync_all().map_err(named(&tmp))?;
    fs::rename(&tmp, &path).map_err(named(&path))?;
    // The rename itself is durable only once the directory is synced.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(named(dir))
}

/// Turns an I/O error into text naming `path`.
fn named(path: &Path) -> impl Fn(io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::aof::TempDir;

    #[test]
    fn store_then_load() {
        let d = TempDir::new("roundtrip");
        assert_eq!(load(&d.0), Ok(None));
        let m = Manifest::new(3, 7);
        assert_eq!(m.files[2].name, "shard-2.7.aof");
        store(&d.0, &m).unwrap();
        assert_eq!(load(&d.0), Ok(Some(m)));
        let next = Manifest::new(2, 8);
        store(&d.0, &next).unwrap();
        assert_eq!(load(&d.0), Ok(Some(next)));
        assert!(!d.0.join("manifest.json.tmp").exists());
    }

    #[test]
    fn json_shape() {
        let v: serde_json::Value = serde_json::to_value(Manifest::new(1, 2)).unwrap();
        let want = serde_json::json!({
            "format": 1, "shards": 1, "generation": 2,
            "files": [{"shard": 0, "name": "shard-0.2.aof"}],
        });
        assert_eq!(v, want);
    }

    #[test]
    fn bad_manifests_name_the_file() {
        let d = TempDir::new("bad");
        let path = d.0.join(FILE);
        let cases = [
            "{not json",
            r#"{"format": 2, "shards": 1, "generation": 1, "files": []}"#,
            r#"{"format": 1, "shards": 1, "generation": 1,
                "files": [{"shard": 1, "name": "shard-1.1.aof"}]}"#,
            r#"{"format": 1, "shards": 1, "generation": 1,
                "files": [{"shard": 0, "name": "../x.aof"}]}"#,
        ];
        for text in cases {
            fs::write(&path, text).unwrap();
            let e = load(&d.0).unwrap_err();
            assert!(e.starts_with(&path.display().to_string()), "{e}");
        }
        // Unreadable: a directory where the file should be.
        fs::remove_file(&path).unwrap();
        fs::create_dir(&path).unwrap();
        assert!(load(&d.0).unwrap_err().contains(FILE));
        assert!(store(&d.0, &Manifest::new(1, 1)).is_err());
    }
}
