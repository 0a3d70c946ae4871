//! What an integrator meets: merge patches as RFC 7396 says, every error at
//! once, paths and ids as the spec writes them, headers the spec documents,
//! Swagger UI that keeps to itself, and a demo with work still open.

use actix_web::http::Method;
use serde_json::json;

use crate::actors::{path, Actor};
use crate::bodies::{PlanBody, ReportBody, TaskBody};
use crate::common::{JsonExt, TestApp};
use crate::demo::{STP, STTTT};

#[actix_web::test]
async fn a_merge_patch_removes_optional_fields_refuses_removing_required_ones_and_may_change_nothing(
) {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let task = coordinator
        .create_task(&plan, &TaskBody::new("NV01").lead(STP).supporting(&[STTTT]))
        .await;
    let task_path = path::task(&task.id());
    let etag = coordinator.get(&task_path).await.etag();
    let history = |app: &TestApp| {
        app.count(&format!(
            "SELECT count(*) AS n FROM audit_events WHERE entity_id = '{}'",
            task.id()
        ))
    };
    let written = history(&app);

    // nothing sent, or only what is already there: 200, same version and ETag, no history
    for unchanged in [
        json!({}),
        json!({"title": task["title"], "area": task["area"]}),
        json!({"supporting_agency_ids": [app.agency_id(STTTT)]}),
        json!({"objective_id": null}),
    ] {
        let r = coordinator
            .patch_if_match(&task_path, &etag, &unchanged)
            .await;
        let body = r.ok();
        assert_eq!(body["version"], task["version"], "{unchanged}");
        assert_eq!(r.etag(), etag, "{unchanged}");
    }
    assert_eq!(
        history(&app),
        written,
        "no history for a patch that changes nothing"
    );

    // null for required fields: 422 naming each of them
    let r = coordinator
        .patch_if_match(
            &task_path,
            &etag,
            &json!({"title": null, "expected_output": null, "area": null, "supporting_agency_ids": null}),
        )
        .await;
    r.field_error(422, "title");
    assert_eq!(
        r.error_fields(),
        ["title", "expected_output", "area", "supporting_agency_ids"]
    );
    let now = coordinator.get(&task_path).await.ok();
    assert_eq!(now["title"], task["title"]);
    assert_eq!(now["version"], task["version"]);

    // a real change still moves the version and writes history
    let r = coordinator
        .patch_if_match(&task_path, &etag, &json!({"title": "Tên mới"}))
        .await;
    assert_eq!(r.ok()["version"], task["version"].as_i64().unwrap() + 1);
    assert_eq!(history(&app), written + 1);
}

#[actix_web::test]
async fn every_validation_error_is_reported_at_once() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    let r = coordinator
        .post(
            &path::plan_tasks(&plan),
            &TaskBody::new("NV01")
                .lead(STP)
                .set("title", json!(""))
                .set("area", json!("weather"))
                .set("colour", json!("red")),
        )
        .await;
    r.problem(400);
    let fields = r.error_fields();
    for field in ["title", "area", "colour"] {
        assert!(fields.iter().any(|f| f == field), "{field}: {}", r.raw);
    }
    let r = Actor::inspector(&app)
        .get("/api/v1/tasks?limit=x&overdue=maybe&as_of=yesterday")
        .await;
    r.problem(400);
    assert_eq!(r.error_fields(), ["limit", "overdue", "as_of"], "{}", r.raw);
}

#[actix_web::test]
async fn paths_and_ids_are_answered_as_the_spec_writes_them() {
    let app = TestApp::demo().await;
    let inspector = Actor::inspector(&app);
    let r = inspector.get("/api/v1/tasks/").await;
    r.problem(404).problem_type("not-found");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("no trailing slash"),
        "{}",
        r.raw
    );
    inspector
        .get("/api/v1/tasks/not-a-uuid")
        .await
        .field_error(400, "id");
    let head = inspector
        .request(Method::HEAD, "/api/v1/plans")
        .send()
        .await;
    assert_eq!(head.status.as_u16(), 200);
}

