//! An order-statistic B+ tree over `u32` ids: the ordered sequence of a large
//! sorted set's members. It knows nothing of scores or members: positions
//! are given by rank (`insert`, `remove`, `get`), and searches take a
//! predicate over ids (`partition_point`) that the caller evaluates against
//! its own storage. Every operation is O(log n); `iter` walks the linked
//! leaves in O(1) per step.
//!
//! Layout: leaves hold up to `LEAF_CAP` ids and are linked both ways; inner
//! nodes hold, per child, its subtree count (for ranks) and its first id (for
//! searches). Nodes live in two arenas addressed by `u32`, so the whole tree
//! is a handful of allocations and about 4-6 bytes per id.
//!
//! Balance: a full node splits (evenly, or keeping the full half when the
//! insert is at either end of the sequence, so that ascending loads leave
//! full leaves); a node that falls under a quarter of its capacity merges
//! with a sibling or takes half of its entries; an empty node is dropped.

#[cfg(not(test))]
const LEAF_CAP: usize = 64;
#[cfg(not(test))]
const INNER_CAP: usize = 64;
// Tiny nodes under test, so that every split, merge, redistribution and
// root change happens many times.
#[cfg(test)]
const LEAF_CAP: usize = 8;
#[cfg(test)]
const INNER_CAP: usize = 8;
const NONE: u32 = u32::MAX;
/// Every non-root inner node has at least 2 children once a removal has
/// settled, and counts are u32: 32 levels always suffice.
const MAX_HEIGHT: usize = 32;

#[derive(Clone, Debug)]
struct Leaf {
    len: u32,
    prev: u32,
    next: u32,
    ids: [u32; LEAF_CAP],
}

impl Leaf {
    fn empty() -> Leaf {
        Leaf {
            len: 0,
            prev: NONE,
            next: NONE,
            ids: [0; LEAF_CAP],
        }
    }
}

#[derive(Clone, Debug)]
struct Inner {
    len: u32,
    counts: [u32; INNER_CAP],
    children: [u32; INNER_CAP],
    firsts: [u32; INNER_CAP],
}

impl Inner {
    fn empty() -> Inner {
        Inner {
            len: 0,
            counts: [0; INNER_CAP],
            children: [0; INNER_CAP],
            firsts: [0; INNER_CAP],
        }
    }

    fn total(&self) -> u32 {
        self.counts[..self.len as usize].iter().sum()
    }

    /// Inserts one entry at `at`; the node has room.
    fn insert_at(&mut self, at: usize, child: u32, count: u32, first: u32) {
        let n = self.len as usize;
        self.children.copy_within(at..n, at + 1);
        self.counts.copy_within(at..n, at + 1);
        self.firsts.copy_within(at..n, at + 1);
        self.children[at] = child;
        self.counts[at] = count;
        self.firsts[at] = first;
        self.len += 1;
    }

    fn remove_at(&mut self, at: usize) {
        let n = self.len as usize;
        self.children.copy_within(at + 1..n, at);
        self.counts.copy_within(at + 1..n, at);
        self.firsts.copy_within(at + 1..n, at);
        self.len -= 1;
    }
}

/// The tree. `Clone` copies it whole (COPY, RESTORE of a value).
#[derive(Clone, Debug)]
pub struct Tree {
    leaves: Vec<Leaf>,
    inners: Vec<Inner>,
    free_leaves: Vec<u32>,
    free_inners: Vec<u32>,
    /// A leaf when `height` is 0, else an inner node.
    root: u32,
    height: u32,
    len: u32,
    head: u32,
    tail: u32,
}

