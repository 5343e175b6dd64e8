//! The channel mesh between executors and the executor-local context
//! (`Worker`) that owns a shard.
//!
//! Two full meshes: requests and responses. A shard's request loop may wait
//! to send a response, but response loops never send anything, so a full
//! channel can always drain: no cycle of waits, no deadlock.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_lite::StreamExt;
use glommio::channels::shared_channel::{
    self, ConnectedReceiver, ConnectedSender, SharedReceiver, SharedSender,
};

use crate::cmd::table::Handler;
use crate::resp::Reply;
use crate::server::Shared;
use crate::shard::{now_ms, Ctx, Shard};

/// A closure run on another shard (multi-step commands, INFO, CLIENT LIST...).
pub type ShardFn = Box<dyn FnOnce(&Worker, usize) -> Reply + Send>;

/// A piece of work for one shard.
pub enum Work {
    /// Run a command handler with these arguments.
    Cmd { handler: Handler, argv: Vec<Bytes> },
    /// Run a closure with the worker and the db index.
    Fn(ShardFn),
}

/// One job: work in a database.
pub struct Job {
    pub db: usize,
    pub work: Work,
}

/// A batch of jobs from one executor to another; one message per destination per batch.
pub struct Request {
    pub from: usize,
    pub token: u64,
    pub jobs: Vec<Job>,
}

/// The replies to a `Request`, in job order.
pub struct Response {
    pub token: u64,
    pub replies: Vec<Reply>,
}

/// Capacity of each mesh channel (DESIGN §9: small capacities collapse throughput).
pub const CHANNEL_CAPACITY: usize = 1024;

/// One executor's unconnected ends of a full mesh: a sender to and a
/// receiver from every other executor (None for itself).
pub struct MeshEnds<T: Send> {
    pub senders: Vec<Option<SharedSender<T>>>,
    pub receivers: Vec<Option<SharedReceiver<T>>>,
}

/// Builds a full mesh of bounded channels for `n` executors; element i goes
/// to executor i. Built up front (instead of glommio's `MeshBuilder`
/// registration) so ranks are fixed and start-up has no join handshake.
pub fn full_mesh<T: Send>(n: usize, capacity: usize) -> Vec<MeshEnds<T>> {
    let mut ends: Vec<MeshEnds<T>> = (0..n)
        .map(|_| MeshEnds {
            senders: (0..n).map(|_| None).collect(),
            receivers: (0..n).map(|_| None).collect(),
        })
        .collect();
    for from in 0..n {
        for to in 0..n {
            if from != to {
                let (tx, rx) = shared_channel::new_bounded(capacity);
                ends[from].senders[to] = Some(tx);
                ends[to].receivers[from] = Some(rx);
            }
        }
    }
    ends
}

/// Connected senders to every peer.
pub struct Senders<T: Send> {
    peers: Vec<Option<ConnectedSender<T>>>,
}

impl<T: Send + 'static> Senders<T> {
    /// Sends `msg` to executor `to`; Err if it is gone (or is this executor).
    pub async fn send_to(&self, to: usize, msg: T) -> Result<(), ()> {
        match self.peers.get(to) {
            Some(Some(tx)) => tx.send(msg).await.map_err(|_| ()),
            _ => Err(()),
        }
    }

    /// Closes every sender: the peers' receive loops end.
    pub fn close(&self) {
        for tx in self.peers.iter().flatten() {
            tx.close();
        }
    }
}

