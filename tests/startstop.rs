//! Many servers starting and stopping at once in one process (as the test
//! suite does) must neither hang nor cross wires.
mod common;
use common::*;

#[test]
fn concurrent_servers_start_and_stop() {
    let threads: Vec<_> = (0..6)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..5 {
                    let srv = TestServer::start();
                    let mut r = srv.raw();
                    let v = format!("{t}-{i}");
                    r.roundtrip(&[b"SET", b"k", v.as_bytes()], b"+OK\r\n");
                    r.roundtrip(
                        &[b"GET", b"k"],
                        format!("${}\r\n{v}\r\n", v.len()).as_bytes(),
                    );
                    srv.stop();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

/// ringkv binds at once the port another server (Redis, say) just left,
/// although that server's closed connections sit in TIME_WAIT: the
/// listener sets SO_REUSEADDR, as Redis does, besides SO_REUSEPORT.
#[test]
fn binds_a_port_whose_old_connections_linger_in_time_wait() {
    use std::io::{Read, Write};
    // The previous server: a plain listener (SO_REUSEADDR, no SO_REUSEPORT)
    // that closes its connections first, leaving them in TIME_WAIT.
    let old = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = old.local_addr().expect("addr").port();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let c = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (mut s, _) = old.accept().expect("accept");
        s.write_all(b"+OK\r\n").expect("write");
        drop(s);
        clients.push(c);
    }
    for c in &mut clients {
        let mut buf = Vec::new();
        c.read_to_end(&mut buf).expect("read to the server's close");
    }
    drop(clients);
    drop(old);
    let srv = TestServer::try_with(|c| c.port = port).expect("binds the port at once");
    assert_eq!(srv.port, port);
    srv.raw().roundtrip(&[b"PING"], b"+PONG\r\n");
}
