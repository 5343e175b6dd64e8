//! `ringkv export DIR`: the keyspace of a data directory as JSON
//! (docs/export.md). The directory is loaded as start-up would load it
//! ([`offline::load_shard`]); a server may be running on it (a record it
//! is appending shows as a torn tail and is left out).
//!
//! The output is deterministic: databases in order, keys sorted by their
//! bytes, unordered collections (hash fields, set members) sorted, one key
//! per line, so two exports of the same data are equal byte for byte and
//! diff cleanly.

use std::io::{self, Write};
use std::path::Path;

use super::json::{write_bytes, write_f64, write_str};
use super::manifest;
use super::offline;
use crate::config::Command;
use crate::shard::store::Entry;
use crate::shard::stream::{Stream, StreamId, INVALID_ENTRIES_READ};
use crate::shard::{now_ms, Shard, StrValue, Value};

/// The `format` member of an export.
pub const FORMAT: &str = "ringkv-export";

/// The `version` member this code writes and reads.
pub const VERSION: u64 = 1;

/// Runs `ringkv export`; returns the exit code.
pub fn run(command: &Command) -> i32 {
    let Command::Export {
        dir,
        format,
        output,
    } = command
    else {
        return 2;
    };
    offline::log_to_stderr();
    if format != "json" {
        eprintln!("ringkv export: unknown format {format:?} (json is the only one)");
        return 2;
    }
    let done = match output {
        Some(path) => std::fs::File::create(path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|f| {
                let mut w = io::BufWriter::new(f);
                let n = export(dir, &mut w)?;
                let f = w.into_inner().map_err(|e| e.to_string())?;
                f.sync_all()
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(n)
            }),
        None => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            export(dir, &mut w).and_then(|n| w.flush().map(|()| n).map_err(|e| e.to_string()))
        }
    };
    match done {
        Ok(keys) => {
            tracing::info!("exported {keys} keys from {}", dir.display());
            0
        }
        Err(e) => {
            eprintln!("ringkv export: {e}");
            1
        }
    }
}

/// Writes the keyspace of `dir` (keys not expired now) to `out` as JSON;
/// returns the number of keys.
pub fn export(dir: &Path, out: &mut dyn Write) -> Result<u64, String> {
    let manifest = || {
        manifest::load(dir)?.ok_or_else(|| {
            format!(
                "{}: no such file (not a ringkv data directory?)",
                dir.join(manifest::FILE).display()
            )
        })
    };
    // A running server may switch to new files (and delete the old ones)
    // while they are read: read again until the manifest stayed the same.
    let mut m = manifest()?;
    for _ in 0..10 {
        let shards: Vec<Shard> = (0..m.shards)
            .map(|i| offline::load_shard(dir, &m, i))
            .collect::<Result<_, _>>()?;
        let now = manifest()?;
        if now == m {
            return write_json(&shards, now_ms(), out);
        }
        m = now;
    }
    Err(format!(
        "{}: the data directory kept changing",
        dir.display()
    ))
}

/// Writes the keys of `shards` not expired at `now` as an export.
pub fn write_json(shards: &[Shard], now: u64, out: &mut dyn Write) -> Result<u64, String> {
    let mut keys: Vec<(usize, &Entry)> = shards
        .iter()
        .flat_map(|s| s.dbs.iter().enumerate())
        .flat_map(|(d, db)| db.iter().map(move |e| (d, e)))
        .filter(|(_, e)| e.expire_at == 0 || e.expire_at > now)
        .collect();
    keys.sort_by(|a, b| (a.0, &*a.1.key).cmp(&(b.0, &*b.1.key)));
    // One key on two shards (never written so by a server): keep the first.
    keys.dedup_by(|b, a| {
        let dup = a.0 == b.0 && a.1.key == b.1.key;
        if dup {
            tracing::warn!(
                db = a.0,
                "key {:?} found on two shards",
                String::from_utf8_lossy(&a.1.key)
            );
        }
        dup
    });
    let io = |e: io::Error| format!("cannot write the export: {e}");
    let mut line = Vec::new();
    line.extend_from_slice(b"{\"format\": ");
    write_str(&mut line, FORMAT);
    line.extend_from_slice(format!(", \"version\": {VERSION}, \"databases\": [").as_bytes());
    let mut db = None;
    for (i, &(d, e)) in keys.iter().enumerate() {
        if db != Some(d) {
            if db.is_some() {
                line.extend_from_slice(b"\n]},");
            }
            line.extend_from_slice(format!("\n{{\"db\": {d}, \"keys\": [").as_bytes());
            db = Some(d);
        }
        line.push(b'\n');
        write_key(&mut line, e);
        if keys.get(i + 1).is_some_and(|n| n.0 == d) {
            line.push(b',');
        }
        out.write_all(&line).map_err(io)?;
        line.clear();
    }
    if db.is_some() {
        line.extend_from_slice(b"\n]}");
    }
    line.extend_from_slice(b"\n]}\n");
    out.write_all(&line).map_err(io)?;
    Ok(keys.len() as u64)
}

