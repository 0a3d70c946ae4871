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

async fn run_fault(fault: Fault) {
    let _ = env_logger::builder().is_test(true).try_init();
    let c = cluster(match fault {
        Fault::Stop => "stop",
        Fault::Kill => "kill",
    });
    c.cluster.ensure_database("faults").unwrap();
    let url = c.cluster.url("faults");
    db::run_migrations(&url).unwrap();
    {
        let mut conn = PgConnection::establish(&url).unwrap();
        assert!(par_tracker::seed::load_demo_if_empty(&mut conn).unwrap());
    }
    let pool = db::build_pool(&url, 4).unwrap();
    let tokens = TokenService::new(
        b"fault-secret-fault-secret-fault-secret!!",
        "par-tracker",
        "par-tracker-api",
        900,
        3600,
    );
    let mut conn = pool.get().unwrap();
    let officer = par_tracker::store::users::find_by_username(&mut conn, "stp")
        .unwrap()
        .unwrap();
    drop(conn);
    let token = tokens.issue_access_token(&par_tracker::domain::policy::Principal {
        user_id: officer.id,
        username: officer.username.clone(),
        role: officer.role,
        agency_id: officer.agency_id,
        credential_version: officer.credential_version,
    });
    let state = AppState {
        pool: pool.clone(),
        tokens,
        client_address: Default::default(),
        clock: Default::default(),
        password_checks: std::sync::Arc::new(par_tracker::auth::password::PasswordChecks::new(1)),
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
        let req = if n % 2 == 0 {
            TestRequest::get()
                .uri("/api/v1/plans")
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
    let mut conn = PgConnection::establish(&c.cluster.url("faults")).unwrap();
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
