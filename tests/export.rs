//! `ringkv export` and `ringkv import` run as real processes: a data
//! directory exported to JSON, imported into a new directory with another
//! shard count and into a running server, gives the same keyspace back.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use ringkv::config::AppendFsync;

fn ringkv(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_ringkv"))
        .args(args)
        .output()
        .expect("runs");
    (
        status.code().expect("exited"),
        String::from_utf8(stdout).expect("JSON is UTF-8"),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn export(dir: &Path) -> String {
    let (code, out, err) = ringkv(&["export", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    out
}

/// The line of `key` in db `db` of an export (without its comma).
fn line<'a>(json: &'a str, db: usize, key: &str) -> &'a str {
    let head = format!("{{\"db\": {db}, \"keys\": [");
    let from = json.find(&head).expect("db listed");
    let start = format!("{{\"key\": \"{key}\", ");
    json[from..]
        .lines()
        .find(|l| l.starts_with(&start))
        .map(|l| l.trim_end_matches(','))
        .unwrap_or_else(|| panic!("{key} in {json}"))
}

#[test]
fn export_then_import_offline_and_online() {
    let a = temp_dir("export-a");
    let srv = start_aof(&a, 4, AppendFsync::EverySec).unwrap();
    workload(&srv);
    let exact = dump(&mut srv.client(), Exact::All);
    let logical = dump(&mut srv.client(), Exact::Logical);
    let ttl_z: i64 = redis::cmd("PEXPIRETIME")
        .arg("z")
        .query(&mut srv.client())
        .unwrap();
    srv.stop();

    let json = export(&a);
    assert!(json.starts_with(
        "{\"format\": \"ringkv-export\", \"version\": 1, \"databases\": [\n{\"db\": 0, \"keys\": [\n"
    ));
    assert!(json.ends_with("\n]}\n]}\n"));
    assert_eq!(
        line(&json, 0, "str"),
        r#"{"key": "str", "type": "string", "expire_at_ms": null, "value": "hello"}"#
    );
    assert_eq!(
        line(&json, 0, "list"),
        r#"{"key": "list", "type": "list", "expire_at_ms": null, "value": ["b", "c", "d", "a"]}"#
    );
    assert_eq!(
        line(&json, 1, "list"),
        r#"{"key": "list", "type": "list", "expire_at_ms": null, "value": ["db1"]}"#
    );
    assert_eq!(
        line(&json, 0, "h"),
        r#"{"key": "h", "type": "hash", "expire_at_ms": null, "value": [["f1", "1"], ["f2", "2"], ["f3", "three"]]}"#
    );
    assert_eq!(
        line(&json, 0, "iset"),
        r#"{"key": "iset", "type": "set", "expire_at_ms": null, "value": ["-7", "1", "2", "3"]}"#
    );
    assert_eq!(
        line(&json, 0, "z"),
        format!(
            r#"{{"key": "z", "type": "zset", "expire_at_ms": {ttl_z}, "value": [["lo", "-inf"], ["negzero", 0.0], ["tiny", 1e-300], ["tenth", 0.1], ["a", 1.5], ["b", 2.0], ["hi", "inf"]]}}"#
        )
    );
    assert_eq!(
        line(&json, 0, "empty"),
        r#"{"key": "empty", "type": "stream", "expire_at_ms": null, "value": {"last_id": "0-0", "first_id": "0-0", "max_deleted_id": "0-0", "entries_added": 0, "entries": [], "groups": [{"name": "g", "last_delivered_id": "0-0", "entries_read": null, "consumers": [], "pending": []}]}}"#
    );
    let st = line(&json, 0, "st");
    assert!(
        st.starts_with(
            r#"{"key": "st", "type": "stream", "expire_at_ms": null, "value": {"last_id": ""#
        ),
        "{st}"
    );
    for part in [
        r#""first_id": "2-1", "max_deleted_id": "6-1", "entries_added": 9, "entries": [{"id": "2-1", "fields": [["f", "v2"], ["n", "x"]]}, {"id": "3-1", "#,
        r#"{"name": "g", "last_delivered_id": "5-1", "entries_read": 5, "consumers": [{"name": "alice", "seen_time": "#,
        r#"{"name": "late", "last_delivered_id": ""#,
        r#""entries_read": 9, "consumers": [], "pending": []}"#,
        r#"{"id": "5-1", "consumer": "bob", "delivery_time": "#,
    ] {
        assert!(st.contains(part), "{part} in {st}");
    }
    // Binary keys and values: base64 when not UTF-8; NUL is a JSON escape.
    assert!(json.contains(
        r#"{"key": {"base64": "YmluAGtlef8="}, "type": "string", "expire_at_ms": null, "value": {"base64": "/wD+IHZhbHVl"}}"#
    ));
    assert!(json.contains(r#""value": ["\u0000", {"base64": "/w=="}, "", "plain"]}"#));
    // Expired keys are not exported.
    assert!(!json.contains("\"gone\""));

    let file = temp_dir("export.json");
    std::fs::write(&file, &json).unwrap();
    let file_arg = file.to_str().unwrap();

    // Offline into a new directory with 2 shards.
    let b = temp_dir("export-b");
    let (code, _, err) = ringkv(&[
        "import",
        file_arg,
        "--dir",
        b.to_str().unwrap(),
        "--shards",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    let m = ringkv::aof::manifest::load(&b).unwrap().expect("manifest");
    assert_eq!((m.shards, m.generation), (2, 1));
    let srv = start_aof(&b, 2, AppendFsync::EverySec).unwrap();
    assert_eq!(exact, dump(&mut srv.client(), Exact::All));
    srv.stop();
    assert_eq!(export(&b), json, "export of the import is the same text");

    // A directory with data is refused unless --replace.
    let (code, _, err) = ringkv(&["import", file_arg, "--dir", b.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("--replace"), "{err}");
    let (code, _, err) = ringkv(&[
        "import",
        file_arg,
        "--dir",
        b.to_str().unwrap(),
        "--replace",
    ]);
    assert_eq!(code, 0, "{err}");
    let m = ringkv::aof::manifest::load(&b).unwrap().expect("manifest");
    assert_eq!((m.shards, m.generation), (2, 2));
    assert!(!b.join("shard-0.1.aof").exists());
    assert_eq!(export(&b), json);

    // Online into a running server (which already has a key of the file).
    let srv = TestServer::start();
    q(&mut srv.client(), &["HSET", "h", "stale", "field"]);
    let port = srv.port.to_string();
    let (code, _, err) = ringkv(&["import", file_arg, "--port", &port]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(logical, dump(&mut srv.client(), Exact::Logical));
    srv.stop();

    for d in [&a, &b, &file] {
        let _ = std::fs::remove_dir_all(d);
        let _ = std::fs::remove_file(d);
    }
}

#[test]
fn binary_keys_and_values_round_trip() {
    let a = temp_dir("export-bin");
    let srv = start_aof(&a, 3, AppendFsync::EverySec).unwrap();
    let mut c = srv.client();
    let all: Vec<u8> = (0..=255u8).collect();
    let odd: [&[u8]; 6] = [
        b"\0",
        b"\xff",
        b"\0\xff\0",
        b"\xc3\x28",
        b"\xed\xa0\x80",
        b"\"\\\n\t",
    ];
    for (i, k) in odd.iter().enumerate() {
        qb(&mut c, &[b"SET", k, &all[i * 40..]]);
        let list_key = [b"l:", *k].concat();
        qb(&mut c, &[b"RPUSH", &list_key, k, &all]);
        let zkey = [b"z:", *k].concat();
        qb(&mut c, &[b"ZADD", &zkey, b"1", k, b"2", &all]);
        let skey = [b"s:", *k].concat();
        qb(&mut c, &[b"SADD", &skey, k, &all]);
        let xkey = [b"x:", *k].concat();
        qb(&mut c, &[b"XADD", &xkey, b"1-1", k, &all]);
        qb(&mut c, &[b"XGROUP", b"CREATE", &xkey, k, b"0"]);
        qb(
            &mut c,
            &[b"XREADGROUP", b"GROUP", k, k, b"STREAMS", &xkey, b">"],
        );
    }
    let before = dump(&mut c, Exact::All);
    srv.stop();
    let json = export(&a);
    let file = temp_dir("export-bin.json");
    std::fs::write(&file, &json).unwrap();
    let b = temp_dir("export-bin-b");
    let (code, _, err) = ringkv(&[
        "import",
        file.to_str().unwrap(),
        "--dir",
        b.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let srv = start_aof(&b, 4, AppendFsync::EverySec).unwrap();
    assert_eq!(before, dump(&mut srv.client(), Exact::All));
    srv.stop();
    assert_eq!(export(&b), json);
    for d in [&a, &b, &file] {
        let _ = std::fs::remove_dir_all(d);
        let _ = std::fs::remove_file(d);
    }
}

#[test]
fn bad_invocations() {
    let (code, _, err) = ringkv(&["export", "/nonexistent/ringkv"]);
    assert_eq!(code, 1);
    assert!(err.contains("manifest.json: no such file"), "{err}");
    let (code, _, err) = ringkv(&["export", "/tmp", "--format", "xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("json"), "{err}");
    let (code, _, err) = ringkv(&["import", "f.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("--dir"), "{err}");
    let (code, _, err) = ringkv(&["import", "/nonexistent.json", "--dir", "/tmp/x"]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent.json"), "{err}");
    let bad = temp_dir("export-bad.json");
    std::fs::write(&bad, r#"{"format": "ringkv-export", "version": 1, "databases": [{"db": 0, "keys": [{"key": "k", "type": "list", "value": []}]}]}"#).unwrap();
    let out = temp_dir("export-bad-dir");
    let (code, _, err) = ringkv(&[
        "import",
        bad.to_str().unwrap(),
        "--dir",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("db 0, key \"k\""), "{err}");
    assert!(!out.join("manifest.json").exists(), "nothing written");
    let _ = std::fs::remove_file(&bad);
    let _ = std::fs::remove_dir_all(&out);
}
