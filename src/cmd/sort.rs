//! SORT and SORT_RO (Redis 7.0's `sort.c`).
//!
//! Three separate steps:
//! 1. `parse`: the options into a [`SortOpts`] (pure);
//! 2. `load` on the source's shard (the elements, as owned bytes), then
//!    [`sort_core`] and [`project`]: pure functions over those elements
//!    and a lookup callback that answers BY / GET pattern values;
//! 3. execution. When no pattern names another key (BY absent or without
//!    `*`, GET only `#`) and the STORE destination, if any, lives on the
//!    source's shard, the whole command is one plain job there (`sort_here`,
//!    which waits behind transactions holding its keys like any keyed
//!    command). Otherwise BY/GET keys may live on any shard: the
//!    coordinator takes shared whole-shard intents everywhere (exclusive on
//!    the destination's shard for STORE), reads the elements and the BY
//!    values on the source's shard, the other BY values on their shards,
//!    sorts, reads the GET values of the selected window, and writes the
//!    destination with the release. Inside EXEC the block's transaction
//!    already holds the intents.
//!
//! Ordering is Redis's exactly: numeric sorting breaks equal scores by
//! comparing the elements as binary strings; ALPHA compares as `strcoll`
//! in the C locale (as C strings: up to a NUL byte), or binary with STORE;
//! the full sort is stable (glibc's `qsort` is a merge sort) and BY with
//! LIMIT uses Redis's partial quicksort (`pqsort`), ported here, so ties
//! come out in the same order. The one difference left: elements of a
//! sorted set or of a hashtable set start in Redis's dict order (random
//! per process), so ALPHA BY ties among them (and BY constant on a
//! hashtable set) may come out in another order, as between two Redis
//! processes.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::rc::Rc;

use bytes::Bytes;
use hashbrown::HashMap;

use super::args;
use super::async_fn;
use super::table::{flags::*, CommandSpec, Handler, KeySpec, LocalFut};
use crate::error::Error;
use crate::mesh::{join_all, Job, Work, Worker};
use crate::resp::Reply;
use crate::session::Session;
use crate::shard::locks::TxId;
use crate::shard::zset::ZSet;
use crate::shard::{Ctx, Value};
use crate::slot::shard_of;
use crate::tx::{ShardPlan, Tx};

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, WRITE | DENYOOM, KeySpec::Custom(sort_keys), async_fn(sort))
        .doc("generic", "1.0.0", "Sort the elements in a list, set or sorted set", "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]")
        .complexity("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
    CommandSpec::new("sort_ro", -2, READONLY, KeySpec::Custom(sort_ro_keys), async_fn(sort_ro))
        .doc("generic", "7.0.0", "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]")
        .complexity("O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."),
];

// ---- options ---------------------------------------------------------------

/// SORT's options as given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SortOpts {
    /// The last BY pattern.
    pub by: Option<Bytes>,
    /// Some BY pattern had no `*`: nothing is sorted (Redis never clears
    /// this flag once a constant BY was seen).
    pub dontsort: bool,
    /// LIMIT offset count, as given.
    pub limit: Option<(i64, i64)>,
    pub gets: Vec<Bytes>,
    pub desc: bool,
    pub alpha: bool,
    /// The last STORE destination and its argument position.
    pub store: Option<(usize, Bytes)>,
}

