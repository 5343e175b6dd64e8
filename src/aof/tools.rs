//! The offline subcommands of the `ringkv` binary (`check-aof`, `export`,
//! `import`), run instead of the server.

use std::fs::{self, OpenOptions};
use std::path::Path;

use super::manifest;
use super::record::{self, Kind, Scan};
use crate::config::Command;

/// Runs `command` and returns the process exit code.
pub fn run(command: &Command) -> i32 {
    match command {
        Command::CheckAof { dir, fix } => check_aof(dir, *fix),
        Command::Export { .. } => super::export::run(command),
        Command::Import { .. } => super::import::run(command),
    }
}

/// Checks every file the manifest of `dir` lists, one line per file; with
/// `fix`, cuts each damaged file at its last good record. 0 when every file
/// is (now) good, 1 otherwise.
pub fn check_aof(dir: &Path, fix: bool) -> i32 {
    let m = match manifest::load(dir) {
        Ok(Some(m)) => m,
        Ok(None) => {
            let path = dir.join(manifest::FILE);
            eprintln!(
                "{}: no such file (not a ringkv data directory?)",
                path.display()
            );
            return 1;
        }
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let mut code = 0;
    for f in &m.files {
        if !check_file(&dir.join(&f.name), &f.name, fix) {
            code = 1;
        }
    }
    code
}

/// Checks (and maybe fixes) one file; true when it is good at the end.
fn check_file(path: &Path, name: &str, fix: bool) -> bool {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            println!("{name}: cannot read: {e}");
            return false;
        }
    };
    let Scan {
        records,
        good_end,
        problem,
    } = record::scan(&bytes);
    let size = bytes.len();
    let Some(p) = problem else {
        println!("{name}: {records} records, {size} bytes, OK");
        return true;
    };
    let what = match p.kind {
        Kind::TornTail => "torn tail".to_string(),
        Kind::Corrupt => format!("corrupt record at offset {} (more data follows)", p.offset),
    };
    println!("{name}: {records} records, last good offset {good_end} of {size}: {what}");
    if !fix {
        return false;
    }
    let cut = OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(good_end).and_then(|()| f.sync_all()));
    match cut {
        Ok(()) => {
            println!(
                "{name}: truncated to {good_end} bytes ({} bytes removed)",
                size as u64 - good_end
            );
            true
        }
        Err(e) => {
            println!("{name}: cannot truncate: {e}");
            false
        }
    }
}
