//! Server commands: INFO, CONFIG, TIME, LASTSAVE, SHUTDOWN, DEBUG, MEMORY.

mod common;
use common::*;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A bulk string reply's payload (a RESP2 bulk or RESP3 verbatim string).
fn bulk_text(reply: &[u8]) -> String {
    let s = String::from_utf8_lossy(reply).into_owned();
    let body = s.split_once("\r\n").map(|(_, b)| b).unwrap_or("");
    let body = body.strip_suffix("\r\n").unwrap_or(body);
    body.strip_prefix("txt:").unwrap_or(body).to_string()
}

fn info(r: &mut Raw, section: &str) -> String {
    r.cmd(&[b"INFO", section.as_bytes()]);
    bulk_text(&r.read_reply())
}

/// The value of `field` in an INFO text.
fn field(info: &str, name: &str) -> String {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(':')))
        .unwrap_or_else(|| panic!("{name} missing in {info}"))
        .to_string()
}

fn num(info: &str, name: &str) -> u64 {
    field(info, name)
        .parse()
        .unwrap_or_else(|_| panic!("{name} not a number in {info}"))
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[test]
fn info_keyspace_sums_shards_and_dbs() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"INFO", b"keyspace"], b"$12\r\n# Keyspace\r\n\r\n");
    for k in keys_on_distinct_shards(4) {
        r.roundtrip(&[b"SET", k.as_bytes(), b"v"], b"+OK\r\n");
    }
    r.roundtrip(&[b"SELECT", b"3"], b"+OK\r\n");
    for k in ["a", "b", "c"] {
        r.roundtrip(&[b"SET", k.as_bytes(), b"v"], b"+OK\r\n");
    }
    let body = "# Keyspace\r\ndb0:keys=4,expires=0,avg_ttl=0\r\ndb3:keys=3,expires=0,avg_ttl=0\r\n";
    r.roundtrip(
        &[b"INFO", b"KEYSPACE"],
        format!("${}\r\n{body}\r\n", body.len()).as_bytes(),
    );
    // Sections come in Redis's order whatever the order asked, one blank line between.
    let body = format!("# Cluster\r\ncluster_enabled:0\r\n\r\n{body}");
    r.roundtrip(
        &[b"INFO", b"keyspace", b"cluster"],
        format!("${}\r\n{body}\r\n", body.len()).as_bytes(),
    );
    r.roundtrip(&[b"INFO", b"nosuchsection"], b"$0\r\n\r\n");
}

#[test]
fn info_in_resp3_is_verbatim() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.cmd(&[b"HELLO", b"3"]);
    r.read_reply();
    r.roundtrip(
        &[b"INFO", b"cluster"],
        b"=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n",
    );
}

#[test]
fn info_default_sections_and_server_fields() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.cmd(&[b"INFO"]);
    let all = bulk_text(&r.read_reply());
    let headers: Vec<&str> = all.split("\r\n").filter(|l| l.starts_with("# ")).collect();
    assert_eq!(
        headers,
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace"
        ]
    );
    r.cmd(&[b"INFO", b"everything"]);
    let everything = bulk_text(&r.read_reply());
    assert!(everything.contains("# Commandstats\r\n") && everything.contains("# Latencystats\r\n"));

    let s = info(&mut r, "server");
    assert!(s.starts_with("# Server\r\nredis_version:7.2.4\r\n"), "{s}");
    assert_eq!(field(&s, "redis_mode"), "standalone");
    assert_eq!(num(&s, "tcp_port"), srv.port as u64);
    assert_eq!(num(&s, "process_id"), std::process::id() as u64);
    assert_eq!(field(&s, "config_file"), "");
    let run_id = field(&s, "run_id");
    assert_eq!(run_id.len(), 40);
    assert!(run_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(num(&s, "uptime_in_seconds") < 60);
    let t = num(&s, "server_time_usec") / 1_000_000;
    assert!(t.abs_diff(unix_secs()) <= 2);
    assert!(!field(&s, "executable").is_empty());

    let repl = info(&mut r, "replication");
    assert_eq!(field(&repl, "role"), "master");
    let p = info(&mut r, "persistence");
    assert_eq!(num(&p, "loading"), 0);
    assert_eq!(num(&p, "aof_enabled"), 0, "tests run with appendonly off");
    let m = info(&mut r, "memory");
    let used = num(&m, "used_memory");
    assert!(used > 1 << 20 && used < 1 << 40, "{m}");
    assert!(num(&m, "used_memory_peak") >= used);
    let cpu = info(&mut r, "cpu");
    assert!(field(&cpu, "used_cpu_user").parse::<f64>().is_ok());
}

