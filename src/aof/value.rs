//! The value codec: a key's whole value as bytes, for the records that
//! carry values rather than commands (AOF rewrite snapshots, commands
//! logged as their result, `ringkv export`).
//!
//! Format: a one-byte type tag, then the contents. Every integer (lengths,
//! counts, stream ids, times) is an unsigned LEB128 varint (7 bits per
//! byte, low group first, at most 10 bytes); signed integers are zigzagged
//! first; scores are the 8 bytes of the f64 bits, little-endian, so -0,
//! infinities and every NaN-free score come back bit for bit. A byte
//! string is its length then its bytes. No padding, no alignment.
//!
//! | tag | type | contents |
//! |-----|------|----------|
//! | 0 | string | bytes |
//! | 1 | string (integer) | zigzag i64 |
//! | 2 | list | count, members head to tail |
//! | 3 | set of strings | count, members |
//! | 4 | set of integers | count, zigzag i64 members |
//! | 5 | hash | count, (field, value) pairs in iteration order |
//! | 6 | sorted set | count, (score, member) in ascending order |
//! | 7 | stream | see `encode_stream` |
//!
//! The encoding is logical: decoding picks each value's encoding from
//! `limits` as Redis does when it loads an RDB (listpack or hashtable by
//! entries and value sizes, intset for few canonical integers, an integer
//! string for a canonical integer), so OBJECT ENCODING after a reload says
//! what Redis would. A stream keeps its nodes (deleted entries included),
//! as Redis's RDB keeps its listpacks.
//!
//! Decoding never panics and never reserves more than the input could
//! hold: every count is checked against the bytes left (each item takes at
//! least one byte) before anything is allocated. A truncated buffer,
//! trailing bytes, an unknown tag, an empty collection, a duplicate member
//! or out-of-order data is an error.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use crate::shard::hash::Hash;
use crate::shard::set::{Member, SetValue, StrSet};
use crate::shard::stream::{
    Consumer, Group, LoadEntry, Nack, Stream, StreamId, INVALID_ENTRIES_READ,
};
use crate::shard::zset::{cmp_key, ZSet};
use crate::shard::{Limits, StrValue, Value};

const T_STR: u8 = 0;
const T_INT: u8 = 1;
const T_LIST: u8 = 2;
const T_SET: u8 = 3;
const T_INTSET: u8 = 4;
const T_HASH: u8 = 5;
const T_ZSET: u8 = 6;
const T_STREAM: u8 = 7;

/// Stream entry flags.
const E_DELETED: u8 = 1;
/// The entry's fields are its node's master fields: only values follow.
const E_SAME: u8 = 2;

/// Appends `v`'s encoding to `out`.
pub fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Str(StrValue::Int(n)) => {
            out.push(T_INT);
            put_i64(out, *n);
        }
        Value::Str(StrValue::Raw(b)) => {
            out.push(T_STR);
            put_bytes(out, b);
        }
        Value::Str(StrValue::Buf(b)) => {
            out.push(T_STR);
            put_bytes(out, b);
        }
        Value::List(l) => {
            out.push(T_LIST);
            put_len(out, l.len());
            for m in l {
                put_bytes(out, m);
            }
        }
        Value::Set(s) => encode_set(s, out),
        Value::Hash(h) => {
            out.push(T_HASH);
            put_len(out, h.len());
            for (f, v) in h.iter() {
                put_bytes(out, f);
                put_bytes(out, v);
            }
        }
        Value::ZSet(z) => {
            out.push(T_ZSET);
            put_len(out, z.len());
            for (m, s) in z.iter() {
                out.extend_from_slice(&s.to_bits().to_le_bytes());
                put_bytes(out, m);
            }
        }
        Value::Stream(s) => {
            out.push(T_STREAM);
            encode_stream(s, out);
        }
    }
}

fn encode_set(s: &SetValue, out: &mut Vec<u8>) {
    match s {
        SetValue::Ints(ints) => {
            out.push(T_INTSET);
            put_len(out, ints.len());
            for n in ints.iter() {
                put_i64(out, n);
            }
        }
        SetValue::Hash(_) => {
            out.push(T_SET);
            put_len(out, s.len());
            for m in s.iter() {
                m.with_bytes(|b| put_bytes(out, b));
            }
        }
    }
}