/// The bytes C string functions see: up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    match b.iter().position(|&c| c == 0) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// Parses SORT's options (`readonly`: SORT_RO, where STORE is a syntax error).
pub fn parse(argv: &[Bytes], readonly: bool) -> Result<SortOpts, Error> {
    let mut o = SortOpts::default();
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if args::is(a, "asc") {
            o.desc = false;
        } else if args::is(a, "desc") {
            o.desc = true;
        } else if args::is(a, "alpha") {
            o.alpha = true;
        } else if args::is(a, "limit") && left >= 2 {
            o.limit = Some((args::int(&argv[j + 1])?, args::int(&argv[j + 2])?));
            j += 2;
        } else if !readonly && args::is(a, "store") && left >= 1 {
            o.store = Some((j + 1, argv[j + 1].clone()));
            j += 1;
        } else if args::is(a, "by") && left >= 1 {
            let p = argv[j + 1].clone();
            if !cstr(&p).contains(&b'*') {
                o.dontsort = true;
            }
            o.by = Some(p);
            j += 1;
        } else if args::is(a, "get") && left >= 1 {
            o.gets.push(argv[j + 1].clone());
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// SORT's keys: the source, and the STORE destination the command uses.
/// A malformed command names only the source (it fails before touching any key).
fn sort_keys(argv: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    if let Ok(SortOpts {
        store: Some((p, _)),
        ..
    }) = parse(argv, false)
    {
        keys.push(p);
    }
    keys
}

fn sort_ro_keys(_argv: &[Bytes]) -> Vec<usize> {
    vec![1]
}

// ---- patterns --------------------------------------------------------------

/// A BY or GET pattern (Redis's lookupKeyByPattern): `#` is the element
/// itself; otherwise the first `*` is replaced by the element to name a
/// string key, or a hash field with `key->field`; a pattern without `*`
/// names nothing. Searches stop at a NUL byte, as Redis's C string
/// functions do.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    raw: Bytes,
    kind: PatKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum PatKind {
    Elem,
    Never,
    Key { star: usize, arrow: Option<usize> },
}

impl Pattern {
    pub fn new(raw: Bytes) -> Pattern {
        let c = cstr(&raw);
        let kind = if c == b"#" {
            PatKind::Elem
        } else {
            match c.iter().position(|&b| b == b'*') {
                None => PatKind::Never,
                Some(star) => {
                    // Only the first "->" after the '*' counts, and only
                    // with a field name after it.
                    let arrow = c[star + 1..]
                        .windows(2)
                        .position(|w| w == b"->")
                        .map(|p| p + star + 1)
                        .filter(|&a| a + 2 < c.len());
                    PatKind::Key { star, arrow }
                }
            }
        };
        Pattern { raw, kind }
    }

    /// Whether the pattern reads keys.
    pub fn reads_keys(&self) -> bool {
        matches!(self.kind, PatKind::Key { .. })
    }

    /// The key (and hash field) the pattern names for `elem`, for patterns
    /// that read keys.
    pub fn target(&self, elem: &[u8]) -> Option<(Vec<u8>, Option<&[u8]>)> {
        let PatKind::Key { star, arrow } = self.kind else {
            return None;
        };
        let raw = &self.raw[..];
        let (post, field) = match arrow {
            Some(a) => (&raw[star + 1..a], Some(&raw[a + 2..])),
            None => (&raw[star + 1..], None),
        };
        let mut key = Vec::with_capacity(star + elem.len() + post.len());
        key.extend_from_slice(&raw[..star]);
        key.extend_from_slice(elem);
        key.extend_from_slice(post);
        Some((key, field))
    }

    /// The pattern's value for `elem`, reading keys through `lookup`.
    fn value(
        &self,
        elem: &Bytes,
        lookup: &mut impl FnMut(&[u8], Option<&[u8]>) -> Option<Bytes>,
    ) -> Option<Bytes> {
        match self.kind {
            PatKind::Elem => Some(elem.clone()),
            PatKind::Never => None,
            PatKind::Key { .. } => {
                let (k, f) = self.target(elem)?;
                lookup(&k, f)
            }
        }
    }
}

// ---- the plan and the elements ----------------------------------------------

/// What is sorted how, once the source's type is known.
#[derive(Clone, Debug)]
pub struct Plan {
    pub dontsort: bool,
    pub alpha: bool,
    pub desc: bool,
    /// BY pattern, when sorting by one.
    pub by: Option<Pattern>,
    pub gets: Vec<Pattern>,
    pub limit: Option<(i64, i64)>,
    /// STORE given: ALPHA comparisons are binary instead of collated.
    pub store: bool,
}

/// The source's type (a missing key sorts as an empty list).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    List,
    Set,
    ZSet,
}

impl SortOpts {
    /// The plan for a source of type `kind`.
    pub fn plan(&self, kind: Kind) -> Plan {
        let (mut dontsort, mut alpha, mut by) = (self.dontsort, self.alpha, self.by.clone());
        // A set has no order of its own: stored (replicated) results are
        // sorted so they are deterministic.
        if dontsort && kind == Kind::Set && self.store.is_some() {
            dontsort = false;
            alpha = true;
            by = None;
        }
        Plan {
            dontsort,
            alpha,
            desc: self.desc,
            by: if dontsort { None } else { by.map(Pattern::new) },
            gets: self.gets.iter().cloned().map(Pattern::new).collect(),
            limit: self.limit,
            store: self.store.is_some(),
        }
    }

    /// Whether BY or GET may read keys other than the source.
    pub fn reads_keys(&self) -> bool {
        // Without a constant BY, the last BY has a '*'.
        let by = !self.dontsort && self.by.is_some();
        by || self
            .gets
            .iter()
            .any(|g| Pattern::new(g.clone()).reads_keys())
    }
}

/// Redis's LIMIT clamping: (start, end) inclusive over `len` elements,
/// end < start when nothing is selected.
fn window(len: usize, limit: Option<(i64, i64)>) -> (i64, i64) {
    let vlen = len as i64;
    let (ls, lc) = limit.unwrap_or((0, -1));
    let mut start = ls.clamp(0, vlen);
    let lc = lc.clamp(-1, vlen);
    let mut end = if lc < 0 { vlen - 1 } else { start + lc - 1 };
    if start >= vlen {
        start = vlen - 1;
        end = vlen - 2;
    }
    if end >= vlen {
        end = vlen - 1;
    }
    (start, end)
}

/// The elements to sort and the window of them to answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub items: Vec<Bytes>,
    pub start: usize,
    pub count: usize,
}