#[test]
fn info_stats_are_real_counts() {
    let srv = TestServer::start();
    let mut a = srv.raw();
    let mut b = srv.raw();
    let mut c = srv.raw();
    let c0 = info(&mut a, "clients");
    assert_eq!(num(&c0, "connected_clients"), 3);
    let s0 = info(&mut a, "stats");
    assert_eq!(num(&s0, "total_connections_received"), 3);
    assert_eq!(num(&s0, "keyspace_hits"), 0);
    assert_eq!(num(&s0, "keyspace_misses"), 0);
    let keys = keys_on_distinct_shards(4);
    for k in &keys {
        b.roundtrip(&[b"SET", k.as_bytes(), b"v"], b"+OK\r\n");
        b.roundtrip(&[b"GET", k.as_bytes()], b"$1\r\nv\r\n");
        c.roundtrip(&[b"GET", format!("{k}-missing").as_bytes()], b"$-1\r\n");
    }
    let s1 = info(&mut a, "stats");
    assert_eq!(num(&s1, "keyspace_hits"), 4);
    assert_eq!(num(&s1, "keyspace_misses"), 4);
    // Commands from every connection (on whatever executor) are counted:
    // 2 INFO + 12 here, plus this INFO itself.
    assert_eq!(
        num(&s1, "total_commands_processed") - num(&s0, "total_commands_processed"),
        13
    );
    assert!(num(&s1, "total_net_input_bytes") > 0 && num(&s1, "total_net_output_bytes") > 0);
    let p = info(&mut a, "persistence");
    assert_eq!(num(&p, "rdb_changes_since_last_save"), 4);

    // CONFIG RESETSTAT zeroes the counters, not the data.
    a.roundtrip(&[b"CONFIG", b"RESETSTAT"], b"+OK\r\n");
    let s2 = info(&mut a, "stats");
    assert_eq!(num(&s2, "keyspace_hits"), 0);
    assert_eq!(num(&s2, "total_connections_received"), 0);
    assert!(num(&s2, "total_commands_processed") <= 1);
    a.roundtrip(&[b"DBSIZE"], b":4\r\n");

    drop(c);
    let deadline = Instant::now() + Duration::from_secs(10);
    while num(&info(&mut a, "clients"), "connected_clients") != 2 {
        assert!(Instant::now() < deadline);
    }
}

#[test]
fn config_get_set_and_errors() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"CONFIG", b"SET", b"hz", b"50"], b"+OK\r\n");
    r.roundtrip(
        &[b"CONFIG", b"GET", b"hz"],
        b"*2\r\n$2\r\nhz\r\n$2\r\n50\r\n",
    );
    assert_eq!(num(&info(&mut r, "server"), "hz"), 50);
    // The same parameter twice is listed once.
    r.roundtrip(
        &[b"CONFIG", b"GET", b"hz", b"hz"],
        b"*2\r\n$2\r\nhz\r\n$2\r\n50\r\n",
    );
    r.roundtrip(&[b"CONFIG", b"GET", b"no-such-parameter"], b"*0\r\n");
    r.roundtrip(
        &[b"CONFIG", b"SET", b"foo", b"1"],
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"SET", b"hz", b"10", b"hz", b"11"],
        b"-ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter\r\n",
    );
    // A bad pair anywhere leaves every value as it was.
    r.roundtrip(
        &[b"CONFIG", b"SET", b"hz", b"20", b"foo", b"1"],
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n",
    );
    r.cmd(&[
        b"CONFIG",
        b"SET",
        b"hz",
        b"20",
        b"maxclients",
        b"notanumber",
    ]);
    assert!(r.read_reply().starts_with(b"-ERR "));
    r.roundtrip(
        &[b"CONFIG", b"GET", b"hz"],
        b"*2\r\n$2\r\nhz\r\n$2\r\n50\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"SET", b"hz", b"10", b"maxclients"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"SET", b"hz"],
        b"-ERR wrong number of arguments for 'config|set' command\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"GET"],
        b"-ERR wrong number of arguments for 'config|get' command\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"REWRITE"],
        b"-ERR The server is running without a config file\r\n",
    );
    r.roundtrip(
        &[b"CONFIG", b"foo"],
        b"-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n",
    );
    r.cmd(&[b"CONFIG", b"HELP"]);
    let help = String::from_utf8_lossy(&r.read_reply()).into_owned();
    assert!(help.starts_with("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n"), "{help}");
}

