//! One client connection: read → parse → route → encode → write. No command
//! logic here.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::BytesMut;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::error::Error;
use crate::mesh::Worker;
use crate::resp::{encode, Commands, ParseLimits, Parser, Reply};
use crate::router;
use crate::session::{ClientInfo, Session};
use crate::shard::now_ms;

const READ_CHUNK: usize = 16 * 1024;

/// Serves one accepted connection until it closes.
pub async fn serve(worker: Rc<Worker>, mut stream: TcpStream) {
    use std::os::unix::io::AsRawFd;
    let _ = stream.set_nodelay(true);
    let id = worker.shared.next_client_id();
    let now = now_ms();
    let info = Rc::new(RefCell::new(ClientInfo {
        id,
        addr: stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        laddr: stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        fd: stream.as_raw_fd(),
        created_ms: now,
        last_ms: now,
        resp: 2,
        multi: -1,
        ..Default::default()
    }));
    worker.clients.borrow_mut().clients.insert(id, info.clone());
    worker
        .stats
        .connections
        .set(worker.stats.connections.get() + 1);
    let mut session = Session::new(worker.clone(), info.clone());
    let result = serve_loop(&mut session, &mut stream).await;
    if let Err(e) = result {
        tracing::debug!(client = id, "connection closed: {e}");
    }
    session.drop_watches();
    worker.clients.borrow_mut().clients.remove(&id);
    let _ = stream.close().await;
}

async fn serve_loop(s: &mut Session, stream: &mut TcpStream) -> std::io::Result<()> {
    let mut rbuf = BytesMut::with_capacity(READ_CHUNK);
    let mut scratch = vec![0u8; READ_CHUNK];
    let mut wbuf = BytesMut::with_capacity(READ_CHUNK);
    let mut parser = Parser::new();
    let mut cmds = Commands::default();
    // A blocking command parsed after others waits here: it runs alone,
    // after the replies before it went out.
    let mut held: Option<Vec<bytes::Bytes>> = None;
    loop {
        // Read what is there. Small reads land in a scratch buffer zeroed
        // once and are copied (a request is usually tens of bytes; zeroing a
        // fresh 16 KiB region per read cost more than the whole command).
        // A large announced bulk is read straight into the query buffer.
        let hint = parser.hint().min(64 * 1024 * 1024);
        let n = if hint > READ_CHUNK {
            let len = rbuf.len();
            rbuf.resize(len + hint, 0);
            let r = stream.read(&mut rbuf[len..]).await;
            let n = *r.as_ref().unwrap_or(&0);
            rbuf.truncate(len + n);
            r?
        } else {
            let n = stream.read(&mut scratch[..]).await?;
            rbuf.extend_from_slice(&scratch[..n]);
            n
        };
        if n == 0 || s.info.borrow().killed {
            return Ok(());
        }
        let w = &s.worker;
        w.stats.net_input.set(w.stats.net_input.get() + n as u64);
        let (limit, max_bulk) = {
            let c = s.config();
            (c.client_query_buffer_limit, c.proto_max_bulk_len)
        };
        if rbuf.len() > limit {
            tracing::warn!(
                client = s.id,
                "closing client that reached max query buffer length"
            );
            return Ok(());
        }
        // Parse every complete command; run them; one write for all replies.
        loop {
            if let Some(argv) = held.take() {
                if !wbuf.is_empty() {
                    crate::aof::writer::synced(&s.worker).await;
                    s.worker
                        .stats
                        .net_output
                        .set(s.worker.stats.net_output.get() + wbuf.len() as u64);
                    stream.write_all(&wbuf).await?;
                    wbuf.clear();
                }
                let replies = run_blocking(s, stream, &mut rbuf, &mut scratch, argv).await;
                for r in &replies {
                    encode(r, s.proto, &mut wbuf);
                }
                if s.closing {
                    break;
                }
                continue;
            }
            let mut limits = ParseLimits {
                max_bulk_len: max_bulk,
                authenticated: s.authenticated,
                ..ParseLimits::default()
            };
            let mut fatal: Option<Error> = None;
            loop {
                match parser.next_into(&mut rbuf, &limits, &mut cmds) {
                    Ok(true) => {
                        if cmds
                            .last()
                            .and_then(|a| a.first())
                            .is_some_and(|n| may_block(n))
                        {
                            held = cmds.pop();
                            break;
                        }
                        // Until authenticated, run commands one at a time:
                        // AUTH changes what the parser accepts next.
                        if !s.authenticated {
                            break;
                        }
                    }
                    Ok(false) => break,
                    Err(e) => {
                        fatal = Some(e);
                        break;
                    }
                }
                limits.authenticated = s.authenticated;
            }
            if cmds.is_empty() && fatal.is_none() {
                if held.is_some() {
                    continue;
                }
                break;
            }
            if !cmds.is_empty() {
                let replies = router::execute_batch(s, &mut cmds).await;
                // Before the next read: the arguments share the read buffer's
                // allocation, which can be reused only once they are gone.
                cmds.clear();
                let proto = s.proto;
                for r in &replies {
                    encode(r, proto, &mut wbuf);
                }
                let now = now_ms();
                let mut info = s.info.borrow_mut();
                info.last_ms = now;
                info.db = s.db;
            }
            if let Some(e) = fatal {
                encode(&Reply::Error(e), s.proto, &mut wbuf);
                s.closing = true;
            }
            if s.closing {
                break;
            }
        }
        if !wbuf.is_empty() {
            // Under `appendfsync always`, no reply before its write is on disk.
            crate::aof::writer::synced(&s.worker).await;
            let w = &s.worker;
            w.stats
                .net_output
                .set(w.stats.net_output.get() + wbuf.len() as u64);
            stream.write_all(&wbuf).await?;
            if wbuf.capacity() > 4 * 1024 * 1024 {
                wbuf = BytesMut::with_capacity(READ_CHUNK);
            } else {
                wbuf.clear();
            }
        }
        if s.closing {
            return Ok(());
        }
        if rbuf.is_empty() && rbuf.capacity() > 4 * 1024 * 1024 {
            rbuf = BytesMut::with_capacity(READ_CHUNK);
        }
    }
}

