//! Who a progress report speaks for, and what it does to the task: the lead
//! agency's report sets the task's progress; a supporting agency's does not.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::common::TestApp;

/// A task of a new 2024 plan, led by the Department of Justice (STP) and
/// supported by the Department of Information (STTTT); returns its id.
async fn shared_task(app: &TestApp) -> String {
    let coordinator = app.token("sonoivu");
    let r = app
        .post("/api/v1/plans")
        .token(&coordinator)
        .json(&json!({"code": "CCHC-2024", "year": 2024, "title": "Kế hoạch CCHC năm 2024"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let plan = r.body["id"].as_str().unwrap().to_string();
    let r = app
        .post(&format!("/api/v1/plans/{plan}/tasks"))
        .token(&coordinator)
        .json(&json!({
            "code": "B1",
            "title": "Số hoá kết quả giải quyết thủ tục hành chính",
            "area": "digital_government",
            "lead_agency_id": app.agency_id("STP"),
            "supporting_agency_ids": [app.agency_id("STTTT")],
            "deadline": {"kind": "quarter", "value": "2024-Q4"},
            "expected_output": "Kho dữ liệu số hoá",
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body["id"].as_str().unwrap().to_string()
}

async fn report(app: &TestApp, token: &str, task: &str, progress: i64) -> Value {
    let r = app
        .post(&format!("/api/v1/tasks/{task}/reports"))
        .token(token)
        .json(&json!({"progress_percent": progress, "summary": format!("Đạt {progress}%")}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    r.body
}

async fn progress_of(app: &TestApp, task: &str) -> (Value, Value) {
    let t = app
        .get(&format!("/api/v1/tasks/{task}"))
        .token(&app.token("thanhtra"))
        .send()
        .await;
    (t.body["status"].clone(), t.body["progress_percent"].clone())
}

#[actix_web::test]
async fn a_supporting_agency_reports_without_moving_the_task() {
    let app = TestApp::demo().await;
    let task = shared_task(&app).await;
    report(&app, &app.token("stp"), &task, 40).await;
    assert_eq!(
        progress_of(&app, &task).await,
        (json!("in_progress"), json!(40))
    );
    let supporting = report(&app, &app.token("stttt"), &task, 90).await;
    assert_eq!(supporting["agency_id"], app.agency_id("STTTT").to_string());
    assert_eq!(
        progress_of(&app, &task).await,
        (json!("in_progress"), json!(40)),
        "the task's progress is the lead agency's"
    );
}

#[actix_web::test]
async fn an_administrator_reports_for_the_lead_agency_unless_theirs_takes_part() {
    let app = TestApp::demo().await;
    let task = shared_task(&app).await;
    // an administrator attached to an agency with no part in the task
    // (the command line refuses an agency for an admin; the API's data may still hold one)
    app.create_user("quantri.snv", "admin", None, "mat-khau-quan-tri");
    app.execute(&format!(
        "UPDATE users SET agency_id = '{}' WHERE username = 'quantri.snv'",
        app.agency_id("SNV")
    ));
    let outsider = report(&app, &app.token("quantri.snv"), &task, 30).await;
    assert_eq!(outsider["agency_id"], app.agency_id("STP").to_string());
    assert_eq!(
        progress_of(&app, &task).await,
        (json!("in_progress"), json!(30))
    );
    // one attached to the supporting agency speaks for it
    app.create_user("quantri.stttt", "admin", None, "mat-khau-quan-tri");
    app.execute(&format!(
        "UPDATE users SET agency_id = '{}' WHERE username = 'quantri.stttt'",
        app.agency_id("STTTT")
    ));
    let supporting = report(&app, &app.token("quantri.stttt"), &task, 80).await;
    assert_eq!(supporting["agency_id"], app.agency_id("STTTT").to_string());
    assert_eq!(
        progress_of(&app, &task).await,
        (json!("in_progress"), json!(30))
    );
}
