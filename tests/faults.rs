//! Database faults under a client loop: PostgreSQL stopped, and killed with
//! SIGKILL, while requests keep coming. During the outage every answer is a
//! 503 problem document with `Retry-After`, never a 500; once PostgreSQL
//! accepts connections again the service answers within a second; and every
//! write that was acknowledged is in the database afterwards.
//!
//! Each test runs its own throwaway cluster (the shared test cluster of the
//! `api` tests must not be stopped under them).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use par_tracker::auth::TokenService;
use par_tracker::db;
use par_tracker::db::local_cluster::{Durability, LocalCluster};
use par_tracker::startup::{app, AppState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Stop,
    Kill,
}

/// A cluster with a migrated database holding the demo, its pool (of `size`),
/// the token service, and a token for `username` (minted, no password check).
struct Demo {
    cluster: Cluster,
    url: String,
    pool: db::DbPool,
    tokens: TokenService,
    token: String,
    user: par_tracker::store::users::UserRow,
}

fn demo(name: &str, size: u32, username: &str) -> Demo {
    let cluster = cluster(name);
    cluster.cluster.ensure_database("demo").unwrap();
    let url = cluster.cluster.url("demo");
    db::run_migrations(&url).unwrap();
    {
        let mut conn = PgConnection::establish(&url).unwrap();
        assert!(par_tracker::seed::load_demo_if_empty(&mut conn).unwrap());
    }
    let pool = db::build_pool(&url, size).unwrap();
    let tokens = TokenService::new(
        b"fault-secret-fault-secret-fault-secret!!",
        "par-tracker",
        "par-tracker-api",
        900,
        3600,
    );
    let mut conn = pool.get().unwrap();
    let user = par_tracker::store::users::find_by_username(&mut conn, username)
        .unwrap()
        .unwrap();
    drop(conn);
    let token = tokens.issue_access_token(&par_tracker::domain::policy::Principal {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role,
        agency_id: user.agency_id,
        credential_version: user.credential_version,
    });
    Demo {
        cluster,
        url,
        pool,
        tokens,
        token,
        user,
    }
}

/// One answer the client loop saw.
#[derive(Debug, Clone)]
struct Seen {
    sent_at: Instant,
    status: u16,
    problem: bool,
    retry_after: bool,
    /// For a 201 report: the report's id.
    created: Option<String>,
}

