//! MEMORY: USAGE, DOCTOR, STATS, MALLOC-STATS, PURGE, HELP.

use bytes::Bytes;

use super::{gather, peak_rss_bytes, rss_bytes, total_stats};
use crate::cmd::args::{self, is};
use crate::cmd::connection::help_reply;
use crate::cmd::table::{flags::*, CommandSpec, KeySpec, LocalFut};
use crate::cmd::{async_fn, keyed, session};
use crate::error::Error;
use crate::mesh::Worker;
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::{Ctx, Entry};

pub(super) static MEMORY_SUBS: [CommandSpec; 6] = [
    CommandSpec::new(
        "memory|usage",
        -3,
        READONLY,
        KeySpec::range(2, 2, 1),
        keyed(memory_usage),
    )
    .doc(
        "server",
        "4.0.0",
        "Estimates the memory usage of a key.",
        "key [SAMPLES count]",
    )
    .complexity("O(N) where N is the number of samples."),
    CommandSpec::new(
        "memory|doctor",
        2,
        0,
        KeySpec::None,
        async_fn(memory_doctor),
    )
    .doc("server", "4.0.0", "Outputs a memory problems report.", "")
    .complexity("O(1)"),
    CommandSpec::new("memory|stats", 2, 0, KeySpec::None, async_fn(memory_stats))
        .doc("server", "4.0.0", "Returns details about memory usage.", "")
        .complexity("O(1)"),
    CommandSpec::new(
        "memory|malloc-stats",
        2,
        0,
        KeySpec::None,
        session(memory_malloc_stats),
    )
    .doc("server", "4.0.0", "Returns the allocator statistics.", "")
    .complexity("Depends on how much memory is allocated, could be slow"),
    CommandSpec::new("memory|purge", 2, 0, KeySpec::None, session(memory_purge))
        .doc(
            "server",
            "4.0.0",
            "Asks the allocator to release memory.",
            "",
        )
        .complexity("Depends on how much memory is allocated, could be slow"),
    CommandSpec::new(
        "memory|help",
        2,
        LOADING | STALE,
        KeySpec::None,
        session(memory_help),
    )
    .doc(
        "server",
        "4.0.0",
        "Returns helpful text about the different subcommands.",
        "",
    )
    .complexity("O(1)"),
];

/// Bytes an allocation of `n` takes (malloc rounds up to 16).
fn alloc_size(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n + 15) & !15
    }
}

/// An entry's footprint: its slab slot, its index bucket (8 bytes: hash and
/// position) and the key's and value's heap allocations.
fn entry_usage(e: &Entry) -> usize {
    std::mem::size_of::<Entry>()
        + 8
        + alloc_size(e.key.heap_size())
        + alloc_size(e.value.heap_size())
}

fn memory_usage(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut c = args::Cursor::new(argv, 3);
    while let Some(opt) = c.next() {
        if is(opt, "samples") && c.remaining() > 0 {
            let n = args::int(c.value()?)?;
            if n < 0 {
                return Err(Error::Syntax);
            }
        } else {
            return Err(Error::Syntax);
        }
    }
    match ctx.lookup(&argv[2]) {
        None => Ok(Reply::Nil),
        Some(i) => Ok(Reply::Int(entry_usage(ctx.db().entry(i)) as i64)),
    }
}

fn memory_doctor(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let t = total_stats(&s.worker).await;
        let keys: usize = t.dbs.iter().map(|d| d.0).sum();
        let text = if keys == 0 {
            "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
        } else {
            "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
        };
        Reply::Verbatim("txt", Bytes::from_static(text.as_bytes()))
    })
}

fn memory_stats(s: &mut Session, _argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let per: Vec<Vec<(usize, usize, usize)>> = gather(&s.worker, || {
            |w: &Worker| {
                w.shard
                    .borrow()
                    .dbs
                    .iter()
                    .map(|d| (d.len(), d.expires(), d.overhead_bytes()))
                    .collect()
            }
        })
        .await;
        let ndb = per.iter().map(Vec::len).max().unwrap_or(0);
        let mut dbs = vec![(0usize, 0usize, 0usize); ndb];
        for shard in per {
            for (i, (k, x, o)) in shard.into_iter().enumerate() {
                dbs[i].0 += k;
                dbs[i].1 += x;
                dbs[i].2 += o;
            }
        }
        let rss = rss_bytes();
        let peak = peak_rss_bytes();
        let overhead: usize = dbs.iter().map(|d| d.2).sum();
        let keys: usize = dbs.iter().map(|d| d.0).sum();
        let dataset = (rss as usize).saturating_sub(overhead);
        let b = Reply::bulk_static;
        let int = |n: usize| Reply::Int(n as i64);
        let mut m = vec![
            (b("peak.allocated"), int(peak as usize)),
            (b("total.allocated"), int(rss as usize)),
            (b("replication.backlog"), int(0)),
            (b("clients.slaves"), int(0)),
            (b("aof.buffer"), int(0)),
        ];
        for (i, &(k, x, o)) in dbs.iter().enumerate() {
            if k > 0 || x > 0 {
                m.push((
                    Reply::bulk_string(format!("db.{i}")),
                    Reply::Map(vec![
                        (b("overhead.hashtable.main"), int(o)),
                        (b("overhead.hashtable.expires"), int(0)),
                    ]),
                ));
            }
        }
        m.push((b("overhead.total"), int(overhead)));
        m.push((b("keys.count"), int(keys)));
        m.push((
            b("keys.bytes-per-key"),
            int((rss as usize).checked_div(keys).unwrap_or(0)),
        ));
        m.push((b("dataset.bytes"), int(dataset)));
        m.push((
            b("dataset.percentage"),
            Reply::Double(if rss > 0 {
                dataset as f64 * 100.0 / rss as f64
            } else {
                0.0
            }),
        ));
        m.push((
            b("peak.percentage"),
            Reply::Double(if peak > 0 {
                rss as f64 * 100.0 / peak as f64
            } else {
                0.0
            }),
        ));
        Reply::Map(m)
    })
}

fn memory_malloc_stats(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    // Redis's answer when its allocator is not jemalloc.
    Ok(Reply::bulk_static(
        "Stats not supported for the current allocator",
    ))
}

fn memory_purge(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Ok)
}

pub(super) fn memory_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(help_reply(
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    ))
}
