//! RESP protocol behaviour through raw sockets: pipelining, inline commands,
//! protocol errors and limits, byte for byte as Redis 7 replies.

mod common;
use common::*;

#[test]
fn pipelined_commands_reply_in_order_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(4);
    let mut pipe = Vec::new();
    let mut expected = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        pipe.extend(encode(&[b"SET", k.as_bytes(), format!("v{i}").as_bytes()]));
        expected.extend_from_slice(b"+OK\r\n");
    }
    for (i, k) in keys.iter().enumerate() {
        pipe.extend(encode(&[b"GET", k.as_bytes()]));
        expected.extend(format!("$2\r\nv{i}\r\n").into_bytes());
    }
    pipe.extend(encode(&[b"DBSIZE"]));
    expected.extend_from_slice(b":4\r\n");
    pipe.extend(encode(&[b"PING"]));
    expected.extend_from_slice(b"+PONG\r\n");
    r.send(&pipe);
    r.expect(&expected);
}

#[test]
fn a_long_pipeline_keeps_per_key_order() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(4);
    // 4 keys × 500 SETs each, then GET each: the last value must win.
    let mut pipe = Vec::new();
    for round in 0..500 {
        for k in &keys {
            pipe.extend(encode(&[
                b"SET",
                k.as_bytes(),
                format!("{round}").as_bytes(),
            ]));
        }
    }
    for k in &keys {
        pipe.extend(encode(&[b"GET", k.as_bytes()]));
    }
    r.send(&pipe);
    let mut expected = b"+OK\r\n".repeat(2000);
    for _ in &keys {
        expected.extend_from_slice(b"$3\r\n499\r\n");
    }
    r.expect(&expected);
}

#[test]
fn inline_commands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.send(b"PING\r\n");
    r.expect(b"+PONG\r\n");
    r.send(b"SET foo \"hello world\"\r\nGET foo\r\n");
    r.expect(b"+OK\r\n$11\r\nhello world\r\n");
    r.send(b"   \r\n\r\nECHO 'it''s'\r\n");
    r.expect(b"-ERR Protocol error: unbalanced quotes in request\r\n");
    assert!(r.closed());
}

#[test]
fn bytes_arriving_one_at_a_time() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let cmd = encode(&[b"SET", b"k\r\nx", b"v\0\r\n"]);
    for b in &cmd {
        r.send(&[*b]);
    }
    r.expect(b"+OK\r\n");
    r.roundtrip(&[b"GET", b"k\r\nx"], b"$4\r\nv\0\r\n\r\n");
}

#[test]
fn unknown_command_and_wrong_arity_texts() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(
        &[b"FOO", b"a", b"b"],
        b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
    );
    r.roundtrip(
        &[b"foo"],
        b"-ERR unknown command 'foo', with args beginning with: \r\n",
    );
    r.roundtrip(
        &[b"GET"],
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
    r.roundtrip(
        &[b"GeT", b"a", b"b"],
        b"-ERR wrong number of arguments for 'get' command\r\n",
    );
    // The connection is still usable.
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
}

#[test]
fn invalid_multibulk_length_closes_the_connection() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.send(b"*abc\r\n");
    r.expect(b"-ERR Protocol error: invalid multibulk length\r\n");
    assert!(r.closed());

    let mut r = srv.raw();
    r.send(b"*2147483648\r\n");
    r.expect(b"-ERR Protocol error: invalid multibulk length\r\n");
    assert!(r.closed());
}

#[test]
fn invalid_bulk_length_and_missing_dollar() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.send(b"*1\r\n$-5\r\n");
    r.expect(b"-ERR Protocol error: invalid bulk length\r\n");
    assert!(r.closed());

    let mut r = srv.raw();
    r.send(b"*1\r\n+PING\r\n");
    r.expect(b"-ERR Protocol error: expected '$', got '+'\r\n");
    assert!(r.closed());

    // Bulk longer than proto-max-bulk-len (512 MB by default).
    let mut r = srv.raw();
    r.send(b"*1\r\n$536870913\r\n");
    r.expect(b"-ERR Protocol error: invalid bulk length\r\n");
    assert!(r.closed());
}

#[test]
fn commands_before_a_protocol_error_are_answered() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut buf = encode(&[b"SET", b"a", b"1"]);
    buf.extend_from_slice(b"*x\r\n");
    r.send(&buf);
    r.expect(b"+OK\r\n-ERR Protocol error: invalid multibulk length\r\n");
    assert!(r.closed());
    let mut r = srv.raw();
    r.roundtrip(&[b"GET", b"a"], b"$1\r\n1\r\n");
}

#[test]
fn unauthenticated_clients_cannot_send_big_lengths() {
    let srv = TestServer::with(|c| c.requirepass = Some("secret".into()));
    let mut r = srv.raw();
    r.roundtrip(&[b"GET", b"a"], b"-NOAUTH Authentication required.\r\n");
    r.send(b"*20\r\n");
    r.expect(b"-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert!(r.closed());

    let mut r = srv.raw();
    r.send(b"*2\r\n$3\r\nGET\r\n$100000\r\n");
    r.expect(b"-ERR Protocol error: unauthenticated bulk length\r\n");
    assert!(r.closed());
}

#[test]
fn query_buffer_limit_disconnects_the_client() {
    let srv = TestServer::with(|c| c.client_query_buffer_limit = 1024 * 1024);
    let mut r = srv.raw();
    // A 4 MB bulk announced and partly sent: the buffer passes the 1 MB limit.
    r.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n");
    let chunk = vec![b'x'; 64 * 1024];
    let mut closed = false;
    for _ in 0..64 {
        use std::io::Write;
        if r.s.write_all(&chunk).is_err() {
            closed = true;
            break;
        }
    }
    assert!(
        closed || r.closed(),
        "client over the query buffer limit must be disconnected"
    );
    // The server is fine.
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
}

#[test]
fn empty_multibulk_is_ignored() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.send(b"*0\r\n*-1\r\n");
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
}

#[test]
fn large_values_round_trip() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let big = vec![b'z'; 3 * 1024 * 1024];
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big[..])
        .query(&mut c)
        .unwrap();
    let got: Vec<u8> = redis::cmd("GET").arg("big").query(&mut c).unwrap();
    assert_eq!(got.len(), big.len());
    assert!(got == big);
}

#[test]
fn garbage_never_kills_the_server() {
    let srv = TestServer::start();
    let mut seed = 0x1234_5678_9abc_def0u64;
    for _ in 0..50 {
        let mut r = srv.raw();
        let mut buf = Vec::new();
        for _ in 0..512 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let b = match seed % 8 {
                0 => b'*',
                1 => b'$',
                2 => b'\r',
                3 => b'\n',
                4 => b'0' + (seed >> 8) as u8 % 10,
                5 => b'-',
                _ => (seed >> 16) as u8,
            };
            buf.push(b);
        }
        use std::io::Write;
        let _ = r.s.write_all(&buf);
    }
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
}
