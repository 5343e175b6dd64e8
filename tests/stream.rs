//! Stream commands: replies compared with a real Redis 7.0.15 (the case
//! tables below are `command => reply` lines recorded from redis-server,
//! replies written as in redis-cli's raw form: `'bulk'`, `:int`, `+status`,
//! `-error`, `(nil)` for a null bulk, `(nilarray)` for a null array,
//! `(null)` for RESP3's null, `*[...]` arrays and `%{k: v}` maps), plus
//! groups/PEL/claim flows, XREAD over keys on different shards, WATCH,
//! MULTI and RESP3 shapes byte for byte.

mod common;

use common::*;

/// Renders one RESP reply from `b` (at `*p`) in the case tables' notation.
fn render(b: &[u8], p: &mut usize) -> String {
    let end = b[*p..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| *p + i)
        .expect("line end");
    let kind = b[*p];
    let line = String::from_utf8_lossy(&b[*p + 1..end]).into_owned();
    *p = end + 2;
    let n: i64 = line.parse().unwrap_or(0);
    match kind {
        b'+' => format!("+{line}"),
        b'-' => format!("-{line}"),
        b':' => format!(":{line}"),
        b'_' => "(null)".into(),
        b'$' if n < 0 => "(nil)".into(),
        b'$' => {
            let s = String::from_utf8_lossy(&b[*p..*p + n as usize]).into_owned();
            *p += n as usize + 2;
            format!("'{s}'")
        }
        b'*' if n < 0 => "(nilarray)".into(),
        b'*' => {
            let items: Vec<String> = (0..n).map(|_| render(b, p)).collect();
            format!("*[{}]", items.join(", "))
        }
        b'%' => {
            let items: Vec<String> = (0..n)
                .map(|_| {
                    let k = render(b, p);
                    format!("{k}: {}", render(b, p))
                })
                .collect();
            format!("%{{{}}}", items.join(", "))
        }
        _ => panic!("unexpected reply type {}", kind as char),
    }
}

/// Sends a command (space-separated words) and renders its reply.
fn run(r: &mut Raw, cmd: &str) -> String {
    let args: Vec<&[u8]> = cmd.split_whitespace().map(|a| a.as_bytes()).collect();
    r.cmd(&args);
    let b = r.read_reply();
    let mut p = 0;
    render(&b, &mut p)
}

/// Runs every `command => reply` line of `cases` in order, on one connection.
fn check(r: &mut Raw, cases: &str) {
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let (cmd, want) = line.split_once(" => ").expect("case line");
        let got = run(r, cmd);
        // `?`: a reply that differs from Redis by design (HELLO's version).
        if want != "?" {
            assert_eq!(got, want, "{cmd}");
        }
    }
}

fn fresh() -> (TestServer, Raw) {
    let srv = TestServer::start();
    let r = srv.raw();
    (srv, r)
}

