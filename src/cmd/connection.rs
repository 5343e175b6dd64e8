//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT.

use bytes::Bytes;

use super::args::{self, is, text};
use super::server::gather;
use super::table::{flags::*, CommandSpec, KeySpec, LocalFut};
use super::{async_fn, session};
use crate::error::Error;
use crate::mesh::Worker;
use crate::resp::{Protocol, Reply};
use crate::session::{Session, Unblock};
use crate::shard::now_ms;

/// The version HELLO and INFO report: ringkv speaks Redis 7.2's protocol.
pub const REDIS_VERSION: &str = "7.2.4";

const CONN: u32 = NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, FAST, KeySpec::None, session(ping))
        .doc(
            "connection",
            "1.0.0",
            "Returns the server's liveliness response.",
            "[message]",
        )
        .complexity("O(1)"),
    CommandSpec::new(
        "echo",
        2,
        LOADING | STALE | FAST,
        KeySpec::None,
        session(echo),
    )
    .doc(
        "connection",
        "1.0.0",
        "Returns the given string.",
        "message",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "quit",
        -1,
        CONN | ALLOW_BUSY | NO_AUTH | FAST | TX_CONTROL,
        KeySpec::None,
        session(quit),
    )
    .doc("connection", "1.0.0", "Closes the connection.", "")
    .complexity("O(1)"),
    CommandSpec::new(
        "select",
        2,
        LOADING | STALE | FAST | SELECTS_DB,
        KeySpec::None,
        session(select),
    )
    .doc(
        "connection",
        "1.0.0",
        "Changes the selected database.",
        "index",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "auth",
        -2,
        CONN | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpec::None,
        session(auth),
    )
    .doc(
        "connection",
        "1.0.0",
        "Authenticates the connection.",
        "[username] password",
    )
    .complexity("O(N) where N is the number of passwords defined for the user"),
    CommandSpec::new(
        "hello",
        -1,
        CONN | FAST | NO_AUTH | ALLOW_BUSY,
        KeySpec::None,
        session(hello),
    )
    .doc(
        "connection",
        "6.0.0",
        "Handshakes with the Redis server.",
        "[protover [AUTH username password] [SETNAME clientname]]",
    )
    .complexity("O(1)"),
    CommandSpec::new(
        "reset",
        1,
        CONN | FAST | NO_AUTH | ALLOW_BUSY | TX_CONTROL,
        KeySpec::None,
        session(reset),
    )
    .doc("connection", "6.2.0", "Resets the connection.", "")
    .complexity("O(1)"),
    CommandSpec::new("client", -2, 0, KeySpec::None, session(client_help))
        .doc(
            "connection",
            "2.4.0",
            "A container for client connection commands.",
            "",
        )
        .complexity("Depends on subcommand.")
        .subs(&CLIENT_SUBS),
];

