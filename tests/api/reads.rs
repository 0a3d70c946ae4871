//! A worker's own async connections (`db::reads`), on which one task is read
//! when its standing is kept: many reads in flight on them at once, and a
//! server that closes them.

use serde_json::{json, Value};

use crate::actors::{path, Actor};
use crate::common::{JsonExt, TestApp};
use crate::demo::INSPECTOR;
use par_tracker::db::reads::{ReadPool, ReadPools};
use par_tracker::domain::error::DomainError;
use par_tracker::domain::ids::TaskId;
use par_tracker::domain::overdue::province_date;
use par_tracker::domain::policy::Principal;
use par_tracker::service::tasks;

/// Reads `id` on the async connections: the task, or what went wrong.
async fn read(reads: &ReadPool, who: &Principal, id: TaskId) -> Result<Value, String> {
    let today = province_date(chrono::Utc::now());
    let who = who.clone();
    match reads.run(|c| tasks::get_kept_for(c, who, id, today)).await {
        Some(Ok(Some(task))) => Ok(serde_json::to_value(task).unwrap()),
        Some(Ok(None)) => Err("not kept".into()),
        Some(Err(DomainError::Unavailable(_))) => Err("unavailable".into()),
        Some(Err(e)) => Err(format!("failed: {e}")),
        None => Err("no connection".into()),
    }
}

/// A worker's connections to the test's database, as `per_worker` says.
fn worker_reads(app: &TestApp, per_worker: usize) -> ReadPool {
    ReadPools {
        database_url: app.database_url(),
        per_worker,
    }
    .build()
}

/// Keeps every task's standing (a list keeps its page's) and returns the
/// tasks' ids.
async fn keep_every_task(app: &TestApp) -> Vec<TaskId> {
    let page = Actor::inspector(app)
        .get("/api/v1/tasks?limit=200")
        .await
        .ok();
    assert_eq!(page["next_cursor"], Value::Null, "one page holds them all");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| TaskId(t.text("id").parse().unwrap()))
        .collect()
}

/// Every task of the demo read twice, all 128 reads in flight at once on a
/// worker's two connections: each gets its own task, as the blocking path
/// gives it.
#[actix_web::test]
async fn reads_in_flight_together_each_get_their_own_task() {
    let app = TestApp::demo().await;
    let ids = keep_every_task(&app).await;
    assert!(ids.len() >= 64, "{} tasks", ids.len());
    let who = app.principal(INSPECTOR);
    let today = province_date(chrono::Utc::now());
    let mut conn = app.pool().get().unwrap();
    let expected: std::collections::HashMap<TaskId, Value> = ids
        .iter()
        .map(|id| {
            let task = tasks::get_for(&mut conn, &who, *id, today, today).unwrap();
            (*id, serde_json::to_value(task).unwrap())
        })
        .collect();

    let reads = worker_reads(&app, 2);
    // Both connections made, one read each.
    for id in &ids[..2] {
        assert_eq!(read(&reads, &who, *id).await, Ok(expected[id].clone()));
    }
    let asked: Vec<TaskId> = ids.iter().chain(ids.iter().rev()).copied().collect();
    let answers =
        futures_util::future::join_all(asked.iter().map(|id| read(&reads, &who, *id))).await;
    for (id, answer) in asked.iter().zip(answers) {
        assert_eq!(answer, Ok(expected[id].clone()), "task {id}");
    }
}

/// Closes every connection to the test's database but the caller's, and
/// waits until they are gone.
fn close_every_other_connection(app: &TestApp) {
    app.execute(
        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
}

/// A server that closes the connections (a restart does) costs a read on
/// each connection an `unavailable`, and the next read on it makes it again;
/// through the API no read fails: the blocking path answers meanwhile.
#[actix_web::test]
async fn a_connection_the_server_closed_is_made_again_and_no_read_fails() {
    let app = TestApp::demo().await;
    let id = keep_every_task(&app).await[0];
    let (who, reads) = (app.principal(INSPECTOR), worker_reads(&app, 2));
    let task = read(&reads, &who, id).await.unwrap();
    assert_eq!(read(&reads, &who, id).await, Ok(task.clone()));

    close_every_other_connection(&app);
    let mut after = Vec::new();
    for _ in 0..6 {
        after.push(read(&reads, &who, id).await);
    }
    let unavailable = Err("unavailable".to_string());
    let ok = Ok(task.clone());
    assert_eq!(
        after,
        [&unavailable, &unavailable, &ok, &ok, &ok, &ok].map(Clone::clone),
        "each of the two connections fails once, then is made again"
    );

    let reader = Actor::inspector(&app);
    let before = reader.get(&path::task(&id.0.to_string())).await.ok();
    assert_eq!(before["id"], json!(id.0.to_string()));
    close_every_other_connection(&app);
    for _ in 0..6 {
        assert_eq!(
            reader.get(&path::task(&id.0.to_string())).await.ok(),
            before
        );
    }
}

/// With no connections configured (`READ_CONNECTIONS_PER_WORKER=0`) nothing
/// is read on them: every read is the blocking path's.
#[actix_web::test]
async fn with_no_connections_configured_every_read_takes_the_blocking_path() {
    let app = TestApp::demo().await;
    let id = keep_every_task(&app).await[0];
    let none = worker_reads(&app, 0);
    let answer = read(&none, &app.principal(INSPECTOR), id).await;
    assert_eq!(answer, Err("no connection".into()));
}