/// XADD ids and options, XLEN, XRANGE/XREVRANGE bounds and COUNT, XDEL,
/// XTRIM, XINFO errors, WRONGTYPE.
#[test]
fn add_range_del_trim_and_errors() {
    let (_srv, mut r) = fresh();
    check(
        &mut r,
        r#"
flushall => +OK
xadd s 1-1 a 1 => '1-1'
xadd s 1-1 a 1 => -ERR The ID specified in XADD is equal or smaller than the target stream top item
xadd s 1-0 a 1 => -ERR The ID specified in XADD is equal or smaller than the target stream top item
xadd s 0-0 a 1 => -ERR The ID specified in XADD must be greater than 0-0
xadd s2 0-0 a 1 => -ERR The ID specified in XADD must be greater than 0-0
xadd s2 0 a 1 => -ERR The ID specified in XADD must be greater than 0-0
xadd s2 0-* a 1 => '0-1'
xadd s2 0-* a 1 => '0-2'
xadd s2 5-* a 1 => '5-0'
xadd s2 3-* a 1 => -ERR The ID specified in XADD is equal or smaller than the target stream top item
xadd s2 5 a 1 => -ERR The ID specified in XADD is equal or smaller than the target stream top item
xadd s2 - a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s2 + a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s2 abc a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s2 1-2-3 a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s2 18446744073709551615-18446744073709551615 a 1 => '18446744073709551615-18446744073709551615'
xadd s2 18446744073709551615-* a 1 => -ERR The stream has exhausted the last possible ID, unable to add more items
xadd s2 18446744073709551616-0 a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s2 10-1 a => -ERR wrong number of arguments for 'xadd' command
xadd s2 10-1 a 1 b => -ERR wrong number of arguments for 'xadd' command
xadd s2 nomkstream 11-1 a 1 => -ERR The stream has exhausted the last possible ID, unable to add more items
xadd nokey nomkstream 11-1 a 1 => (nil)
exists nokey => :0
xadd s3 maxlen 2 1-1 a 1 => '1-1'
xadd s3 maxlen 2 2-1 a 1 => '2-1'
xadd s3 maxlen 2 3-1 a 1 => '3-1'
xlen s3 => :2
xrange s3 - + => *[*['2-1', *['a', '1']], *['3-1', *['a', '1']]]
xadd s3 maxlen -1 4-1 a 1 => -ERR The MAXLEN argument must be >= 0.
xadd s3 maxlen x 4-1 a 1 => -ERR value is not an integer or out of range
xadd s3 maxlen 1 minid 1 4-1 a 1 => -ERR syntax error, MAXLEN and MINID options at the same time are not compatible
xadd s3 minid 1 maxlen 1 4-1 a 1 => -ERR syntax error, MAXLEN and MINID options at the same time are not compatible
xadd s3 limit 10 4-1 a 1 => -ERR syntax error, LIMIT cannot be used without specifying a trimming strategy
xadd s3 maxlen 1 limit 10 4-1 a 1 => -ERR syntax error, LIMIT cannot be used without the special ~ option
xadd s3 maxlen ~ 1 limit 10 4-1 a 1 => '4-1'
xadd s3 maxlen ~ 1 limit -1 4-1 a 1 => -ERR The LIMIT argument must be >= 0.
xadd s3 maxlen = 1 5-1 a 1 => '5-1'
xrange s3 - + => *[*['5-1', *['a', '1']]]
xadd s3 minid = 6 7-1 a 1 => '7-1'
xadd s3 minid 7-1 8-1 a 1 => '8-1'
xrange s3 - + => *[*['7-1', *['a', '1']], *['8-1', *['a', '1']]]
xadd s3 minid - 9-1 a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s3 minid ( 9-1 a 1 => -ERR Invalid stream ID specified as stream command argument
xadd s3 maxlen => -ERR wrong number of arguments for 'xadd' command
xadd s3 maxlen 1 => -ERR wrong number of arguments for 'xadd' command
xadd s3 maxlen ~ => -ERR wrong number of arguments for 'xadd' command
xadd s3 maxlen ~ 1 => -ERR wrong number of arguments for 'xadd' command
xadd s3 limit 0 10-1 a 1 => -ERR syntax error, LIMIT cannot be used without the special ~ option
xadd s3 foo 10-1 a 1 => -ERR Invalid stream ID specified as stream command argument
set str x => +OK
xadd str 1-1 a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
xadd str nomkstream 1-1 a 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
xlen str => -WRONGTYPE Operation against a key holding the wrong kind of value
xlen nokey => :0
xlen s3 => :2
xrange str - + => -WRONGTYPE Operation against a key holding the wrong kind of value
xrange nokey - + => *[]
xrange s3 - + count 0 => (nilarray)
xrange s3 - + count -1 => (nilarray)
xrange s3 - + count => -ERR syntax error
xrange s3 - + count 1 count 2 => *[*['7-1', *['a', '1']], *['8-1', *['a', '1']]]
xrange s3 - + foo => -ERR syntax error
xrange s3 (- + => -ERR Invalid stream ID specified as stream command argument
xrange s3 - (+ => -ERR Invalid stream ID specified as stream command argument
xrange s3 (0-0 + => *[*['7-1', *['a', '1']], *['8-1', *['a', '1']]]
xrange s3 - (0-0 => -ERR invalid end ID for the interval
xrange s3 (18446744073709551615-18446744073709551615 + => -ERR invalid start ID for the interval
xrange s3 - 18446744073709551615 => *[*['7-1', *['a', '1']], *['8-1', *['a', '1']]]
xrange s3 5 5 => *[]
xrange s3 x + => -ERR Invalid stream ID specified as stream command argument
xrange s3 - x => -ERR Invalid stream ID specified as stream command argument
xrevrange s3 + - => *[*['8-1', *['a', '1']], *['7-1', *['a', '1']]]
xrevrange s3 + - count 1 => *[*['8-1', *['a', '1']]]
xrevrange s3 (9-1 - => *[*['8-1', *['a', '1']], *['7-1', *['a', '1']]]
xrevrange s3 - + => *[]
xrevrange s3 x - => -ERR Invalid stream ID specified as stream command argument
xrevrange nokey + - => *[]
xdel s3 9-1 100-1 => :0
xdel s3 x => -ERR Invalid stream ID specified as stream command argument
xdel nokey x => :0
xdel str x => -WRONGTYPE Operation against a key holding the wrong kind of value
xdel s3 1-1 x => -ERR Invalid stream ID specified as stream command argument
xlen s3 => :2
xtrim s3 maxlen 0 => :2
xlen s3 => :0
exists s3 => :1
xtrim s3 foo 1 => -ERR syntax error
xtrim s3 => -ERR wrong number of arguments for 'xtrim' command
xtrim s3 maxlen 1 foo => -ERR syntax error
xtrim s3 maxlen 1 limit 2 => -ERR syntax error, LIMIT cannot be used without the special ~ option
xtrim s3 minid 1 maxlen 2 => -ERR syntax error, MAXLEN and MINID options at the same time are not compatible
xtrim nokey maxlen 1 => :0
xtrim str maxlen 1 => -WRONGTYPE Operation against a key holding the wrong kind of value
xtrim s3 maxlen ~ 1 limit 2 => :0
xtrim s3 maxlen ~ => -ERR value is not an integer or out of range
xtrim s3 maxlen x => -ERR value is not an integer or out of range
xtrim s3 minid x => -ERR Invalid stream ID specified as stream command argument
xtrim s3 limit 2 => -ERR syntax error, LIMIT cannot be used without specifying a trimming strategy
xtrim s3 nomkstream maxlen 1 => -ERR syntax error
xtrim s3 maxlen 1 nomkstream => -ERR syntax error
xinfo stream s3 => *['length', :0, 'radix-tree-keys', :0, 'radix-tree-nodes', :1, 'last-generated-id', '8-1', 'max-deleted-entry-id', '0-0', 'entries-added', :7, 'recorded-first-entry-id', '0-0', 'groups', :0, 'first-entry', (nil), 'last-entry', (nil)]
xinfo stream nokey => -ERR no such key
xinfo stream str => -WRONGTYPE Operation against a key holding the wrong kind of value
xinfo stream s3 foo => -ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.
xinfo stream s3 full count => -ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.
xinfo stream s3 full foo 1 => -ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.
xinfo stream s3 full count x => -ERR value is not an integer or out of range
xinfo stream s3 full count -5 => *['length', :0, 'radix-tree-keys', :0, 'radix-tree-nodes', :1, 'last-generated-id', '8-1', 'max-deleted-entry-id', '0-0', 'entries-added', :7, 'recorded-first-entry-id', '0-0', 'entries', *[], 'groups', *[]]
xinfo stream s3 full => *['length', :0, 'radix-tree-keys', :0, 'radix-tree-nodes', :1, 'last-generated-id', '8-1', 'max-deleted-entry-id', '0-0', 'entries-added', :7, 'recorded-first-entry-id', '0-0', 'entries', *[], 'groups', *[]]
xinfo groups s3 => *[]
xinfo groups nokey => -ERR no such key
xinfo consumers s3 g => -NOGROUP No such consumer group 'g' for key name 's3'
xinfo consumers nokey g => -ERR no such key
xinfo foo s3 => -ERR unknown subcommand 'foo'. Try XINFO HELP.
xinfo help x => -ERR wrong number of arguments for 'xinfo|help' command
xinfo => -ERR wrong number of arguments for 'xinfo' command
xinfo groups => -ERR wrong number of arguments for 'xinfo|groups' command
xinfo groups a b => -ERR wrong number of arguments for 'xinfo|groups' command
xinfo stream => -ERR wrong number of arguments for 'xinfo|stream' command
"#,
    );
}

/// XGROUP, XREADGROUP (new entries and history), XPENDING, XACK, XCLAIM,
/// XAUTOCLAIM (deleted entries), lag and entries-read.
#[test]
fn groups_pel_and_claims() {
    let (_srv, mut r) = fresh();
    check(
        &mut r,
        r#"
flushall => +OK
xgroup create nokey g 0 => -ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
xgroup create nokey g 0 foo => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup create nokey g 0 mkstream foo => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup create nokey g x mkstream => -ERR Invalid stream ID specified as stream command argument
exists nokey => :0
xgroup create nokey g 0 entriesread -5 mkstream => -ERR value for ENTRIESREAD must be positive or -1
xgroup create nokey g 0 entriesread x mkstream => -ERR value is not an integer or out of range
xgroup create nokey g 0 entriesread => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup create s g $ mkstream => +OK
xgroup create s g $ mkstream => -BUSYGROUP Consumer Group name already exists
xinfo groups s => *[*['name', 'g', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :0]]
xadd s 1-1 a 1 => '1-1'
xadd s 2-1 b 2 c 3 => '2-1'
xadd s 3-1 a 1 => '3-1'
xinfo groups s => *[*['name', 'g', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :3]]
xgroup create s g2 0 => +OK
xgroup create s g3 0 entriesread 1 => +OK
xgroup create s g4 -  => -ERR Invalid stream ID specified as stream command argument
xgroup create s g5 +  => -ERR Invalid stream ID specified as stream command argument
xinfo groups s => *[*['name', 'g', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :3], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :3], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', :1, 'lag', :2]]
xgroup setid s nog 0 => -NOGROUP No such consumer group 'nog' for key name 's'
xgroup setid nokey2 g 0 => -ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
xgroup setid s g 1-1 entriesread => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g 1-1 foo 1 => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g 1-1 entriesread -3 => -ERR value for ENTRIESREAD must be positive or -1
xgroup setid s g 1-1 entriesread x => -ERR value is not an integer or out of range
xgroup setid s g - => +OK
xgroup setid s g + => +OK
xgroup setid s g3 2-1 => +OK
xgroup setid s g 1-1 entriesread 1 => +OK
xinfo groups s => *[*['name', 'g', 'consumers', :0, 'pending', :0, 'last-delivered-id', '1-1', 'entries-read', :1, 'lag', :2], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :3], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '2-1', 'entries-read', (nil), 'lag', (nil)]]
xgroup destroy s g5 => :0
xgroup destroy s g5 => :0
xgroup destroy nokey2 g5 => -ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
xgroup createconsumer s g c1 => :1
xgroup createconsumer s g c1 => :0
xgroup createconsumer s nog c1 => -NOGROUP No such consumer group 'nog' for key name 's'
xgroup delconsumer s g c9 => :0
xgroup foo s g => -ERR unknown subcommand 'foo'. Try XGROUP HELP.
xgroup create s => -ERR wrong number of arguments for 'xgroup|create' command
xgroup setid s g 1 2 3 4 => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup destroy s g x => -ERR wrong number of arguments for 'xgroup|destroy' command
set str x => +OK
xgroup create str g 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
xgroup destroy str g => -WRONGTYPE Operation against a key holding the wrong kind of value
xgroup help x => -ERR wrong number of arguments for 'xgroup|help' command
xreadgroup group g c1 streams s > => *[*['s', *[*['2-1', *['b', '2', 'c', '3']], *['3-1', *['a', '1']]]]]
xreadgroup group g c1 streams s > => (nilarray)
xreadgroup group g c1 streams s 0 => *[*['s', *[*['2-1', *['b', '2', 'c', '3']], *['3-1', *['a', '1']]]]]
xreadgroup group g c2 count 1 streams s 0 => *[*['s', *[]]]
xinfo groups s => *[*['name', 'g', 'consumers', :2, 'pending', :2, 'last-delivered-id', '3-1', 'entries-read', :3, 'lag', :0], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :3], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '2-1', 'entries-read', (nil), 'lag', (nil)]]
xpending s g => *[:2, '2-1', '3-1', *[*['c1', '2']]]
xpending s g idle 99999999 - + 10 => *[]
xpending s g - +  => -ERR syntax error
xpending s g - + x => -ERR value is not an integer or out of range
xpending s g x + 10 => -ERR Invalid stream ID specified as stream command argument
xpending s g idle x - + 10 => -ERR value is not an integer or out of range
xpending s g idle 1 - + => -ERR syntax error
xpending s nog => -NOGROUP No such key 's' or consumer group 'nog'
xpending nokey g => -NOGROUP No such key 'nokey' or consumer group 'g'
xpending str g => -WRONGTYPE Operation against a key holding the wrong kind of value
xpending s g (- + 10 => -ERR Invalid stream ID specified as stream command argument
xpending s g - + -1 => *[]
xack s g 1-1 9-9 => :0
xack s g x => -ERR Invalid stream ID specified as stream command argument
xack nokey g x => :0
xack s nog x => :0
xack str g 1-1 => -WRONGTYPE Operation against a key holding the wrong kind of value
xpending s g => *[:2, '2-1', '3-1', *[*['c1', '2']]]
xdel s 2-1 => :1
xreadgroup group g c1 streams s 0 => *[*['s', *[*['2-1', (nilarray)], *['3-1', *['a', '1']]]]]
xinfo groups s => *[*['name', 'g', 'consumers', :2, 'pending', :2, 'last-delivered-id', '3-1', 'entries-read', :3, 'lag', :0], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', (nil)], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '2-1', 'entries-read', (nil), 'lag', (nil)]]
xinfo stream s => *['length', :2, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '3-1', 'max-deleted-entry-id', '2-1', 'entries-added', :3, 'recorded-first-entry-id', '1-1', 'groups', :3, 'first-entry', *['1-1', *['a', '1']], 'last-entry', *['3-1', *['a', '1']]]
xclaim s g c2 0 2-1 3-1 justid => *['3-1']
xpending s g => *[:1, '3-1', '3-1', *[*['c2', '1']]]
xclaim s nog c2 0 3-1 => -NOGROUP No such key 's' or consumer group 'nog'
xclaim nokey g c2 0 3-1 => -NOGROUP No such key 'nokey' or consumer group 'g'
xclaim s g c2 x 3-1 => -ERR Invalid min-idle-time argument for XCLAIM
xclaim s g c2 0 x => -ERR Unrecognized XCLAIM option 'x'
xclaim s g c2 0 3-1 foo => -ERR Unrecognized XCLAIM option 'foo'
xclaim s g c2 0 3-1 idle x => -ERR Invalid IDLE option argument for XCLAIM
xclaim s g c2 0 3-1 time x => -ERR Invalid TIME option argument for XCLAIM
xclaim s g c2 0 3-1 retrycount x => -ERR Invalid RETRYCOUNT option argument for XCLAIM
xclaim s g c2 0 3-1 lastid x => -ERR Invalid stream ID specified as stream command argument
xclaim s g c2 0 3-1 idle => -ERR Unrecognized XCLAIM option 'idle'
xclaim s g c3 0 1-1 => *[]
xclaim s g c3 0 1-1 force justid => *['1-1']
xclaim s g c3 0 3-1 lastid 50-0 justid => *['3-1']
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :2, 'last-delivered-id', '50-0', 'entries-read', :3, 'lag', :0], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', (nil)], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '2-1', 'entries-read', (nil), 'lag', (nil)]]
xautoclaim s g c4 0 0 => *['0-0', *[*['1-1', *['a', '1']], *['3-1', *['a', '1']]], *[]]
xautoclaim s g c4 0 0 count 0 => -ERR COUNT must be > 0
xautoclaim s g c4 0 0 count x => -ERR COUNT must be > 0
xautoclaim s g c4 0 0 foo => -ERR syntax error
xautoclaim s g c4 x 0 => -ERR Invalid min-idle-time argument for XAUTOCLAIM
xautoclaim s g c4 0 x => -ERR Invalid stream ID specified as stream command argument
xautoclaim s nog c4 0 0 => -NOGROUP No such key 's' or consumer group 'nog'
xautoclaim nokey g c4 0 0 => -NOGROUP No such key 'nokey' or consumer group 'g'
xautoclaim s g c4 0 (0-0 count 1 justid => *['3-1', *['1-1'], *[]]
xadd s 4-1 d 4 => '4-1'
xreadgroup group g c1 streams s > => (nilarray)
xadd s 5-1 d 4 => '5-1'
xreadgroup group g c1 streams s > => (nilarray)
xdel s 4-1 => :1
xautoclaim s g c5 0 0 count 1 => *['3-1', *[*['1-1', *['a', '1']]], *[]]
xautoclaim s g c5 0 0 count 1 justid => *['3-1', *['1-1'], *[]]
xautoclaim s g c5 0 0 => *['0-0', *[*['1-1', *['a', '1']], *['3-1', *['a', '1']]], *[]]
xautoclaim s g c5 99999999 0 => *['0-0', *[], *[]]
xinfo groups s => *[*['name', 'g', 'consumers', :5, 'pending', :2, 'last-delivered-id', '50-0', 'entries-read', :3, 'lag', :2], *['name', 'g2', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', (nil)], *['name', 'g3', 'consumers', :0, 'pending', :0, 'last-delivered-id', '2-1', 'entries-read', (nil), 'lag', (nil)]]
xinfo stream s => *['length', :3, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '5-1', 'max-deleted-entry-id', '4-1', 'entries-added', :5, 'recorded-first-entry-id', '1-1', 'groups', :3, 'first-entry', *['1-1', *['a', '1']], 'last-entry', *['5-1', *['d', '4']]]
xreadgroup group g c1 streams s => -ERR wrong number of arguments for 'xreadgroup' command
xreadgroup group g c1 streams s 0 1 => -ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.
xreadgroup group nog c1 streams s 0 => -NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option
xreadgroup group g c1 streams nokey 0 => -NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option
xreadgroup group g c1 streams s $ => -ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.
xreadgroup streams s 0 => -ERR wrong number of arguments for 'xreadgroup' command
xreadgroup group g c1 streams s x => -ERR Invalid stream ID specified as stream command argument
xreadgroup group g c1 count x streams s 0 => -ERR value is not an integer or out of range
xreadgroup group g c1 block x streams s 0 => -ERR timeout is not an integer or out of range
xreadgroup group g c1 block -1 streams s 0 => -ERR timeout is negative
xreadgroup group g c1 foo streams s 0 => -ERR syntax error
xreadgroup group g streams s 0 => -ERR wrong number of arguments for 'xreadgroup' command
xreadgroup group g c1 noack streams s > => (nilarray)
xadd s 6-1 e 5 => '6-1'
xreadgroup group g c1 noack streams s > => (nilarray)
xpending s g => *[:2, '1-1', '3-1', *[*['c5', '2']]]
xreadgroup group g c1 count 1 streams s 0 => *[*['s', *[]]]
xreadgroup group g c1 count 0 streams s 0 => *[*['s', *[]]]
xreadgroup group g c1 streams str > => -WRONGTYPE Operation against a key holding the wrong kind of value
xreadgroup group g c1 streams s str > > => -WRONGTYPE Operation against a key holding the wrong kind of value
"#,
    );
}

/// XREAD, XSETID, XINFO STREAM FULL, and RESP3 maps for XREAD / XINFO.
#[test]
fn xread_xsetid_and_resp3() {
    let (_srv, mut r) = fresh();
    check(
        &mut r,
        r#"
flushall => +OK
xadd s 1-0 a 1 => '1-0'
xadd s 2-0 b 2 => '2-0'
xadd t 1-0 x 1 => '1-0'
xread streams s 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread count 1 streams s t 0 0 => *[*['s', *[*['1-0', *['a', '1']]]], *['t', *[*['1-0', *['x', '1']]]]]
xread streams s t 1-0 1-0 => *[*['s', *[*['2-0', *['b', '2']]]]]
xread streams s t 2-0 1-0 => (nilarray)
xread streams s nokey 0 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread streams nokey 0 => (nilarray)
xread streams s $ => (nilarray)
xread block 0 streams s 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread block x streams s 0 => -ERR timeout is not an integer or out of range
xread block -1 streams s 0 => -ERR timeout is negative
xread block 9223372036854775807 streams s 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread block 1 streams s $ => (nilarray)
xread group g c streams s 0 => -ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.
xread noack streams s 0 => -ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.
xread streams s > => -ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.
xread streams s 0 1 => -ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.
xread streams s + => -ERR Invalid stream ID specified as stream command argument
xread streams s - => -ERR Invalid stream ID specified as stream command argument
xread streams s (0 => -ERR Invalid stream ID specified as stream command argument
xread count -1 streams s 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread count 0 streams s 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['b', '2']]]]]
xread count x streams s 0 => -ERR value is not an integer or out of range
xread foo streams s 0 => -ERR syntax error
xread streams => -ERR wrong number of arguments for 'xread' command
xread count 1 count 1 streams s 0 => *[*['s', *[*['1-0', *['a', '1']]]]]
xread streams streams s 0 => -ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.
xdel s 2-0 => :1
xread streams s 1-0 => (nilarray)
xread streams s 1 => (nilarray)
set str x => +OK
xread streams str 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
xread streams s str 0 0 => -WRONGTYPE Operation against a key holding the wrong kind of value
xread streams s str 0 x => -WRONGTYPE Operation against a key holding the wrong kind of value
xreadgroup group g c streams s > => -NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option
xsetid s 1-0 => +OK
xsetid s 5-0 => +OK
xsetid s 3-0 entriesadded 1 => +OK
xsetid s 3-0 entriesadded -1 => -ERR entries_added must be positive
xsetid s 3-0 maxdeletedid 4-0 => -ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id
xsetid s 6-0 maxdeletedid 4-0 entriesadded 10 => +OK
xinfo stream s => *['length', :1, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '6-0', 'max-deleted-entry-id', '4-0', 'entries-added', :10, 'recorded-first-entry-id', '1-0', 'groups', :0, 'first-entry', *['1-0', *['a', '1']], 'last-entry', *['1-0', *['a', '1']]]
xsetid s 5-0 => +OK
xsetid s 6-0 foo => -ERR syntax error
xsetid s x => -ERR Invalid stream ID specified as stream command argument
xsetid nokey 1-0 => -ERR no such key
xsetid str 1-0 => -WRONGTYPE Operation against a key holding the wrong kind of value
xsetid nokey x => -ERR Invalid stream ID specified as stream command argument
xsetid s - => -ERR Invalid stream ID specified as stream command argument
xsetid s 6-0 entriesadded => -ERR syntax error
xsetid s 6-0 entriesadded x => -ERR value is not an integer or out of range
xsetid s 6-0 maxdeletedid x => -ERR Invalid stream ID specified as stream command argument
xdel s 1-0 => :1
xsetid s 6-0 entriesadded 0 => +OK
xinfo stream s => *['length', :0, 'radix-tree-keys', :0, 'radix-tree-nodes', :1, 'last-generated-id', '6-0', 'max-deleted-entry-id', '4-0', 'entries-added', :0, 'recorded-first-entry-id', '0-0', 'groups', :0, 'first-entry', (nil), 'last-entry', (nil)]
xadd s 7-* a 1 => '7-0'
xinfo stream s full => *['length', :1, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '7-0', 'max-deleted-entry-id', '4-0', 'entries-added', :1, 'recorded-first-entry-id', '7-0', 'entries', *[*['7-0', *['a', '1']]], 'groups', *[]]
xgroup create s g 0 => +OK
xreadgroup group g c streams s > => *[*['s', *[*['7-0', *['a', '1']]]]]
type s => +stream
object encoding s => 'stream'
hello 3 => ?
xread streams s t 0 0 => %{'s': *[*['7-0', *['a', '1']]], 't': *[*['1-0', *['x', '1']]]}
xinfo stream s => %{'length': :1, 'radix-tree-keys': :1, 'radix-tree-nodes': :2, 'last-generated-id': '7-0', 'max-deleted-entry-id': '4-0', 'entries-added': :1, 'recorded-first-entry-id': '7-0', 'groups': :1, 'first-entry': *['7-0', *['a', '1']], 'last-entry': *['7-0', *['a', '1']]}
xinfo groups s => *[%{'name': 'g', 'consumers': :1, 'pending': :1, 'last-delivered-id': '7-0', 'entries-read': :1, 'lag': :0}]
xread streams nokey 0 => (null)
xpending s g => *[:1, '7-0', '7-0', *[*['c', '1']]]
hello 2 => ?
"#,
    );
}

/// Multi-stream XREADGROUP, FORCE / RETRYCOUNT / TIME claims, XAUTOCLAIM
/// cursors, NOACK, SETID and lag after trims, BLOCK inside MULTI.
#[test]
fn group_flows() {
    let (_srv, mut r) = fresh();
    check(
        &mut r,
        r#"
flushall => +OK
xreadgroup count 1 block 0 streams s 0 1 2 => -ERR Missing GROUP option for XREADGROUP
xreadgroup count 1 block 0 streams s 0 => -ERR Missing GROUP option for XREADGROUP
xgroup create s g 0 mkstream mkstream mkstream mkstream => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup create s g2 0 mkstream entriesread 3 mkstream => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup setid s g x entriesread -7 => -ERR value for ENTRIESREAD must be positive or -1
xgroup setid s g 1 foo 3 => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xinfo groups s => -ERR no such key
del s => :0
xgroup create s g 0 mkstream => +OK
xgroup create t g 0 mkstream => +OK
xadd s 1-0 a 1 => '1-0'
xadd s 2-0 a 2 => '2-0'
xadd s 3-0 a 3 => '3-0'
xadd t 1-0 b 1 => '1-0'
xreadgroup group g c1 count 2 streams s t > > => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['a', '2']]]], *['t', *[*['1-0', *['b', '1']]]]]
xreadgroup group g c2 streams s t > > => *[*['s', *[*['3-0', *['a', '3']]]]]
xreadgroup group g c2 streams s t > > => (nilarray)
xreadgroup group g c1 streams s t 0 0 => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['a', '2']]]], *['t', *[*['1-0', *['b', '1']]]]]
xreadgroup group g c1 streams s t 1-0 0 => *[*['s', *[*['2-0', *['a', '2']]]], *['t', *[*['1-0', *['b', '1']]]]]
xreadgroup group g c1 count 1 streams s t 0 0 => *[*['s', *[*['1-0', *['a', '1']]]], *['t', *[*['1-0', *['b', '1']]]]]
xclaim s g c3 0 3-0 2-0 force => *[*['3-0', *['a', '3']], *['2-0', *['a', '2']]]
xclaim s g c3 0 1-0 force => *[*['1-0', *['a', '1']]]
xgroup create s g9 0 => +OK
xclaim s g9 c3 0 1-0 force => *[*['1-0', *['a', '1']]]
xclaim s g9 c3 0 2-0 force justid => *['2-0']
xclaim s g9 c4 0 1-0 2-0 justid retrycount 9 => *['1-0', '2-0']
xpending s g9 => *[:2, '1-0', '2-0', *[*['c4', '2']]]
xclaim s g9 c4 0 2-0 time 5 => *[*['2-0', *['a', '2']]]
xclaim s g9 c4 0 2-0 idle -5 => *[*['2-0', *['a', '2']]]
xclaim s g9 c4 99999999 2-0  => *[]
xpending s g9 (1-0 + 10 nob => *[]
xgroup delconsumer s g9 c4 => :2
xpending s g9 => *[:0, (nil), (nil), (nilarray)]
xadd s 4-0 a 4 => '4-0'
xadd s 5-0 a 5 => '5-0'
xadd s 6-0 a 6 => '6-0'
xreadgroup group g9 c5 streams s > => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['a', '2']], *['3-0', *['a', '3']], *['4-0', *['a', '4']], *['5-0', *['a', '5']], *['6-0', *['a', '6']]]]]
xautoclaim s g9 c6 0 - count 2 => *['3-0', *[*['1-0', *['a', '1']], *['2-0', *['a', '2']]], *[]]
xautoclaim s g9 c6 0 4-0 count 2 justid => *['6-0', *['4-0', '5-0'], *[]]
xautoclaim s g9 c6 0 6-0 count 2 justid => *['0-0', *['6-0'], *[]]
xautoclaim s g9 c6 0 7-0 count 2 justid => *['0-0', *[], *[]]
xdel s 4-0 5-0 => :2
xautoclaim s g9 c7 0 - count 1 justid => *['2-0', *['1-0'], *[]]
xautoclaim s g9 c7 0 - count 5 justid => *['6-0', *['1-0', '2-0', '3-0'], *['4-0', '5-0']]
xpending s g9 => *[:4, '1-0', '6-0', *[*['c6', '1'], *['c7', '3']]]
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '3-0', 'entries-read', :3, 'lag', (nil)], *['name', 'g9', 'consumers', :4, 'pending', :4, 'last-delivered-id', '6-0', 'entries-read', :6, 'lag', :0]]
xgroup delconsumer s g9 c7 => :3
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '3-0', 'entries-read', :3, 'lag', (nil)], *['name', 'g9', 'consumers', :3, 'pending', :1, 'last-delivered-id', '6-0', 'entries-read', :6, 'lag', :0]]
xgroup destroy s g9 => :1
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '3-0', 'entries-read', :3, 'lag', (nil)]]
xreadgroup group g c1 noack streams s > => *[*['s', *[*['6-0', *['a', '6']]]]]
xadd s 7-0 a 7 => '7-0'
xreadgroup group g c1 noack streams s > => *[*['s', *[*['7-0', *['a', '7']]]]]
xpending s g => *[:3, '1-0', '3-0', *[*['c3', '3']]]
xgroup setid s g 0 => +OK
xreadgroup group g c1 count 2 streams s > => *[*['s', *[*['1-0', *['a', '1']], *['2-0', *['a', '2']]]]]
xpending s g => *[:3, '1-0', '3-0', *[*['c1', '2'], *['c3', '1']]]
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '2-0', 'entries-read', (nil), 'lag', (nil)]]
xgroup setid s g $ => +OK
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '7-0', 'entries-read', (nil), 'lag', :0]]
xgroup setid s g 3-0 entriesread 1 => +OK
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '3-0', 'entries-read', :1, 'lag', (nil)]]
xadd s 8-0 a 8 => '8-0'
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :3, 'last-delivered-id', '3-0', 'entries-read', :1, 'lag', (nil)]]
xreadgroup group g c1 streams s > => *[*['s', *[*['6-0', *['a', '6']], *['7-0', *['a', '7']], *['8-0', *['a', '8']]]]]
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :6, 'last-delivered-id', '8-0', 'entries-read', :4, 'lag', :4]]
xtrim s maxlen 2 => :4
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :6, 'last-delivered-id', '8-0', 'entries-read', :4, 'lag', :4]]
xgroup create s g10 0 => +OK
xgroup create s g11 7-0 => +OK
xgroup create s g12 8-0 => +OK
xgroup create s g13 99-0 => +OK
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :6, 'last-delivered-id', '8-0', 'entries-read', :4, 'lag', :4], *['name', 'g10', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :2], *['name', 'g11', 'consumers', :0, 'pending', :0, 'last-delivered-id', '7-0', 'entries-read', (nil), 'lag', :1], *['name', 'g12', 'consumers', :0, 'pending', :0, 'last-delivered-id', '8-0', 'entries-read', (nil), 'lag', :0], *['name', 'g13', 'consumers', :0, 'pending', :0, 'last-delivered-id', '99-0', 'entries-read', (nil), 'lag', (nil)]]
xinfo stream s => *['length', :2, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '8-0', 'max-deleted-entry-id', '5-0', 'entries-added', :8, 'recorded-first-entry-id', '7-0', 'groups', :5, 'first-entry', *['7-0', *['a', '7']], 'last-entry', *['8-0', *['a', '8']]]
xsetid s 99-0 => +OK
xinfo groups s => *[*['name', 'g', 'consumers', :3, 'pending', :6, 'last-delivered-id', '8-0', 'entries-read', :4, 'lag', :4], *['name', 'g10', 'consumers', :0, 'pending', :0, 'last-delivered-id', '0-0', 'entries-read', (nil), 'lag', :2], *['name', 'g11', 'consumers', :0, 'pending', :0, 'last-delivered-id', '7-0', 'entries-read', (nil), 'lag', :1], *['name', 'g12', 'consumers', :0, 'pending', :0, 'last-delivered-id', '8-0', 'entries-read', (nil), 'lag', (nil)], *['name', 'g13', 'consumers', :0, 'pending', :0, 'last-delivered-id', '99-0', 'entries-read', (nil), 'lag', :0]]
multi => +OK
xread block 100 streams s $ => +QUEUED
xreadgroup group g c1 block 100 streams s > => +QUEUED
xadd s 100-0 z 1 => +QUEUED
exec => *[(nilarray), (nilarray), '100-0']
xread count 1 streams s 99-0 => *[*['s', *[*['100-0', *['z', '1']]]]]
xread streams t s 0 99 => *[*['t', *[*['1-0', *['b', '1']]]], *['s', *[*['100-0', *['z', '1']]]]]
xread streams t s 99 0 => *[*['s', *[*['7-0', *['a', '7']], *['8-0', *['a', '8']], *['100-0', *['z', '1']]]]]
"#,
    );
}