impl Default for Tree {
    fn default() -> Tree {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            leaves: vec![Leaf::empty()],
            inners: Vec::new(),
            free_leaves: Vec::new(),
            free_inners: Vec::new(),
            root: 0,
            height: 0,
            len: 0,
            head: 0,
            tail: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held by the nodes (free ones included).
    pub fn heap_size(&self) -> usize {
        self.leaves.capacity() * std::mem::size_of::<Leaf>()
            + self.inners.capacity() * std::mem::size_of::<Inner>()
            + (self.free_leaves.capacity() + self.free_inners.capacity()) * 4
    }

    /// Builds a tree holding `ids` in this order, with full-ish nodes.
    pub fn from_sorted(ids: &[u32]) -> Tree {
        let mut t = Tree::new();
        if ids.is_empty() {
            return t;
        }
        t.leaves.clear();
        // (node, count, first) of the level being built.
        let mut level: Vec<(u32, u32, u32)> = Vec::new();
        for chunk in balanced_chunks(ids.len(), LEAF_CAP) {
            let mut leaf = Leaf::empty();
            let part = &ids[chunk.clone()];
            leaf.ids[..part.len()].copy_from_slice(part);
            leaf.len = part.len() as u32;
            let idx = t.leaves.len() as u32;
            if idx > 0 {
                leaf.prev = idx - 1;
                t.leaves[idx as usize - 1].next = idx;
            }
            t.leaves.push(leaf);
            level.push((idx, part.len() as u32, part[0]));
        }
        t.head = 0;
        t.tail = t.leaves.len() as u32 - 1;
        while level.len() > 1 {
            let mut up = Vec::with_capacity(level.len() / INNER_CAP + 1);
            for chunk in balanced_chunks(level.len(), INNER_CAP) {
                let mut inner = Inner::empty();
                inner.len = chunk.len() as u32;
                for (k, &(child, count, first)) in level[chunk].iter().enumerate() {
                    inner.children[k] = child;
                    inner.counts[k] = count;
                    inner.firsts[k] = first;
                }
                let idx = t.inners.len() as u32;
                up.push((idx, inner.total(), inner.firsts[0]));
                t.inners.push(inner);
            }
            level = up;
            t.height += 1;
        }
        t.root = level[0].0;
        t.len = ids.len() as u32;
        t
    }

    fn alloc_leaf(&mut self) -> u32 {
        alloc(&mut self.leaves, &mut self.free_leaves, Leaf::empty())
    }

    fn alloc_inner(&mut self) -> u32 {
        alloc(&mut self.inners, &mut self.free_inners, Inner::empty())
    }

    fn node_len(&self, node: u32, level: u32) -> usize {
        if level == 0 {
            self.leaves[node as usize].len as usize
        } else {
            self.inners[node as usize].len as usize
        }
    }

    fn count_of(&self, node: u32, level: u32) -> u32 {
        if level == 0 {
            self.leaves[node as usize].len
        } else {
            self.inners[node as usize].total()
        }
    }

    fn first_of(&self, node: u32, level: u32) -> u32 {
        if level == 0 {
            self.leaves[node as usize].ids[0]
        } else {
            self.inners[node as usize].firsts[0]
        }
    }

    /// The leaf and position holding `rank` (< len).
    fn locate(&self, mut rank: usize) -> (u32, usize) {
        let mut node = self.root;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let mut i = 0;
            while i + 1 < inner.len as usize && rank >= inner.counts[i] as usize {
                rank -= inner.counts[i] as usize;
                i += 1;
            }
            node = inner.children[i];
        }
        (node, rank)
    }

    /// The id at `rank`.
    pub fn get(&self, rank: usize) -> Option<u32> {
        if rank >= self.len() {
            return None;
        }
        let (leaf, pos) = self.locate(rank);
        Some(self.leaves[leaf as usize].ids[pos])
    }

    pub fn first(&self) -> Option<u32> {
        self.get(0)
    }

    pub fn last(&self) -> Option<u32> {
        self.len().checked_sub(1).and_then(|r| self.get(r))
    }

