//! Configuration: the `ringkv` command line, redis.conf-style files, and the
//! CONFIG GET / CONFIG SET view of the same settings.
//!
//! One table (`PARAMS`) lists every parameter under Redis's name with its
//! type, bounds and whether CONFIG SET may change it. Files, flags and CONFIG
//! SET all go through it, so a value is checked the same way (and refused
//! with the same words) however it arrives.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::Error;
use crate::glob::glob_match;

/// The `ringkv` command line. Server flags mirror redis.conf names; each is
/// `None` when not given, and wins over the `--config` file.
#[derive(clap::Parser, Debug, Default)]
#[command(
    name = "ringkv",
    version,
    about = "A Redis-compatible, thread-per-core key-value server"
)]
pub struct Cli {
    /// TCP port to listen on (0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// Addresses to listen on, e.g. `--bind 127.0.0.1 ::1`.
    #[arg(long, num_args = 1.., value_name = "ADDR")]
    pub bind: Option<Vec<String>>,
    /// Shards (executor threads); 0 = one per online CPU.
    #[arg(long)]
    pub shards: Option<usize>,
    /// Password of the default user ("" = none).
    #[arg(long)]
    pub requirepass: Option<String>,
    /// Number of logical databases.
    #[arg(long)]
    pub databases: Option<usize>,
    /// Directory holding the append-only files.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// debug, verbose, notice or warning.
    #[arg(long)]
    pub loglevel: Option<String>,
    /// A redis.conf-style file, read before the flags.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Refuse non-loopback clients while no password is set.
    #[arg(long, value_name = "yes|no", value_parser = parse_yes_no)]
    pub protected_mode: Option<bool>,
    /// Most connected clients at once.
    #[arg(long)]
    pub maxclients: Option<u64>,
    /// Log writes to an append-only file per shard.
    #[arg(long, value_name = "yes|no", value_parser = parse_yes_no)]
    pub appendonly: Option<bool>,
    /// always, everysec or no.
    #[arg(long, value_parser = parse_fsync)]
    pub appendfsync: Option<AppendFsync>,
    /// Start even when an append-only file is corrupt before its end,
    /// loading the records before the damage (the file is kept aside).
    #[arg(long, value_name = "yes|no", value_parser = parse_yes_no)]
    pub aof_load_corrupt: Option<bool>,
    /// Memory limit (100mb, 1gb, ...; 0 = none).
    #[arg(long, value_name = "BYTES", value_parser = parse_memory_arg)]
    pub maxmemory: Option<u64>,
    /// What to evict at maxmemory (noeviction, allkeys-lru, ...).
    #[arg(long)]
    pub maxmemory_policy: Option<String>,
    /// Largest bulk string a client may send.
    #[arg(long, value_name = "BYTES", value_parser = parse_memory_arg)]
    pub proto_max_bulk_len: Option<u64>,
    /// Largest query buffer per client.
    #[arg(long, value_name = "BYTES", value_parser = parse_memory_arg)]
    pub client_query_buffer_limit: Option<u64>,
    /// Close clients idle this many seconds (0 = never).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Background task frequency (clamped to 1..=500).
    #[arg(long)]
    pub hz: Option<u32>,
    /// Snapshot points as in redis.conf ("" = none); accepted and reported.
    #[arg(long, num_args = 1.., value_name = "SECONDS CHANGES")]
    pub save: Option<Vec<String>>,
    /// glommio io memory per executor (default 256kb).
    #[arg(long, value_name = "BYTES", value_parser = parse_memory_arg)]
    pub io_memory: Option<u64>,
    /// Executors that accept client connections: the first N (0 = all).
    #[arg(long, value_name = "N")]
    pub conn_shards: Option<usize>,
    /// Offline tools instead of the server.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Offline subcommands of the `ringkv` binary.
#[derive(clap::Subcommand, Debug, Clone, PartialEq)]
pub enum Command {
    /// Check (and with --fix, truncate) the append-only files in DIR.
    CheckAof {
        /// The data directory.
        dir: PathBuf,
        /// Cut each file after its last whole record.
        #[arg(long)]
        fix: bool,
    },
    /// Write the data in DIR as JSON (docs/export.md), to stdout or --output.
    Export {
        /// The data directory (the server may be running).
        dir: PathBuf,
        /// Output format (json).
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Load an export (FILE, - = stdin) into a stopped server's --dir or a running server's --port
    Import {
        /// The exported file.
        file: PathBuf,
        /// Write a data directory for a stopped server.
        #[arg(long, conflicts_with_all = ["host", "port"])]
        dir: Option<PathBuf>,
        /// Shards of the new files (default: the directory's count, or one per CPU).
        #[arg(long, requires = "dir")]
        shards: Option<usize>,
        /// Replace the data of a directory that has some.
        #[arg(long, requires = "dir")]
        replace: bool,
        /// Host of a running server (default 127.0.0.1).
        #[arg(long, requires = "port")]
        host: Option<String>,
        /// Port of a running server: the data is sent as commands.
        #[arg(long)]
        port: Option<u16>,
    },
}

/// When the AOF is fsynced (`appendfsync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AppendFsync {
    /// After every write.
    Always,
    /// Once a second.
    #[default]
    EverySec,
    /// When the kernel decides.
    No,
}

impl AppendFsync {
    /// The redis.conf spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AppendFsync::Always => "always",
            AppendFsync::EverySec => "everysec",
            AppendFsync::No => "no",
        }
    }

    /// Parses the redis.conf spelling, any case.
    pub fn parse(s: &str) -> Option<AppendFsync> {
        FSYNC_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .map(fsync_from_index)
    }
}

/// A server's settings. Field names follow redis.conf with `_` for `-`.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// `port` (0 = pick a free one).
    pub port: u16,
    /// `bind`: addresses to listen on; empty = loopback.
    pub bind: Vec<String>,
    /// `shards`: executors; 0 = number of online CPUs (resolved by the server).
    pub shards: usize,
    /// `requirepass`; `None` = no password.
    pub requirepass: Option<String>,
    /// `databases`.
    pub databases: usize,
    /// `dir`: where the AOF files live.
    pub dir: PathBuf,
    /// `loglevel`: debug, verbose, notice or warning.
    pub loglevel: String,
    /// `protected-mode`.
    pub protected_mode: bool,
    /// `maxclients`.
    pub maxclients: usize,
    /// `proto-max-bulk-len`, bytes.
    pub proto_max_bulk_len: usize,
    /// `client-query-buffer-limit`, bytes.
    pub client_query_buffer_limit: usize,
    /// `appendonly`.
    pub appendonly: bool,
    /// `aof-load-corrupt`: load the good part of a corrupt file.
    pub aof_load_corrupt: bool,
    /// `appendfsync`.
    pub appendfsync: AppendFsync,
    /// `appendfilename`: base name of the AOF files.
    pub appendfilename: String,
    /// `auto-aof-rewrite-percentage`.
    pub auto_aof_rewrite_percentage: u32,
    /// `auto-aof-rewrite-min-size`, bytes.
    pub auto_aof_rewrite_min_size: u64,
    /// `maxmemory`, bytes; 0 = no limit.
    pub maxmemory: u64,
    /// `maxmemory-policy`, one of Redis's eight names.
    pub maxmemory_policy: String,
    /// `timeout`, seconds; 0 = never.
    pub timeout: u64,
    /// `hz`, kept within 1..=500 as Redis does.
    pub hz: u32,
    /// `save`, normalised to "seconds changes ..." ("" = none).
    pub save: String,
    /// `io-memory`: glommio io memory per executor, bytes.
    pub io_memory: usize,
    /// `conn-shards`: only the first N executors accept connections (0 =
    /// all). The others serve their shard to the mesh only: a deployment
    /// can keep network work off some cores, and a benchmark can make every
    /// key of a shard remote (docs/performance.md).
    pub conn_shards: usize,
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: usize,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: usize,
    /// `set-max-listpack-value`.
    pub set_max_listpack_value: usize,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: usize,
    /// `list-max-listpack-size` (negative = size class in KiB, as in Redis).
    pub list_max_listpack_size: i32,
    /// `stream-node-max-bytes` (0 = no limit).
    pub stream_node_max_bytes: usize,
    /// `stream-node-max-entries` (0 = no limit).
    pub stream_node_max_entries: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 6379,
            bind: vec!["127.0.0.1".into()],
            shards: 0,
            requirepass: None,
            databases: 16,
            dir: PathBuf::from("./ringkv-data"),
            loglevel: "notice".into(),
            protected_mode: true,
            maxclients: 10_000,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            appendonly: true,
            aof_load_corrupt: false,
            appendfsync: AppendFsync::EverySec,
            appendfilename: "appendonly.aof".into(),
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 << 20,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            timeout: 0,
            hz: 10,
            save: String::new(),
            io_memory: 256 * 1024,
            conn_shards: 0,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
        }
    }
}