/// XGROUP CREATE / SETID parse their options before looking at the key.
#[test]
fn xgroup_option_order() {
    let (_srv, mut r) = fresh();
    check(
        &mut r,
        r#"
flushall => +OK
xgroup setid s g 1 entriesread 3 entriesread 4 => -ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
xgroup setid s g 1 mkstream => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g 1 entriesread => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g x entriesread 5 => -ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.
xgroup create s g 0 mkstream => +OK
xgroup setid s g 1 entriesread 3 entriesread 4 => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g 1 mkstream => -ERR unknown subcommand or wrong number of arguments for 'setid'. Try XGROUP HELP.
xgroup setid s g x entriesread 5 => -ERR Invalid stream ID specified as stream command argument
xgroup setid s g x entriesread y => -ERR value is not an integer or out of range
xgroup setid s nog x entriesread 5 => -NOGROUP No such consumer group 'nog' for key name 's'
xgroup create s g 0 entriesread 3 entriesread 4 => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup create s g 0 entriesread 3 entriesread 4 mkstream => -ERR unknown subcommand or wrong number of arguments for 'create'. Try XGROUP HELP.
xgroup destroy s nog => :0
xgroup createconsumer s g c => :1
xgroup delconsumer s g c => :0
xgroup createconsumer s g c => :1
xclaim s g c 0 0-1 force => *[]
"#,
    );
}

