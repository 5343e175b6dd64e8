//! A hierarchical timing wheel with millisecond resolution, one per database.
//!
//! The wheel schedules `(idx, when_ms)` pairs, where `idx` is a key's slab
//! index; it knows nothing about keys. Whoever drains it checks each fired
//! pair against the slab and drops the stale ones (key gone, or expiry
//! changed since it was scheduled).
//!
//! Shape, as in tokio's time wheel: `LEVELS` levels of 64 slots; a slot of
//! level L spans 64^L ms, so the levels together span 64^6 ms (about 2.2
//! years). A pair goes to the level given by the highest bit in which its
//! time differs from the wheel's clock (`elapsed`); pairs further away than
//! the top level reaches wait in an overflow list. When the clock reaches a
//! higher-level slot, its pairs are re-placed into lower levels (cascading);
//! a level-0 slot holds pairs of exactly one millisecond, which fire.
//! A 64-bit occupancy map per level lets the clock skip empty slots, so a
//! long idle gap costs only the occupied slots on the way.
//!
//! Cascading is incremental: a slot taken off a higher level is re-placed a
//! bounded number of pairs per `advance` (proportional to its budget), so a
//! million keys expiring together never cost one call more than its share.

/// One scheduled pair: (slab index, expiry in ms since the Unix epoch).
type Pair = (u32, u64);

const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const SLOT_MASK: u64 = (SLOTS as u64) - 1;
const LEVELS: usize = 6;
/// Milliseconds the levels together span: past this, pairs wait in overflow.
const TOP_RANGE: u64 = 1 << (SLOT_BITS as usize * LEVELS);
/// An emptied Vec keeps its buffer only up to this many pairs (128 bytes):
/// reuse for the common small slot, but a mass expiry must not pin memory.
const KEEP_CAP: usize = 8;
/// Pairs one `advance` may re-place (cascade) per pair of its budget. A
/// re-place is a push; firing costs the caller a key removal, far more.
const CASCADE_WORK: usize = 16;

/// Which scheduled group is next and when the clock reaches it.
#[derive(Clone, Copy, Debug)]
struct Expiration {
    /// `LEVELS` stands for the overflow list.
    level: usize,
    slot: usize,
    /// The start of the slot: no pair in it is earlier.
    deadline: u64,
}

/// The TTL timing wheel of one database. See the module docs.
#[derive(Debug)]
pub struct Wheel {
    /// The wheel's clock: every pair in `slots` and `overflow` is later than
    /// it, every pair in `due` is at or before it. Never goes back.
    elapsed: u64,
    /// `LEVELS * SLOTS` slots, level-major; allocated on first use so an
    /// unused database costs no slot table.
    slots: Vec<Vec<Pair>>,
    /// Bit s of `occupied[l]` is set iff slot s of level l is non-empty.
    occupied: [u64; LEVELS],
    /// Pairs beyond the top level's reach from `elapsed`.
    overflow: Vec<Pair>,
    /// The smallest time in `overflow` (meaningless when it is empty).
    overflow_min: u64,
    /// Pairs whose time has come, handed out from the back. It holds at most
    /// one fired level-0 slot (one ms, equal to `elapsed` then) plus pairs
    /// inserted in the past, which are pushed later and so come out first.
    due: Vec<Pair>,
    /// A lower bound of the times in `due` (meaningless when it is empty).
    due_min: u64,
    /// Pairs of the slot (or overflow list) being cascaded, not yet
    /// re-placed; all at or after `elapsed`, which stays put until it is
    /// empty.
    cascade: Vec<Pair>,
    /// Number of pairs scheduled, wherever they are.
    len: usize,
    /// Slots taken off the wheel so far; tests check skipping with it.
    #[cfg(test)]
    visited: u64,
}

impl Wheel {
    /// A wheel whose clock starts at `now_ms` (ms since the Unix epoch).
    pub fn new(now_ms: u64) -> Wheel {
        Wheel {
            elapsed: now_ms,
            slots: Vec::new(),
            occupied: [0; LEVELS],
            overflow: Vec::new(),
            overflow_min: 0,
            due: Vec::new(),
            due_min: 0,
            cascade: Vec::new(),
            len: 0,
            #[cfg(test)]
            visited: 0,
        }
    }