    /// The number of leading ids for which `pred` holds, when `pred` holds
    /// for a prefix of the sequence (a binary search; for other predicates
    /// the answer is some position, never a panic).
    pub fn partition_point(&self, pred: impl Fn(u32) -> bool) -> usize {
        let mut node = self.root;
        let mut rank = 0usize;
        for _ in 0..self.height {
            let inner = &self.inners[node as usize];
            let (mut lo, mut hi) = (1usize, inner.len as usize);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if pred(inner.firsts[mid]) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let child = lo - 1;
            rank += inner.counts[..child]
                .iter()
                .map(|&c| c as usize)
                .sum::<usize>();
            node = inner.children[child];
        }
        let leaf = &self.leaves[node as usize];
        let ids = &leaf.ids[..leaf.len as usize];
        rank + ids.partition_point(|&id| pred(id))
    }

    /// Inserts `id` so that it gets rank `rank` (clamped to len).
    pub fn insert(&mut self, rank: usize, id: u32) {
        let rank = rank.min(self.len());
        let append = rank == self.len();
        let prepend = rank == 0 && !append;
        let h = self.height as usize;
        let mut path = [(0u32, 0u32); MAX_HEIGHT];
        let mut node = self.root;
        let mut r = rank;
        for slot in path.iter_mut().take(h) {
            let inner = &self.inners[node as usize];
            let mut i = 0;
            // At a boundary, prefer the end of the left child: the first id
            // of a subtree changes only on a global prepend.
            while i + 1 < inner.len as usize && r > inner.counts[i] as usize {
                r -= inner.counts[i] as usize;
                i += 1;
            }
            *slot = (node, i as u32);
            node = inner.children[i];
        }
        let mut split = self.leaf_insert(node, r, id, append, prepend);
        for d in (0..h).rev() {
            let (p, i) = path[d];
            let (p, i) = (p as usize, i as usize);
            let level = (h - d - 1) as u32;
            let child = self.inners[p].children[i];
            let child_first = self.first_of(child, level);
            match split {
                None => {
                    let pn = &mut self.inners[p];
                    pn.counts[i] += 1;
                    pn.firsts[i] = child_first;
                }
                Some(right) => {
                    let left_count = self.count_of(child, level);
                    let right_count = self.count_of(right, level);
                    let right_first = self.first_of(right, level);
                    let pn = &mut self.inners[p];
                    pn.counts[i] = left_count;
                    pn.firsts[i] = child_first;
                    split = self.inner_insert(
                        p as u32,
                        i + 1,
                        (right, right_count, right_first),
                        append,
                        prepend,
                    );
                }
            }
        }
        if let Some(right) = split {
            let (old, level) = (self.root, self.height);
            let entries = [
                (old, self.count_of(old, level), self.first_of(old, level)),
                (
                    right,
                    self.count_of(right, level),
                    self.first_of(right, level),
                ),
            ];
            let nr = self.alloc_inner();
            let inner = &mut self.inners[nr as usize];
            for (k, (c, n, f)) in entries.into_iter().enumerate() {
                inner.children[k] = c;
                inner.counts[k] = n;
                inner.firsts[k] = f;
            }
            inner.len = 2;
            self.root = nr;
            self.height += 1;
        }
        self.len += 1;
    }

    /// Where a full node splits: keep it full when the sequence grows at its
    /// end, keep one entry when it grows at its start, else halve.
    fn split_point(cap: usize, append: bool, prepend: bool) -> usize {
        if append {
            cap
        } else if prepend {
            1
        } else {
            cap.div_ceil(2)
        }
    }

    /// Inserts into a leaf; returns the new right sibling if it split.
    fn leaf_insert(
        &mut self,
        leaf: u32,
        pos: usize,
        id: u32,
        append: bool,
        prepend: bool,
    ) -> Option<u32> {
        let l = &mut self.leaves[leaf as usize];
        let n = l.len as usize;
        if n < LEAF_CAP {
            l.ids.copy_within(pos..n, pos + 1);
            l.ids[pos] = id;
            l.len += 1;
            return None;
        }
        let mut all = [0u32; LEAF_CAP + 1];
        all[..pos].copy_from_slice(&l.ids[..pos]);
        all[pos] = id;
        all[pos + 1..].copy_from_slice(&l.ids[pos..n]);
        let keep = Self::split_point(LEAF_CAP, append, prepend);
        l.ids[..keep].copy_from_slice(&all[..keep]);
        l.len = keep as u32;
        let next = l.next;
        let r = self.alloc_leaf();
        let rl = &mut self.leaves[r as usize];
        let moved = LEAF_CAP + 1 - keep;
        rl.ids[..moved].copy_from_slice(&all[keep..]);
        rl.len = moved as u32;
        rl.prev = leaf;
        rl.next = next;
        self.leaves[leaf as usize].next = r;
        if next == NONE {
            self.tail = r;
        } else {
            self.leaves[next as usize].prev = r;
        }
        Some(r)
    }

