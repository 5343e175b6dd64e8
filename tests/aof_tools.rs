//! `ringkv check-aof` run as a real process on data directories written with
//! the library's record encoder and manifest.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ringkv::aof::{manifest, record};

/// A fresh data directory, removed on drop.
struct DataDir(PathBuf);

impl DataDir {
    /// A directory with a manifest for `shards` shards (generation 1) and
    /// `records` records in each shard file; returns it and the byte offset
    /// where each record of a file starts (plus the end).
    fn new(tag: &str, shards: usize, records: usize) -> (DataDir, Vec<usize>) {
        let p = std::env::temp_dir().join(format!("ringkv-aof-{tag}-{}", std::process::id()));
        fs::remove_dir_all(&p).ok();
        fs::create_dir_all(&p).unwrap();
        let mut bytes = Vec::new();
        let mut starts = vec![0];
        for i in 0..records {
            let key = format!("key:{i}");
            record::encode(0, &["SET", key.as_str(), "value"], &mut bytes).unwrap();
            starts.push(bytes.len());
        }
        let m = manifest::Manifest::new(shards, 1);
        for f in &m.files {
            fs::write(p.join(&f.name), &bytes).unwrap();
        }
        manifest::store(&p, &m).unwrap();
        (DataDir(p), starts)
    }

    fn file(&self, shard: usize) -> PathBuf {
        self.0.join(manifest::file_name(shard, 1))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        fs::remove_dir_all(&self.0).ok();
    }
}

fn check(dir: &Path, fix: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringkv"));
    cmd.arg("check-aof");
    if fix {
        cmd.arg("--fix");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.arg(dir).output().expect("runs");
    let text = String::from_utf8_lossy(&stdout) + String::from_utf8_lossy(&stderr);
    (status.code().expect("exited"), text.into_owned())
}

fn size(p: &Path) -> u64 {
    fs::metadata(p).unwrap().len()
}

#[test]
fn good_directory() {
    let (d, starts) = DataDir::new("ok", 2, 10);
    let (code, out) = check(&d.0, false);
    let end = starts[10];
    let want = format!(
        "shard-0.1.aof: 10 records, {end} bytes, OK\nshard-1.1.aof: 10 records, {end} bytes, OK\n"
    );
    assert_eq!((code, out), (0, want));
}

#[test]
fn torn_tail_is_fixed() {
    let (d, starts) = DataDir::new("torn", 2, 10);
    let f = d.file(1);
    let len = starts[9] + 5;
    fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(len as u64)
        .unwrap();
    let good = starts[9];
    let (code, out) = check(&d.0, false);
    assert_eq!(code, 1, "{out}");
    let line = format!("shard-1.1.aof: 9 records, last good offset {good} of {len}: torn tail\n");
    assert!(out.starts_with("shard-0.1.aof: 10 records"), "{out}");
    assert!(out.ends_with(&line), "{out}");
    assert_eq!(size(&f), len as u64, "no --fix, no change");

    let (code, out) = check(&d.0, true);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("shard-1.1.aof: truncated to {good} bytes")),
        "{out}"
    );
    assert_eq!(size(&f), good as u64);

    let (code, out) = check(&d.0, false);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("shard-1.1.aof: 9 records, {good} bytes, OK")),
        "{out}"
    );
}

#[test]
fn corruption_in_the_middle() {
    let (d, starts) = DataDir::new("corrupt", 1, 10);
    let f = d.file(0);
    let mut bytes = fs::read(&f).unwrap();
    bytes[starts[4] + 12] ^= 0xFF;
    fs::write(&f, &bytes).unwrap();
    let at = starts[4];
    let (code, out) = check(&d.0, false);
    let line = format!(
        "shard-0.1.aof: 4 records, last good offset {at} of {}: corrupt record at offset {at} (more data follows)\n",
        bytes.len()
    );
    assert_eq!((code, out), (1, line));

    let (code, out) = check(&d.0, true);
    assert_eq!(code, 0, "{out}");
    assert_eq!(size(&f), at as u64);
    assert_eq!(check(&d.0, false).0, 0);
}

#[test]
fn missing_or_bad_manifest() {
    let (d, _) = DataDir::new("manifest", 1, 1);
    let path = d.0.join(manifest::FILE);
    fs::write(&path, "{").unwrap();
    let (code, out) = check(&d.0, false);
    assert_eq!(code, 1);
    assert!(out.contains(&path.display().to_string()), "{out}");
    fs::remove_file(&path).unwrap();
    let (code, out) = check(&d.0, false);
    assert_eq!(code, 1);
    assert!(out.contains("manifest.json: no such file"), "{out}");
}

#[test]
fn missing_shard_file() {
    let (d, _) = DataDir::new("missing", 2, 1);
    fs::remove_file(d.file(0)).unwrap();
    let (code, out) = check(&d.0, true);
    assert_eq!(code, 1);
    assert!(out.starts_with("shard-0.1.aof: cannot read: "), "{out}");
}

#[test]
fn export_writes_json() {
    // tests/export.rs has the whole story.
    let (d, _) = DataDir::new("export", 1, 3);
    let out = Command::new(env!("CARGO_BIN_EXE_ringkv"))
        .arg("export")
        .arg(&d.0)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let key = |i: usize| {
        format!(r#"{{"key": "key:{i}", "type": "string", "expire_at_ms": null, "value": "value"}}"#)
    };
    let want = format!(
        "{{\"format\": \"ringkv-export\", \"version\": 1, \"databases\": [\n{{\"db\": 0, \"keys\": [\n{},\n{},\n{}\n]}}\n]}}\n",
        key(0),
        key(1),
        key(2)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
}
