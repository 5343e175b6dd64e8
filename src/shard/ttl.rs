use std::collections::BTreeMap;
pub struct Wheel { m: BTreeMap<(u64, u32), ()>, }
impl Wheel {
    pub fn new(_now_ms: u64) -> Wheel { Wheel { m: BTreeMap::new() } }
    pub fn insert(&mut self, idx: u32, when_ms: u64) { self.m.insert((when_ms, idx), ()); }
    pub fn len(&self) -> usize { self.m.len() }
    pub fn is_empty(&self) -> bool { self.m.is_empty() }
    pub fn advance(&mut self, now_ms: u64, budget: usize, out: &mut Vec<(u32, u64)>) -> bool {
        let mut n = 0;
        while let Some((&(w, i), _)) = self.m.iter().next() {
            if w > now_ms { return false; }
            if n >= budget { return true; }
            self.m.remove(&(w, i)); out.push((i, w)); n += 1;
        }
        false
    }
    pub fn next_deadline(&self) -> Option<u64> { self.m.keys().next().map(|k| k.0) }
    pub fn clear(&mut self) { self.m.clear() }
}
// STUB