struct Cluster {
    cluster: LocalCluster,
    dir: std::path::PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cluster(name: &str) -> Cluster {
    let dir = std::env::temp_dir().join(format!("par-faults-{name}-{}", std::process::id()));
    // Durable: with the test clusters' synchronous_commit=off, a crash loses acknowledged commits.
    let cluster = LocalCluster::start(&dir, Durability::Durable).expect("start a cluster");
    Cluster { cluster, dir }
}

/// The tests of this file run one at a time: each loads the machine in its
/// own way, and the latency test must not measure the others.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

// The guard only orders whole tests, each on its own runtime thread.
#[allow(clippy::await_holding_lock)]
async fn run_fault(fault: Fault) {
    let _ = env_logger::builder().is_test(true).try_init();
    let _turn = one_at_a_time();
    let Demo {
        cluster: c,
        url,
        pool,
        tokens,
        token,
        user: officer,
    } = demo(
        match fault {
            Fault::Stop => "stop",
            Fault::Kill => "kill",
        },
        4,
        "stp",
    );
    let state = AppState {
        pool: pool.clone(),
        tokens,
        client_address: Default::default(),
        clock: Default::default(),
        password_checks: std::sync::Arc::new(par_tracker::auth::password::PasswordChecks::new(1)),
        cors_origins: Default::default(),
        webhook_targets: Default::default(),
        exports: Default::default(),
        secure_cookies: false,
        reads: par_tracker::db::reads::ReadPools::new(
            &url,
            par_tracker::db::reads::DEFAULT_PER_WORKER,
        ),
    };
    let svc = actix_web::test::init_service(app(&state)).await;

    // An open task led by STP to report on: created directly, as the demo year is closed.
    let task = open_task(&url, officer.agency_id.unwrap().0);

    // The fault: stop or kill the server 0.5 s in, start it again 2.5 s later.
    let up_again: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let down_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let (up, down) = (up_again.clone(), down_at.clone());
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        match fault {
            Fault::Stop => c.cluster.stop().unwrap(),
            Fault::Kill => c.cluster.kill_server().unwrap(),
        }
        *down.lock().unwrap() = Some(Instant::now());
        std::thread::sleep(Duration::from_millis(2500));
        c.cluster.restart_server().unwrap();
        *up.lock().unwrap() = Some(Instant::now());
        c
    });

    let started = Instant::now();
    let mut seen: Vec<Seen> = Vec::new();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(12) {
        let is_up = up_again.lock().unwrap().is_some();
        if is_up && seen.iter().rev().take(10).all(|s| s.status < 300) && seen.len() > 10 {
            break;
        }
        n += 1;
        let sent_at = Instant::now();
        // A list (blocking path), one task (async path once its standing is
        // kept, see `db::reads`), and a report (a write).
        let req = if n % 3 == 0 {
            TestRequest::get()
                .uri("/api/v1/plans")
                .insert_header(("Authorization", format!("Bearer {token}")))
        } else if n % 3 == 1 {
            TestRequest::get()
                .uri(&format!("/api/v1/tasks/{task}"))
                .insert_header(("Authorization", format!("Bearer {token}")))
        } else {
            TestRequest::post()
                .uri(&format!("/api/v1/tasks/{task}/reports"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .insert_header(("content-type", "application/json"))
                .set_payload(
                    json!({"progress_percent": 10, "summary": format!("Báo cáo số {n}")})
                        .to_string(),
                )
        };
        let res: ServiceResponse = match svc.call(req.to_request()).await {
            Ok(res) => res.map_into_boxed_body(),
            Err(e) => {
                ServiceResponse::new(TestRequest::default().to_http_request(), e.error_response())
            }
        };
        let status = res.status().as_u16();
        let problem = res
            .headers()
            .get("content-type")
            .is_some_and(|v| v == "application/problem+json");
        let retry_after = res.headers().contains_key("retry-after");
        let body = actix_web::test::read_body(res).await;
        let created = (status == 201)
            .then(|| serde_json::from_slice::<serde_json::Value>(&body).ok())
            .flatten()
            .and_then(|v| v["id"].as_str().map(str::to_string));
        seen.push(Seen {
            sent_at,
            status,
            problem,
            retry_after,
            created,
        });
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    let c = handle.join().unwrap();
    let down_at = down_at.lock().unwrap().unwrap();
    let up_at = up_again.lock().unwrap().unwrap();

    let mut by_status = std::collections::BTreeMap::new();
    for s in &seen {
        *by_status.entry(s.status).or_insert(0) += 1;
    }
    eprintln!("{fault:?}: answers by status {by_status:?}");

    // Only successes and 503 problem documents with Retry-After, ever.
    for s in &seen {
        assert!(
            matches!(s.status, 200 | 201 | 503),
            "{fault:?}: status {} at {:?} after the fault",
            s.status,
            s.sent_at.checked_duration_since(down_at)
        );
        if s.status == 503 {
            assert!(s.problem && s.retry_after, "{fault:?}: a bare 503");
        }
    }
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 0,
        "{fault:?}: the outage was not seen at all"
    );
    // Within a second of PostgreSQL accepting connections, requests succeed.
    let recovered = seen
        .iter()
        .find(|s| s.sent_at >= up_at && s.status < 300)
        .map(|s| s.sent_at.duration_since(up_at))
        .expect("a success after the restart");
    eprintln!("{fault:?}: first success {recovered:?} after PostgreSQL was back");
    assert!(
        recovered < Duration::from_secs(1),
        "{fault:?}: recovery took {recovered:?}"
    );
    for s in seen
        .iter()
        .filter(|s| s.sent_at >= up_at + Duration::from_secs(1))
    {
        assert!(s.status < 300, "{fault:?}: {} after recovery", s.status);
    }
    // Every acknowledged report is stored.
    let acknowledged: Vec<&String> = seen.iter().filter_map(|s| s.created.as_ref()).collect();
    let mut conn = PgConnection::establish(&c.cluster.url("demo")).unwrap();
    let stored = count(
        &mut conn,
        &format!("SELECT count(*) AS n FROM progress_reports WHERE task_id = '{task}'"),
    );
    eprintln!(
        "{fault:?}: {} reports acknowledged, {stored} stored",
        acknowledged.len()
    );
    assert!(!acknowledged.is_empty());
    assert_eq!(
        stored,
        acknowledged.len() as i64,
        "{fault:?}: acknowledged writes lost"
    );
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql).get_result::<N>(conn).unwrap().n
}

