//! The command table: one entry per command, as data. It drives routing
//! (key specs), arity checks, MULTI queuing, ACL categories, the COMMAND
//! family's replies and (later) the write path to the AOF. A command is added
//! by adding an entry to its family's `COMMANDS` list and a handler in that
//! family's module — nowhere else.

use std::sync::OnceLock;

use bytes::Bytes;

use crate::error::Error;
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::Ctx;

pub use super::keys::KeySpec;

/// A shard-side handler: runs on the shard owning the command's keys.
pub type Handler = fn(&mut Ctx, &[Bytes]) -> Result<Reply, Error>;
/// A connection-side handler that needs no other shard (PING, SELECT, ...).
pub type SessionFn = fn(&mut Session, &[Bytes]) -> Result<Reply, Error>;
/// A future borrowing the session, for commands that coordinate shards.
pub type LocalFut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + 'a>>;
/// A coordinator: runs on the connection's home executor and may talk to any shard.
pub type AsyncFn = for<'a> fn(&'a mut Session, Vec<Bytes>) -> LocalFut<'a>;

/// How a command executes.
#[derive(Clone, Copy)]
pub enum Exec {
    /// Runs `handler` on the shard owning its keys when they all live on one
    /// shard (the common case, no coordination); otherwise `cross` says how.
    Keyed { handler: Handler, cross: Cross },
    /// No keys: runs `handler` on every shard and merges the replies (DBSIZE, KEYS, FLUSHDB...).
    All { handler: Handler, merge: Merge },
    /// Runs on the home executor against the connection's own state.
    Session(SessionFn),
    /// Runs on the home executor and coordinates shards itself.
    Async(AsyncFn),
}

/// What a keyed command does when its keys span shards.
#[derive(Clone, Copy)]
pub enum Cross {
    /// Single-key command: cannot span.
    Never,
    /// Split the keys (with their following arguments, per the key spec's
    /// step) per shard, run the handler on each part, merge.
    Split(Merge),
    /// Under locks on every key, the keys' values travel to the
    /// coordinator, the single-shard handler runs there on them, and what it
    /// changed travels back (SMOVE, LMOVE, *STORE, SINTER ...).
    Gather,
}

/// How per-shard replies become one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Merge {
    /// Integers added (DEL, EXISTS, DBSIZE).
    Sum,
    /// Per-key array elements put back in the order of the keys (MGET); for
    /// `All`, arrays concatenated (KEYS).
    Array,
    /// `+OK` unless some shard failed (MSET, FLUSHDB).
    Ok,
}

/// Command flags (Redis's names, as COMMAND INFO reports them).
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const MOVABLEKEYS: u32 = 1 << 15;
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Not a Redis flag: the command is allowed inside MULTI but runs at
    /// once instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET).
    pub const TX_CONTROL: u32 = 1 << 17;
    /// Not a Redis flag: the command changes the connection's db (SELECT);
    /// EXEC's planner follows it to lock keys in the right db.
    pub const SELECTS_DB: u32 = 1 << 18;

    /// (flag, name) pairs in Redis's order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Documentation COMMAND DOCS reports (redis-cli builds its hints from it).
#[derive(Clone, Copy)]
pub struct Doc {
    pub summary: &'static str,
    pub since: &'static str,
    /// Redis's group name: string, generic, server, connection, list, ...
    pub group: &'static str,
    pub complexity: &'static str,
    /// Argument syntax in Redis's documentation form, e.g.
    /// `key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]`.
    pub syntax: &'static str,
}

/// One command.
#[derive(Clone, Copy)]
pub struct CommandSpec {
    /// Lowercase name; for a subcommand, `parent|sub` as Redis reports it.
    pub name: &'static str,
    /// Redis convention: N = exactly N arguments (name included), -N = at least N.
    pub arity: i32,
    pub flags: u32,
    pub keys: KeySpec,
    pub exec: Exec,
    pub doc: Doc,
    pub subcommands: &'static [CommandSpec],
    /// For commands that reach keys in other databases (MOVE, COPY ... DB):
    /// pushes (db, argument position) for every key the command touches,
    /// given the connection's db. None: every key is in the connection's db.
    pub key_dbs: Option<KeyDbs>,
    /// For blocking commands (BLPOP, XREAD ...): how they wait. Their
    /// handler is the non-blocking form (what runs inside MULTI, and what
    /// serves them once a key is ready).
    pub block: Option<&'static BlockSpec>,
}