#[test]
fn config_set_reaches_every_connection() {
    let srv = TestServer::start();
    let mut a = srv.raw();
    let mut conns: Vec<Raw> = (0..8).map(|_| srv.raw()).collect();
    a.roundtrip(&[b"CONFIG", b"SET", b"maxclients", b"1234"], b"+OK\r\n");
    for c in &mut conns {
        c.roundtrip(
            &[b"CONFIG", b"GET", b"maxclients"],
            b"*2\r\n$10\r\nmaxclients\r\n$4\r\n1234\r\n",
        );
        assert_eq!(num(&info(c, "clients"), "maxclients"), 1234);
    }
}

#[test]
fn time_and_lastsave() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.cmd(&[b"TIME"]);
    let t = String::from_utf8_lossy(&r.read_reply()).into_owned();
    let parts: Vec<&str> = t.split("\r\n").collect();
    assert_eq!(parts[0], "*2");
    let secs: u64 = parts[2].parse().expect("seconds");
    let usecs: u64 = parts[4].parse().expect("microseconds");
    assert!(secs.abs_diff(unix_secs()) <= 2);
    assert!(usecs < 1_000_000);
    r.cmd(&[b"LASTSAVE"]);
    let l = String::from_utf8_lossy(&r.read_reply()).into_owned();
    let l: u64 = l
        .trim_start_matches(':')
        .trim_end()
        .parse()
        .expect("lastsave");
    assert!(l.abs_diff(unix_secs()) <= 60);
    r.roundtrip(
        &[b"TIME", b"x"],
        b"-ERR wrong number of arguments for 'time' command\r\n",
    );
}

#[test]
fn debug_populate_then_dbsize() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"SET", b"key:7", b"mine"], b"+OK\r\n");
    r.roundtrip(&[b"DEBUG", b"POPULATE", b"1000"], b"+OK\r\n");
    r.roundtrip(&[b"DBSIZE"], b":1000\r\n");
    // Existing keys are left alone.
    r.roundtrip(&[b"GET", b"key:7"], b"$4\r\nmine\r\n");
    r.roundtrip(&[b"GET", b"key:999"], b"$9\r\nvalue:999\r\n");
    r.roundtrip(&[b"GET", b"key:1000"], b"$-1\r\n");
    let ks = info(&mut r, "keyspace");
    assert_eq!(ks, "# Keyspace\r\ndb0:keys=1000,expires=0,avg_ttl=0\r\n");
    // Prefix and size: cut or zero-padded.
    r.roundtrip(&[b"DEBUG", b"POPULATE", b"2", b"pre", b"3"], b"+OK\r\n");
    r.roundtrip(&[b"GET", b"pre:1"], b"$3\r\nval\r\n");
    r.roundtrip(&[b"DEBUG", b"POPULATE", b"1", b"pad", b"10"], b"+OK\r\n");
    r.roundtrip(&[b"GET", b"pad:0"], b"$10\r\nvalue:0\0\0\0\r\n");
    r.roundtrip(&[b"DEBUG", b"POPULATE", b"0"], b"+OK\r\n");
    r.roundtrip(&[b"DBSIZE"], b":1003\r\n");
    // In the selected db.
    r.roundtrip(&[b"SELECT", b"1"], b"+OK\r\n");
    r.roundtrip(&[b"DEBUG", b"POPULATE", b"10"], b"+OK\r\n");
    r.roundtrip(&[b"DBSIZE"], b":10\r\n");
    r.roundtrip(
        &[b"DEBUG", b"POPULATE", b"-1"],
        b"-ERR value is out of range, must be positive\r\n",
    );
    r.roundtrip(
        &[b"DEBUG", b"POPULATE", b"x"],
        b"-ERR value is out of range, must be positive\r\n",
    );
    r.roundtrip(
        &[b"DEBUG", b"POPULATE", b"1", b"q", b"abc"],
        b"-ERR value is out of range, must be positive\r\n",
    );
    r.roundtrip(
        &[b"DEBUG", b"populate"],
        b"-ERR unknown subcommand or wrong number of arguments for 'populate'. Try DEBUG HELP.\r\n",
    );
    r.roundtrip(
        &[b"DEBUG", b"foo"],
        b"-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n",
    );
    r.roundtrip(
        &[b"DEBUG"],
        b"-ERR wrong number of arguments for 'debug' command\r\n",
    );
}

