//! Incremental, zero-copy parser for client requests: RESP multibulk
//! (`*<n>\r\n$<len>\r\n<bytes>\r\n...`) and the inline protocol (`GET key\n`),
//! with exactly the acceptance rules and error texts of Redis 7
//! (`networking.c`: `processMultibulkBuffer`, `processInlineBuffer`;
//! `sds.c`: `sdssplitargs`; `util.c`: `string2ll`).
//!
//! The parser keeps the parsed arguments of the command in progress as
//! offsets into the caller's buffer; only when the whole command has arrived
//! does it split the command's bytes off the buffer, freeze them once and
//! hand out `Bytes` slices of that allocation.
//!
//! Two differences from Redis 7.0, both on inputs Redis mishandles or that
//! are configurable: a NUL byte in an inline line is an ordinary byte
//! (Redis's `strchr` stops at it and the connection waits for a line end
//! it will never see), and the multibulk count limit is
//! `ParseLimits::max_multibulk_len` (Redis 7.0 accepts up to `INT_MAX`).

use std::borrow::Cow;
use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

use crate::error::Error;

/// Redis `PROTO_INLINE_MAX_SIZE`: the longest header or inline line that may
/// sit in the buffer without its line end.
const MAX_LINE: usize = 64 * 1024;
/// Longest multibulk count an unauthenticated client may send.
const UNAUTH_MAX_MULTIBULK: i64 = 10;
/// Longest bulk string an unauthenticated client may send.
const UNAUTH_MAX_BULK: i64 = 16384;

/// Limits that apply to one connection's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`: the longest bulk string argument.
    pub max_bulk_len: usize,
    /// The most arguments in one multibulk request.
    pub max_multibulk_len: usize,
    /// Whether the client has authenticated (or needs no authentication).
    /// Unauthenticated clients may send at most 10 arguments of at most
    /// 16384 bytes each, so that they cannot make the server buffer much.
    pub authenticated: bool,
}

impl Default for ParseLimits {
    fn default() -> ParseLimits {
        ParseLimits {
            max_bulk_len: 512 * 1024 * 1024,
            max_multibulk_len: i32::MAX as usize,
            authenticated: true,
        }
    }
}

/// The state of one connection's request parsing.
///
/// Feed it the connection's read buffer with [`Parser::next`] after every
/// read; it returns each complete command once, removing its bytes from the
/// buffer, and remembers how far it got into an incomplete one so that a
/// command arriving in many small pieces is parsed in linear time.
///
/// ```
/// use bytes::BytesMut;
/// use ringkv::resp::{ParseLimits, Parser};
///
/// let mut p = Parser::new();
/// let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*1\r\n$4"[..]);
/// let limits = ParseLimits::default();
/// assert_eq!(p.next(&mut buf, &limits).unwrap().unwrap(), vec!["GET", "k"]);
/// assert_eq!(p.next(&mut buf, &limits).unwrap().unwrap(), vec!["PING"]);
/// assert_eq!(p.next(&mut buf, &limits).unwrap(), None);
/// ```
#[derive(Debug, Default)]
pub struct Parser {
    /// Arguments of the multibulk command in progress still to be read;
    /// 0 when no multibulk command is in progress.
    multibulk_left: usize,
    /// Length of the bulk argument whose header has been read, if any.
    bulk_len: Option<usize>,
    /// Offset in the buffer where the next unparsed part of the command
    /// in progress starts (Redis's `qb_pos`, relative to the command).
    pos: usize,
    /// Offset in the buffer up to which the current line has been searched
    /// for its end without finding it.
    scanned: usize,
    /// The arguments read so far, as offsets into the buffer.
    args: Vec<Range<usize>>,
    /// Bytes missing from the bulk payload being awaited, else 0.
    need: usize,
}

/// The commands of one read, as the parser leaves them: every argument in
/// one vector, each command a run of it. A connection keeps one and clears
/// it after every batch, so a pipeline costs no vector per command.
#[derive(Debug, Default)]
pub struct Commands {
    args: Vec<Bytes>,
    /// Where each command's arguments end in `args`.
    ends: Vec<usize>,
}

