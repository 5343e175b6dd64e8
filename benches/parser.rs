//! Request parser throughput: 64 MiB of pipelined `SET key:NNNN value` and
//! `GET key:NNNN` multibulk commands, parsed from one buffer and from 16 KiB
//! reads appended as a connection would. Run with `cargo bench --bench parser`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use ringkv::resp::{ParseLimits, Parser};

const TOTAL: usize = 64 * 1024 * 1024;
const READ: usize = 16 * 1024;

/// Pipelined commands filling about `TOTAL` bytes; returns them and their count.
fn pipeline(set: bool) -> (Vec<u8>, usize) {
    let mut buf = Vec::with_capacity(TOTAL + 64);
    let mut n = 0;
    while buf.len() < TOTAL {
        let key = format!("key:{:04}", n % 10_000);
        if set {
            buf.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
        } else {
            buf.extend_from_slice(b"*2\r\n$3\r\nGET\r\n");
        }
        buf.extend_from_slice(format!("${}\r\n{key}\r\n", key.len()).as_bytes());
        if set {
            buf.extend_from_slice(b"$5\r\nvalue\r\n");
        }
        n += 1;
    }
    (buf, n)
}

/// Parses everything in `input`, fed `chunk` bytes at a time; returns the
/// command count and the time taken.
fn run(input: &[u8], chunk: usize) -> (usize, Duration) {
    let limits = ParseLimits::default();
    let mut parser = Parser::new();
    let mut buf = BytesMut::with_capacity(chunk.min(input.len()) * 2);
    let mut n = 0;
    let start = Instant::now();
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match parser.next(&mut buf, &limits) {
                Ok(Some(argv)) => {
                    black_box(&argv);
                    n += 1;
                }
                Ok(None) => break,
                Err(e) => panic!("bench input rejected: {e}"),
            }
        }
    }
    (n, start.elapsed())
}

fn main() {
    for (name, set) in [("SET", true), ("GET", false)] {
        let (input, count) = pipeline(set);
        for (how, chunk) in [("one buffer", input.len()), ("16 KiB reads", READ)] {
            // Best of three, after a warm-up run.
            run(&input, chunk);
            let best = (0..3).map(|_| run(&input, chunk)).min_by_key(|r| r.1);
            let Some((n, t)) = best else { continue };
            assert_eq!(n, count);
            let secs = t.as_secs_f64();
            println!(
                "{name:3} {how:12}: {:7.1} MB/s  {:6.2} M commands/s  ({} commands, {:.1} MiB, {:?})",
                input.len() as f64 / secs / 1e6,
                n as f64 / secs / 1e6,
                n,
                input.len() as f64 / (1024.0 * 1024.0),
                t,
            );
        }
    }
}
