//! One AOF record: `[len u32 LE][crc32 u32 LE][payload]`, where the CRC
//! covers the payload and the payload is one command in one database:
//! `[db u16 LE][argc u32 LE]` then per argument `[len u32 LE][bytes]`.
//!
//! [`encode`] appends a record; [`Reader`] walks a byte slice without
//! copying and stops at the first bad record; [`scan`] says where the good
//! part ends and whether the damage after it is a torn tail or corruption.

use std::fmt;

/// Bytes before the payload: its length and its CRC.
pub const HEADER: usize = 8;

/// The largest payload a record may carry. A longer length is damage, so a
/// garbage length never makes the reader allocate or look far ahead.
pub const MAX_PAYLOAD: usize = 1 << 30;

/// `db` and `argc` at the head of the payload.
const PAYLOAD_HEAD: usize = 6;

/// A command too large for one record (more than [`MAX_PAYLOAD`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "command too large for one AOF record")
    }
}

/// Appends one whole record for `argv` run in `db` to `out`. A command over
/// [`MAX_PAYLOAD`] leaves `out` untouched: written, it could not be read back.
pub fn encode<A: AsRef<[u8]>>(db: u16, argv: &[A], out: &mut Vec<u8>) -> Result<(), TooLarge> {
    let args: usize = argv.iter().map(|a| 4 + a.as_ref().len()).sum();
    let len = PAYLOAD_HEAD + args;
    if len > MAX_PAYLOAD {
        return Err(TooLarge);
    }
    let start = out.len();
    out.reserve(HEADER + len);
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]); // the CRC, once the payload is in
    out.extend_from_slice(&db.to_le_bytes());
    out.extend_from_slice(&(argv.len() as u32).to_le_bytes());
    for a in argv {
        let a = a.as_ref();
        out.extend_from_slice(&(a.len() as u32).to_le_bytes());
        out.extend_from_slice(a);
    }
    let crc = crc32fast::hash(&out[start + HEADER..]);
    out[start + 4..start + HEADER].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

/// A good record, borrowing its arguments from the scanned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Where the record starts in the file.
    pub offset: u64,
    /// The database the command ran in.
    pub db: u16,
    /// The command and its arguments (at least one).
    pub args: Vec<&'a [u8]>,
}

/// What is wrong after the last good record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The damage reaches the end of the file: an append cut short by a
    /// crash (a short header, a length past the end, a bad record followed
    /// by nothing or only by zero bytes). Truncating loses only that append.
    TornTail,
    /// A bad record with more data after it: truncating would drop records
    /// that may be good.
    Corrupt,
}

/// The first bad record of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// Where the bad record starts (= the end of the good part).
    pub offset: u64,
    pub kind: Kind,
}

/// The result of [`scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scan {
    /// Good records before the first bad one.
    pub records: u64,
    /// The end of the last good record.
    pub good_end: u64,
    /// The first bad record, if any.
    pub problem: Option<Problem>,
}

/// Checks every record of `bytes` and stops at the first bad one.
pub fn scan(bytes: &[u8]) -> Scan {
    let mut reader = Reader::new(bytes);
    let mut args = Vec::new();
    let mut records = 0;
    while reader.next_into(&mut args).is_some() {
        records += 1;
    }
    Scan {
        records,
        good_end: reader.good_end(),
        problem: reader.problem(),
    }
}

/// Iterates the good records of a byte slice, zero-copy, until the end or
/// the first bad record; [`Reader::problem`] then says which it was.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    problem: Option<Problem>,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader {
            bytes,
            pos: 0,
            problem: None,
        }
    }

    /// The end of the last good record read so far.
    pub fn good_end(&self) -> u64 {
        self.pos as u64
    }

    /// The bad record that stopped the iteration, if one did.
    pub fn problem(&self) -> Option<Problem> {
        self.problem
    }

    /// Reads the next good record's arguments into `args` (reusing its
    /// allocation) and returns its offset and database.
    pub fn next_into(&mut self, args: &mut Vec<&'a [u8]>) -> Option<(u64, u16)> {
        if self.problem.is_some() || self.pos == self.bytes.len() {
            return None;
        }
        let offset = self.pos;
        match decode(&self.bytes[offset..], args) {
            Ok((db, len)) => {
                self.pos += len;
                Some((offset as u64, db))
            }
            Err(kind) => {
                self.problem = Some(Problem {
                    offset: offset as u64,
                    kind,
                });
                None
            }
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let mut args = Vec::new();
        let (offset, db) = self.next_into(&mut args)?;
        Some(Record { offset, db, args })
    }
}

