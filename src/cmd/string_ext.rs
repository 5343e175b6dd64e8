//! LCS: the algorithm and its handler (keys on different shards reach it
//! through the router's gather path). The table entry is in `string`.

use bytes::Bytes;

use super::args;
use super::string::{as_str, PROTO_MAX_BULK_LEN};
use crate::error::Error;
use crate::resp::Reply;
use crate::shard::Ctx;

// ---------------------------------------------------------------------------
// LCS

/// Redis's reply when either key holds something other than a string.
fn lcs_wrong_type() -> Error {
    Error::err("The specified keys must contain string values")
}

/// The string at `key` for LCS: empty if missing, None if another type.
fn lcs_value(ctx: &mut Ctx, key: &[u8]) -> Option<Bytes> {
    match ctx.lookup_read(key) {
        None => Some(Bytes::new()),
        Some(i) => as_str(&mut ctx.db().entry_mut(i).value)
            .ok()
            .map(|s| s.to_bytes()),
    }
}

/// LCS when both keys live on one shard.
pub fn lcs(ctx: &mut Ctx, argv: &[Bytes]) -> Result<Reply, Error> {
    // Redis looks both keys up before checking either's type.
    let a = lcs_value(ctx, &argv[1]);
    let b = lcs_value(ctx, &argv[2]);
    match (a, b) {
        (Some(a), Some(b)) => lcs_reply(&a, &b, &argv[3..]),
        _ => Err(lcs_wrong_type()),
    }
}

/// LCS options.
#[derive(Debug, Default, PartialEq)]
struct LcsOpts {
    len: bool,
    idx: bool,
    withmatchlen: bool,
    minmatchlen: u64,
}