impl Commands {
    /// Number of commands.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn span(&self, i: usize) -> Range<usize> {
        let start = match i.checked_sub(1) {
            Some(p) => self.ends[p],
            None => 0,
        };
        start..self.ends[i]
    }

    /// The arguments of command `i` (name first).
    pub fn get(&self, i: usize) -> &[Bytes] {
        &self.args[self.span(i)]
    }

    /// The arguments of command `i`, to move some out.
    pub fn get_mut(&mut self, i: usize) -> &mut [Bytes] {
        let r = self.span(i);
        &mut self.args[r]
    }

    /// Moves the arguments of command `i` out (it is left empty).
    pub fn take(&mut self, i: usize) -> Vec<Bytes> {
        self.get_mut(i).iter_mut().map(std::mem::take).collect()
    }

    /// The last command, if any.
    pub fn last(&self) -> Option<&[Bytes]> {
        self.len().checked_sub(1).map(|i| self.get(i))
    }

    /// Removes the last command and returns its arguments.
    pub fn pop(&mut self) -> Option<Vec<Bytes>> {
        let i = self.len().checked_sub(1)?;
        let start = self.span(i).start;
        self.ends.pop();
        Some(self.args.split_off(start))
    }

    /// Every command's arguments, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[Bytes]> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Forgets every command (dropping what was not moved out).
    pub fn clear(&mut self) {
        self.args.clear();
        self.ends.clear();
        // Do not hold on to the room a huge batch needed: an idle
        // connection keeps at most 32 KiB of argument slots.
        if self.args.capacity() > 1024 {
            self.args = Vec::new();
        }
        if self.ends.capacity() > 256 {
            self.ends = Vec::new();
        }
    }
}

impl From<Vec<Bytes>> for Commands {
    fn from(args: Vec<Bytes>) -> Commands {
        let ends = vec![args.len()];
        Commands { args, ends }
    }
}

/// Outcome of reading a header line.
enum Header {
    /// The line's first byte and the value of the number after it, if it
    /// is a valid one.
    Line { first: u8, value: Option<i64> },
    /// The line is not complete yet.
    Partial,
    /// More than 64 KiB are buffered without a line end.
    TooBig,
}

/// Outcome of looking for the end of a line.
enum Line {
    /// The line's `\r` is at this offset.
    End(usize),
    /// The line is not complete yet.
    Partial,
    /// More than 64 KiB are buffered without a line end.
    TooBig,
}