#[test]
fn debug_object_and_active_expire() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(4);
    r.roundtrip(&[b"SET", keys[1].as_bytes(), b"bar"], b"+OK\r\n");
    r.roundtrip(&[b"SET", keys[2].as_bytes(), b"12345"], b"+OK\r\n");
    r.roundtrip(
        &[b"SET", keys[3].as_bytes(), "x".repeat(100).as_bytes()],
        b"+OK\r\n",
    );
    for (k, enc, len) in [
        (&keys[1], "embstr", 4),
        (&keys[2], "int", 3),
        (&keys[3], "raw", 102),
    ] {
        r.cmd(&[b"DEBUG", b"OBJECT", k.as_bytes()]);
        let line = String::from_utf8_lossy(&r.read_reply()).into_owned();
        assert!(line.starts_with("+Value at:0x"), "{line}");
        assert!(
            line.contains(&format!(
                " refcount:1 encoding:{enc} serializedlength:{len} lru:"
            )),
            "{line}"
        );
        assert!(line.ends_with(" lru_seconds_idle:0\r\n"), "{line}");
    }
    r.roundtrip(
        &[b"DEBUG", b"OBJECT", keys[0].as_bytes()],
        b"-ERR no such key\r\n",
    );
    r.roundtrip(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"], b"+OK\r\n");
    r.roundtrip(&[b"DEBUG", b"set-active-expire", b"1"], b"+OK\r\n");
    r.cmd(&[b"DEBUG", b"HELP"]);
    let help = String::from_utf8_lossy(&r.read_reply()).into_owned();
    assert!(
        help.contains(
            "+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+OBJECT <key>\r\n"
        ),
        "{help}"
    );
}

#[test]
fn debug_sleep_blocks_only_its_connection() {
    let srv = TestServer::start();
    let mut sleeper = srv.raw();
    // 24 connections over 4 executors: some share the sleeper's executor
    // (all missing it has probability 0.75^24 < 0.1%).
    let mut others: Vec<Raw> = (0..24).map(|_| srv.raw()).collect();
    let start = Instant::now();
    sleeper.cmd(&[b"DEBUG", b"SLEEP", b"0.6"]);
    for o in &mut others {
        o.roundtrip(&[b"PING"], b"+PONG\r\n");
    }
    let pings = start.elapsed();
    sleeper.expect(b"+OK\r\n");
    let slept = start.elapsed();
    assert!(
        pings < Duration::from_millis(400),
        "pings took {pings:?} during DEBUG SLEEP"
    );
    assert!(slept >= Duration::from_millis(600), "slept only {slept:?}");
    sleeper.roundtrip(&[b"DEBUG", b"SLEEP", b"abc"], b"+OK\r\n");
    sleeper.roundtrip(&[b"DEBUG", b"SLEEP", b"-1"], b"+OK\r\n");
}