#[actix_web::test]
async fn created_objects_are_located() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let r = coordinator
        .request(Method::POST, "/api/v1/plans")
        .body(&PlanBody::year(2024))
        .send()
        .await;
    let plan = r.created().id();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/plans/{plan}").as_str())
    );
    let r = coordinator
        .request(Method::POST, &path::plan_tasks(&plan))
        .body(&TaskBody::new("NV01").lead(STP))
        .send()
        .await;
    let task = r.created().id();
    let location = r.header("location").unwrap().to_string();
    assert_eq!(location, path::task(&task));
    coordinator.get(&location).await.ok();
    let r = Actor::officer(&app, STP)
        .request(Method::POST, &path::reports(&task))
        .body(&ReportBody::new(10, "Bắt đầu"))
        .send()
        .await;
    r.created();
    assert_eq!(r.header("location"), Some(path::reports(&task).as_str()));
}

#[actix_web::test]
async fn swagger_ui_calls_no_validator_and_keeps_the_authorisation() {
    let app = TestApp::empty().await;
    let r = app.get("/docs/swagger-initializer.js").send().await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(r.raw.contains(r#""validatorUrl": "none""#), "{}", r.raw);
    assert!(
        r.raw.contains(r#""persistAuthorization": true"#),
        "{}",
        r.raw
    );
}

#[actix_web::test]
async fn the_demo_has_open_work_this_year() {
    let app = TestApp::demo().await;
    let officer = Actor::officer(&app, STP);
    let year = par_tracker::domain::overdue::province_date(chrono::Utc::now()).format("%Y");
    let plans = officer
        .get(&format!("/api/v1/plans?year={year}"))
        .await
        .ok()
        .items();
    assert_eq!(plans.len(), 1, "one plan for {year}");
    assert!(
        plans[0].text("title").contains("minh họa"),
        "marked illustrative"
    );
    let plan = plans[0].id();
    let overdue = officer.tasks(&format!("plan_id={plan}&overdue=true")).await;
    assert!(!overdue.is_empty(), "some tasks overdue today");
    let soon = officer
        .tasks(&format!("plan_id={plan}&at_risk_days=7"))
        .await;
    assert!(!soon.is_empty(), "some tasks due within a week");
    let open = officer
        .tasks(&format!(
            "plan_id={plan}&agency_id={}&agency_role=lead",
            app.agency_id(STP)
        ))
        .await;
    let task = open
        .iter()
        .find(|t| t["status"] != "completed")
        .expect("STP leads an open task");
    officer
        .post(
            &path::reports(&task.id()),
            &ReportBody::new(30, "Đang triển khai"),
        )
        .await
        .created();
}

#[actix_web::test]
async fn browsers_may_call_from_the_listed_origins_only() {
    const DASHBOARD: &str = "https://dashboard.khanhhoa.gov.vn";
    let app = TestApp::demo_with_cors(&[DASHBOARD]).await;
    let preflight = app
        .call(Method::OPTIONS, "/api/v1/tasks")
        .header("Origin", DASHBOARD)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await;
    assert_eq!(preflight.status.as_u16(), 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some(DASHBOARD)
    );
    assert!(preflight
        .header("access-control-allow-headers")
        .unwrap()
        .contains("authorization"));
    let r = Actor::inspector(&app)
        .request(Method::GET, "/api/v1/plans")
        .header("Origin", DASHBOARD)
        .send()
        .await;
    assert_eq!(r.header("access-control-allow-origin"), Some(DASHBOARD));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .contains("etag"));
    let r = Actor::inspector(&app)
        .request(Method::GET, "/api/v1/plans")
        .header("Origin", "https://elsewhere.example")
        .send()
        .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    // by default, no origin at all
    let app = TestApp::demo().await;
    let r = Actor::inspector(&app)
        .request(Method::GET, "/api/v1/plans")
        .header("Origin", DASHBOARD)
        .send()
        .await;
    assert_eq!(r.header("access-control-allow-origin"), None);
}

/// JSON Schema counts `63.0` as an integer, and so does the API: a generated
/// client (or a spreadsheet's number) may send one.
#[actix_web::test]
async fn integral_numbers_with_a_fraction_are_integers() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.demo_plan_id().await;
    let indicators = path::plan_indicators(&plan);
    let body = json!({"code": "XH-THU", "name": "Xếp hạng thử", "unit": "rank",
        "direction": "decrease", "aggregation": "none", "target": {"value": 30.0, "out_of": 63.0}});
    let created = coordinator.post(&indicators, &body).await.created();
    assert_eq!(created["target"]["out_of"], 63);
    let mut half = body.clone();
    half["code"] = "XH-THU-2".into();
    half["target"]["out_of"] = json!(63.5);
    coordinator
        .post(&indicators, &half)
        .await
        .field_error(400, "target.out_of");
}