impl Config {
    /// Defaults, then the `--config` file if given, then the flags.
    pub fn from_cli(cli: &Cli) -> Result<Config, String> {
        let mut c = Config::default();
        if let Some(path) = &cli.config {
            let bytes = std::fs::read(path).map_err(|e| {
                format!(
                    "Fatal error, can't open config file '{}': {e}",
                    path.display()
                )
            })?;
            c.apply_file_text(&String::from_utf8_lossy(&bytes))?;
        }
        if let Some(dir) = &cli.dir {
            if dir.as_os_str().is_empty() {
                return Err("Invalid --dir '': No such file or directory".into());
            }
            c.dir = dir.clone();
        }
        for (name, args) in cli.directives() {
            let invalid = |why: String| format!("Invalid --{name} '{}': {why}", args.join(" "));
            let (param, _) = lookup(name.as_bytes()).ok_or_else(|| invalid("unknown".into()))?;
            c.apply_directive(param, &args, &mut false)
                .map_err(invalid)?;
        }
        Ok(c)
    }

    /// Applies redis.conf-style text: one directive per line, `#` comments,
    /// arguments split as Redis does (quotes, `\x41` escapes), names in any
    /// case. Several `save` lines add up, as in Redis. The error names the
    /// line, in Redis's "FATAL CONFIG FILE ERROR" layout.
    pub fn apply_file_text(&mut self, text: &str) -> Result<(), String> {
        let mut save_seen = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |why: &str| {
                format!(
                    "*** FATAL CONFIG FILE ERROR (ringkv {}) ***\nReading the configuration file, \
                     at line {}\n>>> '{line}'\n{why}",
                    env!("CARGO_PKG_VERSION"),
                    i + 1
                )
            };
            let argv = split_args(line.as_bytes())
                .ok_or_else(|| fail("Unbalanced quotes in configuration line"))?;
            let Some((name, rest)) = argv.split_first() else {
                continue;
            };
            let (param, _) =
                lookup(name).ok_or_else(|| fail("Bad directive or wrong number of arguments"))?;
            let args: Vec<String> = rest.iter().map(|a| lossy(a)).collect();
            self.apply_directive(param, &args, &mut save_seen)
                .map_err(|why| fail(&why))?;
        }
        Ok(())
    }

    /// CONFIG GET for one pattern: Redis 7's rules. A name without `*`, `?`
    /// or `[` is looked up directly (any case; the reply echoes it as given);
    /// otherwise it is a case-insensitive glob over every name and alias.
    pub fn get(&self, pattern: &[u8]) -> Vec<(String, String)> {
        if !pattern.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) {
            return match lookup(pattern) {
                Some((p, _)) => vec![(lossy(pattern), self.value(p))],
                None => Vec::new(),
            };
        }
        let mut out = Vec::new();
        for p in PARAMS {
            for name in std::iter::once(p.name).chain(p.alias) {
                if glob_match(pattern, name.as_bytes(), true) {
                    out.push((name.to_string(), self.value(p)));
                }
            }
        }
        out
    }

    /// CONFIG SET of one parameter, with Redis 7's error texts. On error
    /// the configuration is unchanged. (Checking a whole multi-parameter
    /// CONFIG SET for duplicates, and applying it atomically, is the
    /// caller's: apply to a clone, keep it only if every pair succeeded.)
    pub fn set(&mut self, name: &[u8], value: &[u8]) -> Result<(), Error> {
        let given = lossy(name);
        let Some((param, matched)) = lookup(name) else {
            return Err(Error::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{given}'"
            )));
        };
        if !param.mutable {
            return Err(Error::err(format!(
                "CONFIG SET failed (possibly related to argument '{given}') - can't set immutable config"
            )));
        }
        let value = lossy(value);
        // Redis splits a multi-argument value on single spaces (sdssplitlen).
        let args: Vec<String> = match param.kind {
            Kind::Multi(..) if value.is_empty() => Vec::new(),
            Kind::Multi(..) => value.split(' ').map(str::to_string).collect(),
            _ => vec![value],
        };
        self.apply_value(param, &args).map_err(|why| {
            Error::err(format!(
                "CONFIG SET failed (possibly related to argument '{matched}') - {why}"
            ))
        })
    }

    /// One directive from a file line or a flag. `save_seen` makes later
    /// `save` lines of the same file add to the first, as Redis does.
    fn apply_directive(
        &mut self,
        param: &Param,
        args: &[String],
        save_seen: &mut bool,
    ) -> Result<(), String> {
        let Kind::Multi(..) = param.kind else {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            return self.apply_value(param, args);
        };
        // A single non-empty argument is split again ("--save '900 1'").
        let split;
        let args = match args {
            [one] if !one.is_empty() => {
                split = split_args(one.as_bytes())
                    .ok_or("Unbalanced quotes in configuration line")?
                    .iter()
                    .map(|a| lossy(a))
                    .collect::<Vec<_>>();
                &split[..]
            }
            _ => args,
        };
        let before = self.save.clone();
        self.apply_value(param, args)?;
        if param.name == "save" {
            if *save_seen && !before.is_empty() && !self.save.is_empty() {
                self.save = format!("{before} {}", self.save);
            }
            *save_seen = true;
        }
        Ok(())
    }

    /// Parses `args` for `param` and stores the value, or says why not
    /// (Redis's wording). Nothing is stored on error.
    fn apply_value(&mut self, param: &Param, args: &[String]) -> Result<(), String> {
        let one = || args.first().map(String::as_str).unwrap_or("");
        match param.kind {
            Kind::Bool(_, set) => match yes_no(one()) {
                Some(b) => set(self, b),
                None => return Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int {
                min,
                max,
                memory,
                set,
                ..
            } => {
                let v = if memory {
                    parse_memory(one().as_bytes())
                        .map(i128::from)
                        .ok_or("argument must be a memory value")?
                } else {
                    crate::num::parse_i64(one().as_bytes())
                        .map(i128::from)
                        .ok_or("argument couldn't be parsed into an integer")?
                };
                if v < min || v > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                set(self, v);
            }
            Kind::Enum(names, _, set) => {
                match names.iter().position(|n| n.eq_ignore_ascii_case(one())) {
                    Some(i) => set(self, i),
                    None => {
                        return Err(format!(
                            "argument(s) must be one of the following: {}",
                            names.join(", ")
                        ))
                    }
                }
            }
            Kind::Str(_, set) | Kind::Multi(_, set) => set(self, args)?,
            Kind::Fixed(v) => {
                if !one().eq_ignore_ascii_case(v) {
                    return Err(format!("ringkv supports only '{v}' here"));
                }
            }
        }
        Ok(())
    }

    /// A parameter's value as CONFIG GET shows it.
    fn value(&self, p: &Param) -> String {
        match p.kind {
            Kind::Bool(get, _) => if get(self) { "yes" } else { "no" }.to_string(),
            Kind::Int { get, .. } => get(self).to_string(),
            Kind::Enum(_, get, _) => get(self).to_string(),
            Kind::Str(get, _) | Kind::Multi(get, _) => get(self),
            Kind::Fixed(v) => v.to_string(),
        }
    }
}