#[test]
fn memory_subcommands() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    r.roundtrip(&[b"MEMORY", b"DOCTOR"], b"$268\r\nHi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n\r\n");
    let keys = keys_on_distinct_shards(4);
    for k in &keys {
        r.roundtrip(&[b"SET", k.as_bytes(), b"bar"], b"+OK\r\n");
    }
    let long = "y".repeat(1000);
    r.roundtrip(&[b"SET", keys[0].as_bytes(), long.as_bytes()], b"+OK\r\n");
    let usage = |r: &mut Raw, args: &[&[u8]]| -> i64 {
        r.cmd(args);
        let v = String::from_utf8_lossy(&r.read_reply()).into_owned();
        v.trim_start_matches(':')
            .trim_end()
            .parse()
            .unwrap_or_else(|_| panic!("{v}"))
    };
    let small = usage(&mut r, &[b"MEMORY", b"USAGE", keys[1].as_bytes()]);
    assert!((32..=256).contains(&small), "{small}");
    for k in &keys[2..] {
        assert_eq!(
            usage(
                &mut r,
                &[b"MEMORY", b"USAGE", k.as_bytes(), b"SAMPLES", b"0"]
            ),
            small
        );
    }
    let big = usage(&mut r, &[b"memory", b"usage", keys[0].as_bytes()]);
    assert!(big > small + 900, "{big}");
    r.roundtrip(&[b"MEMORY", b"USAGE", b"nokey"], b"$-1\r\n");
    r.roundtrip(
        &[b"MEMORY", b"USAGE", keys[1].as_bytes(), b"SAMPLES"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(
        &[b"MEMORY", b"USAGE", keys[1].as_bytes(), b"SAMPLES", b"x"],
        b"-ERR value is not an integer or out of range\r\n",
    );
    r.roundtrip(
        &[b"MEMORY", b"USAGE", keys[1].as_bytes(), b"SAMPLES", b"-1"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(
        &[b"MEMORY", b"USAGE", keys[1].as_bytes(), b"foo", b"3"],
        b"-ERR syntax error\r\n",
    );
    r.roundtrip(
        &[b"MEMORY", b"USAGE"],
        b"-ERR wrong number of arguments for 'memory|usage' command\r\n",
    );
    r.roundtrip(&[b"MEMORY", b"DOCTOR"], b"$105\r\nHi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n\r\n");
    r.cmd(&[b"MEMORY", b"STATS"]);
    let stats = String::from_utf8_lossy(&r.read_reply()).into_owned();
    assert!(stats.contains("$10\r\nkeys.count\r\n:4\r\n"), "{stats}");
    assert!(
        stats.contains("$4\r\ndb.0\r\n*4\r\n$23\r\noverhead.hashtable.main\r\n:"),
        "{stats}"
    );
    r.roundtrip(&[b"MEMORY", b"PURGE"], b"+OK\r\n");
    r.cmd(&[b"MEMORY", b"HELP"]);
    let help = String::from_utf8_lossy(&r.read_reply()).into_owned();
    assert!(help.starts_with("*14\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n"), "{help}");
}

#[test]
fn shutdown_stops_the_server() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let mut bystander = srv.raw();
    bystander.roundtrip(&[b"PING"], b"+PONG\r\n");
    r.roundtrip(
        &[b"SHUTDOWN", b"ABORT"],
        b"-ERR No shutdown in progress.\r\n",
    );
    r.roundtrip(&[b"SHUTDOWN", b"foo"], b"-ERR syntax error\r\n");
    r.roundtrip(&[b"SHUTDOWN", b"NOSAVE", b"SAVE"], b"-ERR syntax error\r\n");
    r.roundtrip(&[b"SHUTDOWN", b"NOW", b"ABORT"], b"-ERR syntax error\r\n");
    // No reply: the connection just closes, and so does everyone else's.
    r.cmd(&[b"SHUTDOWN", b"NOSAVE", b"NOW"]);
    assert!(r.closed());
    assert!(bystander.closed());
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", srv.port)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "server still accepting after SHUTDOWN"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Dropping the handle afterwards is fine.
    drop(srv);
}

#[test]
fn active_expire_toggle_and_expiry_figures() {
    let srv = TestServer::start();
    let mut r = srv.raw();
    let keys = keys_on_distinct_shards(4);
    r.roundtrip(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"], b"+OK\r\n");
    for k in &keys {
        r.roundtrip(&[b"SET", k.as_bytes(), b"v", b"PX", b"20"], b"+OK\r\n");
    }
    r.roundtrip(&[b"SET", b"kept", b"v", b"EX", b"1000"], b"+OK\r\n");
    let ks = info(&mut r, "keyspace");
    assert_eq!(ks, "# Keyspace\r\ndb0:keys=5,expires=5,avg_ttl=0\r\n");
    // With active expiry off on every shard, due keys stay until touched.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(info(&mut r, "keyspace"), ks);
    assert_eq!(num(&info(&mut r, "stats"), "expired_keys"), 0);
    // Back on: every shard's cycle removes them.
    r.roundtrip(&[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"], b"+OK\r\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while info(&mut r, "keyspace") != "# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=0\r\n" {
        assert!(Instant::now() < deadline, "keys not expired");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(num(&info(&mut r, "stats"), "expired_keys"), 4);
}

/// `conn-shards 1` with 3 shards: executor 0 accepts every connection and
/// reaches the other shards' keys through the mesh.
#[test]
fn conn_shards_limits_who_accepts_and_keys_stay_reachable() {
    let s = TestServer::with(|c| {
        c.shards = 3;
        c.conn_shards = 1;
    });
    let mut clients: Vec<redis::Connection> = (0..12).map(|_| s.client()).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        for k in 0..30 {
            let key = format!("k:{i}:{k}");
            let _: () = redis::cmd("SET").arg(&key).arg(k).query(c).unwrap();
        }
    }
    for (i, c) in clients.iter_mut().enumerate() {
        let keys: Vec<String> = (0..30).map(|k| format!("k:{i}:{k}")).collect();
        let got: Vec<i64> = redis::cmd("MGET").arg(&keys).query(c).unwrap();
        assert_eq!(got, (0..30).collect::<Vec<i64>>());
    }
    let n: i64 = redis::cmd("DBSIZE").query(&mut clients[0]).unwrap();
    assert_eq!(n, 12 * 30);
    let got: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("conn-shards")
        .query(&mut clients[0])
        .unwrap();
    assert_eq!(got, vec!["conn-shards".to_string(), "1".to_string()]);
}
