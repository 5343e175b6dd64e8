//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT.

mod common;
use common::*;

/// A bulk string reply's payload (a RESP2 bulk or RESP3 verbatim string).
fn bulk_text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    let body = s.split_once("\r\n").map(|(_, b)| b).unwrap_or("");
    let body = body.strip_suffix("\r\n").unwrap_or(body);
    body.strip_prefix("txt:").unwrap_or(body).to_string()
}

fn client_id(r: &mut Raw) -> u64 {
    r.cmd(&[b"CLIENT", b"ID"]);
    let reply = r.read_reply();
    String::from_utf8_lossy(&reply[1..reply.len() - 2])
        .parse()
        .expect("client id")
}

/// The HELLO map as Redis 7.2 encodes it, in RESP2 (flat) or RESP3.
fn hello_bytes(proto: u8, id: u64) -> Vec<u8> {
    let head = if proto == 3 {
        "%7\r\n".to_string()
    } else {
        "*14\r\n".to_string()
    };
    format!(
        "{head}$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.4\r\n$5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    )
    .into_bytes()
}

#[test]
fn ping_echo_select_quit() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
    r.roundtrip(&[b"ping", b"hello world"], b"$11\r\nhello world\r\n");
    r.roundtrip(
        &[b"PING", b"a", b"b"],
        b"-ERR wrong number of arguments for 'ping' command\r\n",
    );
    r.roundtrip(&[b"ECHO", b"x y"], b"$3\r\nx y\r\n");
    r.roundtrip(&[b"ECHO", b""], b"$0\r\n\r\n");
    r.roundtrip(
        &[b"ECHO"],
        b"-ERR wrong number of arguments for 'echo' command\r\n",
    );
    r.roundtrip(&[b"SELECT", b"15"], b"+OK\r\n");
    r.roundtrip(&[b"SELECT", b"16"], b"-ERR DB index is out of range\r\n");
    r.roundtrip(&[b"SELECT", b"-1"], b"-ERR DB index is out of range\r\n");
    r.roundtrip(
        &[b"SELECT", b"x"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    r.roundtrip(&[b"QUIT"], b"+OK\r\n");
    assert!(r.closed());
}

#[test]
fn select_shows_in_client_info() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"SELECT", b"5"], b"+OK\r\n");
    r.cmd(&[b"CLIENT", b"INFO"]);
    let info = bulk_text(&r.read_reply());
    assert!(info.contains(" db=5 "), "{info}");
}

#[test]
fn hello_replies_and_switches_protocol() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let id = client_id(&mut r);
    r.roundtrip(&[b"HELLO"], &hello_bytes(2, id));
    r.roundtrip(&[b"HELLO", b"2"], &hello_bytes(2, id));
    r.roundtrip(&[b"HELLO", b"3"], &hello_bytes(3, id));
    // Now in RESP3: maps stay maps.
    r.roundtrip(&[b"HELLO", b"3"], &hello_bytes(3, id));
    r.roundtrip(
        &[b"CONFIG", b"GET", b"maxclients"],
        b"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n",
    );
    r.roundtrip(&[b"GET", b"missing"], b"_\r\n");
    r.cmd(&[b"CLIENT", b"INFO"]);
    let info = bulk_text(&r.read_reply());
    assert!(info.contains(" resp=3 "), "{info}");
    r.roundtrip(&[b"HELLO", b"2"], &hello_bytes(2, id));
    r.roundtrip(
        &[b"CONFIG", b"GET", b"maxclients"],
        b"*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n",
    );
    r.roundtrip(&[b"GET", b"missing"], b"$-1\r\n");
}