/// Decodes the record at the start of `rest` (the file from there on) into
/// its database and total length, or says what kind of damage it is.
fn decode<'a>(rest: &'a [u8], args: &mut Vec<&'a [u8]>) -> Result<(u16, usize), Kind> {
    let Some((len, crc)) = rest.get(..HEADER).map(|h| (u32_at(h, 0), u32_at(h, 4))) else {
        return Err(Kind::TornTail);
    };
    let len = len as usize;
    if len > MAX_PAYLOAD {
        // Never written by us, and no crash produces it (a torn header
        // holds old or zero bytes): damage whose extent we cannot know.
        return Err(Kind::Corrupt);
    }
    let end = HEADER + len;
    let Some(payload) = rest.get(HEADER..end) else {
        return Err(Kind::TornTail);
    };
    match parse(payload, args) {
        Some(db) if crc32fast::hash(payload) == crc => Ok((db, end)),
        // Only zeros (or nothing) after it: the last append, cut short or
        // never reaching the disk (a file grown with its pages unwritten).
        _ if rest[end..].iter().all(|&b| b == 0) => Err(Kind::TornTail),
        _ => Err(Kind::Corrupt),
    }
}

/// Splits a payload into its database and arguments; `None` when its
/// structure does not add up exactly to its length.
fn parse<'a>(payload: &'a [u8], args: &mut Vec<&'a [u8]>) -> Option<u16> {
    args.clear();
    let head = payload.get(..PAYLOAD_HEAD)?;
    let db = u16::from_le_bytes([head[0], head[1]]);
    let argc = u32_at(head, 2) as usize;
    let mut rest = &payload[PAYLOAD_HEAD..];
    // Each argument takes at least its 4-byte length: this bounds the
    // reservation by the payload, whatever argc claims.
    if argc == 0 || argc > rest.len() / 4 {
        return None;
    }
    args.reserve(argc);
    for _ in 0..argc {
        let len = u32_at(rest.get(..4)?, 0) as usize;
        let arg = rest.get(4..4 + len)?;
        args.push(arg);
        rest = &rest[4 + len..];
    }
    rest.is_empty().then_some(db)
}

