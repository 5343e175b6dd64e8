//! Mesh round trip between two executors: executor 0 sends a request
//! message of GET jobs to executor 1 (`Worker::call`) and waits for the
//! response message. Measures the latency of one round trip (p50, p99,
//! p99.9, mean) and the throughput, with 1 and 16 jobs per message and with
//! 1 and 32 calls in flight; the local fast path (a call to the caller's own
//! shard, no message) for reference. Run with `cargo bench --bench mesh`.
//!
//! The two executors are wired as `server.rs` wires them (full meshes of
//! requests and responses, `serve_requests` / `serve_responses`), without
//! listeners or connections.

mod common;

use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use glommio::{LocalExecutorBuilder, Placement};
use ringkv::cmd::table::{self, CommandSpec, Exec, Handler};
use ringkv::mesh::{self, Job, MeshEnds, Request, Response, Work, Worker, CHANNEL_CAPACITY};
use ringkv::resp::Reply;
use ringkv::server::Shared;
use ringkv::shard::{now_ms, Shard};
use ringkv::Config;

use common::{human, per_sec, Below, Rng};

/// Keys set on executor 1's shard before timing; the GETs pick among them.
const KEYS: usize = 10_000;
/// Time spent per row (latency rows stop earlier at `MAX_CALLS`).
const BUDGET: Duration = Duration::from_millis(1500);
const MAX_CALLS: usize = 1_000_000;
/// Calls in flight for the throughput rows.
const IN_FLIGHT: usize = 32;
/// The peer shard, and the caller's own.
const PEER: usize = 1;
const HOME: usize = 0;

/// One table row.
struct Row {
    to: usize,
    batch: usize,
    in_flight: usize,
    /// Round-trip times of every call, sorted.
    lat: Vec<Duration>,
    elapsed: Duration,
}

fn main() {
    ringkv::logging::init("warning");
    let shared = shared();
    let req = mesh::full_mesh::<Request>(2, CHANNEL_CAPACITY);
    let resp = mesh::full_mesh::<Response>(2, CHANNEL_CAPACITY);
    let mut threads = Vec::new();
    for (id, (req, resp)) in req.into_iter().zip(resp).enumerate() {
        let shared = shared.clone();
        let t = LocalExecutorBuilder::new(Placement::Unbound)
            .name(&format!("bench-shard-{id}"))
            .io_memory(64 * 1024)
            .spawn(move || async move { executor(id, shared, req, resp).await })
            .expect("executor starts");
        threads.push(t);
    }
    let mut rows = Vec::new();
    for t in threads {
        rows.extend(t.join().expect("executor ends"));
    }

    println!("mesh round trip: executor 0 -> executor 1 -> executor 0, GET jobs on {KEYS} keys\n");
    println!(
        "{:6} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "to",
        "jobs/msg",
        "in flight",
        "calls",
        "p50 us",
        "p99 us",
        "p99.9 us",
        "mean us",
        "calls/s",
        "jobs/s"
    );
    for r in &rows {
        let n = r.lat.len();
        let pct = |p: f64| r.lat[((n as f64 * p) as usize).min(n - 1)].as_secs_f64() * 1e6;
        let mean = r.lat.iter().sum::<Duration>().as_secs_f64() * 1e6 / n as f64;
        println!(
            "{:6} {:>8} {:>9} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>9} {:>9}",
            if r.to == HOME { "local" } else { "peer" },
            r.batch,
            r.in_flight,
            n,
            pct(0.50),
            pct(0.99),
            pct(0.999),
            mean,
            human(per_sec(n as u64, r.elapsed)),
            human(per_sec((n * r.batch) as u64, r.elapsed)),
        );
    }
    println!("\n(local: a call to the caller's own shard, run at once with no message)");
}

/// The server-wide state a `Worker` refers to (its configuration). `Shared`
/// has no public constructor, so it is taken from an in-process one-shard
/// server, stopped at once: nothing on the mesh path reads its shutdown flag.
fn shared() -> Arc<Shared> {
    let h = ringkv::start(Config {
        port: 0,
        shards: 1,
        io_memory: 64 * 1024,
        appendonly: false,
        ..Default::default()
    })
    .expect("server starts");
    let s = h.shared().clone();
    h.shutdown();
    s
}