impl Parser {
    /// A parser waiting for the first byte of a command.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Parses the next complete command at the front of `buf`.
    ///
    /// - `Ok(Some(argv))`: the command's bytes have been removed from `buf`;
    ///   the arguments are slices of one shared allocation (no copies,
    ///   except inline arguments with quotes or escapes).
    /// - `Ok(None)`: the command is incomplete; append more bytes to `buf`
    ///   (without touching what is there) and call again. Parsing resumes
    ///   where it stopped.
    /// - `Err(Error::Protocol(..))`: the request is malformed; the caller
    ///   sends the error and closes the connection. The parser and the
    ///   buffer are then in an unspecified state.
    ///
    /// Empty commands (`*0\r\n`, `*-1\r\n`, blank inline lines) are consumed
    /// and skipped.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        limits: &ParseLimits,
    ) -> Result<Option<Vec<Bytes>>, Error> {
        let mut argv = Vec::new();
        Ok(self.parse(buf, limits, &mut argv)?.then_some(argv))
    }

    /// Like [`Parser::next`], but appends the command to `out` (no vector
    /// of its own) and returns whether there was a complete one.
    pub fn next_into(
        &mut self,
        buf: &mut BytesMut,
        limits: &ParseLimits,
        out: &mut Commands,
    ) -> Result<bool, Error> {
        let done = self.parse(buf, limits, &mut out.args)?;
        if done {
            out.ends.push(out.args.len());
        }
        Ok(done)
    }

    /// Appends the arguments of the next complete command to `out`;
    /// `false` (and nothing appended) when there is none yet.
    fn parse(
        &mut self,
        buf: &mut BytesMut,
        limits: &ParseLimits,
        out: &mut Vec<Bytes>,
    ) -> Result<bool, Error> {
        // A caller that broke the contract by removing buffered bytes gets a
        // fresh start rather than a slice-index panic.
        if self.pos > buf.len() || self.scanned > buf.len() {
            self.reset();
        }
        loop {
            if self.multibulk_left == 0 {
                let Some(&first) = buf.first() else {
                    return Ok(false);
                };
                if first != b'*' {
                    match self.inline(buf)? {
                        Some(argv) if argv.is_empty() => continue,
                        Some(argv) => {
                            out.extend(argv);
                            return Ok(true);
                        }
                        None => return Ok(false),
                    }
                }
                match self.multibulk_header(buf, limits)? {
                    None => return Ok(false),
                    Some(0) => {
                        buf.advance(self.pos);
                        self.reset();
                        continue;
                    }
                    Some(n) => {
                        self.multibulk_left = n;
                        self.args.reserve(n.min(1024));
                    }
                }
            }
            if !self.bulks(buf, limits)? {
                return Ok(false);
            }
            let mut frozen = buf.split_to(self.pos).freeze();
            out.reserve(self.args.len());
            // The last argument takes over `frozen` itself: one reference
            // count increment and decrement fewer per command.
            let last = self.args.pop();
            out.extend(self.args.drain(..).map(|r| frozen.slice(r)));
            if let Some(r) = last {
                frozen.truncate(r.end);
                frozen.advance(r.start);
                out.push(frozen);
            }
            self.reset();
            return Ok(true);
        }
    }

    /// Bytes still needed to finish the argument being read, when that is
    /// known (the rest of a bulk string whose header has been read), so
    /// that the caller can reserve room for it; 0 otherwise.
    pub fn hint(&self) -> usize {
        self.need
    }

    fn reset(&mut self) {
        self.multibulk_left = 0;
        self.bulk_len = None;
        self.pos = 0;
        self.scanned = 0;
        self.args.clear();
        self.need = 0;
        // Do not hold on to the room a huge command needed.
        if self.args.capacity() > 4096 {
            self.args = Vec::new();
        }
    }

    /// Finds the `\r` ending the line that starts at `self.pos`, as Redis
    /// does: the first `\r`, which must be followed by at least one byte
    /// (taken to be `\n`, unchecked).
    fn find_cr(&mut self, buf: &[u8]) -> Line {
        let from = self.scanned.max(self.pos);
        match memchr::memchr(b'\r', &buf[from..]) {
            Some(i) if from + i + 1 < buf.len() => {
                self.scanned = 0;
                Line::End(from + i)
            }
            Some(i) => {
                self.scanned = from + i;
                Line::Partial
            }
            None => {
                self.scanned = buf.len();
                if buf.len() - self.pos > MAX_LINE {
                    Line::TooBig
                } else {
                    Line::Partial
                }
            }
        }
    }

    /// Reads the `*<n>` or `$<len>` header line at `self.pos` and moves
    /// past it.
    // Once per argument: inlining it spares a spilled call frame per header.
    #[inline(always)]
    fn header(&mut self, buf: &[u8]) -> Header {
        let start = self.pos;
        let Some(&first) = buf.get(start) else {
            return Header::Partial;
        };
        if let Some((value, cr)) = fast_number(buf, start + 1) {
            self.pos = cr + 2;
            self.scanned = 0;
            return Header::Line {
                first,
                value: Some(value),
            };
        }
        match self.find_cr(buf) {
            Line::End(cr) => {
                self.pos = cr + 2;
                Header::Line {
                    first,
                    // An empty line (cr == start) has no number at all.
                    value: buf.get(start + 1..cr).and_then(crate::num::parse_i64),
                }
            }
            Line::Partial => Header::Partial,
            Line::TooBig => Header::TooBig,
        }
    }

    /// Reads `*<n>\r\n`; `Some(0)` for an empty or null multibulk.
    fn multibulk_header(
        &mut self,
        buf: &[u8],
        limits: &ParseLimits,
    ) -> Result<Option<usize>, Error> {
        let value = match self.header(buf) {
            Header::Line { value, .. } => value,
            Header::Partial => return Ok(None),
            Header::TooBig => return Err(Error::protocol("too big mbulk count string")),
        };
        let n = match value {
            Some(n) if n <= 0 => 0,
            Some(n) if n as u64 <= limits.max_multibulk_len as u64 => n as usize,
            _ => return Err(Error::protocol("invalid multibulk length")),
        };
        if n as i64 > UNAUTH_MAX_MULTIBULK && !limits.authenticated {
            return Err(Error::protocol("unauthenticated multibulk length"));
        }
        Ok(Some(n))
    }

    /// Reads bulk arguments until the command is complete (`true`) or the
    /// buffer runs out (`false`).
    fn bulks(&mut self, buf: &[u8], limits: &ParseLimits) -> Result<bool, Error> {
        while self.multibulk_left > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let len = match self.bulk_header(buf, limits)? {
                        Some(len) => len,
                        None => return Ok(false),
                    };
                    self.bulk_len = Some(len);
                    len
                }
            };
            // The payload must be followed by two more bytes; like Redis we
            // skip them without checking that they are "\r\n".
            let total = len.saturating_add(2);
            let avail = buf.len() - self.pos;
            if avail < total {
                self.need = total - avail;
                return Ok(false);
            }
            self.args.push(self.pos..self.pos + len);
            self.pos += len + 2;
            self.need = 0;
            self.bulk_len = None;
            self.multibulk_left -= 1;
        }
        Ok(true)
    }

    /// Reads `$<len>\r\n` at `self.pos`.
    fn bulk_header(&mut self, buf: &[u8], limits: &ParseLimits) -> Result<Option<usize>, Error> {
        let (first, value) = match self.header(buf) {
            Header::Line { first, value } => (first, value),
            Header::Partial => return Ok(None),
            Header::TooBig => return Err(Error::protocol("too big bulk count string")),
        };
        if first != b'$' {
            let msg = format!("expected '$', got '{}'", first as char);
            return Err(Error::Protocol(Cow::Owned(msg)));
        }
        let len = match value {
            Some(n) if n >= 0 && n as u64 <= limits.max_bulk_len as u64 => n,
            _ => return Err(Error::protocol("invalid bulk length")),
        };
        if len > UNAUTH_MAX_BULK && !limits.authenticated {
            return Err(Error::protocol("unauthenticated bulk length"));
        }
        Ok(Some(len as usize))
    }

    /// Reads one inline command line; `Some(vec![])` for a blank line.
    fn inline(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, Error> {
        let from = self.scanned;
        let Some(nl) = memchr::memchr(b'\n', &buf[from..]).map(|i| from + i) else {
            self.scanned = buf.len();
            if buf.len() > MAX_LINE {
                return Err(Error::protocol("too big inline request"));
            }
            return Ok(None);
        };
        let end = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let tokens = split_args(&buf[..end])
            .ok_or_else(|| Error::protocol("unbalanced quotes in request"))?;
        let frozen = buf.split_to(nl + 1).freeze();
        self.reset();
        let argv = tokens
            .into_iter()
            .map(|t| match t {
                Token::Span(r) => frozen.slice(r),
                Token::Owned(v) => Bytes::from(v),
            })
            .collect();
        Ok(Some(argv))
    }
}