/// A stream: last id, recorded first id, max deleted id, entries added;
/// the nodes (count, then per node its master fields — count and names —
/// and its entries — count, then per entry a flags byte, the id and either
/// the values (flag `E_SAME`) or a field count and the pairs); the groups
/// (count, then per group its name, last delivered id, zigzag entries-read,
/// its PEL — count, then id, delivery time, delivery count — and its
/// consumers — count, then name, seen time, and the ids of its PEL). An id
/// is two varints, ms and seq.
fn encode_stream(s: &Stream, out: &mut Vec<u8>) {
    put_id(out, s.last_id);
    put_id(out, s.first_id);
    put_id(out, s.max_deleted_id);
    put_u64(out, s.entries_added);
    put_len(out, s.node_count());
    for node in s.raw_nodes() {
        let master: Vec<&[u8]> = node.master_fields().collect();
        put_len(out, master.len());
        for f in &master {
            put_bytes(out, f);
        }
        let mut count = 0usize;
        let mut body = Vec::new();
        for (deleted, e) in node.entries() {
            count += 1;
            let same =
                e.nfields() == master.len() && e.pairs().zip(&master).all(|((f, _), m)| f == *m);
            let mut flags = if deleted { E_DELETED } else { 0 };
            if same {
                flags |= E_SAME;
            }
            body.push(flags);
            put_id(&mut body, e.id);
            if !same {
                put_len(&mut body, e.nfields());
            }
            for (f, v) in e.pairs() {
                if !same {
                    put_bytes(&mut body, f);
                }
                put_bytes(&mut body, v);
            }
        }
        put_len(out, count);
        out.extend_from_slice(&body);
    }
    put_len(out, s.groups.len());
    for (name, g) in &s.groups {
        put_bytes(out, name);
        put_id(out, g.last_id);
        put_i64(out, g.entries_read);
        put_len(out, g.pel.len());
        for (id, n) in &g.pel {
            put_id(out, *id);
            put_u64(out, n.delivery_time);
            put_u64(out, n.delivery_count);
        }
        put_len(out, g.consumers.len());
        for c in g.consumers.values() {
            put_bytes(out, &c.name);
            put_u64(out, c.seen_time);
            put_len(out, c.pel.len());
            for id in &c.pel {
                put_id(out, *id);
            }
        }
    }
}

/// Decodes one value, the whole of `bytes`, choosing encodings by `limits`.
pub fn decode_value(bytes: &[u8], limits: &Limits) -> Result<Value, String> {
    let mut r = Reader { b: bytes, pos: 0 };
    let v = read_value(&mut r, limits)?;
    r.finish()?;
    Ok(v)
}

/// Appends a key snapshot: the key, its absolute expiry in Unix ms (0 =
/// none), then the value.
pub fn encode_entry(key: &[u8], value: &Value, expire_at_ms: u64, out: &mut Vec<u8>) {
    put_bytes(out, key);
    put_u64(out, expire_at_ms);
    encode_value(value, out);
}

/// Decodes a key snapshot written by [`encode_entry`]: (key, value, expiry).
pub fn decode_entry(bytes: &[u8], limits: &Limits) -> Result<(Bytes, Value, u64), String> {
    let mut r = Reader { b: bytes, pos: 0 };
    let key = Bytes::copy_from_slice(r.bytes()?);
    let expire = r.u64()?;
    let v = read_value(&mut r, limits)?;
    r.finish()?;
    Ok((key, v, expire))
}

fn read_value(r: &mut Reader<'_>, limits: &Limits) -> Result<Value, String> {
    let tag = r.byte()?;
    Ok(match tag {
        T_STR => Value::Str(StrValue::from_bytes(r.bytes()?)),
        T_INT => Value::Str(StrValue::Int(r.i64()?)),
        T_LIST => {
            let n = r.nonempty_count(1)?;
            let mut l = VecDeque::with_capacity(n);
            for _ in 0..n {
                l.push_back(r.bytes()?.into());
            }
            Value::List(l)
        }
        T_SET | T_INTSET => Value::Set(read_set(r, tag == T_INTSET, limits)?),
        T_HASH => Value::Hash(read_hash(r, limits)?),
        T_ZSET => Value::ZSet(read_zset(r, limits)?),
        T_STREAM => Value::Stream(Box::new(read_stream(r)?)),
        t => return Err(format!("unknown value type {t}")),
    })
}

/// Redis's rdbLoadObject for sets: a hashtable when there are more members
/// than `set-max-intset-entries`, else an intset until a member is not an
/// integer.
fn read_set(r: &mut Reader<'_>, ints: bool, limits: &Limits) -> Result<SetValue, String> {
    let n = r.nonempty_count(1)?;
    let max = limits.set_max_intset_entries;
    let mut s = if n > max {
        SetValue::Hash(Box::new(StrSet::with_capacity(n)))
    } else {
        SetValue::new_ints()
    };
    for _ in 0..n {
        let added = if ints {
            s.insert_member(Member::Int(r.i64()?), max)
        } else {
            s.insert(r.bytes()?, max)
        };
        if !added {
            return Err("duplicate set member".into());
        }
    }
    Ok(s)
}

/// Redis's rdbLoadObject for hashes: a listpack while the count and every
/// field and value fit the limits, a hashtable otherwise; order is kept.
fn read_hash(r: &mut Reader<'_>, limits: &Limits) -> Result<Hash, String> {
    let n = r.nonempty_count(2)?;
    let mut h = Hash::new();
    if n > limits.hash_max_listpack_entries {
        h.convert();
    }
    for _ in 0..n {
        let f = r.bytes()?;
        let v = r.bytes()?;
        let added = h.set(
            f,
            v,
            limits.hash_max_listpack_entries,
            limits.hash_max_listpack_value,
        );
        if !added {
            return Err("duplicate hash field".into());
        }
    }
    Ok(h)
}

