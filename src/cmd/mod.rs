//! Commands: the table (`table`), key specs (`keys`), argument helpers
//! (`args`), and one module per family.

pub mod args;
pub mod block;
pub mod connection;
pub mod expire;
pub mod hash;
pub mod introspect;
pub mod keys;
pub mod keyspace;
pub mod list;
pub mod multi;
pub mod server;
pub mod set;
pub mod sort;
pub mod stream;
pub mod stream_group;
pub mod string;
pub mod string_ext;
pub mod table;
pub mod zset;
pub mod zset_ext;

use table::{AsyncFn, Cross, Exec, Handler, Merge, SessionFn};

/// A single-shard command.
pub const fn keyed(handler: Handler) -> Exec {
    Exec::Keyed {
        handler,
        cross: Cross::Never,
    }
}

/// A multi-key command split per shard and merged.
pub const fn split(handler: Handler, merge: Merge) -> Exec {
    Exec::Keyed {
        handler,
        cross: Cross::Split(merge),
    }
}

/// A multi-key command whose keys may span shards, run by the generic
/// gather path (router) with the same single-shard handler.
pub const fn gather(handler: Handler) -> Exec {
    Exec::Keyed {
        handler,
        cross: Cross::Gather,
    }
}

/// A keyless command run on every shard and merged.
pub const fn all(handler: Handler, merge: Merge) -> Exec {
    Exec::All { handler, merge }
}

/// A command run against the connection's state.
pub const fn session(f: SessionFn) -> Exec {
    Exec::Session(f)
}

/// A command run by a coordinator on the home executor.
pub const fn async_fn(f: AsyncFn) -> Exec {
    Exec::Async(f)
}