    /// Inserts a child entry into an inner node; returns the new right
    /// sibling if it split.
    fn inner_insert(
        &mut self,
        node: u32,
        at: usize,
        entry: (u32, u32, u32),
        append: bool,
        prepend: bool,
    ) -> Option<u32> {
        let inner = &mut self.inners[node as usize];
        let n = inner.len as usize;
        if n < INNER_CAP {
            inner.insert_at(at, entry.0, entry.1, entry.2);
            return None;
        }
        let mut all = [(0u32, 0u32, 0u32); INNER_CAP + 1];
        for (k, slot) in all.iter_mut().enumerate() {
            *slot = match k.cmp(&at) {
                std::cmp::Ordering::Less => (inner.children[k], inner.counts[k], inner.firsts[k]),
                std::cmp::Ordering::Equal => entry,
                std::cmp::Ordering::Greater => (
                    inner.children[k - 1],
                    inner.counts[k - 1],
                    inner.firsts[k - 1],
                ),
            };
        }
        let keep = Self::split_point(INNER_CAP, append, prepend);
        for (k, &(c, n, f)) in all[..keep].iter().enumerate() {
            inner.children[k] = c;
            inner.counts[k] = n;
            inner.firsts[k] = f;
        }
        inner.len = keep as u32;
        let r = self.alloc_inner();
        let right = &mut self.inners[r as usize];
        for (k, &(c, n, f)) in all[keep..].iter().enumerate() {
            right.children[k] = c;
            right.counts[k] = n;
            right.firsts[k] = f;
        }
        right.len = (INNER_CAP + 1 - keep) as u32;
        Some(r)
    }

    /// Removes and returns the id at `rank`.
    pub fn remove(&mut self, rank: usize) -> Option<u32> {
        if rank >= self.len() {
            return None;
        }
        let h = self.height as usize;
        let mut path = [(0u32, 0u32); MAX_HEIGHT];
        let mut node = self.root;
        let mut r = rank;
        for slot in path.iter_mut().take(h) {
            let inner = &self.inners[node as usize];
            let mut i = 0;
            while i + 1 < inner.len as usize && r >= inner.counts[i] as usize {
                r -= inner.counts[i] as usize;
                i += 1;
            }
            *slot = (node, i as u32);
            node = inner.children[i];
        }
        let leaf = &mut self.leaves[node as usize];
        let n = leaf.len as usize;
        let id = leaf.ids[r];
        leaf.ids.copy_within(r + 1..n, r);
        leaf.len -= 1;
        self.len -= 1;
        if self.len == 0 {
            *self = Tree::new();
            return Some(id);
        }
        for d in (0..h).rev() {
            let (p, i) = path[d];
            let level = (h - d - 1) as u32;
            self.inners[p as usize].counts[i as usize] -= 1;
            self.fix_child(p, i as usize, level);
        }
        while self.height > 0 && self.inners[self.root as usize].len == 1 {
            let old = self.root;
            self.root = self.inners[old as usize].children[0];
            self.height -= 1;
            self.free_inners.push(old);
        }
        Some(id)
    }

