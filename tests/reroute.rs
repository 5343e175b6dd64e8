//! A data directory written by one number of shards, loaded by another:
//! start-up re-routes every key to its new shard (by slot) before the
//! executors start, and the keyspace is the same.

mod common;

use std::path::Path;

use common::*;
use ringkv::aof::manifest;
use ringkv::config::AppendFsync;

/// The `.aof` files in `dir`, sorted.
fn aof_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".aof"))
        .collect();
    v.sort();
    v
}

/// The manifest says `shards` shards and names exactly the files there.
fn check_files(dir: &Path, shards: usize) -> u64 {
    let m = manifest::load(dir).unwrap().expect("manifest");
    assert_eq!(m.shards, shards);
    let mut named: Vec<String> = m.files.iter().map(|f| f.name.clone()).collect();
    named.sort();
    assert_eq!(aof_files(dir), named, "old generations are deleted");
    m.generation
}

#[test]
fn every_shard_count_loads_the_same_keyspace() {
    let dir = temp_dir("reroute");
    let srv = start_aof(&dir, 4, AppendFsync::EverySec).unwrap();
    workload(&srv);
    let before = dump(&mut srv.client(), Exact::All);
    assert!(before.len() > 300, "{}", before.len());
    srv.stop();
    assert_eq!(check_files(&dir, 4), 1);
    let mut generation = 1;
    for n in [2, 3, 4, 1] {
        let srv = start_aof(&dir, n, AppendFsync::EverySec).unwrap();
        assert_eq!(before, dump(&mut srv.client(), Exact::All), "{n} shards");
        srv.stop();
        generation += 1;
        assert_eq!(check_files(&dir, n), generation);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn writes_after_a_reroute_persist() {
    let dir = temp_dir("reroute-writes");
    let srv = start_aof(&dir, 4, AppendFsync::EverySec).unwrap();
    workload(&srv);
    srv.stop();
    let srv = start_aof(&dir, 3, AppendFsync::EverySec).unwrap();
    {
        let mut c = srv.client();
        q(&mut c, &["SET", "after", "reroute"]);
        q(&mut c, &["RPUSH", "list", "more"]);
        q(&mut c, &["DEL", "n:20", "n:21"]);
        q(&mut c, &["HINCRBY", "h", "f1", "10"]);
        q(&mut c, &["XADD", "st", "*", "new", "entry"]);
        q(
            &mut c,
            &["XREADGROUP", "GROUP", "g", "carol", "STREAMS", "st", ">"],
        );
        q(&mut c, &["PEXPIRE", "str", "800000"]);
        q(&mut c, &["SELECT", "1"]);
        q(&mut c, &["SADD", "db1set", "a"]);
    }
    let before = dump(&mut srv.client(), Exact::All);
    srv.stop();
    for n in [3, 5] {
        let srv = start_aof(&dir, n, AppendFsync::EverySec).unwrap();
        assert_eq!(before, dump(&mut srv.client(), Exact::All), "{n} shards");
        srv.stop();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_file_refuses_to_reroute_and_keeps_the_old_files() {
    let dir = temp_dir("reroute-corrupt");
    let srv = start_aof(&dir, 2, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    for i in 0..100 {
        q(&mut c, &["SET", &format!("k{i}"), "v"]);
    }
    srv.stop();
    let files = aof_files(&dir);
    let path = dir.join(&files[0]);
    let mut bytes = std::fs::read(&path).unwrap();
    // The last byte of the tenth record: its checksum fails, records follow.
    let ends: Vec<u64> = ringkv::aof::record::Reader::new(&bytes)
        .map(|r| r.offset)
        .collect();
    assert!(ends.len() > 20);
    bytes[ends[10] as usize - 1] ^= 0x5a;
    std::fs::write(&path, &bytes).unwrap();
    let err = start_aof(&dir, 3, AppendFsync::EverySec)
        .err()
        .expect("refused");
    assert!(err.contains(&files[0]) && err.contains("offset"), "{err}");
    assert_eq!(aof_files(&dir), files);
    assert_eq!(check_files(&dir, 2), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
