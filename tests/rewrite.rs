//! AOF rewrite (BGREWRITEAOF, BGSAVE, SAVE, the growth trigger): the new
//! files hold exactly the keyspace, writes running during the rewrite are
//! neither lost nor applied twice, the old files go away, and INFO /
//! LASTSAVE report it.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use redis::Value;
use ringkv::config::AppendFsync;

fn info_field(c: &mut redis::Connection, field: &str) -> String {
    let info: String = redis::cmd("INFO").arg("persistence").query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in {info}"))
        .to_string()
}

fn wait_rewrite_done(c: &mut redis::Connection) {
    let began = Instant::now();
    while info_field(c, "aof_rewrite_in_progress") != "0" {
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "rewrite never ended"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The files in the directory, and the ones the manifest names.
fn files(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".aof"))
        .collect();
    on_disk.sort();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut named: Vec<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    named.sort();
    (on_disk, named)
}

fn fill(c: &mut redis::Connection, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut p = redis::pipe();
        for &i in chunk {
            p.cmd("SET")
                .arg(format!("key:{i}"))
                .arg(format!("value:{i}"))
                .ignore();
            if i % 10 == 0 {
                p.cmd("RPUSH")
                    .arg(format!("list:{}", i % 50))
                    .arg(i)
                    .ignore();
                p.cmd("HSET")
                    .arg(format!("hash:{}", i % 30))
                    .arg(i)
                    .arg(i * 2)
                    .ignore();
                p.cmd("ZADD").arg("zs").arg(i).arg(format!("m{i}")).ignore();
            }
            if i % 97 == 0 {
                p.cmd("PEXPIRE")
                    .arg(format!("key:{i}"))
                    .arg(3_600_000)
                    .ignore();
            }
        }
        let _: () = p.query(c).unwrap();
    }
}