/// See `BlockSpec::prepare`.
pub type Prepare = fn(&mut Ctx, &mut Vec<Bytes>, &[usize]);

/// How a blocking command waits (blocking.rs).
pub struct BlockSpec {
    /// The timeout in milliseconds (0: forever); Ok(None) when this call
    /// does not block (XREAD without BLOCK).
    pub timeout: fn(&[Bytes]) -> Result<Option<u64>, Error>,
    /// Positions of the keys it waits on (BLMOVE: only the source).
    pub wait_keys: fn(&[Bytes], &mut Vec<usize>),
    /// Whether a value can serve it (its type: list, zset or stream).
    pub serves: fn(&crate::shard::Value) -> bool,
    /// Rewrites arguments that mean "now" for the keys at the given
    /// positions, on their shard, before the client waits (XREAD's `$`).
    pub prepare: Option<Prepare>,
    /// Serving writes other keys than the ready one (BLMOVE's destination).
    pub moves: bool,
    /// The timeout reply is a null bulk (BLMOVE) rather than a null array.
    pub nil_bulk: bool,
}

/// See `CommandSpec::key_dbs`.
pub type KeyDbs = fn(argv: &[Bytes], db: usize, out: &mut Vec<(usize, usize)>);

impl CommandSpec {
    /// A command with the given shape; `doc` and `subcommands` are set with the builders below.
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        keys: KeySpec,
        exec: Exec,
    ) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags,
            keys,
            exec,
            doc: Doc {
                summary: "",
                since: "1.0.0",
                group: "generic",
                complexity: "",
                syntax: "",
            },
            subcommands: &[],
            key_dbs: None,
            block: None,
        }
    }

    /// Marks a blocking command.
    pub const fn blocks(mut self, b: &'static BlockSpec) -> CommandSpec {
        self.block = Some(b);
        self
    }

    pub const fn key_dbs(mut self, f: KeyDbs) -> CommandSpec {
        self.key_dbs = Some(f);
        self
    }

    /// Every (db, argument position) of a key the command touches when run
    /// from database `db`.
    pub fn lock_keys(&self, argv: &[Bytes], db: usize, out: &mut Vec<(usize, usize)>) {
        if let Some(f) = self.key_dbs {
            f(argv, db, out);
            return;
        }
        let mut pos = Vec::new();
        crate::cmd::keys::key_positions(&self.keys, argv, &mut pos);
        out.extend(pos.into_iter().map(|p| (db, p)));
    }

    /// The command's handler, for the kinds that have one.
    pub fn handler(&self) -> Option<Handler> {
        match self.exec {
            Exec::Keyed { handler, .. } | Exec::All { handler, .. } => Some(handler),
            _ => None,
        }
    }

    pub const fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        summary: &'static str,
        syntax: &'static str,
    ) -> CommandSpec {
        self.doc.group = group;
        self.doc.since = since;
        self.doc.summary = summary;
        self.doc.syntax = syntax;
        self
    }

    pub const fn complexity(mut self, c: &'static str) -> CommandSpec {
        self.doc.complexity = c;
        self
    }

    pub const fn subs(mut self, subs: &'static [CommandSpec]) -> CommandSpec {
        self.subcommands = subs;
        self
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// Does `argc` (name included) satisfy the arity?
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        if a >= 0 {
            argc == a as usize
        } else {
            argc >= (-a) as usize
        }
    }

    /// Redis's ACL categories, derived from flags and group as Redis does.
    pub fn acl_categories(&self) -> Vec<&'static str> {
        use flags::*;
        let mut c = Vec::new();
        let group_cat = match self.doc.group {
            "string" => Some("@string"),
            "generic" => Some("@keyspace"),
            "list" => Some("@list"),
            "hash" => Some("@hash"),
            "set" => Some("@set"),
            "sorted-set" => Some("@sortedset"),
            "stream" => Some("@stream"),
            "connection" => Some("@connection"),
            "pubsub" => Some("@pubsub"),
            "transactions" => Some("@transaction"),
            "scripting" => Some("@scripting"),
            "bitmap" => Some("@bitmap"),
            "hyperloglog" => Some("@hyperloglog"),
            "geo" => Some("@geo"),
            _ => None,
        };
        if self.has(WRITE) {
            c.push("@write");
        }
        if self.has(READONLY) && self.doc.group != "scripting" {
            c.push("@read");
        }
        if self.has(ADMIN) {
            c.push("@admin");
            c.push("@dangerous");
        }
        if self.has(PUBSUB) && group_cat != Some("@pubsub") {
            c.push("@pubsub");
        }
        if self.has(FAST) {
            c.push("@fast");
        } else {
            c.push("@slow");
        }
        if self.has(BLOCKING) {
            c.push("@blocking");
        }
        if let Some(g) = group_cat {
            if !c.contains(&g) {
                c.push(g);
            }
        }
        c
    }
}

