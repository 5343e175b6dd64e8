//! Server commands: INFO, CONFIG, TIME, LASTSAVE, SHUTDOWN, DEBUG, MEMORY.
//!
//! Figures come from where they live: per-executor counters (`Worker::stats`),
//! per-shard counters and key counts (`Shard`), process-wide atomics
//! (`Shared`) and the kernel (/proc, getrusage). Nothing here is made up.

mod debug;
mod memory;
mod persist;

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use super::args::{is, text};
use super::connection::{help_reply, REDIS_VERSION};
use super::table::{flags::*, CommandSpec, KeySpec, LocalFut};
use super::{async_fn, session};
use crate::error::Error;
use crate::mesh::{join_all, ShardFn, Worker};
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::{now_ms, now_us};

const ADM: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("info", -1, LOADING | STALE, KeySpec::None, async_fn(info))
        .doc("server", "1.0.0", "Returns information and statistics about the server.", "[section [section ...]]")
        .complexity("O(1)"),
    CommandSpec::new("config", -2, 0, KeySpec::None, session(config_help))
        .doc("server", "2.0.0", "A container for server configuration commands.", "")
        .complexity("Depends on subcommand.")
        .subs(&CONFIG_SUBS),
    CommandSpec::new("time", 1, LOADING | STALE | FAST, KeySpec::None, session(time))
        .doc("server", "2.6.0", "Returns the server time.", "")
        .complexity("O(1)"),
    CommandSpec::new("lastsave", 1, LOADING | STALE | FAST, KeySpec::None, session(lastsave))
        .doc("server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", "")
        .complexity("O(1)"),
    CommandSpec::new("save", 1, ADMIN | NOSCRIPT | NO_MULTI, KeySpec::None, async_fn(persist::save))
        .doc("server", "1.0.0", "Synchronously saves the database(s) to disk.", "")
        .complexity("O(N) where N is the total number of keys in all databases"),
    CommandSpec::new("bgsave", -1, ADMIN | NOSCRIPT, KeySpec::None, async_fn(persist::bgsave))
        .doc("server", "1.0.0", "Asynchronously saves the database(s) to disk.", "[SCHEDULE]")
        .complexity("O(1)"),
    CommandSpec::new("bgrewriteaof", 1, ADMIN | NOSCRIPT, KeySpec::None, async_fn(persist::bgrewriteaof))
        .doc("server", "1.0.0", "Asynchronously rewrites the append-only file to disk.", "")
        .complexity("O(1)"),
    CommandSpec::new("shutdown", -1, ADM | NO_MULTI | ALLOW_BUSY, KeySpec::None, session(shutdown))
        .doc(
            "server",
            "1.0.0",
            "Synchronously saves the database(s) to disk and shuts down the Redis server.",
            "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
        )
        .complexity("O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)"),
    // DEBUG is one command in Redis's table (COMMAND INFO lists no
    // subcommands) with its own "unknown subcommand" wording, so it parses
    // its subcommand itself.
    CommandSpec::new("debug", -2, ADM, KeySpec::None, async_fn(debug::debug))
        .doc("server", "1.0.0", "A container for debugging commands.", "")
        .complexity("Depends on subcommand."),
    CommandSpec::new("memory", -2, 0, KeySpec::None, session(memory::memory_help))
        .doc("server", "4.0.0", "A container for memory diagnostics commands.", "")
        .complexity("Depends on subcommand.")
        .subs(&memory::MEMORY_SUBS),
];

