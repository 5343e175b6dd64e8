//! Streams (Redis's `t_stream.c` data side): entries with ids, ordered,
//! plus consumer groups.
//!
//! Entries live in nodes of a `BTreeMap` keyed by the id of the first entry
//! ever added to the node (Redis's rax of listpacks). A node packs its
//! entries into one buffer: the "master" field names first, then per entry
//! a flags byte (deleted, same fields as the master), the id as varint
//! deltas from the node's key, and the length-prefixed fields and values
//! (values only when the fields are the master's). Deleting marks the flag;
//! a node whose live entries are all gone is freed.
//!
//! A node takes new entries until it holds `stream-node-max-entries`
//! entries (deleted ones included) or its Redis listpack would reach
//! `stream-node-max-bytes`. The listpack size is computed, not built
//! (`lp_*` below), so that nodes split exactly where Redis's do: trimming
//! with `~` removes whole nodes, and its results must match.
//!
//! Range scans cost O(log n) to find the first node plus the entries read
//! (a backward scan decodes the offsets of the node it starts in).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A stream entry id: milliseconds and a sequence number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next id, or None past the largest (Redis's streamIncrID error).
    pub fn next(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous id, or None before 0-0 (Redis's streamDecrID error).
    pub fn prev(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// `ms-seq` as text.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(24);
        crate::num::format_u64(self.ms, &mut v);
        v.push(b'-');
        crate::num::format_u64(self.seq, &mut v);
        v
    }
}

/// `SCG_INVALID_ENTRIES_READ`: a group's read counter that is not known.
pub const INVALID_ENTRIES_READ: i64 = -1;

/// How XADD / XTRIM trim.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trim {
    None,
    MaxLen(u64),
    MinId(StreamId),
}

/// Node size limits (`stream-node-max-bytes`, `stream-node-max-entries`; 0 = none).
#[derive(Clone, Copy, Debug)]
pub struct NodeLimits {
    pub max_bytes: usize,
    pub max_entries: usize,
}

/// Redis refuses listpacks past 1 GiB (`STREAM_LISTPACK_MAX_SIZE`).
pub const LISTPACK_MAX_SIZE: usize = 1 << 30;

const FLAG_DELETED: u8 = 1;
const FLAG_SAMEFIELDS: u8 = 2;

