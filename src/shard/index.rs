//! The key index of one database: open addressing with linear probing over
//! 8-byte buckets, each a 32-bit hash and a slab position.
//!
//! Why not hashbrown's table: a lookup there touches the control bytes and,
//! in another cache line, the bucket, and gives no way to ask for either
//! ahead of time. Here one bucket holds both the hash (compared first, so a
//! key is read only on a real match) and the position, and `prefetch` can
//! pull a key's bucket, then its entry, into cache while earlier commands of
//! a pipelined batch run: the misses of a batch overlap instead of adding
//! up. Deletion shifts the following run back (no tombstones), so probe
//! runs stay as short as the load allows.

/// A bucket: `pos == EMPTY` marks a free one.
#[derive(Clone, Copy)]
struct Bucket {
    hash: u32,
    pos: u32,
}

const EMPTY: u32 = u32::MAX;
const FREE: Bucket = Bucket {
    hash: 0,
    pos: EMPTY,
};

/// Map from a key's 32-bit hash to slab positions; the caller compares keys.
#[derive(Clone)]
pub struct Index {
    buckets: Vec<Bucket>,
    len: usize,
}

/// The hash an index keeps of a key's 64-bit hash.
#[inline]
pub fn short(hash: u64) -> u32 {
    (hash ^ (hash >> 32)) as u32
}

impl Index {
    pub fn new() -> Index {
        Index {
            buckets: Vec::new(),
            len: 0,
        }
    }

    /// An index that takes `n` entries without growing.
    pub fn with_capacity(n: usize) -> Index {
        if n == 0 {
            return Index::new();
        }
        let size = (n * 4).div_ceil(3).next_power_of_two().max(8);
        Index {
            buckets: vec![FREE; size],
            len: 0,
        }
    }

    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    /// Buckets allocated (for memory accounting).
    pub fn capacity(&self) -> usize {
        self.buckets.len()
    }

    /// The first position whose bucket has `hash` and for which `eq` holds.
    #[inline]
    pub fn find(&self, hash: u32, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            let b = self.buckets[i];
            if b.pos == EMPTY {
                return None;
            }
            if b.hash == hash && eq(b.pos) {
                return Some(b.pos);
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `pos` under `hash` (the caller knows the key is absent).
    pub fn insert(&mut self, hash: u32, pos: u32) {
        // Grow at 3/4 full: linear probing's runs stay short below that.
        if (self.len + 1) * 4 > self.buckets.len() * 3 {
            self.grow();
        }
        let mask = self.mask();
        let mut i = hash as usize & mask;
        while self.buckets[i].pos != EMPTY {
            i = (i + 1) & mask;
        }
        self.buckets[i] = Bucket { hash, pos };
        self.len += 1;
    }

    /// Removes the bucket holding `pos` under `hash`, if any.
    pub fn remove(&mut self, hash: u32, pos: u32) {
        if self.len == 0 {
            return;
        }
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            let b = self.buckets[i];
            if b.pos == EMPTY {
                return;
            }
            if b.pos == pos {
                break;
            }
            i = (i + 1) & mask;
        }
        // Backward shift: move later members of the run into the hole when
        // the hole lies between their home and where they sit.
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let b = self.buckets[j];
            if b.pos == EMPTY {
                break;
            }
            let home = b.hash as usize & mask;
            // Distance from home to j and from home to the hole, cyclically.
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.buckets[hole] = b;
                hole = j;
            }
        }
        self.buckets[hole] = FREE;
        self.len -= 1;
        if self.len == 0 {
            self.buckets = Vec::new();
        }
    }

    fn grow(&mut self) {
        let size = (self.buckets.len() * 2).max(8);
        let old = std::mem::replace(&mut self.buckets, vec![FREE; size]);
        let mask = size - 1;
        for b in old.into_iter().filter(|b| b.pos != EMPTY) {
            let mut i = b.hash as usize & mask;
            while self.buckets[i].pos != EMPTY {
                i = (i + 1) & mask;
            }
            self.buckets[i] = b;
        }
    }

    /// Asks the CPU to bring `hash`'s home bucket into cache.
    #[inline]
    pub fn prefetch(&self, hash: u32) {
        if let Some(b) = self.buckets.get(hash as usize & self.mask()) {
            prefetch_read(b as *const Bucket as *const u8);
        }
    }

    /// Asks the CPU to bring the element of `slots` at the first position
    /// carrying `hash` into cache (the slot a lookup most likely lands on;
    /// its bucket should be in cache after `prefetch`).
    #[inline]
    pub fn prefetch_slot<T>(&self, hash: u32, slots: &[T]) {
        if let Some(slot) = self
            .first_candidate(hash)
            .and_then(|i| slots.get(i as usize))
        {
            prefetch_read(slot as *const T as *const u8);
        }
    }

    /// The first position whose bucket carries `hash`: the entry a lookup
    /// of that hash most likely lands on (for the entry prefetch; the run
    /// is in cache after `prefetch`).
    #[inline]
    pub fn first_candidate(&self, hash: u32) -> Option<u32> {
        self.find(hash, |_| true)
    }
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("len", &self.len)
            .field("buckets", &self.buckets.len())
            .finish()
    }
}

impl Default for Index {
    fn default() -> Index {
        Index::new()
    }
}

/// A prefetch hint for the cache line holding address `p`: no effect on
/// what the program computes, whatever the address.
#[inline(always)]
pub fn prefetch_read(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: _mm_prefetch is a hint; it never faults and never reads into
    // the program, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index against a plain list under random inserts and removals,
    /// with hashes crowded into few homes so runs wrap and shift.
    #[test]
    fn matches_a_model_under_churn() {
        let mut idx = Index::new();
        let mut model: Vec<(u32, u32)> = Vec::new(); // (pos, hash)
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next_pos = 0u32;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if model.len() > 50 && x.is_multiple_of(3) {
                let (pos, h) = model.swap_remove((x >> 8) as usize % model.len());
                idx.remove(h, pos);
                assert_eq!(idx.find(h, |p| p == pos), None);
            } else {
                // Few distinct low bits: long runs, wrap-around at the end.
                let h = ((x >> 20) as u32 & 0xffff_0000) | ((x >> 40) as u32 & 0x1f) | 0xffe0;
                idx.insert(h, next_pos);
                model.push((next_pos, h));
                next_pos += 1;
            }
            if step % 251 == 0 {
                for &(pos, h) in &model {
                    assert_eq!(idx.find(h, |p| p == pos), Some(pos), "step {step}");
                }
                assert_eq!(idx.len, model.len());
            }
        }
        while let Some((pos, h)) = model.pop() {
            idx.remove(h, pos);
            assert_eq!(idx.find(h, |p| p == pos), None);
        }
        assert_eq!(idx.len, 0);
        assert_eq!(idx.capacity(), 0);
    }
}
