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

use crate::cmd::table::{CommandSpec, Exec, Handler};
use crate::resp::Reply;
use crate::server::Shared;
use crate::shard::blocked::{self, Blocked, Waiter};
use crate::shard::locks::{self, KeyRef, LockKey, LockSet, LockTable, TxId};
use crate::shard::value::MemberHint;
use crate::shard::{now_ms, Ctx, Shard, Value};

/// A closure run on another shard (multi-step commands, INFO, CLIENT LIST...).
pub type ShardFn = Box<dyn FnOnce(&Worker, usize) -> Reply + Send>;

/// A piece of work for one shard.
pub enum Work {
    /// Run a command handler with these arguments.
    Cmd {
        spec: &'static CommandSpec,
        handler: Handler,
        argv: Vec<Bytes>,
    },
    /// Run a closure with the worker and the db index.
    Fn(ShardFn),
    /// Schedule a transaction's intents here (tx.rs); the reply comes when
    /// it is granted (1, or 2 if a watched key expired), refused (0) or
    /// cancelled (-1).
    Lock(Box<LockJob>),
    /// Cancel a transaction still waiting here (a no-op once granted).
    Cancel(TxId),
    /// A blocking command: try it, and register its client as a waiter on
    /// its keys here if it found nothing (blocking.rs).
    Block(Box<BlockJob>),
}

/// A blocking command's visit to one shard.
pub struct BlockJob {
    /// The waiter, with the command as it will be served here.
    pub blocked: Blocked,
    /// The keys it waits on here, and their positions in the command.
    pub keys: Vec<Bytes>,
    pub pos: Vec<usize>,
    /// Run the command first and register only if it found nothing (all
    /// its keys live here); otherwise only register (and reply the
    /// prepared arguments).
    pub try_first: bool,
    /// Register at all (false: the call does not block, e.g. XREAD
    /// without BLOCK, or a retry that only tries).
    pub register: bool,
}

/// The reply of a `Work::Block` try that registered a waiter instead of
/// answering (a real handler never replies empty raw bytes).
pub fn blocked_marker() -> Reply {
    Reply::Raw(Bytes::new())
}

/// Whether a reply is the blocked marker.
pub fn is_blocked_marker(r: &Reply) -> bool {
    matches!(r, Reply::Raw(b) if b.is_empty())
}

/// Whether a blocking command's reply means "nothing there" (its timeout reply).
pub fn is_nothing(r: &Reply) -> bool {
    matches!(r, Reply::Nil | Reply::NilArray)
}

/// The command and arguments of a job that runs a command.
fn job_cmd(j: &Job) -> Option<(&'static CommandSpec, &[Bytes])> {
    match &j.work {
        Work::Cmd { spec, argv, .. } => Some((spec, argv)),
        Work::Block(b) => Some((b.blocked.spec, &b.blocked.argv)),
        _ => None,
    }
}

/// A transaction's request for intents on one shard.
pub struct LockJob {
    pub id: TxId,
    pub set: LockSet,
    /// Keys whose values travel to the coordinator once granted (gather):
    /// each value is taken out of the store (a placeholder stays in its
    /// slot) until the coordinator writes it back.
    pub lend: Vec<LockKey>,
    /// WATCH check at grant time: (client, keys it watches on this shard).
    pub watch: Option<(u64, Vec<(usize, Bytes)>)>,
    /// Where the lent values go, in `lend` order.
    pub out: Arc<std::sync::Mutex<Vec<Option<Lent>>>>,
}

/// A value lent to a coordinator.
#[derive(Debug)]
pub struct Lent {
    pub value: Value,
    pub expire_at: u64,
    pub lru: u32,
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
    /// The transaction the jobs run under (0: none; then they wait for any
    /// transaction holding their keys).
    pub tx: TxId,
    /// Release the transaction's intents here after the jobs.
    pub release: bool,
}