/// A pending entry of a group: who has it, when it was last delivered, how often.
#[derive(Clone, Debug, PartialEq)]
pub struct Nack {
    pub consumer: Arc<[u8]>,
    pub delivery_time: u64,
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct Consumer {
    pub name: Arc<[u8]>,
    pub seen_time: u64,
    /// Its pending entries (the group PEL holds their `Nack`s).
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub last_id: StreamId,
    /// Entries read so far (logical counter), or `INVALID_ENTRIES_READ`.
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Box<[u8]>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Adds consumer `name` (seen now); false if it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: u64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.into(),
            Consumer {
                name: name.into(),
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Removes consumer `name` and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Removes `id` from the PEL (and its consumer's); true if it was there.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(n) => {
                if let Some(c) = self.consumers.get_mut(&*n.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Gives pending entry `id` to consumer `name` (which must exist),
    /// creating the entry if missing; returns the entry.
    pub fn assign(&mut self, id: StreamId, name: &[u8], now: u64) -> Option<&mut Nack> {
        let cname = self.consumers.get(name)?.name.clone();
        let nack = self.pel.entry(id).or_insert_with(|| Nack {
            consumer: cname.clone(),
            delivery_time: now,
            delivery_count: 0,
        });
        if nack.consumer[..] != cname[..] {
            if let Some(old) = self.consumers.get_mut(&*nack.consumer) {
                old.pel.remove(&id);
            }
            nack.consumer = cname;
        }
        if let Some(c) = self.consumers.get_mut(name) {
            c.pel.insert(id);
        }
        self.pel.get_mut(&id)
    }
}

/// One node: up to `stream-node-max-entries` entries in one buffer.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    /// Master field names, then the entries.
    buf: Vec<u8>,
    /// Bytes of `buf` taken by the master fields.
    master_len: u32,
    master_count: u32,
    live: u32,
    deleted: u32,
    /// Redis's listpack bytes for the master fields and the entries (the
    /// counters are added by `lp_bytes`).
    lp_master: u32,
    lp_entries: u64,
}

impl Node {
    /// Appends entry `id` (relative to the node's first id `key`), its
    /// fields given whole; `same`: they match the master fields, so only
    /// the values are written. Counts its listpack size; the caller counts
    /// it as live or deleted.
    fn write_entry(
        &mut self,
        key: StreamId,
        id: StreamId,
        fields: &[&[u8]],
        same: bool,
        deleted: bool,
    ) {
        let nfields = fields.len() / 2;
        let dms = id.ms.wrapping_sub(key.ms);
        let dseq = id.seq.wrapping_sub(key.seq) as i64;
        let b = &mut self.buf;
        let flags = if same { FLAG_SAMEFIELDS } else { 0 };
        b.push(flags | if deleted { FLAG_DELETED } else { 0 });
        write_varint(b, dms);
        write_varint(b, zigzag(dseq));
        let mut lp = lp_int_size(0) + lp_int_size(dms as i64) + lp_int_size(dseq);
        if !same {
            write_varint(b, nfields as u64);
            lp += lp_int_size(nfields as i64);
        }
        for (i, f) in fields.iter().enumerate() {
            if same && i % 2 == 0 {
                continue;
            }
            write_bytes(b, f);
            lp += lp_str_size(f);
        }
        let lp_count = if same { nfields + 3 } else { 2 * nfields + 4 };
        lp += lp_int_size(lp_count as i64);
        self.lp_entries += lp;
    }

    fn lp_bytes(&self) -> u64 {
        // Header (6) and end byte, then count, deleted, num-fields, the
        // master fields and the zero terminator.
        7 + lp_int_size(self.live as i64)
            + lp_int_size(self.deleted as i64)
            + lp_int_size(self.master_count as i64)
            + self.lp_master as u64
            + lp_int_size(0)
    }

    fn total_lp_bytes(&self) -> u64 {
        self.lp_bytes() + self.lp_entries
    }

    fn master_fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut pos = 0;
        let b = &self.buf[..self.master_len as usize];
        std::iter::from_fn(move || {
            if pos >= b.len() {
                return None;
            }
            Some(read_bytes(b, &mut pos))
        })
    }

    /// Decodes the entry at `pos`: (flags, id, field/value region start,
    /// number of fields, end).
    fn decode(&self, key: StreamId, pos: usize) -> RawEntry {
        let b = &self.buf;
        let mut p = pos;
        let flags = b[p];
        p += 1;
        let dms = read_varint(b, &mut p);
        let dseq = unzigzag(read_varint(b, &mut p));
        let id = StreamId::new(key.ms.wrapping_add(dms), key.seq.wrapping_add(dseq as u64));
        let same = flags & FLAG_SAMEFIELDS != 0;
        let nfields = if same {
            self.master_count as usize
        } else {
            read_varint(b, &mut p) as usize
        };
        let data = p;
        let per = if same { 1 } else { 2 };
        for _ in 0..nfields * per {
            let n = read_varint(b, &mut p) as usize;
            p += n;
        }
        RawEntry {
            flags,
            id,
            data,
            nfields,
            end: p,
        }
    }

    fn offsets(&self) -> Vec<usize> {
        let mut v = Vec::with_capacity((self.live + self.deleted) as usize);
        let mut p = self.master_len as usize;
        let key = StreamId::MIN;
        while p < self.buf.len() {
            v.push(p);
            p = self.decode(key, p).end;
        }
        v
    }

    /// The id of the last entry, deleted or not (lpGetEdgeStreamID).
    fn last_id(&self, key: StreamId) -> Option<StreamId> {
        self.offsets().last().map(|&p| self.decode(key, p).id)
    }
}

struct RawEntry {
    flags: u8,
    id: StreamId,
    data: usize,
    nfields: usize,
    end: usize,
}

/// One entry as seen by a scan.
pub struct EntryRef<'a> {
    pub id: StreamId,
    node: &'a Node,
    data: usize,
    nfields: usize,
    same: bool,
}

impl<'a> EntryRef<'a> {
    pub fn nfields(&self) -> usize {
        self.nfields
    }