/// A not-started task led by `agency` in a new plan, inserted directly.
fn open_task(url: &str, agency: Uuid) -> Uuid {
    let mut conn = PgConnection::establish(url).unwrap();
    let (plan, task) = (Uuid::new_v4(), Uuid::new_v4());
    diesel::sql_query(format!(
        "INSERT INTO plans (id, code, year, title) VALUES ('{plan}', 'FAULTS', 2030, 'Kế hoạch thử')"
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO tasks (id, plan_id, code, title, area, lead_agency_id, deadline_kind,
           deadline_label, original_due_on, due_on, expected_output, status, progress_percent, search_text)
         VALUES ('{task}', '{plan}', 'NV01', 'Nhiệm vụ thử', 'institution', '{agency}', 'ongoing',
           'Thường xuyên', '2030-12-31', '2030-12-31', 'Báo cáo', 'not_started', 0, 'nv01')"
    ))
    .execute(&mut conn)
    .unwrap();
    task
}

#[actix_web::test]
async fn a_stopped_database_is_503_and_service_resumes_within_a_second() {
    run_fault(Fault::Stop).await;
}

#[actix_web::test]
async fn a_killed_database_is_503_and_service_resumes_within_a_second() {
    run_fault(Fault::Kill).await;
}

/// A database with the demo, and a real HTTP server on a loopback port.
struct Served {
    addr: std::net::SocketAddr,
    handle: actix_web::dev::ServerHandle,
    _cluster: Cluster,
    token: String,
}

fn serve(name: &str, login_concurrency: usize) -> Served {
    let Demo {
        cluster: c,
        pool,
        tokens,
        token,
        url,
        ..
    } = demo(name, 8, "thanhtra");
    let state = AppState {
        pool,
        tokens,
        client_address: Default::default(),
        clock: Default::default(),
        password_checks: std::sync::Arc::new(par_tracker::auth::password::PasswordChecks::new(
            login_concurrency,
        )),
        cors_origins: Default::default(),
        webhook_targets: Default::default(),
        exports: Default::default(),
        secure_cookies: false,
        reads: par_tracker::db::reads::ReadPools {
            database_url: url,
            per_worker: par_tracker::db::reads::DEFAULT_PER_WORKER,
        },
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(move || app(&state))
                .workers(2)
                .listen(listener)
                .unwrap()
                .run();
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        })
    });
    Served {
        addr,
        handle: rx.recv().unwrap(),
        _cluster: c,
        token,
    }
}

/// One HTTP/1.1 exchange over a fresh connection: status, raw head and body, time taken.
fn http(addr: std::net::SocketAddr, request: &str) -> (u16, String, Duration) {
    use std::io::{Read, Write};
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer, started.elapsed())
}

fn get(addr: std::net::SocketAddr, path: &str, token: &str) -> (u16, String, Duration) {
    http(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ),
    )
}

/// A kept-alive HTTP/1.1 connection, as a browser or an integrating system holds one.
struct KeepAlive {
    stream: std::io::BufReader<std::net::TcpStream>,
}

impl KeepAlive {
    fn open(addr: std::net::SocketAddr) -> KeepAlive {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        KeepAlive {
            stream: std::io::BufReader::new(stream),
        }
    }

    /// Sends one request and reads its answer: status, head, time taken.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &str,
        body: &str,
    ) -> (u16, String, Duration) {
        use std::io::{BufRead, Read, Write};
        let started = Instant::now();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream.get_mut().write_all(request.as_bytes()).unwrap();
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if self.stream.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).unwrap();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, head, started.elapsed())
    }
}

fn p95(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 95 / 100).min(samples.len() - 1)]
}

/// Resident memory of this process (server and test alike), in MiB.
fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

