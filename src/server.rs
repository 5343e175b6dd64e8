//! Executors, listeners, start-up and shutdown.
//!
//! One glommio executor per shard, each pinned to a CPU, each owning one
//! `Shard` and accepting on the same port (SO_REUSEPORT): the kernel spreads
//! connections, and a connection stays on the executor that accepted it.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::Duration;

use futures_lite::AsyncWriteExt;
use glommio::net::TcpListener;
use glommio::{LocalExecutorBuilder, Placement};

use crate::config::{Config, SharedConfig};
use crate::mesh::{self, Request, Response, Worker, CHANNEL_CAPACITY};
use crate::shard::{now_ms, Shard};

/// State shared by all executors of one server: configuration, counters,
/// the shutdown flag. Nothing on the hot path locks it.
pub struct Shared {
    pub config: Arc<SharedConfig>,
    pub nshards: usize,
    pub port: AtomicU16,
    pub shutdown: AtomicBool,
    pub start_ms: u64,
    pub run_id: String,
    pub lastsave: AtomicU64,
    pub connected: AtomicUsize,
    /// Clients waiting in a blocking command (INFO blocked_clients).
    pub blocked: AtomicUsize,
    /// With `appendonly yes`: the data directory, its manifest, rewrite
    /// and load figures.
    pub aof: Option<crate::aof::rewrite::Persist>,
    /// Executors still loading their append-only file.
    pub loading: AtomicUsize,
    /// The data directory's lock, held while the server runs.
    _dir_lock: Option<std::fs::File>,
    next_client: AtomicU64,
    bound: AtomicUsize,
    ready: AtomicUsize,
    errors: Mutex<Vec<String>>,
}

impl Shared {
    /// A new client id (CLIENT ID), unique across executors.
    pub fn next_client_id(&self) -> u64 {
        self.next_client.fetch_add(1, Ordering::Relaxed)
    }

    /// Asks every executor to stop.
    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

/// A running server, started in-process.
pub struct ServerHandle {
    pub port: u16,
    shared: Arc<Shared>,
    threads: Vec<glommio::ExecutorJoinHandle<()>>,
}

impl ServerHandle {
    /// The shared state (configuration, flags).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Stops the server and waits for every executor to finish.
    pub fn shutdown(self) {
        self.shared.request_shutdown();
        self.wait();
    }

    /// Waits until the server stops (SHUTDOWN command or `shutdown`).
    pub fn wait(self) {
        for t in self.threads {
            let _ = t.join();
        }
    }

    /// Whether a shutdown was requested (e.g. by the SHUTDOWN command).
    pub fn stopping(&self) -> bool {
        self.shared.is_shutting_down()
    }
}

/// A listening socket on `addr` for this executor. SO_REUSEPORT: every
/// executor listens on the port and the kernel spreads connections among
/// them. SO_REUSEADDR: a restart binds at once even while the last run's
/// connections sit in TIME_WAIT, as Redis does (glommio's `bind` sets only
/// the first).
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    use std::os::fd::IntoRawFd;
    let sk = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    sk.set_reuse_address(true)?;
    sk.set_reuse_port(true)?;
    sk.bind(&addr.into())?;
    sk.listen(1024)?;
    // SAFETY: the descriptor is a bound, listening TCP socket that nothing
    // else owns; the listener takes it over (and closes it).
    Ok(unsafe { <TcpListener as std::os::fd::FromRawFd>::from_raw_fd(sk.into_raw_fd()) })
}

/// CPUs this process may run on.
fn allowed_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills a zeroed cpu_set_t of the size we pass.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| libc::CPU_ISSET(c, &set))
                .collect();
            if !cpus.is_empty() {
                return cpus;
            }
        }
    }
    (0..std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1))
        .collect()
}

/// Parses the bind addresses into socket addresses on `port`.
fn bind_addrs(config: &Config, port: u16) -> Result<Vec<SocketAddr>, String> {
    let mut out = Vec::new();
    for b in &config.bind {
        let b = b.trim_start_matches('-');
        let ip: IpAddr = match b {
            "*" => IpAddr::from([0, 0, 0, 0]),
            "::*" => "::".parse().map_err(|_| "bad address".to_string())?,
            "localhost" => IpAddr::from([127, 0, 0, 1]),
            other => other
                .parse()
                .map_err(|_| format!("Invalid bind address '{other}'"))?,
        };
        out.push(SocketAddr::new(ip, port));
    }
    if out.is_empty() {
        out.push(SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port));
    }
    Ok(out)
}