    /// The (field, value) pairs in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let b: &'a [u8] = &self.node.buf;
        let mut p = self.data;
        let mut master = self.node.master_fields();
        let same = self.same;
        let mut left = self.nfields;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            let f = if same {
                master.next().unwrap_or(&[])
            } else {
                read_bytes(b, &mut p)
            };
            let v = read_bytes(b, &mut p);
            Some((f, v))
        })
    }
}

/// A stream.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Node>,
    length: u64,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    /// Consumer groups by name (sorted, as Redis's rax).
    pub groups: BTreeMap<Box<[u8]>, Group>,
}

/// Why an append failed.
#[derive(Debug, PartialEq)]
pub enum AddError {
    /// The id is not greater than the last one (EDOM).
    IdTooSmall,
    /// The entry is too large for a node (ERANGE).
    TooLarge,
}

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Number of nodes (XINFO's radix-tree-keys).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Appends an entry. `id`: None = generate from `now`; Some((id,
    /// true)) = exactly this id; Some((id, false)) = `ms-*` (the sequence
    /// is generated). `fields` alternates field, value.
    pub fn add(
        &mut self,
        id: Option<(StreamId, bool)>,
        fields: &[&[u8]],
        now: u64,
        limits: NodeLimits,
    ) -> Result<StreamId, AddError> {
        let id = match id {
            None => {
                if now > self.last_id.ms {
                    StreamId::new(now, 0)
                } else {
                    self.last_id.next().unwrap_or(StreamId::MIN)
                }
            }
            Some((id, true)) => id,
            Some((id, false)) => {
                if self.last_id.ms == id.ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AddError::IdTooSmall);
                    }
                    StreamId::new(id.ms, self.last_id.seq + 1)
                } else {
                    StreamId::new(id.ms, 0)
                }
            }
        };
        if id <= self.last_id {
            return Err(AddError::IdTooSmall);
        }
        let total: usize = fields.iter().map(|f| f.len()).sum();
        if total > LISTPACK_MAX_SIZE {
            return Err(AddError::TooLarge);
        }
        let nfields = fields.len() / 2;
        let max_bytes = match limits.max_bytes {
            0 => LISTPACK_MAX_SIZE,
            b => b.min(LISTPACK_MAX_SIZE),
        } as u64;
        let tail_ok = self.nodes.last_key_value().is_some_and(|(_, n)| {
            n.total_lp_bytes() + (total as u64) < max_bytes
                && (limits.max_entries == 0 || ((n.live + n.deleted) as usize) < limits.max_entries)
        });
        if !tail_ok {
            if let Some(mut last) = self.nodes.last_entry() {
                last.get_mut().buf.shrink_to_fit();
            }
            let mut buf = Vec::new();
            let mut lp_master = 0u64;
            for f in fields.iter().step_by(2) {
                write_bytes(&mut buf, f);
                lp_master += lp_str_size(f);
            }
            let node = Node {
                master_len: buf.len() as u32,
                buf,
                master_count: nfields as u32,
                live: 0,
                deleted: 0,
                lp_master: lp_master.min(u32::MAX as u64) as u32,
                lp_entries: 0,
            };
            self.nodes.insert(id, node);
        }
        let Some((&key, node)) = self.nodes.iter_mut().next_back() else {
            return Err(AddError::TooLarge);
        };
        let same = node.master_count as usize == nfields
            && node
                .master_fields()
                .zip(fields.iter().step_by(2))
                .all(|(a, b)| a == *b);
        node.write_entry(key, id, fields, same, false);
        node.live += 1;
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// The node holding the first entry >= `id` may start before `id`: the
    /// key of the last node starting at or before it (or the first node).
    fn start_key(&self, id: StreamId) -> Option<StreamId> {
        self.nodes
            .range(..=id)
            .next_back()
            .or_else(|| self.nodes.iter().next())
            .map(|(k, _)| *k)
    }

    /// Calls `f` for live entries with ids in [start, end], in order (or
    /// reverse order), until it returns false.
    pub fn scan(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        mut f: impl FnMut(EntryRef<'_>) -> bool,
    ) {
        if start > end {
            return;
        }
        if !rev {
            let Some(k) = self.start_key(start) else {
                return;
            };
            for (&key, node) in self.nodes.range(k..) {
                if key > end {
                    return;
                }
                let mut p = node.master_len as usize;
                while p < node.buf.len() {
                    let e = node.decode(key, p);
                    p = e.end;
                    if e.flags & FLAG_DELETED != 0 || e.id < start {
                        continue;
                    }
                    if e.id > end {
                        return;
                    }
                    let r = EntryRef {
                        id: e.id,
                        node,
                        data: e.data,
                        nfields: e.nfields,
                        same: e.flags & FLAG_SAMEFIELDS != 0,
                    };
                    if !f(r) {
                        return;
                    }
                }
            }
        } else {
            let Some(k) = self.start_key(end) else {
                return;
            };
            for (&key, node) in self.nodes.range(..=k).rev() {
                for &p in node.offsets().iter().rev() {
                    let e = node.decode(key, p);
                    if e.flags & FLAG_DELETED != 0 || e.id > end {
                        continue;
                    }
                    if e.id < start {
                        return;
                    }
                    let r = EntryRef {
                        id: e.id,
                        node,
                        data: e.data,
                        nfields: e.nfields,
                        same: e.flags & FLAG_SAMEFIELDS != 0,
                    };
                    if !f(r) {
                        return;
                    }
                }
            }
        }
    }

    /// Calls `f` on the live entry `id` if there is one.
    pub fn get<R>(&self, id: StreamId, f: impl FnOnce(EntryRef<'_>) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut out = None;
        self.scan(id, id, false, |e| {
            if let Some(f) = f.take() {
                out = Some(f(e));
            }
            false
        });
        out
    }

    pub fn contains(&self, id: StreamId) -> bool {
        self.get(id, |_| ()).is_some()
    }

    /// The first or last live id (streamGetEdgeID skipping tombstones).
    pub fn edge_id(&self, first: bool) -> Option<StreamId> {
        let mut out = None;
        self.scan(StreamId::MIN, StreamId::MAX, !first, |e| {
            out = Some(e.id);
            false
        });
        out
    }

    /// The last live id (streamLastValidID); 0-0 when empty.
    pub fn last_valid_id(&self) -> StreamId {
        self.edge_id(false).unwrap_or(StreamId::MIN)
    }

    /// Marks entry `id` deleted (XDEL); true if it was live. Updates the
    /// length but not first/max-deleted ids (the caller does, as Redis).
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(key) = self.start_key(id) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(&key) else {
            return false;
        };
        let mut p = node.master_len as usize;
        while p < node.buf.len() {
            let e = node.decode(key, p);
            if e.id == id && e.flags & FLAG_DELETED == 0 {
                if node.live == 1 {
                    self.nodes.remove(&key);
                } else {
                    node.buf[p] |= FLAG_DELETED;
                    node.live -= 1;
                    node.deleted += 1;
                }
                self.length -= 1;
                return true;
            }
            if e.id >= id {
                return false;
            }
            p = e.end;
        }
        false
    }

    /// XDEL of many ids: deletes, then fixes first id and the max deleted id.
    pub fn delete_ids(&mut self, ids: &[StreamId]) -> u64 {
        let mut deleted = 0;
        let mut first = false;
        for &id in ids {
            if self.delete(id) {
                first |= id == self.first_id;
                if id > self.max_deleted_id {
                    self.max_deleted_id = id;
                }
                deleted += 1;
            }
        }
        if deleted > 0 {
            if self.length == 0 {
                self.first_id = StreamId::MIN;
            } else if first {
                self.first_id = self.edge_id(true).unwrap_or(StreamId::MIN);
            }
        }
        deleted
    }

    /// Trims as Redis's streamTrim: whole nodes first; with `approx`, only
    /// whole nodes; `limit` (0 = none) caps the entries removed. Returns
    /// the number removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        if how == Trim::None {
            return 0;
        }
        let mut deleted: u64 = 0;
        while let Some((&key, node)) = self.nodes.iter_mut().next() {
            if let Trim::MaxLen(max) = how {
                if self.length <= max {
                    break;
                }
            }
            let entries = node.live as u64;
            if limit > 0 && deleted + entries > limit {
                break;
            }
            let remove = match how {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node.last_id(key).is_some_and(|l| l < min),
                Trim::None => false,
            };
            if remove {
                self.nodes.remove(&key);
                self.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let mut p = node.master_len as usize;
            let mut from_node = 0;
            while p < node.buf.len() {
                let e = node.decode(key, p);
                let stop = match how {
                    Trim::MaxLen(max) => self.length <= max,
                    Trim::MinId(min) => e.id >= min,
                    Trim::None => true,
                };
                if stop {
                    break;
                }
                if e.flags & FLAG_DELETED == 0 {
                    node.buf[p] |= FLAG_DELETED;
                    from_node += 1;
                    self.length -= 1;
                }
                p = e.end;
            }
            node.live -= from_node;
            node.deleted += from_node;
            deleted += from_node as u64;
            break;
        }
        self.first_id = if self.length == 0 {
            StreamId::MIN
        } else {
            self.edge_id(true).unwrap_or(StreamId::MIN)
        };
        deleted
    }

    /// Redis's streamRangeHasTombstones from `start` to the end.
    fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// Redis's streamEstimateDistanceFromFirstEverEntry; INVALID when unknown.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return (self.entries_added - self.length) as i64;
            } else if id == self.first_id {
                return (self.entries_added - self.length + 1) as i64;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// A group's lag, or None when it cannot be known.
    pub fn lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(g.last_id) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        match self.estimate_distance(g.last_id) {
            INVALID_ENTRIES_READ => None,
            read => Some(self.entries_added as i64 - read),
        }
    }

    /// Moves group `name`'s last id to `id` as a delivery does, keeping its
    /// read counter (streamReplyWithRange).
    pub fn advance_group(&mut self, name: &[u8], id: StreamId) {
        let tomb = self.has_tombstones_from(id);
        let est = if self.entries_added > 0 {
            Some(self.estimate_distance(id))
        } else {
            None
        };
        if let Some(g) = self.groups.get_mut(name) {
            if id <= g.last_id {
                return;
            }
            if g.entries_read != INVALID_ENTRIES_READ && !tomb {
                g.entries_read += 1;
            } else if let Some(e) = est {
                g.entries_read = e;
            }
            g.last_id = id;
        }
    }

    /// The number of nodes Redis's rax would have for these node keys
    /// (XINFO's radix-tree-nodes), assuming its compressed form.
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self
            .nodes
            .keys()
            .map(|k| {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&k.ms.to_be_bytes());
                b[8..].copy_from_slice(&k.seq.to_be_bytes());
                b
            })
            .collect();
        if keys.is_empty() {
            return 1;
        }
        let groups = split_at_depth(&keys, 0);
        let branching = groups.len() >= 2;
        1 + groups
            .iter()
            .map(|g| rax_sub(g, 1, branching))
            .sum::<usize>()
    }

    /// Approximate heap bytes (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        let nodes: usize = self
            .nodes
            .values()
            .map(|n| n.buf.capacity() + std::mem::size_of::<Node>() + 16)
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(k, g)| {
                k.len()
                    + std::mem::size_of::<Group>()
                    + g.pel.len() * (std::mem::size_of::<Nack>() + 32)
                    + g.consumers
                        .iter()
                        .map(|(n, c)| 2 * n.len() + 64 + c.pel.len() * 16)
                        .sum::<usize>()
            })
            .sum();
        nodes + groups
    }
}