#[test]
fn hello_errors_and_setname() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let id = client_id(&mut r);
    r.roundtrip(
        &[b"HELLO", b"4"],
        b"-NOPROTO unsupported protocol version\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"1"],
        b"-NOPROTO unsupported protocol version\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"abc"],
        b"-ERR Protocol version is not an integer or out of range\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"2", b"foo"],
        b"-ERR Syntax error in HELLO option 'foo'\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"2", b"AUTH", b"default"],
        b"-ERR Syntax error in HELLO option 'AUTH'\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"2", b"SETNAME"],
        b"-ERR Syntax error in HELLO option 'SETNAME'\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"3", b"SETNAME", b"a b"],
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    r.roundtrip(
        &[b"HELLO", b"2", b"AUTH", b"foo", b"bar"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    // No password configured: the default user accepts any password.
    r.roundtrip(
        &[b"HELLO", b"2", b"AUTH", b"default", b"x", b"SETNAME", b"me"],
        &hello_bytes(2, id),
    );
    r.roundtrip(&[b"CLIENT", b"GETNAME"], b"$2\r\nme\r\n");
}

#[test]
fn auth_without_password() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(
        &[b"AUTH", b"pw"],
        b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
    r.roundtrip(&[b"AUTH", b"default", b"anything"], b"+OK\r\n");
    r.roundtrip(
        &[b"AUTH", b"foo", b"bar"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(&[b"AUTH", b"a", b"b", b"c"], b"-ERR syntax error\r\n");
    r.roundtrip(
        &[b"AUTH"],
        b"-ERR wrong number of arguments for 'auth' command\r\n",
    );
}

#[test]
fn auth_with_requirepass() {
    let srv = TestServer::with(|c| c.requirepass = Some("pw".into()));
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"-NOAUTH Authentication required.\r\n");
    r.roundtrip(&[b"CLIENT", b"ID"], b"-NOAUTH Authentication required.\r\n");
    let noauth_hello: &[u8] = b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n";
    r.roundtrip(&[b"HELLO"], noauth_hello);
    r.roundtrip(&[b"HELLO", b"3"], noauth_hello);
    r.roundtrip(
        &[b"HELLO", b"3", b"AUTH", b"default", b"wrong"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(
        &[b"AUTH", b"wrong"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(
        &[b"AUTH", b"default", b"wrong"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(
        &[b"AUTH", b"other", b"pw"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(&[b"PING"], b"-NOAUTH Authentication required.\r\n");
    r.roundtrip(&[b"AUTH", b"pw"], b"+OK\r\n");
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
    // A wrong AUTH later does not log the client out.
    r.roundtrip(
        &[b"AUTH", b"nope"],
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
    let id = client_id(&mut r);
    // RESET logs out when a password is set.
    r.roundtrip(&[b"RESET"], b"+RESET\r\n");
    r.roundtrip(&[b"PING"], b"-NOAUTH Authentication required.\r\n");
    r.roundtrip(
        &[
            b"HELLO", b"3", b"AUTH", b"default", b"pw", b"SETNAME", b"foo",
        ],
        &hello_bytes(3, id),
    );
    r.roundtrip(&[b"CLIENT", b"GETNAME"], b"$3\r\nfoo\r\n");
    r.roundtrip(&[b"AUTH", b"default", b"pw"], b"+OK\r\n");
    r.roundtrip(&[b"QUIT"], b"+OK\r\n");
    assert!(r.closed());

    // Another connection is not authenticated by the first one.
    let mut r2 = srv.raw();
    r2.roundtrip(&[b"ECHO", b"x"], b"-NOAUTH Authentication required.\r\n");
    r2.roundtrip(&[b"AUTH", b"default", b"pw"], b"+OK\r\n");
    r2.roundtrip(&[b"ECHO", b"x"], b"$1\r\nx\r\n");
}

#[test]
fn reset_clears_connection_state() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"SELECT", b"2"], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"SETNAME", b"n1"], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"SETINFO", b"LIB-NAME", b"lib"], b"+OK\r\n");
    let id = client_id(&mut r);
    r.roundtrip(&[b"HELLO", b"3"], &hello_bytes(3, id));
    r.roundtrip(&[b"RESET"], b"+RESET\r\n");
    // Back to RESP2: a null bulk is $-1 again.
    r.roundtrip(&[b"CLIENT", b"GETNAME"], b"$-1\r\n");
    r.cmd(&[b"CLIENT", b"INFO"]);
    let info = bulk_text(&r.read_reply());
    assert!(info.contains(" name= "), "{info}");
    assert!(info.contains(" db=0 "), "{info}");
    assert!(info.contains(" resp=2 "), "{info}");
    assert!(info.contains(" lib-name=lib "), "{info}");
    r.roundtrip(
        &[b"RESET", b"x"],
        b"-ERR wrong number of arguments for 'reset' command\r\n",
    );
}

#[test]
fn client_names_and_info() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let id = client_id(&mut r);
    assert!(id > 0);
    r.roundtrip(&[b"CLIENT", b"GETNAME"], b"$-1\r\n");
    let bad: &[u8] =
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n";
    r.roundtrip(&[b"CLIENT", b"SETNAME", b"a b"], bad);
    r.roundtrip(&[b"CLIENT", b"SETNAME", b"a\nb"], bad);
    r.roundtrip(&[b"CLIENT", b"SETNAME", b"caf\xc3\xa9"], bad);
    r.roundtrip(&[b"CLIENT", b"SETNAME", b"worker-1"], b"+OK\r\n");
    r.roundtrip(&[b"client", b"getname"], b"$8\r\nworker-1\r\n");
    r.roundtrip(
        &[b"CLIENT", b"SETINFO", b"lib-name", b"redis-py"],
        b"+OK\r\n",
    );
    r.roundtrip(&[b"CLIENT", b"SETINFO", b"LIB-VER", b"5.0.1"], b"+OK\r\n");
    r.roundtrip(
        &[b"CLIENT", b"SETINFO", b"foo", b"bar"],
        b"-ERR Unrecognized option 'foo'\r\n",
    );
    r.roundtrip(
        &[b"CLIENT", b"SETINFO", b"lib-name", b"a b"],
        b"-ERR lib-name cannot contain spaces, newlines or special characters.\r\n",
    );
    r.roundtrip(
        &[b"CLIENT", b"SETINFO", b"lib-name"],
        b"-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    r.cmd(&[b"CLIENT", b"INFO"]);
    let info = bulk_text(&r.read_reply());
    assert!(
        info.starts_with(&format!("id={id} addr=127.0.0.1:")),
        "{info}"
    );
    assert!(info.contains(" name=worker-1 "), "{info}");
    assert!(info.contains(" cmd=client|info "), "{info}");
    assert!(
        info.ends_with(" resp=2 lib-name=redis-py lib-ver=5.0.1\n"),
        "{info}"
    );
    r.roundtrip(&[b"CLIENT", b"SETNAME", b""], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"GETNAME"], b"$-1\r\n");
    r.roundtrip(
        &[b"CLIENT", b"ID", b"x"],
        b"-ERR wrong number of arguments for 'client|id' command\r\n",
    );
}

#[test]
fn client_small_subcommands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"CLIENT", b"NO-EVICT", b"on"], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"NO-EVICT", b"OFF"], b"+OK\r\n");
    r.roundtrip(
        &[b"CLIENT", b"NO-EVICT", b"maybe"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(&[b"CLIENT", b"NO-TOUCH", b"on"], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"NO-TOUCH", b"x"], b"-ERR syntax error\r\n");
    r.roundtrip(&[b"CLIENT", b"REPLY", b"ON"], b"+OK\r\n");
    r.roundtrip(&[b"CLIENT", b"REPLY", b"maybe"], b"-ERR syntax error\r\n");
    r.roundtrip(&[b"CLIENT", b"UNPAUSE"], b"+OK\r\n");
    r.roundtrip(
        &[b"CLIENT", b"foo"],
        b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n",
    );
    r.roundtrip(
        &[b"CLIENT"],
        b"-ERR wrong number of arguments for 'client' command\r\n",
    );
    r.cmd(&[b"CLIENT", b"HELP"]);
    let help = String::from_utf8_lossy(&r.read_reply()).into_owned();
    assert!(help.starts_with("*54\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CACHING (YES|NO)\r\n"), "{help}");
    assert!(help.ends_with("+NO-TOUCH (ON|OFF)\r\n+    Will not touch LRU/LFU stats when this mode is on.\r\n+HELP\r\n+    Prints this help.\r\n"), "{help}");
}

/// Opens `n` authenticated-free connections, each named `prefix<i>`; returns them with their ids.
fn named_clients(srv: &TestServer, n: usize, prefix: &str) -> Vec<(Raw, u64)> {
    (0..n)
        .map(|i| {
            let mut r = srv.raw();
            r.roundtrip(
                &[b"CLIENT", b"SETNAME", format!("{prefix}{i}").as_bytes()],
                b"+OK\r\n",
            );
            let id = client_id(&mut r);
            (r, id)
        })
        .collect()
}

#[test]
fn client_list_covers_every_executor() {
    let srv = TestServer::start();
    let mut me = srv.raw();
    let my_id = client_id(&mut me);
    // The kernel spreads these over the 4 executors: with 16 of them, the
    // chance that all share the lister's executor is 4^-16.
    let others = named_clients(&srv, 16, "c");
    me.cmd(&[b"CLIENT", b"LIST"]);
    let list = bulk_text(&me.read_reply());
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 17, "{list}");
    assert!(list.ends_with('\n'));
    // Sorted by id, every client present with its name.
    let ids: Vec<u64> = lines
        .iter()
        .map(|l| {
            l.strip_prefix("id=")
                .and_then(|s| s.split(' ').next())
                .and_then(|s| s.parse().ok())
                .expect("id")
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for (i, (_, id)) in others.iter().enumerate() {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("id={id} ")))
            .expect("listed");
        assert!(line.contains(&format!(" name=c{i} ")), "{line}");
        assert!(line.contains(" cmd=client|id "), "{line}");
    }
    let mine = lines
        .iter()
        .find(|l| l.starts_with(&format!("id={my_id} ")))
        .expect("self listed");
    assert!(mine.contains(" cmd=client|list "), "{mine}");

    // Filters.
    me.cmd(&[b"CLIENT", b"LIST", b"TYPE", b"normal"]);
    assert_eq!(bulk_text(&me.read_reply()).lines().count(), 17);
    me.roundtrip(&[b"CLIENT", b"LIST", b"TYPE", b"pubsub"], b"$0\r\n\r\n");
    me.roundtrip(&[b"CLIENT", b"LIST", b"TYPE", b"replica"], b"$0\r\n\r\n");
    me.roundtrip(
        &[b"CLIENT", b"LIST", b"TYPE", b"foo"],
        b"-ERR Unknown client type 'foo'\r\n",
    );
    let (a, b) = (others[3].1, others[12].1);
    me.cmd(&[
        b"CLIENT",
        b"LIST",
        b"ID",
        b.to_string().as_bytes(),
        b"999999",
        a.to_string().as_bytes(),
    ]);
    let two = bulk_text(&me.read_reply());
    let two: Vec<&str> = two.lines().collect();
    assert_eq!(two.len(), 2);
    assert!(
        two[0].starts_with(&format!("id={b} ")) && two[1].starts_with(&format!("id={a} ")),
        "{two:?}"
    );
    me.roundtrip(
        &[b"CLIENT", b"LIST", b"ID", b"1", b"x"],
        b"-ERR Invalid client ID\r\n",
    );
    me.roundtrip(&[b"CLIENT", b"LIST", b"ID"], b"-ERR syntax error\r\n");
    me.roundtrip(&[b"CLIENT", b"LIST", b"foo"], b"-ERR syntax error\r\n");
    me.roundtrip(
        &[b"CLIENT", b"LIST", b"TYPE", b"normal", b"ID", b"1"],
        b"-ERR syntax error\r\n",
    );

    // A closed client leaves the list.
    drop(others);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        me.cmd(&[b"CLIENT", b"LIST"]);
        if bulk_text(&me.read_reply()).lines().count() == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "closed clients still listed"
        );
    }
}

