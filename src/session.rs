//! Per-connection state (`Session`) and the executor's registry of its
//! connections (for CLIENT LIST / KILL and shutdown).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;

use crate::config::Config;
use crate::mesh::Worker;
use crate::resp::Protocol;

/// What CLIENT LIST / INFO show about a connection. Shared between the
/// connection's `Session` and its executor's registry.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub fd: i32,
    pub name: Option<Bytes>,
    pub db: usize,
    pub created_ms: u64,
    pub last_ms: u64,
    pub last_cmd: &'static str,
    pub lib_name: Option<Bytes>,
    pub lib_ver: Option<Bytes>,
    pub resp: u8,
    pub multi: i64,
    pub qbuf: usize,
    pub omem: usize,
    /// Set by CLIENT KILL; the connection closes at its next turn.
    pub killed: bool,
    /// Waiting in a blocking command (CLIENT LIST flag `b`).
    pub blocked: bool,
    /// Why a blocked client should stop waiting (CLIENT UNBLOCK, disconnect).
    pub unblock: Option<Unblock>,
    /// Wakes the blocked wait.
    pub block_waker: Option<std::task::Waker>,
}

/// How a blocked client is told to stop waiting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unblock {
    /// CLIENT UNBLOCK [TIMEOUT]: as if the timeout passed.
    Timeout,
    /// CLIENT UNBLOCK ERROR: an -UNBLOCKED error.
    Error,
    /// The connection closed.
    Closed,
}

impl ClientInfo {
    /// Ends a blocked wait; false if the client is not blocked.
    pub fn unblock(&mut self, why: Unblock) -> bool {
        if !self.blocked {
            return false;
        }
        self.unblock = Some(why);
        if let Some(w) = self.block_waker.take() {
            w.wake();
        }
        true
    }
}

impl ClientInfo {
    /// One line of CLIENT LIST / CLIENT INFO, in Redis 7.2's field order.
    pub fn line(&self, now_ms: u64) -> String {
        let name = |b: &Option<Bytes>| {
            b.as_ref()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default()
        };
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name(&self.name),
            now_ms.saturating_sub(self.created_ms) / 1000,
            now_ms.saturating_sub(self.last_ms) / 1000,
            if self.blocked { "b" } else { "N" },
            self.db,
            self.multi,
            self.qbuf,
            16384usize.saturating_sub(self.qbuf),
            self.omem,
            16384 + self.qbuf + self.omem,
            if self.last_cmd.is_empty() { "NULL" } else { self.last_cmd },
            self.resp,
            name(&self.lib_name),
            name(&self.lib_ver),
        )
    }
}

/// The connections an executor serves, by client id.
#[derive(Default)]
pub struct ClientRegistry {
    pub clients: hashbrown::HashMap<u64, Rc<RefCell<ClientInfo>>>,
}

impl ClientRegistry {
    /// Closes the socket of a client (CLIENT KILL, shutdown): its pending
    /// read ends and the connection task finishes by itself.
    pub fn kill(&self, id: u64) -> bool {
        match self.clients.get(&id) {
            Some(c) => {
                let mut c = c.borrow_mut();
                c.killed = true;
                // SAFETY: shutdown(2) on a descriptor we registered; if the
                // connection already closed it, the call fails harmlessly (EBADF/ENOTCONN)
                // — the registry entry is removed before the fd is closed.
                unsafe {
                    libc::shutdown(c.fd, libc::SHUT_RDWR);
                }
                true
            }
            None => false,
        }
    }
}

/// One client connection's state.
/// A MULTI block being queued.
#[derive(Default)]
pub struct Multi {
    pub cmds: Vec<Vec<Bytes>>,
    /// A command failed to queue: EXEC answers EXECABORT.
    pub failed: bool,
}

pub struct Session {
    pub worker: Rc<Worker>,
    pub info: Rc<RefCell<ClientInfo>>,
    pub id: u64,
    pub db: usize,
    pub proto: Protocol,
    pub authenticated: bool,
    /// Set by QUIT (and fatal errors): close after writing the replies.
    pub closing: bool,
    /// Inside MULTI: the queued commands.
    pub multi: Option<Multi>,
    /// Keys this client WATCHes, (db, key), and its dirty flag (set by any
    /// shard when one of them changes).
    pub watching: Vec<(usize, Bytes)>,
    pub watch_dirty: Arc<std::sync::atomic::AtomicBool>,
    /// While EXEC runs its block: the transaction holding the block's
    /// intents (0 otherwise). Coordinating commands (`Exec::Async`) run
    /// their shard work under it instead of taking intents of their own.
    pub exec_tx: crate::shard::locks::TxId,
    config: Arc<Config>,
    config_gen: u64,
}

impl Session {
    /// Takes the client's watched keys and gives it a fresh dirty flag
    /// (shards may still set the old one until they process the unwatch).
    pub fn take_watches(&mut self) -> Vec<(usize, Bytes)> {
        self.watch_dirty = Default::default();
        std::mem::take(&mut self.watching)
    }

    /// Forgets the client's watched keys on every shard, in the background
    /// (RESET, disconnect): nothing waits for it.
    pub fn drop_watches(&mut self) {
        let keys = self.take_watches();
        if !keys.is_empty() {
            glommio::spawn_local(unwatch(self.worker.clone(), self.id, keys)).detach();
        }
    }

    pub fn new(worker: Rc<Worker>, info: Rc<RefCell<ClientInfo>>) -> Session {
        let shared = worker.shared.clone();
        let config = shared.config.load();
        let config_gen = shared.config.generation();
        let id = info.borrow().id;
        Session {
            worker,
            info,
            id,
            db: 0,
            proto: Protocol::Resp2,
            authenticated: config.requirepass.is_none(),
            closing: false,
            multi: None,
            watching: Vec::new(),
            watch_dirty: Default::default(),
            exec_tx: 0,
            config,
            config_gen,
        }
    }

    /// The current configuration; reloaded only when CONFIG SET changed it
    /// (one relaxed atomic load on the hot path, no lock).
    #[inline]
    pub fn config(&mut self) -> &Arc<Config> {
        let shared = &self.worker.shared.config;
        let g = shared.generation();
        if g != self.config_gen {
            self.config = shared.load();
            self.config_gen = g;
        }
        &self.config
    }

    /// Number of databases.
    pub fn databases(&mut self) -> usize {
        self.config().databases
    }
}

/// Removes `client`'s watches of `keys` on their shards.
pub async fn unwatch(w: Rc<Worker>, client: u64, keys: Vec<(usize, Bytes)>) {
    let mut per: Vec<Vec<(usize, Bytes)>> = vec![Vec::new(); w.nshards];
    for (db, k) in keys {
        per[crate::slot::shard_of(&k, w.nshards)].push((db, k));
    }
    let calls: Vec<_> = per
        .into_iter()
        .enumerate()
        .filter(|(_, keys)| !keys.is_empty())
        .map(|(shard, keys)| {
            w.run_on(shard, 0, move |ctx: &mut crate::shard::Ctx| {
                ctx.shard.watch.unwatch(client, &keys);
            })
        })
        .collect();
    crate::mesh::join_all(calls).await;
}