/// Why a request could not run at once.
pub enum Deferred {
    /// A lock request that has to wait for its grant.
    Lock(Box<LockJob>),
    /// Plain jobs on keys a transaction holds: they queue behind it.
    Locked(Vec<Job>),
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

/// Where the replies to a call (or a blocked client's reply) land.
pub struct Slot {
    pub value: Option<Vec<Reply>>,
    pub waker: Option<Waker>,
}

/// Longest member or field a batch prefetch hashes ahead of time (longer
/// ones are rare in big collections and cost more to hash twice).
const MEMBER_PREFETCH_MAX: usize = 64;

/// Executor-local state: the shard, the mesh, pending remote calls.
pub struct Worker {
    pub id: usize,
    pub nshards: usize,
    pub shard: RefCell<Shard>,
    pub shared: Arc<Shared>,
    pub clients: RefCell<crate::session::ClientRegistry>,
    /// This shard's intent locks (shard/locks.rs).
    pub locks: RefCell<LockTable>,
    req_tx: Option<Senders<Request>>,
    /// Responses to peers, for replies that leave outside a request
    /// (served blocked clients); set once the mesh is up.
    resp_tx: RefCell<Option<Rc<Senders<Response>>>>,
    /// This worker, for tasks it spawns that outlive a borrow of it.
    me: RefCell<std::rc::Weak<Worker>>,
    pending: RefCell<hashbrown::HashMap<u64, Rc<RefCell<Slot>>>>,
    next_token: Cell<u64>,
    /// The config generation `shard.limits` was copied from.
    limits_gen: Cell<u64>,
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
            locks: RefCell::new(LockTable::default()),
            req_tx,
            resp_tx: RefCell::new(None),
            me: RefCell::new(std::rc::Weak::new()),
            pending: RefCell::new(Default::default()),
            next_token: Cell::new(1),
            limits_gen: Cell::new(u64::MAX),
            stats: WorkerStats::default(),
        }
    }

    /// Counts processed commands.
    #[inline]
    pub fn stats_commands(&self, n: u64) {
        self.stats.commands.set(self.stats.commands.get() + n);
    }

    /// Brings the index buckets, then the entries, of the keys (argv[1])
    /// of up to 32 commands of a batch into cache before the batch runs, so
    /// that its cache misses overlap instead of adding up (shard/index.rs);
    /// then likewise the members or fields (argv[2]) of those that name a
    /// set or hash in its hashtable form. A hint: keys of other databases
    /// or shards, or names that are no keys, cost a wasted prefetch and
    /// nothing else.
    pub fn prefetch<'a>(&self, db: usize, cmds: impl Iterator<Item = &'a [Bytes]>) {
        let shard = self.shard.borrow();
        let Some(d) = shard.dbs.get(db) else { return };
        let mut found = [(0u32, &[] as &[Bytes]); 32];
        let mut n = 0;
        for argv in cmds.take(found.len()) {
            if let Some(k) = argv.get(1) {
                found[n] = (d.prefetch_bucket(k), argv);
                n += 1;
            }
        }
        for &(h, _) in &found[..n] {
            d.prefetch_entry(h);
        }
        // Then the member or field a set or hash command names next: its
        // bucket, then its slot (big collections miss cache on both).
        let mut hints: [Option<MemberHint>; 32] = [const { None }; 32];
        let mut any = false;
        for (hint, &(h, argv)) in hints.iter_mut().zip(&found[..n]) {
            if let Some(m) = argv.get(2).filter(|m| m.len() <= MEMBER_PREFETCH_MAX) {
                *hint = d.peek_candidate(h).and_then(|v| v.prefetch_member(m));
                any |= hint.is_some();
            }
        }
        if any {
            hints.iter().flatten().for_each(MemberHint::prefetch_slot);
        }
    }

    /// Runs jobs on this executor's own shard, synchronously.
    pub fn run_local(&self, jobs: Vec<Job>) -> Vec<Reply> {
        let now = now_ms();
        if jobs.len() > 1 {
            if let Some(db) = jobs.first().map(|j| j.db) {
                self.prefetch(
                    db,
                    jobs.iter().filter_map(|j| match &j.work {
                        Work::Cmd { argv, .. } if j.db == db => Some(&argv[..]),
                        _ => None,
                    }),
                );
            }
        }
        jobs.into_iter().map(|j| self.run_job(j, now)).collect()
    }

    /// Runs one job here, now.
    pub fn run_job(&self, job: Job, now: u64) -> Reply {
        let r = match job.work {
            Work::Cmd {
                spec,
                handler,
                argv,
            } => return self.run_cmd(spec, handler, job.db, &argv, now),
            Work::Block(b) => self.block_job(*b, job.db, now),
            Work::Fn(f) => {
                let r = f(self, job.db);
                let mut shard = self.shard.borrow_mut();
                if shard.aof.is_some() {
                    crate::aof::log::finish(&mut shard, None, false);
                }
                r
            }
            // Lock jobs travel alone and `serve_now` takes them; one inside a
            // batch is refused, never scheduled half-way.
            Work::Lock(_) => Reply::Error(crate::error::Error::err("lock job in a batch")),
            Work::Cancel(id) => {
                let waiting = self.locks.borrow().state(id) == Some(false);
                if waiting {
                    self.release(id);
                }
                Reply::Nil
            }
        };
        self.serve_blocked();
        r
    }

    /// Runs one command here, now: a `Work::Cmd` job without the job (the
    /// router's local fast path lends the arguments instead of moving them
    /// into a vector of their own).
    pub fn run_cmd(
        &self,
        spec: &'static CommandSpec,
        handler: Handler,
        db: usize,
        argv: &[Bytes],
        now: u64,
    ) -> Reply {
        let mut shard = self.shard.borrow_mut();
        self.sync_limits(&mut shard);
        if shard.aof.as_ref().is_some_and(|l| l.rewriting()) {
            crate::aof::log::before(&mut shard, spec, db, argv);
        }
        let mut ctx = Ctx::new(&mut shard, db, now);
        let r: Reply = handler(&mut ctx, argv).into();
        if shard.aof.is_some() {
            let failed = r.is_error();
            crate::aof::log::finish(&mut shard, Some((spec, db, argv)), failed);
        }
        if !shard.blocked.has_ready() {
            return r;
        }
        drop(shard);
        self.serve_blocked();
        r
    }

    /// Runs a blocking command's visit (see `BlockJob`).
    fn block_job(&self, mut b: BlockJob, db: usize, now: u64) -> Reply {
        let mut shard = self.shard.borrow_mut();
        self.sync_limits(&mut shard);
        let mut ctx = Ctx::new(&mut shard, db, now);
        let spec = b.blocked.spec;
        if let Some(prepare) = spec.block.and_then(|bs| bs.prepare) {
            prepare(&mut ctx, &mut b.blocked.argv, &b.pos);
        }
        let r = if b.try_first {
            if ctx.shard.aof.as_ref().is_some_and(|l| l.rewriting()) {
                crate::aof::log::before(ctx.shard, spec, db, &b.blocked.argv);
            }
            let r: Reply = (b.blocked.handler)(&mut ctx, &b.blocked.argv).into();
            if shard.aof.is_some() {
                let failed = r.is_error();
                crate::aof::log::finish(&mut shard, Some((spec, db, &b.blocked.argv)), failed);
            }
            if !b.register || !is_nothing(&r) {
                return r;
            }
            blocked_marker()
        } else {
            Reply::Array(b.blocked.argv.iter().cloned().map(Reply::Bulk).collect())
        };
        if b.register {
            shard.blocked.add(std::sync::Arc::new(b.blocked), &b.keys);
        }
        r
    }

    /// Serves the clients blocked on keys made ready by what just ran (Redis's
    /// handleClientsBlockedOnKeys): per key, in arrival order, each by its
    /// own command's handler, until one finds nothing. Keys a transaction
    /// holds wait for its release.
    pub fn serve_blocked(&self) {
        // Replies leave after the shard is released: sending may run a
        // task at once, and that task may look at the shard.
        let mut out: Vec<(Arc<Waiter>, Vec<Reply>, bool)> = Vec::new();
        loop {
            for (w, r, gate) in out.drain(..) {
                self.deliver(&w, r, gate);
            }
            let mut shard = self.shard.borrow_mut();
            let Some(k) = shard.blocked.next_ready() else {
                return;
            };
            if !self.locks_idle()
                && self.locks.borrow().blocks(
                    std::iter::once(KeyRef {
                        db: k.db,
                        key: &k.key,
                    }),
                    false,
                    true,
                )
            {
                shard.blocked.defer(k);
                continue;
            }
            let now = now_ms();
            for b in shard.blocked.waiters(&k) {
                let w = &b.waiter;
                let mut ctx = Ctx::new(&mut shard, k.db, now);
                let Some(i) = ctx.lookup(&k.key) else {
                    break;
                };
                let serves = b
                    .spec
                    .block
                    .is_some_and(|bs| (bs.serves)(&ctx.db().entry(i).value));
                if !serves {
                    continue;
                }
                if w.cas(blocked::UNARMED, blocked::SIGNALLED) || w.state() != blocked::ARMED {
                    continue;
                }
                if !b.serve_here {
                    // Serving touches another shard: the client retries
                    // through the cross-shard path.
                    if w.cas(blocked::ARMED, blocked::DONE) {
                        shard.blocked.served(&k, w.id);
                        out.push((w.clone(), Vec::new(), false));
                    }
                    continue;
                }
                if !w.cas(blocked::ARMED, blocked::SERVING) {
                    continue;
                }
                if ctx.shard.aof.as_ref().is_some_and(|l| l.rewriting()) {
                    crate::aof::log::before(ctx.shard, b.spec, b.db, &b.argv);
                }
                let r: Reply = (b.handler)(&mut ctx, &b.argv).into();
                if shard.aof.is_some() {
                    let failed = r.is_error();
                    crate::aof::log::finish(&mut shard, Some((b.spec, b.db, &b.argv)), failed);
                }
                if is_nothing(&r) {
                    w.state
                        .store(blocked::ARMED, std::sync::atomic::Ordering::Release);
                    continue;
                }
                w.state
                    .store(blocked::DONE, std::sync::atomic::Ordering::Release);
                shard.blocked.served(&k, w.id);
                self.stats_commands(1);
                let gate = shard.aof.as_ref().is_some_and(|l| l.pending_sync());
                out.push((w.clone(), vec![r], gate));
            }
        }
    }

    /// Sends a served waiter its reply (empty: "retry") on its executor;
    /// with `gate`, not before this shard's log is synced (`appendfsync
    /// always`).
    fn deliver(&self, w: &Waiter, replies: Vec<Reply>, gate: bool) {
        let resp = Response {
            token: w.token,
            replies,
        };
        if w.home == self.id {
            self.complete(resp);
            return;
        }
        let tx = self.resp_tx.borrow().clone();
        if let Some(tx) = tx {
            let to = w.home;
            // `appendfsync always`: the pop that served it is on disk first.
            let gate = gate.then(|| self.me.borrow().upgrade()).flatten();
            glommio::spawn_local(async move {
                if let Some(me) = gate {
                    crate::aof::writer::synced(&me).await;
                }
                let _ = tx.send_to(to, resp).await;
            })
            .detach();
        }
    }

    /// Records logged here are not yet known to be on disk (the check
    /// before a response may have to wait under `appendfsync always`).
    #[inline]
    pub fn sync_pending(&self) -> bool {
        self.shard
            .borrow()
            .aof
            .as_ref()
            .is_some_and(|l| l.pending_sync())
    }

    /// Installs the response senders (after the mesh connected).
    pub fn set_responder(&self, tx: Rc<Senders<Response>>) {
        *self.resp_tx.borrow_mut() = Some(tx);
    }

    /// Lets the worker hand itself to tasks it spawns.
    pub fn set_self(self: &Rc<Worker>) {
        *self.me.borrow_mut() = Rc::downgrade(self);
    }

    /// This worker as an `Rc`, for tasks it spawns (None before `set_self`).
    pub fn rc(&self) -> Option<Rc<Worker>> {
        self.me.borrow().upgrade()
    }

    /// A reply slot for a blocked client, under a fresh token.
    pub fn open_slot(&self) -> (u64, Rc<RefCell<Slot>>) {
        let token = self.next_token.get();
        self.next_token.set(token + 1);
        let slot = Rc::new(RefCell::new(Slot {
            value: None,
            waker: None,
        }));
        self.pending.borrow_mut().insert(token, slot.clone());
        (token, slot)
    }

    /// Forgets a slot (replies arriving later are dropped).
    pub fn close_slot(&self, token: u64) {
        self.pending.borrow_mut().remove(&token);
    }

    /// Copies the encoding thresholds again after a CONFIG SET (one atomic
    /// load per command otherwise).
    #[inline]
    pub fn sync_limits(&self, shard: &mut Shard) {
        let g = self.shared.config.generation();
        if g != self.limits_gen.get() {
            self.limits_gen.set(g);
            shard.limits = crate::shard::Limits::from_config(&self.shared.config.load());
        }
    }

    /// No transaction holds anything on this shard (the common case: single-shard
    /// commands then run with no further check).
    #[inline]
    pub fn locks_idle(&self) -> bool {
        self.locks.borrow().is_empty()
    }

    /// Whether plain jobs (outside a transaction) must wait for a transaction.
    pub fn must_wait(&self, jobs: &[Job]) -> bool {
        let locks = self.locks.borrow();
        if locks.is_empty() {
            return false;
        }
        let mut pos = Vec::new();
        jobs.iter().any(|j| match job_cmd(j) {
            Some((spec, argv)) => {
                pos.clear();
                let global = matches!(spec.exec, Exec::All { .. });
                spec.lock_keys(argv, j.db, &mut pos);
                let write = !spec.has(crate::cmd::table::flags::READONLY);
                locks.blocks(
                    pos.iter()
                        .filter_map(|&(db, p)| argv.get(p).map(|k| KeyRef { db, key: &k[..] })),
                    global,
                    write,
                )
            }
            None => false,
        })
    }

    /// Releases transaction `id` here and wakes whoever became runnable.
    pub fn release(&self, id: TxId) {
        let wake = self.locks.borrow_mut().release(id);
        for w in wake {
            w.wake();
        }
        let again = self.shard.borrow_mut().blocked.undefer();
        if again {
            self.serve_blocked();
        }
    }

    /// Schedules a lock job: Ok(reply) when decided now, Err(job) when it
    /// has to wait for its grant.
    fn lock_now(&self, mut lj: Box<LockJob>) -> Result<Reply, Box<LockJob>> {
        // The table keeps the set; the job keeps what the grant needs.
        let set = std::mem::take(&mut lj.set);
        let r = self.locks.borrow_mut().schedule(lj.id, set);
        match r {
            Err(locks::Rejected) => Ok(Reply::Int(0)),
            Ok(true) => Ok(self.granted(&lj)),
            Ok(false) => Err(lj),
        }
    }

    /// A transaction was granted here: lend its values, check its watches.
    fn granted(&self, lj: &LockJob) -> Reply {
        let mut shard = self.shard.borrow_mut();
        let now = now_ms();
        if !lj.lend.is_empty() {
            let out = crate::tx::lend(&mut shard, &lj.lend, now);
            if let Ok(mut g) = lj.out.lock() {
                *g = out;
            }
        }
        if let Some((client, keys)) = &lj.watch {
            let dbs = &shard.dbs;
            let expired = shard.watch.expired_since(*client, keys, |db, k| {
                dbs.get(db)
                    .and_then(|d| d.find(k).map(|i| d.entry(i).expire_at))
                    .is_some_and(|at| at != 0 && at <= now)
            });
            if expired {
                return Reply::Int(2);
            }
        }
        Reply::Int(1)
    }

    /// Runs a request's jobs now if nothing makes them wait.
    pub fn serve_now(
        &self,
        mut jobs: Vec<Job>,
        tx: TxId,
        release: bool,
    ) -> Result<Vec<Reply>, Deferred> {
        if jobs.len() == 1 && matches!(jobs[0].work, Work::Lock(_)) {
            let Some(Job {
                work: Work::Lock(lj),
                ..
            }) = jobs.pop()
            else {
                return Ok(Vec::new());
            };
            return match self.lock_now(lj) {
                Ok(r) => Ok(vec![r]),
                Err(lj) => Err(Deferred::Lock(lj)),
            };
        }
        if tx == 0 && self.must_wait(&jobs) {
            return Err(Deferred::Locked(jobs));
        }
        let replies = self.run_local(jobs);
        if release && tx != 0 {
            self.release(tx);
        }
        Ok(replies)
    }

    /// Finishes a deferred request: waits for the grant, then runs it.
    pub async fn finish(&self, d: Deferred) -> Vec<Reply> {
        match d {
            Deferred::Lock(lj) => {
                let granted = (GrantWait {
                    worker: self,
                    id: lj.id,
                })
                .await;
                vec![if granted {
                    self.granted(&lj)
                } else {
                    Reply::Int(-1)
                }]
            }
            Deferred::Locked(jobs) => {
                // Queue behind the holders as a one-shard transaction of our
                // own: every key exclusive, the whole shard if any job is keyless.
                let mut set = LockSet::default();
                let mut pos = Vec::new();
                for j in &jobs {
                    if let Some((spec, argv)) = job_cmd(j) {
                        if matches!(spec.exec, Exec::All { .. }) {
                            set.add_global(true);
                        }
                        pos.clear();
                        spec.lock_keys(argv, j.db, &mut pos);
                        for &(db, p) in &pos {
                            if let Some(k) = argv.get(p) {
                                set.add(db, k.clone(), true);
                            }
                        }
                    }
                }
                let id = loop {
                    let id = locks::next_id();
                    let r = self.locks.borrow_mut().schedule(id, set.clone());
                    match r {
                        Err(locks::Rejected) => continue,
                        Ok(true) => break id,
                        Ok(false) => {
                            (GrantWait { worker: self, id }).await;
                            break id;
                        }
                    }
                };
                let replies = self.run_local(jobs);
                self.release(id);
                replies
            }
        }
    }

    /// Sends jobs to `shard` (which may be this one) and waits for their replies.
    pub async fn call(&self, shard: usize, jobs: Vec<Job>) -> Vec<Reply> {
        self.call_tx(shard, jobs, 0, false).await
    }

    /// Sends jobs to `shard` under transaction `tx` (0: none), releasing
    /// its intents there afterwards when `release`.
    pub async fn call_tx(
        &self,
        shard: usize,
        jobs: Vec<Job>,
        tx: TxId,
        release: bool,
    ) -> Vec<Reply> {
        if shard == self.id {
            return match self.serve_now(jobs, tx, release) {
                Ok(r) => r,
                Err(d) => self.finish(d).await,
            };
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
            Some(tx_) => tx_
                .send_to(
                    shard,
                    Request {
                        from: self.id,
                        token,
                        jobs,
                        tx,
                        release,
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
        match self.run_on_tx(shard, db, 0, f).await {
            Some(v) => v,
            // Only reachable if the peer shut down mid-call.
            None => std::future::pending().await,
        }
    }

    /// `run_on` under transaction `tx` (0: none): a coordinator holding
    /// intents reads or writes through it. None if the peer is gone.
    pub async fn run_on_tx<T, F>(&self, shard: usize, db: usize, tx: TxId, f: F) -> Option<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> T + Send + 'static,
    {
        if shard == self.id {
            return Some(self.with_ctx(db, f));
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
        let jobs = vec![Job {
            db,
            work: Work::Fn(job),
        }];
        self.call_tx(shard, jobs, tx, false).await;
        out.lock().ok().and_then(|mut g| g.take())
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
        let r = f(&mut ctx);
        if shard.aof.is_some() {
            crate::aof::log::finish(&mut shard, None, false);
        }
        let ready = shard.blocked.has_ready();
        drop(shard);
        if ready {
            self.serve_blocked();
        }
        r
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

/// Resolves when transaction `id` is granted here (true) or cancelled (false).
struct GrantWait<'a> {
    worker: &'a Worker,
    id: TxId,
}

impl Future for GrantWait<'_> {
    type Output = bool;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let mut locks = self.worker.locks.borrow_mut();
        match locks.state(self.id) {
            Some(true) => Poll::Ready(true),
            None => Poll::Ready(false),
            Some(false) => {
                locks.set_waker(self.id, cx.waker());
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
                let (from, token) = (req.from, req.token);
                match worker.serve_now(req.jobs, req.tx, req.release) {
                    Ok(replies) if worker.sync_pending() => {
                        // `appendfsync always`: the response waits for the
                        // sync, off this loop.
                        let (worker, resp_tx) = (worker.clone(), resp_tx.clone());
                        glommio::spawn_local(async move {
                            crate::aof::writer::synced(&worker).await;
                            let _ = resp_tx.send_to(from, Response { token, replies }).await;
                        })
                        .detach();
                    }
                    Ok(replies) => {
                        let _ = resp_tx.send_to(from, Response { token, replies }).await;
                    }
                    Err(d) => {
                        // Waits for a lock: off this loop, which must keep
                        // serving (the grant comes through it).
                        let (worker, resp_tx) = (worker.clone(), resp_tx.clone());
                        glommio::spawn_local(async move {
                            let replies = worker.finish(d).await;
                            crate::aof::writer::synced(&worker).await;
                            let _ = resp_tx.send_to(from, Response { token, replies }).await;
                        })
                        .detach();
                    }
                }
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