/// One node seen by persistence (`crate::aof::value`): its master fields
/// and its entries, deleted ones included, so that a reload rebuilds the
/// same nodes (XINFO's radix-tree counts, `~` trimming) as Redis's RDB does.
pub(crate) struct NodeRef<'a> {
    key: StreamId,
    node: &'a Node,
}

impl<'a> NodeRef<'a> {
    pub(crate) fn master_fields(&self) -> impl Iterator<Item = &'a [u8]> {
        self.node.master_fields()
    }

    /// Every entry in order: (deleted, entry).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (bool, EntryRef<'a>)> {
        let (key, node) = (self.key, self.node);
        let mut p = node.master_len as usize;
        std::iter::from_fn(move || {
            if p >= node.buf.len() {
                return None;
            }
            let e = node.decode(key, p);
            p = e.end;
            let r = EntryRef {
                id: e.id,
                node,
                data: e.data,
                nfields: e.nfields,
                same: e.flags & FLAG_SAMEFIELDS != 0,
            };
            Some((e.flags & FLAG_DELETED != 0, r))
        })
    }
}

/// An entry to rebuild with [`Stream::push_node`]: id, deleted, and its
/// fields and values alternating.
pub(crate) type LoadEntry<'a> = (StreamId, bool, Vec<&'a [u8]>);

