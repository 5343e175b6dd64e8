//! One client connection: read → parse → route → encode → write. No command
//! logic here.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::BytesMut;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;

use crate::error::Error;
use crate::mesh::Worker;
use crate::resp::{encode, ParseLimits, Parser, Reply};
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
    let mut cmds = Vec::new();
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
            let mut limits = ParseLimits {
                max_bulk_len: max_bulk,
                authenticated: s.authenticated,
                ..ParseLimits::default()
            };
            let mut fatal: Option<Error> = None;
            loop {
                match parser.next(&mut rbuf, &limits) {
                    Ok(Some(argv)) => {
                        cmds.push(argv);
                        // Until authenticated, run commands one at a time:
                        // AUTH changes what the parser accepts next.
                        if !s.authenticated {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        fatal = Some(e);
                        break;
                    }
                }
                limits.authenticated = s.authenticated;
            }
            if cmds.is_empty() && fatal.is_none() {
                break;
            }
            if !cmds.is_empty() {
                let batch = std::mem::take(&mut cmds);
                let replies = router::execute_batch(s, batch).await;
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