/// Starts a server with `config` and returns once every executor accepts
/// connections. `config.port` 0 picks a free port (see `ServerHandle::port`).
pub fn start(config: Config) -> Result<ServerHandle, String> {
    // One start-up at a time per process, and a retry when the executors'
    // channel connection stalls: glommio's shared-channel connection was
    // seen to hang now and then (about one start in a thousand, only in a
    // process that has already run several servers, as the test suite
    // does). A stalled attempt is abandoned within START_TIMEOUT and its
    // threads end; running servers are unaffected.
    static START: Mutex<()> = Mutex::new(());
    let _guard = START.lock().unwrap_or_else(|e| e.into_inner());
    let mut last = String::new();
    for attempt in 0..3 {
        match start_once(config.clone()) {
            Ok(h) => return Ok(h),
            Err(StartError::Stalled) => {
                tracing::warn!(attempt, "executor start-up stalled; retrying");
                last = "executors did not start in time".into();
            }
            Err(StartError::Failed(e)) => return Err(e),
        }
    }
    Err(last)
}

/// How long executors may take to connect and bind before a start is retried.
const START_TIMEOUT: Duration = Duration::from_secs(5);

enum StartError {
    Stalled,
    Failed(String),
}

fn start_once(config: Config) -> Result<ServerHandle, StartError> {
    let cpus = allowed_cpus();
    let nshards = if config.shards == 0 {
        cpus.len()
    } else {
        config.shards
    }
    .max(1);
    let mut config = config;
    // CONFIG GET shards reports the number in use, not 0 ("one per CPU").
    config.shards = nshards;
    let io_memory = config.io_memory;
    let has_aof = config.appendonly;
    let mut dir_lock = None;
    let aof = if config.appendonly {
        std::fs::create_dir_all(&config.dir).map_err(|e| {
            StartError::Failed(format!(
                "cannot create the data directory {}: {e}",
                config.dir.display()
            ))
        })?;
        dir_lock = Some(crate::aof::manifest::lock(&config.dir).map_err(StartError::Failed)?);
        let m = crate::aof::writer::prepare(&config.dir, nshards).map_err(StartError::Failed)?;
        crate::aof::rewrite::remove_orphans(&config.dir, &m);
        Some(crate::aof::rewrite::Persist::new(
            config.dir.clone(),
            m,
            nshards,
        ))
    } else {
        None
    };
    let run_id: String = {
        let mut x = now_ms() ^ (std::process::id() as u64) << 32;
        (0..40)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_digit((x % 16) as u32, 16).unwrap_or('0')
            })
            .collect()
    };
    let shared = Arc::new(Shared {
        config: SharedConfig::new(config),
        nshards,
        port: AtomicU16::new(0),
        shutdown: AtomicBool::new(false),
        start_ms: now_ms(),
        run_id,
        lastsave: AtomicU64::new(now_ms() / 1000),
        connected: AtomicUsize::new(0),
        blocked: AtomicUsize::new(0),
        aof,
        loading: AtomicUsize::new(if has_aof { nshards } else { 0 }),
        _dir_lock: dir_lock,
        next_client: AtomicU64::new(1),
        bound: AtomicUsize::new(0),
        ready: AtomicUsize::new(0),
        errors: Mutex::new(Vec::new()),
    });
    let mut req_ends = mesh::full_mesh::<Request>(nshards, CHANNEL_CAPACITY).into_iter();
    let mut resp_ends = mesh::full_mesh::<Response>(nshards, CHANNEL_CAPACITY).into_iter();
    let mut threads = Vec::new();
    for i in 0..nshards {
        let shared = shared.clone();
        let (req, resp) = if nshards > 1 {
            (req_ends.next(), resp_ends.next())
        } else {
            (None, None)
        };
        let placement = if cpus.len() >= nshards {
            Placement::Fixed(cpus[i % cpus.len()])
        } else {
            Placement::Unbound
        };
        let builder = LocalExecutorBuilder::new(placement)
            .name(&format!("ringkv-shard-{i}"))
            .io_memory(io_memory)
            .preempt_timer(Duration::from_millis(10));
        let t = builder
            .spawn(move || async move { executor_main(i, shared, req, resp).await })
            .map_err(|e| StartError::Failed(format!("cannot start executor {i}: {e}")))?;
        threads.push(t);
    }
    // Wait until every executor is listening (or one failed).
    let began = std::time::Instant::now();
    loop {
        if began.elapsed() > START_TIMEOUT && shared.loading.load(Ordering::Acquire) == 0 {
            shared.request_shutdown();
            for t in threads {
                let _ = t.join();
            }
            return Err(StartError::Stalled);
        }
        if let Ok(errs) = shared.errors.lock() {
            if let Some(e) = errs.first() {
                shared.request_shutdown();
                let e = e.clone();
                drop(errs);
                for t in threads {
                    let _ = t.join();
                }
                return Err(StartError::Failed(e));
            }
        }
        if shared.ready.load(Ordering::Acquire) == nshards {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let port = shared.port.load(Ordering::Acquire);
    Ok(ServerHandle {
        port,
        shared,
        threads,
    })
}

fn report_error(shared: &Shared, e: String) {
    tracing::error!("{e}");
    if let Ok(mut errs) = shared.errors.lock() {
        errs.push(e);
    }
}

/// Waits (without blocking the executor) until `counter` reaches `n` or shutdown.
async fn barrier(shared: &Shared, counter: &AtomicUsize, n: usize) -> bool {
    while counter.load(Ordering::Acquire) < n {
        if shared.is_shutting_down() {
            return false;
        }
        glommio::timer::sleep(Duration::from_millis(1)).await;
    }
    true
}

async fn executor_main(
    id: usize,
    shared: Arc<Shared>,
    req_ends: Option<mesh::MeshEnds<Request>>,
    resp_ends: Option<mesh::MeshEnds<Response>>,
) {
    let nshards = shared.nshards;
    let (req_tx, req_rx, resp_tx, resp_rx) = match (req_ends, resp_ends) {
        (Some(req), Some(resp)) => {
            // glommio wakes an executor waiting for a peer's channel
            // connection only when its reactor polls; a ticking timer keeps
            // it polling until every channel is connected.
            // A start-up that is abandoned (see `start`) must not leave this
            // executor waiting forever: race the connection with the flag.
            let connected = futures_lite::future::or(
                async {
                    let (req_tx, req_rx) = mesh::connect(req).await;
                    let (resp_tx, resp_rx) = mesh::connect(resp).await;
                    Some((req_tx, req_rx, resp_tx, resp_rx))
                },
                async {
                    while !shared.is_shutting_down() {
                        glommio::timer::sleep(Duration::from_millis(1)).await;
                    }
                    None
                },
            )
            .await;
            match connected {
                Some((a, b, c, d)) => (Some(a), Some(b), Some(c), Some(d)),
                None => return,
            }
        }
        _ => (None, None, None, None),
    };
    tracing::debug!(shard = id, "joined the mesh");
    let config = shared.config.load();
    let mut shard = Shard::new(id, nshards, config.databases, now_ms());
    shard.limits = crate::shard::Limits::from_config(&config);
    let worker = Rc::new(Worker::new(id, nshards, shard, shared.clone(), req_tx));
    worker.set_self();
    let mut mesh_tasks = Vec::new();
    if let (Some(req_rx), Some(resp_tx), Some(resp_rx)) = (req_rx, resp_tx, resp_rx) {
        let resp_tx = Rc::new(resp_tx);
        worker.set_responder(resp_tx.clone());
        mesh_tasks.push(glommio::spawn_local(mesh::serve_requests(
            worker.clone(),
            req_rx,
            resp_tx,
        )));
        mesh_tasks.push(glommio::spawn_local(mesh::serve_responses(
            worker.clone(),
            resp_rx,
        )));
    }

    let mut ok = true;
    // Executor 0 binds first (port 0 picks a port); the others bind the port it got.
    let mut listeners = Vec::new();
    if id != 0 && !barrier(&shared, &shared.bound, 1).await {
        ok = false;
    }
    let accepts_here = config.conn_shards == 0 || id < config.conn_shards;
    if ok && accepts_here {
        let port = if id == 0 {
            config.port
        } else {
            shared.port.load(Ordering::Acquire)
        };
        match bind_addrs(&config, port) {
            Ok(addrs) => {
                let mut port = port;
                for (k, mut a) in addrs.into_iter().enumerate() {
                    if k > 0 {
                        a.set_port(port);
                    }
                    match listen(a) {
                        Ok(l) => {
                            if k == 0 {
                                port = l.local_addr().map(|a| a.port()).unwrap_or(port);
                                if id == 0 {
                                    shared.port.store(port, Ordering::Release);
                                    // CONFIG GET port shows the port in use (port 0 picked one).
                                    shared.config.update(|c| c.port = port);
                                }
                            }
                            listeners.push(l);
                        }
                        Err(e) => {
                            report_error(
                                &shared,
                                format!("Could not create server TCP listening socket {a}: {e}"),
                            );
                            ok = false;
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                report_error(&shared, e);
                ok = false;
            }
        }
    }
    if id == 0 {
        shared.bound.store(1, Ordering::Release);
    }
    tracing::debug!(shard = id, ok, "bound");
    let stop = Notify::new();
    // Clients may connect while the files load: they get -LOADING for
    // everything but the commands Redis allows then (INFO, CONFIG ...).
    let mut accepts = Vec::new();
    if ok {
        for l in listeners {
            accepts.push(glommio::spawn_local(accept_loop(
                worker.clone(),
                l,
                stop.clone(),
            )));
        }
    }
    // Load this shard's append-only file (in steps, serving between them).
    let mut aof_file = None;
    if let Some(p) = &shared.aof {
        if ok {
            match crate::aof::writer::load(&worker, p).await {
                Ok(f) => aof_file = Some(f),
                Err(e) => {
                    report_error(&shared, e);
                    ok = false;
                }
            }
        }
        shared.loading.fetch_sub(1, Ordering::AcqRel);
    }
    let aof_stop = Notify::new();
    let flusher = aof_file.map(|f| {
        glommio::spawn_local(crate::aof::writer::flusher(
            worker.clone(),
            f,
            aof_stop.clone(),
        ))
    });
    if ok {
        shared.ready.fetch_add(1, Ordering::AcqRel);
        let housekeeping = glommio::spawn_local(housekeeping(worker.clone(), stop.clone()));
        housekeeping.await;
        for a in accepts {
            a.await;
        }
        // Close every client and give the connection tasks a moment to end.
        let ids: Vec<u64> = worker.clients.borrow().clients.keys().copied().collect();
        for cid in ids {
            worker.clients.borrow().kill(cid);
        }
        for _ in 0..1000 {
            if worker.clients.borrow().clients.is_empty() {
                break;
            }
            glommio::timer::sleep(Duration::from_millis(1)).await;
        }
    } else {
        stop.notify();
        for a in accepts {
            a.await;
        }
    }
    // Everything logged reaches the disk before the executor ends
    // (SHUTDOWN, SIGTERM).
    aof_stop.notify();
    if let Some(f) = flusher {
        f.await;
    }
    worker.close_mesh();
    tracing::debug!(shard = id, "waiting for mesh tasks");
    // Peers close their senders as they stop; do not wait forever for one
    // that is stuck (the process is going away or the server is abandoned).
    let drained = futures_lite::future::or(
        async {
            for t in mesh_tasks {
                t.await;
            }
            true
        },
        async {
            glommio::timer::sleep(Duration::from_secs(2)).await;
            false
        },
    )
    .await;
    if !drained {
        tracing::warn!(shard = id, "peers did not close the mesh in time");
    }
    tracing::debug!(shard = id, "executor done");
}

/// Accepts connections until shutdown.
async fn accept_loop(worker: Rc<Worker>, listener: TcpListener, stop: Notify) {
    loop {
        let accepted = futures_lite::future::or(async { Some(listener.accept().await) }, async {
            stop.wait().await;
            None
        })
        .await;
        let Some(accepted) = accepted else { break };
        let mut stream = match accepted {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                glommio::timer::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let shared = &worker.shared;
        let config = shared.config.load();
        // Redis's protected mode: no password and listening beyond loopback →
        // refuse non-loopback clients with Redis's message.
        if config.protected_mode && config.requirepass.is_none() {
            let peer_loopback = stream
                .peer_addr()
                .map(|a| a.ip().is_loopback())
                .unwrap_or(true);
            if !peer_loopback {
                let _ = stream.write_all(PROTECTED_MODE_MSG.as_bytes()).await;
                let _ = stream.close().await;
                continue;
            }
        }
        if shared.connected.load(Ordering::Relaxed) >= config.maxclients {
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n")
                .await;
            let _ = stream.close().await;
            worker.stats.rejected.set(worker.stats.rejected.get() + 1);
            continue;
        }
        shared.connected.fetch_add(1, Ordering::Relaxed);
        let w = worker.clone();
        glommio::spawn_local(async move {
            crate::conn::serve(w.clone(), stream).await;
            w.shared.connected.fetch_sub(1, Ordering::Relaxed);
        })
        .detach();
    }
}

/// Active expiry and shutdown watch. Sleeps until the next key is due (or
/// 1/hz s when none is), expires with a budget per turn so a mass expiry
/// never stalls the shard.
async fn housekeeping(worker: Rc<Worker>, stop: Notify) {
    const BUDGET_KEYS: usize = 500;
    loop {
        if worker.shared.is_shutting_down() {
            stop.notify();
            return;
        }
        let hz = worker.shared.config.load().hz.clamp(1, 500) as u64;
        let now = now_ms();
        let more = worker.shard.borrow_mut().expire_cycle(now, BUDGET_KEYS);
        if more {
            glommio::yield_if_needed().await;
            glommio::executor().yield_task_queue_now().await;
            continue;
        }
        let idle = 1000 / hz;
        let next = worker.shard.borrow().next_expiry();
        let wait = match next {
            Some(t) if t > now => (t - now).min(idle),
            Some(_) => 1,
            None => idle,
        };
        glommio::timer::sleep(Duration::from_millis(wait.max(1))).await;
    }
}

/// A one-shot, executor-local notification.
#[derive(Clone)]
pub struct Notify {
    inner: Rc<RefCell<(bool, Vec<Waker>)>>,
}

impl Notify {
    pub fn new() -> Notify {
        Notify {
            inner: Rc::new(RefCell::new((false, Vec::new()))),
        }
    }

    pub fn notify(&self) {
        let mut g = self.inner.borrow_mut();
        g.0 = true;
        for w in g.1.drain(..) {
            w.wake();
        }
    }

    /// Whether `notify` was called.
    pub fn is_notified(&self) -> bool {
        self.inner.borrow().0
    }

    /// Wakes `w` at the next `notify` (for hand-written futures).
    pub fn register(&self, w: &Waker) {
        let mut g = self.inner.borrow_mut();
        if !g.1.iter().any(|x| x.will_wake(w)) {
            g.1.push(w.clone());
        }
    }

    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            let mut g = self.inner.borrow_mut();
            if g.0 {
                std::task::Poll::Ready(())
            } else {
                g.1.push(cx.waker().clone());
                std::task::Poll::Pending
            }
        })
        .await
    }
}

impl Default for Notify {
    fn default() -> Self {
        Self::new()
    }
}

/// Redis's protected-mode refusal, sent as is.
pub const PROTECTED_MODE_MSG: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Runs the server until SIGINT/SIGTERM or SHUTDOWN (the binary's main).
pub fn run(config: Config) -> Result<(), String> {
    install_signal_handlers();
    let handle = start(config)?;
    tracing::info!(
        port = handle.port,
        shards = handle.shared.nshards,
        "Ready to accept connections"
    );
    while !handle.stopping() {
        if SIGNALED.load(Ordering::Relaxed) {
            tracing::info!("Received signal, shutting down");
            handle.shared.request_shutdown();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    handle.wait();
    tracing::info!("ringkv is now ready to exit, bye bye...");
    Ok(())
}

static SIGNALED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    SIGNALED.store(true, Ordering::Relaxed);
}

fn install_signal_handlers() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}