impl Cli {
    /// The given server flags as (parameter name, arguments), in table
    /// order, for the same checks a file line gets (`--dir` aside).
    fn directives(&self) -> Vec<(&'static str, Vec<String>)> {
        fn one(v: impl ToString) -> Vec<String> {
            vec![v.to_string()]
        }
        let yn = |b: bool| one(if b { "yes" } else { "no" });
        let d: Vec<(&'static str, Option<Vec<String>>)> = vec![
            ("port", self.port.map(one)),
            (
                "bind",
                self.bind.as_ref().map(|v| {
                    v.iter()
                        .flat_map(|a| a.split_whitespace())
                        .map(String::from)
                        .collect()
                }),
            ),
            ("shards", self.shards.map(one)),
            ("requirepass", self.requirepass.clone().map(one)),
            ("databases", self.databases.map(one)),
            ("loglevel", self.loglevel.clone().map(one)),
            ("protected-mode", self.protected_mode.map(yn)),
            ("maxclients", self.maxclients.map(one)),
            ("proto-max-bulk-len", self.proto_max_bulk_len.map(one)),
            (
                "client-query-buffer-limit",
                self.client_query_buffer_limit.map(one),
            ),
            ("appendonly", self.appendonly.map(yn)),
            ("appendfsync", self.appendfsync.map(|f| one(f.as_str()))),
            ("aof-load-corrupt", self.aof_load_corrupt.map(yn)),
            ("maxmemory", self.maxmemory.map(one)),
            ("maxmemory-policy", self.maxmemory_policy.clone().map(one)),
            ("timeout", self.timeout.map(one)),
            ("hz", self.hz.map(one)),
            ("save", self.save.clone()),
            ("io-memory", self.io_memory.map(one)),
            ("conn-shards", self.conn_shards.map(one)),
        ];
        d.into_iter().filter_map(|(n, v)| Some((n, v?))).collect()
    }
}

/// How a parameter is parsed and shown.
#[derive(Clone, Copy)]
enum Kind {
    /// yes / no.
    Bool(fn(&Config) -> bool, fn(&mut Config, bool)),
    /// An integer within Redis's bounds; `memory` takes units (5k, 1gb).
    Int {
        min: i128,
        max: i128,
        memory: bool,
        get: fn(&Config) -> i128,
        set: fn(&mut Config, i128),
    },
    /// One of a fixed list of names, any case.
    Enum(
        &'static [&'static str],
        fn(&Config) -> &str,
        fn(&mut Config, usize),
    ),
    /// A single string argument with its own checks.
    Str(fn(&Config) -> String, SetArgs),
    /// Any number of arguments (Redis's MULTI_ARG_CONFIG).
    Multi(fn(&Config) -> String, SetArgs),
    /// A value ringkv reports but does not let anyone change.
    Fixed(&'static str),
}

type SetArgs = fn(&mut Config, &[String]) -> Result<(), String>;

struct Param {
    name: &'static str,
    alias: Option<&'static str>,
    mutable: bool,
    kind: Kind,
}

const INT_MAX: i128 = i32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;

const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
// Redis's order (config.c), which its error text lists.
const FSYNC_NAMES: &[&str] = &["everysec", "always", "no"];
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

fn fsync_from_index(i: usize) -> AppendFsync {
    match i {
        1 => AppendFsync::Always,
        2 => AppendFsync::No,
        _ => AppendFsync::EverySec,
    }
}

const MUT: bool = true;
const IMM: bool = false;
const MEM: bool = true;
const NUM: bool = false;

/// A parameter with no alias.
const fn param(name: &'static str, mutable: bool, kind: Kind) -> Param {
    Param {
        name,
        alias: None,
        mutable,
        kind,
    }
}

/// An integer parameter over one field:
/// `int!(name [| alias], field: type, min, max, NUM|MEM, MUT|IMM)`.
macro_rules! int {
    ($name:literal $(| $alias:literal)?, $field:ident: $ty:ty, $min:expr, $max:expr, $mem:expr, $mutable:expr) => {
        Param {
            name: $name,
            alias: [$(Some($alias),)? None][0],
            mutable: $mutable,
            kind: Kind::Int {
                min: $min,
                max: $max,
                memory: $mem,
                get: |c| c.$field as i128,
                set: |c, v| c.$field = v as $ty,
            },
        }
    };
}