/// Connects this executor's ends: every connection is started at once
/// (each waits for its peer to connect the other end) and awaited together.
pub async fn connect<T: Send + 'static>(
    ends: MeshEnds<T>,
) -> (Senders<T>, Vec<ConnectedReceiver<T>>) {
    let tx_tasks: Vec<_> = ends
        .senders
        .into_iter()
        .map(|s| s.map(|s| glommio::spawn_local(s.connect())))
        .collect();
    let rx_tasks: Vec<_> = ends
        .receivers
        .into_iter()
        .map(|r| r.map(|r| glommio::spawn_local(r.connect())))
        .collect();
    let mut peers = Vec::new();
    for t in tx_tasks {
        peers.push(match t {
            Some(t) => Some(t.await),
            None => None,
        });
    }
    let mut receivers = Vec::new();
    for t in rx_tasks.into_iter().flatten() {
        receivers.push(t.await);
    }
    (Senders { peers }, receivers)
}

struct Slot {
    value: Option<Vec<Reply>>,
    waker: Option<Waker>,
}

/// Executor-local state: the shard, the mesh, pending remote calls.
pub struct Worker {
    pub id: usize,
    pub nshards: usize,
    pub shard: RefCell<Shard>,
    pub shared: Arc<Shared>,
    pub clients: RefCell<crate::session::ClientRegistry>,
    req_tx: Option<Senders<Request>>,
    pending: RefCell<hashbrown::HashMap<u64, Rc<RefCell<Slot>>>>,
    next_token: Cell<u64>,
    pub stats: WorkerStats,
}

/// Executor-local counters (INFO sums them over executors).
#[derive(Default, Debug)]
pub struct WorkerStats {
    pub commands: Cell<u64>,
    pub connections: Cell<u64>,
    pub net_input: Cell<u64>,
    pub net_output: Cell<u64>,
    pub rejected: Cell<u64>,
}

impl Worker {
    pub fn new(
        id: usize,
        nshards: usize,
        shard: Shard,
        shared: Arc<Shared>,
        req_tx: Option<Senders<Request>>,
    ) -> Worker {
        Worker {
            id,
            nshards,
            shard: RefCell::new(shard),
            shared,
            clients: RefCell::new(Default::default()),
            req_tx,
            pending: RefCell::new(Default::default()),
            next_token: Cell::new(1),
            stats: WorkerStats::default(),
        }
    }

    /// Counts processed commands.
    #[inline]
    pub fn stats_commands(&self, n: u64) {
        self.stats.commands.set(self.stats.commands.get() + n);
    }

    /// Runs jobs on this executor's own shard, synchronously.
    pub fn run_local(&self, jobs: Vec<Job>) -> Vec<Reply> {
        let now = now_ms();
        jobs.into_iter().map(|j| self.run_job(j, now)).collect()
    }

    /// Runs one job here.
    pub fn run_job(&self, job: Job, now: u64) -> Reply {
        match job.work {
            Work::Cmd { handler, argv } => {
                let mut shard = self.shard.borrow_mut();
                let mut ctx = Ctx::new(&mut shard, job.db, now);
                handler(&mut ctx, &argv).into()
            }
            Work::Fn(f) => f(self, job.db),
        }
    }

    /// Sends jobs to `shard` (which may be this one) and waits for their replies.
    pub async fn call(&self, shard: usize, jobs: Vec<Job>) -> Vec<Reply> {
        if shard == self.id {
            return self.run_local(jobs);
        }
        let n = jobs.len();
        let token = self.next_token.get();
        self.next_token.set(token + 1);
        let slot = Rc::new(RefCell::new(Slot {
            value: None,
            waker: None,
        }));
        self.pending.borrow_mut().insert(token, slot.clone());
        let sent = match &self.req_tx {
            Some(tx) => tx
                .send_to(
                    shard,
                    Request {
                        from: self.id,
                        token,
                        jobs,
                    },
                )
                .await
                .is_ok(),
            None => false,
        };
        if !sent {
            self.pending.borrow_mut().remove(&token);
            return (0..n)
                .map(|_| Reply::Error(crate::error::Error::err("shard unavailable")))
                .collect();
        }
        Wait { slot }.await
    }