/// Members must be in the sorted-set order, unique, with no NaN score.
fn read_zset(r: &mut Reader<'_>, limits: &Limits) -> Result<ZSet, String> {
    let n = r.nonempty_count(9)?;
    let mut items: Vec<(&[u8], f64)> = Vec::with_capacity(n);
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(n);
    for _ in 0..n {
        let score = f64::from_bits(r.u64_le()?);
        let m = r.bytes()?;
        if score.is_nan() {
            return Err("NaN score".into());
        }
        if let Some(&(pm, ps)) = items.last() {
            if cmp_key(ps, pm, score, m) != std::cmp::Ordering::Less {
                return Err("sorted set members out of order".into());
            }
        }
        if !seen.insert(m) {
            return Err("duplicate sorted set member".into());
        }
        items.push((m, score));
    }
    Ok(ZSet::from_sorted(&items, limits))
}

fn read_stream(r: &mut Reader<'_>) -> Result<Stream, String> {
    let mut s = Stream::new();
    s.last_id = r.id()?;
    s.first_id = r.id()?;
    s.max_deleted_id = r.id()?;
    s.entries_added = r.u64()?;
    let mut last_entry: Option<StreamId> = None;
    // A node is at least a master count, an entry count and one entry.
    let nodes = r.count(6)?;
    for _ in 0..nodes {
        let nmaster = r.count(1)?;
        let mut master = Vec::with_capacity(nmaster);
        for _ in 0..nmaster {
            master.push(r.bytes()?);
        }
        // An entry is a flags byte, an id and at least one value.
        let n = r.count(4)?;
        let mut entries: Vec<LoadEntry<'_>> = Vec::with_capacity(n);
        for _ in 0..n {
            let flags = r.byte()?;
            if flags & !(E_DELETED | E_SAME) != 0 {
                return Err(format!("bad stream entry flags {flags}"));
            }
            let id = r.id()?;
            let fields = if flags & E_SAME != 0 {
                let mut v = Vec::with_capacity(2 * master.len());
                for f in &master {
                    v.push(*f);
                    v.push(r.bytes()?);
                }
                v
            } else {
                let nf = r.count(2)?;
                let mut v = Vec::with_capacity(2 * nf);
                for _ in 0..2 * nf {
                    v.push(r.bytes()?);
                }
                v
            };
            if fields.is_empty() {
                return Err("stream entry without fields".into());
            }
            entries.push((id, flags & E_DELETED != 0, fields));
        }
        s.push_node(&master, &entries)?;
        last_entry = entries.last().map(|e| e.0);
    }
    if last_entry.is_some_and(|id| id > s.last_id) {
        return Err("stream entry after the last id".into());
    }
    if s.entries_added < s.len() || s.entries_added > i64::MAX as u64 {
        return Err("bad stream entries-added".into());
    }
    // A group is at least a name, an id, entries-read and two counts.
    let ngroups = r.count(6)?;
    for _ in 0..ngroups {
        let name: Box<[u8]> = r.bytes()?.into();
        let last_id = r.id()?;
        let entries_read = r.i64()?;
        if entries_read < INVALID_ENTRIES_READ {
            return Err("bad group entries-read".into());
        }
        let mut g = Group::new(last_id, entries_read);
        // Pending entries wait here until a consumer claims them.
        let mut pending: BTreeMap<StreamId, (u64, u64)> = BTreeMap::new();
        let npel = r.count(4)?;
        for _ in 0..npel {
            let id = r.id()?;
            let t = r.u64()?;
            let k = r.u64()?;
            if pending.insert(id, (t, k)).is_some() {
                return Err("duplicate pending entry".into());
            }
        }
        let nconsumers = r.count(3)?;
        for _ in 0..nconsumers {
            let cname: Arc<[u8]> = r.bytes()?.into();
            let seen_time = r.u64()?;
            let n = r.count(2)?;
            let mut pel = BTreeSet::new();
            for _ in 0..n {
                let id = r.id()?;
                let Some((delivery_time, delivery_count)) = pending.remove(&id) else {
                    return Err("consumer entry not pending in its group".into());
                };
                pel.insert(id);
                let consumer = cname.clone();
                g.pel.insert(
                    id,
                    Nack {
                        consumer,
                        delivery_time,
                        delivery_count,
                    },
                );
            }
            let c = Consumer {
                name: cname.clone(),
                seen_time,
                pel,
            };
            if g.consumers.insert(cname[..].into(), c).is_some() {
                return Err("duplicate consumer".into());
            }
        }
        if !pending.is_empty() {
            return Err("pending entry without a consumer".into());
        }
        if s.groups.insert(name, g).is_some() {
            return Err("duplicate consumer group".into());
        }
    }
    Ok(s)
}