impl Stream {
    /// The nodes in order (persistence).
    pub(crate) fn raw_nodes(&self) -> impl Iterator<Item = NodeRef<'_>> {
        self.nodes.iter().map(|(&key, node)| NodeRef { key, node })
    }

    /// Appends a node holding `entries` (ids increasing, after every id
    /// already here) with master fields `master`, as persisted; counts its
    /// live entries in the length. Ids, counters and groups are the
    /// caller's. Errors on an empty node, ids out of order or an odd
    /// number of fields and values.
    pub(crate) fn push_node(
        &mut self,
        master: &[&[u8]],
        entries: &[LoadEntry<'_>],
    ) -> Result<(), &'static str> {
        let Some(&(key, _, _)) = entries.first() else {
            return Err("empty stream node");
        };
        if let Some((&k, n)) = self.nodes.last_key_value() {
            if n.last_id(k).is_some_and(|last| last >= key) {
                return Err("stream ids out of order");
            }
        }
        let mut buf = Vec::new();
        let mut lp_master = 0u64;
        for f in master {
            write_bytes(&mut buf, f);
            lp_master += lp_str_size(f);
        }
        let mut node = Node {
            master_len: buf.len() as u32,
            buf,
            master_count: master.len() as u32,
            live: 0,
            deleted: 0,
            lp_master: lp_master.min(u32::MAX as u64) as u32,
            lp_entries: 0,
        };
        let mut prev: Option<StreamId> = None;
        for (id, deleted, fields) in entries {
            if prev.is_some_and(|p| p >= *id) {
                return Err("stream ids out of order");
            }
            prev = Some(*id);
            if fields.len() % 2 != 0 {
                return Err("odd number of stream fields and values");
            }
            // As `add` writes an entry, so that the node is the same.
            let nfields = fields.len() / 2;
            let same = master.len() == nfields
                && master
                    .iter()
                    .zip(fields.iter().step_by(2))
                    .all(|(a, b)| a == b);
            node.write_entry(key, *id, fields, same, *deleted);
            if *deleted {
                node.deleted += 1;
            } else {
                node.live += 1;
            }
        }
        node.buf.shrink_to_fit();
        self.length += node.live as u64;
        self.nodes.insert(key, node);
        Ok(())
    }
}