static CONFIG_SUBS: [CommandSpec; 5] = [
    CommandSpec::new("config|get", -3, ADM, KeySpec::None, session(config_get))
        .doc(
            "server",
            "2.0.0",
            "Returns the effective values of configuration parameters.",
            "parameter [parameter ...]",
        )
        .complexity("O(N) when N is the number of configuration parameters provided"),
    CommandSpec::new("config|set", -4, ADM, KeySpec::None, session(config_set))
        .doc(
            "server",
            "2.0.0",
            "Sets configuration parameters in-flight.",
            "parameter value [parameter value ...]",
        )
        .complexity("O(N) when N is the number of configuration parameters provided"),
    CommandSpec::new(
        "config|resetstat",
        2,
        ADM,
        KeySpec::None,
        async_fn(config_resetstat),
    )
    .doc("server", "2.0.0", "Resets the server's statistics.", "")
    .complexity("O(1)"),
    CommandSpec::new(
        "config|rewrite",
        2,
        ADM,
        KeySpec::None,
        session(config_rewrite),
    )
    .doc(
        "server",
        "2.8.0",
        "Persists the effective configuration to file.",
        "",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "config|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(config_help),
    )
    .doc(
        "server",
        "5.0.0",
        "Returns helpful text about the different subcommands.",
        "",
    )
    .complexity("O(1)"),
];

/// Runs a closure made by `make` on every executor (concurrently, through
/// the mesh) and returns the results in executor order: the typed way to read
/// executor-local state (client registries, counters) from a coordinator.
pub async fn gather<T, F>(worker: &Worker, make: impl Fn() -> F) -> Vec<T>
where
    T: Send + 'static,
    F: FnOnce(&Worker) -> T + Send + 'static,
{
    let mut slots = Vec::with_capacity(worker.nshards);
    let mut calls = Vec::with_capacity(worker.nshards);
    for shard in 0..worker.nshards {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let out = slot.clone();
        let f = make();
        let job: ShardFn = Box::new(move |w: &Worker, _db| {
            let v = f(w);
            if let Ok(mut g) = out.lock() {
                *g = Some(v);
            }
            Reply::Nil
        });
        slots.push(slot);
        calls.push(worker.call_fn(shard, 0, job));
    }
    join_all(calls).await;
    // An executor that is shutting down may not answer: it is left out.
    slots
        .into_iter()
        .filter_map(|s| s.lock().ok().and_then(|mut g| g.take()))
        .collect()
}

// ---------------------------------------------------------------- INFO

/// What one executor contributes to INFO.
#[derive(Default)]
pub(crate) struct ExecStats {
    pub(crate) commands: u64,
    pub(crate) connections: u64,
    pub(crate) net_input: u64,
    pub(crate) net_output: u64,
    pub(crate) rejected: u64,
    pub(crate) expired_keys: u64,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) dirty: u64,
    /// Per db: (keys, keys with an expiry).
    pub(crate) dbs: Vec<(usize, usize)>,
    pub(crate) overhead: usize,
    /// AOF: keys a rewrite in progress serialised, records not written yet.
    pub(crate) rewrite_keys: u64,
    pub(crate) aof_buffer: usize,
}

fn exec_stats(w: &Worker) -> ExecStats {
    let shard = w.shard.borrow();
    ExecStats {
        commands: w.stats.commands.get(),
        connections: w.stats.connections.get(),
        net_input: w.stats.net_input.get(),
        net_output: w.stats.net_output.get(),
        rejected: w.stats.rejected.get(),
        expired_keys: shard.stats.expired_keys,
        hits: shard.stats.keyspace_hits,
        misses: shard.stats.keyspace_misses,
        dirty: shard.stats.dirty,
        dbs: shard.dbs.iter().map(|d| (d.len(), d.expires())).collect(),
        overhead: shard.dbs.iter().map(|d| d.overhead_bytes()).sum(),
        rewrite_keys: shard
            .aof
            .as_ref()
            .and_then(|l| l.rw.as_ref())
            .map_or(0, |r| r.keys),
        aof_buffer: shard.aof.as_ref().map_or(0, |l| l.buf.len()),
    }
}