/// Node layout as Redis's: `~` trims, radix-tree keys and nodes, the
/// node byte / entry limits (stream-node-max-*).
#[test]
fn node_layout_matches_redis() {
    let (_srv, mut r) = fresh();
    let mut expect = NODE_LAYOUT.lines().filter(|l| !l.is_empty());
    let mut next = |r: &mut Raw, cmd: &str| {
        let line = expect.next().expect("case");
        let (c, want) = line.split_once(" => ").expect("case line");
        assert_eq!(c, cmd);
        assert_eq!(run(r, cmd), want, "{cmd}");
    };
    next(&mut r, "flushall");
    for i in 1..=450 {
        let id = format!("{i}-{}", i % 3);
        let cmd = format!("xadd big {id} f{} v{i} g x", i % 2);
        assert_eq!(run(&mut r, &cmd), format!("'{id}'"));
    }
    for c in [
        "xinfo stream big",
        "xlen big",
        "xrange big 99 103",
        "xrevrange big (300 - count 3",
        "xrange big 200-0 200-5",
        "xdel big 50-2 51-0 52-1 53-2",
        "xinfo stream big",
        "xadd big maxlen ~ 300 451-0 a 1",
        "xinfo stream big",
        "xtrim big maxlen ~ 150",
        "xinfo stream big",
        "xtrim big maxlen ~ 150 limit 50",
        "xtrim big minid ~ 400",
        "xinfo stream big",
        "xtrim big minid 420",
        "xinfo stream big",
        "xrange big - + count 3",
        "xtrim big maxlen = 10",
        "xrange big - +",
        "xinfo stream big full count 2",
    ] {
        next(&mut r, c);
    }
    for base in [1u64, 1000, 1699999999999, 1 << 40] {
        next(&mut r, "del r");
        for i in 0..1200u64 {
            run(&mut r, &format!("xadd r {}-{i} f v", base + i * 7));
        }
        next(&mut r, "xinfo stream r");
        next(&mut r, "xtrim r maxlen ~ 500");
        next(&mut r, "xinfo stream r");
        next(&mut r, &format!("xdel r {}-1199", base + 1199 * 7));
        next(&mut r, "xinfo stream r");
    }
    next(&mut r, "del b");
    for i in 1..40 {
        let v = "x".repeat(i * 37);
        run(&mut r, &format!("xadd b {i}-0 f {v} k {}", i * 1000));
    }
    next(&mut r, "xinfo stream b");
    next(&mut r, "config set stream-node-max-entries 7");
    next(&mut r, "del c");
    for i in 1..40 {
        run(&mut r, &format!("xadd c {i}-0 f v"));
    }
    next(&mut r, "xinfo stream c");
    next(&mut r, "xadd c maxlen ~ 10 40-0 f v");
    next(&mut r, "xlen c");
    next(&mut r, "config set stream-node-max-entries 0");
    next(&mut r, "config set stream-node-max-bytes 0");
    next(&mut r, "del c");
    for i in 1..300 {
        run(&mut r, &format!("xadd c {i}-0 f v"));
    }
    next(&mut r, "xinfo stream c");
    next(&mut r, "config set stream-node-max-entries 100");
    next(&mut r, "config set stream-node-max-bytes 4096");
    assert!(expect.next().is_none());
}