    /// Schedules `idx` at `when_ms`. `when_ms` may be in the past (fires at
    /// the next advance).
    pub fn insert(&mut self, idx: u32, when_ms: u64) {
        self.len += 1;
        self.place((idx, when_ms));
    }

    /// Number of scheduled pairs (stale ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves the clock to `now_ms` and appends to `out` the pairs whose
    /// `when_ms <= now_ms`, at most `budget` of them; the rest stay scheduled
    /// and come out at the next call, in time order as far as the wheel's
    /// granularity allows (pairs of one ms, and pairs inserted in the past,
    /// come in any order). Returns true if due pairs remain — or may remain:
    /// also when the call stopped inside a cascade, which the next call
    /// resumes.
    ///
    /// Cost: the pairs fired plus the occupied slots crossed plus at most
    /// `CASCADE_WORK * max(budget, 1)` pairs re-placed; a pair is re-placed
    /// at most once per level on its way down. A `now_ms` earlier than the
    /// wheel's clock moves nothing and hands out only pairs inserted at or
    /// before `now_ms`.
    pub fn advance(&mut self, now_ms: u64, budget: usize, out: &mut Vec<(u32, u64)>) -> bool {
        if now_ms < self.elapsed {
            return self.advance_behind(now_ms, budget, out);
        }
        let mut fired = 0;
        let mut moves = budget.max(1).saturating_mul(CASCADE_WORK);
        loop {
            if !self.due.is_empty() {
                if fired >= budget {
                    return true;
                }
                let n = (budget - fired).min(self.due.len());
                let start = self.due.len() - n;
                out.extend(self.due.drain(start..));
                fired += n;
                self.len -= n;
                if self.due.is_empty() {
                    release(&mut self.due);
                }
                continue;
            }
            if !self.cascade.is_empty() {
                if moves == 0 {
                    return true;
                }
                moves -= self.cascade_some(moves);
                continue;
            }
            match self.next_expiration() {
                Some(exp) if exp.deadline <= now_ms => self.process(exp),
                _ => {
                    self.elapsed = now_ms;
                    return false;
                }
            }
        }
    }

    /// The earliest time anything is scheduled at (or a lower bound not later
    /// than it, with level granularity), None if empty. Used to decide how
    /// long the shard can sleep.
    ///
    /// Exact for pairs within the current 64 ms; otherwise the start of the
    /// slot they sit in. Pairs inserted in the past report a time at or
    /// before their own.
    pub fn next_deadline(&self) -> Option<u64> {
        // Both lie at or before everything on the levels and in overflow.
        match (self.due.is_empty(), self.cascade.is_empty()) {
            (false, true) => return Some(self.due_min),
            (false, false) => return Some(self.due_min.min(self.elapsed)),
            (true, false) => return Some(self.elapsed),
            (true, true) => {}
        }
        match self.next_expiration() {
            Some(exp) if exp.level == LEVELS => Some(self.overflow_min),
            Some(exp) => Some(exp.deadline),
            None => None,
        }
    }

    /// Drops everything (FLUSHDB), memory included. The clock stays.
    pub fn clear(&mut self) {
        self.slots = Vec::new();
        self.occupied = [0; LEVELS];
        self.overflow = Vec::new();
        self.due = Vec::new();
        self.cascade = Vec::new();
        self.len = 0;
    }

    /// Puts a pair where it belongs relative to `elapsed`.
    fn place(&mut self, pair: Pair) {
        let when = pair.1;
        if when <= self.elapsed {
            if self.due.is_empty() || when < self.due_min {
                self.due_min = when;
            }
            self.due.push(pair);
            return;
        }
        let level = level_for(self.elapsed, when);
        if level >= LEVELS {
            if self.overflow.is_empty() || when < self.overflow_min {
                self.overflow_min = when;
            }
            self.overflow.push(pair);
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(LEVELS * SLOTS, Vec::new);
        }
        let slot = slot_for(when, level);
        if let Some(v) = self.slots.get_mut(level * SLOTS + slot) {
            v.push(pair);
            self.occupied[level] |= 1 << slot;
        }
    }