/// The sum over executors.
pub(crate) async fn total_stats(worker: &Worker) -> ExecStats {
    let mut t = ExecStats::default();
    for e in gather(worker, || exec_stats).await {
        t.commands += e.commands;
        t.connections += e.connections;
        t.net_input += e.net_input;
        t.net_output += e.net_output;
        t.rejected += e.rejected;
        t.expired_keys += e.expired_keys;
        t.hits += e.hits;
        t.misses += e.misses;
        t.dirty += e.dirty;
        t.overhead += e.overhead;
        t.rewrite_keys += e.rewrite_keys;
        t.aof_buffer += e.aof_buffer;
        if t.dbs.len() < e.dbs.len() {
            t.dbs.resize(e.dbs.len(), (0, 0));
        }
        for (i, (k, x)) in e.dbs.into_iter().enumerate() {
            t.dbs[i].0 += k;
            t.dbs[i].1 += x;
        }
    }
    t
}

const SERVER: u16 = 1 << 0;
const CLIENTS: u16 = 1 << 1;
const MEMORY: u16 = 1 << 2;
const PERSISTENCE: u16 = 1 << 3;
const STATS: u16 = 1 << 4;
const REPLICATION: u16 = 1 << 5;
const CPU: u16 = 1 << 6;
const MODULES: u16 = 1 << 7;
const COMMANDSTATS: u16 = 1 << 8;
const ERRORSTATS: u16 = 1 << 9;
const LATENCYSTATS: u16 = 1 << 10;
const CLUSTER: u16 = 1 << 11;
const KEYSPACE: u16 = 1 << 12;
const DEFAULT: u16 = SERVER
    | CLIENTS
    | MEMORY
    | PERSISTENCE
    | STATS
    | REPLICATION
    | CPU
    | MODULES
    | ERRORSTATS
    | CLUSTER
    | KEYSPACE;
const ALL: u16 = DEFAULT | COMMANDSTATS | LATENCYSTATS;

/// Section names (Redis's, case-insensitive) to a set; unknown names add nothing.
fn info_sections(argv: &[Bytes]) -> u16 {
    if argv.len() < 2 {
        return DEFAULT;
    }
    let mut set = 0;
    for a in &argv[1..] {
        let s = String::from_utf8_lossy(a).to_ascii_lowercase();
        set |= match s.as_str() {
            "server" => SERVER,
            "clients" => CLIENTS,
            "memory" => MEMORY,
            "persistence" => PERSISTENCE,
            "stats" => STATS,
            "replication" => REPLICATION,
            "cpu" => CPU,
            "modules" => MODULES,
            "commandstats" => COMMANDSTATS,
            "errorstats" => ERRORSTATS,
            "latencystats" => LATENCYSTATS,
            "cluster" => CLUSTER,
            "keyspace" => KEYSPACE,
            "default" => DEFAULT,
            "all" | "everything" => ALL,
            _ => 0,
        };
    }
    set
}

/// Bytes in Redis's human form (1.44M, 23.54G ...).
fn human(n: u64) -> String {
    let f = n as f64;
    const K: f64 = 1024.0;
    if f < K {
        format!("{n}B")
    } else if f < K * K {
        format!("{:.2}K", f / K)
    } else if f < K * K * K {
        format!("{:.2}M", f / (K * K))
    } else if f < K * K * K * K {
        format!("{:.2}G", f / (K * K * K))
    } else if f < K * K * K * K * K {
        format!("{:.2}T", f / (K * K * K * K))
    } else {
        format!("{:.2}P", f / (K * K * K * K * K))
    }
}

/// A `Key: <n> kB` figure from a /proc status-style file, in bytes.
fn proc_kb(path: &str, key: &str) -> u64 {
    let Ok(s) = std::fs::read_to_string(path) else {
        return 0;
    };
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| {
            rest.trim_start_matches(':')
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resident memory of the process (used_memory, used_memory_rss).
pub(crate) fn rss_bytes() -> u64 {
    proc_kb("/proc/self/status", "VmRSS")
}

/// Peak resident memory of the process.
pub(crate) fn peak_rss_bytes() -> u64 {
    proc_kb("/proc/self/status", "VmHWM").max(rss_bytes())
}

fn os_line() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    format!(
        "{} {} {}",
        read("/proc/sys/kernel/ostype"),
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    )
}

/// (user, system) CPU seconds of the process (`who` = RUSAGE_SELF / RUSAGE_CHILDREN).
fn cpu_seconds(who: libc::c_int) -> (f64, f64) {
    // SAFETY: getrusage writes into the zeroed struct we own; no other effect.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut ru) != 0 {
            return (0.0, 0.0);
        }
        ru
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_utime), secs(ru.ru_stime))
}

