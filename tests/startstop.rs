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
