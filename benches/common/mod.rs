//! Support shared by the benches: a deterministic key generator and the
//! number formatting their tables use. No harness: each bench is a plain
//! `main` timed with `std::time` (see parser.rs).
#![allow(dead_code)]

use std::time::Duration;

/// The server's own xorshift64* generator (HRANDFIELD's): cheap,
/// deterministic, good enough to pick keys.
pub use ringkv::shard::hash::Rng;

/// Picking an index with `Rng`.
pub trait Below {
    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize;
}

impl Below for Rng {
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: no division, unbiased enough for key picking.
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// Operations per second.
pub fn per_sec(n: u64, t: Duration) -> f64 {
    n as f64 / t.as_secs_f64().max(1e-9)
}

/// Nanoseconds per operation.
pub fn ns_per(n: u64, t: Duration) -> f64 {
    t.as_nanos() as f64 / n.max(1) as f64
}

/// A rate as `12.34 M` / `567.8 k` / `90.1` (for table columns).
pub fn human(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.2} M", rate / 1e6)
    } else if rate >= 1e3 {
        format!("{:.1} k", rate / 1e3)
    } else {
        format!("{rate:.1}")
    }
}

/// `n` keys `{prefix}:{i:06}` as slices of one buffer: cloning one costs
/// what cloning a parsed argument costs in the server (a count on a hot,
/// shared buffer), not a cache miss on a handle of its own.
pub fn keys(prefix: &str, n: usize) -> Vec<bytes::Bytes> {
    let mut arena = Vec::new();
    let mut ends = Vec::with_capacity(n);
    for i in 0..n {
        arena.extend_from_slice(format!("{prefix}:{i:06}").as_bytes());
        ends.push(arena.len());
    }
    let arena = bytes::Bytes::from(arena);
    let mut start = 0;
    ends.into_iter()
        .map(|end| {
            let k = arena.slice(start..end);
            start = end;
            k
        })
        .collect()
}
