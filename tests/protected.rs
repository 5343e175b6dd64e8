//! Protected mode seen from a real non-loopback client: a network namespace
//! of the test's own, joined to this one by a veth pair (needs root and
//! iproute2, which CI has). The server listens on 0.0.0.0 without a password
//! and must refuse the namespace's client with Redis's DENIED message, while
//! loopback clients are served; with a password the outside client is let in.

mod common;
use common::*;

use std::process::Command;

struct Netns {
    name: String,
    host_if: String,
}

impl Netns {
    fn create(tag: u32) -> Option<Netns> {
        let id = std::process::id() % 10000;
        let name = format!("rkv{id}{tag}");
        let host_if = format!("rkh{id}{tag}");
        let ns_if = format!("rkn{id}{tag}");
        let host_ip = format!("10.213.{tag}.1/30");
        let ns_ip = format!("10.213.{tag}.2/30");
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), name.clone()],
            vec![
                "link".into(),
                "add".into(),
                host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                ns_if.clone(),
            ],
            vec![
                "link".into(),
                "set".into(),
                ns_if.clone(),
                "netns".into(),
                name.clone(),
            ],
            vec![
                "addr".into(),
                "add".into(),
                host_ip,
                "dev".into(),
                host_if.clone(),
            ],
            vec!["link".into(), "set".into(), host_if.clone(), "up".into()],
            vec![
                "-n".into(),
                name.clone(),
                "addr".into(),
                "add".into(),
                ns_ip,
                "dev".into(),
                ns_if.clone(),
            ],
            vec![
                "-n".into(),
                name.clone(),
                "link".into(),
                "set".into(),
                ns_if,
                "up".into(),
            ],
            vec![
                "-n".into(),
                name.clone(),
                "link".into(),
                "set".into(),
                "lo".into(),
                "up".into(),
            ],
        ];
        let ns = Netns { name, host_if };
        for s in steps {
            let ok = Command::new("ip")
                .args(&s)
                .status()
                .map(|st| st.success())
                .unwrap_or(false);
            if !ok {
                eprintln!("protected-mode test: `ip {}` failed", s.join(" "));
                return None;
            }
        }
        Some(ns)
    }

    /// Connects from inside the namespace, sends PING, returns what came back.
    fn ping_from_inside(&self, host: &str, port: u16) -> String {
        let script = format!(
            "import socket\ns=socket.create_connection(('{host}',{port}),timeout=5)\ns.sendall(b'PING\\r\\n')\nout=b''\nwhile True:\n    try:\n        d=s.recv(65536)\n    except Exception:\n        break\n    if not d:\n        break\n    out+=d\n    if out.endswith(b'\\r\\n') and (out.startswith(b'+') or out.startswith(b'-NOAUTH')):\n        break\nprint(out.decode('latin-1'),end='')\n"
        );
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "python3", "-c", &script])
            .output()
            .expect("run python3 in the namespace");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_if])
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

#[test]
fn non_loopback_clients_are_denied_without_a_password() {
    if !is_root() {
        eprintln!("protected-mode test needs root for a network namespace; not run");
        return;
    }
    let ns = Netns::create(1).expect("network namespace (root + iproute2)");
    let srv = TestServer::with(|c| c.bind = vec!["0.0.0.0".into()]);
    let reply = ns.ping_from_inside("10.213.1.1", srv.port);
    assert_eq!(reply, ringkv::server::PROTECTED_MODE_MSG);
    // Loopback clients are served.
    let mut r = srv.raw();
    r.roundtrip(&[b"PING"], b"+PONG\r\n");
    drop(srv);

    let srv = TestServer::with(|c| {
        c.bind = vec!["0.0.0.0".into()];
        c.requirepass = Some("pw".into());
    });
    assert_eq!(
        ns.ping_from_inside("10.213.1.1", srv.port),
        "-NOAUTH Authentication required.\r\n"
    );
    drop(srv);

    let srv = TestServer::with(|c| {
        c.bind = vec!["0.0.0.0".into()];
        c.protected_mode = false;
    });
    assert_eq!(ns.ping_from_inside("10.213.1.1", srv.port), "+PONG\r\n");
}