static CLIENT_SUBS: [CommandSpec; 13] = [
    CommandSpec::new("client|id", 2, CONN, KeySpec::None, session(client_id))
        .doc("connection", "5.0.0", "Returns the unique client ID of the connection.", "")
        .complexity("O(1)"),
    CommandSpec::new("client|setname", 3, CONN, KeySpec::None, session(client_setname))
        .doc("connection", "2.6.9", "Sets the connection name.", "connection-name")
        .complexity("O(1)"),
    CommandSpec::new("client|getname", 2, CONN, KeySpec::None, session(client_getname))
        .doc("connection", "2.6.9", "Returns the name of the connection.", "")
        .complexity("O(1)"),
    CommandSpec::new("client|info", 2, CONN, KeySpec::None, session(client_info))
        .doc("connection", "6.2.0", "Returns information about the connection.", "")
        .complexity("O(1)"),
    CommandSpec::new("client|list", -2, ADMIN | CONN, KeySpec::None, async_fn(client_list))
        .doc(
            "connection",
            "2.4.0",
            "Lists open connections.",
            "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
        )
        .complexity("O(N) where N is the number of client connections"),
    CommandSpec::new("client|setinfo", 4, CONN, KeySpec::None, session(client_setinfo))
        .doc(
            "connection",
            "7.2.0",
            "Sets information specific to the client or connection.",
            "<LIB-NAME libname | LIB-VER libver>",
        )
        .complexity("O(1)"),
    CommandSpec::new("client|kill", -3, ADMIN | CONN, KeySpec::None, async_fn(client_kill))
        .doc(
            "connection",
            "2.4.0",
            "Terminates open connections.",
            "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] [[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] ...]>>",
        )
        .complexity("O(N) where N is the number of client connections"),
    CommandSpec::new("client|no-evict", 3, ADMIN | CONN, KeySpec::None, session(client_on_off))
        .doc("connection", "7.0.0", "Sets the client eviction mode of the connection.", "<ON | OFF>")
        .complexity("O(1)"),
    CommandSpec::new("client|no-touch", 3, CONN, KeySpec::None, session(client_on_off))
        .doc(
            "connection",
            "7.2.0",
            "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
            "<ON | OFF>",
        )
        .complexity("O(1)"),
    CommandSpec::new("client|reply", 3, CONN, KeySpec::None, session(client_reply))
        .doc("connection", "3.2.0", "Instructs the server whether to reply to commands.", "<ON | OFF | SKIP>")
        .complexity("O(1)"),
    CommandSpec::new("client|unpause", 2, ADMIN | CONN, KeySpec::None, session(client_unpause))
        .doc("connection", "6.2.0", "Resumes processing commands from paused clients.", "")
        .complexity("O(N) Where N is the number of paused clients"),
    CommandSpec::new("client|unblock", -3, ADMIN | CONN, KeySpec::None, async_fn(client_unblock))
        .doc("connection", "5.0.0", "Unblocks a client blocked by a blocking command from a different connection.", "client-id [TIMEOUT | ERROR]")
        .complexity("O(log N) where N is the number of client connections"),
    CommandSpec::new("client|help", 2, LOADING | STALE, KeySpec::None, session(client_help))
        .doc("connection", "5.0.0", "Returns helpful text about the different subcommands.", "")
        .complexity("O(1)"),
];

/// A HELP reply as Redis builds it: a header, the lines, then HELP itself.
pub fn help_reply(name: &str, lines: &[&str]) -> Reply {
    let mut out = Vec::with_capacity(lines.len() + 3);
    out.push(Reply::Status(Bytes::from(format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ))));
    out.extend(
        lines
            .iter()
            .map(|l| Reply::Status(Bytes::copy_from_slice(l.as_bytes()))),
    );
    out.push(Reply::status("HELP"));
    out.push(Reply::status("    Prints this help."));
    Reply::Array(out)
}

fn ping(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    // Outside a subscribed context both protocols answer the same way:
    // +PONG, or the message as a bulk string.
    match argv.len() {
        1 => Ok(Reply::status("PONG")),
        2 => Ok(Reply::Bulk(argv[1].clone())),
        _ => Err(Error::wrong_arity(&argv[0])),
    }
}

fn echo(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Bulk(argv[1].clone()))
}

fn quit(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    s.closing = true;
    Ok(Reply::Ok)
}

fn select(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let n = s.databases();
    s.db = args::db_index(&argv[1], n)?;
    s.info.borrow_mut().db = s.db;
    Ok(Reply::Ok)
}

/// Compares without an early exit, so timing does not reveal how much of
/// a guessed password was right.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether `user`/`pass` authenticate. Only the `default` user exists; with
/// no `requirepass` it has no password (Redis's `nopass`): any password works.
fn credentials_ok(s: &mut Session, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &s.config().requirepass {
        None => true,
        Some(p) => same_secret(p.as_bytes(), pass),
    }
}

fn auth(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if argv.len() > 3 {
        return Err(Error::Syntax);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        // The one-argument form is an error when there is no password, as in Redis.
        if s.config().requirepass.is_none() {
            return Err(Error::AuthNotConfigured);
        }
        (b"default", &argv[1])
    } else {
        (&argv[1], &argv[2])
    };
    if credentials_ok(s, user, pass) {
        s.authenticated = true;
        Ok(Reply::Ok)
    } else {
        Err(Error::WrongPass)
    }
}