/// Splits sorted keys sharing a prefix of `d` bytes by their byte at `d`.
fn split_at_depth(keys: &[[u8; 16]], d: usize) -> Vec<&[[u8; 16]]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=keys.len() {
        if i == keys.len() || keys[i][d] != keys[start][d] {
            out.push(&keys[start..i]);
            start = i;
        }
    }
    out
}

/// Rax nodes under the trie node at depth `d` whose keys are `keys`:
/// a node is one where a chain starts (its parent branches) or ends (it
/// branches or is a key).
fn rax_sub(keys: &[[u8; 16]], d: usize, parent_branching: bool) -> usize {
    if d == 16 {
        return 1;
    }
    let groups = split_at_depth(keys, d);
    let branching = groups.len() >= 2;
    let me = usize::from(parent_branching || groups.len() != 1);
    me + groups
        .iter()
        .map(|g| rax_sub(g, d + 1, branching))
        .sum::<usize>()
}

fn write_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn read_varint(b: &[u8], p: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&c) = b.get(*p) {
        *p += 1;
        v |= u64::from(c & 0x7f) << shift;
        if c & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    v
}

fn write_bytes(b: &mut Vec<u8>, s: &[u8]) {
    write_varint(b, s.len() as u64);
    b.extend_from_slice(s);
}