// ------------------------------------------------------------ primitives --

fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u64(out, n as u64);
}

fn put_i64(out: &mut Vec<u8>, v: i64) {
    put_u64(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

fn put_id(out: &mut Vec<u8>, id: StreamId) {
    put_u64(out, id.ms);
    put_u64(out, id.seq);
}

/// A cursor over the input; every read is bounds-checked.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

const TRUNCATED: &str = "truncated value";

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let c = *self.b.get(self.pos).ok_or(TRUNCATED)?;
        self.pos += 1;
        Ok(c)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for i in 0..10 {
            let c = self.byte()?;
            // The tenth byte holds bit 63 only.
            if i == 9 && c > 1 {
                return Err("varint overflow".into());
            }
            v |= u64::from(c & 0x7f) << (7 * i);
            if c & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint overflow".into())
    }

    fn i64(&mut self) -> Result<i64, String> {
        let v = self.u64()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    fn u64_le(&mut self) -> Result<u64, String> {
        let b = self.b.get(self.pos..self.pos + 8).ok_or(TRUNCATED)?;
        self.pos += 8;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn id(&mut self) -> Result<StreamId, String> {
        Ok(StreamId::new(self.u64()?, self.u64()?))
    }

    /// A count of items taking at least `min_each` bytes each: refused when
    /// the bytes left could not hold them, so it is safe to reserve.
    fn count(&mut self, min_each: usize) -> Result<usize, String> {
        let n = self.u64()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_each) <= self.left() => Ok(n),
            _ => Err(TRUNCATED.into()),
        }
    }

    /// A collection's count: collections in the keyspace are never empty.
    fn nonempty_count(&mut self, min_each: usize) -> Result<usize, String> {
        match self.count(min_each)? {
            0 => Err("empty collection".into()),
            n => Ok(n),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.count(1)?;
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn finish(&self) -> Result<(), String> {
        if self.pos == self.b.len() {
            Ok(())
        } else {
            Err("trailing bytes after value".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::table::{self, Exec};
    use crate::resp::Reply;
    use crate::shard::{Ctx, Shard};

    const NOW: u64 = 1_700_000_000_000;

    fn run_argv_at(sh: &mut Shard, now: u64, a: &[Bytes]) -> Reply {
        let mut spec = table::lookup(&a[0]).expect("known command");
        if !spec.subcommands.is_empty() {
            spec = table::lookup_sub(spec, &a[1]).expect("known subcommand");
        }
        let Exec::Keyed { handler, .. } = spec.exec else {
            panic!("not a keyed command: {}", spec.name)
        };
        handler(&mut Ctx::new(sh, 0, now), a).expect("command succeeds")
    }

    fn run_at(sh: &mut Shard, now: u64, cmd: &str) -> Reply {
        let a: Vec<Bytes> = cmd
            .split(' ')
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        run_argv_at(sh, now, &a)
    }

    fn run(sh: &mut Shard, cmd: &str) -> Reply {
        run_at(sh, NOW, cmd)
    }

    fn shard() -> Shard {
        Shard::new(0, 1, 1, NOW)
    }

    fn value(sh: &mut Shard, key: &str) -> Value {
        let db = &mut sh.dbs[0];
        let i = db.find(key.as_bytes()).expect("key exists");
        db.entry(i).value.clone()
    }

    fn reload(v: &Value) -> Value {
        let mut out = Vec::new();
        encode_value(v, &mut out);
        decode_value(&out, &Limits::default()).expect("decodes")
    }

    /// Round trip of `key`: equal value, and the encoding `enc` after it.
    fn check(sh: &mut Shard, key: &str, enc: &str) -> Value {
        let v = value(sh, key);
        let d = reload(&v);
        assert_eq!(d, v, "{key}");
        assert_eq!(d.encoding(), enc, "{key}");
        d
    }

    fn enc(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(v, &mut out);
        out
    }

    #[test]
    fn strings_keep_their_bytes_and_reload_encodings() {
        let mut sh = shard();
        run(&mut sh, "SET i 123");
        run(&mut sh, "SET neg -9223372036854775808");
        run(&mut sh, "SET e hello");
        run(&mut sh, "SET z 0123");
        run(&mut sh, &format!("SET r {}", "x".repeat(45)));
        run(&mut sh, "SET a abc");
        run(&mut sh, "APPEND a def");
        run(&mut sh, "SET n 12");
        run(&mut sh, "APPEND n 34");
        assert_eq!(check(&mut sh, "i", "int"), Value::Str(StrValue::Int(123)));
        check(&mut sh, "neg", "int");
        check(&mut sh, "e", "embstr");
        check(&mut sh, "z", "embstr");
        check(&mut sh, "r", "raw");
        // An appended string is `raw` until a reload re-encodes it, as in Redis.
        assert_eq!(value(&mut sh, "a").encoding(), "raw");
        let a = reload(&value(&mut sh, "a"));
        assert_eq!(a, Value::Str(StrValue::Raw(b"abcdef"[..].into())));
        assert_eq!(a.encoding(), "embstr");
        assert_eq!(
            reload(&value(&mut sh, "n")),
            Value::Str(StrValue::Int(1234))
        );
        // Binary data with NULs, and the empty string.
        let bin = Value::Str(StrValue::Raw(b"\0a\0\xff\r\n"[..].into()));
        assert_eq!(reload(&bin), bin);
        let empty = Value::Str(StrValue::Raw(b""[..].into()));
        assert_eq!(reload(&empty), empty);
        assert_eq!(enc(&Value::Str(StrValue::Int(-1))), [T_INT, 1]);
        assert_eq!(
            enc(&Value::Str(StrValue::Raw(b"ab"[..].into()))),
            [0, 2, b'a', b'b']
        );
    }

    #[test]
    fn lists_round_trip() {
        let mut sh = shard();
        run(&mut sh, "RPUSH l a 1 b");
        run(&mut sh, "LPUSH l z");
        check(&mut sh, "l", "quicklist");
        let big: VecDeque<Box<[u8]>> = (0..100_000u32)
            .map(|i| i.to_le_bytes().to_vec().into_boxed_slice())
            .collect();
        let v = Value::List(big);
        let d = reload(&v);
        assert_eq!(d, v);
        let bin = Value::List(VecDeque::from(vec![
            b"\0"[..].into(),
            Box::from(&b""[..]),
            b"a\0b"[..].into(),
        ]));
        assert_eq!(reload(&bin), bin);
    }

    #[test]
    fn sets_pick_their_encoding_like_redis_on_load() {
        let mut sh = shard();
        run(&mut sh, "SADD ints 5 -3 100000000000 0");
        check(&mut sh, "ints", "intset");
        run(&mut sh, "SADD strs a b 1");
        check(&mut sh, "strs", "hashtable");
        // A hashtable left holding only integers is an intset after a
        // reload (Redis's rdbLoadObject tries the intset first).
        run(&mut sh, "SADD mixed 1 2 x");
        run(&mut sh, "SREM mixed x");
        assert_eq!(value(&mut sh, "mixed").encoding(), "hashtable");
        let d = reload(&value(&mut sh, "mixed"));
        assert_eq!(d, value(&mut sh, "mixed"));
        assert_eq!(d.encoding(), "intset");
        // Past set-max-intset-entries: a hashtable.
        let members: Vec<String> = (0..513).map(|i| i.to_string()).collect();
        run(&mut sh, &format!("SADD many {}", members.join(" ")));
        check(&mut sh, "many", "hashtable");
        // 100k members, integers and strings.
        let mut s = SetValue::new_ints();
        let mut t = SetValue::new_ints();
        for i in 0..100_000i64 {
            s.insert_member(Member::Int(i * 7 - 50_000), 512);
            t.insert(format!("m\0{i}").as_bytes(), 512);
        }
        for v in [Value::Set(s), Value::Set(t)] {
            let d = reload(&v);
            assert_eq!(d, v);
            assert_eq!(d.encoding(), "hashtable");
        }
        let bin = {
            let mut s = SetValue::new_for(b"\0");
            s.insert(b"\0", 512);
            s.insert(b"", 512);
            Value::Set(s)
        };
        assert_eq!(reload(&bin), bin);
    }

    #[test]
    fn hashes_pick_their_encoding_and_keep_order() {
        let mut sh = shard();
        run(&mut sh, "HSET h z 1 a 2 m 3");
        let d = check(&mut sh, "h", "listpack");
        let Value::Hash(h) = d else { panic!("hash") };
        let order: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(order, vec![&b"z"[..], b"a", b"m"]);
        run(&mut sh, &format!("HSET long f {}", "v".repeat(65)));
        check(&mut sh, "long", "hashtable");
        let pairs: Vec<String> = (0..129).map(|i| format!("f{i} {i}")).collect();
        run(&mut sh, &format!("HSET many {}", pairs.join(" ")));
        check(&mut sh, "many", "hashtable");
        // A hashtable that shrank below the limits is a listpack after a reload.
        run(&mut sh, "HSET shrunk a 1");
        run(&mut sh, &format!("HSET shrunk b {}", "v".repeat(65)));
        run(&mut sh, "HDEL shrunk b");
        assert_eq!(value(&mut sh, "shrunk").encoding(), "hashtable");
        assert_eq!(reload(&value(&mut sh, "shrunk")).encoding(), "listpack");
        let mut big = Hash::new();
        for i in 0..100_000u32 {
            big.set(&i.to_be_bytes(), format!("v{i}\0").as_bytes(), 128, 64);
        }
        let v = Value::Hash(big);
        let d = reload(&v);
        assert_eq!(d, v);
        assert_eq!(d.encoding(), "hashtable");
        let mut bin = Hash::new();
        bin.set(b"\0", b"", 128, 64);
        bin.set(b"", b"\0\0", 128, 64);
        let v = Value::Hash(bin);
        assert_eq!(reload(&v), v);
    }

    fn zbits(v: &Value) -> Vec<(Vec<u8>, u64)> {
        let Value::ZSet(z) = v else { panic!("zset") };
        z.iter().map(|(m, s)| (m.to_vec(), s.to_bits())).collect()
    }

    #[test]
    fn sorted_sets_keep_scores_bit_exact_and_order() {
        let mut sh = shard();
        run(&mut sh, "ZADD z 1.5 a -inf b inf c 0 d 3 e");
        let d = check(&mut sh, "z", "listpack");
        assert_eq!(zbits(&d), zbits(&value(&mut sh, "z")));
        // The long member first makes a skiplist at once, which keeps -0.
        run(
            &mut sh,
            &format!(
                "ZADD big 0.1 {} -0 neg 0 pos -inf lo inf hi",
                "m".repeat(65)
            ),
        );
        run(&mut sh, "ZADD big 1e-300 tiny 1.7976931348623157e308 max");
        let d = check(&mut sh, "big", "skiplist");
        let bits = zbits(&d);
        assert_eq!(bits, zbits(&value(&mut sh, "big")));
        assert!(bits.contains(&(b"neg".to_vec(), (-0.0f64).to_bits())));
        let items: Vec<String> = (0..129).map(|i| format!("{i} m{i}")).collect();
        run(&mut sh, &format!("ZADD many {}", items.join(" ")));
        check(&mut sh, "many", "skiplist");
        // Shrunk below the limits: a listpack after a reload, as Redis converts.
        run(&mut sh, "ZREMRANGEBYRANK many 0 10");
        assert_eq!(reload(&value(&mut sh, "many")).encoding(), "listpack");
        let mut items: Vec<(Vec<u8>, f64)> = (0..100_000u32)
            .map(|i| (format!("\0{i}").into_bytes(), f64::from(i % 1000) - 500.5))
            .collect();
        items.sort_by(|a, b| cmp_key(a.1, &a.0, b.1, &b.0));
        let v = Value::ZSet(ZSet::from_sorted(&items, &Limits::default()));
        let d = reload(&v);
        assert_eq!(d, v);
        assert_eq!(zbits(&d), zbits(&v));
        assert_eq!(d.encoding(), "skiplist");
    }

    fn xinfo_full(sh: &mut Shard, key: &str) -> Reply {
        run(sh, &format!("XINFO STREAM {key} FULL COUNT 0"))
    }

    /// Round trip of stream `key` through a second shard: same struct, same
    /// XINFO STREAM FULL, and the same after `more` runs on both.
    fn check_stream(sh: &mut Shard, key: &str, more: &[&str]) {
        let v = value(sh, key);
        let d = reload(&v);
        assert_eq!(d, v);
        let mut other = shard();
        other.dbs[0].insert(key.as_bytes(), d, 0);
        assert_eq!(xinfo_full(&mut other, key), xinfo_full(sh, key));
        for cmd in more {
            assert_eq!(
                run_at(&mut other, NOW + 50, cmd),
                run_at(sh, NOW + 50, cmd),
                "{cmd}"
            );
        }
        assert_eq!(value(&mut other, key), value(sh, key));
        assert_eq!(xinfo_full(&mut other, key), xinfo_full(sh, key));
    }

    #[test]
    fn streams_round_trip_everything_xinfo_shows() {
        let mut sh = shard();
        // Several nodes (100 entries each), varied fields, binary values.
        for i in 1..=250 {
            let f = if i % 3 == 0 { "other x" } else { "f v" };
            run(&mut sh, &format!("XADD s {i}-1 {f} n {i}"));
        }
        run(&mut sh, "XADD s 300-0 f a\0b");
        run(&mut sh, "XDEL s 5-1 6-1 150-1");
        run(&mut sh, "XTRIM s MAXLEN 200");
        run(&mut sh, "XGROUP CREATE s g1 0");
        run(&mut sh, "XGROUP CREATE s g2 $ ENTRIESREAD 3");
        run(&mut sh, "XGROUP CREATECONSUMER s g1 idle");
        run_at(
            &mut sh,
            NOW + 1,
            "XREADGROUP GROUP g1 alice COUNT 5 STREAMS s >",
        );
        run_at(
            &mut sh,
            NOW + 2,
            "XREADGROUP GROUP g1 bob COUNT 3 STREAMS s >",
        );
        run_at(&mut sh, NOW + 3, "XCLAIM s g1 bob 0 51-1 52-1");
        run(&mut sh, "XACK s g1 53-1");
        run(&mut sh, "XDEL s 54-1");
        let v = value(&mut sh, "s");
        let Value::Stream(st) = &v else {
            panic!("stream")
        };
        assert!(st.node_count() >= 3);
        assert_eq!(st.groups[&b"g1"[..]].pel.len(), 7);
        check_stream(
            &mut sh,
            "s",
            &[
                "XADD s 400-0 f v",
                "XTRIM s MAXLEN ~ 10",
                "XADD s * f v",
                "XREADGROUP GROUP g1 carol COUNT 2 STREAMS s >",
                "XPENDING s g1 - + 100",
                "XRANGE s - +",
            ],
        );
        // XSETID's counters and an emptied stream keep their values.
        let t = NOW + 1000;
        run(
            &mut sh,
            &format!("XSETID s {t}-5 ENTRIESADDED 9999 MAXDELETEDID {t}-1"),
        );
        check_stream(&mut sh, "s", &[&format!("XADD s {t}-9 a b")]);
        run(&mut sh, "XTRIM s MAXLEN 0");
        check_stream(&mut sh, "s", &[&format!("XADD s {}-0 a b", t + 1)]);
        // An empty stream made by MKSTREAM, with a group and no entries.
        run(&mut sh, "XGROUP CREATE e g $ MKSTREAM");
        check_stream(&mut sh, "e", &["XADD e 1-1 a b"]);
        // Binary field names and an entry rewritten with other fields.
        let a = |s: &[u8]| Bytes::copy_from_slice(s);
        run_argv_at(
            &mut sh,
            NOW,
            &[
                a(b"XADD"),
                a(b"b"),
                a(b"1-0"),
                a(b"\0f"),
                a(b""),
                a(b"g"),
                a(b"\xff"),
            ],
        );
        run_argv_at(
            &mut sh,
            NOW,
            &[a(b"XADD"), a(b"b"), a(b"2-0"), a(b"\0f"), a(b"x")],
        );
        check_stream(&mut sh, "b", &["XADD b 3-0 \0f y"]);
    }

    #[test]
    fn entries_carry_key_and_expiry() {
        let v = Value::Str(StrValue::Raw(b"v"[..].into()));
        for (key, exp) in [
            (&b"k"[..], 0),
            (&b"\0bin\xff"[..], u64::MAX),
            (&b""[..], 1_700_000_000_123),
        ] {
            let mut out = Vec::new();
            encode_entry(key, &v, exp, &mut out);
            let (k, d, e) = decode_entry(&out, &Limits::default()).expect("decodes");
            assert_eq!((&k[..], &d, e), (key, &v, exp));
            out.push(0);
            assert!(decode_entry(&out, &Limits::default()).is_err());
        }
    }

    /// Small encodings of every type, streams with groups included.
    fn samples() -> Vec<Vec<u8>> {
        let mut sh = shard();
        for cmd in [
            "SET s hello",
            "SET i -77",
            "RPUSH l a bb",
            "SADD si 1 2",
            "SADD ss a b",
            "HSET h f v g w",
            "ZADD z 1 a -inf b",
            "XADD x 1-1 f v",
            "XADD x 2-1 g w h u",
            "XADD x 3-1 f v",
            "XDEL x 2-1",
            "XGROUP CREATE x g 0",
            "XREADGROUP GROUP g c COUNT 1 STREAMS x >",
            "XGROUP CREATECONSUMER x g d",
        ] {
            run(&mut sh, cmd);
        }
        ["s", "i", "l", "si", "ss", "h", "z", "x"]
            .iter()
            .map(|k| enc(&value(&mut sh, k)))
            .collect()
    }

    #[test]
    fn truncation_and_trailing_bytes_are_errors() {
        let lim = Limits::default();
        for s in samples() {
            assert!(decode_value(&s, &lim).is_ok());
            for cut in 0..s.len() {
                assert!(decode_value(&s[..cut], &lim).is_err(), "{s:?} cut at {cut}");
            }
            let mut long = s.clone();
            long.push(0);
            assert!(decode_value(&long, &lim).is_err());
        }
    }

    #[test]
    fn bad_contents_are_errors() {
        let lim = Limits::default();
        let bad: &[&[u8]] = &[
            &[],
            &[99],
            // Counts far past the input: refused before any allocation.
            &[
                T_LIST, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            &[T_STR, 0xff, 0xff, 0xff, 0xff, 0x0f, b'a'],
            &[
                T_HASH, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02,
            ],
            // Empty collections.
            &[T_LIST, 0],
            &[T_SET, 0],
            &[T_ZSET, 0],
            // Duplicates.
            &[T_SET, 2, 1, b'a', 1, b'a'],
            &[T_INTSET, 2, 2, 2],
            &[T_HASH, 2, 1, b'a', 0, 1, b'a', 0],
            // A stream entry with unknown flags.
            &[
                T_STREAM, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 4, 1, 0, 1, 1, b'f', 0, 0,
            ],
        ];
        for b in bad {
            assert!(decode_value(b, &lim).is_err(), "{b:?}");
        }
        // Sorted sets: NaN, out of order, duplicate member.
        let z = |items: &[(f64, &[u8])]| {
            let mut out = vec![T_ZSET, items.len() as u8];
            for (s, m) in items {
                out.extend_from_slice(&s.to_bits().to_le_bytes());
                put_bytes(&mut out, m);
            }
            out
        };
        assert!(decode_value(&z(&[(1.0, b"a"), (2.0, b"b")]), &lim).is_ok());
        assert!(decode_value(&z(&[(f64::NAN, b"a")]), &lim).is_err());
        assert!(decode_value(&z(&[(2.0, b"a"), (1.0, b"b")]), &lim).is_err());
        assert!(decode_value(&z(&[(1.0, b"b"), (1.0, b"a")]), &lim).is_err());
        assert!(decode_value(&z(&[(1.0, b"a"), (2.0, b"a")]), &lim).is_err());
        assert!(decode_value(&z(&[(-0.0, b"a"), (0.0, b"a")]), &lim).is_err());
    }

    #[test]
    fn stream_consistency_is_checked() {
        let lim = Limits::default();
        let mut sh = shard();
        run(&mut sh, "XADD x 5-0 f v");
        run(&mut sh, "XGROUP CREATE x g 0");
        run(&mut sh, "XREADGROUP GROUP g c STREAMS x >");
        let Value::Stream(st) = value(&mut sh, "x") else {
            panic!("stream")
        };
        let try_with = |f: &dyn Fn(&mut Stream)| {
            let mut s = (*st).clone();
            f(&mut s);
            decode_value(&enc(&Value::Stream(Box::new(s))), &lim)
        };
        assert!(try_with(&|_| {}).is_ok());
        // Entries after the last id, a counter below the length.
        assert!(try_with(&|s| s.last_id = StreamId::new(4, 0)).is_err());
        assert!(try_with(&|s| s.entries_added = 0).is_err());
        assert!(try_with(&|s| {
            if let Some(g) = s.groups.get_mut(&b"g"[..]) {
                g.entries_read = -2;
            }
        })
        .is_err());
        // A pending entry no consumer owns.
        assert!(try_with(&|s| {
            if let Some(g) = s.groups.get_mut(&b"g"[..]) {
                g.consumers.clear();
            }
        })
        .is_err());
        // A consumer owning an entry not in the group's PEL.
        assert!(try_with(&|s| {
            if let Some(g) = s.groups.get_mut(&b"g"[..]) {
                g.pel.clear();
            }
        })
        .is_err());
    }

    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
    }

    /// Decodes `b`; whatever it accepts must encode and decode again to
    /// the same value, and a stream must serve commands. Returns whether
    /// it was accepted.
    fn survive(b: &[u8], lim: &Limits) -> bool {
        let Ok(v) = decode_value(b, lim) else {
            return false;
        };
        let again = reload(&v);
        assert_eq!(again, v);
        if let Value::Stream(_) = v {
            let mut sh = shard();
            sh.dbs[0].insert(b"x", v, 0);
            for cmd in [
                "XINFO STREAM x FULL",
                "XINFO STREAM x",
                "XINFO GROUPS x",
                "XRANGE x - +",
                "XREVRANGE x + -",
                "XPENDING x g - + 10",
                "XREADGROUP GROUP g c STREAMS x 0",
                "XREADGROUP GROUP g c STREAMS x >",
                "XAUTOCLAIM x g c 0 0-0",
                "XADD x * f v",
                "XTRIM x MAXLEN 1",
                "XDEL x 1-1 2-1 3-1",
            ] {
                let a: Vec<Bytes> = cmd
                    .split(' ')
                    .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                    .collect();
                let mut spec = table::lookup(&a[0]).expect("known command");
                if !spec.subcommands.is_empty() {
                    spec = table::lookup_sub(spec, &a[1]).expect("known subcommand");
                }
                let Exec::Keyed { handler, .. } = spec.exec else {
                    panic!("keyed")
                };
                let _ = handler(&mut Ctx::new(&mut sh, 0, NOW), &a);
            }
        }
        true
    }

    #[test]
    fn garbage_never_panics() {
        let lim = Limits::default();
        let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
        let mut accepted = 0;
        // Pure noise, with a valid tag most of the time.
        for _ in 0..20_000 {
            let n = (rng.next() % 64) as usize;
            let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if let Some(t) = b.first_mut() {
                *t %= 9;
            }
            accepted += usize::from(survive(&b, &lim));
        }
        // Valid encodings with a few bytes changed reach deeper.
        let samples = samples();
        for _ in 0..50_000 {
            let mut b = samples[(rng.next() % samples.len() as u64) as usize].clone();
            for _ in 0..1 + rng.next() % 3 {
                let i = (rng.next() % b.len() as u64) as usize;
                b[i] = match rng.next() % 4 {
                    0 => b[i].wrapping_add(1),
                    1 => b[i].wrapping_sub(1),
                    2 => 0,
                    _ => rng.next() as u8,
                };
            }
            accepted += usize::from(survive(&b, &lim));
        }
        eprintln!("accepted {accepted}");
        assert!(accepted > 1000);
    }
}
