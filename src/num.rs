pub fn parse_i64(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 { return None; }
    if b.len() > 1 && (b[0] == b'0' || (b[0] == b'-' && b[1] == b'0')) { return None; }
    if b[0] == b'+' { return None; }
    std::str::from_utf8(b).ok()?.parse().ok()
}
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() || s.starts_with(' ') { return None; }
    let v: f64 = s.parse().ok()?;
    if v.is_nan() { None } else { Some(v) }
}
// STUB
