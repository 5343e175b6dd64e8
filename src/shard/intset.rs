//! Redis's intset: a set of integers kept sorted in one buffer, every
//! element stored with the same width (2, 4 or 8 bytes, little-endian). The
//! width grows when a value that does not fit arrives and never shrinks, as
//! in Redis's `intset.c`. Lookups are binary searches; an insert or a
//! removal moves the tail of the buffer and reallocates it to the exact
//! size, which is cheap at the sizes an intset is allowed to reach
//! (`set-max-intset-entries`, 512 by default).

/// A sorted set of distinct integers in one contiguous allocation.
#[derive(Debug, Clone, Default)]
pub struct IntSet {
    /// Bytes per element: 2, 4 or 8 (0 only while empty and never written).
    width: u8,
    data: Box<[u8]>,
}

/// The narrowest width that holds `v`.
fn width_of(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

impl IntSet {
    pub fn new() -> IntSet {
        IntSet {
            width: 2,
            data: Box::default(),
        }
    }

    pub fn len(&self) -> usize {
        match self.width {
            0 => 0,
            w => self.data.len() / w as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes per element (Redis's `encoding` field).
    pub fn width(&self) -> usize {
        self.width as usize
    }

    /// Heap bytes used.
    pub fn heap_size(&self) -> usize {
        self.data.len()
    }

    /// The element at sorted position `i` (`i < len()`).
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        let w = self.width as usize;
        let b = &self.data[i * w..(i + 1) * w];
        match w {
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    fn put(buf: &mut [u8], w: usize, i: usize, v: i64) {
        let dst = &mut buf[i * w..(i + 1) * w];
        match w {
            2 => dst.copy_from_slice(&(v as i16).to_le_bytes()),
            4 => dst.copy_from_slice(&(v as i32).to_le_bytes()),
            _ => dst.copy_from_slice(&v.to_le_bytes()),
        }
    }

    /// Binary search: Ok(position) if present, Err(insertion point) if not.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let n = self.len();
        if n == 0 || width_of(v) > self.width {
            // A value wider than the encoding is outside every element's range.
            return Err(if v < 0 { 0 } else { n });
        }
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let m = self.get(mid);
            if m == v {
                return Ok(mid);
            }
            if m < v {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Err(lo)
    }

    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Adds `v`; false if it was already there.
    pub fn insert(&mut self, v: i64) -> bool {
        let need = width_of(v).max(self.width).max(2);
        if need > self.width {
            // Redis's intsetUpgradeAndAdd: a wider value is below or above
            // every element, so it goes first or last.
            let n = self.len();
            let w = need as usize;
            let mut buf = vec![0u8; (n + 1) * w];
            let off = usize::from(v < 0);
            for i in 0..n {
                Self::put(&mut buf, w, i + off, self.get(i));
            }
            Self::put(&mut buf, w, if v < 0 { 0 } else { n }, v);
            self.width = need;
            self.data = buf.into_boxed_slice();
            return true;
        }
        let pos = match self.search(v) {
            Ok(_) => return false,
            Err(p) => p,
        };
        let w = self.width as usize;
        let mut buf = Vec::with_capacity(self.data.len() + w);
        buf.extend_from_slice(&self.data[..pos * w]);
        buf.resize(buf.len() + w, 0);
        buf.extend_from_slice(&self.data[pos * w..]);
        Self::put(&mut buf, w, pos, v);
        self.data = buf.into_boxed_slice();
        true
    }

    /// Removes `v`; false if it was not there.
    pub fn remove(&mut self, v: i64) -> bool {
        let Ok(pos) = self.search(v) else {
            return false;
        };
        self.remove_at(pos);
        true
    }

    /// Removes and returns the element at sorted position `pos` (`pos < len()`).
    pub fn remove_at(&mut self, pos: usize) -> i64 {
        let v = self.get(pos);
        let w = self.width as usize;
        let mut buf = Vec::with_capacity(self.data.len() - w);
        buf.extend_from_slice(&self.data[..pos * w]);
        buf.extend_from_slice(&self.data[(pos + 1) * w..]);
        self.data = buf.into_boxed_slice();
        v
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

impl PartialEq for IntSet {
    fn eq(&self, other: &IntSet) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_distinct_and_compact() {
        let mut s = IntSet::new();
        for v in [5, -3, 100, 5, 0, -3] {
            s.insert(v);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-3, 0, 5, 100]);
        assert_eq!(s.width(), 2);
        assert_eq!(s.heap_size(), 8);
        assert!(s.contains(100) && !s.contains(101));
        assert!(!s.contains(1 << 40));
    }

    #[test]
    fn upgrades_width_and_keeps_it() {
        let mut s = IntSet::new();
        s.insert(1);
        s.insert(2);
        assert!(s.insert(70_000));
        assert_eq!(s.width(), 4);
        assert!(s.insert(i64::MIN));
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, 1, 2, 70_000]);
        assert!(s.remove(i64::MIN));
        assert!(!s.remove(i64::MIN));
        // Redis never downgrades.
        assert_eq!(s.width(), 8);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![1, 2, 70_000]);
        assert!(s.insert(i64::MAX));
        assert_eq!(s.get(s.len() - 1), i64::MAX);
        assert!(s.contains(i64::MAX) && !s.contains(i64::MIN));
    }

    #[test]
    fn matches_a_btreeset() {
        let mut s = IntSet::new();
        let mut model = std::collections::BTreeSet::new();
        let mut x: u64 = 0x1234_5678;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = match x % 4 {
                0 => (x >> 8) as i64 % 100,
                1 => (x >> 8) as i64 % 100_000,
                2 => (x >> 8) as i64,
                _ => -((x >> 8) as i64 % 40_000),
            };
            if x.is_multiple_of(3) {
                assert_eq!(s.remove(v), model.remove(&v));
            } else {
                assert_eq!(s.insert(v), model.insert(v));
            }
            assert_eq!(s.len(), model.len());
        }
        assert!(s.iter().eq(model.iter().copied()));
        while !s.is_empty() {
            let v = s.remove_at(s.len() / 2);
            assert!(model.remove(&v));
        }
        assert!(model.is_empty());
    }
}
