//! The `ringkv` binary itself: flags, a config file, clean exit on SIGTERM
//! and SIGINT.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ringkv"))
        .args(args)
        .env("RINGKV_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ringkv");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let plain: String = strip_ansi(&line);
        if let Some(p) = plain.split("port=").nth(1) {
            let port: u16 = p
                .split_whitespace()
                .next()
                .unwrap_or("0")
                .parse()
                .unwrap_or(0);
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, port);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("ringkv did not report its port");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            if c == 'm' {
                esc = false;
            }
        } else if c == '\x1b' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

fn ping(port: u16) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(b"PING\r\n").expect("write");
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).expect("read");
    buf.to_vec()
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        assert!(Instant::now() < deadline, "ringkv did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_and_sigint_stop_the_server_cleanly() {
    for sig in [libc_sigterm(), libc_sigint()] {
        let (mut child, port) = spawn(&["--port", "0", "--shards", "3", "--appendonly", "no"]);
        assert_eq!(ping(port), b"+PONG\r\n");
        let st = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(st.success());
        let status = wait_exit(&mut child);
        assert!(
            status.success(),
            "exit status {status:?} after signal {sig}"
        );
    }
}

#[test]
fn config_file_and_flags() {
    let dir = std::env::temp_dir().join(format!("ringkv-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let conf = dir.join("ringkv.conf");
    std::fs::write(
        &conf,
        "# a comment\nport 0\ndatabases 4\nrequirepass \"s3cret\"\n",
    )
    .expect("write conf");
    let (mut child, port) = spawn(&[
        "--config",
        conf.to_str().expect("path"),
        "--shards",
        "2",
        "--appendonly",
        "no",
    ]);
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    s.write_all(b"PING\r\n").expect("write");
    let mut buf = vec![0u8; "-NOAUTH Authentication required.\r\n".len()];
    s.read_exact(&mut buf).expect("read");
    assert_eq!(buf, b"-NOAUTH Authentication required.\r\n");
    child.kill().ok();
    child.wait().ok();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_flag_value_is_refused_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_ringkv"))
        .args(["--appendfsync", "sometimes"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.is_empty(), "an explanation on stderr");
}

fn libc_sigterm() -> &'static str {
    "TERM"
}

fn libc_sigint() -> &'static str {
    "INT"
}