/// Redis's 24-bit LRU clock (seconds).
pub(crate) fn lru_clock(now_ms: u64) -> u64 {
    (now_ms / 1000) & ((1 << 24) - 1)
}

fn info(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let sections = info_sections(&argv);
        let t = total_stats(&s.worker).await;
        let cfg = s.config().clone();
        let shared = s.worker.shared.clone();
        let now = now_ms();
        let mut out = String::new();
        let section = |out: &mut String, name: &str| {
            if !out.is_empty() {
                out.push_str("\r\n");
            }
            let _ = write!(out, "# {name}\r\n");
        };
        macro_rules! line {
            ($($arg:tt)*) => {{
                let _ = write!(out, $($arg)*);
                out.push_str("\r\n");
            }};
        }
        if sections & SERVER != 0 {
            section(&mut out, "Server");
            let uptime = now.saturating_sub(shared.start_ms) / 1000;
            line!("redis_version:{REDIS_VERSION}");
            line!("redis_git_sha1:00000000");
            line!("redis_git_dirty:0");
            line!("redis_mode:standalone");
            line!("os:{}", os_line());
            line!("arch_bits:{}", usize::BITS);
            line!("monotonic_clock:POSIX clock_gettime");
            line!("multiplexing_api:io_uring");
            line!("process_id:{}", std::process::id());
            line!("process_supervised:no");
            line!("run_id:{}", shared.run_id);
            line!("tcp_port:{}", shared.port.load(Ordering::Relaxed));
            line!("server_time_usec:{}", now_us());
            line!("uptime_in_seconds:{uptime}");
            line!("uptime_in_days:{}", uptime / 86400);
            line!("hz:{}", cfg.hz);
            line!("configured_hz:{}", cfg.hz);
            line!("lru_clock:{}", lru_clock(now));
            line!(
                "executable:{}",
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            line!("config_file:{}", config_file(&cfg));
            line!("io_threads_active:0");
            line!("ringkv_version:{}", env!("CARGO_PKG_VERSION"));
            line!("shards:{}", shared.nshards);
        }
        if sections & CLIENTS != 0 {
            section(&mut out, "Clients");
            line!(
                "connected_clients:{}",
                shared.connected.load(Ordering::Relaxed)
            );
            line!("cluster_connections:0");
            line!("maxclients:{}", cfg.maxclients);
            line!("blocked_clients:{}", shared.blocked.load(Ordering::Relaxed));
            line!("tracking_clients:0");
            line!("clients_in_timeout_table:0");
        }
        if sections & MEMORY != 0 {
            section(&mut out, "Memory");
            let rss = rss_bytes();
            let peak = peak_rss_bytes();
            let sys = proc_kb("/proc/meminfo", "MemTotal");
            let overhead = t.overhead as u64;
            line!("used_memory:{rss}");
            line!("used_memory_human:{}", human(rss));
            line!("used_memory_rss:{rss}");
            line!("used_memory_rss_human:{}", human(rss));
            line!("used_memory_peak:{peak}");
            line!("used_memory_peak_human:{}", human(peak));
            line!(
                "used_memory_peak_perc:{:.2}%",
                if peak > 0 {
                    rss as f64 * 100.0 / peak as f64
                } else {
                    100.0
                }
            );
            line!("used_memory_overhead:{overhead}");
            line!("used_memory_dataset:{}", rss.saturating_sub(overhead));
            line!("total_system_memory:{sys}");
            line!("total_system_memory_human:{}", human(sys));
            line!("maxmemory:{}", cfg.maxmemory);
            line!("maxmemory_human:{}", human(cfg.maxmemory));
            line!("maxmemory_policy:{}", cfg.maxmemory_policy);
            line!("mem_fragmentation_ratio:1.00");
            line!("mem_allocator:libc");
        }
        if sections & PERSISTENCE != 0 {
            section(&mut out, "Persistence");
            let p = shared.aof.as_ref();
            let rewriting = p.is_some_and(|p| p.in_progress());
            let keys: usize = t.dbs.iter().map(|d| d.0).sum();
            line!(
                "loading:{}",
                u8::from(shared.loading.load(Ordering::Relaxed) > 0)
            );
            line!("async_loading:0");
            line!("current_cow_peak:0");
            line!("current_cow_size:0");
            line!("current_cow_size_age:0");
            line!("current_fork_perc:0.00");
            line!(
                "current_save_keys_processed:{}",
                if rewriting { t.rewrite_keys } else { 0 }
            );
            line!(
                "current_save_keys_total:{}",
                if rewriting { keys } else { 0 }
            );
            line!("rdb_changes_since_last_save:{}", t.dirty);
            line!("rdb_bgsave_in_progress:{}", u8::from(rewriting));
            line!("rdb_last_save_time:{}", persist::lastsave_secs(s));
            let ok = |b: bool| if b { "ok" } else { "err" };
            line!(
                "rdb_last_bgsave_status:{}",
                ok(p.is_none_or(|p| p.last_ok()))
            );
            line!(
                "rdb_last_bgsave_time_sec:{}",
                p.map_or(-1, |p| p.last_secs())
            );
            line!(
                "rdb_current_bgsave_time_sec:{}",
                p.map_or(-1, |p| p.current_secs())
            );
            line!(
                "rdb_saves:{}",
                p.map_or(0, |p| p.rewrites.load(Ordering::Relaxed))
            );
            line!("rdb_last_cow_size:0");
            line!("rdb_last_load_keys_expired:0");
            line!(
                "rdb_last_load_keys_loaded:{}",
                p.map_or(0, |p| p.load_keys.load(Ordering::Relaxed))
            );
            line!("aof_enabled:{}", u8::from(cfg.appendonly));
            line!("aof_rewrite_in_progress:{}", u8::from(rewriting));
            line!("aof_rewrite_scheduled:0");
            line!(
                "aof_last_rewrite_time_sec:{}",
                p.map_or(-1, |p| p.last_secs())
            );
            line!(
                "aof_current_rewrite_time_sec:{}",
                p.map_or(-1, |p| p.current_secs())
            );
            line!(
                "aof_last_bgrewrite_status:{}",
                ok(p.is_none_or(|p| p.last_ok()))
            );
            line!(
                "aof_rewrites:{}",
                p.map_or(0, |p| p.rewrites.load(Ordering::Relaxed))
            );
            line!(
                "aof_rewrites_consecutive_failures:{}",
                p.map_or(0, |p| p.consecutive_failures.load(Ordering::Relaxed))
            );
            line!("aof_last_write_status:ok");
            line!("aof_last_cow_size:0");
            line!("module_fork_in_progress:0");
            line!("module_fork_last_cow_size:0");
            if let Some(p) = p {
                line!("aof_current_size:{}", p.current_size());
                line!("aof_base_size:{}", p.base_size());
                line!("aof_pending_rewrite:0");
                line!("aof_buffer_length:{}", t.aof_buffer);
                line!("aof_pending_bio_fsync:0");
                line!("aof_delayed_fsync:0");
                // ringkv: the start-up load (every shard its own file, in
                // parallel): bytes read, keys loaded, the slowest shard's time.
                line!("aof_load_bytes:{}", p.load_done.load(Ordering::Relaxed));
                line!("aof_load_keys:{}", p.load_keys.load(Ordering::Relaxed));
                line!("aof_load_time_ms:{}", p.load_ms.load(Ordering::Relaxed));
                if shared.loading.load(Ordering::Relaxed) > 0 {
                    let total = p.load_total.load(Ordering::Relaxed);
                    let done = p.load_done.load(Ordering::Relaxed).min(total);
                    let began = p.load_began_ms.load(Ordering::Relaxed);
                    let secs = now_ms().saturating_sub(began) as f64 / 1000.0;
                    let perc = if total == 0 {
                        0.0
                    } else {
                        done as f64 * 100.0 / total as f64
                    };
                    let eta = if done == 0 {
                        1
                    } else {
                        ((total - done) as f64 * secs / done as f64) as u64
                    };
                    line!("loading_start_time:{}", began / 1000);
                    line!("loading_total_bytes:{total}");
                    line!("loading_rdb_used_mem:0");
                    line!("loading_loaded_bytes:{done}");
                    line!("loading_loaded_perc:{perc:.2}");
                    line!("loading_eta_seconds:{eta}");
                }
            }
        }
        if sections & STATS != 0 {
            section(&mut out, "Stats");
            line!("total_connections_received:{}", t.connections);
            line!("total_commands_processed:{}", t.commands);
            line!("total_net_input_bytes:{}", t.net_input);
            line!("total_net_output_bytes:{}", t.net_output);
            line!("rejected_connections:{}", t.rejected);
            line!("expired_keys:{}", t.expired_keys);
            line!("evicted_keys:0");
            line!("keyspace_hits:{}", t.hits);
            line!("keyspace_misses:{}", t.misses);
            line!("pubsub_channels:0");
            line!("pubsub_patterns:0");
        }
        if sections & REPLICATION != 0 {
            section(&mut out, "Replication");
            line!("role:master");
            line!("connected_slaves:0");
            line!("master_failover_state:no-failover");
            line!("master_replid:{}", shared.run_id);
            line!("master_replid2:0000000000000000000000000000000000000000");
            line!("master_repl_offset:0");
            line!("second_repl_offset:-1");
            line!("repl_backlog_active:0");
        }
        if sections & CPU != 0 {
            section(&mut out, "CPU");
            let (user, sys) = cpu_seconds(libc::RUSAGE_SELF);
            let (cuser, csys) = cpu_seconds(libc::RUSAGE_CHILDREN);
            line!("used_cpu_sys:{sys:.6}");
            line!("used_cpu_user:{user:.6}");
            line!("used_cpu_sys_children:{csys:.6}");
            line!("used_cpu_user_children:{cuser:.6}");
        }
        if sections & MODULES != 0 {
            section(&mut out, "Modules");
        }
        // Per-command and per-error counters are not kept yet: the sections
        // are there, empty, rather than filled with invented figures.
        if sections & COMMANDSTATS != 0 {
            section(&mut out, "Commandstats");
        }
        if sections & ERRORSTATS != 0 {
            section(&mut out, "Errorstats");
        }
        if sections & LATENCYSTATS != 0 {
            section(&mut out, "Latencystats");
        }
        if sections & CLUSTER != 0 {
            section(&mut out, "Cluster");
            line!("cluster_enabled:0");
        }
        if sections & KEYSPACE != 0 {
            section(&mut out, "Keyspace");
            for (i, &(keys, expires)) in t.dbs.iter().enumerate() {
                if keys > 0 || expires > 0 {
                    line!("db{i}:keys={keys},expires={expires},avg_ttl=0");
                }
            }
        }
        Reply::Verbatim("txt", Bytes::from(out))
    })
}