/// `{"key": .., "type": .., "expire_at_ms": .., "value": ..}`
fn write_key(out: &mut Vec<u8>, e: &Entry) {
    out.extend_from_slice(b"{\"key\": ");
    write_bytes(out, &e.key);
    out.extend_from_slice(b", \"type\": ");
    write_str(out, e.value.type_name());
    out.extend_from_slice(b", \"expire_at_ms\": ");
    match e.expire_at {
        0 => out.extend_from_slice(b"null"),
        at => out.extend_from_slice(at.to_string().as_bytes()),
    }
    out.extend_from_slice(b", \"value\": ");
    write_value(out, &e.value);
    out.push(b'}');
}

/// Writes `items` as a JSON array, `f` writing each.
fn array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        f(out, item);
    }
    out.push(b']');
}

fn pair(out: &mut Vec<u8>, a: &[u8], b: &[u8]) {
    out.push(b'[');
    write_bytes(out, a);
    out.extend_from_slice(b", ");
    write_bytes(out, b);
    out.push(b']');
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Str(s) => {
            let mut tmp = crate::shard::value::itoa_buf::Buf::new();
            write_bytes(out, StrValue::as_slice(s, &mut tmp));
        }
        Value::List(l) => array(out, l, |o, m| write_bytes(o, m)),
        Value::Set(s) => {
            let mut members: Vec<Vec<u8>> =
                s.iter().map(|m| m.with_bytes(<[u8]>::to_vec)).collect();
            members.sort_unstable();
            array(out, &members, |o, m| write_bytes(o, m));
        }
        Value::Hash(h) => {
            let mut pairs: Vec<(&[u8], &[u8])> = h.iter().collect();
            pairs.sort_unstable();
            array(out, pairs, |o, (f, v)| pair(o, f, v));
        }
        Value::ZSet(z) => array(out, z.iter(), |o, (m, s)| {
            o.push(b'[');
            write_bytes(o, m);
            o.extend_from_slice(b", ");
            write_f64(o, s);
            o.push(b']');
        }),
        Value::Stream(s) => write_stream(out, s),
    }
}

fn write_id(out: &mut Vec<u8>, id: StreamId) {
    out.push(b'"');
    out.extend_from_slice(&id.to_bytes());
    out.push(b'"');
}

fn write_stream(out: &mut Vec<u8>, s: &Stream) {
    out.extend_from_slice(b"{\"last_id\": ");
    write_id(out, s.last_id);
    out.extend_from_slice(b", \"first_id\": ");
    write_id(out, s.first_id);
    out.extend_from_slice(b", \"max_deleted_id\": ");
    write_id(out, s.max_deleted_id);
    out.extend_from_slice(
        format!(", \"entries_added\": {}, \"entries\": [", s.entries_added).as_bytes(),
    );
    let mut first = true;
    s.scan(StreamId::MIN, StreamId::MAX, false, |e| {
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        out.extend_from_slice(b"{\"id\": ");
        write_id(out, e.id);
        out.extend_from_slice(b", \"fields\": ");
        array(out, e.pairs(), |o, (f, v)| pair(o, f, v));
        out.push(b'}');
        true
    });
    out.extend_from_slice(b"], \"groups\": ");
    array(out, &s.groups, |o, (name, g)| {
        o.extend_from_slice(b"{\"name\": ");
        write_bytes(o, name);
        o.extend_from_slice(b", \"last_delivered_id\": ");
        write_id(o, g.last_id);
        o.extend_from_slice(b", \"entries_read\": ");
        match g.entries_read {
            INVALID_ENTRIES_READ => o.extend_from_slice(b"null"),
            n => o.extend_from_slice(n.to_string().as_bytes()),
        }
        o.extend_from_slice(b", \"consumers\": ");
        array(o, g.consumers.values(), |o, c| {
            o.extend_from_slice(b"{\"name\": ");
            write_bytes(o, &c.name);
            o.extend_from_slice(format!(", \"seen_time\": {}}}", c.seen_time).as_bytes());
        });
        o.extend_from_slice(b", \"pending\": ");
        array(o, &g.pel, |o, (id, n)| {
            o.extend_from_slice(b"{\"id\": ");
            write_id(o, *id);
            o.extend_from_slice(b", \"consumer\": ");
            write_bytes(o, &n.consumer);
            o.extend_from_slice(
                format!(
                    ", \"delivery_time\": {}, \"delivery_count\": {}}}",
                    n.delivery_time, n.delivery_count
                )
                .as_bytes(),
            );
        });
        o.push(b'}');
    });
    out.push(b'}');
}