/// Every parameter, in the order CONFIG GET lists them. Bounds are Redis's
/// (config.c), except for ringkv's own `shards` and `io-memory`.
#[rustfmt::skip]
static PARAMS: &[Param] = &[
    int!("port", port: u16, 0, 65535, NUM, IMM),
    param("bind", IMM, Kind::Multi(|c| c.bind.join(" "), set_bind)),
    int!("shards", shards: usize, 0, 4096, NUM, IMM),
    param("requirepass", MUT, Kind::Str(|c| c.requirepass.clone().unwrap_or_default(), set_requirepass)),
    int!("databases", databases: usize, 1, INT_MAX, NUM, IMM),
    param("dir", IMM, Kind::Str(|c| absolute(&c.dir), set_dir)),
    param("loglevel", MUT, Kind::Enum(LOGLEVELS, |c| &c.loglevel, |c, i| c.loglevel = LOGLEVELS[i].into())),
    param("protected-mode", MUT, Kind::Bool(|c| c.protected_mode, |c, b| c.protected_mode = b)),
    int!("maxclients", maxclients: usize, 1, u32::MAX as i128, NUM, MUT),
    int!("proto-max-bulk-len", proto_max_bulk_len: usize, 1 << 20, LONG_MAX, MEM, MUT),
    int!("client-query-buffer-limit", client_query_buffer_limit: usize, 1 << 20, LONG_MAX, MEM, MUT),
    param("appendonly", MUT, Kind::Bool(|c| c.appendonly, |c, b| c.appendonly = b)),
    param("aof-load-corrupt", MUT, Kind::Bool(|c| c.aof_load_corrupt, |c, b| c.aof_load_corrupt = b)),
    param("appendfsync", MUT, Kind::Enum(FSYNC_NAMES, |c| c.appendfsync.as_str(), |c, i| c.appendfsync = fsync_from_index(i))),
    param("appendfilename", IMM, Kind::Str(|c| c.appendfilename.clone(), set_appendfilename)),
    int!("auto-aof-rewrite-percentage", auto_aof_rewrite_percentage: u32, 0, INT_MAX, NUM, MUT),
    int!("auto-aof-rewrite-min-size", auto_aof_rewrite_min_size: u64, 0, LONG_MAX, MEM, MUT),
    int!("maxmemory", maxmemory: u64, 0, u64::MAX as i128, MEM, MUT),
    param("maxmemory-policy", MUT, Kind::Enum(POLICIES, |c| &c.maxmemory_policy, |c, i| c.maxmemory_policy = POLICIES[i].into())),
    int!("timeout", timeout: u64, 0, INT_MAX, NUM, MUT),
    // Redis takes 0..INT_MAX, then clamps to 1..=500 (updateHZ).
    param("hz", MUT, Kind::Int { min: 0, max: INT_MAX, memory: NUM, get: |c| c.hz.into(), set: |c, v| c.hz = v.clamp(1, 500) as u32 }),
    param("save", MUT, Kind::Multi(|c| c.save.clone(), set_save)),
    int!("io-memory", io_memory: usize, 4096, 1 << 32, MEM, IMM),
    int!("conn-shards", conn_shards: usize, 0, 1 << 16, NUM, IMM),
    int!("hash-max-listpack-entries" | "hash-max-ziplist-entries", hash_max_listpack_entries: usize, 0, LONG_MAX, NUM, MUT),
    int!("hash-max-listpack-value" | "hash-max-ziplist-value", hash_max_listpack_value: usize, 0, LONG_MAX, MEM, MUT),
    int!("set-max-intset-entries", set_max_intset_entries: usize, 0, LONG_MAX, NUM, MUT),
    int!("set-max-listpack-entries", set_max_listpack_entries: usize, 0, LONG_MAX, NUM, MUT),
    int!("set-max-listpack-value", set_max_listpack_value: usize, 0, LONG_MAX, NUM, MUT),
    int!("zset-max-listpack-entries" | "zset-max-ziplist-entries", zset_max_listpack_entries: usize, 0, LONG_MAX, NUM, MUT),
    int!("zset-max-listpack-value" | "zset-max-ziplist-value", zset_max_listpack_value: usize, 0, LONG_MAX, MEM, MUT),
    int!("list-max-listpack-size" | "list-max-ziplist-size", list_max_listpack_size: i32, i32::MIN as i128, INT_MAX, NUM, MUT),
    int!("stream-node-max-entries", stream_node_max_entries: usize, 0, LONG_MAX, NUM, MUT),
    int!("stream-node-max-bytes", stream_node_max_bytes: usize, 0, LONG_MAX, MEM, MUT),
    param("tcp-keepalive", IMM, Kind::Fixed("300")),
    param("io-threads", IMM, Kind::Fixed("1")),
    param("cluster-enabled", IMM, Kind::Fixed("no")),
    param("daemonize", IMM, Kind::Fixed("no")),
];

/// The parameter called `name` (any case, alias included) and the table
/// spelling that matched.
fn lookup(name: &[u8]) -> Option<(&'static Param, &'static str)> {
    PARAMS.iter().find_map(|p| {
        std::iter::once(p.name)
            .chain(p.alias)
            .find(|n| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|n| (p, n))
    })
}

fn set_bind(c: &mut Config, args: &[String]) -> Result<(), String> {
    if args.len() > 16 {
        return Err("Too many bind addresses specified.".into());
    }
    c.bind = match args {
        [one] if one.is_empty() => Vec::new(),
        _ => args.to_vec(),
    };
    Ok(())
}

fn set_requirepass(c: &mut Config, args: &[String]) -> Result<(), String> {
    let pass = args.first().cloned().unwrap_or_default();
    c.requirepass = if pass.is_empty() { None } else { Some(pass) };
    Ok(())
}

fn set_dir(c: &mut Config, args: &[String]) -> Result<(), String> {
    match args.first() {
        Some(d) if !d.is_empty() => {
            c.dir = PathBuf::from(d);
            Ok(())
        }
        _ => Err("No such file or directory".into()),
    }
}

fn set_appendfilename(c: &mut Config, args: &[String]) -> Result<(), String> {
    let name = args.first().map(String::as_str).unwrap_or("");
    if name.is_empty() {
        return Err("appendfilename can't be empty".into());
    }
    if name.contains('/') || name == "." || name == ".." {
        return Err("appendfilename can't be a path, just a filename".into());
    }
    c.appendfilename = name.to_string();
    Ok(())
}

/// Redis's `save` check: pairs of seconds >= 1 and changes >= 0; a single
/// "" means none. Stored normalised ("3600 1 300 100").
fn set_save(c: &mut Config, args: &[String]) -> Result<(), String> {
    let args = match args {
        [one] if one.is_empty() => &[][..],
        _ => args,
    };
    if args.len() % 2 == 1 {
        return Err("Invalid save parameters".into());
    }
    let mut out = Vec::with_capacity(args.len());
    for (i, a) in args.iter().enumerate() {
        let v: i64 = a.parse().map_err(|_| "Invalid save parameters")?;
        if v < if i % 2 == 0 { 1 } else { 0 } {
            return Err("Invalid save parameters".into());
        }
        out.push(v.to_string());
    }
    c.save = out.join(" ");
    Ok(())
}

