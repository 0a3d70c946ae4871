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

fn run(data_dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BINARY)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn create_user_says_what_is_wrong_in_one_line() {
    let dir = scratch("create-user");
    let created = run(
        &dir,
        &[
            "create-user",
            "quantri",
            "admin",
            "--name",
            "Quản trị hệ thống",
        ],
        "mot-mat-khau-dai\n",
    );
    let stdout = String::from_utf8_lossy(&created.stdout);
    assert!(created.status.success(), "{created:?}");
    assert!(stdout.contains("Quản trị hệ thống"), "{stdout}");

    let again = run(
        &dir,
        &["create-user", "quantri", "admin"],
        "mot-mat-khau-khac\n",
    );
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    assert!(
        stderr.contains("the username 'quantri' is taken"),
        "{stderr}"
    );
    assert!(!stderr.contains("duplicate key"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let inspector = run(
        &dir,
        &["create-user", "kiemtra", "inspector", "SNV"],
        "mot-mat-khau-dai\n",
    );
    let stderr = String::from_utf8_lossy(&inspector.stderr);
    assert!(!inspector.status.success());
    assert!(
        stderr.contains("speaks for no agency; leave out the agency code"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openapi_write_works_from_any_folder() {
    let elsewhere = scratch("openapi");
    let printed = Command::new(BINARY)
        .arg("openapi")
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    let written = Command::new(BINARY)
        .args(["openapi", "--write"])
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    assert!(written.status.success(), "{written:?}");
    let spec = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    assert_eq!(spec, printed.stdout);
    assert!(!elsewhere.join("openapi").exists());
    let _ = std::fs::remove_dir_all(&elsewhere);
}

#[test]
fn a_closed_parent_folder_is_named_not_opened() {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        eprintln!("skipped: only a root start hands the cluster to another account");
        return;
    }
    let closed = scratch("closed");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let output = run(&closed.join("data"), &["seed-demo"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("chmod o+x {}", closed.display())),
        "{stderr}"
    );
    let mode = std::fs::metadata(&closed).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the parent keeps its mode");
    let _ = std::fs::remove_dir_all(&closed);
}

/// Resident memory of a process, in bytes.
fn rss_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// Sends one HTTP/1.1 request whose body is written in pieces as `body`
/// yields them; stops writing when the server stops reading. Status and answer.
fn stream_request(
    bind: SocketAddr,
    head: &str,
    body: impl Iterator<Item = Vec<u8>>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(bind).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    for piece in body {
        if stream.write_all(&piece).is_err() {
            break; // refused: the server answered and closed
        }
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[test]
fn an_upload_over_the_limit_is_refused_without_being_held_whole() {
    let dir = scratch("upload");
    let bind = free_port();
    let log = dir.join("server.log");
    let mut server = server(&dir, bind, &log);
    wait_until("the server serves", Duration::from_secs(180), || {
        healthy(bind)
    });
    let login = r#"{"username":"stp","password":"khanhhoa-2023"}"#;
    let (status, answer) = stream_request(
        bind,
        &format!(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{login}",
            login.len()
        ),
        std::iter::empty(),
    );
    assert_eq!(status, 200, "{answer}");
    let token = answer
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a token")
        .to_string();

    // A body that says it is 25 MB is refused before it is read.
    let (status, answer, grew) = watched_upload(&server, bind, &token, false);
    assert_eq!(status, 413, "{}", &answer[..answer.len().min(400)]);
    assert!(answer.contains("payload-too-large"), "{answer}");
    assert!(
        grew < 4 * 1_048_576,
        "grew by {grew} bytes for a body never read"
    );
    // One sent without a length (chunked) is counted as it arrives and refused
    // when it passes 20 MiB: held up to the limit, never whole.
    let (status, answer, grew) = watched_upload(&server, bind, &token, true);
    assert_eq!(status, 413, "{}", &answer[..answer.len().min(400)]);
    assert!(answer.contains("payload-too-large"), "{answer}");
    assert!(
        grew < UPLOAD_BYTES as u64,
        "the server's memory grew by {grew} bytes for a refused {UPLOAD_BYTES}-byte upload"
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

const UPLOAD_BYTES: usize = 25_000_000;

/// Uploads 25 MB of a PDF in 64 KiB pieces, with a `Content-Length` or chunked,
/// while the server's memory is watched: status, answer, and how far its
/// resident memory rose above where it was.
fn watched_upload(
    server: &Child,
    bind: SocketAddr,
    token: &str,
    chunked: bool,
) -> (u16, String, u64) {
    let boundary = "par-upload-boundary";
    let opening = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ho-so.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    );
    let closing = format!("\r\n--{boundary}--\r\n");
    let filler = UPLOAD_BYTES - 9;
    let length = opening.len() + filler + closing.len();
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {length}")
    };
    let pieces = std::iter::once(opening.into_bytes())
        .chain(
            (0..filler)
                .step_by(65_536)
                .map(move |at| vec![b'x'; 65_536.min(filler - at)]),
        )
        .chain(std::iter::once(closing.into_bytes()))
        .map(move |piece| {
            if chunked {
                let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                framed.extend_from_slice(&piece);
                framed.extend_from_slice(b"\r\n");
                framed
            } else {
                piece
            }
        })
        .chain(chunked.then(|| b"0\r\n\r\n".to_vec()));
    let pid = server.id();
    let before = rss_bytes(pid);
    let watching = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let watcher = {
        let watching = watching.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while watching.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_bytes(pid));
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    };
    let (status, answer) = stream_request(
        bind,
        &format!(
            "POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n{framing}\r\nConnection: close\r\n\r\n"
        ),
        pieces,
    );
    watching.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = watcher.join().unwrap();
    assert!(before > 0 && peak >= before, "the server's memory was read");
    let grew = peak - before;
    eprintln!(
        "25 MB upload ({}): {status}; server RSS {:.1} → peak {:.1} MiB (+{:.1} MiB)",
        if chunked {
            "chunked"
        } else {
            "with its length"
        },
        before as f64 / 1_048_576.0,
        peak as f64 / 1_048_576.0,
        grew as f64 / 1_048_576.0
    );
    (status, answer, grew)
}