/// Reads the elements of the source `v` (None: missing) for `opts`.
/// Unsorted lists and sorted sets keep their order and load only the
/// window (reversed for DESC). A sorted set is converted to its large
/// encoding, as Redis's SORT does.
pub fn load(v: Option<&mut Value>, opts: &SortOpts) -> Result<(Plan, Loaded), Error> {
    let kind = match &v {
        None => Kind::List,
        Some(Value::List(_)) => Kind::List,
        Some(Value::Set(_)) => Kind::Set,
        Some(Value::ZSet(_)) => Kind::ZSet,
        Some(_) => return Err(Error::WrongType),
    };
    let plan = opts.plan(kind);
    let len = match &v {
        Some(Value::List(l)) => l.len(),
        Some(Value::Set(s)) => s.len(),
        Some(Value::ZSet(z)) => z.len(),
        _ => 0,
    };
    let (start, end) = window(len, plan.limit);
    let count = (end - start + 1).max(0) as usize;
    let start = start.max(0) as usize;
    let mut out = Loaded {
        items: Vec::new(),
        start,
        count,
    };
    match v {
        None => {}
        Some(Value::List(l)) if plan.dontsort => {
            out.items = if plan.desc {
                l.iter()
                    .rev()
                    .skip(start)
                    .take(count)
                    .map(|e| Bytes::copy_from_slice(e))
                    .collect()
            } else {
                l.iter()
                    .skip(start)
                    .take(count)
                    .map(|e| Bytes::copy_from_slice(e))
                    .collect()
            };
            out.start = 0;
        }
        Some(Value::List(l)) => out.items = l.iter().map(|e| Bytes::copy_from_slice(e)).collect(),
        Some(Value::Set(s)) => out.items = s.iter().map(|m| m.to_bytes()).collect(),
        Some(Value::ZSet(z)) => {
            if z.is_compact() {
                let entries: Vec<(Box<[u8]>, f64)> = z.iter().map(|(m, s)| (m.into(), s)).collect();
                let big = crate::shard::Limits {
                    zset_max_listpack_entries: 0,
                    ..Default::default()
                };
                *z = ZSet::from_sorted(&entries, &big);
            }
            if plan.dontsort {
                let it = if plan.desc {
                    z.iter_from(len.saturating_sub(1 + start), true)
                } else {
                    z.iter_from(start, false)
                };
                out.items = it
                    .take(count)
                    .map(|(m, _)| Bytes::copy_from_slice(m))
                    .collect();
                out.start = 0;
            } else {
                out.items = z.iter().map(|(m, _)| Bytes::copy_from_slice(m)).collect();
            }
        }
        Some(_) => return Err(Error::WrongType),
    }
    Ok((plan, out))
}

// ---- sorting ---------------------------------------------------------------

/// C `strtod` over the element as Redis's SORT uses it: the whole C string
/// must be consumed (so "" is 0), no overflow or underflow, not NaN.
fn score(b: &[u8]) -> Option<f64> {
    let s = cstr(b);
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let buf: &[u8] = if s.len() < stack.len() {
        stack[..s.len()].copy_from_slice(s);
        &stack[..=s.len()]
    } else {
        heap.extend_from_slice(s);
        heap.push(0);
        &heap
    };
    let p = buf.as_ptr().cast::<libc::c_char>();
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `buf` is NUL-terminated and outlives the call; strtod reads
    // up to the NUL and stores a pointer into `buf` in `end`. errno is
    // this thread's.
    let (v, errno) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtod(p, &mut end);
        (v, *libc::__errno_location())
    };
    let consumed = (end as usize).wrapping_sub(p as usize);
    (consumed == s.len() && errno != libc::ERANGE && !v.is_nan()).then_some(v)
}

/// What the elements are compared by.
enum Weights {
    Num(Vec<f64>),
    /// ALPHA with BY: the BY values (None: missing).
    Alpha(Vec<Option<Bytes>>),
    /// ALPHA on the elements themselves.
    Elems,
}

