use actix_web::http::StatusCode;
use diesel::{Connection, PgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use serde_json::json;

use crate::actors::{path, Actor};
use crate::common::{url, JsonExt, TestApp};
use crate::demo;
use par_tracker::db::{self, MIGRATIONS};

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::empty().await;
    let r = app.get("/healthz").send().await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = app.get("/readyz").send().await;
    assert_eq!(r.status, StatusCode::OK);
}

#[actix_web::test]
async fn unknown_routes_are_problem_documents() {
    let app = TestApp::empty().await;
    app.get("/api/v1/nothing-here")
        .send()
        .await
        .problem(404)
        .problem_type("not-found");
    // a path the API has, with a method it does not: 405 naming the allowed ones
    let r = app
        .call(actix_web::http::Method::DELETE, "/api/v1/plans")
        .send()
        .await;
    r.problem(405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, POST"));
    let r = app
        .call(
            actix_web::http::Method::PUT,
            "/api/v1/tasks/4b1c3a30-8f3f-4d55-9d4a-0c6f1b1f0a11",
        )
        .send()
        .await;
    r.problem(405);
    assert_eq!(r.header("allow"), Some("GET, HEAD, PATCH"));
}

#[actix_web::test]
async fn a_path_of_its_own_beside_a_parameter_s_is_405_not_a_bad_id() {
    // `/agencies/reorganisations` beside `/agencies/{id}`: not "reorganisations
    // is not a UUID"; an id that is not one stays 400
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    for method in [
        actix_web::http::Method::GET,
        actix_web::http::Method::PATCH,
        actix_web::http::Method::OPTIONS,
    ] {
        let r = coordinator
            .request(method, "/api/v1/agencies/reorganisations")
            .json(&serde_json::json!({"name": "x"}))
            .send()
            .await;
        r.problem(405);
        assert_eq!(r.header("allow"), Some("POST"));
    }
    coordinator
        .request(
            actix_web::http::Method::PATCH,
            "/api/v1/agencies/so-tu-phap",
        )
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .field_error(400, "id");
}

#[actix_web::test]
async fn spec_and_docs_are_served() {
    let app = TestApp::empty().await;
    let r = app.get("/openapi.json").send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["paths"]["/api/v1/tasks"]["get"].is_object());
    let r = app.get("/docs").send().await;
    assert!(r.status.is_redirection());
    assert_eq!(r.header("location"), Some("/docs/"));
    let r = app.get("/docs/").send().await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.raw.contains("swagger"), "Swagger UI page");
}

#[test]
fn committed_spec_matches_the_code() {
    let generated = par_tracker::startup::openapi_json();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    assert!(
        generated == committed,
        "openapi/openapi.json is out of date: regenerate it with `cargo run -- openapi --write`"
    );
}

#[actix_web::test]
async fn migrations_apply_revert_and_apply_again() {
    let app = TestApp::empty().await;
    let mut conn = PgConnection::establish(&url(&app.db_name)).unwrap();
    conn.revert_all_migrations(MIGRATIONS)
        .expect("revert every migration");
    let tables = app.count("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'");
    assert_eq!(tables, 0, "down migrations drop everything");
    drop(conn);
    let applied = db::run_migrations(&url(&app.db_name)).unwrap();
    assert!(!applied.is_empty());
    // the schema module matches the SQL: every table loads through diesel's typed rows
    let mut conn = app.pool().get().unwrap();
    use par_tracker::store;
    assert_eq!(
        store::agencies::list_areas(&mut conn).unwrap().len(),
        demo::AREAS
    );
    store::tasks::list_view(
        &mut conn,
        &store::tasks::TaskFilter::as_of(chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()),
        par_tracker::domain::enums::TaskSort::Code,
        None,
        Some(1),
        store::tasks::Keeping::Never,
    )
    .unwrap();
    diesel::sql_query("SELECT 1").execute(&mut conn).unwrap();
}