/// Every command, from every family.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

static FAMILIES: &[&[CommandSpec]] = &[
    super::connection::COMMANDS,
    super::server::COMMANDS,
    super::string::COMMANDS,
    super::keyspace::COMMANDS,
    super::expire::COMMANDS,
    super::introspect::COMMANDS,
    super::list::COMMANDS,
    super::set::COMMANDS,
    super::multi::COMMANDS,
    super::hash::COMMANDS,
    super::zset::COMMANDS,
    super::block::COMMANDS,
    super::sort::COMMANDS,
    super::stream::COMMANDS,
];

/// Top-level commands by a slot computed from a name's first eight bytes,
/// case-folded and packed into a word: a lookup costs no copy and no hash
/// of the whole name, and usually one comparison of words.
struct Index {
    slots: Vec<Vec<(u64, &'static CommandSpec)>>,
    count: usize,
}

const SLOTS: usize = 1024;

/// The first eight bytes of `name`, lowercased, packed little-endian
/// (zeros past the end).
#[inline]
fn packed(name: &[u8]) -> u64 {
    name.iter().take(8).enumerate().fold(0, |v, (i, b)| {
        v | u64::from(b.to_ascii_lowercase()) << (8 * i)
    })
}

#[inline]
fn slot(word: u64, len: usize) -> usize {
    ((word ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize % SLOTS
}

fn table() -> &'static Index {
    static T: OnceLock<Index> = OnceLock::new();
    T.get_or_init(|| {
        let mut slots = vec![Vec::new(); SLOTS];
        let mut count = 0;
        for c in all() {
            let w = packed(c.name.as_bytes());
            slots[slot(w, c.name.len())].push((w, c));
            count += 1;
        }
        Index { slots, count }
    })
}

/// Finds a command by name, case-insensitively, without allocating.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let w = packed(name);
    let candidates = table().slots.get(slot(w, name.len()))?;
    // Table names are lowercase: only the client's bytes need folding.
    candidates
        .iter()
        .find(|(cw, c)| {
            *cw == w
                && c.name.len() == name.len()
                && c.name.as_bytes()[8.min(name.len())..]
                    .iter()
                    .zip(&name[8.min(name.len())..])
                    .all(|(a, b)| *a == b.to_ascii_lowercase())
        })
        .map(|(_, c)| *c)
}

/// Finds a subcommand (`sub` matched case-insensitively) of `parent`.
pub fn lookup_sub(parent: &CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    parent.subcommands.iter().find(|s| {
        let short = s.name.rsplit('|').next().unwrap_or(s.name);
        short.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// Number of top-level commands.
pub fn count() -> usize {
    table().count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_every_command_in_any_case() {
        let mut names = std::collections::HashSet::new();
        for c in all() {
            assert!(names.insert(c.name), "{} twice", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            let upper = c.name.to_ascii_uppercase();
            for n in [c.name.as_bytes(), upper.as_bytes()] {
                assert!(std::ptr::eq(lookup(n).unwrap(), c), "{}", c.name);
            }
        }
        assert_eq!(count(), names.len());
        for n in [
            &b""[..],
            b"ge",
            b"gett",
            b"g\xc5t",
            b"get\0",
            b"set_",
            b"cluster|info",
            b"zrangebyscorE\0",
            b"zrangebyscorx",
            b"zrangebyscore\x7f",
        ] {
            assert!(lookup(n).is_none());
        }
    }

    #[test]
    fn slots_stay_short() {
        let longest = table().slots.iter().map(Vec::len).max().unwrap_or(0);
        assert!(longest <= 4, "a slot holds {longest} commands");
    }
}