    /// After a removal under child `i` of inner node `p`: drops the child if
    /// empty, refreshes its first id, and rebalances it with a sibling when
    /// it fell under a quarter of its capacity.
    fn fix_child(&mut self, p: u32, i: usize, level: u32) {
        let child = self.inners[p as usize].children[i];
        let clen = self.node_len(child, level);
        if clen == 0 {
            self.inners[p as usize].remove_at(i);
            self.free_node(child, level);
            return;
        }
        let first = self.first_of(child, level);
        self.inners[p as usize].firsts[i] = first;
        let cap = if level == 0 { LEAF_CAP } else { INNER_CAP };
        if clen >= cap / 4 || self.inners[p as usize].len < 2 {
            return;
        }
        let li = if i > 0 { i - 1 } else { 0 };
        let (l, r) = {
            let pn = &self.inners[p as usize];
            (pn.children[li], pn.children[li + 1])
        };
        let (ln, rn) = (self.node_len(l, level), self.node_len(r, level));
        if ln + rn <= cap {
            self.merge(l, r, level);
            let pn = &mut self.inners[p as usize];
            pn.counts[li] += pn.counts[li + 1];
            pn.remove_at(li + 1);
            self.free_node(r, level);
        } else {
            self.redistribute(l, r, level);
            let counts = (self.count_of(l, level), self.count_of(r, level));
            let firsts = (self.first_of(l, level), self.first_of(r, level));
            let pn = &mut self.inners[p as usize];
            pn.counts[li] = counts.0;
            pn.counts[li + 1] = counts.1;
            pn.firsts[li] = firsts.0;
            pn.firsts[li + 1] = firsts.1;
        }
    }

    /// Frees a node already detached from its parent (unlinking a leaf).
    fn free_node(&mut self, node: u32, level: u32) {
        if level > 0 {
            self.free_inners.push(node);
            return;
        }
        let (prev, next) = {
            let l = &self.leaves[node as usize];
            (l.prev, l.next)
        };
        if prev == NONE {
            self.head = next;
        } else {
            self.leaves[prev as usize].next = next;
        }
        if next == NONE {
            self.tail = prev;
        } else {
            self.leaves[next as usize].prev = prev;
        }
        self.free_leaves.push(node);
    }

    /// Moves all of `r`'s entries to the end of `l` (they fit).
    fn merge(&mut self, l: u32, r: u32, level: u32) {
        if level == 0 {
            let right = self.leaves[r as usize].clone();
            let left = &mut self.leaves[l as usize];
            let (ln, rn) = (left.len as usize, right.len as usize);
            left.ids[ln..ln + rn].copy_from_slice(&right.ids[..rn]);
            left.len += right.len;
        } else {
            let right = self.inners[r as usize].clone();
            let left = &mut self.inners[l as usize];
            let (ln, rn) = (left.len as usize, right.len as usize);
            left.children[ln..ln + rn].copy_from_slice(&right.children[..rn]);
            left.counts[ln..ln + rn].copy_from_slice(&right.counts[..rn]);
            left.firsts[ln..ln + rn].copy_from_slice(&right.firsts[..rn]);
            left.len += right.len;
        }
    }

    /// Evens out the entries of siblings `l` and `r`.
    fn redistribute(&mut self, l: u32, r: u32, level: u32) {
        let (ln, rn) = (self.node_len(l, level), self.node_len(r, level));
        let want = (ln + rn) / 2;
        if level == 0 {
            let mut left = self.leaves[l as usize].clone();
            let mut right = self.leaves[r as usize].clone();
            let mut all = Vec::with_capacity(ln + rn);
            all.extend_from_slice(&left.ids[..ln]);
            all.extend_from_slice(&right.ids[..rn]);
            left.ids[..want].copy_from_slice(&all[..want]);
            left.len = want as u32;
            right.ids[..ln + rn - want].copy_from_slice(&all[want..]);
            right.len = (ln + rn - want) as u32;
            self.leaves[l as usize] = left;
            self.leaves[r as usize] = right;
        } else {
            let mut left = self.inners[l as usize].clone();
            let mut right = self.inners[r as usize].clone();
            let mut all = Vec::with_capacity(ln + rn);
            for k in 0..ln {
                all.push((left.children[k], left.counts[k], left.firsts[k]));
            }
            for k in 0..rn {
                all.push((right.children[k], right.counts[k], right.firsts[k]));
            }
            for (k, &(c, n, f)) in all[..want].iter().enumerate() {
                left.children[k] = c;
                left.counts[k] = n;
                left.firsts[k] = f;
            }
            left.len = want as u32;
            for (k, &(c, n, f)) in all[want..].iter().enumerate() {
                right.children[k] = c;
                right.counts[k] = n;
                right.firsts[k] = f;
            }
            right.len = (ln + rn - want) as u32;
            self.inners[l as usize] = left;
            self.inners[r as usize] = right;
        }
    }