fn read_bytes<'a>(b: &'a [u8], p: &mut usize) -> &'a [u8] {
    let n = read_varint(b, p) as usize;
    let s = b.get(*p..*p + n).unwrap_or(&[]);
    *p += n;
    s
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Bytes of a listpack entry's back-length for an encoding of `l` bytes.
fn lp_backlen(l: u64) -> u64 {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Bytes a listpack takes for integer `v` (encoding plus back-length).
fn lp_int_size(v: i64) -> u64 {
    let enc = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8388608..=8388607 => 4,
        -2147483648..=2147483647 => 5,
        _ => 9,
    };
    enc + lp_backlen(enc)
}

/// Bytes a listpack takes for string `s` (stored as an integer when it is one).
fn lp_str_size(s: &[u8]) -> u64 {
    if let Some(v) = crate::num::parse_i64(s) {
        return lp_int_size(v);
    }
    let n = s.len() as u64;
    let enc = match n {
        0..=63 => 1 + n,
        64..=4095 => 2 + n,
        _ => 5 + n,
    };
    enc + lp_backlen(enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: NodeLimits = NodeLimits {
        max_bytes: 4096,
        max_entries: 100,
    };

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn add(s: &mut Stream, ms: u64, fv: &[&[u8]]) -> StreamId {
        s.add(Some((id(ms, 0), true)), fv, 0, LIM).expect("add")
    }

    fn ids(s: &Stream, start: StreamId, end: StreamId, rev: bool) -> Vec<u64> {
        let mut v = Vec::new();
        s.scan(start, end, rev, |e| {
            v.push(e.id.ms);
            true
        });
        v
    }

    #[test]
    fn id_next_prev() {
        assert_eq!(id(1, u64::MAX).next(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(id(2, 0).prev(), Some(id(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
        assert_eq!(id(5, 7).to_bytes(), b"5-7");
    }

    #[test]
    fn add_and_scan_both_ways() {
        let mut s = Stream::new();
        for ms in 1..=250 {
            let f: &[u8] = if ms % 3 == 0 { b"x" } else { b"f" };
            add(&mut s, ms, &[f, b"v", b"g", b"12"]);
        }
        assert_eq!(s.len(), 250);
        assert_eq!(s.node_count(), 3);
        assert_eq!(
            ids(&s, id(99, 0), id(103, 0), false),
            vec![99, 100, 101, 102, 103]
        );
        assert_eq!(
            ids(&s, id(99, 0), id(103, 0), true),
            vec![103, 102, 101, 100, 99]
        );
        assert_eq!(ids(&s, StreamId::MIN, StreamId::MAX, false).len(), 250);
        assert_eq!(ids(&s, StreamId::MIN, StreamId::MAX, true)[0], 250);
        let got = s
            .get(id(3, 0), |e| {
                e.pairs()
                    .map(|(f, v)| (f.to_vec(), v.to_vec()))
                    .collect::<Vec<_>>()
            })
            .expect("entry");
        assert_eq!(
            got,
            vec![
                (b"x".to_vec(), b"v".to_vec()),
                (b"g".to_vec(), b"12".to_vec())
            ]
        );
        assert_eq!(
            s.add(Some((id(250, 0), true)), &[b"a", b"b"], 0, LIM),
            Err(AddError::IdTooSmall)
        );
        // `ms-*` continues the sequence of the same millisecond.
        assert_eq!(
            s.add(Some((id(250, 0), false)), &[b"a", b"b"], 0, LIM),
            Ok(id(250, 1))
        );
        // Auto ids never go back in time.
        assert_eq!(s.add(None, &[b"a", b"b"], 5, LIM), Ok(id(250, 2)));
        assert_eq!(s.add(None, &[b"a", b"b"], 900, LIM), Ok(id(900, 0)));
    }

    #[test]
    fn delete_marks_and_frees_nodes() {
        let mut s = Stream::new();
        for ms in 1..=150 {
            add(&mut s, ms, &[b"f", b"v"]);
        }
        assert_eq!(s.delete_ids(&[id(1, 0), id(1, 0), id(7, 0), id(999, 0)]), 2);
        assert_eq!(s.first_id, id(2, 0));
        assert_eq!(s.max_deleted_id, id(7, 0));
        assert!(!s.contains(id(7, 0)));
        let all: Vec<StreamId> = (101..=150).map(|m| id(m, 0)).collect();
        assert_eq!(s.delete_ids(&all), 50);
        assert_eq!(s.node_count(), 1);
        assert_eq!(s.len(), 98);
        assert_eq!(s.edge_id(false), Some(id(100, 0)));
        // A node counts deleted entries toward its size: the next entry
        // starts a new node.
        add(&mut s, 200, &[b"f", b"v"]);
        assert_eq!(s.node_count(), 2);
    }

    #[test]
    fn trims_like_redis() {
        let mut s = Stream::new();
        for ms in 1..=250 {
            add(&mut s, ms, &[b"f", b"v"]);
        }
        // `~` only drops whole nodes.
        assert_eq!(s.trim(Trim::MaxLen(180), true, 0), 0);
        assert_eq!(s.trim(Trim::MaxLen(150), true, 0), 100);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.first_id, id(131, 0));
        assert_eq!(s.trim(Trim::MinId(id(140, 0)), false, 0), 9);
        assert_eq!(s.first_id, id(140, 0));
        assert_eq!(s.trim(Trim::MinId(id(260, 0)), true, 50), 0);
        assert_eq!(s.trim(Trim::MaxLen(0), false, 0), 111);
        assert_eq!(s.first_id, StreamId::MIN);
        assert!(s.is_empty());
    }

    #[test]
    fn node_bytes_limit_matches_redis() {
        // Values of 1000 bytes: Redis fits 4 per 4096-byte node.
        let mut s = Stream::new();
        let v = vec![b'x'; 1000];
        for ms in 1..=9 {
            add(&mut s, ms, &[b"f", &v]);
        }
        assert_eq!(s.node_count(), 3);
        let mut s = Stream::new();
        let v = vec![b'y'; 1300];
        for ms in 1..=9 {
            add(&mut s, ms, &[b"f", &v]);
        }
        assert_eq!(s.node_count(), 3);
    }

    #[test]
    fn rax_node_count() {
        let mut s = Stream::new();
        assert_eq!(s.rax_nodes(), 1);
        add(&mut s, 1, &[b"f", b"v"]);
        assert_eq!(s.rax_nodes(), 2);
    }

    #[test]
    fn lag_and_distance() {
        let mut s = Stream::new();
        for ms in 1..=3 {
            add(&mut s, ms, &[b"f", b"v"]);
        }
        let g = Group::new(StreamId::MIN, INVALID_ENTRIES_READ);
        assert_eq!(s.lag(&g), Some(3));
        s.delete_ids(&[id(2, 0)]);
        assert_eq!(s.lag(&g), None);
        let g = Group::new(id(3, 0), INVALID_ENTRIES_READ);
        assert_eq!(s.lag(&g), Some(0));
    }

    #[test]
    fn groups_pel_and_consumers() {
        let mut g = Group::new(StreamId::MIN, 0);
        assert!(g.create_consumer(b"a", 1));
        assert!(!g.create_consumer(b"a", 2));
        assert!(g.create_consumer(b"b", 1));
        g.assign(id(1, 0), b"a", 5).expect("nack").delivery_count += 1;
        g.assign(id(1, 0), b"b", 6).expect("nack");
        assert!(g.consumers[&b"a"[..]].pel.is_empty());
        assert_eq!(g.pel[&id(1, 0)].consumer[..], b"b"[..]);
        assert_eq!(g.pel[&id(1, 0)].delivery_count, 1);
        assert_eq!(g.delete_consumer(b"b"), Some(1));
        assert!(g.pel.is_empty());
        assert!(!g.ack(id(1, 0)));
    }

    #[test]
    fn lp_sizes() {
        assert_eq!(lp_int_size(5), 2);
        assert_eq!(lp_int_size(-1), 3);
        assert_eq!(lp_str_size(b"f"), 3);
        assert_eq!(lp_str_size(b"12"), 2);
        assert_eq!(lp_str_size(&[b'x'; 1000]), 1004);
    }
}