    /// Runs one closure on `shard` and returns its reply.
    pub async fn call_fn(&self, shard: usize, db: usize, f: ShardFn) -> Reply {
        let mut r = self
            .call(
                shard,
                vec![Job {
                    db,
                    work: Work::Fn(f),
                }],
            )
            .await;
        r.pop().unwrap_or(Reply::Nil)
    }

    /// Runs `f` with a handler context on `shard` (which may be this one)
    /// and returns its result: the typed way for coordinators to read or
    /// move values between shards.
    pub async fn run_on<T, F>(&self, shard: usize, db: usize, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> T + Send + 'static,
    {
        if shard == self.id {
            return self.with_ctx(db, f);
        }
        let out = Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let job: ShardFn = Box::new(move |w: &Worker, db| {
            let v = w.with_ctx(db, f);
            if let Ok(mut g) = out2.lock() {
                *g = Some(v);
            }
            Reply::Nil
        });
        self.call_fn(shard, db, job).await;
        let v = out.lock().ok().and_then(|mut g| g.take());
        match v {
            Some(v) => v,
            // Only reachable if the peer shut down mid-call.
            None => std::future::pending().await,
        }
    }

    /// Runs `make()` on every shard concurrently; results in shard order.
    pub async fn run_on_all<T, F>(&self, db: usize, make: impl Fn() -> F) -> Vec<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> T + Send + 'static,
    {
        let calls: Vec<_> = (0..self.nshards)
            .map(|s| self.run_on(s, db, make()))
            .collect();
        join_all(calls).await
    }

    /// Runs `f` against this executor's shard.
    pub fn with_ctx<T>(&self, db: usize, f: impl FnOnce(&mut Ctx) -> T) -> T {
        let mut shard = self.shard.borrow_mut();
        let mut ctx = Ctx::new(&mut shard, db, now_ms());
        f(&mut ctx)
    }

    fn complete(&self, resp: Response) {
        if let Some(slot) = self.pending.borrow_mut().remove(&resp.token) {
            let mut s = slot.borrow_mut();
            s.value = Some(resp.replies);
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        }
    }

    /// Closes this executor's senders (shutdown: peers' receive loops end).
    pub fn close_mesh(&self) {
        if let Some(tx) = &self.req_tx {
            tx.close();
        }
    }
}

struct Wait {
    slot: Rc<RefCell<Slot>>,
}

impl Future for Wait {
    type Output = Vec<Reply>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<Reply>> {
        let mut s = self.slot.borrow_mut();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Awaits all futures concurrently; results in input order.
pub async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = (0..futs.len()).map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (i, f) in futs.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(out.iter_mut().filter_map(|o| o.take()).collect())
        }
    })
    .await
}

/// Serves requests from peers: runs each batch on the local shard and sends
/// the replies back. Ends when every peer closed its senders.
pub async fn serve_requests(
    worker: Rc<Worker>,
    rx: Vec<ConnectedReceiver<Request>>,
    resp_tx: Rc<Senders<Response>>,
) {
    let mut tasks = Vec::new();
    for stream in rx {
        let worker = worker.clone();
        let resp_tx = resp_tx.clone();
        tasks.push(glommio::spawn_local(async move {
            let mut stream = stream;
            while let Some(req) = stream.next().await {
                let replies = worker.run_local(req.jobs);
                let _ = resp_tx
                    .send_to(
                        req.from,
                        Response {
                            token: req.token,
                            replies,
                        },
                    )
                    .await;
            }
        }));
    }
    for t in tasks {
        t.await;
    }
    resp_tx.close();
}

/// Receives responses from peers and wakes the waiting connections.
pub async fn serve_responses(worker: Rc<Worker>, rx: Vec<ConnectedReceiver<Response>>) {
    let mut tasks = Vec::new();
    for stream in rx {
        let worker = worker.clone();
        tasks.push(glommio::spawn_local(async move {
            let mut stream = stream;
            while let Some(resp) = stream.next().await {
                worker.complete(resp);
            }
        }));
    }
    for t in tasks {
        t.await;
    }
}