/// The common case of a header's number, parsed in one pass: 1 to 18
/// digits without a leading zero, then `\r` and one more byte. Returns the
/// value and the offset of the `\r`; `None` sends the line the slow way.
fn fast_number(buf: &[u8], from: usize) -> Option<(i64, usize)> {
    let rest = buf.get(from..)?;
    let mut v: i64 = 0;
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        if !b.is_ascii_digit() || i == 18 {
            break;
        }
        v = v * 10 + i64::from(b - b'0');
        i += 1;
    }
    let well_formed =
        i > 0 && (rest[0] != b'0' || i == 1) && rest.get(i) == Some(&b'\r') && i + 1 < rest.len();
    well_formed.then_some((v, from + i))
}

/// One argument of an inline command: a span of the line when it was
/// written without quotes or escapes breaking it up, else its decoded bytes.
#[derive(Debug, PartialEq)]
enum Token {
    Span(Range<usize>),
    Owned(Vec<u8>),
}

/// Builds one token, staying a span of the line while it can.
struct TokenBuilder {
    span: Range<usize>,
    owned: Option<Vec<u8>>,
}

impl TokenBuilder {
    fn new(at: usize) -> TokenBuilder {
        TokenBuilder {
            span: at..at,
            owned: None,
        }
    }

    /// Appends the byte at `line[i]`.
    fn push_at(&mut self, line: &[u8], i: usize) {
        match &mut self.owned {
            None if self.span.is_empty() => self.span = i..i + 1,
            None if self.span.end == i => self.span.end += 1,
            _ => self.push(line, line[i]),
        }
    }

    /// Appends a byte that is not a copy of the next byte of the span.
    fn push(&mut self, line: &[u8], b: u8) {
        self.owned
            .get_or_insert_with(|| line[self.span.clone()].to_vec())
            .push(b);
    }

    fn finish(self) -> Token {
        match self.owned {
            Some(v) => Token::Owned(v),
            None => Token::Span(self.span),
        }
    }
}