#[actix_web::test]
async fn concurrent_starts_migrate_once() {
    let app = TestApp::empty().await;
    let mut conn = PgConnection::establish(&url(&app.db_name)).unwrap();
    conn.revert_all_migrations(MIGRATIONS).unwrap();
    drop(conn);
    let target = url(&app.db_name);
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || db::run_migrations(&target).unwrap())
        })
        .collect();
    let applied: Vec<usize> = handles
        .into_iter()
        .map(|h| h.join().unwrap().len())
        .collect();
    let total: usize = MIGRATIONS_COUNT.with(|c| *c);
    assert_eq!(
        applied.iter().sum::<usize>(),
        total,
        "each migration applied exactly once: {applied:?}"
    );
    assert_eq!(applied.iter().filter(|n| **n > 0).count(), 1);
}

thread_local! {
    static MIGRATIONS_COUNT: usize = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
}

#[actix_web::test]
async fn demo_plan_stands_at_64_of_64_at_year_end() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let plans = inspector.get(path::PLANS).await.ok().items();
    assert_eq!(plans.len(), demo::PLANS);
    assert!(plans.iter().any(|p| p["code"] == demo::PLAN_CODE));
    let plan = inspector.demo_plan_id().await;
    let year_end = inspector.plan_summary(&plan, demo::YEAR_END).await;
    assert_eq!(year_end["total"], demo::TASKS);
    assert_eq!(year_end["by_status"]["completed"], demo::TASKS);
    assert_eq!(year_end["overdue"], 0);
    assert_eq!(year_end["completion_rate"], 100.0);
    let q3 = inspector.plan_summary(&plan, demo::Q3_END).await;
    assert!(
        q3["overdue"].as_i64().unwrap() > 0,
        "some tasks are late at the end of Q3"
    );
    assert!((q3["by_status"]["completed"].as_i64().unwrap() as usize) < demo::TASKS);
    // every deadline kind is present with its Vietnamese label
    let items = inspector.tasks(&format!("plan_id={plan}&limit=200")).await;
    assert_eq!(items.len(), demo::TASKS);
    for kind in ["date", "month", "quarter", "ongoing"] {
        assert!(
            items.iter().any(|t| t["deadline"]["kind"] == kind),
            "{kind}"
        );
    }
    assert!(items
        .iter()
        .any(|t| t["deadline"]["label"] == "Thường xuyên"));
    assert!(items
        .iter()
        .any(|t| t["deadline"]["label"].as_str().unwrap().starts_with("Quý ")));
    // agencies and areas are browsable
    let agencies = inspector
        .get("/api/v1/agencies?limit=200")
        .await
        .ok()
        .items();
    assert!(agencies.len() >= demo::AGENCIES_AT_LEAST);
    let areas = inspector.get("/api/v1/areas").await;
    assert_eq!(areas.body.as_array().unwrap().len(), demo::AREAS);
}

#[actix_web::test]
async fn the_demo_loads_once() {
    let app = TestApp::demo().await;
    let mut conn = app.pool().get().unwrap();
    assert!(
        !par_tracker::seed::load_demo_if_empty(&mut conn).unwrap(),
        "a second load does nothing"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM tasks") as usize,
        demo::TASKS + demo::CURRENT_YEAR_TASKS + demo::TASKS_2025
    );
}

#[actix_web::test]
async fn the_demo_never_joins_real_accounts() {
    let app = TestApp::empty().await;
    app.create_user("quantri", "admin", None, "mot-mat-khau-dai");
    let mut conn = app.pool().get().unwrap();
    assert!(!par_tracker::seed::load_demo_if_empty(&mut conn).unwrap());
    assert_eq!(app.count("SELECT count(*) AS n FROM users"), 1);
    assert_eq!(app.count("SELECT count(*) AS n FROM plans"), 0);
    assert!(
        !par_tracker::seed::demo_loaded(&mut conn).unwrap(),
        "no demo warning for a real database"
    );
    let demo = TestApp::demo().await;
    let mut conn = demo.pool().get().unwrap();
    assert!(
        par_tracker::seed::demo_loaded(&mut conn).unwrap(),
        "the demo is remembered, for the warning at each start"
    );
}