    /// Ids from `rank` on, ascending, or from `rank` down to 0 when `rev`.
    pub fn iter(&self, rank: usize, rev: bool) -> Iter<'_> {
        if rank >= self.len() {
            return Iter {
                tree: self,
                leaf: NONE,
                pos: 0,
                left: 0,
                rev,
            };
        }
        let (leaf, pos) = self.locate(rank);
        Iter {
            tree: self,
            leaf,
            pos,
            left: if rev { rank + 1 } else { self.len() - rank },
            rev,
        }
    }

    /// Checks every structural invariant (tests only).
    #[cfg(test)]
    pub fn check(&self) {
        fn walk(t: &Tree, node: u32, level: u32, out: &mut Vec<u32>) -> u32 {
            if level == 0 {
                let l = &t.leaves[node as usize];
                out.extend_from_slice(&l.ids[..l.len as usize]);
                return l.len;
            }
            let inner = &t.inners[node as usize];
            assert!(inner.len >= 1);
            let mut total = 0;
            for k in 0..inner.len as usize {
                let start = out.len();
                let c = walk(t, inner.children[k], level - 1, out);
                assert_eq!(c, inner.counts[k], "count");
                assert!(c > 0);
                assert_eq!(out[start], inner.firsts[k], "first");
                total += c;
            }
            total
        }
        let mut ids = Vec::new();
        assert_eq!(walk(self, self.root, self.height, &mut ids), self.len);
        let linked: Vec<u32> = self.iter(0, false).collect();
        assert_eq!(linked, ids);
        let mut back: Vec<u32> = self.iter(self.len().saturating_sub(1), true).collect();
        back.reverse();
        assert_eq!(back, ids);
    }
}

/// Splits `n` items into the fewest chunks of at most `cap`, sizes as even
/// as possible.
fn balanced_chunks(n: usize, cap: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let parts = n.div_ceil(cap).max(1);
    let (base, extra) = (n / parts, n % parts);
    (0..parts).scan(0usize, move |start, k| {
        let size = base + usize::from(k < extra);
        let r = *start..*start + size;
        *start += size;
        Some(r)
    })
}

/// See [`Tree::iter`].
pub struct Iter<'a> {
    tree: &'a Tree,
    leaf: u32,
    pos: usize,
    left: usize,
    rev: bool,
}

impl Iterator for Iter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.left == 0 || self.leaf == NONE {
            return None;
        }
        let leaf = &self.tree.leaves[self.leaf as usize];
        let id = leaf.ids[self.pos];
        self.left -= 1;
        if self.rev {
            if self.pos == 0 {
                self.leaf = leaf.prev;
                if self.leaf != NONE {
                    self.pos = self.tree.leaves[self.leaf as usize].len as usize - 1;
                }
            } else {
                self.pos -= 1;
            }
        } else {
            self.pos += 1;
            if self.pos == leaf.len as usize {
                self.leaf = leaf.next;
                self.pos = 0;
            }
        }
        Some(id)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// A slot for `node` in `pool`: a freed one if any, else a new one.