/// The configuration file the server was started with ("" when none).
fn config_file(_cfg: &crate::config::Config) -> String {
    String::new()
}

// ---------------------------------------------------------------- CONFIG

fn config_get(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let cfg = s.config().clone();
    let mut seen = hashbrown::HashSet::new();
    let mut out = Vec::new();
    for pattern in &argv[2..] {
        for (name, value) in cfg.get(pattern) {
            // Several patterns may match one parameter: Redis lists it once.
            if seen.insert(name.to_ascii_lowercase()) {
                out.push((
                    Reply::Bulk(Bytes::from(name)),
                    Reply::Bulk(Bytes::from(value)),
                ));
            }
        }
    }
    Ok(Reply::Map(out))
}

fn config_set(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if !(argv.len() - 2).is_multiple_of(2) {
        return Err(Error::Syntax);
    }
    let pairs: Vec<(&Bytes, &Bytes)> = argv[2..].chunks(2).map(|p| (&p[0], &p[1])).collect();
    // Redis checks every name (unknown, duplicate) before applying any value.
    let current = s.config().clone();
    for (i, (name, _)) in pairs.iter().enumerate() {
        let glob = name.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
        if glob || current.get(name).is_empty() {
            return Err(Error::err(format!(
                "Unknown option or number of arguments for CONFIG SET - '{}'",
                text(name)
            )));
        }
        if pairs[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return Err(Error::err(format!(
                "CONFIG SET failed (possibly related to argument '{}') - duplicate parameter",
                text(name)
            )));
        }
    }
    // All or nothing: published only when every pair was accepted.
    s.worker.shared.config.try_update(|c| {
        for (name, value) in &pairs {
            c.set(name, value)?;
        }
        Ok::<(), Error>(())
    })?;
    Ok(Reply::Ok)
}