/// Whether a command name is one of the blocking commands (a cheap first
/// look before the table: most names fail on the first byte).
fn may_block(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 10] = [
        b"blpop",
        b"brpop",
        b"blmove",
        b"brpoplpush",
        b"blmpop",
        b"bzpopmin",
        b"bzpopmax",
        b"bzmpop",
        b"xread",
        b"xreadgroup",
    ];
    match name.first() {
        Some(b'b' | b'B' | b'x' | b'X') => NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)),
        _ => false,
    }
}

/// Runs one blocking command while still reading the socket: a client that
/// disconnects while blocked is unblocked (and forgotten by the shards);
/// what it sends meanwhile is kept for after the command.
async fn run_blocking(
    s: &mut Session,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    scratch: &mut [u8],
    argv: Vec<bytes::Bytes>,
) -> Vec<Reply> {
    enum Ev {
        Done(Vec<Reply>),
        Read(std::io::Result<usize>),
    }
    let info = s.info.clone();
    let limit = s.config().client_query_buffer_limit;
    let mut one = Commands::from(argv);
    let exec = router::execute_batch(s, &mut one);
    futures_lite::pin!(exec);
    let mut reading = true;
    loop {
        let ev = if reading && rbuf.len() < limit {
            let read = async { Ev::Read(stream.read(&mut scratch[..]).await) };
            let done = async { Ev::Done(exec.as_mut().await) };
            futures_lite::future::or(done, read).await
        } else {
            Ev::Done(exec.as_mut().await)
        };
        match ev {
            Ev::Done(r) => return r,
            Ev::Read(Ok(n)) if n > 0 => rbuf.extend_from_slice(&scratch[..n]),
            Ev::Read(_) => {
                reading = false;
                let mut i = info.borrow_mut();
                i.unblock(crate::session::Unblock::Closed);
                i.killed = true;
            }
        }
    }
}
