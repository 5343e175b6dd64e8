//! Durable persistence: one append-only file per shard.
//!
//! A data directory holds `manifest.json` ([`manifest`]) naming one file per
//! shard, `shard-{i}.{generation}.aof`. Each file is a plain sequence of
//! records ([`record`]): `[len u32 LE][crc32 u32 LE][payload]`, the payload
//! being one command, in deterministic form, and its database. Damage that
//! reaches the end of a file is a torn tail (a crash during an append) and
//! may be cut off; damage with data after it is corruption. The offline
//! `ringkv check-aof` ([`tools`]) reports both and can truncate;
//! [`offline`] re-routes a directory written by another shard count, and
//! `ringkv export` / `ringkv import` ([`export`], [`import`]) turn a data
//! directory into JSON and back. [`rewrite`] rewrites the files while the
//! server runs.

pub mod export;
pub mod file;
pub mod import;
pub mod json;
pub mod log;
pub mod manifest;
pub mod offline;
pub mod record;
pub mod rewrite;
pub mod send;
pub mod tools;
pub mod value;
pub mod writer;

/// A fresh directory for a test, removed on drop.
#[cfg(test)]
pub(crate) struct TempDir(pub std::path::PathBuf);

#[cfg(test)]
impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("ringkv-aof-{tag}-{}", std::process::id()));
        std::fs::remove_dir_all(&p).ok();
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

#[cfg(test)]
impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}