fn config_resetstat(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        gather(&s.worker, || {
            |w: &Worker| {
                let st = &w.stats;
                for c in [
                    &st.commands,
                    &st.connections,
                    &st.net_input,
                    &st.net_output,
                    &st.rejected,
                ] {
                    c.set(0);
                }
                let mut shard = w.shard.borrow_mut();
                shard.stats.expired_keys = 0;
                shard.stats.keyspace_hits = 0;
                shard.stats.keyspace_misses = 0;
            }
        })
        .await;
        Reply::Ok
    })
}

fn config_rewrite(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    let cfg = s.config().clone();
    if config_file(&cfg).is_empty() {
        return Err(Error::err("The server is running without a config file"));
    }
    Err(Error::err("Rewriting config file: not supported"))
}

fn config_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(help_reply(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

// ---------------------------------------------------------------- TIME, LASTSAVE, SHUTDOWN

fn time(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    let us = now_us();
    Ok(Reply::Array(vec![
        Reply::bulk_string((us / 1_000_000).to_string()),
        Reply::bulk_string((us % 1_000_000).to_string()),
    ]))
}

fn lastsave(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(persist::lastsave_secs(s) as i64))
}

fn shutdown(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let (mut nosave, mut save, mut other, mut abort) = (false, false, false, false);
    for a in &argv[1..] {
        if is(a, "nosave") {
            nosave = true;
        } else if is(a, "save") {
            save = true;
        } else if is(a, "now") || is(a, "force") {
            other = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(Error::Syntax);
        }
    }
    if (abort && (nosave || save || other)) || (nosave && save) {
        return Err(Error::Syntax);
    }
    if abort {
        // A shutdown here is immediate: there is never one to abort.
        return Err(Error::err("No shutdown in progress."));
    }
    s.worker.shared.request_shutdown();
    // As in Redis, no reply: the connection just closes.
    s.closing = true;
    Ok(Reply::Raw(Bytes::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512B");
        assert_eq!(human(1536), "1.50K");
        assert_eq!(human(1510264), "1.44M");
    }

    #[test]
    fn sections() {
        let info =
            |s: &'static [u8]| info_sections(&[Bytes::from_static(b"info"), Bytes::from_static(s)]);
        assert_eq!(info_sections(&[Bytes::from_static(b"info")]), DEFAULT);
        assert_eq!(info(b"KEYSPACE"), KEYSPACE);
        assert_eq!(info(b"nope"), 0);
        assert_eq!(info(b"everything"), ALL);
    }
}