/// The little-endian u32 at `at` (the caller checked the length).
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` records of varied shapes, and the offset where each starts (plus
    /// the end).
    fn file(n: usize) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        let mut starts = vec![0];
        for i in 0..n {
            let val = "v".repeat(i * 7);
            let key = format!("key:{i}");
            let argv: Vec<&[u8]> = match i % 3 {
                0 => vec![b"SET", key.as_bytes(), val.as_bytes()],
                1 => vec![b"DEL", key.as_bytes()],
                _ => vec![b"FLUSHALL"],
            };
            encode((i % 16) as u16, &argv, &mut out).unwrap();
            starts.push(out.len());
        }
        (out, starts)
    }

    fn clean(records: u64, end: usize) -> Scan {
        Scan {
            records,
            good_end: end as u64,
            problem: None,
        }
    }

    fn bad(records: usize, at: usize, kind: Kind) -> Scan {
        Scan {
            records: records as u64,
            good_end: at as u64,
            problem: Some(Problem {
                offset: at as u64,
                kind,
            }),
        }
    }

    #[test]
    fn encode_layout() {
        let mut out = vec![0xAA]; // appends after what is there
        encode(3, &[&b"GET"[..], b"k"], &mut out).unwrap();
        let payload = [
            3, 0, 2, 0, 0, 0, 3, 0, 0, 0, b'G', b'E', b'T', 1, 0, 0, 0, b'k',
        ];
        let mut want = vec![0xAA, payload.len() as u8, 0, 0, 0];
        want.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        want.extend_from_slice(&payload);
        assert_eq!(out, want);
    }

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        let big = vec![0u8; 70_000];
        encode(0, &[b"SET".to_vec(), b"".to_vec(), big.clone()], &mut out).unwrap();
        encode(65535, &["PING"], &mut out).unwrap();
        let first = HEADER + PAYLOAD_HEAD + 3 * 4 + 3 + big.len();
        let got: Vec<Record> = Reader::new(&out).collect();
        assert_eq!(
            got,
            [
                Record {
                    offset: 0,
                    db: 0,
                    args: vec![&b"SET"[..], b"", &big]
                },
                Record {
                    offset: first as u64,
                    db: 65535,
                    args: vec![&b"PING"[..]]
                },
            ]
        );
        assert_eq!(scan(&out), clean(2, out.len()));
        assert_eq!(scan(&[]), clean(0, 0));
    }

    #[test]
    fn reader_reports_its_stop() {
        let (mut bytes, starts) = file(4);
        bytes.truncate(starts[3] + 5);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.by_ref().count(), 3);
        assert_eq!(r.good_end(), starts[3] as u64);
        let torn = Problem {
            offset: starts[3] as u64,
            kind: Kind::TornTail,
        };
        assert_eq!(r.problem(), Some(torn));
        assert_eq!(r.next(), None, "stays stopped");
    }

    #[test]
    fn cut_at_every_offset_is_a_torn_tail() {
        let (bytes, starts) = file(20);
        for cut in 0..=bytes.len() {
            let whole = starts.iter().filter(|&&s| s <= cut).count() - 1;
            let got = scan(&bytes[..cut]);
            if starts.contains(&cut) {
                assert_eq!(got, clean(whole as u64, cut), "cut at {cut}");
            } else {
                assert_eq!(
                    got,
                    bad(whole, starts[whole], Kind::TornTail),
                    "cut at {cut}"
                );
            }
        }
    }

    #[test]
    fn bad_last_record_is_a_torn_tail() {
        let (mut bytes, starts) = file(5);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(scan(&bytes), bad(4, starts[4], Kind::TornTail));
    }

    #[test]
    fn flipped_byte_in_the_middle_is_corrupt() {
        let (bytes, starts) = file(20);
        let (from, to) = (starts[10], starts[11]);
        // Every byte but the length (which may then point past the end).
        for at in from + 4..to {
            let mut b = bytes.clone();
            b[at] ^= 0x40;
            assert_eq!(scan(&b), bad(10, from, Kind::Corrupt), "flip at {at}");
        }
        // A length pointing inside the file: the checksum fails.
        let mut b = bytes.clone();
        b[from] ^= 1;
        assert_eq!(scan(&b), bad(10, from, Kind::Corrupt));
    }

    #[test]
    fn zero_tail_is_torn() {
        let (mut bytes, starts) = file(6);
        bytes.resize(bytes.len() + 4096, 0);
        assert_eq!(scan(&bytes), bad(6, starts[6], Kind::TornTail));
        // Zeros over a record's end too (a page never written).
        let (mut bytes, starts) = file(6);
        bytes[starts[5] + 3..].fill(0);
        bytes.resize(bytes.len() + 100, 0);
        assert_eq!(scan(&bytes), bad(5, starts[5], Kind::TornTail));
        // Zeros followed by data are corruption.
        let (mut bytes, starts) = file(6);
        bytes[starts[2]..starts[3]].fill(0);
        assert_eq!(scan(&bytes), bad(2, starts[2], Kind::Corrupt));
    }

    #[test]
    fn huge_length_is_corrupt_and_allocates_nothing() {
        let (bytes, starts) = file(3);
        for len in [MAX_PAYLOAD as u32 + 1, u32::MAX] {
            let mut b = bytes.clone();
            b[starts[1]..starts[1] + 4].copy_from_slice(&len.to_le_bytes());
            assert_eq!(scan(&b), bad(1, starts[1], Kind::Corrupt));
        }
        // Within bounds but past the end: the tail was cut.
        let mut b = bytes.clone();
        b[starts[2]..starts[2] + 4].copy_from_slice(&(1u32 << 20).to_le_bytes());
        assert_eq!(scan(&b), bad(2, starts[2], Kind::TornTail));
    }

    /// A record with a valid checksum around `payload`.
    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut out = (payload.len() as u32).to_le_bytes().to_vec();
        out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn malformed_payloads_are_bad_records() {
        let mut ok = Vec::new();
        encode(0, &["PING"], &mut ok).unwrap();
        let cases: [&[u8]; 6] = [
            b"",                                // no header
            &[0, 0, 0, 0, 0, 0],                // argc = 0
            &[0, 0, 1, 0, 0, 0],                // argc 1, no argument
            &[0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1], // argument past the end
            &[0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7], // trailing byte
            &[0, 0, 255, 255, 255, 255, 0, 0, 0, 0],
        ];
        for payload in cases {
            let rec = framed(payload);
            let mut b = ok.clone();
            b.extend_from_slice(&rec);
            assert_eq!(
                scan(&b),
                bad(1, ok.len(), Kind::TornTail),
                "{payload:?} last"
            );
            b.extend_from_slice(&ok);
            assert_eq!(
                scan(&b),
                bad(1, ok.len(), Kind::Corrupt),
                "{payload:?} middle"
            );
        }
    }

    #[test]
    fn too_large_is_refused() {
        let mib = vec![0u8; 1 << 20];
        let argv = vec![&mib[..]; 1024];
        let mut out = vec![1, 2];
        assert_eq!(encode(0, &argv, &mut out), Err(TooLarge));
        assert_eq!(out, [1, 2]);
    }
}
