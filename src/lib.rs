//! ringkv: a Redis-compatible key-value server, thread-per-core on glommio.
//!
//! The server is a library: `start` runs one in-process (tests and embedding
//! use this) and returns a handle whose `shutdown` stops it cleanly.

pub mod aof;
pub mod blocking;
pub mod cmd;
pub mod config;
pub mod conn;
pub mod error;
pub mod glob;
pub mod logging;
pub mod mesh;
pub mod num;
pub mod resp;
pub mod router;
pub mod server;
pub mod session;
pub mod shard;
pub mod slot;
pub mod tx;

pub use config::Config;
pub use server::{start, ServerHandle};