/// One executor: joins the mesh, serves it, and on executor 0 runs the bench.
async fn executor(
    id: usize,
    shared: Arc<Shared>,
    req: MeshEnds<Request>,
    resp: MeshEnds<Response>,
) -> Vec<Row> {
    // As in server.rs: a ticking timer keeps the reactor polling until the
    // peer connects its ends (glommio only notices at a poll).
    let began = Instant::now();
    let ((req_tx, req_rx), (resp_tx, resp_rx)) = futures_lite::future::or(
        async { (mesh::connect(req).await, mesh::connect(resp).await) },
        async {
            loop {
                glommio::timer::sleep(Duration::from_millis(1)).await;
                assert!(
                    began.elapsed() < Duration::from_secs(10),
                    "mesh did not connect"
                );
            }
        },
    )
    .await;
    let shard = Shard::new(id, 2, 16, now_ms());
    let worker = Rc::new(Worker::new(id, 2, shard, shared, Some(req_tx)));
    worker.set_self();
    let resp_tx = Rc::new(resp_tx);
    worker.set_responder(resp_tx.clone());
    let tasks = [
        glommio::spawn_local(mesh::serve_requests(worker.clone(), req_rx, resp_tx)),
        glommio::spawn_local(mesh::serve_responses(worker.clone(), resp_rx)),
    ];
    let rows = if id == 0 {
        bench(&worker).await
    } else {
        Vec::new()
    };
    // Executor 1 closes at once; its request loop still serves executor 0
    // until executor 0 closes in turn.
    worker.close_mesh();
    for t in tasks {
        t.await;
    }
    rows
}

fn command(name: &[u8]) -> (&'static CommandSpec, Handler) {
    match table::lookup(name) {
        Some(spec) => match spec.exec {
            Exec::Keyed { handler, .. } => (spec, handler),
            _ => panic!("not a keyed command"),
        },
        None => panic!("no such command"),
    }
}

/// GET jobs on random keys.
fn get_jobs(keys: &[Bytes], n: usize, rng: &mut Rng) -> Vec<Job> {
    let (spec, handler) = command(b"get");
    (0..n)
        .map(|_| Job {
            db: 0,
            work: Work::Cmd {
                spec,
                handler,
                argv: vec![
                    Bytes::from_static(b"GET"),
                    keys[rng.below(keys.len())].clone(),
                ],
            },
        })
        .collect()
}

/// Every GET found its key (a "shard unavailable" error would not).
fn check(replies: &[Reply], n: usize) {
    assert_eq!(replies.len(), n);
    assert!(
        replies.iter().all(|r| matches!(r, Reply::Bulk(_))),
        "a GET did not find its key"
    );
}

async fn bench(w: &Rc<Worker>) -> Vec<Row> {
    let keys = common::keys("key", KEYS);
    // Fill both shards, through the mesh for the peer.
    let (spec, handler) = command(b"set");
    for to in [HOME, PEER] {
        for chunk in keys.chunks(256) {
            let jobs = chunk
                .iter()
                .map(|k| Job {
                    db: 0,
                    work: Work::Cmd {
                        spec,
                        handler,
                        argv: vec![
                            Bytes::from_static(b"SET"),
                            k.clone(),
                            Bytes::from_static(b"value-0123456789"),
                        ],
                    },
                })
                .collect();
            let r = w.call(to, jobs).await;
            assert!(r.iter().all(|r| !r.is_error()), "filling failed");
        }
    }
    let keys = Rc::new(keys);
    let mut rows = Vec::new();
    for (to, batch, in_flight) in [
        (HOME, 1, 1),
        (PEER, 1, 1),
        (PEER, 16, 1),
        (PEER, 1, IN_FLIGHT),
        (PEER, 16, IN_FLIGHT),
    ] {
        let start = Instant::now();
        let callers: Vec<_> = (0..in_flight)
            .map(|c| {
                let (w, keys) = (w.clone(), keys.clone());
                glommio::spawn_local(async move {
                    let mut rng = Rng::new(0x5eed + c as u64);
                    let mut lat = Vec::with_capacity(MAX_CALLS / in_flight);
                    while lat.len() < MAX_CALLS / in_flight && start.elapsed() < BUDGET {
                        let jobs = get_jobs(&keys, batch, &mut rng);
                        let t0 = Instant::now();
                        let r = w.call(to, jobs).await;
                        lat.push(t0.elapsed());
                        check(&r, batch);
                        black_box(r);
                    }
                    lat
                })
            })
            .collect();
        let mut lat = Vec::new();
        for c in callers {
            lat.extend(c.await);
        }
        let elapsed = start.elapsed();
        lat.sort_unstable();
        rows.push(Row {
            to,
            batch,
            in_flight,
            lat,
            elapsed,
        });
    }
    rows
}