#[test]
fn client_kill_by_id_on_any_executor() {
    let srv = TestServer::start();
    let mut me = srv.raw();
    let my_id = client_id(&mut me);
    let others = named_clients(&srv, 12, "k");
    // Twelve clients spread over four executors: most live on another
    // executor than `me`, and every one must really be disconnected.
    for (mut r, id) in others {
        me.roundtrip(
            &[b"CLIENT", b"KILL", b"ID", id.to_string().as_bytes()],
            b":1\r\n",
        );
        assert!(r.closed(), "client {id} still open");
        me.roundtrip(
            &[b"CLIENT", b"KILL", b"ID", id.to_string().as_bytes()],
            b":0\r\n",
        );
    }
    // SKIPME defaults to yes: the caller survives its own filter.
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"ID", my_id.to_string().as_bytes()],
        b":0\r\n",
    );
    me.roundtrip(&[b"PING"], b"+PONG\r\n");
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"ID", b"abc"],
        b"-ERR client-id should be greater than 0\r\n",
    );
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"ID", b"0"],
        b"-ERR client-id should be greater than 0\r\n",
    );
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"foo", b"bar"],
        b"-ERR syntax error\r\n",
    );
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"ID", b"1", b"SKIPME"],
        b"-ERR syntax error\r\n",
    );
    me.roundtrip(
        &[
            b"CLIENT",
            b"KILL",
            b"ADDR",
            b"1.2.3.4:5",
            b"SKIPME",
            b"maybe",
        ],
        b"-ERR syntax error\r\n",
    );
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"USER", b"nobody"],
        b"-ERR No such user 'nobody'\r\n",
    );
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"TYPE", b"foo"],
        b"-ERR Unknown client type 'foo'\r\n",
    );
    me.roundtrip(&[b"CLIENT", b"KILL", b"TYPE", b"pubsub"], b":0\r\n");
    me.roundtrip(
        &[b"CLIENT", b"KILL", b"1.2.3.4:5"],
        b"-ERR No such client\r\n",
    );
    me.roundtrip(&[b"CLIENT", b"KILL", b"ADDR", b"1.2.3.4:5"], b":0\r\n");
    // SKIPME no: the caller gets its reply, then the connection closes.
    me.roundtrip(
        &[
            b"CLIENT",
            b"KILL",
            b"ID",
            my_id.to_string().as_bytes(),
            b"SKIPME",
            b"no",
        ],
        b":1\r\n",
    );
    assert!(me.closed());
}