#[test]
fn bgrewriteaof_replaces_the_files_and_a_restart_loads_the_same_data() {
    let dir = temp_dir("rewrite-basic");
    let srv = start_aof(&dir, 4, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    fill(&mut c, 4000);
    // Overwrites make the old files longer than the data.
    for i in 0..3000 {
        q(&mut c, &["INCR", &format!("counter:{}", i % 10)]);
    }
    q(&mut c, &["SELECT", "3"]);
    q(&mut c, &["SET", "in-db-3", "x"]);
    q(&mut c, &["SELECT", "0"]);
    let size_before: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    let (old_files, _) = files(&dir);
    assert_eq!(
        q(&mut c, &["BGREWRITEAOF"]),
        Value::SimpleString("Background append only file rewriting started".into())
    );
    wait_rewrite_done(&mut c);
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    let size_after: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    assert!(size_after < size_before, "{size_after} >= {size_before}");
    assert_eq!(info_field(&mut c, "aof_base_size"), size_after.to_string());
    // Four new files, named by the manifest; the old ones are gone.
    let (on_disk, named) = files(&dir);
    assert_eq!(on_disk, named);
    assert_eq!(on_disk.len(), 4);
    assert!(
        on_disk.iter().all(|f| !old_files.contains(f)),
        "{on_disk:?}"
    );
    // Writes after the rewrite go to the new files.
    q(&mut c, &["INCR", "counter:0"]);
    q(&mut c, &["DEL", "key:5"]);
    let before = dump(&mut c, Exact::Logical);
    srv.stop();
    let srv = start_aof(&dir, 4, AppendFsync::EverySec).unwrap();
    assert_eq!(before, dump(&mut srv.client(), Exact::Logical));
    assert_eq!(
        q(&mut srv.client(), &["GET", "counter:0"]),
        Value::BulkString(b"301".to_vec())
    );
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writes_during_a_rewrite_are_kept_and_applied_once() {
    for fsync in [AppendFsync::Always, AppendFsync::EverySec] {
        let dir = temp_dir(&format!("rewrite-busy-{}", fsync.as_str()));
        let srv = start_aof(&dir, 3, fsync).unwrap();
        let mut c = srv.client();
        q(&mut c, &["DEBUG", "POPULATE", "15000", "pop"]);
        fill(&mut c, 3000);
        // Four writers: counters (INCR), lists (LPUSH), appends, renames —
        // none of them idempotent — while rewrites run.
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..4 {
            let stop = stop.clone();
            let port = srv.port;
            writers.push(std::thread::spawn(move || {
                let cl = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
                let mut c = cl.get_connection().unwrap();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) || n < 200 {
                    let i = n % 50;
                    let _: i64 = redis::cmd("INCR")
                        .arg(format!("key:{}", w * 1000 + i))
                        .query(&mut c)
                        .unwrap_or(0);
                    let _: i64 = redis::cmd("INCR")
                        .arg(format!("ctr:{w}:{i}"))
                        .query(&mut c)
                        .unwrap();
                    let _: i64 = redis::cmd("LPUSH")
                        .arg(format!("list:{}", i % 50))
                        .arg(format!("w{w}-{n}"))
                        .query(&mut c)
                        .unwrap();
                    let _: i64 = redis::cmd("APPEND")
                        .arg(format!("pop:{}", n % 15000))
                        .arg("+")
                        .query(&mut c)
                        .unwrap();
                    if n.is_multiple_of(17) {
                        let _: redis::Value = redis::cmd("RENAME")
                            .arg(format!("ren:{w}:{}", n % 3))
                            .arg(format!("ren:{w}:{}", (n + 1) % 3))
                            .query(&mut c)
                            .unwrap_or(redis::Value::Nil);
                        let _: () = redis::cmd("SET")
                            .arg(format!("ren:{w}:{}", n % 3))
                            .arg(n)
                            .query(&mut c)
                            .unwrap();
                    }
                    n += 1;
                }
                n
            }));
        }
        for _ in 0..2 {
            std::thread::sleep(Duration::from_millis(30));
            let r = q(&mut c, &["BGREWRITEAOF"]);
            assert_eq!(
                r,
                Value::SimpleString("Background append only file rewriting started".into())
            );
            // A second one while it runs is refused (unless it ended already).
            match redis::cmd("BGREWRITEAOF").query::<Value>(&mut c) {
                Err(e) => assert!(e.to_string().contains("already in progress"), "{e}"),
                Ok(v) => assert_eq!(
                    v,
                    Value::SimpleString("Background append only file rewriting started".into())
                ),
            }
            wait_rewrite_done(&mut c);
        }
        stop.store(true, Ordering::Relaxed);
        let ops: Vec<u64> = writers.into_iter().map(|t| t.join().unwrap()).collect();
        let rewrites: u64 = info_field(&mut c, "aof_rewrites").parse().unwrap();
        assert!((2..=4).contains(&rewrites), "{rewrites}");
        assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
        // Every writer's counters add up to what it did.
        for (w, n) in ops.iter().enumerate() {
            let total: i64 = (0..50)
                .map(|i| {
                    let v: Option<i64> = redis::cmd("GET")
                        .arg(format!("ctr:{w}:{i}"))
                        .query(&mut c)
                        .unwrap();
                    v.unwrap_or(0)
                })
                .sum();
            assert_eq!(total as u64, *n);
        }
        let before = dump(&mut c, Exact::Logical);
        srv.stop();
        let srv = start_aof(&dir, 3, fsync).unwrap();
        let after = dump(&mut srv.client(), Exact::Logical);
        assert_eq!(before.len(), after.len());
        assert!(before == after, "the reloaded keyspace differs");
        srv.stop();
        let (on_disk, named) = files(&dir);
        assert_eq!(on_disk, named);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn save_bgsave_lastsave_and_info() {
    let dir = temp_dir("rewrite-save");
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    fill(&mut c, 500);
    let t0: i64 = redis::cmd("LASTSAVE").query(&mut c).unwrap();
    assert_eq!(info_field(&mut c, "rdb_last_save_time"), t0.to_string());
    assert_eq!(info_field(&mut c, "aof_rewrites"), "0");
    assert_eq!(info_field(&mut c, "aof_last_rewrite_time_sec"), "-1");
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(q(&mut c, &["SAVE"]), Value::Okay);
    let t1: i64 = redis::cmd("LASTSAVE").query(&mut c).unwrap();
    assert!(t1 > t0, "{t1} <= {t0}");
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    assert_eq!(info_field(&mut c, "rdb_saves"), "1");
    assert_eq!(info_field(&mut c, "aof_rewrite_in_progress"), "0");
    assert_eq!(info_field(&mut c, "aof_last_rewrite_time_sec"), "0");
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    assert_eq!(info_field(&mut c, "aof_load_keys"), "0");
    assert_eq!(
        q(&mut c, &["BGSAVE"]),
        Value::SimpleString("Background saving started".into())
    );
    let second = q(&mut c, &["BGSAVE", "SCHEDULE"]);
    assert!(
        second == Value::SimpleString("Background saving scheduled".into())
            || second == Value::SimpleString("Background saving started".into()),
        "{second:?}"
    );
    assert!(q_err(&mut c, &["BGSAVE", "NOW"]).contains("syntax error"));
    let began = Instant::now();
    while info_field(&mut c, "aof_rewrites") != "3" {
        assert!(began.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(5));
    }
    wait_rewrite_done(&mut c);
    let keys: String = info_field(&mut c, "aof_load_keys");
    assert_eq!(keys, "0");
    let before = dump(&mut c, Exact::Logical);
    srv.stop();
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    assert_eq!(before, dump(&mut c, Exact::Logical));
    // The load is reported: every key came from the files.
    let dbsize: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(info_field(&mut c, "aof_load_keys"), dbsize.to_string());
    assert_eq!(info_field(&mut c, "loading"), "0");
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);

    // Without persistence there is nothing to save.
    let srv = TestServer::start();
    let mut c = srv.client();
    for cmd in ["SAVE", "BGSAVE", "BGREWRITEAOF"] {
        assert_eq!(
            q_err(&mut c, &[cmd]),
            "ERR persistence is off (appendonly no): there is nothing to save"
        );
    }
    assert!(q(&mut c, &["LASTSAVE"]) != Value::Nil);
}

#[test]
fn the_file_is_rewritten_when_it_grows() {
    let dir = temp_dir("rewrite-auto");
    let srv = start_aof(&dir, 1, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    q(
        &mut c,
        &["CONFIG", "SET", "auto-aof-rewrite-min-size", "200000"],
    );
    q(
        &mut c,
        &["CONFIG", "SET", "auto-aof-rewrite-percentage", "100"],
    );
    // The same 100 keys overwritten: the file grows, the data does not.
    let began = Instant::now();
    let mut i = 0u64;
    while info_field(&mut c, "aof_rewrites") == "0" {
        let mut p = redis::pipe();
        for _ in 0..500 {
            p.cmd("SET")
                .arg(format!("k{}", i % 100))
                .arg(format!("{i:0>40}"))
                .ignore();
            i += 1;
        }
        let _: () = p.query(&mut c).unwrap();
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "no automatic rewrite"
        );
    }
    wait_rewrite_done(&mut c);
    let size: u64 = info_field(&mut c, "aof_current_size").parse().unwrap();
    assert!(size < 200_000, "{size}");
    let before = dump(&mut c, Exact::Logical);
    srv.stop();
    let srv = start_aof(&dir, 1, AppendFsync::EverySec).unwrap();
    assert_eq!(before, dump(&mut srv.client(), Exact::Logical));
    srv.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