/// `dir` as Redis shows it: absolute (Redis reports its working directory).
fn absolute(dir: &Path) -> String {
    dir.canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn yes_no(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

fn parse_yes_no(s: &str) -> Result<bool, String> {
    yes_no(s).ok_or_else(|| "argument must be 'yes' or 'no'".into())
}

fn parse_fsync(s: &str) -> Result<AppendFsync, String> {
    AppendFsync::parse(s).ok_or_else(|| {
        format!(
            "argument(s) must be one of the following: {}",
            FSYNC_NAMES.join(", ")
        )
    })
}

fn parse_memory_arg(s: &str) -> Result<u64, String> {
    parse_memory(s.as_bytes()).ok_or_else(|| "argument must be a memory value".into())
}

/// Redis's `memtoull`: digits and an optional unit, any case: b, k (1000),
/// kb (1024), m, mb, g, gb. Quirks kept: no digits reads as 0 (`""`,
/// `"mb"`), and a number too long for 64 bits saturates before the unit.
pub fn parse_memory(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &s[digits..];
    let mul: u64 = [
        (&b""[..], 1),
        (b"b", 1),
        (b"k", 1000),
        (b"kb", 1024),
        (b"m", 1000 * 1000),
        (b"mb", 1024 * 1024),
        (b"g", 1000 * 1000 * 1000),
        (b"gb", 1024 * 1024 * 1024),
    ]
    .iter()
    .find(|(u, _)| u.eq_ignore_ascii_case(unit))
    .map(|&(_, m)| m)?;
    if digits >= 128 {
        return None;
    }
    // strtoull: saturates on overflow.
    let val = s[..digits].iter().fold(0u64, |v, d| {
        v.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    val.checked_mul(mul)
}

/// Splits a line like Redis's `sdssplitargs` (the inline-command rule);
/// C stops a string at a NUL, so the line is cut there first. `None` for
/// unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
    crate::resp::parse::split_owned(line)
}

/// The run-time configuration of one server instance, shared by all its
/// executor threads (several servers may share a process, so no globals).
///
/// Readers cache the `Arc<Config>` with its generation and reload only
/// when `generation()` moves, so the hot path is one atomic load.
#[derive(Debug)]
pub struct SharedConfig {
    current: RwLock<Arc<Config>>,
    generation: AtomicU64,
}

impl SharedConfig {
    /// Wraps `c` as generation 0.
    pub fn new(c: Config) -> Arc<SharedConfig> {
        Arc::new(SharedConfig {
            current: RwLock::new(Arc::new(c)),
            generation: AtomicU64::new(0),
        })
    }

    /// The current configuration.
    pub fn load(&self) -> Arc<Config> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Bumped by every update. Read it *before* `load` when caching, or use
    /// `load_with_generation`, so a cached pair is never newer-numbered
    /// than its contents.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current configuration and its generation, read consistently.
    pub fn load_with_generation(&self) -> (Arc<Config>, u64) {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        (guard.clone(), self.generation.load(Ordering::Acquire))
    }

    /// Runs `f` on a copy of the configuration, publishes the copy and bumps
    /// the generation. Updates are serialised; `load` waits while `f` runs
    /// (keep it short), cached readers do not.
    pub fn update<R>(&self, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut slot = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = Config::clone(&slot);
        let r = f(&mut next);
        *slot = Arc::new(next);
        self.generation.fetch_add(1, Ordering::AcqRel);
        r
    }

    /// Like `update`, but publishes only if `f` succeeds: all-or-nothing
    /// CONFIG SET of several parameters.
    pub fn try_update<R, E>(&self, f: impl FnOnce(&mut Config) -> Result<R, E>) -> Result<R, E> {
        let mut slot = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = Config::clone(&slot);
        let r = f(&mut next)?;
        *slot = Arc::new(next);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn get1(c: &Config, name: &str) -> String {
        let v = c.get(name.as_bytes());
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        v[0].1.clone()
    }

    fn set_err(c: &mut Config, name: &str, value: &str) -> String {
        let before = c.clone();
        let e = c
            .set(name.as_bytes(), value.as_bytes())
            .expect_err("set should fail");
        assert_eq!(*c, before, "a failed set changed the config");
        e.to_string()
    }

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ringkv").chain(args.iter().copied()))
            .expect("flags parse")
    }

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.port, 6379);
        assert_eq!(c.bind, vec!["127.0.0.1"]);
        assert_eq!(c.shards, 0);
        assert_eq!(c.requirepass, None);
        assert_eq!(c.databases, 16);
        assert_eq!(c.dir, PathBuf::from("./ringkv-data"));
        assert!(c.protected_mode && c.appendonly);
        assert_eq!(c.appendfsync, AppendFsync::EverySec);
        assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
        assert_eq!(c.client_query_buffer_limit, 1024 * 1024 * 1024);
        assert_eq!(c.io_memory, 256 * 1024);
        assert_eq!(c.list_max_listpack_size, -2);
        assert_eq!(Config::from_cli(&Cli::default()), Ok(Config::default()));
        for (name, want) in [
            ("port", "6379"),
            ("bind", "127.0.0.1"),
            ("databases", "16"),
            ("maxclients", "10000"),
            ("appendonly", "yes"),
            ("appendfsync", "everysec"),
            ("appendfilename", "appendonly.aof"),
            ("save", ""),
            ("timeout", "0"),
            ("hz", "10"),
            ("requirepass", ""),
            ("protected-mode", "yes"),
            ("maxmemory", "0"),
            ("maxmemory-policy", "noeviction"),
            ("proto-max-bulk-len", "536870912"),
            ("client-query-buffer-limit", "1073741824"),
            ("auto-aof-rewrite-percentage", "100"),
            ("auto-aof-rewrite-min-size", "67108864"),
            ("hash-max-listpack-entries", "128"),
            ("hash-max-ziplist-value", "64"),
            ("set-max-intset-entries", "512"),
            ("set-max-listpack-entries", "128"),
            ("set-max-listpack-value", "64"),
            ("zset-max-listpack-entries", "128"),
            ("zset-max-listpack-value", "64"),
            ("list-max-listpack-size", "-2"),
            ("stream-node-max-bytes", "4096"),
            ("stream-node-max-entries", "100"),
            ("loglevel", "notice"),
            ("tcp-keepalive", "300"),
            ("io-threads", "1"),
            ("cluster-enabled", "no"),
            ("daemonize", "no"),
            ("shards", "0"),
            ("io-memory", "262144"),
        ] {
            assert_eq!(get1(&c, name), want, "{name}");
        }
    }

    #[test]
    fn file_parsing() {
        let mut c = Config::default();
        let text = "# a comment\n\
                    \n\
                    \t  # indented comment\n\
                    PORT 7000\r\n\
                    bind 0.0.0.0   ::1\n\
                    requirepass \"s3cr et\\x21\"\n\
                    Protected-Mode no\n\
                    maxmemory 100MB\n\
                    appendfsync ALWAYS\n\
                    loglevel 'warning'\n\
                    dir /var/lib/ringkv\n\
                    save 900 1\n\
                    save \"300 10\"\n\
                    hash-max-ziplist-entries 7\n\
                    list-max-ziplist-size -1\n\
                    hz 100000\n\
                    daemonize no\n";
        c.apply_file_text(text).expect("parses");
        assert_eq!(c.port, 7000);
        assert_eq!(c.bind, vec!["0.0.0.0", "::1"]);
        assert_eq!(c.requirepass.as_deref(), Some("s3cr et!"));
        assert!(!c.protected_mode);
        assert_eq!(c.maxmemory, 100 << 20);
        assert_eq!(c.appendfsync, AppendFsync::Always);
        assert_eq!(c.loglevel, "warning");
        assert_eq!(c.dir, PathBuf::from("/var/lib/ringkv"));
        assert_eq!(c.save, "900 1 300 10", "save lines add up");
        assert_eq!(c.hash_max_listpack_entries, 7);
        assert_eq!(c.list_max_listpack_size, -1);
        assert_eq!(c.hz, 500, "hz is clamped");
        // A later `save ""` clears them all; requirepass "" removes it.
        c.apply_file_text("save \"\"\nrequirepass \"\"\nbind \"\"")
            .expect("parses");
        assert_eq!(c.save, "");
        assert_eq!(c.requirepass, None);
        assert!(c.bind.is_empty());
        // A new file starts `save` afresh.
        c.apply_file_text("save 60 10000").expect("parses");
        c.apply_file_text("save 3600 1").expect("parses");
        assert_eq!(c.save, "3600 1");
    }

    #[test]
    fn file_errors_name_the_line() {
        let cases = [
            (
                "port 1\nbogus-directive 1\n",
                2,
                "bogus-directive 1",
                "Bad directive or wrong number of arguments",
            ),
            ("\n\nport 1 2", 3, "port 1 2", "wrong number of arguments"),
            ("port", 1, "port", "wrong number of arguments"),
            (
                "# c\nappendonly maybe",
                2,
                "appendonly maybe",
                "argument must be 'yes' or 'no'",
            ),
            (
                "port abc",
                1,
                "port abc",
                "argument couldn't be parsed into an integer",
            ),
            (
                "port 70000",
                1,
                "port 70000",
                "argument must be between 0 and 65535 inclusive",
            ),
            (
                "maxmemory 1tb",
                1,
                "maxmemory 1tb",
                "argument must be a memory value",
            ),
            (
                "requirepass \"abc",
                1,
                "requirepass \"abc",
                "Unbalanced quotes in configuration line",
            ),
            (
                "requirepass \"a\"b",
                1,
                "requirepass \"a\"b",
                "Unbalanced quotes in configuration line",
            ),
            ("save 900", 1, "save 900", "Invalid save parameters"),
            ("save 0 1", 1, "save 0 1", "Invalid save parameters"),
            (
                "appendfsync sometimes",
                1,
                "appendfsync sometimes",
                "argument(s) must be one of the following: everysec, always, no",
            ),
            (
                "include other.conf",
                1,
                "include other.conf",
                "Bad directive or wrong number of arguments",
            ),
            (
                "cluster-enabled yes",
                1,
                "cluster-enabled yes",
                "ringkv supports only 'no' here",
            ),
            (
                "appendfilename a/b",
                1,
                "appendfilename a/b",
                "appendfilename can't be a path, just a filename",
            ),
        ];
        for (text, line, shown, why) in cases {
            let mut c = Config::default();
            let e = c.apply_file_text(text).expect_err(text);
            assert!(e.contains("FATAL CONFIG FILE ERROR"), "{e}");
            assert!(e.contains(&format!("at line {line}\n")), "{e}");
            assert!(e.contains(&format!(">>> '{shown}'\n")), "{e}");
            assert!(e.ends_with(why), "{e}");
        }
    }

    #[test]
    fn flags() {
        let c = cli(&[
            "--port",
            "7001",
            "--bind",
            "127.0.0.1",
            "::1",
            "--shards",
            "4",
            "--requirepass",
            "pw",
            "--databases",
            "4",
            "--dir",
            "/tmp/x",
            "--loglevel",
            "debug",
            "--protected-mode",
            "no",
            "--maxclients",
            "50",
            "--appendonly",
            "no",
            "--appendfsync",
            "always",
            "--maxmemory",
            "1gb",
            "--maxmemory-policy",
            "allkeys-lru",
            "--proto-max-bulk-len",
            "2mb",
            "--client-query-buffer-limit",
            "4mb",
            "--timeout",
            "30",
            "--hz",
            "20",
            "--save",
            "",
            "--io-memory",
            "64k",
        ]);
        let c = Config::from_cli(&c).expect("valid");
        assert_eq!(c.port, 7001);
        assert_eq!(c.bind, vec!["127.0.0.1", "::1"]);
        assert_eq!((c.shards, c.databases, c.maxclients), (4, 4, 50));
        assert_eq!(c.requirepass.as_deref(), Some("pw"));
        assert_eq!(c.dir, PathBuf::from("/tmp/x"));
        assert_eq!(c.loglevel, "debug");
        assert!(!c.protected_mode && !c.appendonly);
        assert_eq!(c.appendfsync, AppendFsync::Always);
        assert_eq!(c.maxmemory, 1 << 30);
        assert_eq!(c.maxmemory_policy, "allkeys-lru");
        assert_eq!(c.proto_max_bulk_len, 2 << 20);
        assert_eq!(c.client_query_buffer_limit, 4 << 20);
        assert_eq!((c.timeout, c.hz), (30, 20));
        assert_eq!(c.save, "");
        assert_eq!(c.io_memory, 64_000);
        assert_eq!(c.get(b"save"), vec![("save".to_string(), String::new())]);

        let c = Config::from_cli(&cli(&["--bind", "10.0.0.1 10.0.0.2", "--save", "900", "1"]));
        let c = c.expect("valid");
        assert_eq!(c.bind, vec!["10.0.0.1", "10.0.0.2"]);
        assert_eq!(c.save, "900 1");
        assert_eq!(
            Config::from_cli(&cli(&["--save", "900 1 300 10"])).map(|c| c.save),
            Ok("900 1 300 10".into())
        );
    }

    #[test]
    fn flag_errors() {
        for bad in [
            &["--protected-mode", "maybe"][..],
            &["--appendfsync", "sometimes"],
            &["--maxmemory", "1tb"],
            &["--port", "70000"],
            &["--port", "x"],
            &["--nonsense", "1"],
        ] {
            assert!(
                Cli::try_parse_from(std::iter::once("ringkv").chain(bad.iter().copied())).is_err(),
                "{bad:?}"
            );
        }
        let e = Config::from_cli(&cli(&["--databases", "0"])).expect_err("0 databases");
        assert_eq!(
            e,
            "Invalid --databases '0': argument must be between 1 and 2147483647 inclusive"
        );
        let e = Config::from_cli(&cli(&["--loglevel", "loud"])).expect_err("bad level");
        assert!(
            e.ends_with("one of the following: debug, verbose, notice, warning"),
            "{e}"
        );
        let e = Config::from_cli(&cli(&["--proto-max-bulk-len", "1k"])).expect_err("too small");
        assert!(e.contains("between 1048576 and 9223372036854775807"), "{e}");
        let e =
            Config::from_cli(&cli(&["--config", "/nonexistent/ringkv.conf"])).expect_err("no file");
        assert!(
            e.starts_with("Fatal error, can't open config file '/nonexistent/ringkv.conf'"),
            "{e}"
        );
        assert_eq!(Config::from_cli(&cli(&["--hz", "0"])).map(|c| c.hz), Ok(1));
    }

    #[test]
    fn flags_win_over_file() {
        let path =
            std::env::temp_dir().join(format!("ringkv-config-test-{}.conf", std::process::id()));
        std::fs::write(
            &path,
            "port 6380\nmaxmemory 10mb\nappendonly no\nrequirepass fromfile\n",
        )
        .expect("temp file");
        let p = path.to_string_lossy().into_owned();
        let c = Config::from_cli(&cli(&[
            "--config",
            &p,
            "--port",
            "7000",
            "--requirepass",
            "",
        ]));
        std::fs::remove_file(&path).ok();
        let c = c.expect("valid");
        assert_eq!(c.port, 7000, "flag wins");
        assert_eq!(c.maxmemory, 10 << 20, "file value kept");
        assert!(!c.appendonly);
        assert_eq!(
            c.requirepass, None,
            "an empty flag clears the file's password"
        );
    }

    #[test]
    fn subcommands() {
        assert_eq!(cli(&[]).command, None);
        assert_eq!(
            cli(&["check-aof", "/d", "--fix"]).command,
            Some(Command::CheckAof {
                dir: "/d".into(),
                fix: true
            })
        );
        assert_eq!(
            cli(&["--port", "1", "export", "/d"]).command,
            Some(Command::Export {
                dir: "/d".into(),
                format: "json".into(),
                output: None
            })
        );
        assert_eq!(
            cli(&["import", "f.json", "--dir", "/d", "--shards", "2"]).command,
            Some(Command::Import {
                file: "f.json".into(),
                dir: Some("/d".into()),
                shards: Some(2),
                replace: false,
                host: None,
                port: None
            })
        );
        assert_eq!(
            cli(&["--port", "1", "import", "f.json", "--port", "7"]).command,
            Some(Command::Import {
                file: "f.json".into(),
                dir: None,
                shards: None,
                replace: false,
                host: None,
                port: Some(7)
            })
        );
    }

    #[test]
    fn get_patterns() {
        let mut c = Config {
            requirepass: Some("pw".into()),
            bind: vec!["127.0.0.1".into(), "::1".into()],
            ..Config::default()
        };
        let all = c.get(b"*");
        let aliases = PARAMS.iter().filter(|p| p.alias.is_some()).count();
        assert_eq!(all.len(), PARAMS.len() + aliases);
        for name in [
            "maxclients",
            "databases",
            "port",
            "bind",
            "dir",
            "appendonly",
            "save",
            "timeout",
            "requirepass",
            "protected-mode",
            "tcp-keepalive",
            "io-threads",
            "cluster-enabled",
            "hash-max-ziplist-entries",
            "list-max-ziplist-size",
        ] {
            assert!(all.iter().any(|(n, _)| n == name), "{name}");
        }
        let names = |p: &str| {
            let mut v: Vec<String> = c.get(p.as_bytes()).into_iter().map(|(n, _)| n).collect();
            v.sort();
            v
        };
        assert_eq!(
            names("max*"),
            vec!["maxclients", "maxmemory", "maxmemory-policy"]
        );
        assert_eq!(
            names("MAX*"),
            names("max*"),
            "patterns are case-insensitive"
        );
        assert_eq!(
            names("*max-ziplist-*"),
            vec![
                "hash-max-ziplist-entries",
                "hash-max-ziplist-value",
                "list-max-ziplist-size",
                "zset-max-ziplist-entries",
                "zset-max-ziplist-value",
            ]
        );
        assert_eq!(names("appendfsyn?"), vec!["appendfsync"]);
        assert_eq!(names("[pb]o*"), vec!["port"]);
        assert!(c.get(b"nosuch").is_empty());
        assert!(c.get(b"nosuch*").is_empty());
        assert!(c.get(b"").is_empty());
        // An exact name echoes the spelling it was asked with.
        assert_eq!(
            c.get(b"MaxClients"),
            vec![("MaxClients".to_string(), "10000".to_string())]
        );
        assert_eq!(get1(&c, "bind"), "127.0.0.1 ::1");
        assert_eq!(get1(&c, "requirepass"), "pw");
        let dir = get1(&c, "dir");
        assert!(
            Path::new(&dir).is_absolute() && dir.ends_with("ringkv-data") && !dir.contains("/./"),
            "{dir}"
        );
        c.dir = "/abs/dir".into();
        assert_eq!(get1(&c, "dir"), "/abs/dir");
    }

    #[test]
    fn set_valid() {
        let mut c = Config::default();
        let ok = |c: &mut Config, n: &str, v: &str| c.set(n.as_bytes(), v.as_bytes()).expect(n);
        ok(&mut c, "maxmemory", "1gb");
        assert_eq!(get1(&c, "maxmemory"), "1073741824");
        ok(&mut c, "MAXMEMORY", "5k");
        assert_eq!(c.maxmemory, 5000);
        ok(&mut c, "maxmemory", "");
        assert_eq!(c.maxmemory, 0, "memtoull reads no digits as 0");
        ok(&mut c, "appendfsync", "ALWAYS");
        assert_eq!(get1(&c, "appendfsync"), "always");
        ok(&mut c, "appendonly", "No");
        assert_eq!(get1(&c, "appendonly"), "no");
        ok(&mut c, "protected-mode", "no");
        ok(&mut c, "loglevel", "Warning");
        assert_eq!(c.loglevel, "warning");
        ok(&mut c, "maxmemory-policy", "ALLKEYS-LRU");
        assert_eq!(get1(&c, "maxmemory-policy"), "allkeys-lru");
        ok(&mut c, "requirepass", "secret");
        assert_eq!(c.requirepass.as_deref(), Some("secret"));
        ok(&mut c, "requirepass", "");
        assert_eq!(c.requirepass, None);
        ok(&mut c, "save", "900 1 300 10");
        assert_eq!(get1(&c, "save"), "900 1 300 10");
        ok(&mut c, "save", "");
        assert_eq!(c.save, "");
        ok(&mut c, "hz", "1000");
        assert_eq!(get1(&c, "hz"), "500");
        ok(&mut c, "timeout", "300");
        ok(&mut c, "maxclients", "4294967295");
        ok(&mut c, "proto-max-bulk-len", "1mb");
        assert_eq!(c.proto_max_bulk_len, 1 << 20);
        ok(&mut c, "client-query-buffer-limit", "2gb");
        ok(&mut c, "hash-max-ziplist-entries", "10");
        assert_eq!(get1(&c, "hash-max-listpack-entries"), "10");
        ok(&mut c, "list-max-listpack-size", "-5");
        ok(&mut c, "zset-max-listpack-value", "1kb");
        assert_eq!(c.zset_max_listpack_value, 1024);
        ok(&mut c, "auto-aof-rewrite-min-size", "128mb");
        ok(&mut c, "auto-aof-rewrite-percentage", "0");
    }

    #[test]
    fn set_error_texts() {
        let mut c = Config::default();
        assert_eq!(
            set_err(&mut c, "NoSuchThing", "1"),
            "ERR Unknown option or number of arguments for CONFIG SET - 'NoSuchThing'"
        );
        for name in [
            "port",
            "BIND",
            "databases",
            "shards",
            "dir",
            "io-memory",
            "daemonize",
            "appendfilename",
            "cluster-enabled",
            "io-threads",
            "tcp-keepalive",
        ] {
            assert_eq!(
                set_err(&mut c, name, "1"),
                format!("ERR CONFIG SET failed (possibly related to argument '{name}') - can't set immutable config")
            );
        }
        let fail = |n: &str, why: &str| {
            format!("ERR CONFIG SET failed (possibly related to argument '{n}') - {why}")
        };
        assert_eq!(
            set_err(&mut c, "appendonly", "maybe"),
            fail("appendonly", "argument must be 'yes' or 'no'")
        );
        assert_eq!(
            set_err(&mut c, "Protected-Mode", "1"),
            fail("protected-mode", "argument must be 'yes' or 'no'")
        );
        assert_eq!(
            set_err(&mut c, "timeout", "abc"),
            fail("timeout", "argument couldn't be parsed into an integer")
        );
        assert_eq!(
            set_err(&mut c, "timeout", "1.5"),
            fail("timeout", "argument couldn't be parsed into an integer")
        );
        assert_eq!(
            set_err(&mut c, "timeout", "010"),
            fail("timeout", "argument couldn't be parsed into an integer")
        );
        assert_eq!(
            set_err(&mut c, "timeout", "-1"),
            fail(
                "timeout",
                "argument must be between 0 and 2147483647 inclusive"
            )
        );
        assert_eq!(
            set_err(&mut c, "maxclients", "0"),
            fail(
                "maxclients",
                "argument must be between 1 and 4294967295 inclusive"
            )
        );
        assert_eq!(
            set_err(&mut c, "maxmemory", "-1"),
            fail("maxmemory", "argument must be a memory value")
        );
        assert_eq!(
            set_err(&mut c, "maxmemory", "1.5gb"),
            fail("maxmemory", "argument must be a memory value")
        );
        assert_eq!(
            set_err(&mut c, "maxmemory", "100mbb"),
            fail("maxmemory", "argument must be a memory value")
        );
        assert_eq!(
            set_err(&mut c, "proto-max-bulk-len", "1000"),
            fail(
                "proto-max-bulk-len",
                "argument must be between 1048576 and 9223372036854775807 inclusive"
            )
        );
        assert_eq!(
            set_err(&mut c, "appendfsync", "sometimes"),
            fail(
                "appendfsync",
                "argument(s) must be one of the following: everysec, always, no"
            )
        );
        assert_eq!(
            set_err(&mut c, "loglevel", "test"),
            fail(
                "loglevel",
                "argument(s) must be one of the following: debug, verbose, notice, warning"
            )
        );
        assert_eq!(
            set_err(&mut c, "maxmemory-policy", "lru"),
            fail(
                "maxmemory-policy",
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, \
                 volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
            )
        );
        assert_eq!(
            set_err(&mut c, "save", "900"),
            fail("save", "Invalid save parameters")
        );
        assert_eq!(
            set_err(&mut c, "save", "900  1"),
            fail("save", "Invalid save parameters")
        );
        assert_eq!(
            set_err(&mut c, "save", "x 1"),
            fail("save", "Invalid save parameters")
        );
        // An alias is named as the client spelled it, in lower case.
        assert_eq!(
            set_err(&mut c, "HASH-MAX-ZIPLIST-ENTRIES", "x"),
            fail(
                "hash-max-ziplist-entries",
                "argument couldn't be parsed into an integer"
            )
        );
    }

    #[test]
    fn memory_units() {
        let cases: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            ("1", Some(1)),
            ("1b", Some(1)),
            ("1k", Some(1000)),
            ("1kb", Some(1024)),
            ("1KB", Some(1024)),
            ("5K", Some(5000)),
            ("1m", Some(1_000_000)),
            ("100mb", Some(100 << 20)),
            ("100Mb", Some(100 << 20)),
            ("1g", Some(1_000_000_000)),
            ("1gb", Some(1 << 30)),
            ("16GB", Some(16 << 30)),
            ("", Some(0)),
            ("mb", Some(0)),
            ("007", Some(7)),
            ("18446744073709551615", Some(u64::MAX)),
            ("99999999999999999999999", Some(u64::MAX)),
            ("17179869184gb", None),
            ("-1", None),
            ("1.5mb", None),
            ("1tb", None),
            ("1 mb", None),
            (" 1", None),
            ("+1", None),
            ("1kbb", None),
        ];
        for &(s, want) in cases {
            assert_eq!(parse_memory(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn integers_like_string2ll() {
        let cases: &[(&str, Option<i64>)] = &[
            ("0", Some(0)),
            ("1", Some(1)),
            ("-1", Some(-1)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("-9223372036854775809", None),
            ("-0", None),
            ("01", None),
            ("+1", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("-", None),
            ("1e3", None),
        ];
        for &(s, want) in cases {
            assert_eq!(crate::num::parse_i64(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn split_args_like_sdssplitargs() {
        let s = |line: &str| {
            split_args(line.as_bytes())
                .map(|v| v.into_iter().map(|a| lossy(&a)).collect::<Vec<_>>())
        };
        assert_eq!(s(""), Some(vec![]));
        assert_eq!(s("   "), Some(vec![]));
        assert_eq!(s("a b\tc"), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(
            s("  set  k  v  "),
            Some(vec!["set".into(), "k".into(), "v".into()])
        );
        assert_eq!(s("\"a b\" 'c d'"), Some(vec!["a b".into(), "c d".into()]));
        assert_eq!(s("\"\\x41\\n\\t\\\\\\\"\""), Some(vec!["A\n\t\\\"".into()]));
        assert_eq!(s("\"\\xZZ\""), Some(vec!["xZZ".into()]));
        assert_eq!(
            s("'it\\'s' 'a\\nb'"),
            Some(vec!["it's".into(), "a\\nb".into()])
        );
        assert_eq!(s("foo\"bar baz\""), Some(vec!["foobar baz".into()]));
        assert_eq!(s("\"\""), Some(vec!["".into()]));
        assert_eq!(s("''"), Some(vec!["".into()]));
        assert_eq!(s("\"abc"), None);
        assert_eq!(s("'abc"), None);
        assert_eq!(s("\"a\"b"), None);
        assert_eq!(s("'a'b"), None);
        assert_eq!(s("\"a\" b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(split_args(b"\"\\xff\""), Some(vec![vec![0xff]]));
        assert_eq!(
            split_args(b"a\0b c"),
            Some(vec![b"a".to_vec()]),
            "C stops at NUL"
        );
    }

    #[test]
    fn shared_config_generations() {
        let shared = SharedConfig::new(Config::default());
        let (first, g0) = shared.load_with_generation();
        assert_eq!(g0, 0);
        let r = shared.update(|c| {
            c.maxclients = 5;
            "done"
        });
        assert_eq!(r, "done");
        assert_eq!(shared.generation(), 1);
        assert_eq!(shared.load().maxclients, 5);
        assert_eq!(first.maxclients, 10_000, "a cached Arc keeps its snapshot");
        // try_update publishes only on success.
        let e: Result<(), Error> = shared.try_update(|c| {
            c.set(b"timeout", b"7")?;
            c.set(b"port", b"1")
        });
        assert!(e.is_err());
        assert_eq!(shared.generation(), 1);
        assert_eq!(shared.load().timeout, 0);
        shared
            .try_update(|c| c.set(b"timeout", b"7"))
            .expect("valid");
        assert_eq!((shared.load().timeout, shared.generation()), (7, 2));
    }

    #[test]
    fn shared_config_survives_a_poisoned_lock() {
        let shared = SharedConfig::new(Config::default());
        let s2 = Arc::clone(&shared);
        let r = std::thread::spawn(move || s2.update(|_| panic!("boom"))).join();
        assert!(r.is_err());
        assert_eq!(shared.load().port, 6379);
        shared.update(|c| c.port = 1);
        assert_eq!(shared.load_with_generation().0.port, 1);
    }

    #[test]
    fn shared_config_across_threads() {
        let shared = SharedConfig::new(Config::default());
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let (mut cached, mut gen) = s.load_with_generation();
                    for _ in 0..10_000 {
                        let g = s.generation();
                        if g != gen {
                            (cached, gen) = s.load_with_generation();
                        }
                        // Every snapshot pairs hz with the generation that published it.
                        assert_eq!(u64::from(cached.hz), gen + 10);
                    }
                })
            })
            .collect();
        for _ in 0..100 {
            shared.update(|c| c.hz += 1);
        }
        for r in readers {
            r.join().expect("reader");
        }
        assert_eq!(shared.load().hz, 110);
    }
}