fn parse_lcs_opts(opts: &[Bytes]) -> Result<LcsOpts, Error> {
    let mut o = LcsOpts::default();
    let mut j = 0;
    while j < opts.len() {
        let opt = &opts[j];
        if args::is(opt, "IDX") {
            o.idx = true;
        } else if args::is(opt, "LEN") {
            o.len = true;
        } else if args::is(opt, "WITHMATCHLEN") {
            o.withmatchlen = true;
        } else if args::is(opt, "MINMATCHLEN") && j + 1 < opts.len() {
            o.minmatchlen = args::int(&opts[j + 1])?.max(0) as u64;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if o.idx && o.len {
        return Err(Error::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    Ok(o)
}

/// LCS's reply for strings `a` and `b` and the options after the keys,
/// exactly as Redis 7 builds it (same table, same walk back, same ranges).
pub fn lcs_reply(a: &[u8], b: &[u8], opts: &[Bytes]) -> Result<Reply, Error> {
    let o = parse_lcs_opts(opts)?;
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return Err(Error::err("String too long for LCS"));
    }
    // Redis refuses a table bigger than proto-max-bulk-len (4 bytes a cell).
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells * 4 > PROTO_MAX_BULK_LEN {
        return Err(Error::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }
    if o.len && !o.idx {
        return Ok(Reply::Int(lcs_len(a, b) as i64));
    }
    let table = lcs_table(a, b).ok_or_else(|| {
        Error::err("Insufficient memory, failed allocating transient memory for LCS")
    })?;
    Ok(lcs_walk(a, b, &table, &o))
}

/// The length of the LCS, with two rows of the table.
fn lcs_len(a: &[u8], b: &[u8]) -> u32 {
    let mut prev = vec![0u32; b.len() + 1];
    let mut cur = vec![0u32; b.len() + 1];
    for &ca in a {
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The full table: cell (i, j) at `j + i * (b.len() + 1)` holds the LCS
/// length of a[..i] and b[..j]. None if the memory cannot be had.
fn lcs_table(a: &[u8], b: &[u8]) -> Option<Vec<u32>> {
    let w = b.len() + 1;
    let cells = (a.len() + 1) * w;
    let mut t: Vec<u32> = Vec::new();
    t.try_reserve_exact(cells).ok()?;
    t.resize(cells, 0);
    for i in 1..=a.len() {
        let (done, row) = t.split_at_mut(i * w);
        let up = &done[(i - 1) * w..];
        let row = &mut row[..w];
        for j in 1..w {
            row[j] = if a[i - 1] == b[j - 1] {
                up[j - 1] + 1
            } else {
                up[j].max(row[j - 1])
            };
        }
    }
    Some(t)
}

/// Walks the table back from the end as Redis's lcsCommand does, building
/// the LCS string and, for IDX, the matching ranges (last match first).
fn lcs_walk(a: &[u8], b: &[u8], t: &[u32], o: &LcsOpts) -> Reply {
    let (alen, blen) = (a.len(), b.len());
    let at = |i: usize, j: usize| t[j + i * (blen + 1)];
    let total = at(alen, blen);
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut matches = Vec::new();
    // `alen` as the start means "no range open".
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (alen, 0usize, 0usize, 0usize);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == alen {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                // Contiguous with the open range: extend it backwards.
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            // A range touching the start of either string ends here.
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if at(i - 1, j) > at(i, j - 1) {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != alen {
                emit = true;
            }
        }
        if emit {
            let match_len = (a_end - a_start + 1) as u64;
            if o.idx && (o.minmatchlen == 0 || match_len >= o.minmatchlen) {
                let pair = |x: usize, y: usize| {
                    Reply::Array(vec![Reply::Int(x as i64), Reply::Int(y as i64)])
                };
                let mut m = vec![pair(a_start, a_end), pair(b_start, b_end)];
                if o.withmatchlen {
                    m.push(Reply::Int(match_len as i64));
                }
                matches.push(Reply::Array(m));
            }
            a_start = alen;
        }
    }
    if o.idx {
        Reply::Map(vec![
            (Reply::bulk_static("matches"), Reply::Array(matches)),
            (Reply::bulk_static("len"), Reply::Int(total as i64)),
        ])
    } else {
        Reply::Bulk(Bytes::from(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(s: &str) -> Vec<Bytes> {
        s.split_whitespace()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect()
    }

    fn int(n: i64) -> Reply {
        Reply::Int(n)
    }

    fn range(x: i64, y: i64) -> Reply {
        Reply::Array(vec![int(x), int(y)])
    }

    #[test]
    fn lcs_string_and_len() {
        let (a, b) = (b"ohmytext".as_slice(), b"mynewtext".as_slice());
        assert_eq!(lcs_reply(a, b, &opts("")), Ok(Reply::bulk(b"mytext")));
        assert_eq!(lcs_reply(a, b, &opts("LEN")), Ok(int(6)));
        assert_eq!(lcs_reply(b"", b"abc", &opts("")), Ok(Reply::bulk(b"")));
        assert_eq!(lcs_reply(b"", b"", &opts("len")), Ok(int(0)));
        assert_eq!(lcs_len(b"abcbdab", b"bdcaba"), 4);
    }

    #[test]
    fn lcs_idx_like_redis() {
        let (a, b) = (b"ohmytext".as_slice(), b"mynewtext".as_slice());
        // Redis 7.0: LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN
        let want = Reply::Map(vec![
            (
                Reply::bulk(b"matches"),
                Reply::Array(vec![Reply::Array(vec![range(4, 7), range(5, 8), int(4)])]),
            ),
            (Reply::bulk(b"len"), int(6)),
        ]);
        assert_eq!(
            lcs_reply(a, b, &opts("IDX MINMATCHLEN 4 WITHMATCHLEN")),
            Ok(want)
        );
        let want = Reply::Map(vec![
            (
                Reply::bulk(b"matches"),
                Reply::Array(vec![
                    Reply::Array(vec![range(4, 7), range(5, 8)]),
                    Reply::Array(vec![range(2, 3), range(0, 1)]),
                ]),
            ),
            (Reply::bulk(b"len"), int(6)),
        ]);
        assert_eq!(lcs_reply(a, b, &opts("idx")), Ok(want));
    }

    #[test]
    fn lcs_errors() {
        assert_eq!(
            lcs_reply(b"a", b"b", &opts("IDX LEN")),
            Err(Error::err(
                "If you want both the length and indexes, please just use IDX."
            ))
        );
        assert_eq!(
            lcs_reply(b"a", b"b", &opts("MINMATCHLEN")),
            Err(Error::Syntax)
        );
        assert_eq!(
            lcs_reply(b"a", b"b", &opts("MINMATCHLEN x")),
            Err(Error::NotInteger)
        );
        assert_eq!(lcs_reply(b"a", b"b", &opts("FOO")), Err(Error::Syntax));
        assert_eq!(
            parse_lcs_opts(&opts("MINMATCHLEN -5")).map(|o| o.minmatchlen),
            Ok(0)
        );
        let big = vec![b'x'; 12_000];
        assert_eq!(
            lcs_reply(&big, &big, &opts("LEN")),
            Err(Error::err(
                "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
            ))
        );
    }
}
