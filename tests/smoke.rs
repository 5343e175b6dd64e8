mod common;
use common::*;

#[test]
fn ping_set_get_across_shards() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
    let keys = keys_on_distinct_shards(4);
    for k in &keys {
        r.roundtrip(&[b"SET", k.as_bytes(), b"v"], b"+OK\r\n");
    }
    let mut args: Vec<&[u8]> = vec![b"MGET"];
    args.extend(keys.iter().map(|k| k.as_bytes()));
    r.roundtrip(&args, b"*4\r\n$1\r\nv\r\n$1\r\nv\r\n$1\r\nv\r\n$1\r\nv\r\n");
    r.roundtrip(&[b"DBSIZE"], b":4\r\n");
    srv.stop();
}