/// Sorts the loaded elements per `plan` and returns the selected window.
/// `lookup(key, field)` answers a string key's value (field None) or a
/// hash field's; None when missing or of another type.
pub fn sort_core(
    loaded: Loaded,
    plan: &Plan,
    mut lookup: impl FnMut(&[u8], Option<&[u8]>) -> Option<Bytes>,
) -> Result<Vec<Bytes>, Error> {
    let Loaded {
        items,
        start,
        count,
    } = loaded;
    if plan.dontsort {
        return Ok(items.into_iter().skip(start).take(count).collect());
    }
    let weights = if plan.alpha {
        match &plan.by {
            Some(by) => Weights::Alpha(items.iter().map(|e| by.value(e, &mut lookup)).collect()),
            None => Weights::Elems,
        }
    } else {
        let mut scores = Vec::with_capacity(items.len());
        let mut bad = false;
        for e in &items {
            let s = match &plan.by {
                // A missing weight key weighs 0.
                Some(by) => by.value(e, &mut lookup).map_or(Some(0.0), |v| score(&v)),
                None => score(e),
            };
            bad |= s.is_none();
            scores.push(s.unwrap_or(0.0));
        }
        if bad {
            return Err(Error::err(
                "One or more scores can't be converted into double",
            ));
        }
        Weights::Num(scores)
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    let text = |a: &[u8], b: &[u8]| {
        if plan.store {
            a.cmp(b)
        } else {
            cstr(a).cmp(cstr(b))
        }
    };
    let mut cmp = |&i: &usize, &j: &usize| {
        let c = match &weights {
            Weights::Num(s) => match s[i].partial_cmp(&s[j]) {
                Some(Ordering::Less) => Ordering::Less,
                Some(Ordering::Greater) => Ordering::Greater,
                _ => items[i].cmp(&items[j]),
            },
            Weights::Alpha(w) => match (&w[i], &w[j]) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => text(a, b),
            },
            Weights::Elems => text(&items[i], &items[j]),
        };
        if plan.desc {
            c.reverse()
        } else {
            c
        }
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    if plan.by.is_some() && (start != 0 || count != items.len()) {
        pqsort(&mut idx, &mut cmp, start, start + count - 1);
    } else {
        idx.sort_by(&mut cmp);
    }
    Ok(idx[start..start + count]
        .iter()
        .map(|&i| items[i].clone())
        .collect())
}

/// The reply items for the sorted window: the elements, or each GET
/// pattern's value per element (None: nil).
pub fn project(
    window: Vec<Bytes>,
    plan: &Plan,
    mut lookup: impl FnMut(&[u8], Option<&[u8]>) -> Option<Bytes>,
) -> Vec<Option<Bytes>> {
    if plan.gets.is_empty() {
        return window.into_iter().map(Some).collect();
    }
    let mut out = Vec::with_capacity(window.len() * plan.gets.len());
    for e in &window {
        for g in &plan.gets {
            out.push(g.value(e, &mut lookup));
        }
    }
    out
}

/// Redis's `pqsort` (NetBSD's qsort, Bentley & McIlroy, sorting only the
/// partitions that overlap the elements `lo..=hi`), on indices. The
/// partitions are disjoint, so an explicit stack instead of recursion
/// gives the same result.
fn pqsort(v: &mut [usize], cmp: &mut impl FnMut(&usize, &usize) -> Ordering, lo: usize, hi: usize) {
    let mut stack = vec![(0usize, v.len())];
    while let Some((base, n)) = stack.pop() {
        let a = &mut v[base..base + n];
        if n < 7 {
            insertion(a, cmp);
            continue;
        }
        let mut pm = n / 2;
        if n > 7 {
            let mut pl = 0;
            let mut pn = n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(a, pm - d, pm, pm + d, cmp);
                pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(a, pl, pm, pn, cmp);
        }
        a.swap(0, pm);
        let (mut pa, mut pb) = (1isize, 1isize);
        let (mut pc, mut pd) = (n as isize - 1, n as isize - 1);
        let mut swapped = false;
        loop {
            while pb <= pc {
                let c = cmp(&a[pb as usize], &a[0]);
                if c == Ordering::Greater {
                    break;
                }
                if c == Ordering::Equal {
                    swapped = true;
                    a.swap(pa as usize, pb as usize);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let c = cmp(&a[pc as usize], &a[0]);
                if c == Ordering::Less {
                    break;
                }
                if c == Ordering::Equal {
                    swapped = true;
                    a.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            a.swap(pb as usize, pc as usize);
            swapped = true;
            pb += 1;
            pc -= 1;
        }
        if !swapped {
            insertion(a, cmp);
            continue;
        }
        let pn = n as isize;
        let r = pa.min(pb - pa);
        vecswap(a, 0, (pb - r) as usize, r as usize);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(a, pb as usize, (pn - r) as usize, r as usize);
        // Only partitions overlapping the wanted range are sorted further.
        let overlaps = |from: usize, len: usize| !(hi < from || lo >= from + len);
        let left = (pb - pa) as usize;
        if left > 1 && overlaps(base, left) {
            stack.push((base, left));
        }
        let right = (pd - pc) as usize;
        if right > 1 && overlaps(base + n - right, right) {
            stack.push((base + n - right, right));
        }
    }
}

fn insertion(a: &mut [usize], cmp: &mut impl FnMut(&usize, &usize) -> Ordering) {
    for m in 1..a.len() {
        let mut l = m;
        while l > 0 && cmp(&a[l - 1], &a[l]) == Ordering::Greater {
            a.swap(l, l - 1);
            l -= 1;
        }
    }
}

fn med3(
    a: &[usize],
    x: usize,
    y: usize,
    z: usize,
    cmp: &mut impl FnMut(&usize, &usize) -> Ordering,
) -> usize {
    if cmp(&a[x], &a[y]) == Ordering::Less {
        if cmp(&a[y], &a[z]) == Ordering::Less {
            y
        } else if cmp(&a[x], &a[z]) == Ordering::Less {
            z
        } else {
            x
        }
    } else if cmp(&a[y], &a[z]) == Ordering::Greater {
        y
    } else if cmp(&a[x], &a[z]) == Ordering::Less {
        x
    } else {
        z
    }
}

/// Swaps the `n` elements from `i` with the `n` from `j`, pairwise.
fn vecswap(a: &mut [usize], i: usize, j: usize, n: usize) {
    for k in 0..n {
        a.swap(i + k, j + k);
    }
}

// ---- shard side --------------------------------------------------------------

/// A pattern's key read on this shard: a string's value, or a hash field's.
fn fetch(ctx: &mut Ctx, key: &[u8], field: Option<&[u8]>) -> Option<Bytes> {
    let i = ctx.lookup_read(key)?;
    let db = ctx.db();
    let clock = db.clock;
    let e = db.entry_mut(i);
    e.lru = clock;
    match (&e.value, field) {
        (Value::Str(s), None) => Some(s.to_bytes()),
        (Value::Hash(h), Some(f)) => h.get(f).map(Bytes::copy_from_slice),
        _ => None,
    }
}

/// Loads the source key on this shard.
fn load_here(ctx: &mut Ctx, src: &[u8], opts: &SortOpts) -> Result<(Plan, Loaded), Error> {
    match ctx.lookup_read(src) {
        Some(i) => {
            let db = ctx.db();
            let clock = db.clock;
            let e = db.entry_mut(i);
            e.lru = clock;
            load(Some(&mut e.value), opts)
        }
        None => load(None, opts),
    }
}

/// Writes the result list at `dst` (replacing its value and TTL), or
/// deletes `dst` when the result is empty; replies the result's length.
fn store(ctx: &mut Ctx, dst: &[u8], items: Vec<Option<Bytes>>) -> Reply {
    let n = items.len();
    if n > 0 {
        let list: VecDeque<Box<[u8]>> = items
            .into_iter()
            .map(|v| v.map_or_else(Box::default, |b| b[..].into()))
            .collect();
        ctx.db().insert(dst, Value::List(list), 0);
        ctx.modified(dst, n as u64);
    } else if let Some(i) = ctx.lookup(dst) {
        ctx.db().remove_at(i);
        ctx.modified(dst, 1);
    }
    Reply::Int(n as i64)
}

fn reply(items: Vec<Option<Bytes>>) -> Reply {
    Reply::Array(
        items
            .into_iter()
            .map(|v| v.map_or(Reply::Nil, Reply::Bulk))
            .collect(),
    )
}

/// The whole command on one shard: the source, every pattern key and the
/// destination live here.
fn sort_here(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    run_here(ctx, argv, false)
}

fn sort_ro_here(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    run_here(ctx, argv, true)
}

fn run_here(ctx: &mut Ctx, argv: &[Bytes], readonly: bool) -> Result<Reply, Error> {
    let opts = parse(argv, readonly)?;
    let (plan, loaded) = load_here(ctx, &argv[1], &opts)?;
    let window = sort_core(loaded, &plan, |k, f| fetch(ctx, k, f))?;
    let items = project(window, &plan, |k, f| fetch(ctx, k, f));
    Ok(match &opts.store {
        Some((_, dst)) => store(ctx, dst, items),
        None => reply(items),
    })
}

// ---- coordination ------------------------------------------------------------

fn sort(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(run(s, argv, false))
}

fn sort_ro(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(run(s, argv, true))
}

async fn run(s: &mut Session, argv: Vec<Bytes>, readonly: bool) -> Reply {
    let opts = match parse(&argv, readonly) {
        Ok(o) => o,
        Err(e) => return Reply::Error(e),
    };
    let w = s.worker.clone();
    let n = w.nshards;
    let src = shard_of(&argv[1], n);
    let same_shard = opts
        .store
        .as_ref()
        .is_none_or(|(_, d)| shard_of(d, n) == src);
    if n == 1 || (same_shard && !opts.reads_keys()) {
        // One plain job: it waits behind transactions holding its keys.
        let (spec, handler): (&'static CommandSpec, Handler) = if readonly {
            (&COMMANDS[1], sort_ro_here)
        } else {
            (&COMMANDS[0], sort_here)
        };
        let job = Job {
            db: s.db,
            work: Work::Cmd {
                spec,
                handler,
                argv,
            },
        };
        return w
            .call_tx(src, vec![job], s.exec_tx, false)
            .await
            .pop()
            .unwrap_or(Reply::Nil);
    }
    let src_key = argv[1].clone();
    if s.exec_tx != 0 {
        return match across(&w, s.exec_tx, s.db, src_key, opts).await {
            Ok(Done::Reply(r)) => r,
            Ok(Done::Store(dst, items)) => {
                let shard = shard_of(&dst, n);
                let job = store_job(s.db, dst, items);
                w.call_tx(shard, vec![job], s.exec_tx, false)
                    .await
                    .pop()
                    .unwrap_or(Reply::Nil)
            }
            Err(e) => Reply::Error(e),
        };
    }
    // Shared intents on every shard (pattern keys can be anywhere),
    // exclusive on the destination's.
    let dst_shard = opts.store.as_ref().map(|(_, d)| shard_of(d, n));
    let plans: Vec<ShardPlan> = (0..n)
        .map(|sh| {
            let mut p = ShardPlan::default();
            p.set.add_global(dst_shard == Some(sh));
            p
        })
        .collect();
    let tx = match Tx::begin(&w, &plans).await {
        Ok(t) => t,
        Err(e) => return Reply::Error(e),
    };
    match across(&w, tx.id, s.db, src_key, opts).await {
        Ok(Done::Reply(r)) => {
            tx.end(&w, Vec::new()).await;
            r
        }
        Ok(Done::Store(dst, items)) => {
            let shard = shard_of(&dst, n);
            let job = store_job(s.db, dst, items);
            let mut r = tx.end(&w, vec![(shard, vec![job])]).await;
            r.pop().and_then(|mut v| v.pop()).unwrap_or(Reply::Nil)
        }
        Err(e) => {
            tx.end(&w, Vec::new()).await;
            Reply::Error(e)
        }
    }
}

/// The outcome of the reading part: a reply, or a list to store.
enum Done {
    Reply(Reply),
    Store(Bytes, Vec<Option<Bytes>>),
}

/// A pattern key: (key, hash field).
type PKey = (Bytes, Option<Bytes>);

fn pkey(k: &[u8], f: Option<&[u8]>) -> PKey {
    (Bytes::copy_from_slice(k), f.map(Bytes::copy_from_slice))
}

/// Runs `f` on `shard` under transaction `tx` and returns its result.
async fn on_shard<T, F>(w: &Worker, shard: usize, db: usize, tx: TxId, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce(&mut Ctx) -> T + Send + 'static,
{
    w.run_on_tx(shard, db, tx, f)
        .await
        .ok_or_else(|| Error::err("shard unavailable"))
}

/// Reads `keys` on their shards (grouped per shard, one job each, all at
/// once) into `vals`.
async fn fetch_remote(
    w: &Worker,
    db: usize,
    tx: TxId,
    per: Vec<Vec<PKey>>,
    vals: &mut HashMap<PKey, Option<Bytes>>,
) -> Result<(), Error> {
    let calls: Vec<_> = per
        .into_iter()
        .enumerate()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(sh, keys)| {
            on_shard(w, sh, db, tx, move |ctx: &mut Ctx| {
                let got: Vec<Option<Bytes>> = keys
                    .iter()
                    .map(|(k, f)| fetch(ctx, k, f.as_deref()))
                    .collect();
                (keys, got)
            })
        })
        .collect();
    for r in join_all(calls).await {
        let (keys, got) = r?;
        vals.extend(keys.into_iter().zip(got));
    }
    Ok(())
}

/// Groups the keys a pattern names for `elems` per shard, leaving out
/// those already in `vals` (and duplicates).
fn group(
    elems: &[Bytes],
    pats: &[&Pattern],
    n: usize,
    vals: &HashMap<PKey, Option<Bytes>>,
) -> Vec<Vec<PKey>> {
    let mut per: Vec<Vec<PKey>> = vec![Vec::new(); n];
    let mut seen = hashbrown::HashSet::new();
    for e in elems {
        for p in pats {
            if let Some((k, f)) = p.target(e) {
                let pk = pkey(&k, f);
                if !vals.contains_key(&pk) && seen.insert(pk.clone()) {
                    per[shard_of(&k, n)].push(pk);
                }
            }
        }
    }
    per
}

/// The reading part across shards, under transaction `tx`: the elements
/// and the BY values that live on the source's shard in one job there,
/// the other BY values on their shards, the sort here, then the GET
/// values of the window.
async fn across(
    w: &Rc<Worker>,
    tx: TxId,
    db: usize,
    src: Bytes,
    opts: SortOpts,
) -> Result<Done, Error> {
    let n = w.nshards;
    let src_shard = shard_of(&src, n);
    let store = opts.store.as_ref().map(|(_, d)| d.clone());
    let first = on_shard(w, src_shard, db, tx, move |ctx: &mut Ctx| {
        let (plan, loaded) = load_here(ctx, &src, &opts)?;
        let mut local: Vec<(PKey, Option<Bytes>)> = Vec::new();
        let mut remote: Vec<Vec<PKey>> = vec![Vec::new(); n];
        if let (Some(by), false) = (&plan.by, plan.dontsort) {
            let mut seen = hashbrown::HashSet::new();
            for e in &loaded.items {
                let Some((k, f)) = by.target(e) else { continue };
                let pk = pkey(&k, f);
                if !seen.insert(pk.clone()) {
                    continue;
                }
                let sh = shard_of(&k, n);
                if sh == src_shard {
                    let v = fetch(ctx, &k, f);
                    local.push((pk, v));
                } else {
                    remote[sh].push(pk);
                }
            }
        }
        Ok::<_, Error>((plan, loaded, local, remote))
    })
    .await??;
    let (plan, loaded, local, remote) = first;
    let mut vals: HashMap<PKey, Option<Bytes>> = local.into_iter().collect();
    fetch_remote(w, db, tx, remote, &mut vals).await?;
    let lookup = |vals: &HashMap<PKey, Option<Bytes>>, k: &[u8], f: Option<&[u8]>| {
        vals.get(&pkey(k, f)).cloned().flatten()
    };
    let window = sort_core(loaded, &plan, |k, f| lookup(&vals, k, f))?;
    let gets: Vec<&Pattern> = plan.gets.iter().filter(|g| g.reads_keys()).collect();
    if !gets.is_empty() {
        let per = group(&window, &gets, n, &vals);
        fetch_remote(w, db, tx, per, &mut vals).await?;
    }
    let items = project(window, &plan, |k, f| lookup(&vals, k, f));
    Ok(match store {
        Some(dst) => Done::Store(dst, items),
        None => Done::Reply(reply(items)),
    })
}

fn store_job(db: usize, dst: Bytes, items: Vec<Option<Bytes>>) -> Job {
    Job {
        db,
        work: Work::Fn(Box::new(move |w: &Worker, db| {
            w.with_ctx(db, |ctx| store(ctx, &dst, items))
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Bytes> {
        s.split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn bs(items: &[&str]) -> Vec<Bytes> {
        items.iter().map(|s| b(s)).collect()
    }

    #[test]
    fn parses_options() {
        let o = parse(
            &argv("sort k by w_* limit 1 2 get # get h_*->f desc alpha store d"),
            false,
        )
        .unwrap();
        assert_eq!(o.by, Some(b("w_*")));
        assert!(!o.dontsort);
        assert_eq!(o.limit, Some((1, 2)));
        assert_eq!(o.gets, bs(&["#", "h_*->f"]));
        assert!(o.desc && o.alpha);
        assert_eq!(o.store, Some((14, b("d"))));
        assert_eq!(sort_keys(&argv("sort k by w_* store d")), vec![1, 5]);
        assert_eq!(sort_keys(&argv("sort k store a store b")), vec![1, 5]);
        assert_eq!(sort_keys(&argv("sort k store")), vec![1]);
        assert_eq!(sort_ro_keys(&argv("sort_ro k store d")), vec![1]);
        // A constant BY stays "don't sort" even after a real pattern.
        let o = parse(&argv("sort k by nosort by w_*"), false).unwrap();
        assert!(o.dontsort);
        assert_eq!(o.by, Some(b("w_*")));
        let o = parse(&argv("sort k desc asc"), false).unwrap();
        assert!(!o.desc);
    }

    #[test]
    fn parse_errors() {
        assert_eq!(parse(&argv("sort k limit 0"), false), Err(Error::Syntax));
        assert_eq!(
            parse(&argv("sort k limit x 1"), false),
            Err(Error::NotInteger)
        );
        assert_eq!(
            parse(&argv("sort k limit 1 1.5"), false),
            Err(Error::NotInteger)
        );
        assert_eq!(parse(&argv("sort k by"), false), Err(Error::Syntax));
        assert_eq!(parse(&argv("sort k get"), false), Err(Error::Syntax));
        assert_eq!(parse(&argv("sort k foo"), false), Err(Error::Syntax));
        assert_eq!(parse(&argv("sort k store"), false), Err(Error::Syntax));
        assert_eq!(parse(&argv("sort_ro k store d"), true), Err(Error::Syntax));
    }

    #[test]
    fn patterns() {
        let p = Pattern::new(b("w_*"));
        assert_eq!(p.target(b"3"), Some((b"w_3".to_vec(), None)));
        let p = Pattern::new(b("h_*_x->fld"));
        assert_eq!(p.target(b"a"), Some((b"h_a_x".to_vec(), Some(&b"fld"[..]))));
        // An arrow with nothing after it is part of the key name.
        let p = Pattern::new(b("h_*->"));
        assert_eq!(p.target(b"a"), Some((b"h_a->".to_vec(), None)));
        // Only the first arrow after the star splits.
        let p = Pattern::new(b("*->a->b"));
        assert_eq!(p.target(b"k"), Some((b"k".to_vec(), Some(&b"a->b"[..]))));
        // An arrow before the star does not count.
        let p = Pattern::new(b("x->y*"));
        assert_eq!(p.target(b"k"), Some((b"x->yk".to_vec(), None)));
        assert!(!Pattern::new(b("#")).reads_keys());
        assert!(!Pattern::new(b("nostar")).reads_keys());
        assert_eq!(Pattern::new(b("nostar")).target(b"k"), None);
        // C string semantics: a NUL hides what follows from the searches.
        assert!(!Pattern::new(Bytes::from_static(b"w\0*")).reads_keys());
        assert_eq!(
            Pattern::new(Bytes::from_static(b"#\0x")).kind,
            PatKind::Elem
        );
    }

    #[test]
    fn windows() {
        assert_eq!(window(5, None), (0, 4));
        assert_eq!(window(5, Some((1, 2))), (1, 2));
        assert_eq!(window(5, Some((-3, 2))), (0, 1));
        assert_eq!(window(5, Some((0, -5))), (0, 4));
        assert_eq!(window(5, Some((5, 1))), (4, 3));
        assert_eq!(window(5, Some((1, i64::MAX))), (1, 4));
        assert_eq!(window(5, Some((i64::MAX, i64::MAX))), (4, 3));
        assert_eq!(window(5, Some((i64::MIN, i64::MIN))), (0, 4));
        assert_eq!(window(5, Some((2, 0))), (2, 1));
        assert_eq!(window(0, None), (-1, -2));
    }

    #[test]
    fn scores_like_strtod() {
        assert_eq!(score(b"1.5"), Some(1.5));
        assert_eq!(score(b""), Some(0.0));
        assert_eq!(score(b" 1"), Some(1.0));
        assert_eq!(score(b"+1"), Some(1.0));
        assert_eq!(score(b"0x10"), Some(16.0));
        assert_eq!(score(b"inf"), Some(f64::INFINITY));
        assert_eq!(score(b"12\0xy"), Some(12.0));
        assert_eq!(score(b" "), None);
        assert_eq!(score(b"1x"), None);
        assert_eq!(score(b"nan"), None);
        assert_eq!(score(b"1e400"), None);
        assert_eq!(score(b"1e-310"), None);
        assert_eq!(score(b"0x1p-1070"), Some(f64::from_bits(16)));
        let long = "1".repeat(100);
        assert_eq!(score(long.as_bytes()), Some(1.111_111_111_111_111e99));
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| s.as_bytes().into()).collect())
    }

    fn run(
        v: Option<&mut Value>,
        cmd: &str,
        vals: &[(&str, &str)],
    ) -> Result<Vec<Option<Bytes>>, Error> {
        let opts = parse(&argv(cmd), false)?;
        let (plan, loaded) = load(v, &opts)?;
        let look = |k: &[u8], f: Option<&[u8]>| {
            let name = match f {
                Some(f) => format!(
                    "{}->{}",
                    String::from_utf8_lossy(k),
                    String::from_utf8_lossy(f)
                ),
                None => String::from_utf8_lossy(k).into_owned(),
            };
            vals.iter().find(|(n, _)| *n == name).map(|(_, v)| b(v))
        };
        let window = sort_core(loaded, &plan, look)?;
        Ok(project(window, &plan, look))
    }

    fn some(items: &[&str]) -> Vec<Option<Bytes>> {
        items.iter().map(|s| Some(b(s))).collect()
    }

    #[test]
    fn sorts_numeric_and_alpha() {
        let mut l = list(&["3", "1", "2", "10", "1.0"]);
        assert_eq!(
            run(Some(&mut l), "sort l", &[]),
            Ok(some(&["1", "1.0", "2", "3", "10"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort l desc", &[]),
            Ok(some(&["10", "3", "2", "1.0", "1"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort l alpha", &[]),
            Ok(some(&["1", "1.0", "10", "2", "3"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort l limit 1 2", &[]),
            Ok(some(&["1.0", "2"]))
        );
        assert_eq!(run(Some(&mut l), "sort l limit 9 2", &[]), Ok(vec![]));
        let mut bad = list(&["1", "x"]);
        let err = Err(Error::err(
            "One or more scores can't be converted into double",
        ));
        assert_eq!(run(Some(&mut bad), "sort l", &[]), err);
        // Even when the window is empty.
        assert_eq!(run(Some(&mut bad), "sort l limit 0 0", &[]), err);
        assert_eq!(run(None, "sort l", &[]), Ok(vec![]));
        let mut s = Value::Str(crate::shard::StrValue::Int(1));
        assert_eq!(run(Some(&mut s), "sort l", &[]), Err(Error::WrongType));
    }

    #[test]
    fn by_and_get() {
        let mut l = list(&["a", "b", "c"]);
        let vals = [("w_a", "3"), ("w_b", "1"), ("h_a->f", "HA"), ("o_c", "OC")];
        assert_eq!(
            run(Some(&mut l), "sort l by w_*", &vals),
            Ok(some(&["c", "b", "a"]))
        );
        assert_eq!(
            run(
                Some(&mut l),
                "sort l by w_* get # get h_*->f get o_* get nostar",
                &vals
            ),
            Ok(vec![
                Some(b("c")),
                None,
                Some(b("OC")),
                None,
                Some(b("b")),
                None,
                None,
                None,
                Some(b("a")),
                Some(b("HA")),
                None,
                None,
            ])
        );
        // Constant BY: list order, DESC reverses it, LIMIT windows it.
        assert_eq!(
            run(Some(&mut l), "sort l by nosort desc", &vals),
            Ok(some(&["c", "b", "a"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort l by nosort limit 1 5", &vals),
            Ok(some(&["b", "c"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort l by nosort desc limit 1 1", &vals),
            Ok(some(&["b"]))
        );
        // ALPHA BY: missing weights first, ties in list order.
        let mut t = list(&["c", "a", "b", "d", "e"]);
        let vals = [("w_c", "x"), ("w_a", "x")];
        assert_eq!(
            run(Some(&mut t), "sort t by w_* alpha", &vals),
            Ok(some(&["b", "d", "e", "c", "a"]))
        );
        assert_eq!(
            run(Some(&mut t), "sort t by w_* alpha limit 0 4 desc", &vals),
            Ok(some(&["c", "a", "b", "d"]))
        );
    }

    #[test]
    fn pqsort_matches_redis_ties() {
        // redis-server 7.0: RPUSH big (0..30 mod 7); SORT big BY nope_* ALPHA LIMIT ...
        let items: Vec<String> = (0..30).map(|i| (i % 7).to_string()).collect();
        let refs: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
        let mut l = list(&refs);
        assert_eq!(
            run(Some(&mut l), "sort big by nope_* alpha limit 0 10", &[]),
            Ok(some(&["1", "1", "2", "3", "4", "5", "6", "0", "1", "2"]))
        );
        assert_eq!(
            run(Some(&mut l), "sort big by nope_* alpha limit 3 10", &[]),
            Ok(some(&["3", "4", "5", "6", "0", "1", "2", "3", "4", "5"]))
        );
    }

    #[test]
    fn pqsort_sorts_the_window() {
        let mut x: u64 = 12345;
        let vals: Vec<u64> = (0..500)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 33) % 97
            })
            .collect();
        let mut sorted = vals.clone();
        sorted.sort();
        for (lo, hi) in [(0, 499), (0, 0), (10, 20), (490, 499), (250, 250)] {
            let mut idx: Vec<usize> = (0..vals.len()).collect();
            pqsort(&mut idx, &mut |&i, &j| vals[i].cmp(&vals[j]), lo, hi);
            let got: Vec<u64> = idx[lo..=hi].iter().map(|&i| vals[i]).collect();
            assert_eq!(got, sorted[lo..=hi]);
        }
    }

    #[test]
    fn alpha_compares_c_strings_unless_storing() {
        let mut m = Value::List(
            [&b"a\0b"[..], b"a\0a", b"a", b"b", b"a\0c"]
                .iter()
                .map(|s| (*s).into())
                .collect(),
        );
        let got = run(Some(&mut m), "sort m alpha", &[]).unwrap();
        let want: Vec<Option<Bytes>> = [&b"a\0b"[..], b"a\0a", b"a", b"a\0c", b"b"]
            .iter()
            .map(|s| Some(Bytes::copy_from_slice(s)))
            .collect();
        assert_eq!(got, want);
        let got = run(Some(&mut m), "sort m alpha store d", &[]).unwrap();
        let want: Vec<Option<Bytes>> = [&b"a"[..], b"a\0a", b"a\0b", b"a\0c", b"b"]
            .iter()
            .map(|s| Some(Bytes::copy_from_slice(s)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn sets_and_zsets() {
        let limits = crate::shard::Limits::default();
        let mut s = crate::shard::set::SetValue::new_for(b"x");
        for m in ["b", "c", "a"] {
            s.insert(m.as_bytes(), 512);
        }
        let mut s = Value::Set(s);
        assert_eq!(
            run(Some(&mut s), "sort s alpha", &[]),
            Ok(some(&["a", "b", "c"]))
        );
        // A stored unsorted set is sorted (ALPHA) to be deterministic.
        assert_eq!(
            run(Some(&mut s), "sort s by nosort store d", &[]),
            Ok(some(&["a", "b", "c"]))
        );
        let mut z = ZSet::new();
        for (m, sc) in [("x", 3.0), ("y", 1.0), ("z", 2.0)] {
            z.insert(m.as_bytes(), sc, &limits);
        }
        let mut z = Value::ZSet(z);
        assert_eq!(
            run(Some(&mut z), "sort z by nosort", &[]),
            Ok(some(&["y", "z", "x"]))
        );
        assert_eq!(
            run(Some(&mut z), "sort z by nosort desc limit 1 1", &[]),
            Ok(some(&["z"]))
        );
        assert_eq!(
            run(Some(&mut z), "sort z alpha desc", &[]),
            Ok(some(&["z", "y", "x"]))
        );
        assert_eq!(z.encoding(), "skiplist");
    }
}