    /// The next slot (or the overflow list) the clock must stop at. Levels
    /// are searched from the bottom: everything in level L lies before
    /// everything in level L+1, and all levels before the overflow list.
    fn next_expiration(&self) -> Option<Expiration> {
        for (level, &occ) in self.occupied.iter().enumerate() {
            if occ == 0 {
                continue;
            }
            let shift = SLOT_BITS as usize * level;
            let now_slot = ((self.elapsed >> shift) & SLOT_MASK) as u32;
            // Only slots after the clock's own can be occupied: a pair in the
            // clock's slot would have gone to a lower level.
            let later = if now_slot >= SLOT_MASK as u32 {
                0
            } else {
                occ & (!0u64 << (now_slot + 1))
            };
            debug_assert_eq!(later, occ, "slot at or before the clock is occupied");
            if later == 0 {
                continue;
            }
            let slot = later.trailing_zeros() as usize;
            let level_range = 1u64 << (shift + SLOT_BITS as usize);
            let level_start = self.elapsed & !(level_range - 1);
            let deadline = level_start + ((slot as u64) << shift);
            return Some(Expiration {
                level,
                slot,
                deadline,
            });
        }
        if self.overflow.is_empty() {
            return None;
        }
        // The start of the top-level span holding the earliest overflow pair:
        // there it comes within the levels' reach.
        Some(Expiration {
            level: LEVELS,
            slot: 0,
            deadline: self.overflow_min & !(TOP_RANGE - 1),
        })
    }

    /// Moves the clock to `exp.deadline` and takes that slot off the wheel:
    /// a level-0 slot becomes `due`, a higher one (or the overflow list)
    /// becomes `cascade`. Called only with both of those empty; their
    /// emptied buffers (already trimmed by `release`) go to the slot.
    fn process(&mut self, exp: Expiration) {
        #[cfg(test)]
        {
            self.visited += 1;
        }
        self.elapsed = exp.deadline;
        if exp.level >= LEVELS {
            std::mem::swap(&mut self.cascade, &mut self.overflow);
            return;
        }
        self.occupied[exp.level] &= !(1u64 << exp.slot);
        let Some(slot) = self.slots.get_mut(exp.level * SLOTS + exp.slot) else {
            return;
        };
        if exp.level == 0 {
            // Every pair here is at exactly `deadline`.
            std::mem::swap(&mut self.due, slot);
            self.due_min = exp.deadline;
        } else {
            // Each pair lies within this slot's span from the new clock, so
            // it lands in a lower level or in `due`, never back here.
            std::mem::swap(&mut self.cascade, slot);
        }
    }

    /// Re-places up to `max` pairs of `cascade`; returns how many.
    fn cascade_some(&mut self, max: usize) -> usize {
        let mut pairs = std::mem::take(&mut self.cascade);
        let n = max.min(pairs.len());
        let start = pairs.len() - n;
        for p in pairs.drain(start..) {
            self.place(p);
        }
        release(&mut pairs);
        self.cascade = pairs;
        n
    }

    /// `advance` with a clock that went back: only `due` can hold pairs at or
    /// before `now_ms`, so hand those out without moving anything.
    fn advance_behind(&mut self, now_ms: u64, budget: usize, out: &mut Vec<(u32, u64)>) -> bool {
        let mut fired = 0;
        let mut i = 0;
        while i < self.due.len() {
            if self.due[i].1 > now_ms {
                i += 1;
                continue;
            }
            if fired >= budget {
                return true;
            }
            out.push(self.due.swap_remove(i));
            fired += 1;
            self.len -= 1;
        }
        if self.due.is_empty() {
            release(&mut self.due);
        }
        false
    }
}