#[test]
fn a_correct_password_flood_leaves_other_requests_fast() {
    let _turn = one_at_a_time();
    let served = serve("flood", 1);
    let (addr, token) = (served.addr, served.token.clone());
    // warm up, then the unrelated reader's latency with nothing else running
    let auth = format!("Authorization: Bearer {token}\r\n");
    let mut reader = KeepAlive::open(addr);
    for _ in 0..5 {
        assert_eq!(reader.send("GET", "/api/v1/plans", &auth, "").0, 200);
    }
    let quiet: Vec<Duration> = (0..40)
        .map(|_| {
            let (status, _, took) = reader.send("GET", "/api/v1/plans", &auth, "");
            assert_eq!(status, 200);
            took
        })
        .collect();
    let rss_before = rss_mib();
    // 16 clients post the right password for one account, over and over
    let stop_at = Instant::now() + Duration::from_secs(5);
    let flooders: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut client = KeepAlive::open(addr);
                let body = json!({"username": "thanhtra", "password": "khanhhoa-2023"}).to_string();
                while Instant::now() < stop_at {
                    let (status, answer, took) = client.send(
                        "POST",
                        "/api/v1/auth/token",
                        "Content-Type: application/json\r\n",
                        &body,
                    );
                    if !matches!(status, 200 | 503) {
                        eprintln!("unexpected answer: {answer}");
                    }
                    // Retried at once after a success, after 50 ms when told to
                    // wait: eager clients, not a packet flood (which a proxy's
                    // rate limit meets, and which on this machine would starve
                    // the server of the cores the clients spin on).
                    if status == 503 {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    seen.push((status, answer.to_lowercase().contains("retry-after:"), took));
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut busy: Vec<Duration> = Vec::new();
    let mut loaded: Vec<Duration> = Vec::new();
    while Instant::now() < stop_at - Duration::from_millis(200) {
        let (status, _, took) = reader.send("GET", "/api/v1/plans", &auth, "");
        assert_eq!(status, 200, "the unrelated reader failed during the flood");
        loaded.push(took);
    }
    let rss_during = rss_mib();
    let mut by_status = std::collections::BTreeMap::new();
    for handle in flooders {
        for (status, retry_after, took) in handle.join().unwrap() {
            *by_status.entry(status).or_insert(0) += 1;
            assert!(matches!(status, 200 | 503), "a login answered {status}");
            if status == 503 {
                assert!(retry_after, "503 without Retry-After");
                busy.push(took);
            }
        }
    }
    actix_web::rt::System::new().block_on(served.handle.stop(true));
    let (quiet_p95, loaded_p95) = (p95(quiet), p95(loaded));
    eprintln!(
        "flood: logins by status {by_status:?}; reader p95 {quiet_p95:?} quiet, {loaded_p95:?} during the flood; \
         busy answers p95 {:?}; RSS {rss_before} MiB before, {rss_during} MiB during",
        if busy.is_empty() {
            Duration::ZERO
        } else {
            p95(busy.clone())
        }
    );
    assert!(
        by_status.get(&200).copied().unwrap_or(0) > 0,
        "no login got through"
    );
    assert!(
        by_status.get(&503).copied().unwrap_or(0) > 0,
        "nothing was over capacity"
    );
    // Beyond capacity a login is told at once, not queued.
    assert!(p95(busy) < Duration::from_millis(250));
    // The reader stays within twice its quiet latency (with a floor for
    // the scheduling noise of a small machine).
    let allowed = (quiet_p95 * 2).max(Duration::from_millis(30));
    assert!(
        loaded_p95 <= allowed,
        "reader p95 {loaded_p95:?} during the flood, allowed {allowed:?}"
    );
    // One password check at a time: memory does not grow with the callers.
    assert!(
        rss_during < rss_before + 64,
        "RSS grew from {rss_before} to {rss_during} MiB"
    );
}

#[test]
fn a_body_that_never_arrives_is_408_and_a_huge_url_414() {
    let _turn = one_at_a_time();
    let served = serve("slow", 1);
    let addr = served.addr;
    let (status, answer, took) = http(
        addr,
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    );
    eprintln!("slow body: {status} after {took:?}");
    assert_eq!(status, 408, "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(20));
    // (Beyond 64 KiB the HTTP library refuses the URL itself, before the app.)
    let long = "a".repeat(60 * 1024);
    let (status, answer, _) = get(addr, &format!("/api/v1/tasks?q={long}"), &served.token);
    assert_eq!(status, 414, "{}", &answer[..answer.len().min(300)]);
    assert!(answer.contains("uri-too-long"));
    actix_web::rt::System::new().block_on(served.handle.stop(true));
}