/// Redis's rule for client names and library attributes: printable ASCII, no spaces.
fn valid_attr(b: &[u8]) -> bool {
    b.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn client_name_error() -> Error {
    Error::err("Client names cannot contain spaces, newlines or special characters.")
}

fn set_name(s: &mut Session, name: &Bytes) {
    s.info.borrow_mut().name = if name.is_empty() {
        None
    } else {
        Some(name.clone())
    };
}

fn set_proto(s: &mut Session, v: u8) {
    s.proto = if v == 3 {
        Protocol::Resp3
    } else {
        Protocol::Resp2
    };
    s.info.borrow_mut().resp = v;
}

fn hello(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let mut ver = None;
    let mut j = 1;
    if argv.len() >= 2 {
        let v = crate::num::parse_i64(&argv[1])
            .ok_or_else(|| Error::err("Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(Error::msg("NOPROTO unsupported protocol version"));
        }
        ver = Some(v as u8);
        j = 2;
    }
    let mut creds = None;
    let mut name = None;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(&argv[j], "AUTH") && more >= 2 {
            creds = Some((argv[j + 1].clone(), argv[j + 2].clone()));
            j += 3;
        } else if is(&argv[j], "SETNAME") && more >= 1 {
            if !valid_attr(&argv[j + 1]) {
                return Err(client_name_error());
            }
            name = Some(argv[j + 1].clone());
            j += 2;
        } else {
            return Err(Error::err(format!(
                "Syntax error in HELLO option '{}'",
                text(&argv[j])
            )));
        }
    }
    if let Some((user, pass)) = creds {
        if !credentials_ok(s, &user, &pass) {
            return Err(Error::WrongPass);
        }
        s.authenticated = true;
    }
    if !s.authenticated {
        return Err(Error::msg(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(n) = name {
        set_name(s, &n);
    }
    if let Some(v) = ver {
        set_proto(s, v);
    }
    let proto = if s.proto == Protocol::Resp3 { 3 } else { 2 };
    Ok(Reply::Map(vec![
        (Reply::bulk_static("server"), Reply::bulk_static("redis")),
        (
            Reply::bulk_static("version"),
            Reply::bulk_static(REDIS_VERSION),
        ),
        (Reply::bulk_static("proto"), Reply::Int(proto)),
        (Reply::bulk_static("id"), Reply::Int(s.id as i64)),
        (Reply::bulk_static("mode"), Reply::bulk_static("standalone")),
        (Reply::bulk_static("role"), Reply::bulk_static("master")),
        (Reply::bulk_static("modules"), Reply::Array(Vec::new())),
    ]))
}

fn reset(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    // Redis's clearClientConnectionState: db 0, RESP2, no name, back to the
    // default user (authenticated only if it has no password). The library
    // name and version stay, as in Redis.
    s.multi = None;
    s.info.borrow_mut().multi = -1;
    s.drop_watches();
    s.db = 0;
    set_proto(s, 2);
    {
        let mut info = s.info.borrow_mut();
        info.db = 0;
        info.name = None;
    }
    s.authenticated = s.config().requirepass.is_none();
    Ok(Reply::status("RESET"))
}

fn client_id(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(Reply::Int(s.id as i64))
}

fn client_setname(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if !valid_attr(&argv[2]) {
        return Err(client_name_error());
    }
    set_name(s, &argv[2]);
    Ok(Reply::Ok)
}

fn client_getname(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(match &s.info.borrow().name {
        Some(n) => Reply::Bulk(n.clone()),
        None => Reply::Nil,
    })
}

fn client_info(s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    let mut line = s.info.borrow().line(now_ms());
    line.push('\n');
    Ok(Reply::Verbatim("txt", Bytes::from(line)))
}

fn client_setinfo(s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    let attr = &argv[2];
    let val = &argv[3];
    let lib_name = if is(attr, "lib-name") {
        true
    } else if is(attr, "lib-ver") {
        false
    } else {
        return Err(Error::err(format!("Unrecognized option '{}'", text(attr))));
    };
    if !valid_attr(val) {
        return Err(Error::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            text(attr)
        )));
    }
    let v = if val.is_empty() {
        None
    } else {
        Some(val.clone())
    };
    let mut info = s.info.borrow_mut();
    if lib_name {
        info.lib_name = v;
    } else {
        info.lib_ver = v;
    }
    Ok(Reply::Ok)
}

/// CLIENT NO-EVICT and NO-TOUCH: accepted; ringkv evicts no clients and
/// keeps no per-client LRU policy yet, so both modes are no-ops.
fn client_on_off(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if is(&argv[2], "on") || is(&argv[2], "off") {
        Ok(Reply::Ok)
    } else {
        Err(Error::Syntax)
    }
}

fn client_reply(_s: &mut Session, argv: &[Bytes]) -> Result<Reply, Error> {
    if is(&argv[2], "on") {
        Ok(Reply::Ok)
    } else if is(&argv[2], "off") || is(&argv[2], "skip") {
        // Suppressing replies needs the connection loop's cooperation (see docs).
        Err(Error::err("CLIENT REPLY OFF and SKIP are not supported"))
    } else {
        Err(Error::Syntax)
    }
}

fn client_unpause(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    // CLIENT PAUSE does not exist here, so there is never a pause to end.
    Ok(Reply::Ok)
}

fn client_help(_s: &mut Session, _argv: &[Bytes]) -> Result<Reply, Error> {
    Ok(help_reply("CLIENT", CLIENT_HELP))
}

const CLIENT_HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
];

/// Client types as CLIENT LIST / KILL name them. Every ringkv client is a
/// normal one (no replication or pub/sub connections yet).
#[derive(Clone, Copy, PartialEq)]
enum ClientType {
    Normal,
    Other,
}

fn client_type(b: &Bytes) -> Result<ClientType, Error> {
    if is(b, "normal") {
        Ok(ClientType::Normal)
    } else if is(b, "master") || is(b, "replica") || is(b, "slave") || is(b, "pubsub") {
        Ok(ClientType::Other)
    } else {
        Err(Error::err(format!("Unknown client type '{}'", text(b))))
    }
}

/// Every client of every executor as (id, CLIENT LIST line), by id.
async fn all_clients(worker: &Worker) -> Vec<(u64, String)> {
    let now = now_ms();
    let mut out: Vec<(u64, String)> = gather(worker, || {
        move |w: &Worker| {
            let reg = w.clients.borrow();
            reg.clients
                .values()
                .map(|c| {
                    let c = c.borrow();
                    (c.id, c.line(now))
                })
                .collect::<Vec<_>>()
        }
    })
    .await
    .into_iter()
    .flatten()
    .collect();
    out.sort_unstable_by_key(|(id, _)| *id);
    out
}

fn client_list(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        // Redis accepts exactly one filter: TYPE t, or ID id [id ...].
        let mut ids: Option<Vec<u64>> = None;
        let mut typ = ClientType::Normal;
        if argv.len() == 4 && is(&argv[2], "type") {
            match client_type(&argv[3]) {
                Ok(t) => typ = t,
                Err(e) => return e.into(),
            }
        } else if argv.len() > 3 && is(&argv[2], "id") {
            let mut v = Vec::with_capacity(argv.len() - 3);
            for a in &argv[3..] {
                match crate::num::parse_i64(a) {
                    Some(n) => v.push(n.max(0) as u64),
                    None => return Error::err("Invalid client ID").into(),
                }
            }
            ids = Some(v);
        } else if argv.len() != 2 {
            return Error::Syntax.into();
        }
        let clients = if typ == ClientType::Normal {
            all_clients(&s.worker).await
        } else {
            Vec::new()
        };
        let mut out = String::new();
        match ids {
            // In the order asked, as Redis does.
            Some(ids) => {
                for id in ids {
                    if let Ok(k) = clients.binary_search_by_key(&id, |(i, _)| *i) {
                        out.push_str(&clients[k].1);
                        out.push('\n');
                    }
                }
            }
            None => {
                for (_, line) in &clients {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        Reply::Verbatim("txt", Bytes::from(out))
    })
}

/// CLIENT KILL's filters (new form); all given ones must match.
#[derive(Clone, Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    other_type: bool,
    skip: Option<u64>,
}

fn parse_kill(s: &Session, argv: &[Bytes]) -> Result<KillFilter, Error> {
    let mut f = KillFilter::default();
    if argv.len() == 3 {
        // Old form: CLIENT KILL ip:port; a client may kill itself this way.
        f.addr = Some(argv[2].to_vec());
        return Ok(f);
    }
    let mut skipme = true;
    let mut i = 2;
    while i < argv.len() {
        let Some(v) = argv.get(i + 1) else {
            return Err(Error::Syntax);
        };
        let opt = &argv[i];
        if is(opt, "id") {
            match crate::num::parse_i64(v) {
                Some(n) if n >= 1 => f.id = Some(n as u64),
                _ => return Err(Error::err("client-id should be greater than 0")),
            }
        } else if is(opt, "type") {
            f.other_type = client_type(v)? == ClientType::Other;
        } else if is(opt, "addr") {
            f.addr = Some(v.to_vec());
        } else if is(opt, "laddr") {
            f.laddr = Some(v.to_vec());
        } else if is(opt, "user") {
            if &v[..] != b"default" {
                return Err(Error::err(format!("No such user '{}'", text(v))));
            }
        } else if is(opt, "skipme") {
            if is(v, "yes") {
                skipme = true;
            } else if is(v, "no") {
                skipme = false;
            } else {
                return Err(Error::Syntax);
            }
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    if skipme {
        f.skip = Some(s.id);
    }
    Ok(f)
}

fn client_kill(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        let filter = match parse_kill(s, &argv) {
            Ok(f) => f,
            Err(e) => return e.into(),
        };
        let me = s.id;
        // Each executor kills its own matching clients (closing their
        // sockets); this connection, if it matches, closes after the reply.
        let results = gather(&s.worker, || {
            let f = filter.clone();
            move |w: &Worker| {
                if f.other_type {
                    return (0u64, false);
                }
                let reg = w.clients.borrow();
                let matching: Vec<u64> = reg
                    .clients
                    .values()
                    .filter_map(|c| {
                        let c = c.borrow();
                        let ok = f.id.is_none_or(|id| id == c.id)
                            && f.addr.as_deref().is_none_or(|a| a == c.addr.as_bytes())
                            && f.laddr.as_deref().is_none_or(|a| a == c.laddr.as_bytes())
                            && f.skip != Some(c.id);
                        ok.then_some(c.id)
                    })
                    .collect();
                let mut killed_me = false;
                for &id in &matching {
                    if id == me {
                        killed_me = true;
                    } else {
                        reg.kill(id);
                    }
                }
                (matching.len() as u64, killed_me)
            }
        })
        .await;
        let killed: u64 = results.iter().map(|r| r.0).sum();
        if results.iter().any(|r| r.1) {
            s.closing = true;
        }
        if argv.len() == 3 {
            if killed == 0 {
                Error::err("No such client").into()
            } else {
                Reply::Ok
            }
        } else {
            Reply::Int(killed as i64)
        }
    })
}

fn client_unblock(s: &mut Session, argv: Vec<Bytes>) -> LocalFut<'_> {
    Box::pin(async move {
        if argv.len() > 4 {
            return Error::err(
                "unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
            )
            .into();
        }
        let Some(id) = crate::num::parse_i64(&argv[2]) else {
            return Error::NotInteger.into();
        };
        let why = match argv.get(3) {
            None => Unblock::Timeout,
            Some(r) if r.eq_ignore_ascii_case(b"timeout") => Unblock::Timeout,
            Some(r) if r.eq_ignore_ascii_case(b"error") => Unblock::Error,
            Some(_) => {
                return Error::err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR").into()
            }
        };
        // The client lives on one executor: each looks in its own registry.
        let id = id as u64;
        let found = gather(&s.worker, || {
            move |w: &Worker| {
                let reg = w.clients.borrow();
                reg.clients
                    .get(&id)
                    .is_some_and(|c| c.borrow_mut().unblock(why))
            }
        })
        .await;
        Reply::Int(found.into_iter().any(|f| f) as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_rules() {
        assert!(valid_attr(b"redis-py"));
        assert!(valid_attr(b""));
        assert!(!valid_attr(b"a b"));
        assert!(!valid_attr(b"a\nb"));
        assert!(!valid_attr("é".as_bytes()));
    }

    #[test]
    fn secret_compare() {
        assert!(same_secret(b"pw", b"pw"));
        assert!(!same_secret(b"pw", b"pW"));
        assert!(!same_secret(b"pw", b"pw2"));
    }

    #[test]
    fn help_layout() {
        let Reply::Array(v) = help_reply("X", &["A", "    a"]) else {
            panic!()
        };
        assert_eq!(v.len(), 5);
        assert_eq!(
            v[0],
            Reply::Status(Bytes::from_static(
                b"X <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
            ))
        );
        assert_eq!(v[4], Reply::status("    Prints this help."));
    }
}