#[test]
fn client_kill_by_address_and_filters() {
    let srv = TestServer::start();
    let mut me = srv.raw();
    let mut others = named_clients(&srv, 6, "a");
    // Old form: by peer address.
    let (mut victim, _) = others.remove(0);
    let addr = victim.s.local_addr().expect("addr").to_string();
    me.roundtrip(&[b"CLIENT", b"KILL", addr.as_bytes()], b"+OK\r\n");
    assert!(victim.closed());
    me.roundtrip(
        &[b"CLIENT", b"KILL", addr.as_bytes()],
        b"-ERR No such client\r\n",
    );
    // New form: ADDR.
    let (mut victim, _) = others.remove(0);
    let addr = victim.s.local_addr().expect("addr").to_string();
    me.roundtrip(&[b"CLIENT", b"KILL", b"ADDR", addr.as_bytes()], b":1\r\n");
    assert!(victim.closed());
    // LADDR (the server's address) with USER default and TYPE normal: every
    // other client, here on all executors.
    let laddr = format!("127.0.0.1:{}", srv.port);
    me.roundtrip(
        &[
            b"CLIENT",
            b"KILL",
            b"LADDR",
            laddr.as_bytes(),
            b"USER",
            b"default",
            b"TYPE",
            b"normal",
        ],
        b":4\r\n",
    );
    for (mut r, _) in others {
        assert!(r.closed());
    }
    me.roundtrip(&[b"PING"], b"+PONG\r\n");
    // Old form may kill the caller itself, after its reply.
    let mine = me.s.local_addr().expect("addr").to_string();
    me.roundtrip(&[b"CLIENT", b"KILL", mine.as_bytes()], b"+OK\r\n");
    assert!(me.closed());
}
