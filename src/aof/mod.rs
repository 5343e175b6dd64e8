//! Durable persistence: one append-only file per shard.
//!
//! A data directory holds `manifest.json` ([`manifest`]) naming one file per
//! shard, `shard-{i}.{generation}.aof`. Each file is a plain sequence of
//! records ([`record`]): `[len u32 LE][crc32 u32 LE][payload]`, the payload
//! being one command, in deterministic form, and its database. Damage that
//! reaches the end of a file is a torn tail (a crash during an append) and
//! may be cut off; damage with data after it is corruption. The offline
//! `ringkv check-aof` ([`tools`]) reports both and can truncate.

pub mod file;
pub mod log;
pub mod manifest;
pub mod record;
pub mod rewrite;
pub mod tools;
pub mod value;
pub mod writer;