fn alloc<T>(pool: &mut Vec<T>, free: &mut Vec<u32>, node: T) -> u32 {
    match free.pop() {
        Some(i) => {
            pool[i as usize] = node;
            i
        }
        None => {
            pool.push(node);
            pool.len() as u32 - 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift, deterministic.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    #[test]
    fn empty() {
        let mut t = Tree::new();
        t.check();
        assert_eq!(t.get(0), None);
        assert_eq!(t.remove(0), None);
        assert_eq!(t.iter(0, false).count(), 0);
        assert_eq!(t.partition_point(|_| true), 0);
    }

    #[test]
    fn ascending_and_descending_loads_fill_leaves() {
        let mut t = Tree::new();
        for i in 0..10_000u32 {
            t.insert(i as usize, i);
        }
        t.check();
        assert!(
            t.leaves.len() <= 10_000 / LEAF_CAP + 2,
            "{}",
            t.leaves.len()
        );
        let mut t = Tree::new();
        for i in (0..10_000u32).rev() {
            t.insert(0, i);
        }
        t.check();
        assert!(
            t.leaves.len() <= 10_000 / LEAF_CAP + 2,
            "{}",
            t.leaves.len()
        );
        assert_eq!(t.get(1234), Some(1234));
    }

    #[test]
    fn matches_a_vec_under_random_edits() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for round in 0..6 {
            let mut t = Tree::new();
            let mut v: Vec<u32> = Vec::new();
            let ops = 4000 + round * 3000;
            for op in 0..ops {
                // Grow first, then shrink to exercise merges and collapses.
                let grow = op < ops / 2;
                if v.is_empty() || rng.below(10) < if grow { 7 } else { 3 } {
                    let r = rng.below(v.len() + 1);
                    let id = rng.next() as u32;
                    t.insert(r, id);
                    v.insert(r, id);
                } else {
                    let r = rng.below(v.len());
                    assert_eq!(t.remove(r), Some(v.remove(r)));
                }
                if op % 500 == 0 {
                    t.check();
                }
            }
            t.check();
            assert_eq!(t.len(), v.len());
            for (r, &id) in v.iter().enumerate() {
                assert_eq!(t.get(r), Some(id));
            }
            while !v.is_empty() {
                let r = rng.below(v.len());
                assert_eq!(t.remove(r), Some(v.remove(r)));
            }
            t.check();
            assert!(t.is_empty());
        }
    }

    #[test]
    fn partition_point_over_sorted_ids() {
        let ids: Vec<u32> = (0..5000).map(|i| i * 2).collect();
        let t = Tree::from_sorted(&ids);
        t.check();
        for x in [0u32, 1, 2, 777, 778, 9998, 9999, 10_000, 20_000] {
            let want = ids.partition_point(|&id| id < x);
            assert_eq!(t.partition_point(|id| id < x), want, "x={x}");
        }
        // The same after random edits keep the order.
        let mut t = Tree::new();
        let mut v = Vec::new();
        let mut rng = Rng(99);
        for _ in 0..3000 {
            let x = rng.below(100_000) as u32;
            let r = v.partition_point(|&y| y < x);
            v.insert(r, x);
            t.insert(t.partition_point(|y| y < x), x);
        }
        t.check();
        assert_eq!(t.iter(0, false).collect::<Vec<_>>(), v);
    }

    #[test]
    fn iterators_both_ways() {
        let ids: Vec<u32> = (0..300).collect();
        let t = Tree::from_sorted(&ids);
        assert_eq!(
            t.iter(295, false).collect::<Vec<_>>(),
            vec![295, 296, 297, 298, 299]
        );
        assert_eq!(t.iter(3, true).collect::<Vec<_>>(), vec![3, 2, 1, 0]);
        assert_eq!(t.iter(300, false).count(), 0);
        assert_eq!(t.iter(299, true).count(), 300);
        assert_eq!(t.first(), Some(0));
        assert_eq!(t.last(), Some(299));
    }

    #[test]
    fn from_sorted_shapes() {
        for n in [1usize, 63, 64, 65, 128, 129, 4096, 4097, 70_000] {
            let ids: Vec<u32> = (0..n as u32).collect();
            let mut t = Tree::from_sorted(&ids);
            t.check();
            t.insert(n / 2, 7);
            t.remove(0);
            t.check();
        }
    }
}
