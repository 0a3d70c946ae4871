//! The binary as an operator runs it: a port in use is reported before the
//! database is touched, and a private cluster left running by a killed
//! server is adopted by the next start and stopped when it ends.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_par-tracker");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("par-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn server(data_dir: &Path, bind: SocketAddr, log: &Path) -> Child {
    Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data_dir)
        .env("BIND", bind.to_string())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

fn healthy(bind: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect(bind) else {
        return false;
    };
    let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    let pid = std::fs::read_to_string(data_dir.join("postgres/pgdata/postmaster.pid")).ok()?;
    pid.lines().next()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

#[test]
fn a_port_in_use_is_named_before_the_database_is_touched() {
    let dir = scratch("bind");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap();
    let output = Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", &dir)
        .env("BIND", bind.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].contains(&format!("BIND={bind}")),
        "names BIND and the address: {stderr}"
    );
    assert!(
        !dir.join("postgres").exists(),
        "no database was set up for a server that cannot listen"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_cluster_left_by_a_killed_server_is_adopted_and_stopped_on_exit() {
    let dir = scratch("adopt");
    let bind = free_port();
    let first_log = dir.join("first.log");
    let mut first = server(&dir, bind, &first_log);
    wait_until("the first server serves", Duration::from_secs(120), || {
        healthy(bind)
    });
    let postmaster = postmaster_pid(&dir).expect("the cluster runs");
    // the server dies without stopping its cluster
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(alive(postmaster), "the cluster outlives a killed server");

    let second_log = dir.join("second.log");
    let mut second = server(&dir, bind, &second_log);
    wait_until("the second server serves", Duration::from_secs(60), || {
        healthy(bind)
    });
    let log = std::fs::read_to_string(&second_log).unwrap();
    assert!(log.contains("adopting the PostgreSQL server"), "{log}");
    assert_eq!(
        postmaster_pid(&dir),
        Some(postmaster),
        "the same cluster, reused"
    );

    // Ctrl-C: the server stops, and with it the cluster it now owns
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(second.id() as i32, libc::SIGINT) };
    let status = second.wait().unwrap();
    assert!(status.success(), "{status:?}");
    wait_until("the cluster stops", Duration::from_secs(30), || {
        !alive(postmaster)
    });
    assert!(postmaster_pid(&dir).is_none(), "postmaster.pid is gone");
    let _ = std::fs::remove_dir_all(&dir);
}