const NODE_LAYOUT: &str = r#"
flushall => +OK
xinfo stream big => *['length', :450, 'radix-tree-keys', :5, 'radix-tree-nodes', :14, 'last-generated-id', '450-0', 'max-deleted-entry-id', '0-0', 'entries-added', :450, 'recorded-first-entry-id', '1-1', 'groups', :0, 'first-entry', *['1-1', *['f1', 'v1', 'g', 'x']], 'last-entry', *['450-0', *['f0', 'v450', 'g', 'x']]]
xlen big => :450
xrange big 99 103 => *[*['99-0', *['f1', 'v99', 'g', 'x']], *['100-1', *['f0', 'v100', 'g', 'x']], *['101-2', *['f1', 'v101', 'g', 'x']], *['102-0', *['f0', 'v102', 'g', 'x']], *['103-1', *['f1', 'v103', 'g', 'x']]]
xrevrange big (300 - count 3 => *[*['300-0', *['f0', 'v300', 'g', 'x']], *['299-2', *['f1', 'v299', 'g', 'x']], *['298-1', *['f0', 'v298', 'g', 'x']]]
xrange big 200-0 200-5 => *[*['200-2', *['f0', 'v200', 'g', 'x']]]
xdel big 50-2 51-0 52-1 53-2 => :4
xinfo stream big => *['length', :446, 'radix-tree-keys', :5, 'radix-tree-nodes', :14, 'last-generated-id', '450-0', 'max-deleted-entry-id', '53-2', 'entries-added', :450, 'recorded-first-entry-id', '1-1', 'groups', :0, 'first-entry', *['1-1', *['f1', 'v1', 'g', 'x']], 'last-entry', *['450-0', *['f0', 'v450', 'g', 'x']]]
xadd big maxlen ~ 300 451-0 a 1 => '451-0'
xinfo stream big => *['length', :351, 'radix-tree-keys', :4, 'radix-tree-nodes', :12, 'last-generated-id', '451-0', 'max-deleted-entry-id', '53-2', 'entries-added', :451, 'recorded-first-entry-id', '101-2', 'groups', :0, 'first-entry', *['101-2', *['f1', 'v101', 'g', 'x']], 'last-entry', *['451-0', *['a', '1']]]
xtrim big maxlen ~ 150 => :200
xinfo stream big => *['length', :151, 'radix-tree-keys', :2, 'radix-tree-nodes', :6, 'last-generated-id', '451-0', 'max-deleted-entry-id', '53-2', 'entries-added', :451, 'recorded-first-entry-id', '301-1', 'groups', :0, 'first-entry', *['301-1', *['f1', 'v301', 'g', 'x']], 'last-entry', *['451-0', *['a', '1']]]
xtrim big maxlen ~ 150 limit 50 => :0
xtrim big minid ~ 400 => :0
xinfo stream big => *['length', :151, 'radix-tree-keys', :2, 'radix-tree-nodes', :6, 'last-generated-id', '451-0', 'max-deleted-entry-id', '53-2', 'entries-added', :451, 'recorded-first-entry-id', '301-1', 'groups', :0, 'first-entry', *['301-1', *['f1', 'v301', 'g', 'x']], 'last-entry', *['451-0', *['a', '1']]]
xtrim big minid 420 => :119
xinfo stream big => *['length', :32, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '451-0', 'max-deleted-entry-id', '53-2', 'entries-added', :451, 'recorded-first-entry-id', '420-0', 'groups', :0, 'first-entry', *['420-0', *['f0', 'v420', 'g', 'x']], 'last-entry', *['451-0', *['a', '1']]]
xrange big - + count 3 => *[*['420-0', *['f0', 'v420', 'g', 'x']], *['421-1', *['f1', 'v421', 'g', 'x']], *['422-2', *['f0', 'v422', 'g', 'x']]]
xtrim big maxlen = 10 => :22
xrange big - + => *[*['442-1', *['f0', 'v442', 'g', 'x']], *['443-2', *['f1', 'v443', 'g', 'x']], *['444-0', *['f0', 'v444', 'g', 'x']], *['445-1', *['f1', 'v445', 'g', 'x']], *['446-2', *['f0', 'v446', 'g', 'x']], *['447-0', *['f1', 'v447', 'g', 'x']], *['448-1', *['f0', 'v448', 'g', 'x']], *['449-2', *['f1', 'v449', 'g', 'x']], *['450-0', *['f0', 'v450', 'g', 'x']], *['451-0', *['a', '1']]]
xinfo stream big full count 2 => *['length', :10, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '451-0', 'max-deleted-entry-id', '53-2', 'entries-added', :451, 'recorded-first-entry-id', '442-1', 'entries', *[*['442-1', *['f0', 'v442', 'g', 'x']], *['443-2', *['f1', 'v443', 'g', 'x']]], 'groups', *[]]
del r => :0
xinfo stream r => *['length', :1200, 'radix-tree-keys', :12, 'radix-tree-nodes', :26, 'last-generated-id', '8394-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1-0', 'groups', :0, 'first-entry', *['1-0', *['f', 'v']], 'last-entry', *['8394-1199', *['f', 'v']]]
xtrim r maxlen ~ 500 => :700
xinfo stream r => *['length', :500, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '8394-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '4901-700', 'groups', :0, 'first-entry', *['4901-700', *['f', 'v']], 'last-entry', *['8394-1199', *['f', 'v']]]
xdel r 8394-1199 => :1
xinfo stream r => *['length', :499, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '8394-1199', 'max-deleted-entry-id', '8394-1199', 'entries-added', :1200, 'recorded-first-entry-id', '4901-700', 'groups', :0, 'first-entry', *['4901-700', *['f', 'v']], 'last-entry', *['8387-1198', *['f', 'v']]]
del r => :1
xinfo stream r => *['length', :1200, 'radix-tree-keys', :12, 'radix-tree-nodes', :26, 'last-generated-id', '9393-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1000-0', 'groups', :0, 'first-entry', *['1000-0', *['f', 'v']], 'last-entry', *['9393-1199', *['f', 'v']]]
xtrim r maxlen ~ 500 => :700
xinfo stream r => *['length', :500, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '9393-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '5900-700', 'groups', :0, 'first-entry', *['5900-700', *['f', 'v']], 'last-entry', *['9393-1199', *['f', 'v']]]
xdel r 9393-1199 => :1
xinfo stream r => *['length', :499, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '9393-1199', 'max-deleted-entry-id', '9393-1199', 'entries-added', :1200, 'recorded-first-entry-id', '5900-700', 'groups', :0, 'first-entry', *['5900-700', *['f', 'v']], 'last-entry', *['9386-1198', *['f', 'v']]]
del r => :1
xinfo stream r => *['length', :1200, 'radix-tree-keys', :12, 'radix-tree-nodes', :26, 'last-generated-id', '1700000008392-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1699999999999-0', 'groups', :0, 'first-entry', *['1699999999999-0', *['f', 'v']], 'last-entry', *['1700000008392-1199', *['f', 'v']]]
xtrim r maxlen ~ 500 => :700
xinfo stream r => *['length', :500, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '1700000008392-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1700000004899-700', 'groups', :0, 'first-entry', *['1700000004899-700', *['f', 'v']], 'last-entry', *['1700000008392-1199', *['f', 'v']]]
xdel r 1700000008392-1199 => :1
xinfo stream r => *['length', :499, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '1700000008392-1199', 'max-deleted-entry-id', '1700000008392-1199', 'entries-added', :1200, 'recorded-first-entry-id', '1700000004899-700', 'groups', :0, 'first-entry', *['1700000004899-700', *['f', 'v']], 'last-entry', *['1700000008385-1198', *['f', 'v']]]
del r => :1
xinfo stream r => *['length', :1200, 'radix-tree-keys', :12, 'radix-tree-nodes', :26, 'last-generated-id', '1099511636169-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1099511627776-0', 'groups', :0, 'first-entry', *['1099511627776-0', *['f', 'v']], 'last-entry', *['1099511636169-1199', *['f', 'v']]]
xtrim r maxlen ~ 500 => :700
xinfo stream r => *['length', :500, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '1099511636169-1199', 'max-deleted-entry-id', '0-0', 'entries-added', :1200, 'recorded-first-entry-id', '1099511632676-700', 'groups', :0, 'first-entry', *['1099511632676-700', *['f', 'v']], 'last-entry', *['1099511636169-1199', *['f', 'v']]]
xdel r 1099511636169-1199 => :1
xinfo stream r => *['length', :499, 'radix-tree-keys', :5, 'radix-tree-nodes', :12, 'last-generated-id', '1099511636169-1199', 'max-deleted-entry-id', '1099511636169-1199', 'entries-added', :1200, 'recorded-first-entry-id', '1099511632676-700', 'groups', :0, 'first-entry', *['1099511632676-700', *['f', 'v']], 'last-entry', *['1099511636162-1198', *['f', 'v']]]
del b => :0
xinfo stream b => *['length', :39, 'radix-tree-keys', :9, 'radix-tree-nodes', :20, 'last-generated-id', '39-0', 'max-deleted-entry-id', '0-0', 'entries-added', :39, 'recorded-first-entry-id', '1-0', 'groups', :0, 'first-entry', *['1-0', *['f', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'k', '1000']], 'last-entry', *['39-0', *['f', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'k', '39000']]]
config set stream-node-max-entries 7 => +OK
del c => :0
xinfo stream c => *['length', :39, 'radix-tree-keys', :6, 'radix-tree-nodes', :14, 'last-generated-id', '39-0', 'max-deleted-entry-id', '0-0', 'entries-added', :39, 'recorded-first-entry-id', '1-0', 'groups', :0, 'first-entry', *['1-0', *['f', 'v']], 'last-entry', *['39-0', *['f', 'v']]]
xadd c maxlen ~ 10 40-0 f v => '40-0'
xlen c => :12
config set stream-node-max-entries 0 => +OK
config set stream-node-max-bytes 0 => +OK
del c => :1
xinfo stream c => *['length', :299, 'radix-tree-keys', :1, 'radix-tree-nodes', :2, 'last-generated-id', '299-0', 'max-deleted-entry-id', '0-0', 'entries-added', :299, 'recorded-first-entry-id', '1-0', 'groups', :0, 'first-entry', *['1-0', *['f', 'v']], 'last-entry', *['299-0', *['f', 'v']]]
config set stream-node-max-entries 100 => +OK
config set stream-node-max-bytes 4096 => +OK
"#;

/// XREAD and XREADGROUP over keys that live on different shards.
#[test]
fn read_across_shards() {
    let (_srv, mut r) = fresh();
    let k = keys_on_distinct_shards(3);
    let (a, b, c) = (&k[0], &k[1], &k[2]);
    assert_eq!(run(&mut r, &format!("xadd {a} 1-0 f 1")), "'1-0'");
    assert_eq!(run(&mut r, &format!("xadd {b} 2-0 f 2")), "'2-0'");
    assert_eq!(
        run(&mut r, &format!("xread streams {a} {b} {c} 0 0 0")),
        format!("*[*['{a}', *[*['1-0', *['f', '1']]]], *['{b}', *[*['2-0', *['f', '2']]]]]")
    );
    assert_eq!(
        run(&mut r, &format!("xread streams {a} {b} $ $")),
        "(nilarray)"
    );
    assert_eq!(
        run(&mut r, &format!("xread count 1 streams {c} {b} 0 1")),
        format!("*[*['{b}', *[*['2-0', *['f', '2']]]]]")
    );
    assert_eq!(run(&mut r, &format!("xgroup create {a} g 0")), "+OK");
    assert_eq!(
        run(&mut r, &format!("xreadgroup group g c streams {a} {b} > >")),
        format!("-NOGROUP No such key '{b}' or consumer group 'g' in XREADGROUP with GROUP option")
    );
    assert_eq!(run(&mut r, &format!("xgroup create {b} g $")), "+OK");
    assert_eq!(run(&mut r, &format!("xadd {b} 3-0 f 3")), "'3-0'");
    assert_eq!(
        run(&mut r, &format!("xreadgroup group g c streams {a} {b} > >")),
        format!("*[*['{a}', *[*['1-0', *['f', '1']]]], *['{b}', *[*['3-0', *['f', '3']]]]]")
    );
    // The PELs written on the scratch shard came back to the owners.
    assert_eq!(
        run(&mut r, &format!("xpending {a} g")),
        "*[:1, '1-0', '1-0', *[*['c', '1']]]"
    );
    assert_eq!(
        run(&mut r, &format!("xpending {b} g")),
        "*[:1, '3-0', '3-0', *[*['c', '1']]]"
    );
    assert_eq!(
        run(&mut r, &format!("xreadgroup group g c streams {a} {b} 0 0")),
        format!("*[*['{a}', *[*['1-0', *['f', '1']]]], *['{b}', *[*['3-0', *['f', '3']]]]]")
    );
    assert_eq!(
        run(&mut r, &format!("xreadgroup group g c streams {a} {b} > >")),
        "(nilarray)"
    );
}

/// RESP3: XREAD is a map of stream → entries, XINFO STREAM a map, nulls `_`.
#[test]
fn resp3_shapes_bytes() {
    let (_srv, mut r) = fresh();
    r.roundtrip(&[b"XADD", b"s", b"1-0", b"a", b"1"], b"$3\r\n1-0\r\n");
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    r.roundtrip(
        &[b"XREAD", b"STREAMS", b"s", b"0"],
        b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
    );
    r.roundtrip(&[b"XREAD", b"STREAMS", b"s", b"1"], b"_\r\n");
    r.roundtrip(&[b"XDEL", b"s", b"1-0"], b":1\r\n");
    r.roundtrip(
        &[b"XINFO", b"STREAM", b"s"],
        b"%10\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n\
$17\r\nlast-generated-id\r\n$3\r\n1-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n1-0\r\n\
$13\r\nentries-added\r\n:1\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n\
$11\r\nfirst-entry\r\n_\r\n$10\r\nlast-entry\r\n_\r\n",
    );
    r.roundtrip(&[b"XGROUP", b"CREATE", b"s", b"g", b"$"], b"+OK\r\n");
    r.roundtrip(
        &[b"XINFO", b"GROUPS", b"s"],
        b"*1\r\n%6\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n\
$17\r\nlast-delivered-id\r\n$3\r\n1-0\r\n$12\r\nentries-read\r\n_\r\n$3\r\nlag\r\n:0\r\n",
    );
    r.roundtrip(&[b"XPENDING", b"s", b"g"], b"*4\r\n:0\r\n_\r\n_\r\n_\r\n");
}

/// Writes touch WATCHed keys; reads and no-op writes do not.
#[test]
fn watch_sees_stream_writes() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut other = srv.raw();
    let watched = |r: &mut Raw, other: &mut Raw, cmd: &str| -> String {
        assert_eq!(run(r, "watch s"), "+OK");
        run(other, cmd);
        assert_eq!(run(r, "multi"), "+OK");
        assert_eq!(run(r, "xlen s"), "+QUEUED");
        run(r, "exec")
    };
    assert_eq!(run(&mut r, "xadd s 1-0 a 1"), "'1-0'");
    assert_eq!(run(&mut r, "xgroup create s g 0"), "+OK");
    assert_eq!(watched(&mut r, &mut other, "xadd s 2-0 a 1"), "(nilarray)");
    assert_eq!(watched(&mut r, &mut other, "xrange s - +"), "*[:2]");
    assert_eq!(watched(&mut r, &mut other, "xdel s 9-0"), "*[:2]");
    assert_eq!(
        watched(&mut r, &mut other, "xreadgroup group g c streams s >"),
        "(nilarray)"
    );
    assert_eq!(watched(&mut r, &mut other, "xack s g 1-0"), "(nilarray)");
    assert_eq!(watched(&mut r, &mut other, "xack s g 1-0"), "*[:2]");
    assert_eq!(
        watched(&mut r, &mut other, "xtrim s maxlen 1"),
        "(nilarray)"
    );
    assert_eq!(
        watched(&mut r, &mut other, "xgroup setid s g 0"),
        "(nilarray)"
    );
    assert_eq!(watched(&mut r, &mut other, "xsetid s 5-0"), "(nilarray)");
}

/// Auto ids follow the clock and never go back; NOMKSTREAM creates nothing.
#[test]
fn auto_ids_and_nomkstream() {
    let (_srv, mut r) = fresh();
    let before = ringkv::shard::now_ms();
    let id = run(&mut r, "xadd s * a 1");
    let ms: u64 = id
        .trim_matches('\'')
        .split('-')
        .next()
        .and_then(|m| m.parse().ok())
        .expect("ms");
    assert!(ms >= before);
    assert_eq!(run(&mut r, "xsetid s 99999999999999-5"), "+OK");
    assert_eq!(run(&mut r, "xadd s * a 1"), "'99999999999999-6'");
    assert_eq!(
        run(&mut r, "xadd s 99999999999999-* a 1"),
        "'99999999999999-7'"
    );
    assert_eq!(run(&mut r, "xadd nope nomkstream * a 1"), "(nil)");
    assert_eq!(run(&mut r, "exists nope"), ":0");
    assert_eq!(run(&mut r, "type s"), "+stream");
    assert_eq!(run(&mut r, "object encoding s"), "'stream'");
    assert_eq!(run(&mut r, "xtrim s maxlen 0"), ":3");
    // An emptied stream stays.
    assert_eq!(run(&mut r, "exists s"), ":1");
    assert_eq!(
        run(&mut r, "xadd s 1-0 a 1"),
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item"
    );
}