/// The level for a pair at `when` seen from a clock at `elapsed` (`when >
/// elapsed`): from the highest bit in which they differ. `LEVELS` or more
/// means overflow.
fn level_for(elapsed: u64, when: u64) -> usize {
    let masked = (elapsed ^ when) | SLOT_MASK;
    let significant = 63 - masked.leading_zeros() as usize;
    significant / SLOT_BITS as usize
}

/// The slot of `when` within `level`.
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (SLOT_BITS as usize * level)) & SLOT_MASK) as usize
}

/// Frees an emptied Vec's buffer unless it is small enough to be worth
/// reusing.
fn release(v: &mut Vec<Pair>) {
    if v.is_empty() && v.capacity() > KEEP_CAP {
        *v = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, HashSet};

    const T0: u64 = 1_700_000_000_123;
    const DAY: u64 = 86_400_000;
    const YEAR: u64 = 365 * DAY;

    /// xorshift64*: enough randomness for tests, no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            if n == 0 {
                0
            } else {
                self.next() % n
            }
        }

        /// Below 2^b for a random b < max_bits: spreads over magnitudes.
        fn log_uniform(&mut self, max_bits: u64) -> u64 {
            let bits = self.below(max_bits);
            self.below(1 << bits)
        }
    }

    fn drain(w: &mut Wheel, now: u64) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        assert!(!w.advance(now, usize::MAX, &mut out));
        out
    }

    /// Buffer bytes the wheel holds on to.
    fn retained(w: &Wheel) -> usize {
        let slots: usize = w.slots.iter().map(Vec::capacity).sum();
        let lists = w.due.capacity() + w.overflow.capacity() + w.cascade.capacity();
        (slots + lists) * std::mem::size_of::<Pair>()
    }

    #[test]
    fn single_insert_fires_exactly_at_its_ms() {
        let offsets = [
            1,
            2,
            63,
            64,
            65,
            127,
            128,
            4095,
            4096,
            4097,
            262_143,
            262_144,
            1 << 24,
            (1 << 30) + 17,
            DAY,
            TOP_RANGE - 1,
            TOP_RANGE,
            TOP_RANGE + 1,
            3 * YEAR + 5,
        ];
        for &off in &offsets {
            for base in [0, T0, T0 - (T0 % TOP_RANGE), T0 | SLOT_MASK] {
                let when = base + off;
                let mut w = Wheel::new(base);
                w.insert(7, when);
                assert_eq!(w.len(), 1);
                let nd = w.next_deadline().unwrap_or(u64::MAX);
                assert!(nd <= when, "deadline {nd} later than {when}");
                assert!(
                    drain(&mut w, when - 1).is_empty(),
                    "early: off {off} base {base}"
                );
                assert_eq!(
                    drain(&mut w, when),
                    vec![(7, when)],
                    "off {off} base {base}"
                );
                assert!(w.is_empty());
                assert_eq!(w.next_deadline(), None);
            }
        }
    }

    #[test]
    fn many_inserts_fire_exactly_at_their_ms_stepping_one_ms() {
        let mut w = Wheel::new(T0);
        let n = 10_000u64;
        for i in 0..n {
            // Two pairs per ms over 5,000 ms, inserted out of order.
            let off = (i * 7919) % (n / 2) + 1;
            w.insert(i as u32, T0 + off);
        }
        let mut seen = 0;
        for now in T0 + 1..=T0 + n / 2 {
            let out = drain(&mut w, now);
            assert_eq!(out.len(), 2, "at {now}");
            for (_, when) in out {
                assert_eq!(when, now);
            }
            seen += 2;
        }
        assert_eq!(seen, n);
        assert!(w.is_empty());
    }

    #[test]
    fn past_and_present_times_fire_at_next_advance() {
        let mut w = Wheel::new(T0);
        w.insert(1, T0 - 1000);
        w.insert(2, T0);
        w.insert(3, 0);
        assert!(w.next_deadline().is_some_and(|d| d == 0));
        let mut out = drain(&mut w, T0);
        out.sort();
        assert_eq!(out, vec![(1, T0 - 1000), (2, T0), (3, 0)]);
        // After the clock moved on, a time between the old and new clock.
        w.insert(4, T0 + 500);
        drain(&mut w, T0 + 1000);
        w.insert(5, T0 + 999);
        w.insert(6, T0 + 1000);
        w.insert(7, T0 + 1001);
        let mut out = drain(&mut w, T0 + 1000);
        out.sort();
        assert_eq!(out, vec![(5, T0 + 999), (6, T0 + 1000)]);
        assert_eq!(drain(&mut w, T0 + 1001), vec![(7, T0 + 1001)]);
    }

    #[test]
    fn budget_splits_a_mass_expiry_without_loss_or_duplicates() {
        let mut w = Wheel::new(T0);
        let n = 100_000u32;
        let when = T0 + 5_000;
        for i in 0..n {
            w.insert(i, when);
        }
        let mut out = Vec::new();
        // Cascading may start (and report `more`) before the ms comes.
        while w.advance(when - 1, 1000, &mut out) {}
        assert!(out.is_empty());
        let (mut calls, mut firing_calls) = (0, 0);
        loop {
            let before = out.len();
            let more = w.advance(when, 1000, &mut out);
            calls += 1;
            assert!(out.len() - before <= 1000);
            if out.len() > before {
                firing_calls += 1;
            }
            assert_eq!(w.len(), n as usize - out.len());
            if !more {
                break;
            }
        }
        assert_eq!(firing_calls, 100);
        // Plus the calls that cascade the slot down two levels, in steps.
        let cascade_calls = 2 * (n as usize).div_ceil(1000 * CASCADE_WORK);
        assert!(calls <= 100 + cascade_calls + 2, "{calls} calls");
        let ids: HashSet<u32> = out.iter().map(|p| p.0).collect();
        assert_eq!(ids.len(), n as usize);
        assert!(out.iter().all(|p| p.1 == when));
        assert!(w.is_empty());
        // The 1.6 MB of pairs is not pinned once they are out.
        assert!(
            retained(&w) <= LEVELS * SLOTS * KEEP_CAP * 16,
            "{}",
            retained(&w)
        );
        assert!(w.due.capacity() <= KEEP_CAP);
    }

    #[test]
    fn cascade_is_spread_over_calls() {
        let mut w = Wheel::new(T0);
        let n = 50_000u32;
        // An hour ahead: level 3, so three cascades before anything fires.
        let when = T0 + 3_600_000;
        for i in 0..n {
            w.insert(i, when);
        }
        let budget = 10;
        let mut out = Vec::new();
        let mut calls = 0;
        while w.advance(when, budget, &mut out) {
            calls += 1;
            assert!(out.len() <= calls * budget);
        }
        assert_eq!(out.len(), n as usize);
        // Each call re-placed at most budget * CASCADE_WORK pairs.
        let min_calls = 3 * n as usize / (budget * CASCADE_WORK) + n as usize / budget;
        assert!(calls + 1 >= min_calls, "{calls} calls");
    }

    #[test]
    fn budget_zero_fires_nothing_but_reports_due() {
        let mut w = Wheel::new(T0);
        w.insert(1, T0 + 10);
        let mut out = Vec::new();
        assert!(w.advance(T0 + 10, 0, &mut out));
        assert!(out.is_empty());
        assert!(!w.advance(T0 + 10, 1, &mut out));
        assert_eq!(out, vec![(1, T0 + 10)]);
    }

    #[test]
    fn cascaded_mass_expiry_releases_memory() {
        let mut w = Wheel::new(T0);
        let mut rng = Rng(42);
        for i in 0..200_000u32 {
            w.insert(i, T0 + 1 + rng.below(DAY));
        }
        let mut out = Vec::new();
        let mut now = T0;
        while now < T0 + DAY + 1 {
            now += 1 + rng.below(60_000);
            while w.advance(now, 5000, &mut out) {}
        }
        assert_eq!(out.len(), 200_000);
        assert!(w.is_empty());
        assert!(
            retained(&w) <= LEVELS * SLOTS * KEEP_CAP * 16,
            "{}",
            retained(&w)
        );
    }

    #[test]
    fn big_jump_skips_empty_slots() {
        let mut w = Wheel::new(T0);
        assert!(drain(&mut w, T0 + 100 * YEAR).is_empty());
        assert_eq!(w.visited, 0);

        let mut w = Wheel::new(T0);
        for i in 0..10u32 {
            w.insert(i, T0 + DAY / 10 * u64::from(i) + 1);
        }
        let out = drain(&mut w, T0 + DAY);
        assert_eq!(out.len(), 10);
        // Each pair costs at most one slot per level on its way down.
        assert!(w.visited <= 10 * LEVELS as u64, "visited {}", w.visited);

        // A jump far past the top level, with overflow pairs on the way.
        let mut w = Wheel::new(T0);
        w.insert(1, T0 + 3 * YEAR);
        w.insert(2, T0 + 50 * YEAR);
        w.insert(3, u64::MAX);
        let out = drain(&mut w, T0 + 60 * YEAR);
        assert_eq!(out, vec![(1, T0 + 3 * YEAR), (2, T0 + 50 * YEAR)]);
        assert!(
            w.visited <= 2 * (LEVELS as u64 + 1),
            "visited {}",
            w.visited
        );
        assert_eq!(w.len(), 1);
        assert_eq!(drain(&mut w, u64::MAX), vec![(3, u64::MAX)]);
    }

    #[test]
    fn times_near_the_end_of_u64() {
        let mut w = Wheel::new(u64::MAX - 100);
        w.insert(1, u64::MAX);
        w.insert(2, u64::MAX - 50);
        assert!(drain(&mut w, u64::MAX - 51).is_empty());
        assert_eq!(drain(&mut w, u64::MAX - 50), vec![(2, u64::MAX - 50)]);
        assert!(drain(&mut w, u64::MAX - 1).is_empty());
        assert_eq!(drain(&mut w, u64::MAX), vec![(1, u64::MAX)]);
        w.insert(3, u64::MAX);
        assert_eq!(drain(&mut w, u64::MAX), vec![(3, u64::MAX)]);
    }

    #[test]
    fn clear_drops_everything() {
        let mut w = Wheel::new(T0);
        for i in 0..1000u32 {
            w.insert(i, T0 + u64::from(i) * 1_000_003 % (4 * YEAR));
        }
        w.insert(5000, T0 - 1);
        assert_eq!(w.len(), 1001);
        w.clear();
        assert!(w.is_empty());
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_deadline(), None);
        assert_eq!(retained(&w), 0);
        assert!(drain(&mut w, T0 + 5 * YEAR).is_empty());
        // Still usable afterwards.
        w.insert(1, T0 + 5 * YEAR + 3);
        assert_eq!(
            drain(&mut w, T0 + 5 * YEAR + 3),
            vec![(1, T0 + 5 * YEAR + 3)]
        );
    }

    #[test]
    fn clock_going_back_never_fires_early() {
        let mut w = Wheel::new(T0);
        w.insert(1, T0 + 100);
        w.insert(2, T0 + 100);
        let mut out = Vec::new();
        assert!(w.advance(T0 + 100, 1, &mut out));
        assert_eq!(out.len(), 1);
        // Clock steps back: the other pair at T0+100 must wait, but a pair
        // inserted at an earlier time may fire.
        w.insert(3, T0 + 10);
        w.insert(4, T0 + 50);
        out.clear();
        assert!(!w.advance(T0 + 20, 10, &mut out));
        assert_eq!(out, vec![(3, T0 + 10)]);
        out.clear();
        assert!(w.advance(T0 + 60, 0, &mut out));
        assert!(!w.advance(T0 + 60, 10, &mut out));
        assert_eq!(out, vec![(4, T0 + 50)]);
        out.clear();
        assert!(!w.advance(T0 + 100, 10, &mut out));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, T0 + 100);
        assert!(w.is_empty());
    }

    #[test]
    fn next_deadline_is_a_lower_bound() {
        let mut rng = Rng(7);
        let mut w = Wheel::new(T0);
        let mut model = BTreeSet::new();
        let mut now = T0;
        for i in 0..20_000u32 {
            let when = now + rng.log_uniform(38);
            w.insert(i, when);
            model.insert((when, i));
            if i % 10 == 0 {
                now += rng.log_uniform(30);
                for (idx, when) in drain(&mut w, now) {
                    assert!(model.remove(&(when, idx)));
                }
            }
            match (w.next_deadline(), model.first()) {
                (Some(d), Some(&(earliest, _))) => assert!(d <= earliest, "{d} > {earliest}"),
                (None, None) => {}
                (d, m) => panic!("next_deadline {d:?}, model {m:?}"),
            }
        }
    }

    /// Random inserts and advances against a sorted-set model: every pair
    /// comes out exactly once, never before its time, and — with an
    /// unlimited budget — at the first advance whose now reaches it.
    fn run_model(seed: u64, budget: usize, allow_past: bool, steps: usize) {
        let mut rng = Rng(seed | 1);
        let start = T0 + rng.below(5 * YEAR);
        let mut w = Wheel::new(start);
        let mut model: BTreeSet<(u64, u32)> = BTreeSet::new();
        let mut now = start;
        let mut next_id = 0u32;
        let mut last_when = 0u64;
        let mut out = Vec::new();
        let max_delay = 3 * YEAR;
        for _ in 0..steps {
            for _ in 0..rng.below(12) {
                let when = if allow_past && rng.below(10) == 0 {
                    now.saturating_sub(rng.below(5000))
                } else {
                    let bits = rng.below(38);
                    let range = (1u64 << bits).min(max_delay);
                    now + 1 + rng.below(range)
                };
                w.insert(next_id, when);
                model.insert((when, next_id));
                next_id += 1;
            }
            now += match rng.below(6) {
                0 => 0,
                1 => 1,
                2 => rng.below(100),
                3 => rng.below(100_000),
                4 => rng.log_uniform(32),
                _ => rng.log_uniform(38),
            };
            out.clear();
            let more = w.advance(now, budget, &mut out);
            assert!(out.len() <= budget);
            for &(idx, when) in &out {
                assert!(when <= now, "early: {when} > {now}");
                assert!(
                    model.remove(&(when, idx)),
                    "unknown or duplicate ({idx}, {when})"
                );
                if !allow_past {
                    assert!(when >= last_when, "out of order: {when} after {last_when}");
                    last_when = when;
                }
            }
            let due_left = model.first().is_some_and(|&(when, _)| when <= now);
            // `more` may be a false alarm only while a cascade is unfinished.
            assert!(
                more == due_left || more && !w.cascade.is_empty(),
                "more={more} at {now}"
            );
            assert_eq!(w.len(), model.len());
            match (w.next_deadline(), model.first()) {
                (Some(d), Some(&(earliest, _))) => assert!(d <= earliest, "{d} > {earliest}"),
                (None, None) => {}
                (d, m) => panic!("next_deadline {d:?}, model {m:?}"),
            }
        }
        // Everything left comes out once the clock passes it.
        now += 4 * YEAR;
        out.clear();
        while w.advance(now, budget.max(1), &mut out) {}
        for &(idx, when) in &out {
            assert!(model.remove(&(when, idx)));
        }
        assert!(model.is_empty(), "{} pairs never fired", model.len());
        assert!(w.is_empty());
    }

    #[test]
    fn random_against_model_unlimited_budget() {
        for seed in 1..40 {
            run_model(seed * 0x9e37_79b9, usize::MAX, true, 3000);
        }
    }

    #[test]
    fn random_against_model_small_budget_in_order() {
        for seed in 1..40 {
            run_model(seed * 0x85eb_ca6b, 1 + seed as usize % 7, false, 3000);
        }
    }

    #[test]
    fn random_against_model_small_budget_with_past_times() {
        for seed in 1..40 {
            run_model(seed * 0xc2b2_ae35, 3, true, 3000);
        }
    }
}