/// C `isspace` in the "C" locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// The byte a backslash escape inside double quotes stands for.
fn unescape(e: u8) -> u8 {
    match e {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'b' => 0x08,
        b'a' => 0x07,
        other => other,
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` like Redis's `sdssplitargs` into owned arguments (the
/// config file uses it too). `None` for unbalanced quotes.
pub fn split_owned(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let tokens = split_args(line)?;
    Some(
        tokens
            .into_iter()
            .map(|t| match t {
                Token::Span(r) => line[r].to_vec(),
                Token::Owned(v) => v,
            })
            .collect(),
    )
}

/// Redis `sdssplitargs`: `None` for unbalanced quotes (or a closing quote
/// followed by something other than a space).
///
/// Redis splits the line as a C string, but it never gets to split a line
/// holding a NUL byte (it looks for the line end with `strchr`, which stops
/// at the NUL, and waits for more input until the 64 KiB limit). Here a NUL
/// is an ordinary byte.
fn split_args(line: &[u8]) -> Option<Vec<Token>> {
    let at = |i: usize| line.get(i).copied();
    let mut tokens = Vec::new();
    let mut p = 0;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Some(tokens);
        }
        let mut tok = TokenBuilder::new(p);
        let (mut in_dq, mut in_sq) = (false, false);
        // Each arm leaves `p` on the last byte it used; the loop then steps.
        loop {
            let Some(c) = at(p) else {
                if in_dq || in_sq {
                    return None;
                }
                break;
            };
            if in_dq {
                let hex = match (c, at(p + 1)) {
                    (b'\\', Some(b'x')) => {
                        at(p + 2).and_then(hex_val).zip(at(p + 3).and_then(hex_val))
                    }
                    _ => None,
                };
                match (c, at(p + 1), hex) {
                    (_, _, Some((hi, lo))) => {
                        tok.push(line, hi * 16 + lo);
                        p += 3;
                    }
                    (b'\\', Some(e), None) => {
                        p += 1;
                        tok.push(line, unescape(e));
                    }
                    (b'"', next, None) => {
                        if !ends_token(next) {
                            return None;
                        }
                        p += 1;
                        break;
                    }
                    _ => tok.push_at(line, p),
                }
            } else if in_sq {
                match (c, at(p + 1)) {
                    (b'\\', Some(b'\'')) => {
                        p += 1;
                        tok.push(line, b'\'');
                    }
                    (b'\'', next) => {
                        if !ends_token(next) {
                            return None;
                        }
                        p += 1;
                        break;
                    }
                    _ => tok.push_at(line, p),
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        p += 1;
                        break;
                    }
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    _ => tok.push_at(line, p),
                }
            }
            p += 1;
        }
        tokens.push(tok.finish());
    }
}

/// Whether a closing quote may be followed by `next`: a space or the end.
fn ends_token(next: Option<u8>) -> bool {
    next.is_none_or(is_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a whole input produced: the commands, then the error text if any.
    type Outcome = (Vec<Vec<Vec<u8>>>, Option<String>);

    fn unauth() -> ParseLimits {
        ParseLimits {
            authenticated: false,
            ..ParseLimits::default()
        }
    }

    #[test]
    fn next_into_collects_a_batch() {
        let mut p = Parser::new();
        let mut buf = BytesMut::from(
            &b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*0\r\nPING x\r\n\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$2"[..],
        );
        let limits = ParseLimits::default();
        let mut cmds = Commands::default();
        while p.next_into(&mut buf, &limits, &mut cmds).unwrap() {}
        assert_eq!(&buf[..], b"*1\r\n$2");
        let all: Vec<Vec<&[u8]>> = cmds
            .iter()
            .map(|a| a.iter().map(|b| &b[..]).collect())
            .collect();
        let want: Vec<Vec<&[u8]>> = vec![
            vec![b"GET", b"k"],
            vec![b"PING", b"x"],
            vec![b"SET", b"a", b"b"],
        ];
        assert_eq!(all, want);
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds.last().map(|a| a.len()), Some(3));
        assert_eq!(cmds.take(1), vec!["PING", "x"]);
        assert!(cmds.get(1).iter().all(|a| a.is_empty()));
        assert_eq!(
            cmds.pop(),
            Some(vec![Bytes::from("SET"), "a".into(), "b".into()])
        );
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds.get(0), ["GET", "k"]);
        cmds.clear();
        assert!(cmds.is_empty() && cmds.last().is_none() && cmds.pop().is_none());
        buf.extend_from_slice(b"\r\nab\r\n");
        assert!(p.next_into(&mut buf, &limits, &mut cmds).unwrap());
        assert_eq!(cmds.get(0), ["ab"]);
        assert_eq!(Commands::from(vec![Bytes::from("x")]).get(0), ["x"]);
    }

    /// Feeds `input` in pieces of `chunk` bytes, parsing after each.
    fn feed(input: &[u8], chunk: usize, limits: &ParseLimits) -> Outcome {
        let mut p = Parser::new();
        let mut buf = BytesMut::new();
        let mut cmds = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match p.next(&mut buf, limits) {
                    Ok(Some(argv)) => cmds.push(argv.iter().map(|a| a.to_vec()).collect()),
                    Ok(None) => break,
                    Err(e) => return (cmds, Some(e.to_string())),
                }
            }
        }
        (cmds, None)
    }

    fn all(input: &[u8]) -> Outcome {
        feed(input, input.len(), &ParseLimits::default())
    }

    fn cmds(v: &[&[&str]]) -> Vec<Vec<Vec<u8>>> {
        v.iter()
            .map(|c| c.iter().map(|a| a.as_bytes().to_vec()).collect())
            .collect()
    }

    fn err(input: &[u8], limits: &ParseLimits) -> String {
        match feed(input, input.len(), limits) {
            (_, Some(e)) => e,
            (c, None) => panic!(
                "no error for {:?}, got {c:?}",
                String::from_utf8_lossy(input)
            ),
        }
    }

    fn perr(s: &str) -> String {
        format!("ERR Protocol error: {s}")
    }

    #[test]
    fn multibulk_pipeline() {
        let input = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n";
        assert_eq!(
            all(input),
            (cmds(&[&["GET", "k"], &["SET", "k", ""]]), None)
        );
    }

    #[test]
    fn args_are_slices_of_the_buffer() {
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nPING\r\n"[..]);
        let base = buf.as_ptr() as usize;
        let argv = Parser::new()
            .next(&mut buf, &ParseLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(argv[0].as_ptr() as usize, base + 8);
        assert_eq!(argv[1].as_ptr() as usize, base + 17);
        assert_eq!(&buf[..], b"PING\r\n");
    }

    #[test]
    fn empty_commands_are_skipped() {
        let input = b"*0\r\n*-1\r\n*-7\r\n\r\n\n  \t \r\n*1\r\n$4\r\nPING\r\n";
        assert_eq!(all(input), (cmds(&[&["PING"]]), None));
        // Nothing is left behind after skipped commands.
        let mut buf = BytesMut::from(&b"*0\r\n\n"[..]);
        assert_eq!(
            Parser::new().next(&mut buf, &ParseLimits::default()),
            Ok(None)
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn trailing_crlf_is_not_checked() {
        // Redis skips the two bytes after a payload and after a header's `\r`.
        assert_eq!(all(b"*1\rX$4\rYPINGab"), (cmds(&[&["PING"]]), None));
    }

    #[test]
    fn binary_safe_args() {
        let input = b"*3\r\n$3\r\nSET\r\n$4\r\n\r\n\r\n\r\n$5\r\na\0\xff\r*\r\n";
        assert_eq!(
            all(input),
            (
                vec![vec![
                    b"SET".to_vec(),
                    b"\r\n\r\n".to_vec(),
                    b"a\0\xff\r*".to_vec()
                ]],
                None
            )
        );
    }

    #[test]
    fn multibulk_errors() {
        let d = ParseLimits::default();
        let mut long = b"*".to_vec();
        long.extend(std::iter::repeat_n(b'1', MAX_LINE));
        assert_eq!(err(&long, &d), perr("too big mbulk count string"));
        // 64 KiB exactly is still waited on.
        assert_eq!(feed(&long[..MAX_LINE], MAX_LINE, &d), (vec![], None));
        for bad in [
            &b"*abc\r\n"[..],
            b"*\r\n",
            b"*+1\r\n",
            b"*01\r\n",
            b"* 1\r\n",
            b"*1 \r\n",
            b"*-0\r\n",
            b"*2147483648\r\n",
            b"*99999999999999999999\r\n",
            b"*000000000000000000001\r\n",
        ] {
            assert_eq!(err(bad, &d), perr("invalid multibulk length"), "{bad:?}");
        }
        let small = ParseLimits {
            max_multibulk_len: 2,
            ..d.clone()
        };
        assert_eq!(err(b"*3\r\n", &small), perr("invalid multibulk length"));
        assert_eq!(feed(b"*2\r\n", 4, &small), (vec![], None));
    }

    #[test]
    fn bulk_errors() {
        let d = ParseLimits::default();
        let mut long = b"*1\r\n$".to_vec();
        long.extend(std::iter::repeat_n(b'1', MAX_LINE));
        assert_eq!(err(&long, &d), perr("too big bulk count string"));
        assert_eq!(
            err(b"*1\r\n+3\r\nfoo\r\n", &d),
            perr("expected '$', got '+'")
        );
        assert_eq!(
            err(b"*2\r\n$1\r\na\r\nx\r\n", &d),
            perr("expected '$', got 'x'")
        );
        assert_eq!(err(b"*1\r\n\r\n", &d), perr("expected '$', got '\r'"));
        for bad in [
            &b"*1\r\n$-1\r\n"[..],
            b"*1\r\n$-5\r\n",
            b"*1\r\n$\r\n",
            b"*1\r\n$abc\r\n",
            b"*1\r\n$+3\r\nfoo\r\n",
            b"*1\r\n$03\r\nfoo\r\n",
            b"*1\r\n$3 \r\nfoo\r\n",
            b"*1\r\n$536870913\r\n",
            b"*1\r\n$99999999999999999999\r\n",
        ] {
            assert_eq!(err(bad, &d), perr("invalid bulk length"), "{bad:?}");
        }
        let small = ParseLimits {
            max_bulk_len: 3,
            ..d
        };
        assert_eq!(err(b"*1\r\n$4\r\n", &small), perr("invalid bulk length"));
        assert_eq!(
            feed(b"*1\r\n$3\r\nfoo\r\n", 99, &small),
            (cmds(&[&["foo"]]), None)
        );
    }

    #[test]
    fn errors_wait_for_a_whole_line() {
        // As in Redis, a header is judged only once its `\r` and one more
        // byte have arrived.
        let d = ParseLimits::default();
        for partial in [&b"*x"[..], b"*x\r", b"*1\r\nx", b"*1\r\n$-1\r", b"*1\r\n$3"] {
            assert_eq!(feed(partial, 1, &d), (vec![], None), "{partial:?}");
        }
    }

    #[test]
    fn unauthenticated_limits() {
        let u = unauth();
        assert_eq!(
            err(b"*11\r\n", &u),
            perr("unauthenticated multibulk length")
        );
        let mut ten = b"*10\r\n".to_vec();
        for _ in 0..10 {
            ten.extend_from_slice(b"$1\r\na\r\n");
        }
        assert_eq!(feed(&ten, 3, &u).0.len(), 1);
        assert_eq!(
            err(b"*1\r\n$16385\r\n", &u),
            perr("unauthenticated bulk length")
        );
        let mut max = b"*1\r\n$16384\r\n".to_vec();
        max.extend(std::iter::repeat_n(b'v', 16384));
        max.extend_from_slice(b"\r\n");
        assert_eq!(feed(&max, 1000, &u).0[0][0].len(), 16384);
        // The invalid-length checks come first, and negative counts pass.
        assert_eq!(
            err(b"*2147483648\r\n", &u),
            perr("invalid multibulk length")
        );
        assert_eq!(err(b"*1\r\n$-1\r\n", &u), perr("invalid bulk length"));
        assert_eq!(feed(b"*-1\r\n", 1, &u), (vec![], None));
        // Inline commands have no such limits.
        assert_eq!(feed(b"a b c d e f g h i j k l\r\n", 5, &u).0[0].len(), 12);
    }

    #[test]
    fn inline_commands() {
        assert_eq!(
            all(b"SET k v\r\nGET  k\n\tPING\t\r\n"),
            (cmds(&[&["SET", "k", "v"], &["GET", "k"], &["PING"]]), None)
        );
        // Only one `\r` before the `\n` is part of the line end.
        assert_eq!(all(b"a\r\r\n"), (cmds(&[&["a"]]), None));
        // A NUL byte is an ordinary byte (Redis would never see the line end).
        let nul = vec![
            vec![b"a\0".to_vec(), b"b\0c".to_vec(), b"\0".to_vec()],
            vec![b"x".to_vec()],
        ];
        assert_eq!(all(b"a\0 b\0c \"\0\"\r\nx\n"), (nul, None));
    }

    #[test]
    fn inline_quoting() {
        let one = |line: &[u8]| -> Result<Vec<Vec<u8>>, String> {
            let mut input = line.to_vec();
            input.push(b'\n');
            match all(&input) {
                (c, None) if c.len() == 1 => Ok(c[0].clone()),
                (c, None) if c.is_empty() => Ok(vec![]),
                (_, Some(e)) => Err(e),
                other => panic!("{other:?}"),
            }
        };
        let ok = |line: &[u8], want: &[&[u8]]| {
            assert_eq!(
                one(line),
                Ok(want.iter().map(|a| a.to_vec()).collect()),
                "{line:?}"
            );
        };
        ok(b"set \"a b\" 'c d'", &[b"set", b"a b", b"c d"]);
        ok(b"\"\" ''", &[b"", b""]);
        ok(br#""\n\r\t\b\a\\\"\q""#, &[b"\n\r\t\x08\x07\\\"q"]);
        ok(br#""\x41\x7a\xfF\x4" x"#, &[b"Az\xffx4", b"x"]);
        ok(br#""\xg1""#, &[b"xg1"]);
        ok(br#"'it\'s' 'a\nb' 'a"b'"#, &[b"it's", b"a\\nb", b"a\"b"]);
        ok(b"ab\"c d\"", &[b"abc d"]);
        ok(b"ab'c d'\t e", &[b"abc d", b"e"]);
        ok(b"\"a\"\t\"b\"\x0b'c'", &[b"a", b"b", b"c"]);
        // \v and \f are skipped between tokens but do not end a bare one.
        ok(b"\x0b a\x0bb \x0c", &[b"a\x0bb"]);
        ok(b"  \t ", &[]);
        let unbalanced = Err(perr("unbalanced quotes in request"));
        for bad in [
            &b"\"abc"[..],
            b"'abc",
            b"\"a\"b",
            b"'a'b",
            b"\"abc\\\"",
            b"'abc\\'",
            b"a \"b\\",
            b"x \"\\x4",
        ] {
            assert_eq!(one(bad), unbalanced, "{bad:?}");
        }
    }

    #[test]
    fn inline_too_big() {
        let d = ParseLimits::default();
        let long = vec![b'a'; MAX_LINE + 1];
        assert_eq!(err(&long, &d), perr("too big inline request"));
        assert_eq!(feed(&long[..MAX_LINE], 1000, &d), (vec![], None));
        let mut ok = vec![b'a'; MAX_LINE];
        ok.push(b'\n');
        assert_eq!(feed(&ok, 1000, &d).0[0][0].len(), MAX_LINE);
    }

    #[test]
    fn every_split_point_gives_the_same_commands() {
        let mut input = Vec::new();
        input.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$10\r\n0123456789\r\n");
        input.extend_from_slice(b"PING\r\n*0\r\nECHO \"a\\x41\" 'b c'\n\r\n");
        input.extend_from_slice(b"*-1\r\n*1\r\n$0\r\n\r\n*2\r\n$1\r\n\n\r\n$2\r\n\r\n\r\n");
        let whole = all(&input);
        assert_eq!(whole.0.len(), 5);
        assert_eq!(whole.1, None);
        assert_eq!(feed(&input, 1, &ParseLimits::default()), whole);
        for cut in 0..input.len() {
            let mut p = Parser::new();
            let mut buf = BytesMut::from(&input[..cut]);
            let mut got = Vec::new();
            while let Ok(Some(argv)) = p.next(&mut buf, &ParseLimits::default()) {
                got.push(argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
            }
            buf.extend_from_slice(&input[cut..]);
            while let Ok(Some(argv)) = p.next(&mut buf, &ParseLimits::default()) {
                got.push(argv.iter().map(|a| a.to_vec()).collect());
            }
            assert_eq!(got, whole.0, "cut at {cut}");
        }
    }

    #[test]
    fn large_bulk_in_chunks() {
        let payload: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
        let mut input = format!("*2\r\n$3\r\nSET\r\n${}\r\n", payload.len()).into_bytes();
        let header = input.len();
        input.extend_from_slice(&payload);
        input.extend_from_slice(b"\r\n");
        let mut p = Parser::new();
        let mut buf = BytesMut::new();
        let mut got = None;
        for (i, piece) in input.chunks(4096).enumerate() {
            buf.extend_from_slice(piece);
            match p.next(&mut buf, &ParseLimits::default()) {
                Ok(None) => {
                    let fed = ((i + 1) * 4096).min(input.len());
                    if fed > header {
                        assert_eq!(p.hint(), input.len() - fed);
                    }
                }
                Ok(Some(argv)) => got = Some(argv),
                Err(e) => panic!("{e}"),
            }
        }
        let argv = got.unwrap();
        assert_eq!(argv[1], payload);
        assert_eq!(p.hint(), 0);
        assert!(buf.is_empty());
    }

    #[test]
    fn many_args_in_small_pieces_is_linear() {
        // Quadratic rescanning would take minutes here.
        let n = 200_000;
        let mut input = format!("*{n}\r\n").into_bytes();
        for i in 0..n {
            let a = (i % 1000).to_string();
            input.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
        let start = std::time::Instant::now();
        let (c, e) = feed(&input, 16, &ParseLimits::default());
        assert_eq!(e, None);
        assert_eq!(c[0].len(), n);
        assert_eq!(c[0][n - 1], b"999");
        assert!(start.elapsed().as_secs() < 20);
    }

    #[test]
    fn string2ll_matches_redis() {
        assert_eq!(crate::num::parse_i64(b"0"), Some(0));
        assert_eq!(crate::num::parse_i64(b"-1"), Some(-1));
        assert_eq!(
            crate::num::parse_i64(b"9223372036854775807"),
            Some(i64::MAX)
        );
        assert_eq!(
            crate::num::parse_i64(b"-9223372036854775808"),
            Some(i64::MIN)
        );
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1a",
            b"9223372036854775808",
        ] {
            assert_eq!(crate::num::parse_i64(bad), None, "{bad:?}");
        }
    }

    /// xorshift64*: a tiny deterministic PRNG.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Mostly-valid requests with random damage, so that the fuzzing reaches
    /// deep states; raw random bytes alone rarely get past the first line.
    fn random_input(rng: &mut Rng) -> Vec<u8> {
        const PIECES: &[&[u8]] = &[
            b"*",
            b"$",
            b"\r\n",
            b"\r",
            b"\n",
            b"0",
            b"1",
            b"2",
            b"3",
            b"-1",
            b"10",
            b"17",
            b" ",
            b"\"",
            b"'",
            b"\\",
            b"x4",
            b"a",
            b"\0",
            b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            b"PING\r\n",
            b"*1\r\n$3\r\nfoo\r\n",
        ];
        let mut v = Vec::new();
        for _ in 0..rng.below(40) {
            if rng.below(4) == 0 {
                v.push(rng.next() as u8);
            } else {
                v.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        v
    }

    #[test]
    fn random_input_never_panics_and_splits_agree() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let small = ParseLimits {
            max_bulk_len: 16,
            max_multibulk_len: 8,
            authenticated: rng.next().is_multiple_of(2),
        };
        for _ in 0..20_000 {
            let input = random_input(&mut rng);
            let limits = if rng.below(2) == 0 {
                ParseLimits::default()
            } else {
                small.clone()
            };
            let whole = feed(&input, input.len(), &limits);
            let chunk = 1 + rng.below(8);
            assert_eq!(
                feed(&input, chunk, &limits),
                whole,
                "{input:?} in pieces of {chunk}"
            );
            // Random truncation: a prefix yields a prefix of the commands.
            let cut = rng.below(input.len() + 1);
            let part = feed(&input[..cut], 1 + rng.below(8), &limits);
            if part.1.is_none() {
                assert!(whole.0.starts_with(&part.0), "{input:?} cut at {cut}");
            }
        }
    }
}
