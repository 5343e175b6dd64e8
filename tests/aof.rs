//! The append-only files of a running server: what a server wrote is what
//! the next one loads (every type, cross-shard commands, MULTI/EXEC, TTLs,
//! served blocking pops), torn tails are cut, corruption refuses to start,
//! a different shard count is re-routed.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use redis::Value;
use ringkv::config::AppendFsync;

/// Writes of every kind, several of them across shards.
fn workload(srv: &TestServer) {
    let mut c = srv.client();
    let k = keys_on_distinct_shards(4);
    for i in 0..200 {
        let key = format!("n:{i}");
        q(&mut c, &["SET", &key, &i.to_string()]);
        if i % 3 == 0 {
            q(&mut c, &["INCRBY", &key, "7"]);
        }
        if i % 7 == 0 {
            q(&mut c, &["PEXPIRE", &key, "600000"]);
        }
    }
    q(&mut c, &["DEL", "n:1", "n:2", "n:3"]);
    q(&mut c, &["MSET", &k[0], "10", &k[1], "b", &k[2], "c"]);
    q(&mut c, &["INCRBYFLOAT", "float", "2.5"]);
    q(&mut c, &["INCRBYFLOAT", "float", "0.1"]);
    q(&mut c, &["SET", "withttl", "v", "EX", "1000"]);
    q(&mut c, &["SET", "gone", "v", "PX", "1"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    q(&mut c, &["GET", "gone"]);
    q(&mut c, &["RPUSH", "list", "a", "b", "c", "d"]);
    q(&mut c, &["LPOP", "list"]);
    q(&mut c, &["LMOVE", "list", &k[3], "RIGHT", "LEFT"]);
    q(&mut c, &["HSET", "h", "f1", "1", "f2", "2"]);
    q(&mut c, &["HINCRBYFLOAT", "h", "f1", "1.5"]);
    q(&mut c, &["SADD", "s", "1", "2", "3", "x", "y"]);
    q(&mut c, &["SPOP", "s"]);
    q(&mut c, &["SUNIONSTORE", &k[2], "s", "s2"]);
    q(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3.5", "c"]);
    q(&mut c, &["ZPOPMIN", "z"]);
    q(&mut c, &["ZUNIONSTORE", "zz", "2", "z", "nosuch"]);
    q(&mut c, &["XADD", "st", "*", "f", "v"]);
    q(&mut c, &["XADD", "st", "*", "f", "w"]);
    q(&mut c, &["XGROUP", "CREATE", "st", "g", "0"]);
    q(
        &mut c,
        &[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "1",
            "STREAMS",
            "st",
            ">",
        ],
    );
    q(&mut c, &["MULTI"]);
    q(&mut c, &["INCR", &k[0]]);
    q(&mut c, &["RPUSH", "txlist", "1"]);
    q(&mut c, &["RENAME", "txlist", &k[1]]);
    q(&mut c, &["EXEC"]);
    q(&mut c, &["SELECT", "1"]);
    q(&mut c, &["SET", "in-db-1", "yes"]);
    q(&mut c, &["SELECT", "0"]);
    q(&mut c, &["MOVE", "n:10", "1"]);
    // A blocked pop served by a push from another connection.
    let port = srv.port;
    let waiter = std::thread::spawn(move || {
        let cl = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
        let mut w = cl.get_connection().unwrap();
        let v: Option<(String, String)> =
            redis::cmd("BLPOP").arg("bq").arg(10).query(&mut w).unwrap();
        v
    });
    loop {
        let info: String = redis::cmd("INFO").arg("clients").query(&mut c).unwrap();
        if info.contains("blocked_clients:1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    q(&mut c, &["RPUSH", "bq", "one", "two"]);
    assert_eq!(waiter.join().unwrap(), Some(("bq".into(), "one".into())));
}

#[test]
fn a_restart_loads_what_was_written() {
    for fsync in [AppendFsync::Always, AppendFsync::EverySec] {
        let dir = temp_dir(&format!("restart-{}", fsync.as_str()));
        let srv = start_aof(&dir, 4, fsync).unwrap();
        workload(&srv);
        let before = dump(&mut srv.client(), Exact::Logical);
        assert!(before.len() > 200, "{}", before.len());
        srv.stop();
        let srv = start_aof(&dir, 4, fsync).unwrap();
        let after = dump(&mut srv.client(), Exact::Logical);
        assert_eq!(before, after);
        // And again, after more writes on top of the loaded state.
        q(&mut srv.client(), &["INCR", "n:0"]);
        let before = dump(&mut srv.client(), Exact::Logical);
        srv.stop();
        let srv = start_aof(&dir, 4, fsync).unwrap();
        assert_eq!(before, dump(&mut srv.client(), Exact::Logical));
        srv.stop();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn shard_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "aof"))
        .collect();
    v.sort();
    v
}

#[test]
fn torn_tails_are_cut_and_corruption_refuses_to_start() {
    let dir = temp_dir("damage");
    let srv = start_aof(&dir, 4, AppendFsync::Always).unwrap();
    workload(&srv);
    let before = dump(&mut srv.client(), Exact::Logical);
    srv.stop();
    // A torn append at the end of one file: cut, the rest loads.
    let files = shard_files(&dir);
    assert_eq!(files.len(), 4);
    let biggest = files
        .iter()
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
        .clone();
    let len = std::fs::metadata(&biggest).unwrap().len();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&biggest)
            .unwrap();
        f.write_all(&[40, 0, 0, 0, 1, 2, 3, 4, 0, 0, 2]).unwrap();
    }
    let srv = start_aof(&dir, 4, AppendFsync::Always).unwrap();
    assert_eq!(before, dump(&mut srv.client(), Exact::Logical));
    srv.stop();
    assert_eq!(std::fs::metadata(&biggest).unwrap().len(), len);
    // A flipped byte in the middle: refused, naming the file and offset.
    let mut bytes = std::fs::read(&biggest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(&biggest, &bytes).unwrap();
    let err = start_aof(&dir, 4, AppendFsync::Always)
        .err()
        .expect("refused");
    let name = biggest.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name) && err.contains("offset"), "{err}");
    // check-aof --fix cuts it there; then it starts with a prefix of the data.
    assert_eq!(ringkv::aof::tools::check_aof(&dir, false), 1);
    assert_eq!(ringkv::aof::tools::check_aof(&dir, true), 0);
    let srv = start_aof(&dir, 4, AppendFsync::Always).unwrap();
    let after = dump(&mut srv.client(), Exact::Logical);
    assert!(after.len() <= before.len() && !after.is_empty());
    srv.stop();
    // Damage again; told to, the server loads what precedes it and keeps
    // the damaged file aside.
    let mut bytes = std::fs::read(&biggest).unwrap();
    let mid = bytes.len() / 3;
    bytes[mid] ^= 0x5a;
    std::fs::write(&biggest, &bytes).unwrap();
    let err = start_aof(&dir, 4, AppendFsync::Always)
        .err()
        .expect("refused");
    assert!(err.contains("--aof-load-corrupt yes"), "{err}");
    let d = dir.clone();
    let srv = TestServer::try_with(move |c| {
        c.appendonly = true;
        c.dir = d;
        c.aof_load_corrupt = true;
    })
    .unwrap();
    let loaded = dump(&mut srv.client(), Exact::Logical);
    assert!(loaded.len() <= after.len() && !loaded.is_empty());
    srv.stop();
    let kept: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".aof.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(dir.join(&kept[0])).unwrap(), bytes);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_shard_count_is_rerouted() {
    // tests/reroute.rs has the whole story.
    let dir = temp_dir("shards");
    let srv = start_aof(&dir, 4, AppendFsync::EverySec).unwrap();
    q(&mut srv.client(), &["SET", "k", "v"]);
    srv.stop();
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    assert_eq!(
        q(&mut srv.client(), &["GET", "k"]),
        Value::BulkString(b"v".to_vec())
    );
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_server_on_the_same_directory_is_refused() {
    let dir = temp_dir("locked");
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    q(&mut srv.client(), &["SET", "k", "v"]);
    let err = start_aof(&dir, 2, AppendFsync::EverySec)
        .err()
        .expect("refused");
    assert!(err.contains("in use by another ringkv process"), "{err}");
    q(&mut srv.client(), &["SET", "k", "w"]);
    srv.stop();
    // Released with the server: the next one starts and has the data.
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    assert_eq!(
        q(&mut srv.client(), &["GET", "k"]),
        Value::BulkString(b"w".to_vec())
    );
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
